"""The README documents every option of every program and every reason
code the code can give (no broker needed)."""
import glob
import os
import re
import subprocess
import unittest

import lgxenv

README = os.path.join(lgxenv.TOP, "README.md")


def code_reasons():
    """Reason codes set anywhere in common/ and consumers/."""
    reasons = set()
    pattern = re.compile(
        r'lgx_verdict_set\(\s*[&\w>.-]+,\s*LGX_OUTCOME_(?!APPLIED)\w+,\s*'
        r'"([a-z_]+)"', re.S)
    snpr = re.compile(r'snprintf\(reason,\s*\w+,\s*"([a-z_]+)"')
    ternary = re.compile(r'\?\s*"([a-z_]+)"\s*:\s*"([a-z_]+)"')
    # lgx_event_map's reasons, one per kind of partner code, from a table.
    unmapped = re.compile(r'"(unmapped_[a-z_]+)"')
    for path in glob.glob(os.path.join(lgxenv.TOP, "common", "*.c")) + \
            glob.glob(os.path.join(lgxenv.TOP, "consumers", "*", "*.c")):
        text = open(path).read()
        reasons.update(pattern.findall(text))
        reasons.update(snpr.findall(text))
        reasons.update(unmapped.findall(text))
        if "lgx_consumer.c" in path:
            for a, b in ternary.findall(text):
                if a in ("unknown_schema",):
                    reasons.update((a, b))
    reasons.discard("nomem")
    return reasons


class DocsTest(unittest.TestCase):
    def test_every_option_is_in_the_readme(self):
        readme = open(README).read()
        programs = sorted(glob.glob(os.path.join(lgxenv.BIN, "lgx-*")))
        self.assertGreaterEqual(len(programs), 4)
        missing = []
        for prog in programs:
            out = subprocess.run([prog, "--help-markdown"],
                                 capture_output=True, text=True).stdout
            for opt in re.findall(r"^\| `(--[a-z0-9.-]+)", out, re.M):
                opt = opt.split(".<")[0]
                if "`%s" % opt not in readme:
                    missing.append("%s %s" % (os.path.basename(prog), opt))
        self.assertEqual(missing, [])

    def test_every_reason_code_is_in_the_readme(self):
        readme = open(README).read()
        reasons = code_reasons()
        self.assertGreater(len(reasons), 20)
        missing = sorted(r for r in reasons if "| %s |" % r not in readme)
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main()

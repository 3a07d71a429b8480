"""The README documents every option of every program and every reason
code the code can give; every program prints the same --version (no
broker needed)."""
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
        if "lgx_consumer" in path:
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

    def test_every_program_prints_the_same_version(self):
        """--version: "<program> <VERSION file> (<git describe --tags
        --always --dirty>)" when the source is a git checkout, as built
        (make again after changing the tree)."""
        with open(os.path.join(lgxenv.TOP, "VERSION")) as f:
            release = f.read().strip()
        git = ["git", "-C", lgxenv.TOP]
        top = subprocess.run(git + ["rev-parse", "--show-toplevel"],
                             capture_output=True, text=True).stdout.strip()
        build = ""
        if top and os.path.realpath(top) == os.path.realpath(lgxenv.TOP):
            build = subprocess.run(
                git + ["describe", "--tags", "--always", "--dirty"],
                capture_output=True, text=True, check=True).stdout.strip()
        programs = sorted(glob.glob(os.path.join(lgxenv.BIN, "lgx-*")))
        self.assertGreaterEqual(len(programs), 4)
        for prog in programs:
            out = subprocess.run([prog, "--version"], capture_output=True,
                                 text=True, timeout=10)
            self.assertEqual(out.returncode, 0, prog)
            name = os.path.basename(prog)
            want = "%s %s%s\n" % (name, release,
                                  " (%s)" % build if build else "")
            self.assertEqual(out.stdout, want)

    def test_every_reason_code_is_in_the_readme(self):
        readme = open(README).read()
        reasons = code_reasons()
        self.assertGreater(len(reasons), 20)
        missing = sorted(r for r in reasons if "| %s |" % r not in readme)
        self.assertEqual(missing, [])

    def test_reasons_made_at_zero_are_the_readme_table(self):
        """common/lgx_reasons.c's table (the series made at 0 at start) is
        README's "Reason codes" table, outcome by outcome."""
        readme = open(README).read()
        m = re.search(r"^### Reason codes$(.*?)^#", readme, re.M | re.S)
        table = set()
        for line in m.group(1).splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("| ") and cells[0] not in ("reason", "---"):
                table.update((cells[0], o.strip()) for o in cells[1].split(" or "))
        code = open(os.path.join(lgxenv.TOP, "common", "lgx_reasons.c")).read()
        rows = set(re.findall(r'\{"([a-z_]*)", "([a-z]+)"\}', code))
        rows.discard(("", "applied"))
        self.assertGreater(len(table), 40)
        self.assertEqual(sorted(rows - table), [], "not in README")
        self.assertEqual(sorted(table - rows), [], "not in lgx_reasons.c")


if __name__ == "__main__":
    unittest.main()

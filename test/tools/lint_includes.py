#!/usr/bin/env python3
"""The dependencies between the modules of common/, from their #include
lines: a module is a .c and its .h; a private header lgx_x_int.h belongs
to lgx_x, and so does a file lgx_x_y.c that includes it or has no header
of its own (one module in several files, which may call each other).
Fails on a cycle, naming the modules in it, and on a common/ file longer
than --max-lines (800). With --objects DIR (the build's object files of
common/), the calls too: which module's object uses a symbol another's
defines (nm), and a cycle there fails as well; with --bin DIR too (the
built programs), a program that is not a consumer must not hold the
consumer runtime, the verdicts nor the handler kit (RUNTIME). Prints the modules layer by layer:
layer 0 includes no other module, layer k only modules below it (the map
README's architecture section draws).

  test/tools/lint_includes.py              check common/ (exit 1 on a problem)
  test/tools/lint_includes.py --objects build/obj/common   and the calls
  test/tools/lint_includes.py --self-test  the check refuses a made-up cycle
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([A-Za-z0-9_]+)\.h"', re.M)


def module(name):
    return name[:-4] if name.endswith("_int") else name


def owner(name, text, names=()):
    """The module of file name: its own, or lgx_x's when it is lgx_x_y.c
    and includes lgx_x_int.h, or includes lgx_x.h and there is no
    lgx_x_y.h (names: every file's name)."""
    base = module(os.path.splitext(name)[0])
    incs = INCLUDE.findall(text)
    for inc in incs:
        if inc.endswith("_int") and base.startswith(inc[:-4] + "_"):
            return inc[:-4]
    if name.endswith(".c") and base + ".h" not in names:
        for inc in sorted(incs, key=len, reverse=True):
            if base.startswith(inc + "_"):
                return inc
    return base


def graph(files):
    """files: {file name: text}. Returns {module: set of modules}."""
    deps = {}
    for name, text in files.items():
        m = owner(name, text, files)
        deps.setdefault(m, set())
        for inc in INCLUDE.findall(text):
            d = module(inc)
            if d != m:
                deps[m].add(d)
    for m in deps:
        deps[m] = {d for d in deps[m] if d in deps}
    return deps


def cycles(deps):
    """The strongly connected components of more than one module."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(deps[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(deps):
        if v not in index:
            visit(v)
    return out


def layers(deps):
    level = {}

    def lv(m):
        if m not in level:
            level[m] = 1 + max((lv(d) for d in deps[m]), default=-1)
        return level[m]

    for m in deps:
        lv(m)
    out = {}
    for m, k in level.items():
        out.setdefault(k, []).append(m)
    return [sorted(out[k]) for k in sorted(out)]


def calls(files, objdir):
    """{module: modules whose symbols its objects use}, from nm."""
    defined, used = {}, {}
    for name, text in files.items():
        if not name.endswith(".c"):
            continue
        obj = os.path.join(objdir, name[:-2] + ".o")
        if not os.path.exists(obj):
            continue
        m = owner(name, text, files)
        out = subprocess.run(["nm", obj], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in "TDRB":
                defined[f[2]] = m
            elif len(f) == 2 and f[0] == "U":
                used.setdefault(m, set()).add(f[1])
    out = {m: set() for m in set(defined.values()) | set(used)}
    for m, syms in used.items():
        out[m] |= {defined[s] for s in syms if defined.get(s, m) != m}
    return out


# What only consumers link: the runtime, the verdicts and the handler kit.
RUNTIME = re.compile(r"^lgx_(consumer|verdict|stock)")


def runtime_in(files, objdir, bindir, consumers):
    """{program: runtime symbols it holds} for each program of bindir that
    is not one of consumers (names like "picks")."""
    mine = set()
    for name, text in files.items():
        obj = os.path.join(objdir, name[:-2] + ".o")
        if (name.endswith(".c") and RUNTIME.match(owner(name, text, files))
                and os.path.exists(obj)):
            out = subprocess.run(["nm", "--defined-only", "-g", obj],
                                 capture_output=True, text=True,
                                 check=True).stdout
            mine |= {line.split()[2] for line in out.splitlines()
                     if len(line.split()) == 3}
    found = {}
    for prog in sorted(os.listdir(bindir)):
        if not prog.startswith("lgx-") or prog[4:] in consumers:
            continue
        out = subprocess.run(["nm", "--defined-only", "-g",
                              os.path.join(bindir, prog)],
                             capture_output=True, text=True).stdout
        held = {line.split()[2] for line in out.splitlines()
                if len(line.split()) == 3} & mine
        found[prog] = sorted(held)
    return found


def read_common(root):
    files = {}
    for name in sorted(os.listdir(root)):
        if name.endswith((".c", ".h")):
            with open(os.path.join(root, name)) as f:
                files[name] = f.read()
    return files


def self_test():
    ok = {"a.c": '#include "a.h"\n#include "b.h"\n', "a.h": "",
          "b.c": '#include "b_int.h"\n', "b_int.h": '#include "b.h"\n',
          "b_more.c": '#include "b_int.h"\n', "b.h": '#include "c.h"\n',
          "c.h": "", "c_x.c": '#include "b_int.h"\n'}
    bad = dict(ok, **{"c.c": '#include "a.h"\n'})
    assert cycles(graph(ok)) == [], "a private header is its module's"
    assert cycles(graph(bad)) == [["a", "b", "c"]], cycles(graph(bad))
    assert layers(graph(ok)) == [["c"], ["b"], ["a", "c_x"]], layers(graph(ok))
    # Calls: a.c and b.c call each other though neither includes the other.
    with tempfile.TemporaryDirectory() as d:
        src = {"a.c": "int b_f(void);\nint a_f(void) { return b_f(); }\n",
               "b.c": "int a_f(void);\nint b_f(void) { return a_f(); }\n"}
        for name, text in src.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
            subprocess.run(["cc", "-c", "-o", os.path.join(d, name[:-2] + ".o"),
                            os.path.join(d, name)], check=True)
        assert cycles(calls(src, d)) == [["a", "b"]], calls(src, d)
    print("includes: self-test passed (a cycle a -> b -> c -> a is refused, "
          "and two objects calling each other)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--max-lines", type=int, default=800)
    ap.add_argument("--objects", help="the object files of common/")
    ap.add_argument("--bin", help="the built programs (with --objects)")
    ap.add_argument("--root", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "common"))
    a = ap.parse_args()
    if a.self_test:
        self_test()
        return 0
    files = read_common(a.root)
    deps = graph(files)
    bad = 0
    for comp in cycles(deps):
        print("includes: cycle between %s" % ", ".join(comp))
        for m in comp:
            print("  %s -> %s" % (m, ", ".join(sorted(deps[m] & set(comp)))))
        bad += 1
    if a.objects and not os.path.isdir(a.objects):
        print("includes: %s not built: calls not checked" % a.objects)
    elif a.objects:
        for comp in cycles(calls(files, a.objects)):
            print("includes: the objects of %s call each other in a cycle"
                  % ", ".join(comp))
            bad += 1
    if a.objects and a.bin and os.path.isdir(a.bin):
        consumers = os.listdir(os.path.join(a.root, "..", "consumers"))
        for prog, held in runtime_in(files, a.objects, a.bin,
                                     consumers).items():
            if held:
                print("includes: %s is not a consumer but links the consumer "
                      "runtime (%s)" % (prog, ", ".join(held[:5])))
                bad += 1
            else:
                print("  %s: no consumer runtime, verdict or handler kit"
                      % prog)
    for name, text in files.items():
        n = text.count("\n")
        if n > a.max_lines:
            print("includes: common/%s has %d lines (at most %d)"
                  % (name, n, a.max_lines))
            bad += 1
    if not bad:
        for k, mods in enumerate(layers(deps)):
            print("  layer %d: %s" % (k, " ".join(mods)))
    print("includes: %d modules, %d files, %d problems"
          % (len(deps), len(files), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

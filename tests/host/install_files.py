#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""make install DESTDIR=... [PREFIX=...] installs exactly the expected files with their
modes (the loader, a man page per command, the systemd unit with this PREFIX's paths, the
bash completion, the docs and examples, an empty /etc/damon-bpf), the installed loader runs,
and make uninstall removes them all again but a spec an admin put in /etc/damon-bpf."""
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403


def make(*args):
    return subprocess.run(["make", "-s", "-C", TOP] + list(args), capture_output=True,
                          text=True, timeout=120)


def tree(root):
    """{relative path: mode} of every file, and the set of directories without files."""
    files, empty = {}, set()
    for d, dirs, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            files[os.path.relpath(p, root)] = stat.S_IMODE(os.lstat(p).st_mode)
        if not dirs and not names:
            empty.add(os.path.relpath(d, root))
    return files, empty


top = run([LOADER, "--help"]).stdout
cmds = re.findall(r"^  ([a-z]+) ", top.split("COMMANDS:\n", 1)[1].split("\n\n", 1)[0], re.M)
check(len(cmds) >= 12, "%d commands in damon-bpf --help" % len(cmds))
examples = sorted(f for f in os.listdir(os.path.join(TOP, "docs", "examples")))


def expected(prefix):
    p = prefix.strip("/")
    want = {p + "/sbin/damon-bpf": 0o755,
            p + "/lib/systemd/system/damon-bpf@.service": 0o644,
            p + "/share/bash-completion/completions/damon-bpf": 0o644}
    for m in ["damon-bpf"] + ["damon-bpf-" + c for c in cmds]:
        want["%s/share/man/man8/%s.8" % (p, m)] = 0o644
    for d in ("README.md", "install.md", "usage.md", "schemes.md", "kernel.md"):
        want["%s/share/doc/damon-bpf/%s" % (p, d)] = 0o644
    for e in examples:
        want["%s/share/doc/damon-bpf/examples/%s" % (p, e)] = 0o644
    return want


for prefix in ("/usr/local", "/usr"):
    root = tempfile.mkdtemp(prefix="damon-bpf-install.")
    args = ["install", "DESTDIR=" + root] + ([] if prefix == "/usr/local" else
                                             ["PREFIX=" + prefix])
    p = make(*args)
    if not check(p.returncode == 0, "make %s%s" % (" ".join(args).replace(root, "$tmp"),
                                                   "" if p.returncode == 0 else
                                                   ": " + p.stderr.strip())):
        continue
    files, empty = tree(root)
    want = expected(prefix)
    extra = sorted(set(files) - set(want))
    missing = sorted(set(want) - set(files))
    check(not extra and not missing, "PREFIX=%s: the %d expected files%s%s" %
          (prefix, len(want), "; extra: %s" % extra if extra else "",
           "; missing: %s" % missing if missing else ""))
    modes = sorted("%s %o" % (f, m) for f, m in files.items() if f in want and m != want[f])
    check(not modes, "PREFIX=%s: modes 0755 for the loader, 0644 for the rest%s" %
          (prefix, ": " + ", ".join(modes) if modes else ""))
    check(empty == {"etc/damon-bpf"}, "an empty etc/damon-bpf for the unit's specs (empty "
          "dirs: %s)" % sorted(empty))
    loader = os.path.join(root, prefix.strip("/"), "sbin", "damon-bpf")
    q = subprocess.run([loader, "--help"], capture_output=True, text=True, timeout=20)
    check(q.returncode == 0 and "COMMANDS:" in q.stdout, "the installed loader runs")
    unit = os.path.join(root, prefix.strip("/"), "lib/systemd/system/damon-bpf@.service")
    if os.path.exists(unit):
        u = open(unit).read()
        check(not re.search(r"@[A-Z]+@", u) and
              "ExecStart=%s/sbin/damon-bpf run /etc/damon-bpf/%%i.json --name %%i" % prefix in u,
              "the unit runs %s/sbin/damon-bpf run /etc/damon-bpf/%%i.json --name %%i, no "
              "@...@ left" % prefix)
    # An admin's spec stays; everything install put there goes.
    spec = os.path.join(root, "etc", "damon-bpf", "web.json")
    with open(spec, "w") as f:
        f.write("{}\n")
    p = make(*(["uninstall"] + args[1:]))
    files, _ = tree(root)
    check(p.returncode == 0 and set(files) == {"etc/damon-bpf/web.json"},
          "make uninstall removes what install put there, keeps etc/damon-bpf/web.json "
          "(left: %s)" % sorted(files))
    shutil.rmtree(root)
done()

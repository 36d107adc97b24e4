#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The man pages (make man: packaging/man/mkman, help2man): damon-bpf(8) and one
damon-bpf-CMD(8) per command of 'damon-bpf --help'.  Each renders with groff without a
warning (-ww), has NAME, SYNOPSIS and DESCRIPTION, fits an 80-column terminal, and names
every option its command's --help has (in its OPTIONS section, as a tag)."""
import os
import re
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

# make's build dir (make check-asan's DB_BUILD holds only the ASan loader)
MAN = os.path.join(TOP, "build", "man")
# An option in argp's table, or in damon-bpf --help's own OPTIONS block.
OPTION = re.compile(r"^(?:  -[^-], |      )(--[a-z][\w-]*)")

p = run(["make", "-s", "-C", TOP, "man"], check_rc=False)
need(p.returncode == 0, "make man%s" % ("" if p.returncode == 0 else ": " + p.stderr.strip()))

top = run([LOADER, "--help"]).stdout
cmds = re.findall(r"^  ([a-z]+) ", top.split("COMMANDS:\n", 1)[1].split("\n\n", 1)[0], re.M)
check(len(cmds) >= 12, "commands of damon-bpf --help: %s" % " ".join(cmds))
pages = sorted(f for f in os.listdir(MAN) if f.endswith(".8"))
want = sorted(["damon-bpf.8"] + ["damon-bpf-%s.8" % c for c in cmds])
check(pages == want, "build/man has a page per command and damon-bpf.8 (extra: %s, missing: %s)"
      % (sorted(set(pages) - set(want)), sorted(set(want) - set(pages))))


def text(page, width):
    """The page as man shows it: groff, plain text, hyphenation off so that no option name is
    broken at a line's end."""
    env = dict(os.environ, LC_ALL="C.UTF-8")
    p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-rHY=0", "-rLL=%dn" % width,
                        "-P-cbou", page], capture_output=True, text=True, env=env, timeout=20)
    return p.returncode, p.stdout.replace("\u2010", "-").replace("\u2212", "-"), p.stderr


for cmd in [None] + cmds:
    name = "damon-bpf" + ("-" + cmd if cmd else "")
    page = os.path.join(MAN, name + ".8")
    if not os.path.exists(page):
        continue
    rc, out, warn = text(page, 78)      # man's line length on an 80-column terminal
    check(rc == 0 and not warn.strip(), "%s(8) renders without warnings%s" %
          (name, "" if not warn.strip() else ": " + warn.strip()[:300]))
    sections = re.findall(r"^([A-Z][A-Z ]+)$", out, re.M)
    check(all(s in sections for s in ("NAME", "SYNOPSIS", "DESCRIPTION")) and
          re.search(r"^NAME\n\s+%s\s+-\s+\S" % re.escape(name), out, re.M),
          "%s(8): NAME '%s - ...', SYNOPSIS, DESCRIPTION (sections: %s)" %
          (name, name, ", ".join(sections)))
    wide = [l for l in out.split("\n") if len(l) > 80]
    check(not wide, "%s(8): every line fits 80 columns%s" %
          (name, "".join("\n         %d: %r" % (len(l), l) for l in wide[:3])))
    helptext = run([LOADER] + ([cmd] if cmd else []) + ["--help"]).stdout
    opts = sorted(set(m.group(1) for m in map(OPTION.match, helptext.split("\n")) if m))
    if cmd not in ("start", "args"):    # their help is a text, with no option table
        check(len(opts) >= 2, "%s --help has options: %s" % (name, " ".join(opts)))
    # the OPTIONS section's tags: lines that start with an option, indented as man does
    body = out.split("\nOPTIONS\n", 1)[1].split("\n\n\n", 1)[0] if "\nOPTIONS\n" in out else ""
    tags = set(re.findall(r"^ {7}(?:-\S, )?(--[a-z][\w-]*)", body, re.M))
    missing = [o for o in opts if o not in tags]
    check(not missing, "%s(8) names all %d options of its --help in OPTIONS%s" %
          (name, len(opts), (": missing " + " ".join(missing)) if missing else ""))
done()

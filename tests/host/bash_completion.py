#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The bash completion (packaging/bash-completion/damon-bpf), run in plain bash as
readline would call it: the commands; for every command each option of its --help; the
values of --source, --pid, --workload, files for --record, --prom and --truth; spec files for
run, record files for report, session names for stop, the spec commands for args; a command
after count's and bench's '--'."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

SCRIPT = os.path.join(TOP, "packaging", "bash-completion", "damon-bpf")
OPTION = re.compile(r"^(?:  -[^-], |      )(--[a-z][\w-]*)")
work = tempfile.mkdtemp(prefix="damon-bpf-compl.")
for f in ("a.json", "b.json", "run.dbr", "notes.txt"):
    open(os.path.join(work, f), "w").close()
os.mkdir(os.path.join(work, "specs"))
sessions = tempfile.mkdtemp(prefix="damon-bpf-sessions.")
for s in ("web", "reclaim"):
    open(os.path.join(sessions, s + ".session"), "w").close()


def complete(line):
    """COMPREPLY for the command line 'line' (completing its last word; a trailing space
    means a new, empty word)."""
    words = line.split(" ")
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
              '_damon_bpf; printf "%s\\n" "${COMPREPLY[@]}"')
    env = dict(os.environ, PATH=BUILD + ":" + os.environ["PATH"],
               DAMON_BPF_SESSION_DIR=sessions)
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash", SCRIPT] + words,
                       capture_output=True, text=True, cwd=work, env=env, timeout=20)
    if p.returncode != 0 or p.stderr:
        return {"<error: %s>" % p.stderr.strip()}
    return set(l for l in p.stdout.split("\n") if l)


def options(cmd):
    out = run([LOADER, cmd, "--help"]).stdout
    return set(m.group(1) for m in map(OPTION.match, out.split("\n")) if m)


top = run([LOADER, "--help"]).stdout
cmds = re.findall(r"^  ([a-z]+) ", top.split("COMMANDS:\n", 1)[1].split("\n\n", 1)[0], re.M)
got = complete("damon-bpf ")
check(got == set(cmds) and len(cmds) >= 12, "damon-bpf <TAB>: the %d commands (%s)" %
      (len(cmds), " ".join(sorted(got))))
check(complete("damon-bpf mo") == {"monitor"}, "damon-bpf mo<TAB>: monitor")
check(complete("damon-bpf -v st") == {"start", "stop", "status"},
      "damon-bpf -v st<TAB>: start stop status")
check({"--verbose", "--help", "--version"} <= complete("damon-bpf --"),
      "damon-bpf --<TAB>: the loader's own options")

for cmd in cmds:
    if cmd in ("start", "args"):        # their options are monitor's, a command's
        continue
    want = options(cmd)
    got = complete("damon-bpf %s --" % cmd)
    check(len(want) >= 2 and got == want, "damon-bpf %s --<TAB>: its %d options%s" %
          (cmd, len(want), "" if got == want else ": missing %s, extra %s" %
           (sorted(want - got), sorted(got - want))))

check(complete("damon-bpf start web --") == options("monitor"),
      "damon-bpf start NAME --<TAB>: monitor's options")
check(complete("damon-bpf args ") == {"monitor", "reclaim", "collapse", "tier", "run"},
      "damon-bpf args <TAB>: the spec commands")
check(complete("damon-bpf args reclaim --mi") == {"--min-age"},
      "damon-bpf args reclaim --mi<TAB>: --min-age")
check(complete("damon-bpf monitor --source ") == {"fault", "perf", "pte"},
      "monitor --source <TAB>: fault perf pte")
check(complete("damon-bpf monitor --source fault,p") == {"fault,perf", "fault,pte"},
      "monitor --source fault,p<TAB>: a list")
check(complete("damon-bpf tier --source ") == {"fault", "perf"},
      "tier --source <TAB>: fault perf")
pids = complete("damon-bpf reclaim --pid %d" % os.getpid())
check(str(os.getpid()) in pids and all(p.isdigit() for p in pids),
      "reclaim --pid <TAB>: process ids")
check(complete("damon-bpf monitor --cpus ") == set(), "monitor --cpus <TAB>: nothing to offer")
check(complete("damon-bpf run ") == {"a.json", "b.json", "specs", "-"},
      "run <TAB>: spec files, directories, '-' (%s)" % sorted(complete("damon-bpf run ")))
check(complete("damon-bpf report ") == {"run.dbr", "specs"}, "report <TAB>: record files")
check(complete("damon-bpf stop ") == {"web", "reclaim"}, "stop <TAB>: the session names")
check(complete("damon-bpf reclaim --prom ") == {"a.json", "b.json", "run.dbr", "notes.txt",
                                                 "specs"}, "reclaim --prom <TAB>: files")
check("ls" in complete("damon-bpf count -- l"), "count -- l<TAB>: commands")
check("ls" in complete("damon-bpf bench --workload accuracy -- l"),
      "bench --workload accuracy -- l<TAB>: commands")
check(complete("damon-bpf bench --workload ") == {"churn", "compute", "accuracy"},
      "bench --workload <TAB>: churn compute accuracy")
check(complete("damon-bpf report run.dbr --truth a") == {"a.json"},
      "report --truth a<TAB>: files")
check(complete("damon-bpf count --js") == {"--json"}, "count --js<TAB>: --json")
shutil.rmtree(work)
shutil.rmtree(sessions)
done()

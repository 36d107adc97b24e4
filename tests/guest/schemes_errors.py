#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Bad input to the scheme commands (tier, collapse, reclaim, run): each attempt exits non-zero
with a message that names the problem, and leaves nothing behind: DAMON's nr_kdamonds as it
was (0), no /run/damon-bpf/*.session file, no pinned session, no reporter program loaded.
Every command the cases use must exist ('damon-bpf CMD --help' exits 0): a missing one fails
the case, it is not dropped."""
import json
import os
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

ran = 0
commands = {}


def has(cmd):
    """Whether damon-bpf has cmd; the first time it has not, a failed check."""
    if cmd not in commands:
        commands[cmd] = check(has_command(cmd), "damon-bpf has a '%s' command ('damon-bpf %s "
                              "--help' exits 0)" % (cmd, cmd))
    return commands[cmd]


def pinned():
    d = "/sys/fs/bpf/damon-bpf"
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def bad(what, args, *names):
    """damon-bpf ARGS must fail, its message must contain every string in names (any one of
    a tuple), and nothing may be left behind."""
    global ran
    if not has(args[0]):
        check(False, "%s: not run, no '%s' command" % (what, args[0]))
        return
    ran += 1
    before = (nr_kdamonds(), session_files(), pinned(), reporter_progs())
    p = run([LOADER] + [str(a) for a in args], check_rc=False, timeout=120)
    err = (p.stderr or "").strip()
    log("  $ damon-bpf %s\n    -> exit %d: %s" % (" ".join(str(a) for a in args), p.returncode,
                                                  err.replace("\n", "\n       ")))
    check(p.returncode > 0, "%s: exits non-zero (%d)" % (what, p.returncode))
    for n in names:
        alts = n if isinstance(n, tuple) else (n,)
        check(any(a.lower() in err.lower() for a in alts),
              "%s: the message names %s" % (what, " or ".join(repr(a) for a in alts)))
    after = (nr_kdamonds(), session_files(), pinned(), reporter_progs())
    check(after == before, "%s: nothing left behind (nr_kdamonds, sessions, pins, programs: "
          "%s, before %s)" % (what, after, before))


def config(text):
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    f.write(text)
    f.close()
    return f.name


check(nr_kdamonds() == 0 and not session_files(), "starts clean: no kdamond, no session file")

# tier: nodes.
bad("tier --fast 7", ["tier", "--fast", 7, "--slow", 1, "--duration", "5s"], "7", "node")
bad("tier --slow 7", ["tier", "--fast", 0, "--slow", 7, "--duration", "5s"], "7", "node")
memless = [n for n in nodes("possible") if n not in nodes("has_memory")]
if memless:
    n = memless[0]
    log("  node %d is possible but has no memory (online %s, has_memory %s)" %
        (n, nodes("online"), nodes("has_memory")))
    bad("tier --slow <node without memory>", ["tier", "--fast", 0, "--slow", n, "--duration",
                                              "5s"], str(n), ("memory", "offline", "online"))
else:
    log("  SKIP node without memory: every possible node has memory here (possible %s, "
        "has_memory %s)" % (nodes("possible"), nodes("has_memory")))
bad("tier --fast 0 --slow 0", ["tier", "--fast", 0, "--slow", 0, "--duration", "5s"],
    "fast", "slow")

# Kernel threads: pid 2 is kthreadd.
check(rd("/proc/2/comm") == "kthreadd", "pid 2 is kthreadd")
bad("collapse --pid 2", ["collapse", "--pid", 2, "--duration", "5s"], "pid 2", "kernel thread")
bad("reclaim --pid 2", ["reclaim", "--pid", 2, "--duration", "5s"], "pid 2", "kernel thread")

with Workload("w:4M", "c:4M", duration=240) as w:
    bad("reclaim --quota 0", ["reclaim", "--pid", w.pid, "--quota", "0", "--duration", "5s"],
        "--quota")
    # A DAMOS quota of 0 bytes means "no limit" to the kernel: the loader must not pass it on.
    bad("reclaim --quota 0B/s", ["reclaim", "--pid", w.pid, "--quota", "0B/s", "--duration",
                                 "5s"], "--quota")

    # run: configuration files.
    malformed = config('{\n  "kdamonds": [\n    {"contexts": [{"ops": "vaddr",, "targets": []}]}\n'
                       '  ]\n}\n')
    bad("run: malformed JSON (line 3)", ["run", malformed], "line 3")
    # The other cases start from what 'damon-bpf args' makes of a good command line.
    good = {"kdamonds": [{"contexts": [{
        "ops": "vaddr", "targets": [{"pid": w.pid}],
        "intervals": {"sample_us": 5000, "aggr_us": 100000, "ops_update_us": 1000000},
        "nr_regions": {"min": 10, "max": 1000},
        "schemes": [{"action": "stat"}]}]}]}
    if has("args"):
        good = json.loads(run([LOADER, "args", "reclaim", "--pid", str(w.pid), "--min-age",
                               "2s"]).stdout)
    if has("run"):
        # The control: the file as it is runs, ends with exit 0 and leaves nothing behind.
        p = run([LOADER, "run", config(json.dumps(good, indent=2)), "--duration", "3s"],
                check_rc=False, timeout=120)
        check(p.returncode == 0, "run: the good spec runs for 3s, exit %d %s" %
              (p.returncode, p.stderr.strip()))
        check(nr_kdamonds() == 0 and not session_files(), "run: nothing left after it")
    unknown = json.loads(json.dumps(good))
    unknown["kdamonds"][0]["contexts"][0]["intervals"]["sampel_us"] = 5000
    bad("run: unknown key", ["run", config(json.dumps(unknown, indent=2))],
        "intervals.sampel_us")
    action = json.loads(json.dumps(good))
    action["kdamonds"][0]["contexts"][0]["schemes"][0]["action"] = "nonexistent_action"
    bad("run: unsupported action", ["run", config(json.dumps(action, indent=2))],
        "nonexistent_action")

log("  %d case(s) ran" % ran)
done()

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Two loaders started at the same instant (both spin until one file appears): exactly one gets
DAMON and runs, the other exits 1 and says which session has it; nothing is left after.
Pairs of the same and of different commands, several rounds each."""
# dbtest-timeout: 300
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

GO = "/tmp/loader_race.go"


def race(a, b):
    """Starts damon-bpf a and b at once; returns [(exit status, stdout, stderr)] of both."""
    if os.path.exists(GO):
        os.unlink(GO)
    # A FIFO would release only the readers that had opened it: under TCG the second shell
    # may open it late and then wait forever.  Both spin on the file instead.
    procs = [subprocess.Popen(["sh", "-c", 'until [ -e "$0" ]; do :; done; exec "$@"', GO,
                               LOADER] + [str(x) for x in args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for args in (a, b)]
    time.sleep(1)		# both shells spin
    with open(GO, "w"):
        pass
    out = []
    for p in procs:
        try:
            o, e = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            o, e = p.communicate()
        out.append((p.returncode, o, e))
    os.unlink(GO)
    return out


clean_start()
with Workload("w:4M@0", duration=600) as w:
    mon = ["monitor", "--pid", w.pid, "--json", "--duration", "2s", "--interval", "500ms"]
    rec = ["reclaim", "--pid", w.pid, "--json", "--duration", "2s", "--interval", "500ms"]
    pairs = [("monitor+monitor", mon, mon), ("monitor+reclaim", mon, rec),
             ("reclaim+reclaim (two names)", rec + ["--name", "ra"], rec + ["--name", "rb"]),
             ("start+start", ["start", "sa", "--pid", w.pid], ["start", "sb", "--pid", w.pid])]
    for name, a, b in pairs:
        for rnd in range(3):
            res = race(a, b)
            won = [r for r in res if r[0] == 0]
            lost = [r for r in res if r[0] != 0]
            pinned = a[0] == "start"
            ran = won and (pinned or json_lines(won[0][1]))
            why = lost and lost[0][0] == 1 and "DAMON is in use by" in lost[0][2]
            for rc, o, e in res:
                log("    exit %d: %s" % (rc, e.strip().replace("\n", " | ")[:300]))
            check(len(won) == 1 and ran and why,
                  "%s, round %d: exactly one got DAMON and ran, the other said why" %
                  (name, rnd + 1))
            if pinned:
                run([LOADER, "stop", "--all"], check_rc=False)
            check(wait_for(lambda: not leftovers(), 5) and not leftovers(),
                  "%s, round %d: nothing left (%s)" % (name, rnd + 1, leftovers()))
done()

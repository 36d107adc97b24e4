#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Two loaders started at the same instant (both spin until one file appears): exactly one gets
DAMON and runs, the other exits 1 and says which session has it; nothing is left after.
Pairs of the same and of different commands, several rounds each.  The sessions run until the
refused one has ended (not for a fixed time): on the debug kernel one loader can start
seconds after the other, after a session of 2 s had ended, and both then rightly ran."""
# dbtest-timeout: 300
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

GO = "/tmp/loader_race.go"


def race(a, b, ends):
    """Starts damon-bpf a and b at once; returns [(exit status, stdout, stderr)] of both.
    ends: the commands end by themselves once set up (start).  Otherwise they run until
    stopped: the first to end is the one refused, and the other, still running then, gets
    SIGTERM once it has reported.  A loader that starts late (the debug kernel takes seconds
    over BPF) still meets the winner's session: there is no duration for it to outlast, and
    two that both got DAMON both run until the time-out, both exit 0, and fail the check."""
    if os.path.exists(GO):
        os.unlink(GO)
    outs = [(tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")) for _ in (a, b)]
    # A FIFO would release only the readers that had opened it: under TCG the second shell
    # may open it late and then wait forever.  Both spin on the file instead.
    procs = [subprocess.Popen(["sh", "-c", 'until [ -e "$0" ]; do :; done; exec "$@"', GO,
                               LOADER] + [str(x) for x in args], stdout=o, stderr=e,
                              text=True) for args, (o, e) in zip((a, b), outs)]
    time.sleep(1)		# both shells spin
    with open(GO, "w"):
        pass
    limit = 240 if SLOW else 60

    def text(f):
        f.seek(0)
        return f.read()

    if not ends:
        wait_for(lambda: any(p.poll() is not None for p in procs), limit)
        for p, (o, _) in zip(procs, outs):
            if p.poll() is None:
                wait_for(lambda: json_lines(text(o)) or p.poll() is not None, limit)
                p.terminate()
    out = []
    for p, (o, e) in zip(procs, outs):
        try:
            p.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        out.append((p.returncode, text(o), text(e)))
        o.close()
        e.close()
    os.unlink(GO)
    return out


clean_start()
with Workload("w:4M@0", duration=600) as w:
    mon = ["monitor", "--pid", w.pid, "--json", "--interval", "500ms"]
    rec = ["reclaim", "--pid", w.pid, "--json", "--interval", "500ms"]
    pairs = [("monitor+monitor", mon, mon), ("monitor+reclaim", mon, rec),
             ("reclaim+reclaim (two names)", rec + ["--name", "ra"], rec + ["--name", "rb"]),
             ("start+start", ["start", "sa", "--pid", w.pid], ["start", "sb", "--pid", w.pid])]
    for name, a, b in pairs:
        for rnd in range(3):
            pinned = a[0] == "start"
            res = race(a, b, pinned)
            won = [r for r in res if r[0] == 0]
            lost = [r for r in res if r[0] != 0]
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

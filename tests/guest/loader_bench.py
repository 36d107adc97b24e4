#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""bench ends cleanly: a whole run prints its JSON and no 'Operation not permitted' (it used
to write 'off' to a kdamond that was exiting because bench had killed its only target first);
SIGINT and SIGTERM during the kfunc phase end it with everything removed (it had no signal
handling: nr_kdamonds stayed 1); after a SIGKILL its churn child dies with it and
'stop --all' removes the kdamond."""
# dbtest-timeout: 300
import os
import signal
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

clean_start()
if not os.path.exists(DAMON + "/kdamonds/nr_kdamonds"):
    skip("no DAMON sysfs")
p = run([LOADER, "bench", "--duration", "300ms", "--rounds", "2", "--json"], check_rc=False,
        timeout=240)
objs = json_lines(p.stdout)
log("  stderr: " + p.stderr.strip().replace("\n", "\n  stderr: "))
ph = objs[0].get("phases", {}) if objs else {}
check(p.returncode == 0 and "kfunc" in ph and "kfunc+map" in ph,
      "a whole bench run: exit %d, JSON with kfunc and kfunc+map phases (%s)" %
      (p.returncode, sorted(ph)))
check("not permitted" not in p.stderr and "writing" not in p.stderr,
      "no error writing DAMON sysfs at its end")
check(not leftovers(), "nothing left after it (%s)" % leftovers())


def pid_alive(pid):
    try:
        st = rd("/proc/%d/stat" % pid)
    except OSError:
        return False
    return st[st.rindex(")") + 2] not in "ZX"


def churn_children(parent):
    """Processes whose parent is parent (bench's churn child)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                st = rd("/proc/%s/stat" % d)
                if int(st[st.rindex(")") + 2:].split()[1]) == parent:
                    out.append(int(d))
            except (OSError, ValueError):
                pass
    return out


for sig, name in ((signal.SIGINT, "SIGINT"), (signal.SIGTERM, "SIGTERM"),
                  (signal.SIGKILL, "SIGKILL")):
    with Loader("bench", "--duration", "5s", "--rounds", "1") as ld:
        on = wait_for(lambda: kdamond_on() or not ld.running(), 120, step=0.05) and kdamond_on()
        child = churn_children(ld.proc.pid)
        ld.proc.send_signal(sig)
        try:
            rc = ld.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            ld.proc.kill()
            rc = "hung"
        check(on, "%s: sent in the kfunc phase (kdamond on)" % name)
        gone = wait_for(lambda: not any(pid_alive(c) for c in child), 10)
        check(child and gone, "%s: its churn child %s is gone" % (name, child))
        if sig == signal.SIGKILL:
            nothing_left_or_stop_all("bench after SIGKILL")
        else:
            check(rc == 1 and "interrupted" in ld.stderr() and "not permitted" not in ld.stderr(),
                  "%s: bench ends (exit %s) saying it was interrupted" % (name, rc))
            check(wait_for(lambda: not leftovers(), 5) and not leftovers(),
                  "%s: nothing left (%s)" % (name, leftovers()))
done()

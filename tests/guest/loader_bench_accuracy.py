#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""bench --workload accuracy on the patched kernel: one short round of every mode (fault,
cpus=0, cpus=1, write-only, pte) on the scattered workload (mode s) computes sane figures:
the ground truth is the workload's own (the same chunks as the workload prints for the same
seed), each mode's hot bytes are what it should see (all chunks, one CPU's, the written
ones), every snapshot's precision and recall are hit/accessed and hit/hot in 0..1, and the
medians are the round's.  A WORKLOAD after -- (plain regions) is scored the same way, two
rounds of it on two workloads with the same truth; the workload runs without address-space
randomisation; SIGTERM in a session ends the bench with everything removed, the workload
too.  Nothing is asserted on how good the figures are (that is the bench's job, not the
test's)."""
# dbtest-timeout: 700
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

MODES = ["fault", "cpus=0", "cpus=1", "write-only", "pte"]
OPTS = {"fault": "", "cpus=0": " --cpus 0", "cpus=1": " --cpus 1",
        "write-only": " --write-only", "pte": " --source pte"}
M = 1 << 20
LAYOUT = "s:64M@0,scatter=4/1M,seed=3,reader=1"


def workloads_running():
    """Processes running the test workload (the bench's child and its tickers)."""
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if os.readlink("/proc/%s/exe" % p) == os.path.realpath(WORKLOAD):
                    out.append(int(p))
            except OSError:
                pass
    return out


def close(a, b):
    return a is not None and b is not None and abs(a - b) < 1e-3


def check_figures(name, a, hot, scope):
    """One snapshot's (or round's) figures: in range and consistent with their bytes."""
    p, r = a.get("precision"), a.get("recall")
    acc, hit, h = a.get("accessed_bytes", -1), a.get("hit_bytes", -1), a.get("hot_bytes")
    ok = h == hot and 0 <= hit <= min(acc, h) and acc <= scope and r is not None and \
        0 <= r <= 1 and close(r, hit / h) and a.get("nr_regions", 0) >= 1 and \
        a.get("nr_all_regions", 0) >= a["nr_regions"] and a.get("monitored_bytes", 0) >= acc
    ok = ok and (close(p, hit / acc) and 0 <= p <= 1 if acc else p is None)
    return ok


def run_bench(args, timeout):
    """timeout: a hang guard, three times as long on a slow kernel (the debug kernel beside
    another guest took over 300 s for 10 sessions of 2 s)."""
    p = run([LOADER, "bench", "--workload", "accuracy", "--json"] + args, check_rc=False,
            timeout=timeout * 3 if SLOW else timeout)
    log("  stderr: " + p.stderr.strip().replace("\n", "\n  stderr: "))
    objs = json_lines(p.stdout)
    check(p.returncode == 0 and len(objs) == 1,
          "%s: exit 0 and one JSON object (exit %d)" % (" ".join(args), p.returncode))
    return objs[0] if objs else {}


def check_modes(o, hot_of, scope, duration, nr_rounds=1):
    modes = o.get("modes", {})
    check(list(modes) == MODES, "every mode, in order: %s" % list(modes))
    pids = o.get("pids") or []
    check(len(pids) == nr_rounds and (o.get("truth") or {}).get("pid") == pids[0] and
          len(set(pids)) == nr_rounds and o.get("aslr") is False,
          "a workload a round, the truth the first one's, no --aslr (pids %s)" % pids)
    for name in MODES:
        m = modes.get(name, {})
        rounds = m.get("rounds") or []
        check("skipped" not in m and len(rounds) == nr_rounds,
              "%s ran %d round(s) (%s)" % (name, nr_rounds, m.get("skipped")))
        check(m.get("monitor") == "--pid PID%s" % OPTS[name] and
              [r.get("pid") for r in rounds] == pids,
              "%s: its monitor options (%s), each round on its workload" %
              (name, m.get("monitor")))
        for i, rd in enumerate(rounds):
            check_round(name, i, rd, m, hot_of, scope, duration, nr_rounds)
        ps = sorted(r.get("precision") for r in rounds if r.get("precision") is not None)
        rs = sorted(r.get("recall") for r in rounds)
        check(nr_rounds == 1 or (rs and m.get("recall_min") == rs[0] and
                                 m.get("recall_max") == rs[-1] and
                                 rs[0] <= m.get("recall", -1) <= rs[-1] and
                                 (not ps or ps[0] <= m.get("precision", -1) <= ps[-1])),
              "%s: the medians lie in the rounds' spread" % name)


def check_round(name, i, rd, m, hot_of, scope, duration, nr_rounds):
    snaps = rd.get("snapshots") or []
    times = [s.get("time", 0) for s in snaps]
    # One a second, a late one not caught up: never two within a second.  How many fit in
    # the session is the kernel's: the debug kernel's first snapshot came after 1 s, the next
    # one past a 3 s session's end.
    gaps = [b - a for a, b in zip([0] + times, times)]
    check(snaps and min(gaps) > 0.9 and 0 < times[-1] <= duration + 1 and
          (SLOW or len(snaps) >= duration - 1),
          "%s, round %d: a snapshot a second (%d, at %s)" % (name, i, len(snaps), times))
    bad = [s for s in snaps if not check_figures(name, s, hot_of[name], scope)]
    check(snaps and not bad,
          "%s, round %d: every snapshot's figures in 0..1 and hit/accessed, hit/hot (hot "
          "%d MiB)%s" % (name, i, hot_of[name] // M, " (bad: %s)" % bad[:2] if bad else ""))
    late = [x for x in snaps if x.get("time", 0) > duration / 2]
    lp = [x["precision"] for x in late if x.get("precision") is not None]
    lr = [x["recall"] for x in late if x.get("recall") is not None]
    # no snapshot in the second half (a slow kernel's): no late figures
    check((not late and rd.get("late_recall") is None and rd.get("late_precision") is None) or
          (late and close(rd.get("late_recall"), sum(lr) / len(lr)) and
           ((not lp and rd.get("late_precision") is None) or
            close(rd.get("late_precision"), sum(lp) / max(len(lp), 1)))),
          "%s, round %d: the late figures are the means of the second half's snapshots "
          "(%s/%s)" % (name, i, rd.get("late_precision"), rd.get("late_recall")))
    # The kdamond's figures: its CPU time read from /proc at the last snapshot, over the
    # session's time then (at or after the snapshot's: a slow kernel answers late), the share
    # and the aggregation intervals derived from it (that time less the CPU time, over 100 ms).
    # One thread: its CPU time is at most the time it had, give or take a clock tick.
    cpu_s, share, aggrs = rd.get("kdamond_cpu_s"), rd.get("kdamond_cpu"), rd.get("aggregations")
    t = rd.get("kdamond_time_s") or 0
    check(cpu_s is not None and times and t >= times[-1] and 0 <= cpu_s <= t + 0.02 and
          close(share, cpu_s / t) and abs(aggrs - max(t - cpu_s, 0) / 0.1) < 0.1,
          "%s, round %d: the kdamond's CPU %s s in %s s (share %s), %s aggregation "
          "intervals" % (name, i, cpu_s, t, share, aggrs))
    last = {k: v for k, v in snaps[-1].items() if k != "time"} if snaps else None
    check(last and all(rd.get(k) == v for k, v in last.items()),
          "%s, round %d: the round's figures are its last snapshot's" % (name, i))
    check(nr_rounds > 1 or (
          m.get("precision") == rd.get("precision") == m.get("precision_min") ==
          m.get("precision_max") and m.get("recall") == rd.get("recall") ==
          m.get("recall_min") == m.get("recall_max") and m.get("hot_bytes") == hot_of[name] and
          m.get("late_recall") == rd.get("late_recall") and
          m.get("late_precision") == rd.get("late_precision")),
          "%s: one round: the medians and spreads are its figures (precision %s, recall %s)"
          % (name, m.get("precision"), m.get("recall")))


clean_start()
if not os.path.exists(DAMON + "/kdamonds/nr_kdamonds"):
    skip("no DAMON sysfs")

# The default workload, small: 4 chunks of 1 MiB in 64 MiB, seed 3.
o = run_bench(["--duration", "3s", "--rounds", "1", "--size", "64M", "--chunks", "4/1M",
               "--seed", "3"], 300)
truth = o.get("truth") or {}
log("  truth: %s" % truth)
mine = json.loads(run([WORKLOAD, "--passes", "1", "--region", LAYOUT]).stdout.splitlines()[0])
reg = mine["regions"][0]
want = [{"start": c["start"], "end": c["end"], "cpu": c["cpu"], "write": c["write"]}
        for c in reg["chunks"]]
check(truth.get("hot") == want, "the bench's hot ranges are the chunks the workload prints "
      "for the same layout (%d chunks)" % len(want))
check(truth.get("scope") == [{"start": reg["start"], "end": reg["end"]}],
      "its scope is the workload's region")
check(LAYOUT in (o.get("command") or "") and "--ticker" in o.get("command", ""),
      "the command runs the workload's mode s with tickers (%s)" % o.get("command"))
check(truth.get("pid") and truth["pid"] != os.getpid(), "the truth names the workload's pid")
written = sum(c["end"] - c["start"] for c in want if c["write"])
read_ = sum(c["end"] - c["start"] for c in want if not c["write"])
check(written == read_ == 2 * M, "2 MiB written on CPU 0, 2 MiB read on CPU 1")
check_modes(o, {"fault": 4 * M, "cpus=0": written, "cpus=1": read_, "write-only": written,
                "pte": 4 * M}, reg["end"] - reg["start"], 3)
check(not leftovers(), "nothing left after it (%s)" % leftovers())
check(not workloads_running(), "no workload left (%s)" % workloads_running())

# A workload of one's own after --: plain regions, w on CPU 0, p on CPU 1, cold between.
o = run_bench(["--duration", "2s", "--rounds", "2", "--", WORKLOAD, "--ticker", "2",
               "--region", "w:2M@0", "--region", "c:16M", "--region", "p:2M@1",
               "--duration", "600"], 300)
truth = o.get("truth") or {}
hot = truth.get("hot") or []
check([(h.get("cpu"), h.get("write")) for h in hot] == [(0, True), (1, False)] and
      len(truth.get("scope") or []) == 3,
      "-- WORKLOAD: hot are its w and p regions, its scope all three (%s)" % truth)
scope = sum(s["end"] - s["start"] for s in truth.get("scope") or [])
check_modes(o, {"fault": 4 * M, "cpus=0": 2 * M, "cpus=1": 2 * M, "write-only": 2 * M,
                "pte": 4 * M}, scope, 2, nr_rounds=2)
check(not leftovers() and not workloads_running(), "nothing left after it (%s %s)" %
      (leftovers(), workloads_running()))

with Loader("bench", "--workload", "accuracy", "--duration", "20s", "--rounds", "1",
            "--size", "32M", "--chunks", "2/1M") as ld:
    on = wait_for(lambda: kdamond_on() or not ld.running(), 120, step=0.05) and kdamond_on()
    pers = {}
    for pid in workloads_running():
        try:
            pers[pid] = int(open("/proc/%d/personality" % pid).read(), 16)
        except OSError:
            pass
    check(pers and all(v & 0x0040000 for v in pers.values()),
          "the workload runs with ADDR_NO_RANDOMIZE (personalities %s)" %
          {k: hex(v) for k, v in pers.items()})
    rc = ld.stop()  # SIGTERM
    check(on, "SIGTERM sent in a mode's session (kdamond on)")
    check(rc == 1 and "interrupted" in ld.stderr(),
          "SIGTERM: bench ends (exit %s) saying it was interrupted" % rc)
    check(wait_for(lambda: not leftovers() and not workloads_running(), 10) and
          not leftovers() and not workloads_running(),
          "SIGTERM: nothing left, the workload stopped (%s %s)" %
          (leftovers(), workloads_running()))
done()

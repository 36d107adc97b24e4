#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""reclaim --prom FILE on real DAMON: while two processes' cold sets are paged out, each
metrics file passes 'promtool check metrics', and its per-scheme applied bytes and regions
(labels scheme, action, pid) lie between the scheme's DAMON sysfs stats read before it was
written and after it was read; its per-pid swap between /proc/PID/status VmSwap read the
same way.  The scheme and pid labels are the kernel's (the scheme's target filter names the
pid's target).  SIGTERM ends the session and removes the file.  A 'tier' session's files
(shared schemes: effective quotas, quota goals, nodes) pass promtool too and hold the values
of the --json line of the same interval."""
# dbtest-timeout: 600
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

COLD_KB = 16 * 1024
WANT = 0.1 if SLOW else 0.9
STATS = ("sz_applied", "nr_applied", "sz_tried", "nr_tried")
METRIC = {"sz_applied": "damon_bpf_scheme_applied_bytes_total",
          "nr_applied": "damon_bpf_scheme_applied_regions_total",
          "sz_tried": "damon_bpf_scheme_tried_bytes_total",
          "nr_tried": "damon_bpf_scheme_tried_regions_total"}


def refresh(kd):
    """update_schemes_stats on the session's kdamond; the loader's own writes make it busy
    now and then (EBUSY): again."""
    for _ in range(50):
        try:
            wr(kd + "/state", "update_schemes_stats")
            return True
        except OSError:
            time.sleep(0.05)
    return check(False, "update_schemes_stats on %s: busy 50 times" % kd)


def sysfs_stats(kd, schemes, pids):
    """Each scheme's DAMOS stats, then each pid's VmSwap in bytes, refreshed now."""
    refresh(kd)
    st = {s: {k: int(rd("%s/contexts/0/schemes/%d/stats/%s" % (kd, s, k))) for k in STATS}
          for s in schemes}
    swap = {p: proc_kb(p, "VmSwap") * 1024 for p in pids}
    return st, swap


def proc_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def tier_part(prom):
    """tier: its files against its --json lines (schemes in the same order)."""
    # A snapshot is matched with the file written at its time only if the next one has not
    # replaced it yet.  On the debug kernel a promtool run takes longer than an interval, so
    # the test reads lines late; a line whose file was replaced is skipped at once (it waited
    # 5 s for each and never caught up: 1 match in 30 s, then fewer than 3 in 600 s).  There
    # the session runs until 3 matched (SIGTERM then), 300 s at most, and the test waits up to
    # 5 s for a file.  The test kernel's session ends by its --duration.
    p = subprocess.Popen([LOADER, "tier", "--fast", "0", "--slow", "1", "--interval", "1s",
                          "--duration", "300s" if SLOW else "6s", "--json", "--prom", prom],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pairs, lines, bad = 0, 0, []
    for line in p.stdout:
        snap = json.loads(line)
        lines += 1
        text = prom_matching(prom, snap["time"], timeout=5 if SLOW else 0.9)
        if text is None:
            continue
        pairs += 1
        rc, out = promtool(text)
        if rc or out:
            bad.append(("promtool", rc, out[:200]))
        samples = prom_parse(text)[0]
        idx = sorted({int(ls["scheme"]) for n, ls, v in samples if "scheme" in ls})
        for i, s in zip(idx, snap["schemes"]):
            for n, ls, v in samples:
                if ls.get("scheme") != str(i):
                    continue
                if n == "damon_bpf_scheme_quota_effective_bytes":
                    want = s["effective_sz"]
                elif n.startswith("damon_bpf_scheme_goal_"):
                    g = s["goals"][int(ls["goal"])]
                    want = g["target_value" if n.endswith("target") else "current_value"]
                    if ls["metric"] != g["metric"] or ls["nid"] != str(g["nid"]):
                        bad.append((n, ls, g))
                elif n == "damon_bpf_scheme_applied_bytes_total":
                    want = s["sz_applied"]
                else:
                    continue
                if v != want:
                    bad.append((n, ls, v, want))
        nodes = {ls["nid"]: v for n, ls, v in samples if n == "damon_bpf_node_free_bytes"}
        total = {ls["nid"]: v for n, ls, v in samples if n == "damon_bpf_node_total_bytes"}
        for nd in snap["nodes"]:
            k = str(nd["nid"])
            if k not in nodes or int(nodes[k]) // 1024 * 10000 // (int(total[k]) // 1024) != \
                    nd["free_bp"]:
                bad.append(("node", k, nodes.get(k), nd))
        goals = [n for n, ls, v in samples if n == "damon_bpf_scheme_goal_current"]
        if not goals or not snap["nodes"]:
            bad.append(("no goal or node series", goals, snap["nodes"]))
        if SLOW and pairs >= 3:
            p.send_signal(signal.SIGTERM)
            break
    p.communicate(timeout=60)
    check(p.returncode == 0 and pairs >= 3 and not bad,
          "tier: %d files of %d --json lines against them (effective quotas, goals, applied "
          "bytes, nodes), promtool clean: %s; exit %d" % (pairs, lines, bad[:3], p.returncode))
    check(not os.path.exists(prom), "tier: the file is gone after %s" %
          ("SIGTERM" if SLOW else "--duration"))


def next_writes(path, after, n=2, timeout=30):
    """The file's text once it was rewritten n times since its time was after: the stats of
    the n-th write were read after this call started (a write's stats come before it)."""
    last = after
    end = time.time() + timeout
    while time.time() < end:
        t, text = prom_file(path)
        if t is not None and t != last:
            last = t
            n -= 1
            if n == 0:
                return t, text
        time.sleep(0.02)
    return None, ""


tmp = tempfile.mkdtemp(prefix="prom.")
prom = os.path.join(tmp, "reclaim.prom")
need(os.path.exists("/usr/bin/promtool"), "promtool (make deps installs prometheus)")
with Workload("p:4M@0", "c:16M", duration=240) as a, \
     Workload("p:4M@1", "c:16M", duration=240) as b:
    pids = [a.pid, b.pid]
    r = subprocess.Popen([LOADER, "reclaim", "--name", "rp", "--pid", str(a.pid), "--pid",
                          str(b.pid), "--min-age", "2s", "--quota", "1GiB/s", "--interval",
                          "1s", "--json", "--prom", prom],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    json.loads(r.stdout.readline())
    rec = json.loads(rd("/run/damon-bpf/rp.session"))
    kd = DAMON + "/kdamonds/%d" % rec["kdamond"]
    t0, text = next_writes(prom, None, 1)
    need(t0 is not None, "the metrics file appears")
    samples, types = prom_parse(text)[:2]
    rc, out = promtool(text)
    check(rc == 0 and not out, "promtool check metrics: exit %d %r" % (rc, out[:300]))
    # Which scheme is whose: the labels against the kernel's target filters.
    owner = {}
    for n, ls, v in samples:
        if n == METRIC["sz_applied"]:
            owner[int(ls["scheme"])] = int(ls["pid"])
            check(ls.get("action") == "pageout" and ls.get("session") == "rp",
                  "scheme %s: action %s, session %s" % (ls["scheme"], ls.get("action"),
                                                        ls.get("session")))
    kern = {}
    for s in owner:
        f = "%s/contexts/0/schemes/%d/filters/0" % (kd, s)
        idx = int(rd(f + "/damon_target_idx"))
        kern[s] = int(rd("%s/contexts/0/targets/%d/pid_target" % (kd, idx)))
    check(sorted(owner.values()) == sorted(pids) and owner == kern,
          "scheme and pid labels as the kernel's target filters: %s (sysfs %s)" % (owner, kern))
    check(all(types.get(m) == "counter" for m in METRIC.values()) and
          types.get("damon_bpf_target_swap_bytes") == "gauge", "counters and gauges typed")

    rounds, bad, last = 0, [], None
    end = time.time() + (300 if SLOW else 90)
    t = t0
    while time.time() < end:
        before, swap0 = sysfs_stats(kd, owner, pids)
        t, text = next_writes(prom, t)
        if t is None:
            check(False, "the file is rewritten every interval")
            break
        after, swap1 = sysfs_stats(kd, owner, pids)
        samples = prom_parse(text)[0]
        got = {(n, ls.get("scheme"), ls.get("pid")): v for n, ls, v in samples}
        for s, pid in owner.items():
            for k in STATS:
                v = got.get((METRIC[k], str(s), str(pid)))
                if v is None or not before[s][k] <= v <= after[s][k]:
                    bad.append((round(t, 1), s, k, before[s][k], v, after[s][k]))
        for pid in pids:
            v = got.get(("damon_bpf_target_swap_bytes", None, str(pid)))
            if v is None or not swap0[pid] <= v <= swap1[pid]:
                bad.append((round(t, 1), pid, "swap", swap0[pid], v, swap1[pid]))
        rounds += 1
        last = (got, before, after, swap1)
        if rounds >= 5 and all(swap1[p] >= WANT * COLD_KB * 1024 for p in pids):
            break
    got, before, after, swap1 = last
    log("  %d rounds; last: %s" % (rounds, {s: (before[s]["sz_applied"],
                                                got.get((METRIC["sz_applied"], str(s),
                                                         str(p))),
                                                after[s]["sz_applied"])
                                            for s, p in owner.items()}))
    check(rounds >= 5, "%d rounds of sysfs / file / sysfs" % rounds)
    log("  the last file's schemes and targets:\n    " + "\n    ".join(
        l for l in text.splitlines() if "_applied_" in l or "swap" in l))
    check(not bad, "every round: sysfs before <= file <= sysfs after, per scheme "
          "(sz/nr applied and tried) and per pid (VmSwap): %d out of order %s" %
          (len(bad), bad[:4]))
    for s, pid in owner.items():
        v = got.get((METRIC["sz_applied"], str(s), str(pid))) or 0
        check(v >= WANT * COLD_KB * 1024 * 0.9,
              "pid %d: applied bytes in the file %d (cold set %d kB)" % (pid, v, COLD_KB))
        v = got.get(("damon_bpf_target_swap_bytes", None, str(pid))) or 0
        check(v >= WANT * COLD_KB * 1024 * 0.9, "pid %d: swap in the file %d" % (pid, v))
    r.send_signal(signal.SIGTERM)
    r.communicate(timeout=60)
    check(r.returncode == 0 and os.listdir(tmp) == [] and
          rd(DAMON + "/kdamonds/nr_kdamonds") == "0",
          "SIGTERM: exit %d, file gone (%s), kdamond removed" % (r.returncode, os.listdir(tmp)))
tier_part(prom)
os.rmdir(tmp)
done()

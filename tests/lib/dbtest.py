# SPDX-License-Identifier: GPL-2.0
"""Helpers shared by damon-bpf's host and guest tests: workloads, DAMON sysfs, checks."""
import bisect
import errno
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

TOP = os.environ.get("DB_TOP") or os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
BUILD = os.environ.get("DB_BUILD") or os.path.join(TOP, "build")
LOADER = os.path.join(BUILD, "damon-bpf")
WORKLOAD = os.path.join(BUILD, "workloads", "workload")
DAMON = "/sys/kernel/mm/damon/admin"

failures = 0

# make check-debug boots a kernel with KASAN and lockdep, many times slower under TCG: sessions
# run longer and "hot" means any access (what must stay cold still must read 0).
SLOW = os.environ.get("DB_SLOW") == "1"
HOT = 1 if SLOW else 5
# Seen accessed: at least one sample of 20 on average.  Tests of attribution (which CPU,
# reads or writes), whose other region must read 0, check their own region against this:
# how often a fault-churn region is accessed depends on the CPU the TCG guest gets (2.0 of
# 20 seen on a loaded host, 5-11 on an idle one), which those tests do not measure.
SEEN = 1


def log(msg):
    print(msg, flush=True)


def check(cond, what):
    """Record one assertion; the test fails at the end if any failed."""
    global failures
    log(("  ok   " if cond else "  FAIL ") + what)
    if not cond:
        failures += 1
    return cond


def done():
    _remove_own_kdamonds()
    log("%s: %d check(s) failed" % (os.path.basename(sys.argv[0]), failures) if failures
        else "%s: all checks passed" % os.path.basename(sys.argv[0]))
    sys.exit(1 if failures else 0)


def skip(why):
    """Exit 77.  The guest runner counts a skip as a failure unless the test is listed in
    tests/allowed-skips (with the reason, e.g. hardware this machine lacks)."""
    log("SKIP: " + why)
    sys.exit(77)


def need(cond, what):
    """A precondition of the rest of the test: the guest always boots our kernel, so a missing
    feature (a sysfs file, a DAMOS action, the guest's two nodes) is a failure, not a skip."""
    if not check(cond, "needed: " + what):
        done()


def run(cmd, check_rc=True, **kw):
    """Runs cmd (a list), returns CompletedProcess with text output."""
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check_rc and p.returncode != 0:
        raise RuntimeError("%s: exit %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


class Workload:
    """tests/workloads/workload in the background; .truth is its ground-truth JSON."""

    def __init__(self, *regions, duration=None, passes=None, thp=False, prefix=(), ticker=None):
        self.cmd = list(prefix) + [WORKLOAD]
        # Under TCG, page-table sampling needs address-space switches (see workload.c).
        if ticker is None:
            ticker = os.cpu_count() if duration is not None else 0
        if ticker:
            self.cmd += ["--ticker", str(ticker)]
        for r in regions:
            self.cmd += ["--region", r]
        # duration bounds a workload that is stopped at the end of its 'with' block: the
        # debug kernel runs a test several times as long (monitor_pin.py's workload of 60 s
        # exited under its last session there).  A workload meant to end uses passes.
        if duration is not None:
            self.cmd += ["--duration", str(duration * 5 if SLOW else duration)]
        if passes is not None:
            self.cmd += ["--passes", str(passes)]
        if thp:
            self.cmd.append("--thp")

    def __enter__(self):
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("workload printed no ground truth: %s" % " ".join(self.cmd))
        self.truth = json.loads(line)
        self.pid = self.truth["pid"]
        self.regions = self.truth["regions"]
        return self

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait()

    def __exit__(self, *exc):
        self.stop()


# DAMON sysfs takes damon_sysfs_lock with mutex_trylock() in its stores and in the shows of
# 'state' and 'pid' and answers EBUSY while a kdamond holds it: no answer, so try again, as the
# loader does (a test's write failed so on the debug kernel).  Other errors are answers.
BUSY_RETRY_S = 10 if SLOW else 2


def _busy_retry(op, path):
    end = time.time() + BUSY_RETRY_S
    while True:
        try:
            return op()
        except OSError as e:
            if e.errno != errno.EBUSY or not path.startswith(DAMON) or time.time() >= end:
                raise
        time.sleep(0.01)


def wr(path, value):
    def op():
        with open(path, "w") as f:
            f.write(str(value))
    _busy_retry(op, path)


def rd(path):
    def op():
        with open(path) as f:
            return f.read().strip()
    return _busy_retry(op, path)


_own_kdamonds = []


def _remove_own_kdamonds():
    """done() removes the kdamonds the test set up itself (Kdamond): the guest runner fails a
    test that leaves a kdamond behind, and what a test made is its own to remove."""
    if not _own_kdamonds:
        return
    for k in _own_kdamonds:
        try:
            if os.path.isdir(k.k):
                k.off()
        except OSError as e:
            log("  cleanup: %s off: %s" % (k.k, e))
    try:
        if nr_kdamonds():
            wr(DAMON + "/kdamonds/nr_kdamonds", 0)
    except OSError as e:
        check(False, "cleanup: nr_kdamonds 0: %s" % e)
    del _own_kdamonds[:]


class Kdamond:
    """One kdamond with one context, set up through DAMON sysfs as damo would; done() removes
    it again."""

    def __init__(self, ops="vaddr", pids=(), sample_us=5000, aggr_us=100000, update_us=1000000,
                 min_nr_regions=10, max_nr_regions=1000):
        wr(DAMON + "/kdamonds/nr_kdamonds", 1)
        _own_kdamonds.append(self)
        self.k = DAMON + "/kdamonds/0"
        wr(self.k + "/contexts/nr_contexts", 1)
        self.c = self.k + "/contexts/0"
        wr(self.c + "/operations", ops)
        a = self.c + "/monitoring_attrs"
        wr(a + "/intervals/sample_us", sample_us)
        wr(a + "/intervals/aggr_us", aggr_us)
        wr(a + "/intervals/update_us", update_us)
        wr(a + "/nr_regions/min", min_nr_regions)
        wr(a + "/nr_regions/max", max_nr_regions)
        wr(self.c + "/targets/nr_targets", len(pids))
        for i, pid in enumerate(pids):
            wr(self.c + "/targets/%d/pid_target" % i, pid)
        # One 'stat' scheme that matches every region: tried_regions then lists them all.
        s = self.c + "/schemes"
        wr(s + "/nr_schemes", 1)
        s += "/0"
        wr(s + "/action", "stat")
        for key, lo, hi in (("sz", 0, 2**64 - 1), ("nr_accesses", 0, 2**32 - 1),
                            ("age", 0, 2**32 - 1)):
            wr(s + "/access_pattern/%s/min" % key, lo)
            wr(s + "/access_pattern/%s/max" % key, hi)
        self.scheme = s

    def state(self, cmd):
        wr(self.k + "/state", cmd)

    def on(self):
        self.state("on")

    def off(self):
        """Turns it off if it is on.  A kdamond that ended by itself between the read and the
        write (DAMON answers 'off' with EPERM then) fails the test with that said, not with a
        traceback: nothing in a test ends its own kdamond."""
        if rd(self.k + "/state") != "on":
            return
        try:
            self.state("off")
        except PermissionError:
            if rd(self.k + "/state") == "on":
                raise
            check(False, "kdamond %s: 'off' refused (EPERM): it had ended by itself" % self.k)

    def running(self):
        return rd(self.k + "/state") == "on"

    def regions(self):
        """[(start, end, nr_accesses, age)] from the stat scheme's tried_regions."""
        self.state("update_schemes_tried_regions")
        d = self.scheme + "/tried_regions"
        out = []
        for e in sorted(os.listdir(d)):
            if e.isdigit():
                out.append(tuple(int(rd("%s/%s/%s" % (d, e, f)))
                                 for f in ("start", "end", "nr_accesses", "age")))
        return sorted(out)


def accesses_in(regions, start, end):
    """Max nr_accesses over DAMON regions overlapping [start, end), weighted check helper."""
    vals = [r[2] for r in regions if r[0] < end and r[1] > start]
    return max(vals) if vals else None


def _overlap(regions, start, end):
    """(sum of overlap * nr_accesses, bytes covered) of regions over [start, end)."""
    tot = acc = 0
    for s, e, n, _ in regions:
        o = min(e, end) - max(s, start)
        if o > 0:
            tot += o
            acc += o * n
    return acc, tot


def overlap_weighted(regions, start, end):
    """Average nr_accesses over [start, end), weighted by overlap size."""
    acc, tot = _overlap(regions, start, end)
    return acc / tot if tot else None


def monitor(args, duration=None, interval="1s"):
    """Runs damon-bpf monitor --json; returns (snapshots, stderr)."""
    duration = duration or ("12s" if SLOW else "4s")
    p = run([LOADER, "monitor", "--json", "--duration", duration, "--interval", interval] +
            [str(a) for a in args], timeout=240)
    snaps = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    _log_monitor(args, "", snaps)
    return snaps, p.stderr


def _log_monitor(args, how, snaps):
    log("  monitor %s%s: regions per snapshot %s, %d of %d snapshot(s) empty" % (
        " ".join(str(a) for a in args), how, [len(s["regions"]) for s in snaps],
        empty_snapshots(snaps), len(snaps)))


def monitor_until(args, n, limit, interval="1s", enough=None):
    """Runs damon-bpf monitor --json until it printed n snapshots with regions (and, with
    enough, until enough(those snapshots) is true), or for limit seconds, and ends it with
    SIGTERM as a user would; returns (snapshots, stderr).  For checks that need a number of
    intervals: a slow kernel (KASAN, lockdep) prints fewer snapshots per second than its
    --interval asks, and a fixed --duration then decides on too few."""
    def done_():
        good = with_regions(ld.objects())
        return len(good) >= n and (enough is None or enough(good))

    with Loader("monitor", "--json", "--interval", interval, *args) as ld:
        wait_for(lambda: done_() or not ld.running(), limit, 0.2)
        ran = ld.running()
        rc, snaps = ld.finish()
        err = ld.stderr()
    snaps = [s for s in snaps if "regions" in s]
    _log_monitor(args, " (until %d with regions, %d s at most)" % (n, limit), snaps)
    check(ran and rc == 0, "monitor: running until SIGTERM, then exit %s" % rc)
    return snaps, err


def rate_apart(snap, start, end, apart, p=None):
    """(rate, share): the overlap-weighted nr_accesses (or, with p, probe p's hits) over
    [start, end) of the snapshot's regions that reach into none of the ranges in apart (dicts
    with start and end), and the share of [start, end) those regions cover.  A region has one
    rate for all it spans: one that also covers a hot range says nothing of [start, end)."""
    def clear(r):
        return all(r["end"] <= x["start"] or r["start"] >= x["end"] for x in apart)

    acc, tot = _overlap([(r["start"], r["end"],
                          r["nr_accesses"] if p is None else r["probe_hits"][p], r["age"])
                         for r in snap["regions"] if clear(r)], start, end)
    return (acc / tot if tot else 0), tot / (end - start)


def snap_rate(snap, start, end):
    """Overlap-weighted nr_accesses of a snapshot's regions over [start, end)."""
    return rate_apart(snap, start, end, ())[0]


def probe_hits(snap, start, end, p):
    """Overlap-weighted hits of the snapshot's probe p over [start, end)."""
    return rate_apart(snap, start, end, (), p)[0]


def snap_events(snap, start, end):
    """Reporter events in [start, end): {cpu: (reads, writes)} summed over the regions."""
    out = {}
    for r in snap["regions"]:
        if r["start"] < end and r["end"] > start:
            for c in r["cpus"]:
                rd_, wr_ = out.get(c["cpu"], (0, 0))
                out[c["cpu"]] = (rd_ + c["reads"], wr_ + c["writes"])
    return out


def empty_snapshots(snaps):
    """How many snapshots have no regions: missing data, not a cold answer.  6.12 answered
    update_schemes_tried_regions with no region for a kdamond slower than its intervals
    (patch 25 fixes it, docs/kernel.md); the checks still count such snapshots and refuse to
    decide on too few."""
    return sum(1 for s in snaps if not s["regions"])


PROM_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$')
PROM_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
PROM_TIME = re.compile(r'^damon_bpf_session_time_seconds\{[^}]*\} (\S+)$', re.M)


def prom_parse(text):
    """A Prometheus text exposition as the loader writes it (every sample has labels):
    ([(name, {label: value}, value)], {name: TYPE}, {name: HELP}, [lines that are none of a
    sample, HELP or TYPE])."""
    samples, types, helps, bad = [], {}, {}, []
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, h = line[7:].split(" ", 1)
            helps[name] = h
        elif line.startswith("# TYPE "):
            name, t = line[7:].split(" ")
            types[name] = t
        else:
            m = PROM_SAMPLE.match(line)
            if m:
                samples.append((m.group(1), dict(PROM_LABEL.findall(m.group(2))),
                                float(m.group(3))))
            else:
                bad.append(line)
    return samples, types, helps, bad


def promtool(text):
    """'promtool check metrics' on text: (exit status, what it printed)."""
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True)
    return p.returncode, (p.stdout + p.stderr).strip()


def prom_file(path):
    """(damon_bpf_session_time_seconds or None, text) of a --prom file ("" when absent)."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return None, ""
    m = PROM_TIME.search(text)
    return (float(m.group(1)) if m else None), text


def prom_matching(path, t, timeout=0.9):
    """The --prom file's text once its session time is t (the --json line of an interval is
    printed just before its file is renamed into place), or None: at once if a later interval's
    file has replaced it already, so that a reader behind the session (lines waiting in its
    pipe) catches up instead of waiting out each late line."""
    end = time.time() + timeout
    while time.time() < end:
        ft, text = prom_file(path)
        if ft is not None and abs(ft - t) < 2e-3:
            return text
        if ft is not None and ft > t:
            return None
        time.sleep(0.01)
    return None


def region_at(regs, addr):
    """The region of regs (tuples (start, end, ...) sorted by start, not overlapping) that
    holds addr, or None."""
    i = bisect.bisect_right(regs, addr, key=lambda r: r[0]) - 1
    return regs[i] if i >= 0 and regs[i][0] <= addr < regs[i][1] else None


def with_regions(snaps):
    """The snapshots that have regions (see empty_snapshots())."""
    return [s for s in snaps if s["regions"]]


def enough_data(snaps, need_, start, end):
    """Whether at least need_ snapshots have regions; a failed check when not: a check with no
    data to decide on must not pass."""
    good = len(with_regions(snaps))
    if good >= need_:
        return True
    return check(False, "data for [%#x, %#x): %d of %d snapshot(s) have regions (%d empty), "
                 "%d needed" % (start, end, good, len(snaps), len(snaps) - good, need_))


def hot_in_all(snaps, start, end):
    """Lowest rate over [start, end) in the snapshots with regions, the first (warm-up) left
    out when three or more remain.  Fewer than two snapshots with regions fail a check (and
    give 0)."""
    if not enough_data(snaps, 2, start, end):
        return 0
    good = with_regions(snaps)
    if len(good) >= 3:
        good = good[1:]
    return min(snap_rate(s, start, end) for s in good)


def hot_in_any(snaps, start, end):
    """Highest rate over [start, end) in the snapshots with regions; none fails a check (and
    gives 0)."""
    if not enough_data(snaps, 1, start, end):
        return 0
    return max(snap_rate(s, start, end) for s in with_regions(snaps))


def last_with_regions(snaps):
    """The last snapshot that has regions; none fails a check (and gives one without regions,
    whose rates read 0)."""
    good = with_regions(snaps)
    if good:
        return good[-1]
    check(False, "a snapshot with regions: none of %d has any" % len(snaps))
    return {"regions": []}


REPORTER_PROGS = ("fault_btf", "fault_raw", "on_sample")


def reporter_progs():
    """How many reporter programs are loaded (a program stays loaded while a link holds it).
    A bpftool that fails or prints no JSON list fails a check (and gives -1): "no program
    left" must not pass on a broken bpftool."""
    try:
        p = run(["bpftool", "-j", "prog", "show"], check_rc=False)
    except OSError as e:
        check(False, "bpftool prog show: %s" % e)
        return -1
    try:
        progs = json.loads(p.stdout)
    except ValueError:
        progs = None
    if p.returncode != 0 or not isinstance(progs, list):
        check(False, "bpftool -j prog show: exit %d, %s" %
              (p.returncode, (p.stderr.strip() or p.stdout.strip() or "no output")[:200]))
        return -1
    return sum(1 for pr in progs if pr.get("name") in REPORTER_PROGS)


def pinned_stats(path):
    """Per-CPU struct damon_bpf_stats of a pinned stats map, as bpftool prints them by name."""
    d = json.loads(run(["bpftool", "-j", "map", "dump", "pinned", path]).stdout)
    return [v["value"] for v in d[0]["formatted"]["values"]]


def smaps_kb(pid, start, field):
    """A field (e.g. "Swap", "Rss", "AnonHugePages") of the VMA of pid that starts at start."""
    head = "%x-" % start
    inside = False
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            if "-" in line.split(" ", 1)[0] and not line.startswith(field):
                inside = line.startswith(head)
            elif inside and line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def wait_for(cond, timeout, step=0.5):
    """Polls cond() until it is true or timeout seconds passed; returns its last value."""
    end = time.time() + timeout
    while True:
        v = cond()
        if v or time.time() >= end:
            return v
        time.sleep(step)


def wait_progress(cond, measure, stall, limit, step=0.5):
    """Polls cond() until it is true, for as long as the work it waits for goes on: measure()
    is a number, or a tuple of numbers, that grows while it does (pages migrated, huge pages
    made, a threshold lowered): progress is any of them above its highest value so far. Gives
    up when there was no progress for stall seconds, or after limit seconds in all, and
    returns cond()'s last value. A slow kernel (KASAN, lockdep) gets the time its progress shows it
    needs; a session that stopped working fails after stall, not after the slow kernel's
    limit."""
    def tup(m):
        return tuple(m) if isinstance(m, (tuple, list)) else (m,)

    t0 = time.time()
    best, since = tup(measure()), t0
    while True:
        v = cond()
        now = time.time()
        if v or now - t0 >= limit:
            return v
        m = tup(measure())
        if any(a > b for a, b in zip(m, best)):
            best, since = tuple(max(a, b) for a, b in zip(m, best)), now
        elif now - since >= stall:
            log("  no progress for %.0f s (measure %s), after %.0f s: giving up" %
                (now - since, best, now - t0))
            return v
        time.sleep(step)


# --- /proc readers: placement, huge pages, memory --------------------------------------------

def vmas(pid):
    """[(start, end, {field: kB})] of pid's mappings, from /proc/PID/smaps."""
    out = []
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            head = line.split(" ", 1)[0]
            if "-" in head and ":" not in head:
                s, e = head.split("-")
                out.append((int(s, 16), int(e, 16), {}))
            elif out and line.rstrip().endswith(" kB"):
                k, v = line.split(":", 1)
                out[-1][2][k] = int(v.split()[0])
    return out


def smaps_range_kb(pid, start, end, field):
    """A field (e.g. "AnonHugePages", "Rss", "Swap") of pid summed over the parts of its VMAs
    inside [start, end); a VMA that only partly overlaps counts in proportion (smaps gives no
    finer figure). Workload regions are separate VMAs, so this is exact for them."""
    tot = 0
    for s, e, f in vmas(pid):
        o = min(e, end) - max(s, start)
        if o > 0 and field in f:
            tot += f[field] * o // (e - s)
    return tot


def anon_huge_kb(pid, start, end):
    """AnonHugePages (kB) of pid in [start, end), from smaps."""
    return smaps_range_kb(pid, start, end, "AnonHugePages")


def numa_maps(pid):
    """[(start, {key: value})] of /proc/PID/numa_maps; N<nid> values are page counts (in base
    pages, THPs included), e.g. {"N0": 512, "anon": 512, "kernelpagesize_kB": 4, ...}."""
    out = []
    with open("/proc/%d/numa_maps" % pid) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            kv = {"policy": parts[1] if len(parts) > 1 else ""}
            for p in parts[2:]:
                if "=" in p:
                    k, v = p.split("=", 1)
                    kv[k] = int(v) if v.isdigit() else v
                else:
                    kv[p] = True
            out.append((int(parts[0], 16), kv))
    return out


def node_pages(pid, start, end):
    """{nid: pages} of pid's resident pages in [start, end), per node, from numa_maps.
    numa_maps has one line per VMA and gives only its start: every VMA that starts inside
    [start, end) counts whole (workload regions are VMAs of their own with gaps between)."""
    out = {}
    for s, kv in numa_maps(pid):
        if start <= s < end:
            for k, v in kv.items():
                if k[0] == "N" and k[1:].isdigit():
                    out[int(k[1:])] = out.get(int(k[1:]), 0) + v
    return out


def phys_frames(pid, start, end):
    """The page frame numbers of the present pages of [start, end), in address order
    (/proc/PID/pagemap; root only, or the frames read as 0)."""
    import struct
    with open("/proc/%d/pagemap" % pid, "rb") as f:
        f.seek(start // 4096 * 8)
        data = f.read((end - start) // 4096 * 8)
    return [v & ((1 << 55) - 1) for (v,) in struct.iter_unpack("<Q", data) if v >> 63]


def trace_event(event, secs):
    """The lines a tracepoint (events/EVENT, e.g. "damon/damon_aggregated") gave in secs."""
    tr = "/sys/kernel/tracing"
    ev = "%s/events/%s/enable" % (tr, event)
    with open(tr + "/trace", "w") as f:
        f.write("")
    with open(ev, "w") as f:
        f.write("1")
    try:
        time.sleep(secs)
    finally:
        with open(ev, "w") as f:
            f.write("0")
    with open(tr + "/trace") as f:
        return [line for line in f if event.split("/")[-1] + ":" in line]


def aggregated_regions(secs=1.0):
    """DAMON's regions at its last aggregation within secs, from the damon_aggregated
    tracepoint: {target_id: [(start, end, nr_accesses, age), ...]} in address order (each
    target's last complete set of nr_regions lines), {} when no aggregation was traced."""
    pat = re.compile(r"target_id=(\d+) nr_regions=(\d+) (\d+)-(\d+): (\d+) (\d+)")
    lines = {}
    for line in trace_event("damon/damon_aggregated", secs):
        m = pat.search(line)
        if m:
            t, n, a, b, acc, age = map(int, m.groups())
            lines.setdefault(t, []).append((n, a, b, acc, age))
    out = {}
    for t, ls in lines.items():
        n = ls[-1][0]
        last = ls[-n:]
        if len(last) == n and all(x[0] == n for x in last) and \
                all(last[i][2] <= last[i + 1][1] for i in range(n - 1)):
            out[t] = [x[1:] for x in last]
    return out


def damos_applies(secs=1.0):
    """The regions DAMOS applied an action to within secs (the damos_before_apply
    tracepoint): [(scheme_idx, start, end, nr_accesses, age), ...] in trace order."""
    pat = re.compile(r"scheme_idx=(\d+) target_idx=\d+ nr_regions=\d+ (\d+)-(\d+): "
                     r"(\d+) (\d+)")
    return [tuple(map(int, m.groups())) for m in
            (pat.search(x) for x in trace_event("damon/damos_before_apply", secs)) if m]


def phys_pieces(pid, start, end):
    """How many physically contiguous pieces the present pages of [start, end) are in."""
    pfns = sorted(phys_frames(pid, start, end))
    return sum(1 for i, p in enumerate(pfns) if i == 0 or pfns[i - 1] + 1 != p)


def node_share(pid, start, end, nid):
    """The share (0..1) of pid's resident pages in [start, end) that are on node nid, and the
    resident page count."""
    pages = node_pages(pid, start, end)
    tot = sum(pages.values())
    return (pages.get(nid, 0) / tot if tot else 0.0), tot


def _kv_kb(path, skip=0):
    """'Key: value [kB]' lines (after skip leading words, as in node meminfo) -> {key: int}."""
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.replace(":", " ").split()[skip:]
            if len(parts) >= 2 and parts[1].isdigit():
                out[parts[0]] = int(parts[1])
    return out


def meminfo():
    """/proc/meminfo in kB (HugePages_* counts as they are)."""
    return _kv_kb("/proc/meminfo")


def node_meminfo(nid):
    """/sys/devices/system/node/nodeN/meminfo in kB: MemTotal, MemFree, MemUsed, ..."""
    return _kv_kb("/sys/devices/system/node/node%d/meminfo" % nid, skip=2)


def vmstat():
    """/proc/vmstat as {name: int}."""
    out = {}
    with open("/proc/vmstat") as f:
        for line in f:
            k, v = line.split()
            out[k] = int(v)
    return out


def node_spans():
    """{nid: (start, end)}: each node's physical range in bytes, from the first of its zones'
    start_pfn to the end of the last one's spanned pages in /proc/zoneinfo (empty zones left
    out), as docs/schemes.md defines a node's range."""
    spans, node, spanned = {}, None, 0
    for line in open("/proc/zoneinfo"):
        w = line.split()
        if w[:1] == ["Node"]:
            node, spanned = int(w[1].rstrip(",")), 0
        elif w[:1] == ["spanned"]:
            spanned = int(w[1])
        elif w[:1] == ["start_pfn:"] and spanned:
            start, end = int(w[1]) * 4096, (int(w[1]) + spanned) * 4096
            lo, hi = spans.get(node, (start, end))
            spans[node] = (min(lo, start), max(hi, end))
    return spans


def nodes(kind="online"):
    """Node numbers in /sys/devices/system/node/KIND (online, possible, has_memory, has_cpu)."""
    try:
        text = rd("/sys/devices/system/node/" + kind)
    except OSError:
        return []
    out = []
    for part in filter(None, text.split(",")):
        lo, _, hi = part.partition("-")
        out += range(int(lo), int(hi or lo) + 1)
    return out


def thp_mode():
    """The bracketed THP mode: always, madvise or never."""
    t = rd("/sys/kernel/mm/transparent_hugepage/enabled")
    return t[t.index("[") + 1:t.index("]")]


def nr_kdamonds():
    return int(rd(DAMON + "/kdamonds/nr_kdamonds"))


def session_files():
    """The loader's pinned-session files (/run/damon-bpf/*.session)."""
    d = "/run/damon-bpf"
    return sorted(f for f in os.listdir(d) if f.endswith(".session")) if os.path.isdir(d) else []


class Loader:
    """damon-bpf ARGS... in the background, stdout and stderr to files, so that a test can poll
    /proc while it runs and read its JSON objects at any time."""

    def __init__(self, *args):
        self.cmd = [LOADER] + [str(a) for a in args]
        self.out = tempfile.NamedTemporaryFile("w+", prefix="db-out-", delete=False)
        self.err = tempfile.NamedTemporaryFile("w+", prefix="db-err-", delete=False)
        self.rc = None

    def __enter__(self):
        log("  $ " + " ".join(self.cmd))
        self.proc = subprocess.Popen(self.cmd, stdout=self.out, stderr=self.err, text=True)
        return self

    def objects(self):
        """The JSON objects printed so far (whole lines only)."""
        with open(self.out.name) as f:
            text = f.read()
        out = []
        for line in text.splitlines(keepends=True):
            if line.startswith("{") and line.endswith("\n"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def stderr(self):
        with open(self.err.name) as f:
            return f.read()

    def running(self):
        return self.proc.poll() is None

    def stop(self, timeout=60):
        """SIGTERM (if still running), wait; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.rc = self.proc.wait()
        return self.rc

    def finish(self):
        """stop(), then the exit status and the JSON objects; stderr goes to the log."""
        rc = self.stop()
        err = self.stderr().strip()
        if err:
            log("  stderr: " + err.replace("\n", "\n  stderr: "))
        return rc, self.objects()

    def __exit__(self, *exc):
        self.stop()
        for f in (self.out, self.err):
            f.close()
            os.unlink(f.name)


def madv_collapse(pid, start, end):
    """MADV_COLLAPSE on [start, end) of another process with process_madvise(2) (x86-64;
    needs CAP_SYS_NICE). Returns 0 or the errno."""
    import ctypes
    import ctypes.util

    class iovec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.syscall.restype = ctypes.c_long
    fd = os.pidfd_open(pid)
    try:
        iov = iovec(start, end - start)
        r = libc.syscall(ctypes.c_long(440), ctypes.c_int(fd), ctypes.byref(iov),
                         ctypes.c_ulong(1), ctypes.c_int(25), ctypes.c_uint(0))  # MADV_COLLAPSE
        return 0 if r >= 0 else ctypes.get_errno()
    finally:
        os.close(fd)


def damos_supported(action=None, goal_metric=None):
    """Whether this kernel's DAMON sysfs takes a DAMOS action name (e.g. "collapse") and/or a
    quota goal metric (e.g. "node_mem_used_bp"), tried on a scratch kdamond that is removed
    again. None when DAMON sysfs is in use (kdamonds exist)."""
    if nr_kdamonds() != 0:
        return None
    try:
        wr(DAMON + "/kdamonds/nr_kdamonds", 1)
        c = DAMON + "/kdamonds/0/contexts"
        wr(c + "/nr_contexts", 1)
        s = c + "/0/schemes"
        wr(s + "/nr_schemes", 1)
        try:
            if action:
                wr(s + "/0/action", action)
            if goal_metric:
                wr(s + "/0/quotas/goals/nr_goals", 1)
                wr(s + "/0/quotas/goals/0/target_metric", goal_metric)
            return True
        except OSError:
            return False
    finally:
        wr(DAMON + "/kdamonds/nr_kdamonds", 0)


def has_command(cmd):
    """Whether damon-bpf has subcommand cmd ('damon-bpf CMD --help' exits 0)."""
    return run([LOADER, cmd, "--help"], check_rc=False).returncode == 0


RUNAWAY_KB = 256 * 1024


def slab_kb():
    """Slab (kB) from /proc/meminfo: kernel memory a DAMON session may grow (its regions)."""
    return meminfo().get("Slab", 0)


def damon_off_all():
    """Turns every running kdamond off: the last resort of a test that saw a kdamond run away
    (guest only; the init script resets DAMON before the next test anyway)."""
    d = DAMON + "/kdamonds"
    for k in os.listdir(d):
        if k.isdigit():
            try:
                if rd("%s/%s/state" % (d, k)) == "on":
                    wr("%s/%s/state" % (d, k), "off")
            except OSError:
                pass


# --- the loader's lifecycle (tests/guest/loader_*.py) ---------------------------------------

PIN_ROOT = "/sys/fs/bpf/damon-bpf"
RECORD_DIR = "/run/damon-bpf"
OUR_PROGS = REPORTER_PROGS + ("empty_fault",)


def our_links():
    """BPF links whose program is one of damon-bpf's, from 'bpftool link list'."""
    try:
        links = json.loads(run(["bpftool", "-j", "link", "list"], check_rc=False).stdout or "[]")
        progs = json.loads(run(["bpftool", "-j", "prog", "show"], check_rc=False).stdout or "[]")
    except ValueError:
        return ["bpftool output unreadable"]
    names = {p.get("id"): p.get("name") for p in progs}
    return ["link %s (%s)" % (l.get("id"), names.get(l.get("prog_id")))
            for l in links if names.get(l.get("prog_id")) in OUR_PROGS]


def leftovers():
    """Everything of damon-bpf's that exists, from the kernel's and the file system's view (not
    the loader's own output): kdamonds, BPF links of its programs, pins, owner records."""
    left = []
    try:
        n = nr_kdamonds()
        if n:
            states = [rd("%s/kdamonds/%d/state" % (DAMON, i)) for i in range(n)]
            left.append("kdamonds %s" % states)
    except OSError:
        pass
    left += our_links()
    for d, _, files in os.walk(PIN_ROOT):
        left += ["pin %s/%s" % (d, f) for f in files]
    if os.path.isdir(RECORD_DIR):
        left += ["record %s/%s" % (RECORD_DIR, f) for f in sorted(os.listdir(RECORD_DIR))]
    return left


def clean_start():
    """Removes what earlier tests left (stop --all), so that leftovers() starts empty."""
    if leftovers():
        log("  leftovers before the test: %s; damon-bpf stop --all" % leftovers())
        run([LOADER, "stop", "--all"], check_rc=False)
        damon_off_all()
        if os.path.exists(DAMON + "/kdamonds/nr_kdamonds") and nr_kdamonds():
            wr(DAMON + "/kdamonds/nr_kdamonds", 0)


def nothing_left_or_stop_all(what):
    """After a loader died: either nothing of ours is left, or 'stop --all' removes all of it
    and says what it removed.  Checks both; returns whether all is gone."""
    left = wait_for(lambda: not leftovers(), 3) or leftovers()
    if left is True:
        return check(True, "%s: nothing left" % what)
    p = run([LOADER, "stop", "--all"], check_rc=False)
    said = p.stderr.strip().replace("\n", " | ")
    gone = wait_for(lambda: not leftovers(), 5)
    kd = any(x.startswith("kdamonds") for x in left)
    pins = any(x.startswith("pin ") for x in left)
    reported = ("removed" in said and (not kd or "kdamond" in said) and
                (not pins or "pin(s)" in said))
    return check(p.returncode == 0 and gone and reported,
                 "%s: left %s; stop --all (exit %d) removed it all (%s) and said so: %s" %
                 (what, left, p.returncode, leftovers() or "nothing left", said))


def json_lines(text):
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def pipe_head1(cmd, timeout=120):
    """'cmd | head -1': the loader must end by itself once head has gone (exit 0); returns
    (loader exit status or None on time-out, head's line)."""
    p1 = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p2 = subprocess.Popen(["head", "-n", "1"], stdin=p1.stdout, stdout=subprocess.PIPE, text=True)
    p1.stdout.close()
    line = p2.communicate(timeout=timeout)[0]
    try:
        rc = p1.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p1.kill()
        p1.wait()
        rc = None
    err = p1.stderr.read().decode(errors="replace").strip()
    p1.stderr.close()
    if err:
        log("  stderr: " + err.replace("\n", "\n  stderr: "))
    return rc, line


def kdamond_on():
    try:
        return nr_kdamonds() > 0 and rd(DAMON + "/kdamonds/0/state") == "on"
    except OSError:
        return False


def records():
    return [f for f in os.listdir(RECORD_DIR) if f.endswith(".session")] \
        if os.path.isdir(RECORD_DIR) else []


def kill_points(with_link):
    """The moments between a loader's start and its steady state at which kill_matrix() sends
    SIGKILL: (name, condition polled until true; None: at once)."""
    pts = [("at once", None),
           ("after 0.3 s", lambda: time.sleep(0.3) or True),
           ("owner record written", lambda: bool(records())),
           ("kdamond on", kdamond_on)]
    if with_link:
        pts.append(("BPF link attached", lambda: bool(our_links())))
    pts.append(("steady state (output)", None))
    return pts


def kill_matrix(name, cmd, with_link=True, exits=False):
    """SIGKILL the loader 'cmd' at each kill_points(); afterwards nothing of ours may be left,
    or 'stop --all' removes it and says so.  exits: the command exits by itself once set up
    (start): its last point is after that exit."""
    for what, cond in kill_points(with_link):
        log("  -- %s: SIGKILL %s" % (name, what))
        with Loader(*cmd) as ld:
            if what.startswith("steady"):
                if exits:
                    ok = wait_for(lambda: not ld.running(), 60) and ld.proc.returncode == 0
                else:
                    ok = wait_for(lambda: ld.objects() or not ld.running(), 60) and ld.running()
            elif cond is None:
                ok = True
            else:
                # the debug kernel's verifier takes minutes over the reporters
                ok = wait_for(lambda: cond() or not ld.running(), 240 if SLOW else 30,
                              step=0.02) and cond()
            if ld.running():
                ld.proc.kill()
            ld.proc.wait()
            if not ok:
                log("  stderr: " + ld.stderr().strip().replace("\n", "\n  stderr: "))
            check(ok, "%s: reached '%s' (exit %s)" % (name, what, ld.proc.returncode))
        nothing_left_or_stop_all("%s killed at '%s'" % (name, what))


def restart_recovers(name, cmd, rerun):
    """SIGKILL once the kdamond runs, then the same command again: it removes what the dead
    one left (and says so), works (JSON output), ends on SIGTERM, and leaves nothing."""
    with Loader(*cmd) as ld:
        ok = wait_for(lambda: kdamond_on() or not ld.running(), 60, step=0.05) and kdamond_on()
        ld.proc.kill()
        ld.proc.wait()
    check(ok and bool(records()), "%s: killed with its kdamond on, its record left" % name)
    st = json_lines(run([LOADER, "status", "--json"], check_rc=False).stdout)
    check(len(st) == 1 and st[0].get("owner_gone") is True and st[0].get("kdamond") == "on",
          "%s: status --json marks the session's owner gone, its kdamond on (%s)" %
          (name, [(o.get("name"), o.get("owner_gone"), o.get("kdamond")) for o in st]))
    with Loader(*rerun) as ld:
        works = wait_for(lambda: ld.objects() or not ld.running(), 90)
        rc, objs = ld.finish()
        err = ld.stderr()
    check("is gone; removed what it left" in err and "kdamond 0" in err,
          "%s again: it removed the dead session's kdamond and said so" % name)
    check(works and rc == 0 and objs, "%s again: it works (%d objects, exit %s)" %
          (name, len(objs), rc))
    check(not wait_for(lambda: not leftovers(), 5) is False and not leftovers(),
          "%s again: nothing left after it ended (%s)" % (name, leftovers()))


def head1_clean(name, cmd):
    """'cmd --json | head -1': one JSON line, the loader ends by itself with 0, nothing left."""
    rc, line = pipe_head1(cmd)
    check(rc == 0 and len(json_lines(line)) == 1,
          "%s | head -1: one JSON line, the loader ended with 0 (exit %s)" % (name, rc))
    check(wait_for(lambda: not leftovers(), 5) and not leftovers(),
          "%s | head -1: nothing left (%s)" % (name, leftovers()))


# --- record files, heatmaps, damo (tests/*/report_*.py) -------------------------------------

DAMO = os.path.join(os.path.dirname(TOP), "shared", "damo", "damo")   # damo 3.3, as published


def nr_stats():
    """STAT_MAX of bpf/damon_bpf.h: the number of reporter counters a record file holds."""
    names = []
    with open(os.path.join(TOP, "bpf", "damon_bpf.h")) as f:
        inside = False
        for line in f:
            w = line.split()
            if w and w[0].startswith("STAT_SEEN"):
                inside = True
            if inside and w and w[0].startswith("STAT_"):
                if w[0].rstrip(",") == "STAT_MAX":
                    return len(names)
                names.append(w[0])
    raise RuntimeError("no STAT_MAX in bpf/damon_bpf.h")


def write_record(path, snaps, mode="damon", nr_cpus=2, sample_us=5000, aggr_us=100000,
                 desc="pid 42, hand-made"):
    """A record file as 'monitor --record' writes it (user/view/record.c): snaps are dicts
    like report --json's: time, max_nr_accesses, regions (start, end, nr_accesses, age, pid,
    reads and writes: a list per CPU)."""
    import gzip
    import struct
    ns = nr_stats()
    with gzip.open(path, "wb") as f:
        f.write(b"DAMONBPF" + struct.pack("<IIII", 1, 0 if mode == "damon" else 1, nr_cpus, ns))
        f.write(struct.pack("<QQ", sample_us, aggr_us) + desc.encode().ljust(256, b"\0"))
        for s in snaps:
            f.write(struct.pack("<IdII", 0x50414e53, s["time"], s.get("max_nr_accesses", 0),
                                len(s["regions"])) + b"\0" * 8 * ns)
            for r in s["regions"]:
                f.write(struct.pack("<QQIIi", r["start"], r["end"], r["nr_accesses"],
                                    r.get("age", 0), r.get("pid", 42)))
                for k in ("reads", "writes"):
                    f.write(struct.pack("<%dQ" % nr_cpus, *r.get(k, [0] * nr_cpus)))


def read_png(path):
    """(width, height, rows of (r, g, b) tuples, {tEXt key: text}) of a PNG, decoded by
    python3-png (pypng), not by anything of ours."""
    import png
    w, h, rows, _ = png.Reader(filename=path).asRGB8()
    px = [[tuple(row[3 * x:3 * x + 3]) for x in range(w)] for row in rows]
    text = {}
    for kind, data in png.Reader(filename=path).chunks():
        if kind == b"tEXt":
            k, v = data.split(b"\0", 1)
            text[k.decode("latin-1")] = v.decode("latin-1")
    return w, h, px, text


HEAT_STOPS = ((0, 0, 4), (87, 16, 110), (188, 55, 84), (249, 142, 9), (252, 255, 164))
HEAT_NO_DATA = (70, 90, 130)


def heat_colour(x):
    """The PNG heatmap's colour of x (0 to 1 of its scale), as docs/usage.md gives the scale:
    linear between five stops."""
    x = min(max(x, 0.0), 1.0)
    n = len(HEAT_STOPS) - 1
    i = min(int(x * n), n - 1)
    f = x * n - i
    return tuple(int(math.floor(a + f * (b - a) + 0.5))
                 for a, b in zip(HEAT_STOPS[i], HEAT_STOPS[i + 1]))


def luma(rgb):
    """Brightness 0-255 of an (r, g, b) pixel (Rec. 709 weights)."""
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


def heatmap_axes(text):
    """((t0, t1), (a0, a1)) from a heatmap's axis lines: the PNG's 'damon-bpf x-axis' and
    'damon-bpf y-axis' texts, or the text heatmap's '# x-axis' / '# y-axis' lines."""
    import re
    t = re.search(r"time \[([0-9.]+) s, ([0-9.]+) s\)", text)
    a = re.search(r"address \[(0x[0-9a-f]+), (0x[0-9a-f]+)\)", text)
    return (float(t.group(1)), float(t.group(2))), (int(a.group(1), 16), int(a.group(2), 16))


def png_rows_of(h, a0, a1, start, end):
    """The PNG rows that lie wholly inside [start, end): row y holds address bin h - 1 - y of
    [a0, a1) (the lowest address at the bottom)."""
    w = (a1 - a0) / h
    return [y for y in range(h) if a0 + (h - 1 - y) * w >= start and a0 + (h - y) * w <= end]


def text_cols_of(width, a0, a1, start, end):
    """The text heatmap's columns that lie wholly inside [start, end) (lowest address left)."""
    w = (a1 - a0) / width
    return [x for x in range(width) if a0 + x * w >= start and a0 + (x + 1) * w <= end]


def damo_file_snapshots(path):
    """damo report access --input path, one region a line: [[(start, end, access rate %, age
    us), ...] a snapshot], or None (said) if damo failed."""
    p = run([DAMO, "report", "access", "--input", path, "--raw_number", "--style", "detailed",
             "--format_region", "<start address> <end address> <access rate> <age>"],
            check_rc=False, timeout=300)
    if p.returncode != 0:
        log("  damo report access: exit %d: %s%s" % (p.returncode, p.stdout[-500:],
                                                     p.stderr[-500:]))
        return None
    snaps = []
    for line in p.stdout.splitlines():
        f = line.split()
        if line.startswith("snapshot time:"):
            snaps.append([])
        elif snaps and len(f) == 4 and all(x.replace(".", "").isdigit() for x in f):
            snaps[-1].append((int(f[0]), int(f[1]), float(f[2]), int(f[3])))
    return snaps

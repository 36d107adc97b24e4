#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON probes (data attributes monitoring, mainline 7.2's sysfs ABI) and the series' report
probe filters, through DAMON sysfs with no loader:
  - one context, probes {cpumask 0}, {cpumask 1}, {write}: area W, written (reported) by a
    thread on CPU 0, hits probes 0 and 2 as often as it is accessed and probe 1 never; area
    R, read by a thread on CPU 1, hits probe 1 only; area N, never reported, nothing;
  - page probes on the page at each sampling address, accessed or not: {} always hits,
    {allow anon} hits a populated anonymous area and neither a shared memory (memfd) one nor
    an unpopulated one, {allow non-anon} the reverse (no page is not an anonymous page);
  - bad input refused with EINVAL, nothing half applied, the kdamond running on: a fifth
    probe, an unknown type, a memcg path that names no memory cgroup, a CPU that is not
    possible, a probe mixing a report and a page filter, a page filter as a sample filter."""
import mmap
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_lib import *  # noqa: E402,F403

MiB = 1 << 20
MAX_HITS = 20           # aggr / sample of the kdamonds below


def set_probes(k, probes):
    """probes: [[(type, matching, allow, {file: value})]] under monitoring_attrs/probes."""
    p = k.c + "/monitoring_attrs/probes"
    wr(p + "/nr_probes", len(probes))
    for i, filters in enumerate(probes):
        fd = "%s/%d/filters" % (p, i)
        wr(fd + "/nr_filters", len(filters))
        for j, (typ, matching, allow, files) in enumerate(filters):
            f = "%s/%d" % (fd, j)
            wr(f + "/type", typ)
            wr(f + "/matching", "Y" if matching else "N")
            wr(f + "/allow", "Y" if allow else "N")
            for name, value in files.items():
                wr(f + "/" + name, value)


def probe_regions(k, nr_probes, tries=5):
    """[(start, end, nr_accesses, [hits])] of the stat scheme's tried regions; retried while
    empty, and a failed check if they stay empty."""
    for _ in range(tries):
        k.state("update_schemes_tried_regions")
        d = k.scheme + "/tried_regions"
        out = []
        for e in sorted(os.listdir(d)):
            if not e.isdigit():
                continue
            r = "%s/%s" % (d, e)
            hits = [int(rd("%s/probes/%d/hits" % (r, i))) for i in range(nr_probes)]
            if nr_probes == 0:
                check(not os.path.exists(r + "/probes"), "no probes: no probes directory")
            out.append((int(rd(r + "/start")), int(rd(r + "/end")),
                        int(rd(r + "/nr_accesses")), hits))
        if out:
            return sorted(out)
        time.sleep(0.5)
    check(False, "tried_regions: regions to decide on (%d updates, all empty)" % tries)
    return []


def within(regs, a):
    return [r for r in regs if r[0] >= a.start and r[1] <= a.end]


def report_probes():
    W, R, N = Area(2 * MiB), Area(2 * MiB), Area(2 * MiB)
    k = Kdamond(pids=[os.getpid()], update_us=3600 * 10**6)
    set_regions(k, [W, R, N])
    set_probes(k, [[("cpumask", True, True, {"cpumask": "0"})],
                   [("cpumask", True, True, {"cpumask": "1"})],
                   [("write", True, True, {})]])
    with Reporter([(W, True, 0), (R, False, 1)]):
        set_sample(k, False, True)
        k.on()
        time.sleep(1.5)
        regs = probe_regions(k, 3)
    k.off()
    for name, a, want in (("W", W, (True, False, True)), ("R", R, (False, True, False)),
                          ("N", N, (False, False, False))):
        rs = within(regs, a)
        if not check(rs, "reports: regions within %s" % name):
            continue
        log("  %s: (nr_accesses, hits) %s" % (name, [(r[2], r[3]) for r in rs]))
        for p, hit in enumerate(want):
            if hit:
                # each access DAMON counted there was one of this probe's
                off = [(r[2], r[3][p]) for r in rs if abs(r[3][p] - r[2]) > 1]
                check(sum(r[2] for r in rs) > 0 and not off,
                      "reports: %s hits probe %d as often as it is accessed %s" % (
                          name, p, off))
            else:
                check(all(r[3][p] == 0 for r in rs), "reports: %s never hits probe %d" % (
                    name, p))
        check(all(max(r[3]) <= MAX_HITS for r in rs), "reports: hits <= aggr/sample")
        if name == "N":
            check(all(r[2] == 0 for r in rs), "reports: N not accessed")


class Shm:
    """A populated 2 MiB shared memory (memfd) area with a 1 MiB tail, as Area."""

    def __init__(self):
        self.fd = os.memfd_create("kernel_probes")
        os.ftruncate(self.fd, 3 * MiB)
        self.m = mmap.mmap(self.fd, 3 * MiB)
        self.start = ctypes.addressof(ctypes.c_char.from_buffer(self.m))
        self.end = self.start + 2 * MiB
        self.m.write(b"y" * (3 * MiB))


def page_probes():
    # Populated on one CPU, and a last area after them: a fresh page waits in its CPU's LRU
    # batch, where DAMON does not take it (damon_get_folio() wants LRU pages), until the
    # batch is full.
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {0})
    anon, empty = Area(2 * MiB), Area(2 * MiB)
    anon.m.write(b"x" * (2 * MiB))          # populated, anonymous
    shm = Shm()
    flush = Area(1 * MiB)
    flush.m.write(b"z" * (1 * MiB))
    os.sched_setaffinity(0, cpus)
    k = Kdamond(pids=[os.getpid()], update_us=3600 * 10**6)
    set_regions(k, [anon, empty, shm])
    set_probes(k, [[], [("anon", True, True, {})], [("anon", False, True, {})]])
    set_sample(k, True, False)
    k.on()
    time.sleep(1.5)
    regs = probe_regions(k, 3)
    k.off()
    # nobody touches them meanwhile: the probes count what the pages are, not accesses
    for name, a, want in (("anon", anon, (MAX_HITS, MAX_HITS, 0)),
                          ("unpopulated", empty, (MAX_HITS, 0, MAX_HITS)),
                          ("shmem", shm, (MAX_HITS, 0, MAX_HITS))):
        rs = within(regs, a)
        if not check(rs, "pages: regions within %s" % name):
            continue
        log("  %s: %s" % (name, sorted({tuple(r[3]) for r in rs})))
        check(all(tuple(r[3]) == want for r in rs), "pages: %s hits %s every sample" % (
            name, list(want)))
    shm.m.close()
    os.close(shm.fd)


def bad_input():
    A = Area(2 * MiB)
    k = Kdamond(pids=[os.getpid()], update_us=3600 * 10**6)
    set_regions(k, [A])
    p = k.c + "/monitoring_attrs/probes"
    check(write_fails(p + "/nr_probes", 5), "a fifth probe: EINVAL")
    set_probes(k, [[("write", True, True, {})]])
    f = p + "/0/filters/0"
    check(write_fails(f + "/type", "bogus"), "an unknown filter type: EINVAL")
    check(write_fails(f + "/cpumask", "0-4095"), "a CPU that is not possible: EINVAL")
    check(write_fails(f + "/source", "16"), "a source beyond 15: EINVAL")
    # a probe of a report and a page filter does not start
    set_probes(k, [[("write", True, True, {}), ("anon", True, True, {})]])
    set_sample(k, False, True)
    check(write_fails(k.k + "/state", "on"), "start with a mixed probe: EINVAL")
    check(not k.running(), "start with a mixed probe: no kdamond")
    set_probes(k, [[("write", True, True, {})]])
    k.on()
    for what, probes, sample in (
            ("a memcg path that names no memory cgroup",
             [[("memcg", True, True, {"path": "/no-such-memcg"})]], ()),
            ("a probe mixing a report and a page filter",
             [[("write", True, True, {}), ("anon", True, True, {})]], ()),
            ("a page filter as a sample filter",
             [[("write", True, True, {})]], [("anon", True, True, None)])):
        set_probes(k, probes)
        set_sample(k, False, True, sample)
        check(write_fails(k.k + "/state", "commit"), "commit of %s: EINVAL" % what)
        check(k.running(), "commit of %s: the kdamond runs on" % what)
    # nothing was half applied: the running probe still counts writes
    set_probes(k, [[("write", True, True, {})]])
    set_sample(k, False, True)
    with Reporter([(A, True, None)]):
        time.sleep(1)
        regs = probe_regions(k, 1)
    check(any(r[3][0] > 0 for r in within(regs, A)),
          "after the refused commits the write probe still hits (%s)" % [
              r[3] for r in within(regs, A)])
    k.off()


need(os.path.isdir(DAMON + "/kdamonds") and have_kernel_reports(), "DAMON access reports")
with Bpf("madv_report"):
    report_probes()
    bad_input()
page_probes()
done()

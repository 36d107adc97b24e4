#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Access report drops are counted per CPU and per reason in
/sys/kernel/mm/damon/admin/access_reports/, a report storm overflows the ring without harm,
and bad sample control values are refused with EINVAL while a running kdamond keeps its
previous configuration."""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_lib import *  # noqa: E402,F403

need(have_kernel_reports(), "DAMON access reports: %s" % REPORTS)
W, R = Area(1 << 20), Area(1 << 20)
ring = report_stat("ring_size")
log("  ring_size %d" % ring)
check(ring == 8192, "ring_size 8192")
ncpus = len(report_stat("queued", per_cpu=True))
check(ncpus == os.cpu_count(), "per_cpu has a directory for each of the %d CPUs" % ncpus)
check(all(len(rd("%s/per_cpu/cpu0/%s" % (REPORTS, n)).split()) == 1 for n in ("queued", "full")),
      "per_cpu/cpu0/ files hold one value each")

with Bpf("madv_report"):
    # Nobody listens: reports are dropped as no_listener, on the reporting CPU.
    os.sched_setaffinity(0, {1})
    before = report_stat("no_listener", per_cpu=True)
    for _ in range(100):
        report(W.start, 4096)
    after = report_stat("no_listener", per_cpu=True)
    log("  no_listener per CPU: %s -> %s" % (before, after))
    # Only this process reports (a magic madvise), pinned to CPU 1: the counts are exact.
    check(after[1] - before[1] == 100 and sum(after) - sum(before) == 100,
          "100 reports without a listener counted, all on CPU 1")
    os.sched_setaffinity(0, range(os.cpu_count()))

    # Invalid arguments (zero size) are counted too.
    before = report_stat("invalid")
    report(W.start, 0)
    check(report_stat("invalid") == before + 1, "a zero-size report counted as invalid")

    def kdamond(**attrs):
        k = Kdamond(pids=[os.getpid()], update_us=3600 * 10**6, **attrs)
        set_regions(k, [W, R])
        set_sample(k, False, True, [("write", True, True, None)])
        k.on()
        # listening once a report is queued (evidence, not a fixed wait: a slow kernel)
        q0 = report_stat("queued")

        def queued():
            report(W.start, 1)
            return report_stat("queued") > q0
        check(wait_for(queued, 60, step=0.1), "the kdamond listens (a report queued)")
        return k

    # A storm: 20 runs of 4096 reports overflow the 8192-entry ring.  The kdamond drains the
    # rings once a sampling interval: 2 s here, so that a slow or loaded machine cannot
    # spread the storm over enough drains to fit it (at 5 ms a debug kernel beside another
    # guest did).  W and R were never touched: DAMON arms no page there, and the storm is
    # the only source.
    k = kdamond(sample_us=2 * 10**6, aggr_us=4 * 10**6)
    STATS = ("queued", "full", "busy", "no_listener", "invalid")
    s0 = {n: report_stat(n) for n in STATS}
    for _ in range(20):
        report(W.start, 4096, storm=True)
    d = {n: report_stat(n) - s0[n] for n in STATS}
    log("  storm of 20 x 4096 reports: %s" % ", ".join("%s %d" % (n, d[n]) for n in STATS))
    check(d["full"] > 0, "ring-full drops counted")
    check(d["queued"] + d["full"] == 20 * 4096 and d["busy"] == d["no_listener"] ==
          d["invalid"] == 0, "every storm report queued or counted as full, exactly once")
    check(k.running(), "kdamond survives the storm")
    k.off()

    # The rest at the default intervals.
    k = kdamond()

    # Bad values are refused where they are written.
    f = k.c + "/monitoring_attrs/sample/filters"
    wr(f + "/nr_filters", 1)
    check(write_fails(f + "/0/type", "bogus"), "type 'bogus' refused")
    check(write_fails(f + "/0/cpumask", "%d" % os.cpu_count()), "cpumask beyond the CPUs refused")
    check(write_fails(f + "/0/cpumask", "0-x"), "malformed cpumask refused")
    check(write_fails(f + "/0/tid_arr", "12,abc"), "malformed tid_arr refused")
    check(write_fails(f + "/0/tid_arr", "-3"), "negative tid refused")
    wr(f + "/0/tid_arr", "010")
    check(rd(f + "/0/tid_arr") == "10", "tids are decimal: '010' reads back as 10")
    many = ",".join(["4194304"] * 256)
    wr(f + "/0/tid_arr", many)
    check(rd(f + "/0/tid_arr") == many, "256 seven-digit tids read back whole")
    check(write_fails(f + "/0/tid_arr", many + ",5"), "a 257th tid refused")
    wr(f + "/0/tid_arr", "\n")     # no tids again (an empty write never reaches the kernel)
    check(rd(f + "/0/type") == "cpumask", "type unchanged after bad writes")

    # Bad combinations are refused at commit; the kdamond keeps its configuration.
    wr(f + "/0/type", "threads")
    wr(f + "/0/tid_arr", "")
    check(write_fails(k.k + "/state", "commit"), "commit of a threads filter without threads refused")
    set_sample(k, False, False)
    check(write_fails(k.k + "/state", "commit"), "commit with no primitive refused")
    check(k.running(), "kdamond still running")
    with Reporter([(W, True, None), (R, False, None)]):
        time.sleep(1)
        regs = regions(k)
    log("  after refused commits: W %s, R %s" % (accesses_in(regs, W.start, W.end),
                                                accesses_in(regs, R.start, R.end)))
    check(accesses_in(regs, W.start, W.end) > 0 and accesses_in(regs, R.start, R.end) == 0,
          "previous write filter still applies")
    k.off()

    # Nor can a kdamond start without a primitive.
    check(write_fails(k.k + "/state", "on"), "on with no primitive refused")
    check(not k.running(), "kdamond not started")
    log("  counters: " + ", ".join("%s %d" % (n, report_stat(n)) for n in (
        "queued", "full", "busy", "no_listener", "invalid", "stale", "overflow", "no_paddr")))
done()

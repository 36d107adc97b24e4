#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The page_fault primitive: DAMON arms each region's sampling address with the NUMA hint
protection, the workload's next access faults, a tp_btf page_fault_user program reports it
with bpf_damon_report_access(), and the region is accessed.  The hot region shows accesses,
the cold one none; with NUMA balancing off nothing migrates, although the workload's pages sit
on node 1 and its CPU on node 0; with balancing on, accesses are still seen.  The write and
cpumask filters select real faults.  With the defaults (page_table only) DAMON works as stock
and listens to no report."""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_lib import *  # noqa: E402,F403

need(have_kernel_reports(), "DAMON access reports: %s" % REPORTS)
NR_MIGRATE_PAGES = 256


def vmstat(name):
    for line in open("/proc/vmstat"):
        k, v = line.split()
        if k == name:
            return int(v)
    return 0


def to_node1(pid):
    """Move every page of pid from node 0 to node 1 (migrate_pages(2))."""
    old, new = ctypes.c_ulong(1), ctypes.c_ulong(2)
    return libc.syscall(NR_MIGRATE_PAGES, pid, 64, ctypes.byref(old), ctypes.byref(new))


def node_pages(pid):
    """{node: pages} of pid's anonymous mappings, from numa_maps."""
    out = {}
    for line in open("/proc/%d/numa_maps" % pid):
        if " anon=" not in line:
            continue
        for f in line.split():
            if f.startswith("N") and "=" in f:
                n, v = f[1:].split("=")
                out[int(n)] = out.get(int(n), 0) + int(v)
    return out


def session(balancing):
    wr("/proc/sys/kernel/numa_balancing", 1 if balancing else 0)
    with Workload("w:4M@0", "c:4M", duration=60) as w:
        hot, cold = w.regions
        left = to_node1(w.pid)
        log("  migrate_pages to node 1: %d pages left behind" % left)
        migrated, success = vmstat("numa_pages_migrated"), vmstat("pgmigrate_success")
        hint = vmstat("numa_hint_faults")
        queued = report_stat("queued")
        k = Kdamond(pids=[w.pid])
        set_sample(k, False, True)
        k.on()
        time.sleep(3)
        regs = regions(k)
        h = overlap_weighted(regs, hot["start"], hot["end"])
        c = accesses_in(regs, cold["start"], cold["end"])
        log("  balancing %s: hot %.1f, cold %s, reports queued %d" % (
            "on" if balancing else "off", h, c, report_stat("queued") - queued))
        nodes = node_pages(w.pid)
        log("  workload pages per node: %s" % nodes)
        if have_vm_events:
            log("  numa_hint_faults +%d, numa_pages_migrated +%d, pgmigrate_success +%d" % (
                vmstat("numa_hint_faults") - hint, vmstat("numa_pages_migrated") - migrated,
                vmstat("pgmigrate_success") - success))
        check(h is not None and h > 0, "balancing %s: hot region accessed" %
              ("on" if balancing else "off"))
        check(c == 0, "balancing %s: cold region not accessed" % ("on" if balancing else "off"))
        check(k.running() and w.proc.poll() is None, "kdamond and workload still running")
        if not balancing:
            check(nodes.get(0, 0) == 0, "no page moved back to node 0")
            if have_vm_events:
                check(vmstat("numa_pages_migrated") == migrated, "no NUMA migration")
                check(vmstat("pgmigrate_success") == success, "no page migration")
        k.off()
    wr("/proc/sys/kernel/numa_balancing", 0)


# Without CONFIG_VM_EVENT_COUNTERS, /proc/vmstat has no migration events: the pages' nodes
# (numa_maps) then tell whether anything migrated.
have_vm_events = any(line.startswith("pgmigrate_success ") for line in open("/proc/vmstat"))
if not have_vm_events:
    log("  no vm event counters in /proc/vmstat: checking migrations with numa_maps only")

def page_table_only():
    """The defaults: page_table only, as stock 6.12; reports find nobody listening."""
    with Workload("w:4M@0", "c:4M", duration=60) as w:
        hot, cold = w.regions
        k = Kdamond(pids=[w.pid])
        s = k.c + "/monitoring_attrs/sample"
        check((rd(s + "/primitives/page_table"), rd(s + "/primitives/page_fault"),
               rd(s + "/filters/nr_filters")) == ("Y", "N", "0"),
              "defaults: page_table Y, page_fault N, no filter")
        queued, nolistener = report_stat("queued"), report_stat("no_listener")
        k.on()
        time.sleep(3)
        regs = regions(k)
        h = overlap_weighted(regs, hot["start"], hot["end"])
        c = overlap_weighted(regs, cold["start"], cold["end"])
        log("  page_table only: hot %.1f, cold %.1f, reports queued +%d, no_listener +%d" % (
            h, c, report_stat("queued") - queued, report_stat("no_listener") - nolistener))
        check(h is not None and c is not None and h > c + 2, "page_table only: hot hotter than cold")
        check(report_stat("queued") == queued, "page_table only: no report queued")
        k.off()


def filtered(name, filters):
    """Real faults through the filters: the workload writes W on CPU 0 and reads R on CPU 1."""
    with Workload("w:4M@0", "r:4M@1", duration=60) as w:
        wreg, rreg = w.regions
        k = Kdamond(pids=[w.pid])
        set_sample(k, False, True, filters)
        k.on()
        time.sleep(3)
        regs = regions(k)
        wv = overlap_weighted(regs, wreg["start"], wreg["end"])
        rv = accesses_in(regs, rreg["start"], rreg["end"])
        log("  %s: W (written on CPU 0) %s, R (read on CPU 1) %s" % (name, wv, rv))
        check(wv is not None and wv > 0, "%s: W accessed" % name)
        check(rv == 0, "%s: R not accessed" % name)
        k.off()


with Bpf("fault_report"):
    session(False)
    session(True)
    filtered("write filter", [("write", True, True, None)])
    filtered("cpumask 0", [("cpumask", True, True, "0")])
    page_table_only()
done()

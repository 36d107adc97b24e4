# SPDX-License-Identifier: GPL-2.0
"""Helpers of the kernel_* guest tests: the test BPF programs (kernel_report.bpf.c), loaded
through libbpf with ctypes; a madvise() trigger that reports accesses through them; DAMON
sample controls and access report counters in sysfs."""
import ctypes
import mmap
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.environ.get("DB_TOP", os.path.dirname(__file__) + "/../.."),
                                "tests/lib"))
from dbtest import *  # noqa: E402,F403

HERE = os.path.dirname(os.path.abspath(__file__))
REPORTS = DAMON + "/access_reports"
ADV_READ, ADV_WRITE, ADV_STORM, ADV_BURST = 0x7d000, 0x7d001, 0x7d002, 0x7d003
NR_MADVISE = 28

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def have_kernel_reports():
    return os.path.isdir(REPORTS)


class Bpf:
    """The programs of kernel_report.bpf.c named in progs, loaded and attached."""

    def __init__(self, *progs):
        obj_path = "/tmp/kernel_report.bpf.o"
        if not os.path.exists(obj_path):
            run(["clang", "-O2", "-g", "-Wall", "-target", "bpf", "-D__TARGET_ARCH_x86",
                 "-I" + os.path.join(TOP, "vmlinux"), "-c",
                 os.path.join(HERE, "kernel_report.bpf.c"), "-o", obj_path])
        lib = ctypes.CDLL("libbpf.so.1", use_errno=True)
        for f, res, args in (
                ("bpf_object__open_file", ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_void_p]),
                ("bpf_object__find_program_by_name", ctypes.c_void_p,
                 [ctypes.c_void_p, ctypes.c_char_p]),
                ("bpf_program__set_autoload", ctypes.c_int, [ctypes.c_void_p, ctypes.c_bool]),
                ("bpf_object__next_program", ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_void_p]),
                ("bpf_program__name", ctypes.c_char_p, [ctypes.c_void_p]),
                ("bpf_object__load", ctypes.c_int, [ctypes.c_void_p]),
                ("bpf_program__attach", ctypes.c_void_p, [ctypes.c_void_p]),
                ("bpf_link__destroy", ctypes.c_int, [ctypes.c_void_p]),
                ("bpf_object__close", None, [ctypes.c_void_p])):
            getattr(lib, f).restype = res
            getattr(lib, f).argtypes = args
        self.lib = lib
        self.obj = lib.bpf_object__open_file(obj_path.encode(), None)
        if not self.obj:
            raise RuntimeError("bpf_object__open_file: errno %d" % ctypes.get_errno())
        p = None
        while True:
            p = lib.bpf_object__next_program(self.obj, p)
            if not p:
                break
            lib.bpf_program__set_autoload(p, lib.bpf_program__name(p).decode() in progs)
        if lib.bpf_object__load(self.obj):
            raise RuntimeError("bpf_object__load failed (kfunc missing?)")
        self.links = []
        for name in progs:
            prog = lib.bpf_object__find_program_by_name(self.obj, name.encode())
            link = lib.bpf_program__attach(prog)
            if not link:
                raise RuntimeError("attach %s: errno %d" % (name, ctypes.get_errno()))
            self.links.append(link)

    def close(self):
        for link in self.links:
            self.lib.bpf_link__destroy(link)
        self.links = []
        self.lib.bpf_object__close(self.obj)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def report(addr, length, write=False, storm=False):
    """Report an access to [addr, addr + length) through madv_report."""
    adv = ADV_STORM if storm else ADV_WRITE if write else ADV_READ
    libc.syscall(NR_MADVISE, ctypes.c_ulong(addr), ctypes.c_ulong(length), ctypes.c_ulong(adv))


def burst(addr, n):
    """n (at most 4096) page-sized write reports at addr in one BPF program run."""
    libc.syscall(NR_MADVISE, ctypes.c_ulong(addr), ctypes.c_ulong(n), ctypes.c_ulong(ADV_BURST))


class Area:
    """An anonymous mapping of this process; .start, .end.  The mapping has a 1 MiB tail that
    is not part of the area, so that DAMON regions of two areas are never adjacent (DAMON
    merges adjacent regions of similar access frequencies)."""

    def __init__(self, size):
        self.m = mmap.mmap(-1, size + (1 << 20), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        self.start = ctypes.addressof(ctypes.c_char.from_buffer(self.m))
        self.end = self.start + size


def report_stat(name, per_cpu=False):
    """A counter of access_reports/: the sum, or per_cpu a list by CPU (per_cpu/cpuN/name)."""
    if not per_cpu:
        return int(rd("%s/%s" % (REPORTS, name)))
    cpus = sorted(int(d[3:]) for d in os.listdir(REPORTS + "/per_cpu") if d.startswith("cpu"))
    return [int(rd("%s/per_cpu/cpu%d/%s" % (REPORTS, c, name))) for c in cpus]


def set_ranges(k, ranges):
    """Monitor exactly these (start, end) ranges of target 0 (ops updates must not come: long
    update_us)."""
    t = k.c + "/targets/0/regions"
    wr(t + "/nr_regions", len(ranges))
    for i, (start, end) in enumerate(sorted(ranges)):
        wr("%s/%d/start" % (t, i), start)
        wr("%s/%d/end" % (t, i), end)


def set_regions(k, areas):
    """Monitor exactly these Areas of target 0."""
    set_ranges(k, [(a.start, a.end) for a in areas])


def paddr_kdamond(end):
    """A paddr kdamond (not started) over the physical range [0, end), no ops updates."""
    k = Kdamond(ops="paddr", update_us=3600 * 10**6)
    wr(k.c + "/targets/nr_targets", 1)
    set_ranges(k, [(0, end)])
    return k


def set_sample(k, page_table, page_fault, filters=()):
    """filters: [(type, matching, allow, value)], value a cpulist or a tid list."""
    s = k.c + "/monitoring_attrs/sample"
    wr(s + "/primitives/page_table", "Y" if page_table else "N")
    wr(s + "/primitives/page_fault", "Y" if page_fault else "N")
    wr(s + "/filters/nr_filters", len(filters))
    for i, (typ, matching, allow, value) in enumerate(filters):
        f = "%s/filters/%d" % (s, i)
        wr(f + "/type", typ)
        wr(f + "/matching", "Y" if matching else "N")
        wr(f + "/allow", "Y" if allow else "N")
        if typ == "cpumask":
            wr(f + "/cpumask", value)
        elif typ == "threads":
            wr(f + "/tid_arr", value)


class Context:
    """Kdamond i of several made at once (write nr_kdamonds first), with one context of ops
    over ranges [(start, end)] (of this process for vaddr), no ops update, no scheme, fed by
    page fault reports only; filters as for set_sample()."""

    def __init__(self, i, ops, ranges, filters=()):
        self.k = DAMON + "/kdamonds/%d" % i
        self.c = self.k + "/contexts/0"
        wr(self.k + "/contexts/nr_contexts", 1)
        wr(self.c + "/operations", ops)
        wr(self.c + "/monitoring_attrs/intervals/update_us", 3600 * 10**6)
        wr(self.c + "/targets/nr_targets", 1)
        if ops == "vaddr":
            wr(self.c + "/targets/0/pid_target", os.getpid())
        set_ranges(self, ranges)
        set_sample(self, False, True, filters)

    def state(self, cmd):
        wr(self.k + "/state", cmd)

    def running(self):
        return rd(self.k + "/state") == "on"


def drop_kdamonds():
    """Turns every kdamond off, then removes them all: DAMON sysfs refuses nr_kdamonds 0
    (EBUSY) while one runs, as it does when a test's check raised before its own 'off'."""
    d = DAMON + "/kdamonds"
    for k in sorted(os.listdir(d)):
        if k.isdigit() and rd("%s/%s/state" % (d, k)) == "on":
            wr("%s/%s/state" % (d, k), "off")
    wr(d + "/nr_kdamonds", 0)


def phys_end():
    """The end of the highest node's memory, in bytes."""
    return max(end for _, end in node_spans().values())


def write_fails(path, value):
    """Whether writing value to path fails with EINVAL."""
    try:
        wr(path, value)
    except OSError as e:
        return e.errno == 22
    return False


class Reporter:
    """Threads that keep reporting accesses: plan is [(area, write, cpu or None)], one thread
    each; .tids are their thread IDs."""

    def __init__(self, plan):
        self.stop_ev = threading.Event()
        self.tids = [None] * len(plan)
        self.threads = [threading.Thread(target=self._run, args=(i, p), daemon=True)
                        for i, p in enumerate(plan)]
        self.ready = threading.Barrier(len(plan) + 1)

    def _run(self, i, plan):
        area, write, cpu = plan
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
        self.tids[i] = threading.get_native_id()
        self.ready.wait()
        size = area.end - area.start
        off = 0
        while not self.stop_ev.is_set():
            report(area.start + off, 4096, write)
            off = (off + 4096 * 7) % size

    def __enter__(self):
        for t in self.threads:
            t.start()
        self.ready.wait()
        return self

    def __exit__(self, *exc):
        self.stop_ev.set()
        for t in self.threads:
            t.join()


def regions(k, tries=5):
    """k.regions(), retried while empty: on slow (debug) kernels, an update of the tried
    regions can complete before the stat scheme was applied once.  Empty answers are counted
    and printed; if all are empty, a failed check (no data to decide on)."""
    empty = 0
    for _ in range(tries):
        regs = k.regions()
        if regs:
            break
        empty += 1
        time.sleep(0.5)
    if empty:
        log("  tried_regions: %d of %d answer(s) empty" % (empty, empty + bool(regs)))
    if not regs:
        check(False, "tried_regions: regions to decide on (%d updates, all empty)" % tries)
    return regs


def monitor(areas, plan, filters=(), page_table=False, seconds=1.5):
    """Run a page_fault context on this process's areas while plan reports; returns the
    [(start, end, nr_accesses, age)] regions of the last aggregation interval.  filters may
    be a function of the reporting threads' IDs."""
    k = Kdamond(pids=[os.getpid()], update_us=3600 * 10**6)
    set_regions(k, areas)
    with Reporter(plan) as rep:
        set_sample(k, page_table, True, filters(rep.tids) if callable(filters) else filters)
        k.on()
        time.sleep(seconds)
        regs = regions(k)
        tids = rep.tids
    k.off()
    return regs, tids


DAMO = os.path.join(os.path.dirname(TOP), "shared", "damo", "damo")
if not os.path.exists(DAMO):
    DAMO = os.path.join(TOP, "..", "shared", "damo", "damo")


def damo(*args, timeout=None):
    """Runs damo 3.3 (../shared/damo); (exit status, stdout, stderr).  Its default time-out is
    three times longer on the debug kernel (a 'report access' took over 180 s there)."""
    t0 = time.time()
    if timeout is None:
        timeout = 540 if SLOW else 180
    p = run([DAMO] + [str(a) for a in args], check_rc=False, timeout=timeout)
    log("  damo %s: exit %d in %.1f s" % (args[0], p.returncode, time.time() - t0))
    return p.returncode, p.stdout, p.stderr


def damo_regions(probes=False):
    """[(start, end, nr_accesses, age)] from damo's report of the running kdamond; with
    probes, (start, end, nr_accesses, age, [probe hits])."""
    fmt = "<start address> <end address> <access rate> <age>" + (" <probe hits>" if probes
                                                                 else "")
    rc, out, err = damo("report", "access", "--raw_number", "--style", "detailed",
                        "--format_region", fmt)
    if rc != 0:
        log("  damo report: exit %d: %s" % (rc, err.strip()))
        return []
    regs = []
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 4 and all(x.replace(".", "").isdigit() for x in f) and (
                probes or len(f) == 4):
            r = (int(f[0]), int(f[1]), float(f[2]), int(f[3]))
            regs.append(r + ([int(x) for x in f[4:]],) if probes else r)
    return regs

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The reporters drop kernel addresses, counted as filtered.  AMD IBS op cannot exclude the
kernel (PERF_PMU_CAP_NO_EXCLUDE, arch/x86/events/amd/ibs.c:703, refused with -EINVAL by
perf_try_init_event(), kernel/events/core.c:12065; 6.12's perf_ibs_handle_irq(), ibs.c:1031,
filters nothing), so its samples of kernel-mode ops reach the BPF program with kernel data
addresses, and handle_access_paddr() (bpf/reporter.bpf.c, shared by on_sample and the fault
programs) must drop them.  No IBS here: the real BPF object is loaded (the verifier passes it
on this kernel) and its raw_tp fault program is run by BPF_PROG_TEST_RUN on chosen addresses;
the stats map tells what it did with each."""
import ctypes
import json
import os
import struct
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

# The object every loader build embeds (build/asan has no BPF of its own).
OBJ = next((o for o in (os.path.join(d, "bpf", "reporter.bpf.o") for d in
                        (BUILD, os.path.join(TOP, "build"))) if os.path.exists(o)),
           os.path.join(BUILD, "bpf", "reporter.bpf.o"))
BPF_OBJ_GET, BPF_PROG_TEST_RUN = 7, 10
NR_BPF = 321  # x86-64
libc = ctypes.CDLL(None, use_errno=True)


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(NR_BPF, cmd, buf, 128)
    if r < 0:
        raise OSError(ctypes.get_errno(), "bpf(%d): %s" % (cmd, os.strerror(ctypes.get_errno())))
    return r, buf.raw


def obj_get(path):
    p = ctypes.create_string_buffer(path.encode())
    return bpf(BPF_OBJ_GET, struct.pack("<QII", ctypes.addressof(p), 0, 0))[0]


def test_run(fd, args):
    """BPF_PROG_TEST_RUN of a raw_tp program: ctx_in is its u64 arguments."""
    ctx = ctypes.create_string_buffer(struct.pack("<%dQ" % len(args), *args))
    # prog_fd, retval, data_size_in, data_size_out, data_in, data_out, repeat, duration,
    # ctx_size_in, ctx_size_out, ctx_in, ctx_out, flags, cpu (union bpf_attr's test)
    bpf(BPF_PROG_TEST_RUN, struct.pack("<IIIIQQIIIIQQII", fd, 0, 0, 0, 0, 0, 0, 0,
                                       len(args) * 8, 0, ctypes.addressof(ctx), 0, 0, 0))


def stats(m):
    d = json.loads(run(["bpftool", "-j", "map", "dump", "pinned", m + "/stats"]).stdout)
    tot = {}
    for v in d[0]["formatted"]["values"]:
        for k, n in v["value"].items():
            tot[k] = tot.get(k, 0) + n
    return tot


need(os.path.exists(OBJ), "%s built" % OBJ)
tmp = tempfile.mkdtemp(prefix="kaddr-")  # no dot: libbpf turns dots of pin paths into _
run(["mount", "-t", "bpf", "bpf", tmp])
try:
    os.mkdir(tmp + "/m")
    p = run(["bpftool", "prog", "loadall", OBJ, tmp + "/p", "pinmaps", tmp + "/m"],
            check_rc=False)
    need(p.returncode == 0, "reporter.bpf.o loads (the verifier takes every program): %s" %
         (p.stderr.strip()[-300:] or "ok"))
    fd = obj_get(tmp + "/p/fault_raw")
    X86_PF_WRITE = 2
    cases = [
        (0x00007f0000001000, True, "a user address (4-level paging)"),
        (0x00fffffffffff000, True, "the last user page with 5-level paging"),
        (0x7fffffffffffffff, True, "the highest address without bit 63"),
        (0xffff888000000000, False, "the direct map (4-level)"),
        (0xff11000000000000, False, "the direct map (5-level)"),
        (0xffffffff81000000, False, "kernel text"),
        (0x8000000000000000, False, "bit 63 alone"),
    ]
    for addr, kept, what in cases:
        before = stats(tmp + "/m")
        test_run(fd, [addr, 0, X86_PF_WRITE])
        after = stats(tmp + "/m")
        d = {k: after[k] - before[k] for k in after}
        if kept:
            check(d["seen"] == 1 and d["filtered"] == 0 and d["writes"] == 1 and
                  d["aggregated"] == 1, "%#x, %s: counted (%s)" % (addr, what, d))
        else:
            check(d["seen"] == 1 and d["filtered"] == 1 and d["writes"] == 0 and
                  d["aggregated"] == 0, "%#x, %s: dropped as filtered (%s)" % (addr, what, d))
    os.close(fd)
finally:
    subprocess.run(["umount", tmp])
    os.rmdir(tmp)
done()

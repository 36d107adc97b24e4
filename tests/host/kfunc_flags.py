#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The kfunc's flags, as the kernel's BTF has them (enum damon_bpf_report_flags in
vmlinux/vmlinux.h, generated from the patched kernel) and as bpf/damon_bpf.h repeats them for
the loader and the reporters: the same names with the same values, the source bits included."""
import os
import re
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

vmlinux = open(os.path.join(TOP, "vmlinux", "vmlinux.h")).read()
m = re.search(r"enum damon_bpf_report_flags \{(.*?)\};", vmlinux, re.S)
check(m is not None, "vmlinux.h has enum damon_bpf_report_flags (the kernel's BTF)")
kernel = {}
if m:
    for name, val in re.findall(r"(\w+)\s*=\s*(\d+)", m.group(1)):
        kernel[name] = int(val)
log("  kernel: %s" % kernel)

header = open(os.path.join(TOP, "bpf", "damon_bpf.h")).read()
ours = {}
for name, expr in re.findall(r"#define\s+(DAMON_BPF_(?:F|SRC)_\w+)\s+(.*?)(?:\s*/\*.*)?$",
                             header, re.M):
    ours[name] = expr
log("  bpf/damon_bpf.h: %s" % ours)


def value(expr):
    expr = re.sub(r"(\d+)ULL", r"\1", expr)
    expr = re.sub(r"\bDAMON_BPF_\w+\b", lambda w: "(%s)" % ours[w.group(0)], expr)
    return eval(expr, {})


for name, v in sorted(kernel.items()):
    if name == "DAMON_BPF_SRC_MASK" and name not in ours:
        # the header spells the mask as 4 bits from SRC_SHIFT
        check(v == 0xf << kernel["DAMON_BPF_SRC_SHIFT"], "DAMON_BPF_SRC_MASK is 4 bits from "
              "DAMON_BPF_SRC_SHIFT (%#x)" % v)
        continue
    check(name in ours and value(ours[name]) == v,
          "%s = %#x in both (damon_bpf.h: %s)" % (name, v, ours.get(name)))
check(len(kernel) >= 5, "the enum has the three flags, the source shift and mask (%d names)" %
      len(kernel))
done()

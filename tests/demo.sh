#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make demo: runs in the test guest (tests/vm/run --cmd).  Shows the fault reporter counting a
# workload's accesses per CPU, reads and writes, against the workload's own ground truth.
B=$DB_BUILD
echo
echo "== damon-bpf demo: threads pinned to CPU 0 read 2 MiB and write 1 MiB;"
echo "== threads on CPU 1 read 1 MiB and write 3 MiB (4 KiB pages)."
echo
echo "\$ damon-bpf count --range 0x600000000000-0x700000000000 -- workload ..."
$B/damon-bpf count --range 0x600000000000-0x700000000000 -- \
	$B/workloads/workload --passes 3 --region r:2M@0 --region w:1M@0 --region r:1M@1 --region w:3M@1 |
	grep -v '^{'
echo
echo "Ground truth: CPU 0 512 reads 256 writes; CPU 1 256 reads 768 writes."

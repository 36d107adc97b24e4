/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf bench: what the reporters cost.  A child process churns page faults (drops a
 * region with MADV_DONTNEED and writes it again, pinned to CPU 0) for --duration in each
 * phase; phases alternate over --rounds so that the machine's noise hits them alike:
 *
 *   off       nothing attached
 *   empty     an empty tp_btf program on page_fault_user (the hook's own cost)
 *   fallback  the fault reporter aggregating in maps (no kfunc)
 *   kfunc     the fault reporter calling bpf_damon_report_access() into a DAMON context of
 *             ours (vaddr on the child, page_fault primitive): only where the kernel has the
 *             kfunc and DAMON sysfs is free; what 'monitor' runs in DAMON mode
 *   kfunc+map the same, also aggregating in the "accesses" map by 4 KiB page, CPU and write
 *             bit: what 'monitor' ran in DAMON mode before its breakdown came from probes
 *
 * view/bench.c prints them side by side: faults per second and its ratio to 'off', and the
 * programs' own run_time_ns / run_cnt from BPF run-time statistics.
 */
#ifndef DAMON_BPF_SESSION_BENCH_H
#define DAMON_BPF_SESSION_BENCH_H

#include <stdbool.h>
#include <stdint.h>

struct bench_args {
	uint64_t duration_us, size;
	long rounds;
	bool json;
};

/* Runs every phase over the rounds and prints the results; the exit status. */
int bench_run(const struct bench_args *a);

#endif

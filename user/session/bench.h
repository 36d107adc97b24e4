/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf bench: what watching costs.  One child process, pinned to CPU 0, runs a workload
 * for the whole run; each phase attaches something to it for --duration and counts the work
 * the child did meanwhile.  The phases take turns over --rounds (the first phase of a round
 * rotates) so that the machine's noise hits them alike.  Workloads and their phases:
 *
 * churn (faults: drops a region with MADV_DONTNEED and writes it again)
 *   off       nothing attached
 *   empty     an empty tp_btf program on page_fault_user (the hook's own cost)
 *   fallback  the fault reporter aggregating in maps (no kfunc)
 *   kfunc     the fault reporter calling bpf_damon_report_access() into a DAMON context of
 *             ours (vaddr on the child, page_fault primitive): what 'monitor' runs in
 *             DAMON mode
 *   kfunc+map the same, also aggregating in the "accesses" map by 4 KiB page, CPU and write
 *             bit: what 'monitor' ran in DAMON mode before its breakdown came from probes
 *
 * compute (operations: reads and writes random words of a working set, computing between)
 *   off        nothing attached
 *   pte        DAMON page-table sampling (vaddr, default attributes)
 *   fault      DAMON's page-fault primitive alone: arming, in-kernel reports
 *   fault+bpf  the same plus the fault reporter into the kfunc
 *   perf       the same context fed by the perf reporter (software page-faults event where
 *              no PMU samples); on a stock kernel the reporter aggregates in maps
 *
 * DAMON phases run only on the patched kernel (the kfunc tells it) with DAMON sysfs free: a
 * stock kernel's DAMON (the host's) is never written.  Each DAMON context has a stat scheme
 * whose tried regions count the regions; the kdamond's CPU time comes from its
 * /proc/PID/stat.  view/bench.c prints the medians.
 */
#ifndef DAMON_BPF_SESSION_BENCH_H
#define DAMON_BPF_SESSION_BENCH_H

#include <stdbool.h>
#include <stdint.h>

enum bench_workload { BENCH_CHURN, BENCH_COMPUTE };

struct bench_args {
	uint64_t duration_us, size;	/* size 0: the workload's default */
	long rounds;
	enum bench_workload workload;
	bool json;
};

/* Runs every phase over the rounds and prints the results; the exit status. */
int bench_run(const struct bench_args *a);

#endif

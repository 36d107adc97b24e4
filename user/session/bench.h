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
 *
 * accuracy (session/accuracy.c) measures what monitoring sees, not what it costs: a workload
 * that prints its ground truth (tests/workloads/workload, by default a scattered hot set:
 * mode s) runs for the whole bench, and each mode is a monitor session on it, the spec
 * built from a monitor command line by the caller's monitor_spec (cli/monitor.c: exactly
 * what 'damon-bpf monitor --pid PID OPTIONS' runs) and run by the runner; its snapshots
 * are scored against the truth (view/accuracy.h).
 */
#ifndef DAMON_BPF_SESSION_BENCH_H
#define DAMON_BPF_SESSION_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include "session/runner.h"

enum bench_workload { BENCH_CHURN, BENCH_COMPUTE, BENCH_ACCURACY };

/* A monitor command line (argv[0] the command's name) as a spec and run options; 0 or 64. */
typedef int (*bench_monitor_fn)(int argc, char **argv, struct spec *sp, struct run_opts *o);

struct bench_args {
	uint64_t duration_us, size;	/* 0: the workload's default */
	long rounds;
	enum bench_workload workload;
	bool json;
	/* accuracy */
	long nr_chunks;			/* hot chunks of chunk bytes (0: the default, 8 of 1M) */
	uint64_t chunk;
	uint64_t seed;
	char **cmd;			/* the workload command (NULL-terminated), NULL: default */
	bool aslr;			/* the workload's layout randomised (else ADDR_NO_RANDOMIZE) */
	bench_monitor_fn monitor_spec;
};

/* Runs every phase over the rounds and prints the results; the exit status. */
int bench_run(const struct bench_args *a);
/* bench --workload accuracy (session/accuracy.c); the exit status. */
int bench_accuracy_run(const struct bench_args *a);

#endif

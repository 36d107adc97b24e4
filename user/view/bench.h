/* SPDX-License-Identifier: GPL-2.0 */
/* damon-bpf: the results of 'bench', one row (or JSON member) a phase. */
#ifndef DAMON_BPF_VIEW_BENCH_H
#define DAMON_BPF_VIEW_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#define BENCH_MAX_ROUNDS 100
#define BENCH_MAX_PHASES 5	/* the most phases a workload has */

/* What a phase attaches to the workload. */
struct bench_phase {
	const char *name;		/* the row's name and JSON key */
	bool empty;			/* the empty tp_btf program on page_fault_user */
	bool fault, perf;		/* the reporter's sources */
	bool maps;			/* the reporter aggregates in maps (no kfunc) */
	bool map_pages;			/* ... and also calls the kfunc (4 KiB buckets) */
	bool page_table, page_fault;	/* a DAMON context of ours (vaddr on the workload) */
};

/* One round of one phase. */
struct bench_sample {
	double work, secs;		/* the workload's operations (or faults), the time */
	double kd_ns;			/* the kdamond's CPU time (utime + stime); -1: none */
	double nr_regions, samples;	/* its regions at the end, sampling intervals passed */
	uint64_t ns, cnt;		/* the measured program's run time and runs */
};

struct bench_result {
	struct bench_phase ph;		/* as run: on a stock kernel perf runs in maps */
	struct bench_sample s[BENCH_MAX_ROUNDS];	/* s[r]: round r */
	int n;				/* rounds run */
	const char *why;		/* why the phase did not run (n/a) */
	const char *note;		/* how it ran, when not as its name says */
};

struct bench_report {
	const char *workload, *unit;	/* "compute" "ops", or "churn" "faults" */
	uint64_t size;
	double duration_s;
	long rounds;
	char perf_desc[512];		/* the perf source's events, when the perf phase ran */
	struct bench_result res[BENCH_MAX_PHASES];	/* res[0]: nothing attached */
	int nr;
};

void bench_print(const struct bench_report *rep, bool json);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: how well a session's regions match a workload's ground truth.  The truth is the
 * first JSON line of tests/workloads/workload (its regions, and the hot chunks of a mode s
 * region); a snapshot is scored against it, bytes weighted, inside the workload's regions:
 *
 *   called accessed  a DAMON region (fallback: a bucket) with nr_accesses > 0
 *   hot              the ranges the workload touches every pass that the session should
 *                    count: those of its CPUs (--cpus), its kind (--write-only, --read-only)
 *   precision        hot bytes in regions called accessed / bytes of those regions
 *   recall           hot bytes in regions called accessed / hot bytes
 *
 * Used by 'bench --workload accuracy' (every snapshot of its monitor sessions) and by
 * 'report FILE --truth TRUTH' (a record file's snapshots).  See docs/usage.md.
 */
#ifndef DAMON_BPF_VIEW_ACCURACY_H
#define DAMON_BPF_VIEW_ACCURACY_H

#include <stdbool.h>
#include <stdint.h>
#include "view/bench.h"
#include "view/view.h"

/* A range of the workload's: a region (the truth's scope), or a range it keeps touching. */
struct truth_range {
	uint64_t start, end;
	int cpu;			/* the CPU its thread is pinned to, -1: not pinned */
	bool write;			/* written every pass (else read) */
};

struct truth {
	int pid;
	struct truth_range *scope;	/* the workload's regions: where the truth is known */
	int nr_scope;
	struct truth_range *hot;	/* what is touched every pass: hot regions, s's chunks */
	int nr_hot;
};

/* What a session counts: its --cpus (NULL: every CPU) and --write-only / --read-only. */
struct truth_filter {
	const uint8_t *cpus;		/* [DAMON_BPF_MAX_CPUS] */
	enum rw_filter rw;
};

/* One snapshot's figures. */
struct accuracy {
	uint64_t hot;			/* bytes the session should see accessed */
	uint64_t accessed;		/* bytes (in scope) of the regions called accessed */
	uint64_t hit;			/* hot bytes inside those regions */
	double precision, recall;	/* hit / accessed, hit / hot; NaN when that is 0 / 0 */
	int nr_regions;			/* regions of the workload's pid overlapping the scope */
	/*
	 * All the regions of the workload's pid, in scope or not, and their bytes: the address
	 * space DAMON monitors (its three ranges: their size sets the regions' size limit,
	 * total / min_nr_regions, so the process' layout weighs on the figures).
	 */
	int nr_all_regions;
	uint64_t monitored;
};

/*
 * Reads the ground truth from text (the workload's first JSON line); 0, or -1 with the
 * reason in errbuf.  truth_free() frees what it holds (also after a failure).
 */
int truth_parse(const char *text, struct truth *t, char *errbuf, size_t len);
void truth_free(struct truth *t);
/* Whether hot range h counts for f: 1 it should be seen, 0 not, -1 unknown (not pinned). */
int truth_expected(const struct truth_range *h, const struct truth_filter *f);
/*
 * Scores snapshot s against t for a session counting f.  Regions of other processes than
 * t->pid (when the snapshot names them) and bytes outside the scope are left out; so are the
 * bytes of hot ranges whose CPU is unknown when f picks CPUs (truth_expected() -1).
 */
void accuracy_score(const struct truth *t, const struct truth_filter *f,
		    const struct snapshot *s, struct accuracy *a);
/* 'report --truth': a snapshot's figures as a line of text or one JSON object. */
void accuracy_print(FILE *f, double time, const struct accuracy *a, bool json);
/*
 * 'report RECORD --truth TRUTH': every snapshot of the record file scored against the truth
 * file (the workload's output: its first line), for a session that counted f; 0, or -1.
 */
int accuracy_replay(const char *record, const char *truth, const struct truth_filter *f,
		    bool json);

/* 'bench --workload accuracy': one session (a mode in a round), a point a snapshot. */
struct accuracy_point {
	double time;
	struct accuracy a;
};

struct accuracy_round {
	struct accuracy_point *pts;	/* the last one is the round's figure */
	int nr, cap;
	/*
	 * The kdamond's CPU time from the session's time 0 to kd_time_s, when it was read at
	 * the last snapshot (kd_known: it could be read), and the intervals: an estimate of the
	 * aggregation intervals the session had (mode_stats()).
	 */
	bool kd_known;
	double kd_cpu_s, kd_time_s, sample_s, aggr_s;
};

#define ACCURACY_MAX_MODES 5

struct accuracy_mode {
	const char *name;		/* the row's name and JSON key: fault, cpus=0, ... */
	const char *args;		/* its monitor options ("--cpus 0"), beside --pid */
	struct truth_filter filter;	/* what the mode counts */
	uint8_t cpus[DAMON_BPF_MAX_CPUS];	/* filter.cpus, when it picks CPUs */
	const char *why;		/* why it did not run (n/a) */
	struct accuracy_round r[BENCH_MAX_ROUNDS];
	int n;				/* rounds run */
};

struct accuracy_report {
	double duration_s;
	long rounds;
	bool aslr;			/* the workload's layout randomised */
	char command[1024];		/* the workload's command line */
	struct truth truth;		/* the first round's: every round's lists the same ranges */
	int pids[BENCH_MAX_ROUNDS];	/* each round's workload */
	int nr_pids;
	struct accuracy_mode modes[ACCURACY_MAX_MODES];
	int nr;
};

void accuracy_report_print(const struct accuracy_report *rep, bool json);
void accuracy_report_free(struct accuracy_report *rep);

#endif

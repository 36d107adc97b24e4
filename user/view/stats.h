/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: the report of a scheme session, one interval or one 'status' entry: per target
 * (per-target schemes), per shared scheme (with its quota goals), per node the schemes name.
 * The session gathers it (session/report.c); this view prints it as a table or one JSON line.
 */
#ifndef DAMON_BPF_VIEW_STATS_H
#define DAMON_BPF_VIEW_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define STATS_MAX_ROWS 64
#define STATS_MAX_GOALS 4
#define STATS_MAX_NODES 64

struct stats_counts {
	uint64_t nr_tried, sz_tried, nr_applied, sz_applied, qt_exceeds;
};

struct stats_target {
	int pid;
	int idx;				/* its scheme's position in the context */
	const char *action;
	struct stats_counts st;
	uint64_t swap_kb, anon_huge_kb;		/* VmSwap, AnonHugePages */
};

struct stats_goal {
	const char *metric;
	int nid;
	uint64_t target_value, current_value;
};

struct stats_scheme {
	int idx;				/* position among the context's schemes */
	const char *action;
	int target_nid;
	struct stats_counts st;
	uint64_t effective_sz;			/* 0: the kernel cannot say */
	struct stats_goal goals[STATS_MAX_GOALS];
	int nr_goals;
};

struct stats_node {
	int nid;
	uint64_t total_kb, free_kb;
};

struct stats_report {
	double time;
	/* status: the session leads (name != NULL); a live interval has none */
	const char *name, *owner_command;
	int owner;
	const char *command;			/* policy.command ("" for a plain spec) */
	bool collapse;				/* collapse: the threshold is shown */
	uint32_t min_access, max_access;
	struct stats_target targets[STATS_MAX_ROWS];
	int nr_targets;
	struct stats_scheme schemes[STATS_MAX_ROWS];
	int nr_schemes;
	struct stats_node nodes[STATS_MAX_NODES];
	int nr_nodes;
};

void stats_print(FILE *f, const struct stats_report *r, bool json);

#endif

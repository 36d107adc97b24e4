/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: DAMON sysfs (/sys/kernel/mm/damon/admin), written the way damo writes it.
 * Only kdamonds this process created are ever changed or stopped.
 */
#ifndef DAMON_BPF_DAMON_H
#define DAMON_BPF_DAMON_H

#include <stdbool.h>
#include <stdint.h>
#include "reporter.h"

#define DAMON_ADMIN "/sys/kernel/mm/damon/admin"
#define DAMON_MAX_TARGETS 64
#define DAMON_MAX_HOLES 32		/* unmapped ranges a reclaim target's scheme skips */

struct damon_access_pattern {
	uint64_t sz_min, sz_max;
	uint32_t nr_min, nr_max;	/* nr_accesses */
	uint32_t age_min, age_max;	/* in aggregation intervals */
};

struct damon_wmarks {
	const char *metric;		/* NULL or "none": always active; "free_mem_rate" */
	uint64_t interval_us;
	uint32_t high, mid, low;	/* per mille of free memory */
};

struct damon_scheme_cfg {
	const char *action;		/* stat, pageout, collapse, migrate_hot, ... */
	struct damon_access_pattern pattern;
	uint64_t quota_ms, quota_sz, quota_reset_ms;
	int target_nid;			/* migrate_*: destination node, -1 none */
	int only_target;		/* apply to this target index only (filter), -1: all */
	const uint64_t (*skip)[2];	/* address ranges to leave alone (addr filters) */
	int nr_skip;
	struct damon_wmarks wmarks;
};

struct damos_stats {
	uint64_t nr_tried, sz_tried, nr_applied, sz_applied, qt_exceeds;
};

struct damon_ctx_cfg {
	const char *ops;		/* "vaddr" or "paddr" */
	uint64_t sample_us, aggr_us, update_us;
	uint64_t min_nr_regions, max_nr_regions;
	int pids[DAMON_MAX_TARGETS];
	int nr_pids;
	/* monitoring_attrs/sample (kernel/patches): primitives and filters */
	bool page_table, page_fault;
	const uint8_t *cpus;		/* cpumask filter, or NULL */
	enum rw_filter rw;		/* write (or read) filter */
	struct damon_scheme_cfg schemes[DAMON_MAX_TARGETS];
	int nr_schemes;
};

struct damon_session {
	int kdamond;			/* index under kdamonds/, -1: none */
	char dir[128];			/* .../kdamonds/N */
};

struct damon_region {
	uint64_t start, end;
	uint32_t nr_accesses, age;
	int target;			/* index of the target, -1 unknown */
};

void damon_ctx_defaults(struct damon_ctx_cfg *c);
/* Whether DAMON sysfs exists; errors say what is missing. */
int damon_check(void);
/* Whether the kernel has monitoring_attrs/sample (only knowable with a context: probe). */
bool damon_has_sample(const struct damon_session *s);
/* Creates our kdamond; refuses when the sysfs holds kdamonds of someone else. */
int damon_claim(struct damon_session *s);
int damon_apply(struct damon_session *s, const struct damon_ctx_cfg *c);
int damon_start(struct damon_session *s);
/* Applies a changed config to the running kdamond ("commit"). */
int damon_commit(struct damon_session *s, const struct damon_ctx_cfg *c);
/* Stops and removes our kdamond; safe to call twice. */
void damon_release(struct damon_session *s);
bool damon_running(const struct damon_session *s);
int damon_kdamond_pid(const struct damon_session *s);
/* Refreshes and reads the stats of schemes 0..n-1. */
int damon_scheme_stats(struct damon_session *s, struct damos_stats *st, int n);
/* The pids of the running context's targets, from sysfs; returns their number or -1. */
int damon_target_pids(const struct damon_session *s, int *pids, int max);
/* Regions of scheme idx through tried_regions; *out is malloc'd, sorted by address. */
int damon_regions(struct damon_session *s, int scheme, struct damon_region **out, int *n);

#endif

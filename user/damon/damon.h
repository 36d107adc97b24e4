/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: DAMON sysfs (/sys/kernel/mm/damon/admin), written the way damo writes it.
 * Only kdamonds this process created are ever changed or stopped.
 *
 * Layer damon/: the context config types, the sysfs writer (apply.c, kdamond.c) and reader
 * (read.c), kdamond ownership (owner.c) and the NUMA facts schemes need (node.c).  Knows
 * nothing of specs, sessions or BPF; may call lib/ only.  Called by session/ (and spec/
 * for its types, cli/ for node checks).
 */
#ifndef DAMON_BPF_DAMON_H
#define DAMON_BPF_DAMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "damon_bpf.h"		/* enum rw_filter, DAMON_BPF_MAX_CPUS */

#define DAMON_ADMIN "/sys/kernel/mm/damon/admin"
#define DAMON_MAX_TARGETS 64
#define DAMON_MAX_SCHEMES 64
#define DAMON_MAX_RANGES 32		/* fixed regions of a target (fvaddr) */

struct damon_access_pattern {
	uint64_t sz_min, sz_max;
	uint32_t nr_min, nr_max;	/* nr_accesses */
	uint32_t age_min, age_max;	/* in aggregation intervals */
};

struct damon_wmarks {
	char metric[16];		/* "" or "none": always active; "free_mem_rate" */
	uint64_t interval_us;
	uint32_t high, mid, low;	/* per mille of free memory */
};

#define DAMOS_MAX_GOALS 4
#define DAMOS_MAX_FILTERS 8

/* A quota goal: user_input, some_mem_psi_us, node_mem_used_bp, node_mem_free_bp. */
struct damos_goal_cfg {
	char metric[24];
	uint64_t target_value;
	int nid;			/* node_mem_*: the node */
};

/* A DAMOS filter (6.12 filters exclude what matches 'matching'). */
struct damos_filter_cfg {
	char type[16];			/* anon, memcg, young, addr, target */
	bool matching;
	int target_idx;			/* target */
	uint64_t start, end;		/* addr */
	bool by_node;			/* addr: the range of node 'node', found at run time */
	int node;
	char memcg[128];		/* memcg: path */
};

/*
 * Probes (data attributes monitoring: monitoring_attrs/probes, mainline 7.2 for the page
 * types anon and memcg, kernel/patches for the report types cpumask, threads, write and
 * source): each counts its hits per region beside nr_accesses.  A filter's value is what
 * its type takes: a memory cgroup path (memcg), a CPU list (cpumask), thread IDs (threads),
 * a source number (source).
 */
#define DAMON_MAX_PROBES 4
#define DAMON_MAX_PROBE_FILTERS 4

struct probe_filter_cfg {
	char type[8];
	bool matching, allow;
	char value[128];
};

struct probe_cfg {
	struct probe_filter_cfg filters[DAMON_MAX_PROBE_FILTERS];
	int nr_filters;
};

struct damon_scheme_cfg {
	char action[24];		/* stat, pageout, collapse, migrate_hot, ... */
	struct damon_access_pattern pattern;
	uint64_t quota_ms, quota_sz, quota_reset_ms;
	uint32_t w_sz, w_nr, w_age;	/* quota weights, per mille */
	struct damos_goal_cfg goals[DAMOS_MAX_GOALS];
	int nr_goals;
	int target_nid;			/* migrate_*: destination node, -1 none */
	struct damos_filter_cfg filters[DAMOS_MAX_FILTERS];
	int nr_filters;
	struct damon_wmarks wmarks;
};

struct damos_stats {
	uint64_t nr_tried, sz_tried, nr_applied, sz_applied, qt_exceeds;
};

struct damon_ctx_cfg {
	char ops[8];			/* "vaddr" or "paddr" */
	uint64_t sample_us, aggr_us, update_us;
	uint64_t min_nr_regions, max_nr_regions;
	int pids[DAMON_MAX_TARGETS];
	int nr_pids;
	/*
	 * Targets to remove at this commit: they keep their positions in pids[] (the kernel
	 * matches targets by position) and are written with obsolete_target=Y.
	 */
	bool obsolete[DAMON_MAX_TARGETS];
	uint64_t region_start, region_end;	/* paddr: the physical range monitored */
	/* fvaddr: each target's fixed regions (its mapped ranges) */
	const uint64_t (*ranges[DAMON_MAX_TARGETS])[2];
	int nr_ranges[DAMON_MAX_TARGETS];
	/* monitoring_attrs/sample (kernel/patches): primitives and filters */
	bool page_table, page_fault;
	const uint8_t *cpus;		/* cpumask filter, or NULL */
	enum rw_filter rw;		/* write (or read) filter */
	struct probe_cfg probes[DAMON_MAX_PROBES];
	int nr_probes;
	struct damon_scheme_cfg schemes[DAMON_MAX_SCHEMES];
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
	uint32_t probe_hits[DAMON_MAX_PROBES];	/* of the context's probes */
	int nr_probes;
};

/* --- NUMA nodes (damon/node.c) --- */
/* The physical address range of node nid's memory (nid -1: of all nodes), from zoneinfo. */
int node_phys_range(int nid, uint64_t *start, uint64_t *end);
/* Whether node nid exists and has memory; errors (prefixed with what) list the nodes. */
int node_check(int nid, const char *what);
/* kB of MemTotal and MemFree of node nid, or -1. */
int node_mem(int nid, uint64_t *total_kb, uint64_t *free_kb);
/* --- sysfs values (damon/sysfs.c): dir/rel, the trailing newline cut --- */
int damon_read(const char *dir, const char *rel, char *buf, size_t len);
int damon_read_long(const char *dir, const char *rel, long min, long max, long *out);

/* --- ownership (damon/owner.c) --- */
/*
 * Whether the kdamond an owner record names (index, pid, first target; -1: not known) is
 * still the one the session created; d is then set to it.  damon-bpf makes at most one
 * kdamond, so there must be exactly one.
 */
bool damon_is_ours(struct damon_session *d, int kdamond, int kdamond_pid, int first_pid);

/* --- our kdamond (damon/kdamond.c, damon/apply.c, damon/read.c) --- */
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
/* The same, but a refused commit is -1 with errno and no message (the caller decides). */
int damon_commit_quiet(struct damon_session *s, const struct damon_ctx_cfg *c);
/* Says why damon_commit_quiet() failed (errno e; 0: its file write said it already); -1. */
int damon_commit_failed(const struct damon_session *s, int e);
/* Stops and removes our kdamond; safe to call twice. */
void damon_release(struct damon_session *s);
bool damon_running(const struct damon_session *s);
int damon_kdamond_pid(const struct damon_session *s);
/*
 * Refreshes and reads the stats of schemes 0..n-1.  With busy, a refresh that DAMON kept
 * refusing with EBUSY past the retries (another writer's long tried_regions update; seconds
 * on a debug kernel) is no error: 0 with *busy set and st untouched.
 */
int damon_scheme_stats(struct damon_session *s, struct damos_stats *st, int n, bool *busy);
/* Asks the kernel to refresh the effective quotas and the goals' current values. */
void damon_update_quotas(struct damon_session *s);
/* Current values of scheme i's quota goals (as of the last damon_update_quotas()), and its
 * effective quota in bytes (0 if the kernel cannot say). */
int damon_goal_values(struct damon_session *s, int scheme, uint64_t *cur, int nr_goals,
		      uint64_t *esz);
/* Whether the kernel has targets/N/obsolete_target (removal from the middle by commit). */
bool damon_has_obsolete(const struct damon_session *s);
/* The pids of the running context's targets, from sysfs; returns their number or -1. */
int damon_target_pids(const struct damon_session *s, int *pids, int max);
/* Regions of scheme idx through tried_regions; *out is malloc'd, sorted by address. */
int damon_regions(struct damon_session *s, int scheme, struct damon_region **out, int *n);

#endif

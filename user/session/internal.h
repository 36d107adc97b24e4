/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: the state of a running spec, shared by the files of session/ (not a header for
 * other layers: they use session/runner.h).  runner.c owns the loop; targets.c changes the
 * target list (retire, add, drop the exited); ranges.c follows the targets' mappings; tune.c
 * adjusts the collapse threshold; report.c gathers the interval's stats for the view;
 * change.c attaches to a running session for --add/--remove and status.  What differs
 * between a scheme session (reclaim, collapse, tier, run) and a monitoring one is a
 * struct session_kind: runner.c's scheme_kind, monitor.c's monitor_kind.
 */
#ifndef DAMON_BPF_SESSION_INTERNAL_H
#define DAMON_BPF_SESSION_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "bpf/reporter.h"
#include "damon/damon.h"
#include "session/session.h"
#include "spec/spec.h"

/* A target's mapped ranges: its address space without its largest unmapped gaps. */
struct ranges {
	uint64_t r[DAMON_MAX_RANGES][2];
	int n;
};

struct runner;
struct run_opts;
struct monitor;

/* A tick's outcome: go on (TICK_WAIT: with no target left, until the kdamond ends), or end. */
enum tick { TICK_NEXT, TICK_WAIT, TICK_DONE, TICK_FAILED, TICK_STOPPED };

/*
 * The steps of a kind of session, called by the runner: prepare (the kind's checks, its
 * name, r->sf's description, whether it needs a kdamond), the kernel's configuration, the
 * reporters, started (1: the session was handed over to its pins, nothing to loop), a tick
 * per interval, and end (the kind's own state; returns the exit status so far, or worse).
 */
struct session_kind {
	int (*prepare)(struct runner *r, const struct run_opts *o);
	void (*kernel_cfg)(struct runner *r, struct damon_ctx_cfg *c);
	int (*start_reporters)(struct runner *r);
	int (*started)(struct runner *r, const struct run_opts *o);
	enum tick (*tick)(struct runner *r, const struct run_opts *o, double t);
	int (*end)(struct runner *r, int ret);
};

extern const struct session_kind scheme_kind, monitor_kind;

struct runner {
	const struct session_kind *kind;
	struct spec sp;
	struct damon_session d;
	bool uses_damon;		/* a kdamond of ours (monitor's fallback mode: none) */
	bool recorded;			/* the owner record exists: end removes it */
	bool prom_written;		/* the --prom file is ours: end removes it */
	unsigned int stats_busy;	/* intervals whose stats DAMON was too busy to give */
	struct session_file sf;
	struct reporter rep;
	char name[65];
	char spec_path[256];
	struct monitor *mon;		/* a monitoring session's state */
	struct ranges ranges[DAMON_MAX_TARGETS];
	/* collapse --min-access auto */
	double last_change;
	uint64_t last_applied;
	bool found;
};

/* runner.c */
/* The kernel's view of the spec: with skip_unmapped, fvaddr targets of mapped ranges. */
void runner_kernel_cfg(struct runner *r, struct damon_ctx_cfg *c);
/*
 * Commits the spec to the running kdamond, then saves it as the session's state; targets
 * that exit under the commit are dropped instead (drop_exited()).
 */
int runner_commit(struct runner *r);
/* Whether a refused commit (errno e) was refused for a target that exited, not in gone[]. */
bool runner_commit_raced_exit(struct runner *r, int e, const bool *gone);
/* Nodes of schemes, goals and filters exist and have memory; node filters get ranges. */
int runner_check_nodes(struct spec *sp);

/* ranges.c */
void find_ranges(int pid, struct ranges *rg);
/* Re-reads the targets' ranges (skip_unmapped); whether any changed. */
bool refresh_ranges(struct runner *r);

/* targets.c */
/* Drops dead pids before anything starts; kernel threads are errors. */
int check_targets(struct runner *r);
/* Removes the targets gone[] marks from the running session, in one commit. */
int remove_targets(struct runner *r, const bool *gone);
/* Marks (and names) the targets that exited in gone[]; how many. */
int mark_exited(struct runner *r, bool *gone);
/* Drops targets that exited (policy.drop_exited); whether any is left. */
int drop_exited(struct runner *r, bool *any_left);
int add_target(struct runner *r, int pid, uint32_t prio, const struct damos_stats *st);

/* tune.c */
int collapse_tick(struct runner *r, const struct damos_stats *st, double now);

/* What a kdamond that is not running means: its targets exited, or it was stopped. */
enum tick runner_kdamond_gone(struct runner *r);

/* report.c */
/*
 * One interval's report (the view's stats): per target, per scheme, per node; raw[] are the
 * schemes' stats as the kernel counts them.  With a name (status), the record sf leads;
 * with prom, the report is also written to that metrics file.  0, or -1 (said) when the
 * metrics could not be written.
 */
int print_stats(struct runner *r, const struct damos_stats *raw, double t, bool json,
		const char *name, const struct session_file *sf, const char *prom);

#endif

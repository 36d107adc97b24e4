/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: running a spec (spec.h) as a session: one kdamond, optional BPF reporters, and a
 * loop that applies the policy (exited targets dropped, mapped ranges followed, priorities, collapse
 * threshold) and prints the schemes' effect every interval.  reclaim, collapse, tier and run
 * all end here; --add/--remove and status work on any of their sessions.
 */
#ifndef DAMON_BPF_SCHEMES_H
#define DAMON_BPF_SCHEMES_H

#include <argp.h>
#include "spec/spec.h"

struct run_opts {
	uint64_t interval_us;		/* print every (default 1 s) */
	uint64_t duration_us;		/* 0: until a signal */
	bool json;
};

/* Options every scheme command has (argp keys below OPT_CMD_BASE are taken). */
enum { OPT_QUOTA = 300, OPT_PRIORITY, OPT_ADD, OPT_REMOVE, OPT_NAME, OPT_SAMPLE, OPT_AGGR,
       OPT_CMD_BASE = 400 };

/* The options every scheme command lists last. */
#define SCHEME_COMMON_OPTIONS								\
	{ "name", OPT_NAME, "NAME", 0, "Session name (default: the command's name)" },	\
	{ "sample", OPT_SAMPLE, "TIME", 0, "Sampling interval (default 5ms)" },		\
	{ "aggr", OPT_AGGR, "TIME", 0, "Aggregation interval (default 100ms)" },	\
	{ "interval", 'i', "TIME", 0, "Print stats every TIME (default 1s)" },		\
	{ "duration", 'd', "TIME", 0, "Stop after TIME (default: until Ctrl-C)" },	\
	{ "json", 'j', NULL, 0, "One JSON object per interval" }

struct scheme_args {
	const char *cmd;
	int pids[DAMON_MAX_TARGETS], nr_pids;
	int prio_pid[DAMON_MAX_TARGETS];
	uint32_t prio[DAMON_MAX_TARGETS];
	int nr_prio;
	uint64_t quota_sz, quota_reset_ms, sample_us, aggr_us, interval_us, duration_us;
	int add, remove;
	uint32_t add_prio;
	const char *name;
	bool json;
	bool no_pids;			/* the command takes no --pid (tier) */
};

void scheme_args_init(struct scheme_args *a, const char *cmd, uint64_t quota_sz);
error_t scheme_args_opt(struct scheme_args *a, int key, char *arg, struct argp_state *state);
/* Checks at ARGP_KEY_END; returns true in --add/--remove mode (nothing more to check). */
bool scheme_args_end(struct scheme_args *a, struct argp_state *state);
/*
 * A new spec for the command: defaults, then the intervals, targets, priorities and session
 * name of the command line; the run options into o.
 */
void scheme_args_apply(const struct scheme_args *a, struct spec *sp, struct run_opts *o);

struct run_opts;
/* Parses a scheme command line into a spec (or, with --add/--remove, just the arguments). */
typedef int (*scheme_spec_fn)(int argc, char **argv, struct spec *sp, struct run_opts *o,
			      struct scheme_args *a);
/*
 * A scheme command: builds the spec, then changes the running session (--add/--remove) or
 * checks what only this machine can tell (check, may be NULL) and runs it.
 */
int schemes_command(int argc, char **argv, scheme_spec_fn build,
		    int (*check)(const struct spec *sp));

/* Runs sp until a signal, the duration, or the last target's exit; returns the exit status. */
int schemes_run(struct spec *sp, const struct run_opts *o);
/* Adds pid (with priority prio) to, or removes it from, the running session name. */
int schemes_change(const char *name, int add, int remove, uint32_t prio);
struct session_file;
/* Prints the scheme stats of the running scheme session name (for 'status'); -1 if it cannot. */
int schemes_status(const char *name, const struct session_file *sf, bool json);

/* Per-target schemes (reclaim, collapse): one scheme per target with a target filter. */
void schemes_add_per_target(struct spec *sp, const struct damon_scheme_cfg *tmpl);
/* Quotas, ages and watermarks of per-target schemes from the targets' priorities. */
void schemes_derive(struct spec *sp);
/* Whether node nid exists and has memory; errors say which and list the nodes. */
int node_check(int nid, const char *what);
/* Parses "PID:N" for --priority. */
int parse_priority(const char *arg, int *pid, uint32_t *prio);

#endif

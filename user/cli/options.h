/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: the options every scheme command (reclaim, collapse, tier, run) has, and how a
 * scheme command line becomes a spec.  Parsing only: the session layer runs the spec.
 */
#ifndef DAMON_BPF_CLI_OPTIONS_H
#define DAMON_BPF_CLI_OPTIONS_H

#include <argp.h>
#include "session/runner.h"
#include "spec/spec.h"

/* Options every scheme command has (argp keys below OPT_CMD_BASE are taken). */
enum { OPT_QUOTA = 300, OPT_PRIORITY, OPT_ADD, OPT_REMOVE, OPT_NAME, OPT_SAMPLE, OPT_AGGR,
       OPT_PROM, OPT_CMD_BASE = 400 };

/* --prom FILE, of every session command (docs/usage.md lists the metrics). */
#define PROM_OPTION \
	{ "prom", OPT_PROM, "FILE", 0, "Write Prometheus metrics to FILE every interval " \
	  "(node_exporter's textfile collector); removed at the end" }
/* Checks --prom's argument; the file's directory is checked when the session starts. */
void prom_arg(const char *arg, struct argp_state *state);

/* The options every scheme command lists last. */
#define SCHEME_COMMON_OPTIONS								\
	{ "name", OPT_NAME, "NAME", 0, "Session name (default: the command's name)" },	\
	{ "sample", OPT_SAMPLE, "TIME", 0, "Sampling interval (default 5ms)" },		\
	{ "aggr", OPT_AGGR, "TIME", 0, "Aggregation interval (default 100ms)" },	\
	{ "interval", 'i', "TIME", 0, "Print stats every TIME (default 1s)" },		\
	{ "duration", 'd', "TIME", 0, "Stop after TIME (default: until Ctrl-C)" },	\
	{ "json", 'j', NULL, 0, "One JSON object per interval" },			\
	PROM_OPTION

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
	const char *prom;
	bool no_pids;			/* the command takes no --pid (tier) */
};

void scheme_args_init(struct scheme_args *a, const char *cmd, uint64_t quota_sz);
error_t scheme_args_opt(struct scheme_args *a, int key, char *arg, struct argp_state *state);
/* Checks at ARGP_KEY_END; returns true in --add/--remove mode (nothing more to check). */
bool scheme_args_end(struct scheme_args *a, struct argp_state *state);
/*
 * Parses a scheme command line into input, whose common part is c (initialised for cmd with
 * the default quota), and copies c to out.  EXIT_USAGE on a usage error, else 0; then
 * out->add or out->remove means a change of a running session (no spec to build).
 */
int scheme_args_parse(const struct argp *argp, int argc, char **argv, void *input,
		      struct scheme_args *c, struct scheme_args *out);
/*
 * A new spec for the command: defaults, then the intervals, targets, priorities and session
 * name of the command line; the run options into o.
 */
void scheme_args_apply(const struct scheme_args *a, struct spec *sp, struct run_opts *o);
/* A scheme of action with the command line's quota, no target node: a template to refine. */
struct damon_scheme_cfg scheme_args_scheme(const struct scheme_args *a, const char *action);

/*
 * A command with one scheme per target (reclaim, collapse): its argp, the command's name,
 * default quota and scheme action, and refine(), which turns the command's own arguments
 * (input) into the spec's policy and the scheme template.
 */
struct per_target_cmd {
	const char *name;
	uint64_t quota_sz;
	const char *action;
	const struct argp *argp;
	void (*refine)(const void *input, struct spec *sp, struct damon_scheme_cfg *tmpl);
};

/*
 * Parses the command line into input (whose common part is c), then builds the spec: the
 * common options, the quota, the template refined, one scheme per target.  As a
 * scheme_spec_fn: EXIT_USAGE, or 0 (out->add/remove: nothing built).
 */
int per_target_spec(const struct per_target_cmd *cmd, void *input, struct scheme_args *c,
		    int argc, char **argv, struct spec *sp, struct run_opts *o,
		    struct scheme_args *out);

/* Parses a scheme command line into a spec (or, with --add/--remove, just the arguments). */
typedef int (*scheme_spec_fn)(int argc, char **argv, struct spec *sp, struct run_opts *o,
			      struct scheme_args *a);
/*
 * A scheme command: builds the spec, then changes the running session (--add/--remove) or
 * checks what only this machine can tell (check, may be NULL) and runs it.
 */
int schemes_command(int argc, char **argv, scheme_spec_fn build,
		    int (*check)(const struct spec *sp));

/* The spec builders of the scheme commands (for 'args'). */
int reclaim_spec(int argc, char **argv, struct spec *sp, struct run_opts *o,
		 struct scheme_args *out);
int collapse_spec(int argc, char **argv, struct spec *sp, struct run_opts *o,
		  struct scheme_args *out);
int tier_spec(int argc, char **argv, struct spec *sp, struct run_opts *o,
	      struct scheme_args *out);
int run_spec(int argc, char **argv, struct spec *sp, struct run_opts *o,
	     struct scheme_args *out);
int monitor_spec(int argc, char **argv, struct spec *sp, struct run_opts *o,
		 struct scheme_args *out);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: a whole setup as one value, the "spec": damo's shape (kdamonds -> contexts ->
 * targets, schemes) plus a "bpf" block (the reporters) and a "policy" block (what the loader
 * does while it runs: drop exited targets, per-target schemes, priorities, collapse
 * threshold).  Every scheme command builds one; 'args' prints it, 'run' reads it back.
 *
 * Layer spec/: the model (this header), JSON in (read.c, values.c: validation with file,
 * line and key path) and out (write.c), and the policy's pure functions (policy.c).  No
 * I/O but the spec files themselves.  May call lib/ and use damon/'s config types; called
 * by cli/ (building) and session/ (running).
 */
#ifndef DAMON_BPF_SPEC_H
#define DAMON_BPF_SPEC_H

#include <stdio.h>
#include "damon/damon.h"
#include "lib/json.h"

enum spec_owner { OWNER_SHARED = 0, OWNER_RETIRED = -1 };	/* or a pid */

struct spec {
	struct damon_ctx_cfg ctx;
	uint8_t cpus[DAMON_BPF_MAX_CPUS];	/* ctx.cpus points here when set */
	uint32_t prio[DAMON_MAX_TARGETS];	/* per target, parallel to ctx.pids; 1 default */
	/*
	 * Per-target schemes: owner[i] is the pid scheme i serves (a 'target' filter keeps it
	 * to that pid), OWNER_SHARED for schemes of all targets, OWNER_RETIRED for the scheme
	 * of a removed target, kept (a no-op) because the kernel matches schemes by position
	 * and the later schemes' stats must stay theirs.  base[i]: stats when i got its owner.
	 */
	int owner[DAMON_MAX_SCHEMES];
	struct damos_stats base[DAMON_MAX_SCHEMES];

	struct {
		char source[16];		/* reporters: "", "fault", "perf", "fault,perf" */
		bool no_prefilter;		/* report every access: DAMON's filters alone pick */
		bool no_kfunc;			/* aggregate in maps even where the kfunc exists */
		uint64_t perf_period;		/* of the perf source; 0: its default */
	} bpf;

	struct {
		char command[16];		/* monitor, reclaim, collapse, tier; "": plain */
		char name[65];			/* session name */
		bool drop_exited;		/* targets that exit are removed (else: kept) */
		bool skip_unmapped;		/* monitor mapped ranges only (fvaddr, see schemes.c) */
		/* per-target scheme derivation (reclaim): quota split, min-age x priority */
		uint64_t quota_sz;		/* the whole quota per reset interval */
		uint64_t min_age_us;
		struct damon_wmarks wmarks;	/* base watermarks for priorities */
		/* collapse: "auto" lowers the threshold until collapses happen */
		bool collapse_auto;
		uint32_t collapse_floor;
	} policy;
};

/* damo's defaults of a context: vaddr, 5 ms / 100 ms / 1 s, 10..1000 regions, page tables. */
void damon_ctx_defaults(struct damon_ctx_cfg *c);
/* The defaults: one vaddr context, no targets or schemes, damo's intervals. */
void spec_init(struct spec *sp);
/*
 * Reads a spec from a JSON file ("-": standard input), the loader's bookkeeping included when
 * present; errors name the file, the line and the key.
 */
int spec_load(struct spec *sp, const char *path);
int spec_from_json(struct spec *sp, struct json *root, const char *file);
/* The same from the text of a spec (file names it in errors). */
int spec_from_text(struct spec *sp, const char *text, const char *file);
/* Prints the spec; with state, the loader's bookkeeping too (owners, stats bases). */
void spec_print(FILE *f, const struct spec *sp, bool state);
int spec_save(const struct spec *sp, const char *path);

/* The maximum nr_accesses of the intervals (aggr / sample). */
uint32_t spec_max_access(const struct spec *sp);
/* Index of pid among the targets, or -1. */
int spec_target_index(const struct spec *sp, int pid);
/* Whether bpf.source lists the reporter src ("fault", "perf"). */
bool spec_has_source(const struct spec *sp, const char *src);

/* --- probes (spec/probes.c) ---------------------------------------------------------- */
/*
 * A probe from its text, "allow|reject [non] TYPE [VALUE]" filters separated by ';' (damo's
 * --probe_filter words), checked as probe_check() does; -1 with msg on bad text.
 */
int probe_parse(const char *text, struct probe_cfg *p, char *msg, size_t len);
/* The kernel's rules: known types with the values they take, one kind of filter a probe. */
int probe_check(const struct probe_cfg *p, char *msg, size_t len);
/* The probe as probe_parse() reads it ("all" for a probe without filters). */
void probe_describe(const struct probe_cfg *p, char *buf, size_t len);
/*
 * The breakdown probes after the *nr in probes[DAMON_MAX_PROBES]: {allow cpumask N} for each
 * online CPU (cpu) while room is left, one kept for {allow write} (write), which comes last.
 * Returns the first online CPU left without a probe (-1: none), or -2 (msg) when the online
 * CPUs cannot be read or no probe is left for writes.
 */
int probe_breakdown(struct probe_cfg *probes, int *nr, bool cpu, bool write, char *msg,
		    size_t len);

/* --- policy (spec/policy.c): per-target schemes, priorities, retired schemes --------- */

#define RETIRED_IDX 9999	/* a target filter index that matches no target */

/* Whether scheme i serves one target (its owner). */
bool spec_per_target(const struct spec *sp, int i);
/* The 'target' filter a per-target scheme is kept to (its first filter), or NULL. */
struct damos_filter_cfg *spec_target_filter(struct spec *sp, int i);
/* One scheme per target from tmpl, with a target filter; then spec_derive(). */
void spec_add_per_target(struct spec *sp, const struct damon_scheme_cfg *tmpl);
/* Quotas, ages and watermarks of per-target schemes from the targets' priorities. */
void spec_derive(struct spec *sp);
/* Makes scheme i a no-op kept in place (its target left; later schemes keep positions). */
void spec_retire(struct spec *sp, int i);
/* A spec printed by 'args' (no state): owners of per-target schemes by their target filter. */
void spec_bind_owners(struct spec *sp);
/* Whether a live scheme names node nid (target node or a node_mem_* goal). */
bool spec_node_used(const struct spec *sp, int nid);

#endif

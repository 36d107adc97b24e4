// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf tier: memory tiering between a fast and a slow NUMA node on one paddr context:
 * hot pages of the slow node are promoted (migrate_hot), cold pages of the fast node demoted
 * (migrate_cold), each scheme's quota tuned by the kernel towards a goal on the fast node's
 * utilisation (node_mem_used_bp / node_mem_free_bp, kernel/patches).
 */
#include <argp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "lib/util.h"

static const char doc[] =
"Keep hot memory on a fast NUMA node and cold memory on a slow one.\n"
"\n"
"USAGE: damon-bpf tier --fast NODE --slow NODE [--fast-used 99.6%]\n"
"                      [--fast-free 0.4%] [--min-age 5s] [--hot-access N]\n"
"                      [--quota 256MiB/s] [--source fault|perf [--write-hot]]\n"
"                      [--name NAME] [--duration TIME] [--json] [--prom FILE]\n"
"\n"
"One kdamond monitors the physical memory of both nodes (paddr), two schemes:\n"
"  promote: migrate_hot to --fast of slow-node pages accessed in at least\n"
"           --hot-access of the samples of an aggregation interval (default a\n"
"           fifth of aggr/sample) and young again when applied; its quota grows\n"
"           while the fast node is less used than --fast-used (goal\n"
"           node_mem_used_bp): promotion fills the fast node up to that mark;\n"
"  demote:  migrate_cold to --slow of fast-node pages (nearly) not accessed\n"
"           for --min-age and not young when applied, in address order (by age,\n"
"           free memory would rank coldest and take every quota); its quota\n"
"           grows while the fast node has less free memory than --fast-free\n"
"           (goal node_mem_free_bp): demotion makes just that room.\n"
"Both are within --quota (the most the kernel's tuning may reach), and DAMON's\n"
"regions are kept no larger than that quota (nr_regions min \"auto\"). The\n"
"defaults (99.6 % used, 0.4 % free) are those of the DAMON tiering work: keep\n"
"the fast node full of hot memory with a sliver free for new allocations.\n"
"--source fault|perf adds the BPF reporters' accesses (page faults, perf\n"
"samples) to the page-table sampling of the same context; --write-hot then\n"
"counts written accesses only, so pages that are written stay on (or come to)\n"
"the fast node and read-only ones may go slow.\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf tier --fast 0 --slow 1\n"
"  damon-bpf tier --fast 0 --slow 1 --fast-used 95% --fast-free 5% \\\n"
"          --min-age 10s\n"
"  damon-bpf tier --fast 0 --slow 1 --source fault --write-hot\n"
EXIT_DOC;

enum { OPT_FAST = OPT_CMD_BASE, OPT_SLOW, OPT_FAST_USED, OPT_FAST_FREE, OPT_MIN_AGE,
       OPT_HOT_ACCESS, OPT_SOURCE, OPT_WRITE_HOT };

static const struct argp_option options[] = {
	{ "fast", OPT_FAST, "NODE", 0, "The fast node (promotion target)" },
	{ "slow", OPT_SLOW, "NODE", 0, "The slow node (demotion target)" },
	{ "fast-used", OPT_FAST_USED, "PCT", 0, "Promote until the fast node is this used (99.6%)" },
	{ "fast-free", OPT_FAST_FREE, "PCT", 0, "Demote until the fast node has this free (0.4%)" },
	{ "min-age", OPT_MIN_AGE, "TIME", 0, "Demote what was not accessed for TIME (5s)" },
	{ "hot-access", OPT_HOT_ACCESS, "N", 0, "Promote regions with nr_accesses >= N" },
	{ "quota", OPT_QUOTA, "SIZE/TIME", 0, "Most each scheme may move (256MiB/s)" },
	{ "source", OPT_SOURCE, "SRC", 0, "Also feed BPF reports: fault or perf" },
	{ "write-hot", OPT_WRITE_HOT, NULL, 0, "Hot means written (needs --source)" },
	SCHEME_COMMON_OPTIONS,
	{},
};

struct tier_args {
	struct scheme_args c;
	long fast, slow, hot_access;
	uint64_t used_bp, free_bp, min_age_us;
	const char *source;
	bool write_hot;
};

/* "99.6%" or "99.6" -> 9960 basis points. */
static int parse_pct_bp(const char *s, uint64_t *bp)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || (*end && strcmp(end, "%")) || v < 0 || v > 100)
		return -1;
	*bp = (uint64_t)(v * 100 + 0.5);
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct tier_args *a = state->input;

	switch (key) {
	case OPT_FAST:
	case OPT_SLOW:
		if (parse_int(arg, 0, 1023, key == OPT_FAST ? &a->fast : &a->slow))
			argp_error(state, "--%s '%s' is not a node number",
				   key == OPT_FAST ? "fast" : "slow", arg);
		break;
	case OPT_FAST_USED:
	case OPT_FAST_FREE:
		if (parse_pct_bp(arg, key == OPT_FAST_USED ? &a->used_bp : &a->free_bp))
			argp_error(state, "--%s '%s' is not a percentage (0 to 100, e.g. 99.6%%)",
				   key == OPT_FAST_USED ? "fast-used" : "fast-free", arg);
		break;
	case OPT_MIN_AGE:
		if (parse_duration_us(arg, &a->min_age_us) || !a->min_age_us)
			argp_error(state, "--min-age '%s' is not a time above 0", arg);
		break;
	case OPT_HOT_ACCESS:
		if (parse_int(arg, 1, 1 << 20, &a->hot_access))
			argp_error(state, "--hot-access '%s': a number of accesses from 1", arg);
		break;
	case OPT_SOURCE:
		if (strcmp(arg, "fault") && strcmp(arg, "perf"))
			argp_error(state, "--source %s: fault or perf", arg);
		a->source = arg;
		break;
	case OPT_WRITE_HOT:
		a->write_hot = true;
		break;
	case 'p':
	case OPT_ADD:
	case OPT_REMOVE:
	case OPT_PRIORITY:
		argp_error(state, "tier works on physical memory: it takes no processes");
		break;
	case ARGP_KEY_END:
		scheme_args_end(&a->c, state);
		if (a->fast < 0 || a->slow < 0)
			argp_error(state, "give both --fast NODE and --slow NODE");
		if (a->fast == a->slow)
			argp_error(state, "--fast and --slow are both node %ld: tiering needs two "
				   "nodes", a->fast);
		if (a->write_hot && !a->source)
			argp_error(state, "--write-hot needs --source fault or perf: page-table "
				   "sampling cannot tell writes");
		if (a->hot_access > (long)(a->c.aggr_us / a->c.sample_us))
			argp_error(state, "--hot-access %ld: nr_accesses is at most aggr/sample = "
				   "%llu", a->hot_access,
				   (unsigned long long)(a->c.aggr_us / a->c.sample_us));
		break;
	default:
		return scheme_args_opt(&a->c, key, arg, state);
	}
	return 0;
}

/* An addr filter that leaves node nid's memory alone (the other scheme's source). */
static void node_filter(int nid, struct damos_filter_cfg *f)
{
	*f = (struct damos_filter_cfg){ .type = "addr", .matching = true, .by_node = true,
					.node = nid };
}

int tier_spec(int argc, char **argv, struct spec *sp, struct run_opts *o,
	      struct scheme_args *out)
{
	static const struct argp argp = { options, parse_opt, NULL, doc };
	struct tier_args a = { .fast = -1, .slow = -1, .used_bp = 9960, .free_bp = 40,
			       .min_age_us = 5000000 };
	struct damon_scheme_cfg *pro, *dem;
	uint32_t max;

	scheme_args_init(&a.c, "tier", 256ULL << 20);
	a.c.no_pids = true;
	if (scheme_args_parse(&argp, argc, argv, &a, &a.c, out))
		return EXIT_USAGE;
	scheme_args_apply(&a.c, sp, o);
	strcpy(sp->ctx.ops, "paddr");
	/* Regions no larger than a quota, or migrate_cold never reaches a big region's tail. */
	sp->ctx.min_nr_regions = 0;
	sp->policy.drop_exited = false;
	sp->ctx.nr_pids = 1;	/* the physical address space: its range is found at run time */
	if (a.source) {
		snprintf(sp->bpf.source, sizeof(sp->bpf.source), "%s", a.source);
		sp->ctx.page_fault = true;
		if (a.write_hot) {
			sp->ctx.page_table = false;
			sp->ctx.rw = RW_WRITES;
		}
	}
	/*
	 * The kernel tunes a goal's quota once per reset interval, from its minimum (a byte) up
	 * by at most a factor of two per step: at 1 s it takes tens of seconds to reach megabytes.
	 * Tune every 100 ms, with the quota scaled to the same rate.
	 */
	if (a.c.quota_reset_ms > 100) {
		a.c.quota_sz = a.c.quota_sz * 100 / a.c.quota_reset_ms;
		a.c.quota_reset_ms = 100;
	}
	max = spec_max_access(sp);
	sp->ctx.nr_schemes = 2;
	pro = &sp->ctx.schemes[0];
	dem = &sp->ctx.schemes[1];
	*pro = (struct damon_scheme_cfg){
		.action = "migrate_hot",
		.pattern = { 4096, UINT64_MAX, a.hot_access > 0 ? a.hot_access : max / 5 ? max / 5 : 1,
			     UINT32_MAX, 0, UINT32_MAX },
		.quota_sz = a.c.quota_sz, .quota_reset_ms = a.c.quota_reset_ms,
		.w_nr = 1000,		/* the hottest first */
		.goals = { { "node_mem_used_bp", a.used_bp, a.fast } },
		.nr_goals = 1,
		.target_nid = a.fast,
		/* not young when applied: cooled down since, leave it */
		.filters = { { .type = "young", .matching = false } },
		.nr_filters = 2,
	};
	*dem = (struct damon_scheme_cfg){
		.action = "migrate_cold",
		/*
		 * Physical regions mix pages: a region holding cold pages among a few hot ones
		 * rarely reads 0 accesses.  Take regions accessed in at most a twentieth of the
		 * samples; the young filter keeps their hot pages where they are.
		 */
		.pattern = { 4096, UINT64_MAX, 0, max / 20, a.min_age_us / sp->ctx.aggr_us,
			     UINT32_MAX },
		.quota_sz = a.c.quota_sz, .quota_reset_ms = a.c.quota_reset_ms,
		/*
		 * No weights: regions in address order, each quota resuming where the last one
		 * ran out.  By age, the node's free memory (never accessed) would rank coldest
		 * and take every quota, and the cold pages would never be reached.
		 */
		.goals = { { "node_mem_free_bp", a.free_bp, a.fast } },
		.nr_goals = 1,
		.target_nid = a.slow,
		/* young again: accessed after all, keep it */
		.filters = { { .type = "young", .matching = true } },
		.nr_filters = 2,
	};
	/* Promote from the slow node only, demote from the fast node only. */
	node_filter(a.fast, &pro->filters[1]);
	node_filter(a.slow, &dem->filters[1]);
	return 0;
}

/* Nodes are checked here, not by 'args', which may print a spec for another machine. */
static int tier_check(const struct spec *sp)
{
	return node_check(sp->ctx.schemes[0].target_nid, "--fast") ||
	       node_check(sp->ctx.schemes[1].target_nid, "--slow");
}

int cmd_tier(int argc, char **argv)
{
	return schemes_command(argc, argv, tier_spec, tier_check);
}

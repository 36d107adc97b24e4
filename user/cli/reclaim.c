// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf reclaim: proactive reclaim of several processes in one kdamond.  Each target has
 * its own 'pageout' scheme (a DAMOS target filter keeps it to that target), so that DAMOS
 * stats are per process, the quota is shared among the targets, and priorities can give
 * each target its own minimum age, quota share and watermarks.
 */
#include <argp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "lib/util.h"

static const char doc[] =
"Proactively reclaim (page out) the memory of processes that was not accessed\n"
"for a while.\n"
"\n"
"USAGE: damon-bpf reclaim --pid PID... [--min-age 30s] [--quota 128MiB/s]\n"
"                         [--priority PID:N]... [--wmarks HIGH,MID,LOW]\n"
"                         [--name NAME] [--duration TIME] [--json]\n"
"                         [--prom FILE]\n"
"       damon-bpf reclaim --add PID [--priority PID:N] [--name NAME]\n"
"       damon-bpf reclaim --remove PID [--name NAME]\n"
"\n"
"One kdamond monitors all the processes (page-table sampling); each has a\n"
"'pageout' scheme for regions not accessed for --min-age, within its share of\n"
"--quota (bytes per time).\n"
"With --wmarks HIGH,MID,LOW (per mille of free memory) it works under\n"
"pressure only: it starts when free memory falls below MID, stops when it\n"
"rises above HIGH, and also stops below LOW, where the kernel's own reclaim\n"
"is at work (DAMOS watermarks).\n"
"Priorities (--priority PID:N, N >= 1, default 1; higher is more important):\n"
"a target of priority N pages out only memory idle for N x --min-age, its\n"
"quota share weighs 1/N, and with --wmarks, higher priorities start at lower\n"
"free memory (between MID and LOW), so that under pressure the low-priority\n"
"targets give memory first.\n"
"Processes that exit are dropped with a message; a dead --pid at start is\n"
"skipped. Every --interval, per process: bytes tried and paged out (DAMOS\n"
"stats), and VmSwap. 'damon-bpf args reclaim ...' prints the setup as a spec\n"
"for 'damon-bpf run'.\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf reclaim --pid 4242 --pid 4243 --min-age 2min --quota 64MiB/s\n"
"  damon-bpf reclaim --pid 4242 --pid 4243 --priority 4243:4 \\\n"
"          --wmarks 500,400,50\n"
"  damon-bpf reclaim --add 4244          # into the running session 'reclaim'\n"
"  damon-bpf reclaim --remove 4242\n"
EXIT_DOC;

enum { OPT_MIN_AGE = OPT_CMD_BASE, OPT_WMARKS };

static const struct argp_option options[] = {
	{ "pid", 'p', "PID", 0, "Reclaim from this process (repeat for several)" },
	{ "min-age", OPT_MIN_AGE, "TIME", 0, "Page out what was not accessed for TIME (30s)" },
	{ "quota", OPT_QUOTA, "SIZE/TIME", 0, "At most SIZE per TIME in all (128MiB/s)" },
	{ "priority", OPT_PRIORITY, "PID:N", 0, "Priority N of a target (1, the default, is the "
	  "lowest)" },
	{ "wmarks", OPT_WMARKS, "H,M,L", 0, "Free-memory watermarks, per mille (default: off)" },
	{ "add", OPT_ADD, "PID", 0, "Add PID to the running session" },
	{ "remove", OPT_REMOVE, "PID", 0, "Remove PID from the running session" },
	SCHEME_COMMON_OPTIONS,
	{},
};

struct reclaim_args {
	struct scheme_args c;
	uint64_t min_age_us;
	uint32_t wm[3];
	bool wmarks;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct reclaim_args *a = state->input;
	int n = -1;

	switch (key) {
	case OPT_MIN_AGE:
		if (parse_duration_us(arg, &a->min_age_us) || !a->min_age_us)
			argp_error(state, "--min-age '%s' is not a time above 0 (e.g. 30s)", arg);
		break;
	case OPT_WMARKS:
		if (!strcmp(arg, "off"))
			break;
		if (sscanf(arg, "%u,%u,%u%n", &a->wm[0], &a->wm[1], &a->wm[2], &n) != 3 || n < 0 ||
		    arg[n] || a->wm[0] > 1000 || !(a->wm[0] >= a->wm[1] && a->wm[1] >= a->wm[2]))
			argp_error(state, "--wmarks %s: HIGH,MID,LOW per mille of free memory, "
				   "1000 >= HIGH >= MID >= LOW", arg);
		a->wmarks = true;
		break;
	case ARGP_KEY_END:
		if (scheme_args_end(&a->c, state))
			break;
		if (a->min_age_us < a->c.aggr_us)
			argp_error(state, "--min-age must be at least the aggregation interval");
		break;
	default:
		return scheme_args_opt(&a->c, key, arg, state);
	}
	return 0;
}

/* pageout of what was not accessed for min-age, within the target's share of the quota. */
static void reclaim_refine(const void *input, struct spec *sp, struct damon_scheme_cfg *tmpl)
{
	const struct reclaim_args *a = input;

	sp->policy.skip_unmapped = true;
	sp->policy.min_age_us = a->min_age_us;
	if (a->wmarks)
		sp->policy.wmarks = (struct damon_wmarks){ "free_mem_rate", 1000000, a->wm[0],
							   a->wm[1], a->wm[2] };
	tmpl->pattern = (struct damon_access_pattern){
		4096, UINT64_MAX, 0, 0, a->min_age_us / sp->ctx.aggr_us, UINT32_MAX,
	};
	tmpl->wmarks = sp->policy.wmarks;
}

int reclaim_spec(int argc, char **argv, struct spec *sp, struct run_opts *o,
		 struct scheme_args *out)
{
	static const struct argp argp = { options, parse_opt, NULL, doc };
	static const struct per_target_cmd cmd = { "reclaim", 128ULL << 20, "pageout", &argp,
						   reclaim_refine };
	struct reclaim_args a = { .min_age_us = 30000000 };

	return per_target_spec(&cmd, &a, &a.c, argc, argv, sp, o, out);
}

int cmd_reclaim(int argc, char **argv)
{
	return schemes_command(argc, argv, reclaim_spec, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf collapse: collapse the hot PMD-sized ranges of processes into transparent huge
 * pages (DAMOS action 'collapse', a synchronous MADV_COLLAPSE; kernel/patches).
 */
#include <argp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "lib/util.h"

static const char doc[] =
"Collapse the hot 2 MiB ranges of processes into transparent huge pages.\n"
"\n"
"USAGE: damon-bpf collapse --pid PID... [--min-access N|auto] [--floor N]\n"
"                          [--min-age 1s] [--quota 32MiB/s] [--name NAME]\n"
"                          [--duration TIME] [--json] [--prom FILE]\n"
"       damon-bpf collapse --add PID | --remove PID [--name NAME]\n"
"\n"
"Each process gets a 'collapse' scheme (kernel/patches: a synchronous\n"
"MADV_COLLAPSE) for regions of at least 2 MiB that were accessed in at least\n"
"--min-access of the sampling intervals of an aggregation interval (at most\n"
"aggr/sample: 20 at 5ms/100ms) for --min-age. The quota goes to the hottest\n"
"regions first (nr_accesses weight), the cost of a collapse being a copy of\n"
"up to 2 MiB.\n"
"'--min-access auto' starts at the maximum and lowers the threshold by a\n"
"tenth of it each time a settling time (the longest of 10 aggregation\n"
"intervals, twice --min-age and 2 s) passes without a collapse, never below\n"
"--floor (default a fifth of the maximum); once collapses happen, the\n"
"threshold stays.\n"
"THP must not be 'never' for the processes (MADV_NOHUGEPAGE ranges are left\n"
"alone).\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf collapse --pid 4242 --min-access auto\n"
"  damon-bpf collapse --pid 4242 --pid 4243 --min-access 15 --quota 64MiB/s\n"
EXIT_DOC;

enum { OPT_MIN_ACCESS = OPT_CMD_BASE, OPT_FLOOR, OPT_MIN_AGE };

static const struct argp_option options[] = {
	{ "pid", 'p', "PID", 0, "Collapse in this process (repeat for several)" },
	{ "min-access", OPT_MIN_ACCESS, "N|auto", 0, "Hotness threshold in nr_accesses (auto)" },
	{ "floor", OPT_FLOOR, "N", 0, "Lowest threshold 'auto' goes to (a fifth of the maximum)" },
	{ "min-age", OPT_MIN_AGE, "TIME", 0, "How long a region must have been hot (1s)" },
	{ "quota", OPT_QUOTA, "SIZE/TIME", 0, "At most SIZE per TIME in all (32MiB/s)" },
	{ "add", OPT_ADD, "PID", 0, "Add PID to the running session" },
	{ "remove", OPT_REMOVE, "PID", 0, "Remove PID from the running session" },
	SCHEME_COMMON_OPTIONS,
	{},
};

struct collapse_args {
	struct scheme_args c;
	long min_access, floor;		/* -1: auto / default */
	uint64_t min_age_us;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct collapse_args *a = state->input;
	long max;

	switch (key) {
	case OPT_MIN_ACCESS:
		if (!strcmp(arg, "auto"))
			a->min_access = -1;
		else if (parse_int(arg, 1, 1 << 20, &a->min_access))
			argp_error(state, "--min-access '%s': a number of accesses from 1, or auto",
				   arg);
		break;
	case OPT_FLOOR:
		if (parse_int(arg, 1, 1 << 20, &a->floor))
			argp_error(state, "--floor '%s': a number of accesses from 1", arg);
		break;
	case OPT_MIN_AGE:
		if (parse_duration_us(arg, &a->min_age_us))
			argp_error(state, "--min-age '%s' is not a time (e.g. 1s)", arg);
		break;
	case ARGP_KEY_END:
		if (scheme_args_end(&a->c, state))
			break;
		max = a->c.aggr_us / a->c.sample_us;
		if (a->min_access > max)
			argp_error(state, "--min-access %ld: nr_accesses is at most aggr/sample = %ld",
				   a->min_access, max);
		if (a->floor > max)
			argp_error(state, "--floor %ld: nr_accesses is at most aggr/sample = %ld",
				   a->floor, max);
		break;
	default:
		return scheme_args_opt(&a->c, key, arg, state);
	}
	return 0;
}

/* collapse of regions hot for min-age, hottest first; the threshold fixed or auto. */
static void collapse_refine(const void *input, struct spec *sp, struct damon_scheme_cfg *tmpl)
{
	const struct collapse_args *a = input;
	uint32_t max = spec_max_access(sp);

	sp->policy.min_age_us = a->min_age_us;
	sp->policy.collapse_auto = a->min_access < 0;
	sp->policy.collapse_floor = a->floor > 0 ? a->floor : max / 5 ? max / 5 : 1;
	tmpl->pattern = (struct damon_access_pattern){ 2ULL << 20, UINT64_MAX,
						       a->min_access < 0 ? max : a->min_access,
						       UINT32_MAX, a->min_age_us / sp->ctx.aggr_us,
						       UINT32_MAX };
	tmpl->w_nr = 1000;		/* the hottest regions first */
}

int collapse_spec(int argc, char **argv, struct spec *sp, struct run_opts *o,
		  struct scheme_args *out)
{
	static const struct argp argp = { options, parse_opt, NULL, doc };
	static const struct per_target_cmd cmd = { "collapse", 32ULL << 20, "collapse", &argp,
						   collapse_refine };
	struct collapse_args a = { .min_access = -1, .floor = -1, .min_age_us = 1000000 };

	return per_target_spec(&cmd, &a, &a.c, argc, argv, sp, o, out);
}

static int collapse_check(const struct spec *sp)
{
	if (access("/sys/kernel/mm/transparent_hugepage", F_OK))
		return err("this kernel has no transparent huge pages (CONFIG_TRANSPARENT_HUGEPAGE)");
	return 0;
}

int cmd_collapse(int argc, char **argv)
{
	return schemes_command(argc, argv, collapse_spec, collapse_check);
}

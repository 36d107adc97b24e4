// SPDX-License-Identifier: GPL-2.0
/* damon-bpf bench: the command line (session/bench.c runs it). */
#include <argp.h>

#include "cli/commands.h"
#include "lib/util.h"
#include "session/bench.h"

static const char doc[] =
"Measure the cost of the reporters on a fault-heavy workload.\n"
"\n"
"USAGE: damon-bpf bench [--duration 2s] [--rounds 3] [--size 2M] [--json]\n"
"\n"
"Phases (each --duration, alternated over --rounds): off, empty program on the\n"
"hook, fallback reporter (maps), kfunc reporter into a DAMON context (where the\n"
"kernel has the kfunc and DAMON sysfs is free).  Prints faults/s, the ratio to\n"
"'off', and ns per event of each program (bpf_stats run_time_ns / run_cnt).\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf bench\n"
"  damon-bpf bench --duration 5s --rounds 5 --json\n"
EXIT_DOC;

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct bench_args *a = state->input;

	switch (key) {
	case 'd':
		if (parse_duration_us(arg, &a->duration_us) || !a->duration_us)
			argp_error(state, "--duration %s: expected a time like 2s", arg);
		break;
	case 'r':
		if (parse_int(arg, 1, 100, &a->rounds))
			argp_error(state, "--rounds %s: 1 to 100", arg);
		break;
	case 's':
		if (parse_bytes(arg, &a->size) || a->size < 4096 || a->size > (1ULL << 30))
			argp_error(state, "--size %s: from 4096 bytes to 1GiB (e.g. 2M)", arg);
		break;
	case 'j':
		a->json = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	static const struct argp_option options[] = {
		{ "duration", 'd', "TIME", 0, "Length of each phase (default 2s)" },
		{ "rounds", 'r', "N", 0, "Rounds of all phases (default 3)" },
		{ "size", 's', "BYTES", 0, "Region the child churns (default 2M)" },
		{ "json", 'j', NULL, 0, "One JSON object" },
		{},
	};
	static const struct argp argp = { options, parse_opt, NULL, doc };
	struct bench_args a = { .duration_us = 2000000, .size = 2 << 20, .rounds = 3 };

	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return EXIT_USAGE;
	return bench_run(&a);
}

// SPDX-License-Identifier: GPL-2.0
/* damon-bpf bench: the command line (session/bench.c runs it). */
#include <argp.h>
#include <string.h>

#include "cli/commands.h"
#include "lib/util.h"
#include "session/bench.h"

static const char doc[] =
"Measure what watching memory costs a workload.\n"
"\n"
"USAGE: damon-bpf bench [--workload churn|compute] [--duration 2s] [--rounds 3]\n"
"                       [--size BYTES] [--json]\n"
"\n"
"One child on CPU 0 runs the workload; the phases take turns on it, each for\n"
"--duration, over --rounds (the first phase rotates each round).  Prints the\n"
"medians of the rounds: work per second, the ratio to 'off' and its spread (the\n"
"rounds' lowest and highest), the kdamond's CPU share and its ns per region and\n"
"sampling interval, and ns per event of the measured BPF program.\n"
"\n"
"churn (default; faults/s on a 2M region dropped and written again): off, empty\n"
"program on the hook, fallback reporter (maps), kfunc reporter into DAMON,\n"
"kfunc+map (the same, also counting in the map: monitor before probes).\n"
"compute (ops/s on a 64M working set, reads and writes with computation\n"
"between): off, pte (DAMON page-table sampling), fault (the page-fault\n"
"primitive: arming, in-kernel reports), fault+bpf (and the fault reporter),\n"
"perf (and the perf reporter; software events where there is no PMU).\n"
"DAMON phases run only on the patched kernel with DAMON sysfs free, the others\n"
"print n/a and why: a stock kernel's DAMON is never written.\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf bench\n"
"  damon-bpf bench --workload compute --duration 3s --rounds 5\n"
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
	case 'w':
		if (!strcmp(arg, "churn"))
			a->workload = BENCH_CHURN;
		else if (!strcmp(arg, "compute"))
			a->workload = BENCH_COMPUTE;
		else
			argp_error(state, "--workload %s: churn or compute", arg);
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
		{ "workload", 'w', "NAME", 0, "churn or compute (default churn)" },
		{ "size", 's', "BYTES", 0, "Region or working set (churn 2M, compute 64M)" },
		{ "json", 'j', NULL, 0, "One JSON object" },
		{},
	};
	static const struct argp argp = { options, parse_opt, NULL, doc };
	struct bench_args a = { .duration_us = 2000000, .rounds = 3 };

	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return EXIT_USAGE;
	return bench_run(&a);
}

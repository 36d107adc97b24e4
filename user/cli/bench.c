// SPDX-License-Identifier: GPL-2.0
/* damon-bpf bench: the command line (session/bench.c runs it). */
#include <argp.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "lib/util.h"
#include "session/bench.h"

static const char doc[] =
"Measure what watching memory costs a workload, or how well it sees it.\n"
"\n"
"USAGE: damon-bpf bench [--workload churn|compute] [--duration 2s] [--rounds 3]\n"
"                       [--size BYTES] [--json]\n"
"       damon-bpf bench --workload accuracy [--duration 10s] [--rounds 3]\n"
"                       [--size 256M] [--chunks 8/1M] [--seed 1] [--aslr]\n"
"                       [--json] [-- WORKLOAD [ARG...]]\n"
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
"accuracy: the precision and recall of what monitoring calls accessed, bytes\n"
"weighted, against the workload's ground truth.  The workload (by default the\n"
"build tree's workloads/workload beside damon-bpf, mode s: --chunks hot chunks\n"
"at places drawn from --seed in a populated --size mapping, half written on\n"
"CPU 0, half read on CPU 1) starts anew each round, without address-space\n"
"randomisation unless --aslr (the layout sets how much DAMON monitors); a\n"
"WORKLOAD after -- is any program that prints such a ground-truth JSON line\n"
"first.  Each mode is a 'damon-bpf monitor --pid PID OPTIONS --duration TIME'\n"
"session: fault (all accesses), cpus=0 (--cpus 0), cpus=1 (--cpus 1),\n"
"write-only (--write-only), pte (--source pte).  A region is called accessed\n"
"when its nr_accesses > 0; the figures are those of the session's last\n"
"snapshot, inside the workload's regions: precision = hot bytes called\n"
"accessed / bytes called accessed, recall = hot bytes called accessed / hot\n"
"bytes the mode should see (its CPU's, or the written ones); medians of the\n"
"rounds.\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf bench\n"
"  damon-bpf bench --workload compute --duration 3s --rounds 5\n"
"  damon-bpf bench --duration 5s --rounds 5 --json\n"
"  damon-bpf bench --workload accuracy --duration 15s --rounds 2\n"
"  damon-bpf bench --workload accuracy -- ./workload --ticker 2 \\\n"
"          --region s:512M@0,scatter=16/2M,seed=7,reader=1 --duration 3600\n"
EXIT_DOC;

enum { OPT_CHUNKS = 0x100, OPT_SEED, OPT_ASLR };

/* --chunks N/SIZE: mode s's hot chunks. */
static void parse_chunks(struct bench_args *a, char *arg, struct argp_state *state)
{
	char *slash = strchr(arg, '/');

	if (!slash)
		argp_error(state, "--chunks %s: expected N/SIZE, e.g. 8/1M", arg);
	*slash = '\0';
	if (parse_int(arg, 1, 64, &a->nr_chunks) || parse_bytes(slash + 1, &a->chunk) ||
	    a->chunk < 4096)
		argp_error(state, "--chunks %s/%s: 1 to 64 chunks of at least 4096 bytes (e.g. "
			   "8/1M)", arg, slash + 1);
}

/* What only one workload takes, and what a WORKLOAD of one's own says itself. */
static void check_args(struct bench_args *a, struct argp_state *state)
{
	if (a->workload != BENCH_ACCURACY && (a->nr_chunks || a->seed || a->cmd || a->aslr))
		argp_error(state, "--chunks, --seed, --aslr and a WORKLOAD are for --workload "
			   "accuracy");
	if (a->cmd && (a->nr_chunks || a->seed || a->size))
		argp_error(state, "a WORKLOAD after -- has its own layout: no --size, --chunks or "
			   "--seed");
	if (a->workload != BENCH_ACCURACY)
		return;
	if (!a->duration_us)
		a->duration_us = 10000000;
	if (!a->size)
		a->size = 256 << 20;
	if (!a->nr_chunks) {
		a->nr_chunks = 8;
		a->chunk = 1 << 20;
	}
	if (!a->seed)
		a->seed = 1;
	if (a->nr_chunks * a->chunk > a->size / 2)
		argp_error(state, "--chunks: %ld chunks of %llu bytes fill more than half of --size "
			   "(%llu bytes)", a->nr_chunks, (unsigned long long)a->chunk,
			   (unsigned long long)a->size);
}

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
	case OPT_CHUNKS:
		parse_chunks(a, arg, state);
		break;
	case OPT_ASLR:
		a->aslr = true;
		break;
	case OPT_SEED:
		if (parse_u64(arg, &a->seed) || !a->seed)
			argp_error(state, "--seed %s: a positive integer", arg);
		break;
	case ARGP_KEY_ARGS:
		a->cmd = state->argv + state->next;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		check_args(a, state);
		break;
	case 'j':
		a->json = true;
		break;
	case 'w':
		if (!strcmp(arg, "churn"))
			a->workload = BENCH_CHURN;
		else if (!strcmp(arg, "compute"))
			a->workload = BENCH_COMPUTE;
		else if (!strcmp(arg, "accuracy"))
			a->workload = BENCH_ACCURACY;
		else
			argp_error(state, "--workload %s: churn, compute or accuracy", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* A mode of the accuracy bench: what 'damon-bpf monitor ARGS' means (cli/monitor.c). */
static int accuracy_monitor_spec(int argc, char **argv, struct spec *sp, struct run_opts *o)
{
	struct scheme_args unused;

	return monitor_spec(argc, argv, sp, o, &unused);
}

int cmd_bench(int argc, char **argv)
{
	static const struct argp_option options[] = {
		{ "duration", 'd', "TIME", 0, "Length of each phase (default 2s; accuracy: of each "
		  "mode's session, 10s)" },
		{ "rounds", 'r', "N", 0, "Rounds of all phases (default 3)" },
		{ "workload", 'w', "NAME", 0, "churn, compute or accuracy (default churn)" },
		{ "size", 's', "BYTES", 0, "Region or working set (churn 2M, compute 64M); "
		  "accuracy: the mapping (256M)" },
		{ "chunks", OPT_CHUNKS, "N/SIZE", 0, "accuracy: the hot chunks in the mapping "
		  "(default 8/1M), half written, half read" },
		{ "seed", OPT_SEED, "S", 0, "accuracy: the chunks' places are drawn from S "
		  "(default 1)" },
		{ "aslr", OPT_ASLR, NULL, 0, "accuracy: randomise the workload's layout (default: "
		  "ADDR_NO_RANDOMIZE, the same address space every run)" },
		{ "json", 'j', NULL, 0, "One JSON object" },
		{},
	};
	static const struct argp argp = { options, parse_opt, "[-- WORKLOAD [ARG...]]", doc };
	struct bench_args a = { .rounds = 3, .monitor_spec = accuracy_monitor_spec };

	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &a))
		return EXIT_USAGE;
	if (a.workload == BENCH_ACCURACY)
		return bench_accuracy_run(&a);
	if (!a.duration_us)
		a.duration_us = 2000000;
	return bench_run(&a);
}

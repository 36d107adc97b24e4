// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf monitor, start: the command lines of a monitoring session, turned into its spec
 * (policy.command "monitor") and run options; the runner runs it (session/monitor.c holds
 * its steps).
 */
#include <argp.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "lib/util.h"
#include "session/runner.h"
#include "spec/spec.h"

static const char doc[] =
"Monitor which memory is accessed, by which CPU, and whether it is written.\n"
"\n"
"USAGE: damon-bpf monitor (--pid PID... | --paddr) [--cpus LIST]\n"
"                         [--write-only | --read-only] [--source LIST]\n"
"                         [--sample 5ms] [--aggr 100ms] [--duration TIME]\n"
"                         [--interval 1s] [--json] [--record FILE]\n"
"                         [--prom FILE]\n"
"\n"
"Sources: 'fault' reports page faults (tracepoint page_fault_user), 'perf'\n"
"memory-access samples (Intel PEBS, AMD IBS; the software page-fault event\n"
"where the CPU has neither or they do not open), 'pte' DAMON's own page-table\n"
"Accessed-bit sampling (which cannot tell CPUs or writes apart).\n"
"On a kernel with the bpf_damon_report_access() kfunc the reports feed a DAMON\n"
"context of this session; elsewhere the reporters aggregate in BPF maps\n"
"(fallback mode, said at start) and DAMON is not touched unless 'pte' is asked\n"
"for.\n"
"\n"
"The live view lists regions hottest first: ACCESS is DAMON's access rate\n"
"(nr_accesses of aggr/sample), AGE how long the region kept its rate.  In DAMON\n"
"mode the next columns are DAMON probes, each the share of the samples it hit:\n"
"by default (no --probe or --breakdown, a fault or perf source) CPUn, one for\n"
"each online CPU that fits (3 at most), and W for writes; Pn for others.  In\n"
"fallback mode, CPUn R/W are the reads and writes the reporters saw there on\n"
"each CPU during the interval.\n"
"Ctrl-C stops and removes all that the session created (kdamond, BPF links).\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf monitor --pid 4242                 # faults of pid 4242, live view\n"
"  damon-bpf monitor --pid 4242 --probe 'allow anon'  # its own probe: P0\n"
"  damon-bpf monitor --pid 4242 --cpus 0 --duration 10s\n"
"  damon-bpf monitor --pid 4242 --write-only --json    # JSON, one per interval\n"
"  damon-bpf monitor --pid 4242 --source fault,pte --record run.dbr\n"
"  damon-bpf report run.dbr\n"
EXIT_DOC;

/* The command line; a spec and run options once parsed (monitor_to_spec()). */
struct monitor_args {
	struct damon_ctx_cfg cfg;
	uint8_t cpus[DAMON_BPF_MAX_CPUS];
	bool have_cpus, paddr, no_kfunc, no_prefilter, write_only, read_only;
	bool src_fault, src_perf, src_pte;
	uint64_t duration_us, interval_us, perf_period;
	const char *record;
	const char *pin;
	const char *prom;
	bool json;
	int top;
	struct probe_cfg probes[DAMON_MAX_PROBES];
	int nr_probes;
};

/* OPT_SAMPLE and OPT_AGGR are the scheme commands' (cli/options.h). */
enum {
	OPT_UPDATE = OPT_CMD_BASE, OPT_NO_KFUNC, OPT_TOP, OPT_MIN_REGIONS, OPT_MAX_REGIONS,
	OPT_PERIOD, OPT_PIN, OPT_NO_PREFILTER, OPT_PROBE, OPT_BREAKDOWN,
};

static const struct argp_option options[] = {
	{ "pid", 'p', "PID", 0, "Monitor this process (repeat for several)" },
	{ "paddr", 'P', NULL, 0, "Monitor the physical address space" },
	{ "cpus", 'c', "LIST", 0, "Count only accesses on these CPUs (e.g. 0-3,5)" },
	{ "write-only", 'w', NULL, 0, "Count only writes" },
	{ "read-only", 'r', NULL, 0, "Count only reads" },
	{ "source", 's', "LIST", 0, "Access sources: fault, perf, pte (default fault)" },
	{ "sample", OPT_SAMPLE, "TIME", 0, "Sampling interval (default 5ms)" },
	{ "aggr", OPT_AGGR, "TIME", 0, "Aggregation interval (default 100ms)" },
	{ "update", OPT_UPDATE, "TIME", 0, "Regions update interval (default 1s)" },
	{ "min-regions", OPT_MIN_REGIONS, "N", 0, "Minimum number of regions (default 10)" },
	{ "max-regions", OPT_MAX_REGIONS, "N", 0, "Maximum number of regions (default 1000)" },
	{ "duration", 'd', "TIME", 0, "Stop after TIME (default: until Ctrl-C)" },
	{ "interval", 'i', "TIME", 0, "Refresh the view every TIME (default 1s)" },
	{ "json", 'j', NULL, 0, "One JSON object per interval (keys: docs/usage.md)" },
	{ "record", 'o', "FILE", 0, "Also write the snapshots to FILE (see 'report')" },
	PROM_OPTION,
	{ "top", OPT_TOP, "N", 0, "Regions shown in the table (default 10, 0: all)" },
	{ "perf-period", OPT_PERIOD, "N", 0, "Sample period of the perf source (default 10007 "
	  "for PEBS and IBS, 1 for the software page-fault event)" },
	{ "no-kfunc", OPT_NO_KFUNC, NULL, 0, "Aggregate in maps even if the kernel has the kfunc" },
	{ "no-prefilter", OPT_NO_PREFILTER, NULL, 0, "Report every access to DAMON: its sample "
	  "filters alone pick the processes, CPUs and writes (the BPF programs do not sort them "
	  "out first; more reports, same result)" },
	{ "pin", OPT_PIN, "NAME", 0, "Start, pin under /sys/fs/bpf/damon-bpf/NAME and exit "
	  "(see 'status', 'stop')" },
	{ "probe", OPT_PROBE, "FILTERS", 0, "Count a probe's hits per region (DAMON probes, up "
	  "to 4): 'allow|reject [non] TYPE [VALUE]', ';' between filters; types anon, memcg "
	  "PATH, cpumask LIST, threads TIDS, write, source N" },
	{ "breakdown", OPT_BREAKDOWN, "cpu,write", 0, "Probes for each online CPU (as many as "
	  "fit) and for writes (cpu,write: DAMON mode's default without --probe)" },
	{},
};

/* --cpus LIST: online CPUs only. */
static void parse_cpus(struct monitor_args *a, char *arg, struct argp_state *state)
{
	uint8_t online[DAMON_BPF_MAX_CPUS];
	int i;

	if (parse_cpulist(arg, a->cpus, DAMON_BPF_MAX_CPUS))
		argp_error(state, "--cpus %s: expected a CPU list like 0-3,5", arg);
	if (online_cpus(online, DAMON_BPF_MAX_CPUS) < 0)
		argp_error(state, "cannot read the online CPUs");
	for (i = 0; i < DAMON_BPF_MAX_CPUS; i++)
		if (a->cpus[i] && !online[i])
			argp_error(state, "--cpus: CPU %d is not online", i);
	a->have_cpus = true;
}

static void parse_sources(struct monitor_args *a, char *arg, struct argp_state *state)
{
	char *tok, *save = NULL;

	a->src_fault = a->src_perf = a->src_pte = false;
	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "fault"))
			a->src_fault = true;
		else if (!strcmp(tok, "perf"))
			a->src_perf = true;
		else if (!strcmp(tok, "pte"))
			a->src_pte = true;
		else
			argp_error(state, "--source %s: sources are fault, perf and pte", tok);
	}
}

/* The times: DAMON's intervals (at most 1 h), --duration and --interval. */
static void parse_time(struct monitor_args *a, int key, char *arg, struct argp_state *state)
{
	uint64_t *const dst[] = {
		[0] = &a->cfg.sample_us, [1] = &a->cfg.aggr_us, [2] = &a->cfg.update_us,
		[3] = &a->duration_us, [4] = &a->interval_us,
	};
	int i = key == OPT_SAMPLE ? 0 : key == OPT_AGGR ? 1 : key == OPT_UPDATE ? 2 :
		key == 'd' ? 3 : 4;
	uint64_t v;

	if (parse_duration_us(arg, &v) || v == 0)
		argp_error(state, "'%s' is not a time: use a number with us, ms, s, m or h "
			   "(e.g. 5ms, 2s)", arg);
	if (i < 3 && v > MAX_INTERVAL_US)
		argp_error(state, "'%s': DAMON intervals are at most 1h here (e.g. --sample "
			   "5ms --aggr 100ms --update 1s)", arg);
	*dst[i] = v;
}

/* --probe FILTERS: one more probe. */
static void parse_probe(struct monitor_args *a, const char *arg, struct argp_state *state)
{
	char msg[256];

	if (a->nr_probes == DAMON_MAX_PROBES)
		argp_error(state, "--probe: at most %d probes (DAMON_MAX_PROBES)", DAMON_MAX_PROBES);
	if (probe_parse(arg, &a->probes[a->nr_probes], msg, sizeof(msg)))
		argp_error(state, "--probe '%s': %s", arg, msg);
	a->nr_probes++;
}

/* --breakdown cpu,write: {allow cpumask N} for each online CPU that fits, {allow write}. */
static void parse_breakdown(struct monitor_args *a, char *arg, struct argp_state *state)
{
	char *tok, *save = NULL, msg[128];
	bool cpu = false, write = false;
	int left;

	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "cpu"))
			cpu = true;
		else if (!strcmp(tok, "write"))
			write = true;
		else
			argp_error(state, "--breakdown %s: breakdowns are cpu and write", tok);
	}
	left = probe_breakdown(a->probes, &a->nr_probes, cpu, write, msg, sizeof(msg));
	if (left == -2)
		argp_error(state, "--breakdown: %s", msg);
	if (left >= 0)
		info("damon-bpf: --breakdown: CPUs from %d on have no probe (at most %d)", left,
		     DAMON_MAX_PROBES);
}

/* The combinations refused after parsing. */
static void check_args(struct monitor_args *a, struct argp_state *state)
{
	if (!a->paddr && !a->cfg.nr_pids)
		argp_error(state, "nothing to monitor: give --pid PID or --paddr");
	if (a->paddr && a->cfg.nr_pids)
		argp_error(state, "--paddr and --pid exclude each other");
	if (a->write_only && a->read_only)
		argp_error(state, "--write-only and --read-only exclude each other");
	if (!a->src_fault && !a->src_perf && !a->src_pte)
		argp_error(state, "--source: no source left");
	if (a->cfg.sample_us > a->cfg.aggr_us)
		argp_error(state, "--sample must not be longer than --aggr");
	if (a->cfg.min_nr_regions > a->cfg.max_nr_regions)
		argp_error(state, "--min-regions is larger than --max-regions");
	if (a->no_prefilter && (a->no_kfunc || !(a->src_fault || a->src_perf)))
		argp_error(state, "--no-prefilter hands the reporters' accesses to DAMON's "
			   "sample filters: it needs the fault or perf source and the kfunc "
			   "(not --no-kfunc)");
	if (a->pin && (a->record || a->duration_us || a->json || a->prom))
		argp_error(state, "--pin starts a session and exits: no --record, --duration, "
			   "--json or --prom (use 'damon-bpf status')");
}

/* The options of how the session runs and is shown (not its context). */
static error_t parse_run_opt(int key, char *arg, struct argp_state *state)
{
	struct monitor_args *a = state->input;
	long n;

	switch (key) {
	case 'j':
		a->json = true;
		break;
	case 'o':
		a->record = arg;
		break;
	case OPT_PROM:
		prom_arg(arg, state);
		a->prom = arg;
		break;
	case OPT_TOP:
		if (parse_int(arg, 0, 1 << 20, &n))
			argp_error(state, "--top %s: expected a count", arg);
		a->top = n;
		break;
	case OPT_PERIOD:
		if (parse_u64(arg, &a->perf_period) || !a->perf_period)
			argp_error(state, "--perf-period %s: expected a positive count", arg);
		break;
	case OPT_NO_KFUNC:
		a->no_kfunc = true;
		break;
	case OPT_NO_PREFILTER:
		a->no_prefilter = true;
		break;
	case OPT_PIN:
		a->pin = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct monitor_args *a = state->input;
	long n;

	switch (key) {
	case 'p':
		if (parse_int(arg, 1, 1 << 30, &n))
			argp_error(state, "--pid %s: not a process id", arg);
		if (a->cfg.nr_pids == DAMON_MAX_TARGETS)
			argp_error(state, "at most %d --pid", DAMON_MAX_TARGETS);
		a->cfg.pids[a->cfg.nr_pids++] = n;
		break;
	case 'P':
		a->paddr = true;
		break;
	case 'c':
		parse_cpus(a, arg, state);
		break;
	case 'w':
		a->write_only = true;
		break;
	case 'r':
		a->read_only = true;
		break;
	case 's':
		parse_sources(a, arg, state);
		break;
	case OPT_SAMPLE:
	case OPT_AGGR:
	case OPT_UPDATE:
	case 'd':
	case 'i':
		parse_time(a, key, arg, state);
		break;
	case OPT_MIN_REGIONS:
	case OPT_MAX_REGIONS:
		if (parse_int(arg, 3, 1 << 24, &n))
			argp_error(state, "'%s': the number of regions is an integer >= 3", arg);
		if (key == OPT_MIN_REGIONS)
			a->cfg.min_nr_regions = n;
		else
			a->cfg.max_nr_regions = n;
		break;
	case OPT_PROBE:
		parse_probe(a, arg, state);
		break;
	case OPT_BREAKDOWN:
		parse_breakdown(a, arg, state);
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		check_args(a, state);
		break;
	default:
		return parse_run_opt(key, arg, state);
	}
	return 0;
}

/* The defaults of 'monitor': damo's context, the fault source, 1 s, the top 10 regions. */
static void monitor_args_init(struct monitor_args *a)
{
	memset(a, 0, sizeof(*a));
	damon_ctx_defaults(&a->cfg);
	a->src_fault = true;
	a->interval_us = 1000000;
	a->top = 10;
}

/*
 * The spec a monitoring session is: the context with its targets (paddr: the physical
 * address space, the spec's one target), intervals and sample control, the "bpf" block, no
 * schemes; what is not the spec (interval, duration, views, record, pin) goes to o.
 */
static void monitor_to_spec(const struct monitor_args *a, struct spec *sp, struct run_opts *o)
{
	spec_init(sp);
	snprintf(sp->policy.command, sizeof(sp->policy.command), "monitor");
	sp->policy.drop_exited = false;	/* the kdamond ends with its last target */
	sp->ctx = a->cfg;
	sp->ctx.nr_schemes = 0;
	strcpy(sp->ctx.ops, a->paddr ? "paddr" : "vaddr");
	if (a->paddr)
		sp->ctx.nr_pids = 1;
	sp->ctx.page_table = a->src_pte;
	sp->ctx.page_fault = a->src_fault || a->src_perf;
	sp->ctx.cpus = NULL;
	if (a->have_cpus) {
		memcpy(sp->cpus, a->cpus, sizeof(sp->cpus));
		sp->ctx.cpus = sp->cpus;
	}
	sp->ctx.rw = a->write_only ? RW_WRITES : a->read_only ? RW_READS : RW_BOTH;
	snprintf(sp->bpf.source, sizeof(sp->bpf.source), "%s%s%s", a->src_fault ? "fault" : "",
		 a->src_fault && a->src_perf ? "," : "", a->src_perf ? "perf" : "");
	sp->bpf.no_prefilter = a->no_prefilter;
	sp->bpf.no_kfunc = a->no_kfunc;
	sp->bpf.perf_period = a->perf_period;
	memcpy(sp->ctx.probes, a->probes, sizeof(a->probes));
	sp->ctx.nr_probes = a->nr_probes;
	*o = (struct run_opts){ a->interval_us, a->duration_us, a->json, a->prom, a->top,
				a->record, a->pin };
}

int monitor_spec(int argc, char **argv, struct spec *sp, struct run_opts *o,
		 struct scheme_args *out)
{
	static const struct argp argp = { options, parse_opt, NULL, doc };
	struct monitor_args a;

	*out = (struct scheme_args){};
	monitor_args_init(&a);
	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return EXIT_USAGE;
	monitor_to_spec(&a, sp, o);
	return 0;
}

/* A monitor spec, run by the runner as every session is. */
int cmd_monitor(int argc, char **argv)
{
	return schemes_command(argc, argv, monitor_spec, NULL);
}

/* damon-bpf start NAME [monitor options]: monitor --pin NAME. */
int cmd_start(int argc, char **argv)
{
	char **av;
	int i, ret;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			printf("USAGE: damon-bpf start NAME [monitor options]\n\n"
			       "Starts a session as 'damon-bpf monitor --pin NAME' does: it runs on\n"
			       "after damon-bpf exits, until 'damon-bpf stop NAME'.\n\n"
			       "EXAMPLES:\n"
			       "  damon-bpf start hot --pid 4242 --write-only\n"
			       "  damon-bpf status; damon-bpf stop hot\n");
			return 0;
		}
		return err("usage: damon-bpf start NAME [monitor options]"), EXIT_USAGE;
	}
	av = calloc(argc + 3, sizeof(*av));
	if (!av)
		return err("out of memory"), EXIT_RUNTIME;
	av[0] = argv[0];
	av[1] = "--pin";
	av[2] = argv[1];
	for (i = 2; i < argc; i++)
		av[i + 1] = argv[i];
	ret = cmd_monitor(argc + 1, av);
	free(av);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: DAMON access monitoring fed by BPF reporters.  Subcommand dispatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "cli/commands.h"
#include "lib/util.h"

const char *argp_program_version = "damon-bpf 0.1";
const char *argp_program_bug_address = "the damon-bpf issue tracker";

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "monitor", cmd_monitor, "a monitoring session: regions by access rate, per CPU, R/W" },
	{ "report", cmd_report, "print the snapshots of a record file" },
	{ "reclaim", cmd_reclaim, "proactive reclaim of several processes in one kdamond" },
	{ "collapse", cmd_collapse, "collapse the hot 2 MiB ranges of processes into THPs" },
	{ "tier", cmd_tier, "promote hot pages to a fast node, demote cold ones to a slow node" },
	{ "run", cmd_run, "run a setup from a JSON spec (damo's shape + bpf + policy)" },
	{ "args", cmd_args, "print the spec a session's command line means" },
	{ "start", cmd_start, "start a pinned session that runs on after damon-bpf exits" },
	{ "stop", cmd_stop, "stop sessions; remove what a dead one left" },
	{ "status", cmd_status, "list every session, its kdamond and owner" },
	{ "bench", cmd_bench, "measure the reporters' cost on a fault-heavy workload" },
	{ "count", cmd_count, "run a command, count its page faults per CPU, reads and writes" },
	{ "perf-plan", cmd_perf_plan, NULL },	/* hidden: a debugging aid (docs/usage.md) */
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"USAGE: damon-bpf [-v] COMMAND [OPTION...]\n"
		"\n"
		"Which memory is accessed, by which CPU, and whether it is written: DAMON\n"
		"regions fed by BPF reporters on page faults and perf samples (with the\n"
		"damon-bpf kernel series), or BPF maps on kernels without the\n"
		"bpf_damon_report_access() kfunc.\n"
		"\n"
		"COMMANDS:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (commands[i].summary)
			fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\n"
		"OPTIONS:\n"
		"  -v, --verbose   print libbpf's debug log (verifier output)\n"
		"  -h, --help      this help; 'damon-bpf COMMAND --help' for a command's\n"
		"\n"
		"EXAMPLES:\n"
		"  damon-bpf monitor --pid 4242 --cpus 0 --write-only\n"
		"  damon-bpf monitor --pid 4242 --json --duration 10s --record run.dbr\n"
		"  damon-bpf report run.dbr\n"
		"  damon-bpf reclaim --pid 4242 --pid 4243 --min-age 2min --quota 64MiB/s\n"
		"  damon-bpf args tier --fast 0 --slow 1 > tier.json; damon-bpf run tier.json\n"
		"  damon-bpf count -- ./workload --region r:4M@0 --region w:4M@1\n"
		"\n"
		"EXIT STATUS: 0 done, 1 runtime error (said on stderr), 64 usage error; count\n"
		"exits with its COMMAND's status.  SIGINT, SIGTERM, SIGHUP and a closed output\n"
		"end every command cleanly: what it created is removed (docs/usage.md).\n");
}

int main(int argc, char **argv)
{
	size_t i;

	while (argc > 1 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--verbose")) {
			verbose = true;
		} else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[1], "--version")) {
			puts(argp_program_version);
			return 0;
		} else {
			err("unknown option '%s'", argv[1]);
			usage(stderr);
			return EXIT_USAGE;
		}
		argc--;
		argv++;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	libbpf_set_print(libbpf_print_fn);
	/* Every command ends cleanly on SIGINT, SIGTERM, SIGHUP and a closed output (SIGPIPE). */
	install_signal_handlers();
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(argv[1], commands[i].name)) {
			/* argv[0] becomes "damon-bpf COMMAND" for argp's messages. */
			static char name[64];

			snprintf(name, sizeof(name), "damon-bpf %s", commands[i].name);
			argv[1] = name;
			return commands[i].fn(argc - 1, argv + 1);
		}
	}
	err("unknown command '%s' (see 'damon-bpf --help')", argv[1]);
	return EXIT_USAGE;
}

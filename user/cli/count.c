// SPDX-License-Identifier: GPL-2.0
/* damon-bpf count: the command line (session/count.c runs it). */
#include <argp.h>
#include <string.h>

#include "cli/commands.h"
#include "lib/util.h"
#include "session/count.h"

static const char doc[] =
"Run COMMAND and count its user page faults per CPU, split into reads and\n"
"writes.\n"
"\n"
"USAGE: damon-bpf count [--range START-END] [--json] -- COMMAND [ARG...]\n"
"\n"
"The counts come from the page_fault_user tracepoint (error code bit 1 = write)\n"
"and cover COMMAND's whole process (all its threads), not its children.\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf count -- ./workload --region r:4M@0 --region w:4M@1\n"
"  damon-bpf count --range 0x600000000000-0x700000000000 --json \\\n"
"          -- ./workload --region w:1M\n"
EXIT_DOC_COUNT;

static const struct argp_option options[] = {
	{ "range", 'r', "START-END", 0, "Count only faults at addresses in [START, END)" },
	{ "json", 'j', NULL, 0, "Print one JSON object" },
	{ "raw-tp", 'R', NULL, 0, "Use the raw_tp program even where tp_btf works (a test aid)" },
	{},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct count_args *a = state->input;
	char *dash;

	switch (key) {
	case 'r':
		dash = strchr(arg, '-');
		if (!dash)
			argp_error(state, "--range %s: expected START-END", arg);
		*dash = '\0';
		if (parse_u64(arg, &a->start) || parse_u64(dash + 1, &a->end) || a->start >= a->end)
			argp_error(state, "--range: expected START-END with START < END");
		break;
	case 'j':
		a->json = true;
		break;
	case 'R':
		a->raw = true;
		break;
	case ARGP_KEY_ARGS:
		a->cmd = state->argv + state->next;
		break;
	case ARGP_KEY_NO_ARGS:
		argp_error(state, "no COMMAND given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int cmd_count(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, "-- COMMAND [ARG...]", doc };
	struct count_args a = {};

	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &a))
		return EXIT_USAGE;
	return count_run(&a);
}

// SPDX-License-Identifier: GPL-2.0
/* damon-bpf report: print the snapshots of a record file as 'monitor' did. */
#include <argp.h>

#include "cli/commands.h"
#include "lib/util.h"
#include "view/view.h"

static const char doc[] =
"Print the snapshots that 'damon-bpf monitor --record FILE' wrote, as the live\n"
"view did.\n"
"\n"
"USAGE: damon-bpf report [--json] [--top N] FILE\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf report run.dbr\n"
"  damon-bpf report --json run.dbr | tail -n 1\n"
EXIT_DOC;

static const struct argp_option options[] = {
	{ "json", 'j', NULL, 0, "One JSON object per snapshot (the keys of monitor --json)" },
	{ "top", 't', "N", 0, "Regions shown in the table (default 10, 0: all)" },
	{},
};

struct report_args {
	struct view_opts view;
	const char *file;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct report_args *a = state->input;
	long n;

	switch (key) {
	case 'j':
		a->view.json = true;
		break;
	case 't':
		if (parse_int(arg, 0, 1 << 20, &n))
			argp_error(state, "--top %s: expected a count", arg);
		a->view.top = n;
		break;
	case ARGP_KEY_ARG:
		if (a->file)
			argp_error(state, "one FILE only");
		a->file = arg;
		break;
	case ARGP_KEY_END:
		if (!a->file)
			argp_error(state, "no record FILE given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, "FILE", doc };
	struct report_args a = { .view.top = 10 };

	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return EXIT_USAGE;
	install_signal_handlers();
	return record_replay(a.file, &a.view) ? 1 : 0;
}

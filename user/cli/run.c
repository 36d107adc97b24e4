// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf run / args: a whole setup from a spec file, and the spec a command line means.
 * 'damon-bpf args reclaim --pid 42 > r.json; damon-bpf run r.json' does what the command
 * line does.
 */
#include <argp.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "lib/util.h"

static const char run_doc[] =
"Run a setup described by a JSON spec: damo's shape, plus a 'bpf' and a\n"
"'policy' block.\n"
"\n"
"USAGE: damon-bpf run FILE [--name NAME] [--interval TIME] [--duration TIME]\n"
"                          [--json] [--prom FILE]\n"
"\n"
"FILE ('-': standard input) holds {\"kdamonds\": [{\"contexts\": [{\"ops\",\n"
"\"targets\", \"intervals\", \"nr_regions\", \"sample_control\", \"schemes\"}]}],\n"
"\"bpf\": {\"source\"}, \"policy\": {...}}; docs/schemes.md describes every key,\n"
"docs/examples/ has one file per scheme command.  Values may be numbers or\n"
"damo's strings (\"5 ms\", \"4 KiB\", \"max\", \"50 %\" of the maximum\n"
"nr_accesses).  Errors name the line and the key.  The session runs like the\n"
"command that 'damon-bpf args' turned into the file: same output, same\n"
"--add/--remove, 'damon-bpf status' and 'damon-bpf stop NAME'.  A monitor\n"
"spec runs as 'monitor' does, named NAME (default monitor-PID).\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf run docs/examples/reclaim.json\n"
"  damon-bpf args tier --fast 0 --slow 1 | damon-bpf run - --duration 1m\n"
EXIT_DOC;

struct run_args {
	const char *file;
	struct scheme_args c;
};

static error_t run_opt(int key, char *arg, struct argp_state *state)
{
	struct run_args *a = state->input;

	switch (key) {
	case ARGP_KEY_ARG:
		if (a->file)
			argp_error(state, "one spec FILE at a time");
		a->file = arg;
		break;
	case ARGP_KEY_END:
		if (!a->file)
			argp_error(state, "no spec FILE");
		break;
	default:
		return scheme_args_opt(&a->c, key, arg, state);
	}
	return 0;
}

static const struct argp_option run_options[] = {
	{ "name", OPT_NAME, "NAME", 0, "Session name (default: the spec's policy.name)" },
	{ "interval", 'i', "TIME", 0, "Print stats every TIME (default 1s)" },
	{ "duration", 'd', "TIME", 0, "Stop after TIME (default: until Ctrl-C)" },
	{ "json", 'j', NULL, 0, "One JSON object per interval" },
	PROM_OPTION,
	{},
};

int run_spec(int argc, char **argv, struct spec *sp, struct run_opts *o, struct scheme_args *out)
{
	static const struct argp argp = { run_options, run_opt, "FILE", run_doc };
	struct run_args a = {};

	scheme_args_init(&a.c, "run", 0);
	a.c.name = NULL;
	if (scheme_args_parse(&argp, argc, argv, &a, &a.c, out))
		return EXIT_USAGE;
	if (spec_load(sp, a.file))
		return 1;
	if (a.c.name)
		snprintf(sp->policy.name, sizeof(sp->policy.name), "%s", a.c.name);
	*o = (struct run_opts){ a.c.interval_us, a.c.duration_us, a.c.json, a.c.prom, .top = 10 };
	return 0;
}

int cmd_run(int argc, char **argv)
{
	return schemes_command(argc, argv, run_spec, NULL);
}

static const char args_doc[] =
"Print the spec (JSON) that a session's command line means, for\n"
"'damon-bpf run'.\n"
"\n"
"USAGE: damon-bpf args monitor|reclaim|collapse|tier|run ARGS...\n"
"\n"
"Nothing is started and nothing needs root.  'args run FILE' prints a spec file\n"
"with every default filled in.\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf args reclaim --pid 4242 --min-age 2min > reclaim.json\n"
"  damon-bpf args tier --fast 0 --slow 1 --fast-used 95%\n"
"\n"
"Exit status: 0 printed, 1 runtime error (a spec FILE that does not read), 64\n"
"usage error in ARGS; 2 when the command is missing or not one of the above,\n"
"or with --add/--remove (which change a running session and have no spec).\n";

/* The commands 'args' knows: each builds the spec its command line means. */
static const struct {
	const char *name;
	scheme_spec_fn build;
} spec_commands[] = {
	{ "reclaim", reclaim_spec },
	{ "collapse", collapse_spec },
	{ "tier", tier_spec },
	{ "run", run_spec },
	{ "monitor", monitor_spec },
};

int cmd_args(int argc, char **argv)
{
	struct spec *sp;
	struct scheme_args a = {};
	struct run_opts o;
	char name[64];
	size_t i;
	int ret;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(args_doc, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < ARRAY_SIZE(spec_commands) && strcmp(argv[1], spec_commands[i].name); i++)
		;
	if (i == ARRAY_SIZE(spec_commands))
		return err("args: '%s' is not a session command (monitor, reclaim, collapse, tier, "
			   "run)",
			   argv[1]), 2;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return err("out of memory"), 1;
	snprintf(name, sizeof(name), "damon-bpf args %s", argv[1]);
	argv[1] = name;
	ret = spec_commands[i].build(argc - 1, argv + 1, sp, &o, &a);
	if (!ret && (a.add || a.remove))
		ret = (err("args: --add and --remove change a running session; they have no "
			   "spec"), 2);
	if (!ret)
		spec_print(stdout, sp, false);
	free(sp);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/* damon-bpf stop, status: the command lines; session/stop.c does the work for each session. */
#include <argp.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "lib/util.h"
#include "session/session.h"
#include "view/prom.h"

static const char stop_doc[] =
"Stop sessions and remove all they created.  A session whose loader runs\n"
"(monitor, reclaim, collapse, tier, run, bench) is asked to end (SIGTERM) and\n"
"cleans up itself; stop waits up to 30 s for it.  For a pinned session, or one\n"
"whose loader died (SIGKILL, a crash), stop removes what its owner record\n"
"(/run/damon-bpf/NAME.session) names: the kdamond, if it is still the one the\n"
"session created (never another user's), the pinned BPF links and maps, the\n"
"records; and says what it removed.\n"
"\n"
"USAGE: damon-bpf stop NAME... | --all\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf start web --pid 4242 --cpus 0; damon-bpf stop web\n"
"  damon-bpf stop --all\n"
EXIT_DOC;

struct names_args {
	char **names;
	int nr;
	bool all, json;
	const char *prom;
};

static error_t names_opt(int key, char *arg, struct argp_state *state)
{
	struct names_args *a = state->input;

	switch (key) {
	case 'a':
		a->all = true;
		break;
	case 'j':
		a->json = true;
		break;
	case OPT_PROM:
		prom_arg(arg, state);
		a->prom = arg;
		break;
	case ARGP_KEY_ARG:
		a->names = realloc(a->names, (a->nr + 1) * sizeof(*a->names));
		if (!a->names)
			argp_error(state, "out of memory");
		a->names[a->nr++] = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int cmd_stop(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "all", 'a', NULL, 0, "Stop every damon-bpf session" },
		{},
	};
	static const struct argp argp = { opts, names_opt, "NAME...", stop_doc };
	struct names_args a = {};
	char **names;
	int i, n, ret = 0;

	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return EXIT_USAGE;
	if (a.all == (a.nr > 0)) {
		free(a.names);
		return err("give session NAMEs or --all (damon-bpf status lists them)"), EXIT_USAGE;
	}
	if (geteuid() != 0) {
		free(a.names);
		return err("stopping a session needs root: run damon-bpf as root"), EXIT_RUNTIME;
	}
	if (a.all) {
		n = session_list(&names);
		if (!n)
			info("damon-bpf: no session to stop");
		for (i = 0; i < n; i++) {
			ret |= session_stop(names[i]);
			free(names[i]);
		}
		free(names);
	} else {
		for (i = 0; i < a.nr; i++)
			ret |= session_stop(a.names[i]);
	}
	free(a.names);
	return ret ? 1 : 0;
}

static const char status_doc[] =
"List the damon-bpf sessions, from their owner records in /run/damon-bpf.\n"
"Every session: its kind, kdamond (on, off, gone, none), loader, and OWNER GONE\n"
"where the loader died ('damon-bpf stop NAME' or the next command that needs\n"
"DAMON removes what it left).\n"
"Pinned sessions (start, monitor --pin): their reporter counters (the pinned\n"
"'stats' map).\n"
"Scheme sessions (reclaim, collapse, tier, run): each scheme's stats since it\n"
"got its target (tried and applied bytes, quota exceeds), its effective quota\n"
"and the current values of its quota goals, per node where goals name nodes.\n"
"\n"
"With --prom FILE: once, as node_exporter textfile metrics, every session's\n"
"kdamond state and owner, and the pinned sessions' reporter counters (a start\n"
"session has no loader to write --prom every interval: run this from a timer).\n"
"The file appears whole (written beside it, renamed over it).\n"
"\n"
"USAGE: damon-bpf status [--json | --prom FILE]\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf status\n"
"  damon-bpf status --json\n"
"  damon-bpf status --prom /var/lib/prometheus/node-exporter/damon-bpf.prom\n"
"  bpftool map dump pinned /sys/fs/bpf/damon-bpf/NAME/stats\n"
EXIT_DOC;

int cmd_status(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "json", 'j', NULL, 0, "One JSON object per session" },
		{ "prom", OPT_PROM, "FILE", 0, "Write the sessions as metrics to FILE, once" },
		{},
	};
	static const struct argp argp = { opts, names_opt, NULL, status_doc };
	struct names_args a = {};
	char **names;
	int i, n, ret;

	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return EXIT_USAGE;
	if (a.nr) {
		free(a.names);
		return err("status takes no argument (it lists every session)"), EXIT_USAGE;
	}
	if (a.json && a.prom)
		return err("status: --json or --prom, not both"), EXIT_USAGE;
	if (geteuid() != 0)
		return err("reading sessions needs root: run damon-bpf as root"), EXIT_RUNTIME;
	install_signal_handlers();
	n = session_list(&names);
	if (a.prom) {
		ret = prom_check(a.prom) || session_status_prom(a.prom, names, n);
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return ret ? EXIT_RUNTIME : 0;
	}
	if (!n && !a.json)
		printf("no damon-bpf session\n");
	for (i = 0; i < n; i++) {
		session_status(names[i], a.json);
		free(names[i]);
		out_flush(stdout);
	}
	free(names);
	return 0;
}

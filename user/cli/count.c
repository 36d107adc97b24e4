// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf count: run a command and count its user page faults per CPU, reads and writes,
 * exactly, from the page_fault_user tracepoint.
 */
#include <argp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/libbpf.h>

#include "cli/commands.h"
#include "bpf/reporter.h"
#include "lib/json.h"
#include "lib/util.h"

static const char doc[] =
"Run COMMAND and count its user page faults per CPU, split into reads and writes.\n"
"\n"
"USAGE: damon-bpf count [--range START-END] [--json] -- COMMAND [ARG...]\n"
"\n"
"The counts come from the page_fault_user tracepoint (error code bit 1 = write) and cover\n"
"COMMAND's whole process (all its threads), not its children.\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf count -- ./workload --region r:4M@0 --region w:4M@1\n"
"  damon-bpf count --range 0x600000000000-0x700000000000 --json -- ./workload --region w:1M\n"
EXIT_DOC_COUNT;

static const struct argp_option options[] = {
	{ "range", 'r', "START-END", 0, "Count only faults at addresses in [START, END)" },
	{ "json", 'j', NULL, 0, "Print one JSON object" },
	{ "raw-tp", 'R', NULL, 0, "Use the raw_tp program even where tp_btf works (a test aid)" },
	{},
};

struct count_args {
	uint64_t start, end;
	bool json, raw;
	char **cmd;
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
	uint64_t total[STAT_MAX], (*per_cpu)[STAT_MAX] = NULL;
	struct count_args a = {};
	struct reporter_opts o = { .fault = true };
	struct reporter r = {};
	int go[2] = { -1, -1 }, status, cpu, ret = 1;
	pid_t child;

	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &a))
		return EXIT_USAGE;
	if (pipe(go))
		return err("pipe: %s", strerror(errno)), 1;
	child = fork();
	if (child < 0)
		return err("fork: %s", strerror(errno)), 1;
	if (child == 0) {
		char c;

		close(go[1]);
		/* Wait until the counter is attached; EOF without a byte means it failed. */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(a.cmd[0], a.cmd);
		fprintf(stderr, "damon-bpf: %s: %s\n", a.cmd[0], strerror(errno));
		_exit(127);
	}
	close(go[0]);

	o.tgids = &child;
	o.nr_tgids = 1;
	o.addr_min = a.start;
	o.addr_max = a.end;
	o.no_kfunc = true;	/* counting only: nothing goes to DAMON */
	o.fault_raw = a.raw;
	if (reporter_start(&r, &o))
		goto out;
	if (write(go[1], "g", 1) != 1) {
		err("starting %s: %s", a.cmd[0], strerror(errno));
		goto out;
	}
	close(go[1]);
	go[1] = -1;
	/* A signal to count ends COMMAND too (SIGTERM), and count reports what it counted. */
	while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
		if (exiting == 1) {
			kill(child, SIGTERM);
			exiting = 2;
		}
	}
	child = -1;

	per_cpu = calloc(r.nr_cpus, sizeof(*per_cpu));
	if (!per_cpu || reporter_read_stats(&r, total, per_cpu))
		goto out;
	if (a.json) {
		struct json_writer w = { .f = stdout, .compact = true };

		jw_begin(&w, NULL, '{');
		jw_str(&w, "source", r.fault_variant);
		jw_begin(&w, "faults", '{');
		jw_begin(&w, "read", '[');
		for (cpu = 0; cpu < r.nr_cpus; cpu++)
			jw_num(&w, NULL, per_cpu[cpu][STAT_READS]);
		jw_end(&w, ']');
		jw_begin(&w, "write", '[');
		for (cpu = 0; cpu < r.nr_cpus; cpu++)
			jw_num(&w, NULL, per_cpu[cpu][STAT_WRITES]);
		jw_end(&w, ']');
		jw_end(&w, '}');
		jw_num(&w, "seen", total[STAT_SEEN]);
		jw_num(&w, "filtered", total[STAT_FILTERED]);
		jw_int(&w, "exit_status", WIFEXITED(status) ? WEXITSTATUS(status) :
			128 + WTERMSIG(status));
		jw_end(&w, '}');
	} else {
		printf("%-5s %12s %12s\n", "CPU", "READ", "WRITE");
		for (cpu = 0; cpu < r.nr_cpus; cpu++)
			printf("%-5d %12llu %12llu\n", cpu,
			       (unsigned long long)per_cpu[cpu][STAT_READS],
			       (unsigned long long)per_cpu[cpu][STAT_WRITES]);
		printf("%-5s %12llu %12llu\n", "all", (unsigned long long)total[STAT_READS],
		       (unsigned long long)total[STAT_WRITES]);
	}
	out_flush(stdout);
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
out:
	if (go[1] >= 0)
		close(go[1]);	/* the child sees EOF and exits */
	if (child > 0)
		waitpid(child, NULL, 0);
	free(per_cpu);
	reporter_stop(&r);
	return ret;
}

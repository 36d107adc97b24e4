// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf count (see session/count.h): the command forked and held until the fault
 * reporter counts its process (nothing goes to DAMON), then waited for; a signal to count
 * ends it too, and count reports what it counted.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "bpf/reporter.h"
#include "lib/util.h"
#include "session/count.h"
#include "view/counts.h"

/* The child: waits until the counter is attached (EOF without a byte: it failed), execs. */
static void child_exec(const struct count_args *a, int go)
{
	char c;

	if (read(go, &c, 1) != 1)
		_exit(127);
	execvp(a->cmd[0], a->cmd);
	fprintf(stderr, "damon-bpf: %s: %s\n", a->cmd[0], strerror(errno));
	_exit(127);
}

/* Waits for the child; the first signal to count is passed on as SIGTERM. */
static int wait_child(pid_t child)
{
	int status;

	while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
		if (exiting == 1) {
			kill(child, SIGTERM);
			exiting = 2;
		}
	}
	return status;
}

static int print_counts(struct reporter *r, int status, bool json)
{
	uint64_t total[STAT_MAX], (*per_cpu)[STAT_MAX] = calloc(r->nr_cpus, sizeof(*per_cpu));
	struct counts c = {
		.source = r->fault_variant, .nr_cpus = r->nr_cpus, .total = total,
		.per_cpu = (const uint64_t (*)[STAT_MAX])per_cpu,
		.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	};

	if (!per_cpu || reporter_read_stats(r, total, per_cpu)) {
		free(per_cpu);
		return -1;
	}
	counts_print(&c, json);
	free(per_cpu);
	return 0;
}

int count_run(const struct count_args *a)
{
	struct reporter_opts o = { .fault = true, .addr_min = a->start, .addr_max = a->end,
				   .no_kfunc = true, .fault_raw = a->raw };	/* counting only */
	struct reporter r = {};
	int go[2] = { -1, -1 }, status, ret = 1;
	pid_t child;

	if (pipe(go))
		return err("pipe: %s", strerror(errno)), 1;
	child = fork();
	if (child < 0)
		return err("fork: %s", strerror(errno)), 1;
	if (child == 0) {
		close(go[1]);
		child_exec(a, go[0]);
	}
	close(go[0]);
	o.tgids = &child;
	o.nr_tgids = 1;
	if (reporter_start(&r, &o))
		goto out;
	if (write(go[1], "g", 1) != 1) {
		err("starting %s: %s", a->cmd[0], strerror(errno));
		goto out;
	}
	close(go[1]);
	go[1] = -1;
	status = wait_child(child);
	child = -1;
	if (!print_counts(&r, status, a->json))
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
out:
	if (go[1] >= 0)
		close(go[1]);	/* the child sees EOF and exits */
	if (child > 0)
		waitpid(child, NULL, 0);
	reporter_stop(&r);
	return ret;
}

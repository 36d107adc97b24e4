// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: a running scheme session seen from another process: --add/--remove change its
 * targets (under the session's lock, through its saved spec), 'status' prints its stats.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "session/internal.h"
#include "session/runner.h"

/* Loads a running session for a change or a status read. */
static int attach(struct runner *r, const char *name)
{
	struct session_file sf;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	if (session_read(name, &sf) || !sf.spec[0])
		return err("no running scheme session '%s' (damon-bpf status lists them)", name);
	snprintf(r->spec_path, sizeof(r->spec_path), "%s", sf.spec);
	if (spec_load(&r->sp, r->spec_path) || runner_check_nodes(&r->sp))
		return -1;
	r->d.kdamond = sf.kdamond;
	snprintf(r->d.dir, sizeof(r->d.dir), "%s/kdamonds/%d", DAMON_ADMIN, sf.kdamond);
	if (!damon_running(&r->d) || damon_kdamond_pid(&r->d) != sf.kdamond_pid)
		return err("session '%s': its kdamond is not running", name);
	refresh_ranges(r);
	return 0;
}

int session_change(const char *name, int add, int remove, uint32_t prio)
{
	struct damos_stats st[DAMON_MAX_SCHEMES];
	struct runner *r = calloc(1, sizeof(*r));
	int pid = add ? add : remove, t, ret = 1;
	bool gone[DAMON_MAX_TARGETS] = {};
	struct session_lock lock;

	if (!r)
		return err("out of memory"), 1;
	if (geteuid() != 0) {
		err("changing a session needs root");
		goto out_free;
	}
	if (add && pid_check_user(add))
		goto out_free;
	if (session_lock(name, &lock))
		goto out_free;
	if (attach(r, name))
		goto out;
	if (!strcmp(r->sp.ctx.ops, "paddr")) {
		err("session '%s' monitors physical memory: it has no processes", name);
		goto out;
	}
	/* Exited targets first: 6.12 fails a commit that names one, and the kdamond with it. */
	mark_exited(r, gone);
	t = spec_target_index(&r->sp, pid);
	if (add && t >= 0) {
		err("pid %d is in session '%s' already", pid, name);
		goto out;
	}
	if (remove && t < 0) {
		err("pid %d is not in session '%s'", pid, name);
		goto out;
	}
	if (add && r->sp.ctx.nr_pids == DAMON_MAX_TARGETS) {
		err("session '%s' has %d targets, the most it takes", name, DAMON_MAX_TARGETS);
		goto out;
	}
	if (remove) {
		int left = 0, k;

		gone[t] = true;
		for (k = 0; k < r->sp.ctx.nr_pids; k++)
			left += !gone[k];
		if (!left) {
			err("pid %d is the session's last target: stop it instead "
			    "(damon-bpf stop %s)", pid, name);
			goto out;
		}
	}
	for (t = 0; t < r->sp.ctx.nr_pids && !gone[t]; t++)
		;
	if (t < r->sp.ctx.nr_pids && remove_targets(r, gone))
		goto out;
	if (add) {
		if (damon_scheme_stats(&r->d, st, r->sp.ctx.nr_schemes, NULL) ||
		    add_target(r, add, prio, st))
			goto out;
	}
	info("damon-bpf: session %s: pid %d %s, %d target(s)", name, pid,
	     add ? "added" : "removed", r->sp.ctx.nr_pids);
	ret = 0;
out:
	session_unlock(&lock);
out_free:
	free(r);
	return ret;
}

int session_scheme_status(const char *name, const struct session_file *sf, bool json)
{
	struct runner *r = calloc(1, sizeof(*r));
	struct session_lock lock;
	int ret = -1;

	if (!r)
		return -1;
	/*
	 * Under the session's lock, as --add/--remove: a commit of the session in flight would
	 * hold DAMON's command slot (EBUSY) for longer than the stats request waits.
	 */
	if (session_lock(name, &lock)) {
		free(r);
		return -1;
	}
	if (!attach(r, name)) {
		struct damos_stats st[DAMON_MAX_SCHEMES];

		ret = damon_scheme_stats(&r->d, st, r->sp.ctx.nr_schemes, NULL);
		if (!ret)
			print_stats(r, st, 0, json, name, sf, NULL);
		if (!ret && !json)
			printf("%16s loader pid %d, spec %s\n", "", sf->owner, sf->spec);
	}
	session_unlock(&lock);
	free(r);
	return ret;
}

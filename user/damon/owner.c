// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: kdamond ownership.  Whether the kdamond an owner record names is still the one
 * the session created, from what the record kept (index, kdamond pid, first target): only
 * then may 'stop' or a later claim turn it off.  Reads DAMON sysfs only.
 */
#include <string.h>

#include "damon/damon.h"
#include "lib/util.h"

/*
 * Whether kdamond d is set up as the session set it up, or not set up yet: the loader may
 * have died between creating the kdamond and writing its targets (nr_kdamonds, then
 * nr_contexts, then the context, nr_targets, then each pid_target).  A context with targets
 * must have the session's first target (paddr: monitor physical memory).
 */
static bool setup_is(const struct damon_session *d, int first_pid)
{
	char buf[64];
	long pid, n;

	if (damon_read_long(d->dir, "contexts/nr_contexts", 0, 1 << 20, &n))
		return false;
	if (n == 0)
		return true;
	if (damon_read_long(d->dir, "contexts/0/targets/nr_targets", 0, 1 << 20, &n))
		return false;
	if (first_pid <= 0)
		return n == 0 || (!damon_read(d->dir, "contexts/0/operations", buf, sizeof(buf)) &&
				  !strncmp(buf, "paddr", 5));
	if (n == 0)
		return true;
	if (damon_read_long(d->dir, "contexts/0/targets/0/pid_target", 0, 1 << 30, &pid))
		return false;
	/* 0: nr_targets was written, pid_target not yet (DAMON's default). */
	return pid == first_pid || (pid == 0 && !damon_running(d));
}

bool damon_is_ours(struct damon_session *d, int kdamond, int kdamond_pid, int first_pid)
{
	long n;

	if (kdamond < 0)
		return false;
	if (damon_read_long(DAMON_ADMIN "/kdamonds", "nr_kdamonds", 0, 1 << 20, &n) ||
	    n != kdamond + 1)
		return false;
	d->kdamond = kdamond;
	snprintf(d->dir, sizeof(d->dir), "%s/kdamonds/%d", DAMON_ADMIN, kdamond);
	if (damon_running(d) && kdamond_pid > 0)
		return damon_kdamond_pid(d) == kdamond_pid;
	return setup_is(d, first_pid);
}

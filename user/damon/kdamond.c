// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: our kdamond's life: claimed only when DAMON sysfs holds no one else's kdamond,
 * started, committed, stopped and removed.  Only kdamonds this process created are changed.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "damon/damon.h"
#include "damon/sysfs.h"
#include "lib/util.h"

int damon_check(void)
{
	if (geteuid() != 0)
		return err("DAMON and BPF need root: run damon-bpf as root");
	if (!exists(KDAMONDS))
		return err("no DAMON sysfs at %s: the kernel needs CONFIG_DAMON_SYSFS", KDAMONDS);
	return 0;
}

int damon_claim(struct damon_session *s)
{
	char buf[64], state[32], path[256];
	long n, i;

	s->kdamond = -1;
	if (damon_read(KDAMONDS, "nr_kdamonds", buf, sizeof(buf)) || parse_int(buf, 0, 1 << 20, &n))
		return err("reading %s/nr_kdamonds: %s", KDAMONDS, strerror(errno));
	/*
	 * Writing nr_kdamonds removes every kdamond directory and creates new ones, and fails with
	 * EBUSY while any kdamond runs: with kdamonds there already, we would destroy someone's
	 * configuration or fail.  Say whose they are and stop.
	 */
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%ld", KDAMONDS, i);
		if (!damon_read(path, "state", state, sizeof(state)) && !strcmp(state, "on")) {
			damon_read(path, "pid", buf, sizeof(buf));
			return err("DAMON sysfs is busy: kdamond %ld (pid %s) is running and is not "
				   "ours; damon-bpf never stops or rewrites another user's kdamond", i, buf);
		}
	}
	if (n > 0)
		return err("DAMON sysfs holds %ld kdamond(s) (off) that damon-bpf did not create; "
			   "adding ours would erase them. Remove them if they are unused: "
			   "echo 0 > %s/nr_kdamonds", n, KDAMONDS);
	if (put(KDAMONDS, "nr_kdamonds", "1")) {
		if (errno == EBUSY)
			return err("DAMON sysfs is busy (another kdamond started meanwhile)");
		return -1;
	}
	s->kdamond = 0;
	snprintf(s->dir, sizeof(s->dir), "%s/0", KDAMONDS);
	return put(s->dir, "contexts/nr_contexts", "1");
}

int damon_start(struct damon_session *s)
{
	return put(s->dir, "state", "on");
}

int damon_commit_quiet(struct damon_session *s, const struct damon_ctx_cfg *c)
{
	if (damon_apply(s, c)) {
		errno = 0;
		return -1;
	}
	return put_quiet(s->dir, "state", "commit");
}

int damon_commit_failed(const struct damon_session *s, int e)
{
	return e ? err("writing 'commit' to %s/state: %s", s->dir, strerror(e)) : -1;
}

int damon_commit(struct damon_session *s, const struct damon_ctx_cfg *c)
{
	return damon_commit_quiet(s, c) ? damon_commit_failed(s, errno) : 0;
}

bool damon_running(const struct damon_session *s)
{
	char state[32];

	if (s->kdamond < 0)
		return false;
	/* Still EBUSY after damon_read()'s retries: the kdamond holds DAMON's lock, so it runs. */
	if (damon_read(s->dir, "state", state, sizeof(state)))
		return errno == EBUSY;
	return !strcmp(state, "on");
}

int damon_kdamond_pid(const struct damon_session *s)
{
	char buf[32];
	long pid;

	if (damon_read(s->dir, "pid", buf, sizeof(buf)) || parse_int(buf, -1, 1 << 30, &pid))
		return -1;
	return pid;
}

void damon_release(struct damon_session *s)
{
	if (s->kdamond < 0)
		return;
	/*
	 * 'off' fails with EPERM when the kdamond exited between the read of 'state' and the
	 * write (its last target died; __damon_stop() finds no kdamond): that is not an error.
	 */
	if (damon_running(s) && put_quiet(s->dir, "state", "off") && damon_running(s))
		err("writing 'off' to %s/state: %s", s->dir, strerror(errno));
	if (put_quiet(KDAMONDS, "nr_kdamonds", "0"))
		err("writing '0' to %s/nr_kdamonds: %s", KDAMONDS, strerror(errno));
	s->kdamond = -1;
}

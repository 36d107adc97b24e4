// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: claiming DAMON for a session (one kdamond at a time, records before what they
 * name), and removing what a session created: at its end, at 'stop', or at the next claim
 * when its loader died.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "damon/damon.h"
#include "lib/util.h"
#include "session/session.h"

static void append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t off = strlen(buf);
	va_list ap;

	if (off >= len - 1)
		return;
	if (off)
		off += snprintf(buf + off, len - off, ", ");
	va_start(ap, fmt);
	vsnprintf(buf + off, len - off, fmt, ap);
	va_end(ap);
}

/*
 * Removes what a session created: its kdamond (only if still the one it created), its pins
 * (links: the programs detach; maps), its records.  'removed' gets what was removed.
 */
int session_cleanup(const char *name, const struct session_file *sf, bool had_file,
			   char *removed, size_t len)
{
	struct damon_session d = { .kdamond = -1 };
	char path[256];
	int n, ret = 0;

	removed[0] = '\0';
	if (had_file && sf->kdamond >= 0 && access(DAMON_ADMIN, F_OK) == 0) {
		if (damon_is_ours(&d, sf->kdamond, sf->kdamond_pid, sf->first_pid)) {
			int kpid = damon_kdamond_pid(&d);
			bool on = damon_running(&d);

			damon_release(&d);
			if (on)
				append(removed, len, "kdamond %d (pid %d) turned off and removed",
				       sf->kdamond, kpid);
			else
				append(removed, len, "kdamond %d (stopped) removed", sf->kdamond);
		} else {
			info("damon-bpf: session %s: its kdamond is gone or was replaced; DAMON left "
			     "as it is", name);
		}
	}
	n = session_unpin(name, had_file ? sf : NULL);
	if (n < 0)
		ret = -1;
	else if (n > 0)
		append(removed, len, "%d pin(s) (BPF links and maps) under %s", n,
		       had_file && sf->pins[0] ? sf->pins : PIN_ROOT);
	if (had_file) {
		session_path(name, ".session", path, sizeof(path));
		append(removed, len, "its record %s", path);
	}
	session_remove(name);
	/* Its loader is gone, or it never had one (pinned): nobody holds its lock any more. */
	session_path(name, ".lock", path, sizeof(path));
	unlink(path);
	session_path(name, ".lockpid", path, sizeof(path));
	unlink(path);
	return ret;
}

/* Removes what every session whose loader died left behind; under the claim lock. */
static void recover_dead(void)
{
	char **names, removed[768];
	int i, n;

	n = session_list(&names);
	for (i = 0; i < n; i++) {
		struct session_file sf;

		if (!session_read(names[i], &sf) && sf.owner > 0 && !session_owner_alive(&sf)) {
			session_cleanup(names[i], &sf, true, removed, sizeof(removed));
			info("damon-bpf: session %s: its loader (pid %d, '%s') is gone; removed what "
			     "it left: %s", names[i], sf.owner, sf.command, removed);
		}
		free(names[i]);
	}
	free(names);
}

/* Refuses when a session of a live loader, or a pinned one, holds a kdamond. */
static int refuse_in_use(void)
{
	char **names;
	int i, n, ret = 0;

	n = session_list(&names);
	for (i = 0; i < n; i++) {
		struct session_file sf;

		if (!ret && !session_read(names[i], &sf) && sf.kdamond >= 0 &&
		    (sf.owner == 0 || session_owner_alive(&sf))) {
			if (sf.owner)
				ret = err("DAMON is in use by damon-bpf session '%s' (loader pid %d: "
					  "%s); one kdamond at a time: wait for it or damon-bpf "
					  "stop %s", names[i], sf.owner, sf.command, names[i]);
			else
				ret = err("DAMON is in use by the pinned damon-bpf session '%s' (%s); "
					  "one kdamond at a time: damon-bpf stop %s", names[i],
					  sf.desc, names[i]);
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

int session_claim(const char *name, struct session_file *sf, struct damon_session *d)
{
	struct session_lock l;
	int ret;

	d->kdamond = -1;
	if (session_lock(CLAIM_LOCK, &l))
		return -1;
	recover_dead();
	ret = refuse_in_use();
	if (!ret) {
		sf->kdamond = 0;	/* damon_claim() makes kdamond 0, or nothing */
		sf->kdamond_pid = -1;
		ret = session_write(name, sf);
	}
	if (!ret && damon_claim(d)) {
		damon_release(d);
		session_remove(name);
		sf->kdamond = -1;
		ret = -1;
	}
	session_unlock(&l);
	return ret;
}

int session_started(const char *name, struct session_file *sf, const struct damon_session *d)
{
	sf->kdamond_pid = damon_kdamond_pid(d);
	return session_write(name, sf);
}

void session_end(const char *name, struct damon_session *d)
{
	damon_release(d);
	session_remove(name);
}

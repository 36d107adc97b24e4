// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: 'stop' and 'status' of one session, from its owner record: a live loader is
 * asked to end, what a dead one (or a pinned session) left is removed; status gathers the
 * record, the pinned counters and the kdamond's state for the view.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "damon/damon.h"
#include "lib/util.h"
#include "session/runner.h"
#include "session/session.h"
#include "view/prom.h"
#include "view/status.h"

static const char *path_of(const char *name, char *buf, size_t len)
{
	session_path(name, ".session", buf, len);
	return buf;
}

int session_stop(const char *name)
{
	char dir[256], path[600], removed[768];
	struct session_file sf;
	struct session_lock l;
	bool had_file;
	int ret;

	snprintf(dir, sizeof(dir), "%s/%s", PIN_ROOT, name);
	had_file = !session_read(name, &sf);
	if (!had_file && access(dir, F_OK))
		return err("no session '%s' (damon-bpf status lists them)", name);
	/* A session with a live loader: ask it to end; it cleans up after itself. */
	if (had_file && sf.owner > 0 && sf.owner != getpid() && session_owner_alive(&sf)) {
		int i;

		kill(sf.owner, SIGTERM);
		for (i = 0; i < 300 && !access(path_of(name, path, sizeof(path)), F_OK); i++)
			usleep(100000);
		if (i == 300)
			return err("session %s: its loader (pid %d) did not stop within 30 s", name,
				   sf.owner);
		info("damon-bpf: session %s stopped (its loader, pid %d, cleaned up)", name,
		     sf.owner);
		return 0;
	}
	if (session_lock(CLAIM_LOCK, &l))
		return -1;
	ret = session_cleanup(name, &sf, had_file, removed, sizeof(removed));
	session_unlock(&l);
	if (had_file && sf.owner > 0)
		info("damon-bpf: session %s: its loader (pid %d, '%s') is gone; removed %s", name,
		     sf.owner, sf.command, removed[0] ? removed : "nothing");
	else if (!ret)
		info("damon-bpf: session %s stopped: removed %s", name,
		     removed[0] ? removed : "nothing");
	return ret;
}

/* A session's owner record; a session with pins and no record is a pinned one. */
static void read_or_pinned(const char *name, struct session_file *sf)
{
	if (session_read(name, sf))
		*sf = (struct session_file){ .kind = "pinned", .kdamond = -1 };
}

/* The status entry of a session from its record: pinned, monitor, bench, or a dead one's. */
static void status_gather(struct status_entry *e, const char *name, const struct session_file *sf)
{
	struct damon_session d = { .kdamond = -1 };
	char path[320];
	int fd = -1;

	*e = (struct status_entry){
		.name = name, .kind = sf->kind[0] ? sf->kind : "pinned", .command = sf->command,
		.desc = sf->desc, .owner = sf->owner, .kdamond_pid = sf->kdamond_pid,
		.owner_gone = sf->owner > 0 && !session_owner_alive(sf),
	};
	if (sf->pins[0] || !strcmp(sf->kind, "pinned")) {
		if (sf->pins[0])
			snprintf(path, sizeof(path), "%s/stats", sf->pins);
		else
			snprintf(path, sizeof(path), "%s/%s/stats", PIN_ROOT, name);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			stats_read_fd(fd, sf->nr_cpus > 0 ? sf->nr_cpus : libbpf_num_possible_cpus(),
				      e->stats, NULL);
			close(fd);
		}
	}
	e->pins = fd >= 0;
	e->show_counters = fd >= 0 || !strcmp(sf->kind, "pinned");
	e->kdamond = sf->kdamond < 0 ? "none" :
		     !damon_is_ours(&d, sf->kdamond, sf->kdamond_pid, sf->first_pid) ? "gone" :
		     damon_running(&d) ? "on" : "off";
}

void session_status(const char *name, bool json)
{
	struct status_entry e;
	struct session_file sf;

	read_or_pinned(name, &sf);
	/* A scheme session with its loader: its schemes' stats. */
	if (!exiting && sf.spec[0] && session_owner_alive(&sf) &&
	    !session_scheme_status(name, &sf, json))
		return;
	if (exiting)
		return;
	status_gather(&e, name, &sf);
	status_print(&e, json);
}

int session_status_prom(const char *path, char **names, int n)
{
	struct session_file *sf = calloc(n ? n : 1, sizeof(*sf));
	struct status_entry *e = calloc(n ? n : 1, sizeof(*e));
	int i, ret = -1;

	if (!sf || !e) {
		err("out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		read_or_pinned(names[i], &sf[i]);
		status_gather(&e[i], names[i], &sf[i]);
	}
	ret = prom_write_status(path, e, n);
out:
	free(sf);
	free(e);
	return ret;
}

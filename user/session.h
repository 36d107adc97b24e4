/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: pinned sessions.  'monitor --pin NAME' (or 'start NAME') leaves the reporters and
 * the kdamond running after the loader exits: links and maps are pinned under
 * /sys/fs/bpf/damon-bpf/NAME/, what 'stop' needs is written to /run/damon-bpf/NAME.session.
 */
#ifndef DAMON_BPF_SESSION_H
#define DAMON_BPF_SESSION_H

#include "damon.h"
#include "reporter.h"

#define PIN_ROOT "/sys/fs/bpf/damon-bpf"
#define SESSION_DIR "/run/damon-bpf"

/*
 * The session file /run/damon-bpf/NAME.session, one "key=value" a line.  Pinned sessions
 * name their kdamond; scheme sessions (reclaim, collapse, tier, run) also the loader that
 * runs them (owner) and their spec state (spec, a JSON file next to it).
 */
struct session_file {
	int kdamond, kdamond_pid, first_pid, nr_cpus;
	int owner;			/* pid of the loader running the session, 0: none */
	char kind[16];			/* "pinned", or the scheme command */
	char desc[320];
	char spec[256];
};

int session_write(const char *name, const struct session_file *sf);
int session_read(const char *name, struct session_file *sf);
void session_remove(const char *name);
/* Path of a session's file with the given suffix (".session", ".json", ".lock"). */
void session_path(const char *name, const char *suffix, char *buf, size_t len);

/*
 * Serialises changes of a session's DAMON setup among the processes that make them (the
 * session's loop, --add/--remove): flock() where the kernel has file locking, else an O_EXCL
 * lock file that holds its owner's pid, taken over once that pid is gone.
 */
struct session_lock {
	int fd;
	char path[256];
	bool excl;
};

int session_lock(const char *name, struct session_lock *l);
void session_unlock(struct session_lock *l);

/* Refuses bad names and names of existing sessions. */
int session_check_name(const char *name);
/* The same, and checks bpffs for pinning; call before creating anything. */
int session_check_new(const char *name);
/* Pins r's maps and links, writes the session file; r's links are then disconnected. */
int session_pin(const char *name, struct reporter *r, const struct damon_session *d,
		const char *desc, int first_pid);

int cmd_stop(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif

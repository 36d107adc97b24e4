/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: sessions' owner records and what hangs on them: the record itself
 * (session/record.c), the per-session lock (lock.c), the claim of DAMON and the removal of
 * what a dead loader left (claim.c), pins (pin.c: 'monitor --pin NAME' or 'start NAME'
 * leaves the reporters and the kdamond running after the loader exits, links and maps
 * pinned under /sys/fs/bpf/damon-bpf/NAME/), and 'stop' / 'status' of one session
 * (stop.c).
 *
 * Layer session/: a session's life: the runner that applies a spec (runner.h: prepare,
 * start, tick, end) and its policy steps (targets, ranges, tune, report), monitor, count and
 * bench, and the owner records above.  Owns every "create, record, remove" of the loader.
 * May call spec/, damon/, bpf/, view/ and lib/; called by cli/.
 */
#ifndef DAMON_BPF_SESSION_H
#define DAMON_BPF_SESSION_H

#include "damon/damon.h"
#include "bpf/reporter.h"

#define PIN_ROOT "/sys/fs/bpf/damon-bpf"
#define SESSION_DIR "/run/damon-bpf"
#define CLAIM_LOCK ".claim"	/* the lock of every claim; not a session name (no dots) */

/*
 * The owner record /run/damon-bpf/NAME.session (JSON): what a session created, written before
 * it creates it, so that whatever happens to the loader (SIGKILL included) 'stop' and the next
 * command that needs DAMON can remove it.  Every session has one: monitor (named
 * monitor-PID), pinned ones (start, monitor --pin), bench's DAMON phase, and scheme sessions
 * (reclaim, collapse, tier, run), whose spec state is a JSON file next to it.
 */
struct session_file {
	char kind[16];			/* monitor, pinned, bench, or the scheme command */
	int owner;			/* pid of the loader running it; 0: held by its pins */
	unsigned long long owner_start;	/* the owner's start time, against pid reuse */
	char command[256];		/* the owner's command line */
	int kdamond;			/* index under kdamonds/, -1: none */
	int kdamond_pid;		/* -1: not known (yet) */
	int first_pid;			/* the first target, -1: none (paddr) */
	int nr_cpus;
	char pins[256];			/* directory of the session's pins, "" none */
	char desc[320];
	char spec[256];
};

/* A record for a session of this process: owner, command line, no kdamond, no pins. */
void session_file_init(struct session_file *sf, const char *kind);
int session_write(const char *name, const struct session_file *sf);
int session_read(const char *name, struct session_file *sf);
void session_remove(const char *name);
/* Whether the session's loader still runs (0: a pinned session, which has none). */
bool session_owner_alive(const struct session_file *sf);
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

/*
 * Claims DAMON for session name: under one lock (/run/damon-bpf/.claim.lock) that serialises
 * every claim, removes what sessions whose loader died left behind (saying what), refuses when
 * a live session holds a kdamond, writes the owner record sf (kdamond 0, pid not yet known)
 * and only then creates the kdamond (damon_claim()).  On failure nothing is left.
 */
int session_claim(const char *name, struct session_file *sf, struct damon_session *d);
/* Records the running kdamond's pid (after damon_start()). */
int session_started(const char *name, struct session_file *sf, const struct damon_session *d);
/* Turns the kdamond off and removes it, then the owner record (in that order). */
void session_end(const char *name, struct damon_session *d);

/* Refuses bad names and names of existing sessions (but for those whose loader died). */
int session_check_name(const char *name);
/* The same, and checks bpffs for pinning; call before creating anything. */
int session_check_new(const char *name);
/*
 * Pins r's maps and links under PIN_ROOT/name (sf->pins, recorded before the first pin), then
 * hands the session over to its pins (owner 0); r's links are then disconnected.  On failure
 * the pins made so far are removed again.
 */
int session_pin(const char *name, struct session_file *sf, struct reporter *r,
		const struct damon_session *d);
/* Removes the pins of a session; the number removed, or -1. */
int session_unpin(const char *name, const struct session_file *sf);

/*
 * Removes what a session created: its kdamond (only if still the one it created), its pins,
 * its records; 'removed' gets what was removed.  Under the claim lock.
 */
int session_cleanup(const char *name, const struct session_file *sf, bool had_file,
		    char *removed, size_t len);
/* Session names: those with pins, and those with only a record left; their number. */
int session_list(char ***out);
/*
 * Stops session name: asks a live loader to end (it cleans up itself), else removes what
 * its record names and says what it removed.
 */
int session_stop(const char *name);
/* Prints session name's status: a running scheme session's stats, else its record. */
void session_status(const char *name, bool json);
/* 'status --prom FILE': the sessions' states and pinned counters as metrics, once. */
int session_status_prom(const char *path, char **names, int n);

#endif

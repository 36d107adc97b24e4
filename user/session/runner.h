/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: running a spec (spec/spec.h) as a session: one kdamond, optional BPF reporters,
 * and a loop that applies the policy (exited targets dropped, mapped ranges followed,
 * priorities, collapse threshold) and prints the schemes' effect every interval.  reclaim,
 * collapse, tier and run all end here; --add/--remove and status work on any of their
 * sessions.
 */
#ifndef DAMON_BPF_SESSION_RUNNER_H
#define DAMON_BPF_SESSION_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include "spec/spec.h"

struct session_info;
struct snapshot;

struct run_opts {
	uint64_t interval_us;		/* print every (default 1 s) */
	uint64_t duration_us;		/* 0: until a signal */
	bool json;
	const char *prom;		/* metrics file rewritten every interval (view/prom.h) */
	/* monitor's views and pins */
	int top;			/* regions shown in the table (0: all) */
	const char *record;		/* also write the snapshots to this file */
	const char *pin;		/* start, pin under this name and exit */
	/*
	 * monitor: each interval's snapshot goes to snapshot(snapshot_arg, ...) instead of the
	 * view ('bench --workload accuracy' scores them), with the pid of the session's kdamond
	 * (-1: none, monitor's fallback mode); non-zero ends the session, failed.
	 */
	int (*snapshot)(void *arg, const struct session_info *si, const struct snapshot *s,
			int kdamond);
	/* called once at the session's time 0 (a snapshot's time counts from it), if set */
	void (*started)(void *arg, int kdamond);
	void *snapshot_arg;
};

/*
 * Runs sp until a signal, the duration, or the last target's exit; returns the exit status.
 * A monitor spec (policy.command "monitor") runs the same way with monitor_kind's steps
 * (session/monitor.c): regions viewed and recorded instead of schemes' stats.
 */
int session_run(const struct spec *sp, const struct run_opts *o);
/* Adds pid (with priority prio) to, or removes it from, the running session name. */
int session_change(const char *name, int add, int remove, uint32_t prio);
struct session_file;
/* Prints the scheme stats of the running scheme session name (for 'status'); -1 if it cannot. */
int session_scheme_status(const char *name, const struct session_file *sf, bool json);

#endif

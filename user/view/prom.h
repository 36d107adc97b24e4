/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: --prom FILE, node_exporter textfile-collector metrics of a session, rewritten
 * every interval from the models the other views print (a monitor snapshot, a scheme
 * session's stats report, the reporter counters): Prometheus' text exposition format, every
 * metric named damon_bpf_*, with HELP and TYPE lines and a session label.  The file appears
 * whole (a temporary file beside it, renamed over it); the runner removes it when the session
 * ends.  docs/usage.md lists the metrics.
 */
#ifndef DAMON_BPF_VIEW_PROM_H
#define DAMON_BPF_VIEW_PROM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "view/stats.h"
#include "view/status.h"
#include "view/view.h"

/*
 * Writer of one exposition: a metric family (pw_family()), then its samples; a family
 * without samples is left out (its HELP and TYPE lines come with its first sample).  Labels
 * are "key", "value" pairs ended by NULL, after the session label; values are escaped.
 */
struct prom_writer {
	FILE *f;
	const char *session;
	const char *family, *type, *help;	/* the family the samples belong to */
	bool headed;				/* its HELP and TYPE lines are written */
};

void pw_family(struct prom_writer *w, const char *name, const char *type, const char *help);
void pw_u64(struct prom_writer *w, uint64_t v, ...) __attribute__((sentinel));
void pw_double(struct prom_writer *w, double v, ...) __attribute__((sentinel));

/*
 * Whether path can be written: its directory exists and takes a new file (one is created
 * and removed).  0, or -1 with the reason said; called before a session creates anything.
 */
int prom_check(const char *path);
/* A monitoring session's snapshot (regions, reporter counters) into path.  0, or -1 (said). */
int prom_write_snapshot(const char *path, const char *session, const struct session_info *si,
			const struct snapshot *s);
/*
 * A scheme session's interval (view/stats.h), with the reporter counters when reporters run
 * (reporter NULL: none), into path.  0, or -1 (said).
 */
int prom_write_stats(const char *path, const char *session, const struct stats_report *r,
		     const uint64_t *reporter);
/*
 * 'status --prom': once, every session's kdamond state and, for the sessions whose counters
 * are pinned (start, monitor --pin: no loader writes them every interval), their reporter
 * counters, a session label each.  0, or -1 (said).
 */
int prom_write_status(const char *path, const struct status_entry *e, int n);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: one session's 'status' entry from its owner record (pinned, monitor, bench, or
 * one whose loader died): the session layer fills it, this view prints it.
 */
#ifndef DAMON_BPF_VIEW_STATUS_H
#define DAMON_BPF_VIEW_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "damon_bpf.h"

struct status_entry {
	const char *name, *kind, *command, *desc;
	int owner, kdamond_pid;
	bool owner_gone;
	const char *kdamond;		/* on, off, gone, none */
	bool pins;			/* its stats map could be read */
	bool show_counters;		/* table: the counters line (pins, or a pinned session) */
	uint64_t stats[STAT_MAX];	/* reporter counters from the pinned stats map */
};

void status_print(const struct status_entry *e, bool json);

#endif

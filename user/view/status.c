// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: a session's 'status' entry (view/status.h) as lines or one JSON object. */
#include <stdio.h>

#include "lib/json.h"
#include "view/status.h"

static void print_json(const struct status_entry *e)
{
	struct json_writer w = { .f = stdout, .compact = true };
	const uint64_t *st = e->stats;

	jw_begin(&w, NULL, '{');
	jw_str(&w, "name", e->name);
	jw_str(&w, "kind", e->kind);
	jw_int(&w, "owner", e->owner);
	jw_bool(&w, "owner_gone", e->owner_gone);
	jw_str(&w, "command", e->command);
	jw_str(&w, "desc", e->desc);
	jw_str(&w, "kdamond", e->kdamond);
	jw_int(&w, "kdamond_pid", e->kdamond_pid);
	jw_bool(&w, "pins", e->pins);
	jw_num(&w, "seen", st[STAT_SEEN]);
	jw_num(&w, "reported", st[STAT_REPORTED]);
	jw_num(&w, "aggregated", st[STAT_AGGREGATED]);
	jw_num(&w, "dropped", st[STAT_DROP_FULL] + st[STAT_DROP_BUSY] + st[STAT_DROP_NOCTX] +
		   st[STAT_DROP_INVAL]);
	jw_end(&w, '}');
}

void status_print(const struct status_entry *e, bool json)
{
	const uint64_t *st = e->stats;

	if (json) {
		print_json(e);
		return;
	}
	printf("%-16s %-8s kdamond %-4s %s\n", e->name, e->kind, e->kdamond, e->desc);
	if (e->owner_gone)
		printf("%16s OWNER GONE: its loader (pid %d, '%s') died; 'damon-bpf stop %s' or the "
		       "next command that needs DAMON removes what it left\n", "", e->owner,
		       e->command, e->name);
	else if (e->owner > 0)
		printf("%16s loader pid %d: %s\n", "", e->owner, e->command);
	if (e->show_counters)
		printf("%16s seen %llu, reported %llu, aggregated %llu%s\n", "",
		       (unsigned long long)st[STAT_SEEN], (unsigned long long)st[STAT_REPORTED],
		       (unsigned long long)st[STAT_AGGREGATED], e->pins ? "" : " (pins missing)");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: Prometheus textfile metrics (view/prom.h).  Families are written whole, each
 * after its HELP and TYPE lines, as the exposition format wants; the tables below say which
 * field of the model each metric is.
 */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/util.h"
#include "view/prom.h"

/* A label value: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* HELP text: backslash and newline escaped. */
static void put_help(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

void pw_family(struct prom_writer *w, const char *name, const char *type, const char *help)
{
	w->family = name;
	w->type = type;
	w->help = help;
	w->headed = false;
}

/* name{session="...",key="value",...}, after the family's HELP and TYPE for its first one */
static void put_series(struct prom_writer *w, va_list ap)
{
	const char *k, *v;

	if (!w->headed) {
		fprintf(w->f, "# HELP %s ", w->family);
		put_help(w->f, w->help);
		fprintf(w->f, "\n# TYPE %s %s\n", w->family, w->type);
		w->headed = true;
	}
	fprintf(w->f, "%s{session=\"", w->family);
	put_label(w->f, w->session);
	fputc('"', w->f);
	while ((k = va_arg(ap, const char *))) {
		v = va_arg(ap, const char *);
		fprintf(w->f, ",%s=\"", k);
		put_label(w->f, v ? v : "");
		fputc('"', w->f);
	}
	fputs("} ", w->f);
}

void pw_u64(struct prom_writer *w, uint64_t v, ...)
{
	va_list ap;

	va_start(ap, v);
	put_series(w, ap);
	va_end(ap);
	fprintf(w->f, "%llu\n", (unsigned long long)v);
}

void pw_double(struct prom_writer *w, double v, ...)
{
	va_list ap;

	va_start(ap, v);
	put_series(w, ap);
	va_end(ap);
	fprintf(w->f, "%.6f\n", v);
}

int prom_check(const char *path)
{
	char *copy = strdup(path), *dir;
	struct out_file o;
	struct stat st;
	int ret = 0;

	if (!copy)
		return err("out of memory");
	dir = dirname(copy);
	if (stat(dir, &st))
		ret = err("--prom %s: directory %s: %s", path, dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		ret = err("--prom %s: %s is not a directory", path, dir);
	else if (!stat(path, &st) && S_ISDIR(st.st_mode))
		ret = err("--prom %s: is a directory: name a file (e.g. %s/damon-bpf.prom)", path,
			  path);
	else if (out_open(&o, path))	/* said: "PATH: cannot create it: why" */
		ret = -1;
	else
		out_abort(&o);
	free(copy);
	return ret;
}

/* The reporter counters: one counter each, drops and accesses by a label. */
static const struct {
	const char *name, *help;
	int stat;
	const char *key, *value;	/* the label that tells the family's series apart */
} reporter_metrics[] = {
	{ "damon_bpf_reporter_seen_total", "Events the BPF reporters ran for", STAT_SEEN },
	{ "damon_bpf_reporter_filtered_total", "Events the BPF pre-filters dropped (other "
	  "processes or CPUs, kernel addresses, reads under --write-only)", STAT_FILTERED },
	{ "damon_bpf_reporter_reported_total", "Accesses reported to DAMON through "
	  "bpf_damon_report_access()", STAT_REPORTED },
	{ "damon_bpf_reporter_aggregated_total", "Accesses counted in the BPF map (fallback "
	  "mode, and the CPU columns)", STAT_AGGREGATED },
	{ "damon_bpf_reporter_dropped_total", "Accesses lost, by cause: ring full, nested "
	  "report, no DAMON context, invalid (kfunc), map full (BPF map)", STAT_DROP_FULL,
	  "cause", "ring_full" },
	{ NULL, NULL, STAT_DROP_BUSY, "cause", "nested" },
	{ NULL, NULL, STAT_DROP_NOCTX, "cause", "no_context" },
	{ NULL, NULL, STAT_DROP_INVAL, "cause", "invalid" },
	{ NULL, NULL, STAT_AGG_FULL, "cause", "map_full" },
	{ "damon_bpf_reporter_accesses_total", "Accesses the reporters accepted, by kind",
	  STAT_READS, "kind", "read" },
	{ NULL, NULL, STAT_WRITES, "kind", "write" },
};

static void write_reporter(struct prom_writer *w, const uint64_t *st)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(reporter_metrics); i++) {
		if (reporter_metrics[i].name)
			pw_family(w, reporter_metrics[i].name, "counter", reporter_metrics[i].help);
		pw_u64(w, st[reporter_metrics[i].stat], reporter_metrics[i].key,
		       reporter_metrics[i].value, NULL);
	}
}

/* The reporter counters of several sessions, a family at a time (each family is whole). */
static void fill_status(struct prom_writer *w, const void *a, const void *b)
{
	const struct status_entry *e = a;
	int n = *(const int *)b, j;
	size_t i;

	pw_family(w, "damon_bpf_session_kdamond_on", "gauge",
		  "Whether the session's kdamond runs (1), or it has none or it stopped (0)");
	for (j = 0; j < n; j++) {
		w->session = e[j].name;
		pw_u64(w, !strcmp(e[j].kdamond, "on"), "kind", e[j].kind, NULL);
	}
	pw_family(w, "damon_bpf_session_owner_gone", "gauge",
		  "Whether the session's loader died and left it (1): 'damon-bpf stop' cleans up");
	for (j = 0; j < n; j++) {
		w->session = e[j].name;
		pw_u64(w, e[j].owner_gone, "kind", e[j].kind, NULL);
	}
	for (i = 0; i < ARRAY_SIZE(reporter_metrics); i++) {
		if (reporter_metrics[i].name)
			pw_family(w, reporter_metrics[i].name, "counter", reporter_metrics[i].help);
		for (j = 0; j < n; j++) {
			if (!e[j].pins)
				continue;
			w->session = e[j].name;
			pw_u64(w, e[j].stats[reporter_metrics[i].stat], reporter_metrics[i].key,
			       reporter_metrics[i].value, NULL);
		}
	}
}

static void write_time(struct prom_writer *w, double t)
{
	pw_family(w, "damon_bpf_session_time_seconds", "gauge",
		  "Seconds since the session started, at this write");
	pw_double(w, t, NULL);
}

/* A monitoring snapshot summed per target process (-1: regions of no known process). */
struct mon_row {
	int pid;
	uint64_t regions, bytes, accessed, hot;
};

#define MON_MAX_ROWS 64

static int mon_rows(const struct snapshot *s, struct mon_row *rows)
{
	int i, k, n = 0;

	for (i = 0; i < s->nr_regions; i++) {
		const struct view_region *v = &s->regions[i];
		uint64_t sz = v->end - v->start;

		for (k = 0; k < n && rows[k].pid != v->pid; k++)
			;
		if (k == n && n == MON_MAX_ROWS)
			continue;
		if (k == n)
			rows[n++] = (struct mon_row){ .pid = v->pid };
		rows[k].regions++;
		rows[k].bytes += sz;
		if (v->nr_accesses)
			rows[k].accessed += sz;
		if (s->max_nr_accesses && v->nr_accesses * 2 >= s->max_nr_accesses)
			rows[k].hot += sz;
	}
	return n;
}

static const struct {
	const char *name, *help;
	size_t off;
	bool damon_only;
} mon_metrics[] = {
	{ "damon_bpf_monitor_regions", "Regions of the snapshot (fallback mode: 2 MiB buckets "
	  "accessed since the start)", offsetof(struct mon_row, regions) },
	{ "damon_bpf_monitor_bytes", "Bytes in the regions of the snapshot",
	  offsetof(struct mon_row, bytes) },
	{ "damon_bpf_monitor_accessed_bytes", "Bytes in regions accessed in the interval "
	  "(DAMON: nr_accesses > 0; fallback: events)", offsetof(struct mon_row, accessed) },
	{ "damon_bpf_monitor_hot_bytes", "Bytes in regions accessed in at least half of the "
	  "sampling intervals (DAMON mode)", offsetof(struct mon_row, hot), true },
};

static void write_monitor(struct prom_writer *w, const struct session_info *si,
			  const struct snapshot *s)
{
	struct mon_row rows[MON_MAX_ROWS];
	int n = mon_rows(s, rows), k;
	char pid[16];
	size_t i;

	write_time(w, s->time);
	for (i = 0; i < ARRAY_SIZE(mon_metrics); i++) {
		if (mon_metrics[i].damon_only && si->mode != MODE_DAMON)
			continue;
		pw_family(w, mon_metrics[i].name, "gauge", mon_metrics[i].help);
		/* No region yet: 0, so that the series exists from the first write. */
		if (!n)
			pw_u64(w, 0, NULL);
		for (k = 0; k < n; k++) {
			uint64_t v = *(const uint64_t *)((const char *)&rows[k] + mon_metrics[i].off);

			snprintf(pid, sizeof(pid), "%d", rows[k].pid);
			if (rows[k].pid < 0)
				pw_u64(w, v, NULL);
			else
				pw_u64(w, v, "pid", pid, NULL);
		}
	}
	write_reporter(w, s->stats);
}

/* Writes the exposition fill() makes into path, through a temporary file. */
static int commit(const char *path, const char *session,
		  void (*fill)(struct prom_writer *w, const void *a, const void *b),
		  const void *a, const void *b)
{
	struct prom_writer w = { .session = session };
	struct out_file o;

	if (out_open(&o, path))
		return -1;
	w.f = o.f;
	fill(&w, a, b);
	return out_commit(&o);
}

static void fill_snapshot(struct prom_writer *w, const void *a, const void *b)
{
	write_monitor(w, a, b);
}

int prom_write_snapshot(const char *path, const char *session, const struct session_info *si,
			const struct snapshot *s)
{
	return commit(path, session, fill_snapshot, si, s);
}

/* The DAMOS stats of per-target and shared schemes: one counter each. */
static const struct {
	const char *name, *help;
	size_t off;
} count_metrics[] = {
	{ "damon_bpf_scheme_tried_regions_total", "Regions the scheme was tried on (DAMOS "
	  "nr_tried)", offsetof(struct stats_counts, nr_tried) },
	{ "damon_bpf_scheme_tried_bytes_total", "Bytes of the regions the scheme was tried on "
	  "(DAMOS sz_tried)", offsetof(struct stats_counts, sz_tried) },
	{ "damon_bpf_scheme_applied_regions_total", "Regions the scheme's action was applied to "
	  "(DAMOS nr_applied)", offsetof(struct stats_counts, nr_applied) },
	{ "damon_bpf_scheme_applied_bytes_total", "Bytes the scheme's action was applied to "
	  "(DAMOS sz_applied)", offsetof(struct stats_counts, sz_applied) },
	{ "damon_bpf_scheme_quota_exceeds_total", "Times the scheme's quota was exceeded "
	  "(DAMOS qt_exceeds)", offsetof(struct stats_counts, qt_exceeds) },
};

static uint64_t count_of(const struct stats_counts *st, size_t i)
{
	return *(const uint64_t *)((const char *)st + count_metrics[i].off);
}

static void write_counts(struct prom_writer *w, const struct stats_report *r)
{
	char idx[16], pid[16];
	size_t i;
	int k;

	for (i = 0; i < ARRAY_SIZE(count_metrics); i++) {
		pw_family(w, count_metrics[i].name, "counter", count_metrics[i].help);
		for (k = 0; k < r->nr_targets; k++) {
			const struct stats_target *t = &r->targets[k];

			snprintf(idx, sizeof(idx), "%d", t->idx);
			snprintf(pid, sizeof(pid), "%d", t->pid);
			pw_u64(w, count_of(&t->st, i), "scheme", idx, "action", t->action,
			       "pid", pid, NULL);
		}
		for (k = 0; k < r->nr_schemes; k++) {
			const struct stats_scheme *s = &r->schemes[k];

			snprintf(idx, sizeof(idx), "%d", s->idx);
			pw_u64(w, count_of(&s->st, i), "scheme", idx, "action", s->action, NULL);
		}
	}
}

/* Shared schemes' effective quotas and quota goals. */
static void write_quotas(struct prom_writer *w, const struct stats_report *r)
{
	char idx[16], nid[16], g[16];
	int k, i, pass;

	pw_family(w, "damon_bpf_scheme_quota_effective_bytes", "gauge",
		  "The scheme's effective size quota (auto-tuned by its goals), per reset interval");
	for (k = 0; k < r->nr_schemes; k++) {
		snprintf(idx, sizeof(idx), "%d", r->schemes[k].idx);
		if (r->schemes[k].effective_sz)
			pw_u64(w, r->schemes[k].effective_sz, "scheme", idx, "action",
			       r->schemes[k].action, NULL);
	}
	for (pass = 0; pass < 2; pass++) {
		pw_family(w, pass ? "damon_bpf_scheme_goal_target" : "damon_bpf_scheme_goal_current",
			  "gauge", pass ? "The value a quota goal's metric is tuned to" :
			  "A quota goal's metric as the kernel last measured it");
		for (k = 0; k < r->nr_schemes; k++) {
			const struct stats_scheme *s = &r->schemes[k];

			snprintf(idx, sizeof(idx), "%d", s->idx);
			for (i = 0; i < s->nr_goals; i++) {
				snprintf(g, sizeof(g), "%d", i);
				snprintf(nid, sizeof(nid), "%d", s->goals[i].nid);
				pw_u64(w, pass ? s->goals[i].target_value : s->goals[i].current_value,
				       "scheme", idx, "action", s->action, "goal", g, "metric",
				       s->goals[i].metric, "nid", nid, NULL);
			}
		}
	}
}

/* Per target process (once each): VmSwap and AnonHugePages. */
static void write_targets(struct prom_writer *w, const struct stats_report *r)
{
	char pid[16];
	int pass, k, j;

	for (pass = 0; pass < 2; pass++) {
		pw_family(w, pass ? "damon_bpf_target_anon_huge_bytes" : "damon_bpf_target_swap_bytes",
			  "gauge", pass ? "The target's AnonHugePages (/proc/PID/smaps_rollup)" :
			  "The target's VmSwap (/proc/PID/status)");
		for (k = 0; k < r->nr_targets; k++) {
			const struct stats_target *t = &r->targets[k];

			for (j = 0; j < k && r->targets[j].pid != t->pid; j++)
				;
			if (j < k)
				continue;
			snprintf(pid, sizeof(pid), "%d", t->pid);
			pw_u64(w, (pass ? t->anon_huge_kb : t->swap_kb) << 10, "pid", pid, NULL);
		}
	}
}

static void write_nodes(struct prom_writer *w, const struct stats_report *r)
{
	char nid[16];
	int pass, k;

	for (pass = 0; pass < 2; pass++) {
		pw_family(w, pass ? "damon_bpf_node_free_bytes" : "damon_bpf_node_total_bytes",
			  "gauge", pass ? "Free memory of a node the schemes name" :
			  "Memory of a node the schemes name");
		for (k = 0; k < r->nr_nodes; k++) {
			snprintf(nid, sizeof(nid), "%d", r->nodes[k].nid);
			pw_u64(w, (pass ? r->nodes[k].free_kb : r->nodes[k].total_kb) << 10, "nid",
			       nid, NULL);
		}
	}
}

static void fill_stats(struct prom_writer *w, const void *a, const void *b)
{
	const struct stats_report *r = a;

	write_time(w, r->time);
	write_counts(w, r);
	write_quotas(w, r);
	write_targets(w, r);
	write_nodes(w, r);
	if (r->collapse) {
		pw_family(w, "damon_bpf_collapse_min_access", "gauge",
			  "The collapse schemes' hotness threshold (nr_accesses)");
		pw_u64(w, r->min_access, NULL);
	}
	if (b)
		write_reporter(w, b);
}

int prom_write_stats(const char *path, const char *session, const struct stats_report *r,
		     const uint64_t *reporter)
{
	return commit(path, session, fill_stats, r, reporter);
}

int prom_write_status(const char *path, const struct status_entry *e, int n)
{
	return commit(path, NULL, fill_status, e, &n);
}

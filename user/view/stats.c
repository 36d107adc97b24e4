// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: a scheme session's report (view/stats.h) as a table or one JSON line. */
#include "lib/json.h"
#include "lib/util.h"
#include "view/stats.h"

static void json_counts(struct json_writer *w, const struct stats_counts *st)
{
	jw_num(w, "sz_tried", st->sz_tried);
	jw_num(w, "sz_applied", st->sz_applied);
	jw_num(w, "nr_tried", st->nr_tried);
	jw_num(w, "nr_applied", st->nr_applied);
	jw_num(w, "qt_exceeds", st->qt_exceeds);
}

static void json_targets(struct json_writer *w, const struct stats_report *r)
{
	int i;

	jw_begin(w, "targets", '[');
	for (i = 0; i < r->nr_targets; i++) {
		const struct stats_target *t = &r->targets[i];

		jw_begin(w, NULL, '{');
		jw_int(w, "pid", t->pid);
		jw_str(w, "action", t->action);
		json_counts(w, &t->st);
		jw_num(w, "vm_swap_kb", t->swap_kb);
		jw_num(w, "anon_huge_kb", t->anon_huge_kb);
		jw_end(w, '}');
	}
	jw_end(w, ']');
}

static void json_schemes(struct json_writer *w, const struct stats_report *r)
{
	int i, g;

	jw_begin(w, "schemes", '[');
	for (i = 0; i < r->nr_schemes; i++) {
		const struct stats_scheme *s = &r->schemes[i];

		jw_begin(w, NULL, '{');
		jw_str(w, "action", s->action);
		jw_int(w, "target_nid", s->target_nid);
		json_counts(w, &s->st);
		jw_num(w, "effective_sz", s->effective_sz);
		jw_begin(w, "goals", '[');
		for (g = 0; g < s->nr_goals; g++) {
			jw_begin(w, NULL, '{');
			jw_str(w, "metric", s->goals[g].metric);
			jw_int(w, "nid", s->goals[g].nid);
			jw_num(w, "target_value", s->goals[g].target_value);
			jw_num(w, "current_value", s->goals[g].current_value);
			jw_end(w, '}');
		}
		jw_end(w, ']');
		jw_end(w, '}');
	}
	jw_end(w, ']');
}

static void json_nodes(struct json_writer *w, const struct stats_report *r)
{
	int i;

	jw_begin(w, "nodes", '[');
	for (i = 0; i < r->nr_nodes; i++) {
		const struct stats_node *n = &r->nodes[i];

		jw_begin(w, NULL, '{');
		jw_int(w, "nid", n->nid);
		jw_num(w, "used_bp", (n->total_kb - n->free_kb) * 10000 / n->total_kb);
		jw_num(w, "free_bp", n->free_kb * 10000 / n->total_kb);
		jw_end(w, '}');
	}
	jw_end(w, ']');
}

static void print_json(FILE *f, const struct stats_report *r)
{
	struct json_writer w = { .f = f, .compact = true };

	jw_begin(&w, NULL, '{');
	if (r->name) {
		jw_str(&w, "name", r->name);
		jw_str(&w, "kind", r->command[0] ? r->command : "run");
		jw_str(&w, "kdamond", "on");
		jw_int(&w, "owner", r->owner);
		jw_bool(&w, "owner_gone", false);
		jw_str(&w, "command", r->owner_command);
	}
	jw_double(&w, "time", r->time, 3);
	if (r->collapse) {
		jw_num(&w, "min_access", r->min_access);
		jw_num(&w, "max_access", r->max_access);
	}
	json_targets(&w, r);
	json_schemes(&w, r);
	json_nodes(&w, r);
	jw_end(&w, '}');
}

static void table_targets(FILE *f, const struct stats_report *r)
{
	char a[32], b[32], c[32], d[32];
	int i;

	for (i = 0; i < r->nr_targets; i++) {
		const struct stats_target *t = &r->targets[i];

		format_bytes(t->st.sz_tried, a, sizeof(a));
		format_bytes(t->st.sz_applied, b, sizeof(b));
		format_bytes(t->swap_kb << 10, c, sizeof(c));
		format_bytes(t->anon_huge_kb << 10, d, sizeof(d));
		fprintf(f, "  %-8d %-10s %12s %12s %10llu %10s %10s\n", t->pid, t->action, a, b,
			(unsigned long long)t->st.qt_exceeds, c, d);
	}
}

static void table_schemes(FILE *f, const struct stats_report *r)
{
	char a[32], b[32], c[32];
	int i, g;

	for (i = 0; i < r->nr_schemes; i++) {
		const struct stats_scheme *s = &r->schemes[i];

		format_bytes(s->st.sz_tried, a, sizeof(a));
		format_bytes(s->st.sz_applied, b, sizeof(b));
		format_bytes(s->effective_sz, c, sizeof(c));
		fprintf(f, "  scheme %d %-12s", s->idx, s->action);
		if (s->target_nid >= 0)
			fprintf(f, " -> node %d", s->target_nid);
		fprintf(f, "  tried %s, applied %s, quota hit %llu, quota now %s\n", a, b,
			(unsigned long long)s->st.qt_exceeds, s->effective_sz ? c : "-");
		for (g = 0; g < s->nr_goals; g++)
			fprintf(f, "    goal %s (node %d): %llu now, %llu wanted\n",
				s->goals[g].metric, s->goals[g].nid,
				(unsigned long long)s->goals[g].current_value,
				(unsigned long long)s->goals[g].target_value);
	}
}

static void print_table(FILE *f, const struct stats_report *r)
{
	int i;

	if (r->name)
		fprintf(f, "%-16s kdamond on   %s", r->name, r->command);
	else
		fprintf(f, "\nt=%.1fs", r->time);
	if (r->collapse)
		fprintf(f, "  min-access %u of %u", r->min_access, r->max_access);
	fprintf(f, "\n");
	if (r->nr_targets)
		fprintf(f, "  %-8s %-10s %12s %12s %10s %10s %10s\n", "PID", "ACTION", "TRIED",
			"APPLIED", "QUOTA HIT", "VmSwap", "AnonHuge");
	table_targets(f, r);
	table_schemes(f, r);
	for (i = 0; i < r->nr_nodes; i++) {
		const struct stats_node *n = &r->nodes[i];

		fprintf(f, "  node %d: %.2f %% used, %.2f %% free\n", n->nid,
			(n->total_kb - n->free_kb) * 100.0 / n->total_kb,
			n->free_kb * 100.0 / n->total_kb);
	}
}

void stats_print(FILE *f, const struct stats_report *r, bool json)
{
	if (json)
		print_json(f, r);
	else
		print_table(f, r);
	out_flush(f);
}

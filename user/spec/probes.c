// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: probes of a context (struct probe_cfg, damon/damon.h): their text form, as
 * damo's --probe_filter takes it, and the kernel's rules checked before anything is
 * written.  A probe is filters separated by ';', each "allow|reject [non] TYPE [VALUE]":
 *
 *	allow anon                     anonymous pages (mainline 7.2)
 *	allow memcg /system.slice      pages of a memory cgroup (mainline 7.2)
 *	allow cpumask 0-1              accesses reported on CPUs 0 and 1 (kernel/patches)
 *	allow threads 4242,4243        accesses of these threads
 *	allow write                    written accesses
 *	allow source 2                 accesses of a report source (1 fault, 2 perf)
 *	reject write; allow cpumask 0  reads on CPU 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "spec/spec.h"

struct probe_type {
	const char *name;
	bool report;		/* evaluated on access reports, not on sampled pages */
	const char *value;	/* what its value is, NULL: it takes none */
};

static const struct probe_type probe_types[] = {
	{ "anon", false, NULL },
	{ "memcg", false, "a memory cgroup path" },
	{ "cpumask", true, "a CPU list" },
	{ "threads", true, "thread IDs" },
	{ "write", true, NULL },
	{ "source", true, "a source number below 16" },
};

static const struct probe_type *probe_type(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(probe_types); i++)
		if (!strcmp(name, probe_types[i].name))
			return &probe_types[i];
	return NULL;
}

/* Whether a filter's value is one its type takes. */
static bool valid_value(const struct probe_filter_cfg *f, const struct probe_type *t)
{
	uint8_t cpus[DAMON_BPF_MAX_CPUS];
	char buf[sizeof(f->value)], *tok, *save = NULL;
	long v;

	if (!t->value)
		return !f->value[0];
	if (!f->value[0])
		return false;
	if (!strcmp(t->name, "cpumask"))
		return !parse_cpulist(f->value, cpus, DAMON_BPF_MAX_CPUS);
	if (!strcmp(t->name, "source"))
		return !parse_int(f->value, 0, 15, &v);
	if (!strcmp(t->name, "threads")) {
		snprintf(buf, sizeof(buf), "%s", f->value);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (parse_int(tok, 1, 1 << 30, &v))
				return false;
		return true;
	}
	return f->value[0] == '/';
}

int probe_check(const struct probe_cfg *p, char *msg, size_t len)
{
	const struct probe_type *t, *first = NULL;
	int i;

	if (p->nr_filters > DAMON_MAX_PROBE_FILTERS)
		return snprintf(msg, len, "at most %d filters a probe", DAMON_MAX_PROBE_FILTERS),
		       -1;
	for (i = 0; i < p->nr_filters; i++) {
		const struct probe_filter_cfg *f = &p->filters[i];

		t = probe_type(f->type);
		if (!t)
			return snprintf(msg, len, "unknown filter type '%s' (anon, memcg, cpumask, "
					"threads, write, source)", f->type), -1;
		if (!valid_value(f, t))
			return snprintf(msg, len, t->value ? "'%s' needs %s, not '%s'" :
					"'%s' takes no value ('%s')", f->type, t->value ? t->value :
					f->value, f->value), -1;
		if (first && first->report != t->report)
			return snprintf(msg, len, "'%s' and '%s' do not mix in a probe: page filters "
					"(anon, memcg) and report filters (cpumask, threads, "
					"write, source) go in probes of their own", first->name,
					t->name), -1;
		first = first ? first : t;
	}
	return 0;
}

/* One "allow|reject [non] TYPE [VALUE]" filter into f; -1 with msg on a bad one. */
static int parse_filter(char *text, struct probe_filter_cfg *f, char *msg, size_t len)
{
	char *w[5], *tok, *save = NULL;
	int n = 0, i = 1;

	for (tok = strtok_r(text, " \t", &save); tok && n < 5; tok = strtok_r(NULL, " \t", &save))
		w[n++] = tok;
	if (n < 2 || (strcmp(w[0], "allow") && strcmp(w[0], "reject")))
		return snprintf(msg, len, "'%s': a filter is allow|reject [non] TYPE [VALUE]",
				n ? w[0] : ""), -1;
	*f = (struct probe_filter_cfg){ .matching = true, .allow = !strcmp(w[0], "allow") };
	if (!strcmp(w[1], "non")) {
		f->matching = false;
		i = 2;
	}
	if (i >= n || n - i > 2)
		return snprintf(msg, len, "'%s ...': a filter is allow|reject [non] TYPE [VALUE]",
				w[0]), -1;
	snprintf(f->type, sizeof(f->type), "%s", w[i]);
	if (i + 1 < n)
		snprintf(f->value, sizeof(f->value), "%s", w[i + 1]);
	return 0;
}

int probe_parse(const char *text, struct probe_cfg *p, char *msg, size_t len)
{
	char buf[512], *tok, *save = NULL;

	*p = (struct probe_cfg){};
	if (strlen(text) >= sizeof(buf))
		return snprintf(msg, len, "too long"), -1;
	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		if (p->nr_filters == DAMON_MAX_PROBE_FILTERS)
			return snprintf(msg, len, "at most %d filters a probe",
					DAMON_MAX_PROBE_FILTERS), -1;
		if (parse_filter(tok, &p->filters[p->nr_filters++], msg, len))
			return -1;
	}
	return probe_check(p, msg, len);
}

void probe_describe(const struct probe_cfg *p, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	if (!p->nr_filters)
		snprintf(buf, len, "all");
	for (i = 0; i < p->nr_filters && off < len; i++) {
		const struct probe_filter_cfg *f = &p->filters[i];

		off += snprintf(buf + off, len - off, "%s%s %s%s%s%s", i ? "; " : "",
				f->allow ? "allow" : "reject", f->matching ? "" : "non ", f->type,
				f->value[0] ? " " : "", f->value);
	}
}

/* A probe of one filter, matching and allowing: {allow TYPE [VALUE]}. */
static void probe_one(struct probe_cfg *p, const char *type, const char *value)
{
	*p = (struct probe_cfg){ .nr_filters = 1 };
	p->filters[0] = (struct probe_filter_cfg){ .matching = true, .allow = true };
	snprintf(p->filters[0].type, sizeof(p->filters[0].type), "%s", type);
	snprintf(p->filters[0].value, sizeof(p->filters[0].value), "%s", value);
}

int probe_breakdown(struct probe_cfg *probes, int *nr, bool cpu, bool write, char *msg,
		    size_t len)
{
	uint8_t online[DAMON_BPF_MAX_CPUS];
	int c, left = -1;
	char n[16];

	if (cpu && online_cpus(online, DAMON_BPF_MAX_CPUS) < 0)
		return snprintf(msg, len, "cannot read the online CPUs"), -2;
	for (c = 0; cpu && c < DAMON_BPF_MAX_CPUS; c++) {
		if (!online[c])
			continue;
		if (*nr + write >= DAMON_MAX_PROBES) {
			left = c;
			break;
		}
		snprintf(n, sizeof(n), "%d", c);
		probe_one(&probes[(*nr)++], "cpumask", n);
	}
	if (write && *nr == DAMON_MAX_PROBES)
		return snprintf(msg, len, "no probe left for writes (at most %d)",
				DAMON_MAX_PROBES), -2;
	if (write)
		probe_one(&probes[(*nr)++], "write", "");
	return left;
}

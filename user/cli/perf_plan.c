// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf perf-plan: a hidden debugging and test aid (docs/usage.md, tests/host/
 * pmu_rules.py).  Prints, as JSON, the perf events the perf source would open (bpf/pmu.c's
 * plan) without opening any.  It is the one command that reads bpf/ directly and prints by
 * itself: it shows a model nothing else shows, and needs neither a session nor root.
 */
#include <argp.h>
#include <stdio.h>

#include "bpf/pmu.h"
#include "cli/commands.h"
#include "lib/json.h"
#include "lib/util.h"

static const char doc[] =
"Print the perf events the perf source would open, without opening them (a debugging aid).\n"
"\n"
"USAGE: damon-bpf perf-plan [--perf-period N]\n"
"\n"
"One JSON object: the sysfs directory read, the hardware samplers' period, per event its\n"
"PMU, perf_event_attr fields, group leader and CPUs, the software page-fault event used\n"
"when none opens, and what was left out and why.  " PMU_ENV_SYSFS " names a directory\n"
"read instead of /sys/bus/event_source/devices, " PMU_ENV_ONLINE " a file read instead\n"
"of /sys/devices/system/cpu/online.\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf perf-plan\n"
"  " PMU_ENV_SYSFS "=/tmp/fake-spr damon-bpf perf-plan --perf-period 20011\n"
EXIT_DOC;

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	uint64_t *period = state->input;

	switch (key) {
	case 'p':
		if (parse_u64(arg, period) || !*period)
			argp_error(state, "--perf-period %s: expected a positive count", arg);
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void write_event(struct json_writer *w, const char *key, const struct pmu_plan *p,
			const struct pmu_event *e)
{
	const struct perf_event_attr *a = &e->attr;
	char buf[1024];

	jw_begin(w, key, '{');
	jw_str(w, "pmu", e->pmu);
	jw_str(w, "name", e->name);
	jw_num(w, "type", a->type);
	jw_num(w, "config", a->config);
	jw_num(w, "config1", a->config1);
	jw_num(w, "config2", a->config2);
	jw_num(w, "precise_ip", a->precise_ip);
	jw_num(w, "sample_period", a->sample_period);
	jw_num(w, "sample_type", a->sample_type);
	jw_bool(w, "exclude_kernel", a->exclude_kernel);
	jw_bool(w, "exclude_user", a->exclude_user);
	jw_bool(w, "exclude_hv", a->exclude_hv);
	jw_bool(w, "exclude_idle", a->exclude_idle);
	jw_bool(w, "exclude_host", a->exclude_host);
	jw_bool(w, "exclude_guest", a->exclude_guest);
	if (e->leader >= 0) {
		snprintf(buf, sizeof(buf), "%s/%s", p->ev[e->leader].pmu, p->ev[e->leader].name);
		jw_str(w, "group_leader", buf);
	} else {
		jw_null(w, "group_leader");
	}
	jw_bool(w, "samples", !e->leader_only);
	format_cpulist(e->cpus, DAMON_BPF_MAX_CPUS, buf, sizeof(buf));
	jw_str(w, "cpus", buf);
	jw_str(w, "note", e->note);
	jw_end(w, '}');
}

int cmd_perf_plan(int argc, char **argv)
{
	static const struct argp_option options[] = {
		{ "perf-period", 'p', "N", 0, "Sample period asked for (default: "
		  "10007 for the hardware samplers, 1 for the software event)" },
		{},
	};
	static const struct argp argp = { options, parse_opt, NULL, doc };
	struct json_writer w = { .f = stdout };
	struct pmu_plan p;
	uint64_t period = 0;
	int i;

	if (argp_parse(&argp, argc, argv, 0, NULL, &period))
		return EXIT_USAGE;
	if (pmu_plan(&p, period) < 0)
		return EXIT_RUNTIME;
	jw_begin(&w, NULL, '{');
	jw_str(&w, "sysfs", p.root);
	jw_num(&w, "period", p.period);
	jw_begin(&w, "events", '[');
	for (i = 0; i < p.nr; i++)
		write_event(&w, NULL, &p, &p.ev[i]);
	jw_end(&w, ']');
	write_event(&w, "fallback", &p, &p.fallback);
	jw_str(&w, "why", p.why[0] ? p.why : NULL);
	jw_end(&w, '}');
	return out_flush(stdout) ? EXIT_RUNTIME : 0;
}

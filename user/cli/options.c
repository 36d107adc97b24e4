// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: the options every scheme command has (see cli/options.h), and the dispatch of
 * a scheme command to the session layer.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/options.h"
#include "lib/util.h"
#include "session/runner.h"

/* Parses "PID:N" for --priority. */
static int parse_priority(const char *arg, int *pid, uint32_t *prio)
{
	char buf[64], *colon;
	long a, b;

	snprintf(buf, sizeof(buf), "%s", arg);
	colon = strchr(buf, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	if (parse_int(buf, 1, 1 << 30, &a) || parse_int(colon + 1, 1, 1000, &b))
		return -1;
	*pid = a;
	*prio = b;
	return 0;
}

void prom_arg(const char *arg, struct argp_state *state)
{
	if (!*arg)
		argp_error(state, "--prom: give a file, e.g. "
			   "/var/lib/prometheus/node-exporter/damon-bpf.prom");
}

void scheme_args_init(struct scheme_args *a, const char *cmd, uint64_t quota_sz)
{
	*a = (struct scheme_args){
		.cmd = cmd, .quota_sz = quota_sz, .quota_reset_ms = 1000, .sample_us = 5000,
		.aggr_us = 100000, .interval_us = 1000000, .name = cmd, .add_prio = 1,
	};
}

error_t scheme_args_opt(struct scheme_args *a, int key, char *arg, struct argp_state *state)
{
	uint64_t *dst = NULL;
	char *slash;
	long n;
	int pid = 0;
	uint32_t prio = 0;

	switch (key) {
	case 'p':
	case OPT_ADD:
	case OPT_REMOVE:
		if (parse_int(arg, 1, 1 << 30, &n))
			argp_error(state, "'%s' is not a process id", arg);
		if (key == OPT_ADD)
			a->add = n;
		else if (key == OPT_REMOVE)
			a->remove = n;
		else if (a->nr_pids == DAMON_MAX_TARGETS)
			argp_error(state, "at most %d --pid", DAMON_MAX_TARGETS);
		else
			a->pids[a->nr_pids++] = n;
		break;
	case OPT_PRIORITY:
		if (parse_priority(arg, &pid, &prio))
			argp_error(state, "--priority %s: expected PID:N with N from 1 to 1000", arg);
		if (a->nr_prio == DAMON_MAX_TARGETS)
			argp_error(state, "at most %d --priority", DAMON_MAX_TARGETS);
		a->prio_pid[a->nr_prio] = pid;
		a->prio[a->nr_prio++] = prio;
		break;
	case OPT_SAMPLE: dst = &a->sample_us; /* fall through */
	case OPT_AGGR: if (!dst) dst = &a->aggr_us; /* fall through */
	case 'i': if (!dst) dst = &a->interval_us; /* fall through */
	case 'd':
		if (!dst)
			dst = &a->duration_us;
		if (parse_duration_us(arg, dst) || !*dst)
			argp_error(state, "'%s' is not a time above 0: use a number with us, ms, s, "
				   "m or h", arg);
		if ((key == OPT_SAMPLE || key == OPT_AGGR) && *dst > MAX_INTERVAL_US)
			argp_error(state, "'%s': DAMON intervals are at most 1h here (e.g. --sample "
				   "5ms --aggr 100ms)", arg);
		break;
	case OPT_QUOTA:
		slash = strchr(arg, '/');
		if (!slash)
			argp_error(state, "--quota %s: expected SIZE/TIME, e.g. 128MiB/s", arg);
		*slash = '\0';
		if (parse_bytes(arg, &a->quota_sz) || !a->quota_sz)
			argp_error(state, "--quota: '%s' is not a size above 0 (e.g. 64MiB); a quota "
				   "of 0 would never let the scheme act", arg);
		/* "s" alone means per second. */
		if (parse_duration_us(slash + 1, &a->quota_reset_ms)) {
			char one[32];

			snprintf(one, sizeof(one), "1%s", slash + 1);
			if (parse_duration_us(one, &a->quota_reset_ms))
				argp_error(state, "--quota: '%s' is not a time", slash + 1);
		}
		a->quota_reset_ms /= 1000;
		if (!a->quota_reset_ms)
			argp_error(state, "--quota: the time must be at least 1ms");
		break;
	case OPT_NAME:
		a->name = arg;
		break;
	case 'j':
		a->json = true;
		break;
	case OPT_PROM:
		prom_arg(arg, state);
		a->prom = arg;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

bool scheme_args_end(struct scheme_args *a, struct argp_state *state)
{
	int i, k;

	if ((a->add || a->remove) && a->nr_pids)
		argp_error(state, "--add/--remove change a running session: no --pid");
	if (a->add && a->remove)
		argp_error(state, "one of --add and --remove at a time");
	for (i = 0; i < a->nr_prio; i++) {
		for (k = 0; k < a->nr_pids && a->pids[k] != a->prio_pid[i]; k++)
			;
		if (a->add && a->prio_pid[i] == a->add)
			a->add_prio = a->prio[i];
		else if (k == a->nr_pids)
			argp_error(state, "--priority %d:%u: pid %d is not a --pid%s", a->prio_pid[i],
				   a->prio[i], a->prio_pid[i], a->add ? " nor the --add" : "");
	}
	if (a->add || a->remove)
		return true;
	if (!a->no_pids && !a->nr_pids)
		argp_error(state, "no process: give --pid PID");
	if (a->sample_us > a->aggr_us)
		argp_error(state, "--sample must not be longer than --aggr");
	return false;
}

int scheme_args_parse(const struct argp *argp, int argc, char **argv, void *input,
		      struct scheme_args *c, struct scheme_args *out)
{
	if (argp_parse(argp, argc, argv, 0, NULL, input))
		return EXIT_USAGE;
	*out = *c;
	return 0;
}

struct damon_scheme_cfg scheme_args_scheme(const struct scheme_args *a, const char *action)
{
	struct damon_scheme_cfg s = {
		.quota_sz = a->quota_sz,
		.quota_reset_ms = a->quota_reset_ms,
		.target_nid = -1,
	};

	snprintf(s.action, sizeof(s.action), "%s", action);
	return s;
}

int per_target_spec(const struct per_target_cmd *cmd, void *input, struct scheme_args *c,
		    int argc, char **argv, struct spec *sp, struct run_opts *o,
		    struct scheme_args *out)
{
	struct damon_scheme_cfg tmpl;
	int ret;

	scheme_args_init(c, cmd->name, cmd->quota_sz);
	ret = scheme_args_parse(cmd->argp, argc, argv, input, c, out);
	if (ret || c->add || c->remove)
		return ret;
	scheme_args_apply(c, sp, o);
	sp->policy.quota_sz = c->quota_sz;
	tmpl = scheme_args_scheme(c, cmd->action);
	cmd->refine(input, sp, &tmpl);
	spec_add_per_target(sp, &tmpl);
	return 0;
}

void scheme_args_apply(const struct scheme_args *a, struct spec *sp, struct run_opts *o)
{
	int i, t;

	spec_init(sp);
	snprintf(sp->policy.command, sizeof(sp->policy.command), "%s", a->cmd);
	sp->ctx.sample_us = a->sample_us;
	sp->ctx.aggr_us = a->aggr_us;
	memcpy(sp->ctx.pids, a->pids, a->nr_pids * sizeof(*a->pids));
	sp->ctx.nr_pids = a->nr_pids;
	for (i = 0; i < a->nr_prio; i++) {
		t = spec_target_index(sp, a->prio_pid[i]);
		if (t >= 0)
			sp->prio[t] = a->prio[i];
	}
	snprintf(sp->policy.name, sizeof(sp->policy.name), "%s", a->name);
	*o = (struct run_opts){ a->interval_us, a->duration_us, a->json, a->prom };
}

int schemes_command(int argc, char **argv, scheme_spec_fn build,
		    int (*check)(const struct spec *sp))
{
	struct spec *sp = calloc(1, sizeof(*sp));
	struct scheme_args a = {};
	struct run_opts o;
	int ret;

	if (!sp)
		return err("out of memory"), 1;
	ret = build(argc, argv, sp, &o, &a);
	if (!ret && (a.add || a.remove))
		ret = session_change(a.name, a.add, a.remove, a.add_prio);
	else if (!ret && check && check(sp))
		ret = 1;
	else if (!ret)
		ret = session_run(sp, &o);
	free(sp);
	return ret;
}

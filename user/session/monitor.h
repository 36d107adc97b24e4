/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: a monitoring session.  With the kfunc (kernel/patches), a DAMON context of ours
 * is fed by the BPF reporters and filtered by DAMON's sample filters (per CPU, write or
 * read); on kernels without it, the reporters aggregate in maps and the view is built from
 * them, without touching DAMON.  cli/monitor.c fills struct monitor_args.
 */
#ifndef DAMON_BPF_SESSION_MONITOR_H
#define DAMON_BPF_SESSION_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include "damon/damon.h"
#include "session/runner.h"
#include "spec/spec.h"
#include "view/view.h"

struct monitor_args {
	struct damon_ctx_cfg cfg;
	uint8_t cpus[DAMON_BPF_MAX_CPUS];
	bool have_cpus, paddr, no_kfunc, no_prefilter, write_only, read_only;
	bool src_fault, src_perf, src_pte, src_given;
	uint64_t duration_us, interval_us, perf_period;
	const char *record;
	const char *pin;
	struct view_opts view;
};

/* The defaults of 'monitor': damo's context, the fault source, 1 s, the top 10 regions. */
void monitor_args_init(struct monitor_args *a);
/*
 * The spec a monitoring session is (policy.command "monitor"): the context with its
 * targets, intervals and sample control, the "bpf" block, no schemes; what is not the spec
 * (interval, duration, views, record, pin) goes to o.
 */
void monitor_to_spec(const struct monitor_args *a, struct spec *sp, struct run_opts *o);

#endif

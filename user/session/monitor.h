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
/* Runs the session until a signal, the duration or the targets' end; the exit status. */
int monitor_run(struct monitor_args *a);

#endif

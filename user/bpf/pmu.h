/* SPDX-License-Identifier: GPL-2.0 */
/* damon-bpf: the reporters' perf source (bpf/pmu.c), for bpf/reporter.c. */
#ifndef DAMON_BPF_BPF_PMU_H
#define DAMON_BPF_BPF_PMU_H

#include <stddef.h>
#include <stdint.h>
#include <linux/perf_event.h>
#include "bpf/reporter.h"

/* A memory-access sampling event, from the PMU's sysfs description. */
struct sampler {
	const char *name;		/* "mem-loads", "mem-stores", "ibs_op" */
	struct perf_event_attr attr;
};

/*
 * Finds the CPU's memory-access samplers (at most two) with the sample period; returns how
 * many were found; why says what was looked for when none.
 */
int pmu_detect(struct sampler *out, uint64_t period, char *why, size_t len);
/*
 * One sampling event per online CPU, each with its link to the on_sample program: the
 * samplers hw[] if all open, else the software page-fault event.  r->perf_source says
 * which runs, and r->perf_why why the others do not.
 */
int pmu_attach(struct reporter *r, const struct reporter_opts *o, struct sampler *hw,
	       int nr_hw, const char *why);
/* Destroys every perf link and event of r. */
void pmu_detach(struct reporter *r);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* damon-bpf: the reporters' perf source (bpf/pmu.c). */
#ifndef DAMON_BPF_BPF_PMU_H
#define DAMON_BPF_BPF_PMU_H

#include <stddef.h>
#include <stdint.h>
#include <linux/perf_event.h>
#include <bpf/libbpf.h>

/* The perf events of the reporters and their links, one a CPU (and sampler). */
struct perf_set {
	int *fds;
	struct bpf_link **links;
	int nr;
	const char *source;		/* which perf event samples, or NULL */
	char why[256];			/* the hardware samplers in use, or why none is */
};

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
 * One sampling event per online CPU, each with its link to prog: the samplers hw[] if all
 * open, else the software page-fault event (with period, default 1).  ps->source says which
 * runs, and ps->why why the others do not.
 */
int pmu_attach(struct perf_set *ps, struct bpf_program *prog, uint64_t period,
	       struct sampler *hw, int nr_hw, const char *why);
/* Destroys every perf link and event of ps. */
void pmu_detach(struct perf_set *ps);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* damon-bpf: the fault counts of 'count', per CPU, as a table or one JSON object. */
#ifndef DAMON_BPF_VIEW_COUNTS_H
#define DAMON_BPF_VIEW_COUNTS_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "damon_bpf.h"

struct counts {
	const char *source;		/* the fault program's variant: tp_btf, raw_tp */
	int nr_cpus;
	const uint64_t (*per_cpu)[STAT_MAX];
	const uint64_t *total;
	int exit_status;		/* COMMAND's, 128 + signal when killed */
};

void counts_print(const struct counts *c, bool json);

#endif

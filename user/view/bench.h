/* SPDX-License-Identifier: GPL-2.0 */
/* damon-bpf: the results of 'bench', one row (or JSON member) a phase. */
#ifndef DAMON_BPF_VIEW_BENCH_H
#define DAMON_BPF_VIEW_BENCH_H

#include <stdbool.h>
#include <stdint.h>

enum phase { PH_OFF, PH_EMPTY, PH_FALLBACK, PH_KFUNC, PH_KFUNC_MAP, NR_PHASES };

struct bench_result {
	uint64_t faults, ns, cnt;	/* the churn's faults; the program's run time and runs */
	double secs;
	bool ran;
	const char *why;		/* why the phase did not run */
};

void bench_print(const struct bench_result *res, double duration_s, long rounds, bool json);

#endif

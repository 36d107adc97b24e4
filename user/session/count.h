/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf count: run a command and count its user page faults per CPU, reads and writes,
 * exactly, from the page_fault_user tracepoint (cli/count.c fills struct count_args).
 */
#ifndef DAMON_BPF_SESSION_COUNT_H
#define DAMON_BPF_SESSION_COUNT_H

#include <stdbool.h>
#include <stdint.h>

struct count_args {
	uint64_t start, end;		/* 0, 0: any address */
	bool json, raw;
	char **cmd;
};

/* Runs a->cmd with the counter attached, prints the counts; COMMAND's exit status. */
int count_run(const struct count_args *a);

#endif

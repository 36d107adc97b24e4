// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: the fault counts of 'count' (view/counts.h). */
#include <stdio.h>

#include "lib/json.h"
#include "lib/util.h"
#include "view/counts.h"

static void print_json(const struct counts *c)
{
	struct json_writer w = { .f = stdout, .compact = true };
	int cpu;

	jw_begin(&w, NULL, '{');
	jw_str(&w, "source", c->source);
	jw_begin(&w, "faults", '{');
	jw_begin(&w, "read", '[');
	for (cpu = 0; cpu < c->nr_cpus; cpu++)
		jw_num(&w, NULL, c->per_cpu[cpu][STAT_READS]);
	jw_end(&w, ']');
	jw_begin(&w, "write", '[');
	for (cpu = 0; cpu < c->nr_cpus; cpu++)
		jw_num(&w, NULL, c->per_cpu[cpu][STAT_WRITES]);
	jw_end(&w, ']');
	jw_end(&w, '}');
	jw_num(&w, "seen", c->total[STAT_SEEN]);
	jw_num(&w, "filtered", c->total[STAT_FILTERED]);
	jw_int(&w, "exit_status", c->exit_status);
	jw_end(&w, '}');
}

void counts_print(const struct counts *c, bool json)
{
	int cpu;

	if (json) {
		print_json(c);
	} else {
		printf("%-5s %12s %12s\n", "CPU", "READ", "WRITE");
		for (cpu = 0; cpu < c->nr_cpus; cpu++)
			printf("%-5d %12llu %12llu\n", cpu,
			       (unsigned long long)c->per_cpu[cpu][STAT_READS],
			       (unsigned long long)c->per_cpu[cpu][STAT_WRITES]);
		printf("%-5s %12llu %12llu\n", "all", (unsigned long long)c->total[STAT_READS],
		       (unsigned long long)c->total[STAT_WRITES]);
	}
	out_flush(stdout);
}

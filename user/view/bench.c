// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: the results of 'bench' (view/bench.h) as a table or one JSON object. */
#include <stdio.h>

#include "lib/json.h"
#include "view/bench.h"

static const char *const phase_names[NR_PHASES] = {
	"off", "empty", "fallback", "kfunc", "kfunc+map",
};

static void print_json(const struct bench_result *res, double duration_s, long rounds)
{
	struct json_writer w = { .f = stdout, .compact = true };
	double off = res[PH_OFF].faults / res[PH_OFF].secs;
	int ph;

	jw_begin(&w, NULL, '{');
	jw_double(&w, "duration_s", duration_s, 3);
	jw_int(&w, "rounds", rounds);
	jw_begin(&w, "phases", '{');
	for (ph = 0; ph < NR_PHASES; ph++) {
		double rate = res[ph].ran ? res[ph].faults / res[ph].secs : 0;

		jw_begin(&w, phase_names[ph], '{');
		if (!res[ph].ran) {
			jw_str(&w, "skipped", res[ph].why);
		} else {
			jw_double(&w, "faults_per_s", rate, 0);
			jw_double(&w, "ratio", rate / off, 4);
			jw_double(&w, "ns_per_event", res[ph].cnt ?
				  (double)res[ph].ns / res[ph].cnt : 0, 1);
			jw_num(&w, "events", res[ph].cnt);
		}
		jw_end(&w, '}');
	}
	jw_end(&w, '}');
	jw_end(&w, '}');
}

static void print_table(const struct bench_result *res)
{
	double off = res[PH_OFF].faults / res[PH_OFF].secs;
	char buf[64];
	int ph;

	printf("%-9s %14s %9s %12s  %s\n", "PHASE", "FAULTS/S", "VS OFF", "NS/EVENT",
	       "(BPF run_time_ns / run_cnt)");
	for (ph = 0; ph < NR_PHASES; ph++) {
		double rate = res[ph].ran ? res[ph].faults / res[ph].secs : 0;
		double ns = res[ph].cnt ? (double)res[ph].ns / res[ph].cnt : 0;

		if (!res[ph].ran) {
			printf("%-9s %14s   skipped: %s\n", phase_names[ph], "-", res[ph].why);
			continue;
		}
		snprintf(buf, sizeof(buf), "%.0f", ns);
		printf("%-9s %14.0f %9.3f %12s\n", phase_names[ph], rate, rate / off,
		       ph == PH_OFF ? "-" : buf);
	}
}

void bench_print(const struct bench_result *res, double duration_s, long rounds, bool json)
{
	if (json)
		print_json(res, duration_s, rounds);
	else
		print_table(res);
}

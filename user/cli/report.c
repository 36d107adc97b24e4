// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf report: print the snapshots of a record file as 'monitor' did, draw them as a
 * heatmap, or write them as a damo record.
 */
#include <argp.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "lib/util.h"
#include "view/accuracy.h"
#include "view/heatmap.h"
#include "view/view.h"

static const char doc[] =
"Print the snapshots that 'damon-bpf monitor --record FILE' wrote, as the live\n"
"view did; draw them as a heatmap (time, address, access rate); or write them\n"
"as a damo record.\n"
"\n"
"USAGE: damon-bpf report [--json | --top N] FILE\n"
"       damon-bpf report FILE --heatmap OUT.png|OUT.txt|- [--breakdown WHAT]\n"
"                        [--heatmap-size WxH] [--address-range RANGE]\n"
"                        [--time-range RANGE] [--pid PID]\n"
"       damon-bpf report FILE --format damo --output OUT\n"
"       damon-bpf report FILE --truth TRUTH [--cpus LIST]\n"
"                        [--write-only | --read-only] [--json]\n"
"\n"
"A PNG heatmap has time on x (left to right) and addresses on y (lowest at\n"
"the bottom), a pixel a bin: black is no access, pale yellow the most, slate\n"
"blue no data.  Text (damo's terminal heatmap) has a line a time bin, earliest\n"
"first, and a digit 0-9 an address bin, lowest left.  The value is DAMON's\n"
"access rate (0 to 100 %), or reporter events per second per 4 KiB for\n"
"fallback records.  A --breakdown is the hits of the DAMON probe that counts\n"
"it (in %, e.g. monitor's default CPUn and W probes), or the reporter events\n"
"it selects where the record holds them.  The axes are said on stderr, in the\n"
"PNG's text chunks and under the text.\n"
"\n"
"--truth scores each snapshot against a workload's ground truth (the first line\n"
"tests/workloads/workload prints): bytes weighted, inside the workload's\n"
"regions, a region with nr_accesses > 0 is called accessed; precision = hot\n"
"bytes called accessed / bytes called accessed, recall = hot bytes called\n"
"accessed / hot bytes.  --cpus, --write-only and --read-only say what the\n"
"recorded session counted (give the monitor options it ran with): only the hot\n"
"ranges of those CPUs, or of that kind, are hot then.\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf report run.dbr\n"
"  damon-bpf report --json run.dbr | tail -n 1\n"
"  damon-bpf report run.dbr --heatmap run.png\n"
"  damon-bpf report run.dbr --heatmap - --breakdown cpu=1,writes\n"
"  damon-bpf report run.dbr --heatmap run.png --time-range 2s-10s\n"
"  damon-bpf report run.dbr --format damo --output run.damo\n"
"  damo report access --input run.damo\n"
"  workload --ticker 2 --region s:256M@0,reader=1 --duration 60 > truth &\n"
"  damon-bpf monitor --pid $! --cpus 0 --duration 10s --record run.dbr\n"
"  damon-bpf report run.dbr --truth truth --cpus 0\n"
EXIT_DOC;

enum {
	OPT_HEATMAP = 0x100, OPT_BREAKDOWN, OPT_SIZE, OPT_ADDR, OPT_TIME, OPT_PID,
	OPT_FORMAT, OPT_OUTPUT, OPT_TRUTH, OPT_CPUS, OPT_WRITE_ONLY, OPT_READ_ONLY,
};

static const struct argp_option options[] = {
	{ "json", 'j', NULL, 0, "One JSON object per snapshot (the keys of monitor --json)" },
	{ "top", 't', "N", 0, "Regions shown in the table (default 10, 0: all)" },
	{ "format", OPT_FORMAT, "FMT", 0, "table (the default), json (as --json), or damo: a "
	  "damo 3.3 record file (zlib-compressed JSON) at --output; DAMON-mode records only" },
	{ "output", OPT_OUTPUT, "OUT", 0, "The file --format damo writes" },
	{ NULL, 0, NULL, 0, "Heatmap:" },
	{ "heatmap", OPT_HEATMAP, "OUT", 0, "Draw the record: OUT.png (an image), OUT.txt or - "
	  "(text, to stdout)" },
	{ "breakdown", OPT_BREAKDOWN, "WHAT", 0, "Accesses of one CPU and/or of one kind: "
	  "cpu=N, reads, writes, or both as cpu=N,writes (the record's probe for it, or its "
	  "reporter events)" },
	{ "heatmap-size", OPT_SIZE, "WxH", 0, "Bins across and down, at most 2000 each (PNG: "
	  "time x address, default 500x500; text: address x time, default 80x40)" },
	{ "address-range", OPT_ADDR, "RANGE", 0, "Addresses to draw, e.g. "
	  "0x7f0000000000-0x7f0000800000 (default: the hottest range per byte)" },
	{ "time-range", OPT_TIME, "RANGE", 0, "Seconds since the session started, with "
	  "units, e.g. 2s-10s (default: all of it)" },
	{ "pid", OPT_PID, "PID", 0, "The process to draw, when the record holds several" },
	{ NULL, 0, NULL, 0, "Accuracy:" },
	{ "truth", OPT_TRUTH, "TRUTH", 0, "Precision and recall of each snapshot against the "
	  "ground truth in file TRUTH (a workload's first output line)" },
	{ "cpus", OPT_CPUS, "LIST", 0, "With --truth: the session counted these CPUs only "
	  "(its --cpus)" },
	{ "write-only", OPT_WRITE_ONLY, NULL, 0, "With --truth: the session counted writes only" },
	{ "read-only", OPT_READ_ONLY, NULL, 0, "With --truth: the session counted reads only" },
	{},
};

enum report_format { FMT_TABLE, FMT_JSON, FMT_DAMO };

struct report_args {
	struct view_opts view;
	const char *file;
	enum report_format format;
	bool format_set, top_set;
	const char *output;
	const char *heatmap;
	bool png;
	int width, height;		/* 0: the default of the output */
	bool heatmap_shaped;		/* an option that only --heatmap takes */
	struct heatmap_opts hm;
	const char *truth;
	uint8_t cpus[DAMON_BPF_MAX_CPUS];
	struct truth_filter filter;	/* what the recorded session counted */
	bool truth_shaped;		/* an option that only --truth takes */
};

/* "cpu=N", "reads", "writes", comma-separated. */
static void parse_breakdown(struct argp_state *state, struct heatmap_opts *o, char *arg)
{
	char *save = NULL, *tok;
	long n;

	o->breakdown = true;
	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "cpu=", 4)) {
			if (o->cpu >= 0 || parse_int(tok + 4, 0, DAMON_BPF_MAX_CPUS - 1, &n))
				argp_error(state, "--breakdown %s: one cpu=N, N a CPU number", tok);
			o->cpu = n;
		} else if (!strcmp(tok, "reads") || !strcmp(tok, "writes")) {
			if (o->rw != HEAT_RW_ALL)
				argp_error(state, "--breakdown: reads or writes, not both "
					   "(leave both out for all accesses)");
			o->rw = tok[0] == 'r' ? HEAT_RW_READS : HEAT_RW_WRITES;
		} else {
			argp_error(state, "--breakdown %s: use cpu=N, reads or writes (e.g. "
				   "cpu=1,writes)", tok);
		}
	}
}

/* "A-B" into its two halves (the first '-'); false if there is none or a half is empty. */
static bool split_range(char *arg, char **a, char **b)
{
	char *dash = strchr(arg, '-');

	if (!dash || dash == arg || !dash[1])
		return false;
	*dash = '\0';
	*a = arg;
	*b = dash + 1;
	return true;
}

static bool parse_addr(const char *s, uint64_t *v)
{
	return !parse_u64(s, v) || !parse_bytes(s, v);
}

/* A time with its unit (a bare number would be microseconds: not what a range means). */
static bool parse_time_s(const char *s, double *v)
{
	uint64_t us;

	if (!*s || isdigit((unsigned char)s[strlen(s) - 1]) || parse_duration_us(s, &us))
		return false;
	*v = us / 1e6;
	return true;
}

static void parse_size(struct argp_state *state, struct report_args *a, const char *arg)
{
	char *x;
	long w, h;

	x = strchr(arg, 'x');
	if (x) {
		char wbuf[16];

		snprintf(wbuf, sizeof(wbuf), "%.*s", (int)(x - arg), arg);
		if (!parse_int(wbuf, 1, 2000, &w) && !parse_int(x + 1, 1, 2000, &h)) {
			a->width = w;
			a->height = h;
			return;
		}
	}
	argp_error(state, "--heatmap-size %s: expected WxH, each 1 to 2000 (e.g. 500x300)", arg);
}

static void parse_heatmap_opt(int key, char *arg, struct argp_state *state,
			      struct report_args *a)
{
	char *lo, *hi;
	long n;

	a->heatmap_shaped = true;
	switch (key) {
	case OPT_BREAKDOWN:
		parse_breakdown(state, &a->hm, arg);
		break;
	case OPT_SIZE:
		parse_size(state, a, arg);
		break;
	case OPT_ADDR:
		if (!split_range(arg, &lo, &hi) || !parse_addr(lo, &a->hm.addr_start) ||
		    !parse_addr(hi, &a->hm.addr_end) || a->hm.addr_start >= a->hm.addr_end)
			argp_error(state, "--address-range: expected START-END with START < END, "
				   "e.g. 0x7f0000000000-0x7f0000800000");
		a->hm.have_addr = true;
		break;
	case OPT_TIME:
		if (!split_range(arg, &lo, &hi) || !parse_time_s(lo, &a->hm.time_start) ||
		    !parse_time_s(hi, &a->hm.time_end) || a->hm.time_start >= a->hm.time_end)
			argp_error(state, "--time-range: expected START-END with units and START < "
				   "END, e.g. 2s-10s or 500ms-3s");
		a->hm.have_time = true;
		break;
	case OPT_PID:
		if (parse_int(arg, 1, INT32_MAX, &n))
			argp_error(state, "--pid %s: not a process id", arg);
		a->hm.pid = n;
		break;
	}
}

static void parse_heatmap_out(struct argp_state *state, struct report_args *a, const char *arg)
{
	size_t len = strlen(arg);

	a->heatmap = arg;
	if (!strcmp(arg, "-") || (len > 4 && !strcmp(arg + len - 4, ".txt")))
		a->png = false;
	else if (len > 4 && !strcmp(arg + len - 4, ".png"))
		a->png = true;
	else
		argp_error(state, "--heatmap %s: name an OUT.png (an image), or OUT.txt or - "
			   "(text)", arg);
}

/* The combinations: one output at a time, each option with the output it shapes. */
static void check_args(struct argp_state *state, struct report_args *a)
{
	if (!a->file)
		argp_error(state, "no record FILE given");
	if (a->heatmap && (a->format_set || a->view.json || a->top_set || a->output))
		argp_error(state, "--heatmap draws the record, --json, --top, --format and "
			   "--output print or write it: one at a time");
	if (!a->heatmap && a->heatmap_shaped)
		argp_error(state, "--breakdown, --heatmap-size, --address-range, --time-range "
			   "and --pid shape a heatmap: add --heatmap OUT");
	if (a->format == FMT_DAMO && !a->output)
		argp_error(state, "--format damo writes a file: add --output OUT");
	if (a->output && a->format != FMT_DAMO)
		argp_error(state, "--output is where --format damo writes (the table and JSON go "
			   "to stdout)");
	if (a->format == FMT_DAMO && (a->view.json || a->top_set))
		argp_error(state, "--format damo writes every region of every snapshot: no --json "
			   "or --top");
	if (a->truth && (a->heatmap || a->format == FMT_DAMO || a->top_set))
		argp_error(state, "--truth prints the figures of each snapshot: no --heatmap, "
			   "--format damo or --top");
	if (!a->truth && a->truth_shaped)
		argp_error(state, "--cpus, --write-only and --read-only say what the session "
			   "counted, for --truth: add --truth TRUTH");
	if (a->format == FMT_JSON)
		a->view.json = true;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct report_args *a = state->input;
	long n;

	switch (key) {
	case 'j':
		a->view.json = true;
		break;
	case 't':
		if (parse_int(arg, 0, 1 << 20, &n))
			argp_error(state, "--top %s: expected a count", arg);
		a->view.top = n;
		a->top_set = true;
		break;
	case OPT_FORMAT:
		if (!strcmp(arg, "table"))
			a->format = FMT_TABLE;
		else if (!strcmp(arg, "json"))
			a->format = FMT_JSON;
		else if (!strcmp(arg, "damo"))
			a->format = FMT_DAMO;
		else
			argp_error(state, "--format %s: use table, json or damo", arg);
		a->format_set = true;
		break;
	case OPT_OUTPUT:
		a->output = arg;
		break;
	case OPT_HEATMAP:
		parse_heatmap_out(state, a, arg);
		break;
	case OPT_TRUTH:
		a->truth = arg;
		break;
	case OPT_CPUS:
		if (parse_cpulist(arg, a->cpus, DAMON_BPF_MAX_CPUS))
			argp_error(state, "--cpus %s: expected a CPU list like 0-3,5", arg);
		a->filter.cpus = a->cpus;
		a->truth_shaped = true;
		break;
	case OPT_WRITE_ONLY:
	case OPT_READ_ONLY:
		if (a->filter.rw != RW_BOTH &&
		    a->filter.rw != (key == OPT_WRITE_ONLY ? RW_WRITES : RW_READS))
			argp_error(state, "--write-only and --read-only exclude each other");
		a->filter.rw = key == OPT_WRITE_ONLY ? RW_WRITES : RW_READS;
		a->truth_shaped = true;
		break;
	case OPT_BREAKDOWN:
	case OPT_SIZE:
	case OPT_ADDR:
	case OPT_TIME:
	case OPT_PID:
		parse_heatmap_opt(key, arg, state, a);
		break;
	case ARGP_KEY_ARG:
		if (a->file)
			argp_error(state, "one FILE only");
		a->file = arg;
		break;
	case ARGP_KEY_END:
		check_args(state, a);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int draw(struct report_args *a)
{
	struct heatmap hm;
	char t[160], ad[160], v[200];
	int ret;

	/* A PNG is time across, address down; text the other way round, as damo's. */
	a->hm.nr_time = a->png ? (a->width ?: 500) : (a->height ?: 40);
	a->hm.nr_addr = a->png ? (a->height ?: 500) : (a->width ?: 80);
	if (heatmap_from_record(a->file, &a->hm, &hm))
		return 1;
	ret = a->png ? heatmap_write_png(&hm, a->heatmap) : heatmap_write_text(&hm, a->heatmap);
	if (!ret && strcmp(a->heatmap, "-")) {
		heatmap_describe_time(&hm, t, sizeof(t));
		heatmap_describe_addr(&hm, ad, sizeof(ad));
		heatmap_describe_value(&hm, v, sizeof(v));
		info("damon-bpf: %s: %dx%d, %d snapshot%s\n  %s: time %s, %s\n"
		     "  %s: address %s, %s\n  colour: %s", a->heatmap,
		     a->png ? hm.nr_time : hm.nr_addr, a->png ? hm.nr_addr : hm.nr_time,
		     hm.nr_snapshots, hm.nr_snapshots == 1 ? "" : "s", a->png ? "x" : "y", t,
		     a->png ? "left to right" : "earliest first", a->png ? "y" : "x", ad,
		     a->png ? "lowest at the bottom" : "lowest left", v);
	}
	heatmap_free(&hm);
	return ret ? 1 : 0;
}

int cmd_report(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, "FILE", doc };
	struct report_args a = { .view.top = 10, .hm = { .cpu = -1, .pid = -1 } };

	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return EXIT_USAGE;
	install_signal_handlers();
	if (a.heatmap)
		return draw(&a);
	if (a.format == FMT_DAMO)
		return record_to_damo(a.file, a.output) ? 1 : 0;
	if (a.truth)
		return accuracy_replay(a.file, a.truth, &a.filter, a.view.json) ? 1 : 0;
	return record_replay(a.file, &a.view) ? 1 : 0;
}

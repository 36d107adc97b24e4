/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: the heatmap of a record file ('report --heatmap'): a grid of time bins by
 * address bins, each the access rate (or the reporter events) of the regions that covered it,
 * drawn as a PNG image or as text.
 *
 * Part of view/ (see view.h): the model (heatmap.c) is filled from the record file's
 * snapshots, the drawings (heatmap_draw.c) only read it.  May call lib/ and libpng.
 */
#ifndef DAMON_BPF_HEATMAP_H
#define DAMON_BPF_HEATMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "view/view.h"

/* Which accesses a heatmap shows: a breakdown picks a CPU and/or reads or writes. */
enum heat_rw { HEAT_RW_ALL, HEAT_RW_READS, HEAT_RW_WRITES };

struct heatmap_opts {
	bool breakdown;		/* a cpu= or reads/writes was asked: reporter events */
	int cpu;		/* -1: every CPU */
	enum heat_rw rw;
	int pid;		/* -1: the record's one process */
	bool have_addr, have_time;
	uint64_t addr_start, addr_end;
	double time_start, time_end;	/* seconds since the session started */
	int nr_time, nr_addr;	/* bins on each axis */
};

/*
 * Unit of a heatmap's values: DAMON's access rate in percent of the sampling intervals (the
 * table's ACCESS column), or reporter events per second per 4 KiB (fallback records, whose
 * regions count events, and every breakdown).
 */
enum heat_unit { HEAT_PERCENT, HEAT_EVENTS };

struct heatmap {
	int nr_time, nr_addr;
	double time_start, time_end;
	uint64_t addr_start, addr_end;
	/* [t * nr_addr + a]: time bin t (earliest first), address bin a (lowest first) */
	double *val;		/* NaN: no data */
	double max;		/* the highest value, 0 if none */
	double scale;		/* the value drawn brightest: 100 (%), or max for events */
	enum heat_unit unit;
	char what[96];		/* "DAMON access rate", "writes of CPU 1 (reporter events)" */
	char desc[256];		/* the session, from the record's header */
	int nr_snapshots;	/* that fell into the time range */
};

/*
 * Fills hm from the record file path: the time range (default: the session's start to its
 * last snapshot), the address range (default: the busiest cluster of regions, which it
 * names on stderr with the others), then the grid.  0, or -1 (said): no snapshot, no
 * breakdown in the record, a pid or range it does not hold.
 */
int heatmap_from_record(const char *path, const struct heatmap_opts *o, struct heatmap *hm);
void heatmap_free(struct heatmap *hm);

/* Axis and colour lines that describe hm (also written into the PNG and the text). */
void heatmap_describe_time(const struct heatmap *hm, char *buf, size_t len);
void heatmap_describe_addr(const struct heatmap *hm, char *buf, size_t len);
void heatmap_describe_value(const struct heatmap *hm, char *buf, size_t len);

/*
 * PNG: x = time (left to right), y = address (lowest at the bottom row), one pixel a bin,
 * colour from black (0) through purple, red, orange to pale yellow (hm->scale); no data is
 * slate blue.  Written to a temporary file and renamed.  0, or -1 (said).
 */
int heatmap_write_png(const struct heatmap *hm, const char *path);
/*
 * Text, as damo's terminal heatmap: one line a time bin (earliest first), one character an
 * address bin (lowest left), digits 0-9 for tenths of hm->scale, ' ' for no data, then '#'
 * lines with the axes.  path "-": stdout, with 256-colour backgrounds if it is a terminal.
 */
int heatmap_write_text(const struct heatmap *hm, const char *path);

#endif

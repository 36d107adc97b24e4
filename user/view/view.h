/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: snapshots of a monitoring session (regions with their per-CPU read/write
 * breakdown, reporter counters), their table and JSON views, and record files.
 *
 * Layer view/ (the bottom but lib/): what the user sees, from data models the caller filled:
 * snapshots (snapshot.c) as a table or JSON lines (table.c) and record files (record.c),
 * a record file as a heatmap (heatmap.h) or as damo's record (damo.c), scheme stats
 * (stats.h), status entries (status.h), fault counts (counts.h), bench results (bench.h),
 * snapshots scored against a workload's ground truth (accuracy.h), and snapshots or scheme
 * stats as Prometheus metrics (prom.h).
 * Views only read their model: no sysfs, no BPF, no /proc.  May call lib/ only (and libpng,
 * zlib); called by session/ and cli/.
 */
#ifndef DAMON_BPF_VIEW_H
#define DAMON_BPF_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <zlib.h>
#include "damon_bpf.h"

#define RECORD_MAGIC "DAMONBPF"
#define RECORD_VERSION 2		/* 2: probes; version 1 files are read too */
#define VIEW_MAX_PROBES 4

enum session_mode { MODE_DAMON = 0, MODE_FALLBACK = 1 };

struct view_region {
	uint64_t start, end;
	uint32_t nr_accesses;	/* DAMON: sampling intervals with an access; fallback: events */
	uint32_t age;		/* aggregation intervals (DAMON) or snapshots (fallback) */
	int32_t pid;		/* target process, -1 when not known (paddr, several targets) */
	uint64_t *reads, *writes;	/* [nr_cpus] reporter events in this snapshot */
	uint32_t probe_hits[VIEW_MAX_PROBES];	/* of the session's probes (DAMON mode) */
};

struct snapshot {
	double time;		/* seconds since the session started */
	uint32_t max_nr_accesses;	/* aggr / sample; 0 in fallback mode */
	uint64_t stats[STAT_MAX];	/* reporter counters, cumulative */
	int nr_regions, cap;
	struct view_region *regions;
};

/* What is fixed for a whole session: the record file's header. */
struct session_info {
	uint32_t mode;
	uint32_t nr_cpus;
	uint64_t sample_us, aggr_us;
	char desc[256];		/* "pid 42, sources fault (tp_btf), cpus 0, writes only" */
	uint32_t nr_probes;
	char probes[VIEW_MAX_PROBES][64];	/* each probe's filters, e.g. "allow cpumask 0" */
	const char *file;	/* record_open(): the file, for record_read()'s errors */
};

struct view_opts {
	bool json;
	int top;		/* regions shown in the table (0: all) */
};

void snapshot_init(struct snapshot *s);
void snapshot_clear(struct snapshot *s);
struct view_region *snapshot_add(struct snapshot *s, int nr_cpus, uint64_t start, uint64_t end);
/* Adds count to the region holding addr, if any. */
void snapshot_attribute(struct snapshot *s, uint64_t addr, int cpu, bool write, uint64_t count,
			int nr_cpus);
void snapshot_free(struct snapshot *s);

void view_print(FILE *f, const struct session_info *si, const struct snapshot *s,
		const struct view_opts *o);

gzFile record_create(const char *path, const struct session_info *si);
int record_write(gzFile g, const struct session_info *si, const struct snapshot *s);
gzFile record_open(const char *path, struct session_info *si);
/* 1: a snapshot was read, 0: end of file, -1: error (said). */
int record_read(gzFile g, const struct session_info *si, struct snapshot *s);
/* Prints every snapshot of the record file path as the live view did; 0, or -1 (said). */
int record_replay(const char *path, const struct view_opts *o);
/*
 * Writes the record file path as a damo 3.3 record file out (zlib-compressed JSON, damo's
 * json_compressed), through a temporary file; DAMON-mode records only.  0, or -1 (said).
 */
int record_to_damo(const char *path, const char *out);

#endif

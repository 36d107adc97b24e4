// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: a record file rewritten as damo's record ('report --format damo'): damo's
 * "json_compressed" file type, a zlib stream of a JSON list of DamonRecord objects (damo 3.3,
 * _damo_records.py: DamonRecord.to_kvpairs(raw=True)), which 'damo report access --input'
 * and 'damo report heatmap --input' read.  damo tells its file types apart with file(1):
 * plain JSON, which file(1) calls "JSON text data", is not taken for one; zlib is.
 *
 * One DamonRecord (kdamond 0, context 0, the stat scheme 0, target 0) with a snapshot per
 * snapshot of the record: regions with nr_accesses in samples and age in aggregation
 * intervals, as DAMON's tried_regions gave them; the snapshot spans the aggregation interval
 * that ends at its time, as damo's own snapshots do.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lib/json.h"
#include "lib/util.h"
#include "view/view.h"

/* The update interval is not in the record: damo's file gets DAMON's default. */
#define OPS_UPDATE_US 1000000

/* A FILE that deflates into another (fopencookie): the JSON writer writes into it. */
struct zout {
	FILE *to;
	z_stream z;
	bool failed;
	unsigned char buf[1 << 16];
};

static int zout_pump(struct zout *zo, int flush)
{
	int r;

	do {
		size_t n;

		zo->z.next_out = zo->buf;
		zo->z.avail_out = sizeof(zo->buf);
		r = deflate(&zo->z, flush);
		if (r == Z_STREAM_ERROR)
			return -1;
		n = sizeof(zo->buf) - zo->z.avail_out;
		if (n && fwrite(zo->buf, 1, n, zo->to) != n)
			return -1;
	} while (zo->z.avail_out == 0 || (flush == Z_FINISH && r != Z_STREAM_END));
	return 0;
}

static ssize_t zout_write(void *cookie, const char *data, size_t len)
{
	struct zout *zo = cookie;

	zo->z.next_in = (Bytef *)data;
	zo->z.avail_in = len;
	if (zout_pump(zo, Z_NO_FLUSH)) {
		zo->failed = true;
		return -1;
	}
	return len;
}

static void region_kv(struct json_writer *w, const struct view_region *r)
{
	jw_begin(w, NULL, '{');
	jw_num(w, "start", r->start);
	jw_num(w, "end", r->end);
	jw_begin(w, "nr_accesses", '{');
	jw_num(w, "samples", r->nr_accesses);
	jw_null(w, "percent");
	jw_end(w, '}');
	jw_begin(w, "age", '{');
	jw_null(w, "usec");
	jw_num(w, "aggr_intervals", r->age);
	jw_end(w, '}');
	jw_begin(w, "probe_hits", '[');
	jw_end(w, ']');
	jw_num(w, "sz_filter_passed", 0);
	jw_end(w, '}');
}

/* One snapshot; -1 (said) if its regions overlap: several processes' in one record. */
static int snapshot_kv(struct json_writer *w, const struct session_info *si,
		       const struct snapshot *s)
{
	uint64_t end_ns, aggr_ns = si->aggr_us * 1000;
	int i;

	if (!isfinite(s->time) || s->time < 0 || s->time > 1e9)
		return err("%s: a snapshot has no valid time (%g): the record is corrupt", si->file,
			   s->time);
	end_ns = (uint64_t)(s->time * 1e9 + 0.5);
	for (i = 1; i < s->nr_regions; i++)
		if (s->regions[i].start < s->regions[i - 1].end)
			return err("%s: the regions of the snapshot at %.3f s overlap: they are of "
				   "several processes (monitor --pid A --pid B), and the record does "
				   "not say whose each is; damo's records are per process: record "
				   "one --pid a session", si->file, s->time);
	jw_begin(w, NULL, '{');
	jw_num(w, "start_time", end_ns > aggr_ns ? end_ns - aggr_ns : 0);
	jw_num(w, "end_time", end_ns);
	jw_begin(w, "regions", '[');
	for (i = 0; i < s->nr_regions; i++)
		region_kv(w, &s->regions[i]);
	jw_end(w, ']');
	jw_null(w, "total_bytes");
	jw_null(w, "damos_stats");
	jw_num(w, "sample_interval_us", si->sample_us);
	jw_end(w, '}');
	return 0;
}

/* The JSON of the whole record into f; 0, or -1 (said). */
static int damo_json(FILE *f, gzFile g, struct session_info *si)
{
	struct json_writer w = { .f = f, .compact = true };
	struct snapshot s;
	int r;

	jw_begin(&w, NULL, '[');
	jw_begin(&w, NULL, '{');
	jw_num(&w, "kdamond_idx", 0);
	jw_num(&w, "context_idx", 0);
	jw_begin(&w, "intervals", '{');
	jw_num(&w, "sample_us", si->sample_us);
	jw_num(&w, "aggr_us", si->aggr_us);
	jw_num(&w, "ops_update_us", OPS_UPDATE_US);
	jw_end(&w, '}');
	jw_num(&w, "scheme_idx", 0);
	jw_num(&w, "target_id", 0);
	jw_begin(&w, "scheme_filters", '[');
	jw_end(&w, ']');
	jw_begin(&w, "snapshots", '[');
	snapshot_init(&s);
	while ((r = record_read(g, si, &s)) > 0)
		if (snapshot_kv(&w, si, &s)) {
			r = -1;
			break;
		}
	snapshot_free(&s);
	if (r < 0)
		return -1;
	jw_end(&w, ']');
	jw_str(&w, "data_source", "unknown");
	jw_end(&w, '}');
	jw_end(&w, ']');
	return 0;
}

/* The record read from g, deflated into the file o. */
static int write_damo(struct out_file *o, gzFile g, struct session_info *si)
{
	static const cookie_io_functions_t io = { .write = zout_write };
	struct zout *zo = calloc(1, sizeof(*zo));
	FILE *f;
	int ret = -1;

	if (!zo)
		return err("out of memory");
	zo->to = o->f;
	if (deflateInit(&zo->z, 6) != Z_OK) {
		free(zo);
		return err("zlib: deflateInit failed");
	}
	f = fopencookie(zo, "w", io);
	if (!f) {
		err("%s: %s", o->path, strerror(errno));
	} else {
		ret = damo_json(f, g, si);
		if (fclose(f) || zo->failed || zout_pump(zo, Z_FINISH))
			ret = ret ? ret : err("%s: writing it failed", o->path);
	}
	deflateEnd(&zo->z);
	free(zo);
	return ret;
}

int record_to_damo(const char *path, const char *out)
{
	struct session_info si;
	struct out_file o;
	gzFile g;
	int ret;

	g = record_open(path, &si);
	if (!g)
		return -1;
	if (si.mode != MODE_DAMON) {
		gzclose(g);
		return err("%s is a fallback-mode record (a kernel without the kfunc): its regions "
			   "are 2 MiB buckets of reporter events, not DAMON regions with sampled "
			   "access counts, which is what damo's records hold; --heatmap draws it",
			   path);
	}
	if (out_open(&o, out)) {
		gzclose(g);
		return -1;
	}
	ret = write_damo(&o, g, &si);
	gzclose(g);
	if (ret) {
		out_abort(&o);
		return -1;
	}
	return out_commit(&o);
}

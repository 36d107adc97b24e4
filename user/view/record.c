// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: record files ('monitor --record', 'report'): snapshots written and read back. */
#include <errno.h>
#include <string.h>

#include "lib/util.h"
#include "view/view.h"

/*
 * Record file: gzip (zlib) stream of little-endian binary records.
 *   header:   "DAMONBPF" u32 version u32 mode u32 nr_cpus u32 nr_stats u64 sample_us
 *             u64 aggr_us char desc[256]
 *             (version 2) u32 nr_probes char probes[nr_probes][64]
 *   snapshot: u32 'SNAP' f64 time u32 max_nr_accesses u32 nr_regions u64 stats[nr_stats]
 *             then per region: u64 start u64 end u32 nr_accesses u32 age i32 pid
 *                              u64 reads[nr_cpus] u64 writes[nr_cpus]
 *                              (version 2) u32 probe_hits[nr_probes]
 * Version 1 files (no probes) are read as well.
 */
#define SNAP_TAG 0x50414e53u	/* "SNAP" */

static int gz_put(gzFile g, const void *p, unsigned int len)
{
	return gzwrite(g, p, len) == (int)len ? 0 : -1;
}

static int gz_get(gzFile g, void *p, unsigned int len)
{
	return gzread(g, p, len) == (int)len ? 0 : -1;
}

gzFile record_create(const char *path, const struct session_info *si)
{
	uint32_t hdr[4] = { RECORD_VERSION, si->mode, si->nr_cpus, STAT_MAX };
	gzFile g = gzopen(path, "wb6");

	if (!g) {
		err("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (gz_put(g, RECORD_MAGIC, 8) || gz_put(g, hdr, sizeof(hdr)) ||
	    gz_put(g, &si->sample_us, 8) || gz_put(g, &si->aggr_us, 8) ||
	    gz_put(g, si->desc, sizeof(si->desc)) || gz_put(g, &si->nr_probes, 4) ||
	    gz_put(g, si->probes, 64 * si->nr_probes)) {
		err("%s: write failed", path);
		gzclose(g);
		return NULL;
	}
	return g;
}

int record_write(gzFile g, const struct session_info *si, const struct snapshot *s)
{
	uint32_t tag = SNAP_TAG, nr = s->nr_regions;
	int i;

	if (gz_put(g, &tag, 4) || gz_put(g, &s->time, 8) || gz_put(g, &s->max_nr_accesses, 4) ||
	    gz_put(g, &nr, 4) || gz_put(g, s->stats, sizeof(s->stats)))
		return err("writing the record file failed");
	for (i = 0; i < s->nr_regions; i++) {
		const struct view_region *r = &s->regions[i];

		if (gz_put(g, &r->start, 8) || gz_put(g, &r->end, 8) ||
		    gz_put(g, &r->nr_accesses, 4) || gz_put(g, &r->age, 4) || gz_put(g, &r->pid, 4) ||
		    gz_put(g, r->reads, 8 * si->nr_cpus) || gz_put(g, r->writes, 8 * si->nr_cpus) ||
		    gz_put(g, r->probe_hits, 4 * si->nr_probes))
			return err("writing the record file failed");
	}
	return 0;
}

gzFile record_open(const char *path, struct session_info *si)
{
	uint32_t hdr[4], n;
	char magic[8];
	gzFile g = gzopen(path, "rb");

	if (!g) {
		err("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (gz_get(g, magic, 8) || memcmp(magic, RECORD_MAGIC, 8)) {
		err("%s: not a damon-bpf record file (they start with DAMONBPF once unzipped)", path);
		goto bad;
	}
	if (gz_get(g, hdr, sizeof(hdr))) {
		err("%s: record file cut short in its header", path);
		goto bad;
	}
	if ((hdr[0] != RECORD_VERSION && hdr[0] != 1) || hdr[3] != STAT_MAX || hdr[2] == 0 ||
	    hdr[2] > DAMON_BPF_MAX_CPUS) {
		err("%s: record version %u with %u counters is not readable by this damon-bpf",
		    path, hdr[0], hdr[3]);
		goto bad;
	}
	si->mode = hdr[1];
	si->nr_cpus = hdr[2];
	si->nr_probes = 0;
	if (gz_get(g, &si->sample_us, 8) || gz_get(g, &si->aggr_us, 8) ||
	    gz_get(g, si->desc, sizeof(si->desc)) ||
	    (hdr[0] >= 2 && gz_get(g, &si->nr_probes, 4))) {
		err("%s: record file cut short in its header", path);
		goto bad;
	}
	if (si->nr_probes > VIEW_MAX_PROBES) {
		err("%s: record file: %u probes (at most %d)", path, si->nr_probes, VIEW_MAX_PROBES);
		goto bad;
	}
	if (gz_get(g, si->probes, 64 * si->nr_probes)) {
		err("%s: record file cut short in its header", path);
		goto bad;
	}
	for (n = 0; n < si->nr_probes; n++)
		si->probes[n][63] = '\0';
	si->desc[sizeof(si->desc) - 1] = '\0';
	si->file = path;
	return g;
bad:
	gzclose(g);
	return NULL;
}

int record_read(gzFile g, const struct session_info *si, struct snapshot *s)
{
	uint32_t tag, nr, i;
	int n;

	n = gzread(g, &tag, 4);
	if (n == 0) {
		int zerr;

		/*
		 * The end of the data is the end of the file only if the gzip stream ended
		 * too: a cut that falls at a snapshot boundary (each one is flushed) reads
		 * whole snapshots, then no gzip trailer.
		 */
		gzerror(g, &zerr);
		if (zerr != Z_OK && zerr != Z_STREAM_END)
			return err("%s: record file: truncated after a snapshot (the file was cut "
				   "short: the snapshots before it are above)", si->file);
		return 0;
	}
	if (n != 4 || tag != SNAP_TAG)
		return err("%s: record file: corrupt snapshot (no SNAP tag)", si->file);
	snapshot_clear(s);
	if (gz_get(g, &s->time, 8) || gz_get(g, &s->max_nr_accesses, 4) || gz_get(g, &nr, 4) ||
	    gz_get(g, s->stats, sizeof(s->stats)))
		return err("%s: record file: truncated snapshot (the file was cut short: the "
			   "snapshots before it are above)", si->file);
	for (i = 0; i < nr; i++) {
		uint64_t se[2];
		struct view_region *r;

		if (gz_get(g, se, 16))
			return err("%s: record file: truncated region (the file was cut short: the "
				   "snapshots before it are above)", si->file);
		r = snapshot_add(s, si->nr_cpus, se[0], se[1]);
		if (!r)
			return err("out of memory");
		if (gz_get(g, &r->nr_accesses, 4) || gz_get(g, &r->age, 4) || gz_get(g, &r->pid, 4) ||
		    gz_get(g, r->reads, 8 * si->nr_cpus) || gz_get(g, r->writes, 8 * si->nr_cpus) ||
		    gz_get(g, r->probe_hits, 4 * si->nr_probes))
			return err("%s: record file: truncated region (the file was cut short: the "
				   "snapshots before it are above)", si->file);
	}
	return 1;
}

int record_replay(const char *path, const struct view_opts *o)
{
	struct session_info si;
	struct snapshot s;
	gzFile g;
	int r = 0, n = 0;

	g = record_open(path, &si);
	if (!g)
		return -1;
	snapshot_init(&s);
	while (!exiting && (r = record_read(g, &si, &s)) > 0) {
		view_print(stdout, &si, &s, o);
		n++;
	}
	snapshot_free(&s);
	gzclose(g);
	if (r < 0)
		return -1;
	if (!n)
		info("damon-bpf: %s holds no snapshot", path);
	return 0;
}

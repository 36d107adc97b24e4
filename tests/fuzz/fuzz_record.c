// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the record-file reader (user/view.c, 'damon-bpf report FILE').  The input
 * is the file as it is on disk (a gzip stream, or anything else: zlib reads plain files too):
 * random bytes, cut streams, absurd counts must end in an error, never in a crash or a leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/types.h>

#include "view/view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session_info si;
	struct snapshot s;
	char path[64];
	int fd, n = 0;
	gzFile g;

	fd = memfd_create("record", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	g = record_open(path, &si);
	if (g) {
		snapshot_init(&s);
		/* A snapshot is at least 28 bytes: no input yields more than it has bytes. */
		while (record_read(g, &si, &s) > 0)
			if (++n > (int)size)
				abort();
		snapshot_free(&s);
		gzclose(g);
	}
	close(fd);
	return 0;
}

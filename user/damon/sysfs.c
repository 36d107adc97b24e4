// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: DAMON sysfs files read and written the way damo does it (see damon/sysfs.h):
 * reads and writes retried while DAMON answers EBUSY, errors that name the file and the value.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "damon/damon.h"
#include "damon/sysfs.h"
#include "lib/util.h"

bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

bool exists_at(const char *dir, const char *rel)
{
	char path[640];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return exists(path);
}

/*
 * DAMON sysfs takes damon_sysfs_lock with mutex_trylock() in its stores and in the shows of
 * 'state' and 'pid', and answers EBUSY when it is held, which a running kdamond does briefly
 * every sampling interval (and, during a tried_regions update, for as long as the update
 * takes): EBUSY is no answer, the call is retried for up to a second.  Returns whether to
 * retry after a failed call (errno kept).
 */
static bool busy_retry(int *tries)
{
	int e = errno;

	if (e != EBUSY || ++*tries > 100)
		return false;
	usleep(10000);
	errno = e;
	return true;
}

/* Writes val to dir/rel; -1 with errno, and no message (for requests a kernel may not know). */
int put_quiet(const char *dir, const char *rel, const char *val)
{
	char path[640];
	int tries = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	while (write_file(path, "%s", val))
		if (!busy_retry(&tries))
			return -1;
	return 0;
}

/* Writes a value to dir/rel; the error names the file and the value. */
int put(const char *dir, const char *rel, const char *fmt, ...)
{
	char val[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (put_quiet(dir, rel, val))
		return err("writing '%s' to %s/%s: %s", val, dir, rel, strerror(errno));
	return 0;
}

int put_feature(const char *dir, const char *rel, const char *val, const char *lacks)
{
	char msg[128];

	if (!put(dir, rel, "%s", val))
		return 0;
	if (errno != EINVAL)
		return -1;
	snprintf(msg, sizeof(msg), lacks, val);
	return err("the running kernel's %s", msg);
}

/*
 * Writes a count file (nr_targets, nr_schemes, nr_filters...) only when it changes: every
 * write removes and rebuilds the directories below, even with the same count.
 */
int put_count(const char *dir, const char *rel, int n)
{
	char cur[32];

	if (!damon_read(dir, rel, cur, sizeof(cur)) && atoi(cur) == n)
		return 0;
	return put(dir, rel, "%d", n);
}

int damon_read(const char *dir, const char *rel, char *buf, size_t len)
{
	char path[640];
	int tries = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	/* A 'state' read that failed with EBUSY once made a session take its kdamond for gone. */
	while (read_file(path, buf, len) < 0)
		if (!busy_retry(&tries))
			return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int damon_read_long(const char *dir, const char *rel, long min, long max, long *out)
{
	char buf[64];

	if (damon_read(dir, rel, buf, sizeof(buf)))
		return -1;
	return parse_int(buf, min, max, out);
}

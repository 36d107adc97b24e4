// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: DAMON sysfs files read and written the way damo does it (see damon/sysfs.h):
 * writes retried while DAMON answers EBUSY, errors that name the file and the value.
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
 * Writes val to dir/rel; -1 with errno, and no message (for requests a kernel may not know).
 * DAMON sysfs stores take damon_sysfs_lock with mutex_trylock() and answer EBUSY when it is
 * held, which a running kdamond does briefly every sampling interval: retry.
 */
int put_quiet(const char *dir, const char *rel, const char *val)
{
	char path[640];
	int tries;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (tries = 0; write_file(path, "%s", val); tries++) {
		if (errno != EBUSY || tries == 100)
			return -1;
		usleep(10000);
	}
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

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (read_file(path, buf, len) < 0)
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

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: reading and writing DAMON sysfs files, for the files of damon/ only (the other
 * layers use damon/damon.h).  Paths are a directory and a file relative to it.
 */
#ifndef DAMON_BPF_DAMON_SYSFS_H
#define DAMON_BPF_DAMON_SYSFS_H

#include <stdbool.h>

#define KDAMONDS DAMON_ADMIN "/kdamonds"

bool exists(const char *path);
bool exists_at(const char *dir, const char *rel);
/* Writes val to dir/rel; -1 with errno, and no message (for requests a kernel may not know). */
int put_quiet(const char *dir, const char *rel, const char *val);
/* Writes a value to dir/rel; the error names the file and the value. */
int put(const char *dir, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Writes val to dir/rel; where the kernel answers EINVAL, the error says what it lacks:
 * "the running kernel's " and lacks, a format of val (e.g. "DAMOS has no '%s' filter").
 */
int put_feature(const char *dir, const char *rel, const char *val, const char *lacks);
/* Writes a count file only when it changes (a write rebuilds the directories below). */
int put_count(const char *dir, const char *rel, int n);

#endif

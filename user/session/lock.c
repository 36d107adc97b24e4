// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: the per-session lock (see session_lock() in session/session.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "session/session.h"

int session_lock(const char *name, struct session_lock *l)
{
	struct stat st_fd, st_path;
	char pid[32];
	int i;

	mkdir(SESSION_DIR, 0700);
	session_path(name, ".lock", l->path, sizeof(l->path));
	l->excl = false;
	/*
	 * The holder unlinks the file before it unlocks, so that no lock file stays behind: a
	 * waiter that got the lock on an unlinked file tries again on the path's new file.
	 */
	for (i = 0; i < 1000; i++) {
		l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (l->fd < 0)
			return err("%s: %s", l->path, strerror(errno));
		if (flock(l->fd, LOCK_EX))
			break;
		if (!fstat(l->fd, &st_fd) && !stat(l->path, &st_path) &&
		    st_fd.st_ino == st_path.st_ino && st_fd.st_dev == st_path.st_dev)
			return 0;
		close(l->fd);
	}
	if (i == 1000)
		return err("%s: lock file replaced 1000 times in a row", l->path);
	if (errno != ENOSYS && errno != EINVAL) {
		err("%s: flock: %s", l->path, strerror(errno));
		close(l->fd);
		return -1;
	}
	close(l->fd);
	unlink(l->path);
	/* CONFIG_FILE_LOCKING=n */
	session_path(name, ".lockpid", l->path, sizeof(l->path));
	for (i = 0; i < 1000; i++) {
		long owner;

		l->fd = open(l->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (l->fd >= 0) {
			snprintf(pid, sizeof(pid), "%d\n", getpid());
			if (write(l->fd, pid, strlen(pid)) < 0) {
				err("%s: %s", l->path, strerror(errno));
				close(l->fd);
				unlink(l->path);
				return -1;
			}
			l->excl = true;
			return 0;
		}
		if (errno != EEXIST)
			return err("%s: %s", l->path, strerror(errno));
		/* A holder that died leaves its file behind. */
		if (read_file(l->path, pid, sizeof(pid)) > 0 &&
		    !parse_int(strtok(pid, "\n"), 1, 1 << 30, &owner) && !pid_alive(owner))
			unlink(l->path);
		else
			usleep(10000);
	}
	return err("%s: still held after 10 s", l->path);
}

void session_unlock(struct session_lock *l)
{
	if (l->fd < 0)
		return;
	unlink(l->path);
	close(l->fd);
	l->fd = -1;
}

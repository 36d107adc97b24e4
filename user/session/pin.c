// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: pinned sessions: the reporters' maps and links pinned under
 * /sys/fs/bpf/damon-bpf/NAME/, so that they run on after the loader exits, and unpinned by
 * 'stop'.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "lib/util.h"
#include "reporter.skel.h"
#include "session/session.h"

static int pin_obj(int fd_ok, int (*pin)(void *, const char *), void *obj, const char *dir,
		   const char *name)
{
	char path[320];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!fd_ok)
		return 0;
	if (pin(obj, path))
		return err("pinning %s: %s", path, strerror(errno));
	return 0;
}

static int pin_map(void *m, const char *p)
{
	return bpf_map__pin(m, p);
}

static int pin_link(void *l, const char *p)
{
	return bpf_link__pin(l, p);
}

int session_unpin(const char *name, const struct session_file *sf)
{
	char dir[256], path[600];
	struct dirent *e;
	int n = 0, ret = 0;
	DIR *dd;

	if (sf && sf->pins[0])
		snprintf(dir, sizeof(dir), "%s", sf->pins);
	else
		snprintf(dir, sizeof(dir), "%s/%s", PIN_ROOT, name);
	/* Unpinning the links detaches the programs; the maps go with their last reference. */
	dd = opendir(dir);
	if (!dd)
		return 0;
	while ((e = readdir(dd))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path))
			ret = err("%s: %s", path, strerror(errno));
		else
			n++;
	}
	closedir(dd);
	if (rmdir(dir))
		ret = err("%s: %s", dir, strerror(errno));
	return ret ? -1 : n;
}

int session_pin(const char *name, struct session_file *sf, struct reporter *r,
		const struct damon_session *d)
{
	struct bpf_link *fault = r->skel->links.fault_btf ? r->skel->links.fault_btf
							  : r->skel->links.fault_raw;
	char dir[256], sub[32];
	int i;

	mkdir(PIN_ROOT, 0700);
	snprintf(dir, sizeof(dir), "%s/%s", PIN_ROOT, name);
	snprintf(sf->pins, sizeof(sf->pins), "%s", dir);
	sf->nr_cpus = r->nr_cpus;
	/* The record first: a loader killed while pinning leaves pins that 'stop' finds. */
	if (session_write(name, sf))
		return -1;
	if (mkdir(dir, 0700))
		return err("%s: %s", dir, strerror(errno));
	if (pin_obj(1, pin_map, r->skel->maps.stats, dir, "stats") ||
	    pin_obj(1, pin_map, r->skel->maps.accesses, dir, "accesses") ||
	    pin_obj(1, pin_map, r->skel->maps.targets, dir, "targets") ||
	    pin_obj(1, pin_map, r->skel->maps.cpus, dir, "cpus") ||
	    pin_obj(fault != NULL, pin_link, fault, dir, "link_fault"))
		goto fail;
	for (i = 0; i < r->perf.nr; i++) {
		snprintf(sub, sizeof(sub), "link_perf%d", i);
		if (pin_obj(1, pin_link, r->perf.links[i], dir, sub))
			goto fail;
	}
	if (exiting) {
		err("session %s: interrupted while pinning: removed again", name);
		goto fail;
	}
	/* The pins hold the session now. */
	sf->owner = 0;
	sf->owner_start = 0;
	snprintf(sf->kind, sizeof(sf->kind), "pinned");
	sf->kdamond_pid = d->kdamond >= 0 ? damon_kdamond_pid(d) : -1;
	if (session_write(name, sf))
		goto fail;
	/* Closing our fds must not detach the links. */
	if (fault)
		bpf_link__disconnect(fault);
	for (i = 0; i < r->perf.nr; i++)
		bpf_link__disconnect(r->perf.links[i]);
	return 0;
fail:
	session_unpin(name, sf);
	return -1;
}

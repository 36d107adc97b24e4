// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: pinned sessions ('monitor --pin', 'start'), 'stop' and 'status'. */
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "commands.h"
#include "reporter.skel.h"
#include "schemes.h"
#include "session.h"
#include "util.h"

int session_check_name(const char *name)
{
	char path[256];
	const char *c;

	if (!*name || strlen(name) > 64)
		return err("session name '%s': 1 to 64 characters", name);
	for (c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return err("session name '%s': use letters, digits, '-' and '_'", name);
	snprintf(path, sizeof(path), "%s/%s.session", SESSION_DIR, name);
	if (!access(path, F_OK))
		return err("session '%s' exists already: damon-bpf stop %s", name, name);
	return 0;
}

int session_check_new(const char *name)
{
	struct statfs fs;
	char path[256];

	if (session_check_name(name))
		return -1;
	if (statfs("/sys/fs/bpf", &fs) || fs.f_type != BPF_FS_MAGIC)
		return err("no BPF filesystem at /sys/fs/bpf: mount -t bpf bpf /sys/fs/bpf");
	snprintf(path, sizeof(path), "%s/%s", PIN_ROOT, name);
	if (!access(path, F_OK))
		return err("session '%s' exists already: damon-bpf stop %s", name, name);
	return 0;
}

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

int session_pin(const char *name, struct reporter *r, const struct damon_session *d,
		const char *desc, int first_pid)
{
	struct bpf_link *fault = r->skel->links.fault_btf ? r->skel->links.fault_btf
							  : r->skel->links.fault_raw;
	struct session_file sf;
	char dir[256], sub[32];
	int i;

	mkdir(PIN_ROOT, 0700);
	snprintf(dir, sizeof(dir), "%s/%s", PIN_ROOT, name);
	if (mkdir(dir, 0700))
		return err("%s: %s", dir, strerror(errno));
	if (pin_obj(1, pin_map, r->skel->maps.stats, dir, "stats") ||
	    pin_obj(1, pin_map, r->skel->maps.accesses, dir, "accesses") ||
	    pin_obj(1, pin_map, r->skel->maps.targets, dir, "targets") ||
	    pin_obj(1, pin_map, r->skel->maps.cpus, dir, "cpus") ||
	    pin_obj(fault != NULL, pin_link, fault, dir, "link_fault"))
		return -1;
	for (i = 0; i < r->nr_perf; i++) {
		snprintf(sub, sizeof(sub), "link_perf%d", i);
		if (pin_obj(1, pin_link, r->perf_links[i], dir, sub))
			return -1;
	}
	sf = (struct session_file){
		.kdamond = d->kdamond, .kdamond_pid = d->kdamond >= 0 ? damon_kdamond_pid(d) : -1,
		.first_pid = first_pid, .nr_cpus = r->nr_cpus, .kind = "pinned",
	};
	snprintf(sf.desc, sizeof(sf.desc), "%s", desc);
	if (session_write(name, &sf))
		return -1;
	/* From now on the pins hold the links: closing our fds must not detach them. */
	if (fault)
		bpf_link__disconnect(fault);
	for (i = 0; i < r->nr_perf; i++)
		bpf_link__disconnect(r->perf_links[i]);
	return 0;
}

void session_path(const char *name, const char *suffix, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s%s", SESSION_DIR, name, suffix);
}

int session_write(const char *name, const struct session_file *sf)
{
	char path[256], tmp[272];
	FILE *f;

	mkdir(SESSION_DIR, 0700);
	session_path(name, ".session", path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return err("%s: %s", tmp, strerror(errno));
	fprintf(f, "kind=%s\nkdamond=%d\nkdamond_pid=%d\nfirst_pid=%d\nnr_cpus=%d\nowner=%d\n"
		"spec=%s\ndesc=%s\n", sf->kind, sf->kdamond, sf->kdamond_pid, sf->first_pid,
		sf->nr_cpus, sf->owner, sf->spec, sf->desc);
	if (fclose(f) || rename(tmp, path))
		return err("%s: %s", path, strerror(errno));
	return 0;
}

int session_read(const char *name, struct session_file *sf)
{
	char path[256], line[400];
	FILE *f;

	memset(sf, 0, sizeof(*sf));
	sf->kdamond = -1;
	session_path(name, ".session", path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "desc=", 5))
			snprintf(sf->desc, sizeof(sf->desc), "%.319s", line + 5);
		else if (!strncmp(line, "spec=", 5))
			snprintf(sf->spec, sizeof(sf->spec), "%.255s", line + 5);
		else if (!strncmp(line, "kind=", 5))
			snprintf(sf->kind, sizeof(sf->kind), "%.15s", line + 5);
		else if (sscanf(line, "kdamond=%d", &sf->kdamond) != 1 &&
			 sscanf(line, "kdamond_pid=%d", &sf->kdamond_pid) != 1 &&
			 sscanf(line, "first_pid=%d", &sf->first_pid) != 1 &&
			 sscanf(line, "owner=%d", &sf->owner) != 1)
			sscanf(line, "nr_cpus=%d", &sf->nr_cpus);
	}
	fclose(f);
	return 0;
}

void session_remove(const char *name)
{
	char path[256];

	session_path(name, ".session", path, sizeof(path));
	unlink(path);
	session_path(name, ".json", path, sizeof(path));
	unlink(path);
	session_path(name, ".lock", path, sizeof(path));
	unlink(path);
}

int session_lock(const char *name, struct session_lock *l)
{
	char pid[32];
	int i;

	mkdir(SESSION_DIR, 0700);
	session_path(name, ".lock", l->path, sizeof(l->path));
	l->excl = false;
	l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (l->fd >= 0 && !flock(l->fd, LOCK_EX))
		return 0;
	if (l->fd >= 0 && errno != ENOSYS && errno != EINVAL)
		return err("%s: flock: %s", l->path, strerror(errno));
	if (l->fd >= 0)
		close(l->fd);
	/* CONFIG_FILE_LOCKING=n */
	session_path(name, ".lockpid", l->path, sizeof(l->path));
	for (i = 0; i < 1000; i++) {
		long owner;

		l->fd = open(l->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (l->fd >= 0) {
			snprintf(pid, sizeof(pid), "%d\n", getpid());
			if (write(l->fd, pid, strlen(pid)) < 0)
				return err("%s: %s", l->path, strerror(errno));
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
	if (l->excl)
		unlink(l->path);
	close(l->fd);
	l->fd = -1;
}

/* Whether kdamond k is still the one the session created (nobody replaced it meanwhile). */
static bool kdamond_is_ours(const struct session_file *sf, struct damon_session *d)
{
	char path[256], buf[64];
	long pid, n;

	if (sf->kdamond < 0)
		return false;
	if (read_file(DAMON_ADMIN "/kdamonds/nr_kdamonds", buf, sizeof(buf)) < 0 ||
	    parse_int(strtok(buf, "\n"), 0, 1 << 20, &n) || n != 1)
		return false;
	d->kdamond = sf->kdamond;
	snprintf(d->dir, sizeof(d->dir), "%s/kdamonds/%d", DAMON_ADMIN, sf->kdamond);
	if (damon_running(d))
		return damon_kdamond_pid(d) == sf->kdamond_pid;
	/* Stopped (its targets exited): ours if it still names our first target. */
	snprintf(path, sizeof(path), "%s/contexts/0/targets/0/pid_target", d->dir);
	if (read_file(path, buf, sizeof(buf)) < 0 || parse_int(strtok(buf, "\n"), 0, 1 << 30, &pid))
		return false;
	return pid == sf->first_pid;
}

static const char *path_of(const char *name, char *buf, size_t len)
{
	session_path(name, ".session", buf, len);
	return buf;
}

static int stop_one(const char *name)
{
	char dir[256], path[600];
	struct damon_session d = { .kdamond = -1 };
	struct session_file sf;
	struct dirent *e;
	bool had_file;
	DIR *dd;
	int ret = 0;

	snprintf(dir, sizeof(dir), "%s/%s", PIN_ROOT, name);
	had_file = !session_read(name, &sf);
	if (!had_file && access(dir, F_OK))
		return err("no session '%s' (damon-bpf status lists them)", name);
	/* A scheme session's loader stops it and cleans up after itself: ask it to. */
	if (had_file && sf.owner > 0 && sf.owner != getpid() && pid_alive(sf.owner)) {
		int i;

		kill(sf.owner, SIGTERM);
		for (i = 0; i < 300 && !access(path_of(name, path, sizeof(path)), F_OK); i++)
			usleep(100000);
		if (i == 300)
			return err("session %s: its loader (pid %d) did not stop within 30 s", name,
				   sf.owner);
		info("damon-bpf: session %s stopped", name);
		return 0;
	}
	if (had_file && sf.kdamond >= 0) {
		if (kdamond_is_ours(&sf, &d))
			damon_release(&d);
		else
			info("damon-bpf: session %s: its kdamond is gone or was replaced; "
			     "DAMON left as it is", name);
	}
	/* Unpinning the links detaches the programs; the maps go with their last pin. */
	dd = opendir(dir);
	if (dd) {
		while ((e = readdir(dd))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (unlink(path))
				ret = err("%s: %s", path, strerror(errno));
		}
		closedir(dd);
		if (rmdir(dir))
			ret = err("%s: %s", dir, strerror(errno));
	}
	session_remove(name);
	if (!ret)
		info("damon-bpf: session %s stopped", name);
	return ret;
}

static const char stop_doc[] =
"Stop a pinned session: its kdamond off and removed, its BPF links and maps unpinned.\n"
"\n"
"USAGE: damon-bpf stop NAME... | --all\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf start web --pid 4242 --cpus 0; damon-bpf stop web\n"
"  damon-bpf stop --all\n";

struct names_args {
	char **names;
	int nr;
	bool all, json;
};

static error_t names_opt(int key, char *arg, struct argp_state *state)
{
	struct names_args *a = state->input;

	switch (key) {
	case 'a':
		a->all = true;
		break;
	case 'j':
		a->json = true;
		break;
	case ARGP_KEY_ARG:
		a->names = realloc(a->names, (a->nr + 1) * sizeof(*a->names));
		if (!a->names)
			argp_error(state, "out of memory");
		a->names[a->nr++] = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* Session names: those with pins, and those with only a session file left. */
static int list_sessions(char ***out)
{
	const char *dirs[] = { PIN_ROOT, SESSION_DIR };
	char **names = NULL, *dot;
	int n = 0, i, j;

	for (i = 0; i < 2; i++) {
		struct dirent *e;
		DIR *d = opendir(dirs[i]);

		if (!d)
			continue;
		while ((e = readdir(d))) {
			char name[256];
			bool dup = false;

			if (e->d_name[0] == '.')
				continue;
			snprintf(name, sizeof(name), "%s", e->d_name);
			dot = strstr(name, ".session");
			if (i == 1 && !dot)
				continue;
			if (dot)
				*dot = '\0';
			for (j = 0; j < n; j++)
				dup |= !strcmp(names[j], name);
			if (dup)
				continue;
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n++] = strdup(name);
		}
		closedir(d);
	}
	*out = names;
	return n;
}

int cmd_stop(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "all", 'a', NULL, 0, "Stop every damon-bpf session" },
		{},
	};
	static const struct argp argp = { opts, names_opt, "NAME...", stop_doc };
	struct names_args a = {};
	char **names;
	int i, n, ret = 0;

	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return 2;
	if (geteuid() != 0)
		return err("stopping a session needs root"), 1;
	if (a.all == (a.nr > 0))
		return err("give session NAMEs or --all"), 2;
	if (a.all) {
		n = list_sessions(&names);
		for (i = 0; i < n; i++) {
			ret |= stop_one(names[i]);
			free(names[i]);
		}
		free(names);
	} else {
		for (i = 0; i < a.nr; i++)
			ret |= stop_one(a.names[i]);
	}
	free(a.names);
	return ret ? 1 : 0;
}

static const char status_doc[] =
"List the damon-bpf sessions.  Pinned sessions (start, monitor --pin): what they monitor,\n"
"their kdamond, their reporter counters (read from the pinned 'stats' map).  Scheme\n"
"sessions (reclaim, collapse, tier, run): each scheme's stats since it got its target\n"
"(tried and applied bytes, quota exceeds), its effective quota and the current values of\n"
"its quota goals, per node where goals name nodes.\n"
"\n"
"USAGE: damon-bpf status [--json]\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf status\n"
"  bpftool map dump pinned /sys/fs/bpf/damon-bpf/NAME/stats\n";

int cmd_status(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "json", 'j', NULL, 0, "One JSON object per session" },
		{},
	};
	static const struct argp argp = { opts, names_opt, NULL, status_doc };
	struct names_args a = {};
	char **names;
	int i, n;

	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return 2;
	if (geteuid() != 0)
		return err("reading sessions needs root"), 1;
	n = list_sessions(&names);
	if (!n && !a.json)
		printf("no damon-bpf session\n");
	for (i = 0; i < n; i++) {
		struct damon_session d = { .kdamond = -1 };
		uint64_t st[STAT_MAX] = {};
		struct session_file sf;
		char path[320];
		const char *kd;
		int fd;

		session_read(names[i], &sf);
		if (sf.spec[0]) {
			/* A scheme session: its schemes' stats. */
			if (schemes_status(names[i], a.json) && !a.json)
				printf("%-16s %s (its kdamond is not running)\n", names[i], sf.kind);
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s/stats", PIN_ROOT, names[i]);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			stats_read_fd(fd, sf.nr_cpus > 0 ? sf.nr_cpus : libbpf_num_possible_cpus(),
				      st, NULL);
			close(fd);
		}
		kd = sf.kdamond < 0 ? "none" : !kdamond_is_ours(&sf, &d) ? "gone" :
		     damon_running(&d) ? "on" : "off";
		if (a.json)
			printf("{\"name\": \"%s\", \"desc\": \"%s\", \"kdamond\": \"%s\", "
			       "\"pins\": %s, \"seen\": %llu, \"reported\": %llu, \"aggregated\": %llu, "
			       "\"dropped\": %llu}\n", names[i], sf.desc, kd, fd >= 0 ? "true" : "false",
			       (unsigned long long)st[STAT_SEEN],
			       (unsigned long long)st[STAT_REPORTED],
			       (unsigned long long)st[STAT_AGGREGATED],
			       (unsigned long long)(st[STAT_DROP_FULL] + st[STAT_DROP_BUSY] +
						    st[STAT_DROP_NOCTX] + st[STAT_DROP_INVAL]));
		else
			printf("%-16s kdamond %-4s %s\n%16s seen %llu, reported %llu, aggregated %llu%s\n",
			       names[i], kd, sf.desc, "", (unsigned long long)st[STAT_SEEN],
			       (unsigned long long)st[STAT_REPORTED],
			       (unsigned long long)st[STAT_AGGREGATED],
			       fd >= 0 ? "" : " (pins missing)");
		free(names[i]);
	}
	free(names);
	return 0;
}

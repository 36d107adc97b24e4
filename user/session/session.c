// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: pinned sessions ('monitor --pin', 'start'), 'stop' and 'status'. */
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli/commands.h"
#include "lib/json.h"
#include "reporter.skel.h"
#include "session/runner.h"
#include "session/session.h"
#include "lib/util.h"

/* Whether name has a record whose loader died: what it left is removed at the next claim. */
static bool session_stale(const char *name)
{
	struct session_file sf;

	return !session_read(name, &sf) && sf.owner > 0 && !session_owner_alive(&sf);
}

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
	if (!access(path, F_OK) && !session_stale(name))
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
	if (!access(path, F_OK) && !session_stale(name))
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
	for (i = 0; i < r->nr_perf; i++) {
		snprintf(sub, sizeof(sub), "link_perf%d", i);
		if (pin_obj(1, pin_link, r->perf_links[i], dir, sub))
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
	for (i = 0; i < r->nr_perf; i++)
		bpf_link__disconnect(r->perf_links[i]);
	return 0;
fail:
	session_unpin(name, sf);
	return -1;
}

void session_path(const char *name, const char *suffix, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s%s", SESSION_DIR, name, suffix);
}

void session_file_init(struct session_file *sf, const char *kind)
{
	char buf[sizeof(sf->command)];
	int n, i;

	memset(sf, 0, sizeof(*sf));
	snprintf(sf->kind, sizeof(sf->kind), "%s", kind);
	sf->owner = getpid();
	sf->owner_start = pid_start_time(sf->owner);
	sf->kdamond = -1;
	sf->kdamond_pid = -1;
	sf->first_pid = -1;
	n = read_file("/proc/self/cmdline", buf, sizeof(buf));
	for (i = 0; i < n - 1; i++)
		if (!buf[i])
			buf[i] = ' ';
	snprintf(sf->command, sizeof(sf->command), "%s", n > 0 ? buf : "damon-bpf");
}

bool session_owner_alive(const struct session_file *sf)
{
	if (sf->owner <= 0 || !pid_alive(sf->owner))
		return false;
	return !sf->owner_start || pid_start_time(sf->owner) == sf->owner_start;
}

int session_write(const char *name, const struct session_file *sf)
{
	char path[256], tmp[272];
	struct json_writer w;
	FILE *f;

	mkdir(SESSION_DIR, 0700);
	session_path(name, ".session", path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return err("%s: %s", tmp, strerror(errno));
	w = (struct json_writer){ .f = f };
	jw_begin(&w, NULL, '{');
	jw_str(&w, "name", name);
	jw_str(&w, "kind", sf->kind);
	jw_int(&w, "owner", sf->owner);
	jw_num(&w, "owner_start", sf->owner_start);
	jw_str(&w, "command", sf->command);
	jw_int(&w, "kdamond", sf->kdamond);
	jw_int(&w, "kdamond_pid", sf->kdamond_pid);
	jw_int(&w, "first_pid", sf->first_pid);
	jw_int(&w, "nr_cpus", sf->nr_cpus);
	jw_str(&w, "pins", sf->pins);
	jw_str(&w, "spec", sf->spec);
	jw_str(&w, "desc", sf->desc);
	jw_end(&w, '}');
	/* Written whole or not at all: a reader never sees half a record. */
	if (fflush(f) || fsync(fileno(f)) || ferror(f)) {
		fclose(f);
		unlink(tmp);
		return err("%s: %s", tmp, strerror(errno));
	}
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return err("%s: %s", path, strerror(errno));
	}
	return 0;
}

static void rec_str(struct json *root, const char *key, char *out, size_t len)
{
	struct json *m = json_member(root, key);

	if (m && m->type == JSON_STRING)
		snprintf(out, len, "%s", m->str);
}

static void rec_int(struct json *root, const char *key, long long *out)
{
	struct json *m = json_member(root, key);

	if (m && m->type == JSON_NUMBER)
		*out = strtoll(m->str, NULL, 10);
}

int session_read(const char *name, struct session_file *sf)
{
	long long v[6] = { 0, 0, -1, -1, -1, 0 };
	char path[256], err_buf[128];
	struct json *root;
	char *text;
	int ret = -1;

	memset(sf, 0, sizeof(*sf));
	sf->kdamond = sf->kdamond_pid = sf->first_pid = -1;
	session_path(name, ".session", path, sizeof(path));
	text = read_whole(path, 1 << 16);
	if (!text)
		return -1;
	root = json_parse(text, err_buf, sizeof(err_buf));
	free(text);
	if (root && root->type == JSON_OBJECT) {
		rec_str(root, "kind", sf->kind, sizeof(sf->kind));
		rec_str(root, "command", sf->command, sizeof(sf->command));
		rec_str(root, "pins", sf->pins, sizeof(sf->pins));
		rec_str(root, "spec", sf->spec, sizeof(sf->spec));
		rec_str(root, "desc", sf->desc, sizeof(sf->desc));
		rec_int(root, "owner", &v[0]);
		rec_int(root, "owner_start", &v[1]);
		rec_int(root, "kdamond", &v[2]);
		rec_int(root, "kdamond_pid", &v[3]);
		rec_int(root, "first_pid", &v[4]);
		rec_int(root, "nr_cpus", &v[5]);
		sf->owner = v[0];
		sf->owner_start = v[1];
		sf->kdamond = v[2];
		sf->kdamond_pid = v[3];
		sf->first_pid = v[4];
		sf->nr_cpus = v[5];
		ret = 0;
	} else {
		/* Not ours to parse (cut by a crash of the machine?): 'stop' still removes it. */
		snprintf(sf->kind, sizeof(sf->kind), "unreadable");
		ret = 0;
	}
	json_free(root);
	return ret;
}

void session_remove(const char *name)
{
	char path[256];

	session_path(name, ".session", path, sizeof(path));
	unlink(path);
	session_path(name, ".json", path, sizeof(path));
	unlink(path);
	/* What a writer killed between its write and its rename() leaves (session_write()). */
	session_path(name, ".session.tmp", path, sizeof(path));
	unlink(path);
	session_path(name, ".json.tmp", path, sizeof(path));
	unlink(path);
	/* name.lock goes with its last holder (session_unlock()). */
}

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

#define CLAIM_LOCK ".claim"	/* not a session name: those have no dots */

static int list_sessions(char ***out);

/*
 * Whether kdamond d is set up as the session set it up, or not set up yet: the loader may
 * have died between creating the kdamond and writing its targets (nr_kdamonds, then
 * nr_contexts, then the context, nr_targets, then each pid_target).  A context with targets must have the session's first
 * target (paddr: monitor physical memory).
 */
static bool setup_is(const struct session_file *sf, const struct damon_session *d)
{
	char path[320], buf[64];
	long pid, n;

	snprintf(path, sizeof(path), "%s/contexts/nr_contexts", d->dir);
	if (read_file(path, buf, sizeof(buf)) < 0 || parse_int(strtok(buf, "\n"), 0, 1 << 20, &n))
		return false;
	if (n == 0)
		return true;
	snprintf(path, sizeof(path), "%s/contexts/0/targets/nr_targets", d->dir);
	if (read_file(path, buf, sizeof(buf)) < 0 || parse_int(strtok(buf, "\n"), 0, 1 << 20, &n))
		return false;
	if (sf->first_pid <= 0) {
		snprintf(path, sizeof(path), "%s/contexts/0/operations", d->dir);
		return n == 0 || (read_file(path, buf, sizeof(buf)) > 0 && !strncmp(buf, "paddr", 5));
	}
	if (n == 0)
		return true;
	snprintf(path, sizeof(path), "%s/contexts/0/targets/0/pid_target", d->dir);
	if (read_file(path, buf, sizeof(buf)) < 0 || parse_int(strtok(buf, "\n"), 0, 1 << 30, &pid))
		return false;
	/* 0: nr_targets was written, pid_target not yet (DAMON's default). */
	return pid == sf->first_pid || (pid == 0 && !damon_running(d));
}

/*
 * Whether the kdamond the record names is still the one the session created (nobody replaced
 * it meanwhile): the same kdamond pid while it runs; when the pid was never recorded (the
 * loader died between 'on' and its record) or the kdamond stopped (its targets exited), the
 * same first target, or no target yet.  damon-bpf makes at most one kdamond, so there must
 * be exactly one.
 */
static bool kdamond_is_ours(const struct session_file *sf, struct damon_session *d)
{
	char buf[64];
	long n;

	if (sf->kdamond < 0)
		return false;
	if (read_file(DAMON_ADMIN "/kdamonds/nr_kdamonds", buf, sizeof(buf)) < 0 ||
	    parse_int(strtok(buf, "\n"), 0, 1 << 20, &n) || n != sf->kdamond + 1)
		return false;
	d->kdamond = sf->kdamond;
	snprintf(d->dir, sizeof(d->dir), "%s/kdamonds/%d", DAMON_ADMIN, sf->kdamond);
	if (damon_running(d) && sf->kdamond_pid > 0)
		return damon_kdamond_pid(d) == sf->kdamond_pid;
	return setup_is(sf, d);
}

static void append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t off = strlen(buf);
	va_list ap;

	if (off >= len - 1)
		return;
	if (off)
		off += snprintf(buf + off, len - off, ", ");
	va_start(ap, fmt);
	vsnprintf(buf + off, len - off, fmt, ap);
	va_end(ap);
}

/*
 * Removes what a session created: its kdamond (only if still the one it created), its pins
 * (links: the programs detach; maps), its records.  'removed' gets what was removed.
 */
static int session_cleanup(const char *name, const struct session_file *sf, bool had_file,
			   char *removed, size_t len)
{
	struct damon_session d = { .kdamond = -1 };
	char path[256];
	int n, ret = 0;

	removed[0] = '\0';
	if (had_file && sf->kdamond >= 0 && access(DAMON_ADMIN, F_OK) == 0) {
		if (kdamond_is_ours(sf, &d)) {
			int kpid = damon_kdamond_pid(&d);
			bool on = damon_running(&d);

			damon_release(&d);
			if (on)
				append(removed, len, "kdamond %d (pid %d) turned off and removed",
				       sf->kdamond, kpid);
			else
				append(removed, len, "kdamond %d (stopped) removed", sf->kdamond);
		} else {
			info("damon-bpf: session %s: its kdamond is gone or was replaced; DAMON left "
			     "as it is", name);
		}
	}
	n = session_unpin(name, had_file ? sf : NULL);
	if (n < 0)
		ret = -1;
	else if (n > 0)
		append(removed, len, "%d pin(s) (BPF links and maps) under %s", n,
		       had_file && sf->pins[0] ? sf->pins : PIN_ROOT);
	if (had_file) {
		session_path(name, ".session", path, sizeof(path));
		append(removed, len, "its record %s", path);
	}
	session_remove(name);
	/* Its loader is gone, or it never had one (pinned): nobody holds its lock any more. */
	session_path(name, ".lock", path, sizeof(path));
	unlink(path);
	session_path(name, ".lockpid", path, sizeof(path));
	unlink(path);
	return ret;
}

/* Removes what every session whose loader died left behind; under the claim lock. */
static void recover_dead(void)
{
	char **names, removed[768];
	int i, n;

	n = list_sessions(&names);
	for (i = 0; i < n; i++) {
		struct session_file sf;

		if (!session_read(names[i], &sf) && sf.owner > 0 && !session_owner_alive(&sf)) {
			session_cleanup(names[i], &sf, true, removed, sizeof(removed));
			info("damon-bpf: session %s: its loader (pid %d, '%s') is gone; removed what "
			     "it left: %s", names[i], sf.owner, sf.command, removed);
		}
		free(names[i]);
	}
	free(names);
}

/* Refuses when a session of a live loader, or a pinned one, holds a kdamond. */
static int refuse_in_use(void)
{
	char **names;
	int i, n, ret = 0;

	n = list_sessions(&names);
	for (i = 0; i < n; i++) {
		struct session_file sf;

		if (!ret && !session_read(names[i], &sf) && sf.kdamond >= 0 &&
		    (sf.owner == 0 || session_owner_alive(&sf))) {
			if (sf.owner)
				ret = err("DAMON is in use by damon-bpf session '%s' (loader pid %d: "
					  "%s); one kdamond at a time: wait for it or damon-bpf "
					  "stop %s", names[i], sf.owner, sf.command, names[i]);
			else
				ret = err("DAMON is in use by the pinned damon-bpf session '%s' (%s); "
					  "one kdamond at a time: damon-bpf stop %s", names[i],
					  sf.desc, names[i]);
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

int session_claim(const char *name, struct session_file *sf, struct damon_session *d)
{
	struct session_lock l;
	int ret;

	d->kdamond = -1;
	if (session_lock(CLAIM_LOCK, &l))
		return -1;
	recover_dead();
	ret = refuse_in_use();
	if (!ret) {
		sf->kdamond = 0;	/* damon_claim() makes kdamond 0, or nothing */
		sf->kdamond_pid = -1;
		ret = session_write(name, sf);
	}
	if (!ret && damon_claim(d)) {
		damon_release(d);
		session_remove(name);
		sf->kdamond = -1;
		ret = -1;
	}
	session_unlock(&l);
	return ret;
}

int session_started(const char *name, struct session_file *sf, const struct damon_session *d)
{
	sf->kdamond_pid = damon_kdamond_pid(d);
	return session_write(name, sf);
}

void session_end(const char *name, struct damon_session *d)
{
	damon_release(d);
	session_remove(name);
}

static const char *path_of(const char *name, char *buf, size_t len)
{
	session_path(name, ".session", buf, len);
	return buf;
}

static int stop_one(const char *name)
{
	char dir[256], path[600], removed[768];
	struct session_file sf;
	struct session_lock l;
	bool had_file;
	int ret;

	snprintf(dir, sizeof(dir), "%s/%s", PIN_ROOT, name);
	had_file = !session_read(name, &sf);
	if (!had_file && access(dir, F_OK))
		return err("no session '%s' (damon-bpf status lists them)", name);
	/* A session with a live loader: ask it to end; it cleans up after itself. */
	if (had_file && sf.owner > 0 && sf.owner != getpid() && session_owner_alive(&sf)) {
		int i;

		kill(sf.owner, SIGTERM);
		for (i = 0; i < 300 && !access(path_of(name, path, sizeof(path)), F_OK); i++)
			usleep(100000);
		if (i == 300)
			return err("session %s: its loader (pid %d) did not stop within 30 s", name,
				   sf.owner);
		info("damon-bpf: session %s stopped (its loader, pid %d, cleaned up)", name,
		     sf.owner);
		return 0;
	}
	if (session_lock(CLAIM_LOCK, &l))
		return -1;
	ret = session_cleanup(name, &sf, had_file, removed, sizeof(removed));
	session_unlock(&l);
	if (had_file && sf.owner > 0)
		info("damon-bpf: session %s: its loader (pid %d, '%s') is gone; removed %s", name,
		     sf.owner, sf.command, removed[0] ? removed : "nothing");
	else if (!ret)
		info("damon-bpf: session %s stopped: removed %s", name,
		     removed[0] ? removed : "nothing");
	return ret;
}

static const char stop_doc[] =
"Stop sessions and remove all they created.  A session whose loader runs (monitor, reclaim,\n"
"collapse, tier, run, bench) is asked to end (SIGTERM) and cleans up itself; for a pinned\n"
"session, or one whose loader died (SIGKILL, a crash), stop removes what its owner record\n"
"(/run/damon-bpf/NAME.session) names: the kdamond, if it is still the one the session\n"
"created (never another user's), the pinned BPF links and maps, the records; and says what\n"
"it removed.\n"
"\n"
"USAGE: damon-bpf stop NAME... | --all\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf start web --pid 4242 --cpus 0; damon-bpf stop web\n"
"  damon-bpf stop --all\n"
EXIT_DOC;

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
		return EXIT_USAGE;
	if (a.all == (a.nr > 0)) {
		free(a.names);
		return err("give session NAMEs or --all (damon-bpf status lists them)"), EXIT_USAGE;
	}
	if (geteuid() != 0) {
		free(a.names);
		return err("stopping a session needs root: run damon-bpf as root"), EXIT_RUNTIME;
	}
	if (a.all) {
		n = list_sessions(&names);
		if (!n)
			info("damon-bpf: no session to stop");
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
"List the damon-bpf sessions, from their owner records in /run/damon-bpf.  Every session:\n"
"its kind, kdamond (on, off, gone, none), loader, and OWNER GONE where the loader died\n"
"('damon-bpf stop NAME' or the next command that needs DAMON removes what it left).\n"
"Pinned sessions (start, monitor --pin): their reporter counters (the pinned 'stats' map).\n"
"Scheme sessions (reclaim, collapse, tier, run): each scheme's stats since it got its target\n"
"(tried and applied bytes, quota exceeds), its effective quota and the current values of\n"
"its quota goals, per node where goals name nodes.\n"
"\n"
"USAGE: damon-bpf status [--json]\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf status\n"
"  damon-bpf status --json\n"
"  bpftool map dump pinned /sys/fs/bpf/damon-bpf/NAME/stats\n"
EXIT_DOC;

/* One session's line(s) or JSON object: pinned, monitor, bench, or one whose loader died. */
static void status_one(const char *name, const struct session_file *sf, bool json)
{
	struct damon_session d = { .kdamond = -1 };
	struct json_writer w = { .f = stdout, .compact = true };
	bool gone = sf->owner > 0 && !session_owner_alive(sf);
	uint64_t st[STAT_MAX] = {};
	char path[320];
	const char *kd;
	int fd = -1;

	if (sf->pins[0] || !strcmp(sf->kind, "pinned")) {
		if (sf->pins[0])
			snprintf(path, sizeof(path), "%s/stats", sf->pins);
		else
			snprintf(path, sizeof(path), "%s/%s/stats", PIN_ROOT, name);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			stats_read_fd(fd, sf->nr_cpus > 0 ? sf->nr_cpus : libbpf_num_possible_cpus(),
				      st, NULL);
			close(fd);
		}
	}
	kd = sf->kdamond < 0 ? "none" : !kdamond_is_ours(sf, &d) ? "gone" :
	     damon_running(&d) ? "on" : "off";
	if (json) {
		jw_begin(&w, NULL, '{');
		jw_str(&w, "name", name);
		jw_str(&w, "kind", sf->kind[0] ? sf->kind : "pinned");
		jw_int(&w, "owner", sf->owner);
		jw_bool(&w, "owner_gone", gone);
		jw_str(&w, "command", sf->command);
		jw_str(&w, "desc", sf->desc);
		jw_str(&w, "kdamond", kd);
		jw_int(&w, "kdamond_pid", sf->kdamond_pid);
		jw_bool(&w, "pins", fd >= 0);
		jw_num(&w, "seen", st[STAT_SEEN]);
		jw_num(&w, "reported", st[STAT_REPORTED]);
		jw_num(&w, "aggregated", st[STAT_AGGREGATED]);
		jw_num(&w, "dropped", st[STAT_DROP_FULL] + st[STAT_DROP_BUSY] +
			   st[STAT_DROP_NOCTX] + st[STAT_DROP_INVAL]);
		jw_end(&w, '}');
		return;
	}
	printf("%-16s %-8s kdamond %-4s %s\n", name, sf->kind[0] ? sf->kind : "pinned", kd,
	       sf->desc);
	if (gone)
		printf("%16s OWNER GONE: its loader (pid %d, '%s') died; 'damon-bpf stop %s' or the "
		       "next command that needs DAMON removes what it left\n", "", sf->owner,
		       sf->command, name);
	else if (sf->owner > 0)
		printf("%16s loader pid %d: %s\n", "", sf->owner, sf->command);
	if (fd >= 0 || !strcmp(sf->kind, "pinned"))
		printf("%16s seen %llu, reported %llu, aggregated %llu%s\n", "",
		       (unsigned long long)st[STAT_SEEN], (unsigned long long)st[STAT_REPORTED],
		       (unsigned long long)st[STAT_AGGREGATED], fd >= 0 ? "" : " (pins missing)");
}

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
		return EXIT_USAGE;
	if (a.nr) {
		free(a.names);
		return err("status takes no argument (it lists every session)"), EXIT_USAGE;
	}
	if (geteuid() != 0)
		return err("reading sessions needs root: run damon-bpf as root"), EXIT_RUNTIME;
	install_signal_handlers();
	n = list_sessions(&names);
	if (!n && !a.json)
		printf("no damon-bpf session\n");
	for (i = 0; i < n; i++) {
		struct session_file sf;

		if (session_read(names[i], &sf))
			sf = (struct session_file){ .kind = "pinned", .kdamond = -1 };
		/* A scheme session with its loader: its schemes' stats. */
		if (exiting || !sf.spec[0] || !session_owner_alive(&sf) ||
		    session_scheme_status(names[i], &sf, a.json))
			if (!exiting)
				status_one(names[i], &sf, a.json);
		free(names[i]);
		out_flush(stdout);
	}
	free(names);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: owner records, /run/damon-bpf/NAME.session (see session/session.h): written
 * whole or not at all, read back, removed; session names and their listing.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "lib/json.h"
#include "lib/util.h"
#include "session/session.h"

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

/* Session names: those with pins, and those with only a session file left. */
int session_list(char ***out)
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

// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: small shared helpers of the loader. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "lib/util.h"

bool verbose;
volatile sig_atomic_t exiting;

int err(const char *fmt, ...)
{
	va_list ap;

	fputs("damon-bpf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

void info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Splits "12ms" into 12 and "ms"; the number may not be negative. */
static int split_unit(const char *s, unsigned long long *num, const char **unit)
{
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*num = strtoull(s, &end, 10);
	if (errno)
		return -1;
	*unit = end;
	return 0;
}

struct unit {
	const char *name;
	uint64_t mult;
};

/* A number with one of the units (the empty name: no unit); refuses overflow. */
static int parse_with_units(const char *s, const struct unit *units, size_t nr, uint64_t *out)
{
	unsigned long long n;
	const char *unit;
	size_t i;

	if (split_unit(s, &n, &unit))
		return -1;
	for (i = 0; i < nr; i++) {
		if (strcmp(unit, units[i].name))
			continue;
		if (n > UINT64_MAX / units[i].mult)
			return -1;
		*out = n * units[i].mult;
		return 0;
	}
	return -1;
}

int parse_duration_us(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ "", 1 }, { "us", 1 }, { "ms", 1000 }, { "s", 1000000 },
		{ "m", 60000000 }, { "min", 60000000 }, { "h", 3600000000ULL },
	};

	return parse_with_units(s, units, ARRAY_SIZE(units), out);
}

int parse_bytes(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ "", 1 }, { "B", 1 }, { "K", 1ULL << 10 }, { "KiB", 1ULL << 10 },
		{ "M", 1ULL << 20 }, { "MiB", 1ULL << 20 }, { "G", 1ULL << 30 },
		{ "GiB", 1ULL << 30 }, { "T", 1ULL << 40 }, { "TiB", 1ULL << 40 },
	};

	return parse_with_units(s, units, ARRAY_SIZE(units), out);
}

double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int parse_cpulist(const char *s, uint8_t *mask, int max_cpus)
{
	const char *p = s;

	memset(mask, 0, max_cpus);
	if (!s || !*s)
		return -1;
	while (*p) {
		unsigned long a, b;
		char *end;

		if (!isdigit((unsigned char)*p))
			return -1;
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			p = end + 1;
			if (!isdigit((unsigned char)*p))
				return -1;
			b = strtoul(p, &end, 10);
		}
		if (a > b || b >= (unsigned long)max_cpus)
			return -1;
		for (; a <= b; a++)
			mask[a] = 1;
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
	}
	return 0;
}

void format_cpulist(const uint8_t *mask, int max_cpus, char *buf, size_t len)
{
	size_t off = 0;
	int i, j;

	buf[0] = '\0';
	for (i = 0; i < max_cpus; i++) {
		if (!mask[i])
			continue;
		for (j = i; j + 1 < max_cpus && mask[j + 1]; j++)
			;
		if (off < len)
			off += snprintf(buf + off, len - off, "%s%d", off ? "," : "", i);
		if (j > i && off < len)
			off += snprintf(buf + off, len - off, "-%d", j);
		i = j;
	}
}

int online_cpus(uint8_t *mask, int max_cpus)
{
	char buf[256];
	int i, n = 0;

	if (read_file("/sys/devices/system/cpu/online", buf, sizeof(buf)) < 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	if (parse_cpulist(buf, mask, max_cpus))
		return -1;
	for (i = 0; i < max_cpus; i++)
		n += mask[i];
	return n;
}

void format_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = bytes;
	size_t i = 0;

	while (v >= 1024 && i + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		i++;
	}
	if (i == 0 || v == (uint64_t)v)
		snprintf(buf, len, "%.0f %s", v, units[i]);
	else
		snprintf(buf, len, "%.1f %s", v, units[i]);
}

void sleep_until(double t)
{
	while (!exiting) {
		double left = t - monotonic_s();
		struct timespec ts;

		if (left <= 0)
			return;
		if (left > 0.1)
			left = 0.1;
		ts.tv_sec = 0;
		ts.tv_nsec = left * 1e9;
		nanosleep(&ts, NULL);
	}
}

static void on_signal(int sig)
{
	exiting = 1;
}

void install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

int out_flush(FILE *f)
{
	if (fflush(f) == 0 && !ferror(f))
		return 0;
	exiting = 1;
	return -1;
}

unsigned long long pid_start_time(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	/* The command name may hold spaces and parentheses: count fields after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &t) != 1)
		return 0;
	return t;
}

int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

bool pid_alive(int pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return false;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

bool any_pid_alive(const int *pids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (pid_alive(pids[i]))
			return true;
	return false;
}

bool pid_is_kthread(int pid)
{
	char path[64], buf[8];
	int n;

	/* Kernel threads have no mm: their cmdline and exe are empty. */
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, buf, sizeof(buf));
	return n < 0 && errno == ENOENT && pid_alive(pid);
}

int array_grow(void **arr, int n, int *cap, size_t size, int min)
{
	void *p;
	int c;

	if (n < *cap)
		return 0;
	c = *cap ? 2 * *cap : min;
	p = realloc(*arr, (size_t)c * size);
	if (!p)
		return -1;
	*arr = p;
	*cap = c;
	return 0;
}

int rw_counters_alloc(uint64_t **reads, uint64_t **writes, int nr_cpus)
{
	*reads = calloc(nr_cpus, sizeof(uint64_t));
	*writes = calloc(nr_cpus, sizeof(uint64_t));
	if (*reads && *writes)
		return 0;
	free(*reads);
	free(*writes);
	*reads = *writes = NULL;
	return -1;
}

int pid_check_user(int pid)
{
	if (!pid_alive(pid))
		return err("pid %d: no such process", pid);
	if (pid_is_kthread(pid))
		return err("pid %d is a kernel thread: it has no user address space to monitor",
			   pid);
	return 0;
}

int write_file(const char *path, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int fd, n, ret = 0;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(buf)) {
		errno = E2BIG;
		return -1;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, buf, n) != n)
		ret = -1;
	if (close(fd) && !ret)
		ret = -1;
	return ret;
}

int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

char *read_whole(const char *path, size_t max)
{
	size_t len = 0;
	char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(max + 1);
	while (buf && len < max && (n = read(fd, buf + len, max - len)) > 0)
		len += n;
	close(fd);
	if (buf && len == max) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

int out_open(struct out_file *o, const char *path)
{
	mode_t mask;
	int fd;

	o->f = NULL;
	o->path = path;
	if (snprintf(o->tmp, sizeof(o->tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(o->tmp))
		return err("%s: path too long", path);
	fd = mkstemp(o->tmp);
	if (fd < 0)
		return err("%s: cannot create it: %s", path, strerror(errno));
	/* mkstemp() makes the file 0600; an output file gets what open(2) would give it. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) || !(o->f = fdopen(fd, "w"))) {
		err("%s: %s", path, strerror(errno));
		close(fd);
		unlink(o->tmp);
		return -1;
	}
	return 0;
}

int out_commit(struct out_file *o)
{
	int bad, e;

	errno = 0;
	bad = fflush(o->f) || ferror(o->f);
	e = errno ? errno : EIO;
	if (fclose(o->f) && !bad)
		bad = 1, e = errno;
	o->f = NULL;
	if (!bad && rename(o->tmp, o->path))
		bad = 1, e = errno;
	if (bad) {
		unlink(o->tmp);
		return err("%s: writing it failed: %s", o->path, strerror(e));
	}
	return 0;
}

void out_abort(struct out_file *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	unlink(o->tmp);
}

double proc_cpu_ns(int pid)
{
	char path[64], buf[1024], *s;
	unsigned long long ut, st;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (pid <= 0 || read_file(path, buf, sizeof(buf)) <= 0 || !(s = strrchr(buf, ')')))
		return -1;
	/* after "pid (comm)": state is field 3, utime and stime fields 14 and 15 */
	if (sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (ut + st) * 1e9 / sysconf(_SC_CLK_TCK);
}

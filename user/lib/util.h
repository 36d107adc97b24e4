/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: small shared helpers of the loader.
 *
 * Layer lib/: helpers every layer may call (messages, number and time parsing, files,
 * processes, signals, arrays; JSON in json.h).  Calls nothing of the loader.
 */
#ifndef DAMON_BPF_UTIL_H
#define DAMON_BPF_UTIL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Makes room for element n of the array *arr of *cap elements of size bytes: the capacity
 * doubles, from min.  0, or -1 (the array unchanged) when memory runs out.
 */
int array_grow(void **arr, int n, int *cap, size_t size, int min);
#define ARRAY_GROW(arr, n, cap, min) \
	array_grow((void **)&(arr), (n), &(cap), sizeof(*(arr)), (min))
/* Per-CPU read and write counters, nr_cpus each, zeroed; on failure neither. */
int rw_counters_alloc(uint64_t **reads, uint64_t **writes, int nr_cpus);

/* Exit statuses of every command: 0 done, 1 runtime error, 64 usage error (EX_USAGE, argp's). */
#define EXIT_RUNTIME 1
#define EXIT_USAGE 64
/* The longest sampling, aggregation or update interval accepted: longer ones are typos. */
#define MAX_INTERVAL_US 3600000000ULL

/* The end of every command's --help (argp prints what follows \v after the options). */
#define EXIT_DOC "\vExit status: 0 done (a signal or a closed output also ends a session with " \
	"0,\nafter removing what it created), 1 runtime error (said on stderr), 64 usage\n" \
	"error.\n"
#define EXIT_DOC_COUNT "\vExit status: COMMAND's; 1 runtime error of count itself (said on " \
	"stderr),\n64 usage error.\n"

extern bool verbose;
extern volatile sig_atomic_t exiting;

/* "damon-bpf: ..." on stderr; returns -1 so that callers can 'return err(...)'. */
int err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int parse_u64(const char *s, uint64_t *out);
int parse_int(const char *s, long min, long max, long *out);
/* "5ms", "100us", "2s", "1m" -> microseconds; a bare number is microseconds. */
int parse_duration_us(const char *s, uint64_t *out);
/* "4096", "64KiB", "2M", "1GiB" -> bytes. */
int parse_bytes(const char *s, uint64_t *out);
/* "0-3,5" -> mask (bit per CPU, up to max_cpus); rejects CPUs >= max_cpus. */
int parse_cpulist(const char *s, uint8_t *mask, int max_cpus);
/* Formats mask as a cpulist ("0-3,5") into buf. */
void format_cpulist(const uint8_t *mask, int max_cpus, char *buf, size_t len);
/* Online CPUs from /sys/devices/system/cpu/online into mask; returns the count or -1. */
int online_cpus(uint8_t *mask, int max_cpus);
void format_bytes(uint64_t bytes, char *buf, size_t len);
/* CLOCK_MONOTONIC in seconds. */
double monotonic_s(void);
/* utime + stime of pid in ns (/proc/PID/stat, in clock ticks), -1 if unreadable. */
double proc_cpu_ns(int pid);
/* Sleeps until t (monotonic_s() seconds) or until a signal sets 'exiting'. */
void sleep_until(double t);

/*
 * SIGINT, SIGTERM, SIGHUP and SIGPIPE set 'exiting' (a closed output pipe then fails writes
 * with EPIPE instead of killing the loader), so that every command cleans up on its way out.
 */
void install_signal_handlers(void);
/* Flushes f; a failed write (EPIPE: the reader went away) sets 'exiting'.  Returns -1 then. */
int out_flush(FILE *f);
/* A process's start time (field 22 of /proc/PID/stat, clock ticks since boot), 0 if gone. */
unsigned long long pid_start_time(int pid);
int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list args);
/* Whether a process exists (and is not a zombie). */
bool pid_alive(int pid);
/* Whether any of the n processes still exists. */
bool any_pid_alive(const int *pids, int n);
/* Whether pid is a kernel thread (no mm). */
bool pid_is_kthread(int pid);
/* 0 if pid is a live user process; else -1, said: no such process, or a kernel thread. */
int pid_check_user(int pid);

int write_file(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int read_file(const char *path, char *buf, size_t len);
/* The whole file, NUL-terminated, malloc'd; NULL (errno set) if unreadable or over max bytes. */
char *read_whole(const char *path, size_t max);

/*
 * An output file that appears whole or not at all: out_open() creates a temporary file beside
 * path (same directory, so that rename() is atomic), out_commit() closes it and renames it to
 * path, out_abort() closes and removes it.  Errors name path and are said.
 */
struct out_file {
	FILE *f;
	const char *path;
	char tmp[4096];
};
int out_open(struct out_file *o, const char *path);
/* 0, or -1 (said; the temporary file is removed and path left as it was). */
int out_commit(struct out_file *o);
void out_abort(struct out_file *o);

#endif

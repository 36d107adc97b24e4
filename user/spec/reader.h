/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: the spec reader's state and value readers (spec/values.c), for spec/read.c.
 * Each reader takes member key of an object (absent or null: the value is left as it is),
 * with the key pushed on the path that errors name; the first error is said, later ones
 * are not, and r->failed stays set.
 */
#ifndef DAMON_BPF_SPEC_READER_H
#define DAMON_BPF_SPEC_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/json.h"

struct rd {
	const char *file;
	char path[256];		/* the key path of the value being read */
	bool failed;
};

enum unit { U_NUM, U_BYTES, U_TIME_US, U_TIME_MS };

/* "FILE: line N: PATH: message" for the first error; returns -1. */
int bad(struct rd *r, const struct json *j, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Appends ".key" or "[idx]" (key NULL) to the path; returns the old length for pop(). */
size_t push(struct rd *r, const char *key, int idx);
void pop(struct rd *r, size_t n);
/* Errors for members nobody read. */
int check_unknown(struct rd *r, struct json *obj);
/* j if it is of type t (or NULL), else an error and NULL. */
struct json *want(struct rd *r, struct json *j, enum json_type t);
/* "max" is UINT64_MAX; units by u. */
int get_u64(struct rd *r, struct json *obj, const char *key, enum unit u, uint64_t *out);
int get_u32(struct rd *r, struct json *obj, const char *key, enum unit u, uint32_t *out);
int get_bool(struct rd *r, struct json *obj, const char *key, bool *out);
int get_str(struct rd *r, struct json *obj, const char *key, char *out, size_t len);
int get_int(struct rd *r, struct json *obj, const char *key, long min, long max, int *out);
/* The member key of type t (or NULL when absent); errors if it has another type. */
struct json *sub(struct rd *r, struct json *obj, const char *key, enum json_type t);
/* nr_accesses: a number, "max" or "N %" of max. */
int nr_accesses_value(struct rd *r, struct json *obj, const char *key, uint32_t max,
		      uint32_t *out);
/* age: aggregation intervals, "max" or a time. */
void age_value(struct rd *r, struct json *obj, const char *key, uint64_t aggr_us,
	       uint32_t *out);

/* Reads element i (an object) of an array. */
typedef void (*read_elem_fn)(struct rd *r, struct json *e, int i, void *ctx);
/*
 * Member key, an array of at most max objects (what names them in the error): fn for each,
 * which is then checked for unknown keys, and *count the number read.
 */
int read_array(struct rd *r, struct json *obj, const char *key, int max, const char *what,
	       read_elem_fn fn, void *ctx, int *count);

/* Runs the statements on member key of obj as 'it', with key pushed on the path; objects
 * are then checked for unknown keys. */
#define WITH(r, obj, key, t, ...)						\
	do {									\
		struct json *_j = sub(r, obj, key, t);				\
		if (_j) {							\
			size_t _n = push(r, key, 0);				\
			struct json *it = _j;					\
			__VA_ARGS__;						\
			if (t == JSON_OBJECT && !r->failed)			\
				check_unknown(r, _j);				\
			pop(r, _n);						\
		}								\
	} while (0)

#endif

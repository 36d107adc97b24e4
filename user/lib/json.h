/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: a small JSON reader that keeps the line of every value (configuration errors
 * name the line and the key), and a writer with indentation for 'args'.
 */
#ifndef DAMON_BPF_JSON_H
#define DAMON_BPF_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	int line;			/* where the value starts, from 1 */
	char *key;			/* member name, in an object */
	char *str;			/* strings; numbers keep their text here too */
	bool boolean;
	bool used;			/* looked up by the reader: the others are unknown keys */
	struct json *child;		/* first element or member */
	struct json *next;
};

/* Parses text; on error returns NULL with "line N: what" in errbuf. */
struct json *json_parse(const char *text, char *errbuf, size_t len);
void json_free(struct json *j);
/* The member named key of an object (marked used), or NULL. */
struct json *json_member(struct json *obj, const char *key);
const char *json_type_name(enum json_type t);

/*
 * Writer: nested objects and arrays, keys in the given order, strings escaped.  Indented by
 * two spaces a level (spec files, 'args'), or with .compact one line per top-level value (the
 * --json outputs: one object a line).  Nesting deeper than JSON_MAX_DEPTH is not written.
 */
#define JSON_MAX_DEPTH 15

struct json_writer {
	FILE *f;
	bool compact;
	int depth;
	bool first[JSON_MAX_DEPTH + 1];
};

void jw_begin(struct json_writer *w, const char *key, char open);
void jw_end(struct json_writer *w, char close);
/* UINT64_MAX is written "max" (spec files); jw_num() writes any value as a number. */
void jw_u64(struct json_writer *w, const char *key, uint64_t v);
void jw_num(struct json_writer *w, const char *key, uint64_t v);
/* A number with prec decimals; NaN and infinities (not JSON) are written null. */
void jw_double(struct json_writer *w, const char *key, double v, int prec);
void jw_int(struct json_writer *w, const char *key, long long v);
void jw_str(struct json_writer *w, const char *key, const char *v);	/* NULL: null */
void jw_bool(struct json_writer *w, const char *key, bool v);
void jw_null(struct json_writer *w, const char *key);

#endif

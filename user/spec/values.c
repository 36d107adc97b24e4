// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: the spec reader's values (see spec/reader.h): damo's ways of writing them,
 * numbers or strings with units ("5 ms", "4 KiB", "max", "1,000", "50 %" for nr_accesses),
 * each error named with its file, line and key path.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "spec/reader.h"

int bad(struct rd *r, const struct json *j, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!r->failed)
		err("%s: line %d: %s: %s", r->file, j ? j->line : 0, r->path, msg);
	r->failed = true;
	return -1;
}

/* Appends ".key" or "[i]" to the path; returns the old length to restore. */
size_t push(struct rd *r, const char *key, int idx)
{
	size_t n = strlen(r->path);

	if (key)
		snprintf(r->path + n, sizeof(r->path) - n, "%s%s", n ? "." : "", key);
	else
		snprintf(r->path + n, sizeof(r->path) - n, "[%d]", idx);
	return n;
}

void pop(struct rd *r, size_t n)
{
	r->path[n] = '\0';
}

/* Errors for members nobody read. */
int check_unknown(struct rd *r, struct json *obj)
{
	struct json *m;

	for (m = obj->child; m; m = m->next) {
		if (!m->used) {
			size_t n = push(r, m->key, 0);

			bad(r, m, "unknown key");
			pop(r, n);
			return -1;
		}
	}
	return 0;
}

struct json *want(struct rd *r, struct json *j, enum json_type t)
{
	if (j && j->type != t) {
		bad(r, j, "expected %s, not %s", json_type_name(t), json_type_name(j->type));
		return NULL;
	}
	return j;
}

/* A number or a string, without spaces and thousands separators, into buf. */
int scalar_text(struct rd *r, struct json *j, char *buf, size_t len)
{
	size_t k = 0;
	const char *c;

	if (j->type != JSON_NUMBER && j->type != JSON_STRING)
		return bad(r, j, "expected a number or a string, not %s", json_type_name(j->type));
	for (c = j->str; *c && k + 1 < len; c++)
		if (!isspace((unsigned char)*c) && *c != ',')
			buf[k++] = *c;
	buf[k] = '\0';
	return 0;
}

/* Reads member key of obj (if present) into *out; "max" is UINT64_MAX. */
int get_u64(struct rd *r, struct json *obj, const char *key, enum unit u, uint64_t *out)
{
	struct json *j = json_member(obj, key);
	size_t n;
	char buf[64];
	int ret = 0;

	if (!j || j->type == JSON_NULL)
		return 0;
	n = push(r, key, 0);
	if (scalar_text(r, j, buf, sizeof(buf))) {
		ret = -1;
	} else if (!strcmp(buf, "max")) {
		*out = UINT64_MAX;
	} else if (u == U_BYTES ? parse_bytes(buf, out) :
		   u == U_TIME_US ? parse_duration_us(buf, out) :
		   u == U_TIME_MS ? parse_duration_us(buf, out) : parse_u64(buf, out)) {
		ret = bad(r, j, "'%s' is not %s", j->str,
			  u == U_BYTES ? "a size (e.g. 4096, \"4 KiB\", \"max\")" :
			  u == U_NUM ? "a number" : "a time (e.g. 5000, \"5 ms\")");
	} else if (u == U_TIME_MS && j->type == JSON_STRING && !isdigit((unsigned char)
		   buf[strlen(buf) - 1])) {
		*out /= 1000;		/* "1 s" in a field of milliseconds; numbers are ms */
	}
	pop(r, n);
	return ret;
}

int get_u32(struct rd *r, struct json *obj, const char *key, enum unit u, uint32_t *out)
{
	uint64_t v = *out;

	if (get_u64(r, obj, key, u, &v))
		return -1;
	*out = v > UINT32_MAX ? UINT32_MAX : v;
	return 0;
}

int get_bool(struct rd *r, struct json *obj, const char *key, bool *out)
{
	struct json *j = json_member(obj, key);
	size_t n;

	if (!j || j->type == JSON_NULL)
		return 0;
	n = push(r, key, 0);
	if (want(r, j, JSON_BOOL))
		*out = j->boolean;
	pop(r, n);
	return r->failed ? -1 : 0;
}

int get_str(struct rd *r, struct json *obj, const char *key, char *out, size_t len)
{
	struct json *j = json_member(obj, key);
	size_t n;

	if (!j || j->type == JSON_NULL)
		return 0;
	n = push(r, key, 0);
	if (want(r, j, JSON_STRING)) {
		if (strlen(j->str) >= len)
			bad(r, j, "longer than %zu characters", len - 1);
		else
			strcpy(out, j->str);
	}
	pop(r, n);
	return r->failed ? -1 : 0;
}

int get_int(struct rd *r, struct json *obj, const char *key, long min, long max,
		   int *out)
{
	struct json *j = json_member(obj, key);
	char buf[32];
	size_t n;
	long v;

	if (!j || j->type == JSON_NULL)
		return 0;
	n = push(r, key, 0);
	if (j->type != JSON_NUMBER || scalar_text(r, j, buf, sizeof(buf)) ||
	    parse_int(buf, min, max, &v))
		bad(r, j, "expected an integer from %ld to %ld", min, max);
	else
		*out = v;
	pop(r, n);
	return r->failed ? -1 : 0;
}

/* The object member key (or NULL when absent); errors if it is not an object. */
struct json *sub(struct rd *r, struct json *obj, const char *key, enum json_type t)
{
	struct json *j = json_member(obj, key);
	size_t n;

	if (!j || j->type == JSON_NULL)
		return NULL;
	n = push(r, key, 0);
	j = want(r, j, t);
	pop(r, n);
	return j;
}

int nr_accesses_value(struct rd *r, struct json *obj, const char *key, uint32_t max,
			     uint32_t *out)
{
	struct json *j = json_member(obj, key);
	char buf[64], *end;
	size_t n;

	if (!j || j->type == JSON_NULL)
		return 0;
	n = push(r, key, 0);
	if (!scalar_text(r, j, buf, sizeof(buf))) {
		if (!strcmp(buf, "max")) {
			*out = UINT32_MAX;
		} else if (buf[0] && buf[strlen(buf) - 1] == '%') {
			double pct = strtod(buf, &end);

			if (*end != '%' || pct < 0 || pct > 100)
				bad(r, j, "'%s' is not a percentage of the maximum", j->str);
			else
				*out = (uint32_t)(pct * max / 100 + 0.5);
		} else {
			uint64_t v;

			if (parse_u64(buf, &v) || v > UINT32_MAX)
				bad(r, j, "'%s' is not a number of samples or \"N %%\"", j->str);
			else
				*out = v;
		}
	}
	pop(r, n);
	return r->failed ? -1 : 0;
}

void age_value(struct rd *r, struct json *obj, const char *key, uint64_t aggr_us,
		      uint32_t *out)
{
	struct json *j = json_member(obj, key);
	uint64_t v;
	char buf[64];
	size_t n;

	if (!j || j->type == JSON_NULL)
		return;
	n = push(r, key, 0);
	if (!scalar_text(r, j, buf, sizeof(buf))) {
		if (!strcmp(buf, "max"))
			*out = UINT32_MAX;
		else if (!parse_u64(buf, &v))
			*out = v > UINT32_MAX ? UINT32_MAX : v;	/* aggregation intervals */
		else if (!parse_duration_us(buf, &v))
			*out = v / aggr_us;			/* a time */
		else
			bad(r, j, "'%s' is not a number of aggregation intervals or a time", j->str);
	}
	pop(r, n);
}

int read_array(struct rd *r, struct json *obj, const char *key, int max, const char *what,
	       read_elem_fn fn, void *ctx, int *count)
{
	struct json *a = sub(r, obj, key, JSON_ARRAY), *e;
	size_t n;
	int i;

	if (!a)
		return r->failed ? -1 : 0;
	n = push(r, key, 0);
	for (e = a->child, i = 0; e && !r->failed; e = e->next, i++) {
		size_t k = push(r, NULL, i);

		if (i == max) {
			bad(r, e, "at most %d %s", max, what);
		} else if (want(r, e, JSON_OBJECT)) {
			fn(r, e, i, ctx);
			if (!r->failed)
				check_unknown(r, e);
			*count = i + 1;
		}
		pop(r, k);
	}
	pop(r, n);
	return r->failed ? -1 : 0;
}

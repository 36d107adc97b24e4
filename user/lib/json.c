// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: JSON reader with line numbers, and a small writer (see json.h). */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"

struct parser {
	const char *p;
	int line;
	char *err;
	size_t errlen;
	bool failed;
	int depth;
};

static void fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->failed)
		return;
	ps->failed = true;
	n = snprintf(ps->err, ps->errlen, "line %d: ", ps->line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < ps->errlen)
		vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
	va_end(ap);
}

static void skip_ws(struct parser *ps)
{
	for (;;) {
		if (*ps->p == '\n')
			ps->line++;
		if (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n')
			ps->p++;
		else
			return;
	}
}

static struct json *new_value(struct parser *ps, enum json_type t)
{
	struct json *j = calloc(1, sizeof(*j));

	if (!j) {
		fail(ps, "out of memory");
		return NULL;
	}
	j->type = t;
	j->line = ps->line;
	return j;
}

/* The length of the well-formed UTF-8 sequence p starts (1 for ASCII), 0 if none. */
static int utf8_len(const char *p)
{
	const unsigned char *c = (const unsigned char *)p;
	int len, i;

	if (*c < 0x80)
		return 1;
	len = *c >= 0xf0 && *c <= 0xf4 ? 4 : *c >= 0xe0 && *c <= 0xef ? 3 :
	      *c >= 0xc2 && *c <= 0xdf ? 2 : 0;
	for (i = 1; i < len && (c[i] & 0xc0) == 0x80; i++)
		;
	return i == len ? len : 0;
}

/* Up to n bytes of s for a message: printable ASCII as it is, other bytes as \xNN. */
static const char *excerpt(const char *s, int n, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && s[i] && s[i] != '\n' && off + 5 <= len; i++) {
		unsigned char c = s[i];

		off += snprintf(buf + off, len - off, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
	}
	return buf;
}

/* Makes room for need bytes in *s; frees it and fails on error. */
static bool grow(struct parser *ps, char **s, size_t *cap, size_t need)
{
	char *t;

	if (need <= *cap)
		return true;
	while (*cap < need)
		*cap *= 2;
	t = realloc(*s, *cap);
	if (!t) {
		free(*s);
		fail(ps, "out of memory");
		return false;
	}
	*s = t;
	return true;
}

/*
 * \uXXXX at ps->p (after the 'u'): exactly four hex digits (sscanf's %4x took fewer, then
 * skipped 4), of a character other than NUL and surrogates; stored as UTF-8, the last byte
 * left in *c.  -1 with *s freed on error.
 */
static int unescape_u(struct parser *ps, char **s, size_t *cap, size_t *n, char *c)
{
	unsigned int u = 0;
	int i;

	for (i = 0; i < 4; i++) {
		if (!isxdigit((unsigned char)ps->p[i]))
			break;
		u = u * 16 + (isdigit((unsigned char)ps->p[i]) ? ps->p[i] - '0' :
			      (tolower((unsigned char)ps->p[i]) - 'a' + 10));
	}
	if (i < 4 || !u || (u >= 0xd800 && u <= 0xdfff)) {
		fail(ps, "\\u needs four hex digits of a character other than NUL and surrogates");
		free(*s);
		return -1;
	}
	ps->p += 4;
	if (u < 0x80) {
		*c = (char)u;
		return 0;
	}
	/* UTF-8: two or three bytes; the last goes through c. */
	if (!grow(ps, s, cap, *n + 4))
		return -1;
	if (u < 0x800) {
		(*s)[(*n)++] = (char)(0xc0 | (u >> 6));
	} else {
		(*s)[(*n)++] = (char)(0xe0 | (u >> 12));
		(*s)[(*n)++] = (char)(0x80 | ((u >> 6) & 0x3f));
	}
	*c = (char)(0x80 | (u & 0x3f));
	return 0;
}

/* The escape after a backslash (ps->p at its letter) into *c; -1 with *s freed on error. */
static int unescape(struct parser *ps, char **s, size_t *cap, size_t *n, char *c)
{
	char shown[8];

	*c = *ps->p++;
	switch (*c) {
	case '"': case '\\': case '/': return 0;
	case 'n': *c = '\n'; return 0;
	case 't': *c = '\t'; return 0;
	case 'r': *c = '\r'; return 0;
	case 'b': *c = '\b'; return 0;
	case 'f': *c = '\f'; return 0;
	case 'u': return unescape_u(ps, s, cap, n, c);
	}
	fail(ps, "bad escape '\\%s' in a string", excerpt(ps->p - 1, 1, shown, sizeof(shown)));
	free(*s);
	return -1;
}

static char *parse_string(struct parser *ps)
{
	size_t cap = 32, n = 0;
	char *s = malloc(cap);
	int cont = 0;

	if (!s) {
		fail(ps, "out of memory");
		return NULL;
	}
	ps->p++;	/* the opening quote */
	while (*ps->p != '"' || cont) {
		char c = *ps->p++;
		bool escaped = false;

		if (!c || c == '\n') {
			fail(ps, "unterminated string");
			free(s);
			return NULL;
		}
		if ((unsigned char)c < 0x20) {
			fail(ps, "a control character (\\x%02x) in a string: write it as \\u%04x", c, c);
			free(s);
			return NULL;
		}
		if (c == '\\' && !cont) {
			escaped = true;
			if (unescape(ps, &s, &cap, &n, &c))
				return NULL;
		}
		if (cont) {
			cont--;		/* checked with its lead byte */
		} else if (!escaped && (unsigned char)c >= 0x80) {
			cont = utf8_len(ps->p - 1) - 1;
			if (cont < 0) {
				fail(ps, "a string that is not UTF-8 (JSON text is UTF-8)");
				free(s);
				return NULL;
			}
		}
		if (!grow(ps, &s, &cap, n + 2))
			return NULL;
		s[n++] = c;
	}
	ps->p++;
	s[n] = '\0';
	return s;
}

static struct json *parse_value(struct parser *ps);

static struct json *parse_container(struct parser *ps, bool object)
{
	struct json *j = new_value(ps, object ? JSON_OBJECT : JSON_ARRAY), **tail;
	char close = object ? '}' : ']';

	if (!j)
		return NULL;
	if (++ps->depth > 64) {
		fail(ps, "nested too deeply");
		return j;
	}
	tail = &j->child;
	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		ps->depth--;
		return j;
	}
	for (;;) {
		char *key = NULL;
		struct json *v;

		skip_ws(ps);
		if (object) {
			if (*ps->p != '"') {
				fail(ps, "expected a \"key\" in an object");
				return j;
			}
			key = parse_string(ps);
			if (!key)
				return j;
			skip_ws(ps);
			if (*ps->p != ':') {
				fail(ps, "expected ':' after \"%s\"", key);
				free(key);
				return j;
			}
			ps->p++;
		}
		v = parse_value(ps);
		if (!v) {
			free(key);
			return j;
		}
		v->key = key;
		*tail = v;
		tail = &v->next;
		if (ps->failed)
			return j;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			ps->depth--;
			return j;
		}
		fail(ps, "expected ',' or '%c'%s", close,
		     *ps->p == '"' ? " (a comma missing on the line before?)" : "");
		return j;
	}
}

static struct json *parse_value(struct parser *ps)
{
	struct json *j;
	const char *s;

	skip_ws(ps);
	s = ps->p;
	if (*s == '{' || *s == '[')
		return parse_container(ps, *s == '{');
	if (*s == '"') {
		j = new_value(ps, JSON_STRING);
		if (j && !(j->str = parse_string(ps))) {
			free(j);
			return NULL;
		}
		return j;
	}
	if (!strncmp(s, "true", 4) || !strncmp(s, "false", 5)) {
		j = new_value(ps, JSON_BOOL);
		if (j)
			j->boolean = *s == 't';
		ps->p += *s == 't' ? 4 : 5;
		return j;
	}
	if (!strncmp(s, "null", 4)) {
		ps->p += 4;
		return new_value(ps, JSON_NULL);
	}
	if (*s == '-' || isdigit((unsigned char)*s)) {
		const char *e = s + 1;

		while (isdigit((unsigned char)*e) || *e == '.' || *e == 'e' || *e == 'E' ||
		       *e == '+' || *e == '-')
			e++;
		j = new_value(ps, JSON_NUMBER);
		if (j)
			j->str = strndup(s, e - s);
		ps->p = e;
		return j;
	}
	if (!*s) {
		fail(ps, "unexpected end of the file");
	} else {
		char shown[48];

		fail(ps, "unexpected '%s'", excerpt(s, 10, shown, sizeof(shown)));
	}
	return NULL;
}

struct json *json_parse(const char *text, char *errbuf, size_t len)
{
	struct parser ps = { .p = text, .line = 1, .err = errbuf, .errlen = len };
	struct json *j = parse_value(&ps);

	if (!ps.failed) {
		skip_ws(&ps);
		if (*ps.p)
			fail(&ps, "text after the end of the JSON value");
	}
	if (ps.failed) {
		json_free(j);
		return NULL;
	}
	return j;
}

void json_free(struct json *j)
{
	while (j) {
		struct json *next = j->next;

		json_free(j->child);
		free(j->key);
		free(j->str);
		free(j);
		j = next;
	}
}

struct json *json_member(struct json *obj, const char *key)
{
	struct json *m;

	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (m = obj->child; m; m = m->next) {
		if (!strcmp(m->key, key)) {
			m->used = true;
			return m;
		}
	}
	return NULL;
}

const char *json_type_name(enum json_type t)
{
	static const char *const names[] = { "null", "a boolean", "a number", "a string",
					     "an array", "an object" };

	return names[t];
}

/*
 * A JSON string: quotes, backslashes and control characters escaped; bytes that are not UTF-8
 * (a command line, a file name) as U+FFFD, so that the output always parses.
 */
static void jw_string(FILE *f, const char *v)
{
	const unsigned char *c = (const unsigned char *)v;

	fputc('"', f);
	while (*c) {
		int len = 0, i;

		if (*c == '"' || *c == '\\') {
			fprintf(f, "\\%c", *c++);
			continue;
		}
		if (*c < 0x20 || *c == 0x7f) {
			fprintf(f, "\\u%04x", *c++);
			continue;
		}
		if (*c < 0x80) {
			fputc(*c++, f);
			continue;
		}
		if (*c >= 0xc2 && *c <= 0xdf)
			len = 2;
		else if (*c >= 0xe0 && *c <= 0xef)
			len = 3;
		else if (*c >= 0xf0 && *c <= 0xf4)
			len = 4;
		for (i = 1; i < len && (c[i] & 0xc0) == 0x80; i++)
			;
		if (!len || i < len) {
			fputs("\\ufffd", f);
			c++;
			continue;
		}
		fwrite(c, 1, len, f);
		c += len;
	}
	fputc('"', f);
}

static void jw_key(struct json_writer *w, const char *key)
{
	if (w->compact) {
		if (w->depth > 0 && !w->first[w->depth])
			fputs(", ", w->f);
	} else {
		if (w->depth > 0)
			fprintf(w->f, "%s\n", w->first[w->depth] ? "" : ",");
		fprintf(w->f, "%*s", 2 * w->depth, "");
	}
	w->first[w->depth] = false;
	if (key) {
		jw_string(w->f, key);
		fputs(": ", w->f);
	}
}

void jw_begin(struct json_writer *w, const char *key, char open)
{
	jw_key(w, key);
	fputc(open, w->f);
	if (w->depth < JSON_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

void jw_end(struct json_writer *w, char close)
{
	bool empty = w->first[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (empty || w->compact)
		fputc(close, w->f);
	else
		fprintf(w->f, "\n%*s%c", 2 * w->depth, "", close);
	if (!w->depth)
		fputc('\n', w->f);
}

void jw_u64(struct json_writer *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	if (v == UINT64_MAX)
		fputs("\"max\"", w->f);
	else
		fprintf(w->f, "%llu", (unsigned long long)v);
}

void jw_int(struct json_writer *w, const char *key, long long v)
{
	jw_key(w, key);
	fprintf(w->f, "%lld", v);
}

void jw_str(struct json_writer *w, const char *key, const char *v)
{
	jw_key(w, key);
	if (!v)
		fputs("null", w->f);
	else
		jw_string(w->f, v);
}

void jw_num(struct json_writer *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	fprintf(w->f, "%llu", (unsigned long long)v);
}

void jw_double(struct json_writer *w, const char *key, double v, int prec)
{
	jw_key(w, key);
	if (isfinite(v))
		fprintf(w->f, "%.*f", prec, v);
	else
		fputs("null", w->f);
}

void jw_bool(struct json_writer *w, const char *key, bool v)
{
	jw_key(w, key);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct json_writer *w, const char *key)
{
	jw_key(w, key);
	fputs("null", w->f);
}

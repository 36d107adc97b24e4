// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the option parsers of user/util.c: sizes (--quota, --size), times
 * (--sample, --duration, --min-age), CPU lists (--cpus) and node lists (the kernel's
 * online-node files; the same parse_cpulist()), integers (--pid, --top).  The first byte picks
 * the parser, the rest is the argument.  Checked beyond "no crash": an accepted CPU list prints
 * (format_cpulist()) and parses back to the same mask; a size or time with a unit is the
 * number times the unit, without overflow.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

#define MAX_IDS 1024

static void check_list(const char *arg, int max)
{
	static uint8_t mask[MAX_IDS], back[MAX_IDS];
	static char text[8192];

	if (parse_cpulist(arg, mask, max))
		return;
	format_cpulist(mask, max, text, sizeof(text));
	if (parse_cpulist(text, back, max) || memcmp(mask, back, max)) {
		fprintf(stderr, "'%s' -> '%s' does not parse back the same\n", arg, text);
		abort();
	}
}

static void check_units(const char *arg, int (*parse)(const char *, uint64_t *))
{
	unsigned long long num;
	uint64_t v, plain;
	char digits[32];
	size_t n;

	if (parse(arg, &v))
		return;
	/* The leading digits alone parse too (no unit), to at most v. */
	n = strspn(arg, "0123456789");
	if (!n || n >= sizeof(digits)) {
		if (!n)
			abort();	/* accepted without a number */
		return;
	}
	memcpy(digits, arg, n);
	digits[n] = '\0';
	num = strtoull(digits, NULL, 10);
	if (parse(digits, &plain) || plain != num || (num && v < plain) || (num && v % plain))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *arg;
	uint64_t v;
	long l;

	if (!size)
		return 0;
	arg = malloc(size);
	if (!arg)
		abort();
	memcpy(arg, data + 1, size - 1);
	arg[size - 1] = '\0';
	switch (data[0] % 5) {
	case 0:
		check_units(arg, parse_bytes);
		break;
	case 1:
		check_units(arg, parse_duration_us);
		break;
	case 2:
		check_list(arg, 256);		/* DAMON_BPF_MAX_CPUS */
		break;
	case 3:
		check_list(arg, MAX_IDS);	/* node lists */
		break;
	case 4:
		if (!parse_int(arg, 1, 1 << 30, &l) && (l < 1 || l > 1 << 30))
			abort();
		parse_u64(arg, &v);
		break;
	}
	free(arg);
	return 0;
}

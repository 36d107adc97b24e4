// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the spec reader (user/spec.c over user/json.c), as 'run FILE' and the
 * scheme sessions' state files use it.  Any input must end in a spec or an error, never in a
 * crash, a leak or undefined behaviour; an accepted spec must print and read back equal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec *sp = calloc(1, sizeof(*sp)), *back = calloc(1, sizeof(*back));
	char *text = malloc(size + 1), *out = NULL;
	size_t out_len = 0;
	FILE *f;

	if (!sp || !back || !text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	spec_init(sp);
	if (!spec_from_text(sp, text, "fuzz")) {
		/* A round trip: what 'args' prints, 'run' must read back the same. */
		f = open_memstream(&out, &out_len);
		if (!f)
			abort();
		spec_print(f, sp, true);
		fclose(f);
		spec_init(back);
		if (spec_from_text(back, out, "fuzz (printed back)")) {
			fprintf(stderr, "a spec that was read does not read back:\n%s\n", out);
			abort();
		}
		free(out);
	}
	free(text);
	free(sp);
	free(back);
	return 0;
}

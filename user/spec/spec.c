// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: the spec (see spec/spec.h): defaults, lookups, and spec files loaded (read.c
 * reads the JSON) and saved (write.c prints it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "spec/spec.h"

void spec_init(struct spec *sp)
{
	int i;

	memset(sp, 0, sizeof(*sp));
	damon_ctx_defaults(&sp->ctx);
	for (i = 0; i < DAMON_MAX_TARGETS; i++)
		sp->prio[i] = 1;
	sp->policy.drop_exited = true;
}

uint32_t spec_max_access(const struct spec *sp)
{
	return sp->ctx.sample_us ? sp->ctx.aggr_us / sp->ctx.sample_us : 0;
}

int spec_target_index(const struct spec *sp, int pid)
{
	int i;

	for (i = 0; i < sp->ctx.nr_pids; i++)
		if (sp->ctx.pids[i] == pid)
			return i;
	return -1;
}


bool spec_has_source(const struct spec *sp, const char *src)
{
	char buf[sizeof(sp->bpf.source)], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", sp->bpf.source);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, src))
			return true;
	return false;
}

int spec_load(struct spec *sp, const char *path)
{
	char *text;
	size_t len = 0, cap = 65536;
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	int ret;

	if (!f)
		return err("%s: %s", path, strerror(errno));
	text = malloc(cap);
	while (text && (len += fread(text + len, 1, cap - len - 1, f)) == cap - 1) {
		char *t = realloc(text, cap *= 2);

		if (!t)
			free(text);
		text = t;
	}
	if (f != stdin)
		fclose(f);
	if (!text)
		return err("%s: out of memory", path);
	text[len] = '\0';
	ret = spec_from_text(sp, text, path);
	free(text);
	return ret;
}

int spec_from_text(struct spec *sp, const char *text, const char *file)
{
	char errbuf[256];
	struct json *root;
	int ret;

	root = json_parse(text, errbuf, sizeof(errbuf));
	if (!root)
		return err("%s: %s", file, errbuf);
	ret = spec_from_json(sp, root, file);
	json_free(root);
	return ret;
}

int spec_save(const struct spec *sp, const char *path)
{
	char tmp[300];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return err("%s: %s", tmp, strerror(errno));
	spec_print(f, sp, true);
	if (fclose(f) || rename(tmp, path))
		return err("%s: %s", path, strerror(errno));
	return 0;
}

void damon_ctx_defaults(struct damon_ctx_cfg *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->ops, "vaddr");
	c->sample_us = 5000;
	c->aggr_us = 100000;
	c->update_us = 1000000;
	c->min_nr_regions = 10;
	c->max_nr_regions = 1000;
	c->page_table = true;
}

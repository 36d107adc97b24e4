// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: a heatmap (view/heatmap.h) drawn as a PNG image (libpng) or as text (damo's
 * terminal heatmap: a digit a bin).
 */
#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "view/heatmap.h"

/* Colour stops from 0 to 1 (after matplotlib's "inferno"): brightness grows with the value. */
static const unsigned char stops[][3] = {
	{ 0, 0, 4 }, { 87, 16, 110 }, { 188, 55, 84 }, { 249, 142, 9 }, { 252, 255, 164 },
};
static const unsigned char no_data[3] = { 70, 90, 130 };	/* slate blue */

static void colour(const struct heatmap *hm, double v, unsigned char *rgb)
{
	double x, f;
	int i, c, last = (int)ARRAY_SIZE(stops) - 1;

	if (isnan(v)) {
		memcpy(rgb, no_data, 3);
		return;
	}
	x = v / hm->scale;
	x = x < 0 ? 0 : x > 1 ? 1 : x;
	i = (int)(x * last);
	if (i == last)
		i = last - 1;
	f = x * last - i;
	for (c = 0; c < 3; c++)
		rgb[c] = (unsigned char)lround(stops[i][c] + f * (stops[i + 1][c] - stops[i][c]));
}

/* --- PNG ---------------------------------------------------------------------------------- */

static void png_fail(png_structp png, png_const_charp msg)
{
	err("%s: PNG: %s", (const char *)png_get_error_ptr(png), msg);
	png_longjmp(png, 1);
}

static void png_warn(png_structp png, png_const_charp msg)
{
	info("damon-bpf: %s: PNG: %s", (const char *)png_get_error_ptr(png), msg);
}

/* The axes and values as PNG text chunks: a reader (or a test) needs no other file. */
static void png_texts(png_structp png, png_infop info, const struct heatmap *hm, char buf[4][320])
{
	png_text t[6];
	char d[240];
	int i;

	heatmap_describe_time(hm, d, sizeof(d));
	snprintf(buf[0], 320, "time %s, left to right", d);
	heatmap_describe_addr(hm, d, sizeof(d));
	snprintf(buf[1], 320, "address %s, lowest at the bottom", d);
	heatmap_describe_value(hm, buf[2], 320);
	snprintf(buf[3], 320, "%s", hm->desc);
	memset(t, 0, sizeof(t));
	t[0].key = "Title";
	t[0].text = "damon-bpf heatmap";
	t[1].key = "Software";
	t[1].text = "damon-bpf report --heatmap";
	t[2].key = "damon-bpf x-axis";
	t[2].text = buf[0];
	t[3].key = "damon-bpf y-axis";
	t[3].text = buf[1];
	t[4].key = "damon-bpf colour";
	t[4].text = buf[2];
	t[5].key = "damon-bpf session";
	t[5].text = buf[3];
	for (i = 0; i < (int)ARRAY_SIZE(t); i++)
		t[i].compression = PNG_TEXT_COMPRESSION_NONE;
	png_set_text(png, info, t, ARRAY_SIZE(t));
}

/* Pixel (x, y): time bin x, address bin nr_addr - 1 - y (the lowest address at the bottom). */
static int png_to(FILE *f, const struct heatmap *hm, const char *path, unsigned char *row)
{
	png_structp png;
	png_infop info;
	char texts[4][320];
	int x, y;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, (png_voidp)path, png_fail, png_warn);
	if (!png)
		return err("%s: PNG: out of memory", path);
	info = png_create_info_struct(png);
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return err("%s: PNG: out of memory", path);
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return -1;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, hm->nr_time, hm->nr_addr, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_texts(png, info, hm, texts);
	png_write_info(png, info);
	for (y = 0; y < hm->nr_addr; y++) {
		int a = hm->nr_addr - 1 - y;

		for (x = 0; x < hm->nr_time; x++)
			colour(hm, hm->val[x * hm->nr_addr + a], row + 3 * x);
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return 0;
}

int heatmap_write_png(const struct heatmap *hm, const char *path)
{
	unsigned char *row = malloc(3 * (size_t)hm->nr_time);
	struct out_file o;
	int ret;

	if (!row)
		return err("out of memory");
	if (out_open(&o, path)) {
		free(row);
		return -1;
	}
	ret = png_to(o.f, hm, path, row);
	free(row);
	if (ret) {
		out_abort(&o);
		return -1;
	}
	return out_commit(&o);
}

/* --- text --------------------------------------------------------------------------------- */

static void text_to(FILE *f, const struct heatmap *hm, bool tty)
{
	char buf[320];
	int t, a;

	for (t = 0; t < hm->nr_time; t++) {
		for (a = 0; a < hm->nr_addr; a++) {
			double v = hm->val[t * hm->nr_addr + a];
			/* 1e-9: a bin wholly inside one region of 70 % is 7, not 6.999... */
			int level = isnan(v) ? -1 : (int)(10 * v / hm->scale + 1e-9);

			level = level > 9 ? 9 : level;
			if (tty && level >= 0)
				fprintf(f, "\033[48;5;%dm\033[38;5;%dm", 232 + level * 23 / 9,
					level < 5 ? 250 : 232);
			else if (tty)
				fputs("\033[0m", f);
			fputc(level < 0 ? ' ' : '0' + level, f);
		}
		fputs(tty ? "\033[0m\n" : "\n", f);
	}
	heatmap_describe_value(hm, buf, sizeof(buf));
	fprintf(f, "# value: %s\n", buf);
	fprintf(f, "# digits: d for d/10 to (d+1)/10 of %.1f (9: up to all of it); ' ': no data\n",
		hm->scale);
	heatmap_describe_addr(hm, buf, sizeof(buf));
	fprintf(f, "# x-axis: address %s, lowest left\n", buf);
	heatmap_describe_time(hm, buf, sizeof(buf));
	fprintf(f, "# y-axis: time %s, earliest first\n", buf);
	fprintf(f, "# session: %s; %d snapshots\n", hm->desc, hm->nr_snapshots);
}

int heatmap_write_text(const struct heatmap *hm, const char *path)
{
	struct out_file o;

	if (!strcmp(path, "-")) {
		text_to(stdout, hm, isatty(STDOUT_FILENO));
		out_flush(stdout);	/* a closed output ends the command, as for the table */
		return 0;
	}
	if (out_open(&o, path))
		return -1;
	text_to(o.f, hm, false);
	return out_commit(&o);
}

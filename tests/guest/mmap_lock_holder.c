// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_lock_holder SECONDS [GIB]: a helper of kernel_report_paddr_lock.py.  One thread keeps
 * this process's mmap lock taken for writing, for long stretches: mprotect() of a GIB (default
 * 4) GiB range whose every 4 KiB page maps the shared zero page (a million PTEs for 4 GiB, and
 * no memory but their page tables), between PROT_READ and PROT_NONE (no commit charge), again
 * and again, without a pause.  The main thread reports a write to each of 100 pages of a small
 * range every 5 ms, through the madvise() trigger of kernel_report.bpf.c.  Prints the number of
 * mprotect() pairs, of reports made and the longest mprotect() in milliseconds, and exits.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ADV_WRITE	0x7d001
#define S_SIZE		(1UL << 20)

static char *l_range;
static unsigned long l_size;
static volatile int stop;
static unsigned long pairs;
static double longest;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void timed_mprotect(int prot)
{
	double t = now();

	mprotect(l_range, l_size, prot);
	t = now() - t;
	if (t > longest)
		longest = t;
}

static void *holder(void *arg)
{
	while (!stop) {
		timed_mprotect(PROT_NONE);
		timed_mprotect(PROT_READ);
		pairs++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3, end;
	double gib = argc > 2 ? atof(argv[2]) : 4;
	unsigned long reports = 0, off;
	char *s_range;
	pthread_t th;

	l_size = (unsigned long)(gib * (1UL << 30)) & ~4095UL;
	l_range = mmap(NULL, l_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	s_range = mmap(NULL, S_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (l_range == MAP_FAILED || s_range == MAP_FAILED)
		return perror("mmap"), 1;
	/* 4 KiB PTEs of the zero page, not the huge zero page */
	if (madvise(l_range, l_size, MADV_NOHUGEPAGE) ||
	    madvise(l_range, l_size, MADV_POPULATE_READ))
		return perror("madvise"), 1;
	for (off = 0; off < S_SIZE; off += 4096)
		s_range[off] = 1;
	/* from here: populating took long on a debug kernel */
	end = now() + secs;
	if (pthread_create(&th, NULL, holder, NULL))
		return perror("pthread_create"), 1;
	while (now() < end) {
		for (off = 0; off < 100 * 4096UL; off += 4096, reports++)
			syscall(SYS_madvise, s_range + off, 4096UL, ADV_WRITE);
		usleep(5000);
	}
	stop = 1;
	pthread_join(th, NULL);
	printf("%lu %lu %.0f\n", pairs, reports, longest * 1000);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_lock_holder SECONDS: a helper of kernel_report_paddr_lock.py.  One thread keeps this
 * process's mmap lock taken for writing (mprotect() of a populated 256 MiB range of 4 KiB
 * pages, again and again, without a pause); the main thread reports a write to each of 100
 * pages of a small range every 5 ms, through the madvise() trigger of kernel_report.bpf.c.
 * Prints the number of mprotect() pairs and of reports made, and exits.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ADV_WRITE	0x7d001
#define L_SIZE		(256UL << 20)
#define S_SIZE		(1UL << 20)

static char *l_range;
static volatile int stop;
static unsigned long pairs;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *holder(void *arg)
{
	while (!stop) {
		mprotect(l_range, L_SIZE, PROT_READ);
		mprotect(l_range, L_SIZE, PROT_READ | PROT_WRITE);
		pairs++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3, end;
	unsigned long reports = 0, off;
	char *s_range;
	pthread_t th;

	l_range = mmap(NULL, L_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	s_range = mmap(NULL, S_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (l_range == MAP_FAILED || s_range == MAP_FAILED)
		return perror("mmap"), 1;
	madvise(l_range, L_SIZE, MADV_NOHUGEPAGE);
	for (off = 0; off < L_SIZE; off += 4096)
		l_range[off] = 1;
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
	printf("%lu %lu\n", pairs, reports);
	return 0;
}

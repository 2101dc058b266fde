/*
 * bench/bench_hive.c - the hive benchmark (issue 3): on one regf hive,
 * times
 *   1. "hivexml FILE > /dev/null" (libhivex's reader, the yardstick),
 *   2. "espdiag dump FILE > /dev/null" (detect, mount, export as .reg),
 *   3. a full walk through the public API: registry_new + open_file, every
 *      key (name, last-write time, subkeys) and every value (name, type,
 *      every data byte), registry_free.
 * Each measured run happens in a forked child (a fresh heap; wait4 gives
 * its CPU time); the three alternate, and the best of N (default 5)
 * counts for each, so that a busy machine disturbs the ratios little.
 *
 * Targets: dump at least 3 x faster than hivexml, full walk at least 10 x
 * faster. Exit status: 0 when both are met, 1 when one is not, 2 when the
 * benchmark could not run.
 *
 * Usage: bench_hive [-n RUNS] [--hivexml PATH] [--espdiag PATH] FILE
 *        bench_hive --once FILE      one walk in this process (for perf)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <espdiag/espdiag.h>

#include "pin.h"

#define MAX_RUNS 50
#define DUMP_FACTOR 3.0
#define WALK_FACTOR 10.0

static void fatal(const char *fmt, ...)
{
	va_list ap;
	fputs("bench_hive: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct walk_counts {
	uint64_t keys, values, bytes, sum, warnings;
} walk_counts;

static void walk_key(const espdiag_key *k, walk_counts *c)
{
	uint64_t t;
	c->keys++;
	c->sum += espdiag_key_name_len(k);
	if (espdiag_key_last_write(k, &t) == ESPDIAG_OK)
		c->sum += t;
	size_t nv = espdiag_key_value_count(k);
	for (size_t i = 0; i < nv; i++) {
		const espdiag_value *v;
		if (espdiag_key_value_at(&v, k, i) != ESPDIAG_OK)
			continue;
		const unsigned char *d = espdiag_value_data(v);
		size_t n = espdiag_value_size(v);
		uint64_t s = espdiag_value_type(v) + espdiag_value_name_len(v);
		/* Every byte is read, eight at a time, so that the sum costs
		 * little next to the API calls it checks. */
		size_t j = 0;
		for (; j + 8 <= n; j += 8) {
			uint64_t w;
			memcpy(&w, d + j, 8);
			s += (w & 0x00FF00FF00FF00FFu) + ((w >> 8) & 0x00FF00FF00FF00FFu);
		}
		for (; j < n; j++)
			s += d[j];
		c->sum += s;
		c->values++;
		c->bytes += n;
	}
	size_t nk = espdiag_key_subkey_count(k);
	for (size_t i = 0; i < nk; i++) {
		const espdiag_key *sub;
		if (espdiag_key_subkey_at(&sub, k, i) == ESPDIAG_OK)
			walk_key(sub, c);
	}
}

/* Opens, walks everything, frees. Returns 0 or an espdiag status. */
static int walk_file(const char *path, walk_counts *c)
{
	espdiag_registry *reg = NULL;
	memset(c, 0, sizeof *c);
	int rc = espdiag_registry_new(&reg);
	if (rc == ESPDIAG_OK)
		rc = espdiag_registry_open_file(reg, path, NULL, NULL);
	if (rc != ESPDIAG_OK) {
		fprintf(stderr, "bench_hive: %s: %s\n", path,
		        reg ? espdiag_registry_errmsg(reg) : espdiag_strerror(rc));
		espdiag_registry_free(reg);
		return rc;
	}
	/* from the hive's own root, where it is mounted */
	const char *prefix = espdiag_registry_source_property(reg, 0, "prefix");
	const espdiag_key *root = espdiag_registry_root(reg);
	if (prefix != NULL && *prefix != '\0' &&
	    espdiag_registry_key(&root, reg, prefix) != ESPDIAG_OK)
		root = espdiag_registry_root(reg);
	walk_key(root, c);
	c->warnings = espdiag_registry_warning_count(reg);
	espdiag_registry_free(reg);
	return ESPDIAG_OK;
}

typedef struct run {
	double wall, cpu;
} run;

/* Runs argv with stdout to /dev/null in a child (or, with argv NULL, the
 * walk of path). */
static run measure(char *const argv[], const char *path, walk_counts *counts)
{
	int pipefd[2];
	if (pipe(pipefd) != 0)
		fatal("pipe: %s", strerror(errno));
	double t0 = now();
	pid_t pid = fork();
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		close(pipefd[0]);
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, 1) < 0)
			_exit(126);
		if (argv != NULL) {
			execvp(argv[0], argv);
			_exit(127);
		}
		walk_counts c;
		int rc = walk_file(path, &c);
		if (write(pipefd[1], &c, sizeof c) != (ssize_t)sizeof c)
			_exit(125);
		_exit(rc == ESPDIAG_OK ? 0 : 1);
	}
	close(pipefd[1]);
	walk_counts got;
	if (argv != NULL || read(pipefd[0], &got, sizeof got) != (ssize_t)sizeof got)
		memset(&got, 0, sizeof got);
	if (counts != NULL)
		*counts = got;
	close(pipefd[0]);
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) != pid)
		fatal("wait4: %s", strerror(errno));
	double t1 = now();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fatal("%s failed (status %d)", argv ? argv[0] : "the walk", status);
	run r = { t1 - t0, (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		                   (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6 };
	return r;
}

static run best(const run *r, int n)
{
	run b = r[0];
	for (int i = 1; i < n; i++) {
		if (r[i].wall < b.wall)
			b.wall = r[i].wall;
		if (r[i].cpu < b.cpu)
			b.cpu = r[i].cpu;
	}
	return b;
}

static int once(const char *path)
{
	walk_counts c;
	double t0 = now();
	int rc = walk_file(path, &c);
	if (rc != ESPDIAG_OK)
		return 2;
	printf("walk %.4f s: %" PRIu64 " keys, %" PRIu64 " values, %" PRIu64 " bytes, %" PRIu64
	       " warnings\n", now() - t0, c.keys, c.values, c.bytes, c.warnings);
	return 0;
}

int main(int argc, char **argv)
{
	int runs = 5;
	const char *hivexml = "hivexml", *espdiag = "espdiag", *path = NULL;
	bool do_once = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--hivexml") == 0 && i + 1 < argc)
			hivexml = argv[++i];
		else if (strcmp(argv[i], "--espdiag") == 0 && i + 1 < argc)
			espdiag = argv[++i];
		else if (strcmp(argv[i], "--once") == 0)
			do_once = true;
		else if (argv[i][0] == '-' || path != NULL)
			fatal("usage: bench_hive [-n RUNS] [--hivexml PATH] [--espdiag PATH] FILE");
		else
			path = argv[i];
	}
	if (path == NULL)
		fatal("usage: bench_hive [-n RUNS] [--hivexml PATH] [--espdiag PATH] FILE");
	if (do_once)
		return once(path);
	if (runs < 1 || runs > MAX_RUNS)
		fatal("-n must be 1..%d", MAX_RUNS);

	char *hx[] = { (char *)hivexml, (char *)path, NULL };
	char *dump[] = { (char *)espdiag, (char *)"dump", (char *)path, NULL };
	run r_hx[MAX_RUNS], r_dump[MAX_RUNS], r_walk[MAX_RUNS];
	walk_counts c = { 0 };
	int cpu = pin_to_this_cpu();
	/* one untimed round so that the file is in the page cache */
	measure(hx, NULL, NULL);
	measure(dump, NULL, NULL);
	measure(NULL, path, &c);
	for (int i = 0; i < runs; i++) {
		r_hx[i] = measure(hx, NULL, NULL);
		r_dump[i] = measure(dump, NULL, NULL);
		r_walk[i] = measure(NULL, path, NULL);
	}
	run bh = best(r_hx, runs), bd = best(r_dump, runs), bw = best(r_walk, runs);

	printf("libespdiag hive benchmark\n");
	printf("  file      %s\n", path);
	printf("  tree      %" PRIu64 " keys, %" PRIu64 " values, %" PRIu64 " value bytes, %"
	       PRIu64 " warnings\n", c.keys, c.values, c.bytes, c.warnings);
	printf("  runs      best of %d, each in a fresh process; cpu = user + sys\n", runs);
	print_pinning(cpu);
	printf("\n");
	printf("  %-44s %10s %10s\n", "step", "wall s", "cpu s");
	printf("  %-44s %10.4f %10.4f\n", "hivexml FILE > /dev/null", bh.wall, bh.cpu);
	printf("  %-44s %10.4f %10.4f\n", "espdiag dump FILE > /dev/null", bd.wall, bd.cpu);
	printf("  %-44s %10.4f %10.4f\n\n", "walk (open, every key, value, byte; free)",
	       bw.wall, bw.cpu);
	double rd = bh.wall / bd.wall, rw = bh.wall / bw.wall;
	bool ok_dump = rd >= DUMP_FACTOR, ok_walk = rw >= WALK_FACTOR;
	printf("  target: dump >= %.0f x faster than hivexml   %.2f x (cpu %.2f x)   %s\n",
	       DUMP_FACTOR, rd, bh.cpu / bd.cpu, ok_dump ? "PASS" : "FAIL");
	printf("  target: walk >= %.0f x faster than hivexml   %.2f x (cpu %.2f x)   %s\n",
	       WALK_FACTOR, rw, bh.cpu / bw.cpu, ok_walk ? "PASS" : "FAIL");
	return ok_dump && ok_walk ? 0 : 1;
}

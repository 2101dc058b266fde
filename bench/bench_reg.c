/*
 * bench/bench_reg.c - the .reg benchmark: times the full parse of a file
 * into the registry view, walks the tree to show the data is there,
 * measures the peak RSS of the parse, and compares with
 * "iconv -f UTF-16LE -t UTF-8 FILE > /dev/null" over the same file.
 *
 * Every measured run happens in a forked child, so that neither this
 * process nor earlier runs count in the peak RSS (wait4 reports the
 * child's own ru_maxrss) and every parse starts from a fresh heap. iconv
 * and parse runs alternate, and the best of N (default 3) counts for each.
 * One untimed run of each comes first, as hyperfine's --warmup does: on a
 * virtual machine with free page reporting, memory idle for a couple of
 * seconds goes back to the host, and the first process to touch it again
 * pays a host fault per 4 KiB. The parse touches some 60 MB, iconv almost
 * none, so without the warm-up the first parse measures the host.
 *
 * Targets (issue 2): parse time <= 1.5 x iconv time; peak RSS of the parse
 * <= 1.5 x the file size. Exit status: 0 when every check passes, 1 when
 * one fails, 2 when the benchmark could not run.
 *
 * The walk reads every key and value back (name, type, raw bytes) and sums
 * a digest of each, which gen_dump computes too: equal counts, sizes and
 * digest show the whole file went into the tree, byte for byte.
 *
 * Usage: bench_reg [-n RUNS] [--expect-keys K] [--expect-values V]
 *                  [--expect-value-bytes B] [--expect-digest HEX] FILE
 *        bench_reg --once FILE     one parse and walk in this process,
 *                                   no fork (for perf or callgrind)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "pin.h"

#include <espdiag/espdiag.h>

#define MAX_RUNS 20
#define RSS_FACTOR 1.5
#define TIME_FACTOR 1.5

/* A fixed key of the generated file, looked up as a spot check. */
#define SPOT_KEY "HKLM\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\EnrollmentStatusTracking\\Device\\Setup\\Apps\\PolicyProviders\\Sidecar"
#define SPOT_VALUE "TrackingPoliciesCreated"

static _Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("bench_reg: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static double cpu_of(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
	       (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What a parse child reports through its pipe. */
typedef struct result {
	int status;           /* espdiag status of the open (or of the walk) */
	char errmsg[256];
	double parse_s;       /* espdiag_registry_new + espdiag_registry_open_file */
	double parse_cpu_s;   /* the same, user + system CPU time */
	double walk_s;        /* the tree walk; 0 in parse-only runs */
	double free_s;        /* espdiag_registry_free; 0 in parse-only runs */
	long parse_rss_kib;   /* ru_maxrss of the child right after the parse */
	uint64_t warnings;
	char warning[3][256]; /* the first few, as "line:column: message" */
	uint64_t keys;        /* keys below the root */
	uint64_t values;
	uint64_t value_bytes;
	uint64_t digest;      /* sum of value_digest() over all values */
	int spot_ok;          /* SPOT_KEY\SPOT_VALUE read back as DWORD 1 */
} result;


/* Counts keys (the root excluded), values and value bytes and sums the
 * value digests, with an explicit stack so that depth costs nothing. */
static int walk(espdiag_registry *reg, result *r)
{
	const espdiag_key **stack = NULL;
	size_t n = 0, cap = 0;
	int rc = ESPDIAG_OK;

	const espdiag_key *root = espdiag_registry_root(reg);
	if (!root)
		return ESPDIAG_EINVAL;
	cap = 1024;
	stack = malloc(cap * sizeof *stack);
	if (!stack)
		return ESPDIAG_ENOMEM;
	stack[n++] = root;
	while (n > 0) {
		const espdiag_key *key = stack[--n];
		if (key != root)
			r->keys++;
		size_t nv = espdiag_key_value_count(key);
		for (size_t i = 0; i < nv; i++) {
			const espdiag_value *v;
			rc = espdiag_key_value_at(&v, key, i);
			if (rc != ESPDIAG_OK)
				goto out;
			size_t size = espdiag_value_size(v);
			r->values++;
			r->value_bytes += size;
			r->digest += value_digest(espdiag_value_name(v), espdiag_value_name_len(v),
			                          espdiag_value_type(v), espdiag_value_data(v), size);
		}
		size_t ns = espdiag_key_subkey_count(key);
		if (n + ns > cap) {
			while (n + ns > cap)
				cap *= 2;
			const espdiag_key **p = realloc(stack, cap * sizeof *stack);
			if (!p) {
				rc = ESPDIAG_ENOMEM;
				goto out;
			}
			stack = p;
		}
		for (size_t i = 0; i < ns; i++) {
			rc = espdiag_key_subkey_at(&stack[n], key, i);
			if (rc != ESPDIAG_OK)
				goto out;
			n++;
		}
	}
out:
	free(stack);
	return rc;
}

static void spot_check(espdiag_registry *reg, result *r)
{
	const espdiag_key *key;
	const espdiag_value *v;
	uint32_t d;

	r->spot_ok = espdiag_registry_key(&key, reg, SPOT_KEY) == ESPDIAG_OK &&
	             espdiag_key_value(&v, key, SPOT_VALUE) == ESPDIAG_OK &&
	             espdiag_value_get_dword(v, &d) == ESPDIAG_OK && d == 1;
}

/* The measured work. With full, the walk and the free follow the parse. */
static void run_parse(const char *path, int full, result *r)
{
	espdiag_registry *reg = NULL;
	struct rusage ru;

	memset(r, 0, sizeof *r);
	struct rusage ru0;
	getrusage(RUSAGE_SELF, &ru0);
	double t0 = now();
	r->status = espdiag_registry_new(&reg);
	if (r->status == ESPDIAG_OK)
		r->status = espdiag_registry_open_file(reg, path, NULL, NULL);
	double t1 = now();
	r->parse_s = t1 - t0;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		r->parse_rss_kib = ru.ru_maxrss;
		r->parse_cpu_s = cpu_of(&ru) - cpu_of(&ru0);
	}
	if (r->status != ESPDIAG_OK) {
		snprintf(r->errmsg, sizeof r->errmsg, "%s",
		         reg ? espdiag_registry_errmsg(reg) : "espdiag_registry_new failed");
		espdiag_registry_free(reg);
		return;
	}
	r->warnings = espdiag_registry_warning_count(reg);
	for (size_t i = 0; i < 3 && i < r->warnings; i++) {
		const espdiag_warning *w = espdiag_registry_warning_at(reg, i, NULL);
		if (w)
			snprintf(r->warning[i], sizeof r->warning[i], "%" PRIu64 ":%" PRIu64 ": %s",
			         w->line, w->column, w->message ? w->message : "");
	}
	if (!full)
		return; /* the child exits; freeing would only cost time */
	t0 = now();
	r->status = walk(reg, r);
	r->walk_s = now() - t0;
	if (r->status != ESPDIAG_OK)
		snprintf(r->errmsg, sizeof r->errmsg, "walk: %s", espdiag_strerror(r->status));
	spot_check(reg, r);
	t0 = now();
	espdiag_registry_free(reg);
	r->free_s = now() - t0;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n > 0) {
		ssize_t r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Waits for pid; returns its rusage and fails unless it exited with 0. */
static void reap(pid_t pid, const char *what, struct rusage *ru)
{
	int st;

	while (wait4(pid, &st, 0, ru) < 0)
		if (errno != EINTR)
			fatal("wait4 (%s): %s", what, strerror(errno));
	if (WIFSIGNALED(st))
		fatal("%s: killed by signal %d", what, WTERMSIG(st));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fatal("%s: exit status %d", what, WEXITSTATUS(st));
}

/* One parse in a child; *rss_kib receives the child's peak RSS. */
static void child_parse(const char *path, int full, result *r, long *rss_kib)
{
	int fds[2];
	struct rusage ru;

	fflush(NULL);
	if (pipe(fds) != 0)
		fatal("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		result mine;
		close(fds[0]);
		run_parse(path, full, &mine);
		_exit(write_all(fds[1], &mine, sizeof mine) == 0 ? 0 : 1);
	}
	close(fds[1]);
	int got = read_all(fds[0], r, sizeof *r);
	close(fds[0]);
	reap(pid, "parse child", &ru);
	if (got != 0)
		fatal("parse child sent no result");
	*rss_kib = ru.ru_maxrss;
}

/* iconv -f UTF-16LE -t UTF-8 path > /dev/null; returns the wall time. */
static double child_iconv(const char *path, long *rss_kib, double *cpu_s)
{
	struct rusage ru;

	fflush(NULL);
	double t0 = now();
	pid_t pid = fork();
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		execlp("iconv", "iconv", "-f", "UTF-16LE", "-t", "UTF-8", path, (char *)NULL);
		_exit(127);
	}
	reap(pid, "iconv -f UTF-16LE -t UTF-8", &ru);
	double t = now() - t0;
	*rss_kib = ru.ru_maxrss;
	*cpu_s = cpu_of(&ru);
	return t;
}

/* The peak RSS of a child that does nothing: the floor under every figure. */
static long child_idle_rss(void)
{
	struct rusage ru;

	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0)
		_exit(0);
	reap(pid, "idle child", &ru);
	return ru.ru_maxrss;
}

static double min_of(const double *v, int n)
{
	double m = v[0];
	for (int i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

static double max_of(const double *v, int n)
{
	double m = v[0];
	for (int i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

static const char *verdict(int ok)
{
	return ok ? "PASS" : "FAIL";
}

static int once(const char *path)
{
	result r;

	run_parse(path, 1, &r);
	if (r.status != ESPDIAG_OK) {
		fprintf(stderr, "bench_reg: %s: %s (%s)\n", path, espdiag_strerror(r.status), r.errmsg);
		return 2;
	}
	printf("parse %.3f s, walk %.3f s, free %.3f s: %" PRIu64 " keys, %" PRIu64
	       " values, %" PRIu64 " value bytes, digest %016" PRIx64 ", %" PRIu64
	       " warnings, peak RSS after the parse %ld KiB\n",
	       r.parse_s, r.walk_s, r.free_s, r.keys, r.values, r.value_bytes, r.digest,
	       r.warnings, r.parse_rss_kib);
	return 0;
}

static uint64_t parse_count(const char *s, int base)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || end == s || *end)
		fatal("bad number '%s'", s);
	return v;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int runs = 3, do_once = 0;
	int64_t expect_keys = -1, expect_values = -1, expect_bytes = -1;
	int have_digest = 0;
	uint64_t expect_digest = 0;
	static const char usage[] =
		"usage: bench_reg [-n RUNS] [--expect-keys K] [--expect-values V]\n"
		"                 [--expect-value-bytes B] [--expect-digest HEX] FILE\n"
		"       bench_reg --once FILE";

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			runs = (int)parse_count(argv[++i], 10);
		else if (!strcmp(argv[i], "--expect-keys") && i + 1 < argc)
			expect_keys = (int64_t)parse_count(argv[++i], 10);
		else if (!strcmp(argv[i], "--expect-values") && i + 1 < argc)
			expect_values = (int64_t)parse_count(argv[++i], 10);
		else if (!strcmp(argv[i], "--expect-value-bytes") && i + 1 < argc)
			expect_bytes = (int64_t)parse_count(argv[++i], 10);
		else if (!strcmp(argv[i], "--expect-digest") && i + 1 < argc) {
			expect_digest = parse_count(argv[++i], 16);
			have_digest = 1;
		}
		else if (!strcmp(argv[i], "--once"))
			do_once = 1;
		else if (argv[i][0] == '-' || path)
			fatal("%s", usage);
		else
			path = argv[i];
	}
	if (!path)
		fatal("%s", usage);
	if (runs < 1 || runs > MAX_RUNS)
		fatal("-n: 1 to %d runs", MAX_RUNS);
	if (do_once)
		return once(path);

	struct stat st;
	if (stat(path, &st) != 0)
		fatal("%s: %s", path, strerror(errno));
	const double size = (double)st.st_size;
	const double mb = size / 1e6, mib = size / (1024.0 * 1024.0);

	int cpu = pin_to_this_cpu();
	long idle_kib = child_idle_rss();

	double t_iconv[MAX_RUNS], t_parse[MAX_RUNS], t_walk[MAX_RUNS], t_free[MAX_RUNS];
	double rss_parse[MAX_RUNS], rss_full[MAX_RUNS], rss_iconv[MAX_RUNS];
	double c_iconv[MAX_RUNS], c_parse[MAX_RUNS];
	result r, first;

	memset(&first, 0, sizeof first);

	/* The untimed warm-up run of each contender; iconv's reads the file
	 * into the page cache, so that neither pays for the disk. */
	{
		long kib;
		double cpu_s;
		child_iconv(path, &kib, &cpu_s);
		child_parse(path, 0, &r, &kib);
		if (r.status != ESPDIAG_OK)
			fatal("%s: %s: %s", path, espdiag_strerror(r.status), r.errmsg);
	}
	/* Alternate the contenders so that drift (clock, other load) hits
	 * both alike. */
	for (int i = 0; i < runs; i++) {
		long kib;
		t_iconv[i] = child_iconv(path, &kib, &c_iconv[i]);
		rss_iconv[i] = (double)kib;
		child_parse(path, 0, &r, &kib);
		if (r.status != ESPDIAG_OK)
			fatal("%s: %s: %s", path, espdiag_strerror(r.status), r.errmsg);
		t_parse[i] = r.parse_s;
		c_parse[i] = r.parse_cpu_s;
		rss_parse[i] = (double)kib;
	}
	for (int i = 0; i < runs; i++) {
		long kib;
		child_parse(path, 1, &r, &kib);
		if (r.status != ESPDIAG_OK)
			fatal("%s: %s: %s", path, espdiag_strerror(r.status), r.errmsg);
		if (i == 0)
			first = r;
		else if (r.keys != first.keys || r.values != first.values ||
		         r.value_bytes != first.value_bytes || r.digest != first.digest)
			fatal("walk %d counted differently from walk 1", i + 1);
		t_walk[i] = r.walk_s;
		t_free[i] = r.free_s;
		rss_full[i] = (double)kib;
	}

	double best_iconv = min_of(t_iconv, runs), best_parse = min_of(t_parse, runs);
	double peak_parse = max_of(rss_parse, runs) * 1024.0; /* bytes */
	double peak_full = max_of(rss_full, runs) * 1024.0;

	printf("libespdiag .reg benchmark\n");
	printf("  file      %s\n", path);
	printf("  size      %.0f bytes (%.1f MiB, %.1f MB)\n", size, mib, mb);
	printf("  runs      best of %d after one warm-up run each; MB = 10^6 bytes, MiB = 2^20 "
	       "bytes\n", runs);
	print_pinning(cpu);
	printf("  tree      %" PRIu64 " keys, %" PRIu64 " values, %" PRIu64 " value bytes, digest %016"
	       PRIx64 ", %" PRIu64 " warnings\n\n", first.keys, first.values, first.value_bytes,
	       first.digest, first.warnings);

	/* CPU time says how much of a slow wall time was other load. */
	printf("  %-36s %10s %10s %12s %10s\n", "step (wall clock)", "best s", "worst s",
	       "MB/s (best)", "best CPU s");
	printf("  %-36s %10.3f %10.3f %12.1f %10.3f\n", "iconv -f UTF-16LE -t UTF-8",
	       best_iconv, max_of(t_iconv, runs), mb / best_iconv, min_of(c_iconv, runs));
	printf("  %-36s %10.3f %10.3f %12.1f %10.3f\n", "parse (registry_new + open_file)",
	       best_parse, max_of(t_parse, runs), mb / best_parse, min_of(c_parse, runs));
	printf("  %-36s %10.3f %10.3f\n", "walk (every key and value + digest)", min_of(t_walk, runs),
	       max_of(t_walk, runs));
	printf("  %-36s %10.3f %10.3f\n\n", "registry_free", min_of(t_free, runs),
	       max_of(t_free, runs));

	printf("  %-36s %10s %12s\n", "peak RSS (ru_maxrss of the child)", "MiB", "x file size");
	printf("  %-36s %10.1f %12.2f\n", "idle child (floor)", (double)idle_kib / 1024.0,
	       (double)idle_kib * 1024.0 / size);
	printf("  %-36s %10.1f %12.2f\n", "iconv", max_of(rss_iconv, runs) / 1024.0,
	       max_of(rss_iconv, runs) * 1024.0 / size);
	printf("  %-36s %10.1f %12.2f\n", "parse", peak_parse / 1048576.0, peak_parse / size);
	printf("  %-36s %10.1f %12.2f\n\n", "parse + walk + free", peak_full / 1048576.0,
	       peak_full / size);

	int ok_time = best_parse <= TIME_FACTOR * best_iconv;
	int ok_rss = peak_parse <= RSS_FACTOR * size;
	int ok_data = first.warnings == 0 && first.spot_ok &&
	              (expect_keys < 0 || first.keys == (uint64_t)expect_keys) &&
	              (expect_values < 0 || first.values == (uint64_t)expect_values) &&
	              (expect_bytes < 0 || first.value_bytes == (uint64_t)expect_bytes) &&
	              (!have_digest || first.digest == expect_digest);

	printf("  target: parse time <= %.1f x iconv   %.3f s vs limit %.3f s (%.2f x)   %s\n",
	       TIME_FACTOR, best_parse, TIME_FACTOR * best_iconv, best_parse / best_iconv,
	       verdict(ok_time));
	printf("  target: peak RSS <= %.1f x file size  %.1f MiB vs limit %.1f MiB (%.2f x)   %s\n",
	       RSS_FACTOR, peak_parse / 1048576.0, RSS_FACTOR * mib, peak_parse / size,
	       verdict(ok_rss));
	printf("  check:  the data is all there        ");
	if (expect_keys >= 0)
		printf("keys %" PRIu64 "/%" PRId64 ", ", first.keys, expect_keys);
	if (expect_values >= 0)
		printf("values %" PRIu64 "/%" PRId64 ", ", first.values, expect_values);
	if (expect_bytes >= 0)
		printf("value bytes %" PRIu64 "/%" PRId64 ", ", first.value_bytes, expect_bytes);
	if (have_digest)
		printf("digest %s, ", first.digest == expect_digest ? "equal" : "DIFFERS");
	printf("%" PRIu64 " warnings, spot value %s   %s\n", first.warnings,
	       first.spot_ok ? "ok" : "wrong", verdict(ok_data));
	for (int i = 0; i < 3 && (uint64_t)i < first.warnings; i++)
		printf("    warning %s\n", first.warning[i]);
	return ok_time && ok_rss && ok_data ? 0 : 1;
}

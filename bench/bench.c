/*
 * bench/bench.c - "make bench": every figure of issue 18 in one run, as
 * ratios to a yardstick measured in the same round:
 *
 *   .reg parse / iconv            registry_new + open_file of the 100 MB
 *                                 dump vs "iconv -f UTF-16LE -t UTF-8"
 *   .reg dump / iconv             "espdiag dump FILE > /dev/null" vs iconv
 *   .reg walk / iconv             open + every key and value, every byte,
 *                                 + free; its peak RSS / the file's size
 *   hive dump, hivexml / ours     "hivexml FILE" vs "espdiag dump FILE"
 *   hive walk, hivex / ours       the same walk through libhivex's C API
 *                                 (bench_hivex_walk) and through ours
 *   hive walk, hivex / floor      for information: the same walk with no
 *                                 library over the file read whole (see
 *                                 floor.h), about the most the figure above
 *                                 can be for a reader that reads the file
 *   one value, hivex / ours       open a 60 MB hive, read one REG_SZ;
 *                                 and the RSS that adds
 *   Python import                 "python3 -c 'import espdiag'" minus
 *                                 "python3 -c pass", in milliseconds; and,
 *                                 for information, with the library loaded
 *
 * Each round runs every contender once, in a fresh process, after one
 * untimed warm-up round (the page cache; on a VM with free page
 * reporting, memory idle for seconds goes back to the host and the first
 * process to touch it pays for that). A ratio is taken within a round, so
 * that drift and other load hit both sides alike; the table gives the
 * median over the rounds and the spread (min-max). Timed work in our own
 * children and in bench_hivex_walk is timed inside the process, from
 * before the open to after the free, so that start-up counts for neither
 * side; the commands (iconv, espdiag, hivexml, python) are timed from
 * fork to exit. Everything runs pinned to one CPU (see pin.h); the load
 * average before and after is printed, since a shared machine makes
 * every figure noisy.
 *
 * The warm-up round also checks the data: the .reg walk against the
 * counts and digest gen_dump wrote, the hive walks' counts against each
 * other, the one value against the text gen_hive wrote.
 *
 * Exit status: 0 when every target is met, 1 when one is not, 2 when the
 * benchmark could not run.
 *
 * Usage: bench [-n ROUNDS] [--espdiag PATH] [--iconv-only]
 *              [--reg FILE --reg-counts FILE] [--hive FILE]
 *              [--big-hive FILE --big-counts FILE] [--hivexml PATH]
 *              [--hivex-walk PATH] [--python PATH --pythonpath DIR]
 *        bench --once FILE      one open and walk in this process (perf)
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
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <espdiag/espdiag.h>

#include "digest.h"
#include "floor.h"
#include "pin.h"

#define MAX_ROUNDS 50
#define MAX_PY 200

static _Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void fatal(const char *fmt, ...)
{
	va_list ap;
	fputs("bench: ", stderr);
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

static long peak_kib(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

/* ---- the work done through libespdiag, in a forked child ---- */

enum op { OP_PARSE, OP_WALK, OP_WALK_DIGEST, OP_GET, OP_FLOOR };

typedef struct result {
	int status;
	char errmsg[256];
	double seconds;    /* the timed work */
	long growth_kib;   /* what the work added to the child's peak RSS */
	uint64_t keys, values, bytes, sum, digest, warnings;
	char data[128];    /* OP_GET: the value as UTF-8 */
} result;

typedef struct job {
	enum op op;
	const char *path;
	const char *key, *value; /* OP_GET: below the hive's root */
} job;

/* Every key from start (counted) down: name, last-write time, values
 * (name, type, every byte). A sum costs little next to the calls it
 * checks; with digest, the digest gen_dump wrote (for the check). */
static int walk(const espdiag_key *start, bool digest, result *r)
{
	const espdiag_key **stack = malloc(1024 * sizeof *stack);
	size_t n = 0, cap = 1024;
	int rc = ESPDIAG_OK;
	if (stack == NULL)
		return ESPDIAG_ENOMEM;
	stack[n++] = start;
	while (n > 0 && rc == ESPDIAG_OK) {
		const espdiag_key *key = stack[--n];
		uint64_t t;
		r->keys++;
		r->sum += espdiag_key_name_len(key);
		if (espdiag_key_last_write(key, &t) == ESPDIAG_OK)
			r->sum += t;
		size_t nv = espdiag_key_value_count(key);
		for (size_t i = 0; i < nv; i++) {
			const espdiag_value *v;
			if ((rc = espdiag_key_value_at(&v, key, i)) != ESPDIAG_OK)
				break;
			const unsigned char *d = espdiag_value_data(v);
			size_t size = espdiag_value_size(v);
			uint64_t s = espdiag_value_type(v) + espdiag_value_name_len(v);
			for (size_t j = 0; j < size; j++)
				s += d[j];
			r->sum += s;
			r->values++;
			r->bytes += size;
			if (digest)
				r->digest += value_digest(espdiag_value_name(v), espdiag_value_name_len(v),
				                          espdiag_value_type(v), d, size);
		}
		size_t ns = espdiag_key_subkey_count(key);
		if (n + ns > cap) {
			while (n + ns > cap)
				cap *= 2;
			const espdiag_key **p = realloc(stack, cap * sizeof *stack);
			if (p == NULL) {
				rc = ESPDIAG_ENOMEM;
				break;
			}
			stack = p;
		}
		/* pushed last to first, so that keys are visited in order */
		for (size_t i = ns; i-- > 0 && rc == ESPDIAG_OK;)
			if ((rc = espdiag_key_subkey_at(&stack[n], key, i)) == ESPDIAG_OK)
				n++;
	}
	free(stack);
	return rc;
}

/* The key a hive is mounted at (its root), or the view's root. */
static const espdiag_key *start_key(espdiag_registry *reg)
{
	const char *prefix = espdiag_registry_source_property(reg, 0, "prefix");
	const espdiag_key *k;
	if (prefix != NULL && *prefix != '\0' && espdiag_registry_key(&k, reg, prefix) == ESPDIAG_OK)
		return k;
	return espdiag_registry_root(reg);
}

static void get_value(espdiag_registry *reg, const job *j, result *r)
{
	char path[1024];
	const char *prefix = espdiag_registry_source_property(reg, 0, "prefix");
	const espdiag_key *k;
	const espdiag_value *v;
	char *s = NULL;
	snprintf(path, sizeof path, "%s\\%s", prefix ? prefix : "", j->key);
	if ((r->status = espdiag_registry_key(&k, reg, path)) == ESPDIAG_OK &&
	    (r->status = espdiag_key_value(&v, k, j->value)) == ESPDIAG_OK &&
	    (r->status = espdiag_value_get_string(&s, v)) == ESPDIAG_OK)
		snprintf(r->data, sizeof r->data, "%s", s);
	espdiag_free(s);
}

static void run_job(const job *j, result *r)
{
	espdiag_registry *reg = NULL;
	memset(r, 0, sizeof *r);
	long before = peak_kib();
	double t0 = now();
	if (j->op == OP_FLOOR) {
		floor_counts c = { 0 };
		if (floor_walk(j->path, &c) != 0) {
			r->status = ESPDIAG_EIO;
			snprintf(r->errmsg, sizeof r->errmsg, "%s: %s", j->path, strerror(errno));
		}
		r->seconds = now() - t0;
		r->keys = c.keys;
		r->values = c.values;
		r->bytes = c.bytes;
		r->sum = c.sum;
		return;
	}
	r->status = espdiag_registry_new(&reg);
	if (r->status == ESPDIAG_OK)
		r->status = espdiag_registry_open_file(reg, j->path, NULL, NULL);
	if (r->status == ESPDIAG_OK) {
		r->warnings = espdiag_registry_warning_count(reg);
		if (j->op == OP_WALK || j->op == OP_WALK_DIGEST)
			r->status = walk(start_key(reg), j->op == OP_WALK_DIGEST, r);
		else if (j->op == OP_GET)
			get_value(reg, j, r);
	}
	if (r->status != ESPDIAG_OK)
		snprintf(r->errmsg, sizeof r->errmsg, "%s: %s", j->path,
		         reg ? espdiag_registry_errmsg(reg) : espdiag_strerror(r->status));
	/* A parse alone is done when the tree is there; the child exits. */
	if (j->op != OP_PARSE)
		espdiag_registry_free(reg);
	r->seconds = now() - t0;
	r->growth_kib = peak_kib() - before;
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

static size_t read_all(int fd, void *p, size_t n)
{
	char *c = p;
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, c + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

/* Waits for pid; fails unless it exited with 0. */
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

/* One job in a child; *peak_kib gets the child's peak RSS. */
static result child_job(const job *j, long *peak)
{
	int fds[2];
	struct rusage ru;
	result r;
	fflush(NULL);
	if (pipe(fds) != 0)
		fatal("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		run_job(j, &r);
		_exit(write_all(fds[1], &r, sizeof r) == 0 ? 0 : 1);
	}
	close(fds[1]);
	size_t got = read_all(fds[0], &r, sizeof r);
	close(fds[0]);
	reap(pid, j->path, &ru);
	if (got != sizeof r)
		fatal("%s: the child sent no result", j->path);
	if (r.status != ESPDIAG_OK)
		fatal("%s", r.errmsg);
	if (peak != NULL)
		*peak = ru.ru_maxrss;
	return r;
}

/* Runs argv (stdout into out, when given, else /dev/null); returns the
 * wall time from fork to exit. */
static double child_exec(char *const argv[], char *out, size_t out_size)
{
	int fds[2] = { -1, -1 };
	struct rusage ru;
	fflush(NULL);
	if (out != NULL && pipe(fds) != 0)
		fatal("pipe: %s", strerror(errno));
	double t0 = now();
	pid_t pid = fork();
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = out != NULL ? fds[1] : open("/dev/null", O_WRONLY);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		if (out != NULL)
			close(fds[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (out != NULL) {
		close(fds[1]);
		size_t got = read_all(fds[0], out, out_size - 1);
		out[got] = '\0';
		close(fds[0]);
	}
	reap(pid, argv[0], &ru);
	return now() - t0;
}

/* "name=value" in a line of key=value pairs, as text (NULL when absent). */
static const char *field(const char *line, const char *name, char *buf, size_t size)
{
	size_t n = strlen(name);
	for (const char *p = line; (p = strstr(p, name)) != NULL; p += n) {
		if ((p == line || p[-1] == ' ') && p[n] == '=') {
			p += n + 1;
			size_t len = strcspn(p, " \n");
			if (len >= size)
				len = size - 1;
			memcpy(buf, p, len);
			buf[len] = '\0';
			return buf;
		}
	}
	return NULL;
}

static uint64_t field_u64(const char *line, const char *name, int base)
{
	char buf[64];
	if (field(line, name, buf, sizeof buf) == NULL)
		fatal("no %s= in '%s'", name, line);
	return strtoull(buf, NULL, base);
}

static double field_double(const char *line, const char *name)
{
	char buf[64];
	if (field(line, name, buf, sizeof buf) == NULL)
		fatal("no %s= in '%s'", name, line);
	return strtod(buf, NULL);
}

/* The first line of a counts file a generator wrote. */
static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	if (f == NULL || fgets(buf, (int)size, f) == NULL)
		fatal("%s: %s", path, f ? "empty" : strerror(errno));
	fclose(f);
}

/* ---- the table ---- */

typedef struct row {
	const char *name, *unit; /* unit "x", "MiB" or "ms" */
	bool at_most;            /* the target is a ceiling (else a floor) */
	double target;           /* 0: a figure for information, no target */
	double v[MAX_PY];        /* one figure per round */
	int n;
	char detail[160];        /* absolute figures, medians */
	const char *skipped;     /* why the row has no figures */
} row;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[MAX_PY];
	memcpy(s, v, (size_t)n * sizeof *v);
	qsort(s, (size_t)n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double min_of(const double *v, int n)
{
	double m = v[0];
	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double max_of(const double *v, int n)
{
	double m = v[0];
	for (int i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

static void load_average(const char *when)
{
	char buf[128] = "";
	FILE *f = fopen("/proc/loadavg", "r");
	if (f != NULL) {
		if (fgets(buf, sizeof buf, f) == NULL)
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	printf("  load      %s: %s (1, 5, 15 min; runnable/all)\n", when, buf[0] ? buf : "unknown");
}

/* Prints the table; returns whether every target with figures is met. */
static bool print_table(row *rows, size_t nrows)
{
	bool all = true;
	printf("\n  %-34s %9s %19s %10s  %s\n", "figure", "median", "spread (min-max)", "target",
	       "verdict");
	for (size_t i = 0; i < nrows; i++) {
		row *r = &rows[i];
		char target[32] = "-";
		if (r->target > 0)
			snprintf(target, sizeof target, "%s %g%s", r->at_most ? "<=" : ">=", r->target,
			         r->unit);
		if (r->n == 0) {
			printf("  %-34s %9s %19s %10s  skipped: %s\n", r->name, "-", "-", target,
			       r->skipped ? r->skipped : "no figures");
			continue;
		}
		double m = median(r->v, r->n);
		bool ok = r->target <= 0 || (r->at_most ? m <= r->target : m >= r->target);
		all = all && ok;
		char spread[48];
		snprintf(spread, sizeof spread, "%.2f-%.2f%s", min_of(r->v, r->n), max_of(r->v, r->n),
		         r->unit);
		printf("  %-34s %8.2f%s %19s %10s  %s\n", r->name, m, r->unit, spread, target,
		       r->target <= 0 ? "info" : ok ? "PASS" : "FAIL");
		if (r->detail[0])
			printf("  %-34s %s\n", "", r->detail);
	}
	return all;
}

/* ---- main ---- */

typedef struct opts {
	int rounds, py_runs;
	const char *espdiag, *hivexml, *hivex_walk, *python, *pythonpath;
	const char *reg, *reg_counts, *hive, *big, *big_counts;
} opts;

static int once(const char *path)
{
	job j = { OP_WALK, path, NULL, NULL };
	result r;
	run_job(&j, &r);
	if (r.status != ESPDIAG_OK) {
		fprintf(stderr, "bench: %s\n", r.errmsg);
		return 2;
	}
	printf("open + walk + free %.4f s: %" PRIu64 " keys, %" PRIu64 " values, %" PRIu64
	       " bytes, %" PRIu64 " warnings\n", r.seconds, r.keys, r.values, r.bytes, r.warnings);
	return 0;
}

enum {
	R_PARSE, R_DUMP, R_WALK, R_WALK_RSS, R_HDUMP, R_HWALK, R_HFLOOR, R_GET, R_GET_RSS, R_PY,
	R_PY_LOAD, R_COUNT
};

int main(int argc, char **argv)
{
	opts o = { .rounds = 5, .py_runs = 21, .espdiag = "espdiag", .hivexml = "hivexml" };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--once") == 0 && next)
			return once(next);
#define OPT(flag, field)                               \
		if (strcmp(a, flag) == 0 && next) {    \
			o.field = next;                \
			i++;                           \
			continue;                      \
		}
		OPT("--espdiag", espdiag)
		OPT("--hivexml", hivexml)
		OPT("--hivex-walk", hivex_walk)
		OPT("--python", python)
		OPT("--pythonpath", pythonpath)
		OPT("--reg", reg)
		OPT("--reg-counts", reg_counts)
		OPT("--hive", hive)
		OPT("--big-hive", big)
		OPT("--big-counts", big_counts)
#undef OPT
		if (strcmp(a, "-n") == 0 && next) {
			o.rounds = atoi(next);
			i++;
			continue;
		}
		if (strcmp(a, "--python-runs") == 0 && next) {
			o.py_runs = atoi(next);
			i++;
			continue;
		}
		fatal("unknown argument '%s' (see the comment at the top of bench/bench.c)", a);
	}
	if (o.rounds < 1 || o.rounds > MAX_ROUNDS || o.py_runs < 1 || o.py_runs > MAX_PY)
		fatal("-n: 1 to %d rounds; --python-runs: 1 to %d", MAX_ROUNDS, MAX_PY);

	row rows[R_COUNT] = {
		[R_PARSE] = { .name = ".reg parse / iconv", .unit = "x", .at_most = true, .target = 1.0 },
		[R_DUMP] = { .name = ".reg dump / iconv", .unit = "x", .at_most = true, .target = 1.6 },
		[R_WALK] = { .name = ".reg walk / iconv", .unit = "x", .at_most = true, .target = 1.3 },
		[R_WALK_RSS] = { .name = ".reg walk peak RSS / file size", .unit = "x",
		                 .at_most = true, .target = 0.7 },
		[R_HDUMP] = { .name = "hive dump: hivexml / ours", .unit = "x", .at_most = false,
		              .target = 5 },
		[R_HWALK] = { .name = "hive walk: hivex C walk / ours", .unit = "x",
		              .at_most = false, .target = 3 },
		[R_HFLOOR] = { .name = "... hivex C walk / floor", .unit = "x", .at_most = false },
		[R_GET] = { .name = "one value, 60 MB hive: hivex/ours", .unit = "x",
		            .at_most = false, .target = 10 },
		[R_GET_RSS] = { .name = "one value: RSS growth (ours)", .unit = "MiB",
		                .at_most = true, .target = 2 },
		[R_PY] = { .name = "import espdiag - python -c pass", .unit = "ms", .at_most = true,
		           .target = 20 },
		/* what a program that uses the library pays on top (no target) */
		[R_PY_LOAD] = { .name = "... + library_version() - pass", .unit = "ms" },
	};

	int cpu = pin_to_this_cpu();
	printf("libespdiag benchmark (issue 18)\n");
	print_pinning(cpu);
	printf("  rounds    %d after one warm-up round (python: %d pairs); figures are medians of\n"
	       "            per-round ratios, spread min-max\n", o.rounds, o.py_runs);
	load_average("before");

	/* --- inputs and checks (the warm-up round) --- */
	double reg_size = 0;
	char line[512], big_key[256] = "", big_value[64] = "", big_data[128] = "";
	job reg_parse = { OP_PARSE, o.reg, NULL, NULL }, reg_walk = { OP_WALK, o.reg, NULL, NULL };
	job hive_walk = { OP_WALK, o.hive, NULL, NULL }, hive_floor = { OP_FLOOR, o.hive, NULL, NULL };
	job big_get = { OP_GET, o.big, big_key, big_value };
	char *iconv_argv[] = { "iconv", "-f", "UTF-16LE", "-t", "UTF-8", (char *)o.reg, NULL };
	char *dump_argv[] = { (char *)o.espdiag, "dump", (char *)o.reg, NULL };
	char *hdump_argv[] = { (char *)o.espdiag, "dump", (char *)o.hive, NULL };
	char *hivexml_argv[] = { (char *)o.hivexml, (char *)o.hive, NULL };
	char *hwalk_argv[] = { (char *)o.hivex_walk, "walk", (char *)o.hive, NULL };
	char *hget_argv[] = { (char *)o.hivex_walk, "get", (char *)o.big, big_key, big_value, NULL };
	char *py_pass[] = { (char *)o.python, "-c", "pass", NULL };
	char *py_import[] = { (char *)o.python, "-c", "import espdiag", NULL };
	char *py_load[] = { (char *)o.python, "-c", "import espdiag; espdiag.library_version()",
	                    NULL };
	char out[1024];

	if (o.reg != NULL) {
		struct stat st;
		if (stat(o.reg, &st) != 0)
			fatal("%s: %s", o.reg, strerror(errno));
		reg_size = (double)st.st_size;
		child_exec(iconv_argv, NULL, 0);
		job check = { OP_WALK_DIGEST, o.reg, NULL, NULL };
		result r = child_job(&check, NULL);
		printf("  .reg      %s, %.1f MB: %" PRIu64 " keys, %" PRIu64 " values, %" PRIu64
		       " value bytes, %" PRIu64 " warnings", o.reg, reg_size / 1e6, r.keys,
		       r.values, r.bytes, r.warnings);
		if (o.reg_counts != NULL) {
			read_line(o.reg_counts, line, sizeof line);
			/* gen_dump counts the keys below the unnamed root */
			if (r.keys - 1 != field_u64(line, "keys", 10) ||
			    r.values != field_u64(line, "values", 10) ||
			    r.bytes != field_u64(line, "value_bytes", 10) ||
			    r.digest != field_u64(line, "digest", 16) || r.warnings != 0)
				fatal("%s: the parsed tree is not what gen_dump wrote (%s)", o.reg, line);
			printf(", as written");
		}
		printf("\n");
		child_exec(dump_argv, NULL, 0);
	} else {
		for (int i = R_PARSE; i <= R_WALK_RSS; i++)
			rows[i].skipped = "no --reg";
	}
	if (o.hive != NULL) {
		child_exec(hivexml_argv, NULL, 0);
		child_exec(hdump_argv, NULL, 0);
		result r = child_job(&hive_walk, NULL);
		printf("  hive      %s: %" PRIu64 " keys, %" PRIu64 " values, %" PRIu64
		       " value bytes", o.hive, r.keys, r.values, r.bytes);
		if (o.hivex_walk != NULL) {
			child_exec(hwalk_argv, out, sizeof out);
			if (field_u64(out, "keys", 10) != r.keys ||
			    field_u64(out, "values", 10) != r.values ||
			    field_u64(out, "bytes", 10) != r.bytes)
				fatal("the hive walks differ: hivex %s", out);
			printf(", as hivex counts them");
		} else {
			rows[R_HWALK].skipped = rows[R_HFLOOR].skipped = "no libhivex (bench_hivex_walk)";
		}
		result f = child_job(&hive_floor, NULL);
		if (f.keys != r.keys || f.values != r.values || f.bytes != r.bytes)
			fatal("the floor walk differs: %" PRIu64 " keys, %" PRIu64 " values, %" PRIu64
			      " bytes", f.keys, f.values, f.bytes);
		printf("\n");
	} else {
		rows[R_HDUMP].skipped = rows[R_HWALK].skipped = rows[R_HFLOOR].skipped =
			"no hive (--hive)";
	}
	if (o.big != NULL && o.big_counts != NULL) {
		read_line(o.big_counts, line, sizeof line);
		if (!field(line, "spot", big_key, sizeof big_key) ||
		    !field(line, "value", big_value, sizeof big_value) ||
		    !field(line, "data", big_data, sizeof big_data))
			fatal("%s: no spot=, value=, data=", o.big_counts);
		result r = child_job(&big_get, NULL);
		if (strcmp(r.data, big_data) != 0)
			fatal("%s\\%s reads '%s', gen_hive wrote '%s'", big_key, big_value, r.data,
			      big_data);
		printf("  big hive  %s: %s\\%s = \"%s\"", o.big, big_key, big_value, r.data);
		if (o.hivex_walk != NULL) {
			child_exec(hget_argv, out, sizeof out);
			char got[128];
			if (!field(out, "data", got, sizeof got) || strcmp(got, big_data) != 0)
				fatal("hivex reads the value as: %s", out);
			printf(", hivex agrees");
		} else {
			rows[R_GET].skipped = "no libhivex (bench_hivex_walk)";
		}
		printf("\n");
	} else {
		rows[R_GET].skipped = rows[R_GET_RSS].skipped = "no big hive (--big-hive)";
	}

	/* --- the rounds --- */
	double abs_s[R_COUNT][2][MAX_ROUNDS]; /* ours, yardstick */
	for (int i = 0; i < o.rounds; i++) {
		if (o.reg != NULL) {
			long peak;
			double t_iconv = child_exec(iconv_argv, NULL, 0);
			double t_parse = child_job(&reg_parse, NULL).seconds;
			double t_dump = child_exec(dump_argv, NULL, 0);
			double t_walk = child_job(&reg_walk, &peak).seconds;
			rows[R_PARSE].v[i] = t_parse / t_iconv;
			rows[R_DUMP].v[i] = t_dump / t_iconv;
			rows[R_WALK].v[i] = t_walk / t_iconv;
			rows[R_WALK_RSS].v[i] = (double)peak * 1024.0 / reg_size;
			abs_s[R_PARSE][0][i] = t_parse;
			abs_s[R_DUMP][0][i] = t_dump;
			abs_s[R_WALK][0][i] = t_walk;
			abs_s[R_PARSE][1][i] = abs_s[R_DUMP][1][i] = abs_s[R_WALK][1][i] = t_iconv;
			rows[R_PARSE].n = rows[R_DUMP].n = rows[R_WALK].n = rows[R_WALK_RSS].n = i + 1;
		}
		if (o.hive != NULL) {
			double t_hx = child_exec(hivexml_argv, NULL, 0);
			double t_dump = child_exec(hdump_argv, NULL, 0);
			rows[R_HDUMP].v[i] = t_hx / t_dump;
			abs_s[R_HDUMP][0][i] = t_dump;
			abs_s[R_HDUMP][1][i] = t_hx;
			rows[R_HDUMP].n = i + 1;
			if (o.hivex_walk != NULL) {
				double t_ours = child_job(&hive_walk, NULL).seconds;
				child_exec(hwalk_argv, out, sizeof out);
				double t_hivex = field_double(out, "seconds");
				double t_floor = child_job(&hive_floor, NULL).seconds;
				rows[R_HWALK].v[i] = t_hivex / t_ours;
				abs_s[R_HWALK][0][i] = t_ours;
				abs_s[R_HWALK][1][i] = t_hivex;
				rows[R_HWALK].n = i + 1;
				rows[R_HFLOOR].v[i] = t_hivex / t_floor;
				abs_s[R_HFLOOR][0][i] = t_floor;
				abs_s[R_HFLOOR][1][i] = t_hivex;
				rows[R_HFLOOR].n = i + 1;
			}
		}
		if (o.big != NULL && o.big_counts != NULL) {
			result r = child_job(&big_get, NULL);
			rows[R_GET_RSS].v[i] = (double)r.growth_kib / 1024.0;
			rows[R_GET_RSS].n = i + 1;
			abs_s[R_GET][0][i] = r.seconds;
			if (o.hivex_walk != NULL) {
				child_exec(hget_argv, out, sizeof out);
				double t_hivex = field_double(out, "seconds");
				rows[R_GET].v[i] = t_hivex / r.seconds;
				abs_s[R_GET][1][i] = t_hivex;
				rows[R_GET].n = i + 1;
				snprintf(rows[R_GET_RSS].detail, sizeof rows[R_GET_RSS].detail,
				         "hivex's growth in the last round: %.1f MiB",
				         (double)field_u64(out, "growth_kib", 10) / 1024.0);
			}
		}
	}
	static const char *const yard_name[R_COUNT] = {
		[R_PARSE] = "iconv", [R_DUMP] = "iconv", [R_WALK] = "iconv",
		[R_HDUMP] = "hivexml", [R_HWALK] = "hivex", [R_HFLOOR] = "hivex", [R_GET] = "hivex",
	};
	for (int k = 0; k < R_COUNT; k++)
		if (yard_name[k] != NULL && rows[k].n > 0)
			snprintf(rows[k].detail, sizeof rows[k].detail,
			         "median s: %s %.4f, %s %.4f", k == R_HFLOOR ? "floor" : "ours",
			         median(abs_s[k][0], rows[k].n),
			         yard_name[k], median(abs_s[k][1], rows[k].n));

	/* --- Python: many short runs, alternating --- */
	if (o.python != NULL && o.pythonpath != NULL) {
		double t_pass[MAX_PY], t_imp[MAX_PY], t_load[MAX_PY];
		if (setenv("PYTHONPATH", o.pythonpath, 1) != 0 || unsetenv("ESPDIAG_LIBRARY") != 0)
			fatal("setenv: %s", strerror(errno));
		child_exec(py_pass, NULL, 0);
		child_exec(py_load, NULL, 0); /* fails here when the library does not load */
		for (int i = 0; i < o.py_runs; i++) {
			t_pass[i] = child_exec(py_pass, NULL, 0);
			t_imp[i] = child_exec(py_import, NULL, 0);
			t_load[i] = child_exec(py_load, NULL, 0);
			rows[R_PY].v[i] = (t_imp[i] - t_pass[i]) * 1000.0;
			rows[R_PY_LOAD].v[i] = (t_load[i] - t_pass[i]) * 1000.0;
		}
		rows[R_PY].n = rows[R_PY_LOAD].n = o.py_runs;
		snprintf(rows[R_PY].detail, sizeof rows[R_PY].detail,
		         "median ms: pass %.1f, import %.1f, import + load %.1f",
		         median(t_pass, o.py_runs) * 1000.0, median(t_imp, o.py_runs) * 1000.0,
		         median(t_load, o.py_runs) * 1000.0);
		snprintf(rows[R_PY_LOAD].detail, sizeof rows[R_PY_LOAD].detail, "%s, PYTHONPATH=%s",
		         o.python, o.pythonpath);
	} else {
		rows[R_PY].skipped = rows[R_PY_LOAD].skipped = "no --python / --pythonpath";
	}

	bool ok = print_table(rows, R_COUNT);
	printf("\n");
	load_average("after");
	return ok ? 0 : 1;
}

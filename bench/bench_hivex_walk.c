/*
 * bench/bench_hivex_walk.c - the hivex side of the hive benchmark: the
 * work bench/bench.c times through libespdiag, done with libhivex's C API
 * the way a hivex program does it, timed the same way (in this process,
 * from before the open to after the close, so that process start-up
 * counts for neither side).
 *
 *   walk FILE              every key (name, last-write time, children)
 *                          and every value (name, type, every data byte)
 *   get FILE PATH VALUE    one value: open, the path's children one by
 *                          one, the value's data
 *
 * Prints one line: "seconds=S keys=K values=V bytes=B sum=X rss_kib=R
 * growth_kib=G" (walk) or "seconds=S data=TEXT rss_kib=R growth_kib=G"
 * (get; TEXT is the REG_SZ as UTF-8); R is the peak RSS, G what the work
 * added to it. Exit status 0, or 1 with a message when hivex fails.
 */
#include <errno.h>
#include <hivex.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct counts {
	uint64_t keys, values, bytes, sum;
} counts;

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

static int fail(const char *what)
{
	fprintf(stderr, "bench_hivex_walk: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Depth-first, as the libespdiag walk in bench.c. */
static int walk(hive_h *h, hive_node_h node, counts *c)
{
	c->keys++;
	char *name = hivex_node_name(h, node);
	if (name == NULL)
		return -1;
	c->sum += strlen(name);
	free(name);
	int64_t t = hivex_node_timestamp(h, node);
	if (t > 0)
		c->sum += (uint64_t)t;
	hive_value_h *values = hivex_node_values(h, node);
	if (values == NULL)
		return -1;
	for (size_t i = 0; values[i] != 0; i++) {
		char *vname = hivex_value_key(h, values[i]);
		hive_type type;
		size_t len;
		char *data = hivex_value_value(h, values[i], &type, &len);
		if (vname == NULL || data == NULL) {
			free(vname);
			free(data);
			free(values);
			return -1;
		}
		uint64_t s = (uint64_t)type + strlen(vname);
		for (size_t j = 0; j < len; j++)
			s += (unsigned char)data[j];
		c->sum += s;
		c->values++;
		c->bytes += len;
		free(vname);
		free(data);
	}
	free(values);
	hive_node_h *children = hivex_node_children(h, node);
	if (children == NULL)
		return -1;
	int rc = 0;
	for (size_t i = 0; children[i] != 0 && rc == 0; i++)
		rc = walk(h, children[i], c);
	free(children);
	return rc;
}

static int do_walk(const char *path)
{
	counts c = { 0 };
	long before = peak_kib();
	double t0 = now();
	hive_h *h = hivex_open(path, 0);
	if (h == NULL)
		return fail(path);
	int rc = walk(h, hivex_root(h), &c);
	hivex_close(h);
	double t = now() - t0;
	if (rc != 0)
		return fail("walk");
	long after = peak_kib();
	printf("seconds=%.6f keys=%" PRIu64 " values=%" PRIu64 " bytes=%" PRIu64 " sum=%" PRIu64
	       " rss_kib=%ld growth_kib=%ld\n", t, c.keys, c.values, c.bytes, c.sum, after,
	       after - before);
	return 0;
}

static int do_get(const char *path, const char *keypath, const char *value)
{
	long before = peak_kib();
	double t0 = now();
	hive_h *h = hivex_open(path, 0);
	if (h == NULL)
		return fail(path);
	hive_node_h node = hivex_root(h);
	char *copy = strdup(keypath), *save = NULL;
	if (copy == NULL)
		return fail("strdup");
	for (char *part = strtok_r(copy, "\\", &save); part != NULL && node != 0;
	     part = strtok_r(NULL, "\\", &save))
		node = hivex_node_get_child(h, node, part);
	free(copy);
	hive_value_h v = node != 0 ? hivex_node_get_value(h, node, value) : 0;
	char *text = v != 0 ? hivex_value_string(h, v) : NULL;
	hivex_close(h);
	double t = now() - t0;
	if (text == NULL) {
		fprintf(stderr, "bench_hivex_walk: %s\\%s: not found\n", keypath, value);
		return 1;
	}
	long after = peak_kib();
	printf("seconds=%.6f data=%s rss_kib=%ld growth_kib=%ld\n", t, text, after, after - before);
	free(text);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "walk") == 0)
		return do_walk(argv[2]);
	if (argc == 5 && strcmp(argv[1], "get") == 0)
		return do_get(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: bench_hivex_walk walk FILE\n"
	                "       bench_hivex_walk get FILE PATH VALUE\n");
	return 2;
}

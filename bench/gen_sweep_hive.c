/*
 * bench/gen_sweep_hive.c - writes the hives of the large-input sweep
 * (bench/sweep.sh, issue 19 item 8) with the test suite's regf writer
 * (tests/regf_writer.c): structured hives of about a given size that
 * stress one dimension each. Deterministic: the bytes depend only on the
 * kind and the size.
 *
 *   wide-keys    ROOT\Sweep\WideKeys with as many subkeys as fit (an ri
 *                list of lh lists of 500, as Windows writes), each with
 *                one DWORD value
 *   wide-values  ROOT\Sweep\WideValues with as many DWORD values as fit
 *   deep         ROOT\Sweep\Deep with as many chains as fit, each 400 keys
 *                deep (one DWORD value per key)
 *
 * On success it prints "kind=K bytes=B keys=N values=V" on standard output.
 *
 * Usage: gen_sweep_hive KIND SIZE OUTPUT     (SIZE in bytes, or with k/M suffix)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regf_writer.h"

#define LH_ITEMS 500
#define DEPTH 400

typedef struct offs {
	uint32_t *v;
	size_t n, cap;
} offs;

static void push(offs *o, uint32_t off)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 1024;
		o->v = realloc(o->v, o->cap * sizeof *o->v);
		if (o->v == NULL) {
			fputs("gen_hive: out of memory\n", stderr);
			exit(1);
		}
	}
	o->v[o->n++] = off;
}

static uint64_t keys, values;

/* A key named name with one DWORD value "v" = data. */
static uint32_t key_with_value(rw_hive *w, const char *name, uint32_t data)
{
	uint32_t k = rw_key_s(w, name);
	uint32_t v = rw_value_s(w, "v", 4, &data, 4);
	rw_set_values(w, k, &v, 1);
	keys++;
	values++;
	return k;
}

/* Points key at its children: one lh list, or an ri list of lh lists. */
static void set_children(rw_hive *w, uint32_t key, const offs *c)
{
	if (c->n <= LH_ITEMS) {
		rw_set_subkeys(w, key, rw_list(w, "lh", c->v, c->n), (uint32_t)c->n);
		return;
	}
	offs lists = { 0 };
	for (size_t i = 0; i < c->n; i += LH_ITEMS) {
		size_t n = c->n - i < LH_ITEMS ? c->n - i : LH_ITEMS;
		push(&lists, rw_list(w, "lh", c->v + i, n));
	}
	rw_set_subkeys(w, key, rw_list(w, "ri", lists.v, lists.n), (uint32_t)c->n);
	free(lists.v);
}

static uint32_t wide_keys(rw_hive *w, size_t size)
{
	offs c = { 0 };
	char name[32];
	for (uint32_t i = 0; w->size < size; i++) {
		snprintf(name, sizeof name, "key%08u", i);
		push(&c, key_with_value(w, name, i));
	}
	uint32_t k = rw_key_s(w, "WideKeys");
	set_children(w, k, &c);
	free(c.v);
	return k;
}

static uint32_t wide_values(rw_hive *w, size_t size)
{
	offs v = { 0 };
	char name[32];
	for (uint32_t i = 0; w->size < size; i++) {
		snprintf(name, sizeof name, "value%08u", i);
		push(&v, rw_value_s(w, name, 4, &i, 4));
		values++;
	}
	uint32_t k = rw_key_s(w, "WideValues");
	rw_set_values(w, k, v.v, v.n);
	free(v.v);
	return k;
}

static uint32_t deep(rw_hive *w, size_t size)
{
	offs chains = { 0 };
	char name[32];
	for (uint32_t c = 0; w->size < size; c++) {
		/* Built from the leaf up: a key's list needs its child. */
		uint32_t below = 0;
		for (uint32_t d = DEPTH; d-- > 0;) {
			if (d == 0)
				snprintf(name, sizeof name, "chain%06u", c);
			else
				snprintf(name, sizeof name, "d%03u", d);
			uint32_t k = key_with_value(w, name, d);
			if (d + 1 < DEPTH)
				rw_set_subkeys(w, k, rw_list(w, "lh", &below, 1), 1);
			below = k;
		}
		push(&chains, below);
	}
	uint32_t k = rw_key_s(w, "Deep");
	set_children(w, k, &chains);
	free(chains.v);
	return k;
}

static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 10);
	if (*end == 'k' || *end == 'K')
		n <<= 10;
	else if (*end == 'M')
		n <<= 20;
	return (size_t)n;
}

int main(int argc, char **argv)
{
	uint32_t (*make)(rw_hive *, size_t) = NULL;
	if (argc == 4 && strcmp(argv[1], "wide-keys") == 0)
		make = wide_keys;
	else if (argc == 4 && strcmp(argv[1], "wide-values") == 0)
		make = wide_values;
	else if (argc == 4 && strcmp(argv[1], "deep") == 0)
		make = deep;
	if (make == NULL) {
		fputs("usage: gen_hive wide-keys|wide-values|deep SIZE OUTPUT\n", stderr);
		return 2;
	}
	rw_hive w;
	rw_init(&w, 5);
	uint32_t payload = make(&w, parse_size(argv[2]));
	uint32_t sweep = rw_key_s(&w, "Sweep");
	rw_set_subkeys(&w, sweep, rw_list(&w, "lh", &payload, 1), 1);
	uint32_t root = rw_key_s(&w, "ROOT");
	rw_set_subkeys(&w, root, rw_list(&w, "lh", &sweep, 1), 1);
	rw_finish(&w, root);
	FILE *f = fopen(argv[3], "wb");
	if (f == NULL || fwrite(w.buf, 1, w.size, f) != w.size || fclose(f) != 0) {
		perror(argv[3]);
		return 1;
	}
	printf("kind=%s bytes=%zu keys=%llu values=%llu\n", argv[1], w.size,
	       (unsigned long long)keys + 3, (unsigned long long)values);
	rw_free(&w);
	return 0;
}

/*
 * tests/check_regf_lazy.c - the hive reader checking bins as they are
 * reached (lib/regf.c "Lazy bins", lib/input.c sparse inputs): the same
 * keys, values and warnings as the walk at open, for a damaged bin deep
 * inside, for the caps and for random damage; a lookup that does not reach
 * a damaged bin does not see it; a big hive read from a file (sparse) reads
 * as the same bytes in memory, its transaction logs replayed too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "pipeline.h"
#include "readers.h"
#include "regf_writer.h"
#include "suites.h"
#include "testutil.h"

#define NKEYS 400 /* keys under the root, each with a 3000-byte value: 1.3 MB */

/* The data cell of ROOT\Far\Deep's value (build_big): alone in the last
 * bins, after every list a lookup reads. */
static uint32_t deep_data;

/* A hive of NKEYS keys K000.. under ROOT, each with a value "v" of 3000
 * bytes (about a bin each) and a DWORD "d", and ROOT\Far\Deep whose value
 * of 6000 bytes comes last; offs[i] gets key i's cell, data[i] its value
 * "v"'s data cell (either may be NULL). */
static void build_big(rw_hive *w, uint32_t *offs, uint32_t *data)
{
	rw_init(w, 5);
	uint32_t root = rw_key_s(w, "ROOT"), kids[NKEYS + 1];
	unsigned char blob[3000];
	for (unsigned i = 0; i < NKEYS; i++) {
		char name[16];
		snprintf(name, sizeof name, "K%03u", i);
		kids[i] = rw_key_s(w, name);
		memset(blob, (int)(i & 0xff), sizeof blob);
		uint32_t dword = i;
		uint32_t v[2] = { rw_value_s(w, "v", 3, blob, sizeof blob),
			          rw_value_s(w, "d", 4, &dword, 4) };
		rw_set_values(w, kids[i], v, 2);
		if (offs != NULL)
			offs[i] = kids[i];
		if (data != NULL)
			data[i] = esp_le32(rw_at(w, v[0]) + 8);
	}
	kids[NKEYS] = rw_key_s(w, "Far");
	uint32_t deep = rw_key_s(w, "Deep");
	rw_set_subkeys(w, root, rw_list(w, "lh", kids, NKEYS + 1), NKEYS + 1);
	rw_set_subkeys(w, kids[NKEYS], rw_list(w, "lh", &deep, 1), 1);
	unsigned char big[6000];
	memset(big, 0x5a, sizeof big);
	uint32_t v = rw_value_s(w, "big", 3, big, sizeof big);
	deep_data = esp_le32(rw_at(w, v) + 8);
	rw_set_values(w, deep, &v, 1);
	rw_finish(w, root);
}

static espdiag_backend *open_mode(const unsigned char *buf, size_t size, int mode,
                                  const espdiag_open_options *opts)
{
	esp_input in;
	esp_err err;
	espdiag_backend *b = NULL;
	esp_input_wrap(&in, buf, size, "big.hive");
	ck_assert_int_eq(esp_regf_open_mode(&b, &in, NULL, NULL, 0, opts, mode, &err), ESPDIAG_OK);
	return b;
}

typedef pipeline_seen seen;

static seen walk_all(espdiag_backend *b)
{
	seen s = { 0xcbf29ce484222325ull, 0, 0 };
	espdiag_node root;
	ck_assert_int_eq(b->root(b, &root), ESPDIAG_OK);
	pipeline_backend_walk(b, root, &s, 0);
	return s;
}

/* The warnings as "offset message" lines, in order (malloc'd). */
static char *warnings_of(espdiag_backend *b)
{
	size_t cap = 256, len = 0;
	char *out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	out[0] = '\0';
	for (size_t i = 0; i < b->warning_count(b); i++) {
		const espdiag_warning *w = b->warning_at(b, i);
		ck_assert_ptr_nonnull(w);
		size_t need = strlen(w->message) + 32;
		while (len + need >= cap) {
			cap *= 2;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
		len += (size_t)sprintf(out + len, "0x%llx %s\n", (unsigned long long)w->offset,
		                       w->message);
	}
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether every line of sub is a line of all, as many times (multisets). */
static bool lines_within(const char *sub, const char *all)
{
	char *a = strdup(sub), *b = strdup(all);
	char *la[4096], *lb[4096];
	size_t na = 0, nb = 0;
	for (char *t = strtok(a, "\n"); t != NULL && na < 4096; t = strtok(NULL, "\n"))
		la[na++] = t;
	for (char *t = strtok(b, "\n"); t != NULL && nb < 4096; t = strtok(NULL, "\n"))
		lb[nb++] = t;
	qsort(la, na, sizeof *la, cmp_str);
	qsort(lb, nb, sizeof *lb, cmp_str);
	size_t j = 0;
	bool ok = true;
	for (size_t i = 0; i < na && ok; i++) {
		while (j < nb && strcmp(lb[j], la[i]) < 0)
			j++;
		ok = j < nb && strcmp(lb[j], la[i]) == 0;
		j++;
	}
	free(a);
	free(b);
	return ok;
}

/* Eager and lazy, each walked whole: same keys and values; the lazy
 * warnings are the eager ones (exp_eager, exp_lazy: exactly, in order,
 * when given). */
static void same_both_ways(const unsigned char *buf, size_t size,
                           const espdiag_open_options *opts, const char *exp_eager,
                           const char *exp_lazy)
{
	espdiag_backend *e = open_mode(buf, size, ESP_REGF_EAGER, opts);
	espdiag_backend *l = open_mode(buf, size, ESP_REGF_LAZY, opts);
	seen se = walk_all(e), sl = walk_all(l);
	ck_assert_uint_eq(sl.keys, se.keys);
	ck_assert_uint_eq(sl.values, se.values);
	ck_assert_uint_eq(sl.digest, se.digest);
	char *we = warnings_of(e), *wl = warnings_of(l);
	if (exp_eager != NULL)
		ck_assert_str_eq(we, exp_eager);
	if (exp_lazy != NULL)
		ck_assert_str_eq(wl, exp_lazy);
	ck_assert(lines_within(wl, we));
	ck_assert(lines_within(we, wl));
	free(we);
	free(wl);
	e->free(e);
	l->free(l);
}

/* ------------------------------------------------------------------ */

START_TEST(t_lazy_clean)
{
	rw_hive w;
	build_big(&w, NULL, NULL);
	ck_assert_uint_gt(w.size, ESP_INPUT_LAZY_MIN);
	same_both_ways(w.buf, w.size, NULL, "", "");
	espdiag_backend *b = open_mode(w.buf, w.size, ESP_REGF_LAZY, NULL);
	seen s = walk_all(b);
	ck_assert_uint_eq(s.keys, NKEYS + 3);
	ck_assert_uint_eq(s.values, 2 * NKEYS + 1);
	b->free(b);
	rw_free(&w);
}
END_TEST

/* A fuzz input (fuzz_hive): the base block's root is no key, and the
 * lookup of it already made the lazy reader check every bin; the root the
 * walk found must still be used, as the eager reader uses it (the lazy
 * open used to fail with "a transaction log ..., not a hive"). */
START_TEST(t_lazy_root_found_by_the_walk)
{
	FILE *f = fopen(TEST_DATA_DIR "/lazy-root-guess.hive", "rb");
	ck_assert_ptr_nonnull(f);
	static unsigned char buf[70000];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	ck_assert_uint_eq(n, 63989);
	same_both_ways(buf, n, NULL, NULL, NULL);
}
END_TEST

/* A cell with a bad size deep inside: the rest of its bin is skipped (a
 * key and a value list with it), the same warnings both ways. */
START_TEST(t_lazy_bad_cell_deep)
{
	rw_hive w;
	uint32_t data[NKEYS];
	build_big(&w, NULL, data);
	rw_put32(w.buf + 4096 + data[300], (uint32_t)-12);
	static const char warnings[] =
		"0x12d020 cell at 0x12d020: bad size -12; the rest of its hbin at 0x12d000 is "
		"skipped\n"
		"0x191020 key at 0x1020: subkey list at 0x191020 entry 301: 0x12dc10 does not start "
		"an allocated cell; skipped\n"
		"0x12cc10 key at 0x12cc10: value list 0x12dc00 does not start an allocated cell; its "
		"values are skipped\n";
	ck_assert_uint_eq(rw_file_off(data[300]), 0x12d020);
	same_both_ways(w.buf, w.size, NULL, warnings, warnings);
	rw_free(&w);
}
END_TEST

/* A bin without its "hbin" deep inside: the walk skips to the next bin,
 * lazily too (reaching it checks every bin). */
START_TEST(t_lazy_bad_hbin_deep)
{
	rw_hive w;
	uint32_t data[NKEYS];
	build_big(&w, NULL, data);
	size_t bin = (4096 + (size_t)data[250]) & ~(size_t)0xfff;
	ck_assert(memcmp(w.buf + bin, "hbin", 4) == 0);
	memcpy(w.buf + bin, "HBIN", 4);
	espdiag_backend *e = open_mode(w.buf, w.size, ESP_REGF_EAGER, NULL);
	walk_all(e);
	char *we = warnings_of(e);
	e->free(e);
	char first[256];
	snprintf(first, sizeof first, "0x%zx no hbin at 0x%zx; skipped to the next hbin at 0x%zx\n",
	         bin, bin, bin + 4096);
	ck_assert(strncmp(we, first, strlen(first)) == 0);
	same_both_ways(w.buf, w.size, NULL, we, NULL);
	free(we);
	rw_free(&w);
}
END_TEST

/* A bin's size field damaged: it claims the next bin, or ends before its
 * cells do. Lazily, the bins around the one reached are looked at too, so
 * the walk at open's reading holds (the root's list, in the bin after the
 * damaged one, is reached first, and lost both ways). */
START_TEST(t_lazy_bin_size_damaged)
{
	rw_hive w;
	build_big(&w, NULL, NULL);
	size_t list_bin = 0x191000, deep_bin = (4096 + (size_t)deep_data) & ~(size_t)0xfff;
	ck_assert(memcmp(w.buf + list_bin - 4096, "hbin", 4) == 0);
	ck_assert_uint_eq(esp_le32(w.buf + list_bin - 4096 + 8), 4096);
	rw_put32(w.buf + list_bin - 4096 + 8, 8192);
	same_both_ways(w.buf, w.size, NULL,
	               "0x191000 cell at 0x191000: size 1852400232 runs past the end of its hbin "
	               "at 0x190000; the rest of the hbin is skipped\n"
	               "0x1020 key at 0x1020: subkey list at 0x191020 does not start an allocated "
	               "cell; its subkeys are skipped\n"
	               "0x1020 key at 0x1020: declares 401 subkeys but its lists hold 0\n",
	               NULL);
	rw_put32(w.buf + list_bin - 4096 + 8, 4096);
	ck_assert_uint_eq(esp_le32(w.buf + deep_bin + 8), 8192);
	rw_put32(w.buf + deep_bin + 8, 4096);
	same_both_ways(w.buf, w.size, NULL,
	               "0x192020 cell at 0x192020: size 6008 runs past the end of its hbin at "
	               "0x192000; the rest of the hbin is skipped\n"
	               "0x193000 no hbin at 0x193000 and none after it; the rest of the hive is "
	               "skipped\n"
	               "0x190c68 key at 0x190c68: value list 0x193798 does not start an allocated "
	               "cell; its values are skipped\n",
	               NULL);
	rw_free(&w);
}
END_TEST

/* Lazily, a lookup that does not reach the damaged bin does not see it;
 * the walk at open does. */
START_TEST(t_lazy_lookup_misses_far_damage)
{
	rw_hive w;
	build_big(&w, NULL, NULL);
	rw_put32(w.buf + 4096 + deep_data, (uint32_t)-12);
	espdiag_backend *bs[2] = { open_mode(w.buf, w.size, ESP_REGF_EAGER, NULL),
		                   open_mode(w.buf, w.size, ESP_REGF_LAZY, NULL) };
	for (int i = 0; i < 2; i++) {
		espdiag_backend *b = bs[i];
		espdiag_node root, k;
		espdiag_backend_value v;
		ck_assert_int_eq(b->root(b, &root), ESPDIAG_OK);
		ck_assert_int_eq(b->subkey_find(b, root, "k005", 4, &k), ESPDIAG_OK);
		ck_assert_int_eq(b->value_at(b, k, 1, &v), ESPDIAG_OK);
		ck_assert_uint_eq(v.size, 4);
		ck_assert_uint_eq(esp_le32(v.data), 5);
		ck_assert_uint_eq(b->warning_count(b), i == 0 ? 1 : 0);
		/* ... until the walk reaches it */
		walk_all(b);
		char *ws = warnings_of(b);
		ck_assert_uint_eq(rw_file_off(deep_data), 0x192020);
		ck_assert_str_eq(ws, "0x192020 cell at 0x192020: bad size -12; the rest of its hbin "
		                     "at 0x192000 is skipped\n"
		                     "0x190c68 key at 0x190c68: value list 0x193798 does not start "
		                     "an allocated cell; its values are skipped\n");
		free(ws);
		b->free(b);
	}
	rw_free(&w);
}
END_TEST

/* The open options' caps hold lazily as they do eagerly, warnings and all. */
START_TEST(t_lazy_caps)
{
	rw_hive w;
	build_big(&w, NULL, NULL);
	espdiag_open_options o = ESPDIAG_OPEN_OPTIONS_INIT;
	o.max_keys = 100;
	o.max_values = 50;
	espdiag_backend *b = open_mode(w.buf, w.size, ESP_REGF_LAZY, &o);
	seen s = walk_all(b);
	ck_assert_uint_eq(s.keys, 100);
	ck_assert_uint_eq(s.values, 50);
	char *wl = warnings_of(b);
	ck_assert_str_eq(wl, "0x191020 subkey list at 0x191020 entry 99: more than 100 keys read "
	                     "from this hive; this and later new keys are left out\n"
	                     "0x1ac00 value list at 0x1ac00 entry 0: more than 50 values read "
	                     "from this hive; this and later values are left out\n");
	free(wl);
	b->free(b);
	same_both_ways(w.buf, w.size, &o, NULL, NULL);
	o = (espdiag_open_options)ESPDIAG_OPEN_OPTIONS_INIT;
	o.max_value_size = 100;
	o.max_depth = 1;
	same_both_ways(w.buf, w.size, &o, NULL, NULL);
	rw_free(&w);
}
END_TEST

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random damage: the same keys and values both ways; the lazy warnings
 * are among the eager ones (a damaged bin nothing reaches goes unseen). */
START_TEST(t_lazy_random_damage)
{
	rw_hive w;
	build_big(&w, NULL, NULL);
	unsigned char *copy = malloc(w.size);
	ck_assert_ptr_nonnull(copy);
	uint64_t seed = 0x2545F4914F6CDD1Dull;
	const char *q = getenv("ESPDIAG_TEST_QUICK");
	int rounds = q != NULL && *q != '\0' && strcmp(q, "0") != 0 ? 20 : 150;
	for (int round = 0; round < rounds; round++) {
		memcpy(copy, w.buf, w.size);
		int flips = 1 + (int)(rng_next(&seed) % 16);
		for (int i = 0; i < flips; i++) {
			size_t at = 4096 + (size_t)(rng_next(&seed) % (w.size - 4096));
			/* a third of them on bin headers */
			if (rng_next(&seed) % 3 == 0)
				at = (at & ~(size_t)0xfff) + rng_next(&seed) % 12;
			copy[at] ^= (unsigned char)(1u << (rng_next(&seed) % 8));
		}
		esp_input in;
		esp_err err;
		espdiag_backend *e = NULL, *l = NULL;
		esp_input_wrap(&in, copy, w.size, "big.hive");
		int re = esp_regf_open_mode(&e, &in, NULL, NULL, 0, NULL, ESP_REGF_EAGER, &err);
		esp_input_wrap(&in, copy, w.size, "big.hive");
		int rl = esp_regf_open_mode(&l, &in, NULL, NULL, 0, NULL, ESP_REGF_LAZY, &err);
		ck_assert_int_eq(rl, re);
		if (re != ESPDIAG_OK)
			continue;
		seen se = walk_all(e), sl = walk_all(l);
		ck_assert_uint_eq(sl.keys, se.keys);
		ck_assert_uint_eq(sl.values, se.values);
		ck_assert_uint_eq(sl.digest, se.digest);
		char *we = warnings_of(e), *wl = warnings_of(l);
		ck_assert_msg(lines_within(wl, we), "round %d:\nlazy:\n%s\neager:\n%s", round, wl, we);
		free(we);
		free(wl);
		e->free(e);
		l->free(l);
	}
	free(copy);
	rw_free(&w);
}
END_TEST

/* ------------------------------------------------------------------ */
/* a big hive from a file: sparse */

static const char *temp_file(const void *data, size_t size, const char *name)
{
	static char path[128];
	snprintf(path, sizeof path, "/tmp/check_regf_lazy_%ld_%s", (long)getpid(), name);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, size, f), size);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

START_TEST(t_sparse_input)
{
	rw_hive w;
	build_big(&w, NULL, NULL);
	const char *path = temp_file(w.buf, w.size, "SOFTWARE");
	esp_input in;
	esp_err err;
	ck_assert_int_eq(esp_input_open_file_lazy(&in, path, UINT64_MAX, &err), ESPDIAG_OK);
	ck_assert_ptr_nonnull(in.fetch);
	ck_assert_uint_eq(in.size, w.size);
	/* the head is there; the rest reads as zeros until fetched */
	ck_assert(memcmp(in.data, w.buf, 65536) == 0);
	size_t far = w.size - 8192;
	ck_assert(memcmp(in.data + far, "\0\0\0\0\0\0\0\0", 8) == 0);
	ck_assert_int_eq(esp_input_fetch(&in, far, far + 100), ESPDIAG_OK);
	ck_assert(memcmp(in.data + (far & ~(size_t)4095), w.buf + (far & ~(size_t)4095), 4096) == 0);
	/* a file cut short after it was opened: what is past its end stays zeros */
	ck_assert_int_eq(truncate(path, (off_t)(w.size / 2)), 0);
	ck_assert_int_eq(esp_input_fetch(&in, 0, in.size), ESPDIAG_EIO);
	ck_assert(memcmp(in.data, w.buf, w.size / 2) == 0);
	ck_assert(memcmp(in.data + w.size - 8, "\0\0\0\0\0\0\0\0", 8) == 0);
	esp_input_release(&in);
	/* not a hive: read whole */
	unsigned char *text = calloc(1, ESP_INPUT_LAZY_MIN + 10);
	memcpy(text, "REGEDIT4\r\n", 10);
	path = temp_file(text, ESP_INPUT_LAZY_MIN + 10, "text.reg");
	ck_assert_int_eq(esp_input_open_file_lazy(&in, path, UINT64_MAX, &err), ESPDIAG_OK);
	ck_assert_ptr_null(in.fetch);
	esp_input_release(&in);
	unlink(path);
	free(text);
	unlink(temp_file("", 0, "SOFTWARE"));
	rw_free(&w);
}
END_TEST

/* The whole path: a big hive file opened by name reads as the same bytes
 * opened from memory, warnings and all (a damaged bin deep inside). */
START_TEST(t_sparse_file_as_memory)
{
	rw_hive w;
	uint32_t data[NKEYS];
	build_big(&w, NULL, data);
	rw_put32(w.buf + 4096 + data[333], (uint32_t)-12);
	const char *path = temp_file(w.buf, w.size, "big.hive");
	espdiag_registry *a = NULL, *b = NULL;
	ck_assert_int_eq(espdiag_registry_new(&a), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_new(&b), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(a, path, "HKEY_LOCAL_MACHINE\\T", NULL),
	                 ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_memory(b, w.buf, w.size, path,
	                                              "HKEY_LOCAL_MACHINE\\T", NULL),
	                 ESPDIAG_OK);
	const espdiag_key *ka, *kb;
	ck_assert_int_eq(espdiag_registry_key(&ka, a, "HKEY_LOCAL_MACHINE\\T\\K333"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_key(&kb, b, "HKEY_LOCAL_MACHINE\\T\\K333"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_value_count(ka), espdiag_key_value_count(kb));
	size_t na = espdiag_registry_warning_count(a), nb = espdiag_registry_warning_count(b);
	ck_assert_uint_gt(nb, 0);
	/* lazily, the bin's warning and what it cost K333 were found by
	 * reading K333 */
	ck_assert_uint_eq(na, 3);
	for (size_t i = 0; i < na; i++) {
		const espdiag_warning *wa = espdiag_registry_warning_at(a, i, NULL);
		bool found = false;
		for (size_t j = 0; j < nb && !found; j++) {
			const espdiag_warning *wb = espdiag_registry_warning_at(b, j, NULL);
			found = strcmp(wa->message, wb->message) == 0 && wa->offset == wb->offset;
		}
		ck_assert_msg(found, "%s", wa->message);
	}
	espdiag_registry_free(a);
	espdiag_registry_free(b);
	unlink(path);
	rw_free(&w);
}
END_TEST

/* The DWORD "d" of HKEY_LOCAL_MACHINE\T\K005 in the hive file at path
 * (opened by name, so sparse), and the view's warning count. */
static uint32_t k005_d(const char *path, size_t *warnings, const char **log_replay)
{
	espdiag_registry *reg = NULL;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(reg, path, "HKEY_LOCAL_MACHINE\\T", NULL),
	                 ESPDIAG_OK);
	const espdiag_key *k;
	const espdiag_value *v;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKEY_LOCAL_MACHINE\\T\\K005"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_key_value(&v, k, "d"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_value_size(v), 4);
	uint32_t d = esp_le32(espdiag_value_data(v));
	*warnings = espdiag_registry_warning_count(reg);
	const char *p = espdiag_registry_source_property(reg, 0, "log_replay");
	*log_replay = p != NULL ? "yes" : NULL;
	espdiag_registry_free(reg);
	return d;
}

/* A big dirty hive file with its LOG1 beside it: the log is replayed into
 * a private copy of the whole file, as for a hive read whole. */
START_TEST(t_sparse_dirty_replayed)
{
	rw_hive w;
	uint32_t offs[NKEYS];
	build_big(&w, offs, NULL);
	/* K005's "d" vk: the second entry of its value list */
	unsigned char *nk = rw_at(&w, offs[5]);
	uint32_t vk = esp_le32(rw_at(&w, esp_le32(nk + 40)) + 4);
	ck_assert_uint_eq(esp_le32(rw_at(&w, vk) + 8), 5);
	/* the file as written before the last change: d = 999, dirty */
	unsigned char *old = malloc(w.size);
	ck_assert_ptr_nonnull(old);
	memcpy(old, w.buf, w.size);
	rw_put32(old + 4096 + vk + 4 + 8, 999);
	rw_put32(old + 4, 10);
	rw_put32(old + 8, 9);
	rw_hive o = w;
	o.buf = old;
	rw_checksum(&o);
	rw_log l;
	rw_log_init(&l, w.buf, 6, 10);
	uint32_t page = (vk + 4) & ~0xfffu;
	rw_log_entry(&l, 10, (uint32_t)(w.size - 4096), w.buf, &page, 1);
	char hive[256], log[300];
	snprintf(hive, sizeof hive, "%s", temp_file(old, w.size, "dirty.hive"));
	size_t nw;
	const char *replayed;
	/* without its log: the file as it is, and the dirty warning */
	ck_assert_uint_eq(k005_d(hive, &nw, &replayed), 999);
	ck_assert_uint_eq(nw, 1);
	ck_assert_ptr_null(replayed);
	snprintf(log, sizeof log, "%s.LOG1", hive);
	FILE *f = fopen(log, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(l.buf, 1, l.size, f), l.size);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_uint_eq(k005_d(hive, &nw, &replayed), 5);
	ck_assert_uint_eq(nw, 0);
	ck_assert_ptr_nonnull(replayed);
	unlink(log);
	unlink(hive);
	rw_log_free(&l);
	free(old);
	rw_free(&w);
}
END_TEST

Suite *suite_regf_lazy(void)
{
	Suite *s = suite_create("regf_lazy");
	TCase *tc = tcase_create("lazy");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t_lazy_clean);
	tcase_add_test(tc, t_lazy_root_found_by_the_walk);
	tcase_add_test(tc, t_lazy_bad_cell_deep);
	tcase_add_test(tc, t_lazy_bad_hbin_deep);
	tcase_add_test(tc, t_lazy_bin_size_damaged);
	tcase_add_test(tc, t_lazy_lookup_misses_far_damage);
	tcase_add_test(tc, t_lazy_caps);
	tcase_add_test(tc, t_lazy_random_damage);
	tcase_add_test(tc, t_sparse_input);
	tcase_add_test(tc, t_sparse_file_as_memory);
	tcase_add_test(tc, t_sparse_dirty_replayed);
	suite_add_tcase(s, tc);
	return s;
}

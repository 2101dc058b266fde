/*
 * tests/check_regf.c - the regf hive reader: small hives built by the
 * test-only writer (every list kind, inline and big data, both name
 * encodings, each kind of damage with its exact warning), random damage
 * (no crash, no hang), and the differential test against libhivex over
 * ../shared/corpus/hives (skipped without the corpus).
 *
 * ESPDIAG_TEST_QUICK=1 or ESPDIAG_TEST_UNDER_VALGRIND=1 (CI's valgrind
 * run) skips the corpus hives larger than 4 MB and shortens the
 * random-damage loop.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef HAVE_HIVEX
#include <hivex.h>
#endif

#include "internal.h"
#include "readers.h"
#include "regf_writer.h"
#include "suites.h"
#include "testutil.h"

static bool env_set(const char *name)
{
	const char *v = getenv(name);
	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

static bool quick(void)
{
	return env_set("ESPDIAG_TEST_QUICK") || env_set("ESPDIAG_TEST_UNDER_VALGRIND");
}

/* ------------------------------------------------------------------ */
/* helpers */

/* Opens the writer's bytes as a backend (the bytes stay w's). */
static espdiag_backend *open_hive(rw_hive *w, int *status)
{
	esp_input in;
	esp_err err;
	espdiag_backend *b = NULL;
	esp_input_wrap(&in, w->buf, w->size, "test.hive");
	int rc = esp_regf_open(&b, &in, NULL, &err);
	if (status != NULL)
		*status = rc;
	return rc == ESPDIAG_OK ? b : NULL;
}

static espdiag_node root_of(espdiag_backend *b)
{
	espdiag_node n = 0;
	ck_assert_int_eq(b->root(b, &n), ESPDIAG_OK);
	return n;
}

static size_t nsub(espdiag_backend *b, espdiag_node n)
{
	size_t c = 99999;
	ck_assert_int_eq(b->subkey_count(b, n, &c), ESPDIAG_OK);
	return c;
}

static size_t nval(espdiag_backend *b, espdiag_node n)
{
	size_t c = 99999;
	ck_assert_int_eq(b->value_count(b, n, &c), ESPDIAG_OK);
	return c;
}

static espdiag_node sub_at(espdiag_backend *b, espdiag_node n, size_t i)
{
	espdiag_node c = 0;
	ck_assert_int_eq(b->subkey_at(b, n, i, &c), ESPDIAG_OK);
	return c;
}

/* The key's name as a NUL-terminated copy in a static buffer. */
static const char *kname(espdiag_backend *b, espdiag_node n)
{
	static char buf[1024];
	const char *s;
	size_t len;
	ck_assert_int_eq(b->key_name(b, n, &s, &len), ESPDIAG_OK);
	ck_assert_uint_lt(len, sizeof buf);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

static espdiag_backend_value val_at(espdiag_backend *b, espdiag_node n, size_t i)
{
	espdiag_backend_value v;
	memset(&v, 0, sizeof v);
	ck_assert_int_eq(b->value_at(b, n, i, &v), ESPDIAG_OK);
	return v;
}

/* Asserts that warning i is exactly msg at offset off. */
static void expect_warning(espdiag_backend *b, size_t i, uint64_t off, const char *msg)
{
	ck_assert_uint_gt(b->warning_count(b), i);
	const espdiag_warning *w = b->warning_at(b, i);
	ck_assert_ptr_nonnull(w);
	ck_assert_str_eq(w->message, msg);
	ck_assert_uint_eq(w->offset, off);
	ck_assert_uint_eq(w->line, 0);
	ck_assert_uint_eq(w->column, 0);
}

static volatile unsigned walk_sink;

/* Counts every key below n (n included), visiting every value. */
static size_t walk_all(espdiag_backend *b, espdiag_node n)
{
	size_t keys = 1, c = 0, v = 0;
	const char *s;
	size_t len;
	uint64_t t;
	b->key_name(b, n, &s, &len);
	b->key_last_write(b, n, &t);
	if (b->value_count(b, n, &v) == ESPDIAG_OK) {
		for (size_t i = 0; i < v; i++) {
			espdiag_backend_value val;
			if (b->value_at(b, n, i, &val) == ESPDIAG_OK) {
				/* read every byte handed out (valgrind and ASan see a bad range) */
				unsigned sum = 0;
				for (size_t j = 0; j < val.size; j++)
					sum += val.data[j];
				for (size_t j = 0; j < val.name_len; j++)
					sum += (unsigned char)val.name[j];
				walk_sink += sum;
			}
		}
	}
	if (b->subkey_count(b, n, &c) == ESPDIAG_OK) {
		for (size_t i = 0; i < c; i++) {
			espdiag_node k, f;
			if (b->subkey_at(b, n, i, &k) != ESPDIAG_OK)
				continue;
			if (b->key_name(b, k, &s, &len) == ESPDIAG_OK && len < 256) {
				char name[256];
				memcpy(name, s, len);
				/* may miss when damage broke a list hash: no assertion */
				b->subkey_find(b, n, name, len, &f);
			}
			keys += walk_all(b, k);
		}
	}
	return keys;
}

/* A root with subkeys A, b, C, ... (n of them) under one list of kind. */
static uint32_t add_kids(rw_hive *w, uint32_t *kids, size_t n)
{
	static const char *names[] = { "Alpha", "beta", "Gamma", "delta", "Epsilon", "zeta" };
	for (size_t i = 0; i < n; i++)
		kids[i] = rw_key_s(w, names[i]);
	return 0;
}

/* ------------------------------------------------------------------ */
/* list kinds */

static void check_six(espdiag_backend *b)
{
	static const char *names[] = { "Alpha", "beta", "Gamma", "delta", "Epsilon", "zeta" };
	espdiag_node r = root_of(b), f;
	ck_assert_uint_eq(nsub(b, r), 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(kname(b, sub_at(b, r, i)), names[i]);
	ck_assert_int_eq(b->subkey_find(b, r, "GAMMA", 5, &f), ESPDIAG_OK);
	ck_assert_uint_eq(f, sub_at(b, r, 2));
	ck_assert_int_eq(b->subkey_find(b, r, "ZETA", 4, &f), ESPDIAG_OK);
	ck_assert_uint_eq(f, sub_at(b, r, 5));
	ck_assert_int_eq(b->subkey_find(b, r, "Alph", 4, &f), ESPDIAG_NOTFOUND);
	ck_assert_int_eq(b->subkey_find(b, r, "Alphas", 6, &f), ESPDIAG_NOTFOUND);
	ck_assert_uint_eq(b->warning_count(b), 0);
}

static void list_kind(const char *kind)
{
	rw_hive w;
	uint32_t kids[6];
	rw_init(&w, 5);
	uint32_t root = rw_key_s(&w, "ROOT");
	add_kids(&w, kids, 6);
	rw_set_subkeys(&w, root, rw_list(&w, kind, kids, 6), 6);
	rw_finish(&w, root);
	espdiag_backend *b = open_hive(&w, NULL);
	ck_assert_ptr_nonnull(b);
	check_six(b);
	ck_assert_str_eq(b->property(b, "format"), "hive");
	ck_assert_str_eq(b->property(b, "dialect"), "regf 1.5");
	b->free(b);
	rw_free(&w);
}

START_TEST(t_list_lf) { list_kind("lf"); }
END_TEST
START_TEST(t_list_lh) { list_kind("lh"); }
END_TEST
START_TEST(t_list_li) { list_kind("li"); }
END_TEST

START_TEST(t_list_ri)
{
	/* An ri over an lh, an li and an lf list, as 2 + 2 + 2 keys. */
	rw_hive w;
	uint32_t kids[6];
	rw_init(&w, 5);
	uint32_t root = rw_key_s(&w, "ROOT");
	add_kids(&w, kids, 6);
	uint32_t lists[3] = { rw_list(&w, "lh", kids, 2), rw_list(&w, "li", kids + 2, 2),
		              rw_list(&w, "lf", kids + 4, 2) };
	rw_set_subkeys(&w, root, rw_list(&w, "ri", lists, 3), 6);
	rw_finish(&w, root);
	espdiag_backend *b = open_hive(&w, NULL);
	ck_assert_ptr_nonnull(b);
	check_six(b);
	b->free(b);
	rw_free(&w);
}
END_TEST

START_TEST(t_nested_and_times)
{
	rw_hive w;
	rw_init(&w, 3);
	uint32_t root = rw_key_s(&w, "ROOT");
	uint32_t a = rw_key_s(&w, "A"), bb = rw_key_s(&w, "B");
	rw_set_subkeys(&w, a, rw_list(&w, "lh", &bb, 1), 1);
	rw_set_subkeys(&w, root, rw_list(&w, "lh", &a, 1), 1);
	rw_put32(rw_at(&w, bb) + 4, 0x11223344u);
	rw_put32(rw_at(&w, bb) + 8, 0x01D55667u);
	rw_finish(&w, root);
	espdiag_backend *b = open_hive(&w, NULL);
	ck_assert_ptr_nonnull(b);
	espdiag_node r = root_of(b), na, nb;
	ck_assert_uint_eq(r, rw_file_off(root));
	ck_assert_int_eq(b->subkey_find(b, r, "a", 1, &na), ESPDIAG_OK);
	ck_assert_int_eq(b->subkey_find(b, na, "b", 1, &nb), ESPDIAG_OK);
	ck_assert_uint_eq(nb, rw_file_off(bb));
	uint64_t t = 0;
	ck_assert_int_eq(b->key_last_write(b, nb, &t), ESPDIAG_OK);
	ck_assert_uint_eq(t, 0x01D5566711223344ull);
	ck_assert_uint_eq(nsub(b, nb), 0);
	ck_assert_uint_eq(nval(b, nb), 0);
	ck_assert_str_eq(b->property(b, "dialect"), "regf 1.3");
	ck_assert_uint_eq(b->warning_count(b), 0);
	b->free(b);
	rw_free(&w);
}
END_TEST

/* ------------------------------------------------------------------ */
/* values */

START_TEST(t_inline_data)
{
	rw_hive w;
	rw_init(&w, 5);
	uint32_t root = rw_key_s(&w, "ROOT");
	uint32_t v[6];
	v[0] = rw_value_s(&w, "", 1, "", 0);
	v[1] = rw_value_s(&w, "one", 3, "\x01", 1);
	v[2] = rw_value_s(&w, "two", 3, "\x01\x02", 2);
	v[3] = rw_value_s(&w, "three", 3, "\x01\x02\x03", 3);
	v[4] = rw_value_s(&w, "dword", 4, "\x78\x56\x34\x12", 4);
	v[5] = rw_value_s(&w, "odd type", 0x10000005u, "abcdefgh", 8);
	rw_set_values(&w, root, v, 6);
	rw_finish(&w, root);
	espdiag_backend *b = open_hive(&w, NULL);
	ck_assert_ptr_nonnull(b);
	espdiag_node r = root_of(b);
	ck_assert_uint_eq(nval(b, r), 6);
	espdiag_backend_value x = val_at(b, r, 0);
	ck_assert_uint_eq(x.name_len, 0);
	ck_assert_uint_eq(x.size, 0);
	ck_assert_uint_eq(x.type, 1);
	for (size_t i = 1; i <= 4; i++) {
		x = val_at(b, r, i);
		ck_assert_uint_eq(x.size, i == 4 ? 4 : i);
		ck_assert_mem_eq(x.data, i == 4 ? "\x78\x56\x34\x12" : "\x01\x02\x03", x.size);
	}
	x = val_at(b, r, 4);
	ck_assert_uint_eq(x.type, 4);
	ck_assert_uint_eq(x.name_len, 5);
	ck_assert_mem_eq(x.name, "dword", 5);
	/* the data of a 4-byte value is served from the vk cell itself */
	ck_assert_ptr_eq(x.data, rw_at(&w, v[4]) + 8);
	x = val_at(b, r, 5);
	ck_assert_uint_eq(x.type, 0x10000005u);
	ck_assert_uint_eq(x.size, 8);
	ck_assert_mem_eq(x.data, "abcdefgh", 8);
	ck_assert_ptr_eq(x.data, rw_at(&w, rw_at(&w, v[5])[8] | rw_at(&w, v[5])[9] << 8));
	ck_assert_uint_eq(b->warning_count(b), 0);
	ck_assert_int_eq(b->value_at(b, r, 6, &x), ESPDIAG_NOTFOUND);
	b->free(b);
	rw_free(&w);
}
END_TEST

START_TEST(t_big_data)
{
	rw_hive w;
	rw_init(&w, 5);
	size_t size = 40000;
	unsigned char *data = malloc(size);
	for (size_t i = 0; i < size; i++)
		data[i] = (unsigned char)(i * 7 + i / 256);
	uint32_t root = rw_key_s(&w, "ROOT");
	uint32_t v[2] = { rw_value_s(&w, "big", 3, data, size),
		          rw_value_s(&w, "exact", 3, data, 16344) };
	rw_set_values(&w, root, v, 2);
	rw_finish(&w, root);
	espdiag_backend *b = open_hive(&w, NULL);
	ck_assert_ptr_nonnull(b);
	espdiag_node r = root_of(b);
	espdiag_backend_value x = val_at(b, r, 0), y = val_at(b, r, 0);
	ck_assert_uint_eq(x.size, size);
	ck_assert_mem_eq(x.data, data, size);
	ck_assert_ptr_eq(x.data, y.data); /* assembled once */
	x = val_at(b, r, 1);
	ck_assert_uint_eq(x.size, 16344);
	ck_assert_mem_eq(x.data, data, 16344);
	ck_assert_uint_eq(b->warning_count(b), 0);
	b->free(b);
	rw_free(&w);
	free(data);
}
END_TEST

START_TEST(t_names)
{
	/* Latin-1 (ASCII flag, byte 0xE9), UTF-16LE, and an embedded NUL. */
	rw_hive w;
	rw_init(&w, 5);
	uint32_t root = rw_key_s(&w, "ROOT");
	uint32_t k[4] = { rw_key(&w, "caf\xe9", 4, true), rw_key(&w, "\xd0\x9a\xd0\xbb\xd1\x8e\xd1\x87", 8, false),
		          rw_key(&w, "a\0b", 3, true), rw_key(&w, "x\0\xc3\xa9", 4, false) };
	rw_set_subkeys(&w, root, rw_list(&w, "lh", k, 4), 4);
	uint32_t v[2] = { rw_value(&w, "\xb5s", 2, true, 3, "zz", 2),
		          rw_value(&w, "\xe2\x82\xac", 3, false, 3, "yy", 2) };
	rw_set_values(&w, k[0], v, 2);
	rw_finish(&w, root);
	espdiag_backend *b = open_hive(&w, NULL);
	ck_assert_ptr_nonnull(b);
	espdiag_node r = root_of(b), f;
	ck_assert_uint_eq(nsub(b, r), 4);
	const char *s, *s2;
	size_t len;
	ck_assert_str_eq(kname(b, sub_at(b, r, 0)), "caf\xc3\xa9");
	ck_assert_str_eq(kname(b, sub_at(b, r, 1)), "\xd0\x9a\xd0\xbb\xd1\x8e\xd1\x87");
	ck_assert_int_eq(b->key_name(b, sub_at(b, r, 2), &s, &len), ESPDIAG_OK);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(s, "a\0b", 3);
	ck_assert_int_eq(b->key_name(b, sub_at(b, r, 3), &s, &len), ESPDIAG_OK);
	ck_assert_uint_eq(len, 4);
	ck_assert_mem_eq(s, "x\0\xc3\xa9", 4);
	/* converted once: the same bytes on the second call */
	ck_assert_int_eq(b->key_name(b, sub_at(b, r, 3), &s2, &len), ESPDIAG_OK);
	ck_assert_ptr_eq(s, s2);
	ck_assert_int_eq(b->subkey_find(b, r, "CAF\xc3\x89", 5, &f), ESPDIAG_OK);
	ck_assert_uint_eq(f, sub_at(b, r, 0));
	ck_assert_int_eq(b->subkey_find(b, r, "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87", 8, &f),
	                 ESPDIAG_OK);
	ck_assert_uint_eq(f, sub_at(b, r, 1));
	ck_assert_int_eq(b->subkey_find(b, r, "A\0B", 3, &f), ESPDIAG_OK);
	ck_assert_uint_eq(f, sub_at(b, r, 2));
	espdiag_node c = sub_at(b, r, 0);
	espdiag_backend_value x = val_at(b, c, 0);
	ck_assert_uint_eq(x.name_len, 3);
	ck_assert_mem_eq(x.name, "\xc2\xb5s", 3);
	x = val_at(b, c, 1);
	ck_assert_uint_eq(x.name_len, 3);
	ck_assert_mem_eq(x.name, "\xe2\x82\xac", 3);
	ck_assert_uint_eq(b->warning_count(b), 0);
	b->free(b);
	rw_free(&w);
}
END_TEST

/* ------------------------------------------------------------------ */
/* base block, bins, cells */

/* A hive with root ROOT > {K1 > {K2}}, K1 with a value "v" = "hello!". */
typedef struct small {
	rw_hive w;
	uint32_t root, k1, k2, list_root, list_k1, vk, vlist;
} small;

static void small_build(small *s, unsigned minor)
{
	rw_init(&s->w, minor);
	s->root = rw_key_s(&s->w, "ROOT");
	s->k1 = rw_key_s(&s->w, "K1");
	s->k2 = rw_key_s(&s->w, "K2");
	s->list_k1 = rw_list(&s->w, "lh", &s->k2, 1);
	rw_set_subkeys(&s->w, s->k1, s->list_k1, 1);
	s->list_root = rw_list(&s->w, "lh", &s->k1, 1);
	rw_set_subkeys(&s->w, s->root, s->list_root, 1);
	s->vk = rw_value_s(&s->w, "v", 3, "hello!", 6);
	rw_set_values(&s->w, s->k1, &s->vk, 1);
	unsigned char *k1 = rw_at(&s->w, s->k1);
	s->vlist = (uint32_t)(k1[40] | k1[41] << 8 | k1[42] << 16 | (uint32_t)k1[43] << 24);
	rw_finish(&s->w, s->root);
}

START_TEST(t_bad_checksum)
{
	small s;
	small_build(&s, 5);
	s.w.buf[508] ^= 0x5A;
	espdiag_backend *b = open_hive(&s.w, NULL);
	ck_assert_ptr_nonnull(b);
	char msg[160];
	unsigned stored = s.w.buf[508] | s.w.buf[509] << 8 | s.w.buf[510] << 16 |
	                  (unsigned)s.w.buf[511] << 24;
	snprintf(msg, sizeof msg,
	         "base block: checksum 0x%08x does not match the computed 0x%08x", stored,
	         stored ^ 0x5A);
	expect_warning(b, 0, 508, msg);
	ck_assert_uint_eq(b->warning_count(b), 1);
	ck_assert_uint_eq(walk_all(b, root_of(b)), 3);
	b->free(b);
	rw_free(&s.w);
}
END_TEST

START_TEST(t_checksum_fixups)
{
	/* A base block whose XOR is 0 stores 1; one whose XOR is ~0 stores ~1. */
	small s;
	small_build(&s, 5);
	uint32_t sum = 0;
	for (size_t i = 0; i < 508; i += 4)
		sum ^= (uint32_t)(s.w.buf[i] | s.w.buf[i + 1] << 8 | s.w.buf[i + 2] << 16 |
		                  (uint32_t)s.w.buf[i + 3] << 24);
	/* make the XOR 0 by storing sum in an unused field (offset 112) */
	rw_put32(s.w.buf + 112, sum);
	rw_put32(s.w.buf + 508, 1);
	espdiag_backend *b = open_hive(&s.w, NULL);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(b->warning_count(b), 0);
	b->free(b);
	rw_put32(s.w.buf + 112, sum ^ 0xFFFFFFFFu);
	rw_put32(s.w.buf + 508, 0xFFFFFFFEu);
	b = open_hive(&s.w, NULL);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(b->warning_count(b), 0);
	b->free(b);
	rw_free(&s.w);
}
END_TEST

START_TEST(t_dirty)
{
	small s;
	small_build(&s, 5);
	rw_put32(s.w.buf + 4, 7);
	rw_checksum(&s.w);
	espdiag_backend *b = open_hive(&s.w, NULL);
	ck_assert_ptr_nonnull(b);
	expect_warning(b, 0, 4,
	               "base block: sequence numbers 7 and 1 differ: the hive is dirty (its "
	               "transaction logs are not applied)");
	ck_assert_uint_eq(walk_all(b, root_of(b)), 3);
	b->free(b);
	rw_free(&s.w);
}
END_TEST

START_TEST(t_not_a_hive)
{
	small s;
	small_build(&s, 5);
	int rc;
	/* too short */
	size_t full = s.w.size;
	s.w.size = 4096;
	ck_assert_ptr_null(open_hive(&s.w, &rc));
	ck_assert_int_eq(rc, ESPDIAG_EFORMAT);
	s.w.size = full;
	/* major version 2 */
	rw_put32(s.w.buf + 20, 2);
	ck_assert_ptr_null(open_hive(&s.w, &rc));
	ck_assert_int_eq(rc, ESPDIAG_EFORMAT);
	rw_put32(s.w.buf + 20, 1);
	/* a root offset that names nothing, and no key flagged as root */
	rw_put32(s.w.buf + 36, 0x123458);
	unsigned char *r = rw_at(&s.w, s.root);
	r[2] &= (unsigned char)~0x04;
	ck_assert_ptr_null(open_hive(&s.w, &rc));
	ck_assert_int_eq(rc, ESPDIAG_EFORMAT);
	/* ... and said to be a transaction log when the base block says so */
	rw_put32(s.w.buf + 28, 6);
	esp_input in;
	esp_err err;
	espdiag_backend *b = NULL;
	esp_input_wrap(&in, s.w.buf, s.w.size, "SYSTEM.LOG1");
	ck_assert_int_eq(esp_regf_open(&b, &in, NULL, &err), ESPDIAG_EFORMAT);
	ck_assert_str_eq(err.msg, "SYSTEM.LOG1: a transaction log (file type 6), not a hive; "
	                          "logs are not read");
	ck_assert_int_eq(esp_regf_bid((const unsigned char *)"regf", 4), 100);
	ck_assert_int_eq(esp_regf_bid((const unsigned char *)"REGEDIT4", 8), 0);
	rw_free(&s.w);
}
END_TEST

START_TEST(t_root_recovered)
{
	/* the root offset is damaged but the root key carries its flag */
	small s;
	small_build(&s, 5);
	rw_put32(s.w.buf + 36, 0x123458);
	rw_checksum(&s.w);
	espdiag_backend *b = open_hive(&s.w, NULL);
	ck_assert_ptr_nonnull(b);
	char msg[160];
	snprintf(msg, sizeof msg,
	         "base block: root key offset 0x124458 is not a key; using the root key found "
	         "at 0x%llx", (unsigned long long)rw_file_off(s.root));
	expect_warning(b, 0, 36, msg);
	ck_assert_uint_eq(walk_all(b, root_of(b)), 3);
	b->free(b);
	rw_free(&s.w);
}
END_TEST

/* A key whose name length runs past its cell keeps its name cut to the
 * cell, and its subtree; so does a value, and so does the root. */
START_TEST(t_name_past_cell)
{
	small s;
	small_build(&s, 5);
	rw_put16(rw_at(&s.w, s.k1) + 72, 0x4000);
	rw_put16(rw_at(&s.w, s.vk) + 2, 0x300);
	espdiag_backend *b = open_hive(&s.w, NULL);
	ck_assert_ptr_nonnull(b);
	espdiag_node r = root_of(b), k1 = sub_at(b, r, 0);
	ck_assert_uint_eq(b->warning_count(b), 1);
	char msg[200];
	unsigned long long at = rw_file_off(s.k1);
	/* K1's cell holds 76 + 2 name bytes, padded to 84: the padding is zeros */
	snprintf(msg, sizeof msg,
	         "key at 0x%llx: name length 16384 runs past its cell (room for 8 bytes); "
	         "name cut to 2 bytes", at);
	expect_warning(b, 0, at, msg);
	ck_assert_str_eq(kname(b, k1), "K1");
	ck_assert_uint_eq(nsub(b, k1), 1);
	ck_assert_str_eq(kname(b, sub_at(b, k1, 0)), "K2");
	ck_assert_uint_eq(nval(b, k1), 1);
	espdiag_backend_value v = val_at(b, k1, 0);
	ck_assert_uint_eq(v.name_len, 1);
	ck_assert_mem_eq(v.name, "v", 1);
	ck_assert_mem_eq(v.data, "hello!", 6);
	at = rw_file_off(s.vk);
	snprintf(msg, sizeof msg,
	         "value at 0x%llx: name length 768 runs past its cell (room for 8 bytes); "
	         "name cut to 1 byte", at);
	expect_warning(b, 1, at, msg);
	ck_assert_uint_eq(walk_all(b, r), 3);
	ck_assert_uint_eq(b->warning_count(b), 2);
	b->free(b);
	/* the root: read with its subtree, not refused */
	rw_put16(rw_at(&s.w, s.root) + 72, 0xFFFF);
	b = open_hive(&s.w, NULL);
	ck_assert_ptr_nonnull(b);
	at = rw_file_off(s.root);
	snprintf(msg, sizeof msg,
	         "key at 0x%llx: name length 65535 runs past its cell (room for 8 bytes); "
	         "name cut to 4 bytes", at);
	expect_warning(b, 0, at, msg);
	ck_assert_str_eq(kname(b, root_of(b)), "ROOT");
	ck_assert_uint_eq(walk_all(b, root_of(b)), 3);
	b->free(b);
	rw_free(&s.w);
}
END_TEST

START_TEST(t_bin_size)
{
	/* a second bin whose size is not a multiple of 4096 */
	rw_hive w;
	rw_init(&w, 5);
	uint32_t root = rw_key_s(&w, "ROOT");
	uint32_t pad = rw_alloc(&w, 3960), kids[2];
	(void)pad;
	kids[0] = rw_key_s(&w, "InBin2a");
	kids[1] = rw_key_s(&w, "InBin2b");
	ck_assert_uint_eq(kids[0], 0x1020);
	rw_set_subkeys(&w, root, rw_list(&w, "lh", kids, 2), 2);
	rw_finish(&w, root);
	rw_put32(w.buf + 0x2000 + 8, 5000);
	espdiag_backend *b = open_hive(&w, NULL);
	ck_assert_ptr_nonnull(b);
	expect_warning(b, 0, 0x2000, "hbin at 0x2000: size 5000 is not a multiple of 4096; read as 4096");
	ck_assert_uint_eq(b->warning_count(b), 1);
	ck_assert_uint_eq(walk_all(b, root_of(b)), 3);
	b->free(b);
	/* a size past the end of the bins */
	rw_put32(w.buf + 0x2000 + 8, 0x100000);
	b = open_hive(&w, NULL);
	ck_assert_ptr_nonnull(b);
	expect_warning(b, 0, 0x2000,
	               "hbin at 0x2000: size 1048576 runs past the end of the hive bins at 0x3000; "
	               "read as 4096");
	ck_assert_uint_eq(walk_all(b, root_of(b)), 3);
	b->free(b);
	rw_free(&w);
}
END_TEST

START_TEST(t_cell_past_bin)
{
	small s;
	small_build(&s, 5);
	/* the free cell that ends the only bin grows past its end */
	size_t c = s.w.next;
	(void)c;
	size_t at = 0x1020;
	while (at < 0x2000) {
		int32_t len = (int32_t)(s.w.buf[at] | s.w.buf[at + 1] << 8 | s.w.buf[at + 2] << 16 |
		                        (uint32_t)s.w.buf[at + 3] << 24);
		if (len > 0)
			break;
		at += (size_t)-len;
	}
	ck_assert_uint_lt(at, 0x2000);
	rw_put32(s.w.buf + at, (uint32_t)(0x2000 - at + 8));
	espdiag_backend *b = open_hive(&s.w, NULL);
	ck_assert_ptr_nonnull(b);
	char msg[160];
	snprintf(msg, sizeof msg,
	         "cell at 0x%zx: size %zu runs past the end of its hbin at 0x1000; the rest of "
	         "the hbin is skipped", at, 0x2000 - at + 8);
	expect_warning(b, 0, at, msg);
	ck_assert_uint_eq(b->warning_count(b), 1);
	ck_assert_uint_eq(walk_all(b, root_of(b)), 3);
	b->free(b);
	rw_free(&s.w);
}
END_TEST

START_TEST(t_offset_out_of_range)
{
	small s;
	small_build(&s, 5);
	rw_put32(rw_at(&s.w, s.k1) + 40, 0x7FFFFFF0u);   /* value list */
	rw_put32(rw_at(&s.w, s.list_k1) + 4, 0x00FFFFF8u); /* subkey K2 */
	espdiag_backend *b = open_hive(&s.w, NULL);
	ck_assert_ptr_nonnull(b);
	espdiag_node r = root_of(b), k1 = sub_at(b, r, 0);
	ck_assert_uint_eq(nval(b, k1), 0);
	char msg[200];
	unsigned long long k1off = rw_file_off(s.k1), l = rw_file_off(s.list_k1);
	snprintf(msg, sizeof msg,
	         "key at 0x%llx: value list 0x80000ff0 is out of range; its values are skipped",
	         k1off);
	expect_warning(b, 0, k1off, msg);
	ck_assert_uint_eq(nsub(b, k1), 0);
	snprintf(msg, sizeof msg,
	         "key at 0x%llx: subkey list at 0x%llx entry 0: 0x1000ff8 is out of range; skipped",
	         k1off, l);
	expect_warning(b, 1, l, msg);
	ck_assert_uint_eq(b->warning_count(b), 2);
	b->free(b);
	rw_free(&s.w);
}
END_TEST

START_TEST(t_ri_to_ri)
{
	rw_hive w;
	uint32_t kids[6];
	rw_init(&w, 5);
	uint32_t root = rw_key_s(&w, "ROOT");
	add_kids(&w, kids, 6);
	uint32_t inner_lists[2] = { rw_list(&w, "lh", kids + 2, 2), rw_list(&w, "lh", kids + 4, 2) };
	uint32_t inner = rw_list(&w, "ri", inner_lists, 2);
	uint32_t lists[2] = { rw_list(&w, "lh", kids, 2), inner };
	uint32_t outer = rw_list(&w, "ri", lists, 2);
	rw_set_subkeys(&w, root, outer, 6);
	rw_finish(&w, root);
	espdiag_backend *b = open_hive(&w, NULL);
	ck_assert_ptr_nonnull(b);
	espdiag_node r = root_of(b);
	ck_assert_uint_eq(nsub(b, r), 2);
	ck_assert_str_eq(kname(b, sub_at(b, r, 1)), "beta");
	char msg[200];
	snprintf(msg, sizeof msg,
	         "subkey list at 0x%llx: ri list entry 1 points to another ri list at 0x%llx; "
	         "skipped", (unsigned long long)rw_file_off(outer),
	         (unsigned long long)rw_file_off(inner));
	expect_warning(b, 0, rw_file_off(outer), msg);
	snprintf(msg, sizeof msg, "key at 0x%llx: declares 6 subkeys but its lists hold 2",
	         (unsigned long long)rw_file_off(root));
	expect_warning(b, 1, rw_file_off(root), msg);
	ck_assert_uint_eq(b->warning_count(b), 2);
	b->free(b);
	rw_free(&w);
}
END_TEST

START_TEST(t_loop)
{
	/* K2's subkey list names the root: a loop back to an ancestor. */
	small s;
	small_build(&s, 5);
	uint32_t back[2] = { s.root, s.k1 };
	uint32_t list = rw_list(&s.w, "li", back, 2);
	rw_set_subkeys(&s.w, s.k2, list, 2);
	rw_finish(&s.w, s.root);
	espdiag_backend *b = open_hive(&s.w, NULL);
	ck_assert_ptr_nonnull(b);
	espdiag_node r = root_of(b), k1 = sub_at(b, r, 0), k2 = sub_at(b, k1, 0);
	ck_assert_uint_eq(nsub(b, k2), 0);
	char msg[200];
	unsigned long long k2off = rw_file_off(s.k2), l = rw_file_off(list);
	snprintf(msg, sizeof msg,
	         "key at 0x%llx: subkey 0x%llx is the key itself or one of its parents (a loop); "
	         "skipped", k2off, (unsigned long long)rw_file_off(s.root));
	expect_warning(b, 0, l, msg);
	snprintf(msg, sizeof msg,
	         "key at 0x%llx: subkey 0x%llx is the key itself or one of its parents (a loop); "
	         "skipped", k2off, (unsigned long long)rw_file_off(s.k1));
	expect_warning(b, 1, l, msg);
	ck_assert_uint_eq(b->warning_count(b), 2);
	ck_assert_uint_eq(walk_all(b, r), 3);
	b->free(b);
	rw_free(&s.w);
}
END_TEST

START_TEST(t_shared_key)
{
	/* two lists name the same key: it is listed once */
	rw_hive w;
	rw_init(&w, 5);
	uint32_t root = rw_key_s(&w, "ROOT"), a = rw_key_s(&w, "A"), c = rw_key_s(&w, "C");
	uint32_t bb = rw_key_s(&w, "B");
	rw_set_subkeys(&w, a, rw_list(&w, "lh", &c, 1), 1);
	rw_set_subkeys(&w, bb, rw_list(&w, "lh", &c, 1), 1);
	uint32_t kids[2] = { a, bb };
	rw_set_subkeys(&w, root, rw_list(&w, "lh", kids, 2), 2);
	rw_finish(&w, root);
	espdiag_backend *b = open_hive(&w, NULL);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(walk_all(b, root_of(b)), 4);
	ck_assert_uint_eq(b->warning_count(b), 1);
	ck_assert_ptr_nonnull(strstr(b->warning_at(b, 0)->message,
	                             "is listed twice or under another key; skipped"));
	b->free(b);
	rw_free(&w);
}
END_TEST

START_TEST(t_count_larger_than_cell)
{
	small s;
	small_build(&s, 5);
	rw_put16(rw_at(&s.w, s.list_root) + 2, 1000);
	rw_put32(rw_at(&s.w, s.k1) + 36, 3000); /* value count */
	espdiag_backend *b = open_hive(&s.w, NULL);
	ck_assert_ptr_nonnull(b);
	espdiag_node r = root_of(b);
	ck_assert_uint_eq(nsub(b, r), 1);
	char msg[200];
	unsigned long long l = rw_file_off(s.list_root);
	snprintf(msg, sizeof msg,
	         "subkey list at 0x%llx: count 1000 is larger than its cell holds (1); only 1 read",
	         l);
	expect_warning(b, 0, l, msg);
	ck_assert_uint_eq(b->warning_count(b), 1); /* declared 1, read 1 */
	espdiag_node k1 = sub_at(b, r, 0);
	ck_assert_uint_eq(nval(b, k1), 1);
	l = rw_file_off(s.vlist);
	/* a one-entry value list lives in an 8-byte cell: room for 1 */
	snprintf(msg, sizeof msg,
	         "value list at 0x%llx: count 3000 is larger than its cell holds (1); only 1 read",
	         l);
	expect_warning(b, 1, l, msg);
	espdiag_backend_value v = val_at(b, k1, 0);
	ck_assert_uint_eq(v.size, 6);
	ck_assert_mem_eq(v.data, "hello!", 6);
	b->free(b);
	rw_free(&s.w);
}
END_TEST

START_TEST(t_value_2gb)
{
	small s;
	small_build(&s, 5);
	rw_put32(rw_at(&s.w, s.vk) + 4, 0x7FFFFFF0u);
	espdiag_backend *b = open_hive(&s.w, NULL);
	ck_assert_ptr_nonnull(b);
	espdiag_node k1 = sub_at(b, root_of(b), 0);
	ck_assert_uint_eq(nval(b, k1), 1);
	char msg[200];
	unsigned long long v = rw_file_off(s.vk);
	snprintf(msg, sizeof msg,
	         "value at 0x%llx: data length 2147483632 is larger than its data cell (12 bytes); "
	         "truncated", v);
	expect_warning(b, 0, v, msg);
	espdiag_backend_value x = val_at(b, k1, 0);
	ck_assert_uint_eq(x.size, 12);
	ck_assert_mem_eq(x.data, "hello!", 6);
	ck_assert_uint_eq(b->warning_count(b), 1);
	b->free(b);
	rw_free(&s.w);
}
END_TEST

START_TEST(t_value_damaged)
{
	/* a value whose data offset names nothing is skipped; its sibling stays */
	rw_hive w;
	rw_init(&w, 5);
	uint32_t root = rw_key_s(&w, "ROOT");
	uint32_t v[3] = { rw_value_s(&w, "a", 3, "aaaaaaaa", 8), rw_value_s(&w, "b", 3, "bbbbbbbb", 8),
		          0x10 };
	rw_set_values(&w, root, v, 3);
	rw_put32(rw_at(&w, v[0]) + 8, 0x7FFF0);
	rw_finish(&w, root);
	espdiag_backend *b = open_hive(&w, NULL);
	ck_assert_ptr_nonnull(b);
	espdiag_node r = root_of(b);
	ck_assert_uint_eq(nval(b, r), 1);
	ck_assert_mem_eq(val_at(b, r, 0).name, "b", 1);
	char msg[200];
	snprintf(msg, sizeof msg,
	         "value at 0x%llx: data offset 0x80ff0 is out of range; value skipped",
	         (unsigned long long)rw_file_off(v[0]));
	expect_warning(b, 0, rw_file_off(v[0]), msg);
	ck_assert_uint_eq(b->warning_count(b), 2);
	ck_assert_ptr_nonnull(strstr(b->warning_at(b, 1)->message,
	                             "entry 2: 0x1010 does not start an allocated cell; skipped"));
	b->free(b);
	rw_free(&w);
}
END_TEST

START_TEST(t_class_name)
{
	/* a good class name passes unseen; a damaged one is reported */
	rw_hive w;
	rw_init(&w, 5);
	uint32_t root = rw_key_s(&w, "ROOT"), k[3];
	k[0] = rw_key_s(&w, "Good");
	k[1] = rw_key_s(&w, "TooLong");
	k[2] = rw_key_s(&w, "Nowhere");
	for (size_t i = 0; i < 3; i++)
		rw_set_class(&w, k[i], "GenericClass");
	rw_set_subkeys(&w, root, rw_list(&w, "lh", k, 3), 3);
	rw_put16(rw_at(&w, k[1]) + 74, 200);
	rw_put32(rw_at(&w, k[2]) + 48, 0x00FFFFF0u);
	rw_finish(&w, root);
	espdiag_backend *b = open_hive(&w, NULL);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(walk_all(b, root_of(b)), 4);
	char msg[160];
	snprintf(msg, sizeof msg,
	         "key at 0x%llx: class name length 200 is larger than its cell (28 bytes); ignored",
	         (unsigned long long)rw_file_off(k[1]));
	expect_warning(b, 0, rw_file_off(k[1]), msg);
	snprintf(msg, sizeof msg, "key at 0x%llx: class name 0x1000ff0 is out of range; ignored",
	         (unsigned long long)rw_file_off(k[2]));
	expect_warning(b, 1, rw_file_off(k[2]), msg);
	ck_assert_uint_eq(b->warning_count(b), 2);
	b->free(b);
	rw_free(&w);
}
END_TEST

START_TEST(t_depth)
{
	/* 600 nested keys: the reader stops at 512 levels */
	rw_hive w;
	rw_init(&w, 5);
	uint32_t keys[601];
	for (size_t i = 0; i <= 600; i++)
		keys[i] = rw_key_s(&w, "k");
	for (size_t i = 0; i < 600; i++)
		rw_set_subkeys(&w, keys[i], rw_list(&w, "lh", &keys[i + 1], 1), 1);
	rw_finish(&w, keys[0]);
	espdiag_backend *b = open_hive(&w, NULL);
	ck_assert_ptr_nonnull(b);
	espdiag_node n = root_of(b);
	size_t depth = 0;
	while (nsub(b, n) == 1) {
		n = sub_at(b, n, 0);
		depth++;
	}
	ck_assert_uint_eq(depth, 512);
	char msg[160];
	snprintf(msg, sizeof msg,
	         "key at 0x%llx: nested deeper than 512 levels; its subkeys are skipped",
	         (unsigned long long)rw_file_off(keys[512]));
	expect_warning(b, 0, rw_file_off(keys[512]), msg);
	b->free(b);
	rw_free(&w);
}
END_TEST

/* The open options' depth and value-size caps, set small. */
START_TEST(t_option_caps)
{
	rw_hive w;
	rw_init(&w, 5);
	uint32_t keys[5];
	for (size_t i = 0; i < 5; i++)
		keys[i] = rw_key_s(&w, "k");
	for (size_t i = 0; i < 4; i++)
		rw_set_subkeys(&w, keys[i], rw_list(&w, "lh", &keys[i + 1], 1), 1);
	uint32_t v[2] = { rw_value_s(&w, "small", 3, "abcd", 4),
		          rw_value_s(&w, "large", 3, "0123456789", 10) };
	rw_set_values(&w, keys[0], v, 2);
	rw_finish(&w, keys[0]);
	espdiag_open_options o = ESPDIAG_OPEN_OPTIONS_INIT;
	o.max_depth = 2;
	o.max_value_size = 8;
	esp_input in;
	esp_err err;
	espdiag_backend *b = NULL;
	esp_input_wrap(&in, w.buf, w.size, "caps.hive");
	ck_assert_int_eq(esp_regf_open(&b, &in, &o, &err), ESPDIAG_OK);
	espdiag_node n = root_of(b);
	ck_assert_uint_eq(nval(b, n), 1);
	espdiag_backend_value bv;
	ck_assert_int_eq(b->value_at(b, n, 0, &bv), ESPDIAG_OK);
	ck_assert_uint_eq(bv.name_len, 5);
	ck_assert_int_eq(memcmp(bv.name, "small", 5), 0);
	char msg[160];
	snprintf(msg, sizeof msg, "value at 0x%llx: 10 bytes, more than the limit of 8; value skipped",
	         (unsigned long long)rw_file_off(v[1]));
	expect_warning(b, 0, rw_file_off(v[1]), msg);
	size_t depth = 0;
	while (nsub(b, n) == 1) {
		n = sub_at(b, n, 0);
		depth++;
	}
	ck_assert_uint_eq(depth, 2);
	snprintf(msg, sizeof msg,
	         "key at 0x%llx: nested deeper than 2 levels; its subkeys are skipped",
	         (unsigned long long)rw_file_off(keys[2]));
	expect_warning(b, 1, rw_file_off(keys[2]), msg);
	b->free(b);
	rw_free(&w);
}
END_TEST

/* The open options' key and value caps, which registry.h promises for
 * every source: a hive counts keys and values as they are first listed. */
START_TEST(t_option_key_value_caps)
{
	rw_hive w;
	uint32_t kids[6];
	rw_init(&w, 5);
	uint32_t root = rw_key_s(&w, "ROOT");
	add_kids(&w, kids, 6);
	uint32_t list = rw_list(&w, "lh", kids, 6);
	rw_set_subkeys(&w, root, list, 6);
	uint32_t v[3] = { rw_value_s(&w, "one", 4, "\1\0\0\0", 4),
		          rw_value_s(&w, "two", 4, "\2\0\0\0", 4),
		          rw_value_s(&w, "three", 4, "\3\0\0\0", 4) };
	rw_set_values(&w, root, v, 3);
	rw_set_values(&w, kids[0], v, 1);
	unsigned char *r = rw_at(&w, root);
	uint32_t vlist = (uint32_t)(r[40] | r[41] << 8 | r[42] << 16 | (uint32_t)r[43] << 24);
	rw_finish(&w, root);
	espdiag_open_options o = ESPDIAG_OPEN_OPTIONS_INIT;
	o.max_keys = 4;   /* the root and three of its six subkeys */
	o.max_values = 2; /* two of the root's three values, none of Alpha's */
	esp_input in;
	esp_err err;
	espdiag_backend *b = NULL;
	esp_input_wrap(&in, w.buf, w.size, "caps.hive");
	ck_assert_int_eq(esp_regf_open(&b, &in, &o, &err), ESPDIAG_OK);
	espdiag_node n = root_of(b);
	ck_assert_uint_eq(nsub(b, n), 3);
	ck_assert_str_eq(kname(b, sub_at(b, n, 2)), "Gamma");
	char msg[200];
	snprintf(msg, sizeof msg,
	         "subkey list at 0x%llx entry 3: more than 4 keys read from this hive; this "
	         "and later new keys are left out", (unsigned long long)rw_file_off(list));
	expect_warning(b, 0, rw_file_off(list), msg);
	ck_assert_uint_eq(nval(b, n), 2);
	ck_assert_mem_eq(val_at(b, n, 1).name, "two", 3);
	snprintf(msg, sizeof msg,
	         "value list at 0x%llx entry 2: more than 2 values read from this hive; this "
	         "and later values are left out", (unsigned long long)rw_file_off(vlist));
	expect_warning(b, 1, rw_file_off(vlist), msg);
	ck_assert_uint_eq(nval(b, sub_at(b, n, 0)), 0);
	ck_assert_uint_eq(walk_all(b, n), 4);
	ck_assert_uint_eq(b->warning_count(b), 2); /* each cap is said once */
	b->free(b);
	/* the defaults leave this hive whole */
	esp_input_wrap(&in, w.buf, w.size, "caps.hive");
	ck_assert_int_eq(esp_regf_open(&b, &in, NULL, &err), ESPDIAG_OK);
	ck_assert_uint_eq(walk_all(b, root_of(b)), 7);
	ck_assert_uint_eq(b->warning_count(b), 0);
	b->free(b);
	rw_free(&w);
}
END_TEST

/* ------------------------------------------------------------------ */
/* random damage: no crash, no hang */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void build_rich(rw_hive *w)
{
	rw_init(w, 5);
	uint32_t root = rw_key_s(w, "ROOT"), kids[6];
	add_kids(w, kids, 6);
	uint32_t lists[2] = { rw_list(w, "lh", kids, 3), rw_list(w, "li", kids + 3, 3) };
	rw_set_subkeys(w, root, rw_list(w, "ri", lists, 2), 6);
	uint32_t g = rw_key(w, "\xd0\x9a", 2, false);
	rw_set_subkeys(w, kids[0], rw_list(w, "lf", &g, 1), 1);
	unsigned char big[20000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)i;
	uint32_t v[4] = { rw_value_s(w, "big", 3, big, sizeof big), rw_value_s(w, "in", 4, "abcd", 4),
		          rw_value(w, "\xe9", 1, true, 1, "x\0y\0\0", 6),
		          rw_value(w, "\xd0\x9a", 2, false, 7, "a\0\0\0\0", 6) };
	rw_set_values(w, kids[1], v, 4);
	rw_set_values(w, g, v + 1, 3);
	rw_finish(w, root);
}

START_TEST(t_random_damage)
{
	rw_hive w;
	build_rich(&w);
	unsigned char *copy = malloc(w.size);
	uint64_t seed = 0x9E3779B97F4A7C15ull;
	int rounds = quick() ? 300 : 4000, opened = 0;
	for (int round = 0; round < rounds; round++) {
		memcpy(copy, w.buf, w.size);
		int flips = 1 + (int)(rng_next(&seed) % 8);
		for (int i = 0; i < flips; i++) {
			size_t at = (size_t)(rng_next(&seed) % w.size);
			/* most damage goes into the bins, some into the base block */
			if (at < 4096 && (rng_next(&seed) & 7) != 0)
				at = 4096 + at % (w.size - 4096);
			unsigned char how = (unsigned char)rng_next(&seed);
			copy[at] = (how & 1) ? (unsigned char)rng_next(&seed) : (unsigned char)(copy[at] ^ (1u << (how % 8)));
		}
		esp_input in;
		esp_err err;
		espdiag_backend *b = NULL;
		esp_input_wrap(&in, copy, w.size, "fuzz");
		if (esp_regf_open(&b, &in, NULL, &err) != ESPDIAG_OK)
			continue;
		opened++;
		walk_all(b, root_of(b));
		b->property(b, "default_mount");
		for (size_t i = 0; i < b->warning_count(b); i++)
			ck_assert_ptr_nonnull(b->warning_at(b, i));
		b->free(b);
	}
	ck_assert_int_gt(opened, rounds / 2);
	/* every truncation of the file */
	for (size_t len = 0; len <= w.size; len += 8) {
		esp_input in;
		esp_err err;
		espdiag_backend *b = NULL;
		esp_input_wrap(&in, w.buf, len, "cut");
		if (esp_regf_open(&b, &in, NULL, &err) == ESPDIAG_OK) {
			walk_all(b, root_of(b));
			b->free(b);
		}
	}
	free(copy);
	rw_free(&w);
}
END_TEST

/* ------------------------------------------------------------------ */
/* mount prefixes */

static const char *mount_of(rw_hive *w, const char *file_name)
{
	static char buf[256];
	esp_input in;
	esp_err err;
	espdiag_backend *b = NULL;
	esp_input_wrap(&in, w->buf, w->size, file_name);
	ck_assert_int_eq(esp_regf_open(&b, &in, NULL, &err), ESPDIAG_OK);
	const char *m = b->property(b, "default_mount");
	snprintf(buf, sizeof buf, "%s", m ? m : "(null)");
	b->free(b);
	return buf;
}

static void set_base_name(rw_hive *w, const char *name)
{
	memset(w->buf + 48, 0, 64);
	for (size_t i = 0; name[i] && i < 32; i++)
		rw_put16(w->buf + 48 + 2 * i, (uint16_t)(unsigned char)name[i]);
	rw_checksum(w);
}

START_TEST(t_mount)
{
	rw_hive w;
	rw_init(&w, 5);
	uint32_t root = rw_key_s(&w, "ROOT");
	uint32_t kids[3] = { rw_key_s(&w, "Classes"), rw_key_s(&w, "Microsoft"),
		             rw_key_s(&w, "Select") };
	rw_set_subkeys(&w, root, rw_list(&w, "lh", kids, 3), 3);
	rw_finish(&w, root);
	set_base_name(&w, "\\SystemRoot\\System32\\Config\\SOFTWARE");
	ck_assert_str_eq(mount_of(&w, "x"), "HKEY_LOCAL_MACHINE\\SOFTWARE");
	set_base_name(&w, "emRoot\\System32\\Config\\software");
	ck_assert_str_eq(mount_of(&w, "x"), "HKEY_LOCAL_MACHINE\\SOFTWARE");
	set_base_name(&w, "SYSTEM");
	ck_assert_str_eq(mount_of(&w, "x"), "HKEY_LOCAL_MACHINE\\SYSTEM");
	set_base_name(&w, "\\??\\C:\\Users\\u\\ntuser.dat");
	ck_assert_str_eq(mount_of(&w, "x"), "HKEY_CURRENT_USER");
	set_base_name(&w, "\\Microsoft\\Windows\\UsrClass.dat");
	ck_assert_str_eq(mount_of(&w, "x"), "HKEY_CURRENT_USER\\Software\\Classes");
	set_base_name(&w, "C:\\Windows\\System32\\config\\SAM");
	ck_assert_str_eq(mount_of(&w, "x"), "HKEY_LOCAL_MACHINE\\SAM");
	set_base_name(&w, "SECURITY");
	ck_assert_str_eq(mount_of(&w, "x"), "HKEY_LOCAL_MACHINE\\SECURITY");
	/* an unknown base block name: the content (Microsoft + Classes) decides */
	set_base_name(&w, "\\??\\C:\\tmp\\other.hiv");
	ck_assert_str_eq(mount_of(&w, "/tmp/regipy_SYSTEM"), "HKEY_LOCAL_MACHINE\\SOFTWARE");
	/* content without a rule: the file name, then its words */
	memcpy(rw_at(&w, kids[1]) + 76, "Macrosoft", 9);
	ck_assert_str_eq(mount_of(&w, "/data/regipy_SYSTEM"), "HKEY_LOCAL_MACHINE\\SYSTEM");
	ck_assert_str_eq(mount_of(&w, "/data/NTUSER.DAT"), "HKEY_CURRENT_USER");
	ck_assert_str_eq(mount_of(&w, "case_ntuser.dat"), "HKEY_CURRENT_USER");
	ck_assert_str_eq(mount_of(&w, "x/UsrClass.dat"), "HKEY_CURRENT_USER\\Software\\Classes");
	ck_assert_str_eq(mount_of(&w, "success.SOFTWARE.hive"), "HKEY_LOCAL_MACHINE\\SOFTWARE");
	ck_assert_str_eq(mount_of(&w, "/x/hivex_special"), "HKEY_LOCAL_MACHINE\\hivex_special");
	ck_assert_str_eq(mount_of(&w, "a\\b"), "HKEY_LOCAL_MACHINE\\a_b");
	ck_assert_str_eq(mount_of(&w, NULL), "(null)");
	rw_free(&w);
}
END_TEST

/* ------------------------------------------------------------------ */
/* the shared corpus: hivex differential */

typedef struct hive_case {
	const char *file;
	size_t keys; /* from corpus/README.md; 0 = not listed there */
} hive_case;

static const hive_case corpus_hives[] = {
	{ "hivex_minimal", 1 },
	{ "hivex_rlenvalue_test_hive", 2 },
	{ "hivex_special", 4 },
	{ "pyreg_REORGANIZED_VALUES_TESTS", 0 },
	{ "pyreg_UNICODE_TESTS", 0 },
	{ "pyreg_issue22.hive", 0 },
	{ "regipy_BCD", 132 },
	{ "regipy_SAM", 65 },
	{ "regipy_SECURITY", 100 },
	{ "regipy_NTUSER.DAT", 1812 },
	{ "regipy_UsrClass.dat", 6205 },
	{ "regipy_amcache.hve", 2105 },
	{ "regipy_SYSTEM", 30756 },
	{ "regipy_SYSTEM_B", 33123 },
	{ "regipy_SYSTEM_WIN_10_1709", 43211 },
	{ "regipy_ntuser_software_partial", 6396 },
	{ "regipy_transactions_NTUSER.DAT", 2590 },
};
#define NCORPUS ((int)(sizeof corpus_hives / sizeof corpus_hives[0]))

typedef struct tuples {
	uint64_t *h;
	size_t n, cap;
	size_t keys, values;
} tuples;

static void tuples_add(tuples *t, uint64_t h)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 4096;
		t->h = realloc(t->h, t->cap * sizeof *t->h);
		ck_assert_ptr_nonnull(t->h);
	}
	t->h[t->n++] = h;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001B3ull;
	}
	return h;
}

#define FNV_BASIS 0xCBF29CE484222325ull

/* A key is (path); a value is (path, name, type, data). The path hash
 * continues the parent's, so the tuple is hashed as its full bytes. */
static uint64_t key_hash(uint64_t path)
{
	return fnv(path, "K", 1);
}

static uint64_t value_hash(uint64_t path, const char *name, size_t nlen, uint32_t type,
                           const void *data, size_t size)
{
	unsigned char t[4] = { (unsigned char)type, (unsigned char)(type >> 8),
		               (unsigned char)(type >> 16), (unsigned char)(type >> 24) };
	uint64_t n = (uint64_t)nlen, s = (uint64_t)size;
	uint64_t h = fnv(path, "V", 1);
	h = fnv(h, &n, sizeof n);
	h = fnv(h, name, nlen);
	h = fnv(h, t, 4);
	h = fnv(h, &s, sizeof s);
	return fnv(h, data, size);
}

static uint64_t child_path(uint64_t path, const char *name, size_t len)
{
	uint64_t n = (uint64_t)len;
	return fnv(fnv(fnv(path, "\\", 1), &n, sizeof n), name, len);
}

static void walk_mine(espdiag_backend *b, espdiag_node n, uint64_t path, tuples *t)
{
	size_t c, v;
	t->keys++;
	tuples_add(t, key_hash(path));
	ck_assert_int_eq(b->value_count(b, n, &v), ESPDIAG_OK);
	for (size_t i = 0; i < v; i++) {
		espdiag_backend_value x = val_at(b, n, i);
		tuples_add(t, value_hash(path, x.name, x.name_len, x.type, x.data, x.size));
		t->values++;
	}
	ck_assert_int_eq(b->subkey_count(b, n, &c), ESPDIAG_OK);
	for (size_t i = 0; i < c; i++) {
		espdiag_node k = sub_at(b, n, i);
		const char *s;
		size_t len;
		ck_assert_int_eq(b->key_name(b, k, &s, &len), ESPDIAG_OK);
		walk_mine(b, k, child_path(path, s, len), t);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static espdiag_backend *open_corpus(const char *file, esp_err *err)
{
	const char *path = tu_corpus_path("hives");
	if (path == NULL)
		return NULL;
	char full[4096];
	snprintf(full, sizeof full, "%s/%s", path, file);
	esp_input in;
	if (esp_input_open_file(&in, full, ESP_DEFAULT_MAX_INPUT, err) != ESPDIAG_OK)
		return NULL;
	espdiag_backend *b = NULL;
	if (esp_regf_open(&b, &in, NULL, err) != ESPDIAG_OK)
		return NULL;
	return b;
}

#ifdef HAVE_HIVEX
/* The same walk through libhivex; counts the calls that failed. */
static void walk_hivex(hive_h *h, hive_node_h n, uint64_t path, tuples *t, size_t *failed)
{
	t->keys++;
	tuples_add(t, key_hash(path));
	hive_value_h *vals = hivex_node_values(h, n);
	if (vals == NULL) {
		(*failed)++;
	} else {
		for (size_t i = 0; vals[i] != 0; i++) {
			char *name = hivex_value_key(h, vals[i]);
			size_t nlen = hivex_value_key_len(h, vals[i]);
			hive_type type;
			size_t size;
			char *data = hivex_value_value(h, vals[i], &type, &size);
			if (name == NULL || data == NULL) {
				(*failed)++;
			} else {
				tuples_add(t, value_hash(path, name, nlen, (uint32_t)type, data, size));
				t->values++;
			}
			free(name);
			free(data);
		}
		free(vals);
	}
	hive_node_h *kids = hivex_node_children(h, n);
	if (kids == NULL) {
		(*failed)++;
		return;
	}
	for (size_t i = 0; kids[i] != 0; i++) {
		char *name = hivex_node_name(h, kids[i]);
		size_t len = hivex_node_name_len(h, kids[i]);
		if (name == NULL) {
			(*failed)++;
			continue;
		}
		walk_hivex(h, kids[i], child_path(path, name, len), t, failed);
		free(name);
	}
	free(kids);
}
#endif

START_TEST(t_corpus_hivex)
{
	const hive_case *hc = &corpus_hives[_i];
	const char *dir = tu_corpus_path("hives");
	if (dir == NULL)
		return;
	char full[4096];
	snprintf(full, sizeof full, "%s/%s", dir, hc->file);
	struct stat st;
	if (stat(full, &st) != 0) {
		fprintf(stderr, "note: %s is absent; skipped\n", full);
		return;
	}
	if (quick() && st.st_size > 4 * 1024 * 1024)
		return;
	esp_err err;
	espdiag_backend *b = open_corpus(hc->file, &err);
	ck_assert_msg(b != NULL, "%s: %s", hc->file, err.msg);
	tuples mine = { 0 };
	walk_mine(b, root_of(b), FNV_BASIS, &mine);
	if (hc->keys != 0)
		ck_assert_uint_eq(mine.keys, hc->keys);
	/* nothing damaged; some of these hives are dirty, which is said */
	for (size_t i = 0; i < b->warning_count(b); i++)
		ck_assert_msg(strncmp(b->warning_at(b, i)->message, "base block: sequence numbers", 28) == 0,
		              "%s: %s", hc->file, b->warning_at(b, i)->message);
#ifdef HAVE_HIVEX
	hive_h *h = hivex_open(full, 0);
	ck_assert_msg(h != NULL, "hivex cannot open %s", hc->file);
	tuples theirs = { 0 };
	size_t failed = 0;
	walk_hivex(h, hivex_root(h), FNV_BASIS, &theirs, &failed);
	hivex_close(h);
	ck_assert_uint_eq(failed, 0);
	ck_assert_uint_eq(mine.keys, theirs.keys);
	ck_assert_uint_eq(mine.values, theirs.values);
	qsort(mine.h, mine.n, sizeof *mine.h, cmp_u64);
	qsort(theirs.h, theirs.n, sizeof *theirs.h, cmp_u64);
	size_t differ = 0;
	for (size_t i = 0; i < mine.n; i++)
		differ += mine.h[i] != theirs.h[i];
	ck_assert_msg(differ == 0, "%s: %zu of %zu tuples differ from hivex", hc->file, differ,
	              mine.n);
	free(theirs.h);
#endif
	free(mine.h);
	b->free(b);
}
END_TEST

START_TEST(t_corpus_corrupted)
{
	esp_err err;
	if (tu_corpus_path("hives") == NULL)
		return;
	espdiag_backend *b = open_corpus("regipy_corrupted_system_hive", &err);
	ck_assert_msg(b != NULL, "%s", err.msg);
	size_t keys = walk_all(b, root_of(b));
	ck_assert_uint_ge(keys, 1687);
	size_t nw = b->warning_count(b);
	ck_assert_uint_gt(nw, 0);
	for (size_t i = 0; i < nw; i++) {
		const espdiag_warning *w = b->warning_at(b, i);
		ck_assert_uint_gt(w->offset, 0);
		ck_assert_ptr_nonnull(strstr(w->message, "0x"));
	}
	ck_assert_str_eq(b->property(b, "default_mount"), "HKEY_LOCAL_MACHINE\\SYSTEM");
	b->free(b);
}
END_TEST

/* regipy_SYSTEM with its root key's name length set to 0xFFFF (patched in
 * memory): hivexregedit --unsafe exports all 30,756 keys; so must we. */
START_TEST(t_corpus_root_name_length)
{
	const char *dir = tu_corpus_path("hives");
	if (dir == NULL)
		return;
	char full[4096];
	snprintf(full, sizeof full, "%s/regipy_SYSTEM", dir);
	size_t size;
	unsigned char *data = tu_read_file(full, &size);
	ck_assert_ptr_nonnull(data);
	uint32_t root = (uint32_t)(data[36] | data[37] << 8 | data[38] << 16 |
	                           (uint32_t)data[39] << 24);
	unsigned char *nk = data + 4096 + root + 4;
	ck_assert_mem_eq(nk, "nk", 2);
	rw_put16(nk + 72, 0xFFFF);
	esp_input in;
	esp_err err;
	espdiag_backend *b = NULL;
	esp_input_wrap(&in, data, size, "regipy_SYSTEM");
	ck_assert_msg(esp_regf_open(&b, &in, NULL, &err) == ESPDIAG_OK, "%s", err.msg);
	ck_assert_uint_eq(walk_all(b, root_of(b)), 30756);
	ck_assert_uint_eq(b->warning_count(b), 1);
	ck_assert_ptr_nonnull(strstr(b->warning_at(b, 0)->message,
	                             "name length 65535 runs past its cell"));
	ck_assert_str_eq(b->property(b, "default_mount"), "HKEY_LOCAL_MACHINE\\SYSTEM");
	b->free(b);
	free(data);
}
END_TEST

START_TEST(t_corpus_special)
{
	/* hivex_special: root > abcd_äöüß, weird™, zero\0key (hivex's own test
	 * data, images/special); names as UTF-8, the NUL kept */
	esp_err err;
	if (tu_corpus_path("hives") == NULL)
		return;
	espdiag_backend *b = open_corpus("hivex_special", &err);
	ck_assert_msg(b != NULL, "%s", err.msg);
	espdiag_node r = root_of(b), f;
	ck_assert_uint_eq(nsub(b, r), 3);
	const char *s;
	size_t len;
	ck_assert_int_eq(b->key_name(b, sub_at(b, r, 0), &s, &len), ESPDIAG_OK);
	ck_assert_uint_eq(len, 13);
	ck_assert_mem_eq(s, "abcd_\xc3\xa4\xc3\xb6\xc3\xbc\xc3\x9f", 13);
	ck_assert_int_eq(b->key_name(b, sub_at(b, r, 1), &s, &len), ESPDIAG_OK);
	ck_assert_uint_eq(len, 8);
	ck_assert_mem_eq(s, "weird\xe2\x84\xa2", 8);
	ck_assert_int_eq(b->key_name(b, sub_at(b, r, 2), &s, &len), ESPDIAG_OK);
	ck_assert_uint_eq(len, 8);
	ck_assert_mem_eq(s, "zero\0key", 8);
	ck_assert_int_eq(b->subkey_find(b, r, "ABCD_\xc3\x84\xc3\x96\xc3\x9c\xc3\x9f", 13, &f),
	                 ESPDIAG_OK);
	ck_assert_uint_eq(f, sub_at(b, r, 0));
	ck_assert_int_eq(b->subkey_find(b, r, "ZERO\0KEY", 8, &f), ESPDIAG_OK);
	ck_assert_uint_eq(f, sub_at(b, r, 2));
	/* the value names: Latin-1, Unicode symbols, an embedded NUL */
	espdiag_backend_value v = val_at(b, sub_at(b, r, 2), 0);
	ck_assert_uint_eq(v.name_len, 8);
	ck_assert_mem_eq(v.name, "zero\0val", 8);
	v = val_at(b, sub_at(b, r, 1), 0);
	ck_assert_uint_eq(v.name_len, 20);
	ck_assert_mem_eq(v.name, "symbols $\xc2\xa3\xe2\x82\xa4\xe2\x82\xa7\xe2\x82\xac", 20);
	ck_assert_str_eq(b->property(b, "default_mount"), "HKEY_LOCAL_MACHINE\\hivex_special");
	b->free(b);
}
END_TEST

START_TEST(t_corpus_mounts)
{
	static const struct {
		const char *file, *mount;
	} cases[] = {
		{ "regipy_SYSTEM", "HKEY_LOCAL_MACHINE\\SYSTEM" },
		{ "regipy_SAM", "HKEY_LOCAL_MACHINE\\SAM" },
		{ "regipy_SECURITY", "HKEY_LOCAL_MACHINE\\SECURITY" },
		{ "regipy_NTUSER.DAT", "HKEY_CURRENT_USER" },
		{ "regipy_UsrClass.dat", "HKEY_CURRENT_USER\\Software\\Classes" },
		{ "regipy_BCD", "HKEY_LOCAL_MACHINE\\BCD00000000" },
		{ "hivex_minimal", "HKEY_USERS\\.DEFAULT" },
	};
	if (tu_corpus_path("hives") == NULL)
		return;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		esp_err err;
		espdiag_backend *b = open_corpus(cases[i].file, &err);
		ck_assert_msg(b != NULL, "%s", err.msg);
		ck_assert_str_eq(b->property(b, "default_mount"), cases[i].mount);
		b->free(b);
	}
}
END_TEST

/* Through the public view: a hive is detected, mounted and read. */
START_TEST(t_view_system)
{
	const char *dir = tu_corpus_path("hives");
	if (dir == NULL)
		return;
	char full[4096];
	snprintf(full, sizeof full, "%s/regipy_SYSTEM", dir);
	espdiag_registry *reg = NULL;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(reg, full, NULL, NULL), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_registry_source_property(reg, 0, "format"), "hive");
	ck_assert_str_eq(espdiag_registry_source_property(reg, 0, "dialect"), "regf 1.5");
	const espdiag_key *k;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\SYSTEM\\select"), ESPDIAG_OK);
	const espdiag_value *v;
	ck_assert_int_eq(espdiag_key_value(&v, k, "Current"), ESPDIAG_OK);
	uint32_t cur = 0;
	ck_assert_int_eq(espdiag_value_get_dword(v, &cur), ESPDIAG_OK);
	ck_assert_uint_eq(cur, 1);
	ck_assert_int_eq(espdiag_registry_key(&k, reg,
	                                      "HKEY_LOCAL_MACHINE\\System\\ControlSet001\\Control"),
	                 ESPDIAG_OK);
	ck_assert_str_eq(espdiag_key_name(k), "Control");
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\SYSTEM\\NoSuchKey"),
	                 ESPDIAG_NOTFOUND);
	espdiag_registry_free(reg);
}
END_TEST

Suite *suite_regf(void)
{
	Suite *s = suite_create("regf");
	TCase *tc = tcase_create("lists");
	tcase_add_test(tc, t_list_lf);
	tcase_add_test(tc, t_list_lh);
	tcase_add_test(tc, t_list_li);
	tcase_add_test(tc, t_list_ri);
	tcase_add_test(tc, t_nested_and_times);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_test(tc, t_inline_data);
	tcase_add_test(tc, t_big_data);
	tcase_add_test(tc, t_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("damage");
	tcase_add_test(tc, t_bad_checksum);
	tcase_add_test(tc, t_checksum_fixups);
	tcase_add_test(tc, t_dirty);
	tcase_add_test(tc, t_not_a_hive);
	tcase_add_test(tc, t_root_recovered);
	tcase_add_test(tc, t_name_past_cell);
	tcase_add_test(tc, t_bin_size);
	tcase_add_test(tc, t_cell_past_bin);
	tcase_add_test(tc, t_offset_out_of_range);
	tcase_add_test(tc, t_ri_to_ri);
	tcase_add_test(tc, t_loop);
	tcase_add_test(tc, t_shared_key);
	tcase_add_test(tc, t_count_larger_than_cell);
	tcase_add_test(tc, t_value_2gb);
	tcase_add_test(tc, t_value_damaged);
	tcase_add_test(tc, t_class_name);
	tcase_add_test(tc, t_depth);
	tcase_add_test(tc, t_option_caps);
	tcase_add_test(tc, t_option_key_value_caps);
	tcase_add_test(tc, t_random_damage);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("mount");
	tcase_add_test(tc, t_mount);
	suite_add_tcase(s, tc);

	tc = tcase_create("corpus");
	tcase_add_loop_test(tc, t_corpus_hivex, 0, NCORPUS);
	tcase_add_test(tc, t_corpus_corrupted);
	tcase_add_test(tc, t_corpus_root_name_length);
	tcase_add_test(tc, t_corpus_special);
	tcase_add_test(tc, t_corpus_mounts);
	tcase_add_test(tc, t_view_system);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}

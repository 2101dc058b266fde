/* tests/check_memtree.c - the in-memory tree (lib/memtree.c): deletions
 * in wide keys cost no memory, a delete-and-add loop stays within its
 * live data, and lookups and enumeration order after any mix of adds and
 * deletes are those of a plain ordered list (checked against one). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtree.h"
#include "suites.h"
#include "testutil.h"

static esp_mnode child(esp_memtree *t, esp_mnode parent, const char *name)
{
	esp_mnode n;
	ck_assert_int_eq(esp_memtree_child(t, parent, name, strlen(name), true, &n), ESPDIAG_OK);
	return n;
}

static void set_dword(esp_memtree *t, esp_mnode key, const char *name, uint32_t v)
{
	ck_assert_int_eq(esp_memtree_set_value(t, key, name, strlen(name), ESPDIAG_REG_DWORD, &v, 4),
	                 ESPDIAG_OK);
}

/* The served value (subkey) count of key. */
static size_t value_count(espdiag_backend *b, esp_mnode key)
{
	size_t n;
	ck_assert_int_eq(b->value_count(b, key, &n), ESPDIAG_OK);
	return n;
}

static size_t subkey_count(espdiag_backend *b, esp_mnode key)
{
	size_t n;
	ck_assert_int_eq(b->subkey_count(b, key, &n), ESPDIAG_OK);
	return n;
}

/* A new tree with one key "Wide" of n values ("v0000", ..., data the
 * index) and n subkeys ("k0000", ...). */
static esp_mnode wide_tree(esp_memtree **t, uint32_t n)
{
	char name[32];
	ck_assert_int_eq(esp_memtree_new(t), ESPDIAG_OK);
	esp_mnode wide = child(*t, esp_memtree_root(*t), "Wide");
	for (uint32_t i = 0; i < n; i++) {
		snprintf(name, sizeof name, "v%04u", i);
		set_dword(*t, wide, name, i);
		snprintf(name, sizeof name, "k%04u", i);
		child(*t, wide, name);
	}
	return wide;
}

/* Deleting 4,000 values and 4,000 subkeys of one key takes no memory at
 * all (it used to build the key's hash table anew each time: 130 MB). */
START_TEST(wide_deletes_take_no_memory)
{
	enum { N = 4000 };
	esp_memtree *t;
	char name[32];
	esp_mnode wide = wide_tree(&t, N);
	size_t before = esp_memtree_memory(t);
	for (uint32_t i = 0; i < N; i++) {
		if (i % 1000 == 999)
			continue; /* kept: v0999, v1999, ... */
		snprintf(name, sizeof name, "V%04u", i);
		ck_assert_int_eq(esp_memtree_delete_value(t, wide, name, strlen(name)), ESPDIAG_OK);
		snprintf(name, sizeof name, "K%04u", i);
		ck_assert_int_eq(esp_memtree_delete_child(t, wide, name, strlen(name)), ESPDIAG_OK);
	}
	ck_assert_uint_eq(esp_memtree_memory(t), before);
	ck_assert_int_eq(esp_memtree_delete_value(t, wide, "v0000", 5), ESPDIAG_NOTFOUND);
	ck_assert_int_eq(esp_memtree_delete_child(t, wide, "k0000", 5), ESPDIAG_NOTFOUND);
	espdiag_backend *b = esp_memtree_backend(t);
	ck_assert_uint_eq(value_count(b, wide), 4);
	ck_assert_uint_eq(subkey_count(b, wide), 4);
	for (uint32_t i = 0; i < 4; i++) {
		espdiag_backend_value v;
		ck_assert_int_eq(b->value_at(b, wide, i, &v), ESPDIAG_OK);
		snprintf(name, sizeof name, "v%04u", i * 1000 + 999);
		ck_assert_str_eq(v.name, name);
		ck_assert_uint_eq(esp_le32(v.data), i * 1000 + 999);
		espdiag_node sub, found;
		const char *kname;
		size_t klen;
		ck_assert_int_eq(b->subkey_at(b, wide, i, &sub), ESPDIAG_OK);
		ck_assert_int_eq(b->key_name(b, sub, &kname, &klen), ESPDIAG_OK);
		snprintf(name, sizeof name, "k%04u", i * 1000 + 999);
		ck_assert_str_eq(kname, name);
		ck_assert_int_eq(b->subkey_find(b, wide, name, strlen(name), &found), ESPDIAG_OK);
		ck_assert_uint_eq(found, sub);
	}
	ck_assert_int_eq(b->value_at(b, wide, 4, &(espdiag_backend_value){ 0 }), ESPDIAG_NOTFOUND);
	b->free(b);
}
END_TEST

/* A value and a subkey deleted and added again 5,000 times in a key of
 * 1,000 values and subkeys: the lists and tables do not grow, only the
 * new keys' own records (a key is never reused: its id is its name). */
START_TEST(delete_and_add_loop_stays_bounded)
{
	enum { WIDTH = 1000, ROUNDS = 5000 };
	esp_memtree *t;
	char name[32];
	esp_mnode wide = wide_tree(&t, WIDTH);
	size_t before = esp_memtree_memory(t);
	for (uint32_t r = 0; r < ROUNDS; r++) {
		snprintf(name, sizeof name, "v%04u", r % WIDTH);
		ck_assert_int_eq(esp_memtree_delete_value(t, wide, name, strlen(name)), ESPDIAG_OK);
		set_dword(t, wide, name, r);
		snprintf(name, sizeof name, "k%04u", r % WIDTH);
		ck_assert_int_eq(esp_memtree_delete_child(t, wide, name, strlen(name)), ESPDIAG_OK);
		child(t, wide, name);
	}
	/* Each round adds a value record (10 bytes) and a key (its name and
	 * its slot among the keys); arenas take blocks of 64 KiB and more. */
	size_t grown = esp_memtree_memory(t) - before;
	ck_assert_uint_le(grown, (size_t)ROUNDS * 96 + (size_t)512 * 1024);
	espdiag_backend *b = esp_memtree_backend(t);
	ck_assert_uint_eq(value_count(b, wide), WIDTH);
	ck_assert_uint_eq(subkey_count(b, wide), WIDTH);
	/* Each round moved one name to the end: after 5 rounds through all
	 * 1,000, the order is the first one again, and so are the data. */
	for (uint32_t i = 0; i < WIDTH; i++) {
		espdiag_backend_value v;
		ck_assert_int_eq(b->value_at(b, wide, i, &v), ESPDIAG_OK);
		snprintf(name, sizeof name, "v%04u", i);
		ck_assert_str_eq(v.name, name);
		ck_assert_uint_eq(esp_le32(v.data), ROUNDS - WIDTH + i);
	}
	b->free(b);
}
END_TEST

/* Values that go to a wide key and to a new key in turn (as a .reg file
 * that deletes and adds keys between a wide key's lines writes them): the
 * wide key's array grows by doubling, not by a copy per value (2,000
 * values took 51 MB). */
START_TEST(values_taking_turns_with_new_keys_stay_linear)
{
	enum { N = 2000 };
	esp_memtree *t;
	char name[32];
	ck_assert_int_eq(esp_memtree_new(&t), ESPDIAG_OK);
	esp_mnode wide = child(t, esp_memtree_root(t), "Wide");
	for (uint32_t i = 0; i < N; i++) {
		snprintf(name, sizeof name, "v%04u", i);
		set_dword(t, wide, name, i);
		snprintf(name, sizeof name, "k%04u", i);
		set_dword(t, child(t, esp_memtree_root(t), name), "v", i);
	}
	/* The keys' chunks (2 x 57 KiB), then 64 KiB blocks and doubling. */
	ck_assert_uint_le(esp_memtree_memory(t), (size_t)1 << 20);
	espdiag_backend *b = esp_memtree_backend(t);
	ck_assert_uint_eq(value_count(b, wide), N);
	ck_assert_uint_eq(subkey_count(b, 0), N + 1);
	b->free(b);
}
END_TEST

/* A reference: an ordered list of names (lower case here, so that equal
 * names compare equal), appended to and deleted from. */
typedef struct model {
	char (*names)[8];
	uint32_t *data;
	size_t n;
} model;

static int64_t model_find(const model *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->names[i], name) == 0)
			return (int64_t)i;
	return -1;
}

static void model_delete(model *m, size_t i)
{
	memmove(&m->names[i], &m->names[i + 1], (m->n - i - 1) * sizeof *m->names);
	memmove(&m->data[i], &m->data[i + 1], (m->n - i - 1) * sizeof *m->data);
	m->n--;
}

static uint64_t rng = 0x1234567;

static uint32_t rnd(uint32_t below)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng >> 33) % below;
}

/* A name out of width, in upper case half the time (the tree folds case
 * and keeps the first spelling). */
static void random_name(char *out, uint32_t width, char *lower)
{
	uint32_t i = rnd(width);
	snprintf(lower, 8, "n%u", i);
	snprintf(out, 8, rnd(2) ? "N%u" : "n%u", i);
}

static void check_against(espdiag_backend *b, esp_mnode key, const model *values,
                          const model *keys)
{
	ck_assert_uint_eq(value_count(b, key), values->n);
	for (size_t i = 0; i < values->n; i++) {
		espdiag_backend_value v;
		ck_assert_int_eq(b->value_at(b, key, i, &v), ESPDIAG_OK);
		ck_assert_uint_eq(v.name_len, strlen(values->names[i]));
		ck_assert_int_eq(strncasecmp(v.name, values->names[i], v.name_len), 0);
		ck_assert_uint_eq(esp_le32(v.data), values->data[i]);
	}
	ck_assert_uint_eq(subkey_count(b, key), keys->n);
	for (size_t i = 0; i < keys->n; i++) {
		espdiag_node sub, found;
		const char *name;
		size_t len;
		ck_assert_int_eq(b->subkey_at(b, key, i, &sub), ESPDIAG_OK);
		ck_assert_int_eq(b->key_name(b, sub, &name, &len), ESPDIAG_OK);
		ck_assert_int_eq(strncasecmp(name, keys->names[i], len), 0);
		ck_assert_int_eq(b->subkey_find(b, key, keys->names[i], strlen(keys->names[i]), &found),
		                 ESPDIAG_OK);
		ck_assert_uint_eq(found, sub);
	}
}

/* Random adds, replacements and deletions of values and subkeys, in keys
 * of 10 to 1,500 names (short lists and hashed ones), before and after the
 * tree serves as a backend: order, data and lookups are the model's. */
START_TEST(random_edits_match_a_list)
{
	static const uint32_t widths[] = { 10, 40, 300, 1500 };
	for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
		uint32_t width = widths[w];
		model values = { malloc(width * 8), malloc(width * 4), 0 };
		model keys = { malloc(width * 8), malloc(width * 4), 0 };
		ck_assert_ptr_nonnull(values.names);
		ck_assert_ptr_nonnull(keys.names);
		esp_memtree *t;
		ck_assert_int_eq(esp_memtree_new(&t), ESPDIAG_OK);
		esp_mnode key = child(t, esp_memtree_root(t), "K");
		espdiag_backend *b = NULL;
		for (uint32_t step = 0; step < 30 * width; step++) {
			if (step == 25 * width)
				b = esp_memtree_backend(t); /* later edits close up at once */
			char name[8], lower[8];
			random_name(name, width, lower);
			uint32_t op = rnd(10);
			if (op < 4) {
				set_dword(t, key, name, step);
				int64_t i = model_find(&values, lower);
				if (i < 0) {
					i = (int64_t)values.n++;
					strcpy(values.names[i], lower);
				}
				values.data[i] = step;
			} else if (op < 6) {
				int64_t i = model_find(&values, lower);
				ck_assert_int_eq(esp_memtree_delete_value(t, key, name, strlen(name)),
				                 i < 0 ? ESPDIAG_NOTFOUND : ESPDIAG_OK);
				if (i >= 0)
					model_delete(&values, (size_t)i);
			} else if (op < 8) {
				child(t, key, name);
				if (model_find(&keys, lower) < 0)
					strcpy(keys.names[keys.n++], lower);
			} else {
				int64_t i = model_find(&keys, lower);
				ck_assert_int_eq(esp_memtree_delete_child(t, key, name, strlen(name)),
				                 i < 0 ? ESPDIAG_NOTFOUND : ESPDIAG_OK);
				if (i >= 0)
					model_delete(&keys, (size_t)i);
			}
			if (b != NULL && step % 97 == 0)
				check_against(b, key, &values, &keys);
		}
		check_against(b, key, &values, &keys);
		b->free(b);
		free(values.names);
		free(values.data);
		free(keys.names);
		free(keys.data);
	}
}
END_TEST

/* A frozen tree (a view hands out its records) knows each key's parent
 * and refuses every edit, so that the records it handed out stay true. */
START_TEST(frozen_tree_knows_parents_and_refuses_edits)
{
	esp_memtree *t;
	ck_assert_int_eq(esp_memtree_new(&t), ESPDIAG_OK);
	esp_mnode root = esp_memtree_root(t), a = child(t, root, "A"), b = child(t, a, "B");
	set_dword(t, b, "V", 7);
	espdiag_backend *be = esp_memtree_backend(t);
	esp_memtree_freeze(t);
	esp_memtree_freeze(t); /* idempotent */
	ck_assert_ptr_eq(esp_memtree_of(be), t);
	ck_assert_uint_eq(esp_memtree_key(t, b)->parent, a);
	ck_assert_uint_eq(esp_memtree_key(t, a)->parent, root);
	ck_assert_uint_eq(esp_memtree_key(t, root)->parent, root);
	ck_assert_uint_eq(esp_memtree_key(t, b)->view, 0);
	esp_mnode found;
	ck_assert_int_eq(esp_memtree_child(t, a, "b", 1, false, &found), ESPDIAG_OK);
	ck_assert_uint_eq(found, b);
	ck_assert_int_eq(esp_memtree_child(t, a, "C", 1, true, &found), ESPDIAG_EINVAL);
	ck_assert_int_eq(esp_memtree_set_value(t, b, "V", 1, ESPDIAG_REG_DWORD, "xxxx", 4),
	                 ESPDIAG_EINVAL);
	ck_assert_int_eq(esp_memtree_delete_value(t, b, "V", 1), ESPDIAG_EINVAL);
	ck_assert_int_eq(esp_memtree_delete_child(t, a, "B", 1), ESPDIAG_EINVAL);
	size_t pos;
	ck_assert_int_eq(esp_mkey_find(esp_memtree_key(t, b), true, "v", 1, &pos), ESPDIAG_OK);
	ck_assert_uint_eq(pos, 0);
	ck_assert_uint_eq(esp_le32(esp_mvalue_data(&esp_memtree_key(t, b)->values[0])), 7);
	ck_assert_int_eq(esp_mkey_find(esp_memtree_key(t, a), false, "B", 1, &pos), ESPDIAG_OK);
	ck_assert_int_eq(esp_mkey_find(esp_memtree_key(t, a), false, "Z", 1, &pos), ESPDIAG_NOTFOUND);
	be->free(be);
}
END_TEST

Suite *suite_memtree(void)
{
	Suite *s = suite_create("memtree");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, wide_deletes_take_no_memory);
	tcase_add_test(tc, delete_and_add_loop_stays_bounded);
	tcase_add_test(tc, values_taking_turns_with_new_keys_stay_linear);
	tcase_add_test(tc, random_edits_match_a_list);
	tcase_add_test(tc, frozen_tree_knows_parents_and_refuses_edits);
	suite_add_tcase(s, tc);
	return s;
}

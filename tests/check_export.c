/* tests/check_export.c - the regedit 5 writer (lib/export.c) byte for
 * byte: a tree of every shape the writer treats apart (value types and
 * sizes, strings that may or may not be written as text, names with
 * escapes and NULs, hex wrapping at every column, deep and wide keys,
 * values bigger than the output buffer) exported in UTF-8 and in
 * UTF-16LE, against output committed in tests/data/export-expected/.
 *
 * That output was written by the exporter as it was before issue 18
 * rewrote it for speed (commit 28419cb), so these tests hold the rewrite
 * to the old bytes. The values too big to commit are held to the length
 * and FNV-1a digest of the old output. On a mismatch the output is left
 * in export-actual-<name> in the current directory, for diffing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtree.h"
#include "suites.h"
#include "testutil.h"

static esp_mnode child(esp_memtree *t, esp_mnode parent, const char *name, size_t len)
{
	esp_mnode n;
	ck_assert_int_eq(esp_memtree_child(t, parent, name, len, true, &n), ESPDIAG_OK);
	return n;
}

static void value(esp_memtree *t, esp_mnode key, const char *name, size_t name_len,
                  uint32_t type, const void *data, size_t size)
{
	ck_assert_int_eq(esp_memtree_set_value(t, key, name, name_len, type, data, size),
	                 ESPDIAG_OK);
}

/* A REG_SZ (or another type) from UTF-16 units, given as written. */
static void units(esp_memtree *t, esp_mnode key, const char *name, uint32_t type,
                  const uint16_t *u, size_t n)
{
	unsigned char b[64];
	ck_assert_uint_le(2 * n, sizeof b);
	for (size_t i = 0; i < n; i++) {
		b[2 * i] = (unsigned char)(u[i] & 0xFF);
		b[2 * i + 1] = (unsigned char)(u[i] >> 8);
	}
	value(t, key, name, strlen(name), type, b, 2 * n);
}

#define UNITS(t, key, name, type, ...)                                                   \
	do {                                                                              \
		static const uint16_t u_[] = { __VA_ARGS__ };                             \
		units(t, key, name, type, u_, sizeof u_ / sizeof u_[0]);                  \
	} while (0)

/* Strings: what is written as "..." and what falls back to hex(1). */
static void strings(esp_memtree *t, esp_mnode k)
{
	UNITS(t, k, "ascii", ESPDIAG_REG_SZ, 'a', 'b', 'c', 0);
	UNITS(t, k, "escapes", ESPDIAG_REG_SZ, '\\', '"', 'x', '"', '\\', '\\', 0);
	UNITS(t, k, "latin1", ESPDIAG_REG_SZ, 'j', 'o', 's', 0xE9, 0xFC, 0);
	UNITS(t, k, "bmp", ESPDIAG_REG_SZ, 0x2014, 0x4E2D, 0x6587, 0xFFFD, 0xFFFE, 0xFFFF, 0);
	UNITS(t, k, "pair", ESPDIAG_REG_SZ, 'a', 0xD83D, 0xDE00, 'b', 0xDBFF, 0xDFFF, 0);
	UNITS(t, k, "del", ESPDIAG_REG_SZ, 0x7F, 0x80, 0x7FF, 0x800, 0);
	UNITS(t, k, "space", ESPDIAG_REG_SZ, ' ', 0);
	UNITS(t, k, "just-nul", ESPDIAG_REG_SZ, 0);
	UNITS(t, k, "lone-high-end", ESPDIAG_REG_SZ, 'a', 0xD800, 0);
	UNITS(t, k, "lone-high-mid", ESPDIAG_REG_SZ, 0xD800, 'a', 0);
	UNITS(t, k, "lone-low", ESPDIAG_REG_SZ, 'a', 0xDC00, 'b', 0);
	UNITS(t, k, "high-high", ESPDIAG_REG_SZ, 0xD800, 0xD801, 0xDC00, 0);
	UNITS(t, k, "tab", ESPDIAG_REG_SZ, 'a', '\t', 0);
	UNITS(t, k, "us", ESPDIAG_REG_SZ, 0x1F, 0);
	UNITS(t, k, "crlf", ESPDIAG_REG_SZ, 'a', '\r', '\n', 'b', 0);
	UNITS(t, k, "inner-nul", ESPDIAG_REG_SZ, 'a', 0, 'b', 0);
	UNITS(t, k, "two-nuls", ESPDIAG_REG_SZ, 'a', 0, 0);
	UNITS(t, k, "no-nul", ESPDIAG_REG_SZ, 'a', 'b');
	value(t, k, "odd", 3, ESPDIAG_REG_SZ, "a\0\0", 3);
	value(t, k, "one-byte", 8, ESPDIAG_REG_SZ, "\0", 1);
	value(t, k, "empty", 5, ESPDIAG_REG_SZ, NULL, 0);
	/* text in other string types is hex, as regedit writes it */
	UNITS(t, k, "expand", ESPDIAG_REG_EXPAND_SZ, '%', 'P', '%', 0);
	UNITS(t, k, "multi", ESPDIAG_REG_MULTI_SZ, 'a', 0, 'b', 0, 0);
}

/* Numbers and the types written as hex(N). */
static void numbers(esp_memtree *t, esp_mnode k)
{
	static const unsigned char b8[] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF };
	value(t, k, "dword", 5, ESPDIAG_REG_DWORD, b8, 4);
	value(t, k, "dword-max", 9, ESPDIAG_REG_DWORD, "\xff\xff\xff\xff", 4);
	value(t, k, "dword-0", 7, ESPDIAG_REG_DWORD, "\0\0\0\0", 4);
	value(t, k, "dword-3", 7, ESPDIAG_REG_DWORD, b8, 3);
	value(t, k, "dword-5", 7, ESPDIAG_REG_DWORD, b8, 5);
	value(t, k, "dword-empty", 11, ESPDIAG_REG_DWORD, NULL, 0);
	value(t, k, "big-endian", 10, ESPDIAG_REG_DWORD_BIG_ENDIAN, b8, 4);
	value(t, k, "qword", 5, ESPDIAG_REG_QWORD, b8, 8);
	value(t, k, "none", 4, ESPDIAG_REG_NONE, NULL, 0);
	value(t, k, "none-data", 9, ESPDIAG_REG_NONE, b8, 2);
	value(t, k, "binary-empty", 12, ESPDIAG_REG_BINARY, NULL, 0);
	value(t, k, "binary-1", 8, ESPDIAG_REG_BINARY, "\xff", 1);
	value(t, k, "link", 4, ESPDIAG_REG_LINK, b8, 8);
	value(t, k, "type-a", 6, 0xA, b8, 2);
	value(t, k, "type-max", 8, 0xFFFFFFFFu, b8, 2);
	value(t, k, "type-odd", 8, 0x12345678u, b8, 2);
	value(t, k, "type-100", 8, 0x100, b8, 1);
	value(t, k, "dump-text", 9, ESPDIAG_REG_DUMP_TEXT, "dword:1", 7);
}

/* Names: the default value, escapes, a NUL, bytes that are not UTF-8. */
static void names(esp_memtree *t, esp_mnode k)
{
	static const unsigned char d[] = { 'v', 0, 0, 0 };
	value(t, k, "", 0, ESPDIAG_REG_SZ, d, sizeof d);
	value(t, k, "a\"b\\c", 5, ESPDIAG_REG_SZ, d, sizeof d);
	value(t, k, "nul\0in", 6, ESPDIAG_REG_DWORD, "\1\0\0\0", 4);
	value(t, k, "\0", 1, ESPDIAG_REG_DWORD, "\2\0\0\0", 4);
	value(t, k, "caf\xc3\xa9", 5, ESPDIAG_REG_SZ, d, sizeof d);
	value(t, k, "bad\xff\xfe", 5, ESPDIAG_REG_SZ, d, sizeof d);
	value(t, k, "trunc\xe2\x82", 7, ESPDIAG_REG_DWORD, "\3\0\0\0", 4);
	value(t, k, "=[]@", 4, ESPDIAG_REG_SZ, d, sizeof d);
}

/* Hex wrapping: a value per name length from 0 to 82 (a prefix of 5 to
 * 90 columns), 30 bytes each; escaped and multi-byte names count as the
 * bytes they are written as; then sizes around the line length. */
static void wraps(esp_memtree *t, esp_mnode k)
{
	unsigned char b[80];
	char name[96];
	for (size_t i = 0; i < sizeof b; i++)
		b[i] = (unsigned char)(i * 37 + 5);
	for (size_t len = 0; len <= 82; len++) {
		for (size_t i = 0; i < len; i++)
			name[i] = (char)('A' + (len + i) % 26);
		value(t, k, name, len, len % 2 ? ESPDIAG_REG_BINARY : ESPDIAG_REG_EXPAND_SZ, b, 30);
	}
	value(t, k, "\\\\\\\\\\\\\\\\\\\\", 10, ESPDIAG_REG_BINARY, b, 60);
	value(t, k, "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad", 9, ESPDIAG_REG_BINARY, b, 60);
	for (size_t size = 20; size <= 80; size++) {
		snprintf(name, sizeof name, "size%zu", size);
		value(t, k, name, strlen(name), ESPDIAG_REG_BINARY, b, size);
	}
}

/* Keys: names with characters .reg paths do not escape, a NUL, bytes
 * that are not UTF-8; a chain deeper than any path seen in the wild with
 * siblings after it (a path cut back on return), a key without values. */
static void keys(esp_memtree *t, esp_mnode k)
{
	static const unsigned char d[] = { 1, 0, 0, 0 };
	esp_mnode odd = child(t, k, "quote\"]bracket[", 15);
	value(t, odd, "x", 1, ESPDIAG_REG_DWORD, d, 4);
	esp_mnode nul = child(t, k, "nul\0key", 7);
	value(t, nul, "x", 1, ESPDIAG_REG_DWORD, d, 4);
	child(t, nul, "below", 5);
	child(t, k, "bad\xff", 4);
	child(t, k, "\xe4\xb8\xad\xe6\x96\x87", 6);
	esp_mnode deep = child(t, k, "Deep", 4);
	for (int i = 0; i < 40; i++) {
		char name[32];
		snprintf(name, sizeof name, "level%02d-%.*s", i, i % 7, "abcdefg");
		esp_mnode next = child(t, deep, name, strlen(name));
		if (i % 5 == 0) {
			snprintf(name, sizeof name, "side%02d", i);
			esp_mnode side = child(t, deep, name, strlen(name));
			value(t, side, "at", 2, ESPDIAG_REG_DWORD, &i, 4);
		}
		deep = next;
	}
	value(t, deep, "bottom", 6, ESPDIAG_REG_DWORD, d, 4);
	child(t, k, "After", 5);
}

/* The view of the committed output: two mounts, so that the root has
 * several children and keys made only to hold a mount. */
static espdiag_registry *edge_view(void)
{
	esp_memtree *t;
	ck_assert_int_eq(esp_memtree_new(&t), ESPDIAG_OK);
	esp_mnode root = esp_memtree_root(t);
	strings(t, child(t, root, "Strings", 7));
	numbers(t, child(t, root, "Numbers", 7));
	names(t, child(t, root, "Names", 5));
	wraps(t, child(t, root, "Wraps", 5));
	keys(t, child(t, root, "Keys", 4));
	esp_memtree *u;
	ck_assert_int_eq(esp_memtree_new(&u), ESPDIAG_OK);
	static const unsigned char d[] = { 'u', 0, 0, 0 };
	value(u, child(u, esp_memtree_root(u), "Env", 3), "Path", 4, ESPDIAG_REG_SZ, d, 4);
	espdiag_registry *reg;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_mount(reg, "HKLM\\SOFTWARE\\Edge", esp_memtree_backend(t)),
	                 ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_mount(reg, "HKCU", esp_memtree_backend(u)), ESPDIAG_OK);
	return reg;
}

static char *export(espdiag_registry *reg, const espdiag_key *key, uint32_t flags, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(espdiag_registry_export(reg, key, flags, f), ESPDIAG_OK);
	ck_assert_int_eq(fclose(f), 0);
	return text;
}

static void keep_actual(const char *name, const char *text, size_t len)
{
	char path[256];
	snprintf(path, sizeof path, "export-actual-%s", name);
	FILE *f = fopen(path, "wb");
	if (f != NULL) {
		fwrite(text, 1, len, f);
		fclose(f);
	}
}

/* text equals tests/data/export-expected/<name>. */
static void assert_expected(const char *name, const char *text, size_t len)
{
	char rel[128];
	size_t want_len;
	snprintf(rel, sizeof rel, "export-expected/%s", name);
	unsigned char *want = tu_read_file(tu_data_path(rel), &want_len);
	bool same = want != NULL && want_len == len && memcmp(want, text, len) == 0;
	if (!same)
		keep_actual(name, text, len);
	free(want);
	ck_assert_msg(same, "export differs from %s (%zu bytes, expected %zu); see export-actual-%s",
	              rel, len, want ? want_len : 0, name);
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/* text has the length and FNV-1a digest of the old output (for outputs
 * too big to commit). */
static void assert_digest(const char *name, const char *text, size_t len, size_t want_len,
                          uint64_t want_fnv)
{
	uint64_t h = fnv1a(text, len);
	if (len != want_len || h != want_fnv)
		keep_actual(name, text, len);
	ck_assert_msg(len == want_len && h == want_fnv,
	              "%s: %zu bytes, FNV-1a %016llx; expected %zu bytes, %016llx", name, len,
	              (unsigned long long)h, want_len, (unsigned long long)want_fnv);
}

START_TEST(edge_tree_utf8)
{
	espdiag_registry *reg = edge_view();
	size_t len;
	char *text = export(reg, NULL, 0, &len);
	assert_expected("edge.reg", text, len);
	free(text);
	espdiag_registry_free(reg);
}
END_TEST

START_TEST(edge_tree_utf16le)
{
	espdiag_registry *reg = edge_view();
	size_t len;
	char *text = export(reg, NULL, ESPDIAG_EXPORT_UTF16LE, &len);
	assert_digest("edge-utf16le.reg", text, len, 78324, 0xa90ee992800e2a06ull);
	free(text);
	espdiag_registry_free(reg);
}
END_TEST

/* A subtree: each key's path still starts at the view's root. */
START_TEST(edge_subtree)
{
	espdiag_registry *reg = edge_view();
	const espdiag_key *k;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\SOFTWARE\\Edge\\Keys\\Deep\\"
	                                               "level00-\\level01-a\\level02-ab"),
	                 ESPDIAG_OK);
	size_t len;
	char *text = export(reg, k, 0, &len);
	assert_digest("edge-subtree.reg", text, len, 13720, 0xb53674b3b46b62f6ull);
	free(text);
	/* a key that is a mount point, and one that only holds mounts */
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKCU"), ESPDIAG_OK);
	text = export(reg, k, 0, &len);
	ck_assert_str_eq(text, "Windows Registry Editor Version 5.00\r\n\r\n"
	                       "[HKEY_CURRENT_USER]\r\n\r\n"
	                       "[HKEY_CURRENT_USER\\Env]\r\n\"Path\"=\"u\"\r\n\r\n");
	free(text);
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM"), ESPDIAG_OK);
	text = export(reg, k, 0, &len);
	ck_assert_uint_gt(len, 120);
	ck_assert_mem_eq(text, "Windows Registry Editor Version 5.00\r\n\r\n"
	                       "[HKEY_LOCAL_MACHINE]\r\n\r\n"
	                       "[HKEY_LOCAL_MACHINE\\SOFTWARE]\r\n\r\n"
	                       "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Edge]\r\n\r\n"
	                       "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Edge\\Strings]\r\n",
	                 120);
	free(text);
	espdiag_registry_free(reg);
}
END_TEST

/* Values far bigger than the writer's buffer (64 KiB): a hex value of
 * 300,000 bytes, a string of 200,000 units of 1 to 4 UTF-8 bytes each
 * with escapes, and many keys, so that the output is flushed (and in
 * UTF-16 converted) many times, within values and between keys. */
static espdiag_registry *big_view(void)
{
	esp_memtree *t;
	ck_assert_int_eq(esp_memtree_new(&t), ESPDIAG_OK);
	esp_mnode root = esp_memtree_root(t), k = child(t, root, "Big", 3);
	size_t n = 300000, units_n = 200000;
	unsigned char *b = malloc(2 * units_n);
	ck_assert_ptr_nonnull(b);
	uint32_t x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = (unsigned char)(x >> 16);
	}
	value(t, k, "hex", 3, ESPDIAG_REG_BINARY, b, n);
	for (size_t i = 0; i + 1 < units_n; i++) {
		static const uint16_t pick[] = { 'a', '\\', '"', 0xE9, 0x4E2D, 0xD83D, 0xDE00, 'z' };
		uint16_t u = pick[i % 8];
		if (u == 0xD83D && i + 2 >= units_n)
			u = 'q'; /* no pair cut by the NUL */
		b[2 * i] = (unsigned char)(u & 0xFF);
		b[2 * i + 1] = (unsigned char)(u >> 8);
	}
	b[2 * units_n - 2] = b[2 * units_n - 1] = 0;
	value(t, k, "sz", 2, ESPDIAG_REG_SZ, b, 2 * units_n);
	free(b);
	for (uint32_t i = 0; i < 3000; i++) {
		char name[32];
		snprintf(name, sizeof name, "key%04u-\xc3\xa9", i);
		esp_mnode c = child(t, child(t, root, name, strlen(name)), "sub", 3);
		value(t, c, "v", 1, ESPDIAG_REG_DWORD, &i, 4);
	}
	espdiag_registry *reg;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_mount(reg, "HKLM\\SOFTWARE", esp_memtree_backend(t)),
	                 ESPDIAG_OK);
	return reg;
}

static const struct big_case {
	uint32_t flags;
	const char *name;
	size_t len;
	uint64_t fnv;
} big_cases[] = {
	{ 0, "big.reg", 1671153, 0xc3a092cb41189ec6ull },
	{ ESPDIAG_EXPORT_UTF16LE, "big-utf16le.reg", 3080308, 0xf39b019fcb9a4463ull },
};

START_TEST(big_values)
{
	const struct big_case *c = &big_cases[_i];
	espdiag_registry *reg = big_view();
	size_t len;
	char *text = export(reg, NULL, c->flags, &len);
	assert_digest(c->name, text, len, c->len, c->fnv);
	free(text);
	espdiag_registry_free(reg);
}
END_TEST

Suite *suite_export(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, edge_tree_utf8);
	tcase_add_test(tc, edge_tree_utf16le);
	tcase_add_test(tc, edge_subtree);
	tcase_add_loop_test(tc, big_values, 0, sizeof big_cases / sizeof big_cases[0]);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * tests/check_regtext.c - the .reg reader (lib/regtext.c) through the
 * public registry view: every grammar rule of regedit files, the lenient
 * MDMDiagReport dump dialect, each encoding, every value type, warnings
 * with their exact line, column and byte offset, damaged input (truncated,
 * odd byte count, lone surrogate, NUL, binary), an empty file, a 10 MB
 * line, caps, and a round trip through espdiag_registry_export().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "readers.h"
#include "suites.h"
#include "testutil.h"
#include "unicode.h"

#define V5 "Windows Registry Editor Version 5.00\r\n\r\n"
#define KEY "[HKEY_CURRENT_USER\\Software\\T]\r\n"

/* ------------------------------------------------------------------ */
/* helpers */

static espdiag_registry *open_ok(const char *text)
{
	espdiag_registry *reg = tu_open_text(text);
	ck_assert_msg(reg != NULL, "open failed for: %s", text);
	return reg;
}

static const espdiag_value *value_of(espdiag_registry *reg, const char *path,
                                     const char *name)
{
	const espdiag_key *k = NULL;
	ck_assert_msg(espdiag_registry_key(&k, reg, path) == ESPDIAG_OK, "no key %s", path);
	const espdiag_value *v = NULL;
	int rc = espdiag_key_value(&v, k, name);
	ck_assert_msg(rc == ESPDIAG_OK, "no value %s in %s", name, path);
	return v;
}

static bool has_value(espdiag_registry *reg, const char *path, const char *name)
{
	const espdiag_key *k = NULL;
	const espdiag_value *v = NULL;
	return espdiag_registry_key(&k, reg, path) == ESPDIAG_OK &&
	       espdiag_key_value(&v, k, name) == ESPDIAG_OK;
}

static bool has_key(espdiag_registry *reg, const char *path)
{
	const espdiag_key *k = NULL;
	return espdiag_registry_key(&k, reg, path) == ESPDIAG_OK;
}

static void check_bytes(const espdiag_value *v, uint32_t type, const void *data, size_t size)
{
	ck_assert_uint_eq(espdiag_value_type(v), type);
	ck_assert_uint_eq(espdiag_value_size(v), size);
	if (size > 0)
		ck_assert_mem_eq(espdiag_value_data(v), data, size);
}

/* A REG_SZ whose data is the UTF-16LE of utf8 plus its NUL. */
static void check_sz(espdiag_registry *reg, const char *path, const char *name,
                     const char *utf8)
{
	size_t n;
	const unsigned char *u = tu_utf16(utf8, &n);
	check_bytes(value_of(reg, path, name), ESPDIAG_REG_SZ, u, n);
}

/* The UTF-16LE of utf8 with its NUL: what a value kept as text holds. */
static void check_text(espdiag_registry *reg, const char *path, const char *name,
                       const char *utf8)
{
	size_t n;
	const unsigned char *u = tu_utf16(utf8, &n);
	check_bytes(value_of(reg, path, name), ESPDIAG_REG_DUMP_TEXT, u, n);
}

static void check_dword(espdiag_registry *reg, const char *path, const char *name, uint32_t x)
{
	uint32_t got = 0;
	const espdiag_value *v = value_of(reg, path, name);
	ck_assert_uint_eq(espdiag_value_type(v), ESPDIAG_REG_DWORD);
	ck_assert_int_eq(espdiag_value_get_dword(v, &got), ESPDIAG_OK);
	ck_assert_uint_eq(got, x);
}

static void check_warning(espdiag_registry *reg, size_t index, uint64_t line, uint64_t col,
                          uint64_t off, const char *words)
{
	const espdiag_warning *w = espdiag_registry_warning_at(reg, index, NULL);
	ck_assert_msg(w != NULL, "no warning %zu", index);
	ck_assert_msg(w->line == line && w->column == col && w->offset == off,
	              "warning %zu at %llu:%llu @%llu (%s), want %llu:%llu @%llu", index,
	              (unsigned long long)w->line, (unsigned long long)w->column,
	              (unsigned long long)w->offset, w->message, (unsigned long long)line,
	              (unsigned long long)col, (unsigned long long)off);
	ck_assert_msg(strstr(w->message, words) != NULL, "warning %zu is \"%s\", want \"%s\"",
	              index, w->message, words);
}

static const char *prop(espdiag_registry *reg, const char *name)
{
	const char *p = espdiag_registry_source_property(reg, 0, name);
	return p != NULL ? p : "(null)";
}

/* BOM + UTF-16LE of utf8 (no terminator), malloc'd. */
static unsigned char *utf16_file(const char *utf8, size_t *size)
{
	unsigned char *u = NULL;
	size_t n = 0;
	ck_assert_int_eq(esp_utf8_to_utf16le(&u, &n, utf8, strlen(utf8)), 0);
	unsigned char *f = malloc(n + 2);
	f[0] = 0xFF;
	f[1] = 0xFE;
	memcpy(f + 2, u, n);
	free(u);
	*size = n + 2;
	return f;
}

static espdiag_registry *open_with(const void *data, size_t size, const char *codepage,
                                   int *status)
{
	espdiag_registry *reg = NULL;
	espdiag_open_options o = ESPDIAG_OPEN_OPTIONS_INIT;
	o.codepage = codepage;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	*status = espdiag_registry_open_memory(reg, data, size, "test", NULL, &o);
	return reg;
}

/* ------------------------------------------------------------------ */
/* regedit grammar */

START_TEST(test_value_types)
{
	espdiag_registry *reg = open_ok(
		V5 KEY
		"\"sz\"=\"text\"\r\n"
		"@=\"default\"\r\n"
		"\"dw\"=dword:0000002a\r\n"
		"\"bin\"=hex:01,ab,FF\r\n"
		"\"none\"=hex(0):10,20\r\n"
		"\"expand\"=hex(2):25,00,50,00,00,00\r\n"
		"\"multi\"=hex(7):61,00,00,00,62,00,00,00,00,00\r\n"
		"\"qw\"=hex(b):01,02,03,04,05,06,07,08\r\n"
		"\"be\"=hex(5):00,00,00,01\r\n"
		"\"big\"=hex(ffffffff):7f\r\n"
		"\"empty\"=hex:\r\n"
		"\"emptysz\"=\"\"\r\n");
	const char *k = "HKCU\\Software\\T";
	check_sz(reg, k, "sz", "text");
	check_sz(reg, k, "", "default");
	check_dword(reg, k, "dw", 42);
	check_bytes(value_of(reg, k, "bin"), 3, "\x01\xab\xff", 3);
	check_bytes(value_of(reg, k, "none"), 0, "\x10\x20", 2);
	check_bytes(value_of(reg, k, "expand"), 2, "%\0P\0\0\0", 6);
	check_bytes(value_of(reg, k, "multi"), 7, "a\0\0\0b\0\0\0\0\0", 10);
	check_bytes(value_of(reg, k, "qw"), 11, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	check_bytes(value_of(reg, k, "be"), 5, "\0\0\0\x01", 4);
	check_bytes(value_of(reg, k, "big"), 0xFFFFFFFFu, "\x7f", 1);
	check_bytes(value_of(reg, k, "empty"), 3, NULL, 0);
	check_bytes(value_of(reg, k, "emptysz"), 1, "\0\0", 2);
	uint64_t q = 0;
	ck_assert_int_eq(espdiag_value_get_qword(value_of(reg, k, "qw"), &q), ESPDIAG_OK);
	ck_assert_uint_eq(q, 0x0807060504030201ull);
	const espdiag_key *key;
	ck_assert_int_eq(espdiag_registry_key(&key, reg, k), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_value_count(key), 12);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
	ck_assert_str_eq(prop(reg, "format"), "reg");
	ck_assert_str_eq(prop(reg, "encoding"), "utf-8");
	ck_assert_str_eq(prop(reg, "dialect"), "regedit5");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_keys_merge_in_order)
{
	espdiag_registry *reg = open_ok(
		V5 "[HKEY_LOCAL_MACHINE\\Software\\A]\n\"x\"=\"1\"\n\"y\"=\"2\"\n"
		"[HKEY_LOCAL_MACHINE\\Software\\B]\n"
		"[hklm\\SOFTWARE\\a]\n\"x\"=\"3\"\n\"z\"=\"4\"\n"
		"[HKLM\\Software\\A\\\\Sub\\]\n");
	const espdiag_key *k;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\Software"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_subkey_count(k), 2);
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\software\\a"), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_key_name(k), "A");
	ck_assert_uint_eq(espdiag_key_value_count(k), 3);
	const espdiag_value *v;
	ck_assert_int_eq(espdiag_key_value_at(&v, k, 0), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_value_name(v), "x");
	ck_assert_int_eq(espdiag_key_value_at(&v, k, 2), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_value_name(v), "z");
	check_sz(reg, "HKLM\\Software\\A", "x", "3");
	ck_assert(has_key(reg, "HKLM\\Software\\A\\Sub"));
	ck_assert_uint_eq(espdiag_key_subkey_count(k), 1);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_root_aliases)
{
	espdiag_registry *reg = open_ok(
		V5 "[HKCU\\a]\n[HKLM\\b]\n[HKCR\\c]\n[HKU\\d]\n[HKCC\\e]\n[hkey_users\\f]\n");
	ck_assert(has_key(reg, "HKEY_CURRENT_USER\\a"));
	ck_assert(has_key(reg, "HKEY_LOCAL_MACHINE\\b"));
	ck_assert(has_key(reg, "HKEY_CLASSES_ROOT\\c"));
	ck_assert(has_key(reg, "HKEY_USERS\\d"));
	ck_assert(has_key(reg, "HKEY_CURRENT_CONFIG\\e"));
	ck_assert(has_key(reg, "HKEY_USERS\\f"));
	const espdiag_key *k;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKCU"), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_key_name(k), "HKEY_CURRENT_USER");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_delete_key_and_value)
{
	espdiag_registry *reg = open_ok(
		V5 "[HKCU\\A\\B\\C]\n\"v\"=\"1\"\n"
		"[HKCU\\A\\D]\n\"w\"=\"2\"\n\"gone\"=\"3\"\n"
		"[-HKCU\\a\\b]\n"
		"\"after\"=\"lost\"\n"
		"[HKCU\\A\\D]\n\"gone\"=-\n\"missing\"=-\n\"w\" = - ;comment\n"
		"[-HKCU\\A\\Nothing]\n");
	ck_assert(!has_key(reg, "HKCU\\A\\B"));
	ck_assert(!has_key(reg, "HKCU\\A\\B\\C"));
	ck_assert(has_key(reg, "HKCU\\A\\D"));
	ck_assert(!has_value(reg, "HKCU\\A\\D", "gone"));
	ck_assert(!has_value(reg, "HKCU\\A\\D", "w"));
	/* A deletion closes the key: the value after it belongs nowhere. */
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 1);
	check_warning(reg, 0, 9, 1, 103, "outside of any key");
	tu_registry_free(reg);
}
END_TEST

/* Key lines skip the lookups of a path prefix they share with a path
 * opened lately (lib/regtext.c): interleaved subtrees, another spelling of
 * a key, a doubled backslash, and a deletion (after which no remembered
 * path may serve) must all land where a fresh walk would. */
#define INTERLEAVED_PATHS                                                              \
	V5 "[HKCU\\A\\B\\C]\n\"v\"=\"1\"\n"                                  \
	   "[HKCU\\X\\Y]\n"                                                        \
	   "[HKCU\\A\\B\\D]\n\"v\"=\"2\"\n"                                  \
	   "[HKCU\\X\\Y\\Z]\n"                                                   \
	   "[HKCU\\a\\b\\c]\n\"w\"=\"3\"\n"                                  \
	   "[HKCU\\A\\\\B\\E]\n"                                               \
	   "[HKCU\\A\\B\\D\\Deep]\n"                                           \
	   "[HKCU\\A\\B\\C]\n\"x\"=\"4\"\n"

START_TEST(test_key_paths_remembered)
{
	/* The lines build one C (three values), a D with its child, an E. */
	espdiag_registry *reg = open_ok(INTERLEAVED_PATHS);
	const espdiag_key *k;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKCU\\A\\B"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_subkey_count(k), 3);
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKCU\\A\\B\\C"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_value_count(k), 3);
	ck_assert_str_eq(espdiag_key_name(k), "C");
	ck_assert(has_key(reg, "HKCU\\A\\B\\D\\Deep"));
	ck_assert(has_key(reg, "HKCU\\A\\B\\E"));
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKCU"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_subkey_count(k), 2);
	tu_registry_free(reg);

	/* After the deletion, A\B is made anew, with F alone. */
	reg = open_ok(INTERLEAVED_PATHS "[-HKCU\\A\\B]\n"
	                                "[HKCU\\A\\B\\F]\n\"v\"=\"5\"\n"
	                                "[HKCU\\X\\Y\\Z]\n\"z\"=\"6\"\n");
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKCU\\A\\B"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_subkey_count(k), 1);
	check_sz(reg, "HKCU\\A\\B\\F", "v", "5");
	ck_assert(!has_key(reg, "HKCU\\A\\B\\C"));
	ck_assert(!has_key(reg, "HKCU\\A\\B\\D\\Deep"));
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKCU\\X"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_subkey_count(k), 1);
	check_sz(reg, "HKCU\\X\\Y\\Z", "z", "6");
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_delete_key_malformed)
{
	/* "[ -..." and "[- ..." delete nothing (Windows ignores them). */
	espdiag_registry *reg = open_ok(V5 "[HKCU\\K]\n[ -HKCU\\K]\n[- HKCU\\K]\n[-HKCU]\n");
	ck_assert(has_key(reg, "HKCU\\K"));
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 3);
	check_warning(reg, 0, 4, 2, 50, "white space");
	check_warning(reg, 1, 5, 3, 62, "root key");
	check_warning(reg, 2, 6, 3, 73, "root key cannot be deleted");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_string_escapes)
{
	espdiag_registry *reg = open_ok(
		V5 KEY
		"\"a\"=\"q\\\"uote \\\\ back\"\r\n"
		"\"b\"=\"line\\nfeed\\rret\"\r\n"
		"\"na\\\"me\\\\\"=\"x\"\r\n"
		"\"c\"=\"tab\\tx\"\r\n"
		"\"d\"=\"nul\\0\"\r\n"
		"\"e\"=\"end\\\r\n");
	const char *k = "HKCU\\Software\\T";
	check_sz(reg, k, "a", "q\"uote \\ back");
	check_sz(reg, k, "b", "line\nfeed\rret");
	check_sz(reg, k, "na\"me\\", "x");
	check_sz(reg, k, "c", "tabtx");
	ck_assert(!has_value(reg, k, "d"));
	ck_assert(!has_value(reg, k, "e"));
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 3);
	/* line 7 starts at byte 134 */
	check_warning(reg, 0, 7, 9, 142, "unknown escape \\t");
	check_warning(reg, 1, 8, 9, 156, "\\0");
	check_warning(reg, 2, 9, 9, 169, "backslash at the end");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_comments_and_blanks)
{
	espdiag_registry *reg = open_ok(
		V5 "; a comment\n# another\n" KEY
		"  \t\"a\" \t= \t\"x\" ;trailing\n"
		"\"b\"=\"y\"#not a comment\n"
		"\"c\"=dword:1 ;c\n"
		"\"d\"=hex:01,02 ;c\n"
		"\t@=\"def\"\t \n"
		"garbage line\n");
	const char *k = "HKCU\\Software\\T";
	check_sz(reg, k, "a", "x");
	ck_assert(!has_value(reg, k, "b"));
	check_dword(reg, k, "c", 1);
	check_bytes(value_of(reg, k, "d"), 3, "\x01\x02", 2);
	check_sz(reg, k, "", "def");
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 2);
	check_warning(reg, 0, 7, 8, 126, "after the closing quote");
	check_warning(reg, 1, 11, 1, 184, "not a key, value or comment");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_line_endings)
{
	/* CR LF, LF and a lone CR all end a line. */
	espdiag_registry *reg = open_ok(
		"Windows Registry Editor Version 5.00\r\n[HKCU\\E]\n\"a\"=\"1\"\r\"b\"=\"2\"\r\n"
		"\"c\"=dword:zz\n");
	check_sz(reg, "HKCU\\E", "a", "1");
	check_sz(reg, "HKCU\\E", "b", "2");
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 1);
	check_warning(reg, 0, 5, 11, 74, "bad dword");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_hex_continuation)
{
	espdiag_registry *reg = open_ok(
		V5 KEY
		"\"a\"=hex:01,02,\\\n"
		"  03,04,\\ ;comment\n"
		"\n"
		"; between\n"
		"  05\n"
		"\"b\"=hex(7):61,00,\\\n"
		"\"lost\"=\"x\"\n"
		"\"c\"=hex:01,\\\n"
		"  02\\\n"
		"\"d\"=hex:0a,\\ x\n");
	const char *k = "HKCU\\Software\\T";
	check_bytes(value_of(reg, k, "a"), 3, "\x01\x02\x03\x04\x05", 5);
	/* Windows drops the value and the line that broke it off. */
	ck_assert(!has_value(reg, k, "b"));
	ck_assert(!has_value(reg, k, "lost"));
	ck_assert(!has_value(reg, k, "c"));
	ck_assert(!has_value(reg, k, "d"));
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 3);
	check_warning(reg, 0, 10, 1, 142, "not hex data");
	check_warning(reg, 1, 12, 5, 170, "expected ',' between hex bytes");
	check_warning(reg, 2, 13, 14, 185, "after the continuation backslash");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_hex_errors)
{
	espdiag_registry *reg = open_ok(
		V5 KEY
		"\"a\"=hex:01,100\n"
		"\"b\"=hex:01,,02\n"
		"\"c\"=hex(100000000):01\n"
		"\"d\"=hex(0x2):01\n"
		"\"e\"=hex(2:01\n"
		"\"f\"=qword:01\n"
		"\"g\"=HEX:01\n"
		"\"h\"=hex:0x1f,+2\n");
	const char *k = "HKCU\\Software\\T";
	for (const char *n = "abcdefg"; *n != '\0'; n++) {
		char name[2] = { *n, 0 };
		ck_assert_msg(!has_value(reg, k, name), "value %s stored", name);
	}
	check_bytes(value_of(reg, k, "h"), 3, "\x1f\x02", 2);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 7);
	check_warning(reg, 0, 4, 12, 83, "out of range");
	check_warning(reg, 1, 5, 12, 98, "expected a hex byte");
	check_warning(reg, 2, 6, 9, 110, "bad type number");
	check_warning(reg, 3, 7, 9, 132, "bad type number");
	check_warning(reg, 4, 8, 9, 148, "bad type number");
	check_warning(reg, 5, 9, 5, 157, "unknown value type");
	check_warning(reg, 6, 10, 5, 170, "unknown value type");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_dword_rules)
{
	espdiag_registry *reg = open_ok(
		V5 KEY
		"\"a\"=dword:ffffffff\n"
		"\"b\"=dword:  12\n"
		"\"c\"=dword:123456789\n"
		"\"d\"=dword:\n"
		"\"e\"=dword:0x1\n"
		"\"f\"=DWORD:1\n");
	const char *k = "HKCU\\Software\\T";
	check_dword(reg, k, "a", 0xFFFFFFFFu);
	check_dword(reg, k, "b", 0x12);
	ck_assert(!has_value(reg, k, "c"));
	ck_assert(!has_value(reg, k, "d"));
	ck_assert(!has_value(reg, k, "e"));
	/* Windows' prefixes are lower case; the dump dialect takes any case. */
	ck_assert(!has_value(reg, k, "f"));
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 4);
	check_warning(reg, 0, 6, 11, 116, "more than 8");
	check_warning(reg, 1, 7, 11, 136, "dword without digits");
	check_warning(reg, 2, 8, 12, 148, "bad dword");
	check_warning(reg, 3, 9, 5, 155, "unknown value type");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_value_before_key_and_bad_keys)
{
	espdiag_registry *reg = open_ok(
		V5 "\"early\"=\"x\"\n"
		"[HKCU\\Good]\n"
		"[HKCU\\Unterminated\n"
		"\"kept\"=\"y\"\n"
		"[HKEY_NOWHERE\\x]\n"
		"\"dropped\"=\"z\"\n"
		"[HKCU\\Tail] junk\n");
	/* Windows keeps the key open after a line it cannot use. */
	check_sz(reg, "HKCU\\Good", "kept", "y");
	ck_assert(!has_key(reg, "HKCU\\Unterminated"));
	ck_assert(!has_value(reg, "HKCU\\Good", "dropped"));
	ck_assert(has_key(reg, "HKCU\\Tail"));
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 5);
	check_warning(reg, 0, 3, 1, 40, "outside of any key");
	check_warning(reg, 1, 5, 19, 82, "no closing ']'");
	check_warning(reg, 2, 7, 2, 95, "unknown root key");
	check_warning(reg, 3, 8, 1, 111, "outside of any key");
	check_warning(reg, 4, 9, 13, 137, "text after the key name");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_name_rules)
{
	espdiag_registry *reg = open_ok(
		V5 KEY
		"\"\"=\"empty name is the default\"\n"
		"\"  spaced  \"=\"1\"\n"
		"\"NoEnd=\"2\"\n"
		"NoQuotes=\"3\"\n"
		"\"x\"\"=\"4\"\n"
		"\"Case\"=\"5\"\n"
		"\"CASE\"=\"6\"\n");
	const char *k = "HKCU\\Software\\T";
	check_sz(reg, k, "", "empty name is the default");
	check_sz(reg, k, "  spaced  ", "1");
	check_sz(reg, k, "case", "6");
	const espdiag_key *key;
	ck_assert_int_eq(espdiag_registry_key(&key, reg, k), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_value_count(key), 3);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 3);
	check_warning(reg, 0, 6, 9, 128, "expected '='");
	check_warning(reg, 1, 7, 1, 131, "not a key, value or comment");
	check_warning(reg, 2, 8, 4, 147, "expected '='");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_hex_strings_get_a_nul)
{
	/* Windows ends hex(1|2|7) data of a UTF-16 file with a NUL when it
	 * lacks one (over an odd last byte). */
	size_t size;
	unsigned char *f = utf16_file(V5 KEY "\"a\"=hex(2):41,00,42,00\n\"b\"=hex(7):41,00,00,00\n"
	                              "\"c\"=hex(1):41,00,42\n\"d\"=hex(3):41\n", &size);
	int rc;
	espdiag_registry *reg = tu_open_bytes(f, size, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	const char *k = "HKCU\\Software\\T";
	check_bytes(value_of(reg, k, "a"), 2, "A\0B\0\0\0", 6);
	check_bytes(value_of(reg, k, "b"), 7, "A\0\0\0", 4);
	check_bytes(value_of(reg, k, "c"), 1, "A\0\0\0\0", 5);
	check_bytes(value_of(reg, k, "d"), 3, "A", 1);
	tu_registry_free(reg);
	free(f);

	/* A UTF-8 regedit 5 file (Windows never writes one; our export does)
	 * keeps the bytes as written. */
	reg = open_ok(V5 KEY "\"a\"=hex(2):41,00,42,00\n\"c\"=hex(1):41,00,42\n");
	check_bytes(value_of(reg, k, "a"), 2, "A\0B\0", 4);
	check_bytes(value_of(reg, k, "c"), 1, "A\0B", 3);
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_headers)
{
	/* REGEDIT4: ANSI; hex(2) bytes are ANSI text made UTF-16. */
	espdiag_registry *reg = open_ok("  REGEDIT4\n[HKCU\\R4]\n\"a\"=hex(2):41,42\n");
	check_bytes(value_of(reg, "HKCU\\R4", "a"), 2, "A\0B\0\0\0", 6);
	ck_assert_str_eq(prop(reg, "dialect"), "regedit4");
	ck_assert_str_eq(prop(reg, "encoding"), "windows-1252");
	tu_registry_free(reg);

	/* "REGEDIT" + anything: Windows imports nothing. */
	reg = open_ok("REGEDIT 4\n[HKCU\\R4]\n\"a\"=\"x\"\n");
	ck_assert(!has_key(reg, "HKCU\\R4"));
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 1);
	check_warning(reg, 0, 1, 1, 0, "unsupported regedit header");
	tu_registry_free(reg);

	/* Windows 3.1: "REGEDIT", then HKEY_CLASSES_ROOT lines. */
	reg = open_ok("REGEDIT\r\nHKEY_CLASSES_ROOT\\.txt = txtfile\r\n"
	              "HKEY_CLASSES_ROOT\\txtfile\\shell  open \r\n ignored\r\n");
	check_sz(reg, "HKCR\\.txt", "", "txtfile");
	check_sz(reg, "HKCR\\txtfile\\shell", "", "open ");
	ck_assert_str_eq(prop(reg, "dialect"), "regedit3");
	tu_registry_free(reg);
}
END_TEST

/* ------------------------------------------------------------------ */
/* encodings */

START_TEST(test_utf16le_bom)
{
	size_t size;
	unsigned char *f = utf16_file(V5 "[HKCU\\Gr\xc3\xbc\xc3\x9f" "e]\r\n"
	                              "\"\xe2\x82\xac\"=\"\xf0\x9f\x98\x80 \xc3\xa9\"\r\n"
	                              "\"x\"=hex(2):41,00\r\n",
	                              &size);
	int rc;
	espdiag_registry *reg = tu_open_bytes(f, size, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	check_sz(reg, "HKCU\\GR\xc3\x9c\xc3\x9f" "E", "\xe2\x82\xac", "\xf0\x9f\x98\x80 \xc3\xa9");
	check_bytes(value_of(reg, "HKCU\\Gr\xc3\xbc\xc3\x9f" "e", "x"), 2, "A\0\0\0", 4);
	ck_assert_str_eq(prop(reg, "encoding"), "utf-16le");
	ck_assert_str_eq(prop(reg, "dialect"), "regedit5");
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
	tu_registry_free(reg);
	free(f);
}
END_TEST

START_TEST(test_utf8_with_and_without_bom)
{
	const char *body = V5 "[HKCU\\Caf\xc3\xa9]\n\"n\xc3\xa9\"=\"\xc3\xa9t\xc3\xa9\"\n";
	char with[256] = "\xef\xbb\xbf";
	strcat(with, body);
	for (int i = 0; i < 2; i++) {
		espdiag_registry *reg = open_ok(i == 0 ? body : with);
		check_sz(reg, "HKCU\\CAF\xc3\x89", "N\xc3\x89", "\xc3\xa9t\xc3\xa9");
		ck_assert_str_eq(prop(reg, "encoding"), "utf-8");
		ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
		tu_registry_free(reg);
	}
}
END_TEST

START_TEST(test_regedit4_windows_1252)
{
	/* 0xE9 is U+00E9 and 0x80 is U+20AC in Windows-1252. */
	espdiag_registry *reg = open_ok("REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\Caf\xe9]\r\n"
	                                "\"n\xe9\"=\"\xe9t\xe9 \x80\"\r\n");
	check_sz(reg, "HKCU\\Caf\xc3\xa9", "n\xc3\xa9", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac");
	ck_assert_str_eq(prop(reg, "encoding"), "windows-1252");
	ck_assert_str_eq(prop(reg, "dialect"), "regedit4");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_codepage_option)
{
	/* Windows-1251: 0xC0 is U+0410, 0xFF is U+044F. */
	static const char text[] = "REGEDIT4\n[HKCU\\\xc0]\n\"\xff\"=\"\xc0\xff\"\n";
	int rc;
	espdiag_registry *reg = open_with(text, strlen(text), "CP1251", &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	check_sz(reg, "HKCU\\\xd0\x90", "\xd1\x8f", "\xd0\x90\xd1\x8f");
	ck_assert_str_eq(prop(reg, "encoding"), "cp1251");
	espdiag_registry_free(reg);

	reg = open_with(text, strlen(text), "NO-SUCH-CODEPAGE", &rc);
	ck_assert_int_eq(rc, ESPDIAG_EENCODING);
	ck_assert_ptr_nonnull(strstr(espdiag_registry_errmsg(reg), "NO-SUCH-CODEPAGE"));
	espdiag_registry_free(reg);
}
END_TEST

START_TEST(test_not_utf8_means_codepage)
{
	/* No header, no BOM, not UTF-8: the ANSI code page (the dump dialect). */
	espdiag_registry *reg = open_ok("[HKCU\\X]\n \"a\"=\"\xe9\"\n");
	check_sz(reg, "HKCU\\X", "a", "\xc3\xa9");
	ck_assert_str_eq(prop(reg, "encoding"), "windows-1252");
	ck_assert_str_eq(prop(reg, "dialect"), "dump");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_utf8_bom_bad_byte)
{
	espdiag_registry *reg = open_ok("\xef\xbb\xbf" V5 KEY "\"a\"=\"x\xffy\"\n");
	check_sz(reg, "HKCU\\Software\\T", "a", "x\xef\xbf\xbdy");
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 1);
	/* line 4 starts at byte 3 + 40 + 32 = 75; the bad byte is at 81 */
	check_warning(reg, 0, 4, 7, 81, "invalid UTF-8 byte 0xff");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_utf16_without_bom)
{
	/* Lenient: UTF-16LE text without its BOM is still recognised. */
	size_t size;
	unsigned char *f = utf16_file("[HKCU\\U]\r\n \"a\"=\"\xc3\xa9\"\r\n", &size);
	int rc;
	espdiag_registry *reg = tu_open_bytes(f + 2, size - 2, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	check_sz(reg, "HKCU\\U", "a", "\xc3\xa9");
	ck_assert_str_eq(prop(reg, "encoding"), "utf-16le");
	tu_registry_free(reg);
	free(f);
}
END_TEST

/* The reader tells the input which bytes it is done with, every few MB. */
static size_t consumed_calls, consumed_last;
static void record_consumed(esp_input *in, size_t upto)
{
	/* the first call, for 0, asks for the start to be mapped */
	if (consumed_calls == 0)
		ck_assert_uint_eq(upto, 0);
	else
		ck_assert_uint_gt(upto, consumed_last);
	ck_assert_uint_le(upto, in->size);
	consumed_calls++;
	consumed_last = upto;
}

START_TEST(test_consumed_hint)
{
	const size_t lines = 400000;
	const char *line = " \"Value\"=dword:00000001\r\n"; /* 26 bytes */
	size_t n = strlen(line);
	char *text = malloc(16 + lines * n);
	strcpy(text, "[HKCU\\C]\r\n");
	size_t len = strlen(text);
	for (size_t i = 0; i < lines; i++, len += n)
		memcpy(text + len, line, n);
	esp_input in;
	esp_input_wrap(&in, text, len, "big");
	in.consumed = record_consumed;
	consumed_calls = consumed_last = 0;
	espdiag_backend *be = NULL;
	esp_err err;
	ck_assert_int_eq(esp_regtext_open(&be, &in, NULL, &err), ESPDIAG_OK);
	/* about 10 MB read: at least two hints, the last one past 8 MB */
	ck_assert_uint_ge(consumed_calls, 2);
	ck_assert_uint_gt(consumed_last, (size_t)8 << 20);
	be->free(be);
	free(text);
}
END_TEST

/* ------------------------------------------------------------------ */
/* the dump dialect */

START_TEST(test_dump_dialect)
{
	size_t size;
	unsigned char *f = utf16_file(
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\X]\r\n"
		" \"CustomErrorText\"=\"Setup could not finish. Call the \"Help Desk\" on x1234 "
		"or see \\\\fs01\\it\\esp.\"\r\n"
		"    \"Four\"=DWORD:0000002A\r\n"
		"\t\"Tab\"=dword:1\r\n"
		"  \"Json\"=\"{\"a\":\"C:\\\\Temp\"}\"\r\n"
		" \"Bin\"=HEX:01,02,\\\r\n"
		"   03\r\n"
		" \"Exp\"=hex(2):41,00\r\n"
		" \"raw\\\"name\"=\"v\"\r\n"
		" @=\"def\"\r\n\r\n",
		&size);
	int rc;
	espdiag_registry *reg = tu_open_bytes(f, size, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	const char *k = "HKLM\\SOFTWARE\\Microsoft\\X";
	check_sz(reg, k, "CustomErrorText",
	         "Setup could not finish. Call the \"Help Desk\" on x1234 or see "
	         "\\\\fs01\\it\\esp.");
	check_dword(reg, k, "Four", 42);
	check_dword(reg, k, "Tab", 1);
	check_sz(reg, k, "Json", "{\"a\":\"C:\\\\Temp\"}");
	check_bytes(value_of(reg, k, "Bin"), 3, "\x01\x02\x03", 3);
	/* the dump keeps hex bytes as written: no NUL added */
	check_bytes(value_of(reg, k, "Exp"), 2, "A\0", 2);
	check_sz(reg, k, "raw\\\"name", "v");
	check_sz(reg, k, "", "def");
	ck_assert_str_eq(prop(reg, "dialect"), "dump");
	ck_assert_str_eq(prop(reg, "encoding"), "utf-16le");
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
	tu_registry_free(reg);
	free(f);
}
END_TEST

/* Key components and dump value names of every length up to 40, with a
 * raw quote and a non-ASCII character at shifting places: the scans that
 * take eight units a step agree with the unit-by-unit ones at every
 * block edge. */
static void scan_names(int len, char *comp, char *name)
{
	char *c = comp, *n = name;
	for (int j = 0; j < len; j++) {
		*c++ = (char)('A' + (j + len) % 26);
		if (j == len % 11 && j > 0) {
			*n++ = '"';
		} else if (j == (len * len) % 17) {
			*n++ = (char)0xC3; /* U+00E9 */
			*n++ = (char)0xA9;
		} else {
			*n++ = (char)('a' + j % 26);
		}
	}
	*c = *n = '\0';
}

START_TEST(test_scans_at_every_length)
{
	char comp[64], name[128], line[256], path[128];
	char *text = NULL;
	size_t used = 0;
	for (int len = 1; len <= 40; len++) {
		scan_names(len, comp, name);
		int n = snprintf(line, sizeof line,
		                 "[HKEY_LOCAL_MACHINE\\Scan\\%s\\x]\r\n \"%s\"=\"v%d\"\r\n\r\n", comp,
		                 name, len);
		text = realloc(text, used + (size_t)n + 1);
		ck_assert_ptr_nonnull(text);
		memcpy(text + used, line, (size_t)n + 1);
		used += (size_t)n;
	}
	size_t size;
	unsigned char *f = utf16_file(text, &size);
	int rc;
	espdiag_registry *reg = tu_open_bytes(f, size, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
	for (int len = 1; len <= 40; len++) {
		char want[16];
		scan_names(len, comp, name);
		snprintf(path, sizeof path, "HKLM\\Scan\\%s\\x", comp);
		snprintf(want, sizeof want, "v%d", len);
		check_sz(reg, path, name, want);
	}
	tu_registry_free(reg);
	free(f);
	free(text);
}
END_TEST

START_TEST(test_dump_lenient_recovery)
{
	espdiag_registry *reg = open_ok(
		"[HKCU\\D]\n"
		" \"a\"=hex:01,\\\n"
		" \"b\"=\"kept\"\n"
		"[HKCU\\Broken\n"
		" \"c\"=\"no key\"\n"
		"[HKCU\\E]\n"
		" \"d\"=\"unterminated\n"
		" \"e\"=\"x\" junk\n\n");
	/* The line that cut the value short is read as usual; the value is
	 * kept as the text it was written as. */
	check_text(reg, "HKCU\\D", "a", "hex:01,\\");
	check_sz(reg, "HKCU\\D", "b", "kept");
	/* An unusable key line closes the key in the dump dialect. */
	ck_assert(!has_value(reg, "HKCU\\D", "c"));
	/* A string that does not close, text after the last quote: kept as
	 * text too. */
	check_text(reg, "HKCU\\E", "d", "\"unterminated");
	check_text(reg, "HKCU\\E", "e", "\"x\" junk");
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 5);
	check_warning(reg, 0, 3, 2, 24, "not hex data; value kept as text");
	check_warning(reg, 1, 4, 13, 47, "no closing ']'");
	check_warning(reg, 2, 5, 2, 49, "outside of any key");
	check_warning(reg, 3, 7, 19, 89, "missing closing quote; value kept as text");
	check_warning(reg, 4, 8, 10, 99, "text after the closing quote; value kept as text");
	/* the key line and the value after it were lost */
	ck_assert_str_eq(prop(reg, "damaged"), "yes");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_corpus_custom_error_text)
{
	static const char *files[] = { "esp/device-app-failed.reg", "esp/mixed-msi-win32.reg",
		                       "esp/success.reg", "esp/user-esp-skipped.reg" };
	static const char *dialects[] = { "dump", "dump", "dump", "regedit5" };
	const char *want = "Setup could not finish. Call the \"Help Desk\" on x1234 or see "
	                   "\\\\fs01\\it\\esp.";
	if (tu_corpus_path("esp") == NULL)
		return;
	for (size_t i = 0; i < 4; i++) {
		espdiag_registry *reg = NULL;
		ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
		ck_assert_int_eq(espdiag_registry_open_file(reg, tu_corpus_path(files[i]), NULL, NULL),
		                 ESPDIAG_OK);
		ck_assert_str_eq(prop(reg, "dialect"), dialects[i]);
		ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
		const espdiag_key *k;
		ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\SOFTWARE\\Microsoft\\Enrollments"),
		                 ESPDIAG_OK);
		bool found = false;
		for (size_t s = 0; s < espdiag_key_subkey_count(k); s++) {
			const espdiag_key *e, *fs;
			const espdiag_value *v;
			ck_assert_int_eq(espdiag_key_subkey_at(&e, k, s), ESPDIAG_OK);
			if (espdiag_key_subkey(&fs, e, "FirstSync") != ESPDIAG_OK ||
			    espdiag_key_value(&v, fs, "CustomErrorText") != ESPDIAG_OK)
				continue;
			char *text = NULL;
			ck_assert_int_eq(espdiag_value_get_string(&text, v), ESPDIAG_OK);
			ck_assert_str_eq(text, want);
			espdiag_free(text);
			found = true;
		}
		ck_assert_msg(found, "%s: no CustomErrorText", files[i]);
		espdiag_registry_free(reg);
	}
}
END_TEST

START_TEST(test_corpus_tracking_policies)
{
	const char *path = tu_corpus_path("esp/device-app-failed.reg");
	if (path == NULL)
		return;
	espdiag_registry *reg = NULL;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(reg, path, NULL, NULL), ESPDIAG_OK);
	check_dword(reg,
	            "HKLM\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\EnrollmentStatusTracking\\Device"
	            "\\Setup\\Apps\\PolicyProviders\\Sidecar",
	            "TrackingPoliciesCreated", 1);
	espdiag_registry_free(reg);
}
END_TEST

/* ------------------------------------------------------------------ */
/* damaged input */

START_TEST(test_truncated_file)
{
	/* Cut inside a string: what came before is kept. The last line has
	 * no line end: the input ends early. */
	espdiag_registry *reg = open_ok(V5 KEY "\"a\"=\"whole\"\n\"b\"=\"cut sho");
	check_sz(reg, "HKCU\\Software\\T", "a", "whole");
	ck_assert(!has_value(reg, "HKCU\\Software\\T", "b"));
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 2);
	check_warning(reg, 0, 5, 13, 96, "missing closing quote");
	check_warning(reg, 1, 5, 13, 96, "input ends early (truncated?): the last line has no line end");
	ck_assert_str_eq(prop(reg, "damaged"), "yes");
	tu_registry_free(reg);

	/* Cut inside a continued hex value: Windows keeps the bytes read. */
	reg = open_ok(V5 KEY "\"h\"=hex:01,02,\\\n  03,\\");
	check_bytes(value_of(reg, "HKCU\\Software\\T", "h"), 3, "\x01\x02\x03", 3);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 2);
	check_warning(reg, 0, 5, 7, 94, "ends inside a continued hex value");
	check_warning(reg, 1, 5, 7, 94, "input ends early (truncated?)");
	tu_registry_free(reg);

	/* Cut inside a key line. */
	reg = open_ok("[HKCU\\A]\n \"a\"=\"1\"\n[HKCU\\B");
	check_sz(reg, "HKCU\\A", "a", "1");
	ck_assert(!has_key(reg, "HKCU\\B"));
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 2);
	check_warning(reg, 0, 3, 8, 25, "no closing ']'");
	check_warning(reg, 1, 3, 8, 25, "input ends early (truncated?)");
	tu_registry_free(reg);

	/* Cut inside a DWORD: the digits read would make a wrong number. */
	reg = open_ok("[HKCU\\A]\r\n    \"a\"=DWORD:0000");
	check_dword(reg, "HKCU\\A", "a", 0);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 1);
	check_warning(reg, 0, 2, 19, 28, "input ends early (truncated?)");
	ck_assert_str_eq(prop(reg, "damaged"), "yes");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_odd_byte_count)
{
	size_t size;
	unsigned char *f = utf16_file("[HKCU\\O]\r\n \"a\"=\"1\"\r\n", &size);
	unsigned char *g = malloc(size + 1);
	memcpy(g, f, size);
	g[size] = 'Z';
	int rc;
	espdiag_registry *reg = tu_open_bytes(g, size + 1, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	check_sz(reg, "HKCU\\O", "a", "1");
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 1);
	/* the byte after the last line end: line 3, column 1 */
	check_warning(reg, 0, 3, 1, size, "odd number of bytes");
	tu_registry_free(reg);
	free(f);
	free(g);
}
END_TEST

START_TEST(test_lone_surrogate)
{
	size_t size;
	unsigned char *f = utf16_file("[HKCU\\S]\r\n \"a\"=\"x?y\"\r\n\r\n", &size);
	/* line 2 starts at unit 1 + 10 = byte 22; '?' is its 7th unit */
	size_t at = 22 + 2 * 7;
	ck_assert_uint_eq(f[at], '?');
	f[at] = 0x00;
	f[at + 1] = 0xD8;
	int rc;
	espdiag_registry *reg = tu_open_bytes(f, size, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	check_bytes(value_of(reg, "HKCU\\S", "a"), 1, "x\0\xfd\xffy\0\0\0", 8);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 1);
	check_warning(reg, 0, 2, 8, at, "lone UTF-16 surrogate");
	tu_registry_free(reg);
	free(f);
}
END_TEST

START_TEST(test_nul_in_line)
{
	static const char text[] = "[HKCU\\N]\n \"a\"=\"x\"\0junk\n \"b\"=\"y\"\n\n";
	int rc;
	espdiag_registry *reg = tu_open_bytes(text, sizeof text - 1, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	check_sz(reg, "HKCU\\N", "a", "x");
	check_sz(reg, "HKCU\\N", "b", "y");
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 1);
	check_warning(reg, 0, 2, 9, 17, "NUL character");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_empty_file)
{
	/* An empty file, or a BOM alone, is not a registry file. */
	int rc;
	espdiag_registry *reg = tu_open_bytes("", 0, &rc);
	ck_assert_ptr_null(reg);
	ck_assert_int_eq(rc, ESPDIAG_EFORMAT);
	reg = tu_open_bytes("\xff\xfe", 2, &rc);
	ck_assert_ptr_null(reg);
	ck_assert_int_eq(rc, ESPDIAG_EFORMAT);

	/* A header alone is an empty registry (a whole line: else the input
	 * ends early). */
	reg = open_ok("Windows Registry Editor Version 5.00\r\n");
	ck_assert_str_eq(prop(reg, "format"), "reg");
	ck_assert_uint_eq(espdiag_key_subkey_count(espdiag_registry_root(reg)), 0);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
	tu_registry_free(reg);
	reg = open_ok("Windows Registry Editor Version 5.00");
	ck_assert_uint_eq(espdiag_key_subkey_count(espdiag_registry_root(reg)), 0);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 1);
	check_warning(reg, 0, 1, 37, 36, "input ends early (truncated?)");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_binary_file)
{
	unsigned char junk[4096];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof junk; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (unsigned char)(x >> 16);
	}
	junk[10] = 0;
	int rc;
	espdiag_registry *reg = tu_open_bytes(junk, sizeof junk, &rc);
	ck_assert_ptr_null(reg);
	ck_assert_int_eq(rc, ESPDIAG_EFORMAT);
	static const unsigned char nuls[64];
	reg = tu_open_bytes(nuls, sizeof nuls, &rc);
	ck_assert_ptr_null(reg);
	ck_assert_int_eq(rc, ESPDIAG_EFORMAT);
}
END_TEST

START_TEST(test_bids)
{
	ck_assert_int_eq(esp_regtext_bid((const unsigned char *)"", 0), 1);
	ck_assert_int_eq(esp_regtext_bid((const unsigned char *)"\xff\xfe[\0", 4), 100);
	ck_assert_int_eq(esp_regtext_bid((const unsigned char *)"\xef\xbb\xbfx", 4), 100);
	ck_assert_int_eq(esp_regtext_bid((const unsigned char *)" REGEDIT4\r\n", 11), 100);
	ck_assert_int_eq(esp_regtext_bid((const unsigned char *)V5, strlen(V5)), 100);
	ck_assert_int_eq(esp_regtext_bid((const unsigned char *)"\r\n [hkey_x]", 11), 50);
	ck_assert_int_eq(esp_regtext_bid((const unsigned char *)"[\0H\0K\0E\0Y\0_\0", 12), 50);
	ck_assert_int_eq(esp_regtext_bid((const unsigned char *)"[HKCU\\x]", 9), 50);
	ck_assert_int_eq(esp_regtext_bid((const unsigned char *)"hello\n", 6), 10);
	ck_assert_int_eq(esp_regtext_bid((const unsigned char *)"regf\0\0\0\0", 8), 0);
	ck_assert_int_eq(esp_regtext_bid((const unsigned char *)"ab\x01" "c", 4), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* limits */

START_TEST(test_caps)
{
	size_t cap = 2 * 1200 + 20000 + 1024;
	char *text = malloc(cap);
	/* 512 levels with the root key are allowed, 513 are not */
	strcpy(text, V5 "[HKCU");
	for (int i = 0; i < 511; i++)
		strcat(text, "\\k");
	strcat(text, "]\n[HKCU");
	for (int i = 0; i < 512; i++)
		strcat(text, "\\k");
	strcat(text, "]\n[HKCU\\");
	size_t n = strlen(text);
	memset(text + n, 'a', 256);
	strcpy(text + n + 256, "]\n" KEY "\"");
	n = strlen(text);
	memset(text + n, 'v', 16384);
	strcpy(text + n + 16384, "\"=\"x\"\n\"ok\"=\"y\"\n");
	espdiag_registry *reg = open_ok(text);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 3);
	/* line 4 starts at 40 + 5 + 2 * 511 + 2 = 1069; its 512th component
	 * at column 5 + 2 * 512 = 1029 */
	check_warning(reg, 0, 4, 1029, 2097, "deeper than 512");
	check_warning(reg, 1, 5, 7, 2106, "longer than 255");
	check_warning(reg, 2, 7, 1, 2396, "longer than 16383");
	check_sz(reg, "HKCU\\Software\\T", "ok", "y");
	const espdiag_key *k;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKCU\\k"), ESPDIAG_OK);
	int depth = 2;
	while (espdiag_key_subkey_count(k) > 0) {
		ck_assert_int_eq(espdiag_key_subkey_at(&k, k, 0), ESPDIAG_OK);
		depth++;
	}
	ck_assert_int_eq(depth, 512);
	tu_registry_free(reg);
	free(text);
}
END_TEST

START_TEST(test_option_caps)
{
	static const char text[] = V5 "[HKCU\\a]\n\"v1\"=\"1\"\n\"v2\"=hex:01,02,03,04,05\n"
	                           "\"v3\"=\"3\"\n[HKCU\\b\\c]\n[HKCU\\a\\d]\n";
	espdiag_registry *reg = NULL;
	espdiag_open_options o = ESPDIAG_OPEN_OPTIONS_INIT;
	o.max_keys = 3;       /* HKEY_CURRENT_USER, a, b */
	o.max_values = 2;
	o.max_value_size = 4;      /* "1" as REG_SZ is 4 bytes */
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_memory(reg, text, sizeof text - 1, "t", NULL, &o),
	                 ESPDIAG_OK);
	check_sz(reg, "HKCU\\a", "v1", "1");
	ck_assert(!has_value(reg, "HKCU\\a", "v2"));
	check_sz(reg, "HKCU\\a", "v3", "3");
	ck_assert(has_key(reg, "HKCU\\b"));
	ck_assert(!has_key(reg, "HKCU\\b\\c"));
	ck_assert(!has_key(reg, "HKCU\\a\\d"));
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 2);
	check_warning(reg, 0, 5, 1, 58, "over the cap of 4 bytes");
	check_warning(reg, 1, 7, 9, 99, "more than 3 keys");
	espdiag_registry_free(reg);
}
END_TEST

/* Issue 19: a line longer than a value may be is left out the moment it
 * passes the cap, holding no more of it than the cap (a window of the
 * file, a line buffer of the cap), and the lines after it still read. */
#define LC_VALUE_CAP ((uint64_t)1 << 20)
#define LC_HEAD "[HKCU\\L]\r\n    \"big\"=\""
#define LC_TAIL "\"\r\n    \"after\"=DWORD:0000002a\r\n    \"fits\"=\""

static size_t lc_long(void)
{
	return getenv("ESPDIAG_TEST_UNDER_VALGRIND") != NULL ? (size_t)2 << 20 : (size_t)16 << 20;
}

/* Appends the text of the test dump (a long line of n characters, then a
 * DWORD line and a string line of 500000 characters, which fits) as
 * units of width bytes: 1, or 2 for UTF-16LE. first is the long line's
 * first byte (0xE9 makes an 8-bit text Windows-1252). */
static void lc_emit(void (*put)(void *, const void *, size_t), void *ctx, size_t width,
                    size_t n, unsigned char first)
{
	unsigned char chunk[2 * 4096];
	const char *parts[] = { LC_HEAD, LC_TAIL, "\"\r\n\r\n" };
	for (int part = 0; part < 3; part++) {
		size_t fill = part == 0 ? n : part == 1 ? 500000 : 0;
		size_t len = strlen(parts[part]);
		for (size_t i = 0; i < len; i++) {
			chunk[width * i] = (unsigned char)parts[part][i];
			if (width == 2)
				chunk[2 * i + 1] = 0;
		}
		put(ctx, chunk, width * len);
		for (size_t done = 0; done < fill;) {
			size_t k = fill - done < 4096 ? fill - done : 4096;
			for (size_t i = 0; i < k; i++) {
				chunk[width * i] = (unsigned char)(part == 0 ? 'a' + (done + i) % 26 : 'b');
				if (width == 2)
					chunk[width * i + 1] = 0;
			}
			if (done == 0 && part == 0 && first != 0)
				chunk[0] = first;
			put(ctx, chunk, width * k);
			done += k;
		}
	}
}

typedef struct lc_buf {
	unsigned char *b;
	size_t len, cap;
} lc_buf;

static void lc_put_mem(void *ctx, const void *d, size_t n)
{
	lc_buf *t = ctx;
	ck_assert_uint_le(t->len + n, t->cap);
	memcpy(t->b + t->len, d, n);
	t->len += n;
}

static void lc_put_file(void *ctx, const void *d, size_t n)
{
	ck_assert_uint_eq(fwrite(d, 1, n, ctx), n);
}

static long lc_peak_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static bool lc_measure(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return false;
#endif
#endif
	return getenv("ESPDIAG_TEST_UNDER_VALGRIND") == NULL;
}

static void lc_check(espdiag_registry *reg, uint64_t off, uint64_t line_bytes)
{
	check_dword(reg, "HKCU\\L", "after", 42);
	ck_assert_uint_eq(espdiag_value_size(value_of(reg, "HKCU\\L", "fits")), 2 * 500000 + 2);
	ck_assert(!has_value(reg, "HKCU\\L", "big"));
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 1);
	char words[160];
	snprintf(words, sizeof words,
	         "line of %llu bytes is longer than a value's size cap (1048576 bytes) allows; "
	         "line left out",
	         (unsigned long long)line_bytes);
	check_warning(reg, 0, 2, 1, off, words);
	ck_assert_str_eq(prop(reg, "damaged"), "yes");
}

START_TEST(test_line_cap)
{
	size_t n = lc_long();
	espdiag_open_options o = ESPDIAG_OPEN_OPTIONS_INIT;
	o.max_value_size = LC_VALUE_CAP;
	/* the long line in bytes: indent, name, '=', quotes */
	uint64_t line = 4 + 5 + 1 + 2 + n;
	/* 8-bit text from memory: UTF-8 (ASCII), then Windows-1252 */
	for (int cp = 0; cp < 2; cp++) {
		lc_buf t = { malloc(n + 600000), 0, n + 600000 };
		ck_assert_ptr_nonnull(t.b);
		lc_emit(lc_put_mem, &t, 1, n, cp ? 0xE9 : 0);
		long before = lc_peak_kib();
		espdiag_registry *reg = NULL;
		ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
		ck_assert_int_eq(espdiag_registry_open_memory(reg, t.b, t.len, "t", NULL, &o),
		                 ESPDIAG_OK);
		ck_assert_str_eq(prop(reg, "encoding"), cp ? "windows-1252" : "utf-8");
		lc_check(reg, 10, line);
		if (lc_measure())
			ck_assert_msg(lc_peak_kib() - before < 8 << 10, "%s: peak RSS grew by %ld KiB",
			              prop(reg, "encoding"), lc_peak_kib() - before);
		espdiag_registry_free(reg);

		/* The same line with no line end: it is the last line. */
		t.len = 10 + line;
		ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
		ck_assert_int_eq(espdiag_registry_open_memory(reg, t.b, t.len, "t", NULL, &o),
		                 ESPDIAG_OK);
		ck_assert_uint_eq(espdiag_registry_warning_count(reg), 2);
		check_warning(reg, 1, 2, line + 1, 10 + line, "input ends early (truncated?)");
		espdiag_registry_free(reg);
		free(t.b);
	}
	/* UTF-16LE from memory */
	lc_buf t = { malloc(2 * (n + 600000)), 0, 2 * (n + 600000) };
	ck_assert_ptr_nonnull(t.b);
	lc_put_mem(&t, "\xff\xfe", 2);
	lc_emit(lc_put_mem, &t, 2, n, 0);
	espdiag_registry *reg = NULL;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_memory(reg, t.b, t.len, "t", NULL, &o), ESPDIAG_OK);
	lc_check(reg, 2 + 20, 2 * line);
	espdiag_registry_free(reg);
	free(t.b);

	/* UTF-16LE from a file: read through the window, which stays small. */
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/espdiag-longline-XXXXXX",
	         tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "wb");
	ck_assert_ptr_nonnull(f);
	lc_put_file(f, "\xff\xfe", 2);
	lc_emit(lc_put_file, f, 2, n, 0);
	ck_assert_int_eq(fclose(f), 0);
	long before = lc_peak_kib();
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(reg, path, NULL, &o), ESPDIAG_OK);
	lc_check(reg, 2 + 20, 2 * line);
	if (lc_measure())
		ck_assert_msg(lc_peak_kib() - before < 8 << 10, "window: peak RSS grew by %ld KiB",
		              lc_peak_kib() - before);
	espdiag_registry_free(reg);
	remove(path);
}
END_TEST

START_TEST(test_ten_megabyte_line)
{
	const size_t big = 10u << 20;
	const char *head = V5 KEY "\"big\"=\"";
	size_t hn = strlen(head);
	char *text = malloc(hn + big + 8);
	memcpy(text, head, hn);
	for (size_t i = 0; i < big; i++)
		text[hn + i] = (char)('a' + i % 26);
	strcpy(text + hn + big, "\"\n");
	espdiag_registry *reg = open_ok(text);
	const espdiag_value *v = value_of(reg, "HKCU\\Software\\T", "big");
	ck_assert_uint_eq(espdiag_value_type(v), 1);
	ck_assert_uint_eq(espdiag_value_size(v), 2 * big + 2);
	const unsigned char *d = espdiag_value_data(v);
	ck_assert_mem_eq(d, "a\0b\0c\0", 6);
	ck_assert_uint_eq(d[2 * (big - 1)], (unsigned char)('a' + (big - 1) % 26));
	ck_assert_uint_eq(d[2 * big], 0);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
	tu_registry_free(reg);
	free(text);
}
END_TEST

/* ------------------------------------------------------------------ */
/* round trip */

static void compare_keys(const espdiag_key *a, const espdiag_key *b)
{
	ck_assert_uint_eq(espdiag_key_name_len(a), espdiag_key_name_len(b));
	ck_assert_mem_eq(espdiag_key_name(a), espdiag_key_name(b), espdiag_key_name_len(a));
	size_t nv = espdiag_key_value_count(a);
	ck_assert_uint_eq(nv, espdiag_key_value_count(b));
	for (size_t i = 0; i < nv; i++) {
		const espdiag_value *x, *y;
		ck_assert_int_eq(espdiag_key_value_at(&x, a, i), ESPDIAG_OK);
		ck_assert_int_eq(espdiag_key_value_at(&y, b, i), ESPDIAG_OK);
		ck_assert_uint_eq(espdiag_value_name_len(x), espdiag_value_name_len(y));
		ck_assert_mem_eq(espdiag_value_name(x), espdiag_value_name(y),
		                 espdiag_value_name_len(x));
		ck_assert_uint_eq(espdiag_value_type(x), espdiag_value_type(y));
		ck_assert_uint_eq(espdiag_value_size(x), espdiag_value_size(y));
		if (espdiag_value_size(x) > 0)
			ck_assert_mem_eq(espdiag_value_data(x), espdiag_value_data(y),
			                 espdiag_value_size(x));
	}
	size_t nk = espdiag_key_subkey_count(a);
	ck_assert_uint_eq(nk, espdiag_key_subkey_count(b));
	for (size_t i = 0; i < nk; i++) {
		const espdiag_key *x, *y;
		ck_assert_int_eq(espdiag_key_subkey_at(&x, a, i), ESPDIAG_OK);
		ck_assert_int_eq(espdiag_key_subkey_at(&y, b, i), ESPDIAG_OK);
		compare_keys(x, y);
	}
}

static void round_trip(espdiag_registry *reg, uint32_t flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(espdiag_registry_export(reg, espdiag_registry_root(reg), flags, f),
	                 ESPDIAG_OK);
	fclose(f);
	int rc;
	espdiag_registry *again = tu_open_bytes(buf, len, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_registry_warning_count(again), 0);
	ck_assert_str_eq(prop(again, "dialect"), "regedit5");
	compare_keys(espdiag_registry_root(reg), espdiag_registry_root(again));
	tu_registry_free(again);
	free(buf);
}

/* ------------------------------------------------------------------ */
/* a UTF-16 file read through the sliding window */

typedef struct u16text {
	unsigned char *b;
	size_t len, cap;
} u16text;

static void put_unit(u16text *t, uint16_t u)
{
	if (t->len + 2 > t->cap) {
		t->cap = t->cap ? t->cap * 2 : 4096;
		t->b = realloc(t->b, t->cap);
		ck_assert_ptr_nonnull(t->b);
	}
	t->b[t->len++] = (unsigned char)(u & 0xFF);
	t->b[t->len++] = (unsigned char)(u >> 8);
}

static void put_ascii(u16text *t, const char *s)
{
	while (*s != '\0')
		put_unit(t, (uint16_t)(unsigned char)*s++);
}

static void put_line(u16text *t, const char *s, const char *end)
{
	put_ascii(t, s);
	put_ascii(t, end);
}

/* The dump dialect with a line padded so that the last unit of its line
 * end (end: "\r\n", "\r" or "\n") is at file offset edge, then lines of
 * every kind:
 * warnings, a NUL, a lone surrogate, a line longer than the window, and
 * an odd last byte. */
static u16text window_text(size_t edge, const char *end)
{
	u16text t = { NULL, 0, 0 };
	put_unit(&t, 0xFEFF);
	put_line(&t, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\F]", "\r\n");
	char line[256];
	for (int i = 0; t.len + 2 * 300 < edge; i++) {
		snprintf(line, sizeof line, " \"f%d\"=\"%.*s\"", i, i % 90,
		         "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
		         "0123456789abcdefghij");
		put_line(&t, line, i % 3 == 0 ? "\n" : i % 3 == 1 ? "\r" : "\r\n");
	}
	put_ascii(&t, " \"edge\"=\"");
	size_t quote = edge - 2 * strlen(end); /* the offset of the closing quote */
	while (t.len < quote)
		put_unit(&t, 'e');
	put_line(&t, "\"", end);
	put_line(&t, "not a value line", "\r\n");
	put_line(&t, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\G]", "\r");
	put_ascii(&t, " \"nul\"=\"a");
	put_unit(&t, 0);
	put_line(&t, "b\"", "\r\n");
	put_ascii(&t, " \"sur\"=\"x");
	put_unit(&t, 0xDC00);
	put_line(&t, "y\"", "\n");
	put_ascii(&t, " \"long\"=\"");
	for (int i = 0; i < 300000; i++)
		put_unit(&t, (uint16_t)('a' + i % 26));
	put_line(&t, "\"", "\r\n");
	for (int i = 0; i < 20000; i++) {
		snprintf(line, sizeof line, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\H\\K%d]", i);
		put_line(&t, line, i % 2 ? "\r\n" : "\n");
		snprintf(line, sizeof line, " \"v\"=DWORD:%08x", (unsigned)i);
		put_line(&t, line, "\r\n");
		if (i % 5000 == 0)
			put_line(&t, "  junk", "\r\n");
	}
	put_ascii(&t, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Last]");
	t.b[t.len++] = 'x'; /* the odd byte */
	return t;
}

static void compare_warnings(espdiag_registry *a, espdiag_registry *b)
{
	size_t n = espdiag_registry_warning_count(a);
	ck_assert_uint_eq(n, espdiag_registry_warning_count(b));
	for (size_t i = 0; i < n; i++) {
		const espdiag_warning *x = espdiag_registry_warning_at(a, i, NULL);
		const espdiag_warning *y = espdiag_registry_warning_at(b, i, NULL);
		ck_assert_str_eq(x->message, y->message);
		ck_assert_uint_eq(x->line, y->line);
		ck_assert_uint_eq(x->column, y->column);
		ck_assert_uint_eq(x->offset, y->offset);
	}
}

/* Read from a file, UTF-16 text goes through a window that slides and
 * grows; read from memory, it does not. Both must give the same keys,
 * values and warnings wherever the window's first edge falls (its first
 * fill ends 256 KiB after the BOM): just before a line end's last unit
 * (a CR LF cut in two), just after it, or further on. */
START_TEST(test_file_window_matches_memory)
{
	const size_t first_edge = 2 + ((size_t)256 << 10);
	const char *ends[] = { "\r\n", "\r", "\n" };
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/espdiag-window-XXXXXX",
	         tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	for (size_t shift = 0; shift < 8; shift += 2) {
		for (size_t e = 0; e < sizeof ends / sizeof ends[0]; e++) {
			u16text t = window_text(first_edge - shift, ends[e]);
			FILE *f = fopen(path, "wb");
			ck_assert_ptr_nonnull(f);
			ck_assert_uint_eq(fwrite(t.b, 1, t.len, f), t.len);
			ck_assert_int_eq(fclose(f), 0);
			espdiag_registry *from_file;
			ck_assert_int_eq(espdiag_registry_new(&from_file), ESPDIAG_OK);
			ck_assert_int_eq(espdiag_registry_open_file(from_file, path, NULL, NULL),
			                 ESPDIAG_OK);
			int rc;
			espdiag_registry *from_memory = tu_open_bytes(t.b, t.len, &rc);
			ck_assert_int_eq(rc, ESPDIAG_OK);
			compare_keys(espdiag_registry_root(from_memory),
			             espdiag_registry_root(from_file));
			compare_warnings(from_memory, from_file);
			/* the text is all there: the long line, the last key, the
			 * warnings up to the odd byte at the very end */
			ck_assert_uint_eq(espdiag_value_size(value_of(from_file, "HKLM\\SOFTWARE\\G",
			                                              "long")),
			                  2 * 300000 + 2);
			check_dword(from_file, "HKLM\\SOFTWARE\\H\\K19999", "v", 19999);
			ck_assert(has_key(from_file, "HKLM\\SOFTWARE\\Last"));
			size_t nw = espdiag_registry_warning_count(from_file);
			ck_assert_uint_eq(nw, 9);
			ck_assert_uint_eq(espdiag_registry_warning_at(from_file, nw - 1, NULL)->offset,
			                  t.len - 1);
			espdiag_registry_free(from_file);
			tu_registry_free(from_memory);
			free(t.b);
		}
	}
	remove(path);
}
END_TEST

START_TEST(test_round_trip)
{
	size_t size;
	unsigned char *f = utf16_file(
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\R\\\xc3\xa9t\xc3\xa9]\r\n"
		" \"CustomErrorText\"=\"Call the \"Help Desk\" or see \\\\fs01\\it.\"\r\n"
		" \"n\xe2\x82\xac\"=\"\xf0\x9f\x98\x80\"\r\n"
		" \"dw\"=DWORD:0000002a\r\n"
		" \"bin\"=hex:00,ff\r\n"
		" \"exp\"=hex(2):25,00,50,00,00,00\r\n"
		" \"multi\"=hex(7):61,00,00,00,00,00\r\n"
		" \"qw\"=hex(b):01,02,03,04,05,06,07,08\r\n"
		" \"odd\"=hex(12345678):01,02,03\r\n"
		" \"empty\"=hex:\r\n"
		" @=\"\"\r\n"
		"[HKEY_CURRENT_USER\\Software\\Empty]\r\n"
		"[HKEY_USERS\\S-1-5-18\\A\\B]\r\n"
		" \"x\"=\"line\\nnot an escape in the dump\"\r\n",
		&size);
	int rc;
	espdiag_registry *reg = tu_open_bytes(f, size, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	round_trip(reg, 0);
	round_trip(reg, ESPDIAG_EXPORT_UTF16LE);
	tu_registry_free(reg);
	free(f);

	/* Strings Windows would mend (no NUL, an odd size, a control
	 * character) read back as they were from a UTF-8 export. */
	f = utf16_file("[HKEY_CURRENT_USER\\Odd]\r\n"
	               " \"nonul\"=hex(1):41,00\r\n"
	               " \"odd\"=hex(1):41,00,42\r\n"
	               " \"ctl\"=hex(1):09,00,00,00\r\n"
	               " \"exp\"=hex(2):25,00\r\n"
	               " \"multi\"=hex(7):61,00,00,00\r\n",
	               &size);
	reg = tu_open_bytes(f, size, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	round_trip(reg, 0);
	tu_registry_free(reg);
	free(f);
}
END_TEST

START_TEST(test_round_trip_corpus)
{
	static const char *files[] = { "esp/device-app-failed.reg", "esp/mixed-msi-win32.reg",
		                       "esp/success.reg", "esp/user-esp-skipped.reg" };
	if (tu_corpus_path("esp") == NULL)
		return;
	for (size_t i = 0; i < 4; i++) {
		espdiag_registry *reg = NULL;
		ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
		ck_assert_int_eq(espdiag_registry_open_file(reg, tu_corpus_path(files[i]), NULL, NULL),
		                 ESPDIAG_OK);
		round_trip(reg, 0);
		round_trip(reg, ESPDIAG_EXPORT_UTF16LE);
		espdiag_registry_free(reg);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* the dump as mdmdiagnosticstool.exe writes it (EVIDENCE.md section 1) */

#define ENROLLMENT "HKLM\\SOFTWARE\\Microsoft\\Enrollments\\{0B4E8A3C-1F2D-4E5A-9C8B-7D6E5F4A3B2C}"
#define FIXTURE_KEY "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Fixture"
/* The non-ASCII texts of tests/data/dump-cp1252.reg, in UTF-8. */
#define JOSE "Jos\xc3\xa9 M\xc3\xbcller"
#define UPN "jos\xc3\xa9.m\xc3\xbcller@contoso.fr"
#define ERROR_TEXT "Contactez le support \xe2\x80\x94 poste 1234 ou \"Aide\" sur \\\\fs01\\it"

static void check_key_values(espdiag_registry *reg, const char *path, size_t count)
{
	const espdiag_key *k = NULL;
	ck_assert_msg(espdiag_registry_key(&k, reg, path) == ESPDIAG_OK, "no key %s", path);
	ck_assert_uint_eq(espdiag_key_value_count(k), count);
}

static void check_qword(espdiag_registry *reg, const char *path, const char *name,
                        uint64_t x)
{
	unsigned char le[8];
	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)(x >> (8 * i));
	const espdiag_value *v = value_of(reg, path, name);
	check_bytes(v, ESPDIAG_REG_QWORD, le, 8);
	uint64_t got = 0;
	ck_assert_int_eq(espdiag_value_get_qword(v, &got), ESPDIAG_OK);
	ck_assert_uint_eq(got, x);
}

/* Everything tests/data/dump-cp1252.reg holds, whatever its encoding. */
static void check_writer_fixture(espdiag_registry *reg, const char *encoding)
{
	ck_assert_str_eq(prop(reg, "format"), "reg");
	ck_assert_str_eq(prop(reg, "dialect"), "dump");
	ck_assert_str_eq(prop(reg, "encoding"), encoding);
	ck_assert_str_eq(prop(reg, "damaged"), "no");
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
	/* HKCU first, as the writer wrote it */
	const espdiag_key *root = espdiag_registry_root(reg), *k;
	ck_assert_uint_eq(espdiag_key_subkey_count(root), 2);
	ck_assert_int_eq(espdiag_key_subkey_at(&k, root, 0), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_key_name(k), "HKEY_CURRENT_USER");
	ck_assert_int_eq(espdiag_key_subkey_at(&k, root, 1), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_key_name(k), "HKEY_LOCAL_MACHINE");

	check_key_values(reg, FIXTURE_KEY, 2);
	check_sz(reg, FIXTURE_KEY, "DisplayName", JOSE);
	check_dword(reg, FIXTURE_KEY, "Count", 3);
	check_key_values(reg, FIXTURE_KEY "\\Empty", 0);

	check_key_values(reg, ENROLLMENT, 6);
	check_sz(reg, ENROLLMENT, "UPN", UPN);
	check_dword(reg, ENROLLMENT, "EnrollmentState", 1);
	check_qword(reg, ENROLLMENT, "CreationTime", 0x1d9c2b3a4f5e6d7ull);
	check_sz(reg, ENROLLMENT, "Path", "C:\\Program Files\\Contoso\\");
	check_sz(reg, ENROLLMENT, "Json", "{\"state\":\"failed\",\"dir\":\"C:\\\\Temp\"}");
	check_sz(reg, ENROLLMENT, "", "default");

	check_key_values(reg, ENROLLMENT "\\FirstSync", 5);
	check_sz(reg, ENROLLMENT "\\FirstSync", "CustomErrorText", ERROR_TEXT);
	check_dword(reg, ENROLLMENT "\\FirstSync", "SyncFailureTimeout", 60);
	check_dword(reg, ENROLLMENT "\\FirstSync", "SkipUserStatusPage", 0xFFFFFFFFu);
	check_qword(reg, ENROLLMENT "\\FirstSync", "Max", UINT64_MAX);
	check_qword(reg, ENROLLMENT "\\FirstSync", "Zero", 0);
	check_key_values(reg, ENROLLMENT "\\NoValues", 0);
}

START_TEST(test_dump_writer_format)
{
	/* tests/data/dump-cp1252.reg is byte for byte what the writer writes:
	 * no header, Windows-1252 (the "ANSI" code page), CRLF, the HKCU keys
	 * first, four-space indents, DWORD:%08x, QWORD:%I64x, raw strings,
	 * a blank line after each key (keys without values too) and CRLF
	 * after the last blank line. */
	size_t size;
	unsigned char *d = tu_read_file(tu_data_path("dump-cp1252.reg"), &size);
	ck_assert_ptr_nonnull(d);
	ck_assert_mem_eq(d + size - 5, "]\r\n\r\n", 5);
	int rc;
	espdiag_registry *reg = tu_open_bytes(d, size, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	check_writer_fixture(reg, "windows-1252");
	tu_registry_free(reg);
	free(d);
}
END_TEST

START_TEST(test_dump_qword)
{
	espdiag_registry *reg = open_ok("[HKCU\\Q]\r\n"
	                                "    \"lower\"=QWORD:1d9c2b3a4f5e6d7\r\n"
	                                "    \"upper\"=QWORD:1D9C2B3A4F5E6D7\r\n"
	                                "    \"tag\"=qword:Ab\r\n"
	                                "    \"mixed\"=Qword: 10 ;comment\r\n"
	                                "    \"one\"=QWORD:1\r\n"
	                                "    \"full\"=QWORD:8000000000000000\r\n"
	                                "    \"long\"=QWORD:10000000000000000\r\n"
	                                "    \"none\"=QWORD:\r\n"
	                                "    \"blank\"=QWORD: ;x\r\n"
	                                "    \"0x\"=QWORD:0x1\r\n"
	                                "\r\n");
	check_qword(reg, "HKCU\\Q", "lower", 0x1d9c2b3a4f5e6d7ull);
	check_qword(reg, "HKCU\\Q", "upper", 0x1d9c2b3a4f5e6d7ull);
	check_qword(reg, "HKCU\\Q", "tag", 0xab);
	check_qword(reg, "HKCU\\Q", "mixed", 0x10);
	check_qword(reg, "HKCU\\Q", "one", 1);
	check_qword(reg, "HKCU\\Q", "full", 0x8000000000000000ull);
	size_t n;
	const unsigned char *u = tu_utf16("QWORD:10000000000000000", &n);
	check_bytes(value_of(reg, "HKCU\\Q", "long"), ESPDIAG_REG_DUMP_TEXT, u, n);
	u = tu_utf16("QWORD:", &n);
	check_bytes(value_of(reg, "HKCU\\Q", "none"), ESPDIAG_REG_DUMP_TEXT, u, n);
	u = tu_utf16("QWORD: ;x", &n);
	check_bytes(value_of(reg, "HKCU\\Q", "blank"), ESPDIAG_REG_DUMP_TEXT, u, n);
	u = tu_utf16("QWORD:0x1", &n);
	check_bytes(value_of(reg, "HKCU\\Q", "0x"), ESPDIAG_REG_DUMP_TEXT, u, n);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 4);
	check_warning(reg, 0, 8, 18, 203, "qword with more than 16 hex digits; value kept as text");
	check_warning(reg, 1, 9, 18, 239, "qword without digits; value kept as text");
	check_warning(reg, 2, 10, 20, 260, "qword without digits; value kept as text");
	check_warning(reg, 3, 11, 17, 280, "bad qword: expected up to 16 hex digits; value kept");
	ck_assert_str_eq(prop(reg, "damaged"), "no");
	tu_registry_free(reg);

	/* Windows' reg import has no QWORD: spelling: strict files are read
	 * as Windows reads them. */
	reg = open_ok(V5 KEY "\"q\"=QWORD:1\r\n\"d\"=dword:00000001\r\n");
	ck_assert(!has_value(reg, "HKCU\\Software\\T", "q"));
	check_dword(reg, "HKCU\\Software\\T", "d", 1);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 1);
	check_warning(reg, 0, 4, 5, 76, "unknown value type; line ignored");
	ck_assert_str_eq(prop(reg, "damaged"), "yes");
	tu_registry_free(reg);
}
END_TEST

/* The writer's fixture, its text in UTF-8, rewritten in each encoding a
 * re-saved dump may have. */
static char *fixture_as_utf8(size_t *len)
{
	size_t size;
	unsigned char *d = tu_read_file(tu_data_path("dump-cp1252.reg"), &size);
	ck_assert_ptr_nonnull(d);
	char *u = malloc(3 * size + 1);
	size_t n = 0;
	for (size_t i = 0; i < size; i++) {
		/* 0x97 is U+2014 in Windows-1252; its other bytes past 0x9F are
		 * Latin-1's, the code points of the same numbers. */
		if (d[i] == 0x97) {
			memcpy(u + n, "\xe2\x80\x94", 3);
			n += 3;
		} else if (d[i] >= 0x80) {
			ck_assert_uint_ge(d[i], 0xA0); /* Latin-1 and Windows-1252 agree */
			u[n++] = (char)(0xC0 | (d[i] >> 6));
			u[n++] = (char)(0x80 | (d[i] & 0x3F));
		} else {
			u[n++] = (char)d[i];
		}
	}
	u[n] = '\0';
	free(d);
	*len = n;
	return u;
}

START_TEST(test_dump_encodings)
{
	size_t len, size;
	char *text = fixture_as_utf8(&len);
	int rc;
	/* UTF-8 without and with a BOM */
	espdiag_registry *reg = tu_open_bytes(text, len, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	check_writer_fixture(reg, "utf-8");
	tu_registry_free(reg);
	char *bom8 = malloc(len + 3);
	memcpy(bom8, "\xef\xbb\xbf", 3);
	memcpy(bom8 + 3, text, len);
	reg = tu_open_bytes(bom8, len + 3, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	check_writer_fixture(reg, "utf-8");
	tu_registry_free(reg);
	free(bom8);
	/* UTF-16LE with and without a BOM */
	unsigned char *f = utf16_file(text, &size);
	reg = tu_open_bytes(f, size, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	check_writer_fixture(reg, "utf-16le");
	tu_registry_free(reg);
	reg = tu_open_bytes(f + 2, size - 2, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	check_writer_fixture(reg, "utf-16le");
	tu_registry_free(reg);
	free(f);
	free(text);

	/* Windows-1252 by default; the codepage option names another code
	 * page (Windows-1251 here: 0xC0 is U+0410, 0xFF is U+044F). */
	static const char cyrillic[] = "[HKCU\\C]\r\n    \"UPN\"=\"\xc0\xff\"\r\n\r\n";
	reg = open_with(cyrillic, strlen(cyrillic), "CP1251", &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	check_sz(reg, "HKCU\\C", "UPN", "\xd0\x90\xd1\x8f");
	ck_assert_str_eq(prop(reg, "encoding"), "cp1251");
	ck_assert_str_eq(prop(reg, "dialect"), "dump");
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
	espdiag_registry_free(reg);
	reg = open_with(cyrillic, strlen(cyrillic), NULL, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	check_sz(reg, "HKCU\\C", "UPN", "\xc3\x80\xc3\xbf");
	ck_assert_str_eq(prop(reg, "encoding"), "windows-1252");
	espdiag_registry_free(reg);
}
END_TEST

START_TEST(test_dump_undecoded_lines)
{
	size_t size;
	unsigned char *d = tu_read_file(tu_data_path("dump-odd-lines.reg"), &size);
	ck_assert_ptr_nonnull(d);
	int rc;
	espdiag_registry *reg = tu_open_bytes(d, size, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	const char *k = "HKLM\\SOFTWARE\\Fixture\\Odd";
	static const char *const kept[][2] = {
		{ "Multi", "MULTI_SZ:a,b" },
		{ "Bin", "BINARY:00 01" },
		{ "Exp", "EXPAND_SZ:%SystemRoot%\\x" },
		{ "BadMulti", "hex(7):61,00,zz" },
		{ "RegSz", "REG_SZ:text" },
		{ "Tag", "SOMETAG:some text  " },
		{ "Euro", "TEXT:\xe2\x82\xac 5" },
		{ "BadDword", "DWORD:12xz" },
		{ "LongDword", "DWORD:123456789" },
		{ "NoDigits", "DWORD:" },
		{ "LongQword", "QWORD:12345678901234567" },
		{ "NoQword", "QWORD:" },
		{ "Nothing", "" },
		{ "Open", "\"no closing quote" },
		{ "Junk", "\"x\" junk" },
		{ "BadType", "hex(zz):01" },
		{ "Dash", "-x" },
		{ "Continued", "hex:01,02,\\\r\n      03,zz" },
		{ "Cut", "hex:01,\\" },
	};
	size_t nkept = sizeof kept / sizeof kept[0];
	const espdiag_key *key;
	ck_assert_int_eq(espdiag_registry_key(&key, reg, k), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_value_count(key), nkept + 2);
	for (size_t i = 0; i < nkept; i++) {
		const espdiag_value *v;
		ck_assert_int_eq(espdiag_key_value_at(&v, key, i), ESPDIAG_OK);
		ck_assert_str_eq(espdiag_value_name(v), kept[i][0]);
		check_text(reg, k, kept[i][0], kept[i][1]);
	}
	check_dword(reg, k, "After", 1);
	check_qword(reg, k, "Qword", 0x1d9c2b3a4f5e6d7ull);

	static const struct {
		uint64_t line, col, off;
		const char *words;
	} notes[] = {
		{ 4, 13, 241, "unknown value type \"MULTI_SZ:\"; value kept as text (REG_DUMP_TEXT)" },
		{ 5, 11, 265, "unknown value type \"BINARY:\"" },
		{ 6, 11, 289, "unknown value type \"EXPAND_SZ:\"" },
		{ 7, 29, 343, "expected a hex byte; value kept as text" },
		{ 8, 13, 359, "unknown value type \"REG_SZ:\"" },
		{ 9, 11, 382, "unknown value type \"SOMETAG:\"" },
		{ 10, 12, 414, "unknown value type \"TEXT:\"" },
		{ 11, 24, 447, "bad dword: expected up to 8 hex digits; value kept as text" },
		{ 12, 23, 473, "dword with more than 8 hex digits; value kept as text" },
		{ 13, 22, 505, "dword without digits; value kept as text" },
		{ 14, 23, 529, "qword with more than 16 hex digits; value kept as text" },
		{ 15, 21, 568, "qword without digits; value kept as text" },
		{ 16, 15, 584, "missing value data; value kept as text" },
		{ 17, 29, 614, "missing closing quote; value kept as text" },
		{ 18, 16, 631, "text after the closing quote; value kept as text" },
		{ 19, 19, 655, "bad type number in hex(N):; value kept as text" },
		{ 20, 13, 675, "text after '=-'; value kept as text" },
		{ 22, 10, 716, "expected a hex byte in the hex value of line 21; value kept as text" },
		{ 24, 5, 744, "hex value of line 23 ended by a line that is not hex data; value kept" },
	};
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), sizeof notes / sizeof notes[0]);
	for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++)
		check_warning(reg, i, notes[i].line, notes[i].col, notes[i].off, notes[i].words);
	/* notes, not damage: nothing was lost */
	ck_assert_str_eq(prop(reg, "damaged"), "no");
	ck_assert_str_eq(espdiag_reg_type_name(ESPDIAG_REG_DUMP_TEXT), "REG_DUMP_TEXT");
	ck_assert_uint_eq(ESPDIAG_REG_DUMP_TEXT, 0x45535400u);
	/* and an export reads back to the same types and bytes */
	round_trip(reg, 0);
	round_trip(reg, ESPDIAG_EXPORT_UTF16LE);
	tu_registry_free(reg);
	free(d);

	/* A value outside of any key is lost: that is damage. */
	reg = open_ok("[HKCU\\K]\r\n    \"a\"=BINARY:00\r\n[HKCU\\Broken\r\n"
	              "    \"b\"=BINARY:01\r\n\r\n");
	check_text(reg, "HKCU\\K", "a", "BINARY:00");
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 3);
	check_warning(reg, 0, 2, 9, 18, "unknown value type \"BINARY:\"; value kept as text");
	check_warning(reg, 1, 3, 13, 41, "no closing ']'");
	check_warning(reg, 2, 4, 5, 47, "value outside of any key");
	ck_assert_str_eq(prop(reg, "damaged"), "yes");
	tu_registry_free(reg);
}
END_TEST

/* Unit i (of unit bytes) is CR or LF. */
static bool is_line_end(const unsigned char *text, size_t i, size_t unit)
{
	return (text[i] == '\r' || text[i] == '\n') && (unit == 1 || text[i + 1] == 0);
}

/* Every prefix of text (size bytes, of which the first key line ends at
 * key_end) opens as the text it is: not a registry file before the first
 * whole key line, then a registry whose last warning says the input ends
 * early exactly when the cut is inside a line (or, in UTF-16, inside a
 * unit) or after a line that is not empty (a dump ends with an empty
 * line), and whose "damaged" property says so too. unit is 1 or 2; the
 * text starts with a BOM of bom bytes. An 8-bit prefix is UTF-8 up to
 * and including byte ascii (the first non-ASCII one), Windows-1252 until
 * byte whole, then in encoding. */
static void every_prefix(const unsigned char *text, size_t size, size_t unit, size_t bom,
                         size_t key_end, size_t ascii, size_t whole, const char *encoding)
{
	size_t opened = 0, cut = 0;
	for (size_t len = 0; len <= size; len++) {
		int rc;
		espdiag_registry *reg = tu_open_bytes(text, len, &rc);
		if (len < key_end) {
			ck_assert_msg(reg == NULL && rc == ESPDIAG_EFORMAT, "prefix %zu: status %d", len,
			              rc);
			continue;
		}
		ck_assert_msg(reg != NULL, "prefix %zu: status %d", len, rc);
		opened++;
		ck_assert_str_eq(prop(reg, "encoding"), len <= ascii  ? "utf-8"
		                                        : len < whole ? "windows-1252"
		                                                      : encoding);
		bool odd = (len - bom) % unit != 0;
		size_t last = len - (len - bom) % unit - unit; /* the last whole unit */
		bool mid = odd || !is_line_end(text, last, unit);
		if (!mid) {
			/* At a line end: the dump ends with an empty line, so the
			 * line before this line end must be empty too. */
			size_t q = last;
			if (text[q] == '\n' && q >= bom + unit && text[q - unit] == '\r')
				q -= unit;
			mid = q > bom && !is_line_end(text, q - unit, unit);
		}
		size_t n = espdiag_registry_warning_count(reg);
		const espdiag_warning *w = n > 0 ? espdiag_registry_warning_at(reg, n - 1, NULL) : NULL;
		bool early = w != NULL && strstr(w->message, "input ends early (truncated?)") != NULL;
		ck_assert_msg(early == mid, "prefix %zu: cut mid-line %d, warning \"%s\"", len, mid,
		              w != NULL ? w->message : "(none)");
		ck_assert_str_eq(prop(reg, "damaged"), mid ? "yes" : "no");
		if (mid) {
			ck_assert_uint_eq(w->offset, odd ? len - 1 : len);
			cut++;
		}
		for (size_t i = 0; i + 1 < n; i++)
			ck_assert_ptr_null(strstr(espdiag_registry_warning_at(reg, i, NULL)->message,
			                          "input ends early"));
		tu_registry_free(reg);
	}
	ck_assert_uint_gt(opened, 0);
	ck_assert_uint_gt(cut, 0);
}

START_TEST(test_dump_truncated_everywhere)
{
	size_t size;
	unsigned char *d = tu_read_file(tu_data_path("dump-cp1252.reg"), &size);
	ck_assert_ptr_nonnull(d);
	const unsigned char *rb = memchr(d, ']', size);
	ck_assert_ptr_nonnull(rb);
	size_t key_end = (size_t)(rb - d) + 1;
	size_t e_acute = (size_t)((const unsigned char *)memchr(d, 0xE9, size) - d);
	every_prefix(d, size, 1, 0, key_end, e_acute, e_acute + 1, "windows-1252");

	/* The exact place of the cut, in Windows-1252 (a byte a column):
	 * inside the UPN's string on line 8. */
	size_t at = (size_t)((const unsigned char *)strstr((const char *)d, "jos\xe9.") -
	                     d) + 4;
	int rc;
	espdiag_registry *reg = tu_open_bytes(d, at, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 2);
	check_warning(reg, 0, 8, 16, at, "missing closing quote; value kept as text");
	check_warning(reg, 1, 8, 16, at, "input ends early (truncated?)");
	check_text(reg, ENROLLMENT, "UPN", "\"jos\xc3\xa9");
	tu_registry_free(reg);
	free(d);

	/* UTF-16LE with a BOM: a cut inside a unit leaves an odd byte count. */
	size_t len;
	char *text = fixture_as_utf8(&len);
	unsigned char *f = utf16_file(text, &size);
	every_prefix(f, size, 2, 2, 2 + 2 * key_end, 0, 0, "utf-16le");
	free(f);
	/* UTF-8: a cut inside a character is still UTF-8, once a character
	 * of two bytes or more came before it. */
	e_acute = (size_t)(strstr(text, "\xc3\xa9") - text);
	every_prefix((const unsigned char *)text, len, 1, 0, key_end, e_acute, e_acute + 2, "utf-8");
	free(text);
}
END_TEST

START_TEST(test_dump_string_open_at_end)
{
	/* The last non-empty line holds a string that never closes: the input
	 * was cut inside a string (one whose text broke onto another line
	 * ends on a later line). Its line end does not make it whole. */
	espdiag_registry *reg = open_ok("[HKCU\\S]\r\n    \"a\"=\"cut\r\n\r\n");
	check_text(reg, "HKCU\\S", "a", "\"cut");
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 2);
	check_warning(reg, 0, 2, 13, 22, "missing closing quote; value kept as text");
	check_warning(reg, 1, 2, 13, 22, "input ends early (truncated?)");
	ck_assert_str_eq(prop(reg, "damaged"), "yes");
	tu_registry_free(reg);

	reg = open_ok("[HKCU\\S]\r\n    \"a\"=\"open\r\n    \"b\"=\"x\"\r\n\r\n");
	check_text(reg, "HKCU\\S", "a", "\"open");
	check_sz(reg, "HKCU\\S", "b", "x");
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 1);
	ck_assert_str_eq(prop(reg, "damaged"), "no");
	tu_registry_free(reg);

	/* The same in a regedit file: Windows drops the line. */
	reg = open_ok(V5 KEY "\"a\"=\"cut\r\n");
	ck_assert(!has_value(reg, "HKCU\\Software\\T", "a"));
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 2);
	check_warning(reg, 0, 4, 9, 80, "missing closing quote; line ignored");
	check_warning(reg, 1, 4, 9, 80, "input ends early (truncated?)");
	tu_registry_free(reg);

	/* A file that ends inside a continued hex value */
	reg = open_ok("[HKCU\\S]\r\n    \"h\"=hex:01,02,\\\r\n\r\n");
	check_text(reg, "HKCU\\S", "h", "hex:01,02,\\");
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 1);
	check_warning(reg, 0, 3, 1, 31, "ends inside a continued hex value; value kept as text");
	ck_assert_str_eq(prop(reg, "damaged"), "yes");
	tu_registry_free(reg);
}
END_TEST

START_TEST(test_not_a_registry_file)
{
	static const char *const texts[] = {
		"",
		"\xff\xfe",
		"\xef\xbb\xbf",
		"root:x:0:0:root:/root:/bin/bash\n"
		"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
		"jos\xe9:x:1000:1000:Jos\xe9 M\xfcller,,,:/home/jose:/bin/bash\n",
		"\r\n\r\n   \r\n",
		"; a comment\r\n# another\r\n",
		"[Not a key]\r\n    \"a\"=\"b\"\r\n",
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\r\n",
		"    \"a\"=DWORD:00000001\r\n",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		int rc;
		espdiag_registry *reg = open_with(texts[i], strlen(texts[i]), NULL, &rc);
		ck_assert_msg(rc == ESPDIAG_EFORMAT, "text %zu: status %d", i, rc);
		ck_assert_str_eq(espdiag_registry_errmsg(reg),
		                 "test: not a registry file (no key line found)");
		ck_assert_uint_eq(espdiag_registry_source_count(reg), 0);
		espdiag_registry_free(reg);
	}
	/* A header and no key: an empty registry, as Windows imports it. */
	static const char *const empty[] = { V5, "REGEDIT4\r\n", V5 "; nothing\r\n" };
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		espdiag_registry *reg = open_ok(empty[i]);
		ck_assert_uint_eq(espdiag_key_subkey_count(espdiag_registry_root(reg)), 0);
		ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
		ck_assert_str_eq(prop(reg, "damaged"), "no");
		tu_registry_free(reg);
	}
	/* One key line is enough: a root key alone, or a deletion. */
	espdiag_registry *reg = open_ok("[HKEY_CURRENT_USER]\r\n\r\n");
	ck_assert_uint_eq(espdiag_key_subkey_count(espdiag_registry_root(reg)), 1);
	tu_registry_free(reg);
	reg = open_ok("[-HKEY_CURRENT_USER\\X]\r\n\r\n");
	ck_assert_uint_eq(espdiag_key_subkey_count(espdiag_registry_root(reg)), 0);
	tu_registry_free(reg);
}
END_TEST

/* ------------------------------------------------------------------ */
/* fixtures */

START_TEST(test_fixtures)
{
	size_t size;
	unsigned char *d = tu_read_file(tu_data_path("reg-dump-utf16.reg"), &size);
	ck_assert_ptr_nonnull(d);
	int rc;
	espdiag_registry *reg = tu_open_bytes(d, size, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	ck_assert_str_eq(prop(reg, "dialect"), "dump");
	ck_assert_str_eq(prop(reg, "encoding"), "utf-16le");
	check_sz(reg, "HKLM\\SOFTWARE\\Fixture", "Raw", "a \"quoted\" C:\\path\\");
	check_dword(reg, "HKLM\\SOFTWARE\\Fixture", "Count", 3);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
	tu_registry_free(reg);
	free(d);

	d = tu_read_file(tu_data_path("reg-regedit4-cp1252.reg"), &size);
	ck_assert_ptr_nonnull(d);
	reg = tu_open_bytes(d, size, &rc);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	ck_assert_str_eq(prop(reg, "dialect"), "regedit4");
	check_sz(reg, "HKCU\\Software\\Fixture", "Caf\xc3\xa9", "r\xc3\xa9sum\xc3\xa9");
	check_bytes(value_of(reg, "HKCU\\Software\\Fixture", "Expand"), 2, "%\0\xe9\0%\0\0\0", 8);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
	tu_registry_free(reg);
	free(d);
}
END_TEST

Suite *suite_regtext(void)
{
	Suite *s = suite_create("regtext");
	TCase *tc = tcase_create("grammar");
	tcase_add_test(tc, test_value_types);
	tcase_add_test(tc, test_keys_merge_in_order);
	tcase_add_test(tc, test_root_aliases);
	tcase_add_test(tc, test_delete_key_and_value);
	tcase_add_test(tc, test_key_paths_remembered);
	tcase_add_test(tc, test_delete_key_malformed);
	tcase_add_test(tc, test_string_escapes);
	tcase_add_test(tc, test_comments_and_blanks);
	tcase_add_test(tc, test_line_endings);
	tcase_add_test(tc, test_hex_continuation);
	tcase_add_test(tc, test_hex_errors);
	tcase_add_test(tc, test_dword_rules);
	tcase_add_test(tc, test_value_before_key_and_bad_keys);
	tcase_add_test(tc, test_name_rules);
	tcase_add_test(tc, test_hex_strings_get_a_nul);
	tcase_add_test(tc, test_headers);
	suite_add_tcase(s, tc);

	tc = tcase_create("encodings");
	tcase_add_test(tc, test_utf16le_bom);
	tcase_add_test(tc, test_utf8_with_and_without_bom);
	tcase_add_test(tc, test_regedit4_windows_1252);
	tcase_add_test(tc, test_codepage_option);
	tcase_add_test(tc, test_not_utf8_means_codepage);
	tcase_add_test(tc, test_utf8_bom_bad_byte);
	tcase_add_test(tc, test_utf16_without_bom);
	suite_add_tcase(s, tc);

	tc = tcase_create("dump");
	tcase_add_test(tc, test_dump_dialect);
	tcase_add_test(tc, test_dump_lenient_recovery);
	tcase_add_test(tc, test_scans_at_every_length);
	tcase_add_test(tc, test_corpus_custom_error_text);
	tcase_add_test(tc, test_corpus_tracking_policies);
	suite_add_tcase(s, tc);

	tc = tcase_create("damage");
	tcase_add_test(tc, test_truncated_file);
	tcase_add_test(tc, test_odd_byte_count);
	tcase_add_test(tc, test_lone_surrogate);
	tcase_add_test(tc, test_nul_in_line);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_binary_file);
	tcase_add_test(tc, test_bids);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_caps);
	tcase_add_test(tc, test_option_caps);
	tcase_add_test(tc, test_ten_megabyte_line);
	tcase_add_test(tc, test_line_cap);
	tcase_add_test(tc, test_file_window_matches_memory);
	tcase_add_test(tc, test_consumed_hint);
	suite_add_tcase(s, tc);

	tc = tcase_create("writer");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_dump_writer_format);
	tcase_add_test(tc, test_dump_qword);
	tcase_add_test(tc, test_dump_encodings);
	tcase_add_test(tc, test_dump_undecoded_lines);
	tcase_add_test(tc, test_dump_truncated_everywhere);
	tcase_add_test(tc, test_dump_string_open_at_end);
	tcase_add_test(tc, test_not_a_registry_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("roundtrip");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_round_trip_corpus);
	tcase_add_test(tc, test_fixtures);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * tests/check_wine.c - Windows' own `reg import` behaviour, recorded in
 * ../shared/corpus/wine/cases.json (from Wine's programs/reg/tests/import.c,
 * checked on Windows; FORMAT.txt beside it describes the fields). Every
 * case that Windows imports is read alone through the registry view and
 * every expectation that holds for that file alone is checked: value type,
 * size and bytes, keys present and absent. All of them must pass.
 *
 * Left out, on purpose:
 *   - cases Windows refuses (exit "failure"): Windows stores nothing, and
 *     a file without a valid header is our lenient dump dialect instead;
 *   - the registry-view cases (test_registry_view_*, a "sam" flag): they
 *     test 32/64-bit registry redirection, which a file reader has not;
 *   - expectations marked from_prior_state or negates_prior_state: they
 *     are about the registry earlier cases left behind;
 *   - "key" expectations of test_import:95-98 and
 *     test_unicode_import:96-99 ("[ -HKEY_...\Subkey2a]" and friends):
 *     the key was made by the case before and the malformed deletion
 *     leaves it alone; alone, the file makes no key (its "no key deleted"
 *     meaning is covered in check_regtext.c). The corpus does not flag
 *     them from_prior_state.
 * The Windows 3.1 cases (test_import_win31) are scored too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "testutil.h"

/* ------------------------------------------------------------------ */
/* a small JSON reader, enough for cases.json */

enum jkind { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jval {
	enum jkind kind;
	char *key;           /* member name inside an object */
	char *str;           /* J_STR, UTF-8 */
	double num;
	bool b;
	struct jval *items;  /* J_ARR, J_OBJ */
	size_t n;
} jval;

typedef struct jparser {
	const char *s;
	size_t pos, len;
	bool bad;
} jparser;

static void jskip(jparser *p)
{
	while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) != NULL)
		p->pos++;
}

static void put_utf8(char **o, unsigned cp)
{
	unsigned char *u = (unsigned char *)*o;
	if (cp < 0x80) {
		*u++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*u++ = (unsigned char)(0xC0 | (cp >> 6));
		*u++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*u++ = (unsigned char)(0xE0 | (cp >> 12));
		*u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		*u++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else {
		*u++ = (unsigned char)(0xF0 | (cp >> 18));
		*u++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		*u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		*u++ = (unsigned char)(0x80 | (cp & 0x3F));
	}
	*o = (char *)u;
}

static unsigned hex4(jparser *p)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p->pos < p->len ? p->s[p->pos++] : 0;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			p->bad = true;
	}
	return v;
}

static char *jstring(jparser *p)
{
	p->pos++; /* the quote */
	char *out = malloc(p->len - p->pos + 1), *o = out;
	while (p->pos < p->len && p->s[p->pos] != '"') {
		char c = p->s[p->pos++];
		if (c != '\\') {
			*o++ = c;
			continue;
		}
		c = p->pos < p->len ? p->s[p->pos++] : 0;
		switch (c) {
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u': {
			unsigned cp = hex4(p);
			if (cp >= 0xD800 && cp < 0xDC00 && p->pos + 1 < p->len &&
			    p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
				p->pos += 2;
				unsigned lo = hex4(p);
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			put_utf8(&o, cp);
			break;
		}
		default: *o++ = c; break;
		}
	}
	p->pos++;
	*o = '\0';
	return out;
}

static void jparse(jparser *p, jval *v)
{
	memset(v, 0, sizeof *v);
	jskip(p);
	if (p->pos >= p->len) {
		p->bad = true;
		return;
	}
	char c = p->s[p->pos];
	if (c == '"') {
		v->kind = J_STR;
		v->str = jstring(p);
	} else if (c == '[' || c == '{') {
		v->kind = c == '[' ? J_ARR : J_OBJ;
		char close = c == '[' ? ']' : '}';
		size_t cap = 0;
		p->pos++;
		for (;;) {
			jskip(p);
			if (p->pos >= p->len || p->bad) {
				p->bad = true;
				return;
			}
			if (p->s[p->pos] == close) {
				p->pos++;
				return;
			}
			if (p->s[p->pos] == ',') {
				p->pos++;
				continue;
			}
			if (v->n == cap) {
				cap = cap ? cap * 2 : 8;
				v->items = realloc(v->items, cap * sizeof *v->items);
			}
			jval *item = &v->items[v->n++];
			char *key = NULL;
			if (v->kind == J_OBJ) {
				key = jstring(p);
				jskip(p);
				if (p->pos < p->len && p->s[p->pos] == ':')
					p->pos++;
			}
			jparse(p, item);
			item->key = key;
		}
	} else if (strncmp(p->s + p->pos, "true", 4) == 0) {
		v->kind = J_BOOL;
		v->b = true;
		p->pos += 4;
	} else if (strncmp(p->s + p->pos, "false", 5) == 0) {
		v->kind = J_BOOL;
		p->pos += 5;
	} else if (strncmp(p->s + p->pos, "null", 4) == 0) {
		p->pos += 4;
	} else {
		char *end;
		v->kind = J_NUM;
		v->num = strtod(p->s + p->pos, &end);
		if (end == p->s + p->pos)
			p->bad = true;
		p->pos = (size_t)(end - p->s);
	}
}

static void jfree(jval *v)
{
	for (size_t i = 0; i < v->n; i++)
		jfree(&v->items[i]);
	free(v->items);
	free(v->key);
	free(v->str);
}

static const jval *jget(const jval *obj, const char *key)
{
	for (size_t i = 0; obj->kind == J_OBJ && i < obj->n; i++)
		if (strcmp(obj->items[i].key, key) == 0)
			return &obj->items[i];
	return NULL;
}

static const char *jstr(const jval *obj, const char *key)
{
	const jval *v = jget(obj, key);
	return v != NULL && v->kind == J_STR ? v->str : NULL;
}

static bool jtrue(const jval *obj, const char *key)
{
	const jval *v = jget(obj, key);
	return v != NULL && v->kind == J_BOOL && v->b;
}

/* ------------------------------------------------------------------ */
/* scoring */

/* The file bytes of a case: Latin-1 ("ansi") or UTF-16LE ("utf16"). */
static unsigned char *case_bytes(const char *input, bool utf16, size_t *size)
{
	size_t n = strlen(input);
	unsigned char *out = malloc(n * 4 + 4), *o = out;
	const unsigned char *s = (const unsigned char *)input;
	for (size_t i = 0; i < n;) {
		unsigned cp = s[i];
		size_t k = 1;
		if (cp >= 0xF0)
			cp = ((cp & 7u) << 18) | ((s[i + 1] & 0x3Fu) << 12) |
			     ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu), k = 4;
		else if (cp >= 0xE0)
			cp = ((cp & 15u) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu), k = 3;
		else if (cp >= 0xC0)
			cp = ((cp & 31u) << 6) | (s[i + 1] & 0x3Fu), k = 2;
		i += k;
		if (!utf16) {
			*o++ = (unsigned char)cp;
		} else if (cp >= 0x10000) {
			unsigned hi = 0xD800 + ((cp - 0x10000) >> 10), lo = 0xDC00 + ((cp - 0x10000) & 0x3FF);
			*o++ = (unsigned char)hi, *o++ = (unsigned char)(hi >> 8);
			*o++ = (unsigned char)lo, *o++ = (unsigned char)(lo >> 8);
		} else {
			*o++ = (unsigned char)cp, *o++ = (unsigned char)(cp >> 8);
		}
	}
	*size = (size_t)(o - out);
	return out;
}

static size_t unhex(const char *h, unsigned char *out)
{
	size_t n = 0;
	for (; h[0] != '\0' && h[1] != '\0'; h += 2) {
		unsigned v;
		sscanf(h, "%2x", &v);
		out[n++] = (unsigned char)v;
	}
	return n;
}

static bool excluded_key_check(const char *id)
{
	static const char *ids[] = { "test_import:95", "test_import:96", "test_import:97",
		                     "test_import:98", "test_unicode_import:96",
		                     "test_unicode_import:97", "test_unicode_import:98",
		                     "test_unicode_import:99" };
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		if (strcmp(id, ids[i]) == 0)
			return true;
	return false;
}

/* Checks one expectation; on failure writes why into why. */
static bool check_expect(espdiag_registry *reg, const jval *e, char *why, size_t whylen)
{
	const char *op = jstr(e, "op"), *root = jstr(e, "root"), *key = jstr(e, "key");
	const char *name = jstr(e, "name");
	char path[768];
	snprintf(path, sizeof path, "%s\\%s", root != NULL ? root : "HKEY_CURRENT_USER", key);
	const espdiag_key *k = NULL;
	int rc = espdiag_registry_key(&k, reg, path);
	if (strcmp(op, "key") == 0 || strcmp(op, "no_key") == 0) {
		bool want = strcmp(op, "key") == 0;
		if ((rc == ESPDIAG_OK) != want) {
			snprintf(why, whylen, "%s: key %s", path, want ? "missing" : "present");
			return false;
		}
		return true;
	}
	const espdiag_value *v = NULL;
	if (rc == ESPDIAG_OK)
		rc = espdiag_key_value(&v, k, name);
	if (strcmp(op, "no_value") == 0) {
		if (rc == ESPDIAG_OK) {
			snprintf(why, whylen, "%s [%s]: value present", path, name);
			return false;
		}
		return true;
	}
	if (rc != ESPDIAG_OK) {
		if (jtrue(e, "conditional"))
			return true;
		snprintf(why, whylen, "%s [%s]: value missing", path, name);
		return false;
	}
	uint32_t type = (uint32_t)jget(e, "type")->num;
	size_t size = (size_t)jget(e, "size")->num;
	const unsigned char *data = espdiag_value_data(v);
	size_t got_size = espdiag_value_size(v);
	unsigned char ansi[4096];
	if (jtrue(e, "data_is_ansi") &&
	    (type == ESPDIAG_REG_SZ || type == ESPDIAG_REG_EXPAND_SZ || type == ESPDIAG_REG_MULTI_SZ)) {
		/* RegQueryValueExA's view: the UTF-16 units as ANSI (all ASCII here). */
		size_t units = got_size / 2;
		for (size_t i = 0; i < units && i < sizeof ansi; i++)
			ansi[i] = data[2 * i];
		data = ansi;
		got_size = units;
	}
	if (espdiag_value_type(v) != type || got_size != size) {
		snprintf(why, whylen, "%s [%s]: type %u size %zu, want type %u size %zu", path, name,
		         espdiag_value_type(v), got_size, type, size);
		return false;
	}
	const char *hex = jstr(e, "data_hex");
	if (hex != NULL) {
		unsigned char want[4096];
		size_t n = unhex(hex, want);
		if (n > got_size || memcmp(want, data, n) != 0) {
			snprintf(why, whylen, "%s [%s]: data differs", path, name);
			return false;
		}
	}
	return true;
}

START_TEST(test_wine_import_cases)
{
	const char *path = tu_corpus_path("wine/cases.json");
	if (path == NULL) {
		fprintf(stderr, "wine: ../shared/corpus absent; Windows import cases skipped\n");
		return;
	}
	size_t len;
	char *text = (char *)tu_read_file(path, &len);
	ck_assert_ptr_nonnull(text);
	jparser jp = { text, 0, len, false };
	jval cases;
	jparse(&jp, &cases);
	ck_assert(!jp.bad);
	ck_assert_int_eq(cases.kind, J_ARR);
	ck_assert_uint_ge(cases.n, 300);

	size_t applicable = 0, passed = 0, checks = 0;
	char report[8192] = "";
	for (size_t c = 0; c < cases.n; c++) {
		const jval *cs = &cases.items[c];
		const char *id = jstr(cs, "id"), *fn = jstr(cs, "function");
		if (strcmp(jstr(cs, "exit"), "success") != 0 ||
		    strncmp(fn, "test_registry_view", 18) == 0)
			continue;
		applicable++;
		size_t size;
		unsigned char *bytes = case_bytes(jstr(cs, "input"),
		                                  strcmp(jstr(cs, "encoding"), "utf16") == 0, &size);
		espdiag_registry *reg = NULL;
		ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
		int rc = espdiag_registry_open_memory(reg, bytes, size, id, NULL, NULL);
		bool ok = rc == ESPDIAG_OK;
		char why[1536] = "";
		if (!ok)
			snprintf(why, sizeof why, "open failed: %s", espdiag_registry_errmsg(reg));
		const jval *ex = jget(cs, "expect");
		for (size_t i = 0; ok && ex != NULL && i < ex->n; i++) {
			const jval *e = &ex->items[i];
			if (jtrue(e, "from_prior_state") || jtrue(e, "negates_prior_state") ||
			    jtrue(e, "sam"))
				continue;
			if (strcmp(jstr(e, "op"), "key") == 0 && excluded_key_check(id))
				continue;
			checks++;
			ok = check_expect(reg, e, why, sizeof why);
		}
		if (ok) {
			passed++;
		} else {
			size_t used = strlen(report);
			snprintf(report + used, sizeof report - used, "  %s: %s\n", id, why);
		}
		espdiag_registry_free(reg);
		free(bytes);
	}
	fprintf(stderr, "wine: %zu of %zu applicable cases pass (%zu checks)\n", passed,
	        applicable, checks);
	if (passed != applicable)
		fprintf(stderr, "%s", report);
	ck_assert_uint_eq(passed, applicable);
	ck_assert_uint_ge(applicable, 300);
	jfree(&cases);
	free(text);
}
END_TEST

Suite *suite_wine(void)
{
	Suite *s = suite_create("wine");
	TCase *tc = tcase_create("import");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_wine_import_cases);
	suite_add_tcase(s, tc);
	return s;
}

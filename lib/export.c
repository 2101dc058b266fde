/* lib/export.c - writing a subtree as a regedit 5 export, in UTF-8 or in
 * UTF-16LE with a BOM.
 *
 * Speed is the point of the shape (issue 18: the export was 60% of a
 * dump's instructions). The text is built in UTF-8 in one buffer through
 * a cursor: each piece first reserves room for its worst case (a value
 * line, a run of hex lines, a key's header), then stores bytes without a
 * check per byte. Hex goes through a table of "xx," triples with the wrap
 * points computed per line, REG_SZ data is converted from UTF-16 and
 * escaped straight into the buffer (no copy per string), and the key path
 * is kept in a buffer of its own, a name appended on the way down and cut
 * off on the way back, instead of being rebuilt from the root per key.
 * The buffer is flushed (converted to UTF-16LE when asked) after an ASCII
 * byte, never inside a UTF-8 sequence, so the conversion of each chunk is
 * that of the whole text. tests/check_export.c and tests/export_expected.sh
 * hold the output to the bytes the simpler writer before it produced. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <espdiag/registry.h>

#include "internal.h"
#include "unicode.h"

#define OUT_FLUSH_AT (64 * 1024)
/* regedit wraps hex data so that lines stay within 80 columns: a byte
 * whose "xx," would pass column 78 starts a new line, after ",\" and a
 * line end, indented by two spaces. So a byte may start at column 75 at
 * the latest, and a continuation line holds 25 bytes. */
#define HEX_LINE_WIDTH 80
#define HEX_LAST_START (HEX_LINE_WIDTH - 2 - 3)
#define HEX_INDENT 2
#define HEX_PER_LINE ((HEX_LAST_START - HEX_INDENT) / 3 + 1)
#define HEX_WRAP "\\\r\n  "
#define HEX_WRAP_LEN 5

/* "00,01,...,ff," - byte b's digits and comma at 3 * b. */
#define HEX_ROW(h)                                                                    \
	h "0," h "1," h "2," h "3," h "4," h "5," h "6," h "7," h "8," h "9," h "a," h "b," \
	h "c," h "d," h "e," h "f,"
static const char hex3[] = HEX_ROW("0") HEX_ROW("1") HEX_ROW("2") HEX_ROW("3") HEX_ROW("4")
	HEX_ROW("5") HEX_ROW("6") HEX_ROW("7") HEX_ROW("8") HEX_ROW("9") HEX_ROW("a")
	HEX_ROW("b") HEX_ROW("c") HEX_ROW("d") HEX_ROW("e") HEX_ROW("f");

typedef struct writer {
	FILE *f;
	bool utf16;
	bool failed; /* out of memory or a write failed */
	int status;  /* the first error reading the view (a backend's) */
	char *buf;   /* UTF-8 text not yet written */
	size_t len, cap;
	unsigned char *wide; /* the UTF-16LE form of buf, when asked for */
	size_t wide_cap;
	char *path;  /* the current key's path, as written between [ ] */
	size_t path_len, path_cap;
} writer;

/* p (cap bytes, kept) grown to hold need bytes: p itself or a new block
 * (*cap updated), or NULL when out of memory (p is then unchanged). */
static void *grow(void *p, size_t *cap, size_t need, size_t first)
{
	if (need <= *cap && p != NULL)
		return p;
	size_t c = *cap ? *cap : first;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return NULL;
		c *= 2;
	}
	void *b = realloc(p, c);
	if (b != NULL)
		*cap = c;
	return b;
}

/* The cursor, with room for n more bytes; NULL once the writer failed. */
static char *reserve(writer *w, size_t n)
{
	if (w->failed)
		return NULL;
	char *b = n <= SIZE_MAX - w->len ? grow(w->buf, &w->cap, w->len + n, OUT_FLUSH_AT * 2)
	                                 : NULL;
	if (b == NULL) {
		w->failed = true;
		return NULL;
	}
	w->buf = b;
	return b + w->len;
}

/* Takes the bytes up to the cursor p into the text. */
static void commit(writer *w, char *p)
{
	w->len = (size_t)(p - w->buf);
}

/* The text as UTF-16LE, in the writer's own buffer. */
static const unsigned char *to_utf16(writer *w, size_t *out_len)
{
	unsigned char *o = w->len <= SIZE_MAX / 2
	                           ? grow(w->wide, &w->wide_cap, 2 * w->len, OUT_FLUSH_AT * 4)
	                           : NULL;
	if (o == NULL)
		return NULL;
	w->wide = o;
	*out_len = esp_utf8_to_utf16le_into(o, w->buf, w->len);
	return o;
}

/* Writes the text out. Called only after an ASCII byte (see the top). */
static void flush(writer *w)
{
	if (w->failed || w->len == 0)
		return;
	const void *out = w->buf;
	size_t n = w->len;
	if (w->utf16 && (out = to_utf16(w, &n)) == NULL) {
		w->failed = true;
		return;
	}
	if (fwrite(out, 1, n, w->f) != n)
		w->failed = true;
	w->len = 0;
}

/* Ends a line at p and flushes when enough text is waiting. */
static void end_line(writer *w, char *p)
{
	p[0] = '\r';
	p[1] = '\n';
	commit(w, p + 2);
	if (w->len >= OUT_FLUSH_AT)
		flush(w);
}

/* Per byte of a name (per ASCII unit of a string): 0 written as is, 1
 * escaped with a backslash, 2 a control character (a string holding one
 * is written as hex; a NUL in a name is written as \0). */
static const unsigned char char_class[256] = {
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	0 /* ' ' */, 0 /* ! */, 1 /* " */, ['\\'] = 1,
};

/* A value name between quotes, with \ and " escaped and a NUL as \0:
 * at most 2 * n + 2 bytes. Runs without an escape are copied whole. */
static char *quoted_name(char *p, const char *s, size_t n)
{
	*p++ = '"';
	for (size_t i = 0; i < n; i++) {
		size_t start = i;
		while (i < n && char_class[(unsigned char)s[i]] == 0)
			i++;
		memcpy(p, s + start, i - start);
		p += i - start;
		if (i == n)
			break;
		char c = s[i];
		if (c == '\\' || c == '"' || c == '\0') {
			*p++ = '\\';
			c = c == '\0' ? '0' : c;
		}
		*p++ = c; /* other control characters as they are */
	}
	*p++ = '"';
	return p;
}

/* A REG_SZ as "..." when that reads back to the same bytes: well-formed
 * UTF-16 ending in its only NUL, with no control characters (regedit 5
 * has no escape for them); \ and " escaped. Writes at most 3 bytes per
 * unit plus the quotes; returns the new cursor, or NULL when the data
 * must be written as hex (what was written is then dropped). */
static char *sz_text(char *p, const unsigned char *d, size_t size)
{
	if (size < 2 || size % 2 != 0 || d[size - 2] != 0 || d[size - 1] != 0)
		return NULL;
	size_t units = size / 2 - 1;
	*p++ = '"';
	for (size_t i = 0; i < units; i++) {
		uint32_t u = esp_le16(d + 2 * i);
		if (u < 0x80) {
			unsigned cls = char_class[u];
			if (cls == 1)
				*p++ = '\\';
			else if (cls == 2)
				return NULL;
			*p++ = (char)u;
		} else if (u < 0x800) {
			*p++ = (char)(0xC0 | (u >> 6));
			*p++ = (char)(0x80 | (u & 0x3F));
		} else if (u < 0xD800 || u > 0xDFFF) {
			*p++ = (char)(0xE0 | (u >> 12));
			*p++ = (char)(0x80 | ((u >> 6) & 0x3F));
			*p++ = (char)(0x80 | (u & 0x3F));
		} else {
			if (u > 0xDBFF || i + 1 >= units)
				return NULL;
			uint32_t lo = esp_le16(d + 2 * i + 2);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return NULL;
			uint32_t cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			*p++ = (char)(0xF0 | (cp >> 18));
			*p++ = (char)(0x80 | ((cp >> 12) & 0x3F));
			*p++ = (char)(0x80 | ((cp >> 6) & 0x3F));
			*p++ = (char)(0x80 | (cp & 0x3F));
			i++;
		}
	}
	*p++ = '"';
	return p;
}

/* "dword:%08x": 14 bytes. */
static char *dword_text(char *p, const unsigned char *d)
{
	memcpy(p, "dword:", 6);
	p += 6;
	for (int i = 3; i >= 0; i--) {
		memcpy(p, hex3 + 3 * d[i], 2);
		p += 2;
	}
	return p;
}

/* "hex:" for REG_BINARY, else "hex(%x):": at most 14 bytes. */
static char *hex_prefix(char *p, uint32_t type)
{
	if (type == ESPDIAG_REG_BINARY) {
		memcpy(p, "hex:", 4);
		return p + 4;
	}
	memcpy(p, "hex(", 4);
	p += 4;
	int shift = 28;
	while (shift > 0 && (type >> shift) == 0)
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = "0123456789abcdef"[(type >> shift) & 15];
	memcpy(p, "):", 2);
	return p + 2;
}

/* The bytes of a hex value, from column col of the line: as many as fit
 * on the first line (always one), HEX_PER_LINE on each after it. */
static void hex_bytes(writer *w, size_t col, const unsigned char *d, size_t size)
{
	size_t take = col <= HEX_LAST_START ? (HEX_LAST_START - col) / 3 + 1 : 1;
	for (size_t i = 0; i < size;) {
		if (take > size - i)
			take = size - i;
		/* one spare byte: each triple is stored as four */
		char *p = reserve(w, 3 * take + HEX_WRAP_LEN + 1);
		if (p == NULL)
			return;
		for (size_t j = 0; j < take; j++, p += 3)
			memcpy(p, hex3 + 3 * d[i + j], 4);
		i += take;
		if (i == size) {
			commit(w, p - 1); /* the last byte has no comma */
			return;
		}
		memcpy(p, HEX_WRAP, HEX_WRAP_LEN);
		commit(w, p + HEX_WRAP_LEN);
		if (w->len >= OUT_FLUSH_AT)
			flush(w);
		take = HEX_PER_LINE;
	}
}

static void value_line(writer *w, const espdiag_value *v)
{
	size_t nlen;
	const char *name = esp_value_name_bytes(v, &nlen);
	uint32_t type = espdiag_value_type(v);
	const unsigned char *d = espdiag_value_data(v);
	size_t size = espdiag_value_size(v);
	if (nlen > SIZE_MAX / 4 || size > SIZE_MAX / 4) {
		w->failed = true;
		return;
	}
	/* name, '=', the data as text or a hex prefix, the line end */
	size_t need = 2 * nlen + 3 + 16 + 2;
	if (type == ESPDIAG_REG_SZ)
		need += 3 * (size / 2) + 2;
	size_t line = w->len;
	char *p = reserve(w, need);
	if (p == NULL)
		return;
	if (nlen == 0)
		*p++ = '@';
	else
		p = quoted_name(p, name, nlen);
	*p++ = '=';
	char *end = NULL;
	if (type == ESPDIAG_REG_SZ)
		end = sz_text(p, d, size);
	else if (type == ESPDIAG_REG_DWORD && size == 4)
		end = dword_text(p, d);
	if (end == NULL) {
		p = hex_prefix(p, type);
		commit(w, p);
		hex_bytes(w, w->len - line, d, size);
		if ((end = reserve(w, 2)) == NULL)
			return;
	}
	end_line(w, end);
}

/* Appends a key's name to the path (after a "\" unless first), a NUL in
 * a name spelled "\0"; returns false when out of memory. */
static bool path_push(writer *w, const espdiag_key *k, bool first)
{
	size_t len;
	const char *name = esp_key_name_bytes(k, &len);
	char *b = len <= SIZE_MAX / 4 ? grow(w->path, &w->path_cap, w->path_len + 2 * len + 1, 256)
	                              : NULL;
	if (b == NULL)
		return false;
	w->path = b;
	char *p = b + w->path_len;
	if (!first)
		*p++ = '\\';
	const char *nul;
	while ((nul = memchr(name, '\0', len)) != NULL) {
		size_t n = (size_t)(nul - name);
		memcpy(p, name, n);
		memcpy(p + n, "\\0", 2);
		p += n + 2;
		name += n + 1;
		len -= n + 1;
	}
	memcpy(p, name, len);
	w->path_len = (size_t)(p + len - w->path);
	return true;
}

/* The path of the key the export starts at, built once from the root:
 * the root itself has none, its children no leading "\". */
static bool path_of(writer *w, const espdiag_key *k)
{
	const espdiag_key *parent = espdiag_key_parent(k);
	if (parent == NULL)
		return true;
	bool first = espdiag_key_parent(parent) == NULL;
	return (first || path_of(w, parent)) && path_push(w, k, first);
}

/* A key the view could not read stops the export: the output would
 * otherwise show its values or subkeys as absent. The view's root has
 * no block of its own. */
static void key_block(writer *w, const espdiag_key *k, bool root, unsigned depth)
{
	if (!root) {
		size_t nv;
		w->status = espdiag_key_get_value_count(&nv, k);
		if (w->status != ESPDIAG_OK)
			return;
		char *p = reserve(w, w->path_len + 4);
		if (p == NULL)
			return;
		*p++ = '[';
		memcpy(p, w->path, w->path_len);
		p += w->path_len;
		*p++ = ']';
		end_line(w, p);
		for (size_t i = 0; i < nv; i++) {
			const espdiag_value *v;
			w->status = espdiag_key_value_at(&v, k, i);
			if (w->status != ESPDIAG_OK)
				return;
			value_line(w, v);
		}
		if ((p = reserve(w, 2)) == NULL)
			return;
		end_line(w, p);
	}
	/* A user's backend may be deeper than any reader allows (or cyclic). */
	if (depth >= ESP_MAX_DEPTH)
		return;
	size_t ns;
	w->status = espdiag_key_get_subkey_count(&ns, k);
	for (size_t i = 0; i < ns && !w->failed && w->status == ESPDIAG_OK; i++) {
		const espdiag_key *c;
		w->status = espdiag_key_subkey_at(&c, k, i);
		if (w->status != ESPDIAG_OK)
			break;
		size_t saved = w->path_len;
		if (!path_push(w, c, root)) {
			w->failed = true;
			break;
		}
		key_block(w, c, false, depth + 1);
		w->path_len = saved;
	}
}

ESPDIAG_API int espdiag_registry_export(espdiag_registry *reg, const espdiag_key *key,
                                        uint32_t flags, FILE *out)
{
	static const char header[] = "Windows Registry Editor Version 5.00\r\n\r\n";
	if (reg == NULL || out == NULL)
		return ESPDIAG_EINVAL;
	if (key == NULL)
		key = espdiag_registry_root(reg);
	writer w = { .f = out, .utf16 = (flags & ESPDIAG_EXPORT_UTF16LE) != 0 };
	if (w.utf16 && fwrite("\xff\xfe", 1, 2, out) != 2)
		return ESPDIAG_EIO;
	char *p = reserve(&w, sizeof header - 1);
	if (p != NULL) {
		memcpy(p, header, sizeof header - 1);
		commit(&w, p + sizeof header - 1);
	}
	if (!path_of(&w, key))
		w.failed = true;
	else
		key_block(&w, key, espdiag_key_parent(key) == NULL, 0);
	flush(&w);
	free(w.buf);
	free(w.wide);
	free(w.path);
	if (w.failed || fflush(out) != 0)
		return ESPDIAG_EIO;
	return w.status;
}

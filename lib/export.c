/* lib/export.c - writing a subtree as a regedit 5 export, in UTF-8 or in
 * UTF-16LE with a BOM. The text is built in UTF-8 and converted when
 * flushed, always at a line end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <espdiag/registry.h>

#include "internal.h"
#include "unicode.h"

#define OUT_FLUSH_AT (64 * 1024)
/* regedit wraps hex data so that lines stay within 80 columns. */
#define HEX_LINE_WIDTH 80

typedef struct writer {
	FILE *f;
	bool utf16;
	bool failed;
	int status;  /* the first error reading the view (a backend's) */
	char *buf;
	size_t len, cap;
	size_t col;  /* bytes on the current line, for hex wrapping */
} writer;

static void put(writer *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : OUT_FLUSH_AT * 2;
		while (cap < w->len + n)
			cap *= 2;
		char *b = realloc(w->buf, cap);
		if (b == NULL) {
			w->failed = true;
			return;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->col += n;
}

static void puts_(writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static void flush(writer *w)
{
	if (w->failed || w->len == 0)
		return;
	if (!w->utf16) {
		if (fwrite(w->buf, 1, w->len, w->f) != w->len)
			w->failed = true;
	} else {
		unsigned char *u;
		size_t n;
		if (esp_utf8_to_utf16le(&u, &n, w->buf, w->len) != ESPDIAG_OK) {
			w->failed = true;
			return;
		}
		if (fwrite(u, 1, n, w->f) != n)
			w->failed = true;
		free(u);
	}
	w->len = 0;
}

static void newline(writer *w)
{
	put(w, "\r\n", 2);
	w->col = 0;
	if (w->len >= OUT_FLUSH_AT)
		flush(w);
}

/* A name or string between quotes, with \ and " escaped; a NUL as \0. */
static void quoted(writer *w, const char *s, size_t n)
{
	put(w, "\"", 1);
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *esc = s[i] == '\\' ? "\\\\" : s[i] == '"' ? "\\\"" : s[i] == '\0' ? "\\0" : NULL;
		if (esc != NULL) {
			put(w, s + start, i - start);
			put(w, esc, 2);
			start = i + 1;
		}
	}
	put(w, s + start, n - start);
	put(w, "\"", 1);
}

/* A REG_SZ can be written as "..." when that reads back to the same bytes:
 * well-formed UTF-16 ending in its only NUL, with no control characters
 * (regedit 5 has no escape for them). */
static bool sz_as_text(const unsigned char *d, size_t size)
{
	if (size < 2 || size % 2 != 0 || d[size - 2] != 0 || d[size - 1] != 0)
		return false;
	size_t units = size / 2 - 1;
	for (size_t i = 0; i < units; i++) {
		uint16_t u = esp_le16(d + 2 * i);
		if (u < 0x20)
			return false;
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (i + 1 >= units)
				return false;
			uint16_t lo = esp_le16(d + 2 * i + 2);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return false;
			i++;
		} else if (u >= 0xDC00 && u <= 0xDFFF) {
			return false;
		}
	}
	return true;
}

static void hex_data(writer *w, uint32_t type, const unsigned char *d, size_t size)
{
	char tmp[32];
	if (type == ESPDIAG_REG_BINARY)
		puts_(w, "hex:");
	else {
		snprintf(tmp, sizeof tmp, "hex(%x):", type);
		puts_(w, tmp);
	}
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < size; i++) {
		char b[3] = { digits[d[i] >> 4], digits[d[i] & 15], ',' };
		bool last = i + 1 == size;
		/* Wrap before a byte whose "xx," would pass the line width. */
		if (i > 0 && w->col + 3 > HEX_LINE_WIDTH - 2) {
			put(w, "\\", 1);
			newline(w);
			put(w, "  ", 2);
		}
		put(w, b, last ? 2 : 3);
	}
}

static void value_line(writer *w, const espdiag_value *v)
{
	size_t nlen;
	const char *name = esp_value_name_bytes(v, &nlen);
	if (nlen == 0)
		put(w, "@", 1);
	else
		quoted(w, name, nlen);
	put(w, "=", 1);
	uint32_t type = espdiag_value_type(v);
	const unsigned char *d = espdiag_value_data(v);
	size_t size = espdiag_value_size(v);
	if (type == ESPDIAG_REG_SZ && sz_as_text(d, size)) {
		char *s;
		size_t len;
		if (esp_utf16le_to_utf8(&s, &len, d, size - 2, false) != ESPDIAG_OK) {
			w->failed = true;
			return;
		}
		quoted(w, s, len);
		free(s);
	} else if (type == ESPDIAG_REG_DWORD && size == 4) {
		char tmp[16];
		snprintf(tmp, sizeof tmp, "dword:%08x", esp_le32(d));
		puts_(w, tmp);
	} else {
		hex_data(w, type, d, size);
	}
	newline(w);
}

/* The key's full path, a NUL in a name spelled "\0". */
static void key_path(writer *w, const espdiag_key *k)
{
	const espdiag_key *parent = espdiag_key_parent(k);
	if (parent == NULL)
		return;
	if (espdiag_key_parent(parent) != NULL) {
		key_path(w, parent);
		put(w, "\\", 1);
	}
	size_t len, start = 0;
	const char *name = esp_key_name_bytes(k, &len);
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '\0') {
			put(w, name + start, i - start);
			put(w, "\\0", 2);
			start = i + 1;
		}
	}
	put(w, name + start, len - start);
}

/* A key the view could not read stops the export: the output would
 * otherwise show its values or subkeys as absent. */
static void key_block(writer *w, const espdiag_key *k, unsigned depth)
{
	if (espdiag_key_parent(k) != NULL) {
		size_t nv;
		w->status = espdiag_key_get_value_count(&nv, k);
		if (w->status != ESPDIAG_OK)
			return;
		put(w, "[", 1);
		key_path(w, k);
		put(w, "]", 1);
		newline(w);
		for (size_t i = 0; i < nv; i++) {
			const espdiag_value *v;
			w->status = espdiag_key_value_at(&v, k, i);
			if (w->status != ESPDIAG_OK)
				return;
			value_line(w, v);
		}
		newline(w);
	}
	/* A user's backend may be deeper than any reader allows (or cyclic). */
	if (depth >= ESP_MAX_DEPTH)
		return;
	size_t ns;
	w->status = espdiag_key_get_subkey_count(&ns, k);
	for (size_t i = 0; i < ns && !w->failed && w->status == ESPDIAG_OK; i++) {
		const espdiag_key *c;
		w->status = espdiag_key_subkey_at(&c, k, i);
		if (w->status == ESPDIAG_OK)
			key_block(w, c, depth + 1);
	}
}

ESPDIAG_API int espdiag_registry_export(espdiag_registry *reg, const espdiag_key *key,
                                        uint32_t flags, FILE *out)
{
	if (reg == NULL || out == NULL)
		return ESPDIAG_EINVAL;
	if (key == NULL)
		key = espdiag_registry_root(reg);
	writer w = { .f = out, .utf16 = (flags & ESPDIAG_EXPORT_UTF16LE) != 0 };
	if (w.utf16 && fwrite("\xff\xfe", 1, 2, out) != 2)
		return ESPDIAG_EIO;
	puts_(&w, "Windows Registry Editor Version 5.00");
	newline(&w);
	newline(&w);
	key_block(&w, key, 0);
	flush(&w);
	free(w.buf);
	if (w.failed || fflush(out) != 0)
		return ESPDIAG_EIO;
	return w.status;
}

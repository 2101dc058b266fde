/*
 * lib/regtext.c - the .reg text reader. It owns encoding detection
 * (UTF-16LE, UTF-8, an ANSI code page through iconv), line splitting, and
 * the grammars:
 *   - a file that starts with a regedit header ("Windows Registry Editor
 *     Version 5.00", "REGEDIT4", "REGEDIT") is read as Windows' `reg
 *     import` reads it: a line Windows drops is dropped (with a warning),
 *     a value Windows stores is stored with the same type and bytes;
 *   - a file without a header is the MDMDiagReport_RegistryDump.reg dialect,
 *     read leniently: indented lines, type prefixes in any case, REG_SZ
 *     data written raw (the string runs to the last quote of the line),
 *     QWORD: with unpadded hex digits; a value line it cannot decode is
 *     kept as ESPDIAG_REG_DUMP_TEXT (its text) with a note, which, unlike
 *     any other warning, does not make the source "damaged". A file
 *     without a header in which no key line parses is not a registry file.
 * Every line is decoded into UTF-16 code units (the unit Windows parses
 * in), so REG_SZ data of a UTF-16 file is never converted twice. The result
 * is an in-memory tree (memtree.h).
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "memtree.h"
#include "readers.h"
#include "unicode.h"

/* Windows' limits on key name and value name length. */
#define MAX_KEY_NAME 255
#define MAX_VALUE_NAME 16383
/* How often the input is told which bytes will not be read again. */
#define CONSUMED_STEP ((size_t)4 << 20)
/* The first size of the window a UTF-16 file is read through: well inside
 * a core's L2 cache. It grows to hold a longer line. */
#define WINDOW_SIZE ((size_t)256 << 10)

enum encoding { ENC_UTF16LE, ENC_UTF8, ENC_ANSI };

enum dialect {
	DIALECT_DUMP,     /* no header: the lenient MDMDiagReport dialect */
	DIALECT_REGEDIT4, /* "REGEDIT4" */
	DIALECT_REGEDIT5, /* "Windows Registry Editor Version 5.00" */
	DIALECT_WIN31,    /* "REGEDIT": Windows 3.1 HKEY_CLASSES_ROOT lines */
	DIALECT_IGNORED   /* "REGEDIT<anything>": Windows accepts it and imports nothing */
};

typedef struct u16buf {
	uint16_t *v;
	size_t len, cap;
} u16buf;

typedef struct bytebuf {
	unsigned char *v;
	size_t len, cap;
} bytebuf;

enum hex_result { HEX_DONE, HEX_MORE, HEX_FAIL };

/* Key paths opened lately. A key line mostly shares a prefix with one of
 * them (a dump interleaves a few subtrees), and the lookups of that prefix
 * are skipped. They are compared as raw text: the same units name the
 * same key (until a key is deleted: then all are forgotten). */
#define PATH_CACHE 16

typedef struct path_slot {
	int root;                /* the root key's index; -1: empty */
	int count;               /* its components */
	u16buf text;             /* its text, from the first component on */
	size_t *end;             /* where component c ends in text */
	esp_mnode *node;         /* [0] the root key, [c + 1] component c */
	size_t cap;              /* entries end and node have room for */
} path_slot;

typedef struct parser {
	esp_memtree *tree;
	esp_warnings *warnings;
	esp_input *in;
	const unsigned char *data;
	size_t size;             /* bytes to read (an odd UTF-16 byte excluded) */
	enum encoding enc;
	iconv_t cd;              /* ANSI code page -> UTF-16LE */
	const char *codepage;
	enum dialect dialect;
	bool strict;             /* Windows' grammar (a header was found) */
	bool hex_strings_fixed;  /* hex(1|2|7) data is made what Windows stores */
	bool hex_strings_utf16;  /* ... from UTF-16 bytes (else from ANSI text) */
	bool bom_then_utf16;     /* a UTF-8 BOM, then what looks like UTF-16LE */
	int status;              /* ESPDIAG_ENOMEM stops the reader */

	size_t pos;              /* next byte to read */
	size_t next_consumed;
	/* A UTF-16 file is read through a window of data rather than from its
	 * mapping: the window stays in the cache, while each 4 KiB page of a
	 * mapping costs a page-table walk (see fill_window). */
	int fd;                  /* the file read through the window, or -1 */
	unsigned char *window;
	size_t window_cap;
	uint64_t base;           /* the file offset of data[0] */
	uint64_t file_end;       /* the file offset where the text ends */
	size_t whole_end;        /* a line starting before this is whole in data */
	uint64_t lineno;
	size_t line_off, line_end; /* bytes of the current line, terminator excluded */
	/* The units a line may have: a value's size cap as UTF-16 text and
	 * room for a key path or a value name. A longer line is left out as
	 * soon as it passes that (skip_long_line), so that only so much of it
	 * is ever held. */
	size_t line_cap;
	bool long_line;          /* the current line was left out */
	bool last_blank;         /* the last line read holds only blanks */
	bool long_unterminated;  /* ... and the input ended inside it */
	uint64_t long_bytes;     /* ... its length in bytes */
	u16buf line;             /* storage for lines that need decoding */
	const uint16_t *lv;      /* the current line: line.v, or the input itself */
	size_t ln;               /* its length in units */

	bool have_key;
	esp_mnode key;
	bool key_found;          /* a key line parsed: the input is a registry file */
	bool damaged;            /* a warning other than a kept-as-text note */
	size_t data_at;          /* the unit after '=' of the current value line */
	/* A value line whose string had not closed: the input may end there. */
	bool open_string;
	uint64_t open_line, open_col, open_off; /* open_off: a file offset */
	/* Why the data of the current value line could not be read, and where
	 * (the dump dialect keeps such a value as text). */
	const char *why;
	size_t why_at;

	/* A hex value whose line ended with a backslash. */
	bool pending;
	bool odd_tail;           /* a UTF-16 body of an odd byte count */
	uint32_t ptype;
	bytebuf pname;           /* the value name, UTF-8 */
	bytebuf pdata;
	bool pdrop;              /* the value passed max_value_size: read on, keep nothing */
	u16buf ptext;            /* dump dialect: its text as written, lines joined by CR LF */
	uint64_t pline;          /* ... and the line it started on */

	esp_limits lim;
	uint64_t keys, values;   /* keys made, values stored: for the caps */
	bool key_cap_warned, value_cap_warned;
	size_t (*comp)[2];       /* key path components (start, end), max_depth of them */
	path_slot paths[PATH_CACHE];
	path_slot *last_path;    /* the slot of the last key opened */
	u16buf tmp;              /* an unescaped name or string */
	bytebuf utf8;            /* a key name in UTF-8 */
	bytebuf out;             /* value bytes */
} parser;

/* ------------------------------------------------------------------ */
/* buffers */

static bool grow(parser *p, void **v, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return true;
	size_t ncap = *cap ? *cap : 256;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem) {
			p->status = ESPDIAG_ENOMEM;
			return false;
		}
		ncap *= 2;
	}
	void *nv = realloc(*v, ncap * elem);
	if (nv == NULL) {
		p->status = ESPDIAG_ENOMEM;
		return false;
	}
	*v = nv;
	*cap = ncap;
	return true;
}

static bool u16_reserve(parser *p, u16buf *b, size_t need)
{
	return grow(p, (void **)&b->v, &b->cap, need, sizeof *b->v);
}

static bool bytes_reserve(parser *p, bytebuf *b, size_t need)
{
	return grow(p, (void **)&b->v, &b->cap, need, 1);
}

/* ------------------------------------------------------------------ */
/* characters */

static bool is_blank(uint16_t c)
{
	return c == ' ' || c == '\t';
}

/* The C library's isspace set, which wcstoul skips. */
static bool is_space(uint16_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static const signed char hex_table[128] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static int hex_value(uint16_t c)
{
	return c < 128 ? hex_table[c] : -1;
}

static bool is_high(uint16_t c)
{
	return c >= 0xD800 && c <= 0xDBFF;
}

static bool is_low(uint16_t c)
{
	return c >= 0xDC00 && c <= 0xDFFF;
}

static size_t skip_blank(const uint16_t *v, size_t i, size_t n)
{
	while (i < n && is_blank(v[i]))
		i++;
	return i;
}

/* The first v[k] == unit with i <= k < n, or n. Paths and dump value
 * names are long runs of ASCII, so eight units are compared a step. */
static size_t find_unit(const uint16_t *v, size_t i, size_t n, uint16_t unit)
{
#ifdef __SSE2__
	const __m128i u = _mm_set1_epi16((short)unit);
	for (; i + 8 <= n; i += 8) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(v + i));
		int hit = _mm_movemask_epi8(_mm_cmpeq_epi16(x, u));
		if (hit != 0)
			return i + (size_t)__builtin_ctz((unsigned)hit) / 2;
	}
#endif
	while (i < n && v[i] != unit)
		i++;
	return i;
}

/* v[i..] starts with the ASCII text s (case-insensitive when fold). */
static bool starts_with(const uint16_t *v, size_t i, size_t n, const char *s, bool fold)
{
	for (; *s != '\0'; s++, i++) {
		if (i >= n)
			return false;
		uint16_t c = v[i], d = (unsigned char)*s;
		/* Setting bit 5 lower-cases a letter; only the two cases of a
		 * letter then meet a lower-case letter. */
		if (fold && ((d | 0x20) >= 'a' && (d | 0x20) <= 'z')) {
			c |= 0x20;
			d |= 0x20;
		}
		if (c != d)
			return false;
	}
	return true;
}

/* Number of characters (code points) in v[0..n). */
static size_t char_count(const uint16_t *v, size_t n)
{
	size_t chars = n;
	for (size_t i = 0; i + 1 < n; i++) {
		if (is_high(v[i]) && is_low(v[i + 1])) {
			chars--;
			i++;
		}
	}
	return chars;
}

/* ------------------------------------------------------------------ */
/* warnings */

/* Converts up to 4 bytes of the code page; returns the UTF-16 units made,
 * 0 when the bytes are not (yet) a whole character. */
static size_t ansi_units(parser *p, const unsigned char *s, size_t k)
{
	char outbuf[16];
	char *inb = (char *)(uintptr_t)s, *outb = outbuf;
	size_t inleft = k, outleft = sizeof outbuf;
	iconv(p->cd, NULL, NULL, NULL, NULL);
	if (iconv(p->cd, &inb, &inleft, &outb, &outleft) == (size_t)-1 || inleft != 0)
		return 0;
	return (size_t)(outb - outbuf) / 2;
}

/* The 1-based column and the byte offset of unit idx of the current line. */
static void locate(parser *p, size_t idx, uint64_t *col, uint64_t *off)
{
	if (p->enc == ENC_UTF16LE) {
		size_t n = idx < p->ln ? idx : p->ln;
		*col = (uint64_t)(char_count(p->lv, n) + (idx - n)) + 1;
		*off = (uint64_t)p->line_off + 2 * (uint64_t)idx;
		return;
	}
	size_t b = p->line_off, units = 0;
	uint64_t chars = 0;
	while (units < idx && b < p->line_end) {
		size_t k = 0, got = 0;
		if (p->enc == ENC_UTF8) {
			uint32_t cp;
			k = esp_utf8_decode(p->data + b, p->line_end - b, &cp);
			got = cp > 0xFFFF && k > 0 ? 2 : 1;
		} else {
			for (k = 1; k <= 4 && b + k <= p->line_end; k++)
				if ((got = ansi_units(p, p->data + b, k)) != 0)
					break;
			if (got == 0)
				k = 0;
		}
		if (k == 0) {
			k = 1;
			got = 1;
		}
		units += got;
		chars++;
		b += k;
	}
	*col = chars + (idx > units ? idx - units : 0) + 1;
	*off = b;
}

/* Every warning but a note says that something was skipped, replaced or
 * lost: the source is damaged. file_off is an offset in the file. */
static void warn_file(parser *p, uint64_t line, uint64_t col, uint64_t file_off,
                      const char *msg)
{
	p->damaged = true;
	if (esp_warn(p->warnings, line, col, file_off, "%s", msg) != ESPDIAG_OK)
		p->status = ESPDIAG_ENOMEM;
}

/* off counts bytes from data[0]. */
static void warn_raw(parser *p, uint64_t line, uint64_t col, uint64_t off, const char *msg)
{
	warn_file(p, line, col, p->base + off, msg);
}

static void vwarn_at(parser *p, bool damage, size_t idx, const char *fmt, va_list ap)
{
	char msg[256];
	vsnprintf(msg, sizeof msg, fmt, ap);
	uint64_t col, off;
	locate(p, idx, &col, &off);
	bool was = p->damaged;
	warn_raw(p, p->lineno, col, off, msg);
	p->damaged = was || damage;
}

/* A warning at unit idx of the current line. */
static void warn(parser *p, size_t idx, const char *fmt, ...) ESP_PRINTF(3, 4);
static void warn(parser *p, size_t idx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn_at(p, true, idx, fmt, ap);
	va_end(ap);
}

/* A note at unit idx of the current line: a warning that loses nothing
 * (a dump value kept as text), so it leaves the source undamaged. */
static void note(parser *p, size_t idx, const char *fmt, ...) ESP_PRINTF(3, 4);
static void note(parser *p, size_t idx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn_at(p, false, idx, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* line reading: lines end at CR, LF or CR LF, as Windows splits them */

/* Appends a unit to the line; false when out of memory or when the line
 * passes the cap (p->long_line is then set). */
static bool push_unit(parser *p, uint16_t c)
{
	if (p->line.len == p->line.cap) {
		if (p->line.len >= p->line_cap) {
			p->long_line = true;
			return false;
		}
		if (!u16_reserve(p, &p->line, p->line.len + 1))
			return false;
	}
	p->line.v[p->line.len++] = c;
	return true;
}

static void nul_warning(parser *p, size_t idx, size_t off)
{
	uint64_t col = (uint64_t)char_count(p->line.v, p->line.len) + (idx - p->line.len) + 1;
	warn_raw(p, p->lineno, col, off, "NUL character; the rest of the line is ignored");
}

static void skip_long_line(parser *p, size_t k);

/* The offset where a line starting at i is known to pass the cap: the
 * scans stop there (a line of line_cap units and its line end fit). */
static size_t scan_stop(const parser *p, size_t i, size_t unit)
{
	size_t room = unit * (p->line_cap + 1);
	return p->size - i > room ? i + room : p->size;
}

static void read_utf16(parser *p)
{
	const unsigned char *s = p->data;
	size_t i = p->pos, end = p->size, stop = scan_stop(p, i, 2);
	uint16_t *v = p->line.v;
	size_t n = 0, cap = p->line.cap;
	bool cut = false;
	for (; i + 1 < end; i += 2) {
		if (i >= stop) {
			p->line.len = n;
			skip_long_line(p, i);
			return;
		}
		uint16_t c = (uint16_t)(s[i] | (s[i + 1] << 8));
		if (c <= '\r' || (c & 0xF800) == 0xD800) {
			if (c == '\n' || c == '\r')
				break;
			if (c == 0) {
				if (!cut) {
					p->line.len = n;
					nul_warning(p, n, i);
				}
				cut = true;
			} else if ((c & 0xF800) == 0xD800) {
				uint16_t d = i + 3 < end ? (uint16_t)(s[i + 2] | (s[i + 3] << 8)) : 0;
				if (is_high(c) && is_low(d)) {
					if (!cut) {
						p->line.len = n;
						if (!push_unit(p, c) || !push_unit(p, d)) {
							if (p->long_line)
								skip_long_line(p, i);
							return;
						}
						v = p->line.v;
						cap = p->line.cap;
						n += 2;
					}
					i += 2;
					continue;
				}
				if (!cut) {
					p->line.len = n;
					uint64_t col = (uint64_t)char_count(v, n) + 1;
					warn_raw(p, p->lineno, col, i,
					         "lone UTF-16 surrogate replaced by U+FFFD");
				}
				c = ESP_REPLACEMENT_CHAR;
			}
		}
		if (cut)
			continue;
		if (n == cap) {
			p->line.len = n;
			if (!push_unit(p, c)) {
				if (p->long_line)
					skip_long_line(p, i);
				return;
			}
			v = p->line.v;
			cap = p->line.cap;
			n++;
			continue;
		}
		v[n++] = c;
	}
	p->line.len = n;
	p->lv = p->line.v;
	p->ln = n;
	p->line_end = i;
	if (i + 1 < end) {
		uint16_t c = (uint16_t)(s[i] | (s[i + 1] << 8));
		i += 2;
		if (c == '\r' && i + 1 < end && s[i] == '\n' && s[i + 1] == 0)
			i += 2;
	}
	p->pos = i;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_LE 1
#else
#define HOST_LE 0
#endif

/* The common UTF-16 line: no NUL, no surrogate. Scans four units at a
 * time for a unit below 14 (CR, LF, NUL, ...) or a surrogate; on a
 * little-endian host an aligned line is used in place, else copied.
 * False when the line needs read_utf16(). */
static bool read_utf16_fast(parser *p)
{
	const unsigned char *s = p->data;
	size_t i = p->pos, end = p->size, k = i, stop = scan_stop(p, i, 2);
	uint16_t c = 0;
	for (;;) {
#ifdef __SSE2__
		/* Eight units a step: stop at a unit below 14 (CR, LF, NUL, tab
		 * and the other controls) or a surrogate. The prefetch runs a few
		 * cache lines ahead, across the page boundaries the hardware
		 * prefetcher does not cross; the file is read once, from memory. */
		{
			const __m128i fourteen = _mm_set1_epi16(14), zero = _mm_setzero_si128();
			const __m128i top5 = _mm_set1_epi16((short)0xF800);
			const __m128i surrogate = _mm_set1_epi16((short)0xD800);
			while (k + 16 <= stop) {
				__builtin_prefetch(s + k + 1024);
				__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + k));
				__m128i control = _mm_andnot_si128(_mm_cmplt_epi16(x, zero),
				                                   _mm_cmplt_epi16(x, fourteen));
				__m128i sur = _mm_cmpeq_epi16(_mm_and_si128(x, top5), surrogate);
				if (_mm_movemask_epi8(_mm_or_si128(control, sur)) != 0)
					break;
				k += 16;
			}
		}
#endif
		if (HOST_LE) {
			const uint64_t ones = 0x0001000100010001u, highs = 0x8000800080008000u;
			while (k + 8 <= stop) {
				uint64_t x, y;
				memcpy(&x, s + k, 8);
				y = (x & 0xF800F800F800F800u) ^ 0xD800D800D800D800u;
				if ((((x - ones * 14) & ~x) | ((y - ones) & ~y)) & highs)
					break;
				k += 8;
			}
		}
		while (k + 1 < stop) {
			c = (uint16_t)(s[k] | (s[k + 1] << 8));
			if (c <= '\r' || (c & 0xF800) == 0xD800)
				break;
			k += 2;
		}
		if (k + 1 >= stop) {
			if (stop < end) {
				skip_long_line(p, k);
				return true;
			}
			break;
		}
		if (c == '\n' || c == '\r')
			break;
		if (c == 0 || (c & 0xF800) == 0xD800)
			return false;
		k += 2; /* a tab or another harmless control character */
	}
	size_t n = (k - i) / 2;
	if (HOST_LE && ((uintptr_t)(s + i) & 1) == 0) {
		p->lv = (const uint16_t *)(const void *)(s + i);
	} else {
		if (!u16_reserve(p, &p->line, n))
			return true;
		for (size_t u = 0; u < n; u++)
			p->line.v[u] = (uint16_t)(s[i + 2 * u] | (s[i + 2 * u + 1] << 8));
		p->line.len = n;
		p->lv = p->line.v;
	}
	p->ln = n;
	p->line_end = k;
	if (k + 1 < end) {
		k += 2;
		if (c == '\r' && k + 1 < end && s[k] == '\n' && s[k + 1] == 0)
			k += 2;
	}
	p->pos = k;
	return true;
}

static size_t line_end_8bit(const unsigned char *s, size_t i, size_t end)
{
	while (i < end && s[i] != '\n' && s[i] != '\r')
		i++;
	return i;
}

static void read_utf8(parser *p, size_t end)
{
	const unsigned char *s = p->data;
	size_t i = p->pos;
	uint64_t chars = 0;
	bool cut = false;
	while (i < end) {
		unsigned char c = s[i];
		if (c < 0x80) {
			if (c == 0 && !cut) {
				nul_warning(p, p->line.len, i);
				cut = true;
			}
			if (!cut && !push_unit(p, c))
				return;
			i++;
			chars++;
			continue;
		}
		uint32_t cp;
		size_t k = esp_utf8_decode(s + i, end - i, &cp);
		if (k == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
			if (!cut) {
				char msg[64];
				snprintf(msg, sizeof msg, "invalid UTF-8 byte 0x%02x replaced by U+FFFD", c);
				warn_raw(p, p->lineno, chars + 1, i, msg);
			}
			cp = ESP_REPLACEMENT_CHAR;
			k = k == 0 ? 1 : k;
		}
		if (!cut) {
			if (cp > 0xFFFF) {
				if (!push_unit(p, (uint16_t)(0xD800 + ((cp - 0x10000) >> 10))) ||
				    !push_unit(p, (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF))))
					return;
			} else if (!push_unit(p, (uint16_t)cp)) {
				return;
			}
		}
		i += k;
		chars++;
	}
}

/* Converts the line's bytes straight into the line: a code page character
 * is at least one byte and at most two UTF-16 units, and no more than the
 * cap is made (the line is then left out). */
static void read_ansi(parser *p, size_t end)
{
	size_t len = end - p->pos;
	if (len == 0)
		return;
	size_t room = len < p->line_cap / 2 + 1 ? 2 * len : p->line_cap + 2;
	if (!u16_reserve(p, &p->line, room))
		return;
	char *inb = (char *)(uintptr_t)(p->data + p->pos);
	char *start = (char *)p->line.v, *outb = start;
	size_t inleft = len, outleft = 2 * room;
	iconv(p->cd, NULL, NULL, NULL, NULL);
	while (inleft > 0) {
		if (iconv(p->cd, &inb, &inleft, &outb, &outleft) != (size_t)-1)
			break;
		if (errno != EILSEQ && errno != EINVAL)
			break; /* E2BIG: the cap */
		size_t units = (size_t)(outb - start) / 2;
		size_t off = (size_t)((const unsigned char *)inb - p->data);
		char msg[96];
		snprintf(msg, sizeof msg, "byte 0x%02x is not valid in %s; replaced by U+FFFD",
		         p->data[off], p->codepage);
		warn_raw(p, p->lineno, (uint64_t)units + 1, off, msg);
		if (outleft < 2)
			break;
		*outb++ = (char)0xFD;
		*outb++ = (char)0xFF;
		outleft -= 2;
		inb++;
		inleft--;
		iconv(p->cd, NULL, NULL, NULL, NULL);
	}
	iconv(p->cd, NULL, NULL, &outb, &outleft);
	size_t units = (size_t)(outb - start) / 2;
	if (inleft > 0 || units > p->line_cap) {
		p->long_line = true;
		return;
	}
	uint16_t *v = p->line.v;
	size_t n = 0;
	for (; n < units; n++) {
		if (!HOST_LE) {
			const unsigned char *o = (const unsigned char *)(v + n);
			v[n] = (uint16_t)(o[0] | (o[1] << 8));
		}
		if (v[n] == 0) {
			p->line.len = n;
			nul_warning(p, n, p->pos + n);
			break;
		}
	}
	p->line.len = n;
}

/* The offset of the last CR or LF in data[0..size) that has a unit after
 * it, plus 2; 0 when there is none. */
static size_t after_last_line_end(const unsigned char *s, size_t size)
{
	for (size_t b = size >= 4 ? (size - 4) & ~(size_t)1 : 0; size >= 4; b -= 2) {
		if (s[b + 1] == 0 && (s[b] == '\n' || s[b] == '\r'))
			return b + 2;
		if (b == 0)
			break;
	}
	return 0;
}

/* Reads on into the free room of the window (at least a byte: the caller
 * made room, and the file has more). A file that cannot be read on (it
 * shrank, or a read error) ends there, with a warning; false then. */
static bool window_read(parser *p)
{
	uint64_t left = p->file_end - (p->base + p->size);
	size_t want = p->window_cap - p->size;
	if (left < want)
		want = (size_t)left;
	for (;;) {
		ssize_t n = pread(p->fd, p->window + p->size, want, (off_t)(p->base + p->size));
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0) {
			p->size += (size_t)n;
			return true;
		}
		char msg[160];
		snprintf(msg, sizeof msg, "cannot read past byte %llu (%s); the rest is left out",
		         (unsigned long long)(p->base + p->size),
		         n < 0 ? strerror(errno) : "the file shrank");
		warn_raw(p, p->lineno + 1, 1, p->size, msg);
		p->size &= ~(size_t)1; /* whole units only */
		p->file_end = p->base + p->size;
		return false;
	}
}

/* Drops the window's bytes before from (an even count: units stay
 * aligned). */
static void window_drop(parser *p, size_t from)
{
	from &= ~(size_t)1;
	memmove(p->window, p->window + from, p->size - from);
	p->base += from;
	p->size -= from;
	p->pos = p->pos > from ? p->pos - from : 0;
}

/* Moves the window to the current position and reads on until it holds a
 * whole line, with the unit after its end (CR LF or a lone CR), or the rest
 * of the text, or more than a line may hold (the line is then left out). */
static void fill_window(parser *p)
{
	window_drop(p, p->pos);
	p->whole_end = 0;
	for (;;) {
		if (p->base + p->size == p->file_end) {
			p->whole_end = p->size;
			return;
		}
		if (p->size == p->window_cap) {
			if (p->size / 2 > p->line_cap + 2)
				return; /* past the cap: read_utf16_fast leaves the line out */
			if (!grow(p, (void **)&p->window, &p->window_cap, p->window_cap + 1, 1))
				return; /* out of memory: grow() set the status */
			p->data = p->window;
		}
		/* A line end just before the new bytes may have waited for them. */
		size_t from = (p->size >= 2 ? p->size - 2 : 0) & ~(size_t)1;
		if (!window_read(p))
			continue;
		size_t end = after_last_line_end(p->window + from, p->size - from);
		if (end > 0) {
			p->whole_end = from + end;
			return;
		}
	}
}

/* Where the line end (CR or LF) is in s[k..end) for units of unit bytes;
 * end when there is none. */
static size_t find_line_end(const unsigned char *s, size_t k, size_t end, size_t unit)
{
	if (unit == 1)
		return line_end_8bit(s, k, end);
	for (; k + 1 < end; k += 2)
		if (s[k + 1] == 0 && (s[k] == '\n' || s[k] == '\r'))
			return k;
	return end;
}

/* The current line passes the cap (line_cap): it is left out, with a
 * warning, and reading goes on after its end. k is where it was read up
 * to. Only a window of it is ever in memory: through the window the file
 * is read on, a stretch at a time; a mapping is told which pages are done. */
static void skip_long_line(parser *p, size_t k)
{
	size_t unit = p->enc == ENC_UTF16LE ? 2 : 1;
	uint64_t start = p->base + p->line_off;
	bool mapped = p->fd < 0 && p->in->consumed != NULL;
	size_t e;
	p->long_line = true;
	for (;;) {
		size_t stop = p->size;
		if (mapped && stop - k > CONSUMED_STEP)
			stop = k + CONSUMED_STEP;
		e = find_line_end(p->data, k, stop, unit);
		bool more = p->fd >= 0 && p->base + p->size < p->file_end;
		if (e < stop) {
			/* A CR's LF may be in the bytes still to read. */
			if (!more || e + 2 * unit <= p->size)
				break;
			window_drop(p, e);
			k = 0;
		} else if (more) {
			window_drop(p, e);
			k = 0;
		} else if (stop < p->size) {
			k = stop;
			if (k >= p->next_consumed) {
				p->in->consumed(p->in, k);
				p->next_consumed = k + CONSUMED_STEP;
			}
			continue;
		} else {
			break; /* the input ends inside the line */
		}
		window_read(p);
	}
	const unsigned char *s = p->data;
	p->long_unterminated = e + unit > p->size;
	p->long_bytes = p->base + e - start;
	p->line_end = e;
	if (!p->long_unterminated) {
		bool cr = s[e] == '\r';
		e += unit;
		if (cr && e + unit <= p->size && s[e] == '\n' && (unit == 1 || s[e + 1] == 0))
			e += unit;
	}
	p->pos = e;
	p->whole_end = 0;
	p->line.len = 0;
	p->lv = p->line.v;
	p->ln = 0;
	char msg[192];
	snprintf(msg, sizeof msg,
	         "line of %llu bytes is longer than a value's size cap (%llu bytes) allows; "
	         "line left out",
	         (unsigned long long)p->long_bytes, (unsigned long long)p->lim.max_value_size);
	warn_file(p, p->lineno, 1, start, msg);
	/* What the line belonged to is incomplete. */
	p->pending = false;
	p->open_string = false;
}

/* Reads the next line into p->line; false at the end of the input. */
static bool read_line(parser *p)
{
	if (p->fd >= 0 && p->pos >= p->whole_end && p->base + p->size < p->file_end &&
	    p->status == ESPDIAG_OK)
		fill_window(p);
	if (p->pos >= p->size || p->status != ESPDIAG_OK)
		return false;
	p->lineno++;
	p->line_off = p->pos;
	p->line.len = 0;
	p->long_line = false;
	if (p->enc == ENC_UTF16LE) {
		if (!read_utf16_fast(p))
			read_utf16(p);
		return p->status == ESPDIAG_OK;
	}
	/* A unit takes at most 4 bytes of an 8-bit encoding: a line with no
	 * end that many bytes on passes the cap. */
	size_t stop = p->size - p->pos > 4 * (p->line_cap + 1) ? p->pos + 4 * (p->line_cap + 1)
	                                                        : p->size;
	size_t end = line_end_8bit(p->data, p->pos, stop);
	if (end < stop || stop == p->size) {
		if (p->enc == ENC_UTF8)
			read_utf8(p, end);
		else
			read_ansi(p, end);
	} else {
		p->long_line = true;
	}
	if (p->long_line) {
		skip_long_line(p, end);
		return p->status == ESPDIAG_OK;
	}
	p->lv = p->line.v;
	p->ln = p->line.len;
	p->line_end = end;
	if (end < p->size) {
		end += (p->data[end] == '\r' && end + 1 < p->size && p->data[end + 1] == '\n') ? 2 : 1;
	}
	p->pos = end;
	return p->status == ESPDIAG_OK;
}

/* ------------------------------------------------------------------ */
/* keys */

#define ROOT_KEY(abbrev, name) { { abbrev, name }, { sizeof abbrev - 1, sizeof name - 1 } }
static const struct {
	const char *names[2]; /* the abbreviation, the name */
	size_t lens[2];
} root_keys[] = {
	ROOT_KEY("HKLM", "HKEY_LOCAL_MACHINE"), ROOT_KEY("HKCU", "HKEY_CURRENT_USER"),
	ROOT_KEY("HKCR", "HKEY_CLASSES_ROOT"),  ROOT_KEY("HKU", "HKEY_USERS"),
	ROOT_KEY("HKCC", "HKEY_CURRENT_CONFIG"),
};
#undef ROOT_KEY

/* The root key v[i..] names (case-insensitive, followed by "\" or the
 * end, as reg.exe matches it); -1 when none. *after is past its name. */
static int match_root(const uint16_t *v, size_t i, size_t end, size_t *after)
{
	size_t len = find_unit(v, i, end, '\\') - i;
	for (size_t r = 0; r < sizeof root_keys / sizeof root_keys[0]; r++)
		for (size_t k = 0; k < 2; k++)
			if (root_keys[r].lens[k] == len &&
			    starts_with(v, i, end, root_keys[r].names[k], true)) {
				*after = i + len;
				return (int)r;
			}
	return -1;
}

/* Converts units to UTF-8 in b. */
static bool to_utf8(parser *p, bytebuf *b, const uint16_t *v, size_t n)
{
	if (!bytes_reserve(p, b, n * 3 + 1))
		return false;
	unsigned char *o = b->v;
	size_t i = 0;
	/* ASCII units eight, then four, a step: names are mostly ASCII. */
#ifdef __SSE2__
	const __m128i not_ascii = _mm_set1_epi16((short)0xFF80);
	for (; i + 8 <= n; i += 8) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(v + i));
		if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(x, not_ascii),
		                                      _mm_setzero_si128())) != 0xFFFF)
			break;
		_mm_storel_epi64((__m128i *)(void *)o, _mm_packus_epi16(x, x));
		o += 8;
	}
#endif
	for (; i + 4 <= n; i += 4) {
		if ((v[i] | v[i + 1] | v[i + 2] | v[i + 3]) >= 0x80)
			break;
		o[0] = (unsigned char)v[i];
		o[1] = (unsigned char)v[i + 1];
		o[2] = (unsigned char)v[i + 2];
		o[3] = (unsigned char)v[i + 3];
		o += 4;
	}
	for (; i < n; i++) {
		uint32_t c = v[i];
		if (c < 0x80) {
			*o++ = (unsigned char)c;
			continue;
		}
		if (is_high(v[i]) && i + 1 < n && is_low(v[i + 1])) {
			c = 0x10000 + ((c - 0xD800) << 10) + (uint32_t)(v[i + 1] - 0xDC00);
			i++;
		}
		o += esp_utf8_encode(c, (char *)o);
	}
	b->len = (size_t)(o - b->v);
	return true;
}

/* Splits the key path v[i..end) into its "\\"-separated components,
 * skipping empty ones as Windows does, into comp (start, end pairs).
 * Returns the count, or -1 after a warning (too deep, a name too long). */
static int split_path(parser *p, const uint16_t *v, size_t i, size_t end,
                      size_t comp[][2])
{
	int count = 0;
	for (size_t k = i; k < end;) {
		while (k < end && v[k] == '\\')
			k++;
		size_t start = k;
		k = find_unit(v, k, end, '\\');
		if (k == start)
			continue;
		/* the root key is the first level */
		if ((uint64_t)count + 1 >= p->lim.max_depth) {
			warn(p, start, "key path deeper than %llu keys; line ignored",
			     (unsigned long long)p->lim.max_depth);
			return -1;
		}
		if (k - start > MAX_KEY_NAME && char_count(v + start, k - start) > MAX_KEY_NAME) {
			warn(p, start, "key name longer than %d characters; line ignored",
			     MAX_KEY_NAME);
			return -1;
		}
		comp[count][0] = start;
		comp[count][1] = k;
		count++;
	}
	return count;
}

/* The child named by p->utf8 of parent; with create, makes it when absent
 * unless the key cap is reached (warning at unit at). */
static int child(parser *p, esp_mnode parent, bool create, size_t at, esp_mnode *out)
{
	/* One lookup that creates, unless the cap is reached. */
	bool may_create = create && p->keys < p->lim.max_keys;
	uint32_t before = esp_memtree_key_count(p->tree);
	int rc = esp_memtree_child(p->tree, parent, (const char *)p->utf8.v, p->utf8.len,
	                           may_create, out);
	if (rc == ESPDIAG_OK && esp_memtree_key_count(p->tree) != before)
		p->keys++;
	if (rc == ESPDIAG_NOTFOUND && create) {
		if (!p->key_cap_warned)
			warn(p, at, "more than %llu keys; this and later new keys are left out",
			     (unsigned long long)p->lim.max_keys);
		p->key_cap_warned = true;
		return ESPDIAG_ELIMIT;
	}
	if (rc == ESPDIAG_ELIMIT)
		warn(p, at, "too many keys; line ignored");
	return rc;
}

/* Units a and b have in common at their start, four a step. */
static size_t common_units(const uint16_t *a, size_t an, const uint16_t *b, size_t bn)
{
	size_t n = an < bn ? an : bn, i = 0;
	for (; i + 4 <= n; i += 4) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			break;
	}
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* The text of a key line's path: its components as written, from the
 * first one's start to the last one's end. */
static size_t path_text_len(size_t comp[][2], int count)
{
	return count > 0 ? comp[count - 1][1] - comp[0][0] : 0;
}

/* Components of the key line v (comp[0..count)) that the cached path s
 * begins with: where the texts agree, and the line's component ends where
 * the cached one does (the texts then split alike up to there). */
static int shared_components(const path_slot *s, const uint16_t *v, size_t comp[][2],
                             int count)
{
	if (count == 0 || s->count == 0)
		return 0;
	size_t agree = common_units(v + comp[0][0], path_text_len(comp, count), s->text.v,
	                            s->text.len);
	int c = 0;
	while (c < count && c < s->count && s->end[c] <= agree &&
	       comp[c][1] - comp[0][0] == s->end[c])
		c++;
	return c;
}

/* Room for count components in slot s, and the root's node: end and node
 * grow alike. */
static bool slot_reserve(parser *p, path_slot *s, size_t count)
{
	size_t end_cap = s->cap, node_cap = s->cap;
	if (!grow(p, (void **)&s->end, &end_cap, count + 1, sizeof *s->end) ||
	    !grow(p, (void **)&s->node, &node_cap, count + 1, sizeof *s->node))
		return false;
	s->cap = end_cap;
	return true;
}

static void forget_paths(parser *p)
{
	for (size_t k = 0; k < PATH_CACHE; k++)
		p->paths[k].root = -1;
	p->last_path = NULL;
}

/* A hash of the key line's parent path text (all but the last component),
 * which picks the slot its path is kept in: lines under one parent meet in
 * one slot. */
static size_t parent_slot(const uint16_t *v, size_t comp[][2], int count)
{
	size_t n = count > 1 ? comp[count - 2][1] - comp[0][0] : 0, i = 0;
	const uint16_t *t = count > 1 ? v + comp[0][0] : v;
	uint64_t h = 0x9E3779B97F4A7C15ull;
	for (; i + 4 <= n; i += 4) {
		uint64_t w;
		memcpy(&w, t + i, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDull;
	}
	for (; i < n; i++)
		h = (h ^ t[i]) * 0xFF51AFD7ED558CCDull;
	return (size_t)(h >> 32) % PATH_CACHE;
}

/* The cached path of root r sharing most components with the key line
 * (*shared of them), or NULL: the last path opened (a depth-first export
 * follows it) or the one kept for the line's parent (a dump interleaves
 * subtrees). *dst gets the slot the line's path goes to. */
static path_slot *best_path(parser *p, int r, const uint16_t *v, size_t comp[][2], int count,
                            int *shared, path_slot **dst)
{
	path_slot *cand[2] = { p->last_path, &p->paths[parent_slot(v, comp, count)] };
	path_slot *best = NULL;
	*shared = -1;
	for (size_t k = 0; k < 2; k++) {
		path_slot *s = cand[k];
		if (s == NULL || s->root != r || (k == 1 && s == cand[0]))
			continue;
		int c = shared_components(s, v, comp, count);
		if (c > *shared) {
			*shared = c;
			best = s;
		}
	}
	*dst = cand[1];
	return best;
}

/* Finds (create: makes) the key of root r and the first count components.
 * Creating goes through the cache of paths opened lately. */
static int walk_path(parser *p, int r, const uint16_t *v, size_t comp[][2], int count,
                     bool create, size_t at, esp_mnode *out)
{
	esp_mnode node = 0;
	int c = 0, rc = ESPDIAG_OK;
	path_slot *best = NULL, *dst = NULL;
	if (create) {
		best = best_path(p, r, v, comp, count, &c, &dst);
		if (!slot_reserve(p, dst, (size_t)count))
			return p->status;
		dst->root = -1; /* until the walk succeeds */
	}
	if (best != NULL) {
		node = best->node[c];
		if (dst != best) {
			memcpy(dst->end, best->end, (size_t)c * sizeof *dst->end);
			memcpy(dst->node, best->node, ((size_t)c + 1) * sizeof *dst->node);
		}
	} else {
		c = 0;
		const char *rname = root_keys[r].names[1];
		size_t rlen = root_keys[r].lens[1];
		if (!bytes_reserve(p, &p->utf8, rlen))
			return p->status;
		memcpy(p->utf8.v, rname, rlen);
		p->utf8.len = rlen;
		rc = child(p, esp_memtree_root(p->tree), create, at, &node);
		if (create)
			dst->node[0] = node;
	}
	for (; rc == ESPDIAG_OK && c < count; c++) {
		size_t len = comp[c][1] - comp[c][0];
		if (!to_utf8(p, &p->utf8, v + comp[c][0], len))
			return p->status;
		rc = child(p, node, create, comp[c][0], &node);
		if (create && rc == ESPDIAG_OK) {
			dst->end[c] = comp[c][1] - comp[0][0];
			dst->node[c + 1] = node;
		}
	}
	if (create && rc == ESPDIAG_OK) {
		/* The path's text, as the line wrote it. */
		size_t len = path_text_len(comp, count);
		if (!u16_reserve(p, &dst->text, len))
			return p->status;
		if (len > 0)
			memcpy(dst->text.v, v + comp[0][0], len * sizeof *v);
		dst->text.len = len;
		dst->root = r;
		dst->count = count;
		p->last_path = dst;
	}
	if (rc == ESPDIAG_ENOMEM)
		p->status = rc;
	*out = node;
	return rc;
}

/* "[-path]": deletes the key and its subtree (i is past the "-"). */
static void delete_key(parser *p, size_t i, size_t end)
{
	size_t (*comp)[2] = p->comp;
	const uint16_t *v = p->lv;
	size_t after;
	int r;
	p->have_key = false;
	if (i >= end || (v[i] != 'H' && v[i] != 'h') || (r = match_root(v, i, end, &after)) < 0) {
		warn(p, i, "key deletion does not name a root key; line ignored");
		return;
	}
	int count = split_path(p, v, after, end, comp);
	if (count < 0)
		return;
	p->key_found = true;
	if (count == 0) {
		warn(p, i, "a root key cannot be deleted; line ignored");
		return;
	}
	esp_mnode parent;
	if (walk_path(p, r, v, comp, count - 1, false, i, &parent) != ESPDIAG_OK)
		return;
	if (!to_utf8(p, &p->utf8, v + comp[count - 1][0], comp[count - 1][1] - comp[count - 1][0]))
		return;
	int rc = esp_memtree_delete_child(p->tree, parent, (const char *)p->utf8.v, p->utf8.len);
	forget_paths(p);
	if (rc < 0)
		p->status = rc;
}

/* Opens (creates) the key named by v[i..end). */
static void open_key(parser *p, size_t i, size_t end)
{
	size_t (*comp)[2] = p->comp;
	const uint16_t *v = p->lv;
	size_t after;
	p->have_key = false;
	int r = match_root(v, i, end, &after);
	if (r < 0) {
		warn(p, i, "unknown root key; values up to the next key are ignored");
		return;
	}
	int count = split_path(p, v, after, end, comp);
	if (count < 0)
		return;
	p->key_found = true;
	esp_mnode node;
	if (walk_path(p, r, v, comp, count, true, i, &node) != ESPDIAG_OK)
		return;
	p->have_key = true;
	p->key = node;
}

/* "[...]" (i is past the "["). Windows takes the name up to the LAST "]"
 * of the line and, when the line is unusable, keeps the previous key
 * open; the lenient dialect closes it instead. */
static void key_line(parser *p, size_t i)
{
	const uint16_t *v = p->lv;
	size_t n = p->ln;
	if (i < n && is_blank(v[i])) {
		warn(p, i, "key name starts with white space; line ignored");
		if (!p->strict)
			p->have_key = false;
		return;
	}
	size_t close = n;
	while (close > i && v[close - 1] != ']')
		close--;
	if (close == i) {
		warn(p, n, "key name has no closing ']'; line ignored");
		if (!p->strict)
			p->have_key = false;
		return;
	}
	close--;
	size_t rest = skip_blank(v, close + 1, n);
	if (rest < n && v[rest] != ';')
		warn(p, rest, "text after the key name ignored");
	if (close > i && v[i] == '-')
		delete_key(p, i + 1, close);
	else
		open_key(p, i, close);
}

/* ------------------------------------------------------------------ */
/* values */

/* Stores the current value: data, then pad zero bytes. */
static void store_padded(parser *p, uint32_t type, const void *data, size_t size, size_t pad)
{
	if (!p->have_key)
		return;
	size += pad;
	if (size > p->lim.max_value_size) {
		warn(p, 0, "value data of %zu bytes is over the cap of %llu bytes; value left out",
		     size, (unsigned long long)p->lim.max_value_size);
		return;
	}
	if (p->values >= p->lim.max_values) {
		if (!p->value_cap_warned)
			warn(p, 0, "more than %llu values; this and later values are left out",
			     (unsigned long long)p->lim.max_values);
		p->value_cap_warned = true;
		return;
	}
	p->values++;
	int rc = esp_memtree_set_value_padded(p->tree, p->key, (const char *)p->pname.v,
	                                      p->pname.len, type, data, size - pad, pad);
	if (rc == ESPDIAG_ENOMEM)
		p->status = rc;
	else if (rc != ESPDIAG_OK)
		warn(p, 0, "value not stored: %s", espdiag_strerror(rc));
}

static void store(parser *p, uint32_t type, const void *data, size_t size)
{
	store_padded(p, type, data, size, 0);
}

/* REG_SZ from UTF-16 units: little-endian bytes plus the NUL. */
static void store_units(parser *p, uint32_t type, const uint16_t *v, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	store_padded(p, type, v, 2 * n, 2);
#else
	if (!bytes_reserve(p, &p->out, 2 * n))
		return;
	for (size_t k = 0; k < n; k++) {
		p->out.v[2 * k] = (unsigned char)(v[k] & 0xFF);
		p->out.v[2 * k + 1] = (unsigned char)(v[k] >> 8);
	}
	store_padded(p, type, p->out.v, 2 * n, 2);
#endif
}

/* The dump dialect keeps a value whose data it cannot decode: the text
 * v[0..n) as written, as ESPDIAG_REG_DUMP_TEXT, with a note at unit at
 * of the current line saying why. Nothing is lost, so nothing is damaged. */
static void keep_text(parser *p, const uint16_t *v, size_t n, size_t at, const char *why)
{
	if (!p->have_key)
		return; /* the value is lost: "value outside of any key" said so */
	note(p, at, "%s; value kept as text (REG_DUMP_TEXT)", why);
	store_units(p, ESPDIAG_REG_DUMP_TEXT, v, n);
}

/* Data after '=' that cannot be read, why, at unit at. Windows' grammar
 * drops the line; the dump dialect keeps the text after '=' (data_at). */
static void bad_data(parser *p, size_t at, const char *why)
{
	if (p->strict)
		warn(p, at, "%s; line ignored", why);
	else
		keep_text(p, p->lv + p->data_at, p->ln - p->data_at, at, why);
}

/* Hex data that cannot be read: Windows drops the value (a warning); in
 * the dump dialect the caller keeps it as text, so only the reason is
 * kept here. */
static void hex_error(parser *p, size_t at, const char *why)
{
	if (p->strict)
		warn(p, at, "%s; value ignored", why);
	p->why = why;
	p->why_at = at;
}

/* The current line's string never closes: if no other line follows, the
 * input was cut inside it. */
static void mark_open_string(parser *p)
{
	p->open_string = true;
	p->open_line = p->lineno;
	locate(p, p->ln, &p->open_col, &p->open_off);
	p->open_off += p->base; /* the window may move on */
}

/* A quoted string with regedit's escapes, from after its opening quote
 * at i, into p->tmp; *next is past the closing quote. */
static bool unescape(parser *p, size_t i, size_t end, size_t *next)
{
	const uint16_t *v = p->lv;
	p->tmp.len = 0;
	if (!u16_reserve(p, &p->tmp, end - i + 1))
		return false;
	uint16_t *o = p->tmp.v;
	size_t n = 0;
	for (size_t k = i; k < end; k++) {
		uint16_t c = v[k];
		if (c == '"') {
			p->tmp.len = n;
			*next = k + 1;
			return true;
		}
		if (c == '\\') {
			if (k + 1 >= end) {
				warn(p, k, "backslash at the end of the line; line ignored");
				return false;
			}
			c = v[++k];
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case '0':
				warn(p, k - 1, "\\0 in a string; line ignored");
				return false;
			case '\\':
			case '"':
				break;
			default:
				if (c < 0x80)
					warn(p, k - 1, "unknown escape \\%c read as %c", (char)c, (char)c);
				else
					warn(p, k - 1, "unknown escape read as the character after \\");
				break;
			}
		}
		o[n++] = c;
	}
	mark_open_string(p);
	warn(p, end, "missing closing quote; line ignored");
	return false;
}

/* wcstoul(s, &e, 16) as Windows runs it (32-bit unsigned long): leading
 * space, a sign, an optional 0x. False when nothing was converted. */
static bool parse_ul(const uint16_t *v, size_t s, size_t n, size_t *e, uint32_t *val,
                     bool *overflow)
{
	size_t q = s;
	while (q < n && is_space(v[q]))
		q++;
	bool neg = false;
	if (q < n && (v[q] == '+' || v[q] == '-')) {
		neg = v[q] == '-';
		q++;
	}
	if (q + 2 < n && v[q] == '0' && (v[q + 1] == 'x' || v[q + 1] == 'X') &&
	    hex_value(v[q + 2]) >= 0)
		q += 2;
	uint64_t x = 0;
	size_t start = q;
	*overflow = false;
	for (int d; q < n && (d = hex_value(v[q])) >= 0; q++) {
		x = x * 16 + (uint64_t)d;
		if (x > 0xFFFFFFFFu) {
			*overflow = true;
			x = 0xFFFFFFFFu;
		}
	}
	if (q == start) {
		*e = s;
		*val = 0;
		return false;
	}
	*e = q;
	*val = neg && !*overflow ? (uint32_t)(0u - (uint32_t)x) : (uint32_t)x;
	return true;
}

/* Comma-separated hex bytes v[s..end) appended to p->pdata. */
static enum hex_result hex_bytes(parser *p, size_t s, size_t end)
{
	const uint16_t *v = p->lv;
	/* A byte takes at least two units ("x,") but the last. */
	if (!bytes_reserve(p, &p->pdata, p->pdata.len + (end - s) / 2 + 1))
		return HEX_FAIL;
	while (s < end) {
		size_t e, q;
		/* the usual "xx," */
		unsigned char *o = p->pdata.v + p->pdata.len;
		while (s + 2 < end && v[s + 2] == ',') {
			int h1 = hex_value(v[s]), h2 = hex_value(v[s + 1]);
			if ((h1 | h2) < 0)
				break;
			*o++ = (unsigned char)(h1 * 16 + h2);
			s += 3;
		}
		p->pdata.len = (size_t)(o - p->pdata.v);
		if (s + 2 == end) {
			int h1 = hex_value(v[s]), h2 = hex_value(v[s + 1]);
			if ((h1 | h2) >= 0) {
				p->pdata.v[p->pdata.len++] = (unsigned char)(h1 * 16 + h2);
				return HEX_DONE;
			}
		}
		if (s >= end)
			break;
		uint32_t val;
		bool ovf;
		if (!parse_ul(v, s, end, &e, &val, &ovf)) {
			q = skip_blank(v, s, end);
			if (q < end && v[q] == '\\') {
				size_t r = skip_blank(v, q + 1, end);
				if (r < end && v[r] != ';') {
					hex_error(p, r, "text after the continuation backslash");
					return HEX_FAIL;
				}
				return HEX_MORE;
			}
			if (q < end && v[q] == ';')
				return HEX_DONE;
			hex_error(p, q, "expected a hex byte");
			return HEX_FAIL;
		}
		if (ovf || val > 0xFF) {
			hex_error(p, s, "hex byte out of range");
			return HEX_FAIL;
		}
		p->pdata.v[p->pdata.len++] = (unsigned char)val;
		if (e < end && v[e] != ',') {
			q = skip_blank(v, e, end);
			if (q < end && v[q] != ';') {
				hex_error(p, q, "expected ',' between hex bytes");
				return HEX_FAIL;
			}
			return HEX_DONE;
		}
		s = e < end ? e + 1 : e;
	}
	return HEX_DONE;
}

/* Bytes in the file's 8-bit encoding to UTF-16LE in p->out. */
static bool bytes_to_utf16(parser *p, const unsigned char *s, size_t n)
{
	if (!bytes_reserve(p, &p->out, n * 4 + 8))
		return false;
	if (p->enc == ENC_UTF8) {
		unsigned char *o = p->out.v;
		for (size_t i = 0; i < n;) {
			uint32_t cp;
			size_t k = esp_utf8_decode(s + i, n - i, &cp);
			if (k == 0) {
				cp = ESP_REPLACEMENT_CHAR;
				k = 1;
			}
			if (cp > 0xFFFF) {
				uint32_t hi = 0xD800 + ((cp - 0x10000) >> 10), lo = 0xDC00 + ((cp - 0x10000) & 0x3FF);
				*o++ = (unsigned char)(hi & 0xFF);
				*o++ = (unsigned char)(hi >> 8);
				cp = lo;
			}
			*o++ = (unsigned char)(cp & 0xFF);
			*o++ = (unsigned char)(cp >> 8);
			i += k;
		}
		p->out.len = (size_t)(o - p->out.v);
		return true;
	}
	char *inb = (char *)(uintptr_t)s, *outb = (char *)p->out.v;
	size_t inleft = n, outleft = p->out.cap;
	iconv(p->cd, NULL, NULL, NULL, NULL);
	while (inleft > 0 && iconv(p->cd, &inb, &inleft, &outb, &outleft) == (size_t)-1) {
		if ((errno != EILSEQ && errno != EINVAL) || outleft < 2)
			break;
		*outb++ = (char)0xFD;
		*outb++ = (char)0xFF;
		outleft -= 2;
		inb++;
		inleft--;
		iconv(p->cd, NULL, NULL, NULL, NULL);
	}
	iconv(p->cd, NULL, NULL, &outb, &outleft);
	p->out.len = (size_t)(outb - (char *)p->out.v);
	return true;
}

/* Stores the hex value collected in p->pdata. For REG_SZ, REG_EXPAND_SZ
 * and REG_MULTI_SZ, Windows ends the data with a NUL when it lacks one
 * and, in a file that is not UTF-16, reads the bytes as ANSI text and
 * stores them as UTF-16. The bytes are kept as written in the dump
 * dialect, and in a UTF-8 regedit 5 file: Windows never writes one, our
 * own export does, and it must read back byte for byte. */
static void finish_hex(parser *p)
{
	uint32_t t = p->ptype;
	bytebuf *d = &p->pdata;
	p->pending = false;
	if (!p->hex_strings_fixed || (t != ESPDIAG_REG_SZ && t != ESPDIAG_REG_EXPAND_SZ &&
	                              t != ESPDIAG_REG_MULTI_SZ) || d->len == 0) {
		store(p, t, d->v, d->len);
		return;
	}
	if (p->hex_strings_utf16) {
		size_t sz = d->len, units = sz / 2;
		if (units > 0 && (d->v[2 * units - 2] != 0 || d->v[2 * units - 1] != 0)) {
			/* Windows writes a NUL unit after the last whole unit (over an
			 * odd last byte) and adds two to the size. */
			if (!bytes_reserve(p, d, sz + 3))
				return;
			d->v[2 * units] = 0;
			d->v[2 * units + 1] = 0;
			if (sz % 2 != 0)
				d->v[sz + 1] = 0;
			d->len = sz + 2;
		}
		store(p, t, d->v, d->len);
		return;
	}
	if (d->v[d->len - 1] != 0) {
		if (!bytes_reserve(p, d, d->len + 1))
			return;
		d->v[d->len++] = 0;
	}
	if (bytes_to_utf16(p, d->v, d->len))
		store(p, t, p->out.v, p->out.len);
}

enum number_result { NUM_OK, NUM_NO_DIGITS, NUM_TOO_LONG, NUM_BAD };

/* Up to max hex digits from v[j..end) (after blanks) into *x, then
 * nothing but blanks or a comment; *at is where reading stopped. */
static enum number_result hex_number(const uint16_t *v, size_t j, size_t end, size_t max,
                                     uint64_t *x, size_t *at)
{
	size_t q = skip_blank(v, j, end);
	*at = q;
	*x = 0;
	if (q >= end)
		return NUM_NO_DIGITS;
	size_t d = q;
	for (int h; d < end && (h = hex_value(v[d])) >= 0; d++)
		*x = (*x << 4) | (uint64_t)h;
	if (d - q > max)
		return NUM_TOO_LONG;
	size_t r = skip_blank(v, d, end);
	*at = r;
	return r < end && v[r] != ';' ? NUM_BAD : NUM_OK;
}

/* "dword:" and up to 8 hex digits (a REG_DWORD) or, in the dump dialect
 * only, "QWORD:" and 1 to 16 hex digits of either case (a REG_QWORD): the
 * dump writes "%I64x", not zero-padded (EVIDENCE.md section 1); Windows'
 * reg import has no such spelling. j is past the tag. */
static void number_data(parser *p, size_t j, size_t end, bool qword)
{
	static const char *const why[2][4] = {
		{ [NUM_NO_DIGITS] = "dword without digits",
		  [NUM_TOO_LONG] = "dword with more than 8 hex digits",
		  [NUM_BAD] = "bad dword: expected up to 8 hex digits" },
		{ [NUM_NO_DIGITS] = "qword without digits",
		  [NUM_TOO_LONG] = "qword with more than 16 hex digits",
		  [NUM_BAD] = "bad qword: expected up to 16 hex digits" },
	};
	uint64_t x;
	size_t at;
	enum number_result r = hex_number(p->lv, j, end, qword ? 16 : 8, &x, &at);
	if (qword && r == NUM_OK && hex_value(p->lv[skip_blank(p->lv, j, end)]) < 0)
		r = NUM_NO_DIGITS; /* "QWORD: ;comment" */
	if (r != NUM_OK) {
		bad_data(p, at, why[qword][r]);
		return;
	}
	unsigned char b[8];
	for (int k = 0; k < 8; k++)
		b[k] = (unsigned char)(x >> (8 * k));
	store(p, qword ? ESPDIAG_REG_QWORD : ESPDIAG_REG_DWORD, b, qword ? 8 : 4);
}

/* A dump hex value continues on the next line: its text so far is kept,
 * in case a later line cannot be read and the value is kept as text. */
static void keep_pending_text(parser *p, const uint16_t *v, size_t n, bool first)
{
	if (first)
		p->ptext.len = 0;
	if (!u16_reserve(p, &p->ptext, p->ptext.len + n + 2))
		return;
	if (!first) {
		p->ptext.v[p->ptext.len++] = '\r';
		p->ptext.v[p->ptext.len++] = '\n';
	}
	if (n > 0)
		memcpy(p->ptext.v + p->ptext.len, v, n * sizeof *v);
	p->ptext.len += n;
}

/* Data of no type the reader knows. The dump's spelling of most types is
 * unknown (EVIDENCE.md section 1): its note names the tag ("MULTI_SZ:"),
 * when the data starts with one. */
static void unknown_type(parser *p, size_t j, size_t end)
{
	const uint16_t *v = p->lv;
	size_t k = j;
	while (k < end && k - j < 32 &&
	       (hex_value(v[k]) >= 0 || ((v[k] | 0x20) >= 'a' && (v[k] | 0x20) <= 'z') ||
	        v[k] == '_' || v[k] == '(' || v[k] == ')'))
		k++;
	if (p->strict || k == j || k >= end || v[k] != ':') {
		bad_data(p, j, "unknown value type");
		return;
	}
	char why[64];
	size_t n = (size_t)snprintf(why, sizeof why, "unknown value type \"");
	for (size_t i = j; i <= k; i++)
		why[n++] = (char)v[i];
	memcpy(why + n, "\"", 2);
	bad_data(p, j, why);
}

/* The data after "=" (v[j..end), trailing blanks trimmed). */
static void value_data(parser *p, size_t j, size_t end)
{
	const uint16_t *v = p->lv;
	bool fold = !p->strict;
	if (j >= end) {
		bad_data(p, j, "missing value data");
		return;
	}
	if (v[j] == '-') {
		size_t q = skip_blank(v, j + 1, end);
		if (q < end && v[q] != ';') {
			bad_data(p, q, "text after '=-'");
			return;
		}
		if (p->have_key) {
			int rc = esp_memtree_delete_value(p->tree, p->key, (const char *)p->pname.v,
			                                  p->pname.len);
			if (rc < 0)
				p->status = rc;
		}
		return;
	}
	if (v[j] == '"') {
		size_t q;
		if (p->strict) {
			if (!unescape(p, j + 1, end, &q))
				return;
			q = skip_blank(v, q, end);
			if (q < end && v[q] != ';') {
				warn(p, q, "text after the closing quote; line ignored");
				return;
			}
			store_units(p, ESPDIAG_REG_SZ, p->tmp.v, p->tmp.len);
			return;
		}
		q = end;
		while (q > j + 1 && v[q - 1] != '"')
			q--;
		if (q == j + 1) {
			mark_open_string(p);
			bad_data(p, end, "missing closing quote");
			return;
		}
		size_t r = skip_blank(v, q, end);
		if (r < end && v[r] != ';') {
			bad_data(p, r, "text after the closing quote");
			return;
		}
		store_units(p, ESPDIAG_REG_SZ, v + j + 1, q - 1 - (j + 1));
		return;
	}
	if (starts_with(v, j, end, "dword:", fold)) {
		number_data(p, j + 6, end, false);
		return;
	}
	uint32_t type;
	size_t k;
	if (starts_with(v, j, end, "hex:", fold)) {
		type = ESPDIAG_REG_BINARY;
		k = j + 4;
	} else if (starts_with(v, j, end, "hex(", fold)) {
		size_t e;
		uint32_t val;
		bool ovf;
		k = j + 4;
		bool bad = k >= end || (k + 1 < end && (v[k + 1] == 'x' || v[k + 1] == 'X'));
		if (!bad) {
			parse_ul(v, k, end, &e, &val, &ovf);
			bad = ovf || e + 1 >= end || v[e] != ')' || v[e + 1] != ':';
		}
		if (bad) {
			bad_data(p, k, "bad type number in hex(N):");
			return;
		}
		type = val;
		k = e + 2;
	} else if (!p->strict && starts_with(v, j, end, "qword:", true)) {
		number_data(p, j + 6, end, true);
		return;
	} else {
		unknown_type(p, j, end);
		return;
	}
	p->ptype = type;
	p->pdata.len = 0;
	if (k >= end) {
		store(p, type, NULL, 0);
		return;
	}
	p->why = NULL;
	switch (hex_bytes(p, k, end)) {
	case HEX_DONE:
		finish_hex(p);
		break;
	case HEX_MORE:
		p->pending = true;
		if (!p->strict) {
			p->pline = p->lineno;
			keep_pending_text(p, v + p->data_at, p->ln - p->data_at, true);
		}
		break;
	case HEX_FAIL:
		if (!p->strict)
			keep_text(p, v + p->data_at, p->ln - p->data_at, p->why_at, p->why);
		break;
	}
}

/* A value line; v[i] is '@' or the opening quote of the name. */
static void value_line(parser *p, size_t i)
{
	const uint16_t *v = p->lv;
	size_t n = p->ln, j;
	const uint16_t *name = NULL;
	size_t name_len = 0;
	if (v[i] == '@') {
		j = i + 1;
	} else if (p->strict) {
		if (!unescape(p, i + 1, n, &j))
			return;
		name = p->tmp.v;
		name_len = p->tmp.len;
	} else {
		/* Dump names are raw too: the name runs to the first '"' that an
		 * '=' follows. */
		size_t q;
		for (q = find_unit(v, i + 1, n, '"'); q < n; q = find_unit(v, q + 1, n, '"')) {
			size_t r = skip_blank(v, q + 1, n);
			if (r < n && v[r] == '=')
				break;
		}
		if (q >= n) {
			warn(p, i, "value name has no closing '\"' before '='; line ignored");
			return;
		}
		name = v + i + 1;
		name_len = q - (i + 1);
		j = q + 1;
	}
	if (name_len > MAX_VALUE_NAME && char_count(name, name_len) > MAX_VALUE_NAME) {
		warn(p, i, "value name longer than %d characters; line ignored", MAX_VALUE_NAME);
		return;
	}
	if (!to_utf8(p, &p->pname, name, name_len))
		return;
	j = skip_blank(v, j, n);
	if (j >= n || v[j] != '=') {
		warn(p, j, "expected '=' after the value name; line ignored");
		return;
	}
	p->data_at = j + 1;
	j = skip_blank(v, j + 1, n);
	size_t end = n;
	while (end > j && is_blank(v[end - 1]))
		end--;
	if (!p->have_key)
		warn(p, i, "value outside of any key; ignored");
	value_data(p, j, end);
}

/* A line while a hex value continues: blank and ';' lines are skipped.
 * Windows drops the value, and the line, at anything but hex digits; the
 * dump dialect keeps the value as text and reads the line as usual. */
static bool continuation_line(parser *p)
{
	const uint16_t *v = p->lv;
	size_t n = p->ln;
	size_t i = skip_blank(v, 0, n);
	if (i >= n || v[i] == ';')
		return true;
	char why[96];
	if (hex_value(v[i]) < 0) {
		p->pending = false;
		if (p->strict) {
			warn(p, i, "continued hex value ended by a line that is not hex data; "
			           "the value and the line are ignored, as Windows does");
			return true;
		}
		snprintf(why, sizeof why, "hex value of line %llu ended by a line that is not hex data",
		         (unsigned long long)p->pline);
		keep_text(p, p->ptext.v, p->ptext.len, i, why);
		return false;
	}
	if (!p->strict) {
		keep_pending_text(p, v, n, false);
		while (n > i && is_blank(v[n - 1]))
			n--;
	}
	p->why = NULL;
	switch (hex_bytes(p, i, n)) {
	case HEX_DONE:
		finish_hex(p);
		break;
	case HEX_MORE:
		break;
	case HEX_FAIL:
		p->pending = false;
		if (!p->strict) {
			snprintf(why, sizeof why, "%s in the hex value of line %llu", p->why,
			         (unsigned long long)p->pline);
			keep_text(p, p->ptext.v, p->ptext.len, p->why_at, why);
		}
		break;
	}
	return true;
}

static void regedit_line(parser *p)
{
	if (p->open_string && skip_blank(p->lv, 0, p->ln) < p->ln)
		p->open_string = false;
	if (p->pending && continuation_line(p))
		return;
	const uint16_t *v = p->lv;
	size_t n = p->ln;
	size_t i = skip_blank(v, 0, n);
	if (i >= n)
		return;
	switch (v[i]) {
	case '[':
		key_line(p, i + 1);
		break;
	case '@':
	case '"':
		value_line(p, i);
		break;
	case ';':
	case '#':
		break;
	default:
		warn(p, i, "not a key, value or comment; line ignored");
		break;
	}
}

/* "HKEY_CLASSES_ROOT\path [=] data": the key's default value. */
static void win31_line(parser *p)
{
	const uint16_t *v = p->lv;
	size_t n = p->ln;
	if (!starts_with(v, 0, n, "HKEY_CLASSES_ROOT", false))
		return;
	size_t k = 0;
	while (k < n && !is_space(v[k]))
		k++;
	size_t d = skip_blank(v, k, n);
	if (d < n && v[d] == '=')
		d++;
	if (d < n && v[d] == ' ')
		d++;
	open_key(p, 0, k);
	p->pname.len = 0;
	store_units(p, ESPDIAG_REG_SZ, v + d, n - d);
}

/* ------------------------------------------------------------------ */
/* detection */

static bool units_equal(const uint16_t *v, size_t n, const char *s)
{
	return strlen(s) == n && starts_with(v, 0, n, s, false);
}

static enum dialect header_dialect(const uint16_t *v, size_t n)
{
	size_t i = skip_blank(v, 0, n);
	/* An empty first line has no units at all (v may be NULL). */
	if (i == n)
		return DIALECT_DUMP;
	v += i;
	n -= i;
	if (units_equal(v, n, "REGEDIT"))
		return DIALECT_WIN31;
	if (units_equal(v, n, "REGEDIT4"))
		return DIALECT_REGEDIT4;
	size_t t = n;
	while (t > 0 && is_blank(v[t - 1]))
		t--;
	if (units_equal(v, t, "Windows Registry Editor Version 5.00"))
		return DIALECT_REGEDIT5;
	if (starts_with(v, 0, n, "REGEDIT", false))
		return DIALECT_IGNORED;
	return DIALECT_DUMP;
}

/* s[0..n) is the start of a UTF-8 sequence that the end of the input cut. */
static bool cut_at_end(const unsigned char *s, size_t n)
{
	size_t len = s[0] >= 0xC2 && s[0] <= 0xDF   ? 2
	             : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
	             : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
	                                            : 0;
	if (n >= len)
		return false;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return false;
	return true;
}

/* Whether s[0..n) reads as UTF-8. A file cut inside its last character
 * still does, when an earlier character took more than one byte: a
 * single non-ASCII byte at the end is as likely a code page's. */
static bool valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	bool multi = false;
	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		size_t k = esp_utf8_decode(s + i, n - i, &cp);
		if (k == 0 && multi && cut_at_end(s + i, n - i))
			return true;
		if (k == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		multi = true;
		i += k;
	}
	return true;
}

/* An ASCII view of the first bytes: UTF-16LE without a BOM is narrowed. */
static size_t ascii_head(const unsigned char *d, size_t n, unsigned char *out, size_t cap,
                         bool *utf16)
{
	size_t m = 0;
	*utf16 = n >= 4 && d[0] != 0 && d[0] < 0x80 && d[1] == 0 && d[3] == 0;
	if (*utf16) {
		for (size_t i = 0; i + 1 < n && m < cap && d[i + 1] == 0; i += 2)
			out[m++] = d[i];
	} else {
		for (; m < n && m < cap; m++)
			out[m] = d[m];
	}
	return m;
}

static bool head_starts(const unsigned char *h, size_t n, size_t i, const char *s, bool fold)
{
	for (; *s != '\0'; s++, i++) {
		if (i >= n)
			return false;
		unsigned char c = h[i], d = (unsigned char)*s;
		if (fold && c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 32);
		if (c != d)
			return false;
	}
	return true;
}

int esp_regtext_bid(const unsigned char *data, size_t size)
{
	if (size == 0)
		return 1; /* no other reader wants it: ours says it is no registry file */
	if (size >= 2 && data[0] == 0xFF && data[1] == 0xFE)
		return 100;
	if (size >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF)
		return 100;
	unsigned char h[4096];
	bool utf16;
	size_t n = ascii_head(data, size, h, sizeof h, &utf16);
	size_t i = 0;
	while (i < n && (h[i] == ' ' || h[i] == '\t'))
		i++;
	if (head_starts(h, n, i, "REGEDIT", false) ||
	    head_starts(h, n, i, "Windows Registry Editor", false))
		return 100;
	while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n'))
		i++;
	if (head_starts(h, n, i, "[HK", true) || head_starts(h, n, i, "[-HK", true))
		return 50;
	/* Text: no NUL and no control characters but white space. */
	for (size_t k = 0; k < n; k++) {
		unsigned char c = h[k];
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f')
			return 0;
		if (c == 0x7F)
			return 0;
	}
	if (utf16 && n < 2)
		return 0;
	return 10;
}

static void detect(parser *p, const espdiag_open_options *opts)
{
	const unsigned char *d = p->data;
	size_t n = p->size;
	p->codepage = opts != NULL && opts->version >= 1 && opts->codepage != NULL &&
	                              *opts->codepage != '\0'
	                      ? opts->codepage
	                      : "WINDOWS-1252";
	if (n >= 2 && d[0] == 0xFF && d[1] == 0xFE) {
		p->enc = ENC_UTF16LE;
		p->pos = 2;
	} else if (n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF) {
		p->enc = ENC_UTF8;
		p->pos = 3;
		/* A UTF-16 file an editor re-saved with a UTF-8 BOM in front:
		 * its own BOM, or ASCII with a NUL after each character. */
		p->bom_then_utf16 = n >= 7 && ((d[3] == 0xFF && d[4] == 0xFE) ||
		                               (d[3] != 0 && d[4] == 0 && d[5] != 0 && d[6] == 0));
	} else {
		unsigned char h[64];
		bool utf16;
		size_t m = ascii_head(d, n, h, sizeof h, &utf16);
		if (utf16) {
			p->enc = ENC_UTF16LE;
		} else {
			size_t i = 0;
			while (i < m && (h[i] == ' ' || h[i] == '\t'))
				i++;
			/* Regedit 4 and 3.1 files are ANSI; anything else is UTF-8
			 * when it is valid UTF-8. */
			if (head_starts(h, m, i, "REGEDIT", false) || !valid_utf8(d, n))
				p->enc = ENC_ANSI;
			else
				p->enc = ENC_UTF8;
		}
	}
	if (p->enc == ENC_UTF16LE) {
		p->odd_tail = ((n - p->pos) & 1) != 0;
		p->size = p->pos + ((n - p->pos) & ~(size_t)1);
	}
}

static void run(parser *p)
{
	/* A mapped file's first stretch is mapped in one call. */
	bool mapped = p->fd < 0 && p->in->consumed != NULL;
	if (mapped)
		p->in->consumed(p->in, 0);
	if (!read_line(p))
		return;
	p->dialect = header_dialect(p->lv, p->ln);
	p->strict = p->dialect != DIALECT_DUMP;
	p->hex_strings_fixed = p->strict && !(p->enc == ENC_UTF8 && p->dialect == DIALECT_REGEDIT5);
	p->hex_strings_utf16 = p->enc == ENC_UTF16LE;
	if (p->dialect == DIALECT_IGNORED) {
		warn(p, skip_blank(p->lv, 0, p->ln),
		     "unsupported regedit header; Windows imports nothing from this file");
		return;
	}
	if (p->dialect == DIALECT_DUMP)
		regedit_line(p);
	p->next_consumed = p->pos + CONSUMED_STEP;
	while (read_line(p)) {
		p->last_blank = !p->long_line && skip_blank(p->lv, 0, p->ln) >= p->ln;
		if (p->dialect == DIALECT_WIN31)
			win31_line(p);
		else
			regedit_line(p);
		if (mapped && p->pos >= p->next_consumed) {
			p->in->consumed(p->in, p->pos);
			p->next_consumed = p->pos + CONSUMED_STEP;
		}
	}
	if (p->status != ESPDIAG_OK)
		return;
	if (p->pending) {
		p->pending = false;
		if (p->strict) {
			/* Windows stores what it has read. */
			warn(p, p->ln, "the file ends inside a continued hex value");
			finish_hex(p);
		} else if (p->have_key) {
			warn(p, p->ln, "the file ends inside a continued hex value; value kept as text "
			               "(REG_DUMP_TEXT)");
			store_units(p, ESPDIAG_REG_DUMP_TEXT, p->ptext.v, p->ptext.len);
		}
	}
}

/* Where the input ends says whether it was cut short: a real dump ends
 * with CR LF after a blank line. An odd UTF-16 byte count, a last line
 * without a line end, a string still open on the last non-empty line, or
 * a dump whose last line is not empty means the input ends early: one
 * warning, at the place it was cut. */
static void check_end(parser *p, size_t total)
{
	static const char early[] = "input ends early (truncated?): ";
	char msg[160];
	if (p->odd_tail) {
		/* The dangling byte starts a line of its own after a line end. */
		bool own_line = p->lineno == 0 || p->base + p->line_end < p->file_end;
		uint64_t line = own_line ? p->lineno + 1 : p->lineno;
		uint64_t col = own_line ? 1 : (uint64_t)char_count(p->lv, p->ln) + 1;
		snprintf(msg, sizeof msg, "%sodd number of bytes in UTF-16 text; last byte ignored",
		         early);
		warn_raw(p, line, col, total - 1 - p->base, msg);
	} else if (p->long_line ? p->long_unterminated
	                        : p->lineno > 0 && p->line_end == p->size && p->line_end > p->line_off) {
		/* (a line left out: its column counts units) */
		uint64_t col = p->long_line ? p->long_bytes / (p->enc == ENC_UTF16LE ? 2 : 1)
		                            : (uint64_t)char_count(p->lv, p->ln);
		snprintf(msg, sizeof msg, "%sthe last line has no line end", early);
		warn_raw(p, p->lineno, col + 1, p->line_end, msg);
	} else if (p->open_string) {
		snprintf(msg, sizeof msg, "%sa string is still open at the end of the input", early);
		warn_file(p, p->open_line, p->open_col, p->open_off, msg);
	} else if (p->dialect == DIALECT_DUMP && p->have_key && !p->last_blank) {
		/* mdmdiagnosticstool writes an empty line after each key's values
		 * (EVIDENCE.md section 1): a dump whose last key lacks it was cut
		 * at a line end. */
		snprintf(msg, sizeof msg, "%sthe last key is not followed by the empty line a "
		         "dump ends with", early);
		warn_file(p, p->lineno + 1, 1, total, msg);
	}
}

static const char *dialect_name(enum dialect d)
{
	switch (d) {
	case DIALECT_REGEDIT4:
		return "regedit4";
	case DIALECT_REGEDIT5:
		return "regedit5";
	case DIALECT_WIN31:
		return "regedit3";
	case DIALECT_IGNORED:
		return "regedit-unknown";
	case DIALECT_DUMP:
		break;
	}
	return "dump";
}

/* Frees what the parser holds besides the tree. */
static void parser_free(parser *p)
{
	if (p->cd != (iconv_t)-1)
		iconv_close(p->cd);
	free(p->window);
	free(p->line.v);
	for (size_t k = 0; k < PATH_CACHE; k++) {
		free(p->paths[k].text.v);
		free(p->paths[k].end);
		free(p->paths[k].node);
	}
	free(p->comp);
	free(p->tmp.v);
	free(p->utf8.v);
	free(p->out.v);
	free(p->pname.v);
	free(p->pdata.v);
	free(p->ptext.v);
}

/* Sets the parser up for the input: its encoding, and for UTF-16 in a
 * file, the window it is read through. */
static int parser_start(parser *p, esp_input *in, const espdiag_open_options *opts,
                        esp_err *err)
{
	int rc = esp_memtree_new(&p->tree);
	if (rc != ESPDIAG_OK)
		return esp_err_set(err, rc, "out of memory");
	p->warnings = esp_memtree_warnings(p->tree);
	esp_limits_from_options(&p->lim, opts);
	/* Windows' own nesting limit is 512; a larger cap costs memory only. */
	size_t depth = p->lim.max_depth < 65536 ? (size_t)p->lim.max_depth : 65536;
	p->lim.max_depth = (uint32_t)depth;
	/* A line holds a value's data (a string: two bytes a unit) and room
	 * for the longest key path or value name and the syntax around it. */
	uint64_t data_units = p->lim.max_value_size / 2;
	if (data_units > SIZE_MAX / 16)
		data_units = SIZE_MAX / 16;
	p->line_cap = (size_t)data_units + (MAX_KEY_NAME + 1) * depth + MAX_VALUE_NAME + 64;
	p->comp = malloc((depth + 1) * sizeof *p->comp);
	if (p->comp == NULL)
		return esp_err_set(err, ESPDIAG_ENOMEM, "out of memory");
	p->in = in;
	p->data = in->data;
	p->size = in->size;
	detect(p, opts);
	p->file_end = p->size;
	if (p->enc == ENC_UTF16LE && in->fd >= 0) {
		p->window = malloc(WINDOW_SIZE);
		if (p->window == NULL)
			return esp_err_set(err, ESPDIAG_ENOMEM, "out of memory");
		p->fd = in->fd;
		p->window_cap = WINDOW_SIZE;
		p->data = p->window;
		p->base = p->pos;
		p->pos = p->size = 0;
	}
	/* An estimate of the names and data to come: strings are kept as the
	 * text's own UTF-16, hex takes three characters a byte, so a UTF-16
	 * dump gives about half its size and 8-bit text about its own. */
	esp_memtree_reserve(p->tree, p->enc == ENC_UTF16LE ? in->size / 2 : in->size);
	if (p->enc == ENC_ANSI) {
		p->cd = iconv_open("UTF-16LE", p->codepage);
		if (p->cd == (iconv_t)-1)
			return esp_err_set(err, ESPDIAG_EENCODING, "%s: unknown code page %s",
			                   in->name != NULL ? in->name : "input", p->codepage);
	}
	return ESPDIAG_OK;
}

int esp_regtext_open(espdiag_backend **out, esp_input *in, const espdiag_open_options *opts,
                     esp_err *err)
{
	parser p;
	memset(&p, 0, sizeof p);
	p.cd = (iconv_t)-1;
	forget_paths(&p);
	p.fd = -1;
	int rc = parser_start(&p, in, opts, err);
	if (rc == ESPDIAG_OK && in->shrank_from > in->size) {
		/* read whole but cut short by a file that shrank: damage */
		p.damaged = true;
		if (esp_input_warn_shrank(in, p.warnings) != ESPDIAG_OK)
			rc = esp_err_set(err, ESPDIAG_ENOMEM, "out of memory");
	}
	if (rc != ESPDIAG_OK) {
		parser_free(&p);
		esp_input_release(in);
		esp_memtree_free(p.tree);
		return rc;
	}
	char encoding[64];
	if (p.enc == ENC_ANSI) {
		size_t k = 0;
		for (; p.codepage[k] != '\0' && k + 1 < sizeof encoding; k++) {
			char c = p.codepage[k];
			encoding[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		encoding[k] = '\0';
	} else {
		strcpy(encoding, p.enc == ENC_UTF16LE ? "utf-16le" : "utf-8");
	}
	size_t total = in->size;
	run(&p);
	if (p.status == ESPDIAG_OK)
		check_end(&p, total);
	parser_free(&p);
	/* No key line at all: some other text (or nothing). A file with a
	 * regedit header and no keys is an empty registry, as Windows imports
	 * it; an empty file, or a BOM alone, is not a registry file. */
	if (p.status == ESPDIAG_OK && p.dialect == DIALECT_DUMP && !p.key_found) {
		rc = esp_err_set(err, ESPDIAG_EFORMAT, "%s: not a registry file (no key line found%s)",
		                 in->name != NULL ? in->name : "(memory)",
		                 p.bom_then_utf16 ? "; it looks like UTF-16 saved with a UTF-8 BOM: "
		                                    "save it again as UTF-16LE or as UTF-8"
		                                  : "");
		esp_input_release(in);
		esp_memtree_free(p.tree);
		return rc;
	}
	esp_input_release(in);
	if (p.status == ESPDIAG_OK) {
		if (esp_memtree_set_property(p.tree, "format", "reg") != ESPDIAG_OK ||
		    esp_memtree_set_property(p.tree, "encoding", encoding) != ESPDIAG_OK ||
		    esp_memtree_set_property(p.tree, "dialect", dialect_name(p.dialect)) != ESPDIAG_OK ||
		    esp_memtree_set_property(p.tree, "damaged", p.damaged ? "yes" : "no") != ESPDIAG_OK)
			p.status = ESPDIAG_ENOMEM;
	}
	if (p.status != ESPDIAG_OK) {
		esp_memtree_free(p.tree);
		return esp_err_set(err, p.status, "out of memory reading .reg text");
	}
	*out = esp_memtree_backend(p.tree);
	if (*out == NULL) {
		esp_memtree_free(p.tree);
		return esp_err_set(err, ESPDIAG_ENOMEM, "out of memory");
	}
	return ESPDIAG_OK;
}

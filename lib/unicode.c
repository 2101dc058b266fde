/* lib/unicode.c - UTF-8 / UTF-16LE / Latin-1 conversion and the
 * case-insensitive name hash and comparison. */
#include <stdlib.h>
#include <string.h>

#include <espdiag/common.h>

#include "unicode.h"

size_t esp_utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t esp_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		len = 2, v = c & 0x1Fu, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, v = c & 0x0Fu, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, v = c & 0x07u, min = 0x10000;
	} else {
		*cp = ESP_REPLACEMENT_CHAR;
		return 0;
	}
	if (n < len) {
		*cp = ESP_REPLACEMENT_CHAR;
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = ESP_REPLACEMENT_CHAR;
			return 0;
		}
		v = (v << 6) | (s[i] & 0x3Fu);
	}
	/* Overlong forms and values past U+10FFFF are invalid; encoded
	 * surrogates are let through, since hive names can hold them. */
	if (v < min || v > 0x10FFFF) {
		*cp = ESP_REPLACEMENT_CHAR;
		return 0;
	}
	*cp = v;
	return len;
}

/* Next code point of a name for comparison; invalid bytes stand for
 * themselves, offset into a private range so they never equal a character. */
static uint32_t next_folded(const unsigned char *s, size_t n, size_t *pos)
{
	uint32_t cp;
	if (s[*pos] < 0x80) {
		cp = s[*pos];
		(*pos)++;
		return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
	}
	size_t used = esp_utf8_decode(s + *pos, n - *pos, &cp);
	if (used == 0) {
		cp = 0x110000u + s[*pos];
		(*pos)++;
		return cp;
	}
	*pos += used;
	return esp_upcase(cp);
}

/* The hash is taken over the sequence of upper-cased code points, packed
 * into 64-bit words (an ASCII code point as one byte, any other as four),
 * so a name hashes the same however its characters are spelt in UTF-8.
 * Runs of eight ASCII bytes are folded and mixed a word at a time. */
static inline uint64_t mix64(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 29);
}

/* Upper-cases the eight ASCII bytes of w (none has its high bit set). */
static inline uint64_t upcase8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t ge_a = w + (0x80 - 'a') * ones;      /* high bit: byte >= 'a' */
	uint64_t gt_z = w + (0x80 - 'z' - 1) * ones;  /* high bit: byte > 'z' */
	uint64_t lower = ge_a & ~gt_z & (0x80 * ones);
	return w - (lower >> 2);                      /* 0x80 >> 2 == 'a' - 'A' */
}

uint32_t esp_name_hash(const char *name, size_t len)
{
	const unsigned char *s = (const unsigned char *)name;
	uint64_t h = 0x243F6A8885A308D3ull, acc = 0;
	unsigned filled = 0; /* bytes in acc */
	size_t pos = 0;
	while (pos < len) {
		if (filled == 0) {
			/* Up to eight bytes as one word (an ASCII tail of m bytes
			 * packs exactly as the byte path below packs it). */
			size_t m = len - pos >= 8 ? 8 : len - pos;
			uint64_t w = 0;
			memcpy(&w, s + pos, m);
			if ((w & 0x8080808080808080ull) == 0) {
				/* memcpy gives the bytes in memory order; packing
				 * below does the same on little-endian hosts, and on
				 * big-endian ones the swap keeps both paths equal. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
				w = __builtin_bswap64(w);
#endif
				pos += m;
				if (m == 8) {
					h = mix64(h, upcase8(w));
					continue;
				}
				acc = upcase8(w);
				filled = (unsigned)m;
				break;
			}
		}
		uint32_t cp = next_folded(s, len, &pos);
		unsigned bytes = cp < 0x80 ? 1 : 4;
		for (unsigned i = 0; i < bytes; i++) {
			acc |= (uint64_t)((cp >> (8 * i)) & 0xFF) << (8 * filled);
			if (++filled == 8) {
				h = mix64(h, acc);
				acc = 0;
				filled = 0;
			}
		}
	}
	if (filled > 0)
		h = mix64(h, acc ^ ((uint64_t)filled << 56));
	return (uint32_t)(h ^ (h >> 32));
}

bool esp_name_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	size_t i = 0, j = 0;
	/* Eight ASCII bytes a step while both names have them. */
	while (i + 8 <= alen && j + 8 <= blen) {
		uint64_t u, w;
		memcpy(&u, x + i, 8);
		memcpy(&w, y + j, 8);
		if (((u | w) & 0x8080808080808080ull) != 0)
			break;
		if (u != w && upcase8(u) != upcase8(w))
			return false;
		i += 8;
		j += 8;
	}
	while (i < alen && j < blen) {
		if (x[i] < 0x80 && y[j] < 0x80) {
			unsigned char c = x[i], d = y[j];
			if (c != d) {
				if (c >= 'a' && c <= 'z')
					c = (unsigned char)(c - 32);
				if (d >= 'a' && d <= 'z')
					d = (unsigned char)(d - 32);
				if (c != d)
					return false;
			}
			i++, j++;
			continue;
		}
		if (next_folded(x, alen, &i) != next_folded(y, blen, &j))
			return false;
	}
	return i == alen && j == blen;
}

int esp_utf16le_to_utf8(char **out, size_t *out_len, const unsigned char *data, size_t size,
                        bool stop_at_nul)
{
	size_t units = size / 2;
	/* Each UTF-16 unit gives at most 3 bytes (a pair gives 4 for 2 units). */
	char *buf = malloc(units * 3 + 1);
	if (buf == NULL)
		return ESPDIAG_ENOMEM;
	size_t len = 0;
	for (size_t i = 0; i < units; i++) {
		uint32_t u = (uint32_t)data[2 * i] | ((uint32_t)data[2 * i + 1] << 8);
		if (u == 0 && stop_at_nul)
			break;
		if (u < 0x80) {
			buf[len++] = (char)u;
			continue;
		}
		if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
			uint32_t lo = (uint32_t)data[2 * i + 2] | ((uint32_t)data[2 * i + 3] << 8);
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				i++;
			} else {
				u = ESP_REPLACEMENT_CHAR;
			}
		} else if (u >= 0xD800 && u <= 0xDFFF) {
			u = ESP_REPLACEMENT_CHAR;
		}
		len += esp_utf8_encode(u, buf + len);
	}
	buf[len] = '\0';
	*out = buf;
	if (out_len != NULL)
		*out_len = len;
	return ESPDIAG_OK;
}

size_t esp_utf8_to_utf16le_into(unsigned char *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t pos = 0, n = 0;
	while (pos < len) {
		if (p[pos] < 0x80) { /* most text: no call */
			out[n++] = p[pos++];
			out[n++] = 0;
			continue;
		}
		uint32_t cp;
		size_t used = esp_utf8_decode(p + pos, len - pos, &cp);
		pos += used ? used : 1;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			uint32_t hi = 0xD800 + (cp >> 10), lo = 0xDC00 + (cp & 0x3FF);
			out[n++] = (unsigned char)hi;
			out[n++] = (unsigned char)(hi >> 8);
			out[n++] = (unsigned char)lo;
			out[n++] = (unsigned char)(lo >> 8);
		} else {
			out[n++] = (unsigned char)cp;
			out[n++] = (unsigned char)(cp >> 8);
		}
	}
	return n;
}

int esp_utf8_to_utf16le(unsigned char **out, size_t *out_size, const char *s, size_t len)
{
	/* Each byte gives at most one UTF-16 unit (4 bytes give 2). */
	unsigned char *buf = malloc(len * 2 + 2);
	if (buf == NULL)
		return ESPDIAG_ENOMEM;
	*out_size = esp_utf8_to_utf16le_into(buf, s, len);
	*out = buf;
	return ESPDIAG_OK;
}

int esp_latin1_to_utf8(char **out, size_t *out_len, const unsigned char *s, size_t len)
{
	char *buf = malloc(len * 2 + 1);
	if (buf == NULL)
		return ESPDIAG_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += esp_utf8_encode(s[i], buf + n);
	buf[n] = '\0';
	*out = buf;
	if (out_len != NULL)
		*out_len = n;
	return ESPDIAG_OK;
}

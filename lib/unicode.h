/*
 * lib/unicode.h - UTF-8 and UTF-16 conversion and the case-insensitive
 * name comparison every layer uses (Windows compares key and value names
 * after upper-casing them: ASCII plus Unicode simple case mapping).
 */
#ifndef ESPDIAG_UNICODE_H
#define ESPDIAG_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ESP_REPLACEMENT_CHAR 0xFFFDu

/* Writes cp (<= 0x10FFFF; surrogates allowed, encoded as is) as UTF-8 into
 * out; returns the number of bytes (1..4). */
size_t esp_utf8_encode(uint32_t cp, char out[4]);

/* Decodes one code point from s[0..n); returns the bytes used (1..4), or
 * 0 when the sequence is invalid or truncated (then *cp = U+FFFD and one
 * byte should be skipped). n must be > 0. */
size_t esp_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* The upper-case form Windows compares names by (simple mapping). */
uint32_t esp_upcase(uint32_t cp);

/* Case-insensitive hash and equality of UTF-8 names (invalid bytes compare
 * as themselves). */
uint32_t esp_name_hash(const char *name, size_t len);
bool esp_name_equal(const char *a, size_t alen, const char *b, size_t blen);

/* Converts UTF-16LE (size bytes; an odd last byte is ignored) to UTF-8.
 * With stop_at_nul the text ends at the first U+0000. Lone surrogates
 * become U+FFFD. The result is malloc'd, NUL-terminated; *out_len (may be
 * NULL) gets its length. Returns 0 or ESPDIAG_ENOMEM. */
int esp_utf16le_to_utf8(char **out, size_t *out_len, const unsigned char *data,
                        size_t size, bool stop_at_nul);

/* Converts UTF-8 to UTF-16LE (invalid bytes become U+FFFD), malloc'd,
 * without a terminator; *out_size gets the byte count. Returns 0 or
 * ESPDIAG_ENOMEM. */
int esp_utf8_to_utf16le(unsigned char **out, size_t *out_size, const char *s,
                        size_t len);
/* The same into out, which has room for 2 * len bytes; returns the byte
 * count. */
size_t esp_utf8_to_utf16le_into(unsigned char *out, const char *s, size_t len);

/* Converts Latin-1 bytes to UTF-8, malloc'd and NUL-terminated. */
int esp_latin1_to_utf8(char **out, size_t *out_len, const unsigned char *s, size_t len);

#endif /* ESPDIAG_UNICODE_H */

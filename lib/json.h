/*
 * lib/json.h - JSON string writing shared by every JSON writer of the
 * library (the ESP model, the diagnosis): any input bytes give valid JSON.
 */
#ifndef ESPDIAG_JSON_H
#define ESPDIAG_JSON_H

#include <stddef.h>
#include <stdio.h>

/*
 * Writes the len bytes at s as a quoted JSON string: '"' and '\' escaped,
 * every control character (U+0000-U+001F, U+007F) and U+2028/U+2029 as an
 * escape, each byte of invalid UTF-8 (bad lead or continuation byte,
 * overlong form, surrogate, past U+10FFFF, truncated sequence) as \ufffd.
 * Returns 0, or -1 when a write failed.
 */
int esp_json_string(FILE *out, const char *s, size_t len);

/* esp_json_string on a C string; NULL is written as null. */
int esp_json_cstr(FILE *out, const char *s);

#endif /* ESPDIAG_JSON_H */

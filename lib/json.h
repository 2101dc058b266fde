/*
 * lib/json.h - JSON writing shared by every JSON writer of the library (the
 * ESP model, the diagnosis): strings (any input bytes give valid JSON),
 * an object's members, and the shapes that appear in several places.
 */
#ifndef ESPDIAG_JSON_H
#define ESPDIAG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/*
 * The one writer of each shape that appears in several places
 * (diagnose.h documents them):
 *
 * esp_json_error_object - the "error" object of an HRESULT:
 *   {"hresult":"0x80070643","decimal":-2147023293,"exit_code":1603|null,
 *    "symbol":...|null,"meaning":...|null,"community_only":false}
 * exit_code is written when has_exit_code.
 *
 * esp_json_source - one object of a "sources" list:
 *   {"key":...,"value":...|null,"type":null,"data":N|null,"display":...|null}
 * for evidence the ESP model read as a number (data) with a name for
 * people (display); the diagnosis writes its own typed data in the same
 * shape (report.c).
 */
/*
 * The members of an object being written, for writers that build one
 * member by member: *first is true before the first member (no comma),
 * false after. name is one of ours, written as is.
 *
 * esp_json_key  - "name": (the caller writes the value)
 * esp_json_str  - "name":"..." (esp_json_cstr: NULL is null)
 * esp_json_i64  - "name":v, or null when !has
 * esp_json_bool - "name":true|false
 */
void esp_json_key(FILE *out, const char *name, bool *first);
void esp_json_str(FILE *out, const char *name, const char *s, bool *first);
void esp_json_i64(FILE *out, const char *name, bool has, int64_t v, bool *first);
void esp_json_bool(FILE *out, const char *name, bool b, bool *first);

void esp_json_error_object(FILE *out, uint32_t code, bool has_exit_code, int64_t exit_code);
void esp_json_source(FILE *out, const char *key, const char *value, bool has_data, uint32_t data,
                     const char *display);

#endif /* ESPDIAG_JSON_H */

/*
 * lib/esp_json.h - JSON documents inside registry values, for the ESP
 * model's key families (IME app state, the page's category status, the
 * profile cache): read a string value as UTF-8, cap its size, parse it
 * with jansson, and turn a failure into a model warning naming the key and
 * value. Writing JSON is json.h's business, not this file's.
 */
#ifndef ESPDIAG_ESP_JSON_H
#define ESPDIAG_ESP_JSON_H

#include <jansson.h>

#include "esp_private.h"

/* The largest document read (UTF-8 bytes); a larger one is not parsed. */
#define ESP_JSON_MAX_BYTES ((size_t)1 << 20)

/*
 * The JSON object in value v of key: a new reference the caller releases
 * with json_decref(), or NULL when v is no string, is larger than
 * ESP_JSON_MAX_BYTES, is malformed or is no JSON object; each of these is
 * a warning naming the key and the value (and, when malformed, jansson's
 * line, column and message). Out of memory sets *rc to ESPDIAG_ENOMEM.
 */
json_t *esp_json_read_value(espdiag_esp *esp, const espdiag_key *key, const espdiag_value *v,
                            int *rc);

/* The member name of obj: the exact name, else the first whose name
 * matches it ignoring ASCII case. NULL when obj is no object or has none. */
json_t *esp_json_member(const json_t *obj, const char *name);

/* A number as written: a JSON integer in range, or a string of decimal
 * digits (with a '-' for the signed form). False for anything else. */
bool esp_json_get_u32(const json_t *j, uint32_t *out);
bool esp_json_get_i64(const json_t *j, int64_t *out);

/* esp_json_get_u32 into an optional DWORD (has false when it fails). */
espdiag_esp_u32 esp_json_u32_of(const json_t *j);

/* A JSON string copied into the model's arena; NULL when j is no string
 * (or out of memory: *rc set). */
const char *esp_json_get_str(espdiag_esp *esp, const json_t *j, int *rc);

/* Value names in warnings: "(default)" for the default value. */
const char *esp_json_value_label(const char *name);

#endif /* ESPDIAG_ESP_JSON_H */

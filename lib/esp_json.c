/*
 * lib/esp_json.c - JSON documents inside registry values (esp_json.h):
 * jansson does the parsing; this file caps, checks and reports.
 */
#include "esp_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *esp_json_value_label(const char *name)
{
	return name == NULL || name[0] == '\0' ? "(default)" : name;
}

json_t *esp_json_read_value(espdiag_esp *esp, const espdiag_key *key, const espdiag_value *v,
                            int *rc)
{
	const char *path = espdiag_key_path(key);
	const char *label = esp_json_value_label(espdiag_value_name(v));
	char *text = NULL;
	int r = espdiag_value_get_string(&text, v);
	if (r == ESPDIAG_ENOMEM) {
		*rc = r;
		return NULL;
	}
	if (r != ESPDIAG_OK) {
		esp_warn(&esp->warnings, 0, 0, 0, "%s\\%s: type %u is no string, so no JSON; ignored",
		         path, label, (unsigned)espdiag_value_type(v));
		return NULL;
	}
	size_t len = strlen(text);
	if (len > ESP_JSON_MAX_BYTES) {
		esp_warn(&esp->warnings, 0, 0, 0,
		         "%s\\%s: a JSON document of %zu bytes, past the cap of %zu; not read", path,
		         label, len, ESP_JSON_MAX_BYTES);
		espdiag_free(text);
		return NULL;
	}
	json_error_t err;
	json_t *doc = json_loadb(text, len, 0, &err);
	espdiag_free(text);
	if (doc == NULL) {
		esp_warn(&esp->warnings, 0, 0, 0,
		         "%s\\%s: malformed JSON at line %d, column %d: %s; ignored", path, label,
		         err.line, err.column, err.text);
		return NULL;
	}
	if (!json_is_object(doc)) {
		esp_warn(&esp->warnings, 0, 0, 0, "%s\\%s: the JSON is no object; ignored", path,
		         label);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

json_t *esp_json_member(const json_t *obj, const char *name)
{
	if (!json_is_object(obj))
		return NULL;
	json_t *exact = json_object_get(obj, name);
	if (exact != NULL)
		return exact;
	const char *k;
	json_t *val;
	/* json_object_foreach wants a non-const object; it does not change it. */
	json_object_foreach ((json_t *)obj, k, val) {
		if (strcasecmp(k, name) == 0)
			return val;
	}
	return NULL;
}

/* A decimal string: optional '-' (when allowed), digits, nothing else. */
static bool decimal(const char *s, bool sign, int64_t lo, int64_t hi, int64_t *out)
{
	if (s == NULL || *s == '\0' || (*s == '-' && !sign))
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || s[0] == '+' || s[0] == ' ' || v < lo ||
	    v > hi)
		return false;
	*out = v;
	return true;
}

bool esp_json_get_u32(const json_t *j, uint32_t *out)
{
	int64_t v;
	if (json_is_integer(j)) {
		v = json_integer_value(j);
		if (v < 0 || v > (int64_t)UINT32_MAX)
			return false;
	} else if (!json_is_string(j) ||
	           !decimal(json_string_value(j), false, 0, UINT32_MAX, &v)) {
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

bool esp_json_get_i64(const json_t *j, int64_t *out)
{
	if (json_is_integer(j)) {
		*out = json_integer_value(j);
		return true;
	}
	return json_is_string(j) && decimal(json_string_value(j), true, INT64_MIN, INT64_MAX, out);
}

espdiag_esp_u32 esp_json_u32_of(const json_t *j)
{
	espdiag_esp_u32 out = { 0, false };
	out.has = esp_json_get_u32(j, &out.value);
	return out;
}

const char *esp_json_get_str(espdiag_esp *esp, const json_t *j, int *rc)
{
	if (!json_is_string(j))
		return NULL;
	const char *s = esp_arena_strndup(&esp->arena, json_string_value(j), json_string_length(j));
	if (s == NULL)
		*rc = ESPDIAG_ENOMEM;
	return s;
}

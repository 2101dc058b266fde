/*
 * lib/json.c - JSON string escaping (see json.h). UTF-8 is validated here
 * rather than trusted, because registry names and data come from hostile
 * files and the output must parse whatever they hold.
 */
#include "json.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include <espdiag/diagnose.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static size_t utf8_valid_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1fu;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0fu;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07u;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3fu);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

int esp_json_string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	if (putc('"', out) == EOF)
		return -1;
	/* Bytes that need no escape go out in runs, one fwrite per run. */
	size_t i = 0, run = 0;
	while (i < len) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		uint32_t cp;
		size_t n = utf8_valid_len(p + i, len - i, &cp);
		if (n > 1 && cp != 0x2028 && cp != 0x2029) {
			i += n;
			continue;
		}
		if (i > run && fwrite(p + run, 1, i - run, out) != i - run)
			return -1;
		int rc;
		if (n == 0) {
			rc = fputs("\\ufffd", out);
			n = 1;
		} else if (cp == '"') {
			rc = fputs("\\\"", out);
		} else if (cp == '\\') {
			rc = fputs("\\\\", out);
		} else if (cp == '\n') {
			rc = fputs("\\n", out);
		} else if (cp == '\r') {
			rc = fputs("\\r", out);
		} else if (cp == '\t') {
			rc = fputs("\\t", out);
		} else {
			/* The other controls, DEL, and U+2028/U+2029 (JavaScript's
			 * line separators). */
			rc = fprintf(out, "\\u%04x", (unsigned int)cp);
		}
		if (rc < 0)
			return -1;
		i += n;
		run = i;
	}
	if (i > run && fwrite(p + run, 1, i - run, out) != i - run)
		return -1;
	return putc('"', out) == EOF ? -1 : 0;
}

int esp_json_cstr(FILE *out, const char *s)
{
	if (s == NULL)
		return fputs("null", out) < 0 ? -1 : 0;
	return esp_json_string(out, s, strlen(s));
}

/* The known-codes table (errors.c) is data both the model's JSON and the
 * diagnosis's describe codes from; it calls nothing above the model. */
void esp_json_error_object(FILE *out, uint32_t code, bool has_exit_code, int64_t exit_code)
{
	const espdiag_error_info *info = NULL;
	espdiag_error_describe(&info, code);
	fprintf(out, "{\"hresult\":\"0x%08" PRIx32 "\",\"decimal\":%" PRId32 ",\"exit_code\":",
	        code, (int32_t)code);
	if (has_exit_code)
		fprintf(out, "%" PRId64, exit_code);
	else
		fputs("null", out);
	fputs(",\"symbol\":", out);
	esp_json_cstr(out, info ? info->symbol : NULL);
	fputs(",\"meaning\":", out);
	esp_json_cstr(out, info ? info->meaning : NULL);
	fprintf(out, ",\"community_only\":%s}",
	        info && (info->flags & ESPDIAG_ERROR_COMMUNITY_ONLY) ? "true" : "false");
}

void esp_json_source(FILE *out, const char *key, const char *value, bool has_data, uint32_t data,
                     const char *display)
{
	fputs("{\"key\":", out);
	esp_json_cstr(out, key);
	fputs(",\"value\":", out);
	esp_json_cstr(out, value);
	fputs(",\"type\":null,\"data\":", out);
	if (has_data)
		fprintf(out, "%" PRIu32, data);
	else
		fputs("null", out);
	fputs(",\"display\":", out);
	esp_json_cstr(out, display);
	putc('}', out);
}

void esp_json_key(FILE *out, const char *name, bool *first)
{
	if (!*first)
		putc(',', out);
	*first = false;
	fprintf(out, "\"%s\":", name);
}

void esp_json_str(FILE *out, const char *name, const char *s, bool *first)
{
	esp_json_key(out, name, first);
	esp_json_cstr(out, s);
}

void esp_json_i64(FILE *out, const char *name, bool has, int64_t v, bool *first)
{
	esp_json_key(out, name, first);
	if (has)
		fprintf(out, "%" PRId64, v);
	else
		fputs("null", out);
}

void esp_json_bool(FILE *out, const char *name, bool b, bool *first)
{
	esp_json_key(out, name, first);
	fputs(b ? "true" : "false", out);
}

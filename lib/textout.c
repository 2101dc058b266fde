/*
 * lib/textout.c - escaping for text output (textout.h). Registry names and
 * data come from hostile files; printed raw, an ESC or a C1 CSI in them
 * would move the cursor, rewrite earlier lines or change a terminal's
 * title, and a bidirectional override would make a path read backwards.
 */
#include "textout.h"

#include <stdint.h>
#include <string.h>

#include <espdiag/diagnose.h>

#include "unicode.h"

/* Format characters that reorder text (Unicode's bidirectional controls,
 * UAX #9) and the two line separators that are not C0 controls. */
static bool invisible_control(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

int esp_text_write(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	while (i < len) {
		unsigned char c = p[i];
		uint32_t cp = c;
		size_t n = 1;
		if (c >= 0x20 && c < 0x7f) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			n = esp_utf8_decode(p + i, len - i, &cp);
			/* An encoded surrogate is no UTF-8 either: its bytes are escaped. */
			if (cp >= 0xd800 && cp <= 0xdfff)
				n = 0;
			if (n > 0 && cp > 0x9f && !invisible_control(cp)) {
				i += n;
				continue;
			}
		}
		if (i > run && fwrite(p + run, 1, i - run, out) != i - run)
			return -1;
		/* A character as \uXXXX (JSON's spelling); a byte that is not
		 * UTF-8 as \xHH, so what the file held stays visible. */
		int rc = n == 0 ? fprintf(out, "\\x%02x", (unsigned int)c)
		                : fprintf(out, "\\u%04x", (unsigned int)cp);
		if (rc < 0)
			return -1;
		i += n ? n : 1;
		run = i;
	}
	if (i > run && fwrite(p + run, 1, i - run, out) != i - run)
		return -1;
	return 0;
}

int esp_text_cstr(FILE *out, const char *s)
{
	return s == NULL ? 0 : esp_text_write(out, s, strlen(s));
}

int espdiag_text_write(FILE *out, const char *s)
{
	if (out == NULL || s == NULL)
		return ESPDIAG_EINVAL;
	return esp_text_cstr(out, s) == 0 && !ferror(out) ? ESPDIAG_OK : ESPDIAG_EIO;
}

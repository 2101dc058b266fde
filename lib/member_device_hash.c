/* lib/member_device_hash.c - DeviceHash_<COMPUTERNAME>.csv, the hardware
 * hash mdmdiagnosticstool writes for Autopilot registration (UTF-8, no
 * BOM, header "Device Serial Number,Windows Product ID,Hardware Hash",
 * EVIDENCE.md §3): per row, the serial number, the product id and whether
 * a hash is there (the hash itself, about 4 KB of base64, is not kept). */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "bundle_private.h"

/* Rows kept from one file: a collection's file holds one. */
#define MAX_ROWS 1000u

typedef struct hash_state {
	esp_device_hash *rows;
	size_t n, cap;
} hash_state;

static int bid(const char *base, const unsigned char *head, size_t head_len)
{
	(void)head;
	(void)head_len;
	return esp_name_istarts(base, "DeviceHash_") && esp_name_iends(base, ".csv") ? 100 : 0;
}

static void free_state(void *state)
{
	hash_state *s = state;
	free(s->rows);
	free(s);
}

/* The cells of one line [p, end): up to n, each [cell[i], cell_end[i]);
 * a cell in double quotes loses them ("" inside is kept as written: the
 * serial and the product id never hold one). Returns the count. */
static size_t split(const char *p, const char *end, const char **cell, const char **cell_end,
                    size_t n)
{
	size_t k = 0;
	while (k < n) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		const char *e = c != NULL ? c : end;
		const char *s = p;
		const char *t = e;
		while (s < t && (*s == ' ' || *s == '\t'))
			s++;
		while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
			t--;
		if (t - s >= 2 && *s == '"' && t[-1] == '"') {
			s++;
			t--;
		}
		cell[k] = s;
		cell_end[k] = t;
		k++;
		if (c == NULL)
			break;
		p = c + 1;
	}
	return k;
}

static bool cell_is(const char *s, const char *e, const char *text)
{
	return (size_t)(e - s) == strlen(text) && esp_name_istarts(s, text);
}

static int read_member(espdiag_bundle *b, size_t index, const esp_walk_member *m,
                       esp_input *in, esp_err *why)
{
	(void)m;
	hash_state *s = esp_bundle_state_make(b, &esp_member_device_hash, sizeof *s, in, why);
	if (s == NULL)
		return ESPDIAG_ENOMEM;
	const char *p = (const char *)in->data, *end = p + in->size;
	if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	/* Columns by the header's names, so that an order change is read. */
	int col_serial = -1, col_pid = -1, col_hash = -1;
	size_t rows = 0, line = 0;
	int rc = ESPDIAG_OK;
	while (p < end && rc == ESPDIAG_OK) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl != NULL ? nl : end;
		const char *cell[8], *cell_end[8];
		size_t n = split(p, le, cell, cell_end, 8);
		p = nl != NULL ? nl + 1 : end;
		line++;
		if (n == 1 && cell[0] == cell_end[0])
			continue; /* an empty line */
		if (col_serial < 0) {
			for (size_t i = 0; i < n; i++) {
				if (cell_is(cell[i], cell_end[i], "Device Serial Number"))
					col_serial = (int)i;
				else if (cell_is(cell[i], cell_end[i], "Windows Product ID"))
					col_pid = (int)i;
				else if (cell_is(cell[i], cell_end[i], "Hardware Hash"))
					col_hash = (int)i;
			}
			if (col_serial < 0) {
				esp_input_release(in);
				return esp_err_set(why, ESPDIAG_EFORMAT,
				                   "line %zu: no \"Device Serial Number\" column in the "
				                   "header",
				                   line);
			}
			continue;
		}
		if (rows >= MAX_ROWS)
			break;
		if (esp_reserve_one((void **)&s->rows, s->n, &s->cap, sizeof *s->rows, 4) !=
		    ESPDIAG_OK) {
			rc = ESPDIAG_ENOMEM;
			break;
		}
		esp_device_hash *h = &s->rows[s->n];
		memset(h, 0, sizeof *h);
		h->member = index;
		size_t cs = (size_t)col_serial;
		h->serial = esp_bundle_keep(b, cs < n ? cell[cs] : "",
		                            cs < n ? (size_t)(cell_end[cs] - cell[cs]) : 0);
		size_t cp = col_pid >= 0 ? (size_t)col_pid : n;
		h->product_id = esp_bundle_keep(b, cp < n ? cell[cp] : "",
		                                cp < n ? (size_t)(cell_end[cp] - cell[cp]) : 0);
		size_t ch = col_hash >= 0 ? (size_t)col_hash : n;
		h->hash_length = ch < n ? (size_t)(cell_end[ch] - cell[ch]) : 0;
		h->hash_present = h->hash_length > 0;
		if (h->serial == NULL || h->product_id == NULL) {
			rc = ESPDIAG_ENOMEM;
			break;
		}
		s->n++;
		rows++;
	}
	esp_input_release(in);
	if (rc != ESPDIAG_OK)
		return esp_err_set(why, rc, "out of memory");
	if (col_serial < 0)
		return esp_err_set(why, ESPDIAG_EFORMAT, "empty: no header line");
	if (rows == 0)
		rc = esp_bundle_summary(b, index, "no device row");
	else
		rc = esp_bundle_summary(b, index, "serial %s, hardware hash %s",
		                        s->rows[s->n - rows].serial,
		                        s->rows[s->n - rows].hash_present ? "present" : "missing");
	return rc != ESPDIAG_OK ? esp_err_set(why, rc, "out of memory") : ESPDIAG_OK;
}

size_t esp_bundle_device_hash_count(const espdiag_bundle *b)
{
	const hash_state *s = esp_bundle_state(b, &esp_member_device_hash);
	return s != NULL ? s->n : 0;
}

const esp_device_hash *esp_bundle_device_hash_at(const espdiag_bundle *b, size_t i)
{
	const hash_state *s = esp_bundle_state(b, &esp_member_device_hash);
	return s != NULL && i < s->n ? &s->rows[i] : NULL;
}

const esp_member_reader esp_member_device_hash = {
	"device_hash", ESPDIAG_MEMBER_DEVICE_HASH, bid, read_member, NULL, free_state,
};

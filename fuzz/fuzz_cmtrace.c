/* fuzz/fuzz_cmtrace.c - libFuzzer target: the CMTrace reader and the IME
 * log interpreter. The input is split at its first NUL byte pair into two
 * files (a rotated copy and the live log) so that the ordering and the app
 * context across files are exercised too; small caps make the cap paths
 * reachable. */
#include <stdlib.h>
#include <string.h>

#include "imelog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(void *ctx, const esp_cmtrace_record *rec)
{
	size_t *n = ctx;
	*n += rec->message_len + strlen(rec->time_raw) + strlen(rec->component);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	esp_warnings w;
	esp_warnings_init(&w);
	esp_err err;
	size_t n = 0;
	esp_cmtrace_options small = {64, 50};
	esp_cmtrace_read(data, size, "fuzz.log", &small, count, &n, &w, NULL, &err);
	esp_warnings_free(&w);

	size_t cut = size;
	for (size_t i = 0; i + 1 < size; i++)
		if (data[i] == 0xFF && data[i + 1] == 0x00) {
			cut = i;
			break;
		}
	esp_imelog_input in[2] = {
		{"IntuneManagementExtension.log", data + (cut < size ? cut + 2 : size),
		 cut < size ? size - cut - 2 : 0},
		{"IntuneManagementExtension-20240101-000000.log", data, cut},
	};
	esp_imelog_options o;
	memset(&o, 0, sizeof o);
	o.max_facts = size & 1 ? 16 : 0;
	o.max_attempts = 4;
	esp_imelog *log = NULL;
	if (esp_imelog_read(&log, in, 2, &o, &err) == ESPDIAG_OK) {
		for (size_t i = 0; i < esp_imelog_app_count(log); i++) {
			const esp_imelog_app *a = esp_imelog_app_at(log, i);
			for (size_t j = 0; j < a->attempt_count; j++)
				n += (size_t)a->attempts[j].outcome;
		}
		esp_imelog_free(log);
	}
	return n == (size_t)-1;
}

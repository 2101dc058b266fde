/* fuzz/fuzz_hive.c - libFuzzer target: the regf hive reader (inputs forced
 * to start with regf magic), through the whole pipeline, then the reader
 * alone both ways: its bins checked at open and as they are reached
 * (lib/regf.c "Lazy bins"), which must read the same keys and values. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pipeline.h"
#include "readers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Opens the bytes in mode and walks them; false when the open fails. */
static bool read_mode(const uint8_t *data, size_t size, int mode, pipeline_seen *s)
{
	esp_input in;
	esp_err err;
	espdiag_backend *b = NULL;
	esp_input_wrap(&in, data, size, "fuzz.hive");
	memset(s, 0, sizeof *s);
	if (esp_regf_open_mode(&b, &in, NULL, NULL, 0, NULL, mode, &err) != ESPDIAG_OK)
		return false;
	espdiag_node root;
	if (b->root(b, &root) == ESPDIAG_OK)
		pipeline_backend_walk(b, root, s, 0);
	b->property(b, "default_mount");
	b->free(b);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pipeline_result r;
	/* Spend the effort on hives: give every input the magic. */
	uint8_t *copy = malloc(size + 4);
	if (copy == NULL)
		return 0;
	memcpy(copy, "regf", 4);
	memcpy(copy + 4, data, size);
	pipeline_registry(copy, size + 4, &r);
	pipeline_seen e, l;
	bool eo = read_mode(copy, size + 4, ESP_REGF_EAGER, &e);
	bool lo = read_mode(copy, size + 4, ESP_REGF_LAZY, &l);
	if (eo != lo || e.keys != l.keys || e.values != l.values || e.digest != l.digest)
		abort(); /* lazily read otherwise than eagerly */
	free(copy);
	return 0;
}

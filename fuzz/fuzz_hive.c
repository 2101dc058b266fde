/* fuzz/fuzz_hive.c - libFuzzer target: the regf hive reader (inputs forced to start with regf magic). */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	free(copy);
	return 0;
}

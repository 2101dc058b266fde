/* fuzz/fuzz_reg.c - libFuzzer target: the .reg reader (inputs without regf magic). */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pipeline_result r;
	pipeline_registry(data, size, &r);
	return 0;
}

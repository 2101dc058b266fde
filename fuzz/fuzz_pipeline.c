/* fuzz/fuzz_pipeline.c - libFuzzer target: the whole pipeline: open, model, diagnose, JSON. */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pipeline_result r;
	pipeline_all(data, size, &r);
	return 0;
}

/* fuzz/pipeline.h - the whole library on one input: open, walk every key
 * and value through the getters, export, model, diagnose, JSON. Shared by
 * the fuzz targets and the regression replay in the test suite. */
#ifndef FUZZ_PIPELINE_H
#define FUZZ_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

/* What a run saw, so tests can assert on it. */
typedef struct pipeline_result {
	int open_status;     /* espdiag_registry_open_memory's status */
	size_t keys, values; /* walked */
	size_t warnings;
	size_t findings;     /* 0 when the model or diagnosis failed */
	int diagnose_status;
} pipeline_result;

/* Only the registry layer (open + walk + export). */
void pipeline_registry(const uint8_t *data, size_t size, pipeline_result *out);
/* Everything. */
void pipeline_all(const uint8_t *data, size_t size, pipeline_result *out);

#endif

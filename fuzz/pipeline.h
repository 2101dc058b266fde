/* fuzz/pipeline.h - the whole library on one input: open, walk every key
 * and value through the getters, export, model, diagnose, JSON. Shared by
 * the fuzz targets and the regression replay in the test suite. */
#ifndef FUZZ_PIPELINE_H
#define FUZZ_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include <espdiag/backend.h>
#include <espdiag/diagnose.h>

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

/* The model's part of pipeline_all: its timeline in both formats, its
 * diagnosis with opts, and the report as JSON and as text. */
void pipeline_model(const espdiag_esp *esp, const espdiag_diagnose_options *opts,
                    pipeline_result *r);

/* What a walk of a backend's whole tree saw: an FNV-1a digest of every
 * key's depth, name and time and every value's name, type and bytes, and
 * the counts. Two readers of the same bytes must see the same. */
typedef struct pipeline_seen {
	uint64_t digest;
	size_t keys, values;
} pipeline_seen;

/* Walks the tree below n (depth 0 for the root) into *s, which starts
 * zeroed or as a previous walk left it. */
void pipeline_backend_walk(espdiag_backend *b, espdiag_node n, pipeline_seen *s, unsigned depth);

#endif

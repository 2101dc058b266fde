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

typedef struct seen {
	uint64_t digest, keys, values;
} seen;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return h;
}

static void walk(espdiag_backend *b, espdiag_node n, seen *s, unsigned depth)
{
	const char *name;
	size_t len, nv = 0, nk = 0;
	uint64_t t = 0;
	s->keys++;
	s->digest = fnv(s->digest, &depth, sizeof depth);
	if (b->key_name(b, n, &name, &len) == ESPDIAG_OK)
		s->digest = fnv(s->digest, name, len);
	if (b->key_last_write(b, n, &t) == ESPDIAG_OK)
		s->digest = fnv(s->digest, &t, sizeof t);
	if (b->value_count(b, n, &nv) == ESPDIAG_OK) {
		for (size_t i = 0; i < nv; i++) {
			espdiag_backend_value v;
			if (b->value_at(b, n, i, &v) != ESPDIAG_OK)
				continue;
			s->values++;
			s->digest = fnv(s->digest, v.name, v.name_len);
			s->digest = fnv(s->digest, &v.type, sizeof v.type);
			s->digest = fnv(s->digest, v.data, v.size);
		}
	}
	if (b->subkey_count(b, n, &nk) == ESPDIAG_OK) {
		for (size_t i = 0; i < nk; i++) {
			espdiag_node k;
			if (b->subkey_at(b, n, i, &k) == ESPDIAG_OK)
				walk(b, k, s, depth + 1);
		}
	}
}

/* Opens the bytes in mode and walks them; false when the open fails. */
static bool read_mode(const uint8_t *data, size_t size, int mode, seen *s)
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
		walk(b, root, s, 0);
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
	seen e, l;
	bool eo = read_mode(copy, size + 4, ESP_REGF_EAGER, &e);
	bool lo = read_mode(copy, size + 4, ESP_REGF_LAZY, &l);
	if (eo != lo || e.keys != l.keys || e.values != l.values || e.digest != l.digest)
		abort(); /* lazily read otherwise than eagerly */
	free(copy);
	return 0;
}

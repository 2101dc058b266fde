/*
 * fuzz/fuzz_regf_log.c - libFuzzer target: transaction log replay
 * (lib/regf_log.c) and the reading of what it produced. The hive is a
 * small dirty one built by the test-only writer; the input is its log(s):
 *
 *   byte 0, bit 0: the old format (file type 1), else the new (6)
 *           bit 1: make the checksums right (the log's base block, and each
 *                  HvLE entry's Hash-1 and Hash-2 as far as the entries
 *                  chain), so that the replay gets past them
 *           bit 2: damage the hive's own base block checksum
 *           bit 3: split the rest into two logs (LOG1, LOG2) at its middle
 *   the rest: each log from its offset 512 on (after its base block, which
 *             is the hive's with the file type set and sequence numbers
 *             that of the first HvLE entry, else the hive's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "readers.h"
#include "regf_log.h"
#include "regf_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static rw_hive hive;
static bool built;

static void build_hive(void)
{
	rw_init(&hive, 5);
	uint32_t root = rw_key_s(&hive, "ROOT"), kids[3];
	kids[0] = rw_key_s(&hive, "Alpha");
	kids[1] = rw_key_s(&hive, "beta");
	kids[2] = rw_key(&hive, "\xd0\x9a", 2, false);
	rw_set_subkeys(&hive, root, rw_list(&hive, "lh", kids, 3), 3);
	uint32_t v = rw_value_s(&hive, "v", 1, "s\0t\0r\0\0", 8);
	rw_set_values(&hive, kids[0], &v, 1);
	rw_finish(&hive, root);
	built = true;
}

static void fix_base(unsigned char *b)
{
	rw_put32(b + 508, esp_regf_base_checksum(b));
}

/* A log: the hive's base block as a log's, then body. */
static unsigned char *make_log(const uint8_t *body, size_t n, unsigned type, bool fix,
                               uint32_t *first_seq)
{
	unsigned char *l = malloc(512 + n);
	if (l == NULL)
		return NULL;
	memcpy(l, hive.buf, 512);
	memcpy(l + 512, body, n);
	uint32_t seq = 10;
	if (n >= 16 && memcmp(body, "HvLE", 4) == 0)
		seq = esp_le32(body + 12);
	*first_seq = seq;
	rw_put32(l + 4, seq);
	rw_put32(l + 8, seq);
	rw_put32(l + 28, type);
	if (!fix)
		return l;
	fix_base(l);
	for (size_t off = 512; off + 40 <= 512 + n;) {
		uint32_t es = esp_le32(l + off + 4);
		if (memcmp(l + off, "HvLE", 4) != 0 || es < 40 || es % 512 != 0 || es > 512 + n - off)
			break;
		uint64_t h1 = esp_marvin32(l + off + 40, es - 40, ESP_REGF_LOG_SEED);
		rw_put32(l + off + 24, (uint32_t)h1);
		rw_put32(l + off + 28, (uint32_t)(h1 >> 32));
		uint64_t h2 = esp_marvin32(l + off, 32, ESP_REGF_LOG_SEED);
		rw_put32(l + off + 32, (uint32_t)h2);
		rw_put32(l + off + 36, (uint32_t)(h2 >> 32));
		off += es;
	}
	return l;
}

static void walk(espdiag_backend *b, espdiag_node n, unsigned depth)
{
	size_t c = 0, v = 0;
	const char *s;
	size_t len;
	b->key_name(b, n, &s, &len);
	if (b->value_count(b, n, &v) == ESPDIAG_OK)
		for (size_t i = 0; i < v; i++) {
			espdiag_backend_value x;
			b->value_at(b, n, i, &x);
		}
	if (depth > 600 || b->subkey_count(b, n, &c) != ESPDIAG_OK)
		return;
	for (size_t i = 0; i < c; i++) {
		espdiag_node k;
		if (b->subkey_at(b, n, i, &k) == ESPDIAG_OK)
			walk(b, k, depth + 1);
	}
}

static void write_seed(const char *dir, const char *name, unsigned ctl, const rw_log *l)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return;
	fputc((int)ctl, f);
	fwrite(l->buf + 512, 1, l->size - 512, f);
	fclose(f);
}

/* With FUZZ_REGF_LOG_SEEDS=DIR, writes into DIR seeds that replay cleanly
 * onto the hive (run.sh does so before a run): two new-format entries (a
 * key renamed; then the hive grown by a bin) and an old-format log. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *dir = getenv("FUZZ_REGF_LOG_SEEDS");
	if (dir == NULL)
		return 0;
	build_hive();
	size_t bins = hive.size - 4096;
	unsigned char *img = calloc(1, hive.size + 4096);
	if (img == NULL)
		return 0;
	memcpy(img, hive.buf, hive.size);
	unsigned char *beta = memmem(img + 4096, bins, "beta", 4);
	if (beta != NULL)
		memcpy(beta, "BETA", 4);
	memcpy(img + hive.size, img + 4096, 4096);
	rw_put32(img + hive.size + 4, (uint32_t)bins);
	const uint32_t pages[2] = { 0, (uint32_t)bins };
	rw_log l;
	rw_log_init(&l, hive.buf, 6, 10);
	rw_log_entry(&l, 10, (uint32_t)bins, img, pages, 1);
	rw_log_entry(&l, 11, (uint32_t)bins + 4096, img, pages, 2);
	write_seed(dir, "new.seed", 2, &l);
	write_seed(dir, "new-split.seed", 10, &l);
	rw_log_free(&l);
	rw_log_init(&l, hive.buf, 1, 10);
	rw_log_dirty(&l, (uint32_t)bins, img, hive.buf, hive.size);
	write_seed(dir, "old.seed", 3, &l);
	rw_log_free(&l);
	free(img);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (!built)
		build_hive();
	unsigned ctl = data[0];
	unsigned type = (ctl & 1) ? 1 : 6;
	bool fix = (ctl & 2) != 0;
	const uint8_t *body = data + 1;
	size_t n = size - 1, split = (ctl & 8) ? n / 2 : n;
	uint32_t seq[2] = { 10, 10 };
	unsigned char *logs[2] = { make_log(body, split, type, fix, &seq[0]), NULL };
	size_t nlogs = 1, sizes[2] = { 512 + split, 0 };
	if (ctl & 8) {
		logs[1] = make_log(body + split, n - split, type, fix, &seq[1]);
		sizes[1] = 512 + n - split;
		nlogs = 2;
	}
	/* the hive: dirty, one write behind the earliest log */
	unsigned char *h = malloc(hive.size);
	if (h != NULL && logs[0] != NULL && (nlogs == 1 || logs[1] != NULL)) {
		memcpy(h, hive.buf, hive.size);
		uint32_t first = seq[0] < seq[1] || nlogs == 1 ? seq[0] : seq[1];
		rw_put32(h + 4, first);
		rw_put32(h + 8, first - 1);
		fix_base(h);
		if (ctl & 4)
			h[508] ^= 0x55;
		esp_input in, lin[2];
		esp_input_wrap(&in, h, hive.size, "fuzz.hive");
		esp_input_wrap(&lin[0], logs[0], sizes[0], "fuzz.hive.LOG1");
		if (nlogs == 2)
			esp_input_wrap(&lin[1], logs[1], sizes[1], "fuzz.hive.LOG2");
		espdiag_backend *b = NULL;
		esp_err err;
		if (esp_regf_open_logs(&b, &in, NULL, lin, nlogs, NULL, &err) == ESPDIAG_OK) {
			espdiag_node r;
			if (b->root(b, &r) == ESPDIAG_OK)
				walk(b, r, 0);
			(void)b->property(b, "log_replay");
			(void)b->property(b, "note");
			(void)b->property(b, "default_mount");
			b->free(b);
		}
	}
	free(h);
	free(logs[0]);
	free(logs[1]);
	return 0;
}

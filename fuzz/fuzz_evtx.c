/* fuzz/fuzz_evtx.c - libFuzzer target: the event log reader (lib/evtx.c and
 * libevtx under it), from memory. An input that starts with "ElfFile" is
 * read as a whole file; any other input becomes the records of the one
 * chunk of a file whose headers and CRC-32s are valid, so that the effort
 * goes into libevtx's record and binary XML parsing and our XML walk
 * rather than into checksums. */
#include <stdlib.h>
#include <string.h>

#include "evtx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libevtx 20181227 leaks the XML tags of a record whose binary XML it
 * fails to parse (libfwevt_xml_tag_initialize, on its error path): not
 * ours to fix, so LeakSanitizer is told to ignore allocations made inside
 * libevtx; our own leaks are still reported. */
const char *__lsan_default_suppressions(void);
__attribute__((used)) const char *__lsan_default_suppressions(void)
{
	return "leak:libevtx.so\n";
}

#define FILE_HEADER 4096u
#define CHUNK 65536u
#define CHUNK_HEADER 512u

static uint32_t crc_table[256];

static uint32_t crc32_of(uint32_t crc, const unsigned char *p, size_t n)
{
	if (crc_table[1] == 0)
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t v = i;
			for (int k = 0; k < 8; k++)
				v = (v & 1) ? 0xEDB88320u ^ (v >> 1) : v >> 1;
			crc_table[i] = v;
		}
	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

/* A file of one chunk holding data as its records. */
static unsigned char *one_chunk(const uint8_t *data, size_t size, size_t *out_size)
{
	size_t n = size < CHUNK - CHUNK_HEADER ? size : CHUNK - CHUNK_HEADER;
	unsigned char *f = calloc(1, FILE_HEADER + CHUNK);
	if (f == NULL)
		return NULL;
	memcpy(f, "ElfFile", 8);
	put32(f + 24, 1000); /* next record identifier */
	put32(f + 32, 128);
	put16(f + 36, 2);
	put16(f + 38, 3);
	put16(f + 40, FILE_HEADER);
	put16(f + 42, 1);
	put32(f + 124, crc32_of(0, f, 120));
	unsigned char *c = f + FILE_HEADER;
	memcpy(c, "ElfChnk", 8);
	put32(c + 8, 1);
	put32(c + 16, 999);
	put32(c + 24, 1);
	put32(c + 32, 999);
	put32(c + 40, 128);
	put32(c + 44, (uint32_t)(CHUNK_HEADER + (n ? n - 1 : 0)));
	put32(c + 48, (uint32_t)(CHUNK_HEADER + n));
	memcpy(c + CHUNK_HEADER, data, n);
	put32(c + 52, crc32_of(0, c + CHUNK_HEADER, n));
	put32(c + 120, 1);
	put32(c + 124, crc32_of(crc32_of(0, c, 120), c + 128, CHUNK_HEADER - 128));
	*out_size = FILE_HEADER + CHUNK;
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *made = NULL;
	const unsigned char *in = data;
	if (esp_evtx_bid(data, size) == 0) {
		made = one_chunk(data, size, &size);
		if (made == NULL)
			return 0;
		in = made;
	}
	esp_evtx_options opts = ESP_EVTX_OPTIONS_INIT;
	opts.max_records = 5000;
	esp_evtx *log = NULL;
	esp_err err;
	if (esp_evtx_read(&log, in, size, "fuzz.evtx", &opts, &err) == ESPDIAG_OK) {
		/* touch every string, so a bad pointer shows */
		size_t sum = 0;
		for (size_t i = 0; i < esp_evtx_count(log); i++) {
			const esp_evtx_record *r = esp_evtx_at(log, i);
			sum += strlen(r->channel) + strlen(r->provider) + strlen(r->provider_guid) +
			       strlen(r->computer);
			for (size_t k = 0; k < r->data_count; k++)
				sum += strlen(r->data[k].name) + strlen(r->data[k].value);
		}
		for (size_t i = 0; i < esp_evtx_warning_count(log); i++)
			sum += strlen(esp_evtx_warning_at(log, i)->message);
		if (sum == (size_t)-1)
			abort();
		esp_evtx_free(log);
	}
	free(made);
	return 0;
}

/* tests/regf_writer.c - see regf_writer.h. Test-only: aborts on failure. */
#include "regf_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unicode.h"

void rw_put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

void rw_put32(unsigned char *p, uint32_t v)
{
	rw_put16(p, (uint16_t)v);
	rw_put16(p + 2, (uint16_t)(v >> 16));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Grows *buf (*cap bytes, zero-filled) to hold size bytes, from first. */
static void grow_zeroed(unsigned char **buf, size_t *cap, size_t size, size_t first)
{
	if (size <= *cap)
		return;
	size_t n = *cap ? *cap : first;
	while (n < size)
		n *= 2;
	unsigned char *p = realloc(*buf, n);
	if (p == NULL)
		abort();
	memset(p + *cap, 0, n - *cap);
	*buf = p;
	*cap = n;
}

static void reserve(rw_hive *w, size_t size)
{
	grow_zeroed(&w->buf, &w->cap, size, 65536);
}

/* Turns the unused tail of the current bin into one free cell. */
static void close_bin(rw_hive *w)
{
	if (w->next < w->bin_end)
		rw_put32(w->buf + w->next, (uint32_t)(w->bin_end - w->next));
	w->next = w->bin_end;
}

static void open_bin(rw_hive *w, size_t need)
{
	size_t size = 4096;
	while (size < need + 32)
		size += 4096;
	w->bin = w->size;
	w->bin_end = w->bin + size;
	reserve(w, w->bin_end);
	unsigned char *h = w->buf + w->bin;
	memcpy(h, "hbin", 4);
	rw_put32(h + 4, (uint32_t)(w->bin - 4096));
	rw_put32(h + 8, (uint32_t)size);
	w->next = w->bin + 32;
	w->size = w->bin_end;
}

void rw_init(rw_hive *w, unsigned minor)
{
	memset(w, 0, sizeof *w);
	reserve(w, 4096);
	unsigned char *b = w->buf;
	memcpy(b, "regf", 4);
	rw_put32(b + 4, 1);
	rw_put32(b + 8, 1);
	rw_put32(b + 12, 0xD53E8000u);
	rw_put32(b + 16, 0x01D1A94Au);
	rw_put32(b + 20, 1);
	rw_put32(b + 24, minor);
	rw_put32(b + 32, 1);
	rw_put32(b + 44, 1);
	const char *name = "test";
	for (size_t i = 0; name[i]; i++)
		rw_put16(b + 48 + 2 * i, (uint16_t)name[i]);
	w->size = 4096;
	open_bin(w, 0);
}

void rw_free(rw_hive *w)
{
	free(w->buf);
	memset(w, 0, sizeof *w);
}

uint32_t rw_alloc(rw_hive *w, size_t data_size)
{
	size_t len = (data_size + 4 + 7) & ~(size_t)7;
	if (w->next + len > w->bin_end) {
		close_bin(w);
		open_bin(w, len);
	}
	size_t at = w->next;
	memset(w->buf + at, 0, len);
	rw_put32(w->buf + at, (uint32_t)-(int32_t)len);
	w->next += len;
	return (uint32_t)(at - 4096);
}

unsigned char *rw_at(rw_hive *w, uint32_t off)
{
	return w->buf + 4096 + off + 4;
}

/* The stored form of a name: Latin-1 bytes as given, or UTF-16LE. */
static unsigned char *stored_name(const char *name, size_t len, bool comp, size_t *out)
{
	unsigned char *s = NULL;
	if (comp) {
		s = malloc(len + 1);
		if (s == NULL)
			abort();
		memcpy(s, name, len);
		*out = len;
		return s;
	}
	if (esp_utf8_to_utf16le(&s, out, name, len) != 0)
		abort();
	return s;
}

uint32_t rw_key(rw_hive *w, const char *name, size_t name_len, bool comp)
{
	size_t n;
	unsigned char *s = stored_name(name, name_len, comp, &n);
	uint32_t off = rw_alloc(w, 76 + n);
	unsigned char *p = rw_at(w, off);
	memcpy(p, "nk", 2);
	rw_put16(p + 2, comp ? 0x20 : 0);
	rw_put32(p + 4, 0xD53E8000u);
	rw_put32(p + 8, 0x01D1A94Au);
	rw_put32(p + 28, 0xFFFFFFFFu);
	rw_put32(p + 32, 0xFFFFFFFFu);
	rw_put32(p + 40, 0xFFFFFFFFu);
	rw_put32(p + 44, 0xFFFFFFFFu);
	rw_put32(p + 48, 0xFFFFFFFFu);
	rw_put16(p + 72, (uint16_t)n);
	memcpy(p + 76, s, n);
	free(s);
	return off;
}

uint32_t rw_key_s(rw_hive *w, const char *name)
{
	return rw_key(w, name, strlen(name), true);
}

void rw_set_class(rw_hive *w, uint32_t key, const char *name)
{
	size_t n;
	unsigned char *s = stored_name(name, strlen(name), false, &n);
	uint32_t off = rw_alloc(w, n);
	memcpy(rw_at(w, off), s, n);
	free(s);
	rw_put32(rw_at(w, key) + 48, off);
	rw_put16(rw_at(w, key) + 74, (uint16_t)n);
}

void rw_set_subkeys(rw_hive *w, uint32_t key, uint32_t list, uint32_t count)
{
	unsigned char *p = rw_at(w, key);
	rw_put32(p + 20, count);
	rw_put32(p + 28, list);
}

static unsigned upper(unsigned c)
{
	return c >= 'a' && c <= 'z' ? c - 32 : c;
}

uint32_t rw_list(rw_hive *w, const char *kind, const uint32_t *items, size_t n)
{
	bool wide = kind[1] == 'f' || kind[1] == 'h';
	uint32_t off = rw_alloc(w, 4 + n * (wide ? 8 : 4));
	memcpy(rw_at(w, off), kind, 2);
	rw_put16(rw_at(w, off) + 2, (uint16_t)n);
	for (size_t i = 0; i < n; i++) {
		unsigned char *e = rw_at(w, off) + 4 + i * (wide ? 8 : 4);
		rw_put32(e, items[i]);
		if (!wide)
			continue;
		const unsigned char *nk = rw_at(w, items[i]);
		size_t len = (size_t)nk[72] | (size_t)nk[73] << 8;
		bool comp = (nk[2] & 0x20) != 0;
		size_t step = comp ? 1 : 2;
		if (kind[1] == 'f') {
			for (size_t j = 0; j < 4 && j * step < len; j++)
				e[4 + j] = nk[76 + j * step];
		} else {
			uint32_t h = 0;
			for (size_t j = 0; j + step <= len; j += step) {
				unsigned c = nk[76 + j];
				if (!comp)
					c |= (unsigned)nk[77 + j] << 8;
				h = h * 37 + upper(c);
			}
			rw_put32(e + 4, h);
		}
	}
	return off;
}

uint32_t rw_value(rw_hive *w, const char *name, size_t name_len, bool comp, uint32_t type,
                  const void *data, size_t size)
{
	size_t n;
	unsigned char *s = stored_name(name, name_len, comp, &n);
	uint32_t off = rw_alloc(w, 20 + n), doff = 0;
	const unsigned char *d = data;
	if (size > 4 && size <= 16344) {
		doff = rw_alloc(w, size);
		memcpy(rw_at(w, doff), d, size);
	} else if (size > 16344) {
		size_t nseg = (size + 16343) / 16344;
		uint32_t *segs = malloc(nseg * sizeof *segs);
		if (segs == NULL)
			abort();
		for (size_t i = 0; i < nseg; i++) {
			size_t take = size - i * 16344 < 16344 ? size - i * 16344 : 16344;
			segs[i] = rw_alloc(w, take);
			memcpy(rw_at(w, segs[i]), d + i * 16344, take);
		}
		uint32_t list = rw_alloc(w, 4 * nseg);
		for (size_t i = 0; i < nseg; i++)
			rw_put32(rw_at(w, list) + 4 * i, segs[i]);
		free(segs);
		doff = rw_alloc(w, 12);
		memcpy(rw_at(w, doff), "db", 2);
		rw_put16(rw_at(w, doff) + 2, (uint16_t)nseg);
		rw_put32(rw_at(w, doff) + 4, list);
	}
	unsigned char *p = rw_at(w, off);
	memcpy(p, "vk", 2);
	rw_put16(p + 2, (uint16_t)n);
	if (size <= 4) {
		rw_put32(p + 4, 0x80000000u | (uint32_t)size);
		memcpy(p + 8, d, size);
	} else {
		rw_put32(p + 4, (uint32_t)size);
		rw_put32(p + 8, doff);
	}
	rw_put32(p + 12, type);
	rw_put16(p + 16, comp ? 1 : 0);
	memcpy(p + 20, s, n);
	free(s);
	return off;
}

uint32_t rw_value_s(rw_hive *w, const char *name, uint32_t type, const void *data,
                    size_t size)
{
	return rw_value(w, name, strlen(name), true, type, data, size);
}

void rw_set_values(rw_hive *w, uint32_t key, const uint32_t *vals, size_t n)
{
	uint32_t list = rw_alloc(w, 4 * (n ? n : 1));
	for (size_t i = 0; i < n; i++)
		rw_put32(rw_at(w, list) + 4 * i, vals[i]);
	unsigned char *p = rw_at(w, key);
	rw_put32(p + 36, (uint32_t)n);
	rw_put32(p + 40, list);
}

void rw_checksum(rw_hive *w)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < 508; i += 4)
		sum ^= get32(w->buf + i);
	if (sum == 0)
		sum = 1;
	else if (sum == 0xFFFFFFFFu)
		sum = 0xFFFFFFFEu;
	rw_put32(w->buf + 508, sum);
}

void rw_finish(rw_hive *w, uint32_t root)
{
	unsigned char *p = rw_at(w, root);
	rw_put16(p + 2, (uint16_t)(p[2] | p[3] << 8 | 0x0C));
	close_bin(w);
	rw_put32(w->buf + 36, root);
	rw_put32(w->buf + 40, (uint32_t)(w->size - 4096));
	rw_checksum(w);
}

/* ------------------------------------------------------------------ */
/* transaction logs */

/* Marvin32 (the algorithm Microsoft published with SymCrypt): the state is
 * two words; each little-endian word of input is added to the first and
 * both are mixed; the tail bytes go in one last word under a 0x80 byte. */
static uint32_t rol(uint32_t v, int by)
{
	return (uint32_t)(v << by | v >> (32 - by));
}

uint64_t rw_marvin32(const void *data, size_t size, uint64_t seed)
{
	const unsigned char *p = data;
	uint32_t st[2] = { (uint32_t)(seed & 0xFFFFFFFFu), (uint32_t)(seed >> 32) };
	size_t words = size / 4;
	for (size_t k = 0; k <= words + 1; k++) {
		uint32_t in;
		if (k < words) {
			in = get32(p + 4 * k);
		} else if (k == words) {
			in = 0x80;
			for (size_t t = size % 4; t > 0; t--)
				in = in << 8 | p[4 * words + t - 1];
		} else {
			in = 0;
		}
		/* the padded word is mixed twice: once with its own add, once with 0 */
		st[0] += in;
		for (int r = 0; r < 4; r++) {
			static const int by[4] = { 20, 9, 27, 19 };
			if (r % 2 == 0) {
				st[1] ^= st[0];
				st[0] = rol(st[0], by[r]);
			} else {
				st[0] += st[1];
				st[1] = rol(st[1], by[r]);
			}
		}
	}
	return (uint64_t)st[1] << 32 | st[0];
}

static void log_reserve(rw_log *l, size_t size)
{
	grow_zeroed(&l->buf, &l->cap, size, 8192);
}

void rw_log_init(rw_log *l, const unsigned char *hive, unsigned type, uint32_t seq)
{
	memset(l, 0, sizeof *l);
	log_reserve(l, 512);
	memcpy(l->buf, hive, 512);
	rw_put32(l->buf + 4, seq);
	rw_put32(l->buf + 8, seq);
	rw_put32(l->buf + 28, type);
	uint32_t sum = 0;
	for (size_t i = 0; i < 508; i += 4)
		sum ^= get32(l->buf + i);
	rw_put32(l->buf + 508, sum == 0 ? 1 : sum == 0xFFFFFFFFu ? 0xFFFFFFFEu : sum);
	l->size = 512;
}

void rw_log_entry(rw_log *l, uint32_t seq, uint32_t bins, const unsigned char *image,
                  const uint32_t *pages, size_t npages)
{
	size_t head = 40 + 8 * npages, size = (head + 4096 * npages + 511) / 512 * 512;
	log_reserve(l, l->size + size);
	unsigned char *e = l->buf + l->size;
	memcpy(e, "HvLE", 4);
	rw_put32(e + 4, (uint32_t)size);
	rw_put32(e + 12, seq);
	rw_put32(e + 16, bins);
	rw_put32(e + 20, (uint32_t)npages);
	for (size_t i = 0; i < npages; i++) {
		rw_put32(e + 40 + 8 * i, pages[i]);
		rw_put32(e + 44 + 8 * i, 4096);
		memcpy(e + head + 4096 * i, image + 4096 + pages[i], 4096);
	}
	uint64_t h1 = rw_marvin32(e + 40, size - 40, RW_LOG_SEED);
	rw_put32(e + 24, (uint32_t)h1);
	rw_put32(e + 28, (uint32_t)(h1 >> 32));
	uint64_t h2 = rw_marvin32(e, 32, RW_LOG_SEED);
	rw_put32(e + 32, (uint32_t)h2);
	rw_put32(e + 36, (uint32_t)(h2 >> 32));
	l->size += size;
}

void rw_log_dirty(rw_log *l, uint32_t bins, const unsigned char *image,
                  const unsigned char *old, size_t old_size)
{
	size_t bits = bins / 512, bytes = bits / 8;
	size_t pages_at = (512 + 4 + bytes + 511) / 512 * 512, k = 0;
	log_reserve(l, pages_at + 512 * bits);
	memcpy(l->buf + 512, "DIRT", 4);
	for (size_t i = 0; i < bits; i++) {
		size_t at = 4096 + 512 * i;
		if (at + 512 <= old_size && memcmp(image + at, old + at, 512) == 0)
			continue;
		l->buf[516 + i / 8] |= (unsigned char)(1u << (i % 8));
		memcpy(l->buf + pages_at + 512 * k++, image + at, 512);
	}
	l->size = pages_at + 512 * k;
}

void rw_log_free(rw_log *l)
{
	free(l->buf);
	memset(l, 0, sizeof *l);
}

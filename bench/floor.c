/* bench/floor.c - see floor.h. */
#include "floor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BASE 4096u
#define SEGMENT 16344u
#define MAX_DEPTH 512

typedef struct hive {
	const unsigned char *d;
	size_t size;
	floor_counts *c;
} hive;

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* The data of the cell at off and its length, or NULL when it would
 * reach past the buffer. */
static const unsigned char *cell(const hive *h, uint32_t off, uint32_t *len)
{
	uint64_t at = (uint64_t)BASE + off;
	if (at + 8 > h->size)
		return NULL;
	int32_t raw = (int32_t)le32(h->d + at);
	uint64_t n = raw < 0 ? (uint64_t)-(int64_t)raw : (uint64_t)raw;
	if (n < 8 || at + n > h->size)
		return NULL;
	*len = (uint32_t)n - 4;
	return h->d + at + 4;
}

/* The bench's byte sum, as bench.c and bench_hivex_walk.c do it. */
static uint64_t sum_bytes(const unsigned char *d, size_t n)
{
	uint64_t s = 0;
	for (size_t j = 0; j < n; j++)
		s += d[j];
	return s;
}

static void value(const hive *h, uint32_t off)
{
	uint32_t len;
	const unsigned char *vk = cell(h, off, &len);
	if (vk == NULL || len < 20)
		return;
	uint32_t raw = le32(vk + 4), size = raw & 0x7FFFFFFFu, dlen;
	uint64_t s = le32(vk + 12) + (uint64_t)le16(vk + 2), got = 0;
	if (raw & 0x80000000u) {
		got = size > 4 ? 4 : size;
		s += sum_bytes(vk + 8, got);
	} else if (size > 0) {
		const unsigned char *d = cell(h, le32(vk + 8), &dlen);
		if (d == NULL)
			return;
		if (size <= dlen) {
			got = size;
			s += sum_bytes(d, got);
		} else if (dlen >= 8 && d[0] == 'd' && d[1] == 'b') {
			uint32_t llen, n = le16(d + 2);
			const unsigned char *list = cell(h, le32(d + 4), &llen);
			for (uint32_t i = 0; list != NULL && i < n && i < llen / 4 && got < size; i++) {
				uint32_t slen;
				const unsigned char *seg = cell(h, le32(list + 4 * i), &slen);
				if (seg == NULL)
					break;
				uint64_t take = size - got;
				take = take > SEGMENT ? SEGMENT : take;
				take = take > slen ? slen : take;
				s += sum_bytes(seg, take);
				got += take;
			}
		} else {
			got = dlen;
			s += sum_bytes(d, got);
		}
	}
	h->c->sum += s;
	h->c->values++;
	h->c->bytes += got;
}

static void key(const hive *h, uint32_t off, int depth);

static void list(const hive *h, uint32_t off, int depth, bool inside_ri)
{
	uint32_t len;
	const unsigned char *l = cell(h, off, &len);
	if (l == NULL || len < 4)
		return;
	uint32_t n = le16(l + 2), stride = l[1] == 'i' ? 4 : 8;
	if (n > (len - 4) / stride)
		n = (len - 4) / stride;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t e = le32(l + 4 + stride * i);
		if (l[0] == 'r' && !inside_ri)
			list(h, e, depth, true);
		else
			key(h, e, depth + 1);
	}
}

static void key(const hive *h, uint32_t off, int depth)
{
	uint32_t len;
	const unsigned char *nk = cell(h, off, &len);
	if (nk == NULL || len < 76 || depth > MAX_DEPTH)
		return;
	uint64_t t;
	memcpy(&t, nk + 4, sizeof t);
	h->c->keys++;
	h->c->sum += le16(nk + 72) + t;
	uint32_t nv = le32(nk + 36), vlen;
	const unsigned char *vl = nv > 0 ? cell(h, le32(nk + 40), &vlen) : NULL;
	for (uint32_t i = 0; vl != NULL && i < nv && i < vlen / 4; i++)
		value(h, le32(vl + 4 * i));
	if (le32(nk + 20) > 0)
		list(h, le32(nk + 28), depth, false);
}

int floor_walk(const char *path, floor_counts *c)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || st.st_size < BASE + 32) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	size_t size = (size_t)st.st_size, got = 0;
	unsigned char *d = malloc(size);
	while (d != NULL && got < size) {
		ssize_t n = read(fd, d + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (d == NULL || got < size || memcmp(d, "regf", 4) != 0) {
		free(d);
		errno = EINVAL;
		return -1;
	}
	hive h = { d, size, c };
	key(&h, le32(d + 36), 0);
	free(d);
	return 0;
}

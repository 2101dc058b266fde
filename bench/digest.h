/* bench/digest.h - the digest of one registry value (name, type, bytes),
 * which gen_dump writes for the file it makes and bench recomputes from
 * the parsed tree: equal sums show the whole file went in, byte for byte.
 * A file's digest is the sum of its values' digests, so that walk order
 * does not matter. */
#ifndef BENCH_DIGEST_H
#define BENCH_DIGEST_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t value_digest(const char *name, size_t name_len, uint32_t type,
                             const unsigned char *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < name_len; i++)
		h = (h ^ (unsigned char)name[i]) * 0x100000001b3ull;
	h = (h ^ 0xff) * 0x100000001b3ull;
	for (int i = 0; i < 4; i++)
		h = (h ^ ((type >> (8 * i)) & 0xff)) * 0x100000001b3ull;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ull;
	h ^= size;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

#endif

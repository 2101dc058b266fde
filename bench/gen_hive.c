/*
 * bench/gen_hive.c - writes the big-hive benchmark input: a deterministic
 * regf hive of at least SIZE bytes (default 60 MiB), shaped like a
 * SOFTWARE hive's uninstall data: Vendor%03u\Product%03u\Item%04u keys
 * (50 products a vendor, 100 items a product, as many vendors as the size
 * takes), five values an item (two REG_SZ, a REG_EXPAND_SZ, a REG_DWORD,
 * a 48-byte REG_BINARY). Keys carry their parent offset and lh lists in
 * name order, as Windows writes them. Built with tests/regf_writer.c.
 *
 * On success it prints "keys=K values=V spot=PATH value=NAME data=TEXT
 * bytes=B": the one value the benchmark reads (PATH below the hive's
 * root, in a vendor in the middle of the file) and its REG_SZ text.
 *
 * Usage: gen_hive [-s SIZE[k|M]] OUTPUT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regf_writer.h"

#include <espdiag/registry.h>

#define PRODUCTS 50
#define ITEMS 100
#define MAX_VENDORS 1000

static void die(const char *what)
{
	fprintf(stderr, "gen_hive: %s\n", what);
	exit(1);
}

/* A REG_SZ value of ASCII text, stored as UTF-16LE with its NUL. */
static uint32_t sz_value(rw_hive *w, const char *name, uint32_t type, const char *text)
{
	unsigned char buf[512];
	size_t n = strlen(text);
	if (2 * n + 2 > sizeof buf)
		die("string too long");
	for (size_t i = 0; i <= n; i++) {
		buf[2 * i] = (unsigned char)text[i];
		buf[2 * i + 1] = 0;
	}
	return rw_value_s(w, name, type, buf, 2 * n + 2);
}

static void set_parent(rw_hive *w, uint32_t key, uint32_t parent)
{
	rw_put32(rw_at(w, key) + 16, parent);
}

static void version_of(char *out, size_t size, unsigned v, unsigned p, unsigned i)
{
	snprintf(out, size, "%u.%u.%u.%u", 10 + v % 7, p, i, v * 7919u % 65536u);
}

static uint32_t item(rw_hive *w, uint32_t parent, unsigned v, unsigned p, unsigned i,
                     uint32_t *seed)
{
	char name[32], text[256];
	snprintf(name, sizeof name, "Item%04u", i);
	uint32_t key = rw_key_s(w, name);
	set_parent(w, key, parent);
	uint32_t vals[5];
	snprintf(text, sizeof text, "Contoso %s %03u for vendor %03u (x64), build %u", name, p,
	         v, i * 31u + p);
	vals[0] = sz_value(w, "DisplayName", ESPDIAG_REG_SZ, text);
	version_of(text, sizeof text, v, p, i);
	vals[1] = sz_value(w, "DisplayVersion", ESPDIAG_REG_SZ, text);
	snprintf(text, sizeof text, "%%ProgramFiles%%\\Vendor%03u\\Product%03u\\bin\\item%04u.exe", v,
	         p, i);
	vals[2] = sz_value(w, "InstallLocation", ESPDIAG_REG_EXPAND_SZ, text);
	uint32_t date = 20200101u + v * 100u + p;
	vals[3] = rw_value_s(w, "InstallDate", ESPDIAG_REG_DWORD, &date, 4);
	unsigned char blob[48];
	for (size_t j = 0; j < sizeof blob; j++) {
		*seed = *seed * 1103515245u + 12345u;
		blob[j] = (unsigned char)(*seed >> 16);
	}
	vals[4] = rw_value_s(w, "Blob", ESPDIAG_REG_BINARY, blob, sizeof blob);
	rw_set_values(w, key, vals, 5);
	return key;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		die("bad size");
	if (*end == 'k' || *end == 'K')
		v *= 1024, end++;
	else if (*end == 'm' || *end == 'M')
		v *= 1024 * 1024, end++;
	if (*end != '\0' || v == 0 || v > 1024ull * 1024 * 1024)
		die("size: 1 byte to 1G");
	return v;
}

int main(int argc, char **argv)
{
	uint64_t size = 60ull * 1024 * 1024;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			size = parse_size(argv[++i]);
		else if (argv[i][0] == '-' || path != NULL)
			die("usage: gen_hive [-s SIZE[k|M]] OUTPUT");
		else
			path = argv[i];
	}
	if (path == NULL)
		die("usage: gen_hive [-s SIZE[k|M]] OUTPUT");

	rw_hive w;
	rw_init(&w, 5);
	uint32_t root = rw_key_s(&w, "ROOT");
	uint32_t vendors[MAX_VENDORS], products[PRODUCTS], items[ITEMS], seed = 42;
	unsigned nv = 0;
	while (w.size < size) {
		if (nv == MAX_VENDORS)
			die("too many vendors for that size");
		char name[32];
		snprintf(name, sizeof name, "Vendor%03u", nv);
		uint32_t vk = rw_key_s(&w, name);
		set_parent(&w, vk, root);
		for (unsigned p = 0; p < PRODUCTS; p++) {
			snprintf(name, sizeof name, "Product%03u", p);
			uint32_t pk = rw_key_s(&w, name);
			set_parent(&w, pk, vk);
			for (unsigned i = 0; i < ITEMS; i++)
				items[i] = item(&w, pk, nv, p, i, &seed);
			rw_set_subkeys(&w, pk, rw_list(&w, "lh", items, ITEMS), ITEMS);
			products[p] = pk;
		}
		rw_set_subkeys(&w, vk, rw_list(&w, "lh", products, PRODUCTS), PRODUCTS);
		vendors[nv++] = vk;
	}
	rw_set_subkeys(&w, root, rw_list(&w, "lh", vendors, nv), nv);
	rw_finish(&w, root);

	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(w.buf, 1, w.size, f) != w.size || fclose(f) != 0)
		die(strerror(errno));
	unsigned sv = nv / 2, sp = PRODUCTS / 2, si = ITEMS / 2;
	char data[64];
	version_of(data, sizeof data, sv, sp, si);
	unsigned long long keys = 1ull + nv + (unsigned long long)nv * PRODUCTS * (1 + ITEMS);
	printf("keys=%llu values=%llu spot=Vendor%03u\\Product%03u\\Item%04u value=DisplayVersion "
	       "data=%s bytes=%zu\n", keys, 5ull * nv * PRODUCTS * ITEMS, sv, sp, si, data, w.size);
	rw_free(&w);
	return 0;
}

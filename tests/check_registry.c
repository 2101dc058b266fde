/* tests/check_registry.c - the registry view over a user's backend and
 * over in-memory trees: mounts, unions, lookups, getters, warnings, export. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtree.h"
#include "suites.h"
#include "testutil.h"

/* --- a user's backend fed from a static table (node id = index) --- */
typedef struct tnode {
	const char *name;
	int parent;
} tnode;

static const tnode tnodes[] = {
	{ "ROOT", -1 },     /* 0 */
	{ "Microsoft", 0 }, /* 1 */
	{ "Policies", 0 },  /* 2 */
	{ "Windows", 1 },   /* 3 */
};
#define NTNODES (sizeof tnodes / sizeof tnodes[0])

static const unsigned char sz_data[] = { 'h', 0, 'i', 0, 0, 0 };
static const unsigned char multi_data[] = { 'a', 0, 0, 0, 'b', 0, 'c', 0, 0, 0, 0, 0 };
static const unsigned char be_data[] = { 0x00, 0x00, 0x01, 0x02 };
static const unsigned char le_data[] = { 0x2A, 0x00, 0x00, 0x00 };
static const unsigned char q_data[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const unsigned char bin_data[] = { 0xDE, 0xAD };

static const espdiag_backend_value tvalues[] = {
	{ "Name", 4, ESPDIAG_REG_SZ, sz_data, sizeof sz_data },
	{ "List", 4, ESPDIAG_REG_MULTI_SZ, multi_data, sizeof multi_data },
	{ "Big", 3, ESPDIAG_REG_DWORD_BIG_ENDIAN, be_data, sizeof be_data },
	{ "Count", 5, ESPDIAG_REG_DWORD, le_data, sizeof le_data },
	{ "Q", 1, ESPDIAG_REG_QWORD, q_data, sizeof q_data },
	{ "", 0, ESPDIAG_REG_BINARY, bin_data, sizeof bin_data },
	{ "Odd", 3, 0x12345678u, bin_data, sizeof bin_data },
};
#define NTVALUES (sizeof tvalues / sizeof tvalues[0])

typedef struct table_backend {
	espdiag_backend base;
	int *freed;
} table_backend;

static int tb_root(espdiag_backend *b, espdiag_node *out)
{
	(void)b;
	*out = 0;
	return ESPDIAG_OK;
}

static int tb_subkey_count(espdiag_backend *b, espdiag_node key, size_t *out)
{
	(void)b;
	size_t n = 0;
	for (size_t i = 0; i < NTNODES; i++)
		n += tnodes[i].parent == (int)key;
	*out = n;
	return ESPDIAG_OK;
}

static int tb_subkey_at(espdiag_backend *b, espdiag_node key, size_t index, espdiag_node *out)
{
	(void)b;
	for (size_t i = 0; i < NTNODES; i++)
		if (tnodes[i].parent == (int)key && index-- == 0) {
			*out = i;
			return ESPDIAG_OK;
		}
	return ESPDIAG_NOTFOUND;
}

static int tb_key_name(espdiag_backend *b, espdiag_node key, const char **out, size_t *len)
{
	(void)b;
	*out = tnodes[key].name;
	*len = strlen(tnodes[key].name);
	return ESPDIAG_OK;
}

static int tb_value_count(espdiag_backend *b, espdiag_node key, size_t *out)
{
	(void)b;
	*out = key == 3 ? NTVALUES : 0;
	return ESPDIAG_OK;
}

static int tb_value_at(espdiag_backend *b, espdiag_node key, size_t index,
                       espdiag_backend_value *out)
{
	(void)b;
	if (key != 3 || index >= NTVALUES)
		return ESPDIAG_NOTFOUND;
	*out = tvalues[index];
	return ESPDIAG_OK;
}

static int tb_last_write(espdiag_backend *b, espdiag_node key, uint64_t *out)
{
	(void)b;
	if (key != 3)
		return ESPDIAG_NOTFOUND;
	*out = 0x01DB3F6EFC7D296Aull;
	return ESPDIAG_OK;
}

static void tb_free(espdiag_backend *b)
{
	table_backend *t = (table_backend *)b;
	(*t->freed)++;
	free(t);
}

static espdiag_backend *table_backend_new(int *freed)
{
	table_backend *t = calloc(1, sizeof *t);
	espdiag_backend_init(&t->base, ESPDIAG_BACKEND_VERSION);
	t->base.root = tb_root;
	t->base.subkey_count = tb_subkey_count;
	t->base.subkey_at = tb_subkey_at;
	t->base.key_name = tb_key_name;
	t->base.key_last_write = tb_last_write;
	t->base.value_count = tb_value_count;
	t->base.value_at = tb_value_at;
	t->base.free = tb_free;
	t->freed = freed;
	return &t->base;
}

static espdiag_registry *table_registry(int *freed)
{
	espdiag_registry *reg;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_mount(reg, "hklm\\Software", table_backend_new(freed)),
	                 ESPDIAG_OK);
	return reg;
}

START_TEST(user_backend_paths_and_aliases)
{
	int freed = 0;
	espdiag_registry *reg = table_registry(&freed);
	const espdiag_key *k, *again;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\SOFTWARE\\microsoft\\WINDOWS"), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_key_path(k), "HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows");
	ck_assert_str_eq(espdiag_key_name(k), "Windows");
	ck_assert_int_eq(espdiag_registry_key(&again, reg,
	                                      "\\HKEY_LOCAL_MACHINE\\\\software\\Microsoft\\Windows\\"),
	                 ESPDIAG_OK);
	ck_assert_ptr_eq(k, again);
	ck_assert_str_eq(espdiag_key_name(espdiag_key_parent(k)), "Microsoft");
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\Software\\Nope"), ESPDIAG_NOTFOUND);
	ck_assert_ptr_null(k);
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKCU"), ESPDIAG_NOTFOUND);
	/* The root holds the mount's first component; HKLM\Software holds the hive's root keys. */
	const espdiag_key *root = espdiag_registry_root(reg);
	ck_assert_uint_eq(espdiag_key_subkey_count(root), 1);
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\Software"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_subkey_count(k), 2);
	ck_assert_int_eq(espdiag_key_subkey_at(&again, k, 1), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_key_name(again), "Policies");
	ck_assert_int_eq(espdiag_key_subkey_at(&again, k, 2), ESPDIAG_NOTFOUND);
	ck_assert_int_eq(espdiag_key_subkey(&again, k, "MICROSOFT\\windows"), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_key_path(again), "HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows");
	uint64_t ft;
	ck_assert_int_eq(espdiag_key_last_write(again, &ft), ESPDIAG_OK);
	ck_assert_uint_eq(ft, 0x01DB3F6EFC7D296Aull);
	ck_assert_int_eq(espdiag_key_last_write(k, &ft), ESPDIAG_NOTFOUND);
	/* An alias is only a root name. */
	ck_assert_int_eq(espdiag_key_subkey(&again, k, "HKLM"), ESPDIAG_NOTFOUND);
	ck_assert_ptr_null(again);
	ck_assert_uint_eq(espdiag_registry_source_count(reg), 1);
	ck_assert_str_eq(espdiag_registry_source_property(reg, 0, "prefix"),
	                 "HKEY_LOCAL_MACHINE\\Software");
	ck_assert_ptr_null(espdiag_registry_source_property(reg, 0, "format"));
	ck_assert_ptr_null(espdiag_registry_source_property(reg, 1, "prefix"));
	espdiag_registry_free(reg);
	ck_assert_int_eq(freed, 1);
}
END_TEST

START_TEST(typed_getters)
{
	int freed = 0;
	espdiag_registry *reg = table_registry(&freed);
	const espdiag_key *k;
	const espdiag_value *v;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\Software\\Microsoft\\Windows"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_value_count(k), NTVALUES);
	uint32_t d;
	uint64_t q;
	char *s;
	char **list;
	size_t n;
	const unsigned char *bytes;

	ck_assert_int_eq(espdiag_key_value(&v, k, "name"), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_value_name(v), "Name");
	ck_assert_int_eq(espdiag_value_get_string(&s, v), ESPDIAG_OK);
	ck_assert_str_eq(s, "hi");
	espdiag_free(s);
	ck_assert_int_eq(espdiag_value_get_dword(v, &d), ESPDIAG_ETYPE);
	ck_assert_int_eq(espdiag_value_get_multi_string(&list, &n, v), ESPDIAG_ETYPE);

	ck_assert_int_eq(espdiag_key_value(&v, k, "LIST"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_value_get_multi_string(&list, &n, v), ESPDIAG_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0], "a");
	ck_assert_str_eq(list[1], "bc");
	ck_assert_ptr_null(list[2]);
	espdiag_free(list);

	ck_assert_int_eq(espdiag_key_value(&v, k, "Big"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_value_get_dword(v, &d), ESPDIAG_OK);
	ck_assert_uint_eq(d, 0x102);
	ck_assert_int_eq(espdiag_value_get_qword(v, &q), ESPDIAG_ETYPE);

	ck_assert_int_eq(espdiag_key_value(&v, k, "count"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_value_get_dword(v, &d), ESPDIAG_OK);
	ck_assert_uint_eq(d, 42);
	ck_assert_int_eq(espdiag_value_get_qword(v, &q), ESPDIAG_OK);
	ck_assert_uint_eq(q, 42);

	ck_assert_int_eq(espdiag_key_value(&v, k, "q"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_value_get_qword(v, &q), ESPDIAG_OK);
	ck_assert_uint_eq(q, 0x0807060504030201ull);
	ck_assert_int_eq(espdiag_value_get_dword(v, &d), ESPDIAG_ETYPE);
	ck_assert_int_eq(espdiag_value_get_string(&s, v), ESPDIAG_ETYPE);
	ck_assert_ptr_null(s);

	ck_assert_int_eq(espdiag_key_value(&v, k, NULL), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_value_name(v), "");
	ck_assert_int_eq(espdiag_value_get_binary(&bytes, &n, v), ESPDIAG_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(bytes[0], 0xDE);

	ck_assert_int_eq(espdiag_key_value(&v, k, "odd"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_value_type(v), 0x12345678u);
	ck_assert_ptr_null(espdiag_reg_type_name(espdiag_value_type(v)));
	ck_assert_str_eq(espdiag_reg_type_name(ESPDIAG_REG_QWORD), "REG_QWORD");
	ck_assert_int_eq(espdiag_key_value(&v, k, "missing"), ESPDIAG_NOTFOUND);
	espdiag_registry_free(reg);
}
END_TEST

START_TEST(mount_rejects_incomplete_backend)
{
	espdiag_registry *reg;
	int freed = 0;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	espdiag_backend *b = table_backend_new(&freed);
	b->value_at = NULL;
	ck_assert_int_eq(espdiag_registry_mount(reg, "HKLM", b), ESPDIAG_EINVAL);
	ck_assert_str_eq(espdiag_registry_errmsg(reg),
	                 "backend: unknown version or a required callback is missing");
	ck_assert_int_eq(freed, 0);
	b->free(b);
	ck_assert_int_eq(freed, 1);
	ck_assert_uint_eq(espdiag_registry_source_count(reg), 0);
	espdiag_registry_free(reg);
}
END_TEST

/* A memtree with a few keys and a warning, as a second source. */
static espdiag_backend *small_tree(const char *key, const char *value, uint32_t dword)
{
	esp_memtree *t;
	esp_mnode n, m;
	ck_assert_int_eq(esp_memtree_new(&t), ESPDIAG_OK);
	ck_assert_int_eq(esp_memtree_child(t, esp_memtree_root(t), "Microsoft", 9, true, &n), ESPDIAG_OK);
	ck_assert_int_eq(esp_memtree_child(t, n, key, strlen(key), true, &m), ESPDIAG_OK);
	ck_assert_int_eq(esp_memtree_set_value(t, m, value, strlen(value), ESPDIAG_REG_DWORD, &dword, 4),
	                 ESPDIAG_OK);
	ck_assert_int_eq(esp_warn(esp_memtree_warnings(t), 3, 7, 99, "test warning %d", 1), ESPDIAG_OK);
	ck_assert_int_eq(esp_memtree_set_property(t, "format", "test"), ESPDIAG_OK);
	return esp_memtree_backend(t);
}

START_TEST(union_of_two_sources)
{
	int freed = 0;
	espdiag_registry *reg = table_registry(&freed);
	/* Same prefix: Microsoft merges, Windows gains a value it already had
	 * under another spelling (the first source wins) and a new one. */
	ck_assert_int_eq(espdiag_registry_mount(reg, "HKEY_LOCAL_MACHINE\\SOFTWARE",
	                                        small_tree("windows", "COUNT", 7)),
	                 ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_mount(reg, "HKLM\\Software",
	                                        small_tree("Edge", "Enabled", 1)),
	                 ESPDIAG_OK);
	const espdiag_key *k;
	const espdiag_value *v;
	uint32_t d;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\Software\\Microsoft"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_subkey_count(k), 2);
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\Software\\Microsoft\\Windows"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_value_count(k), NTVALUES);
	ck_assert_int_eq(espdiag_key_value(&v, k, "Count"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_value_get_dword(v, &d), ESPDIAG_OK);
	ck_assert_uint_eq(d, 42);
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\Software\\Microsoft\\Edge"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_key_value(&v, k, "enabled"), ESPDIAG_OK);
	/* Warnings come from every source, in mount order. */
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 2);
	size_t src = 9;
	const espdiag_warning *w = espdiag_registry_warning_at(reg, 1, &src);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(src, 2);
	ck_assert_uint_eq(w->line, 3);
	ck_assert_uint_eq(w->column, 7);
	ck_assert_uint_eq(w->offset, 99);
	ck_assert_str_eq(w->message, "test warning 1");
	ck_assert_ptr_null(espdiag_registry_warning_at(reg, 2, NULL));
	ck_assert_str_eq(espdiag_registry_source_property(reg, 1, "format"), "test");
	espdiag_registry_free(reg);
	ck_assert_int_eq(freed, 1);
}
END_TEST

START_TEST(export_user_backend)
{
	int freed = 0;
	espdiag_registry *reg = table_registry(&freed);
	const espdiag_key *k;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\Software\\Microsoft"), ESPDIAG_OK);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ck_assert_int_eq(espdiag_registry_export(reg, k, 0, f), ESPDIAG_OK);
	fclose(f);
	ck_assert_str_eq(text,
	                 "Windows Registry Editor Version 5.00\r\n\r\n"
	                 "[HKEY_LOCAL_MACHINE\\Software\\Microsoft]\r\n\r\n"
	                 "[HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows]\r\n"
	                 "\"Name\"=\"hi\"\r\n"
	                 "\"List\"=hex(7):61,00,00,00,62,00,63,00,00,00,00,00\r\n"
	                 "\"Big\"=hex(5):00,00,01,02\r\n"
	                 "\"Count\"=dword:0000002a\r\n"
	                 "\"Q\"=hex(b):01,02,03,04,05,06,07,08\r\n"
	                 "@=hex:de,ad\r\n"
	                 "\"Odd\"=hex(12345678):de,ad\r\n\r\n");
	free(text);
	espdiag_registry_free(reg);
}
END_TEST

START_TEST(export_wraps_long_hex_and_escapes)
{
	esp_memtree *t;
	esp_mnode n;
	ck_assert_int_eq(esp_memtree_new(&t), ESPDIAG_OK);
	ck_assert_int_eq(esp_memtree_child(t, 0, "K\"\\", 3, true, &n), ESPDIAG_OK);
	unsigned char bytes[40];
	for (size_t i = 0; i < sizeof bytes; i++)
		bytes[i] = (unsigned char)i;
	ck_assert_int_eq(esp_memtree_set_value(t, n, "b", 1, ESPDIAG_REG_BINARY, bytes, sizeof bytes), 0);
	/* "a\"b\\" as REG_SZ, and one with a newline, which must be hex. */
	static const unsigned char sz[] = { 'a', 0, '"', 0, 'b', 0, '\\', 0, 0, 0 };
	static const unsigned char nl[] = { 'a', 0, '\n', 0, 0, 0 };
	ck_assert_int_eq(esp_memtree_set_value(t, n, "s\"", 2, ESPDIAG_REG_SZ, sz, sizeof sz), 0);
	ck_assert_int_eq(esp_memtree_set_value(t, n, "n", 1, ESPDIAG_REG_SZ, nl, sizeof nl), 0);
	espdiag_registry *reg;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_mount(reg, "HKCU", esp_memtree_backend(t)), ESPDIAG_OK);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ck_assert_int_eq(espdiag_registry_export(reg, NULL, 0, f), ESPDIAG_OK);
	fclose(f);
	ck_assert_str_eq(text,
	                 "Windows Registry Editor Version 5.00\r\n\r\n"
	                 "[HKEY_CURRENT_USER]\r\n\r\n"
	                 "[HKEY_CURRENT_USER\\K\"\\]\r\n"
	                 "\"b\"=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,16,\\\r\n"
	                 "  17,18,19,1a,1b,1c,1d,1e,1f,20,21,22,23,24,25,26,27\r\n"
	                 "\"s\\\"\"=\"a\\\"b\\\\\"\r\n"
	                 "\"n\"=hex(1):61,00,0a,00,00,00\r\n\r\n");
	free(text);
	espdiag_registry_free(reg);
}
END_TEST

START_TEST(open_rejects_unknown_format)
{
	espdiag_registry *reg;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	static const unsigned char junk[] = { 0, 1, 2, 3, 0xFE, 0x80, 0x81, 0 };
	ck_assert_int_eq(espdiag_registry_open_memory(reg, junk, sizeof junk, "junk.bin", NULL, NULL),
	                 ESPDIAG_EFORMAT);
	ck_assert_str_eq(espdiag_registry_errmsg(reg),
	                 "junk.bin: not a registry file (neither a regf hive nor a .reg export)");
	ck_assert_int_eq(espdiag_registry_open_file(reg, "/nonexistent/x.reg", NULL, NULL), ESPDIAG_EIO);
	ck_assert_str_eq(espdiag_registry_errmsg(reg), "/nonexistent/x.reg: No such file or directory");
	espdiag_open_options o = ESPDIAG_OPEN_OPTIONS_INIT;
	o.max_input_size = 4;
	ck_assert_int_eq(espdiag_registry_open_memory(reg, junk, sizeof junk, "junk.bin", NULL, &o),
	                 ESPDIAG_ELIMIT);
	o.version = 99;
	ck_assert_int_eq(espdiag_registry_open_memory(reg, junk, sizeof junk, NULL, NULL, &o),
	                 ESPDIAG_EINVAL);
	ck_assert_uint_eq(espdiag_registry_source_count(reg), 0);
	espdiag_registry_free(reg);
}
END_TEST

START_TEST(memtree_replaces_and_deletes_in_order)
{
	esp_memtree *t;
	esp_mnode k, c;
	ck_assert_int_eq(esp_memtree_new(&t), ESPDIAG_OK);
	ck_assert_int_eq(esp_memtree_child(t, 0, "K", 1, true, &k), ESPDIAG_OK);
	uint32_t one = 1, two = 2, three = 3;
	ck_assert_int_eq(esp_memtree_set_value(t, k, "a", 1, 4, &one, 4), 0);
	ck_assert_int_eq(esp_memtree_set_value(t, k, "b", 1, 4, &two, 4), 0);
	ck_assert_int_eq(esp_memtree_set_value(t, k, "c", 1, 4, &three, 4), 0);
	ck_assert_int_eq(esp_memtree_set_value(t, k, "A", 1, 4, &three, 4), 0);
	ck_assert_int_eq(esp_memtree_delete_value(t, k, "B", 1), 0);
	ck_assert_int_eq(esp_memtree_delete_value(t, k, "B", 1), ESPDIAG_NOTFOUND);
	ck_assert_int_eq(esp_memtree_set_value(t, k, "c", 1, 4, &one, 4), 0);
	ck_assert_int_eq(esp_memtree_child(t, k, "Sub", 3, true, &c), ESPDIAG_OK);
	ck_assert_int_eq(esp_memtree_child(t, k, "sub", 3, false, &c), ESPDIAG_OK);
	ck_assert_int_eq(esp_memtree_delete_child(t, k, "SUB", 3), ESPDIAG_OK);
	ck_assert_int_eq(esp_memtree_child(t, k, "sub", 3, false, &c), ESPDIAG_NOTFOUND);
	/* Many children exercise the hash table's growth. */
	char name[16];
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "k%d", i);
		ck_assert_int_eq(esp_memtree_child(t, k, name, strlen(name), true, &c), ESPDIAG_OK);
	}
	ck_assert_int_eq(esp_memtree_child(t, k, "K4999", 5, false, &c), ESPDIAG_OK);
	espdiag_registry *reg;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_mount(reg, NULL, esp_memtree_backend(t)), ESPDIAG_OK);
	const espdiag_key *key;
	const espdiag_value *v;
	ck_assert_int_eq(espdiag_registry_key(&key, reg, "k"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_subkey_count(key), 5000);
	ck_assert_uint_eq(espdiag_key_value_count(key), 2);
	ck_assert_int_eq(espdiag_key_value_at(&v, key, 0), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_value_name(v), "a");
	ck_assert_uint_eq(espdiag_value_data(v)[0], 3);
	ck_assert_int_eq(espdiag_key_value_at(&v, key, 1), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_value_name(v), "c");
	ck_assert_uint_eq(espdiag_value_data(v)[0], 1);
	espdiag_registry_free(reg);
}
END_TEST

/* Lists past the point where a key gets hash tables: values interleaved
 * with another key's (the array is then copied, not grown in place),
 * replaced and deleted while indexed, all read back in order. */
START_TEST(memtree_wide_keys_stay_consistent)
{
	esp_memtree *t;
	esp_mnode w, x, c;
	char name[16];
	ck_assert_int_eq(esp_memtree_new(&t), ESPDIAG_OK);
	ck_assert_int_eq(esp_memtree_child(t, 0, "W", 1, true, &w), ESPDIAG_OK);
	ck_assert_int_eq(esp_memtree_child(t, 0, "X", 1, true, &x), ESPDIAG_OK);
	for (uint32_t i = 0; i < 100; i++) {
		if (i == 50)
			ck_assert_int_eq(esp_memtree_set_value(t, x, "x", 1, 4, &i, 4), ESPDIAG_OK);
		snprintf(name, sizeof name, "v%u", i);
		ck_assert_int_eq(esp_memtree_set_value(t, w, name, strlen(name), 4, &i, 4),
		                 ESPDIAG_OK);
	}
	uint32_t big = 0xABCDEF;
	ck_assert_int_eq(esp_memtree_set_value(t, w, "V10", 3, 4, &big, 4), ESPDIAG_OK);
	ck_assert_int_eq(esp_memtree_delete_value(t, w, "V0", 2), ESPDIAG_OK);
	ck_assert_int_eq(esp_memtree_delete_value(t, w, "v0", 2), ESPDIAG_NOTFOUND);
	ck_assert_int_eq(esp_memtree_set_value(t, w, "V99", 3, 4, &big, 4), ESPDIAG_OK);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof name, "c%d", i);
		ck_assert_int_eq(esp_memtree_child(t, w, name, strlen(name), true, &c), ESPDIAG_OK);
	}
	/* Every child is still found after its table grew. */
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof name, "C%d", i);
		ck_assert_int_eq(esp_memtree_child(t, w, name, strlen(name), false, &c), ESPDIAG_OK);
		ck_assert_uint_eq(c, (esp_mnode)(w + 2 + (uint32_t)i));
	}
	ck_assert_int_eq(esp_memtree_delete_child(t, w, "C5", 2), ESPDIAG_OK);
	ck_assert_int_eq(esp_memtree_child(t, w, "c5", 2, false, &c), ESPDIAG_NOTFOUND);
	ck_assert_int_eq(esp_memtree_child(t, w, "C6", 2, false, &c), ESPDIAG_OK);

	espdiag_backend *b = esp_memtree_backend(t);
	size_t n;
	espdiag_backend_value v;
	ck_assert_int_eq(b->value_count(b, w, &n), ESPDIAG_OK);
	ck_assert_uint_eq(n, 99);
	for (uint32_t i = 0; i < 99; i++) {
		ck_assert_int_eq(b->value_at(b, w, i, &v), ESPDIAG_OK);
		snprintf(name, sizeof name, "v%u", i + 1);
		ck_assert_uint_eq(v.name_len, strlen(name));
		ck_assert_int_eq(memcmp(v.name, name, v.name_len), 0);
		uint32_t want = i + 1 == 10 || i + 1 == 99 ? big : i + 1, got;
		ck_assert_uint_eq(v.size, 4);
		memcpy(&got, v.data, 4);
		ck_assert_uint_eq(got, want);
	}
	ck_assert_int_eq(b->value_count(b, x, &n), ESPDIAG_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(b->subkey_count(b, w, &n), ESPDIAG_OK);
	ck_assert_uint_eq(n, 39);
	espdiag_node node;
	const char *kname;
	size_t klen;
	ck_assert_int_eq(b->subkey_at(b, w, 5, &node), ESPDIAG_OK);
	ck_assert_int_eq(b->key_name(b, node, &kname, &klen), ESPDIAG_OK);
	ck_assert_uint_eq(klen, 2);
	ck_assert_int_eq(memcmp(kname, "c6", 2), 0);
	b->free(b);
}
END_TEST

START_TEST(warning_list_is_capped)
{
	esp_warnings w;
	esp_warnings_init(&w);
	for (int i = 0; i < ESP_MAX_WARNINGS + 5; i++)
		ck_assert_int_eq(esp_warn(&w, (uint64_t)i + 1, 1, 0, "w%d", i), ESPDIAG_OK);
	ck_assert_uint_eq(esp_warnings_count(&w), ESP_MAX_WARNINGS + 1);
	ck_assert_str_eq(esp_warnings_at(&w, ESP_MAX_WARNINGS - 1)->message, "w999");
	ck_assert_str_eq(esp_warnings_at(&w, ESP_MAX_WARNINGS)->message, "5 more warnings not kept");
	ck_assert_ptr_null(esp_warnings_at(&w, ESP_MAX_WARNINGS + 1));
	esp_warnings_free(&w);
}
END_TEST

Suite *suite_registry(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("registry");
	tcase_add_test(tc, user_backend_paths_and_aliases);
	tcase_add_test(tc, memtree_wide_keys_stay_consistent);
	tcase_add_test(tc, typed_getters);
	tcase_add_test(tc, mount_rejects_incomplete_backend);
	tcase_add_test(tc, union_of_two_sources);
	tcase_add_test(tc, export_user_backend);
	tcase_add_test(tc, export_wraps_long_hex_and_escapes);
	tcase_add_test(tc, open_rejects_unknown_format);
	tcase_add_test(tc, memtree_replaces_and_deletes_in_order);
	tcase_add_test(tc, warning_list_is_capped);
	suite_add_tcase(s, tc);
	return s;
}

/* tests/check_registry.c - the registry view over a user's backend and
 * over in-memory trees: mounts, unions, lookups, getters, warnings, export;
 * backend failures reaching every caller, keys kept up to date across
 * mounts, and time and memory that follow the data. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtree.h"
#include "regf_writer.h"
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
	int *freed;          /* counts the free calls; may be NULL */
	const tnode *nodes;  /* the tree: tnodes unless a test says otherwise */
	size_t nnodes;
} table_backend;

static int tb_root(espdiag_backend *b, espdiag_node *out)
{
	(void)b;
	*out = 0;
	return ESPDIAG_OK;
}

static int tb_subkey_count(espdiag_backend *b, espdiag_node key, size_t *out)
{
	const table_backend *t = (const table_backend *)b;
	size_t n = 0;
	for (size_t i = 0; i < t->nnodes; i++)
		n += t->nodes[i].parent == (int)key;
	*out = n;
	return ESPDIAG_OK;
}

static int tb_subkey_at(espdiag_backend *b, espdiag_node key, size_t index, espdiag_node *out)
{
	const table_backend *t = (const table_backend *)b;
	for (size_t i = 0; i < t->nnodes; i++)
		if (t->nodes[i].parent == (int)key && index-- == 0) {
			*out = i;
			return ESPDIAG_OK;
		}
	return ESPDIAG_NOTFOUND;
}

static int tb_key_name(espdiag_backend *b, espdiag_node key, const char **out, size_t *len)
{
	const table_backend *t = (const table_backend *)b;
	*out = t->nodes[key].name;
	*len = strlen(t->nodes[key].name);
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
	if (t->freed != NULL)
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
	t->nodes = tnodes;
	t->nnodes = NTNODES;
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

/* --- a backend that fails on purpose (issue 13) --- */

/* node id = index; the tree of tnodes, with values on ROOT and Windows and
 * last-write times on both. One callback fails, at one node (or any), from
 * its (after + 1)-th call there on, while armed. */
static const unsigned char one_le[] = { 1, 0, 0, 0 }, two_le[] = { 2, 0, 0, 0 };
static const espdiag_backend_value fvalues_root[] = {
	{ "A", 1, ESPDIAG_REG_DWORD, one_le, 4 },
};
static const espdiag_backend_value fvalues_windows[] = {
	{ "B", 1, ESPDIAG_REG_DWORD, one_le, 4 },
	{ "C", 1, ESPDIAG_REG_DWORD, two_le, 4 },
};

typedef struct fail_backend {
	table_backend t;      /* first: the table's callbacks serve it */
	const char *callback; /* the callback that fails; NULL: none */
	int node;             /* the node it fails at; -1: any */
	int after;            /* calls (at that node) that succeed first */
	int calls;
	int status;           /* what it then returns */
	bool armed;
} fail_backend;

static bool fb_fails(espdiag_backend *b, const char *callback, espdiag_node node)
{
	fail_backend *f = (fail_backend *)b;
	if (!f->armed || f->callback == NULL || strcmp(f->callback, callback) != 0 ||
	    (f->node >= 0 && (espdiag_node)f->node != node))
		return false;
	return f->calls++ >= f->after;
}

static int fb_root(espdiag_backend *b, espdiag_node *out)
{
	if (fb_fails(b, "root", 0))
		return ((fail_backend *)b)->status;
	return tb_root(b, out);
}

static int fb_subkey_count(espdiag_backend *b, espdiag_node key, size_t *out)
{
	if (fb_fails(b, "subkey_count", key))
		return ((fail_backend *)b)->status;
	return tb_subkey_count(b, key, out);
}

static int fb_subkey_at(espdiag_backend *b, espdiag_node key, size_t index, espdiag_node *out)
{
	if (fb_fails(b, "subkey_at", key))
		return ((fail_backend *)b)->status;
	return tb_subkey_at(b, key, index, out);
}

static int fb_subkey_find(espdiag_backend *b, espdiag_node key, const char *name, size_t len,
                          espdiag_node *out)
{
	(void)name;
	(void)len;
	(void)out;
	if (fb_fails(b, "subkey_find", key))
		return ((fail_backend *)b)->status;
	return ESPDIAG_NOTFOUND;
}

static int fb_key_name(espdiag_backend *b, espdiag_node key, const char **out, size_t *len)
{
	if (fb_fails(b, "key_name", key))
		return ((fail_backend *)b)->status;
	return tb_key_name(b, key, out, len);
}

static int fb_last_write(espdiag_backend *b, espdiag_node key, uint64_t *out)
{
	if (fb_fails(b, "key_last_write", key))
		return ((fail_backend *)b)->status;
	if (key != 0 && key != 3)
		return ESPDIAG_NOTFOUND;
	*out = 1000 + key;
	return ESPDIAG_OK;
}

static int fb_value_count(espdiag_backend *b, espdiag_node key, size_t *out)
{
	if (fb_fails(b, "value_count", key))
		return ((fail_backend *)b)->status;
	*out = key == 0 ? 1 : key == 3 ? 2 : 0;
	return ESPDIAG_OK;
}

static int fb_value_at(espdiag_backend *b, espdiag_node key, size_t index,
                       espdiag_backend_value *out)
{
	if (fb_fails(b, "value_at", key))
		return ((fail_backend *)b)->status;
	if (key == 0 && index < 1)
		*out = fvalues_root[index];
	else if (key == 3 && index < 2)
		*out = fvalues_windows[index];
	else
		return ESPDIAG_NOTFOUND;
	return ESPDIAG_OK;
}

static fail_backend *fail_backend_new(const char *callback, int node, int after, int status)
{
	fail_backend *f = calloc(1, sizeof *f);
	ck_assert_ptr_nonnull(f);
	espdiag_backend *b = &f->t.base;
	espdiag_backend_init(b, ESPDIAG_BACKEND_VERSION);
	b->root = fb_root;
	b->subkey_count = fb_subkey_count;
	b->subkey_at = fb_subkey_at;
	b->subkey_find = fb_subkey_find;
	b->key_name = fb_key_name;
	b->key_last_write = fb_last_write;
	b->value_count = fb_value_count;
	b->value_at = fb_value_at;
	b->free = tb_free;
	f->t.nodes = tnodes;
	f->t.nnodes = NTNODES;
	f->callback = callback;
	f->node = node;
	f->after = after;
	f->status = status;
	f->armed = true;
	return f;
}

/* A view with the failing backend at HKLM\Software, armed. */
static espdiag_registry *fail_view(fail_backend **out, const char *callback, int node,
                                   int after, int status)
{
	espdiag_registry *reg;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	*out = fail_backend_new(callback, node, after, status);
	ck_assert_int_eq(espdiag_registry_mount(reg, "HKLM\\Software", &(*out)->t.base), ESPDIAG_OK);
	return reg;
}

/* K, the key of the view whose read fails ("" the backend's root), taken
 * with the backend disarmed; the counter starts again when re-armed. */
static const espdiag_key *key_unarmed(espdiag_registry *reg, fail_backend *f, const char *rel)
{
	char path[128];
	const espdiag_key *k;
	snprintf(path, sizeof path, "HKLM\\Software%s%s", *rel ? "\\" : "", rel);
	f->armed = false;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, path), ESPDIAG_OK);
	f->armed = true;
	f->calls = 0;
	return k;
}

static char *export_text(espdiag_registry *reg, const espdiag_key *key, int *rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	*rc = espdiag_registry_export(reg, key, 0, f);
	fclose(f);
	return text;
}

static const struct fail_case {
	const char *callback;
	int node, after;      /* as in fail_backend */
	int status, want;     /* what the callback returns, what the caller gets */
	const char *at;       /* the key being read, below HKLM\Software */
	const char *returned; /* the message's note on a positive status */
	const char *value;    /* a value of that key (value cases) */
	size_t count;         /* its subkeys (or values) once the backend recovers */
} subkey_cases[] = {
	/* at the root, at a child, on the Nth call (at a node, or anywhere) */
	{ "subkey_count", 0, 0, ESPDIAG_EIO, ESPDIAG_EIO, "", "", NULL, 2 },
	{ "subkey_count", 1, 0, ESPDIAG_EBACKEND, ESPDIAG_EBACKEND, "Microsoft", "", NULL, 1 },
	{ "subkey_count", -1, 2, ESPDIAG_ENOMEM, ESPDIAG_ENOMEM, "Microsoft\\Windows", "", NULL, 0 },
	{ "subkey_at", 0, 1, ESPDIAG_EIO, ESPDIAG_EIO, "", "", NULL, 2 },
	{ "subkey_at", 1, 0, ESPDIAG_NOTFOUND, ESPDIAG_EBACKEND, "Microsoft", " (it returned 1)", NULL, 1 },
	{ "subkey_at", -1, 2, ESPDIAG_ELIMIT, ESPDIAG_ELIMIT, "Microsoft", "", NULL, 1 },
	{ "key_name", 2, 0, ESPDIAG_ELIMIT, ESPDIAG_ELIMIT, "", "", NULL, 2 },
	{ "key_name", 3, 0, ESPDIAG_EBACKEND, ESPDIAG_EBACKEND, "Microsoft", "", NULL, 1 },
	{ "key_name", -1, 1, ESPDIAG_EIO, ESPDIAG_EIO, "", "", NULL, 2 },
}, value_cases[] = {
	{ "value_count", 0, 0, ESPDIAG_EIO, ESPDIAG_EIO, "", "", "A", 1 },
	{ "value_count", 3, 0, ESPDIAG_EBACKEND, ESPDIAG_EBACKEND, "Microsoft\\Windows", "", "C", 2 },
	{ "value_at", 0, 0, ESPDIAG_NOTFOUND, ESPDIAG_EBACKEND, "", " (it returned 1)", "A", 1 },
	{ "value_at", 3, 1, ESPDIAG_ENOMEM, ESPDIAG_ENOMEM, "Microsoft\\Windows", "", "B", 2 },
}, last_write_cases[] = {
	{ "key_last_write", 3, 0, ESPDIAG_EIO, ESPDIAG_EIO, "Microsoft\\Windows", "", NULL, 1003 },
	{ "key_last_write", 0, 1, 5, ESPDIAG_EBACKEND, "", " (it returned 5)", NULL, 1000 },
};

static void fail_message(char *buf, size_t size, const struct fail_case *c)
{
	snprintf(buf, size,
	         "backend mounted at \"HKEY_LOCAL_MACHINE\\Software\": %s() failed at "
	         "\"HKEY_LOCAL_MACHINE\\Software%s%s\": %s%s",
	         c->callback, *c->at ? "\\" : "", c->at, espdiag_strerror(c->want), c->returned);
}

/* Each API that reads the failing key returns the exact status and
 * message, on a view of its own (the sticky status is the first failure);
 * once the backend recovers, the same call succeeds (nothing was cached). */
START_TEST(subkey_failures_reach_every_caller)
{
	const struct fail_case *c = &subkey_cases[_i];
	char want_msg[512], below[128], full[160];
	fail_message(want_msg, sizeof want_msg, c);
	snprintf(below, sizeof below, "%s%sNope", c->at, *c->at ? "\\" : "");
	snprintf(full, sizeof full, "HKLM\\Software\\%s", below);
	fail_backend *f;
	const espdiag_key *k, *sw;
	size_t n = 99;

	/* espdiag_registry_key: a path through the key */
	espdiag_registry *reg = fail_view(&f, c->callback, c->node, c->after, c->status);
	k = (const espdiag_key *)1;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, full), c->want);
	ck_assert_ptr_null(k);
	ck_assert_str_eq(espdiag_registry_errmsg(reg), want_msg);
	ck_assert_int_eq(espdiag_registry_status(reg), c->want);
	/* Not cached: it fails again, then succeeds once the backend recovers. */
	ck_assert_int_eq(espdiag_registry_key(&k, reg, full), c->want);
	f->armed = false;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, full), ESPDIAG_NOTFOUND);
	k = key_unarmed(reg, f, c->at);
	f->armed = false;
	ck_assert_int_eq(espdiag_key_get_subkey_count(&n, k), ESPDIAG_OK);
	ck_assert_uint_eq(n, c->count);
	ck_assert_int_eq(espdiag_registry_status(reg), c->want); /* sticky */
	espdiag_registry_free(reg);

	/* espdiag_key_subkey, from the mount point */
	reg = fail_view(&f, c->callback, c->node, c->after, c->status);
	sw = key_unarmed(reg, f, "");
	ck_assert_int_eq(espdiag_key_subkey(&k, sw, below), c->want);
	ck_assert_ptr_null(k);
	ck_assert_str_eq(espdiag_registry_errmsg(reg), want_msg);
	espdiag_registry_free(reg);

	/* espdiag_registry_export of everything */
	reg = fail_view(&f, c->callback, c->node, c->after, c->status);
	int rc;
	free(export_text(reg, NULL, &rc));
	ck_assert_int_eq(rc, c->want);
	ck_assert_str_eq(espdiag_registry_errmsg(reg), want_msg);
	f->armed = false;
	free(export_text(reg, NULL, &rc));
	ck_assert_int_eq(rc, ESPDIAG_OK);
	espdiag_registry_free(reg);

	/* espdiag_esp_load: the model never takes the key for absent */
	reg = fail_view(&f, c->callback, c->node, c->after, c->status);
	espdiag_esp *esp = (espdiag_esp *)1;
	ck_assert_int_eq(espdiag_esp_load(&esp, reg), c->want);
	ck_assert_ptr_null(esp);
	ck_assert_str_eq(espdiag_registry_errmsg(reg), want_msg);
	espdiag_registry_free(reg);

	/* The key's own accessors (for the failures tied to one node). */
	if (c->node < 0)
		return;
	reg = fail_view(&f, c->callback, c->node, c->after, c->status);
	k = key_unarmed(reg, f, c->at);
	const espdiag_key *sub = (const espdiag_key *)1;
	ck_assert_int_eq(espdiag_key_subkey_at(&sub, k, 0), c->want);
	ck_assert_ptr_null(sub);
	ck_assert_str_eq(espdiag_registry_errmsg(reg), want_msg);
	ck_assert_uint_eq(espdiag_key_subkey_count(k), 0);
	ck_assert_int_eq(espdiag_registry_status(reg), c->want);
	ck_assert_int_eq(espdiag_key_get_subkey_count(&n, k), c->want);
	ck_assert_uint_eq(n, 0);
	f->armed = false;
	ck_assert_uint_eq(espdiag_key_subkey_count(k), c->count);
	espdiag_registry_free(reg);
}
END_TEST

START_TEST(value_failures_reach_every_caller)
{
	const struct fail_case *c = &value_cases[_i];
	char want_msg[512];
	fail_message(want_msg, sizeof want_msg, c);
	fail_backend *f;
	const espdiag_value *v;
	size_t n = 99;
	int rc;

	espdiag_registry *reg = fail_view(&f, c->callback, c->node, c->after, c->status);
	const espdiag_key *k = key_unarmed(reg, f, c->at);
	v = (const espdiag_value *)1;
	ck_assert_int_eq(espdiag_key_value(&v, k, c->value), c->want);
	ck_assert_ptr_null(v);
	ck_assert_str_eq(espdiag_registry_errmsg(reg), want_msg);
	ck_assert_int_eq(espdiag_registry_status(reg), c->want);
	ck_assert_int_eq(espdiag_key_value_at(&v, k, 0), c->want);
	ck_assert_uint_eq(espdiag_key_value_count(k), 0);
	ck_assert_int_eq(espdiag_key_get_value_count(&n, k), c->want);
	ck_assert_uint_eq(n, 0);
	/* The model is not built over a view that failed to read a key. */
	espdiag_esp *esp;
	ck_assert_int_eq(espdiag_esp_load(&esp, reg), c->want);
	ck_assert_str_eq(espdiag_registry_errmsg(reg), want_msg);
	f->armed = false;
	ck_assert_int_eq(espdiag_key_get_value_count(&n, k), ESPDIAG_OK);
	ck_assert_uint_eq(n, c->count);
	ck_assert_int_eq(espdiag_key_value(&v, k, c->value), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_value_name(v), c->value);
	espdiag_registry_free(reg);

	reg = fail_view(&f, c->callback, c->node, c->after, c->status);
	free(export_text(reg, NULL, &rc));
	ck_assert_int_eq(rc, c->want);
	ck_assert_str_eq(espdiag_registry_errmsg(reg), want_msg);
	espdiag_registry_free(reg);
}
END_TEST

START_TEST(last_write_failures_reach_the_caller)
{
	const struct fail_case *c = &last_write_cases[_i];
	char want_msg[512];
	fail_message(want_msg, sizeof want_msg, c);
	fail_backend *f;
	uint64_t t = 0;
	espdiag_registry *reg = fail_view(&f, c->callback, c->node, c->after, c->status);
	const espdiag_key *k = key_unarmed(reg, f, c->at);
	for (int i = 0; i < c->after; i++) {
		ck_assert_int_eq(espdiag_key_last_write(k, &t), ESPDIAG_OK);
		ck_assert_uint_eq(t, c->count);
	}
	ck_assert_int_eq(espdiag_key_last_write(k, &t), c->want);
	ck_assert_str_eq(espdiag_registry_errmsg(reg), want_msg);
	ck_assert_int_eq(espdiag_registry_status(reg), c->want);
	f->armed = false;
	ck_assert_int_eq(espdiag_key_last_write(k, &t), ESPDIAG_OK);
	ck_assert_uint_eq(t, c->count);
	espdiag_registry_free(reg);
}
END_TEST

/* A key path longer than the message's room is cut at its start. */
static const tnode long_nodes[] = {
	{ "ROOT", -1 },
	{ "L1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0 },
	{ "L2xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 1 },
	{ "L3xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 2 },
	{ "L4xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 3 },
};

START_TEST(failure_message_cuts_a_long_path)
{
	fail_backend *f;
	espdiag_registry *reg = fail_view(&f, "subkey_count", 4, 0, ESPDIAG_EIO);
	f->t.nodes = long_nodes;
	f->t.nnodes = sizeof long_nodes / sizeof long_nodes[0];
	char path[512], want[1024];
	snprintf(path, sizeof path, "HKEY_LOCAL_MACHINE\\Software\\%s\\%s\\%s\\%s", long_nodes[1].name,
	         long_nodes[2].name, long_nodes[3].name, long_nodes[4].name);
	const espdiag_key *k;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, path), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_key_subkey(&k, k, "x"), ESPDIAG_EIO);
	/* The message keeps the path's last 252 bytes after "...". */
	snprintf(want, sizeof want, "backend mounted at \"HKEY_LOCAL_MACHINE\\Software\": "
	         "subkey_count() failed at \"...%s\": input could not be read",
	         path + strlen(path) - 252);
	ck_assert_str_eq(espdiag_registry_errmsg(reg), want);
	espdiag_registry_free(reg);
}
END_TEST

/* A backend whose root callback fails is not mounted: the view is as it
 * was, and the backend stays the caller's. */
START_TEST(root_failure_fails_the_mount)
{
	static const struct {
		int status, want;
		const char *msg;
	} cases[] = {
		{ ESPDIAG_EIO, ESPDIAG_EIO,
		  "backend mounted at \"HKEY_LOCAL_MACHINE\\Software\": root() failed: "
		  "input could not be read" },
		{ ESPDIAG_NOTFOUND, ESPDIAG_EBACKEND,
		  "backend mounted at \"HKEY_LOCAL_MACHINE\\Software\": root() failed: "
		  "backend error (it returned 1)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		espdiag_registry *reg;
		const espdiag_key *k;
		ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
		fail_backend *f = fail_backend_new("root", -1, 0, cases[i].status);
		ck_assert_int_eq(espdiag_registry_mount(reg, "hklm\\Software", &f->t.base), cases[i].want);
		ck_assert_str_eq(espdiag_registry_errmsg(reg), cases[i].msg);
		ck_assert_uint_eq(espdiag_registry_source_count(reg), 0);
		ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM"), ESPDIAG_NOTFOUND);
		ck_assert_uint_eq(espdiag_key_subkey_count(espdiag_registry_root(reg)), 0);
		ck_assert_int_eq(espdiag_registry_status(reg), ESPDIAG_OK);
		f->t.base.free(&f->t.base);
		espdiag_registry_free(reg);
	}
}
END_TEST

/* The view never calls subkey_find: a backend whose subkey_find fails, or
 * finds nothing, serves every key. */
START_TEST(subkey_find_is_not_needed)
{
	static const int statuses[] = { ESPDIAG_NOTFOUND, ESPDIAG_EIO };
	for (size_t i = 0; i < 2; i++) {
		fail_backend *f;
		const espdiag_key *k;
		espdiag_registry *reg = fail_view(&f, "subkey_find", -1, 0, statuses[i]);
		ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\Software\\Microsoft\\Windows"),
		                 ESPDIAG_OK);
		ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\Software\\Policies"), ESPDIAG_OK);
		ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\Software\\Nope"), ESPDIAG_NOTFOUND);
		ck_assert_int_eq(f->calls, 0);
		ck_assert_int_eq(espdiag_registry_status(reg), ESPDIAG_OK);
		espdiag_registry_free(reg);
	}
}
END_TEST

/* --- a second mount (issue 19) --- */

static espdiag_backend *tree_of_paths(const char *const *paths, size_t n)
{
	esp_memtree *t;
	ck_assert_int_eq(esp_memtree_new(&t), ESPDIAG_OK);
	for (size_t i = 0; i < n; i++) {
		esp_mnode node = esp_memtree_root(t);
		const char *p = paths[i], *eq = strchr(p, '=');
		while (*p && p != eq) {
			size_t len = strcspn(p, "\\=");
			ck_assert_int_eq(esp_memtree_child(t, node, p, len, true, &node), ESPDIAG_OK);
			p += len;
			if (*p == '\\')
				p++;
		}
		if (eq != NULL) {
			uint32_t d = (uint32_t)strlen(eq + 1);
			ck_assert_int_eq(esp_memtree_set_value(t, node, eq + 1, strlen(eq + 1),
			                                       ESPDIAG_REG_DWORD, &d, 4), ESPDIAG_OK);
		}
	}
	return esp_memtree_backend(t);
}

/* Keys handed out before a mount show the union afterwards, exactly as a
 * view built with both mounts does; a lookup gives the same objects. */
START_TEST(mount_updates_earlier_keys)
{
	static const char *const first[] = {
		"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows=Old",
		"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Run",
		"HKEY_LOCAL_MACHINE\\SYSTEM\\Setup=Mode",
		"HKEY_CURRENT_USER\\Console",
	};
	static const char *const second[] = {
		"Microsoft\\Windows=New", "Microsoft\\windows=OLD", "Microsoft\\Windows\\Update",
		"Microsoft\\Edge=On", "Classes",
	};
	espdiag_registry *reg, *fresh;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_mount(reg, NULL, tree_of_paths(first, 4)), ESPDIAG_OK);
	const espdiag_key *root = espdiag_registry_root(reg), *hklm, *sw, *ms, *win, *run, *k;
	const espdiag_value *v;
	ck_assert_int_eq(espdiag_registry_key(&hklm, reg, "HKLM"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_key(&sw, reg, "HKLM\\SOFTWARE"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_key(&ms, reg, "HKLM\\SOFTWARE\\Microsoft"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_key_subkey(&win, ms, "Windows"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_key_subkey(&run, win, "Run"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_subkey_count(root), 2);
	ck_assert_uint_eq(espdiag_key_subkey_count(sw), 1);
	ck_assert_uint_eq(espdiag_key_subkey_count(ms), 1);
	ck_assert_uint_eq(espdiag_key_subkey_count(win), 1);
	ck_assert_uint_eq(espdiag_key_value_count(win), 1);
	const espdiag_value *old_value;
	ck_assert_int_eq(espdiag_key_value(&old_value, win, "Old"), ESPDIAG_OK);

	/* The second source, at a prefix spelled otherwise. */
	ck_assert_int_eq(espdiag_registry_mount(reg, "hklm\\Software", tree_of_paths(second, 5)),
	                 ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_subkey_count(root), 2);
	ck_assert_uint_eq(espdiag_key_subkey_count(hklm), 2);
	ck_assert_uint_eq(espdiag_key_subkey_count(sw), 2);
	ck_assert_int_eq(espdiag_key_subkey_at(&k, sw, 1), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_key_name(k), "Classes");
	ck_assert_uint_eq(espdiag_key_subkey_count(ms), 2);
	ck_assert_int_eq(espdiag_key_subkey_at(&k, ms, 0), ESPDIAG_OK);
	ck_assert_ptr_eq(k, win);
	ck_assert_int_eq(espdiag_key_subkey_at(&k, ms, 1), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_key_path(k), "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Edge");
	/* Windows: the first source's value first, then the new one; "OLD"
	 * is the first source's "Old". */
	ck_assert_uint_eq(espdiag_key_value_count(win), 2);
	ck_assert_int_eq(espdiag_key_value_at(&v, win, 1), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_value_name(v), "New");
	ck_assert_int_eq(espdiag_key_value(&v, win, "old"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_value_data(v)[0], 3);
	ck_assert_str_eq(espdiag_value_name(old_value), "Old"); /* still valid */
	ck_assert_uint_eq(espdiag_key_subkey_count(win), 2);
	ck_assert_uint_eq(espdiag_key_subkey_count(run), 0);
	/* The spelling of the first source, and the same objects by lookup. */
	ck_assert_str_eq(espdiag_key_name(sw), "SOFTWARE");
	ck_assert_str_eq(espdiag_key_path(win), "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows");
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\Software\\MICROSOFT\\windows"), ESPDIAG_OK);
	ck_assert_ptr_eq(k, win);
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\Software\\Microsoft\\Windows\\Run"),
	                 ESPDIAG_OK);
	ck_assert_ptr_eq(k, run);

	/* A third mount, at the root: the earlier keys follow again. */
	static const char *const third[] = { "HKEY_USERS\\S-1-5-18", "HKEY_LOCAL_MACHINE\\SAM" };
	ck_assert_int_eq(espdiag_registry_mount(reg, NULL, tree_of_paths(third, 2)), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_subkey_count(root), 3);
	ck_assert_uint_eq(espdiag_key_subkey_count(hklm), 3);
	ck_assert_int_eq(espdiag_key_subkey_at(&k, hklm, 0), ESPDIAG_OK);
	ck_assert_ptr_eq(k, sw);

	/* Everything equals a view that had all three mounts from the start. */
	ck_assert_int_eq(espdiag_registry_new(&fresh), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_mount(fresh, NULL, tree_of_paths(first, 4)), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_mount(fresh, "HKLM\\Software", tree_of_paths(second, 5)),
	                 ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_mount(fresh, NULL, tree_of_paths(third, 2)), ESPDIAG_OK);
	int rc;
	char *a = export_text(reg, root, &rc), *b = export_text(fresh, NULL, &rc);
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a,
	                 "Windows Registry Editor Version 5.00\r\n\r\n"
	                 "[HKEY_LOCAL_MACHINE]\r\n\r\n"
	                 "[HKEY_LOCAL_MACHINE\\SOFTWARE]\r\n\r\n"
	                 "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft]\r\n\r\n"
	                 "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows]\r\n"
	                 "\"Old\"=dword:00000003\r\n"
	                 "\"New\"=dword:00000003\r\n\r\n"
	                 "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Run]\r\n\r\n"
	                 "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Update]\r\n\r\n"
	                 "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Edge]\r\n"
	                 "\"On\"=dword:00000002\r\n\r\n"
	                 "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes]\r\n\r\n"
	                 "[HKEY_LOCAL_MACHINE\\SYSTEM]\r\n\r\n"
	                 "[HKEY_LOCAL_MACHINE\\SYSTEM\\Setup]\r\n"
	                 "\"Mode\"=dword:00000004\r\n\r\n"
	                 "[HKEY_LOCAL_MACHINE\\SAM]\r\n\r\n"
	                 "[HKEY_CURRENT_USER]\r\n\r\n"
	                 "[HKEY_CURRENT_USER\\Console]\r\n\r\n"
	                 "[HKEY_USERS]\r\n\r\n"
	                 "[HKEY_USERS\\S-1-5-18]\r\n\r\n");
	free(a);
	free(b);
	espdiag_registry_free(fresh);
	espdiag_registry_free(reg);
}
END_TEST

/* Two keys of one name in one source merge when a second source makes
 * their parent a union: the first key object becomes the merged key, the
 * second is left empty. dup_nodes is a backend's tree with such a pair. */
static const tnode dup_nodes[] = {
	{ "ROOT", -1 }, { "P", 0 }, { "Dup", 1 }, { "dup", 1 }, { "A", 2 }, { "B", 3 },
};
#define NDUP (sizeof dup_nodes / sizeof dup_nodes[0])

START_TEST(mount_merges_repeated_names)
{
	espdiag_registry *reg;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	fail_backend *f = fail_backend_new(NULL, -1, 0, 0);
	f->t.nodes = dup_nodes;
	f->t.nnodes = NDUP;
	ck_assert_int_eq(espdiag_registry_mount(reg, "HKLM\\X", &f->t.base), ESPDIAG_OK);
	/* P is no mount point: one layer, whose two keys both show. */
	const espdiag_key *x, *a, *b, *k;
	ck_assert_int_eq(espdiag_registry_key(&x, reg, "HKLM\\X\\P"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_subkey_count(x), 2);
	ck_assert_int_eq(espdiag_key_subkey_at(&a, x, 0), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_key_subkey_at(&b, x, 1), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_subkey_count(a), 1);
	ck_assert_uint_eq(espdiag_key_subkey_count(b), 1);
	static const char *const more[] = { "p\\DUP\\C" };
	ck_assert_int_eq(espdiag_registry_mount(reg, "HKLM\\X", tree_of_paths(more, 1)), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_subkey_count(x), 1);
	ck_assert_int_eq(espdiag_key_subkey_at(&k, x, 0), ESPDIAG_OK);
	ck_assert_ptr_eq(k, a);
	ck_assert_str_eq(espdiag_key_name(a), "Dup");
	ck_assert_uint_eq(espdiag_key_subkey_count(a), 3);
	ck_assert_int_eq(espdiag_key_subkey_at(&k, a, 2), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_key_path(k), "HKEY_LOCAL_MACHINE\\X\\P\\Dup\\C");
	ck_assert_uint_eq(espdiag_key_subkey_count(b), 0);
	ck_assert_uint_eq(espdiag_key_value_count(b), 0);
	ck_assert_int_eq(espdiag_key_subkey(&k, b, "B"), ESPDIAG_NOTFOUND);
	ck_assert_int_eq(espdiag_registry_status(reg), ESPDIAG_OK);
	espdiag_registry_free(reg);
}
END_TEST

/* --- time and memory that follow the data (issue 19) --- */

static size_t scale_n(void)
{
	/* valgrind runs unforked and some 50 times slower: a smaller key
	 * still tells linear from quadratic there. */
	return getenv("ESPDIAG_TEST_UNDER_VALGRIND") ? 20000 : 300000;
}

/* A hive whose root holds n values ("Value0000000", ...: DWORD i) or n
 * subkeys ("Key0000000", ...), as Windows stores them (lh lists of 500
 * under an ri list). */
static unsigned char *wide_hive(size_t n, bool subkeys, size_t *size)
{
	rw_hive w;
	rw_init(&w, 5);
	uint32_t root = rw_key_s(&w, "ROOT");
	uint32_t *cells = malloc(n * sizeof *cells);
	ck_assert_ptr_nonnull(cells);
	char name[32];
	for (size_t i = 0; i < n; i++) {
		uint32_t d = (uint32_t)i;
		snprintf(name, sizeof name, subkeys ? "Key%07zu" : "Value%07zu", i);
		cells[i] = subkeys ? rw_key_s(&w, name) : rw_value_s(&w, name, ESPDIAG_REG_DWORD, &d, 4);
	}
	if (subkeys) {
		size_t nl = (n + 499) / 500;
		uint32_t *lists = malloc(nl * sizeof *lists);
		ck_assert_ptr_nonnull(lists);
		for (size_t j = 0; j < nl; j++)
			lists[j] = rw_list(&w, "lh", cells + j * 500, j + 1 < nl ? 500 : n - j * 500);
		rw_set_subkeys(&w, root, rw_list(&w, "ri", lists, nl), (uint32_t)n);
		free(lists);
	} else {
		rw_set_values(&w, root, cells, n);
	}
	free(cells);
	rw_finish(&w, root);
	*size = w.size;
	return w.buf;
}

/* The hive's root is a union key (the mount point: the view's own key and
 * the hive's root), which is where merging was quadratic; every name is
 * then looked up once, which was quadratic too. */
START_TEST(wide_key_values_are_linear)
{
	size_t n = scale_n(), size, count;
	unsigned char *hive = wide_hive(n, false, &size);
	espdiag_registry *reg;
	const espdiag_key *k;
	const espdiag_value *v;
	uint32_t d;
	char name[32];
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_memory(reg, hive, size, "wide", "HKLM\\SOFTWARE", NULL),
	                 ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\SOFTWARE"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_key_get_value_count(&count, k), ESPDIAG_OK);
	ck_assert_uint_eq(count, n);
	for (size_t i = 0; i < n; i += 1) {
		snprintf(name, sizeof name, "VALUE%07zu", n - 1 - i);
		ck_assert_int_eq(espdiag_key_value(&v, k, name), ESPDIAG_OK);
		ck_assert_int_eq(espdiag_value_get_dword(v, &d), ESPDIAG_OK);
		ck_assert_uint_eq(d, n - 1 - i);
	}
	ck_assert_int_eq(espdiag_key_value(&v, k, "Value"), ESPDIAG_NOTFOUND);
	ck_assert_int_eq(espdiag_key_value_at(&v, k, n - 1), ESPDIAG_OK);
	snprintf(name, sizeof name, "Value%07zu", n - 1);
	ck_assert_str_eq(espdiag_value_name(v), name);
	espdiag_registry_free(reg);
	free(hive);
}
END_TEST

START_TEST(wide_key_subkeys_are_linear)
{
	size_t n = scale_n(), size, count;
	unsigned char *hive = wide_hive(n, true, &size);
	espdiag_registry *reg;
	const espdiag_key *sw, *k;
	char path[64];
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_memory(reg, hive, size, "wide", "HKLM\\SOFTWARE", NULL),
	                 ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_key(&sw, reg, "HKLM\\SOFTWARE"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_key_get_subkey_count(&count, sw), ESPDIAG_OK);
	ck_assert_uint_eq(count, n);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "hklm\\software\\KEY%07zu", n - 1 - i);
		ck_assert_int_eq(espdiag_registry_key(&k, reg, path), ESPDIAG_OK);
		ck_assert_uint_eq(espdiag_key_name_len(k), 10);
		ck_assert_ptr_eq(espdiag_key_parent(k), sw);
	}
	ck_assert_int_eq(espdiag_key_subkey_at(&k, sw, n - 1), ESPDIAG_OK);
	snprintf(path, sizeof path, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Key%07zu", n - 1);
	ck_assert_str_eq(espdiag_key_path(k), path);
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\SOFTWARE\\Key"), ESPDIAG_NOTFOUND);
	espdiag_registry_free(reg);
	free(hive);
}
END_TEST

static size_t heap_in_use(void)
{
	struct mallinfo2 m = mallinfo2();
	return m.uordblks + m.hblkhd;
}

/* Paths are built when asked, into one buffer of the view: a walk asking
 * every key of a deep tree of long names for its path holds one path at
 * a time (when each key kept its own, this tree's took 200 MB). */
START_TEST(key_paths_are_built_on_demand)
{
	enum { CHAINS = 8, DEPTH = 500, NAME = 200 };
	esp_memtree *t;
	ck_assert_int_eq(esp_memtree_new(&t), ESPDIAG_OK);
	char name[NAME + 1];
	memset(name, 'x', NAME);
	name[NAME] = '\0';
	for (int c = 0; c < CHAINS; c++) {
		esp_mnode node = esp_memtree_root(t);
		for (int d = 0; d < DEPTH; d++) {
			snprintf(name, sizeof name, "%c%03d", 'A' + c, d);
			name[4] = 'x';
			ck_assert_int_eq(esp_memtree_child(t, node, name, NAME, true, &node), ESPDIAG_OK);
		}
	}
	espdiag_registry *reg;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_mount(reg, "HKCU", esp_memtree_backend(t)), ESPDIAG_OK);
	const espdiag_key *hkcu, *k;
	ck_assert_int_eq(espdiag_registry_key(&hkcu, reg, "HKCU"), ESPDIAG_OK);
	size_t before = heap_in_use(), total = 0, keys = 0;
	ck_assert_str_eq(espdiag_key_path(hkcu), "HKEY_CURRENT_USER");
	for (int c = 0; c < CHAINS; c++) {
		ck_assert_int_eq(espdiag_key_subkey_at(&k, hkcu, (size_t)c), ESPDIAG_OK);
		for (int d = 0; d < DEPTH; d++) {
			const char *p = espdiag_key_path(k);
			ck_assert_ptr_nonnull(p);
			size_t len = strlen(p);
			ck_assert_uint_eq(len, 17 + (size_t)(d + 1) * (NAME + 1));
			ck_assert_int_eq(p[len - NAME], 'A' + c);
			total += len;
			keys++;
			const espdiag_key *next;
			if (d + 1 < DEPTH)
				ck_assert_int_eq(espdiag_key_subkey_at(&next, k, 0), ESPDIAG_OK);
			else
				next = k;
			k = next;
		}
	}
	ck_assert_uint_eq(keys, CHAINS * DEPTH);
	ck_assert_uint_eq(total, (size_t)CHAINS * (17 * DEPTH + (NAME + 1) * DEPTH * (DEPTH + 1) / 2));
	/* One buffer for the view (the paths alone were 200 MB); the key
	 * objects the walk made are what remains. */
	ck_assert_uint_lt(heap_in_use() - before, (size_t)16 << 20);
	/* The buffer is reused; a copy is the caller's. */
	char *copy;
	ck_assert_int_eq(espdiag_key_path_copy(&copy, k), ESPDIAG_OK);
	const char *first = espdiag_key_path(hkcu);
	ck_assert_ptr_eq(espdiag_key_path(espdiag_key_parent(k)), first);
	ck_assert_str_eq(espdiag_key_path(hkcu), "HKEY_CURRENT_USER");
	ck_assert_uint_eq(strlen(copy), 17 + (size_t)DEPTH * (NAME + 1));
	ck_assert_int_eq(strncmp(copy, "HKEY_CURRENT_USER\\H000x", 23), 0);
	ck_assert_int_eq(strncmp(copy + strlen(copy) - NAME, "H499x", 5), 0);
	espdiag_free(copy);
	ck_assert_int_eq(espdiag_key_path_copy(&copy, espdiag_registry_root(reg)), ESPDIAG_OK);
	ck_assert_str_eq(copy, "");
	espdiag_free(copy);
	ck_assert_int_eq(espdiag_key_path_copy(NULL, k), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_key_path_copy(&copy, NULL), ESPDIAG_EINVAL);
	ck_assert_ptr_null(copy);
	espdiag_registry_free(reg);
}
END_TEST

/* A key that one .reg source alone serves is the source's own record, and
 * so are its values: names and data are the tree's bytes, not copies the
 * view made. Handles from lookups, enumeration and parents agree, and a
 * later mount that merges the key keeps every handle taken before. */
START_TEST(single_source_keys_are_the_records)
{
	static const char *const paths[] = {
		"HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\App=Hi", "HKEY_LOCAL_MACHINE\\SOFTWARE\\Other",
	};
	espdiag_backend *b = tree_of_paths(paths, 2);
	espdiag_node n, app;
	const char *bname;
	size_t blen;
	espdiag_backend_value bv;
	ck_assert_int_eq(b->root(b, &n), ESPDIAG_OK);
	ck_assert_int_eq(b->subkey_find(b, n, "HKEY_LOCAL_MACHINE", 18, &n), ESPDIAG_OK);
	ck_assert_int_eq(b->subkey_find(b, n, "SOFTWARE", 8, &n), ESPDIAG_OK);
	ck_assert_int_eq(b->subkey_find(b, n, "Vendor", 6, &n), ESPDIAG_OK);
	ck_assert_int_eq(b->subkey_find(b, n, "App", 3, &app), ESPDIAG_OK);
	ck_assert_int_eq(b->key_name(b, app, &bname, &blen), ESPDIAG_OK);
	ck_assert_int_eq(b->value_at(b, app, 0, &bv), ESPDIAG_OK);

	espdiag_registry *reg;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_mount(reg, NULL, b), ESPDIAG_OK);
	const espdiag_key *k, *sw, *vendor, *c;
	const espdiag_value *v, *w;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\Software\\vendor\\APP"), ESPDIAG_OK);
	ck_assert_ptr_eq(espdiag_key_name(k), bname);
	ck_assert_uint_eq(espdiag_key_name_len(k), 3);
	ck_assert_int_eq(espdiag_key_value_at(&v, k, 0), ESPDIAG_OK);
	ck_assert_ptr_eq(espdiag_value_name(v), bv.name);
	ck_assert_ptr_eq(espdiag_value_data(v), bv.data);
	ck_assert_uint_eq(espdiag_value_size(v), 4);
	ck_assert_uint_eq(espdiag_value_type(v), ESPDIAG_REG_DWORD);
	ck_assert_int_eq(espdiag_key_value(&w, k, "hi"), ESPDIAG_OK);
	ck_assert_ptr_eq(w, v);
	ck_assert_int_eq(espdiag_key_value(&w, k, "Ho"), ESPDIAG_NOTFOUND);
	/* The same handles every way. */
	ck_assert_int_eq(espdiag_registry_key(&sw, reg, "HKLM\\SOFTWARE"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_key_subkey_at(&vendor, sw, 0), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_key_subkey_at(&c, vendor, 0), ESPDIAG_OK);
	ck_assert_ptr_eq(c, k);
	ck_assert_ptr_eq(espdiag_key_parent(k), vendor);
	ck_assert_ptr_eq(espdiag_key_parent(vendor), sw);
	ck_assert_int_eq(espdiag_key_subkey(&c, sw, "VENDOR\\app"), ESPDIAG_OK);
	ck_assert_ptr_eq(c, k);
	ck_assert_str_eq(espdiag_key_path(k), "HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\App");
	uint64_t t;
	ck_assert_int_eq(espdiag_key_last_write(k, &t), ESPDIAG_NOTFOUND);
	ck_assert_uint_eq(espdiag_key_subkey_count(k), 0);

	/* A mount below Vendor merges Vendor and App with the new source. */
	static const char *const more[] = { "App=Ho", "App\\Sub" };
	ck_assert_int_eq(espdiag_registry_mount(reg, "HKLM\\SOFTWARE\\Vendor", tree_of_paths(more, 2)),
	                 ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_key_value_count(k), 2);
	ck_assert_int_eq(espdiag_key_value_at(&w, k, 1), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_value_name(w), "Ho");
	ck_assert_str_eq(espdiag_value_name(v), "Hi"); /* still valid */
	ck_assert_uint_eq(espdiag_key_subkey_count(k), 1);
	ck_assert_int_eq(espdiag_key_subkey_at(&c, k, 0), ESPDIAG_OK);
	ck_assert_ptr_eq(espdiag_key_parent(c), k);
	ck_assert_str_eq(espdiag_key_path(c), "HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\App\\Sub");
	ck_assert_int_eq(espdiag_key_subkey_at(&c, vendor, 0), ESPDIAG_OK);
	ck_assert_ptr_eq(c, k);
	ck_assert_int_eq(espdiag_registry_key(&c, reg, "HKLM\\SOFTWARE\\Vendor\\App"), ESPDIAG_OK);
	ck_assert_ptr_eq(c, k);
	ck_assert_ptr_eq(espdiag_key_parent(k), vendor);
	ck_assert_str_eq(espdiag_key_name(vendor), "Vendor");
	ck_assert_int_eq(espdiag_registry_status(reg), ESPDIAG_OK);
	espdiag_registry_free(reg);
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
	tcase_add_loop_test(tc, subkey_failures_reach_every_caller, 0,
	                    sizeof subkey_cases / sizeof subkey_cases[0]);
	tcase_add_loop_test(tc, value_failures_reach_every_caller, 0,
	                    sizeof value_cases / sizeof value_cases[0]);
	tcase_add_loop_test(tc, last_write_failures_reach_the_caller, 0,
	                    sizeof last_write_cases / sizeof last_write_cases[0]);
	tcase_add_test(tc, failure_message_cuts_a_long_path);
	tcase_add_test(tc, root_failure_fails_the_mount);
	tcase_add_test(tc, subkey_find_is_not_needed);
	tcase_add_test(tc, mount_updates_earlier_keys);
	tcase_add_test(tc, mount_merges_repeated_names);
	tcase_add_test(tc, key_paths_are_built_on_demand);
	tcase_add_test(tc, single_source_keys_are_the_records);
	suite_add_tcase(s, tc);
	/* Quadratic work on these keys takes minutes; linear, about two seconds
	 * of CPU (the timeout is wall time on a shared machine). */
	TCase *scale = tcase_create("registry-scale");
	tcase_set_timeout(scale, 120);
	tcase_add_test(scale, wide_key_values_are_linear);
	tcase_add_test(scale, wide_key_subkeys_are_linear);
	suite_add_tcase(s, scale);
	return s;
}

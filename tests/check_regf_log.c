/*
 * tests/check_regf_log.c - transaction log replay (lib/regf_log.c): logs
 * built by the test-only writer (new-format entries split over two logs,
 * a hive that grows, the old dirty vector, damage with its exact warning,
 * a damaged hive base block), finding logs beside a file and naming them
 * in the open options, and the shared corpus's three dirty hives against
 * a replay written here from the specification, sharing no code with lib/
 * (and, with libhivex, read by hivex). Corpus tests skip without it.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_HIVEX
#include <hivex.h>
#endif

#include "internal.h"
#include "readers.h"
#include "regf_log.h"
#include "regf_writer.h"
#include "suites.h"
#include "testutil.h"

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void fix_checksum(unsigned char *base)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < 508; i += 4)
		sum ^= get32(base + i);
	rw_put32(base + 508, sum == 0 ? 1 : sum == 0xFFFFFFFFu ? 0xFFFFFFFEu : sum);
}

/* ------------------------------------------------------------------ */
/* what a backend reads: keys in order, values with their bytes */

typedef struct digest {
	size_t keys, values;
	uint64_t h;
} digest;

static void mix(digest *d, const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t len = n;
	for (size_t i = 0; i < sizeof len; i++)
		d->h = (d->h ^ ((len >> (8 * i)) & 0xFF)) * 0x100000001B3ull;
	for (size_t i = 0; i < n; i++)
		d->h = (d->h ^ s[i]) * 0x100000001B3ull;
}

static void walk(espdiag_backend *b, espdiag_node n, unsigned depth, digest *d)
{
	size_t c = 0, v = 0;
	const char *s;
	size_t len;
	ck_assert_int_eq(b->key_name(b, n, &s, &len), ESPDIAG_OK);
	d->keys++;
	mix(d, &depth, sizeof depth);
	if (depth > 0) /* the root's name is not compared (hivex cuts it differently) */
		mix(d, s, len);
	ck_assert_int_eq(b->value_count(b, n, &v), ESPDIAG_OK);
	for (size_t i = 0; i < v; i++) {
		espdiag_backend_value x;
		ck_assert_int_eq(b->value_at(b, n, i, &x), ESPDIAG_OK);
		d->values++;
		mix(d, x.name, x.name_len);
		mix(d, &x.type, sizeof x.type);
		mix(d, x.data, x.size);
	}
	ck_assert_int_eq(b->subkey_count(b, n, &c), ESPDIAG_OK);
	for (size_t i = 0; i < c; i++) {
		espdiag_node k;
		ck_assert_int_eq(b->subkey_at(b, n, i, &k), ESPDIAG_OK);
		walk(b, k, depth + 1, d);
	}
}

static digest digest_of(espdiag_backend *b)
{
	digest d = { 0, 0, 0xCBF29CE484222325ull };
	espdiag_node r;
	ck_assert_int_eq(b->root(b, &r), ESPDIAG_OK);
	walk(b, r, 0, &d);
	return d;
}

#ifdef HAVE_HIVEX
static void walk_hivex(hive_h *h, hive_node_h n, unsigned depth, digest *d)
{
	d->keys++;
	mix(d, &depth, sizeof depth);
	if (depth > 0) {
		char *name = hivex_node_name(h, n);
		ck_assert_ptr_nonnull(name);
		mix(d, name, hivex_node_name_len(h, n));
		free(name);
	}
	hive_value_h *vals = hivex_node_values(h, n);
	ck_assert_ptr_nonnull(vals);
	for (size_t i = 0; vals[i] != 0; i++) {
		char *name = hivex_value_key(h, vals[i]);
		hive_type type;
		size_t size;
		char *data = hivex_value_value(h, vals[i], &type, &size);
		ck_assert(name != NULL && data != NULL);
		uint32_t t = (uint32_t)type;
		d->values++;
		mix(d, name, hivex_value_key_len(h, vals[i]));
		mix(d, &t, sizeof t);
		mix(d, data, size);
		free(name);
		free(data);
	}
	free(vals);
	hive_node_h *kids = hivex_node_children(h, n);
	ck_assert_ptr_nonnull(kids);
	for (size_t i = 0; kids[i] != 0; i++)
		walk_hivex(h, kids[i], depth + 1, d);
	free(kids);
}
#endif

/* ------------------------------------------------------------------ */
/* hives and logs built by the writer */

/*
 * t: the hive after two writes: ROOT > {Alpha (value v = "after!!!"), beta,
 * Gamma}, Gamma and the list naming it in a second bin. m: after the first
 * write only (v = "before!!"). o: the file as the first write found it,
 * one bin, ROOT > {Alpha, beta}, v = "before!!", and dirty: sequence
 * numbers 10 and 9. The first write (sequence 10) changed page 0 and
 * added the bin at 4096; the second (11) changed page 0.
 */
typedef struct states {
	rw_hive t;
	unsigned char *m, *o;
	size_t o_size;
	uint32_t vdata; /* the cell of v's data */
} states;

static void states_build(states *s)
{
	rw_init(&s->t, 5);
	uint32_t root = rw_key_s(&s->t, "ROOT");
	uint32_t kids[3] = { rw_key_s(&s->t, "Alpha"), rw_key_s(&s->t, "beta"), 0 };
	uint32_t two = rw_list(&s->t, "lh", kids, 2);
	uint32_t v = rw_value_s(&s->t, "v", 3, "after!!!", 8);
	rw_set_values(&s->t, kids[0], &v, 1);
	s->vdata = get32(rw_at(&s->t, v) + 8);
	rw_alloc(&s->t, 3900); /* the rest goes to a second bin */
	kids[2] = rw_key_s(&s->t, "Gamma");
	uint32_t three = rw_list(&s->t, "lh", kids, 3);
	ck_assert_uint_ge(three, 4096);
	rw_set_subkeys(&s->t, root, three, 3);
	rw_finish(&s->t, root);
	ck_assert_uint_eq(s->t.size, 4096 + 8192);
	s->m = malloc(s->t.size);
	memcpy(s->m, s->t.buf, s->t.size);
	memcpy(s->m + 4096 + s->vdata + 4, "before!!", 8);
	s->o_size = 8192;
	s->o = malloc(s->o_size);
	memcpy(s->o, s->m, s->o_size);
	unsigned char *r = s->o + 4096 + root + 4;
	rw_put32(r + 20, 2);
	rw_put32(r + 28, two);
	rw_put32(s->o + 4, 10);
	rw_put32(s->o + 8, 9);
	rw_put32(s->o + 40, 4096);
	fix_checksum(s->o);
}

static void states_free(states *s)
{
	rw_free(&s->t);
	free(s->m);
	free(s->o);
}

/* The two writes as new-format entries. */
static void entry_first(rw_log *l, states *s)
{
	static const uint32_t pages[2] = { 0, 4096 };
	rw_log_entry(l, 10, 8192, s->m, pages, 2);
}

static void entry_second(rw_log *l, states *s)
{
	static const uint32_t page = 0;
	rw_log_entry(l, 11, 8192, s->t.buf, &page, 1);
}

/* Opens hive with the given logs (names as given). */
static espdiag_backend *open_with(const unsigned char *hive, size_t size, const rw_log *logs,
                                  const char *const *names, size_t n)
{
	esp_input in, lin[4];
	esp_err err;
	espdiag_backend *b = NULL;
	esp_input_wrap(&in, hive, size, "test.hive");
	for (size_t i = 0; i < n; i++)
		esp_input_wrap(&lin[i], logs[i].buf, logs[i].size, names[i]);
	int rc = esp_regf_open_logs(&b, &in, NULL, lin, n, NULL, &err);
	ck_assert_msg(rc == ESPDIAG_OK, "%s", err.msg);
	return b;
}

static size_t nsub(espdiag_backend *b, espdiag_node n)
{
	size_t c = 0;
	ck_assert_int_eq(b->subkey_count(b, n, &c), ESPDIAG_OK);
	return c;
}

/* The keys under the root and the data of Alpha's value v. */
static void expect_state(espdiag_backend *b, size_t kids, const char *v)
{
	espdiag_node r, alpha;
	ck_assert_int_eq(b->root(b, &r), ESPDIAG_OK);
	ck_assert_uint_eq(nsub(b, r), kids);
	ck_assert_int_eq(b->subkey_find(b, r, "alpha", 5, &alpha), ESPDIAG_OK);
	espdiag_backend_value x;
	ck_assert_int_eq(b->value_at(b, alpha, 0, &x), ESPDIAG_OK);
	ck_assert_uint_eq(x.size, 8);
	ck_assert_mem_eq(x.data, v, 8);
	espdiag_node g;
	ck_assert_int_eq(b->subkey_find(b, r, "GAMMA", 5, &g),
	                 kids == 3 ? ESPDIAG_OK : ESPDIAG_NOTFOUND);
}

static void expect_warning(espdiag_backend *b, size_t i, uint64_t off, const char *msg)
{
	ck_assert_uint_gt(b->warning_count(b), i);
	ck_assert_str_eq(b->warning_at(b, i)->message, msg);
	ck_assert_uint_eq(b->warning_at(b, i)->offset, off);
}

static const char DIRTY_WARNING[] =
	"base block: sequence numbers 10 and 9 differ: the hive is dirty (its transaction logs "
	"are not applied)";

/* ------------------------------------------------------------------ */
/* Marvin32 */

START_TEST(t_marvin32)
{
	/* Test vectors of a public Marvin32 implementation (the 32-bit fold,
	 * high ^ low), with the log seed and another. */
	static const struct {
		const char *s;
		size_t n;
		uint64_t seed;
		uint32_t fold;
	} v[] = {
		{ "", 0, RW_LOG_SEED, 0xb00892ac },
		{ "h", 1, RW_LOG_SEED, 0xf41a608e },
		{ "he", 2, RW_LOG_SEED, 0x11107c6b },
		{ "hel", 3, RW_LOG_SEED, 0x24056a46 },
		{ "hell", 4, RW_LOG_SEED, 0x7f91e021 },
		{ "hello, world!", 13, RW_LOG_SEED, 0x00c18515 },
		{ "A\0b\0c\0d\0e\0f\0g\0", 14, 0x5D70D359C498B3F8ull, 0xba627c81 },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint64_t h = esp_marvin32((const unsigned char *)v[i].s, v[i].n, v[i].seed);
		ck_assert_uint_eq((uint32_t)(h >> 32) ^ (uint32_t)h, v[i].fold);
		ck_assert_uint_eq(rw_marvin32(v[i].s, v[i].n, v[i].seed), h);
	}
	unsigned char buf[97];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 37 + 11);
	for (size_t n = 0; n <= sizeof buf; n++)
		ck_assert_uint_eq(esp_marvin32(buf, n, RW_LOG_SEED), rw_marvin32(buf, n, RW_LOG_SEED));
}
END_TEST

/* ------------------------------------------------------------------ */
/* new format */

START_TEST(t_new_format)
{
	states s;
	states_build(&s);
	/* without logs: the file as it is, dirty */
	espdiag_backend *b = open_with(s.o, s.o_size, NULL, NULL, 0);
	expect_state(b, 2, "before!!");
	expect_warning(b, 0, 4, DIRTY_WARNING);
	ck_assert_ptr_null(b->property(b, "log_replay"));
	b->free(b);
	/* one log with both writes: the hive grows a bin */
	rw_log l;
	rw_log_init(&l, s.t.buf, 6, 10);
	entry_first(&l, &s);
	entry_second(&l, &s);
	static const char *const one[] = { "dir/test.hive.LOG1" };
	b = open_with(s.o, s.o_size, &l, one, 1);
	expect_state(b, 3, "after!!!");
	ck_assert_uint_eq(b->warning_count(b), 0);
	ck_assert_str_eq(b->property(b, "log_replay"), "LOG1: 2 entries, 3 pages");
	ck_assert_str_eq(b->property(b, "note"),
	                 "the hive was dirty (sequence numbers 10 and 9); its transaction logs were "
	                 "applied in memory, the files are unchanged (LOG1: 2 entries, 3 pages); "
	                 "sequence number now 11");
	b->free(b);
	rw_log_free(&l);
	states_free(&s);
}
END_TEST

START_TEST(t_two_logs)
{
	/* the earlier write is in LOG2: order by sequence number, not name */
	states s;
	states_build(&s);
	rw_log l[2];
	rw_log_init(&l[0], s.t.buf, 6, 11);
	entry_second(&l[0], &s);
	rw_log_init(&l[1], s.t.buf, 6, 10);
	entry_first(&l[1], &s);
	static const char *const names[] = { "test.hive.LOG1", "test.hive.LOG2" };
	espdiag_backend *b = open_with(s.o, s.o_size, l, names, 2);
	expect_state(b, 3, "after!!!");
	ck_assert_uint_eq(b->warning_count(b), 0);
	ck_assert_str_eq(b->property(b, "log_replay"),
	                 "LOG2: 1 entry, 2 pages; LOG1: 1 entry, 1 page");
	b->free(b);
	/* a log of writes the hive has (below its secondary sequence number 9)
	 * is passed over, and said so in the note */
	rw_log_free(&l[0]);
	rw_log_init(&l[0], s.t.buf, 6, 10);
	entry_first(&l[0], &s);
	entry_second(&l[0], &s);
	rw_log_free(&l[1]);
	rw_log_init(&l[1], s.t.buf, 6, 8);
	rw_log_entry(&l[1], 8, 8192, s.t.buf, (const uint32_t[]){ 0 }, 1);
	b = open_with(s.o, s.o_size, l, names, 2);
	expect_state(b, 3, "after!!!");
	ck_assert_str_eq(b->property(b, "log_replay"), "LOG1: 2 entries, 3 pages");
	ck_assert_str_eq(b->property(b, "note"),
	                 "the hive was dirty (sequence numbers 10 and 9); its transaction logs were "
	                 "applied in memory, the files are unchanged (LOG1: 2 entries, 3 pages); "
	                 "sequence number now 11; LOG2 holds only writes the hive has (sequence 8, "
	                 "the hive's 9)");
	ck_assert_uint_eq(b->warning_count(b), 0);
	b->free(b);
	/* that log alone: nothing applies */
	b = open_with(s.o, s.o_size, l + 1, names + 1, 1);
	expect_state(b, 2, "before!!");
	ck_assert_ptr_null(b->property(b, "log_replay"));
	ck_assert_str_eq(b->property(b, "note"),
	                 "the hive is dirty (sequence numbers 10 and 9) and no transaction log "
	                 "applies: LOG2 holds only writes the hive has (sequence 8, the hive's 9)");
	expect_warning(b, 0, 4, DIRTY_WARNING);
	ck_assert_uint_eq(b->warning_count(b), 1);
	b->free(b);
	rw_log_free(&l[0]);
	rw_log_free(&l[1]);
	states_free(&s);
}
END_TEST

START_TEST(t_damaged_entry)
{
	states s;
	states_build(&s);
	rw_log l;
	rw_log_init(&l, s.t.buf, 6, 10);
	entry_first(&l, &s);
	size_t second = l.size;
	entry_second(&l, &s);
	static const char *const one[] = { "test.hive.LOG1" };
	/* a page byte: Hash-1 */
	l.buf[second + 48 + 100] ^= 1;
	espdiag_backend *b = open_with(s.o, s.o_size, &l, one, 1);
	expect_state(b, 3, "before!!");
	char msg[256];
	snprintf(msg, sizeof msg,
	         "test.hive.LOG1: log entry at 0x%zx (sequence 11): Hash-1 (the checksum of its "
	         "pages) does not match; the log is applied up to sequence 10", second);
	expect_warning(b, 0, second, msg);
	ck_assert_uint_eq(b->warning_count(b), 1);
	ck_assert_str_eq(b->property(b, "log_replay"), "LOG1: 1 entry, 2 pages");
	b->free(b);
	l.buf[second + 48 + 100] ^= 1;
	/* the header: Hash-2 */
	l.buf[second + 16] ^= 0x10;
	b = open_with(s.o, s.o_size, &l, one, 1);
	expect_state(b, 3, "before!!");
	snprintf(msg, sizeof msg,
	         "test.hive.LOG1: log entry at 0x%zx (sequence 11): Hash-2 (the checksum of its "
	         "header) does not match; the log is applied up to sequence 10", second);
	expect_warning(b, 0, second, msg);
	b->free(b);
	l.buf[second + 16] ^= 0x10;
	/* the first entry: nothing applies, the hive stays dirty */
	l.buf[512 + 40 + 16 + 5] ^= 0x40;
	b = open_with(s.o, s.o_size, &l, one, 1);
	expect_state(b, 2, "before!!");
	expect_warning(b, 0, 512,
	               "test.hive.LOG1: log entry at 0x200 (sequence 10): Hash-1 (the checksum of "
	               "its pages) does not match; nothing of the log is applied");
	expect_warning(b, 1, 4, DIRTY_WARNING);
	ck_assert_ptr_null(b->property(b, "log_replay"));
	b->free(b);
	rw_log_free(&l);
	states_free(&s);
}
END_TEST

START_TEST(t_entry_bounds)
{
	/* an entry that claims a 2 GiB hive with one page: not applied */
	states s;
	states_build(&s);
	rw_log l;
	rw_log_init(&l, s.t.buf, 6, 10);
	static const uint32_t page = 0;
	rw_log_entry(&l, 10, 0x7FFFF000u, s.m, &page, 1);
	static const char *const one[] = { "test.hive.LOG1" };
	espdiag_backend *b = open_with(s.o, s.o_size, &l, one, 1);
	expect_state(b, 2, "before!!");
	expect_warning(b, 0, 512,
	               "test.hive.LOG1: log entry at 0x200 (sequence 10): grows the hive by more "
	               "than the pages it holds; nothing of the log is applied");
	b->free(b);
	rw_log_free(&l);
	/* a page past the entry's hive bins data */
	rw_log_init(&l, s.t.buf, 6, 10);
	rw_log_entry(&l, 10, 4096, s.m, (const uint32_t[]){ 4096 }, 1);
	b = open_with(s.o, s.o_size, &l, one, 1);
	expect_warning(b, 0, 512,
	               "test.hive.LOG1: log entry at 0x200 (sequence 10): a page lies past its "
	               "hive bins data; nothing of the log is applied");
	b->free(b);
	rw_log_free(&l);
	/* an entry that skips a sequence number */
	rw_log_init(&l, s.t.buf, 6, 10);
	entry_first(&l, &s);
	size_t third = l.size;
	rw_log_entry(&l, 12, 8192, s.t.buf, &page, 1);
	b = open_with(s.o, s.o_size, &l, one, 1);
	expect_state(b, 3, "before!!");
	char msg[200];
	snprintf(msg, sizeof msg,
	         "test.hive.LOG1: log entry at 0x%zx (sequence 12): the sequence number skips "
	         "ahead; the log is applied up to sequence 10", third);
	expect_warning(b, 0, third, msg);
	b->free(b);
	rw_log_free(&l);
	/* an older entry left behind after the last one ends the log quietly */
	rw_log_init(&l, s.t.buf, 6, 10);
	entry_first(&l, &s);
	rw_log_entry(&l, 7, 8192, s.t.buf, &page, 1);
	b = open_with(s.o, s.o_size, &l, one, 1);
	expect_state(b, 3, "before!!");
	ck_assert_uint_eq(b->warning_count(b), 0);
	b->free(b);
	rw_log_free(&l);
	states_free(&s);
}
END_TEST

START_TEST(t_bad_logs)
{
	states s;
	states_build(&s);
	rw_log l[3];
	for (size_t i = 0; i < 3; i++) {
		rw_log_init(&l[i], s.t.buf, 6, 10);
		entry_first(&l[i], &s);
	}
	l[0].buf[0] = 'R';
	l[1].buf[100] ^= 1;
	rw_put32(l[2].buf + 4, 11);
	fix_checksum(l[2].buf);
	static const char *const names[] = { "a.LOG1", "b.LOG2", "c.LOG" };
	espdiag_backend *b = open_with(s.o, s.o_size, l, names, 3);
	expect_state(b, 2, "before!!");
	expect_warning(b, 0, 0, "a.LOG1: not a transaction log (no regf base block); not used");
	char msg[200];
	snprintf(msg, sizeof msg,
	         "b.LOG2: base block checksum 0x%08x does not match the computed 0x%08x; not used",
	         get32(l[1].buf + 508), get32(l[1].buf + 508) ^ 1);
	expect_warning(b, 1, 508, msg);
	expect_warning(b, 2, 4,
	               "c.LOG: base block sequence numbers 11 and 10 differ (the log was not "
	               "written to its end); not used");
	expect_warning(b, 3, 4, DIRTY_WARNING);
	ck_assert_uint_eq(b->warning_count(b), 4);
	b->free(b);
	for (size_t i = 0; i < 3; i++)
		rw_log_free(&l[i]);
	states_free(&s);
}
END_TEST

START_TEST(t_clean_hive)
{
	/* a hive that is not dirty: its logs are passed over */
	states s;
	states_build(&s);
	rw_put32(s.o + 4, 9);
	fix_checksum(s.o);
	rw_log l;
	rw_log_init(&l, s.t.buf, 6, 10);
	entry_first(&l, &s);
	static const char *const one[] = { "test.hive.LOG1" };
	espdiag_backend *b = open_with(s.o, s.o_size, &l, one, 1);
	expect_state(b, 2, "before!!");
	ck_assert_uint_eq(b->warning_count(b), 0);
	ck_assert_ptr_null(b->property(b, "log_replay"));
	ck_assert_ptr_null(b->property(b, "note"));
	b->free(b);
	rw_log_free(&l);
	states_free(&s);
}
END_TEST

START_TEST(t_damaged_base_block)
{
	/* the hive's checksum is wrong: only the log with the latest entries is
	 * used, and its base block replaces the hive's */
	states s;
	states_build(&s);
	s.o[508] ^= 0xFF;
	rw_log l[2];
	rw_log_init(&l[0], s.m, 6, 10);
	entry_first(&l[0], &s);
	rw_log_init(&l[1], s.t.buf, 6, 11);
	entry_second(&l[1], &s);
	static const char *const names[] = { "test.hive.LOG1", "test.hive.LOG2" };
	espdiag_backend *b = open_with(s.o, s.o_size, l, names, 2);
	/* the latest log has the second write only: page 0 of t over o */
	espdiag_node r;
	ck_assert_int_eq(b->root(b, &r), ESPDIAG_OK);
	ck_assert_str_eq(b->property(b, "log_replay"), "LOG2: 1 entry, 1 page");
	ck_assert_uint_eq(b->warning_count(b), 1); /* Gamma's bin was never written */
	ck_assert_ptr_nonnull(strstr(b->warning_at(b, 0)->message, "no hbin at 0x2000"));
	b->free(b);
	rw_log_free(&l[0]);
	rw_log_free(&l[1]);
	states_free(&s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* old format */

START_TEST(t_old_format)
{
	states s;
	states_build(&s);
	rw_log l;
	rw_log_init(&l, s.t.buf, 1, 11);
	rw_log_dirty(&l, 8192, s.t.buf, s.o, s.o_size);
	static const char *const one[] = { "test.hive.LOG1" };
	espdiag_backend *b = open_with(s.o, s.o_size, &l, one, 1);
	expect_state(b, 3, "after!!!");
	ck_assert_uint_eq(b->warning_count(b), 0);
	/* the 512-byte page holding the root and v's data, and the new bin's 8 */
	ck_assert_str_eq(b->property(b, "log_replay"), "LOG1: 9 pages (old format)");
	b->free(b);
	/* a log of another write (timestamp differs): not applied */
	rw_put32(s.o + 12, 12345);
	fix_checksum(s.o);
	b = open_with(s.o, s.o_size, &l, one, 1);
	expect_state(b, 2, "before!!");
	ck_assert_str_eq(b->property(b, "note"),
	                 "the hive is dirty (sequence numbers 10 and 9) and no transaction log "
	                 "applies: LOG1 was written at another time than the hive");
	b->free(b);
	/* dirty pages cut off at the log's end: those before it apply */
	memcpy(s.o + 12, s.t.buf + 12, 8);
	fix_checksum(s.o);
	l.size -= 512 * 8;
	b = open_with(s.o, s.o_size, &l, one, 1);
	char msg[200];
	snprintf(msg, sizeof msg,
	         "test.hive.LOG1: dirty page 2 of 9 lies past its end; the pages before it are "
	         "applied");
	expect_warning(b, 0, l.size, msg);
	ck_assert_str_eq(b->property(b, "log_replay"), "LOG1: 1 page (old format)");
	b->free(b);
	rw_log_free(&l);
	states_free(&s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* finding logs: beside the file, in the options, through the view */

static char tmpdir[64];

static void write_file(const char *name, const void *data, size_t size)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, size, f), size);
	fclose(f);
}

static void remove_file(const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	unlink(path);
}

static size_t view_kids(espdiag_registry *reg)
{
	const espdiag_key *k;
	ck_assert_int_eq(espdiag_registry_key(&k, reg, "HKLM\\Hive.Dat"), ESPDIAG_OK);
	return espdiag_key_subkey_count(k);
}

START_TEST(t_find_logs)
{
	states s;
	states_build(&s);
	strcpy(tmpdir, "/tmp/espdiag-logs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	rw_log l1, l2;
	rw_log_init(&l1, s.t.buf, 6, 10);
	entry_first(&l1, &s);
	rw_log_init(&l2, s.t.buf, 6, 11);
	entry_second(&l2, &s);
	write_file("Hive.Dat", s.o, s.o_size);
	write_file("hive.dat.log1", l1.buf, l1.size);
	write_file("HIVE.DAT.Log2", l2.buf, l2.size);
	write_file("hive.dat.log3", l2.buf, l2.size);
	char path[256];
	snprintf(path, sizeof path, "%s/Hive.Dat", tmpdir);
	espdiag_registry *reg;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(reg, path, NULL, NULL), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_registry_source_property(reg, 0, "log_replay"),
	                 "LOG1: 1 entry, 2 pages; LOG2: 1 entry, 1 page");
	ck_assert_uint_eq(view_kids(reg), 3);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
	espdiag_registry_free(reg);
	/* turned off */
	espdiag_open_options o = ESPDIAG_OPEN_OPTIONS_INIT;
	o.flags = ESPDIAG_OPEN_NO_HIVE_LOGS;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(reg, path, NULL, &o), ESPDIAG_OK);
	ck_assert_ptr_null(espdiag_registry_source_property(reg, 0, "log_replay"));
	ck_assert_uint_eq(view_kids(reg), 2);
	espdiag_registry_free(reg);
	/* named in the options, instead of those beside it (LOG1 only here) */
	char named[256];
	snprintf(named, sizeof named, "%s/hive.dat.log1", tmpdir);
	const char *const list[] = { named, NULL };
	o.flags = 0;
	o.hive_logs = list;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(reg, path, NULL, &o), ESPDIAG_OK);
	ck_assert_str_eq(espdiag_registry_source_property(reg, 0, "log_replay"),
	                 "LOG1: 1 entry, 2 pages");
	espdiag_registry_free(reg);
	/* ... for a hive in memory too, which is otherwise never replayed */
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_memory(reg, s.o, s.o_size, "Hive.Dat", NULL, &o),
	                 ESPDIAG_OK);
	ck_assert_uint_eq(view_kids(reg), 3);
	espdiag_registry_free(reg);
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_memory(reg, s.o, s.o_size, path, NULL, NULL),
	                 ESPDIAG_OK);
	ck_assert_ptr_null(espdiag_registry_source_property(reg, 0, "log_replay"));
	espdiag_registry_free(reg);
	/* a named log that cannot be read is a warning */
	snprintf(named, sizeof named, "%s/absent.LOG1", tmpdir);
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(reg, path, NULL, &o), ESPDIAG_OK);
	char msg[300];
	snprintf(msg, sizeof msg, "transaction log not read: %s: No such file or directory", named);
	ck_assert_str_eq(espdiag_registry_warning_at(reg, 0, NULL)->message, msg);
	espdiag_registry_free(reg);
	/* version 1 options (no log fields): the logs beside it */
	espdiag_open_options v1 = ESPDIAG_OPEN_OPTIONS_INIT;
	v1.version = 1;
	v1.hive_logs = (const char *const[]){ "not read: past a version 1 struct", NULL };
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(reg, path, NULL, &v1), ESPDIAG_OK);
	ck_assert_uint_eq(view_kids(reg), 3);
	espdiag_registry_free(reg);
	remove_file("Hive.Dat");
	remove_file("hive.dat.log1");
	remove_file("HIVE.DAT.Log2");
	remove_file("hive.dat.log3");
	rmdir(tmpdir);
	rw_log_free(&l1);
	rw_log_free(&l2);
	states_free(&s);
}
END_TEST

/* A hive mapped from a file (input.c keeps the descriptor of a mapping) is
 * copied for the replay by reading the file, not the mapping, so a file
 * cut short under a mapping is an error, not SIGBUS. */
START_TEST(t_copy_through_fd)
{
	states s;
	states_build(&s);
	char path[] = "/tmp/espdiag-hive-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, s.o, s.o_size), (ssize_t)s.o_size);
	rw_log l;
	rw_log_init(&l, s.t.buf, 6, 10);
	entry_first(&l, &s);
	entry_second(&l, &s);
	esp_input in, log;
	esp_err err;
	espdiag_backend *b = NULL;
	/* the bytes in memory are the file's (the reader reads them); the
	 * copy must come from the descriptor */
	esp_input_wrap(&in, s.o, s.o_size, "mapped.hive");
	in.fd = fd;
	esp_input_wrap(&log, l.buf, l.size, "mapped.hive.LOG1");
	ck_assert_int_eq(esp_regf_open_logs(&b, &in, NULL, &log, 1, NULL, &err), ESPDIAG_OK);
	expect_state(b, 3, "after!!!");
	b->free(b);
	/* the file shrank under the mapping */
	ck_assert_int_eq(ftruncate(fd, 4096), 0);
	esp_input_wrap(&in, s.o, s.o_size, "mapped.hive");
	in.fd = fd;
	ck_assert_int_eq(esp_regf_open_logs(&b, &in, NULL, &log, 1, NULL, &err), ESPDIAG_EIO);
	ck_assert_str_eq(err.msg, "mapped.hive: could not be read again to replay its logs");
	close(fd);
	unlink(path);
	rw_log_free(&l);
	states_free(&s);
}
END_TEST

/* Random damage to a valid log pair: no crash, no hang, no leak. */
START_TEST(t_random_log_damage)
{
	states s;
	states_build(&s);
	rw_log l;
	rw_log_init(&l, s.t.buf, 6, 10);
	entry_first(&l, &s);
	entry_second(&l, &s);
	unsigned char *copy = malloc(l.size);
	uint64_t seed = 0x2545F4914F6CDD1Dull;
	for (int round = 0; round < 400; round++) {
		memcpy(copy, l.buf, l.size);
		for (int i = 0; i < 1 + round % 4; i++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			/* mostly the headers, where the counts and sizes are */
			size_t at = (seed >> 8) % 4 ? (seed >> 16) % 1200 : (seed >> 16) % l.size;
			copy[at] = (unsigned char)(seed >> 40);
		}
		/* half the time with the checksums made right again */
		if (round % 2) {
			fix_checksum(copy);
			for (size_t off = 512; off + 40 <= l.size;) {
				uint32_t size = get32(copy + off + 4);
				if (memcmp(copy + off, "HvLE", 4) != 0 || size < 40 || size % 512 ||
				    size > l.size - off)
					break;
				uint64_t h1 = rw_marvin32(copy + off + 40, size - 40, RW_LOG_SEED);
				rw_put32(copy + off + 24, (uint32_t)h1);
				rw_put32(copy + off + 28, (uint32_t)(h1 >> 32));
				uint64_t h2 = rw_marvin32(copy + off, 32, RW_LOG_SEED);
				rw_put32(copy + off + 32, (uint32_t)h2);
				rw_put32(copy + off + 36, (uint32_t)(h2 >> 32));
				off += size;
			}
		}
		rw_log d = { copy, l.size, l.size };
		static const char *const one[] = { "x.LOG1" };
		espdiag_backend *b = open_with(s.o, s.o_size, &d, one, 1);
		digest_of(b);
		b->free(b);
	}
	free(copy);
	rw_log_free(&l);
	states_free(&s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* the corpus: an independent replay */

typedef struct ref_entry {
	uint32_t seq;
	const unsigned char *e;
} ref_entry;

static int by_seq(const void *a, const void *b)
{
	uint32_t x = ((const ref_entry *)a)->seq, y = ((const ref_entry *)b)->seq;
	return x < y ? -1 : x > y;
}

/*
 * The new-format replay as Suhanov's specification states it, done another
 * way than the library: every entry of every usable log (valid base block
 * of type 6, sequence number not below the hive's secondary one) is
 * gathered and sorted by sequence number; from the lowest log sequence
 * number on, entries are applied while each is the next number and its
 * hashes are right. Returns the new image (malloc'd) and the entries and
 * pages applied.
 */
static unsigned char *ref_replay(const unsigned char *hive, size_t size, unsigned char **logs,
                                 const size_t *sizes, size_t nlogs, size_t *out_size,
                                 unsigned *entries, unsigned *pages)
{
	ref_entry *all = NULL;
	size_t n = 0, cap = 0;
	uint32_t secondary = get32(hive + 8), start = UINT32_MAX;
	for (size_t i = 0; i < nlogs; i++) {
		const unsigned char *d = logs[i];
		if (sizes[i] < 512 || memcmp(d, "regf", 4) != 0 || get32(d + 28) != 6 ||
		    get32(d + 4) != get32(d + 8) || get32(d + 4) < secondary)
			continue;
		if (get32(d + 4) < start)
			start = get32(d + 4);
		for (size_t off = 512; off + 40 <= sizes[i] && memcmp(d + off, "HvLE", 4) == 0;) {
			uint32_t len = get32(d + off + 4);
			if (len < 40 || off + len > sizes[i] ||
			    rw_marvin32(d + off, 32, RW_LOG_SEED) != get64(d + off + 32))
				break;
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				all = realloc(all, cap * sizeof *all);
				ck_assert_ptr_nonnull(all);
			}
			all[n++] = (ref_entry){ get32(d + off + 12), d + off };
			off += len;
		}
	}
	qsort(all, n, sizeof *all, by_seq);
	size_t cur = size;
	unsigned char *img = malloc(cur);
	memcpy(img, hive, size);
	uint32_t want = start, bins = get32(hive + 40);
	*entries = *pages = 0;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *e = all[i].e;
		if (all[i].seq < want)
			continue;
		if (all[i].seq != want ||
		    rw_marvin32(e + 40, get32(e + 4) - 40, RW_LOG_SEED) != get64(e + 24))
			break;
		bins = get32(e + 16);
		if (4096 + (size_t)bins > cur) {
			img = realloc(img, 4096 + (size_t)bins);
			memset(img + cur, 0, 4096 + (size_t)bins - cur);
			cur = 4096 + (size_t)bins;
		}
		uint32_t count = get32(e + 20);
		const unsigned char *data = e + 40 + 8 * (size_t)count;
		for (uint32_t p = 0; p < count; p++) {
			uint32_t at = get32(e + 40 + 8 * p), len = get32(e + 44 + 8 * p);
			memcpy(img + 4096 + at, data, len);
			data += len;
		}
		(*entries)++;
		*pages += count;
		want++;
	}
	free(all);
	rw_put32(img + 4, want - 1);
	rw_put32(img + 8, want - 1);
	rw_put32(img + 40, bins);
	fix_checksum(img);
	*out_size = cur;
	return img;
}

static const struct corpus_case {
	const char *hive, *log1, *log2;
	const char *replay;      /* what the library reports */
	unsigned entries, pages; /* what the independent replay applies */
	size_t keys;             /* keys after the replay */
} corpus_cases[] = {
	{ "regipy_SYSTEM_B", "regipy_SYSTEM_B.LOG1", "regipy_SYSTEM_B.LOG2",
	  "LOG1: 4 entries, 10 pages; LOG2: 20 entries, 305 pages", 24, 315, 35595 },
	{ "regipy_UsrClass.dat", "regipy_UsrClass.dat.LOG1", "regipy_UsrClass.dat.LOG2",
	  "LOG1: 4 entries, 53 pages; LOG2: 10 entries, 105 pages", 14, 158, 6238 },
	{ "regipy_transactions_NTUSER.DAT", "regipy_transactions_ntuser.dat.log1",
	  "regipy_transactions_ntuser.dat.log2", "LOG1: 23 entries, 132 pages", 23, 132, 3105 },
};

START_TEST(t_corpus_replay)
{
	const struct corpus_case *c = &corpus_cases[_i];
	const char *dir = tu_corpus_path("hives");
	if (dir == NULL)
		return;
	char path[3][4096];
	snprintf(path[0], sizeof path[0], "%s/%s", dir, c->hive);
	snprintf(path[1], sizeof path[1], "%s/%s", dir, c->log1);
	snprintf(path[2], sizeof path[2], "%s/%s", dir, c->log2);
	size_t sizes[3];
	unsigned char *data[3];
	for (int i = 0; i < 3; i++) {
		data[i] = tu_read_file(path[i], &sizes[i]);
		ck_assert_msg(data[i] != NULL, "%s", path[i]);
	}
	/* the library, finding the logs beside the hive */
	esp_input in;
	esp_err err;
	espdiag_backend *b = NULL;
	ck_assert_int_eq(esp_input_open_file(&in, path[0], ESP_DEFAULT_MAX_INPUT, &err),
	                 ESPDIAG_OK);
	ck_assert_msg(esp_regf_open_logs(&b, &in, path[0], NULL, 0, NULL, &err) == ESPDIAG_OK,
	              "%s", err.msg);
	ck_assert_str_eq(b->property(b, "log_replay"), c->replay);
	ck_assert_uint_eq(b->warning_count(b), 0);
	digest mine = digest_of(b);
	b->free(b);
	/* the replay written here */
	unsigned entries, pages;
	size_t rsize;
	unsigned char *ref = ref_replay(data[0], sizes[0], data + 1, sizes + 1, 2, &rsize,
	                                &entries, &pages);
	ck_assert_uint_eq(entries, c->entries);
	ck_assert_uint_eq(pages, c->pages);
	esp_input_wrap(&in, ref, rsize, c->hive);
	ck_assert_int_eq(esp_regf_open(&b, &in, NULL, &err), ESPDIAG_OK);
	ck_assert_uint_eq(b->warning_count(b), 0);
	digest theirs = digest_of(b);
	b->free(b);
	ck_assert_uint_eq(mine.keys, c->keys);
	ck_assert_uint_eq(mine.keys, theirs.keys);
	ck_assert_uint_eq(mine.values, theirs.values);
	ck_assert_uint_eq(mine.h, theirs.h);
#ifdef HAVE_HIVEX
	/* ... read by hivex */
	char tmp[] = "/tmp/espdiag-replayed-XXXXXX";
	int fd = mkstemp(tmp);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, ref, rsize), (ssize_t)rsize);
	close(fd);
	hive_h *h = hivex_open(tmp, 0);
	ck_assert_ptr_nonnull(h);
	digest hx = { 0, 0, 0xCBF29CE484222325ull };
	walk_hivex(h, hivex_root(h), 0, &hx);
	hivex_close(h);
	unlink(tmp);
	ck_assert_uint_eq(mine.keys, hx.keys);
	ck_assert_uint_eq(mine.values, hx.values);
	ck_assert_uint_eq(mine.h, hx.h);
#endif
	free(ref);
	for (int i = 0; i < 3; i++)
		free(data[i]);
}
END_TEST

/* Acceptance through the public view: regipy_SYSTEM_B with its logs beside it. */
START_TEST(t_corpus_view)
{
	const char *dir = tu_corpus_path("hives");
	if (dir == NULL)
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s/regipy_SYSTEM_B", dir);
	espdiag_registry *reg;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(reg, path, NULL, NULL), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_registry_warning_count(reg), 0);
	const char *replay = espdiag_registry_source_property(reg, 0, "log_replay");
	ck_assert_ptr_nonnull(replay);
	ck_assert_str_eq(replay, "LOG1: 4 entries, 10 pages; LOG2: 20 entries, 305 pages");
	espdiag_registry_free(reg);
}
END_TEST

Suite *suite_regf_log(void)
{
	Suite *s = suite_create("regf_log");
	TCase *tc = tcase_create("writer");
	tcase_add_test(tc, t_marvin32);
	tcase_add_test(tc, t_new_format);
	tcase_add_test(tc, t_two_logs);
	tcase_add_test(tc, t_damaged_entry);
	tcase_add_test(tc, t_entry_bounds);
	tcase_add_test(tc, t_bad_logs);
	tcase_add_test(tc, t_clean_hive);
	tcase_add_test(tc, t_damaged_base_block);
	tcase_add_test(tc, t_old_format);
	tcase_add_test(tc, t_find_logs);
	tcase_add_test(tc, t_copy_through_fd);
	tcase_add_test(tc, t_random_log_damage);
	suite_add_tcase(s, tc);

	tc = tcase_create("corpus");
	tcase_add_loop_test(tc, t_corpus_replay, 0,
	                    (int)(sizeof corpus_cases / sizeof corpus_cases[0]));
	tcase_add_test(tc, t_corpus_view);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

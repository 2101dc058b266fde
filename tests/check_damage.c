/* tests/check_damage.c - damage sweeps: every prefix (stepped) of the
 * bundled sample dump and of the same data as a hive, and thousands of
 * seeded byte flips, must open or fail cleanly (the suite runs under ASan
 * and valgrind in CI, and Check's timeout bounds the time); where the
 * damage leaves the evidence readable, the findings it supports are still
 * reported. */
#include <stdlib.h>
#include <string.h>

#include <espdiag/espdiag.h>
#include <espdiag/esp.h>
#include <espdiag/diagnose.h>

#include "pipeline.h"
#include "regf_writer.h"
#include "suites.h"
#include "testutil.h"

#define SAMPLE TEST_DATA_DIR "/../../examples/data/MDMDiagReport_RegistryDump.reg"
#define FAILED_APP "Win32App_7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3"

/* Whether diagnosing data (a hive mounted at HKLM\SOFTWARE, as our test
 * hive has neither a file name nor a Classes key to say so) reports
 * finding id; -1 when it cannot be opened. */
static int reports(const unsigned char *data, size_t size, const char *id)
{
	espdiag_registry *reg;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	int found = -1;
	if (espdiag_registry_open_memory(reg, data, size, "damaged",
	                                 memcmp(data, "regf", 4) == 0 ? "HKLM\\SOFTWARE" : NULL,
	                                 NULL) == ESPDIAG_OK) {
		espdiag_esp *esp = NULL;
		espdiag_report *report = NULL;
		espdiag_diagnose_options opts = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
		opts.registry = reg;
		found = 0;
		if (espdiag_esp_load(&esp, reg) == ESPDIAG_OK &&
		    espdiag_diagnose(&report, esp, &opts) == ESPDIAG_OK) {
			for (size_t i = 0; i < espdiag_report_finding_count(report); i++)
				if (strcmp(espdiag_finding_id(espdiag_report_finding_at(report, i)), id) == 0)
					found = 1;
		}
		espdiag_report_free(report);
		espdiag_esp_free(esp);
	}
	espdiag_registry_free(reg);
	return found;
}

/* Byte offset just past the UTF-16LE text needle in data, or 0. */
static size_t utf16_end_of(const unsigned char *data, size_t size, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + 2 * n <= size; i += 2) {
		size_t j = 0;
		while (j < n && data[i + 2 * j] == (unsigned char)needle[j] && data[i + 2 * j + 1] == 0)
			j++;
		if (j == n)
			return i + 2 * n;
	}
	return 0;
}

START_TEST(dump_prefixes)
{
	size_t size;
	unsigned char *data = tu_read_file(SAMPLE, &size);
	ck_assert_ptr_nonnull(data);
	/* The failed app's state is readable once its InstallationState line is. */
	size_t key = utf16_end_of(data, size, FAILED_APP "]");
	ck_assert_uint_gt(key, 0);
	size_t state = key + utf16_end_of(data + key, size - key, "=DWORD:00000004\r\n");
	ck_assert_uint_gt(state, key);
	/* A prefix without a whole key line is not a registry file. */
	size_t first_key = utf16_end_of(data, size, "]");
	ck_assert_uint_gt(first_key, 0);
	size_t runs = 0, failed_seen = 0;
	for (size_t len = 0; len <= size; len += 37) {
		pipeline_result r;
		pipeline_all(data, len, &r);
		ck_assert_int_eq(r.open_status, len >= first_key ? ESPDIAG_OK : ESPDIAG_EFORMAT);
		if (len >= state) {
			ck_assert_int_eq(reports(data, len, "app-install-failed"), 1);
			failed_seen++;
		}
		runs++;
	}
	ck_assert_uint_eq(runs, size / 37 + 1);
	ck_assert_uint_gt(failed_seen, 0);
	ck_assert_int_eq(reports(data, size, "app-install-failed"), 1);
	free(data);
}
END_TEST

/* Deterministic PRNG (xorshift64*), so a failure can be replayed. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static void flip_sweep(const unsigned char *data, size_t size, unsigned rounds, uint64_t seed)
{
	unsigned char *copy = malloc(size);
	ck_assert_ptr_nonnull(copy);
	uint64_t s = seed;
	for (unsigned round = 0; round < rounds; round++) {
		memcpy(copy, data, size);
		unsigned flips = 1 + (unsigned)(next_random(&s) % 4);
		for (unsigned i = 0; i < flips; i++) {
			size_t at = (size_t)(next_random(&s) % size);
			copy[at] ^= (unsigned char)(1u << (next_random(&s) % 8));
		}
		pipeline_result r;
		pipeline_all(copy, size, &r);
		ck_assert_msg(r.open_status == ESPDIAG_OK || r.open_status == ESPDIAG_EFORMAT,
		              "round %u (seed %llu): open status %d", round,
		              (unsigned long long)seed, r.open_status);
	}
	free(copy);
}

START_TEST(dump_byte_flips)
{
	size_t size;
	unsigned char *data = tu_read_file(SAMPLE, &size);
	ck_assert_ptr_nonnull(data);
	flip_sweep(data, size, getenv("ESPDIAG_TEST_UNDER_VALGRIND") ? 300 : 3000, 0x5EED1234u);
	free(data);
}
END_TEST

/* Writes the view's subtree under key into w; returns the key's cell. */
static uint32_t write_key(rw_hive *w, const espdiag_key *key)
{
	uint32_t k = rw_key(w, espdiag_key_name(key), espdiag_key_name_len(key), true);
	size_t nv = espdiag_key_value_count(key), ns = espdiag_key_subkey_count(key);
	uint32_t *vals = calloc(nv + 1, sizeof *vals), *subs = calloc(ns + 1, sizeof *subs);
	for (size_t i = 0; i < nv; i++) {
		const espdiag_value *v;
		ck_assert_int_eq(espdiag_key_value_at(&v, key, i), ESPDIAG_OK);
		vals[i] = rw_value(w, espdiag_value_name(v), espdiag_value_name_len(v), true,
		                   espdiag_value_type(v), espdiag_value_data(v), espdiag_value_size(v));
	}
	for (size_t i = 0; i < ns; i++) {
		const espdiag_key *c;
		ck_assert_int_eq(espdiag_key_subkey_at(&c, key, i), ESPDIAG_OK);
		subs[i] = write_key(w, c);
	}
	if (nv > 0)
		rw_set_values(w, k, vals, nv);
	if (ns > 0)
		rw_set_subkeys(w, k, rw_list(w, "lh", subs, ns), (uint32_t)ns);
	free(vals);
	free(subs);
	return k;
}

/* The sample's HKLM\SOFTWARE as a SOFTWARE hive. */
static unsigned char *sample_hive(size_t *size)
{
	size_t dsize;
	unsigned char *dump = tu_read_file(SAMPLE, &dsize);
	espdiag_registry *reg = tu_open_bytes(dump, dsize, NULL);
	ck_assert_ptr_nonnull(reg);
	const espdiag_key *software;
	ck_assert_int_eq(espdiag_registry_key(&software, reg, "HKLM\\SOFTWARE"), ESPDIAG_OK);
	rw_hive w;
	rw_init(&w, 5);
	rw_finish(&w, write_key(&w, software));
	tu_registry_free(reg);
	free(dump);
	*size = w.size;
	return w.buf;
}

START_TEST(hive_matches_dump_and_survives_prefixes)
{
	size_t size;
	unsigned char *hive = sample_hive(&size);
	/* Whole, the hive says what the dump says. */
	ck_assert_int_eq(reports(hive, size, "app-install-failed"), 1);
	size_t runs = 0;
	for (size_t len = 0; len <= size; len += 4096 / 8) {
		pipeline_result r;
		pipeline_all(hive, len, &r);
		ck_assert_msg(r.open_status == ESPDIAG_OK || r.open_status == ESPDIAG_EFORMAT,
		              "prefix %zu: status %d", len, r.open_status);
		runs++;
	}
	ck_assert_uint_gt(runs, 8);
	free(hive);
}
END_TEST

START_TEST(hive_byte_flips)
{
	size_t size;
	unsigned char *hive = sample_hive(&size);
	flip_sweep(hive, size, getenv("ESPDIAG_TEST_UNDER_VALGRIND") ? 300 : 3000, 0xC0FFEEu);
	free(hive);
}
END_TEST

Suite *suite_damage(void)
{
	Suite *s = suite_create("damage");
	TCase *tc = tcase_create("sweeps");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, dump_prefixes);
	tcase_add_test(tc, dump_byte_flips);
	tcase_add_test(tc, hive_matches_dump_and_survives_prefixes);
	tcase_add_test(tc, hive_byte_flips);
	suite_add_tcase(s, tc);
	return s;
}

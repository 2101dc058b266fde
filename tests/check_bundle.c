/* tests/check_bundle.c - the evidence bundle: an Intune zip in both
 * layouts (registry exports, event log, IME logs, the nested MDM cab), the
 * Autopilot cab, a folder, each single-file kind, caps and damage, and what
 * the member readers hand a model loader (lib/bundle_private.h).
 *
 * The collections are made at test time, in a temporary directory, by
 * tests/bundle_fixtures.py (zipfile, gcab -c -z) with an event log written
 * here by tests/evtx_writer.c; without python3 or gcab the archive tests
 * say so and pass. */
#define _GNU_SOURCE 1 /* memmem */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle_private.h"
#include "evtx_writer.h"
#include "suites.h"
#include "testutil.h"

#define MDM_CAB "(77) FoldersFiles temp_MDMDiagnostics_mdmlogs-2024_05_01_12_00_00_cab/mdmlogs.cab"
#define MDM MDM_CAB "/"
#define LOGS "(20) FoldersFiles ProgramData_Microsoft_IntuneManagementExtension_Logs/"
#define IME_KEY "(12) RegistryKey HKLM_SOFTWARE_Microsoft_IntuneManagementExtension export.reg"
#define PROV_KEY "(13) RegistryKey HKLM_SOFTWARE_Microsoft_Provisioning_AutopilotSettings export.reg"
#define EVTX_NAME "(40) Events DeviceManagement-Enterprise-Diagnostics-Provider Admin Events.evtx"

static char fx_dir[256];
static const char *fx_missing;

/* An event log of two records: one of an ESP channel, one not. */
static bool write_evtx(const char *path)
{
	ew_log w;
	ew_init(&w);
	ew_data d[] = { { "Message", "enrolled" } };
	ew_event ev = { "Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider", NULL,
		        72, 4, ew_filetime(2024, 5, 1, 12, 0, 0, 0),
		        "Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin",
		        NULL, d, 1, NULL };
	ew_add(&w, &ev);
	ev.channel = "Microsoft-Windows-Shell-Core/Operational";
	ev.event_id = 9705;
	ew_add(&w, &ev);
	ew_finish(&w);
	FILE *f = fopen(path, "wb");
	bool ok = f != NULL && fwrite(w.buf, 1, w.size, f) == w.size;
	if (f != NULL)
		ok = fclose(f) == 0 && ok;
	ew_free(&w);
	return ok;
}

static void fixtures_make(void)
{
	fx_missing = NULL;
	if (system("command -v python3 >/dev/null && command -v gcab >/dev/null") != 0) {
		fx_missing = "python3 or gcab is not installed";
		fprintf(stderr, "note: %s; bundle tests are skipped\n", fx_missing);
		return;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(fx_dir, sizeof fx_dir, "%s/espdiag-bundle-XXXXXX",
	         tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	char evtx[300], cmd[2048];
	if (mkdtemp(fx_dir) == NULL) {
		fx_missing = "no temporary directory";
		return;
	}
	snprintf(evtx, sizeof evtx, "%s/admin.evtx", fx_dir);
	snprintf(cmd, sizeof cmd, "python3 '%s/../bundle_fixtures.py' all '%s' '%s' '%s'",
	         TEST_DATA_DIR, TEST_DATA_DIR, fx_dir, evtx);
	if (!write_evtx(evtx) || system(cmd) != 0) {
		fx_missing = "tests/bundle_fixtures.py failed";
		fprintf(stderr, "note: %s; bundle tests are skipped\n", fx_missing);
	}
}

static void fixtures_remove(void)
{
	char cmd[300];
	if (fx_dir[0] != '\0') {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "note: %s was not removed\n", fx_dir);
	}
	fx_dir[0] = '\0';
}

static const char *fx(const char *name)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s/%s", fx_dir, name);
	return buf;
}

#define NEED_FIXTURES()                                                                \
	do {                                                                           \
		if (fx_missing != NULL)                                                \
			return;                                                        \
	} while (0)

static espdiag_bundle *open_ok(const char *path, const espdiag_bundle_options *opts)
{
	espdiag_bundle *b;
	ck_assert_int_eq(espdiag_bundle_new(&b, opts), ESPDIAG_OK);
	int rc = espdiag_bundle_open_file(b, path);
	ck_assert_msg(rc == ESPDIAG_OK, "%s: %s", path, espdiag_bundle_errmsg(b));
	return b;
}

/* The members as "kind read|not name" lines, for exact comparison. */
static char *listing(const espdiag_bundle *b)
{
	static char buf[16384];
	size_t at = 0;
	for (size_t i = 0; i < espdiag_bundle_member_count(b); i++) {
		const espdiag_member *m = espdiag_bundle_member_at(b, i);
		at += (size_t)snprintf(buf + at, sizeof buf - at, "%s %s %s\n",
		                       espdiag_member_kind_name(m->kind), m->read ? "read" : "not",
		                       m->name);
	}
	buf[at] = '\0';
	return buf;
}

static const espdiag_member *find(const espdiag_bundle *b, const char *name)
{
	for (size_t i = 0; i < espdiag_bundle_member_count(b); i++)
		if (strcmp(espdiag_bundle_member_at(b, i)->name, name) == 0)
			return espdiag_bundle_member_at(b, i);
	ck_abort_msg("no member %s", name);
	return NULL;
}

/* The string value name of key in the bundle's view. */
static char *value_of(espdiag_bundle *b, const char *key, const char *name)
{
	const espdiag_key *k;
	const espdiag_value *v;
	char *s;
	ck_assert_int_eq(espdiag_registry_key(&k, espdiag_bundle_registry(b), key), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_key_value(&v, k, name), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_value_get_string(&s, v), ESPDIAG_OK);
	return s;
}

static void check_origin(espdiag_bundle *b, const char *key, const char *want)
{
	char *s = value_of(b, key, "Origin");
	ck_assert_str_eq(s, want);
	espdiag_free(s);
}

#define DUMP_KEY "HKLM\\SOFTWARE\\Microsoft\\Enrollments\\{0C5D1D2E-4B7A-4F1E-9A3C-6E2B8D0F1A22}\\FirstSync"
#define IME_VIEW_KEY "HKLM\\SOFTWARE\\Microsoft\\IntuneManagementExtension\\Win32Apps"
#define PROV_VIEW_KEY "HKLM\\SOFTWARE\\Microsoft\\Provisioning\\AutopilotSettings"

/* Acceptance: the flat Intune zip with the nested MDM cab and two
 * RegistryKey exports: every registry member is mounted, every entry
 * listed. */
START_TEST(test_intune_flat)
{
	NEED_FIXTURES();
	espdiag_bundle *b = open_ok(fx("intune.zip"), NULL);
	ck_assert_str_eq(espdiag_bundle_format(b), "zip");
	ck_assert_str_eq(listing(b),
	                 "registry read " IME_KEY "\n"
	                 "registry read " PROV_KEY "\n"
	                 "event_log read " EVTX_NAME "\n"
	                 "other not (30) Command ipconfig all output.log\n"
	                 "ime_log read " LOGS "IntuneManagementExtension-20240430-100000.log\n"
	                 "ime_log read " LOGS "IntuneManagementExtension.log\n"
	                 "archive read " MDM_CAB "\n"
	                 "registry read " MDM "MDMDiagReport_RegistryDump.reg\n"
	                 "ztd_json read " MDM "AutopilotDDSZTDFile.json\n"
	                 "device_hash read " MDM "DeviceHash_PC1.csv\n"
	                 "metadata read " MDM "MdmDiagLogMetadata.json\n"
	                 "other not " MDM "MDMDiagReport.xml\n"
	                 "other not " MDM "MdmLogCollectorFootPrint.txt\n"
	                 "other not results.xml\n");
	ck_assert_uint_eq(espdiag_bundle_registry_count(b), 3);
	espdiag_registry *reg = espdiag_bundle_registry(b);
	/* The dump is source 0; the exports follow in archive order. */
	ck_assert_str_eq(espdiag_registry_source_property(reg, 0, "member"),
	                 MDM "MDMDiagReport_RegistryDump.reg");
	ck_assert_str_eq(espdiag_registry_source_property(reg, 0, "path"), fx("intune.zip"));
	ck_assert_str_eq(espdiag_registry_source_property(reg, 1, "member"), IME_KEY);
	ck_assert_str_eq(espdiag_registry_source_property(reg, 2, "member"), PROV_KEY);
	ck_assert_str_eq(espdiag_registry_source_property(reg, 2, "encoding"), "utf-16le");
	check_origin(b, DUMP_KEY, "container-dump.reg");
	check_origin(b, IME_VIEW_KEY, "ime export");
	check_origin(b, PROV_VIEW_KEY, "provisioning export");
	const espdiag_member *m = find(b, "(30) Command ipconfig all output.log");
	ck_assert_str_eq(m->reason, "no reader wants it");
	ck_assert(m->has_size);
	ck_assert_uint_eq(m->size, 26);
	ck_assert_str_eq(find(b, IME_KEY)->summary, "reg, mounted at the root");
	ck_assert_uint_eq(espdiag_bundle_warning_count(b), 0);

	/* What a model loader gets. */
	ck_assert_uint_eq(esp_bundle_evtx_count(b), esp_evtx_supported() ? 1 : 0);
	if (esp_evtx_supported()) {
		const esp_bundle_evtx *e = esp_bundle_evtx_at(b, 0);
		ck_assert_str_eq(e->name, EVTX_NAME);
		ck_assert_uint_eq(esp_evtx_count(e->log), 1);
		ck_assert_uint_eq(esp_evtx_at(e->log, 0)->event_id, 72);
		ck_assert_str_eq(find(b, EVTX_NAME)->summary,
		                 "1 records of the ESP's channels (of 2)");
	}
	esp_imelog *log = esp_bundle_imelog(b);
	ck_assert_ptr_nonnull(log);
	ck_assert_uint_eq(esp_imelog_file_count(log), 2);
	ck_assert_str_eq(esp_imelog_file_at(log, 0)->name,
	                 LOGS "IntuneManagementExtension-20240430-100000.log");
	ck_assert(esp_imelog_file_at(log, 0)->rotated);
	ck_assert_str_eq(find(b, LOGS "IntuneManagementExtension.log")->summary,
	                 "2 records (utf-8)");
	const esp_ztd *z = esp_bundle_ztd(b);
	ck_assert_ptr_nonnull(z);
	ck_assert(!z->has_error);
	ck_assert_str_eq(z->tenant_domain, "fabrikam.example");
	ck_assert_str_eq(z->tenant_id, "8a3c9f1e-0000-4000-8000-000000000001");
	ck_assert_str_eq(z->oobe_config, "1310");
	ck_assert_str_eq(z->policy_download_date, "2024-05-01T11:58:03Z");
	ck_assert_ptr_null(z->correlation_id);
	ck_assert_uint_eq(esp_bundle_device_hash_count(b), 1);
	const esp_device_hash *h = esp_bundle_device_hash_at(b, 0);
	ck_assert_str_eq(h->serial, "5CG1234XYZ");
	ck_assert_str_eq(h->product_id, "00330-80000-00000-AA123");
	ck_assert(h->hash_present);
	ck_assert_uint_eq(h->hash_length, 24);
	const esp_mdm_metadata *md = esp_bundle_metadata(b);
	ck_assert_str_eq(md->collected, "2024-05-01T12:00:00Z");
	ck_assert_str_eq(md->areas, "Autopilot;TPM");
	espdiag_bundle_free(b);
}
END_TEST

/* The older layout: numbered folders. */
START_TEST(test_intune_old)
{
	NEED_FIXTURES();
	espdiag_bundle *b = open_ok(fx("intune-old.zip"), NULL);
	ck_assert_uint_eq(espdiag_bundle_registry_count(b), 2);
	ck_assert_str_eq(espdiag_registry_source_property(espdiag_bundle_registry(b), 0, "member"),
	                 "3/temp_MDMDiagnostics_mdmlogs_cab/mdmlogs.cab/MDMDiagReport_RegistryDump.reg");
	check_origin(b, IME_VIEW_KEY, "ime export");
	check_origin(b, DUMP_KEY, "container-dump.reg");
	ck_assert_uint_eq(espdiag_bundle_member_count(b), 9);
	espdiag_bundle_free(b);
}
END_TEST

START_TEST(test_cab)
{
	NEED_FIXTURES();
	espdiag_bundle *b = open_ok(fx("autopilot.cab"), NULL);
	ck_assert_str_eq(espdiag_bundle_format(b), "cab");
	ck_assert_str_eq(listing(b), "registry read MDMDiagReport_RegistryDump.reg\n"
	                             "ztd_json read AutopilotDDSZTDFile.json\n"
	                             "device_hash read DeviceHash_PC1.csv\n"
	                             "metadata read MdmDiagLogMetadata.json\n"
	                             "other not MDMDiagReport.xml\n"
	                             "other not MdmLogCollectorFootPrint.txt\n"
	                             "other not setupact.log\n"
	                             "ime_log read IntuneManagementExtension.log\n");
	check_origin(b, DUMP_KEY, "container-dump.reg");
	espdiag_bundle_free(b);
}
END_TEST

/* The zip extracted: the same members, in name order, the cab opened. */
START_TEST(test_folder)
{
	NEED_FIXTURES();
	espdiag_bundle *b = open_ok(fx("folder"), NULL);
	ck_assert_str_eq(espdiag_bundle_format(b), "folder");
	ck_assert_uint_eq(espdiag_bundle_member_count(b), 14);
	ck_assert_uint_eq(espdiag_bundle_registry_count(b), 3);
	ck_assert_str_eq(espdiag_registry_source_property(espdiag_bundle_registry(b), 0, "member"),
	                 MDM "MDMDiagReport_RegistryDump.reg");
	ck_assert(find(b, MDM "DeviceHash_PC1.csv")->read);
	check_origin(b, PROV_VIEW_KEY, "provisioning export");
	espdiag_bundle_free(b);
}
END_TEST

/* Each kind as a file of its own. */
START_TEST(test_single_files)
{
	NEED_FIXTURES();
	static const struct {
		const char *file, *kind, *summary, *reason;
	} cases[] = {
		{ "single.reg", "registry", "reg, mounted at the root", NULL },
		{ "AutopilotDDSZTDFile.json", "ztd_json", "error 807 ZtdDeviceIsNotRegistered", NULL },
		{ "DeviceHash_PC2.csv", "device_hash", "serial PF-SERIAL-2, hardware hash missing",
		  NULL },
		{ "MdmDiagLogMetadata.json", "metadata",
		  "collected 2024-05-01T12:00:00Z, areas Autopilot;TPM", NULL },
		{ "IntuneManagementExtension.log", "ime_log", "2 records (utf-8)", NULL },
		{ "notes.txt", "other", NULL, "no reader wants it" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[300];
		snprintf(path, sizeof path, "single/%s", cases[i].file);
		espdiag_bundle *b = open_ok(fx(path), NULL);
		ck_assert_str_eq(espdiag_bundle_format(b), "file");
		ck_assert_uint_eq(espdiag_bundle_member_count(b), 1);
		const espdiag_member *m = espdiag_bundle_member_at(b, 0);
		ck_assert_str_eq(m->name, cases[i].file);
		ck_assert_str_eq(espdiag_member_kind_name(m->kind), cases[i].kind);
		ck_assert_pstr_eq(m->summary, cases[i].summary);
		ck_assert_pstr_eq(m->reason, cases[i].reason);
		espdiag_bundle_free(b);
	}
	espdiag_bundle *b = open_ok(fx("single/AutopilotDDSZTDFile.json"), NULL);
	ck_assert(esp_bundle_ztd(b)->has_error);
	ck_assert_int_eq(esp_bundle_ztd(b)->error_code, 807);
	ck_assert_str_eq(esp_bundle_ztd(b)->error_reason, "ZtdDeviceIsNotRegistered");
	espdiag_bundle_free(b);
}
END_TEST

/* A name that says nothing: the first bytes decide (a hive, an event log,
 * a regedit export), from memory too. */
START_TEST(test_bid_on_content)
{
	static const char reg[] = "Windows Registry Editor Version 5.00\r\n\r\n"
	                          "[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"Origin\"=\"memory\"\r\n";
	espdiag_bundle *b;
	ck_assert_int_eq(espdiag_bundle_new(&b, NULL), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_bundle_open_memory(b, reg, sizeof reg - 1, "blob.bin"), ESPDIAG_OK);
	ck_assert_str_eq(listing(b), "registry read blob.bin\n");
	check_origin(b, "HKLM\\SOFTWARE\\X", "memory");
	ck_assert_int_eq(espdiag_bundle_open_memory(b, reg, sizeof reg - 1, NULL), ESPDIAG_EINVAL);
	espdiag_bundle_free(b);
	ck_assert_int_eq(espdiag_bundle_new(&b, NULL), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_bundle_open_memory(b, "plain words\r\n", 13, NULL), ESPDIAG_OK);
	ck_assert_str_eq(listing(b), "other not (memory)\n");
	ck_assert_uint_eq(espdiag_bundle_registry_count(b), 0);
	espdiag_bundle_free(b);
}
END_TEST

START_TEST(test_memory_cab)
{
	NEED_FIXTURES();
	size_t size;
	unsigned char *data = tu_read_file(fx("autopilot.cab"), &size);
	espdiag_bundle *b;
	ck_assert_int_eq(espdiag_bundle_new(&b, NULL), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_bundle_open_memory(b, data, size, "x.cab"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_bundle_member_count(b), 8);
	ck_assert_str_eq(espdiag_registry_source_property(espdiag_bundle_registry(b), 0, "path"),
	                 "x.cab");
	espdiag_bundle_free(b);
	free(data);
}
END_TEST

START_TEST(test_caps)
{
	NEED_FIXTURES();
	espdiag_bundle_options o = ESPDIAG_BUNDLE_OPTIONS_INIT;
	espdiag_bundle *b;
	o.max_members = 3;
	ck_assert_int_eq(espdiag_bundle_new(&b, &o), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_bundle_open_file(b, fx("intune.zip")), ESPDIAG_ELIMIT);
	ck_assert(strstr(espdiag_bundle_errmsg(b), ": more than the limit of 3 members") != NULL);
	ck_assert_uint_eq(espdiag_bundle_member_count(b), 0);
	ck_assert_uint_eq(espdiag_bundle_registry_count(b), 0);
	espdiag_bundle_free(b);

	o.max_members = 0;
	o.max_total = 1000;
	ck_assert_int_eq(espdiag_bundle_new(&b, &o), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_bundle_open_file(b, fx("intune.zip")), ESPDIAG_ELIMIT);
	ck_assert(strstr(espdiag_bundle_errmsg(b),
	                 "more than the limit of 1000 bytes decompressed or read in all") != NULL);
	espdiag_bundle_free(b);

	o.max_total = 0;
	o.max_nesting = 1;
	b = open_ok(fx("deep.zip"), &o);
	ck_assert_str_eq(listing(b), "archive read middle.cab\narchive not middle.cab/inner.cab\n");
	ck_assert_str_eq(espdiag_bundle_member_at(b, 1)->reason,
	                 "not opened: nested deeper than 1 archives");
	espdiag_bundle_free(b);
	o.max_nesting = 0;
	b = open_ok(fx("deep.zip"), &o);
	ck_assert_uint_eq(espdiag_bundle_registry_count(b), 1);
	espdiag_bundle_free(b);

	espdiag_open_options oo = ESPDIAG_OPEN_OPTIONS_INIT;
	oo.max_member_size = 300;
	o.open = &oo;
	b = open_ok(fx("autopilot.cab"), &o);
	const espdiag_member *m = find(b, "MDMDiagReport_RegistryDump.reg");
	ck_assert(!m->read);
	ck_assert_str_eq(m->reason, "larger than the limit of 300 bytes (its header says 662)");
	ck_assert(find(b, "AutopilotDDSZTDFile.json")->read);
	ck_assert_uint_eq(espdiag_bundle_registry_count(b), 0);
	espdiag_bundle_free(b);

	o.version = 99;
	ck_assert_int_eq(espdiag_bundle_new(&b, &o), ESPDIAG_EINVAL);
}
END_TEST

START_TEST(test_damaged)
{
	NEED_FIXTURES();
	size_t size;
	unsigned char *data = tu_read_file(fx("intune.zip"), &size);
	espdiag_bundle *b;
	/* Cut inside the nested cab: what came before it is read. */
	ck_assert_int_eq(espdiag_bundle_new(&b, NULL), ESPDIAG_OK);
	const unsigned char *cab = memmem(data, size, "mdmlogs.cab", 11);
	ck_assert_ptr_nonnull(cab);
	size_t cut = (size_t)(cab - data) + 400;
	ck_assert_int_eq(espdiag_bundle_open_memory(b, data, cut, "cut.zip"), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_bundle_registry_count(b), 2);
	const espdiag_member *m = find(b, MDM_CAB);
	ck_assert(!m->read);
	ck_assert(strncmp(m->reason, "damaged: ", 9) == 0);
	ck_assert_uint_eq(espdiag_bundle_warning_count(b), 1);
	ck_assert_str_eq(espdiag_bundle_warning_at(b, 0)->message,
	                 "cut.zip: stops at the damaged member " MDM_CAB);
	espdiag_bundle_free(b);
	/* A zip signature and nothing readable. */
	ck_assert_int_eq(espdiag_bundle_new(&b, NULL), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_bundle_open_memory(b, "PK\3\4garbage-garbage-garbage", 28, "bad.zip"),
	                 ESPDIAG_EFORMAT);
	ck_assert(strncmp(espdiag_bundle_errmsg(b), "bad.zip: damaged archive: ", 26) == 0);
	espdiag_bundle_free(b);
	free(data);
	/* An export whose keys lie outside the hive its name gives. */
	b = open_ok(fx("wrong-export.zip"), NULL);
	ck_assert_uint_eq(espdiag_bundle_warning_count(b), 1);
	ck_assert_str_eq(espdiag_bundle_warning_at(b, 0)->message,
	                 "(5) RegistryKey HKLM_SOFTWARE_Elsewhere export.reg: its name says "
	                 "HKEY_LOCAL_MACHINE, but it holds keys under HKEY_CURRENT_USER; mounted "
	                 "where the file says");
	check_origin(b, "HKCU\\Software\\Elsewhere", "wrong");
	espdiag_bundle_free(b);
}
END_TEST

START_TEST(test_errors)
{
	espdiag_bundle *b;
	ck_assert_int_eq(espdiag_bundle_new(NULL, NULL), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_bundle_new(&b, NULL), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_bundle_open_file(b, "/nonexistent/x.zip"), ESPDIAG_EIO);
	ck_assert_str_eq(espdiag_bundle_errmsg(b), "/nonexistent/x.zip: No such file or directory");
	ck_assert_ptr_null(espdiag_bundle_format(b));
	espdiag_bundle_free(b);
	espdiag_bundle_free(NULL);
	ck_assert_ptr_null(espdiag_member_kind_name((espdiag_member_kind)99));
	ck_assert_str_eq(espdiag_member_kind_name(ESPDIAG_MEMBER_DEVICE_HASH), "device_hash");
}
END_TEST

Suite *suite_bundle(void)
{
	Suite *s = suite_create("bundle");
	TCase *plain = tcase_create("plain");
	tcase_add_test(plain, test_bid_on_content);
	tcase_add_test(plain, test_errors);
	suite_add_tcase(s, plain);
	TCase *tc = tcase_create("collections");
	tcase_add_unchecked_fixture(tc, fixtures_make, fixtures_remove);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_single_files);
#ifdef HAVE_LIBARCHIVE
	tcase_add_test(tc, test_intune_flat);
	tcase_add_test(tc, test_intune_old);
	tcase_add_test(tc, test_cab);
	tcase_add_test(tc, test_folder);
	tcase_add_test(tc, test_memory_cab);
	tcase_add_test(tc, test_caps);
	tcase_add_test(tc, test_damaged);
#endif
	suite_add_tcase(s, tc);
	return s;
}

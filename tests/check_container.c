/* tests/check_container.c - the dump inside a cab, a zip, a zip holding a
 * cab and an extracted folder, and the limits against hostile archives.
 *
 * The archives are made at test time, in a temporary directory, by
 * tests/container_fixtures.py (Python's zipfile and struct, gcab -c -z)
 * from tests/data/container-*.reg; without python3 or gcab the tests say so
 * and skip. */
#include <config.h>

#include <errno.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "suites.h"
#include "testutil.h"

#define DUMP "MDMDiagReport_RegistryDump.reg"
#define MDM "Windows/MDMDiagnostics_mdmlogs_cab"

extern char **environ;

/* --- fixtures, made once per test case (in Check's parent process) --- */

static char fx_dir[256];
static const char *fx_missing; /* why the fixtures could not be made */

static bool have_program(const char *name)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

/* Runs argv (searched in PATH); true when it exits with 0. */
static bool run(char *const argv[])
{
	pid_t pid;
	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return false;
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static const char *script_path(void)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s/../container_fixtures.py", TEST_DATA_DIR);
	return buf;
}

static void fixtures_make(void)
{
	fx_missing = NULL;
	if (!have_program("python3") || !have_program("gcab")) {
		fx_missing = "python3 or gcab is not installed";
		fprintf(stderr, "note: %s; container tests are skipped\n", fx_missing);
		return;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(fx_dir, sizeof fx_dir, "%s/espdiag-container-XXXXXX",
	         tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(fx_dir) == NULL) {
		fx_missing = "no temporary directory";
		return;
	}
	char *argv[] = { "python3", (char *)script_path(), "all", TEST_DATA_DIR, fx_dir, NULL };
	if (!run(argv)) {
		fx_missing = "tests/container_fixtures.py failed";
		fprintf(stderr, "note: %s; container tests are skipped\n", fx_missing);
	}
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void fixtures_remove(void)
{
	if (fx_dir[0] != '\0')
		nftw(fx_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	fx_dir[0] = '\0';
}

static const char *fx(const char *name)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s/%s", fx_dir, name);
	return buf;
}

/* Skips the test (passing it) when the fixtures could not be made. */
#define NEED_FIXTURES()                                                                \
	do {                                                                           \
		if (fx_missing != NULL)                                                \
			return;                                                        \
	} while (0)

/* --- helpers --- */

static int open_path(espdiag_registry **out, const char *path, const espdiag_open_options *opts)
{
	ck_assert_int_eq(espdiag_registry_new(out), ESPDIAG_OK);
	return espdiag_registry_open_file(*out, path, NULL, opts);
}

/* The view's regedit export, malloc'd. */
static char *export_of(espdiag_registry *reg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(espdiag_registry_export(reg, espdiag_registry_root(reg), 0, f), ESPDIAG_OK);
	fclose(f);
	return text;
}

static char *export_of_path(const char *path)
{
	espdiag_registry *reg;
	ck_assert_int_eq(open_path(&reg, path, NULL), ESPDIAG_OK);
	char *text = export_of(reg);
	espdiag_registry_free(reg);
	return text;
}

/* The "Origin" string of the fixture dumps: which .reg was read. */
static void assert_origin(espdiag_registry *reg, const char *origin)
{
	const espdiag_key *k;
	const espdiag_value *v;
	char *s;
	ck_assert_int_eq(espdiag_registry_key(&k, reg,
	                                      "HKLM\\SOFTWARE\\Microsoft\\Enrollments\\"
	                                      "{0C5D1D2E-4B7A-4F1E-9A3C-6E2B8D0F1A22}\\FirstSync"),
	                 ESPDIAG_OK);
	ck_assert_int_eq(espdiag_key_value(&v, k, "Origin"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_value_get_string(&s, v), ESPDIAG_OK);
	ck_assert_str_eq(s, origin);
	espdiag_free(s);
}

/* Opens a fixture that must read; checks the member read, the others
 * listed, and that it reads exactly as tests/data/<origin> on its own. */
static void expect_dump(const char *name, const char *member, const char *members,
                        const char *origin)
{
	espdiag_registry *reg;
	const char *path = fx(name);
	int rc = open_path(&reg, path, NULL);
	ck_assert_msg(rc == ESPDIAG_OK, "%s: %d %s", name, rc, espdiag_registry_errmsg(reg));
	ck_assert_uint_eq(espdiag_registry_source_count(reg), 1);
	ck_assert_str_eq(espdiag_registry_source_property(reg, 0, "path"), path);
	ck_assert_str_eq(espdiag_registry_source_property(reg, 0, "format"), "reg");
	ck_assert_str_eq(espdiag_registry_source_property(reg, 0, "member"), member);
	ck_assert_str_eq(espdiag_registry_source_property(reg, 0, "members"), members);
	assert_origin(reg, origin);
	char *want = export_of_path(tu_data_path(origin));
	char *got = export_of(reg);
	ck_assert_str_eq(got, want);
	free(want);
	free(got);
	espdiag_registry_free(reg);
}

/* Opens a fixture that must fail with status and exactly message (the
 * path and ": " in front of it added here). */
static void expect_error(const char *name, const espdiag_open_options *opts, int status,
                         const char *message)
{
	espdiag_registry *reg;
	const char *path = fx(name);
	char want[8192];
	snprintf(want, sizeof want, "%s: %s", path, message);
	int rc = open_path(&reg, path, opts);
	ck_assert_msg(rc == status, "%s: %d, not %d: %s", name, rc, status,
	              espdiag_registry_errmsg(reg));
	ck_assert_str_eq(espdiag_registry_errmsg(reg), want);
	ck_assert_uint_eq(espdiag_registry_source_count(reg), 0);
	espdiag_registry_free(reg);
}

/* --- tests that need no archive support --- */

START_TEST(test_plain_reg_has_no_member)
{
	espdiag_registry *reg;
	ck_assert_int_eq(open_path(&reg, tu_data_path("container-dump.reg"), NULL), ESPDIAG_OK);
	ck_assert_ptr_null(espdiag_registry_source_property(reg, 0, "member"));
	ck_assert_ptr_null(espdiag_registry_source_property(reg, 0, "members"));
	espdiag_registry_free(reg);
}
END_TEST

START_TEST(test_folder)
{
	NEED_FIXTURES();
	expect_dump("folder", MDM "/" DUMP,
	            MDM "/AutopilotDDSZTDFile.json\nWindows/results.xml", "container-dump.reg");
}
END_TEST

START_TEST(test_folder_without_dump)
{
	NEED_FIXTURES();
	expect_error("folder-empty", NULL, ESPDIAG_EFORMAT,
	             "no " DUMP ", cab or zip in the folder (files: notes.txt)");
}
END_TEST

START_TEST(test_folder_depth)
{
	NEED_FIXTURES();
	expect_dump("folder-deep8", "1/2/3/4/5/6/7/8/" DUMP, "", "container-dump.reg");
	expect_error("folder-deep9", NULL, ESPDIAG_EFORMAT,
	             "no " DUMP ", cab or zip in the folder (files: none)");
}
END_TEST

#ifdef HAVE_LIBARCHIVE

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

START_TEST(test_cab)
{
	NEED_FIXTURES();
	expect_dump("dump.cab", DUMP, "AutopilotDDSZTDFile.json\nTpmHliInfo.txt",
	            "container-dump.reg");
}
END_TEST

START_TEST(test_zip)
{
	NEED_FIXTURES();
	expect_dump("plain.zip", DUMP, "readme.txt", "container-dump.reg");
}
END_TEST

START_TEST(test_zip_nested_cab)
{
	NEED_FIXTURES();
	expect_dump("intune.zip", MDM "/x.cab/" DUMP,
	            "Windows/results.xml\n" MDM "/x.cab\n" MDM "/x.cab/AutopilotDDSZTDFile.json\n"
	            MDM "/x.cab/TpmHliInfo.txt",
	            "container-dump.reg");
}
END_TEST

START_TEST(test_zip_two_cabs)
{
	NEED_FIXTURES();
	expect_dump("intune-two-cabs.zip", MDM "/b.cab/" DUMP,
	            MDM "/a.cab\n" MDM "/b.cab\n" MDM "/a.cab/a.txt\n" MDM "/a.cab/TpmHliInfo.txt\n"
	            MDM "/b.cab/AutopilotDDSZTDFile.json\n" MDM "/b.cab/TpmHliInfo.txt",
	            "container-dump.reg");
}
END_TEST

START_TEST(test_zip_prefers_mdm_folder)
{
	NEED_FIXTURES();
	expect_dump("intune-flat.zip", MDM "/" DUMP,
	            "Decoy/" DUMP "\n" MDM "/AutopilotDDSZTDFile.json", "container-dump.reg");
}
END_TEST

START_TEST(test_folder_holding_cab)
{
	NEED_FIXTURES();
	expect_dump("folder-cab", MDM "/x.cab/" DUMP,
	            MDM "/x.cab\nWindows/results.xml\n" MDM "/x.cab/AutopilotDDSZTDFile.json\n"
	            MDM "/x.cab/TpmHliInfo.txt",
	            "container-dump.reg");
}
END_TEST

START_TEST(test_memory_cab)
{
	NEED_FIXTURES();
	size_t size;
	unsigned char *cab = tu_read_file(fx("dump.cab"), &size);
	ck_assert_ptr_nonnull(cab);
	espdiag_registry *reg;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_memory(reg, cab, size, "mem.cab", NULL, NULL),
	                 ESPDIAG_OK);
	ck_assert_str_eq(espdiag_registry_source_property(reg, 0, "path"), "mem.cab");
	ck_assert_str_eq(espdiag_registry_source_property(reg, 0, "member"), DUMP);
	assert_origin(reg, "container-dump.reg");
	espdiag_registry_free(reg);
	free(cab);
}
END_TEST

START_TEST(test_no_dump)
{
	NEED_FIXTURES();
	expect_error("nodump.zip", NULL, ESPDIAG_EFORMAT,
	             "no " DUMP " in the archive (members: a.txt, b/c.json)");
	expect_error("nodump.cab", NULL, ESPDIAG_EFORMAT,
	             "no " DUMP " in the archive (members: a.txt, TpmHliInfo.txt)");
}
END_TEST

START_TEST(test_nested_too_deep)
{
	NEED_FIXTURES();
	expect_error("deep.zip", NULL, ESPDIAG_ELIMIT,
	             "no " DUMP " in the archive; Windows/MDMDiagnostics_a_cab/inner.zip/"
	             "MDMDiagnostics_b_cab/x.cab is an archive nested more than one level deep, "
	             "which is not opened (members: Windows/MDMDiagnostics_a_cab/inner.zip, "
	             "Windows/MDMDiagnostics_a_cab/inner.zip/MDMDiagnostics_b_cab/x.cab)");
}
END_TEST

/* libarchive's own words end these messages; what comes before is ours. */
static void expect_truncated(const char *name, const char *member)
{
	espdiag_registry *reg;
	char want[8192];
	snprintf(want, sizeof want, "%s: archive member %s: damaged or truncated: ", fx(name),
	         member);
	ck_assert_int_eq(open_path(&reg, fx(name), NULL), ESPDIAG_EFORMAT);
	const char *msg = espdiag_registry_errmsg(reg);
	ck_assert_msg(strncmp(msg, want, strlen(want)) == 0 && strlen(msg) > strlen(want),
	              "%s", msg);
	espdiag_registry_free(reg);
}

START_TEST(test_truncated)
{
	NEED_FIXTURES();
	espdiag_registry *reg;
	char want[8192];
	snprintf(want, sizeof want,
	         "%s: archive member " MDM "/x.cab: damaged or truncated archive after 0 members: ",
	         fx("intune-bad-cab.zip"));
	ck_assert_int_eq(open_path(&reg, fx("intune-bad-cab.zip"), NULL), ESPDIAG_EFORMAT);
	ck_assert_msg(strncmp(espdiag_registry_errmsg(reg), want, strlen(want)) == 0, "%s",
	              espdiag_registry_errmsg(reg));
	espdiag_registry_free(reg);
	expect_truncated("truncated.zip", DUMP);
	/* MSZIP compresses a cab's files as one stream: the cut shows in the
	 * first member read. */
	expect_truncated("truncated.cab", "AutopilotDDSZTDFile.json");
	/* Cut after the dump: the dump is whole, so it is read. */
	expect_dump("truncated-after-dump.zip", DUMP, "events.txt", "container-dump.reg");
}
END_TEST

START_TEST(test_member_claims_4g)
{
	NEED_FIXTURES();
	expect_error("claims4g.zip", NULL, ESPDIAG_ELIMIT,
	             "archive member " DUMP ": larger than the limit of 268435456 bytes "
	             "(its header says 4294967294)");
}
END_TEST

START_TEST(test_hostile_names)
{
	NEED_FIXTURES();
	expect_dump("names.zip", DUMP, "/tmp/espdiag-absolute.txt\n../../espdiag-escape.txt",
	            "container-dump.reg");
	expect_dump("names-dump.zip", "../../x/" DUMP, "/etc/espdiag-absolute.txt",
	            "container-dump.reg");
	/* Nothing was written where the names point. */
	struct stat st;
	ck_assert_int_ne(stat("/tmp/espdiag-absolute.txt", &st), 0);
	ck_assert_int_ne(stat("/etc/espdiag-absolute.txt", &st), 0);
	char up[512];
	snprintf(up, sizeof up, "%s/../../espdiag-escape.txt", fx_dir);
	ck_assert_int_ne(stat(up, &st), 0);
	snprintf(up, sizeof up, "%s/../../x", fx_dir);
	ck_assert_int_ne(stat(up, &st), 0);
}
END_TEST

START_TEST(test_zip_bomb)
{
	NEED_FIXTURES();
	struct timespec t0;
	/* 1 GiB of zeros in 1 MiB; the header says so: refused before any work. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_error("bomb.zip", NULL, ESPDIAG_ELIMIT,
	             "archive member " DUMP ": larger than the limit of 268435456 bytes "
	             "(its header says 1073741824)");
	ck_assert_msg(seconds_since(&t0) < 5.0, "bomb.zip took %.2f s", seconds_since(&t0));
	/* The header claims 1000 bytes: refused at the 1001st. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_error("bomb-lying.zip", NULL, ESPDIAG_EFORMAT,
	             "archive member " DUMP ": decompresses to more than the 1000 bytes its "
	             "header says (a damaged archive or a zip bomb)");
	ck_assert_msg(seconds_since(&t0) < 5.0, "bomb-lying.zip took %.2f s",
	              seconds_since(&t0));
}
END_TEST

START_TEST(test_small_caps)
{
	NEED_FIXTURES();
	espdiag_open_options opts = ESPDIAG_OPEN_OPTIONS_INIT;
	/* Sizes known only after the data: counting stops the bombs. */
	opts.max_member_size = (uint64_t)1 << 20;
	expect_error("bomb-streamed.zip", &opts, ESPDIAG_ELIMIT,
	             "archive member " DUMP ": larger than the limit of 1048576 bytes");
	opts.max_member_size = 0;
	opts.max_decompressed = (uint64_t)4 << 20;
	expect_error("bomb-before.zip", &opts, ESPDIAG_ELIMIT,
	             "archive decompresses to more than the limit of 4194304 bytes "
	             "(stopped in member zeros.bin)");
	/* Honest headers, small caps. */
	opts.max_decompressed = 0;
	opts.max_member_size = 100;
	expect_error("plain.zip", &opts, ESPDIAG_ELIMIT,
	             "archive member " DUMP ": larger than the limit of 100 bytes "
	             "(its header says 662)");
	opts.max_member_size = 0;
	opts.max_decompressed = 100;
	expect_error("dump.cab", &opts, ESPDIAG_ELIMIT,
	             "archive decompresses to more than the limit of 100 bytes "
	             "(stopped in member " DUMP ")");
	/* The nested cab counts as a member, and its bytes in the total. */
	opts.max_decompressed = 0;
	opts.max_member_size = 600;
	expect_error("intune.zip", &opts, ESPDIAG_ELIMIT,
	             "archive member " MDM "/x.cab: larger than the limit of 600 bytes "
	             "(its header says 620)");
}
END_TEST

START_TEST(test_largest_caps)
{
	NEED_FIXTURES();
	espdiag_open_options opts = ESPDIAG_OPEN_OPTIONS_INIT;
	opts.max_member_size = UINT64_MAX;
	opts.max_decompressed = UINT64_MAX;
	espdiag_registry *reg;
	ck_assert_int_eq(open_path(&reg, fx("intune.zip"), &opts), ESPDIAG_OK);
	assert_origin(reg, "container-dump.reg");
	espdiag_registry_free(reg);
}
END_TEST

/* Acceptance: each corpus dump, in a cab made by gcab -c -z and in an
 * Intune-style zip, reads exactly as the .reg itself. */
START_TEST(test_corpus_wrapped)
{
	NEED_FIXTURES();
	static const char *const names[] = { "device-app-failed", "mixed-msi-win32", "success",
	                                     "user-esp-skipped" };
	if (tu_corpus_path("esp") == NULL)
		return;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char reg[4096], prefix[512], cab[600], zip[600];
		snprintf(reg, sizeof reg, "%s%s.reg", tu_corpus_path("esp/"), names[i]);
		snprintf(prefix, sizeof prefix, "%s/corpus-%s", fx_dir, names[i]);
		char *argv[] = { "python3", (char *)script_path(), "wrap", reg, prefix, NULL };
		ck_assert_msg(run(argv), "wrap %s failed", reg);
		snprintf(cab, sizeof cab, "%s.cab", prefix);
		snprintf(zip, sizeof zip, "%s.zip", prefix);
		char *want = export_of_path(reg);
		char *got_cab = export_of_path(cab);
		char *got_zip = export_of_path(zip);
		ck_assert_msg(strcmp(got_cab, want) == 0, "%s: the cab reads otherwise", names[i]);
		ck_assert_msg(strcmp(got_zip, want) == 0, "%s: the zip reads otherwise", names[i]);
		free(want);
		free(got_cab);
		free(got_zip);
	}
}
END_TEST

#else /* !HAVE_LIBARCHIVE */

START_TEST(test_unsupported)
{
	static const unsigned char cab[16] = { 'M', 'S', 'C', 'F' };
	espdiag_registry *reg;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_memory(reg, cab, sizeof cab, "x.cab", NULL, NULL),
	                 ESPDIAG_EUNSUPPORTED);
	ck_assert_str_eq(espdiag_registry_errmsg(reg),
	                 "x.cab: a cab archive, but containers not supported (libespdiag was "
	                 "built without libarchive); extract " DUMP " and read that");
	espdiag_registry_free(reg);
}
END_TEST

/* A folder holding the dump reads without libarchive; one holding only a
 * cab says why it cannot. */
START_TEST(test_folder_cab_unsupported)
{
	NEED_FIXTURES();
	expect_error("folder-cab", NULL, ESPDIAG_EUNSUPPORTED,
	             "a cab archive, but containers not supported (libespdiag was built "
	             "without libarchive); extract " DUMP " and read that");
}
END_TEST

#endif

Suite *suite_container(void)
{
	Suite *s = suite_create("container");
	TCase *plain = tcase_create("plain");
	tcase_add_test(plain, test_plain_reg_has_no_member);
#ifndef HAVE_LIBARCHIVE
	tcase_add_test(plain, test_unsupported);
#endif
	suite_add_tcase(s, plain);

	TCase *tc = tcase_create("archives");
	tcase_add_unchecked_fixture(tc, fixtures_make, fixtures_remove);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_folder);
	tcase_add_test(tc, test_folder_without_dump);
	tcase_add_test(tc, test_folder_depth);
#ifdef HAVE_LIBARCHIVE
	tcase_add_test(tc, test_cab);
	tcase_add_test(tc, test_zip);
	tcase_add_test(tc, test_zip_nested_cab);
	tcase_add_test(tc, test_zip_two_cabs);
	tcase_add_test(tc, test_zip_prefers_mdm_folder);
	tcase_add_test(tc, test_folder_holding_cab);
	tcase_add_test(tc, test_memory_cab);
	tcase_add_test(tc, test_no_dump);
	tcase_add_test(tc, test_nested_too_deep);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_member_claims_4g);
	tcase_add_test(tc, test_hostile_names);
	tcase_add_test(tc, test_zip_bomb);
	tcase_add_test(tc, test_small_caps);
	tcase_add_test(tc, test_largest_caps);
	tcase_add_test(tc, test_corpus_wrapped);
#else
	tcase_add_test(tc, test_folder_cab_unsupported);
#endif
	suite_add_tcase(s, tc);
	return s;
}

/* tests/check_diagnose.c - the diagnosis: the rule catalogue, the error
 * table, each rule on a fixture where it must fire and on its nearest
 * neighbour where it must not, both renderings byte for byte, escaping,
 * options, and the shared corpus expectations (.reg and hive). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <espdiag/espdiag.h>

#include "suites.h"
#include "testutil.h"

#define SAMPLE_PATH TEST_DATA_DIR "/../../examples/data/MDMDiagReport_RegistryDump.reg"

static const char *const catalogue[] = {
	"no-esp-data", "os-too-old-for-win32-tracking", "phase-skipped", "ime-install-failed",
	"provider-install-failed", "provider-not-installed", "tracking-policies-missing",
	"app-install-failed", "app-install-incomplete", "account-setup-not-started",
	"mixed-msi-win32", "timeout-too-short", "msi-install-failed", "cert-profile-pending",
	"network-profile-pending", "modern-app-pending", "reboot-required", "esp-completed",
	"input-damaged", "office-install-failed", "esp-phase-failed", "apv2-workload-failed",
	"apv2-page-failed", "apv2-timeout", "apv2-not-applied", "app-detection-failed", "app-slow",
	"enrollment-failed", "odj-failed", "hybrid-registration-failed", "autopilot-not-registered",
};
#define NRULES (sizeof catalogue / sizeof catalogue[0])

/* A diagnosed input: the registry, the model and the report. */
typedef struct diag {
	espdiag_registry *reg;
	espdiag_esp *esp;
	espdiag_report *report;
	espdiag_bundle *bundle;  /* a folder fixture (a dump and IME logs); reg is NULL then */
} diag;

static void diag_open_path(diag *d, const char *path, const espdiag_diagnose_options *opts)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		ck_assert_int_eq(espdiag_bundle_new(&d->bundle, NULL), ESPDIAG_OK);
		ck_assert_msg(espdiag_bundle_open_file(d->bundle, path) == ESPDIAG_OK, "%s: %s", path,
		              espdiag_bundle_errmsg(d->bundle));
		ck_assert_int_eq(espdiag_esp_load_bundle(&d->esp, d->bundle), ESPDIAG_OK);
		espdiag_diagnose_options o = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
		if (opts != NULL)
			o = *opts;
		o.registry = espdiag_bundle_registry(d->bundle);
		ck_assert_int_eq(espdiag_diagnose(&d->report, d->esp, &o), ESPDIAG_OK);
		return;
	}
	ck_assert_int_eq(espdiag_registry_new(&d->reg), ESPDIAG_OK);
	int rc = espdiag_registry_open_file(d->reg, path, NULL, NULL);
	ck_assert_msg(rc == ESPDIAG_OK, "%s: %s", path, espdiag_registry_errmsg(d->reg));
	ck_assert_int_eq(espdiag_esp_load(&d->esp, d->reg), ESPDIAG_OK);
	espdiag_diagnose_options o = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	if (opts != NULL)
		o = *opts;
	o.registry = d->reg;
	ck_assert_int_eq(espdiag_diagnose(&d->report, d->esp, &o), ESPDIAG_OK);
}

static void diag_open(diag *d, const char *fixture, const espdiag_diagnose_options *opts)
{
	diag_open_path(d, tu_data_path(fixture), opts);
}

static void diag_close(diag *d)
{
	espdiag_report_free(d->report);
	espdiag_esp_free(d->esp);
	espdiag_registry_free(d->reg);
	espdiag_bundle_free(d->bundle);
	d->bundle = NULL;
}

/* How many findings of the report carry id. */
static size_t count_id(const espdiag_report *r, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < espdiag_report_finding_count(r); i++)
		n += strcmp(espdiag_finding_id(espdiag_report_finding_at(r, i)), id) == 0;
	return n;
}

/* The first finding with id (asserted present). */
static const espdiag_finding *find_id(const espdiag_report *r, const char *id)
{
	for (size_t i = 0; i < espdiag_report_finding_count(r); i++) {
		const espdiag_finding *f = espdiag_report_finding_at(r, i);
		if (strcmp(espdiag_finding_id(f), id) == 0)
			return f;
	}
	ck_abort_msg("no %s finding", id);
	return NULL;
}

/* "a,b" of the report's ids, for messages. */
static const char *ids(const espdiag_report *r)
{
	static char buf[1024];
	buf[0] = '\0';
	for (size_t i = 0; i < espdiag_report_finding_count(r); i++) {
		if (i)
			strncat(buf, ",", sizeof buf - strlen(buf) - 1);
		strncat(buf, espdiag_finding_id(espdiag_report_finding_at(r, i)),
		        sizeof buf - strlen(buf) - 1);
	}
	return buf;
}

START_TEST(test_catalogue)
{
	ck_assert_uint_eq(espdiag_rule_count(), NRULES);
	for (size_t i = 0; i < NRULES; i++) {
		const espdiag_rule *r = espdiag_rule_at(i);
		ck_assert_ptr_nonnull(r);
		ck_assert_str_eq(r->id, catalogue[i]);
		ck_assert_ptr_eq(espdiag_rule_find(catalogue[i]), r);
		ck_assert(r->summary[0] != '\0');
	}
	ck_assert_ptr_null(espdiag_rule_at(NRULES));
	ck_assert_ptr_null(espdiag_rule_find("no-such-rule"));
	ck_assert_ptr_null(espdiag_rule_find(NULL));
	ck_assert_int_eq(espdiag_rule_find("no-esp-data")->severity, ESPDIAG_SEVERITY_ERROR);
	ck_assert_int_eq(espdiag_rule_find("phase-skipped")->severity, ESPDIAG_SEVERITY_INFO);
	ck_assert_int_eq(espdiag_rule_find("mixed-msi-win32")->severity, ESPDIAG_SEVERITY_WARNING);
	ck_assert_str_eq(espdiag_severity_name(ESPDIAG_SEVERITY_ERROR), "error");
	ck_assert_str_eq(espdiag_severity_name(0), "unknown");
	ck_assert_str_eq(espdiag_outcome_name(ESPDIAG_OUTCOME_IN_PROGRESS), "in_progress");
	ck_assert_str_eq(espdiag_outcome_name(99), "unknown");
}
END_TEST

START_TEST(test_errors)
{
	static const uint32_t known[] = { 0x800705b4u, 0x801c0003u, 0x80070774u, 0x801c03f3u,
		                          0x80070643u, 0x80070002u, 0x80070005u, 0x87d1041cu,
		                          0x80073cf9u, 0x81036502u };
	const espdiag_error_info *info;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		ck_assert_int_eq(espdiag_error_describe(&info, known[i]), ESPDIAG_OK);
		ck_assert_uint_eq(info->code, known[i]);
		ck_assert(info->meaning[0] != '\0');
	}
	ck_assert_int_eq(espdiag_error_describe(&info, 0x80070643u), ESPDIAG_OK);
	ck_assert_str_eq(info->symbol, "ERROR_INSTALL_FAILURE");
	ck_assert_uint_eq(info->flags, 0);
	ck_assert_int_eq(espdiag_error_describe(&info, 0x81036502u), ESPDIAG_OK);
	ck_assert_uint_eq(info->flags & ESPDIAG_ERROR_COMMUNITY_ONLY, ESPDIAG_ERROR_COMMUNITY_ONLY);
	ck_assert_ptr_nonnull(strstr(info->meaning, "app"));
	ck_assert_int_eq(espdiag_error_describe(&info, 0x800705b4u), ESPDIAG_OK);
	ck_assert_ptr_nonnull(strstr(info->meaning, "Securing your hardware"));
	ck_assert_int_eq(espdiag_error_describe(&info, 0x80070774u), ESPDIAG_OK);
	ck_assert_ptr_nonnull(strstr(info->meaning, "Assign user"));
	ck_assert_int_eq(espdiag_error_describe(&info, 0x12345678u), ESPDIAG_NOTFOUND);
	ck_assert_ptr_null(info);
	ck_assert_int_eq(espdiag_error_describe(NULL, 0x80070643u), ESPDIAG_EINVAL);
}
END_TEST

/* The installer codes of the table: each exit code and its HRESULT find
 * the same row, with its exact symbol and meaning. */
static const struct {
	int64_t exit_code;
	uint32_t hresult;
	const char *symbol;
	const char *meaning;
	uint32_t flags;
} codes[] = {
	{ 1603, 0x80070643u, "ERROR_INSTALL_FAILURE",
	  "Fatal error during installation (MSI 1603): read the installer's own log.", 0 },
	{ 1618, 0x80070652u, "ERROR_INSTALL_ALREADY_RUNNING",
	  "Another installation is already in progress (MSI 1618): Windows Installer runs one "
	  "install at a time, e.g. a LOB MSI app and a Win32 app at once.", 0 },
	{ 1641, 0x80070669u, "ERROR_SUCCESS_REBOOT_INITIATED",
	  "The installer succeeded and started a restart (MSI 1641).", 0 },
	{ 3010, 0x80070bc2u, "ERROR_SUCCESS_REBOOT_REQUIRED",
	  "The installation succeeded and asks for a restart (MSI 3010).", 0 },
	{ 1605, 0x80070645u, "ERROR_UNKNOWN_PRODUCT",
	  "The action is only valid for products that are installed (MSI 1605): e.g. an "
	  "uninstall or repair of a product code that is not on the device.", 0 },
	{ 1612, 0x8007064cu, "ERROR_INSTALL_SOURCE_ABSENT",
	  "The installation source for this product is not available (MSI 1612).", 0 },
	{ 1619, 0x80070653u, "ERROR_INSTALL_PACKAGE_OPEN_FAILED",
	  "The installation package could not be opened (MSI 1619): it does not exist at the "
	  "path the command line gives, or is not readable.", 0 },
	{ 1620, 0x80070654u, "ERROR_INSTALL_PACKAGE_INVALID",
	  "The installation package could not be opened (MSI 1620): it is not a valid Windows "
	  "Installer package.", 0 },
	{ 1625, 0x80070659u, "ERROR_INSTALL_PACKAGE_REJECTED",
	  "The installation is forbidden by system policy (MSI 1625).", 0 },
	{ 1638, 0x80070666u, "ERROR_PRODUCT_VERSION",
	  "Another version of this product is already installed (MSI 1638): uninstall it, or "
	  "let the package upgrade it.", 0 },
	{ 2, 0x80070002u, "ERROR_FILE_NOT_FOUND",
	  "A file was not found: often the install command line names a file that is not in the "
	  "app package, or the content was not downloaded.", 0 },
	{ 1460, 0x800705b4u, "ERROR_TIMEOUT", NULL, 0 },
	/* HRESULTs as the IME writes them (signed) and logs them (unsigned). */
	{ -2147023293, 0x80070643u, "ERROR_INSTALL_FAILURE", NULL, 0 },
	{ 2147944003, 0x80070643u, "ERROR_INSTALL_FAILURE", NULL, 0 },
	{ -2016345060, 0x87d1041cu, NULL,
	  "The app installed but was not detected afterwards: its detection rule does not "
	  "match what the installer left behind.", 0 },
	{ -2147467259, 0x80004005u, "E_FAIL", "Unspecified failure.", 0 },
	{ -2147024891, 0x80070005u, "E_ACCESSDENIED", NULL, 0 },
	{ -2147009293, 0x80073cf3u, "ERROR_INSTALL_RESOLVE_DEPENDENCY_FAILED",
	  "A packaged (Store/MSIX) app failed its update, dependency or conflict validation: "
	  "a framework it needs is missing, or a newer version is installed.", 0 },
	{ -2016214939, 0x87d30065u, NULL, NULL, ESPDIAG_ERROR_COMMUNITY_ONLY },
	{ -2016214937, 0x87d30067u, NULL, "The IME could not download the app's content.",
	  ESPDIAG_ERROR_COMMUNITY_ONLY },
	{ -2016214839, 0x87d300c9u, NULL, NULL, ESPDIAG_ERROR_COMMUNITY_ONLY },
};

START_TEST(test_exit_codes)
{
	const espdiag_error_info *info, *again;
	int64_t x = codes[_i].exit_code;
	ck_assert_msg(espdiag_error_describe_exit_code(&info, x) == ESPDIAG_OK, "%lld",
	              (long long)x);
	ck_assert_uint_eq(info->code, codes[_i].hresult);
	ck_assert_int_eq(espdiag_error_describe(&again, codes[_i].hresult), ESPDIAG_OK);
	ck_assert_ptr_eq(again, info);
	if (codes[_i].symbol != NULL)
		ck_assert_str_eq(info->symbol, codes[_i].symbol);
	else if (codes[_i].hresult >> 16 == 0x87d1 || codes[_i].hresult >> 16 == 0x87d3)
		ck_assert_ptr_null(info->symbol);
	if (codes[_i].meaning != NULL)
		ck_assert_str_eq(info->meaning, codes[_i].meaning);
	ck_assert_uint_eq(info->flags, codes[_i].flags);
}
END_TEST

START_TEST(test_exit_code_edges)
{
	const espdiag_error_info *info = (const espdiag_error_info *)1;
	/* 0 is success; past 16 bits and below 0x80000000 no Win32 code; past
	 * 32 bits nothing; 42 is a Win32 number the table lacks. */
	static const int64_t none[] = { 0, 0x10000, 0x7fffffff, 0x100000000LL, INT64_MIN,
		                        (int64_t)INT32_MIN - 1, 42 };
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
		ck_assert_int_eq(espdiag_error_describe_exit_code(&info, none[i]), ESPDIAG_NOTFOUND);
		ck_assert_ptr_null(info);
	}
	ck_assert_int_eq(espdiag_error_describe_exit_code(NULL, 1603), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_error_describe_exit_code(&info, 0xffffffffLL), ESPDIAG_NOTFOUND);
	ck_assert_int_eq(espdiag_error_describe_exit_code(&info, INT32_MIN), ESPDIAG_NOTFOUND);
	ck_assert_int_eq(espdiag_error_describe_exit_code(&info, 0xffff), ESPDIAG_NOTFOUND);
	/* Between two rows of the table: not found (the search by halves). */
	ck_assert_int_eq(espdiag_error_describe(&info, 0x80070644u), ESPDIAG_NOTFOUND);
	ck_assert_int_eq(espdiag_error_describe(&info, 0x87d30066u), ESPDIAG_NOTFOUND);
}
END_TEST



/* Each rule: a fixture where it fires (exactly count times) and its
 * nearest neighbour where it must not. */
static const struct {
	const char *rule;
	const char *fires;
	size_t count;
	const char *quiet;
} pairs[] = {
	{ "no-esp-data", "diag-empty.reg", 1, "diag-old-os.reg" },
	{ "os-too-old-for-win32-tracking", "diag-old-os.reg", 1, "diag-empty.reg" },
	{ "os-too-old-for-win32-tracking", "diag-old-os.reg", 1, "diag-ok.reg" },
	{ "phase-skipped", "diag-skip.reg", 1, "diag-no-user.reg" },
	{ "ime-install-failed", "diag-ime-failed.reg", 1, "diag-configmgr-failed.reg" },
	{ "provider-install-failed", "diag-configmgr-failed.reg", 1, "diag-ime-failed.reg" },
	{ "provider-install-failed", "diag-configmgr-failed.reg", 1, "diag-configmgr-pending.reg" },
	{ "provider-not-installed", "diag-configmgr-pending.reg", 1, "diag-configmgr-failed.reg" },
	{ "tracking-policies-missing", "diag-identifying.reg", 1, "diag-ok.reg" },
	{ "app-install-failed", "diag-app-failed.reg", 1, "diag-ok.reg" },
	{ "app-install-incomplete", "diag-in-progress.reg", 1, "diag-ok.reg" },
	{ "account-setup-not-started", "diag-no-user.reg", 1, "diag-skip.reg" },
	{ "account-setup-not-started", "diag-no-user.reg", 1, "diag-in-progress.reg" },
	{ "mixed-msi-win32", "diag-mixed.reg", 1, "diag-ok.reg" },
	{ "timeout-too-short", "diag-timeout.reg", 1, "diag-ok.reg" },
	{ "msi-install-failed", "diag-msi-failed.reg", 1, "diag-mixed.reg" },
	{ "cert-profile-pending", "diag-profiles-pending.reg", 1, "diag-ok.reg" },
	{ "network-profile-pending", "diag-profiles-pending.reg", 1, "diag-ok.reg" },
	{ "modern-app-pending", "diag-profiles-pending.reg", 1, "diag-ok.reg" },
	{ "reboot-required", "diag-reboot.reg", 1, "diag-ok.reg" },
	{ "esp-completed", "diag-ok.reg", 1, "diag-app-failed.reg" },
	{ "input-damaged", "diag-damaged.reg", 1, "diag-ok.reg" },
	{ "office-install-failed", "diag-office.reg", 2, "diag-office-ok.reg" },
	{ "esp-phase-failed", "diag-page-failed.reg", 2, "diag-page-ok.reg" },
	{ "app-install-failed", "diag-app-exit-code.reg", 2, "diag-office-ok.reg" },
	{ "apv2-workload-failed", "v2-workload-failed.reg", 1, "v2-subkeys.reg" },
	{ "apv2-page-failed", "v2-workload-failed.reg", 1, "v2-subkeys.reg" },
	{ "apv2-timeout", "v2-timeout.reg", 1, "v2-workload-failed.reg" },
	{ "apv2-not-applied", "v2-not-applied.reg", 1, "v2-subkeys.reg" },
	/* apps: a folder of a dump and an AppWorkload.log (tests/check_logs.c). */
	{ "app-detection-failed", "apps", 1, "diag-app-failed.reg" },
	{ "app-detection-failed", "diag-app-exit-code.reg", 1, "diag-ok.reg" },
	{ "app-slow", "apps", 1, "diag-app-failed.reg" },
};

START_TEST(test_rule_pair)
{
	diag d = { 0 };
	diag_open(&d, pairs[_i].fires, NULL);
	ck_assert_msg(count_id(d.report, pairs[_i].rule) == pairs[_i].count,
	              "%s on %s: got %s", pairs[_i].rule, pairs[_i].fires, ids(d.report));
	diag_close(&d);
	diag_open(&d, pairs[_i].quiet, NULL);
	ck_assert_msg(count_id(d.report, pairs[_i].rule) == 0, "%s fired on %s: %s",
	              pairs[_i].rule, pairs[_i].quiet, ids(d.report));
	diag_close(&d);
}
END_TEST

/* The rules on what only a bundle holds (event logs, the ZTD file): their
 * pairs, fires and stays quiet, are bundles made by tests/events.sh. */
static const char *const bundle_rules[] = { "enrollment-failed", "odj-failed",
	                                    "hybrid-registration-failed",
	                                    "autopilot-not-registered" };

/* Every rule has a pair above, or is a bundle rule. */
START_TEST(test_every_rule_paired)
{
	for (size_t i = 0; i < NRULES; i++) {
		bool found = false;
		for (size_t j = 0; j < sizeof bundle_rules / sizeof bundle_rules[0]; j++)
			found |= strcmp(bundle_rules[j], catalogue[i]) == 0;
		for (size_t j = 0; j < sizeof pairs / sizeof pairs[0]; j++)
			found |= strcmp(pairs[j].rule, catalogue[i]) == 0;
		ck_assert_msg(found, "rule %s has no fixture pair", catalogue[i]);
	}
}
END_TEST

/* The exact findings of each fixture: nothing fires beyond its evidence. */
static const struct {
	const char *fixture;
	const char *ids;
	espdiag_outcome outcome;
} exact[] = {
	{ "diag-ok.reg", "esp-completed", ESPDIAG_OUTCOME_COMPLETED },
	{ "diag-empty.reg", "no-esp-data", ESPDIAG_OUTCOME_UNKNOWN },
	{ "diag-old-os.reg", "os-too-old-for-win32-tracking", ESPDIAG_OUTCOME_UNKNOWN },
	{ "diag-skip.reg", "esp-completed,phase-skipped", ESPDIAG_OUTCOME_COMPLETED },
	{ "diag-ime-failed.reg", "ime-install-failed", ESPDIAG_OUTCOME_FAILED },
	{ "diag-configmgr-failed.reg", "provider-install-failed", ESPDIAG_OUTCOME_FAILED },
	{ "diag-configmgr-pending.reg", "provider-not-installed", ESPDIAG_OUTCOME_IN_PROGRESS },
	{ "diag-identifying.reg", "tracking-policies-missing", ESPDIAG_OUTCOME_FAILED },
	{ "diag-app-failed.reg", "app-install-failed", ESPDIAG_OUTCOME_FAILED },
	{ "diag-in-progress.reg", "app-install-incomplete", ESPDIAG_OUTCOME_IN_PROGRESS },
	{ "diag-no-user.reg", "account-setup-not-started", ESPDIAG_OUTCOME_IN_PROGRESS },
	{ "diag-mixed.reg", "esp-completed,mixed-msi-win32", ESPDIAG_OUTCOME_COMPLETED },
	{ "diag-timeout.reg", "esp-completed,timeout-too-short", ESPDIAG_OUTCOME_COMPLETED },
	{ "diag-msi-failed.reg", "msi-install-failed", ESPDIAG_OUTCOME_FAILED },
	{ "diag-profiles-pending.reg",
	  "network-profile-pending,cert-profile-pending,modern-app-pending",
	  ESPDIAG_OUTCOME_FAILED },
	{ "diag-reboot.reg", "esp-completed,reboot-required", ESPDIAG_OUTCOME_COMPLETED },
	/* Damaged: esp-completed is withheld (see test_withheld). */
	{ "diag-damaged.reg", "input-damaged", ESPDIAG_OUTCOME_UNKNOWN },
	{ "diag-render.reg", "app-install-failed,phase-skipped", ESPDIAG_OUTCOME_FAILED },
	{ "diag-office.reg", "office-install-failed,office-install-failed,phase-skipped",
	  ESPDIAG_OUTCOME_FAILED },
	{ "diag-office-ok.reg", "esp-completed,phase-skipped", ESPDIAG_OUTCOME_COMPLETED },
	{ "diag-page-failed.reg", "esp-phase-failed,esp-phase-failed,phase-skipped",
	  ESPDIAG_OUTCOME_FAILED },
	/* The page waits for a restart: not completed, whatever the tracking keys say. */
	{ "diag-page-ok.reg", "phase-skipped", ESPDIAG_OUTCOME_IN_PROGRESS },
	/* Its IME ErrorCode 0x87D1041C: app-detection-failed too. */
	{ "diag-app-exit-code.reg",
	  "app-install-failed,app-install-failed,app-detection-failed,phase-skipped",
	  ESPDIAG_OUTCOME_FAILED },
	{ "diag-msi-tracking.reg", "msi-install-failed,phase-skipped", ESPDIAG_OUTCOME_FAILED },
};

START_TEST(test_exact_findings)
{
	diag d = { 0 };
	diag_open(&d, exact[_i].fixture, NULL);
	ck_assert_msg(strcmp(ids(d.report), exact[_i].ids) == 0, "%s: %s", exact[_i].fixture,
	              ids(d.report));
	ck_assert_int_eq(espdiag_report_outcome(d.report), exact[_i].outcome);
	diag_close(&d);
}
END_TEST

START_TEST(test_finding_details)
{
	diag d = { 0 };
	uint32_t code = 0;
	/* One finding per failed app, naming it, its phase and its user. */
	diag_open(&d, "diag-app-failed.reg", NULL);
	const espdiag_finding *f = find_id(d.report, "app-install-failed");
	ck_assert_int_eq(espdiag_finding_severity(f), ESPDIAG_SEVERITY_ERROR);
	ck_assert_uint_eq(espdiag_finding_phase(f), ESPDIAG_ESP_PHASE_ACCOUNT_SETUP);
	ck_assert_str_eq(espdiag_finding_sid(f), "S-1-12-1-1111-2222-3333-4444");
	ck_assert_str_eq(espdiag_finding_title(f),
	                 "Win32 app bbbbbbbb-0000-4000-8000-000000000002 (version 3) failed to install");
	ck_assert_ptr_nonnull(strstr(espdiag_finding_detail(f), "S-1-12-1-1111-2222-3333-4444"));
	ck_assert_ptr_nonnull(strstr(espdiag_finding_remediation(f), "AppWorkload.log"));
	ck_assert_int_eq(espdiag_finding_error_code(&code, f), ESPDIAG_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(espdiag_finding_detail(f),
	                             "timeline first shows the failure at 2026-11-20T12:20:00Z."));
	ck_assert_uint_eq(espdiag_finding_evidence_count(f), 2);
	ck_assert_str_eq(espdiag_finding_evidence_key(f, 1),
	                 "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\"
	                 "EnrollmentStatusTracking\\ESPTrackingInfo\\Diagnostics\\"
	                 "S-1-12-1-1111-2222-3333-4444\\Sidecar\\2026-11-20T12:20:00Z");
	ck_assert_str_eq(espdiag_finding_evidence_data(f, 1), "4 (error)");
	ck_assert_str_eq(espdiag_finding_evidence_key(f, 0),
	                 "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\"
	                 "EnrollmentStatusTracking\\S-1-12-1-1111-2222-3333-4444\\Setup\\Apps\\"
	                 "Tracking\\Sidecar\\Win32App_bbbbbbbb-0000-4000-8000-000000000002_3");
	ck_assert_str_eq(espdiag_finding_evidence_value(f, 0), "InstallationState");
	ck_assert_str_eq(espdiag_finding_evidence_data(f, 0), "4 (error)");
	ck_assert_ptr_null(espdiag_finding_evidence_key(f, 2));
	ck_assert(espdiag_report_has_errors(d.report));
	ck_assert_uint_eq(espdiag_report_severity_count(d.report, ESPDIAG_SEVERITY_ERROR), 1);
	diag_close(&d);

	/* The provider's LastError is decoded and exposed. */
	diag_open(&d, "diag-ime-failed.reg", NULL);
	f = find_id(d.report, "ime-install-failed");
	ck_assert_uint_eq(espdiag_finding_phase(f), ESPDIAG_ESP_PHASE_DEVICE_PREPARATION);
	ck_assert_int_eq(espdiag_finding_error_code(&code, f), ESPDIAG_OK);
	ck_assert_uint_eq(code, 0x80070643u);
	ck_assert_ptr_nonnull(strstr(espdiag_finding_detail(f), "0x80070643 (ERROR_INSTALL_FAILURE"));
	ck_assert_str_eq(espdiag_finding_evidence_value(f, 1), "LastError");
	ck_assert_str_eq(espdiag_finding_evidence_data(f, 1), "0x80070643");
	diag_close(&d);

	diag_open(&d, "diag-configmgr-failed.reg", NULL);
	f = find_id(d.report, "provider-install-failed");
	ck_assert_ptr_nonnull(strstr(espdiag_finding_title(f), "ConfigMgr"));
	ck_assert_ptr_nonnull(strstr(espdiag_finding_detail(f), "Assign user"));
	diag_close(&d);

	/* The MSI names its product code and error. */
	diag_open(&d, "diag-msi-failed.reg", NULL);
	f = find_id(d.report, "msi-install-failed");
	ck_assert_uint_eq(espdiag_finding_phase(f), ESPDIAG_ESP_PHASE_DEVICE_SETUP);
	ck_assert_ptr_null(espdiag_finding_sid(f));
	ck_assert_ptr_nonnull(strstr(espdiag_finding_title(f), "{00000000-0000-0000-0000-00000000000B}"));
	ck_assert_int_eq(espdiag_finding_error_code(&code, f), ESPDIAG_OK);
	ck_assert_uint_eq(code, 0x80070643u);
	diag_close(&d);

	/* Hybrid join is named as the likely cause. */
	diag_open(&d, "diag-no-user.reg", NULL);
	f = find_id(d.report, "account-setup-not-started");
	ck_assert_ptr_nonnull(strstr(espdiag_finding_detail(f), "Azure AD Connect"));
	diag_close(&d);

	/* Each pending profile names itself. */
	diag_open(&d, "diag-profiles-pending.reg", NULL);
	ck_assert_str_eq(espdiag_finding_title(find_id(d.report, "cert-profile-pending")),
	                 "Certificate profile CorpCert is not installed (device setup)");
	ck_assert_str_eq(espdiag_finding_title(find_id(d.report, "network-profile-pending")),
	                 "Network profile CorpWiFi is not installed (device setup)");
	diag_close(&d);

	/* Damage: the reader's warning is the evidence, with its line. */
	diag_open(&d, "diag-damaged.reg", NULL);
	f = find_id(d.report, "input-damaged");
	ck_assert_uint_eq(espdiag_finding_phase(f), 0);
	ck_assert_ptr_nonnull(strstr(espdiag_finding_evidence_value(f, 0), "line "));
	diag_close(&d);
}
END_TEST

static char *render(const espdiag_report *r, int text, int colour);

/* Each rule's subject: kind, id, name, context, SID (NULL: no subject). */
static const struct {
	const char *fixture, *rule;
	const char *kind, *id, *name, *context, *sid;
} subjects[] = {
	{ "diag-empty.reg", "no-esp-data", NULL, NULL, NULL, NULL, NULL },
	{ "diag-old-os.reg", "os-too-old-for-win32-tracking", NULL, NULL, NULL, NULL, NULL },
	{ "diag-ok.reg", "esp-completed", NULL, NULL, NULL, NULL, NULL },
	{ "diag-skip.reg", "phase-skipped", "phase", "account_setup", NULL, "user", NULL },
	{ "diag-ime-failed.reg", "ime-install-failed", "provider", "Sidecar",
	  "Intune Management Extension", "device", NULL },
	{ "diag-configmgr-failed.reg", "provider-install-failed", "provider", "ConfigMgr",
	  "Configuration Manager client", "device", NULL },
	{ "diag-configmgr-pending.reg", "provider-not-installed", "provider", "ConfigMgr",
	  "Configuration Manager client", "device", NULL },
	{ "diag-identifying.reg", "tracking-policies-missing", "policy_provider", "Sidecar", NULL,
	  "device", NULL },
	{ "diag-app-failed.reg", "app-install-failed", "win32_app",
	  "bbbbbbbb-0000-4000-8000-000000000002", NULL, "user", "S-1-12-1-1111-2222-3333-4444" },
	{ "diag-in-progress.reg", "app-install-incomplete", "phase", "device_setup", NULL,
	  "device", NULL },
	{ "diag-no-user.reg", "account-setup-not-started", "phase", "account_setup", NULL, "user",
	  NULL },
	{ "diag-mixed.reg", "mixed-msi-win32", "phase", "device_setup", NULL, "device", NULL },
	{ "diag-timeout.reg", "timeout-too-short", "phase", "device_setup", NULL, "device", NULL },
	{ "diag-msi-failed.reg", "msi-install-failed", "msi_app",
	  "{00000000-0000-0000-0000-00000000000B}", NULL, "device", NULL },
	{ "diag-profiles-pending.reg", "cert-profile-pending", "certificate", "CorpCert", NULL,
	  "device", NULL },
	{ "diag-profiles-pending.reg", "network-profile-pending", "network_profile", "CorpWiFi",
	  NULL, "device", NULL },
	{ "diag-reboot.reg", "reboot-required", "win32_app", "aaaaaaaa-0000-4000-8000-000000000001",
	  NULL, "device", NULL },
	{ "diag-damaged.reg", "input-damaged", "input", "@PATH@", NULL, "device", NULL },
	{ "diag-msi-tracking.reg", "msi-install-failed", "msi_app",
	  "{00000000-0000-0000-0000-00000000000C}", NULL, "device", NULL },
	{ "diag-office.reg", "office-install-failed", "office",
	  "{0F0F0F0F-0000-4000-8000-000000000001}", "Microsoft 365 Apps", "device", NULL },
	{ "diag-page-failed.reg", "esp-phase-failed", "phase", "device_setup",
	  "DeviceSetup.CertificatesSubcategory", "device", NULL },
	{ "diag-app-exit-code.reg", "app-install-failed", "win32_app",
	  "aaaaaaaa-0000-4000-8000-000000000001", NULL, "device", NULL },
};

static void assert_str_or_null(const char *got, const char *want, const char *what)
{
	if (want == NULL)
		ck_assert_msg(got == NULL, "%s: %s, want NULL", what, got);
	else
		ck_assert_msg(got != NULL && strcmp(got, want) == 0, "%s: %s, want %s", what,
		              got ? got : "NULL", want);
}

START_TEST(test_subject)
{
	diag d = { 0 };
	diag_open(&d, subjects[_i].fixture, NULL);
	const espdiag_subject *s = espdiag_finding_subject(find_id(d.report, subjects[_i].rule));
	if (subjects[_i].kind == NULL) {
		ck_assert_ptr_null(s);
	} else {
		ck_assert_ptr_nonnull(s);
		ck_assert_str_eq(s->kind, subjects[_i].kind);
		if (strcmp(subjects[_i].id, "@PATH@") == 0)
			ck_assert_str_eq(s->id, tu_data_path(subjects[_i].fixture));
		else
			ck_assert_str_eq(s->id, subjects[_i].id);
		assert_str_or_null(s->name, subjects[_i].name, "name");
		ck_assert_str_eq(s->context, subjects[_i].context);
		assert_str_or_null(s->sid, subjects[_i].sid, "sid");
	}
	ck_assert_ptr_null(espdiag_finding_subject(NULL));
	diag_close(&d);
}
END_TEST

/* The JSON carries the subject and the error object, and the text names
 * the code and its meaning. */
START_TEST(test_json_subject_error)
{
	diag d = { 0 };
	int64_t exit_code = 0;
	diag_open(&d, "diag-ime-failed.reg", NULL);
	char *json = render(d.report, 0, 0);
	ck_assert_ptr_nonnull(strstr(
		json, "\"error_code\":\"0x80070643\",\"subject\":{\"kind\":\"provider\",\"id\":\"Sidecar\","
		      "\"name\":\"Intune Management Extension\",\"context\":\"device\",\"sid\":null},"
		      "\"error\":{\"hresult\":\"0x80070643\",\"decimal\":-2147023293,\"exit_code\":null,"
		      "\"symbol\":\"ERROR_INSTALL_FAILURE\",\"meaning\":\"Fatal error during installation "
		      "(MSI 1603): read the installer's own log.\",\"community_only\":false}}"));
	free(json);
	ck_assert_int_eq(espdiag_finding_exit_code(&exit_code,
	                                           find_id(d.report, "ime-install-failed")),
	                 ESPDIAG_NOTFOUND);
	ck_assert_int_eq(espdiag_finding_exit_code(NULL, find_id(d.report, "ime-install-failed")),
	                 ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_finding_exit_code(&exit_code, NULL), ESPDIAG_EINVAL);
	char *text = render(d.report, 1, 0);
	ck_assert_ptr_nonnull(strstr(text, "LastError is 0x80070643 (ERROR_INSTALL_FAILURE: Fatal "
	                                   "error during installation (MSI 1603)"));
	free(text);
	diag_close(&d);

	/* No subject: null. */
	diag_open(&d, "diag-ok.reg", NULL);
	json = render(d.report, 0, 0);
	ck_assert_ptr_nonnull(strstr(json, "\"error_code\":null,\"subject\":null,\"error\":null}]}"));
	free(json);
	diag_close(&d);
}
END_TEST

/* Acceptance (issue 13): a failed Win32 app with ErrorHresult 0x80070643
 * and the IME's ErrorCode 1603 names both codes and what they mean, in C,
 * JSON and text, with the app's id as its subject. */
START_TEST(test_app_exit_code)
{
	diag d = { 0 };
	uint32_t code = 0;
	int64_t exit_code = 0;
	diag_open(&d, "diag-app-exit-code.reg", NULL);
	const espdiag_finding *f = espdiag_report_finding_at(d.report, 0);
	ck_assert_str_eq(espdiag_finding_id(f), "app-install-failed");
	ck_assert_int_eq(espdiag_finding_error_code(&code, f), ESPDIAG_OK);
	ck_assert_uint_eq(code, 0x80070643u);
	ck_assert_int_eq(espdiag_finding_exit_code(&exit_code, f), ESPDIAG_OK);
	ck_assert_int_eq(exit_code, 1603);
	ck_assert_str_eq(espdiag_finding_subject(f)->id, "aaaaaaaa-0000-4000-8000-000000000001");
	ck_assert_ptr_nonnull(strstr(
		espdiag_finding_detail(f),
		"is allowed. Its ErrorHresult is 0x80070643 (-2147023293), ERROR_INSTALL_FAILURE: "
		"Fatal error during installation (MSI 1603): read the installer's own log. The IME's "
		"EnforcementStateMessage ErrorCode is 1603, the installer's exit code behind it."));
	ck_assert_str_eq(espdiag_finding_evidence_value(f, 1), "ErrorHresult");
	ck_assert_str_eq(espdiag_finding_evidence_data(f, 1), "0x80070643");
	ck_assert_str_eq(espdiag_finding_evidence_key(f, 2),
	                 "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\IntuneManagementExtension\\Win32Apps\\"
	                 "00000000-0000-0000-0000-000000000000\\aaaaaaaa-0000-4000-8000-000000000001_2");
	ck_assert_str_eq(espdiag_finding_evidence_value(f, 2), "EnforcementStateMessage");
	ck_assert_str_eq(espdiag_finding_evidence_data(f, 2), "ErrorCode 1603");
	char *json = render(d.report, 0, 0);
	ck_assert_ptr_nonnull(strstr(
		json, "\"error_code\":\"0x80070643\",\"subject\":{\"kind\":\"win32_app\",\"id\":\"aaaaaaaa-"
		      "0000-4000-8000-000000000001\",\"name\":null,\"context\":\"device\",\"sid\":null},"
		      "\"error\":{\"hresult\":\"0x80070643\",\"decimal\":-2147023293,\"exit_code\":1603,"
		      "\"symbol\":\"ERROR_INSTALL_FAILURE\",\"meaning\":\"Fatal error during installation "
		      "(MSI 1603): read the installer's own log.\",\"community_only\":false}}"));
	/* The IME's ErrorCode alone, an HRESULT: no exit code. */
	ck_assert_ptr_nonnull(strstr(
		json, "\"error_code\":\"0x87d1041c\",\"subject\":{\"kind\":\"win32_app\",\"id\":\"cccccccc-"
		      "0000-4000-8000-000000000003\",\"name\":null,\"context\":\"device\",\"sid\":null},"
		      "\"error\":{\"hresult\":\"0x87d1041c\",\"decimal\":-2016345060,\"exit_code\":null,"
		      "\"symbol\":null,\"meaning\":\"The app installed but was not detected afterwards: "
		      "its detection rule does not match what the installer left behind.\","
		      "\"community_only\":false}}"));
	free(json);
	char *text = render(d.report, 1, 0);
	ck_assert_ptr_nonnull(strstr(text, "Its ErrorHresult is 0x80070643 (-2147023293), "
	                                   "ERROR_INSTALL_FAILURE: Fatal error during installation "
	                                   "(MSI 1603)"));
	ck_assert_ptr_nonnull(strstr(text, "The IME's EnforcementStateMessage ErrorCode is 1603, "
	                                   "the installer's exit code behind it."));
	ck_assert_ptr_nonnull(strstr(text, "The IME's EnforcementStateMessage ErrorCode is "
	                                   "-2016345060: 0x87d1041c (-2016345060): The app installed "
	                                   "but was not detected afterwards"));
	free(text);
	f = espdiag_report_finding_at(d.report, 1);
	ck_assert_int_eq(espdiag_finding_exit_code(&exit_code, f), ESPDIAG_NOTFOUND);
	diag_close(&d);

	/* A tracked app without either code: none. */
	diag_open(&d, "diag-app-failed.reg", NULL);
	ck_assert_int_eq(espdiag_finding_error_code(&code, find_id(d.report, "app-install-failed")),
	                 ESPDIAG_NOTFOUND);
	diag_close(&d);
}
END_TEST

/* The page's own status: each failed, cancelled or timed out subcategory
 * is named with its text; failedFromPrevious* and running states are not. */
START_TEST(test_page_failed)
{
	diag d = { 0 };
	uint32_t code = 0;
	diag_open(&d, "diag-page-failed.reg", NULL);
	const espdiag_finding *t = espdiag_report_finding_at(d.report, 0);
	const espdiag_finding *a = espdiag_report_finding_at(d.report, 1);
	ck_assert_str_eq(espdiag_finding_title(t),
	                 "The ESP page says DeviceSetup.CertificatesSubcategory timed out");
	ck_assert_uint_eq(espdiag_finding_phase(t), ESPDIAG_ESP_PHASE_DEVICE_SETUP);
	ck_assert_int_eq(espdiag_finding_error_code(&code, t), ESPDIAG_OK);
	ck_assert_uint_eq(code, 0x800705b4u);
	ck_assert_ptr_nonnull(strstr(espdiag_finding_detail(t), "(its status text: \"Error "
	                                                        "0x800705b4\")"));
	ck_assert_str_eq(espdiag_finding_title(a),
	                 "The ESP page says DeviceSetup.AppsSubcategory failed");
	ck_assert_str_eq(espdiag_finding_detail(a),
	                 "The Enrollment Status Page's own status (DeviceSetupCategory.Status) marks "
	                 "DeviceSetup.AppsSubcategory as failed (its status text: \"Apps (1 of 3 "
	                 "installed, 1 failed)\"). Its category DeviceSetupCategory failed (its "
	                 "status text: \"Failed\").");
	ck_assert_int_eq(espdiag_finding_error_code(&code, a), ESPDIAG_NOTFOUND);
	ck_assert_str_eq(espdiag_finding_evidence_key(a, 0),
	                 "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Provisioning\\AutopilotSettings");
	ck_assert_str_eq(espdiag_finding_evidence_value(a, 0), "DeviceSetupCategory.Status");
	ck_assert_str_eq(espdiag_finding_evidence_data(a, 0), "DeviceSetup.AppsSubcategory: failed");
	diag_close(&d);

	/* Office: the status that decides, by name. */
	diag_open(&d, "diag-office.reg", NULL);
	const espdiag_finding *o = espdiag_report_finding_at(d.report, 0);
	ck_assert_str_eq(espdiag_finding_title(o), "Microsoft 365 Apps failed to install (OfficeCSP "
	                                           "{0F0F0F0F-0000-4000-8000-000000000001})");
	ck_assert_str_eq(espdiag_finding_evidence_value(o, 0), "FinalStatus");
	ck_assert_str_eq(espdiag_finding_evidence_data(o, 0), "60 (enforcement_failed)");
	o = espdiag_report_finding_at(d.report, 1);
	ck_assert_str_eq(espdiag_finding_evidence_value(o, 0), "Status");
	ck_assert_str_eq(espdiag_finding_evidence_data(o, 0), "30 (download_failed)");
	diag_close(&d);
}
END_TEST

/* --- damaged input: conclusions withheld --- */

/* A value name without its closing quote: every dialect drops the line (a
 * dump keeps an undecodable datum as an opaque value, so the damage must be
 * in the name). */
static const char bad_line[] = "\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso]\n\"bad=dword:0\n";

/* A fixture's text with edits: every "cut" removed, bad_line appended when damage. */
static void diag_open_edited(diag *d, const char *fixture, const char *cut, bool damage,
                             const espdiag_diagnose_options *opts)
{
	size_t size;
	char *text = (char *)tu_read_file(tu_data_path(fixture), &size);
	ck_assert_ptr_nonnull(text);
	char *buf = malloc(size + sizeof bad_line);
	ck_assert_ptr_nonnull(buf);
	size_t n = 0;
	for (const char *p = text; *p;) {
		if (cut != NULL && strncmp(p, cut, strlen(cut)) == 0) {
			p += strlen(cut);
			continue;
		}
		buf[n++] = *p++;
	}
	buf[n] = '\0';
	if (damage)
		strcat(buf, bad_line);
	free(text);
	d->reg = tu_open_text(buf);
	free(buf);
	ck_assert_ptr_nonnull(d->reg);
	ck_assert_int_eq(espdiag_esp_load(&d->esp, d->reg), ESPDIAG_OK);
	espdiag_diagnose_options o = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	if (opts != NULL)
		o = *opts;
	o.registry = d->reg;
	ck_assert_int_eq(espdiag_diagnose(&d->report, d->esp, &o), ESPDIAG_OK);
}

static void diag_close_edited(diag *d)
{
	espdiag_report_free(d->report);
	espdiag_esp_free(d->esp);
	tu_registry_free(d->reg);
}

/* Each fixture with a line Windows drops appended: what stands, the
 * outcome, and what input-damaged says was withheld ("" for nothing). */
static const struct {
	const char *fixture;
	const char *ids;
	espdiag_outcome outcome;
	const char *withheld;
} damaged[] = {
	{ "diag-ok.reg", "input-damaged", ESPDIAG_OUTCOME_UNKNOWN, "esp-completed" },
	{ "diag-empty.reg", "input-damaged", ESPDIAG_OUTCOME_UNKNOWN, "no-esp-data" },
	{ "diag-old-os.reg", "input-damaged", ESPDIAG_OUTCOME_UNKNOWN,
	  "os-too-old-for-win32-tracking" },
	{ "diag-identifying.reg", "input-damaged", ESPDIAG_OUTCOME_UNKNOWN,
	  "tracking-policies-missing" },
	{ "diag-in-progress.reg", "input-damaged", ESPDIAG_OUTCOME_UNKNOWN,
	  "app-install-incomplete" },
	{ "diag-no-user.reg", "input-damaged", ESPDIAG_OUTCOME_UNKNOWN,
	  "account-setup-not-started" },
	{ "diag-profiles-pending.reg", "input-damaged", ESPDIAG_OUTCOME_UNKNOWN,
	  "cert-profile-pending, network-profile-pending, modern-app-pending" },
	{ "diag-skip.reg", "input-damaged,phase-skipped", ESPDIAG_OUTCOME_UNKNOWN,
	  "esp-completed" },
	/* Evidence that was read stands. */
	{ "diag-app-failed.reg", "input-damaged,app-install-failed", ESPDIAG_OUTCOME_FAILED, "" },
	{ "diag-msi-failed.reg", "input-damaged,msi-install-failed", ESPDIAG_OUTCOME_FAILED, "" },
	{ "diag-ime-failed.reg", "input-damaged,ime-install-failed", ESPDIAG_OUTCOME_FAILED, "" },
	{ "diag-configmgr-pending.reg", "input-damaged,provider-not-installed",
	  ESPDIAG_OUTCOME_UNKNOWN, "" },
	{ "diag-timeout.reg", "input-damaged,timeout-too-short", ESPDIAG_OUTCOME_UNKNOWN,
	  "esp-completed" },
	{ "diag-office.reg", "office-install-failed,office-install-failed,input-damaged,phase-skipped",
	  ESPDIAG_OUTCOME_FAILED, "" },
	{ "diag-page-failed.reg", "input-damaged,esp-phase-failed,esp-phase-failed,phase-skipped",
	  ESPDIAG_OUTCOME_FAILED, "" },
};

START_TEST(test_withheld)
{
	diag d = { 0 };
	diag_open_edited(&d, damaged[_i].fixture, NULL, true, NULL);
	ck_assert_msg(strcmp(ids(d.report), damaged[_i].ids) == 0, "%s: %s", damaged[_i].fixture,
	              ids(d.report));
	ck_assert_int_eq(espdiag_report_outcome(d.report), damaged[_i].outcome);
	ck_assert(espdiag_report_incomplete(d.report));
	const char *detail = espdiag_finding_detail(find_id(d.report, "input-damaged"));
	char want[512];
	if (damaged[_i].withheld[0] != '\0')
		snprintf(want, sizeof want, "were withheld: %s. The outcome is unknown unless an "
		         "error stands.", damaged[_i].withheld);
	else
		snprintf(want, sizeof want, "no rule concluded from a key being absent");
	ck_assert_msg(strstr(detail, want) != NULL, "%s: %s", damaged[_i].fixture, detail);
	char *json = render(d.report, 0, 0);
	ck_assert_ptr_nonnull(strstr(json, "\"incomplete\":true}"));
	free(json);
	char *text = render(d.report, 1, 0);
	ck_assert_ptr_nonnull(strstr(text, " (incomplete: the input is damaged) - "));
	free(text);
	diag_close_edited(&d);

	/* The same text undamaged: complete. */
	diag_open_edited(&d, damaged[_i].fixture, NULL, false, NULL);
	ck_assert(!espdiag_report_incomplete(d.report));
	ck_assert_uint_eq(count_id(d.report, "input-damaged"), 0);
	diag_close_edited(&d);
}
END_TEST

/* The two rules withheld only in part. */
START_TEST(test_withheld_parts)
{
	diag d = { 0 };
	espdiag_diagnose_options o = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	o.app_minutes = 61; /* one app per phase x 61 minutes > 60 */
	static const char timeout[] = "\"SyncFailureTimeout\"=dword:0000003c\n";
	/* SyncFailureTimeout absent: the default is assumed only on sound input. */
	diag_open_edited(&d, "diag-ok.reg", timeout, false, &o);
	ck_assert_str_eq(ids(d.report), "esp-completed,timeout-too-short,timeout-too-short");
	diag_close_edited(&d);
	diag_open_edited(&d, "diag-ok.reg", timeout, true, &o);
	ck_assert_str_eq(ids(d.report), "input-damaged");
	ck_assert_ptr_nonnull(strstr(espdiag_finding_detail(find_id(d.report, "input-damaged")),
	                             "withheld: timeout-too-short (SyncFailureTimeout absent: the "
	                             "default assumed), esp-completed."));
	diag_close_edited(&d);
	/* Present: it stands. */
	diag_open_edited(&d, "diag-ok.reg", NULL, true, &o);
	ck_assert_str_eq(ids(d.report), "input-damaged,timeout-too-short,timeout-too-short");
	diag_close_edited(&d);

	/* An ExpectedMSIAppPackages entry never processed: withheld. */
	diag_open_edited(&d, "diag-msi-tracking.reg", NULL, false, NULL);
	ck_assert_str_eq(ids(d.report), "msi-install-failed,phase-skipped");
	diag_close_edited(&d);
	diag_open_edited(&d, "diag-msi-tracking.reg", NULL, true, NULL);
	ck_assert_str_eq(ids(d.report), "input-damaged,phase-skipped");
	ck_assert_ptr_nonnull(strstr(espdiag_finding_detail(find_id(d.report, "input-damaged")),
	                             "withheld: msi-install-failed (an ExpectedMSIAppPackages "
	                             "entry never processed), esp-completed."));
	diag_close_edited(&d);

	/* A skipped rule is not said to be withheld. */
	o = (espdiag_diagnose_options)ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	o.skip_rules_csv = "esp-completed";
	diag_open_edited(&d, "diag-ok.reg", NULL, true, &o);
	ck_assert_ptr_nonnull(strstr(espdiag_finding_detail(find_id(d.report, "input-damaged")),
	                             "no rule concluded from a key being absent"));
	diag_close_edited(&d);
}
END_TEST

/* A backend source with one empty root key: its "damaged" property and
 * whether it left a warning are the test's. */
typedef struct test_backend {
	espdiag_backend ops;
	const char *damaged;
	bool warn;
	espdiag_warning warning;
} test_backend;

static int tb_root(espdiag_backend *self, espdiag_node *out)
{
	(void)self;
	*out = 1;
	return ESPDIAG_OK;
}

static int tb_count(espdiag_backend *self, espdiag_node key, size_t *out)
{
	(void)self;
	(void)key;
	*out = 0;
	return ESPDIAG_OK;
}

static int tb_subkey_at(espdiag_backend *self, espdiag_node key, size_t i, espdiag_node *out)
{
	(void)self, (void)key, (void)i, (void)out;
	return ESPDIAG_NOTFOUND;
}

static int tb_name(espdiag_backend *self, espdiag_node key, const char **out, size_t *len)
{
	(void)self, (void)key;
	*out = "";
	*len = 0;
	return ESPDIAG_OK;
}

static int tb_value_at(espdiag_backend *self, espdiag_node key, size_t i,
                       espdiag_backend_value *out)
{
	(void)self, (void)key, (void)i, (void)out;
	return ESPDIAG_NOTFOUND;
}

static size_t tb_warning_count(espdiag_backend *self)
{
	return ((test_backend *)self)->warn ? 1 : 0;
}

static const espdiag_warning *tb_warning_at(espdiag_backend *self, size_t i)
{
	test_backend *b = (test_backend *)self;
	return b->warn && i == 0 ? &b->warning : NULL;
}

static const char *tb_property(espdiag_backend *self, const char *name)
{
	test_backend *b = (test_backend *)self;
	if (strcmp(name, "damaged") == 0)
		return b->damaged;
	return strcmp(name, "path") == 0 ? "vendor-source" : NULL;
}

static void tb_free(espdiag_backend *self)
{
	free(self);
}

/* diag-ok.reg plus a backend source: (property, warning) -> damaged? */
static const struct {
	const char *property;
	bool warn;
	bool damaged;
	bool input_damaged;
} sources[] = {
	{ NULL, false, false, false },
	{ NULL, true, true, true },      /* no property: a warning is damage */
	{ "no", true, false, true },     /* a note: input-damaged, nothing withheld */
	{ "yes", false, true, true },    /* damage the reader names without a warning */
	{ "yes", true, true, true },
	{ "maybe", true, true, true },   /* an unknown word: as without the property */
};

START_TEST(test_damage_property)
{
	diag d = { 0 };
	ck_assert_int_eq(espdiag_registry_new(&d.reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(d.reg, tu_data_path("diag-ok.reg"), NULL, NULL),
	                 ESPDIAG_OK);
	test_backend *b = calloc(1, sizeof *b);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(espdiag_backend_init(&b->ops, ESPDIAG_BACKEND_VERSION), ESPDIAG_OK);
	b->ops.root = tb_root;
	b->ops.subkey_count = tb_count;
	b->ops.subkey_at = tb_subkey_at;
	b->ops.key_name = tb_name;
	b->ops.value_count = tb_count;
	b->ops.value_at = tb_value_at;
	b->ops.warning_count = tb_warning_count;
	b->ops.warning_at = tb_warning_at;
	b->ops.property = tb_property;
	b->ops.free = tb_free;
	b->damaged = sources[_i].property;
	b->warn = sources[_i].warn;
	b->warning.offset = 7;
	b->warning.message = "an opaque value was kept";
	ck_assert_int_eq(espdiag_registry_mount(d.reg, "HKEY_USERS\\Vendor", &b->ops), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_esp_load(&d.esp, d.reg), ESPDIAG_OK);
	espdiag_diagnose_options o = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	o.registry = d.reg;
	ck_assert_int_eq(espdiag_diagnose(&d.report, d.esp, &o), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_report_incomplete(d.report), sources[_i].damaged);
	ck_assert_uint_eq(count_id(d.report, "esp-completed"), !sources[_i].damaged);
	ck_assert_uint_eq(count_id(d.report, "input-damaged"), sources[_i].input_damaged);
	ck_assert_int_eq(espdiag_report_outcome(d.report),
	                 sources[_i].damaged ? ESPDIAG_OUTCOME_UNKNOWN : ESPDIAG_OUTCOME_COMPLETED);
	if (sources[_i].input_damaged) {
		const espdiag_finding *f = find_id(d.report, "input-damaged");
		/* The view names a mounted backend by no path. */
		ck_assert_str_eq(espdiag_finding_subject(f)->id, "(input)");
		if (!sources[_i].damaged)
			ck_assert_ptr_nonnull(strstr(espdiag_finding_detail(f), "These warnings are "
			                                                         "notes, not damage"));
	}
	diag_close(&d);
}
END_TEST

/* A finding that rests on a key being absent or on the last snapshot. */
static bool absence_based(const espdiag_finding *f)
{
	static const char *const ids[] = { "no-esp-data", "os-too-old-for-win32-tracking",
		                           "tracking-policies-missing", "app-install-incomplete",
		                           "account-setup-not-started", "cert-profile-pending",
		                           "network-profile-pending", "modern-app-pending",
		                           "esp-completed" };
	const char *id = espdiag_finding_id(f);
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		if (strcmp(id, ids[i]) == 0)
			return true;
	if (strcmp(id, "msi-install-failed") == 0)
		return strstr(espdiag_finding_title(f), "never finished installing") != NULL;
	if (strcmp(id, "timeout-too-short") == 0)
		return strcmp(espdiag_finding_evidence_data(f, 0), "absent") == 0;
	return false;
}

/* The bundled sample (the dump dialect, UTF-16LE) cut at many offsets:
 * whatever survives, no conclusion rests on what the cut took away. Only a
 * cut right after (or inside the CR LF of) the empty line that closes a
 * key leaves a file the reader cannot tell from a whole dump of fewer
 * keys; every other cut must be named damage. */
START_TEST(test_truncated_sample)
{
	size_t size;
	unsigned char *dump = tu_read_file(SAMPLE_PATH, &size);
	ck_assert_ptr_nonnull(dump);
	/* CR LF CR (LF): the empty line after a key, its LF cut or not */
	static const unsigned char key_end[] = { '\r', 0, '\n', 0, '\r', 0 };
	size_t judged = 0, whole = 0;
	for (size_t cut = 2; cut < size; cut += 31) {
		int status;
		espdiag_registry *reg = tu_open_bytes(dump, cut, &status);
		/* A cut before the first key line leaves no registry file. */
		if (reg == NULL) {
			ck_assert_int_eq(status, ESPDIAG_EFORMAT);
			continue;
		}
		espdiag_esp *esp;
		espdiag_report *r;
		espdiag_diagnose_options o = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
		o.registry = reg;
		ck_assert_int_eq(espdiag_esp_load(&esp, reg), ESPDIAG_OK);
		ck_assert_int_eq(espdiag_diagnose(&r, esp, &o), ESPDIAG_OK);
		bool at_key_end = cut >= sizeof key_end + 2 &&
		                  (memcmp(dump + cut - sizeof key_end, key_end, sizeof key_end) == 0 ||
		                   memcmp(dump + cut - sizeof key_end - 2, key_end, sizeof key_end) == 0);
		if (at_key_end) {
			whole++;
		} else {
			judged++;
			ck_assert_msg(strcmp(espdiag_registry_source_property(reg, 0, "damaged"), "yes") == 0,
			              "cut at %zu: not damaged", cut);
			ck_assert_msg(espdiag_report_incomplete(r), "cut at %zu: complete", cut);
			for (size_t i = 0; i < espdiag_report_finding_count(r); i++)
				ck_assert_msg(!absence_based(espdiag_report_finding_at(r, i)),
				              "cut at %zu: %s", cut, ids(r));
			ck_assert_int_ne(espdiag_report_outcome(r), ESPDIAG_OUTCOME_COMPLETED);
			ck_assert_int_ne(espdiag_report_outcome(r), ESPDIAG_OUTCOME_IN_PROGRESS);
		}
		espdiag_report_free(r);
		espdiag_esp_free(esp);
		tu_registry_free(reg);
	}
	free(dump);
	ck_assert_uint_gt(judged, 300);
	ck_assert_uint_lt(whole, 5);
}
END_TEST

/* Findings without a phase first, then by phase, then errors before warnings before infos. */
START_TEST(test_order)
{
	static const char *const files[] = { "diag-damaged.reg", "diag-render.reg",
		                             "diag-profiles-pending.reg", "diag-skip.reg" };
	for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
		diag d = { 0 };
		diag_open(&d, files[k], NULL);
		for (size_t i = 1; i < espdiag_report_finding_count(d.report); i++) {
			const espdiag_finding *a = espdiag_report_finding_at(d.report, i - 1);
			const espdiag_finding *b = espdiag_report_finding_at(d.report, i);
			ck_assert(espdiag_finding_phase(a) <= espdiag_finding_phase(b));
			if (espdiag_finding_phase(a) == espdiag_finding_phase(b))
				ck_assert(espdiag_finding_severity(a) >= espdiag_finding_severity(b));
		}
		diag_close(&d);
	}
}
END_TEST

/* espdiag_diagnose_ex says which id to skip is unknown; the text report
 * with options groups, filters and rejects what it does not know. */
START_TEST(test_diagnose_ex)
{
	espdiag_registry *reg = tu_open_text("Windows Registry Editor Version 5.00\n\n"
	                                     "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso]\n");
	espdiag_esp *esp = NULL;
	espdiag_report *r = NULL;
	char *msg = (char *)"unset";
	ck_assert_int_eq(espdiag_esp_load(&esp, reg), ESPDIAG_OK);
	espdiag_diagnose_options o = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	o.skip_rules_csv = "esp-completed, app-install-faild ,x";
	ck_assert_int_eq(espdiag_diagnose_ex(&r, &msg, esp, &o), ESPDIAG_EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(msg, "no rule \"app-install-faild\" to skip (see espdiag_rule_at())");
	espdiag_free(msg);
	const char *list[] = { "nope", NULL };
	o.skip_rules_csv = NULL;
	o.skip_rules = list;
	ck_assert_int_eq(espdiag_diagnose_ex(&r, &msg, esp, &o), ESPDIAG_EINVAL);
	ck_assert_str_eq(msg, "no rule \"nope\" to skip (see espdiag_rule_at())");
	espdiag_free(msg);
	o.version = 99;
	ck_assert_int_eq(espdiag_diagnose_ex(&r, &msg, esp, &o), ESPDIAG_EINVAL);
	ck_assert_str_eq(msg, "unknown espdiag_diagnose_options version");
	espdiag_free(msg);
	ck_assert_int_eq(espdiag_diagnose_ex(&r, NULL, esp, &o), ESPDIAG_EINVAL);
	o.version = ESPDIAG_DIAGNOSE_OPTIONS_VERSION;
	o.skip_rules = NULL;
	ck_assert_int_eq(espdiag_diagnose_ex(&r, &msg, esp, &o), ESPDIAG_OK);
	ck_assert_ptr_null(msg);
	ck_assert_str_eq(espdiag_finding_id(espdiag_report_finding_at(r, 0)), "no-esp-data");

	/* Text with options: without any, what espdiag_report_write_text()
	 * writes; a width wraps every line that has a space to break at. */
	espdiag_text_options t = ESPDIAG_TEXT_OPTIONS_INIT;
	char *buf = NULL, *plain = NULL;
	size_t len = 0, plain_len = 0;
	FILE *mem = open_memstream(&buf, &len);
	ck_assert_int_eq(espdiag_report_write_text_ex(r, NULL, mem), ESPDIAG_OK);
	fclose(mem);
	mem = open_memstream(&plain, &plain_len);
	ck_assert_int_eq(espdiag_report_write_text(r, 0, mem), ESPDIAG_OK);
	fclose(mem);
	ck_assert_str_eq(buf, plain);
	free(buf);
	t.width = 30;
	mem = open_memstream(&buf, &len);
	ck_assert_int_eq(espdiag_report_write_text_ex(r, &t, mem), ESPDIAG_OK);
	fclose(mem);
	ck_assert_uint_gt(len, plain_len);
	for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		const char *word = line + strspn(line, " ");
		ck_assert_msg(strlen(line) <= 30 || strchr(word, ' ') == NULL, "not wrapped: %s", line);
	}
	free(buf);
	free(plain);
	t.width = 30;
	t.min_severity = ESPDIAG_SEVERITY_ERROR + 1;
	ck_assert_int_eq(espdiag_report_write_text_ex(r, &t, stdout), ESPDIAG_EINVAL);
	t.min_severity = 0;
	t.flags = 0x80;
	ck_assert_int_eq(espdiag_report_write_text_ex(r, &t, stdout), ESPDIAG_EINVAL);
	t.flags = ESPDIAG_TEXT_GROUP;
	t.version = 0;
	ck_assert_int_eq(espdiag_report_write_text_ex(r, &t, stdout), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_report_write_text_ex(NULL, NULL, stdout), ESPDIAG_EINVAL);
	espdiag_report_free(r);
	espdiag_esp_free(esp);
	espdiag_registry_free(reg);
}
END_TEST

START_TEST(test_options)
{
	diag d = { 0 };
	espdiag_diagnose_options o = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	/* 2 apps x 2 minutes fit in 5 minutes; x 3 do not. */
	o.app_minutes = 2;
	diag_open(&d, "diag-timeout.reg", &o);
	ck_assert_uint_eq(count_id(d.report, "timeout-too-short"), 0);
	diag_close(&d);
	o.app_minutes = 3;
	diag_open(&d, "diag-timeout.reg", &o);
	ck_assert_uint_eq(count_id(d.report, "timeout-too-short"), 1);
	diag_close(&d);

	/* Leaving rules out, by list and by comma string. */
	static const char *const skip[] = { "phase-skipped", NULL };
	o = (espdiag_diagnose_options)ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	o.skip_rules = skip;
	diag_open(&d, "diag-skip.reg", &o);
	ck_assert_str_eq(ids(d.report), "esp-completed");
	diag_close(&d);
	o.skip_rules = NULL;
	o.skip_rules_csv = " esp-completed , phase-skipped";
	diag_open(&d, "diag-skip.reg", &o);
	ck_assert_str_eq(ids(d.report), "");
	diag_close(&d);

	/* Leaving out the error rule does not make the ESP completed. */
	o.skip_rules_csv = "app-install-failed";
	diag_open(&d, "diag-app-failed.reg", &o);
	ck_assert_str_eq(ids(d.report), "");
	ck_assert_int_eq(espdiag_report_outcome(d.report), ESPDIAG_OUTCOME_FAILED);
	diag_close(&d);

	/* Bad arguments. */
	espdiag_registry *reg;
	espdiag_esp *esp;
	espdiag_report *r = (espdiag_report *)&o;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(reg, tu_data_path("diag-ok.reg"), NULL, NULL),
	                 ESPDIAG_OK);
	ck_assert_int_eq(espdiag_esp_load(&esp, reg), ESPDIAG_OK);
	o.skip_rules_csv = "esp-completed,no-such-rule";
	ck_assert_int_eq(espdiag_diagnose(&r, esp, &o), ESPDIAG_EINVAL);
	ck_assert_ptr_null(r);
	o.skip_rules_csv = NULL;
	o.version = 99;
	ck_assert_int_eq(espdiag_diagnose(&r, esp, &o), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_diagnose(&r, NULL, NULL), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_diagnose(NULL, esp, NULL), ESPDIAG_EINVAL);
	/* No registry: no input part, no input-damaged, same findings. */
	ck_assert_int_eq(espdiag_diagnose(&r, esp, NULL), ESPDIAG_OK);
	ck_assert_str_eq(ids(r), "esp-completed");
	char *json = NULL;
	ck_assert_int_eq(espdiag_report_to_json(&json, r), ESPDIAG_OK);
	ck_assert_ptr_nonnull(strstr(json, "\"input\":{\"path\":null,\"format\":null,\"encoding\":"
	                                   "null,\"dialect\":null,\"member\":null,\"members\":[],"
	                                   "\"warnings\":[],\"prefix\":null}"));
	espdiag_free(json);
	/* The report outlives the model and the registry. */
	espdiag_esp_free(esp);
	espdiag_registry_free(reg);
	ck_assert_str_eq(espdiag_finding_id(espdiag_report_finding_at(r, 0)), "esp-completed");
	ck_assert_int_eq(espdiag_report_to_json(&json, r), ESPDIAG_OK);
	espdiag_free(json);
	espdiag_report_free(r);
	espdiag_report_free(NULL);
	ck_assert_int_eq(espdiag_report_to_json(NULL, r), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_report_write_json(NULL, stdout), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_report_write_text(NULL, 0, stdout), ESPDIAG_EINVAL);
}
END_TEST

/* Replaces every "@PATH@" and "@VERSION@" of tmpl; malloc'd. */
static char *expand(const char *tmpl, const char *path)
{
	size_t cap = strlen(tmpl) * 2 + 4096, n = 0;
	char *out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	while (*tmpl) {
		const char *sub = NULL;
		size_t skip = 0;
		if (strncmp(tmpl, "@PATH@", 6) == 0)
			sub = path, skip = 6;
		else if (strncmp(tmpl, "@VERSION@", 9) == 0)
			sub = espdiag_version(), skip = 9;
		if (sub != NULL) {
			ck_assert(n + strlen(sub) < cap);
			memcpy(out + n, sub, strlen(sub));
			n += strlen(sub);
			tmpl += skip;
		} else {
			ck_assert(n + 1 < cap);
			out[n++] = *tmpl++;
		}
	}
	out[n] = '\0';
	return out;
}

/* What a writer produced, as a malloc'd string. */
static char *render(const espdiag_report *r, int text, int colour)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(mem);
	int rc = text ? espdiag_report_write_text(r, colour, mem) : espdiag_report_write_json(r, mem);
	ck_assert_int_eq(rc, ESPDIAG_OK);
	fclose(mem);
	return buf;
}

static const char render_text[] =
	"@PATH@: failed - 1 error, 0 warnings, 1 info - scenario esp_only\n"
	"Device preparation: completed\n"
	"Device setup: failed\n"
	"  [error] app-install-failed: Win32 app aaaaaaaa-0000-4000-8000-000000000001 (version 1) failed to install\n"
	"    In device setup, the tracked app Win32App_aaaaaaaa-0000-4000-8000-000000000001_1 (provider Sidecar) is in InstallationState 4 (error): the ESP stops here unless \"Continue anyway\" is allowed.\n"
	"    What to do: Open the app aaaaaaaa-0000-4000-8000-000000000001 in Intune (Apps > All apps; the id is in the app's address) and its device install status; on the device, read C:\\ProgramData\\Microsoft\\IntuneManagementExtension\\Logs\\AppWorkload.log (or IntuneManagementExtension.log) for its exit code. Fix the install command, detection rule or requirements, or remove the app from the ESP's blocking apps.\n"
	"    Evidence:\n"
	"      HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\EnrollmentStatusTracking\\Device\\Setup\\Apps\\Tracking\\Sidecar\\Win32App_aaaaaaaa-0000-4000-8000-000000000001_1\n"
	"        InstallationState = 4 (error)\n"
	"Account setup: skipped\n"
	"  [info] phase-skipped: The account setup phase of the ESP is not shown\n"
	"    SkipUserStatusPage is set: account setup is not shown, and the user's apps and policies install after the desktop appears.\n"
	"    What to do: Nothing to do if intended (often set by a custom OMA-URI ./Vendor/MSFT/DMClient/Provider/MS DM Server/FirstSyncStatus/SkipUserStatusPage); otherwise remove that setting.\n"
	"    Evidence:\n"
	"      HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Enrollments\\{11111111-2222-3333-4444-555555555555}\\FirstSync\n"
	"        SkipUserStatusPage = 0xffffffff\n";

static const char render_json[] =
	"{\"schema\":\"espdiag-report/1\",\"tool\":{\"name\":\"espdiag\",\"version\":\"@VERSION@\"},\"gen"
	"erated_at\":\"2000-01-01T00:00:00Z\",\"input\":{\"path\":\"@PATH@\",\"format\":\"reg\",\"encodin"
	"g\":\"utf-8\",\"dialect\":\"regedit5\",\"member\":null,\"members\":[],\"warnings\":[],\"prefix\""
	":\"\"},\"summary\":{\"outcome\":\"failed\",\"errors\":1,\"warnings\":0,\"infos\":1,\"incomplete"
	"\":false},\"scenario\":{\"name\":\"esp_only\",\"evidence\":[{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOF"
	"TWARE\\\\Microsoft\\\\Enrollments\\\\{11111111-2222-3333-4444-555555555555}\\\\FirstSync\",\"val"
	"ue\":null,\"data\":\"present\"},{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Window"
	"s\\\\Autopilot\\\\EnrollmentStatusTracking\",\"value\":null,\"data\":\"present\"}]},\"enrollment"
	"s\":[{\"guid\":\"{11111111-2222-3333-4444-555555555555}\",\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWA"
	"RE\\\\Microsoft\\\\Enrollments\\\\{11111111-2222-3333-4444-555555555555}\",\"provider_id\":null,"
	"\"upn\":null,\"tenant_id\":null,\"enrollment_type\":null,\"first_sync\":{\"key\":\"HKEY_LOCAL_MA"
	"CHINE\\\\SOFTWARE\\\\Microsoft\\\\Enrollments\\\\{11111111-2222-3333-4444-555555555555}\\\\First"
	"Sync\",\"skip_device_status_page\":null,\"skip_user_status_page\":4294967295,\"device_page_skipp"
	"ed\":false,\"user_page_skipped\":true,\"block_in_status_page\":null,\"block_flags\":[],\"sync_fa"
	"ilure_timeout\":null,\"timeout_minutes\":60,\"timeout_is_default\":true,\"allow_collect_logs_but"
	"ton\":null,\"custom_error_text\":null,\"is_sync_done\":null,\"is_server_provisioning_done\":null"
	",\"applications_duration\":null,\"policy_duration\":null,\"networking_duration\":null,\"certific"
	"ates_duration\":null,\"timestamp\":null,\"timestamp_filetime\":null}}],\"autopilot\":null,\"phas"
	"es\":[{\"phase\":\"device_preparation\",\"status\":\"completed\",\"sid\":null,\"evidence\":\"HKE"
	"Y_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\Autopilot\\\\EnrollmentStatusTracking"
	"\\\\Device\\\\DevicePreparation\\\\PolicyProviders\\\\Sidecar\",\"sources\":[{\"key\":\"HKEY_LOC"
	"AL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\Autopilot\\\\EnrollmentStatusTracking\\\\Devic"
	"e\\\\DevicePreparation\\\\PolicyProviders\\\\Sidecar\",\"value\":null,\"type\":null,\"data\":nul"
	"l,\"display\":null}]},{\"phase\":\"device_setup\",\"status\":\"failed\",\"sid\":null,\"evidence"
	"\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\Autopilot\\\\EnrollmentStatusTrac"
	"king\\\\Device\\\\Setup\\\\Apps\\\\Tracking\\\\Sidecar\\\\Win32App_aaaaaaaa-0000-4000-8000-00000"
	"0000001_1\",\"sources\":[{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\Au"
	"topilot\\\\EnrollmentStatusTracking\\\\Device\\\\Setup\\\\Apps\\\\Tracking\\\\Sidecar\\\\Win32Ap"
	"p_aaaaaaaa-0000-4000-8000-000000000001_1\",\"value\":null,\"type\":null,\"data\":null,\"display"
	"\":null}]},{\"phase\":\"account_setup\",\"status\":\"skipped\",\"sid\":null,\"evidence\":\"HKEY_"
	"LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Enrollments\\\\{11111111-2222-3333-4444-555555555555}"
	"\\\\FirstSync\",\"sources\":[{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Enrollmen"
	"ts\\\\{11111111-2222-3333-4444-555555555555}\\\\FirstSync\",\"value\":null,\"type\":null,\"data"
	"\":null,\"display\":null}]}],\"items\":[{\"kind\":\"win32_app\",\"id\":\"Win32App_aaaaaaaa-0000-"
	"4000-8000-000000000001_1\",\"context\":\"device\",\"sid\":null,\"phase\":\"device_setup\",\"stat"
	"e\":\"error\",\"state_raw\":4,\"ime\":false,\"evidence\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Mic"
	"rosoft\\\\Windows\\\\Autopilot\\\\EnrollmentStatusTracking\\\\Device\\\\Setup\\\\Apps\\\\Trackin"
	"g\\\\Sidecar\\\\Win32App_aaaaaaaa-0000-4000-8000-000000000001_1\",\"value\":\"InstallationState"
	"\",\"sources\":[{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\Autopilot"
	"\\\\EnrollmentStatusTracking\\\\Device\\\\Setup\\\\Apps\\\\Tracking\\\\Sidecar\\\\Win32App_aaaaa"
	"aaa-0000-4000-8000-000000000001_1\",\"value\":\"InstallationState\",\"type\":null,\"data\":4,\"d"
	"isplay\":\"error\"}]}],\"ime_apps\":[],\"office\":[],\"page\":[],\"omadm\":{\"accounts\":[],\"od"
	"j_applied\":null,\"policy_nodes\":[]},\"providers\":[{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE"
	"\\\\Microsoft\\\\Windows\\\\Autopilot\\\\EnrollmentStatusTracking\\\\Device\\\\DevicePreparation"
	"\\\\PolicyProviders\\\\Sidecar\",\"name\":\"Sidecar\",\"kind\":\"sidecar\",\"state\":\"completed"
	"\",\"state_raw\":3,\"last_error\":null,\"timeout\":null,\"resource_types_key\":null,\"tracked_re"
	"source_types\":[],\"sources\":[{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Windows"
	"\\\\Autopilot\\\\EnrollmentStatusTracking\\\\Device\\\\DevicePreparation\\\\PolicyProviders\\\\S"
	"idecar\",\"value\":\"InstallationState\",\"type\":null,\"data\":3,\"display\":\"completed\"}]}],"
	"\"setups\":[{\"context\":\"device\",\"sid\":null,\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Mic"
	"rosoft\\\\Windows\\\\Autopilot\\\\EnrollmentStatusTracking\\\\Device\\\\Setup\",\"has_provisioni"
	"ng_completed\":null,\"apps_key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\Aut"
	"opilot\\\\EnrollmentStatusTracking\\\\Device\\\\Setup\\\\Apps\",\"locked\":null,\"policy_provide"
	"rs\":[],\"app_count\":1,\"sources\":[]}],\"device_preparation\":{\"key\":null,\"in_use\":false,"
	"\"hint\":null,\"hinted\":false,\"page_enabled\":null,\"page_settings\":null,\"settings\":null,\""
	"page_status\":null,\"page_status_name\":null,\"page_error_phase\":null,\"page_error_code\":null,"
	"\"page_error_details\":null,\"mdm_agent_installed\":null,\"mdm_progress\":null,\"bootstrapper_cl"
	"ass_id\":null,\"bootstrapper_execution_context\":null,\"bootstrapper_installation_status_uri\":n"
	"ull,\"workloads\":[]},\"apps\":[],\"events\":[],\"ztd\":null,\"device_hashes\":[],\"collection\":null,\"clock\":{\"known\":false,\"utc_offset_minutes\":null,"
	"\"how\":\"the device's UTC offset is unknown: the bundle has no IME logs\",\"evidence\":null,"
	"\"key\":null,\"value\":null,\"utc_time\":null,\"pairs\":0},"
	"\"findings\":[{\"id\":\"app-install-failed\",\"severity\":\"error\",\"phas"
	"e\":\"device_setup\",\"title\":\"Win32 app aaaaaaaa-0000-4000-8000-000000000001 (version 1) fail"
	"ed to install\",\"detail\":\"In device setup, the tracked app Win32App_aaaaaaaa-0000-4000-8000-0"
	"00000000001_1 (provider Sidecar) is in InstallationState 4 (error): the ESP stops here unless "
	"\\\"Continue anyway\\\" is allowed.\",\"remediation\":\"Open the app aaaaaaaa-0000-4000-8000-000"
	"000000001 in Intune (Apps > All apps; the id is in the app's address) and its device install sta"
	"tus; on the device, read C:\\\\ProgramData\\\\Microsoft\\\\IntuneManagementExtension\\\\Logs"
	"\\\\AppWorkload.log (or IntuneManagementExtension.log) for its exit code. Fix the install comman"
	"d, detection rule or requirements, or remove the app from the ESP's blocking apps.\",\"evidence"
	"\":[{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\Autopilot\\\\Enrollment"
	"StatusTracking\\\\Device\\\\Setup\\\\Apps\\\\Tracking\\\\Sidecar\\\\Win32App_aaaaaaaa-0000-4000-"
	"8000-000000000001_1\",\"value\":\"InstallationState\",\"data\":\"4 (error)\"}],\"sources\":[{\"k"
	"ey\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\Autopilot\\\\EnrollmentStatusTr"
	"acking\\\\Device\\\\Setup\\\\Apps\\\\Tracking\\\\Sidecar\\\\Win32App_aaaaaaaa-0000-4000-8000-000"
	"000000001_1\",\"value\":\"InstallationState\",\"type\":\"REG_DWORD\",\"data\":4,\"display\":\"4 "
	"(error)\"}],\"sid\":null,\"error_code\":null,\"subject\":{\"kind\":\"win32_app\",\"id\":\"aaaaaa"
	"aa-0000-4000-8000-000000000001\",\"name\":null,\"context\":\"device\",\"sid\":null},\"error\":nu"
	"ll},{\"id\":\"phase-skipped\",\"severity\":\"info\",\"phase\":\"account_setup\",\"title\":\"The "
	"account setup phase of the ESP is not shown\",\"detail\":\"SkipUserStatusPage is set: account se"
	"tup is not shown, and the user's apps and policies install after the desktop appears.\",\"remedi"
	"ation\":\"Nothing to do if intended (often set by a custom OMA-URI ./Vendor/MSFT/DMClient/Provid"
	"er/MS DM Server/FirstSyncStatus/SkipUserStatusPage); otherwise remove that setting.\",\"evidence"
	"\":[{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Enrollments\\\\{11111111-2222-3333"
	"-4444-555555555555}\\\\FirstSync\",\"value\":\"SkipUserStatusPage\",\"data\":\"0xffffffff\"}],\""
	"sources\":[{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Enrollments\\\\{11111111-22"
	"22-3333-4444-555555555555}\\\\FirstSync\",\"value\":\"SkipUserStatusPage\",\"type\":\"REG_DWORD"
	"\",\"data\":4294967295,\"display\":\"0xffffffff\"}],\"sid\":null,\"error_code\":null,\"subject\""
	":{\"kind\":\"phase\",\"id\":\"account_setup\",\"name\":null,\"context\":\"user\",\"sid\":null},"
	"\"error\":null}]}\n";

/* Overwrites the report's generated_at (checked to be a UTC time) with
 * the template's 2000-01-01T00:00:00Z; returns json. */
static char *mask_time(char *json)
{
	char *t = strstr(json, "\"generated_at\":\"");
	ck_assert_ptr_nonnull(t);
	t += strlen("\"generated_at\":\"");
	for (size_t i = 0; i < 20; i++)
		ck_assert(i == 4 || i == 7 ? t[i] == '-' : i == 10 ? t[i] == 'T' : i == 13 || i == 16 ? t[i] == ':' : i == 19 ? t[i] == 'Z' : (t[i] >= '0' && t[i] <= '9'));
	memcpy(t, "2000-01-01T00:00:00Z", 20);
	return json;
}

START_TEST(test_render)
{
	diag d = { 0 };
	const char *path = tu_data_path("diag-render.reg");
	char *p = strdup(path);
	diag_open_path(&d, p, NULL);

	char *want = expand(render_text, p);
	char *got = render(d.report, 1, 0);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);

	want = expand(render_json, p);
	got = render(d.report, 0, 0);
	ck_assert_str_eq(mask_time(got), want);
	free(got);
	char *json = NULL;
	ck_assert_int_eq(espdiag_report_to_json(&json, d.report), ESPDIAG_OK);
	ck_assert_str_eq(mask_time(json), want);
	espdiag_free(json);
	free(want);

	/* Colour only when asked: the severity tag and the status. */
	got = render(d.report, 1, 1);
	ck_assert_ptr_nonnull(strstr(got, "\033[1;31m[error]\033[0m app-install-failed"));
	ck_assert_ptr_nonnull(strstr(got, "\033[32mcompleted\033[0m"));
	free(got);
	diag_close(&d);
	free(p);
}
END_TEST

/* Quotes, control characters and tabs in the input stay valid JSON. */
START_TEST(test_escaping)
{
	static const char reg[] =
		"Windows Registry Editor Version 5.00\n\n"
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\EnrollmentStatusTracking"
		"\\Device\\Setup\\Apps\\Tracking\\Sidecar\\App \"q\"\001\tz]\n"
		"\"InstallationState\"=dword:00000004\n";
	espdiag_registry *r = tu_open_text(reg);
	ck_assert_ptr_nonnull(r);
	espdiag_esp *esp;
	espdiag_report *report;
	ck_assert_int_eq(espdiag_esp_load(&esp, r), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_diagnose(&report, esp, NULL), ESPDIAG_OK);
	char *json = render(report, 0, 0);
	ck_assert_ptr_nonnull(strstr(json, "\"title\":\"Sidecar app App \\\"q\\\"\\u0001\\tz failed to install\""));
	for (const char *c = json; *c; c++)
		ck_assert_msg((unsigned char)*c >= 0x20 || (*c == '\n' && c[1] == '\0'),
		              "raw control character in JSON");
	free(json);
	/* The text escapes them too. */
	char *text = render(report, 1, 0);
	ck_assert_ptr_nonnull(strstr(text, "Sidecar app App \"q\"\\u0001\\u0009z failed to install\n"));
	free(text);
	espdiag_report_free(report);
	espdiag_esp_free(esp);
	tu_registry_free(r);
}
END_TEST

/* espdiag_text_write: exactly what becomes an escape. */
static const struct {
	const char *in, *out;
} escapes[] = {
	{ "plain \\path\\ text ~", "plain \\path\\ text ~" },
	{ "\x1b[31mred\x07", "\\u001b[31mred\\u0007" },
	{ "a\rb\nc\td", "a\\u000db\\u000ac\\u0009d" },
	{ "del\x7f", "del\\u007f" },
	{ "c1 \xc2\x9b" "2J \xc2\x85", "c1 \\u009b2J \\u0085" },           /* CSI, NEL */
	{ "\xc2\xa0\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\xc2\xa0\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" },
	{ "rtl \xe2\x80\xaetxt.exe", "rtl \\u202etxt.exe" },
	{ "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c\xe2\x81\xa6\xe2\x81\xa9", "\\u200e\\u200f\\u061c\\u2066\\u2069" },
	{ "ls\xe2\x80\xa8ps\xe2\x80\xa9", "ls\\u2028ps\\u2029" },
	{ "bad \xff\xfe end", "bad \\xff\\xfe end" },
	{ "cut \xe2\x82", "cut \\xe2\\x82" },                              /* truncated */
	{ "long \xc0\xaf", "long \\xc0\\xaf" },                             /* overlong */
	{ "sur \xed\xa0\x80", "sur \\xed\\xa0\\x80" },                     /* a surrogate */
	{ "", "" },
};

START_TEST(test_text_write)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(mem);
	ck_assert_int_eq(espdiag_text_write(mem, escapes[_i].in), ESPDIAG_OK);
	fclose(mem);
	ck_assert_str_eq(buf, escapes[_i].out);
	free(buf);
	ck_assert_int_eq(espdiag_text_write(NULL, "x"), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_text_write(stdout, NULL), ESPDIAG_EINVAL);
}
END_TEST

/* --- the shared corpus: expected.json --- */

typedef struct expectation {
	char file[256];
	char must[16][64];
	size_t nmust;
	char must_not[24][64];
	size_t nmust_not;
} expectation;

/* Reads expected.json's shape: { "file": { "must": [ids], "must_not": [ids], ... }, ... }. */
static size_t read_expectations(const char *text, expectation *out, size_t max)
{
	size_t n = 0;
	int depth = 0;
	char last[256] = "", field[64] = "";
	for (const char *p = text; *p; p++) {
		if (*p == '{' || *p == '[') {
			if (*p == '{' && depth == 1 && n < max) {
				memset(&out[n], 0, sizeof out[n]);
				snprintf(out[n].file, sizeof out[n].file, "%s", last);
				n++;
			}
			if (*p == '[' && depth == 2)
				snprintf(field, sizeof field, "%s", last);
			depth++;
		} else if (*p == '}' || *p == ']') {
			depth--;
		} else if (*p == '"') {
			const char *e = strchr(p + 1, '"');
			ck_assert_ptr_nonnull(e);
			snprintf(last, sizeof last, "%.*s", (int)(e - p - 1), p + 1);
			p = e;
			if (depth == 3 && n > 0) {
				expectation *x = &out[n - 1];
				if (strcmp(field, "must") == 0 && x->nmust < 16)
					snprintf(x->must[x->nmust++], 64, "%s", last);
				else if (strcmp(field, "must_not") == 0 && x->nmust_not < 24)
					snprintf(x->must_not[x->nmust_not++], 64, "%s", last);
			}
		}
	}
	return n;
}

static void check_expectation(const expectation *x, const char *path)
{
	diag d = { 0 };
	diag_open_path(&d, path, NULL);
	for (size_t i = 0; i < x->nmust; i++)
		ck_assert_msg(count_id(d.report, x->must[i]) > 0, "%s: %s missing (got %s)", path,
		              x->must[i], ids(d.report));
	for (size_t i = 0; i < x->nmust_not; i++)
		ck_assert_msg(count_id(d.report, x->must_not[i]) == 0, "%s: %s must not fire (got %s)",
		              path, x->must_not[i], ids(d.report));
	diag_close(&d);
}

START_TEST(test_corpus)
{
	const char *p = tu_corpus_path("esp/expected.json");
	if (p == NULL)
		return;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", p);
	*strrchr(dir, '/') = '\0';
	size_t size;
	char *text = (char *)tu_read_file(p, &size);
	ck_assert_ptr_nonnull(text);
	static expectation xs[32];
	size_t n = read_expectations(text, xs, 32);
	free(text);
	ck_assert_uint_ge(n, 4);
	size_t hives = 0;
	for (size_t i = 0; i < n; i++) {
		char path[4400];
		int len = snprintf(path, sizeof path, "%s/%s", dir, xs[i].file);
		ck_assert(len > 0 && (size_t)len < sizeof path - 16);
		check_expectation(&xs[i], path);
		/* The same device's SOFTWARE hive, where there is one, must agree. */
		char *dot = strrchr(path, '.');
		if (dot == NULL || strcmp(dot, ".reg") != 0)
			continue;
		snprintf(dot, sizeof path - (size_t)(dot - path), ".SOFTWARE.hive");
		if (access(path, R_OK) != 0)
			continue;
		check_expectation(&xs[i], path);
		hives++;
	}
	ck_assert_uint_ge(hives, 1);
}
END_TEST

Suite *suite_diagnose(void)
{
	Suite *s = suite_create("diagnose");
	TCase *tc = tcase_create("catalogue");
	tcase_add_test(tc, test_catalogue);
	tcase_add_test(tc, test_errors);
	tcase_add_loop_test(tc, test_exit_codes, 0, (int)(sizeof codes / sizeof codes[0]));
	tcase_add_test(tc, test_exit_code_edges);
	suite_add_tcase(s, tc);
	tc = tcase_create("rules");
	tcase_add_loop_test(tc, test_rule_pair, 0, (int)(sizeof pairs / sizeof pairs[0]));
	tcase_add_test(tc, test_every_rule_paired);
	tcase_add_loop_test(tc, test_exact_findings, 0, (int)(sizeof exact / sizeof exact[0]));
	tcase_add_test(tc, test_finding_details);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_diagnose_ex);
	suite_add_tcase(s, tc);
	tcase_add_loop_test(tc, test_subject, 0, (int)(sizeof subjects / sizeof subjects[0]));
	tcase_add_test(tc, test_json_subject_error);
	tcase_add_test(tc, test_app_exit_code);
	tcase_add_test(tc, test_page_failed);
	suite_add_tcase(s, tc);
	tc = tcase_create("damage");
	tcase_add_loop_test(tc, test_withheld, 0, (int)(sizeof damaged / sizeof damaged[0]));
	tcase_add_test(tc, test_withheld_parts);
	tcase_add_loop_test(tc, test_damage_property, 0, (int)(sizeof sources / sizeof sources[0]));
	tcase_add_test(tc, test_truncated_sample);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("render");
	tcase_add_test(tc, test_render);
	tcase_add_test(tc, test_escaping);
	tcase_add_loop_test(tc, test_text_write, 0, (int)(sizeof escapes / sizeof escapes[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("corpus");
	tcase_add_test(tc, test_corpus);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

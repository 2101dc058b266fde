/* tests/check_logs.c - the IME logs in the ESP model of a bundle
 * (lib/esp_logs.c), the device's clock (lib/esp_clock.c) and the rules
 * that read them (lib/diagnose_apps.c). Fixture: the folder
 * tests/data/apps, a dump (apps-dump.reg) and AppWorkload.log logged at
 * UTC+2:
 *   7a1f0e52 "7-Zip"          tracked, state 4; exit code 1603 (Failed), Error
 *   2b8c4d6e "Contoso VPN"    tracked, state 4 with 0x87D1041C; exit code 0,
 *                             then detection NotDetected
 *   c3d4e5f6 "Retry Tool"     tracked, state 3; 1618 (Retry) and Error, then a
 *                             32.5-minute install that is detected
 *   d4e5f6a7 "Fabrikam Agent" not tracked; exit code 3221225794 not mapped
 * Variants of the dump (written to a temporary folder) move the registry's
 * times so that the clock cannot be derived. The real logs of
 * ../shared/corpus/logs are read beside the dump (skipped without them). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esp_private.h"
#include "suites.h"
#include "testutil.h"

#define SEVEN_ZIP "7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91"
#define VPN "2b8c4d6e-0f1a-4b2c-8d3e-4f5a6b7c8d9e"
#define RETRY "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f"
#define AGENT "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f70"

typedef struct loaded {
	espdiag_bundle *bundle;
	espdiag_esp *esp;
} loaded;

static loaded load_path(const char *path)
{
	loaded l = { 0 };
	ck_assert_int_eq(espdiag_bundle_new(&l.bundle, NULL), ESPDIAG_OK);
	ck_assert_msg(espdiag_bundle_open_file(l.bundle, path) == ESPDIAG_OK, "%s: %s", path,
	              espdiag_bundle_errmsg(l.bundle));
	ck_assert_int_eq(espdiag_esp_load_bundle(&l.esp, l.bundle), ESPDIAG_OK);
	return l;
}

static void unload(loaded *l)
{
	espdiag_esp_free(l->esp);
	espdiag_bundle_free(l->bundle);
}

static void check_ref(const espdiag_esp_log_ref *r, uint64_t line, const char *local,
                      const char *utc, const char *message)
{
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->file, "AppWorkload.log");
	ck_assert_uint_eq(r->line, line);
	ck_assert_str_eq(r->local_time, local);
	if (utc == NULL)
		ck_assert_ptr_null(r->utc_time);
	else
		ck_assert_str_eq(r->utc_time, utc);
	ck_assert_str_eq(r->message, message);
}

START_TEST(test_catalogue)
{
	loaded l = load_path(tu_data_path("apps"));
	const espdiag_esp *esp = l.esp;
	ck_assert_uint_eq(espdiag_esp_warning_count(esp), 0);
	ck_assert_uint_eq(espdiag_esp_log_app_count(esp), 4);
	static const char *const ids[] = { VPN, SEVEN_ZIP, RETRY, AGENT };
	static const char *const names[] = { "Contoso VPN", "7-Zip", "Retry Tool",
		                             "Fabrikam Agent" };
	for (size_t i = 0; i < 4; i++) {
		const espdiag_esp_log_app *a = espdiag_esp_log_app_at(esp, i);
		ck_assert_str_eq(a->id, ids[i]);
		ck_assert_str_eq(a->name, names[i]);
		check_ref(a->policy, 2, "2024-05-01 10:00:05.250", "2024-05-01T08:00:05.2500000Z",
		          a->policy->message);
	}
	ck_assert_ptr_null(espdiag_esp_log_app_at(esp, 4));
	/* Found by GUID in any case, with braces or not. */
	ck_assert_ptr_eq(espdiag_esp_log_app_find(esp, "{7A1F0E52-1D2C-4B8E-9F3A-0C5D6E7F8A91}"),
	                 espdiag_esp_log_app_at(esp, 1));
	ck_assert_ptr_null(espdiag_esp_log_app_find(esp, "7a1f0e52"));
	ck_assert_ptr_null(espdiag_esp_log_app_find(esp, NULL));
	const espdiag_esp_log_app *agent = espdiag_esp_log_app_find(esp, AGENT);
	ck_assert(agent->has_version && agent->version == 2 && agent->has_intent &&
	          agent->intent == 1 && agent->has_install_context && agent->install_context == 1);

	/* The names on the registry's parts (the tracked app's key spells its
	 * GUID in upper case). */
	const espdiag_esp_setup *dev = espdiag_esp_device_setup(esp);
	ck_assert_uint_eq(dev->app_count, 3);
	ck_assert_str_eq(dev->apps[0]->name, "Contoso VPN");
	ck_assert_str_eq(dev->apps[1]->name, "7-Zip");
	ck_assert_str_eq(dev->apps[2]->name, "Retry Tool");
	ck_assert_str_eq(espdiag_esp_item_at(esp, 0)->name, "Contoso VPN");
	unload(&l);
}
END_TEST

START_TEST(test_attempts)
{
	loaded l = load_path(tu_data_path("apps"));
	const espdiag_esp *esp = l.esp;
	/* 7-Zip: one failed attempt, 1603. */
	const espdiag_esp_log_app *z = espdiag_esp_log_app_find(esp, SEVEN_ZIP);
	ck_assert_uint_eq(z->attempt_count, 1);
	const espdiag_esp_attempt *a = z->attempts[0];
	ck_assert_uint_eq(a->number, 1);
	ck_assert_int_eq(a->outcome, ESPDIAG_ESP_ATTEMPT_FAILED);
	ck_assert_str_eq(espdiag_esp_attempt_outcome_name(a->outcome), "failed");
	check_ref(a->download_start, 4, "2024-05-01 10:06:01.000", "2024-05-01T08:06:01.0000000Z",
	          "[Win32App] Downloading app on session 0. App: " SEVEN_ZIP);
	check_ref(a->download_end, 6, "2024-05-01 10:06:31.000", "2024-05-01T08:06:31.0000000Z",
	          "[Win32App] CDN mode, download completes.");
	ck_assert_ptr_null(a->download_failed);
	ck_assert(a->has_download_bytes && a->download_bytes == 1572864);
	check_ref(a->install_start, 8, "2024-05-01 10:06:40.250", "2024-05-01T08:06:40.2500000Z",
	          "[Win32App] Launch Win32AppInstaller in machine session");
	check_ref(a->install_end, 9, "2024-05-01 10:07:10.750", "2024-05-01T08:07:10.7500000Z",
	          "[Win32App] Installation is done, collecting result");
	ck_assert(a->has_install_duration && a->install_duration_ms == 30500);
	check_ref(a->exit_code_ref, 10, "2024-05-01 10:07:11.000", "2024-05-01T08:07:11.0000000Z",
	          "[Win32App] lpExitCode 1603");
	ck_assert(a->has_exit_code && a->exit_code == 1603);
	ck_assert(a->has_hresult && a->hresult == 0x80070643u);
	ck_assert(!a->exit_code_unmapped);
	ck_assert_str_eq(a->exit_code_class, "Failed");
	ck_assert_str_eq(a->enforcement_state, "Error");
	check_ref(a->enforcement_ref, 12, "2024-05-01 10:07:12.000", "2024-05-01T08:07:12.0000000Z",
	          "[Win32App] Setting enforcementState as: Error with lpExitCode: 1603");
	ck_assert_ptr_null(a->detection_ref);
	ck_assert_ptr_null(a->detection_state);

	/* Contoso VPN: exit code 0, not detected. */
	a = espdiag_esp_log_app_find(esp, VPN)->attempts[0];
	ck_assert_int_eq(a->outcome, ESPDIAG_ESP_ATTEMPT_NOT_DETECTED);
	ck_assert(a->has_exit_code && a->exit_code == 0 && !a->has_hresult);
	ck_assert_str_eq(a->detection_state, "NotDetected");
	ck_assert_uint_eq(a->detection_ref->line, 20);

	/* Retry Tool: a failure, then a success after 32 min 30 s. */
	const espdiag_esp_log_app *r = espdiag_esp_log_app_find(esp, RETRY);
	ck_assert_uint_eq(r->attempt_count, 2);
	ck_assert_int_eq(r->attempts[0]->outcome, ESPDIAG_ESP_ATTEMPT_FAILED);
	ck_assert_uint_eq(r->attempts[0]->exit_code, 1618);
	ck_assert_str_eq(r->attempts[0]->exit_code_class, "Retry");
	ck_assert_int_eq(r->attempts[1]->outcome, ESPDIAG_ESP_ATTEMPT_SUCCEEDED);
	ck_assert_uint_eq(r->attempts[1]->number, 2);
	ck_assert_int_eq(r->attempts[1]->install_duration_ms, 1950000);
	ck_assert_str_eq(r->attempts[1]->detection_state, "Detected");

	/* Fabrikam Agent: an exit code no return code maps (an NTSTATUS, no
	 * HRESULT). */
	a = espdiag_esp_log_app_find(esp, AGENT)->attempts[0];
	ck_assert_int_eq(a->outcome, ESPDIAG_ESP_ATTEMPT_FAILED);
	ck_assert(a->has_exit_code && a->exit_code == 3221225794u && a->exit_code_unmapped);
	ck_assert(!a->has_hresult);
	ck_assert_uint_eq(a->exit_code_ref->line, 38);
	unload(&l);
}
END_TEST

START_TEST(test_moments)
{
	loaded l = load_path(tu_data_path("apps"));
	const espdiag_esp *esp = l.esp;
	/* 7-Zip's: download start and end, install start and end, exit code,
	 * enforcement; in UTC once the clock is known. */
	size_t n = 0;
	const esp_moment *first = NULL;
	for (size_t i = 0; i < esp->moments.n; i++) {
		const esp_moment *m = esp->moments.v[i];
		ck_assert_int_eq(m->source, ESP_MOMENT_LOG);
		ck_assert(m->utc_known && m->local_known);
		ck_assert_int_eq(m->local_secs - m->utc_secs, 7200);
		if (strcmp(m->subject, SEVEN_ZIP) == 0 && n++ == 0)
			first = m;
	}
	ck_assert_uint_eq(esp->moments.n, 26);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(first->what, "download started");
	ck_assert_str_eq(first->name, "7-Zip");
	ck_assert_str_eq(first->member, "AppWorkload.log");
	ck_assert_uint_eq(first->line, 4);
	unload(&l);
}
END_TEST

START_TEST(test_clock)
{
	loaded l = load_path(tu_data_path("apps"));
	const espdiag_esp_clock *c = espdiag_esp_clock_info(l.esp);
	ck_assert(c->known);
	ck_assert_int_eq(c->utc_offset_minutes, 120);
	ck_assert_uint_eq(c->pairs, 2);
	ck_assert_str_eq(
		c->how,
		"UTC+02:00: AppWorkload.log line 12 (2024-05-01 10:07:12.000 local), which ends a "
		"failed attempt of app \"7-Zip\" (" SEVEN_ZIP "), and the ESPTrackingInfo Sidecar "
		"snapshot 2024-05-01T08:07:15.000Z, the first that shows the app in error (4), are "
		"the same moment within 3 s of a 15-minute offset; 2 pairs of a log record and a "
		"registry time agree");
	ck_assert_uint_eq(c->evidence->line, 12);
	ck_assert_str_eq(c->utc_time, "2024-05-01T08:07:15.0000000Z");
	ck_assert_str_eq(c->key, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\"
	                         "EnrollmentStatusTracking\\ESPTrackingInfo\\Diagnostics\\Sidecar\\"
	                         "2024-05-01T08:07:15.000Z");
	ck_assert_str_eq(c->value, "./Device/Vendor/MSFT/EnrollmentStatusTracking/Setup/Apps/"
	                           "Tracking/Sidecar/Win32App_" SEVEN_ZIP "_1");
	ck_assert(l.esp->clock_known && l.esp->clock_offset_minutes == 120);
	unload(&l);

	/* Without a bundle: no apps, the clock unknown. */
	espdiag_registry *reg;
	espdiag_esp *esp;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(reg, tu_data_path("apps/apps-dump.reg"), NULL,
	                                            NULL),
	                 ESPDIAG_OK);
	ck_assert_int_eq(espdiag_esp_load(&esp, reg), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_esp_log_app_count(esp), 0);
	c = espdiag_esp_clock_info(esp);
	ck_assert(!c->known);
	ck_assert_str_eq(c->how, "the device's UTC offset is unknown: the bundle has no IME logs");
	ck_assert_ptr_null(espdiag_esp_device_setup(esp)->apps[0]->name);
	ck_assert_ptr_null(espdiag_esp_clock_info(NULL));
	ck_assert_uint_eq(espdiag_esp_log_app_count(NULL), 0);
	espdiag_esp_free(esp);
	espdiag_registry_free(reg);
}
END_TEST

/* A folder with the log (tests/data/<log>) as AppWorkload.log and the
 * dump (tests/data/<dump>) as apps-dump.reg with edits[2k] replaced by
 * edits[2k+1]. Returns its path (static). */
static const char *folder_of(const char *dump, const char *logname, const char *const *edits,
                             size_t n)
{
	static char dir[256];
	snprintf(dir, sizeof dir, "%s/espdiag-logs-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	size_t size;
	char *reg = (char *)tu_read_file(tu_data_path(dump), &size);
	ck_assert_ptr_nonnull(reg);
	for (size_t i = 0; i + 1 < n; i += 2) {
		char *at = strstr(reg, edits[i]);
		ck_assert_ptr_nonnull(at);
		ck_assert_uint_eq(strlen(edits[i]), strlen(edits[i + 1]));
		memcpy(at, edits[i + 1], strlen(edits[i + 1]));
	}
	char path[512];
	snprintf(path, sizeof path, "%s/apps-dump.reg", dir);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fwrite(reg, 1, size, f);
	fclose(f);
	free(reg);
	unsigned char *log = tu_read_file(tu_data_path(logname), &size);
	snprintf(path, sizeof path, "%s/AppWorkload.log", dir);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fwrite(log, 1, size, f);
	fclose(f);
	free(log);
	return dir;
}

/* The apps fixture with edits to its dump. */
static const char *variant(const char *const *edits, size_t n)
{
	return folder_of("apps/apps-dump.reg", "apps/AppWorkload.log", edits, n);
}

static void remove_variant(const char *dir)
{
	char path[512];
	snprintf(path, sizeof path, "%s/apps-dump.reg", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/AppWorkload.log", dir);
	unlink(path);
	rmdir(dir);
}

START_TEST(test_clock_unknown)
{
	/* Both snapshots 7 minutes later: no pair within 5 minutes of a
	 * 15-minute offset. */
	static const char *const late[] = { "T08:07:15.000Z", "T08:14:15.000Z", "T08:52:40.000Z",
	                                    "T08:59:40.000Z" };
	const char *dir = variant(late, 4);
	loaded l = load_path(dir);
	const espdiag_esp_clock *c = espdiag_esp_clock_info(l.esp);
	ck_assert(!c->known && c->evidence == NULL && c->pairs == 0);
	ck_assert_str_eq(c->how,
	                 "the device's UTC offset is unknown: no IME log record has a registry time "
	                 "of the same moment within 5 minutes of a 15-minute offset; log times are "
	                 "the device's local time");
	const espdiag_esp_attempt *a = espdiag_esp_log_app_find(l.esp, SEVEN_ZIP)->attempts[0];
	ck_assert_str_eq(a->exit_code_ref->local_time, "2024-05-01 10:07:11.000");
	ck_assert_ptr_null(a->exit_code_ref->utc_time);
	ck_assert(!l.esp->clock_known);
	for (size_t i = 0; i < l.esp->moments.n; i++)
		ck_assert(!((const esp_moment *)l.esp->moments.v[i])->utc_known);
	unload(&l);
	remove_variant(dir);

	/* The last snapshot an hour earlier (so it is also the first that shows
	 * 7-Zip in error): the pairs disagree. */
	static const char *const hour[] = { "T08:52:40.000Z", "T07:52:40.000Z" };
	dir = variant(hour, 2);
	l = load_path(dir);
	c = espdiag_esp_clock_info(l.esp);
	ck_assert(!c->known);
	ck_assert_str_eq(c->how,
	                 "the device's UTC offset is unknown: the IME logs and the registry disagree "
	                 "(AppWorkload.log line 12 gives UTC+02:15, AppWorkload.log line 34 gives "
	                 "UTC+03:00); log times are the device's local time");
	unload(&l);
	remove_variant(dir);
}
END_TEST

static const espdiag_finding *finding(const espdiag_report *r, const char *id, size_t nth)
{
	for (size_t i = 0; i < espdiag_report_finding_count(r); i++) {
		const espdiag_finding *f = espdiag_report_finding_at(r, i);
		if (strcmp(espdiag_finding_id(f), id) == 0 && nth-- == 0)
			return f;
	}
	return NULL;
}

/* The ids of r's findings, each followed by a space (static buffer). */
static const char *finding_ids(const espdiag_report *r)
{
	static char ids[512];
	ids[0] = '\0';
	for (size_t i = 0; i < espdiag_report_finding_count(r); i++) {
		strcat(ids, espdiag_finding_id(espdiag_report_finding_at(r, i)));
		strcat(ids, " ");
	}
	return ids;
}

static void check_ev(const espdiag_finding *f, size_t i, const char *key, const char *value,
                     const char *data)
{
	ck_assert_str_eq(espdiag_finding_evidence_key(f, i), key);
	ck_assert_str_eq(espdiag_finding_evidence_value(f, i), value);
	ck_assert_str_eq(espdiag_finding_evidence_data(f, i), data);
}

START_TEST(test_rules)
{
	loaded l = load_path(tu_data_path("apps"));
	espdiag_report *r;
	ck_assert_int_eq(espdiag_diagnose(&r, l.esp, NULL), ESPDIAG_OK);
	ck_assert_str_eq(finding_ids(r), "app-install-failed app-install-failed app-detection-failed "
	                      "app-slow phase-skipped ");

	/* app-install-failed names 7-Zip, its exit code and meaning, and the
	 * log records. */
	const espdiag_finding *f = finding(r, "app-install-failed", 1);
	ck_assert_str_eq(espdiag_finding_title(f), "Win32 app \"7-Zip\" (" SEVEN_ZIP
	                                           ", version 1) failed to install");
	ck_assert_ptr_nonnull(strstr(espdiag_finding_detail(f),
	                             " The IME log AppWorkload.log, line 10, gives attempt 1's "
	                             "installer exit code 1603 (0x80070643, ERROR_INSTALL_FAILURE: "
	                             "Fatal error during installation (MSI 1603): read the "
	                             "installer's own log.)."));
	ck_assert_str_eq(espdiag_finding_subject(f)->name, "7-Zip");
	ck_assert_str_eq(espdiag_finding_subject(f)->id, SEVEN_ZIP);
	uint32_t code;
	int64_t exit_code;
	ck_assert_int_eq(espdiag_finding_error_code(&code, f), ESPDIAG_OK);
	ck_assert_uint_eq(code, 0x80070643u);
	ck_assert_int_eq(espdiag_finding_exit_code(&exit_code, f), ESPDIAG_OK);
	ck_assert_int_eq(exit_code, 1603);
	ck_assert_uint_eq(espdiag_finding_evidence_count(f), 6);
	check_ev(f, 2, "AppWorkload.log", "line 8", "[Win32App] Launch Win32AppInstaller in machine session");
	check_ev(f, 4, "AppWorkload.log", "line 10", "[Win32App] lpExitCode 1603");
	check_ev(f, 5, "AppWorkload.log", "line 12",
	         "[Win32App] Setting enforcementState as: Error with lpExitCode: 1603");

	/* app-detection-failed: Contoso VPN, from the log (not twice for its
	 * 0x87D1041C). */
	f = finding(r, "app-detection-failed", 0);
	ck_assert_ptr_null(finding(r, "app-detection-failed", 1));
	ck_assert_str_eq(espdiag_finding_title(f),
	                 "\"Contoso VPN\" (" VPN ") installed but was not detected");
	ck_assert_int_eq(espdiag_finding_error_code(&code, f), ESPDIAG_OK);
	ck_assert_uint_eq(code, 0x87d1041cu);
	ck_assert_uint_eq(espdiag_finding_phase(f), ESPDIAG_ESP_PHASE_DEVICE_SETUP);
	ck_assert_ptr_nonnull(strstr(espdiag_finding_detail(f),
	                             "The IME logs show attempt 1: the installer finished with exit "
	                             "code 0 (success), then detection said NotDetected "
	                             "(AppWorkload.log, line 20)."));
	check_ev(f, 2, "AppWorkload.log", "line 20",
	         "[Win32App][DetectionActionHandler] Detection for policy with id: " VPN
	         " resulted in action status: Success and detection state: NotDetected.");

	/* app-slow: Retry Tool's second attempt, 54% of 60 minutes. */
	f = finding(r, "app-slow", 0);
	ck_assert_str_eq(espdiag_finding_title(f),
	                 "\"Retry Tool\" (" RETRY ") took 32 min 30 s to install, 54% of the ESP "
	                 "timeout");
	ck_assert_str_eq(espdiag_finding_subject(f)->name, "Retry Tool");
	check_ev(f, 0, "AppWorkload.log", "line 30",
	         "[Win32App] Launch Win32AppInstaller in machine session");
	espdiag_report_free(r);
	unload(&l);
}
END_TEST

/* The registry's 0x87D1041C alone: app-detection-failed without logs. */
START_TEST(test_detection_registry)
{
	espdiag_registry *reg;
	espdiag_esp *esp;
	espdiag_report *r;
	ck_assert_int_eq(espdiag_registry_new(&reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(reg, tu_data_path("apps/apps-dump.reg"), NULL,
	                                            NULL),
	                 ESPDIAG_OK);
	ck_assert_int_eq(espdiag_esp_load(&esp, reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_diagnose(&r, esp, NULL), ESPDIAG_OK);
	const espdiag_finding *f = finding(r, "app-detection-failed", 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(espdiag_finding_title(f),
	                 "Win32 app 2B8C4D6E-0F1A-4B2C-8D3E-4F5A6B7C8D9E installed but was not "
	                 "detected");
	ck_assert_ptr_null(espdiag_finding_subject(f)->name);
	ck_assert_str_eq(espdiag_finding_evidence_value(f, 0), "ErrorHresult");
	ck_assert_ptr_null(finding(r, "app-slow", 0));
	/* Without logs 7-Zip has no name and no exit code. */
	f = finding(r, "app-install-failed", 1);
	ck_assert_str_eq(espdiag_finding_title(f), "Win32 app 7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91 "
	                                           "(version 1) failed to install");
	espdiag_report_free(r);
	espdiag_esp_free(esp);
	espdiag_registry_free(reg);
}
END_TEST

/* The real IME logs beside the dump: read without a warning and without a
 * finding the dump alone does not give. */
START_TEST(test_corpus_logs)
{
	const char *dir = tu_corpus_path("logs");
	if (dir == NULL)
		return;
	static const char *const logs[] = { "IntuneManagementExtension-real-1.log",
		                            "IntuneManagementExtension-real-2.log" };
	for (size_t k = 0; k < 2; k++) {
		static const char *const none[] = { NULL };
		const char *tmp = variant(none, 0);
		char from[512], to[512];
		snprintf(from, sizeof from, "%s/%s", dir, logs[k]);
		snprintf(to, sizeof to, "%s/AppWorkload.log", tmp);
		size_t size;
		unsigned char *d = tu_read_file(from, &size);
		ck_assert_ptr_nonnull(d);
		FILE *f = fopen(to, "wb");
		fwrite(d, 1, size, f);
		fclose(f);
		free(d);
		loaded l = load_path(tmp);
		ck_assert_msg(espdiag_esp_warning_count(l.esp) == 0, "%s: %s", logs[k],
		              espdiag_esp_warning_at(l.esp, 0)->message);
		espdiag_report *r;
		ck_assert_int_eq(espdiag_diagnose(&r, l.esp, NULL), ESPDIAG_OK);
		/* The dump's own findings (its apps' names unknown: no policies). */
		ck_assert_str_eq(finding_ids(r), "app-install-failed app-install-failed app-detection-failed "
		                      "phase-skipped ");
		ck_assert_ptr_null(espdiag_esp_device_setup(l.esp)->apps[0]->name);
		espdiag_report_free(r);
		unload(&l);
		remove_variant(tmp);
	}
}
END_TEST

/* Device preparation (v2, issue 15): the workloads joined with the logs'
 * apps; the clock from a workload's EndTime; apv2-workload-failed cites
 * the log. tests/data/apps-v2/AppWorkload.log is logged at UTC-5 beside
 * tests/data/v2-workload-failed.reg. */
START_TEST(test_v2_join)
{
	static const char *const none[] = { NULL };
	const char *dir = folder_of("v2-workload-failed.reg", "apps-v2/AppWorkload.log", none, 0);
	loaded l = load_path(dir);
	ck_assert_uint_eq(espdiag_esp_workload_count(l.esp), 3);
	const espdiag_esp_workload *w = espdiag_esp_workload_at(l.esp, 1);
	ck_assert_ptr_nonnull(w->log_app);
	ck_assert_str_eq(w->log_app->name, "7-Zip");
	ck_assert_int_eq(w->log_app->attempts[0]->outcome, ESPDIAG_ESP_ATTEMPT_FAILED);
	ck_assert_ptr_eq(espdiag_esp_workload_at(l.esp, 0)->log_app,
	                 espdiag_esp_log_app_find(l.esp, "c0ffee00-0000-4000-8000-000000000001"));
	ck_assert_ptr_null(espdiag_esp_workload_at(l.esp, 2)->log_app);
	const espdiag_esp_clock *c = espdiag_esp_clock_info(l.esp);
	ck_assert(c->known);
	ck_assert_int_eq(c->utc_offset_minutes, -300);
	ck_assert_str_eq(c->how,
	                 "UTC-05:00: AppWorkload.log line 7 (2024-06-20 05:00:59.500 local), which "
	                 "ends the last attempt of app \"Company Portal\" "
	                 "(c0ffee00-0000-4000-8000-000000000001), and the EndTime "
	                 "2024-06-20T10:01:00.0000000Z of its device preparation workload "
	                 "(ProvisioningProgress), are the same moment within 1 s of a 15-minute "
	                 "offset; 2 pairs of a log record and a registry time agree");
	espdiag_report *r;
	ck_assert_int_eq(espdiag_diagnose(&r, l.esp, NULL), ESPDIAG_OK);
	ck_assert_str_eq(finding_ids(r), "apv2-workload-failed apv2-page-failed ");
	const espdiag_finding *f = finding(r, "apv2-workload-failed", 0);
	ck_assert_ptr_nonnull(strstr(espdiag_finding_detail(f),
	                             "install. Its ErrorCode is 1603, an exit code: 0x80070643"));
	ck_assert_ptr_nonnull(strstr(espdiag_finding_detail(f),
	                             " The IME log AppWorkload.log, line 11, gives attempt 1's "
	                             "installer exit code 1603 (0x80070643, ERROR_INSTALL_FAILURE"));
	ck_assert_uint_eq(espdiag_finding_evidence_count(f), 5);
	check_ev(f, 3, "AppWorkload.log", "line 11", "[Win32App] lpExitCode 1603");
	espdiag_report_free(r);
	unload(&l);
	remove_variant(dir);
}
END_TEST

Suite *suite_logs(void)
{
	Suite *s = suite_create("logs");
	TCase *tc = tcase_create("logs");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_catalogue);
	tcase_add_test(tc, test_attempts);
	tcase_add_test(tc, test_moments);
	tcase_add_test(tc, test_clock);
	tcase_add_test(tc, test_clock_unknown);
	tcase_add_test(tc, test_rules);
	tcase_add_test(tc, test_detection_registry);
	tcase_add_test(tc, test_corpus_logs);
	tcase_add_test(tc, test_v2_join);
	suite_add_tcase(s, tc);
	return s;
}

/* tests/check_v2.c - Autopilot device preparation (v2) and the scenario
 * (esp.h, diagnose.h): the DevicePreparation values as values and as
 * subkeys, the IME workloads in every state and both time spellings, JSON
 * that is malformed, the apv2-* rules, the one place that silences the ESP
 * (v1) rules, the scenario of v1, v2, existing-device and mixed devices,
 * the workloads in the timeline, and the JSON and text reports.
 * Fixtures: tests/data/v2-*.reg (dump dialect); variants are built here. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "testutil.h"

#define MS "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\"
#define AS MS "Provisioning\\AutopilotSettings"
#define DP AS "\\DevicePreparation"
#define PP MS "IntuneManagementExtension\\Win32Apps\\ProvisioningProgress"
#define W1 "c0ffee00-0000-4000-8000-000000000001"
#define W2 "c0ffee00-0000-4000-8000-000000000002"

typedef struct run {
	espdiag_registry *reg;
	bool text;           /* reg came from tu_open_text */
	espdiag_esp *esp;
	espdiag_report *report;
} run;

static void diagnose(run *r)
{
	ck_assert_int_eq(espdiag_esp_load(&r->esp, r->reg), ESPDIAG_OK);
	espdiag_diagnose_options o = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	o.registry = r->reg;
	ck_assert_int_eq(espdiag_diagnose(&r->report, r->esp, &o), ESPDIAG_OK);
}

static void open_fixture(run *r, const char *name)
{
	memset(r, 0, sizeof *r);
	ck_assert_int_eq(espdiag_registry_new(&r->reg), ESPDIAG_OK);
	int rc = espdiag_registry_open_file(r->reg, tu_data_path(name), NULL, NULL);
	ck_assert_msg(rc == ESPDIAG_OK, "%s: %s", name, espdiag_registry_errmsg(r->reg));
	ck_assert_uint_eq(espdiag_registry_warning_count(r->reg), 0);
	diagnose(r);
}

static void open_text(run *r, const char *text)
{
	memset(r, 0, sizeof *r);
	r->reg = tu_open_text(text);
	ck_assert_ptr_nonnull(r->reg);
	r->text = true;
	diagnose(r);
}

static void close_run(run *r)
{
	espdiag_report_free(r->report);
	espdiag_esp_free(r->esp);
	if (r->text)
		tu_registry_free(r->reg);
	else
		espdiag_registry_free(r->reg);
}

/* "a,b" of the report's ids. */
static const char *ids(const espdiag_report *rep)
{
	static char buf[1024];
	buf[0] = '\0';
	for (size_t i = 0; i < espdiag_report_finding_count(rep); i++) {
		if (i)
			strncat(buf, ",", sizeof buf - strlen(buf) - 1);
		strncat(buf, espdiag_finding_id(espdiag_report_finding_at(rep, i)),
		        sizeof buf - strlen(buf) - 1);
	}
	return buf;
}

static const espdiag_finding *find_id(const espdiag_report *rep, const char *id)
{
	for (size_t i = 0; i < espdiag_report_finding_count(rep); i++) {
		const espdiag_finding *f = espdiag_report_finding_at(rep, i);
		if (strcmp(espdiag_finding_id(f), id) == 0)
			return f;
	}
	ck_abort_msg("no %s finding in %s", id, ids(rep));
	return NULL;
}

static char *render(const espdiag_report *rep, bool text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(text ? espdiag_report_write_text(rep, 0, f)
	                      : espdiag_report_write_json(rep, f),
	                 ESPDIAG_OK);
	fclose(f);
	return buf;
}

static char *timeline(const espdiag_esp *esp, uint32_t format)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(espdiag_esp_timeline_write(esp, format, f), ESPDIAG_OK);
	fclose(f);
	return buf;
}

#define CONTAINS(hay, needle) \
	ck_assert_msg(strstr(hay, needle) != NULL, "\"%s\" lacks \"%s\"", hay, needle)

/* --- names --- */

START_TEST(test_names)
{
	static const char *const ws[] = { "not_started", "completed", "skipped",
		                          "uninstalled", "failed",    "in_progress",
		                          "reboot_required", "cancelled", "unknown" };
	for (uint32_t i = 0; i < 9; i++)
		ck_assert_str_eq(espdiag_esp_workload_state_name(i), ws[i]);
	ck_assert_str_eq(espdiag_esp_workload_state_name(0xffffffffu), "unknown");
	static const char *const ps[] = { "disabled", "enabled", "in_progress",
		                          "exited_on_success", "exited_on_failure", "unknown" };
	for (uint32_t i = 0; i < 6; i++)
		ck_assert_str_eq(espdiag_esp_devprep_status_name(i), ps[i]);
	static const char *const sc[] = { "none", "autopilot_v1", "autopilot_v2",
		                          "autopilot_existing_device", "esp_only", "unknown" };
	for (uint32_t i = 0; i < 6; i++)
		ck_assert_str_eq(espdiag_esp_scenario_name(i), sc[i]);
	/* NULL models. */
	ck_assert_int_eq(espdiag_esp_scenario(NULL), ESPDIAG_ESP_SCENARIO_NONE);
	ck_assert_uint_eq(espdiag_esp_scenario_evidence_count(NULL), 0);
	ck_assert_ptr_null(espdiag_esp_scenario_evidence_at(NULL, 0));
	ck_assert_ptr_nonnull(espdiag_esp_devprep_info(NULL));
	ck_assert(!espdiag_esp_devprep_info(NULL)->in_use);
	ck_assert_uint_eq(espdiag_esp_workload_count(NULL), 0);
	ck_assert_ptr_null(espdiag_esp_workload_at(NULL, 0));
	ck_assert_int_eq(espdiag_report_scenario(NULL), ESPDIAG_ESP_SCENARIO_NONE);
}
END_TEST

/* --- the acceptance: one failed workload on a v2 device --- */

START_TEST(test_acceptance)
{
	run r;
	open_fixture(&r, "v2-workload-failed.reg");
	ck_assert_int_eq(espdiag_esp_scenario(r.esp), ESPDIAG_ESP_SCENARIO_AUTOPILOT_V2);
	ck_assert_int_eq(espdiag_report_scenario(r.report), ESPDIAG_ESP_SCENARIO_AUTOPILOT_V2);
	ck_assert_str_eq(ids(r.report), "apv2-workload-failed,apv2-page-failed");
	ck_assert_int_eq(espdiag_report_outcome(r.report), ESPDIAG_OUTCOME_FAILED);
	const espdiag_finding *f = find_id(r.report, "apv2-workload-failed");
	ck_assert_str_eq(espdiag_finding_title(f), "Device preparation: \"7-Zip\" failed");
	CONTAINS(espdiag_finding_detail(f),
	         "lists the workload \"7-Zip\" (" W2 ") in WorkloadState 4 (failed)");
	CONTAINS(espdiag_finding_detail(f), "Its ErrorCode is 1603, an exit code: 0x80070643 "
	                                    "(ERROR_INSTALL_FAILURE: ");
	CONTAINS(espdiag_finding_detail(f), "It ran from 2024-06-20T10:01:00.0000000Z to "
	                                    "2024-06-20T10:05:00.5000000Z.");
	uint32_t code = 0;
	int64_t exit_code = 0;
	ck_assert_int_eq(espdiag_finding_error_code(&code, f), ESPDIAG_OK);
	ck_assert_uint_eq(code, 0x80070643u);
	ck_assert_int_eq(espdiag_finding_exit_code(&exit_code, f), ESPDIAG_OK);
	ck_assert_int_eq(exit_code, 1603);
	ck_assert_uint_eq(espdiag_finding_phase(f), 0);
	const espdiag_subject *s = espdiag_finding_subject(f);
	ck_assert_str_eq(s->kind, "workload");
	ck_assert_str_eq(s->id, W2);
	ck_assert_str_eq(s->name, "7-Zip");
	ck_assert_str_eq(s->context, "device");
	ck_assert_uint_eq(espdiag_finding_evidence_count(f), 1);
	ck_assert_str_eq(espdiag_finding_evidence_key(f, 0), PP);
	ck_assert_str_eq(espdiag_finding_evidence_value(f, 0), "ProvisioningProgress");
	ck_assert_str_eq(espdiag_finding_evidence_data(f, 0),
	                 "Workloads[1]: WorkloadId " W2 ", WorkloadState 4 (failed), ErrorCode 1603");

	f = find_id(r.report, "apv2-page-failed");
	ck_assert_str_eq(espdiag_finding_detail(f),
	                 "PageStatus is 4 (exited_on_failure): device preparation stopped before "
	                 "the desktop. PageErrorPhase is 2. PageErrorCode is 0x80070643 "
	                 "(ERROR_INSTALL_FAILURE: Fatal error during installation (MSI 1603): read "
	                 "the installer's own log.). PageErrorDetails: \"An app failed to "
	                 "install\". The user saw the policy's error message: \"Contact IT at "
	                 "x1234\".");
	ck_assert_int_eq(espdiag_finding_error_code(&code, f), ESPDIAG_OK);
	ck_assert_uint_eq(code, 0x80070643u);
	ck_assert_uint_eq(espdiag_finding_evidence_count(f), 4);
	ck_assert_str_eq(espdiag_finding_evidence_data(f, 2), "0x80070643");

	char *text = render(r.report, true);
	ck_assert_int_eq(strncmp(text, "/", 1), 0);
	CONTAINS(text, "v2-workload-failed.reg: failed - 2 errors, 0 warnings, 0 infos - "
	               "scenario autopilot_v2\nGeneral\n  [error] apv2-workload-failed: ");
	CONTAINS(text, "\nDevice preparation page (v2): exited on failure\n");
	/* No ESP phase on a device without ESP keys. */
	ck_assert_ptr_null(strstr(text, "Device setup:"));
	free(text);
	/* The IME's ProvisioningProgress key is no IME user with apps. */
	ck_assert_uint_eq(espdiag_esp_ime_app_count(r.esp), 0);
	close_run(&r);
}
END_TEST

/* --- the model --- */

static void value_is(const espdiag_esp_devprep_value *v, const char *key, const char *name,
                     bool has_number, uint32_t number, const char *text)
{
	ck_assert_str_eq(v->key, key);
	ck_assert_str_eq(v->name, name);
	ck_assert_int_eq(v->number.has, has_number);
	if (has_number)
		ck_assert_uint_eq(v->number.value, number);
	ck_assert_str_eq(v->text, text);
}

START_TEST(test_model_values)
{
	run r;
	open_fixture(&r, "v2-workload-failed.reg");
	const espdiag_esp_devprep *d = espdiag_esp_devprep_info(r.esp);
	ck_assert_str_eq(d->key, DP);
	value_is(&d->hint, AS, "AutopilotDevicePrepHint", true, 1, "1");
	ck_assert(d->hinted);
	ck_assert(d->in_use);
	value_is(&d->page_enabled, DP, "PageEnabled", true, 1, "1");
	ck_assert(d->settings_read);
	ck_assert_str_eq(d->page_settings.name, "PageSettings");
	ck_assert_uint_eq(d->agent_download_timeout_seconds.value, 900);
	ck_assert_uint_eq(d->page_timeout_seconds.value, 3600);
	ck_assert_str_eq(d->error_message, "Contact IT at x1234");
	ck_assert(d->allow_skip_on_failure.has && d->allow_skip_on_failure.value == 0);
	ck_assert(d->allow_diagnostics.has && d->allow_diagnostics.value == 1);
	value_is(&d->page_status, DP, "PageStatus", true, 4, "4");
	value_is(&d->page_error_phase, DP, "PageErrorPhase", true, 2, "2");
	value_is(&d->page_error_code, DP, "PageErrorCode", true, 0x80070643u, "2147944003");
	value_is(&d->page_error_details, DP, "PageErrorDetails", false, 0,
	         "An app failed to install");
	value_is(&d->mdm_agent_installed, DP "\\MDMProvider", "MdmAgentInstalled", true, 1, "1");
	value_is(&d->mdm_progress, DP "\\MDMProvider", "Progress", false, 0,
	         "ProvisioningComplete");
	value_is(&d->bootstrapper_class_id, DP "\\BootstrapperAgent", "ClassID", false, 0,
	         "{2C2E7A2E-0000-4000-8000-00000000B00A}");
	value_is(&d->bootstrapper_execution_context, DP "\\BootstrapperAgent", "ExecutionContext",
	         false, 0, "ctx");
	value_is(&d->bootstrapper_installation_status_uri, DP "\\BootstrapperAgent",
	         "InstallationStatusUri", false, 0,
	         "./Vendor/MSFT/EnrollmentStatusTracking/DevicePreparation");

	ck_assert_uint_eq(espdiag_esp_workload_count(r.esp), 3);
	const espdiag_esp_workload *w = espdiag_esp_workload_at(r.esp, 0);
	ck_assert_str_eq(w->key, PP);
	ck_assert_str_eq(w->value, "ProvisioningProgress");
	ck_assert_uint_eq(w->index, 0);
	ck_assert_str_eq(w->id, W1);
	ck_assert_str_eq(w->app_id, W1);
	ck_assert_str_eq(w->name, "Company Portal");
	ck_assert(w->state.has && w->state.value == ESPDIAG_ESP_WORKLOAD_COMPLETED);
	ck_assert_ptr_null(w->state_raw);
	ck_assert_str_eq(w->start_raw, "/Date(1718877600000)/");
	ck_assert(w->has_start);
	ck_assert_int_eq(w->start_unix, 1718877600);
	ck_assert_str_eq(w->start_utc, "2024-06-20T10:00:00.0000000Z");
	ck_assert_str_eq(w->end_utc, "2024-06-20T10:01:00.0000000Z");
	ck_assert(w->has_error_code && w->error_code == 0);
	/* \/Date(ms)\/: the slashes escaped, as DataContractJsonSerializer writes them. */
	w = espdiag_esp_workload_at(r.esp, 1);
	ck_assert_str_eq(w->start_raw, "/Date(1718877660000)/");
	ck_assert_str_eq(w->end_utc, "2024-06-20T10:05:00.5000000Z");
	ck_assert_uint_eq(w->end_100ns, 5000000);
	ck_assert(w->has_error_code && w->error_code == 1603);
	/* DateTime.MinValue is no time; its raw text stays. */
	w = espdiag_esp_workload_at(r.esp, 2);
	ck_assert(!w->has_start && !w->has_end);
	ck_assert_str_eq(w->start_raw, "/Date(-62135596800000)/");
	ck_assert_ptr_null(w->start_utc);
	ck_assert_ptr_null(espdiag_esp_workload_at(r.esp, 3));
	ck_assert_uint_eq(espdiag_esp_warning_count(r.esp), 0);
	close_run(&r);
}
END_TEST

/* The CSP's nodes as subkeys, values directly on DevicePreparation, ISO
 * 8601 times (Json.NET's default), string states and a numeric id. */
START_TEST(test_model_subkeys)
{
	run r;
	open_fixture(&r, "v2-subkeys.reg");
	const espdiag_esp_devprep *d = espdiag_esp_devprep_info(r.esp);
	value_is(&d->hint, AS, "AutopilotDevicePrepHint", true, 2, "2");
	value_is(&d->page_enabled, DP "\\PageEnabled", "PageEnabled", true, 1, "1");
	ck_assert_str_eq(d->page_settings.key, DP "\\PageSettings");
	ck_assert_str_eq(d->page_settings.name, "");
	ck_assert(d->settings_read);
	ck_assert_uint_eq(d->agent_download_timeout_seconds.value, 900);
	ck_assert_uint_eq(d->page_timeout_seconds.value, 1800);
	ck_assert_str_eq(d->error_message, "Call IT");
	ck_assert(d->allow_skip_on_failure.has && d->allow_skip_on_failure.value == 1);
	ck_assert(d->allow_diagnostics.has && d->allow_diagnostics.value == 0);
	value_is(&d->page_status, DP "\\PageStatus", "PageStatus", true, 3, "3");
	value_is(&d->mdm_agent_installed, DP, "MdmAgentInstalled", true, 1, "1");
	ck_assert_ptr_null(d->mdm_progress.key);
	value_is(&d->bootstrapper_class_id, DP, "ClassID", false, 0,
	         "{2C2E7A2E-0000-4000-8000-00000000B00A}");
	ck_assert_ptr_null(d->page_error_code.key);

	const espdiag_esp_workload *w = espdiag_esp_workload_at(r.esp, 0);
	ck_assert_str_eq(w->id, "{C0FFEE00-0000-4000-8000-000000000001}");
	ck_assert_str_eq(w->app_id, W1);
	ck_assert_str_eq(w->start_utc, "2024-06-20T10:00:00.0000000Z");
	/* An offset is applied. */
	ck_assert_str_eq(w->end_raw, "2024-06-20T12:01:00+02:00");
	ck_assert_str_eq(w->end_utc, "2024-06-20T10:01:00.0000000Z");
	w = espdiag_esp_workload_at(r.esp, 1);
	ck_assert(w->state.has && w->state.value == ESPDIAG_ESP_WORKLOAD_COMPLETED);
	ck_assert_str_eq(w->state_raw, "Completed");
	/* No zone: read as UTC. */
	ck_assert_str_eq(w->start_utc, "2024-06-20T10:01:00.1234567Z");
	/* /Date(ms+hhmm)/: the offset marks a local DateTime; ms is UTC. */
	ck_assert_str_eq(w->end_utc, "2024-06-20T10:05:00.0000000Z");
	ck_assert(w->has_error_code && w->error_code == 0);
	w = espdiag_esp_workload_at(r.esp, 2);
	ck_assert_str_eq(w->id, "42");
	ck_assert_ptr_null(w->app_id);
	ck_assert(!w->has_start && w->start_raw == NULL && !w->has_end && w->end_raw == NULL);
	ck_assert(!w->has_error_code);

	ck_assert_str_eq(ids(r.report), "");
	ck_assert_int_eq(espdiag_report_outcome(r.report), ESPDIAG_OUTCOME_COMPLETED);
	char *text = render(r.report, true);
	const char *want = "v2-subkeys.reg: completed - 0 errors, 0 warnings, 0 infos - scenario "
	                   "autopilot_v2\nDevice preparation page (v2): exited on success\n";
	ck_assert_str_eq(text + strlen(text) - strlen(want), want);
	free(text);
	close_run(&r);
}
END_TEST

/* Every WorkloadState, as a number and as the enum's name. */
START_TEST(test_workload_states)
{
	run r;
	open_fixture(&r, "v2-states.reg");
	ck_assert_uint_eq(espdiag_esp_workload_count(r.esp), 19);
	for (uint32_t i = 0; i < 16; i++) {
		const espdiag_esp_workload *w = espdiag_esp_workload_at(r.esp, i);
		ck_assert_msg(w->state.has && w->state.value == i % 8, "workload %u", i);
		ck_assert_int_eq(w->state_raw != NULL, i >= 8);
	}
	const espdiag_esp_workload *w = espdiag_esp_workload_at(r.esp, 16);
	ck_assert(w->state.has && w->state.value == 9);
	ck_assert_str_eq(espdiag_esp_workload_state_name(w->state.value), "unknown");
	w = espdiag_esp_workload_at(r.esp, 17);
	ck_assert(!w->state.has);
	ck_assert_str_eq(w->state_raw, "Bogus");
	w = espdiag_esp_workload_at(r.esp, 18);
	ck_assert(!w->state.has && w->state_raw == NULL);
	/* Two failed workloads (4 and "Failed"), one finding each. */
	ck_assert_str_eq(ids(r.report), "apv2-workload-failed,apv2-workload-failed");
	/* Workloads alone say device preparation ran; in progress (5) runs on. */
	ck_assert_int_eq(espdiag_esp_scenario(r.esp), ESPDIAG_ESP_SCENARIO_AUTOPILOT_V2);
	close_run(&r);
}
END_TEST

/* Every PageStatus: its name, and what the diagnosis makes of it. */
static const struct {
	uint32_t status;
	const char *ids;
	espdiag_outcome outcome;
	const char *line;
} statuses[] = {
	{ 0, "", ESPDIAG_OUTCOME_UNKNOWN, "Device preparation page (v2): disabled\n" },
	{ 1, "", ESPDIAG_OUTCOME_IN_PROGRESS, "Device preparation page (v2): enabled\n" },
	{ 2, "", ESPDIAG_OUTCOME_IN_PROGRESS, "Device preparation page (v2): in progress\n" },
	{ 3, "", ESPDIAG_OUTCOME_COMPLETED, "Device preparation page (v2): exited on success\n" },
	{ 4, "apv2-page-failed", ESPDIAG_OUTCOME_FAILED,
	  "Device preparation page (v2): exited on failure\n" },
	{ 7, "", ESPDIAG_OUTCOME_UNKNOWN, "Device preparation page (v2): unknown\n" },
};

START_TEST(test_page_status)
{
	char text[1024];
	snprintf(text, sizeof text,
	         "[" DP "]\n    \"PageSettings\"=\"{\"PageTimeoutSeconds\":3600}\"\n"
	         "    \"PageStatus\"=DWORD:%08x\n\n",
	         statuses[_i].status);
	run r;
	open_text(&r, text);
	const espdiag_esp_devprep *d = espdiag_esp_devprep_info(r.esp);
	ck_assert(d->page_status.number.has);
	ck_assert_uint_eq(d->page_status.number.value, statuses[_i].status);
	ck_assert_str_eq(ids(r.report), statuses[_i].ids);
	ck_assert_int_eq(espdiag_report_outcome(r.report), statuses[_i].outcome);
	char *out = render(r.report, true);
	CONTAINS(out, statuses[_i].line);
	free(out);
	close_run(&r);
}
END_TEST

/* --- malformed JSON: a warning, the rest loads --- */

START_TEST(test_malformed)
{
	run r;
	open_fixture(&r, "v2-malformed.reg");
	ck_assert_uint_eq(espdiag_esp_warning_count(r.esp), 2);
	ck_assert_str_eq(espdiag_esp_warning_at(r.esp, 0)->message,
	                 DP "\\PageSettings: malformed JSON at line 1, column 26: string or '}' "
	                    "expected near end of file; ignored");
	ck_assert_str_eq(espdiag_esp_warning_at(r.esp, 1)->message,
	                 PP "\\ProvisioningProgress: Workloads[0] is no JSON object; skipped");
	const espdiag_esp_devprep *d = espdiag_esp_devprep_info(r.esp);
	ck_assert(!d->settings_read);
	ck_assert_str_eq(d->page_settings.text, "{\"PageTimeoutSeconds\":600,");
	ck_assert(!d->page_timeout_seconds.has);
	ck_assert_uint_eq(d->page_status.number.value, 4);
	ck_assert_uint_eq(espdiag_esp_workload_count(r.esp), 1);
	const espdiag_esp_workload *w = espdiag_esp_workload_at(r.esp, 0);
	ck_assert_uint_eq(w->index, 1);
	ck_assert(w->has_start && !w->has_end);
	ck_assert_str_eq(w->end_raw, "garbage");
	ck_assert(w->has_error_code && w->error_code == 0x80070002LL);
	/* A malformed PageSettings did arrive: not apv2-not-applied. */
	ck_assert_str_eq(ids(r.report), "apv2-workload-failed,apv2-page-failed,input-damaged");
	uint32_t code = 0;
	int64_t ec = 0;
	const espdiag_finding *f = find_id(r.report, "apv2-workload-failed");
	ck_assert_int_eq(espdiag_finding_error_code(&code, f), ESPDIAG_OK);
	ck_assert_uint_eq(code, 0x80070002u);
	ck_assert_int_eq(espdiag_finding_exit_code(&ec, f), ESPDIAG_NOTFOUND);
	close_run(&r);
}
END_TEST

/* Bad JSON in every shape still loads a model. */
START_TEST(test_bad_documents)
{
	static const char *const docs[] = {
		"[]", "{\"Workloads\":{}}", "{\"Workloads\":[1,null,\"x\",[]]}", "{}",
		"{\"Workloads\":[{\"WorkloadState\":-1,\"StartTime\":\"/Date(99999999999999999999)/\","
		"\"EndTime\":\"/Date(1)/x\",\"ErrorCode\":\"0xZZ\",\"WorkloadId\":{}}]}",
		"{\"Workloads\":[{\"StartTime\":\"/Date(253402300800000)/\",\"EndTime\":12}]}",
	};
	static const size_t counts[] = { 0, 0, 0, 0, 1, 1 };
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		char text[1024];
		snprintf(text, sizeof text, "[" PP "]\n    \"ProvisioningProgress\"=\"%s\"\n\n",
		         docs[i]);
		run r;
		open_text(&r, text);
		ck_assert_msg(espdiag_esp_workload_count(r.esp) == counts[i], "%s", docs[i]);
		for (size_t k = 0; k < counts[i]; k++) {
			const espdiag_esp_workload *w = espdiag_esp_workload_at(r.esp, k);
			ck_assert(!w->has_start && !w->has_end && !w->state.has && !w->has_error_code);
			ck_assert_ptr_null(w->id);
		}
		close_run(&r);
	}
}
END_TEST

/* --- the rules --- */

START_TEST(test_timeout)
{
	run r;
	open_fixture(&r, "v2-timeout.reg");
	ck_assert_str_eq(ids(r.report), "apv2-page-failed,apv2-timeout");
	const espdiag_finding *f = find_id(r.report, "apv2-timeout");
	CONTAINS(espdiag_finding_detail(f),
	         "The workloads' times span 20 minutes (from 2024-06-20T10:00:00.0000000Z to "
	         "2024-06-20T10:20:00.0000000Z), and PageTimeoutSeconds is 600 (10 minutes). "
	         "Still running or not started: \"Big CAD suite\" (" W2 ") (in_progress), "
	         "\"Printer drivers\" (c0ffee00-0000-4000-8000-000000000003) (not_started).");
	uint32_t code;
	ck_assert_int_eq(espdiag_finding_error_code(&code, f), ESPDIAG_OK);
	ck_assert_uint_eq(code, 0x800705b4u);
	close_run(&r);

	/* From the times alone (no error code), while the page still runs. */
	static const char elapsed[] =
		"[" DP "]\n    \"PageSettings\"=\"{\"PageTimeoutSeconds\":60}\"\n"
		"    \"PageStatus\"=DWORD:00000002\n\n"
		"[" PP "]\n    \"ProvisioningProgress\"=\"{\"Workloads\":[{\"WorkloadId\":\"a\","
		"\"WorkloadState\":5,\"StartTime\":\"/Date(1718877600000)/\","
		"\"EndTime\":\"/Date(1718877660000)/\"}]}\"\n\n";
	open_text(&r, elapsed);
	ck_assert_str_eq(ids(r.report), "apv2-timeout");
	ck_assert_int_eq(espdiag_report_outcome(r.report), ESPDIAG_OUTCOME_FAILED);
	close_run(&r);

	/* The same span on a page that exited on success: no timeout. */
	char quiet[sizeof elapsed];
	memcpy(quiet, elapsed, sizeof elapsed);
	memcpy(strstr(quiet, "DWORD:00000002"), "DWORD:00000003", 14);
	open_text(&r, quiet);
	ck_assert_str_eq(ids(r.report), "");
	close_run(&r);
}
END_TEST

START_TEST(test_not_applied)
{
	run r;
	open_fixture(&r, "v2-not-applied.reg");
	ck_assert_int_eq(espdiag_esp_scenario(r.esp), ESPDIAG_ESP_SCENARIO_AUTOPILOT_V2);
	/* Not no-esp-data: the device has v2 evidence. */
	ck_assert_str_eq(ids(r.report), "apv2-not-applied");
	const espdiag_finding *f = find_id(r.report, "apv2-not-applied");
	ck_assert_str_eq(espdiag_finding_detail(f),
	                 "AutopilotDevicePrepHint is 1, but no PageSettings exist under "
	                 "DevicePreparation: the device preparation policy never reached the "
	                 "device.");
	ck_assert_str_eq(espdiag_finding_evidence_key(f, 1), DP);
	ck_assert_str_eq(espdiag_finding_evidence_data(f, 1), "absent");
	close_run(&r);

	/* With an Autopilot profile: the profile's flow, said in the detail. */
	open_text(&r, "[" AS "]\n    \"AutopilotDevicePrepHint\"=DWORD:00000001\n\n"
	              "[" MS "Provisioning\\Diagnostics\\Autopilot]\n"
	              "    \"DeploymentProfileName\"=\"Corp\"\n\n");
	ck_assert_int_eq(espdiag_esp_scenario(r.esp), ESPDIAG_ESP_SCENARIO_AUTOPILOT_V1);
	ck_assert_str_eq(ids(r.report), "apv2-not-applied");
	CONTAINS(espdiag_finding_detail(find_id(r.report, "apv2-not-applied")),
	         "(scenario autopilot_v1), which takes precedence");
	close_run(&r);

	/* A hint of 0 (or "false") points nowhere: no v2 evidence, no-esp-data. */
	open_text(&r, "[" AS "]\n    \"AutopilotDevicePrepHint\"=\"false\"\n\n");
	ck_assert(!espdiag_esp_devprep_info(r.esp)->hinted);
	ck_assert_str_eq(ids(r.report), "no-esp-data");
	ck_assert_int_eq(espdiag_esp_scenario(r.esp), ESPDIAG_ESP_SCENARIO_NONE);
	close_run(&r);
}
END_TEST

/* On damaged input apv2-not-applied (from PageSettings being absent) is withheld. */
START_TEST(test_not_applied_damaged)
{
	run r;
	open_text(&r, "[" AS "]\n    \"AutopilotDevicePrepHint\"=DWORD:00000001\n\n"
	              "[" MS "X]\n\"bad\"=dword:xyz\n");
	ck_assert_str_eq(ids(r.report), "input-damaged");
	CONTAINS(espdiag_finding_detail(find_id(r.report, "input-damaged")),
	         "were withheld: apv2-not-applied.");
	close_run(&r);
}
END_TEST

/* Both keys: ESP (v1) and device preparation, no Autopilot profile. */
START_TEST(test_both)
{
	run r;
	open_fixture(&r, "v2-both.reg");
	ck_assert_int_eq(espdiag_esp_scenario(r.esp), ESPDIAG_ESP_SCENARIO_AUTOPILOT_V2);
	ck_assert_str_eq(ids(r.report), "apv2-workload-failed,app-install-failed,phase-skipped");
	/* The deciding evidence first, then the ESP's. */
	ck_assert_uint_eq(espdiag_esp_scenario_evidence_count(r.esp), 6);
	ck_assert_str_eq(espdiag_esp_scenario_evidence_at(r.esp, 0)->value,
	                 "AutopilotDevicePrepHint");
	ck_assert_str_eq(espdiag_esp_scenario_evidence_at(r.esp, 3)->data, "1 workload");
	ck_assert_str_eq(espdiag_esp_scenario_evidence_at(r.esp, 4)->key,
	                 MS "Enrollments\\{11111111-2222-3333-4444-555555555555}\\FirstSync");
	ck_assert_str_eq(espdiag_esp_scenario_evidence_at(r.esp, 5)->key,
	                 MS "Windows\\Autopilot\\EnrollmentStatusTracking");
	ck_assert_ptr_null(espdiag_esp_scenario_evidence_at(r.esp, 6));
	char *text = render(r.report, true);
	CONTAINS(text, "\nDevice preparation page (v2): unknown\nDevice preparation: completed\n"
	               "Device setup: failed\n");
	free(text);
	close_run(&r);
}
END_TEST

/* --- the scenario --- */

static const struct {
	const char *fixture;
	espdiag_esp_scenario_kind scenario;
} v1_fixtures[] = {
	{ "diag-ok.reg", ESPDIAG_ESP_SCENARIO_AUTOPILOT_V1 },
	{ "diag-old-os.reg", ESPDIAG_ESP_SCENARIO_AUTOPILOT_V1 },
	{ "diag-render.reg", ESPDIAG_ESP_SCENARIO_ESP_ONLY },
	{ "diag-escapes.reg", ESPDIAG_ESP_SCENARIO_ESP_ONLY },
	{ "diag-empty.reg", ESPDIAG_ESP_SCENARIO_NONE },
	{ "esp-absent.reg", ESPDIAG_ESP_SCENARIO_NONE },
	/* The profile name from the key, the registration id from the cache. */
	{ "esp-page.reg", ESPDIAG_ESP_SCENARIO_AUTOPILOT_V1 },
	{ "esp-enrollments.reg", ESPDIAG_ESP_SCENARIO_AUTOPILOT_V1 },
	{ "v2-existing.reg", ESPDIAG_ESP_SCENARIO_AUTOPILOT_EXISTING_DEVICE },
};

START_TEST(test_scenario_fixtures)
{
	run r;
	open_fixture(&r, v1_fixtures[_i].fixture);
	ck_assert_msg(espdiag_esp_scenario(r.esp) == v1_fixtures[_i].scenario, "%s: %s",
	              v1_fixtures[_i].fixture, espdiag_esp_scenario_name(espdiag_esp_scenario(r.esp)));
	close_run(&r);
}
END_TEST

START_TEST(test_scenario_evidence)
{
	run r;
	open_fixture(&r, "esp-page.reg");
	ck_assert_uint_eq(espdiag_esp_scenario_evidence_count(r.esp), 3);
	const espdiag_esp_evidence *e = espdiag_esp_scenario_evidence_at(r.esp, 0);
	ck_assert_str_eq(e->key, MS "Provisioning\\Diagnostics\\Autopilot");
	ck_assert_str_eq(e->value, "DeploymentProfileName");
	ck_assert_str_eq(e->data, "From the key");
	e = espdiag_esp_scenario_evidence_at(r.esp, 1);
	ck_assert_str_eq(e->key, MS "Provisioning\\AutopilotPolicyCache");
	ck_assert_str_eq(e->value, "PolicyJsonCache");
	ck_assert_str_eq(e->data, "ZtdRegistrationId: fabab7b5-73aa-4107-919f-e69f92b75630");
	e = espdiag_esp_scenario_evidence_at(r.esp, 2);
	ck_assert_str_eq(e->data, "CloudAssignedTenantId: bf9e995c-bfad-4261-9346-1eb345cda949");
	close_run(&r);

	open_fixture(&r, "v2-existing.reg");
	e = espdiag_esp_scenario_evidence_at(r.esp, 0);
	ck_assert_str_eq(e->value, "ZtdCorrelationId");
	ck_assert_str_eq(e->data, "7b5e1b3c-0000-4000-8000-00000000c0de");
	char *json = render(r.report, false);
	CONTAINS(json, "\"summary\":{\"outcome\":\"in_progress\",\"errors\":0,\"warnings\":0,"
	               "\"infos\":0,\"incomplete\":false},\"scenario\":{\"name\":"
	               "\"autopilot_existing_device\",\"evidence\":[{\"key\":"
	               "\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Provisioning\\\\"
	               "Diagnostics\\\\Autopilot\",\"value\":\"ZtdCorrelationId\",\"data\":"
	               "\"7b5e1b3c-0000-4000-8000-00000000c0de\"},");
	free(json);
	close_run(&r);

	/* The correlation id in the profile cache only. */
	open_text(&r, "[" MS "Provisioning\\AutopilotPolicyCache]\n"
	              "    \"PolicyJsonCache\"=\"{\"CloudAssignedTenantId\":\"t\","
	              "\"ZtdCorrelationId\":\"c0\"}\"\n\n");
	ck_assert_int_eq(espdiag_esp_scenario(r.esp),
	                 ESPDIAG_ESP_SCENARIO_AUTOPILOT_EXISTING_DEVICE);
	e = espdiag_esp_scenario_evidence_at(r.esp, 0);
	ck_assert_str_eq(e->data, "ZtdCorrelationId: c0");
	close_run(&r);

	/* A downloaded profile wins over a correlation id. */
	open_text(&r, "[" MS "Provisioning\\Diagnostics\\Autopilot]\n"
	              "    \"ZtdCorrelationId\"=\"c0\"\n    \"DeploymentProfileName\"=\"P\"\n\n");
	ck_assert_int_eq(espdiag_esp_scenario(r.esp), ESPDIAG_ESP_SCENARIO_AUTOPILOT_V1);
	ck_assert_uint_eq(espdiag_esp_scenario_evidence_count(r.esp), 2);
	ck_assert_str_eq(espdiag_esp_scenario_evidence_at(r.esp, 1)->value, "ZtdCorrelationId");
	close_run(&r);
}
END_TEST

/* The shared corpus: every ESP capture has a downloaded profile. */
START_TEST(test_corpus)
{
	static const char *const files[] = { "esp/device-app-failed.reg", "esp/success.reg",
		                             "esp/mixed-msi-win32.reg", "esp/user-esp-skipped.reg",
		                             "esp/success.SOFTWARE.hive" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		const char *path = tu_corpus_path(files[i]);
		if (path == NULL)
			return;
		run r;
		memset(&r, 0, sizeof r);
		ck_assert_int_eq(espdiag_registry_new(&r.reg), ESPDIAG_OK);
		ck_assert_int_eq(espdiag_registry_open_file(r.reg, path, NULL, NULL), ESPDIAG_OK);
		diagnose(&r);
		ck_assert_msg(espdiag_esp_scenario(r.esp) == ESPDIAG_ESP_SCENARIO_AUTOPILOT_V1, "%s",
		              files[i]);
		ck_assert(!espdiag_esp_devprep_info(r.esp)->in_use);
		for (size_t k = 0; k < espdiag_report_finding_count(r.report); k++)
			ck_assert(strncmp(espdiag_finding_id(espdiag_report_finding_at(r.report, k)),
			                  "apv2-", 5) != 0);
		close_run(&r);
	}
}
END_TEST

/* --- the timeline --- */

START_TEST(test_timeline)
{
	run r;
	open_fixture(&r, "v2-workload-failed.reg");
	char *text = timeline(r.esp, ESPDIAG_ESP_FORMAT_TEXT);
	ck_assert_str_eq(
		text,
		"2024-06-20T10:00:00.0000000Z device_preparation device ProvisioningProgress "
		"workload started(-) " W1 "\n"
		"2024-06-20T10:01:00.0000000Z device_preparation device ProvisioningProgress "
		"workload completed(1) " W1 "\n"
		"2024-06-20T10:01:00.0000000Z device_preparation device ProvisioningProgress "
		"workload started(-) " W2 "\n"
		"2024-06-20T10:05:00.5000000Z device_preparation device ProvisioningProgress "
		"workload failed(4) " W2 "\n"
		"- device_preparation device ProvisioningProgress workload skipped(2) "
		"c0ffee00-0000-4000-8000-000000000003\n");
	free(text);
	char *json = timeline(r.esp, ESPDIAG_ESP_FORMAT_JSON);
	const char *line4 = json;
	for (int i = 0; i < 3; i++)
		line4 = strchr(line4, '\n') + 1;
	ck_assert_int_eq(
		strncmp(line4,
		        "{\"time\":\"2024-06-20T10:05:00.5000000Z\",\"timestamp\":"
		        "\"/Date(1718877900500)/\",\"last_logged_state\":false,\"phase\":"
		        "\"device_preparation\",\"context\":\"device\",\"sid\":null,\"category\":"
		        "\"workloads\",\"category_name\":\"ProvisioningProgress\",\"kind\":"
		        "\"workload\",\"id\":\"" W2 "\",\"state\":\"failed\",\"state_raw\":4,"
		        "\"previous\":\"started\",\"evidence\":{\"key\":\"HKEY_LOCAL_MACHINE\\\\"
		        "SOFTWARE\\\\Microsoft\\\\IntuneManagementExtension\\\\Win32Apps\\\\"
		        "ProvisioningProgress\",\"value\":\"ProvisioningProgress\"},\"sources\":"
		        "[{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\"
		        "IntuneManagementExtension\\\\Win32Apps\\\\ProvisioningProgress\",\"value\":"
		        "\"ProvisioningProgress\",\"type\":null,\"data\":null,\"display\":\"failed\"}],"
		        "\"event\":\"state\",\"index\":1,\"name\":\"7-Zip\",\"start\":"
		        "\"2024-06-20T10:01:00.0000000Z\",\"end\":\"2024-06-20T10:05:00.5000000Z\","
		        "\"error_code\":1603,\"source\":\"workload\"}\n",
		        strlen(line4) - strlen(strchr(line4, '\n') + 1)),
		0);
	free(json);
	close_run(&r);

	/* Merged in time order with the ESP's changes; LastLoggedState (untimed)
	 * after every timed line, untimed workloads last. */
	open_text(&r,
	          "[" MS "Windows\\Autopilot\\EnrollmentStatusTracking\\ESPTrackingInfo\\"
	          "Diagnostics\\Sidecar\\2024-06-20T10:00:30.000Z]\n"
	          "    \"./Device/Vendor/MSFT/EnrollmentStatusTracking/Setup/Apps/Tracking/"
	          "Sidecar/Win32App_a_1\"=DWORD:00000002\n\n"
	          "[" MS "Windows\\Autopilot\\EnrollmentStatusTracking\\ESPTrackingInfo\\"
	          "Diagnostics\\Sidecar\\LastLoggedState]\n"
	          "    \"./Device/Vendor/MSFT/EnrollmentStatusTracking/Setup/Apps/Tracking/"
	          "Sidecar/Win32App_a_1\"=DWORD:00000003\n\n"
	          "[" PP "]\n    \"ProvisioningProgress\"=\"{\"Workloads\":["
	          "{\"WorkloadId\":\"late\",\"WorkloadState\":1,\"EndTime\":\"/Date(1718877660000)/\"},"
	          "{\"WorkloadId\":\"early\",\"WorkloadState\":5,\"StartTime\":\"/Date(1718877600000)/\"},"
	          "{\"WorkloadId\":\"never\",\"WorkloadState\":0}]}\"\n\n");
	text = timeline(r.esp, ESPDIAG_ESP_FORMAT_TEXT);
	ck_assert_str_eq(
		text,
		"2024-06-20T10:00:00.0000000Z device_preparation device ProvisioningProgress "
		"workload in_progress(5) early\n"
		"2024-06-20T10:00:30.0000000Z device_setup device Sidecar win32_app in_progress(2) "
		"Win32App_a_1\n"
		"2024-06-20T10:01:00.0000000Z device_preparation device ProvisioningProgress "
		"workload completed(1) late\n"
		"LastLoggedState device_setup device Sidecar win32_app completed(3) Win32App_a_1\n"
		"- device_preparation device ProvisioningProgress workload not_started(0) never\n");
	free(text);
	close_run(&r);
}
END_TEST

/* --- JSON --- */

START_TEST(test_json)
{
	run r;
	open_fixture(&r, "v2-not-applied.reg");
	char *json = tu_esp_json(r.esp, ESPDIAG_ESP_JSON_DEVICE_PREPARATION);
	ck_assert_str_eq(
		json,
		"\"device_preparation\":{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\"
		"Provisioning\\\\AutopilotSettings\\\\DevicePreparation\",\"in_use\":true,\"hint\":"
		"{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Provisioning\\\\"
		"AutopilotSettings\",\"value\":\"AutopilotDevicePrepHint\",\"number\":1,\"text\":"
		"\"1\"},\"hinted\":true,\"page_enabled\":{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE"
		"\\\\Microsoft\\\\Provisioning\\\\AutopilotSettings\\\\DevicePreparation\","
		"\"value\":\"PageEnabled\",\"number\":0,\"text\":\"0\"},\"page_settings\":null,"
		"\"settings\":null,\"page_status\":{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\"
		"Microsoft\\\\Provisioning\\\\AutopilotSettings\\\\DevicePreparation\",\"value\":"
		"\"PageStatus\",\"number\":0,\"text\":\"0\"},\"page_status_name\":\"disabled\","
		"\"page_error_phase\":null,\"page_error_code\":null,\"page_error_details\":null,"
		"\"mdm_agent_installed\":null,\"mdm_progress\":null,\"bootstrapper_class_id\":null,"
		"\"bootstrapper_execution_context\":null,"
		"\"bootstrapper_installation_status_uri\":null,\"workloads\":[]}");
	free(json);
	/* The report: scenario after the summary, device_preparation after the
	 * setups (the part bits' order). */
	json = render(r.report, false);
	CONTAINS(json, "\"incomplete\":false},\"scenario\":{\"name\":\"autopilot_v2\","
	               "\"evidence\":[{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\"
	               "Provisioning\\\\AutopilotSettings\",\"value\":\"AutopilotDevicePrepHint\","
	               "\"data\":\"1\"}]},\"enrollments\":[]");
	CONTAINS(json, "}],\"device_preparation\":{\"key\":");
	free(json);
	/* Workloads in the model's JSON. */
	close_run(&r);
	open_fixture(&r, "v2-malformed.reg");
	json = tu_esp_json(r.esp, ESPDIAG_ESP_JSON_DEVICE_PREPARATION);
	CONTAINS(json, "\"settings\":null,");
	CONTAINS(json, "\"workloads\":[{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\"
	               "IntuneManagementExtension\\\\Win32Apps\\\\ProvisioningProgress\",\"value\":"
	               "\"ProvisioningProgress\",\"index\":1,\"id\":\"" W2 "\",\"app_id\":\"" W2
	               "\",\"name\":\"7-Zip\",\"state\":4,\"state_name\":\"failed\",\"state_raw\":"
	               "null,\"start\":\"2024-06-20T10:01:00.0000000Z\",\"start_raw\":"
	               "\"/Date(1718877660000)/\",\"end\":null,\"end_raw\":\"garbage\","
	               "\"error_code\":2147942402}]}");
	free(json);
	close_run(&r);
}
END_TEST

Suite *suite_v2(void)
{
	Suite *s = suite_create("v2");
	TCase *tc = tcase_create("devprep");
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_acceptance);
	tcase_add_test(tc, test_model_values);
	tcase_add_test(tc, test_model_subkeys);
	tcase_add_test(tc, test_workload_states);
	tcase_add_loop_test(tc, test_page_status, 0, (int)(sizeof statuses / sizeof statuses[0]));
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_bad_documents);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_not_applied);
	tcase_add_test(tc, test_not_applied_damaged);
	tcase_add_test(tc, test_both);
	tcase_add_loop_test(tc, test_scenario_fixtures, 0,
	                    (int)(sizeof v1_fixtures / sizeof v1_fixtures[0]));
	tcase_add_test(tc, test_scenario_evidence);
	tcase_add_test(tc, test_timeline);
	tcase_add_test(tc, test_json);
	suite_add_tcase(s, tc);
	TCase *corpus = tcase_create("corpus");
	tcase_set_timeout(corpus, 60);
	tcase_add_test(corpus, test_corpus);
	suite_add_tcase(s, corpus);
	return s;
}

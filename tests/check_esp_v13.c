/* tests/check_esp_v13.c - the ESP model's key families of issue 13
 * (esp.h): the IME's Win32Apps state and its join to the tracked apps,
 * ErrorHresult, OfficeCSP, the page's AutopilotSettings status (both
 * variants), the profile JSON cache, OMA-DM, ODJ and the NodeCache; the
 * bookkeeping values that are no items; JSON that is malformed or too
 * large; and their JSON output. Fixtures: tests/data/esp-{ime,page,omadm,
 * bookkeeping}.reg (dump dialect). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "testutil.h"

#define MS "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\"
#define EST MS "Windows\\Autopilot\\EnrollmentStatusTracking"
#define W32 MS "IntuneManagementExtension\\Win32Apps\\"
#define DEV "00000000-0000-0000-0000-000000000000"
#define UA "d1b2c3d4-0000-4000-8000-00000000000a"
#define G1 "11111111-aaaa-4aaa-8aaa-000000000001"
#define G2 "22222222-aaaa-4aaa-8aaa-000000000002"
#define G3 "33333333-aaaa-4aaa-8aaa-000000000003"
#define G5 "55555555-aaaa-4aaa-8aaa-000000000005"
#define G6 "66666666-aaaa-4aaa-8aaa-000000000006"

static espdiag_registry *g_reg;

static espdiag_esp *load_fixture(const char *name)
{
	espdiag_esp *esp = NULL;
	ck_assert_int_eq(espdiag_registry_new(&g_reg), ESPDIAG_OK);
	int rc = espdiag_registry_open_file(g_reg, tu_data_path(name), NULL, NULL);
	ck_assert_msg(rc == ESPDIAG_OK, "%s: %s", name, espdiag_registry_errmsg(g_reg));
	ck_assert_int_eq(espdiag_registry_warning_count(g_reg), 0);
	ck_assert_int_eq(espdiag_esp_load(&esp, g_reg), ESPDIAG_OK);
	return esp;
}

static espdiag_esp *load_text(const char *text, size_t len)
{
	espdiag_esp *esp = NULL;
	g_reg = tu_open_bytes(text, len, NULL);
	ck_assert_ptr_nonnull(g_reg);
	ck_assert_int_eq(espdiag_esp_load(&esp, g_reg), ESPDIAG_OK);
	return esp;
}

static void unload(espdiag_esp *esp)
{
	espdiag_esp_free(esp);
	if (g_reg != NULL) {
		/* Either kind of view: tu_registry_free frees a tu_open_bytes
		 * copy and is a plain free for the others. */
		tu_registry_free(g_reg);
	}
	g_reg = NULL;
}

static char *capture_json(const espdiag_esp *esp, uint32_t parts)
{
	char *json = tu_esp_json(esp, parts);
	ck_assert_ptr_nonnull(json);
	return json;
}

/* The model's warnings, one per line. */
static char *warnings(const espdiag_esp *esp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < espdiag_esp_warning_count(esp); i++)
		fprintf(f, "%s\n", espdiag_esp_warning_at(esp, i)->message);
	fclose(f);
	return buf;
}

/* got starts with the string literal want. */
#define ASSERT_PREFIX(got, want) ck_assert_int_eq(strncmp(got, want, sizeof(want) - 1), 0)

#define STR_OR_NULL(got, want)                     \
	do {                                       \
		if ((want) == NULL)                \
			ck_assert_ptr_null(got);   \
		else                               \
			ck_assert_str_eq(got, want); \
	} while (0)

/* --- names --- */

START_TEST(test_names)
{
	static const struct {
		uint32_t v;
		const char *name;
	} es[] = {
		{ 1000, "succeeded" }, { 1003, "install_command_received" }, { 2000, "in_progress" },
		{ 2007, "waiting_for_dependencies" }, { 2008, "installed_reboot_required" },
		{ 2009, "downloaded_not_installed" }, { 3000, "requirements_not_met" },
		{ 4000, "not_completed" }, { 5000, "error" }, { 5003, "download_failed" },
		{ 5999, "error_retrying" }, { 5001, "error" }, { 5500, "error" },
		{ 6000, "not_attempted" }, { 6001, "dependency_failed" },
		{ 6002, "blocked_reboot_pending" }, { 6003, "dependency_requirements_not_met" },
		{ 6004, "dependency_not_auto_installed" },
		{ 6005, "blocked_dependency_not_auto_installed" },
		{ 0, "unknown" }, { 1, "unknown" }, { 4999, "unknown" }, { 6006, "unknown" },
		{ 0xffffffffu, "unknown" },
	};
	for (size_t i = 0; i < sizeof es / sizeof es[0]; i++)
		ck_assert_str_eq(espdiag_esp_enforcement_state_name(es[i].v), es[i].name);
	static const char *const ps[] = { "unknown", "not_started", "in_progress", "succeeded",
		                          "failed", "cancelled", "failed_from_previous",
		                          "reboot_required", "timed_out", "unknown" };
	for (uint32_t i = 0; i < 10; i++)
		ck_assert_str_eq(espdiag_esp_page_state_name(i), ps[i]);
}
END_TEST

/* --- the IME's Win32Apps state and the join --- */

typedef struct want_ime {
	const char *user, *app;
	uint32_t revision;
	const char *ekey, *evalue;
	int64_t estate; /* -1: absent */
	bool has_eerr;
	int64_t eerr;
	const char *ckey, *cvalue;
	int64_t comp[5]; /* applicability, compliance, desired, context, target; -1 absent */
	bool has_cerr;
	int64_t cerr;
} want_ime;

static void check_u32(espdiag_esp_u32 got, int64_t want, const char *what, size_t i)
{
	if (want < 0) {
		ck_assert_msg(!got.has, "app %zu: %s present", i, what);
	} else {
		ck_assert_msg(got.has, "app %zu: %s absent", i, what);
		ck_assert_msg(got.value == (uint32_t)want, "app %zu: %s = %u", i, what,
		              (unsigned)got.value);
	}
}

START_TEST(test_ime_apps)
{
	espdiag_esp *esp = load_fixture("esp-ime.reg");
	static const want_ime want[] = {
		{ DEV, G1, 1, W32 DEV "\\" G1 "_1", "EnforcementStateMessage", 5000, true,
		  -2147009281LL, NULL, NULL, { -1, -1, -1, -1, -1 }, false, 0 },
		{ DEV, G1, 2, W32 DEV "\\" G1 "_2\\EnforcementStateMessage", "EnforcementStateMessage",
		  5000, true, 2147942402LL, W32 DEV "\\" G1 "_2\\ComplianceStateMessage", "",
		  { 0, 4, 2, 2, 1 }, true, -2016345060LL },
		{ DEV, G3, 9, W32 DEV "\\" G3 "_9", "EnforcementStateMessage", 1000, false, 0, NULL,
		  NULL, { -1, -1, -1, -1, -1 }, false, 0 },
		{ DEV, G5, 1, W32 DEV "\\" G5 "_1", "EnforcementStateMessage", 2000, true, 0, NULL,
		  NULL, { -1, -1, -1, -1, -1 }, false, 0 },
		{ UA, G1, 3, W32 UA "\\" G1 "_3", "EnforcementStateMessage", 1000, true, 0, NULL, NULL,
		  { -1, -1, -1, -1, -1 }, false, 0 },
		/* The malformed message keeps its evidence, not its numbers. */
		{ UA, G2, 1, W32 UA "\\" G2 "_1", "EnforcementStateMessage", -1, false, 0,
		  W32 UA "\\" G2 "_1", "ComplianceStateMessage", { 0, 1, 2, 1, 2 }, true, 0 },
		{ UA, G3, 1, W32 UA "\\" G3 "_1", "EnforcementStateMessage", 3000, true, 0, NULL, NULL,
		  { -1, -1, -1, -1, -1 }, false, 0 },
		{ UA, G3, 4, W32 UA "\\" G3 "_4\\EnforcementStateMessage", "Json", 6002, true, 0, NULL,
		  NULL, { -1, -1, -1, -1, -1 }, false, 0 },
		{ UA, G6, 2, NULL, NULL, -1, false, 0, NULL, NULL, { -1, -1, -1, -1, -1 }, false, 0 },
	};
	size_t n = sizeof want / sizeof want[0];
	ck_assert_uint_eq(espdiag_esp_ime_app_count(esp), n);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_ime_app *a = espdiag_esp_ime_app_at(esp, i);
		const want_ime *w = &want[i];
		char key[512];
		snprintf(key, sizeof key, W32 "%s\\%s_%u", w->user, w->app, (unsigned)w->revision);
		ck_assert_str_eq(a->key, key);
		ck_assert_str_eq(a->user_id, w->user);
		ck_assert(a->device == (strcmp(w->user, DEV) == 0));
		ck_assert_str_eq(a->app_id, w->app);
		check_u32(a->revision, w->revision, "revision", i);
		STR_OR_NULL(a->enforcement_key, w->ekey);
		STR_OR_NULL(a->enforcement_value, w->evalue);
		check_u32(a->enforcement_state, w->estate, "EnforcementState", i);
		ck_assert_msg(a->has_enforcement_error == w->has_eerr, "app %zu", i);
		ck_assert_msg(a->enforcement_error == (w->has_eerr ? w->eerr : 0), "app %zu: %lld", i,
		              (long long)a->enforcement_error);
		STR_OR_NULL(a->compliance_key, w->ckey);
		STR_OR_NULL(a->compliance_value, w->cvalue);
		check_u32(a->applicability, w->comp[0], "Applicability", i);
		check_u32(a->compliance_state, w->comp[1], "ComplianceState", i);
		check_u32(a->desired_state, w->comp[2], "DesiredState", i);
		check_u32(a->install_context, w->comp[3], "InstallContext", i);
		check_u32(a->target_type, w->comp[4], "TargetType", i);
		ck_assert_msg(a->has_compliance_error == w->has_cerr, "app %zu", i);
		ck_assert(a->compliance_error == (w->has_cerr ? w->cerr : 0));
	}
	ck_assert_ptr_null(espdiag_esp_ime_app_at(esp, n));
	ck_assert_str_eq(espdiag_esp_enforcement_state_name(
	                         espdiag_esp_ime_app_at(esp, 7)->enforcement_state.value),
	                 "blocked_reboot_pending");

	char *w = warnings(esp);
	ck_assert_str_eq(w, W32 UA "\\" G2 "_1\\EnforcementStateMessage: malformed JSON at line 1, "
	                    "column 26: string or '}' expected near '}'; ignored\n");
	free(w);

	/* The join. */
	const espdiag_esp_setup *d = espdiag_esp_device_setup(esp);
	ck_assert_uint_eq(d->app_count, 3);
	/* The device user's G1_2 wins over the user's higher G1_3. */
	ck_assert_ptr_eq(d->apps[0]->ime, espdiag_esp_ime_app_at(esp, 1));
	ck_assert(d->apps[0]->error_hresult.has);
	ck_assert_uint_eq(d->apps[0]->error_hresult.value, 0x80079c69u);
	/* No device entry for G2: the user's. */
	ck_assert_ptr_eq(d->apps[1]->ime, espdiag_esp_ime_app_at(esp, 5));
	ck_assert(!d->apps[1]->error_hresult.has);
	/* G4: no IME entry. */
	ck_assert_ptr_null(d->apps[2]->ime);
	const espdiag_esp_setup *u = espdiag_esp_user_setup_at(esp, 0);
	ck_assert_uint_eq(u->app_count, 3);
	ck_assert_ptr_eq(u->apps[0]->ime, espdiag_esp_ime_app_at(esp, 4));
	/* A user's G3_4 wins over the device's higher G3_9 and the user's G3_1. */
	ck_assert_ptr_eq(u->apps[1]->ime, espdiag_esp_ime_app_at(esp, 7));
	/* G5 (spelled in capitals by the tracking key): only the device has it. */
	ck_assert_str_eq(u->apps[2]->app_guid, "55555555-AAAA-4AAA-8AAA-000000000005");
	ck_assert_ptr_eq(u->apps[2]->ime, espdiag_esp_ime_app_at(esp, 3));
	unload(esp);
}
END_TEST

/* No IME key: nothing joined, nothing listed. */
START_TEST(test_ime_absent)
{
	espdiag_esp *esp = load_fixture("esp-users.reg");
	ck_assert_uint_eq(espdiag_esp_ime_app_count(esp), 0);
	ck_assert_ptr_null(espdiag_esp_device_setup(esp)->apps[1]->ime);
	ck_assert(!espdiag_esp_device_setup(esp)->apps[1]->error_hresult.has);
	unload(esp);
}
END_TEST

/* --- OfficeCSP, OMA-DM, ODJ, NodeCache --- */

START_TEST(test_office)
{
	espdiag_esp *esp = load_fixture("esp-omadm.reg");
	ck_assert_uint_eq(espdiag_esp_office_count(esp), 3);
	const espdiag_esp_office *o = espdiag_esp_office_at(esp, 0);
	ck_assert_str_eq(o->key, MS "OfficeCSP\\{6C1ADE97-24E1-4AE4-AEDD-86D3A209CE60}");
	ck_assert_str_eq(o->id, "{6C1ADE97-24E1-4AE4-AEDD-86D3A209CE60}");
	ck_assert(o->final_status.has && o->final_status.value == 60);
	ck_assert(o->status.has && o->status.value == 70);
	ck_assert(o->effective.has && o->effective.value == 60);
	ck_assert_str_eq(o->effective_value, "FinalStatus");
	ck_assert_str_eq(espdiag_esp_msi_status_name(o->effective.value), "enforcement_failed");
	o = espdiag_esp_office_at(esp, 1);
	ck_assert(!o->final_status.has);
	ck_assert(o->effective.has && o->effective.value == 20);
	ck_assert_str_eq(o->effective_value, "Status");
	o = espdiag_esp_office_at(esp, 2);
	ck_assert(!o->final_status.has && !o->status.has && !o->effective.has);
	ck_assert_ptr_null(o->effective_value);
	ck_assert_ptr_null(espdiag_esp_office_at(esp, 3));
	unload(esp);
}
END_TEST

START_TEST(test_omadm)
{
	espdiag_esp *esp = load_fixture("esp-omadm.reg");
	ck_assert_uint_eq(espdiag_esp_omadm_account_count(esp), 1);
	const espdiag_esp_omadm_account *a = espdiag_esp_omadm_account_at(esp, 0);
	ck_assert_str_eq(a->key, MS "Provisioning\\OMADM\\Accounts\\"
	                            "ECE9D8ED-E3BB-4436-90CD-14A1616A43DE\\Protected\\ConnInfo");
	ck_assert_str_eq(a->account_id, "ECE9D8ED-E3BB-4436-90CD-14A1616A43DE");
	ck_assert(a->last_session_result.has);
	ck_assert_uint_eq(a->last_session_result.value, 0x80072f8fu);
	ck_assert_str_eq(a->server_last_access_time, "20261120T124402Z");
	ck_assert_str_eq(a->server_last_access_utc, "2026-11-20T12:44:02Z");
	ck_assert_str_eq(a->server_last_success_time, "20261320T000000Z");
	ck_assert_ptr_null(a->server_last_success_utc);
	ck_assert_ptr_null(espdiag_esp_omadm_account_at(esp, 1));
	ck_assert_str_eq(espdiag_esp_odj_applied_key(esp), MS "Provisioning\\OMADM\\SyncML\\ODJApplied");

	static const struct {
		uint32_t index;
		const char *name, *uri, *value;
	} nodes[] = {
		{ 1, "1", "./Vendor/MSFT/DMClient/Provider/MS DM Server/FirstSyncStatus/SkipUserStatusPage",
		  "true" },
		{ 2, "2", "./Device/Vendor/MSFT/Policy/Config/Browser/AllowCookies",
		  "<enabled/><data id=\"x\" value=\"1\"/>" },
		{ 5, "5", "./Device/Vendor/MSFT/Policy/Config/Defender/AllowArchiveScanning", NULL },
		{ 10, "10", "./Device/Vendor/MSFT/Policy/Config/Update/AllowAutoUpdate", "3" },
	};
	ck_assert_uint_eq(espdiag_esp_policy_node_count(esp), 4);
	for (size_t i = 0; i < 4; i++) {
		const espdiag_esp_policy_node *p = espdiag_esp_policy_node_at(esp, i);
		char key[256];
		snprintf(key, sizeof key, MS "Provisioning\\NodeCache\\CSP\\Device\\MS DM Server\\Nodes\\%s",
		         nodes[i].name);
		ck_assert_str_eq(p->key, key);
		ck_assert_uint_eq(p->index, nodes[i].index);
		ck_assert_str_eq(p->uri, nodes[i].uri);
		STR_OR_NULL(p->expected_value, nodes[i].value);
	}
	ck_assert_ptr_null(espdiag_esp_policy_node_at(esp, 4));
	ck_assert_uint_eq(espdiag_esp_warning_count(esp), 0);

	char *json = capture_json(esp, ESPDIAG_ESP_JSON_OFFICE | ESPDIAG_ESP_JSON_OMADM);
	ck_assert_str_eq(
		json,
		"\"office\":[{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\OfficeCSP\\\\"
		"{6C1ADE97-24E1-4AE4-AEDD-86D3A209CE60}\",\"id\":\"{6C1ADE97-24E1-4AE4-AEDD-86D3A209CE60}\","
		"\"final_status\":60,\"status\":70,\"effective\":60,\"effective_value\":\"FinalStatus\","
		"\"effective_name\":\"enforcement_failed\"},"
		"{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\OfficeCSP\\\\"
		"{7D2BEF08-35F2-4BF5-BFEE-97E4B31ADF71}\",\"id\":\"{7D2BEF08-35F2-4BF5-BFEE-97E4B31ADF71}\","
		"\"final_status\":null,\"status\":20,\"effective\":20,\"effective_value\":\"Status\","
		"\"effective_name\":\"downloading\"},"
		"{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\OfficeCSP\\\\"
		"{8E3C0019-4603-4C06-80FF-A8F5C42BE082}\",\"id\":\"{8E3C0019-4603-4C06-80FF-A8F5C42BE082}\","
		"\"final_status\":null,\"status\":null,\"effective\":null,\"effective_value\":null,"
		"\"effective_name\":null}],"
		"\"omadm\":{\"accounts\":[{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Provisioning"
		"\\\\OMADM\\\\Accounts\\\\ECE9D8ED-E3BB-4436-90CD-14A1616A43DE\\\\Protected\\\\ConnInfo\","
		"\"account_id\":\"ECE9D8ED-E3BB-4436-90CD-14A1616A43DE\",\"last_session_result\":2147954575,"
		"\"server_last_access_time\":\"20261120T124402Z\",\"server_last_access_utc\":\"2026-11-20T12:44:02Z\","
		"\"server_last_success_time\":\"20261320T000000Z\",\"server_last_success_utc\":null}],"
		"\"odj_applied\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Provisioning\\\\OMADM\\\\SyncML"
		"\\\\ODJApplied\",\"policy_nodes\":["
		"{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Provisioning\\\\NodeCache\\\\CSP\\\\Device"
		"\\\\MS DM Server\\\\Nodes\\\\1\",\"index\":1,\"uri\":\"./Vendor/MSFT/DMClient/Provider/MS DM Server/"
		"FirstSyncStatus/SkipUserStatusPage\",\"expected_value\":\"true\"},"
		"{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Provisioning\\\\NodeCache\\\\CSP\\\\Device"
		"\\\\MS DM Server\\\\Nodes\\\\2\",\"index\":2,\"uri\":\"./Device/Vendor/MSFT/Policy/Config/Browser/"
		"AllowCookies\",\"expected_value\":\"<enabled/><data id=\\\"x\\\" value=\\\"1\\\"/>\"},"
		"{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Provisioning\\\\NodeCache\\\\CSP\\\\Device"
		"\\\\MS DM Server\\\\Nodes\\\\5\",\"index\":5,\"uri\":\"./Device/Vendor/MSFT/Policy/Config/Defender/"
		"AllowArchiveScanning\",\"expected_value\":null},"
		"{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Provisioning\\\\NodeCache\\\\CSP\\\\Device"
		"\\\\MS DM Server\\\\Nodes\\\\10\",\"index\":10,\"uri\":\"./Device/Vendor/MSFT/Policy/Config/Update/"
		"AllowAutoUpdate\",\"expected_value\":\"3\"}]}");
	free(json);
	unload(esp);
}
END_TEST

/* A model without any of these keys: empty lists, null ODJ. */
START_TEST(test_absent)
{
	espdiag_esp *esp = load_fixture("esp-absent.reg");
	ck_assert_uint_eq(espdiag_esp_office_count(esp), 0);
	ck_assert_uint_eq(espdiag_esp_page_category_count(esp), 0);
	ck_assert_uint_eq(espdiag_esp_omadm_account_count(esp), 0);
	ck_assert_uint_eq(espdiag_esp_policy_node_count(esp), 0);
	ck_assert_ptr_null(espdiag_esp_odj_applied_key(esp));
	ck_assert_ptr_null(espdiag_esp_autopilot_info(esp)->policy_cache_key);
	ck_assert(!espdiag_esp_autopilot_info(esp)->from_policy_cache);
	char *json = capture_json(esp, ESPDIAG_ESP_JSON_ALL_V2 & ~ESPDIAG_ESP_JSON_ALL &
	                                   ~ESPDIAG_ESP_JSON_DEVICE_PREPARATION);
	ck_assert_str_eq(json, "\"ime_apps\":[],\"office\":[],\"page\":[],"
	                       "\"omadm\":{\"accounts\":[],\"odj_applied\":null,\"policy_nodes\":[]}");
	free(json);
	/* The released flag set still means the four 0.1 parts. */
	json = capture_json(esp, ESPDIAG_ESP_JSON_ALL);
	ASSERT_PREFIX(json, "\"enrollments\":[],\"autopilot\":null,\"phases\":[");
	ck_assert_ptr_null(strstr(json, "ime_apps"));
	free(json);
	ck_assert_int_eq(espdiag_esp_write_json(esp, 0x10000, stdout), ESPDIAG_EINVAL);
	ck_assert_ptr_null(espdiag_esp_ime_app_at(NULL, 0));
	ck_assert_uint_eq(espdiag_esp_page_category_count(NULL), 0);
	ck_assert_ptr_null(espdiag_esp_odj_applied_key(NULL));
	unload(esp);
}
END_TEST

/* --- the page's status --- */

typedef struct want_sub {
	const char *name;
	espdiag_esp_page_state state;
	const char *raw, *text;
} want_sub;

static void check_subs(const espdiag_esp_page_category *c, const want_sub *w, size_t n)
{
	ck_assert_uint_eq(c->subcategory_count, n);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_page_subcategory *s = c->subcategories[i];
		ck_assert_str_eq(s->name, w[i].name);
		ck_assert_msg(s->state == w[i].state, "%s: %d", s->name, (int)s->state);
		STR_OR_NULL(s->state_raw, w[i].raw);
		STR_OR_NULL(s->status_text, w[i].text);
	}
}

START_TEST(test_page)
{
	espdiag_esp *esp = load_fixture("esp-page.reg");
	ck_assert_uint_eq(espdiag_esp_page_category_count(esp), 4);
	const espdiag_esp_page_category *c = espdiag_esp_page_category_at(esp, 0);
	ck_assert_str_eq(c->key, MS "Provisioning\\AutopilotSettings");
	ck_assert_str_eq(c->value, "DevicePreparationCategory.Status");
	ck_assert_str_eq(c->name, "DevicePreparationCategory");
	ck_assert_int_eq(c->phase, ESPDIAG_ESP_PHASE_DEVICE_PREPARATION);
	ck_assert_int_eq(c->state, ESPDIAG_ESP_PAGE_SUCCEEDED);
	ck_assert_str_eq(c->state_raw, "succeeded");
	ck_assert_str_eq(c->status_text, "Complete");
	ck_assert(!c->flat);
	static const want_sub prep[] = {
		{ "DevicePreparation.TpmAttestationSubcategory", ESPDIAG_ESP_PAGE_SUCCEEDED,
		  "succeeded", "Complete" },
		{ "DevicePreparation.MdmEnrollmentSubcategory", ESPDIAG_ESP_PAGE_SUCCEEDED,
		  "succeeded", "Complete" },
	};
	check_subs(c, prep, 2);

	c = espdiag_esp_page_category_at(esp, 1);
	ck_assert_str_eq(c->name, "DeviceSetupCategory");
	ck_assert_int_eq(c->phase, ESPDIAG_ESP_PHASE_DEVICE_SETUP);
	/* Failed, and the text names the timeout. */
	ck_assert_int_eq(c->state, ESPDIAG_ESP_PAGE_TIMED_OUT);
	ck_assert_str_eq(c->state_raw, "failed");
	ck_assert_str_eq(c->status_text, "Apps (1 of 3 installed) \"Error 0x800705b4\"");
	static const want_sub dev[] = {
		{ "DeviceSetup.SecurityPoliciesSubcategory", ESPDIAG_ESP_PAGE_SUCCEEDED, "succeeded",
		  "Complete" },
		{ "DeviceSetup.AppsSubcategory", ESPDIAG_ESP_PAGE_TIMED_OUT, "failed",
		  "Error 0x800705B4" },
		{ "DeviceSetup.CertificatesSubcategory", ESPDIAG_ESP_PAGE_CANCELLED, "cancelled",
		  "Cancelled" },
		{ "DeviceSetup.NetworkConnectionsSubcategory", ESPDIAG_ESP_PAGE_FAILED_FROM_PREVIOUS,
		  "failedFromPreviousSubcategory", NULL },
	};
	check_subs(c, dev, 4);

	c = espdiag_esp_page_category_at(esp, 2);
	ck_assert_str_eq(c->name, "AccountSetupCategory");
	ck_assert_int_eq(c->phase, ESPDIAG_ESP_PHASE_ACCOUNT_SETUP);
	ck_assert(c->flat);
	ck_assert_int_eq(c->state, ESPDIAG_ESP_PAGE_FAILED);
	ck_assert_ptr_null(c->state_raw);
	ck_assert_ptr_null(c->status_text);
	static const want_sub acct[] = {
		{ "AccountSetup.SecurityPoliciesSubcategory", ESPDIAG_ESP_PAGE_UNKNOWN, NULL,
		  "Complete" },
		{ "AccountSetup.AppsSubcategory", ESPDIAG_ESP_PAGE_UNKNOWN, NULL,
		  "Apps (1 of 2 installed)" },
	};
	check_subs(c, acct, 2);

	c = espdiag_esp_page_category_at(esp, 3);
	ck_assert_str_eq(c->value, "OtherCategory.Status");
	ck_assert_int_eq(c->phase, 0);
	ck_assert_int_eq(c->state, ESPDIAG_ESP_PAGE_REBOOT_REQUIRED);
	ck_assert_uint_eq(c->subcategory_count, 0);
	ck_assert_ptr_null(espdiag_esp_page_category_at(esp, 4));
	ck_assert_uint_eq(espdiag_esp_warning_count(esp), 0);

	char *json = capture_json(esp, ESPDIAG_ESP_JSON_PAGE);
	ASSERT_PREFIX(json,
	              "\"page\":[{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\"
	              "Provisioning\\\\AutopilotSettings\",\"value\":\"DevicePreparationCategory.Status\","
	              "\"name\":\"DevicePreparationCategory\",\"phase\":\"device_preparation\","
	              "\"state\":\"succeeded\",\"state_raw\":\"succeeded\",\"status_text\":\"Complete\","
	              "\"flat\":false,\"subcategories\":[{\"name\":\"DevicePreparation.TpmAttestationSubcategory\","
	              "\"state\":\"succeeded\",\"state_raw\":\"succeeded\",\"status_text\":\"Complete\"},");
	ck_assert_ptr_nonnull(strstr(json, "{\"name\":\"DeviceSetup.AppsSubcategory\",\"state\":\"timed_out\","
	                                   "\"state_raw\":\"failed\",\"status_text\":\"Error 0x800705B4\"}"));
	ck_assert_ptr_nonnull(strstr(json, "\"name\":\"AccountSetupCategory\",\"phase\":\"account_setup\","
	                                   "\"state\":\"failed\",\"state_raw\":null,\"status_text\":null,"
	                                   "\"flat\":true,\"subcategories\":[{\"name\":\"AccountSetup."
	                                   "SecurityPoliciesSubcategory\",\"state\":\"unknown\",\"state_raw\":null,"
	                                   "\"status_text\":\"Complete\"},"));
	ck_assert_ptr_nonnull(strstr(json, "\"name\":\"OtherCategory\",\"phase\":null,\"state\":\"reboot_required\","
	                                   "\"state_raw\":\"rebootRequiredAndTryAgain\",\"status_text\":\"Restart\","
	                                   "\"flat\":false,\"subcategories\":[]}]"));
	free(json);
	unload(esp);
}
END_TEST

/* The flat variant's categorySucceeded: true, null, a state string; the
 * current variant's states by their other spellings. */
START_TEST(test_page_states)
{
	static const char text[] =
		"[" MS "Provisioning\\AutopilotSettings]\r\n"
		"    \"A.Status\"=\"{\"categorySucceeded\":true}\"\r\n"
		"    \"B.Status\"=\"{\"categorySucceeded\":null,\"categoryStatusText\":\"Working\"}\"\r\n"
		"    \"C.Status\"=\"{\"categorySucceeded\":\"inProgress\"}\"\r\n"
		"    \"D.Status\"=\"{\"categoryState\":\"notStarted\",\"x.Sub\":{\"subcategoryState\":\"canceled\"}}\"\r\n"
		"    \"E.Status\"=\"{\"categoryState\":\"failedFromPreviousCategory\",\"x.Sub\":{\"subcategoryState\":\"inprogress\"}}\"\r\n"
		"    \"F.Status\"=\"{\"categoryState\":\"someday\",\"x.Sub\":7}\"\r\n"
		"    \"G.Status\"=\"{\"categoryState\":\"failed\",\"categoryStatusText\":\"Error 0x80070774\"}\"\r\n"
		"    \"H.STATUS\"=\"{}\"\r\n\r\n";
	espdiag_esp *esp = load_text(text, sizeof text - 1);
	static const struct {
		const char *name;
		espdiag_esp_page_state state;
		bool flat;
		size_t subs;
		espdiag_esp_page_state sub;
	} want[] = {
		{ "A", ESPDIAG_ESP_PAGE_SUCCEEDED, true, 0, 0 },
		{ "B", ESPDIAG_ESP_PAGE_IN_PROGRESS, true, 0, 0 },
		{ "C", ESPDIAG_ESP_PAGE_IN_PROGRESS, true, 0, 0 },
		{ "D", ESPDIAG_ESP_PAGE_NOT_STARTED, false, 1, ESPDIAG_ESP_PAGE_CANCELLED },
		{ "E", ESPDIAG_ESP_PAGE_FAILED_FROM_PREVIOUS, false, 1, ESPDIAG_ESP_PAGE_IN_PROGRESS },
		{ "F", ESPDIAG_ESP_PAGE_UNKNOWN, false, 0, 0 },
		{ "G", ESPDIAG_ESP_PAGE_FAILED, false, 0, 0 },
		{ "H", ESPDIAG_ESP_PAGE_UNKNOWN, false, 0, 0 },
	};
	ck_assert_uint_eq(espdiag_esp_page_category_count(esp), 8);
	for (size_t i = 0; i < 8; i++) {
		const espdiag_esp_page_category *c = espdiag_esp_page_category_at(esp, i);
		ck_assert_str_eq(c->name, want[i].name);
		ck_assert_msg(c->state == want[i].state, "%s: %d", c->name, (int)c->state);
		ck_assert(c->flat == want[i].flat);
		ck_assert_uint_eq(c->subcategory_count, want[i].subs);
		if (want[i].subs)
			ck_assert_int_eq(c->subcategories[0]->state, want[i].sub);
	}
	ck_assert_str_eq(espdiag_esp_page_category_at(esp, 1)->status_text, "Working");
	ck_assert_str_eq(espdiag_esp_page_category_at(esp, 3)->subcategories[0]->state_raw, "canceled");
	unload(esp);
}
END_TEST

/* --- the profile cache --- */

START_TEST(test_policy_cache)
{
	espdiag_esp *esp = load_fixture("esp-page.reg");
	const espdiag_esp_autopilot *a = espdiag_esp_autopilot_info(esp);
	ck_assert_str_eq(a->key, MS "Provisioning\\Diagnostics\\Autopilot");
	ck_assert_str_eq(a->policy_cache_key, MS "Provisioning\\AutopilotPolicyCache");
	ck_assert(a->from_policy_cache);
	/* The key's own value wins. */
	ck_assert_str_eq(a->profile_name, "From the key");
	ck_assert_str_eq(a->tenant_id, "bf9e995c-bfad-4261-9346-1eb345cda949");
	/* From the JSON inside CloudAssignedAadServerData's string. */
	ck_assert_str_eq(a->tenant_domain, "contoso.example");
	ck_assert(a->oobe_config.has);
	ck_assert_uint_eq(a->oobe_config.value, 1310);
	/* A number written as a string. */
	ck_assert(a->domain_join_method.has);
	ck_assert_uint_eq(a->domain_join_method.value, 1);
	ck_assert(a->hybrid_join);
	ck_assert_str_eq(a->ztd_id, "fabab7b5-73aa-4107-919f-e69f92b75630");
	ck_assert_ptr_null(a->correlations_key);
	ck_assert_ptr_null(a->ent_dm_id);
	char *json = capture_json(esp, ESPDIAG_ESP_JSON_AUTOPILOT);
	ck_assert_str_eq(json,
	                 "\"autopilot\":{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Provisioning\\\\"
	                 "Diagnostics\\\\Autopilot\",\"tenant_id\":\"bf9e995c-bfad-4261-9346-1eb345cda949\","
	                 "\"tenant_domain\":\"contoso.example\",\"profile_name\":\"From the key\","
	                 "\"oobe_config\":1310,\"oobe_flags\":[\"user_not_admin\",\"skip_express_settings\","
	                 "\"skip_oem_registration\",\"skip_eula\",\"skip_windows_upgrade_ux\",\"skip_keyboard\"],"
	                 "\"domain_join_method\":1,\"hybrid_join\":true,\"ztd_id\":\"fabab7b5-73aa-4107-919f-e69f92b75630\","
	                 "\"ent_dm_id\":null,\"policy_cache_key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\"
	                 "Provisioning\\\\AutopilotPolicyCache\",\"from_policy_cache\":true}");
	free(json);
	unload(esp);
}
END_TEST

/* Only the cache: the autopilot part exists with a NULL key; a key with
 * every field takes nothing from the cache. */
START_TEST(test_policy_cache_only)
{
	static const char only[] =
		"[" MS "Provisioning\\AutopilotPolicyCache]\r\n"
		"    \"PolicyJsonCache\"=\"{\"DeploymentProfileName\":\"Cached\",\"CloudAssignedTenantDomain\":\"\"}\"\r\n\r\n";
	espdiag_esp *esp = load_text(only, sizeof only - 1);
	const espdiag_esp_autopilot *a = espdiag_esp_autopilot_info(esp);
	ck_assert_ptr_null(a->key);
	ck_assert_str_eq(a->profile_name, "Cached");
	ck_assert_ptr_null(a->tenant_domain);
	ck_assert(a->from_policy_cache);
	ck_assert(!a->hybrid_join);
	char *json = capture_json(esp, ESPDIAG_ESP_JSON_AUTOPILOT);
	ASSERT_PREFIX(json, "\"autopilot\":{\"key\":null,\"tenant_id\":null,");
	free(json);
	unload(esp);

	static const char full[] =
		"[" MS "Provisioning\\Diagnostics\\Autopilot]\r\n"
		"    \"CloudAssignedTenantId\"=\"t\"\r\n"
		"    \"CloudAssignedTenantDomain\"=\"d\"\r\n"
		"    \"DeploymentProfileName\"=\"p\"\r\n"
		"    \"CloudAssignedOobeConfig\"=DWORD:00000000\r\n"
		"    \"CloudAssignedDomainJoinMethod\"=DWORD:00000000\r\n\r\n"
		"[" MS "Provisioning\\Diagnostics\\Autopilot\\EstablishedCorrelations]\r\n"
		"    \"ZTDRegistrationID\"=\"z\"\r\n\r\n"
		"[" MS "Provisioning\\AutopilotPolicyCache]\r\n"
		"    \"PolicyJsonCache\"=\"{\"CloudAssignedTenantId\":\"T\",\"CloudAssignedTenantDomain\":\"D\","
		"\"DeploymentProfileName\":\"P\",\"CloudAssignedOobeConfig\":5,\"CloudAssignedDomainJoinMethod\":1,"
		"\"ZtdRegistrationId\":\"Z\"}\"\r\n\r\n";
	esp = load_text(full, sizeof full - 1);
	a = espdiag_esp_autopilot_info(esp);
	ck_assert_str_eq(a->policy_cache_key, MS "Provisioning\\AutopilotPolicyCache");
	ck_assert(!a->from_policy_cache);
	ck_assert_str_eq(a->tenant_id, "t");
	ck_assert_str_eq(a->tenant_domain, "d");
	ck_assert_str_eq(a->profile_name, "p");
	ck_assert_uint_eq(a->oobe_config.value, 0);
	ck_assert_uint_eq(a->domain_join_method.value, 0);
	ck_assert(!a->hybrid_join);
	ck_assert_str_eq(a->ztd_id, "z");
	unload(esp);
}
END_TEST

/* --- malformed and oversize JSON: a warning each, the rest loads --- */

START_TEST(test_malformed_json)
{
	static const char text[] =
		"[" MS "Enrollments\\{11111111-2222-3333-4444-555555555555}]\r\n"
		"    \"ProviderID\"=\"MS DM Server\"\r\n\r\n"
		"[" MS "Provisioning\\AutopilotSettings]\r\n"
		"    \"DeviceSetupCategory.Status\"=\"{\"categoryState\":\"failed\"\"\r\n"
		"    \"AccountSetupCategory.Status\"=\"{\"categoryState\":\"inProgress\"}\"\r\n"
		"    \"DevicePreparationCategory.Status\"=\"[1,2]\"\r\n"
		"    \"Other.Status\"=DWORD:00000001\r\n\r\n"
		"[" MS "Provisioning\\AutopilotPolicyCache]\r\n"
		"    \"PolicyJsonCache\"=\"{\"DeploymentProfileName\":\"x\" \"y\"}\"\r\n\r\n"
		"[" MS "IntuneManagementExtension\\Win32Apps\\" DEV "\\" G1 "_1]\r\n"
		"    \"EnforcementStateMessage\"=\"{\"EnforcementState\":1000,\"ErrorCode\":0}\"\r\n"
		"    \"ComplianceStateMessage\"=\"not json\"\r\n\r\n";
	espdiag_esp *esp = load_text(text, sizeof text - 1);
	char *w = warnings(esp);
	ck_assert_str_eq(
		w,
		MS "IntuneManagementExtension\\Win32Apps\\" DEV "\\" G1 "_1\\ComplianceStateMessage: "
		   "malformed JSON at line 1, column 3: '[' or '{' expected near 'not'; ignored\n"
		MS "Provisioning\\AutopilotSettings\\DeviceSetupCategory.Status: malformed JSON at line 1, "
		   "column 25: '}' expected near end of file; ignored\n"
		MS "Provisioning\\AutopilotSettings\\DevicePreparationCategory.Status: the JSON is no object; "
		   "ignored\n"
		MS "Provisioning\\AutopilotSettings\\Other.Status: type 4 is no string, so no JSON; ignored\n"
		MS "Provisioning\\AutopilotPolicyCache\\PolicyJsonCache: malformed JSON at line 1, column 32: "
		   "'}' expected near '\"y\"'; ignored\n");
	free(w);
	/* The rest loaded. */
	ck_assert_uint_eq(espdiag_esp_enrollment_count(esp), 1);
	ck_assert_uint_eq(espdiag_esp_page_category_count(esp), 1);
	ck_assert_str_eq(espdiag_esp_page_category_at(esp, 0)->name, "AccountSetupCategory");
	ck_assert_ptr_null(espdiag_esp_autopilot_info(esp)->policy_cache_key);
	ck_assert_ptr_null(espdiag_esp_autopilot_info(esp)->profile_name);
	ck_assert_uint_eq(espdiag_esp_ime_app_count(esp), 1);
	const espdiag_esp_ime_app *a = espdiag_esp_ime_app_at(esp, 0);
	ck_assert_uint_eq(a->enforcement_state.value, 1000);
	ck_assert_str_eq(a->compliance_value, "ComplianceStateMessage");
	ck_assert(!a->compliance_state.has);
	unload(esp);
}
END_TEST

/* A PolicyJsonCache of exactly the cap is read; one byte more is not. */
static char *cache_text(size_t doc_len, size_t *len)
{
	static const char head[] = "[" MS "Provisioning\\AutopilotPolicyCache]\r\n    \"PolicyJsonCache\"=\"";
	static const char tail[] = "\"\r\n\r\n";
	static const char open[] = "{\"DeploymentProfileName\":\"";
	size_t pad = doc_len - (sizeof open - 1) - 2;
	*len = sizeof head - 1 + doc_len + sizeof tail - 1;
	char *t = malloc(*len + 1);
	ck_assert_ptr_nonnull(t);
	char *p = t;
	memcpy(p, head, sizeof head - 1);
	p += sizeof head - 1;
	memcpy(p, open, sizeof open - 1);
	p += sizeof open - 1;
	memset(p, 'x', pad);
	p += pad;
	memcpy(p, "\"}", 2);
	p += 2;
	memcpy(p, tail, sizeof tail);
	return t;
}

START_TEST(test_oversize_json)
{
	size_t len;
	char *t = cache_text((size_t)1 << 20, &len);
	espdiag_esp *esp = load_text(t, len);
	free(t);
	ck_assert_uint_eq(espdiag_esp_warning_count(esp), 0);
	ck_assert_uint_eq(strlen(espdiag_esp_autopilot_info(esp)->profile_name),
	                  ((size_t)1 << 20) - 28);
	unload(esp);

	t = cache_text(((size_t)1 << 20) + 1, &len);
	esp = load_text(t, len);
	free(t);
	char *w = warnings(esp);
	ck_assert_str_eq(w, MS "Provisioning\\AutopilotPolicyCache\\PolicyJsonCache: a JSON document "
	                       "of 1048577 bytes, past the cap of 1048576; not read\n");
	free(w);
	ck_assert_ptr_null(espdiag_esp_autopilot_info(esp)->profile_name);
	ck_assert_ptr_null(espdiag_esp_autopilot_info(esp)->policy_cache_key);
	unload(esp);
}
END_TEST

/* --- bookkeeping values are no items --- */

START_TEST(test_bookkeeping)
{
	espdiag_esp *esp = load_fixture("esp-bookkeeping.reg");
	ck_assert_uint_eq(espdiag_esp_snapshot_count(esp), 3);
	const espdiag_esp_snapshot *s = espdiag_esp_snapshot_at(esp, 0);
	ck_assert_str_eq(s->category_name, "ExpectedPolicies");
	ck_assert_uint_eq(s->entry_count, 1);
	ck_assert_str_eq(s->entries[0].value, "./Vendor/MSFT/Policy/Config/Update/AllowAutoUpdate");
	s = espdiag_esp_snapshot_at(esp, 1);
	ck_assert_str_eq(s->timestamp, "2026-11-20T12:01:00.000Z");
	ck_assert_uint_eq(s->entry_count, 1);
	ck_assert(espdiag_esp_snapshot_at(esp, 2)->last_logged_state);
	ck_assert_uint_eq(espdiag_esp_item_count(esp), 1);
	const espdiag_esp_item *it = espdiag_esp_item_at(esp, 0);
	ck_assert_int_eq(it->kind, ESPDIAG_ESP_KIND_POLICY);
	ck_assert_str_eq(it->id, "./Vendor/MSFT/Policy/Config/Update/AllowAutoUpdate");
	/* The policy's first state and the app's; LastLoggedState agrees. */
	ck_assert_uint_eq(espdiag_esp_change_count(esp), 2);
	unload(esp);
}
END_TEST

/* --- the JSON of IME apps and items --- */

START_TEST(test_ime_json)
{
	espdiag_esp *esp = load_fixture("esp-ime.reg");
	char *json = capture_json(esp, ESPDIAG_ESP_JSON_IME_APPS);
	ASSERT_PREFIX(json, "\"ime_apps\":[{\"key\":\"");
	ck_assert_ptr_nonnull(strstr(
		json, "{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\IntuneManagementExtension\\\\"
		      "Win32Apps\\\\" DEV "\\\\" G1 "_2\",\"user_id\":\"" DEV "\",\"device\":true,"
		      "\"app_id\":\"" G1 "\",\"revision\":2,\"enforcement\":{\"key\":\"HKEY_LOCAL_MACHINE"
		      "\\\\SOFTWARE\\\\Microsoft\\\\IntuneManagementExtension\\\\Win32Apps\\\\" DEV "\\\\" G1
		      "_2\\\\EnforcementStateMessage\",\"value\":\"EnforcementStateMessage\",\"state\":5000,"
		      "\"state_name\":\"error\",\"error_code\":2147942402},\"compliance\":{\"key\":"
		      "\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\IntuneManagementExtension\\\\Win32Apps"
		      "\\\\" DEV "\\\\" G1 "_2\\\\ComplianceStateMessage\",\"value\":\"\",\"applicability\":0,"
		      "\"compliance_state\":4,\"desired_state\":2,\"install_context\":2,\"target_type\":1,"
		      "\"error_code\":-2016345060}}"));
	ck_assert_ptr_nonnull(strstr(json, "\"app_id\":\"" G6 "\",\"revision\":2,\"enforcement\":null,"
	                                   "\"compliance\":null}]"));
	ck_assert_ptr_nonnull(strstr(json, "\"enforcement\":{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\"
	                                   "Microsoft\\\\IntuneManagementExtension\\\\Win32Apps\\\\" UA
	                                   "\\\\" G2 "_1\",\"value\":\"EnforcementStateMessage\","
	                                   "\"state\":null,\"state_name\":null,\"error_code\":null}"));
	free(json);
	json = capture_json(esp, ESPDIAG_ESP_JSON_ITEMS);
	ck_assert_ptr_nonnull(strstr(json, "\"id\":\"Win32App_" G1 "_2\",\"context\":\"device\","
	                                   "\"sid\":null,\"phase\":\"device_setup\",\"state\":\"error\","
	                                   "\"state_raw\":4,\"ime\":false,"));
	ck_assert_ptr_nonnull(strstr(json, "\"value\":\"InstallationState\",\"error_hresult\":2147982441}"));
	/* Only where known: the other apps' items are as 0.1 wrote them. */
	const char *g2 = strstr(json, "\"id\":\"Win32App_" G2 "_1\"");
	ck_assert_ptr_nonnull(g2);
	ASSERT_PREFIX(strstr(g2, "\"value\":"), "\"value\":\"InstallationState\"}");
	const char *eh = strstr(json, "error_hresult");
	ck_assert_ptr_nonnull(eh);
	ck_assert_ptr_null(strstr(eh + 1, "error_hresult"));
	free(json);
	json = capture_json(esp, ESPDIAG_ESP_JSON_ALL_V2);
	ASSERT_PREFIX(json, "\"enrollments\":[],\"autopilot\":null,\"phases\":[");
	ck_assert_ptr_nonnull(strstr(json, "],\"ime_apps\":[{"));
	ck_assert_ptr_nonnull(strstr(json, "],\"office\":[],\"page\":[],\"omadm\":{\"accounts\":[],"
	                                   "\"odj_applied\":null,\"policy_nodes\":[]}"));
	free(json);
	unload(esp);
}
END_TEST

Suite *suite_esp_v13(void)
{
	Suite *s = suite_create("esp_v13");
	TCase *tc = tcase_create("families");
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_ime_apps);
	tcase_add_test(tc, test_ime_absent);
	tcase_add_test(tc, test_office);
	tcase_add_test(tc, test_omadm);
	tcase_add_test(tc, test_absent);
	tcase_add_test(tc, test_page);
	tcase_add_test(tc, test_page_states);
	tcase_add_test(tc, test_policy_cache);
	tcase_add_test(tc, test_policy_cache_only);
	tcase_add_test(tc, test_malformed_json);
	tcase_add_test(tc, test_oversize_json);
	tcase_add_test(tc, test_bookkeeping);
	tcase_add_test(tc, test_ime_json);
	suite_add_tcase(s, tc);
	return s;
}

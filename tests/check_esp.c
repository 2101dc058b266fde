/* tests/check_esp.c - the ESP model (esp.h): every part from our fixtures
 * (tests/data/esp-*.reg), the JSON fragments and the timeline, and the
 * acceptance on the shared corpus (a dump and its hive give one model). */
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"
#include "testutil.h"

#include "esp_time.h"
#include "json.h"

#define EST "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\EnrollmentStatusTracking"

static espdiag_registry *g_reg;

/* Loads a file into a fresh view (a hive under prefix) and builds the model. */
static espdiag_esp *load_path(const char *path, const char *prefix)
{
	espdiag_esp *esp = NULL;
	ck_assert_int_eq(espdiag_registry_new(&g_reg), ESPDIAG_OK);
	int rc = espdiag_registry_open_file(g_reg, path, prefix, NULL);
	ck_assert_msg(rc == ESPDIAG_OK, "%s: %s", path, espdiag_registry_errmsg(g_reg));
	ck_assert_int_eq(espdiag_esp_load(&esp, g_reg), ESPDIAG_OK);
	return esp;
}

static espdiag_esp *load_fixture(const char *name)
{
	return load_path(tu_data_path(name), NULL);
}

static void unload(espdiag_esp *esp)
{
	espdiag_esp_free(esp);
	espdiag_registry_free(g_reg);
	g_reg = NULL;
}

/* Runs a writer into a malloc'd string. */
static char *capture_json(const espdiag_esp *esp, uint32_t parts)
{
	char *json = tu_esp_json(esp, parts);
	ck_assert_ptr_nonnull(json);
	return json;
}

static char *capture_timeline(const espdiag_esp *esp, uint32_t format)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(espdiag_esp_timeline_write(esp, format, f), ESPDIAG_OK);
	fclose(f);
	return buf;
}

/* --- the model-comparison helper: every field through the public API --- */

static void dump_str(FILE *f, const char *name, const char *s)
{
	fprintf(f, " %s=%s", name, s ? s : "(null)");
}

/* Key paths are compared case-insensitively: a hive may spell a key
 * "Software" where the dump says "SOFTWARE"; Windows treats them alike. */
static void dump_path(FILE *f, const char *name, const char *s)
{
	fprintf(f, " %s=", name);
	if (s == NULL)
		fputs("(null)", f);
	for (; s && *s; s++)
		putc(tolower((unsigned char)*s), f);
}

static void dump_u32(FILE *f, const char *name, espdiag_esp_u32 v)
{
	if (v.has)
		fprintf(f, " %s=%u", name, (unsigned)v.value);
	else
		fprintf(f, " %s=-", name);
}

static void dump_setup(FILE *f, const espdiag_esp_setup *s)
{
	fprintf(f, "setup");
	dump_str(f, "sid", s->sid);
	dump_path(f, "key", s->key);
	dump_u32(f, "hpc", s->has_provisioning_completed);
	dump_path(f, "apps_key", s->apps_key);
	dump_u32(f, "locked", s->locked);
	fputc('\n', f);
	for (size_t i = 0; i < s->policy_provider_count; i++) {
		const espdiag_esp_policy_provider *p = s->policy_providers[i];
		fprintf(f, " pp");
		dump_path(f, "key", p->key);
		dump_str(f, "name", p->name);
		dump_u32(f, "tpc", p->tracking_policies_created);
		fputc('\n', f);
	}
	for (size_t i = 0; i < s->app_count; i++) {
		const espdiag_esp_app *a = s->apps[i];
		fprintf(f, " app kind=%d", (int)a->kind);
		dump_path(f, "key", a->key);
		dump_str(f, "id", a->id);
		dump_str(f, "provider", a->provider);
		dump_str(f, "guid", a->app_guid);
		dump_u32(f, "version", a->version);
		dump_u32(f, "state", a->state);
		dump_u32(f, "reboot", a->reboot_required);
		dump_str(f, "uri", a->tracking_uri);
		dump_str(f, "sid", a->sid);
		fputc('\n', f);
	}
}

/* The whole model as text; two models are equal when their dumps are. */
static char *model_dump(const espdiag_esp *esp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	fprintf(f, "tracking=%d\n", (int)espdiag_esp_has_tracking(esp));
	for (size_t i = 0; i < espdiag_esp_enrollment_count(esp); i++) {
		const espdiag_esp_enrollment *e = espdiag_esp_enrollment_at(esp, i);
		fprintf(f, "enrollment");
		dump_path(f, "key", e->key);
		dump_str(f, "guid", e->guid);
		dump_str(f, "provider", e->provider_id);
		dump_str(f, "upn", e->upn);
		dump_str(f, "tenant", e->tenant_id);
		dump_u32(f, "type", e->enrollment_type);
		const espdiag_esp_first_sync *s = e->first_sync;
		if (s != NULL) {
			dump_path(f, "fs", s->key);
			dump_u32(f, "skipdev", s->skip_device_status_page);
			dump_u32(f, "skipuser", s->skip_user_status_page);
			fprintf(f, " skipped=%d/%d", s->device_page_skipped, s->user_page_skipped);
			dump_u32(f, "block", s->block_in_status_page);
			dump_u32(f, "timeout", s->sync_failure_timeout);
			fprintf(f, " minutes=%u default=%d", (unsigned)s->timeout_minutes,
			        s->timeout_is_default);
			dump_u32(f, "logs", s->allow_collect_logs_button);
			dump_str(f, "text", s->custom_error_text);
			dump_u32(f, "syncdone", s->is_sync_done);
			dump_u32(f, "serverdone", s->is_server_provisioning_done);
			dump_u32(f, "appdur", s->applications_duration);
			dump_u32(f, "poldur", s->policy_duration);
			dump_u32(f, "netdur", s->networking_duration);
			dump_u32(f, "certdur", s->certificates_duration);
			fprintf(f, " ts=%d/%llu", s->has_timestamp,
			        (unsigned long long)s->timestamp_filetime);
			dump_str(f, "utc", s->timestamp_utc);
		}
		fputc('\n', f);
	}
	const espdiag_esp_autopilot *a = espdiag_esp_autopilot_info(esp);
	fprintf(f, "autopilot");
	dump_path(f, "key", a->key);
	dump_str(f, "tenant", a->tenant_id);
	dump_str(f, "domain", a->tenant_domain);
	dump_str(f, "profile", a->profile_name);
	dump_u32(f, "oobe", a->oobe_config);
	dump_u32(f, "join", a->domain_join_method);
	fprintf(f, " hybrid=%d", a->hybrid_join);
	dump_path(f, "corr", a->correlations_key);
	dump_str(f, "ztd", a->ztd_id);
	dump_str(f, "entdmid", a->ent_dm_id);
	fputc('\n', f);
	for (size_t i = 0; i < espdiag_esp_provider_count(esp); i++) {
		const espdiag_esp_provider *p = espdiag_esp_provider_at(esp, i);
		fprintf(f, "provider kind=%d", (int)p->kind);
		dump_path(f, "key", p->key);
		dump_str(f, "name", p->name);
		dump_u32(f, "state", p->state);
		dump_u32(f, "lasterror", p->last_error);
		dump_u32(f, "timeout", p->timeout);
		dump_path(f, "rtkey", p->resource_types_key);
		for (size_t j = 0; j < p->resource_type_count; j++) {
			dump_str(f, "rt", p->resource_types[j].name);
			dump_u32(f, "v", p->resource_types[j].value);
		}
		fputc('\n', f);
	}
	dump_setup(f, espdiag_esp_device_setup(esp));
	for (size_t i = 0; i < espdiag_esp_user_setup_count(esp); i++)
		dump_setup(f, espdiag_esp_user_setup_at(esp, i));
	for (size_t i = 0; i < espdiag_esp_snapshot_count(esp); i++) {
		const espdiag_esp_snapshot *s = espdiag_esp_snapshot_at(esp, i);
		fprintf(f, "snapshot cat=%d/%d lls=%d valid=%d t=%lld.%07u", (int)s->category,
		        (int)s->owner_category, s->last_logged_state, s->time_valid,
		        (long long)s->time_unix, (unsigned)s->time_100ns);
		dump_path(f, "key", s->key);
		dump_str(f, "sid", s->sid);
		dump_str(f, "catname", s->category_name);
		dump_str(f, "ts", s->timestamp);
		fputc('\n', f);
		for (size_t j = 0; j < s->entry_count; j++) {
			const espdiag_esp_entry *e = &s->entries[j];
			fprintf(f, " entry kind=%d", (int)e->kind);
			dump_str(f, "value", e->value);
			dump_str(f, "id", e->id);
			dump_u32(f, "state", e->state);
			fputc('\n', f);
		}
	}
	for (size_t i = 0; i < espdiag_esp_msi_app_count(esp); i++) {
		const espdiag_esp_msi_app *m = espdiag_esp_msi_app_at(esp, i);
		fprintf(f, "msi ime=%d", m->is_ime);
		dump_path(f, "key", m->key);
		dump_str(f, "sid", m->sid);
		dump_str(f, "product", m->product_code);
		dump_u32(f, "status", m->status);
		dump_u32(f, "lasterror", m->last_error);
		dump_str(f, "url", m->download_url);
		fputc('\n', f);
	}
	for (size_t i = 0; i < espdiag_esp_phase_count(esp); i++) {
		const espdiag_esp_phase_info *p = espdiag_esp_phase_at(esp, i);
		fprintf(f, "phase %d %d", (int)p->phase, (int)p->status);
		dump_str(f, "sid", p->sid);
		dump_path(f, "key", p->key);
		fputc('\n', f);
	}
	for (size_t i = 0; i < espdiag_esp_item_count(esp); i++) {
		const espdiag_esp_item *it = espdiag_esp_item_at(esp, i);
		fprintf(f, "item kind=%d phase=%d ime=%d", (int)it->kind, (int)it->phase, it->is_ime);
		dump_str(f, "id", it->id);
		dump_str(f, "sid", it->sid);
		dump_str(f, "state", it->state);
		dump_u32(f, "raw", it->state_raw);
		dump_path(f, "key", it->key);
		dump_str(f, "value", it->value);
		fputc('\n', f);
	}
	for (size_t i = 0; i < espdiag_esp_change_count(esp); i++) {
		const espdiag_esp_change *c = espdiag_esp_change_at(esp, i);
		fprintf(f, "change phase=%d", (int)c->phase);
		dump_path(f, "key", c->snapshot->key);
		dump_str(f, "value", c->entry->value);
		dump_str(f, "prev", c->previous ? c->previous->value : NULL);
		fputc('\n', f);
	}
	fclose(f);
	return buf;
}

/* --- names --- */

START_TEST(test_names)
{
	ck_assert_str_eq(espdiag_esp_provider_state_name(1), "not_installed");
	ck_assert_str_eq(espdiag_esp_provider_state_name(2), "not_required");
	ck_assert_str_eq(espdiag_esp_provider_state_name(3), "completed");
	ck_assert_str_eq(espdiag_esp_provider_state_name(4), "error");
	ck_assert_str_eq(espdiag_esp_provider_state_name(0), "unknown");
	ck_assert_str_eq(espdiag_esp_provider_state_name(5), "unknown");
	ck_assert_str_eq(espdiag_esp_app_state_name(2), "in_progress");
	ck_assert_str_eq(espdiag_esp_app_state_name(0xffffffffu), "unknown");
	ck_assert_str_eq(espdiag_esp_reboot_name(1), "none");
	ck_assert_str_eq(espdiag_esp_reboot_name(2), "soft");
	ck_assert_str_eq(espdiag_esp_reboot_name(3), "hard");
	ck_assert_str_eq(espdiag_esp_reboot_name(4), "unknown");
	static const struct {
		uint32_t v;
		const char *name;
	} msi[] = { { 0, "none" }, { 10, "initialized" }, { 20, "downloading" },
		    { 25, "download_retry" }, { 30, "download_failed" }, { 40, "downloaded" },
		    { 48, "pending_user_session" }, { 50, "enforcing" },
		    { 55, "enforcement_retry" }, { 60, "enforcement_failed" }, { 70, "success" },
		    { 1, "unknown" }, { 99, "unknown" } };
	for (size_t i = 0; i < sizeof msi / sizeof msi[0]; i++)
		ck_assert_str_eq(espdiag_esp_msi_status_name(msi[i].v), msi[i].name);
	ck_assert_str_eq(espdiag_esp_phase_name(ESPDIAG_ESP_PHASE_DEVICE_PREPARATION),
	                 "device_preparation");
	ck_assert_str_eq(espdiag_esp_phase_name(ESPDIAG_ESP_PHASE_DEVICE_SETUP), "device_setup");
	ck_assert_str_eq(espdiag_esp_phase_name(ESPDIAG_ESP_PHASE_ACCOUNT_SETUP), "account_setup");
	ck_assert_str_eq(espdiag_esp_phase_name(0), "unknown");
	static const char *const st[] = { "unknown", "not_started", "identifying", "in_progress",
		                          "completed", "failed", "skipped", "unknown" };
	for (uint32_t i = 0; i < 8; i++)
		ck_assert_str_eq(espdiag_esp_phase_status_name(i), st[i]);
	static const char *const kinds[] = { "other", "win32_app", "msi_app", "modern_app",
		                             "network_profile", "certificate", "policy",
		                             "configmgr", "unknown" };
	for (uint32_t i = 0; i < 9; i++)
		ck_assert_str_eq(espdiag_esp_item_kind_name(i), kinds[i]);
	static const char *const cats[] = { "other", "policies", "msi", "modern_apps",
		                            "network_profiles", "certificates", "sidecar",
		                            "last_logged_state", "unknown" };
	for (uint32_t i = 0; i < 9; i++)
		ck_assert_str_eq(espdiag_esp_category_name(i), cats[i]);
	ck_assert_str_eq(espdiag_esp_provider_kind_name(1), "sidecar");
	ck_assert_str_eq(espdiag_esp_provider_kind_name(2), "configmgr");
	ck_assert_str_eq(espdiag_esp_provider_kind_name(3), "unknown");
	ck_assert_str_eq(espdiag_esp_oobe_flag_name(ESPDIAG_ESP_OOBE_SKIP_KEYBOARD), "skip_keyboard");
	ck_assert_str_eq(espdiag_esp_oobe_flag_name(ESPDIAG_ESP_OOBE_USER_NOT_ADMIN),
	                 "user_not_admin");
	ck_assert_ptr_null(espdiag_esp_oobe_flag_name(0x800));
	ck_assert_ptr_null(espdiag_esp_oobe_flag_name(0x6));
	ck_assert_ptr_null(espdiag_esp_oobe_flag_name(0));
}
END_TEST

/* --- the internal helpers: time parsing, JSON escaping --- */

static void check_time(const char *s, const char *want)
{
	int64_t t = 0;
	uint32_t frac = 0;
	char buf[ESP_TIME_BUFSIZE];
	if (want == NULL) {
		ck_assert_msg(!esp_time_parse(s, &t, &frac), "'%s' parsed", s);
		return;
	}
	ck_assert_msg(esp_time_parse(s, &t, &frac), "'%s' did not parse", s);
	esp_time_format(buf, t, frac);
	ck_assert_str_eq(buf, want);
}

START_TEST(test_time_parse)
{
	check_time("2026-11-20T12:44:02.678Z", "2026-11-20T12:44:02.6780000Z");
	check_time("2026-11-20T12:30:34.5328775Z", "2026-11-20T12:30:34.5328775Z");
	check_time("2026-11-20T12:44:02Z", "2026-11-20T12:44:02.0000000Z");
	check_time("2026-11-20T12:44:02.Z", NULL);
	check_time("2026-11-20T12:44:02.1Z", "2026-11-20T12:44:02.1000000Z");
	check_time("2026-11-20T12:44:02.123456789Z", "2026-11-20T12:44:02.1234567Z");
	check_time("2026-11-20T12:44:02,5Z", "2026-11-20T12:44:02.5000000Z");
	check_time("2026-11-20 12:44:02", "2026-11-20T12:44:02.0000000Z");
	check_time("  2026-11-20t12:44z ", "2026-11-20T12:44:00.0000000Z");
	check_time("2026-11-20T13:44:02+01:00", "2026-11-20T12:44:02.0000000Z");
	check_time("2026-11-20T00:30:00-0130", "2026-11-20T02:00:00.0000000Z");
	check_time("2026-11-20T23:30:00-01", "2026-11-21T00:30:00.0000000Z");
	check_time("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.0000000Z");
	check_time("2026-02-29T00:00:00Z", NULL);
	check_time("2026-13-01T00:00:00Z", NULL);
	check_time("2026-11-20T24:00:00Z", NULL);
	check_time("2026-11-20", NULL);
	check_time("LastLoggedState", NULL);
	check_time("", NULL);
	check_time("2026-11-20T12:44:02Zjunk", NULL);
	check_time("1601-01-01T00:00:00Z", "1601-01-01T00:00:00.0000000Z");

	int64_t t;
	uint32_t frac;
	char buf[ESP_TIME_BUFSIZE];
	esp_time_from_filetime(134396520001234567u, &t, &frac);
	ck_assert_int_eq(t, 1795178400);
	ck_assert_uint_eq(frac, 1234567);
	esp_time_format(buf, t, frac);
	ck_assert_str_eq(buf, "2026-11-20T12:40:00.1234567Z");
	esp_time_from_filetime(0, &t, &frac);
	esp_time_format(buf, t, frac);
	ck_assert_str_eq(buf, "1601-01-01T00:00:00.0000000Z");
}
END_TEST

static char *json_of(const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	ck_assert_int_eq(esp_json_string(f, s, len), 0);
	fclose(f);
	return buf;
}

START_TEST(test_json_escape)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "plain", 5, "\"plain\"" },
		{ "a\"b\\c/", 6, "\"a\\\"b\\\\c/\"" },
		{ "\n\r\t\b\f\x01\x1f\x7f", 8, "\"\\n\\r\\t\\u0008\\u000c\\u0001\\u001f\\u007f\"" },
		{ "a\0b", 3, "\"a\\u0000b\"" },
		{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"" },
		{ "\xff", 1, "\"\\ufffd\"" },
		{ "\xc3", 1, "\"\\ufffd\"" },                 /* truncated */
		{ "\xc0\xaf", 2, "\"\\ufffd\\ufffd\"" },      /* overlong */
		{ "\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"" }, /* surrogate */
		{ "\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" }, /* > U+10FFFF */
		{ "\xe2\x80\xa8", 3, "\"\\u2028\"" },
		{ "x\x80y", 3, "\"x\\ufffdy\"" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = json_of(cases[i].in, cases[i].len);
		ck_assert_msg(strcmp(got, cases[i].out) == 0, "case %zu: %s", i, got);
		free(got);
	}
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	esp_json_cstr(f, NULL);
	fclose(f);
	ck_assert_str_eq(buf, "null");
	free(buf);
}
END_TEST

/* --- fixtures --- */

START_TEST(test_absent)
{
	espdiag_esp *esp = load_fixture("esp-absent.reg");
	ck_assert(!espdiag_esp_has_tracking(esp));
	ck_assert_uint_eq(espdiag_esp_enrollment_count(esp), 0);
	ck_assert_ptr_null(espdiag_esp_primary_enrollment(esp));
	ck_assert_ptr_null(espdiag_esp_autopilot_info(esp)->key);
	ck_assert_uint_eq(espdiag_esp_provider_count(esp), 0);
	ck_assert_ptr_null(espdiag_esp_device_setup(esp)->key);
	ck_assert_uint_eq(espdiag_esp_device_setup(esp)->app_count, 0);
	ck_assert_uint_eq(espdiag_esp_user_setup_count(esp), 0);
	ck_assert_uint_eq(espdiag_esp_snapshot_count(esp), 0);
	ck_assert_uint_eq(espdiag_esp_msi_app_count(esp), 0);
	ck_assert_uint_eq(espdiag_esp_item_count(esp), 0);
	ck_assert_uint_eq(espdiag_esp_change_count(esp), 0);
	ck_assert_uint_eq(espdiag_esp_phase_count(esp), 3);
	for (size_t i = 0; i < 3; i++) {
		const espdiag_esp_phase_info *p = espdiag_esp_phase_at(esp, i);
		ck_assert_int_eq(p->phase, (int)i + 1);
		ck_assert_int_eq(p->status, ESPDIAG_ESP_STATUS_UNKNOWN);
		ck_assert_ptr_null(p->sid);
		ck_assert_ptr_null(p->key);
	}
	ck_assert_ptr_null(espdiag_esp_phase_at(esp, 3));
	ck_assert_ptr_null(espdiag_esp_enrollment_at(esp, 0));
	char *json = capture_json(esp, ESPDIAG_ESP_JSON_ALL);
	ck_assert_str_eq(json, "\"enrollments\":[],\"autopilot\":null,\"phases\":["
	                       "{\"phase\":\"device_preparation\",\"status\":\"unknown\",\"sid\":null,\"evidence\":null},"
	                       "{\"phase\":\"device_setup\",\"status\":\"unknown\",\"sid\":null,\"evidence\":null},"
	                       "{\"phase\":\"account_setup\",\"status\":\"unknown\",\"sid\":null,\"evidence\":null}],"
	                       "\"items\":[]");
	free(json);
	char *tl = capture_timeline(esp, ESPDIAG_ESP_FORMAT_TEXT);
	ck_assert_str_eq(tl, "");
	free(tl);
	unload(esp);
}
END_TEST

START_TEST(test_enrollments)
{
	espdiag_esp *esp = load_fixture("esp-enrollments.reg");
	ck_assert_uint_eq(espdiag_esp_enrollment_count(esp), 3);
	/* Name order: "aaaaaaaa-..." sorts before "{...}" (Windows compares
	 * upper-cased names: 'A' 0x41 < '{' 0x7b). */
	const espdiag_esp_enrollment *e0 = espdiag_esp_enrollment_at(esp, 1);
	const espdiag_esp_enrollment *e1 = espdiag_esp_enrollment_at(esp, 0);
	const espdiag_esp_enrollment *e2 = espdiag_esp_enrollment_at(esp, 2);
	ck_assert_str_eq(e0->guid, "{11111111-2222-3333-4444-555555555555}");
	ck_assert_str_eq(e0->provider_id, "Other MDM");
	ck_assert_ptr_null(e0->tenant_id);
	ck_assert(!e0->enrollment_type.has);
	ck_assert_ptr_nonnull(e0->first_sync);
	ck_assert(e0->first_sync->device_page_skipped);
	ck_assert(!e0->first_sync->user_page_skipped);
	ck_assert_uint_eq(e0->first_sync->timeout_minutes, 120);
	ck_assert(!e0->first_sync->timeout_is_default);
	ck_assert(!e0->first_sync->block_in_status_page.has);
	ck_assert(!e0->first_sync->has_timestamp);
	ck_assert_ptr_null(e0->first_sync->timestamp_utc);

	ck_assert_str_eq(e1->guid, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
	ck_assert_str_eq(e1->key, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Enrollments\\"
	                          "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
	ck_assert_str_eq(e1->provider_id, "MS DM Server");
	ck_assert_str_eq(e1->upn, "user1@contoso.example");
	ck_assert_str_eq(e1->tenant_id, "bf9e995c-bfad-4261-9346-1eb345cda949");
	ck_assert(e1->enrollment_type.has);
	ck_assert_uint_eq(e1->enrollment_type.value, 6);
	const espdiag_esp_first_sync *f = e1->first_sync;
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->key, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Enrollments\\"
	                         "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\\FirstSync");
	ck_assert(f->skip_device_status_page.has);
	ck_assert_uint_eq(f->skip_device_status_page.value, 0);
	ck_assert(!f->device_page_skipped);
	ck_assert_uint_eq(f->skip_user_status_page.value, 0xffffffffu);
	ck_assert(f->user_page_skipped);
	ck_assert_uint_eq(f->block_in_status_page.value, 5);
	ck_assert(!f->sync_failure_timeout.has);     /* a string: ignored with a warning */
	ck_assert_uint_eq(f->timeout_minutes, 60);
	ck_assert(f->timeout_is_default);
	ck_assert_uint_eq(f->allow_collect_logs_button.value, 1);
	ck_assert_str_eq(f->custom_error_text, "Call the \"Help Desk\" on x1234.");
	ck_assert(f->is_sync_done.has);
	ck_assert_uint_eq(f->is_sync_done.value, 0);
	ck_assert_uint_eq(f->is_server_provisioning_done.value, 1);
	ck_assert_uint_eq(f->applications_duration.value, 384);
	ck_assert_uint_eq(f->policy_duration.value, 51);
	ck_assert_uint_eq(f->networking_duration.value, 0);
	ck_assert(f->networking_duration.has);
	ck_assert_uint_eq(f->certificates_duration.value, 10);
	ck_assert(f->has_timestamp);
	ck_assert_uint_eq(f->timestamp_filetime, 134396520001234567u);
	ck_assert_int_eq(f->timestamp_unix, 1795178400);
	ck_assert_uint_eq(f->timestamp_100ns, 1234567);
	ck_assert_str_eq(f->timestamp_utc, "2026-11-20T12:40:00.1234567Z");

	ck_assert_str_eq(e2->guid, "{99999999-8888-7777-6666-555555555555}");
	ck_assert_ptr_null(e2->first_sync);
	ck_assert_ptr_eq(espdiag_esp_primary_enrollment(esp), e1);

	ck_assert_uint_eq(espdiag_esp_warning_count(esp), 1);
	ck_assert_ptr_nonnull(strstr(espdiag_esp_warning_at(esp, 0)->message, "SyncFailureTimeout"));

	const espdiag_esp_autopilot *a = espdiag_esp_autopilot_info(esp);
	ck_assert_str_eq(a->key, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Provisioning\\Diagnostics\\Autopilot");
	ck_assert_str_eq(a->tenant_id, "bf9e995c-bfad-4261-9346-1eb345cda949");
	ck_assert_str_eq(a->tenant_domain, "contoso.example");
	ck_assert_str_eq(a->profile_name, "Hybrid \"HQ\"");
	ck_assert_uint_eq(a->oobe_config.value, 0x851e);
	ck_assert_uint_eq(a->domain_join_method.value, 1);
	ck_assert(a->hybrid_join);
	ck_assert_str_eq(a->ztd_id, "fabab7b5-73aa-4107-919f-e69f92b75630");
	ck_assert_str_eq(a->ent_dm_id, "e9b2d06a-7442-48cc-bacd-7a454794ab91");

	/* The primary FirstSync says: device page shown, user page skipped. */
	ck_assert(!espdiag_esp_has_tracking(esp));
	ck_assert_uint_eq(espdiag_esp_phase_count(esp), 3);
	ck_assert_int_eq(espdiag_esp_phase_at(esp, 0)->status, ESPDIAG_ESP_STATUS_UNKNOWN);
	ck_assert_int_eq(espdiag_esp_phase_at(esp, 1)->status, ESPDIAG_ESP_STATUS_UNKNOWN);
	ck_assert_int_eq(espdiag_esp_phase_at(esp, 2)->status, ESPDIAG_ESP_STATUS_SKIPPED);
	ck_assert_str_eq(espdiag_esp_phase_at(esp, 2)->key, f->key);

	char *json = capture_json(esp, ESPDIAG_ESP_JSON_AUTOPILOT);
	ck_assert_str_eq(json,
	                 "\"autopilot\":{\"key\":\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Provisioning\\\\Diagnostics\\\\Autopilot\","
	                 "\"tenant_id\":\"bf9e995c-bfad-4261-9346-1eb345cda949\",\"tenant_domain\":\"contoso.example\","
	                 "\"profile_name\":\"Hybrid \\\"HQ\\\"\",\"oobe_config\":34078,"
	                 "\"oobe_flags\":[\"user_not_admin\",\"skip_express_settings\",\"skip_oem_registration\","
	                 "\"skip_eula\",\"skip_windows_upgrade_ux\",\"skip_keyboard\",\"0x8000\"],"
	                 "\"domain_join_method\":1,\"hybrid_join\":true,"
	                 "\"ztd_id\":\"fabab7b5-73aa-4107-919f-e69f92b75630\","
	                 "\"ent_dm_id\":\"e9b2d06a-7442-48cc-bacd-7a454794ab91\","
	                 "\"policy_cache_key\":null,\"from_policy_cache\":false}");
	free(json);
	json = capture_json(esp, ESPDIAG_ESP_JSON_ENROLLMENTS);
	ck_assert_ptr_nonnull(strstr(json, "\"block_in_status_page\":5,\"block_flags\":[\"allow_reset\",\"allow_continue\"],"
	                                   "\"sync_failure_timeout\":null,\"timeout_minutes\":60,\"timeout_is_default\":true,"));
	ck_assert_ptr_nonnull(strstr(json, "\"custom_error_text\":\"Call the \\\"Help Desk\\\" on x1234.\""));
	ck_assert_ptr_nonnull(strstr(json, "\"timestamp\":\"2026-11-20T12:40:00.1234567Z\",\"timestamp_filetime\":134396520001234567}"));
	ck_assert_ptr_nonnull(strstr(json, "\"guid\":\"{99999999-8888-7777-6666-555555555555}\""));
	ck_assert_ptr_nonnull(strstr(json, "\"first_sync\":null}]"));
	ck_assert_int_eq(strncmp(json, "\"enrollments\":[{\"guid\":\"aaaaaaaa-", 33), 0);
	free(json);
	ck_assert_int_eq(espdiag_esp_write_json(esp, 0x10000, stdout), ESPDIAG_EINVAL);
	unload(esp);
}
END_TEST

START_TEST(test_providers)
{
	espdiag_esp *esp = load_fixture("esp-providers.reg");
	ck_assert(espdiag_esp_has_tracking(esp));
	ck_assert_uint_eq(espdiag_esp_provider_count(esp), 4);
	const espdiag_esp_provider *p = espdiag_esp_provider_at(esp, 3);
	ck_assert_str_eq(p->name, "Sidecar");
	ck_assert_int_eq(p->kind, ESPDIAG_ESP_PROVIDER_SIDECAR);
	ck_assert_uint_eq(p->state.value, ESPDIAG_ESP_PROVIDER_COMPLETED);
	ck_assert(!p->last_error.has);
	ck_assert_uint_eq(p->timeout.value, 15);
	ck_assert_str_eq(p->key, EST "\\Device\\DevicePreparation\\PolicyProviders\\Sidecar");
	ck_assert_str_eq(p->resource_types_key,
	                 EST "\\Device\\DevicePreparation\\PolicyProviders\\Sidecar\\TrackedResourceTypes");
	ck_assert_uint_eq(p->resource_type_count, 2);
	ck_assert_str_eq(p->resource_types[0].name, "Apps");
	ck_assert_uint_eq(p->resource_types[0].value.value, 1);
	ck_assert_str_eq(p->resource_types[1].name, "Policies");
	ck_assert(p->resource_types[1].value.has);
	ck_assert_uint_eq(p->resource_types[1].value.value, 0);
	ck_assert_ptr_eq(espdiag_esp_provider_find(esp, "sidecar"), p);

	p = espdiag_esp_provider_at(esp, 1);
	ck_assert_str_eq(p->name, "ConfigMgr");
	ck_assert_int_eq(p->kind, ESPDIAG_ESP_PROVIDER_CONFIGMGR);
	ck_assert_uint_eq(p->state.value, 1);
	ck_assert_str_eq(espdiag_esp_provider_state_name(p->state.value), "not_installed");
	ck_assert_uint_eq(p->last_error.value, 0x80070643u);
	ck_assert_ptr_null(p->resource_types_key);
	ck_assert_uint_eq(p->resource_type_count, 0);

	p = espdiag_esp_provider_at(esp, 2);
	ck_assert_str_eq(p->name, "ContosoAgent");
	ck_assert_int_eq(p->kind, ESPDIAG_ESP_PROVIDER_OTHER);
	ck_assert(p->state.has);
	ck_assert_uint_eq(p->state.value, 9);
	ck_assert_str_eq(espdiag_esp_provider_state_name(p->state.value), "unknown");

	p = espdiag_esp_provider_at(esp, 0);
	ck_assert_str_eq(p->name, "Broken");
	ck_assert(!p->state.has);
	ck_assert_uint_eq(espdiag_esp_warning_count(esp), 1);
	ck_assert_ptr_null(espdiag_esp_provider_at(esp, 4));
	ck_assert_ptr_null(espdiag_esp_provider_find(esp, "Nope"));

	ck_assert_int_eq(espdiag_esp_phase_at(esp, 0)->status, ESPDIAG_ESP_STATUS_UNKNOWN);
	ck_assert_int_eq(espdiag_esp_phase_at(esp, 1)->status, ESPDIAG_ESP_STATUS_UNKNOWN);
	ck_assert_int_eq(espdiag_esp_phase_at(esp, 2)->status, ESPDIAG_ESP_STATUS_UNKNOWN);
	unload(esp);
}
END_TEST

START_TEST(test_prep_failed)
{
	espdiag_esp *esp = load_fixture("esp-prep-failed.reg");
	const espdiag_esp_provider *p = espdiag_esp_provider_at(esp, 0);
	ck_assert_uint_eq(p->state.value, 4);
	ck_assert_uint_eq(p->last_error.value, 0x800705b4u);
	ck_assert_uint_eq(espdiag_esp_phase_count(esp), 3);
	const espdiag_esp_phase_info *ph = espdiag_esp_phase_at(esp, 0);
	ck_assert_int_eq(ph->status, ESPDIAG_ESP_STATUS_FAILED);
	ck_assert_str_eq(ph->key, p->key);
	ck_assert_int_eq(espdiag_esp_phase_at(esp, 1)->status, ESPDIAG_ESP_STATUS_NOT_STARTED);
	ck_assert_int_eq(espdiag_esp_phase_at(esp, 2)->status, ESPDIAG_ESP_STATUS_NOT_STARTED);
	/* A FirstSync without ProviderID still counts. */
	ck_assert_ptr_eq(espdiag_esp_primary_enrollment(esp), espdiag_esp_enrollment_at(esp, 0));
	ck_assert(espdiag_esp_primary_enrollment(esp)->first_sync->timeout_is_default);
	unload(esp);
}
END_TEST

START_TEST(test_users)
{
	espdiag_esp *esp = load_fixture("esp-users.reg");
	const espdiag_esp_setup *d = espdiag_esp_device_setup(esp);
	ck_assert_str_eq(d->key, EST "\\Device\\Setup");
	ck_assert_ptr_null(d->sid);
	ck_assert_uint_eq(d->has_provisioning_completed.value, 1);
	ck_assert_str_eq(d->apps_key, EST "\\Device\\Setup\\Apps");
	ck_assert(d->locked.has);
	ck_assert_uint_eq(d->locked.value, 0);
	ck_assert_uint_eq(d->policy_provider_count, 2);
	ck_assert_str_eq(d->policy_providers[0]->name, "ConfigMgr");
	ck_assert_str_eq(d->policy_providers[1]->name, "Sidecar");
	ck_assert_uint_eq(d->policy_providers[1]->tracking_policies_created.value, 1);
	ck_assert_uint_eq(d->app_count, 2);
	const espdiag_esp_app *a = d->apps[1];
	ck_assert_str_eq(a->id, "Win32App_5c2f66a9-e10f-438a-b801-fbbcbe6a99e7_7");
	ck_assert_str_eq(a->provider, "Sidecar");
	ck_assert_int_eq(a->kind, ESPDIAG_ESP_KIND_WIN32_APP);
	ck_assert_str_eq(a->app_guid, "5c2f66a9-e10f-438a-b801-fbbcbe6a99e7");
	ck_assert(a->version.has);
	ck_assert_uint_eq(a->version.value, 7);
	ck_assert_uint_eq(a->state.value, 3);
	ck_assert_uint_eq(a->reboot_required.value, ESPDIAG_ESP_REBOOT_SOFT);
	ck_assert_str_eq(a->tracking_uri, "./Device/Vendor/MSFT/EnrollmentStatusTracking/Setup/Apps/"
	                                  "Tracking/Sidecar/Win32App_5c2f66a9-e10f-438a-b801-fbbcbe6a99e7_7");
	ck_assert_ptr_null(a->sid);
	ck_assert_str_eq(a->key, EST "\\Device\\Setup\\Apps\\Tracking\\Sidecar\\"
	                         "Win32App_5c2f66a9-e10f-438a-b801-fbbcbe6a99e7_7");
	a = d->apps[0];
	ck_assert_str_eq(a->id, "Provisioning_TS");
	ck_assert_str_eq(a->provider, "ConfigMgr");
	ck_assert_int_eq(a->kind, ESPDIAG_ESP_KIND_CONFIGMGR);
	ck_assert_ptr_null(a->app_guid);
	ck_assert(!a->version.has);
	ck_assert(!a->reboot_required.has);

	ck_assert_uint_eq(espdiag_esp_user_setup_count(esp), 3);
	const espdiag_esp_setup *u = espdiag_esp_user_setup_at(esp, 0);
	ck_assert_str_eq(u->sid, "S-1-12-1-100");
	ck_assert_str_eq(u->key, EST "\\S-1-12-1-100\\Setup");
	ck_assert(!u->has_provisioning_completed.has);
	ck_assert(!u->locked.has);
	ck_assert_uint_eq(u->app_count, 2);
	ck_assert_str_eq(u->apps[1]->id, "Win32App_95679759-1c8c-4682-9a90-105ef065f2e6_1");
	ck_assert_str_eq(u->apps[1]->sid, "S-1-12-1-100");
	ck_assert_uint_eq(u->apps[1]->state.value, 2);
	ck_assert_str_eq(u->apps[0]->app_guid, "8c4d1dd7-cf76-4ede-8ad3-6fb5a55483e3");
	ck_assert(!u->apps[0]->version.has);
	ck_assert_uint_eq(u->apps[0]->state.value, 7);
	ck_assert_str_eq(espdiag_esp_app_state_name(u->apps[0]->state.value), "unknown");
	ck_assert_uint_eq(u->apps[0]->reboot_required.value, 5);
	ck_assert_str_eq(espdiag_esp_reboot_name(u->apps[0]->reboot_required.value), "unknown");
	u = espdiag_esp_user_setup_at(esp, 1);
	ck_assert_str_eq(u->sid, "s-1-12-1-200");
	ck_assert_uint_eq(u->app_count, 0);
	ck_assert_uint_eq(u->policy_provider_count, 1);
	ck_assert_ptr_eq(espdiag_esp_user_setup_find(esp, "S-1-12-1-200"), u);
	u = espdiag_esp_user_setup_at(esp, 2);
	ck_assert_str_eq(u->sid, "S-1-12-1-300");
	ck_assert_ptr_null(u->key);
	ck_assert_ptr_null(espdiag_esp_user_setup_at(esp, 3));
	ck_assert_ptr_null(espdiag_esp_user_setup_find(esp, "S-1-12-1-999"));

	/* No wrong branch: the device lists only its own two apps. */
	for (size_t i = 0; i < d->app_count; i++)
		ck_assert_ptr_null(strstr(d->apps[i]->key, "S-1-12"));

	ck_assert_uint_eq(espdiag_esp_phase_count(esp), 5);
	static const struct {
		int phase, status;
		const char *sid;
	} want[] = {
		{ ESPDIAG_ESP_PHASE_DEVICE_PREPARATION, ESPDIAG_ESP_STATUS_COMPLETED, NULL },
		{ ESPDIAG_ESP_PHASE_DEVICE_SETUP, ESPDIAG_ESP_STATUS_COMPLETED, NULL },
		{ ESPDIAG_ESP_PHASE_ACCOUNT_SETUP, ESPDIAG_ESP_STATUS_IN_PROGRESS, "S-1-12-1-100" },
		{ ESPDIAG_ESP_PHASE_ACCOUNT_SETUP, ESPDIAG_ESP_STATUS_IDENTIFYING, "s-1-12-1-200" },
		{ ESPDIAG_ESP_PHASE_ACCOUNT_SETUP, ESPDIAG_ESP_STATUS_NOT_STARTED, "S-1-12-1-300" },
	};
	for (size_t i = 0; i < 5; i++) {
		const espdiag_esp_phase_info *p = espdiag_esp_phase_at(esp, i);
		ck_assert_int_eq(p->phase, want[i].phase);
		ck_assert_msg((int)p->status == want[i].status, "phase %zu: %d", i, (int)p->status);
		if (want[i].sid)
			ck_assert_str_eq(p->sid, want[i].sid);
		else
			ck_assert_ptr_null(p->sid);
	}
	ck_assert_str_eq(espdiag_esp_phase_at(esp, 3)->key,
	                 EST "\\s-1-12-1-200\\Setup\\Apps\\PolicyProviders\\Sidecar");

	ck_assert_uint_eq(espdiag_esp_item_count(esp), 4);
	const espdiag_esp_item *it = espdiag_esp_item_at(esp, 3);
	ck_assert_int_eq(it->kind, ESPDIAG_ESP_KIND_WIN32_APP);
	ck_assert_str_eq(it->sid, "S-1-12-1-100");
	ck_assert_int_eq(it->phase, ESPDIAG_ESP_PHASE_ACCOUNT_SETUP);
	ck_assert_str_eq(it->state, "in_progress");
	ck_assert_str_eq(it->value, "InstallationState");
	it = espdiag_esp_item_at(esp, 2);
	ck_assert_str_eq(it->state, "unknown");
	ck_assert_uint_eq(it->state_raw.value, 7);

	char *json = capture_json(esp, ESPDIAG_ESP_JSON_PHASES | ESPDIAG_ESP_JSON_ITEMS);
	static const char head[] =
		"\"phases\":[{\"phase\":\"device_preparation\",\"status\":\"completed\",\"sid\":null,";
	ck_assert_int_eq(strncmp(json, head, strlen(head)), 0);
	ck_assert_ptr_nonnull(strstr(json, "{\"phase\":\"account_setup\",\"status\":\"identifying\",\"sid\":\"s-1-12-1-200\","));
	ck_assert_ptr_nonnull(strstr(json, "],\"items\":[{\"kind\":\"configmgr\",\"id\":\"Provisioning_TS\","));
	ck_assert_ptr_nonnull(strstr(json, "{\"kind\":\"win32_app\",\"id\":\"Win32App_5c2f66a9-e10f-438a-b801-fbbcbe6a99e7_7\","
	                                   "\"context\":\"device\",\"sid\":null,\"phase\":\"device_setup\",\"state\":\"completed\","
	                                   "\"state_raw\":3,\"ime\":false,\"evidence\":\""));
	free(json);
	unload(esp);
}
END_TEST

static const char timeline_text[] =
	"2026-11-20T12:00:00.0000000Z device_setup device ExpectedCertificateProfiles certificate unknown(-) cert2\n"
	"2026-11-20T12:00:00.0000000Z device_setup device ExpectedFoo other unknown(2) ./Vendor/MSFT/Foo/Bar\n"
	"2026-11-20T12:00:00.0000000Z device_setup device ExpectedModernAppPackages modern_app not_processed(0) Microsoft.CompanyPortal_8wekyb3d8bbwe\n"
	"2026-11-20T12:00:00.0000000Z device_setup device ExpectedMSIAppPackages msi_app processed(1) {C093B8CB-4F8B-447F-978C-860C02E418D9}\n"
	"2026-11-20T12:00:00.0000000Z device_setup device ExpectedMSIAppPackages msi_app not_processed(0) {134A26A4-429D-42A8-927E-E4E60FA9962F}\n"
	"2026-11-20T12:00:00.0000000Z device_setup device ExpectedNetworkProfiles network_profile processed(1) Corp WiFi\n"
	"2026-11-20T12:00:00.0000000Z device_setup device ExpectedPFXCerts certificate processed(1) pfx1\n"
	"2026-11-20T12:00:00.0000000Z device_setup device ExpectedSCEPCerts certificate not_processed(0) 586ac6e6_68d5\n"
	"2026-11-20T12:00:00.0000000Z device_setup device Sidecar win32_app not_installed(1) Win32App_aaaaaaaa-0000-0000-0000-000000000001_1\n"
	"2026-11-20T12:00:00.1234567Z device_setup device ExpectedPolicies policy not_processed(0) ./Vendor/MSFT/Policy/Config/Foo/Bar/Baz\n"
	"2026-11-20T12:01:00.1234567Z device_setup device Sidecar win32_app in_progress(2) Win32App_aaaaaaaa-0000-0000-0000-000000000001_1\n"
	"2026-11-20T12:02:00.5000000Z device_setup device Sidecar win32_app completed(3) Win32App_aaaaaaaa-0000-0000-0000-000000000001_1\n"
	"2026-11-20T12:05:00.0000000Z device_setup device ExpectedPolicies policy processed(1) ./Vendor/MSFT/Policy/Config/Foo/Bar/Baz\n"
	"2026-11-20T12:30:00.1000000Z account_setup S-1-12-1-100 Sidecar win32_app completed(3) Win32App_bbbbbbbb-0000-0000-0000-000000000002_3\n"
	"not a time device_setup device Sidecar win32_app error(4) Win32App_aaaaaaaa-0000-0000-0000-000000000001_1\n"
	"LastLoggedState device_setup device Sidecar win32_app completed(3) Win32App_aaaaaaaa-0000-0000-0000-000000000001_1\n";

START_TEST(test_timeline)
{
	espdiag_esp *esp = load_fixture("esp-timeline.reg");
	ck_assert_uint_eq(espdiag_esp_snapshot_count(esp), 16);
	const espdiag_esp_snapshot *s = espdiag_esp_snapshot_at(esp, 11);
	ck_assert_str_eq(s->timestamp, "2026-11-20t12:01:00.1234567z");
	ck_assert(s->time_valid);
	ck_assert_int_eq(s->time_unix, 1795176060);
	ck_assert_uint_eq(s->time_100ns, 1234567);
	ck_assert_int_eq(s->category, ESPDIAG_ESP_CAT_SIDECAR);
	ck_assert_str_eq(s->category_name, "Sidecar");
	ck_assert_ptr_null(s->sid);
	ck_assert_uint_eq(s->entry_count, 1);
	ck_assert_str_eq(s->entries[0].id, "Win32App_aaaaaaaa-0000-0000-0000-000000000001_1");
	ck_assert_int_eq(s->entries[0].kind, ESPDIAG_ESP_KIND_WIN32_APP);
	ck_assert_str_eq(s->key, EST "\\ESPTrackingInfo\\Diagnostics\\Sidecar\\2026-11-20t12:01:00.1234567z");
	s = espdiag_esp_snapshot_at(esp, 14);
	ck_assert_str_eq(s->timestamp, "not a time");
	ck_assert(!s->time_valid);
	s = espdiag_esp_snapshot_at(esp, 13);
	ck_assert(s->last_logged_state);
	ck_assert_int_eq(s->category, ESPDIAG_ESP_CAT_LAST_LOGGED_STATE);
	ck_assert_int_eq(s->owner_category, ESPDIAG_ESP_CAT_SIDECAR);
	ck_assert(!s->time_valid);
	s = espdiag_esp_snapshot_at(esp, 6);
	ck_assert_int_eq(s->category, ESPDIAG_ESP_CAT_POLICIES);
	ck_assert_str_eq(s->entries[0].value, "./Vendor/MSFT/Policy/Config/Foo%2FBar/Baz");
	ck_assert_str_eq(s->entries[0].id, "./Vendor/MSFT/Policy/Config/Foo/Bar/Baz");
	ck_assert_str_eq(espdiag_esp_entry_state_name(s, &s->entries[0]), "not_processed");
	ck_assert_str_eq(espdiag_esp_snapshot_at(esp, 7)->timestamp, "2026-11-20T12:05:00Z");
	s = espdiag_esp_snapshot_at(esp, 3);
	ck_assert_int_eq(s->category, ESPDIAG_ESP_CAT_MSI);
	ck_assert_uint_eq(s->entry_count, 2);
	ck_assert_str_eq(s->entries[0].id, "{C093B8CB-4F8B-447F-978C-860C02E418D9}");
	ck_assert_int_eq(s->entries[0].kind, ESPDIAG_ESP_KIND_MSI_APP);
	ck_assert_int_eq(espdiag_esp_snapshot_at(esp, 8)->category, ESPDIAG_ESP_CAT_CERTIFICATES);
	ck_assert_str_eq(espdiag_esp_snapshot_at(esp, 8)->category_name, "ExpectedSCEPCerts");
	ck_assert_int_eq(espdiag_esp_snapshot_at(esp, 5)->category, ESPDIAG_ESP_CAT_CERTIFICATES);
	s = espdiag_esp_snapshot_at(esp, 0);
	ck_assert_int_eq(s->category, ESPDIAG_ESP_CAT_CERTIFICATES);
	ck_assert(!s->entries[0].state.has);
	s = espdiag_esp_snapshot_at(esp, 1);
	ck_assert_int_eq(s->category, ESPDIAG_ESP_CAT_OTHER);
	ck_assert_str_eq(s->category_name, "ExpectedFoo");
	ck_assert_str_eq(espdiag_esp_entry_state_name(s, &s->entries[0]), "unknown");
	s = espdiag_esp_snapshot_at(esp, 15);
	ck_assert_str_eq(s->sid, "S-1-12-1-100");
	ck_assert_str_eq(s->key, EST "\\ESPTrackingInfo\\Diagnostics\\S-1-12-1-100\\Sidecar\\2026-11-20T12:30:00.1Z");

	ck_assert_uint_eq(espdiag_esp_change_count(esp), 16);
	const espdiag_esp_change *c = espdiag_esp_change_at(esp, 11);
	ck_assert_str_eq(c->snapshot->timestamp, "2026-11-20T13:02:00.5+01:00");
	ck_assert_uint_eq(c->previous->state.value, 2);
	ck_assert_int_eq(c->phase, ESPDIAG_ESP_PHASE_DEVICE_SETUP);
	ck_assert_ptr_null(espdiag_esp_change_at(esp, 0)->previous);
	ck_assert_int_eq(espdiag_esp_change_at(esp, 13)->phase, ESPDIAG_ESP_PHASE_ACCOUNT_SETUP);
	ck_assert_ptr_null(espdiag_esp_change_at(esp, 16));

	char *text = capture_timeline(esp, ESPDIAG_ESP_FORMAT_TEXT);
	ck_assert_str_eq(text, timeline_text);
	free(text);
	char *json = capture_timeline(esp, ESPDIAG_ESP_FORMAT_JSON);
	const char *line12 =
		"{\"schema\":\"espdiag-timeline/1\",\"time\":\"2026-11-20T12:02:00.5000000Z\",\"timestamp\":\"2026-11-20T13:02:00.5+01:00\","
		"\"last_logged_state\":false,\"phase\":\"device_setup\",\"context\":\"device\",\"sid\":null,"
		"\"category\":\"sidecar\",\"category_name\":\"Sidecar\",\"kind\":\"win32_app\","
		"\"id\":\"Win32App_aaaaaaaa-0000-0000-0000-000000000001_1\",\"state\":\"completed\","
		"\"state_raw\":3,\"previous\":\"in_progress\",\"evidence\":{\"key\":"
		"\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\Autopilot\\\\EnrollmentStatusTracking"
		"\\\\ESPTrackingInfo\\\\Diagnostics\\\\Sidecar\\\\2026-11-20T13:02:00.5+01:00\","
		"\"value\":\"./Device/Vendor/MSFT/EnrollmentStatusTracking/Setup/Apps/Tracking/Sidecar/"
		"Win32App_aaaaaaaa-0000-0000-0000-000000000001_1\"},\"sources\":[{\"key\":"
		"\"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\Autopilot\\\\EnrollmentStatusTracking"
		"\\\\ESPTrackingInfo\\\\Diagnostics\\\\Sidecar\\\\2026-11-20T13:02:00.5+01:00\","
		"\"value\":\"./Device/Vendor/MSFT/EnrollmentStatusTracking/Setup/Apps/Tracking/Sidecar/"
		"Win32App_aaaaaaaa-0000-0000-0000-000000000001_1\",\"type\":null,\"data\":3,"
		"\"display\":\"completed\"}],\"source\":\"registry\"}\n";
	ck_assert_ptr_nonnull(strstr(json, line12));
	ck_assert_ptr_nonnull(strstr(json, "\"time\":null,\"timestamp\":\"LastLoggedState\",\"last_logged_state\":true,"));
	ck_assert_ptr_nonnull(strstr(json, "\"category\":\"certificates\",\"category_name\":\"ExpectedCertificateProfiles\","
	                                   "\"kind\":\"certificate\",\"id\":\"cert2\",\"state\":\"unknown\",\"state_raw\":null,"));
	size_t lines = 0;
	for (const char *p = json; *p; p++)
		lines += *p == '\n';
	ck_assert_uint_eq(lines, 16);
	free(json);
	ck_assert_int_eq(espdiag_esp_timeline_write(esp, 7, stdout), ESPDIAG_EINVAL);

	ck_assert_uint_eq(espdiag_esp_msi_app_count(esp), 3);
	const espdiag_esp_msi_app *m = espdiag_esp_msi_app_at(esp, 1);
	ck_assert(m->is_ime);
	ck_assert_str_eq(m->product_code, "{C093B8CB-4F8B-447F-978C-860C02E418D9}");
	ck_assert_str_eq(m->sid, "S-0-0-00-0000000000-0000000000-000000000-000");
	ck_assert_uint_eq(m->status.value, 70);
	m = espdiag_esp_msi_app_at(esp, 0);
	ck_assert(!m->is_ime);
	ck_assert_uint_eq(m->status.value, 60);
	ck_assert_str_eq(espdiag_esp_msi_status_name(m->status.value), "enforcement_failed");
	ck_assert_uint_eq(m->last_error.value, 0x80070643u);
	ck_assert_str_eq(m->download_url, "https://contoso.example/lob/app.msi");
	m = espdiag_esp_msi_app_at(esp, 2);
	ck_assert_str_eq(m->sid, "S-1-12-1-100");
	ck_assert_uint_eq(m->status.value, 99);
	ck_assert_ptr_null(m->download_url);

	/* Items: 3 MSI apps, then the latest snapshot of each category other
	 * than Sidecar, MSI and unknown ones, in snapshot order: the three
	 * certificate names, modern apps, network profiles, policies (12:05). */
	ck_assert_uint_eq(espdiag_esp_item_count(esp), 9);
	const espdiag_esp_item *it = espdiag_esp_item_at(esp, 1);
	ck_assert_int_eq(it->kind, ESPDIAG_ESP_KIND_MSI_APP);
	ck_assert(it->is_ime);
	ck_assert(!espdiag_esp_item_at(esp, 0)->is_ime);
	ck_assert_str_eq(espdiag_esp_item_at(esp, 0)->state, "enforcement_failed");
	ck_assert_ptr_null(it->sid);
	ck_assert_str_eq(it->state, "success");
	it = espdiag_esp_item_at(esp, 2);
	ck_assert_str_eq(it->sid, "S-1-12-1-100");
	ck_assert_str_eq(it->state, "unknown");
	ck_assert_int_eq(it->phase, ESPDIAG_ESP_PHASE_ACCOUNT_SETUP);
	it = espdiag_esp_item_at(esp, 7);
	ck_assert_int_eq(it->kind, ESPDIAG_ESP_KIND_POLICY);
	ck_assert_str_eq(it->state, "processed");
	ck_assert_str_eq(it->key, EST "\\ESPTrackingInfo\\Diagnostics\\ExpectedPolicies\\2026-11-20T12:05:00Z");
	ck_assert_str_eq(espdiag_esp_item_at(esp, 5)->id, "Corp WiFi");
	ck_assert_int_eq(espdiag_esp_item_at(esp, 3)->kind, ESPDIAG_ESP_KIND_CERTIFICATE);
	ck_assert_str_eq(espdiag_esp_item_at(esp, 3)->id, "cert2");
	ck_assert_str_eq(espdiag_esp_item_at(esp, 8)->id, "586ac6e6_68d5");
	unload(esp);
}
END_TEST

/* A hostile key: the output stays valid JSON whatever the bytes. */
START_TEST(test_json_hostile)
{
	static const char text[] =
		"Windows Registry Editor Version 5.00\r\n\r\n"
		"[" EST "\\ESPTrackingInfo\\Diagnostics\\Sidecar\\x\"\ty]\r\n"
		"\"./a%00b/%ZZ/%\"=dword:00000001\r\n";
	espdiag_registry *reg = tu_open_text(text);
	ck_assert_ptr_nonnull(reg);
	espdiag_esp *esp = NULL;
	ck_assert_int_eq(espdiag_esp_load(&esp, reg), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_esp_snapshot_count(esp), 1);
	const espdiag_esp_snapshot *s = espdiag_esp_snapshot_at(esp, 0);
	ck_assert_uint_eq(s->entry_count, 1);
	/* %00 decodes to a NUL, which ends the C string; bad escapes stay. */
	ck_assert_str_eq(s->entries[0].id, "./a");
	char *json = capture_timeline(esp, ESPDIAG_ESP_FORMAT_JSON);
	ck_assert_ptr_nonnull(strstr(json, "\"timestamp\":\"x\\\"\\ty\""));
	free(json);
	espdiag_esp_free(esp);
	tu_registry_free(reg);
	ck_assert_int_eq(espdiag_esp_load(NULL, reg), ESPDIAG_EINVAL);
	espdiag_esp_free(NULL);
}
END_TEST

/* A user's app logged in the device's Sidecar snapshot ("./User/" URI)
 * belongs to account setup; the device's own app to device setup. */
START_TEST(test_user_uri_in_device_snapshot)
{
	static const char text[] =
		"Windows Registry Editor Version 5.00\r\n\r\n"
		"[" EST "\\ESPTrackingInfo\\Diagnostics\\Sidecar\\2026-11-20T12:00:00Z]\r\n"
		"\"./Device/Vendor/MSFT/EnrollmentStatusTracking/Setup/Apps/Tracking/Sidecar/Win32App_d_1\"=dword:00000003\r\n"
		"\"./user/Vendor/MSFT/EnrollmentStatusTracking/Setup/Apps/Tracking/Sidecar/Win32App_u_1\"=dword:00000002\r\n";
	espdiag_registry *reg = tu_open_text(text);
	ck_assert_ptr_nonnull(reg);
	espdiag_esp *esp = NULL;
	ck_assert_int_eq(espdiag_esp_load(&esp, reg), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_esp_change_count(esp), 2);
	ck_assert_int_eq(espdiag_esp_change_at(esp, 0)->phase, ESPDIAG_ESP_PHASE_DEVICE_SETUP);
	ck_assert_int_eq(espdiag_esp_change_at(esp, 1)->phase, ESPDIAG_ESP_PHASE_ACCOUNT_SETUP);
	char *tl = capture_timeline(esp, ESPDIAG_ESP_FORMAT_TEXT);
	ck_assert_str_eq(tl, "2026-11-20T12:00:00.0000000Z device_setup device Sidecar win32_app completed(3) Win32App_d_1\n"
	                     "2026-11-20T12:00:00.0000000Z account_setup device Sidecar win32_app in_progress(2) Win32App_u_1\n");
	free(tl);
	espdiag_esp_free(esp);
	tu_registry_free(reg);
}
END_TEST

/* Many snapshots: exact counts, and linear work (a hostile dump may hold
 * hundreds of thousands). Item i flips state every second snapshot. */
START_TEST(test_many_snapshots)
{
	enum { N = 20000 };
	size_t cap = (size_t)N * 200 + 100, len = 0;
	char *text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text + len, cap - len, "Windows Registry Editor Version 5.00\n\n");
	for (int i = 0; i < N; i++) {
		int sec = i % 60, min = i / 60 % 60, hour = i / 3600;
		len += (size_t)snprintf(text + len, cap - len,
		                        "[" EST "\\ESPTrackingInfo\\Diagnostics\\ExpectedPolicies\\"
		                        "2026-11-20T%02d:%02d:%02dZ]\n\"a\"=dword:%08x\n\"b\"=dword:1\n\n",
		                        hour, min, sec, (unsigned)(i / 2 % 2));
	}
	espdiag_registry *reg = tu_open_bytes(text, len, NULL);
	free(text);
	ck_assert_ptr_nonnull(reg);
	espdiag_esp *esp = NULL;
	ck_assert_int_eq(espdiag_esp_load(&esp, reg), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_esp_snapshot_count(esp), N);
	/* "a": its first snapshot, then a change every two; "b": once. */
	ck_assert_uint_eq(espdiag_esp_change_count(esp), 1 + (N / 2 - 1) + 1);
	ck_assert_uint_eq(espdiag_esp_item_count(esp), 2);
	ck_assert_str_eq(espdiag_esp_item_at(esp, 0)->key,
	                 EST "\\ESPTrackingInfo\\Diagnostics\\ExpectedPolicies\\2026-11-20T05:33:19Z");
	espdiag_esp_free(esp);
	tu_registry_free(reg);
}
END_TEST

/* --- the shared corpus --- */

static const char *const app_ids[] = {
	"Win32App_257994ad-acdd-471a-abbe-8e6b7f7713d1_1",
	"Win32App_4ea8ba03-affb-4c97-b458-35dbb6715fe0_2",
	"Win32App_5c2f66a9-e10f-438a-b801-fbbcbe6a99e7_1",
	"Win32App_7d5ca2ed-8361-4765-8d1a-fcf4dfd74033_2",
	"Win32App_8dcc1817-6fde-4bf7-9eea-1539fdf830f9_2",
};

START_TEST(test_corpus_device_app_failed)
{
	const char *path = tu_corpus_path("esp/device-app-failed.reg");
	if (path == NULL)
		return;
	espdiag_esp *esp = load_path(path, NULL);
	static const uint32_t states[] = { 4, 3, 3, 1, 1 };
	const espdiag_esp_setup *d = espdiag_esp_device_setup(esp);
	ck_assert_uint_eq(d->app_count, 5);
	for (size_t i = 0; i < 5; i++) {
		ck_assert_str_eq(d->apps[i]->id, app_ids[i]);
		ck_assert_int_eq(d->apps[i]->kind, ESPDIAG_ESP_KIND_WIN32_APP);
		ck_assert_uint_eq(d->apps[i]->state.value, states[i]);
		ck_assert_ptr_null(d->apps[i]->sid);
	}
	ck_assert_uint_eq(d->apps[0]->version.value, 1);
	ck_assert_str_eq(d->apps[0]->app_guid, "257994ad-acdd-471a-abbe-8e6b7f7713d1");
	const espdiag_esp_provider *ime = espdiag_esp_provider_find(esp, "Sidecar");
	ck_assert_ptr_nonnull(ime);
	ck_assert_int_eq(ime->kind, ESPDIAG_ESP_PROVIDER_SIDECAR);
	ck_assert_uint_eq(ime->state.value, ESPDIAG_ESP_PROVIDER_COMPLETED);
	ck_assert_uint_eq(espdiag_esp_provider_count(esp), 1);

	ck_assert_uint_eq(espdiag_esp_user_setup_count(esp), 1);
	const espdiag_esp_setup *u = espdiag_esp_user_setup_at(esp, 0);
	ck_assert_str_eq(u->sid, "S-1-12-1-3152022831-1036985501-3259704284-1523401844");
	ck_assert_uint_eq(u->app_count, 2);

	/* Every snapshot of every category: device ExpectedPolicies 1,
	 * ExpectedMSIAppPackages 3, Sidecar 3 + LastLoggedState; the user's
	 * ExpectedPolicies 1 and Sidecar 1. */
	ck_assert_uint_eq(espdiag_esp_snapshot_count(esp), 10);
	size_t per_cat[8] = { 0 }, user = 0, entries = 0;
	for (size_t i = 0; i < espdiag_esp_snapshot_count(esp); i++) {
		const espdiag_esp_snapshot *s = espdiag_esp_snapshot_at(esp, i);
		per_cat[s->category]++;
		user += s->sid != NULL;
		entries += s->entry_count;
		ck_assert(s->time_valid || s->last_logged_state);
	}
	ck_assert_uint_eq(per_cat[ESPDIAG_ESP_CAT_POLICIES], 2);
	ck_assert_uint_eq(per_cat[ESPDIAG_ESP_CAT_MSI], 3);
	ck_assert_uint_eq(per_cat[ESPDIAG_ESP_CAT_SIDECAR], 4);
	ck_assert_uint_eq(per_cat[ESPDIAG_ESP_CAT_LAST_LOGGED_STATE], 1);
	ck_assert_uint_eq(user, 2);
	ck_assert_uint_eq(entries, 1 + 3 + 15 + 5 + 1 + 2);

	ck_assert_uint_eq(espdiag_esp_msi_app_count(esp), 1);
	ck_assert(espdiag_esp_msi_app_at(esp, 0)->is_ime);

	ck_assert_int_eq(espdiag_esp_phase_at(esp, 0)->status, ESPDIAG_ESP_STATUS_COMPLETED);
	ck_assert_int_eq(espdiag_esp_phase_at(esp, 1)->status, ESPDIAG_ESP_STATUS_FAILED);
	ck_assert_str_eq(espdiag_esp_phase_at(esp, 1)->key, d->apps[0]->key);
	ck_assert_int_eq(espdiag_esp_phase_at(esp, 2)->status, ESPDIAG_ESP_STATUS_COMPLETED);

	const espdiag_esp_first_sync *f = espdiag_esp_primary_enrollment(esp)->first_sync;
	ck_assert_str_eq(f->custom_error_text,
	                 "Setup could not finish. Call the \"Help Desk\" on x1234 or see \\\\fs01\\it\\esp.");
	ck_assert_uint_eq(f->block_in_status_page.value, 7);
	unload(esp);
}
END_TEST

/* Each app's states in time order, none missing. */
START_TEST(test_corpus_success_timeline)
{
	const char *path = tu_corpus_path("esp/success.reg");
	if (path == NULL)
		return;
	espdiag_esp *esp = load_path(path, NULL);
	char *text = capture_timeline(esp, ESPDIAG_ESP_FORMAT_TEXT);
	static const char *const device_apps[] = {
		"Win32App_d765194f-6cc1-4eaf-9814-37224dc232a6_1",
		"Win32App_5481e736-3495-462a-8ea3-2f2e80b38011_2",
		"Win32App_f4cfd336-641e-4e8d-889b-69d38262cdc5_3",
		"Win32App_a70f268f-2135-4ee6-9acc-d4077b2cce17_2",
	};
	static const char *const times[] = { "2026-11-20T12:30:34.5328775Z",
		                             "2026-11-20T12:31:14.0304773Z",
		                             "2026-11-20T12:31:54.7612572Z" };
	static const char *const states[] = { "not_installed(1)", "in_progress(2)", "completed(3)" };
	for (size_t i = 0; i < 4; i++) {
		const char *prev = text;
		for (size_t j = 0; j < 3; j++) {
			char line[512];
			snprintf(line, sizeof line, "%s device_setup device Sidecar win32_app %s %s\n",
			         times[j], states[j], device_apps[i]);
			const char *at = strstr(text, line);
			ck_assert_msg(at != NULL, "missing: %s", line);
			ck_assert_msg(at >= prev, "out of order: %s", line);
			prev = at;
		}
	}
	static const char *const user_lines[] = {
		"2026-11-20T12:37:34.5465138Z account_setup S-1-12-1-2930549411-3028277857-3798570523-2630434966 Sidecar win32_app completed(3) Win32App_b82962a8-8f03-4fbe-bcef-921586143e14_1\n",
		"2026-11-20T12:37:34.5465138Z account_setup S-1-12-1-2930549411-3028277857-3798570523-2630434966 Sidecar win32_app completed(3) Win32App_b3877f0e-94d4-4ede-95b4-8ad0d810c3f6_1\n",
	};
	for (size_t i = 0; i < 2; i++)
		ck_assert_msg(strstr(text, user_lines[i]) != NULL, "missing: %s", user_lines[i]);
	/* LastLoggedState agrees with the last snapshot: no line of its own. */
	ck_assert_ptr_null(strstr(text, "LastLoggedState"));
	size_t lines = 0;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	/* 12 Win32 changes, 2 user apps, policies 1 + 1 (user), MSI 1, network
	 * 0->1 (2), three SCEP ids (3), modern app 0->1 (2). */
	ck_assert_uint_eq(lines, 12 + 2 + 2 + 1 + 2 + 3 + 2);
	free(text);

	for (size_t i = 0; i < espdiag_esp_phase_count(esp); i++)
		ck_assert_int_eq(espdiag_esp_phase_at(esp, i)->status, ESPDIAG_ESP_STATUS_COMPLETED);
	ck_assert_uint_eq(espdiag_esp_phase_count(esp), 3);
	unload(esp);
}
END_TEST

START_TEST(test_corpus_user_skipped)
{
	const char *path = tu_corpus_path("esp/user-esp-skipped.reg");
	if (path == NULL)
		return;
	espdiag_esp *esp = load_path(path, NULL);
	ck_assert_uint_eq(espdiag_esp_phase_count(esp), 3);
	ck_assert_int_eq(espdiag_esp_phase_at(esp, 1)->status, ESPDIAG_ESP_STATUS_COMPLETED);
	ck_assert_int_eq(espdiag_esp_phase_at(esp, 2)->status, ESPDIAG_ESP_STATUS_SKIPPED);
	ck_assert(espdiag_esp_primary_enrollment(esp)->first_sync->user_page_skipped);
	ck_assert_uint_eq(espdiag_esp_primary_enrollment(esp)->first_sync->skip_user_status_page.value,
	                  0xffffffffu);
	unload(esp);
}
END_TEST

START_TEST(test_corpus_mixed)
{
	const char *path = tu_corpus_path("esp/mixed-msi-win32.reg");
	if (path == NULL)
		return;
	espdiag_esp *esp = load_path(path, NULL);
	ck_assert_uint_eq(espdiag_esp_msi_app_count(esp), 3);
	ck_assert(espdiag_esp_msi_app_at(esp, 0)->is_ime);
	ck_assert(!espdiag_esp_msi_app_at(esp, 1)->is_ime);
	ck_assert(!espdiag_esp_msi_app_at(esp, 2)->is_ime);
	ck_assert_uint_eq(espdiag_esp_msi_app_at(esp, 2)->status.value, 70);
	unload(esp);
}
END_TEST

/* The model of each *.reg equals the model of its *.SOFTWARE.hive, the
 * hive mounted where the caller says and where its base block says. */
START_TEST(test_corpus_reg_equals_hive)
{
	const char *dir = tu_corpus_path("esp");
	if (dir == NULL)
		return;
	char *dirpath = strdup(dir);
	ck_assert_ptr_nonnull(dirpath);
	DIR *d = opendir(dirpath);
	ck_assert_ptr_nonnull(d);
	size_t pairs = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".reg") != 0)
			continue;
		char *reg = NULL, *hive = NULL;
		ck_assert_int_ge(asprintf(&reg, "%s/%s", dirpath, de->d_name), 0);
		ck_assert_int_ge(asprintf(&hive, "%s/%.*s.SOFTWARE.hive", dirpath, (int)(n - 4),
		                          de->d_name), 0);
		if (access(hive, R_OK) != 0) {
			free(reg);
			free(hive);
			continue;
		}
		pairs++;
		espdiag_esp *a = load_path(reg, NULL);
		char *da = model_dump(a);
		unload(a);
		for (int mount = 0; mount < 2; mount++) {
			espdiag_esp *b = load_path(hive, mount ? NULL : "HKEY_LOCAL_MACHINE\\SOFTWARE");
			char *db = model_dump(b);
			unload(b);
			/* Name the first line that differs (Check caps message size). */
			size_t at = 0, line = 1;
			while (da[at] && da[at] == db[at])
				line += da[at++] == '\n';
			while (at > 0 && da[at - 1] != '\n')
				at--;
			ck_assert_msg(strcmp(da, db) == 0,
			              "%s (mount %d): the models differ at line %zu:\nreg:  %.300s\nhive: %.300s",
			              de->d_name, mount, line, da + at, db + at);
			free(db);
		}
		free(da);
		free(reg);
		free(hive);
	}
	closedir(d);
	free(dirpath);
	/* device-app-failed and success have hives today. */
	ck_assert_uint_ge(pairs, 2);
}
END_TEST

Suite *suite_esp(void)
{
	Suite *s = suite_create("esp");
	TCase *tc = tcase_create("model");
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_time_parse);
	tcase_add_test(tc, test_json_escape);
	tcase_add_test(tc, test_absent);
	tcase_add_test(tc, test_enrollments);
	tcase_add_test(tc, test_providers);
	tcase_add_test(tc, test_prep_failed);
	tcase_add_test(tc, test_users);
	tcase_add_test(tc, test_timeline);
	tcase_add_test(tc, test_json_hostile);
	tcase_add_test(tc, test_user_uri_in_device_snapshot);
	tcase_add_test(tc, test_many_snapshots);
	suite_add_tcase(s, tc);
	tc = tcase_create("corpus");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_corpus_device_app_failed);
	tcase_add_test(tc, test_corpus_success_timeline);
	tcase_add_test(tc, test_corpus_user_skipped);
	tcase_add_test(tc, test_corpus_mixed);
	tcase_add_test(tc, test_corpus_reg_equals_hive);
	suite_add_tcase(s, tc);
	return s;
}

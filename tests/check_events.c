/* tests/check_events.c - the model of a bundle's event logs and Autopilot
 * files (lib/esp_events.c, lib/esp_files.c) and the merged timeline
 * (lib/esp_write.c): events read from a log made by tests/evtx_writer.c,
 * in UTC order with their data; damaged chunks as model warnings; and the
 * timeline's order of registry changes, workloads, events and IME log
 * lines (UTC known, local only, untimed), whose log lines are added here
 * the way the IME log part adds them (esp_moment_add). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_private.h"
#include "evtx.h"
#include "evtx_writer.h"
#include "suites.h"
#include "testutil.h"

#include <espdiag/bundle.h>

#define DM "Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin"
#define DMP "Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider"
#define SIDECAR                                                                            \
	"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\EnrollmentStatusTracking\\" \
	"ESPTrackingInfo\\Diagnostics\\Sidecar\\"
#define APP "./Device/Vendor/MSFT/EnrollmentStatusTracking/Setup/Apps/Tracking/Sidecar/Win32App_a_1"

static char *timeline(const espdiag_esp *esp, uint32_t format)
{
	char *s = tu_esp_timeline(esp, format);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* A log moment as the IME log part makes one: local time always, UTC when
 * the clock is known. */
static void add_log(espdiag_esp *esp, int64_t local, bool utc_known, int64_t utc,
                    const char *what, const char *name, uint64_t line)
{
	esp_moment m = { 0 };
	m.source = ESP_MOMENT_LOG;
	m.local_known = true;
	m.local_secs = local;
	m.utc_known = utc_known;
	m.utc_secs = utc;
	m.what = what;
	m.name = name;
	m.member = "AppWorkload.log";
	m.line = line;
	m.message = "a record";
	ck_assert_int_eq(esp_moment_add(esp, &m), ESPDIAG_OK);
}

/* 2024-05-01T12:00:00Z */
#define T0 1714564800

START_TEST(test_timeline_order)
{
	espdiag_registry *reg = tu_open_text(
		"Windows Registry Editor Version 5.00\n\n"
		"[" SIDECAR "2024-05-01T12:00:30Z]\n\"" APP "\"=dword:00000002\n\n"
		"[" SIDECAR "2024-05-01T12:03:00Z]\n\"" APP "\"=dword:00000003\n\n"
		"[" SIDECAR "LastLoggedState]\n\"" APP "\"=dword:00000004\n");
	ck_assert_ptr_nonnull(reg);
	espdiag_esp *esp;
	ck_assert_int_eq(esp_model_new(&esp, reg), ESPDIAG_OK);
	esp_moment ev = { 0 };
	ev.source = ESP_MOMENT_EVENT;
	ev.utc_known = true;
	ev.utc_secs = T0 + 60;
	ev.what = "automatic MDM enrollment failed";
	ev.member = "dm.evtx";
	ev.line = 7;
	ev.channel = DM;
	ev.event_id = 76;
	ev.message = "0x8018002b";
	ck_assert_int_eq(esp_moment_add(esp, &ev), ESPDIAG_OK);
	/* a tie with the registry change at 12:03:00: the change first */
	add_log(esp, T0 + 180 + 7200, true, T0 + 180, "install finished", "7-Zip", 42);
	/* before every UTC line in time, but its UTC is unknown: after them */
	add_log(esp, T0 - 3600, false, 0, "download started", NULL, 12);
	add_log(esp, T0 - 7200, false, 0, "policies received", NULL, 3);
	esp_moment none = { 0 };
	none.source = ESP_MOMENT_LOG;
	none.what = "no time";
	none.member = "AgentExecutor.log";
	none.line = 1;
	ck_assert_int_eq(esp_moment_add(esp, &none), ESPDIAG_OK);
	esp_model_seal(esp);

	char *text = timeline(esp, ESPDIAG_ESP_FORMAT_TEXT);
	ck_assert_str_eq(
		text,
		"2024-05-01T12:00:30.0000000Z device_setup device Sidecar win32_app in_progress(2) "
		"Win32App_a_1\n"
		"2024-05-01T12:01:00.0000000Z event 76 automatic MDM enrollment failed (" DM " #7)\n"
		"2024-05-01T12:03:00.0000000Z device_setup device Sidecar win32_app completed(3) "
		"Win32App_a_1\n"
		"2024-05-01T12:03:00.0000000Z log - install finished: 7-Zip (AppWorkload.log:42)\n"
		"2024-05-01T10:00:00.0000000(local) log - policies received (AppWorkload.log:3)\n"
		"2024-05-01T11:00:00.0000000(local) log - download started (AppWorkload.log:12)\n"
		"LastLoggedState device_setup device Sidecar win32_app error(4) Win32App_a_1\n"
		"- log - no time (AgentExecutor.log:1)\n");
	free(text);

	char *json = timeline(esp, ESPDIAG_ESP_FORMAT_JSON);
	const char *l = json;
	for (int i = 0; i < 3; i++)
		l = strchr(l, '\n') + 1;
	const char *want4 =
		"{\"schema\":\"espdiag-timeline/1\",\"time\":\"2024-05-01T12:03:00.0000000Z\","
		"\"local_time\":\"2024-05-01T14:03:00.0000000\",\"clock\":\"utc\",\"source\":\"log\","
		"\"what\":\"install finished\",\"subject\":null,\"name\":\"7-Zip\","
		"\"member\":\"AppWorkload.log\",\"line\":42,\"message\":\"a record\",\"sources\":"
		"[{\"key\":\"AppWorkload.log\",\"value\":null,\"type\":null,\"data\":null,"
		"\"display\":\"a record\",\"path\":\"AppWorkload.log\",\"line\":42}]}\n"
		"{\"schema\":\"espdiag-timeline/1\",\"time\":null,"
		"\"local_time\":\"2024-05-01T10:00:00.0000000\",\"clock\":\"local\",\"source\":\"log\",";
	ck_assert_int_eq(strncmp(l, want4, strlen(want4)), 0);
	const char *want2 =
		"{\"schema\":\"espdiag-timeline/1\",\"time\":\"2024-05-01T12:01:00.0000000Z\","
		"\"local_time\":null,\"clock\":\"utc\",\"source\":\"event\",\"what\":\"automatic MDM "
		"enrollment failed\",\"subject\":null,\"name\":null,\"member\":\"dm.evtx\",\"channel\":\"" DM
		"\",\"event_id\":76,\"record_id\":7,\"message\":\"0x8018002b\",\"sources\":[{\"key\":"
		"\"dm.evtx\",\"value\":null,\"type\":null,\"data\":null,\"display\":\"0x8018002b\","
		"\"path\":\"dm.evtx\",\"line\":7}]}\n";
	ck_assert_ptr_nonnull(strstr(json, want2));
	ck_assert_ptr_nonnull(strstr(json, "\"clock\":\"unknown\",\"source\":\"log\",\"what\":\"no time\""));
	ck_assert_ptr_nonnull(strstr(json, "\"last_logged_state\":true,"));
	free(json);
	espdiag_esp_free(esp);
	tu_registry_free(reg);
}
END_TEST

/* An event log of four records, out of time order, one of another
 * channel; written to memory and opened as a bundle. */
static unsigned char *make_log(size_t *size, bool damage)
{
	ew_log w;
	ew_init(&w);
	ew_data d1[] = { { "", "Unknown Win32 Error code: 0x8018002b" } };
	ew_data d2[] = { { "State", "3" }, { "Extra", "x" } };
	ew_event e1 = { DMP, NULL, 76, 2, ew_filetime(2024, 5, 1, 12, 1, 0, 5), DM, NULL, d1, 1, NULL };
	ew_event e2 = { DMP, NULL, 109, 4, ew_filetime(2024, 5, 1, 12, 0, 0, 0), DM, NULL, d2, 2, NULL };
	ew_event e3 = { DMP, NULL, 72, 4, ew_filetime(2024, 5, 1, 12, 1, 0, 5), DM, NULL, NULL, 0, NULL };
	ew_event e4 = { "Other", NULL, 1, 4, ew_filetime(2024, 5, 1, 11, 0, 0, 0),
		        "Microsoft-Windows-Other/Operational", NULL, NULL, 0, NULL };
	ew_add(&w, &e1);
	ew_add(&w, &e2);
	ew_add(&w, &e3);
	ew_add(&w, &e4);
	ew_finish(&w);
	if (damage) /* a byte of the records: their CRC-32 no longer matches */
		w.buf[ew_chunk_offset(0) + 512 + 40] ^= 0x01;
	unsigned char *buf = malloc(w.size);
	memcpy(buf, w.buf, w.size);
	*size = w.size;
	ew_free(&w);
	return buf;
}

START_TEST(test_bundle_events)
{
	if (!esp_evtx_supported())
		return;
	size_t size;
	unsigned char *data = make_log(&size, false);
	espdiag_bundle *b;
	ck_assert_int_eq(espdiag_bundle_new(&b, NULL), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_bundle_open_memory(b, data, size, "admin.evtx"), ESPDIAG_OK);
	espdiag_esp *esp;
	ck_assert_int_eq(espdiag_esp_load_bundle(&esp, b), ESPDIAG_OK);
	espdiag_bundle_free(b);
	free(data);
	/* the model keeps what it copied: the bundle and its bytes are gone */
	ck_assert_uint_eq(espdiag_esp_event_count(esp), 3);
	const espdiag_esp_event *e = espdiag_esp_event_at(esp, 0);
	ck_assert_uint_eq(e->event_id, 109);
	ck_assert_str_eq(e->utc_time, "2024-05-01T12:00:00.0000000Z");
	ck_assert_uint_eq(e->data_count, 2);
	ck_assert_str_eq(e->data[0].name, "State");
	ck_assert_str_eq(e->data[0].value, "3");
	ck_assert_str_eq(e->data[1].value, "x");
	ck_assert_str_eq(e->member, "admin.evtx");
	ck_assert_str_eq(e->channel, DM);
	ck_assert_str_eq(e->provider, DMP);
	ck_assert_uint_eq(e->record_id, 2);
	ck_assert(!e->recovered);
	/* a tie keeps the read order: 76 (record 1) before 72 (record 3) */
	e = espdiag_esp_event_at(esp, 1);
	ck_assert_uint_eq(e->event_id, 76);
	ck_assert_uint_eq(e->level, 2);
	ck_assert_uint_eq(e->time_100ns, 5);
	ck_assert_uint_eq(espdiag_esp_event_at(esp, 2)->event_id, 72);
	ck_assert_uint_eq(espdiag_esp_event_at(esp, 2)->data_count, 0);
	ck_assert_ptr_null(espdiag_esp_event_at(esp, 3));
	ck_assert_ptr_null(espdiag_esp_ztd_info(esp));
	ck_assert_ptr_null(espdiag_esp_collection_info(esp));
	ck_assert_uint_eq(espdiag_esp_device_hash_count(esp), 0);
	ck_assert_uint_eq(espdiag_esp_warning_count(esp), 0);
	char *text = timeline(esp, ESPDIAG_ESP_FORMAT_TEXT);
	ck_assert_str_eq(text,
	                 "2024-05-01T12:00:00.0000000Z event 109 offline domain join state 3 (timed "
	                 "out) (" DM " #2)\n"
	                 "2024-05-01T12:01:00.0000005Z event 76 automatic MDM enrollment failed (" DM
	                 " #1)\n"
	                 "2024-05-01T12:01:00.0000005Z event 72 MDM enrollment succeeded (" DM " #3)\n");
	free(text);
	char *json = tu_esp_json(esp, ESPDIAG_ESP_JSON_EVENTS | ESPDIAG_ESP_JSON_FILES);
	ck_assert_str_eq(
		json,
		"\"events\":[{\"member\":\"admin.evtx\",\"channel\":\"" DM "\",\"provider\":\"" DMP
		"\",\"event_id\":109,\"level\":4,\"time\":\"2024-05-01T12:00:00.0000000Z\","
		"\"record_id\":2,\"recovered\":false,\"data\":[{\"name\":\"State\",\"value\":\"3\"},"
		"{\"name\":\"Extra\",\"value\":\"x\"}]},{\"member\":\"admin.evtx\",\"channel\":\"" DM
		"\",\"provider\":\"" DMP "\",\"event_id\":76,\"level\":2,\"time\":"
		"\"2024-05-01T12:01:00.0000005Z\",\"record_id\":1,\"recovered\":false,\"data\":"
		"[{\"name\":\"\",\"value\":\"Unknown Win32 Error code: 0x8018002b\"}]},{\"member\":"
		"\"admin.evtx\",\"channel\":\"" DM "\",\"provider\":\"" DMP "\",\"event_id\":72,"
		"\"level\":4,\"time\":\"2024-05-01T12:01:00.0000005Z\",\"record_id\":3,\"recovered\":"
		"false,\"data\":[]}],\"ztd\":null,\"device_hashes\":[],\"collection\":null");
	free(json);
	espdiag_esp_free(esp);

	/* A damaged chunk: its records stay, the damage is a model warning. */
	data = make_log(&size, true);
	ck_assert_int_eq(espdiag_bundle_new(&b, NULL), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_bundle_open_memory(b, data, size, "admin.evtx"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_esp_load_bundle(&esp, b), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_esp_warning_count(esp), 1);
	ck_assert_str_eq(espdiag_esp_warning_at(esp, 0)->message,
	                 "admin.evtx: chunk 0 at offset 0x1000: records CRC-32 0x4e90f0d1 does not "
	                 "match their bytes (0x6b8ad3cc); its records may be damaged");
	espdiag_esp_free(esp);
	espdiag_bundle_free(b);
	free(data);
}
END_TEST

START_TEST(test_no_bundle)
{
	ck_assert_uint_eq(espdiag_esp_event_count(NULL), 0);
	ck_assert_ptr_null(espdiag_esp_event_at(NULL, 0));
	ck_assert_ptr_null(espdiag_esp_ztd_info(NULL));
	ck_assert_uint_eq(espdiag_esp_device_hash_count(NULL), 0);
	ck_assert_ptr_null(espdiag_esp_device_hash_at(NULL, 0));
	ck_assert_ptr_null(espdiag_esp_collection_info(NULL));
	espdiag_registry *reg = tu_open_text("Windows Registry Editor Version 5.00\n\n");
	espdiag_esp *esp;
	ck_assert_int_eq(espdiag_esp_load(&esp, reg), ESPDIAG_OK);
	ck_assert_uint_eq(espdiag_esp_event_count(esp), 0);
	ck_assert_ptr_null(espdiag_esp_ztd_info(esp));
	char *json = tu_esp_json(esp, ESPDIAG_ESP_JSON_EVENTS | ESPDIAG_ESP_JSON_FILES);
	ck_assert_str_eq(json, "\"events\":[],\"ztd\":null,\"device_hashes\":[],\"collection\":null");
	free(json);
	espdiag_esp_free(esp);
	tu_registry_free(reg);
}
END_TEST

Suite *suite_events(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("model");
	tcase_add_test(tc, test_timeline_order);
	tcase_add_test(tc, test_bundle_events);
	tcase_add_test(tc, test_no_bundle);
	suite_add_tcase(s, tc);
	return s;
}

/* tests/check_html.c - the HTML report: escaping for HTML and SVG, name
 * elision, the chart built from the model (rows, bars, times, phases,
 * timeouts), device preparation's (v2) workload rows, the bundle's moments
 * as markers with the device's local time, the document's parts and the
 * API's errors. The browser and
 * tidy checks are in tests/html.sh and tests/html_browser.py. */
#include <check.h>
#include <espdiag/bundle.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "html_moments.h"
#include "suites.h"
#include "testutil.h"

/* What fn wrote to a memory stream, malloc'd. */
#define CAPTURE(buf, call)                                                                   \
	do {                                                                                 \
		size_t len_;                                                                 \
		FILE *out = open_memstream(&(buf), &len_);                                   \
		ck_assert_ptr_nonnull(out);                                                  \
		call;                                                                        \
		ck_assert_int_eq(fclose(out), 0);                                            \
	} while (0)

static const struct {
	const char *in, *want;
} escapes[] = {
	{ "plain text 1.2", "plain text 1.2" },
	{ "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ "\"><img src=x onerror=alert(2)>", "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" },
	{ "]]><![CDATA[", "]]&gt;&lt;![CDATA[" },
	{ "a'b&c", "a&#39;b&amp;c" },
	{ "e\x1b[2J\x07", "e\\u001b[2J\\u0007" },
	{ "tab\tnl\ncr\r\x7f", "tab\\u0009nl\\u000acr\\u000d\\u007f" },
	{ "csi\xc2\x9bx", "csi\\u009bx" },
	{ "rlo\xe2\x80\xae|\xe2\x81\xa6|\xe2\x80\xa8", "rlo\\u202e|\\u2066|\\u2028" },
	{ "non\xef\xb7\x90\xef\xbf\xbf\xf0\x9f\xbf\xbe", "non\\ufdd0\\uffff\\u1fffe" },
	{ "bad\xff\xc3(", "bad\xef\xbf\xbd\xef\xbf\xbd(" },
	{ "cut\xe2\x82", "cut\xef\xbf\xbd\xef\xbf\xbd" },
	{ "sur\xed\xa0\x80", "sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "over\xc0\xaf", "over\xef\xbf\xbd\xef\xbf\xbd" },
	{ "ok \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "ok \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" },
};

START_TEST(test_escape)
{
	char *buf = NULL;
	CAPTURE(buf, ck_assert_int_eq(html_cstr(out, escapes[_i].in), 0));
	ck_assert_str_eq(buf, escapes[_i].want);
	free(buf);
}
END_TEST

static const struct {
	const char *in;
	size_t max;
	const char *want;
} elisions[] = {
	{ "abcdefghij", 10, "abcdefghij" },
	{ "abcdefghij", 5, "ab\xe2\x80\xa6ij" },
	{ "abcdefghijk", 6, "ab\xe2\x80\xa6ijk" },
	{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 5,
	  "\xc3\xa9\xc3\xa9\xe2\x80\xa6\xc3\xa9\xc3\xa9" },
	{ "<<<<<<<<", 5, "&lt;&lt;\xe2\x80\xa6&lt;&lt;" },
	{ "\xff\xff\xff\xff\xff\xff", 5,
	  "\xef\xbf\xbd\xef\xbf\xbd\xe2\x80\xa6\xef\xbf\xbd\xef\xbf\xbd" },
};

START_TEST(test_elide)
{
	char *buf = NULL;
	CAPTURE(buf, ck_assert_int_eq(html_elided(out, elisions[_i].in, elisions[_i].max), 0));
	ck_assert_str_eq(buf, elisions[_i].want);
	free(buf);
}
END_TEST

typedef struct loaded {
	espdiag_registry *reg;
	espdiag_esp *esp;
	espdiag_report *report;
} loaded;

static void load(loaded *l, const char *path)
{
	ck_assert_int_eq(espdiag_registry_new(&l->reg), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_registry_open_file(l->reg, path, NULL, NULL), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_esp_load(&l->esp, l->reg), ESPDIAG_OK);
	espdiag_diagnose_options o = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	o.registry = l->reg;
	ck_assert_int_eq(espdiag_diagnose(&l->report, l->esp, &o), ESPDIAG_OK);
}

static void unload(loaded *l)
{
	espdiag_report_free(l->report);
	espdiag_esp_free(l->esp);
	espdiag_registry_free(l->reg);
}

static const char sample[] = TEST_DATA_DIR "/../../examples/data/MDMDiagReport_RegistryDump.reg";

/* The sample's snapshots, in milliseconds since 1970. */
#define T1 1795511523123LL /* 2026-11-24T09:12:03.123 */
#define T2 1795511981500LL /* 2026-11-24T09:19:41.500 */
#define T3 1795514287250LL /* 2026-11-24T09:58:07.250 */

static const chart_row *row_named(const chart *c, const char *id)
{
	for (size_t i = 0; i < c->row_count; i++)
		if (strcmp(c->rows[i]->id, id) == 0)
			return c->rows[i];
	ck_abort_msg("no row %s", id);
	return NULL;
}

START_TEST(test_chart_sample)
{
	loaded l;
	chart c;
	load(&l, sample);
	chart_init(&c);
	ck_assert_int_eq(chart_from_esp(&c, l.esp), ESPDIAG_OK);
	ck_assert_int_eq(chart_finish(&c), ESPDIAG_OK);
	chart_link_findings(&c, l.report);

	/* Timed rows by start, then the provider, which keeps no time. */
	static const char *const order[] = {
		"{4E9A1C2B-7D3F-4B8E-9C1A-2F3E4D5C6B7A}",
		"./Vendor/MSFT/DMClient/Provider/MS DM Server/EntDMID",
		"Win32App_0f3c1e9a-5b7d-4c2e-9a8f-1b2c3d4e5f60_1",
		"Win32App_7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3",
		"Win32App_c1d2e3f4-a5b6-4c7d-8e9f-a0b1c2d3e4f5_2",
		"Sidecar",
	};
	ck_assert_uint_eq(c.row_count, 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(c.rows[i]->id, order[i]);

	const chart_row *failed = row_named(&c, order[3]);
	ck_assert_str_eq(failed->name, "Win32 app 7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d (revision 3)");
	ck_assert_str_eq(failed->subject_id, "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d");
	ck_assert_str_eq(failed->state, "error");
	ck_assert_int_eq(failed->final, CHART_FAILED);
	ck_assert_uint_eq(failed->bar_count, 3);
	static const struct {
		chart_time start, end;
		chart_state state;
	} bars[] = {
		{ T1, T2, CHART_NOT_INSTALLED },
		{ T2, T3, CHART_IN_PROGRESS },
		{ T3, T3, CHART_FAILED },
	};
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(failed->bars[i].start, bars[i].start);
		ck_assert_int_eq(failed->bars[i].end, bars[i].end);
		ck_assert_int_eq(failed->bars[i].state, bars[i].state);
	}
	ck_assert_str_eq(failed->bars[2].key,
	                 "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\"
	                 "EnrollmentStatusTracking\\ESPTrackingInfo\\Diagnostics\\Sidecar\\"
	                 "2026-11-24T09:58:07.25Z");
	ck_assert_uint_eq(failed->marker_count, 1);
	ck_assert_int_eq(failed->markers[0].t, T3);
	ck_assert_int_eq(failed->markers[0].kind, CHART_MARK_FAILURE);
	ck_assert(failed->has_duration && !failed->duration_upper_bound);
	ck_assert_int_eq(failed->duration, T3 - T2);
	ck_assert_int_eq(failed->finding, 0);
	ck_assert(failed->app);

	/* Completed between two snapshots without "in progress": at most. */
	const chart_row *done = row_named(&c, order[2]);
	ck_assert(done->has_duration && done->duration_upper_bound);
	ck_assert_int_eq(done->duration, T2 - T1);
	ck_assert_uint_eq(done->bar_count, 2);
	ck_assert_int_eq(done->bars[1].end, T3);

	const chart_row *ime = row_named(&c, order[0]);
	ck_assert_str_eq(ime->name,
	                 "Intune Management Extension (MSI {4E9A1C2B-7D3F-4B8E-9C1A-2F3E4D5C6B7A})");
	ck_assert_str_eq(ime->state, "success");
	ck_assert(!ime->app);
	const chart_row *prov = row_named(&c, "Sidecar");
	ck_assert_uint_eq(prov->bar_count, 0);
	ck_assert_str_eq(prov->no_time, "device-preparation provider keys keep no time");

	/* Phases: device setup spans the changes; device preparation has no
	 * start, FirstSync's Timestamp being a year earlier (a note says so). */
	ck_assert_uint_eq(c.band_count, 3);
	ck_assert(!c.bands[0].has_span);
	ck_assert(c.bands[1].has_span);
	ck_assert_int_eq(c.bands[1].start, T1);
	ck_assert_int_eq(c.bands[1].end, T3);
	ck_assert_uint_eq(c.bands[1].status, ESPDIAG_ESP_STATUS_FAILED);
	ck_assert(!c.bands[2].has_span);
	ck_assert_uint_eq(c.marker_count, 0);
	ck_assert_uint_eq(c.note_count, 1);
	ck_assert_str_eq(c.notes[0], "FirstSync's Timestamp (2025-01-03T19:03:52.2392064Z) is more "
	                             "than a day before device setup's first change: not drawn as "
	                             "the ESP's start.");
	ck_assert_uint_eq(c.line_count, 1);
	ck_assert_int_eq(c.lines[0].t, T1 + 60 * 60000);
	ck_assert_str_eq(c.lines[0].value, "SyncFailureTimeout");
	/* The axis: the timeout and a 2 % margin each side. */
	chart_time span = 60 * 60000;
	ck_assert_int_eq(c.t0, T1 - span / 50);
	ck_assert_int_eq(c.t1, T1 + span + span / 50);
	chart_free(&c);
	unload(&l);
}
END_TEST

/* Occurrences of needle in hay. */
static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

START_TEST(test_document)
{
	loaded l;
	char *buf = NULL;
	load(&l, sample);
	CAPTURE(buf, ck_assert_int_eq(espdiag_report_write_html(l.report, l.esp, NULL, out),
	                              ESPDIAG_OK));
	ck_assert_ptr_nonnull(strstr(buf, "<!DOCTYPE html>\n<html lang=\"en\">"));
	ck_assert_ptr_nonnull(strstr(buf, "content=\"default-src 'none'; style-src 'unsafe-inline'; "
	                                  "script-src 'sha256-"));
	ck_assert_ptr_nonnull(strstr(buf, "data-rows=\"6\" data-bars=\"8\" data-markers=\"1\""));
	ck_assert_uint_eq(count(buf, "data-bar=\""), 8);
	ck_assert_uint_eq(count(buf, "data-row=\""), 6);
	ck_assert_uint_eq(count(buf, "data-marker=\"failure\""), 1);
	ck_assert_uint_eq(count(buf, "data-line=\"timeout\""), 1);
	ck_assert_uint_eq(count(buf, "data-nobar=\"1\""), 1);
	ck_assert_uint_eq(count(buf, "data-app=\""), 3);
	ck_assert_uint_eq(count(buf, "data-finding=\"app-install-failed\""), 2); /* article, row */
	ck_assert_uint_eq(count(buf, "data-finding=\"app-install-incomplete\""), 1);
	ck_assert_uint_eq(count(buf, "data-run=\""), 1);
	ck_assert_uint_eq(count(buf, "<nav"), 0);
	/* One script, the filter, last. */
	ck_assert_uint_eq(count(buf, "<script"), 1);
	ck_assert_ptr_nonnull(strstr(buf, "</main>\n<script>(function () {\n'use strict';\n"));
	ck_assert_ptr_nonnull(strstr(buf, "})();\n</script>\n</body>\n</html>\n"));
	ck_assert_ptr_nonnull(strstr(buf, "<title>ESP report: "));
	ck_assert_ptr_nonnull(strstr(buf, "<td>&#8804; 7 min 38 s</td>"));
	ck_assert_ptr_nonnull(strstr(buf, "<td>38 min 25 s</td>"));
	free(buf);

	/* Without the model: the findings, no chart. */
	CAPTURE(buf, ck_assert_int_eq(espdiag_report_write_html(l.report, NULL, NULL, out),
	                              ESPDIAG_OK));
	ck_assert_ptr_nonnull(strstr(buf, "No timeline: the ESP model was not given to the writer."));
	ck_assert_uint_eq(count(buf, "<svg"), 0);
	ck_assert_uint_eq(count(buf, "<article"), 2);
	free(buf);

	/* Several inputs, one unreadable: an index first; a title. */
	espdiag_html *h;
	espdiag_html_options o = ESPDIAG_HTML_OPTIONS_INIT;
	o.title = "Fleet <check>";
	ck_assert_int_eq(espdiag_html_new(&h, &o), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_html_add(h, l.report, l.esp), ESPDIAG_OK);
	unload(&l);
	ck_assert_int_eq(espdiag_html_add_error(h, "gone<1>.reg", "No such file"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_html_add_error(h, "x.reg", NULL), ESPDIAG_OK);
	CAPTURE(buf, ck_assert_int_eq(espdiag_html_write(h, out), ESPDIAG_OK));
	ck_assert_ptr_nonnull(strstr(buf, "<title>Fleet &lt;check&gt;</title>"));
	ck_assert_ptr_nonnull(strstr(buf, "<h2>Inputs (3)</h2>"));
	ck_assert_ptr_nonnull(strstr(buf, "<li><a href=\"#run-2\">gone&lt;1&gt;.reg</a> &#8212; "
	                                  "<span class=\"error\">could not be read</span></li>"));
	ck_assert_ptr_nonnull(strstr(buf, "This input could not be read: No such file.</p>"));
	ck_assert_ptr_nonnull(strstr(buf, "This input could not be read.</p>"));
	ck_assert_uint_eq(count(buf, "data-run=\""), 3);
	ck_assert(strstr(buf, "id=\"run-1\"") < strstr(buf, "id=\"run-3\""));
	free(buf);
	espdiag_html_free(h);
}
END_TEST

/* --- device preparation (v2) --- */

/* v2-workload-failed.reg's workload times, in milliseconds since 1970. */
#define V0 1718877600000LL /* 2024-06-20T10:00:00Z, Company Portal starts */
#define V1 1718877660000LL /* 10:01:00, it ends and 7-Zip starts */
#define V2 1718877900500LL /* 10:05:00.5, 7-Zip fails */
#define W2 "c0ffee00-0000-4000-8000-000000000002"

static const char v2_failed[] = TEST_DATA_DIR "/v2-workload-failed.reg";

START_TEST(test_chart_v2)
{
	loaded l;
	chart c;
	load(&l, v2_failed);
	chart_init(&c);
	ck_assert_int_eq(chart_from_esp(&c, l.esp), ESPDIAG_OK);
	ck_assert_int_eq(chart_finish(&c), ESPDIAG_OK);
	chart_link_findings(&c, l.report);

	/* The page's band: PageStatus 4, from the first workload time to the last. */
	ck_assert_uint_eq(c.band_count, 1);
	ck_assert_uint_eq(c.bands[0].phase, CHART_PHASE_DEVPREP_V2);
	ck_assert_uint_eq(c.bands[0].status, ESPDIAG_ESP_STATUS_FAILED);
	ck_assert(c.bands[0].has_span);
	ck_assert_int_eq(c.bands[0].start, V0);
	ck_assert_int_eq(c.bands[0].end, V2);
	ck_assert_str_eq(c.bands[0].key, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Provisioning\\"
	                                 "AutopilotSettings\\DevicePreparation");

	/* Timed rows by start, the skipped script (DateTime.MinValue: no time) last. */
	ck_assert_uint_eq(c.row_count, 3);
	ck_assert_str_eq(c.rows[0]->name, "Company Portal");
	ck_assert_str_eq(c.rows[1]->name, "7-Zip");
	ck_assert_str_eq(c.rows[2]->name, "Set time zone");
	const chart_row *cp = c.rows[0], *zip = c.rows[1], *tz = c.rows[2];
	ck_assert_str_eq(cp->kind, "workload");
	ck_assert_uint_eq(cp->phase, CHART_PHASE_DEVPREP_V2);
	ck_assert_uint_eq(cp->bar_count, 2);
	ck_assert_int_eq(cp->bars[0].start, V0);
	ck_assert_int_eq(cp->bars[0].end, V1);
	ck_assert_int_eq(cp->bars[0].state, CHART_IN_PROGRESS);
	ck_assert_str_eq(cp->bars[0].state_name, "started");
	ck_assert_int_eq(cp->bars[1].start, V1);
	ck_assert_int_eq(cp->bars[1].end, V2);   /* its last state lasts to the band's end */
	ck_assert_int_eq(cp->bars[1].state, CHART_COMPLETED);
	ck_assert_uint_eq(cp->marker_count, 0);
	ck_assert_int_eq(cp->final, CHART_COMPLETED);
	ck_assert(cp->has_duration && !cp->duration_upper_bound);
	ck_assert_int_eq(cp->duration, V1 - V0);
	ck_assert(!cp->has_exit_code && !cp->has_error_code);

	ck_assert_str_eq(zip->id, W2);
	ck_assert_uint_eq(zip->bar_count, 2);
	ck_assert_int_eq(zip->bars[0].start, V1);
	ck_assert_int_eq(zip->bars[0].end, V2);
	ck_assert_int_eq(zip->bars[1].start, V2);
	ck_assert_int_eq(zip->bars[1].end, V2);
	ck_assert_int_eq(zip->bars[1].state, CHART_FAILED);
	ck_assert_str_eq(zip->bars[1].state_name, "failed");
	ck_assert_uint_eq(zip->marker_count, 1);
	ck_assert_int_eq(zip->markers[0].t, V2);
	ck_assert_int_eq(zip->markers[0].kind, CHART_MARK_FAILURE);
	ck_assert_str_eq(zip->markers[0].label, "turned failed (ErrorCode 1603)");
	ck_assert_int_eq(zip->final, CHART_FAILED);
	ck_assert(zip->has_exit_code && !zip->has_error_code);
	ck_assert_int_eq(zip->exit_code, 1603);
	ck_assert_int_eq(zip->duration, V2 - V1);
	ck_assert(zip->app);
	/* apv2-workload-failed is the report's first finding. */
	ck_assert_int_eq(zip->finding, 0);

	ck_assert_uint_eq(tz->bar_count, 0);
	ck_assert_int_eq(tz->final, CHART_OTHER);
	ck_assert_str_eq(tz->state, "skipped");
	ck_assert_str_eq(tz->no_time, "its StartTime and EndTime in ProvisioningProgress are no "
	                              "times");

	/* PageTimeoutSeconds 3600 from the first workload's start. */
	ck_assert_uint_eq(c.line_count, 1);
	ck_assert_int_eq(c.lines[0].t, V0 + 3600 * 1000);
	ck_assert_str_eq(c.lines[0].label, "timeout: 60 min after the first device preparation "
	                                   "workload began (PageTimeoutSeconds 3600)");
	ck_assert_str_eq(c.lines[0].value, "PageSettings");
	ck_assert(!c.has_utc_offset);
	chart_free(&c);
	unload(&l);
}
END_TEST

START_TEST(test_document_v2)
{
	loaded l;
	char *buf = NULL;
	load(&l, v2_failed);
	CAPTURE(buf, ck_assert_int_eq(espdiag_report_write_html(l.report, l.esp, NULL, out),
	                              ESPDIAG_OK));
	ck_assert_ptr_nonnull(strstr(buf, "data-rows=\"3\" data-bars=\"4\" data-markers=\"1\""));
	ck_assert_uint_eq(count(buf, "<g data-row=\"workload\""), 3);
	ck_assert_uint_eq(count(buf, "data-bar=\""), 4);
	ck_assert_uint_eq(count(buf, "data-marker=\"failure\""), 1);
	ck_assert_uint_eq(count(buf, "data-line=\"timeout\""), 1);
	ck_assert_ptr_nonnull(strstr(buf, "<g class=\"lane\" data-band=\"device_preparation_v2\" "
	                                  "data-status=\"failed\"><text class=\"lane-label\" "
	                                  "x=\"8.0\" y=\"53.0\">Device preparation (v2): failed"));
	ck_assert_ptr_nonnull(strstr(buf, "<g data-row=\"workload\" data-state=\"failed\" "
	                                  "data-finding=\"apv2-workload-failed\">"));
	ck_assert_ptr_nonnull(strstr(buf, "<title>7-Zip\nfailed at 2024-06-20 10:05:00.500 UTC\n"
	                                  "evidence: HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\"
	                                  "IntuneManagementExtension\\Win32Apps\\"
	                                  "ProvisioningProgress</title>"));
	ck_assert_ptr_nonnull(strstr(buf, "<title>7-Zip\nstarted 2024-06-20 10:01:00 to "
	                                  "10:05:00.500 UTC (4 min)\n"));
	ck_assert_ptr_nonnull(strstr(buf, "id: " W2 "\nDevice preparation (v2), last state: "
	                                  "failed\nfinding apv2-workload-failed: "));
	ck_assert_ptr_nonnull(strstr(buf, "no bar: its StartTime and EndTime in "
	                                  "ProvisioningProgress are no times</text>"));
	/* The apps table: the workloads, 7-Zip with its time and exit code. */
	ck_assert_uint_eq(count(buf, "<tr data-app=\"workload\""), 3);
	ck_assert_ptr_nonnull(strstr(buf, "<tr data-app=\"workload\" class=\"failed\"><td>7-Zip</td>"
	                                  "<td><code>" W2 "</code></td><td>Device preparation (v2)"
	                                  "</td><td>failed</td><td>&#8212;</td>"
	                                  "<td>4 min</td>"
	                                  "<td></td><td>1603</td></tr>"));
	ck_assert_ptr_nonnull(strstr(buf, "<dt>Device preparation timeout</dt><dd>3600 s "
	                                  "(PageTimeoutSeconds)</dd>"));
	ck_assert_ptr_nonnull(strstr(buf, "<p class=\"note\">Device preparation (v2): its "
	                                  "workloads' times are the IME's StartTime and EndTime"));
	/* No clock in the registry: UTC only, and said so. */
	ck_assert_ptr_nonnull(strstr(buf, "<dt>Device time</dt><dd>offset from UTC unknown: times "
	                                  "are UTC only</dd>"));
	ck_assert_ptr_nonnull(strstr(buf, ">the device&#39;s offset from UTC is unknown</text>"));
	ck_assert_uint_eq(count(buf, "; local "), 0);
	free(buf);
	unload(&l);
}
END_TEST

/* --- the bundle's moments and the device's clock --- */

static const char hostile[] = TU_HOSTILE;

/* The sample's model with tests/html_moments.c's moments. */
static void load_moments(loaded *l, bool clock, int32_t offset)
{
	ck_assert_int_eq(tu_html_moments(sample, clock, offset, &l->reg, &l->esp, &l->report),
	                 ESPDIAG_OK);
}

START_TEST(test_chart_moments)
{
	loaded l;
	chart c;
	load_moments(&l, true, 60);
	chart_init(&c);
	ck_assert_int_eq(chart_from_esp(&c, l.esp), ESPDIAG_OK);
	ck_assert_int_eq(chart_finish(&c), ESPDIAG_OK);
	ck_assert(c.has_utc_offset);
	ck_assert_int_eq(c.utc_offset_minutes, 60);
	/* The event and the log record that names no row: on the lane. */
	ck_assert_uint_eq(c.marker_count, 2);
	ck_assert_int_eq(c.markers[0].kind, CHART_MARK_EVENT);
	ck_assert_int_eq(c.markers[0].t, (T2 / 1000 + 60) * 1000 + 250);
	ck_assert_str_eq(c.markers[0].label, "enrollment event");
	ck_assert_str_eq(c.markers[0].source, "event log");
	ck_assert_str_eq(c.markers[0].evidence,
	                 "Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin "
	                 "event 72, record 42 in evtx/Admin.evtx");
	ck_assert_str_eq(c.markers[0].detail, hostile);
	ck_assert_int_eq(c.markers[1].kind, CHART_MARK_LOG);
	ck_assert_int_eq(c.markers[1].t, (T3 / 1000 - 7) * 1000);
	ck_assert_str_eq(c.markers[1].evidence, "Logs/AppWorkload<1>.log line 7");
	ck_assert_ptr_nonnull(strstr(c.markers[1].label, "(<b>not-a-row</b>)"));
	/* The record naming the failed app: on its row, at local - 1 h. */
	const chart_row *failed = row_named(&c, "Win32App_7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3");
	ck_assert_uint_eq(failed->marker_count, 2);
	ck_assert_int_eq(failed->markers[1].kind, CHART_MARK_LOG);
	ck_assert_int_eq(failed->markers[1].t, (T3 / 1000 - 7) * 1000);
	ck_assert_str_eq(failed->markers[1].label, "install failed");
	ck_assert_str_eq(failed->markers[1].source, "IME log");
	ck_assert_str_eq(failed->markers[1].evidence, "Logs/AppWorkload<1>.log line 1234");
	ck_assert_str_eq(failed->markers[1].detail, "<![CDATA[ exit code 1603 ]]>");
	ck_assert_uint_eq(c.note_count, 1);   /* FirstSync's, as without moments */
	chart_free(&c);
	unload(&l);

	/* Offset unknown: the log records are left out, a note says why. */
	load_moments(&l, false, 0);
	chart_init(&c);
	ck_assert_int_eq(chart_from_esp(&c, l.esp), ESPDIAG_OK);
	ck_assert(!c.has_utc_offset);
	ck_assert_uint_eq(c.marker_count, 1);
	ck_assert_int_eq(c.markers[0].kind, CHART_MARK_EVENT);
	ck_assert_uint_eq(row_named(&c, "Win32App_7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3")
	                          ->marker_count,
	                  1);
	ck_assert_uint_eq(c.note_count, 2);
	ck_assert_str_eq(c.notes[1], "2 log or event records are not drawn: the device's offset "
	                             "from UTC is unknown, so their local times have no place on "
	                             "the UTC axis (espdiag timeline lists them).");
	chart_free(&c);
	unload(&l);
}
END_TEST

START_TEST(test_document_moments)
{
	loaded l;
	char *buf = NULL;
	load_moments(&l, true, -90);
	CAPTURE(buf, ck_assert_int_eq(espdiag_report_write_html(l.report, l.esp, NULL, out),
	                              ESPDIAG_OK));
	ck_assert_ptr_nonnull(strstr(buf, "data-rows=\"6\" data-bars=\"8\" data-markers=\"4\""));
	ck_assert_uint_eq(count(buf, "data-marker=\"event\""), 1);
	ck_assert_uint_eq(count(buf, "data-marker=\"log\""), 2);
	ck_assert_ptr_nonnull(strstr(buf, ">Events and log milestones</text>"));
	/* The marker on the failed app's row: what, time in UTC and local,
	 * source and evidence, the record; every input string escaped. */
	ck_assert_ptr_nonnull(strstr(
		buf, "<title>Win32 app 7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d (revision 3)\ninstall "
		     "failed at 2026-11-24 09:58:00 UTC; local 08:28:00\nsource: IME "
		     "log\nevidence: Logs/AppWorkload&lt;1&gt;.log line 1234\nrecord: &lt;![CDATA[ "
		     "exit code 1603 ]]&gt;</title></rect>"));
	ck_assert_ptr_nonnull(strstr(
		buf, "<title>enrollment event at 2026-11-24 09:20:41.250 UTC; local 07:50:41.250\n"
		     "source: event log\nevidence: Microsoft-Windows-DeviceManagement-"
		     "Enterprise-Diagnostics-Provider/Admin event 72, record 42 in evtx/Admin.evtx\n"
		     "record: &lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x "
		     "onerror=alert(2)&gt;]]&gt;</title></circle>"));
	ck_assert_ptr_nonnull(strstr(buf, "(&lt;b&gt;not-a-row&lt;/b&gt;) at 2026-11-24"));
	ck_assert_uint_eq(count(buf, "<script"), 1);   /* the report's filter */
	ck_assert_uint_eq(count(buf, "<img"), 0);
	ck_assert_uint_eq(count(buf, "<b>"), 0);
	ck_assert_uint_eq(count(buf, "<![CDATA["), 0);
	/* Local time beside UTC: the axis, the facts, the bars' titles. */
	ck_assert_ptr_nonnull(strstr(buf, ">local 2026-11-24 (UTC-01:30)</text>"));
	ck_assert_ptr_nonnull(strstr(buf, "<dt>Device time</dt><dd>UTC-01:30</dd>"));
	ck_assert_ptr_nonnull(strstr(buf, "error at 2026-11-24 09:58:07.250 UTC; local "
	                                  "08:28:07.250\n"));
	ck_assert_ptr_nonnull(strstr(buf, "in_progress 2026-11-24 09:19:41.500 to 09:58:07.250 UTC "
	                                  "(38 min 25 s); local 07:49:41.500 to 08:28:07.250\n"));
	ck_assert_uint_eq(count(buf, "offset from UTC is unknown"), 0);
	ck_assert_ptr_nonnull(strstr(buf, "<li><svg width=\"12\" height=\"12\" viewBox=\"0 0 12 12\" "
	                                  "aria-hidden=\"true\"><rect class=\"mk-log\""));
	free(buf);
	unload(&l);

	/* At UTC+15:00 the local date is the next day: it is written. */
	load_moments(&l, true, 900);
	CAPTURE(buf, ck_assert_int_eq(espdiag_report_write_html(l.report, l.esp, NULL, out),
	                              ESPDIAG_OK));
	ck_assert_ptr_nonnull(strstr(buf, "error at 2026-11-24 09:58:07.250 UTC; local 2026-11-25 "
	                                  "00:58:07.250\n"));
	ck_assert_ptr_nonnull(strstr(buf, "(38 min 25 s); local 2026-11-25 00:19:41.500 to "
	                                  "2026-11-25 00:58:07.250\n"));
	ck_assert_ptr_nonnull(strstr(buf, ">local 2026-11-25 (UTC+15:00)</text>"));
	free(buf);
	unload(&l);

	/* At UTC+14:00 the local date changes at 10:00 UTC: that tick says so. */
	load_moments(&l, true, 840);
	CAPTURE(buf, ck_assert_int_eq(espdiag_report_write_html(l.report, l.esp, NULL, out),
	                              ESPDIAG_OK));
	ck_assert_ptr_nonnull(strstr(buf, ">local 2026-11-24 (UTC+14:00)</text>"));
	ck_assert_ptr_nonnull(strstr(buf, ">23:50</text><text class=\"tick local\" x=\"838.7\" "
	                                  "y=\"48.0\">11-25 00:00</text>"));
	ck_assert_uint_eq(count(buf, ">11-25 "), 1);
	free(buf);
	unload(&l);
}
END_TEST

/* --- a real bundle: tests/data/apps (the ESP's registry and AppWorkload.log at UTC+2) --- */

START_TEST(test_bundle_apps)
{
	espdiag_bundle *bundle;
	espdiag_esp *esp;
	espdiag_report *report;
	chart c;
	char *buf = NULL;
	ck_assert_int_eq(espdiag_bundle_new(&bundle, NULL), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_bundle_open_file(bundle, TEST_DATA_DIR "/apps"), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_esp_load_bundle(&esp, bundle), ESPDIAG_OK);
	espdiag_diagnose_options o = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	o.registry = espdiag_bundle_registry(bundle);
	o.bundle = bundle;
	ck_assert_int_eq(espdiag_diagnose(&report, esp, &o), ESPDIAG_OK);

	chart_init(&c);
	ck_assert_int_eq(chart_from_esp(&c, esp), ESPDIAG_OK);
	ck_assert_int_eq(chart_finish(&c), ESPDIAG_OK);
	ck_assert(c.has_utc_offset);
	ck_assert_int_eq(c.utc_offset_minutes, 120);
	const chart_row *zip = row_named(&c, "Win32App_7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91_1");
	ck_assert_str_eq(zip->name, "7-Zip (revision 1)");
	ck_assert_ptr_nonnull(zip->log_app);
	ck_assert_str_eq(zip->log_app->id, "7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91");
	/* The app's log milestones are on its row, in UTC, each with its line. */
	size_t logs = 0;
	for (size_t i = 0; i < zip->marker_count; i++) {
		const chart_marker *m = &zip->markers[i];
		if (m->kind != CHART_MARK_LOG)
			continue;
		logs++;
		ck_assert_str_eq(m->source, "IME log");
		ck_assert_ptr_nonnull(strstr(m->evidence, "AppWorkload.log line "));
	}
	ck_assert_uint_eq(logs, 6);
	chart_free(&c);

	CAPTURE(buf, ck_assert_int_eq(espdiag_report_write_html(report, esp, NULL, out),
	                              ESPDIAG_OK));
	/* The apps table: names, attempts, the logs' exit codes. */
	ck_assert_ptr_nonnull(strstr(
		buf, "<tr data-app=\"win32_app\" class=\"failed\"><td>7-Zip (revision 1)</td><td><code>"
		     "Win32App_7a1f0e52-1d2c-4b8e-9f3a-0c5d6e7f8a91_1</code></td><td>Device setup</td>"
		     "<td>error</td><td><span data-attempts=\"1\">1</span>: #1 failed, exit 1603, 30 "
		     "s</td><td>6 min 45 s</td><td><code>0x80070643</code></td><td>1603</td></tr>"));
	ck_assert_ptr_nonnull(strstr(
		buf, "<td>Retry Tool (revision 1)</td><td><code>Win32App_c3d4e5f6-a7b8-4c9d-8e0f-"
		     "1a2b3c4d5e6f_1</code></td><td>Device setup</td><td>completed</td><td><span "
		     "data-attempts=\"2\">2</span>: #1 failed, exit 1618, 1 min 39 s; #2 succeeded, "
		     "exit 0, 32 min 30 s</td>"));
	ck_assert_ptr_nonnull(strstr(buf, ">local 2024-05-01 (UTC+02:00)</text>"));
	/* the text report's clock line (lib/esp_clock.c) */
	ck_assert_ptr_nonnull(strstr(buf, "<dt>Device time</dt><dd>UTC+02:00 (AppWorkload.log line "
	                                  "12 (2024-05-01 10:07:12.000 local), which ends a failed "
	                                  "attempt of app &quot;7-Zip&quot;"));
	ck_assert_uint_gt(count(buf, "data-marker=\"log\""), 0);
	free(buf);
	espdiag_report_free(report);
	espdiag_esp_free(esp);
	espdiag_bundle_free(bundle);
}
END_TEST

START_TEST(test_api_errors)
{
	espdiag_html *h = (espdiag_html *)1;
	espdiag_html_options bad = ESPDIAG_HTML_OPTIONS_INIT;
	bad.version = 99;
	ck_assert_int_eq(espdiag_html_new(NULL, NULL), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_html_new(&h, &bad), ESPDIAG_EINVAL);
	ck_assert_ptr_null(h);
	ck_assert_int_eq(espdiag_html_new(&h, NULL), ESPDIAG_OK);
	ck_assert_int_eq(espdiag_html_add(h, NULL, NULL), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_html_add(NULL, NULL, NULL), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_html_add_error(h, NULL, "x"), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_html_write(h, NULL), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_html_write(NULL, stdout), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_report_write_html(NULL, NULL, NULL, stdout), ESPDIAG_EINVAL);
	char *buf = NULL;
	CAPTURE(buf, ck_assert_int_eq(espdiag_html_write(h, out), ESPDIAG_OK));
	ck_assert_ptr_nonnull(strstr(buf, "<p class=\"muted\">No input.</p>"));
	free(buf);
	espdiag_html_free(h);
	espdiag_html_free(NULL);
}
END_TEST

Suite *suite_html(void)
{
	Suite *s = suite_create("html");
	TCase *tc = tcase_create("escape");
	tcase_add_loop_test(tc, test_escape, 0, (int)(sizeof escapes / sizeof escapes[0]));
	tcase_add_loop_test(tc, test_elide, 0, (int)(sizeof elisions / sizeof elisions[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("chart");
	tcase_add_test(tc, test_chart_sample);
	tcase_add_test(tc, test_document);
	tcase_add_test(tc, test_chart_v2);
	tcase_add_test(tc, test_document_v2);
	tcase_add_test(tc, test_chart_moments);
	tcase_add_test(tc, test_document_moments);
	tcase_add_test(tc, test_bundle_apps);
	tcase_add_test(tc, test_api_errors);
	suite_add_tcase(s, tc);
	return s;
}

/* tests/check_imelog.c - the CMTrace reader (lib/cmtrace.c) and the IME log
 * interpreter (lib/imelog.c). Fixtures in tests/data/imelog/:
 *   apps.log     UTF-8 with BOM, CRLF: one record of every pattern the
 *                interpreter understands; five apps (an unmapped 1603, an
 *                install not detected afterwards, a success on the retry,
 *                a download timeout and an install timeout, a V3 subgraph)
 *   utf16.log    UTF-16LE with BOM: non-ASCII text, a surrogate pair, a
 *                message over two lines
 *   damaged.log  UTF-8 without BOM, LF, CR and CRLF mixed: text between
 *                records, a time offset, an unreadable time, a record without
 *                attributes, one without its end, an invalid byte, an
 *                unknown attribute, trailing text, a record cut off at the end */
#include <stdlib.h>
#include <string.h>

#include "imelog.h"
#include "suites.h"
#include "testutil.h"

/* --- the reader --- */

#define MAX_SEEN 16

typedef struct seen {
	size_t n;
	char msg[MAX_SEEN][128];
	esp_cmtrace_record rec[MAX_SEEN]; /* strings not valid after the callback */
	char time_raw[MAX_SEEN][40];
} seen;

static int collect(void *ctx, const esp_cmtrace_record *rec)
{
	seen *s = ctx;
	if (s->n < MAX_SEEN) {
		snprintf(s->msg[s->n], sizeof s->msg[0], "%s", rec->message);
		snprintf(s->time_raw[s->n], sizeof s->time_raw[0], "%s", rec->time_raw);
		s->rec[s->n] = *rec;
	}
	s->n++;
	return 0;
}

static unsigned char *fixture(const char *name, size_t *size)
{
	char rel[256];
	snprintf(rel, sizeof rel, "imelog/%s", name);
	unsigned char *d = tu_read_file(tu_data_path(rel), size);
	ck_assert_msg(d != NULL, "cannot read %s", rel);
	return d;
}

static void check_warning(esp_warnings *w, size_t i, uint64_t line, uint64_t col, uint64_t off,
                          const char *msg)
{
	const espdiag_warning *x = esp_warnings_at(w, i);
	ck_assert_ptr_nonnull(x);
	ck_assert_msg(x->line == line && x->column == col && x->offset == off &&
	                      strcmp(x->message, msg) == 0,
	              "warning %zu: got %llu:%llu @%llu '%s'", i, (unsigned long long)x->line,
	              (unsigned long long)x->column, (unsigned long long)x->offset, x->message);
}

/* Reads bytes into s (records) and w (warnings, to be freed). */
static size_t read_bytes(const void *d, size_t size, const char *member,
                         const esp_cmtrace_options *o, seen *s, esp_warnings *w,
                         esp_cmtrace_stats *st)
{
	esp_err err;
	memset(s, 0, sizeof *s);
	esp_warnings_init(w);
	ck_assert_int_eq(esp_cmtrace_read(d, size, member, o, collect, s, w, st, &err), ESPDIAG_OK);
	return s->n;
}

static size_t read_fixture_records(const char *name, seen *s, esp_warnings *w,
                                   esp_cmtrace_stats *st)
{
	size_t size;
	unsigned char *d = fixture(name, &size);
	size_t n = read_bytes(d, size, name, NULL, s, w, st);
	free(d);
	return n;
}

START_TEST(cmtrace_utf16)
{
	seen s;
	esp_warnings w;
	esp_cmtrace_stats st;
	ck_assert_uint_eq(read_fixture_records("utf16.log", &s, &w, &st), 3);
	ck_assert_uint_eq(st.records, 3);
	ck_assert_uint_eq(st.lines, 4);
	ck_assert_str_eq(st.encoding, "utf-16le");
	ck_assert_uint_eq(esp_warnings_count(&w), 0);
	ck_assert_str_eq(s.msg[0], "EMS Agent Started");
	ck_assert_str_eq(s.msg[1], "Benutzer M\xc3\xbcller \xe2\x80\x93 Ger\xc3\xa4t \xf0\x9f\x98\x80 bereit");
	ck_assert_str_eq(s.msg[2], "line one\nline two");
	ck_assert_uint_eq(s.rec[0].pos.offset, 2);
	ck_assert_uint_eq(s.rec[1].pos.offset, 304);
	ck_assert_uint_eq(s.rec[2].pos.offset, 626);
	ck_assert_uint_eq(s.rec[2].pos.line, 3);
	ck_assert_str_eq(s.rec[2].pos.member, "utf16.log");
	ck_assert_uint_eq(s.rec[2].type, ESP_CMTRACE_WARNING);
	ck_assert_uint_eq(s.rec[1].time.frac_100ns, 5000000);
	ck_assert(s.rec[1].time.valid && s.rec[1].time.local && !s.rec[1].time.has_offset);
	ck_assert_int_eq(s.rec[1].time.year, 2025);
	ck_assert_uint_eq(s.rec[1].time.month, 3);
	ck_assert_uint_eq(s.rec[1].time.day, 9);
	ck_assert_uint_eq(s.rec[1].time.second, 1);
	ck_assert(s.rec[0].has_thread);
	ck_assert_uint_eq(s.rec[0].thread, 4);
	esp_warnings_free(&w);
}
END_TEST

START_TEST(cmtrace_damaged)
{
	seen s;
	esp_warnings w;
	esp_cmtrace_stats st;
	ck_assert_uint_eq(read_fixture_records("damaged.log", &s, &w, &st), 8);
	ck_assert_str_eq(st.encoding, "utf-8");
	ck_assert_uint_eq(st.lines, 13);
	static const char *const msgs[] = {"first", "multi\nline\nmessage\nend", "bad time",
	                                   "no attributes", "after the cut", "bad \xef\xbf\xbd byte",
	                                   "odd attrs", "truncated record"};
	static const uint64_t lines[] = {1, 3, 7, 8, 10, 11, 12, 13};
	static const uint64_t offs[] = {0, 163, 318, 455, 505, 653, 797, 961};
	for (size_t i = 0; i < 8; i++) {
		ck_assert_str_eq(s.msg[i], msgs[i]);
		ck_assert_uint_eq(s.rec[i].pos.line, lines[i]);
		ck_assert_uint_eq(s.rec[i].pos.offset, offs[i]);
	}
	/* "+060": kept, minutes as written */
	ck_assert(s.rec[1].time.valid && s.rec[1].time.has_offset);
	ck_assert_int_eq(s.rec[1].time.offset, 60);
	ck_assert(!s.rec[2].time.valid);
	ck_assert_str_eq(s.time_raw[2], "25:00:00.000");
	ck_assert(s.rec[3].incomplete && !s.rec[3].time.valid && s.rec[3].type == 0);
	ck_assert_uint_eq(s.rec[4].thread, 12);
	ck_assert(!s.rec[6].incomplete && s.rec[6].time.valid);
	ck_assert(s.rec[7].incomplete);
	ck_assert_str_eq(s.time_raw[7], "");
	ck_assert_uint_eq(esp_warnings_count(&w), 7);
	check_warning(&w, 0, 2, 1, 138, "text outside a record skipped");
	check_warning(&w, 1, 7, 1, 318, "time or date unreadable");
	check_warning(&w, 2, 8, 28, 482,
	              "record attributes malformed (no '<' after ]LOG]!>); kept without the rest");
	check_warning(&w, 3, 9, 1, 484, "record has no end (]LOG]!>); skipped");
	check_warning(&w, 4, 11, 12, 664, "invalid UTF-8 replaced by U+FFFD");
	check_warning(&w, 5, 12, 155, 951, "text outside a record skipped");
	check_warning(&w, 6, 13, 1, 961, "input ends early (truncated?)");
	esp_warnings_free(&w);
}
END_TEST

static size_t read_text(const char *text, const esp_cmtrace_options *o, seen *s, esp_warnings *w,
                        esp_cmtrace_stats *st)
{
	return read_bytes(text, strlen(text), "t", o, s, w, st);
}

#define REC(m) "<![LOG[" m "]LOG]!><time=\"1:2:3\" date=\"1-2-2024\" component=\"c\" context=\"\" type=\"3\" thread=\"9\" file=\"f.cs\">\n"

START_TEST(cmtrace_caps)
{
	seen s;
	esp_warnings w;
	esp_cmtrace_stats st;
	esp_cmtrace_options o = {8, 0};
	ck_assert_uint_eq(read_text(REC("0123456789abcdef") REC("short"), &o, &s, &w, &st), 2);
	ck_assert_str_eq(s.msg[0], "01234567");
	ck_assert(s.rec[0].truncated && !s.rec[1].truncated);
	ck_assert_uint_eq(s.rec[0].message_len, 8);
	ck_assert_str_eq(s.msg[1], "short");
	ck_assert_str_eq(s.rec[1].pos.member, "t");
	ck_assert_uint_eq(esp_warnings_count(&w), 1);
	check_warning(&w, 0, 1, 1, 0, "message of 16 bytes longer than 8; cut");
	esp_warnings_free(&w);

	/* A cut never splits a UTF-8 sequence. */
	o.max_message = 5;
	ck_assert_uint_eq(read_text(REC("\xc3\xa9\xc3\xa9\xc3\xa9"), &o, &s, &w, &st), 1);
	ck_assert_str_eq(s.msg[0], "\xc3\xa9\xc3\xa9");
	esp_warnings_free(&w);

	esp_cmtrace_options o2 = {0, 2};
	ck_assert_uint_eq(read_text(REC("a") REC("b") REC("c") REC("d"), &o2, &s, &w, &st), 2);
	ck_assert(st.capped);
	ck_assert_uint_eq(st.records, 2);
	ck_assert_uint_eq(esp_warnings_count(&w), 1);
	check_warning(&w, 0, 3, 1, 206, "more than 2 records; the rest are not read");
	esp_warnings_free(&w);

	/* The attributes as written, type and thread read. */
	ck_assert_uint_eq(read_text(REC("x"), NULL, &s, &w, &st), 1);
	ck_assert_uint_eq(s.rec[0].type, ESP_CMTRACE_ERROR);
	ck_assert_uint_eq(s.rec[0].time.hour, 1);
	ck_assert_uint_eq(s.rec[0].time.minute, 2);
	ck_assert_uint_eq(s.rec[0].time.second, 3);
	ck_assert_uint_eq(s.rec[0].time.frac_100ns, 0);
	esp_warnings_free(&w);
}
END_TEST

START_TEST(cmtrace_times)
{
	esp_cmtrace_time t;
	ck_assert(esp_cmtrace_parse_time("10:11:12.123+000", "11-5-2024", &t));
	ck_assert(t.has_offset && t.offset == 0 && t.frac_100ns == 1230000 && t.hour == 10);
	ck_assert(esp_cmtrace_parse_time("23:59:59.123456789-300", "02-29-2024", &t));
	ck_assert(t.offset == -300 && t.frac_100ns == 1234567 && t.day == 29 && t.month == 2);
	ck_assert(!esp_cmtrace_parse_time("23:59:59", "2-29-2023", &t));
	ck_assert(!esp_cmtrace_parse_time("24:00:00", "1-1-2024", &t));
	ck_assert(!esp_cmtrace_parse_time("10:11:12.", "1-1-2024", &t));
	ck_assert(!esp_cmtrace_parse_time("10:11:12 ", "1-1-2024", &t));
	ck_assert(!esp_cmtrace_parse_time("10:11:12", "13-1-2024", &t));
	ck_assert(!esp_cmtrace_parse_time("10:11:12", "1-1-24", &t));
	ck_assert(!t.valid && t.local);
}
END_TEST

START_TEST(cmtrace_bid)
{
	ck_assert_int_eq(esp_cmtrace_bid((const unsigned char *)"\xef\xbb\xbf\r\n <![LOG[x", 14), 100);
	ck_assert_int_eq(esp_cmtrace_bid((const unsigned char *)"<\0!\0[\0L\0O\0G\0[\0", 14), 100);
	ck_assert_int_eq(esp_cmtrace_bid((const unsigned char *)"\xff\xfe<\0!\0[\0L\0O\0G\0[\0", 16), 100);
	ck_assert_int_eq(esp_cmtrace_bid((const unsigned char *)"<![LOG", 6), 0);
	ck_assert_int_eq(esp_cmtrace_bid((const unsigned char *)"[HKEY_", 6), 0);
	ck_assert_int_eq(esp_cmtrace_bid(NULL, 0), 0);
	seen s;
	esp_warnings w;
	esp_cmtrace_stats st;
	ck_assert_uint_eq(read_text("", NULL, &s, &w, &st), 0);
	ck_assert_uint_eq(st.lines, 0);
	ck_assert_uint_eq(esp_warnings_count(&w), 0);
	esp_warnings_free(&w);
}
END_TEST

/* --- the interpreter --- */

#define APP_A "aaaaaaaa-1111-4111-8111-000000000001"
#define APP_B "bbbbbbbb-2222-4222-8222-000000000002"
#define APP_C "cccccccc-3333-4333-8333-000000000003"
#define APP_D "dddddddd-4444-4444-8444-000000000004"
#define APP_E "eeeeeeee-5555-4555-8555-000000000005"

static esp_imelog *read_fixture(const char *name, const esp_imelog_options *o, unsigned char **d)
{
	size_t size;
	*d = fixture(name, &size);
	esp_imelog_input in = {name, *d, size};
	esp_imelog *log = NULL;
	esp_err err;
	ck_assert_int_eq(esp_imelog_read(&log, &in, 1, o, &err), ESPDIAG_OK);
	return log;
}

static void check_fact(const esp_imelog_fact *f, esp_imelog_kind kind, uint64_t line, const char *app)
{
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(f->kind == kind, "line %llu: kind %s, want %s", (unsigned long long)line,
	              esp_imelog_kind_name(f->kind), esp_imelog_kind_name(kind));
	ck_assert_uint_eq(f->where.line, line);
	if (app == NULL)
		ck_assert_ptr_null(f->app_id);
	else
		ck_assert_str_eq(f->app_id, app);
}

START_TEST(imelog_catalogue)
{
	unsigned char *d;
	esp_imelog *log = read_fixture("apps.log", NULL, &d);
	ck_assert_uint_eq(esp_imelog_file_count(log), 1);
	esp_imelog_file *file = esp_imelog_file_at(log, 0);
	ck_assert_uint_eq(file->stats.records, 64);
	ck_assert_str_eq(file->stats.encoding, "utf-8-bom");
	ck_assert_uint_eq(esp_warnings_count(&file->warnings), 0);
	ck_assert_uint_eq(esp_imelog_app_count(log), 5);
	static const char *const ids[] = {APP_A, APP_B, APP_C, APP_D, APP_E};
	static const char *const names[] = {"Contoso CRM", "Fabrikam Viewer", "Retry Tool",
	                                    "Slow Setup", "Dependency Lib"};
	static const int64_t versions[] = {1, 4, 2, 1, 1}, intents[] = {3, 3, 3, 1, 0};
	for (size_t i = 0; i < 5; i++) {
		const esp_imelog_app *a = esp_imelog_app_at(log, i);
		ck_assert_str_eq(a->id, ids[i]);
		ck_assert_str_eq(a->name, names[i]);
		ck_assert(a->has_version && a->version == versions[i]);
		ck_assert(a->has_intent && a->intent == intents[i]);
		ck_assert_uint_eq(a->policy->where.line, 2);
		ck_assert_str_eq(a->policy->where.member, "apps.log");
	}
	const esp_imelog_app *a = esp_imelog_app_find(log, "AAAAAAAA-1111-4111-8111-000000000001");
	ck_assert_ptr_eq(a, esp_imelog_app_at(log, 0));
	ck_assert(a->has_install_context && a->install_context == 2);
	ck_assert(a->has_run_as && a->run_as == 1 && a->has_target_type && a->target_type == 2);
	const esp_imelog_app *b = esp_imelog_app_at(log, 1);
	ck_assert(b->has_run_as && b->run_as == 2 && b->install_context == 1 && !b->has_target_type);
	ck_assert(!esp_imelog_app_at(log, 2)->has_run_as);
	ck_assert_ptr_null(esp_imelog_app_find(log, "ffffffff-1111-4111-8111-000000000001"));
	const esp_imelog_fact *p = esp_imelog_fact_at(log, 0);
	check_fact(p, ESP_IMELOG_POLICIES, 2, NULL);
	ck_assert(p->has_number && p->number == 6);
	ck_assert_uint_eq(strlen(p->message), ESP_IMELOG_MAX_QUOTE);
	ck_assert_int_eq(p->where.time.hour, 10);
	ck_assert_int_eq(p->where.time.second, 2);
	ck_assert_uint_eq(p->where.time.frac_100ns, 2001);
	esp_imelog_free(log);
	free(d);
}
END_TEST

START_TEST(imelog_attempts)
{
	unsigned char *d;
	esp_imelog *log = read_fixture("apps.log", NULL, &d);
	/* A: exit code 1603 that no return code maps. */
	const esp_imelog_app *a = esp_imelog_app_find(log, APP_A);
	ck_assert_uint_eq(a->attempt_count, 1);
	const esp_imelog_attempt *t = &a->attempts[0];
	ck_assert_int_eq(t->outcome, ESP_IMELOG_FAILED);
	ck_assert_uint_eq(t->number, 1);
	check_fact(t->start, ESP_IMELOG_DOWNLOAD_START, 12, APP_A);
	check_fact(t->download_start, ESP_IMELOG_DOWNLOAD_START, 12, APP_A);
	check_fact(t->download_progress, ESP_IMELOG_DOWNLOAD_PROGRESS, 14, APP_A);
	ck_assert(t->download_progress->number == 73400320 && t->download_progress->number2 == 73400320);
	check_fact(t->download_end, ESP_IMELOG_DOWNLOAD_END, 15, APP_A);
	ck_assert(t->download_end->app_from_context && !t->download_start->app_from_context);
	check_fact(t->install_start, ESP_IMELOG_INSTALL_START, 17, APP_A);
	ck_assert_str_eq(t->install_start->text, "machine");
	check_fact(t->install_end, ESP_IMELOG_INSTALL_END, 18, APP_A);
	check_fact(t->exit_code, ESP_IMELOG_EXIT_CODE, 19, APP_A);
	ck_assert_int_eq(t->exit_code->number, 1603);
	ck_assert(!esp_imelog_exit_code_is_hresult(t->exit_code->number));
	check_fact(t->hresult, ESP_IMELOG_HRESULT, 20, APP_A);
	ck_assert_int_eq(t->hresult->number, -2147023293);
	ck_assert_uint_eq((uint32_t)t->hresult->number, 0x80070643u);
	check_fact(t->unmapped, ESP_IMELOG_EXIT_CODE_UNMAPPED, 21, APP_A);
	ck_assert_int_eq(t->unmapped->number, 1603);
	ck_assert_str_eq(t->unmapped->message,
	                 "[Win32App] Admin did NOT set mapping for lpExitCode: 1603 of app: " APP_A);
	ck_assert_uint_eq(t->unmapped->where.type, ESP_CMTRACE_ERROR);
	check_fact(t->enforcement, ESP_IMELOG_ENFORCEMENT, 22, APP_A);
	ck_assert_str_eq(t->enforcement->text, "Error");
	ck_assert_int_eq(t->enforcement->number, 1603);
	ck_assert_ptr_null(t->detection_after);
	ck_assert_ptr_null(t->status);

	/* B: the installer succeeds, detection does not find the app. */
	const esp_imelog_app *b = esp_imelog_app_find(log, APP_B);
	ck_assert_uint_eq(b->attempt_count, 1);
	t = &b->attempts[0];
	ck_assert_int_eq(t->outcome, ESP_IMELOG_NOT_DETECTED);
	check_fact(t->detection_before, ESP_IMELOG_DETECTION_STATE, 24, APP_B);
	check_fact(t->download_end, ESP_IMELOG_DOWNLOAD_END, 26, APP_B);
	ck_assert_str_eq(t->install_start->text, "user");
	ck_assert_int_eq(t->exit_code->number, 0);
	check_fact(t->exit_code_class, ESP_IMELOG_EXIT_CODE_CLASS, 31, APP_B);
	ck_assert_str_eq(t->exit_code_class->text, "Success");
	check_fact(t->detection_after, ESP_IMELOG_DETECTION_STATE, 33, APP_B);
	ck_assert_str_eq(t->detection_after->text, "NotDetected");
	check_fact(esp_imelog_fact_at(log, 30), ESP_IMELOG_DETECTION_RESULT, 32, APP_B);
	ck_assert_int_eq(esp_imelog_fact_at(log, 30)->number, 0);

	/* C: fails once, succeeds on the retry. */
	const esp_imelog_app *c = esp_imelog_app_find(log, APP_C);
	ck_assert_uint_eq(c->attempt_count, 2);
	t = &c->attempts[0];
	ck_assert_int_eq(t->outcome, ESP_IMELOG_FAILED);
	check_fact(t->start, ESP_IMELOG_DOWNLOAD_START, 35, APP_C);
	ck_assert_int_eq(t->exit_code->number, 1618);
	ck_assert_str_eq(t->exit_code_class->text, "Retry");
	ck_assert_str_eq(t->enforcement->text, "Error");
	t = &c->attempts[1];
	ck_assert_uint_eq(t->number, 2);
	ck_assert_int_eq(t->outcome, ESP_IMELOG_SUCCEEDED);
	check_fact(t->start, ESP_IMELOG_INSTALL_START, 42, APP_C);
	ck_assert_ptr_null(t->download_start);
	ck_assert_int_eq(t->exit_code->number, 0);
	check_fact(t->detection_after, ESP_IMELOG_DETECTION_STATE, 47, APP_C);
	check_fact(t->status, ESP_IMELOG_STATUS, 48, APP_C);
	ck_assert_str_eq(t->status->text, "Installed");
	ck_assert(t->status->has_number && t->status->number == 0);
	ck_assert_ptr_eq(c->last_status, t->status);

	/* D: the download times out, the installer does not start, then times out. */
	const esp_imelog_app *dd = esp_imelog_app_find(log, APP_D);
	ck_assert_uint_eq(dd->attempt_count, 2);
	check_fact(dd->attempts[0].download_failed, ESP_IMELOG_DOWNLOAD_FAILED, 51, APP_D);
	check_fact(dd->attempts[0].install_not_started, ESP_IMELOG_INSTALL_NOT_STARTED, 52, APP_D);
	ck_assert_int_eq(dd->attempts[0].install_not_started->number, 2);
	ck_assert_int_eq(dd->attempts[0].outcome, ESP_IMELOG_FAILED);
	check_fact(dd->attempts[1].install_timeout, ESP_IMELOG_INSTALL_TIMEOUT, 54, APP_D);
	ck_assert_int_eq(dd->attempts[1].outcome, ESP_IMELOG_FAILED);

	/* E: a one-app subgraph, the IME enforced it successfully; the
	 * status that follows says NotInstalled with a null error code. */
	const esp_imelog_app *e = esp_imelog_app_find(log, APP_E);
	ck_assert_uint_eq(e->attempt_count, 1);
	t = &e->attempts[0];
	ck_assert_int_eq(t->outcome, ESP_IMELOG_SUCCEEDED);
	ck_assert_int_eq(t->exit_code->number, 3221225794);
	ck_assert(!esp_imelog_exit_code_is_hresult(t->exit_code->number));
	ck_assert(esp_imelog_exit_code_is_hresult(2147944003));
	ck_assert_str_eq(t->status->text, "NotInstalled");
	ck_assert(!t->status->has_number);
	esp_imelog_free(log);
	free(d);
}
END_TEST

START_TEST(imelog_esp_facts)
{
	unsigned char *d;
	esp_imelog *log = read_fixture("apps.log", NULL, &d);
	ck_assert_uint_eq(esp_imelog_fact_count(log), 62);
	static const struct {
		size_t i;
		esp_imelog_kind kind;
		uint64_t line;
		int64_t number;
		const char *text;
	} want[] = {
		{1, ESP_IMELOG_ESP_SKIP_DEVICE, 3, 0, NULL},
		{2, ESP_IMELOG_ESP_SKIP_USER, 4, 0, NULL},
		{3, ESP_IMELOG_ESP_SKIP_DEVICE, 5, 0, NULL},
		{4, ESP_IMELOG_ESP_SKIP_USER, 6, 1, NULL},
		{5, ESP_IMELOG_ESP_PROVIDER_STATE, 7, 3, "Sidecar"},
		{6, ESP_IMELOG_ESP_TRACKING_POLICIES, 8, 1, NULL},
		{7, ESP_IMELOG_ESP_PHASE, 9, 0, "DeviceSetup"},
		{8, ESP_IMELOG_ESP_TRACKED_APP, 10, 2, NULL},
		{60, ESP_IMELOG_ESP_SKIP_USER, 63, 1, NULL},
		{61, ESP_IMELOG_ESP_PHASE, 64, 0, "NotInEsp"},
	};
	for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
		const esp_imelog_fact *f = esp_imelog_fact_at(log, want[k].i);
		check_fact(f, want[k].kind, want[k].line, want[k].kind == ESP_IMELOG_ESP_TRACKED_APP ? APP_A : NULL);
		ck_assert_int_eq(f->number, want[k].number);
		if (want[k].text)
			ck_assert_str_eq(f->text, want[k].text);
		else
			ck_assert_ptr_null(f->text);
	}
	ck_assert_uint_eq(esp_imelog_fact_at(log, 7)->where.type, ESP_CMTRACE_WARNING);
	/* A two-app subgraph names no app, so the exit code after it on that
	 * thread stays unattributed. */
	const esp_imelog_fact *f = esp_imelog_fact_at(log, 59);
	check_fact(f, ESP_IMELOG_EXIT_CODE, 62, NULL);
	ck_assert_int_eq(f->number, 5);
	ck_assert_str_eq(esp_imelog_kind_name(ESP_IMELOG_EXIT_CODE_UNMAPPED), "exit_code_unmapped");
	ck_assert_str_eq(esp_imelog_kind_name((esp_imelog_kind)99), "unknown");
	ck_assert_str_eq(esp_imelog_outcome_name(ESP_IMELOG_NOT_DETECTED), "not_detected");
	esp_imelog_free(log);
	free(d);
}
END_TEST

#define LINE(t, th, m) "<![LOG[" m "]LOG]!><time=\"" t "\" date=\"11-5-2024\" component=\"IntuneManagementExtension\" context=\"\" type=\"1\" thread=\"" th "\" file=\"\">\r\n"

START_TEST(imelog_rotation)
{
	static const char older[] = LINE("09:00:00.0", "5", "[Win32App] ===Step=== Start to Present app " APP_A)
		LINE("09:00:01.0", "5", "[Win32App] Launch Win32AppInstaller in machine session");
	static const char newer[] = LINE("10:11:12.0", "5", "[Win32App] lpExitCode 1603");
	static const char live[] = LINE("11:00:00.0", "5", "[Win32App] Installation is done, collecting result");
	static const char other[] = LINE("11:00:01.0", "5", "[Win32App] lpExitCode 7");
	esp_imelog_input in[] = {
		{"Logs/IntuneManagementExtension.log", (const unsigned char *)live, sizeof live - 1},
		{"Logs\\IntuneManagementExtension-20241105-101112.log", (const unsigned char *)newer, sizeof newer - 1},
		{"AgentExecutor.log", (const unsigned char *)other, sizeof other - 1},
		{"intunemanagementextension-20241105-090000.LOG", (const unsigned char *)older, sizeof older - 1},
	};
	esp_imelog *log;
	esp_err err;
	ck_assert_int_eq(esp_imelog_read(&log, in, 4, NULL, &err), ESPDIAG_OK);
	ck_assert_uint_eq(esp_imelog_file_count(log), 4);
	static const size_t order[] = {3, 1, 0, 2};
	for (size_t i = 0; i < 4; i++) {
		esp_imelog_file *f = esp_imelog_file_at(log, i);
		ck_assert_uint_eq(f->input_index, order[i]);
		ck_assert_str_eq(f->name, in[order[i]].name);
		ck_assert(f->rotated == (i < 2));
		ck_assert_uint_eq(f->stats.records, i == 0 ? 2 : 1);
	}
	ck_assert_ptr_null(esp_imelog_file_at(log, 4));
	/* The app context carries over the rotation, not into another program. */
	ck_assert_uint_eq(esp_imelog_fact_count(log), 5);
	check_fact(esp_imelog_fact_at(log, 2), ESP_IMELOG_EXIT_CODE, 1, APP_A);
	ck_assert_str_eq(esp_imelog_fact_at(log, 2)->where.member,
	                 "Logs\\IntuneManagementExtension-20241105-101112.log");
	check_fact(esp_imelog_fact_at(log, 3), ESP_IMELOG_INSTALL_END, 1, APP_A);
	check_fact(esp_imelog_fact_at(log, 4), ESP_IMELOG_EXIT_CODE, 1, NULL);
	const esp_imelog_app *a = esp_imelog_app_find(log, APP_A);
	ck_assert_uint_eq(a->attempt_count, 1);
	ck_assert_ptr_null(a->name);
	ck_assert_ptr_null(a->policy);
	ck_assert_int_eq(a->attempts[0].outcome, ESP_IMELOG_IN_PROGRESS);
	esp_imelog_free(log);

	ck_assert(esp_imelog_wants("IntuneManagementExtension.log"));
	ck_assert(esp_imelog_wants("x/AppWorkload-20250101-000000.log"));
	ck_assert(esp_imelog_wants("C:\\Logs\\agentexecutor.LOG"));
	ck_assert(!esp_imelog_wants("ClientHealth.log"));
	ck_assert(!esp_imelog_wants("IntuneManagementExtension.txt"));
	ck_assert(!esp_imelog_wants(NULL));
	ck_assert_int_eq(esp_imelog_read(&log, NULL, 0, NULL, &err), ESPDIAG_OK);
	ck_assert_uint_eq(esp_imelog_app_count(log), 0);
	esp_imelog_free(log);
	ck_assert_int_eq(esp_imelog_read(NULL, in, 1, NULL, &err), ESPDIAG_EINVAL);
}
END_TEST

/* Numbers out of their range match no row (they are not cut or wrapped). */
START_TEST(imelog_numbers)
{
	static const char text[] = LINE("1:00:00", "1", "[Win32App] lpExitCode 4294967295")
		LINE("1:00:01", "1", "[Win32App] lpExitCode 4294967296")
		LINE("1:00:02", "1", "[Win32App] hResultFromWin32 -2147483648")
		LINE("1:00:03", "1", "[Win32App] hResultFromWin32 -2147483649")
		LINE("1:00:04", "1", "[Win32App] Failed to create installer process. Error code = 18446744073709551617")
		LINE("1:00:05", "1", "[Win32App] Failed to create installer process. Error code = -9223372036854775808")
		LINE("1:00:06", "1", "[Win32App] Got SidecarTrackingPoliciesCreated value as Truest");
	esp_imelog_input in = {"IntuneManagementExtension.log", (const unsigned char *)text,
	                       sizeof text - 1};
	esp_imelog *log;
	esp_err err;
	ck_assert_int_eq(esp_imelog_read(&log, &in, 1, NULL, &err), ESPDIAG_OK);
	ck_assert_uint_eq(esp_imelog_fact_count(log), 3);
	check_fact(esp_imelog_fact_at(log, 0), ESP_IMELOG_EXIT_CODE, 1, NULL);
	ck_assert_int_eq(esp_imelog_fact_at(log, 0)->number, 4294967295);
	check_fact(esp_imelog_fact_at(log, 1), ESP_IMELOG_HRESULT, 3, NULL);
	ck_assert_int_eq(esp_imelog_fact_at(log, 1)->number, INT32_MIN);
	check_fact(esp_imelog_fact_at(log, 2), ESP_IMELOG_INSTALL_NOT_STARTED, 6, NULL);
	ck_assert_int_eq(esp_imelog_fact_at(log, 2)->number, INT64_MIN);
	esp_imelog_free(log);
}
END_TEST

START_TEST(imelog_caps)
{
	unsigned char *d;
	esp_imelog_options o;
	memset(&o, 0, sizeof o);
	o.max_facts = 3;
	o.max_apps = 2;
	o.max_attempts = 1;
	esp_imelog *log = read_fixture("apps.log", &o, &d);
	ck_assert_uint_eq(esp_imelog_fact_count(log), 3);
	ck_assert_uint_eq(esp_imelog_app_count(log), 2);
	esp_imelog_file *f = esp_imelog_file_at(log, 0);
	ck_assert_uint_eq(esp_warnings_count(&f->warnings), 2);
	check_warning(&f->warnings, 0, 2, 0, 211, "more than 2 apps; later apps are not kept");
	check_warning(&f->warnings, 1, 5, 0, 1393, "more than 3 facts; later ones are not kept");
	esp_imelog_free(log);
	free(d);

	o.max_facts = 0;
	o.max_apps = 0;
	log = read_fixture("apps.log", &o, &d);
	f = esp_imelog_file_at(log, 0);
	ck_assert_uint_eq(esp_imelog_app_find(log, APP_C)->attempt_count, 1);
	ck_assert_uint_eq(esp_warnings_count(&f->warnings), 2);
	check_warning(&f->warnings, 0, 42, 0, 8798,
	              "app " APP_C ": more than 1 install attempts; later ones are not kept");
	check_warning(&f->warnings, 1, 53, 0, 11112,
	              "app " APP_D ": more than 1 install attempts; later ones are not kept");
	esp_imelog_free(log);
	free(d);
}
END_TEST

/* The real logs of one device: read whole, no warning, no app failure. */
START_TEST(imelog_corpus)
{
	const char *names[] = {"logs/IntuneManagementExtension-real-1.log",
	                       "logs/IntuneManagementExtension-real-2.log"};
	if (tu_corpus_path("logs") == NULL)
		return;
	unsigned char *data[2];
	esp_imelog_input in[2];
	for (int i = 0; i < 2; i++) {
		size_t size;
		data[i] = tu_read_file(tu_corpus_path(names[i]), &size);
		ck_assert_ptr_nonnull(data[i]);
		in[i] = (esp_imelog_input){names[i], data[i], size};
	}
	seen s = {0};
	esp_err err;
	ck_assert_int_eq(esp_cmtrace_read(data[0], in[0].size, "real-1", NULL, collect, &s, NULL, NULL,
	                                  &err),
	                 ESPDIAG_OK);
	ck_assert_str_eq(s.msg[0], "EMS Agent Started");
	ck_assert_str_eq(s.time_raw[0], "03:04:35.3725046");
	ck_assert(s.rec[0].time.valid && s.rec[0].time.year == 2025 && s.rec[0].time.month == 8 &&
	          s.rec[0].time.day == 17 && s.rec[0].time.frac_100ns == 3725046);
	ck_assert_uint_eq(s.rec[0].pos.offset, 3);
	ck_assert_uint_eq(s.rec[0].pos.line, 1);

	esp_imelog *log;
	ck_assert_int_eq(esp_imelog_read(&log, in, 2, NULL, &err), ESPDIAG_OK);
	static const uint64_t records[] = {2115, 1740}, lines[] = {2545, 3192};
	for (size_t i = 0; i < 2; i++) {
		esp_imelog_file *f = esp_imelog_file_at(log, i);
		ck_assert_uint_eq(f->stats.records, records[i]);
		ck_assert_uint_eq(f->stats.lines, lines[i]);
		ck_assert_str_eq(f->stats.encoding, "utf-8-bom");
		ck_assert_uint_eq(esp_warnings_count(&f->warnings), 0);
	}
	ck_assert_uint_eq(esp_imelog_app_count(log), 0);
	ck_assert_uint_eq(esp_imelog_fact_count(log), 31);
	const esp_imelog_fact *f = esp_imelog_fact_at(log, 2);
	check_fact(f, ESP_IMELOG_ESP_PROVIDER_STATE, 217, NULL);
	ck_assert_str_eq(f->text, "Sidecar");
	ck_assert_int_eq(f->number, 1);
	f = esp_imelog_fact_at(log, 8);
	check_fact(f, ESP_IMELOG_ESP_TRACKED_APP, 997, "002d63cf-16a9-4658-a473-1e68ecb3892d");
	ck_assert_int_eq(f->number, 2);
	f = esp_imelog_fact_at(log, 23);
	check_fact(f, ESP_IMELOG_ESP_PHASE, 213, NULL);
	ck_assert_str_eq(f->where.member, names[1]);
	ck_assert_str_eq(f->text, "DeviceSetup");
	/* The DO jobs of the real log belong to no Win32 app. */
	for (size_t i = 0; i < esp_imelog_fact_count(log); i++)
		if (esp_imelog_fact_at(log, i)->kind == ESP_IMELOG_DOWNLOAD_END)
			ck_assert_ptr_null(esp_imelog_fact_at(log, i)->app_id);
	esp_imelog_free(log);
	free(data[0]);
	free(data[1]);
}
END_TEST

Suite *suite_imelog(void)
{
	Suite *s = suite_create("imelog");
	TCase *tc = tcase_create("cmtrace");
	tcase_add_test(tc, cmtrace_utf16);
	tcase_add_test(tc, cmtrace_damaged);
	tcase_add_test(tc, cmtrace_caps);
	tcase_add_test(tc, cmtrace_times);
	tcase_add_test(tc, cmtrace_bid);
	suite_add_tcase(s, tc);
	tc = tcase_create("interpret");
	tcase_add_test(tc, imelog_catalogue);
	tcase_add_test(tc, imelog_attempts);
	tcase_add_test(tc, imelog_esp_facts);
	tcase_add_test(tc, imelog_rotation);
	tcase_add_test(tc, imelog_numbers);
	tcase_add_test(tc, imelog_caps);
	tcase_add_test(tc, imelog_corpus);
	suite_add_tcase(s, tc);
	return s;
}

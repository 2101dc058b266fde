/* tests/check_evtx.c - the event log reader: logs made by tests/evtx_writer.c
 * for the channels and events EVIDENCE.md §5 names (their data item names
 * are ours where §5 names none), damage (a bad chunk, a truncated file,
 * records in free space), the caps and the filter; and the real logs of
 * ../shared/corpus/evtx against what evtxinfo and evtxexport (libevtx-utils
 * 20181227) report for them (skipped without the corpus). Built without
 * libevtx, only the "not supported" answer is tested. */
#include <config.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtx.h"
#include "evtx_writer.h"
#include "suites.h"
#include "testutil.h"

#define DMEDP "Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider"
#define DMEDP_GUID "{3DA494E4-0FE2-415C-B895-FB5265C5C83B}"
#define UDR "Microsoft-Windows-User Device Registration"
#define SHELL "Microsoft-Windows-Shell-Core"
#define SHELL_GUID "{30336ED4-E327-447C-9DE0-51B652C86108}"

/* 2024-11-14T16:16:31.5274759Z, the time of a real 62407 in the corpus */
#define T0 UINT64_C(133760745915274759)

/* libevtx 20181227 leaks the XML tags of a record whose binary XML it
 * fails to parse (libfwevt_xml_tag_initialize, on its error path): not
 * ours to fix, so LeakSanitizer is told to ignore allocations made inside
 * libevtx; our own leaks are still reported. */
const char *__lsan_default_suppressions(void);
__attribute__((used)) const char *__lsan_default_suppressions(void)
{
	return "leak:libevtx.so\n";
}

#ifdef HAVE_LIBEVTX

static esp_evtx *read_ok(const ew_log *w, size_t size, const esp_evtx_options *opts)
{
	esp_evtx *log = NULL;
	esp_err err = { "" };
	int rc = esp_evtx_read(&log, w->buf, size, "test.evtx", opts, &err);
	ck_assert_msg(rc == ESPDIAG_OK, "rc %d: %s", rc, err.msg);
	return log;
}

static void check_data(const esp_evtx_record *r, size_t i, const char *name, const char *value)
{
	ck_assert_uint_gt(r->data_count, i);
	ck_assert_str_eq(r->data[i].name, name);
	ck_assert_str_eq(r->data[i].value, value);
}

/* The ESP's channels, one event each, every field checked. */
START_TEST(test_esp_channels)
{
	ew_log w;
	ew_init(&w);
	const ew_data enroll[] = { { "MessageNumber", "1" }, { "HRESULT", "0x80180014" } };
	const ew_event e72 = { DMEDP, DMEDP_GUID, 72, 2, T0, DMEDP "/Admin", NULL, enroll, 2, NULL };
	const ew_data odj[] = { { "State", "3" } };
	const ew_event e109 = { DMEDP, DMEDP_GUID, 109, 4, T0 + 10000000, DMEDP "/Admin", NULL, odj,
		                1, NULL };
	const ew_data reg[] = { { "ServerErrorCode", "invalid_grant" }, { "Attempt", "1" } };
	const ew_event e304 = { UDR, NULL, 304, 2, T0 + 20000000, UDR "/Admin", "PC-7", reg, 2,
		                "RegistrationFailure" };
	const ew_data prog[] = { { "Name", "Done" }, { "Value", "success" } };
	const ew_event e62407 = { SHELL, SHELL_GUID, 62407, 4, T0 + 30000000,
		                  SHELL "/Operational", NULL, prog, 2, NULL };
	uint64_t off[4];
	off[0] = ew_add(&w, &e72);
	off[1] = ew_add(&w, &e109);
	off[2] = ew_add(&w, &e304);
	off[3] = ew_add(&w, &e62407);
	ew_finish(&w);
	ck_assert_uint_eq(off[0], 0x1200);

	esp_evtx *log = read_ok(&w, w.size, NULL);
	ck_assert_uint_eq(esp_evtx_total_records(log), 4);
	ck_assert_uint_eq(esp_evtx_total_recovered(log), 0);
	ck_assert_uint_eq(esp_evtx_count(log), 4);
	ck_assert_uint_eq(esp_evtx_warning_count(log), 0);

	const esp_evtx_record *r = esp_evtx_at(log, 0);
	ck_assert_uint_eq(r->record_id, 1);
	ck_assert_uint_eq(r->index, 0);
	ck_assert_uint_eq(r->offset, off[0]);
	ck_assert_uint_eq(r->written_time, T0);
	ck_assert_uint_eq(r->time_created, T0);
	ck_assert_uint_eq(r->flags, ESP_EVTX_HAS_EVENT_ID | ESP_EVTX_HAS_TIME_CREATED);
	ck_assert_str_eq(r->channel, DMEDP "/Admin");
	ck_assert_str_eq(r->provider, DMEDP);
	ck_assert_str_eq(r->provider_guid, DMEDP_GUID);
	ck_assert_str_eq(r->computer, "TESTPC");
	ck_assert_uint_eq(r->event_id, 72);
	ck_assert_uint_eq(r->level, 2);
	ck_assert_uint_eq(r->data_count, 2);
	check_data(r, 0, "MessageNumber", "1");
	check_data(r, 1, "HRESULT", "0x80180014");

	r = esp_evtx_at(log, 1);
	ck_assert_uint_eq(r->record_id, 2);
	ck_assert_uint_eq(r->offset, off[1]);
	ck_assert_uint_eq(r->event_id, 109);
	ck_assert_uint_eq(r->level, 4);
	ck_assert_uint_eq(r->time_created, T0 + 10000000);
	ck_assert_uint_eq(r->data_count, 1);
	check_data(r, 0, "State", "3");

	/* UserData: leaf elements are the items; no GUID written */
	r = esp_evtx_at(log, 2);
	ck_assert_uint_eq(r->record_id, 3);
	ck_assert_uint_eq(r->offset, off[2]);
	ck_assert_str_eq(r->channel, UDR "/Admin");
	ck_assert_str_eq(r->provider, UDR);
	ck_assert_str_eq(r->provider_guid, "");
	ck_assert_str_eq(r->computer, "PC-7");
	ck_assert_uint_eq(r->event_id, 304);
	ck_assert_uint_eq(r->data_count, 2);
	check_data(r, 0, "ServerErrorCode", "invalid_grant");
	check_data(r, 1, "Attempt", "1");

	r = esp_evtx_at(log, 3);
	ck_assert_uint_eq(r->record_id, 4);
	ck_assert_uint_eq(r->offset, off[3]);
	ck_assert_str_eq(r->channel, SHELL "/Operational");
	ck_assert_uint_eq(r->event_id, 62407);
	ck_assert_uint_eq(r->time_created, T0 + 30000000);
	check_data(r, 0, "Name", "Done");
	check_data(r, 1, "Value", "success");
	ck_assert_ptr_null(esp_evtx_at(log, 4));
	esp_evtx_free(log);
	ew_free(&w);
}
END_TEST

/* UserData items held in attributes are named "Element/@Attribute"; a
 * control character (no XML can hold one) is shown as "?". */
START_TEST(test_userdata_attributes)
{
	ew_log w;
	ew_init(&w);
	const ew_data d[] = { { "Error/@Code", "15007" }, { "EventID", "4616" },
		              { "PublisherID", "a\x01" "b" } };
	const ew_event e = { "Microsoft-Windows-Eventlog", NULL, 1, 2, T0, "System", NULL, d, 3,
		             "EventProcessingFailure" };
	ew_add(&w, &e);
	ew_finish(&w);
	esp_evtx *log = read_ok(&w, w.size, NULL);
	ck_assert_uint_eq(esp_evtx_count(log), 1);
	const esp_evtx_record *r = esp_evtx_at(log, 0);
	ck_assert_uint_eq(r->data_count, 3);
	check_data(r, 0, "Error/@Code", "15007");
	check_data(r, 1, "EventID", "4616");
	check_data(r, 2, "PublisherID", "a?b");
	esp_evtx_free(log);
	ew_free(&w);
}
END_TEST

/* Text that XML escapes, non-ASCII, an empty item, a Data without Name.
 * (Only the BMP: libevtx 20181227 turns a surrogate pair into another
 * character, e.g. U+1F600 into U+1F201.) */
START_TEST(test_data_text)
{
	ew_log w;
	ew_init(&w);
	const ew_data d[] = { { "Message", "a<b & \"c\" 'd' >e" },
		              { "Text", "\xc4\xb0\xc5\x9f \xe2\x82\xac" },
		              { "Empty", "" },
		              { "", "unnamed" } };
	const ew_event e = { DMEDP, DMEDP_GUID, 1924, 2, T0, DMEDP "/Admin", NULL, d, 4, NULL };
	ew_add(&w, &e);
	ew_finish(&w);
	esp_evtx *log = read_ok(&w, w.size, NULL);
	ck_assert_uint_eq(esp_evtx_count(log), 1);
	const esp_evtx_record *r = esp_evtx_at(log, 0);
	ck_assert_uint_eq(r->data_count, 4);
	check_data(r, 0, "Message", "a<b & \"c\" 'd' >e");
	check_data(r, 1, "Text", "\xc4\xb0\xc5\x9f \xe2\x82\xac");
	check_data(r, 2, "Empty", "");
	check_data(r, 3, "", "unnamed");
	esp_evtx_free(log);
	ew_free(&w);
}
END_TEST

/* The ESP filter keeps §5's channels (Shell-Core only 62407); a row with
 * no channel selects by event id anywhere. */
START_TEST(test_filter)
{
	ew_log w;
	ew_init(&w);
	const ew_event ev[] = {
		{ SHELL, SHELL_GUID, 62170, 4, T0, SHELL "/Operational", NULL, NULL, 0, NULL },
		{ SHELL, SHELL_GUID, 62407, 4, T0, SHELL "/Operational", NULL, NULL, 0, NULL },
		{ "Microsoft-Windows-AAD", NULL, 1098, 2, T0, "Microsoft-Windows-AAD/Operational",
		  NULL, NULL, 0, NULL },
		/* channel names are matched without regard to case */
		{ DMEDP, DMEDP_GUID, 72, 4, T0, "microsoft-windows-devicemanagement-enterprise-"
		                               "diagnostics-provider/admin", NULL, NULL, 0, NULL },
		{ UDR, NULL, 306, 4, T0, UDR "/Admin", NULL, NULL, 0, NULL },
	};
	for (size_t i = 0; i < 5; i++)
		ew_add(&w, &ev[i]);
	ew_finish(&w);

	esp_evtx_options o = ESP_EVTX_OPTIONS_INIT;
	o.filter = esp_evtx_esp_filter;
	o.filter_count = esp_evtx_esp_filter_count;
	esp_evtx *log = read_ok(&w, w.size, &o);
	ck_assert_uint_eq(esp_evtx_total_records(log), 5);
	ck_assert_uint_eq(esp_evtx_count(log), 3);
	ck_assert_uint_eq(esp_evtx_at(log, 0)->event_id, 62407);
	ck_assert_uint_eq(esp_evtx_at(log, 1)->event_id, 72);
	ck_assert_uint_eq(esp_evtx_at(log, 1)->index, 3);
	ck_assert_uint_eq(esp_evtx_at(log, 2)->event_id, 306);
	esp_evtx_free(log);

	const esp_evtx_filter by_id[] = { { NULL, 1098 } };
	o.filter = by_id;
	o.filter_count = 1;
	log = read_ok(&w, w.size, &o);
	ck_assert_uint_eq(esp_evtx_count(log), 1);
	ck_assert_str_eq(esp_evtx_at(log, 0)->channel, "Microsoft-Windows-AAD/Operational");
	esp_evtx_free(log);
	ew_free(&w);
}
END_TEST

/* A record left in a chunk's free space comes back flagged recovered,
 * after the listed ones; skip_recovered leaves it out. */
START_TEST(test_recovered)
{
	ew_log w;
	ew_init(&w);
	const ew_data d[] = { { "Name", "Old" } };
	const ew_event live = { SHELL, SHELL_GUID, 62407, 4, T0, SHELL "/Operational", NULL, NULL,
		                0, NULL };
	const ew_event old = { SHELL, SHELL_GUID, 62407, 4, T0 - 1, SHELL "/Operational", NULL, d, 1,
		               NULL };
	ew_add(&w, &live);
	uint64_t slack = ew_add_slack(&w, &old);
	ew_finish(&w);
	esp_evtx *log = read_ok(&w, w.size, NULL);
	ck_assert_uint_eq(esp_evtx_total_records(log), 1);
	ck_assert_uint_eq(esp_evtx_total_recovered(log), 1);
	ck_assert_uint_eq(esp_evtx_count(log), 2);
	const esp_evtx_record *r = esp_evtx_at(log, 1);
	ck_assert_uint_eq(r->flags, ESP_EVTX_RECOVERED | ESP_EVTX_HAS_EVENT_ID |
	                                    ESP_EVTX_HAS_TIME_CREATED);
	ck_assert_uint_eq(r->record_id, 2);
	ck_assert_uint_eq(r->index, 0);
	ck_assert_uint_eq(r->offset, slack);
	ck_assert_uint_eq(r->written_time, T0 - 1);
	check_data(r, 0, "Name", "Old");
	ck_assert_uint_eq(esp_evtx_warning_count(log), 0);
	esp_evtx_free(log);

	esp_evtx_options o = ESP_EVTX_OPTIONS_INIT;
	o.skip_recovered = true;
	log = read_ok(&w, w.size, &o);
	ck_assert_uint_eq(esp_evtx_count(log), 1);
	ck_assert_uint_eq(esp_evtx_at(log, 0)->flags & ESP_EVTX_RECOVERED, 0);
	esp_evtx_free(log);
	ew_free(&w);
}
END_TEST

static void two_chunks(ew_log *w)
{
	const ew_event a = { DMEDP, DMEDP_GUID, 72, 4, T0, DMEDP "/Admin", NULL, NULL, 0, NULL };
	const ew_event b = { DMEDP, DMEDP_GUID, 109, 4, T0 + 1, DMEDP "/Admin", NULL, NULL, 0, NULL };
	ew_init(w);
	ew_add(w, &a);
	ew_add(w, &a);
	ew_new_chunk(w);
	ew_add(w, &b);
	ew_finish(w);
}

/* A chunk whose header fails its CRC-32: a warning naming it; its records
 * and the next chunk's are read, its own flagged. */
START_TEST(test_damaged_chunk_header)
{
	ew_log w;
	two_chunks(&w);
	w.buf[ew_chunk_offset(0) + 60] ^= 0xff; /* an unused header byte under the CRC */
	esp_evtx *log = read_ok(&w, w.size, NULL);
	ck_assert_uint_eq(esp_evtx_warning_count(log), 1);
	const espdiag_warning *wn = esp_evtx_warning_at(log, 0);
	ck_assert_uint_eq(wn->offset, 0x1000);
	ck_assert_msg(strncmp(wn->message, "chunk 0 at offset 0x1000: header CRC-32 0x", 42) == 0 &&
	                      strstr(wn->message, "its records may be damaged") != NULL,
	              "%s", wn->message);
	ck_assert_uint_eq(esp_evtx_count(log), 3);
	ck_assert_uint_ne(esp_evtx_at(log, 0)->flags & ESP_EVTX_DAMAGED_CHUNK, 0);
	ck_assert_uint_ne(esp_evtx_at(log, 1)->flags & ESP_EVTX_DAMAGED_CHUNK, 0);
	ck_assert_uint_eq(esp_evtx_at(log, 2)->flags & ESP_EVTX_DAMAGED_CHUNK, 0);
	ck_assert_uint_eq(esp_evtx_at(log, 2)->event_id, 109);
	esp_evtx_free(log);
	ew_free(&w);
}
END_TEST

/* A chunk whose records fail their CRC-32 (a byte of a record's value
 * changed): named, the record read with the changed value and flagged. */
START_TEST(test_damaged_chunk_records)
{
	ew_log w;
	ew_init(&w);
	const ew_data d[] = { { "Name", "Done" } };
	const ew_event a = { SHELL, SHELL_GUID, 62407, 4, T0, SHELL "/Operational", NULL, d, 1, NULL };
	uint64_t off = ew_add(&w, &a);
	ew_new_chunk(&w);
	ew_add(&w, &a);
	ew_finish(&w);
	/* the value's UTF-16 "Done" is the record's last text */
	unsigned char *p = w.buf + off;
	size_t size = (size_t)p[4] | (size_t)p[5] << 8;
	unsigned char *hit = NULL;
	for (size_t i = 0; i + 8 <= size; i++)
		if (memcmp(p + i, "D\0o\0n\0e\0", 8) == 0)
			hit = p + i;
	ck_assert_ptr_nonnull(hit);
	hit[0] = 'G';
	esp_evtx *log = read_ok(&w, w.size, NULL);
	ck_assert_uint_eq(esp_evtx_warning_count(log), 1);
	const espdiag_warning *wn = esp_evtx_warning_at(log, 0);
	ck_assert_msg(strstr(wn->message, "chunk 0 at offset 0x1000: records CRC-32 0x") ==
	                      wn->message,
	              "%s", wn->message);
	ck_assert_uint_eq(esp_evtx_count(log), 2);
	const esp_evtx_record *r = esp_evtx_at(log, 0);
	ck_assert_uint_eq(r->flags & ESP_EVTX_DAMAGED_CHUNK, ESP_EVTX_DAMAGED_CHUNK);
	check_data(r, 0, "Name", "Gone");
	ck_assert_uint_eq(esp_evtx_at(log, 1)->flags & ESP_EVTX_DAMAGED_CHUNK, 0);
	esp_evtx_free(log);
	ew_free(&w);
}
END_TEST

/* The file offset of the value count of the template instance that
 * starts the record at off (the writer's: its definition inline). */
static uint64_t template_count_offset(const ew_log *w, uint64_t off, size_t chunk)
{
	const unsigned char *p = w->buf + off;
	uint64_t base = ew_chunk_offset(chunk);
	ck_assert_uint_eq(p[24], 0x0F); /* fragment header */
	ck_assert_uint_eq(p[28], 0x0C); /* template instance */
	uint32_t def = esp_le32(p + 34);
	ck_assert_uint_eq(def, off + 38 - base); /* inline */
	const unsigned char *d = w->buf + base + def;
	return base + def + 24 + esp_le32(d + 20);
}

/* A template instance declaring 2^30 values (libevtx's libfwevt of 2018
 * multiplies the count by 4 in 32 bits, so it passes its check and then
 * takes all memory: found by fuzz_evtx): the count is named and read as 0,
 * within a few MB; that record then fails in libevtx, and the chunk's
 * other record is read, its chunk not called damaged. */
START_TEST(test_template_count_wraps)
{
	ew_log w;
	ew_init(&w);
	const ew_data d[] = { { "Name", "Second" } };
	const ew_event a = { SHELL, SHELL_GUID, 62407, 4, T0, SHELL "/Operational", NULL, NULL, 0,
		             NULL };
	const ew_event b = { SHELL, SHELL_GUID, 62408, 4, T0 + 1, SHELL "/Operational", NULL, d, 1,
		             NULL };
	uint64_t first = ew_add(&w, &a);
	ew_add(&w, &b);
	uint64_t at = template_count_offset(&w, first, 0);
	w.buf[at + 3] = 0x40; /* the count becomes 0x40000000 + its own */
	ew_finish(&w);
	uint32_t count = esp_le32(w.buf + at);
	esp_evtx *log = read_ok(&w, w.size, NULL);
	ck_assert_uint_eq(esp_evtx_count(log), 1);
	const esp_evtx_record *r = esp_evtx_at(log, 0);
	ck_assert_uint_eq(r->event_id, 62408);
	ck_assert_uint_eq(r->flags & ESP_EVTX_DAMAGED_CHUNK, 0);
	check_data(r, 0, "Name", "Second");
	ck_assert_uint_eq(esp_evtx_warning_count(log), 2);
	const espdiag_warning *wn = esp_evtx_warning_at(log, 0);
	char want[200];
	snprintf(want, sizeof want,
	         "chunk 0: the template instance at offset 0x%llx declares %lu values (at offset "
	         "0x%llx), a count libevtx would wrap; read as 0, so what holds it may not be read",
	         (unsigned long long)first + 28, (unsigned long)count, (unsigned long long)at);
	ck_assert_str_eq(wn->message, want);
	ck_assert_uint_eq(wn->offset, at);
	wn = esp_evtx_warning_at(log, 1);
	ck_assert_msg(strncmp(wn->message, "record 0 at offset 0x", 21) == 0 &&
	                      strstr(wn->message, "cannot be read") != NULL,
	              "%s", wn->message);
	esp_evtx_free(log);
	ew_free(&w);
}
END_TEST

/* A template instance token standing anywhere in a chunk (libfwevt also
 * reads one that stands alone in a BinXml value substituted into an
 * element: found by fuzz_evtx after the record-level check) is looked at
 * where it stands: here in the free space, its definition elsewhere, so
 * its count follows its 10 bytes. The live record reads as before. */
START_TEST(test_template_count_anywhere)
{
	ew_log w;
	ew_init(&w);
	const ew_event a = { SHELL, SHELL_GUID, 62407, 4, T0, SHELL "/Operational", NULL, NULL, 0,
		             NULL };
	ew_add(&w, &a);
	ew_finish(&w);
	size_t t = 0x8000; /* chunk-relative, in the free space */
	unsigned char *c = w.buf + ew_chunk_offset(0);
	const unsigned char token[] = { 0x0C, 0x01, 1, 2, 3, 4, 0x00, 0x02, 0, 0,
		                        0x00, 0x00, 0x00, 0xC0 }; /* def 0x200; count 0xC0000000 */
	memcpy(c + t, token, sizeof token);
	esp_evtx *log = read_ok(&w, w.size, NULL);
	ck_assert_uint_eq(esp_evtx_count(log), 1);
	ck_assert_uint_eq(esp_evtx_at(log, 0)->event_id, 62407);
	ck_assert_uint_eq(esp_evtx_warning_count(log), 1);
	const espdiag_warning *wn = esp_evtx_warning_at(log, 0);
	ck_assert_str_eq(wn->message, "chunk 0: the template instance at offset 0x9000 declares "
	                              "3221225472 values (at offset 0x900a), a count libevtx "
	                              "would wrap; read as 0, so what holds it may not be read");
	ck_assert_uint_eq(wn->offset, 0x900a);
	esp_evtx_free(log);
	ew_free(&w);
}
END_TEST

/* The same record in a chunk whose header is all zeros (read as never
 * written, so not damaged, though its bytes hold records): the count is
 * still named, and the CRC-32s, which did not hold, are left as they are
 * (found by fuzz_evtx: recomputing them read past the chunk). */
START_TEST(test_template_count_in_blank_chunk)
{
	ew_log w;
	ew_init(&w);
	const ew_event a = { SHELL, SHELL_GUID, 62407, 4, T0, SHELL "/Operational", NULL, NULL, 0,
		             NULL };
	uint64_t first = ew_add(&w, &a);
	uint64_t at = template_count_offset(&w, first, 0);
	w.buf[at + 3] = 0x40;
	ew_finish(&w);
	memset(w.buf + ew_chunk_offset(0), 0, 512);
	esp_evtx *log = read_ok(&w, w.size, NULL);
	ck_assert_uint_eq(esp_evtx_count(log), 0);
	ck_assert_uint_ge(esp_evtx_warning_count(log), 1);
	const espdiag_warning *wn = esp_evtx_warning_at(log, 0);
	ck_assert_msg(strstr(wn->message, "a count libevtx would wrap") != NULL, "%s",
	              wn->message);
	ck_assert_uint_eq(wn->offset, at);
	esp_evtx_free(log);
	ew_free(&w);
}
END_TEST

/* Binary XML nested as deep as one chunk allows is read on a caller's
 * small stack: libevtx recurses once per level, so the reader runs it on a
 * stack of its own. Each log is read from a thread with 256 KiB of stack,
 * as an embedding program's worker may have (a Windows program's main
 * thread has 1 MiB); without the reader's own stack both tests die of
 * SIGSEGV. libevtx indents each level, so the deep record's XML outgrows
 * the cap: it is skipped, said, and the next record read. */
typedef struct deep_read {
	const ew_log *w;
	esp_evtx *log;
	int rc;
	esp_err err;
} deep_read;

static void *read_deep(void *arg)
{
	deep_read *d = arg;
	d->rc = esp_evtx_read(&d->log, d->w->buf, d->w->size, "deep.evtx", NULL, &d->err);
	return NULL;
}

static void check_deep(ew_nesting how, unsigned depth, const char *warning)
{
	ew_log w;
	ew_init(&w);
	const ew_event a = { DMEDP, DMEDP_GUID, 72, 4, T0, DMEDP "/Admin", NULL, NULL, 0, NULL };
	const ew_event b = { DMEDP, DMEDP_GUID, 109, 4, T0 + 1, DMEDP "/Admin", NULL, NULL, 0, NULL };
	ew_add_nested(&w, &a, how, depth);
	ew_add(&w, &b);
	ew_finish(&w);
	deep_read d = { &w, NULL, -1, { "" } };
	pthread_attr_t attr;
	pthread_t t;
	ck_assert_int_eq(pthread_attr_init(&attr), 0);
	ck_assert_int_eq(pthread_attr_setstacksize(&attr, (size_t)256 << 10), 0);
	ck_assert_int_eq(pthread_create(&t, &attr, read_deep, &d), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&attr);
	ck_assert_msg(d.rc == ESPDIAG_OK, "rc %d: %s", d.rc, d.err.msg);
	ck_assert_uint_eq(esp_evtx_warning_count(d.log), 1);
	ck_assert_str_eq(esp_evtx_warning_at(d.log, 0)->message, warning);
	ck_assert_uint_eq(esp_evtx_count(d.log), 1);
	ck_assert_uint_eq(esp_evtx_at(d.log, 0)->event_id, 109);
	ck_assert_uint_eq(esp_evtx_at(d.log, 0)->record_id, 2);
	esp_evtx_free(d.log);
	ew_free(&w);
}

/* 4,800 elements: about 240 bytes of stack a level, 1.2 MiB */
START_TEST(test_deep_elements_on_a_small_stack)
{
	check_deep(EW_NEST_ELEMENTS, 4800,
	           "record 0 (id 1) at offset 0x1200: 46142937 bytes of XML, more than the "
	           "limit of 1048576; skipped");
}
END_TEST

/* 2,800 template instances each in a value of the one before: about 1 KiB
 * a level, 2-3 MiB */
START_TEST(test_deep_values_on_a_small_stack)
{
	check_deep(EW_NEST_VALUES, 2800,
	           "record 0 (id 1) at offset 0x1200: 15705210 bytes of XML, more than the "
	           "limit of 1048576; skipped");
}
END_TEST

/* A caller cancelled (pthread_cancel) while the reader waits for
 * libevtx's thread is not cancelled there: that thread would go on
 * writing into the caller's unwound stack. The read finishes and the
 * cancellation waits for the caller's next cancellation point. */
typedef struct cancelled_read {
	const ew_log *w;
	int go; /* set (atomically) once the cancellation is pending */
	bool returned;
	int rc;
	esp_evtx *log;
} cancelled_read;

static void *read_then_test_cancel(void *arg)
{
	cancelled_read *c = arg;
	while (!__atomic_load_n(&c->go, __ATOMIC_ACQUIRE))
		; /* no cancellation point before the read */
	esp_err err = { "" };
	c->rc = esp_evtx_read(&c->log, c->w->buf, c->w->size, "test.evtx", NULL, &err);
	c->returned = true;
	pthread_testcancel();
	return NULL;
}

START_TEST(test_cancelled_caller)
{
	ew_log w;
	two_chunks(&w);
	cancelled_read c = { &w, 0, false, -1, NULL };
	pthread_t t;
	void *result = NULL;
	ck_assert_int_eq(pthread_create(&t, NULL, read_then_test_cancel, &c), 0);
	ck_assert_int_eq(pthread_cancel(t), 0);
	__atomic_store_n(&c.go, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(pthread_join(t, &result), 0);
	ck_assert(result == PTHREAD_CANCELED);
	ck_assert(c.returned);
	ck_assert_int_eq(c.rc, ESPDIAG_OK);
	ck_assert_uint_eq(esp_evtx_count(c.log), 3);
	esp_evtx_free(c.log);
	ew_free(&w);
}
END_TEST

/* A chunk without its signature: named; the next chunk is still read. */
START_TEST(test_chunk_without_signature)
{
	ew_log w;
	two_chunks(&w);
	memset(w.buf + ew_chunk_offset(0), 'X', 8);
	esp_evtx *log = read_ok(&w, w.size, NULL);
	ck_assert_uint_ge(esp_evtx_warning_count(log), 1);
	ck_assert_str_eq(esp_evtx_warning_at(log, 0)->message,
	                 "chunk 0 at offset 0x1000: no chunk signature; its records are only "
	                 "recovered where they can be found");
	size_t n109 = 0;
	for (size_t i = 0; i < esp_evtx_count(log); i++) {
		const esp_evtx_record *r = esp_evtx_at(log, i);
		if (r->event_id == 109) {
			n109++;
			ck_assert_uint_eq(r->flags & (ESP_EVTX_RECOVERED | ESP_EVTX_DAMAGED_CHUNK), 0);
		} else {
			/* what libevtx finds of chunk 0 is recovered, from a damaged chunk */
			ck_assert_uint_eq(r->flags & (ESP_EVTX_RECOVERED | ESP_EVTX_DAMAGED_CHUNK),
			                  ESP_EVTX_RECOVERED | ESP_EVTX_DAMAGED_CHUNK);
		}
	}
	ck_assert_uint_eq(n109, 1);
	esp_evtx_free(log);
	ew_free(&w);
}
END_TEST

/* Cut inside the second chunk: said, and the first chunk's records read. */
START_TEST(test_truncated)
{
	ew_log w;
	two_chunks(&w);
	size_t cut = (size_t)ew_chunk_offset(1) + 1000;
	esp_evtx *log = read_ok(&w, cut, NULL);
	ck_assert_uint_eq(esp_evtx_count(log), 2);
	ck_assert_uint_eq(esp_evtx_at(log, 1)->event_id, 72);
	ck_assert_uint_eq(esp_evtx_warning_count(log), 1);
	ck_assert_str_eq(esp_evtx_warning_at(log, 0)->message,
	                 "file truncated: the last 1000 bytes are part of a chunk and are not read");
	ck_assert_uint_eq(esp_evtx_warning_at(log, 0)->offset, ew_chunk_offset(1));
	esp_evtx_free(log);

	/* no whole chunk: no records, said */
	log = read_ok(&w, 4096 + 100, NULL);
	ck_assert_uint_eq(esp_evtx_count(log), 0);
	ck_assert_str_eq(esp_evtx_warning_at(log, 0)->message,
	                 "file truncated: the last 100 bytes are part of a chunk and are not read");
	esp_evtx_free(log);

	/* a cut header cannot be read: the one failure (at 4000 bytes,
	 * libbfio read past the end of the memory before it was refused) */
	esp_evtx *none = NULL;
	esp_err err;
	ck_assert_int_eq(esp_evtx_read(&none, w.buf, 100, "cut.evtx", NULL, &err), ESPDIAG_EFORMAT);
	ck_assert_str_eq(err.msg, "cut.evtx: event log truncated in its file header (100 bytes)");
	ck_assert_ptr_null(none);
	unsigned char *head = malloc(4000);
	ck_assert_ptr_nonnull(head);
	memcpy(head, w.buf, 4000);
	ck_assert_int_eq(esp_evtx_read(&none, head, 4000, "cut.evtx", NULL, &err), ESPDIAG_EFORMAT);
	ck_assert_str_eq(err.msg, "cut.evtx: event log truncated in its file header (4000 bytes)");
	free(head);
	ew_free(&w);
}
END_TEST

START_TEST(test_not_evtx)
{
	esp_evtx *log = NULL;
	esp_err err;
	static const unsigned char regf[64] = "regf";
	ck_assert_int_eq(esp_evtx_read(&log, regf, sizeof regf, "SOFTWARE", NULL, &err),
	                 ESPDIAG_EFORMAT);
	ck_assert_str_eq(err.msg, "SOFTWARE: not an event log (no \"ElfFile\" signature)");
	ck_assert_ptr_null(log);
	ck_assert_int_eq(esp_evtx_read(&log, NULL, 0, "empty", NULL, &err), ESPDIAG_EFORMAT);
	ck_assert_str_eq(err.msg, "empty: not an event log (no \"ElfFile\" signature)");
	ck_assert_int_eq(esp_evtx_bid(regf, sizeof regf), 0);
	ck_assert_int_eq(esp_evtx_bid((const unsigned char *)"ElfFile", 8), 100);

	/* the magic, then nothing libevtx can read: a clear error, no crash */
	unsigned char junk[8192];
	memset(junk, 0xee, sizeof junk);
	memcpy(junk, "ElfFile", 8);
	ck_assert_int_eq(esp_evtx_read(&log, junk, sizeof junk, "junk.evtx", NULL, &err),
	                 ESPDIAG_EFORMAT);
	ck_assert_msg(strncmp(err.msg, "junk.evtx: not a readable event log (libevtx: ", 46) == 0,
	              "%s", err.msg);

	esp_evtx_options bad = ESP_EVTX_OPTIONS_INIT;
	bad.version = 99;
	ck_assert_int_eq(esp_evtx_read(&log, junk, sizeof junk, "x", &bad, &err), ESPDIAG_EINVAL);
}
END_TEST

START_TEST(test_caps)
{
	ew_log w;
	ew_init(&w);
	const ew_data d[] = { { "A", "1" }, { "B", "2" }, { "C", "3" } };
	const ew_event e = { DMEDP, DMEDP_GUID, 72, 4, T0, DMEDP "/Admin", NULL, d, 3, NULL };
	for (int i = 0; i < 5; i++)
		ew_add(&w, &e);
	ew_finish(&w);

	esp_evtx_options o = ESP_EVTX_OPTIONS_INIT;
	o.max_records = 2;
	esp_evtx *log = read_ok(&w, w.size, &o);
	ck_assert_uint_eq(esp_evtx_count(log), 2);
	ck_assert_uint_eq(esp_evtx_warning_count(log), 1);
	ck_assert_str_eq(esp_evtx_warning_at(log, 0)->message,
	                 "the limit of 2 records is reached; 3 more are not read");
	esp_evtx_free(log);

	o = (esp_evtx_options)ESP_EVTX_OPTIONS_INIT;
	o.max_xml_size = 200;
	log = read_ok(&w, w.size, &o);
	ck_assert_uint_eq(esp_evtx_count(log), 0);
	ck_assert_uint_eq(esp_evtx_warning_count(log), 5);
	const espdiag_warning *wn = esp_evtx_warning_at(log, 0);
	ck_assert_uint_eq(wn->offset, 0x1200);
	ck_assert_msg(strstr(wn->message, "record 0 (id 1) at offset 0x1200: ") == wn->message &&
	                      strstr(wn->message, " bytes of XML, more than the limit of 200; "
	                                          "skipped") != NULL,
	              "%s", wn->message);
	esp_evtx_free(log);

	o = (esp_evtx_options)ESP_EVTX_OPTIONS_INIT;
	o.max_data = 2;
	log = read_ok(&w, w.size, &o);
	ck_assert_uint_eq(esp_evtx_count(log), 5);
	ck_assert_uint_eq(esp_evtx_at(log, 4)->data_count, 2);
	check_data(esp_evtx_at(log, 4), 1, "B", "2");
	ck_assert_uint_eq(esp_evtx_warning_count(log), 5);
	ck_assert_str_eq(esp_evtx_warning_at(log, 0)->message,
	                 "record 0 (id 1) at offset 0x1200: 1 data items past the limit of 2 not "
	                 "kept");
	esp_evtx_free(log);
	ew_free(&w);
}
END_TEST

/* --- the real logs --- */

typedef struct corpus_log {
	const char *file;
	uint64_t records, recovered; /* as evtxinfo reports them */
	size_t warnings;             /* recovered records libevtx cannot rebuild */
} corpus_log;

static const corpus_log corpus_logs[] = {
	{ "Microsoft-Windows-AAD%4Operational.evtx", 9, 0, 0 },
	{ "Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider%4Admin.evtx", 1, 0, 0 },
	{ "Microsoft-Windows-ModernDeployment-Diagnostics-Provider%4Autopilot.evtx", 22, 0, 0 },
	/* Its 57 recovered records sit in the free space of its last chunk and
	 * use template definitions that newer records overwrote: libevtx
	 * counts them and cannot rebuild one (nor does evtxexport -m recovered). */
	{ "Microsoft-Windows-Shell-Core%4Operational.evtx", 1760, 57, 57 },
	{ "Microsoft-Windows-User Device Registration%4Admin.evtx", 6, 0, 0 },
};

static esp_evtx *read_corpus(const char *file, unsigned char **buf)
{
	const char *dir = tu_corpus_path("evtx");
	if (dir == NULL)
		return NULL;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	size_t size = 0;
	*buf = tu_read_file(path, &size);
	ck_assert_msg(*buf != NULL, "%s cannot be read", path);
	esp_evtx *log = NULL;
	esp_err err = { "" };
	ck_assert_msg(esp_evtx_read(&log, *buf, size, file, NULL, &err) == ESPDIAG_OK, "%s",
	              err.msg);
	return log;
}

START_TEST(test_corpus_counts)
{
	const corpus_log *c = &corpus_logs[_i];
	unsigned char *buf = NULL;
	esp_evtx *log = read_corpus(c->file, &buf);
	if (log == NULL)
		return;
	ck_assert_uint_eq(esp_evtx_total_records(log), c->records);
	ck_assert_uint_eq(esp_evtx_total_recovered(log), c->recovered);
	ck_assert_uint_eq(esp_evtx_count(log), c->records);
	ck_assert_uint_eq(esp_evtx_warning_count(log), c->warnings);
	for (size_t i = 0; i < c->warnings; i++)
		ck_assert_msg(strstr(esp_evtx_warning_at(log, i)->message, "recovered record ") ==
		                      esp_evtx_warning_at(log, i)->message,
		              "%s", esp_evtx_warning_at(log, i)->message);
	for (size_t i = 0; i < esp_evtx_count(log); i++) {
		const esp_evtx_record *r = esp_evtx_at(log, i);
		ck_assert_uint_eq(r->index, i);
		/* each record's own EventRecordID, in file order */
		ck_assert_uint_eq(r->record_id, i + 1);
		ck_assert_uint_eq(r->flags, ESP_EVTX_HAS_EVENT_ID | ESP_EVTX_HAS_TIME_CREATED);
		ck_assert_uint_eq(r->time_created, r->written_time);
		ck_assert_uint_ge(r->offset, 0x1200);
		ck_assert_uint_eq(memcmp(buf + r->offset, "**\0\0", 4), 0);
	}
	esp_evtx_free(log);
	free(buf);
}
END_TEST

/* Fields as `evtxexport -f xml` shows them. */
START_TEST(test_corpus_fields)
{
	unsigned char *buf = NULL;
	esp_evtx *log = read_corpus(corpus_logs[1].file, &buf);
	if (log == NULL)
		return;
	const esp_evtx_record *r = esp_evtx_at(log, 0);
	ck_assert_str_eq(r->channel, DMEDP "/Admin");
	ck_assert_str_eq(r->provider, DMEDP);
	ck_assert_str_eq(r->provider_guid, DMEDP_GUID);
	ck_assert_str_eq(r->computer, "DESKTOP-P2NAHG6");
	ck_assert_uint_eq(r->event_id, 1709);
	ck_assert_uint_eq(r->level, 4);
	/* 2024-11-14T16:16:28.018198600Z */
	ck_assert_uint_eq(r->time_created, UINT64_C(133760745880181986));
	ck_assert_uint_eq(r->offset, 0x1200);
	ck_assert_uint_eq(r->data_count, 0);
	esp_evtx_free(log);
	free(buf);

	log = read_corpus(corpus_logs[3].file, &buf);
	r = esp_evtx_at(log, 53); /* EventRecordID 54 */
	ck_assert_uint_eq(r->record_id, 54);
	ck_assert_str_eq(r->channel, SHELL "/Operational");
	ck_assert_str_eq(r->provider_guid, SHELL_GUID);
	ck_assert_uint_eq(r->event_id, 62407);
	ck_assert_uint_eq(r->time_created, T0);
	ck_assert_uint_eq(r->data_count, 2);
	check_data(r, 0, "Name", "Done");
	check_data(r, 1, "Value", "success");
	const espdiag_warning *wn = esp_evtx_warning_at(log, 0);
	ck_assert_str_eq(wn->message, "recovered record 0 at offset 0xeaf48 cannot be read "
	                              "(invalid binary XML token - unsupported type: 0x00); "
	                              "skipped");
	ck_assert_uint_eq(wn->offset, 0xeaf48);
	esp_evtx_options o = ESP_EVTX_OPTIONS_INIT;
	o.filter = esp_evtx_esp_filter;
	o.filter_count = esp_evtx_esp_filter_count;
	esp_evtx_free(log);
	size_t size = 0;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", tu_corpus_path("evtx"), corpus_logs[3].file);
	free(buf);
	buf = tu_read_file(path, &size);
	esp_err err;
	ck_assert_int_eq(esp_evtx_read(&log, buf, size, "shell", &o, &err), ESPDIAG_OK);
	/* grep -c '<EventID>62407<' in evtxexport's output */
	ck_assert_uint_eq(esp_evtx_count(log), 198);
	esp_evtx_free(log);
	free(buf);

	log = read_corpus(corpus_logs[0].file, &buf);
	r = esp_evtx_at(log, 0);
	ck_assert_str_eq(r->channel, "Microsoft-Windows-AAD/Operational");
	ck_assert_uint_eq(r->event_id, 1097);
	ck_assert_uint_eq(r->level, 3);
	ck_assert_uint_eq(r->data_count, 3);
	check_data(r, 0, "Error", "2326069467");
	check_data(r, 1, "ErrorMessage", "The cache has been partitioned successfully.");
	check_data(r, 2, "AdditionalInformation",
	           "Logged at CachePartitioning.cpp, line: 35, method: CachePartitioning::Apply.");
	esp_evtx_free(log);
	free(buf);

	log = read_corpus(corpus_logs[4].file, &buf);
	r = esp_evtx_at(log, 0);
	ck_assert_str_eq(r->channel, UDR "/Admin");
	ck_assert_str_eq(r->provider_guid, "{23B8D46B-67DD-40A3-B636-D43E50552C6D}");
	ck_assert_uint_eq(r->event_id, 360);
	check_data(r, 0, "Message",
	           "\xc4\xb0\xc5\x9f \xc4\xb0\xc3\xa7in Windows Hello sa\xc4\x9flamas\xc4\xb1 "
	           "ba\xc5\x9flat\xc4\xb1lmayacak.");
	check_data(r, 1, "DeviceIsJoined", "Not Tested");
	esp_evtx_free(log);
	free(buf);
}
END_TEST

#else /* !HAVE_LIBEVTX */

START_TEST(test_unsupported)
{
	ew_log w;
	ew_init(&w);
	const ew_event e = { DMEDP, DMEDP_GUID, 72, 4, T0, DMEDP "/Admin", NULL, NULL, 0, NULL };
	ew_add(&w, &e);
	ew_finish(&w);
	ck_assert(!esp_evtx_supported());
	esp_evtx *log = NULL;
	esp_err err;
	ck_assert_int_eq(esp_evtx_read(&log, w.buf, w.size, "admin.evtx", NULL, &err),
	                 ESPDIAG_EUNSUPPORTED);
	ck_assert_str_eq(err.msg, "admin.evtx: not read: built without event log support "
	                          "(libevtx); event logs are not supported in this build");
	ck_assert_ptr_null(log);
	ck_assert_int_eq(esp_evtx_bid(w.buf, w.size), 100);
	ew_free(&w);
}
END_TEST

#endif

Suite *suite_evtx(void)
{
	Suite *s = suite_create("evtx");
	TCase *tc = tcase_create("evtx");
#ifdef HAVE_LIBEVTX
	tcase_add_test(tc, test_esp_channels);
	tcase_add_test(tc, test_data_text);
	tcase_add_test(tc, test_userdata_attributes);
	tcase_add_test(tc, test_filter);
	tcase_add_test(tc, test_recovered);
	tcase_add_test(tc, test_damaged_chunk_header);
	tcase_add_test(tc, test_damaged_chunk_records);
	tcase_add_test(tc, test_template_count_wraps);
	tcase_add_test(tc, test_template_count_in_blank_chunk);
	tcase_add_test(tc, test_template_count_anywhere);
	tcase_add_test(tc, test_deep_elements_on_a_small_stack);
	tcase_add_test(tc, test_deep_values_on_a_small_stack);
	tcase_add_test(tc, test_cancelled_caller);
	tcase_add_test(tc, test_chunk_without_signature);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_not_evtx);
	tcase_add_test(tc, test_caps);
	/* The Shell-Core log's 1,760 records take seconds under valgrind. */
	TCase *corpus = tcase_create("corpus");
	tcase_set_timeout(corpus, 120);
	tcase_add_loop_test(corpus, test_corpus_counts, 0,
	                    (int)(sizeof corpus_logs / sizeof corpus_logs[0]));
	tcase_add_test(corpus, test_corpus_fields);
	suite_add_tcase(s, corpus);
#else
	tcase_add_test(tc, test_unsupported);
#endif
	suite_add_tcase(s, tc);
	return s;
}

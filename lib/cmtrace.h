/*
 * lib/cmtrace.h - the CMTrace log record reader (internal): the format the
 * Intune Management Extension, AgentExecutor and the ConfigMgr client write
 * (EVIDENCE.md section 4):
 *
 *   <![LOG[message]LOG]!><time="HH:MM:SS.fffffff" date="M-D-YYYY"
 *   component="..." context="" type="1|2|3" thread="N" file="...">
 *
 * The reader walks the bytes once and hands each record to a callback; it
 * keeps one scratch buffer per call (it grows to the largest record, under
 * the caps) and allocates nothing per record. The structs are shaped so a
 * public bundle API can mirror them field by field.
 */
#ifndef ESPDIAG_CMTRACE_H
#define ESPDIAG_CMTRACE_H

#include "internal.h"

/* A record's time as the writer put it: device-local, broken down. */
typedef struct esp_cmtrace_time {
	bool valid;            /* date and time both read and in range */
	bool local;            /* always true: CMTrace times are the device's local time */
	bool has_offset;       /* the time carried a "+NNN"/"-NNN" suffix */
	int32_t offset;        /* that suffix, minutes, sign as written (ConfigMgr
	                        * writes its time-zone bias there); 0 without one */
	int32_t year;
	uint8_t month, day, hour, minute, second;
	uint32_t frac_100ns;   /* fraction of the second in 100 ns (7 digits) */
} esp_cmtrace_time;

/* The type attribute's values. Others are kept as written. */
enum {
	ESP_CMTRACE_INFO = 1,
	ESP_CMTRACE_WARNING = 2,
	ESP_CMTRACE_ERROR = 3
};

/* Where a record starts in its member. */
typedef struct esp_cmtrace_pos {
	const char *member;    /* the member (file) name the caller gave; may be NULL */
	uint64_t line;         /* 1-based line of "<![LOG[" (CR, LF and CRLF end a line) */
	uint64_t offset;       /* byte offset of "<![LOG[" in the member's own bytes */
} esp_cmtrace_pos;

typedef struct esp_cmtrace_record {
	/* The message as UTF-8, NUL-terminated; its line ends (CRLF, CR,
	 * LF) become LF. Cut at the cap when longer (then truncated). */
	const char *message;
	size_t message_len;
	bool truncated;        /* the message was longer than max_message */
	bool incomplete;       /* the attributes did not end properly (warned) */
	/* The attributes as written (UTF-8, NUL-terminated, "" when absent). */
	const char *time_raw, *date_raw, *component, *context, *file;
	esp_cmtrace_time time; /* from time_raw and date_raw */
	uint32_t type;         /* 1 info, 2 warning, 3 error; 0 when absent or unreadable */
	bool has_thread;
	uint64_t thread;
	esp_cmtrace_pos pos;
} esp_cmtrace_record;

/* Caps; a 0 field means its default. */
typedef struct esp_cmtrace_options {
	size_t max_message;    /* bytes of one message kept (default 16 MiB) */
	uint64_t max_records;  /* records read; reading stops past it (default 16 Mi) */
} esp_cmtrace_options;

#define ESP_CMTRACE_DEFAULT_MAX_MESSAGE ((size_t)16 << 20)
#define ESP_CMTRACE_DEFAULT_MAX_RECORDS ((uint64_t)16 << 20)
/* An attribute value longer than this is cut (with a warning). */
#define ESP_CMTRACE_MAX_ATTR 4096u

/* What one read saw. */
typedef struct esp_cmtrace_stats {
	uint64_t records;      /* records handed to the callback */
	uint64_t lines;        /* lines in the input */
	const char *encoding;  /* "utf-8", "utf-8-bom" or "utf-16le" (static) */
	bool capped;           /* reading stopped at max_records */
} esp_cmtrace_stats;

/* Called once per record; rec and its strings live until the callback
 * returns. A nonzero return stops reading and is returned by
 * esp_cmtrace_read. */
typedef int (*esp_cmtrace_fn)(void *ctx, const esp_cmtrace_record *rec);

/* How much the first bytes look like a CMTrace log: 100 when the first
 * non-blank text (after a BOM, UTF-8 or UTF-16LE) is "<![LOG[", else 0. */
int esp_cmtrace_bid(const unsigned char *data, size_t size);

/*
 * Reads size bytes (UTF-8 with or without BOM, UTF-16LE with BOM or
 * starting "<\0") record by record. Damage is never fatal: text between
 * records, malformed attributes, a record without its end, invalid UTF-8,
 * a record cut off at the end of the input, and the caps each add a
 * warning (line, column, offset) to warnings. member names the input in
 * each record's position. stats may be NULL. Returns ESPDIAG_OK, the
 * callback's nonzero value, or ESPDIAG_ENOMEM (err set).
 */
int esp_cmtrace_read(const unsigned char *data, size_t size, const char *member,
                     const esp_cmtrace_options *opts, esp_cmtrace_fn fn, void *ctx,
                     esp_warnings *warnings, esp_cmtrace_stats *stats, esp_err *err);

/* Parses a time="..." and a date="..." value into *out (leniently: 1-2
 * digit hour, month and day, any number of fraction digits, an optional
 * signed minute offset). Returns out->valid. */
bool esp_cmtrace_parse_time(const char *time_raw, const char *date_raw, esp_cmtrace_time *out);

#endif /* ESPDIAG_CMTRACE_H */

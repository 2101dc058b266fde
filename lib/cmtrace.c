/*
 * lib/cmtrace.c - the CMTrace record reader (see cmtrace.h). One pass over
 * the bytes, a character at a time, through three states: between records,
 * in a message, in the attributes. The markers are found with a shift
 * register of the last seven characters, so no search ever looks back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <espdiag/common.h>

#include "cmtrace.h"
#include "unicode.h"

enum { ENC_UTF8, ENC_UTF8_BOM, ENC_UTF16LE };
enum { ST_OUTSIDE, ST_MESSAGE, ST_ATTRS };
/* Where the attribute parser is: before '<', in a name, after a name,
 * after '=', inside a quoted value. */
enum { AT_LT, AT_NAME, AT_EQ, AT_OPEN, AT_VALUE };

/* The attributes kept, in this order. */
enum { A_TIME, A_DATE, A_COMPONENT, A_CONTEXT, A_TYPE, A_THREAD, A_FILE, A_COUNT };
static const char *const attr_names[A_COUNT] = {"time", "date", "component", "context",
                                                "type", "thread", "file"};

#define MARK_BYTES 7u
#define MARK_MASK ((UINT64_C(1) << 56) - 1)

typedef struct reader {
	const unsigned char *data;
	size_t size, pos;
	uint64_t unit; /* bytes of one ASCII character: 1 or 2 */
	const char *member;
	size_t max_message;
	uint64_t max_records;
	esp_cmtrace_fn fn;
	void *ctx;
	esp_warnings *w;
	esp_err *err;
	esp_cmtrace_stats *stats;
	int status; /* first failure or the callback's stop value */
	bool stop;

	uint64_t line, col; /* of the current character (col counts those before it) */
	bool prev_cr;
	uint64_t tail; /* the last seven characters, one byte each (0x80 = not ASCII) */
	uint64_t start_mark, end_mark;
	bool bad_utf8_warned;

	/* the scratch buffer: the message, then the attribute values */
	char *buf;
	size_t len, cap;

	int state;
	/* between records: text that is not a record */
	uint64_t garbage, g_line, g_col, g_off, quiet_line;
	/* the record being read */
	uint64_t r_line, r_col, r_off;
	uint64_t since_break; /* characters since the message's last line break */
	size_t msg_total;     /* message bytes seen; at most max_message + 6 stored */
	bool msg_full;
	size_t msg_len;
	bool truncated;
	/* its attributes */
	int at;
	char name[16];
	size_t name_len;
	bool name_long;
	size_t value_start;
	bool value_cut;
	size_t attr_off[A_COUNT];
	bool attr_set[A_COUNT];
} reader;

static uint64_t pack(const char *s)
{
	uint64_t v = 0;
	for (size_t i = 0; i < MARK_BYTES; i++)
		v = (v << 8) | (unsigned char)s[i];
	return v;
}

static void warn_at(reader *r, uint64_t line, uint64_t col, uint64_t off, const char *fmt, ...)
	ESP_PRINTF(5, 6);
static void warn_at(reader *r, uint64_t line, uint64_t col, uint64_t off, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r->w != NULL && esp_warn(r->w, line, col, off, "%s", msg) != ESPDIAG_OK &&
	    r->status == ESPDIAG_OK) {
		r->status = esp_err_set(r->err, ESPDIAG_ENOMEM, "out of memory");
		r->stop = true;
	}
}

/* Makes room for more bytes in the scratch buffer. */
static bool room(reader *r, size_t more)
{
	size_t need;
	if (esp_add_overflows(r->len, more, &need)) {
		r->status = esp_err_set(r->err, ESPDIAG_ENOMEM, "record too large");
		r->stop = true;
		return false;
	}
	if (need <= r->cap)
		return true;
	size_t cap = r->cap ? r->cap : 4096;
	while (cap < need)
		if (esp_mul_overflows(cap, 2, &cap)) {
			cap = need;
			break;
		}
	char *bigger = realloc(r->buf, cap);
	if (bigger == NULL) {
		r->status = esp_err_set(r->err, ESPDIAG_ENOMEM, "out of memory");
		r->stop = true;
		return false;
	}
	r->buf = bigger;
	r->cap = cap;
	return true;
}

static void put(reader *r, const char *s, size_t n)
{
	if (room(r, n)) {
		memcpy(r->buf + r->len, s, n);
		r->len += n;
	}
}

static void begin_record(reader *r, uint64_t at)
{
	r->state = ST_MESSAGE;
	r->r_line = r->line;
	r->r_col = r->col + 1 >= MARK_BYTES ? r->col + 1 - (MARK_BYTES - 1) : 1;
	r->r_off = at - (MARK_BYTES - 1) * r->unit;
	r->len = 0;
	r->msg_total = 0;
	r->msg_full = false;
	r->truncated = false;
	r->since_break = MARK_BYTES;
	r->tail = 0;
}

/* The message's bytes: kept while they fit under the cap (plus room for
 * the "]LOG]!" that precedes the closing '>'), counted always. */
static void message_bytes(reader *r, const char *s, size_t n)
{
	if (!r->msg_full && r->msg_total + n <= r->max_message + (MARK_BYTES - 1))
		put(r, s, n);
	else
		r->msg_full = true;
	r->msg_total += n;
}

static void end_message(reader *r)
{
	size_t total = r->msg_total - (MARK_BYTES - 1);
	size_t stored = r->len;
	size_t keep = total;
	if (total > r->max_message) {
		keep = stored < r->max_message ? stored : r->max_message;
		while (keep > 0 && keep < stored && ((unsigned char)r->buf[keep] & 0xC0) == 0x80)
			keep--;
		r->truncated = true;
		warn_at(r, r->r_line, r->r_col, r->r_off,
		        "message of %zu bytes longer than %zu; cut", total, r->max_message);
	}
	r->len = keep;
	r->msg_len = keep;
	put(r, "", 1);
	r->state = ST_ATTRS;
	r->at = AT_LT;
	r->tail = 0;
	memset(r->attr_set, 0, sizeof r->attr_set);
}

static const char *attr(const reader *r, int i)
{
	return r->attr_set[i] ? r->buf + r->attr_off[i] : "";
}

static bool parse_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		uint64_t d = (uint64_t)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static void deliver(reader *r, bool incomplete)
{
	r->state = ST_OUTSIDE;
	r->tail = 0;
	r->garbage = 0;
	if (r->stop)
		return;
	if (r->stats != NULL && r->stats->records >= r->max_records) {
		warn_at(r, r->r_line, r->r_col, r->r_off,
		        "more than %llu records; the rest are not read",
		        (unsigned long long)r->max_records);
		r->stats->capped = true;
		r->stop = true;
		return;
	}
	esp_cmtrace_record rec;
	memset(&rec, 0, sizeof rec);
	rec.message = r->buf;
	rec.message_len = r->msg_len;
	rec.truncated = r->truncated;
	rec.incomplete = incomplete;
	rec.time_raw = attr(r, A_TIME);
	rec.date_raw = attr(r, A_DATE);
	rec.component = attr(r, A_COMPONENT);
	rec.context = attr(r, A_CONTEXT);
	rec.file = attr(r, A_FILE);
	if (!esp_cmtrace_parse_time(rec.time_raw, rec.date_raw, &rec.time) &&
	    (*rec.time_raw != '\0' || *rec.date_raw != '\0'))
		warn_at(r, r->r_line, r->r_col, r->r_off, "time or date unreadable");
	uint64_t v;
	if (parse_uint(attr(r, A_TYPE), &v) && v <= UINT32_MAX)
		rec.type = (uint32_t)v;
	rec.has_thread = parse_uint(attr(r, A_THREAD), &rec.thread);
	rec.pos.member = r->member;
	rec.pos.line = r->r_line;
	rec.pos.offset = r->r_off;
	if (r->stats != NULL)
		r->stats->records++;
	int rc = r->fn != NULL ? r->fn(r->ctx, &rec) : 0;
	if (rc != 0) {
		r->status = rc;
		r->stop = true;
	}
}

static bool is_blank(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0xFEFF;
}

static void outside(reader *r, uint32_t cp, uint64_t at)
{
	if (!is_blank(cp)) {
		if (r->garbage == 0) {
			r->g_line = r->line;
			r->g_col = r->col + 1;
			r->g_off = at;
		}
		r->garbage++;
	}
	if ((r->tail & MARK_MASK) != r->start_mark)
		return;
	if (r->garbage > MARK_BYTES && r->g_line != r->quiet_line)
		warn_at(r, r->g_line, r->g_col, r->g_off, "text outside a record skipped");
	r->garbage = 0;
	begin_record(r, at);
}

static void attr_error(reader *r, uint32_t cp, uint64_t at, const char *what)
{
	warn_at(r, r->line, r->col + 1, at, "record attributes malformed (%s); kept without the rest",
	        what);
	deliver(r, true);
	r->quiet_line = r->line;
	r->tail = cp < 0x80 ? cp : 0x80;
	outside(r, cp, at);
}

static int attr_index(const reader *r)
{
	if (r->name_long)
		return -1;
	for (int i = 0; i < A_COUNT; i++)
		if (strlen(attr_names[i]) == r->name_len && memcmp(attr_names[i], r->name, r->name_len) == 0)
			return i;
	return -1;
}

static void attrs(reader *r, uint32_t cp, uint64_t at)
{
	switch (r->at) {
	case AT_LT:
		if (cp == '<')
			r->at = AT_NAME, r->name_len = 0, r->name_long = false;
		else if (cp != ' ' && cp != '\t')
			attr_error(r, cp, at, "no '<' after ]LOG]!>");
		return;
	case AT_NAME:
		if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
		    cp == '_') {
			if (r->name_len < sizeof r->name)
				r->name[r->name_len++] = (char)cp;
			else
				r->name_long = true;
		} else if (cp == '=' && r->name_len > 0) {
			r->at = AT_OPEN;
		} else if ((cp == ' ' || cp == '\t') && r->name_len > 0) {
			r->at = AT_EQ;
		} else if (cp == ' ' || cp == '\t') {
			/* blanks between attributes */
		} else if (cp == '>' && r->name_len == 0) {
			deliver(r, false);
		} else {
			attr_error(r, cp, at, "bad attribute name");
		}
		return;
	case AT_EQ:
		if (cp == '=')
			r->at = AT_OPEN;
		else if (cp != ' ' && cp != '\t')
			attr_error(r, cp, at, "no '=' after an attribute name");
		return;
	case AT_OPEN:
		if (cp == '"') {
			r->at = AT_VALUE;
			r->value_start = r->len;
			r->value_cut = false;
		} else if (cp != ' ' && cp != '\t') {
			attr_error(r, cp, at, "attribute value not quoted");
		}
		return;
	default: /* AT_VALUE */
		if (cp == '"') {
			int i = attr_index(r);
			if (i >= 0) {
				put(r, "", 1);
				r->attr_off[i] = r->value_start;
				r->attr_set[i] = true;
			} else {
				r->len = r->value_start;
			}
			r->at = AT_NAME;
			r->name_len = 0;
			r->name_long = false;
		} else if (cp == '\r' || cp == '\n') {
			r->len = r->value_start;
			attr_error(r, cp, at, "line ends inside an attribute value");
		} else if (r->len - r->value_start < ESP_CMTRACE_MAX_ATTR) {
			char u[4];
			put(r, u, esp_utf8_encode(cp, u));
		} else if (!r->value_cut) {
			r->value_cut = true;
			warn_at(r, r->line, r->col + 1, at, "attribute value longer than %u bytes; cut",
			        ESP_CMTRACE_MAX_ATTR);
		}
		return;
	}
}

static void message(reader *r, uint32_t cp, uint64_t at)
{
	if ((r->tail & MARK_MASK) == r->end_mark) {
		end_message(r);
		return;
	}
	if ((r->tail & MARK_MASK) == r->start_mark && r->since_break == MARK_BYTES - 1) {
		/* "<![LOG[" opening a line inside a message: the record before
		 * lost its end (a writer died mid-record); the new one counts. */
		warn_at(r, r->r_line, r->r_col, r->r_off, "record has no end (]LOG]!>); skipped");
		begin_record(r, at);
		return;
	}
	if (cp == '\r' || (cp == '\n' && !r->prev_cr)) {
		message_bytes(r, "\n", 1);
		r->since_break = 0;
		return;
	}
	if (cp == '\n') {
		r->since_break = 0;
		return;
	}
	char u[4];
	message_bytes(r, u, esp_utf8_encode(cp, u));
	r->since_break++;
}

static void step(reader *r, uint32_t cp, uint64_t at)
{
	r->tail = (r->tail << 8) | (cp < 0x80 ? cp : 0x80);
	if (r->state == ST_OUTSIDE)
		outside(r, cp, at);
	else if (r->state == ST_MESSAGE)
		message(r, cp, at);
	else
		attrs(r, cp, at);
	if (cp == '\r') {
		r->line++;
		r->col = 0;
		r->prev_cr = true;
	} else {
		if (cp == '\n') {
			if (!r->prev_cr)
				r->line++;
			r->col = 0;
		} else {
			r->col++;
		}
		r->prev_cr = false;
	}
}

static void bad_utf8(reader *r, uint64_t at)
{
	if (!r->bad_utf8_warned)
		warn_at(r, r->line, r->col + 1, at, "invalid UTF-8 replaced by U+FFFD");
	r->bad_utf8_warned = true;
}

static void run(reader *r, int enc)
{
	const unsigned char *d = r->data;
	while (r->pos < r->size && !r->stop) {
		uint64_t at = r->pos;
		uint32_t cp;
		if (enc != ENC_UTF16LE) {
			if (d[r->pos] < 0x80) {
				cp = d[r->pos++];
			} else {
				size_t n = esp_utf8_decode(d + r->pos, r->size - r->pos, &cp);
				if (n == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
					bad_utf8(r, at);
					cp = ESP_REPLACEMENT_CHAR;
					n = n ? n : 1;
				}
				r->pos += n;
			}
		} else {
			if (r->size - r->pos < 2) {
				warn_at(r, r->line, r->col + 1, at, "odd byte at the end ignored (truncated?)");
				r->pos = r->size;
				break;
			}
			cp = esp_le16(d + r->pos);
			r->pos += 2;
			if (cp >= 0xD800 && cp <= 0xDBFF && r->size - r->pos >= 2 &&
			    esp_le16(d + r->pos) >= 0xDC00 && esp_le16(d + r->pos) <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (esp_le16(d + r->pos) - 0xDC00u);
				r->pos += 2;
			} else if (cp >= 0xD800 && cp <= 0xDFFF) {
				cp = ESP_REPLACEMENT_CHAR;
			}
		}
		step(r, cp, at);
	}
}

static void finish(reader *r)
{
	if (r->stop)
		return;
	if (r->state == ST_OUTSIDE) {
		if (r->garbage > 0 && r->g_line != r->quiet_line)
			warn_at(r, r->g_line, r->g_col, r->g_off, "text outside a record skipped");
		return;
	}
	warn_at(r, r->r_line, r->r_col, r->r_off, "input ends early (truncated?)");
	/* A message that ended keeps its record, attributes or not. */
	if (r->state == ST_ATTRS) {
		if (r->at == AT_VALUE)
			r->len = r->value_start;
		deliver(r, true);
	}
}

int esp_cmtrace_bid(const unsigned char *data, size_t size)
{
	static const char mark[] = "<![LOG[";
	size_t i = 0, unit = 1;
	if (size >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF)
		i = 3;
	else if (size >= 2 && data[0] == 0xFF && data[1] == 0xFE)
		i = 2, unit = 2;
	else if (size >= 2 && data[0] == '<' && data[1] == 0)
		unit = 2;
	for (size_t blanks = 0; i + unit <= size && blanks < 256; i += unit, blanks++) {
		unsigned char c = data[i];
		if (unit == 2 && data[i + 1] != 0)
			return 0;
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			break;
	}
	for (size_t k = 0; k < MARK_BYTES; k++, i += unit) {
		if (i + unit > size || data[i] != (unsigned char)mark[k] ||
		    (unit == 2 && data[i + 1] != 0))
			return 0;
	}
	return 100;
}

int esp_cmtrace_read(const unsigned char *data, size_t size, const char *member,
                     const esp_cmtrace_options *opts, esp_cmtrace_fn fn, void *ctx,
                     esp_warnings *warnings, esp_cmtrace_stats *stats, esp_err *err)
{
	esp_cmtrace_stats local;
	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	reader r;
	memset(&r, 0, sizeof r);
	r.data = data;
	r.size = data != NULL ? size : 0;
	r.member = member;
	r.max_message = opts != NULL && opts->max_message ? opts->max_message
	                                                  : ESP_CMTRACE_DEFAULT_MAX_MESSAGE;
	if (r.max_message > SIZE_MAX / 2)
		r.max_message = SIZE_MAX / 2;
	r.max_records = opts != NULL && opts->max_records ? opts->max_records
	                                                  : ESP_CMTRACE_DEFAULT_MAX_RECORDS;
	r.fn = fn;
	r.ctx = ctx;
	r.w = warnings;
	r.err = err;
	r.stats = stats;
	r.line = 1;
	r.quiet_line = 0;
	r.start_mark = pack("<![LOG[");
	r.end_mark = pack("]LOG]!>");
	r.unit = 1;
	int enc = ENC_UTF8;
	if (r.size >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) {
		enc = ENC_UTF8_BOM;
		r.pos = 3;
	} else if (r.size >= 2 && data[0] == 0xFF && data[1] == 0xFE) {
		enc = ENC_UTF16LE;
		r.pos = 2;
	} else if (r.size >= 2 && data[0] == '<' && data[1] == 0) {
		enc = ENC_UTF16LE;
	}
	if (enc == ENC_UTF16LE)
		r.unit = 2;
	stats->encoding = enc == ENC_UTF16LE ? "utf-16le" : enc == ENC_UTF8_BOM ? "utf-8-bom" : "utf-8";
	run(&r, enc);
	finish(&r);
	stats->lines = r.line - 1 + (r.col > 0 ? 1 : 0);
	free(r.buf);
	return r.status;
}

/* Up to max digits (at least min) from *s into *out. */
static bool digits(const char **s, int min, int max, uint32_t *out)
{
	uint32_t v = 0;
	int n = 0;
	while (**s >= '0' && **s <= '9' && n < max) {
		v = v * 10 + (uint32_t)(**s - '0');
		(*s)++;
		n++;
	}
	*out = v;
	return n >= min;
}

static bool leap(uint32_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool esp_cmtrace_parse_time(const char *time_raw, const char *date_raw, esp_cmtrace_time *out)
{
	static const uint8_t mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	memset(out, 0, sizeof *out);
	out->local = true;
	if (time_raw == NULL || date_raw == NULL)
		return false;
	const char *s = time_raw;
	uint32_t h, mi, se, frac = 0;
	if (!digits(&s, 1, 2, &h) || *s++ != ':' || !digits(&s, 1, 2, &mi) || *s++ != ':' ||
	    !digits(&s, 1, 2, &se))
		return false;
	if (*s == '.' || *s == ',') {
		s++;
		int n = 0;
		if (*s < '0' || *s > '9')
			return false;
		for (; *s >= '0' && *s <= '9'; s++, n++)
			if (n < 7)
				frac = frac * 10 + (uint32_t)(*s - '0');
		for (; n < 7; n++)
			frac *= 10;
	}
	if (*s == '+' || *s == '-') {
		bool neg = *s++ == '-';
		uint32_t off;
		if (!digits(&s, 1, 4, &off))
			return false;
		out->has_offset = true;
		out->offset = neg ? -(int32_t)off : (int32_t)off;
	}
	if (*s != '\0' || h > 23 || mi > 59 || se > 60)
		return false;
	out->hour = (uint8_t)h;
	out->minute = (uint8_t)mi;
	out->second = (uint8_t)se;
	out->frac_100ns = frac;
	const char *d = date_raw;
	uint32_t mo, da, y;
	if (!digits(&d, 1, 2, &mo) || (*d != '-' && *d != '/'))
		return false;
	d++;
	if (!digits(&d, 1, 2, &da) || (*d != '-' && *d != '/'))
		return false;
	d++;
	if (!digits(&d, 4, 4, &y) || *d != '\0' || mo < 1 || mo > 12 || da < 1)
		return false;
	if (da > (uint32_t)mdays[mo - 1] + (mo == 2 && leap(y) ? 1u : 0u))
		return false;
	out->year = (int32_t)y;
	out->month = (uint8_t)mo;
	out->day = (uint8_t)da;
	out->valid = true;
	return true;
}

/*
 * lib/evtx.c - the event log reader (see evtx.h): owns the structural
 * checks of the file (header and chunk CRC-32s, a truncated tail), the walk
 * over libevtx's records, the parse of each record's XML into the fields
 * and data items a rule reads, and the filter by channel and event id.
 * libevtx does the binary XML; we never parse it by hand.
 */
#include <config.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "esp_time.h"
#include "evtx.h"

/* The rows are EVIDENCE.md §5; see evtx.h for why these and not more. */
const esp_evtx_filter esp_evtx_esp_filter[] = {
	{ "Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin", ESP_EVTX_ANY_EVENT },
	{ "Microsoft-Windows-User Device Registration/Admin", ESP_EVTX_ANY_EVENT },
	{ "Microsoft-Windows-ModernDeployment-Diagnostics-Provider/Autopilot", ESP_EVTX_ANY_EVENT },
	{ "Microsoft-Windows-Shell-Core/Operational", 62407 },
};
const size_t esp_evtx_esp_filter_count = sizeof esp_evtx_esp_filter / sizeof esp_evtx_esp_filter[0];

int esp_evtx_bid(const unsigned char *data, size_t size)
{
	return size >= ESP_EVTX_MAGIC_SIZE && memcmp(data, ESP_EVTX_MAGIC, ESP_EVTX_MAGIC_SIZE) == 0
	               ? 100
	               : 0;
}

struct esp_evtx {
	esp_evtx_record *records;
	size_t count, cap;
	uint64_t total, total_recovered;
	esp_warnings warnings;
	esp_arena arena; /* the records' strings and data items */
};

size_t esp_evtx_count(const esp_evtx *log)
{
	return log != NULL ? log->count : 0;
}

const esp_evtx_record *esp_evtx_at(const esp_evtx *log, size_t index)
{
	return log != NULL && index < log->count ? &log->records[index] : NULL;
}

uint64_t esp_evtx_total_records(const esp_evtx *log)
{
	return log != NULL ? log->total : 0;
}

uint64_t esp_evtx_total_recovered(const esp_evtx *log)
{
	return log != NULL ? log->total_recovered : 0;
}

size_t esp_evtx_warning_count(const esp_evtx *log)
{
	return log != NULL ? esp_warnings_count(&log->warnings) : 0;
}

const espdiag_warning *esp_evtx_warning_at(esp_evtx *log, size_t index)
{
	return log != NULL ? esp_warnings_at(&log->warnings, index) : NULL;
}

void esp_evtx_free(esp_evtx *log)
{
	if (log == NULL)
		return;
	free(log->records);
	esp_warnings_free(&log->warnings);
	esp_arena_free(&log->arena);
	free(log);
}

#ifndef HAVE_LIBEVTX

bool esp_evtx_supported(void)
{
	return false;
}

int esp_evtx_read(esp_evtx **out, const unsigned char *data, size_t size, const char *name,
                  const esp_evtx_options *opts, esp_err *err)
{
	(void)data;
	(void)size;
	(void)opts;
	if (out != NULL)
		*out = NULL;
	return esp_err_set(err, ESPDIAG_EUNSUPPORTED,
	                   "%s: not read: built without event log support (libevtx); event "
	                   "logs are not supported in this build",
	                   name != NULL ? name : "event log");
}

#else /* HAVE_LIBEVTX */

#include <expat.h>
#include <libbfio.h>
#include <libevtx.h>

bool esp_evtx_supported(void)
{
	return true;
}

/* --- the file's own structure, checked before libevtx reads it ---
 * libevtx notices a bad checksum but only says "corrupted" for the whole
 * file; these checks name the chunk and its offset. Sizes and offsets are
 * those of the format (libyal's "Windows XML Event Log (EVTX)" document). */
#define FILE_HEADER_SIZE 4096u
#define CHUNK_SIZE 65536u
#define CHUNK_HEADER_SIZE 512u

typedef struct crc_table {
	uint32_t t[256];
} crc_table;

/* CRC-32 of RFC 1952 (zlib's), initial value 0. */
static void crc_init(crc_table *c)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t v = i;
		for (int k = 0; k < 8; k++)
			v = (v & 1) ? 0xEDB88320u ^ (v >> 1) : v >> 1;
		c->t[i] = v;
	}
}

static uint32_t crc_update(const crc_table *c, uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = c->t[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* A chunk's stored CRC-32s cover its header but the CRC field itself
 * (bytes 0-120 and 128-512), and its records up to the free space. */
static uint32_t chunk_header_crc(const crc_table *c, const unsigned char *chunk)
{
	return crc_update(c, crc_update(c, 0, chunk, 120), chunk + 128, CHUNK_HEADER_SIZE - 128);
}

static uint32_t chunk_records_crc(const crc_table *c, const unsigned char *chunk,
                                  uint32_t free_off)
{
	return crc_update(c, 0, chunk + CHUNK_HEADER_SIZE, free_off - CHUNK_HEADER_SIZE);
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* Checks the header and every whole chunk; marks damaged chunks in
 * damaged[] (one flag per whole chunk). */
static int check_structure(esp_evtx *log, const unsigned char *data, size_t size,
                           bool *damaged, size_t nchunks)
{
	crc_table crc;
	crc_init(&crc);
	int rc = ESPDIAG_OK;
	uint32_t stored = esp_le32(data + 124);
	uint32_t calc = crc_update(&crc, 0, data, 120);
	if (stored != calc)
		rc = esp_warn(&log->warnings, 0, 0, 0,
		              "file header: CRC-32 0x%08x does not match its bytes (0x%08x)",
		              stored, calc);
	size_t tail = (size - FILE_HEADER_SIZE) % CHUNK_SIZE;
	if (rc == ESPDIAG_OK && tail != 0)
		rc = esp_warn(&log->warnings, 0, 0, size - tail,
		              "file truncated: the last %zu bytes are part of a chunk and are not read",
		              tail);
	for (size_t i = 0; i < nchunks && rc == ESPDIAG_OK; i++) {
		size_t off = FILE_HEADER_SIZE + i * CHUNK_SIZE;
		const unsigned char *c = data + off;
		/* Preallocated, never written: not damage. */
		if (all_zero(c, CHUNK_HEADER_SIZE))
			continue;
		if (memcmp(c, "ElfChnk", 8) != 0) {
			damaged[i] = true;
			rc = esp_warn(&log->warnings, 0, 0, off,
			              "chunk %zu at offset 0x%zx: no chunk signature; its records are "
			              "only recovered where they can be found",
			              i, off);
			continue;
		}
		uint32_t hstored = esp_le32(c + 124);
		uint32_t hcalc = chunk_header_crc(&crc, c);
		if (hstored != hcalc) {
			damaged[i] = true;
			rc = esp_warn(&log->warnings, 0, 0, off,
			              "chunk %zu at offset 0x%zx: header CRC-32 0x%08x does not match "
			              "its bytes (0x%08x); its records may be damaged",
			              i, off, hstored, hcalc);
			continue;
		}
		uint32_t free_off = esp_le32(c + 48);
		if (free_off < CHUNK_HEADER_SIZE || free_off > CHUNK_SIZE) {
			damaged[i] = true;
			rc = esp_warn(&log->warnings, 0, 0, off,
			              "chunk %zu at offset 0x%zx: free space offset 0x%x is outside "
			              "the chunk",
			              i, off, free_off);
			continue;
		}
		uint32_t rstored = esp_le32(c + 52);
		uint32_t rcalc = chunk_records_crc(&crc, c, free_off);
		if (rstored != rcalc) {
			damaged[i] = true;
			rc = esp_warn(&log->warnings, 0, 0, off,
			              "chunk %zu at offset 0x%zx: records CRC-32 0x%08x does not match "
			              "their bytes (0x%08x); its records may be damaged",
			              i, off, rstored, rcalc);
		}
	}
	return rc;
}

/* --- template value counts, checked before libevtx reads them ---
 * libevtx 20181227 reads binary XML with a libfwevt of 2018 whose
 * libfwevt_xml_document_read_template_instance_values (source of
 * 2018-01-24) multiplies a template instance's 32-bit value count by 4 in
 * 32 bits before checking it against the chunk: a count of 2^30 or more
 * wraps, passes the check, and every descriptor is then read (one
 * allocation each) until memory runs out: an 8 KiB record took 24 GB
 * before the kernel killed the process (found by fuzz_evtx). Newer
 * libfwevt checks the count; this build's does not.
 *
 * A template instance can be reached from many places (a record's first
 * fragment, a later one, a value of type BinXml substituted in an
 * element, a template instance token standing alone in such a value), so
 * rather than follow them all, every byte of every whole chunk that
 * libfwevt would take for a template instance token (0x0C) is looked at
 * as libfwevt would read it (read_template_instance, same source): its
 * definition offset may not lie past the token's 10 bytes; when it names
 * the place right after them the definition is inline (24 bytes of header
 * and its data) and the value count follows it, else the count follows
 * the token. Offsets count from the chunk's start. A count that would
 * wrap is set to 0 in a private copy of the file, with a warning; libevtx
 * then reads no values for that instance, and reads the rest as before.
 * Only such counts are touched: a count below 2^30 that the chunk cannot
 * hold, libfwevt refuses itself. */
#define BINXML_TEMPLATE_INSTANCE 0x0Cu
#define BINXML_WRAPPING_COUNT UINT32_C(0x40000000) /* 4 times it overflows 32 bits */

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (unsigned char)(v >> (8 * k));
}

/* The chunk offset of the value count of a template instance whose token
 * is at t, as libfwevt finds it; 0 when libfwevt would read none. */
static size_t template_count_at(const unsigned char *c, size_t t)
{
	if (c[t] != BINXML_TEMPLATE_INSTANCE || t + 10 >= CHUNK_SIZE)
		return 0;
	size_t after = t + 10, def = esp_le32(c + t + 6), values = after;
	if (def > after)
		return 0; /* libfwevt refuses it */
	if (def == after) {
		if (def + 24 >= CHUNK_SIZE)
			return 0;
		values = def + 24 + (size_t)esp_le32(c + def + 20);
	}
	return values + 4 < CHUNK_SIZE ? values : 0;
}

/* The CRC-32s of chunk c (as read) recomputed into its patched copy, when
 * they held in c: libevtx then sees the chunk as whole as it was. */
static void recrc_chunk(const unsigned char *c, unsigned char *copy)
{
	uint32_t free_off = esp_le32(c + 48);
	if (memcmp(c, "ElfChnk", 8) != 0 || free_off < CHUNK_HEADER_SIZE || free_off > CHUNK_SIZE)
		return;
	crc_table crc;
	crc_init(&crc);
	if (chunk_records_crc(&crc, c, free_off) != esp_le32(c + 52) ||
	    chunk_header_crc(&crc, c) != esp_le32(c + 124))
		return;
	/* the records' CRC first: the header's covers it */
	put_le32(copy + 52, chunk_records_crc(&crc, copy, free_off));
	put_le32(copy + 124, chunk_header_crc(&crc, copy));
}

/* Sets every wrapping template value count of every whole chunk to 0 in
 * a private copy of the file; *copy gets it (NULL when none was found). */
static int guard_templates(esp_evtx *log, const unsigned char *data, size_t size,
                           size_t nchunks, unsigned char **copy)
{
	*copy = NULL;
	for (size_t i = 0; i < nchunks; i++) {
		size_t base = FILE_HEADER_SIZE + i * CHUNK_SIZE;
		const unsigned char *c = data + base;
		bool patched = false;
		for (size_t t = 0; t + 10 < CHUNK_SIZE; t++) {
			size_t at = template_count_at(c, t);
			if (at == 0 || esp_le32(c + at) < BINXML_WRAPPING_COUNT)
				continue;
			if (*copy == NULL) {
				*copy = malloc(size);
				if (*copy == NULL)
					return ESPDIAG_ENOMEM;
				memcpy(*copy, data, size);
			}
			memset(*copy + base + at, 0, 4);
			patched = true;
			int rc = esp_warn(&log->warnings, 0, 0, base + at,
			                  "chunk %zu: the template instance at offset 0x%zx declares "
			                  "%lu values (at offset 0x%zx), a count libevtx would wrap; "
			                  "read as 0, so what holds it may not be read",
			                  i, base + t, (unsigned long)esp_le32(c + at), base + at);
			if (rc != ESPDIAG_OK) {
				free(*copy);
				*copy = NULL;
				return rc;
			}
		}
		if (patched)
			recrc_chunk(c, *copy + base);
	}
	return ESPDIAG_OK;
}

/* --- where each record is ---
 * libevtx 20181227 leaves a record's offset unset (libevtx_record_get_offset
 * gives 0), so the records are found here too, by their header ("**\0\0",
 * size, identifier, the size repeated at the end) in every chunk, and a
 * record libevtx returns is placed by its identifier: a listed record in a
 * chunk's used part, a recovered one preferably outside it. */
typedef struct located {
	uint64_t id;
	uint64_t offset;
	bool live;  /* in a chunk's used part (before its free space offset) */
	bool used;  /* already given to a record */
} located;

static int cmp_located(const void *a, const void *b)
{
	const located *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The records of every whole chunk, sorted by identifier; NULL (and *n 0)
 * when out of memory, which only costs the offsets. */
static located *locate_records(const unsigned char *data, size_t nchunks, size_t *n)
{
	size_t count = 0, cap = 0;
	located *list = NULL;
	for (size_t i = 0; i < nchunks; i++) {
		size_t base = FILE_HEADER_SIZE + i * CHUNK_SIZE;
		const unsigned char *c = data + base;
		bool valid = memcmp(c, "ElfChnk", 8) == 0;
		uint32_t free_off = valid ? esp_le32(c + 48) : 0;
		for (size_t p = valid ? CHUNK_HEADER_SIZE : 0; p + 28 <= CHUNK_SIZE; p++) {
			if (memcmp(c + p, "**\0\0", 4) != 0)
				continue;
			uint32_t size = esp_le32(c + p + 4);
			if (size < 28 || size > CHUNK_SIZE - p || esp_le32(c + p + size - 4) != size)
				continue;
			if (esp_reserve_one((void **)&list, count, &cap, sizeof *list, 256) != ESPDIAG_OK) {
				free(list);
				*n = 0;
				return NULL;
			}
			list[count++] = (located){ esp_le64(c + p + 8), base + p, p < free_off, false };
			p += size - 1;
		}
	}
	if (count > 1)
		qsort(list, count, sizeof *list, cmp_located);
	*n = count;
	return list;
}

/* The offset of the record with identifier id (0 when none is found). */
static uint64_t place_record(located *list, size_t n, uint64_t id, bool recovered)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (list[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	located *fallback = NULL;
	for (size_t i = lo; i < n && list[i].id == id; i++) {
		if (list[i].used)
			continue;
		if (list[i].live != recovered) {
			list[i].used = true;
			return list[i].offset;
		}
		if (fallback == NULL)
			fallback = &list[i];
	}
	if (fallback == NULL)
		return 0;
	fallback->used = true;
	return fallback->offset;
}

/* --- one record's XML ---
 * The fields land in one growable pool of NUL-terminated strings, named
 * by offsets, so that a record costs no allocation once the buffers have
 * grown; a kept record is copied into the log's arena. */
#define XML_MAX_DEPTH 64
#define NO_STR SIZE_MAX

enum field { F_NONE, F_EVENT_ID, F_LEVEL, F_CHANNEL, F_COMPUTER, F_COUNT };
enum section { S_OTHER, S_SYSTEM, S_EVENTDATA, S_USERDATA };

typedef struct item {
	size_t name, value;
} item;

typedef struct parse {
	XML_Parser parser;
	/* growable buffers */
	char *pool;
	size_t pool_len, pool_cap;
	char *text;
	size_t text_len, text_cap;
	item *items;
	size_t nitems, items_cap;
	/* per record */
	unsigned depth;
	enum section section;
	enum field field;
	unsigned collect_depth; /* text is collected while depth >= this (0: not) */
	size_t leaf_name;       /* pool offset of the collected element's item name */
	bool had_child[XML_MAX_DEPTH + 1];
	bool had_attr[XML_MAX_DEPTH + 1];
	size_t provider, guid, time_created;
	size_t fields[F_COUNT]; /* the System elements' texts, by enum field */
	uint32_t max_data;
	uint64_t dropped_items;
	const char *failure; /* why the parse was stopped, NULL otherwise */
	bool nomem;
} parse;

static bool grow(void **buf, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return true;
	size_t ncap = *cap ? *cap : 64;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return false;
		ncap *= 2;
	}
	void *p = realloc(*buf, ncap * elem);
	if (p == NULL)
		return false;
	*buf = p;
	*cap = ncap;
	return true;
}

static void stop(parse *p, const char *why, bool nomem)
{
	if (p->failure == NULL) {
		p->failure = why;
		p->nomem = nomem;
		XML_StopParser(p->parser, XML_FALSE);
	}
}

/* Appends s[0..n) and a NUL to the pool; NO_STR when out of memory. */
static size_t pool_add(parse *p, const char *s, size_t n)
{
	size_t need;
	if (esp_add_overflows(p->pool_len, n + 1, &need) ||
	    !grow((void **)&p->pool, &p->pool_cap, need, 1)) {
		stop(p, "out of memory", true);
		return NO_STR;
	}
	size_t at = p->pool_len;
	memcpy(p->pool + at, s, n);
	p->pool[at + n] = '\0';
	p->pool_len = need;
	return at;
}

/* Appends the joined name "a" "sep" "b" to the pool. */
static size_t pool_add3(parse *p, const char *a, const char *sep, const char *b)
{
	size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
	size_t at = pool_add(p, a, la + ls + lb);
	if (at != NO_STR) {
		memcpy(p->pool + at + la, sep, ls);
		memcpy(p->pool + at + la + ls, b, lb);
	}
	return at;
}

static void add_item(parse *p, size_t name, size_t value)
{
	if (name == NO_STR || value == NO_STR)
		return;
	if (p->nitems >= p->max_data) {
		p->dropped_items++;
		return;
	}
	if (!grow((void **)&p->items, &p->items_cap, p->nitems + 1, sizeof *p->items)) {
		stop(p, "out of memory", true);
		return;
	}
	p->items[p->nitems++] = (item){ name, value };
}

/* The local part of a possibly prefixed name ("auto-ns2:EventXML"). */
static const char *local_name(const XML_Char *name)
{
	const char *colon = strrchr(name, ':');
	return colon != NULL ? colon + 1 : name;
}

static const char *attr(const XML_Char **atts, const char *name)
{
	for (size_t i = 0; atts[i] != NULL; i += 2)
		if (strcmp(local_name(atts[i]), name) == 0)
			return atts[i + 1];
	return NULL;
}

static bool is_xmlns(const char *name)
{
	return strncmp(name, "xmlns", 5) == 0 && (name[5] == '\0' || name[5] == ':');
}

static void start_collect(parse *p)
{
	p->collect_depth = p->depth;
	p->text_len = 0;
}

static void on_start(void *ud, const XML_Char *raw, const XML_Char **atts)
{
	parse *p = ud;
	if (p->depth < XML_MAX_DEPTH)
		p->had_child[p->depth] = true;
	p->depth++;
	unsigned d = p->depth;
	if (d > XML_MAX_DEPTH)
		return; /* deeper than any event Windows writes: its text joins its ancestor's */
	p->had_child[d] = false;
	p->had_attr[d] = false;
	const char *name = local_name(raw);
	if (d == 2) {
		p->section = strcmp(name, "System") == 0      ? S_SYSTEM
		             : strcmp(name, "EventData") == 0 ? S_EVENTDATA
		             : strcmp(name, "UserData") == 0  ? S_USERDATA
		                                              : S_OTHER;
		return;
	}
	if (d < 3)
		return;
	switch (p->section) {
	case S_SYSTEM:
		if (d != 3)
			return;
		if (strcmp(name, "Provider") == 0) {
			const char *v = attr(atts, "Name");
			if (v != NULL && p->provider == NO_STR)
				p->provider = pool_add(p, v, strlen(v));
			v = attr(atts, "Guid");
			if (v != NULL && p->guid == NO_STR)
				p->guid = pool_add(p, v, strlen(v));
		} else if (strcmp(name, "TimeCreated") == 0) {
			const char *v = attr(atts, "SystemTime");
			if (v != NULL && p->time_created == NO_STR)
				p->time_created = pool_add(p, v, strlen(v));
		} else {
			p->field = strcmp(name, "EventID") == 0   ? F_EVENT_ID
			           : strcmp(name, "Level") == 0   ? F_LEVEL
			           : strcmp(name, "Channel") == 0 ? F_CHANNEL
			           : strcmp(name, "Computer") == 0 ? F_COMPUTER
			                                          : F_NONE;
			if (p->field != F_NONE)
				start_collect(p);
		}
		return;
	case S_EVENTDATA:
		if (d != 3)
			return;
		if (strcmp(name, "Data") == 0) {
			const char *v = attr(atts, "Name");
			p->leaf_name = pool_add(p, v != NULL ? v : "", v != NULL ? strlen(v) : 0);
		} else {
			/* <Binary> and the like: named by the element */
			p->leaf_name = pool_add(p, name, strlen(name));
		}
		start_collect(p);
		return;
	case S_USERDATA:
		for (size_t i = 0; atts[i] != NULL; i += 2) {
			if (is_xmlns(atts[i]))
				continue;
			p->had_attr[d] = true;
			size_t n = pool_add3(p, name, "/@", local_name(atts[i]));
			add_item(p, n, pool_add(p, atts[i + 1], strlen(atts[i + 1])));
		}
		p->leaf_name = pool_add(p, name, strlen(name));
		start_collect(p);
		return;
	case S_OTHER:
		return;
	}
}

static void on_end(void *ud, const XML_Char *name)
{
	(void)name;
	parse *p = ud;
	unsigned d = p->depth--;
	if (d > XML_MAX_DEPTH || p->collect_depth == 0 || d != p->collect_depth)
		return;
	p->collect_depth = 0;
	size_t value = pool_add(p, p->text, p->text_len);
	if (p->section == S_SYSTEM) {
		p->fields[p->field] = value;
		p->field = F_NONE;
	} else if (p->section == S_EVENTDATA) {
		add_item(p, p->leaf_name, value);
	} else if (p->section == S_USERDATA) {
		/* Only leaves carry data; an element that only holds attributes
		 * gave them as items already. */
		if (!p->had_child[d] && !(p->had_attr[d] && p->text_len == 0))
			add_item(p, p->leaf_name, value);
	}
}

static void on_text(void *ud, const XML_Char *s, int len)
{
	parse *p = ud;
	if (p->collect_depth == 0 || p->depth < p->collect_depth || len <= 0)
		return;
	size_t need;
	if (esp_add_overflows(p->text_len, (size_t)len + 1, &need) ||
	    !grow((void **)&p->text, &p->text_cap, need, 1)) {
		stop(p, "out of memory", true);
		return;
	}
	memcpy(p->text + p->text_len, s, (size_t)len);
	p->text_len += (size_t)len;
}

/* libevtx writes no DTD; one here came from a damaged record and could
 * only be used to make expat expand entities. */
static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                       const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	stop(ud, "a DOCTYPE declaration", false);
}

static void parse_reset(parse *p)
{
	XML_ParserReset(p->parser, "UTF-8");
	XML_SetUserData(p->parser, p);
	XML_SetElementHandler(p->parser, on_start, on_end);
	XML_SetCharacterDataHandler(p->parser, on_text);
	XML_SetStartDoctypeDeclHandler(p->parser, on_doctype);
	p->pool_len = p->text_len = p->nitems = 0;
	p->depth = 0;
	p->section = S_OTHER;
	p->field = F_NONE;
	p->collect_depth = 0;
	p->leaf_name = NO_STR;
	p->provider = p->guid = p->time_created = NO_STR;
	for (size_t i = 0; i < F_COUNT; i++)
		p->fields[i] = NO_STR;
	p->dropped_items = 0;
	p->failure = NULL;
	p->nomem = false;
}

/* A decimal number in s (blanks around allowed) into *out. */
static bool parse_u32(const char *s, uint32_t *out)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (*s != '\0')
		return false;
	*out = (uint32_t)v;
	return true;
}

/* FILETIME of an ISO 8601 UTC time. */
static bool parse_filetime(const char *s, uint64_t *out)
{
	int64_t secs;
	uint32_t frac;
	if (!esp_time_parse(s, &secs, &frac))
		return false;
	/* seconds from 1601-01-01 to 1970-01-01 */
	const int64_t epoch = INT64_C(11644473600);
	if (secs < -epoch || secs > (int64_t)((UINT64_MAX - 9999999u) / 10000000u) - epoch)
		return false;
	*out = (uint64_t)(secs + epoch) * 10000000u + frac;
	return true;
}

/* --- the walk --- */

typedef struct reader {
	esp_evtx *log;
	const char *name;
	const esp_evtx_options *opts;
	uint64_t max_records, max_xml;
	const bool *damaged;
	size_t nchunks;
	located *located;
	size_t nlocated;
	parse p;
	char *xml;
	size_t xml_cap;
} reader;

/* The innermost cause of a libevtx error (its backtrace starts with it),
 * without the function name; *offset gets the file offset libfdata names
 * in the backtrace ("... at offset: 0x..."), when offset is not NULL. */
static void error_text(char *buf, size_t size, libevtx_error_t *e, uint64_t *offset)
{
	char trace[2048];
	buf[0] = '\0';
	if (e == NULL || libevtx_error_backtrace_sprint(e, trace, sizeof trace) < 0) {
		snprintf(buf, size, "unknown error");
		return;
	}
	const char *at = strstr(trace, "at offset: 0x");
	if (offset != NULL && at != NULL)
		*offset = strtoull(at + strlen("at offset: "), NULL, 16);
	char *nl = strchr(trace, '\n');
	if (nl != NULL)
		*nl = '\0';
	const char *msg = strstr(trace, ": ");
	msg = msg != NULL ? msg + 2 : trace;
	size_t len = strlen(msg);
	if (len > 0 && msg[len - 1] == '.')
		len--;
	snprintf(buf, size, "%.*s", (int)len, msg);
}

static bool filter_matches(const esp_evtx_options *o, const char *channel, bool has_id,
                           uint32_t event_id)
{
	if (o->filter == NULL)
		return true;
	for (size_t i = 0; i < o->filter_count; i++) {
		const esp_evtx_filter *f = &o->filter[i];
		if (f->channel != NULL && strcasecmp(f->channel, channel) != 0)
			continue;
		if (f->event_id != ESP_EVTX_ANY_EVENT && (!has_id || f->event_id != event_id))
			continue;
		return true;
	}
	return false;
}

static const char *keep_str(esp_evtx *log, const parse *p, size_t at)
{
	if (at == NO_STR)
		return "";
	return esp_arena_strndup(&log->arena, p->pool + at, strlen(p->pool + at));
}

/* Reads one record; ESPDIAG_OK also when it was skipped with a warning. */
static int read_record(reader *r, libevtx_record_t *rec, uint32_t index, bool recovered)
{
	esp_evtx *log = r->log;
	esp_evtx_record out;
	memset(&out, 0, sizeof out);
	out.index = index;
	out.flags = recovered ? ESP_EVTX_RECOVERED : 0;
	const char *kind = recovered ? "recovered record" : "record";
	libevtx_error_t *e = NULL;
	char msg[256];
	if (libevtx_record_get_identifier(rec, &out.record_id, &e) == 1)
		out.offset = place_record(r->located, r->nlocated, out.record_id, recovered);
	else
		libevtx_error_free(&e);
	if (libevtx_record_get_written_time(rec, &out.written_time, &e) != 1)
		libevtx_error_free(&e);
	if (out.offset >= FILE_HEADER_SIZE) {
		uint64_t chunk = (out.offset - FILE_HEADER_SIZE) / CHUNK_SIZE;
		if (chunk < r->nchunks && r->damaged[chunk])
			out.flags |= ESP_EVTX_DAMAGED_CHUNK;
	}

	size_t xml_size = 0;
	if (libevtx_record_get_utf8_xml_string_size(rec, &xml_size, &e) != 1 || xml_size == 0) {
		error_text(msg, sizeof msg, e, NULL);
		libevtx_error_free(&e);
		return esp_warn(&log->warnings, 0, 0, out.offset,
		                "%s %u (id %llu) at offset 0x%llx: its XML cannot be made (%s); "
		                "skipped",
		                kind, index, (unsigned long long)out.record_id,
		                (unsigned long long)out.offset, msg[0] ? msg : "empty");
	}
	if (xml_size > r->max_xml)
		return esp_warn(&log->warnings, 0, 0, out.offset,
		                "%s %u (id %llu) at offset 0x%llx: %zu bytes of XML, more than the "
		                "limit of %llu; skipped",
		                kind, index, (unsigned long long)out.record_id,
		                (unsigned long long)out.offset, xml_size,
		                (unsigned long long)r->max_xml);
	if (!grow((void **)&r->xml, &r->xml_cap, xml_size, 1))
		return ESPDIAG_ENOMEM;
	if (libevtx_record_get_utf8_xml_string(rec, (uint8_t *)r->xml, xml_size, &e) != 1) {
		error_text(msg, sizeof msg, e, NULL);
		libevtx_error_free(&e);
		return esp_warn(&log->warnings, 0, 0, out.offset,
		                "%s %u (id %llu) at offset 0x%llx: its XML cannot be made (%s); "
		                "skipped",
		                kind, index, (unsigned long long)out.record_id,
		                (unsigned long long)out.offset, msg);
	}
	/* libevtx writes the record's strings as they are; XML 1.0 has no
	 * room for control characters, even as references. They are shown as
	 * "?" rather than losing the record. */
	size_t len = xml_size - 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)r->xml[i];
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			r->xml[i] = '?';
	}
	parse *p = &r->p;
	parse_reset(p);
	if (XML_Parse(p->parser, r->xml, (int)len, XML_TRUE) != XML_STATUS_OK) {
		if (p->nomem)
			return ESPDIAG_ENOMEM;
		return esp_warn(&log->warnings, 0, 0, out.offset,
		                "%s %u (id %llu) at offset 0x%llx: its XML cannot be parsed (%s, "
		                "line %lu); skipped",
		                kind, index, (unsigned long long)out.record_id,
		                (unsigned long long)out.offset,
		                p->failure != NULL ? p->failure
		                                   : XML_ErrorString(XML_GetErrorCode(p->parser)),
		                (unsigned long)XML_GetCurrentLineNumber(p->parser));
	}

	size_t *f = p->fields;
	const char *channel = f[F_CHANNEL] != NO_STR ? p->pool + f[F_CHANNEL] : "";
	if (f[F_EVENT_ID] != NO_STR && parse_u32(p->pool + f[F_EVENT_ID], &out.event_id))
		out.flags |= ESP_EVTX_HAS_EVENT_ID;
	if (f[F_LEVEL] != NO_STR && !parse_u32(p->pool + f[F_LEVEL], &out.level))
		out.level = 0;
	if (p->time_created != NO_STR && parse_filetime(p->pool + p->time_created, &out.time_created))
		out.flags |= ESP_EVTX_HAS_TIME_CREATED;
	if (!filter_matches(r->opts, channel, (out.flags & ESP_EVTX_HAS_EVENT_ID) != 0, out.event_id))
		return ESPDIAG_OK;
	if (p->dropped_items > 0 &&
	    esp_warn(&log->warnings, 0, 0, out.offset,
	             "%s %u (id %llu) at offset 0x%llx: %llu data items past the limit of %u "
	             "not kept",
	             kind, index, (unsigned long long)out.record_id, (unsigned long long)out.offset,
	             (unsigned long long)p->dropped_items, p->max_data) != ESPDIAG_OK)
		return ESPDIAG_ENOMEM;

	out.channel = keep_str(log, p, f[F_CHANNEL]);
	out.provider = keep_str(log, p, p->provider);
	out.provider_guid = keep_str(log, p, p->guid);
	out.computer = keep_str(log, p, f[F_COMPUTER]);
	if (out.channel == NULL || out.provider == NULL || out.provider_guid == NULL ||
	    out.computer == NULL)
		return ESPDIAG_ENOMEM;
	if (p->nitems > 0) {
		esp_evtx_data *items = esp_arena_calloc(&log->arena, p->nitems, sizeof *items);
		if (items == NULL)
			return ESPDIAG_ENOMEM;
		for (size_t i = 0; i < p->nitems; i++) {
			items[i].name = keep_str(log, p, p->items[i].name);
			items[i].value = keep_str(log, p, p->items[i].value);
			if (items[i].name == NULL || items[i].value == NULL)
				return ESPDIAG_ENOMEM;
		}
		out.data = items;
		out.data_count = p->nitems;
	}
	if (esp_reserve_one((void **)&log->records, log->count, &log->cap, sizeof *log->records,
	                    64) != ESPDIAG_OK)
		return ESPDIAG_ENOMEM;
	log->records[log->count++] = out;
	return ESPDIAG_OK;
}

typedef int (*get_record_fn)(libevtx_file_t *, int, libevtx_record_t **, libevtx_error_t **);

static int read_list(reader *r, libevtx_file_t *file, int n, get_record_fn get, bool recovered,
                     uint64_t *seen)
{
	esp_evtx *log = r->log;
	for (int i = 0; i < n; i++) {
		if (*seen >= r->max_records) {
			uint64_t left = (uint64_t)(n - i);
			if (!recovered && !r->opts->skip_recovered)
				left += log->total_recovered;
			return esp_warn(&log->warnings, 0, 0, 0,
			                "the limit of %llu records is reached; %llu more are not read",
			                (unsigned long long)r->max_records, (unsigned long long)left);
		}
		(*seen)++;
		libevtx_record_t *rec = NULL;
		libevtx_error_t *e = NULL;
		if (get(file, i, &rec, &e) != 1) {
			char msg[256];
			uint64_t off = 0;
			error_text(msg, sizeof msg, e, &off);
			libevtx_error_free(&e);
			int rc = esp_warn(&log->warnings, 0, 0, off,
			                  "%s %d at offset 0x%llx cannot be read (%s); skipped",
			                  recovered ? "recovered record" : "record", i,
			                  (unsigned long long)off, msg);
			if (rc != ESPDIAG_OK)
				return rc;
			continue;
		}
		int rc = read_record(r, rec, (uint32_t)i, recovered);
		libevtx_record_free(&rec, &e);
		libevtx_error_free(&e);
		if (rc != ESPDIAG_OK)
			return rc;
	}
	return ESPDIAG_OK;
}

static int read_file(reader *r, const unsigned char *data, size_t size, esp_err *err)
{
	esp_evtx *log = r->log;
	libbfio_handle_t *io = NULL;
	libbfio_error_t *be = NULL;
	libevtx_file_t *file = NULL;
	libevtx_error_t *e = NULL;
	char msg[256];
	int rc = ESPDIAG_OK;

	/* libbfio wants a mutable pointer but reads only, as the file is
	 * opened read-only. */
	if (libbfio_memory_range_initialize(&io, &be) != 1 ||
	    libbfio_memory_range_set(io, (uint8_t *)(uintptr_t)data, size, &be) != 1) {
		libbfio_error_free(&be);
		rc = esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", r->name);
		goto out;
	}
	if (libevtx_file_initialize(&file, &e) != 1) {
		rc = esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", r->name);
		goto out;
	}
	if (libevtx_file_open_file_io_handle(file, io, LIBEVTX_OPEN_READ, &e) != 1) {
		error_text(msg, sizeof msg, e, NULL);
		rc = esp_err_set(err, ESPDIAG_EFORMAT, "%s: not a readable event log (libevtx: %s)",
		                 r->name, msg);
		goto out;
	}
	int n = 0, nrec = 0;
	if (libevtx_file_get_number_of_records(file, &n, &e) != 1 ||
	    libevtx_file_get_number_of_recovered_records(file, &nrec, &e) != 1) {
		error_text(msg, sizeof msg, e, NULL);
		rc = esp_err_set(err, ESPDIAG_EFORMAT, "%s: records cannot be listed (libevtx: %s)",
		                 r->name, msg);
		libevtx_file_close(file, NULL);
		goto out;
	}
	log->total = n > 0 ? (uint64_t)n : 0;
	log->total_recovered = nrec > 0 ? (uint64_t)nrec : 0;
	uint64_t seen = 0;
	rc = read_list(r, file, n, libevtx_file_get_record_by_index, false, &seen);
	if (rc == ESPDIAG_OK && !r->opts->skip_recovered)
		rc = read_list(r, file, nrec, libevtx_file_get_recovered_record_by_index, true, &seen);
	if (rc != ESPDIAG_OK)
		rc = esp_err_set(err, rc, "%s: out of memory", r->name);
	libevtx_file_close(file, NULL);
out:
	libevtx_error_free(&e);
	libevtx_file_free(&file, NULL);
	libbfio_handle_free(&io, NULL);
	return rc;
}

/* libevtx (its libfwevt) recurses once for each level of a record's binary
 * XML, with no limit. A 64 KiB chunk nests about 5,000 elements, at about
 * 240 bytes of stack a level (1.2 MiB), or about 2,800 template instances
 * each inside a value of the one before, at about 1 KiB a level (2 to
 * 3 MiB, with or without sanitizers: libevtx is not instrumented). That
 * is more than a Windows thread (1 MiB) or a small worker thread has
 * (tests/check_evtx.c, test_deep_*_on_a_small_stack). So libevtx runs on
 * a stack of its own, over 5 times the most it was seen to need. */
#define LIBEVTX_STACK ((size_t)16 << 20)

typedef struct read_call {
	reader *r;
	const unsigned char *data;
	size_t size;
	esp_err *err;
} read_call;

static int read_file_call(void *arg)
{
	read_call *c = arg;
	return read_file(c->r, c->data, c->size, c->err);
}

int esp_evtx_read(esp_evtx **out, const unsigned char *data, size_t size, const char *name,
                  const esp_evtx_options *opts, esp_err *err)
{
	static const esp_evtx_options defaults = ESP_EVTX_OPTIONS_INIT;
	if (name == NULL)
		name = "event log";
	if (out == NULL || (data == NULL && size > 0))
		return esp_err_set(err, ESPDIAG_EINVAL, "%s: invalid argument", name);
	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if (opts->version != ESP_EVTX_OPTIONS_VERSION || (opts->filter == NULL && opts->filter_count > 0))
		return esp_err_set(err, ESPDIAG_EINVAL, "%s: invalid options", name);
	if (esp_evtx_bid(data, size) == 0)
		return esp_err_set(err, ESPDIAG_EFORMAT,
		                   "%s: not an event log (no \"ElfFile\" signature)", name);
	/* libevtx reads the whole 4096-byte header block, and libbfio 20170123
	 * reads a memory range past its end when asked to (found by fuzzing):
	 * a shorter input never reaches them. Chunks are only read whole. */
	if (size < FILE_HEADER_SIZE)
		return esp_err_set(err, ESPDIAG_EFORMAT,
		                   "%s: event log truncated in its file header (%zu bytes)", name, size);

	esp_evtx *log = calloc(1, sizeof *log);
	if (log == NULL)
		return esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", name);
	esp_warnings_init(&log->warnings);
	esp_arena_init(&log->arena);
	reader r;
	memset(&r, 0, sizeof r);
	r.log = log;
	r.name = name;
	r.opts = opts;
	r.max_records = opts->max_records ? opts->max_records : ESP_EVTX_DEFAULT_MAX_RECORDS;
	r.max_xml = opts->max_xml_size ? opts->max_xml_size : ESP_EVTX_DEFAULT_MAX_XML;
	/* expat takes the length as an int */
	if (r.max_xml > INT_MAX)
		r.max_xml = INT_MAX;
	r.p.max_data = opts->max_data ? opts->max_data : ESP_EVTX_DEFAULT_MAX_DATA;
	r.nchunks = size > FILE_HEADER_SIZE ? (size - FILE_HEADER_SIZE) / CHUNK_SIZE : 0;
	bool *damaged = calloc(r.nchunks ? r.nchunks : 1, sizeof *damaged);
	unsigned char *guarded = NULL; /* the file with wrapping counts read as 0 */
	r.damaged = damaged;
	r.p.parser = XML_ParserCreate("UTF-8");
	int rc;
	if (damaged == NULL || r.p.parser == NULL)
		rc = esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", name);
	else if ((rc = check_structure(log, data, size, damaged, r.nchunks)) != ESPDIAG_OK)
		rc = esp_err_set(err, rc, "%s: out of memory", name);
	else if ((rc = guard_templates(log, data, size, r.nchunks, &guarded)) !=
	         ESPDIAG_OK)
		rc = esp_err_set(err, rc, "%s: out of memory", name);
	else {
		r.located = locate_records(data, r.nchunks, &r.nlocated);
		read_call call = { &r, guarded != NULL ? guarded : data, size, err };
		rc = esp_call_on_stack(read_file_call, &call, LIBEVTX_STACK);
	}
	free(guarded);
	free(r.located);
	if (r.p.parser != NULL)
		XML_ParserFree(r.p.parser);
	free(r.p.pool);
	free(r.p.text);
	free(r.p.items);
	free(r.xml);
	free(damaged);
	if (rc != ESPDIAG_OK) {
		esp_evtx_free(log);
		return rc;
	}
	*out = log;
	return ESPDIAG_OK;
}

#endif /* HAVE_LIBEVTX */

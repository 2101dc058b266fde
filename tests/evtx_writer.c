/* tests/evtx_writer.c - see evtx_writer.h. Test-only: aborts on failure. */
#include "evtx_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_HEADER 4096u
#define CHUNK 65536u
#define CHUNK_HEADER 512u
#define RECORD_HEADER 24u

static void fail(const char *what)
{
	fprintf(stderr, "evtx_writer: %s\n", what);
	abort();
}

/* --- a growable byte buffer whose offsets are chunk-relative --- */
typedef struct bb {
	unsigned char *p;
	size_t len, cap;
	size_t base; /* chunk offset of p[0] */
} bb;

static void bb_room(bb *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap < b->len + n)
		cap *= 2;
	b->p = realloc(b->p, cap);
	if (b->p == NULL)
		fail("out of memory");
	b->cap = cap;
}

static void put8(bb *b, unsigned v)
{
	bb_room(b, 1);
	b->p[b->len++] = (unsigned char)v;
}

static void put16(bb *b, unsigned v)
{
	put8(b, v & 0xff);
	put8(b, (v >> 8) & 0xff);
}

static void put32(bb *b, uint32_t v)
{
	put16(b, v & 0xffff);
	put16(b, v >> 16);
}

static void store32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void store64(unsigned char *p, uint64_t v)
{
	store32(p, (uint32_t)v);
	store32(p + 4, (uint32_t)(v >> 32));
}

static void store16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static size_t here(const bb *b)
{
	return b->base + b->len;
}

/* UTF-8 to UTF-16 code units (at most max); returns the count. */
static size_t utf16(const char *s, uint16_t *out, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 0;
	while (*u) {
		uint32_t c;
		if (u[0] < 0x80) {
			c = u[0];
			u += 1;
		} else if ((u[0] & 0xe0) == 0xc0 && u[1]) {
			c = (uint32_t)(u[0] & 0x1f) << 6 | (u[1] & 0x3f);
			u += 2;
		} else if ((u[0] & 0xf0) == 0xe0 && u[1] && u[2]) {
			c = (uint32_t)(u[0] & 0x0f) << 12 | (uint32_t)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
			u += 3;
		} else if ((u[0] & 0xf8) == 0xf0 && u[1] && u[2] && u[3]) {
			c = (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3f) << 12 |
			    (uint32_t)(u[2] & 0x3f) << 6 | (u[3] & 0x3f);
			u += 4;
		} else {
			fail("bad UTF-8 in a test string");
			return 0;
		}
		if (n + 2 > max)
			fail("test string too long");
		if (c >= 0x10000) {
			c -= 0x10000;
			out[n++] = (uint16_t)(0xd800 | (c >> 10));
			out[n++] = (uint16_t)(0xdc00 | (c & 0x3ff));
		} else {
			out[n++] = (uint16_t)c;
		}
	}
	return n;
}

#define MAX_UNITS 4096

static void put_utf16(bb *b, const uint16_t *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put16(b, u[i]);
}

/* --- binary XML (token values from the format document) --- */
enum {
	T_EOF = 0x00, T_OPEN = 0x01, T_CLOSE_START = 0x02, T_CLOSE_EMPTY = 0x03, T_END = 0x04,
	T_VALUE = 0x05, T_ATTR = 0x06, T_TEMPLATE = 0x0c, T_NORMAL_SUBST = 0x0d,
	T_OPTIONAL_SUBST = 0x0e, T_FRAGMENT = 0x0f, MORE = 0x40
};
enum { V_NULL = 0x00, V_STRING = 0x01, V_UINT8 = 0x04, V_UINT16 = 0x06, V_UINT64 = 0x0a,
       V_GUID = 0x0f, V_FILETIME = 0x11 };

/* A name, stored where it is referenced (offset = the next byte): the
 * next-name offset, a hash, the length and the UTF-16 with a NUL. The hash
 * is the low 16 bits of h = h * 65599 + unit over the units (as the names
 * Windows writes carry; libevtx does not check it). */
static void put_name(bb *b, const char *name)
{
	uint16_t u[MAX_UNITS];
	size_t n = utf16(name, u, MAX_UNITS);
	uint32_t h = 0;
	for (size_t i = 0; i < n; i++)
		h = h * 65599u + u[i];
	put32(b, (uint32_t)(here(b) + 4));
	put32(b, 0);
	put16(b, h & 0xffff);
	put16(b, (unsigned)n);
	put_utf16(b, u, n);
	put16(b, 0);
}

/* Starts an element; returns the position of its size field (patched by
 * end_element). */
static size_t open_element(bb *b, const char *name, int has_attrs)
{
	put8(b, T_OPEN | (has_attrs ? MORE : 0));
	put16(b, 0xffff); /* dependency identifier: none */
	size_t size_at = b->len;
	put32(b, 0);
	put_name(b, name);
	return size_at;
}

static size_t open_attrs(bb *b)
{
	size_t at = b->len;
	put32(b, 0);
	return at;
}

static void close_attrs(bb *b, size_t at)
{
	store32(b->p + at, (uint32_t)(b->len - at - 4));
}

static void attr_text(bb *b, const char *name, const char *value, int more)
{
	uint16_t u[MAX_UNITS];
	put8(b, T_ATTR | (more ? MORE : 0));
	put_name(b, name);
	size_t n = utf16(value, u, MAX_UNITS);
	put8(b, T_VALUE);
	put8(b, V_STRING);
	put16(b, (unsigned)n);
	put_utf16(b, u, n);
}

static void attr_subst(bb *b, const char *name, unsigned id, unsigned type, int more)
{
	put8(b, T_ATTR | (more ? MORE : 0));
	put_name(b, name);
	put8(b, T_OPTIONAL_SUBST);
	put16(b, id);
	put8(b, type);
}

static void subst(bb *b, unsigned id, unsigned type)
{
	put8(b, T_NORMAL_SUBST);
	put16(b, id);
	put8(b, type);
}

/* The element's size counts everything after its first 7 bytes. */
static void end_element(bb *b, size_t size_at)
{
	put8(b, T_END);
	store32(b->p + size_at, (uint32_t)(b->len - size_at - 4));
}

static void empty_element(bb *b, size_t size_at)
{
	put8(b, T_CLOSE_EMPTY);
	store32(b->p + size_at, (uint32_t)(b->len - size_at - 4));
}

/* <name>%id</name> */
static void subst_element(bb *b, const char *name, unsigned id, unsigned type)
{
	size_t s = open_element(b, name, 0);
	put8(b, T_CLOSE_START);
	subst(b, id, type);
	end_element(b, s);
}

/* "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" in the GUID's byte order. */
static void guid_bytes(const char *s, unsigned char out[16])
{
	unsigned d1, d2, d3, d4[8];
	if (sscanf(s, "{%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x}", &d1, &d2, &d3, &d4[0], &d4[1],
	           &d4[2], &d4[3], &d4[4], &d4[5], &d4[6], &d4[7]) != 11)
		fail("bad GUID in a test");
	store32(out, d1);
	store16(out + 4, d2);
	store16(out + 6, d3);
	for (int i = 0; i < 8; i++)
		out[8 + i] = (unsigned char)d4[i];
}

/* Substitution ids of the template's values. */
enum { S_PROVIDER, S_GUID, S_EVENT_ID, S_LEVEL, S_TIME, S_RECORD_ID, S_CHANNEL, S_COMPUTER,
       S_DATA };

/* depth levels of <x> inside the element just opened, its close-start
 * token written here; the name is stored once and the other levels refer
 * to it (as Windows refers to names a chunk already holds), so one chunk
 * holds about 5,000 levels. */
static void put_nested(bb *b, unsigned depth)
{
	size_t *sizes = malloc(depth * sizeof *sizes);
	if (sizes == NULL)
		fail("out of memory");
	uint32_t name = 0;
	for (unsigned i = 0; i < depth; i++) {
		put8(b, T_OPEN);
		put16(b, 0xffff);
		sizes[i] = b->len;
		put32(b, 0);
		if (i == 0) {
			name = (uint32_t)here(b);
			put_name(b, "x");
		} else {
			put32(b, name);
		}
		put8(b, T_CLOSE_START);
	}
	for (unsigned i = depth; i-- > 0;)
		end_element(b, sizes[i]);
	free(sizes);
}

/* The template definition's element tree; depth > 0: EventData holds
 * put_nested's elements instead of the event's items. */
static void put_template_body(bb *b, const ew_event *ev, unsigned depth)
{
	size_t event = open_element(b, "Event", 1);
	size_t al = open_attrs(b);
	attr_text(b, "xmlns", "http://schemas.microsoft.com/win/2004/08/events/event", 0);
	close_attrs(b, al);
	put8(b, T_CLOSE_START);

	size_t sys = open_element(b, "System", 0);
	put8(b, T_CLOSE_START);
	size_t prov = open_element(b, "Provider", 1);
	al = open_attrs(b);
	attr_subst(b, "Name", S_PROVIDER, V_STRING, ev->provider_guid != NULL);
	if (ev->provider_guid != NULL)
		attr_subst(b, "Guid", S_GUID, V_GUID, 0);
	close_attrs(b, al);
	empty_element(b, prov);
	subst_element(b, "EventID", S_EVENT_ID, V_UINT16);
	subst_element(b, "Level", S_LEVEL, V_UINT8);
	size_t tc = open_element(b, "TimeCreated", 1);
	al = open_attrs(b);
	attr_subst(b, "SystemTime", S_TIME, V_FILETIME, 0);
	close_attrs(b, al);
	empty_element(b, tc);
	subst_element(b, "EventRecordID", S_RECORD_ID, V_UINT64);
	subst_element(b, "Channel", S_CHANNEL, V_STRING);
	subst_element(b, "Computer", S_COMPUTER, V_STRING);
	end_element(b, sys);

	if (ev->userdata != NULL) {
		size_t ud = open_element(b, "UserData", 0);
		put8(b, T_CLOSE_START);
		size_t inner = open_element(b, ev->userdata, 1);
		al = open_attrs(b);
		attr_text(b, "xmlns", "http://manifests.microsoft.com/win/2004/08/windows/test", 0);
		close_attrs(b, al);
		put8(b, T_CLOSE_START);
		for (size_t i = 0; i < ev->data_count; i++) {
			/* "Element/@Attribute": an empty element with the item as
			 * an attribute, as <Error Code="15007"/> */
			const char *at = strstr(ev->data[i].name, "/@");
			if (at == NULL) {
				subst_element(b, ev->data[i].name, (unsigned)(S_DATA + i), V_STRING);
				continue;
			}
			char elem[256];
			snprintf(elem, sizeof elem, "%.*s", (int)(at - ev->data[i].name),
			         ev->data[i].name);
			size_t e = open_element(b, elem, 1);
			al = open_attrs(b);
			attr_subst(b, at + 2, (unsigned)(S_DATA + i), V_STRING, 0);
			close_attrs(b, al);
			empty_element(b, e);
		}
		end_element(b, inner);
		end_element(b, ud);
	} else if (depth > 0) {
		size_t ed = open_element(b, "EventData", 0);
		put8(b, T_CLOSE_START);
		put_nested(b, depth);
		end_element(b, ed);
	} else if (ev->data_count == 0) {
		size_t ed = open_element(b, "EventData", 0);
		empty_element(b, ed);
	} else {
		size_t ed = open_element(b, "EventData", 0);
		put8(b, T_CLOSE_START);
		for (size_t i = 0; i < ev->data_count; i++) {
			/* "" is a Data without Name, as classic events write */
			int named = ev->data[i].name[0] != '\0';
			size_t d = open_element(b, "Data", named);
			if (named) {
				al = open_attrs(b);
				attr_text(b, "Name", ev->data[i].name, 0);
				close_attrs(b, al);
			}
			put8(b, T_CLOSE_START);
			subst(b, (unsigned)(S_DATA + i), V_STRING);
			end_element(b, d);
		}
		end_element(b, ed);
	}
	end_element(b, event);
}

/* One value of the template instance: its descriptor and its bytes. */
typedef struct value {
	unsigned type;
	unsigned char bytes[2 * MAX_UNITS];
	size_t size;
} value;

static void value_string(value *v, const char *s)
{
	uint16_t u[MAX_UNITS];
	size_t n = utf16(s, u, MAX_UNITS);
	v->type = V_STRING;
	for (size_t i = 0; i < n; i++)
		store16(v->bytes + 2 * i, u[i]);
	v->size = 2 * n;
}

static void value_int(value *v, unsigned type, uint64_t x, size_t size)
{
	v->type = type;
	for (size_t i = 0; i < size; i++)
		v->bytes[i] = (unsigned char)(x >> (8 * i));
	v->size = size;
}

/* A fragment header: token, major and minor version, flags. */
static void put_fragment(bb *b)
{
	put8(b, T_FRAGMENT);
	put8(b, 1);
	put8(b, 1);
	put8(b, 0);
}

/* A template instance of the definition at chunk offset definition
 * (right after these 10 bytes: inline, see open_definition). */
static void put_instance(bb *b, uint64_t id, uint32_t definition)
{
	put8(b, T_TEMPLATE);
	put8(b, 1);
	put32(b, (uint32_t)id); /* the template's identifier: any */
	put32(b, definition);
}

/* An inline definition up to its body: the next definition (none), the
 * GUID, the size (patched by close_definition, from the returned
 * position) and the body's fragment header. */
static size_t open_definition(bb *b)
{
	put32(b, 0);
	for (int i = 0; i < 16; i++)
		put8(b, 0xa0 + i);
	size_t size_at = b->len;
	put32(b, 0);
	put_fragment(b);
	return size_at;
}

static void close_definition(bb *b, size_t size_at)
{
	put8(b, T_EOF);
	store32(b->p + size_at, (uint32_t)(b->len - size_at - 4));
}

/* depth template instances each inside a value of the one before: the
 * record is <x>%0</x> (the definition inline), its value 0 binary XML (a
 * fragment with an instance of the same definition and one value, again
 * binary XML), depth times; the innermost value is the string "a". Each
 * level takes 23 bytes, so one chunk holds about 2,800. */
static void put_nested_values(bb *b, uint64_t id, unsigned depth)
{
	enum { LEVEL = 23, V_BINXML = 0x21 };
	put_fragment(b);
	uint32_t definition = (uint32_t)(here(b) + 10);
	put_instance(b, id, definition);
	size_t size_at = open_definition(b);
	size_t x = open_element(b, "x", 0);
	put8(b, T_CLOSE_START);
	subst(b, 0, V_BINXML);
	end_element(b, x);
	close_definition(b, size_at);
	size_t size = 2 + (size_t)LEVEL * depth; /* of the value this level holds */
	if (size > 0xffff)
		fail("values nested too deep for one chunk");
	put32(b, 1);
	put16(b, (unsigned)size);
	put8(b, depth > 0 ? V_BINXML : V_STRING);
	put8(b, 0);
	for (unsigned level = 1; level <= depth; level++) {
		size -= LEVEL;
		put_fragment(b);
		put_instance(b, id, definition); /* not inline: the value count follows */
		put32(b, 1);
		put16(b, (unsigned)size);
		put8(b, level < depth ? V_BINXML : V_STRING);
		put8(b, 0);
	}
	put8(b, 'a');
	put8(b, 0);
	for (unsigned level = 1; level <= depth; level++)
		put8(b, T_EOF);
	put8(b, T_EOF);
}

/* The record's binary XML: a fragment holding a template instance whose
 * definition follows it inline, then the instance's values. */
static void put_event(bb *b, const ew_event *ev, uint64_t id, ew_nesting how, unsigned depth)
{
	if (how == EW_NEST_VALUES) {
		put_nested_values(b, id, depth);
		return;
	}
	put_fragment(b);
	put_instance(b, id, (uint32_t)(here(b) + 10));
	size_t size_at = open_definition(b);
	put_template_body(b, ev, depth);
	close_definition(b, size_at);

	size_t nvalues = S_DATA + ev->data_count;
	value *vals = calloc(nvalues, sizeof *vals);
	if (vals == NULL)
		fail("out of memory");
	value_string(&vals[S_PROVIDER], ev->provider);
	if (ev->provider_guid != NULL) {
		vals[S_GUID].type = V_GUID;
		guid_bytes(ev->provider_guid, vals[S_GUID].bytes);
		vals[S_GUID].size = 16;
	}
	value_int(&vals[S_EVENT_ID], V_UINT16, ev->event_id, 2);
	value_int(&vals[S_LEVEL], V_UINT8, ev->level, 1);
	value_int(&vals[S_TIME], V_FILETIME, ev->time, 8);
	value_int(&vals[S_RECORD_ID], V_UINT64, id, 8);
	value_string(&vals[S_CHANNEL], ev->channel);
	value_string(&vals[S_COMPUTER], ev->computer != NULL ? ev->computer : "TESTPC");
	for (size_t i = 0; i < ev->data_count; i++)
		value_string(&vals[S_DATA + i], ev->data[i].value);
	put32(b, (uint32_t)nvalues);
	for (size_t i = 0; i < nvalues; i++) {
		put16(b, (unsigned)vals[i].size);
		put8(b, vals[i].type);
		put8(b, 0);
	}
	for (size_t i = 0; i < nvalues; i++)
		for (size_t k = 0; k < vals[i].size; k++)
			put8(b, vals[i].bytes[k]);
	free(vals);
	put8(b, T_EOF);
}

/* --- the file --- */

static unsigned char *chunk_at(ew_log *w, size_t i)
{
	return w->buf + ew_chunk_offset(i);
}

static void start_chunk(ew_log *w)
{
	w->buf = realloc(w->buf, w->size + CHUNK);
	if (w->buf == NULL)
		fail("out of memory");
	memset(w->buf + w->size, 0, CHUNK);
	w->size += CHUNK;
	w->chunks++;
	w->pos = w->live_end = CHUNK_HEADER;
	w->slack = 0;
	w->chunk_first_id = w->next_id;
	w->chunk_last_id = 0;
	w->chunk_last_off = 0;
}

void ew_init(ew_log *w)
{
	memset(w, 0, sizeof *w);
	w->buf = calloc(1, FILE_HEADER);
	if (w->buf == NULL)
		fail("out of memory");
	w->size = FILE_HEADER;
	w->next_id = 1;
}

void ew_free(ew_log *w)
{
	free(w->buf);
	memset(w, 0, sizeof *w);
}

/* Closes the current chunk's header fields (the CRCs come in ew_finish). */
static void close_chunk(ew_log *w)
{
	if (w->chunks == 0)
		return;
	unsigned char *c = chunk_at(w, w->chunks - 1);
	memcpy(c, "ElfChnk", 8);
	uint64_t first = w->chunk_first_id, last = w->chunk_last_id;
	if (last == 0) /* no record: an empty range as Windows leaves it */
		last = first - 1;
	store64(c + 8, first);
	store64(c + 16, last);
	store64(c + 24, first);
	store64(c + 32, last);
	store32(c + 40, 128);
	store32(c + 44, (uint32_t)w->chunk_last_off);
	store32(c + 48, (uint32_t)w->live_end);
	store32(c + 120, 1);
}

void ew_new_chunk(ew_log *w)
{
	close_chunk(w);
	start_chunk(w);
}

static uint64_t add(ew_log *w, const ew_event *ev, int slack, ew_nesting how, unsigned depth)
{
	if (w->chunks == 0 || (w->slack && !slack))
		ew_new_chunk(w);
	for (int attempt = 0; attempt < 2; attempt++) {
		bb b = { NULL, 0, 0, w->pos + RECORD_HEADER };
		put_event(&b, ev, w->next_id, how, depth);
		while ((RECORD_HEADER + b.len + 4) % 8 != 0)
			put8(&b, 0);
		size_t size = RECORD_HEADER + b.len + 4;
		if (w->pos + size > CHUNK) {
			free(b.p);
			if (attempt == 1 || slack)
				fail("record larger than a chunk");
			ew_new_chunk(w);
			continue;
		}
		unsigned char *r = chunk_at(w, w->chunks - 1) + w->pos;
		memcpy(r, "**\0\0", 4);
		store32(r + 4, (uint32_t)size);
		store64(r + 8, w->next_id);
		store64(r + 16, ev->time);
		memcpy(r + RECORD_HEADER, b.p, b.len);
		store32(r + size - 4, (uint32_t)size);
		free(b.p);
		uint64_t off = ew_chunk_offset(w->chunks - 1) + w->pos;
		if (!slack) {
			w->chunk_last_id = w->next_id;
			w->chunk_last_off = w->pos;
			w->live_end = w->pos + size;
		} else {
			w->slack = 1;
		}
		w->pos += size;
		w->next_id++;
		return off;
	}
	return 0;
}

uint64_t ew_add(ew_log *w, const ew_event *ev)
{
	return add(w, ev, 0, EW_NEST_ELEMENTS, 0);
}

uint64_t ew_add_nested(ew_log *w, const ew_event *ev, ew_nesting how, unsigned depth)
{
	return add(w, ev, 0, how, depth);
}

uint64_t ew_add_slack(ew_log *w, const ew_event *ev)
{
	if (w->chunks == 0)
		ew_new_chunk(w);
	return add(w, ev, 1, EW_NEST_ELEMENTS, 0);
}

/* CRC-32 of RFC 1952, initial value 0. */
static uint32_t crc32_of(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
	}
	return ~crc;
}

void ew_finish(ew_log *w)
{
	close_chunk(w);
	for (size_t i = 0; i < w->chunks; i++) {
		unsigned char *c = chunk_at(w, i);
		uint32_t free_off = (uint32_t)c[48] | (uint32_t)c[49] << 8 | (uint32_t)c[50] << 16 |
		                    (uint32_t)c[51] << 24;
		store32(c + 52, crc32_of(0, c + CHUNK_HEADER, free_off - CHUNK_HEADER));
		store32(c + 124, crc32_of(crc32_of(0, c, 120), c + 128, CHUNK_HEADER - 128));
	}
	unsigned char *h = w->buf;
	memcpy(h, "ElfFile", 8);
	store64(h + 8, 0);
	store64(h + 16, w->chunks ? w->chunks - 1 : 0);
	store64(h + 24, w->next_id);
	store32(h + 32, 128);
	store16(h + 36, 2); /* format 3.2, as Windows 10 2004 and later write */
	store16(h + 38, 3);
	store16(h + 40, FILE_HEADER);
	store16(h + 42, (unsigned)w->chunks);
	store32(h + 120, 0);
	store32(h + 124, crc32_of(0, h, 120));
}

uint64_t ew_filetime(int year, int month, int day, int hour, int min, int sec, uint32_t frac_100ns)
{
	/* days from 1601-01-01 (civil calendar arithmetic) */
	int y = year - (month <= 2);
	int era = y / 400;
	int yoe = y - era * 400;
	int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days_since_0000_03_01 = (int64_t)era * 146097 + doe;
	/* 1601-01-01 is day 584694 from 0000-03-01 */
	int64_t days = days_since_0000_03_01 - 584694;
	int64_t secs = days * 86400 + hour * 3600 + min * 60 + sec;
	return (uint64_t)secs * 10000000u + frac_100ns;
}

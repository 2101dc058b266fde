/*
 * tests/evtx_writer.h - a test-only writer of Windows event logs (.evtx),
 * so the suite can make a log of any channel and event without binary
 * fixtures. It writes what the format requires (libyal's "Windows XML
 * Event Log (EVTX)" document): a 4096-byte file header, 64 KiB chunks with
 * a 512-byte header, records whose event is binary XML, and the CRC-32s of
 * the file header, each chunk header and each chunk's records. Each record
 * is a template instance (its definition inline, names inline) over a
 * System element (Provider, EventID, Level, TimeCreated, EventRecordID,
 * Channel, Computer) and either EventData with named Data items or
 * UserData with one element of leaf children, as Windows writes them.
 * Tests poke the result to damage it (ew_chunk_offset()).
 */
#ifndef EVTX_WRITER_H
#define EVTX_WRITER_H

#include <stddef.h>
#include <stdint.h>

typedef struct ew_data {
	const char *name;  /* Data/@Name ("": no Name), or the UserData leaf element; UTF-8 */
	const char *value; /* UTF-8 */
} ew_data;

typedef struct ew_event {
	const char *provider;      /* Provider/@Name */
	const char *provider_guid; /* "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}", or NULL: no Guid */
	uint16_t event_id;
	uint8_t level;
	uint64_t time;             /* FILETIME: the record's written time and TimeCreated */
	const char *channel;
	const char *computer;      /* NULL: "TESTPC" */
	const ew_data *data;
	size_t data_count;
	/* Non-NULL: the items go into <UserData><userdata xmlns="..."> as
	 * leaf elements instead of into <EventData>; an item named
	 * "Element/@Attribute" becomes <Element Attribute="value"/>. */
	const char *userdata;
} ew_event;

typedef struct ew_log {
	unsigned char *buf;  /* the file */
	size_t size;         /* 4096 + 65536 per chunk */
	size_t chunks;
	size_t pos;          /* chunk-relative offset of the next record */
	size_t live_end;     /* end of the chunk's listed records (the free space offset) */
	int slack;           /* the current chunk has records in its free space */
	uint64_t next_id;    /* identifier of the next record (from 1) */
	uint64_t chunk_first_id, chunk_last_id;
	uint64_t chunk_last_off;
} ew_log;

/* A file header; the first chunk starts with the first record. */
void ew_init(ew_log *w);
void ew_free(ew_log *w);

/* Appends a record with the next identifier; starts a new chunk when the
 * current one is full. Returns the record's file offset. */
uint64_t ew_add(ew_log *w, const ew_event *ev);
/* Appends a record whose binary XML nests depth levels deep, for
 * libevtx's recursion: EW_NEST_ELEMENTS, an event whose EventData holds,
 * instead of its items, elements each inside the one before
 * (<x><x>...</x></x>; a chunk holds about 5,000); EW_NEST_VALUES, template
 * instances each inside a binary XML value of the one before (of ev, only
 * the time is used; a chunk holds about 2,800). */
typedef enum ew_nesting { EW_NEST_ELEMENTS, EW_NEST_VALUES } ew_nesting;
uint64_t ew_add_nested(ew_log *w, const ew_event *ev, ew_nesting how, unsigned depth);
/* Writes a record (with the next identifier) into the current chunk's
 * free space: libevtx finds it as a recovered record. Records added after
 * it go into a new chunk. */
uint64_t ew_add_slack(ew_log *w, const ew_event *ev);
/* Closes the current chunk; the next record starts a new one. */
void ew_new_chunk(ew_log *w);
/* Fills in every chunk header, the CRC-32s and the file header. */
void ew_finish(ew_log *w);

static inline uint64_t ew_chunk_offset(size_t i) { return 4096 + (uint64_t)i * 65536; }

/* FILETIME of a UTC date-time. */
uint64_t ew_filetime(int year, int month, int day, int hour, int min, int sec, uint32_t frac_100ns);

#endif

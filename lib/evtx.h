/*
 * lib/evtx.h - the event log reader: a Windows .evtx file (a member of a
 * collection, in memory) to a list of records with their System fields and
 * named data items. The binary format is read by libevtx (through a libbfio
 * memory range, so nothing is written to disk); each record's XML is parsed
 * with expat. Both are optional at build time (HAVE_LIBEVTX); without them
 * esp_evtx_read() fails with ESPDIAG_EUNSUPPORTED and says so.
 *
 * Internal for now. The structs are shaped so that a public API can mirror
 * them one to one: a handle with count/at accessors, records and data items
 * as plain structs of integers and UTF-8 strings owned by the handle, an
 * options struct with a version first, warnings as espdiag_warning.
 */
#ifndef ESPDIAG_EVTX_H
#define ESPDIAG_EVTX_H

#include "internal.h"

/* "ElfFile\0": the first 8 bytes of every event log. */
#define ESP_EVTX_MAGIC "ElfFile"
#define ESP_EVTX_MAGIC_SIZE 8

/* Record flags (a set, uint32_t). */
enum {
	/* Found by libevtx in a chunk's free space or in a chunk past the ones
	 * the header counts: an older or overwritten record, not one the log
	 * lists. */
	ESP_EVTX_RECOVERED = 1u << 0,
	/* Its chunk failed a check (signature, header or records CRC-32): the
	 * record may be damaged even though it parsed. */
	ESP_EVTX_DAMAGED_CHUNK = 1u << 1,
	/* System/TimeCreated/@SystemTime was present and parsed. */
	ESP_EVTX_HAS_TIME_CREATED = 1u << 2,
	/* System/EventID was present and a number. */
	ESP_EVTX_HAS_EVENT_ID = 1u << 3,
};

/* One named data item: <EventData><Data Name="x">v</Data>, or a leaf
 * element of <UserData> (named by its local name, its attributes as
 * "Element/@Attribute"). A Data element without Name has the name "". */
typedef struct esp_evtx_data {
	const char *name;  /* UTF-8, owned by the log */
	const char *value; /* UTF-8 text, "" when the element is empty */
} esp_evtx_data;

typedef struct esp_evtx_record {
	uint64_t record_id;     /* the record header's identifier (= EventRecordID) */
	uint64_t written_time;  /* FILETIME (UTC) from the record header */
	uint64_t time_created;  /* FILETIME (UTC) of TimeCreated, when flagged */
	uint64_t offset;        /* byte offset of the record in the file */
	const char *channel;    /* System/Channel, "" when absent */
	const char *provider;   /* System/Provider/@Name, "" when absent */
	const char *provider_guid; /* System/Provider/@Guid as written ("{...}"), "" when absent */
	const char *computer;   /* System/Computer, "" when absent */
	uint32_t event_id;      /* System/EventID, when flagged */
	uint32_t level;         /* System/Level (4 information, 3 warning, 2 error, 1 critical) */
	uint32_t flags;         /* ESP_EVTX_* */
	uint32_t index;         /* index among the normal, or among the recovered, records */
	const esp_evtx_data *data; /* data_count items, in document order */
	size_t data_count;
} esp_evtx_record;

/* Selects records: a record is kept when any row matches. A row matches
 * when its channel is NULL or equal to the record's (ASCII case-
 * insensitively), and its event id is ESP_EVTX_ANY_EVENT or the record's. */
#define ESP_EVTX_ANY_EVENT UINT32_MAX
typedef struct esp_evtx_filter {
	const char *channel;
	uint32_t event_id;
} esp_evtx_filter;

/* The channels and events EVIDENCE.md §5 names, for the bundle:
 * DeviceManagement-Enterprise-Diagnostics-Provider/Admin, User Device
 * Registration/Admin and ModernDeployment-Diagnostics-Provider/Autopilot
 * whole (they are small and every event may be evidence), Shell-Core/
 * Operational only 62407 (the ESP progress event; the channel holds
 * thousands of unrelated shell events). */
extern const esp_evtx_filter esp_evtx_esp_filter[];
extern const size_t esp_evtx_esp_filter_count;

#define ESP_EVTX_OPTIONS_VERSION 1
#define ESP_EVTX_DEFAULT_MAX_RECORDS 1000000u
#define ESP_EVTX_DEFAULT_MAX_XML ((uint64_t)1 << 20)
#define ESP_EVTX_DEFAULT_MAX_DATA 1024u

typedef struct esp_evtx_options {
	unsigned int version;   /* ESP_EVTX_OPTIONS_VERSION */
	uint64_t max_records;   /* records looked at (normal + recovered); 0 = default */
	uint64_t max_xml_size;  /* bytes of one record's XML; larger ones are skipped; 0 = default */
	uint32_t max_data;      /* data items kept per record; 0 = default */
	bool skip_recovered;    /* do not return recovered records */
	const esp_evtx_filter *filter; /* NULL: every record */
	size_t filter_count;
} esp_evtx_options;

#define ESP_EVTX_OPTIONS_INIT { ESP_EVTX_OPTIONS_VERSION, 0, 0, 0, false, NULL, 0 }

typedef struct esp_evtx esp_evtx;

/* True when the library was built with event log support. */
bool esp_evtx_supported(void);

/* 100 when data starts with the event log magic, else 0 (a bid, as the
 * registry readers make). */
int esp_evtx_bid(const unsigned char *data, size_t size);

/*
 * Reads the event log in data[0..size) (not copied: it must stay valid
 * until this returns). name labels messages. Damaged chunks and records
 * that cannot be read become warnings; only an unreadable file header
 * fails. Returns ESPDIAG_OK with *out set (free with esp_evtx_free()),
 * or ESPDIAG_EFORMAT (not an event log, header unreadable), ESPDIAG_EINVAL,
 * ESPDIAG_ENOMEM, or ESPDIAG_EUNSUPPORTED (built without event log
 * support: "not read: built without event log support"), with err set.
 */
int esp_evtx_read(esp_evtx **out, const unsigned char *data, size_t size, const char *name,
                  const esp_evtx_options *opts, esp_err *err);

/* Records kept, normal ones first (in libevtx's order), then recovered. */
size_t esp_evtx_count(const esp_evtx *log);
/* Owned by log; valid until esp_evtx_free(log). NULL past the end. */
const esp_evtx_record *esp_evtx_at(const esp_evtx *log, size_t index);

/* Records in the file as libevtx counts them, before the filter and caps. */
uint64_t esp_evtx_total_records(const esp_evtx *log);
uint64_t esp_evtx_total_recovered(const esp_evtx *log);

size_t esp_evtx_warning_count(const esp_evtx *log);
/* Owned by log; valid until esp_evtx_free(log). NULL past the end. */
const espdiag_warning *esp_evtx_warning_at(esp_evtx *log, size_t index);

/* NULL is a no-op. */
void esp_evtx_free(esp_evtx *log);

#endif /* ESPDIAG_EVTX_H */

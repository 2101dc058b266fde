/*
 * lib/bundle_private.h - the bundle's member readers and what they read,
 * for the bundle (lib/bundle.c), the readers (lib/member_*.c) and a model
 * loader above them. Not exported.
 *
 * A member reader is shaped as libarchive shapes its format readers: one
 * file fills one esp_member_reader (a name, a bid on the member's name and
 * first bytes, read, and optionally finish for readers that read their
 * members together), and the list in bundle.c names it. The bundle never
 * branches on a format: adding a format is adding a file and a line.
 */
#ifndef ESPDIAG_BUNDLE_PRIVATE_H
#define ESPDIAG_BUNDLE_PRIVATE_H

#include <espdiag/bundle.h>

#include "container.h"
#include "evtx.h"
#include "imelog.h"
#include "internal.h"

typedef struct esp_member_reader {
	const char *name;          /* "registry", "evtx", ... (messages only) */
	espdiag_member_kind kind;
	/* 0: not mine; higher wins. base is the member's base name; head is
	 * NULL when only the name is known (the reader is then asked again
	 * with the first bytes when no reader bid on the name). */
	int (*bid)(const char *base, const unsigned char *head, size_t head_len);
	/* Reads the member (index in the bundle's list); takes ownership of
	 * *in (releases it, or keeps it for finish). ESPDIAG_OK: read; an
	 * error: not read, why says why (ESPDIAG_ENOMEM stops the open). */
	int (*read)(espdiag_bundle *b, size_t index, const esp_walk_member *m, esp_input *in,
	            esp_err *why);
	/* After every member was seen: work over them all (mounting in order,
	 * reading logs in time order). NULL when none. ESPDIAG_OK or an error
	 * that fails the open (err set). */
	int (*finish)(espdiag_bundle *b, esp_err *err);
	/* Frees what the reader keeps on the bundle (esp_bundle_state). */
	void (*free_state)(void *state);
} esp_member_reader;

extern const esp_member_reader esp_member_registry;
extern const esp_member_reader esp_member_evtx;
extern const esp_member_reader esp_member_imelog;
extern const esp_member_reader esp_member_ztd;
extern const esp_member_reader esp_member_device_hash;
extern const esp_member_reader esp_member_metadata;

/* --- what the bundle offers its readers --- */

/* The reader's state on b (NULL until set); set replaces it (the old one
 * is the reader's to free). */
void *esp_bundle_state(const espdiag_bundle *b, const esp_member_reader *r);
void esp_bundle_set_state(espdiag_bundle *b, const esp_member_reader *r, void *state);
/* The bundle's options (never NULL) and caps. */
const espdiag_bundle_options *esp_bundle_options(const espdiag_bundle *b);
const espdiag_open_options *esp_bundle_open_options(const espdiag_bundle *b);
/* The label of the input ("x.zip", "(memory)"). */
const char *esp_bundle_label(const espdiag_bundle *b);
/* A copy of s (len bytes) kept until the bundle is freed; NULL: no memory. */
const char *esp_bundle_keep(espdiag_bundle *b, const char *s, size_t len);
/* Sets member index's summary (printf); ESPDIAG_OK or ESPDIAG_ENOMEM. */
int esp_bundle_summary(espdiag_bundle *b, size_t index, const char *fmt, ...) ESP_PRINTF(3, 4);
/* Marks member index not read, with why (after finish found a fault). */
int esp_bundle_unread(espdiag_bundle *b, size_t index, const char *why);
/* A warning about the bundle. ESPDIAG_OK or ESPDIAG_ENOMEM. */
int esp_bundle_warn(espdiag_bundle *b, const char *fmt, ...) ESP_PRINTF(2, 3);
/* The member list (the readers' view, indexes as given to read). */
const espdiag_member *esp_bundle_member(const espdiag_bundle *b, size_t index);
/* The other members' names, one per line (at most 1000), for the registry
 * source's "members" property; "" when none. Owned by b. */
const char *esp_bundle_other_names(espdiag_bundle *b, size_t index);

/* --- what the readers read, for a model loader (item 5 of issue 14) --- */

/* The IME logs, all of them read together, rotated copies first in time
 * order (lib/imelog.h); NULL when the bundle has none. Owned by b. */
esp_imelog *esp_bundle_imelog(const espdiag_bundle *b);

/* The event logs, one per member read, records filtered to the ESP's
 * channels (esp_evtx_esp_filter). Owned by b. */
typedef struct esp_bundle_evtx {
	size_t member;        /* index in the member list */
	const char *name;     /* the member's name */
	esp_evtx *log;
} esp_bundle_evtx;
size_t esp_bundle_evtx_count(const espdiag_bundle *b);
const esp_bundle_evtx *esp_bundle_evtx_at(const espdiag_bundle *b, size_t i);

/* AutopilotDDSZTDFile.json (the last one met when several). */
typedef struct esp_ztd {
	size_t member;
	bool has_error;                 /* {"ErrorCode":807,"ErrorReason":"..."} */
	int64_t error_code;
	const char *error_reason;       /* NULL when absent */
	/* Profile fields as strings ("" never: NULL when absent; numbers as
	 * decimal text), from the table in member_ztd.c. */
	const char *tenant_id, *tenant_domain, *profile_name, *oobe_config,
	        *domain_join_method, *policy_download_date, *zero_touch_config,
	        *correlation_id;
} esp_ztd;
const esp_ztd *esp_bundle_ztd(const espdiag_bundle *b);

/* DeviceHash_*.csv, one per row of each member. */
typedef struct esp_device_hash {
	size_t member;
	const char *serial;             /* "" when the cell is empty */
	const char *product_id;
	bool hash_present;
	size_t hash_length;             /* characters of the Hardware Hash cell */
} esp_device_hash;
size_t esp_bundle_device_hash_count(const espdiag_bundle *b);
const esp_device_hash *esp_bundle_device_hash_at(const espdiag_bundle *b, size_t i);

/* MdmDiagLogMetadata.json. */
typedef struct esp_mdm_metadata {
	size_t member;
	const char *collected;          /* the collection time as written; NULL unknown */
	const char *areas;              /* the areas, ";"-separated; NULL unknown */
} esp_mdm_metadata;
const esp_mdm_metadata *esp_bundle_metadata(const espdiag_bundle *b);

/* Helpers the readers share. */
/* Parses in (releasing it; a UTF-8 BOM is allowed) as a JSON object into
 * *out (json_t *, free with json_decref). ESPDIAG_OK, or ESPDIAG_EFORMAT /
 * ESPDIAG_ENOMEM with why set. */
int esp_member_json_object(void *out, esp_input *in, esp_err *why);
/* The reader's state on b, made (size bytes, zeroed) when it has none yet;
 * NULL when out of memory (in is then released and why set). */
void *esp_bundle_state_make(espdiag_bundle *b, const esp_member_reader *r, size_t size,
                            esp_input *in, esp_err *why);
bool esp_name_ieq(const char *a, const char *b);
bool esp_name_iends(const char *s, const char *suffix);
bool esp_name_istarts(const char *s, const char *prefix);

#endif /* ESPDIAG_BUNDLE_PRIVATE_H */

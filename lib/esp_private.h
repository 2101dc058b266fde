/*
 * lib/esp_private.h - the ESP model's handle, shared by esp.c (loading),
 * the files that load the other key families (esp_ime.c, esp_office.c,
 * esp_page.c, esp_omadm.c, esp_v2.c, esp_scenario.c), esp_names.c and
 * esp_write.c (output), and the
 * registry-reading helpers they share. Nothing outside the model sees it.
 */
#ifndef ESPDIAG_ESP_PRIVATE_H
#define ESPDIAG_ESP_PRIVATE_H

#include <espdiag/esp.h>

#include "internal.h"

/* A cap on the parts (keys and values) one model keeps: hostile input
 * cannot make the model, or the timeline's work, grow without bound. */
#define ESP_MAX_PARTS 1000000u

/* The most evidence a scenario keeps (a fixed set of keys and values). */
#define ESP_SCENARIO_MAX_EVIDENCE 16u

/* A growable array of pointers; elements live in the arena. */
typedef struct esp_vec {
	void **v;
	size_t n;
	size_t cap;
} esp_vec;

int esp_vec_push(esp_vec *v, void *p);
void esp_vec_free(esp_vec *v);

/* A setup and the arrays its public struct points into. */
typedef struct esp_setup {
	espdiag_esp_setup pub;
	esp_vec policy_providers;
	esp_vec apps;
} esp_setup;

/* An item and, for a tracked app, the app it stands for (the JSON writer
 * reads the app's ErrorHresult from it). pub comes first: the item list
 * holds &pub. */
typedef struct esp_item {
	espdiag_esp_item pub;
	const espdiag_esp_app *app;
} esp_item;

struct espdiag_esp {
	esp_err err;
	esp_arena arena;
	esp_warnings warnings;
	size_t parts;
	bool capped;
	bool has_tracking;
	esp_vec enrollments;     /* espdiag_esp_enrollment * */
	espdiag_esp_autopilot autopilot;
	esp_vec providers;       /* espdiag_esp_provider * */
	esp_setup device;
	esp_vec users;           /* esp_setup *, malloc'd */
	esp_vec snapshots;       /* espdiag_esp_snapshot * */
	esp_vec msi;             /* espdiag_esp_msi_app * */
	esp_vec phases;          /* espdiag_esp_phase_info * */
	esp_vec items;           /* espdiag_esp_item * */
	espdiag_esp_change *changes;
	size_t change_count;
	esp_vec ime_apps;        /* espdiag_esp_ime_app * */
	esp_vec office;          /* espdiag_esp_office * */
	esp_vec page;            /* espdiag_esp_page_category * */
	esp_vec omadm;           /* espdiag_esp_omadm_account * */
	const char *odj_applied_key;
	esp_vec policy_nodes;    /* espdiag_esp_policy_node * */
	/* Appended for device preparation (v2) and the scenario: arrays in
	 * the arena, so nothing here needs freeing. */
	espdiag_esp_devprep devprep;               /* esp_v2.c */
	espdiag_esp_workload *workloads;
	size_t workload_count;
	espdiag_esp_scenario_kind scenario;        /* esp_scenario.c */
	espdiag_esp_evidence scenario_evidence[ESP_SCENARIO_MAX_EVIDENCE];
	size_t scenario_evidence_count;
	/* Appended for the evidence bundle (esp_bundle.c and the files it
	 * names): what the logs, event logs and other members add. */
	esp_vec moments;         /* esp_moment *, in the arena: lines of the merged timeline */
	/* The device's clock: local time = UTC + clock_offset_minutes, when
	 * clock_known (derived from the bundle's evidence; see esp_clock.c). */
	bool clock_known;
	int32_t clock_offset_minutes;
	/* Appended for the IME logs (esp_logs.c, esp_clock.c): the apps, their
	 * attempts and the clock, all in the arena; NULL without a bundle. */
	struct esp_logs *logs;
	/* The bundle's event logs and Autopilot files (esp_events.c,
	 * esp_files.c); in the arena. */
	espdiag_esp_event *events;
	size_t event_count;
	const espdiag_esp_ztd *ztd;
	espdiag_esp_device_hash *device_hashes;
	size_t device_hash_count;
	const espdiag_esp_collection *collection;
};

#define ESP_MS "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\"

/* --- the registry-reading helpers of esp.c, for the model's other files --- */

/* Subkeys in name order (case-insensitive, as a hive stores them). */
typedef struct esp_kids {
	const espdiag_key **k;
	size_t n;
} esp_kids;

/* Counts one more part against ESP_MAX_PARTS; false (with one warning) past it. */
bool esp_model_budget(espdiag_esp *esp);
/* size zeroed bytes from the model's arena; NULL when out of memory. */
void *esp_model_zalloc(espdiag_esp *esp, size_t size);
/* A copy in the model's arena; NULL for NULL or when out of memory. */
const char *esp_model_strdup(espdiag_esp *esp, const char *s);
/* The key's path copied; NULL only when out of memory (*rc set). */
const char *esp_model_keypath(espdiag_esp *esp, const espdiag_key *key, int *rc);
/* A subkey by relative path or a key by full path, NULL when absent;
 * negative errors go to *rc. */
const espdiag_key *esp_model_sub(const espdiag_key *key, const char *rel, int *rc);
const espdiag_key *esp_model_lookup(espdiag_registry *reg, const char *path, int *rc);
/* The subkeys of key (may be NULL) in name order, in the arena. */
esp_kids esp_model_children(espdiag_esp *esp, const espdiag_key *key, int *rc);
/* A DWORD value (a present value of another type is a warning), and a
 * string value copied (NULL when absent or no string, with a warning). */
espdiag_esp_u32 esp_model_u32(espdiag_esp *esp, const espdiag_key *key, const char *name);
const char *esp_model_str(espdiag_esp *esp, const espdiag_key *key, const char *name, int *rc);
/* A GUID with or without braces. */
bool esp_model_is_guid(const char *s);

/* --- building the model (esp.c, esp_bundle.c) --- */

/* A model of reg's ESP keys, not yet sealed: the bundle's parts may still
 * add to it. ESPDIAG_OK or the error (nothing allocated then). */
int esp_model_new(espdiag_esp **out, espdiag_registry *reg);
/* Ends loading: after it the model is read-only (concurrent readers). */
void esp_model_seal(espdiag_esp *esp);

/* A line of the merged timeline that is not a registry snapshot's change
 * or a device preparation workload: an event log record or an IME log
 * record (esp_moment_add copies it into the model). Times are 100 ns
 * fractions of Unix seconds. An event's time is UTC; a log record's is
 * the device's local time, and its UTC is set once the device's offset is
 * known (utc_known stays false otherwise). */
typedef enum esp_moment_source {
	ESP_MOMENT_EVENT = 1,   /* an event log record */
	ESP_MOMENT_LOG = 2      /* an IME log record */
} esp_moment_source;

typedef struct esp_moment {
	esp_moment_source source;
	bool utc_known;
	int64_t utc_secs;
	uint32_t utc_100ns;
	bool local_known;
	int64_t local_secs;     /* the wall-clock time read as if it were UTC */
	uint32_t local_100ns;
	const char *what;       /* one line for people ("install started") */
	const char *subject;    /* the app or workload id it concerns; NULL when none */
	const char *name;       /* that subject's name; NULL when unknown */
	const char *member;     /* evidence: the file (bundle member) */
	uint64_t line;          /* evidence: the log line, or the event's record id */
	const char *channel;    /* an event's channel; NULL for a log record */
	uint32_t event_id;      /* an event's id; 0 for a log record */
	const char *message;    /* the record's message or the event's data, as quoted */
} esp_moment;

/* Copies m (and its strings) into the model. ESPDIAG_OK or ESPDIAG_ENOMEM;
 * past ESP_MAX_PARTS the moment is dropped with the model's cap warning. */
int esp_moment_add(espdiag_esp *esp, const esp_moment *m);

/* --- the bundle's parts (esp_bundle.c names them in bundle_parts[]) --- */
struct espdiag_bundle;
/* esp_logs.c: the IME logs' apps and attempts, their names on the
 * registry's apps, log warnings as model warnings, log records as moments. */
int esp_logs_part(espdiag_esp *esp, const struct espdiag_bundle *bundle);
/* esp_clock.c: the device's UTC offset; fills the log moments' and
 * references' UTC. After esp_logs_part. */
int esp_clock_part(espdiag_esp *esp, const struct espdiag_bundle *bundle);

/* The JSON parts "apps" (ESPDIAG_ESP_JSON_APPS) and "clock"
 * (ESPDIAG_ESP_JSON_CLOCK), for espdiag_esp_write_json (esp_write.c). */
void esp_logs_write_apps(FILE *out, const espdiag_esp *esp, uint32_t parts);
void esp_logs_write_clock(FILE *out, const espdiag_esp *esp, uint32_t parts);

/* What esp_logs.c keeps (the arena holds it all). */
typedef struct esp_logs {
	espdiag_esp_log_app **apps;     /* by id */
	size_t app_count;
	espdiag_esp_clock clock;
} esp_logs;
int esp_bundle_events(espdiag_esp *esp, const struct espdiag_bundle *bundle);  /* esp_events.c */
int esp_bundle_files(espdiag_esp *esp, const struct espdiag_bundle *bundle);   /* esp_files.c */

/* --- the other key families (each file says what it reads) --- */
int esp_load_ime(espdiag_esp *esp, espdiag_registry *reg);       /* esp_ime.c */
int esp_join_ime(espdiag_esp *esp);                              /* esp_ime.c */
int esp_load_office(espdiag_esp *esp, espdiag_registry *reg);    /* esp_office.c */
int esp_load_page(espdiag_esp *esp, espdiag_registry *reg);      /* esp_page.c */
int esp_load_policy_cache(espdiag_esp *esp, espdiag_registry *reg); /* esp_page.c */
int esp_load_omadm(espdiag_esp *esp, espdiag_registry *reg);     /* esp_omadm.c */
int esp_load_v2(espdiag_esp *esp, espdiag_registry *reg);        /* esp_v2.c */
/* After every other family: the scenario reads them all. */
int esp_load_scenario(espdiag_esp *esp, espdiag_registry *reg);  /* esp_scenario.c */

#endif /* ESPDIAG_ESP_PRIVATE_H */

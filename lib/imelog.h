/*
 * lib/imelog.h - what the Intune Management Extension's logs say about
 * Win32 apps and the ESP (internal; read through lib/cmtrace.h). From one
 * or more CMTrace files (IntuneManagementExtension.log, AppWorkload.log,
 * AgentExecutor.log and their rotated copies, put in time order first) it
 * builds:
 *   - facts: one per record a row of the pattern table in imelog.c
 *     understands, each with its value and its evidence (file, line);
 *   - the app catalogue: every app a "Get policies" record lists or a fact
 *     names, with its name, version, intent and install context;
 *   - per app, install attempts: download, install, exit code, enforcement,
 *     detection and status, each a pointer to the fact that says so.
 * Times stay device-local (esp_cmtrace_time); the bundle derives the
 * offset to UTC later. The structs are shaped so that a public API can
 * mirror them; nothing here is exported.
 */
#ifndef ESPDIAG_IMELOG_H
#define ESPDIAG_IMELOG_H

#include "cmtrace.h"

/* What a fact is. Values are stable (tests and a future JSON use them). */
typedef enum esp_imelog_kind {
	ESP_IMELOG_POLICIES = 1,           /* "Get policies = [...]": the app catalogue */
	ESP_IMELOG_APP_CONTEXT = 2,        /* a line that says which app is processed next */
	ESP_IMELOG_DOWNLOAD_START = 3,
	ESP_IMELOG_DOWNLOAD_PROGRESS = 4,  /* number = bytes done, number2 = bytes in all */
	ESP_IMELOG_DOWNLOAD_END = 5,
	ESP_IMELOG_DOWNLOAD_FAILED = 6,
	ESP_IMELOG_INSTALL_START = 7,      /* text = session ("machine", "user") */
	ESP_IMELOG_INSTALL_NOT_STARTED = 8,/* number = error code */
	ESP_IMELOG_INSTALL_END = 9,
	ESP_IMELOG_INSTALL_TIMEOUT = 10,
	ESP_IMELOG_EXIT_CODE = 11,         /* number = lpExitCode (unsigned 32-bit) */
	ESP_IMELOG_EXIT_CODE_CLASS = 12,   /* text = what the app's return codes make of it */
	ESP_IMELOG_HRESULT = 13,           /* number = hResultFromWin32 (signed 32-bit) */
	ESP_IMELOG_EXIT_CODE_UNMAPPED = 14,/* number = the exit code no return code maps */
	ESP_IMELOG_ENFORCEMENT = 15,       /* text = state ("Error", ...), number = lpExitCode when given */
	ESP_IMELOG_DETECTION_RESULT = 16,  /* number = 1 detected, 0 not (one detection rule) */
	ESP_IMELOG_DETECTION_STATE = 17,   /* text = "Detected", "NotDetected", ... (the app) */
	ESP_IMELOG_STATUS = 18,            /* text = status ("Installed", ...), number = ErrorCode when not null */
	ESP_IMELOG_ESP_PROVIDER_STATE = 19,/* text = provider ("Sidecar"), number = installation state */
	ESP_IMELOG_ESP_TRACKING_POLICIES = 20, /* number = 1 created, 0 not */
	ESP_IMELOG_ESP_SKIP_USER = 21,     /* number = 1 the account setup page is skipped */
	ESP_IMELOG_ESP_SKIP_DEVICE = 22,   /* number = 1 the device setup page is skipped */
	ESP_IMELOG_ESP_PHASE = 23,         /* text = "DeviceSetup", "AccountSetup", ... */
	ESP_IMELOG_ESP_TRACKED_APP = 24    /* app, number = its ESP installation state */
} esp_imelog_kind;

/* Where a fact was read. */
typedef struct esp_imelog_evidence {
	const char *member;    /* the file, as the caller named it */
	uint64_t line;         /* 1-based line of the record */
	uint64_t offset;       /* byte offset of the record */
	esp_cmtrace_time time; /* the record's local time */
	uint32_t type;         /* the record's type (1 info, 2 warning, 3 error) */
	uint64_t thread;
} esp_imelog_evidence;

typedef struct esp_imelog_fact {
	esp_imelog_kind kind;
	const char *app_id;    /* lower-case GUID; NULL when no app applies or is known */
	bool app_from_context; /* app_id came from the thread's current app, not the line */
	bool has_number;
	int64_t number;
	bool has_number2;
	int64_t number2;
	const char *text;      /* NULL when the kind has none */
	const char *message;   /* the record's message (at most ESP_IMELOG_MAX_QUOTE bytes) */
	esp_imelog_evidence where;
} esp_imelog_fact;

/* Bytes of a record's message a fact keeps as a quote. */
#define ESP_IMELOG_MAX_QUOTE 512u

/* What an attempt came to (derived; see esp_imelog_outcome_of in imelog.c). */
typedef enum esp_imelog_outcome {
	ESP_IMELOG_UNKNOWN = 0,      /* nothing conclusive logged */
	ESP_IMELOG_IN_PROGRESS = 1,  /* started, no result logged */
	ESP_IMELOG_FAILED = 2,       /* the install failed (error state, unmapped code, timeout, ...) */
	ESP_IMELOG_NOT_DETECTED = 3, /* the installer finished but detection did not find the app */
	ESP_IMELOG_SUCCEEDED = 4     /* detected, installed or enforced successfully */
} esp_imelog_outcome;

/* One download-and-install cycle of one app. A field is NULL when the
 * logs do not say. */
typedef struct esp_imelog_attempt {
	uint32_t number;                        /* 1-based, per app */
	const esp_imelog_fact *start;           /* the fact that opened it */
	const esp_imelog_fact *detection_before;/* the detection that led to it */
	const esp_imelog_fact *download_start, *download_progress, *download_end, *download_failed;
	const esp_imelog_fact *install_start, *install_not_started, *install_end, *install_timeout;
	const esp_imelog_fact *exit_code, *exit_code_class, *hresult, *unmapped, *enforcement;
	const esp_imelog_fact *detection_after; /* the detection after the install */
	const esp_imelog_fact *status;          /* the last status reported while it was open */
	esp_imelog_outcome outcome;
} esp_imelog_attempt;

typedef struct esp_imelog_app {
	const char *id;                /* lower-case GUID */
	const char *name;              /* NULL when no policy named it */
	bool has_version, has_intent, has_install_context, has_run_as, has_target_type;
	int64_t version;               /* "Version": the app's content revision */
	int64_t intent;                /* "Intent": 0 not targeted (dependency), 1 available, 3 required, 4 uninstall */
	int64_t install_context;       /* "InstallContext" as the policy gives it */
	int64_t run_as;                /* "InstallEx" "RunAs" as the policy gives it */
	int64_t target_type;           /* "TargetType" as the policy gives it */
	const esp_imelog_fact *policy; /* the last "Get policies" record listing it; NULL if none */
	const esp_imelog_fact *last_status;
	size_t attempt_count;
	esp_imelog_attempt *attempts;
} esp_imelog_app;

/* One file given to esp_imelog_read. */
typedef struct esp_imelog_input {
	const char *name;              /* the member name; rotated copies are ordered by it */
	const unsigned char *data;
	size_t size;
} esp_imelog_input;

/* A file as read, in the order read. */
typedef struct esp_imelog_file {
	const char *name;
	size_t input_index;            /* its index in the caller's array */
	bool rotated;                  /* the name carries -YYYYMMDD-HHMMSS */
	esp_cmtrace_stats stats;
	esp_warnings warnings;         /* the reader's and the interpreter's */
} esp_imelog_file;

/* Caps; a 0 field means its default. */
typedef struct esp_imelog_options {
	esp_cmtrace_options cmtrace;
	uint64_t max_facts;            /* default 1 Mi */
	uint32_t max_apps;             /* default 65536 */
	uint32_t max_attempts;         /* per app, default 1000 */
} esp_imelog_options;

typedef struct esp_imelog esp_imelog;

/* True for the file names the IME writes (IntuneManagementExtension,
 * AppWorkload, AgentExecutor, plain or rotated, any directory, any case). */
bool esp_imelog_wants(const char *name);

/*
 * Reads the inputs (their bytes must stay valid until esp_imelog_read
 * returns; nothing points into them afterwards) in time order: rotated
 * copies by the timestamp in their names, oldest first, then the live
 * files in the order given. Damage becomes warnings of the file it is in.
 * Returns ESPDIAG_OK with *out set, or ESPDIAG_EINVAL / ESPDIAG_ENOMEM
 * with err set.
 */
int esp_imelog_read(esp_imelog **out, const esp_imelog_input *inputs, size_t n,
                    const esp_imelog_options *opts, esp_err *err);
void esp_imelog_free(esp_imelog *log);

size_t esp_imelog_file_count(const esp_imelog *log);
esp_imelog_file *esp_imelog_file_at(esp_imelog *log, size_t i);
size_t esp_imelog_fact_count(const esp_imelog *log);
const esp_imelog_fact *esp_imelog_fact_at(const esp_imelog *log, size_t i);
size_t esp_imelog_app_count(const esp_imelog *log);
const esp_imelog_app *esp_imelog_app_at(const esp_imelog *log, size_t i);
/* The app with this id (any case), or NULL. */
const esp_imelog_app *esp_imelog_app_find(const esp_imelog *log, const char *id);

const char *esp_imelog_kind_name(esp_imelog_kind kind);
const char *esp_imelog_outcome_name(esp_imelog_outcome outcome);

/* An exit code that has the shape of a failure HRESULT (0x8xxxxxxx: the
 * severity bit set, the reserved bit clear); NTSTATUS codes such as
 * 0xC0000142 do not. */
bool esp_imelog_exit_code_is_hresult(int64_t code);

#endif /* ESPDIAG_IMELOG_H */

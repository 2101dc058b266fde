/*
 * lib/imelog.c - the IME log interpreter (see imelog.h): the table of the
 * message patterns it understands, the code that walks it, and the rules
 * that turn the facts into the app catalogue and install attempts.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <espdiag/common.h>

#include "imelog.h"

/* ---------------------------------------------------------------------
 * The pattern table: every IME message this module understands, in ONE
 * place. A message is "[Tag][Sub]... body" (leading "-" and ">" and every
 * bracketed tag after the first are skipped); a row matches when the first
 * tag equals tag, the body starts with lead (or holds it, for anywhere
 * rows) and every field that follows parses. The first matching row wins.
 * Sources, named per row:
 *   EVIDENCE  = ../shared/EVIDENCE.md section 4 (lines seen on real devices);
 *   CORPUS-1  = ../shared/corpus/logs/IntuneManagementExtension-real-1.log (line);
 *   KEYWORDS  = mikaelfun/Intune-IME-Project (commit 2e129f6), src/logging keyword table.json
 *               (a log interpreter's table of exact IME line prefixes);
 *   IMEPY     = mikaelfun/Intune-IME-Project, src/win32app.py (quotes whole
 *               real records in its comments);
 *   PETRI     = petripaavola/Get-IntuneManagementExtensionDiagnostics,
 *               DeveloperVersion/Get-IntuneManagementExtensionDiagnostics.ps1
 *               (version 3.3, commit 7913c74; line);
 *   WRITEUP   = public write-ups quoting real IME/AppWorkload records (the
 *               line is quoted in the row's comment; no repository to cite,
 *               so these rows are kept narrow).
 * --------------------------------------------------------------------- */

/* What a field's text must look like. */
enum shape {
	V_UINT32,      /* decimal, 0..4294967295 */
	V_UINT63,      /* decimal, 0..INT64_MAX */
	V_INT32,       /* optional '-', decimal, fits 32 bits */
	V_INT64_NULL,  /* optional '-', decimal, or "null" (no number) */
	V_WORD,        /* letters, digits, '_' (at most 64) */
	V_BOOL,        /* True or False, any case: 1 or 0 */
	V_GUID,        /* 8-4-4-4-12 hex digits */
	V_GUID_END,    /* a GUID that ends the body (one app, not a list) */
	V_REST         /* the rest of the body (the JSON of Get policies) */
};

/* Where a field's value goes. */
enum slot { S_APP, S_NUMBER, S_NUMBER2, S_TEXT, S_SKIP };

typedef struct field {
	const char *after; /* the value follows this text ("" = where the last one ended) */
	unsigned char shape, slot;
	bool optional;     /* absent or unreadable: the row still matches */
} field;

/* Row flags. */
#define P_ANYWHERE 1u  /* lead may be anywhere in the body */
#define P_CONTEXT 2u   /* the app becomes the current app of the record's thread */
#define P_CYCLE 4u     /* processing of the app starts anew (new detection, new attempt) */

#define MAX_FIELDS 3

typedef struct pattern {
	esp_imelog_kind kind;
	const char *tag;   /* the first tag, without brackets ("" = no tag) */
	const char *lead;
	unsigned flags;
	field f[MAX_FIELDS];
} pattern;

#define END_FIELDS {NULL, 0, 0, false}

static const pattern patterns[] = {
	/* The app catalogue: a JSON array of the apps targeted to a user or
	 * the device (Id, Name, Version, Intent, InstallContext, InstallEx,
	 * DetectionRule, ...). EVIDENCE; KEYWORDS LOG_POLICY_JSON_INDICATOR
	 * "<![LOG[Get policies = "; PETRI line 3028. */
	{ESP_IMELOG_POLICIES, "", "Get policies = ", 0, {{"", V_REST, S_TEXT, false}}},

	/* Which app the next lines are about. Older agents:
	 * "[Win32App] ===Step=== Start to Present app 6b563018-53fa-4857-9156-cfb0ba1e87da"
	 * (WRITEUP, a CMTrace record dated 11-11-2021) and
	 * "---->>[Win32App] Processing app (id=b213bd21-..., name = ...) with mode = DetectInstall"
	 * (WRITEUP, an admin's notes on a successful ESP install sequence). */
	{ESP_IMELOG_APP_CONTEXT, "Win32App", "===Step=== Start to Present app ", P_CONTEXT | P_CYCLE,
	 {{"", V_GUID, S_APP, false}}},
	{ESP_IMELOG_APP_CONTEXT, "Win32App", "Processing app (id=", P_CONTEXT | P_CYCLE,
	 {{"", V_GUID, S_APP, false}}},
	/* Current agents: "[Win32App][V3Processor] Processing subgraph with
	 * app ids: <id>[, <id>...]" (KEYWORDS LOG_SUBGRAPH_PROCESSING_START_INDICATOR;
	 * PETRI line 3439). Only a one-app subgraph names the app: with
	 * dependencies the lines of several apps interleave. */
	{ESP_IMELOG_APP_CONTEXT, "Win32App", "Processing subgraph with app ids: ", P_CONTEXT | P_CYCLE,
	 {{"", V_GUID_END, S_APP, false}}},
	/* Just before the installer runs, in the app's cache folder:
	 * "[Win32App] SetCurrentDirectory: C:\Windows\IMECache\<id>_<revision>"
	 * (PETRI line 3347; WRITEUP "...\IMECache\CCCCCCCC-..._1"). */
	{ESP_IMELOG_APP_CONTEXT, "Win32App", "SetCurrentDirectory: ", P_CONTEXT,
	 {{"IMECache\\", V_GUID, S_APP, false}}},

	/* Download. "[Win32App] Downloading app on session 2. App: 3dde4e19-..."
	 * (KEYWORDS LOG_WIN32_DOWNLOADING_START_INDICATOR; IMEPY quotes the record). */
	{ESP_IMELOG_DOWNLOAD_START, "Win32App", "Downloading app on session ", P_CONTEXT,
	 {{". App: ", V_GUID, S_APP, false}}},
	/* AppWorkload.log: "Content cache miss for app (id = ..., name = ...)"
	 * starts the download (WRITEUP; the exact prefix after "(id" is not
	 * seen in a whole record, so the row wants "(id = " and a GUID). */
	{ESP_IMELOG_DOWNLOAD_START, "Win32App", "Content cache miss for app (id = ", P_CONTEXT,
	 {{"", V_GUID, S_APP, false}}},
	/* "[StatusService] Downloading app (id = e765119c-..., name Adobe Acrobat DC)
	 * via DO, bytes 720928912/721977488 for user 37ed0412-..." (IMEPY quotes
	 * DO and CDN records; PETRI line 3741 the WinGet form). */
	{ESP_IMELOG_DOWNLOAD_PROGRESS, "StatusService", "Downloading app (id = ", 0,
	 {{"", V_GUID, S_APP, false}, {", bytes ", V_UINT63, S_NUMBER, false},
	  {"/", V_UINT63, S_NUMBER2, false}}},
	/* Delivery Optimization finished: "Notified DO Service the job is
	 * complete." (KEYWORDS LOG_WIN32_DO_FINISH_INDICATOR; CORPUS-1 line 1273,
	 * where no app is being processed, so it names none). */
	{ESP_IMELOG_DOWNLOAD_END, "", "Notified DO Service the job is complete.", 0, {END_FIELDS}},
	/* "[Win32App] CDN mode, download completes." (KEYWORDS LOG_WIN32_CDN_STOP_INDICATOR). */
	{ESP_IMELOG_DOWNLOAD_END, "Win32App", "CDN mode, download completes.", 0, {END_FIELDS}},
	/* "[Win32App DO] DO downloading is not finished within timeout"
	 * (KEYWORDS LOG_WIN32_DO_NOT_FINISH_INDICATOR). */
	{ESP_IMELOG_DOWNLOAD_FAILED, "Win32App DO", "DO downloading is not finished within timeout", 0,
	 {END_FIELDS}},

	/* Install. "[Win32App] Launch Win32AppInstaller in machine session"
	 * (WRITEUP; several public scripts match this exact prefix). */
	{ESP_IMELOG_INSTALL_START, "Win32App", "Launch Win32AppInstaller in ", 0,
	 {{"", V_WORD, S_TEXT, false}}},
	/* "[Win32App] Failed to create installer process. Error code = N" (PETRI line 3225). */
	{ESP_IMELOG_INSTALL_NOT_STARTED, "Win32App", "Failed to create installer process. Error code = ",
	 0, {{"", V_INT64_NULL, S_NUMBER, false}}},
	/* "[Win32App] Installation is done, collecting result" (KEYWORDS
	 * LOG_WIN32_INSTALL_FINISH_INDICATOR; PETRI line 3218). */
	{ESP_IMELOG_INSTALL_END, "Win32App", "Installation is done, collecting result", 0, {END_FIELDS}},
	/* "[Win32App] Installation is timeout, collecting result" (WRITEUP: an
	 * admin's note "installation took longer than 60min"). */
	{ESP_IMELOG_INSTALL_TIMEOUT, "Win32App", "Installation is timeout, collecting result", 0,
	 {END_FIELDS}},

	/* Result. "[Win32App] lpExitCode 3221225794": unsigned (EVIDENCE;
	 * KEYWORDS LOG_WIN32_INSTALL_EXIT_CODE_INDICATOR). "lpExitCode is
	 * defined as ..." fails the number and falls to the next row. */
	{ESP_IMELOG_EXIT_CODE, "Win32App", "lpExitCode ", 0, {{"", V_UINT32, S_NUMBER, false}}},
	/* "[Win32App] lpExitCode is defined as <class>": what the app's return
	 * codes make of it (KEYWORDS LOG_WIN32_INSTALL_EXIT_CODE_DEF_INDICATOR;
	 * PETRI line 3278). */
	{ESP_IMELOG_EXIT_CODE_CLASS, "Win32App", "lpExitCode is defined as ", 0,
	 {{"", V_WORD, S_TEXT, false}}},
	/* "[Win32App] hResultFromWin32 -2147024574": signed (EVIDENCE). */
	{ESP_IMELOG_HRESULT, "Win32App", "hResultFromWin32 ", 0, {{"", V_INT32, S_NUMBER, false}}},
	/* "[Win32App] Admin did NOT set mapping for lpExitCode: 1603 of app: <id>"
	 * (EVIDENCE; KEYWORDS LOG_WIN32_EXIT_CODE_NOMAPPING_INDICATOR; WRITEUP
	 * shows the form without " of app:", so the app is optional). */
	{ESP_IMELOG_EXIT_CODE_UNMAPPED, "Win32App", "Admin did NOT set mapping for lpExitCode: ", 0,
	 {{"", V_UINT32, S_NUMBER, false}, {" of app: ", V_GUID, S_APP, true}}},
	/* "[Win32App] Setting enforcementState as: Error with lpExitCode: 3221225794
	 * without mapping" (EVIDENCE; WRITEUP quotes it whole). */
	{ESP_IMELOG_ENFORCEMENT, "Win32App", "Setting enforcementState as: ", 0,
	 {{"", V_WORD, S_TEXT, false}, {" with lpExitCode: ", V_UINT32, S_NUMBER, true}}},

	/* Detection. One rule's result: "...result of applicationDetected: False",
	 * "Path doesn't exists: ... applicationDetected: False" (EVIDENCE;
	 * WRITEUP). "applicationDetectedByCurrentRule:" (IMEPY) does not match
	 * (no ": " right after the word). */
	{ESP_IMELOG_DETECTION_RESULT, "Win32App", "applicationDetected: ", P_ANYWHERE,
	 {{"", V_BOOL, S_NUMBER, false}}},
	/* The app's: "[Win32App][DetectionActionHandler] Detection for policy
	 * with id: <id> resulted in action status: Success and detection
	 * state: NotDetected." (EVIDENCE "detection state: NotDetected";
	 * KEYWORDS LOG_WIN32_DETECTION_OLD_RESULT_INDICATOR). */
	{ESP_IMELOG_DETECTION_STATE, "Win32App", "Detection for policy with id: ", 0,
	 {{"", V_GUID, S_APP, false}, {" detection state: ", V_WORD, S_TEXT, false}}},

	/* "[StatusService] Returning status to user with id: <user> for
	 * V3-managed app with id: <id> and install context: System.
	 * Applicability: Applicable, Status: Installed, ErrorCode: 0"
	 * (EVIDENCE; WRITEUP quotes it whole from AppWorkload.log). */
	{ESP_IMELOG_STATUS, "StatusService", "Returning status to user with id: ", 0,
	 {{" app with id: ", V_GUID, S_APP, false}, {", Status: ", V_WORD, S_TEXT, false},
	  {", ErrorCode: ", V_INT64_NULL, S_NUMBER, true}}},

	/* ESP. "[Win32App] Got InstanceID: Sidecar, installationStateString: 3"
	 * (EVIDENCE; CORPUS-1 lines 217 and 989). */
	{ESP_IMELOG_ESP_PROVIDER_STATE, "Win32App", "Got InstanceID: ", 0,
	 {{"", V_WORD, S_TEXT, false}, {", installationStateString: ", V_UINT32, S_NUMBER, false}}},
	/* "[Win32App] Got SidecarTrackingPoliciesCreated value as True"
	 * (EVIDENCE names SidecarTrackingPoliciesCreated; CORPUS-1 line 994). */
	{ESP_IMELOG_ESP_TRACKING_POLICIES, "Win32App", "Got SidecarTrackingPoliciesCreated value as ", 0,
	 {{"", V_BOOL, S_NUMBER, false}}},
	/* "[Win32App] ESP got skipUserStatusPage True, return NotInEsp"
	 * (EVIDENCE; WRITEUP quotes it whole). */
	{ESP_IMELOG_ESP_SKIP_USER, "Win32App", "ESP got skipUserStatusPage ", 0,
	 {{"", V_BOOL, S_NUMBER, false}}},
	/* "[Win32App][EspHelper][CheckDeviceOnlyFromFirstSyncReg] Set
	 * skipUserStatusPage: False" (CORPUS-1 lines 209 and 207). */
	{ESP_IMELOG_ESP_SKIP_USER, "Win32App", "Set skipUserStatusPage: ", 0,
	 {{"", V_BOOL, S_NUMBER, false}}},
	{ESP_IMELOG_ESP_SKIP_DEVICE, "Win32App", "Set skipDeviceStatusPage: ", 0,
	 {{"", V_BOOL, S_NUMBER, false}}},
	/* Older agents: "[Win32App] CheckDeviceOnlyFromFirstSyncReg set
	 * skipUserStatusPage: ..." (PETRI lines 2076 and 2091). */
	{ESP_IMELOG_ESP_SKIP_USER, "Win32App", "CheckDeviceOnlyFromFirstSyncReg set skipUserStatusPage: ",
	 0, {{"", V_BOOL, S_NUMBER, false}}},
	{ESP_IMELOG_ESP_SKIP_DEVICE, "Win32App",
	 "CheckDeviceOnlyFromFirstSyncReg set skipDeviceStatusPage: ", 0,
	 {{"", V_BOOL, S_NUMBER, false}}},
	/* "[Win32App][EspHelper][CheckEspPhase] In EspPhase: DeviceSetup"
	 * (CORPUS-1 line 222) and "[Win32App] The EspPhase: NotInEsp in
	 * session" (KEYWORDS LOG_ESP_INDICATOR; IMEPY-era AppWorkload record). */
	{ESP_IMELOG_ESP_PHASE, "Win32App", "In EspPhase: ", 0, {{"", V_WORD, S_TEXT, false}}},
	{ESP_IMELOG_ESP_PHASE, "Win32App", "The EspPhase: ", 0, {{"", V_WORD, S_TEXT, false}}},
	/* "[Win32App][EspHelper][CheckDeviceAndAccountSetupStateWithWmi] DEVICE:
	 * got trackingApp Win32App_002d63cf-..._5, install: 2, reboot: "
	 * (CORPUS-1 line 997): the app's ESP tracking state (2 = InProgress). */
	{ESP_IMELOG_ESP_TRACKED_APP, "Win32App", "DEVICE: got trackingApp Win32App_", 0,
	 {{"", V_GUID, S_APP, false}, {", install: ", V_UINT32, S_NUMBER, false}}},
};

/* --------------------------------------------------------------------- */

#define DEFAULT_MAX_FACTS ((uint64_t)1 << 20)
#define DEFAULT_MAX_APPS 65536u
#define DEFAULT_MAX_ATTEMPTS 1000u
#define GUID_LEN 36
/* Threads whose current app is remembered at once (a cache: a slot
 * taken by another thread only forgets, never misattributes). */
#define CONTEXT_SLOTS 256u

/* Building state of one app, beside the public struct. */
typedef struct app_state {
	size_t attempt_cap;
	bool cycle;                       /* the next attempt fact opens a new attempt */
	const esp_imelog_fact *pending;   /* a detection before any attempt opened */
	bool attempts_capped;
} app_state;

typedef struct context {
	bool used;
	uint32_t stem;
	uint64_t thread;
	size_t app;
} context;

struct esp_imelog {
	esp_arena arena;
	esp_imelog_file *files;
	size_t nfiles;
	esp_imelog_fact **facts;
	size_t nfacts, facts_cap;
	esp_imelog_app *apps;
	app_state *st;
	size_t napps, apps_cap;
	size_t *index; /* open addressing: app index + 1, 0 = empty */
	size_t index_cap;
	context ctx[CONTEXT_SLOTS];
	/* while reading */
	uint64_t max_facts;
	uint32_t max_apps, max_attempts;
	bool facts_capped, apps_capped;
	esp_imelog_file *file;
	uint32_t stem;
	esp_err *err;
	int status;
};

/* ---- names ---- */

static const char *base_name(const char *name)
{
	const char *b = name;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			b = p + 1;
	return b;
}

/* The "-YYYYMMDD-HHMMSS" before ".log" of a rotated copy, as 14 digits
 * in stamp; its start in *at. */
static bool rotated_stamp(const char *base, char stamp[15], size_t *at)
{
	size_t n = strlen(base);
	if (n < 4 + 16 || strcasecmp(base + n - 4, ".log") != 0)
		return false;
	const char *s = base + n - 4 - 16;
	if (s[0] != '-' || s[9] != '-')
		return false;
	for (int i = 1; i < 16; i++)
		if (i != 9 && !isdigit((unsigned char)s[i]))
			return false;
	memcpy(stamp, s + 1, 8);
	memcpy(stamp + 8, s + 10, 6);
	stamp[14] = '\0';
	*at = (size_t)(s - base);
	return true;
}

bool esp_imelog_wants(const char *name)
{
	static const char *const stems[] = {"IntuneManagementExtension", "AppWorkload", "AgentExecutor"};
	if (name == NULL)
		return false;
	const char *b = base_name(name);
	size_t n = strlen(b);
	if (n < 4 || strcasecmp(b + n - 4, ".log") != 0)
		return false;
	for (size_t i = 0; i < sizeof stems / sizeof stems[0]; i++)
		if (strncasecmp(b, stems[i], strlen(stems[i])) == 0)
			return true;
	return false;
}

/* ---- apps ---- */

static uint64_t hash_id(const char *s)
{
	uint64_t h = 1469598103934665603u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211u;
	}
	return h;
}

static bool index_grow(esp_imelog *log)
{
	size_t cap = log->index_cap ? log->index_cap * 2 : 64;
	size_t *idx = calloc(cap, sizeof *idx);
	if (idx == NULL)
		return false;
	for (size_t i = 0; i < log->napps; i++) {
		size_t h = (size_t)hash_id(log->apps[i].id) & (cap - 1);
		while (idx[h] != 0)
			h = (h + 1) & (cap - 1);
		idx[h] = i + 1;
	}
	free(log->index);
	log->index = idx;
	log->index_cap = cap;
	return true;
}

/* The index of the app with this (lower-case) id, or -1. */
static long find_app(const esp_imelog *log, const char *id)
{
	if (log->index_cap == 0)
		return -1;
	size_t h = (size_t)hash_id(id) & (log->index_cap - 1);
	while (log->index[h] != 0) {
		size_t i = log->index[h] - 1;
		if (strcmp(log->apps[i].id, id) == 0)
			return (long)i;
		h = (h + 1) & (log->index_cap - 1);
	}
	return -1;
}

static void fail(esp_imelog *log, int status, const char *what)
{
	if (log->status == ESPDIAG_OK)
		log->status = esp_err_set(log->err, status, "%s", what);
}

static void note(esp_imelog *log, const esp_cmtrace_record *rec, const char *fmt, ...)
	ESP_PRINTF(3, 4);
static void note(esp_imelog *log, const esp_cmtrace_record *rec, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (esp_warn(&log->file->warnings, rec->pos.line, 0, rec->pos.offset, "%s", msg) != ESPDIAG_OK)
		fail(log, ESPDIAG_ENOMEM, "out of memory");
}

/* The app with this id, added when new; -1 past the cap or on failure. */
static long app_get(esp_imelog *log, const char *id, const esp_cmtrace_record *rec)
{
	long i = find_app(log, id);
	if (i >= 0)
		return i;
	if (log->napps >= log->max_apps) {
		if (!log->apps_capped)
			note(log, rec, "more than %u apps; later apps are not kept", log->max_apps);
		log->apps_capped = true;
		return -1;
	}
	if ((log->napps + 1) * 2 > log->index_cap && !index_grow(log)) {
		fail(log, ESPDIAG_ENOMEM, "out of memory");
		return -1;
	}
	size_t cap = log->apps_cap;
	if (esp_reserve_one((void **)&log->apps, log->napps, &cap, sizeof *log->apps, 16) !=
	    ESPDIAG_OK) {
		fail(log, ESPDIAG_ENOMEM, "out of memory");
		return -1;
	}
	size_t cap2 = log->apps_cap;
	if (esp_reserve_one((void **)&log->st, log->napps, &cap2, sizeof *log->st, 16) != ESPDIAG_OK) {
		fail(log, ESPDIAG_ENOMEM, "out of memory");
		return -1;
	}
	log->apps_cap = cap < cap2 ? cap : cap2;
	char *copy = esp_arena_strndup(&log->arena, id, strlen(id));
	if (copy == NULL) {
		fail(log, ESPDIAG_ENOMEM, "out of memory");
		return -1;
	}
	esp_imelog_app *app = &log->apps[log->napps];
	memset(app, 0, sizeof *app);
	memset(&log->st[log->napps], 0, sizeof log->st[log->napps]);
	app->id = copy;
	size_t h = (size_t)hash_id(copy) & (log->index_cap - 1);
	while (log->index[h] != 0)
		h = (h + 1) & (log->index_cap - 1);
	log->index[h] = log->napps + 1;
	return (long)log->napps++;
}

/* ---- the current app of a thread ----
 * A line without an app id belongs to the app its thread last named (a
 * judgment call: the IME processes one app per thread at a time, and the
 * public interpreters cited above follow the thread the same way, PETRI
 * line 3264). Without such a line the fact names no app: never a guess. */

static context *ctx_slot(esp_imelog *log, uint64_t thread)
{
	uint64_t h = (thread * 0x9E3779B97F4A7C15u) ^ log->stem;
	return &log->ctx[(h >> 32) % CONTEXT_SLOTS];
}

static void ctx_set(esp_imelog *log, uint64_t thread, size_t app)
{
	context *c = ctx_slot(log, thread);
	c->used = true;
	c->stem = log->stem;
	c->thread = thread;
	c->app = app;
}

static long ctx_get(esp_imelog *log, uint64_t thread)
{
	const context *c = ctx_slot(log, thread);
	if (c->used && c->stem == log->stem && c->thread == thread)
		return (long)c->app;
	return -1;
}

/* ---- matching ---- */

typedef struct extract {
	char app[GUID_LEN + 1];
	bool has_app;
	bool has_number, has_number2;
	int64_t number, number2;
	const char *text;
	size_t text_len;
} extract;

static bool parse_guid(const char *p, const char *end, char out[GUID_LEN + 1])
{
	if (end - p < GUID_LEN)
		return false;
	for (int i = 0; i < GUID_LEN; i++) {
		char c = p[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!isxdigit((unsigned char)c)) {
			return false;
		}
		out[i] = (char)tolower((unsigned char)c);
	}
	out[GUID_LEN] = '\0';
	return p + GUID_LEN == end || !isxdigit((unsigned char)p[GUID_LEN]);
}

/* A decimal at *pp (after an optional '-' when sign), at most max in
 * magnitude (max + 1 when negative). */
static bool parse_dec(const char **pp, const char *end, bool sign, uint64_t max, int64_t *out)
{
	const char *p = *pp;
	bool neg = false;
	if (sign && p < end && *p == '-')
		neg = true, p++;
	uint64_t v = 0, lim = neg ? max + 1 : max;
	const char *start = p;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');
		if (v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (p == start)
		return false;
	*out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	*pp = p;
	return true;
}

/* Reads one field's value at *pp into x. */
static bool parse_value(const field *f, const char **pp, const char *end, extract *x)
{
	const char *p = *pp;
	int64_t v = 0;
	bool has = true;
	const char *text = NULL;
	size_t text_len = 0;
	switch (f->shape) {
	case V_UINT32:
		if (!parse_dec(&p, end, false, UINT32_MAX, &v))
			return false;
		break;
	case V_UINT63:
		if (!parse_dec(&p, end, false, INT64_MAX, &v))
			return false;
		break;
	case V_INT32:
		if (!parse_dec(&p, end, true, INT32_MAX, &v))
			return false;
		break;
	case V_INT64_NULL:
		if (end - p >= 4 && memcmp(p, "null", 4) == 0)
			p += 4, has = false;
		else if (!parse_dec(&p, end, true, INT64_MAX, &v))
			return false;
		break;
	case V_WORD:
		text = p;
		while (p < end && p - text < 64 && (isalnum((unsigned char)*p) || *p == '_'))
			p++;
		text_len = (size_t)(p - text);
		if (text_len == 0)
			return false;
		break;
	case V_BOOL:
		if (end - p >= 4 && strncasecmp(p, "true", 4) == 0)
			v = 1, p += 4;
		else if (end - p >= 5 && strncasecmp(p, "false", 5) == 0)
			v = 0, p += 5;
		else
			return false;
		if (p < end && isalnum((unsigned char)*p))
			return false;
		break;
	case V_GUID:
	case V_GUID_END:
		if (!parse_guid(p, end, x->app))
			return false;
		p += GUID_LEN;
		if (f->shape == V_GUID_END) {
			const char *q = p;
			while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '.'))
				q++;
			if (q != end)
				return false;
		}
		x->has_app = true;
		has = false;
		break;
	default: /* V_REST */
		text = p;
		text_len = (size_t)(end - p);
		p = end;
		break;
	}
	switch (f->slot) {
	case S_NUMBER:
		x->has_number = has;
		x->number = v;
		break;
	case S_NUMBER2:
		x->has_number2 = has;
		x->number2 = v;
		break;
	case S_TEXT:
		if (text == NULL) {
			x->has_number = has;
			x->number = v;
		}
		x->text = text;
		x->text_len = text_len;
		break;
	default:
		break;
	}
	*pp = p;
	return true;
}

static bool match(const pattern *pt, const char *tag, size_t tag_len, const char *body,
                  const char *end, extract *x)
{
	if (strlen(pt->tag) != tag_len || memcmp(pt->tag, tag, tag_len) != 0)
		return false;
	size_t lead = strlen(pt->lead);
	const char *p;
	if (pt->flags & P_ANYWHERE) {
		p = memmem(body, (size_t)(end - body), pt->lead, lead);
		if (p == NULL)
			return false;
	} else {
		if ((size_t)(end - body) < lead || memcmp(body, pt->lead, lead) != 0)
			return false;
		p = body;
	}
	p += lead;
	memset(x, 0, sizeof *x);
	for (int i = 0; i < MAX_FIELDS && pt->f[i].after != NULL; i++) {
		const field *f = &pt->f[i];
		const char *q = p;
		size_t alen = strlen(f->after);
		if (alen > 0) {
			q = memmem(p, (size_t)(end - p), f->after, alen);
			if (q == NULL) {
				if (f->optional)
					continue;
				return false;
			}
			q += alen;
		}
		extract keep = *x;
		if (!parse_value(f, &q, end, x)) {
			if (f->optional) {
				*x = keep;
				continue;
			}
			return false;
		}
		p = q;
	}
	return true;
}

/* Splits "---->>[Tag][Sub] body" into the first tag and the body. */
static void split(const char *msg, size_t len, const char **tag, size_t *tag_len,
                  const char **body)
{
	size_t i = 0;
	while (i < len && (msg[i] == '-' || msg[i] == '>' || msg[i] == ' ' || msg[i] == '\t'))
		i++;
	*tag = "";
	*tag_len = 0;
	bool first = true;
	while (i < len && msg[i] == '[') {
		size_t j = i + 1;
		while (j < len && j - i <= 64 && msg[j] != ']' && msg[j] != '[' && msg[j] != '\n')
			j++;
		if (j >= len || msg[j] != ']')
			break;
		if (first) {
			*tag = msg + i + 1;
			*tag_len = j - i - 1;
			first = false;
		}
		i = j + 1;
	}
	while (i < len && msg[i] == ' ')
		i++;
	*body = msg + i;
}

/* ---- facts ---- */

static char *quote(esp_imelog *log, const char *s, size_t len)
{
	if (len > ESP_IMELOG_MAX_QUOTE) {
		len = ESP_IMELOG_MAX_QUOTE;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	return esp_arena_strndup(&log->arena, s, len);
}

static esp_imelog_fact *add_fact(esp_imelog *log, const esp_cmtrace_record *rec,
                                 esp_imelog_kind kind, const extract *x, const char *app_id)
{
	if (log->nfacts >= log->max_facts) {
		if (!log->facts_capped)
			note(log, rec, "more than %llu facts; later ones are not kept",
			     (unsigned long long)log->max_facts);
		log->facts_capped = true;
		return NULL;
	}
	if (esp_reserve_one((void **)&log->facts, log->nfacts, &log->facts_cap, sizeof *log->facts,
	                    256) != ESPDIAG_OK) {
		fail(log, ESPDIAG_ENOMEM, "out of memory");
		return NULL;
	}
	esp_imelog_fact *f = esp_arena_calloc(&log->arena, 1, sizeof *f);
	char *msg = quote(log, rec->message, rec->message_len);
	char *text = NULL;
	if (x->text != NULL && kind != ESP_IMELOG_POLICIES)
		text = esp_arena_strndup(&log->arena, x->text, x->text_len);
	if (f == NULL || msg == NULL || (x->text != NULL && kind != ESP_IMELOG_POLICIES && text == NULL)) {
		fail(log, ESPDIAG_ENOMEM, "out of memory");
		return NULL;
	}
	f->kind = kind;
	f->app_id = app_id;
	f->has_number = x->has_number;
	f->number = x->number;
	f->has_number2 = x->has_number2;
	f->number2 = x->number2;
	f->text = text;
	f->message = msg;
	f->where.member = log->file->name;
	f->where.line = rec->pos.line;
	f->where.offset = rec->pos.offset;
	f->where.time = rec->time;
	f->where.type = rec->type;
	f->where.thread = rec->thread;
	log->facts[log->nfacts++] = f;
	return f;
}

/* ---- the catalogue ---- */

static bool json_int(json_t *v, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return true;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		const char *e = s + strlen(s);
		int64_t n;
		if (parse_dec(&s, e, true, INT64_MAX, &n) && s == e) {
			*out = n;
			return true;
		}
	}
	return false;
}

/* Policy members are read leniently: a member that is absent or of
 * another type is left unknown. InstallEx is a string holding JSON in the
 * records seen (WRITEUP: "InstallEx":"{\"RunAs\":1,...}"); an object is
 * taken too. */
static void read_policy(esp_imelog *log, const esp_cmtrace_record *rec, json_t *o,
                        const esp_imelog_fact *fact)
{
	json_t *id = json_object_get(o, "Id");
	if (!json_is_string(id))
		return;
	const char *s = json_string_value(id);
	size_t n = strlen(s);
	if (n == 0 || n > 128)
		return;
	char low[129];
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	low[n] = '\0';
	long i = app_get(log, low, rec);
	if (i < 0)
		return;
	esp_imelog_app *app = &log->apps[i];
	app->policy = fact;
	json_t *name = json_object_get(o, "Name");
	if (json_is_string(name)) {
		const char *v = json_string_value(name);
		char *copy = esp_arena_strndup(&log->arena, v, strlen(v));
		if (copy == NULL) {
			fail(log, ESPDIAG_ENOMEM, "out of memory");
			return;
		}
		app->name = copy;
	}
	int64_t v;
	if (json_int(json_object_get(o, "Version"), &v))
		app->version = v, app->has_version = true;
	if (json_int(json_object_get(o, "Intent"), &v))
		app->intent = v, app->has_intent = true;
	if (json_int(json_object_get(o, "InstallContext"), &v))
		app->install_context = v, app->has_install_context = true;
	if (json_int(json_object_get(o, "TargetType"), &v))
		app->target_type = v, app->has_target_type = true;
	json_t *ex = json_object_get(o, "InstallEx");
	json_t *parsed = NULL;
	if (json_is_string(ex))
		ex = parsed = json_loads(json_string_value(ex), 0, NULL);
	if (json_is_object(ex) && json_int(json_object_get(ex, "RunAs"), &v))
		app->run_as = v, app->has_run_as = true;
	json_decref(parsed);
}

static void read_policies(esp_imelog *log, const esp_cmtrace_record *rec, const extract *x,
                          esp_imelog_fact *fact)
{
	json_error_t e;
	json_t *root = json_loadb(x->text, x->text_len, 0, &e);
	if (!json_is_array(root)) {
		note(log, rec, "Get policies: JSON unreadable (%s)", root == NULL ? e.text : "not an array");
		json_decref(root);
		return;
	}
	size_t n = json_array_size(root);
	fact->has_number = true;
	fact->number = (int64_t)n;
	for (size_t i = 0; i < n && log->status == ESPDIAG_OK; i++) {
		json_t *o = json_array_get(root, i);
		if (json_is_object(o))
			read_policy(log, rec, o, fact);
	}
	json_decref(root);
}

/* ---- attempts ----
 * An attempt is one download-and-install cycle. A download or install start
 * opens a new one once the open one has reached its install (a retry); so
 * does a result the open one already has (its start was not logged); a
 * context line with P_CYCLE closes the open one, so the detection that
 * follows belongs to the next. Detection before the install leads to it,
 * detection after it judges it. */

static esp_imelog_attempt *open_attempt(esp_imelog *log, size_t app)
{
	esp_imelog_app *a = &log->apps[app];
	if (log->st[app].cycle || a->attempt_count == 0)
		return NULL;
	return &a->attempts[a->attempt_count - 1];
}

static esp_imelog_attempt *new_attempt(esp_imelog *log, size_t app, const esp_imelog_fact *f,
                                       const esp_cmtrace_record *rec)
{
	esp_imelog_app *a = &log->apps[app];
	app_state *st = &log->st[app];
	if (a->attempt_count >= log->max_attempts) {
		if (!st->attempts_capped)
			note(log, rec, "app %s: more than %u install attempts; later ones are not kept", a->id,
			     log->max_attempts);
		st->attempts_capped = true;
		return NULL;
	}
	if (esp_reserve_one((void **)&a->attempts, a->attempt_count, &st->attempt_cap,
	                    sizeof *a->attempts, 2) != ESPDIAG_OK) {
		fail(log, ESPDIAG_ENOMEM, "out of memory");
		return NULL;
	}
	esp_imelog_attempt *t = &a->attempts[a->attempt_count++];
	memset(t, 0, sizeof *t);
	t->number = (uint32_t)a->attempt_count;
	t->start = f;
	t->detection_before = st->pending;
	st->pending = NULL;
	st->cycle = false;
	return t;
}

static bool installing(const esp_imelog_attempt *t)
{
	return t->install_start || t->install_not_started || t->install_end || t->install_timeout ||
	       t->exit_code || t->exit_code_class || t->hresult || t->unmapped || t->enforcement;
}

static bool installed(const esp_imelog_attempt *t)
{
	return t->install_end || t->install_timeout || t->install_not_started || t->exit_code;
}

/* The better of two detection facts: the app's state over one rule's
 * result, and among rule results a "not detected" (the rules must all hold). */
static const esp_imelog_fact *better_detection(const esp_imelog_fact *have,
                                               const esp_imelog_fact *f)
{
	if (have == NULL)
		return f;
	if (have->kind == ESP_IMELOG_DETECTION_STATE)
		return have;
	if (f->kind == ESP_IMELOG_DETECTION_STATE)
		return f;
	return have->number == 0 ? have : f;
}

static bool reports_result(esp_imelog_kind kind)
{
	return kind == ESP_IMELOG_INSTALL_END || kind == ESP_IMELOG_INSTALL_TIMEOUT ||
	       kind == ESP_IMELOG_EXIT_CODE || kind == ESP_IMELOG_EXIT_CODE_CLASS ||
	       kind == ESP_IMELOG_HRESULT || kind == ESP_IMELOG_EXIT_CODE_UNMAPPED ||
	       kind == ESP_IMELOG_ENFORCEMENT;
}

/* The slot a fact of a reports_result kind fills. */
static const esp_imelog_fact **result_slot(esp_imelog_attempt *t, esp_imelog_kind kind)
{
	switch (kind) {
	case ESP_IMELOG_INSTALL_END: return &t->install_end;
	case ESP_IMELOG_INSTALL_TIMEOUT: return &t->install_timeout;
	case ESP_IMELOG_EXIT_CODE: return &t->exit_code;
	case ESP_IMELOG_EXIT_CODE_CLASS: return &t->exit_code_class;
	case ESP_IMELOG_HRESULT: return &t->hresult;
	case ESP_IMELOG_EXIT_CODE_UNMAPPED: return &t->unmapped;
	default: return &t->enforcement;
	}
}

static void apply(esp_imelog *log, size_t app, const pattern *pt, const esp_imelog_fact *f,
                  const esp_cmtrace_record *rec)
{
	app_state *st = &log->st[app];
	esp_imelog_attempt *t = open_attempt(log, app);
	const esp_imelog_fact **slot;
	if (pt->flags & P_CYCLE) {
		st->cycle = true;
		st->pending = NULL;
	}
	switch (f->kind) {
	case ESP_IMELOG_DOWNLOAD_START:
		if (t == NULL || installing(t))
			t = new_attempt(log, app, f, rec);
		if (t != NULL && t->download_start == NULL)
			t->download_start = f;
		return;
	case ESP_IMELOG_DOWNLOAD_PROGRESS:
		if (t == NULL)
			t = new_attempt(log, app, f, rec);
		if (t != NULL && !installing(t))
			t->download_progress = f;
		return;
	case ESP_IMELOG_DOWNLOAD_END:
	case ESP_IMELOG_DOWNLOAD_FAILED:
		if (t == NULL || installing(t))
			return;
		slot = f->kind == ESP_IMELOG_DOWNLOAD_END ? &t->download_end : &t->download_failed;
		if (*slot == NULL)
			*slot = f;
		return;
	case ESP_IMELOG_INSTALL_START:
	case ESP_IMELOG_INSTALL_NOT_STARTED:
		if (t == NULL || installing(t))
			t = new_attempt(log, app, f, rec);
		if (t != NULL && f->kind == ESP_IMELOG_INSTALL_START)
			t->install_start = f;
		else if (t != NULL)
			t->install_not_started = f;
		return;
	case ESP_IMELOG_DETECTION_RESULT:
	case ESP_IMELOG_DETECTION_STATE:
		if (t != NULL && installed(t))
			t->detection_after = better_detection(t->detection_after, f);
		else if (t != NULL)
			t->detection_before = better_detection(t->detection_before, f);
		else
			st->pending = better_detection(st->pending, f);
		return;
	case ESP_IMELOG_STATUS:
		log->apps[app].last_status = f;
		if (t != NULL)
			t->status = f;
		return;
	default:
		break;
	}
	if (!reports_result(f->kind))
		return;
	if (t == NULL || *result_slot(t, f->kind) != NULL)
		t = new_attempt(log, app, f, rec);
	if (t != NULL)
		*result_slot(t, f->kind) = f;
}

/* ---- one record ---- */

static bool makes_app(esp_imelog_kind kind)
{
	return kind != ESP_IMELOG_ESP_TRACKED_APP;
}

static int on_record(void *ctx, const esp_cmtrace_record *rec)
{
	esp_imelog *log = ctx;
	const char *tag, *body, *end = rec->message + rec->message_len;
	size_t tag_len;
	split(rec->message, rec->message_len, &tag, &tag_len, &body);
	extract x;
	const pattern *pt = NULL;
	for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++)
		if (match(&patterns[i], tag, tag_len, body, end, &x)) {
			pt = &patterns[i];
			break;
		}
	if (pt == NULL)
		return log->status;
	long app = -1;
	const char *app_id = NULL;
	bool from_context = false;
	if (x.has_app && makes_app(pt->kind)) {
		app = app_get(log, x.app, rec);
		if (app >= 0)
			app_id = log->apps[app].id;
	} else if (x.has_app) {
		app = find_app(log, x.app);
		app_id = app >= 0 ? log->apps[app].id : esp_arena_strndup(&log->arena, x.app, GUID_LEN);
		if (app_id == NULL)
			fail(log, ESPDIAG_ENOMEM, "out of memory");
		app = -1;
	} else if (pt->kind != ESP_IMELOG_POLICIES && pt->kind < ESP_IMELOG_ESP_PROVIDER_STATE) {
		app = ctx_get(log, rec->thread);
		if (app >= 0) {
			app_id = log->apps[app].id;
			from_context = true;
		}
	}
	if (log->status != ESPDIAG_OK)
		return log->status;
	esp_imelog_fact *f = add_fact(log, rec, pt->kind, &x, app_id);
	if (f == NULL)
		return log->status;
	f->app_from_context = from_context;
	if (pt->kind == ESP_IMELOG_POLICIES)
		read_policies(log, rec, &x, f);
	if (app >= 0) {
		if (pt->flags & P_CONTEXT)
			ctx_set(log, rec->thread, (size_t)app);
		apply(log, (size_t)app, pt, f, rec);
	}
	return log->status;
}

/* ---- outcomes ---- */

static bool text_is(const esp_imelog_fact *f, const char *s)
{
	return f != NULL && f->text != NULL && strcasecmp(f->text, s) == 0;
}

static int detection_sign(const esp_imelog_fact *f)
{
	if (f == NULL)
		return 0;
	if (f->kind == ESP_IMELOG_DETECTION_STATE)
		return text_is(f, "NotDetected") ? -1 : text_is(f, "Detected") ? 1 : 0;
	return f->number == 0 ? -1 : 1;
}

/* What an attempt came to, from the strongest evidence down: an error
 * state, an unmapped exit code, a timeout, a failed start or download, or
 * a "Failed" class or status is a failure; a finished install whose
 * detection does not find the app is "not detected" when the installer
 * itself reported success (else a failure); a detection that finds it,
 * an "Installed" status or a "Success" enforcement is a success. */
static esp_imelog_outcome outcome_of(const esp_imelog_attempt *t)
{
	if (t->install_not_started || t->install_timeout || t->download_failed || t->unmapped ||
	    (t->enforcement && t->enforcement->text && strncasecmp(t->enforcement->text, "Error", 5) == 0) ||
	    text_is(t->exit_code_class, "Failed") || text_is(t->status, "Failed"))
		return ESP_IMELOG_FAILED;
	int det = detection_sign(t->detection_after);
	if (det < 0) {
		bool ok = t->exit_code_class != NULL ||
		          t->exit_code == NULL || t->exit_code->number == 0;
		return ok ? ESP_IMELOG_NOT_DETECTED : ESP_IMELOG_FAILED;
	}
	if (det > 0 || (installing(t) && text_is(t->status, "Installed")) ||
	    text_is(t->enforcement, "Success"))
		return ESP_IMELOG_SUCCEEDED;
	if (installing(t) || t->download_start || t->download_progress)
		return ESP_IMELOG_IN_PROGRESS;
	return ESP_IMELOG_UNKNOWN;
}

/* ---- reading ---- */

typedef struct order {
	size_t input;
	bool rotated;
	char stamp[15];
} order;

static int order_cmp(const void *a, const void *b)
{
	const order *x = a, *y = b;
	if (x->rotated != y->rotated)
		return x->rotated ? -1 : 1;
	int c = x->rotated ? strcmp(x->stamp, y->stamp) : 0;
	if (c != 0)
		return c;
	return x->input < y->input ? -1 : x->input > y->input;
}

/* The name without directory, rotation stamp and ".log", lower-cased. */
static void stem_of(const char *name, char *out, size_t cap)
{
	const char *b = base_name(name);
	size_t n = strlen(b), at;
	char stamp[15];
	if (rotated_stamp(b, stamp, &at))
		n = at;
	else if (n >= 4 && strcasecmp(b + n - 4, ".log") == 0)
		n -= 4;
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)b[i]);
	out[n] = '\0';
}

int esp_imelog_read(esp_imelog **out, const esp_imelog_input *inputs, size_t n,
                    const esp_imelog_options *opts, esp_err *err)
{
	if (out == NULL || (inputs == NULL && n > 0))
		return esp_err_set(err, ESPDIAG_EINVAL, "esp_imelog_read: NULL argument");
	*out = NULL;
	esp_imelog *log = calloc(1, sizeof *log);
	order *ord = calloc(n ? n : 1, sizeof *ord);
	char(*stems)[64] = calloc(n ? n : 1, sizeof *stems);
	if (log == NULL || ord == NULL || stems == NULL ||
	    (n > 0 && (log->files = calloc(n, sizeof *log->files)) == NULL)) {
		free(ord);
		free(stems);
		if (log != NULL)
			free(log->files);
		free(log);
		return esp_err_set(err, ESPDIAG_ENOMEM, "out of memory");
	}
	esp_arena_init(&log->arena);
	log->err = err;
	log->max_facts = opts && opts->max_facts ? opts->max_facts : DEFAULT_MAX_FACTS;
	log->max_apps = opts && opts->max_apps ? opts->max_apps : DEFAULT_MAX_APPS;
	log->max_attempts = opts && opts->max_attempts ? opts->max_attempts : DEFAULT_MAX_ATTEMPTS;
	for (size_t i = 0; i < n; i++) {
		const char *name = inputs[i].name != NULL ? inputs[i].name : "";
		ord[i].input = i;
		size_t at;
		ord[i].rotated = rotated_stamp(base_name(name), ord[i].stamp, &at);
	}
	qsort(ord, n, sizeof *ord, order_cmp);
	esp_cmtrace_options copts = {0, 0};
	if (opts != NULL)
		copts = opts->cmtrace;
	for (size_t k = 0; k < n && log->status == ESPDIAG_OK; k++) {
		const esp_imelog_input *in = &inputs[ord[k].input];
		esp_imelog_file *file = &log->files[log->nfiles++];
		esp_warnings_init(&file->warnings);
		const char *name = in->name != NULL ? in->name : "";
		file->name = esp_arena_strndup(&log->arena, name, strlen(name));
		file->input_index = ord[k].input;
		file->rotated = ord[k].rotated;
		if (file->name == NULL) {
			fail(log, ESPDIAG_ENOMEM, "out of memory");
			break;
		}
		/* Lines of different programs never share a thread's context. */
		stem_of(name, stems[k], sizeof stems[k]);
		log->stem = (uint32_t)k;
		for (size_t j = 0; j < k; j++)
			if (strcmp(stems[j], stems[k]) == 0) {
				log->stem = (uint32_t)j;
				break;
			}
		log->file = file;
		int rc = esp_cmtrace_read(in->data, in->size, file->name, &copts, on_record, log,
		                          &file->warnings, &file->stats, err);
		if (rc != ESPDIAG_OK && log->status == ESPDIAG_OK)
			log->status = rc;
	}
	free(ord);
	free(stems);
	if (log->status != ESPDIAG_OK) {
		int status = log->status;
		esp_imelog_free(log);
		return status;
	}
	for (size_t i = 0; i < log->napps; i++)
		for (size_t j = 0; j < log->apps[i].attempt_count; j++)
			log->apps[i].attempts[j].outcome = outcome_of(&log->apps[i].attempts[j]);
	*out = log;
	return ESPDIAG_OK;
}

void esp_imelog_free(esp_imelog *log)
{
	if (log == NULL)
		return;
	for (size_t i = 0; i < log->nfiles; i++)
		esp_warnings_free(&log->files[i].warnings);
	for (size_t i = 0; i < log->napps; i++)
		free(log->apps[i].attempts);
	free(log->files);
	free(log->facts);
	free(log->apps);
	free(log->st);
	free(log->index);
	esp_arena_free(&log->arena);
	free(log);
}

size_t esp_imelog_file_count(const esp_imelog *log)
{
	return log->nfiles;
}

esp_imelog_file *esp_imelog_file_at(esp_imelog *log, size_t i)
{
	return i < log->nfiles ? &log->files[i] : NULL;
}

size_t esp_imelog_fact_count(const esp_imelog *log)
{
	return log->nfacts;
}

const esp_imelog_fact *esp_imelog_fact_at(const esp_imelog *log, size_t i)
{
	return i < log->nfacts ? log->facts[i] : NULL;
}

size_t esp_imelog_app_count(const esp_imelog *log)
{
	return log->napps;
}

const esp_imelog_app *esp_imelog_app_at(const esp_imelog *log, size_t i)
{
	return i < log->napps ? &log->apps[i] : NULL;
}

const esp_imelog_app *esp_imelog_app_find(const esp_imelog *log, const char *id)
{
	char low[GUID_LEN + 1];
	size_t n = id != NULL ? strlen(id) : 0;
	if (n == 0 || n > GUID_LEN)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)id[i]);
	long i = find_app(log, low);
	return i >= 0 ? &log->apps[i] : NULL;
}

const char *esp_imelog_kind_name(esp_imelog_kind kind)
{
	static const char *const names[] = {
		NULL, "policies", "app_context", "download_start", "download_progress",
		"download_end", "download_failed", "install_start", "install_not_started",
		"install_end", "install_timeout", "exit_code", "exit_code_class", "hresult",
		"exit_code_unmapped", "enforcement", "detection_result", "detection_state", "status",
		"esp_provider_state", "esp_tracking_policies", "esp_skip_user", "esp_skip_device",
		"esp_phase", "esp_tracked_app"};
	if ((size_t)kind < sizeof names / sizeof names[0] && names[kind] != NULL)
		return names[kind];
	return "unknown";
}

const char *esp_imelog_outcome_name(esp_imelog_outcome outcome)
{
	switch (outcome) {
	case ESP_IMELOG_IN_PROGRESS: return "in_progress";
	case ESP_IMELOG_FAILED: return "failed";
	case ESP_IMELOG_NOT_DETECTED: return "not_detected";
	case ESP_IMELOG_SUCCEEDED: return "succeeded";
	default: return "unknown";
	}
}

bool esp_imelog_exit_code_is_hresult(int64_t code)
{
	return code >= 0 && code <= (int64_t)UINT32_MAX && (code & 0xC0000000) == 0x80000000;
}

/*
 * espdiag/esp.h - the typed ESP model, built from a registry view.
 *
 * espdiag_esp_load() reads the Enrollment Status Page evidence below
 * HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft of a registry view, whatever its
 * sources (a .reg dump at the root and a SOFTWARE hive mounted at
 * HKEY_LOCAL_MACHINE\SOFTWARE give the same model):
 *
 *   Enrollments\{GUID} (+ FirstSync)                        enrollments
 *   Provisioning\Diagnostics\Autopilot (+ EstablishedCorrelations)  autopilot
 *   Windows\Autopilot\EnrollmentStatusTracking\
 *     Device\DevicePreparation\PolicyProviders\<Name>       providers
 *     Device\Setup, <UserSID>\Setup                         setups, apps
 *     ESPTrackingInfo\Diagnostics[\<UserSID>]\<Category>\<timestamp>
 *                                          and ...\<Category>\LastLoggedState
 *                                                           snapshots
 *   EnterpriseDesktopAppManagement\<SID>\MSI\<ProductCode>  MSI apps
 *   IntuneManagementExtension\Win32Apps\<userObjectId>\<appId>_<revision>
 *     EnforcementStateMessage, ComplianceStateMessage (JSON)  IME app state
 *   OfficeCSP\<id>                                          Microsoft 365 Apps
 *   Provisioning\AutopilotSettings <Category>.Status (JSON)  the page's status
 *   Provisioning\AutopilotPolicyCache PolicyJsonCache (JSON) autopilot fallback
 *   Provisioning\OMADM\Accounts\<id>\Protected\ConnInfo     OMA-DM sessions
 *   Provisioning\OMADM\SyncML\ODJApplied                    offline domain join
 *   Provisioning\NodeCache\CSP\Device\MS DM Server\Nodes\<n>  policy nodes
 *   Provisioning\AutopilotSettings AutopilotDevicePrepHint and
 *     Provisioning\AutopilotSettings\DevicePreparation   device preparation (v2)
 *   IntuneManagementExtension\Win32Apps\ProvisioningProgress  v2 workloads
 *
 * JSON inside values is parsed with jansson after a size cap (1 MiB); a
 * document past the cap, or malformed, is a model warning naming its key
 * and value (and the parser's line and column), and the rest loads. The
 * bookkeeping values of ESPTrackingInfo (LastCountOfCompletedUris,
 * LastProvisionedCount, ListRetrievalStarted, ListRetrievalSucceeded) are
 * not items, wherever they appear.
 *
 * and derives the status of each phase (device preparation, device setup,
 * each user's account setup), a flat item list, and the timeline of state
 * changes.
 *
 * Objects. The model is an opaque handle. Its parts are structs owned by
 * the model and handed out by const pointer: they stay valid and unchanged
 * until espdiag_esp_free(). The library allocates them, so fields are only
 * ever appended; never copy a struct by value into storage that outlives
 * the library version. Strings are UTF-8, NUL-terminated; NULL means the
 * value is absent.
 *
 * Raw and decoded. Every number read from the registry is kept raw (with a
 * has_ flag saying whether the value was present and a DWORD); decoded
 * views come from the *_name() functions and flag macros. A number the
 * library does not know is kept and named "unknown".
 *
 * Evidence. Every part carries the full key path it came from (key), and
 * where one value decides it, the value's name (value).
 *
 * Absent evidence is never success: a phase without evidence is "unknown".
 * A user's apps come only from that user's SID keys.
 *
 * Timeline. ESPTrackingInfo holds one snapshot per category, context and
 * time. The model keeps every snapshot (no de-duplication) and the list of
 * changes: the snapshots of a context are taken in time order (key names
 * parsed as ISO 8601 UTC, 0-7 fraction digits, leniently: "T" or " ", "Z",
 * a numeric offset or none; unparsable names sort after parsed ones, by
 * name; LastLoggedState comes last), and an item (context, category, value
 * name) gives a change at its first snapshot and at every snapshot whose
 * state differs from its previous one.
 *
 * espdiag_esp_timeline_write() writes the changes, one per line.
 * Text (ESPDIAG_ESP_FORMAT_TEXT), fields separated by one space, the id last
 * because it may hold spaces:
 *
 *   TIME PHASE CONTEXT CATEGORY KIND STATE(RAW) ID
 *   2026-11-20T12:44:42.2820000Z device_setup device Sidecar win32_app in_progress(2) Win32App_..._1
 *
 * TIME is the parsed time as YYYY-MM-DDTHH:MM:SS.fffffffZ, or the raw key
 * name when unparsable, or "LastLoggedState"; PHASE is account_setup in a
 * user's context or for a "./User/" URI (some builds log users' apps in the
 * device's snapshots), else device_setup; CONTEXT is "device" or the SID of
 * the user key the snapshot is under; CATEGORY is the raw category key name; STATE is the state
 * name (see espdiag_esp_entry_state_name()) and RAW its number, or "-" when
 * the value is no number.
 *
 * JSON (ESPDIAG_ESP_FORMAT_JSON), one object per line (JSON Lines):
 *
 *   {"schema":"espdiag-timeline/1",
 *    "time":"2026-11-20T12:44:42.2820000Z"|null,"timestamp":"<raw key name>",
 *    "last_logged_state":false,"phase":"device_setup","context":"device",
 *    "sid":null,"category":"sidecar","category_name":"Sidecar",
 *    "kind":"win32_app","id":"...","state":"in_progress","state_raw":2|null,
 *    "previous":"not_installed"|null,
 *    "evidence":{"key":"HKEY_LOCAL_MACHINE\\...","value":"./Device/..."},
 *    "sources":[{"key":"HKEY_LOCAL_MACHINE\\...","value":"./Device/...","type":null,
 *                "data":2|null,"display":"in_progress"}]}
 *
 * "evidence" is deprecated: "sources" has the shape of all evidence (see
 * diagnose.h). The espdiag command adds "input" ({"path","prefix"}) after
 * "schema". Its JSON Schema is installed as
 * $(datadir)/espdiag/schema/espdiag-timeline-1.schema.json.
 *
 * Device preparation workloads (espdiag_esp_workload, 0.2) are lines too,
 * merged in time order with the changes (a change first on a tie): a
 * "started" line at a workload's StartTime when it also has an EndTime,
 * and a line with its state at its EndTime, else at its StartTime, else
 * untimed (TIME "-", after every other line). Text:
 *
 *   2024-06-20T10:05:00.5000000Z device_preparation device ProvisioningProgress workload failed(4) <WorkloadId>
 *
 * (the id is Workloads[N] when the workload has none). JSON: every member
 * of a change line, with "phase":"device_preparation", "context":"device",
 * "category":"workloads", "category_name":"ProvisioningProgress",
 * "kind":"workload", "state":"started" or the state's name, "state_raw"
 * (null on a started line), "timestamp" the raw StartTime or EndTime,
 * "previous":"started" on the state line of a workload with both times,
 * "evidence" the ProvisioningProgress value; and then "event":"start"|
 * "state", "index", "name", "start", "end" (UTC or null) and "error_code".
 * Change lines stay exactly as they were.
 *
 * Since 0.2 every JSON line ends with "source": "registry" (a change),
 * "workload", "event" (an event log record of a bundle) or "log" (an IME
 * log record of a bundle). In the text the second field says the source:
 * a phase name for a change or a workload (those lines are unchanged),
 * "event" or "log":
 *
 *   TIME event EVENT_ID WHAT (CHANNEL #RECORD_ID)
 *   TIME log - WHAT[: NAME] (FILE:LINE)
 *   2024-05-01T12:01:00.0000000Z event 76 automatic MDM enrollment failed (Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin #2)
 *
 * WHAT is a line for people ("install started"); NAME the app's name (or
 * id) the line concerns. JSON, one object per line:
 *
 *   {"schema":"espdiag-timeline/1","time":"...Z"|null,"local_time":"..."|null,
 *    "clock":"utc"|"local"|"unknown","source":"event"|"log","what":"...",
 *    "subject":...|null,"name":...|null,"member":"<file>",
 *    "channel":"...","event_id":76,"record_id":2        (an event)
 *    "line":120                                         (a log record)
 *    "message":"<data items or the log message>"|null,
 *    "sources":[{"key":"<file>","value":null,"type":null,"data":null,
 *                "display":"<message>","path":"<file>","line":N}]}
 *
 * Order: lines with a UTC time first, merged in UTC order (a tie: the
 * change, then the workload, then the event or log line, each list in its
 * own order). A log line whose UTC is unknown (the device's clock offset
 * was not found) is labelled local: TIME is its local time without "Z"
 * followed by "(local)" ("2024-05-01T14:02:00.0000000(local)"; JSON "time"
 * null, "local_time" set, "clock" "local"); such lines come after every
 * UTC line, in local time order, because their place among UTC lines
 * cannot be known. Then the untimed changes and untimed workloads as
 * before, then lines with no time at all (TIME "-").
 */
#ifndef ESPDIAG_ESP_H
#define ESPDIAG_ESP_H

#include <stdbool.h>
#include <stdio.h>
#include <espdiag/common.h>
#include <espdiag/registry.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct espdiag_esp espdiag_esp;

/* --- enums; each has a *_name() that returns a static string --- */

/* Device-preparation provider InstallationState. */
typedef enum espdiag_esp_provider_state {
	ESPDIAG_ESP_PROVIDER_NOT_INSTALLED = 1,
	ESPDIAG_ESP_PROVIDER_NOT_REQUIRED = 2,
	ESPDIAG_ESP_PROVIDER_COMPLETED = 3,
	ESPDIAG_ESP_PROVIDER_ERROR = 4
} espdiag_esp_provider_state;
/* "not_installed", "not_required", "completed", "error"; else "unknown". */
ESPDIAG_API const char *espdiag_esp_provider_state_name(uint32_t state);

/* Tracked app InstallationState (note: 2 differs from the provider's). */
typedef enum espdiag_esp_app_state {
	ESPDIAG_ESP_APP_NOT_INSTALLED = 1,
	ESPDIAG_ESP_APP_IN_PROGRESS = 2,
	ESPDIAG_ESP_APP_COMPLETED = 3,
	ESPDIAG_ESP_APP_ERROR = 4
} espdiag_esp_app_state;
/* "not_installed", "in_progress", "completed", "error"; else "unknown". */
ESPDIAG_API const char *espdiag_esp_app_state_name(uint32_t state);

/* Tracked app RebootRequired. */
typedef enum espdiag_esp_reboot {
	ESPDIAG_ESP_REBOOT_NONE = 1,
	ESPDIAG_ESP_REBOOT_SOFT = 2,
	ESPDIAG_ESP_REBOOT_HARD = 3
} espdiag_esp_reboot;
/* "none", "soft", "hard"; else "unknown". */
ESPDIAG_API const char *espdiag_esp_reboot_name(uint32_t reboot);

/* EnterpriseDesktopAppManagement MSI Status. */
typedef enum espdiag_esp_msi_status {
	ESPDIAG_ESP_MSI_NONE = 0,
	ESPDIAG_ESP_MSI_INITIALIZED = 10,
	ESPDIAG_ESP_MSI_DOWNLOADING = 20,
	ESPDIAG_ESP_MSI_DOWNLOAD_RETRY = 25,
	ESPDIAG_ESP_MSI_DOWNLOAD_FAILED = 30,
	ESPDIAG_ESP_MSI_DOWNLOADED = 40,
	ESPDIAG_ESP_MSI_PENDING_USER_SESSION = 48,
	ESPDIAG_ESP_MSI_ENFORCING = 50,
	ESPDIAG_ESP_MSI_ENFORCEMENT_RETRY = 55,
	ESPDIAG_ESP_MSI_ENFORCEMENT_FAILED = 60,
	ESPDIAG_ESP_MSI_SUCCESS = 70
} espdiag_esp_msi_status;
/* "none", "initialized", "downloading", "download_retry",
 * "download_failed", "downloaded", "pending_user_session", "enforcing",
 * "enforcement_retry", "enforcement_failed", "success"; else "unknown". */
ESPDIAG_API const char *espdiag_esp_msi_status_name(uint32_t status);

typedef enum espdiag_esp_phase {
	ESPDIAG_ESP_PHASE_DEVICE_PREPARATION = 1,
	ESPDIAG_ESP_PHASE_DEVICE_SETUP = 2,
	ESPDIAG_ESP_PHASE_ACCOUNT_SETUP = 3
} espdiag_esp_phase;
/* "device_preparation", "device_setup", "account_setup"; else "unknown". */
ESPDIAG_API const char *espdiag_esp_phase_name(uint32_t phase);

typedef enum espdiag_esp_phase_status {
	ESPDIAG_ESP_STATUS_UNKNOWN = 0,     /* no evidence either way */
	ESPDIAG_ESP_STATUS_NOT_STARTED = 1, /* an earlier phase stopped, or no user key */
	ESPDIAG_ESP_STATUS_IDENTIFYING = 2, /* a provider has not created its tracking policies */
	ESPDIAG_ESP_STATUS_IN_PROGRESS = 3,
	ESPDIAG_ESP_STATUS_COMPLETED = 4,
	ESPDIAG_ESP_STATUS_FAILED = 5,
	ESPDIAG_ESP_STATUS_SKIPPED = 6      /* FirstSync says the page is not shown */
} espdiag_esp_phase_status;
/* "unknown", "not_started", "identifying", "in_progress", "completed",
 * "failed", "skipped"; other numbers "unknown". */
ESPDIAG_API const char *espdiag_esp_phase_status_name(uint32_t status);

typedef enum espdiag_esp_item_kind {
	ESPDIAG_ESP_KIND_OTHER = 0,
	ESPDIAG_ESP_KIND_WIN32_APP = 1,
	ESPDIAG_ESP_KIND_MSI_APP = 2,
	ESPDIAG_ESP_KIND_MODERN_APP = 3,
	ESPDIAG_ESP_KIND_NETWORK_PROFILE = 4,
	ESPDIAG_ESP_KIND_CERTIFICATE = 5,
	ESPDIAG_ESP_KIND_POLICY = 6,
	ESPDIAG_ESP_KIND_CONFIGMGR = 7
} espdiag_esp_item_kind;
/* "other", "win32_app", "msi_app", "modern_app", "network_profile",
 * "certificate", "policy", "configmgr"; else "unknown". */
ESPDIAG_API const char *espdiag_esp_item_kind_name(uint32_t kind);

/* ESPTrackingInfo categories; the raw key name is kept beside it. */
typedef enum espdiag_esp_category {
	ESPDIAG_ESP_CAT_OTHER = 0,             /* a name the library does not know */
	ESPDIAG_ESP_CAT_POLICIES = 1,          /* ExpectedPolicies */
	ESPDIAG_ESP_CAT_MSI = 2,               /* ExpectedMSIAppPackages */
	ESPDIAG_ESP_CAT_MODERN_APPS = 3,       /* ExpectedModernAppPackages */
	ESPDIAG_ESP_CAT_NETWORK_PROFILES = 4,  /* ExpectedNetworkProfiles */
	ESPDIAG_ESP_CAT_CERTIFICATES = 5,      /* ExpectedCertificateProfiles, ExpectedSCEPCerts, ExpectedPFXCerts */
	ESPDIAG_ESP_CAT_SIDECAR = 6,           /* Sidecar (Win32 apps via the IME) */
	ESPDIAG_ESP_CAT_LAST_LOGGED_STATE = 7  /* <Category>\LastLoggedState */
} espdiag_esp_category;
/* "other", "policies", "msi", "modern_apps", "network_profiles",
 * "certificates", "sidecar", "last_logged_state"; else "unknown". */
ESPDIAG_API const char *espdiag_esp_category_name(uint32_t category);

/* Device-preparation provider kinds. */
typedef enum espdiag_esp_provider_kind {
	ESPDIAG_ESP_PROVIDER_OTHER = 0,
	ESPDIAG_ESP_PROVIDER_SIDECAR = 1,  /* the Intune Management Extension */
	ESPDIAG_ESP_PROVIDER_CONFIGMGR = 2
} espdiag_esp_provider_kind;
/* "other", "sidecar", "configmgr"; else "unknown". */
ESPDIAG_API const char *espdiag_esp_provider_kind_name(uint32_t kind);

/* FirstSync BlockInStatusPage flags. */
#define ESPDIAG_ESP_BLOCK_ALLOW_RESET 0x1u    /* "Reset device" button */
#define ESPDIAG_ESP_BLOCK_ALLOW_RETRY 0x2u    /* "Try again" button */
#define ESPDIAG_ESP_BLOCK_ALLOW_CONTINUE 0x4u /* "Continue anyway" button */

/* SyncFailureTimeout when FirstSync has none (the DMClient CSP default). */
#define ESPDIAG_ESP_DEFAULT_TIMEOUT_MINUTES 60u

/* Autopilot CloudAssignedOobeConfig bits. */
#define ESPDIAG_ESP_OOBE_SKIP_CORTANA_OPT_IN 0x001u
#define ESPDIAG_ESP_OOBE_USER_NOT_ADMIN 0x002u
#define ESPDIAG_ESP_OOBE_SKIP_EXPRESS_SETTINGS 0x004u
#define ESPDIAG_ESP_OOBE_SKIP_OEM_REGISTRATION 0x008u
#define ESPDIAG_ESP_OOBE_SKIP_EULA 0x010u
#define ESPDIAG_ESP_OOBE_TPM_ATTESTATION 0x020u
#define ESPDIAG_ESP_OOBE_AAD_DEVICE_AUTH 0x040u
#define ESPDIAG_ESP_OOBE_AAD_TPM_REQUIRED 0x080u
#define ESPDIAG_ESP_OOBE_SKIP_WINDOWS_UPGRADE_UX 0x100u
#define ESPDIAG_ESP_OOBE_ENABLE_PATCH_DOWNLOAD 0x200u
#define ESPDIAG_ESP_OOBE_SKIP_KEYBOARD 0x400u
/* The name of one OOBE bit ("skip_keyboard", ...); NULL for a bit the
 * library does not know or a value that is not a single bit. */
ESPDIAG_API const char *espdiag_esp_oobe_flag_name(uint32_t bit);

/* CloudAssignedDomainJoinMethod: 1 is hybrid Azure AD join. */
#define ESPDIAG_ESP_DOMAIN_JOIN_HYBRID 1u

/* --- the parts --- */

/* An optional DWORD: has is false when the value is absent or no DWORD. */
typedef struct espdiag_esp_u32 {
	uint32_t value;
	bool has;
} espdiag_esp_u32;

/* Enrollments\{GUID}\FirstSync. */
typedef struct espdiag_esp_first_sync {
	const char *key;                     /* ...\FirstSync */
	espdiag_esp_u32 skip_device_status_page;  /* raw */
	espdiag_esp_u32 skip_user_status_page;    /* raw */
	bool device_page_skipped;            /* raw present and nonzero (0xffffffff included) */
	bool user_page_skipped;
	espdiag_esp_u32 block_in_status_page;     /* raw; ESPDIAG_ESP_BLOCK_* flags */
	espdiag_esp_u32 sync_failure_timeout;     /* raw, minutes */
	uint32_t timeout_minutes;            /* raw, else ESPDIAG_ESP_DEFAULT_TIMEOUT_MINUTES */
	bool timeout_is_default;             /* the value was absent */
	espdiag_esp_u32 allow_collect_logs_button;
	const char *custom_error_text;
	espdiag_esp_u32 is_sync_done;
	espdiag_esp_u32 is_server_provisioning_done;
	espdiag_esp_u32 applications_duration;    /* seconds */
	espdiag_esp_u32 policy_duration;          /* seconds */
	espdiag_esp_u32 networking_duration;      /* seconds */
	espdiag_esp_u32 certificates_duration;    /* seconds */
	bool has_timestamp;                  /* Timestamp: 8 bytes (REG_BINARY or REG_QWORD) */
	uint64_t timestamp_filetime;         /* raw: 100 ns since 1601-01-01 UTC */
	int64_t timestamp_unix;              /* seconds since 1970-01-01 UTC */
	uint32_t timestamp_100ns;            /* fraction, 0..9999999 */
	const char *timestamp_utc;           /* "YYYY-MM-DDTHH:MM:SS.fffffffZ" */
} espdiag_esp_first_sync;

/* Enrollments\{GUID}. */
typedef struct espdiag_esp_enrollment {
	const char *key;
	const char *guid;                    /* the key name as spelled */
	const char *provider_id;             /* ProviderID, "MS DM Server" for Intune */
	const char *upn;                     /* UPN */
	const char *tenant_id;               /* AADTenantID */
	espdiag_esp_u32 enrollment_type;
	const espdiag_esp_first_sync *first_sync; /* NULL when there is none */
} espdiag_esp_enrollment;

/* Provisioning\Diagnostics\Autopilot. */
typedef struct espdiag_esp_autopilot {
	const char *key;                     /* NULL when the key is absent */
	const char *tenant_id;               /* CloudAssignedTenantId */
	const char *tenant_domain;           /* CloudAssignedTenantDomain */
	const char *profile_name;            /* DeploymentProfileName */
	espdiag_esp_u32 oobe_config;         /* CloudAssignedOobeConfig: ESPDIAG_ESP_OOBE_* */
	espdiag_esp_u32 domain_join_method;  /* CloudAssignedDomainJoinMethod */
	bool hybrid_join;                    /* domain_join_method is 1 */
	const char *correlations_key;        /* ...\EstablishedCorrelations, NULL if absent */
	const char *ztd_id;                  /* ZTDRegistrationID */
	const char *ent_dm_id;               /* EntDMID */
	/* Appended in 0.2: the profile JSON cache fills the fields above that
	 * the Diagnostics\Autopilot key lacks (tenant_id, tenant_domain,
	 * profile_name, oobe_config, domain_join_method, hybrid_join, ztd_id);
	 * a field the key has wins. key stays NULL when only the cache exists. */
	const char *policy_cache_key;        /* ...\AutopilotPolicyCache when PolicyJsonCache was read */
	bool from_policy_cache;              /* at least one field came from the cache */
} espdiag_esp_autopilot;

/* One value under TrackedResourceTypes ("Apps" = 1, ...). */
typedef struct espdiag_esp_resource_type {
	const char *name;
	espdiag_esp_u32 value;
} espdiag_esp_resource_type;

/* Device\DevicePreparation\PolicyProviders\<Name>. */
typedef struct espdiag_esp_provider {
	const char *key;
	const char *name;                    /* "Sidecar", "ConfigMgr", ... */
	espdiag_esp_provider_kind kind;
	espdiag_esp_u32 state;               /* InstallationState: espdiag_esp_provider_state */
	espdiag_esp_u32 last_error;          /* LastError, an HRESULT */
	espdiag_esp_u32 timeout;             /* Timeout */
	const char *resource_types_key;      /* ...\TrackedResourceTypes, NULL if absent */
	size_t resource_type_count;
	const espdiag_esp_resource_type *resource_types;
} espdiag_esp_provider;

/* Setup\Apps\PolicyProviders\<P>. */
typedef struct espdiag_esp_policy_provider {
	const char *key;
	const char *name;
	espdiag_esp_u32 tracking_policies_created;
} espdiag_esp_policy_provider;

/* Setup\Apps\Tracking\<P>\<App>. */
typedef struct espdiag_esp_app {
	const char *key;
	const char *id;                      /* the key name, e.g. Win32App_<guid>_<version> */
	const char *provider;                /* <P>: "Sidecar", "ConfigMgr", ... */
	espdiag_esp_item_kind kind;          /* win32_app, configmgr or other */
	const char *app_guid;                /* parsed from Win32App_<guid>_<version>, else NULL */
	espdiag_esp_u32 version;             /* parsed likewise */
	espdiag_esp_u32 state;               /* InstallationState: espdiag_esp_app_state */
	espdiag_esp_u32 reboot_required;     /* RebootRequired: espdiag_esp_reboot */
	const char *tracking_uri;            /* TrackingUri */
	const char *sid;                     /* NULL: device setup; else the user's SID */
	/* Appended in 0.2. */
	espdiag_esp_u32 error_hresult;       /* ErrorHresult (a Sidecar app's failure), an HRESULT */
	const struct espdiag_esp_ime_app *ime; /* the IME's state of this app (see
	                                          espdiag_esp_ime_app_at()), NULL when none */
	/* Appended in 0.2 (the bundle): the app's name from the IME logs'
	 * catalogue, joined by app_guid (case-insensitive); NULL when unknown. */
	const char *name;
} espdiag_esp_app;

/* Device\Setup or <UserSID>\Setup. */
typedef struct espdiag_esp_setup {
	const char *key;                     /* ...\Setup, NULL when absent */
	const char *sid;                     /* NULL for the device */
	espdiag_esp_u32 has_provisioning_completed; /* raw */
	const char *apps_key;                /* ...\Setup\Apps, NULL when absent */
	espdiag_esp_u32 locked;              /* Apps\Locked */
	size_t policy_provider_count;
	const espdiag_esp_policy_provider *const *policy_providers;
	size_t app_count;
	const espdiag_esp_app *const *apps;
} espdiag_esp_setup;

/* One value of a snapshot. Entries (and resource types) are handed out as
 * arrays, so these two structs are frozen: their size never changes, and
 * anything new about them will come through functions. */
typedef struct espdiag_esp_entry {
	const char *value;                   /* the value name: an OMA-DM URI as stored */
	const char *id;                      /* the item id decoded from it */
	espdiag_esp_item_kind kind;
	espdiag_esp_u32 state;               /* raw; see espdiag_esp_entry_state_name() */
} espdiag_esp_entry;

/* ESPTrackingInfo\Diagnostics[\<SID>]\<Category>\<timestamp|LastLoggedState>. */
typedef struct espdiag_esp_snapshot {
	const char *key;
	const char *sid;                     /* NULL: device context */
	espdiag_esp_category category;       /* ESPDIAG_ESP_CAT_LAST_LOGGED_STATE for those */
	espdiag_esp_category owner_category; /* the category key's own class, also for LastLoggedState */
	const char *category_name;           /* the raw category key name */
	bool last_logged_state;
	const char *timestamp;               /* the raw key name */
	bool time_valid;                     /* the key name parsed as a time */
	int64_t time_unix;                   /* seconds since 1970 UTC, when time_valid */
	uint32_t time_100ns;                 /* fraction, 0..9999999 */
	size_t entry_count;
	const espdiag_esp_entry *entries;
} espdiag_esp_snapshot;

/* EnterpriseDesktopAppManagement\<SID>\MSI\<ProductCode>. */
typedef struct espdiag_esp_msi_app {
	const char *key;
	const char *sid;                     /* the SID key (S-0-0-00-... for the device) */
	const char *product_code;            /* the key name */
	espdiag_esp_u32 status;              /* Status: espdiag_esp_msi_status */
	espdiag_esp_u32 last_error;          /* LastError, when present */
	const char *download_url;            /* CurrentDownloadUrl */
	bool is_ime;                         /* the IME's own package (IntuneWindowsAgent.msi): not a LOB app */
} espdiag_esp_msi_app;

/* A derived phase status. */
typedef struct espdiag_esp_phase_info {
	espdiag_esp_phase phase;
	espdiag_esp_phase_status status;
	const char *sid;                     /* account setup: the user's SID (NULL when no user key exists) */
	const char *key;                     /* the key that decided it, NULL when none */
} espdiag_esp_phase_info;

/* A flat item (what the diagnosis and the JSON "items" list use). */
typedef struct espdiag_esp_item {
	espdiag_esp_item_kind kind;
	const char *id;
	const char *sid;                     /* NULL: device context */
	espdiag_esp_phase phase;             /* device_setup (device context) or account_setup (a user) */
	const char *state;                   /* state name ("completed", "success", "processed", ...) */
	espdiag_esp_u32 state_raw;
	bool is_ime;                         /* the IME's own MSI */
	const char *key;                     /* evidence */
	const char *value;
	/* Appended in 0.2 (the bundle): a tracked Win32 app's name from the IME
	 * logs' catalogue (its espdiag_esp_app.name); NULL when unknown. */
	const char *name;
} espdiag_esp_item;

/* One line of the timeline: an entry whose state changed. */
typedef struct espdiag_esp_change {
	const espdiag_esp_snapshot *snapshot;
	const espdiag_esp_entry *entry;
	espdiag_esp_phase phase;
	const espdiag_esp_entry *previous;   /* NULL at the item's first snapshot */
} espdiag_esp_change;

/*
 * IntuneManagementExtension\Win32Apps\<userObjectId>\<appId>_<revision>:
 * the IME's own state of a Win32 app for one user (the device is the user
 * 00000000-0000-0000-0000-000000000000). Each message is JSON in a REG_SZ
 * value of the app key, or in a same-named subkey (its value of the same
 * name, else its default value, else its first string value); key and
 * value name where it was found, NULL when absent. A message that is
 * there but malformed keeps its key and value with its numbers absent
 * (and gives a model warning).
 *
 * A tracked app Win32App_<guid>_<rev> (espdiag_esp_app.ime) is joined to
 * the IME app of the same GUID (case-insensitive): for a device-setup app
 * the device user's first, then any user's; for a user's app a user's
 * other than the device first, then the device's. Among equals, the
 * highest revision, then key order.
 */
typedef struct espdiag_esp_ime_app {
	const char *key;                     /* ...\Win32Apps\<user>\<app>_<rev> */
	const char *user_id;                 /* <userObjectId> as spelled */
	bool device;                         /* user_id is all zeros: the device */
	const char *app_id;                  /* the GUID part of the key name, as spelled */
	espdiag_esp_u32 revision;            /* the number after the last '_' */
	/* EnforcementStateMessage */
	const char *enforcement_key;         /* the key holding it, NULL when absent */
	const char *enforcement_value;       /* its value name ("" for a default value) */
	espdiag_esp_u32 enforcement_state;   /* EnforcementState: espdiag_esp_enforcement_state_name() */
	bool has_enforcement_error;          /* ErrorCode present */
	int64_t enforcement_error;           /* ErrorCode as written (may be negative) */
	/* ComplianceStateMessage */
	const char *compliance_key;
	const char *compliance_value;
	espdiag_esp_u32 applicability;       /* Applicability */
	espdiag_esp_u32 compliance_state;    /* ComplianceState */
	espdiag_esp_u32 desired_state;       /* DesiredState */
	espdiag_esp_u32 install_context;     /* InstallContext */
	espdiag_esp_u32 target_type;         /* TargetType */
	bool has_compliance_error;
	int64_t compliance_error;            /* ErrorCode as written */
	/* Appended in 0.2 (the bundle): the app's name from the IME logs'
	 * catalogue, joined by app_id (case-insensitive); NULL when unknown. */
	const char *name;
} espdiag_esp_ime_app;

/*
 * The IME's EnforcementState numbers, as community tools read them (the
 * library's own table says its source): 1000 "succeeded",
 * 1003 "install_command_received", 2000 "in_progress",
 * 2007 "waiting_for_dependencies", 2008 "installed_reboot_required",
 * 2009 "downloaded_not_installed", 3000 "requirements_not_met",
 * 4000 "not_completed", 5000 "error", 5003 "download_failed",
 * 5999 "error_retrying", any other 5000-5999 "error",
 * 6000 "not_attempted", 6001 "dependency_failed",
 * 6002 "blocked_reboot_pending", 6003 "dependency_requirements_not_met",
 * 6004 "dependency_not_auto_installed",
 * 6005 "blocked_dependency_not_auto_installed"; else "unknown". Static.
 */
ESPDIAG_API const char *espdiag_esp_enforcement_state_name(uint32_t state);

/* OfficeCSP\<id>: the Microsoft 365 Apps install. */
typedef struct espdiag_esp_office {
	const char *key;
	const char *id;                      /* <id>, the key name */
	espdiag_esp_u32 final_status;        /* FinalStatus */
	espdiag_esp_u32 status;              /* Status */
	espdiag_esp_u32 effective;           /* FinalStatus when present, else Status
	                                        (the MSI table: espdiag_esp_msi_status_name()) */
	const char *effective_value;         /* "FinalStatus" or "Status", NULL when neither */
} espdiag_esp_office;

/* The ESP page's own state of a category or subcategory. */
typedef enum espdiag_esp_page_state {
	ESPDIAG_ESP_PAGE_UNKNOWN = 0,
	ESPDIAG_ESP_PAGE_NOT_STARTED = 1,
	ESPDIAG_ESP_PAGE_IN_PROGRESS = 2,
	ESPDIAG_ESP_PAGE_SUCCEEDED = 3,
	ESPDIAG_ESP_PAGE_FAILED = 4,
	ESPDIAG_ESP_PAGE_CANCELLED = 5,
	ESPDIAG_ESP_PAGE_FAILED_FROM_PREVIOUS = 6, /* failedFromPreviousCategory / ...Subcategory */
	ESPDIAG_ESP_PAGE_REBOOT_REQUIRED = 7,      /* rebootRequiredAndTryAgain */
	ESPDIAG_ESP_PAGE_TIMED_OUT = 8             /* failed, and its text says 0x800705B4 */
} espdiag_esp_page_state;
/* "unknown", "not_started", "in_progress", "succeeded", "failed",
 * "cancelled", "failed_from_previous", "reboot_required", "timed_out";
 * other numbers "unknown". */
ESPDIAG_API const char *espdiag_esp_page_state_name(uint32_t state);

/* One subcategory of a category status, in the JSON's member order. */
typedef struct espdiag_esp_page_subcategory {
	const char *name;                    /* the member name, "DeviceSetup.AppsSubcategory" as spelled */
	espdiag_esp_page_state state;
	const char *state_raw;               /* subcategoryState as written; NULL in the flat variant */
	const char *status_text;             /* subcategoryStatusText, or the flat variant's string */
} espdiag_esp_page_subcategory;

/*
 * Provisioning\AutopilotSettings value <Category>.Status: JSON the ESP page
 * writes. The current variant holds categoryState, categoryStatusText and
 * one object per subcategory (subcategoryState, subcategoryStatusText);
 * the older flat one holds categorySucceeded (true: succeeded, false:
 * failed, null: in progress) and one string per subcategory (its status
 * text; state unknown). A failed state whose status text names 0x800705B4
 * (the page's timeout) is timed_out.
 */
typedef struct espdiag_esp_page_category {
	const char *key;                     /* ...\Provisioning\AutopilotSettings */
	const char *value;                   /* "DeviceSetupCategory.Status" as spelled */
	const char *name;                    /* "DeviceSetupCategory" */
	espdiag_esp_phase phase;             /* from the name; 0 for a name the library does not know */
	espdiag_esp_page_state state;
	const char *state_raw;               /* categoryState as written; NULL in the flat variant */
	const char *status_text;             /* categoryStatusText */
	bool flat;                           /* the older variant (categorySucceeded) */
	size_t subcategory_count;
	const espdiag_esp_page_subcategory *const *subcategories;
} espdiag_esp_page_category;

/* Provisioning\OMADM\Accounts\<id>\Protected\ConnInfo. */
typedef struct espdiag_esp_omadm_account {
	const char *key;                     /* ...\Protected\ConnInfo */
	const char *account_id;              /* <id> */
	espdiag_esp_u32 last_session_result; /* LastSessionResult, an HRESULT */
	const char *server_last_access_time; /* raw, yyyyMMddTHHmmssZ */
	const char *server_last_access_utc;  /* "YYYY-MM-DDTHH:MM:SSZ", NULL when unparsable */
	const char *server_last_success_time;
	const char *server_last_success_utc;
} espdiag_esp_omadm_account;

/* Provisioning\NodeCache\CSP\Device\MS DM Server\Nodes\<n>: a policy the
 * server delivered. */
typedef struct espdiag_esp_policy_node {
	const char *key;
	uint32_t index;                      /* <n> */
	const char *uri;                     /* NodeUri */
	const char *expected_value;          /* ExpectedValue as text (a DWORD or QWORD in decimal) */
} espdiag_esp_policy_node;

/* --- the model --- */

/*
 * espdiag_esp_load - builds the model from reg. Missing keys are not an
 * error: the model then says "absent" or "unknown".
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL (NULL argument), ESPDIAG_ENOMEM, or a
 * negative error a backend reported.
 * Ownership: *out must be freed with espdiag_esp_free(). The model copies
 * what it keeps, so reg may be freed first.
 */
ESPDIAG_API int espdiag_esp_load(espdiag_esp **out, espdiag_registry *reg);

/*
 * espdiag_esp_load_bundle - builds the model from a whole evidence bundle
 * (espdiag_bundle(3)): the registry view's model as espdiag_esp_load()
 * builds it, then what the bundle's IME logs, event logs and Autopilot
 * files add. A bundle without a registry member gives a model without
 * registry evidence.
 * Returns as espdiag_esp_load() (ESPDIAG_EINVAL for a NULL argument).
 * Ownership: *out must be freed with espdiag_esp_free(). The model copies
 * what it keeps, so bundle may be freed first.
 */
struct espdiag_bundle; /* espdiag/bundle.h */
ESPDIAG_API int espdiag_esp_load_bundle(espdiag_esp **out, struct espdiag_bundle *bundle);

/* espdiag_esp_free - frees the model and every part it handed out. NULL is a no-op. */
ESPDIAG_API void espdiag_esp_free(espdiag_esp *esp);

/* espdiag_esp_errmsg - the message of the last failure ("" when none). Owned by esp. */
ESPDIAG_API const char *espdiag_esp_errmsg(const espdiag_esp *esp);

/* Warnings: evidence the model could not use (a value of the wrong type, a
 * count past a cap). Owned by esp; valid until espdiag_esp_free(esp). */
ESPDIAG_API size_t espdiag_esp_warning_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_warning *espdiag_esp_warning_at(const espdiag_esp *esp, size_t index);

/* True when EnrollmentStatusTracking exists (Windows 10 1903 and later). */
ESPDIAG_API bool espdiag_esp_has_tracking(const espdiag_esp *esp);

/*
 * Accessors. *_count gives the number of parts; *_at the index-th (NULL
 * past the end). Parts come in key-name order (case-insensitive, as a hive
 * stores subkeys), whatever order a .reg file wrote them in; values in a
 * key keep their stored order. All returned pointers are owned by
 * esp; valid until espdiag_esp_free(esp).
 */
ESPDIAG_API size_t espdiag_esp_enrollment_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_enrollment *espdiag_esp_enrollment_at(const espdiag_esp *esp, size_t index);
/* The enrollment whose FirstSync settings apply: the first with ProviderID
 * "MS DM Server" and a FirstSync key, else the first with a FirstSync key;
 * NULL when none has one. */
ESPDIAG_API const espdiag_esp_enrollment *espdiag_esp_primary_enrollment(const espdiag_esp *esp);

/* Never NULL; its key is NULL when the Autopilot key is absent. */
ESPDIAG_API const espdiag_esp_autopilot *espdiag_esp_autopilot_info(const espdiag_esp *esp);

ESPDIAG_API size_t espdiag_esp_provider_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_provider *espdiag_esp_provider_at(const espdiag_esp *esp, size_t index);
/* The provider named name (case-insensitive), NULL when there is none. */
ESPDIAG_API const espdiag_esp_provider *espdiag_esp_provider_find(const espdiag_esp *esp, const char *name);

/* Never NULL; its key is NULL when Device\Setup is absent. */
ESPDIAG_API const espdiag_esp_setup *espdiag_esp_device_setup(const espdiag_esp *esp);
/* Users: one per <UserSID> key under EnrollmentStatusTracking. */
ESPDIAG_API size_t espdiag_esp_user_setup_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_setup *espdiag_esp_user_setup_at(const espdiag_esp *esp, size_t index);
/* The user setup of sid (case-insensitive), NULL when there is none. */
ESPDIAG_API const espdiag_esp_setup *espdiag_esp_user_setup_find(const espdiag_esp *esp, const char *sid);

/* Snapshots: device context first, then each user's; by category, then key name. */
ESPDIAG_API size_t espdiag_esp_snapshot_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_snapshot *espdiag_esp_snapshot_at(const espdiag_esp *esp, size_t index);

/*
 * espdiag_esp_entry_state_name - the state of a snapshot entry, read by
 * its category: Sidecar entries use the app states ("not_installed",
 * "in_progress", "completed", "error"), the Expected* categories 0
 * "not_processed" and 1 "processed"; anything else "unknown". Static.
 */
ESPDIAG_API const char *espdiag_esp_entry_state_name(const espdiag_esp_snapshot *snapshot,
                                                     const espdiag_esp_entry *entry);

ESPDIAG_API size_t espdiag_esp_msi_app_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_msi_app *espdiag_esp_msi_app_at(const espdiag_esp *esp, size_t index);

/* Phases: device preparation, device setup, then one account setup per
 * user (a single one with sid NULL when no user key exists). */
ESPDIAG_API size_t espdiag_esp_phase_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_phase_info *espdiag_esp_phase_at(const espdiag_esp *esp, size_t index);

/*
 * Items: every tracked app (device, then each user), every MSI app, and
 * the policies, modern apps, network profiles and certificates of the
 * latest timestamped snapshot of each context.
 */
ESPDIAG_API size_t espdiag_esp_item_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_item *espdiag_esp_item_at(const espdiag_esp *esp, size_t index);

/* The timeline's changes, in time order (see the top of this header). */
ESPDIAG_API size_t espdiag_esp_change_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_change *espdiag_esp_change_at(const espdiag_esp *esp, size_t index);

/* IME app states: by user key, then app key name. */
ESPDIAG_API size_t espdiag_esp_ime_app_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_ime_app *espdiag_esp_ime_app_at(const espdiag_esp *esp, size_t index);

ESPDIAG_API size_t espdiag_esp_office_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_office *espdiag_esp_office_at(const espdiag_esp *esp, size_t index);

/* The page's category statuses, in the key's value order. */
ESPDIAG_API size_t espdiag_esp_page_category_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_page_category *espdiag_esp_page_category_at(const espdiag_esp *esp,
                                                                          size_t index);

ESPDIAG_API size_t espdiag_esp_omadm_account_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_omadm_account *espdiag_esp_omadm_account_at(const espdiag_esp *esp,
                                                                          size_t index);
/* The Provisioning\OMADM\SyncML\ODJApplied key (present once the offline
 * domain join blob was applied): its path, NULL when absent. Owned by esp. */
ESPDIAG_API const char *espdiag_esp_odj_applied_key(const espdiag_esp *esp);

/* Policy nodes: every numeric <n>, in index order, gaps kept as they are. */
ESPDIAG_API size_t espdiag_esp_policy_node_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_policy_node *espdiag_esp_policy_node_at(const espdiag_esp *esp,
                                                                      size_t index);

/* --- output --- */

#define ESPDIAG_ESP_FORMAT_TEXT 0u
#define ESPDIAG_ESP_FORMAT_JSON 1u

/*
 * espdiag_esp_timeline_write - writes the changes and the device
 * preparation workloads in the given format (see the top of this header).
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL, ESPDIAG_ENOMEM (ordering the
 * workloads) or ESPDIAG_EIO (a write failed). Ownership: out stays the caller's.
 */
ESPDIAG_API int espdiag_esp_timeline_write(const espdiag_esp *esp, uint32_t format, FILE *out);

/* Parts for espdiag_esp_write_json(). */
#define ESPDIAG_ESP_JSON_ENROLLMENTS 0x1u
#define ESPDIAG_ESP_JSON_AUTOPILOT 0x2u
#define ESPDIAG_ESP_JSON_PHASES 0x4u
#define ESPDIAG_ESP_JSON_ITEMS 0x8u
#define ESPDIAG_ESP_JSON_ALL 0xfu /* the 0.1 parts; its meaning never changes */
#define ESPDIAG_ESP_JSON_IME_APPS 0x10u
#define ESPDIAG_ESP_JSON_OFFICE 0x20u
#define ESPDIAG_ESP_JSON_PAGE 0x40u
#define ESPDIAG_ESP_JSON_OMADM 0x80u
#define ESPDIAG_ESP_JSON_ALL_V2 0xffu /* the parts above; its meaning never changes */
#define ESPDIAG_ESP_JSON_PROVIDERS 0x100u
#define ESPDIAG_ESP_JSON_SETUPS 0x200u
/* Not a part: phases and items gain "sources" (without it they are
 * written as 0.1 wrote them). */
#define ESPDIAG_ESP_JSON_SOURCES 0x400u
#define ESPDIAG_ESP_JSON_DEVICE_PREPARATION 0x800u /* "device_preparation" (v2) */
#define ESPDIAG_ESP_JSON_APPS 0x1000u  /* "apps": the IME logs' apps and attempts */
#define ESPDIAG_ESP_JSON_EVENTS 0x2000u /* "events" (a bundle's event logs) */
#define ESPDIAG_ESP_JSON_FILES 0x4000u  /* "ztd", "device_hashes", "collection" */
#define ESPDIAG_ESP_JSON_CLOCK 0x8000u /* "clock": the device's UTC offset */
/* Everything the report's JSON (espdiag-report/1) embeds; grows as parts
 * are added. */
#define ESPDIAG_ESP_JSON_REPORT 0xffffu

/*
 * espdiag_esp_write_json - writes the chosen parts as JSON object members,
 * separated by commas, without the enclosing braces, so a caller can embed
 * them in its own object:
 *   "enrollments":[{...}],"autopilot":{...}|null,
 *   "phases":[{"phase":"device_setup","status":"completed","sid":null,
 *              "evidence":"<key>"|null}],
 *   "items":[{"kind":"win32_app","id":"...","context":"device","sid":null,
 *             "phase":"device_setup","state":"completed","state_raw":3,
 *             "ime":false,"evidence":"<key>","value":"InstallationState"}]
 * and, from 0.2 on:
 *   "ime_apps":[{"key":...,"user_id":...,"device":true,"app_id":...,
 *     "revision":1|null,"enforcement":{"key":...,"value":...,"state":1000|null,
 *     "state_name":"succeeded"|null,"error_code":0|null}|null,
 *     "compliance":{"key":...,"value":...,"applicability":0|null,
 *     "compliance_state":...,"desired_state":...,"install_context":...,
 *     "target_type":...,"error_code":...}|null}],
 *   "office":[{"key":...,"id":...,"final_status":70|null,"status":...,
 *     "effective":70|null,"effective_value":"FinalStatus"|null,
 *     "effective_name":"success"|null}],
 *   "page":[{"key":...,"value":...,"name":...,"phase":"device_setup"|null,
 *     "state":"failed","state_raw":"failed"|null,"status_text":...,"flat":false,
 *     "subcategories":[{"name":...,"state":...,"state_raw":...,"status_text":...}]}],
 *   "omadm":{"accounts":[{"key":...,"account_id":...,"last_session_result":0|null,
 *     "server_last_access_time":...,"server_last_access_utc":...,
 *     "server_last_success_time":...,"server_last_success_utc":...}],
 *     "odj_applied":"<key>"|null,
 *     "policy_nodes":[{"key":...,"index":1,"uri":...,"expected_value":...}]}
 * and, as parts of their own (not in ESPDIAG_ESP_JSON_ALL_V2):
 *   "device_preparation":{"key":...|null,"in_use":true,
 *     "hint":V,"hinted":true,"page_enabled":V,"page_settings":V,
 *     "settings":{"agent_download_timeout_seconds":1800|null,
 *       "page_timeout_seconds":3600|null,"error_message":...|null,
 *       "allow_skip_on_failure":true|false|null,"allow_diagnostics":...}|null,
 *     "page_status":V,"page_status_name":"exited_on_failure"|null,
 *     "page_error_phase":V,"page_error_code":V,"page_error_details":V,
 *     "mdm_agent_installed":V,"mdm_progress":V,"bootstrapper_class_id":V,
 *     "bootstrapper_execution_context":V,"bootstrapper_installation_status_uri":V,
 *     "workloads":[{"key":...,"value":...,"index":0,"id":...,"app_id":...|null,
 *       "name":...,"state":4|null,"state_name":"failed"|null,"state_raw":...|null,
 *       "start":"2024-06-20T10:00:00.0000000Z"|null,"start_raw":...|null,
 *       "end":...,"end_raw":...,"error_code":-2147024894|null}]}
 *   where each V is {"key":...,"value":...,"number":1|null,"text":...|null}
 *   or null when absent (espdiag_esp_devprep_value)
 *   "apps":[{"id":"<guid>","name":"7-Zip"|null,"version":1|null,"intent":3|null,
 *     "install_context":2|null,"policy":R,"attempts":[{"number":1,
 *       "outcome":"failed","download_start":R,"download_end":R,"download_failed":R,
 *       "download_bytes":1572864|null,"install_start":R,"install_end":R,
 *       "install_timeout":R,"install_duration_ms":30500|null,"exit_code":1603|null,
 *       "hresult":"0x80070643"|null,"exit_code_unmapped":false,
 *       "exit_code_class":"Failed"|null,"exit_code_line":R,
 *       "enforcement_state":"Error"|null,"enforcement_line":R,
 *       "detection_state":"NotDetected"|null,"detection_line":R,
 *       "error":{...the error object of the hresult...}|null}]}]
 *   where each R is {"file":...,"line":12,"local_time":"2024-05-01 10:07:12.000",
 *   "utc_time":"2024-05-01T08:07:12.0000000Z"|null,"message":...} or null
 *   (espdiag_esp_log_ref)
 *   "clock":{"known":true,"utc_offset_minutes":120|null,"how":"...",
 *     "evidence":R,"key":...|null,"value":...|null,"utc_time":...|null,"pairs":2}
 * Items of tracked apps and "ime_apps" objects end with "name" where a
 * bundle's IME logs name the app (no such member otherwise).
 *   "providers":[{"key":...,"name":"Sidecar","kind":"sidecar",
 *     "state":"error"|null,"state_raw":4|null,
 *     "last_error":{"hresult":"0x80070643","decimal":-2147023293,"exit_code":null,
 *       "symbol":...,"meaning":...,"community_only":false}|null,
 *     "timeout":15|null,"resource_types_key":...,
 *     "tracked_resource_types":[{"name":"Apps","value":1}],"sources":[...]}],
 *   "setups":[{"context":"device","sid":null,"key":...|null,
 *     "has_provisioning_completed":1|null,"apps_key":...,"locked":1|null,
 *     "policy_providers":[{"key":...,"name":"Sidecar",
 *       "tracking_policies_created":1|null,"sources":[...]}],
 *     "app_count":3,"sources":[...]}]     (the device's first, then each user's)
 * With ESPDIAG_ESP_JSON_SOURCES, phases and items end with "sources" (the
 * shape of all evidence, diagnose.h): a phase's key, an item's key, value
 * name, raw state number ("data") and state name ("display"). "evidence"
 * and "value" of phases and items are deprecated in its favour.
 * "autopilot" (written when its key or the policy cache exists) ends with
 * "policy_cache_key" and "from_policy_cache"; the item of a tracked app
 * with an ErrorHresult ends with "error_hresult":2147982441 (other items
 * have no such member); an IME app joined to a tracked app is found in
 * "ime_apps" by its app_id.
 * and, from a bundle (ESPDIAG_ESP_JSON_EVENTS, ESPDIAG_ESP_JSON_FILES):
 *   "events":[{"member":...,"channel":...,"provider":...,"event_id":76,
 *     "level":2,"time":"...Z"|null,"record_id":2,"recovered":false,
 *     "data":[{"name":...,"value":...}]}],
 *   "ztd":{"member":...,"error_code":807|null,"error_reason":...,
 *     "tenant_id":...,"tenant_domain":...,"profile_name":...,
 *     "oobe_config":...,"domain_join_method":...,"policy_download_date":...,
 *     "ztd_registration_id":...,"correlation_id":...}|null,
 *   "device_hashes":[{"member":...,"serial":...,"product_id":...,
 *     "hash_present":true,"hash_length":4000}],
 *   "collection":{"member":...,"collected":...,"areas":...}|null
 * Any bytes give valid JSON (control characters escaped, invalid UTF-8 as
 * \ufffd). Returns ESPDIAG_OK, ESPDIAG_EINVAL or ESPDIAG_EIO.
 * Ownership: out stays the caller's.
 */
ESPDIAG_API int espdiag_esp_write_json(const espdiag_esp *esp, uint32_t parts, FILE *out);

/* --- Appended in 0.2: the scenario and Autopilot device preparation (v2) --- */

/*
 * The flow the device went through, decided once per model from the
 * registry (lib/esp_scenario.c), first match wins:
 *   autopilot_v1               a downloaded Autopilot deployment profile
 *                              (Diagnostics\Autopilot or the profile cache:
 *                              DeploymentProfileName or ZTDRegistrationID).
 *                              It wins over device preparation keys: a
 *                              device with an Autopilot profile runs the
 *                              profile's flow, not a device preparation
 *                              policy (Microsoft Learn, "Overview of
 *                              Windows Autopilot device preparation").
 *   autopilot_existing_device  the JSON-profile flow (Autopilot for
 *                              existing devices: AutopilotConfigurationFile
 *                              .json): a ZtdCorrelationId (a value of
 *                              Diagnostics\Autopilot or a member of the
 *                              profile cache) and no downloaded profile.
 *   autopilot_v2               device preparation: the AutopilotDevicePrepHint
 *                              hint, an enabled or used device preparation
 *                              page, its settings, or IME workloads
 *                              (espdiag_esp_devprep.in_use).
 *   esp_only                   an ESP without Autopilot: FirstSync or
 *                              EnrollmentStatusTracking, nothing above.
 *   none                       none of these.
 * Each scenario comes with the evidence that decided it (and the evidence
 * of the others that was seen, so a device with both v1 and v2 keys shows
 * both).
 */
typedef enum espdiag_esp_scenario_kind {
	ESPDIAG_ESP_SCENARIO_NONE = 0,
	ESPDIAG_ESP_SCENARIO_AUTOPILOT_V1 = 1,
	ESPDIAG_ESP_SCENARIO_AUTOPILOT_V2 = 2,
	ESPDIAG_ESP_SCENARIO_AUTOPILOT_EXISTING_DEVICE = 3,
	ESPDIAG_ESP_SCENARIO_ESP_ONLY = 4
} espdiag_esp_scenario_kind;
/* "none", "autopilot_v1", "autopilot_v2", "autopilot_existing_device",
 * "esp_only"; else "unknown". Static. */
ESPDIAG_API const char *espdiag_esp_scenario_name(uint32_t scenario);

/* One piece of evidence: the key, the value name (NULL when the key
 * itself, or its absence, is the evidence) and the data as text (NULL when
 * none). Handed out by const pointer; fields are only ever appended. */
typedef struct espdiag_esp_evidence {
	const char *key;
	const char *value;
	const char *data;
} espdiag_esp_evidence;

/* The scenario (espdiag_esp_scenario_kind); ESPDIAG_ESP_SCENARIO_NONE for NULL. */
ESPDIAG_API espdiag_esp_scenario_kind espdiag_esp_scenario(const espdiag_esp *esp);
/* Its evidence, the deciding evidence first. Owned by esp; valid until
 * espdiag_esp_free(esp); NULL past the end. */
ESPDIAG_API size_t espdiag_esp_scenario_evidence_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_evidence *espdiag_esp_scenario_evidence_at(const espdiag_esp *esp,
                                                                         size_t index);

/* The device preparation page's PageStatus (DevicePreparation CSP). */
typedef enum espdiag_esp_devprep_status {
	ESPDIAG_ESP_DEVPREP_DISABLED = 0,
	ESPDIAG_ESP_DEVPREP_ENABLED = 1,
	ESPDIAG_ESP_DEVPREP_IN_PROGRESS = 2,
	ESPDIAG_ESP_DEVPREP_EXITED_ON_SUCCESS = 3,
	ESPDIAG_ESP_DEVPREP_EXITED_ON_FAILURE = 4
} espdiag_esp_devprep_status;
/* "disabled", "enabled", "in_progress", "exited_on_success",
 * "exited_on_failure"; else "unknown". Static. */
ESPDIAG_API const char *espdiag_esp_devprep_status_name(uint32_t status);

/* An IME workload's WorkloadState (ProvisioningProgress). */
typedef enum espdiag_esp_workload_state {
	ESPDIAG_ESP_WORKLOAD_NOT_STARTED = 0,
	ESPDIAG_ESP_WORKLOAD_COMPLETED = 1,
	ESPDIAG_ESP_WORKLOAD_SKIPPED = 2,
	ESPDIAG_ESP_WORKLOAD_UNINSTALLED = 3,
	ESPDIAG_ESP_WORKLOAD_FAILED = 4,
	ESPDIAG_ESP_WORKLOAD_IN_PROGRESS = 5,
	ESPDIAG_ESP_WORKLOAD_REBOOT_REQUIRED = 6,
	ESPDIAG_ESP_WORKLOAD_CANCELLED = 7
} espdiag_esp_workload_state;
/* "not_started", "completed", "skipped", "uninstalled", "failed",
 * "in_progress", "reboot_required", "cancelled"; else "unknown". Static. */
ESPDIAG_API const char *espdiag_esp_workload_state_name(uint32_t state);

/*
 * One value of device preparation as read, whatever its type: key and name
 * where it was found (key NULL when absent); number is a DWORD, or a
 * string of decimal digits (or 0x and hex digits) read as one; text is a
 * string as written, or a DWORD in decimal. Embedded by value in
 * espdiag_esp_devprep, so this struct is frozen: its size never changes.
 */
typedef struct espdiag_esp_devprep_value {
	const char *key;
	const char *name;
	espdiag_esp_u32 number;
	const char *text;
} espdiag_esp_devprep_value;

/*
 * Autopilot device preparation ("v2"): the hint on
 * Provisioning\AutopilotSettings, and the DevicePreparation CSP's nodes as
 * the registry keeps them under Provisioning\AutopilotSettings\
 * DevicePreparation. Which spellings are accepted (the registry layout of
 * the CSP is not documented; nothing is lost):
 *   PageEnabled, PageSettings, PageStatus, PageErrorPhase, PageErrorCode,
 *   PageErrorDetails      a value of that name on DevicePreparation, else a
 *                         subkey of that name holding it (its value of the
 *                         same name, else its default value);
 *   MdmAgentInstalled, Progress   on DevicePreparation\MDMProvider (the
 *                         CSP's MDMProvider/ node), else MdmAgentInstalled
 *                         directly on DevicePreparation;
 *   ClassID, ExecutionContext, InstallationStatusUri   on
 *                         DevicePreparation\BootstrapperAgent, else
 *                         directly on DevicePreparation.
 * PageSettings is JSON (AgentDownloadTimeoutSeconds, PageTimeoutSeconds,
 * ErrorMessage, AllowSkipOnFailure, AllowDiagnostics; member names
 * matched ignoring case, numbers as JSON numbers or decimal strings,
 * booleans as true/false or 0/1); malformed JSON is a model warning and
 * the rest loads. Handed out by const pointer: fields are only appended.
 */
typedef struct espdiag_esp_devprep {
	const char *key;                     /* ...\AutopilotSettings\DevicePreparation, NULL when absent */
	espdiag_esp_devprep_value hint;      /* AutopilotSettings AutopilotDevicePrepHint */
	bool hinted;                         /* the hint is present and not 0 or empty */
	espdiag_esp_devprep_value page_enabled;
	espdiag_esp_devprep_value page_settings;  /* the raw JSON */
	bool settings_read;                  /* page_settings parsed as a JSON object */
	espdiag_esp_u32 agent_download_timeout_seconds;
	espdiag_esp_u32 page_timeout_seconds;
	const char *error_message;           /* ErrorMessage */
	espdiag_esp_u32 allow_skip_on_failure;   /* 0 or 1 */
	espdiag_esp_u32 allow_diagnostics;       /* 0 or 1 */
	espdiag_esp_devprep_value page_status;   /* number: espdiag_esp_devprep_status */
	espdiag_esp_devprep_value page_error_phase;
	espdiag_esp_devprep_value page_error_code;   /* number: an HRESULT when one */
	espdiag_esp_devprep_value page_error_details;
	espdiag_esp_devprep_value mdm_agent_installed;
	espdiag_esp_devprep_value mdm_progress;
	espdiag_esp_devprep_value bootstrapper_class_id;
	espdiag_esp_devprep_value bootstrapper_execution_context;
	espdiag_esp_devprep_value bootstrapper_installation_status_uri;
	/* The device went through device preparation, as far as the registry
	 * shows: hinted, PageEnabled or PageStatus nonzero, page settings read,
	 * or at least one IME workload. (A key whose page is disabled and that
	 * holds nothing else is not.) */
	bool in_use;
} espdiag_esp_devprep;

/*
 * One IME workload: IntuneManagementExtension\Win32Apps\ProvisioningProgress
 * value ProvisioningProgress (else that key's default value), JSON with
 * Workloads[] (WorkloadId, FriendlyName, WorkloadState, StartTime,
 * EndTime, ErrorCode). A workload that is no JSON object is skipped with a
 * model warning.
 *
 * Times. The IME is a .NET program; .NET's two JSON serializers spell a
 * DateTime two ways, both accepted:
 *   "/Date(1718877600000)/"   milliseconds since 1970-01-01 UTC, the
 *                             Microsoft format (DataContractJsonSerializer;
 *                             EVIDENCE: what the IME writes). An offset
 *                             suffix ("/Date(1718877600000+0200)/") only
 *                             marks a local DateTime: the number is UTC.
 *   "2024-06-20T10:00:00Z"    ISO 8601, Json.NET's default format (the
 *                             other serializer .NET programs use); an
 *                             offset is applied, no zone is read as UTC
 *                             (a judgment call).
 * A time that parses neither way keeps its raw text and has has_* false.
 *
 * Join. WorkloadId is the Intune id of the app or script; app_id is that
 * id as a bare lower-case GUID when it is one, the key an IME log join
 * (the bundle's app attempts) matches on.
 */
typedef struct espdiag_esp_workload {
	const char *key;                     /* ...\Win32Apps\ProvisioningProgress */
	const char *value;                   /* the value name ("" for the default value) */
	size_t index;                        /* position in Workloads[] */
	const char *id;                      /* WorkloadId as written (a number as text) */
	const char *app_id;                  /* id as a bare lower-case GUID, NULL when none */
	const char *name;                    /* FriendlyName */
	espdiag_esp_u32 state;               /* WorkloadState: espdiag_esp_workload_state */
	const char *state_raw;               /* WorkloadState as written when it is a string */
	const char *start_raw;               /* StartTime as written */
	bool has_start;
	int64_t start_unix;                  /* seconds since 1970-01-01 UTC */
	uint32_t start_100ns;
	const char *start_utc;               /* "YYYY-MM-DDTHH:MM:SS.fffffffZ", NULL when unparsed */
	const char *end_raw;
	bool has_end;
	int64_t end_unix;
	uint32_t end_100ns;
	const char *end_utc;
	bool has_error_code;
	int64_t error_code;                  /* ErrorCode as written (an HRESULT may be negative) */
	/* Appended in 0.2 (the bundle, issue 15): the IME logs' app of the same
	 * app_id with its attempts (espdiag_esp_log_app_find()); NULL when none. */
	const struct espdiag_esp_log_app *log_app;
} espdiag_esp_workload;

/* Never NULL; its key is NULL when DevicePreparation is absent. Owned by
 * esp; valid until espdiag_esp_free(esp). */
ESPDIAG_API const espdiag_esp_devprep *espdiag_esp_devprep_info(const espdiag_esp *esp);
/* Workloads in Workloads[] order. Owned by esp; NULL past the end. */
ESPDIAG_API size_t espdiag_esp_workload_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_workload *espdiag_esp_workload_at(const espdiag_esp *esp,
                                                                size_t index);

/* --- Appended in 0.2: the bundle's IME logs (apps, attempts) and the clock --- */

/*
 * One record of an IME log (IntuneManagementExtension.log, AppWorkload.log,
 * AgentExecutor.log) that is evidence for a part: the file (the bundle
 * member's name), the 1-based line where the record starts, its time as
 * logged and its message. Log times are the device's local time with no
 * offset (EVIDENCE.md section 4); utc_time is set once the device's UTC
 * offset is known (espdiag_esp_clock_info()). Handed out by const pointer:
 * fields are only ever appended.
 */
typedef struct espdiag_esp_log_ref {
	const char *file;                    /* the member name, as the bundle lists it */
	uint64_t line;                       /* 1-based line of the record's start */
	const char *local_time;              /* "YYYY-MM-DD HH:MM:SS.fff", NULL when unreadable */
	const char *utc_time;                /* "YYYY-MM-DDTHH:MM:SS.fffffffZ", NULL when the
	                                        clock is unknown or the time unreadable */
	const char *message;                 /* the record's message (at most 512 bytes) */
	bool has_time;                       /* the time was read */
	int64_t local_secs;                  /* the wall-clock time read as if it were UTC, Unix seconds */
	uint32_t local_100ns;                /* fraction, 0..9999999 */
} espdiag_esp_log_ref;

/* What an install attempt came to, as the IME logs show it. */
typedef enum espdiag_esp_attempt_outcome {
	ESPDIAG_ESP_ATTEMPT_UNKNOWN = 0,      /* nothing conclusive logged */
	ESPDIAG_ESP_ATTEMPT_IN_PROGRESS = 1,  /* started, no result logged */
	ESPDIAG_ESP_ATTEMPT_FAILED = 2,       /* error state, unmapped exit code, timeout,
	                                         failed start or download */
	ESPDIAG_ESP_ATTEMPT_NOT_DETECTED = 3, /* the installer reported success but detection
	                                         did not find the app */
	ESPDIAG_ESP_ATTEMPT_SUCCEEDED = 4     /* detected, installed or enforced successfully */
} espdiag_esp_attempt_outcome;
/* "unknown", "in_progress", "failed", "not_detected", "succeeded"; other
 * numbers "unknown". Static. */
ESPDIAG_API const char *espdiag_esp_attempt_outcome_name(uint32_t outcome);

/*
 * One download-and-install cycle of one app in the IME logs. A log
 * reference is NULL when the logs do not say. Handed out by const
 * pointer: fields are only ever appended.
 */
typedef struct espdiag_esp_attempt {
	uint32_t number;                     /* 1-based, per app, in log order */
	espdiag_esp_attempt_outcome outcome;
	const espdiag_esp_log_ref *download_start;
	const espdiag_esp_log_ref *download_end;
	const espdiag_esp_log_ref *download_failed;  /* Delivery Optimization timed out */
	const espdiag_esp_log_ref *install_start;    /* "Launch Win32AppInstaller in ..." */
	const espdiag_esp_log_ref *install_end;      /* "Installation is done, collecting result" */
	const espdiag_esp_log_ref *install_timeout;  /* "Installation is timeout, ..." */
	const espdiag_esp_log_ref *exit_code_ref;    /* the line that gives the exit code */
	const espdiag_esp_log_ref *enforcement_ref;  /* "Setting enforcementState as: ..." */
	const espdiag_esp_log_ref *detection_ref;    /* the detection after the install */
	bool has_download_bytes;
	uint64_t download_bytes;             /* the last progress line's total */
	bool has_exit_code;
	uint32_t exit_code;                  /* lpExitCode, unsigned as logged */
	bool has_hresult;
	uint32_t hresult;                    /* hResultFromWin32 when logged, else the exit
	                                        code as an HRESULT (1..65535 through
	                                        HRESULT_FROM_WIN32; a code of HRESULT shape
	                                        as is); has_hresult false for 0 and others */
	bool exit_code_unmapped;             /* "Admin did NOT set mapping for lpExitCode" */
	const char *exit_code_class;         /* "lpExitCode is defined as <class>", NULL if not logged */
	const char *enforcement_state;       /* "Error", "Success", ...; NULL when not logged */
	const char *detection_state;         /* "Detected" or "NotDetected" (also from a rule's
	                                        applicationDetected: True/False); NULL */
	bool has_install_duration;           /* install_start and install_end (or timeout) both timed */
	int64_t install_duration_ms;         /* their difference, milliseconds */
} espdiag_esp_attempt;

/*
 * One app of the IME logs' catalogue: every app a "Get policies = [...]"
 * record lists (Id, Name, Version, Intent, InstallContext) or a record
 * names, with its attempts in log order. The logs are read together,
 * rotated copies first in time order, so one app's attempts may span
 * files. Handed out by const pointer: fields are only ever appended.
 */
typedef struct espdiag_esp_log_app {
	const char *id;                      /* lower-case GUID */
	const char *name;                    /* the policy's Name; NULL when no policy named it */
	bool has_version;
	int64_t version;                     /* Version: the content revision */
	bool has_intent;
	int64_t intent;                      /* Intent: 0 not targeted (dependency), 1 available,
	                                        3 required, 4 uninstall */
	bool has_install_context;
	int64_t install_context;             /* InstallContext as the policy gives it */
	const espdiag_esp_log_ref *policy;   /* the last "Get policies" record listing it, NULL */
	size_t attempt_count;
	const espdiag_esp_attempt *const *attempts;
} espdiag_esp_log_app;

/* The apps of the IME logs, by id. Owned by esp; valid until
 * espdiag_esp_free(esp); NULL past the end. A model built without a bundle
 * (espdiag_esp_load()) has none. */
ESPDIAG_API size_t espdiag_esp_log_app_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_log_app *espdiag_esp_log_app_at(const espdiag_esp *esp,
                                                              size_t index);
/* The app with this id (a GUID, with or without braces, any case), NULL
 * when the logs do not name it. */
ESPDIAG_API const espdiag_esp_log_app *espdiag_esp_log_app_find(const espdiag_esp *esp,
                                                                const char *id);

/*
 * The device's clock. IME log times are local; the offset to UTC is
 * derived from a log record and a registry time of the same moment
 * (lib/esp_clock.c):
 *   - an attempt's last record (its detection, enforcement or exit code)
 *     against the first ESPTrackingInfo snapshot (UTC key name) that shows
 *     the app's Sidecar entry in the state that attempt led to (3
 *     completed after a success, 4 error after a failure);
 *   - an attempt's last record against the EndTime (UTC) of the device
 *     preparation workload of the same app.
 * Each pair's difference is rounded to 15 minutes (every time zone offset
 * is a multiple of 15 minutes) and must lie within 5 minutes of the
 * rounded value and between -12 and +14 hours; every pair must agree.
 * The pair with the smallest residual is the evidence. When no pair
 * exists or they disagree, known is false and log times stay local.
 * Handed out by const pointer: fields are only ever appended.
 */
typedef struct espdiag_esp_clock {
	bool known;
	int32_t utc_offset_minutes;          /* local = UTC + this; 0 when unknown */
	const char *how;                     /* one sentence: how it was found, or why not */
	const espdiag_esp_log_ref *evidence; /* the log record of the deciding pair, NULL */
	const char *key;                     /* the registry key of the other time, NULL */
	const char *value;                   /* its value name, NULL */
	const char *utc_time;                /* that time, "YYYY-MM-DDTHH:MM:SS.fffffffZ", NULL */
	size_t pairs;                        /* the pairs that agreed */
} espdiag_esp_clock;

/* Never NULL for a model (known false without a bundle's logs); NULL for
 * NULL. Owned by esp; valid until espdiag_esp_free(esp). */
ESPDIAG_API const espdiag_esp_clock *espdiag_esp_clock_info(const espdiag_esp *esp);

/* --- Appended in 0.2: the bundle's event logs and Autopilot files --- */

/*
 * What espdiag_esp_load_bundle() keeps of the bundle's event logs (the
 * records of the ESP's channels its reader keeps: DeviceManagement-
 * Enterprise-Diagnostics-Provider/Admin, User Device Registration/Admin,
 * ModernDeployment-Diagnostics-Provider/Autopilot, Shell-Core/Operational
 * event 62407) and of its Autopilot files. A model loaded without a
 * bundle (espdiag_esp_load()) has none of them. Each event is also a line
 * of the timeline (espdiag_esp_timeline_write()). Damaged chunks of an
 * event log become model warnings (espdiag_esp_warning_at()).
 */

/* One named data item of an event: <EventData><Data Name="x">v</Data>, or
 * a leaf element of <UserData> ("" for a Data element without Name). */
typedef struct espdiag_esp_event_data {
	const char *name;
	const char *value;                   /* "" when the element is empty */
} espdiag_esp_event_data;

/* One event log record. Handed out by const pointer; fields are only
 * ever appended. */
typedef struct espdiag_esp_event {
	const char *member;                  /* the bundle member (file) it was read from */
	const char *channel;                 /* System/Channel, "" when absent */
	const char *provider;                /* System/Provider/@Name, "" when absent */
	uint32_t event_id;                   /* System/EventID (0 when absent) */
	uint32_t level;                      /* System/Level: 1 critical, 2 error, 3 warning,
	                                        4 information, 5 verbose; 0 when absent */
	bool has_time;                       /* TimeCreated, else the record's written time */
	int64_t time_unix;                   /* seconds since 1970-01-01 UTC */
	uint32_t time_100ns;
	const char *utc_time;                /* "YYYY-MM-DDTHH:MM:SS.fffffffZ", NULL without a time */
	uint64_t record_id;                  /* EventRecordID */
	bool recovered;                      /* found in free space: not one the log lists */
	size_t data_count;
	const espdiag_esp_event_data *data;  /* in document order */
} espdiag_esp_event;

/* Events in UTC order (ties: bundle member order, then record order);
 * events without a time last. Owned by esp; NULL past the end. */
ESPDIAG_API size_t espdiag_esp_event_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_event *espdiag_esp_event_at(const espdiag_esp *esp, size_t index);

/*
 * AutopilotDDSZTDFile.json: the Autopilot profile the device downloaded
 * (its fields as text, numbers in decimal; NULL when absent), or the
 * error the Autopilot service answers a device it does not know, such as
 * {"ErrorCode":807,"ErrorReason":"ZtdDeviceIsNotRegistered"}. Handed out
 * by const pointer; fields are only ever appended.
 */
typedef struct espdiag_esp_ztd {
	const char *member;                  /* the bundle member */
	bool has_error;                      /* ErrorCode is present */
	int64_t error_code;
	const char *error_reason;            /* ErrorReason, NULL when absent */
	const char *tenant_id;               /* CloudAssignedTenantId */
	const char *tenant_domain;           /* CloudAssignedTenantDomain */
	const char *profile_name;            /* DeploymentProfileName */
	const char *oobe_config;             /* CloudAssignedOobeConfig */
	const char *domain_join_method;      /* CloudAssignedDomainJoinMethod */
	const char *policy_download_date;    /* PolicyDownloadDate */
	const char *ztd_registration_id;     /* ZtdRegistrationId */
	const char *correlation_id;          /* ZtdCorrelationId */
} espdiag_esp_ztd;

/* The ZTD file (the last one when the bundle holds several); NULL when the
 * bundle has none. Owned by esp. */
ESPDIAG_API const espdiag_esp_ztd *espdiag_esp_ztd_info(const espdiag_esp *esp);

/* One row of a DeviceHash_<name>.csv (header "Device Serial Number,Windows
 * Product ID,Hardware Hash"). Handed out by const pointer; fields are only
 * ever appended. */
typedef struct espdiag_esp_device_hash {
	const char *member;
	const char *serial;                  /* "" when the cell is empty */
	const char *product_id;              /* "" when the cell is empty */
	bool hash_present;                   /* the Hardware Hash cell is not empty */
	size_t hash_length;                  /* its characters (the hash itself is not kept) */
} espdiag_esp_device_hash;

/* Rows in member order, then row order. Owned by esp; NULL past the end. */
ESPDIAG_API size_t espdiag_esp_device_hash_count(const espdiag_esp *esp);
ESPDIAG_API const espdiag_esp_device_hash *espdiag_esp_device_hash_at(const espdiag_esp *esp,
                                                                      size_t index);

/* MdmDiagLogMetadata.json: when the collection was made and its areas.
 * Handed out by const pointer; fields are only ever appended. */
typedef struct espdiag_esp_collection {
	const char *member;
	const char *collected;               /* the collection time as written; NULL unknown */
	const char *areas;                   /* the areas, ";"-separated; NULL unknown */
} espdiag_esp_collection;

/* NULL when the bundle has no metadata file. Owned by esp. */
ESPDIAG_API const espdiag_esp_collection *espdiag_esp_collection_info(const espdiag_esp *esp);

#ifdef __cplusplus
}
#endif

#endif /* ESPDIAG_ESP_H */

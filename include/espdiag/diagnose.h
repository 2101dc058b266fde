/*
 * espdiag/diagnose.h - the diagnosis: rules over the ESP model give
 * findings (id, severity, phase, evidence, remedy), rendered as text for
 * people or as JSON for programs.
 *
 * The rule catalogue is a public contract: rule ids (below, and through
 * espdiag_rule_count()/espdiag_rule_at()) are never reused or renamed; new
 * rules get new ids. A rule fires only on evidence it can point at: every
 * finding carries the registry keys (and value names and data) that show it.
 *
 *   no-esp-data                     error    no FirstSync and no EnrollmentStatusTracking
 *   os-too-old-for-win32-tracking   info     FirstSync but no EnrollmentStatusTracking
 *   phase-skipped                   info     SkipDeviceStatusPage / SkipUserStatusPage set
 *   ime-install-failed              error    the Sidecar (IME) provider is in state 4
 *   provider-install-failed         error    another device-preparation provider is in state 4
 *   provider-not-installed          warning  a device-preparation provider is still 1
 *   tracking-policies-missing       error    a Setup\Apps\PolicyProviders\<P> lacks
 *                                            TrackingPoliciesCreated = 1 (and that setup
 *                                            has not completed)
 *   app-install-failed              error    a tracked app is in state 4 (one per app)
 *   app-install-incomplete          warning  a setup has not completed and apps are 1 or 2
 *   account-setup-not-started       warning  user ESP on, device setup finished (completed
 *                                            or not shown), and no user SID key exists
 *   mixed-msi-win32                 warning  one phase tracks LOB MSI apps (not the IME's
 *                                            own package) and Win32 apps
 *   timeout-too-short               warning  SyncFailureTimeout < tracked apps of a phase
 *                                            x the per-app allowance
 *   msi-install-failed              error    an MSI app has Status 30 or 60, or its
 *                                            ExpectedMSIAppPackages entry never reached
 *                                            "processed" in a phase that has ended
 *   cert-profile-pending            error    a certificate profile is not processed in
 *                                            the last snapshot
 *   network-profile-pending         error    a Wi-Fi/VPN profile likewise
 *   modern-app-pending              warning  a Store app likewise
 *   reboot-required                 info     a tracked app asks for a soft or hard reboot
 *   esp-completed                   info     every phase completed or was not shown, at
 *                                            least one completed, and no error finding
 *   input-damaged                   warning  the reader (or the model) left warnings
 *   office-install-failed           error    OfficeCSP's FinalStatus (else Status) is 30
 *                                            (download failed) or 60 (enforcement failed)
 *   esp-phase-failed                error    the ESP page's own category status marks a
 *                                            category or subcategory failed, cancelled or
 *                                            timed out (0x800705B4); not failedFromPrevious*
 *   apv2-workload-failed            error    device preparation (v2): an IME workload is in
 *                                            WorkloadState 4 (one per workload; ErrorCode
 *                                            decoded)
 *   apv2-page-failed                error    the device preparation page's PageStatus is 4
 *                                            (with PageErrorPhase/Code/Details)
 *   apv2-timeout                    error    the workloads' times span PageTimeoutSeconds on
 *                                            a page that did not succeed, or PageErrorCode
 *                                            is 0x800705B4; names what still ran
 *   apv2-not-applied                warning  AutopilotDevicePrepHint is set and no
 *                                            PageSettings exist
 *   app-detection-failed            error    a Win32 app's last attempt in the IME logs
 *                                            finished with a success exit code and
 *                                            detection did not find it, or a tracked
 *                                            app's ErrorHresult (or IME ErrorCode) is
 *                                            0x87D1041C (one per app; a bundle's logs)
 *   app-slow                        warning  one app's install (the IME logs' install
 *                                            start to end) took at least 50% of the
 *                                            ESP's SyncFailureTimeout (one per app)
 *
 * With a bundle's IME logs (espdiag_esp_load_bundle()), findings about an
 * app name it (subject "name", the title and detail), and
 * app-install-failed and apv2-workload-failed (the workload's app_id
 * joined with the logs' app) add the failed attempt's installer exit code with
 * its meaning ("error" and "error_code"), and the log records as evidence:
 * "key" the log file, "value" "line N", "data" the record's message, and
 * "path" and "line" as a reader's warning has them ("column" and
 * "offset" 0).
 *
 * and, on what only a bundle holds (espdiag_esp_load_bundle(); no phase):
 *   enrollment-failed               error    DeviceManagement-Enterprise-Diagnostics-
 *                                            Provider/Admin event 71 or 76 (MDM enrollment
 *                                            failed) with no event 72 (succeeded) after it;
 *                                            the code in its data decoded
 *   odj-failed                      error    that log's event 100 (no connectivity) or
 *                                            109/110 with state 3 (timed out), no event 107
 *                                            (blob applied) after it and no ODJApplied key
 *   hybrid-registration-failed      warning  User Device Registration/Admin event 304 with
 *                                            no event 306 (registered) after it
 *   autopilot-not-registered        error    AutopilotDDSZTDFile.json holds an ErrorCode
 *                                            (807 ZtdDeviceIsNotRegistered) and no profile
 *                                            was downloaded
 * The meanings of events 100, 107, 109/110, 304 and 306 are reported by
 * community tools only, and their findings' details say so. Their
 * evidence: key the bundle member (the file), value "event ID #RECORD" or
 * "ErrorCode", data the time, channel and data items. Subject kinds:
 * "enrollment", "domain_join", "device_registration", "autopilot".
 *
 * A bundle given in the options (version 2) with warnings of its own
 * (espdiag_bundle_warning_count(): an archive damaged or cut short)
 * damages the input as a damaged registry source does: conclusions are
 * withheld, the report is incomplete and input-damaged names the
 * warnings.
 *
 * Device preparation (v2). The ESP rules (all above but
 * office-install-failed, input-damaged and apv2-*) do not run on a device
 * that went through device preparation (espdiag_esp_devprep.in_use) and
 * has neither FirstSync nor EnrollmentStatusTracking: no-esp-data never
 * fires where device preparation evidence exists. A device with both
 * keeps both rule groups, each on its own evidence. apv2-* findings have
 * no phase; the text report shows "Device preparation page (v2): STATUS"
 * before the ESP's phases, which it leaves out on a device with no ESP
 * keys; the outcome is completed when the page exited on success and no
 * error finding exists, in progress while it (or a workload) runs.
 *
 * app-install-failed names the tracked app's ErrorHresult and the IME's
 * EnforcementStateMessage ErrorCode (an installer's exit code such as 1603,
 * or an HRESULT) with what they mean; the finding's code is the
 * ErrorHresult, else the ErrorCode as an HRESULT, and its exit code the
 * ErrorCode when that is the installer's exit code behind the same
 * HRESULT. esp-completed does not fire while the page's own status says a
 * phase that ran has not succeeded.
 *
 * Damaged input. A source of the registry is damaged when its source
 * property "damaged" is "yes"; a source whose property is "no" is not
 * (its warnings are notes, such as an opaque value kept); a source without
 * the property (hives, a caller's backend) is damaged when it left a
 * warning. Damage may have cut keys away or ended the file before the last
 * snapshot, so on a damaged input no rule concludes from a key being
 * absent or from a "last" snapshot. These conclusions are withheld:
 *
 *   no-esp-data, os-too-old-for-win32-tracking   (keys absent)
 *   tracking-policies-missing                    (TrackingPoliciesCreated absent)
 *   app-install-incomplete                       (HasProvisioningCompleted absent)
 *   account-setup-not-started                    (no user SID key)
 *   timeout-too-short, when SyncFailureTimeout is absent (the default assumed)
 *   msi-install-failed, its entries that never reached "processed"
 *                                                (its Status 30/60 half stays)
 *   cert-profile-pending, network-profile-pending, modern-app-pending
 *                                                (the last snapshot)
 *   esp-completed                                (nothing failed: unprovable)
 *   apv2-not-applied                             (PageSettings absent)
 *
 * Every other rule fires on evidence that was read and stays. The report
 * is then incomplete (espdiag_report_incomplete()), its outcome "failed"
 * when an error finding or a failed phase stands and "unknown" otherwise,
 * and input-damaged's detail names the withheld rule ids. input-damaged
 * itself fires on any warning, damage or not.
 *
 * Order. Findings without a phase come first, then device preparation,
 * device setup and account setup (users in the model's order); within one
 * phase errors, then warnings, then infos; otherwise in rule order.
 *
 * The report is self-contained: espdiag_diagnose() copies what it renders
 * (the model's enrollments, Autopilot profile, phases and items, and the
 * registry's source properties and warnings), so the model and the
 * registry may be freed before the report.
 *
 * JSON (espdiag_report_write_json()), one object on one line, ending in a
 * newline (JSON Lines):
 *
 *   {"schema":"espdiag-report/1","tool":{"name":"espdiag","version":"0.1.0"},
 *    "generated_at":"2026-11-30T14:11:09Z",
 *    "input":{"path":"...","format":"reg","encoding":"utf-16le","dialect":"dump",
 *             "member":null,"members":[],
 *             "warnings":[{"line":1,"column":1,"offset":0,"message":"..."}],
 *             "prefix":""},
 *    "summary":{"outcome":"failed","errors":1,"warnings":0,"infos":0,
 *               "incomplete":false},
 *    "scenario":{"name":"autopilot_v1","evidence":[{"key":...,"value":...,"data":...}]},
 *    "enrollments":[...],"autopilot":{...}|null,"phases":[...],"items":[...],
 *    "ime_apps":[...],"office":[...],"page":[...],"omadm":{...},
 *    "providers":[...],"setups":[...],
 *    "findings":[{"id":"app-install-failed","severity":"error",
 *                 "phase":"device_setup"|null,"title":"...","detail":"...",
 *                 "remediation":"...",
 *                 "evidence":[{"key":"HKEY_LOCAL_MACHINE\\...","value":"InstallationState"|null,
 *                              "data":"4 (error)"|null}],
 *                 "sources":[{"key":"HKEY_LOCAL_MACHINE\\...","value":"InstallationState"|null,
 *                             "type":"REG_DWORD"|null,"data":4|"..."|[...]|null,
 *                             "display":"4 (error)"|null}],
 *                 "sid":"S-1-12-1-..."|null,"error_code":"0x80070643"|null,
 *                 "subject":{"kind":"win32_app","id":"...","name":null,
 *                            "context":"device","sid":null}|null,
 *                 "error":{"hresult":"0x80070643","decimal":-2147023293,
 *                          "exit_code":1603|null,"symbol":"ERROR_INSTALL_FAILURE"|null,
 *                          "meaning":"..."|null,"community_only":false}|null}]}
 *
 * "enrollments" to "device_preparation" are the ESP model's
 * (espdiag_esp_write_json() with ESPDIAG_ESP_JSON_REPORT: phases and items
 * carry "sources"). "scenario" is espdiag_report_scenario()'s name and the
 * model's evidence for it (espdiag_esp_scenario_evidence_at()).
 * "generated_at" is when espdiag_diagnose() made the report, in UTC.
 * "input" describes the first source of the registry given in the options
 * (its members are null, and "warnings" empty, when none was given):
 * "member" the archive member read and "members" the others, "prefix"
 * where it is mounted in the view ("" the root); "warnings" lists the
 * warnings of every source. "incomplete" is espdiag_report_incomplete().
 *
 * Evidence has one shape wherever it appears (findings, phases, items,
 * providers, setups, the timeline): a "sources" list of {"key","value",
 * "type","data","display"}. "type" is the value's registry type name
 * ("REG_DWORD", "REG_0x4d2" for a number without a name; null when the
 * writer does not know it: the ESP model's lists, which give the number
 * it read), "data" the data typed (a number for a DWORD or QWORD, a
 * string for REG_SZ and REG_EXPAND_SZ, an array of strings for
 * REG_MULTI_SZ, lower-case hex for anything else; null when the value was
 * not found or the key itself is the evidence), "display" the text for
 * people (a finding's evidence data, such as "4 (error)"). A finding's
 * data is looked up in the registry of the options; without one, "type"
 * and "data" are null. input-damaged's evidence of a reader's warning has
 * "value" null, "display" the message, and "path", "line", "column" and
 * "offset" as in "input"'s "warnings" (its "evidence" objects gain the
 * same four members). Deprecated, kept with their meaning: a finding's
 * "evidence" (data as text), a phase's and an item's "evidence" (the key
 * as a string) and an item's "value" (the value name); use "sources".
 *
 * The command (espdiag(1)) writes, for an input it cannot read, a line of
 * the same schema with "schema", "tool", "generated_at", "input" ({"path",
 * "prefix"}), "error" ({"status": the ESPDIAG_E* number, "message"}) and
 * an empty "findings". The JSON Schema (draft 2020-12) of both kinds of
 * line is installed as $(datadir)/espdiag/schema/espdiag-report-1.schema.json.
 * espdiag-report/1 only ever gains members. "subject" is
 * espdiag_finding_subject() (null when none); "error" describes
 * "error_code" (null when the finding has none): the HRESULT in hex and as
 * a signed decimal, the installer's exit code when one was recorded
 * (espdiag_finding_exit_code()), and what the known-codes table says
 * (symbol and meaning null for a code it does not hold). Strings are valid
 * JSON whatever bytes the input held (control characters escaped, invalid
 * UTF-8 as \ufffd).
 *
 * Text (espdiag_report_write_text(), espdiag_text_write()) is for a
 * terminal: every character from the input that could drive one is
 * escaped. A C0 control (U+0000-U+001F, tab and newline included), DEL,
 * a C1 control (U+0080-U+009F), U+2028, U+2029 and the bidirectional
 * formatting characters (U+061C, U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069) are written as \uXXXX (four lower-case hex digits, as
 * JSON spells them), and each byte that is not part of valid UTF-8 as
 * \xHH. A backslash is written as is (registry paths are full of them),
 * so the text is for reading, not for parsing back.
 */
#ifndef ESPDIAG_DIAGNOSE_H
#define ESPDIAG_DIAGNOSE_H

#include <stdbool.h>
#include <stdio.h>
#include <espdiag/common.h>
#include <espdiag/registry.h>
#include <espdiag/esp.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct espdiag_report espdiag_report;
typedef struct espdiag_finding espdiag_finding;

typedef enum espdiag_severity {
	ESPDIAG_SEVERITY_INFO = 1,
	ESPDIAG_SEVERITY_WARNING = 2,
	ESPDIAG_SEVERITY_ERROR = 3
} espdiag_severity;
/* "info", "warning", "error"; else "unknown". Static. */
ESPDIAG_API const char *espdiag_severity_name(uint32_t severity);

typedef enum espdiag_outcome {
	ESPDIAG_OUTCOME_UNKNOWN = 0,     /* no ESP evidence, or not enough to say */
	ESPDIAG_OUTCOME_COMPLETED = 1,   /* esp-completed fired */
	ESPDIAG_OUTCOME_FAILED = 2,      /* an error finding or a failed phase */
	ESPDIAG_OUTCOME_IN_PROGRESS = 3  /* a phase is still running or has not started */
} espdiag_outcome;
/* "unknown", "completed", "failed", "in_progress"; else "unknown". Static. */
ESPDIAG_API const char *espdiag_outcome_name(uint32_t outcome);

/* --- the rule catalogue --- */

typedef struct espdiag_rule {
	const char *id;               /* "app-install-failed", ... */
	espdiag_severity severity;
	const char *summary;          /* one line: when it fires */
} espdiag_rule;

/* espdiag_rule_count - the number of rules in the catalogue. */
ESPDIAG_API size_t espdiag_rule_count(void);
/* espdiag_rule_at - the index-th rule (catalogue order), NULL past the end.
 * Ownership: static; do not free. */
ESPDIAG_API const espdiag_rule *espdiag_rule_at(size_t index);
/* espdiag_rule_find - the rule with this id, NULL when none. Static. */
ESPDIAG_API const espdiag_rule *espdiag_rule_find(const char *id);

/* --- known error codes --- */

/* The meaning is reported by the community (forums, blogs), not
 * documented by Microsoft. */
#define ESPDIAG_ERROR_COMMUNITY_ONLY 0x1u

typedef struct espdiag_error_info {
	uint32_t code;                /* the HRESULT */
	const char *symbol;           /* "ERROR_INSTALL_FAILURE", ...; NULL when none */
	const char *meaning;          /* one or two sentences, English */
	uint32_t flags;               /* ESPDIAG_ERROR_* */
} espdiag_error_info;

/*
 * espdiag_error_describe - what an HRESULT (such as a provider's LastError)
 * means in an ESP.
 * Returns ESPDIAG_OK with *out set, ESPDIAG_NOTFOUND (*out NULL) for a code
 * the library does not know, ESPDIAG_EINVAL when out is NULL.
 * Ownership: *out is static; do not free.
 */
ESPDIAG_API int espdiag_error_describe(const espdiag_error_info **out, uint32_t code);

/*
 * espdiag_error_describe_exit_code - what an installer's exit code (or the
 * IME's ErrorCode) means. A plain Win32 or Windows Installer error number
 * (1 to 65535, such as 1603) is looked up as the HRESULT Windows makes of
 * it (HRESULT_FROM_WIN32: 1603 is 0x80070643), as Intune's default return
 * codes read installer exit codes; a number that is itself an HRESULT
 * (negative as a signed 32-bit number, as the IME writes them, or 0x80000000
 * to 0xFFFFFFFF) is looked up as is. *out->code is the HRESULT.
 * Returns ESPDIAG_OK with *out set, ESPDIAG_NOTFOUND (*out NULL) for 0, for
 * another number, or for a code the library does not know; ESPDIAG_EINVAL
 * when out is NULL.
 * Ownership: *out is static; do not free.
 */
ESPDIAG_API int espdiag_error_describe_exit_code(const espdiag_error_info **out,
                                                 int64_t exit_code);

/* --- diagnosing --- */

/* Options for espdiag_diagnose(). Set up with ESPDIAG_DIAGNOSE_OPTIONS_INIT.
 * Fields are only ever appended; version tells the library which exist. */
typedef struct espdiag_diagnose_options {
	unsigned int version;
	/* Minutes each tracked app may take (timeout-too-short); 0 means the
	 * default, ESPDIAG_DIAGNOSE_DEFAULT_APP_MINUTES. */
	unsigned int app_minutes;
	/* Rules to leave out: a NULL-terminated list of ids, and/or a comma
	 * separated list of ids (spaces around ids ignored). NULL for none. An
	 * id the catalogue does not hold is an error (ESPDIAG_EINVAL). */
	const char *const *skip_rules;
	const char *skip_rules_csv;
	/* The registry the model was loaded from, or NULL: its sources'
	 * properties and warnings give the JSON "input" part and input-damaged. */
	const espdiag_registry *registry;
	/* Version 2. The bundle the registry came from, or NULL: its members
	 * give the JSON "input" its "bundle" object ({"format", "members":
	 * [{"name","kind","size","read","reason","summary"}]}; absent when NULL). */
	const struct espdiag_bundle *bundle;
} espdiag_diagnose_options;

#define ESPDIAG_DIAGNOSE_DEFAULT_APP_MINUTES 3u
#define ESPDIAG_DIAGNOSE_OPTIONS_VERSION 2
#define ESPDIAG_DIAGNOSE_OPTIONS_INIT { ESPDIAG_DIAGNOSE_OPTIONS_VERSION, 0, NULL, NULL, NULL, NULL }

/*
 * espdiag_diagnose - runs every rule (but the skipped ones) over esp.
 * opts may be NULL for the defaults.
 * Returns ESPDIAG_OK; ESPDIAG_EINVAL (NULL out or esp, unknown options
 * version, unknown rule id to skip), ESPDIAG_ENOMEM.
 * Ownership: *out must be freed with espdiag_report_free(); it keeps no
 * pointer into esp, opts or the registry (see the top of this header).
 */
ESPDIAG_API int espdiag_diagnose(espdiag_report **out, const espdiag_esp *esp,
                                 const espdiag_diagnose_options *opts);

/*
 * espdiag_diagnose_ex - espdiag_diagnose() that also says why it failed:
 * a diagnosis has no handle to keep a message on, so on failure *errmsg
 * (when errmsg is not NULL) is set to an English message, such as
 * 'no rule "app-install-faild" to skip (see espdiag_rule_at())' for an
 * unknown id in skip_rules or skip_rules_csv; NULL on success (and when
 * even the message could not be allocated).
 * Returns as espdiag_diagnose().
 * Ownership: *out as espdiag_diagnose(); *errmsg must be freed with
 * espdiag_free().
 */
ESPDIAG_API int espdiag_diagnose_ex(espdiag_report **out, char **errmsg, const espdiag_esp *esp,
                                    const espdiag_diagnose_options *opts);

/* espdiag_report_free - frees the report and everything it handed out. NULL is a no-op. */
ESPDIAG_API void espdiag_report_free(espdiag_report *report);

ESPDIAG_API espdiag_outcome espdiag_report_outcome(const espdiag_report *report);
/* The number of findings of that severity. */
ESPDIAG_API size_t espdiag_report_severity_count(const espdiag_report *report,
                                                 espdiag_severity severity);
/* True when a finding of error severity exists (the command's exit status 1). */
ESPDIAG_API bool espdiag_report_has_errors(const espdiag_report *report);
/* True when the input was damaged and conclusions were withheld (see the
 * top of this header; the command's exit status 4 when no error finding
 * exists). */
ESPDIAG_API bool espdiag_report_incomplete(const espdiag_report *report);

/* The scenario of the model the report was made from (espdiag_esp_scenario()). */
ESPDIAG_API espdiag_esp_scenario_kind espdiag_report_scenario(const espdiag_report *report);

/*
 * Findings, in report order (see the top of this header); *_at gives NULL
 * past the end. Every pointer and string returned below is owned by the
 * report; valid until espdiag_report_free(report).
 */
ESPDIAG_API size_t espdiag_report_finding_count(const espdiag_report *report);
ESPDIAG_API const espdiag_finding *espdiag_report_finding_at(const espdiag_report *report,
                                                             size_t index);

ESPDIAG_API const char *espdiag_finding_id(const espdiag_finding *finding);
ESPDIAG_API espdiag_severity espdiag_finding_severity(const espdiag_finding *finding);
/* The phase (espdiag_esp_phase), or 0 when the finding belongs to none. */
ESPDIAG_API uint32_t espdiag_finding_phase(const espdiag_finding *finding);
/* The user's SID of an account-setup finding; NULL for the device or none. */
ESPDIAG_API const char *espdiag_finding_sid(const espdiag_finding *finding);
ESPDIAG_API const char *espdiag_finding_title(const espdiag_finding *finding);
ESPDIAG_API const char *espdiag_finding_detail(const espdiag_finding *finding);
ESPDIAG_API const char *espdiag_finding_remediation(const espdiag_finding *finding);
/* The related HRESULT: ESPDIAG_OK with *out set, ESPDIAG_NOTFOUND when the
 * finding has none, ESPDIAG_EINVAL on NULL arguments. */
ESPDIAG_API int espdiag_finding_error_code(uint32_t *out, const espdiag_finding *finding);
/* The installer's exit code behind the error code (the IME's ErrorCode when
 * it is no HRESULT, such as 1603): ESPDIAG_OK with *out set,
 * ESPDIAG_NOTFOUND when none was recorded, ESPDIAG_EINVAL on NULL arguments. */
ESPDIAG_API int espdiag_finding_exit_code(int64_t *out, const espdiag_finding *finding);

/*
 * What a finding is about, so that a program never parses a title. Handed
 * out by const pointer: fields are only ever appended.
 *   kind     "win32_app", "msi_app", "modern_app", "network_profile",
 *            "certificate", "configmgr" or "other" (a tracked app of another
 *            provider), "provider" (a device-preparation provider),
 *            "policy_provider" (a Setup\Apps\PolicyProviders key), "office"
 *            (an OfficeCSP install), "phase" (a phase as a whole), "input"
 *            (the file read), "workload" (a device preparation workload: id
 *            its WorkloadId), "device_preparation_page" (the v2 page: id
 *            "device_preparation")
 *   id       a Win32 app's Intune app id (the GUID of Win32App_<guid>_<rev>),
 *            another tracked app's key name, an MSI product code, an item id
 *            as the ESPTrackingInfo URI names it, a provider's key name, a
 *            phase name ("device_setup", ...), an input's path
 *   name     a name for people when the evidence gives one, else NULL
 *   context  "device" or "user"
 *   sid      the user's SID in a user context, else NULL
 */
typedef struct espdiag_subject {
	const char *kind;
	const char *id;
	const char *name;
	const char *context;
	const char *sid;
} espdiag_subject;

/* The finding's subject; NULL for a finding about nothing specific
 * (no-esp-data, os-too-old-for-win32-tracking, esp-completed) or a NULL
 * finding. Owned by the report; valid until espdiag_report_free(). */
ESPDIAG_API const espdiag_subject *espdiag_finding_subject(const espdiag_finding *finding);

/* Evidence: the key path; the value name (NULL when the key itself, or its
 * absence, is the evidence); the data as text (NULL when none). NULL past
 * the end. */
ESPDIAG_API size_t espdiag_finding_evidence_count(const espdiag_finding *finding);
ESPDIAG_API const char *espdiag_finding_evidence_key(const espdiag_finding *finding, size_t index);
ESPDIAG_API const char *espdiag_finding_evidence_value(const espdiag_finding *finding,
                                                       size_t index);
ESPDIAG_API const char *espdiag_finding_evidence_data(const espdiag_finding *finding,
                                                      size_t index);

/* --- renderings --- */

/*
 * espdiag_report_write_text - the report for people: a summary line
 * ending in " - scenario NAME" (espdiag_esp_scenario_name()), the
 * findings without a phase, then each phase with its status and findings,
 * details, remedies and evidence indented. colour nonzero adds ANSI colour
 * (the caller decides: a tty and no NO_COLOR).
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL, ESPDIAG_ENOMEM or ESPDIAG_EIO (a
 * write failed).
 * Ownership: out stays the caller's.
 */
ESPDIAG_API int espdiag_report_write_text(const espdiag_report *report, int colour, FILE *out);

/* Options for espdiag_report_write_text_ex(). Set up with
 * ESPDIAG_TEXT_OPTIONS_INIT; fields are only ever appended. */
typedef struct espdiag_text_options {
	unsigned int version;
	int colour;             /* nonzero: ANSI colour */
	unsigned int width;     /* wrap lines at this many columns; 0: no wrapping */
	uint32_t flags;         /* ESPDIAG_TEXT_* */
	uint32_t min_severity;  /* leave out findings below this espdiag_severity; 0: none */
} espdiag_text_options;

/* Findings of one rule in one phase with the same remedy are shown as one
 * block: "N findings", each finding's title, detail and evidence, then the
 * remedy once. */
#define ESPDIAG_TEXT_GROUP 0x1u
#define ESPDIAG_TEXT_OPTIONS_VERSION 1
#define ESPDIAG_TEXT_OPTIONS_INIT { ESPDIAG_TEXT_OPTIONS_VERSION, 0, 0, 0, 0 }

/*
 * espdiag_report_write_text_ex - the text report with options: as
 * espdiag_report_write_text(), and the summary line names the archive
 * member that was read ("PATH (MEMBER): ..."); findings below
 * opts->min_severity are left out (the summary line still counts them and
 * says how many were not shown); ESPDIAG_TEXT_GROUP groups findings;
 * a width wraps each line at the last space that fits, continuation lines
 * indented two more (a word longer than the line, such as a registry path,
 * is not broken). opts NULL means ESPDIAG_TEXT_OPTIONS_INIT.
 * espdiag_report_write_text(r, colour, out) writes what it always wrote
 * (no member, no grouping, no wrapping).
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL (NULL report or out, unknown version,
 * flags or severity), ESPDIAG_ENOMEM or ESPDIAG_EIO (a write failed).
 * Ownership: out stays the caller's.
 */
ESPDIAG_API int espdiag_report_write_text_ex(const espdiag_report *report,
                                             const espdiag_text_options *opts, FILE *out);

/*
 * espdiag_report_write_json - the report as one JSON object on one line
 * with a final newline (see the top of this header).
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL or ESPDIAG_EIO.
 * Ownership: out stays the caller's.
 */
ESPDIAG_API int espdiag_report_write_json(const espdiag_report *report, FILE *out);

/*
 * espdiag_text_write - writes the string s for a terminal, with the escapes
 * of the text report (see the top of this header): for a program that
 * prints a finding's strings, or any string from the input, itself.
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL (NULL argument) or ESPDIAG_EIO.
 * Ownership: out stays the caller's.
 */
ESPDIAG_API int espdiag_text_write(FILE *out, const char *s);

/*
 * espdiag_report_to_json - as espdiag_report_write_json, into a string.
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL or ESPDIAG_ENOMEM.
 * Ownership: *out must be freed with espdiag_free().
 */
ESPDIAG_API int espdiag_report_to_json(char **out, const espdiag_report *report);


/* --- HTML: a report people look at --- */

/*
 * The HTML report is one self-contained HTML5 document (inline CSS and
 * SVG; no script, no external fetch: its Content-Security-Policy forbids
 * both) with light and dark colour schemes and a print style. Each input
 * is a section: an SVG Gantt chart of the ESP (a lane per phase, a row per
 * tracked item with bars coloured by state over time, failures marked,
 * each phase's timeout as a line; times in UTC), beside it the outcome,
 * the scenario and the findings grouped by phase with remediation and
 * evidence; below, the apps table, the input and its warnings. Several
 * inputs get an index. espdiag_html(3) describes the document.
 *
 * The chart needs the ESP model's timeline, which the report does not
 * copy: the writers take the model the report was diagnosed from (NULL
 * gives a section without chart and apps table, saying so). The HTML
 * handle renders a section when it is added, so the report and the model
 * may be freed right after espdiag_html_add().
 *
 * Every string from the input is escaped for where it goes (element text,
 * attribute, SVG title): & < > " ' as character references; C0 and C1
 * controls, DEL, U+2028, U+2029, the bidirectional controls and the
 * noncharacters as the visible text \uXXXX; each byte that is not valid
 * UTF-8 as U+FFFD.
 */

/* Options for the HTML writers. Set up with ESPDIAG_HTML_OPTIONS_INIT.
 * Fields are only ever appended; version tells the library which exist. */
typedef struct espdiag_html_options {
	unsigned int version;
	/* The document's title (UTF-8, escaped like input); NULL for
	 * "ESP report" (one input: "ESP report: " and its path). */
	const char *title;
} espdiag_html_options;

#define ESPDIAG_HTML_OPTIONS_VERSION 1
#define ESPDIAG_HTML_OPTIONS_INIT { ESPDIAG_HTML_OPTIONS_VERSION, NULL }

/* A document of one or more sections, built one input at a time. */
typedef struct espdiag_html espdiag_html;

/*
 * espdiag_html_new - an empty document. opts may be NULL for the defaults.
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL (NULL out, unknown options version)
 * or ESPDIAG_ENOMEM.
 * Ownership: *out must be freed with espdiag_html_free(); it keeps no
 * pointer into opts.
 */
ESPDIAG_API int espdiag_html_new(espdiag_html **out, const espdiag_html_options *opts);

/*
 * espdiag_html_add - renders report (and the timeline of esp, the model
 * it was diagnosed from, or NULL) as the document's next section.
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL (NULL html or report) or
 * ESPDIAG_ENOMEM.
 * Ownership: html keeps no pointer into report or esp.
 */
ESPDIAG_API int espdiag_html_add(espdiag_html *html, const espdiag_report *report,
                                 const espdiag_esp *esp);

/*
 * espdiag_html_add_error - adds a section for an input that could not be
 * read: its path and the message (both escaped like input; message may be
 * NULL). Returns ESPDIAG_OK, ESPDIAG_EINVAL (NULL html or path) or
 * ESPDIAG_ENOMEM. Ownership: html keeps no pointer into the strings.
 */
ESPDIAG_API int espdiag_html_add_error(espdiag_html *html, const char *path,
                                       const char *message);

/*
 * espdiag_html_write - writes the document: its head, an index when it
 * has more than one section, the sections in the order they were added.
 * A document without sections says so. May be called more than once.
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL or ESPDIAG_EIO (a write failed).
 * Ownership: out stays the caller's.
 */
ESPDIAG_API int espdiag_html_write(const espdiag_html *html, FILE *out);

/* espdiag_html_free - frees the document. NULL is a no-op. */
ESPDIAG_API void espdiag_html_free(espdiag_html *html);

/*
 * espdiag_report_write_html - the document of one input: espdiag_html_new(),
 * espdiag_html_add(), espdiag_html_write() and espdiag_html_free() in one
 * call. esp may be NULL (no chart); opts may be NULL.
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL (NULL report or out, unknown options
 * version), ESPDIAG_ENOMEM or ESPDIAG_EIO.
 * Ownership: out stays the caller's.
 */
ESPDIAG_API int espdiag_report_write_html(const espdiag_report *report, const espdiag_esp *esp,
                                          const espdiag_html_options *opts, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* ESPDIAG_DIAGNOSE_H */

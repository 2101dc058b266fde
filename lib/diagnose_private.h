/*
 * lib/diagnose_private.h - the report handle, shared by diagnose.c (the
 * rules) and report.c (accessors and renderings). Nothing else sees it.
 */
#ifndef ESPDIAG_DIAGNOSE_PRIVATE_H
#define ESPDIAG_DIAGNOSE_PRIVATE_H

#include <espdiag/bundle.h>
#include <espdiag/diagnose.h>

#include "internal.h"

/* Rule indexes: the catalogue order of diagnose.c's table. */
enum {
	RULE_NO_ESP_DATA,
	RULE_OS_TOO_OLD,
	RULE_PHASE_SKIPPED,
	RULE_IME_INSTALL_FAILED,
	RULE_PROVIDER_INSTALL_FAILED,
	RULE_PROVIDER_NOT_INSTALLED,
	RULE_TRACKING_POLICIES_MISSING,
	RULE_APP_INSTALL_FAILED,
	RULE_APP_INSTALL_INCOMPLETE,
	RULE_ACCOUNT_SETUP_NOT_STARTED,
	RULE_MIXED_MSI_WIN32,
	RULE_TIMEOUT_TOO_SHORT,
	RULE_MSI_INSTALL_FAILED,
	RULE_CERT_PROFILE_PENDING,
	RULE_NETWORK_PROFILE_PENDING,
	RULE_MODERN_APP_PENDING,
	RULE_REBOOT_REQUIRED,
	RULE_ESP_COMPLETED,
	RULE_INPUT_DAMAGED,
	RULE_OFFICE_INSTALL_FAILED,
	RULE_ESP_PHASE_FAILED,
	RULE_APV2_WORKLOAD_FAILED,
	RULE_APV2_PAGE_FAILED,
	RULE_APV2_TIMEOUT,
	RULE_APV2_NOT_APPLIED,
	RULE_APP_DETECTION_FAILED,
	RULE_APP_SLOW,
	RULE_ENROLLMENT_FAILED,
	RULE_ODJ_FAILED,
	RULE_HYBRID_REGISTRATION_FAILED,
	RULE_AUTOPILOT_NOT_REGISTERED,
	RULE_COUNT
};

extern const espdiag_rule diag_rules[RULE_COUNT];

typedef struct diag_evidence {
	const char *key;
	const char *value;
	const char *data;
	/* The value's type and data as JSON members ("type":"REG_DWORD",
	 * "data":4), from the registry when the report was made; NULL when the
	 * value was not found (see diag_report_type_evidence()). */
	const char *typed;
	/* A reader's warning (input-damaged): where it was. */
	bool has_position;
	uint64_t line, column, offset;
} diag_evidence;

struct espdiag_finding {
	size_t rule;                 /* RULE_* */
	uint32_t phase;              /* espdiag_esp_phase, 0 for none */
	const char *sid;
	size_t user;                 /* order of the sid among the users */
	size_t seq;                  /* creation order */
	const char *title;
	const char *detail;
	const char *remediation;
	bool has_code;
	uint32_t code;
	bool has_exit_code;
	int64_t exit_code;           /* the installer's, behind code */
	bool has_subject;
	espdiag_subject subject;     /* strings in the arena */
	diag_evidence *evidence;     /* malloc'd */
	size_t evidence_count;
	size_t evidence_cap;
};

/* A copy of one phase of the model. */
typedef struct diag_phase {
	uint32_t phase;
	uint32_t status;
	const char *sid;
	const char *key;
} diag_phase;

struct espdiag_report {
	esp_arena arena;             /* every string and finding */
	espdiag_finding **findings;  /* malloc'd, report order */
	size_t finding_count;
	size_t finding_cap;
	diag_phase *phases;          /* arena */
	size_t phase_count;
	char *model_json;            /* malloc'd: the model's JSON members */
	size_t model_json_len;
	bool has_input;
	const char *path, *format, *encoding, *dialect;
	const char *member;  /* the archive member read, NULL for a plain file */
	const char *members; /* the other members seen, one per line */
	const char *bundle_format;   /* NULL: no bundle given */
	espdiag_member *bundle_members; /* arena, strings in the arena */
	size_t bundle_member_count;
	espdiag_warning *warnings;   /* arena, messages in the arena */
	size_t warning_count;
	espdiag_outcome outcome;
	size_t errors, warnings_n, infos;
	bool incomplete;             /* damaged input: conclusions withheld */
	/* Appended: the scenario (copied from the model) and whether the ESP
	 * (v1) part applies, for the renderings. */
	uint32_t scenario;           /* espdiag_esp_scenario_kind */
	diag_evidence *scenario_evidence; /* arena */
	size_t scenario_evidence_count;
	bool v1;                     /* the ESP phases are shown (diag_v1_applies) */
	bool has_devprep;            /* device preparation was in use: its page status below */
	bool has_devprep_status;
	uint32_t devprep_status;     /* PageStatus */
	const char *prefix;          /* where the first source is mounted */
	int64_t generated_at;        /* when espdiag_diagnose() made it, Unix seconds */
};

/* Looks each finding's evidence up in reg and records its type and typed
 * data (report.c). Returns ESPDIAG_OK or ESPDIAG_ENOMEM. */
int diag_report_type_evidence(espdiag_report *r, const espdiag_registry *reg);

/* The HRESULT of an installer exit code or an IME ErrorCode (see
 * espdiag_error_describe_exit_code()); false for 0 or a number that is
 * neither a Win32 error number nor an HRESULT. */
bool diag_exit_code_hresult(int64_t exit_code, uint32_t *out);

#endif /* ESPDIAG_DIAGNOSE_PRIVATE_H */

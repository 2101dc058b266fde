/*
 * lib/diagnose_run.h - what the rule files share while one diagnosis runs:
 * the run (the report being built, the options, what the damage withheld)
 * and the helpers that add findings, evidence and subjects. diagnose.c
 * owns the run and the core rules; each rule group in a file of its own
 * (diagnose_page.c: the ESP page's own status and Office) adds through
 * these.
 */
#ifndef ESPDIAG_DIAGNOSE_RUN_H
#define ESPDIAG_DIAGNOSE_RUN_H

#include "diagnose_private.h"

typedef struct msi_ref {
	const espdiag_esp_msi_app *m;
	size_t index;                     /* registry order, to break ties */
} msi_ref;

typedef struct diag_run {
	espdiag_report *r;
	const espdiag_esp *esp;
	const espdiag_esp_first_sync *fs; /* of the primary enrollment, or NULL */
	unsigned int app_minutes;
	bool skip[RULE_COUNT];
	size_t seq;
	bool error_seen;                  /* an error rule fired, skipped or not */
	bool damaged;                     /* a source is damaged: see diag_add_absent() */
	bool withheld[RULE_COUNT];        /* what the damage stopped, for input-damaged */
	msi_ref *msi;                     /* malloc'd, by product code (case-insensitive) */
	size_t msi_count;
	int rc;                           /* first ENOMEM */
	const char *bad_id;               /* an unknown id to skip (not NUL-terminated) */
	size_t bad_id_len;
} diag_run;

/* printf into the report's arena; "" (and x->rc set) when out of memory. */
const char *diag_fmt(diag_run *x, const char *f, ...) ESP_PRINTF(2, 3);
/* A copy of s in the report's arena (NULL for NULL). */
const char *diag_keep(diag_run *x, const char *s);

/* A new finding of rule in phase (0: none) for sid; NULL when skipped or
 * out of memory. The texts must live in the arena (diag_fmt) or be static. */
espdiag_finding *diag_add(diag_run *x, size_t rule, uint32_t phase, const char *sid,
                          const char *title, const char *detail, const char *remediation);
/* diag_add() for a conclusion drawn from a key being absent or from a
 * "last" snapshot: withheld (NULL) on damaged input. */
espdiag_finding *diag_add_absent(diag_run *x, size_t rule, uint32_t phase, const char *sid,
                                 const char *title, const char *detail,
                                 const char *remediation);
/* Evidence (strings copied); a NULL finding is ignored, as below. */
void diag_ev(diag_run *x, espdiag_finding *f, const char *key, const char *value,
             const char *data);
/* The related HRESULT. */
void diag_set_code(espdiag_finding *f, uint32_t code);
/* The subject (strings copied; kind static); context "device" or "user"
 * from sid, or as given. */
void diag_subject(diag_run *x, espdiag_finding *f, const char *kind, const char *id,
                  const char *name, const char *sid);
void diag_subject_ctx(diag_run *x, espdiag_finding *f, const char *kind, const char *id,
                      const char *name, const char *context, const char *sid);

/* "3 (completed)" for a present DWORD (name may be NULL), NULL when absent. */
const char *diag_u32_text(diag_run *x, espdiag_esp_u32 v, const char *(*name)(uint32_t));
/* "0x80070643 (ERROR_INSTALL_FAILURE: ...)" for details. */
const char *diag_code_text(diag_run *x, uint32_t code);
/* "device setup" or "account setup of user <sid>". */
const char *diag_context_text(diag_run *x, const char *sid);
/* device setup, or account setup for a user. */
uint32_t diag_context_phase(const char *sid);

/* The rule groups of diagnose_page.c: office-install-failed, esp-phase-failed. */
void diag_rule_office(diag_run *x);
void diag_rule_page(diag_run *x);

/* diagnose_v2.c: device preparation (v2). diag_v1_applies is the one
 * place that decides whether the ESP (v1) rule group runs: not on a device
 * that went through device preparation and has no ESP keys. */
bool diag_v1_applies(const espdiag_esp *esp);
/* apv2-workload-failed, apv2-page-failed, apv2-timeout, apv2-not-applied. */
void diag_rule_v2(diag_run *x);
/* What device preparation adds to the outcome (the page ended well, or is
 * still running); failures come through the findings. */
void diag_v2_outcome(const espdiag_esp *esp, bool *completed, bool *running);

/* diagnose_apps.c: what the IME logs (a bundle's) say about one app, for
 * app-install-failed: its name and the attempt that failed, with the
 * sentence for the detail ("" when the logs say nothing). */
typedef struct diag_app_log {
	const espdiag_esp_log_app *app;      /* NULL when the logs do not name the app */
	const char *name;                    /* its name, NULL when unknown */
	const espdiag_esp_attempt *attempt;  /* the last attempt, when it failed */
	bool has_exit_code;
	uint32_t exit_code;                  /* that attempt's lpExitCode */
	bool has_code;
	uint32_t code;                       /* the exit code as an HRESULT */
	const char *text;
} diag_app_log;
diag_app_log diag_app_log_of(diag_run *x, const char *app_guid);
/* The failed attempt's log records as the finding's evidence (file, line). */
void diag_app_log_evidence(diag_run *x, espdiag_finding *f, const diag_app_log *l);
/* app-detection-failed, app-slow. */
void diag_rule_apps_logs(diag_run *x);
/* diagnose_bundle.c: what only a bundle holds (event logs, the ZTD file):
 * enrollment-failed, odj-failed, hybrid-registration-failed,
 * autopilot-not-registered. */
void diag_rule_bundle(diag_run *x);

#endif /* ESPDIAG_DIAGNOSE_RUN_H */

/*
 * lib/diagnose_apps.c - the rules that read the IME logs' apps and
 * attempts (espdiag_esp_log_app, from a bundle's logs): app-detection-failed
 * and app-slow; and what the logs add to app-install-failed (diagnose.c):
 * the app's name, the installer's exit code and its meaning, and the log
 * records as evidence (file and line).
 *
 * Log patterns these rules rest on (lib/imelog.c's table says where each
 * was seen; EVIDENCE.md section 4 lists those seen on real devices):
 *   "[Win32App] lpExitCode 1603"                           the installer's exit code
 *   "Admin did NOT set mapping for lpExitCode: N of app: <id>"  no return code maps it
 *   "Setting enforcementState as: Error with lpExitCode: N"     the IME failed it
 *   "applicationDetected: False", "... detection state: NotDetected"
 *                                                           detection after the install
 *   "Launch Win32AppInstaller in ...", "Installation is done, collecting result"
 *                                                           the install's start and end
 * 0x87D1041C (-2016345060) is Intune's "The application was not detected
 * after installation completed successfully": Microsoft Learn lists the
 * code and message (https://learn.microsoft.com/troubleshoot/mem/intune/
 * app-management/app-install-error-codes, in its Android table), and the
 * Intune admin center shows the same message for Win32 apps whose
 * detection rule fails after the installer succeeded (an admin's report:
 * github.com/svrooij/WingetIntune discussion 52); lib/errors.c's table.
 */
#include "diagnose_run.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Intune: installed, then not detected (lib/errors.c). */
#define NOT_DETECTED_HRESULT 0x87d1041cu

/* app-slow: an install that took at least this share (percent) of the
 * ESP's SyncFailureTimeout. The ESP times the whole phase, so one app
 * taking half of it leaves the rest too little room; a judgment call. */
#define SLOW_SHARE_PERCENT 50u

/* "\"7-Zip\" (guid)" or the id alone. */
static const char *log_app_label(diag_run *x, const espdiag_esp_log_app *a)
{
	if (a->name != NULL)
		return diag_fmt(x, "\"%s\" (%s)", a->name, a->id);
	return diag_fmt(x, "Win32 app %s", a->id);
}

/* One log record as a finding's evidence: the file, "line N" and the
 * record's message; the position members of the JSON say file and line. */
static void log_ev(diag_run *x, espdiag_finding *f, const espdiag_esp_log_ref *r)
{
	if (f == NULL || r == NULL)
		return;
	diag_ev(x, f, r->file, diag_fmt(x, "line %" PRIu64, r->line), r->message);
	if (x->rc == ESPDIAG_OK) {
		diag_evidence *e = &f->evidence[f->evidence_count - 1];
		e->has_position = true;
		e->line = r->line;
	}
}

/* "1603 (0x80070643, ERROR_INSTALL_FAILURE: ...)" */
static const char *exit_text(diag_run *x, const espdiag_esp_attempt *a)
{
	const espdiag_error_info *info;
	if (a->exit_code == 0)
		return "0 (success)";
	if (espdiag_error_describe_exit_code(&info, a->exit_code) == ESPDIAG_OK)
		return diag_fmt(x, "%" PRIu32 " (0x%08" PRIx32 "%s%s: %s%s)", a->exit_code, info->code,
		                info->symbol ? ", " : "", info->symbol ? info->symbol : "",
		                info->meaning,
		                (info->flags & ESPDIAG_ERROR_COMMUNITY_ONLY)
		                    ? " This meaning is community-reported, not documented by Microsoft."
		                    : "");
	if (a->has_hresult)
		return diag_fmt(x, "%" PRIu32 " (0x%08" PRIx32 ", a code the library does not know)",
		                a->exit_code, a->hresult);
	return diag_fmt(x, "%" PRIu32 " (a code the library does not know)", a->exit_code);
}

static const espdiag_esp_attempt *last_attempt(const espdiag_esp_log_app *a)
{
	return a && a->attempt_count ? a->attempts[a->attempt_count - 1] : NULL;
}

diag_app_log diag_app_log_of(diag_run *x, const char *app_guid)
{
	diag_app_log l = { .text = "" };
	l.app = app_guid ? espdiag_esp_log_app_find(x->esp, app_guid) : NULL;
	l.name = l.app ? l.app->name : NULL;
	/* The last attempt that did not succeed: the one that failed it. */
	for (size_t i = l.app ? l.app->attempt_count : 0; i-- > 0;) {
		const espdiag_esp_attempt *a = l.app->attempts[i];
		if (a->outcome == ESPDIAG_ESP_ATTEMPT_FAILED ||
		    a->outcome == ESPDIAG_ESP_ATTEMPT_NOT_DETECTED) {
			l.attempt = a;
			break;
		}
		if (a->outcome == ESPDIAG_ESP_ATTEMPT_SUCCEEDED)
			break;
	}
	const espdiag_esp_attempt *a = l.attempt;
	if (a == NULL)
		return l;
	if (a->has_exit_code && a->exit_code_ref != NULL) {
		const espdiag_error_info *info;
		l.has_exit_code = true;
		l.exit_code = a->exit_code;
		if (espdiag_error_describe_exit_code(&info, a->exit_code) == ESPDIAG_OK) {
			l.has_code = true;
			l.code = info->code;
		} else if (a->has_hresult) {
			l.has_code = true;
			l.code = a->hresult;
		}
		l.text = diag_fmt(x,
		                  " The IME log %s, line %" PRIu64 ", gives attempt %" PRIu32
		                  "'s installer exit code %s%s.",
		                  a->exit_code_ref->file, a->exit_code_ref->line, a->number,
		                  exit_text(x, a),
		                  a->exit_code_unmapped ? "; no return code of the app maps it" : "");
	} else if (a->enforcement_ref != NULL) {
		l.text = diag_fmt(x, " The IME log %s, line %" PRIu64 ", sets attempt %" PRIu32
		                  "'s enforcement state to %s.",
		                  a->enforcement_ref->file, a->enforcement_ref->line, a->number,
		                  a->enforcement_state ? a->enforcement_state : "?");
	}
	return l;
}

void diag_app_log_evidence(diag_run *x, espdiag_finding *f, const diag_app_log *l)
{
	const espdiag_esp_attempt *a = l->attempt;
	if (a == NULL || f == NULL)
		return;
	const espdiag_esp_log_ref *refs[] = { a->install_start, a->install_end, a->install_timeout,
		                              a->exit_code_ref, a->enforcement_ref, a->detection_ref };
	for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			dup |= refs[j] == refs[i];
		if (!dup)
			log_ev(x, f, refs[i]);
	}
}

/* The tracked app of guid (device first), NULL when the ESP tracks none. */
static const espdiag_esp_app *tracked_app(const espdiag_esp *esp, const char *guid)
{
	size_t nu = espdiag_esp_user_setup_count(esp);
	for (size_t i = 0; i <= nu; i++) {
		const espdiag_esp_setup *s = i == 0 ? espdiag_esp_device_setup(esp)
		                                    : espdiag_esp_user_setup_at(esp, i - 1);
		for (size_t j = 0; s && j < s->app_count; j++)
			if (s->apps[j]->app_guid && strcasecmp(s->apps[j]->app_guid, guid) == 0)
				return s->apps[j];
	}
	return NULL;
}

static bool ime_not_detected(const espdiag_esp_ime_app *m)
{
	return m != NULL && m->has_enforcement_error &&
	       (uint32_t)m->enforcement_error == NOT_DETECTED_HRESULT;
}

/* app-detection-failed for one app: its last attempt was not detected
 * (log), or the registry holds 0x87D1041C for it. */
static void detection_finding(diag_run *x, const char *guid, const espdiag_esp_log_app *la,
                              const espdiag_esp_attempt *a, const espdiag_esp_app *t)
{
	const char *name = la ? la->name : t ? t->name : NULL;
	const char *label = la ? log_app_label(x, la)
	                       : name ? diag_fmt(x, "\"%s\" (%s)", name, guid)
	                              : diag_fmt(x, "Win32 app %s", guid);
	const char *sid = t ? t->sid : NULL;
	const char *logtext = "";
	if (a != NULL) {
		const char *ec = a->has_exit_code
		                     ? diag_fmt(x, " with exit code %s", exit_text(x, a))
		                     : "";
		logtext = diag_fmt(x,
		                   " The IME logs show attempt %" PRIu32 ": the installer finished%s, "
		                   "then detection said %s%s.",
		                   a->number, ec, a->detection_state ? a->detection_state : "NotDetected",
		                   a->detection_ref
		                       ? diag_fmt(x, " (%s, line %" PRIu64 ")", a->detection_ref->file,
		                                  a->detection_ref->line)
		                       : "");
	}
	espdiag_finding *f = diag_add(
		x, RULE_APP_DETECTION_FAILED, t ? diag_context_phase(sid) : 0, sid,
		diag_fmt(x, "%s installed but was not detected", label),
		diag_fmt(x,
		         "The installer of %s reported success, but the app's detection rule did not "
		         "find it afterwards (0x87D1041C: the app was not detected after installation "
		         "completed successfully), so Intune counts the install as failed.%s",
		         label, logtext),
		"Compare the app's detection rule in Intune (file or folder path and version, "
		"registry key, MSI product code, or script) with what the installer leaves on the "
		"device; a 32-bit installer writes under WOW6432Node and Program Files (x86). Fix "
		"the rule or the install command.");
	if (f == NULL)
		return;
	diag_subject(x, f, "win32_app", guid, name, sid);
	diag_set_code(f, NOT_DETECTED_HRESULT);
	if (a != NULL) {
		const espdiag_esp_log_ref *refs[] = { a->install_end, a->exit_code_ref,
			                              a->detection_ref };
		for (size_t i = 0; i < 3; i++)
			if (refs[i] != NULL && (i == 0 || refs[i] != refs[i - 1]))
				log_ev(x, f, refs[i]);
	}
	if (t != NULL && t->error_hresult.has)
		diag_ev(x, f, t->key, "ErrorHresult",
		        diag_fmt(x, "0x%08" PRIx32, t->error_hresult.value));
	if (t != NULL && ime_not_detected(t->ime))
		diag_ev(x, f, t->ime->enforcement_key, t->ime->enforcement_value,
		        diag_fmt(x, "ErrorCode %" PRId64, t->ime->enforcement_error));
}

static void rule_detection(diag_run *x)
{
	const espdiag_esp *esp = x->esp;
	size_t n = espdiag_esp_log_app_count(esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_log_app *la = espdiag_esp_log_app_at(esp, i);
		const espdiag_esp_attempt *a = last_attempt(la);
		if (a == NULL || a->outcome != ESPDIAG_ESP_ATTEMPT_NOT_DETECTED)
			continue;
		detection_finding(x, la->id, la, a, tracked_app(esp, la->id));
	}
	/* The registry's word alone: a tracked app whose ErrorHresult (or IME
	 * ErrorCode) is 0x87D1041C, when the logs did not already say so. */
	size_t nu = espdiag_esp_user_setup_count(esp);
	for (size_t i = 0; i <= nu; i++) {
		const espdiag_esp_setup *s = i == 0 ? espdiag_esp_device_setup(esp)
		                                    : espdiag_esp_user_setup_at(esp, i - 1);
		for (size_t j = 0; s && j < s->app_count; j++) {
			const espdiag_esp_app *t = s->apps[j];
			if (t->app_guid == NULL ||
			    !((t->error_hresult.has && t->error_hresult.value == NOT_DETECTED_HRESULT) ||
			      ime_not_detected(t->ime)))
				continue;
			const espdiag_esp_log_app *la = espdiag_esp_log_app_find(esp, t->app_guid);
			const espdiag_esp_attempt *a = last_attempt(la);
			if (a != NULL && a->outcome == ESPDIAG_ESP_ATTEMPT_NOT_DETECTED)
				continue; /* said above */
			detection_finding(x, t->app_guid, la, NULL, t);
		}
	}
}

/* app-slow: the longest install of each app against the ESP timeout. */
static void rule_slow(diag_run *x)
{
	const espdiag_esp *esp = x->esp;
	if (x->fs == NULL)
		return; /* no ESP timeout to compare with */
	uint32_t timeout = x->fs->timeout_minutes;
	if (timeout == 0)
		return;
	int64_t limit_ms = (int64_t)timeout * 60000;
	size_t n = espdiag_esp_log_app_count(esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_log_app *la = espdiag_esp_log_app_at(esp, i);
		const espdiag_esp_attempt *slow = NULL;
		for (size_t j = 0; j < la->attempt_count; j++) {
			const espdiag_esp_attempt *a = la->attempts[j];
			if (a->has_install_duration &&
			    (slow == NULL || a->install_duration_ms > slow->install_duration_ms))
				slow = a;
		}
		if (slow == NULL || slow->install_duration_ms * 100 < limit_ms * SLOW_SHARE_PERCENT)
			continue;
		int64_t secs = slow->install_duration_ms / 1000;
		int64_t share = slow->install_duration_ms * 100 / limit_ms;
		const espdiag_esp_app *t = tracked_app(esp, la->id);
		const espdiag_esp_log_ref *end = slow->install_end ? slow->install_end
		                                                   : slow->install_timeout;
		espdiag_finding *f = diag_add(
			x, RULE_APP_SLOW, t ? diag_context_phase(t->sid) : 0, t ? t->sid : NULL,
			diag_fmt(x, "%s took %" PRId64 " min %02" PRId64 " s to install, %" PRId64
			         "%% of the ESP timeout", log_app_label(x, la), secs / 60, secs % 60, share),
			diag_fmt(x,
			         "Attempt %" PRIu32 " of %s ran its installer from %s to %s (local time): "
			         "%" PRId64 " min %02" PRId64 " s, %" PRId64 "%% of the ESP's "
			         "SyncFailureTimeout of %" PRIu32 " minutes%s. One app taking %u%% or "
			         "more of the timeout leaves the other apps of the phase too little time.",
			         slow->number, log_app_label(x, la), slow->install_start->local_time,
			         end->local_time, secs / 60, secs % 60, share, timeout,
			         x->fs->timeout_is_default ? " (the default: the value is absent)" : "",
			         SLOW_SHARE_PERCENT),
			"Make the install faster (a smaller package, no bundled prerequisites, a silent "
			"switch that skips optional work), raise the ESP's timeout in the enrollment "
			"status page profile, or take the app off the ESP's blocking apps and let it "
			"install after setup.");
		if (f == NULL)
			continue;
		diag_subject(x, f, "win32_app", la->id, la->name, t ? t->sid : NULL);
		log_ev(x, f, slow->install_start);
		log_ev(x, f, end);
		diag_ev(x, f, x->fs->key, "SyncFailureTimeout",
		        x->fs->sync_failure_timeout.has
		            ? diag_fmt(x, "%" PRIu32, x->fs->sync_failure_timeout.value)
		            : "absent");
	}
}

void diag_rule_apps_logs(diag_run *x)
{
	rule_detection(x);
	rule_slow(x);
}

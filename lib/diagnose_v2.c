/*
 * lib/diagnose_v2.c - the rules of Autopilot device preparation ("v2"):
 * apv2-workload-failed, apv2-page-failed, apv2-timeout, apv2-not-applied;
 * and the one place that decides whether the ESP (v1) rules apply at all
 * (diag_v1_applies) and what device preparation adds to the outcome.
 *
 * They read espdiag_esp_devprep_info() and the IME's workloads. Their
 * findings belong to no ESP phase (phase 0): device preparation has one
 * page of its own, not the ESP's three phases.
 */
#include "diagnose_run.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The timeout HRESULT (ERROR_TIMEOUT), as the ESP page uses it
 * (EVIDENCE.md §2); a judgment call that the v2 page reports its timeout
 * the same way. */
#define TIMEOUT_HRESULT 0x800705b4u

bool diag_v1_applies(const espdiag_esp *esp)
{
	/* The ESP rules read FirstSync and EnrollmentStatusTracking; a device
	 * that went through device preparation and has neither has nothing
	 * for them (and no-esp-data would be the wrong answer). A device with
	 * both keeps both rule groups, each on its own evidence. */
	bool esp_evidence =
		espdiag_esp_primary_enrollment(esp) != NULL || espdiag_esp_has_tracking(esp);
	return esp_evidence || !espdiag_esp_devprep_info(esp)->in_use;
}

void diag_v2_outcome(const espdiag_esp *esp, bool *completed, bool *running)
{
	const espdiag_esp_devprep *d = espdiag_esp_devprep_info(esp);
	if (!d->in_use)
		return;
	if (d->page_status.number.has) {
		uint32_t st = d->page_status.number.value;
		*completed |= st == ESPDIAG_ESP_DEVPREP_EXITED_ON_SUCCESS;
		*running |= st == ESPDIAG_ESP_DEVPREP_ENABLED || st == ESPDIAG_ESP_DEVPREP_IN_PROGRESS;
	}
	size_t n = espdiag_esp_workload_count(esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_workload *w = espdiag_esp_workload_at(esp, i);
		*running |= w->state.has && w->state.value == ESPDIAG_ESP_WORKLOAD_IN_PROGRESS;
	}
}

/* A workload for people: its name and id, or what there is. */
static const char *workload_label(diag_run *x, const espdiag_esp_workload *w)
{
	if (w->name != NULL && w->id != NULL)
		return diag_fmt(x, "\"%s\" (%s)", w->name, w->id);
	if (w->name != NULL || w->id != NULL)
		return diag_fmt(x, "\"%s\"", w->name ? w->name : w->id);
	return diag_fmt(x, "Workloads[%zu]", w->index);
}

static const char *state_text(diag_run *x, const espdiag_esp_workload *w)
{
	if (w->state.has)
		return diag_fmt(x, "%" PRIu32 " (%s)", w->state.value,
		                espdiag_esp_workload_state_name(w->state.value));
	return w->state_raw ? diag_fmt(x, "\"%s\"", w->state_raw) : "absent";
}

static void workload_evidence(diag_run *x, espdiag_finding *f, const espdiag_esp_workload *w)
{
	const char *ec = w->has_error_code ? diag_fmt(x, ", ErrorCode %" PRId64, w->error_code) : "";
	diag_ev(x, f, w->key, w->value,
	        diag_fmt(x, "Workloads[%zu]: WorkloadId %s, WorkloadState %s%s", w->index,
	                 w->id ? w->id : "absent", state_text(x, w), ec));
}

static void workload_subject(diag_run *x, espdiag_finding *f, const espdiag_esp_workload *w)
{
	diag_subject(x, f, "workload",
	             w->id ? w->id : diag_fmt(x, "Workloads[%zu]", w->index), w->name, NULL);
}

static void rule_workloads(diag_run *x)
{
	size_t n = espdiag_esp_workload_count(x->esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_workload *w = espdiag_esp_workload_at(x->esp, i);
		if (!w->state.has || w->state.value != ESPDIAG_ESP_WORKLOAD_FAILED)
			continue;
		/* ErrorCode 0 is the IME's "no error". A positive number below
		 * 2^31 is an installer's or script's exit code; the rest are
		 * HRESULTs (signed as the IME writes them, or unsigned). */
		int64_t ec = w->error_code;
		bool has_ec = w->has_error_code && ec != 0;
		uint32_t hr = 0;
		bool is_hr = has_ec && diag_exit_code_hresult(ec, &hr);
		bool is_exit = has_ec && ec > 0 && ec < 0x80000000LL;
		const char *code = !has_ec ? " It gives no error code."
		                   : is_hr ? diag_fmt(x, " Its ErrorCode is %" PRId64 "%s: %s.", ec,
		                                      is_exit ? ", an exit code" : "",
		                                      diag_code_text(x, hr))
		                           : diag_fmt(x, " Its ErrorCode is %" PRId64 ".", ec);
		const char *when = "";
		if (w->has_start && w->has_end)
			when = diag_fmt(x, " It ran from %s to %s.", w->start_utc, w->end_utc);
		else if (w->has_start)
			when = diag_fmt(x, " It started at %s.", w->start_utc);
		/* The IME logs' attempts of the same app (a bundle's; issue 15):
		 * the failed attempt's exit code and records. */
		diag_app_log lg = diag_app_log_of(x, w->app_id);
		espdiag_finding *f = diag_add(
			x, RULE_APV2_WORKLOAD_FAILED, 0, NULL,
			diag_fmt(x, "Device preparation: %s failed",
			         w->name ? diag_fmt(x, "\"%s\"", w->name) : workload_label(x, w)),
			diag_fmt(x,
			         "The IME's ProvisioningProgress lists the workload %s in WorkloadState "
			         "4 (failed): the device preparation page tracked it and it did not "
			         "install.%s%s%s",
			         workload_label(x, w), code, when, lg.text),
			diag_fmt(x,
			         "Open the app or script %s in Intune (Apps > All apps, or Devices > "
			         "Scripts and remediations; the id is in its address) and its device "
			         "status; on the device, read C:\\ProgramData\\Microsoft\\"
			         "IntuneManagementExtension\\Logs\\AppWorkload.log (or "
			         "IntuneManagementExtension.log) for its attempts. Fix it, or take it out "
			         "of the device preparation policy's apps and scripts.",
			         w->id ? w->id : "named above"));
		workload_subject(x, f, w);
		workload_evidence(x, f, w);
		if (f != NULL && is_hr) {
			diag_set_code(f, hr);
			f->has_exit_code = is_exit;
			f->exit_code = ec;
		} else if (f != NULL && lg.has_code) {
			diag_set_code(f, lg.code);
			f->has_exit_code = lg.has_exit_code;
			f->exit_code = lg.exit_code;
		}
		diag_app_log_evidence(x, f, &lg);
	}
}

static const char *value_text(diag_run *x, const espdiag_esp_devprep_value *v)
{
	return v->text ? v->text : diag_fmt(x, "(type without data)");
}

static void value_evidence(diag_run *x, espdiag_finding *f, const espdiag_esp_devprep_value *v)
{
	if (v->key != NULL)
		diag_ev(x, f, v->key, v->name, value_text(x, v));
}

/* An error code's evidence in hex, as HRESULTs are read. */
static void code_evidence(diag_run *x, espdiag_finding *f, const espdiag_esp_devprep_value *v)
{
	if (v->key != NULL && v->number.has)
		diag_ev(x, f, v->key, v->name, diag_fmt(x, "0x%08" PRIx32, v->number.value));
	else
		value_evidence(x, f, v);
}

static void rule_page(diag_run *x)
{
	const espdiag_esp_devprep *d = espdiag_esp_devprep_info(x->esp);
	if (!d->page_status.number.has ||
	    d->page_status.number.value != ESPDIAG_ESP_DEVPREP_EXITED_ON_FAILURE)
		return;
	const char *phase = d->page_error_phase.key
	                            ? diag_fmt(x, " PageErrorPhase is %s.",
	                                       value_text(x, &d->page_error_phase))
	                            : "";
	const char *code = "";
	if (d->page_error_code.number.has)
		code = diag_fmt(x, " PageErrorCode is %s.",
		                diag_code_text(x, d->page_error_code.number.value));
	else if (d->page_error_code.key)
		code = diag_fmt(x, " PageErrorCode is %s.", value_text(x, &d->page_error_code));
	const char *details = d->page_error_details.key
	                              ? diag_fmt(x, " PageErrorDetails: \"%s\".",
	                                         value_text(x, &d->page_error_details))
	                              : "";
	const char *message = d->error_message && *d->error_message
	                              ? diag_fmt(x, " The user saw the policy's error message: "
	                                            "\"%s\".",
	                                         d->error_message)
	                              : "";
	espdiag_finding *f = diag_add(
		x, RULE_APV2_PAGE_FAILED, 0, NULL, "The device preparation page exited on failure",
		diag_fmt(x, "PageStatus is 4 (exited_on_failure): device preparation stopped before "
		            "the desktop.%s%s%s%s",
		         phase, code, details, message),
		"The error phase and code say which step failed; apv2-workload-failed findings name "
		"the apps and scripts that failed. Fix that step (or the workload), then reset the "
		"device and start over; allow skipping on failure in the device preparation policy "
		"only if the user may work without it.");
	diag_subject(x, f, "device_preparation_page", "device_preparation", NULL, NULL);
	value_evidence(x, f, &d->page_status);
	value_evidence(x, f, &d->page_error_phase);
	code_evidence(x, f, &d->page_error_code);
	value_evidence(x, f, &d->page_error_details);
	if (f != NULL && d->page_error_code.number.has && d->page_error_code.number.value != 0)
		diag_set_code(f, d->page_error_code.number.value);
}

/* Times as 100 ns steps since 1970, for differences. */
static int64_t ticks(int64_t secs, uint32_t frac)
{
	return secs * 10000000 + (int64_t)frac;
}

static void rule_timeout(diag_run *x)
{
	const espdiag_esp *esp = x->esp;
	const espdiag_esp_devprep *d = espdiag_esp_devprep_info(esp);
	size_t n = espdiag_esp_workload_count(esp);
	bool said = d->page_error_code.number.has &&
	            d->page_error_code.number.value == TIMEOUT_HRESULT;
	bool first = true;
	int64_t lo = 0, hi = 0;
	const espdiag_esp_workload *w_lo = NULL, *w_hi = NULL;
	const char *lo_s = NULL, *hi_s = NULL;
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_workload *w = espdiag_esp_workload_at(esp, i);
		int64_t t[2];
		const char *ts[2];
		size_t k = 0;
		if (w->has_start)
			t[k] = ticks(w->start_unix, w->start_100ns), ts[k++] = w->start_utc;
		if (w->has_end)
			t[k] = ticks(w->end_unix, w->end_100ns), ts[k++] = w->end_utc;
		for (size_t j = 0; j < k; j++) {
			if (first || t[j] < lo)
				lo = t[j], w_lo = w, lo_s = ts[j];
			if (first || t[j] > hi)
				hi = t[j], w_hi = w, hi_s = ts[j];
			first = false;
		}
	}
	uint32_t limit = d->page_timeout_seconds.has ? d->page_timeout_seconds.value : 0;
	bool elapsed = !first && limit > 0 && hi - lo >= (int64_t)limit * 10000000;
	bool succeeded = d->page_status.number.has &&
	                 d->page_status.number.value == ESPDIAG_ESP_DEVPREP_EXITED_ON_SUCCESS;
	if (succeeded || !(elapsed || said))
		return;
	/* What was still running: workloads not finished in any way. */
	const char *running = "";
	size_t nr = 0;
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_workload *w = espdiag_esp_workload_at(esp, i);
		if (!w->state.has || (w->state.value != ESPDIAG_ESP_WORKLOAD_IN_PROGRESS &&
		                      w->state.value != ESPDIAG_ESP_WORKLOAD_NOT_STARTED))
			continue;
		running = diag_fmt(x, "%s%s%s (%s)", running, nr++ ? ", " : "", workload_label(x, w),
		                   espdiag_esp_workload_state_name(w->state.value));
	}
	const char *span =
		elapsed ? diag_fmt(x,
		                   " The workloads' times span %" PRId64 " minutes (from %s to %s), "
		                   "and PageTimeoutSeconds is %" PRIu32 " (%" PRIu32 " minutes).",
		                   (hi - lo) / 600000000, lo_s, hi_s, limit, limit / 60)
		        : "";
	espdiag_finding *f = diag_add(
		x, RULE_APV2_TIMEOUT, 0, NULL, "Device preparation ran out of time",
		diag_fmt(x, "Device preparation reached its timeout.%s%s%s",
		         said ? diag_fmt(x, " PageErrorCode is %s.", diag_code_text(x, TIMEOUT_HRESULT))
		              : "",
		         span,
		         nr ? diag_fmt(x, " Still running or not started: %s.", running)
		            : " No workload was left running or unstarted."),
		"Find what took the time (the workloads' start and end in espdiag timeline, and the "
		"IME's AppWorkload.log), then raise the timeout in the device preparation policy or "
		"take slow apps and scripts out of it.");
	diag_subject(x, f, "device_preparation_page", "device_preparation", NULL, NULL);
	if (d->page_settings.key != NULL && limit > 0)
		diag_ev(x, f, d->page_settings.key, d->page_settings.name,
		        diag_fmt(x, "PageTimeoutSeconds %" PRIu32, limit));
	if (said)
		code_evidence(x, f, &d->page_error_code);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_workload *w = espdiag_esp_workload_at(esp, i);
		if (w == w_lo || w == w_hi ||
		    (w->state.has && (w->state.value == ESPDIAG_ESP_WORKLOAD_IN_PROGRESS ||
		                      w->state.value == ESPDIAG_ESP_WORKLOAD_NOT_STARTED)))
			workload_evidence(x, f, w);
	}
	if (f != NULL)
		diag_set_code(f, TIMEOUT_HRESULT);
}

static void rule_not_applied(diag_run *x)
{
	const espdiag_esp_devprep *d = espdiag_esp_devprep_info(x->esp);
	/* A PageSettings value that is there but malformed did arrive (its
	 * JSON is a model warning). */
	if (!d->hinted || d->page_settings.key != NULL)
		return;
	bool v1 = espdiag_esp_scenario(x->esp) == ESPDIAG_ESP_SCENARIO_AUTOPILOT_V1;
	/* Concluded from PageSettings being absent: withheld on damaged input. */
	espdiag_finding *f = diag_add_absent(
		x, RULE_APV2_NOT_APPLIED, 0, NULL,
		"The device was pointed to device preparation, but its policy did not arrive",
		diag_fmt(x,
		         "AutopilotDevicePrepHint is %s, but no PageSettings exist under "
		         "DevicePreparation: the device preparation policy never reached the "
		         "device.%s",
		         value_text(x, &d->hint),
		         v1 ? " The device has an Autopilot profile (scenario autopilot_v1), which "
		              "takes precedence over a device preparation policy."
		            : ""),
		/* Requirements of device preparation as Microsoft and the community
		 * describe them (learn.microsoft.com/autopilot/device-preparation/
		 * requirements; call4cloud.nl/2024/06/autopilot-device-preparation-flow). */
		"Check that the user who set up the device is in the user group of a device "
		"preparation policy, that the policy's device group has the Intune Provisioning "
		"Client service principal as its owner, and that the device is not registered for "
		"Windows Autopilot (a registered device with a profile gets the profile's flow).");
	diag_subject(x, f, "device_preparation_page", "device_preparation", NULL, NULL);
	value_evidence(x, f, &d->hint);
	diag_ev(x, f, d->key ? d->key : diag_fmt(x, "%s\\DevicePreparation", d->hint.key),
	        "PageSettings", "absent");
}

void diag_rule_v2(diag_run *x)
{
	rule_workloads(x);
	rule_page(x);
	rule_timeout(x);
	rule_not_applied(x);
}

/*
 * lib/html_v2.c - Autopilot device preparation (v2) in the chart (html.h):
 * a band for the device preparation page, one row per IME workload
 * (espdiag_esp_workload_at()) and the page's timeout, through the model's
 * public accessors only.
 *
 * A workload's bars are the lines `espdiag timeline` writes for it: with
 * both times, "started" (in progress) from StartTime to EndTime, then its
 * WorkloadState from EndTime; with one time, its WorkloadState from it.
 * The last bar lasts until the band's end (as an ESP item's last state
 * lasts until its phase's end). A failed workload gets the failure marker
 * where it turned failed. The band runs from the first workload time to
 * the last: the registry keeps no time of the page itself.
 */
#include "html.h"

#include <inttypes.h>
#include <string.h>

#include <espdiag/esp.h>

/* The band's status from the page's PageStatus. */
static uint32_t band_status(const espdiag_esp_devprep *d)
{
	if (!d->page_status.number.has)
		return ESPDIAG_ESP_STATUS_UNKNOWN;
	switch (d->page_status.number.value) {
	case ESPDIAG_ESP_DEVPREP_DISABLED: return ESPDIAG_ESP_STATUS_SKIPPED;
	case ESPDIAG_ESP_DEVPREP_ENABLED: return ESPDIAG_ESP_STATUS_NOT_STARTED;
	case ESPDIAG_ESP_DEVPREP_IN_PROGRESS: return ESPDIAG_ESP_STATUS_IN_PROGRESS;
	case ESPDIAG_ESP_DEVPREP_EXITED_ON_SUCCESS: return ESPDIAG_ESP_STATUS_COMPLETED;
	case ESPDIAG_ESP_DEVPREP_EXITED_ON_FAILURE: return ESPDIAG_ESP_STATUS_FAILED;
	default: return ESPDIAG_ESP_STATUS_UNKNOWN;
	}
}

/* The colour of a WorkloadState. Skipped, uninstalled and cancelled are
 * neither done nor failed: the "other" colour. RebootRequired waits for a
 * restart to finish: in progress. */
static chart_state workload_colour(const espdiag_esp_workload *w)
{
	if (!w->state.has)
		return CHART_OTHER;
	switch (w->state.value) {
	case ESPDIAG_ESP_WORKLOAD_NOT_STARTED: return CHART_NOT_INSTALLED;
	case ESPDIAG_ESP_WORKLOAD_COMPLETED: return CHART_COMPLETED;
	case ESPDIAG_ESP_WORKLOAD_FAILED: return CHART_FAILED;
	case ESPDIAG_ESP_WORKLOAD_IN_PROGRESS:
	case ESPDIAG_ESP_WORKLOAD_REBOOT_REQUIRED: return CHART_IN_PROGRESS;
	default: return CHART_OTHER;
	}
}

static void widen(chart_band *b, chart_time t)
{
	chart_span_widen(&b->has_span, &b->start, &b->end, t);
}

/* One workload's row, its bars and its failure marker. */
static int add_workload(chart *c, chart_band *band, const espdiag_esp_workload *w,
                        chart_row **out)
{
	const char *id = w->id ? chart_strdup(c, w->id) : chart_printf(c, "Workloads[%zu]", w->index);
	const char *name = w->name ? w->name : chart_printf(c, "Workload %s", id ? id : "");
	chart_row *r = id && name ? chart_add_row(c, "workload", name, id, NULL,
	                                          CHART_PHASE_DEVPREP_V2)
	                          : NULL;
	if (r == NULL)
		return ESPDIAG_ENOMEM;
	*out = r;
	const char *state = w->state.has ? espdiag_esp_workload_state_name(w->state.value)
	                    : w->state_raw ? w->state_raw
	                                   : "unknown";
	chart_state colour = workload_colour(w);
	r->state = chart_strdup(c, state);
	r->final = colour;
	r->key = chart_strdup(c, w->key);
	r->value = chart_strdup(c, w->value);
	/* Workloads are the apps and scripts the page installs. */
	r->app = true;
	r->log_app = w->log_app;
	if (w->has_error_code && w->error_code != 0) {
		/* As apv2-workload-failed reads it: a positive number below 2^31
		 * is an exit code, the rest an HRESULT (signed or not). */
		if (w->error_code > 0 && w->error_code < 0x80000000LL) {
			r->has_exit_code = true;
			r->exit_code = w->error_code;
		} else if (w->error_code >= INT32_MIN && w->error_code <= (int64_t)UINT32_MAX) {
			r->has_error_code = true;
			r->error_code = (uint32_t)w->error_code;
		}
	}
	if (r->state == NULL)
		return ESPDIAG_ENOMEM;
	chart_time start = 0, end = 0;
	bool has_start = w->has_start && chart_ms(w->start_unix, w->start_100ns, &start);
	bool has_end = w->has_end && chart_ms(w->end_unix, w->end_100ns, &end);
	int rc = ESPDIAG_OK;
	if (has_start && has_end) {
		rc = chart_add_bar(c, r, start, end, CHART_IN_PROGRESS, "started", w->key, w->value);
		widen(band, start);
	}
	chart_time at = has_end ? end : start;
	if (rc == ESPDIAG_OK && (has_start || has_end)) {
		widen(band, at);
		rc = chart_add_bar(c, r, at, at, colour, state, w->key, w->value);
	}
	if (rc == ESPDIAG_OK && (has_start || has_end) && colour == CHART_FAILED) {
		const char *label = w->has_error_code
		                            ? chart_printf(c, "turned %s (ErrorCode %" PRId64 ")", state,
		                                           w->error_code)
		                            : chart_printf(c, "turned %s", state);
		rc = chart_add_row_marker(c, r, at, CHART_MARK_FAILURE, label, w->key, w->value);
	}
	if (rc == ESPDIAG_OK && !has_start && !has_end)
		r->no_time = w->start_raw || w->end_raw
		                     ? "its StartTime and EndTime in ProvisioningProgress are no times"
		                     : "ProvisioningProgress gives it no StartTime or EndTime";
	return rc;
}

/* Moves the last band (device preparation's) first, where the page comes
 * in time, and drops the ESP's phases that nothing shows (no status, no
 * key, no time): on a device without an ESP they would be three empty
 * lanes. */
static void order_bands(chart *c)
{
	chart_band v2 = c->bands[c->band_count - 1];
	size_t n = 0;
	for (size_t i = 0; i + 1 < c->band_count; i++) {
		const chart_band *b = &c->bands[i];
		if (b->status != ESPDIAG_ESP_STATUS_UNKNOWN || b->key != NULL || b->has_span)
			c->bands[n++] = *b;
	}
	memmove(c->bands + 1, c->bands, n * sizeof *c->bands);
	c->bands[0] = v2;
	c->band_count = n + 1;
}

/* PageTimeoutSeconds counted from the first workload's start: a judgment
 * call, as the page's own start (before its agent's download) is not in
 * the registry, so the page may have timed out earlier than the line
 * shows. */
static int add_timeout(chart *c, const espdiag_esp_devprep *d, const chart_band *b)
{
	if (!b->has_span || !d->page_timeout_seconds.has || d->page_timeout_seconds.value == 0)
		return ESPDIAG_OK;
	uint32_t secs = d->page_timeout_seconds.value;
	const char *label =
		secs % 60 == 0
			? chart_printf(c, "timeout: %" PRIu32 " min after the first device preparation "
			                  "workload began (PageTimeoutSeconds %" PRIu32 ")",
			               secs / 60, secs)
			: chart_printf(c, "timeout: %" PRIu32 " s after the first device preparation "
			                  "workload began (PageTimeoutSeconds)",
			               secs);
	return label ? chart_add_line(c, b->start + (chart_time)secs * 1000, label,
	                              d->page_settings.key, d->page_settings.name)
	             : ESPDIAG_ENOMEM;
}

int chart_add_v2(chart *c, const espdiag_esp *esp)
{
	const espdiag_esp_devprep *d = espdiag_esp_devprep_info(esp);
	size_t n = espdiag_esp_workload_count(esp);
	if (!d->in_use && n == 0)
		return ESPDIAG_OK;
	const char *key = d->key;
	if (key == NULL && n > 0)
		key = espdiag_esp_workload_at(esp, 0)->key;
	if (chart_add_band(c, CHART_PHASE_DEVPREP_V2, NULL, band_status(d), key) == NULL)
		return ESPDIAG_ENOMEM;
	size_t band = c->band_count - 1;
	size_t first = c->row_count;
	for (size_t i = 0; i < n; i++) {
		chart_row *r;
		int rc = add_workload(c, &c->bands[band], espdiag_esp_workload_at(esp, i), &r);
		if (rc != ESPDIAG_OK)
			return rc;
	}
	chart_band *b = &c->bands[band];
	if (b->has_span) {
		b->how = "from the first workload's time to the last one's (ProvisioningProgress): "
		         "the registry keeps no time of the page itself";
		/* Each workload's last state lasts until the band's end. */
		for (size_t i = first; i < c->row_count; i++) {
			chart_row *r = c->rows[i];
			if (r->bar_count > 0)
				r->bars[r->bar_count - 1].end = b->end;
		}
	}
	int rc = add_timeout(c, d, b);
	order_bands(c);
	return rc;
}

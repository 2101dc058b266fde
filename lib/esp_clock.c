/*
 * lib/esp_clock.c - the device's UTC offset, derived from the bundle's
 * evidence (see espdiag_esp_clock in espdiag/esp.h): IME log times are the
 * device's local time with no offset (EVIDENCE.md section 4), registry
 * times are UTC (ESPTrackingInfo key names, EVIDENCE.md section 2;
 * device preparation workload times). A log record and a registry time of
 * the same moment give the offset:
 *
 *   - the record that ends an install attempt (its detection after a
 *     success; its enforcement state, else its exit code, after a
 *     failure) and the first ESPTrackingInfo\...\Sidecar snapshot that
 *     shows the app's entry in the state that end gives (3 completed, 4
 *     error). A snapshot is written when the count of completed items
 *     changes (EVIDENCE.md section 2), so after a success it follows the
 *     detection within seconds; that a failure is snapshotted as promptly
 *     is a judgment call, which the residual check below guards.
 *   - the record that ends an app's last attempt and the EndTime of the
 *     device preparation workload of the same app (UTC, esp_v2.c).
 *
 * Every zone offset in use is a multiple of 15 minutes, between -12:00
 * and +14:00, so each pair's difference is rounded to 15 minutes and kept
 * only within 5 minutes of the rounded value (a pair that is not the same
 * moment is far more likely to miss). Every kept pair must agree; the one
 * with the smallest residual is the evidence. Then every log moment and
 * log reference gains its UTC time.
 */
#include "esp_private.h"

#include <espdiag/bundle.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "esp_clock.h"
#include "esp_time.h"

#define CLOCK_STEP_SECONDS 900          /* 15 minutes */
#define CLOCK_MAX_RESIDUAL_SECONDS 300  /* 5 minutes */
#define CLOCK_MIN_OFFSET_MINUTES (-12 * 60)
#define CLOCK_MAX_OFFSET_MINUTES (14 * 60)

typedef struct pair {
	const espdiag_esp_log_app *app;
	const espdiag_esp_log_ref *log;
	const char *what;            /* "detection", "enforcement", ... */
	const char *key, *value;     /* the registry side */
	int64_t utc_secs;
	uint32_t utc_100ns;
	char other[256];             /* the registry side, for people */
	int32_t offset_minutes;
	int64_t residual_ms;         /* |difference - offset| */
} pair;

typedef struct search {
	pair first;                  /* the first kept pair */
	pair best;
	bool have;
	size_t kept;
	bool disagree;
	pair other;                  /* the first kept pair that disagrees with first */
} search;

static int64_t diff_ms(const espdiag_esp_log_ref *r, int64_t utc_secs, uint32_t utc_100ns)
{
	return (r->local_secs - utc_secs) * 1000 +
	       ((int64_t)r->local_100ns - (int64_t)utc_100ns) / 10000;
}

static void consider(search *s, pair p)
{
	if (p.log == NULL || !p.log->has_time)
		return;
	int64_t d = diff_ms(p.log, p.utc_secs, p.utc_100ns);
	int64_t step = (int64_t)CLOCK_STEP_SECONDS * 1000;
	int64_t q = (d >= 0 ? d + step / 2 : d - step / 2) / step;
	int64_t off = q * (CLOCK_STEP_SECONDS / 60);
	int64_t res = d - q * step;
	if (res < 0)
		res = -res;
	if (off < CLOCK_MIN_OFFSET_MINUTES || off > CLOCK_MAX_OFFSET_MINUTES ||
	    res > (int64_t)CLOCK_MAX_RESIDUAL_SECONDS * 1000)
		return;
	p.offset_minutes = (int32_t)off;
	p.residual_ms = res;
	s->kept++;
	if (!s->have) {
		s->first = s->best = p;
		s->have = true;
		return;
	}
	if (p.offset_minutes != s->first.offset_minutes) {
		if (!s->disagree)
			s->other = p;
		s->disagree = true;
	}
	if (p.residual_ms < s->best.residual_ms)
		s->best = p;
}

/* The record that ends an attempt of the given outcome. */
static const espdiag_esp_log_ref *end_of(const espdiag_esp_attempt *a)
{
	const espdiag_esp_log_ref *order_ok[] = { a->detection_ref, a->enforcement_ref,
		                                  a->exit_code_ref };
	const espdiag_esp_log_ref *order_bad[] = { a->enforcement_ref, a->exit_code_ref,
		                                   a->detection_ref, a->install_timeout };
	const espdiag_esp_log_ref *const *v = a->outcome == ESPDIAG_ESP_ATTEMPT_SUCCEEDED
	                                              ? order_ok : order_bad;
	size_t n = a->outcome == ESPDIAG_ESP_ATTEMPT_SUCCEEDED ? 3 : 4;
	for (size_t i = 0; i < n; i++)
		if (v[i] != NULL && v[i]->has_time)
			return v[i];
	return NULL;
}

static bool entry_is_app(const espdiag_esp_entry *e, const char *guid)
{
	return e->id != NULL && strncasecmp(e->id, "Win32App_", 9) == 0 &&
	       strlen(e->id) >= 45 && strncasecmp(e->id + 9, guid, 36) == 0 &&
	       (e->id[45] == '_' || e->id[45] == '\0');
}

/* The first change (time order) that puts app's Sidecar entry in state. */
static const espdiag_esp_change *first_change(const espdiag_esp *esp, const char *guid,
                                              uint32_t state)
{
	size_t n = espdiag_esp_change_count(esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_change *c = espdiag_esp_change_at(esp, i);
		const espdiag_esp_snapshot *s = c->snapshot;
		if (s->owner_category != ESPDIAG_ESP_CAT_SIDECAR || s->last_logged_state ||
		    !s->time_valid || !c->entry->state.has || c->entry->state.value != state)
			continue;
		if (entry_is_app(c->entry, guid))
			return c;
	}
	return NULL;
}

static void snapshot_pairs(const espdiag_esp *esp, const espdiag_esp_log_app *app, search *s)
{
	static const struct {
		espdiag_esp_attempt_outcome outcome;
		uint32_t state;
	} ends[] = {
		{ ESPDIAG_ESP_ATTEMPT_SUCCEEDED, ESPDIAG_ESP_APP_COMPLETED },
		{ ESPDIAG_ESP_ATTEMPT_FAILED, ESPDIAG_ESP_APP_ERROR },
	};
	for (size_t k = 0; k < sizeof ends / sizeof ends[0]; k++) {
		const espdiag_esp_attempt *first = NULL;
		for (size_t i = 0; i < app->attempt_count && first == NULL; i++)
			if (app->attempts[i]->outcome == ends[k].outcome)
				first = app->attempts[i];
		if (first == NULL)
			continue;
		const espdiag_esp_change *c = first_change(esp, app->id, ends[k].state);
		if (c == NULL)
			continue;
		pair p = { .app = app, .log = end_of(first),
			   .what = ends[k].state == ESPDIAG_ESP_APP_COMPLETED
			               ? "which ends the attempt that installed"
			               : "which ends a failed attempt of",
			   .key = c->snapshot->key, .value = c->entry->value,
			   .utc_secs = c->snapshot->time_unix, .utc_100ns = c->snapshot->time_100ns };
		snprintf(p.other, sizeof p.other,
		         "the ESPTrackingInfo Sidecar snapshot %s, the first that shows the app %s",
		         c->snapshot->timestamp,
		         ends[k].state == ESPDIAG_ESP_APP_COMPLETED ? "completed (3)" : "in error (4)");
		consider(s, p);
	}
}

static void workload_pairs(const espdiag_esp *esp, search *s)
{
	size_t n = espdiag_esp_workload_count(esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_workload *w = espdiag_esp_workload_at(esp, i);
		const espdiag_esp_log_app *app = w->log_app;
		if (app == NULL || !w->has_end || app->attempt_count == 0)
			continue;
		const espdiag_esp_attempt *last = app->attempts[app->attempt_count - 1];
		if (last->outcome != ESPDIAG_ESP_ATTEMPT_SUCCEEDED &&
		    last->outcome != ESPDIAG_ESP_ATTEMPT_FAILED &&
		    last->outcome != ESPDIAG_ESP_ATTEMPT_NOT_DETECTED)
			continue;
		pair p = { .app = app, .log = end_of(last),
			   .what = "which ends the last attempt of",
			   .key = w->key, .value = w->value, .utc_secs = w->end_unix,
			   .utc_100ns = w->end_100ns };
		snprintf(p.other, sizeof p.other,
		         "the EndTime %s of its device preparation workload (ProvisioningProgress)",
		         w->end_utc ? w->end_utc : "?");
		consider(s, p);
	}
}

static const char *offset_text(char buf[16], int32_t minutes)
{
	int32_t a = minutes < 0 ? -minutes : minutes;
	snprintf(buf, 16, "UTC%c%02" PRId32 ":%02" PRId32, minutes < 0 ? '-' : '+', a / 60, a % 60);
	return buf;
}

static void utc_of(const espdiag_esp_log_ref *r, int32_t off, int64_t *secs, uint32_t *frac)
{
	*secs = r->local_secs - (int64_t)off * 60;
	*frac = r->local_100ns;
}

static int fill_ref(espdiag_esp *esp, const espdiag_esp_log_ref *cr, int32_t off)
{
	if (cr == NULL || !cr->has_time || cr->utc_time != NULL)
		return ESPDIAG_OK;
	/* The model built the reference and is not sealed yet. */
	espdiag_esp_log_ref *r = (espdiag_esp_log_ref *)(uintptr_t)cr;
	int64_t secs;
	uint32_t frac;
	utc_of(r, off, &secs, &frac);
	char buf[ESP_TIME_BUFSIZE];
	esp_time_format(buf, secs, frac);
	r->utc_time = esp_model_strdup(esp, buf);
	return r->utc_time ? ESPDIAG_OK : ESPDIAG_ENOMEM;
}

static int fill_utc(espdiag_esp *esp, int32_t off)
{
	int rc = ESPDIAG_OK;
	size_t n = espdiag_esp_log_app_count(esp);
	for (size_t i = 0; i < n && rc == ESPDIAG_OK; i++) {
		const espdiag_esp_log_app *app = espdiag_esp_log_app_at(esp, i);
		rc = fill_ref(esp, app->policy, off);
		for (size_t j = 0; j < app->attempt_count && rc == ESPDIAG_OK; j++) {
			const espdiag_esp_attempt *a = app->attempts[j];
			const espdiag_esp_log_ref *refs[] = { a->download_start, a->download_end,
				                              a->download_failed, a->install_start,
				                              a->install_end, a->install_timeout,
				                              a->exit_code_ref, a->enforcement_ref,
				                              a->detection_ref };
			for (size_t k = 0; k < sizeof refs / sizeof refs[0] && rc == ESPDIAG_OK; k++)
				rc = fill_ref(esp, refs[k], off);
		}
	}
	for (size_t i = 0; i < esp->moments.n; i++) {
		esp_moment *m = esp->moments.v[i];
		if (m->source != ESP_MOMENT_LOG || !m->local_known)
			continue;
		m->utc_known = true;
		m->utc_secs = m->local_secs - (int64_t)off * 60;
		m->utc_100ns = m->local_100ns;
	}
	return rc;
}

static const char *app_label(espdiag_esp *esp, const espdiag_esp_log_app *app)
{
	char buf[512];
	if (app->name != NULL)
		snprintf(buf, sizeof buf, "\"%s\" (%s)", app->name, app->id);
	else
		snprintf(buf, sizeof buf, "%s", app->id);
	return esp_model_strdup(esp, buf);
}

/* The clock's two sentences from one reason: the model's "how" and the
 * reports' line (esp_clock.h), so that they never drift apart. */
static int say(espdiag_esp *esp, const char *reason)
{
	esp_logs *L = esp->logs;
	espdiag_esp_clock *c = &L->clock;
	char how[1200], line[1200], o[16];
	if (c->known) {
		offset_text(o, c->utc_offset_minutes);
		snprintf(how, sizeof how, "%s: %s", o, reason);
		snprintf(line, sizeof line, "%s (%s)", o, reason);
	} else {
		snprintf(how, sizeof how,
		         "the device's UTC offset is unknown: %s; log times are the device's local "
		         "time",
		         reason);
		snprintf(line, sizeof line, "unknown - log times are the device's local time (%s)",
		         reason);
	}
	c->how = esp_model_strdup(esp, how);
	L->clock_line = esp_model_strdup(esp, line);
	return c->how && L->clock_line ? ESPDIAG_OK : ESPDIAG_ENOMEM;
}

const char *esp_clock_line(const espdiag_esp *esp)
{
	return esp && esp->logs ? esp->logs->clock_line : NULL;
}

int esp_clock_part(espdiag_esp *esp, const espdiag_bundle *bundle)
{
	(void)bundle;
	esp_logs *L = esp->logs;
	if (L == NULL || L->app_count == 0)
		return ESPDIAG_OK;
	espdiag_esp_clock *c = &L->clock;
	search s = { 0 };
	for (size_t i = 0; i < L->app_count; i++)
		snapshot_pairs(esp, L->apps[i], &s);
	workload_pairs(esp, &s);
	char buf[1024], o1[16], o2[16];
	if (!s.have)
		return say(esp, "no IME log record has a registry time of the same moment within 5 "
		                "minutes of a 15-minute offset");
	if (s.disagree) {
		snprintf(buf, sizeof buf,
		         "the IME logs and the registry disagree (%s line %" PRIu64 " gives %s, %s "
		         "line %" PRIu64 " gives %s)",
		         s.first.log->file, s.first.log->line, offset_text(o1, s.first.offset_minutes),
		         s.other.log->file, s.other.log->line,
		         offset_text(o2, s.other.offset_minutes));
		return say(esp, buf);
	}
	const pair *p = &s.best;
	char utc[ESP_TIME_BUFSIZE];
	esp_time_format(utc, p->utc_secs, p->utc_100ns);
	const char *label = app_label(esp, p->app);
	if (label == NULL)
		return ESPDIAG_ENOMEM;
	snprintf(buf, sizeof buf,
	         "%s line %" PRIu64 " (%s local), %s app %s, and %s, are the same moment "
	         "within %" PRId64 " s of a 15-minute offset; %zu pair%s of a log record and a "
	         "registry time agree%s",
	         p->log->file, p->log->line, p->log->local_time, p->what, label, p->other,
	         (p->residual_ms + 999) / 1000, s.kept, s.kept == 1 ? "" : "s",
	         s.kept == 1 ? "s" : "");
	c->known = true;
	c->utc_offset_minutes = p->offset_minutes;
	c->evidence = p->log;
	c->key = esp_model_strdup(esp, p->key);
	c->value = esp_model_strdup(esp, p->value);
	c->utc_time = esp_model_strdup(esp, utc);
	c->pairs = s.kept;
	if (say(esp, buf) != ESPDIAG_OK || c->key == NULL || (p->value && c->value == NULL) ||
	    c->utc_time == NULL)
		return ESPDIAG_ENOMEM;
	esp->clock_known = true;
	esp->clock_offset_minutes = p->offset_minutes;
	return fill_utc(esp, p->offset_minutes);
}

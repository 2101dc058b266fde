/*
 * lib/esp_logs.c - the bundle's IME logs in the ESP model: the app
 * catalogue and each app's install attempts (lib/imelog.h, read by the
 * bundle) copied into the model as espdiag_esp_log_app / espdiag_esp_attempt
 * / espdiag_esp_log_ref; the apps' names joined onto the registry's parts
 * that name an app by id (tracked apps and their items, the IME's app
 * states, device preparation workloads); the logs' per-file warnings as
 * model warnings; the attempts' records as moments of the merged timeline
 * (local time; esp_clock.c adds UTC once the device's offset is known).
 */
#include "esp_private.h"

#include <espdiag/bundle.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bundle_private.h"
#include "esp_time.h"
#include "json.h"

const char *espdiag_esp_attempt_outcome_name(uint32_t outcome)
{
	switch (outcome) {
	case ESPDIAG_ESP_ATTEMPT_IN_PROGRESS: return "in_progress";
	case ESPDIAG_ESP_ATTEMPT_FAILED: return "failed";
	case ESPDIAG_ESP_ATTEMPT_NOT_DETECTED: return "not_detected";
	case ESPDIAG_ESP_ATTEMPT_SUCCEEDED: return "succeeded";
	default: return "unknown";
	}
}

/* One fact's record as a log reference (NULL for NULL; *rc on ENOMEM). */
static const espdiag_esp_log_ref *ref_of(espdiag_esp *esp, const esp_imelog_fact *f, int *rc)
{
	/* Each reference counts against the model's cap (ESP_MAX_PARTS): past
	 * it the reference is left out, with the model's one cap warning. */
	if (f == NULL || *rc != ESPDIAG_OK || !esp_model_budget(esp))
		return NULL;
	espdiag_esp_log_ref *r = esp_model_zalloc(esp, sizeof *r);
	if (r == NULL) {
		*rc = ESPDIAG_ENOMEM;
		return NULL;
	}
	r->file = esp_model_strdup(esp, f->where.member ? f->where.member : "");
	r->line = f->where.line;
	r->message = esp_model_strdup(esp, f->message ? f->message : "");
	const esp_cmtrace_time *t = &f->where.time;
	if (t->valid) {
		/* The wall-clock time read as UTC: parsing a zone-less ISO time
		 * does exactly that. */
		char iso[64];
		snprintf(iso, sizeof iso, "%04" PRId32 "-%02u-%02uT%02u:%02u:%02u.%07" PRIu32, t->year,
		         (unsigned)t->month, (unsigned)t->day, (unsigned)t->hour, (unsigned)t->minute,
		         (unsigned)t->second, t->frac_100ns);
		char local[40];
		snprintf(local, sizeof local, "%04" PRId32 "-%02u-%02u %02u:%02u:%02u.%03" PRIu32,
		         t->year, (unsigned)t->month, (unsigned)t->day, (unsigned)t->hour,
		         (unsigned)t->minute, (unsigned)t->second, t->frac_100ns / 10000u);
		if (esp_time_parse(iso, &r->local_secs, &r->local_100ns)) {
			r->has_time = true;
			r->local_time = esp_model_strdup(esp, local);
			if (r->local_time == NULL)
				*rc = ESPDIAG_ENOMEM;
		}
	}
	if (r->file == NULL || r->message == NULL)
		*rc = ESPDIAG_ENOMEM;
	return r;
}

/* The exit code as an HRESULT: HRESULT_FROM_WIN32 for a Win32 or Windows
 * Installer error number, the code itself when it has an HRESULT's shape. */
static bool exit_hresult(uint32_t code, uint32_t *out)
{
	if (code == 0)
		return false;
	if (code <= 0xffffu) {
		*out = 0x80070000u | code;
		return true;
	}
	if (esp_imelog_exit_code_is_hresult(code)) {
		*out = code;
		return true;
	}
	return false;
}

static const char *detection_text(const esp_imelog_fact *f)
{
	if (f == NULL)
		return NULL;
	if (f->kind == ESP_IMELOG_DETECTION_STATE)
		return f->text;
	return f->number ? "Detected" : "NotDetected";
}

static int64_t ms_between(const espdiag_esp_log_ref *a, const espdiag_esp_log_ref *b)
{
	return (b->local_secs - a->local_secs) * 1000 +
	       ((int64_t)b->local_100ns - (int64_t)a->local_100ns) / 10000;
}

static espdiag_esp_attempt *attempt_of(espdiag_esp *esp, const esp_imelog_attempt *t, int *rc)
{
	espdiag_esp_attempt *a = esp_model_zalloc(esp, sizeof *a);
	if (a == NULL) {
		*rc = ESPDIAG_ENOMEM;
		return NULL;
	}
	a->number = t->number;
	a->outcome = (espdiag_esp_attempt_outcome)t->outcome;
	a->download_start = ref_of(esp, t->download_start, rc);
	a->download_end = ref_of(esp, t->download_end, rc);
	a->download_failed = ref_of(esp, t->download_failed, rc);
	a->install_start = ref_of(esp, t->install_start, rc);
	a->install_end = ref_of(esp, t->install_end, rc);
	a->install_timeout = ref_of(esp, t->install_timeout, rc);
	a->enforcement_ref = ref_of(esp, t->enforcement, rc);
	a->detection_ref = ref_of(esp, t->detection_after, rc);
	/* The exit code: lpExitCode, else the unmapped line's, else the
	 * enforcement line's "with lpExitCode: N". */
	const esp_imelog_fact *ec = t->exit_code;
	if (ec == NULL && t->unmapped != NULL && t->unmapped->has_number)
		ec = t->unmapped;
	if (ec == NULL && t->enforcement != NULL && t->enforcement->has_number)
		ec = t->enforcement;
	if (ec != NULL && ec->has_number) {
		a->has_exit_code = true;
		a->exit_code = (uint32_t)ec->number;
		a->exit_code_ref = ec == t->enforcement ? a->enforcement_ref : ref_of(esp, ec, rc);
	}
	if (t->hresult != NULL && t->hresult->has_number) {
		a->has_hresult = true;
		a->hresult = (uint32_t)t->hresult->number;
	} else if (a->has_exit_code) {
		a->has_hresult = exit_hresult(a->exit_code, &a->hresult);
	}
	a->exit_code_unmapped = t->unmapped != NULL;
	if (t->download_progress != NULL && t->download_progress->has_number2) {
		a->has_download_bytes = true;
		a->download_bytes = (uint64_t)t->download_progress->number2;
	}
	a->exit_code_class = t->exit_code_class ? esp_model_strdup(esp, t->exit_code_class->text) : NULL;
	a->enforcement_state = t->enforcement ? esp_model_strdup(esp, t->enforcement->text) : NULL;
	a->detection_state = esp_model_strdup(esp, detection_text(t->detection_after));
	const espdiag_esp_log_ref *end = a->install_end ? a->install_end : a->install_timeout;
	if (a->install_start != NULL && end != NULL && a->install_start->has_time && end->has_time) {
		a->has_install_duration = true;
		a->install_duration_ms = ms_between(a->install_start, end);
	}
	return a;
}

static espdiag_esp_log_app *app_of(espdiag_esp *esp, const esp_imelog_app *s, int *rc)
{
	espdiag_esp_log_app *a = esp_model_zalloc(esp, sizeof *a);
	if (a == NULL) {
		*rc = ESPDIAG_ENOMEM;
		return NULL;
	}
	a->id = esp_model_strdup(esp, s->id);
	a->name = esp_model_strdup(esp, s->name);
	if (a->id == NULL || (s->name != NULL && a->name == NULL))
		*rc = ESPDIAG_ENOMEM;
	a->has_version = s->has_version;
	a->version = s->version;
	a->has_intent = s->has_intent;
	a->intent = s->intent;
	a->has_install_context = s->has_install_context;
	a->install_context = s->install_context;
	a->policy = ref_of(esp, s->policy, rc);
	if (s->attempt_count > 0 && *rc == ESPDIAG_OK) {
		const espdiag_esp_attempt **v =
			esp_model_zalloc(esp, s->attempt_count * sizeof *v);
		if (v == NULL) {
			*rc = ESPDIAG_ENOMEM;
			return a;
		}
		size_t n = 0;
		for (size_t i = 0; i < s->attempt_count && *rc == ESPDIAG_OK; i++) {
			if (!esp_model_budget(esp))
				break;
			v[n++] = attempt_of(esp, &s->attempts[i], rc);
		}
		a->attempts = v;
		a->attempt_count = n;
	}
	return a;
}

static int app_cmp(const void *a, const void *b)
{
	const espdiag_esp_log_app *p = *(espdiag_esp_log_app *const *)a;
	const espdiag_esp_log_app *q = *(espdiag_esp_log_app *const *)b;
	return strcasecmp(p->id, q->id);
}

/* --- accessors --- */

size_t espdiag_esp_log_app_count(const espdiag_esp *esp)
{
	return esp && esp->logs ? esp->logs->app_count : 0;
}

const espdiag_esp_log_app *espdiag_esp_log_app_at(const espdiag_esp *esp, size_t index)
{
	return index < espdiag_esp_log_app_count(esp) ? esp->logs->apps[index] : NULL;
}

const espdiag_esp_log_app *espdiag_esp_log_app_find(const espdiag_esp *esp, const char *id)
{
	if (id == NULL || espdiag_esp_log_app_count(esp) == 0)
		return NULL;
	size_t n = strlen(id);
	if (n == 38 && id[0] == '{' && id[37] == '}') {
		id++;
		n = 36;
	}
	if (n != 36)
		return NULL;
	char bare[37];
	memcpy(bare, id, 36);
	bare[36] = '\0';
	espdiag_esp_log_app probe = { .id = bare };
	const espdiag_esp_log_app *pp = &probe;
	espdiag_esp_log_app **hit = bsearch(&pp, esp->logs->apps, esp->logs->app_count,
	                                    sizeof *esp->logs->apps, app_cmp);
	return hit ? *hit : NULL;
}

static const espdiag_esp_clock unknown_clock = {
	.how = "the device's UTC offset is unknown: the bundle has no IME logs",
};

const espdiag_esp_clock *espdiag_esp_clock_info(const espdiag_esp *esp)
{
	if (esp == NULL)
		return NULL;
	return esp->logs ? &esp->logs->clock : &unknown_clock;
}

/* --- joins: names on the registry's parts --- */

static const char *name_of(const espdiag_esp *esp, const char *id)
{
	const espdiag_esp_log_app *a = espdiag_esp_log_app_find(esp, id);
	return a ? a->name : NULL;
}

static void join_setup(espdiag_esp *esp, esp_setup *s)
{
	for (size_t i = 0; i < s->apps.n; i++) {
		espdiag_esp_app *a = s->apps.v[i];
		if (a->app_guid != NULL)
			a->name = name_of(esp, a->app_guid);
	}
}

static void join_names(espdiag_esp *esp)
{
	join_setup(esp, &esp->device);
	for (size_t i = 0; i < esp->users.n; i++)
		join_setup(esp, esp->users.v[i]);
	for (size_t i = 0; i < esp->items.n; i++) {
		esp_item *it = esp->items.v[i];
		if (it->app != NULL)
			it->pub.name = it->app->name;
	}
	for (size_t i = 0; i < esp->ime_apps.n; i++) {
		espdiag_esp_ime_app *a = esp->ime_apps.v[i];
		a->name = name_of(esp, a->app_id);
	}
	for (size_t i = 0; i < esp->workload_count; i++) {
		espdiag_esp_workload *w = &esp->workloads[i];
		w->log_app = w->app_id ? espdiag_esp_log_app_find(esp, w->app_id) : NULL;
	}
}

/* --- moments --- */

static int add_moment(espdiag_esp *esp, const espdiag_esp_log_app *app, const char *what,
                      const espdiag_esp_log_ref *r)
{
	if (r == NULL)
		return ESPDIAG_OK;
	esp_moment m = {
		.source = ESP_MOMENT_LOG,
		.local_known = r->has_time,
		.local_secs = r->local_secs,
		.local_100ns = r->local_100ns,
		.what = what,
		.subject = app->id,
		.name = app->name,
		.member = r->file,
		.line = r->line,
		.message = r->message,
	};
	return esp_moment_add(esp, &m);
}

static int add_moments(espdiag_esp *esp, const espdiag_esp_log_app *app)
{
	int rc = ESPDIAG_OK;
	for (size_t i = 0; i < app->attempt_count && rc == ESPDIAG_OK; i++) {
		const espdiag_esp_attempt *a = app->attempts[i];
		const char *exit_what = "exit code";
		char buf[96];
		if (a->has_exit_code) {
			snprintf(buf, sizeof buf, "exit code %" PRIu32 "%s", a->exit_code,
			         a->exit_code_unmapped ? " (not mapped)" : "");
			exit_what = buf;
		}
		char det[96];
		snprintf(det, sizeof det, "detection: %s",
		         a->detection_state ? a->detection_state : "unknown");
		char enf[96];
		snprintf(enf, sizeof enf, "enforcement: %s",
		         a->enforcement_state ? a->enforcement_state : "unknown");
		struct {
			const char *what;
			const espdiag_esp_log_ref *r;
		} rows[] = {
			{ "download started", a->download_start },
			{ "download finished", a->download_end },
			{ "download failed", a->download_failed },
			{ "install started", a->install_start },
			{ "install finished", a->install_end },
			{ "install timed out", a->install_timeout },
			{ exit_what, a->exit_code_ref != a->enforcement_ref ? a->exit_code_ref : NULL },
			{ enf, a->enforcement_ref },
			{ det, a->detection_ref },
		};
		for (size_t k = 0; k < sizeof rows / sizeof rows[0] && rc == ESPDIAG_OK; k++)
			rc = add_moment(esp, app, rows[k].what, rows[k].r);
	}
	return rc;
}

/* --- the part --- */

int esp_logs_part(espdiag_esp *esp, const espdiag_bundle *bundle)
{
	esp_logs *L = esp_model_zalloc(esp, sizeof *L);
	if (L == NULL)
		return ESPDIAG_ENOMEM;
	L->clock.how = "the device's UTC offset is unknown: the bundle has no IME logs";
	esp->logs = L;
	esp_imelog *log = esp_bundle_imelog(bundle);
	if (log == NULL)
		return ESPDIAG_OK;
	L->clock.how = "the device's UTC offset is unknown: the IME logs record no app; log "
	               "times are the device's local time";
	int rc = ESPDIAG_OK;
	/* The logs' warnings, each naming its file (and line). */
	for (size_t i = 0; i < esp_imelog_file_count(log) && rc == ESPDIAG_OK; i++) {
		esp_imelog_file *f = esp_imelog_file_at(log, i);
		size_t nw = esp_warnings_count(&f->warnings);
		for (size_t j = 0; j < nw && rc == ESPDIAG_OK; j++) {
			const espdiag_warning *w = esp_warnings_at(&f->warnings, j);
			if (w == NULL)
				continue;
			if (w->line)
				rc = esp_warn(&esp->warnings, w->line, w->column, w->offset,
				              "IME log %s, line %" PRIu64 ": %s", f->name, w->line,
				              w->message);
			else
				rc = esp_warn(&esp->warnings, 0, 0, w->offset, "IME log %s: %s", f->name,
				              w->message);
		}
	}
	size_t n = esp_imelog_app_count(log);
	if (rc != ESPDIAG_OK || n == 0)
		return rc;
	L->apps = esp_model_zalloc(esp, n * sizeof *L->apps);
	if (L->apps == NULL)
		return ESPDIAG_ENOMEM;
	for (size_t i = 0; i < n && rc == ESPDIAG_OK; i++) {
		if (!esp_model_budget(esp))
			break;
		L->apps[L->app_count] = app_of(esp, esp_imelog_app_at(log, i), &rc);
		if (L->apps[L->app_count] != NULL)
			L->app_count++;
	}
	if (rc != ESPDIAG_OK)
		return rc;
	qsort(L->apps, L->app_count, sizeof *L->apps, app_cmp);
	join_names(esp);
	for (size_t i = 0; i < L->app_count && rc == ESPDIAG_OK; i++)
		rc = add_moments(esp, L->apps[i]);
	return rc;
}

/* --- JSON (the "apps" and "clock" parts of espdiag_esp_write_json) --- */

/* {"file","line","local_time","utc_time","message"} or null. */
static void jref(FILE *out, const char *name, const espdiag_esp_log_ref *r, bool *first)
{
	esp_json_key(out, name, first);
	if (r == NULL) {
		fputs("null", out);
		return;
	}
	bool f = true;
	putc('{', out);
	esp_json_str(out, "file", r->file, &f);
	esp_json_i64(out, "line", true, (int64_t)r->line, &f);
	esp_json_str(out, "local_time", r->local_time, &f);
	esp_json_str(out, "utc_time", r->utc_time, &f);
	esp_json_str(out, "message", r->message, &f);
	putc('}', out);
}

static void write_attempt(FILE *out, const espdiag_esp_attempt *a)
{
	bool f = true;
	putc('{', out);
	esp_json_i64(out, "number", true, a->number, &f);
	esp_json_str(out, "outcome", espdiag_esp_attempt_outcome_name(a->outcome), &f);
	jref(out, "download_start", a->download_start, &f);
	jref(out, "download_end", a->download_end, &f);
	jref(out, "download_failed", a->download_failed, &f);
	esp_json_i64(out, "download_bytes", a->has_download_bytes, (int64_t)a->download_bytes, &f);
	jref(out, "install_start", a->install_start, &f);
	jref(out, "install_end", a->install_end, &f);
	jref(out, "install_timeout", a->install_timeout, &f);
	esp_json_i64(out, "install_duration_ms", a->has_install_duration, a->install_duration_ms,
	             &f);
	esp_json_i64(out, "exit_code", a->has_exit_code, a->exit_code, &f);
	esp_json_key(out, "hresult", &f);
	if (a->has_hresult)
		fprintf(out, "\"0x%08" PRIx32 "\"", a->hresult);
	else
		fputs("null", out);
	esp_json_bool(out, "exit_code_unmapped", a->exit_code_unmapped, &f);
	esp_json_str(out, "exit_code_class", a->exit_code_class, &f);
	jref(out, "exit_code_line", a->exit_code_ref, &f);
	esp_json_str(out, "enforcement_state", a->enforcement_state, &f);
	jref(out, "enforcement_line", a->enforcement_ref, &f);
	esp_json_str(out, "detection_state", a->detection_state, &f);
	jref(out, "detection_line", a->detection_ref, &f);
	/* The exit code's meaning, as a finding's "error" member has it. */
	esp_json_key(out, "error", &f);
	if (a->has_hresult)
		esp_json_error_object(out, a->hresult, a->has_exit_code, a->exit_code);
	else
		fputs("null", out);
	putc('}', out);
}

void esp_logs_write_apps(FILE *out, const espdiag_esp *esp, uint32_t parts)
{
	(void)parts;
	fputs("\"apps\":[", out);
	size_t n = espdiag_esp_log_app_count(esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_log_app *a = espdiag_esp_log_app_at(esp, i);
		bool f = true;
		fputs(i ? ",{" : "{", out);
		esp_json_str(out, "id", a->id, &f);
		esp_json_str(out, "name", a->name, &f);
		esp_json_i64(out, "version", a->has_version, a->version, &f);
		esp_json_i64(out, "intent", a->has_intent, a->intent, &f);
		esp_json_i64(out, "install_context", a->has_install_context, a->install_context, &f);
		jref(out, "policy", a->policy, &f);
		esp_json_key(out, "attempts", &f);
		putc('[', out);
		for (size_t j = 0; j < a->attempt_count; j++) {
			if (j)
				putc(',', out);
			write_attempt(out, a->attempts[j]);
		}
		fputs("]}", out);
	}
	putc(']', out);
}

void esp_logs_write_clock(FILE *out, const espdiag_esp *esp, uint32_t parts)
{
	(void)parts;
	const espdiag_esp_clock *c = espdiag_esp_clock_info(esp);
	bool f = true;
	fputs("\"clock\":{", out);
	esp_json_bool(out, "known", c->known, &f);
	esp_json_i64(out, "utc_offset_minutes", c->known, c->utc_offset_minutes, &f);
	esp_json_str(out, "how", c->how, &f);
	jref(out, "evidence", c->evidence, &f);
	esp_json_str(out, "key", c->key, &f);
	esp_json_str(out, "value", c->value, &f);
	esp_json_str(out, "utc_time", c->utc_time, &f);
	esp_json_i64(out, "pairs", true, (int64_t)c->pairs, &f);
	putc('}', out);
}

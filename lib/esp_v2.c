/*
 * lib/esp_v2.c - Autopilot device preparation ("v2") in the ESP model
 * (esp.h, espdiag_esp_devprep and espdiag_esp_workload): the hint on
 * Provisioning\AutopilotSettings, the DevicePreparation CSP's nodes under
 * AutopilotSettings\DevicePreparation (EVIDENCE.md §6), and the IME's
 * workloads in IntuneManagementExtension\Win32Apps\ProvisioningProgress.
 *
 * What is accepted where is written once, in esp.h above
 * espdiag_esp_devprep: the CSP's registry layout is not documented, so a
 * node is looked for as a value and as the subkey its CSP path suggests,
 * and every value is kept as written (number and text) whatever its type.
 *
 * The IME log join (the bundle's app attempts of the same Intune id) is
 * not made here: the model reads a registry only. espdiag_esp_workload's
 * app_id is the key that join matches on, normalized here once.
 */
#include "esp_json.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "esp_time.h"

#define SETTINGS ESP_MS "Provisioning\\AutopilotSettings"
#define PROGRESS ESP_MS "IntuneManagementExtension\\Win32Apps\\ProvisioningProgress"

/* .NET's DateTime.MinValue (0001-01-01T00:00:00Z) in Unix seconds: what a
 * serializer writes for a time never set, so it is no time. */
#define DOTNET_MIN_UNIX INT64_C(-62135596800)
/* 9999-12-31T23:59:59Z, the last time .NET (and ISO 8601's four-digit
 * year) can spell: past it a number is no time. */
#define DOTNET_MAX_UNIX INT64_C(253402300799)

const char *espdiag_esp_devprep_status_name(uint32_t status)
{
	static const char *const names[] = { "disabled", "enabled", "in_progress",
		                             "exited_on_success", "exited_on_failure" };
	return status < sizeof names / sizeof names[0] ? names[status] : "unknown";
}

/* The enum's member names, as a .NET enum is spelled when a serializer
 * writes it as a string (StringEnumConverter): index = value. */
static const char *const workload_names[] = { "NotStarted", "Completed",  "Skipped",
	                                      "Uninstalled", "Failed", "InProgress",
	                                      "RebootRequired", "Cancelled" };

const char *espdiag_esp_workload_state_name(uint32_t state)
{
	static const char *const names[] = { "not_started", "completed",  "skipped",
		                             "uninstalled", "failed",     "in_progress",
		                             "reboot_required", "cancelled" };
	return state < sizeof names / sizeof names[0] ? names[state] : "unknown";
}

/* --- one value, whatever its type --- */

/* Decimal digits, or 0x and hex digits, as a 32-bit number. */
static bool number_of_text(const char *s, uint32_t *out)
{
	if (s == NULL || *s == '\0' || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return false;
	int base = strncasecmp(s, "0x", 2) == 0 ? 16 : 10;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0' || end == s + (base == 16 ? 2 : 0) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Fills out from value v of key k: its place, its number and its text. */
static int take_value(espdiag_esp *esp, const espdiag_key *k, const espdiag_value *v,
                      espdiag_esp_devprep_value *out)
{
	int rc = ESPDIAG_OK;
	char buf[24];
	out->key = esp_model_keypath(esp, k, &rc);
	out->name = esp_model_strdup(esp, espdiag_value_name(v));
	if (rc != ESPDIAG_OK || out->name == NULL)
		return ESPDIAG_ENOMEM;
	uint32_t d;
	uint64_t q;
	char *s = NULL;
	if (espdiag_value_get_dword(v, &d) == ESPDIAG_OK) {
		out->number = (espdiag_esp_u32){ d, true };
		snprintf(buf, sizeof buf, "%" PRIu32, d);
		out->text = esp_model_strdup(esp, buf);
	} else if (espdiag_value_type(v) == ESPDIAG_REG_QWORD &&
	           espdiag_value_get_qword(v, &q) == ESPDIAG_OK) {
		out->number.has = q <= UINT32_MAX;
		out->number.value = (uint32_t)q;
		snprintf(buf, sizeof buf, "%" PRIu64, q);
		out->text = esp_model_strdup(esp, buf);
	} else {
		int r = espdiag_value_get_string(&s, v);
		if (r == ESPDIAG_ENOMEM)
			return r;
		if (r != ESPDIAG_OK) {
			esp_warn(&esp->warnings, 0, 0, 0,
			         "%s\\%s: type %u is no number or string; kept without data",
			         out->key, esp_json_value_label(out->name),
			         (unsigned)espdiag_value_type(v));
			return ESPDIAG_OK;
		}
		out->text = esp_model_strdup(esp, s);
		out->number.has = number_of_text(s, &out->number.value);
		espdiag_free(s);
	}
	return out->text == NULL ? ESPDIAG_ENOMEM : ESPDIAG_OK;
}

/*
 * The node name: a value of that name on k, else (nested) a subkey of that
 * name holding it as its value of the same name or its default value.
 * *found gets the value read (NULL when none), *holder (when not NULL) its key.
 */
static int read_node(espdiag_esp *esp, const espdiag_key *k, const char *name, bool nested,
                     espdiag_esp_devprep_value *out, const espdiag_key **holder,
                     const espdiag_value **found)
{
	int rc = ESPDIAG_OK;
	const espdiag_value *v = NULL;
	*found = NULL;
	if (k == NULL)
		return rc;
	if (espdiag_key_value(&v, k, name) != ESPDIAG_OK) {
		const espdiag_key *sub = nested ? esp_model_sub(k, name, &rc) : NULL;
		if (sub == NULL)
			return rc;
		if (espdiag_key_value(&v, sub, name) != ESPDIAG_OK &&
		    espdiag_key_value(&v, sub, "") != ESPDIAG_OK)
			return rc;
		k = sub;
	}
	*found = v;
	if (holder != NULL)
		*holder = k;
	return take_value(esp, k, v, out);
}

/* --- the page's settings (PageSettings JSON) --- */

/* A boolean as written: true/false, 0/1 (number or string), "true"/"false". */
static espdiag_esp_u32 bool_of(const json_t *j)
{
	espdiag_esp_u32 out = { 0, false };
	if (json_is_boolean(j))
		return (espdiag_esp_u32){ json_is_true(j) ? 1u : 0u, true };
	if (json_is_string(j)) {
		if (strcasecmp(json_string_value(j), "true") == 0)
			return (espdiag_esp_u32){ 1, true };
		if (strcasecmp(json_string_value(j), "false") == 0)
			return (espdiag_esp_u32){ 0, true };
	}
	if (esp_json_get_u32(j, &out.value) && out.value <= 1)
		out.has = true;
	return out;
}

static int read_settings(espdiag_esp *esp, const espdiag_key *k, const espdiag_value *v)
{
	int rc = ESPDIAG_OK;
	espdiag_esp_devprep *d = &esp->devprep;
	json_t *doc = esp_json_read_value(esp, k, v, &rc);
	if (doc == NULL)
		return rc;
	d->settings_read = true;
	d->agent_download_timeout_seconds =
		esp_json_u32_of(esp_json_member(doc, "AgentDownloadTimeoutSeconds"));
	d->page_timeout_seconds = esp_json_u32_of(esp_json_member(doc, "PageTimeoutSeconds"));
	d->error_message = esp_json_get_str(esp, esp_json_member(doc, "ErrorMessage"), &rc);
	d->allow_skip_on_failure = bool_of(esp_json_member(doc, "AllowSkipOnFailure"));
	d->allow_diagnostics = bool_of(esp_json_member(doc, "AllowDiagnostics"));
	json_decref(doc);
	return rc;
}

/* --- DevicePreparation and the hint --- */

static bool hinted(const espdiag_esp_devprep_value *h)
{
	if (h->key == NULL)
		return false;
	if (h->number.has)
		return h->number.value != 0;
	/* A judgment call: the hint's data type is not documented; any other
	 * text but "false" says the device was pointed to device preparation. */
	return h->text != NULL && h->text[0] != '\0' && strcasecmp(h->text, "false") != 0;
}

static int load_devprep(espdiag_esp *esp, espdiag_registry *reg)
{
	int rc = ESPDIAG_OK;
	espdiag_esp_devprep *d = &esp->devprep;
	const espdiag_value *v;
	const espdiag_key *settings = esp_model_lookup(reg, SETTINGS, &rc);
	if (settings == NULL)
		return rc;
	if ((rc = read_node(esp, settings, "AutopilotDevicePrepHint", false, &d->hint, NULL, &v)))
		return rc;
	d->hinted = hinted(&d->hint);
	const espdiag_key *dp = esp_model_sub(settings, "DevicePreparation", &rc);
	if (dp == NULL)
		return rc;
	if ((d->key = esp_model_keypath(esp, dp, &rc)) == NULL)
		return rc;
	const espdiag_key *holder = NULL;
	static const struct {
		const char *name;
		size_t offset;
	} page[] = {
		{ "PageEnabled", offsetof(espdiag_esp_devprep, page_enabled) },
		{ "PageStatus", offsetof(espdiag_esp_devprep, page_status) },
		{ "PageErrorPhase", offsetof(espdiag_esp_devprep, page_error_phase) },
		{ "PageErrorCode", offsetof(espdiag_esp_devprep, page_error_code) },
		{ "PageErrorDetails", offsetof(espdiag_esp_devprep, page_error_details) },
	};
	for (size_t i = 0; i < sizeof page / sizeof page[0] && rc == ESPDIAG_OK; i++)
		rc = read_node(esp, dp, page[i].name, true,
		               (espdiag_esp_devprep_value *)((char *)d + page[i].offset), NULL, &v);
	if (rc == ESPDIAG_OK)
		rc = read_node(esp, dp, "PageSettings", true, &d->page_settings, &holder, &v);
	if (rc == ESPDIAG_OK && v != NULL)
		rc = read_settings(esp, holder, v);

	/* The CSP's MDMProvider/ and BootstrapperAgent/ nodes: their subkeys
	 * first, then the same names directly on DevicePreparation. */
	const espdiag_key *mdm = esp_model_sub(dp, "MDMProvider", &rc);
	const espdiag_key *boot = esp_model_sub(dp, "BootstrapperAgent", &rc);
	static const struct {
		const char *name;
		bool on_mdm;
		bool direct;
		size_t offset;
	} nodes[] = {
		{ "MdmAgentInstalled", true, true, offsetof(espdiag_esp_devprep, mdm_agent_installed) },
		/* "Progress" alone on DevicePreparation would be a guess. */
		{ "Progress", true, false, offsetof(espdiag_esp_devprep, mdm_progress) },
		{ "ClassID", false, true, offsetof(espdiag_esp_devprep, bootstrapper_class_id) },
		{ "ExecutionContext", false, true,
		  offsetof(espdiag_esp_devprep, bootstrapper_execution_context) },
		{ "InstallationStatusUri", false, true,
		  offsetof(espdiag_esp_devprep, bootstrapper_installation_status_uri) },
	};
	for (size_t i = 0; i < sizeof nodes / sizeof nodes[0] && rc == ESPDIAG_OK; i++) {
		espdiag_esp_devprep_value *out =
			(espdiag_esp_devprep_value *)((char *)d + nodes[i].offset);
		rc = read_node(esp, nodes[i].on_mdm ? mdm : boot, nodes[i].name, false, out, NULL,
		               &v);
		if (rc == ESPDIAG_OK && out->key == NULL && nodes[i].direct)
			rc = read_node(esp, dp, nodes[i].name, false, out, NULL, &v);
	}
	return rc;
}

/* --- the IME's workloads --- */

/* "/Date(<ms>[+-hhmm])/": milliseconds since 1970 UTC (the offset marks a
 * local DateTime; the number is UTC all the same). */
static bool parse_ms_date(const char *s, int64_t *secs, uint32_t *frac)
{
	if (strncmp(s, "/Date(", 6) != 0)
		return false;
	const char *p = s + 6;
	bool neg = *p == '-';
	if (neg)
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	int64_t ms = 0;
	for (; isdigit((unsigned char)*p); p++) {
		if (ms > (INT64_MAX - 9) / 10)
			return false;
		ms = ms * 10 + (*p - '0');
	}
	if (*p == '+' || *p == '-') {
		p++;
		for (int i = 0; i < 4; i++, p++)
			if (!isdigit((unsigned char)*p))
				return false;
	}
	if (strcmp(p, ")/") != 0)
		return false;
	if (neg)
		ms = -ms;
	int64_t q = ms / 1000, r = ms % 1000;
	if (r < 0) {
		q--;
		r += 1000;
	}
	*secs = q;
	*frac = (uint32_t)r * 10000u;
	return true;
}

static int read_time(espdiag_esp *esp, const json_t *j, const char **raw, bool *has,
                     int64_t *secs, uint32_t *frac, const char **utc)
{
	int rc = ESPDIAG_OK;
	char buf[ESP_TIME_BUFSIZE];
	if (j == NULL || json_is_null(j))
		return rc;
	if (json_is_integer(j)) {
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		*raw = esp_model_strdup(esp, buf);
		return *raw ? rc : ESPDIAG_ENOMEM;
	}
	if (!json_is_string(j))
		return rc;
	if ((*raw = esp_json_get_str(esp, j, &rc)) == NULL)
		return rc;
	int64_t s;
	uint32_t f = 0;
	if (!parse_ms_date(*raw, &s, &f) && !esp_time_parse(*raw, &s, &f))
		return rc;
	if (s <= DOTNET_MIN_UNIX || s > DOTNET_MAX_UNIX)
		return rc;
	*has = true;
	*secs = s;
	*frac = f;
	esp_time_format(buf, s, f);
	*utc = esp_model_strdup(esp, buf);
	return *utc ? rc : ESPDIAG_ENOMEM;
}

/* A GUID id as a bare lower-case GUID; NULL when it is none. */
static const char *bare_guid(espdiag_esp *esp, const char *id, int *rc)
{
	if (id == NULL || !esp_model_is_guid(id))
		return NULL;
	const char *g = id[0] == '{' ? id + 1 : id;
	char *out = esp_arena_strndup(&esp->arena, g, 36);
	if (out == NULL) {
		*rc = ESPDIAG_ENOMEM;
		return NULL;
	}
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

static int read_state(espdiag_esp *esp, espdiag_esp_workload *w, const json_t *j)
{
	int rc = ESPDIAG_OK;
	if (esp_json_get_u32(j, &w->state.value)) {
		w->state.has = true;
		return rc;
	}
	if (!json_is_string(j))
		return rc;
	w->state_raw = esp_json_get_str(esp, j, &rc);
	for (uint32_t i = 0; w->state_raw && i < sizeof workload_names / sizeof workload_names[0];
	     i++)
		if (strcasecmp(w->state_raw, workload_names[i]) == 0)
			w->state = (espdiag_esp_u32){ i, true };
	return rc;
}

/* ErrorCode: a JSON integer or decimal string as written, or "0x..." hex
 * (an HRESULT spelled in hex, read as its unsigned value). */
static void read_error_code(espdiag_esp_workload *w, const json_t *j)
{
	uint32_t u;
	if (esp_json_get_i64(j, &w->error_code)) {
		w->has_error_code = true;
	} else if (json_is_string(j) && strncasecmp(json_string_value(j), "0x", 2) == 0 &&
	           number_of_text(json_string_value(j), &u)) {
		w->has_error_code = true;
		w->error_code = u;
	}
}

static int read_workload(espdiag_esp *esp, espdiag_esp_workload *w, const json_t *o)
{
	int rc = ESPDIAG_OK;
	char buf[32];
	const json_t *id = esp_json_member(o, "WorkloadId");
	if (json_is_integer(id)) {
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
		if ((w->id = esp_model_strdup(esp, buf)) == NULL)
			return ESPDIAG_ENOMEM;
	} else {
		w->id = esp_json_get_str(esp, id, &rc);
	}
	w->app_id = bare_guid(esp, w->id, &rc);
	w->name = esp_json_get_str(esp, esp_json_member(o, "FriendlyName"), &rc);
	if (rc == ESPDIAG_OK)
		rc = read_state(esp, w, esp_json_member(o, "WorkloadState"));
	if (rc == ESPDIAG_OK)
		rc = read_time(esp, esp_json_member(o, "StartTime"), &w->start_raw, &w->has_start,
		               &w->start_unix, &w->start_100ns, &w->start_utc);
	if (rc == ESPDIAG_OK)
		rc = read_time(esp, esp_json_member(o, "EndTime"), &w->end_raw, &w->has_end,
		               &w->end_unix, &w->end_100ns, &w->end_utc);
	read_error_code(w, esp_json_member(o, "ErrorCode"));
	return rc;
}

static int load_workloads(espdiag_esp *esp, espdiag_registry *reg)
{
	int rc = ESPDIAG_OK;
	const espdiag_value *v;
	const espdiag_key *k = esp_model_lookup(reg, PROGRESS, &rc);
	if (k == NULL)
		return rc;
	if (espdiag_key_value(&v, k, "ProvisioningProgress") != ESPDIAG_OK &&
	    espdiag_key_value(&v, k, "") != ESPDIAG_OK)
		return rc;
	json_t *doc = esp_json_read_value(esp, k, v, &rc);
	if (doc == NULL)
		return rc;
	const char *key = esp_model_keypath(esp, k, &rc);
	const char *value = esp_model_strdup(esp, espdiag_value_name(v));
	json_t *list = esp_json_member(doc, "Workloads");
	size_t n = json_array_size(list);
	if (key == NULL || value == NULL) {
		rc = ESPDIAG_ENOMEM;
	} else if (!json_is_array(list)) {
		esp_warn(&esp->warnings, 0, 0, 0, "%s\\%s: the JSON has no Workloads array; ignored",
		         key, esp_json_value_label(value));
	} else if (n > 0 && (esp->workloads = esp_arena_calloc(&esp->arena, n,
	                                                       sizeof *esp->workloads)) == NULL) {
		rc = ESPDIAG_ENOMEM;
	}
	for (size_t i = 0; i < n && rc == ESPDIAG_OK && esp->workloads != NULL; i++) {
		const json_t *o = json_array_get(list, i);
		if (!json_is_object(o)) {
			esp_warn(&esp->warnings, 0, 0, 0,
			         "%s\\%s: Workloads[%zu] is no JSON object; skipped", key,
			         esp_json_value_label(value), i);
			continue;
		}
		if (!esp_model_budget(esp))
			break;
		espdiag_esp_workload *w = &esp->workloads[esp->workload_count++];
		w->key = key;
		w->value = value;
		w->index = i;
		rc = read_workload(esp, w, o);
	}
	json_decref(doc);
	return rc;
}

static bool value_nonzero(const espdiag_esp_devprep_value *v)
{
	return v->number.has && v->number.value != 0;
}

int esp_load_v2(espdiag_esp *esp, espdiag_registry *reg)
{
	int rc = load_devprep(esp, reg);
	if (rc == ESPDIAG_OK)
		rc = load_workloads(esp, reg);
	espdiag_esp_devprep *d = &esp->devprep;
	d->in_use = d->hinted || value_nonzero(&d->page_enabled) ||
	            value_nonzero(&d->page_status) || d->settings_read || esp->workload_count > 0;
	return rc;
}

const espdiag_esp_devprep *espdiag_esp_devprep_info(const espdiag_esp *esp)
{
	static const espdiag_esp_devprep none;
	return esp ? &esp->devprep : &none;
}

size_t espdiag_esp_workload_count(const espdiag_esp *esp)
{
	return esp ? esp->workload_count : 0;
}

const espdiag_esp_workload *espdiag_esp_workload_at(const espdiag_esp *esp, size_t index)
{
	return esp && index < esp->workload_count ? &esp->workloads[index] : NULL;
}

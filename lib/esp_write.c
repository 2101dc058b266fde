/*
 * lib/esp_write.c - the ESP model's output: the JSON members the report
 * embeds, and the timeline as text or JSON Lines (formats in esp.h).
 */
#include "esp_private.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "esp_time.h"
#include "json.h"
#include "textout.h"

static void json_key(FILE *out, const char *name, bool *first)
{
	if (!*first)
		putc(',', out);
	*first = false;
	fprintf(out, "\"%s\":", name);
}

static void json_u32(FILE *out, const char *name, espdiag_esp_u32 v, bool *first)
{
	json_key(out, name, first);
	if (v.has)
		fprintf(out, "%" PRIu32, v.value);
	else
		fputs("null", out);
}

static void json_str(FILE *out, const char *name, const char *s, bool *first)
{
	json_key(out, name, first);
	esp_json_cstr(out, s);
}

static void json_bool(FILE *out, const char *name, bool b, bool *first)
{
	json_key(out, name, first);
	fputs(b ? "true" : "false", out);
}

static void write_first_sync(FILE *out, const espdiag_esp_first_sync *f)
{
	bool first = true;
	static const struct {
		uint32_t flag;
		const char *name;
	} blocks[] = { { ESPDIAG_ESP_BLOCK_ALLOW_RESET, "allow_reset" },
		       { ESPDIAG_ESP_BLOCK_ALLOW_RETRY, "allow_retry" },
		       { ESPDIAG_ESP_BLOCK_ALLOW_CONTINUE, "allow_continue" } };
	putc('{', out);
	json_str(out, "key", f->key, &first);
	json_u32(out, "skip_device_status_page", f->skip_device_status_page, &first);
	json_u32(out, "skip_user_status_page", f->skip_user_status_page, &first);
	json_bool(out, "device_page_skipped", f->device_page_skipped, &first);
	json_bool(out, "user_page_skipped", f->user_page_skipped, &first);
	json_u32(out, "block_in_status_page", f->block_in_status_page, &first);
	json_key(out, "block_flags", &first);
	putc('[', out);
	bool fb = true;
	for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
		if (f->block_in_status_page.has && (f->block_in_status_page.value & blocks[i].flag)) {
			fprintf(out, "%s\"%s\"", fb ? "" : ",", blocks[i].name);
			fb = false;
		}
	}
	putc(']', out);
	json_u32(out, "sync_failure_timeout", f->sync_failure_timeout, &first);
	json_key(out, "timeout_minutes", &first);
	fprintf(out, "%" PRIu32, f->timeout_minutes);
	json_bool(out, "timeout_is_default", f->timeout_is_default, &first);
	json_u32(out, "allow_collect_logs_button", f->allow_collect_logs_button, &first);
	json_str(out, "custom_error_text", f->custom_error_text, &first);
	json_u32(out, "is_sync_done", f->is_sync_done, &first);
	json_u32(out, "is_server_provisioning_done", f->is_server_provisioning_done, &first);
	json_u32(out, "applications_duration", f->applications_duration, &first);
	json_u32(out, "policy_duration", f->policy_duration, &first);
	json_u32(out, "networking_duration", f->networking_duration, &first);
	json_u32(out, "certificates_duration", f->certificates_duration, &first);
	json_str(out, "timestamp", f->has_timestamp ? f->timestamp_utc : NULL, &first);
	json_key(out, "timestamp_filetime", &first);
	if (f->has_timestamp)
		fprintf(out, "%" PRIu64, f->timestamp_filetime);
	else
		fputs("null", out);
	putc('}', out);
}

static void write_enrollments(FILE *out, const espdiag_esp *esp, uint32_t parts)
{
	(void)parts;
	fputs("\"enrollments\":[", out);
	for (size_t i = 0; i < esp->enrollments.n; i++) {
		const espdiag_esp_enrollment *e = esp->enrollments.v[i];
		bool first = true;
		fputs(i ? ",{" : "{", out);
		json_str(out, "guid", e->guid, &first);
		json_str(out, "key", e->key, &first);
		json_str(out, "provider_id", e->provider_id, &first);
		json_str(out, "upn", e->upn, &first);
		json_str(out, "tenant_id", e->tenant_id, &first);
		json_u32(out, "enrollment_type", e->enrollment_type, &first);
		json_key(out, "first_sync", &first);
		if (e->first_sync)
			write_first_sync(out, e->first_sync);
		else
			fputs("null", out);
		putc('}', out);
	}
	putc(']', out);
}

static void write_autopilot(FILE *out, const espdiag_esp *esp, uint32_t parts)
{
	(void)parts;
	const espdiag_esp_autopilot *a = &esp->autopilot;
	bool first = true;
	fputs("\"autopilot\":", out);
	if (a->key == NULL && a->policy_cache_key == NULL) {
		fputs("null", out);
		return;
	}
	putc('{', out);
	json_str(out, "key", a->key, &first);
	json_str(out, "tenant_id", a->tenant_id, &first);
	json_str(out, "tenant_domain", a->tenant_domain, &first);
	json_str(out, "profile_name", a->profile_name, &first);
	json_u32(out, "oobe_config", a->oobe_config, &first);
	json_key(out, "oobe_flags", &first);
	putc('[', out);
	bool fb = true;
	for (unsigned bit = 0; a->oobe_config.has && bit < 32; bit++) {
		uint32_t mask = 1u << bit;
		const char *name = espdiag_esp_oobe_flag_name(mask);
		if (!(a->oobe_config.value & mask))
			continue;
		if (name != NULL)
			fprintf(out, "%s\"%s\"", fb ? "" : ",", name);
		else
			fprintf(out, "%s\"0x%" PRIx32 "\"", fb ? "" : ",", mask);
		fb = false;
	}
	putc(']', out);
	json_u32(out, "domain_join_method", a->domain_join_method, &first);
	json_bool(out, "hybrid_join", a->hybrid_join, &first);
	json_str(out, "ztd_id", a->ztd_id, &first);
	json_str(out, "ent_dm_id", a->ent_dm_id, &first);
	json_str(out, "policy_cache_key", a->policy_cache_key, &first);
	json_bool(out, "from_policy_cache", a->from_policy_cache, &first);
	putc('}', out);
}

static void write_phases(FILE *out, const espdiag_esp *esp, uint32_t parts)
{
	fputs("\"phases\":[", out);
	for (size_t i = 0; i < esp->phases.n; i++) {
		const espdiag_esp_phase_info *p = esp->phases.v[i];
		bool first = true;
		fputs(i ? ",{" : "{", out);
		json_str(out, "phase", espdiag_esp_phase_name(p->phase), &first);
		json_str(out, "status", espdiag_esp_phase_status_name(p->status), &first);
		json_str(out, "sid", p->sid, &first);
		json_str(out, "evidence", p->key, &first);
		if (parts & ESPDIAG_ESP_JSON_SOURCES) {
			json_key(out, "sources", &first);
			putc('[', out);
			if (p->key != NULL)
				esp_json_source(out, p->key, NULL, false, 0, NULL);
			putc(']', out);
		}
		putc('}', out);
	}
	putc(']', out);
}

static void write_items(FILE *out, const espdiag_esp *esp, uint32_t parts)
{
	fputs("\"items\":[", out);
	for (size_t i = 0; i < esp->items.n; i++) {
		const espdiag_esp_item *it = esp->items.v[i];
		bool first = true;
		fputs(i ? ",{" : "{", out);
		json_str(out, "kind", espdiag_esp_item_kind_name(it->kind), &first);
		json_str(out, "id", it->id, &first);
		json_str(out, "context", it->sid ? "user" : "device", &first);
		json_str(out, "sid", it->sid, &first);
		json_str(out, "phase", espdiag_esp_phase_name(it->phase), &first);
		json_str(out, "state", it->state, &first);
		json_u32(out, "state_raw", it->state_raw, &first);
		json_bool(out, "ime", it->is_ime, &first);
		json_str(out, "evidence", it->key, &first);
		json_str(out, "value", it->value, &first);
		/* Added in 0.2, only where known, so that an item without one
		 * is written as 0.1 wrote it. */
		const espdiag_esp_app *app = ((const esp_item *)it)->app;
		if (app != NULL && app->error_hresult.has)
			json_u32(out, "error_hresult", app->error_hresult, &first);
		/* Added with the bundle: the app's name from the IME logs. */
		if (it->name != NULL)
			json_str(out, "name", it->name, &first);
		if (parts & ESPDIAG_ESP_JSON_SOURCES) {
			json_key(out, "sources", &first);
			putc('[', out);
			if (it->key != NULL)
				esp_json_source(out, it->key, it->value, it->state_raw.has,
				                it->state_raw.value, it->state);
			putc(']', out);
		}
		putc('}', out);
	}
	putc(']', out);
}

static void json_i64(FILE *out, const char *name, bool has, int64_t v, bool *first)
{
	json_key(out, name, first);
	if (has)
		fprintf(out, "%" PRId64, v);
	else
		fputs("null", out);
}

/* Where a message was found, or null: {"key":...,"value":..., */
static bool json_source(FILE *out, const char *name, const char *key, const char *value,
                        bool *first)
{
	json_key(out, name, first);
	if (key == NULL) {
		fputs("null", out);
		return false;
	}
	bool f = true;
	putc('{', out);
	json_str(out, "key", key, &f);
	json_str(out, "value", value, &f);
	return true;
}

static void write_ime_apps(FILE *out, const espdiag_esp *esp, uint32_t parts)
{
	(void)parts;
	fputs("\"ime_apps\":[", out);
	for (size_t i = 0; i < esp->ime_apps.n; i++) {
		const espdiag_esp_ime_app *a = esp->ime_apps.v[i];
		bool first = true, f = false;
		fputs(i ? ",{" : "{", out);
		json_str(out, "key", a->key, &first);
		json_str(out, "user_id", a->user_id, &first);
		json_bool(out, "device", a->device, &first);
		json_str(out, "app_id", a->app_id, &first);
		json_u32(out, "revision", a->revision, &first);
		if (json_source(out, "enforcement", a->enforcement_key, a->enforcement_value, &first)) {
			json_u32(out, "state", a->enforcement_state, &f);
			json_str(out, "state_name",
			         a->enforcement_state.has
			                 ? espdiag_esp_enforcement_state_name(a->enforcement_state.value)
			                 : NULL,
			         &f);
			json_i64(out, "error_code", a->has_enforcement_error, a->enforcement_error, &f);
			putc('}', out);
		}
		f = false;
		if (json_source(out, "compliance", a->compliance_key, a->compliance_value, &first)) {
			json_u32(out, "applicability", a->applicability, &f);
			json_u32(out, "compliance_state", a->compliance_state, &f);
			json_u32(out, "desired_state", a->desired_state, &f);
			json_u32(out, "install_context", a->install_context, &f);
			json_u32(out, "target_type", a->target_type, &f);
			json_i64(out, "error_code", a->has_compliance_error, a->compliance_error, &f);
			putc('}', out);
		}
		/* Added with the bundle, only where known: the IME logs' name. */
		if (a->name != NULL)
			json_str(out, "name", a->name, &first);
		putc('}', out);
	}
	putc(']', out);
}

static void write_office(FILE *out, const espdiag_esp *esp, uint32_t parts)
{
	(void)parts;
	fputs("\"office\":[", out);
	for (size_t i = 0; i < esp->office.n; i++) {
		const espdiag_esp_office *o = esp->office.v[i];
		bool first = true;
		fputs(i ? ",{" : "{", out);
		json_str(out, "key", o->key, &first);
		json_str(out, "id", o->id, &first);
		json_u32(out, "final_status", o->final_status, &first);
		json_u32(out, "status", o->status, &first);
		json_u32(out, "effective", o->effective, &first);
		json_str(out, "effective_value", o->effective_value, &first);
		json_str(out, "effective_name",
		         o->effective.has ? espdiag_esp_msi_status_name(o->effective.value) : NULL,
		         &first);
		putc('}', out);
	}
	putc(']', out);
}

static void write_page(FILE *out, const espdiag_esp *esp, uint32_t parts)
{
	(void)parts;
	fputs("\"page\":[", out);
	for (size_t i = 0; i < esp->page.n; i++) {
		const espdiag_esp_page_category *c = esp->page.v[i];
		bool first = true;
		fputs(i ? ",{" : "{", out);
		json_str(out, "key", c->key, &first);
		json_str(out, "value", c->value, &first);
		json_str(out, "name", c->name, &first);
		json_str(out, "phase", c->phase ? espdiag_esp_phase_name(c->phase) : NULL, &first);
		json_str(out, "state", espdiag_esp_page_state_name(c->state), &first);
		json_str(out, "state_raw", c->state_raw, &first);
		json_str(out, "status_text", c->status_text, &first);
		json_bool(out, "flat", c->flat, &first);
		json_key(out, "subcategories", &first);
		putc('[', out);
		for (size_t j = 0; j < c->subcategory_count; j++) {
			const espdiag_esp_page_subcategory *s = c->subcategories[j];
			bool f = true;
			fputs(j ? ",{" : "{", out);
			json_str(out, "name", s->name, &f);
			json_str(out, "state", espdiag_esp_page_state_name(s->state), &f);
			json_str(out, "state_raw", s->state_raw, &f);
			json_str(out, "status_text", s->status_text, &f);
			putc('}', out);
		}
		fputs("]}", out);
	}
	putc(']', out);
}

static void write_omadm(FILE *out, const espdiag_esp *esp, uint32_t parts)
{
	(void)parts;
	fputs("\"omadm\":{\"accounts\":[", out);
	for (size_t i = 0; i < esp->omadm.n; i++) {
		const espdiag_esp_omadm_account *a = esp->omadm.v[i];
		bool first = true;
		fputs(i ? ",{" : "{", out);
		json_str(out, "key", a->key, &first);
		json_str(out, "account_id", a->account_id, &first);
		json_u32(out, "last_session_result", a->last_session_result, &first);
		json_str(out, "server_last_access_time", a->server_last_access_time, &first);
		json_str(out, "server_last_access_utc", a->server_last_access_utc, &first);
		json_str(out, "server_last_success_time", a->server_last_success_time, &first);
		json_str(out, "server_last_success_utc", a->server_last_success_utc, &first);
		putc('}', out);
	}
	fputs("],\"odj_applied\":", out);
	esp_json_cstr(out, esp->odj_applied_key);
	fputs(",\"policy_nodes\":[", out);
	for (size_t i = 0; i < esp->policy_nodes.n; i++) {
		const espdiag_esp_policy_node *p = esp->policy_nodes.v[i];
		bool first = true;
		fputs(i ? ",{" : "{", out);
		json_str(out, "key", p->key, &first);
		json_key(out, "index", &first);
		fprintf(out, "%" PRIu32, p->index);
		json_str(out, "uri", p->uri, &first);
		json_str(out, "expected_value", p->expected_value, &first);
		putc('}', out);
	}
	fputs("]}", out);
}

/* One device preparation value (espdiag_esp_devprep_value), or null. */
static void json_devprep_value(FILE *out, const char *name, const espdiag_esp_devprep_value *v,
                               bool *first)
{
	json_key(out, name, first);
	if (v->key == NULL) {
		fputs("null", out);
		return;
	}
	bool f = true;
	putc('{', out);
	json_str(out, "key", v->key, &f);
	json_str(out, "value", v->name, &f);
	json_u32(out, "number", v->number, &f);
	json_str(out, "text", v->text, &f);
	putc('}', out);
}

static void json_flag(FILE *out, const char *name, espdiag_esp_u32 v, bool *first)
{
	json_key(out, name, first);
	fputs(!v.has ? "null" : v.value ? "true" : "false", out);
}

static void write_workload(FILE *out, const espdiag_esp_workload *w)
{
	bool first = true;
	putc('{', out);
	json_str(out, "key", w->key, &first);
	json_str(out, "value", w->value, &first);
	json_key(out, "index", &first);
	fprintf(out, "%zu", w->index);
	json_str(out, "id", w->id, &first);
	json_str(out, "app_id", w->app_id, &first);
	json_str(out, "name", w->name, &first);
	json_u32(out, "state", w->state, &first);
	json_str(out, "state_name",
	         w->state.has ? espdiag_esp_workload_state_name(w->state.value) : NULL, &first);
	json_str(out, "state_raw", w->state_raw, &first);
	json_str(out, "start", w->has_start ? w->start_utc : NULL, &first);
	json_str(out, "start_raw", w->start_raw, &first);
	json_str(out, "end", w->has_end ? w->end_utc : NULL, &first);
	json_str(out, "end_raw", w->end_raw, &first);
	json_i64(out, "error_code", w->has_error_code, w->error_code, &first);
	putc('}', out);
}

static void write_devprep(FILE *out, const espdiag_esp *esp, uint32_t parts)
{
	(void)parts;
	const espdiag_esp_devprep *d = &esp->devprep;
	bool first = true;
	fputs("\"device_preparation\":{", out);
	json_str(out, "key", d->key, &first);
	json_bool(out, "in_use", d->in_use, &first);
	json_devprep_value(out, "hint", &d->hint, &first);
	json_bool(out, "hinted", d->hinted, &first);
	json_devprep_value(out, "page_enabled", &d->page_enabled, &first);
	json_devprep_value(out, "page_settings", &d->page_settings, &first);
	json_key(out, "settings", &first);
	if (d->settings_read) {
		bool f = true;
		putc('{', out);
		json_u32(out, "agent_download_timeout_seconds", d->agent_download_timeout_seconds, &f);
		json_u32(out, "page_timeout_seconds", d->page_timeout_seconds, &f);
		json_str(out, "error_message", d->error_message, &f);
		json_flag(out, "allow_skip_on_failure", d->allow_skip_on_failure, &f);
		json_flag(out, "allow_diagnostics", d->allow_diagnostics, &f);
		putc('}', out);
	} else {
		fputs("null", out);
	}
	json_devprep_value(out, "page_status", &d->page_status, &first);
	json_str(out, "page_status_name",
	         d->page_status.number.has
	                 ? espdiag_esp_devprep_status_name(d->page_status.number.value)
	                 : NULL,
	         &first);
	json_devprep_value(out, "page_error_phase", &d->page_error_phase, &first);
	json_devprep_value(out, "page_error_code", &d->page_error_code, &first);
	json_devprep_value(out, "page_error_details", &d->page_error_details, &first);
	json_devprep_value(out, "mdm_agent_installed", &d->mdm_agent_installed, &first);
	json_devprep_value(out, "mdm_progress", &d->mdm_progress, &first);
	json_devprep_value(out, "bootstrapper_class_id", &d->bootstrapper_class_id, &first);
	json_devprep_value(out, "bootstrapper_execution_context",
	                   &d->bootstrapper_execution_context, &first);
	json_devprep_value(out, "bootstrapper_installation_status_uri",
	                   &d->bootstrapper_installation_status_uri, &first);
	json_key(out, "workloads", &first);
	putc('[', out);
	for (size_t i = 0; i < esp->workload_count; i++) {
		if (i)
			putc(',', out);
		write_workload(out, &esp->workloads[i]);
	}
	fputs("]}", out);
}

/* "sources":[{...}] of one value the model read as a number. */
static void json_sources1(FILE *out, const char *key, const char *value, espdiag_esp_u32 v,
                          const char *display, bool *first)
{
	json_key(out, "sources", first);
	putc('[', out);
	if (key != NULL && v.has)
		esp_json_source(out, key, value, true, v.value, display);
	putc(']', out);
}

static void write_providers(FILE *out, const espdiag_esp *esp, uint32_t parts)
{
	(void)parts;
	fputs("\"providers\":[", out);
	for (size_t i = 0; i < esp->providers.n; i++) {
		const espdiag_esp_provider *p = esp->providers.v[i];
		bool first = true;
		const char *state = p->state.has ? espdiag_esp_provider_state_name(p->state.value) : NULL;
		fputs(i ? ",{" : "{", out);
		json_str(out, "key", p->key, &first);
		json_str(out, "name", p->name, &first);
		json_str(out, "kind", espdiag_esp_provider_kind_name(p->kind), &first);
		json_str(out, "state", state, &first);
		json_u32(out, "state_raw", p->state, &first);
		json_key(out, "last_error", &first);
		if (p->last_error.has)
			esp_json_error_object(out, p->last_error.value, false, 0);
		else
			fputs("null", out);
		json_u32(out, "timeout", p->timeout, &first);
		json_str(out, "resource_types_key", p->resource_types_key, &first);
		json_key(out, "tracked_resource_types", &first);
		putc('[', out);
		for (size_t j = 0; j < p->resource_type_count; j++) {
			bool f = true;
			fputs(j ? ",{" : "{", out);
			json_str(out, "name", p->resource_types[j].name, &f);
			json_u32(out, "value", p->resource_types[j].value, &f);
			putc('}', out);
		}
		putc(']', out);
		json_sources1(out, p->key, "InstallationState", p->state, state, &first);
		putc('}', out);
	}
	putc(']', out);
}

static void write_setup(FILE *out, const espdiag_esp_setup *s)
{
	bool first = true;
	putc('{', out);
	json_str(out, "context", s->sid ? "user" : "device", &first);
	json_str(out, "sid", s->sid, &first);
	json_str(out, "key", s->key, &first);
	json_u32(out, "has_provisioning_completed", s->has_provisioning_completed, &first);
	json_str(out, "apps_key", s->apps_key, &first);
	json_u32(out, "locked", s->locked, &first);
	json_key(out, "policy_providers", &first);
	putc('[', out);
	for (size_t i = 0; i < s->policy_provider_count; i++) {
		const espdiag_esp_policy_provider *p = s->policy_providers[i];
		bool f = true;
		fputs(i ? ",{" : "{", out);
		json_str(out, "key", p->key, &f);
		json_str(out, "name", p->name, &f);
		json_u32(out, "tracking_policies_created", p->tracking_policies_created, &f);
		json_sources1(out, p->key, "TrackingPoliciesCreated", p->tracking_policies_created, NULL,
		              &f);
		putc('}', out);
	}
	putc(']', out);
	json_key(out, "app_count", &first);
	fprintf(out, "%zu", s->app_count);
	json_sources1(out, s->key, "HasProvisioningCompleted", s->has_provisioning_completed, NULL,
	              &first);
	putc('}', out);
}

/* The device's setup (also when its key is absent: "key" null), then each
 * user's. */
static void write_setups(FILE *out, const espdiag_esp *esp, uint32_t parts)
{
	(void)parts;
	fputs("\"setups\":[", out);
	write_setup(out, &esp->device.pub);
	for (size_t i = 0; i < esp->users.n; i++) {
		putc(',', out);
		write_setup(out, &((const esp_setup *)esp->users.v[i])->pub);
	}
	putc(']', out);
}

/* --- the bundle's event logs and Autopilot files (0.2) --- */

static void json_u64(FILE *out, const char *name, uint64_t v, bool *first)
{
	json_key(out, name, first);
	fprintf(out, "%" PRIu64, v);
}

static void write_events(FILE *out, const espdiag_esp *esp, uint32_t parts)
{
	(void)parts;
	fputs("\"events\":[", out);
	for (size_t i = 0; i < esp->event_count; i++) {
		const espdiag_esp_event *e = &esp->events[i];
		bool first = true;
		fputs(i ? ",{" : "{", out);
		json_str(out, "member", e->member, &first);
		json_str(out, "channel", e->channel, &first);
		json_str(out, "provider", e->provider, &first);
		json_u64(out, "event_id", e->event_id, &first);
		json_u64(out, "level", e->level, &first);
		json_str(out, "time", e->has_time ? e->utc_time : NULL, &first);
		json_u64(out, "record_id", e->record_id, &first);
		json_bool(out, "recovered", e->recovered, &first);
		json_key(out, "data", &first);
		putc('[', out);
		for (size_t j = 0; j < e->data_count; j++) {
			bool f = true;
			fputs(j ? ",{" : "{", out);
			json_str(out, "name", e->data[j].name, &f);
			json_str(out, "value", e->data[j].value, &f);
			putc('}', out);
		}
		fputs("]}", out);
	}
	putc(']', out);
}

static void write_files(FILE *out, const espdiag_esp *esp, uint32_t parts)
{
	(void)parts;
	bool first = true;
	fputs("\"ztd\":", out);
	const espdiag_esp_ztd *z = esp->ztd;
	if (z == NULL) {
		fputs("null", out);
	} else {
		putc('{', out);
		json_str(out, "member", z->member, &first);
		json_i64(out, "error_code", z->has_error, z->error_code, &first);
		json_str(out, "error_reason", z->error_reason, &first);
		json_str(out, "tenant_id", z->tenant_id, &first);
		json_str(out, "tenant_domain", z->tenant_domain, &first);
		json_str(out, "profile_name", z->profile_name, &first);
		json_str(out, "oobe_config", z->oobe_config, &first);
		json_str(out, "domain_join_method", z->domain_join_method, &first);
		json_str(out, "policy_download_date", z->policy_download_date, &first);
		json_str(out, "ztd_registration_id", z->ztd_registration_id, &first);
		json_str(out, "correlation_id", z->correlation_id, &first);
		putc('}', out);
	}
	fputs(",\"device_hashes\":[", out);
	for (size_t i = 0; i < esp->device_hash_count; i++) {
		const espdiag_esp_device_hash *h = &esp->device_hashes[i];
		first = true;
		fputs(i ? ",{" : "{", out);
		json_str(out, "member", h->member, &first);
		json_str(out, "serial", h->serial, &first);
		json_str(out, "product_id", h->product_id, &first);
		json_bool(out, "hash_present", h->hash_present, &first);
		json_u64(out, "hash_length", h->hash_length, &first);
		putc('}', out);
	}
	fputs("],\"collection\":", out);
	const espdiag_esp_collection *c = esp->collection;
	if (c == NULL) {
		fputs("null", out);
	} else {
		first = true;
		putc('{', out);
		json_str(out, "member", c->member, &first);
		json_str(out, "collected", c->collected, &first);
		json_str(out, "areas", c->areas, &first);
		putc('}', out);
	}
}

int espdiag_esp_write_json(const espdiag_esp *esp, uint32_t parts, FILE *out)
{
	if (esp == NULL || out == NULL || (parts & ~ESPDIAG_ESP_JSON_REPORT) != 0)
		return ESPDIAG_EINVAL;
	bool first = true;
	/* One writer per part bit, in bit order. */
	static void (*const writers[])(FILE *, const espdiag_esp *, uint32_t) = {
		write_enrollments, write_autopilot, write_phases, write_items,
		write_ime_apps,    write_office,    write_page,   write_omadm,
		write_providers,   write_setups,    NULL /* SOURCES: not a part */,
		write_devprep,     esp_logs_write_apps, write_events, write_files,
		esp_logs_write_clock
	};
	for (unsigned i = 0; i < sizeof writers / sizeof writers[0]; i++) {
		if (!(parts & (1u << i)) || writers[i] == NULL)
			continue;
		if (!first)
			putc(',', out);
		first = false;
		writers[i](out, esp, parts);
	}
	return ferror(out) ? ESPDIAG_EIO : ESPDIAG_OK;
}

static void change_time(char buf[ESP_TIME_BUFSIZE], const espdiag_esp_snapshot *s)
{
	if (s->time_valid)
		esp_time_format(buf, s->time_unix, s->time_100ns);
	else
		buf[0] = '\0';
}

static void write_change_text(FILE *out, const espdiag_esp_change *c)
{
	const espdiag_esp_snapshot *s = c->snapshot;
	const espdiag_esp_entry *e = c->entry;
	char buf[ESP_TIME_BUFSIZE];
	change_time(buf, s);
	/* Key names, SIDs and ids come from the input: escaped for a terminal. */
	esp_text_cstr(out, s->time_valid ? buf : s->timestamp);
	fprintf(out, " %s ", espdiag_esp_phase_name(c->phase));
	esp_text_cstr(out, s->sid ? s->sid : "device");
	putc(' ', out);
	esp_text_cstr(out, s->category_name);
	fprintf(out, " %s %s(", espdiag_esp_item_kind_name(e->kind),
	        espdiag_esp_entry_state_name(s, e));
	if (e->state.has)
		fprintf(out, "%" PRIu32, e->state.value);
	else
		putc('-', out);
	fputs(") ", out);
	esp_text_cstr(out, e->id);
	putc('\n', out);
}

static void write_change_json(FILE *out, const espdiag_esp_change *c)
{
	const espdiag_esp_snapshot *s = c->snapshot;
	const espdiag_esp_entry *e = c->entry;
	char buf[ESP_TIME_BUFSIZE];
	bool first = true;
	change_time(buf, s);
	putc('{', out);
	json_str(out, "schema", "espdiag-timeline/1", &first);
	json_str(out, "time", s->time_valid ? buf : NULL, &first);
	json_str(out, "timestamp", s->timestamp, &first);
	json_bool(out, "last_logged_state", s->last_logged_state, &first);
	json_str(out, "phase", espdiag_esp_phase_name(c->phase), &first);
	json_str(out, "context", s->sid ? "user" : "device", &first);
	json_str(out, "sid", s->sid, &first);
	json_str(out, "category", espdiag_esp_category_name(s->owner_category), &first);
	json_str(out, "category_name", s->category_name, &first);
	json_str(out, "kind", espdiag_esp_item_kind_name(e->kind), &first);
	json_str(out, "id", e->id, &first);
	json_str(out, "state", espdiag_esp_entry_state_name(s, e), &first);
	json_u32(out, "state_raw", e->state, &first);
	json_str(out, "previous", c->previous ? espdiag_esp_entry_state_name(s, c->previous) : NULL,
	         &first);
	json_key(out, "evidence", &first);
	first = true;
	putc('{', out);
	json_str(out, "key", s->key, &first);
	json_str(out, "value", e->value, &first);
	fputs("},\"sources\":[", out);
	esp_json_source(out, s->key, e->value, e->state.has, e->state.value,
	                espdiag_esp_entry_state_name(s, e));
	fputs("],\"source\":\"registry\"}\n", out);
}

/* --- device preparation workloads in the timeline --- */

/* A workload's line: its start, or its state (at its end, else at its
 * start when it has no end, else untimed). */
typedef struct wl_event {
	const espdiag_esp_workload *w;
	bool start;          /* the "started" line */
	bool timed;
	int64_t secs;
	uint32_t frac;
} wl_event;

static int wl_cmp(const void *a, const void *b)
{
	const wl_event *x = a, *y = b;
	if (x->timed != y->timed)
		return x->timed ? -1 : 1;
	if (x->timed && (x->secs != y->secs || x->frac != y->frac))
		return x->secs < y->secs || (x->secs == y->secs && x->frac < y->frac) ? -1 : 1;
	if (x->w->index != y->w->index)
		return x->w->index < y->w->index ? -1 : 1;
	return x->start ? -1 : y->start ? 1 : 0;
}

/* The events, sorted; NULL (count 0) when there are none or no memory. */
static wl_event *wl_events(const espdiag_esp *esp, size_t *count)
{
	size_t n = 0;
	*count = 0;
	if (esp->workload_count == 0)
		return NULL;
	wl_event *v = calloc(esp->workload_count * 2, sizeof *v);
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < esp->workload_count; i++) {
		const espdiag_esp_workload *w = &esp->workloads[i];
		if (w->has_start && w->has_end)
			v[n++] = (wl_event){ w, true, true, w->start_unix, w->start_100ns };
		if (w->has_end)
			v[n++] = (wl_event){ w, false, true, w->end_unix, w->end_100ns };
		else if (w->has_start)
			v[n++] = (wl_event){ w, false, true, w->start_unix, w->start_100ns };
		else
			v[n++] = (wl_event){ w, false, false, 0, 0 };
	}
	qsort(v, n, sizeof *v, wl_cmp);
	*count = n;
	return v;
}

static const char *wl_state(const wl_event *e)
{
	if (e->start)
		return "started";
	return e->w->state.has ? espdiag_esp_workload_state_name(e->w->state.value) : "unknown";
}

static void write_workload_text(FILE *out, const wl_event *e)
{
	const espdiag_esp_workload *w = e->w;
	char buf[ESP_TIME_BUFSIZE];
	if (e->timed)
		esp_time_format(buf, e->secs, e->frac);
	fprintf(out, "%s device_preparation device ProvisioningProgress workload %s(",
	        e->timed ? buf : "-", wl_state(e));
	if (!e->start && w->state.has)
		fprintf(out, "%" PRIu32, w->state.value);
	else
		putc('-', out);
	fputs(") ", out);
	if (w->id != NULL)
		esp_text_cstr(out, w->id);
	else
		fprintf(out, "Workloads[%zu]", w->index);
	putc('\n', out);
}

static void write_workload_json(FILE *out, const wl_event *e)
{
	const espdiag_esp_workload *w = e->w;
	char buf[ESP_TIME_BUFSIZE];
	bool first = true;
	if (e->timed)
		esp_time_format(buf, e->secs, e->frac);
	/* The members of a change line, then the workload's own. */
	putc('{', out);
	json_str(out, "time", e->timed ? buf : NULL, &first);
	json_str(out, "timestamp", e->start || !w->has_end ? w->start_raw : w->end_raw, &first);
	json_bool(out, "last_logged_state", false, &first);
	json_str(out, "phase", "device_preparation", &first);
	json_str(out, "context", "device", &first);
	json_str(out, "sid", NULL, &first);
	json_str(out, "category", "workloads", &first);
	json_str(out, "category_name", "ProvisioningProgress", &first);
	json_str(out, "kind", "workload", &first);
	json_str(out, "id", w->id, &first);
	json_str(out, "state", wl_state(e), &first);
	json_u32(out, "state_raw", e->start ? (espdiag_esp_u32){ 0, false } : w->state, &first);
	json_str(out, "previous", !e->start && w->has_start && w->has_end ? "started" : NULL,
	         &first);
	json_key(out, "evidence", &first);
	bool f = true;
	putc('{', out);
	json_str(out, "key", w->key, &f);
	json_str(out, "value", w->value, &f);
	putc('}', out);
	/* the shape of all evidence (diagnose.h): the JSON value it came from */
	json_key(out, "sources", &first);
	putc('[', out);
	esp_json_source(out, w->key, w->value, false, 0, wl_state(e));
	putc(']', out);
	json_str(out, "event", e->start ? "start" : "state", &first);
	json_key(out, "index", &first);
	fprintf(out, "%zu", w->index);
	json_str(out, "name", w->name, &first);
	json_str(out, "start", w->has_start ? w->start_utc : NULL, &first);
	json_str(out, "end", w->has_end ? w->end_utc : NULL, &first);
	json_i64(out, "error_code", w->has_error_code, w->error_code, &first);
	fputs(",\"source\":\"workload\"}\n", out);
}

/* --- events and log records (moments) in the timeline --- */

/* The time of a moment: UTC when known, else the device's local time. */
static void moment_times(const esp_moment *m, char utc[ESP_TIME_BUFSIZE],
                         char local[ESP_TIME_BUFSIZE])
{
	utc[0] = local[0] = '\0';
	if (m->utc_known)
		esp_time_format(utc, m->utc_secs, m->utc_100ns);
	if (m->local_known) {
		esp_time_format(local, m->local_secs, m->local_100ns);
		local[strlen(local) - 1] = '\0'; /* no "Z": not UTC */
	}
}

static const char *moment_source(const esp_moment *m)
{
	return m->source == ESP_MOMENT_EVENT ? "event" : "log";
}

static void write_moment_text(FILE *out, const esp_moment *m)
{
	char utc[ESP_TIME_BUFSIZE], local[ESP_TIME_BUFSIZE];
	moment_times(m, utc, local);
	if (m->utc_known)
		fputs(utc, out);
	else if (m->local_known)
		fprintf(out, "%s(local)", local);
	else
		putc('-', out);
	fprintf(out, " %s ", moment_source(m));
	if (m->source == ESP_MOMENT_EVENT)
		fprintf(out, "%" PRIu32 " ", m->event_id);
	else
		fputs("- ", out);
	esp_text_cstr(out, m->what ? m->what : "");
	const char *about = m->name ? m->name : m->subject;
	if (about != NULL) {
		fputs(": ", out);
		esp_text_cstr(out, about);
	}
	fputs(" (", out);
	if (m->source == ESP_MOMENT_EVENT) {
		esp_text_cstr(out, m->channel ? m->channel : "");
		fprintf(out, " #%" PRIu64 ")\n", m->line);
	} else {
		esp_text_cstr(out, m->member ? m->member : "");
		fprintf(out, ":%" PRIu64 ")\n", m->line);
	}
}

static void write_moment_json(FILE *out, const esp_moment *m)
{
	char utc[ESP_TIME_BUFSIZE], local[ESP_TIME_BUFSIZE];
	bool first = true;
	moment_times(m, utc, local);
	putc('{', out);
	json_str(out, "schema", "espdiag-timeline/1", &first);
	json_str(out, "time", m->utc_known ? utc : NULL, &first);
	json_str(out, "local_time", m->local_known ? local : NULL, &first);
	json_str(out, "clock", m->utc_known ? "utc" : m->local_known ? "local" : "unknown", &first);
	json_str(out, "source", moment_source(m), &first);
	json_str(out, "what", m->what ? m->what : "", &first);
	json_str(out, "subject", m->subject, &first);
	json_str(out, "name", m->name, &first);
	json_str(out, "member", m->member ? m->member : "", &first);
	if (m->source == ESP_MOMENT_EVENT) {
		json_str(out, "channel", m->channel ? m->channel : "", &first);
		json_u64(out, "event_id", m->event_id, &first);
		json_u64(out, "record_id", m->line, &first);
	} else {
		json_u64(out, "line", m->line, &first);
	}
	json_str(out, "message", m->message, &first);
	/* the shape of all evidence (diagnose.h), a file's: path and line */
	json_key(out, "sources", &first);
	fputs("[{\"key\":", out);
	esp_json_cstr(out, m->member ? m->member : "");
	fputs(",\"value\":null,\"type\":null,\"data\":null,\"display\":", out);
	esp_json_cstr(out, m->message ? m->message : (m->what ? m->what : ""));
	fputs(",\"path\":", out);
	esp_json_cstr(out, m->member ? m->member : "");
	fprintf(out, ",\"line\":%" PRIu64 "}]}\n", m->line);
}

/* --- the merged timeline --- */

/* One line to write, with its place: class 0 UTC-timed lines, 1 log lines
 * with local time only, 2 untimed changes, 3 untimed workloads, 4
 * moments without any time; within a class by time, then source (change,
 * workload, moment), then the order of its own list. */
typedef struct line_ref {
	int cls;
	int64_t secs;
	uint32_t frac;
	int rank;
	size_t seq;
	const void *p;
} line_ref;

static int line_cmp(const void *a, const void *b)
{
	const line_ref *x = a, *y = b;
	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	if (x->secs != y->secs)
		return x->secs < y->secs ? -1 : 1;
	if (x->frac != y->frac)
		return x->frac < y->frac ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int espdiag_esp_timeline_write(const espdiag_esp *esp, uint32_t format, FILE *out)
{
	if (esp == NULL || out == NULL ||
	    (format != ESPDIAG_ESP_FORMAT_TEXT && format != ESPDIAG_ESP_FORMAT_JSON))
		return ESPDIAG_EINVAL;
	size_t ne = 0;
	wl_event *ev = wl_events(esp, &ne);
	if (esp->workload_count > 0 && ev == NULL)
		return ESPDIAG_ENOMEM;
	size_t total = esp->change_count + ne + esp->moments.n;
	line_ref *lines = total ? calloc(total, sizeof *lines) : NULL;
	if (total && lines == NULL) {
		free(ev);
		return ESPDIAG_ENOMEM;
	}
	size_t n = 0;
	for (size_t i = 0; i < esp->change_count; i++) {
		const espdiag_esp_snapshot *s = esp->changes[i].snapshot;
		bool timed = s->time_valid && !s->last_logged_state;
		lines[n++] = (line_ref){ timed ? 0 : 2, timed ? s->time_unix : 0,
			                 timed ? s->time_100ns : 0, 0, i, &esp->changes[i] };
	}
	for (size_t j = 0; j < ne; j++)
		lines[n++] = (line_ref){ ev[j].timed ? 0 : 3, ev[j].timed ? ev[j].secs : 0,
			                 ev[j].timed ? ev[j].frac : 0, 1, j, &ev[j] };
	for (size_t k = 0; k < esp->moments.n; k++) {
		const esp_moment *m = esp->moments.v[k];
		if (m->utc_known)
			lines[n++] = (line_ref){ 0, m->utc_secs, m->utc_100ns, 2, k, m };
		else if (m->local_known)
			lines[n++] = (line_ref){ 1, m->local_secs, m->local_100ns, 2, k, m };
		else
			lines[n++] = (line_ref){ 4, 0, 0, 2, k, m };
	}
	if (n > 1)
		qsort(lines, n, sizeof *lines, line_cmp);
	bool json = format == ESPDIAG_ESP_FORMAT_JSON;
	for (size_t i = 0; i < n; i++) {
		const line_ref *l = &lines[i];
		if (l->rank == 0) {
			if (json)
				write_change_json(out, l->p);
			else
				write_change_text(out, l->p);
		} else if (l->rank == 1) {
			if (json)
				write_workload_json(out, l->p);
			else
				write_workload_text(out, l->p);
		} else if (json) {
			write_moment_json(out, l->p);
		} else {
			write_moment_text(out, l->p);
		}
	}
	free(lines);
	free(ev);
	return ferror(out) ? ESPDIAG_EIO : ESPDIAG_OK;
}

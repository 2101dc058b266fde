/*
 * lib/esp_scenario.c - which flow the device went through (esp.h,
 * espdiag_esp_scenario): Autopilot with a downloaded profile (v1), the
 * JSON-profile flow of existing devices, device preparation (v2), an ESP
 * without Autopilot, or none; decided once, after every key family is
 * loaded, with the evidence of each flow that was seen. The order of the
 * decision is written in esp.h; this file is its one implementation.
 */
#include "esp_json.h"

#include <stdio.h>
#include <string.h>

#define AUTOPILOT ESP_MS "Provisioning\\Diagnostics\\Autopilot"
#define EST ESP_MS "Windows\\Autopilot\\EnrollmentStatusTracking"

const char *espdiag_esp_scenario_name(uint32_t scenario)
{
	static const char *const names[] = { "none", "autopilot_v1", "autopilot_v2",
		                             "autopilot_existing_device", "esp_only" };
	return scenario < sizeof names / sizeof names[0] ? names[scenario] : "unknown";
}

/* The evidence of one flow, before the winner's is put first. */
typedef struct group {
	espdiag_esp_evidence ev[ESP_SCENARIO_MAX_EVIDENCE];
	size_t n;
} group;

static void add(group *g, const char *key, const char *value, const char *data)
{
	if (key != NULL && g->n < ESP_SCENARIO_MAX_EVIDENCE)
		g->ev[g->n++] = (espdiag_esp_evidence){ key, value, data };
}

/* A string value of key (no warning: the model read it once already). */
static bool has_string(const espdiag_key *k, const char *name)
{
	const espdiag_value *v;
	char *s = NULL;
	if (k == NULL || espdiag_key_value(&v, k, name) != ESPDIAG_OK ||
	    espdiag_value_get_string(&s, v) != ESPDIAG_OK)
		return false;
	bool nonempty = s[0] != '\0';
	espdiag_free(s);
	return nonempty;
}

/* "Name: data" for a field the profile cache gave. */
static const char *cache_data(espdiag_esp *esp, const char *name, const char *data, int *rc)
{
	size_t nl = strlen(name), dl = strlen(data);
	char *s = esp_arena_alloc(&esp->arena, nl + dl + 3);
	if (s == NULL) {
		*rc = ESPDIAG_ENOMEM;
		return NULL;
	}
	memcpy(s, name, nl);
	memcpy(s + nl, ": ", 2);
	memcpy(s + nl + 2, data, dl + 1);
	return s;
}

/* A profile field: from the Diagnostics\Autopilot key when it holds it,
 * else from the cache (the model filled the field from there). */
static void profile_field(espdiag_esp *esp, group *g, const espdiag_key *holder,
                          const char *holder_path, const char *name, const char *cache_name,
                          const char *data, int *rc)
{
	const espdiag_esp_autopilot *a = &esp->autopilot;
	if (data == NULL)
		return;
	if (has_string(holder, name))
		add(g, holder_path, name, data);
	else if (a->policy_cache_key != NULL)
		add(g, a->policy_cache_key, "PolicyJsonCache", cache_data(esp, cache_name, data, rc));
}

/*
 * ZtdCorrelationId: the id AutopilotConfigurationFile.json carries in the
 * flow for existing devices (Microsoft Learn, "Windows Autopilot
 * deployment for existing devices"; the Autopilot DLL looks it up as a
 * policy of that name). A value of Diagnostics\Autopilot, else a member of
 * the profile cache; the cache is parsed here without warnings, since the
 * model already warned once about a malformed one.
 */
static void correlation(espdiag_esp *esp, espdiag_registry *reg, const espdiag_key *ap,
                        group *g, int *rc)
{
	const espdiag_value *v;
	char *s = NULL;
	if (ap != NULL && espdiag_key_value(&v, ap, "ZtdCorrelationId") == ESPDIAG_OK &&
	    espdiag_value_get_string(&s, v) == ESPDIAG_OK) {
		const char *id = s[0] != '\0' ? esp_model_strdup(esp, s) : NULL;
		if (s[0] != '\0' && id == NULL)
			*rc = ESPDIAG_ENOMEM;
		add(g, id ? esp->autopilot.key : NULL, "ZtdCorrelationId", id);
		espdiag_free(s);
		if (g->n > 0)
			return;
	}
	if (esp->autopilot.policy_cache_key == NULL)
		return;
	const espdiag_key *k =
		esp_model_lookup(reg, ESP_MS "Provisioning\\AutopilotPolicyCache", rc);
	if (k == NULL || espdiag_key_value(&v, k, "PolicyJsonCache") != ESPDIAG_OK ||
	    espdiag_value_get_string(&s, v) != ESPDIAG_OK)
		return;
	json_t *doc = strlen(s) <= ESP_JSON_MAX_BYTES ? json_loads(s, 0, NULL) : NULL;
	espdiag_free(s);
	const json_t *id = esp_json_member(doc, "ZtdCorrelationId");
	if (json_is_string(id) && json_string_length(id) > 0)
		add(g, esp->autopilot.policy_cache_key, "PolicyJsonCache",
		    cache_data(esp, "ZtdCorrelationId", json_string_value(id), rc));
	json_decref(doc);
}

static void devprep_value(group *g, const espdiag_esp_devprep_value *v)
{
	add(g, v->key, v->name, v->text);
}

int esp_load_scenario(espdiag_esp *esp, espdiag_registry *reg)
{
	int rc = ESPDIAG_OK;
	const espdiag_esp_autopilot *a = &esp->autopilot;
	const espdiag_esp_devprep *d = &esp->devprep;
	group v1 = { 0 }, tenant = { 0 }, existing = { 0 }, v2 = { 0 }, esp_only = { 0 };

	const espdiag_key *ap = esp_model_lookup(reg, AUTOPILOT, &rc);
	const espdiag_key *corr = esp_model_sub(ap, "EstablishedCorrelations", &rc);
	profile_field(esp, &v1, ap, a->key, "DeploymentProfileName", "DeploymentProfileName",
	              a->profile_name, &rc);
	profile_field(esp, &v1, corr, a->correlations_key, "ZTDRegistrationID",
	              "ZtdRegistrationId", a->ztd_id, &rc);
	profile_field(esp, &tenant, ap, a->key, "CloudAssignedTenantId", "CloudAssignedTenantId",
	              a->tenant_id, &rc);
	correlation(esp, reg, ap, &existing, &rc);

	if (d->hinted)
		devprep_value(&v2, &d->hint);
	if (d->page_enabled.number.has && d->page_enabled.number.value != 0)
		devprep_value(&v2, &d->page_enabled);
	if (d->page_status.number.has && d->page_status.number.value != 0)
		devprep_value(&v2, &d->page_status);
	if (d->settings_read)
		add(&v2, d->page_settings.key, d->page_settings.name, "page settings read");
	char buf[64];
	snprintf(buf, sizeof buf, "%zu workload%s", esp->workload_count,
	         esp->workload_count == 1 ? "" : "s");
	if (esp->workload_count > 0) {
		const char *count = esp_model_strdup(esp, buf);
		if (count == NULL)
			return ESPDIAG_ENOMEM;
		add(&v2, esp->workloads[0].key, esp->workloads[0].value, count);
	}

	const espdiag_esp_enrollment *e = espdiag_esp_primary_enrollment(esp);
	if (e != NULL)
		add(&esp_only, e->first_sync->key, NULL, "present");
	if (esp->has_tracking)
		add(&esp_only, EST, NULL, "present");

	/* First match wins (esp.h). */
	group *order[6];
	if (v1.n > 0) {
		esp->scenario = ESPDIAG_ESP_SCENARIO_AUTOPILOT_V1;
		order[0] = &v1;
	} else if (existing.n > 0) {
		esp->scenario = ESPDIAG_ESP_SCENARIO_AUTOPILOT_EXISTING_DEVICE;
		order[0] = &existing;
	} else if (d->in_use) {
		esp->scenario = ESPDIAG_ESP_SCENARIO_AUTOPILOT_V2;
		order[0] = &v2;
	} else if (tenant.n > 0) {
		/* A profile's tenant without its name: still an Autopilot
		 * profile (a judgment call; no downloaded profile is known to
		 * lack DeploymentProfileName). */
		esp->scenario = ESPDIAG_ESP_SCENARIO_AUTOPILOT_V1;
		order[0] = &tenant;
	} else if (esp_only.n > 0) {
		esp->scenario = ESPDIAG_ESP_SCENARIO_ESP_ONLY;
		order[0] = &esp_only;
	} else {
		esp->scenario = ESPDIAG_ESP_SCENARIO_NONE;
		order[0] = NULL;
	}
	/* Then what else was seen, in a fixed order. */
	group *all[] = { &v1, &tenant, &existing, &v2, &esp_only };
	size_t n = 1;
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (all[i] != order[0])
			order[n++] = all[i];
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; order[i] != NULL && j < order[i]->n; j++) {
			const espdiag_esp_evidence *ev = &order[i]->ev[j];
			if (esp->scenario_evidence_count == ESP_SCENARIO_MAX_EVIDENCE)
				break;
			esp->scenario_evidence[esp->scenario_evidence_count++] = *ev;
		}
	}
	return rc;
}

espdiag_esp_scenario_kind espdiag_esp_scenario(const espdiag_esp *esp)
{
	return esp ? esp->scenario : ESPDIAG_ESP_SCENARIO_NONE;
}

size_t espdiag_esp_scenario_evidence_count(const espdiag_esp *esp)
{
	return esp ? esp->scenario_evidence_count : 0;
}

const espdiag_esp_evidence *espdiag_esp_scenario_evidence_at(const espdiag_esp *esp,
                                                             size_t index)
{
	return esp && index < esp->scenario_evidence_count ? &esp->scenario_evidence[index]
	                                                   : NULL;
}

/*
 * lib/esp_files.c - the bundle part that copies the Autopilot files the
 * bundle's readers read (lib/member_ztd.c, member_device_hash.c,
 * member_metadata.c) into the model: the ZTD profile or its error, the
 * device hash rows and the collection's metadata.
 *
 * The scenario (esp_scenario.c, decided from the registry) learns one
 * thing from the ZTD file: a ZtdCorrelationId with no downloaded profile
 * is the JSON-profile flow (Autopilot for existing devices), which comes
 * before device preparation and a bare tenant in the scenario's order
 * (esp.h). The file's evidence is then named by its member (key: the
 * member's name, value "ZtdCorrelationId").
 */
#include "esp_private.h"

#include <espdiag/bundle.h>

#include <string.h>

#include "bundle_private.h"

static const char *member_name(const espdiag_bundle *b, size_t index)
{
	const espdiag_member *m = esp_bundle_member(b, index);
	return m != NULL ? m->name : "";
}

/* strdup into the model; *nomem set when a non-NULL s could not be copied. */
static const char *dup(espdiag_esp *esp, const char *s, bool *nomem)
{
	const char *c = esp_model_strdup(esp, s);
	if (s != NULL && c == NULL)
		*nomem = true;
	return c;
}

/* A JSON-profile device the registry did not show: the scenario becomes
 * autopilot_existing_device with the file's id as deciding evidence. */
static int ztd_scenario(espdiag_esp *esp, const espdiag_esp_ztd *z)
{
	const espdiag_esp_autopilot *a = &esp->autopilot;
	if (z->correlation_id == NULL || *z->correlation_id == '\0' || z->profile_name != NULL ||
	    z->ztd_registration_id != NULL || z->has_error)
		return ESPDIAG_OK;
	bool v1_by_profile = esp->scenario == ESPDIAG_ESP_SCENARIO_AUTOPILOT_V1 &&
	                     (a->profile_name != NULL || a->ztd_id != NULL);
	if (v1_by_profile || esp->scenario == ESPDIAG_ESP_SCENARIO_AUTOPILOT_EXISTING_DEVICE)
		return ESPDIAG_OK;
	esp->scenario = ESPDIAG_ESP_SCENARIO_AUTOPILOT_EXISTING_DEVICE;
	size_t n = esp->scenario_evidence_count;
	if (n == ESP_SCENARIO_MAX_EVIDENCE)
		n--;
	memmove(&esp->scenario_evidence[1], &esp->scenario_evidence[0],
	        n * sizeof esp->scenario_evidence[0]);
	esp->scenario_evidence[0] =
	        (espdiag_esp_evidence){ z->member, "ZtdCorrelationId", z->correlation_id };
	esp->scenario_evidence_count = n + 1;
	return ESPDIAG_OK;
}

static int load_ztd(espdiag_esp *esp, const espdiag_bundle *bundle)
{
	const esp_ztd *src = esp_bundle_ztd(bundle);
	if (src == NULL)
		return ESPDIAG_OK;
	espdiag_esp_ztd *z = esp_model_zalloc(esp, sizeof *z);
	if (z == NULL)
		return ESPDIAG_ENOMEM;
	bool nomem = false;
	z->member = dup(esp, member_name(bundle, src->member), &nomem);
	z->has_error = src->has_error;
	z->error_code = src->error_code;
	z->error_reason = dup(esp, src->error_reason, &nomem);
	z->tenant_id = dup(esp, src->tenant_id, &nomem);
	z->tenant_domain = dup(esp, src->tenant_domain, &nomem);
	z->profile_name = dup(esp, src->profile_name, &nomem);
	z->oobe_config = dup(esp, src->oobe_config, &nomem);
	z->domain_join_method = dup(esp, src->domain_join_method, &nomem);
	z->policy_download_date = dup(esp, src->policy_download_date, &nomem);
	z->ztd_registration_id = dup(esp, src->zero_touch_config, &nomem);
	z->correlation_id = dup(esp, src->correlation_id, &nomem);
	if (nomem)
		return ESPDIAG_ENOMEM;
	esp->ztd = z;
	return ztd_scenario(esp, z);
}

static int load_hashes(espdiag_esp *esp, const espdiag_bundle *bundle)
{
	size_t n = esp_bundle_device_hash_count(bundle);
	if (n == 0)
		return ESPDIAG_OK;
	espdiag_esp_device_hash *v = esp_model_zalloc(esp, n * sizeof *v);
	if (v == NULL)
		return ESPDIAG_ENOMEM;
	bool nomem = false;
	size_t k = 0;
	for (size_t i = 0; i < n && esp_model_budget(esp); i++) {
		const esp_device_hash *h = esp_bundle_device_hash_at(bundle, i);
		v[k].member = dup(esp, member_name(bundle, h->member), &nomem);
		v[k].serial = dup(esp, h->serial ? h->serial : "", &nomem);
		v[k].product_id = dup(esp, h->product_id ? h->product_id : "", &nomem);
		v[k].hash_present = h->hash_present;
		v[k].hash_length = h->hash_length;
		k++;
	}
	if (nomem)
		return ESPDIAG_ENOMEM;
	esp->device_hashes = v;
	esp->device_hash_count = k;
	return ESPDIAG_OK;
}

static int load_metadata(espdiag_esp *esp, const espdiag_bundle *bundle)
{
	const esp_mdm_metadata *m = esp_bundle_metadata(bundle);
	if (m == NULL)
		return ESPDIAG_OK;
	espdiag_esp_collection *c = esp_model_zalloc(esp, sizeof *c);
	if (c == NULL)
		return ESPDIAG_ENOMEM;
	bool nomem = false;
	c->member = dup(esp, member_name(bundle, m->member), &nomem);
	c->collected = dup(esp, m->collected, &nomem);
	c->areas = dup(esp, m->areas, &nomem);
	if (nomem)
		return ESPDIAG_ENOMEM;
	esp->collection = c;
	return ESPDIAG_OK;
}

int esp_bundle_files(espdiag_esp *esp, const espdiag_bundle *bundle)
{
	int rc = load_ztd(esp, bundle);
	if (rc == ESPDIAG_OK)
		rc = load_hashes(esp, bundle);
	if (rc == ESPDIAG_OK)
		rc = load_metadata(esp, bundle);
	return rc;
}

const espdiag_esp_ztd *espdiag_esp_ztd_info(const espdiag_esp *esp)
{
	return esp ? esp->ztd : NULL;
}

size_t espdiag_esp_device_hash_count(const espdiag_esp *esp)
{
	return esp ? esp->device_hash_count : 0;
}

const espdiag_esp_device_hash *espdiag_esp_device_hash_at(const espdiag_esp *esp, size_t index)
{
	return esp && index < esp->device_hash_count ? &esp->device_hashes[index] : NULL;
}

const espdiag_esp_collection *espdiag_esp_collection_info(const espdiag_esp *esp)
{
	return esp ? esp->collection : NULL;
}

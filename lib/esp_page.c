/*
 * lib/esp_page.c - what the ESP page and the Autopilot service left in
 * Provisioning (esp.h): the page's own status of each category
 * (AutopilotSettings <Category>.Status JSON, both variants) and the
 * profile JSON cache (AutopilotPolicyCache PolicyJsonCache), which fills
 * the Autopilot fields the Diagnostics\Autopilot key lacks.
 */
#include "esp_json.h"

#include <string.h>
#include <strings.h>

#define SETTINGS ESP_MS "Provisioning\\AutopilotSettings"
#define POLICY_CACHE ESP_MS "Provisioning\\AutopilotPolicyCache"

/* --- the page's category status --- */

/* The states as the page spells them (Microsoft's OOBE code, EVIDENCE.md
 * §2); compared ignoring case. "canceled" is accepted beside "cancelled":
 * a judgment call, both spellings are in use. */
static espdiag_esp_page_state state_of(const char *s)
{
	static const struct {
		const char *name;
		espdiag_esp_page_state state;
	} map[] = {
		{ "notStarted", ESPDIAG_ESP_PAGE_NOT_STARTED },
		{ "inProgress", ESPDIAG_ESP_PAGE_IN_PROGRESS },
		{ "succeeded", ESPDIAG_ESP_PAGE_SUCCEEDED },
		{ "failed", ESPDIAG_ESP_PAGE_FAILED },
		{ "cancelled", ESPDIAG_ESP_PAGE_CANCELLED },
		{ "canceled", ESPDIAG_ESP_PAGE_CANCELLED },
		{ "failedFromPreviousCategory", ESPDIAG_ESP_PAGE_FAILED_FROM_PREVIOUS },
		{ "failedFromPreviousSubcategory", ESPDIAG_ESP_PAGE_FAILED_FROM_PREVIOUS },
		{ "rebootRequiredAndTryAgain", ESPDIAG_ESP_PAGE_REBOOT_REQUIRED },
	};
	for (size_t i = 0; s != NULL && i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(s, map[i].name) == 0)
			return map[i].state;
	return ESPDIAG_ESP_PAGE_UNKNOWN;
}

/* No spelling of a timeout state is known: the page fails the phase and
 * its text carries the timeout HRESULT 0x800705B4 (EVIDENCE.md §2). */
static espdiag_esp_page_state timed_out(espdiag_esp_page_state st, const char *text)
{
	if (st != ESPDIAG_ESP_PAGE_FAILED || text == NULL)
		return st;
	for (const char *p = text; *p; p++)
		if (strncasecmp(p, "800705B4", 8) == 0)
			return ESPDIAG_ESP_PAGE_TIMED_OUT;
	return st;
}

static espdiag_esp_phase phase_of(const char *name)
{
	static const struct {
		const char *name;
		espdiag_esp_phase phase;
	} map[] = {
		{ "DevicePreparationCategory", ESPDIAG_ESP_PHASE_DEVICE_PREPARATION },
		{ "DeviceSetupCategory", ESPDIAG_ESP_PHASE_DEVICE_SETUP },
		{ "AccountSetupCategory", ESPDIAG_ESP_PHASE_ACCOUNT_SETUP },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(name, map[i].name) == 0)
			return map[i].phase;
	return (espdiag_esp_phase)0;
}

/* The category's own members; every other member is a subcategory. */
static bool category_member(const char *name)
{
	return strncasecmp(name, "category", 8) == 0;
}

static int read_subcategories(espdiag_esp *esp, espdiag_esp_page_category *c, json_t *doc)
{
	int rc = ESPDIAG_OK;
	size_t n = json_object_size(doc), used = 0;
	const char *name;
	json_t *val;
	if (n == 0)
		return rc;
	const espdiag_esp_page_subcategory **subs = esp_arena_calloc(&esp->arena, n, sizeof *subs);
	if (subs == NULL)
		return ESPDIAG_ENOMEM;
	json_object_foreach (doc, name, val) {
		if (category_member(name) || !(json_is_object(val) || json_is_string(val)) ||
		    !esp_model_budget(esp))
			continue;
		espdiag_esp_page_subcategory *s = esp_model_zalloc(esp, sizeof *s);
		if (s == NULL || (s->name = esp_model_strdup(esp, name)) == NULL)
			return ESPDIAG_ENOMEM;
		if (json_is_object(val)) {
			s->state_raw = esp_json_get_str(esp, esp_json_member(val, "subcategoryState"), &rc);
			s->status_text =
				esp_json_get_str(esp, esp_json_member(val, "subcategoryStatusText"), &rc);
			s->state = timed_out(state_of(s->state_raw), s->status_text);
		} else {
			s->status_text = esp_json_get_str(esp, val, &rc);
		}
		subs[used++] = s;
	}
	c->subcategories = subs;
	c->subcategory_count = used;
	return rc;
}

/* categorySucceeded of the flat variant: true and false are final; null
 * (the page has not decided yet, as watchers of the value report) is in
 * progress; a string is read as a state name. A judgment call: no
 * Microsoft text documents the flat variant's null. */
static espdiag_esp_page_state flat_state(const json_t *v)
{
	if (json_is_true(v))
		return ESPDIAG_ESP_PAGE_SUCCEEDED;
	if (json_is_false(v))
		return ESPDIAG_ESP_PAGE_FAILED;
	if (json_is_null(v))
		return ESPDIAG_ESP_PAGE_IN_PROGRESS;
	return json_is_string(v) ? state_of(json_string_value(v)) : ESPDIAG_ESP_PAGE_UNKNOWN;
}

static int load_category(espdiag_esp *esp, const espdiag_key *k, const espdiag_value *v,
                         const char *key_path, size_t name_len)
{
	int rc = ESPDIAG_OK;
	json_t *doc = esp_json_read_value(esp, k, v, &rc);
	if (doc == NULL || !esp_model_budget(esp)) {
		json_decref(doc);
		return rc;
	}
	espdiag_esp_page_category *c = esp_model_zalloc(esp, sizeof *c);
	if (c == NULL || esp_vec_push(&esp->page, c) != ESPDIAG_OK) {
		json_decref(doc);
		return ESPDIAG_ENOMEM;
	}
	c->key = key_path;
	c->value = esp_model_strdup(esp, espdiag_value_name(v));
	c->name = c->value ? esp_arena_strndup(&esp->arena, c->value, name_len) : NULL;
	if (c->name == NULL) {
		json_decref(doc);
		return ESPDIAG_ENOMEM;
	}
	c->phase = phase_of(c->name);
	const json_t *state = esp_json_member(doc, "categoryState");
	const json_t *succeeded = esp_json_member(doc, "categorySucceeded");
	c->flat = state == NULL && succeeded != NULL;
	c->status_text = esp_json_get_str(esp, esp_json_member(doc, "categoryStatusText"), &rc);
	if (c->flat) {
		c->state = flat_state(succeeded);
	} else {
		c->state_raw = esp_json_get_str(esp, state, &rc);
		c->state = state_of(c->state_raw);
	}
	c->state = timed_out(c->state, c->status_text);
	if (rc == ESPDIAG_OK)
		rc = read_subcategories(esp, c, doc);
	json_decref(doc);
	return rc;
}

int esp_load_page(espdiag_esp *esp, espdiag_registry *reg)
{
	int rc = ESPDIAG_OK;
	const espdiag_key *k = esp_model_lookup(reg, SETTINGS, &rc);
	if (k == NULL)
		return rc;
	const char *path = NULL;
	size_t n = espdiag_key_value_count(k);
	static const char suffix[] = ".Status";
	const size_t slen = sizeof suffix - 1;
	for (size_t i = 0; i < n && rc == ESPDIAG_OK; i++) {
		const espdiag_value *v;
		if (espdiag_key_value_at(&v, k, i) != ESPDIAG_OK)
			continue;
		const char *name = espdiag_value_name(v);
		size_t len = strlen(name);
		if (len <= slen || strcasecmp(name + len - slen, suffix) != 0)
			continue;
		if (path == NULL && (path = esp_model_keypath(esp, k, &rc)) == NULL)
			return rc;
		rc = load_category(esp, k, v, path, len - slen);
	}
	return rc;
}

size_t espdiag_esp_page_category_count(const espdiag_esp *esp)
{
	return esp ? esp->page.n : 0;
}

const espdiag_esp_page_category *espdiag_esp_page_category_at(const espdiag_esp *esp,
                                                              size_t index)
{
	return esp && index < esp->page.n ? esp->page.v[index] : NULL;
}

/* --- the profile JSON cache --- */

/* How deep the cache is searched, and how many strings (and bytes) in it
 * are decoded as JSON: hostile input cannot make the work long. */
#define CACHE_MAX_DEPTH 8
#define CACHE_MAX_DECODED 64

typedef struct decode_budget {
	int strings;
	size_t bytes;
} decode_budget;

/*
 * Replaces each string member of obj that holds a JSON object (the cache
 * keeps e.g. CloudAssignedAadServerData as JSON text) by that object, and
 * does so inside every object member, depth first. A string that does not
 * parse stays a string: it was text, not broken JSON.
 */
static void decode_nested(json_t *obj, int depth, decode_budget *budget)
{
	const char *name;
	json_t *val;
	void *tmp;
	if (depth >= CACHE_MAX_DEPTH)
		return;
	json_object_foreach_safe (obj, tmp, name, val) {
		size_t len = json_is_string(val) ? json_string_length(val) : 0;
		if (len > 0 && budget->strings > 0 && len <= budget->bytes) {
			const char *s = json_string_value(val);
			s += strspn(s, " \t\r\n");
			if (*s != '{')
				continue;
			budget->strings--;
			budget->bytes -= len;
			json_t *inner = json_loadb(json_string_value(val), len, 0, NULL);
			if (!json_is_object(inner)) {
				json_decref(inner);
				continue;
			}
			/* Replacing a member's value keeps the iteration valid. */
			json_object_set_new(obj, name, inner);
			val = inner;
		}
		if (json_is_object(val))
			decode_nested(val, depth + 1, budget);
	}
}

/* The member name in obj, else in its object members, depth first: the
 * document's own members win over nested ones. */
static const json_t *find(const json_t *obj, const char *name, int depth)
{
	const json_t *hit = esp_json_member(obj, name);
	const char *k;
	json_t *val;
	if (hit != NULL || depth >= CACHE_MAX_DEPTH)
		return hit;
	json_object_foreach ((json_t *)obj, k, val) {
		if (json_is_object(val) && (hit = find(val, name, depth + 1)) != NULL)
			return hit;
	}
	return NULL;
}

/* A string field from the cache when the key had none; empty strings
 * (the cache writes "" for unset fields) fill nothing. */
static void fill_str(espdiag_esp *esp, const char **field, const json_t *doc, const char *name,
                     int *rc)
{
	const json_t *j = find(doc, name, 0);
	if (*field != NULL || !json_is_string(j) || json_string_length(j) == 0)
		return;
	*field = esp_json_get_str(esp, j, rc);
	esp->autopilot.from_policy_cache |= *field != NULL;
}

static void fill_u32(espdiag_esp *esp, espdiag_esp_u32 *field, const json_t *doc,
                     const char *name)
{
	if (field->has)
		return;
	*field = esp_json_u32_of(find(doc, name, 0));
	esp->autopilot.from_policy_cache |= field->has;
}

int esp_load_policy_cache(espdiag_esp *esp, espdiag_registry *reg)
{
	int rc = ESPDIAG_OK;
	const espdiag_value *v;
	const espdiag_key *k = esp_model_lookup(reg, POLICY_CACHE, &rc);
	if (k == NULL || espdiag_key_value(&v, k, "PolicyJsonCache") != ESPDIAG_OK)
		return rc;
	json_t *doc = esp_json_read_value(esp, k, v, &rc);
	if (doc == NULL)
		return rc;
	decode_budget budget = { CACHE_MAX_DECODED, ESP_JSON_MAX_BYTES };
	decode_nested(doc, 0, &budget);
	espdiag_esp_autopilot *a = &esp->autopilot;
	a->policy_cache_key = esp_model_keypath(esp, k, &rc);
	/* The member names of the profile (as the Autopilot service writes
	 * them in the cache and in AutopilotDDSZTDFile.json). */
	fill_str(esp, &a->tenant_id, doc, "CloudAssignedTenantId", &rc);
	fill_str(esp, &a->tenant_domain, doc, "CloudAssignedTenantDomain", &rc);
	fill_str(esp, &a->profile_name, doc, "DeploymentProfileName", &rc);
	fill_u32(esp, &a->oobe_config, doc, "CloudAssignedOobeConfig");
	fill_u32(esp, &a->domain_join_method, doc, "CloudAssignedDomainJoinMethod");
	fill_str(esp, &a->ztd_id, doc, "ZtdRegistrationId", &rc);
	a->hybrid_join = a->domain_join_method.has &&
	                 a->domain_join_method.value == ESPDIAG_ESP_DOMAIN_JOIN_HYBRID;
	json_decref(doc);
	return rc;
}

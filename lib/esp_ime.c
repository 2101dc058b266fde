/*
 * lib/esp_ime.c - the IME's own state of each Win32 app (esp.h,
 * espdiag_esp_ime_app): IntuneManagementExtension\Win32Apps\<userObjectId>\
 * <appId>_<revision> with its EnforcementStateMessage and
 * ComplianceStateMessage JSON, and the join of the tracked ESP apps to it.
 */
#include "esp_json.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WIN32APPS ESP_MS "IntuneManagementExtension\\Win32Apps"

/* The user id the IME keeps the device's own (system context) apps under. */
#define DEVICE_USER "00000000-0000-0000-0000-000000000000"

/*
 * <guid>_<revision>: the GUID part and the revision. The IME names every
 * app key so (community tools split the same way); other subkeys of a
 * user key (GRS, the retry schedule, ...) are not apps.
 */
static bool split_app_name(const char *name, size_t *guid_len, espdiag_esp_u32 *revision)
{
	const char *us = strrchr(name, '_');
	if (us == NULL || us[1] == '\0')
		return false;
	uint64_t v = 0;
	for (const char *p = us + 1; *p; p++) {
		if (*p < '0' || *p > '9' || (v = v * 10 + (uint64_t)(*p - '0')) > UINT32_MAX)
			return false;
	}
	char guid[40];
	size_t n = (size_t)(us - name);
	if (n >= sizeof guid)
		return false;
	memcpy(guid, name, n);
	guid[n] = '\0';
	if (!esp_model_is_guid(guid))
		return false;
	*guid_len = n;
	revision->value = (uint32_t)v;
	revision->has = true;
	return true;
}

/*
 * A message's JSON: a string value of that name on the app key, else a
 * subkey of that name holding it (as its value of the same name, its
 * default value, or its first string value). *where and *value get the
 * key path and value name it was found at; NULL when there is none.
 */
static json_t *read_message(espdiag_esp *esp, const espdiag_key *app, const char *name,
                            const char **where, const char **value, int *rc)
{
	const espdiag_value *v = NULL;
	const espdiag_key *holder = app;
	if (espdiag_key_value(&v, app, name) != ESPDIAG_OK) {
		v = NULL;
		holder = esp_model_sub(app, name, rc);
		if (holder == NULL)
			return NULL;
		if (espdiag_key_value(&v, holder, name) != ESPDIAG_OK &&
		    espdiag_key_value(&v, holder, "") != ESPDIAG_OK) {
			v = NULL;
			size_t n = espdiag_key_value_count(holder);
			for (size_t i = 0; i < n && v == NULL; i++) {
				const espdiag_value *c;
				uint32_t t;
				if (espdiag_key_value_at(&c, holder, i) != ESPDIAG_OK)
					continue;
				t = espdiag_value_type(c);
				if (t == ESPDIAG_REG_SZ || t == ESPDIAG_REG_EXPAND_SZ)
					v = c;
			}
		}
		if (v == NULL) {
			esp_warn(&esp->warnings, 0, 0, 0, "%s: holds no string value; ignored",
			         espdiag_key_path(holder));
			return NULL;
		}
	}
	*where = esp_model_keypath(esp, holder, rc);
	*value = esp_model_strdup(esp, espdiag_value_name(v));
	if (*value == NULL)
		*rc = ESPDIAG_ENOMEM;
	return esp_json_read_value(esp, holder, v, rc);
}

static void read_error(const json_t *doc, bool *has, int64_t *out)
{
	*has = esp_json_get_i64(esp_json_member(doc, "ErrorCode"), out);
}

static int load_app(espdiag_esp *esp, const espdiag_key *k, const char *user, size_t guid_len,
                    espdiag_esp_u32 revision)
{
	int rc = ESPDIAG_OK;
	espdiag_esp_ime_app *a = esp_model_zalloc(esp, sizeof *a);
	if (a == NULL || esp_vec_push(&esp->ime_apps, a) != ESPDIAG_OK)
		return ESPDIAG_ENOMEM;
	a->key = esp_model_keypath(esp, k, &rc);
	a->user_id = user;
	a->device = strcasecmp(user, DEVICE_USER) == 0;
	a->app_id = esp_arena_strndup(&esp->arena, espdiag_key_name(k), guid_len);
	if (a->app_id == NULL)
		return ESPDIAG_ENOMEM;
	a->revision = revision;

	json_t *doc = read_message(esp, k, "EnforcementStateMessage", &a->enforcement_key,
	                           &a->enforcement_value, &rc);
	if (doc != NULL) {
		a->enforcement_state = esp_json_u32_of(esp_json_member(doc, "EnforcementState"));
		read_error(doc, &a->has_enforcement_error, &a->enforcement_error);
		json_decref(doc);
	}
	doc = read_message(esp, k, "ComplianceStateMessage", &a->compliance_key,
	                   &a->compliance_value, &rc);
	if (doc != NULL) {
		a->applicability = esp_json_u32_of(esp_json_member(doc, "Applicability"));
		a->compliance_state = esp_json_u32_of(esp_json_member(doc, "ComplianceState"));
		a->desired_state = esp_json_u32_of(esp_json_member(doc, "DesiredState"));
		a->install_context = esp_json_u32_of(esp_json_member(doc, "InstallContext"));
		a->target_type = esp_json_u32_of(esp_json_member(doc, "TargetType"));
		read_error(doc, &a->has_compliance_error, &a->compliance_error);
		json_decref(doc);
	}
	return rc;
}

int esp_load_ime(espdiag_esp *esp, espdiag_registry *reg)
{
	int rc = ESPDIAG_OK;
	const espdiag_key *root = esp_model_lookup(reg, WIN32APPS, &rc);
	esp_kids users = esp_model_children(esp, root, &rc);
	for (size_t i = 0; i < users.n && rc == ESPDIAG_OK; i++) {
		const char *user = NULL;
		esp_kids apps = esp_model_children(esp, users.k[i], &rc);
		for (size_t j = 0; j < apps.n && rc == ESPDIAG_OK; j++) {
			size_t guid_len;
			espdiag_esp_u32 revision;
			if (!split_app_name(espdiag_key_name(apps.k[j]), &guid_len, &revision) ||
			    !esp_model_budget(esp))
				continue;
			if (user == NULL && (user = esp_model_strdup(
			                             esp, espdiag_key_name(users.k[i]))) == NULL)
				return ESPDIAG_ENOMEM;
			rc = load_app(esp, apps.k[j], user, guid_len, revision);
		}
	}
	return rc;
}

/* --- the join: tracked app -> IME app of the same GUID --- */

/* GUIDs compare without their braces, ignoring ASCII case. */
static const char *bare(const char *g, size_t *len)
{
	size_t n = strlen(g);
	if (n >= 2 && g[0] == '{' && g[n - 1] == '}') {
		g++;
		n -= 2;
	}
	*len = n;
	return g;
}

static int guid_cmp(const char *a, const char *b)
{
	size_t na, nb;
	a = bare(a, &na);
	b = bare(b, &nb);
	int c = strncasecmp(a, b, na < nb ? na : nb);
	return c != 0 ? c : (na > nb) - (na < nb);
}

typedef struct ime_ref {
	const espdiag_esp_ime_app *app;
	size_t order; /* key order, for ties */
} ime_ref;

static int ref_cmp(const void *x, const void *y)
{
	const ime_ref *a = x, *b = y;
	int c = guid_cmp(a->app->app_id, b->app->app_id);
	return c != 0 ? c : (a->order > b->order) - (a->order < b->order);
}

/* Is m a better match than best for an app of the device (or a user)? */
static bool better(const espdiag_esp_ime_app *m, const espdiag_esp_ime_app *best, bool for_device)
{
	if (best == NULL)
		return true;
	if (m->device != best->device)
		return m->device == for_device;
	if (m->revision.has != best->revision.has)
		return m->revision.has;
	return m->revision.value > best->revision.value;
}

/* The winners of one run of equal GUIDs, computed once per run. */
typedef struct run_best {
	bool done;
	const espdiag_esp_ime_app *device, *user;
} run_best;

static void join_setup(const esp_setup *s, const ime_ref *refs, run_best *best, size_t n)
{
	for (size_t i = 0; i < s->apps.n; i++) {
		espdiag_esp_app *a = s->apps.v[i];
		if (a->kind != ESPDIAG_ESP_KIND_WIN32_APP || a->app_guid == NULL)
			continue;
		/* The first ref of the run with this GUID. */
		size_t lo = 0, hi = n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (guid_cmp(refs[mid].app->app_id, a->app_guid) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == n || guid_cmp(refs[lo].app->app_id, a->app_guid) != 0)
			continue;
		run_best *b = &best[lo];
		for (size_t j = lo; !b->done && j < n &&
		                    guid_cmp(refs[j].app->app_id, a->app_guid) == 0;
		     j++) {
			if (better(refs[j].app, b->device, true))
				b->device = refs[j].app;
			if (better(refs[j].app, b->user, false))
				b->user = refs[j].app;
		}
		b->done = true;
		a->ime = s->pub.sid == NULL ? b->device : b->user;
	}
}

int esp_join_ime(espdiag_esp *esp)
{
	size_t n = esp->ime_apps.n;
	if (n == 0)
		return ESPDIAG_OK;
	ime_ref *refs = malloc(n * sizeof *refs);
	run_best *best = calloc(n, sizeof *best);
	if (refs == NULL || best == NULL) {
		free(refs);
		free(best);
		return ESPDIAG_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		refs[i] = (ime_ref){ esp->ime_apps.v[i], i };
	qsort(refs, n, sizeof *refs, ref_cmp);
	join_setup(&esp->device, refs, best, n);
	for (size_t i = 0; i < esp->users.n; i++)
		join_setup(esp->users.v[i], refs, best, n);
	free(refs);
	free(best);
	return ESPDIAG_OK;
}

size_t espdiag_esp_ime_app_count(const espdiag_esp *esp)
{
	return esp ? esp->ime_apps.n : 0;
}

const espdiag_esp_ime_app *espdiag_esp_ime_app_at(const espdiag_esp *esp, size_t index)
{
	return esp && index < esp->ime_apps.n ? esp->ime_apps.v[index] : NULL;
}

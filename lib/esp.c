/*
 * lib/esp.c - the ESP model (esp.h): reads the ESP keys of a registry view
 * into library-owned structs, derives phase statuses, items and the
 * timeline of changes. Output (JSON, timeline text) lives in esp_write.c,
 * names of enum values in esp_names.c; the other key families load in
 * files of their own (esp_ime.c, esp_office.c, esp_page.c, esp_omadm.c)
 * through the reading helpers this file shares (esp_private.h).
 *
 * Only the public registry API is used, so the model cannot tell a .reg
 * dump from a hive. Every string is copied into the model's arena, so the
 * view may be freed before the model.
 */
#include "esp_private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "esp_time.h"

#define MS "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\"
#define EST_PATH MS "Windows\\Autopilot\\EnrollmentStatusTracking"

/* The device's own SID in EnterpriseDesktopAppManagement. */
#define DEVICE_MSI_SID "S-0-0-00-0000000000-0000000000-000000000-000"

/* --- small helpers --- */

int esp_vec_push(esp_vec *v, void *p)
{
	if (esp_reserve_one((void **)&v->v, v->n, &v->cap, sizeof *v->v, 8) != ESPDIAG_OK)
		return ESPDIAG_ENOMEM;
	v->v[v->n++] = p;
	return ESPDIAG_OK;
}

void esp_vec_free(esp_vec *v)
{
	free(v->v);
	v->v = NULL;
	v->n = v->cap = 0;
}

/* Counts one more part against the cap; false (with one warning) past it. */
static bool budget(espdiag_esp *esp)
{
	if (esp->parts < ESP_MAX_PARTS) {
		esp->parts++;
		return true;
	}
	if (!esp->capped) {
		esp->capped = true;
		esp_warn(&esp->warnings, 0, 0, 0,
		         "more than %u ESP parts; the rest is ignored", (unsigned)ESP_MAX_PARTS);
	}
	return false;
}

static void *zalloc(espdiag_esp *esp, size_t size)
{
	void *p = esp_arena_alloc(&esp->arena, size);
	if (p != NULL)
		memset(p, 0, size);
	return p;
}

/* n zeroed elements; NULL when n is 0, too large or out of memory. The
 * count comes from the input, so it is capped and the size checked. */
static void *zalloc_array(espdiag_esp *esp, size_t n, size_t size)
{
	size_t bytes;
	if (n == 0 || n > ESP_MAX_PARTS || esp_mul_overflows(n, size, &bytes))
		return NULL;
	return zalloc(esp, bytes);
}

static const char *dupstr(espdiag_esp *esp, const char *s)
{
	return s == NULL ? NULL : esp_arena_strndup(&esp->arena, s, strlen(s));
}

/* Copies the key's path; NULL only when out of memory (status set). */
static const char *keypath(espdiag_esp *esp, const espdiag_key *key, int *rc)
{
	const char *p = dupstr(esp, espdiag_key_path(key));
	if (p == NULL)
		*rc = ESPDIAG_ENOMEM;
	return p;
}

static bool ascii_prefix_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_sid(const char *name)
{
	return ascii_prefix_ci(name, "S-");
}

/* A GUID as enrollment keys spell it, with or without braces. */
static bool is_guid(const char *s)
{
	size_t n = strlen(s);
	if (n == 38 && s[0] == '{' && s[37] == '}') {
		s++;
		n = 36;
	}
	if (n != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		char c = s[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		                        (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

/* A subkey by relative path, NULL when absent. Negative errors go to *rc. */
static const espdiag_key *sub(const espdiag_key *key, const char *rel, int *rc)
{
	const espdiag_key *out = NULL;
	if (key == NULL)
		return NULL;
	int r = espdiag_key_subkey(&out, key, rel);
	if (r < 0)
		*rc = r;
	return r == ESPDIAG_OK ? out : NULL;
}

static const espdiag_key *lookup(espdiag_registry *reg, const char *path, int *rc)
{
	const espdiag_key *out = NULL;
	int r = espdiag_registry_key(&out, reg, path);
	if (r < 0)
		*rc = r;
	return r == ESPDIAG_OK ? out : NULL;
}

/* Subkeys in name order. A hive stores them sorted, a .reg dump in
 * whatever order it was written; sorting here gives one model for both. */
typedef esp_kids kids;

/* Windows orders key names by their upper-cased form; non-ASCII bytes
 * compare as they are, which is deterministic for both sources. */
static int name_cmp(const void *a, const void *b)
{
	const unsigned char *x = (const unsigned char *)espdiag_key_name(*(const espdiag_key *const *)a);
	const unsigned char *y = (const unsigned char *)espdiag_key_name(*(const espdiag_key *const *)b);
	for (;; x++, y++) {
		int cx = *x >= 'a' && *x <= 'z' ? *x - 32 : *x;
		int cy = *y >= 'a' && *y <= 'z' ? *y - 32 : *y;
		if (cx != cy || cx == 0)
			return cx - cy;
	}
}

static kids children(espdiag_esp *esp, const espdiag_key *key, int *rc)
{
	kids out = { NULL, 0 };
	size_t n = key ? espdiag_key_subkey_count(key) : 0;
	if (n == 0)
		return out;
	if (n > ESP_MAX_PARTS) {
		esp_warn(&esp->warnings, 0, 0, 0, "%s: %zu subkeys; the first %u are read",
		         espdiag_key_path(key), n, (unsigned)ESP_MAX_PARTS);
		n = ESP_MAX_PARTS;
	}
	out.k = zalloc_array(esp, n, sizeof *out.k);
	if (out.k == NULL) {
		*rc = ESPDIAG_ENOMEM;
		return out;
	}
	for (size_t i = 0; i < n; i++) {
		const espdiag_key *k = NULL;
		int r = espdiag_key_subkey_at(&k, key, i);
		if (r < 0) {
			*rc = r;
			return (kids){ NULL, 0 };
		}
		if (r == ESPDIAG_OK)
			out.k[out.n++] = k;
	}
	qsort(out.k, out.n, sizeof *out.k, name_cmp);
	return out;
}

/* A DWORD value; a present value of another type is a warning. */
static espdiag_esp_u32 get_u32(espdiag_esp *esp, const espdiag_key *key, const char *name)
{
	espdiag_esp_u32 out = { 0, false };
	const espdiag_value *v;
	if (key == NULL || espdiag_key_value(&v, key, name) != ESPDIAG_OK)
		return out;
	if (espdiag_value_get_dword(v, &out.value) == ESPDIAG_OK) {
		out.has = true;
	} else {
		esp_warn(&esp->warnings, 0, 0, 0, "%s\\%s: type %u, size %zu is no DWORD; ignored",
		         espdiag_key_path(key), name, (unsigned)espdiag_value_type(v),
		         espdiag_value_size(v));
	}
	return out;
}

/* A string value copied into the arena; NULL when absent or not a string. */
static const char *get_str(espdiag_esp *esp, const espdiag_key *key, const char *name, int *rc)
{
	const espdiag_value *v;
	char *s = NULL;
	if (key == NULL || espdiag_key_value(&v, key, name) != ESPDIAG_OK)
		return NULL;
	int r = espdiag_value_get_string(&s, v);
	if (r == ESPDIAG_ENOMEM) {
		*rc = r;
		return NULL;
	}
	if (r != ESPDIAG_OK) {
		esp_warn(&esp->warnings, 0, 0, 0, "%s\\%s: type %u is no string; ignored",
		         espdiag_key_path(key), name, (unsigned)espdiag_value_type(v));
		return NULL;
	}
	const char *copy = dupstr(esp, s);
	espdiag_free(s);
	if (copy == NULL)
		*rc = ESPDIAG_ENOMEM;
	return copy;
}

/* The helpers above, for the files that load the other key families. */
bool esp_model_budget(espdiag_esp *esp)
{
	return budget(esp);
}

void *esp_model_zalloc(espdiag_esp *esp, size_t size)
{
	return zalloc(esp, size);
}

const char *esp_model_strdup(espdiag_esp *esp, const char *s)
{
	return dupstr(esp, s);
}

const char *esp_model_keypath(espdiag_esp *esp, const espdiag_key *key, int *rc)
{
	return keypath(esp, key, rc);
}

const espdiag_key *esp_model_sub(const espdiag_key *key, const char *rel, int *rc)
{
	return sub(key, rel, rc);
}

const espdiag_key *esp_model_lookup(espdiag_registry *reg, const char *path, int *rc)
{
	return lookup(reg, path, rc);
}

esp_kids esp_model_children(espdiag_esp *esp, const espdiag_key *key, int *rc)
{
	return children(esp, key, rc);
}

espdiag_esp_u32 esp_model_u32(espdiag_esp *esp, const espdiag_key *key, const char *name)
{
	return get_u32(esp, key, name);
}

const char *esp_model_str(espdiag_esp *esp, const espdiag_key *key, const char *name, int *rc)
{
	return get_str(esp, key, name, rc);
}

bool esp_model_is_guid(const char *s)
{
	return is_guid(s);
}

/* --- enrollments --- */

static int load_first_sync(espdiag_esp *esp, espdiag_esp_enrollment *e, const espdiag_key *fs)
{
	int rc = ESPDIAG_OK;
	espdiag_esp_first_sync *f = zalloc(esp, sizeof *f);
	if (f == NULL)
		return ESPDIAG_ENOMEM;
	f->key = keypath(esp, fs, &rc);
	f->skip_device_status_page = get_u32(esp, fs, "SkipDeviceStatusPage");
	f->skip_user_status_page = get_u32(esp, fs, "SkipUserStatusPage");
	f->device_page_skipped = f->skip_device_status_page.has && f->skip_device_status_page.value != 0;
	f->user_page_skipped = f->skip_user_status_page.has && f->skip_user_status_page.value != 0;
	f->block_in_status_page = get_u32(esp, fs, "BlockInStatusPage");
	f->sync_failure_timeout = get_u32(esp, fs, "SyncFailureTimeout");
	f->timeout_is_default = !f->sync_failure_timeout.has;
	f->timeout_minutes = f->sync_failure_timeout.has ? f->sync_failure_timeout.value
	                                                 : ESPDIAG_ESP_DEFAULT_TIMEOUT_MINUTES;
	f->allow_collect_logs_button = get_u32(esp, fs, "AllowCollectLogsButton");
	f->custom_error_text = get_str(esp, fs, "CustomErrorText", &rc);
	f->is_sync_done = get_u32(esp, fs, "IsSyncDone");
	f->is_server_provisioning_done = get_u32(esp, fs, "IsServerProvisioningDone");
	f->applications_duration = get_u32(esp, fs, "ApplicationsDuration");
	f->policy_duration = get_u32(esp, fs, "PolicyDuration");
	f->networking_duration = get_u32(esp, fs, "NetworkingDuration");
	f->certificates_duration = get_u32(esp, fs, "CertificatesDuration");

	const espdiag_value *v;
	if (espdiag_key_value(&v, fs, "Timestamp") == ESPDIAG_OK) {
		const unsigned char *data;
		size_t size;
		espdiag_value_get_binary(&data, &size, v);
		if (size == 8) {
			char buf[ESP_TIME_BUFSIZE];
			f->has_timestamp = true;
			f->timestamp_filetime = esp_le64(data);
			esp_time_from_filetime(f->timestamp_filetime, &f->timestamp_unix,
			                       &f->timestamp_100ns);
			esp_time_format(buf, f->timestamp_unix, f->timestamp_100ns);
			f->timestamp_utc = dupstr(esp, buf);
			if (f->timestamp_utc == NULL)
				rc = ESPDIAG_ENOMEM;
		} else {
			esp_warn(&esp->warnings, 0, 0, 0,
			         "%s\\Timestamp: %zu bytes, a FILETIME has 8; ignored", f->key, size);
		}
	}
	e->first_sync = f;
	return rc;
}

static int load_enrollments(espdiag_esp *esp, espdiag_registry *reg)
{
	int rc = ESPDIAG_OK;
	const espdiag_key *root = lookup(reg, MS "Enrollments", &rc);
	if (root == NULL)
		return rc;
	kids ns = children(esp, root, &rc);
	for (size_t i = 0; i < ns.n && rc == ESPDIAG_OK; i++) {
		const espdiag_key *k = ns.k[i];
		if (k == NULL || !is_guid(espdiag_key_name(k)) || !budget(esp))
			continue;
		espdiag_esp_enrollment *e = zalloc(esp, sizeof *e);
		if (e == NULL || esp_vec_push(&esp->enrollments, e) != ESPDIAG_OK)
			return ESPDIAG_ENOMEM;
		e->key = keypath(esp, k, &rc);
		e->guid = dupstr(esp, espdiag_key_name(k));
		e->provider_id = get_str(esp, k, "ProviderID", &rc);
		e->upn = get_str(esp, k, "UPN", &rc);
		e->tenant_id = get_str(esp, k, "AADTenantID", &rc);
		e->enrollment_type = get_u32(esp, k, "EnrollmentType");
		const espdiag_key *fs = sub(k, "FirstSync", &rc);
		if (fs != NULL && rc == ESPDIAG_OK)
			rc = load_first_sync(esp, e, fs);
	}
	return rc;
}

/* --- Autopilot profile --- */

static int load_autopilot(espdiag_esp *esp, espdiag_registry *reg)
{
	int rc = ESPDIAG_OK;
	espdiag_esp_autopilot *a = &esp->autopilot;
	const espdiag_key *k = lookup(reg, MS "Provisioning\\Diagnostics\\Autopilot", &rc);
	if (k == NULL)
		return rc;
	a->key = keypath(esp, k, &rc);
	a->tenant_id = get_str(esp, k, "CloudAssignedTenantId", &rc);
	a->tenant_domain = get_str(esp, k, "CloudAssignedTenantDomain", &rc);
	a->profile_name = get_str(esp, k, "DeploymentProfileName", &rc);
	a->oobe_config = get_u32(esp, k, "CloudAssignedOobeConfig");
	a->domain_join_method = get_u32(esp, k, "CloudAssignedDomainJoinMethod");
	a->hybrid_join = a->domain_join_method.has &&
	                 a->domain_join_method.value == ESPDIAG_ESP_DOMAIN_JOIN_HYBRID;
	const espdiag_key *c = sub(k, "EstablishedCorrelations", &rc);
	if (c != NULL) {
		a->correlations_key = keypath(esp, c, &rc);
		a->ztd_id = get_str(esp, c, "ZTDRegistrationID", &rc);
		a->ent_dm_id = get_str(esp, c, "EntDMID", &rc);
	}
	return rc;
}

/* --- device preparation providers --- */

static int load_providers(espdiag_esp *esp, const espdiag_key *est)
{
	int rc = ESPDIAG_OK;
	const espdiag_key *root = sub(est, "Device\\DevicePreparation\\PolicyProviders", &rc);
	if (root == NULL)
		return rc;
	kids ns = children(esp, root, &rc);
	for (size_t i = 0; i < ns.n && rc == ESPDIAG_OK; i++) {
		const espdiag_key *k = ns.k[i];
		if (k == NULL || !budget(esp))
			continue;
		espdiag_esp_provider *p = zalloc(esp, sizeof *p);
		if (p == NULL || esp_vec_push(&esp->providers, p) != ESPDIAG_OK)
			return ESPDIAG_ENOMEM;
		p->key = keypath(esp, k, &rc);
		p->name = dupstr(esp, espdiag_key_name(k));
		if (strcasecmp(p->name ? p->name : "", "Sidecar") == 0)
			p->kind = ESPDIAG_ESP_PROVIDER_SIDECAR;
		else if (strcasecmp(p->name ? p->name : "", "ConfigMgr") == 0)
			p->kind = ESPDIAG_ESP_PROVIDER_CONFIGMGR;
		else
			p->kind = ESPDIAG_ESP_PROVIDER_OTHER;
		p->state = get_u32(esp, k, "InstallationState");
		p->last_error = get_u32(esp, k, "LastError");
		p->timeout = get_u32(esp, k, "Timeout");
		const espdiag_key *t = sub(k, "TrackedResourceTypes", &rc);
		if (t == NULL)
			continue;
		p->resource_types_key = keypath(esp, t, &rc);
		size_t nv = espdiag_key_value_count(t);
		if (nv > ESP_MAX_PARTS)
			nv = ESP_MAX_PARTS;
		espdiag_esp_resource_type *rt = zalloc_array(esp, nv, sizeof *rt);
		if (nv && rt == NULL)
			return ESPDIAG_ENOMEM;
		size_t used = 0;
		for (size_t j = 0; j < nv; j++) {
			const espdiag_value *v;
			if (espdiag_key_value_at(&v, t, j) != ESPDIAG_OK || !budget(esp))
				continue;
			rt[used].name = dupstr(esp, espdiag_value_name(v));
			rt[used].value.has = espdiag_value_get_dword(v, &rt[used].value.value) == ESPDIAG_OK;
			used++;
		}
		p->resource_types = rt;
		p->resource_type_count = used;
	}
	return rc;
}

/* --- setups and tracked apps --- */

/* Win32App_<guid>_<version>: the guid and the version. */
static void parse_win32_id(espdiag_esp *esp, espdiag_esp_app *a)
{
	const char *rest;
	if (!ascii_prefix_ci(a->id, "Win32App_"))
		return;
	rest = a->id + strlen("Win32App_");
	const char *us = strrchr(rest, '_');
	size_t glen = us ? (size_t)(us - rest) : strlen(rest);
	a->app_guid = esp_arena_strndup(&esp->arena, rest, glen);
	if (us == NULL || us[1] == '\0')
		return;
	uint64_t v = 0;
	for (const char *p = us + 1; *p; p++) {
		if (*p < '0' || *p > '9' || (v = v * 10 + (uint64_t)(*p - '0')) > UINT32_MAX)
			return;
	}
	a->version.value = (uint32_t)v;
	a->version.has = true;
}

static int load_setup(espdiag_esp *esp, esp_setup *s, const espdiag_key *setup, const char *sid)
{
	int rc = ESPDIAG_OK;
	s->pub.sid = sid;
	if (setup == NULL)
		return rc;
	s->pub.key = keypath(esp, setup, &rc);
	s->pub.has_provisioning_completed = get_u32(esp, setup, "HasProvisioningCompleted");
	const espdiag_key *apps = sub(setup, "Apps", &rc);
	if (apps == NULL)
		return rc;
	s->pub.apps_key = keypath(esp, apps, &rc);
	s->pub.locked = get_u32(esp, apps, "Locked");

	const espdiag_key *pps = sub(apps, "PolicyProviders", &rc);
	kids ns = children(esp, pps, &rc);
	for (size_t i = 0; i < ns.n && rc == ESPDIAG_OK; i++) {
		const espdiag_key *k = ns.k[i];
		if (k == NULL || !budget(esp))
			continue;
		espdiag_esp_policy_provider *pp = zalloc(esp, sizeof *pp);
		if (pp == NULL || esp_vec_push(&s->policy_providers, pp) != ESPDIAG_OK)
			return ESPDIAG_ENOMEM;
		pp->key = keypath(esp, k, &rc);
		pp->name = dupstr(esp, espdiag_key_name(k));
		pp->tracking_policies_created = get_u32(esp, k, "TrackingPoliciesCreated");
	}

	const espdiag_key *tracking = sub(apps, "Tracking", &rc);
	kids ts = children(esp, tracking, &rc);
	for (size_t i = 0; i < ts.n && rc == ESPDIAG_OK; i++) {
		const espdiag_key *pk = ts.k[i];
		if (pk == NULL)
			continue;
		const char *provider = dupstr(esp, espdiag_key_name(pk));
		kids nas = children(esp, pk, &rc);
		for (size_t j = 0; j < nas.n && rc == ESPDIAG_OK; j++) {
			const espdiag_key *k = nas.k[j];
			if (k == NULL || !budget(esp))
				continue;
			espdiag_esp_app *a = zalloc(esp, sizeof *a);
			if (a == NULL || esp_vec_push(&s->apps, a) != ESPDIAG_OK)
				return ESPDIAG_ENOMEM;
			a->key = keypath(esp, k, &rc);
			a->id = dupstr(esp, espdiag_key_name(k));
			a->provider = provider;
			a->sid = sid;
			if (a->id == NULL || provider == NULL)
				return ESPDIAG_ENOMEM;
			if (ascii_prefix_ci(a->id, "Win32App_"))
				a->kind = ESPDIAG_ESP_KIND_WIN32_APP;
			else if (strcasecmp(provider, "ConfigMgr") == 0)
				a->kind = ESPDIAG_ESP_KIND_CONFIGMGR;
			else
				a->kind = ESPDIAG_ESP_KIND_OTHER;
			parse_win32_id(esp, a);
			a->state = get_u32(esp, k, "InstallationState");
			a->reboot_required = get_u32(esp, k, "RebootRequired");
			a->tracking_uri = get_str(esp, k, "TrackingUri", &rc);
			a->error_hresult = get_u32(esp, k, "ErrorHresult");
		}
	}
	return rc;
}

static int load_setups(espdiag_esp *esp, const espdiag_key *est)
{
	int rc = ESPDIAG_OK;
	const espdiag_key *device = sub(est, "Device\\Setup", &rc);
	if (rc == ESPDIAG_OK)
		rc = load_setup(esp, &esp->device, device, NULL);
	kids ns = children(esp, est, &rc);
	for (size_t i = 0; i < ns.n && rc == ESPDIAG_OK; i++) {
		const espdiag_key *k = ns.k[i];
		if (k == NULL || !is_sid(espdiag_key_name(k)) || !budget(esp))
			continue;
		esp_setup *s = calloc(1, sizeof *s);
		if (s == NULL)
			return ESPDIAG_ENOMEM;
		if (esp_vec_push(&esp->users, s) != ESPDIAG_OK) {
			free(s);
			return ESPDIAG_ENOMEM;
		}
		const char *sid = dupstr(esp, espdiag_key_name(k));
		if (sid == NULL)
			return ESPDIAG_ENOMEM;
		const espdiag_key *setup = sub(k, "Setup", &rc);
		if (rc == ESPDIAG_OK)
			rc = load_setup(esp, s, setup, sid);
	}
	return rc;
}

/* --- ESPTrackingInfo --- */

static espdiag_esp_category category_of(const char *name)
{
	static const struct {
		const char *name;
		espdiag_esp_category cat;
	} map[] = {
		{ "ExpectedPolicies", ESPDIAG_ESP_CAT_POLICIES },
		{ "ExpectedMSIAppPackages", ESPDIAG_ESP_CAT_MSI },
		{ "ExpectedModernAppPackages", ESPDIAG_ESP_CAT_MODERN_APPS },
		{ "ExpectedNetworkProfiles", ESPDIAG_ESP_CAT_NETWORK_PROFILES },
		{ "ExpectedCertificateProfiles", ESPDIAG_ESP_CAT_CERTIFICATES },
		{ "ExpectedSCEPCerts", ESPDIAG_ESP_CAT_CERTIFICATES },
		{ "ExpectedPFXCerts", ESPDIAG_ESP_CAT_CERTIFICATES },
		{ "Sidecar", ESPDIAG_ESP_CAT_SIDECAR },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(name, map[i].name) == 0)
			return map[i].cat;
	return ESPDIAG_ESP_CAT_OTHER;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes len bytes of s into the arena; a bad escape stays as is. */
static char *pct_decode(espdiag_esp *esp, const char *s, size_t len)
{
	char *out = esp_arena_alloc(&esp->arena, len + 1);
	size_t o = 0;
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < len && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* The index of the segment after the first one equal to name, or -1. */
static int seg_after(const char **segs, const size_t *lens, int n, const char *name)
{
	size_t len = strlen(name);
	for (int i = 0; i + 1 < n; i++)
		if (lens[i] == len && strncasecmp(segs[i], name, len) == 0)
			return i + 1;
	return -1;
}

#define MAX_SEGS 32

/* The item id and kind an OMA-DM URI value name stands for. */
static int decode_entry(espdiag_esp *esp, espdiag_esp_entry *e, espdiag_esp_category cat)
{
	const char *segs[MAX_SEGS];
	size_t lens[MAX_SEGS];
	int n = 0, pick = -1;
	const char *p = e->value;
	while (n < MAX_SEGS) {
		const char *slash = strchr(p, '/');
		segs[n] = p;
		lens[n] = slash ? (size_t)(slash - p) : strlen(p);
		n++;
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	int i;
	if ((i = seg_after(segs, lens, n, "EnterpriseDesktopAppManagement")) >= 0 && i + 1 < n &&
	    lens[i] == 3 && strncasecmp(segs[i], "MSI", 3) == 0)
		pick = i + 1;
	else if (seg_after(segs, lens, n, "EnterpriseModernAppManagement") >= 0)
		pick = n - 1;
	else if ((i = seg_after(segs, lens, n, "ClientCertificateInstall")) >= 0 && i + 1 < n)
		pick = i + 1;
	else if ((i = seg_after(segs, lens, n, "WiFi")) >= 0 && i + 1 < n &&
	         lens[i] == 7 && strncasecmp(segs[i], "Profile", 7) == 0)
		pick = i + 1;
	else if ((i = seg_after(segs, lens, n, "VPNv2")) >= 0)
		pick = i;
	else if ((i = seg_after(segs, lens, n, "Tracking")) >= 0 &&
	         seg_after(segs, lens, n, "EnrollmentStatusTracking") >= 0)
		pick = n - 1;
	else if ((i = seg_after(segs, lens, n, "Installation")) >= 0 &&
	         seg_after(segs, lens, n, "Office") >= 0)
		pick = i;

	if (pick >= 0 && lens[pick] > 0)
		e->id = pct_decode(esp, segs[pick], lens[pick]);
	else
		e->id = pct_decode(esp, e->value, strlen(e->value));
	if (e->id == NULL)
		return ESPDIAG_ENOMEM;

	switch (cat) {
	case ESPDIAG_ESP_CAT_POLICIES:
		e->kind = ESPDIAG_ESP_KIND_POLICY;
		break;
	case ESPDIAG_ESP_CAT_MSI:
		e->kind = seg_after(segs, lens, n, "EnterpriseDesktopAppManagement") >= 0
		              ? ESPDIAG_ESP_KIND_MSI_APP
		              : ESPDIAG_ESP_KIND_OTHER;
		break;
	case ESPDIAG_ESP_CAT_MODERN_APPS:
		e->kind = ESPDIAG_ESP_KIND_MODERN_APP;
		break;
	case ESPDIAG_ESP_CAT_NETWORK_PROFILES:
		e->kind = ESPDIAG_ESP_KIND_NETWORK_PROFILE;
		break;
	case ESPDIAG_ESP_CAT_CERTIFICATES:
		e->kind = ESPDIAG_ESP_KIND_CERTIFICATE;
		break;
	case ESPDIAG_ESP_CAT_SIDECAR:
		e->kind = ascii_prefix_ci(e->id, "Win32App_") ? ESPDIAG_ESP_KIND_WIN32_APP
		                                               : ESPDIAG_ESP_KIND_OTHER;
		break;
	default:
		e->kind = ESPDIAG_ESP_KIND_OTHER;
		break;
	}
	return ESPDIAG_OK;
}

/* Values ESPTrackingInfo keeps for its own bookkeeping, not items (they
 * belong on category and provider keys; skipped wherever they appear). */
static bool is_bookkeeping(const char *name)
{
	static const char *const names[] = { "LastCountOfCompletedUris", "LastProvisionedCount",
		                             "ListRetrievalStarted", "ListRetrievalSucceeded" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(name, names[i]) == 0)
			return true;
	return false;
}

static int load_snapshot(espdiag_esp *esp, const espdiag_key *k, const char *sid,
                         espdiag_esp_category cat, const char *cat_name)
{
	int rc = ESPDIAG_OK;
	if (!budget(esp))
		return rc;
	espdiag_esp_snapshot *s = zalloc(esp, sizeof *s);
	if (s == NULL || esp_vec_push(&esp->snapshots, s) != ESPDIAG_OK)
		return ESPDIAG_ENOMEM;
	s->key = keypath(esp, k, &rc);
	s->sid = sid;
	s->owner_category = cat;
	s->category_name = cat_name;
	s->timestamp = dupstr(esp, espdiag_key_name(k));
	if (s->timestamp == NULL)
		return ESPDIAG_ENOMEM;
	s->last_logged_state = strcasecmp(s->timestamp, "LastLoggedState") == 0;
	s->category = s->last_logged_state ? ESPDIAG_ESP_CAT_LAST_LOGGED_STATE : cat;
	if (!s->last_logged_state)
		s->time_valid = esp_time_parse(s->timestamp, &s->time_unix, &s->time_100ns);
	size_t nv = espdiag_key_value_count(k);
	if (nv > ESP_MAX_PARTS)
		nv = ESP_MAX_PARTS;
	espdiag_esp_entry *entries = zalloc_array(esp, nv, sizeof *entries);
	if (nv && entries == NULL)
		return ESPDIAG_ENOMEM;
	size_t used = 0;
	for (size_t i = 0; i < nv && rc == ESPDIAG_OK; i++) {
		const espdiag_value *v;
		if (espdiag_key_value_at(&v, k, i) != ESPDIAG_OK ||
		    is_bookkeeping(espdiag_value_name(v)) || !budget(esp))
			continue;
		espdiag_esp_entry *e = &entries[used++];
		e->value = dupstr(esp, espdiag_value_name(v));
		if (e->value == NULL)
			return ESPDIAG_ENOMEM;
		e->state.has = espdiag_value_get_dword(v, &e->state.value) == ESPDIAG_OK;
		rc = decode_entry(esp, e, cat);
	}
	s->entries = entries;
	s->entry_count = used;
	return rc;
}

static int load_category(espdiag_esp *esp, const espdiag_key *ck, const char *sid)
{
	int rc = ESPDIAG_OK;
	const char *name = dupstr(esp, espdiag_key_name(ck));
	if (name == NULL)
		return ESPDIAG_ENOMEM;
	espdiag_esp_category cat = category_of(name);
	kids ns = children(esp, ck, &rc);
	for (size_t i = 0; i < ns.n && rc == ESPDIAG_OK; i++) {
		const espdiag_key *k = ns.k[i];
		if (k != NULL)
			rc = load_snapshot(esp, k, sid, cat, name);
	}
	return rc;
}

static int load_tracking_info(espdiag_esp *esp, const espdiag_key *est)
{
	int rc = ESPDIAG_OK;
	const espdiag_key *diag = sub(est, "ESPTrackingInfo\\Diagnostics", &rc);
	if (diag == NULL)
		return rc;
	kids ds = children(esp, diag, &rc);
	/* Device context first, then users, whatever the key order. */
	for (int pass = 0; pass < 2 && rc == ESPDIAG_OK; pass++) {
		for (size_t i = 0; i < ds.n && rc == ESPDIAG_OK; i++) {
			const espdiag_key *k = ds.k[i];
			if (k == NULL || is_sid(espdiag_key_name(k)) != (pass == 1))
				continue;
			if (pass == 0) {
				rc = load_category(esp, k, NULL);
				continue;
			}
			const char *sid = dupstr(esp, espdiag_key_name(k));
			if (sid == NULL)
				return ESPDIAG_ENOMEM;
			kids ncs = children(esp, k, &rc);
			for (size_t j = 0; j < ncs.n && rc == ESPDIAG_OK; j++) {
				const espdiag_key *ck = ncs.k[j];
				if (ck != NULL)
					rc = load_category(esp, ck, sid);
			}
		}
	}
	return rc;
}

/* --- MSI (LOB) apps --- */

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; hay && *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

static int load_msi(espdiag_esp *esp, espdiag_registry *reg)
{
	int rc = ESPDIAG_OK;
	const espdiag_key *root = lookup(reg, MS "EnterpriseDesktopAppManagement", &rc);
	if (root == NULL)
		return rc;
	kids ns = children(esp, root, &rc);
	for (size_t i = 0; i < ns.n && rc == ESPDIAG_OK; i++) {
		const espdiag_key *sk = ns.k[i];
		const espdiag_key *msi = sub(sk, "MSI", &rc);
		if (msi == NULL)
			continue;
		const char *sid = dupstr(esp, espdiag_key_name(sk));
		if (sid == NULL)
			return ESPDIAG_ENOMEM;
		kids nps = children(esp, msi, &rc);
		for (size_t j = 0; j < nps.n && rc == ESPDIAG_OK; j++) {
			const espdiag_key *k = nps.k[j];
			if (k == NULL || !budget(esp))
				continue;
			espdiag_esp_msi_app *m = zalloc(esp, sizeof *m);
			if (m == NULL || esp_vec_push(&esp->msi, m) != ESPDIAG_OK)
				return ESPDIAG_ENOMEM;
			m->key = keypath(esp, k, &rc);
			m->sid = sid;
			m->product_code = dupstr(esp, espdiag_key_name(k));
			m->status = get_u32(esp, k, "Status");
			m->last_error = get_u32(esp, k, "LastError");
			m->download_url = get_str(esp, k, "CurrentDownloadUrl", &rc);
			m->is_ime = contains_ci(m->download_url, "IntuneWindowsAgent.msi");
		}
	}
	return rc;
}

/* --- derived: phases --- */

static int add_phase(espdiag_esp *esp, espdiag_esp_phase phase, espdiag_esp_phase_status st,
                     const char *sid, const char *key)
{
	espdiag_esp_phase_info *p = zalloc(esp, sizeof *p);
	if (p == NULL || esp_vec_push(&esp->phases, p) != ESPDIAG_OK)
		return ESPDIAG_ENOMEM;
	p->phase = phase;
	p->status = st;
	p->sid = sid;
	p->key = key;
	return ESPDIAG_OK;
}

static espdiag_esp_phase_status device_preparation_status(const espdiag_esp *esp, const char **key)
{
	size_t n = esp->providers.n;
	bool unknown = false, pending = false;
	if (n == 0)
		return ESPDIAG_ESP_STATUS_UNKNOWN;
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_provider *p = esp->providers.v[i];
		if (p->state.has && p->state.value == ESPDIAG_ESP_PROVIDER_ERROR) {
			*key = p->key;
			return ESPDIAG_ESP_STATUS_FAILED;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_provider *p = esp->providers.v[i];
		if (!p->state.has || p->state.value < 1 || p->state.value > 4) {
			unknown = true;
			*key = p->key;
		} else if (p->state.value == ESPDIAG_ESP_PROVIDER_NOT_INSTALLED && !pending) {
			pending = true;
			if (!unknown)
				*key = p->key;
		}
	}
	if (unknown)
		return ESPDIAG_ESP_STATUS_UNKNOWN;
	if (pending)
		return ESPDIAG_ESP_STATUS_IN_PROGRESS;
	*key = ((const espdiag_esp_provider *)esp->providers.v[0])->key;
	return ESPDIAG_ESP_STATUS_COMPLETED;
}

/* The status of a device or account setup, given the phase before it. */
static espdiag_esp_phase_status setup_status(const esp_setup *s, espdiag_esp_phase_status before,
                                             const char **key)
{
	const espdiag_esp_setup *p = &s->pub;
	if (p->key == NULL) {
		return before == ESPDIAG_ESP_STATUS_UNKNOWN || before == ESPDIAG_ESP_STATUS_SKIPPED
		           ? ESPDIAG_ESP_STATUS_UNKNOWN
		           : ESPDIAG_ESP_STATUS_NOT_STARTED;
	}
	bool all_done = s->apps.n > 0, pending = false;
	for (size_t i = 0; i < s->apps.n; i++) {
		const espdiag_esp_app *a = s->apps.v[i];
		if (a->state.has && a->state.value == ESPDIAG_ESP_APP_ERROR) {
			*key = a->key;
			return ESPDIAG_ESP_STATUS_FAILED;
		}
		if (!a->state.has || a->state.value != ESPDIAG_ESP_APP_COMPLETED)
			all_done = false;
		if (a->state.has && (a->state.value == ESPDIAG_ESP_APP_NOT_INSTALLED ||
		                     a->state.value == ESPDIAG_ESP_APP_IN_PROGRESS))
			pending = true;
	}
	*key = p->key;
	if (p->has_provisioning_completed.has && p->has_provisioning_completed.value == 1)
		return ESPDIAG_ESP_STATUS_COMPLETED;
	for (size_t i = 0; i < s->policy_providers.n; i++) {
		const espdiag_esp_policy_provider *pp = s->policy_providers.v[i];
		if (!pp->tracking_policies_created.has || pp->tracking_policies_created.value != 1) {
			*key = pp->key;
			return ESPDIAG_ESP_STATUS_IDENTIFYING;
		}
	}
	if (all_done && !p->has_provisioning_completed.has)
		return ESPDIAG_ESP_STATUS_COMPLETED;
	if (pending || p->has_provisioning_completed.has)
		return ESPDIAG_ESP_STATUS_IN_PROGRESS;
	return ESPDIAG_ESP_STATUS_UNKNOWN;
}

static int derive_phases(espdiag_esp *esp)
{
	const espdiag_esp_enrollment *e = espdiag_esp_primary_enrollment(esp);
	const espdiag_esp_first_sync *fs = e ? e->first_sync : NULL;
	const char *key = NULL;
	espdiag_esp_phase_status prep, dev;
	int rc;

	if (fs != NULL && fs->device_page_skipped) {
		prep = dev = ESPDIAG_ESP_STATUS_SKIPPED;
		if ((rc = add_phase(esp, ESPDIAG_ESP_PHASE_DEVICE_PREPARATION, prep, NULL, fs->key)) ||
		    (rc = add_phase(esp, ESPDIAG_ESP_PHASE_DEVICE_SETUP, dev, NULL, fs->key)))
			return rc;
	} else {
		prep = device_preparation_status(esp, &key);
		if ((rc = add_phase(esp, ESPDIAG_ESP_PHASE_DEVICE_PREPARATION, prep, NULL, key)))
			return rc;
		key = NULL;
		dev = setup_status(&esp->device, prep, &key);
		if ((rc = add_phase(esp, ESPDIAG_ESP_PHASE_DEVICE_SETUP, dev, NULL, key)))
			return rc;
	}

	bool user_skipped = fs != NULL && fs->user_page_skipped;
	if (esp->users.n == 0) {
		espdiag_esp_phase_status st = user_skipped ? ESPDIAG_ESP_STATUS_SKIPPED
		                              : dev == ESPDIAG_ESP_STATUS_UNKNOWN ||
		                                      dev == ESPDIAG_ESP_STATUS_SKIPPED
		                                  ? ESPDIAG_ESP_STATUS_UNKNOWN
		                                  : ESPDIAG_ESP_STATUS_NOT_STARTED;
		return add_phase(esp, ESPDIAG_ESP_PHASE_ACCOUNT_SETUP, st, NULL,
		                 user_skipped ? fs->key : NULL);
	}
	for (size_t i = 0; i < esp->users.n; i++) {
		const esp_setup *s = esp->users.v[i];
		espdiag_esp_phase_status st;
		key = NULL;
		if (user_skipped) {
			st = ESPDIAG_ESP_STATUS_SKIPPED;
			key = fs->key;
		} else {
			st = setup_status(s, dev == ESPDIAG_ESP_STATUS_SKIPPED
			                         ? ESPDIAG_ESP_STATUS_COMPLETED
			                         : dev,
			                  &key);
		}
		if ((rc = add_phase(esp, ESPDIAG_ESP_PHASE_ACCOUNT_SETUP, st, s->pub.sid, key)))
			return rc;
	}
	return ESPDIAG_OK;
}

/* --- derived: items --- */

static int add_item(espdiag_esp *esp, espdiag_esp_item_kind kind, const char *id,
                    const char *sid, const char *state, espdiag_esp_u32 raw,
                    const char *key, const char *value, bool is_ime,
                    const espdiag_esp_app *app)
{
	esp_item *w = zalloc(esp, sizeof *w);
	if (w == NULL || esp_vec_push(&esp->items, &w->pub) != ESPDIAG_OK)
		return ESPDIAG_ENOMEM;
	espdiag_esp_item *it = &w->pub;
	w->app = app;
	it->kind = kind;
	it->id = id;
	it->sid = sid;
	it->phase = sid ? ESPDIAG_ESP_PHASE_ACCOUNT_SETUP : ESPDIAG_ESP_PHASE_DEVICE_SETUP;
	it->state = state;
	it->state_raw = raw;
	it->is_ime = is_ime;
	it->key = key;
	it->value = value;
	return ESPDIAG_OK;
}

static int setup_items(espdiag_esp *esp, const esp_setup *s)
{
	for (size_t i = 0; i < s->apps.n; i++) {
		const espdiag_esp_app *a = s->apps.v[i];
		int rc = add_item(esp, a->kind, a->id, a->sid,
		                  a->state.has ? espdiag_esp_app_state_name(a->state.value) : "unknown",
		                  a->state, a->key, "InstallationState", false, a);
		if (rc)
			return rc;
	}
	return ESPDIAG_OK;
}

static bool same_sid(const char *a, const char *b)
{
	return a == b || (a && b && strcasecmp(a, b) == 0);
}

/* Is s later than t (time order; unparsed names after parsed ones)? */
static bool later(const espdiag_esp_snapshot *s, const espdiag_esp_snapshot *t)
{
	if (s->time_valid != t->time_valid)
		return !s->time_valid;
	if (s->time_valid && (s->time_unix != t->time_unix || s->time_100ns != t->time_100ns))
		return s->time_unix > t->time_unix ||
		       (s->time_unix == t->time_unix && s->time_100ns > t->time_100ns);
	return strcmp(s->timestamp, t->timestamp) > 0;
}

static int derive_items(espdiag_esp *esp)
{
	int rc = setup_items(esp, &esp->device);
	for (size_t i = 0; i < esp->users.n && rc == ESPDIAG_OK; i++)
		rc = setup_items(esp, esp->users.v[i]);
	for (size_t i = 0; i < esp->msi.n && rc == ESPDIAG_OK; i++) {
		const espdiag_esp_msi_app *m = esp->msi.v[i];
		const char *sid = strcasecmp(m->sid, DEVICE_MSI_SID) == 0 ? NULL : m->sid;
		rc = add_item(esp, ESPDIAG_ESP_KIND_MSI_APP, m->product_code, sid,
		              m->status.has ? espdiag_esp_msi_status_name(m->status.value) : "unknown",
		              m->status, m->key, "Status", m->is_ime, NULL);
	}
	/* The latest snapshot of each (context, category name) for the
	 * categories that no other key tracks. A category's snapshots were
	 * loaded one after another, sharing the sid and name strings, so one
	 * linear pass over those runs finds each latest. */
	size_t n = esp->snapshots.n;
	for (size_t i = 0, j; i < n && rc == ESPDIAG_OK; i = j) {
		const espdiag_esp_snapshot *first = esp->snapshots.v[i], *best = NULL;
		for (j = i; j < n; j++) {
			const espdiag_esp_snapshot *t = esp->snapshots.v[j];
			if (t->sid != first->sid || t->category_name != first->category_name)
				break;
			if (!t->last_logged_state && (best == NULL || !later(best, t)))
				best = t;
		}
		espdiag_esp_category c = first->owner_category;
		if (best == NULL || c == ESPDIAG_ESP_CAT_SIDECAR || c == ESPDIAG_ESP_CAT_MSI ||
		    c == ESPDIAG_ESP_CAT_OTHER)
			continue;
		for (size_t k = 0; k < best->entry_count && rc == ESPDIAG_OK; k++) {
			const espdiag_esp_entry *e = &best->entries[k];
			rc = add_item(esp, e->kind, e->id, best->sid, espdiag_esp_entry_state_name(best, e),
			              e->state, best->key, e->value, false, NULL);
		}
	}
	return rc;
}

/* --- derived: the timeline of changes --- */

/* Some Windows builds log a user's Win32 apps in the device's Sidecar
 * snapshots, with "./User/" URIs: those belong to account setup. */
static espdiag_esp_phase entry_phase(const espdiag_esp_snapshot *s, const espdiag_esp_entry *e)
{
	return s->sid || ascii_prefix_ci(e->value, "./User/") ? ESPDIAG_ESP_PHASE_ACCOUNT_SETUP
	                                                      : ESPDIAG_ESP_PHASE_DEVICE_SETUP;
}

typedef struct order {
	const espdiag_esp_snapshot *s;
	size_t index;
} order;

static int order_cmp(const void *a, const void *b)
{
	const order *x = a, *y = b;
	if (x->s->last_logged_state != y->s->last_logged_state)
		return x->s->last_logged_state ? 1 : -1;
	if (later(x->s, y->s))
		return 1;
	if (later(y->s, x->s))
		return -1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The identity of an item across snapshots: context, category, value name. */
static uint64_t item_hash(const espdiag_esp_snapshot *s, const espdiag_esp_entry *e)
{
	uint64_t h = 1469598103934665603u;
	const char *parts[3] = { s->sid ? s->sid : "", s->category_name, e->value };
	for (int i = 0; i < 3; i++) {
		for (const char *p = parts[i]; *p; p++) {
			unsigned char c = (unsigned char)*p;
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c + 32);
			h = (h ^ c) * 1099511628211u;
		}
		h = (h ^ 0x1f) * 1099511628211u;
	}
	return h;
}

typedef struct slot {
	const espdiag_esp_snapshot *s;
	const espdiag_esp_entry *e;
} slot;

static bool same_item(const slot *a, const espdiag_esp_snapshot *s, const espdiag_esp_entry *e)
{
	return same_sid(a->s->sid, s->sid) && strcasecmp(a->s->category_name, s->category_name) == 0 &&
	       strcasecmp(a->e->value, e->value) == 0;
}

static int derive_changes(espdiag_esp *esp)
{
	size_t n = esp->snapshots.n, total = 0;
	for (size_t i = 0; i < n; i++)
		total += ((const espdiag_esp_snapshot *)esp->snapshots.v[i])->entry_count;
	if (total == 0)
		return ESPDIAG_OK;
	order *ord = malloc(n * sizeof *ord);
	size_t cap = 16;
	while (cap < total * 2)
		cap *= 2;
	slot *table = calloc(cap, sizeof *table);
	esp->changes = malloc(total * sizeof *esp->changes);
	if (ord == NULL || table == NULL || esp->changes == NULL) {
		free(ord);
		free(table);
		return ESPDIAG_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		ord[i].s = esp->snapshots.v[i];
		ord[i].index = i;
	}
	qsort(ord, n, sizeof *ord, order_cmp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_snapshot *s = ord[i].s;
		for (size_t j = 0; j < s->entry_count; j++) {
			const espdiag_esp_entry *e = &s->entries[j];
			size_t h = (size_t)(item_hash(s, e) & (cap - 1));
			while (table[h].s != NULL && !same_item(&table[h], s, e))
				h = (h + 1) & (cap - 1);
			const espdiag_esp_entry *prev = table[h].e;
			table[h].s = s;
			table[h].e = e;
			if (prev != NULL && prev->state.has == e->state.has &&
			    (!e->state.has || prev->state.value == e->state.value))
				continue;
			espdiag_esp_change *c = &esp->changes[esp->change_count++];
			c->snapshot = s;
			c->entry = e;
			c->previous = prev;
			c->phase = entry_phase(s, e);
		}
	}
	free(ord);
	free(table);
	return ESPDIAG_OK;
}

/* --- load, free, accessors --- */

static void finish_setup(esp_setup *s)
{
	s->pub.policy_provider_count = s->policy_providers.n;
	s->pub.policy_providers = (const espdiag_esp_policy_provider *const *)s->policy_providers.v;
	s->pub.app_count = s->apps.n;
	s->pub.apps = (const espdiag_esp_app *const *)s->apps.v;
}

static int load_all(espdiag_esp *esp, espdiag_registry *reg)
{
	int rc;
	if ((rc = load_enrollments(esp, reg)) || (rc = load_autopilot(esp, reg)))
		return rc;
	rc = ESPDIAG_OK;
	const espdiag_key *est = lookup(reg, EST_PATH, &rc);
	if (rc)
		return rc;
	if (est != NULL) {
		esp->has_tracking = true;
		if ((rc = load_providers(esp, est)) || (rc = load_setups(esp, est)) ||
		    (rc = load_tracking_info(esp, est)))
			return rc;
	}
	if ((rc = load_msi(esp, reg)) || (rc = esp_load_ime(esp, reg)) ||
	    (rc = esp_load_office(esp, reg)) || (rc = esp_load_page(esp, reg)) ||
	    (rc = esp_load_policy_cache(esp, reg)) || (rc = esp_load_omadm(esp, reg)) ||
	    (rc = esp_join_ime(esp)) || (rc = esp_load_v2(esp, reg)) ||
	    (rc = esp_load_scenario(esp, reg)))
		return rc;
	finish_setup(&esp->device);
	for (size_t i = 0; i < esp->users.n; i++)
		finish_setup(esp->users.v[i]);
	return (rc = derive_phases(esp)) || (rc = derive_items(esp)) || (rc = derive_changes(esp))
	               ? rc
	               : ESPDIAG_OK;
}

int esp_model_new(espdiag_esp **out, espdiag_registry *reg)
{
	*out = NULL;
	espdiag_esp *esp = calloc(1, sizeof *esp);
	if (esp == NULL)
		return ESPDIAG_ENOMEM;
	esp_arena_init(&esp->arena);
	esp_warnings_init(&esp->warnings);
	int rc = load_all(esp, reg);
	rc = esp_registry_failure(reg, rc);
	if (rc != ESPDIAG_OK) {
		espdiag_esp_free(esp);
		return rc;
	}
	*out = esp;
	return ESPDIAG_OK;
}

void esp_model_seal(espdiag_esp *esp)
{
	/* Build the lazy "N more warnings" summary now, so that reading a
	 * finished model never writes to it (concurrent readers are allowed). */
	esp_warnings_at(&esp->warnings, esp->warnings.count);
}

int espdiag_esp_load(espdiag_esp **out, espdiag_registry *reg)
{
	if (out == NULL || reg == NULL)
		return ESPDIAG_EINVAL;
	int rc = esp_model_new(out, reg);
	if (rc == ESPDIAG_OK)
		esp_model_seal(*out);
	return rc;
}

static void free_setup(esp_setup *s)
{
	esp_vec_free(&s->policy_providers);
	esp_vec_free(&s->apps);
}

void espdiag_esp_free(espdiag_esp *esp)
{
	if (esp == NULL)
		return;
	free_setup(&esp->device);
	for (size_t i = 0; i < esp->users.n; i++) {
		free_setup(esp->users.v[i]);
		free(esp->users.v[i]);
	}
	esp_vec *vecs[] = { &esp->enrollments, &esp->providers, &esp->users, &esp->snapshots,
		            &esp->msi, &esp->phases, &esp->items, &esp->ime_apps,
		            &esp->office, &esp->page, &esp->omadm, &esp->policy_nodes };
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
		esp_vec_free(vecs[i]);
	free(esp->changes);
	esp_vec_free(&esp->moments);
	esp_warnings_free(&esp->warnings);
	esp_arena_free(&esp->arena);
	free(esp);
}

const char *espdiag_esp_errmsg(const espdiag_esp *esp)
{
	return esp ? esp->err.msg : "";
}

size_t espdiag_esp_warning_count(const espdiag_esp *esp)
{
	return esp ? esp_warnings_count(&esp->warnings) : 0;
}

const espdiag_warning *espdiag_esp_warning_at(const espdiag_esp *esp, size_t index)
{
	/* No write happens here: espdiag_esp_load() built the summary. */
	return esp ? esp_warnings_at((esp_warnings *)&esp->warnings, index) : NULL;
}

bool espdiag_esp_has_tracking(const espdiag_esp *esp)
{
	return esp && esp->has_tracking;
}

#define VEC_AT(vec, type)                                              \
	return esp && index < esp->vec.n ? (const type *)esp->vec.v[index] : NULL

size_t espdiag_esp_enrollment_count(const espdiag_esp *esp)
{
	return esp ? esp->enrollments.n : 0;
}

const espdiag_esp_enrollment *espdiag_esp_enrollment_at(const espdiag_esp *esp, size_t index)
{
	VEC_AT(enrollments, espdiag_esp_enrollment);
}

const espdiag_esp_enrollment *espdiag_esp_primary_enrollment(const espdiag_esp *esp)
{
	const espdiag_esp_enrollment *first = NULL;
	for (size_t i = 0; esp && i < esp->enrollments.n; i++) {
		const espdiag_esp_enrollment *e = esp->enrollments.v[i];
		if (e->first_sync == NULL)
			continue;
		if (e->provider_id && strcmp(e->provider_id, "MS DM Server") == 0)
			return e;
		if (first == NULL)
			first = e;
	}
	return first;
}

const espdiag_esp_autopilot *espdiag_esp_autopilot_info(const espdiag_esp *esp)
{
	static const espdiag_esp_autopilot none;
	return esp ? &esp->autopilot : &none;
}

size_t espdiag_esp_provider_count(const espdiag_esp *esp)
{
	return esp ? esp->providers.n : 0;
}

const espdiag_esp_provider *espdiag_esp_provider_at(const espdiag_esp *esp, size_t index)
{
	VEC_AT(providers, espdiag_esp_provider);
}

const espdiag_esp_provider *espdiag_esp_provider_find(const espdiag_esp *esp, const char *name)
{
	for (size_t i = 0; esp && name && i < esp->providers.n; i++) {
		const espdiag_esp_provider *p = esp->providers.v[i];
		if (p->name && strcasecmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

const espdiag_esp_setup *espdiag_esp_device_setup(const espdiag_esp *esp)
{
	static const espdiag_esp_setup none;
	return esp ? &esp->device.pub : &none;
}

size_t espdiag_esp_user_setup_count(const espdiag_esp *esp)
{
	return esp ? esp->users.n : 0;
}

const espdiag_esp_setup *espdiag_esp_user_setup_at(const espdiag_esp *esp, size_t index)
{
	return esp && index < esp->users.n ? &((const esp_setup *)esp->users.v[index])->pub : NULL;
}

const espdiag_esp_setup *espdiag_esp_user_setup_find(const espdiag_esp *esp, const char *sid)
{
	for (size_t i = 0; esp && sid && i < esp->users.n; i++) {
		const esp_setup *s = esp->users.v[i];
		if (strcasecmp(s->pub.sid, sid) == 0)
			return &s->pub;
	}
	return NULL;
}

size_t espdiag_esp_snapshot_count(const espdiag_esp *esp)
{
	return esp ? esp->snapshots.n : 0;
}

const espdiag_esp_snapshot *espdiag_esp_snapshot_at(const espdiag_esp *esp, size_t index)
{
	VEC_AT(snapshots, espdiag_esp_snapshot);
}

size_t espdiag_esp_msi_app_count(const espdiag_esp *esp)
{
	return esp ? esp->msi.n : 0;
}

const espdiag_esp_msi_app *espdiag_esp_msi_app_at(const espdiag_esp *esp, size_t index)
{
	VEC_AT(msi, espdiag_esp_msi_app);
}

size_t espdiag_esp_phase_count(const espdiag_esp *esp)
{
	return esp ? esp->phases.n : 0;
}

const espdiag_esp_phase_info *espdiag_esp_phase_at(const espdiag_esp *esp, size_t index)
{
	VEC_AT(phases, espdiag_esp_phase_info);
}

size_t espdiag_esp_item_count(const espdiag_esp *esp)
{
	return esp ? esp->items.n : 0;
}

const espdiag_esp_item *espdiag_esp_item_at(const espdiag_esp *esp, size_t index)
{
	VEC_AT(items, espdiag_esp_item);
}

size_t espdiag_esp_change_count(const espdiag_esp *esp)
{
	return esp ? esp->change_count : 0;
}

const espdiag_esp_change *espdiag_esp_change_at(const espdiag_esp *esp, size_t index)
{
	return esp && index < esp->change_count ? &esp->changes[index] : NULL;
}

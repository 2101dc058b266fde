/* lib/member_ztd.c - AutopilotDDSZTDFile.json, the Autopilot profile the
 * device downloaded (one line of JSON, EVIDENCE.md §3), or the error a
 * device not registered for Autopilot gets instead:
 * {"ErrorCode":807,"ErrorReason":"ZtdDeviceIsNotRegistered"}. */
#include <config.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_private.h"

/* The profile fields kept, one row per field (names as the file spells
 * them; EVIDENCE.md §3 lists the CloudAssigned* ones). */
static const struct {
	const char *key;
	size_t offset;
} fields[] = {
	{ "CloudAssignedTenantId", offsetof(esp_ztd, tenant_id) },
	{ "CloudAssignedTenantDomain", offsetof(esp_ztd, tenant_domain) },
	{ "DeploymentProfileName", offsetof(esp_ztd, profile_name) },
	{ "CloudAssignedOobeConfig", offsetof(esp_ztd, oobe_config) },
	{ "CloudAssignedDomainJoinMethod", offsetof(esp_ztd, domain_join_method) },
	{ "PolicyDownloadDate", offsetof(esp_ztd, policy_download_date) },
	{ "ZtdRegistrationId", offsetof(esp_ztd, zero_touch_config) },
	{ "ZtdCorrelationId", offsetof(esp_ztd, correlation_id) },
};

static int bid(const char *base, const unsigned char *head, size_t head_len)
{
	(void)head;
	(void)head_len;
	return esp_name_ieq(base, "AutopilotDDSZTDFile.json") ? 100 : 0;
}

static void free_state(void *state)
{
	free(state);
}

/* A member's value as text kept on the bundle: a string as it is, a
 * number or a boolean as JSON spells it; NULL for anything else. */
static const char *keep_scalar(espdiag_bundle *b, json_t *v, bool *nomem)
{
	char buf[64];
	const char *s = NULL;
	if (json_is_string(v))
		return (s = esp_bundle_keep(b, json_string_value(v), json_string_length(v))) != NULL
		               ? s
		               : (*nomem = true, NULL);
	if (json_is_integer(v))
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, sizeof buf, "%s", json_is_true(v) ? "true" : "false");
	else
		return NULL;
	s = esp_bundle_keep(b, buf, strlen(buf));
	if (s == NULL)
		*nomem = true;
	return s;
}

/* The object's member named key, any case (the file's writer is not
 * documented; a judgment call to accept other spellings). */
static json_t *member_icase(json_t *obj, const char *key)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
		if (esp_name_ieq(k, key))
			return v;
	return NULL;
}

static int read_member(espdiag_bundle *b, size_t index, const esp_walk_member *m,
                       esp_input *in, esp_err *why)
{
	(void)m;
	json_t *doc;
	int rc = esp_member_json_object(&doc, in, why);
	if (rc != ESPDIAG_OK)
		return rc;
	esp_ztd *z = calloc(1, sizeof *z);
	if (z == NULL) {
		json_decref(doc);
		return esp_err_set(why, ESPDIAG_ENOMEM, "out of memory");
	}
	z->member = index;
	bool nomem = false;
	json_t *code = member_icase(doc, "ErrorCode");
	if (json_is_integer(code)) {
		z->has_error = true;
		z->error_code = (int64_t)json_integer_value(code);
		z->error_reason = keep_scalar(b, member_icase(doc, "ErrorReason"), &nomem);
	}
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		*(const char **)((char *)z + fields[i].offset) =
		        keep_scalar(b, member_icase(doc, fields[i].key), &nomem);
	json_decref(doc);
	if (!nomem && z->has_error)
		rc = esp_bundle_summary(b, index, "error %lld %s", (long long)z->error_code,
		                        z->error_reason ? z->error_reason : "");
	else if (!nomem)
		rc = esp_bundle_summary(b, index, "Autopilot profile%s%s%s%s",
		                        z->profile_name ? " " : "",
		                        z->profile_name ? z->profile_name : "",
		                        z->tenant_domain || z->tenant_id ? " of tenant " : "",
		                        z->tenant_domain  ? z->tenant_domain
		                        : z->tenant_id    ? z->tenant_id
		                                          : "");
	if (nomem || rc != ESPDIAG_OK) {
		free(z);
		return esp_err_set(why, ESPDIAG_ENOMEM, "out of memory");
	}
	/* A second file replaces the first (a collection holds one). */
	free(esp_bundle_state(b, &esp_member_ztd));
	esp_bundle_set_state(b, &esp_member_ztd, z);
	return ESPDIAG_OK;
}

const esp_ztd *esp_bundle_ztd(const espdiag_bundle *b)
{
	return esp_bundle_state(b, &esp_member_ztd);
}

const esp_member_reader esp_member_ztd = {
	"ztd", ESPDIAG_MEMBER_ZTD_JSON, bid, read_member, NULL, free_state,
};

/* lib/member_metadata.c - MdmDiagLogMetadata.json, which mdmdiagnosticstool
 * writes beside what it collected: when it ran and which areas it
 * collected (EVIDENCE.md §3).
 *
 * Judgment call: the file's members are not documented and no sample is
 * public, so they are found by name, any case: the collection time is the
 * first string member whose name holds "time" or "date"; the areas are the
 * member whose name holds "area", a string or an array of strings (joined
 * by ";"). A file with neither is read, with nothing to say. */
#include <config.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_private.h"

static int bid(const char *base, const unsigned char *head, size_t head_len)
{
	(void)head;
	(void)head_len;
	return esp_name_ieq(base, "MdmDiagLogMetadata.json") ? 100 : 0;
}

static void free_state(void *state)
{
	free(state);
}

static bool name_holds(const char *name, const char *part)
{
	for (; *name != '\0'; name++)
		if (esp_name_istarts(name, part))
			return true;
	return false;
}

/* The areas as one ";"-separated string, kept on the bundle. */
static const char *keep_areas(espdiag_bundle *b, json_t *v)
{
	if (json_is_string(v))
		return esp_bundle_keep(b, json_string_value(v), json_string_length(v));
	if (!json_is_array(v))
		return NULL;
	char buf[1024];
	size_t len = 0, i;
	json_t *item;
	buf[0] = '\0';
	json_array_foreach(v, i, item) {
		if (!json_is_string(item))
			continue;
		int n = snprintf(buf + len, sizeof buf - len, "%s%s", len ? ";" : "",
		                 json_string_value(item));
		if (n < 0 || (size_t)n >= sizeof buf - len)
			break;
		len += (size_t)n;
	}
	return esp_bundle_keep(b, buf, len);
}

static int read_member(espdiag_bundle *b, size_t index, const esp_walk_member *m,
                       esp_input *in, esp_err *why)
{
	(void)m;
	json_t *doc;
	int rc = esp_member_json_object(&doc, in, why);
	if (rc != ESPDIAG_OK)
		return rc;
	esp_mdm_metadata *md = calloc(1, sizeof *md);
	if (md == NULL) {
		json_decref(doc);
		return esp_err_set(why, ESPDIAG_ENOMEM, "out of memory");
	}
	md->member = index;
	bool nomem = false;
	const char *k;
	json_t *v;
	json_object_foreach(doc, k, v) {
		if (md->collected == NULL && json_is_string(v) &&
		    (name_holds(k, "time") || name_holds(k, "date"))) {
			md->collected = esp_bundle_keep(b, json_string_value(v), json_string_length(v));
			nomem |= md->collected == NULL;
		} else if (md->areas == NULL && name_holds(k, "area")) {
			md->areas = keep_areas(b, v);
			nomem |= md->areas == NULL && (json_is_string(v) || json_is_array(v));
		}
	}
	json_decref(doc);
	if (!nomem && (md->collected != NULL || md->areas != NULL))
		rc = esp_bundle_summary(b, index, "%s%s%s%s", md->collected ? "collected " : "",
		                        md->collected ? md->collected : "",
		                        md->areas ? (md->collected ? ", areas " : "areas ") : "",
		                        md->areas ? md->areas : "");
	if (nomem || rc != ESPDIAG_OK) {
		free(md);
		return esp_err_set(why, ESPDIAG_ENOMEM, "out of memory");
	}
	free(esp_bundle_state(b, &esp_member_metadata));
	esp_bundle_set_state(b, &esp_member_metadata, md);
	return ESPDIAG_OK;
}

const esp_mdm_metadata *esp_bundle_metadata(const espdiag_bundle *b)
{
	return esp_bundle_state(b, &esp_member_metadata);
}

const esp_member_reader esp_member_metadata = {
	"metadata", ESPDIAG_MEMBER_METADATA, bid, read_member, NULL, free_state,
};

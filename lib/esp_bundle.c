/*
 * lib/esp_bundle.c - the ESP model of a whole evidence bundle: the
 * registry view's model (esp.c), then what the bundle's other readers
 * add (IME logs, event logs, the Autopilot files), then the device's
 * clock, and the merged timeline's lines (esp_moment_add).
 *
 * Each part lives in its own file and is named once, in bundle_parts[]
 * below: adding a source of evidence is adding a file and a line.
 */
#include "esp_private.h"

#include <espdiag/bundle.h>

#include <string.h>

#include "bundle_private.h"

typedef int (*esp_bundle_part)(espdiag_esp *esp, const espdiag_bundle *bundle);

/* In order: the readers' parts first, then those that read the parts. */
static const esp_bundle_part bundle_parts[] = {
	esp_logs_part,          /* esp_logs.c: IME log apps, attempts, names */
	esp_bundle_events,      /* esp_events.c: event log records, as moments */
	esp_bundle_files,       /* esp_files.c: the ZTD file, device hashes, metadata */
	esp_clock_part,         /* esp_clock.c: the device's UTC offset (after the logs) */
	NULL
};

int espdiag_esp_load_bundle(espdiag_esp **out, espdiag_bundle *bundle)
{
	if (out == NULL || bundle == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	espdiag_registry *reg = espdiag_bundle_registry(bundle);
	if (reg == NULL)
		return ESPDIAG_EINVAL;
	espdiag_esp *esp;
	int rc = esp_model_new(&esp, reg);
	if (rc != ESPDIAG_OK)
		return rc;
	for (size_t i = 0; bundle_parts[i] != NULL; i++) {
		if ((rc = bundle_parts[i](esp, bundle)) != ESPDIAG_OK) {
			espdiag_esp_free(esp);
			return rc;
		}
	}
	esp_model_seal(esp);
	*out = esp;
	return ESPDIAG_OK;
}

int esp_moment_add(espdiag_esp *esp, const esp_moment *m)
{
	if (!esp_model_budget(esp))
		return ESPDIAG_OK;
	esp_moment *copy = esp_model_zalloc(esp, sizeof *copy);
	if (copy == NULL)
		return ESPDIAG_ENOMEM;
	*copy = *m;
	const char **strs[] = { &copy->what, &copy->subject, &copy->name, &copy->member,
		                &copy->channel, &copy->message };
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		if (*strs[i] != NULL && (*strs[i] = esp_model_strdup(esp, *strs[i])) == NULL)
			return ESPDIAG_ENOMEM;
	}
	return esp_vec_push(&esp->moments, copy);
}

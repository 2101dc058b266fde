/* fuzz/fuzz_bundle.c - libFuzzer target: the evidence bundle from memory.
 * The input is a cab, a zip or a single file; every member reader runs on
 * what it holds (nested archives included), with caps small enough that
 * their paths are reached, and the results are walked as the CLI walks
 * them: the model of the whole bundle, its diagnosis, timeline and JSON. */
#include <string.h>

#include <espdiag/esp.h>

#include "bundle_private.h"
#include "pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The model of the bundle, its report and every writer (fuzz/pipeline.c). */
static size_t diagnose_bundle(espdiag_bundle *b)
{
	espdiag_esp *esp;
	if (espdiag_esp_load_bundle(&esp, b) != ESPDIAG_OK)
		return 0;
	espdiag_diagnose_options opts = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	opts.registry = espdiag_bundle_registry(b);
	opts.bundle = b;
	pipeline_result r = { 0 };
	pipeline_model(esp, &opts, &r);
	size_t n = espdiag_esp_item_count(esp) + r.findings;
	espdiag_esp_free(esp);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	espdiag_open_options open = ESPDIAG_OPEN_OPTIONS_INIT;
	open.max_member_size = 1 << 20;
	open.max_keys = 10000;
	open.max_values = 10000;
	espdiag_bundle_options opts = ESPDIAG_BUNDLE_OPTIONS_INIT;
	opts.open = &open;
	opts.max_members = 200;
	opts.max_total = 8 << 20;
	espdiag_bundle *b;
	if (espdiag_bundle_new(&b, &opts) != ESPDIAG_OK)
		return 0;
	size_t n = 0;
	if (espdiag_bundle_open_memory(b, data, size, "fuzz.zip") == ESPDIAG_OK) {
		for (size_t i = 0; i < espdiag_bundle_member_count(b); i++) {
			const espdiag_member *m = espdiag_bundle_member_at(b, i);
			n += strlen(m->name) + (m->reason ? strlen(m->reason) : 0) +
			     (m->summary ? strlen(m->summary) : 0);
		}
		for (size_t i = 0; i < espdiag_bundle_warning_count(b); i++)
			n += strlen(espdiag_bundle_warning_at(b, i)->message);
		espdiag_registry *reg = espdiag_bundle_registry(b);
		n += espdiag_key_subkey_count(espdiag_registry_root(reg));
		for (size_t i = 0; i < espdiag_registry_source_count(reg); i++) {
			const char *members = espdiag_registry_source_property(reg, i, "members");
			n += members ? strlen(members) : 0;
		}
		esp_imelog *log = esp_bundle_imelog(b);
		n += log ? esp_imelog_app_count(log) + esp_imelog_fact_count(log) : 0;
		for (size_t i = 0; i < esp_bundle_evtx_count(b); i++)
			n += esp_evtx_count(esp_bundle_evtx_at(b, i)->log);
		for (size_t i = 0; i < esp_bundle_device_hash_count(b); i++)
			n += strlen(esp_bundle_device_hash_at(b, i)->serial);
		const esp_ztd *z = esp_bundle_ztd(b);
		n += z && z->tenant_id ? strlen(z->tenant_id) : 0;
		const esp_mdm_metadata *md = esp_bundle_metadata(b);
		n += md && md->areas ? strlen(md->areas) : 0;
		n += diagnose_bundle(b);
	}
	espdiag_bundle_free(b);
	return n == (size_t)-1;
}

/*
 * lib/esp_office.c - the Microsoft 365 Apps install (esp.h,
 * espdiag_esp_office): OfficeCSP\<id> with FinalStatus, else Status, on the
 * MSI status table (EVIDENCE.md §2).
 */
#include "esp_private.h"

int esp_load_office(espdiag_esp *esp, espdiag_registry *reg)
{
	int rc = ESPDIAG_OK;
	const espdiag_key *root = esp_model_lookup(reg, ESP_MS "OfficeCSP", &rc);
	esp_kids ids = esp_model_children(esp, root, &rc);
	for (size_t i = 0; i < ids.n && rc == ESPDIAG_OK; i++) {
		const espdiag_key *k = ids.k[i];
		if (!esp_model_budget(esp))
			continue;
		espdiag_esp_office *o = esp_model_zalloc(esp, sizeof *o);
		if (o == NULL || esp_vec_push(&esp->office, o) != ESPDIAG_OK)
			return ESPDIAG_ENOMEM;
		o->key = esp_model_keypath(esp, k, &rc);
		o->id = esp_model_strdup(esp, espdiag_key_name(k));
		if (o->id == NULL)
			return ESPDIAG_ENOMEM;
		o->final_status = esp_model_u32(esp, k, "FinalStatus");
		o->status = esp_model_u32(esp, k, "Status");
		if (o->final_status.has) {
			o->effective = o->final_status;
			o->effective_value = "FinalStatus";
		} else if (o->status.has) {
			o->effective = o->status;
			o->effective_value = "Status";
		}
	}
	return rc;
}

size_t espdiag_esp_office_count(const espdiag_esp *esp)
{
	return esp ? esp->office.n : 0;
}

const espdiag_esp_office *espdiag_esp_office_at(const espdiag_esp *esp, size_t index)
{
	return esp && index < esp->office.n ? esp->office.v[index] : NULL;
}

/* tests/html_moments.c - see html_moments.h. */
#include "html_moments.h"

#include "esp_private.h"

/* The sample's second snapshot (09:19:41.5) and its last (09:58:07.25), in
 * seconds since 1970. */
#define SNAP2 INT64_C(1795511981)
#define SNAP3 INT64_C(1795514287)

static int add_moments(espdiag_esp *esp, int32_t offset)
{
	esp_moment ev = { .source = ESP_MOMENT_EVENT, .utc_known = true,
		          .utc_secs = SNAP2 + 60, .utc_100ns = 2500000,
		          .what = "enrollment event", .member = "evtx/Admin.evtx", .line = 42,
		          .channel = "Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-"
		                     "Provider/Admin",
		          .event_id = 72, .message = TU_HOSTILE };
	esp_moment log = { .source = ESP_MOMENT_LOG, .local_known = true,
		           .local_secs = SNAP3 - 7 + offset * 60,
		           .what = "install failed", .subject = "{7A6B5C4D-3E2F-4A1B-8C9D-0E1F2A3B4C5D}",
		           .name = TU_HOSTILE, .member = "Logs/AppWorkload<1>.log", .line = 1234,
		           .message = "<![CDATA[ exit code 1603 ]]>" };
	esp_moment other = log;
	other.subject = "<b>not-a-row</b>";
	other.what = TU_HOSTILE;
	other.line = 7;
	int rc = esp_moment_add(esp, &ev);
	if (rc == ESPDIAG_OK)
		rc = esp_moment_add(esp, &log);
	if (rc == ESPDIAG_OK)
		rc = esp_moment_add(esp, &other);
	return rc;
}

int tu_html_moments(const char *path, bool clock, int32_t offset, espdiag_registry **reg,
                    espdiag_esp **esp, espdiag_report **report)
{
	*reg = NULL;
	*esp = NULL;
	*report = NULL;
	int rc = espdiag_registry_new(reg);
	if (rc == ESPDIAG_OK)
		rc = espdiag_registry_open_file(*reg, path, NULL, NULL);
	if (rc == ESPDIAG_OK)
		rc = esp_model_new(esp, *reg);
	if (rc == ESPDIAG_OK)
		rc = add_moments(*esp, clock ? offset : 0);
	if (rc == ESPDIAG_OK) {
		(*esp)->clock_known = clock;
		(*esp)->clock_offset_minutes = clock ? offset : 0;
		esp_model_seal(*esp);
		espdiag_diagnose_options o = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
		o.registry = *reg;
		rc = espdiag_diagnose(report, *esp, &o);
	}
	if (rc != ESPDIAG_OK) {
		espdiag_report_free(*report);
		espdiag_esp_free(*esp);
		espdiag_registry_free(*reg);
		*reg = NULL;
		*esp = NULL;
		*report = NULL;
	}
	return rc;
}

/*
 * lib/esp_names.c - the names of the ESP model's enum values (esp.h).
 * Names are a public contract (JSON, Python, the timeline): never renamed.
 */
#include "esp_private.h"

#define NAME_AT(table, i) \
	((i) < sizeof(table) / sizeof((table)[0]) && (table)[i] ? (table)[i] : "unknown")

const char *espdiag_esp_provider_state_name(uint32_t state)
{
	static const char *const names[] = { NULL, "not_installed", "not_required", "completed",
		                             "error" };
	return NAME_AT(names, state);
}

const char *espdiag_esp_app_state_name(uint32_t state)
{
	static const char *const names[] = { NULL, "not_installed", "in_progress", "completed",
		                             "error" };
	return NAME_AT(names, state);
}

const char *espdiag_esp_reboot_name(uint32_t reboot)
{
	static const char *const names[] = { NULL, "none", "soft", "hard" };
	return NAME_AT(names, reboot);
}

const char *espdiag_esp_msi_status_name(uint32_t status)
{
	switch (status) {
	case ESPDIAG_ESP_MSI_NONE: return "none";
	case ESPDIAG_ESP_MSI_INITIALIZED: return "initialized";
	case ESPDIAG_ESP_MSI_DOWNLOADING: return "downloading";
	case ESPDIAG_ESP_MSI_DOWNLOAD_RETRY: return "download_retry";
	case ESPDIAG_ESP_MSI_DOWNLOAD_FAILED: return "download_failed";
	case ESPDIAG_ESP_MSI_DOWNLOADED: return "downloaded";
	case ESPDIAG_ESP_MSI_PENDING_USER_SESSION: return "pending_user_session";
	case ESPDIAG_ESP_MSI_ENFORCING: return "enforcing";
	case ESPDIAG_ESP_MSI_ENFORCEMENT_RETRY: return "enforcement_retry";
	case ESPDIAG_ESP_MSI_ENFORCEMENT_FAILED: return "enforcement_failed";
	case ESPDIAG_ESP_MSI_SUCCESS: return "success";
	default: return "unknown";
	}
}

const char *espdiag_esp_phase_name(uint32_t phase)
{
	static const char *const names[] = { NULL, "device_preparation", "device_setup",
		                             "account_setup" };
	return NAME_AT(names, phase);
}

const char *espdiag_esp_phase_status_name(uint32_t status)
{
	static const char *const names[] = { "unknown", "not_started", "identifying",
		                             "in_progress", "completed", "failed", "skipped" };
	return NAME_AT(names, status);
}

const char *espdiag_esp_item_kind_name(uint32_t kind)
{
	static const char *const names[] = { "other", "win32_app", "msi_app", "modern_app",
		                             "network_profile", "certificate", "policy",
		                             "configmgr" };
	return NAME_AT(names, kind);
}

const char *espdiag_esp_category_name(uint32_t category)
{
	static const char *const names[] = { "other", "policies", "msi", "modern_apps",
		                             "network_profiles", "certificates", "sidecar",
		                             "last_logged_state" };
	return NAME_AT(names, category);
}

const char *espdiag_esp_provider_kind_name(uint32_t kind)
{
	static const char *const names[] = { "other", "sidecar", "configmgr" };
	return NAME_AT(names, kind);
}

const char *espdiag_esp_oobe_flag_name(uint32_t bit)
{
	static const char *const names[] = {
		"skip_cortana_opt_in", "user_not_admin", "skip_express_settings",
		"skip_oem_registration", "skip_eula", "tpm_attestation", "aad_device_auth",
		"aad_tpm_required", "skip_windows_upgrade_ux", "enable_patch_download",
		"skip_keyboard",
	};
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
		if (bit == 1u << i)
			return names[i];
	return NULL;
}

const char *espdiag_esp_entry_state_name(const espdiag_esp_snapshot *snapshot,
                                         const espdiag_esp_entry *entry)
{
	if (snapshot == NULL || entry == NULL || !entry->state.has)
		return "unknown";
	switch (snapshot->owner_category) {
	case ESPDIAG_ESP_CAT_SIDECAR:
		return espdiag_esp_app_state_name(entry->state.value);
	case ESPDIAG_ESP_CAT_POLICIES:
	case ESPDIAG_ESP_CAT_MSI:
	case ESPDIAG_ESP_CAT_MODERN_APPS:
	case ESPDIAG_ESP_CAT_NETWORK_PROFILES:
	case ESPDIAG_ESP_CAT_CERTIFICATES:
		return entry->state.value == 0   ? "not_processed"
		       : entry->state.value == 1 ? "processed"
		                                 : "unknown";
	default:
		return "unknown";
	}
}

/*
 * The IME's EnforcementState numbers. No Microsoft document lists them: the
 * table is community-sourced (Get-AutopilotDiagnosticsCommunity / IME log
 * lines, and the community PowerShell tools that read the same Win32Apps
 * JSON, e.g. a Get-IntuneWin32App function, which name 1000 through 6005
 * as below). The 5000 block is the error block (5000, 5003 and 5999 are all
 * failures there), so its other numbers are named "error"; a judgment call.
 * Every other number is "unknown".
 */
const char *espdiag_esp_enforcement_state_name(uint32_t state)
{
	static const struct {
		uint32_t state;
		const char *name;
	} names[] = {
		{ 1000, "succeeded" },
		{ 1003, "install_command_received" },
		{ 2000, "in_progress" },
		{ 2007, "waiting_for_dependencies" },      /* tried once its dependencies are installed */
		{ 2008, "installed_reboot_required" },     /* installed, usable after a reboot */
		{ 2009, "downloaded_not_installed" },
		{ 3000, "requirements_not_met" },
		{ 4000, "not_completed" },                 /* "could not be completed, unknown reason" */
		{ 5000, "error" },
		{ 5003, "download_failed" },
		{ 5999, "error_retrying" },
		{ 6000, "not_attempted" },
		{ 6001, "dependency_failed" },
		{ 6002, "blocked_reboot_pending" },        /* a pending hard reboot blocks it */
		{ 6003, "dependency_requirements_not_met" },
		{ 6004, "dependency_not_auto_installed" }, /* a dependency set not to install itself */
		{ 6005, "blocked_dependency_not_auto_installed" },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].state == state)
			return names[i].name;
	return state >= 5000 && state <= 5999 ? "error" : "unknown";
}

const char *espdiag_esp_page_state_name(uint32_t state)
{
	static const char *const names[] = { "unknown", "not_started", "in_progress", "succeeded",
		                             "failed", "cancelled", "failed_from_previous",
		                             "reboot_required", "timed_out" };
	return NAME_AT(names, state);
}

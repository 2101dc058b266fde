/*
 * examples/failed_apps.c - the smallest embedding: open a registry file (a
 * .reg dump or a SOFTWARE hive), build the ESP model and print the tracked
 * apps that failed (InstallationState 4), one per line:
 *
 *   device_setup device Win32App_7a6b5c4d-..._3 error(4)
 *
 * Exit status: 0 no app failed, 1 at least one did, 3 the file was unreadable.
 */
#include <stdio.h>
#include <espdiag/espdiag.h>

static size_t print_failed(const espdiag_esp_setup *setup)
{
	size_t failed = 0;
	for (size_t i = 0; i < setup->app_count; i++) {
		const espdiag_esp_app *app = setup->apps[i];
		if (!app->state.has || app->state.value != ESPDIAG_ESP_APP_ERROR)
			continue;
		printf("%s %s %s %s(%u)\n", setup->sid ? "account_setup" : "device_setup",
		       setup->sid ? setup->sid : "device", app->id,
		       espdiag_esp_app_state_name(app->state.value), (unsigned)app->state.value);
		failed++;
	}
	return failed;
}

int main(int argc, char **argv)
{
	espdiag_registry *reg = NULL;
	espdiag_esp *esp = NULL;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: failed_apps FILE\n");
		return 2;
	}
	if ((rc = espdiag_registry_new(&reg)) != ESPDIAG_OK ||
	    (rc = espdiag_registry_open_file(reg, argv[1], NULL, NULL)) != ESPDIAG_OK ||
	    (rc = espdiag_esp_load(&esp, reg)) != ESPDIAG_OK) {
		fprintf(stderr, "failed_apps: %s: %s\n", argv[1],
		        reg && *espdiag_registry_errmsg(reg) ? espdiag_registry_errmsg(reg)
		                                             : espdiag_strerror(rc));
		espdiag_registry_free(reg);
		return 3;
	}
	size_t failed = print_failed(espdiag_esp_device_setup(esp));
	for (size_t i = 0; i < espdiag_esp_user_setup_count(esp); i++)
		failed += print_failed(espdiag_esp_user_setup_at(esp, i));

	espdiag_esp_free(esp);
	espdiag_registry_free(reg);
	return failed ? 1 : 0;
}

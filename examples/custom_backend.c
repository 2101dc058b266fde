/*
 * examples/custom_backend.c - a registry backend of your own (backend.h):
 * keys and values served from an in-memory table, as a vendor might serve
 * data its agent collected. Mounted with espdiag_registry_mount(), it gets
 * the same ESP model and diagnosis as a .reg dump or a hive: this table
 * holds the ESP keys of the bundled sample, one Win32 app failed.
 *
 * usage: custom_backend [FILE]   prints the findings; with FILE, also checks
 * that FILE (e.g. examples/data/MDMDiagReport_RegistryDump.reg) gives the
 * same rule ids. Exit status: 0 same (or no FILE), 1 different, 3 error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <espdiag/espdiag.h>

/* Keys under the mount point, each naming its parent (0 is the root). */
static const struct { int parent; const char *name; } keys[] = {
	{ -1, "" },                                              /* 0 HKLM\SOFTWARE\Microsoft */
	{ 0, "Enrollments" }, { 1, "{2F6E1C3A-9B1D-4E0F-8C2A-7D3B5E9A1F40}" },
	{ 2, "FirstSync" },                                      /* 3 */
	{ 0, "Windows" }, { 4, "Autopilot" }, { 5, "EnrollmentStatusTracking" },
	{ 6, "Device" }, { 7, "DevicePreparation" }, { 8, "PolicyProviders" },
	{ 9, "Sidecar" },                                        /* 10 */
	{ 7, "Setup" }, { 11, "Apps" }, { 12, "PolicyProviders" },
	{ 13, "Sidecar" },                                       /* 14 */
	{ 12, "Tracking" }, { 15, "Sidecar" },                   /* 16 */
	{ 16, "Win32App_0f3c1e9a-5b7d-4c2e-9a8f-1b2c3d4e5f60_1" },
	{ 16, "Win32App_7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3" },
	{ 16, "Win32App_c1d2e3f4-a5b6-4c7d-8e9f-a0b1c2d3e4f5_2" },  /* 19 */
};
/* REG_DWORD values: key, name, data. */
static const struct { int key; const char *name; uint32_t dword; } values[] = {
	{ 3, "SkipDeviceStatusPage", 0 }, { 3, "SkipUserStatusPage", 0 },
	{ 3, "BlockInStatusPage", 6 }, { 3, "SyncFailureTimeout", 60 },
	{ 10, "InstallationState", 3 }, { 10, "Timeout", 15 },
	{ 11, "HasProvisioningCompleted", 0 }, { 12, "Locked", 1 },
	{ 14, "TrackingPoliciesCreated", 1 },
	{ 17, "InstallationState", 3 }, { 18, "InstallationState", 4 },
	{ 19, "InstallationState", 1 },
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The backend: the ops table first, then its own state (the DWORDs as the
 * little-endian bytes the view expects; they live until free). */
struct table_backend {
	espdiag_backend base;
	unsigned char data[COUNT(values)][4];
};

static int t_root(espdiag_backend *self, espdiag_node *out) { (void)self; *out = 0; return ESPDIAG_OK; }

/* The index-th child of key, or the count of its children (index SIZE_MAX). */
static size_t nth_child(espdiag_node key, size_t index)
{
	size_t seen = 0;
	for (size_t i = 1; i < COUNT(keys); i++)
		if ((espdiag_node)keys[i].parent == key && seen++ == index)
			return i;
	return index == SIZE_MAX ? seen : 0;
}
static int t_subkey_count(espdiag_backend *self, espdiag_node key, size_t *out)
{ (void)self; *out = nth_child(key, SIZE_MAX); return ESPDIAG_OK; }
static int t_subkey_at(espdiag_backend *self, espdiag_node key, size_t index, espdiag_node *out)
{ (void)self; *out = nth_child(key, index); return *out ? ESPDIAG_OK : ESPDIAG_NOTFOUND; }
static int t_key_name(espdiag_backend *self, espdiag_node key, const char **out, size_t *len)
{ (void)self; *out = keys[key].name; *len = strlen(*out); return ESPDIAG_OK; }

static int t_value_count(espdiag_backend *self, espdiag_node key, size_t *out)
{
	(void)self;
	*out = 0;
	for (size_t i = 0; i < COUNT(values); i++)
		*out += (espdiag_node)values[i].key == key;
	return ESPDIAG_OK;
}
static int t_value_at(espdiag_backend *self, espdiag_node key, size_t index,
                      espdiag_backend_value *out)
{
	struct table_backend *t = (struct table_backend *)self;
	for (size_t i = 0; i < COUNT(values); i++)
		if ((espdiag_node)values[i].key == key && index-- == 0) {
			out->name = values[i].name;
			out->name_len = strlen(values[i].name);
			out->type = ESPDIAG_REG_DWORD;
			out->data = t->data[i];
			out->size = 4;
			return ESPDIAG_OK;
		}
	return ESPDIAG_NOTFOUND;
}
static void t_free(espdiag_backend *self) { free(self); }

static espdiag_backend *table_backend_new(void)
{
	struct table_backend *t = calloc(1, sizeof(*t));
	if (t == NULL || espdiag_backend_init(&t->base, ESPDIAG_BACKEND_VERSION) != ESPDIAG_OK) {
		free(t);
		return NULL;
	}
	for (size_t i = 0; i < COUNT(values); i++)
		for (int b = 0; b < 4; b++)
			t->data[i][b] = (unsigned char)(values[i].dword >> (8 * b));
	t->base.root = t_root;
	t->base.subkey_count = t_subkey_count;
	t->base.subkey_at = t_subkey_at;
	t->base.key_name = t_key_name;
	t->base.value_count = t_value_count;
	t->base.value_at = t_value_at;
	t->base.free = t_free;
	return &t->base;
}

/* Diagnoses reg and writes the rule ids, space-separated, into ids. */
static int diagnose(espdiag_registry *reg, char *ids, size_t size)
{
	espdiag_esp *esp = NULL;
	espdiag_report *report = NULL;
	int rc = espdiag_esp_load(&esp, reg);
	if (rc == ESPDIAG_OK)
		rc = espdiag_diagnose(&report, esp, NULL);
	ids[0] = '\0';
	for (size_t i = 0; rc == ESPDIAG_OK && i < espdiag_report_finding_count(report); i++) {
		const espdiag_finding *f = espdiag_report_finding_at(report, i);
		size_t used = strlen(ids);
		snprintf(ids + used, size - used, "%s%s", used ? " " : "", espdiag_finding_id(f));
	}
	espdiag_report_free(report);
	espdiag_esp_free(esp);
	return rc;
}

int main(int argc, char **argv)
{
	char mine[1024], theirs[1024];
	espdiag_registry *reg = NULL;
	espdiag_backend *table = table_backend_new();
	int rc = table ? espdiag_registry_new(&reg) : ESPDIAG_ENOMEM;

	if (rc == ESPDIAG_OK)
		rc = espdiag_registry_mount(reg, "HKLM\\SOFTWARE\\Microsoft", table);
	if (rc != ESPDIAG_OK && table != NULL)
		t_free(table); /* not mounted: the backend is still ours */
	else if (rc == ESPDIAG_OK)
		rc = diagnose(reg, mine, sizeof(mine));
	espdiag_registry_free(reg); /* frees the mounted table too */
	if (rc != ESPDIAG_OK) {
		fprintf(stderr, "custom_backend: %s\n", espdiag_strerror(rc));
		return 3;
	}
	printf("table: %s\n", mine);
	if (argc < 2)
		return 0;

	reg = NULL;
	if ((rc = espdiag_registry_new(&reg)) == ESPDIAG_OK &&
	    (rc = espdiag_registry_open_file(reg, argv[1], NULL, NULL)) == ESPDIAG_OK)
		rc = diagnose(reg, theirs, sizeof(theirs));
	if (rc != ESPDIAG_OK) {
		fprintf(stderr, "custom_backend: %s: %s\n", argv[1], reg ? espdiag_registry_errmsg(reg) : "");
		espdiag_registry_free(reg);
		return 3;
	}
	espdiag_registry_free(reg);
	printf("file:  %s\n%s\n", theirs, strcmp(mine, theirs) ? "different diagnosis" : "same diagnosis");
	return strcmp(mine, theirs) != 0;
}

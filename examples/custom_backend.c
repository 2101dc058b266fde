/*
 * examples/custom_backend.c - a registry backend of your own (backend.h):
 * keys and values served from an in-memory table, as a vendor might serve
 * data its agent collected. Mounted with espdiag_registry_mount(), it gets
 * the same ESP model and diagnosis as a .reg dump or a hive.
 *
 * usage: custom_backend [FILE]
 * Without FILE the table holds the ESP keys of a device whose Win32 app
 * failed. With FILE, the table is filled by copying FILE's
 * HKLM\SOFTWARE\Microsoft, and the program checks that the table gives the
 * same rule ids as FILE read directly. It prints the error findings, one per
 * line ("app-install-failed Win32App_..."), then the rule ids.
 * Exit status: 0 same diagnosis (or no FILE), 1 different, 3 error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <espdiag/espdiag.h>

#define MOUNT "HKLM\\SOFTWARE\\Microsoft"
#define ESP "Windows\\Autopilot\\EnrollmentStatusTracking\\Device\\"
#define APPS ESP "Setup\\Apps\\Tracking\\Sidecar\\Win32App_"
/* The built-in table: key path below MOUNT, REG_DWORD value, data. */
static const struct { const char *path, *name; uint32_t dword; } device[] = {
	{ "Enrollments\\{2F6E1C3A-9B1D-4E0F-8C2A-7D3B5E9A1F40}\\FirstSync", "SkipUserStatusPage", 0 },
	{ ESP "DevicePreparation\\PolicyProviders\\Sidecar", "InstallationState", 3 },
	{ ESP "Setup", "HasProvisioningCompleted", 0 },
	{ ESP "Setup\\Apps\\PolicyProviders\\Sidecar", "TrackingPoliciesCreated", 1 },
	{ APPS "0f3c1e9a-5b7d-4c2e-9a8f-1b2c3d4e5f60_1", "InstallationState", 3 },
	{ APPS "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d_3", "InstallationState", 4 },
};

struct tkey { size_t parent; char *name; size_t len; };
struct tval { size_t key; char *name; size_t name_len; uint32_t type; unsigned char *data; size_t size; };
/* The backend: the ops table first, then its own state. Key 0 is the root. */
struct table {
	espdiag_backend base;
	struct tkey *keys; size_t nkeys;
	struct tval *vals; size_t nvals;
};

static char *dup(const void *p, size_t n)
{ char *d = malloc(n + 1); if (d) { memcpy(d, p, n); d[n] = '\0'; } return d; }

/* The child of parent named name (made when absent); SIZE_MAX out of memory. */
static size_t add_key(struct table *t, size_t parent, const char *name, size_t len)
{
	for (size_t i = 1; i < t->nkeys; i++)
		if (t->keys[i].parent == parent && t->keys[i].len == len && !memcmp(t->keys[i].name, name, len))
			return i;
	struct tkey *k = realloc(t->keys, (t->nkeys + 1) * sizeof(*k));
	if (k == NULL)
		return SIZE_MAX;
	t->keys = k;
	k[t->nkeys] = (struct tkey){ parent, dup(name, len), len };
	return k[t->nkeys].name ? t->nkeys++ : SIZE_MAX;
}
static int add_value(struct table *t, size_t key, const char *name, size_t name_len,
                     uint32_t type, const void *data, size_t size)
{
	struct tval *v = realloc(t->vals, (t->nvals + 1) * sizeof(*v));
	if (v == NULL)
		return ESPDIAG_ENOMEM;
	t->vals = v;
	v += t->nvals;
	*v = (struct tval){ key, dup(name, name_len), name_len, type, (unsigned char *)dup(data, size), size };
	if (v->name == NULL || v->data == NULL)
		return free(v->name), free(v->data), ESPDIAG_ENOMEM;
	t->nvals++;
	return ESPDIAG_OK;
}

static struct tval *nth_value(struct table *t, espdiag_node key, size_t index, size_t *count)
{
	*count = 0;
	for (size_t i = 0; i < t->nvals; i++)
		if (t->vals[i].key == key && (*count)++ == index)
			return &t->vals[i];
	return NULL;
}
static size_t nth_child(struct table *t, espdiag_node key, size_t index, size_t *count)
{
	*count = 0;
	for (size_t i = 1; i < t->nkeys; i++)
		if (t->keys[i].parent == key && (*count)++ == index)
			return i;
	return 0;
}

#define T ((struct table *)self)
static int t_root(espdiag_backend *self, espdiag_node *out) { (void)self; *out = 0; return ESPDIAG_OK; }
static int t_subkey_count(espdiag_backend *self, espdiag_node key, size_t *out)
{ nth_child(T, key, SIZE_MAX, out); return ESPDIAG_OK; }
static int t_subkey_at(espdiag_backend *self, espdiag_node key, size_t index, espdiag_node *out)
{ size_t n; *out = nth_child(T, key, index, &n); return *out ? ESPDIAG_OK : ESPDIAG_NOTFOUND; }
static int t_key_name(espdiag_backend *self, espdiag_node key, const char **out, size_t *len)
{ *out = key ? T->keys[key].name : ""; *len = key ? T->keys[key].len : 0; return ESPDIAG_OK; }
static int t_value_count(espdiag_backend *self, espdiag_node key, size_t *out)
{ nth_value(T, key, SIZE_MAX, out); return ESPDIAG_OK; }
static int t_value_at(espdiag_backend *self, espdiag_node key, size_t index, espdiag_backend_value *out)
{
	size_t n;
	struct tval *v = nth_value(T, key, index, &n);
	if (v == NULL)
		return ESPDIAG_NOTFOUND;
	*out = (espdiag_backend_value){ v->name, v->name_len, v->type, v->data, v->size };
	return ESPDIAG_OK;
}
static void t_free(espdiag_backend *self)
{
	for (size_t i = 1; i < T->nkeys; i++) free(T->keys[i].name);
	for (size_t i = 0; i < T->nvals; i++) free(T->vals[i].name), free(T->vals[i].data);
	free(T->keys), free(T->vals), free(T);
}

static struct table *table_new(void)
{
	struct table *t = calloc(1, sizeof(*t));
	if (t == NULL || (t->keys = calloc(1, sizeof(*t->keys))) == NULL)
		return free(t), NULL;
	t->nkeys = 1;
	espdiag_backend_init(&t->base, ESPDIAG_BACKEND_VERSION);
	t->base.root = t_root;
	t->base.subkey_count = t_subkey_count;
	t->base.subkey_at = t_subkey_at;
	t->base.key_name = t_key_name;
	t->base.value_count = t_value_count;
	t->base.value_at = t_value_at;
	t->base.free = t_free;
	return t;
}

/* Copies key's values and subtree below table key node. */
static int copy(struct table *t, size_t node, const espdiag_key *key)
{
	const espdiag_value *v;
	const espdiag_key *sub;
	int rc = ESPDIAG_OK;
	for (size_t i = 0; rc == ESPDIAG_OK && espdiag_key_value_at(&v, key, i) == ESPDIAG_OK; i++)
		rc = add_value(t, node, espdiag_value_name(v), espdiag_value_name_len(v),
		               espdiag_value_type(v), espdiag_value_data(v), espdiag_value_size(v));
	for (size_t i = 0; rc == ESPDIAG_OK && espdiag_key_subkey_at(&sub, key, i) == ESPDIAG_OK; i++) {
		size_t child = add_key(t, node, espdiag_key_name(sub), espdiag_key_name_len(sub));
		rc = child == SIZE_MAX ? ESPDIAG_ENOMEM : copy(t, child, sub);
	}
	return rc;
}

/* Diagnoses reg: prints the error findings when print, the rule ids into ids. */
static int diagnose(espdiag_registry *reg, int print, char *ids, size_t size)
{
	espdiag_esp *esp = NULL;
	espdiag_report *report = NULL;
	int rc = espdiag_esp_load(&esp, reg);
	if (rc == ESPDIAG_OK)
		rc = espdiag_diagnose(&report, esp, NULL);
	ids[0] = '\0';
	for (size_t i = 0; rc == ESPDIAG_OK && i < espdiag_report_finding_count(report); i++) {
		const espdiag_finding *f = espdiag_report_finding_at(report, i);
		const char *key = espdiag_finding_evidence_key(f, 0);
		size_t used = strlen(ids);
		snprintf(ids + used, size - used, "%s%s", used ? " " : "", espdiag_finding_id(f));
		if (print && espdiag_finding_severity(f) == ESPDIAG_SEVERITY_ERROR)
			printf("%s %s\n", espdiag_finding_id(f), key ? strrchr(key, '\\') + 1 : "-");
	}
	espdiag_report_free(report);
	espdiag_esp_free(esp);
	return rc;
}

int main(int argc, char **argv)
{
	char mine[4096], theirs[4096];
	espdiag_registry *file = NULL, *reg = NULL;
	const espdiag_key *top;
	struct table *t = table_new();
	int rc = t ? ESPDIAG_OK : ESPDIAG_ENOMEM;

	for (size_t i = 0; argc < 2 && rc == ESPDIAG_OK && i < sizeof(device) / sizeof(device[0]); i++) {
		size_t node = 0;
		for (const char *p = device[i].path, *end; node != SIZE_MAX && *p; p = *end ? end + 1 : end)
			node = add_key(t, node, p, (size_t)((end = p + strcspn(p, "\\")) - p));
		unsigned char le[4] = { (unsigned char)device[i].dword, (unsigned char)(device[i].dword >> 8),
		                        (unsigned char)(device[i].dword >> 16), (unsigned char)(device[i].dword >> 24) };
		rc = node == SIZE_MAX ? ESPDIAG_ENOMEM : add_value(t, node, device[i].name,
		     strlen(device[i].name), ESPDIAG_REG_DWORD, le, 4);
	}
	if (argc >= 2 && (rc = espdiag_registry_new(&file)) == ESPDIAG_OK &&
	    (rc = espdiag_registry_open_file(file, argv[1], NULL, NULL)) == ESPDIAG_OK &&
	    espdiag_registry_key(&top, file, MOUNT) == ESPDIAG_OK)
		rc = copy(t, 0, top);
	if (rc == ESPDIAG_OK && (rc = espdiag_registry_new(&reg)) == ESPDIAG_OK)
		rc = espdiag_registry_mount(reg, MOUNT, &t->base);
	if (rc != ESPDIAG_OK && t != NULL)
		t_free(&t->base); /* not mounted: the backend is still ours */
	if (rc == ESPDIAG_OK)
		rc = diagnose(reg, 1, mine, sizeof(mine));
	if (rc == ESPDIAG_OK && file != NULL)
		rc = diagnose(file, 0, theirs, sizeof(theirs));
	if (rc != ESPDIAG_OK)
		fprintf(stderr, "custom_backend: %s\n", file && *espdiag_registry_errmsg(file) ?
		        espdiag_registry_errmsg(file) : espdiag_strerror(rc));
	else if (file == NULL)
		printf("table: %s\n", mine);
	else
		printf("table: %s\nfile:  %s\n%s\n", mine, theirs,
		       strcmp(mine, theirs) ? "different diagnosis" : "same diagnosis");
	espdiag_registry_free(reg); /* frees the mounted table too */
	espdiag_registry_free(file);
	return rc != ESPDIAG_OK ? 3 : file != NULL && strcmp(mine, theirs) != 0;
}

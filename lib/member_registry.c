/* lib/member_registry.c - the bundle's registry members: .reg exports and
 * regf hives, each read into a backend as it is met and mounted into the
 * bundle's one view when the walk is done (the dump first, so that it is
 * source 0, which the report's "input" describes).
 *
 * Where an export goes: a regedit export holds full key paths, so it is
 * mounted at the root. Intune's zip names each export after the key it
 * exported ("(12) RegistryKey HKLM_SOFTWARE_Microsoft_IntuneManagementExtension
 * export.reg", EVIDENCE.md §3); mounting at the root puts its keys exactly
 * at that path, since that is what the file says. The name cannot be
 * mapped back to a path by itself ("_" joins key names and also occurs in
 * them), so it is only checked: the hive its first word names (HKLM, HKCU,
 * HKU, HKCR, HKCC) must be the hive of every top-level key the export
 * holds, else the bundle warns (and still mounts it where the file says).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "bundle_private.h"
#include "readers.h"

/* One member read, waiting to be mounted. */
typedef struct pending_source {
	size_t member;
	espdiag_backend *backend;
	int order;        /* higher first: the dump in the MDM folder, the dump, others */
	bool hive;
} pending_source;

/* A hive, or a hive's transaction log, held until every member was seen:
 * a hive is read with the logs named after it (NAME.LOG1, NAME.LOG2 in the
 * same folder of the collection), which an archive may hold after it. */
typedef struct held_input {
	size_t member;
	esp_input in;
	const char *path;  /* a folder's file: its path (logs beside it); else NULL */
} held_input;

typedef struct registry_state {
	pending_source *p;
	size_t n, cap;
	held_input *hives, *logs;
	size_t nhives, cap_hives, nlogs, cap_logs;
} registry_state;

/* Text that starts as a registry file does: a regedit header or a key
 * line, in UTF-8 (BOM or not) or UTF-16LE (BOM or not). */
static bool registry_text(const unsigned char *h, size_t n)
{
	static const char *const starts[] = { "Windows Registry Editor", "REGEDIT4", "[HKEY_" };
	size_t step = 1;
	if (n >= 3 && memcmp(h, "\xEF\xBB\xBF", 3) == 0) {
		h += 3;
		n -= 3;
	} else if (n >= 2 && h[0] == 0xFF && h[1] == 0xFE) {
		h += 2;
		n -= 2;
		step = 2;
	} else if (n >= 2 && h[1] == 0) {
		step = 2;
	}
	/* Blank lines before the first line that says anything. */
	while (n >= step && (h[0] == '\r' || h[0] == '\n' || h[0] == ' ')) {
		h += step;
		n -= step;
	}
	for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
		size_t len = strlen(starts[i]);
		if (n < len * step)
			continue;
		size_t k = 0;
		while (k < len && h[k * step] == (unsigned char)starts[i][k] &&
		       (step == 1 || h[k * step + 1] == 0))
			k++;
		if (k == len)
			return true;
	}
	return false;
}

/* A transaction log's name: it ends in .LOG1 or .LOG2, in any case. */
static bool log_name(const char *base)
{
	return esp_name_iends(base, ".LOG1") || esp_name_iends(base, ".LOG2");
}

static int bid(const char *base, const unsigned char *head, size_t head_len)
{
	if (head == NULL) {
		if (esp_name_ieq(base, "MDMDiagReport_RegistryDump.reg"))
			return 100;
		if (log_name(base))
			return 90; /* read with the hive it belongs to */
		return esp_name_iends(base, ".reg") ? 60 : 0;
	}
	if (esp_regf_bid(head, head_len) > 0)
		return 100;
	return registry_text(head, head_len) ? 50 : 0;
}

/* "...MDMDiagnostics..._cab/" somewhere in name. */
static bool in_mdm_folder(const char *name)
{
	const char *p = name;
	while (*p != '\0') {
		const char *end = p + strcspn(p, "/\\");
		if (*end == '\0')
			return false;
		size_t len = (size_t)(end - p);
		char part[512];
		if (len < sizeof part) {
			memcpy(part, p, len);
			part[len] = '\0';
			bool mdm = false;
			for (size_t i = 0; i + 14 <= len && !mdm; i++)
				mdm = esp_name_istarts(part + i, "MDMDiagnostics");
			if (mdm && esp_name_iends(part, "_cab"))
				return true;
		}
		p = end + 1;
	}
	return false;
}

static void release_held(held_input *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		esp_input_release(&h[i].in);
	free(h);
}

static void free_state(void *state)
{
	registry_state *s = state;
	for (size_t i = 0; i < s->n; i++)
		if (s->p[i].backend != NULL)
			s->p[i].backend->free(s->p[i].backend);
	free(s->p);
	release_held(s->hives, s->nhives);
	release_held(s->logs, s->nlogs);
	free(s);
}

/* Keeps *in for finish (ownership moves to the state). */
static int hold(espdiag_bundle *b, held_input **v, size_t *n, size_t *cap, size_t index,
                const esp_walk_member *m, esp_input *in, esp_err *why)
{
	const char *path = m->path != NULL ? esp_bundle_keep(b, m->path, strlen(m->path)) : NULL;
	/* The walk's names last only through its call: the input's label is
	 * kept with the bundle. */
	const char *label = in->name != NULL ? esp_bundle_keep(b, in->name, strlen(in->name)) : NULL;
	if ((m->path != NULL && path == NULL) || (in->name != NULL && label == NULL) ||
	    esp_reserve_one((void **)v, *n, cap, sizeof **v, 4) != ESPDIAG_OK) {
		esp_input_release(in);
		return esp_err_set(why, ESPDIAG_ENOMEM, "out of memory");
	}
	in->name = label;
	(*v)[(*n)++] = (held_input){ index, *in, path };
	return ESPDIAG_OK;
}

static int read_member(espdiag_bundle *b, size_t index, const esp_walk_member *m,
                       esp_input *in, esp_err *why)
{
	registry_state *s = esp_bundle_state_make(b, &esp_member_registry, sizeof *s, in, why);
	if (s == NULL)
		return ESPDIAG_ENOMEM;
	if (esp_reserve_one((void **)&s->p, s->n, &s->cap, sizeof *s->p, 8) != ESPDIAG_OK) {
		esp_input_release(in);
		return esp_err_set(why, ESPDIAG_ENOMEM, "out of memory");
	}
	const espdiag_open_options *opts = esp_bundle_open_options(b);
	if (log_name(m->base))
		return hold(b, &s->logs, &s->nlogs, &s->cap_logs, index, m, in, why);
	bool hive = esp_regf_bid(in->data, in->size) > esp_regtext_bid(in->data, in->size);
	if (hive)
		return hold(b, &s->hives, &s->nhives, &s->cap_hives, index, m, in, why);
	espdiag_backend *be = NULL;
	int rc = esp_regtext_open(&be, in, opts, why);
	if (rc != ESPDIAG_OK)
		return rc;
	int order = esp_name_ieq(m->base, "MDMDiagReport_RegistryDump.reg")
	                    ? (in_mdm_folder(m->name) ? 2 : 1)
	                    : 0;
	s->p[s->n++] = (pending_source){ index, be, order, false };
	return ESPDIAG_OK;
}

/* Is log (a member name) NAME.LOG1 or NAME.LOG2 of hive, in its folder? */
static bool log_of(const char *log, const char *hive)
{
	size_t n = strlen(hive);
	return strlen(log) == n + 5 && esp_name_istarts(log, hive) && log[n] == '.' &&
	       log_name(log + n);
}

/* Reads the hives held, each with the logs named after it; a log that
 * belongs to no hive is not read. */
static int open_hives(espdiag_bundle *b, registry_state *s, esp_err *err)
{
	const espdiag_open_options *opts = esp_bundle_open_options(b);
	bool *used = s->nlogs ? calloc(s->nlogs, sizeof *used) : NULL;
	esp_input logs[2];
	if (s->nlogs && used == NULL)
		return esp_err_set(err, ESPDIAG_ENOMEM, "out of memory");
	int rc = ESPDIAG_OK;
	for (size_t i = 0; rc == ESPDIAG_OK && i < s->nhives; i++) {
		held_input *h = &s->hives[i];
		const char *name = esp_bundle_member(b, h->member)->name;
		size_t nlogs = 0;
		for (size_t k = 0; k < s->nlogs && nlogs < 2; k++) {
			if (!log_of(esp_bundle_member(b, s->logs[k].member)->name, name))
				continue;
			logs[nlogs] = s->logs[k].in;
			logs[nlogs++].name = esp_bundle_member(b, s->logs[k].member)->name;
			used[k] = true;
		}
		espdiag_backend *be = NULL;
		esp_err why = { { 0 } };
		/* A folder's hive finds its logs beside it; an archive's are those
		 * it holds. */
		int r = esp_regf_open_logs(&be, &h->in, nlogs ? NULL : h->path, logs, nlogs, opts, &why);
		if (r == ESPDIAG_ENOMEM) {
			rc = esp_err_set(err, r, "out of memory");
		} else if (r != ESPDIAG_OK) {
			rc = esp_bundle_unread(b, h->member, why.msg);
		} else if (esp_reserve_one((void **)&s->p, s->n, &s->cap, sizeof *s->p, 8) !=
		           ESPDIAG_OK) {
			be->free(be);
			rc = esp_err_set(err, ESPDIAG_ENOMEM, "out of memory");
		} else {
			s->p[s->n++] = (pending_source){ h->member, be, 0, true };
		}
	}
	for (size_t k = 0; rc == ESPDIAG_OK && k < s->nlogs; k++)
		rc = used[k] ? esp_bundle_summary(b, s->logs[k].member, "transaction log, read "
		                                  "with its hive")
		             : esp_bundle_unread(b, s->logs[k].member,
		                                 "a transaction log of no hive in the collection");
	free(used);
	if (rc != ESPDIAG_OK && err->msg[0] == '\0')
		esp_err_set(err, rc, "out of memory");
	release_held(s->hives, s->nhives);
	release_held(s->logs, s->nlogs);
	s->hives = s->logs = NULL;
	s->nhives = s->nlogs = 0;
	return rc;
}

/* The hive an Intune export's name gives ("(12) RegistryKey HKLM_SOFTWARE_...
 * export.reg" -> HKEY_LOCAL_MACHINE); NULL for another name. */
static const char *named_hive(const char *base)
{
	static const struct {
		const char *alias, *full;
	} hives[] = {
		{ "HKLM", "HKEY_LOCAL_MACHINE" }, { "HKCU", "HKEY_CURRENT_USER" },
		{ "HKU", "HKEY_USERS" },          { "HKCR", "HKEY_CLASSES_ROOT" },
		{ "HKCC", "HKEY_CURRENT_CONFIG" },
	};
	const char *p = base;
	if (*p == '(') {
		p += strcspn(p, ")");
		if (*p == ')')
			p++;
		while (*p == ' ')
			p++;
	}
	if (!esp_name_istarts(p, "RegistryKey "))
		return NULL;
	p += strlen("RegistryKey ");
	size_t len = strcspn(p, "_ \\");
	for (size_t i = 0; i < sizeof hives / sizeof hives[0]; i++) {
		size_t a = strlen(hives[i].alias), f = strlen(hives[i].full);
		if ((len == a && esp_name_istarts(p, hives[i].alias)) ||
		    (len == f && esp_name_istarts(p, hives[i].full)))
			return hives[i].full;
	}
	return NULL;
}

/* Warns when an export's top-level keys lie outside the hive its name gives. */
static int check_hive(espdiag_bundle *b, const espdiag_member *m, espdiag_backend *be)
{
	const char *hive = named_hive(strrchr(m->name, '/') ? strrchr(m->name, '/') + 1 : m->name);
	espdiag_node root;
	size_t n = 0;
	if (hive == NULL || be->root(be, &root) != ESPDIAG_OK ||
	    be->subkey_count(be, root, &n) != ESPDIAG_OK)
		return ESPDIAG_OK;
	for (size_t i = 0; i < n; i++) {
		espdiag_node k;
		const char *name;
		size_t len;
		if (be->subkey_at(be, root, i, &k) != ESPDIAG_OK ||
		    be->key_name(be, k, &name, &len) != ESPDIAG_OK)
			continue;
		if (len != strlen(hive) || !esp_name_istarts(name, hive))
			return esp_bundle_warn(b,
			                       "%s: its name says %s, but it holds keys under %.*s; "
			                       "mounted where the file says",
			                       m->name, hive, (int)(len > 200 ? 200 : len), name);
	}
	return ESPDIAG_OK;
}

static int order_cmp(const void *a, const void *b)
{
	const pending_source *x = a, *y = b;
	if (x->order != y->order)
		return y->order - x->order;
	return x->member < y->member ? -1 : x->member > y->member;
}

static int finish(espdiag_bundle *b, esp_err *err)
{
	registry_state *s = esp_bundle_state(b, &esp_member_registry);
	if (s == NULL)
		return ESPDIAG_OK;
	int hrc = open_hives(b, s, err);
	if (hrc != ESPDIAG_OK)
		return hrc;
	qsort(s->p, s->n, sizeof *s->p, order_cmp);
	espdiag_registry *reg = espdiag_bundle_registry(b);
	const char *mount = esp_bundle_options(b)->mount;
	for (size_t i = 0; i < s->n; i++) {
		pending_source *p = &s->p[i];
		const espdiag_member *m = esp_bundle_member(b, p->member);
		int rc = p->hive ? ESPDIAG_OK : check_hive(b, m, p->backend);
		if (rc != ESPDIAG_OK)
			return esp_err_set(err, rc, "out of memory");
		rc = espdiag_registry_mount(reg, p->hive ? mount : NULL, p->backend);
		if (rc == ESPDIAG_ENOMEM)
			return esp_err_set(err, rc, "%s", espdiag_registry_errmsg(reg));
		if (rc != ESPDIAG_OK) {
			rc = esp_bundle_unread(b, p->member, espdiag_registry_errmsg(reg));
			if (rc != ESPDIAG_OK)
				return esp_err_set(err, rc, "out of memory");
			continue;
		}
		espdiag_backend *be = p->backend;
		p->backend = NULL; /* the view's now */
		size_t src = espdiag_registry_source_count(reg) - 1;
		const char *others = esp_bundle_other_names(b, p->member);
		/* A file opened alone is no member of anything: label it as
		 * espdiag_registry_open_file() does. */
		const char *format = espdiag_bundle_format(b);
		bool alone = format != NULL && strcmp(format, "file") == 0;
		if (others == NULL ||
		    esp_registry_label_source(reg, src, esp_bundle_label(b), alone ? NULL : m->name,
		                              alone ? NULL : others) != ESPDIAG_OK)
			return esp_err_set(err, ESPDIAG_ENOMEM, "out of memory");
		const char *prefix = espdiag_registry_source_property(reg, src, "prefix");
		format = be->property != NULL ? be->property(be, "format") : NULL;
		const char *replay = be->property != NULL ? be->property(be, "log_replay") : NULL;
		rc = esp_bundle_summary(b, p->member, "%s, mounted at %s%s%s",
		                        format ? format : "registry",
		                        prefix != NULL && *prefix != '\0' ? prefix : "the root",
		                        replay ? "; logs replayed: " : "", replay ? replay : "");
		if (rc != ESPDIAG_OK)
			return esp_err_set(err, rc, "out of memory");
	}
	return ESPDIAG_OK;
}

const esp_member_reader esp_member_registry = {
	"registry", ESPDIAG_MEMBER_REGISTRY, bid, read_member, finish, free_state,
};

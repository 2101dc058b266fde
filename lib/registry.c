/* lib/registry.c - the registry view: sources mounted under prefixes and
 * served as one case-insensitive tree of key and value objects.
 *
 * The keys above mount points live in a small memtree of the view's own
 * (source 0). A view key is a stack of layers, one (source, node) pair per
 * source that holds the key; a mount point adds the mounted backend's root
 * as a layer. Children and values are read from the layers once, on first
 * use, and kept: every object is valid until the view is freed. */
#include <stdlib.h>
#include <string.h>

#include <espdiag/registry.h>

#include "container.h"
#include "internal.h"
#include "memtree.h"
#include "readers.h"
#include "unicode.h"

/* Sources from this size on get the view's arena in huge pages. */
#define VIEW_BIG_SOURCE ((size_t)4 << 20)

typedef struct layer {
	uint32_t source;
	espdiag_node node;
} layer;

/* Names point into the backend (valid until it is freed) and are copied,
 * NUL-terminated, only when a C-string accessor first asks; hashes are
 * taken on the first lookup (0: not yet; see name_hash). A full walk then
 * copies and hashes nothing. Fields are ordered to leave no padding: a
 * big walk makes hundreds of thousands of these. */
struct espdiag_value {
	espdiag_registry *reg;
	const char *name;  /* the backend's bytes */
	size_t name_len;
	char *cname;       /* NUL-terminated copy, made on first request */
	const unsigned char *data;
	size_t size;
	uint32_t hash;
	uint32_t type;
};

struct espdiag_key {
	espdiag_registry *reg;
	espdiag_key *parent;
	const char *name;  /* the backend's bytes */
	size_t name_len;
	char *cname;       /* NUL-terminated copy, made on first request */
	layer *layers;
	const char *path;  /* made on first request */
	size_t nchildren, nvalues;
	espdiag_key **children;
	espdiag_value *values;
	layer first_layer; /* layers points here when there is one */
	uint32_t hash;
	uint32_t nlayers;
	bool children_loaded, values_loaded;
};

typedef struct source {
	espdiag_backend *backend;
	const char *path;
	const char *prefix;
	const char *member, *members; /* what was read in an archive or a folder */
	esp_input input;   /* kept only for espdiag_registry_open_memory's label */
} source;

typedef struct mount {
	esp_mnode skeleton_node;
	uint32_t source;
} mount;

struct espdiag_registry {
	esp_arena arena;
	esp_err err;
	esp_memtree *skeleton;     /* source 0's tree, for adding mount points */
	source *sources;
	size_t nsources, cap_sources;
	mount *mounts;
	size_t nmounts;
	espdiag_key *root;
};

static const struct {
	const char *alias, *full;
} root_aliases[] = {
	{ "HKLM", "HKEY_LOCAL_MACHINE" }, { "HKCU", "HKEY_CURRENT_USER" },
	{ "HKU", "HKEY_USERS" },         { "HKCR", "HKEY_CLASSES_ROOT" },
	{ "HKCC", "HKEY_CURRENT_CONFIG" },
};

/* --- sources --- */

static espdiag_backend *backend_of(const espdiag_registry *r, uint32_t index)
{
	return r->sources[index].backend;
}

static int add_source(espdiag_registry *r, espdiag_backend *b, const char *path,
                      const char *prefix, uint32_t *out)
{
	if (esp_reserve_one((void **)&r->sources, r->nsources, &r->cap_sources,
	                    sizeof *r->sources, 4) != ESPDIAG_OK)
		return ESPDIAG_ENOMEM;
	const char *p = esp_arena_strndup(&r->arena, path, strlen(path));
	const char *x = esp_arena_strndup(&r->arena, prefix, strlen(prefix));
	if (p == NULL || x == NULL)
		return ESPDIAG_ENOMEM;
	source *s = &r->sources[r->nsources];
	memset(s, 0, sizeof *s);
	s->backend = b;
	s->path = p;
	s->prefix = x;
	*out = (uint32_t)r->nsources++;
	return ESPDIAG_OK;
}

/* --- keys --- */

static espdiag_key *new_key(espdiag_registry *r, espdiag_key *parent, const char *name,
                            size_t len, const layer *layers, uint32_t nlayers)
{
	espdiag_key *k = esp_arena_alloc(&r->arena, sizeof *k);
	if (k == NULL)
		return NULL;
	memset(k, 0, sizeof *k);
	if (nlayers == 1) {
		k->first_layer = layers[0];
		k->layers = &k->first_layer;
	} else {
		k->layers = esp_arena_memdup(&r->arena, layers, nlayers * sizeof *layers);
		if (k->layers == NULL)
			return NULL;
	}
	k->reg = r;
	k->parent = parent;
	k->name = name;
	k->name_len = len;
	k->nlayers = nlayers;
	return k;
}

/* The view's name hash: never 0, which marks a hash not yet taken. */
static uint32_t name_hash(const char *name, size_t len)
{
	uint32_t h = esp_name_hash(name, len);
	return h != 0 ? h : 1;
}

static uint32_t key_hash(espdiag_key *k)
{
	if (k->hash == 0)
		k->hash = name_hash(k->name, k->name_len);
	return k->hash;
}

static uint32_t value_hash(espdiag_value *v)
{
	if (v->hash == 0)
		v->hash = name_hash(v->name, v->name_len);
	return v->hash;
}

/* A NUL-terminated copy of name, kept in *slot. */
static const char *c_name(espdiag_registry *r, char **slot, const char *name, size_t len)
{
	if (*slot == NULL)
		*slot = esp_arena_strndup(&r->arena, name, len);
	return *slot;
}

/* Reads children of a key with one layer in a source other than the
 * skeleton: no merging, no mount points, one key object each. */
static int load_children_single(espdiag_key *k)
{
	espdiag_registry *r = k->reg;
	espdiag_backend *b = backend_of(r, k->layers[0].source);
	size_t count = 0;
	if (b->subkey_count(b, k->layers[0].node, &count) != ESPDIAG_OK || count == 0) {
		k->children_loaded = true;
		return ESPDIAG_OK;
	}
	size_t bytes;
	if (esp_mul_overflows(count, sizeof *k->children, &bytes))
		return ESPDIAG_ELIMIT;
	espdiag_key **children = esp_arena_alloc(&r->arena, bytes);
	if (children == NULL)
		return ESPDIAG_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < count; i++) {
		layer l = { k->layers[0].source, 0 };
		const char *name;
		size_t len;
		if (b->subkey_at(b, k->layers[0].node, i, &l.node) != ESPDIAG_OK ||
		    b->key_name(b, l.node, &name, &len) != ESPDIAG_OK)
			continue;
		children[n] = new_key(r, k, name, len, &l, 1);
		if (children[n] == NULL)
			return ESPDIAG_ENOMEM;
		n++;
	}
	k->children = children;
	k->nchildren = n;
	k->children_loaded = true;
	return ESPDIAG_OK;
}

/* Appends the roots of the sources mounted on a skeleton node. */
static int add_mounted_roots(espdiag_registry *r, layer **layers, uint32_t *n,
                             uint32_t *cap, esp_mnode skeleton_node)
{
	for (size_t i = 0; i < r->nmounts; i++) {
		if (r->mounts[i].skeleton_node != skeleton_node)
			continue;
		uint32_t src = r->mounts[i].source;
		espdiag_node root;
		espdiag_backend *b = backend_of(r, src);
		if (b->root(b, &root) != ESPDIAG_OK)
			continue;
		if (*n == *cap) {
			layer *bigger = realloc(*layers, (size_t)*cap * 2 * sizeof *bigger);
			if (bigger == NULL)
				return ESPDIAG_ENOMEM;
			*layers = bigger;
			*cap *= 2;
		}
		(*layers)[(*n)++] = (layer){ src, root };
	}
	return ESPDIAG_OK;
}

/* A child being assembled from the parent's layers. */
typedef struct pending {
	const char *name;
	size_t len;
	uint32_t hash;
	uint32_t nlayers, cap;
	layer *layers;
} pending;

static void free_pending(pending *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i].layers);
	free(p);
}

static int load_children(espdiag_key *k)
{
	if (k->children_loaded)
		return ESPDIAG_OK;
	if (k->nlayers == 1 && k->layers[0].source != 0)
		return load_children_single(k);
	espdiag_registry *r = k->reg;
	pending *p = NULL;
	size_t np = 0, capp = 0;
	int rc = ESPDIAG_OK;
	for (uint32_t li = 0; li < k->nlayers && rc == ESPDIAG_OK; li++) {
		espdiag_backend *b = backend_of(r, k->layers[li].source);
		size_t count = 0;
		if (b->subkey_count(b, k->layers[li].node, &count) != ESPDIAG_OK)
			continue;
		for (size_t i = 0; i < count; i++) {
			espdiag_node child;
			const char *name;
			size_t len;
			if (b->subkey_at(b, k->layers[li].node, i, &child) != ESPDIAG_OK ||
			    b->key_name(b, child, &name, &len) != ESPDIAG_OK)
				continue;
			uint32_t hash = esp_name_hash(name, len);
			size_t j = np;
			/* Only a union of several layers can name a key twice. */
			if (k->nlayers > 1) {
				for (j = 0; j < np; j++)
					if (p[j].hash == hash &&
					    esp_name_equal(p[j].name, p[j].len, name, len))
						break;
			}
			if (j == np) {
				rc = esp_reserve_one((void **)&p, np, &capp, sizeof *p, 8);
				if (rc != ESPDIAG_OK)
					break;
				p[np] = (pending){ name, len, hash, 0, 2, malloc(2 * sizeof(layer)) };
				if (p[np].layers == NULL) {
					rc = ESPDIAG_ENOMEM;
					break;
				}
				np++;
			} else if (p[j].nlayers == p[j].cap) {
				layer *bigger = realloc(p[j].layers, (size_t)p[j].cap * 2 * sizeof *bigger);
				if (bigger == NULL) {
					rc = ESPDIAG_ENOMEM;
					break;
				}
				p[j].layers = bigger;
				p[j].cap *= 2;
			}
			p[j].layers[p[j].nlayers++] = (layer){ k->layers[li].source, child };
			/* A skeleton key may be a mount point. */
			if (k->layers[li].source == 0)
				rc = add_mounted_roots(r, &p[j].layers, &p[j].nlayers, &p[j].cap,
				                       (esp_mnode)child);
			if (rc != ESPDIAG_OK)
				break;
		}
	}
	espdiag_key **children = NULL;
	if (rc == ESPDIAG_OK && np > 0) {
		children = esp_arena_alloc(&r->arena, np * sizeof *children);
		if (children == NULL)
			rc = ESPDIAG_ENOMEM;
	}
	for (size_t i = 0; rc == ESPDIAG_OK && i < np; i++) {
		children[i] = new_key(r, k, p[i].name, p[i].len, p[i].layers, p[i].nlayers);
		if (children[i] == NULL)
			rc = ESPDIAG_ENOMEM;
	}
	free_pending(p, np);
	if (rc != ESPDIAG_OK)
		return rc;
	k->children = children;
	k->nchildren = np;
	k->children_loaded = true;
	return ESPDIAG_OK;
}

static int load_values(espdiag_key *k)
{
	if (k->values_loaded)
		return ESPDIAG_OK;
	espdiag_registry *r = k->reg;
	size_t total = 0;
	for (uint32_t li = 0; li < k->nlayers; li++) {
		espdiag_backend *b = backend_of(r, k->layers[li].source);
		size_t count = 0;
		if (b->value_count(b, k->layers[li].node, &count) == ESPDIAG_OK)
			total += count;
	}
	espdiag_value *v = NULL;
	if (total > 0) {
		size_t bytes;
		if (esp_mul_overflows(total, sizeof *v, &bytes))
			return ESPDIAG_ELIMIT;
		v = esp_arena_alloc(&r->arena, bytes);
		if (v == NULL)
			return ESPDIAG_ENOMEM;
	}
	size_t n = 0;
	for (uint32_t li = 0; li < k->nlayers; li++) {
		espdiag_backend *b = backend_of(r, k->layers[li].source);
		size_t count = 0;
		if (b->value_count(b, k->layers[li].node, &count) != ESPDIAG_OK)
			continue;
		for (size_t i = 0; i < count && n < total; i++) {
			espdiag_backend_value bv;
			if (b->value_at(b, k->layers[li].node, i, &bv) != ESPDIAG_OK)
				continue;
			bool shadowed = false;
			/* The source mounted first serves a name two sources share. */
			if (li > 0) {
				uint32_t hash = name_hash(bv.name, bv.name_len);
				for (size_t j = 0; j < n && !shadowed; j++)
					shadowed = value_hash(&v[j]) == hash &&
					           esp_name_equal(v[j].name, v[j].name_len, bv.name,
					                          bv.name_len);
			}
			if (shadowed)
				continue;
			v[n++] = (espdiag_value){ .reg = r, .name = bv.name, .name_len = bv.name_len,
				                  .type = bv.type, .data = bv.data, .size = bv.size };
		}
	}
	k->values = v;
	k->nvalues = n;
	k->values_loaded = true;
	return ESPDIAG_OK;
}

/* --- the view --- */

ESPDIAG_API int espdiag_registry_new(espdiag_registry **out)
{
	if (out == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	espdiag_registry *r = calloc(1, sizeof *r);
	if (r == NULL)
		return ESPDIAG_ENOMEM;
	esp_arena_init(&r->arena);
	uint32_t src;
	int rc = esp_memtree_new(&r->skeleton);
	if (rc == ESPDIAG_OK) {
		rc = add_source(r, esp_memtree_backend(r->skeleton), "", "", &src);
		if (rc != ESPDIAG_OK)
			esp_memtree_free(r->skeleton);
	}
	if (rc == ESPDIAG_OK) {
		layer root = { 0, esp_memtree_root(r->skeleton) };
		r->root = new_key(r, NULL, "", 0, &root, 1);
		if (r->root == NULL)
			rc = ESPDIAG_ENOMEM;
	}
	if (rc != ESPDIAG_OK) {
		espdiag_registry_free(r);
		return rc;
	}
	*out = r;
	return ESPDIAG_OK;
}

ESPDIAG_API void espdiag_registry_free(espdiag_registry *reg)
{
	if (reg == NULL)
		return;
	for (size_t i = 0; i < reg->nsources; i++)
		reg->sources[i].backend->free(reg->sources[i].backend);
	free(reg->sources);
	free(reg->mounts);
	esp_arena_free(&reg->arena);
	free(reg);
}

ESPDIAG_API const char *espdiag_registry_errmsg(const espdiag_registry *reg)
{
	return reg != NULL ? reg->err.msg : "";
}

/* Splits path at "\" into components, skipping empty ones; with
 * from_root, expands a root alias (HKLM, ...) in the first. Calls fn for
 * each and stops at its first non-OK return. */
typedef int (*component_fn)(void *ctx, const char *name, size_t len);

static int for_each_component(const char *path, bool from_root, component_fn fn, void *ctx)
{
	const char *p = path;
	while (*p != '\0') {
		if (*p == '\\') {
			p++;
			continue;
		}
		const char *end = strchr(p, '\\');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		const char *name = p;
		size_t name_len = len;
		for (size_t i = 0; from_root && i < sizeof root_aliases / sizeof root_aliases[0]; i++) {
			if (esp_name_equal(p, len, root_aliases[i].alias,
			                   strlen(root_aliases[i].alias))) {
				name = root_aliases[i].full;
				name_len = strlen(name);
				break;
			}
		}
		from_root = false;
		int rc = fn(ctx, name, name_len);
		if (rc != ESPDIAG_OK)
			return rc;
		p += len;
	}
	return ESPDIAG_OK;
}

struct mount_walk {
	espdiag_registry *reg;
	esp_mnode node;
	char *canon;       /* the prefix as mounted, aliases expanded */
	size_t canon_len, canon_cap;
};

static int mount_component(void *ctx, const char *name, size_t len)
{
	struct mount_walk *w = ctx;
	if (w->canon_len + len + 2 > w->canon_cap)
		return ESPDIAG_ELIMIT;
	if (w->canon_len > 0)
		w->canon[w->canon_len++] = '\\';
	memcpy(w->canon + w->canon_len, name, len);
	w->canon_len += len;
	w->canon[w->canon_len] = '\0';
	return esp_memtree_child(w->reg->skeleton, w->node, name, len, true, &w->node);
}

/* Resets every loaded key so that a new mount shows everywhere. Keys
 * already handed out stay valid; their children are re-read. */
static void forget_loaded(espdiag_key *k)
{
	if (k == NULL || !k->children_loaded)
		return;
	for (size_t i = 0; i < k->nchildren; i++)
		forget_loaded(k->children[i]);
	k->children_loaded = false;
	k->nchildren = 0;
	k->children = NULL;
}

ESPDIAG_API int espdiag_registry_mount(espdiag_registry *reg, const char *prefix,
                                       espdiag_backend *backend)
{
	if (reg == NULL || backend == NULL)
		return ESPDIAG_EINVAL;
	if (backend->version == 0 || backend->version > ESPDIAG_BACKEND_VERSION ||
	    backend->root == NULL || backend->subkey_count == NULL ||
	    backend->subkey_at == NULL || backend->key_name == NULL ||
	    backend->value_count == NULL || backend->value_at == NULL || backend->free == NULL)
		return esp_err_set(&reg->err, ESPDIAG_EINVAL,
		                   "backend: unknown version or a required callback is missing");
	if ((prefix == NULL || *prefix == '\0') && backend->property != NULL)
		prefix = backend->property(backend, "default_mount");
	if (prefix == NULL)
		prefix = "";
	char canon[4096];
	struct mount_walk w = { reg, esp_memtree_root(reg->skeleton), canon, 0, sizeof canon };
	canon[0] = '\0';
	int rc = for_each_component(prefix, true, mount_component, &w);
	if (rc != ESPDIAG_OK)
		return esp_err_set(&reg->err, rc, "mount prefix \"%s\": %s", prefix,
		                   espdiag_strerror(rc));
	mount *m = realloc(reg->mounts, (reg->nmounts + 1) * sizeof *m);
	if (m == NULL)
		return esp_err_set(&reg->err, ESPDIAG_ENOMEM, "out of memory");
	reg->mounts = m;
	uint32_t src;
	rc = add_source(reg, backend, "", canon, &src);
	if (rc != ESPDIAG_OK)
		return esp_err_set(&reg->err, rc, "out of memory");
	reg->mounts[reg->nmounts++] = (mount){ w.node, src };
	/* The root's layers are fixed at creation: a mount at the root adds one. */
	if (w.node == esp_memtree_root(reg->skeleton)) {
		espdiag_node root;
		if (backend->root(backend, &root) == ESPDIAG_OK) {
			layer *l = esp_arena_alloc(&reg->arena,
			                           (reg->root->nlayers + 1) * sizeof *l);
			if (l == NULL)
				return esp_err_set(&reg->err, ESPDIAG_ENOMEM, "out of memory");
			memcpy(l, reg->root->layers, reg->root->nlayers * sizeof *l);
			l[reg->root->nlayers] = (layer){ src, root };
			reg->root->layers = l;
			reg->root->nlayers++;
		}
	}
	reg->root->values_loaded = false;
	forget_loaded(reg->root);
	reg->err.msg[0] = '\0';
	return ESPDIAG_OK;
}

/* Reads input (for a cab or zip, the dump inside) with the reader whose bid
 * wins and mounts the result. Takes ownership of in; ct stays the caller's.
 * file: the path in was read from (NULL for memory or standard input), where
 * a hive's transaction logs are looked for. */
static int open_input(espdiag_registry *reg, esp_input *in, esp_container *ct,
                      const char *label, const char *file, const char *prefix,
                      const espdiag_open_options *opts)
{
	espdiag_open_options defaults = ESPDIAG_OPEN_OPTIONS_INIT;
	if (opts == NULL)
		opts = &defaults;
	esp_limits lim;
	esp_limits_from_options(&lim, opts);
	int rc = esp_container_unwrap(in, ct, label, &lim, &reg->err);
	if (rc != ESPDIAG_OK)
		return rc;
	/* A big source will fill the view's arena with key and value objects
	 * as soon as it is walked: the arena then goes to huge pages at once
	 * rather than through 2 MiB of 4 KiB page faults. */
	if (in->size >= VIEW_BIG_SOURCE)
		esp_arena_reserve(&reg->arena, (size_t)2 << 20);
	int reg_bid = esp_regtext_bid(in->data, in->size);
	int hive_bid = esp_regf_bid(in->data, in->size);
	espdiag_backend *b = NULL;
	if (reg_bid == 0 && hive_bid == 0) {
		esp_input_release(in);
		return esp_err_set(&reg->err, ESPDIAG_EFORMAT,
		                   "%s: not a registry file (neither a regf hive nor a .reg export)",
		                   label);
	}
	if (hive_bid > reg_bid)
		rc = esp_regf_open_logs(&b, in, ct->member == NULL ? file : NULL, NULL, 0, opts,
		                        &reg->err);
	else
		rc = esp_regtext_open(&b, in, opts, &reg->err);
	if (rc != ESPDIAG_OK)
		return rc;
	rc = espdiag_registry_mount(reg, prefix, b);
	if (rc != ESPDIAG_OK) {
		b->free(b);
		return rc;
	}
	const char *path = esp_arena_strndup(&reg->arena, label, strlen(label));
	if (path == NULL)
		return esp_err_set(&reg->err, ESPDIAG_ENOMEM, "out of memory");
	source *s = &reg->sources[reg->nsources - 1];
	s->path = path;
	if (ct->member != NULL) {
		s->member = esp_arena_strndup(&reg->arena, ct->member, strlen(ct->member));
		s->members = esp_arena_strndup(&reg->arena, ct->members, strlen(ct->members));
		if (s->member == NULL || s->members == NULL)
			return esp_err_set(&reg->err, ESPDIAG_ENOMEM, "out of memory");
	}
	return ESPDIAG_OK;
}

static uint64_t max_input(const espdiag_open_options *opts)
{
	esp_limits lim;
	esp_limits_from_options(&lim, opts);
	return lim.max_input_size;
}

static int check_options(espdiag_registry *reg, const espdiag_open_options *opts)
{
	if (opts != NULL && (opts->version == 0 || opts->version > ESPDIAG_OPEN_OPTIONS_VERSION))
		return esp_err_set(&reg->err, ESPDIAG_EINVAL, "open options: unknown version %u",
		                   opts->version);
	return ESPDIAG_OK;
}

ESPDIAG_API int espdiag_registry_open_file(espdiag_registry *reg, const char *path,
                                           const char *prefix,
                                           const espdiag_open_options *opts)
{
	if (reg == NULL || path == NULL)
		return ESPDIAG_EINVAL;
	int rc = check_options(reg, opts);
	if (rc != ESPDIAG_OK)
		return rc;
	esp_input in;
	esp_container ct = ESP_CONTAINER_INIT;
	esp_limits lim;
	esp_limits_from_options(&lim, opts);
	rc = esp_container_open_file(&in, &ct, path, &lim, &reg->err);
	if (rc == ESPDIAG_OK)
		rc = open_input(reg, &in, &ct, strcmp(path, "-") == 0 ? "(standard input)" : path,
		                strcmp(path, "-") == 0 ? NULL : path, prefix, opts);
	esp_container_free(&ct);
	return rc;
}

ESPDIAG_API int espdiag_registry_open_memory(espdiag_registry *reg, const void *data,
                                             size_t size, const char *name,
                                             const char *prefix,
                                             const espdiag_open_options *opts)
{
	if (reg == NULL || (data == NULL && size > 0))
		return ESPDIAG_EINVAL;
	int rc = check_options(reg, opts);
	if (rc != ESPDIAG_OK)
		return rc;
	if ((uint64_t)size > max_input(opts))
		return esp_err_set(&reg->err, ESPDIAG_ELIMIT,
		                   "%s: %zu bytes, larger than the limit of %llu bytes",
		                   name ? name : "(memory)", size,
		                   (unsigned long long)max_input(opts));
	esp_input in;
	esp_container ct = ESP_CONTAINER_INIT;
	esp_input_wrap(&in, size ? data : "", size, name);
	rc = open_input(reg, &in, &ct, name != NULL ? name : "(memory)", NULL, prefix, opts);
	esp_container_free(&ct);
	return rc;
}

ESPDIAG_API int espdiag_registry_open_stdin(espdiag_registry *reg, const char *prefix,
                                            const espdiag_open_options *opts)
{
	return espdiag_registry_open_file(reg, "-", prefix, opts);
}

ESPDIAG_API size_t espdiag_registry_source_count(const espdiag_registry *reg)
{
	return reg != NULL ? reg->nsources - 1 : 0;
}

ESPDIAG_API const char *espdiag_registry_source_property(const espdiag_registry *reg,
                                                         size_t index, const char *name)
{
	if (reg == NULL || name == NULL || index + 1 >= reg->nsources)
		return NULL;
	const source *s = &reg->sources[index + 1];
	if (strcmp(name, "path") == 0)
		return s->path;
	if (strcmp(name, "prefix") == 0)
		return s->prefix;
	if (strcmp(name, "member") == 0)
		return s->member;
	if (strcmp(name, "members") == 0)
		return s->members;
	if (s->backend->property == NULL)
		return NULL;
	return s->backend->property(s->backend, name);
}

ESPDIAG_API size_t espdiag_registry_warning_count(const espdiag_registry *reg)
{
	size_t n = 0;
	if (reg == NULL)
		return 0;
	for (size_t i = 1; i < reg->nsources; i++) {
		espdiag_backend *b = reg->sources[i].backend;
		if (b->warning_count != NULL && b->warning_at != NULL)
			n += b->warning_count(b);
	}
	return n;
}

ESPDIAG_API const espdiag_warning *espdiag_registry_warning_at(const espdiag_registry *reg,
                                                                size_t index, size_t *src)
{
	if (reg == NULL)
		return NULL;
	for (size_t i = 1; i < reg->nsources; i++) {
		espdiag_backend *b = reg->sources[i].backend;
		if (b->warning_count == NULL || b->warning_at == NULL)
			continue;
		size_t n = b->warning_count(b);
		if (index < n) {
			if (src != NULL)
				*src = i - 1;
			return b->warning_at(b, index);
		}
		index -= n;
	}
	return NULL;
}

ESPDIAG_API const espdiag_key *espdiag_registry_root(espdiag_registry *reg)
{
	return reg != NULL ? reg->root : NULL;
}

static int find_child(espdiag_key *k, const char *name, size_t len, espdiag_key **out)
{
	int rc = load_children(k);
	if (rc != ESPDIAG_OK)
		return rc;
	uint32_t hash = name_hash(name, len);
	for (size_t i = 0; i < k->nchildren; i++) {
		espdiag_key *c = k->children[i];
		if (key_hash(c) == hash && esp_name_equal(c->name, c->name_len, name, len)) {
			*out = c;
			return ESPDIAG_OK;
		}
	}
	return ESPDIAG_NOTFOUND;
}

struct lookup_walk {
	espdiag_key *key;
};

static int lookup_component(void *ctx, const char *name, size_t len)
{
	struct lookup_walk *w = ctx;
	return find_child(w->key, name, len, &w->key);
}

ESPDIAG_API int espdiag_key_subkey(const espdiag_key **out, const espdiag_key *key,
                                   const char *relpath)
{
	if (out == NULL || key == NULL || relpath == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	struct lookup_walk w = { (espdiag_key *)key };
	int rc = for_each_component(relpath, key->parent == NULL, lookup_component, &w);
	if (rc == ESPDIAG_OK)
		*out = w.key;
	return rc;
}

ESPDIAG_API int espdiag_registry_key(const espdiag_key **out, espdiag_registry *reg,
                                     const char *path)
{
	if (reg == NULL)
		return ESPDIAG_EINVAL;
	return espdiag_key_subkey(out, reg->root, path);
}

ESPDIAG_API const char *espdiag_key_name(const espdiag_key *key)
{
	if (key == NULL)
		return NULL;
	espdiag_key *k = (espdiag_key *)key;
	return c_name(k->reg, &k->cname, k->name, k->name_len);
}

const char *esp_key_name_bytes(const espdiag_key *key, size_t *len)
{
	*len = key->name_len;
	return key->name;
}

const char *esp_value_name_bytes(const espdiag_value *value, size_t *len)
{
	*len = value->name_len;
	return value->name;
}

ESPDIAG_API size_t espdiag_key_name_len(const espdiag_key *key)
{
	return key != NULL ? key->name_len : 0;
}

ESPDIAG_API const char *espdiag_key_path(const espdiag_key *key)
{
	if (key == NULL)
		return NULL;
	espdiag_key *k = (espdiag_key *)key;
	if (k->path != NULL)
		return k->path;
	if (k->parent == NULL)
		return k->path = "";
	const char *pp = espdiag_key_path(k->parent);
	if (pp == NULL)
		return NULL;
	size_t plen = strlen(pp);
	size_t len = plen + (plen ? 1 : 0) + k->name_len;
	char *p = esp_arena_alloc(&k->reg->arena, len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, pp, plen);
	if (plen)
		p[plen++] = '\\';
	memcpy(p + plen, k->name, k->name_len);
	p[len] = '\0';
	return k->path = p;
}

ESPDIAG_API const espdiag_key *espdiag_key_parent(const espdiag_key *key)
{
	return key != NULL ? key->parent : NULL;
}

ESPDIAG_API int espdiag_key_last_write(const espdiag_key *key, uint64_t *out)
{
	if (key == NULL || out == NULL)
		return ESPDIAG_EINVAL;
	for (uint32_t i = 0; i < key->nlayers; i++) {
		espdiag_backend *b = backend_of(key->reg, key->layers[i].source);
		if (b->key_last_write != NULL &&
		    b->key_last_write(b, key->layers[i].node, out) == ESPDIAG_OK)
			return ESPDIAG_OK;
	}
	return ESPDIAG_NOTFOUND;
}

ESPDIAG_API size_t espdiag_key_subkey_count(const espdiag_key *key)
{
	if (key == NULL || load_children((espdiag_key *)key) != ESPDIAG_OK)
		return 0;
	return key->nchildren;
}

ESPDIAG_API int espdiag_key_subkey_at(const espdiag_key **out, const espdiag_key *key,
                                      size_t index)
{
	if (out == NULL || key == NULL)
		return ESPDIAG_EINVAL;
	int rc = load_children((espdiag_key *)key);
	if (rc != ESPDIAG_OK)
		return rc;
	if (index >= key->nchildren)
		return ESPDIAG_NOTFOUND;
	*out = key->children[index];
	return ESPDIAG_OK;
}

ESPDIAG_API size_t espdiag_key_value_count(const espdiag_key *key)
{
	if (key == NULL || load_values((espdiag_key *)key) != ESPDIAG_OK)
		return 0;
	return key->nvalues;
}

ESPDIAG_API int espdiag_key_value_at(const espdiag_value **out, const espdiag_key *key,
                                     size_t index)
{
	if (out == NULL || key == NULL)
		return ESPDIAG_EINVAL;
	int rc = load_values((espdiag_key *)key);
	if (rc != ESPDIAG_OK)
		return rc;
	if (index >= key->nvalues)
		return ESPDIAG_NOTFOUND;
	*out = &key->values[index];
	return ESPDIAG_OK;
}

ESPDIAG_API int espdiag_key_value(const espdiag_value **out, const espdiag_key *key,
                                  const char *name)
{
	if (out == NULL || key == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	int rc = load_values((espdiag_key *)key);
	if (rc != ESPDIAG_OK)
		return rc;
	if (name == NULL)
		name = "";
	size_t len = strlen(name);
	uint32_t hash = name_hash(name, len);
	for (size_t i = 0; i < key->nvalues; i++) {
		espdiag_value *v = &key->values[i];
		if (value_hash(v) == hash && esp_name_equal(v->name, v->name_len, name, len)) {
			*out = v;
			return ESPDIAG_OK;
		}
	}
	return ESPDIAG_NOTFOUND;
}

/* --- values --- */

ESPDIAG_API const char *espdiag_value_name(const espdiag_value *value)
{
	if (value == NULL)
		return NULL;
	espdiag_value *v = (espdiag_value *)value;
	return c_name(v->reg, &v->cname, v->name, v->name_len);
}

ESPDIAG_API size_t espdiag_value_name_len(const espdiag_value *value)
{
	return value != NULL ? value->name_len : 0;
}

ESPDIAG_API uint32_t espdiag_value_type(const espdiag_value *value)
{
	return value != NULL ? value->type : 0;
}

ESPDIAG_API const unsigned char *espdiag_value_data(const espdiag_value *value)
{
	return value != NULL ? value->data : NULL;
}

ESPDIAG_API size_t espdiag_value_size(const espdiag_value *value)
{
	return value != NULL ? value->size : 0;
}

ESPDIAG_API const char *espdiag_reg_type_name(uint32_t type)
{
	static const char *const names[] = {
		"REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD",
		"REG_DWORD_BIG_ENDIAN", "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST",
		"REG_FULL_RESOURCE_DESCRIPTOR", "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD",
	};
	if (type == ESPDIAG_REG_DUMP_TEXT)
		return "REG_DUMP_TEXT";
	return type < sizeof names / sizeof names[0] ? names[type] : NULL;
}

ESPDIAG_API int espdiag_value_get_dword(const espdiag_value *value, uint32_t *out)
{
	if (value == NULL || out == NULL)
		return ESPDIAG_EINVAL;
	if (value->size != 4)
		return ESPDIAG_ETYPE;
	const unsigned char *d = value->data;
	if (value->type == ESPDIAG_REG_DWORD)
		*out = esp_le32(d);
	else if (value->type == ESPDIAG_REG_DWORD_BIG_ENDIAN)
		*out = ((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) | ((uint32_t)d[2] << 8) | d[3];
	else
		return ESPDIAG_ETYPE;
	return ESPDIAG_OK;
}

ESPDIAG_API int espdiag_value_get_qword(const espdiag_value *value, uint64_t *out)
{
	if (value == NULL || out == NULL)
		return ESPDIAG_EINVAL;
	if (value->type == ESPDIAG_REG_QWORD && value->size == 8) {
		*out = esp_le64(value->data);
		return ESPDIAG_OK;
	}
	uint32_t d;
	if (value->type == ESPDIAG_REG_DWORD && espdiag_value_get_dword(value, &d) == ESPDIAG_OK) {
		*out = d;
		return ESPDIAG_OK;
	}
	return ESPDIAG_ETYPE;
}

static bool is_string_type(uint32_t type)
{
	return type == ESPDIAG_REG_SZ || type == ESPDIAG_REG_EXPAND_SZ || type == ESPDIAG_REG_LINK;
}

ESPDIAG_API int espdiag_value_get_string(char **out, const espdiag_value *value)
{
	if (out == NULL || value == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	if (!is_string_type(value->type))
		return ESPDIAG_ETYPE;
	return esp_utf16le_to_utf8(out, NULL, value->data, value->size, true);
}

ESPDIAG_API int espdiag_value_get_multi_string(char ***out, size_t *count,
                                               const espdiag_value *value)
{
	if (out == NULL || value == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	if (value->type != ESPDIAG_REG_MULTI_SZ)
		return ESPDIAG_ETYPE;
	char *utf8;
	size_t len;
	/* Convert the whole block (NULs kept), then cut it at the NULs. */
	int rc = esp_utf16le_to_utf8(&utf8, &len, value->data, value->size, false);
	if (rc != ESPDIAG_OK)
		return rc;
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		size_t l = strlen(utf8 + i);
		if (l == 0)
			break;
		n++;
		i += l + 1;
	}
	size_t bytes = (n + 1) * sizeof(char *) + len + 1;
	char **arr = malloc(bytes);
	if (arr == NULL) {
		free(utf8);
		return ESPDIAG_ENOMEM;
	}
	char *strings = (char *)(arr + n + 1);
	memcpy(strings, utf8, len + 1);
	free(utf8);
	size_t pos = 0;
	for (size_t i = 0; i < n; i++) {
		arr[i] = strings + pos;
		pos += strlen(strings + pos) + 1;
	}
	arr[n] = NULL;
	*out = arr;
	if (count != NULL)
		*count = n;
	return ESPDIAG_OK;
}

ESPDIAG_API int espdiag_value_get_binary(const unsigned char **out, size_t *size,
                                         const espdiag_value *value)
{
	if (out == NULL || size == NULL || value == NULL)
		return ESPDIAG_EINVAL;
	*out = value->data;
	*size = value->size;
	return ESPDIAG_OK;
}

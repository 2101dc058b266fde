/* lib/registry.c - the registry view: sources mounted under prefixes and
 * served as one case-insensitive tree of key and value objects.
 *
 * Objects only where sources merge: a key that one .reg source alone
 * serves, and its values, are that source's own records behind tagged
 * handles (see "key handles" below), so a walk of a .reg file costs the
 * view no memory. Other keys are key objects as follows.
 *
 * The keys above mount points live in a small memtree of the view's own
 * (source 0). A view key is a stack of layers, one (source, node) pair per
 * source that holds the key, in mount order with source 0 last; a mount
 * point adds the mounted backend's root as a layer. So subkeys and values
 * come in mount order, a key is spelled as the first source that names it
 * spells it (the mount prefix only for a key no source holds), and a mount
 * appends to what the view showed. Children and values are read from the
 * layers once, on first use, and kept: every object is valid until the
 * view is freed. A read that fails is not kept: the next call asks the
 * backend again.
 *
 * Merging layers and looking names up take time linear in the entries:
 * a hash table by name merges the layers of a key, and a key with many
 * entries gets a lookup index the first time a name is looked up in it.
 *
 * A mount changes the layers of the keys on and below its prefix. Each
 * key remembers the mount generation its layers belong to; a key from an
 * older generation is brought up to date when it is next used, by reading
 * its parent's children again, which reuses the existing key objects (so
 * a handle taken before a mount shows the union afterwards). */
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

/* A key or value list longer than this gets a lookup index by name. */
#define INDEX_MIN 16

#define NONE UINT32_MAX

typedef struct layer {
	uint32_t source;
	espdiag_node node;
} layer;

/* An open-addressing table of entry numbers + 1 (0: empty slot) by name
 * hash; mask + 1 slots, a power of two at least twice the entries. */
typedef struct name_index {
	uint32_t mask;
	uint32_t slot[];
} name_index;

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
	/* What callers hold for this key: the key itself, or the record
	 * handle of a .reg key that a later mount merged (see key_ref()). */
	const espdiag_key *handle;
	const char *name;  /* the backend's bytes */
	size_t name_len;
	char *cname;       /* NUL-terminated copy, made on first request */
	layer *layers;
	size_t nchildren, nvalues;
	/* Kept while children_loaded is false after a mount, so that reading
	 * the children again reuses these objects. */
	const espdiag_key **children; /* handles */
	espdiag_value *values;
	name_index *child_index, *value_index; /* made on first lookup, when long */
	layer first_layer; /* layers points here when there is one */
	uint32_t hash;
	uint32_t nlayers;  /* 0: the key left the view (see orphan()) */
	uint32_t gen;      /* the mount generation the layers belong to */
	bool children_loaded, values_loaded;
	/* values is then the source's own array of esp_mvalue records (a
	 * key one .reg source alone serves): see value_handle(). */
	bool values_direct;
};

typedef struct source {
	espdiag_backend *backend;
	esp_memtree *tree; /* the backend's tree when it is a memtree (not source 0) */
	const char *path;
	const char *prefix;
	const char *member, *members; /* what was read in an archive or a folder */
	esp_input input;   /* kept only for espdiag_registry_open_memory's label */
} source;

typedef struct mount {
	esp_mnode skeleton_node;
	uint32_t source;
	espdiag_node root; /* the backend's root, asked for once at mount */
} mount;

/* A child being assembled from the parent's layers: its first layer here,
 * later ones in a list of more_layer. */
typedef struct pending {
	const char *name;
	size_t len;
	layer first;
	layer *layers;     /* the key's layer array, once allocated */
	uint32_t hash;      /* name_hash; 0: not taken yet (a key of one layer) */
	uint32_t nlayers;
	uint32_t more, last; /* the list of the other layers; NONE when empty */
	uint32_t old;      /* the existing child it becomes; NONE: a new one */
	espdiag_key *made; /* the key object made for it, if any */
} pending;

typedef struct more_layer {
	layer l;
	uint32_t next;
} more_layer;

/* Scratch memory of the loads, kept between them (one load at a time). */
typedef struct scratch {
	pending *p;
	size_t np, cap_p;
	more_layer *m;
	size_t nm, cap_m;
	uint32_t *table;   /* by-name merge table over p (or over values) */
	size_t table_slots;
	size_t *counts;    /* value counts per layer */
	size_t cap_counts;
} scratch;

struct espdiag_registry {
	esp_arena arena;
	esp_err err;
	esp_err first_err;         /* the message that goes with status */
	int status;                /* the first failure reading a source (sticky) */
	uint32_t gen;              /* mounts so far */
	esp_memtree *skeleton;     /* source 0's tree, for adding mount points */
	source *sources;
	size_t nsources, cap_sources;
	mount *mounts;
	size_t nmounts;
	espdiag_key *root;
	scratch s;
	char *path_buf;            /* espdiag_key_path()'s result */
	size_t path_cap;
	/* The key object holding each .reg key record that has one (marked
	 * HAS_VIEW): open addressing by record address, map_slots a power of
	 * two at least twice map_n (0: no table yet). */
	struct map_entry *map;
	size_t map_n, map_slots;
};

typedef struct map_entry {
	const esp_mkey *m;
	espdiag_key *k;
} map_entry;

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
	/* Source 0, the view's skeleton, still grows: its records are not
	 * handed out. */
	s->tree = r->nsources > 0 ? esp_memtree_of(b) : NULL;
	if (s->tree != NULL) {
		esp_memtree_freeze(s->tree);
		esp_memtree_set_owner(s->tree, r, (uint32_t)r->nsources);
	}
	s->path = p;
	s->prefix = x;
	*out = (uint32_t)r->nsources++;
	return ESPDIAG_OK;
}

/* Slots for n entries: a power of two, at least twice n; 0 when too many. */
static size_t slots_for(size_t n)
{
	size_t slots = 16;
	while (slots < 2 * n) {
		if (slots > UINT32_MAX / 4)
			return 0;
		slots *= 2;
	}
	return slots;
}

/* --- key handles ---
 *
 * A key handle is a key object of the view (espdiag_key), or, with its
 * low bit set, a .reg source's own key record (esp_mkey): a key that one
 * .reg source alone serves costs the view nothing, and neither do its
 * values (see value_handle()). Records are pointer-aligned and never move
 * while the view lives, so the bit is free; a tagged handle is never
 * dereferenced as a key object.
 *
 * The view marks the records it hands out (esp_mkey.view): the mount
 * generation at which the record was last known to be served alone, or
 * HAS_VIEW once a key object holds the record as a layer (a mount point,
 * or a key a later mount merged with another source's); the object is
 * then found in the view's map, and a handle taken earlier still works
 * and names the same key (the object's handle field keeps it). */

#define HAS_VIEW UINT32_C(0x80000000)
#define GEN_BITS UINT32_C(0x7FFFFFFF)

static const esp_mkey *direct_key(const espdiag_key *h)
{
	uintptr_t p = (uintptr_t)h;
	return (p & 1) != 0 ? (const esp_mkey *)(p - 1) : NULL;
}

static const espdiag_key *record_handle(const esp_mkey *m)
{
	return (const espdiag_key *)((uintptr_t)m + 1);
}

static espdiag_registry *reg_of(const esp_mkey *m)
{
	uint32_t index;
	return esp_memtree_owner(m->tree, &index);
}

static size_t map_home(const esp_mkey *m, size_t mask)
{
	return (size_t)(((uint64_t)(uintptr_t)m * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

/* The key object holding record m (marked HAS_VIEW). */
static espdiag_key *map_get(const espdiag_registry *r, const esp_mkey *m)
{
	size_t mask = r->map_slots - 1;
	for (size_t i = map_home(m, mask);; i = (i + 1) & mask)
		if (r->map[i].m == m || r->map[i].m == NULL)
			return r->map[i].k;
}

/* Makes room for more entries, so that map_put() cannot fail. */
static int map_reserve(espdiag_registry *r, size_t more)
{
	size_t need;
	if (esp_add_overflows(r->map_n, more, &need))
		return ESPDIAG_ELIMIT;
	if (2 * need <= r->map_slots)
		return ESPDIAG_OK;
	size_t slots = slots_for(need);
	if (slots == 0)
		return ESPDIAG_ELIMIT;
	map_entry *t = calloc(slots, sizeof *t);
	if (t == NULL)
		return ESPDIAG_ENOMEM;
	for (size_t j = 0; j < r->map_slots; j++) {
		if (r->map[j].m == NULL)
			continue;
		size_t i = map_home(r->map[j].m, slots - 1);
		while (t[i].m != NULL)
			i = (i + 1) & (slots - 1);
		t[i] = r->map[j];
	}
	free(r->map);
	r->map = t;
	r->map_slots = slots;
	return ESPDIAG_OK;
}

static void map_put(espdiag_registry *r, const esp_mkey *m, espdiag_key *k)
{
	size_t mask = r->map_slots - 1, i = map_home(m, mask);
	while (r->map[i].m != NULL && r->map[i].m != m)
		i = (i + 1) & mask;
	if (r->map[i].m == NULL)
		r->map_n++;
	r->map[i] = (map_entry){ m, k };
	((esp_mkey *)m)->view = HAS_VIEW;
}

/* The record of a .reg source's layer; NULL for other sources. */
static const esp_mkey *layer_record(const espdiag_registry *r, layer l)
{
	esp_memtree *t = r->sources[l.source].tree;
	return t != NULL ? esp_memtree_key(t, (esp_mnode)l.node) : NULL;
}

/* Records in k's layers: entries the map needs for k. */
static size_t record_layers(const espdiag_registry *r, const layer *l, uint32_t n)
{
	size_t c = 0;
	for (uint32_t i = 0; i < n; i++)
		c += r->sources[l[i].source].tree != NULL;
	return c;
}

/* Enters k as the key object of the records among its layers (room
 * reserved). */
static void map_layers(espdiag_registry *r, espdiag_key *k)
{
	for (uint32_t i = 0; i < k->nlayers; i++) {
		const esp_mkey *m = layer_record(r, k->layers[i]);
		if (m != NULL)
			map_put(r, m, k);
	}
}

/* The key object behind a handle; NULL for a record served alone. */
static espdiag_key *view_of(const espdiag_key *h)
{
	const esp_mkey *m = direct_key(h);
	if (m == NULL)
		return (espdiag_key *)h;
	return (m->view & HAS_VIEW) != 0 ? map_get(reg_of(m), m) : NULL;
}

/* The handle of record m's key: its own, or its key object's. */
static const espdiag_key *record_key(const esp_mkey *m)
{
	return (m->view & HAS_VIEW) != 0 ? map_get(reg_of(m), m)->handle : record_handle(m);
}

/* The parent's handle; NULL for the root. */
static const espdiag_key *key_up(const espdiag_key *h)
{
	const espdiag_key *k = view_of(h);
	if (k != NULL)
		return k->parent != NULL ? k->parent->handle : NULL;
	const esp_mkey *m = direct_key(h);
	return record_key(esp_memtree_key(m->tree, m->parent));
}

/* The key's name bytes (as the view spells it). */
static const char *key_name_of(const espdiag_key *h, size_t *len)
{
	const espdiag_key *k = view_of(h);
	if (k != NULL) {
		*len = k->name_len;
		return k->name;
	}
	const esp_mkey *m = direct_key(h);
	*len = m->name_len;
	return m->name;
}

/* --- key paths --- */

/* The length of key's path; SIZE_MAX when it does not fit in memory. */
static size_t path_length(const espdiag_key *k)
{
	size_t n = 0;
	for (const espdiag_key *p = key_up(k); p != NULL; k = p, p = key_up(k)) {
		size_t len;
		key_name_of(k, &len);
		size_t piece = len + (key_up(p) != NULL);
		if (piece < len || esp_add_overflows(n, piece, &n))
			return SIZE_MAX;
	}
	return n;
}

/* Writes bytes [len - keep, len) of key's path (len bytes long) to dst. */
static void path_fill_tail(char *dst, size_t keep, size_t len, const espdiag_key *k)
{
	size_t end = len, from = len - keep;
	for (const espdiag_key *p = key_up(k); p != NULL && end > from; k = p, p = key_up(k)) {
		size_t name_len;
		const char *name = key_name_of(k, &name_len);
		size_t start = end - name_len;
		size_t a = start > from ? start : from;
		if (end > a)
			memcpy(dst + (a - from), name + (a - start), end - a);
		end = start;
		if (key_up(p) != NULL) {
			if (end == from)
				break;
			dst[--end - from] = '\\';
		}
	}
}

/* The key's path for a message: its end when it is longer than size. */
static const char *path_for_message(char *buf, size_t size, const espdiag_key *k)
{
	size_t len = path_length(k);
	if (len == SIZE_MAX)
		return "(a path too long to spell)";
	if (len < size) {
		path_fill_tail(buf, len, len, k);
		buf[len] = '\0';
	} else {
		memcpy(buf, "...", 3);
		path_fill_tail(buf + 3, size - 4, len, k);
		buf[size - 1] = '\0';
	}
	return buf;
}

/* --- failures --- */

/* Records a failed read of the view: the message on the handle, and the
 * status as the view's sticky status when it is the first. callback names
 * the backend callback that failed (NULL: the view itself, e.g. out of
 * memory); k is the key being read (NULL: the mount point). A callback's
 * status other than the ones its contract allows becomes ESPDIAG_EBACKEND. */
static int read_failed(espdiag_registry *r, uint32_t src, const char *callback,
                       const espdiag_key *k, int rc)
{
	int status = rc < 0 ? rc : ESPDIAG_EBACKEND;
	char path[256], returned[48] = "";
	const char *where = k != NULL ? path_for_message(path, sizeof path, k)
	                              : r->sources[src].prefix;
	if (rc >= 0)
		snprintf(returned, sizeof returned, " (it returned %d)", rc);
	const char *label = r->sources[src].path;
	if (callback == NULL)
		esp_err_set(&r->err, status, "reading \"%s\": %s", where, espdiag_strerror(status));
	else if (*label != '\0')
		esp_err_set(&r->err, status, "%s: %s() failed at \"%s\": %s%s", label, callback,
		            where, espdiag_strerror(status), returned);
	else
		esp_err_set(&r->err, status, "backend mounted at \"%s\": %s() failed at \"%s\": %s%s",
		            r->sources[src].prefix, callback, where, espdiag_strerror(status),
		            returned);
	if (r->status == ESPDIAG_OK) {
		r->status = status;
		r->first_err = r->err;
	}
	return status;
}

int esp_registry_failure(espdiag_registry *reg, int rc)
{
	if (rc != ESPDIAG_OK || reg == NULL || reg->status == ESPDIAG_OK)
		return rc;
	reg->err = reg->first_err;
	return reg->status;
}

/* --- keys --- */

/* A key of nlayers layers: one is copied into the key, several are the
 * caller's arena array. */
static espdiag_key *new_key(espdiag_registry *r, espdiag_key *parent, const char *name,
                            size_t len, layer *layers, uint32_t nlayers)
{
	espdiag_key *k = esp_arena_alloc(&r->arena, sizeof *k);
	if (k == NULL)
		return NULL;
	memset(k, 0, sizeof *k);
	if (nlayers == 1) {
		k->first_layer = layers[0];
		k->layers = &k->first_layer;
	} else {
		k->layers = layers;
	}
	k->reg = r;
	k->parent = parent;
	k->handle = k;
	k->name = name;
	k->name_len = len;
	k->nlayers = nlayers;
	k->gen = r->gen;
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

/* The name hash of a handle's key. */
static uint32_t handle_hash(const espdiag_key *h)
{
	espdiag_key *k = view_of(h);
	if (k != NULL)
		return key_hash(k);
	uint32_t hash = direct_key(h)->hash;
	return hash != 0 ? hash : 1;
}

static bool handle_named(const espdiag_key *h, uint32_t hash, const char *name, size_t len)
{
	size_t hlen;
	const char *hname = key_name_of(h, &hlen);
	return handle_hash(h) == hash && esp_name_equal(hname, hlen, name, len);
}

static uint32_t value_hash(espdiag_value *v)
{
	if (v->hash == 0)
		v->hash = name_hash(v->name, v->name_len);
	return v->hash;
}

/* A value handle is a view object, or, with its low bit set, the source's
 * own esp_mvalue record (a key that one .reg source alone serves, whose
 * records neither move nor change while the view lives): such a key's
 * values cost the view nothing. Records are pointer-aligned, so the bit
 * is free; a tagged handle is never dereferenced as a view object. */
static const esp_mvalue *direct_value(const espdiag_value *v)
{
	uintptr_t p = (uintptr_t)v;
	return (p & 1) != 0 ? (const esp_mvalue *)(p - 1) : NULL;
}

static const espdiag_value *record_value(const esp_mvalue *v)
{
	return (const espdiag_value *)((uintptr_t)v + 1);
}

static const espdiag_value *value_handle(const espdiag_key *k, size_t index)
{
	if (k->values_direct)
		return record_value(&((const esp_mvalue *)(void *)k->values)[index]);
	return &k->values[index];
}

/* A value's fields, whichever its kind. */
typedef struct vfields {
	const char *name;
	size_t name_len;
	uint32_t type;
	const unsigned char *data;
	size_t size;
} vfields;

static vfields value_fields(const espdiag_value *value)
{
	const esp_mvalue *m = direct_value(value);
	if (m != NULL)
		return (vfields){ m->name, m->name_len, m->type, esp_mvalue_data(m), m->size };
	return (vfields){ value->name, value->name_len, value->type, value->data, value->size };
}

/* A NUL-terminated copy of name, kept in *slot. */
static const char *c_name(espdiag_registry *r, char **slot, const char *name, size_t len)
{
	if (*slot == NULL)
		*slot = esp_arena_strndup(&r->arena, name, len);
	return *slot;
}


/* --- the scratch merge table (over pending children or values) --- */

/* Clears a table for n entries; *mask gets its size - 1. */
static int table_reset(scratch *s, size_t n, size_t *mask)
{
	size_t slots = slots_for(n);
	if (slots == 0)
		return ESPDIAG_ELIMIT;
	if (slots > s->table_slots) {
		free(s->table);
		s->table = malloc(slots * sizeof *s->table);
		s->table_slots = s->table != NULL ? slots : 0;
		if (s->table == NULL)
			return ESPDIAG_ENOMEM;
	}
	memset(s->table, 0, slots * sizeof *s->table);
	*mask = slots - 1;
	return ESPDIAG_OK;
}

/* The slot holding name, or the empty slot where it goes. */
static uint32_t *pending_slot(scratch *s, size_t mask, const char *name, size_t len,
                              uint32_t hash)
{
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		uint32_t e = s->table[i];
		if (e == 0)
			return &s->table[i];
		const pending *p = &s->p[e - 1];
		if (p->hash == hash && esp_name_equal(p->name, p->len, name, len))
			return &s->table[i];
	}
}

/* The pending children grow with what the backend actually hands out
 * (not with the count it claims); the merge table is doubled to keep it
 * at most half full. */
static int pending_new(scratch *s, bool merge, size_t *mask, const char *name, size_t len,
                       uint32_t hash, layer l, uint32_t *out)
{
	if (s->np >= NONE - 1)
		return ESPDIAG_ELIMIT;
	if (esp_reserve_one((void **)&s->p, s->np, &s->cap_p, sizeof *s->p, 64) != ESPDIAG_OK)
		return ESPDIAG_ENOMEM;
	s->p[s->np] = (pending){ name, len, l, NULL, hash, 1, NONE, NONE, NONE, NULL };
	*out = (uint32_t)s->np++;
	if (!merge)
		return ESPDIAG_OK;
	if (2 * s->np > *mask + 1) {
		int rc = table_reset(s, s->np, mask);
		if (rc != ESPDIAG_OK)
			return rc;
		/* Rehash: every pending name is distinct. */
		for (size_t j = 0; j < s->np; j++)
			*pending_slot(s, *mask, s->p[j].name, s->p[j].len, s->p[j].hash) =
				(uint32_t)j + 1;
		return ESPDIAG_OK;
	}
	*pending_slot(s, *mask, name, len, hash) = *out + 1;
	return ESPDIAG_OK;
}

static int pending_add_layer(scratch *s, uint32_t j, layer l)
{
	pending *p = &s->p[j];
	if (p->nlayers == NONE || s->nm >= NONE - 1)
		return ESPDIAG_ELIMIT;
	if (esp_reserve_one((void **)&s->m, s->nm, &s->cap_m, sizeof *s->m, 16) != ESPDIAG_OK)
		return ESPDIAG_ENOMEM;
	uint32_t m = (uint32_t)s->nm++;
	s->m[m] = (more_layer){ l, NONE };
	if (p->more == NONE)
		p->more = m;
	else
		s->m[p->last].next = m;
	p->last = m;
	p->nlayers++;
	return ESPDIAG_OK;
}

/* Adds the roots of the sources mounted on a skeleton node as layers. */
static int add_mounted_roots(espdiag_registry *r, uint32_t j, espdiag_node skeleton_node)
{
	for (size_t i = 0; i < r->nmounts; i++) {
		if (r->mounts[i].skeleton_node != (esp_mnode)skeleton_node)
			continue;
		int rc = pending_add_layer(&r->s, j,
		                           (layer){ r->mounts[i].source, r->mounts[i].root });
		if (rc != ESPDIAG_OK)
			return rc;
	}
	return ESPDIAG_OK;
}

/* Layers sort by source, source 0 (the view's own keys) last. */
static uint32_t layer_rank(const layer *l)
{
	return l->source != 0 ? l->source : UINT32_MAX;
}

/* Puts a pending child's layers in order. They arrive in the parent's
 * layer order, which is sorted, except the roots mounted on a skeleton
 * key, which follow that key's layer (the last): an insertion sort moves
 * only those few. */
static void sort_layers(layer *l, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		layer x = l[i];
		uint32_t j = i;
		for (; j > 0 && layer_rank(&l[j - 1]) > layer_rank(&x); j--)
			l[j] = l[j - 1];
		l[j] = x;
	}
}

static bool same_layers(const espdiag_key *k, const layer *l, uint32_t n)
{
	if (k->nlayers != n)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (k->layers[i].source != l[i].source || k->layers[i].node != l[i].node)
			return false;
	return true;
}

static bool has_skeleton_layer(const layer *l, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (l[i].source == 0)
			return true;
	return false;
}

/* A key that a mount took out of the view (two keys of one name merged
 * into one, or a backend whose tree changed): it stays a valid object,
 * with no layers, subkeys or values. */
static void orphan(espdiag_key *k)
{
	k->nlayers = 0;
	k->gen = k->reg->gen;
	k->children = NULL;
	k->values = NULL;
	k->values_direct = false;
	k->nchildren = k->nvalues = 0;
	k->child_index = k->value_index = NULL;
	k->children_loaded = k->values_loaded = true;
}

/* Pairs each pending child with an existing child handle of its name
 * (reading children again after a mount), in order when a name repeats.
 * Key objects left unpaired are orphaned once the new children are in
 * place. */
static int pair_with_old(espdiag_key *k, scratch *s)
{
	size_t nold = k->nchildren;
	if (k->children == NULL || nold == 0)
		return ESPDIAG_OK;
	size_t slots = slots_for(nold);
	if (slots == 0 || nold >= NONE)
		return ESPDIAG_ELIMIT;
	size_t mask = slots - 1;
	/* Per slot: the first handle of a name + 1 (0: empty slot), the next
	 * one not yet paired and the last one; next chains a name's handles. */
	uint32_t *first = calloc(slots, sizeof *first);
	uint32_t *head = malloc(slots * sizeof *head);
	uint32_t *last = malloc(slots * sizeof *last);
	uint32_t *next = malloc(nold * sizeof *next);
	int rc = ESPDIAG_OK;
	if (first == NULL || head == NULL || last == NULL || next == NULL) {
		rc = ESPDIAG_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nold; i++) {
		const espdiag_key *c = k->children[i];
		uint32_t h = handle_hash(c);
		size_t clen;
		const char *cname = key_name_of(c, &clen);
		next[i] = NONE;
		for (size_t x = h & mask;; x = (x + 1) & mask) {
			if (first[x] == 0) {
				first[x] = (uint32_t)i + 1;
				head[x] = last[x] = (uint32_t)i;
				break;
			}
			if (handle_named(k->children[first[x] - 1], h, cname, clen)) {
				next[last[x]] = (uint32_t)i;
				last[x] = (uint32_t)i;
				break;
			}
		}
	}
	for (size_t j = 0; j < s->np; j++) {
		pending *p = &s->p[j];
		if (p->hash == 0) /* one layer: not hashed by load_children */
			p->hash = name_hash(p->name, p->len);
		for (size_t x = p->hash & mask; first[x] != 0; x = (x + 1) & mask) {
			if (!handle_named(k->children[first[x] - 1], p->hash, p->name, p->len))
				continue;
			if (head[x] != NONE) {
				p->old = head[x];
				head[x] = next[head[x]];
			}
			break;
		}
	}
out:
	free(first);
	free(head);
	free(last);
	free(next);
	return rc;
}

/* The record a pending child is served from alone, when it has one
 * layer from a .reg source and no key object yet; else NULL. */
static const esp_mkey *pending_record(const espdiag_registry *r, const pending *p)
{
	if (p->nlayers != 1)
		return NULL;
	const esp_mkey *m = layer_record(r, p->first);
	return m != NULL && (m->view & HAS_VIEW) == 0 ? m : NULL;
}

/* The handle of a key object made for a key that had none: the record
 * of a .reg source that served it alone until now, when there is one (a
 * caller may hold that handle; a key it served alone has no other
 * record without a key object), else the object itself. */
static const espdiag_key *merged_handle(const espdiag_registry *r, espdiag_key *k)
{
	for (uint32_t i = 0; i < k->nlayers; i++) {
		const esp_mkey *m = layer_record(r, k->layers[i]);
		if (m != NULL && (m->view & HAS_VIEW) == 0)
			return record_handle(m);
	}
	return k;
}

/* Turns the pending children into k's children: existing key objects
 * paired by name get their new layers; a key that one .reg source alone
 * serves is its record; the others are made. Nothing of k or its old
 * children changes until every allocation succeeded. */
static int commit_children(espdiag_key *k)
{
	espdiag_registry *r = k->reg;
	scratch *s = &r->s;
	int rc = pair_with_old(k, s);
	if (rc != ESPDIAG_OK)
		return rc;
	const espdiag_key **children = NULL;
	if (s->np > 0) {
		children = esp_arena_calloc(&r->arena, s->np, sizeof *children);
		if (children == NULL)
			return ESPDIAG_ENOMEM;
	}
	size_t mapped = 0;
	for (size_t j = 0; j < s->np; j++) {
		pending *p = &s->p[j];
		p->layers = &p->first;
		p->made = NULL;
		if (p->nlayers > 1) {
			p->layers = esp_arena_calloc(&r->arena, p->nlayers, sizeof *p->layers);
			if (p->layers == NULL)
				return ESPDIAG_ENOMEM;
			p->layers[0] = p->first;
			uint32_t n = 1;
			for (uint32_t m = p->more; m != NONE; m = s->m[m].next)
				p->layers[n++] = s->m[m].l;
			sort_layers(p->layers, n);
		}
		const espdiag_key *old = p->old != NONE ? k->children[p->old] : NULL;
		const esp_mkey *alone = pending_record(r, p);
		if (alone != NULL && (old == NULL || direct_key(old) == alone)) {
			children[j] = record_handle(alone);
			continue;
		}
		mapped += record_layers(r, p->layers, p->nlayers);
		if (old != NULL && view_of(old) != NULL) {
			children[j] = old;
			continue;
		}
		/* A new key, or a record that a mount merged with another
		 * source's key: a key object, which the record's handle, when
		 * one was handed out, goes on naming. */
		p->made = new_key(r, k, p->name, p->len, p->layers, p->nlayers);
		if (p->made == NULL)
			return ESPDIAG_ENOMEM;
		if (old != NULL)
			p->made->handle = old;
		else
			p->made->handle = merged_handle(r, p->made);
		children[j] = p->made->handle;
	}
	rc = map_reserve(r, mapped);
	if (rc != ESPDIAG_OK)
		return rc;
	const espdiag_key **old = k->children;
	size_t nold = k->nchildren;
	for (size_t j = 0; j < s->np; j++) {
		pending *p = &s->p[j];
		if (p->made != NULL) {
			map_layers(r, p->made);
			continue;
		}
		espdiag_key *c = view_of(children[j]);
		if (c == NULL) {
			/* Served alone, as of this generation. */
			((esp_mkey *)direct_key(children[j]))->view = r->gen & GEN_BITS;
			continue;
		}
		const layer *l = p->layers;
		c->gen = r->gen;
		if (!same_layers(c, l, p->nlayers)) {
			if (p->nlayers == 1) {
				c->first_layer = p->first;
				c->layers = &c->first_layer;
			} else {
				c->layers = p->layers;
			}
			c->nlayers = p->nlayers;
			c->values_loaded = false;
			c->values = NULL;
			c->values_direct = false;
			c->value_index = NULL;
			c->children_loaded = false;
			map_layers(r, c);
		} else if (has_skeleton_layer(l, p->nlayers)) {
			/* The skeleton below it may have grown. */
			c->children_loaded = false;
		}
		/* else: the same layers and no mount point below: its whole
		 * loaded subtree stays as it is (see key_sync). */
		if (c->name != p->name || c->name_len != p->len) {
			c->name = p->name;
			c->name_len = p->len;
			c->cname = NULL;
			c->hash = 0;
		}
	}
	for (size_t i = 0; i < nold; i++) {
		espdiag_key *c = view_of(old[i]);
		if (c != NULL && c->gen != r->gen)
			orphan(c);
	}
	k->children = children;
	k->nchildren = s->np;
	k->child_index = NULL;
	k->children_loaded = true;
	return ESPDIAG_OK;
}

/* Reads k's children from its layers (k is up to date). Several layers
 * merge by name, in layer order; one layer is taken as it is. */
static int load_children(espdiag_key *k)
{
	if (k->children_loaded)
		return ESPDIAG_OK;
	espdiag_registry *r = k->reg;
	scratch *s = &r->s;
	bool merge = k->nlayers > 1;
	size_t mask = 0;
	s->np = s->nm = 0;
	int rc = merge ? table_reset(s, 0, &mask) : ESPDIAG_OK;
	if (rc != ESPDIAG_OK)
		return read_failed(r, 0, NULL, k, rc);
	for (uint32_t li = 0; li < k->nlayers; li++) {
		uint32_t src = k->layers[li].source;
		espdiag_node node = k->layers[li].node;
		espdiag_backend *b = backend_of(r, src);
		size_t count = 0;
		rc = b->subkey_count(b, node, &count);
		if (rc != ESPDIAG_OK)
			return read_failed(r, src, "subkey_count", k, rc);
		for (size_t i = 0; i < count; i++) {
			layer l = { src, 0 };
			const char *name;
			size_t len;
			rc = b->subkey_at(b, node, i, &l.node);
			if (rc != ESPDIAG_OK)
				return read_failed(r, src, "subkey_at", k, rc);
			rc = b->key_name(b, l.node, &name, &len);
			if (rc != ESPDIAG_OK)
				return read_failed(r, src, "key_name", k, rc);
			/* Hashed only to merge: a key of one layer (a hive's,
			 * say) hashes its children's names when one is looked up
			 * (key_hash), not on every walk. */
			uint32_t hash = merge ? name_hash(name, len) : 0;
			uint32_t j = NONE;
			if (merge) {
				uint32_t e = *pending_slot(s, mask, name, len, hash);
				j = e != 0 ? e - 1 : NONE;
			}
			if (j == NONE)
				rc = pending_new(s, merge, &mask, name, len, hash, l, &j);
			else
				rc = pending_add_layer(s, j, l);
			/* A skeleton key may be a mount point. */
			if (rc == ESPDIAG_OK && src == 0)
				rc = add_mounted_roots(r, j, l.node);
			if (rc != ESPDIAG_OK)
				return read_failed(r, src, NULL, k, rc);
		}
	}
	rc = commit_children(k);
	if (rc != ESPDIAG_OK)
		return read_failed(r, 0, NULL, k, rc);
	return ESPDIAG_OK;
}

/* The slot of the merge table holding the value named name among v, or
 * the empty slot where it goes. */
static uint32_t *value_slot(scratch *s, size_t mask, espdiag_value *v, const char *name,
                            size_t len, uint32_t hash)
{
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		uint32_t e = s->table[i];
		if (e == 0)
			return &s->table[i];
		espdiag_value *o = &v[e - 1];
		if (value_hash(o) == hash && esp_name_equal(o->name, o->name_len, name, len))
			return &s->table[i];
	}
}

/* Reads k's values (k is up to date). With several layers, the first
 * layer holding a name serves it. The array is the arena's last
 * allocation while it fills, so a failure gives it back. */
static int load_values(espdiag_key *k)
{
	if (k->values_loaded)
		return ESPDIAG_OK;
	espdiag_registry *r = k->reg;
	scratch *s = &r->s;
	size_t total = 0;
	const esp_mkey *m = k->nlayers == 1 ? layer_record(r, k->layers[0]) : NULL;
	if (m != NULL) {
		/* One .reg source: its records are the value objects. */
		k->values = (espdiag_value *)(void *)m->values;
		k->values_direct = true;
		k->nvalues = m->nvalues;
		k->value_index = NULL;
		k->values_loaded = true;
		return ESPDIAG_OK;
	}
	if (k->nlayers > s->cap_counts) {
		size_t *c = realloc(s->counts, k->nlayers * sizeof *c);
		if (c == NULL)
			return read_failed(r, 0, NULL, k, ESPDIAG_ENOMEM);
		s->counts = c;
		s->cap_counts = k->nlayers;
	}
	for (uint32_t li = 0; li < k->nlayers; li++) {
		espdiag_backend *b = backend_of(r, k->layers[li].source);
		int rc = b->value_count(b, k->layers[li].node, &s->counts[li]);
		if (rc != ESPDIAG_OK)
			return read_failed(r, k->layers[li].source, "value_count", k, rc);
		if (esp_add_overflows(total, s->counts[li], &total))
			return read_failed(r, 0, NULL, k, ESPDIAG_ELIMIT);
	}
	if (total == 0) {
		k->values = NULL;
		k->values_direct = false;
		k->nvalues = 0;
		k->value_index = NULL;
		k->values_loaded = true;
		return ESPDIAG_OK;
	}
	bool merge = k->nlayers > 1;
	size_t bytes, mask = 0;
	if (esp_mul_overflows(total, sizeof(espdiag_value), &bytes) || total >= NONE)
		return read_failed(r, 0, NULL, k, ESPDIAG_ELIMIT);
	if (merge) {
		int rc = table_reset(s, total, &mask);
		if (rc != ESPDIAG_OK)
			return read_failed(r, 0, NULL, k, rc);
	}
	espdiag_value *v = esp_arena_alloc(&r->arena, bytes);
	if (v == NULL)
		return read_failed(r, 0, NULL, k, ESPDIAG_ENOMEM);
	size_t n = 0;
	for (uint32_t li = 0; li < k->nlayers; li++) {
		uint32_t src = k->layers[li].source;
		espdiag_backend *b = backend_of(r, src);
		for (size_t i = 0; i < s->counts[li]; i++) {
			espdiag_backend_value bv;
			int rc = b->value_at(b, k->layers[li].node, i, &bv);
			if (rc != ESPDIAG_OK) {
				esp_arena_shrink(&r->arena, v, bytes, 0);
				return read_failed(r, src, "value_at", k, rc);
			}
			uint32_t hash = 0, *slot = NULL;
			if (merge) {
				hash = name_hash(bv.name, bv.name_len);
				slot = value_slot(s, mask, v, bv.name, bv.name_len, hash);
				/* The source mounted first serves a name two share;
				 * within the first layer every value shows. */
				if (*slot != 0 && li > 0)
					continue;
			}
			v[n] = (espdiag_value){ .reg = r, .name = bv.name, .name_len = bv.name_len,
			                        .type = bv.type, .data = bv.data, .size = bv.size,
			                        .hash = hash };
			if (slot != NULL && *slot == 0)
				*slot = (uint32_t)n + 1;
			n++;
		}
	}
	esp_arena_shrink(&r->arena, v, bytes, n * sizeof *v);
	k->values = v;
	k->values_direct = false;
	k->nvalues = n;
	k->value_index = NULL;
	k->values_loaded = true;
	return ESPDIAG_OK;
}

/* Brings k's layers up to the current mount generation: the stale
 * ancestor nearest the root has its parent's children read again, which
 * updates it (and any of its stale siblings) in place; repeat down to k.
 * A stale key whose parent kept its children across the mount has the
 * same layers as before. */
static int key_sync(espdiag_key *k)
{
	espdiag_registry *r = k->reg;
	while (k->gen != r->gen) {
		espdiag_key *a = k;
		/* The root is always current (espdiag_registry_mount). */
		while (a->parent->gen != r->gen)
			a = a->parent;
		espdiag_key *p = a->parent;
		if (p->nlayers == 0) {
			orphan(a);
		} else if (p->children_loaded) {
			a->gen = r->gen;
		} else {
			int rc = load_children(p);
			if (rc != ESPDIAG_OK)
				return rc;
			if (a->gen != r->gen)
				orphan(a);
		}
	}
	return ESPDIAG_OK;
}

/* --- lookup indexes --- */

/* An index over n entries whose hashes hash_at gives; NULL when out of
 * memory (lookups then scan). */
static name_index *index_build(espdiag_registry *r, size_t n,
                               uint32_t (*hash_at)(void *entries, size_t i), void *entries,
                               bool (*equal_at)(void *entries, size_t i, size_t j))
{
	size_t slots = slots_for(n);
	if (slots == 0 || n >= NONE)
		return NULL;
	name_index *x = esp_arena_alloc(&r->arena, sizeof *x + slots * sizeof x->slot[0]);
	if (x == NULL)
		return NULL;
	x->mask = (uint32_t)(slots - 1);
	memset(x->slot, 0, slots * sizeof x->slot[0]);
	for (size_t i = 0; i < n; i++) {
		uint32_t h = hash_at(entries, i);
		for (size_t s = h & x->mask;; s = (s + 1) & x->mask) {
			uint32_t e = x->slot[s];
			if (e == 0) {
				x->slot[s] = (uint32_t)i + 1;
				break;
			}
			/* A repeated name: the first one is found. */
			if (hash_at(entries, e - 1) == h && equal_at(entries, e - 1, i))
				break;
		}
	}
	return x;
}

static uint32_t child_hash_at(void *entries, size_t i)
{
	return handle_hash(((const espdiag_key **)entries)[i]);
}

static bool child_equal_at(void *entries, size_t i, size_t j)
{
	const espdiag_key *a = ((const espdiag_key **)entries)[i];
	size_t len;
	const char *name = key_name_of(((const espdiag_key **)entries)[j], &len);
	return handle_named(a, child_hash_at(entries, j), name, len);
}

static uint32_t value_hash_at(void *entries, size_t i)
{
	return value_hash(&((espdiag_value *)entries)[i]);
}

static bool value_equal_at(void *entries, size_t i, size_t j)
{
	espdiag_value *a = &((espdiag_value *)entries)[i], *b = &((espdiag_value *)entries)[j];
	return esp_name_equal(a->name, a->name_len, b->name, b->name_len);
}

/* The child of k (children loaded) named name; NULL when none. */
static const espdiag_key *child_named(espdiag_key *k, const char *name, size_t len)
{
	uint32_t hash = name_hash(name, len);
	if (k->nchildren > INDEX_MIN && k->child_index == NULL)
		k->child_index = index_build(k->reg, k->nchildren, child_hash_at, k->children,
		                             child_equal_at);
	if (k->child_index != NULL) {
		const name_index *x = k->child_index;
		for (size_t s = hash & x->mask; x->slot[s] != 0; s = (s + 1) & x->mask) {
			const espdiag_key *c = k->children[x->slot[s] - 1];
			if (handle_named(c, hash, name, len))
				return c;
		}
		return NULL;
	}
	for (size_t i = 0; i < k->nchildren; i++) {
		const espdiag_key *c = k->children[i];
		if (handle_named(c, hash, name, len))
			return c;
	}
	return NULL;
}

/* The value of k (values loaded) named name; NULL when none. */
static espdiag_value *value_named(espdiag_key *k, const char *name, size_t len)
{
	uint32_t hash = name_hash(name, len);
	if (k->nvalues > INDEX_MIN && k->value_index == NULL)
		k->value_index = index_build(k->reg, k->nvalues, value_hash_at, k->values,
		                             value_equal_at);
	if (k->value_index != NULL) {
		const name_index *x = k->value_index;
		for (size_t s = hash & x->mask; x->slot[s] != 0; s = (s + 1) & x->mask) {
			espdiag_value *v = &k->values[x->slot[s] - 1];
			if (value_hash(v) == hash && esp_name_equal(v->name, v->name_len, name, len))
				return v;
		}
		return NULL;
	}
	for (size_t i = 0; i < k->nvalues; i++) {
		espdiag_value *v = &k->values[i];
		if (value_hash(v) == hash && esp_name_equal(v->name, v->name_len, name, len))
			return v;
	}
	return NULL;
}

/* A handle as the view holds it now: a key object brought up to date
 * (v), or a record still served alone (m). */
typedef struct kref {
	espdiag_key *v;
	const esp_mkey *m;
} kref;

static int key_ref(const espdiag_key *h, kref *out)
{
	const esp_mkey *m = direct_key(h);
	out->v = NULL;
	out->m = m;
	if (m == NULL) {
		out->v = (espdiag_key *)h;
		return key_sync(out->v);
	}
	espdiag_registry *r = reg_of(m);
	for (int pass = 0;; pass++) {
		if ((m->view & HAS_VIEW) != 0) {
			out->v = map_get(r, m);
			out->m = NULL;
			return key_sync(out->v);
		}
		if ((m->view & GEN_BITS) == (r->gen & GEN_BITS) || pass > 0) {
			((esp_mkey *)m)->view = r->gen & GEN_BITS;
			return ESPDIAG_OK;
		}
		/* A mount since it was handed out: reading its parent's children
		 * again says whether a source now shares it (then it has a key
		 * object) or it is still served alone (a parent served alone
		 * has only children served alone). */
		kref p;
		int rc = key_ref(key_up(h), &p);
		if (rc == ESPDIAG_OK && p.v != NULL)
			rc = load_children(p.v);
		if (rc != ESPDIAG_OK)
			return rc;
	}
}

/* The handle of m's index-th child (m current, so the child is too). */
static const espdiag_key *record_child(const esp_mkey *m, size_t index)
{
	esp_mkey *c = esp_memtree_key(m->tree, m->children[index]);
	if ((c->view & HAS_VIEW) != 0)
		return record_key(c);
	c->view = m->view;
	return record_handle(c);
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
	free(reg->s.p);
	free(reg->s.m);
	free(reg->s.table);
	free(reg->s.counts);
	free(reg->path_buf);
	free(reg->map);
	esp_arena_free(&reg->arena);
	free(reg);
}

ESPDIAG_API const char *espdiag_registry_errmsg(const espdiag_registry *reg)
{
	return reg != NULL ? reg->err.msg : "";
}

ESPDIAG_API int espdiag_registry_status(const espdiag_registry *reg)
{
	return reg != NULL ? reg->status : ESPDIAG_EINVAL;
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

/* Spells the prefix (first pass: nothing changes yet). */
static int canon_component(void *ctx, const char *name, size_t len)
{
	struct mount_walk *w = ctx;
	if (w->canon_len + len + 2 > w->canon_cap)
		return ESPDIAG_ELIMIT;
	if (w->canon_len > 0)
		w->canon[w->canon_len++] = '\\';
	memcpy(w->canon + w->canon_len, name, len);
	w->canon_len += len;
	w->canon[w->canon_len] = '\0';
	return ESPDIAG_OK;
}

/* Makes the prefix's keys in the skeleton (second pass). */
static int mount_component(void *ctx, const char *name, size_t len)
{
	struct mount_walk *w = ctx;
	return esp_memtree_child(w->reg->skeleton, w->node, name, len, true, &w->node);
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
	int rc = for_each_component(prefix, true, canon_component, &w);
	if (rc != ESPDIAG_OK)
		return esp_err_set(&reg->err, rc, "mount prefix \"%s\": %s", prefix,
		                   espdiag_strerror(rc));
	/* The root before anything changes: a backend that cannot give it is
	 * not mounted, and the view stays as it was. */
	espdiag_node root;
	rc = backend->root(backend, &root);
	if (rc != ESPDIAG_OK) {
		int status = rc < 0 ? rc : ESPDIAG_EBACKEND;
		char returned[48] = "";
		if (rc > 0)
			snprintf(returned, sizeof returned, " (it returned %d)", rc);
		return esp_err_set(&reg->err, status, "backend mounted at \"%s\": root() failed: %s%s",
		                   canon, espdiag_strerror(status), returned);
	}
	rc = for_each_component(prefix, true, mount_component, &w);
	if (rc != ESPDIAG_OK)
		return esp_err_set(&reg->err, rc, "mount prefix \"%s\": %s", prefix,
		                   espdiag_strerror(rc));
	mount *m = realloc(reg->mounts, (reg->nmounts + 1) * sizeof *m);
	if (m == NULL)
		return esp_err_set(&reg->err, ESPDIAG_ENOMEM, "out of memory");
	reg->mounts = m;
	espdiag_key *top = reg->root;
	layer *l = NULL;
	if (w.node == esp_memtree_root(reg->skeleton)) {
		l = esp_arena_calloc(&reg->arena, top->nlayers + 1, sizeof *l);
		if (l == NULL)
			return esp_err_set(&reg->err, ESPDIAG_ENOMEM, "out of memory");
	}
	/* Room for the map entry of a .reg source's root mounted at the
	 * root (added below), before the source is added. */
	uint32_t src;
	rc = l != NULL ? map_reserve(reg, 1) : ESPDIAG_OK;
	if (rc == ESPDIAG_OK)
		rc = add_source(reg, backend, "", canon, &src);
	if (rc != ESPDIAG_OK)
		return esp_err_set(&reg->err, rc, "out of memory");
	reg->mounts[reg->nmounts++] = (mount){ w.node, src, root };
	/* The root's layers are fixed at creation: a mount at the root adds
	 * one, before the skeleton's (the last). */
	if (l != NULL) {
		memcpy(l, top->layers, top->nlayers * sizeof *l);
		l[top->nlayers] = (layer){ src, root };
		sort_layers(l, top->nlayers + 1);
		top->layers = l;
		top->nlayers++;
		top->values_loaded = false;
		top->values_direct = false;
		top->value_index = NULL;
		map_layers(reg, top);
	}
	/* Every other key is brought up to date when next used (key_sync);
	 * the root's children are read again, reusing the key objects. */
	reg->gen++;
	top->gen = reg->gen;
	top->children_loaded = false;
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
	 * rather than through 2 MiB of 4 KiB page faults. Not for a hive read
	 * on demand (in->fetch): a lookup there must cost what it reads. */
	if (in->size >= VIEW_BIG_SOURCE && in->fetch == NULL)
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

int esp_registry_label_source(espdiag_registry *reg, size_t index, const char *path,
                              const char *member, const char *members)
{
	if (reg == NULL || index + 1 >= reg->nsources)
		return ESPDIAG_EINVAL;
	source *s = &reg->sources[index + 1];
	const char *p = path != NULL ? esp_arena_strndup(&reg->arena, path, strlen(path)) : NULL;
	const char *m = member != NULL ? esp_arena_strndup(&reg->arena, member, strlen(member)) : NULL;
	const char *ms = members != NULL ? esp_arena_strndup(&reg->arena, members, strlen(members))
	                                 : NULL;
	if ((path != NULL && p == NULL) || (member != NULL && m == NULL) ||
	    (members != NULL && ms == NULL))
		return ESPDIAG_ENOMEM;
	if (p != NULL)
		s->path = p;
	s->member = m;
	s->members = ms;
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

struct lookup_walk {
	const espdiag_key *key;
};

static int lookup_component(void *ctx, const char *name, size_t len)
{
	struct lookup_walk *w = ctx;
	kref k;
	int rc = key_ref(w->key, &k);
	if (rc != ESPDIAG_OK)
		return rc;
	if (k.m != NULL) {
		size_t pos;
		rc = esp_mkey_find(k.m, false, name, len, &pos);
		if (rc == ESPDIAG_OK)
			w->key = record_child(k.m, pos);
		return rc;
	}
	rc = load_children(k.v);
	if (rc != ESPDIAG_OK)
		return rc;
	const espdiag_key *c = child_named(k.v, name, len);
	if (c == NULL)
		return ESPDIAG_NOTFOUND;
	w->key = c;
	return ESPDIAG_OK;
}

ESPDIAG_API int espdiag_key_subkey(const espdiag_key **out, const espdiag_key *key,
                                   const char *relpath)
{
	if (out == NULL || key == NULL || relpath == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	kref k;
	int rc = key_ref(key, &k);
	if (rc != ESPDIAG_OK)
		return rc;
	struct lookup_walk w = { key };
	rc = for_each_component(relpath, k.v != NULL && k.v->parent == NULL, lookup_component, &w);
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
	kref k;
	/* A mount can respell a key; on failure the old spelling stays. */
	key_ref(key, &k);
	if (k.v == NULL)
		return direct_key(key)->name; /* NUL-terminated in the record */
	return c_name(k.v->reg, &k.v->cname, k.v->name, k.v->name_len);
}

const char *esp_key_name_bytes(const espdiag_key *key, size_t *len)
{
	kref k;
	key_ref(key, &k);
	return key_name_of(key, len);
}

const char *esp_value_name_bytes(const espdiag_value *value, size_t *len)
{
	vfields f = value_fields(value);
	*len = f.name_len;
	return f.name;
}

ESPDIAG_API size_t espdiag_key_name_len(const espdiag_key *key)
{
	if (key == NULL)
		return 0;
	kref k;
	size_t len;
	key_ref(key, &k);
	key_name_of(key, &len);
	return len;
}

ESPDIAG_API const char *espdiag_key_path(const espdiag_key *key)
{
	if (key == NULL)
		return NULL;
	kref k;
	key_ref(key, &k);
	espdiag_registry *r = k.v != NULL ? k.v->reg : reg_of(k.m);
	size_t len = path_length(key);
	if (len == SIZE_MAX)
		return NULL;
	if (len >= r->path_cap) {
		size_t cap = r->path_cap ? r->path_cap : 256;
		while (cap <= len)
			cap = cap > SIZE_MAX / 2 ? len + 1 : cap * 2;
		char *p = malloc(cap);
		if (p == NULL)
			return NULL;
		free(r->path_buf);
		r->path_buf = p;
		r->path_cap = cap;
	}
	path_fill_tail(r->path_buf, len, len, key);
	r->path_buf[len] = '\0';
	return r->path_buf;
}

ESPDIAG_API int espdiag_key_path_copy(char **out, const espdiag_key *key)
{
	if (out == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	if (key == NULL)
		return ESPDIAG_EINVAL;
	kref k;
	key_ref(key, &k);
	size_t len = path_length(key);
	if (len == SIZE_MAX)
		return ESPDIAG_ENOMEM;
	char *p = malloc(len + 1);
	if (p == NULL)
		return ESPDIAG_ENOMEM;
	path_fill_tail(p, len, len, key);
	p[len] = '\0';
	*out = p;
	return ESPDIAG_OK;
}

ESPDIAG_API const espdiag_key *espdiag_key_parent(const espdiag_key *key)
{
	return key != NULL ? key_up(key) : NULL;
}

ESPDIAG_API int espdiag_key_last_write(const espdiag_key *key, uint64_t *out)
{
	if (key == NULL || out == NULL)
		return ESPDIAG_EINVAL;
	kref k;
	int rc = key_ref(key, &k);
	if (rc != ESPDIAG_OK)
		return rc;
	/* A record served alone is a .reg key's: the text has no times. */
	if (k.v == NULL)
		return ESPDIAG_NOTFOUND;
	for (uint32_t i = 0; i < k.v->nlayers; i++) {
		uint32_t src = k.v->layers[i].source;
		espdiag_backend *b = backend_of(k.v->reg, src);
		if (b->key_last_write == NULL)
			continue;
		rc = b->key_last_write(b, k.v->layers[i].node, out);
		if (rc == ESPDIAG_OK)
			return ESPDIAG_OK;
		if (rc != ESPDIAG_NOTFOUND)
			return read_failed(k.v->reg, src, "key_last_write", k.v, rc);
	}
	return ESPDIAG_NOTFOUND;
}

/* The key with its children read. */
static int key_children(const espdiag_key *key, kref *k)
{
	int rc = key_ref(key, k);
	return rc != ESPDIAG_OK || k->v == NULL ? rc : load_children(k->v);
}

ESPDIAG_API int espdiag_key_get_subkey_count(size_t *out, const espdiag_key *key)
{
	if (out == NULL || key == NULL)
		return ESPDIAG_EINVAL;
	*out = 0;
	kref k;
	int rc = key_children(key, &k);
	if (rc != ESPDIAG_OK)
		return rc;
	*out = k.v != NULL ? k.v->nchildren : k.m->nchildren;
	return ESPDIAG_OK;
}

ESPDIAG_API size_t espdiag_key_subkey_count(const espdiag_key *key)
{
	size_t n = 0;
	espdiag_key_get_subkey_count(&n, key);
	return n;
}

ESPDIAG_API int espdiag_key_subkey_at(const espdiag_key **out, const espdiag_key *key,
                                      size_t index)
{
	if (out == NULL || key == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	kref k;
	int rc = key_children(key, &k);
	if (rc != ESPDIAG_OK)
		return rc;
	if (index >= (k.v != NULL ? k.v->nchildren : k.m->nchildren))
		return ESPDIAG_NOTFOUND;
	*out = k.v != NULL ? k.v->children[index] : record_child(k.m, index);
	return ESPDIAG_OK;
}

/* The key with its values read. */
static int key_values(const espdiag_key *key, kref *k)
{
	int rc = key_ref(key, k);
	return rc != ESPDIAG_OK || k->v == NULL ? rc : load_values(k->v);
}

ESPDIAG_API int espdiag_key_get_value_count(size_t *out, const espdiag_key *key)
{
	if (out == NULL || key == NULL)
		return ESPDIAG_EINVAL;
	*out = 0;
	kref k;
	int rc = key_values(key, &k);
	if (rc != ESPDIAG_OK)
		return rc;
	*out = k.v != NULL ? k.v->nvalues : k.m->nvalues;
	return ESPDIAG_OK;
}

ESPDIAG_API size_t espdiag_key_value_count(const espdiag_key *key)
{
	size_t n = 0;
	espdiag_key_get_value_count(&n, key);
	return n;
}

ESPDIAG_API int espdiag_key_value_at(const espdiag_value **out, const espdiag_key *key,
                                     size_t index)
{
	if (out == NULL || key == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	kref k;
	int rc = key_values(key, &k);
	if (rc != ESPDIAG_OK)
		return rc;
	if (index >= (k.v != NULL ? k.v->nvalues : k.m->nvalues))
		return ESPDIAG_NOTFOUND;
	*out = k.v != NULL ? value_handle(k.v, index) : record_value(&k.m->values[index]);
	return ESPDIAG_OK;
}

ESPDIAG_API int espdiag_key_value(const espdiag_value **out, const espdiag_key *key,
                                  const char *name)
{
	if (out == NULL || key == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	kref k;
	int rc = key_values(key, &k);
	if (rc != ESPDIAG_OK)
		return rc;
	if (name == NULL)
		name = "";
	const esp_mkey *m = k.m;
	if (m == NULL && k.v->values_direct)
		m = layer_record(k.v->reg, k.v->layers[0]);
	if (m != NULL) {
		size_t pos;
		rc = esp_mkey_find(m, true, name, strlen(name), &pos);
		if (rc == ESPDIAG_OK)
			*out = record_value(&m->values[pos]);
		return rc;
	}
	espdiag_value *v = value_named(k.v, name, strlen(name));
	if (v == NULL)
		return ESPDIAG_NOTFOUND;
	*out = v;
	return ESPDIAG_OK;
}

/* --- values --- */

ESPDIAG_API const char *espdiag_value_name(const espdiag_value *value)
{
	if (value == NULL)
		return NULL;
	const esp_mvalue *m = direct_value(value);
	if (m != NULL)
		return m->name; /* NUL-terminated in the record */
	espdiag_value *v = (espdiag_value *)value;
	return c_name(v->reg, &v->cname, v->name, v->name_len);
}

ESPDIAG_API size_t espdiag_value_name_len(const espdiag_value *value)
{
	return value != NULL ? value_fields(value).name_len : 0;
}

ESPDIAG_API uint32_t espdiag_value_type(const espdiag_value *value)
{
	return value != NULL ? value_fields(value).type : 0;
}

ESPDIAG_API const unsigned char *espdiag_value_data(const espdiag_value *value)
{
	return value != NULL ? value_fields(value).data : NULL;
}

ESPDIAG_API size_t espdiag_value_size(const espdiag_value *value)
{
	return value != NULL ? value_fields(value).size : 0;
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
	vfields f = value_fields(value);
	if (f.size != 4)
		return ESPDIAG_ETYPE;
	const unsigned char *d = f.data;
	if (f.type == ESPDIAG_REG_DWORD)
		*out = esp_le32(d);
	else if (f.type == ESPDIAG_REG_DWORD_BIG_ENDIAN)
		*out = ((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) | ((uint32_t)d[2] << 8) | d[3];
	else
		return ESPDIAG_ETYPE;
	return ESPDIAG_OK;
}

ESPDIAG_API int espdiag_value_get_qword(const espdiag_value *value, uint64_t *out)
{
	if (value == NULL || out == NULL)
		return ESPDIAG_EINVAL;
	vfields f = value_fields(value);
	if (f.type == ESPDIAG_REG_QWORD && f.size == 8) {
		*out = esp_le64(f.data);
		return ESPDIAG_OK;
	}
	uint32_t d;
	if (f.type == ESPDIAG_REG_DWORD && espdiag_value_get_dword(value, &d) == ESPDIAG_OK) {
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
	vfields f = value_fields(value);
	if (!is_string_type(f.type))
		return ESPDIAG_ETYPE;
	return esp_utf16le_to_utf8(out, NULL, f.data, f.size, true);
}

ESPDIAG_API int espdiag_value_get_multi_string(char ***out, size_t *count,
                                               const espdiag_value *value)
{
	if (out == NULL || value == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	vfields f = value_fields(value);
	if (f.type != ESPDIAG_REG_MULTI_SZ)
		return ESPDIAG_ETYPE;
	char *utf8;
	size_t len;
	/* Convert the whole block (NULs kept), then cut it at the NULs. */
	int rc = esp_utf16le_to_utf8(&utf8, &len, f.data, f.size, false);
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
	vfields f = value_fields(value);
	*out = f.data;
	*size = f.size;
	return ESPDIAG_OK;
}

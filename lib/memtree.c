/* lib/memtree.c - the in-memory registry tree and its backend ops table.
 * Keys live in one growable array (a key is its index); children and
 * values are arena arrays that double when full. A key with few children
 * (or values) is searched by scanning them, comparing stored name hashes
 * first; past INDEX_AT entries, its entries also go into one
 * open-addressing hash table keyed by (owner key, case-folded name), so
 * that wide keys stay linear to fill without the table's cache misses on
 * the many small ones. */
#include <stdlib.h>
#include <string.h>

#include "memtree.h"
#include "unicode.h"

typedef struct mvalue {
	const char *name;
	uint32_t name_len;
	uint32_t hash;
	uint32_t type;
	const unsigned char *data;
	size_t size;
} mvalue;

typedef struct mkey {
	const char *name;
	uint32_t name_len;
	uint32_t hash;
	bool children_indexed, values_indexed; /* entries are in the hash table */
	uint32_t nchildren, cap_children;
	uint32_t nvalues, cap_values;
	uint32_t *children;
	mvalue *values;
} mkey;

enum { SLOT_EMPTY = 0, SLOT_CHILD = 1, SLOT_VALUE = 2, SLOT_DEAD = 3 };

typedef struct slot {
	uint32_t hash;
	uint32_t owner;  /* key index */
	uint32_t index;  /* child key index, or position in the owner's values */
	uint32_t kind;
} slot;

#define MAX_PROPERTIES 8
/* Entries a key holds before they are indexed in the hash table. */
#define INDEX_AT 16
#define MAX_KEYS ((uint32_t)0x7FFFFFFF)

struct esp_memtree {
	espdiag_backend backend; /* first: the backend pointer is the tree pointer */
	esp_arena arena;
	/* Children and value arrays each come from an arena of their own: a
	 * key's values arrive together, so its array is that arena's last
	 * allocation and doubles in place instead of leaving a copy behind. */
	esp_arena child_arrays, value_arrays;
	mkey *keys;
	uint32_t nkeys, cap_keys;
	slot *slots;
	size_t nslots, used_slots; /* used counts live and dead entries */
	esp_warnings warnings;
	struct {
		const char *name, *value;
	} props[MAX_PROPERTIES];
	size_t nprops;
};

static uint32_t mix(uint32_t h, uint32_t owner)
{
	uint32_t x = h ^ (owner * 0x9E3779B1u);
	x ^= x >> 16;
	x *= 0x85EBCA6Bu;
	x ^= x >> 13;
	return x;
}

int esp_memtree_new(esp_memtree **out)
{
	esp_memtree *t = calloc(1, sizeof *t);
	if (t == NULL)
		return ESPDIAG_ENOMEM;
	esp_arena_init(&t->arena);
	esp_arena_init(&t->child_arrays);
	esp_arena_init(&t->value_arrays);
	esp_warnings_init(&t->warnings);
	t->cap_keys = 64;
	t->keys = calloc(t->cap_keys, sizeof *t->keys);
	t->nslots = 256;
	t->slots = calloc(t->nslots, sizeof *t->slots);
	if (t->keys == NULL || t->slots == NULL) {
		esp_memtree_free(t);
		return ESPDIAG_ENOMEM;
	}
	t->keys[0].name = "";
	t->nkeys = 1;
	*out = t;
	return ESPDIAG_OK;
}

void esp_memtree_free(esp_memtree *t)
{
	if (t == NULL)
		return;
	free(t->keys);
	free(t->slots);
	esp_warnings_free(&t->warnings);
	esp_arena_free(&t->arena);
	esp_arena_free(&t->child_arrays);
	esp_arena_free(&t->value_arrays);
	free(t);
}

esp_mnode esp_memtree_root(const esp_memtree *t)
{
	(void)t;
	return 0;
}

static int grow_slots(esp_memtree *t)
{
	size_t n = t->nslots * 2;
	slot *s = calloc(n, sizeof *s);
	if (s == NULL)
		return ESPDIAG_ENOMEM;
	size_t used = 0;
	for (size_t i = 0; i < t->nslots; i++) {
		slot *o = &t->slots[i];
		if (o->kind != SLOT_CHILD && o->kind != SLOT_VALUE)
			continue;
		size_t j = mix(o->hash, o->owner) & (n - 1);
		while (s[j].kind != SLOT_EMPTY)
			j = (j + 1) & (n - 1);
		s[j] = *o;
		used++;
	}
	free(t->slots);
	t->slots = s;
	t->nslots = n;
	t->used_slots = used;
	return ESPDIAG_OK;
}

static const char *slot_name(const esp_memtree *t, const slot *s, uint32_t *len)
{
	if (s->kind == SLOT_CHILD) {
		*len = t->keys[s->index].name_len;
		return t->keys[s->index].name;
	}
	const mvalue *v = &t->keys[s->owner].values[s->index];
	*len = v->name_len;
	return v->name;
}

/* The slot for (owner, kind, name), or NULL. */
static slot *find_slot(esp_memtree *t, uint32_t owner, uint32_t kind, const char *name,
                       size_t len, uint32_t hash)
{
	size_t mask = t->nslots - 1;
	for (size_t j = mix(hash, owner) & mask;; j = (j + 1) & mask) {
		slot *s = &t->slots[j];
		if (s->kind == SLOT_EMPTY)
			return NULL;
		if (s->kind == kind && s->owner == owner && s->hash == hash) {
			uint32_t slen;
			const char *sname = slot_name(t, s, &slen);
			if (esp_name_equal(sname, slen, name, len))
				return s;
		}
	}
}

static int add_slot(esp_memtree *t, uint32_t owner, uint32_t kind, uint32_t index,
                    uint32_t hash)
{
	if ((t->used_slots + 1) * 2 > t->nslots) {
		int rc = grow_slots(t);
		if (rc != ESPDIAG_OK)
			return rc;
	}
	size_t mask = t->nslots - 1;
	size_t j = mix(hash, owner) & mask;
	while (t->slots[j].kind == SLOT_CHILD || t->slots[j].kind == SLOT_VALUE)
		j = (j + 1) & mask;
	if (t->slots[j].kind == SLOT_EMPTY)
		t->used_slots++;
	t->slots[j] = (slot){ hash, owner, index, kind };
	return ESPDIAG_OK;
}

/* Doubles an arena array of count elements of size elem when it is full. */
static int reserve(esp_arena *arrays, void **array, uint32_t count, uint32_t *cap, size_t elem)
{
	if (count < *cap)
		return ESPDIAG_OK;
	uint32_t ncap = *cap ? *cap * 2 : 4;
	if (ncap <= *cap)
		return ESPDIAG_ELIMIT;
	void *p = esp_arena_grow(arrays, *array, (size_t)*cap * elem, (size_t)ncap * elem);
	if (p == NULL)
		return ESPDIAG_ENOMEM;
	*array = p;
	*cap = ncap;
	return ESPDIAG_OK;
}

/* The position of the child named name in parent's list, or -1. */
static int64_t child_pos(esp_memtree *t, esp_mnode parent, const char *name, size_t len,
                         uint32_t hash)
{
	const mkey *p = &t->keys[parent];
	if (p->children_indexed) {
		slot *s = find_slot(t, parent, SLOT_CHILD, name, len, hash);
		if (s == NULL)
			return -1;
		for (uint32_t i = p->nchildren; i-- > 0;)
			if (p->children[i] == s->index)
				return i;
		return -1;
	}
	for (uint32_t i = 0; i < p->nchildren; i++) {
		const mkey *c = &t->keys[p->children[i]];
		if (c->hash == hash && esp_name_equal(c->name, c->name_len, name, len))
			return i;
	}
	return -1;
}

/* The child named name, or 0 (the root is nobody's child). */
static esp_mnode find_child(esp_memtree *t, esp_mnode parent, const char *name, size_t len,
                            uint32_t hash)
{
	const mkey *p = &t->keys[parent];
	if (p->children_indexed) {
		slot *s = find_slot(t, parent, SLOT_CHILD, name, len, hash);
		return s != NULL ? s->index : 0;
	}
	int64_t pos = child_pos(t, parent, name, len, hash);
	return pos < 0 ? 0 : p->children[pos];
}

int esp_memtree_child(esp_memtree *t, esp_mnode parent, const char *name, size_t len,
                      bool create, esp_mnode *out)
{
	uint32_t hash = esp_name_hash(name, len);
	esp_mnode found = find_child(t, parent, name, len, hash);
	if (found != 0) {
		*out = found;
		return ESPDIAG_OK;
	}
	if (!create)
		return ESPDIAG_NOTFOUND;
	if (t->nkeys >= MAX_KEYS || len > UINT32_MAX)
		return ESPDIAG_ELIMIT;
	if (t->nkeys == t->cap_keys) {
		uint32_t ncap = t->cap_keys * 2;
		mkey *k = realloc(t->keys, (size_t)ncap * sizeof *k);
		if (k == NULL)
			return ESPDIAG_ENOMEM;
		t->keys = k;
		t->cap_keys = ncap;
	}
	mkey *p = &t->keys[parent];
	int rc = reserve(&t->child_arrays, (void **)&p->children, p->nchildren, &p->cap_children,
	                 sizeof *p->children);
	if (rc != ESPDIAG_OK)
		return rc;
	const char *copy = esp_arena_strndup(&t->arena, name, len);
	if (copy == NULL)
		return ESPDIAG_ENOMEM;
	uint32_t id = t->nkeys;
	t->keys[id] = (mkey){ .name = copy, .name_len = (uint32_t)len, .hash = hash };
	if (p->children_indexed) {
		rc = add_slot(t, parent, SLOT_CHILD, id, hash);
	} else if (p->nchildren + 1 > INDEX_AT) {
		for (uint32_t i = 0; i < p->nchildren && rc == ESPDIAG_OK; i++)
			rc = add_slot(t, parent, SLOT_CHILD, p->children[i],
			              t->keys[p->children[i]].hash);
		if (rc == ESPDIAG_OK)
			rc = add_slot(t, parent, SLOT_CHILD, id, hash);
		p->children_indexed = rc == ESPDIAG_OK;
	}
	if (rc != ESPDIAG_OK)
		return rc;
	t->nkeys++;
	p->children[p->nchildren++] = id;
	*out = id;
	return ESPDIAG_OK;
}

int esp_memtree_delete_child(esp_memtree *t, esp_mnode parent, const char *name, size_t len)
{
	uint32_t hash = esp_name_hash(name, len);
	int64_t pos = child_pos(t, parent, name, len, hash);
	if (pos < 0)
		return ESPDIAG_NOTFOUND;
	mkey *p = &t->keys[parent];
	if (p->children_indexed)
		find_slot(t, parent, SLOT_CHILD, name, len, hash)->kind = SLOT_DEAD;
	/* The subtree stays in memory but can no longer be reached. */
	memmove(&p->children[pos], &p->children[pos + 1],
	        (size_t)(p->nchildren - (uint32_t)pos - 1) * sizeof *p->children);
	p->nchildren--;
	return ESPDIAG_OK;
}

/* The position of the value named name in key's list, or -1. */
static int64_t value_pos(esp_memtree *t, esp_mnode key, const char *name, size_t len,
                         uint32_t hash)
{
	const mkey *k = &t->keys[key];
	if (k->values_indexed) {
		slot *s = find_slot(t, key, SLOT_VALUE, name, len, hash);
		return s != NULL ? (int64_t)s->index : -1;
	}
	for (uint32_t i = 0; i < k->nvalues; i++) {
		const mvalue *v = &k->values[i];
		if (v->hash == hash && esp_name_equal(v->name, v->name_len, name, len))
			return i;
	}
	return -1;
}

int esp_memtree_set_value(esp_memtree *t, esp_mnode key, const char *name, size_t name_len,
                          uint32_t type, const void *data, size_t size)
{
	if (name_len > UINT32_MAX)
		return ESPDIAG_ELIMIT;
	uint32_t hash = esp_name_hash(name, name_len);
	const unsigned char *copy = esp_arena_bytes(&t->arena, data, size);
	if (copy == NULL)
		return ESPDIAG_ENOMEM;
	mkey *k = &t->keys[key];
	int64_t pos = value_pos(t, key, name, name_len, hash);
	if (pos >= 0) {
		mvalue *v = &k->values[pos];
		v->type = type;
		v->data = copy;
		v->size = size;
		return ESPDIAG_OK;
	}
	int rc = reserve(&t->value_arrays, (void **)&k->values, k->nvalues, &k->cap_values,
	                 sizeof *k->values);
	if (rc != ESPDIAG_OK)
		return rc;
	const char *ncopy = esp_arena_strndup(&t->arena, name, name_len);
	if (ncopy == NULL)
		return ESPDIAG_ENOMEM;
	if (k->values_indexed) {
		rc = add_slot(t, key, SLOT_VALUE, k->nvalues, hash);
	} else if (k->nvalues + 1 > INDEX_AT) {
		for (uint32_t i = 0; i < k->nvalues && rc == ESPDIAG_OK; i++)
			rc = add_slot(t, key, SLOT_VALUE, i, k->values[i].hash);
		if (rc == ESPDIAG_OK)
			rc = add_slot(t, key, SLOT_VALUE, k->nvalues, hash);
		k->values_indexed = rc == ESPDIAG_OK;
	}
	if (rc != ESPDIAG_OK)
		return rc;
	k->values[k->nvalues++] = (mvalue){ ncopy, (uint32_t)name_len, hash, type, copy, size };
	return ESPDIAG_OK;
}

int esp_memtree_delete_value(esp_memtree *t, esp_mnode key, const char *name, size_t name_len)
{
	uint32_t hash = esp_name_hash(name, name_len);
	int64_t found = value_pos(t, key, name, name_len, hash);
	if (found < 0)
		return ESPDIAG_NOTFOUND;
	mkey *k = &t->keys[key];
	uint32_t pos = (uint32_t)found;
	if (k->values_indexed) {
		find_slot(t, key, SLOT_VALUE, name, name_len, hash)->kind = SLOT_DEAD;
		/* The values after pos move down one place: so do their slots. */
		for (uint32_t i = pos + 1; i < k->nvalues; i++) {
			mvalue *v = &k->values[i];
			find_slot(t, key, SLOT_VALUE, v->name, v->name_len, v->hash)->index = i - 1;
		}
	}
	memmove(&k->values[pos], &k->values[pos + 1],
	        (size_t)(k->nvalues - pos - 1) * sizeof *k->values);
	k->nvalues--;
	return ESPDIAG_OK;
}

esp_warnings *esp_memtree_warnings(esp_memtree *t)
{
	return &t->warnings;
}

int esp_memtree_set_property(esp_memtree *t, const char *name, const char *value)
{
	size_t i;
	for (i = 0; i < t->nprops; i++)
		if (strcmp(t->props[i].name, name) == 0)
			break;
	if (i == MAX_PROPERTIES)
		return ESPDIAG_ELIMIT;
	const char *n = esp_arena_strndup(&t->arena, name, strlen(name));
	const char *v = esp_arena_strndup(&t->arena, value, strlen(value));
	if (n == NULL || v == NULL)
		return ESPDIAG_ENOMEM;
	t->props[i].name = n;
	t->props[i].value = v;
	if (i == t->nprops)
		t->nprops++;
	return ESPDIAG_OK;
}

size_t esp_memtree_bytes(const esp_memtree *t)
{
	return t->arena.total + t->child_arrays.total + t->value_arrays.total +
	       (size_t)t->cap_keys * sizeof(mkey) + t->nslots * sizeof(slot);
}

/* --- the backend ops table --- */

static esp_memtree *tree_of(espdiag_backend *b)
{
	return (esp_memtree *)b;
}

static int mt_root(espdiag_backend *b, espdiag_node *out)
{
	(void)b;
	*out = 0;
	return ESPDIAG_OK;
}

static int mt_subkey_count(espdiag_backend *b, espdiag_node key, size_t *out)
{
	*out = tree_of(b)->keys[key].nchildren;
	return ESPDIAG_OK;
}

static int mt_subkey_at(espdiag_backend *b, espdiag_node key, size_t index, espdiag_node *out)
{
	const mkey *k = &tree_of(b)->keys[key];
	if (index >= k->nchildren)
		return ESPDIAG_NOTFOUND;
	*out = k->children[index];
	return ESPDIAG_OK;
}

static int mt_subkey_find(espdiag_backend *b, espdiag_node key, const char *name, size_t len,
                          espdiag_node *out)
{
	esp_mnode id;
	int rc = esp_memtree_child(tree_of(b), (esp_mnode)key, name, len, false, &id);
	if (rc == ESPDIAG_OK)
		*out = id;
	return rc;
}

static int mt_key_name(espdiag_backend *b, espdiag_node key, const char **out, size_t *len)
{
	const mkey *k = &tree_of(b)->keys[key];
	*out = k->name;
	*len = k->name_len;
	return ESPDIAG_OK;
}

static int mt_value_count(espdiag_backend *b, espdiag_node key, size_t *out)
{
	*out = tree_of(b)->keys[key].nvalues;
	return ESPDIAG_OK;
}

static int mt_value_at(espdiag_backend *b, espdiag_node key, size_t index,
                       espdiag_backend_value *out)
{
	const mkey *k = &tree_of(b)->keys[key];
	if (index >= k->nvalues)
		return ESPDIAG_NOTFOUND;
	const mvalue *v = &k->values[index];
	out->name = v->name;
	out->name_len = v->name_len;
	out->type = v->type;
	out->data = v->data;
	out->size = v->size;
	return ESPDIAG_OK;
}

static size_t mt_warning_count(espdiag_backend *b)
{
	return esp_warnings_count(&tree_of(b)->warnings);
}

static const espdiag_warning *mt_warning_at(espdiag_backend *b, size_t index)
{
	return esp_warnings_at(&tree_of(b)->warnings, index);
}

static const char *mt_property(espdiag_backend *b, const char *name)
{
	esp_memtree *t = tree_of(b);
	for (size_t i = 0; i < t->nprops; i++)
		if (strcmp(t->props[i].name, name) == 0)
			return t->props[i].value;
	return NULL;
}

static void mt_free(espdiag_backend *b)
{
	esp_memtree_free(tree_of(b));
}

espdiag_backend *esp_memtree_backend(esp_memtree *t)
{
	espdiag_backend *b = &t->backend;
	espdiag_backend_init(b, ESPDIAG_BACKEND_VERSION);
	b->root = mt_root;
	b->subkey_count = mt_subkey_count;
	b->subkey_at = mt_subkey_at;
	b->subkey_find = mt_subkey_find;
	b->key_name = mt_key_name;
	b->value_count = mt_value_count;
	b->value_at = mt_value_at;
	b->warning_count = mt_warning_count;
	b->warning_at = mt_warning_at;
	b->property = mt_property;
	b->free = mt_free;
	return b;
}

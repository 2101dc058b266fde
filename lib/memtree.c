/* lib/memtree.c - the in-memory registry tree and its backend ops table.
 * Keys live in fixed-size chunks (a key is its index, and chunks never
 * move, so nothing is copied as the tree grows); children and values are
 * arena arrays. A key with few children (or values) is searched by
 * scanning them, comparing stored name hashes first; past INDEX_AT
 * entries, the key gets hash tables of its own, so that a wide key stays
 * linear to fill and its lookups stay within its own small table.
 *
 * Deleting from a short list closes the gap. Deleting from a wide one
 * leaves a hole (a value without a name, a child 0) and takes the entry
 * out of the table where it stands; the list is closed up, and its table
 * refilled in place, when a full list is at least half holes and when the
 * tree starts to serve as a backend (so no reader ever sees a hole). A
 * deletion thus costs constant time and no memory, and a list that
 * loses and gains entries stays within twice its live size.
 *
 * Memory is the main cost of building a big tree (on virtual machines a
 * page fault costs more than parsing the page's text), so a value is one
 * arena record: its name, a NUL, then its data; and a key's value array
 * grows in place and gives back what it did not use. */
#include <stdlib.h>
#include <string.h>

#include "memtree.h"
#include "unicode.h"

typedef esp_mvalue mvalue;

/* An open-addressing table (linear probing) of (name hash << 32 | ref)
 * entries, 0 = empty; ref is the entry's position in its list + 1. The
 * slots are malloc'd: a table that grows or shrinks gives its old slots
 * back. */
typedef struct table {
	uint64_t *slots;
	uint32_t mask;
} table;

typedef struct kindex kindex;
struct kindex {
	table children, values;
	uint32_t dead_children, dead_values; /* holes in the lists */
	esp_mnode key;                       /* whose index this is */
	struct kindex *next;                 /* every index, for freeing */
};

typedef esp_mkey mkey;

#define MAX_PROPERTIES 8
/* Entries a list holds before it gets a hash table. */
#define INDEX_AT 16
#define MAX_KEYS ((uint32_t)0x7FFFFFFF)
#define KEY_CHUNK_BITS 10
#define KEY_CHUNK ((uint32_t)1 << KEY_CHUNK_BITS)

struct esp_memtree {
	espdiag_backend backend; /* first: the backend pointer is the tree pointer */
	/* Names, value records and key chunks. */
	esp_arena arena;
	/* Children and value arrays each come from an arena of their own: a
	 * key's values arrive together, so its array is that arena's last
	 * allocation and grows in place instead of leaving a copy behind. */
	esp_arena child_arrays, value_arrays;
	esp_arena indexes; /* the kindex records of wide keys */
	kindex *first_index;
	size_t table_bytes; /* slots of all tables */
	mkey **chunks;
	uint32_t nkeys;
	bool serving; /* a backend: lists are closed up at once */
	bool frozen;  /* see esp_memtree_freeze() */
	mkey *last_valued; /* the key whose value array may still be trimmed */
	void *owner;       /* the registry view serving the tree's records */
	uint32_t owner_index;
	esp_warnings warnings;
	struct {
		const char *name, *value;
	} props[MAX_PROPERTIES];
	size_t nprops;
};

static mkey *key_at(const esp_memtree *t, esp_mnode id)
{
	return &t->chunks[id >> KEY_CHUNK_BITS][id & (KEY_CHUNK - 1)];
}

static const unsigned char *value_data(const mvalue *v)
{
	return esp_mvalue_data(v);
}

/* Appends a key; NULL when out of memory. */
static mkey *new_key(esp_memtree *t)
{
	if ((t->nkeys & (KEY_CHUNK - 1)) == 0) {
		uint32_t c = t->nkeys >> KEY_CHUNK_BITS;
		if ((c & (c - 1)) == 0) { /* the chunk list doubles at powers of two */
			mkey **chunks = realloc(t->chunks, (size_t)(c ? 2 * c : 1) * sizeof *chunks);
			if (chunks == NULL)
				return NULL;
			t->chunks = chunks;
		}
		t->chunks[c] = esp_arena_alloc(&t->arena, KEY_CHUNK * sizeof(mkey));
		if (t->chunks[c] == NULL)
			return NULL;
	}
	mkey *k = key_at(t, t->nkeys);
	memset(k, 0, sizeof *k);
	k->tree = t;
	return k;
}

int esp_memtree_new(esp_memtree **out)
{
	esp_memtree *t = calloc(1, sizeof *t);
	if (t == NULL)
		return ESPDIAG_ENOMEM;
	esp_arena_init(&t->arena);
	esp_arena_init(&t->child_arrays);
	esp_arena_init(&t->value_arrays);
	esp_arena_init(&t->indexes);
	esp_warnings_init(&t->warnings);
	mkey *root = new_key(t);
	if (root == NULL) {
		esp_memtree_free(t);
		return ESPDIAG_ENOMEM;
	}
	root->name = "";
	t->nkeys = 1;
	*out = t;
	return ESPDIAG_OK;
}

void esp_memtree_free(esp_memtree *t)
{
	if (t == NULL)
		return;
	for (kindex *x = t->first_index; x != NULL; x = x->next) {
		free(x->children.slots);
		free(x->values.slots);
	}
	free(t->chunks);
	esp_warnings_free(&t->warnings);
	esp_arena_free(&t->arena);
	esp_arena_free(&t->child_arrays);
	esp_arena_free(&t->value_arrays);
	esp_arena_free(&t->indexes);
	free(t);
}

void esp_memtree_reserve(esp_memtree *t, size_t bytes)
{
	/* A value's array entry is 24 bytes; its record, 4 or more. */
	esp_arena_reserve(&t->arena, bytes);
	esp_arena_reserve(&t->value_arrays, bytes / 4);
}

esp_mnode esp_memtree_root(const esp_memtree *t)
{
	(void)t;
	return 0;
}

/* --- the hash tables of wide keys --- */

static uint32_t slot_of(uint32_t hash, uint32_t mask)
{
	return (uint32_t)(((uint64_t)hash * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

/* The key's table of children (values), or NULL while it has none. A list
 * without a table has no holes. */
static table *children_table(const mkey *k)
{
	return k->index != NULL && k->index->children.slots != NULL ? &k->index->children : NULL;
}

static table *values_table(const mkey *k)
{
	return k->index != NULL && k->index->values.slots != NULL ? &k->index->values : NULL;
}

static table *list_table(const mkey *k, bool values)
{
	return values ? values_table(k) : children_table(k);
}

/* Adds an entry known to be absent; the table has room. */
static void table_put(table *tb, uint32_t hash, uint32_t ref)
{
	uint32_t j = slot_of(hash, tb->mask);
	while (tb->slots[j] != 0)
		j = (j + 1) & tb->mask;
	tb->slots[j] = (uint64_t)hash << 32 | ref;
}

/* Empties slot j and moves the later entries of its run that may move
 * into the gap, so that every entry stays reachable from its home slot
 * without markers for deleted ones. */
static void table_remove(table *tb, uint32_t j)
{
	for (;;) {
		tb->slots[j] = 0;
		uint32_t k = j;
		for (;;) {
			k = (k + 1) & tb->mask;
			uint64_t s = tb->slots[k];
			if (s == 0)
				return;
			uint32_t home = slot_of((uint32_t)(s >> 32), tb->mask);
			/* An entry whose home lies after the gap, up to where it
			 * stands, must stay. */
			bool stays = j <= k ? (home > j && home <= k) : (home > j || home <= k);
			if (!stays) {
				tb->slots[j] = s;
				j = k;
				break;
			}
		}
	}
}

/* The name hash of entry i of k's children (values); false for a hole. */
static bool list_hash(const esp_memtree *t, const mkey *k, bool values, uint32_t i,
                      uint32_t *hash)
{
	if (values) {
		*hash = k->values[i].hash;
		return k->values[i].name != NULL;
	}
	if (k->children[i] == 0)
		return false;
	*hash = key_at(t, k->children[i])->hash;
	return true;
}

/* Slots for a table that is to hold n entries, at most half full. */
static int table_cap(uint32_t n, uint64_t *cap)
{
	*cap = 64;
	while (*cap < (uint64_t)n * 2)
		*cap *= 2;
	return *cap > ((uint64_t)1 << 32) ? ESPDIAG_ELIMIT : ESPDIAG_OK;
}

static uint64_t *new_slots(esp_memtree *t, uint64_t cap)
{
	uint64_t *slots = calloc((size_t)cap, sizeof *slots);
	if (slots != NULL)
		t->table_bytes += (size_t)cap * sizeof *slots;
	return slots;
}

static void free_slots(esp_memtree *t, table *tb)
{
	if (tb->slots != NULL)
		t->table_bytes -= ((size_t)tb->mask + 1) * sizeof *tb->slots;
	free(tb->slots);
	tb->slots = NULL;
}

/* Puts every entry of k's list (n long) into tb, whose slots are empty. */
static void table_fill(const esp_memtree *t, const mkey *k, table *tb, bool values, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t hash;
		if (list_hash(t, k, values, i, &hash))
			table_put(tb, hash, i + 1);
	}
}

/* Makes room in tb for one more entry of k's list, which has live entries
 * (n with the holes). A table that grows moves its entries from the old
 * slots, read in order (rereading a list of children would look up every
 * child); a table without slots is filled from the list. */
static int table_fit(esp_memtree *t, const mkey *k, table *tb, bool values, uint32_t live,
                     uint32_t n)
{
	if (tb->slots != NULL && (uint64_t)(live + 1) * 2 <= (uint64_t)tb->mask + 1)
		return ESPDIAG_OK;
	uint64_t cap;
	int rc = table_cap(live + 1, &cap);
	if (rc != ESPDIAG_OK)
		return rc;
	uint64_t *slots = new_slots(t, cap);
	if (slots == NULL)
		return ESPDIAG_ENOMEM;
	table old = *tb;
	*tb = (table){ slots, (uint32_t)(cap - 1) };
	if (old.slots == NULL) {
		table_fill(t, k, tb, values, n);
		return ESPDIAG_OK;
	}
	for (uint64_t j = 0; j <= old.mask; j++)
		if (old.slots[j] != 0)
			table_put(tb, (uint32_t)(old.slots[j] >> 32), (uint32_t)old.slots[j]);
	free_slots(t, &old);
	return ESPDIAG_OK;
}

/* The index of a key about to hold more than INDEX_AT children or values,
 * made on first need; NULL when out of memory. */
static kindex *index_of(esp_memtree *t, esp_mnode id)
{
	mkey *k = key_at(t, id);
	if (k->index == NULL) {
		kindex *x = esp_arena_calloc(&t->indexes, 1, sizeof *x);
		if (x == NULL)
			return NULL;
		x->key = id;
		x->next = t->first_index;
		t->first_index = x;
		k->index = x;
	}
	return k->index;
}

/* The slot of the entry named name in tb, or -1. */
static int64_t table_find(const esp_memtree *t, const mkey *k, const table *tb, bool values,
                          const char *name, size_t len, uint32_t hash)
{
	for (uint32_t j = slot_of(hash, tb->mask);; j = (j + 1) & tb->mask) {
		uint64_t s = tb->slots[j];
		if (s == 0)
			return -1;
		if ((uint32_t)(s >> 32) != hash)
			continue;
		uint32_t pos = (uint32_t)s - 1;
		const char *sname;
		uint32_t slen;
		if (values) {
			sname = k->values[pos].name;
			slen = k->values[pos].name_len;
		} else {
			const mkey *c = key_at(t, k->children[pos]);
			sname = c->name;
			slen = c->name_len;
		}
		if (esp_name_equal(sname, slen, name, len))
			return j;
	}
}

/* The position of the entry named name in k's children (values), or -1;
 * *slot gets its table slot (-1 when the list has no table). */
static int64_t find_pos(const esp_memtree *t, const mkey *k, bool values, const char *name,
                        size_t len, uint32_t hash, int64_t *slot)
{
	const table *tb = list_table(k, values);
	if (tb != NULL) {
		*slot = table_find(t, k, tb, values, name, len, hash);
		return *slot < 0 ? -1 : (int64_t)(uint32_t)tb->slots[*slot] - 1;
	}
	*slot = -1;
	if (values) {
		for (uint32_t i = 0; i < k->nvalues; i++) {
			const mvalue *v = &k->values[i];
			if (v->hash == hash && esp_name_equal(v->name, v->name_len, name, len))
				return i;
		}
		return -1;
	}
	for (uint32_t i = 0; i < k->nchildren; i++) {
		const mkey *c = key_at(t, k->children[i]);
		if (c->hash == hash && esp_name_equal(c->name, c->name_len, name, len))
			return i;
	}
	return -1;
}

/* --- arrays --- */

/* Makes room for one more element in an arena array: in place when it is
 * the arena's last allocation (one element at a time, so nothing is left
 * unused), else as a copy twice the size. */
static int reserve(esp_arena *arrays, void **array, uint32_t count, uint32_t *cap, size_t elem)
{
	if (count < *cap)
		return ESPDIAG_OK;
	if (*cap == UINT32_MAX)
		return ESPDIAG_ELIMIT;
	if (*array != NULL && esp_arena_extend(arrays, *array, (size_t)*cap * elem, elem)) {
		(*cap)++;
		return ESPDIAG_OK;
	}
	uint32_t ncap = *cap ? (*cap <= UINT32_MAX / 2 ? *cap * 2 : UINT32_MAX) : 4;
	void *p = esp_arena_grow(arrays, *array, (size_t)*cap * elem, (size_t)ncap * elem);
	if (p == NULL)
		return ESPDIAG_ENOMEM;
	*array = p;
	*cap = ncap;
	return ESPDIAG_OK;
}

/* Closes up the holes of k's children (values) list, keeping the order,
 * and refills its table: in place, or in fewer slots when it is mostly
 * empty now. */
static void close_up(esp_memtree *t, mkey *k, bool values)
{
	kindex *x = k->index;
	uint32_t w = 0;
	if (values) {
		for (uint32_t i = 0; i < k->nvalues; i++)
			if (k->values[i].name != NULL)
				k->values[w++] = k->values[i];
		k->nvalues = w;
		x->dead_values = 0;
	} else {
		for (uint32_t i = 0; i < k->nchildren; i++)
			if (k->children[i] != 0)
				k->children[w++] = k->children[i];
		k->nchildren = w;
		x->dead_children = 0;
	}
	table *tb = values ? &x->values : &x->children;
	uint64_t cap;
	uint64_t *smaller = NULL;
	if (table_cap(w + 1, &cap) == ESPDIAG_OK && cap * 4 <= (uint64_t)tb->mask + 1)
		smaller = new_slots(t, cap);
	if (smaller != NULL) {
		free_slots(t, tb);
		*tb = (table){ smaller, (uint32_t)(cap - 1) };
	} else {
		memset(tb->slots, 0, ((size_t)tb->mask + 1) * sizeof *tb->slots);
	}
	table_fill(t, k, tb, values, w);
}

/* Makes room for one more child (values: value) of key, in its array and,
 * past INDEX_AT entries, in its hash table. A full list that is half holes
 * is closed up instead of grown. */
static int make_room(esp_memtree *t, esp_mnode key, bool values)
{
	mkey *k = key_at(t, key);
	uint32_t dead = k->index == NULL ? 0 : values ? k->index->dead_values : k->index->dead_children;
	uint32_t n = values ? k->nvalues : k->nchildren;
	uint32_t cap = values ? k->cap_values : k->cap_children;
	if (dead > 0 && n == cap && dead >= n / 2) {
		close_up(t, k, values);
		n -= dead;
		dead = 0;
	}
	int rc = values ? reserve(&t->value_arrays, (void **)&k->values, n, &k->cap_values,
	                          sizeof *k->values)
	                : reserve(&t->child_arrays, (void **)&k->children, n, &k->cap_children,
	                          sizeof *k->children);
	if (rc != ESPDIAG_OK || (n + 1 <= INDEX_AT && list_table(k, values) == NULL))
		return rc;
	kindex *x = index_of(t, key);
	if (x == NULL)
		return ESPDIAG_ENOMEM;
	return table_fit(t, k, values ? &x->values : &x->children, values, n - dead, n);
}

/* Takes entry pos (at table slot slot, or -1) out of k's children
 * (values): a short list closes the gap; a long one keeps a hole until it
 * is closed up (at once when the tree serves as a backend). */
static void delete_at(esp_memtree *t, mkey *k, bool values, uint32_t pos, int64_t slot)
{
	if (slot < 0) {
		if (values) {
			memmove(&k->values[pos], &k->values[pos + 1],
			        (size_t)(k->nvalues - pos - 1) * sizeof *k->values);
			k->nvalues--;
		} else {
			memmove(&k->children[pos], &k->children[pos + 1],
			        (size_t)(k->nchildren - pos - 1) * sizeof *k->children);
			k->nchildren--;
		}
		return;
	}
	table_remove(list_table(k, values), (uint32_t)slot);
	if (values) {
		k->values[pos].name = NULL;
		k->index->dead_values++;
	} else {
		k->children[pos] = 0;
		k->index->dead_children++;
	}
	if (t->serving)
		close_up(t, k, values);
}

/* --- keys --- */

int esp_memtree_child(esp_memtree *t, esp_mnode parent, const char *name, size_t len,
                      bool create, esp_mnode *out)
{
	uint32_t hash = esp_name_hash(name, len);
	mkey *p = key_at(t, parent);
	int64_t slot;
	int64_t pos = find_pos(t, p, false, name, len, hash, &slot);
	if (pos >= 0) {
		*out = p->children[pos];
		return ESPDIAG_OK;
	}
	if (!create)
		return ESPDIAG_NOTFOUND;
	if (t->frozen)
		return ESPDIAG_EINVAL;
	if (t->nkeys >= MAX_KEYS || len > UINT32_MAX)
		return ESPDIAG_ELIMIT;
	int rc = make_room(t, parent, false);
	if (rc != ESPDIAG_OK)
		return rc;
	const char *copy = esp_arena_strndup(&t->arena, name, len);
	mkey *k = copy != NULL ? new_key(t) : NULL;
	if (k == NULL)
		return ESPDIAG_ENOMEM;
	uint32_t id = t->nkeys++;
	k->name = copy;
	k->name_len = (uint32_t)len;
	k->hash = hash;
	table *tb = children_table(p);
	if (tb != NULL)
		table_put(tb, hash, p->nchildren + 1);
	p->children[p->nchildren++] = id;
	*out = id;
	return ESPDIAG_OK;
}

uint32_t esp_memtree_key_count(const esp_memtree *t)
{
	return t->nkeys;
}

int esp_memtree_delete_child(esp_memtree *t, esp_mnode parent, const char *name, size_t len)
{
	if (t->frozen)
		return ESPDIAG_EINVAL;
	uint32_t hash = esp_name_hash(name, len);
	mkey *p = key_at(t, parent);
	int64_t slot;
	int64_t pos = find_pos(t, p, false, name, len, hash, &slot);
	if (pos < 0)
		return ESPDIAG_NOTFOUND;
	/* The subtree stays in memory but can no longer be reached. */
	delete_at(t, p, false, (uint32_t)pos, slot);
	return ESPDIAG_OK;
}

/* --- values --- */

/* The arena record of a value: the name, a NUL, the data, pad zero bytes. */
static const char *value_record(esp_memtree *t, const char *name, size_t name_len,
                                const void *data, size_t size, size_t pad)
{
	char *r = esp_arena_alloc_bytes(&t->arena, name_len + 1 + size + pad);
	if (r == NULL)
		return NULL;
	if (name_len > 0)
		memcpy(r, name, name_len);
	r[name_len] = '\0';
	if (size > 0)
		memcpy(r + name_len + 1, data, size);
	memset(r + name_len + 1 + size, 0, pad);
	return r;
}

/* Gives back the unused end of the last key's value array, once values
 * go to another key. Not for a wide key: values that come back to it
 * would copy its whole array each time (its doubling leaves at most as
 * much unused as it uses). */
static void trim_values(esp_memtree *t, mkey *k)
{
	mkey *last = t->last_valued;
	t->last_valued = k;
	if (last == NULL || last == k || last->cap_values == last->nvalues ||
	    values_table(last) != NULL)
		return;
	if (esp_arena_shrink(&t->value_arrays, last->values,
	                     (size_t)last->cap_values * sizeof(mvalue),
	                     (size_t)last->nvalues * sizeof(mvalue)))
		last->cap_values = last->nvalues;
}

int esp_memtree_set_value(esp_memtree *t, esp_mnode key, const char *name, size_t name_len,
                          uint32_t type, const void *data, size_t size)
{
	return esp_memtree_set_value_padded(t, key, name, name_len, type, data, size, 0);
}

int esp_memtree_set_value_padded(esp_memtree *t, esp_mnode key, const char *name,
                                 size_t name_len, uint32_t type, const void *data,
                                 size_t size, size_t pad)
{
	if (t->frozen)
		return ESPDIAG_EINVAL;
	if (pad > 8 || size > UINT32_MAX - pad || name_len > UINT32_MAX - 1)
		return ESPDIAG_ELIMIT;
	size_t stored = size + pad;
	if (name_len + 1 > SIZE_MAX - stored)
		return ESPDIAG_ELIMIT;
	uint32_t hash = esp_name_hash(name, name_len);
	mkey *k = key_at(t, key);
	int64_t slot;
	int64_t pos = find_pos(t, k, true, name, name_len, hash, &slot);
	if (pos >= 0) {
		/* Replaced where it stands, under the name it first had: in its
		 * own record when the new data fits there (before the tree is
		 * served, nobody holds the old data). */
		mvalue *v = &k->values[pos];
		if (!t->serving && stored <= v->size) {
			unsigned char *d = (unsigned char *)v->name + v->name_len + 1;
			if (size > 0)
				memmove(d, data, size);
			memset(d + size, 0, pad);
		} else {
			const char *r = value_record(t, v->name, v->name_len, data, size, pad);
			if (r == NULL)
				return ESPDIAG_ENOMEM;
			v->name = r;
		}
		v->type = type;
		v->size = (uint32_t)stored;
		return ESPDIAG_OK;
	}
	trim_values(t, k);
	int rc = make_room(t, key, true);
	if (rc != ESPDIAG_OK)
		return rc;
	const char *r = value_record(t, name, name_len, data, size, pad);
	if (r == NULL)
		return ESPDIAG_ENOMEM;
	table *tb = values_table(k);
	if (tb != NULL)
		table_put(tb, hash, k->nvalues + 1);
	k->values[k->nvalues++] = (mvalue){ r, (uint32_t)name_len, hash, type, (uint32_t)stored };
	return ESPDIAG_OK;
}

int esp_memtree_delete_value(esp_memtree *t, esp_mnode key, const char *name, size_t name_len)
{
	if (t->frozen)
		return ESPDIAG_EINVAL;
	uint32_t hash = esp_name_hash(name, name_len);
	mkey *k = key_at(t, key);
	int64_t slot;
	int64_t pos = find_pos(t, k, true, name, name_len, hash, &slot);
	if (pos < 0)
		return ESPDIAG_NOTFOUND;
	delete_at(t, k, true, (uint32_t)pos, slot);
	return ESPDIAG_OK;
}

size_t esp_memtree_memory(const esp_memtree *t)
{
	size_t chunks = (size_t)((t->nkeys + KEY_CHUNK - 1) >> KEY_CHUNK_BITS);
	size_t slots = 1;
	while (slots < chunks)
		slots *= 2;
	return t->arena.total + t->child_arrays.total + t->value_arrays.total +
	       t->indexes.total + t->table_bytes + slots * sizeof *t->chunks;
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
	*out = key_at(tree_of(b), (esp_mnode)key)->nchildren;
	return ESPDIAG_OK;
}

static int mt_subkey_at(espdiag_backend *b, espdiag_node key, size_t index, espdiag_node *out)
{
	const mkey *k = key_at(tree_of(b), (esp_mnode)key);
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
	const mkey *k = key_at(tree_of(b), (esp_mnode)key);
	*out = k->name;
	*len = k->name_len;
	return ESPDIAG_OK;
}

static int mt_value_count(espdiag_backend *b, espdiag_node key, size_t *out)
{
	*out = key_at(tree_of(b), (esp_mnode)key)->nvalues;
	return ESPDIAG_OK;
}

static int mt_value_at(espdiag_backend *b, espdiag_node key, size_t index,
                       espdiag_backend_value *out)
{
	const mkey *k = key_at(tree_of(b), (esp_mnode)key);
	if (index >= k->nvalues)
		return ESPDIAG_NOTFOUND;
	const mvalue *v = &k->values[index];
	out->name = v->name;
	out->name_len = v->name_len;
	out->type = v->type;
	out->data = value_data(v);
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

esp_memtree *esp_memtree_of(espdiag_backend *b)
{
	return b != NULL && b->free == mt_free ? tree_of(b) : NULL;
}

esp_mkey *esp_memtree_key(const esp_memtree *t, esp_mnode id)
{
	return key_at(t, id);
}

void esp_memtree_freeze(esp_memtree *t)
{
	if (t->frozen)
		return;
	t->frozen = true;
	key_at(t, 0)->parent = 0;
	for (uint32_t id = 0; id < t->nkeys; id++) {
		mkey *k = key_at(t, id);
		k->view = 0;
		for (uint32_t i = 0; i < k->nchildren; i++)
			key_at(t, k->children[i])->parent = id;
	}
}

void esp_memtree_set_owner(esp_memtree *t, void *owner, uint32_t index)
{
	t->owner = owner;
	t->owner_index = index;
}

void *esp_memtree_owner(const esp_memtree *t, uint32_t *index)
{
	*index = t->owner_index;
	return t->owner;
}

int esp_mkey_find(const esp_mkey *k, bool values, const char *name, size_t len, size_t *pos)
{
	int64_t slot;
	int64_t i = find_pos(k->tree, k, values, name, len, esp_name_hash(name, len), &slot);
	if (i < 0)
		return ESPDIAG_NOTFOUND;
	*pos = (size_t)i;
	return ESPDIAG_OK;
}

espdiag_backend *esp_memtree_backend(esp_memtree *t)
{
	for (kindex *x = t->first_index; x != NULL; x = x->next) {
		mkey *k = key_at(t, x->key);
		if (x->dead_values > 0)
			close_up(t, k, true);
		if (x->dead_children > 0)
			close_up(t, k, false);
	}
	t->serving = true;
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

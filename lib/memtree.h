/*
 * lib/memtree.h - an in-memory registry tree served through the backend
 * ops table. The .reg reader builds one; the registry view uses one for
 * the keys above mount points. Keys merge case-insensitively; children
 * and values keep insertion order; storage is arena-backed, but for the
 * hash tables of wide keys. Deleting costs no memory: what a deletion
 * leaves is reused as the key gains entries (see lib/memtree.c).
 */
#ifndef ESPDIAG_MEMTREE_H
#define ESPDIAG_MEMTREE_H

#include "internal.h"

typedef struct esp_memtree esp_memtree;
typedef uint32_t esp_mnode;      /* a key; the root is esp_memtree_root() */

int esp_memtree_new(esp_memtree **out);
/* Frees a tree that was never turned into a backend. */
void esp_memtree_free(esp_memtree *t);

esp_mnode esp_memtree_root(const esp_memtree *t);

/* Finds the child named name (case-insensitive) of parent; with create,
 * adds it (keeping this spelling) when absent. Returns ESPDIAG_OK,
 * ESPDIAG_NOTFOUND (not found, create false), ESPDIAG_ENOMEM or
 * ESPDIAG_ELIMIT (too many keys). */
int esp_memtree_child(esp_memtree *t, esp_mnode parent, const char *name, size_t len,
                      bool create, esp_mnode *out);

/* The keys made so far, the root included. */
uint32_t esp_memtree_key_count(const esp_memtree *t);

/* Removes the child named name and its whole subtree. ESPDIAG_NOTFOUND
 * when absent. */
int esp_memtree_delete_child(esp_memtree *t, esp_mnode parent, const char *name,
                             size_t len);

/* Sets a value: a value of the same name (case-insensitive) is replaced
 * in place (keeping its position), else one is appended. data is copied. */
int esp_memtree_set_value(esp_memtree *t, esp_mnode key, const char *name, size_t name_len,
                          uint32_t type, const void *data, size_t size);
/* The same with pad (at most 8) zero bytes after data: a string's NUL
 * without a copy of the string to add it to. */
int esp_memtree_set_value_padded(esp_memtree *t, esp_mnode key, const char *name,
                                 size_t name_len, uint32_t type, const void *data,
                                 size_t size, size_t pad);

/* Removes a value; ESPDIAG_NOTFOUND when absent. */
int esp_memtree_delete_value(esp_memtree *t, esp_mnode key, const char *name,
                             size_t name_len);

/* The warning list served by the backend's warning callbacks. */
esp_warnings *esp_memtree_warnings(esp_memtree *t);

/* Sets a property served by the backend's property callback ("format",
 * "encoding", "dialect", "default_mount"); value is copied. */
int esp_memtree_set_property(esp_memtree *t, const char *name, const char *value);

/* Tells the tree that up to bytes of names and value data are coming, so
 * that it takes its memory in a few big blocks (memory asked for but not
 * used is never touched, so it costs address space only). */
void esp_memtree_reserve(esp_memtree *t, size_t bytes);

/* The bytes the tree holds (arenas, tables, the key chunk list), asked
 * for and not yet used included: what tests bound. */
size_t esp_memtree_memory(const esp_memtree *t);

/* Turns the tree into a backend; the backend owns and frees the tree. */
espdiag_backend *esp_memtree_backend(esp_memtree *t);

/* --- what the registry view reads from a serving tree without copies --- */

/* A value as the tree stores it: one arena record holding the name, a
 * NUL, then the data. Once the tree serves as a backend, a key's array
 * of these neither moves nor changes (nothing edits a served .reg tree),
 * so the view hands them out as its value objects (lib/registry.c). */
typedef struct esp_mvalue {
	const char *name; /* NUL-terminated; the data follows the NUL */
	uint32_t name_len;
	uint32_t hash;    /* esp_name_hash() of the name */
	uint32_t type;
	uint32_t size;
} esp_mvalue;

static inline const unsigned char *esp_mvalue_data(const esp_mvalue *v)
{
	return (const unsigned char *)v->name + v->name_len + 1;
}

/* A key as the tree stores it. Keys never move (see lib/memtree.c), and
 * once the tree is frozen nothing but the view field changes; so the view
 * hands these out as its key objects too. */
typedef struct esp_mkey {
	const char *name;         /* NUL-terminated */
	uint32_t *children;       /* ids (esp_memtree_key()) */
	esp_mvalue *values;
	struct kindex *index;     /* NULL until a list passes 16 entries */
	esp_memtree *tree;        /* whose key this is */
	uint32_t name_len;
	uint32_t hash;            /* esp_name_hash() of the name */
	uint32_t nchildren, nvalues;
	/* The arrays' capacities while the tree is built; once it is frozen
	 * (they are no longer needed), the parent's id (the root's: itself)
	 * and the registry view's mark (0 until the view sets one). A key
	 * stays 64 bytes. */
	union {
		uint32_t cap_children;
		esp_mnode parent;
	};
	union {
		uint32_t cap_values;
		uint32_t view;
	};
} esp_mkey;

/* Freezes a serving tree, for a view that hands out its records: from
 * then on nothing may add, change or delete keys or values (such calls
 * fail with ESPDIAG_EINVAL), and each key knows its parent. Idempotent. */
void esp_memtree_freeze(esp_memtree *t);

/* The tree behind b when b is a memtree's backend, else NULL. */
esp_memtree *esp_memtree_of(espdiag_backend *b);
/* The key record of id. */
esp_mkey *esp_memtree_key(const esp_memtree *t, esp_mnode id);
/* The view that serves the tree's records, and its source number there. */
void esp_memtree_set_owner(esp_memtree *t, void *owner, uint32_t index);
void *esp_memtree_owner(const esp_memtree *t, uint32_t *index);
/* The position of k's child (values: value) named name, compared
 * case-insensitively, as the backend's subkey_at (value_at) counts;
 * ESPDIAG_NOTFOUND when absent. */
int esp_mkey_find(const esp_mkey *k, bool values, const char *name, size_t len, size_t *pos);

#endif /* ESPDIAG_MEMTREE_H */

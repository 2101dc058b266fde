/*
 * lib/regf.c - the regf hive reader: a Windows NT registry hive (SYSTEM,
 * SOFTWARE, NTUSER.DAT, ...) served through the backend ops table,
 * straight from the input's bytes (a file read whole or as it is reached,
 * or the caller's buffer).
 *
 * Layout facts (libregf's format notes, msuhanov/regf, hivex): a 4096-byte
 * base block, then hive bins ("hbin", 4096-byte multiples) holding cells.
 * A cell is a signed 32-bit size (negative = allocated, size field
 * included) and its data; every offset in the format is relative to the
 * first bin (file offset 4096) and names the size field of a cell.
 *
 * Trust: nothing read from the file is used before it is checked. The bins
 * are walked once (at open, or each the first time an offset in it is
 * followed: see "Lazy bins") and the start of every allocated cell that
 * lies wholly inside its bin is marked in a bitmap; an offset is only
 * followed when it names such a cell, so every read is in bounds.
 * Counts are capped by the size of the cell that holds the list, each key
 * cell is adopted by one parent only (a list that loops back to an
 * ancestor or shares a key is cut with a warning), depth is capped at 512
 * levels, and the list entries examined in total are capped by the hive's
 * size, so no input can make the reader loop, recurse or allocate without
 * bound. Damaged keys, lists and values are skipped with a warning that
 * names the file offset; the rest is still read.
 *
 * The open options' caps: max_depth and max_value_size as their names say;
 * max_keys and max_values count keys and values as they are first listed
 * (a key when its parent's subkey list is examined, a value when its key's
 * value list is), so a walk that stops early counts only what it saw. The
 * key or value that would pass a cap, and every later new one, is left
 * out, with one warning naming the list that reached it.
 *
 * Cells start on 8 bytes (Windows pads every cell to 8); a cell size that
 * is not a multiple of 8 ends the walk of its bin with a warning.
 *
 * Laziness: a key's subkey and value lists (and its class name, which the
 * ops table cannot hand out, so it is only checked) are examined the first
 * time the key is visited, so warnings about them appear as keys are
 * visited. Names and data are handed out from the mapping; only names that
 * need converting (UTF-16LE, or Latin-1 with bytes >= 0x80), lists that
 * needed filtering and big data ("db") values are copied, once, into the
 * backend's arena. Node ids are the file offsets of key cells. Per key the
 * reader keeps only its parent and a byte of flags, in arrays indexed by
 * the key cell's rank among all key cells (fresh memory is what a full
 * walk pays for most).
 *
 * Lookups: subkey_find trusts the lh hashes (and lf hints) of a list for
 * an ASCII name, as Windows does; other names are compared one by one.
 *
 * Names: a name with an embedded NUL keeps it (name_len covers it). A
 * UTF-16LE name's lone surrogates become U+FFFD. A name length that runs
 * past its cell damages only the name: the key (the root too) or value is
 * kept with the cell's bytes as its name, less their NUL padding, with a
 * warning, and a key's subtree is read (one bad length used to lose the
 * subtree, or the whole hive when it was the root's).
 *
 * Transaction logs: a dirty hive whose logs are found (beside its file,
 * named in the open options, or handed in by the caller) is first replayed
 * into a copy by lib/regf_log.c, which then is the input; the properties
 * "log_replay" and "note" say what was done.
 *
 * Mount prefix ("default_mount"), first rule that gives one:
 *   1. the base block's file name field (the last 32 characters of the path
 *      Windows loaded the hive from), its last "\" component matched without
 *      regard to case: SOFTWARE, SYSTEM, SAM, SECURITY, COMPONENTS ->
 *      HKEY_LOCAL_MACHINE\<NAME>; BCD -> HKEY_LOCAL_MACHINE\BCD00000000;
 *      DEFAULT -> HKEY_USERS\.DEFAULT; NTUSER.DAT -> HKEY_CURRENT_USER;
 *      UsrClass.dat -> HKEY_CURRENT_USER\Software\Classes;
 *   2. the content: a root holding Microsoft and Classes or Policies is a
 *      SOFTWARE hive, one holding ControlSet001 and Select a SYSTEM hive;
 *   3. the input's file name (its basename): first the whole name, then each
 *      of its words (split at ".", "_", "-" and " ") by the table of rule 1
 *      (NTUSER and UsrClass count as NTUSER.DAT and UsrClass.dat), so that
 *      "regipy_SYSTEM" is a SYSTEM hive;
 *   4. HKEY_LOCAL_MACHINE\<basename> ("\" in it replaced by "_");
 *   5. none (an input without a name): the view mounts it at its root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "readers.h"
#include "regf_log.h"
#include "unicode.h"

#define REGF_BASE 4096u            /* the base block; offsets count from here */
#define REGF_BIN_HEADER 32u
#define REGF_NK_FIXED 76u          /* nk fields before the name */
#define REGF_VK_FIXED 20u          /* vk fields before the name */
#define REGF_SEGMENT 16344u        /* bytes of data per big-data segment */
#define REGF_MAX_DEPTH 512u        /* Windows' own limit on key nesting */
#define REGF_NONE 0xFFFFFFFFu      /* "no cell" in offset fields */
#define REGF_BIG_HIVE (4u << 20)   /* hives this big get huge-page memory */

#define NK_COMP_NAME 0x0020u       /* key name is Latin-1, not UTF-16LE */
#define NK_HIVE_ENTRY 0x0004u      /* the hive's root key */
#define VK_COMP_NAME 0x0001u       /* value name is Latin-1 */

/* How a key's subkey list can be searched by hash. */
enum { LIST_PLAIN, LIST_LF, LIST_LH };

/* What is known of a key cell (one byte per key cell, by rank). */
enum {
	N_ADOPTED = 1u, /* listed by its parent (or the root): reachable once */
	N_SUBS = 2u,    /* its subkey lists were examined */
	N_VALS = 4u,    /* its value list was examined */
	N_SIDE = 8u     /* it has a side record */
};

/* What a key needs beyond the mapping (rare: filtered lists, a converted
 * name), keyed by its cell offset. */
typedef struct regf_side {
	const unsigned char *subs; /* 8-byte (LE offset, LE hash) records */
	const unsigned char *vals; /* LE offsets of checked vk cells */
	const char *name;
	size_t name_len;
	uint32_t nsubs, nvals;
	uint8_t sub_kind;
	bool subs_set, vals_set, name_set;
} regf_side;

/* What a value needed converted or assembled, keyed by its vk cell. */
typedef struct regf_vcache {
	const char *name;
	size_t name_len;
	const unsigned char *data;
	size_t size;
	bool has_name, has_data;
} regf_vcache;

/* Open-addressing map from a cell offset (never 0) to a record. */
typedef struct regf_map {
	uint32_t *keys;
	void **vals;
	size_t cap;       /* a power of two, or 0 */
	size_t count;
	unsigned bits;
} regf_map;

typedef struct regf {
	espdiag_backend base;     /* first: the view sees only this */
	esp_input in;
	const unsigned char *bins; /* data + 4096 */
	uint32_t bins_size;        /* bytes of bins walked */
	uint64_t *cells;           /* bit per 8 bytes: an allocated cell starts here */
	uint64_t *keys;            /* bit per 8 bytes: ... and it is a key ("nk") */
	uint32_t *key_rank;        /* per word of keys: key cells in the words before */
	uint32_t *parent;          /* per key cell: rank + 1 of its parent, 0 for none */
	uint8_t *nflags;           /* per key cell: N_* */
	/* Lazy checking (see "Lazy bins" below). page_bin: per 4 KiB page of
	 * the bins, 1 + the page its checked bin starts at, 0 while unchecked;
	 * NULL once every bin is checked. */
	uint32_t *page_bin;
	uint64_t lazy_bytes, lazy_budget; /* bytes of bins checked; past the budget, all are */
	bool bitmaps_own;          /* cells and keys are calloc'd (lazy), not the arena's */
	bool fetch_warned;
	/* While ids_lazy, a key's "rank" is an id given as the key is first met
	 * (lazy_id: cell -> id + 1; lazy_off: id -> cell), and parent, nflags
	 * and lazy_off are malloc'd arrays of lazy_cap; ranks_due: every bin is
	 * checked, the ids become ranks at the next call (to_ranks). */
	bool ids_lazy, ranks_due;
	uint32_t walk_root_guess;  /* check_all_bins' walk's root guess (REGF_NONE) */
	regf_map lazy_id;
	uint32_t *lazy_off;
	size_t lazy_n, lazy_cap;
	/* The nodes node_get resolved last, and their ranks: the view asks
	 * about a key and its children in turn. */
	espdiag_node last_id[2];
	int64_t last_rank[2];
	/* The value list values_of gave last (lists do not change once
	 * examined): the view reads a key's values one after another. */
	int64_t vals_rank;
	const unsigned char *vals_list;
	uint32_t vals_n;
	size_t nkeys;
	uint32_t root_off;
	uint64_t work_left;        /* list entries the reader may still examine */
	uint64_t big_left;         /* bytes of big data it may still assemble */
	bool work_warned;
	regf_map vcache;
	regf_map side;
	esp_arena arena;
	esp_warnings warnings;
	uint32_t max_depth;       /* the open options' cap, at most REGF_MAX_DEPTH */
	uint64_t max_value_size;  /* the open options' cap */
	uint64_t max_keys, max_values; /* the open options' caps ... */
	uint64_t keys_read, values_read; /* ... against keys adopted and values kept */
	bool key_cap_warned, value_cap_warned;
	/* scratch space reused across calls */
	unsigned char *tmp;
	size_t tmp_cap;
	char *scratch;
	size_t scratch_cap;
	char dialect[32];
	char *file_base;           /* basename of in.name, or NULL */
	const char *log_replay;    /* the "log_replay" property, or NULL */
	const char *note;          /* the "note" property, or NULL */
	const char *mount;
	bool mount_done;
} regf;

#define FILE_OFF(rel) ((unsigned long long)(rel) + REGF_BASE)

/* ------------------------------------------------------------------ */
/* maps */

static size_t map_slot(const regf_map *m, uint32_t key)
{
	return (size_t)((key * 2654435761u) >> (32 - m->bits));
}

static void *map_get(const regf_map *m, uint32_t key)
{
	if (m->cap == 0)
		return NULL;
	size_t mask = m->cap - 1;
	for (size_t i = map_slot(m, key);; i = (i + 1) & mask) {
		if (m->keys[i] == key)
			return m->vals[i];
		if (m->keys[i] == 0)
			return NULL;
	}
}

static int map_put(regf_map *m, uint32_t key, void *val)
{
	if ((m->count + 1) * 4 > m->cap * 3) {
		unsigned bits = m->cap ? m->bits + 1 : 8;
		size_t cap = (size_t)1 << bits;
		uint32_t *keys = calloc(cap, sizeof *keys);
		void **vals = calloc(cap, sizeof *vals);
		if (keys == NULL || vals == NULL) {
			free(keys);
			free(vals);
			return ESPDIAG_ENOMEM;
		}
		regf_map n = { keys, vals, cap, 0, bits };
		for (size_t i = 0; i < m->cap; i++) {
			if (m->keys[i] == 0)
				continue;
			size_t j = map_slot(&n, m->keys[i]);
			while (n.keys[j] != 0)
				j = (j + 1) & (cap - 1);
			n.keys[j] = m->keys[i];
			n.vals[j] = m->vals[i];
			n.count++;
		}
		free(m->keys);
		free(m->vals);
		*m = n;
	}
	size_t j = map_slot(m, key);
	while (m->keys[j] != 0 && m->keys[j] != key)
		j = (j + 1) & (m->cap - 1);
	if (m->keys[j] == 0)
		m->count++;
	m->keys[j] = key;
	m->vals[j] = val;
	return ESPDIAG_OK;
}

static void map_free(regf_map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------------ */
/* cells */

static bool bit_test(const uint64_t *map, uint32_t rel)
{
	return (map[rel >> 9] >> ((rel >> 3) & 63)) & 1;
}

static void bit_set(uint64_t *map, uint32_t rel)
{
	map[rel >> 9] |= (uint64_t)1 << ((rel >> 3) & 63);
}

/* Set bits in x. Without a popcnt instruction to build for, the compiler
 * calls a libgcc routine that looks up a table a byte at a time; this is
 * a third of its cost. */
static unsigned ones(uint64_t x)
{
#ifdef __POPCNT__
	return (unsigned)__builtin_popcountll(x);
#else
	x -= (x >> 1) & 0x5555555555555555u;
	x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
	x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Fu;
	return (unsigned)((x * 0x0101010101010101u) >> 56);
#endif
}

static void check_page(regf *h, uint32_t page);

/* Lazy: checks the bin holding rel (< bins_size) if it was not yet. */
static inline void reach(regf *h, uint32_t rel)
{
	if (h->page_bin != NULL && h->page_bin[rel >> 12] == 0)
		check_page(h, rel >> 12);
}

/* The data of the allocated cell at rel (after its size field) and its
 * length, or NULL when rel names no allocated cell. */
static const unsigned char *cell(regf *h, uint32_t rel, uint32_t *len)
{
	if (rel >= h->bins_size || (rel & 7) != 0)
		return NULL;
	reach(h, rel);
	if (!bit_test(h->cells, rel))
		return NULL;
	const unsigned char *p = h->bins + rel;
	/* The walk at open checked that this cell lies inside its bin. */
	*len = (uint32_t)(-(int64_t)(int32_t)esp_le32(p)) - 4;
	return p + 4;
}

/* The data of a cell the reader checked before: an adopted key, or a list
 * or value it kept (the mapping does not change). */
static const unsigned char *checked(const regf *h, uint32_t rel)
{
	return h->bins + rel + 4;
}

/* Why rel names no cell, for a warning. */
static const char *cell_why(const regf *h, uint32_t rel)
{
	if (rel == REGF_NONE)
		return "is not set";
	if (rel >= h->bins_size)
		return "is out of range";
	return "does not start an allocated cell";
}

/* A key cell whose fixed fields lie inside it. Its name may not: a name
 * length that runs past the cell is damage to that one field, and the key
 * and its subtree are still read (see name_len_of). */
static const unsigned char *nk_cell(regf *h, uint32_t rel, uint32_t *len)
{
	uint32_t n;
	const unsigned char *p = cell(h, rel, &n);
	if (p == NULL || n < REGF_NK_FIXED || p[0] != 'n' || p[1] != 'k')
		return NULL;
	if (len != NULL)
		*len = n;
	return p;
}

static const unsigned char *vk_cell(regf *h, uint32_t rel)
{
	uint32_t n;
	const unsigned char *p = cell(h, rel, &n);
	if (p == NULL || n < REGF_VK_FIXED || p[0] != 'v' || p[1] != 'k')
		return NULL;
	return p;
}

/* The data length of a cell the walk at open marked (an allocated one). */
static uint32_t cell_len(const regf *h, uint32_t rel)
{
	return (uint32_t)(-(int64_t)(int32_t)esp_le32(h->bins + rel)) - 4;
}

/* The length of the name of the key (fixed = REGF_NK_FIXED) or value
 * (REGF_VK_FIXED) whose cell data p is at rel, as stored, or cut to its
 * cell when the stored length runs past it: then the cell's bytes are the
 * name, less the NUL padding at their end (*cut is set). */
static size_t name_len_of(const regf *h, uint32_t rel, const unsigned char *p, uint32_t fixed,
                          bool latin1, bool *cut)
{
	size_t stored = esp_le16(p + (fixed == REGF_NK_FIXED ? 72 : 2));
	size_t room = cell_len(h, rel) - fixed, n = room;
	*cut = stored > room;
	if (!*cut)
		return stored;
	const unsigned char *name = p + fixed;
	if (latin1) {
		while (n > 0 && name[n - 1] == 0)
			n--;
	} else {
		n &= ~(size_t)1;
		while (n >= 2 && name[n - 1] == 0 && name[n - 2] == 0)
			n -= 2;
	}
	return n;
}

/* Says (once per key or value: when its parent lists it) that its name
 * was cut to its cell. */
static int warn_name_cut(regf *h, uint32_t rel, const unsigned char *p, uint32_t fixed,
                         bool latin1)
{
	bool cut;
	size_t n = name_len_of(h, rel, p, fixed, latin1, &cut);
	if (!cut)
		return ESPDIAG_OK;
	return esp_warn(&h->warnings, 0, 0, FILE_OFF(rel),
	                "%s at 0x%llx: name length %u runs past its cell (room for %u bytes); "
	                "name cut to %zu byte%s", fixed == REGF_NK_FIXED ? "key" : "value",
	                FILE_OFF(rel), esp_le16(p + (fixed == REGF_NK_FIXED ? 72 : 2)),
	                cell_len(h, rel) - fixed, n, n == 1 ? "" : "s");
}

/* Takes one unit from the work budget; false (after one warning) when it is
 * spent. */
static bool spend(regf *h, uint64_t units)
{
	if (h->work_left >= units) {
		h->work_left -= units;
		return true;
	}
	h->work_left = 0;
	if (!h->work_warned)
		esp_warn(&h->warnings, 0, 0, 0,
		         "hive: work limit reached (more list entries than the hive can hold); "
		         "the remaining lists are skipped");
	h->work_warned = true;
	return false;
}

static unsigned char *tmp_reserve(regf *h, size_t size)
{
	if (size > h->tmp_cap) {
		size_t cap = h->tmp_cap ? h->tmp_cap : 4096;
		while (cap < size)
			cap *= 2;
		unsigned char *p = realloc(h->tmp, cap);
		if (p == NULL)
			return NULL;
		h->tmp = p;
		h->tmp_cap = cap;
	}
	return h->tmp;
}

/* ------------------------------------------------------------------ */
/* names */

static bool all_ascii(const unsigned char *s, size_t n)
{
	uint64_t high = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) { /* eight bytes a step: names are read often */
		uint64_t w;
		memcpy(&w, s + i, 8);
		high |= w & 0x8080808080808080u;
	}
	for (; i < n; i++)
		high |= s[i] & 0x80u;
	return high == 0;
}

/* Converts a stored name to UTF-8 in out (room for 3 bytes per stored
 * byte + 1); returns the length. */
static size_t name_convert(char *out, const unsigned char *s, size_t n, bool latin1)
{
	size_t o = 0;
	if (latin1) {
		for (size_t i = 0; i < n; i++)
			o += esp_utf8_encode(s[i], out + o);
		return o;
	}
	for (size_t i = 0; i + 1 < n; i += 2) {
		uint32_t u = esp_le16(s + i);
		if (u >= 0xD800 && u < 0xDC00 && i + 3 < n) {
			uint32_t lo = esp_le16(s + i + 2);
			if (lo >= 0xDC00 && lo < 0xE000) {
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				i += 2;
			} else {
				u = ESP_REPLACEMENT_CHAR;
			}
		} else if (u >= 0xD800 && u < 0xE000) {
			u = ESP_REPLACEMENT_CHAR;
		}
		o += esp_utf8_encode(u, out + o);
	}
	return o;
}

/* The UTF-8 form of a stored name: the stored bytes when they are ASCII,
 * else a conversion into buf (NULL: into the arena). */
static int name_get(regf *h, const unsigned char *s, size_t n, bool latin1, bool to_arena,
                    const char **out, size_t *out_len)
{
	if (latin1 && all_ascii(s, n)) {
		*out = (const char *)s;
		*out_len = n;
		return ESPDIAG_OK;
	}
	size_t need = n * 3 + 1;
	char *buf;
	if (to_arena) {
		buf = esp_arena_alloc(&h->arena, need);
	} else {
		if (need > h->scratch_cap) {
			char *p = realloc(h->scratch, need);
			if (p == NULL)
				return ESPDIAG_ENOMEM;
			h->scratch = p;
			h->scratch_cap = need;
		}
		buf = h->scratch;
	}
	if (buf == NULL)
		return ESPDIAG_ENOMEM;
	size_t len = name_convert(buf, s, n, latin1);
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return ESPDIAG_OK;
}

/* ------------------------------------------------------------------ */
/* keys */

/* The rank of the key cell at rel among all key cells once every bin is
 * checked (bit set in h->keys). */
static uint32_t bit_rank(const regf *h, uint32_t rel)
{
	uint32_t w = rel >> 9;
	uint64_t below = h->keys[w] & (((uint64_t)1 << ((rel >> 3) & 63)) - 1);
	return h->key_rank[w] + ones(below);
}

/* While ids are lazy: the id of the key cell at rel, given now when add
 * (-2: out of memory), else -1 when it has none. */
static int64_t lazy_id_of(regf *h, uint32_t rel, bool add)
{
	uintptr_t v = (uintptr_t)map_get(&h->lazy_id, rel);
	if (v != 0 || !add)
		return (int64_t)v - 1;
	if (h->lazy_n == h->lazy_cap) {
		size_t cap = h->lazy_cap ? h->lazy_cap * 2 : 64;
		uint32_t *parent = realloc(h->parent, cap * sizeof *parent);
		if (parent != NULL)
			h->parent = parent;
		uint8_t *nflags = realloc(h->nflags, cap);
		if (nflags != NULL)
			h->nflags = nflags;
		uint32_t *off = realloc(h->lazy_off, cap * sizeof *off);
		if (off != NULL)
			h->lazy_off = off;
		if (parent == NULL || nflags == NULL || off == NULL)
			return -2;
		h->lazy_cap = cap;
	}
	size_t id = h->lazy_n;
	if (map_put(&h->lazy_id, rel, (void *)(uintptr_t)(id + 1)) != ESPDIAG_OK)
		return -2;
	h->lazy_n++;
	h->parent[id] = 0;
	h->nflags[id] = 0;
	h->lazy_off[id] = rel;
	return (int64_t)id;
}

/* The rank of the key cell at rel (see ids_lazy: given now when add), or
 * -1 when rel names no key cell, -2 when out of memory. */
static int64_t key_rank(regf *h, uint32_t rel, bool add)
{
	if (rel >= h->bins_size || (rel & 7) != 0)
		return -1;
	reach(h, rel);
	if (!bit_test(h->keys, rel))
		return -1;
	if (h->ids_lazy)
		return lazy_id_of(h, rel, add);
	return bit_rank(h, rel);
}

static int to_ranks(regf *h);

/* The rank of a node id the view passes in (one this backend handed out),
 * or -1; -2 when out of memory. A call about a key starts here, so this
 * is where lazy ids become ranks (no rank is held across calls). */
static int64_t node_get(regf *h, espdiag_node id)
{
	if (h->ranks_due && to_ranks(h) != ESPDIAG_OK)
		return -2;
	if (id == h->last_id[0])
		return h->last_rank[0];
	if (id == h->last_id[1])
		return h->last_rank[1];
	if (id < REGF_BASE || id - REGF_BASE > UINT32_MAX)
		return -1;
	int64_t r = key_rank(h, (uint32_t)(id - REGF_BASE), false);
	if (r < 0 || !(h->nflags[r] & N_ADOPTED))
		return r == -2 ? -2 : -1;
	h->last_id[1] = h->last_id[0];
	h->last_rank[1] = h->last_rank[0];
	h->last_id[0] = id;
	h->last_rank[0] = r;
	return r;
}

static bool is_ancestor(const regf *h, uint32_t rank, uint32_t other)
{
	for (uint32_t p = rank + 1, steps = 0; p != 0 && steps <= REGF_MAX_DEPTH + 1; steps++) {
		if (p - 1 == other)
			return true;
		p = h->parent[p - 1];
	}
	return false;
}

static uint32_t depth_of(const regf *h, uint32_t rank)
{
	uint32_t d = 0;
	for (uint32_t p = h->parent[rank]; p != 0 && d <= REGF_MAX_DEPTH; p = h->parent[p - 1])
		d++;
	return d;
}

/* The side record of a key (what the mapping cannot serve), created on
 * demand. */
static regf_side *side_of(regf *h, uint32_t rank, uint32_t off, bool create)
{
	if (h->nflags[rank] & N_SIDE)
		return map_get(&h->side, off);
	if (!create)
		return NULL;
	regf_side *s = esp_arena_alloc(&h->arena, sizeof *s);
	if (s == NULL || map_put(&h->side, off, s) != ESPDIAG_OK)
		return NULL;
	memset(s, 0, sizeof *s);
	h->nflags[rank] |= N_SIDE;
	return s;
}

/* A key's checked subkeys: entries of stride bytes, each starting with
 * the LE offset of a key cell. */
typedef struct sub_view {
	const unsigned char *e;
	uint32_t n;
	uint8_t stride;
	uint8_t kind;
} sub_view;

/* The subkeys once load_subkeys ran: from the side record when the lists
 * needed filtering, else straight from the key's one list. */
static void subs_of(regf *h, uint32_t rank, uint32_t off, sub_view *v)
{
	regf_side *s = side_of(h, rank, off, false);
	if (s != NULL && s->subs_set) {
		*v = (sub_view){ s->subs, s->nsubs, 8, s->sub_kind };
		return;
	}
	const unsigned char *nk = checked(h, off);
	*v = (sub_view){ NULL, 0, 8, LIST_PLAIN };
	if (esp_le32(nk + 20) == 0)
		return;
	const unsigned char *l = checked(h, esp_le32(nk + 28));
	v->e = l + 4;
	v->n = esp_le16(l + 2);
	v->stride = l[1] == 'i' ? 4 : 8;
	v->kind = l[1] == 'h' ? LIST_LH : l[1] == 'f' ? LIST_LF : LIST_PLAIN;
}

/* Collects the checked entries of one subkey list (and, for an ri list,
 * of the lists it names) into h->tmp as 8-byte (offset, hash) records. */
typedef struct sub_walk {
	uint32_t rank, off;  /* the key */
	size_t count;        /* records in h->tmp */
	size_t entries;      /* entries the lists hold, damaged ones included */
	int kind;            /* LIST_* common to all lists, or -1 before the first */
	bool direct;         /* one list, every entry kept: serve it from the mapping */
} sub_walk;

static int sub_list(regf *h, sub_walk *w, uint32_t rel, bool inside_ri)
{
	uint32_t len;
	const unsigned char *p = cell(h, rel, &len);
	unsigned long long at = FILE_OFF(w->off);
	if (p == NULL || len < 4) {
		w->direct = false;
		return esp_warn(&h->warnings, 0, 0, p ? FILE_OFF(rel) : at,
		                "key at 0x%llx: subkey list at 0x%llx %s; its subkeys are skipped",
		                at, FILE_OFF(rel), p ? "is too small" : cell_why(h, rel));
	}
	int kind;
	size_t stride;
	if (p[0] == 'l' && p[1] == 'f') {
		kind = LIST_LF;
		stride = 8;
	} else if (p[0] == 'l' && p[1] == 'h') {
		kind = LIST_LH;
		stride = 8;
	} else if (p[0] == 'l' && p[1] == 'i') {
		kind = LIST_PLAIN;
		stride = 4;
	} else if (p[0] == 'r' && p[1] == 'i' && !inside_ri) {
		kind = -2;
		stride = 4;
	} else {
		w->direct = false;
		return esp_warn(&h->warnings, 0, 0, FILE_OFF(rel),
		                "key at 0x%llx: subkey list at 0x%llx has the unknown signature "
		                "0x%02x 0x%02x; its subkeys are skipped",
		                at, FILE_OFF(rel), p[0], p[1]);
	}
	size_t count = esp_le16(p + 2);
	size_t room = (len - 4) / stride;
	if (count > room) {
		esp_warn(&h->warnings, 0, 0, FILE_OFF(rel),
		         "subkey list at 0x%llx: count %zu is larger than its cell holds (%zu); "
		         "only %zu read", FILE_OFF(rel), count, room, room);
		count = room;
		w->direct = false;
	}
	if (!spend(h, count)) {
		w->direct = false;
		return ESPDIAG_OK;
	}
	if (kind == -2) {
		w->direct = false;
		for (size_t i = 0; i < count; i++) {
			uint32_t sub = esp_le32(p + 4 + 4 * i);
			uint32_t slen;
			const unsigned char *s = cell(h, sub, &slen);
			if (s != NULL && slen >= 2 && s[0] == 'r' && s[1] == 'i') {
				esp_warn(&h->warnings, 0, 0, FILE_OFF(rel),
				         "subkey list at 0x%llx: ri list entry %zu points to another ri "
				         "list at 0x%llx; skipped", FILE_OFF(rel), i, FILE_OFF(sub));
				continue;
			}
			int rc = sub_list(h, w, sub, true);
			if (rc != ESPDIAG_OK)
				return rc;
		}
		return ESPDIAG_OK;
	}
	if (w->kind == -1)
		w->kind = kind;
	else if (w->kind != kind)
		w->kind = LIST_PLAIN;
	unsigned char *t = tmp_reserve(h, (w->count + count) * 8);
	if (t == NULL)
		return ESPDIAG_ENOMEM;
	w->entries += count;
	for (size_t i = 0; i < count; i++) {
		const unsigned char *e = p + 4 + stride * i;
		uint32_t child = esp_le32(e);
		int64_t c = nk_cell(h, child, NULL) ? key_rank(h, child, true) : -1;
		if (c == -2)
			return ESPDIAG_ENOMEM;
		if (c < 0) {
			esp_warn(&h->warnings, 0, 0, FILE_OFF(rel),
			         "key at 0x%llx: subkey list at 0x%llx entry %zu: 0x%llx %s; skipped",
			         at, FILE_OFF(rel), i, FILE_OFF(child),
			         cell(h, child, &len) ? "is not a key" : cell_why(h, child));
			w->direct = false;
			continue;
		}
		if (h->nflags[c] & N_ADOPTED) {
			if (is_ancestor(h, w->rank, (uint32_t)c))
				esp_warn(&h->warnings, 0, 0, FILE_OFF(rel),
				         "key at 0x%llx: subkey 0x%llx is the key itself or one of its "
				         "parents (a loop); skipped", at, FILE_OFF(child));
			else
				esp_warn(&h->warnings, 0, 0, FILE_OFF(rel),
				         "key at 0x%llx: subkey 0x%llx is listed twice or under another "
				         "key; skipped", at, FILE_OFF(child));
			w->direct = false;
			continue;
		}
		if (h->keys_read >= h->max_keys) {
			if (!h->key_cap_warned)
				esp_warn(&h->warnings, 0, 0, FILE_OFF(rel),
				         "subkey list at 0x%llx entry %zu: more than %llu keys read from "
				         "this hive; this and later new keys are left out", FILE_OFF(rel),
				         i, (unsigned long long)h->max_keys);
			h->key_cap_warned = true;
			w->direct = false;
			break;
		}
		h->keys_read++;
		h->nflags[c] |= N_ADOPTED;
		h->parent[c] = w->rank + 1;
		const unsigned char *cnk = checked(h, child);
		int wrc = warn_name_cut(h, child, cnk, REGF_NK_FIXED,
		                        (esp_le16(cnk + 2) & NK_COMP_NAME) != 0);
		if (wrc != ESPDIAG_OK)
			return wrc;
		unsigned char *r = t + 8 * w->count++;
		memcpy(r, e, 4);
		if (stride == 8)
			memcpy(r + 4, e + 4, 4);
		else
			memset(r + 4, 0, 4);
	}
	return ESPDIAG_OK;
}

/* Checks a key's class name (UTF-16LE in a cell of its own). The ops
 * table has no callback for it, so it is only checked, once, with the
 * subkey lists, and a damaged one is reported. */
static int check_class(regf *h, uint32_t off, const unsigned char *nk)
{
	uint32_t clen = esp_le16(nk + 74), coff = esp_le32(nk + 48), len;
	if (clen == 0)
		return ESPDIAG_OK;
	if (cell(h, coff, &len) == NULL)
		return esp_warn(&h->warnings, 0, 0, FILE_OFF(off),
		                "key at 0x%llx: class name 0x%llx %s; ignored", FILE_OFF(off),
		                FILE_OFF(coff), cell_why(h, coff));
	if (clen > len)
		return esp_warn(&h->warnings, 0, 0, FILE_OFF(off),
		                "key at 0x%llx: class name length %u is larger than its cell "
		                "(%u bytes); ignored", FILE_OFF(off), clen, len);
	return ESPDIAG_OK;
}

/* Examines a key's subkey lists once: adopts the subkeys, and keeps a
 * filtered copy in the side record when the lists cannot be served as
 * they are. */
static int load_subkeys(regf *h, uint32_t rank, uint32_t off)
{
	if (h->nflags[rank] & N_SUBS)
		return ESPDIAG_OK;
	h->nflags[rank] |= N_SUBS;
	const unsigned char *nk = checked(h, off);
	int crc = check_class(h, off, nk);
	if (crc != ESPDIAG_OK)
		return crc;
	uint32_t declared = esp_le32(nk + 20);
	if (declared == 0)
		return ESPDIAG_OK;
	sub_walk w = { rank, off, 0, 0, -1, true };
	int rc = ESPDIAG_OK;
	if (depth_of(h, rank) >= h->max_depth) {
		w.direct = false;
		rc = esp_warn(&h->warnings, 0, 0, FILE_OFF(off),
		              "key at 0x%llx: nested deeper than %u levels; its subkeys are "
		              "skipped", FILE_OFF(off), h->max_depth);
	} else {
		rc = sub_list(h, &w, esp_le32(nk + 28), false);
		if (rc == ESPDIAG_OK && w.entries != declared)
			rc = esp_warn(&h->warnings, 0, 0, FILE_OFF(off),
			              "key at 0x%llx: declares %u subkeys but its lists hold %zu",
			              FILE_OFF(off), declared, w.entries);
	}
	if (rc != ESPDIAG_OK) {
		w.direct = false;
		w.count = 0;
	}
	if (w.direct)
		return ESPDIAG_OK;
	regf_side *s = side_of(h, rank, off, true);
	if (s == NULL)
		return ESPDIAG_ENOMEM;
	s->subs_set = true;
	s->sub_kind = (uint8_t)(w.kind < 0 ? LIST_PLAIN : w.kind);
	if (w.count > 0) {
		s->subs = esp_arena_memdup(&h->arena, h->tmp, w.count * 8);
		if (s->subs == NULL)
			return ESPDIAG_ENOMEM;
		s->nsubs = (uint32_t)w.count;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* values */

static regf_vcache *vcache_get(regf *h, uint32_t off)
{
	regf_vcache *c = map_get(&h->vcache, off);
	if (c != NULL)
		return c;
	c = esp_arena_alloc(&h->arena, sizeof *c);
	if (c == NULL)
		return NULL;
	memset(c, 0, sizeof *c);
	if (map_put(&h->vcache, off, c) != ESPDIAG_OK)
		return NULL;
	return c;
}

/* Where a value's data lives. Returns false when the value is damaged
 * beyond use. With warn, says what is wrong (done once, when the key's
 * value list is examined). *big is set for a db value whose total size
 * is *size (assembled by value_data). */
static bool vk_data_located(regf *h, uint32_t rel, const unsigned char *vk, bool warn,
                            const unsigned char **data, size_t *size, bool *big)
{
	uint32_t raw = esp_le32(vk + 4);
	uint32_t len = raw & 0x7FFFFFFFu;
	unsigned long long at = FILE_OFF(rel);
	*big = false;
	if (raw & 0x80000000u) {
		if (len > 4) {
			if (warn)
				esp_warn(&h->warnings, 0, 0, at,
				         "value at 0x%llx: inline data length %u is more than 4; "
				         "truncated to 4", at, len);
			len = 4;
		}
		*data = vk + 8;
		*size = len;
		return true;
	}
	if (len == 0) {
		*data = vk + 8;
		*size = 0;
		return true;
	}
	uint32_t doff = esp_le32(vk + 8), clen;
	const unsigned char *d = cell(h, doff, &clen);
	if (d == NULL) {
		if (warn)
			esp_warn(&h->warnings, 0, 0, at,
			         "value at 0x%llx: data offset 0x%llx %s; value skipped", at,
			         FILE_OFF(doff), cell_why(h, doff));
		return false;
	}
	if (len <= clen) {
		*data = d;
		*size = len;
		return true;
	}
	if (clen >= 8 && d[0] == 'd' && d[1] == 'b') {
		/* Big data: a list of segments of REGF_SEGMENT bytes each. */
		uint32_t nseg = esp_le16(d + 2), loff = esp_le32(d + 4), llen;
		const unsigned char *list = cell(h, loff, &llen);
		if (list == NULL) {
			if (warn)
				esp_warn(&h->warnings, 0, 0, at,
				         "value at 0x%llx: big data segment list 0x%llx %s; value "
				         "skipped", at, FILE_OFF(loff), cell_why(h, loff));
			return false;
		}
		if (nseg > llen / 4) {
			if (warn)
				esp_warn(&h->warnings, 0, 0, at,
				         "value at 0x%llx: big data count %u is larger than its segment "
				         "list holds (%u); only %u read", at, nseg, llen / 4, llen / 4);
			nseg = llen / 4;
		}
		size_t total = 0;
		for (uint32_t i = 0; i < nseg && total < len; i++) {
			uint32_t soff = esp_le32(list + 4 * i), slen;
			if (cell(h, soff, &slen) == NULL) {
				if (warn)
					esp_warn(&h->warnings, 0, 0, at,
					         "value at 0x%llx: big data segment %u at 0x%llx %s; "
					         "the data ends there", at, i, FILE_OFF(soff),
					         cell_why(h, soff));
				break;
			}
			size_t take = len - total;
			if (take > REGF_SEGMENT)
				take = REGF_SEGMENT;
			if (take > slen)
				take = slen;
			total += take;
		}
		if (total < len && warn)
			esp_warn(&h->warnings, 0, 0, at,
			         "value at 0x%llx: big data holds %zu of the %u bytes declared", at,
			         total, len);
		*data = NULL;
		*size = total;
		*big = true;
		return true;
	}
	if (warn)
		esp_warn(&h->warnings, 0, 0, at,
		         "value at 0x%llx: data length %u is larger than its data cell (%u bytes); "
		         "truncated", at, len, clen);
	*data = d;
	*size = clen;
	return true;
}

/* vk_data_located, then the open options' cap on the size it found (after
 * the cell-size checks, so a damaged length is reported as such first). */
static bool vk_data(regf *h, uint32_t rel, const unsigned char *vk, bool warn,
                    const unsigned char **data, size_t *size, bool *big)
{
	if (!vk_data_located(h, rel, vk, warn, data, size, big))
		return false;
	if (*size <= h->max_value_size)
		return true;
	if (warn)
		esp_warn(&h->warnings, 0, 0, FILE_OFF(rel),
		         "value at 0x%llx: %zu bytes, more than the limit of %llu; value skipped",
		         FILE_OFF(rel), *size, (unsigned long long)h->max_value_size);
	return false;
}

/* Assembles a big data value (once; cached). */
static int big_data(regf *h, uint32_t rel, const unsigned char *vk, size_t total,
                    const unsigned char **out)
{
	regf_vcache *c = vcache_get(h, rel);
	if (c == NULL)
		return ESPDIAG_ENOMEM;
	if (c->has_data) {
		*out = c->data;
		return ESPDIAG_OK;
	}
	if (total > h->big_left) {
		c->has_data = true;
		c->data = (const unsigned char *)"";
		c->size = 0;
		*out = c->data;
		return esp_warn(&h->warnings, 0, 0, FILE_OFF(rel),
		                "value at 0x%llx: big data past the hive's size limit; data skipped",
		                FILE_OFF(rel));
	}
	h->big_left -= total;
	unsigned char *buf = esp_arena_alloc(&h->arena, total ? total : 1);
	if (buf == NULL)
		return ESPDIAG_ENOMEM;
	uint32_t clen, llen;
	const unsigned char *d = cell(h, esp_le32(vk + 8), &clen);
	const unsigned char *list = cell(h, esp_le32(d + 4), &llen);
	size_t done = 0;
	for (uint32_t i = 0; done < total; i++) {
		uint32_t slen;
		const unsigned char *s = cell(h, esp_le32(list + 4 * i), &slen);
		size_t take = total - done;
		if (take > REGF_SEGMENT)
			take = REGF_SEGMENT;
		if (take > slen)
			take = slen;
		memcpy(buf + done, s, take);
		done += take;
	}
	c->data = buf;
	c->size = total;
	c->has_data = true;
	*out = buf;
	return ESPDIAG_OK;
}

/* Examines a key's value list once; keeps a filtered copy in the side
 * record when the list cannot be served as it is. */
static int load_values(regf *h, uint32_t rank, uint32_t off)
{
	if (h->nflags[rank] & N_VALS)
		return ESPDIAG_OK;
	h->nflags[rank] |= N_VALS;
	const unsigned char *nk = checked(h, off);
	uint32_t count = esp_le32(nk + 36);
	if (count == 0)
		return ESPDIAG_OK;
	uint32_t loff = esp_le32(nk + 40), llen = 0;
	unsigned long long at = FILE_OFF(off);
	const unsigned char *list = cell(h, loff, &llen);
	bool direct = true;
	int rc = ESPDIAG_OK;
	if (list == NULL) {
		rc = esp_warn(&h->warnings, 0, 0, at,
		              "key at 0x%llx: value list 0x%llx %s; its values are skipped", at,
		              FILE_OFF(loff), cell_why(h, loff));
		count = 0;
		direct = false;
	} else if (count > llen / 4) {
		rc = esp_warn(&h->warnings, 0, 0, FILE_OFF(loff),
		              "value list at 0x%llx: count %u is larger than its cell holds (%u); "
		              "only %u read", FILE_OFF(loff), count, llen / 4, llen / 4);
		count = llen / 4;
		direct = false;
	}
	if (count > 0 && !spend(h, count)) {
		count = 0;
		direct = false;
	}
	unsigned char *t = NULL;
	uint32_t kept = 0;
	for (uint32_t i = 0; rc == ESPDIAG_OK && i < count; i++) {
		uint32_t v = esp_le32(list + 4 * i);
		const unsigned char *vk = vk_cell(h, v), *data;
		size_t size;
		bool big;
		bool ok = vk != NULL && vk_data(h, v, vk, true, &data, &size, &big);
		if (ok && h->values_read >= h->max_values) {
			if (!h->value_cap_warned)
				rc = esp_warn(&h->warnings, 0, 0, FILE_OFF(loff),
				              "value list at 0x%llx entry %u: more than %llu values read "
				              "from this hive; this and later values are left out",
				              FILE_OFF(loff), i, (unsigned long long)h->max_values);
			h->value_cap_warned = true;
			direct = false;
			break;
		}
		if (ok)
			rc = warn_name_cut(h, v, vk, REGF_VK_FIXED,
			                   (esp_le16(vk + 16) & VK_COMP_NAME) != 0);
		if (vk == NULL) {
			uint32_t dummy;
			rc = esp_warn(&h->warnings, 0, 0, FILE_OFF(loff),
			              "key at 0x%llx: value list at 0x%llx entry %u: 0x%llx %s; skipped",
			              at, FILE_OFF(loff), i, FILE_OFF(v),
			              cell(h, v, &dummy) ? "is not a value" : cell_why(h, v));
		}
		if (!ok) {
			if (t == NULL) {
				t = tmp_reserve(h, (size_t)count * 4);
				if (t == NULL)
					return ESPDIAG_ENOMEM;
				memcpy(t, list, (size_t)i * 4);
			}
			direct = false;
			continue;
		}
		if (t != NULL)
			memcpy(t + 4 * kept, list + 4 * i, 4);
		kept++;
		h->values_read++;
	}
	if (direct && rc == ESPDIAG_OK)
		return ESPDIAG_OK;
	regf_side *s = side_of(h, rank, off, true);
	if (s == NULL)
		return ESPDIAG_ENOMEM;
	s->vals_set = true;
	if (rc == ESPDIAG_OK && kept > 0) {
		s->vals = esp_arena_memdup(&h->arena, t ? t : list, (size_t)kept * 4);
		if (s->vals == NULL)
			return ESPDIAG_ENOMEM;
		s->nvals = kept;
	}
	return rc;
}

/* Examines a key's values (load_values) and reads the list it checked:
 * the filtered copy it kept, else the key's own list; remembers it for
 * values_of. */
static int read_values(regf *h, uint32_t rank, uint32_t off, const unsigned char **list,
                       uint32_t *n)
{
	int rc = load_values(h, rank, off);
	regf_side *s = side_of(h, rank, off, false);
	if (s != NULL && s->vals_set) {
		*list = s->vals;
		*n = s->nvals;
	} else {
		const unsigned char *nk = checked(h, off);
		*n = esp_le32(nk + 36);
		*list = *n ? checked(h, esp_le32(nk + 40)) : NULL;
	}
	if (rc == ESPDIAG_OK) {
		h->vals_rank = rank;
		h->vals_list = *list;
		h->vals_n = *n;
	}
	return rc;
}

/* A key's checked values (LE offsets of vk cells). The remembered list is
 * served here, small enough to inline into every value op; the first call
 * about a key reads it. */
static int values_of(regf *h, uint32_t rank, uint32_t off, const unsigned char **list,
                     uint32_t *n)
{
	if (h->vals_rank != (int64_t)rank)
		return read_values(h, rank, off, list, n);
	*list = h->vals_list;
	*n = h->vals_n;
	return ESPDIAG_OK;
}

/* ------------------------------------------------------------------ */
/* ops */

static int op_root(espdiag_backend *self, espdiag_node *out)
{
	regf *h = (regf *)self;
	*out = FILE_OFF(h->root_off);
	return ESPDIAG_OK;
}

#define KEY_ARGS(h, key, rank, off)                                  \
	int64_t rank##_ = node_get(h, key);                          \
	if (rank##_ < 0)                                             \
		return rank##_ == -2 ? ESPDIAG_ENOMEM : ESPDIAG_EINVAL; \
	uint32_t rank = (uint32_t)rank##_, off = (uint32_t)(key - REGF_BASE)

static int op_subkey_count(espdiag_backend *self, espdiag_node key, size_t *out)
{
	regf *h = (regf *)self;
	KEY_ARGS(h, key, rank, off);
	int rc = load_subkeys(h, rank, off);
	sub_view v;
	subs_of(h, rank, off, &v);
	*out = v.n;
	return rc < 0 ? rc : ESPDIAG_OK;
}

static int op_subkey_at(espdiag_backend *self, espdiag_node key, size_t index,
                        espdiag_node *out)
{
	regf *h = (regf *)self;
	KEY_ARGS(h, key, rank, off);
	int rc = load_subkeys(h, rank, off);
	if (rc < 0)
		return rc;
	sub_view v;
	subs_of(h, rank, off, &v);
	if (index >= v.n)
		return ESPDIAG_NOTFOUND;
	*out = FILE_OFF(esp_le32(v.e + index * v.stride));
	return ESPDIAG_OK;
}

/* The lh hash of an ASCII name (Windows: h = 37 h + upcase(c)). */
static uint32_t lh_hash(const char *s, size_t n)
{
	uint32_t x = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i];
		if (c >= 'a' && c <= 'z')
			c -= 32;
		x = x * 37 + c;
	}
	return x;
}

static bool lf_hint_matches(const unsigned char *hint, const char *s, size_t n)
{
	for (size_t i = 0; i < 4 && i < n; i++) {
		unsigned a = hint[i], b = (unsigned char)s[i];
		if (a >= 0x80)
			return true; /* not an ASCII hint: no conclusion */
		if (a >= 'a' && a <= 'z')
			a -= 32;
		if (b >= 'a' && b <= 'z')
			b -= 32;
		if (a != b)
			return false;
	}
	return true;
}

/* A key's name as UTF-8: from the mapping when it is ASCII, else converted
 * once into the side record (to_side) or into scratch space. */
static int key_name_of(regf *h, uint32_t rank, uint32_t off, bool to_side, const char **out,
                       size_t *out_len)
{
	const unsigned char *nk = checked(h, off);
	bool latin1 = (esp_le16(nk + 2) & NK_COMP_NAME) != 0, cut;
	size_t n = name_len_of(h, off, nk, REGF_NK_FIXED, latin1, &cut);
	if (latin1 && all_ascii(nk + REGF_NK_FIXED, n)) {
		*out = (const char *)nk + REGF_NK_FIXED;
		*out_len = n;
		return ESPDIAG_OK;
	}
	regf_side *s = side_of(h, rank, off, to_side);
	if (s != NULL && s->name_set) {
		*out = s->name;
		*out_len = s->name_len;
		return ESPDIAG_OK;
	}
	if (!to_side)
		return name_get(h, nk + REGF_NK_FIXED, n, latin1, false, out, out_len);
	if (s == NULL)
		return ESPDIAG_ENOMEM;
	int rc = name_get(h, nk + REGF_NK_FIXED, n, latin1, true, &s->name, &s->name_len);
	if (rc != ESPDIAG_OK)
		return rc;
	s->name_set = true;
	*out = s->name;
	*out_len = s->name_len;
	return ESPDIAG_OK;
}

static int op_subkey_find(espdiag_backend *self, espdiag_node key, const char *name,
                          size_t name_len, espdiag_node *out)
{
	regf *h = (regf *)self;
	KEY_ARGS(h, key, rank, off);
	int rc = load_subkeys(h, rank, off);
	if (rc < 0)
		return rc;
	sub_view v;
	subs_of(h, rank, off, &v);
	bool ascii = all_ascii((const unsigned char *)name, name_len);
	uint32_t want = ascii ? lh_hash(name, name_len) : 0;
	for (uint32_t i = 0; i < v.n; i++) {
		const unsigned char *e = v.e + (size_t)i * v.stride;
		if (ascii && v.kind == LIST_LH && esp_le32(e + 4) != want)
			continue;
		if (ascii && v.kind == LIST_LF && !lf_hint_matches(e + 4, name, name_len))
			continue;
		uint32_t child = esp_le32(e);
		const char *cn;
		size_t cl;
		rc = key_name_of(h, (uint32_t)key_rank(h, child, false), child, false, &cn, &cl);
		if (rc != ESPDIAG_OK)
			return rc;
		if (esp_name_equal(cn, cl, name, name_len)) {
			*out = FILE_OFF(child);
			return ESPDIAG_OK;
		}
	}
	return ESPDIAG_NOTFOUND;
}

static int op_key_name(espdiag_backend *self, espdiag_node key, const char **out,
                       size_t *out_len)
{
	regf *h = (regf *)self;
	KEY_ARGS(h, key, rank, off);
	return key_name_of(h, rank, off, true, out, out_len);
}

static int op_key_last_write(espdiag_backend *self, espdiag_node key, uint64_t *out)
{
	regf *h = (regf *)self;
	KEY_ARGS(h, key, rank, off);
	(void)rank;
	*out = esp_le64(checked(h, off) + 4);
	return ESPDIAG_OK;
}

static int op_value_count(espdiag_backend *self, espdiag_node key, size_t *out)
{
	regf *h = (regf *)self;
	KEY_ARGS(h, key, rank, off);
	const unsigned char *list;
	uint32_t n;
	int rc = values_of(h, rank, off, &list, &n);
	*out = n;
	return rc < 0 ? rc : ESPDIAG_OK;
}

static int op_value_at(espdiag_backend *self, espdiag_node key, size_t index,
                       espdiag_backend_value *out)
{
	regf *h = (regf *)self;
	KEY_ARGS(h, key, rank, off);
	const unsigned char *list;
	uint32_t n;
	int rc = values_of(h, rank, off, &list, &n);
	if (rc < 0)
		return rc;
	if (index >= n)
		return ESPDIAG_NOTFOUND;
	uint32_t rel = esp_le32(list + 4 * index);
	const unsigned char *vk = checked(h, rel), *data;
	bool latin1 = (esp_le16(vk + 16) & VK_COMP_NAME) != 0, big, cut;
	size_t nlen = name_len_of(h, rel, vk, REGF_VK_FIXED, latin1, &cut);
	if (latin1 && all_ascii(vk + REGF_VK_FIXED, nlen)) {
		out->name = (const char *)vk + REGF_VK_FIXED;
		out->name_len = nlen;
	} else {
		regf_vcache *c = vcache_get(h, rel);
		if (c == NULL)
			return ESPDIAG_ENOMEM;
		if (!c->has_name) {
			rc = name_get(h, vk + REGF_VK_FIXED, nlen, latin1, true, &c->name,
			              &c->name_len);
			if (rc != ESPDIAG_OK)
				return rc;
			c->has_name = true;
		}
		out->name = c->name;
		out->name_len = c->name_len;
	}
	out->type = esp_le32(vk + 12);
	size_t size;
	vk_data(h, rel, vk, false, &data, &size, &big);
	if (big) {
		rc = big_data(h, rel, vk, size, &data);
		if (rc < 0)
			return rc;
		size = vcache_get(h, rel)->size;
	}
	out->data = data;
	out->size = size;
	return ESPDIAG_OK;
}

static size_t op_warning_count(espdiag_backend *self)
{
	return esp_warnings_count(&((regf *)self)->warnings);
}

static const espdiag_warning *op_warning_at(espdiag_backend *self, size_t index)
{
	return esp_warnings_at(&((regf *)self)->warnings, index);
}

/* ------------------------------------------------------------------ */
/* mount prefix */

static const struct {
	const char *name;
	const char *mount;
} known_hives[] = {
	{ "SOFTWARE", "HKEY_LOCAL_MACHINE\\SOFTWARE" },
	{ "SYSTEM", "HKEY_LOCAL_MACHINE\\SYSTEM" },
	{ "SAM", "HKEY_LOCAL_MACHINE\\SAM" },
	{ "SECURITY", "HKEY_LOCAL_MACHINE\\SECURITY" },
	{ "COMPONENTS", "HKEY_LOCAL_MACHINE\\COMPONENTS" },
	{ "BCD", "HKEY_LOCAL_MACHINE\\BCD00000000" },
	{ "DEFAULT", "HKEY_USERS\\.DEFAULT" },
	{ "NTUSER.DAT", "HKEY_CURRENT_USER" },
	{ "NTUSER", "HKEY_CURRENT_USER" },
	{ "USRCLASS.DAT", "HKEY_CURRENT_USER\\Software\\Classes" },
	{ "USRCLASS", "HKEY_CURRENT_USER\\Software\\Classes" },
};

static const char *known_mount(const char *s, size_t n, bool words_too)
{
	for (size_t i = 0; i < sizeof known_hives / sizeof known_hives[0]; i++) {
		const char *k = known_hives[i].name;
		if (strlen(k) != n)
			continue;
		/* bare NTUSER / USRCLASS only count as words of a file name */
		if (!words_too && strchr(k, '.') == NULL &&
		    (strcmp(k, "NTUSER") == 0 || strcmp(k, "USRCLASS") == 0))
			continue;
		size_t j = 0;
		while (j < n) {
			char c = s[j];
			if (c >= 'a' && c <= 'z')
				c = (char)(c - 32);
			if (c != k[j])
				break;
			j++;
		}
		if (j == n)
			return known_hives[i].mount;
	}
	return NULL;
}

static const char *mount_from_base_block(regf *h)
{
	const unsigned char *f = h->in.data + 48;
	char name[33];
	size_t n = 0;
	for (size_t i = 0; i < 32; i++) {
		uint16_t u = esp_le16(f + 2 * i);
		if (u == 0)
			break;
		if (u == '\\' || u == '/') {
			n = 0;
			continue;
		}
		name[n++] = u < 0x80 ? (char)u : '?';
	}
	return n ? known_mount(name, n, false) : NULL;
}

static bool root_has(regf *h, const char *name)
{
	espdiag_node out;
	return op_subkey_find(&h->base, FILE_OFF(h->root_off), name, strlen(name), &out) ==
	       ESPDIAG_OK;
}

static const char *mount_from_file_name(regf *h)
{
	const char *b = h->file_base;
	if (b == NULL || *b == '\0')
		return NULL;
	const char *m = known_mount(b, strlen(b), false);
	for (const char *w = b; m == NULL && *w != '\0';) {
		size_t n = strcspn(w, "._- ");
		if (n > 0)
			m = known_mount(w, n, true);
		w += n;
		if (*w != '\0')
			w++;
	}
	if (m != NULL)
		return m;
	static const char hklm[] = "HKEY_LOCAL_MACHINE\\";
	size_t blen = strlen(b);
	char *s = esp_arena_alloc(&h->arena, sizeof hklm + blen);
	if (s == NULL)
		return NULL;
	memcpy(s, hklm, sizeof hklm - 1);
	for (size_t i = 0; i <= blen; i++)
		s[sizeof hklm - 1 + i] = b[i] == '\\' ? '_' : b[i];
	return s;
}

static const char *default_mount(regf *h)
{
	if (h->mount_done)
		return h->mount;
	h->mount_done = true;
	const char *m = mount_from_base_block(h);
	if (m == NULL && root_has(h, "Microsoft") &&
	    (root_has(h, "Classes") || root_has(h, "Policies")))
		m = "HKEY_LOCAL_MACHINE\\SOFTWARE";
	if (m == NULL && root_has(h, "ControlSet001") && root_has(h, "Select"))
		m = "HKEY_LOCAL_MACHINE\\SYSTEM";
	if (m == NULL)
		m = mount_from_file_name(h);
	h->mount = m;
	return m;
}

static const char *op_property(espdiag_backend *self, const char *name)
{
	regf *h = (regf *)self;
	if (strcmp(name, "format") == 0)
		return "hive";
	if (strcmp(name, "encoding") == 0)
		return "utf-16le";
	if (strcmp(name, "dialect") == 0)
		return h->dialect;
	if (strcmp(name, "default_mount") == 0)
		return default_mount(h);
	if (strcmp(name, "log_replay") == 0)
		return h->log_replay;
	if (strcmp(name, "note") == 0)
		return h->note;
	return NULL;
}

static void op_free(espdiag_backend *self)
{
	regf *h = (regf *)self;
	if (h == NULL)
		return;
	map_free(&h->vcache);
	map_free(&h->side);
	map_free(&h->lazy_id);
	free(h->page_bin);
	free(h->lazy_off);
	if (h->ids_lazy) {
		free(h->parent);
		free(h->nflags);
	}
	if (h->bitmaps_own) {
		free(h->cells);
		free(h->keys);
	}
	free(h->tmp);
	free(h->scratch);
	free(h->file_base);
	esp_arena_free(&h->arena);
	esp_warnings_free(&h->warnings);
	esp_input_release(&h->in);
	free(h);
}

/* ------------------------------------------------------------------ */
/* open */

int esp_regf_bid(const unsigned char *data, size_t size)
{
	return size >= 4 && memcmp(data, "regf", 4) == 0 ? 100 : 0;
}

/* Finds the next "hbin" at a 4096 boundary in [from, limit). */
static uint64_t next_bin(const unsigned char *data, uint64_t from, uint64_t limit)
{
	for (uint64_t o = from; o + REGF_BIN_HEADER <= limit; o += 4096)
		if (memcmp(data + o, "hbin", 4) == 0)
			return o;
	return limit;
}

/* Walks the cells of the bin at [bin, end) (file offsets) and marks the
 * allocated ones; quiet: again (lazily checked before), without warnings. */
static int walk_cells(regf *h, uint64_t bin, uint64_t end, uint32_t *root_guess, bool quiet)
{
	const unsigned char *data = h->in.data;
	uint64_t c = bin + REGF_BIN_HEADER;
	while (c + 4 <= end) {
		int32_t raw = (int32_t)esp_le32(data + c);
		int64_t len = raw < 0 ? -(int64_t)raw : (int64_t)raw;
		if (quiet && (len < 8 || (len & 7) != 0 || c + (uint64_t)len > end))
			return ESPDIAG_OK;
		if (len < 8 || (len & 7) != 0)
			return esp_warn(&h->warnings, 0, 0, c,
			                "cell at 0x%llx: bad size %d; the rest of its hbin at 0x%llx "
			                "is skipped", (unsigned long long)c, raw,
			                (unsigned long long)bin);
		if (c + (uint64_t)len > end)
			return esp_warn(&h->warnings, 0, 0, c,
			                "cell at 0x%llx: size %lld runs past the end of its hbin at "
			                "0x%llx; the rest of the hbin is skipped",
			                (unsigned long long)c, (long long)len,
			                (unsigned long long)bin);
		if (raw < 0) {
			uint32_t rel = (uint32_t)(c - REGF_BASE);
			bit_set(h->cells, rel);
			if (len >= 4 + REGF_NK_FIXED && data[c + 4] == 'n' && data[c + 5] == 'k') {
				bit_set(h->keys, rel);
				if (*root_guess == REGF_NONE && (esp_le16(data + c + 6) & NK_HIVE_ENTRY))
					*root_guess = rel;
			}
		}
		c += (uint64_t)len;
	}
	return ESPDIAG_OK;
}

static int walk_bins(regf *h, uint64_t limit, uint32_t *root_guess)
{
	const unsigned char *data = h->in.data;
	uint64_t off = REGF_BASE;
	int rc = ESPDIAG_OK;
	while (rc == ESPDIAG_OK && off + REGF_BIN_HEADER <= limit) {
		if (memcmp(data + off, "hbin", 4) != 0) {
			uint64_t next = next_bin(data, off + 4096, limit);
			if (next >= limit)
				return esp_warn(&h->warnings, 0, 0, off,
				                "no hbin at 0x%llx and none after it; the rest of the "
				                "hive is skipped", (unsigned long long)off);
			rc = esp_warn(&h->warnings, 0, 0, off,
			              "no hbin at 0x%llx; skipped to the next hbin at 0x%llx",
			              (unsigned long long)off, (unsigned long long)next);
			off = next;
			continue;
		}
		uint32_t size = esp_le32(data + off + 8);
		uint64_t extent = size;
		if (size < 4096 || size % 4096 != 0) {
			extent = next_bin(data, off + 4096, limit) - off;
			rc = esp_warn(&h->warnings, 0, 0, off,
			              "hbin at 0x%llx: size %u is not a multiple of 4096; read as %llu",
			              (unsigned long long)off, size, (unsigned long long)extent);
		} else if (off + extent > limit) {
			extent = next_bin(data, off + 4096, limit) - off;
			rc = esp_warn(&h->warnings, 0, 0, off,
			              "hbin at 0x%llx: size %u runs past the end of the hive bins at "
			              "0x%llx; read as %llu", (unsigned long long)off, size,
			              (unsigned long long)limit, (unsigned long long)extent);
		}
		if (rc == ESPDIAG_OK && esp_le32(data + off + 4) != off - REGF_BASE)
			rc = esp_warn(&h->warnings, 0, 0, off + 4,
			              "hbin at 0x%llx: its offset field says 0x%x", (unsigned long long)off,
			              esp_le32(data + off + 4));
		/* A bin checked lazily (regular, so no warnings above) is walked
		 * again only for root_guess. */
		uint32_t page = (uint32_t)((off - REGF_BASE) >> 12);
		bool quiet = h->page_bin != NULL && h->page_bin[page] == page + 1;
		if (rc == ESPDIAG_OK)
			rc = walk_cells(h, off, off + extent, root_guess, quiet);
		off += extent;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Lazy bins
 *
 * A big hive read from a file (a sparse input) is not walked at open: a
 * bin is read and its cells walked (walk_cells, the same checks and
 * warnings) the first time an offset in it is followed, so only checked
 * cells are ever followed, as before. The bin holding a page is the
 * nearest "hbin" at or before it; it is taken as the walk at open would
 * take it only when regular (a size that is a multiple of 4096 and covers
 * the page, inside the bins, and an offset field that names its own
 * place). Anything else the walk at open would warn about at the level of
 * bins (no hbin where one should be, a bad size or offset field) checks
 * every bin then, by walk_bins, with its warnings: so a damaged hive's
 * warnings are the walk's, and only their order differs (they come as the
 * bins are reached). Past a budget of bytes checked (a walk of a good part
 * of the hive), the rest is read and checked at once, which costs less
 * than bin by bin. (Judgment call: a regular-looking "hbin" header at a
 * 4096 boundary inside the data of a bigger bin would be taken as a bin
 * of its own here and not by the walk at open; every read still stays
 * inside checked cells.)
 *
 * Keys met before every bin is checked have no rank (ranks count the key
 * cells of the whole hive): they get ids in the order met, which become
 * ranks at the start of the first call after every bin is checked. */

/* Lazy: makes bins bytes [from, to) hold the file's; says once when some
 * could not be read (they read as zeros, and their cells fail the checks). */
static void lazy_fetch(regf *h, uint32_t from, uint32_t to)
{
	if (esp_input_fetch(&h->in, REGF_BASE + (size_t)from, REGF_BASE + (size_t)to) ==
	            ESPDIAG_OK ||
	    h->fetch_warned)
		return;
	h->fetch_warned = true;
	esp_warn(&h->warnings, 0, 0, FILE_OFF(from),
	         "hive: bytes between 0x%llx and 0x%llx could not be read (the file shrank or a "
	         "read failed); what was not read reads as zeros", FILE_OFF(from), FILE_OFF(to));
}

/* Checks every bin not checked yet (walk_bins); ids become ranks at the
 * next call. */
static void check_all_bins(regf *h, uint32_t *root_guess)
{
	/* The walk runs once (a lookup past the budget may have run it
	 * already): its root guess is kept for the callers after it. */
	if (h->page_bin == NULL) {
		*root_guess = h->walk_root_guess;
		return;
	}
	lazy_fetch(h, 0, h->bins_size);
	h->walk_root_guess = REGF_NONE;
	walk_bins(h, REGF_BASE + (uint64_t)h->bins_size, &h->walk_root_guess);
	*root_guess = h->walk_root_guess;
	free(h->page_bin);
	h->page_bin = NULL;
	h->ranks_due = h->ids_lazy;
}

/* The pages of the regular bin whose header hdr is at page q: an "hbin"
 * whose offset field names q and whose size is whole pages inside the
 * bins; else 0. */
static uint32_t regular_hdr(const regf *h, uint32_t q, const unsigned char *hdr)
{
	uint32_t size = esp_le32(hdr + 8);
	if (memcmp(hdr, "hbin", 4) != 0 || esp_le32(hdr + 4) != q << 12 || size < 4096 ||
	    size % 4096 != 0 || size > h->bins_size - (q << 12))
		return 0;
	return size >> 12;
}

/* regular_hdr of page q, read by then. */
static uint32_t regular_bin(const regf *h, uint32_t q)
{
	return regular_hdr(h, q, h->bins + ((size_t)q << 12));
}

/* regular_hdr of page q, its header read from the file but not kept when
 * it was not read yet: the neighbours of a bin cost no memory. */
static uint32_t regular_peek(regf *h, uint32_t q)
{
	unsigned char hdr[REGF_BIN_HEADER];
	if (esp_input_peek(&h->in, REGF_BASE + ((size_t)q << 12), hdr, sizeof hdr) != ESPDIAG_OK &&
	    !h->fetch_warned) {
		h->fetch_warned = true;
		esp_warn(&h->warnings, 0, 0, FILE_OFF(q << 12),
		         "hive: bytes between 0x%llx and 0x%llx could not be read (the file shrank "
		         "or a read failed); what was not read reads as zeros",
		         FILE_OFF(q << 12), FILE_OFF((q << 12) + REGF_BIN_HEADER));
	}
	return regular_hdr(h, q, hdr);
}

/* The nearest page at or before p that starts with "hbin", or -1 when
 * none does; with keep, the pages looked at are read (lazy_fetch), else
 * only peeked at. */
static int64_t hbin_before(regf *h, uint32_t p, bool keep)
{
	for (uint32_t q = p;; q--) {
		unsigned char head[4];
		if (h->page_bin[q] != 0)
			return (int64_t)h->page_bin[q] - 1; /* inside a checked bin */
		if (keep)
			lazy_fetch(h, q << 12, (q << 12) + REGF_BIN_HEADER);
		else if (esp_input_peek(&h->in, REGF_BASE + ((size_t)q << 12), head, 4) != ESPDIAG_OK)
			return -1;
		if (memcmp(keep ? h->bins + ((size_t)q << 12) : head, "hbin", 4) == 0)
			return q;
		if (q == 0)
			return -1;
	}
}

/* Finds the bin holding page p and checks it, when it and its neighbours
 * are what the walk at open would find: the nearest "hbin" at or before p
 * is regular and covers p, no page inside it looks like a bin of its own,
 * the bin before it (if any) is regular and ends where it starts, and the
 * page after it (if any) starts a regular bin. Anything else checks every
 * bin. */
static void check_page(regf *h, uint32_t p)
{
	uint32_t guess = REGF_NONE;
	if (h->lazy_bytes >= h->lazy_budget) {
		check_all_bins(h, &guess);
		return;
	}
	int64_t found = hbin_before(h, p, true);
	uint32_t q = (uint32_t)found, n = found >= 0 ? regular_bin(h, q) : 0;
	bool ok = n > p - q && h->page_bin[q] == 0;
	if (ok && q > 0) {
		int64_t prev = hbin_before(h, q - 1, false);
		ok = prev >= 0 && (uint32_t)prev + regular_peek(h, (uint32_t)prev) == q;
	}
	uint32_t end = q + n;
	if (ok && end < h->bins_size >> 12)
		ok = regular_peek(h, end) > 0;
	if (ok)
		lazy_fetch(h, q << 12, end << 12);
	for (uint32_t i = q + 1; ok && i < end; i++)
		ok = regular_bin(h, i) == 0;
	if (!ok) {
		check_all_bins(h, &guess);
		return;
	}
	for (uint32_t i = q; i < end; i++)
		h->page_bin[i] = q + 1;
	h->lazy_bytes += (uint64_t)n << 12;
	walk_cells(h, REGF_BASE + ((uint64_t)q << 12), REGF_BASE + ((uint64_t)end << 12), &guess,
	           false);
}

/* The prefix counts of key cells by word, once every bin is checked. */
static int count_keys(regf *h)
{
	size_t words = (size_t)h->bins_size / 512 + 1, nkeys = 0;
	h->key_rank = esp_arena_calloc(&h->arena, words, sizeof *h->key_rank);
	if (h->key_rank == NULL)
		return ESPDIAG_ENOMEM;
	for (size_t i = 0; i < words; i++) {
		h->key_rank[i] = (uint32_t)nkeys;
		nkeys += ones(h->keys[i]);
	}
	h->nkeys = nkeys;
	return ESPDIAG_OK;
}

/* Turns the lazy ids into ranks (every bin is checked). */
static int to_ranks(regf *h)
{
	if (count_keys(h) != ESPDIAG_OK)
		return ESPDIAG_ENOMEM;
	uint32_t *parent = esp_arena_calloc(&h->arena, h->nkeys, sizeof *parent);
	uint8_t *nflags = esp_arena_calloc(&h->arena, h->nkeys, 1);
	if (parent == NULL || nflags == NULL)
		return ESPDIAG_ENOMEM;
	for (size_t i = 0; i < h->lazy_n; i++) {
		uint32_t r = bit_rank(h, h->lazy_off[i]);
		nflags[r] = h->nflags[i];
		if (h->parent[i] != 0)
			parent[r] = bit_rank(h, h->lazy_off[h->parent[i] - 1]) + 1;
	}
	free(h->parent);
	free(h->nflags);
	free(h->lazy_off);
	h->lazy_off = NULL;
	map_free(&h->lazy_id);
	h->parent = parent;
	h->nflags = nflags;
	h->ids_lazy = h->ranks_due = false;
	h->last_id[0] = h->last_id[1] = 0;
	h->last_rank[0] = h->last_rank[1] = -1;
	h->vals_rank = -1;
	return ESPDIAG_OK;
}

static int check_base_block(regf *h, uint64_t *limit, esp_err *err)
{
	const unsigned char *d = h->in.data;
	size_t size = h->in.size;
	const char *name = h->in.name ? h->in.name : "(hive)";
	if (size < REGF_BASE + REGF_BIN_HEADER || memcmp(d, "regf", 4) != 0)
		return esp_err_set(err, ESPDIAG_EFORMAT,
		                   "%s: not a regf hive (too small or no \"regf\" signature)", name);
	uint32_t major = esp_le32(d + 20), minor = esp_le32(d + 24);
	if (major != 1)
		return esp_err_set(err, ESPDIAG_EFORMAT, "%s: regf version %u.%u is not supported",
		                   name, major, minor);
	snprintf(h->dialect, sizeof h->dialect, "regf %u.%u", major, minor);
	uint32_t sum = 0;
	for (size_t i = 0; i < 508; i += 4)
		sum ^= esp_le32(d + i);
	if (sum == 0)
		sum = 1;
	else if (sum == 0xFFFFFFFFu)
		sum = 0xFFFFFFFEu;
	uint32_t stored = esp_le32(d + 508);
	int rc = ESPDIAG_OK;
	if (stored != sum)
		rc = esp_warn(&h->warnings, 0, 0, 508,
		              "base block: checksum 0x%08x does not match the computed 0x%08x",
		              stored, sum);
	uint32_t seq1 = esp_le32(d + 4), seq2 = esp_le32(d + 8);
	if (rc == ESPDIAG_OK && seq1 != seq2)
		rc = esp_warn(&h->warnings, 0, 0, 4,
		              "base block: sequence numbers %u and %u differ: the hive is dirty "
		              "(its transaction logs are not applied)", seq1, seq2);
	uint32_t type = esp_le32(d + 28);
	if (rc == ESPDIAG_OK && type != 0)
		rc = esp_warn(&h->warnings, 0, 0, 28,
		              "base block: file type %u is not a primary hive (a transaction log?)",
		              type);
	uint64_t bins = esp_le32(d + 40);
	uint64_t avail = size - REGF_BASE;
	if (bins == 0 || bins % 4096 != 0 || bins > avail) {
		uint64_t use = avail > UINT32_MAX ? UINT32_MAX - 4095 : avail;
		use -= use % 4;
		if (rc == ESPDIAG_OK)
			rc = esp_warn(&h->warnings, 0, 0, 40,
			              "base block: hive bins size %llu does not fit the file; %llu "
			              "bytes read", (unsigned long long)bins, (unsigned long long)use);
		bins = use;
	}
	*limit = REGF_BASE + bins;
	return rc;
}

static char *base_name(const char *path)
{
	if (path == NULL || *path == '\0' || strcmp(path, "-") == 0 ||
	    strcmp(path, "(memory)") == 0)
		return NULL;
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	return *b ? strdup(b) : NULL;
}

static void release_replayed(esp_input *in)
{
	free(in->priv);
}

/* Opens the logs the options name (into logs[0..)), or else takes the
 * caller's and finds those beside file; returns how many, and in *first
 * the index of the first one opened here (to be released). */
static size_t gather_logs(regf *h, esp_input *logs, char **paths, size_t *first,
                          const char *file, const esp_input *given, size_t ngiven,
                          const char *const *named, uint64_t max_size)
{
	size_t n = 0;
	if (named != NULL) {
		*first = 0;
		for (size_t i = 0; named[i] != NULL && n < ESP_REGF_MAX_LOGS; i++) {
			esp_err e;
			if (esp_input_open_file(&logs[n], named[i], max_size, &e) == ESPDIAG_OK)
				n++;
			else
				esp_warn(&h->warnings, 0, 0, 0, "transaction log not read: %s", e.msg);
		}
		return n;
	}
	for (size_t i = 0; i < ngiven && n < ESP_REGF_MAX_LOGS; i++)
		logs[n++] = given[i];
	*first = n;
	if (file != NULL)
		n += esp_regf_find_logs(logs + n, paths + n, ESP_REGF_MAX_LOGS - n, file, max_size,
		                        &h->warnings);
	return n;
}

/* A dirty hive with logs: the logs are replayed into a copy that becomes
 * the input (see regf_log.c). */
static int replay_logs(regf *h, const char *file, const esp_input *given, size_t ngiven,
                       const espdiag_open_options *opts, uint64_t max_size, esp_err *err)
{
	if (h->in.size < REGF_BASE || memcmp(h->in.data, "regf", 4) != 0 ||
	    !esp_regf_is_dirty(h->in.data))
		return ESPDIAG_OK;
	const char *const *named = NULL;
	if (opts != NULL && opts->version >= 2) {
		if (opts->flags & ESPDIAG_OPEN_NO_HIVE_LOGS)
			return ESPDIAG_OK;
		named = opts->hive_logs;
	}
	esp_input logs[ESP_REGF_MAX_LOGS];
	char *paths[ESP_REGF_MAX_LOGS] = { NULL };
	size_t first = 0;
	size_t n = gather_logs(h, logs, paths, &first, file, given, ngiven, named, max_size);
	esp_regf_replay r;
	int rc = n > 0 ? esp_regf_replay_logs(&r, &h->in, logs, n, max_size, &h->warnings)
	               : ESPDIAG_OK;
	for (size_t i = first; i < n; i++) {
		esp_input_release(&logs[i]);
		free(paths[i]);
	}
	const char *name = h->in.name ? h->in.name : "(hive)";
	if (rc == ESPDIAG_EIO)
		return esp_err_set(err, rc, "%s: could not be read again to replay its logs", name);
	if (rc != ESPDIAG_OK)
		return esp_err_set(err, rc, "out of memory");
	if (n == 0)
		return ESPDIAG_OK;
	if (r.note[0] != '\0' &&
	    (h->note = esp_arena_strndup(&h->arena, r.note, strlen(r.note))) == NULL)
		rc = ESPDIAG_ENOMEM;
	if (r.data != NULL) {
		if (rc == ESPDIAG_OK &&
		    (h->log_replay = esp_arena_strndup(&h->arena, r.summary, strlen(r.summary))) == NULL)
			rc = ESPDIAG_ENOMEM;
		esp_input_release(&h->in);
		esp_input_wrap(&h->in, r.data, r.size, h->in.name);
		h->in.priv = r.data;
		h->in.release = release_replayed;
	}
	return rc == ESPDIAG_OK ? rc : esp_err_set(err, rc, "out of memory");
}

int esp_regf_open(espdiag_backend **out, esp_input *in, const espdiag_open_options *opts,
                  esp_err *err)
{
	return esp_regf_open_mode(out, in, NULL, NULL, 0, opts, ESP_REGF_AUTO, err);
}

int esp_regf_open_logs(espdiag_backend **out, esp_input *in, const char *file,
                       const esp_input *logs, size_t nlogs, const espdiag_open_options *opts,
                       esp_err *err)
{
	return esp_regf_open_mode(out, in, file, logs, nlogs, opts, ESP_REGF_AUTO, err);
}

/* Sets up lazy checking (see "Lazy bins"): the bitmaps untouched until
 * bins are checked, the root's bin checked. */
static int lazy_open(regf *h, size_t words, uint64_t budget)
{
	size_t pages = h->bins_size >> 12;
	h->cells = calloc(words, sizeof *h->cells);
	h->keys = calloc(words, sizeof *h->keys);
	h->bitmaps_own = true;
	h->page_bin = calloc(pages ? pages : 1, sizeof *h->page_bin);
	h->ids_lazy = true;
	h->lazy_budget = budget;
	if (h->cells == NULL || h->keys == NULL || h->page_bin == NULL)
		return ESPDIAG_ENOMEM;
	return ESPDIAG_OK;
}

int esp_regf_open_mode(espdiag_backend **out, esp_input *in, const char *file,
                       const esp_input *logs, size_t nlogs, const espdiag_open_options *opts,
                       int mode, esp_err *err)
{
	*out = NULL;
	regf *h = calloc(1, sizeof *h);
	if (h == NULL) {
		esp_input_release(in);
		return esp_err_set(err, ESPDIAG_ENOMEM, "out of memory");
	}
	esp_limits lim;
	esp_limits_from_options(&lim, opts);
	h->max_depth = lim.max_depth < REGF_MAX_DEPTH ? lim.max_depth : REGF_MAX_DEPTH;
	h->max_value_size = lim.max_value_size;
	h->max_keys = lim.max_keys;
	h->max_values = lim.max_values;
	h->in = *in;
	h->last_rank[0] = h->last_rank[1] = -1; /* last_id 0 names no key */
	h->vals_rank = -1;
	h->walk_root_guess = REGF_NONE;
	/* The input is ours now: the caller's copy must not release it again. */
	in->release = NULL;
	in->consumed = NULL;
	esp_arena_init(&h->arena);
	esp_warnings_init(&h->warnings);
	/* A file that shrank while it was read: what was read, and a warning. */
	int rc = esp_input_warn_shrank(in, &h->warnings);
	if (rc == ESPDIAG_OK)
		rc = replay_logs(h, file, logs, nlogs, opts, lim.max_input_size, err);
	if (rc != ESPDIAG_OK) {
		op_free(&h->base);
		return rc;
	}
	uint64_t limit = 0;
	rc = check_base_block(h, &limit, err);
	if (rc != ESPDIAG_OK) {
		op_free(&h->base);
		return rc;
	}
	h->bins = h->in.data + REGF_BASE;
	h->bins_size = (uint32_t)(limit - REGF_BASE);
	size_t words = (size_t)h->bins_size / 512 + 1;
	h->file_base = base_name(h->in.name);
	/* Lazily: asked for, or a sparse input (a big hive from a file, whose
	 * bins are then all checked once a sixteenth of them is), when the
	 * base block's bins size is whole pages that fit the file. */
	bool lazy = mode == ESP_REGF_LAZY || (mode == ESP_REGF_AUTO && h->in.fetch != NULL);
	if (esp_le32(h->in.data + 40) != h->bins_size || h->bins_size % 4096 != 0)
		lazy = false;
	uint32_t root_guess = REGF_NONE;
	uint32_t root = esp_le32(h->in.data + 36);
	if (lazy) {
		rc = lazy_open(h, words, mode == ESP_REGF_LAZY ? UINT64_MAX : h->bins_size / 16);
		if (rc == ESPDIAG_OK && nk_cell(h, root, NULL) == NULL) {
			/* No root where the base block says: found as the walk
			 * finds it. */
			check_all_bins(h, &root_guess);
			rc = to_ranks(h);
		}
	} else {
		/* A big hive fills the arena (these maps, then lists and big
		 * data) at once: it starts in huge pages rather than in 4 KiB
		 * page faults. */
		if (h->bins_size >= REGF_BIG_HIVE)
			esp_arena_reserve(&h->arena, (size_t)2 << 20);
		lazy_fetch(h, 0, h->bins_size);
		h->cells = esp_arena_calloc(&h->arena, words, sizeof *h->cells);
		h->keys = esp_arena_calloc(&h->arena, words, sizeof *h->keys);
		rc = h->cells == NULL || h->keys == NULL ? ESPDIAG_ENOMEM : ESPDIAG_OK;
		if (rc == ESPDIAG_OK)
			rc = walk_bins(h, limit, &root_guess);
		if (rc == ESPDIAG_OK)
			rc = count_keys(h);
		if (rc == ESPDIAG_OK) {
			h->parent = esp_arena_calloc(&h->arena, h->nkeys, sizeof *h->parent);
			h->nflags = esp_arena_calloc(&h->arena, h->nkeys, 1);
			if (h->parent == NULL || h->nflags == NULL)
				rc = ESPDIAG_ENOMEM;
		}
	}
	if (rc != ESPDIAG_OK) {
		op_free(&h->base);
		return esp_err_set(err, rc, "out of memory");
	}
	const char *name = h->in.name ? h->in.name : "(hive)";
	if (nk_cell(h, root, NULL) == NULL) {
		uint32_t type = esp_le32(h->in.data + 28);
		if ((root_guess == REGF_NONE || nk_cell(h, root_guess, NULL) == NULL) && type != 0) {
			rc = esp_err_set(err, ESPDIAG_EFORMAT,
			                 "%s: a transaction log (file type %u), not a hive; logs are "
			                 "not read", name, type);
			op_free(&h->base);
			return rc;
		}
		if (root_guess == REGF_NONE || nk_cell(h, root_guess, NULL) == NULL) {
			rc = esp_err_set(err, ESPDIAG_EFORMAT,
			                 "%s: root key offset 0x%llx %s and no root key was found",
			                 name, FILE_OFF(root),
			                 cell(h, root, &(uint32_t){ 0 }) ? "is not a key" :
			                                                    cell_why(h, root));
			op_free(&h->base);
			return rc;
		}
		esp_warn(&h->warnings, 0, 0, 36,
		         "base block: root key offset 0x%llx is not a key; using the root key "
		         "found at 0x%llx", FILE_OFF(root), FILE_OFF(root_guess));
		root = root_guess;
	}
	h->root_off = root;
	int64_t root_rank = key_rank(h, root, true);
	if (root_rank < 0) {
		op_free(&h->base);
		return esp_err_set(err, ESPDIAG_ENOMEM, "out of memory");
	}
	h->nflags[root_rank] = N_ADOPTED;
	h->keys_read = 1;
	const unsigned char *rnk = checked(h, root);
	rc = warn_name_cut(h, root, rnk, REGF_NK_FIXED, (esp_le16(rnk + 2) & NK_COMP_NAME) != 0);
	if (rc != ESPDIAG_OK) {
		op_free(&h->base);
		return esp_err_set(err, rc, "out of memory");
	}
	/* Each list entry takes at least 4 bytes of some cell. */
	h->work_left = (uint64_t)h->bins_size / 4 + 4096;
	h->big_left = (uint64_t)h->bins_size * 2 + 65536;

	espdiag_backend *b = &h->base;
	b->version = ESPDIAG_BACKEND_VERSION;
	b->root = op_root;
	b->subkey_count = op_subkey_count;
	b->subkey_at = op_subkey_at;
	b->subkey_find = op_subkey_find;
	b->key_name = op_key_name;
	b->key_last_write = op_key_last_write;
	b->value_count = op_value_count;
	b->value_at = op_value_at;
	b->warning_count = op_warning_count;
	b->warning_at = op_warning_at;
	b->property = op_property;
	b->free = op_free;
	*out = b;
	return ESPDIAG_OK;
}

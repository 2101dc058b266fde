/*
 * lib/internal.h - what every module of the library shares and nothing
 * outside it sees: the error buffer, the arena, the growable warning list,
 * the input blob, and the checked-size helpers.
 */
#ifndef ESPDIAG_INTERNAL_H
#define ESPDIAG_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <espdiag/backend.h>
#include <espdiag/registry.h>

#if defined(__GNUC__)
#define ESP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ESP_PRINTF(f, a)
#endif

/* --- error buffer: the message of the last failure on a handle --- */
typedef struct esp_err {
	char msg[512];
} esp_err;

/* Formats into err (when err is not NULL) and returns status, so that
 * "return esp_err_set(err, ESPDIAG_EFORMAT, ...);" reads naturally. */
int esp_err_set(esp_err *err, int status, const char *fmt, ...) ESP_PRINTF(3, 4);

/* --- arena: many small allocations freed at once --- */
typedef struct esp_arena_block esp_arena_block;
typedef struct esp_arena {
	esp_arena_block *head;
	size_t used;       /* bytes used in head */
	size_t cap;        /* bytes available in head */
	size_t total;      /* bytes allocated from the system, all blocks */
	size_t reserve;    /* the next block's size at least (a caller's hint) */
} esp_arena;

void esp_arena_init(esp_arena *a);
/* Returns size bytes aligned for any type, or NULL when out of memory. */
void *esp_arena_alloc(esp_arena *a, size_t size);
void *esp_arena_memdup(esp_arena *a, const void *p, size_t size);
/* n zeroed elements of size bytes (aligned as esp_arena_alloc); NULL when
 * out of memory or when n * size overflows. */
void *esp_arena_calloc(esp_arena *a, size_t n, size_t size);
/* Grows p (old_size bytes, allocated from a) to new_size: in place when it
 * is the arena's last allocation and the block has room, else as a copy
 * (the old bytes stay until the arena is freed). NULL when out of memory. */
void *esp_arena_grow(esp_arena *a, void *p, size_t old_size, size_t new_size);
/* Grows p (old_size bytes, the arena's last allocation) by more bytes
 * where it is; false (and nothing changed) when it cannot. */
bool esp_arena_extend(esp_arena *a, void *p, size_t old_size, size_t more);
/* Gives back the end of p (the arena's last allocation) beyond new_size;
 * false (and nothing changed) when p is not the last allocation. */
bool esp_arena_shrink(esp_arena *a, void *p, size_t old_size, size_t new_size);
/* size bytes with no alignment (for strings and value data, which are read
 * byte-wise), so small allocations waste no padding. */
void *esp_arena_alloc_bytes(esp_arena *a, size_t size);
/* Asks that the next block the arena takes hold at least bytes: a caller
 * that knows how much is coming gets it in one block of huge pages. */
void esp_arena_reserve(esp_arena *a, size_t bytes);
/* Copies len bytes and appends a NUL (no alignment). */
char *esp_arena_strndup(esp_arena *a, const char *s, size_t len);
void esp_arena_free(esp_arena *a);

/* --- warnings --- */
/* At most this many warnings are kept per list; later ones are counted and
 * summed up in one last warning, so hostile input cannot grow memory. */
#define ESP_MAX_WARNINGS 1000

typedef struct esp_warnings {
	espdiag_warning *items;
	size_t count;
	size_t cap;
	uint64_t dropped;    /* warnings past ESP_MAX_WARNINGS */
	espdiag_warning summary; /* "N more warnings not kept", when dropped > 0 */
	uint64_t summarised; /* the dropped count summary was written for */
	esp_arena strings;   /* the messages */
} esp_warnings;

void esp_warnings_init(esp_warnings *w);
/* Adds a warning; returns ESPDIAG_OK or ESPDIAG_ENOMEM. */
int esp_warn(esp_warnings *w, uint64_t line, uint64_t column, uint64_t offset,
             const char *fmt, ...) ESP_PRINTF(5, 6);
/* Number of warnings including the summary of dropped ones. */
size_t esp_warnings_count(const esp_warnings *w);
const espdiag_warning *esp_warnings_at(esp_warnings *w, size_t index);
void esp_warnings_free(esp_warnings *w);

/* --- input blob: the bytes of one source and how to let them go --- */
typedef struct esp_input esp_input;
struct esp_input {
	const unsigned char *data;
	size_t size;
	const char *name;                /* path or label, for messages */
	/* Frees what holds data (unmaps, frees a buffer); NULL for the
	 * caller's own memory. Called once, by whoever owns the input. */
	void (*release)(esp_input *in);
	/* Optional hint that data[0..upto) will not be read again, so that
	 * its memory can go: those bytes may then read as zeros. NULL when
	 * not useful. */
	void (*consumed)(esp_input *in, size_t upto);
	/* A UTF-16 file stays open here (else -1), for a reader that reads
	 * it through pread (see lib/regtext.c): then only its first 64 KiB
	 * are in memory, and the rest of data is the file mapped, which a
	 * reader should not touch (SIGBUS when the file shrinks). Closed by
	 * release. */
	int fd;
	/* The file's size when opened, when it shrank while it was read (the
	 * input then holds the size bytes read); else 0. */
	uint64_t shrank_from;
	void *priv;
	size_t priv_size;
	/* A sparse input (esp_input_open_file_lazy()): only the bytes
	 * esp_input_fetch() brought in hold the file's; the rest of data reads
	 * as zeros. NULL for a whole input. */
	int (*fetch)(esp_input *in, size_t from, size_t to);
};

/* Opens path ("-" = standard input) into *in: a regular file is read into
 * memory (a UTF-16 one in part, see fd), anything else read to its end.
 * Fails with ESPDIAG_ELIMIT past max_size. */
int esp_input_open_file(esp_input *in, const char *path, uint64_t max_size, esp_err *err);
int esp_input_open_stdin(esp_input *in, uint64_t max_size, esp_err *err);
/* esp_input_open_file, except that a regular file of at least
 * ESP_INPUT_LAZY_MIN bytes starting with "regf" is opened sparse: its
 * first bytes are read, the rest when esp_input_fetch() asks (into an
 * anonymous mapping, so a file that shrinks meanwhile reads as zeros past
 * its new end, never faults). Only for a caller that hands such an input
 * to esp_regf_open*() (which fetches what it reads) or fetches it whole;
 * when the system will not map, the file is read whole. */
#define ESP_INPUT_LAZY_MIN ((size_t)1 << 20)
int esp_input_open_file_lazy(esp_input *in, const char *path, uint64_t max_size, esp_err *err);
/* Makes bytes [from, to) of in hold the file's (a no-op for a whole
 * input). ESPDIAG_OK, else ESPDIAG_EIO: a read failed or the file ended
 * early (it shrank), and what was not read reads as zeros, for good. */
static inline int esp_input_fetch(esp_input *in, size_t from, size_t to)
{
	return in->fetch != NULL ? in->fetch(in, from, to) : 0;
}
/* Copies bytes [off, off + n) of in (within in->size) into buf: for a
 * sparse input, what was not fetched is read from the file without being
 * kept. ESPDIAG_OK, else ESPDIAG_EIO (buf then holds zeros where nothing
 * could be read). */
int esp_input_peek(esp_input *in, size_t off, void *buf, size_t n);
/* Wraps the caller's bytes (not copied, not freed). */
void esp_input_wrap(esp_input *in, const void *data, size_t size, const char *name);
/* Adds to w, when in's file shrank while it was read, the warning that
 * says so (offset: where the bytes read end); a reader calls it once.
 * ESPDIAG_OK or ESPDIAG_ENOMEM. */
int esp_input_warn_shrank(const esp_input *in, esp_warnings *w);
/* Releases the input (idempotent). */
void esp_input_release(esp_input *in);

/* --- the registry view's names without a NUL-terminated copy (export) --- */
const char *esp_key_name_bytes(const espdiag_key *key, size_t *len);
const char *esp_value_name_bytes(const espdiag_value *value, size_t *len);

/* The status a reader of the whole view (espdiag_esp_load) ends with: rc
 * when it is an error, else the view's sticky failure
 * (espdiag_registry_status()), whose message it puts back on the handle;
 * so that a key a backend failed to read never passes for an absent one. */
int esp_registry_failure(espdiag_registry *reg, int rc);

/* Sets the index-th source's "path", "member" and "members" properties
 * (copied; NULL leaves "path" as it is and clears the others), for a
 * source a caller above the view mounted from a collection's member (the
 * evidence bundle). ESPDIAG_OK, ESPDIAG_EINVAL or ESPDIAG_ENOMEM. */
int esp_registry_label_source(espdiag_registry *reg, size_t index, const char *path,
                              const char *member, const char *members);

/* --- checked arithmetic --- */
static inline bool esp_add_overflows(size_t a, size_t b, size_t *out)
{
	return __builtin_add_overflow(a, b, out);
}
static inline bool esp_mul_overflows(size_t a, size_t b, size_t *out)
{
	return __builtin_mul_overflow(a, b, out);
}

/* Makes room for one more element in *array, a malloc'd array of *cap
 * elements of elem bytes that holds n: when full it doubles (from first
 * elements). ESPDIAG_OK, or ESPDIAG_ENOMEM with the array unchanged. */
int esp_reserve_one(void **array, size_t n, size_t *cap, size_t elem, size_t first);

/* Returns fn(arg), run on a thread of its own whose stack is stack_size
 * bytes, the caller waiting: for a library that recurses as deep as its
 * input nests (libevtx), whatever stack the caller's thread has. Where no
 * thread can be made (out of memory or threads), fn runs on the caller's
 * stack, as it would without this. The stack's pages are only reserved
 * until touched. The wait is no cancellation point. lib/thread.c. */
int esp_call_on_stack(int (*fn)(void *), void *arg, size_t stack_size);

/* Little-endian loads (the data may be unaligned). */
static inline uint16_t esp_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t esp_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}
static inline uint64_t esp_le64(const unsigned char *p)
{
	return (uint64_t)esp_le32(p) | ((uint64_t)esp_le32(p + 4) << 32);
}

/* Deepest key path any layer walks (Windows allows 512 levels). */
#define ESP_MAX_DEPTH 512

/* Defaults of the open options' caps (a 0 field means these). */
#define ESP_DEFAULT_MAX_INPUT ((uint64_t)4 << 30)
#define ESP_DEFAULT_MAX_MEMBER ((uint64_t)256 << 20)
#define ESP_DEFAULT_MAX_DECOMPRESSED ((uint64_t)512 << 20)
#define ESP_DEFAULT_MAX_KEYS ((uint64_t)16 << 20)
#define ESP_DEFAULT_MAX_VALUES ((uint64_t)64 << 20)
#define ESP_DEFAULT_MAX_VALUE_SIZE ((uint64_t)64 << 20)

/* The caps in force: the options' fields with 0 replaced by the defaults. */
typedef struct esp_limits {
	uint64_t max_input_size, max_member_size, max_decompressed;
	uint64_t max_keys, max_values, max_value_size;
	uint32_t max_depth;
} esp_limits;

void esp_limits_from_options(esp_limits *out, const espdiag_open_options *opts);

#endif /* ESPDIAG_INTERNAL_H */

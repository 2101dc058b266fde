/*
 * espdiag/backend.h - the abstract registry backend, for backend writers.
 *
 * A backend serves one tree of keys and values: a .reg export, a regf hive,
 * or anything a user supplies (a live registry, a vendor's collected data).
 * The built-in readers implement exactly this table; a registry view
 * (registry.h) mounts backends under path prefixes and never knows which
 * kind it reads.
 *
 * Writing a backend: embed espdiag_backend as the FIRST member of your own
 * struct, call espdiag_backend_init() on it, fill in the callbacks, and hand
 * it to espdiag_registry_mount(). Keys are identified by opaque 64-bit node
 * ids of the backend's choosing.
 *
 * Lifetimes: every string and byte range a callback hands out must stay
 * valid and unchanged until the backend's free callback runs.
 *
 * Return values: callbacks return ESPDIAG_OK, ESPDIAG_NOTFOUND (subkey_find
 * found nothing, key_last_write has no time), or a negative ESPDIAG_E*
 * code. A node id the view passes in is always one the backend handed out.
 *
 * Compatibility: callbacks are only ever appended. A backend built against
 * version N sets version = N (espdiag_backend_init does); the library never
 * calls a callback past what that version defines.
 */
#ifndef ESPDIAG_BACKEND_H
#define ESPDIAG_BACKEND_H

#include <espdiag/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ops table version this header defines. */
#define ESPDIAG_BACKEND_VERSION 1

/* An opaque key id, chosen by the backend. */
typedef uint64_t espdiag_node;

/* One value as a backend hands it out. */
typedef struct espdiag_backend_value {
	const char *name;          /* UTF-8; "" for the default value; may hold NUL bytes */
	size_t name_len;           /* length of name in bytes, without a terminator */
	uint32_t type;             /* Windows type number (ESPDIAG_REG_*), any value */
	const unsigned char *data; /* raw bytes as Windows stores them (REG_SZ: UTF-16LE) */
	size_t size;               /* length of data in bytes */
} espdiag_backend_value;

/*
 * A warning: something in the input was damaged and skipped. Owned by the
 * backend (or the view); valid until it is freed. Fields are only appended.
 */
typedef struct espdiag_warning {
	uint64_t line;        /* 1-based line of a text input; 0 when not applicable */
	uint64_t column;      /* 1-based column in characters; 0 when not applicable */
	uint64_t offset;      /* byte offset in the input */
	const char *message;  /* English, UTF-8, one line */
} espdiag_warning;

typedef struct espdiag_backend espdiag_backend;

struct espdiag_backend {
	unsigned int version; /* ESPDIAG_BACKEND_VERSION the backend was built against */

	/* The root key: the key that the mount prefix names. Required. */
	int (*root)(espdiag_backend *self, espdiag_node *out);
	/* Number of subkeys of key. Required. */
	int (*subkey_count)(espdiag_backend *self, espdiag_node key, size_t *out);
	/* The index-th subkey, in source order. Required. */
	int (*subkey_at)(espdiag_backend *self, espdiag_node key, size_t index,
	                 espdiag_node *out);
	/* Optional (NULL: the view scans subkey_at). The subkey named name,
	 * compared case-insensitively; ESPDIAG_NOTFOUND when absent. */
	int (*subkey_find)(espdiag_backend *self, espdiag_node key, const char *name,
	                   size_t name_len, espdiag_node *out);
	/* The key's own name (UTF-8, may hold NUL bytes). Required. */
	int (*key_name)(espdiag_backend *self, espdiag_node key, const char **out,
	                size_t *out_len);
	/* Optional. Last-write time as a Windows FILETIME; ESPDIAG_NOTFOUND when unknown. */
	int (*key_last_write)(espdiag_backend *self, espdiag_node key, uint64_t *out);
	/* Number of values of key. Required. */
	int (*value_count)(espdiag_backend *self, espdiag_node key, size_t *out);
	/* The index-th value, in source order. Required. */
	int (*value_at)(espdiag_backend *self, espdiag_node key, size_t index,
	                espdiag_backend_value *out);
	/* Optional. Number of warnings the backend has collected so far. */
	size_t (*warning_count)(espdiag_backend *self);
	/* Optional. The index-th warning; NULL when out of range. */
	const espdiag_warning *(*warning_at)(espdiag_backend *self, size_t index);
	/* Optional. A descriptive property, or NULL when the backend has none.
	 * Names used by the view: "format" ("reg", "hive", or the backend's own
	 * word), "encoding", "dialect", "default_mount" (the prefix to mount at
	 * when the caller gives none). The string must stay valid until free. */
	const char *(*property)(espdiag_backend *self, const char *name);
	/* Releases the backend and everything it handed out. Required. */
	void (*free)(espdiag_backend *self);
};

/*
 * espdiag_backend_init - zero an ops table and set its version.
 * version must be ESPDIAG_BACKEND_VERSION (or an older version number).
 * Returns ESPDIAG_OK, or ESPDIAG_EINVAL for NULL or an unknown version.
 * Ownership: backend is the caller's; nothing is allocated.
 */
ESPDIAG_API int espdiag_backend_init(espdiag_backend *backend, unsigned int version);

#ifdef __cplusplus
}
#endif

#endif /* ESPDIAG_BACKEND_H */

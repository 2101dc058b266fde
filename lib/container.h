/*
 * lib/container.h - finding the registry dump inside what admins collect:
 * the mdmdiagnosticstool cab, the Intune diagnostics zip (the dump, or a
 * cab holding it, in a "...MDMDiagnostics..._cab" folder), or a folder
 * they extracted. Archives are read through libarchive, from memory, and
 * the dump member is decompressed into a buffer that becomes the input the
 * readers bid on. Nothing is written to disk and member names are never
 * used as paths.
 */
#ifndef ESPDIAG_CONTAINER_H
#define ESPDIAG_CONTAINER_H

#include "internal.h"

/* The name Windows gives the dump, matched case-insensitively on a
 * member's base name. */
#define ESP_DUMP_NAME "MDMDiagReport_RegistryDump.reg"

/* What the container layer found; both strings NULL for a plain file. */
typedef struct esp_container {
	/* The member read, an archive in an archive or a folder's file
	 * joined by "/" (e.g. "Windows/MDMDiagnostics_mdmlogs_cab/x.cab/
	 * MDMDiagReport_RegistryDump.reg"); malloc'd. */
	char *member;
	/* The other members seen, one per line (control characters shown
	 * as "?"), at most ESP_CONTAINER_MAX_LISTED of them; malloc'd. */
	char *members;
	unsigned depth; /* archives opened so far */
} esp_container;

#define ESP_CONTAINER_INIT { NULL, NULL, 0 }

/* Caps that no option sets: members looked at in one archive, files and
 * directories looked at in a folder, and how many levels of folders below
 * the one given are searched. */
#define ESP_CONTAINER_MAX_MEMBERS 100000u
#define ESP_CONTAINER_MAX_LISTED 1000u
#define ESP_CONTAINER_MAX_DIR_ENTRIES 10000u
#define ESP_CONTAINER_MAX_DIR_DEPTH 8u
/* Archives in an archive opened in search of the dump (each is a member
 * under the caps, its bytes counted in the total). */
#define ESP_CONTAINER_MAX_NESTED 16u

/* "MSCF" (cab) or "PK\3\4" / "PK\5\6" (zip) at the start. */
bool esp_container_is_archive(const unsigned char *data, size_t size);

/*
 * Opens path into *in as esp_input_open_file_lazy() does (a big hive
 * sparse: hand it to the hive reader only), except that a directory is
 * searched (bounded) for the dump, or else for a cab or zip in it, and
 * that file is opened instead; ct records which. Returns
 * ESPDIAG_OK or an error with err set.
 */
int esp_container_open_file(esp_input *in, esp_container *ct, const char *path,
                            const esp_limits *lim, esp_err *err);

/*
 * When *in holds a cab or a zip, replaces it by the dump found inside
 * (decompressed into memory; the new input's release frees it) and records
 * the member in ct; otherwise leaves *in alone. label names the input in
 * messages. Takes ownership of *in: on error it is released. Returns
 * ESPDIAG_OK, ESPDIAG_EFORMAT (no dump, damaged archive), ESPDIAG_ELIMIT,
 * ESPDIAG_ENOMEM or ESPDIAG_EUNSUPPORTED (built without libarchive).
 */
int esp_container_unwrap(esp_input *in, esp_container *ct, const char *label,
                         const esp_limits *lim, esp_err *err);

/* Frees ct's strings (the struct itself is the caller's). */
void esp_container_free(esp_container *ct);


/* --- every member, for the evidence bundle ---
 * esp_container_walk() shows each member of an archive, of the archives in
 * it and of a folder to the caller, who decides its fate from its name (and,
 * when asked, its first bytes): members nobody wants are skipped as cheaply
 * as the format allows (a seekable zip skips without inflating; a cab's
 * folder is decompressed as far as the member ends, libarchive's skip,
 * whose work is bounded by the size its header gives, counted in the total;
 * a streamed zip must be inflated to find a member's end, so that is read
 * into a scratch buffer and counted); wanted ones are read whole into
 * memory of their own and handed over; archives are walked in turn. */

/* What the caller makes of a member. */
typedef enum esp_walk_fate {
	ESP_WALK_SKIP = 0, /* not wanted: skipped, never kept */
	ESP_WALK_PEEK = 1, /* show its first bytes: decide is called again with them */
	ESP_WALK_READ = 2, /* read it whole and hand it to take */
	ESP_WALK_OPEN = 3  /* a cab or zip: read it whole and walk its members */
} esp_walk_fate;

/* Bytes of a member shown to a second decide (ESP_WALK_PEEK). */
#define ESP_WALK_PEEK_SIZE ((size_t)8 << 10)

typedef struct esp_walk_member {
	const char *name;          /* in an archive in an archive (or a folder)
	                            * the outer name, "/", the inner name */
	const char *base;          /* the last component of name */
	int64_t size;              /* as the header (or the file system) says; -1 unknown */
	unsigned depth;            /* archives it is inside of (0: the input itself or a folder's file) */
	const char *path;          /* a file of a folder, or the single file given: its path */
	const unsigned char *head; /* after ESP_WALK_PEEK: the first bytes (NULL before) */
	size_t head_len;
} esp_walk_member;

typedef struct esp_walk_ops {
	void *ctx;
	/* The fate of m (ESP_WALK_PEEK asked again is taken as ESP_WALK_SKIP;
	 * ESP_WALK_OPEN of a member that is no cab or zip is a failure). */
	esp_walk_fate (*decide)(void *ctx, const esp_walk_member *m);
	/* The member read whole: the caller owns *in from here on (release it).
	 * ESPDIAG_OK, or a negative status that stops the walk (ESPDIAG_ENOMEM). */
	int (*take)(void *ctx, const esp_walk_member *m, esp_input *in);
	/* A member wanted (READ or OPEN) that could not be read: why says so
	 * ("larger than the limit of N bytes", "damaged: ..."). Status as take. */
	int (*failed)(void *ctx, const esp_walk_member *m, const char *why);
	/* An archive (label, or an archive member's name) that stops early: the
	 * members after what are not seen. Status as take. */
	int (*damaged)(void *ctx, const char *archive, const char *what);
} esp_walk_ops;

typedef struct esp_walk_limits {
	uint64_t max_input_size;  /* the file given */
	uint64_t max_member_size; /* one member read */
	uint64_t max_total;       /* bytes decompressed or read in all */
	uint64_t max_members;     /* members seen in all */
} esp_walk_limits;

/* "cab", "zip", "folder" or "file": what the input is (path NULL: data). */
const char *esp_container_kind(const char *path, const unsigned char *data, size_t size);

/*
 * Walks path (a cab, a zip, a folder, or any other file: then that file is
 * the one member) or, when path is NULL, the size bytes at data labelled
 * label (not copied; a member that is the whole input points into them).
 * Returns ESPDIAG_OK (damage inside is reported through ops), or with err
 * set: ESPDIAG_EIO (the input cannot be read), ESPDIAG_EFORMAT (a cab or
 * zip that cannot be opened at all), ESPDIAG_ELIMIT (max_total or
 * max_members passed, the input too big), ESPDIAG_EUNSUPPORTED (the input
 * is a cab or zip and libarchive is missing: why_unsupported says why;
 * a nested one fails through ops->failed instead), ESPDIAG_ENOMEM, or
 * what an op returned.
 */
int esp_container_walk(const char *path, const unsigned char *data, size_t size,
                       const char *label, const esp_walk_ops *ops,
                       const esp_walk_limits *lim, esp_err *err);

/* Why archives cannot be read ("libespdiag was built without libarchive",
 * "libarchive.so.13 could not be loaded"), or NULL when they can. */
const char *esp_container_unsupported(void);

#endif /* ESPDIAG_CONTAINER_H */

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
 * Opens path into *in as esp_input_open_file() does, except that a
 * directory is searched (bounded) for the dump, or else for a cab or zip
 * in it, and that file is opened instead; ct records which. Returns
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

#endif /* ESPDIAG_CONTAINER_H */

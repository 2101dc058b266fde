/*
 * espdiag/registry.h - the registry view.
 *
 * A registry view mounts one or more sources (a .reg export, a regf hive,
 * a user's backend) under path prefixes and serves them as one tree:
 * case-insensitive paths (ASCII and Unicode simple case folding), "\"
 * separators, and the aliases HKLM, HKCU, HKU and HKCR for
 * HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER, HKEY_USERS and HKEY_CLASSES_ROOT.
 * When two sources hold the same key, the view shows their union: subkeys
 * and values of the source mounted first come first, and a value name
 * present in both is served from the first.
 *
 * Keys and values are objects owned by the view: a pointer to one stays
 * valid until espdiag_registry_free(). Values keep Windows' raw bytes and
 * type numbers whatever the source (REG_SZ data is UTF-16LE with its NUL,
 * as in a hive); the getters below decode them.
 *
 * Mounting another source updates the keys already handed out: a key
 * taken before the mount shows the union afterwards (its subkeys, values,
 * name spelling and path are those a key looked up after the mount has),
 * and looking its path up again gives the same key object. Value objects
 * taken before the mount stay valid and unchanged, but the key's values
 * are new objects afterwards. A key that the mount merged into another of
 * the same name (a source that holds two keys of one name) is left with
 * no subkeys and no values.
 *
 * Backend failures: a backend callback that fails while the view reads
 * it is never taken for "no such key" or "no values". The int-returning
 * calls below return its negative status (a status its contract does not
 * allow becomes ESPDIAG_EBACKEND) with espdiag_registry_errmsg() naming
 * the source, the callback and the key; nothing is cached, so the next
 * call asks the backend again. The first such failure also stays on the
 * view (espdiag_registry_status()), for the calls that cannot return a
 * status. The view reads subkeys with subkey_count, subkey_at and
 * key_name; it does not call subkey_find.
 *
 * Names may hold NUL bytes (a hive can store them). Functions returning a
 * name as a C string stop at the first NUL; the *_len functions give the
 * full length.
 *
 * Containers: a cab (mdmdiagnosticstool.exe -cab) or a zip (Intune's
 * "Collect diagnostics"; a zip holding a cab is opened too, one level of
 * nesting and no deeper) is searched for MDMDiagReport_RegistryDump.reg
 * (base name, any case; in a zip, one in a "...MDMDiagnostics..._cab"
 * folder first), which is decompressed into memory and read; nothing is
 * written to disk and member names are never used as paths. A directory
 * given to espdiag_registry_open_file() (an extracted zip) is searched,
 * eight levels deep and 10000 entries at most, for the dump, else for a
 * cab or zip. The open options' max_member_size and max_decompressed cap
 * the work; bytes are counted as they are decompressed. Without libarchive
 * at build time, archives fail with ESPDIAG_EUNSUPPORTED.
 *
 * Format detection: a file is read by the reader whose bid wins: "regf"
 * magic for a hive; a UTF-16LE BOM, a UTF-8 BOM, a regedit header
 * ("Windows Registry Editor Version 5.00" or "REGEDIT4") or "[HKEY_" text
 * for a .reg export. A .reg without a header is read as the lenient
 * MDMDiagReport_RegistryDump.reg dialect.
 *
 * Transaction logs: a hive whose last write did not reach the file (a
 * "dirty" hive: its base block's two sequence numbers differ, or its
 * checksum is wrong) is read as Windows reads it after loading it: its
 * transaction logs (the Windows 8.1 format of "HvLE" entries, or the older
 * dirty-page vector) are applied to a copy in memory first; the files are
 * never written. The logs are those the open options' hive_logs name, or
 * else, for a hive opened from a file (not from memory, standard input or
 * an archive), the files beside it named as it plus ".LOG1" and ".LOG2"
 * (any case: "SYSTEM.LOG1", "system.log2"). Which entries apply, and in
 * which order, follows their sequence numbers as Windows does; a damaged
 * log entry stops its log's replay after the entry before it, with a
 * warning. The source's "log_replay" property says what was applied and
 * its "note" property says so in a sentence (or why no log applied). A
 * dirty hive without logs is read as it is, with a warning. The flag
 * ESPDIAG_OPEN_NO_HIVE_LOGS turns this off.
 */
#ifndef ESPDIAG_REGISTRY_H
#define ESPDIAG_REGISTRY_H

#include <stdio.h>
#include <espdiag/common.h>
#include <espdiag/backend.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Windows registry value types (their Windows numbers). */
typedef enum espdiag_reg_type {
	ESPDIAG_REG_NONE = 0,
	ESPDIAG_REG_SZ = 1,
	ESPDIAG_REG_EXPAND_SZ = 2,
	ESPDIAG_REG_BINARY = 3,
	ESPDIAG_REG_DWORD = 4,
	ESPDIAG_REG_DWORD_BIG_ENDIAN = 5,
	ESPDIAG_REG_LINK = 6,
	ESPDIAG_REG_MULTI_SZ = 7,
	ESPDIAG_REG_RESOURCE_LIST = 8,
	ESPDIAG_REG_FULL_RESOURCE_DESCRIPTOR = 9,
	ESPDIAG_REG_RESOURCE_REQUIREMENTS_LIST = 10,
	ESPDIAG_REG_QWORD = 11,
	/* Not a Windows type: a value line of a dump (a .reg file without a
	 * regedit header, the MDMDiagReport_RegistryDump.reg dialect) whose
	 * data could not be decoded, e.g. "MULTI_SZ:a,b" or "DWORD:xyz". The
	 * data is the text after '=' as UTF-16LE with a terminating NUL,
	 * exactly as written (for a hex value continued over several lines,
	 * its lines joined by CR LF). The number spells "EST" and is far from
	 * any type Windows defines. */
	ESPDIAG_REG_DUMP_TEXT = 0x45535400
} espdiag_reg_type;

/*
 * espdiag_reg_type_name - "REG_SZ", ..., "REG_QWORD", and "REG_DUMP_TEXT"
 * for ESPDIAG_REG_DUMP_TEXT; NULL for a type number Windows does not
 * define (such values pass through unchanged).
 * Ownership: static string.
 */
ESPDIAG_API const char *espdiag_reg_type_name(uint32_t type);

/* Options for opening a source. Set up with ESPDIAG_OPEN_OPTIONS_INIT.
 * Fields are only ever appended; version tells the library which exist. */
typedef struct espdiag_open_options {
	unsigned int version;
	/* iconv name of the ANSI code page of a REGEDIT4 file; NULL means
	 * "WINDOWS-1252". */
	const char *codepage;
	/* Resource caps. 0 means the default in brackets; a source that would
	 * pass one is refused (input, archive caps) or read up to the cap with
	 * a warning saying what was left out (keys, values, depth, value size). */
	uint64_t max_input_size;   /* bytes of one input file [4 GiB] */
	uint64_t max_member_size;  /* bytes of one archive member, decompressed [256 MiB] */
	uint64_t max_decompressed; /* bytes decompressed from one archive in all [512 MiB] */
	uint64_t max_keys;         /* keys read from one source [16 Mi] */
	uint64_t max_values;       /* values read from one source [64 Mi] */
	uint64_t max_value_size;   /* bytes of one value's data [64 MiB] */
	uint32_t max_depth;        /* levels of keys below a source's root [512] */
	/* Version 2. The transaction logs of a hive, a NULL-terminated list
	 * of paths, read instead of the logs beside the hive file (see
	 * "Transaction logs" above); NULL: those beside it. */
	const char *const *hive_logs;
	/* Version 2. ESPDIAG_OPEN_* flags. */
	uint32_t flags;
} espdiag_open_options;

/* Read a dirty hive as it is on disk: no transaction log is looked for or
 * replayed. */
#define ESPDIAG_OPEN_NO_HIVE_LOGS 0x1u

#define ESPDIAG_OPEN_OPTIONS_VERSION 2
#define ESPDIAG_OPEN_OPTIONS_INIT                                                  \
	{ ESPDIAG_OPEN_OPTIONS_VERSION, NULL, 0, 0, 0, 0, 0, 0, 0, NULL, 0 }

typedef struct espdiag_registry espdiag_registry;
typedef struct espdiag_key espdiag_key;
typedef struct espdiag_value espdiag_value;

/*
 * espdiag_registry_new - an empty view.
 * Returns ESPDIAG_OK or ESPDIAG_ENOMEM.
 * Ownership: *out must be freed with espdiag_registry_free().
 */
ESPDIAG_API int espdiag_registry_new(espdiag_registry **out);

/*
 * espdiag_registry_free - frees the view, its sources (backends included)
 * and every key, value and string it handed out. NULL is a no-op.
 */
ESPDIAG_API void espdiag_registry_free(espdiag_registry *reg);

/*
 * espdiag_registry_open_file - detects the format of the file at path
 * ("-" reads standard input), reads it and mounts it under prefix. A NULL
 * prefix mounts where the source says: a .reg export at the root (it holds
 * full paths), a hive at the prefix its base block or content implies.
 * opts may be NULL for the defaults.
 * path may name a cab, a zip or a directory holding the dump (see
 * "Containers" above).
 * Returns ESPDIAG_OK; ESPDIAG_EIO when the file cannot be read,
 * ESPDIAG_EFORMAT when it is in no known format (a text file in which no
 * key line parses, an empty file included, while a file with a regedit
 * header and no key is an empty registry; or an archive holds no dump, or
 * is damaged before the dump ends), ESPDIAG_EENCODING,
 * ESPDIAG_ELIMIT (a cap passed, an archive nested too deep),
 * ESPDIAG_EUNSUPPORTED (an archive, built without libarchive),
 * ESPDIAG_ENOMEM, ESPDIAG_EINVAL. On error the view is
 * unchanged and espdiag_registry_errmsg() says what and where.
 * Damaged but readable input is not an error: see the warning list.
 * Ownership: the view keeps the source until espdiag_registry_free().
 */
ESPDIAG_API int espdiag_registry_open_file(espdiag_registry *reg, const char *path,
                                           const char *prefix,
                                           const espdiag_open_options *opts);

/*
 * espdiag_registry_open_memory - as espdiag_registry_open_file, for the
 * size bytes at data. The bytes are NOT copied: they must stay valid and
 * unchanged until espdiag_registry_free(reg). name labels the source in
 * messages and may be NULL.
 * Ownership: data stays the caller's.
 */
ESPDIAG_API int espdiag_registry_open_memory(espdiag_registry *reg, const void *data,
                                             size_t size, const char *name,
                                             const char *prefix,
                                             const espdiag_open_options *opts);

/*
 * espdiag_registry_open_stdin - as espdiag_registry_open_file for standard
 * input, read to its end.
 * Ownership: the view keeps what it read until espdiag_registry_free().
 */
ESPDIAG_API int espdiag_registry_open_stdin(espdiag_registry *reg, const char *prefix,
                                            const espdiag_open_options *opts);

/*
 * espdiag_registry_mount - mounts a backend (a user's or a built-in one)
 * under prefix ("" or NULL: the backend's own "default_mount" property, else
 * the root). The backend's root key becomes the key prefix names.
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL (bad prefix, missing required
 * callback, unknown version), ESPDIAG_ENOMEM, or the root callback's error.
 * The backend's root callback is called here, once; its failure fails the
 * mount with its status (ESPDIAG_EBACKEND for a positive one).
 * Keys taken before the mount are updated (see above).
 * Ownership: on success the view owns backend and calls its free callback
 * in espdiag_registry_free(); on error backend stays the caller's.
 */
ESPDIAG_API int espdiag_registry_mount(espdiag_registry *reg, const char *prefix,
                                       espdiag_backend *backend);

/*
 * espdiag_registry_errmsg - the message of the last failed call on this
 * view ("" when none). Ownership: owned by reg; valid until the next call
 * on reg or espdiag_registry_free(reg).
 */
ESPDIAG_API const char *espdiag_registry_errmsg(const espdiag_registry *reg);

/*
 * espdiag_registry_status - ESPDIAG_OK, or the first failure of a read of
 * the view's sources: the negative status a backend callback returned
 * (ESPDIAG_EBACKEND for a status its contract does not allow), or the
 * view's own ESPDIAG_ENOMEM or ESPDIAG_ELIMIT while reading. It stays
 * once set (later successful reads do not clear it). A count of 0 from
 * espdiag_key_subkey_count() or espdiag_key_value_count() while this is
 * not ESPDIAG_OK means "unknown", not "none"; espdiag_esp_load() fails
 * with this status (and puts its message back on the view).
 * ESPDIAG_EINVAL for a NULL reg.
 */
ESPDIAG_API int espdiag_registry_status(const espdiag_registry *reg);

/* espdiag_registry_source_count - number of mounted sources. */
ESPDIAG_API size_t espdiag_registry_source_count(const espdiag_registry *reg);

/*
 * espdiag_registry_source_property - a property of the index-th source:
 * "path" (file path or the memory name), "prefix" (where it is mounted,
 * "" for the root), "format" ("reg", "hive", ...), "encoding" ("utf-16le",
 * "utf-8", "windows-1252", ...), "dialect" ("regedit5", "regedit4",
 * "dump"), "damaged" (a .reg export: "yes" when the reader skipped,
 * replaced or lost anything, the input ends early included: any warning
 * but the note that a dump value line was kept as ESPDIAG_REG_DUMP_TEXT;
 * else "no". A source without the property is damaged when it has
 * warnings); for a source read from a cab, a zip or a folder, "member" (the
 * member read, e.g. "Windows/MDMDiagnostics_mdmlogs_cab/x.cab/
 * MDMDiagReport_RegistryDump.reg": "/" joins an archive nested in a zip or
 * found in a folder to what was read in it) and "members" (the other
 * members seen, one per line, at most 1000; "" when none); for a hive,
 * "log_replay" (the transaction logs applied, e.g. "LOG1: 4 entries,
 * 10 pages; LOG2: 20 entries, 305 pages"; NULL when none was) and "note"
 * (one sentence on the replay, or on why a dirty hive's logs did not
 * apply; NULL when the hive is not dirty or has no logs); NULL when
 * unknown or, for "member" and "members", for a plain file.
 * Ownership: owned by reg; valid until espdiag_registry_free(reg).
 */
ESPDIAG_API const char *espdiag_registry_source_property(const espdiag_registry *reg,
                                                         size_t index,
                                                         const char *name);

/* espdiag_registry_warning_count - warnings collected from all sources so far. */
ESPDIAG_API size_t espdiag_registry_warning_count(const espdiag_registry *reg);

/*
 * espdiag_registry_warning_at - the index-th warning (sources in mount
 * order); NULL when out of range. The source's index is stored in *source
 * when source is not NULL.
 * Ownership: owned by reg; valid until espdiag_registry_free(reg).
 */
ESPDIAG_API const espdiag_warning *espdiag_registry_warning_at(const espdiag_registry *reg,
                                                                size_t index,
                                                                size_t *source);

/*
 * espdiag_registry_root - the view's root: the unnamed key above
 * HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER, ...
 * Ownership: owned by reg; valid until espdiag_registry_free(reg).
 */
ESPDIAG_API const espdiag_key *espdiag_registry_root(espdiag_registry *reg);

/*
 * espdiag_registry_key - looks up a full path such as
 * "HKLM\SOFTWARE\Microsoft" (case-insensitive; a leading, trailing or
 * doubled "\" is ignored; "" is the root).
 * Returns ESPDIAG_OK, ESPDIAG_NOTFOUND, or a negative error from a backend.
 * Ownership: *out is owned by reg; valid until espdiag_registry_free(reg).
 */
ESPDIAG_API int espdiag_registry_key(const espdiag_key **out, espdiag_registry *reg,
                                     const char *path);

/*
 * espdiag_key_subkey - looks up a path relative to key, as above.
 * Ownership: *out is owned by the view.
 */
ESPDIAG_API int espdiag_key_subkey(const espdiag_key **out, const espdiag_key *key,
                                   const char *relpath);

/* espdiag_key_name - the key's name, NUL-terminated ("" for the root).
 * Ownership: owned by the view. */
ESPDIAG_API const char *espdiag_key_name(const espdiag_key *key);
/* espdiag_key_name_len - the name's length in bytes, embedded NULs included. */
ESPDIAG_API size_t espdiag_key_name_len(const espdiag_key *key);

/*
 * espdiag_key_path - the key's full path with the root names spelled out
 * ("HKEY_LOCAL_MACHINE\SOFTWARE\..."), in the spelling of the first source
 * that named each key. NULL when out of memory.
 * Ownership: owned by the view; valid until the next espdiag_key_path()
 * call on any key of the same view, or espdiag_registry_free(). (Paths
 * are built on demand into one buffer per view, not kept per key.) Copy
 * it, or use espdiag_key_path_copy(), to hold two paths at once.
 */
ESPDIAG_API const char *espdiag_key_path(const espdiag_key *key);

/*
 * espdiag_key_path_copy - the key's full path, as espdiag_key_path(), in
 * memory of its own.
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL or ESPDIAG_ENOMEM.
 * Ownership: *out must be freed with espdiag_free().
 */
ESPDIAG_API int espdiag_key_path_copy(char **out, const espdiag_key *key);

/* espdiag_key_parent - the parent key; NULL for the root. Ownership: the view's. */
ESPDIAG_API const espdiag_key *espdiag_key_parent(const espdiag_key *key);

/*
 * espdiag_key_last_write - the key's last-write time as a Windows FILETIME
 * (100 ns since 1601-01-01 UTC), from the first source holding the key
 * that has one. Returns ESPDIAG_OK, ESPDIAG_NOTFOUND when no source has
 * one (a .reg export never has one), or a negative error from a backend.
 */
ESPDIAG_API int espdiag_key_last_write(const espdiag_key *key, uint64_t *out);

/*
 * espdiag_key_subkey_count - number of subkeys; 0 when a backend fails
 * (then espdiag_registry_status() is not ESPDIAG_OK: the count is unknown).
 * espdiag_key_get_subkey_count() tells the two apart.
 */
ESPDIAG_API size_t espdiag_key_subkey_count(const espdiag_key *key);

/*
 * espdiag_key_get_subkey_count - number of subkeys, into *out (0 on error).
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL, or a negative error from a backend.
 */
ESPDIAG_API int espdiag_key_get_subkey_count(size_t *out, const espdiag_key *key);

/*
 * espdiag_key_subkey_at - the index-th subkey in source order.
 * Returns ESPDIAG_OK, ESPDIAG_NOTFOUND (index out of range), or an error.
 * Ownership: *out is owned by the view.
 */
ESPDIAG_API int espdiag_key_subkey_at(const espdiag_key **out, const espdiag_key *key,
                                      size_t index);

/*
 * espdiag_key_value_count - number of values of the key; 0 when a backend
 * fails (then espdiag_registry_status() is not ESPDIAG_OK: the count is
 * unknown). espdiag_key_get_value_count() tells the two apart.
 */
ESPDIAG_API size_t espdiag_key_value_count(const espdiag_key *key);

/*
 * espdiag_key_get_value_count - number of values, into *out (0 on error).
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL, or a negative error from a backend.
 */
ESPDIAG_API int espdiag_key_get_value_count(size_t *out, const espdiag_key *key);

/*
 * espdiag_key_value_at - the index-th value in source order.
 * Returns ESPDIAG_OK, ESPDIAG_NOTFOUND (out of range), or an error.
 * Ownership: *out is owned by the view.
 */
ESPDIAG_API int espdiag_key_value_at(const espdiag_value **out, const espdiag_key *key,
                                     size_t index);

/*
 * espdiag_key_value - the value named name (case-insensitive; NULL or ""
 * is the default value).
 * Returns ESPDIAG_OK, ESPDIAG_NOTFOUND, or a negative error from a
 * backend. Ownership: *out is the view's.
 */
ESPDIAG_API int espdiag_key_value(const espdiag_value **out, const espdiag_key *key,
                                  const char *name);

/* espdiag_value_name - the value's name ("" for the default value). Ownership: the view's. */
ESPDIAG_API const char *espdiag_value_name(const espdiag_value *value);
/* espdiag_value_name_len - the name's length in bytes, embedded NULs included. */
ESPDIAG_API size_t espdiag_value_name_len(const espdiag_value *value);
/* espdiag_value_type - the Windows type number, unknown numbers included. */
ESPDIAG_API uint32_t espdiag_value_type(const espdiag_value *value);
/* espdiag_value_data - the raw bytes. Ownership: the view's. */
ESPDIAG_API const unsigned char *espdiag_value_data(const espdiag_value *value);
/* espdiag_value_size - the number of raw bytes. */
ESPDIAG_API size_t espdiag_value_size(const espdiag_value *value);

/*
 * espdiag_value_get_dword - a REG_DWORD (little-endian) or
 * REG_DWORD_BIG_ENDIAN of exactly 4 bytes.
 * Returns ESPDIAG_OK or ESPDIAG_ETYPE.
 */
ESPDIAG_API int espdiag_value_get_dword(const espdiag_value *value, uint32_t *out);

/*
 * espdiag_value_get_qword - a REG_QWORD of exactly 8 bytes, or a REG_DWORD
 * of 4 bytes widened. Returns ESPDIAG_OK or ESPDIAG_ETYPE.
 */
ESPDIAG_API int espdiag_value_get_qword(const espdiag_value *value, uint64_t *out);

/*
 * espdiag_value_get_string - a REG_SZ, REG_EXPAND_SZ or REG_LINK as UTF-8:
 * the UTF-16LE data up to its first NUL (or its end when it has none; an
 * odd last byte is ignored; a lone surrogate becomes U+FFFD).
 * Returns ESPDIAG_OK, ESPDIAG_ETYPE or ESPDIAG_ENOMEM.
 * Ownership: *out must be freed with espdiag_free().
 */
ESPDIAG_API int espdiag_value_get_string(char **out, const espdiag_value *value);

/*
 * espdiag_value_get_multi_string - a REG_MULTI_SZ as a NULL-terminated
 * array of UTF-8 strings (the list ends at an empty string or the data's
 * end). *count (may be NULL) receives the number of strings.
 * Returns ESPDIAG_OK, ESPDIAG_ETYPE or ESPDIAG_ENOMEM.
 * Ownership: *out is one block; free it with a single espdiag_free().
 */
ESPDIAG_API int espdiag_value_get_multi_string(char ***out, size_t *count,
                                               const espdiag_value *value);

/*
 * espdiag_value_get_binary - the raw bytes of a value of any type.
 * Always ESPDIAG_OK. Ownership: *out is owned by the view.
 */
ESPDIAG_API int espdiag_value_get_binary(const unsigned char **out, size_t *size,
                                         const espdiag_value *value);

/* Flags for espdiag_registry_export(). */
#define ESPDIAG_EXPORT_UTF16LE 0x1u /* UTF-16LE with a BOM, as regedit writes (default UTF-8, no BOM) */

/*
 * espdiag_registry_export - writes key and its whole subtree (the root:
 * every key) as a regedit 5 export: the header, then "[path]" per key in
 * source order, REG_SZ as "..." with \\ and \" escaped, a 4-byte REG_DWORD
 * as dword:%08x, everything else as hex: or hex(N): bytes; lines end with
 * CRLF. A key name holding a NUL byte is written with the NUL as "\0"
 * (regedit has no spelling for it; such a key does not read back).
 * Reading the output back gives the same keys, values, types and bytes.
 * Returns ESPDIAG_OK, ESPDIAG_EIO (a write failed) or an error from a
 * backend (the output then stops at the key that could not be read).
 * Ownership: out stays the caller's.
 */
ESPDIAG_API int espdiag_registry_export(espdiag_registry *reg, const espdiag_key *key,
                                        uint32_t flags, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* ESPDIAG_REGISTRY_H */

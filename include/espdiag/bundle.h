/*
 * espdiag/bundle.h - the evidence bundle: what an admin hands over.
 *
 * A bundle opens a collection and lists its members: the Autopilot cab
 * (mdmdiagnosticstool.exe -cab), Intune's "Collect diagnostics" zip (the
 * flat layout of numbered entries, with the mdmdiagnosticstool cab nested
 * in a "...MDMDiagnostics..._cab" folder, and the older numbered folders),
 * a folder someone extracted, or any single file (a .reg export, a hive, an
 * event log, an IME log, a JSON or CSV file). Cabs and zips inside are
 * opened in turn, to the nesting the options allow.
 *
 * Each member is given to the reader whose bid on its name (and, when its
 * name says nothing, on its first bytes) wins:
 *   - registry: .reg exports and regf hives. Every one is mounted into the
 *     bundle's one registry view (espdiag_bundle_registry()): a .reg export
 *     at the root, since it holds full paths (so the "(N) RegistryKey
 *     HKLM_SOFTWARE_... export.reg" entries of an Intune zip land at the
 *     key their name gives; an export whose keys lie outside the hive its
 *     name gives gets a warning), a hive where its base block says (or
 *     under the options' mount). MDMDiagReport_RegistryDump.reg is mounted
 *     first (the one in a "...MDMDiagnostics..._cab" folder before others),
 *     so that it is source 0 of the view.
 *   - event_log: .evtx files (records of the ESP's channels are kept).
 *   - ime_log: the Intune Management Extension's logs
 *     (IntuneManagementExtension.log, AppWorkload.log, AgentExecutor.log and
 *     their rotated copies), read together in time order.
 *   - ztd_json: AutopilotDDSZTDFile.json (the Autopilot profile, or the
 *     error a device not registered for Autopilot gets).
 *   - device_hash: DeviceHash_<name>.csv (serial number, hardware hash).
 *   - metadata: MdmDiagLogMetadata.json (when the collection was made).
 * Names are matched case-insensitively on the member's base name. A
 * member no reader wants is skipped: it is not decompressed when the
 * format allows (a seekable zip), else read through and dropped, and in
 * either case never kept. A reader that needs a library the build lacks
 * (libarchive for nested archives, libevtx for event logs) leaves its
 * members "not read" with the reason, which is not an error.
 *
 * Damage inside an archive (a damaged member, a truncated archive) leaves
 * what was read before it, with a warning on the bundle; a member whose
 * reader fails is listed as not read with the reason.
 */
#ifndef ESPDIAG_BUNDLE_H
#define ESPDIAG_BUNDLE_H

#include <stdbool.h>
#include <espdiag/common.h>
#include <espdiag/registry.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a member is. Values are stable. */
typedef enum espdiag_member_kind {
	ESPDIAG_MEMBER_OTHER = 0,       /* no reader wants it */
	ESPDIAG_MEMBER_REGISTRY = 1,    /* a .reg export or a hive */
	ESPDIAG_MEMBER_EVENT_LOG = 2,   /* a .evtx event log */
	ESPDIAG_MEMBER_IME_LOG = 3,     /* an Intune Management Extension log */
	ESPDIAG_MEMBER_ZTD_JSON = 4,    /* AutopilotDDSZTDFile.json */
	ESPDIAG_MEMBER_DEVICE_HASH = 5, /* DeviceHash_*.csv */
	ESPDIAG_MEMBER_METADATA = 6,    /* MdmDiagLogMetadata.json */
	ESPDIAG_MEMBER_ARCHIVE = 7      /* a cab or zip inside, whose members follow it */
} espdiag_member_kind;

/*
 * espdiag_member_kind_name - "other", "registry", "event_log", "ime_log",
 * "ztd_json", "device_hash", "metadata", "archive"; NULL for another value.
 * Ownership: static string.
 */
ESPDIAG_API const char *espdiag_member_kind_name(espdiag_member_kind kind);

/* One member, as espdiag_bundle_member_at() hands it out. Owned by the
 * bundle. Fields are only ever appended. */
typedef struct espdiag_member {
	/* The name in its archive or folder; a member of an archive inside
	 * is "outer/inner" (e.g. "(77) FoldersFiles temp_MDMDiagnostics_
	 * mdmlogs_cab/mdmlogs.cab/MDMDiagReport_RegistryDump.reg"); a single
	 * file is its base name. UTF-8 as the archive gives it. */
	const char *name;
	espdiag_member_kind kind;
	/* Bytes, decompressed: what was read, else what the archive's header
	 * or the file system says; has_size false when nothing says. */
	uint64_t size;
	bool has_size;
	/* True when its reader read it (for an archive: when it was opened). */
	bool read;
	/* Why it was not read ("no reader wants it", "not read: built without
	 * event log support", "larger than the limit of N bytes", "damaged:
	 * ...", what its reader said); NULL when read. */
	const char *reason;
	/* One line on what was found, e.g. "mounted at the root",
	 * "serial 1234-5678, hardware hash present", "Autopilot profile of
	 * tenant ...", "error 807 ZtdDeviceIsNotRegistered",
	 * "collected 2024-05-01T12:00:00Z"; NULL when there is nothing to say. */
	const char *summary;
} espdiag_member;

/* Options of a bundle. Set up with ESPDIAG_BUNDLE_OPTIONS_INIT.
 * Fields are only ever appended; version tells the library which exist. */
typedef struct espdiag_bundle_options {
	unsigned int version;
	/* Options of the registry readers (code page, their caps, hive logs
	 * flags); NULL for the defaults. Its max_input_size caps the input
	 * file (a cab or zip); its max_member_size, one member read. */
	const espdiag_open_options *open;
	/* Where hives are mounted instead of where they say; NULL for that. */
	const char *mount;
	/* Caps; 0 means the default in brackets. Past max_members or
	 * max_total the open fails with ESPDIAG_ELIMIT; an archive nested
	 * deeper than max_nesting is listed, not opened. */
	uint64_t max_members; /* members listed, folders included [100000] */
	uint64_t max_total;   /* bytes decompressed or read in all, skipped members
	                       * that must be decompressed to be passed included [1 GiB] */
	uint32_t max_nesting; /* archives inside archives opened [2] */
} espdiag_bundle_options;

#define ESPDIAG_BUNDLE_OPTIONS_VERSION 1
#define ESPDIAG_BUNDLE_OPTIONS_INIT { ESPDIAG_BUNDLE_OPTIONS_VERSION, NULL, NULL, 0, 0, 0 }

typedef struct espdiag_bundle espdiag_bundle;

/*
 * espdiag_bundle_new - an empty bundle with these options (NULL: the
 * defaults; they are copied, the strings they point to are not).
 * Returns ESPDIAG_OK, ESPDIAG_EINVAL (unknown options version) or
 * ESPDIAG_ENOMEM.
 * Ownership: *out must be freed with espdiag_bundle_free().
 */
ESPDIAG_API int espdiag_bundle_new(espdiag_bundle **out, const espdiag_bundle_options *opts);

/* espdiag_bundle_free - frees the bundle, its registry view and every
 * member. NULL is a no-op. */
ESPDIAG_API void espdiag_bundle_free(espdiag_bundle *bundle);

/*
 * espdiag_bundle_open_file - opens path (a cab, a zip, a folder, any other
 * file; "-" reads standard input) and reads its members. A bundle is
 * opened once.
 * Returns ESPDIAG_OK (whether or not any member was read); ESPDIAG_EIO
 * (the input cannot be read), ESPDIAG_EFORMAT (a cab or zip damaged
 * before its first member), ESPDIAG_ELIMIT (a cap passed),
 * ESPDIAG_EUNSUPPORTED (the input is a cab or zip and libespdiag was built
 * without libarchive), ESPDIAG_ENOMEM, ESPDIAG_EINVAL (NULL argument, or
 * opened before). On error espdiag_bundle_errmsg() says why, and the
 * bundle holds no member.
 * Ownership: path stays the caller's.
 */
ESPDIAG_API int espdiag_bundle_open_file(espdiag_bundle *bundle, const char *path);

/*
 * espdiag_bundle_open_memory - as espdiag_bundle_open_file() for the size
 * bytes at data (a cab, a zip or a single file); name labels it (NULL:
 * "(memory)"). The bytes are NOT copied: they must stay valid and
 * unchanged until espdiag_bundle_free().
 */
ESPDIAG_API int espdiag_bundle_open_memory(espdiag_bundle *bundle, const void *data,
                                           size_t size, const char *name);

/*
 * espdiag_bundle_errmsg - the message of the last failed call ("" when
 * none). Ownership: owned by bundle; valid until the next call on it.
 */
ESPDIAG_API const char *espdiag_bundle_errmsg(const espdiag_bundle *bundle);

/*
 * espdiag_bundle_format - what was opened: "cab", "zip", "folder" or
 * "file"; NULL before a successful open. Ownership: static string.
 */
ESPDIAG_API const char *espdiag_bundle_format(const espdiag_bundle *bundle);

/* espdiag_bundle_member_count - members listed, read or not. */
ESPDIAG_API size_t espdiag_bundle_member_count(const espdiag_bundle *bundle);

/*
 * espdiag_bundle_member_at - the index-th member, in the order met (an
 * archive inside is followed by its members; a folder in name order);
 * NULL past the end. Ownership: owned by bundle; valid until
 * espdiag_bundle_free(bundle).
 */
ESPDIAG_API const espdiag_member *espdiag_bundle_member_at(const espdiag_bundle *bundle,
                                                           size_t index);

/*
 * espdiag_bundle_registry_count - registry members mounted into the view.
 */
ESPDIAG_API size_t espdiag_bundle_registry_count(const espdiag_bundle *bundle);

/*
 * espdiag_bundle_registry - the registry view of every registry member
 * (see the top of this header); empty when there is none. Each source's
 * "path" property is the bundle's path, "member" the member's name and
 * "members" the bundle's other members, one per line.
 * Ownership: owned by bundle; valid until espdiag_bundle_free(bundle).
 * Do not free it; mounting more into it is allowed.
 */
ESPDIAG_API espdiag_registry *espdiag_bundle_registry(espdiag_bundle *bundle);

/* espdiag_bundle_warning_count - warnings about the bundle itself (damage
 * that stopped an archive early, an export outside its hive). The
 * registry's own warnings are on the view. */
ESPDIAG_API size_t espdiag_bundle_warning_count(const espdiag_bundle *bundle);

/*
 * espdiag_bundle_warning_at - the index-th warning (its offset 0, its
 * line and column 0); NULL past the end.
 * Ownership: owned by bundle; valid until espdiag_bundle_free(bundle).
 */
ESPDIAG_API const espdiag_warning *espdiag_bundle_warning_at(const espdiag_bundle *bundle,
                                                             size_t index);

#ifdef __cplusplus
}
#endif

#endif /* ESPDIAG_BUNDLE_H */

/*
 * tests/regf_writer.h - a test-only regf hive writer: builds small hives in
 * memory, cell by cell, so the suite can exercise every list kind, value
 * storage and corruption without binary fixtures. It writes what Windows
 * writes (bins of 4096 bytes, 8-byte aligned cells, lh hashes, db big
 * data); tests then poke bytes to damage the result.
 *
 * Offsets taken and returned are cell offsets relative to the first bin,
 * as in the format; rw_file_off() gives the file offset a reader reports.
 */
#ifndef REGF_WRITER_H
#define REGF_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rw_hive {
	unsigned char *buf; /* the whole file */
	size_t size;        /* bytes in use: base block + bins */
	size_t cap;
	size_t bin;         /* file offset of the current bin */
	size_t bin_end;     /* file offset just past the current bin */
	size_t next;        /* file offset of the next free cell */
} rw_hive;

/* A base block (version 1.minor) and the first bin. */
void rw_init(rw_hive *w, unsigned minor);
void rw_free(rw_hive *w);

/* An allocated cell with room for data_size bytes (zeroed); starts a new
 * bin when the current one is full. Returns its offset. */
uint32_t rw_alloc(rw_hive *w, size_t data_size);
/* The data of the cell at off (after its size field). */
unsigned char *rw_at(rw_hive *w, uint32_t off);
static inline uint64_t rw_file_off(uint32_t off) { return (uint64_t)off + 4096; }

/* A key named by name_len bytes: stored as given with the ASCII (Latin-1)
 * flag when comp, else taken as UTF-8 and stored as UTF-16LE. */
uint32_t rw_key(rw_hive *w, const char *name, size_t name_len, bool comp);
/* A key named by a NUL-terminated ASCII string. */
uint32_t rw_key_s(rw_hive *w, const char *name);
/* Gives key a class name (UTF-8 in, stored as UTF-16LE in its own cell). */
void rw_set_class(rw_hive *w, uint32_t key, const char *name);
/* Points key's subkey list at list and sets the declared count. */
void rw_set_subkeys(rw_hive *w, uint32_t key, uint32_t list, uint32_t count);
/* A subkey list of kind "lf", "lh", "li" or "ri" over items (keys, or
 * lists for "ri"); lf hints and lh hashes come from the keys' names. */
uint32_t rw_list(rw_hive *w, const char *kind, const uint32_t *items, size_t n);

/* A value: name as in rw_key; data stored inline (<= 4 bytes), in a data
 * cell, or as db big data (> 16344 bytes). */
uint32_t rw_value(rw_hive *w, const char *name, size_t name_len, bool comp, uint32_t type,
                  const void *data, size_t size);
/* A value named by a NUL-terminated ASCII string. */
uint32_t rw_value_s(rw_hive *w, const char *name, uint32_t type, const void *data,
                    size_t size);
/* A value list over vals, set on key with its count. */
void rw_set_values(rw_hive *w, uint32_t key, const uint32_t *vals, size_t n);

/* Makes root the root key, closes the last bin, fills in the base block
 * (bins size, root, checksum). */
void rw_finish(rw_hive *w, uint32_t root);
/* Recomputes the base block checksum (after a test pokes the base block). */
void rw_checksum(rw_hive *w);

/* ---- transaction logs (test-only; see lib/regf_log.c for the format) ---- */

/* Marvin32, written here from the published algorithm apart from the
 * library's copy: the log entries' checksums. */
uint64_t rw_marvin32(const void *data, size_t size, uint64_t seed);
#define RW_LOG_SEED 0x82EF4D887A4E55C5ull

typedef struct rw_log {
	unsigned char *buf;
	size_t size, cap;
} rw_log;

/* Starts a log of hive (a whole hive file, base block first): its first
 * 512 bytes as the log's base block, with file type type (6: the new
 * format, 1: the old), both sequence numbers seq and the checksum. */
void rw_log_init(rw_log *l, const unsigned char *hive, unsigned type, uint32_t seq);
/* Appends a new-format entry (HvLE) with sequence number seq and hive
 * bins data size bins, carrying the 4096-byte pages at the given offsets
 * (relative to the bins) of image (a whole hive file), with its hashes. */
void rw_log_entry(rw_log *l, uint32_t seq, uint32_t bins, const unsigned char *image,
                  const uint32_t *pages, size_t npages);
/* Writes the old format's dirty vector ("DIRT" and a bit per 512-byte
 * page of bins bytes of bins) and the dirty pages: those of image that
 * differ from old (old_size bytes; past its end every page is dirty). */
void rw_log_dirty(rw_log *l, uint32_t bins, const unsigned char *image,
                  const unsigned char *old, size_t old_size);
void rw_log_free(rw_log *l);

/* Little-endian stores for poking. */
void rw_put16(unsigned char *p, uint16_t v);
void rw_put32(unsigned char *p, uint32_t v);

#endif

/*
 * lib/regf_log.h - replaying a dirty hive's transaction logs in memory
 * before the regf reader reads it (see regf_log.c for the format and the
 * rules followed).
 */
#ifndef ESPDIAG_REGF_LOG_H
#define ESPDIAG_REGF_LOG_H

#include "internal.h"

/* The seed Windows' hive code gives Marvin32 for log entry checksums
 * (Suhanov, "Windows registry file format specification", new format
 * log entries, note 3: bytes 82 EF 4D 88 7A 4E 55 C5, i.e. this 64-bit
 * number; its low half seeds the first state word). */
#define ESP_REGF_LOG_SEED 0x82EF4D887A4E55C5ull

/* Marvin32 of size bytes at data: the second state word in the high 32
 * bits, the first in the low 32, as the log entries store it (LE). */
uint64_t esp_marvin32(const unsigned char *data, size_t size, uint64_t seed);

/* The XOR-32 checksum of the first 508 bytes of a base block, with
 * Windows' fix-ups (0 is stored as 1, 0xFFFFFFFF as 0xFFFFFFFE). */
uint32_t esp_regf_base_checksum(const unsigned char *base);

/* A hive is dirty when its base block's checksum is wrong or its two
 * sequence numbers differ. base holds at least 512 bytes. */
bool esp_regf_is_dirty(const unsigned char *base);

/* Logs looked at for one hive, at most. */
#define ESP_REGF_MAX_LOGS 8

/* What a replay did. */
typedef struct esp_regf_replay {
	unsigned char *data; /* the hive with the logs applied (malloc'd); NULL when
	                        nothing was applied */
	size_t size;
	char summary[256];   /* "LOG1: 4 entries, 10 pages; LOG2: 20 entries, 305 pages" */
	char note[1024];     /* one sentence for people: what was applied or why not */
} esp_regf_replay;

/*
 * Applies logs[0..nlogs) (each a log's bytes and its name) to the dirty
 * hive's bytes as Windows does when it loads the hive, into a copy
 * (hive->fd, when open, is read rather than the mapping). The hive must be
 * dirty (esp_regf_is_dirty). Problems with a log (damaged, not a log) are
 * warnings in w naming the log and the offset in it; a log that holds only
 * entries already in the hive is no problem and is passed over. The copy
 * is at most max_size bytes. Returns ESPDIAG_OK (out->data is NULL when
 * nothing applied), ESPDIAG_ENOMEM or ESPDIAG_EIO (reading the hive).
 */
int esp_regf_replay_logs(esp_regf_replay *out, const esp_input *hive, const esp_input *logs,
                         size_t nlogs, uint64_t max_size, esp_warnings *w);

/*
 * Opens the transaction logs beside the hive file at path: the files of
 * its directory named as its base name plus ".LOG1" or ".LOG2", compared
 * without regard to ASCII case ("SYSTEM.LOG1", "system.log2"), LOG1
 * first, into logs[0..max), their paths into paths[] (each input's name
 * points to its path). A log that cannot be read is a warning in w.
 * Returns the number opened; each input must be released with
 * esp_input_release() and then its path freed with free().
 */
size_t esp_regf_find_logs(esp_input *logs, char **paths, size_t max, const char *path,
                          uint64_t max_size, esp_warnings *w);

#endif /* ESPDIAG_REGF_LOG_H */

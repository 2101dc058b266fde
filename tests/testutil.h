/* tests/testutil.h - helpers shared by the suites: fixture paths, the
 * shared corpus (skipped with a message when absent), file reading. */
#ifndef TESTS_TESTUTIL_H
#define TESTS_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <espdiag/espdiag.h>

/* Path of tests/data/<name>, in a static buffer (valid until the next call). */
const char *tu_data_path(const char *name);

/* Path of ../shared/corpus/<rel>, or NULL when the corpus is absent; the
 * first time it is absent, prints one line saying which tests are skipped. */
const char *tu_corpus_path(const char *rel);

/* Reads a whole file (malloc'd, with a NUL appended); NULL on failure. */
unsigned char *tu_read_file(const char *path, size_t *size);

/* Opens size bytes (copied; freed by tu_registry_free) as a registry. On
 * failure returns NULL with the status in *status when status is not NULL. */
espdiag_registry *tu_open_bytes(const void *data, size_t size, int *status);
/* tu_open_bytes on a NUL-terminated string. */
espdiag_registry *tu_open_text(const char *text);
/* Frees a registry opened by tu_open_bytes/tu_open_text and its copy. */
void tu_registry_free(espdiag_registry *reg);

/* UTF-16LE of an ASCII/UTF-8 string with its NUL terminator, in a static
 * buffer (valid until the next call); *size gets the byte count. */
const unsigned char *tu_utf16(const char *s, size_t *size);

/* What espdiag_esp_write_json(esp, parts) writes, as a malloc'd string;
 * NULL when it fails. */
char *tu_esp_json(const espdiag_esp *esp, uint32_t parts);
/* What espdiag_esp_timeline_write(esp, format) writes, as a malloc'd
 * string; NULL when it fails. */
char *tu_esp_timeline(const espdiag_esp *esp, uint32_t format);

#endif

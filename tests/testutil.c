/* tests/testutil.c - see testutil.h. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "unicode.h"

const char *tu_data_path(const char *name)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s/%s", TEST_DATA_DIR, name);
	return buf;
}

const char *tu_corpus_path(const char *rel)
{
	static char buf[4096];
	static bool warned;
	struct stat st;
	const char *dir = getenv("SHARED_CORPUS_DIR");
	if (dir == NULL || *dir == '\0')
		dir = SHARED_CORPUS_DIR;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		if (!warned)
			fprintf(stderr, "note: %s is absent; corpus tests are skipped\n", dir);
		warned = true;
		return NULL;
	}
	snprintf(buf, sizeof buf, "%s/%s", dir, rel);
	return buf;
}

unsigned char *tu_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	unsigned char *buf = malloc(cap + 1);
	size_t n;
	while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			unsigned char *bigger = realloc(buf, cap * 2 + 1);
			if (bigger == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf == NULL)
		return NULL;
	buf[len] = 0;
	if (size != NULL)
		*size = len;
	return buf;
}

/* The copies tu_open_bytes made, so tu_registry_free can free them. */
struct tu_copy {
	espdiag_registry *reg;
	void *data;
	struct tu_copy *next;
};
static struct tu_copy *tu_copies;

espdiag_registry *tu_open_bytes(const void *data, size_t size, int *status)
{
	espdiag_registry *reg = NULL;
	int rc = espdiag_registry_new(&reg);
	void *copy = malloc(size ? size : 1);
	if (rc == ESPDIAG_OK && copy != NULL) {
		memcpy(copy, data, size);
		rc = espdiag_registry_open_memory(reg, copy, size, "test", NULL, NULL);
	}
	if (status != NULL)
		*status = rc;
	if (rc != ESPDIAG_OK || copy == NULL) {
		espdiag_registry_free(reg);
		free(copy);
		return NULL;
	}
	struct tu_copy *c = malloc(sizeof *c);
	c->reg = reg;
	c->data = copy;
	c->next = tu_copies;
	tu_copies = c;
	return reg;
}

espdiag_registry *tu_open_text(const char *text)
{
	return tu_open_bytes(text, strlen(text), NULL);
}

void tu_registry_free(espdiag_registry *reg)
{
	espdiag_registry_free(reg);
	for (struct tu_copy **p = &tu_copies; *p != NULL; p = &(*p)->next) {
		if ((*p)->reg == reg) {
			struct tu_copy *c = *p;
			*p = c->next;
			free(c->data);
			free(c);
			return;
		}
	}
}

const unsigned char *tu_utf16(const char *s, size_t *size)
{
	static unsigned char buf[1 << 16];
	unsigned char *u = NULL;
	size_t n = 0;
	if (esp_utf8_to_utf16le(&u, &n, s, strlen(s)) != 0 || n + 2 > sizeof buf) {
		free(u);
		*size = 0;
		return buf;
	}
	memcpy(buf, u, n);
	buf[n] = buf[n + 1] = 0;
	free(u);
	*size = n + 2;
	return buf;
}

/* A writer's output (espdiag_esp_write_json, espdiag_esp_timeline_write)
 * as a malloc'd string; NULL when it fails. */
static char *capture(const espdiag_esp *esp, uint32_t arg,
                     int (*write)(const espdiag_esp *, uint32_t, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return NULL;
	int rc = write(esp, arg, f);
	if (fclose(f) != 0 || rc != ESPDIAG_OK) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *tu_esp_json(const espdiag_esp *esp, uint32_t parts)
{
	return capture(esp, parts, espdiag_esp_write_json);
}

char *tu_esp_timeline(const espdiag_esp *esp, uint32_t format)
{
	return capture(esp, format, espdiag_esp_timeline_write);
}

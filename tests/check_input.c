/* tests/check_input.c - getting a file's bytes (lib/input.c) when the file
 * shrinks: truncated after it was opened (a mapped file raised SIGBUS on
 * the next touch of a page past the new end) and while it is being read
 * (the test interposes pread to truncate the file between two reads). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "readers.h"
#include "suites.h"
#include "testutil.h"

/* --- pread, as the library calls it: truncates the file first when armed --- */
static const char *shrink_path;
static off_t shrink_to;
static unsigned preads; /* calls seen since armed */

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	if (shrink_path != NULL && ++preads == 2) {
		/* After the first read (the magic bytes), before the rest. */
		ck_assert_int_eq(truncate(shrink_path, shrink_to), 0);
		shrink_path = NULL;
	}
	return (ssize_t)syscall(SYS_pread64, fd, buf, n, off);
}

/* A temporary file holding size bytes of data; its path (static). */
static const char *temp_file(const void *data, size_t size)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/check_input_XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, size), (ssize_t)size);
	close(fd);
	return path;
}

#define REG_HEAD "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\T]\r\n"
#define REG_LINE 26 /* "v000000"=dword:00000000 CR LF */

/* regedit 5 text in UTF-8: REG_HEAD (one key), then REG_LINE-byte lines
 * "v000000"=dword:00000000, "v000001"=dword:00000001, ... up to size
 * bytes. The values in the first n bytes: (n - strlen(REG_HEAD)) / REG_LINE. */
static char *utf8_reg(size_t size, size_t *len)
{
	char *s = malloc(size + 64);
	ck_assert_ptr_nonnull(s);
	size_t n = (size_t)sprintf(s, REG_HEAD);
	for (unsigned i = 0; n < size; i++)
		n += (size_t)sprintf(s + n, "\"v%06u\"=dword:%08x\r\n", i, i);
	*len = n;
	return s;
}

static size_t values_in(size_t bytes)
{
	return (bytes - strlen(REG_HEAD)) / REG_LINE;
}

static espdiag_backend *read_reg(esp_input *in)
{
	espdiag_backend *b = NULL;
	esp_err err = { { 0 } };
	ck_assert_int_eq(esp_regtext_open(&b, in, NULL, &err), ESPDIAG_OK);
	return b;
}

/* The value count of HKEY_CURRENT_USER\T in b. */
static size_t values_of_t(espdiag_backend *b)
{
	espdiag_node root, hkcu, t;
	size_t n;
	ck_assert_int_eq(b->root(b, &root), ESPDIAG_OK);
	ck_assert_int_eq(b->subkey_find(b, root, "HKEY_CURRENT_USER", 17, &hkcu), ESPDIAG_OK);
	ck_assert_int_eq(b->subkey_find(b, hkcu, "T", 1, &t), ESPDIAG_OK);
	ck_assert_int_eq(b->value_count(b, t, &n), ESPDIAG_OK);
	return n;
}

/* UTF-8 text emptied after it was opened is read as it was at open. */
START_TEST(utf8_truncated_after_open_reads_what_was_there)
{
	size_t len;
	char *text = utf8_reg((size_t)3 << 20, &len);
	const char *path = temp_file(text, len);
	esp_input in;
	esp_err err = { { 0 } };
	ck_assert_int_eq(esp_input_open_file(&in, path, UINT64_MAX, &err), ESPDIAG_OK);
	ck_assert_int_eq(truncate(path, 0), 0);
	ck_assert_uint_eq(in.size, len);
	ck_assert_uint_eq(in.shrank_from, 0);
	espdiag_backend *b = read_reg(&in);
	ck_assert_uint_eq(values_of_t(b), values_in(len));
	ck_assert_uint_eq(b->warning_count(b), 0);
	b->free(b);
	unlink(path);
	free(text);
}
END_TEST

/* UTF-16 text (read through pread after its first 64 KiB) emptied after
 * it was opened: the reader warns where the bytes ended and keeps what it
 * read; nothing touches the mapping past the end. */
START_TEST(utf16_truncated_after_open_warns)
{
	size_t len;
	char *text = utf8_reg((size_t)200 << 10, &len);
	unsigned char *u = malloc(2 * len + 2);
	ck_assert_ptr_nonnull(u);
	u[0] = 0xFF;
	u[1] = 0xFE;
	for (size_t i = 0; i < len; i++) {
		u[2 + 2 * i] = (unsigned char)text[i];
		u[3 + 2 * i] = 0;
	}
	const char *path = temp_file(u, 2 * len + 2);
	esp_input in;
	esp_err err = { { 0 } };
	ck_assert_int_eq(esp_input_open_file(&in, path, UINT64_MAX, &err), ESPDIAG_OK);
	ck_assert_int_ge(in.fd, 0);
	/* Cut after the header and the key line: a file with no key line at
	 * all is not a registry file (see lib/regtext.c). */
	off_t keep = (off_t)(2 + 2 * strlen(REG_HEAD));
	ck_assert_int_eq(truncate(path, keep), 0);
	espdiag_backend *b = read_reg(&in);
	ck_assert_uint_eq(values_of_t(b), 0);
	/* one warning: the even file has no odd byte to speak of */
	ck_assert_uint_eq(b->warning_count(b), 1);
	ck_assert_str_eq(b->warning_at(b, 0)->message,
	                 "cannot read past byte 128 (the file shrank); the rest is left out");
	b->free(b);
	unlink(path);
	free(u);
	free(text);
}
END_TEST

/* A file that shrinks between the first read and the rest gives the bytes
 * that were there, the size it had, and one warning that says so. */
START_TEST(shrinking_while_read_is_recorded)
{
	size_t len;
	char *text = utf8_reg((size_t)3 << 20, &len);
	const char *path = temp_file(text, len);
	shrink_to = 1000;
	shrink_path = path;
	preads = 0;
	esp_input in;
	esp_err err = { { 0 } };
	ck_assert_int_eq(esp_input_open_file(&in, path, UINT64_MAX, &err), ESPDIAG_OK);
	if (preads < 2) {
		/* The library's pread is not this one (e.g. a fortified build). */
		fprintf(stderr, "check_input: pread not interposed; shrink-while-read test skipped\n");
		esp_input_release(&in);
		unlink(path);
		free(text);
		return;
	}
	ck_assert_uint_eq(in.size, 1000);
	ck_assert_uint_eq(in.shrank_from, len);
	ck_assert_int_eq(memcmp(in.data, text, 1000), 0);
	esp_warnings w;
	esp_warnings_init(&w);
	ck_assert_int_eq(esp_input_warn_shrank(&in, &w), ESPDIAG_OK);
	ck_assert_uint_eq(esp_warnings_count(&w), 1);
	const espdiag_warning *it = esp_warnings_at(&w, 0);
	char want[160];
	snprintf(want, sizeof want,
	         "the file shrank from %zu to 1000 bytes while it was read; the rest is left out",
	         len);
	ck_assert_str_eq(it->message, want);
	ck_assert_uint_eq(it->offset, 1000);
	esp_warnings_free(&w);
	espdiag_backend *b = read_reg(&in);
	ck_assert_uint_eq(values_of_t(b), values_in(1000));
	/* the reader says so too (then that the cut line has no end) */
	ck_assert_uint_ge(b->warning_count(b), 1);
	ck_assert_str_eq(b->warning_at(b, 0)->message, want);
	b->free(b);
	unlink(path);
	free(text);
}
END_TEST

Suite *suite_input(void)
{
	Suite *s = suite_create("input");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, utf8_truncated_after_open_reads_what_was_there);
	tcase_add_test(tc, utf16_truncated_after_open_warns);
	tcase_add_test(tc, shrinking_while_read_is_recorded);
	suite_add_tcase(s, tc);
	return s;
}

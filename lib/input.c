/* lib/input.c - getting a source's bytes: a regular file read into memory
 * (a big hive, for a caller that asks, as its reader reaches it: see
 * esp_input_open_file_lazy()), standard input read to its end, or the
 * caller's memory.
 *
 * A file is read, not mapped: when a mapped file shrinks while it is read
 * (a copy still being written, a file replaced in place), the next touch
 * of a page past its new end raises SIGBUS and kills the process, and a
 * library may not install a handler for it (a process-wide setting). A
 * file that shrinks while it is read gives what was read, and says so in
 * in->shrank_from (see esp_input_warn_shrank()).
 *
 * UTF-16 text is the exception: the .reg reader reads it through a window
 * of pread calls on in->fd (see lib/regtext.c), and through in->data only
 * its first bytes, to detect it and to bid. So the first INPUT_HEAD bytes
 * of such a file are read into memory and the rest is mapped behind them,
 * for a reader that would want it: reading a UTF-16 dump costs no copy of
 * it, and the window warns when the file shrank.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* The bytes read first, in one call, to decide how to read the rest: more
 * than the readers' bids look at (8 KiB), and a multiple of every page
 * size (the rest of a UTF-16 file is mapped after them). */
#define INPUT_HEAD ((size_t)64 << 10)
/* Buffers this big are aligned for, and offered to, transparent huge
 * pages: a hive is read at random, all of it, and through 4 KiB pages
 * that costs a TLB miss per page, which on virtual machines outweighs the
 * copy. */
#define HUGE_PAGE ((size_t)2 << 20)

static void release_buffer(esp_input *in)
{
	free(in->priv);
}

static void release_mapping(esp_input *in)
{
	munmap(in->priv, in->priv_size);
	close(in->fd);
}

/* The pages of a big buffer already parsed are given back (the reader
 * promised not to read them again; they would read as zeros). */
static void drop_read_pages(esp_input *in, size_t upto)
{
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0 || upto > in->size)
		return;
	size_t len = upto - upto % (size_t)page;
	if (len > 0)
		madvise(in->priv, len, MADV_DONTNEED);
}

void esp_input_wrap(esp_input *in, const void *data, size_t size, const char *name)
{
	memset(in, 0, sizeof *in);
	in->fd = -1;
	in->data = data;
	in->size = size;
	in->name = name != NULL ? name : "(memory)";
}

int esp_input_warn_shrank(const esp_input *in, esp_warnings *w)
{
	if (in->shrank_from <= in->size)
		return ESPDIAG_OK;
	return esp_warn(w, 0, 0, in->size,
	                "the file shrank from %llu to %llu bytes while it was read; the rest is "
	                "left out",
	                (unsigned long long)in->shrank_from, (unsigned long long)in->size);
}

static int read_all(esp_input *in, int fd, const char *name, uint64_t max_size, esp_err *err)
{
	size_t cap = 1 << 16, len = 0;
	unsigned char *buf = malloc(cap);
	if (buf == NULL)
		return esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", name);
	for (;;) {
		if (len == cap) {
			unsigned char *bigger = realloc(buf, cap * 2);
			if (bigger == NULL) {
				free(buf);
				return esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", name);
			}
			buf = bigger;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			return esp_err_set(err, ESPDIAG_EIO, "%s: %s", name, strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if ((uint64_t)len > max_size) {
			free(buf);
			return esp_err_set(err, ESPDIAG_ELIMIT,
			                   "%s: input larger than the limit of %llu bytes", name,
			                   (unsigned long long)max_size);
		}
	}
	esp_input_wrap(in, buf, len, name);
	in->priv = buf;
	in->release = release_buffer;
	return ESPDIAG_OK;
}

int esp_input_open_stdin(esp_input *in, uint64_t max_size, esp_err *err)
{
	return read_all(in, STDIN_FILENO, "(standard input)", max_size, err);
}

/* Reads bytes [from, to) of fd into buf + from, stopping early where the
 * file ends; *got gets where the bytes read end. */
static int read_range(int fd, unsigned char *buf, size_t from, size_t to, size_t *got)
{
	while (from < to) {
		ssize_t n = pread(fd, buf + from, to - from, (off_t)from);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			break;
		from += (size_t)n;
	}
	*got = from;
	return 0;
}

/* The start of UTF-16LE text, as the .reg reader detects it: a BOM, or an
 * ASCII character and a line's first units with zero high bytes. */
static bool utf16_head(const unsigned char *d, size_t n)
{
	if (n >= 2 && d[0] == 0xFF && d[1] == 0xFE)
		return true;
	return n >= 4 && d[0] != 0 && d[0] < 0x80 && d[1] == 0 && d[3] == 0;
}

/* Maps a UTF-16 file of size bytes, its first INPUT_HEAD bytes read into
 * memory; false when the system will not, or when the file no longer has
 * that many bytes. */
static bool map_utf16(esp_input *in, int fd, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0 || INPUT_HEAD % (size_t)page != 0)
		return false;
	unsigned char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return false;
	size_t got = 0;
	if (mmap(map, INPUT_HEAD, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
	         -1, 0) == MAP_FAILED ||
	    read_range(fd, map, 0, INPUT_HEAD, &got) != 0 || got < INPUT_HEAD) {
		munmap(map, size);
		return false;
	}
	mprotect(map, INPUT_HEAD, PROT_READ);
	in->data = map;
	in->size = size;
	in->priv = map;
	in->priv_size = size;
	in->release = release_mapping;
	in->fd = fd;
	return true;
}

/* A buffer for size bytes: aligned and offered to huge pages when big. */
static unsigned char *new_buffer(size_t size)
{
	if (size < HUGE_PAGE)
		return malloc(size);
	size_t cap = (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	void *buf = NULL;
	if (posix_memalign(&buf, HUGE_PAGE, cap) != 0)
		return NULL;
	madvise(buf, cap, MADV_HUGEPAGE);
	return buf;
}

/* --- sparse inputs: a hive read as its reader reaches it --- */

/* The unit a sparse input is read in (a hive's page). */
#define SPARSE_BLOCK ((size_t)4096)

typedef struct sparse {
	unsigned char *map;  /* the anonymous mapping data lies in */
	size_t map_size;
	unsigned char *have; /* bit per SPARSE_BLOCK: read */
} sparse;

static void release_sparse(esp_input *in)
{
	sparse *s = in->priv;
	munmap(s->map, s->map_size);
	free(s->have);
	free(s);
	close(in->fd);
}

static bool sparse_has(const sparse *s, size_t b)
{
	return (s->have[b >> 3] >> (b & 7)) & 1;
}

/* Reads the blocks of [from, to) not read yet, each run of them in one
 * call. A block is read once: one that failed or that the file no longer
 * reaches stays zeros (anonymous memory), and says so. */
static int fetch_sparse(esp_input *in, size_t from, size_t to)
{
	sparse *s = in->priv;
	if (to > in->size)
		to = in->size;
	if (from >= to)
		return ESPDIAG_OK;
	unsigned char *data = (unsigned char *)in->data;
	size_t b = from / SPARSE_BLOCK, end = (to - 1) / SPARSE_BLOCK + 1;
	int rc = ESPDIAG_OK;
	if (from == 0 && to == in->size)
		madvise(s->map, s->map_size, MADV_HUGEPAGE); /* read whole: as read_file does */
	while (b < end) {
		if (sparse_has(s, b)) {
			b++;
			continue;
		}
		size_t r = b;
		while (r < end && !sparse_has(s, r)) {
			s->have[r >> 3] |= (unsigned char)(1u << (r & 7));
			r++;
		}
		size_t lo = b * SPARSE_BLOCK, hi = r * SPARSE_BLOCK, got = lo;
		if (hi > in->size)
			hi = in->size;
		if (read_range(in->fd, data, lo, hi, &got) != 0 || got < hi)
			rc = ESPDIAG_EIO;
		b = r;
	}
	return rc;
}

int esp_input_peek(esp_input *in, size_t off, void *buf, size_t n)
{
	if (in->fetch != fetch_sparse) {
		memcpy(buf, in->data + off, n);
		return ESPDIAG_OK;
	}
	const sparse *s = in->priv;
	bool have = true;
	for (size_t b = off / SPARSE_BLOCK; n > 0 && b <= (off + n - 1) / SPARSE_BLOCK; b++)
		have = have && sparse_has(s, b);
	if (have || n == 0) {
		memcpy(buf, in->data + off, n);
		return ESPDIAG_OK;
	}
	unsigned char *out = buf;
	size_t got = 0;
	memset(buf, 0, n);
	while (got < n) {
		ssize_t r = pread(in->fd, out + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return ESPDIAG_EIO;
		got += (size_t)r;
	}
	return ESPDIAG_OK;
}

/* Opens the regular file fd of size bytes sparse: an anonymous mapping of
 * size bytes (aligned for huge pages, which it is offered only when read
 * whole), its first INPUT_HEAD bytes read. false (fd still open) when the
 * system will not map or the head cannot be read. */
static bool open_sparse(esp_input *in, int fd, size_t size)
{
	size_t map_size;
	if (esp_add_overflows(size, HUGE_PAGE, &map_size))
		return false;
	sparse *s = calloc(1, sizeof *s);
	size_t blocks = size / SPARSE_BLOCK + 1;
	unsigned char *have = calloc(blocks / 8 + 1, 1);
	unsigned char *map = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
	                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s == NULL || have == NULL || map == MAP_FAILED) {
		free(s);
		free(have);
		if (map != MAP_FAILED)
			munmap(map, map_size);
		return false;
	}
	/* Only pages read count: 4 KiB ones until the whole is read. */
	unsigned char *data = map + (HUGE_PAGE - (uintptr_t)map % HUGE_PAGE) % HUGE_PAGE;
	madvise(map, map_size, MADV_NOHUGEPAGE);
	s->map = map;
	s->map_size = map_size;
	s->have = have;
	esp_input in2;
	esp_input_wrap(&in2, data, size, in->name);
	in2.priv = s;
	in2.fd = fd;
	in2.fetch = fetch_sparse;
	if (fetch_sparse(&in2, 0, size < INPUT_HEAD ? size : INPUT_HEAD) != ESPDIAG_OK) {
		munmap(map, map_size);
		free(have);
		free(s);
		return false;
	}
	in2.release = release_sparse;
	*in = in2;
	return true;
}

/* Reads the regular file open as fd, of size bytes (by fstat), into *in;
 * closes fd unless it stays open as in->fd. With lazy, a big hive is
 * opened sparse. */
static int read_file(esp_input *in, int fd, size_t size, const char *path, bool lazy,
                     esp_err *err)
{
	unsigned char magic[4];
	size_t got = 0;
	int e = read_range(fd, magic, 0, sizeof magic, &got);
	if (e == 0 && size > INPUT_HEAD && got == sizeof magic && utf16_head(magic, got) &&
	    map_utf16(in, fd, size))
		return ESPDIAG_OK;
	if (e == 0 && lazy && size >= ESP_INPUT_LAZY_MIN && got == sizeof magic &&
	    memcmp(magic, "regf", 4) == 0 && open_sparse(in, fd, size))
		return ESPDIAG_OK;
	unsigned char *buf = e == 0 ? new_buffer(size) : NULL;
	if (buf != NULL) {
		e = read_range(fd, buf, 0, size, &got);
		if (e != 0)
			free(buf);
	}
	close(fd);
	if (e != 0)
		return esp_err_set(err, ESPDIAG_EIO, "%s: %s", path, strerror(e));
	if (buf == NULL)
		return esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", path);
	in->data = buf;
	in->size = got;
	in->priv = buf;
	in->release = release_buffer;
	if (size >= HUGE_PAGE)
		in->consumed = drop_read_pages;
	if (got < size)
		in->shrank_from = size;
	return ESPDIAG_OK;
}

static int open_file(esp_input *in, const char *path, uint64_t max_size, bool lazy,
                     esp_err *err)
{
	if (strcmp(path, "-") == 0)
		return esp_input_open_stdin(in, max_size, err);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return esp_err_set(err, ESPDIAG_EIO, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return esp_err_set(err, ESPDIAG_EIO, "%s: %s", path, strerror(e));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return esp_err_set(err, ESPDIAG_EIO, "%s: is a directory", path);
	}
	if (!S_ISREG(st.st_mode)) {
		/* A pipe or a device: read it to its end. */
		int rc = read_all(in, fd, path, max_size, err);
		close(fd);
		return rc;
	}
	if ((uint64_t)st.st_size > max_size || (uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return esp_err_set(err, ESPDIAG_ELIMIT,
		                   "%s: %llu bytes, larger than the limit of %llu bytes", path,
		                   (unsigned long long)st.st_size, (unsigned long long)max_size);
	}
	esp_input_wrap(in, "", 0, path);
	if (st.st_size == 0) {
		close(fd);
		return ESPDIAG_OK;
	}
	return read_file(in, fd, (size_t)st.st_size, path, lazy, err);
}

int esp_input_open_file(esp_input *in, const char *path, uint64_t max_size, esp_err *err)
{
	return open_file(in, path, max_size, false, err);
}

int esp_input_open_file_lazy(esp_input *in, const char *path, uint64_t max_size, esp_err *err)
{
	return open_file(in, path, max_size, true, err);
}

void esp_input_release(esp_input *in)
{
	if (in == NULL)
		return;
	if (in->release != NULL)
		in->release(in);
	in->release = NULL;
	in->consumed = NULL;
	in->fetch = NULL;
	in->fd = -1;
	in->priv = NULL;
	in->data = NULL;
	in->size = 0;
}

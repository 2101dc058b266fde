/* lib/input.c - getting a source's bytes: a mapped file, standard input
 * read to its end, or the caller's memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static void release_mapping(esp_input *in)
{
	if (in->priv != NULL)
		munmap(in->priv, in->priv_size);
	close(in->fd);
}

static void release_buffer(esp_input *in)
{
	free(in->priv);
}

/* Pages already parsed leave memory (the mapping stays valid: a later read
 * would fault them back in from the file), and the next stretch is mapped
 * in one call rather than page by page (MADV_POPULATE_READ, Linux 5.14;
 * elsewhere the hint is skipped and pages fault in as usual). */
#define INPUT_READ_AHEAD ((size_t)8 << 20)

static void drop_mapped_pages(esp_input *in, size_t upto)
{
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0 || in->priv == NULL || upto > in->priv_size)
		return;
	size_t len = upto - upto % (size_t)page;
	if (len > 0)
		madvise(in->priv, len, MADV_DONTNEED);
#ifdef MADV_POPULATE_READ
	size_t ahead = in->priv_size - len < INPUT_READ_AHEAD ? in->priv_size - len
	                                                        : INPUT_READ_AHEAD;
	if (ahead > 0)
		madvise((char *)in->priv + len, ahead, MADV_POPULATE_READ);
#endif
}

void esp_input_wrap(esp_input *in, const void *data, size_t size, const char *name)
{
	memset(in, 0, sizeof *in);
	in->fd = -1;
	in->data = data;
	in->size = size;
	in->name = name != NULL ? name : "(memory)";
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

/* A hive is read at random, all of it: through a file mapping that costs a
 * TLB miss per 4 KiB page, which on virtual machines outweighs the copy.
 * So a hive of up to HUGE_READ_MAX bytes is read into memory offered to
 * transparent huge pages instead. */
#define HUGE_READ_MAX ((size_t)1 << 30)
#define HUGE_PAGE ((size_t)2 << 20)

static int read_huge(esp_input *in, int fd, size_t size, const char *path, esp_err *err)
{
	size_t cap = (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	void *buf = NULL;
	if (posix_memalign(&buf, HUGE_PAGE, cap) != 0)
		return esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", path);
	madvise(buf, cap, MADV_HUGEPAGE);
	size_t got = 0;
	while (got < size) {
		ssize_t n = pread(fd, (unsigned char *)buf + got, size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			free(buf);
			return esp_err_set(err, ESPDIAG_EIO, "%s: %s", path, strerror(e));
		}
		got += (size_t)n;
	}
	esp_input_wrap(in, buf, size, path);
	in->priv = buf;
	in->release = release_buffer;
	return ESPDIAG_OK;
}

int esp_input_open_file(esp_input *in, const char *path, uint64_t max_size, esp_err *err)
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
	size_t size = (size_t)st.st_size;
	esp_input_wrap(in, "", 0, path);
	unsigned char magic[4];
	if (size >= sizeof magic && size <= HUGE_READ_MAX &&
	    pread(fd, magic, sizeof magic, 0) == (ssize_t)sizeof magic &&
	    memcmp(magic, "regf", 4) == 0) {
		int rc = read_huge(in, fd, size, path, err);
		close(fd);
		return rc;
	}
	if (size > 0) {
		void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			int e = errno;
			close(fd);
			return esp_err_set(err, ESPDIAG_EIO, "%s: %s", path, strerror(e));
		}
		in->data = map;
		in->size = size;
		in->priv = map;
		in->priv_size = size;
		in->release = release_mapping;
		in->consumed = drop_mapped_pages;
		in->fd = fd;
		return ESPDIAG_OK;
	}
	close(fd);
	return ESPDIAG_OK;
}

void esp_input_release(esp_input *in)
{
	if (in == NULL)
		return;
	if (in->release != NULL)
		in->release(in);
	in->release = NULL;
	in->consumed = NULL;
	in->fd = -1;
	in->priv = NULL;
	in->data = NULL;
	in->size = 0;
}

/* lib/container.c - the registry dump inside a cab, a zip, a zip holding a
 * cab, or an extracted folder (see container.h).
 *
 * Archives are hostile input: libarchive reads them from memory, every
 * byte decompressed is counted as it comes (a header's size is only used
 * to refuse early, never to trust), the member and total caps of the open
 * options stop the work as soon as they are passed, one level of nesting
 * is opened and no deeper, and member names are only ever compared and
 * listed, never used as paths. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_LIBARCHIVE
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <pthread.h>
#endif

#include "container.h"

/* --- names --- */

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool ascii_ieq(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

static bool ascii_iends(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && ascii_ieq(s + len - n, n, suffix);
}

static bool ascii_icontains(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (ascii_ieq(s + i, n, needle))
			return true;
	return false;
}

/* Archives name folders with "/" (zip) or "\" (cab). */
static bool is_separator(char c)
{
	return c == '/' || c == '\\';
}

static const char *base_name(const char *name)
{
	const char *b = name;
	for (const char *p = name; *p != '\0'; p++)
		if (is_separator(*p))
			b = p + 1;
	return b;
}

/* A folder of the name (not its last component) is one where Intune puts
 * what mdmdiagnosticstool collected: "...MDMDiagnostics..._cab". */
static bool in_mdm_folder(const char *name)
{
	const char *base = base_name(name);
	const char *p = name;
	while (p < base) {
		const char *end = p;
		while (end < base && !is_separator(*end))
			end++;
		size_t len = (size_t)(end - p);
		if (ascii_icontains(p, len, "MDMDiagnostics") && ascii_iends(p, len, "_cab"))
			return true;
		p = end + 1;
	}
	return false;
}

/* 0: not the dump; higher: a better place for it. */
static int dump_score(const char *name)
{
	const char *base = base_name(name);
	if (!ascii_ieq(base, strlen(base), ESP_DUMP_NAME))
		return 0;
	return in_mdm_folder(name) ? 2 : 1;
}

/* 0: not an archive by its name; higher: a likelier holder of the dump. */
static int archive_score(const char *name)
{
	const char *base = base_name(name);
	size_t len = strlen(base);
	if (!ascii_iends(base, len, ".cab") && !ascii_iends(base, len, ".zip"))
		return 0;
	return in_mdm_folder(name) ? 2 : 1;
}

bool esp_container_is_archive(const unsigned char *data, size_t size)
{
	if (size >= 8 && memcmp(data, "MSCF\0\0\0\0", 8) == 0)
		return true;
	return size >= 4 && (memcmp(data, "PK\3\4", 4) == 0 || memcmp(data, "PK\5\6", 4) == 0);
}

/* --- growable strings --- */

typedef struct strbuf {
	char *s;
	size_t len, cap;
	size_t items;    /* lines added */
	bool failed;     /* out of memory once: the string is incomplete */
} strbuf;

static void sb_add(strbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *bigger = realloc(b->s, cap);
		if (bigger == NULL) {
			b->failed = true;
			return;
		}
		b->s = bigger;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_adds(strbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* Adds one member name as a line; control characters (a name may hold a
 * newline) become "?", so that the list stays one name per line. */
static void sb_add_line(strbuf *b, const char *name)
{
	if (b->items >= ESP_CONTAINER_MAX_LISTED)
		return;
	if (b->items > 0)
		sb_add(b, "\n", 1);
	size_t start = b->len;
	sb_adds(b, name);
	for (size_t i = start; !b->failed && i < b->len; i++)
		if ((unsigned char)b->s[i] < 0x20 || b->s[i] == 0x7f)
			b->s[i] = '?';
	b->items++;
}

/* The list, one per line, as "a, b, c" cut to fit in a message. */
static void list_for_message(char *out, size_t size, const char *lines)
{
	size_t n = 0;
	if (lines == NULL || *lines == '\0') {
		snprintf(out, size, "none");
		return;
	}
	const char *p = lines;
	for (; *p != '\0' && n + 8 < size; p++) {
		if (*p == '\n') {
			out[n++] = ',';
			out[n++] = ' ';
		} else {
			out[n++] = *p;
		}
	}
	if (*p != '\0') {
		n = size - 4;
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

static char *join(const char *a, const char *sep, const char *b)
{
	size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
	char *s = malloc(la + ls + lb + 1);
	if (s == NULL)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, sep, ls);
	memcpy(s + la + ls, b, lb + 1);
	return s;
}

void esp_container_free(esp_container *ct)
{
	if (ct == NULL)
		return;
	free(ct->member);
	free(ct->members);
	ct->member = ct->members = NULL;
}

#ifdef HAVE_LIBARCHIVE

/* --- libarchive, loaded on first use ---
 * libarchive pulls in ICU, libxml2 and a dozen more libraries; loading it
 * only when an archive is met keeps them out of every other run (they cost
 * more start-up time than reading a 5 MB dump). The table is filled once per
 * process (pthread_once) and never changes after. */
static struct {
	const char *(*error_string)(struct archive *);
	int (*read_free)(struct archive *);
	int (*read_support_format_zip_streamable)(struct archive *);
	int (*read_support_format_zip_seekable)(struct archive *);
	int (*read_support_format_cab)(struct archive *);
	int (*read_open_memory)(struct archive *, const void *, size_t);
	int (*read_open_filename)(struct archive *, const char *, size_t);
	int (*read_next_header)(struct archive *, struct archive_entry **);
	struct archive *(*read_new)(void);
	int (*read_data_skip)(struct archive *);
	la_ssize_t (*read_data)(struct archive *, void *, size_t);
	int (*entry_size_is_set)(struct archive_entry *);
	la_int64_t (*entry_size)(struct archive_entry *);
	const char *(*entry_pathname)(struct archive_entry *);
	const char *(*entry_pathname_utf8)(struct archive_entry *);
	__LA_MODE_T (*entry_filetype)(struct archive_entry *);
} la;
static const char *la_failure; /* why loading failed, NULL when it worked */
static pthread_once_t la_once = PTHREAD_ONCE_INIT;

static void load_libarchive(void)
{
	void *h = dlopen(ESP_LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		la_failure = ESP_LIBARCHIVE_SONAME " could not be loaded";
		return;
	}
	/* POSIX lets a data pointer from dlsym become a function pointer. */
#define LA_SYM(field, symbol)                                          \
	do {                                                           \
		void *sym = dlsym(h, symbol);                          \
		if (sym == NULL) {                                     \
			la_failure = ESP_LIBARCHIVE_SONAME " lacks " symbol; \
			return;                                        \
		}                                                      \
		memcpy(&la.field, &sym, sizeof sym);                   \
	} while (0)
	LA_SYM(error_string, "archive_error_string");
	LA_SYM(read_free, "archive_read_free");
	LA_SYM(read_support_format_zip_streamable, "archive_read_support_format_zip_streamable");
	LA_SYM(read_support_format_zip_seekable, "archive_read_support_format_zip_seekable");
	LA_SYM(read_support_format_cab, "archive_read_support_format_cab");
	LA_SYM(read_open_memory, "archive_read_open_memory");
	LA_SYM(read_open_filename, "archive_read_open_filename");
	LA_SYM(read_next_header, "archive_read_next_header");
	LA_SYM(read_new, "archive_read_new");
	LA_SYM(read_data_skip, "archive_read_data_skip");
	LA_SYM(read_data, "archive_read_data");
	LA_SYM(entry_size_is_set, "archive_entry_size_is_set");
	LA_SYM(entry_size, "archive_entry_size");
	LA_SYM(entry_pathname, "archive_entry_pathname");
	LA_SYM(entry_pathname_utf8, "archive_entry_pathname_utf8");
	LA_SYM(entry_filetype, "archive_entry_filetype");
#undef LA_SYM
}

/* --- archives --- */

/* The member's bytes become the input; its name follows them in the same
 * block, so that one free lets both go. */
static void release_member(esp_input *in)
{
	free(in->priv);
}

static int member_input(esp_input *in, unsigned char *buf, size_t len, const char *label,
                        const char *member, esp_err *err)
{
	size_t llen = strlen(label), mlen = strlen(member);
	size_t total = len + llen + mlen + sizeof " (member )";
	unsigned char *block = realloc(buf, total);
	if (block == NULL) {
		free(buf);
		return esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", label);
	}
	char *name = (char *)block + len;
	snprintf(name, total - len, "%s (member %s)", label, member);
	esp_input_wrap(in, block, len, name);
	in->priv = block;
	in->release = release_member;
	return ESPDIAG_OK;
}

typedef struct scan {
	const char *label;
	const esp_limits *lim;
	esp_err *err;
	uint64_t total;          /* bytes decompressed, nested archives included */
	unsigned char *discard;  /* where members nobody needs are read to */
	strbuf names;            /* every member seen, one per line */
	/* the best dump so far */
	unsigned char *dump;
	size_t dump_size;
	char *dump_name;
	int dump_score;
	/* archive members that may hold the dump, opened in turn (the likeliest
	 * first) when the archive itself holds none */
	struct nested {
		unsigned char *data;
		size_t size;
		char *name;
		int score;
	} nested[ESP_CONTAINER_MAX_NESTED];
	size_t nnested;
	char *too_deep;          /* an archive inside a nested one, not opened */
} scan;

#define DISCARD_SIZE ((size_t)64 << 10)

static void drop_nested(scan *s)
{
	for (size_t i = 0; i < s->nnested; i++) {
		free(s->nested[i].data);
		free(s->nested[i].name);
	}
	s->nnested = 0;
}

static void scan_free(scan *s)
{
	free(s->discard);
	free(s->names.s);
	free(s->dump);
	free(s->dump_name);
	drop_nested(s);
	free(s->too_deep);
}

/* Where a zip's central directory ends; only then can members be skipped
 * without decompressing them (a streamed zip must be inflated to find a
 * member's end). */
static bool zip_has_end_record(const unsigned char *data, size_t size)
{
	if (size < 22)
		return false;
	size_t lowest = size > 22 + 65535 ? size - 22 - 65535 : 0;
	for (size_t i = size - 22 + 1; i-- > lowest;)
		if (memcmp(data + i, "PK\5\6", 4) == 0)
			return true;
	return false;
}

enum member_fate { SKIP, DISCARD, KEEP };

/* Reads the current member's data, counting every byte: into *out (KEEP)
 * or nowhere (DISCARD). */
static int read_member(scan *s, struct archive *a, const char *name, enum member_fate fate,
                       int64_t header_size, unsigned char **out, size_t *out_len)
{
	const esp_limits *lim = s->lim;
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	if (fate == KEEP) {
		/* The header's size only sizes the first buffer. */
		uint64_t hint = header_size > 0 ? (uint64_t)header_size : 0;
		if (hint > lim->max_member_size)
			hint = lim->max_member_size;
		if (hint > ((uint64_t)64 << 20))
			hint = (uint64_t)64 << 20;
		cap = (size_t)hint + 1;
		if (cap < 4096)
			cap = 4096;
		buf = malloc(cap);
		if (buf == NULL)
			return esp_err_set(s->err, ESPDIAG_ENOMEM, "%s: out of memory", s->label);
	}
	for (;;) {
		if (fate == KEEP && len == cap) {
			/* Room for one byte past the cap, to see it passed. */
			uint64_t most = lim->max_member_size < SIZE_MAX - 1 ? lim->max_member_size + 1
			                                                     : SIZE_MAX;
			size_t bigger_cap = cap <= SIZE_MAX / 2 ? cap * 2 : SIZE_MAX;
			if ((uint64_t)bigger_cap > most)
				bigger_cap = (size_t)most;
			unsigned char *bigger = realloc(buf, bigger_cap);
			if (bigger == NULL) {
				free(buf);
				return esp_err_set(s->err, ESPDIAG_ENOMEM, "%s: out of memory",
				                   s->label);
			}
			buf = bigger;
			cap = bigger_cap;
		}
		void *dst = fate == KEEP ? buf + len : s->discard;
		size_t room = fate == KEEP ? cap - len : DISCARD_SIZE;
		la_ssize_t n = la.read_data(a, dst, room);
		if (n == 0)
			break;
		if (n < 0) {
			free(buf);
			return esp_err_set(s->err, ESPDIAG_EFORMAT,
			                   "%s: archive member %s: damaged or truncated: %s", s->label,
			                   name, la.error_string(a) ? la.error_string(a)
			                                                 : "read error");
		}
		len += (size_t)n;
		s->total += (uint64_t)n;
		/* More than the header admits to: a lie, and most likely a bomb. */
		if (header_size >= 0 && (uint64_t)len > (uint64_t)header_size) {
			free(buf);
			return esp_err_set(s->err, ESPDIAG_EFORMAT,
			                   "%s: archive member %s: decompresses to more than the %lld "
			                   "bytes its header says (a damaged archive or a zip bomb)",
			                   s->label, name, (long long)header_size);
		}
		if (fate == KEEP && (uint64_t)len > lim->max_member_size) {
			free(buf);
			return esp_err_set(s->err, ESPDIAG_ELIMIT,
			                   "%s: archive member %s: larger than the limit of %llu bytes",
			                   s->label, name, (unsigned long long)lim->max_member_size);
		}
		if (s->total > lim->max_decompressed) {
			free(buf);
			return esp_err_set(s->err, ESPDIAG_ELIMIT,
			                   "%s: archive decompresses to more than the limit of %llu bytes "
			                   "(stopped in member %s)",
			                   s->label, (unsigned long long)lim->max_decompressed, name);
		}
	}
	if (out != NULL) {
		*out = buf;
		*out_len = len;
	} else {
		free(buf);
	}
	return ESPDIAG_OK;
}

static const char *entry_name(struct archive_entry *e)
{
	const char *name = la.entry_pathname_utf8(e);
	if (name == NULL)
		name = la.entry_pathname(e);
	return name != NULL ? name : "(unnamed)";
}

/* One archive, at depth (0: the input itself, 1: a member of it); member
 * names are shown after prefix ("" or "outer member/"). */
static int scan_archive(scan *s, const unsigned char *data, size_t size, const char *prefix,
                        unsigned depth)
{
	struct archive *a = la.read_new();
	if (a == NULL)
		return esp_err_set(s->err, ESPDIAG_ENOMEM, "%s: out of memory", s->label);
	bool is_cab = size >= 4 && memcmp(data, "MSCF", 4) == 0;
	bool seekable = !is_cab && zip_has_end_record(data, size);
	if (is_cab)
		la.read_support_format_cab(a);
	else if (seekable)
		la.read_support_format_zip_seekable(a);
	else
		la.read_support_format_zip_streamable(a);
	int rc = ESPDIAG_OK;
	/* Messages about a nested archive name it. */
	char where[1024] = "";
	size_t plen = strlen(prefix);
	if (plen > 0)
		snprintf(where, sizeof where, "archive member %.*s: ", (int)(plen - 1), prefix);
	if (la.read_open_memory(a, data, size) != ARCHIVE_OK) {
		rc = esp_err_set(s->err, ESPDIAG_EFORMAT, "%s: %sdamaged archive: %s", s->label, where,
		                 la.error_string(a) ? la.error_string(a) : "unreadable");
		la.read_free(a);
		return rc;
	}
	size_t count = 0;
	for (;;) {
		struct archive_entry *e;
		int r = la.read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			/* A truncated archive whose dump came whole is still read. */
			if (s->dump == NULL)
				rc = esp_err_set(s->err, ESPDIAG_EFORMAT,
				                 "%s: %sdamaged or truncated archive after %zu members: %s",
				                 s->label, where, count,
				                 la.error_string(a) ? la.error_string(a)
				                                         : "unreadable");
			break;
		}
		if (++count > ESP_CONTAINER_MAX_MEMBERS) {
			rc = esp_err_set(s->err, ESPDIAG_ELIMIT,
			                 "%s: %smore than %u archive members", s->label, where,
			                 ESP_CONTAINER_MAX_MEMBERS);
			break;
		}
		if (la.entry_filetype(e) == AE_IFDIR)
			continue;
		char *name = join(prefix, "", entry_name(e));
		if (name == NULL) {
			rc = esp_err_set(s->err, ESPDIAG_ENOMEM, "%s: out of memory", s->label);
			break;
		}
		int64_t header_size = la.entry_size_is_set(e) ? la.entry_size(e) : -1;
		int dscore = dump_score(name + strlen(prefix));
		int ascore = archive_score(name + strlen(prefix));
		enum member_fate fate = is_cab || !seekable ? DISCARD : SKIP;
		bool want_dump = dscore > s->dump_score;
		bool want_nested = dscore == 0 && ascore > 0 && s->dump == NULL && depth == 0 &&
		                   s->nnested < ESP_CONTAINER_MAX_NESTED;
		if (want_dump || want_nested) {
			fate = KEEP;
			/* A size the header admits to is refused before any work. */
			if (header_size > 0 && (uint64_t)header_size > s->lim->max_member_size) {
				rc = esp_err_set(s->err, ESPDIAG_ELIMIT,
				                 "%s: archive member %s: larger than the limit of %llu "
				                 "bytes (its header says %lld)",
				                 s->label, name,
				                 (unsigned long long)s->lim->max_member_size,
				                 (long long)header_size);
				free(name);
				break;
			}
		}
		if (ascore > 0 && dscore == 0 && depth > 0 && s->too_deep == NULL)
			s->too_deep = strdup(name);
		unsigned char *buf = NULL;
		size_t len = 0;
		if (fate == SKIP) {
			if (la.read_data_skip(a) != ARCHIVE_OK && s->dump == NULL) {
				rc = esp_err_set(s->err, ESPDIAG_EFORMAT,
				                 "%s: archive member %s: damaged or truncated: %s",
				                 s->label, name,
				                 la.error_string(a) ? la.error_string(a)
				                                         : "unreadable");
				free(name);
				break;
			}
		} else {
			int mrc = read_member(s, a, name, fate, header_size,
			                      fate == KEEP ? &buf : NULL, &len);
			/* Damage after a whole dump leaves the dump readable; a
			 * cap passed is refused whatever was found before. */
			if (mrc != ESPDIAG_OK && (s->dump == NULL || mrc != ESPDIAG_EFORMAT || want_dump))
				rc = mrc;
			if (mrc != ESPDIAG_OK) {
				sb_add_line(&s->names, name);
				free(name);
				break;
			}
		}
		if (want_dump) {
			/* A dump in a likelier place wins; the other is listed. */
			if (s->dump_name != NULL)
				sb_add_line(&s->names, s->dump_name);
			free(s->dump);
			free(s->dump_name);
			s->dump = buf;
			s->dump_size = len;
			s->dump_name = name;
			s->dump_score = dscore;
			/* A dump makes nested archives needless (at depth 1 they
			 * are being read: they go when the search ends). */
			if (depth == 0)
				drop_nested(s);
			continue;
		}
		sb_add_line(&s->names, name);
		if (want_nested && esp_container_is_archive(buf, len)) {
			/* Kept in order of score, then of appearance. */
			size_t at = s->nnested;
			while (at > 0 && s->nested[at - 1].score < ascore) {
				s->nested[at] = s->nested[at - 1];
				at--;
			}
			s->nested[at] = (struct nested){ buf, len, name, ascore };
			s->nnested++;
			continue;
		}
		free(buf);
		free(name);
	}
	la.read_free(a);
	return rc;
}

static int unwrap_archive(esp_input *in, esp_container *ct, const char *label,
                          const esp_limits *lim, esp_err *err)
{
	scan s;
	memset(&s, 0, sizeof s);
	s.label = label;
	s.lim = lim;
	s.err = err;
	s.discard = malloc(DISCARD_SIZE);
	if (s.discard == NULL) {
		esp_input_release(in);
		return esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", label);
	}
	int rc = scan_archive(&s, in->data, in->size, "", ct->depth);
	esp_input_release(in);
	/* One level deeper, and no more: a nested scan keeps no archives. */
	for (size_t i = 0; rc == ESPDIAG_OK && s.dump == NULL && i < s.nnested; i++) {
		char *prefix = join(s.nested[i].name, "/", "");
		if (prefix == NULL)
			rc = esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", label);
		else
			rc = scan_archive(&s, s.nested[i].data, s.nested[i].size, prefix,
			                  ct->depth + 1);
		free(prefix);
	}
	if (rc == ESPDIAG_OK && s.names.failed)
		rc = esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", label);
	if (rc == ESPDIAG_OK && s.dump == NULL) {
		char list[320];
		list_for_message(list, sizeof list, s.names.s);
		if (s.too_deep != NULL)
			rc = esp_err_set(err, ESPDIAG_ELIMIT,
			                 "%s: no %s in the archive; %s is an archive nested more than "
			                 "one level deep, which is not opened (members: %s)",
			                 label, ESP_DUMP_NAME, s.too_deep, list);
		else
			rc = esp_err_set(err, ESPDIAG_EFORMAT,
			                 "%s: no %s in the archive (members: %s)", label,
			                 ESP_DUMP_NAME, list);
	}
	if (rc == ESPDIAG_OK) {
		/* Names found earlier (a folder's) come first. */
		const char *outer = ct->member != NULL ? ct->member : NULL;
		char *member = outer != NULL ? join(outer, "/", s.dump_name) : strdup(s.dump_name);
		strbuf all = { 0 };
		if (ct->members != NULL && *ct->members != '\0') {
			sb_adds(&all, ct->members);
			all.items = 1;
			for (const char *p = ct->members; *p != '\0'; p++)
				all.items += *p == '\n';
		}
		for (const char *p = s.names.s; p != NULL && *p != '\0' &&
		                                all.items < ESP_CONTAINER_MAX_LISTED;) {
			const char *nl = strchr(p, '\n');
			size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
			if (all.items > 0)
				sb_add(&all, "\n", 1);
			if (outer != NULL) {
				sb_adds(&all, outer);
				sb_add(&all, "/", 1);
			}
			sb_add(&all, p, n);
			all.items++;
			p += n + (nl != NULL);
		}
		if (all.s == NULL && !all.failed)
			sb_add(&all, "", 0);
		if (member == NULL || all.failed) {
			free(member);
			free(all.s);
			rc = esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", label);
		} else {
			free(ct->member);
			free(ct->members);
			ct->member = member;
			ct->members = all.s;
			ct->depth++;
			rc = member_input(in, s.dump, s.dump_size, label, member, err);
			s.dump = NULL;
		}
	}
	scan_free(&s);
	return rc;
}

#endif /* HAVE_LIBARCHIVE */

int esp_container_unwrap(esp_input *in, esp_container *ct, const char *label,
                         const esp_limits *lim, esp_err *err)
{
	if (!esp_container_is_archive(in->data, in->size))
		return ESPDIAG_OK;
	const char *why = "libespdiag was built without libarchive";
#ifdef HAVE_LIBARCHIVE
	pthread_once(&la_once, load_libarchive);
	if (la_failure == NULL)
		return unwrap_archive(in, ct, label, lim, err);
	why = la_failure;
#endif
	(void)ct;
	(void)lim;
	const char *kind = in->size >= 4 && memcmp(in->data, "MSCF", 4) == 0 ? "cab" : "zip";
	esp_input_release(in);
	return esp_err_set(err, ESPDIAG_EUNSUPPORTED,
	                   "%s: a %s archive, but containers not supported (%s); extract %s "
	                   "and read that",
	                   label, kind, why, ESP_DUMP_NAME);
}

/* --- folders --- */

typedef struct dir_walk {
	const char *root;
	esp_err *err;
	unsigned entries;      /* files and folders looked at */
	strbuf files;          /* every regular file, relative to root */
	char *dump;            /* the best dump's relative path */
	int dump_score;
	char *archive;         /* the best cab or zip, when no dump */
	int archive_score;
} dir_walk;

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks root/rel (rel "" for root itself), in name order, to the depth and
 * entry caps. Symbolic links are not followed, so a link cannot loop. */
static int walk_dir(dir_walk *w, const char *rel, unsigned depth)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s%s%s", w->root, *rel ? "/" : "", rel) >=
	    sizeof path)
		return ESPDIAG_OK;
	DIR *d = opendir(path);
	if (d == NULL)
		return depth == 0 ? esp_err_set(w->err, ESPDIAG_EIO, "%s: %s", path, strerror(errno))
		                  : ESPDIAG_OK;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = ESPDIAG_OK;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++w->entries > ESP_CONTAINER_MAX_DIR_ENTRIES) {
			rc = esp_err_set(w->err, ESPDIAG_ELIMIT,
			                 "%s: more than %u files and folders to search; give the "
			                 "dump or the archive itself",
			                 w->root, ESP_CONTAINER_MAX_DIR_ENTRIES);
			break;
		}
		if (n == cap) {
			size_t bigger_cap = cap ? cap * 2 : 32;
			char **bigger = realloc(names, bigger_cap * sizeof *bigger);
			if (bigger == NULL) {
				rc = ESPDIAG_ENOMEM;
				break;
			}
			names = bigger;
			cap = bigger_cap;
		}
		names[n] = strdup(de->d_name);
		if (names[n] == NULL) {
			rc = ESPDIAG_ENOMEM;
			break;
		}
		n++;
	}
	if (n > 0)
		qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n && rc == ESPDIAG_OK; i++) {
		struct stat st;
		char *child = *rel ? join(rel, "/", names[i]) : strdup(names[i]);
		if (child == NULL) {
			rc = ESPDIAG_ENOMEM;
			break;
		}
		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (S_ISDIR(st.st_mode) && depth < ESP_CONTAINER_MAX_DIR_DEPTH) {
				rc = walk_dir(w, child, depth + 1);
			} else if (S_ISREG(st.st_mode)) {
				int ds = dump_score(child), as = archive_score(child);
				if (ds > w->dump_score) {
					if (w->dump != NULL)
						sb_add_line(&w->files, w->dump);
					free(w->dump);
					w->dump = child;
					w->dump_score = ds;
					child = NULL;
				} else if (as > w->archive_score) {
					free(w->archive);
					w->archive = strdup(child);
					w->archive_score = as;
					if (w->archive == NULL)
						rc = ESPDIAG_ENOMEM;
				}
				if (child != NULL)
					sb_add_line(&w->files, child);
			}
		}
		free(child);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	if (rc == ESPDIAG_ENOMEM)
		return esp_err_set(w->err, rc, "%s: out of memory", w->root);
	return rc;
}

static int open_dir(esp_input *in, esp_container *ct, const char *path, const esp_limits *lim,
                    esp_err *err)
{
	dir_walk w;
	memset(&w, 0, sizeof w);
	w.root = path;
	w.err = err;
	int rc = walk_dir(&w, "", 0);
	if (rc == ESPDIAG_OK && w.files.failed)
		rc = esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", path);
	const char *found = w.dump != NULL ? w.dump : w.archive;
	if (rc == ESPDIAG_OK && found == NULL) {
		char list[320];
		list_for_message(list, sizeof list, w.files.s);
		rc = esp_err_set(err, ESPDIAG_EFORMAT,
		                 "%s: no %s, cab or zip in the folder (files: %s)", path,
		                 ESP_DUMP_NAME, list);
	}
	if (rc == ESPDIAG_OK) {
		char file[4096];
		if ((size_t)snprintf(file, sizeof file, "%s/%s", path, found) >= sizeof file) {
			rc = esp_err_set(err, ESPDIAG_EIO, "%s/%s: path too long", path, found);
		} else {
			rc = esp_input_open_file(in, file, lim->max_input_size, err);
		}
	}
	if (rc == ESPDIAG_OK) {
		/* The dump itself is not in the list; a cab or zip is, as a
		 * nested archive's name is in an archive's list. */
		if (w.files.s == NULL)
			sb_add(&w.files, "", 0);
		char *member = strdup(found);
		if (member == NULL || w.files.failed) {
			free(member);
			esp_input_release(in);
			rc = esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", path);
		} else {
			free(ct->member);
			free(ct->members);
			ct->member = member;
			ct->members = w.files.s;
			w.files.s = NULL;
		}
	}
	free(w.files.s);
	free(w.dump);
	free(w.archive);
	return rc;
}

int esp_container_open_file(esp_input *in, esp_container *ct, const char *path,
                            const esp_limits *lim, esp_err *err)
{
	struct stat st;
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return open_dir(in, ct, path, lim, err);
	/* Sparse when it is a big hive: the caller hands a "regf" input to
	 * the hive reader (no other reader bids on it), which reads only the
	 * bins it reaches. */
	return esp_input_open_file_lazy(in, path, lim->max_input_size, err);
}

/* --- every member, for the bundle (see container.h) --- */

typedef struct walker {
	const esp_walk_ops *ops;
	const esp_walk_limits *lim;
	esp_err *err;
	const char *label;
	uint64_t total;         /* bytes decompressed or read, nested archives included */
	uint64_t members;       /* members seen */
	unsigned char *scratch; /* a peeked head, or bytes read to be discarded */
} walker;

/* Where peeked heads and discarded bytes go. */
#define WALK_SCRATCH ((size_t)64 << 10)

/* A member whose damage leaves the rest of its archive unreadable: the
 * walk of that archive stops (not an error of the walk). */
#define WALK_STOP 1

const char *esp_container_unsupported(void)
{
#ifdef HAVE_LIBARCHIVE
	pthread_once(&la_once, load_libarchive);
	return la_failure;
#else
	return "libespdiag was built without libarchive";
#endif
}

const char *esp_container_kind(const char *path, const unsigned char *data, size_t size)
{
	unsigned char head[8];
	if (path != NULL) {
		struct stat st;
		if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return "folder";
		int fd = strcmp(path, "-") != 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
		ssize_t n = fd >= 0 ? pread(fd, head, sizeof head, 0) : -1;
		if (fd >= 0)
			close(fd);
		data = head;
		size = n > 0 ? (size_t)n : 0;
	}
	if (!esp_container_is_archive(data, size))
		return "file";
	return memcmp(data, "MSCF", 4) == 0 ? "cab" : "zip";
}

static int count_member(walker *w)
{
	if (++w->members > w->lim->max_members)
		return esp_err_set(w->err, ESPDIAG_ELIMIT, "%s: more than the limit of %llu members",
		                   w->label, (unsigned long long)w->lim->max_members);
	return ESPDIAG_OK;
}

static int count_bytes(walker *w, uint64_t n, const char *name)
{
	w->total += n;
	if (w->total > w->lim->max_total)
		return esp_err_set(w->err, ESPDIAG_ELIMIT,
		                   "%s: more than the limit of %llu bytes decompressed or read in all "
		                   "(stopped in member %s)",
		                   w->label, (unsigned long long)w->lim->max_total, name);
	return ESPDIAG_OK;
}

static int walk_failed(walker *w, const esp_walk_member *m, const char *fmt, ...)
	ESP_PRINTF(3, 4);
static int walk_failed(walker *w, const esp_walk_member *m, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return w->ops->failed(w->ops->ctx, m, why);
}

/* decide, and again with the first bytes when asked (peek fills them). */
typedef int (*peek_fn)(walker *w, void *src, esp_walk_member *m);

static int decide_member(walker *w, esp_walk_member *m, peek_fn peek, void *src,
                         esp_walk_fate *fate)
{
	*fate = w->ops->decide(w->ops->ctx, m);
	if (*fate != ESP_WALK_PEEK)
		return ESPDIAG_OK;
	int rc = peek(w, src, m);
	if (rc != ESPDIAG_OK)
		return rc;
	*fate = w->ops->decide(w->ops->ctx, m);
	if (*fate == ESP_WALK_PEEK)
		*fate = ESP_WALK_SKIP;
	return ESPDIAG_OK;
}

#ifdef HAVE_LIBARCHIVE

static const char *la_why(struct archive *a)
{
	const char *s = la.error_string(a);
	return s != NULL ? s : "unreadable";
}

typedef struct la_src {
	struct archive *a;
	bool is_cab, seekable;
	size_t got; /* bytes of the current member read so far */
} la_src;

/* Reads into buf[*len..cap), counting; a negative libarchive status is
 * returned as it is (the caller reports it), 0 at the member's end. */
static int la_fill(walker *w, la_src *s, const esp_walk_member *m, unsigned char *buf,
                   size_t cap, size_t *len, la_ssize_t *status)
{
	while (*len < cap) {
		la_ssize_t n = la.read_data(s->a, buf + *len, cap - *len);
		if (n < 0) {
			*status = n;
			return ESPDIAG_OK;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
		s->got += (size_t)n;
		int rc = count_bytes(w, (uint64_t)n, m->name);
		if (rc != ESPDIAG_OK)
			return rc;
	}
	*status = 0;
	return ESPDIAG_OK;
}

static int la_peek(walker *w, void *src, esp_walk_member *m)
{
	la_src *s = src;
	size_t len = 0;
	la_ssize_t st;
	int rc = la_fill(w, s, m, w->scratch, ESP_WALK_PEEK_SIZE, &len, &st);
	if (rc != ESPDIAG_OK)
		return rc;
	if (st < 0) {
		rc = walk_failed(w, m, "damaged: %s", la_why(s->a));
		return rc != ESPDIAG_OK ? rc : WALK_STOP;
	}
	m->head = w->scratch;
	m->head_len = len;
	return ESPDIAG_OK;
}

/* The rest of a member nobody keeps. */
static int la_skip(walker *w, la_src *s, const esp_walk_member *m)
{
	if (s->is_cab && m->size >= 0 && (uint64_t)m->size >= s->got) {
		/* libarchive decompresses the cab's folder up to the member's
		 * end, as its header says: count that work, then let it. */
		int rc = count_bytes(w, (uint64_t)m->size - s->got, m->name);
		if (rc != ESPDIAG_OK)
			return rc;
	} else if (!s->seekable) {
		/* A streamed zip (or a cab member of unknown size): its end is
		 * only found by inflating, which is counted here. */
		la_ssize_t st;
		for (;;) {
			size_t len = 0;
			int rc = la_fill(w, s, m, w->scratch, WALK_SCRATCH, &len, &st);
			if (rc != ESPDIAG_OK)
				return rc;
			if (st < 0 || len < WALK_SCRATCH)
				break;
		}
		if (st >= 0)
			return ESPDIAG_OK;
		int rc = walk_failed(w, m, "damaged: %s", la_why(s->a));
		return rc != ESPDIAG_OK ? rc : WALK_STOP;
	}
	if (la.read_data_skip(s->a) != ARCHIVE_OK) {
		int rc = walk_failed(w, m, "damaged: %s", la_why(s->a));
		return rc != ESPDIAG_OK ? rc : WALK_STOP;
	}
	return ESPDIAG_OK;
}

static int walk_memory_archive(walker *w, const unsigned char *data, size_t size,
                               const char *prefix, unsigned depth, const char *aname);

/* A member wanted whole (ESP_WALK_READ or ESP_WALK_OPEN). */
static int la_take(walker *w, la_src *s, esp_walk_member *m, esp_walk_fate fate)
{
	uint64_t most = w->lim->max_member_size;
	if (m->size > 0 && (uint64_t)m->size > most) {
		int rc = walk_failed(w, m, "larger than the limit of %llu bytes (its header says %lld)",
		                     (unsigned long long)most, (long long)m->size);
		return rc != ESPDIAG_OK ? rc : la_skip(w, s, m);
	}
	/* The header's size only sizes the first buffer. */
	uint64_t hint = m->size > 0 ? (uint64_t)m->size : 0;
	if (hint > ((uint64_t)64 << 20))
		hint = (uint64_t)64 << 20;
	size_t cap = (size_t)hint + 1 > 4096 ? (size_t)hint + 1 : 4096;
	if (cap < m->head_len + 1)
		cap = m->head_len + 1;
	unsigned char *buf = malloc(cap);
	if (buf == NULL)
		return esp_err_set(w->err, ESPDIAG_ENOMEM, "%s: out of memory", w->label);
	size_t len = m->head_len;
	if (len > 0)
		memcpy(buf, m->head, len);
	la_ssize_t st = 0;
	int rc = ESPDIAG_OK;
	for (;;) {
		if (len == cap) {
			uint64_t limit = most < SIZE_MAX - 1 ? most + 1 : SIZE_MAX;
			size_t bigger_cap = cap <= SIZE_MAX / 2 ? cap * 2 : SIZE_MAX;
			if ((uint64_t)bigger_cap > limit)
				bigger_cap = (size_t)limit;
			if (bigger_cap <= cap)
				break; /* one byte past the cap: refused below */
			unsigned char *bigger = realloc(buf, bigger_cap);
			if (bigger == NULL) {
				free(buf);
				return esp_err_set(w->err, ESPDIAG_ENOMEM, "%s: out of memory", w->label);
			}
			buf = bigger;
			cap = bigger_cap;
		}
		size_t before = len;
		rc = la_fill(w, s, m, buf, cap, &len, &st);
		if (rc != ESPDIAG_OK || st < 0 || len == before || len < cap)
			break;
	}
	if (rc != ESPDIAG_OK) {
		free(buf);
		return rc;
	}
	if (st < 0) {
		free(buf);
		rc = walk_failed(w, m, "damaged: %s", la_why(s->a));
		return rc != ESPDIAG_OK ? rc : WALK_STOP;
	}
	if (m->size >= 0 && (uint64_t)len > (uint64_t)m->size) {
		/* More bytes than its header admits to: a lie, most likely a
		 * bomb; nothing after it is trusted. */
		free(buf);
		rc = walk_failed(w, m,
		                 "decompresses to more than the %lld bytes its header says (a "
		                 "damaged archive or a zip bomb)",
		                 (long long)m->size);
		return rc != ESPDIAG_OK ? rc : WALK_STOP;
	}
	if ((uint64_t)len > most) {
		free(buf);
		rc = walk_failed(w, m, "larger than the limit of %llu bytes",
		                 (unsigned long long)most);
		return rc != ESPDIAG_OK ? rc : la_skip(w, s, m);
	}
	if (fate == ESP_WALK_OPEN) {
		if (!esp_container_is_archive(buf, len)) {
			free(buf);
			return walk_failed(w, m, "not a cab or zip");
		}
		char *prefix = join(m->name, "/", "");
		rc = prefix != NULL ? walk_memory_archive(w, buf, len, prefix, m->depth + 1, m->name)
		                    : esp_err_set(w->err, ESPDIAG_ENOMEM, "%s: out of memory", w->label);
		free(prefix);
		free(buf);
		return rc;
	}
	esp_input in;
	rc = member_input(&in, buf, len, w->label, m->name, w->err);
	if (rc != ESPDIAG_OK)
		return rc;
	return w->ops->take(w->ops->ctx, m, &in);
}

/* The members of the archive open in s->a; aname names it in messages. */
static int walk_archive(walker *w, la_src *s, const char *prefix, unsigned depth,
                        const char *aname)
{
	size_t seen = 0;
	for (;;) {
		struct archive_entry *e;
		int r = la.read_next_header(s->a, &e);
		if (r == ARCHIVE_EOF)
			return ESPDIAG_OK;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			if (depth == 0 && seen == 0)
				return esp_err_set(w->err, ESPDIAG_EFORMAT, "%s: damaged archive: %s",
				                   w->label, la_why(s->a));
			char what[512];
			snprintf(what, sizeof what, "damaged or truncated after %zu members: %s", seen,
			         la_why(s->a));
			return w->ops->damaged(w->ops->ctx, aname, what);
		}
		seen++;
		if (la.entry_filetype(e) == AE_IFDIR)
			continue;
		int rc = count_member(w);
		if (rc != ESPDIAG_OK)
			return rc;
		char *name = join(prefix, "", entry_name(e));
		if (name == NULL)
			return esp_err_set(w->err, ESPDIAG_ENOMEM, "%s: out of memory", w->label);
		esp_walk_member m = { name, base_name(name),
			              la.entry_size_is_set(e) ? la.entry_size(e) : -1,
			              depth, NULL, NULL, 0 };
		s->got = 0;
		esp_walk_fate fate;
		rc = decide_member(w, &m, la_peek, s, &fate);
		if (rc == ESPDIAG_OK)
			rc = fate == ESP_WALK_SKIP ? la_skip(w, s, &m) : la_take(w, s, &m, fate);
		if (rc == WALK_STOP) {
			char what[512];
			snprintf(what, sizeof what, "stops at the damaged member %s", name);
			rc = w->ops->damaged(w->ops->ctx, aname, what);
			free(name);
			return rc;
		}
		free(name);
		if (rc != ESPDIAG_OK)
			return rc;
	}
}

static struct archive *la_new_reader(walker *w, bool is_cab, bool seekable)
{
	struct archive *a = la.read_new();
	if (a == NULL) {
		esp_err_set(w->err, ESPDIAG_ENOMEM, "%s: out of memory", w->label);
		return NULL;
	}
	if (is_cab)
		la.read_support_format_cab(a);
	else if (seekable)
		la.read_support_format_zip_seekable(a);
	else
		la.read_support_format_zip_streamable(a);
	return a;
}

static int walk_memory_archive(walker *w, const unsigned char *data, size_t size,
                               const char *prefix, unsigned depth, const char *aname)
{
	la_src s = { NULL, size >= 4 && memcmp(data, "MSCF", 4) == 0, false, 0 };
	s.seekable = !s.is_cab && zip_has_end_record(data, size);
	s.a = la_new_reader(w, s.is_cab, s.seekable);
	if (s.a == NULL)
		return ESPDIAG_ENOMEM;
	int rc;
	if (la.read_open_memory(s.a, data, size) != ARCHIVE_OK) {
		if (depth == 0)
			rc = esp_err_set(w->err, ESPDIAG_EFORMAT, "%s: damaged archive: %s", w->label,
			                 la_why(s.a));
		else
			rc = w->ops->damaged(w->ops->ctx, aname, la_why(s.a));
	} else {
		rc = walk_archive(w, &s, prefix, depth, aname);
	}
	la.read_free(s.a);
	return rc;
}

/* A cab or zip file, read through libarchive from the file (a seekable
 * zip's members nobody wants are never read from disk). */
static int walk_file_archive(walker *w, const char *path, int fd, uint64_t size)
{
	unsigned char head[8] = { 0 };
	unsigned char tail[22 + 65535];
	size_t tlen = size < sizeof tail ? (size_t)size : sizeof tail;
	if (pread(fd, head, sizeof head, 0) < 4 ||
	    pread(fd, tail, tlen, (off_t)(size - tlen)) != (ssize_t)tlen)
		return esp_err_set(w->err, ESPDIAG_EIO, "%s: %s", path, strerror(errno ? errno : EIO));
	la_src s = { NULL, memcmp(head, "MSCF", 4) == 0, false, 0 };
	s.seekable = !s.is_cab && zip_has_end_record(tail, tlen);
	s.a = la_new_reader(w, s.is_cab, s.seekable);
	if (s.a == NULL)
		return ESPDIAG_ENOMEM;
	int rc;
	if (la.read_open_filename(s.a, path, (size_t)64 << 10) != ARCHIVE_OK)
		rc = esp_err_set(w->err, ESPDIAG_EFORMAT, "%s: damaged archive: %s", w->label,
		                 la_why(s.a));
	else
		rc = walk_archive(w, &s, "", 0, w->label);
	la.read_free(s.a);
	return rc;
}

#endif /* HAVE_LIBARCHIVE */

/* An archive that libarchive cannot read: the walk's error at the top, a
 * member's failure inside a folder. */
static int archive_unsupported(walker *w, const esp_walk_member *m, const unsigned char *data,
                               size_t size)
{
	const char *why = esp_container_unsupported();
	const char *kind = size >= 4 && memcmp(data, "MSCF", 4) == 0 ? "cab" : "zip";
	if (m != NULL)
		return walk_failed(w, m, "not read: built without cab and zip support (%s)", why);
	return esp_err_set(w->err, ESPDIAG_EUNSUPPORTED,
	                   "%s: a %s archive, but containers not supported (%s)", w->label, kind,
	                   why);
}

/* A member in memory (a folder's file read, or the input itself): read,
 * or walked when it is an archive to open. */
static int take_input(walker *w, esp_walk_member *m, esp_walk_fate fate, esp_input *in,
                      const char *prefix)
{
	if (fate != ESP_WALK_OPEN)
		return w->ops->take(w->ops->ctx, m, in);
	int rc;
	if (!esp_container_is_archive(in->data, in->size))
		rc = walk_failed(w, m, "not a cab or zip");
#ifdef HAVE_LIBARCHIVE
	else if (esp_container_unsupported() == NULL)
		rc = walk_memory_archive(w, in->data, in->size, prefix, m->depth + 1, m->name);
#endif
	else
		rc = archive_unsupported(w, m, in->data, in->size);
	(void)prefix;
	esp_input_release(in);
	return rc;
}

static int file_peek(walker *w, void *src, esp_walk_member *m)
{
	int fd = open(m->path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, w->scratch, ESP_WALK_PEEK_SIZE, 0) : -1;
	if (fd >= 0)
		close(fd);
	(void)src;
	m->head = w->scratch;
	m->head_len = n > 0 ? (size_t)n : 0;
	return ESPDIAG_OK;
}

/* A regular file of a folder (rel: its name in the folder). */
static int walk_folder_file(walker *w, const char *path, const char *rel, uint64_t size)
{
	esp_walk_member m = { rel, base_name(rel), size > INT64_MAX ? -1 : (int64_t)size, 0, path,
		              NULL, 0 };
	esp_walk_fate fate;
	int rc = decide_member(w, &m, file_peek, NULL, &fate);
	if (rc != ESPDIAG_OK || fate == ESP_WALK_SKIP)
		return rc;
	if (size > w->lim->max_member_size)
		return walk_failed(w, &m, "larger than the limit of %llu bytes (it has %llu)",
		                   (unsigned long long)w->lim->max_member_size,
		                   (unsigned long long)size);
	rc = count_bytes(w, size, rel);
	if (rc != ESPDIAG_OK)
		return rc;
	esp_input in;
	esp_err e;
	rc = esp_input_open_file(&in, path, w->lim->max_member_size, &e);
	if (rc == ESPDIAG_ENOMEM)
		return esp_err_set(w->err, rc, "%s", e.msg);
	if (rc != ESPDIAG_OK)
		return w->ops->failed(w->ops->ctx, &m, e.msg);
	char *prefix = join(rel, "/", "");
	if (prefix == NULL) {
		esp_input_release(&in);
		return esp_err_set(w->err, ESPDIAG_ENOMEM, "%s: out of memory", w->label);
	}
	rc = take_input(w, &m, fate, &in, prefix);
	free(prefix);
	return rc;
}

/* root/rel, in name order, ESP_CONTAINER_MAX_DIR_DEPTH levels deep;
 * symbolic links are not followed, so a link cannot loop. */
static int walk_folder(walker *w, const char *root, const char *rel, unsigned depth)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel) >= sizeof path)
		return ESPDIAG_OK;
	DIR *d = opendir(path);
	if (d == NULL)
		return depth == 0 ? esp_err_set(w->err, ESPDIAG_EIO, "%s: %s", path, strerror(errno))
		                  : ESPDIAG_OK;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = ESPDIAG_OK;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		rc = count_member(w);
		if (rc != ESPDIAG_OK)
			break;
		if (esp_reserve_one((void **)&names, n, &cap, sizeof *names, 32) != ESPDIAG_OK ||
		    (names[n] = strdup(de->d_name)) == NULL) {
			rc = esp_err_set(w->err, ESPDIAG_ENOMEM, "%s: out of memory", w->label);
			break;
		}
		n++;
	}
	if (n > 0)
		qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n && rc == ESPDIAG_OK; i++) {
		struct stat st;
		char *child = *rel ? join(rel, "/", names[i]) : strdup(names[i]);
		char *full = child != NULL ? join(root, "/", child) : NULL;
		if (full == NULL)
			rc = esp_err_set(w->err, ESPDIAG_ENOMEM, "%s: out of memory", w->label);
		else if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (S_ISDIR(st.st_mode) && depth < ESP_CONTAINER_MAX_DIR_DEPTH)
				rc = walk_folder(w, root, child, depth + 1);
			else if (S_ISREG(st.st_mode))
				rc = walk_folder_file(w, full, child, (uint64_t)st.st_size);
		}
		free(child);
		free(full);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

static int mem_peek(walker *w, void *src, esp_walk_member *m)
{
	const esp_input *in = src;
	(void)w;
	m->head = in->data;
	m->head_len = in->size < ESP_WALK_PEEK_SIZE ? in->size : ESP_WALK_PEEK_SIZE;
	return ESPDIAG_OK;
}

/* The input itself as the one member (a plain file, or bytes). */
static int walk_single(walker *w, esp_input *in, const char *name, const char *path)
{
	esp_walk_member m = { name, base_name(name), (int64_t)in->size, 0, path, NULL, 0 };
	esp_walk_fate fate;
	int rc = count_member(w);
	if (rc == ESPDIAG_OK)
		rc = decide_member(w, &m, mem_peek, in, &fate);
	m.head = NULL;
	m.head_len = 0;
	if (rc != ESPDIAG_OK || fate == ESP_WALK_SKIP) {
		esp_input_release(in);
		return rc;
	}
	return take_input(w, &m, fate == ESP_WALK_OPEN ? ESP_WALK_READ : fate, in, "");
}

int esp_container_walk(const char *path, const unsigned char *data, size_t size,
                       const char *label, const esp_walk_ops *ops,
                       const esp_walk_limits *lim, esp_err *err)
{
	walker w = { ops, lim, err, label, 0, 0, malloc(WALK_SCRATCH) };
	if (w.scratch == NULL)
		return esp_err_set(err, ESPDIAG_ENOMEM, "%s: out of memory", label);
	int rc;
	if (path == NULL) {
		esp_input in;
		esp_input_wrap(&in, data, size, label);
		if (!esp_container_is_archive(data, size))
			rc = walk_single(&w, &in, label, NULL);
#ifdef HAVE_LIBARCHIVE
		else if (esp_container_unsupported() == NULL)
			rc = walk_memory_archive(&w, data, size, "", 0, label);
#endif
		else
			rc = archive_unsupported(&w, NULL, data, size);
		free(w.scratch);
		return rc;
	}
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = esp_err_set(err, ESPDIAG_EIO, "%s: %s", path, strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		rc = walk_folder(&w, path, "", 0);
	} else {
		unsigned char head[8];
		ssize_t n = pread(fd, head, sizeof head, 0);
		bool archive = S_ISREG(st.st_mode) && n > 0 && esp_container_is_archive(head, (size_t)n);
		if (archive && (uint64_t)st.st_size > lim->max_input_size) {
			rc = esp_err_set(err, ESPDIAG_ELIMIT,
			                 "%s: %llu bytes, larger than the limit of %llu bytes", path,
			                 (unsigned long long)st.st_size,
			                 (unsigned long long)lim->max_input_size);
		} else if (archive) {
#ifdef HAVE_LIBARCHIVE
			if (esp_container_unsupported() == NULL)
				rc = walk_file_archive(&w, path, fd, (uint64_t)st.st_size);
			else
#endif
				rc = archive_unsupported(&w, NULL, head, (size_t)n);
		} else {
			esp_input in;
			rc = esp_input_open_file(&in, path, lim->max_input_size, err);
			if (rc == ESPDIAG_OK)
				rc = walk_single(&w, &in, base_name(path), path);
		}
	}
	if (fd >= 0)
		close(fd);
	free(w.scratch);
	return rc;
}

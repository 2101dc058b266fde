/* lib/bundle.c - the evidence bundle (include/espdiag/bundle.h): walks a
 * collection through the container module, gives each member to the
 * reader whose bid wins (the list below; the bundle never looks at a
 * format itself), and keeps the member list. */
#include <config.h>

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_private.h"

/* The member readers. Adding a format is adding a file and a line. */
static const esp_member_reader *const readers[] = {
	&esp_member_registry,  &esp_member_evtx,        &esp_member_imelog,
	&esp_member_ztd,       &esp_member_device_hash, &esp_member_metadata,
};
#define NREADERS (sizeof readers / sizeof readers[0])
#define NO_READER SIZE_MAX

#define DEFAULT_MAX_MEMBERS 100000u
#define DEFAULT_MAX_TOTAL ((uint64_t)1 << 30)
#define DEFAULT_MAX_NESTING 2u
/* Names listed in a registry source's "members" property. */
#define MAX_OTHER_NAMES 1000u

struct espdiag_bundle {
	esp_err err;
	espdiag_bundle_options opts;
	espdiag_open_options open;
	espdiag_registry *reg;
	esp_arena arena;           /* member names, reasons, summaries */
	espdiag_member *members;
	size_t *reader_of;         /* per member: its reader's index, or NO_READER */
	size_t count, cap;
	size_t current;            /* the member the walk is at */
	esp_warnings warnings;
	void *state[NREADERS];
	const char *label;
	const char *format;
	bool opened;
	esp_input stdin_in;        /* standard input, kept: a member may point into it */
};

/* --- names --- */

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool esp_name_ieq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (lower(*a) != lower(*b))
			return false;
	return *a == *b;
}

bool esp_name_iends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && esp_name_ieq(s + n - m, suffix);
}

bool esp_name_istarts(const char *s, const char *prefix)
{
	for (; *prefix != '\0'; s++, prefix++)
		if (lower(*s) != lower(*prefix))
			return false;
	return true;
}

ESPDIAG_API const char *espdiag_member_kind_name(espdiag_member_kind kind)
{
	switch (kind) {
	case ESPDIAG_MEMBER_OTHER: return "other";
	case ESPDIAG_MEMBER_REGISTRY: return "registry";
	case ESPDIAG_MEMBER_EVENT_LOG: return "event_log";
	case ESPDIAG_MEMBER_IME_LOG: return "ime_log";
	case ESPDIAG_MEMBER_ZTD_JSON: return "ztd_json";
	case ESPDIAG_MEMBER_DEVICE_HASH: return "device_hash";
	case ESPDIAG_MEMBER_METADATA: return "metadata";
	case ESPDIAG_MEMBER_ARCHIVE: return "archive";
	}
	return NULL;
}

/* --- what the readers see --- */

static size_t reader_index(const esp_member_reader *r)
{
	for (size_t i = 0; i < NREADERS; i++)
		if (readers[i] == r)
			return i;
	return NO_READER;
}

void *esp_bundle_state(const espdiag_bundle *b, const esp_member_reader *r)
{
	size_t i = reader_index(r);
	return i != NO_READER ? b->state[i] : NULL;
}

void esp_bundle_set_state(espdiag_bundle *b, const esp_member_reader *r, void *state)
{
	size_t i = reader_index(r);
	if (i != NO_READER)
		b->state[i] = state;
}

void *esp_bundle_state_make(espdiag_bundle *b, const esp_member_reader *r, size_t size,
                            esp_input *in, esp_err *why)
{
	void *s = esp_bundle_state(b, r);
	if (s == NULL && (s = calloc(1, size)) != NULL)
		esp_bundle_set_state(b, r, s);
	if (s == NULL) {
		esp_input_release(in);
		esp_err_set(why, ESPDIAG_ENOMEM, "out of memory");
	}
	return s;
}

int esp_member_json_object(void *out, esp_input *in, esp_err *why)
{
	json_error_t jerr;
	size_t skip = in->size >= 3 && memcmp(in->data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	json_t *doc = json_loadb((const char *)in->data + skip, in->size - skip,
	                         JSON_DISABLE_EOF_CHECK, &jerr);
	esp_input_release(in);
	if (doc == NULL)
		return esp_err_set(why, ESPDIAG_EFORMAT, "not JSON: line %d, column %d: %s",
		                   jerr.line, jerr.column, jerr.text);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return esp_err_set(why, ESPDIAG_EFORMAT, "not a JSON object");
	}
	*(json_t **)out = doc;
	return ESPDIAG_OK;
}

const espdiag_bundle_options *esp_bundle_options(const espdiag_bundle *b)
{
	return &b->opts;
}

const espdiag_open_options *esp_bundle_open_options(const espdiag_bundle *b)
{
	return &b->open;
}

const char *esp_bundle_label(const espdiag_bundle *b)
{
	return b->label != NULL ? b->label : "(memory)";
}

const char *esp_bundle_keep(espdiag_bundle *b, const char *s, size_t len)
{
	return esp_arena_strndup(&b->arena, s, len);
}

static const char *keep_vf(espdiag_bundle *b, const char *fmt, va_list ap)
{
	char buf[1024];
	vsnprintf(buf, sizeof buf, fmt, ap);
	return esp_bundle_keep(b, buf, strlen(buf));
}

int esp_bundle_summary(espdiag_bundle *b, size_t index, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *s = keep_vf(b, fmt, ap);
	va_end(ap);
	if (s == NULL)
		return ESPDIAG_ENOMEM;
	if (index < b->count)
		b->members[index].summary = s;
	return ESPDIAG_OK;
}

int esp_bundle_unread(espdiag_bundle *b, size_t index, const char *why)
{
	if (index >= b->count)
		return ESPDIAG_OK;
	const char *s = esp_bundle_keep(b, why, strlen(why));
	if (s == NULL)
		return ESPDIAG_ENOMEM;
	b->members[index].read = false;
	b->members[index].reason = s;
	b->members[index].summary = NULL;
	return ESPDIAG_OK;
}

int esp_bundle_warn(espdiag_bundle *b, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return esp_warn(&b->warnings, 0, 0, 0, "%s", buf);
}

const espdiag_member *esp_bundle_member(const espdiag_bundle *b, size_t index)
{
	return index < b->count ? &b->members[index] : NULL;
}

const char *esp_bundle_other_names(espdiag_bundle *b, size_t index)
{
	size_t len = 0, listed = 0;
	for (size_t i = 0; i < b->count && listed < MAX_OTHER_NAMES; i++)
		if (i != index) {
			len += strlen(b->members[i].name) + 1;
			listed++;
		}
	char *s = esp_arena_alloc_bytes(&b->arena, len + 1);
	if (s == NULL)
		return NULL;
	size_t at = 0;
	listed = 0;
	for (size_t i = 0; i < b->count && listed < MAX_OTHER_NAMES; i++) {
		if (i == index)
			continue;
		if (listed++ > 0)
			s[at++] = '\n';
		size_t n = strlen(b->members[i].name);
		memcpy(s + at, b->members[i].name, n);
		/* One name per line, whatever the archive holds. */
		for (size_t k = at; k < at + n; k++)
			if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
				s[k] = '?';
		at += n;
	}
	s[at] = '\0';
	return s;
}

/* --- the walk --- */

static int add_member(espdiag_bundle *b, const esp_walk_member *m, espdiag_member_kind kind,
                      size_t reader, const char *reason)
{
	if (b->count == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		espdiag_member *mm = realloc(b->members, cap * sizeof *mm);
		if (mm == NULL)
			return ESPDIAG_ENOMEM;
		b->members = mm;
		size_t *r = realloc(b->reader_of, cap * sizeof *r);
		if (r == NULL)
			return ESPDIAG_ENOMEM;
		b->reader_of = r;
		b->cap = cap;
	}
	const char *name = esp_bundle_keep(b, m->name, strlen(m->name));
	const char *why = reason != NULL ? esp_bundle_keep(b, reason, strlen(reason)) : NULL;
	if (name == NULL || (reason != NULL && why == NULL))
		return ESPDIAG_ENOMEM;
	b->members[b->count] = (espdiag_member){
		.name = name,
		.kind = kind,
		.size = m->size >= 0 ? (uint64_t)m->size : 0,
		.has_size = m->size >= 0,
		.read = false,
		.reason = why,
		.summary = NULL,
	};
	b->reader_of[b->count] = reader;
	b->current = b->count++;
	return ESPDIAG_OK;
}

static bool archive_name(const char *base)
{
	return esp_name_iends(base, ".cab") || esp_name_iends(base, ".zip");
}

/* The reader whose bid wins (ties: the first in the list), NO_READER. */
static size_t best_reader(const esp_walk_member *m)
{
	size_t best = NO_READER;
	int best_bid = 0;
	for (size_t i = 0; i < NREADERS; i++) {
		int bid = readers[i]->bid(m->base, m->head, m->head_len);
		if (bid > best_bid) {
			best_bid = bid;
			best = i;
		}
	}
	return best;
}

static esp_walk_fate walk_decide(void *ctx, const esp_walk_member *m)
{
	espdiag_bundle *b = ctx;
	bool archive = m->head == NULL ? archive_name(m->base)
	                                : esp_container_is_archive(m->head, m->head_len);
	int rc = ESPDIAG_OK;
	esp_walk_fate fate = ESP_WALK_SKIP;
	if (archive) {
		if (m->depth + 1 > b->opts.max_nesting) {
			char why[96];
			snprintf(why, sizeof why, "not opened: nested deeper than %u archives",
			         b->opts.max_nesting);
			rc = add_member(b, m, ESPDIAG_MEMBER_ARCHIVE, NO_READER, why);
		} else {
			rc = add_member(b, m, ESPDIAG_MEMBER_ARCHIVE, NO_READER, NULL);
			b->members[b->current].read = true;
			fate = ESP_WALK_OPEN;
		}
	} else {
		size_t r = best_reader(m);
		if (r == NO_READER && m->head == NULL)
			return ESP_WALK_PEEK;
		if (r == NO_READER) {
			rc = add_member(b, m, ESPDIAG_MEMBER_OTHER, NO_READER, "no reader wants it");
		} else {
			rc = add_member(b, m, readers[r]->kind, r, NULL);
			fate = ESP_WALK_READ;
		}
	}
	if (rc != ESPDIAG_OK) {
		/* Out of memory: the next take or failed reports it. */
		esp_err_set(&b->err, ESPDIAG_ENOMEM, "%s: out of memory", esp_bundle_label(b));
		b->current = SIZE_MAX;
		return ESP_WALK_SKIP;
	}
	return fate;
}

static int walk_take(void *ctx, const esp_walk_member *m, esp_input *in)
{
	espdiag_bundle *b = ctx;
	size_t i = b->current;
	if (i >= b->count || b->reader_of[i] == NO_READER) {
		esp_input_release(in);
		return ESPDIAG_ENOMEM;
	}
	espdiag_member *mm = &b->members[i];
	mm->size = in->size;
	mm->has_size = true;
	esp_err why;
	why.msg[0] = '\0';
	int rc = readers[b->reader_of[i]]->read(b, i, m, in, &why);
	mm = &b->members[i];
	if (rc == ESPDIAG_OK) {
		mm->read = true;
		return ESPDIAG_OK;
	}
	if (rc == ESPDIAG_ENOMEM)
		return esp_err_set(&b->err, rc, "%s: %s", esp_bundle_label(b), why.msg);
	return esp_bundle_unread(b, i, why.msg[0] ? why.msg : espdiag_strerror(rc));
}

static int walk_failed(void *ctx, const esp_walk_member *m, const char *why)
{
	espdiag_bundle *b = ctx;
	size_t i = b->current;
	/* A nested archive's own failure comes after its members were added. */
	while (i < b->count && strcmp(b->members[i].name, m->name) != 0)
		i = i > 0 ? i - 1 : SIZE_MAX;
	if (i >= b->count)
		return ESPDIAG_ENOMEM;
	int rc = esp_bundle_unread(b, i, why);
	return rc != ESPDIAG_OK ? esp_err_set(&b->err, rc, "out of memory") : ESPDIAG_OK;
}

static int walk_damaged(void *ctx, const char *archive, const char *what)
{
	espdiag_bundle *b = ctx;
	if (esp_bundle_warn(b, "%s: %s", archive, what) != ESPDIAG_OK)
		return esp_err_set(&b->err, ESPDIAG_ENOMEM, "out of memory");
	return ESPDIAG_OK;
}

/* --- the handle --- */

ESPDIAG_API int espdiag_bundle_new(espdiag_bundle **out, const espdiag_bundle_options *opts)
{
	if (out == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	static const espdiag_bundle_options defaults = ESPDIAG_BUNDLE_OPTIONS_INIT;
	if (opts == NULL)
		opts = &defaults;
	if (opts->version == 0 || opts->version > ESPDIAG_BUNDLE_OPTIONS_VERSION)
		return ESPDIAG_EINVAL;
	if (opts->open != NULL &&
	    (opts->open->version == 0 || opts->open->version > ESPDIAG_OPEN_OPTIONS_VERSION))
		return ESPDIAG_EINVAL;
	espdiag_bundle *b = calloc(1, sizeof *b);
	if (b == NULL)
		return ESPDIAG_ENOMEM;
	esp_arena_init(&b->arena);
	esp_warnings_init(&b->warnings);
	b->stdin_in.fd = -1;
	b->opts = *opts;
	espdiag_open_options open_defaults = ESPDIAG_OPEN_OPTIONS_INIT;
	b->open = open_defaults;
	if (opts->open != NULL)
		memcpy(&b->open, opts->open,
		       opts->open->version >= 2 ? sizeof b->open
		                                : offsetof(espdiag_open_options, hive_logs));
	b->opts.open = &b->open;
	if (b->opts.max_members == 0)
		b->opts.max_members = DEFAULT_MAX_MEMBERS;
	if (b->opts.max_total == 0)
		b->opts.max_total = DEFAULT_MAX_TOTAL;
	if (b->opts.max_nesting == 0)
		b->opts.max_nesting = DEFAULT_MAX_NESTING;
	if (espdiag_registry_new(&b->reg) != ESPDIAG_OK) {
		espdiag_bundle_free(b);
		return ESPDIAG_ENOMEM;
	}
	*out = b;
	return ESPDIAG_OK;
}

/* Frees what the members and readers hold, leaving an empty bundle. */
static void drop_members(espdiag_bundle *b)
{
	for (size_t i = 0; i < NREADERS; i++) {
		if (b->state[i] != NULL && readers[i]->free_state != NULL)
			readers[i]->free_state(b->state[i]);
		b->state[i] = NULL;
	}
	free(b->members);
	free(b->reader_of);
	b->members = NULL;
	b->reader_of = NULL;
	b->count = b->cap = 0;
}

ESPDIAG_API void espdiag_bundle_free(espdiag_bundle *b)
{
	if (b == NULL)
		return;
	drop_members(b);
	espdiag_registry_free(b->reg);
	esp_warnings_free(&b->warnings);
	esp_arena_free(&b->arena);
	esp_input_release(&b->stdin_in);
	free(b);
}

static int bundle_open(espdiag_bundle *b, const char *path, const unsigned char *data,
                       size_t size, const char *label)
{
	esp_limits lim;
	esp_limits_from_options(&lim, &b->open);
	esp_walk_limits wl = { lim.max_input_size, lim.max_member_size, b->opts.max_total,
		               b->opts.max_members };
	esp_walk_ops ops = { b, walk_decide, walk_take, walk_failed, walk_damaged };
	b->label = esp_bundle_keep(b, label, strlen(label));
	if (b->label == NULL)
		return esp_err_set(&b->err, ESPDIAG_ENOMEM, "out of memory");
	b->opened = true;
	b->err.msg[0] = '\0';
	/* known before the members are read: a file alone is labelled as such */
	b->format = esp_container_kind(path, data, size);
	int rc = esp_container_walk(path, data, size, b->label, &ops, &wl, &b->err);
	for (size_t i = 0; rc == ESPDIAG_OK && i < NREADERS; i++)
		if (readers[i]->finish != NULL)
			rc = readers[i]->finish(b, &b->err);
	if (rc != ESPDIAG_OK) {
		/* The bundle holds no member after a failed open. */
		drop_members(b);
		espdiag_registry_free(b->reg);
		b->reg = NULL;
		if (espdiag_registry_new(&b->reg) != ESPDIAG_OK)
			b->reg = NULL;
		b->format = NULL;
		return rc;
	}
	return ESPDIAG_OK;
}

ESPDIAG_API int espdiag_bundle_open_file(espdiag_bundle *b, const char *path)
{
	if (b == NULL || path == NULL || b->opened || b->reg == NULL)
		return b != NULL ? esp_err_set(&b->err, ESPDIAG_EINVAL,
		                               "a bundle is opened once, from a path")
		                 : ESPDIAG_EINVAL;
	if (strcmp(path, "-") != 0)
		return bundle_open(b, path, NULL, 0, path);
	esp_limits lim;
	esp_limits_from_options(&lim, &b->open);
	int rc = esp_input_open_stdin(&b->stdin_in, lim.max_input_size, &b->err);
	if (rc != ESPDIAG_OK)
		return rc;
	return bundle_open(b, NULL, b->stdin_in.data, b->stdin_in.size, "(standard input)");
}

ESPDIAG_API int espdiag_bundle_open_memory(espdiag_bundle *b, const void *data, size_t size,
                                           const char *name)
{
	if (b == NULL || (data == NULL && size > 0) || b->opened || b->reg == NULL)
		return b != NULL ? esp_err_set(&b->err, ESPDIAG_EINVAL,
		                               "a bundle is opened once, from valid memory")
		                 : ESPDIAG_EINVAL;
	esp_limits lim;
	esp_limits_from_options(&lim, &b->open);
	const char *label = name != NULL ? name : "(memory)";
	if ((uint64_t)size > lim.max_input_size)
		return esp_err_set(&b->err, ESPDIAG_ELIMIT,
		                   "%s: %zu bytes, larger than the limit of %llu bytes", label, size,
		                   (unsigned long long)lim.max_input_size);
	return bundle_open(b, NULL, size ? data : (const void *)"", size, label);
}

ESPDIAG_API const char *espdiag_bundle_errmsg(const espdiag_bundle *b)
{
	return b != NULL ? b->err.msg : "";
}

ESPDIAG_API const char *espdiag_bundle_format(const espdiag_bundle *b)
{
	return b != NULL ? b->format : NULL;
}

ESPDIAG_API size_t espdiag_bundle_member_count(const espdiag_bundle *b)
{
	return b != NULL ? b->count : 0;
}

ESPDIAG_API const espdiag_member *espdiag_bundle_member_at(const espdiag_bundle *b,
                                                           size_t index)
{
	return b != NULL && index < b->count ? &b->members[index] : NULL;
}

ESPDIAG_API size_t espdiag_bundle_registry_count(const espdiag_bundle *b)
{
	return b != NULL && b->reg != NULL ? espdiag_registry_source_count(b->reg) : 0;
}

ESPDIAG_API espdiag_registry *espdiag_bundle_registry(espdiag_bundle *b)
{
	return b != NULL ? b->reg : NULL;
}

ESPDIAG_API size_t espdiag_bundle_warning_count(const espdiag_bundle *b)
{
	return b != NULL ? esp_warnings_count(&b->warnings) : 0;
}

ESPDIAG_API const espdiag_warning *espdiag_bundle_warning_at(const espdiag_bundle *b,
                                                             size_t index)
{
	if (b == NULL)
		return NULL;
	/* The list is the bundle's; reading it changes nothing a caller sees. */
	return esp_warnings_at((esp_warnings *)&b->warnings, index);
}

/*
 * lib/regf_log.c - transaction log replay: a dirty hive (one whose last
 * write did not finish, or whose newest data is still only in its logs)
 * is read as Windows would read it after loading it, with its logs'
 * dirty pages applied to a copy in memory. The files are never written.
 *
 * Format and rules, from Suhanov's "Windows registry file format
 * specification" (sections "Format of transaction log files", "Dirty
 * state of a hive", "Multiple transaction log files"; libyal/libregf's
 * format notes agree on the layouts):
 *
 * - A log starts with a copy of the hive's base block (its first 512
 *   bytes) whose file type is 1 (2 before Windows XP) for the old format
 *   and 6 for the new (Windows 8.1 on). It is valid when its checksum is
 *   right and its two sequence numbers are equal.
 * - Old format: at 512 "DIRT" and a bitmap of the 512-byte pages of the
 *   hive bins data (bit i, least significant bit first, for the page at
 *   file offset 4096 + 512 i; hive bins data size / 512 bits); the dirty
 *   pages follow from the next 512 boundary on, one per set bit, in order.
 *   A log applies when its last-written timestamp equals the hive's (the
 *   first hbin's copy of it when the hive's base block is damaged).
 * - New format: from 512 on, log entries, each on a 512 boundary: "HvLE",
 *   size, flags, sequence number, hive bins data size, dirty page count,
 *   Hash-1 (Marvin32 of the entry from offset 40 to its end), Hash-2
 *   (Marvin32 of its first 32 bytes), then (offset, size) references to
 *   the dirty pages (offsets relative to the hive bins data) and the pages
 *   themselves, back to back. An entry applies the hive bins data size
 *   (the hive grows or shrinks to it) and its pages.
 * - Which entries: a log is used when its base block's sequence number is
 *   not below the hive's secondary sequence number (a log below it holds
 *   only writes the hive already has); logs are applied earliest first,
 *   each from its first entry, which must carry its base block's number;
 *   entries must follow one another by one (an older entry left behind
 *   ends a log), and the next log must go on with the next number. A
 *   damaged entry (a checksum, a size or the hive bins data size wrong)
 *   stops the replay of its log after the entry before it. When the hive's
 *   own base block is damaged, only the log with the latest entries is
 *   used and its base block replaces the hive's.
 * - Old format with two logs: the applicable one with the higher sequence
 *   number (LOG1 on a tie). Windows 8 may also use a log whose timestamp
 *   does not match; we do not (judgment call: a copy of a hive beside logs
 *   of another time is more likely than that failure case).
 *
 * Bounds (judgment calls, so that no log can make the replay allocate
 * without bound): an entry may grow the hive by no more than the bytes of
 * the pages it carries (new bins are dirty, so they are in the entry), and
 * the replayed hive by no more than max_size.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "regf_log.h"

#define BASE 4096u        /* the base block; hive bins data follows */
#define SECTOR 512u       /* log layout unit */
#define ENTRY_HEAD 40u    /* HvLE fields before the page references */
#define PAGE_OLD 512u     /* a dirty vector bit covers this much */
#define BIN_UNIT 4096u    /* hive bins data sizes are multiples of it */

enum { LOG_UNUSED = 0, LOG_OLD = 1, LOG_NEW = 6 };

/* ------------------------------------------------------------------ */
/* checksums */

static uint32_t rotl32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void marvin_mix(uint32_t *s0, uint32_t *s1)
{
	*s1 ^= *s0;
	*s0 = rotl32(*s0, 20);
	*s0 += *s1;
	*s1 = rotl32(*s1, 9);
	*s1 ^= *s0;
	*s0 = rotl32(*s0, 27);
	*s0 += *s1;
	*s1 = rotl32(*s1, 19);
}

/* Marvin32 as Microsoft published it (SymCrypt, MIT licence): 32-bit
 * little-endian words added into the first state word and mixed; the
 * 0-3 bytes left, above them a 0x80 byte, as a last word; two more mixes. */
uint64_t esp_marvin32(const unsigned char *data, size_t size, uint64_t seed)
{
	uint32_t s0 = (uint32_t)seed, s1 = (uint32_t)(seed >> 32);
	size_t i = 0;
	for (; size - i >= 4; i += 4) {
		s0 += esp_le32(data + i);
		marvin_mix(&s0, &s1);
	}
	uint32_t last = 0x80;
	for (size_t j = size; j > i; j--)
		last = (last << 8) | data[j - 1];
	s0 += last;
	marvin_mix(&s0, &s1);
	marvin_mix(&s0, &s1);
	return (uint64_t)s1 << 32 | s0;
}

uint32_t esp_regf_base_checksum(const unsigned char *base)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < 508; i += 4)
		sum ^= esp_le32(base + i);
	if (sum == 0)
		return 1;
	if (sum == 0xFFFFFFFFu)
		return 0xFFFFFFFEu;
	return sum;
}

bool esp_regf_is_dirty(const unsigned char *base)
{
	return esp_le32(base + 4) != esp_le32(base + 8) ||
	       esp_le32(base + 508) != esp_regf_base_checksum(base);
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* ------------------------------------------------------------------ */
/* logs */

typedef struct log_file {
	const esp_input *in;
	char label[64];    /* "LOG1" for NAME.LOG1, else the base name */
	int format;        /* LOG_* */
	uint32_t seq;      /* its base block's sequence number */
	uint64_t stamp;    /* its base block's last-written timestamp */
	uint64_t entries, pages;
	unsigned used;     /* 0, or 1 + the number of logs used before it */
} log_file;

static void set_label(log_file *lf)
{
	const char *name = lf->in->name ? lf->in->name : "(log)";
	const char *b = strrchr(name, '/');
	b = b ? b + 1 : name;
	const char *dot = strrchr(b, '.');
	if (dot != NULL && (strcasecmp(dot, ".LOG") == 0 || strcasecmp(dot, ".LOG1") == 0 ||
	                    strcasecmp(dot, ".LOG2") == 0)) {
		size_t n = 0;
		for (const char *s = dot + 1; *s; s++)
			lf->label[n++] = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
		lf->label[n] = '\0';
		return;
	}
	snprintf(lf->label, sizeof lf->label, "%s", b);
}

/* Checks a log's base block; a problem is a warning (an unused, empty log
 * is none). */
static int check_log(log_file *lf, esp_warnings *w)
{
	const unsigned char *d = lf->in->data;
	size_t size = lf->in->size;
	const char *name = lf->in->name ? lf->in->name : "(log)";
	lf->format = LOG_UNUSED;
	if (size == 0 || (size >= 4 && esp_le32(d) == 0))
		return ESPDIAG_OK; /* a log that was never written */
	if (size < SECTOR || memcmp(d, "regf", 4) != 0)
		return esp_warn(w, 0, 0, 0, "%s: not a transaction log (no regf base block); not used",
		                name);
	uint32_t stored = esp_le32(d + 508), sum = esp_regf_base_checksum(d);
	if (stored != sum)
		return esp_warn(w, 0, 0, 508,
		                "%s: base block checksum 0x%08x does not match the computed 0x%08x; "
		                "not used", name, stored, sum);
	uint32_t seq1 = esp_le32(d + 4), seq2 = esp_le32(d + 8), type = esp_le32(d + 28);
	if (seq1 != seq2)
		return esp_warn(w, 0, 0, 4,
		                "%s: base block sequence numbers %u and %u differ (the log was not "
		                "written to its end); not used", name, seq1, seq2);
	if (type == 6)
		lf->format = LOG_NEW;
	else if (type == 1 || type == 2)
		lf->format = LOG_OLD;
	else
		return esp_warn(w, 0, 0, 28, "%s: file type %u is not a transaction log; not used",
		                name, type);
	lf->seq = seq1;
	lf->stamp = esp_le64(d + 12);
	return ESPDIAG_OK;
}

/* ------------------------------------------------------------------ */
/* the hive being replayed */

typedef struct replay {
	unsigned char *buf;
	size_t len;          /* bytes of buf in use (and allocated) */
	uint64_t bins;       /* its hive bins data size now */
	uint64_t max_size;
	uint32_t next;       /* the sequence number the next entry must carry */
	uint32_t seq;        /* of the last entry applied */
	uint32_t flags;      /* bit 0 of the base block's flags, from the last entry */
	bool applied;
	unsigned used;       /* logs used so far */
	esp_warnings *w;
} replay;

static int copy_hive(replay *r, const esp_input *in)
{
	r->buf = malloc(in->size ? in->size : 1);
	if (r->buf == NULL)
		return ESPDIAG_ENOMEM;
	r->len = in->size;
	if (in->fd < 0) {
		memcpy(r->buf, in->data, in->size);
		return ESPDIAG_OK;
	}
	/* A mapped file is read through the descriptor: a file cut short while
	 * mapped would fault (SIGBUS) in memcpy, pread just says so. */
	size_t got = 0;
	while (got < in->size) {
		ssize_t n = pread(in->fd, r->buf + got, in->size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ESPDIAG_EIO;
		got += (size_t)n;
	}
	return ESPDIAG_OK;
}

/* Makes the hive at least BASE + bins bytes long (zeros added). */
static int grow(replay *r, uint64_t bins)
{
	uint64_t need = BASE + bins;
	if (need <= r->len)
		return ESPDIAG_OK;
	if (need > SIZE_MAX)
		return ESPDIAG_ENOMEM;
	unsigned char *p = realloc(r->buf, (size_t)need);
	if (p == NULL)
		return ESPDIAG_ENOMEM;
	memset(p + r->len, 0, (size_t)need - r->len);
	r->buf = p;
	r->len = (size_t)need;
	return ESPDIAG_OK;
}

/* Why an entry or a log cannot grow the hive to bins, or NULL when it can
 * (page_bytes: what it carries). */
static const char *growth_problem(const replay *r, uint64_t bins, uint64_t page_bytes)
{
	if (bins > r->bins && bins - r->bins > page_bytes)
		return "grows the hive by more than the pages it holds";
	if (BASE + bins > r->max_size)
		return "grows the hive past the input size limit";
	return NULL;
}

/* Says that the replay of a log stops at the entry at off. */
static int entry_damaged(replay *r, const log_file *lf, uint64_t off, uint32_t seq,
                         const char *why)
{
	const char *name = lf->in->name ? lf->in->name : "(log)";
	if (lf->entries > 0)
		return esp_warn(r->w, 0, 0, off,
		                "%s: log entry at 0x%llx (sequence %u): %s; the log is applied up to "
		                "sequence %u", name, (unsigned long long)off, seq, why, r->seq);
	return esp_warn(r->w, 0, 0, off,
	                "%s: log entry at 0x%llx (sequence %u): %s; nothing of the log is applied",
	                name, (unsigned long long)off, seq, why);
}

/* Applies the entries of a new-format log that carry r->next and on. */
static int apply_new(replay *r, log_file *lf)
{
	const unsigned char *d = lf->in->data;
	uint64_t size = lf->in->size;
	for (uint64_t off = SECTOR; off + ENTRY_HEAD <= size;) {
		const unsigned char *e = d + off;
		if (memcmp(e, "HvLE", 4) != 0)
			break; /* the end of the entries */
		uint32_t esize = esp_le32(e + 4), eflags = esp_le32(e + 8), seq = esp_le32(e + 12);
		uint32_t bins = esp_le32(e + 16), npages = esp_le32(e + 20);
		if (esp_marvin32(e, 32, ESP_REGF_LOG_SEED) != esp_le64(e + 32))
			return entry_damaged(r, lf, off, seq, "Hash-2 (the checksum of its header) "
			                     "does not match");
		if (seq < r->next)
			break; /* an older entry left behind: the end of this log's entries */
		if (seq != r->next)
			return entry_damaged(r, lf, off, seq, "the sequence number skips ahead");
		if (esize < ENTRY_HEAD || esize % SECTOR != 0 || esize > size - off)
			return entry_damaged(r, lf, off, seq, "its size does not fit the log");
		if (esp_marvin32(e + ENTRY_HEAD, esize - ENTRY_HEAD, ESP_REGF_LOG_SEED) !=
		    esp_le64(e + 24))
			return entry_damaged(r, lf, off, seq, "Hash-1 (the checksum of its pages) "
			                     "does not match");
		if (bins == 0 || bins % BIN_UNIT != 0)
			return entry_damaged(r, lf, off, seq, "its hive bins data size is not a "
			                     "multiple of 4096");
		if (npages > (esize - ENTRY_HEAD) / 8)
			return entry_damaged(r, lf, off, seq, "its page count does not fit it");
		uint64_t at = ENTRY_HEAD + 8 * (uint64_t)npages, bytes = 0;
		for (uint32_t i = 0; i < npages; i++) {
			const unsigned char *ref = e + ENTRY_HEAD + 8 * (uint64_t)i;
			uint64_t po = esp_le32(ref), ps = esp_le32(ref + 4);
			if (po + ps > bins)
				return entry_damaged(r, lf, off, seq, "a page lies past its hive bins "
				                     "data");
			bytes += ps;
		}
		if (at + bytes > esize)
			return entry_damaged(r, lf, off, seq, "its pages run past its end");
		const char *why = growth_problem(r, bins, bytes);
		if (why != NULL)
			return entry_damaged(r, lf, off, seq, why);
		if (grow(r, bins) != ESPDIAG_OK)
			return ESPDIAG_ENOMEM;
		for (uint32_t i = 0; i < npages; i++) {
			const unsigned char *ref = e + ENTRY_HEAD + 8 * (uint64_t)i;
			uint32_t po = esp_le32(ref), ps = esp_le32(ref + 4);
			memcpy(r->buf + BASE + po, e + at, ps);
			at += ps;
		}
		r->bins = bins;
		r->seq = seq;
		r->next = seq + 1;
		r->flags = eflags & 1;
		r->applied = true;
		if (!lf->used)
			lf->used = ++r->used;
		lf->entries++;
		lf->pages += npages;
		off += esize;
	}
	return ESPDIAG_OK;
}

/* Applies an old-format log's dirty pages. */
static int apply_old(replay *r, log_file *lf)
{
	const unsigned char *d = lf->in->data;
	uint64_t size = lf->in->size;
	const char *name = lf->in->name ? lf->in->name : "(log)";
	if (size < SECTOR + 4 || memcmp(d + SECTOR, "DIRT", 4) != 0)
		return esp_warn(r->w, 0, 0, SECTOR, "%s: no dirty vector (\"DIRT\") at 0x200; not "
		                "applied", name);
	uint64_t bins = esp_le32(d + 40);
	if (bins == 0 || bins % BIN_UNIT != 0)
		return esp_warn(r->w, 0, 0, 40, "%s: hive bins data size %llu is not a multiple of "
		                "4096; not applied", name, (unsigned long long)bins);
	uint64_t bits = bins / PAGE_OLD, bytes = bits / 8;
	if (SECTOR + 4 + bytes > size)
		return esp_warn(r->w, 0, 0, SECTOR, "%s: its dirty vector runs past its end; not "
		                "applied", name);
	const unsigned char *map = d + SECTOR + 4;
	uint64_t pages_at = (SECTOR + 4 + bytes + SECTOR - 1) / SECTOR * SECTOR, dirty = 0;
	for (uint64_t i = 0; i < bytes; i++)
		for (unsigned b = 0; b < 8; b++)
			dirty += (map[i] >> b) & 1;
	const char *why = growth_problem(r, bins, dirty * PAGE_OLD);
	if (why != NULL)
		return esp_warn(r->w, 0, 0, 40, "%s: its hive bins data size %llu %s; not applied",
		                name, (unsigned long long)bins, why);
	if (grow(r, bins) != ESPDIAG_OK)
		return ESPDIAG_ENOMEM;
	uint64_t k = 0;
	for (uint64_t i = 0; i < bits; i++) {
		if (!((map[i / 8] >> (i % 8)) & 1))
			continue;
		uint64_t src = pages_at + PAGE_OLD * k;
		if (src + PAGE_OLD > size) {
			int rc = esp_warn(r->w, 0, 0, src,
			                  "%s: dirty page %llu of %llu lies past its end; the pages "
			                  "before it are applied", name, (unsigned long long)k + 1,
			                  (unsigned long long)dirty);
			if (rc != ESPDIAG_OK)
				return rc;
			break;
		}
		memcpy(r->buf + BASE + PAGE_OLD * i, d + src, PAGE_OLD);
		k++;
	}
	/* The log's base block is the one the hive had in memory for this write. */
	memcpy(r->buf, d, SECTOR);
	r->bins = bins;
	r->seq = lf->seq;
	r->flags = esp_le32(d + 144) & 1;
	r->applied = true;
	lf->used = ++r->used;
	lf->pages = k;
	return ESPDIAG_OK;
}

/* ------------------------------------------------------------------ */
/* choosing and applying */

static void append(char *buf, size_t cap, const char *fmt, ...) ESP_PRINTF(3, 4);
static void append(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(buf);
	if (n + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
}

/* New format: the logs in the order they apply (earliest entries first);
 * returns how many of them are candidates. */
static size_t order_new(log_file **out, log_file *logs, size_t n, const unsigned char *hive,
                        bool base_ok, char *why, size_t why_cap)
{
	size_t k = 0;
	uint32_t secondary = esp_le32(hive + 8);
	for (size_t i = 0; i < n; i++) {
		if (logs[i].format != LOG_NEW)
			continue;
		if (base_ok && logs[i].seq < secondary) {
			append(why, why_cap, "%s%s holds only writes the hive has (sequence %u, the "
			       "hive's %u)", why[0] ? "; " : "", logs[i].label, logs[i].seq, secondary);
			continue;
		}
		size_t j = k++;
		while (j > 0 && out[j - 1]->seq > logs[i].seq) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = &logs[i];
	}
	if (!base_ok && k > 1) {
		out[0] = out[k - 1]; /* only the log with the latest entries */
		k = 1;
	}
	return k;
}

static log_file *choose_old(log_file *logs, size_t n, uint64_t stamp, char *why,
                            size_t why_cap)
{
	log_file *best = NULL;
	for (size_t i = 0; i < n; i++) {
		if (logs[i].format != LOG_OLD)
			continue;
		if (logs[i].stamp != stamp) {
			append(why, why_cap, "%s%s was written at another time than the hive",
			       why[0] ? "; " : "", logs[i].label);
			continue;
		}
		if (best == NULL || logs[i].seq > best->seq)
			best = &logs[i];
	}
	return best;
}

static int run(replay *r, log_file *logs, size_t n, const esp_input *hive, char *why,
               size_t why_cap)
{
	const unsigned char *h = hive->data;
	bool base_ok = esp_le32(h + 508) == esp_regf_base_checksum(h);
	log_file *order[ESP_REGF_MAX_LOGS];
	size_t k = order_new(order, logs, n, h, base_ok, why, why_cap);
	if (k > 0) {
		int rc = copy_hive(r, hive);
		if (rc != ESPDIAG_OK)
			return rc;
		r->bins = esp_le32(r->buf + 40);
		if (!base_ok) {
			/* the hive's base block is damaged: the log's copy replaces it */
			memcpy(r->buf, order[0]->in->data, SECTOR);
			r->bins = esp_le32(r->buf + 40);
			r->applied = true;
			order[0]->used = ++r->used;
		}
		r->next = order[0]->seq;
		r->seq = esp_le32(r->buf + 8);
		r->flags = esp_le32(r->buf + 144) & 1;
		for (size_t i = 0; i < k; i++) {
			if (order[i]->seq > r->next) {
				append(why, why_cap, "%s%s starts at sequence %u, after a gap (the replay "
				       "reached %u)", why[0] ? "; " : "", order[i]->label, order[i]->seq,
				       r->next);
				break;
			}
			if (order[i]->seq < r->next)
				continue; /* its entries were in the log before it */
			rc = apply_new(r, order[i]);
			if (rc != ESPDIAG_OK)
				return rc;
		}
		return ESPDIAG_OK;
	}
	uint64_t stamp = esp_le64(h + 12);
	if (!base_ok && hive->size >= BASE + 28 && memcmp(h + BASE, "hbin", 4) == 0)
		stamp = esp_le64(h + BASE + 20);
	log_file *old = choose_old(logs, n, stamp, why, why_cap);
	if (old == NULL)
		return ESPDIAG_OK;
	int rc = copy_hive(r, hive);
	if (rc != ESPDIAG_OK)
		return rc;
	r->bins = esp_le32(r->buf + 40);
	return apply_old(r, old);
}

int esp_regf_replay_logs(esp_regf_replay *out, const esp_input *hive, const esp_input *logs,
                         size_t nlogs, uint64_t max_size, esp_warnings *w)
{
	memset(out, 0, sizeof *out);
	log_file lf[ESP_REGF_MAX_LOGS];
	size_t n = 0;
	for (size_t i = 0; i < nlogs && n < ESP_REGF_MAX_LOGS; i++) {
		memset(&lf[n], 0, sizeof lf[n]);
		lf[n].in = &logs[i];
		set_label(&lf[n]);
		int rc = check_log(&lf[n], w);
		if (rc != ESPDIAG_OK)
			return rc;
		n++;
	}
	const unsigned char *h = hive->data;
	uint32_t seq1 = esp_le32(h + 4), seq2 = esp_le32(h + 8);
	char why[256] = "";
	replay r = { .max_size = max_size, .w = w };
	int rc = run(&r, lf, n, hive, why, sizeof why);
	if (rc != ESPDIAG_OK || !r.applied) {
		free(r.buf);
		if (rc == ESPDIAG_OK)
			snprintf(out->note, sizeof out->note,
			         "the hive is dirty (sequence numbers %u and %u) and no transaction log "
			         "applies%s%s", seq1, seq2, why[0] ? ": " : "", why);
		return rc;
	}
	/* The base block as Windows leaves it in memory after the recovery. */
	unsigned char *b = r.buf;
	put32(b + 4, r.seq);
	put32(b + 8, r.seq);
	put32(b + 28, 0);
	put32(b + 40, (uint32_t)r.bins);
	put32(b + 144, (esp_le32(b + 144) & ~1u) | r.flags);
	put32(b + 508, esp_regf_base_checksum(b));
	out->data = r.buf;
	out->size = r.len;
	for (unsigned u = 1; u <= r.used; u++) {
		size_t i = 0;
		while (lf[i].used != u)
			i++;
		if (lf[i].format == LOG_OLD)
			append(out->summary, sizeof out->summary, "%s%s: %llu page%s (old format)",
			       out->summary[0] ? "; " : "", lf[i].label,
			       (unsigned long long)lf[i].pages, lf[i].pages == 1 ? "" : "s");
		else
			append(out->summary, sizeof out->summary, "%s%s: %llu entr%s, %llu page%s",
			       out->summary[0] ? "; " : "", lf[i].label,
			       (unsigned long long)lf[i].entries, lf[i].entries == 1 ? "y" : "ies",
			       (unsigned long long)lf[i].pages, lf[i].pages == 1 ? "" : "s");
	}
	snprintf(out->note, sizeof out->note,
	         "the hive was dirty (sequence numbers %u and %u); its transaction logs were "
	         "applied in memory, the files are unchanged (%s); sequence number now %u%s%s",
	         seq1, seq2, out->summary, r.seq, why[0] ? "; " : "", why);
	return ESPDIAG_OK;
}

/* ------------------------------------------------------------------ */
/* finding the logs beside a hive file */

/* Entries of the hive's directory looked at, at most. */
#define FIND_MAX_ENTRIES 100000u

size_t esp_regf_find_logs(esp_input *logs, char **paths, size_t max, const char *path,
                          uint64_t max_size, esp_warnings *w)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dlen = slash ? (size_t)(slash - path) + 1 : 0, blen = strlen(base);
	if (blen == 0 || max == 0)
		return 0;
	char *dir = malloc(dlen + 2); /* the directory with its "/", or "." */
	if (dir == NULL)
		return 0;
	memcpy(dir, path, dlen);
	strcpy(dir + dlen, dlen ? "" : ".");
	DIR *dp = opendir(dir);
	char *found[2] = { NULL, NULL };
	if (dp != NULL) {
		struct dirent *de;
		for (unsigned seen = 0; seen < FIND_MAX_ENTRIES && (de = readdir(dp)) != NULL; seen++) {
			const char *nm = de->d_name;
			if (strlen(nm) != blen + 5 || strncasecmp(nm, base, blen) != 0 ||
			    strncasecmp(nm + blen, ".LOG", 4) != 0 ||
			    (nm[blen + 4] != '1' && nm[blen + 4] != '2'))
				continue;
			int which = nm[blen + 4] - '1';
			if (found[which] != NULL)
				continue; /* two spellings of one name: the first seen */
			found[which] = malloc(dlen + blen + 6);
			if (found[which] != NULL) {
				memcpy(found[which], path, dlen);
				memcpy(found[which] + dlen, nm, blen + 6);
			}
		}
		closedir(dp);
	}
	free(dir);
	size_t n = 0;
	for (int i = 0; i < 2; i++) {
		if (found[i] == NULL)
			continue;
		esp_err err;
		if (n < max && esp_input_open_file(&logs[n], found[i], max_size, &err) == ESPDIAG_OK) {
			paths[n++] = found[i];
			continue;
		}
		if (n < max)
			esp_warn(w, 0, 0, 0, "transaction log not read: %s", err.msg);
		free(found[i]);
	}
	return n;
}

/* lib/arena.c - the arena allocator and the capped warning list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

struct esp_arena_block {
	esp_arena_block *next;
	max_align_t data[];
};

#define ARENA_MIN_BLOCK ((size_t)64 * 1024)
/* Blocks double with the arena up to this size. */
#define ARENA_MAX_DOUBLING ((size_t)16 << 20)
/* Blocks this big are aligned for, and offered to, transparent huge pages:
 * a big tree then takes hundreds rather than tens of thousands of page
 * faults, which dominate its build time on virtual machines. */
#define ARENA_HUGE_PAGE ((size_t)2 << 20)
#define ARENA_ALIGN (sizeof(max_align_t))

void esp_arena_init(esp_arena *a)
{
	memset(a, 0, sizeof *a);
}

/* A block of at least want bytes of data; *cap gets how many it holds. */
static esp_arena_block *new_block(size_t want, size_t *cap, size_t *bytes_out)
{
	size_t bytes;
	if (esp_add_overflows(want, sizeof(esp_arena_block), &bytes))
		return NULL;
	esp_arena_block *b = NULL;
	if (bytes >= ARENA_HUGE_PAGE) {
		if (esp_add_overflows(bytes, ARENA_HUGE_PAGE - 1, &bytes))
			return NULL;
		bytes &= ~(ARENA_HUGE_PAGE - 1);
		void *p = NULL;
		if (posix_memalign(&p, ARENA_HUGE_PAGE, bytes) == 0) {
			b = p;
			madvise(p, bytes, MADV_HUGEPAGE);
		}
	} else {
		b = malloc(bytes);
	}
	*cap = bytes - sizeof(esp_arena_block);
	*bytes_out = bytes;
	return b;
}

/* size bytes at the given alignment (a power of two up to ARENA_ALIGN). */
static void *arena_take(esp_arena *a, size_t size, size_t align)
{
	size_t start = (a->used + align - 1) & ~(align - 1);
	if (a->head == NULL || start > a->cap || a->cap - start < size) {
		/* Blocks double with the arena, so big trees soon get huge pages. */
		size_t grow = a->total < ARENA_MAX_DOUBLING ? a->total : ARENA_MAX_DOUBLING;
		if (grow < ARENA_MIN_BLOCK)
			grow = ARENA_MIN_BLOCK;
		if (grow < size)
			grow = size;
		size_t want = grow > a->reserve ? grow : a->reserve;
		a->reserve = 0;
		size_t cap, bytes;
		esp_arena_block *b = new_block(want, &cap, &bytes);
		/* A caller's big estimate that the system refuses is only an
		 * estimate: the arena grows as usual instead. */
		if (b == NULL && want > grow)
			b = new_block(grow, &cap, &bytes);
		if (b == NULL)
			return NULL;
		b->next = a->head;
		a->head = b;
		a->cap = cap;
		a->total += bytes;
		start = 0;
	}
	void *p = (char *)a->head->data + start;
	a->used = start + size;
	return p;
}

void *esp_arena_alloc(esp_arena *a, size_t size)
{
	return arena_take(a, size, ARENA_ALIGN);
}

void *esp_arena_grow(esp_arena *a, void *p, size_t old_size, size_t new_size)
{
	/* The last allocation of the block grows where it is. */
	if (new_size >= old_size && esp_arena_extend(a, p, old_size, new_size - old_size))
		return p;
	void *q = esp_arena_alloc(a, new_size);
	if (q != NULL && old_size > 0)
		memcpy(q, p, old_size);
	return q;
}

/* p (size bytes) ends where the head block's free space begins. */
static bool is_last(const esp_arena *a, const void *p, size_t size)
{
	return p != NULL && a->head != NULL &&
	       (const char *)p + size == (const char *)a->head->data + a->used;
}

bool esp_arena_extend(esp_arena *a, void *p, size_t old_size, size_t more)
{
	if (!is_last(a, p, old_size) || a->cap - a->used < more)
		return false;
	a->used += more;
	return true;
}

bool esp_arena_shrink(esp_arena *a, void *p, size_t old_size, size_t new_size)
{
	if (!is_last(a, p, old_size) || new_size > old_size)
		return false;
	a->used -= old_size - new_size;
	return true;
}

void *esp_arena_alloc_bytes(esp_arena *a, size_t size)
{
	return arena_take(a, size ? size : 1, 1);
}

void esp_arena_reserve(esp_arena *a, size_t bytes)
{
	a->reserve = bytes;
}

void *esp_arena_calloc(esp_arena *a, size_t n, size_t size)
{
	size_t bytes;
	if (esp_mul_overflows(n, size, &bytes))
		return NULL;
	void *p = esp_arena_alloc(a, bytes ? bytes : 1);
	if (p != NULL)
		memset(p, 0, bytes);
	return p;
}

void *esp_arena_memdup(esp_arena *a, const void *p, size_t size)
{
	void *q = esp_arena_alloc(a, size ? size : 1);
	if (q != NULL && size > 0)
		memcpy(q, p, size);
	return q;
}

char *esp_arena_strndup(esp_arena *a, const char *s, size_t len)
{
	size_t n;
	if (esp_add_overflows(len, 1, &n))
		return NULL;
	char *q = arena_take(a, n, 1);
	if (q != NULL) {
		if (len > 0)
			memcpy(q, s, len);
		q[len] = '\0';
	}
	return q;
}

void esp_arena_free(esp_arena *a)
{
	esp_arena_block *b = a->head;
	while (b != NULL) {
		esp_arena_block *next = b->next;
		free(b);
		b = next;
	}
	memset(a, 0, sizeof *a);
}

void esp_warnings_init(esp_warnings *w)
{
	memset(w, 0, sizeof *w);
	esp_arena_init(&w->strings);
}

int esp_warn(esp_warnings *w, uint64_t line, uint64_t column, uint64_t offset,
             const char *fmt, ...)
{
	if (w->count >= ESP_MAX_WARNINGS) {
		w->dropped++;
		return ESPDIAG_OK;
	}
	if (w->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		espdiag_warning *items = realloc(w->items, cap * sizeof *items);
		if (items == NULL)
			return ESPDIAG_ENOMEM;
		w->items = items;
		w->cap = cap;
	}
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	const char *msg = esp_arena_strndup(&w->strings, buf, strlen(buf));
	if (msg == NULL)
		return ESPDIAG_ENOMEM;
	espdiag_warning *it = &w->items[w->count++];
	it->line = line;
	it->column = column;
	it->offset = offset;
	it->message = msg;
	return ESPDIAG_OK;
}

size_t esp_warnings_count(const esp_warnings *w)
{
	return w->count + (w->dropped > 0 ? 1 : 0);
}

const espdiag_warning *esp_warnings_at(esp_warnings *w, size_t index)
{
	if (index < w->count)
		return &w->items[index];
	if (index != w->count || w->dropped == 0)
		return NULL;
	/* The summary of dropped warnings is written when first asked for and
	 * rewritten only when more were dropped since. */
	if (w->summarised != w->dropped) {
		char buf[128];
		snprintf(buf, sizeof buf, "%llu more warnings not kept",
		         (unsigned long long)w->dropped);
		const char *msg = esp_arena_strndup(&w->strings, buf, strlen(buf));
		if (msg == NULL)
			return NULL;
		w->summary.message = msg;
		w->summarised = w->dropped;
	}
	return &w->summary;
}

void esp_warnings_free(esp_warnings *w)
{
	free(w->items);
	esp_arena_free(&w->strings);
	memset(w, 0, sizeof *w);
}

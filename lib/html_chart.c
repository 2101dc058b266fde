/*
 * lib/html_chart.c - the chart of the HTML report (html.h): its parts and
 * how the registry's ESP model fills them, through the model's public
 * accessors only.
 *
 * Times come from the ESPTrackingInfo snapshots' key names (UTC). An item
 * is a row; each change of its state (espdiag_esp_change_at()) at a
 * snapshot with a time starts a bar, which lasts until its next change or
 * the end of its phase: between two snapshots an item is in the state of
 * the earlier one. A phase's span runs from its first to its last change.
 * Items the timeline does not name (a tracked app no snapshot lists, an
 * MSI app's own key, a device-preparation provider, an Office install)
 * become rows without a bar that say why. Device preparation (v2) is
 * html_v2.c's, the bundle's moments and clock html_bundle.c's.
 */
#include "html.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "esp_time.h"

/* FirstSync's Timestamp is taken for the start of the ESP (the start of
 * device preparation) only when it lies at most this long before the
 * first device setup snapshot. A judgment call: no source says when
 * Windows writes it, and an older enrollment's value must not stretch the
 * axis over months. */
#define START_WINDOW_MS ((chart_time)24 * 3600 * 1000)

const char *chart_state_class(chart_state s)
{
	switch (s) {
	case CHART_NOT_INSTALLED: return "not_installed";
	case CHART_IN_PROGRESS: return "in_progress";
	case CHART_COMPLETED: return "completed";
	case CHART_FAILED: return "failed";
	default: return "other";
	}
}

const char *chart_marker_class(chart_marker_kind k)
{
	switch (k) {
	case CHART_MARK_FAILURE: return "failure";
	case CHART_MARK_START: return "start";
	case CHART_MARK_LOG: return "log";
	default: return "event";
	}
}

/* --- the parts --- */

void chart_init(chart *c)
{
	memset(c, 0, sizeof *c);
	esp_arena_init(&c->arena);
}

void chart_free(chart *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->row_count; i++) {
		free(c->rows[i]->bars);
		free(c->rows[i]->markers);
	}
	free(c->rows);
	free(c->bands);
	free(c->lines);
	free(c->markers);
	free(c->notes);
	esp_arena_free(&c->arena);
	memset(c, 0, sizeof *c);
}

const char *chart_strdup(chart *c, const char *s)
{
	return s == NULL ? NULL : esp_arena_strndup(&c->arena, s, strlen(s));
}

static const char *vformat(chart *c, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return NULL;
	char *s = esp_arena_alloc_bytes(&c->arena, (size_t)n + 1);
	if (s != NULL)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

const char *chart_printf(chart *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *s = vformat(c, fmt, ap);
	va_end(ap);
	return s;
}

int chart_add_note(chart *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *s = vformat(c, fmt, ap);
	va_end(ap);
	if (s == NULL || esp_reserve_one((void **)&c->notes, c->note_count, &c->note_cap,
	                                 sizeof *c->notes, 4) != ESPDIAG_OK)
		return ESPDIAG_ENOMEM;
	c->notes[c->note_count++] = s;
	return ESPDIAG_OK;
}

/* Copies a string that may be NULL; false when out of memory. */
static bool dup_ok(chart *c, const char **dst, const char *s)
{
	*dst = chart_strdup(c, s);
	return s == NULL || *dst != NULL;
}

chart_row *chart_add_row(chart *c, const char *kind, const char *name, const char *id,
                         const char *sid, uint32_t phase)
{
	chart_row *r = esp_arena_calloc(&c->arena, 1, sizeof *r);
	if (r == NULL || !dup_ok(c, &r->kind, kind) || !dup_ok(c, &r->name, name) ||
	    !dup_ok(c, &r->id, id) || !dup_ok(c, &r->sid, sid) ||
	    esp_reserve_one((void **)&c->rows, c->row_count, &c->row_cap, sizeof *c->rows, 16))
		return NULL;
	r->subject_id = r->id;
	r->phase = phase;
	r->final = CHART_OTHER;
	r->finding = -1;
	r->order = c->row_count;
	c->rows[c->row_count++] = r;
	return r;
}

int chart_add_bar(chart *c, chart_row *row, chart_time start, chart_time end, chart_state s,
                  const char *state_name, const char *key, const char *value)
{
	if (esp_reserve_one((void **)&row->bars, row->bar_count, &row->bar_cap, sizeof *row->bars, 2))
		return ESPDIAG_ENOMEM;
	chart_bar *b = &row->bars[row->bar_count];
	memset(b, 0, sizeof *b);
	b->start = start;
	b->end = end < start ? start : end;
	b->state = s;
	if (!dup_ok(c, &b->state_name, state_name) || !dup_ok(c, &b->key, key) ||
	    !dup_ok(c, &b->value, value))
		return ESPDIAG_ENOMEM;
	row->bar_count++;
	return ESPDIAG_OK;
}

static int fill_marker(chart *c, chart_marker *m, chart_time t, chart_marker_kind kind,
                       const char *label, const char *key, const char *value)
{
	memset(m, 0, sizeof *m);
	m->t = t;
	m->kind = kind;
	return dup_ok(c, &m->label, label) && dup_ok(c, &m->key, key) && dup_ok(c, &m->value, value)
	               ? ESPDIAG_OK
	               : ESPDIAG_ENOMEM;
}

int chart_add_row_marker(chart *c, chart_row *row, chart_time t, chart_marker_kind kind,
                         const char *label, const char *key, const char *value)
{
	if (esp_reserve_one((void **)&row->markers, row->marker_count, &row->marker_cap,
	                    sizeof *row->markers, 1))
		return ESPDIAG_ENOMEM;
	int rc = fill_marker(c, &row->markers[row->marker_count], t, kind, label, key, value);
	if (rc == ESPDIAG_OK)
		row->marker_count++;
	return rc;
}

int chart_add_marker(chart *c, chart_time t, chart_marker_kind kind, const char *label,
                     const char *key, const char *value)
{
	if (esp_reserve_one((void **)&c->markers, c->marker_count, &c->marker_cap,
	                    sizeof *c->markers, 4))
		return ESPDIAG_ENOMEM;
	int rc = fill_marker(c, &c->markers[c->marker_count], t, kind, label, key, value);
	if (rc == ESPDIAG_OK)
		c->marker_count++;
	return rc;
}

chart_marker *chart_last_marker(chart *c, chart_row *row)
{
	if (row != NULL)
		return row->marker_count ? &row->markers[row->marker_count - 1] : NULL;
	return c->marker_count ? &c->markers[c->marker_count - 1] : NULL;
}

chart_band *chart_add_band(chart *c, uint32_t phase, const char *sid, uint32_t status,
                           const char *key)
{
	if (esp_reserve_one((void **)&c->bands, c->band_count, &c->band_cap, sizeof *c->bands, 4))
		return NULL;
	chart_band *b = &c->bands[c->band_count];
	memset(b, 0, sizeof *b);
	b->phase = phase;
	b->status = status;
	if (!dup_ok(c, &b->sid, sid) || !dup_ok(c, &b->key, key))
		return NULL;
	c->band_count++;
	return b;
}

int chart_add_line(chart *c, chart_time t, const char *label, const char *key, const char *value)
{
	if (esp_reserve_one((void **)&c->lines, c->line_count, &c->line_cap, sizeof *c->lines, 2))
		return ESPDIAG_ENOMEM;
	chart_line *l = &c->lines[c->line_count];
	memset(l, 0, sizeof *l);
	l->t = t;
	if (!dup_ok(c, &l->label, label) || !dup_ok(c, &l->key, key) || !dup_ok(c, &l->value, value))
		return ESPDIAG_ENOMEM;
	c->line_count++;
	return ESPDIAG_OK;
}

/* --- finishing: order and axis --- */

static int row_cmp(const void *a, const void *b)
{
	const chart_row *x = *(const chart_row *const *)a, *y = *(const chart_row *const *)b;
	if (x->has_start != y->has_start)
		return x->has_start ? -1 : 1;
	if (x->has_start && x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->phase != y->phase)
		return x->phase < y->phase ? -1 : 1;
	int k = strcmp(x->kind, y->kind);
	if (k != 0)
		return k;
	k = strcmp(x->name, y->name);
	if (k != 0)
		return k;
	return x->order < y->order ? -1 : x->order > y->order;
}

void chart_span_widen(bool *has, chart_time *lo, chart_time *hi, chart_time t)
{
	if (!*has) {
		*lo = *hi = t;
		*has = true;
	} else if (t < *lo) {
		*lo = t;
	} else if (t > *hi) {
		*hi = t;
	}
}

static void widen(chart *c, chart_time t)
{
	chart_span_widen(&c->has_range, &c->t0, &c->t1, t);
}

int chart_finish(chart *c)
{
	c->has_range = false;
	for (size_t i = 0; i < c->row_count; i++) {
		chart_row *r = c->rows[i];
		r->has_start = false;
		for (size_t j = 0; j < r->bar_count; j++) {
			if (!r->has_start || r->bars[j].start < r->start)
				r->start = r->bars[j].start;
			r->has_start = true;
			widen(c, r->bars[j].start);
			widen(c, r->bars[j].end);
		}
		for (size_t j = 0; j < r->marker_count; j++) {
			if (!r->has_start || r->markers[j].t < r->start)
				r->start = r->markers[j].t;
			r->has_start = true;
			widen(c, r->markers[j].t);
		}
	}
	for (size_t i = 0; i < c->band_count; i++)
		if (c->bands[i].has_span) {
			widen(c, c->bands[i].start);
			widen(c, c->bands[i].end);
		}
	for (size_t i = 0; i < c->line_count; i++)
		widen(c, c->lines[i].t);
	for (size_t i = 0; i < c->marker_count; i++)
		widen(c, c->markers[i].t);
	if (c->row_count > 1)
		qsort(c->rows, c->row_count, sizeof *c->rows, row_cmp);
	if (!c->has_range)
		return ESPDIAG_OK;
	/* At least a minute across, and a margin on both sides so that a
	 * marker at either end is drawn whole. */
	chart_time span = c->t1 - c->t0;
	if (span < 60000) {
		chart_time grow = (60000 - span) / 2;
		c->t0 -= grow;
		c->t1 = c->t0 + 60000;
		span = 60000;
	}
	c->t0 -= span / 50;
	c->t1 += span / 50;
	return ESPDIAG_OK;
}

/* --- times --- */

/* A model time in milliseconds; false when it is too far out to draw
 * (nothing the ESP writes lies outside the years 1601 to 30828). */
bool chart_ms(int64_t secs, uint32_t frac_100ns, chart_time *out)
{
	if (secs < -11644473600LL || secs > 910692730085LL)
		return false;
	*out = secs * 1000 + (chart_time)(frac_100ns / 10000);
	return true;
}

void chart_time_format(char buf[CHART_TIME_BUFSIZE], chart_time t, bool with_ms)
{
	char iso[ESP_TIME_BUFSIZE];
	int64_t secs = t / 1000;
	int64_t ms = t % 1000;
	if (ms < 0) {
		ms += 1000;
		secs--;
	}
	esp_time_format(iso, secs, (uint32_t)ms * 10000u);
	/* "YYYY-MM-DDTHH:MM:SS.fffffffZ" -> "YYYY-MM-DD HH:MM:SS[.fff]" */
	char *dot = strchr(iso, '.');
	char *tee = strchr(iso, 'T');
	if (tee != NULL)
		*tee = ' ';
	if (dot != NULL)
		dot[with_ms && ms != 0 ? 4 : 0] = '\0';
	snprintf(buf, CHART_TIME_BUFSIZE, "%s", iso);
}

void chart_duration_format(char buf[CHART_TIME_BUFSIZE], chart_time d)
{
	if (d < 0)
		d = -d;
	int64_t s = d / 1000;
	if (d < 10000 && d % 1000 != 0)
		snprintf(buf, CHART_TIME_BUFSIZE, "%lld.%03lld s", (long long)s, (long long)(d % 1000));
	else if (s < 60)
		snprintf(buf, CHART_TIME_BUFSIZE, "%lld s", (long long)s);
	else if (s < 3600 && s % 60 == 0)
		snprintf(buf, CHART_TIME_BUFSIZE, "%lld min", (long long)(s / 60));
	else if (s < 3600)
		snprintf(buf, CHART_TIME_BUFSIZE, "%lld min %lld s", (long long)(s / 60),
		         (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, CHART_TIME_BUFSIZE, "%lld h %lld min", (long long)(s / 3600),
		         (long long)(s / 60 % 60));
	else
		snprintf(buf, CHART_TIME_BUFSIZE, "%lld d %lld h", (long long)(s / 86400),
		         (long long)(s / 3600 % 24));
}

/* --- from the model --- */

/* The colour of a state name of the model (apps, MSI statuses, the
 * Expected* categories' processed / not_processed, providers). */
chart_state chart_state_of(const char *name)
{
	static const struct {
		const char *name;
		chart_state state;
	} map[] = {
		{ "not_installed", CHART_NOT_INSTALLED }, { "none", CHART_NOT_INSTALLED },
		{ "in_progress", CHART_IN_PROGRESS },     { "not_processed", CHART_IN_PROGRESS },
		{ "initialized", CHART_IN_PROGRESS },     { "downloading", CHART_IN_PROGRESS },
		{ "download_retry", CHART_IN_PROGRESS },  { "downloaded", CHART_IN_PROGRESS },
		{ "pending_user_session", CHART_IN_PROGRESS }, { "enforcing", CHART_IN_PROGRESS },
		{ "enforcement_retry", CHART_IN_PROGRESS }, { "completed", CHART_COMPLETED },
		{ "processed", CHART_COMPLETED },         { "success", CHART_COMPLETED },
		{ "not_required", CHART_COMPLETED },      { "error", CHART_FAILED },
		{ "download_failed", CHART_FAILED },      { "enforcement_failed", CHART_FAILED },
	};
	for (size_t i = 0; name != NULL && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(name, map[i].name) == 0)
			return map[i].state;
	return CHART_OTHER;
}

/* A name for people until the bundle gives apps their names. */
static const char *people_name(chart *c, const char *kind, const char *id)
{
	static const struct {
		const char *kind, *what;
	} words[] = {
		{ "win32_app", "Win32 app" },      { "msi_app", "MSI app" },
		{ "modern_app", "Store app" },     { "network_profile", "Network profile" },
		{ "certificate", "Certificate" },  { "policy", "Policy" },
		{ "configmgr", "ConfigMgr" },
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(kind, words[i].kind) == 0)
			return chart_printf(c, "%s %s", words[i].what, id);
	return id;
}

/* Where a timeline row keeps its model identity while it is built. */
typedef struct tl_row {
	chart_row *row;
	const char *sid, *category, *value;  /* the model's strings */
	size_t band;
	bool open;                           /* its last bar ends at the band's end */
	const char *untimed;                 /* a snapshot name that is no time */
} tl_row;

typedef struct builder {
	chart *c;
	const espdiag_esp *esp;
	tl_row *tl;
	size_t tl_count;
	size_t *table;                       /* open addressing: index + 1, 0 empty */
	size_t table_cap;
} builder;

static bool same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcasecmp(a, b) == 0);
}

static uint64_t ident_hash(const char *sid, const char *category, const char *value)
{
	uint64_t h = 1469598103934665603u;
	const char *parts[3] = { sid ? sid : "", category ? category : "", value ? value : "" };
	for (int i = 0; i < 3; i++) {
		for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++) {
			unsigned char ch = *p >= 'A' && *p <= 'Z' ? (unsigned char)(*p + 32) : *p;
			h = (h ^ ch) * 1099511628211u;
		}
		h = (h ^ 0x1f) * 1099511628211u;
	}
	return h;
}

/* The band of (phase, sid): an account setup logged in the device's
 * snapshots (a "./User/" URI) goes to the only user when there is one. */
static int band_for(builder *b, uint32_t phase, const char *sid, size_t *out)
{
	chart *c = b->c;
	size_t users = 0, user = 0;
	for (size_t i = 0; i < c->band_count; i++) {
		if (c->bands[i].phase == phase && same(c->bands[i].sid, sid)) {
			*out = i;
			return ESPDIAG_OK;
		}
		if (c->bands[i].phase == ESPDIAG_ESP_PHASE_ACCOUNT_SETUP) {
			users++;
			user = i;
		}
	}
	if (phase == ESPDIAG_ESP_PHASE_ACCOUNT_SETUP && sid == NULL && users == 1) {
		*out = user;
		return ESPDIAG_OK;
	}
	if (chart_add_band(c, phase, sid, ESPDIAG_ESP_STATUS_UNKNOWN, NULL) == NULL)
		return ESPDIAG_ENOMEM;
	*out = c->band_count - 1;
	return ESPDIAG_OK;
}

static int tl_find(builder *b, const espdiag_esp_change *ch, tl_row **out)
{
	const espdiag_esp_snapshot *s = ch->snapshot;
	const espdiag_esp_entry *e = ch->entry;
	size_t mask = b->table_cap - 1;
	size_t h = (size_t)ident_hash(s->sid, s->category_name, e->value) & mask;
	for (; b->table[h] != 0; h = (h + 1) & mask) {
		tl_row *t = &b->tl[b->table[h] - 1];
		if (same(t->sid, s->sid) && same(t->category, s->category_name) &&
		    same(t->value, e->value)) {
			*out = t;
			return ESPDIAG_OK;
		}
	}
	const char *kind = espdiag_esp_item_kind_name(e->kind);
	tl_row *t = &b->tl[b->tl_count];
	memset(t, 0, sizeof *t);
	t->row = chart_add_row(b->c, kind, people_name(b->c, kind, e->id), e->id, s->sid, ch->phase);
	if (t->row == NULL)
		return ESPDIAG_ENOMEM;
	t->sid = s->sid;
	t->category = s->category_name;
	t->value = e->value;
	int rc = band_for(b, ch->phase, s->sid, &t->band);
	if (rc != ESPDIAG_OK)
		return rc;
	b->table[h] = ++b->tl_count;
	*out = t;
	return ESPDIAG_OK;
}

static int add_timeline(builder *b)
{
	chart *c = b->c;
	size_t n = espdiag_esp_change_count(b->esp);
	if (n == 0)
		return ESPDIAG_OK;
	b->tl = malloc(n * sizeof *b->tl);
	b->table_cap = 16;
	while (b->table_cap < n * 2)
		b->table_cap *= 2;
	b->table = calloc(b->table_cap, sizeof *b->table);
	if (b->tl == NULL || b->table == NULL)
		return ESPDIAG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_change *ch = espdiag_esp_change_at(b->esp, i);
		const espdiag_esp_snapshot *s = ch->snapshot;
		tl_row *t;
		int rc = tl_find(b, ch, &t);
		if (rc != ESPDIAG_OK)
			return rc;
		chart_row *r = t->row;
		const char *state = espdiag_esp_entry_state_name(s, ch->entry);
		chart_time at;
		if (s->last_logged_state)
			continue;
		if (!s->time_valid || !chart_ms(s->time_unix, s->time_100ns, &at)) {
			t->untimed = s->timestamp;
			continue;
		}
		chart_band *band = &c->bands[t->band];
		chart_span_widen(&band->has_span, &band->start, &band->end, at);
		if (t->open)
			r->bars[r->bar_count - 1].end = at;
		chart_state cs = chart_state_of(state);
		if ((rc = chart_add_bar(c, r, at, at, cs, state, s->key, ch->entry->value)))
			return rc;
		t->open = true;
		if (cs == CHART_FAILED &&
		    (rc = chart_add_row_marker(c, r, at, CHART_MARK_FAILURE,
		                               chart_printf(c, "turned %s", state), s->key,
		                               ch->entry->value)))
			return rc;
		r->state = chart_strdup(c, state);
		r->final = cs;
		r->key = chart_strdup(c, s->key);
		r->value = chart_strdup(c, ch->entry->value);
	}
	for (size_t i = 0; i < b->tl_count; i++) {
		tl_row *t = &b->tl[i];
		chart_row *r = t->row;
		if (t->open)
			r->bars[r->bar_count - 1].end = c->bands[t->band].end;
		if (r->bar_count == 0)
			r->no_time = chart_printf(c,
			                          "its ESPTrackingInfo snapshot names are no times "
			                          "(\"%s\")",
			                          t->untimed ? t->untimed : "LastLoggedState");
		if (r->no_time == NULL && r->bar_count == 0)
			return ESPDIAG_ENOMEM;
	}
	for (size_t i = 0; i < c->band_count; i++)
		if (c->bands[i].has_span)
			c->bands[i].how = "from its first to its last ESPTrackingInfo change";
	return ESPDIAG_OK;
}

static bool is_app_kind(const char *kind)
{
	return strcmp(kind, "win32_app") == 0 || strcmp(kind, "msi_app") == 0 ||
	       strcmp(kind, "modern_app") == 0 || strcmp(kind, "configmgr") == 0 ||
	       strcmp(kind, "other") == 0 || strcmp(kind, "office") == 0;
}

/* The timeline row an item of the model stands for, NULL when none. */
static chart_row *find_row(builder *b, const char *kind, const char *id, uint32_t phase,
                           const char *sid)
{
	for (size_t i = 0; i < b->tl_count; i++) {
		chart_row *r = b->tl[i].row;
		if (r->phase == phase && strcmp(r->kind, kind) == 0 && same(r->id, id) &&
		    (same(r->sid, sid) || r->sid == NULL))
			return r;
	}
	return NULL;
}

static int add_items(builder *b)
{
	chart *c = b->c;
	size_t n = espdiag_esp_item_count(b->esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_item *it = espdiag_esp_item_at(b->esp, i);
		const char *kind = espdiag_esp_item_kind_name(it->kind);
		chart_row *r = find_row(b, kind, it->id, it->phase, it->sid);
		if (r == NULL) {
			r = chart_add_row(c, kind, people_name(c, kind, it->id), it->id, it->sid,
			                  it->phase);
			if (r == NULL)
				return ESPDIAG_ENOMEM;
			r->no_time = strcmp(kind, "msi_app") == 0
			                 ? "no ESPTrackingInfo snapshot lists this MSI app; its "
			                   "EnterpriseDesktopAppManagement key keeps no time"
			                 : "no ESPTrackingInfo snapshot names this item; its tracking "
			                   "key keeps no time";
		}
		r->state = chart_strdup(c, it->state);
		r->final = chart_state_of(it->state);
		r->key = chart_strdup(c, it->key);
		r->value = chart_strdup(c, it->value);
		r->app = is_app_kind(kind);
		if (it->is_ime) {
			r->name = chart_printf(c, "Intune Management Extension (MSI %s)", it->id);
			r->app = false;
		}
		if (r->name == NULL || (it->state && r->state == NULL))
			return ESPDIAG_ENOMEM;
	}
	return ESPDIAG_OK;
}

/* A tracked app's row: the id findings use (the Intune app id), a name
 * with its revision, its error codes. */
static void add_app_details(builder *b, const espdiag_esp_setup *s)
{
	chart *c = b->c;
	uint32_t phase = s->sid ? ESPDIAG_ESP_PHASE_ACCOUNT_SETUP : ESPDIAG_ESP_PHASE_DEVICE_SETUP;
	for (size_t i = 0; i < s->app_count; i++) {
		const espdiag_esp_app *a = s->apps[i];
		const char *kind = espdiag_esp_item_kind_name(a->kind);
		chart_row *r = NULL;
		for (size_t j = 0; j < c->row_count && r == NULL; j++) {
			chart_row *x = c->rows[j];
			if (x->phase == phase && strcmp(x->kind, kind) == 0 && same(x->id, a->id) &&
			    (same(x->sid, a->sid) || x->sid == NULL))
				r = x;
		}
		if (r == NULL)
			continue;
		if (a->app_guid != NULL) {
			/* The IME logs' catalogue names the app (the bundle); the
			 * GUID stays in the row's title (its id). */
			const char *who = a->name ? a->name : chart_printf(c, "Win32 app %s", a->app_guid);
			const char *guid = chart_strdup(c, a->app_guid);
			const char *name = who == NULL    ? NULL
			                   : a->version.has ? chart_printf(c, "%s (revision %u)", who,
			                                                   a->version.value)
			                                    : who;
			r->log_app = espdiag_esp_log_app_find(b->esp, a->app_guid);
			if (guid != NULL)
				r->subject_id = guid;
			if (name != NULL)
				r->name = name;
		}
		if (a->error_hresult.has) {
			r->has_error_code = true;
			r->error_code = a->error_hresult.value;
		}
		if (a->ime != NULL && a->ime->has_enforcement_error && a->ime->enforcement_error != 0) {
			r->has_exit_code = true;
			r->exit_code = a->ime->enforcement_error;
		}
	}
}

static void add_msi_details(builder *b)
{
	chart *c = b->c;
	size_t n = espdiag_esp_msi_app_count(b->esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_msi_app *m = espdiag_esp_msi_app_at(b->esp, i);
		if (!m->last_error.has || m->last_error.value == 0)
			continue;
		for (size_t j = 0; j < c->row_count; j++) {
			chart_row *r = c->rows[j];
			if (strcmp(r->kind, "msi_app") == 0 && same(r->id, m->product_code)) {
				r->has_error_code = true;
				r->error_code = m->last_error.value;
			}
		}
	}
}

static int add_providers(builder *b)
{
	chart *c = b->c;
	size_t n = espdiag_esp_provider_count(b->esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_provider *p = espdiag_esp_provider_at(b->esp, i);
		const char *name = p->kind == ESPDIAG_ESP_PROVIDER_SIDECAR
		                       ? chart_printf(c, "Intune Management Extension (provider %s)",
		                                      p->name)
		                       : chart_printf(c, "Provider %s", p->name);
		chart_row *r = chart_add_row(c, "provider", name, p->name, NULL,
		                             ESPDIAG_ESP_PHASE_DEVICE_PREPARATION);
		if (r == NULL)
			return ESPDIAG_ENOMEM;
		const char *state = p->state.has ? espdiag_esp_provider_state_name(p->state.value)
		                                 : "unknown";
		r->state = state;
		r->final = chart_state_of(state);
		r->key = chart_strdup(c, p->key);
		r->value = "InstallationState";
		r->no_time = "device-preparation provider keys keep no time";
		if (p->last_error.has && p->last_error.value != 0) {
			r->has_error_code = true;
			r->error_code = p->last_error.value;
		}
	}
	return ESPDIAG_OK;
}

static int add_office(builder *b)
{
	chart *c = b->c;
	size_t n = espdiag_esp_office_count(b->esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_office *o = espdiag_esp_office_at(b->esp, i);
		chart_row *r = chart_add_row(c, "office",
		                             chart_printf(c, "Microsoft 365 Apps (OfficeCSP %s)", o->id),
		                             o->id, NULL, 0);
		if (r == NULL)
			return ESPDIAG_ENOMEM;
		const char *state = o->effective.has ? espdiag_esp_msi_status_name(o->effective.value)
		                                     : "unknown";
		r->state = state;
		r->final = chart_state_of(state);
		r->key = chart_strdup(c, o->key);
		r->value = o->effective_value;
		r->app = true;
		r->no_time = "OfficeCSP keeps no time";
	}
	return ESPDIAG_OK;
}

/* From an app's bars: how long it worked, from its first "in progress"
 * (else from its last state before, an upper bound) to done or failed. */
static void set_durations(chart *c)
{
	for (size_t i = 0; i < c->row_count; i++) {
		chart_row *r = c->rows[i];
		size_t k = 0, ip = SIZE_MAX;
		for (; k < r->bar_count; k++) {
			if (r->bars[k].state == CHART_COMPLETED || r->bars[k].state == CHART_FAILED)
				break;
			if (r->bars[k].state == CHART_IN_PROGRESS && ip == SIZE_MAX)
				ip = k;
		}
		if (k == r->bar_count || k == 0)
			continue;
		r->has_duration = true;
		r->duration_upper_bound = ip == SIZE_MAX;
		r->duration = r->bars[k].start - r->bars[ip == SIZE_MAX ? k - 1 : ip].start;
	}
}

/* The ESP's start (FirstSync's Timestamp), device preparation's span and
 * the timeouts. */
static int add_start_and_timeouts(builder *b)
{
	chart *c = b->c;
	const espdiag_esp_enrollment *en = espdiag_esp_primary_enrollment(b->esp);
	const espdiag_esp_first_sync *fs = en ? en->first_sync : NULL;
	chart_band *prep = NULL, *setup = NULL;
	for (size_t i = 0; i < c->band_count; i++) {
		if (c->bands[i].phase == ESPDIAG_ESP_PHASE_DEVICE_PREPARATION && prep == NULL)
			prep = &c->bands[i];
		if (c->bands[i].phase == ESPDIAG_ESP_PHASE_DEVICE_SETUP && c->bands[i].has_span &&
		    setup == NULL)
			setup = &c->bands[i];
	}
	chart_time ts;
	int rc = ESPDIAG_OK;
	if (fs != NULL && fs->has_timestamp && chart_ms(fs->timestamp_unix, fs->timestamp_100ns, &ts)) {
		if (setup == NULL || (ts <= setup->start && setup->start - ts <= START_WINDOW_MS)) {
			rc = chart_add_marker(c, ts, CHART_MARK_START,
			                      "the ESP began (FirstSync Timestamp)", fs->key, "Timestamp");
			if (rc == ESPDIAG_OK && setup != NULL && prep != NULL) {
				prep->has_span = true;
				prep->start = ts;
				prep->end = setup->start;
				prep->how = "from FirstSync's Timestamp to device setup's first "
				            "ESPTrackingInfo change";
			}
		} else {
			rc = chart_add_note(c,
			                    "FirstSync's Timestamp (%s) is %s device setup's first "
			                    "change: not drawn as the ESP's start.",
			                    fs->timestamp_utc ? fs->timestamp_utc : "?",
			                    ts > setup->start ? "after" : "more than a day before");
		}
	}
	if (rc != ESPDIAG_OK)
		return rc;
	if (prep != NULL && !prep->has_span)
		prep->how = NULL;
	/* The ESP's timeout counts per phase: device setup and each account
	 * setup get SyncFailureTimeout minutes from their start (a judgment
	 * call from how the page behaves; Microsoft documents the timeout, not
	 * when its clock starts). */
	uint32_t minutes = fs ? fs->timeout_minutes : ESPDIAG_ESP_DEFAULT_TIMEOUT_MINUTES;
	for (size_t i = 0; i < c->band_count && rc == ESPDIAG_OK; i++) {
		const chart_band *band = &c->bands[i];
		if (!band->has_span || (band->phase != ESPDIAG_ESP_PHASE_DEVICE_SETUP &&
		                        band->phase != ESPDIAG_ESP_PHASE_ACCOUNT_SETUP))
			continue;
		const char *label = chart_printf(
			c, "timeout: %u min after %s began%s", minutes,
			band->phase == ESPDIAG_ESP_PHASE_DEVICE_SETUP ? "device setup" : "account setup",
			fs == NULL                  ? " (no FirstSync: the default)"
			: fs->timeout_is_default    ? " (SyncFailureTimeout absent: the default)"
			                            : "");
		rc = chart_add_line(c, band->start + (chart_time)minutes * 60000, label,
		                    fs ? fs->key : NULL,
		                    fs && !fs->timeout_is_default ? "SyncFailureTimeout" : NULL);
	}
	return rc;
}

int chart_from_esp(chart *c, const espdiag_esp *esp)
{
	builder b = { c, esp, NULL, 0, NULL, 0 };
	int rc = ESPDIAG_OK;
	size_t n = espdiag_esp_phase_count(esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_phase_info *p = espdiag_esp_phase_at(esp, i);
		if (chart_add_band(c, p->phase, p->sid, p->status, p->key) == NULL)
			rc = ESPDIAG_ENOMEM;
	}
	if (rc == ESPDIAG_OK)
		rc = add_timeline(&b);
	if (rc == ESPDIAG_OK)
		rc = add_items(&b);
	if (rc == ESPDIAG_OK) {
		add_app_details(&b, espdiag_esp_device_setup(esp));
		for (size_t i = 0; i < espdiag_esp_user_setup_count(esp); i++)
			add_app_details(&b, espdiag_esp_user_setup_at(esp, i));
		add_msi_details(&b);
		rc = add_providers(&b);
	}
	if (rc == ESPDIAG_OK)
		rc = add_office(&b);
	if (rc == ESPDIAG_OK)
		rc = add_start_and_timeouts(&b);
	if (rc == ESPDIAG_OK)
		rc = chart_add_v2(c, esp);
	if (rc == ESPDIAG_OK)
		rc = chart_add_bundle(c, esp);
	if (rc == ESPDIAG_OK)
		set_durations(c);
	free(b.tl);
	free(b.table);
	return rc;
}

void chart_link_findings(chart *c, const espdiag_report *report)
{
	size_t n = espdiag_report_finding_count(report);
	for (size_t i = 0; i < n; i++) {
		const espdiag_subject *s = espdiag_finding_subject(espdiag_report_finding_at(report, i));
		if (s == NULL || s->kind == NULL || s->id == NULL)
			continue;
		for (size_t j = 0; j < c->row_count; j++) {
			chart_row *r = c->rows[j];
			if (r->finding < 0 && strcmp(r->kind, s->kind) == 0 &&
			    (same(r->subject_id, s->id) || same(r->id, s->id)) &&
			    (same(r->sid, s->sid) || r->sid == NULL))
				r->finding = (long)i;
		}
	}
}

/*
 * lib/html_bundle.c - what the evidence bundle adds to the chart (html.h):
 * the device's clock (local time beside UTC) and the merged timeline's
 * moments (esp_moment: event log records and IME log milestones) as
 * markers. It reads the model's private fields (esp_private.h): the
 * moments have no public accessor.
 *
 * A moment whose subject names a row (an app's or workload's id, braces and
 * case aside) is drawn on that row; the others on the chart's own lane. A
 * log record has only the device's local time: it is drawn at UTC = local
 * - offset when the offset is known, and left out (a note counts them)
 * when it is not, as no axis position would be true.
 */
#include "esp_private.h"
#include "html.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The most moments drawn: past it a note says how many were left out
 * (`espdiag timeline` lists them all). A report of 2,000 rows stays near
 * its size with this many markers beside. */
#define MAX_MOMENT_MARKERS 5000u

/* An id as rows and moments are matched: without braces, lower case. */
static const char *norm_id(chart *c, const char *id)
{
	if (id == NULL)
		return NULL;
	size_t n = strlen(id);
	if (n >= 2 && id[0] == '{' && id[n - 1] == '}') {
		id++;
		n -= 2;
	}
	char *s = esp_arena_alloc_bytes(&c->arena, n + 1);
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		s[i] = id[i] >= 'A' && id[i] <= 'Z' ? (char)(id[i] + 32) : id[i];
	s[n] = '\0';
	return s;
}

typedef struct row_id {
	const char *id;   /* normalised */
	chart_row *row;
	size_t order;
} row_id;

static int row_id_cmp(const void *a, const void *b)
{
	const row_id *x = a, *y = b;
	int k = strcmp(x->id, y->id);
	return k ? k : x->order < y->order ? -1 : x->order > y->order;
}

/* Rows by the ids a moment's subject may spell: the id findings use (an
 * app's GUID, a workload's id) and the id the evidence spells. */
static int index_rows(chart *c, row_id **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	if (c->row_count == 0)
		return ESPDIAG_OK;
	row_id *v = malloc(c->row_count * 2 * sizeof *v);
	if (v == NULL)
		return ESPDIAG_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < c->row_count; i++) {
		chart_row *r = c->rows[i];
		const char *ids[2] = { r->subject_id, r->subject_id != r->id ? r->id : NULL };
		for (size_t k = 0; k < 2; k++) {
			if (ids[k] == NULL)
				continue;
			const char *id = norm_id(c, ids[k]);
			if (id == NULL) {
				free(v);
				return ESPDIAG_ENOMEM;
			}
			v[n] = (row_id){ id, r, n };
			n++;
		}
	}
	qsort(v, n, sizeof *v, row_id_cmp);
	*out = v;
	*count = n;
	return ESPDIAG_OK;
}

/* The first row (in creation order) a subject names; NULL when none. */
static chart_row *row_for(chart *c, const row_id *v, size_t n, const char *subject)
{
	const char *id = norm_id(c, subject);
	if (id == NULL)
		return NULL;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(v[lo].id, id) == 0 ? v[lo].row : NULL;
}

/* The moment's evidence for people: "AppWorkload.log line 12", or
 * "Microsoft-Windows-.../Admin event 100, record 7 (member)". */
static const char *evidence(chart *c, const esp_moment *m)
{
	const char *member = m->member ? m->member : "(no file)";
	if (m->source == ESP_MOMENT_EVENT)
		return chart_printf(c, "%s event %" PRIu32 ", record %" PRIu64 " in %s",
		                    m->channel ? m->channel : "(no channel)", m->event_id, m->line,
		                    member);
	return chart_printf(c, "%s line %" PRIu64, member, m->line);
}

static int add_moment(chart *c, const espdiag_esp *esp, const esp_moment *m, const row_id *ids,
                      size_t id_count, bool *drawn)
{
	chart_time t;
	*drawn = false;
	if (m->utc_known) {
		if (!chart_ms(m->utc_secs, m->utc_100ns, &t))
			return ESPDIAG_OK;
	} else if (m->local_known && esp->clock_known &&
	           chart_ms(m->local_secs, m->local_100ns, &t)) {
		t -= (chart_time)esp->clock_offset_minutes * 60000;
	} else {
		return ESPDIAG_OK;
	}
	chart_marker_kind kind = m->source == ESP_MOMENT_EVENT ? CHART_MARK_EVENT : CHART_MARK_LOG;
	const char *label = m->what ? m->what
	                    : m->source == ESP_MOMENT_EVENT
	                            ? chart_printf(c, "event %" PRIu32, m->event_id)
	                            : "log record";
	if (label == NULL)
		return ESPDIAG_ENOMEM;
	chart_row *row = m->subject ? row_for(c, ids, id_count, m->subject) : NULL;
	int rc = row ? chart_add_row_marker(c, row, t, kind, label, NULL, NULL)
	             : chart_add_marker(c, t, kind, label, NULL, NULL);
	if (rc != ESPDIAG_OK)
		return rc;
	chart_marker *mk = chart_last_marker(c, row);
	mk->source = m->source == ESP_MOMENT_EVENT ? "event log" : "IME log";
	mk->evidence = evidence(c, m);
	mk->detail = chart_strdup(c, m->message);
	if (row == NULL && m->subject != NULL) {
		/* Not a row's: its subject goes in the title with the label. */
		mk->label = m->name ? chart_printf(c, "%s: %s (%s)", m->name, label, m->subject)
		                    : chart_printf(c, "%s: %s", m->subject, label);
		if (mk->label == NULL)
			return ESPDIAG_ENOMEM;
	}
	if (mk->evidence == NULL || (m->message && mk->detail == NULL))
		return ESPDIAG_ENOMEM;
	*drawn = true;
	return ESPDIAG_OK;
}

int chart_add_bundle(chart *c, const espdiag_esp *esp)
{
	c->has_utc_offset = esp->clock_known;
	c->utc_offset_minutes = esp->clock_known ? esp->clock_offset_minutes : 0;
	size_t n = esp->moments.n;
	if (n == 0)
		return ESPDIAG_OK;
	row_id *ids;
	size_t id_count;
	int rc = index_rows(c, &ids, &id_count);
	size_t drawn = 0, untimed = 0, over = 0;
	for (size_t i = 0; i < n && rc == ESPDIAG_OK; i++) {
		const esp_moment *m = esp->moments.v[i];
		if (drawn == MAX_MOMENT_MARKERS) {
			over++;
			continue;
		}
		bool ok;
		rc = add_moment(c, esp, m, ids, id_count, &ok);
		if (ok)
			drawn++;
		else
			untimed++;
	}
	free(ids);
	if (rc == ESPDIAG_OK && untimed > 0)
		rc = chart_add_note(c,
		                    "%zu log or event record%s not drawn: %s (espdiag timeline "
		                    "lists %s).",
		                    untimed, untimed == 1 ? " is" : "s are",
		                    esp->clock_known ? "their times are unknown or out of range"
		                                     : "the device's offset from UTC is unknown, so "
		                                       "their local times have no place on the UTC "
		                                       "axis",
		                    untimed == 1 ? "it" : "them");
	if (rc == ESPDIAG_OK && over > 0)
		rc = chart_add_note(c,
		                    "The chart draws the first %u log and event records; %zu more "
		                    "are not drawn (espdiag timeline lists them all).",
		                    MAX_MOMENT_MARKERS, over);
	return rc;
}

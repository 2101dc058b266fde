/*
 * lib/html_svg.c - draws the chart (html.h) as one inline SVG element: a
 * time axis in UTC (and the device's local time when known), a lane per
 * phase band, a lane for the chart's own markers, then one row per item
 * with its bars and markers, the timeouts as vertical lines. Colours come
 * from the document's style sheet (classes), so the light and dark
 * schemes and print apply. Every bar, marker, band and line carries a
 * <title> (item, state, times, evidence) and a data- attribute a test
 * can count: data-row, data-bar, data-marker, data-band, data-line,
 * data-nobar.
 */
#include "html.h"

#include <inttypes.h>
#include <string.h>

#include <espdiag/esp.h>

/* The geometry, in SVG user units (CSS pixels at 100 %). */
#define W 1000.0
#define LABEL_X 8.0
#define X0 300.0        /* the plot's left edge; labels left of it */
#define X1 984.0
#define AXIS_H 36.0
#define LOCAL_H 14.0
#define LANE_H 18.0
#define ROW_H 16.0
#define BAR_H 10.0
#define FOOT_H 24.0
#define LABEL_CHARS 40  /* a longer name is elided (the title keeps it whole) */
#define MIN_BAR_W 3.0   /* a state seen at a phase's last instant stays visible */

typedef struct pen {
	FILE *out;
	const chart *c;
	double scale;       /* units per millisecond */
} pen;

static double xof(const pen *p, chart_time t)
{
	return X0 + (double)(t - p->c->t0) * p->scale;
}

/* "S to E" with E's date left out when it is S's. */
static void span_pair(FILE *out, chart_time a, chart_time b)
{
	char s[CHART_TIME_BUFSIZE], e[CHART_TIME_BUFSIZE];
	chart_time_format(s, a, true);
	chart_time_format(e, b, true);
	const char *space = strchr(e, ' ');
	bool same_day = space != NULL && strncmp(s, e, (size_t)(space - e) + 1) == 0;
	fprintf(out, "%s to %s", s, same_day ? space + 1 : e);
}

/* The local time of UTC time t: its time of day, with the date only when
 * it is not t's UTC date (every bar's title says it: kept short). */
static void local_text(FILE *out, chart_time t, chart_time off)
{
	char u[CHART_TIME_BUFSIZE], l[CHART_TIME_BUFSIZE];
	chart_time_format(u, t, true);
	chart_time_format(l, t + off, true);
	const char *space = strchr(l, ' ');
	bool same_day = space != NULL && strncmp(u, l, (size_t)(space - l) + 1) == 0;
	fputs(same_day ? space + 1 : l, out);
}

/* "at <time> UTC" or "<start> to <end> UTC (<duration>)", then the
 * device's local time when its offset is known: "; local <time>" or
 * "; local <start> to <end>". */
static void span_text(const pen *p, chart_time a, chart_time b)
{
	FILE *out = p->out;
	chart_time off = (chart_time)p->c->utc_offset_minutes * 60000;
	if (a == b) {
		char s[CHART_TIME_BUFSIZE];
		chart_time_format(s, a, true);
		fprintf(out, "at %s UTC", s);
	} else {
		char d[CHART_TIME_BUFSIZE];
		chart_duration_format(d, b - a);
		span_pair(out, a, b);
		fprintf(out, " UTC (%s)", d);
	}
	if (!p->c->has_utc_offset)
		return;
	fputs("; local ", out);
	local_text(out, a, off);
	if (a != b) {
		fputs(" to ", out);
		local_text(out, b, off);
	}
}

/* "\nevidence: KEY\nvalue: VALUE". Thousands of tooltips name keys under
 * EnrollmentStatusTracking: its path is written short (the note under
 * the chart says so), which keeps a report of 2,000 items near 3 MB. */
static void evidence_text(FILE *out, const char *key, const char *value)
{
	if (key == NULL)
		return;
	fputs("\nevidence: ", out);
	size_t n = strlen(HTML_EST_PATH);
	if (strncmp(key, HTML_EST_PATH, n) == 0 && (key[n] == '\\' || key[n] == '\0')) {
		fputs(HTML_EST_SHORT, out);
		key += n;
	}
	html_cstr(out, key);
	if (value != NULL) {
		fputs("\nvalue: ", out);
		html_cstr(out, value);
	}
}

/* --- the axis --- */

static chart_time tick_step(chart_time span)
{
	static const chart_time steps[] = {
		1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 900000,
		1800000, 3600000, 7200000, 10800000, 21600000, 43200000, 86400000, 172800000,
		604800000, 1209600000, 2592000000, 7776000000, 15552000000, 31536000000,
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (span / steps[i] <= 10)
			return steps[i];
	chart_time step = 31536000000;
	while (span / step > 10)
		step *= 10;
	return step;
}

/* A time's "HH:MM[:SS]" or "YYYY-MM-DD" for a tick; date gets the day. */
static void tick_text(chart_time t, chart_time step, char *label, size_t n, char *date)
{
	char full[CHART_TIME_BUFSIZE];
	chart_time_format(full, t, false);
	/* full is "YYYY-MM-DD HH:MM:SS", possibly with a longer year. */
	char *space = strchr(full, ' ');
	size_t datelen = space ? (size_t)(space - full) : strlen(full);
	snprintf(date, CHART_TIME_BUFSIZE, "%.*s", (int)datelen, full);
	if (step >= 86400000 || space == NULL)
		snprintf(label, n, "%s", date);
	else
		snprintf(label, n, "%.*s", step < 60000 ? 8 : 5, space + 1);
}

/* The zone labels end here: clear of a first tick's label at X0. */
#define ZONE_X (X0 - 20)

/* The device's local time under each tick: the time of day, the date in
 * the zone label, and again (as MM-DD) at a tick where it changes; ticks a
 * day or more apart show the date. */
static void draw_local_ticks(const pen *p, chart_time first, chart_time step)
{
	const chart *c = p->c;
	FILE *out = p->out;
	chart_time off = (chart_time)c->utc_offset_minutes * 60000;
	char label[CHART_TIME_BUFSIZE], date[CHART_TIME_BUFSIZE], last[CHART_TIME_BUFSIZE];
	tick_text(first + off, step, label, sizeof label, last);
	fprintf(out, "<text class=\"zone\" x=\"%.1f\" y=\"%.1f\">local%s%s (UTC%+03d:%02d)</text>",
	        ZONE_X, AXIS_H + LOCAL_H - 2, step < 86400000 ? " " : "",
	        step < 86400000 ? last : "", c->utc_offset_minutes / 60,
	        (c->utc_offset_minutes < 0 ? -c->utc_offset_minutes : c->utc_offset_minutes) % 60);
	for (chart_time t = first; t <= c->t1; t += step) {
		tick_text(t + off, step, label, sizeof label, date);
		bool new_day = step < 86400000 && strcmp(date, last) != 0 && strlen(date) > 5;
		fprintf(out, "<text class=\"tick local\" x=\"%.1f\" y=\"%.1f\">%s%s%s</text>",
		        xof(p, t), AXIS_H + LOCAL_H - 2, new_day ? date + strlen(date) - 5 : "",
		        new_day ? " " : "", label);
		snprintf(last, sizeof last, "%s", date);
	}
}

static void draw_axis(const pen *p, double top, double bottom, double height)
{
	const chart *c = p->c;
	FILE *out = p->out;
	chart_time step = tick_step(c->t1 - c->t0);
	chart_time first = c->t0 / step * step;
	if (first < c->t0)
		first += step;
	fprintf(out, "<g class=\"axis\"><text class=\"zone\" x=\"%.1f\" y=\"28\">UTC</text>",
	        ZONE_X);
	if (!c->has_utc_offset)
		fprintf(out, "<text class=\"zone-note\" x=\"%.1f\" y=\"28\">the device&#39;s offset "
		        "from UTC is unknown</text>", LABEL_X);
	char last_date[CHART_TIME_BUFSIZE] = "";
	for (chart_time t = first; t <= c->t1; t += step) {
		char label[CHART_TIME_BUFSIZE], date[CHART_TIME_BUFSIZE];
		double x = xof(p, t);
		tick_text(t, step, label, sizeof label, date);
		fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x,
		        top, x, bottom);
		fprintf(out, "<text class=\"tick\" x=\"%.1f\" y=\"28\">%s</text>", x, label);
		fprintf(out, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">%s</text>", x, height - 8,
		        label);
		if (step < 86400000 && strcmp(date, last_date) != 0) {
			fprintf(out, "<text class=\"date\" x=\"%.1f\" y=\"12\">%s</text>", x, date);
			snprintf(last_date, sizeof last_date, "%s", date);
		}
	}
	if (c->has_utc_offset)
		draw_local_ticks(p, first, step);
	fputs("</g>", out);
}

/* --- bands, lines, markers --- */

static void draw_bands(const pen *p, double y, double rows_top, double rows_h)
{
	const chart *c = p->c;
	FILE *out = p->out;
	/* The phases' time shaded behind the rows first, so bars draw over it. */
	for (size_t i = 0; c->has_range && i < c->band_count; i++) {
		const chart_band *b = &c->bands[i];
		if (!b->has_span)
			continue;
		double x = xof(p, b->start), w = xof(p, b->end) - x;
		fprintf(out,
		        "<rect class=\"shade ph-%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		        "height=\"%.1f\"/>",
		        chart_phase_name(b->phase), x, rows_top, w < 1 ? 1 : w, rows_h);
	}
	for (size_t i = 0; i < c->band_count; i++, y += LANE_H) {
		const chart_band *b = &c->bands[i];
		const char *status = espdiag_esp_phase_status_name(b->status);
		fprintf(out, "<g class=\"lane\" data-band=\"%s\" data-status=\"%s\">",
		        chart_phase_name(b->phase), status);
		fprintf(out, "<text class=\"lane-label\" x=\"%.1f\" y=\"%.1f\">", LABEL_X, y + 13);
		html_phase(out, b->phase, b->sid);
		fputs(": ", out);
		for (const char *q = status; *q; q++)
			putc(*q == '_' ? ' ' : *q, out);
		fputs("</text>", out);
		if (b->has_span && c->has_range) {
			double x = xof(p, b->start), w = xof(p, b->end) - x;
			fprintf(out,
			        "<rect class=\"band st-%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			        "height=\"%.1f\"><title>",
			        status, x, y + 2, w < MIN_BAR_W ? MIN_BAR_W : w, LANE_H - 4);
			html_phase(out, b->phase, b->sid);
			fprintf(out, ": %s\n", status);
			span_text(p, b->start, b->end);
			fprintf(out, "\nspan: %s", b->how ? b->how : "");
			evidence_text(out, b->key, NULL);
			fputs("</title></rect>", out);
		} else {
			fprintf(out, "<text class=\"nobar\" x=\"%.1f\" y=\"%.1f\">no time known</text>",
			        X0 + 4, y + 13);
		}
		fputs("</g>", out);
	}
}

static void draw_marker(const pen *p, const chart_marker *m, const char *item, double cy)
{
	FILE *out = p->out;
	double x = xof(p, m->t);
	const char *cls = chart_marker_class(m->kind);
	const char *tag = "path";
	fprintf(out, "<%s class=\"mk mk-%s\" data-marker=\"%s\" ",
	        m->kind == CHART_MARK_EVENT ? "circle" : m->kind == CHART_MARK_LOG ? "rect" : "path",
	        cls, cls);
	if (m->kind == CHART_MARK_FAILURE) {
		fprintf(out, "d=\"M%.1f %.1fl6 -6 6 6 -6 6z\">", x - 6, cy);
	} else if (m->kind == CHART_MARK_START) {
		fprintf(out, "d=\"M%.1f %.1fl10 6 -10 6z\">", x, cy - 6);
	} else if (m->kind == CHART_MARK_LOG) {
		fprintf(out, "x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"6\">", x - 3, cy - 3);
		tag = "rect";
	} else {
		fprintf(out, "cx=\"%.1f\" cy=\"%.1f\" r=\"4\">", x, cy);
		tag = "circle";
	}
	fputs("<title>", out);
	if (item != NULL) {
		html_cstr(out, item);
		putc('\n', out);
	}
	html_cstr(out, m->label);
	putc(' ', out);
	span_text(p, m->t, m->t);
	if (m->source != NULL) {
		fprintf(out, "\nsource: %s", m->source);
		fputs("\nevidence: ", out);
		html_cstr(out, m->evidence);
	}
	if (m->detail != NULL) {
		fputs("\nrecord: ", out);
		html_cstr(out, m->detail);
	}
	evidence_text(out, m->key, m->value);
	fprintf(out, "</title></%s>", tag);
}

static void draw_lines(const pen *p, double top, double bottom)
{
	const chart *c = p->c;
	FILE *out = p->out;
	for (size_t i = 0; i < c->line_count; i++) {
		const chart_line *l = &c->lines[i];
		double x = xof(p, l->t);
		fprintf(out,
		        "<g class=\"timeout\" data-line=\"timeout\"><line x1=\"%.1f\" y1=\"%.1f\" "
		        "x2=\"%.1f\" y2=\"%.1f\"><title>",
		        x, top, x, bottom);
		html_cstr(out, l->label);
		putc('\n', out);
		span_text(p, l->t, l->t);
		evidence_text(out, l->key, l->value);
		fprintf(out, "</title></line><text class=\"line-label\" x=\"%.1f\" y=\"%.1f\">timeout</text></g>",
		        x - 3, top + 10);
	}
}

/* --- rows --- */

static void draw_row(const pen *p, const chart_row *r, size_t index, double y,
                     const char *finding_id, const char *finding_title)
{
	FILE *out = p->out;
	fprintf(out, "<g data-row=\"%s\" data-state=\"%s\"", r->kind,
	        chart_state_class(r->final));
	if (finding_id != NULL)
		fprintf(out, " data-finding=\"%s\"", finding_id);
	fputs(">", out);
	if (index % 2)
		fprintf(out, "<rect class=\"zebra\" x=\"0\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\"/>",
		        y, W, ROW_H);
	fprintf(out, "<text class=\"label%s\" x=\"%.0f\" y=\"%.0f\">",
	        finding_id ? " has-finding" : "", LABEL_X, y + 12);
	html_elided(out, r->name, LABEL_CHARS);
	fputs("<title>", out);
	html_cstr(out, r->name);
	fputs("\nid: ", out);
	html_cstr(out, r->id);
	putc('\n', out);
	html_phase(out, r->phase, r->sid);
	fputs(", last state: ", out);
	html_cstr(out, r->state ? r->state : "unknown");
	/* A row with bars has its evidence on them. */
	if (r->bar_count == 0)
		evidence_text(out, r->key, r->value);
	if (finding_title != NULL) {
		fprintf(out, "\nfinding %s: ", finding_id);
		html_cstr(out, finding_title);
	}
	fputs("</title></text>", out);
	if (r->bar_count == 0 && r->marker_count == 0) {
		fprintf(out, "<text class=\"nobar\" data-nobar=\"1\" x=\"%.1f\" y=\"%.1f\">no bar: ",
		        X0 + 4, y + 12);
		html_cstr(out, r->no_time ? r->no_time : "no time known");
		fputs("</text></g>", out);
		return;
	}
	for (size_t i = 0; i < r->bar_count; i++) {
		const chart_bar *b = &r->bars[i];
		double x = xof(p, b->start), w = xof(p, b->end) - x;
		const char *cls = chart_state_class(b->state);
		fprintf(out,
		        "<rect data-bar=\"%s\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\">"
		        "<title>",
		        cls, x, y + (ROW_H - BAR_H) / 2, w < MIN_BAR_W ? MIN_BAR_W : w, BAR_H);
		html_cstr(out, r->name);
		putc('\n', out);
		html_cstr(out, b->state_name);
		putc(' ', out);
		span_text(p, b->start, b->end);
		evidence_text(out, b->key, NULL);
		fputs("</title></rect>", out);
	}
	for (size_t i = 0; i < r->marker_count; i++)
		draw_marker(p, &r->markers[i], r->name, y + ROW_H / 2);
	fputs("</g>", out);
}

int chart_write_svg(const chart *c, const espdiag_report *report, FILE *out)
{
	pen p = { out, c, 0 };
	double top = AXIS_H + (c->has_utc_offset ? LOCAL_H : 0);
	double lanes = (double)c->band_count * LANE_H + (c->marker_count ? LANE_H : 0);
	double rows_top = top + 4 + lanes + 6;
	double rows_h = (double)c->row_count * ROW_H;
	double height = rows_top + rows_h + FOOT_H;
	size_t bars = 0, markers = c->marker_count;
	for (size_t i = 0; i < c->row_count; i++) {
		bars += c->rows[i]->bar_count;
		markers += c->rows[i]->marker_count;
	}
	if (c->has_range)
		p.scale = (X1 - X0) / (double)(c->t1 - c->t0);
	fprintf(out,
	        "<svg class=\"gantt\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
	        "width=\"%.0f\" height=\"%.0f\" role=\"img\" data-rows=\"%zu\" data-bars=\"%zu\" "
	        "data-markers=\"%zu\"><title>ESP timeline: %zu rows, %zu bars, %zu markers</title>",
	        W, height, W, height, c->row_count, bars, markers, c->row_count, bars, markers);
	if (c->has_range)
		draw_axis(&p, top, rows_top + rows_h, height);
	else
		fprintf(out, "<text class=\"nobar\" x=\"%.1f\" y=\"28\">no time is known: nothing to "
		        "draw on a time axis</text>", X0);
	draw_bands(&p, top + 4, rows_top, rows_h);
	double y = top + 4 + (double)c->band_count * LANE_H;
	if (c->marker_count) {
		bool moments = false;
		for (size_t i = 0; i < c->marker_count && !moments; i++)
			moments = c->markers[i].source != NULL;
		fprintf(out, "<g class=\"lane\" data-band=\"events\"><text class=\"lane-label\" "
		        "x=\"%.1f\" y=\"%.1f\">%s</text>", LABEL_X, y + 13,
		        moments ? "Events and log milestones" : "ESP events");
		for (size_t i = 0; c->has_range && i < c->marker_count; i++)
			draw_marker(&p, &c->markers[i], NULL, y + LANE_H / 2);
		fputs("</g>", out);
	}
	for (size_t i = 0; i < c->row_count; i++) {
		const chart_row *r = c->rows[i];
		const espdiag_finding *f =
			report && r->finding >= 0 ? espdiag_report_finding_at(report, (size_t)r->finding)
			                          : NULL;
		draw_row(&p, r, i, rows_top + (double)i * ROW_H, f ? espdiag_finding_id(f) : NULL,
		         f ? espdiag_finding_title(f) : NULL);
	}
	if (c->has_range)
		draw_lines(&p, top + 4, rows_top + rows_h);
	fputs("</svg>", out);
	return ferror(out) ? -1 : 0;
}

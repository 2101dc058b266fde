/*
 * lib/html.h - the HTML report's parts, shared by html.c (the document and
 * its public API), html_chart.c (the ESP model to a chart) and html_svg.c
 * (the chart to SVG). Nothing outside them sees it.
 *
 * The chart is the seam between what is known and how it is drawn: rows
 * of bars (an item's state over a span of time) and markers (an instant:
 * a failure, an event, a log milestone), phase bands across the top and
 * vertical lines (the timeouts). html_chart.c fills it from the registry's
 * ESP model; html_v2.c adds device preparation's (v2) workloads and
 * html_bundle.c the bundle's events and IME log milestones through the
 * same calls, and the drawing does not change.
 */
#ifndef ESPDIAG_HTML_H
#define ESPDIAG_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <espdiag/diagnose.h>

#include "internal.h"

/* Milliseconds since 1970-01-01 UTC. */
typedef int64_t chart_time;

/* The colour a bar is drawn in. */
typedef enum chart_state {
	CHART_NOT_INSTALLED = 1,
	CHART_IN_PROGRESS = 2,
	CHART_COMPLETED = 3,
	CHART_FAILED = 4,
	CHART_OTHER = 5
} chart_state;

/* "not_installed", "in_progress", "completed", "failed", "other": the CSS
 * class suffix and the data-bar attribute. */
const char *chart_state_class(chart_state s);

typedef struct chart_bar {
	chart_time start, end;      /* end >= start */
	chart_state state;
	const char *state_name;     /* as the evidence names it ("in_progress", "processed") */
	const char *key, *value;    /* evidence: where the state was read */
} chart_bar;

typedef enum chart_marker_kind {
	CHART_MARK_FAILURE = 1,     /* an item turned failed */
	CHART_MARK_START = 2,       /* the ESP started (FirstSync Timestamp) */
	CHART_MARK_EVENT = 3,       /* an event log record (the bundle) */
	CHART_MARK_LOG = 4          /* an IME log milestone (the bundle) */
} chart_marker_kind;

/* "failure", "start", "event", "log": the data-marker attribute. */
const char *chart_marker_class(chart_marker_kind k);

typedef struct chart_marker {
	chart_time t;
	chart_marker_kind kind;
	const char *label;          /* what happened, for people */
	const char *key, *value;    /* evidence in the registry */
	/* A moment of the bundle (html_bundle.c): set after the marker is
	 * added (chart_last_marker), NULL otherwise. */
	const char *source;         /* "IME log", "event log" */
	const char *evidence;       /* the file and line, or channel, event id and record */
	const char *detail;         /* the record as quoted */
} chart_marker;

/* One tracked item (or a provider, an Office install, a workload). */
typedef struct chart_row {
	const char *kind;           /* "win32_app", ..., "provider", "office" */
	const char *name;           /* full name for people */
	const char *id;             /* the id the evidence spells */
	const char *subject_id;     /* the id findings use (a Win32 app's GUID) */
	const char *sid;            /* NULL: device context */
	uint32_t phase;             /* espdiag_esp_phase, 0 for none */
	const char *state;          /* the last state the evidence gives */
	chart_state final;
	const char *key, *value;    /* evidence of the last state */
	const char *no_time;        /* why the row has no bar; NULL when it has one */
	bool app;                   /* listed in the apps table */
	bool has_error_code;
	uint32_t error_code;        /* HRESULT */
	bool has_exit_code;
	int64_t exit_code;
	bool has_duration;
	chart_time duration;        /* from in progress (or last not installed) to done or failed */
	bool duration_upper_bound;  /* no "in progress" was seen: at most this long */
	/* The IME logs' app of the same id (the bundle), NULL when none. */
	const struct espdiag_esp_log_app *log_app;
	size_t bar_count, bar_cap;
	chart_bar *bars;            /* time order */
	size_t marker_count, marker_cap;
	chart_marker *markers;
	/* Set by chart_finish() and the renderer. */
	bool has_start;
	chart_time start;
	size_t order;               /* creation order, the last sort key */
	long finding;               /* the first finding about it, -1 when none */
} chart_row;

/* The band (and the rows) of Autopilot device preparation (v2), which is
 * no phase of the ESP: a number espdiag_esp_phase never uses. */
#define CHART_PHASE_DEVPREP_V2 100u

/* A phase's span. */
typedef struct chart_band {
	uint32_t phase;             /* espdiag_esp_phase */
	const char *sid;            /* account setup: the user's SID */
	uint32_t status;            /* espdiag_esp_phase_status */
	const char *key;            /* the key that decided the status */
	bool has_span;
	chart_time start, end;
	const char *how;            /* how the span was found, for the title */
} chart_band;

/* A vertical line across the rows (a phase's timeout). */
typedef struct chart_line {
	chart_time t;
	const char *label;
	const char *key, *value;
} chart_line;

typedef struct chart {
	esp_arena arena;            /* every string and array */
	chart_row **rows;           /* malloc'd */
	size_t row_count, row_cap;
	chart_band *bands;          /* malloc'd */
	size_t band_count, band_cap;
	chart_line *lines;          /* malloc'd */
	size_t line_count, line_cap;
	chart_marker *markers;      /* malloc'd: the chart's own lane (not a row's) */
	size_t marker_count, marker_cap;
	const char **notes;         /* malloc'd: what could not be drawn, and why */
	size_t note_count, note_cap;
	bool has_utc_offset;        /* the device's local time is known */
	int32_t utc_offset_minutes; /* local = UTC + offset */
	/* Set by chart_finish(). */
	bool has_range;
	chart_time t0, t1;          /* the axis */
} chart;

void chart_init(chart *c);
void chart_free(chart *c);

/* Adding parts. Strings are copied into the chart (NULL stays NULL).
 * Each returns NULL (or ESPDIAG_ENOMEM) when out of memory. */
chart_row *chart_add_row(chart *c, const char *kind, const char *name, const char *id,
                         const char *sid, uint32_t phase);
int chart_add_bar(chart *c, chart_row *row, chart_time start, chart_time end, chart_state s,
                  const char *state_name, const char *key, const char *value);
int chart_add_row_marker(chart *c, chart_row *row, chart_time t, chart_marker_kind kind,
                         const char *label, const char *key, const char *value);
int chart_add_marker(chart *c, chart_time t, chart_marker_kind kind, const char *label,
                     const char *key, const char *value);
/* The marker the last chart_add_row_marker() on row (NULL: the last
 * chart_add_marker()) added, to fill in its other fields; NULL when none. */
chart_marker *chart_last_marker(chart *c, chart_row *row);
chart_band *chart_add_band(chart *c, uint32_t phase, const char *sid, uint32_t status,
                           const char *key);
int chart_add_line(chart *c, chart_time t, const char *label, const char *key,
                   const char *value);
int chart_add_note(chart *c, const char *fmt, ...) ESP_PRINTF(2, 3);
/* A copy of s in the chart's arena (NULL for NULL, and when out of memory). */
const char *chart_strdup(chart *c, const char *s);
const char *chart_printf(chart *c, const char *fmt, ...) ESP_PRINTF(2, 3);

/* Sorts the rows (timed rows by start, then phase, kind, name; rows
 * without a bar last) and sets the axis. */
int chart_finish(chart *c);

/* Fills c from the model (html_chart.c). ESPDIAG_OK or ESPDIAG_ENOMEM. */
int chart_from_esp(chart *c, const espdiag_esp *esp);
/* Its parts: device preparation's (v2) band, workload rows and timeout
 * (html_v2.c); the device's clock and the bundle's moments as markers
 * (html_bundle.c), after every row exists. ESPDIAG_OK or ESPDIAG_ENOMEM. */
int chart_add_v2(chart *c, const espdiag_esp *esp);
int chart_add_bundle(chart *c, const espdiag_esp *esp);
/* Widens the span [*lo, *hi] to hold t; *has says whether it exists yet. */
void chart_span_widen(bool *has, chart_time *lo, chart_time *hi, chart_time t);
/* The colour of a state name of the model (html_chart.c). */
chart_state chart_state_of(const char *name);
/* A model time (seconds and 100 ns) in milliseconds; false when it is too
 * far out to draw. */
bool chart_ms(int64_t secs, uint32_t frac_100ns, chart_time *out);

/* Links each row to the first finding whose subject names it. */
void chart_link_findings(chart *c, const espdiag_report *report);

/* Draws the chart as an inline SVG element (html_svg.c); a row linked
 * to a finding of report (NULL: none) names it. 0, or -1 when a write
 * failed. */
int chart_write_svg(const chart *c, const espdiag_report *report, FILE *out);

/* --- escaping (html.c) --- */

/*
 * Writes the len bytes at s as text for an HTML element or a double-quoted
 * attribute, in HTML or inline SVG: & < > " ' as character references;
 * the characters the text report escapes (C0 controls, DEL, C1 controls,
 * U+2028, U+2029, the bidirectional controls) and the noncharacters as
 * the visible text \uXXXX; each byte that is not part of valid UTF-8 as
 * U+FFFD. Returns 0, or -1 when a write failed.
 */
int html_write(FILE *out, const char *s, size_t len);
/* html_write on a C string; NULL writes nothing. */
int html_cstr(FILE *out, const char *s);
/* As html_cstr, but a string longer than max characters keeps its first
 * and last characters around a U+2026 (whole characters, never half of
 * one). */
int html_elided(FILE *out, const char *s, size_t max);

/* Room for a time or a duration as the chart_*_format functions write it. */
#define CHART_TIME_BUFSIZE 48

/* The chart's tooltips write keys below EnrollmentStatusTracking short. */
#define HTML_EST_PATH                                                                      \
	"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\EnrollmentStatusTracking"
#define HTML_EST_SHORT "\xe2\x80\xa6"

/* "Device setup", ..., "Device preparation (v2)" for CHART_PHASE_DEVPREP_V2;
 * "Other" for 0 or another number. Static. */
const char *html_phase_title(uint32_t phase);
/* espdiag_esp_phase_name(), "device_preparation_v2" for
 * CHART_PHASE_DEVPREP_V2, "other" otherwise: a class and data- value. */
const char *chart_phase_name(uint32_t phase);
/* The phase's title and, when sid is not NULL, " (SID)" escaped. */
void html_phase(FILE *out, uint32_t phase, const char *sid);

/* Formats t as "YYYY-MM-DD HH:MM:SS" (no zone letter; with ".fff" when
 * with_ms and the milliseconds are not 0). */
void chart_time_format(char buf[CHART_TIME_BUFSIZE], chart_time t, bool with_ms);
/* A duration for people: "38 min 26 s", "2 h 5 min", "0.25 s". */
void chart_duration_format(char buf[CHART_TIME_BUFSIZE], chart_time d);

#endif /* ESPDIAG_HTML_H */

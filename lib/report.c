/*
 * lib/report.c - the diagnosis report: its accessors and its two
 * renderings, text for people and JSON for programs (the shape is in
 * diagnose.h and DESIGN.md; the JSON strings go through json.c so any
 * input bytes give valid JSON).
 */
#include "diagnose_private.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <espdiag/version.h>

#include "json.h"
#include "textout.h"

const char *espdiag_severity_name(uint32_t severity)
{
	switch (severity) {
	case ESPDIAG_SEVERITY_INFO: return "info";
	case ESPDIAG_SEVERITY_WARNING: return "warning";
	case ESPDIAG_SEVERITY_ERROR: return "error";
	default: return "unknown";
	}
}

const char *espdiag_outcome_name(uint32_t outcome)
{
	switch (outcome) {
	case ESPDIAG_OUTCOME_COMPLETED: return "completed";
	case ESPDIAG_OUTCOME_FAILED: return "failed";
	case ESPDIAG_OUTCOME_IN_PROGRESS: return "in_progress";
	default: return "unknown";
	}
}

void espdiag_report_free(espdiag_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->finding_count; i++)
		free(r->findings[i]->evidence);
	free(r->findings);
	free(r->model_json);
	esp_arena_free(&r->arena);
	free(r);
}

espdiag_outcome espdiag_report_outcome(const espdiag_report *r)
{
	return r ? r->outcome : ESPDIAG_OUTCOME_UNKNOWN;
}

size_t espdiag_report_severity_count(const espdiag_report *r, espdiag_severity severity)
{
	if (r == NULL)
		return 0;
	switch (severity) {
	case ESPDIAG_SEVERITY_ERROR: return r->errors;
	case ESPDIAG_SEVERITY_WARNING: return r->warnings_n;
	case ESPDIAG_SEVERITY_INFO: return r->infos;
	default: return 0;
	}
}

bool espdiag_report_has_errors(const espdiag_report *r)
{
	return r != NULL && r->errors > 0;
}

espdiag_esp_scenario_kind espdiag_report_scenario(const espdiag_report *r)
{
	return r ? (espdiag_esp_scenario_kind)r->scenario : ESPDIAG_ESP_SCENARIO_NONE;
}

bool espdiag_report_incomplete(const espdiag_report *r)
{
	return r != NULL && r->incomplete;
}

size_t espdiag_report_finding_count(const espdiag_report *r)
{
	return r ? r->finding_count : 0;
}

const espdiag_finding *espdiag_report_finding_at(const espdiag_report *r, size_t index)
{
	return r && index < r->finding_count ? r->findings[index] : NULL;
}

const char *espdiag_finding_id(const espdiag_finding *f)
{
	return f ? diag_rules[f->rule].id : NULL;
}

espdiag_severity espdiag_finding_severity(const espdiag_finding *f)
{
	return f ? diag_rules[f->rule].severity : ESPDIAG_SEVERITY_INFO;
}

uint32_t espdiag_finding_phase(const espdiag_finding *f)
{
	return f ? f->phase : 0;
}

const char *espdiag_finding_sid(const espdiag_finding *f)
{
	return f ? f->sid : NULL;
}

const char *espdiag_finding_title(const espdiag_finding *f)
{
	return f ? f->title : NULL;
}

const char *espdiag_finding_detail(const espdiag_finding *f)
{
	return f ? f->detail : NULL;
}

const char *espdiag_finding_remediation(const espdiag_finding *f)
{
	return f ? f->remediation : NULL;
}

int espdiag_finding_error_code(uint32_t *out, const espdiag_finding *f)
{
	if (out == NULL || f == NULL)
		return ESPDIAG_EINVAL;
	if (!f->has_code)
		return ESPDIAG_NOTFOUND;
	*out = f->code;
	return ESPDIAG_OK;
}

int espdiag_finding_exit_code(int64_t *out, const espdiag_finding *f)
{
	if (out == NULL || f == NULL)
		return ESPDIAG_EINVAL;
	if (!f->has_exit_code)
		return ESPDIAG_NOTFOUND;
	*out = f->exit_code;
	return ESPDIAG_OK;
}

const espdiag_subject *espdiag_finding_subject(const espdiag_finding *f)
{
	return f && f->has_subject ? &f->subject : NULL;
}

size_t espdiag_finding_evidence_count(const espdiag_finding *f)
{
	return f ? f->evidence_count : 0;
}

const char *espdiag_finding_evidence_key(const espdiag_finding *f, size_t i)
{
	return f && i < f->evidence_count ? f->evidence[i].key : NULL;
}

const char *espdiag_finding_evidence_value(const espdiag_finding *f, size_t i)
{
	return f && i < f->evidence_count ? f->evidence[i].value : NULL;
}

const char *espdiag_finding_evidence_data(const espdiag_finding *f, size_t i)
{
	return f && i < f->evidence_count ? f->evidence[i].data : NULL;
}

/* --- text --- */

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[1;31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"

typedef struct pen {
	FILE *out;
	int colour;
} pen;

static void paint(const pen *p, const char *colour, const char *text)
{
	if (p->colour)
		fprintf(p->out, "%s%s%s", colour, text, C_RESET);
	else
		fputs(text, p->out);
}

static const char *severity_colour(espdiag_severity s)
{
	return s == ESPDIAG_SEVERITY_ERROR ? C_RED : s == ESPDIAG_SEVERITY_WARNING ? C_YELLOW : C_CYAN;
}

static const char *status_colour(uint32_t status)
{
	switch (status) {
	case ESPDIAG_ESP_STATUS_COMPLETED: return C_GREEN;
	case ESPDIAG_ESP_STATUS_FAILED: return C_RED;
	case ESPDIAG_ESP_STATUS_IN_PROGRESS:
	case ESPDIAG_ESP_STATUS_IDENTIFYING: return C_YELLOW;
	default: return C_BOLD;
	}
}

/* A state name for people: "in_progress" -> "in progress". */
static void human(const pen *p, const char *colour, const char *name)
{
	char buf[64];
	size_t i = 0;
	for (; name[i] && i + 1 < sizeof buf; i++)
		buf[i] = name[i] == '_' ? ' ' : name[i];
	buf[i] = '\0';
	paint(p, colour, buf);
}

static void plural(FILE *out, size_t n, const char *word)
{
	fprintf(out, "%zu %s%s", n, word, n == 1 ? "" : "s");
}

/* indent, then text with whatever came from the input escaped, then a newline. */
static void line(FILE *out, const char *indent, const char *text)
{
	fputs(indent, out);
	esp_text_cstr(out, text);
	putc('\n', out);
}

/* A finding's evidence, each line after indent. */
static void text_evidence(FILE *out, const espdiag_finding *f, const char *indent)
{
	for (size_t i = 0; i < f->evidence_count; i++) {
		const diag_evidence *e = &f->evidence[i];
		fputs(indent, out);
		line(out, "  ", e->key);
		if (e->value != NULL && e->data != NULL) {
			fputs(indent, out);
			fputs("    ", out);
			esp_text_cstr(out, e->value);
			line(out, " = ", e->data);
		} else if (e->value != NULL || e->data != NULL) {
			fputs(indent, out);
			line(out, "    ", e->value ? e->value : e->data);
		}
	}
}

static void text_tag(const pen *p, const espdiag_finding *f)
{
	espdiag_severity s = diag_rules[f->rule].severity;
	char tag[16];
	snprintf(tag, sizeof tag, "[%s]", espdiag_severity_name(s));
	fputs("  ", p->out);
	paint(p, severity_colour(s), tag);
	fprintf(p->out, " %s: ", diag_rules[f->rule].id);
}

static void text_finding(const pen *p, const espdiag_finding *f)
{
	FILE *out = p->out;
	text_tag(p, f);
	line(out, "", f->title);
	line(out, "    ", f->detail);
	fputs("    ", out);
	paint(p, C_BOLD, "What to do:");
	line(out, " ", f->remediation);
	if (f->evidence_count == 0)
		return;
	fputs("    Evidence:\n", out);
	text_evidence(out, f, "    ");
}

/* Findings of one rule with one remedy (f[0..n-1]): the items listed,
 * the remedy once. */
static void text_group(const pen *p, const espdiag_finding *const *f, size_t n)
{
	FILE *out = p->out;
	text_tag(p, f[0]);
	fprintf(out, "%zu findings\n", n);
	for (size_t i = 0; i < n; i++) {
		line(out, "    - ", f[i]->title);
		line(out, "      ", f[i]->detail);
		if (f[i]->evidence_count > 0) {
			fputs("      Evidence:\n", out);
			text_evidence(out, f[i], "      ");
		}
	}
	fputs("    ", out);
	paint(p, C_BOLD, "What to do:");
	line(out, " ", f[0]->remediation);
}

static const char *phase_title(uint32_t phase)
{
	switch (phase) {
	case ESPDIAG_ESP_PHASE_DEVICE_PREPARATION: return "Device preparation";
	case ESPDIAG_ESP_PHASE_DEVICE_SETUP: return "Device setup";
	case ESPDIAG_ESP_PHASE_ACCOUNT_SETUP: return "Account setup";
	default: return "Other";
	}
}

/* The findings of one section: those of sel[] not yet shown, in report
 * order; with grouping, the later findings of the same rule and remedy
 * join the first one's block. */
typedef struct section {
	const espdiag_report *r;
	const espdiag_text_options *o;
	bool *shown;
	const espdiag_finding **batch; /* scratch, finding_count long */
} section;

static bool hidden(const section *x, const espdiag_finding *f)
{
	return diag_rules[f->rule].severity < x->o->min_severity;
}

static bool same_section(const espdiag_finding *a, const espdiag_finding *b)
{
	return a->phase == b->phase && a->user == b->user;
}

static void show_from(const pen *p, section *x, size_t i)
{
	const espdiag_report *r = x->r;
	const espdiag_finding *f = r->findings[i];
	size_t n = 0;
	x->shown[i] = true;
	x->batch[n++] = f;
	for (size_t j = i + 1; (x->o->flags & ESPDIAG_TEXT_GROUP) && j < r->finding_count; j++) {
		const espdiag_finding *g = r->findings[j];
		if (!x->shown[j] && g->rule == f->rule && same_section(f, g) &&
		    strcmp(g->remediation, f->remediation) == 0) {
			x->shown[j] = true;
			x->batch[n++] = g;
		}
	}
	if (n == 1)
		text_finding(p, f);
	else
		text_group(p, x->batch, n);
}

static int write_text(const espdiag_report *r, const espdiag_text_options *o, bool name_member,
                      FILE *out)
{
	pen p = { out, o->colour };
	size_t nf = r->finding_count;
	bool *shown = nf ? calloc(nf, sizeof *shown) : NULL;
	const espdiag_finding **batch = nf ? calloc(nf, sizeof *batch) : NULL;
	if (nf && (shown == NULL || batch == NULL)) {
		free(shown);
		free(batch);
		return ESPDIAG_ENOMEM;
	}
	section x = { r, o, shown, batch };
	size_t not_shown = 0;
	for (size_t i = 0; i < nf; i++)
		if (hidden(&x, r->findings[i])) {
			shown[i] = true;
			not_shown++;
		}

	if (r->path != NULL) {
		esp_text_cstr(out, r->path);
		if (name_member && r->member != NULL) {
			fputs(" (", out);
			esp_text_cstr(out, r->member);
			putc(')', out);
		}
		fputs(": ", out);
	}
	paint(&p, r->outcome == ESPDIAG_OUTCOME_FAILED      ? C_RED
	          : r->outcome == ESPDIAG_OUTCOME_COMPLETED ? C_GREEN
	                                                    : C_YELLOW,
	      espdiag_outcome_name(r->outcome));
	fputs(r->incomplete ? " (incomplete: the input is damaged) - " : " - ", out);
	plural(out, r->errors, "error");
	fputs(", ", out);
	plural(out, r->warnings_n, "warning");
	fputs(", ", out);
	plural(out, r->infos, "info");
	if (not_shown > 0)
		fprintf(out, " (%zu below %s not shown)", not_shown,
		        espdiag_severity_name(o->min_severity));
	fprintf(out, " - scenario %s\n", espdiag_esp_scenario_name(r->scenario));
	if (r->clock != NULL) {
		/* The names of files and apps in it come from the input. */
		fputs("Device clock: ", out);
		esp_text_cstr(out, r->clock);
		putc('\n', out);
	}

	bool general = false;
	for (size_t i = 0; i < nf; i++) {
		if (r->findings[i]->phase != 0 || shown[i])
			continue;
		if (!general)
			paint(&p, C_BOLD, "General\n");
		general = true;
		show_from(&p, &x, i);
	}
	if (r->has_devprep) {
		paint(&p, C_BOLD, "Device preparation page (v2)");
		fputs(": ", out);
		human(&p, r->devprep_status == ESPDIAG_ESP_DEVPREP_EXITED_ON_FAILURE ? C_RED
		          : r->devprep_status == ESPDIAG_ESP_DEVPREP_EXITED_ON_SUCCESS ? C_GREEN
		                                                                       : C_YELLOW,
		      r->has_devprep_status ? espdiag_esp_devprep_status_name(r->devprep_status)
		                            : "unknown");
		fputs("\n", out);
	}
	size_t user = 0;
	/* The ESP's phases, unless only device preparation ran (diagnose.h). */
	for (size_t k = 0; r->v1 && k < r->phase_count; k++) {
		const diag_phase *ph = &r->phases[k];
		size_t u = ph->phase == ESPDIAG_ESP_PHASE_ACCOUNT_SETUP ? user++ : 0;
		paint(&p, C_BOLD, phase_title(ph->phase));
		if (ph->sid != NULL) {
			fputs(" (", out);
			esp_text_cstr(out, ph->sid);
			putc(')', out);
		}
		fputs(": ", out);
		human(&p, status_colour(ph->status), espdiag_esp_phase_status_name(ph->status));
		fputs("\n", out);
		for (size_t i = 0; i < nf; i++) {
			const espdiag_finding *f = r->findings[i];
			if (!shown[i] && f->phase == ph->phase && f->user == u)
				show_from(&p, &x, i);
		}
	}
	bool other = false;
	for (size_t i = 0; i < nf; i++) {
		if (shown[i])
			continue;
		if (!other)
			paint(&p, C_BOLD, "Other\n");
		other = true;
		show_from(&p, &x, i);
	}
	free(shown);
	free(batch);
	return ferror(out) ? ESPDIAG_EIO : ESPDIAG_OK;
}

int espdiag_report_write_text(const espdiag_report *r, int colour, FILE *out)
{
	if (r == NULL || out == NULL)
		return ESPDIAG_EINVAL;
	espdiag_text_options o = ESPDIAG_TEXT_OPTIONS_INIT;
	o.colour = colour;
	return write_text(r, &o, false, out);
}

/* Writes one line (without its newline) wrapped at width columns: a break
 * at the last space that fits, continuation lines indented two more than
 * the line; a word longer than the room (a registry path) stays whole.
 * Columns are UTF-8 lead bytes; colour escapes (ESC [ ... m, only ever
 * ours: input text is escaped) take none. */
static void wrap_line(FILE *out, const char *s, size_t len, unsigned width)
{
	size_t indent = 0;
	while (indent < len && s[indent] == ' ')
		indent++;
	size_t hang = indent + 2, lead = 0, pos = 0;
	while (pos < len) {
		size_t room = width > lead ? width - lead : 1;
		size_t from = lead == 0 ? pos + indent : pos; /* no break inside the indent */
		size_t col = 0, brk = 0;
		bool over = false;
		for (size_t i = pos; i < len; i++) {
			if (s[i] == '\033') {
				while (i + 1 < len && s[i] != 'm')
					i++;
				continue;
			}
			if (s[i] == ' ' && i > from) {
				if (col <= room) {
					brk = i;
				} else if (over) {
					brk = brk ? brk : i;
					break;
				}
			}
			if (((unsigned char)s[i] & 0xc0) != 0x80 && ++col > room) {
				over = true;
				if (brk)
					break;
			}
		}
		size_t end = over && brk ? brk : len;
		if (lead > 0)
			fprintf(out, "%*s", (int)hang, "");
		fwrite(s + pos, 1, end - pos, out);
		if (end < len)
			putc('\n', out);
		pos = end;
		while (pos < len && s[pos] == ' ')
			pos++;
		lead = hang;
	}
}

int espdiag_report_write_text_ex(const espdiag_report *r, const espdiag_text_options *o,
                                 FILE *out)
{
	static const espdiag_text_options defaults = ESPDIAG_TEXT_OPTIONS_INIT;
	if (r == NULL || out == NULL)
		return ESPDIAG_EINVAL;
	if (o == NULL)
		o = &defaults;
	if (o->version < 1 || o->version > ESPDIAG_TEXT_OPTIONS_VERSION ||
	    (o->flags & ~ESPDIAG_TEXT_GROUP) != 0 || o->min_severity > ESPDIAG_SEVERITY_ERROR)
		return ESPDIAG_EINVAL;
	if (o->width == 0)
		return write_text(r, o, true, out);
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem == NULL)
		return ESPDIAG_ENOMEM;
	int rc = write_text(r, o, true, mem);
	if (fclose(mem) != 0 && rc == ESPDIAG_OK)
		rc = ESPDIAG_ENOMEM;
	for (size_t i = 0; rc == ESPDIAG_OK && i < len;) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;
		wrap_line(out, buf + i, n, o->width);
		if (nl)
			putc('\n', out);
		i += n + (nl != NULL);
	}
	free(buf);
	if (rc == ESPDIAG_EIO)
		rc = ESPDIAG_ENOMEM;
	return rc == ESPDIAG_OK && ferror(out) ? ESPDIAG_EIO : rc;
}

/* --- JSON --- */

/* "type":...,"data":... of a registry value: a DWORD or QWORD as a number,
 * a string as a string, a multi-string as an array of strings, anything
 * else as its bytes in lower-case hex. */
static void typed_members(FILE *out, const espdiag_value *v)
{
	uint32_t type = espdiag_value_type(v), d;
	uint64_t q;
	char *str;
	char **list;
	size_t count;
	const char *name = espdiag_reg_type_name(type);
	fputs("\"type\":", out);
	if (name != NULL)
		fprintf(out, "\"%s\"", name);
	else
		fprintf(out, "\"REG_0x%" PRIx32 "\"", type);
	fputs(",\"data\":", out);
	if ((type == ESPDIAG_REG_DWORD || type == ESPDIAG_REG_DWORD_BIG_ENDIAN) &&
	    espdiag_value_get_dword(v, &d) == ESPDIAG_OK) {
		fprintf(out, "%" PRIu32, d);
	} else if (type == ESPDIAG_REG_QWORD && espdiag_value_get_qword(v, &q) == ESPDIAG_OK) {
		fprintf(out, "%" PRIu64, q);
	} else if ((type == ESPDIAG_REG_SZ || type == ESPDIAG_REG_EXPAND_SZ) &&
	           espdiag_value_get_string(&str, v) == ESPDIAG_OK) {
		esp_json_cstr(out, str);
		espdiag_free(str);
	} else if (type == ESPDIAG_REG_MULTI_SZ &&
	           espdiag_value_get_multi_string(&list, &count, v) == ESPDIAG_OK) {
		putc('[', out);
		for (size_t i = 0; i < count; i++) {
			if (i)
				putc(',', out);
			esp_json_cstr(out, list[i]);
		}
		putc(']', out);
		espdiag_free(list);
	} else {
		const unsigned char *b = espdiag_value_data(v);
		size_t n = espdiag_value_size(v);
		putc('"', out);
		for (size_t i = 0; i < n; i++)
			fprintf(out, "%02x", b[i]);
		putc('"', out);
	}
}

int diag_report_type_evidence(espdiag_report *r, const espdiag_registry *reg)
{
	/* Lookups only read the view; the API takes a non-const handle for
	 * its error message, and espdiag_diagnose()'s caller owns reg while
	 * it runs. */
	espdiag_registry *view = (espdiag_registry *)(uintptr_t)reg;
	for (size_t i = 0; i < r->finding_count; i++) {
		espdiag_finding *f = r->findings[i];
		for (size_t j = 0; j < f->evidence_count; j++) {
			diag_evidence *e = &f->evidence[j];
			const espdiag_key *key;
			const espdiag_value *v;
			if (e->value == NULL || e->has_position ||
			    espdiag_registry_key(&key, view, e->key) != ESPDIAG_OK ||
			    espdiag_key_value(&v, key, e->value) != ESPDIAG_OK)
				continue;
			char *buf = NULL;
			size_t len = 0;
			FILE *mem = open_memstream(&buf, &len);
			if (mem == NULL)
				return ESPDIAG_ENOMEM;
			typed_members(mem, v);
			bool failed = ferror(mem) != 0;
			if (fclose(mem) != 0 || failed || buf == NULL) {
				free(buf);
				return ESPDIAG_ENOMEM;
			}
			e->typed = esp_arena_strndup(&r->arena, buf, len);
			free(buf);
			if (e->typed == NULL)
				return ESPDIAG_ENOMEM;
		}
	}
	return ESPDIAG_OK;
}

/* A JSON string. Printable ASCII (registry paths, ids, our own text) is
 * written in runs here, '"' and '\\' escaped; a string with any other
 * byte goes whole through the shared escaper (json.c), which validates
 * UTF-8 and escapes control characters. */
static void json_str(FILE *out, const char *s)
{
	const char *p = s;
	if (s == NULL) {
		fputs("null", out);
		return;
	}
	for (; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f)
			break;
	if (*p != '\0') {
		esp_json_cstr(out, s);
		return;
	}
	putc('"', out);
	for (p = s; *p != '\0';) {
		size_t run = strcspn(p, "\"\\");
		fwrite(p, 1, run, out);
		p += run;
		if (*p != '\0') {
			putc('\\', out);
			putc(*p++, out);
		}
	}
	putc('"', out);
}

static void json_member(FILE *out, const char *name, const char *value, bool comma)
{
	fprintf(out, "%s\"%s\":", comma ? "," : "", name);
	json_str(out, value);
}

/* The subject object (diagnose.h), or null. */
static void json_subject(FILE *out, const espdiag_subject *s)
{
	if (s == NULL) {
		fputs("null", out);
		return;
	}
	putc('{', out);
	json_member(out, "kind", s->kind, false);
	json_member(out, "id", s->id, true);
	json_member(out, "name", s->name, true);
	json_member(out, "context", s->context, true);
	json_member(out, "sid", s->sid, true);
	putc('}', out);
}

/* The error object of a finding's code (diagnose.h), or null. */
static void json_error(FILE *out, const espdiag_finding *f)
{
	if (f->has_code)
		esp_json_error_object(out, f->code, f->has_exit_code, f->exit_code);
	else
		fputs("null", out);
}

/* A reader's warning's position members, as in "input"'s "warnings" (line
 * and column 0 for a hive; offset as the reader gave it), after others. */
static void json_position(FILE *out, const diag_evidence *e)
{
	json_member(out, "path", e->key, true);
	fprintf(out, ",\"line\":%" PRIu64 ",\"column\":%" PRIu64 ",\"offset\":%" PRIu64, e->line,
	        e->column, e->offset);
}

/* A finding's evidence in the shape of every "sources" list (diagnose.h):
 * {"key","value","type","data","display"}, and the position of a
 * reader's warning. */
static void json_sources(FILE *out, const espdiag_finding *f)
{
	fputs(",\"sources\":[", out);
	for (size_t i = 0; i < f->evidence_count; i++) {
		const diag_evidence *e = &f->evidence[i];
		fputs(i ? ",{" : "{", out);
		json_member(out, "key", e->key, false);
		json_member(out, "value", e->has_position ? NULL : e->value, true);
		putc(',', out);
		fputs(e->typed ? e->typed : "\"type\":null,\"data\":null", out);
		json_member(out, "display", e->data, true);
		if (e->has_position)
			json_position(out, e);
		putc('}', out);
	}
	putc(']', out);
}

/* An evidence list (a finding's, the scenario's). */
static void json_evidence(FILE *out, const diag_evidence *ev, size_t n)
{
	putc('[', out);
	for (size_t i = 0; i < n; i++) {
		const diag_evidence *e = &ev[i];
		fputs(i ? ",{" : "{", out);
		json_member(out, "key", e->key, false);
		json_member(out, "value", e->value, true);
		json_member(out, "data", e->data, true);
		if (e->has_position)
			json_position(out, e);
		putc('}', out);
	}
	putc(']', out);
}

static void json_finding(FILE *out, const espdiag_finding *f)
{
	const espdiag_rule *rule = &diag_rules[f->rule];
	putc('{', out);
	json_member(out, "id", rule->id, false);
	json_member(out, "severity", espdiag_severity_name(rule->severity), true);
	json_member(out, "phase", f->phase ? espdiag_esp_phase_name(f->phase) : NULL, true);
	json_member(out, "title", f->title, true);
	json_member(out, "detail", f->detail, true);
	json_member(out, "remediation", f->remediation, true);
	fputs(",\"evidence\":", out);
	json_evidence(out, f->evidence, f->evidence_count);
	json_sources(out, f);
	json_member(out, "sid", f->sid, true);
	fputs(",\"error_code\":", out);
	if (f->has_code)
		fprintf(out, "\"0x%08" PRIx32 "\"", f->code);
	else
		fputs("null", out);
	fputs(",\"subject\":", out);
	json_subject(out, f->has_subject ? &f->subject : NULL);
	fputs(",\"error\":", out);
	json_error(out, f);
	putc('}', out);
}

/* ,"bundle":{"format","members":[...]}: what the collection held, read or
 * not; absent when the report was given no bundle. */
static void json_bundle(FILE *out, const espdiag_report *r)
{
	if (r->bundle_format == NULL)
		return;
	fputs(",\"bundle\":{", out);
	json_member(out, "format", *r->bundle_format ? r->bundle_format : NULL, false);
	fputs(",\"members\":[", out);
	for (size_t i = 0; i < r->bundle_member_count; i++) {
		const espdiag_member *m = &r->bundle_members[i];
		putc(i ? ',' : '{', out);
		if (i)
			putc('{', out);
		json_member(out, "name", m->name, false);
		json_member(out, "kind", espdiag_member_kind_name(m->kind), true);
		if (m->has_size)
			fprintf(out, ",\"size\":%" PRIu64, m->size);
		else
			fputs(",\"size\":null", out);
		fprintf(out, ",\"read\":%s", m->read ? "true" : "false");
		json_member(out, "reason", m->reason, true);
		json_member(out, "summary", m->summary, true);
		putc('}', out);
	}
	fputs("]}", out);
}

int espdiag_report_write_json(const espdiag_report *r, FILE *out)
{
	if (r == NULL || out == NULL)
		return ESPDIAG_EINVAL;
	fputs("{\"schema\":\"espdiag-report/1\",\"tool\":{\"name\":\"espdiag\",\"version\":", out);
	json_str(out, espdiag_version());
	char when[32] = "";
	struct tm tm;
	time_t t = (time_t)r->generated_at;
	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(out, "},\"generated_at\":\"%s\",\"input\":{", when);
	json_member(out, "path", r->path, false);
	json_member(out, "format", r->format, true);
	json_member(out, "encoding", r->encoding, true);
	json_member(out, "dialect", r->dialect, true);
	/* An archive's member that was read, and the others it held. */
	json_member(out, "member", r->member, true);
	fputs(",\"members\":[", out);
	for (const char *m = r->members; m != NULL && *m != '\0';) {
		size_t len = strcspn(m, "\n");
		char name[1024];
		snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), m);
		if (m != r->members)
			putc(',', out);
		json_str(out, name);
		m += len + (m[len] == '\n');
	}
	fputs("]", out);
	fputs(",\"warnings\":[", out);
	for (size_t i = 0; i < r->warning_count; i++) {
		const espdiag_warning *w = &r->warnings[i];
		fprintf(out, "%s{\"line\":%" PRIu64 ",\"column\":%" PRIu64 ",\"offset\":%" PRIu64,
		        i ? "," : "", w->line, w->column, w->offset);
		json_member(out, "message", w->message, true);
		putc('}', out);
	}
	putc(']', out);
	json_member(out, "prefix", r->prefix, true);
	json_bundle(out, r);
	fprintf(out,
	        "},\"summary\":{\"outcome\":\"%s\",\"errors\":%zu,\"warnings\":%zu,"
	        "\"infos\":%zu,\"incomplete\":%s},",
	        espdiag_outcome_name(r->outcome), r->errors, r->warnings_n, r->infos,
	        r->incomplete ? "true" : "false");
	fputs("\"scenario\":{", out);
	json_member(out, "name", espdiag_esp_scenario_name(r->scenario), false);
	fputs(",\"evidence\":", out);
	json_evidence(out, r->scenario_evidence, r->scenario_evidence_count);
	fputs("},", out);
	if (r->model_json_len)
		fwrite(r->model_json, 1, r->model_json_len, out);
	fputs(",\"findings\":[", out);
	for (size_t i = 0; i < r->finding_count; i++) {
		if (i)
			putc(',', out);
		json_finding(out, r->findings[i]);
	}
	fputs("]}\n", out);
	return ferror(out) ? ESPDIAG_EIO : ESPDIAG_OK;
}

int espdiag_report_to_json(char **out, const espdiag_report *r)
{
	if (out == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	if (r == NULL)
		return ESPDIAG_EINVAL;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem == NULL)
		return ESPDIAG_ENOMEM;
	int rc = espdiag_report_write_json(r, mem);
	if (fclose(mem) != 0 && rc == ESPDIAG_OK)
		rc = ESPDIAG_ENOMEM;
	if (rc != ESPDIAG_OK) {
		free(buf);
		return rc == ESPDIAG_EIO ? ESPDIAG_ENOMEM : rc;
	}
	*out = buf;
	return ESPDIAG_OK;
}

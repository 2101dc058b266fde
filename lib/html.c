/*
 * lib/html.c - the HTML report (diagnose.h, espdiag_html(3)): escaping for
 * HTML and inline SVG, the document (head, style sheet, index) and each
 * input's section (the chart from html_svg.c beside the outcome and the
 * findings; the apps table, the input, its warnings). A section is
 * rendered when it is added, into memory, so the caller may free the
 * report and the model at once and the index can still come first.
 */
#include "diagnose_private.h"
#include "html.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <espdiag/version.h>

#include "unicode.h"

/* --- escaping --- */

/* Characters written as the visible text \uXXXX: the ones the text report
 * escapes (they could hide or reorder what is shown) and the
 * noncharacters, which HTML calls parse errors. */
static bool shown_escaped(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || (cp >= 0xfdd0 && cp <= 0xfdef) ||
	       (cp & 0xfffe) == 0xfffe;
}

/* The length of the character at s (1 for a byte that is not UTF-8) and
 * its code point (U+FFFD for such a byte). */
static size_t char_at(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t len = esp_utf8_decode(s, n, cp);
	if (len == 0 || (*cp >= 0xd800 && *cp <= 0xdfff)) {
		*cp = ESP_REPLACEMENT_CHAR;
		return 1;
	}
	return len;
}

int html_write(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	while (i < len) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x7f && c != '&' && c != '<' && c != '>' && c != '"' &&
		    c != '\'') {
			i++;
			continue;
		}
		uint32_t cp = c;
		size_t n = 1;
		bool invalid = false;
		if (c >= 0x80) {
			n = char_at(p + i, len - i, &cp);
			invalid = cp == ESP_REPLACEMENT_CHAR && n == 1;
			if (!invalid && !shown_escaped(cp)) {
				i += n;
				continue;
			}
		}
		if (i > run && fwrite(p + run, 1, i - run, out) != i - run)
			return -1;
		int rc;
		if (invalid) {
			rc = fputs("\xef\xbf\xbd", out);
		} else {
			switch (cp) {
			case '&': rc = fputs("&amp;", out); break;
			case '<': rc = fputs("&lt;", out); break;
			case '>': rc = fputs("&gt;", out); break;
			case '"': rc = fputs("&quot;", out); break;
			case '\'': rc = fputs("&#39;", out); break;
			default: rc = fprintf(out, "\\u%04" PRIx32, cp); break;
			}
		}
		if (rc < 0)
			return -1;
		i += n;
		run = i;
	}
	if (i > run && fwrite(p + run, 1, i - run, out) != i - run)
		return -1;
	return 0;
}

int html_cstr(FILE *out, const char *s)
{
	return s == NULL ? 0 : html_write(out, s, strlen(s));
}

int html_elided(FILE *out, const char *s, size_t max)
{
	if (s == NULL)
		return 0;
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), chars = 0;
	uint32_t cp;
	for (size_t i = 0; i < len; i += char_at(p + i, len - i, &cp))
		chars++;
	if (max < 3 || chars <= max)
		return html_write(out, s, len);
	size_t head = (max - 1) / 2, tail_from = chars - (max - 1 - head);
	size_t head_end = 0, tail_start = 0, k = 0;
	for (size_t i = 0; i < len; i += char_at(p + i, len - i, &cp), k++) {
		if (k == head)
			head_end = i;
		if (k == tail_from)
			tail_start = i;
	}
	if (html_write(out, s, head_end) || fputs("\xe2\x80\xa6", out) < 0)
		return -1;
	return html_write(out, s + tail_start, len - tail_start);
}

/* --- the document --- */

typedef struct section {
	char *body;                  /* malloc'd HTML */
	size_t len;
	char *path;                  /* malloc'd; NULL when the report had none */
	bool unreadable;
	espdiag_outcome outcome;
	bool incomplete;
	size_t errors, warnings, infos;
} section;

struct espdiag_html {
	char *title;                 /* malloc'd, NULL for the default */
	section *sections;
	size_t count, cap;
};

static const char style[] =
	":root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;"
	"--zebra:#f6f8fa;--panel:#f6f8fa;--ni:#8c959f;--ip:#bf8700;--ok:#1a7f37;--fail:#cf222e;"
	"--other:#8250df;--shade:#0969da;--link:#0969da}\n"
	"@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;"
	"--line:#3d444d;--zebra:#151b23;--panel:#151b23;--ni:#6e7681;--ip:#d29922;--ok:#3fb950;"
	"--fail:#f85149;--other:#a371f7;--shade:#4493f8;--link:#4493f8}}\n"
	"body{margin:0;padding:1rem 1.5rem;background:var(--bg);color:var(--fg);"
	"font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif}\n"
	"a{color:var(--link)}h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.25rem;"
	"margin:1.5rem 0 .5rem;border-bottom:1px solid var(--line);overflow-wrap:anywhere}"
	"h3{font-size:1.05rem;margin:1rem 0 .4rem}h4{font-size:.95rem;margin:.8rem 0 .3rem}"
	"h5{font-size:.9rem;margin:0 0 .3rem}\n"
	"code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
	"overflow-wrap:anywhere}.muted,.note{color:var(--muted)}\n"
	".layout{display:grid;grid-template-columns:minmax(0,1fr) 22rem;gap:1.5rem;"
	"align-items:start}.side{position:sticky;top:0;max-height:100vh;overflow:auto}\n"
	"@media (max-width:70rem){.layout{display:block}.side{position:static;max-height:none}}\n"
	"svg.gantt{display:block;max-width:100%;height:auto;background:var(--bg)}\n"
	".gantt text{font:11.5px system-ui,sans-serif;fill:var(--fg)}"
	".gantt .tick,.gantt .date,.gantt .zone,.gantt .nobar{fill:var(--muted)}"
	".gantt .tick{text-anchor:middle}.gantt .zone{text-anchor:end}.gantt .zone-note{fill:var(--muted)}"
	".gantt .date{font-weight:600}.gantt .label.has-finding{fill:var(--fail);font-weight:600}"
	".gantt .lane-label{font-weight:600}.gantt .grid{stroke:var(--line);stroke-width:1}"
	".gantt .zebra{fill:var(--zebra)}.gantt .shade{fill:var(--shade);opacity:.06}"
	".gantt .timeout line{stroke:var(--fail);stroke-width:2;stroke-dasharray:6 4}"
	".gantt .line-label{fill:var(--fail);text-anchor:end}\n"
	"[data-bar=not_installed]{fill:var(--ni)}[data-bar=in_progress]{fill:var(--ip)}"
	"[data-bar=completed]{fill:var(--ok)}[data-bar=failed]{fill:var(--fail)}"
	"[data-bar=other]{fill:var(--other)}"
	".s-not_installed,.st-not_started,.st-unknown,.st-skipped{fill:var(--ni)}"
	".s-in_progress,.st-in_progress,.st-identifying{fill:var(--ip)}"
	".s-completed,.st-completed{fill:var(--ok)}.s-failed,.st-failed{fill:var(--fail)}"
	".s-other{fill:var(--other)}.band{opacity:.85}"
	".mk-failure{fill:var(--fail);stroke:var(--bg);stroke-width:1.5}"
	".mk-start{fill:var(--shade)}.mk-event{fill:var(--other)}"
	".mk-log{fill:var(--fg);stroke:var(--bg);stroke-width:1}\n"
	".gantt g.dim{opacity:.18}.filter input[type=search]{width:18rem;max-width:60%}\n"
	".legend{list-style:none;padding:0;margin:.4rem 0;display:flex;flex-wrap:wrap;gap:.3rem 1rem}"
	".sw{margin-right:.3em}.sw.s-not_installed{color:var(--ni)}.sw.s-in_progress"
	"{color:var(--ip)}.sw.s-completed{color:var(--ok)}.sw.s-failed{color:var(--fail)}"
	".sw.s-other{color:var(--other)}.sw.timeout{color:var(--fail);font-weight:700}\n"
	".outcome{padding:.6rem .8rem;border-radius:6px;border-left:6px solid var(--ni);"
	"background:var(--panel);font-size:1.05rem}.o-failed{border-color:var(--fail)}"
	".o-completed{border-color:var(--ok)}.o-in_progress{border-color:var(--ip)}\n"
	"dl.facts{display:grid;grid-template-columns:auto 1fr;gap:.15rem .8rem;margin:.6rem 0}"
	"dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}\n"
	".finding{border:1px solid var(--line);border-left:5px solid var(--ni);border-radius:6px;"
	"padding:.5rem .7rem;margin:.5rem 0;background:var(--bg);break-inside:avoid}"
	".sev-error{border-left-color:var(--fail)}.sev-warning{border-left-color:var(--ip)}"
	".sev{font-size:.75rem;text-transform:uppercase;font-weight:700;margin-right:.3rem}"
	".sev-error .sev{color:var(--fail)}.sev-warning .sev{color:var(--ip)}"
	".finding p{margin:.3rem 0;overflow-wrap:anywhere}"
	"ul.evidence{margin:.2rem 0;padding-left:1.2rem;font-size:.85rem}\n"
	"table{border-collapse:collapse;width:100%;font-size:.85rem}th,td{text-align:left;"
	"padding:.25rem .5rem;border-bottom:1px solid var(--line);vertical-align:top;"
	"overflow-wrap:anywhere}th{background:var(--panel)}tr.failed td:first-child"
	"{border-left:4px solid var(--fail)}\n"
	"nav.index ol{padding-left:1.5rem}.error{color:var(--fail)}\n"
	"@page{margin:12mm}\n"
	"@media print{:root{--bg:#fff;--fg:#000;--panel:#f3f3f3;--zebra:#f5f5f5}"
	"body{padding:0;font-size:10pt}*{print-color-adjust:exact;-webkit-print-color-adjust:exact}"
	".layout{display:block}.side{position:static;max-height:none;overflow:visible}"
	".filter{display:none}"
	"section.run+section.run{break-before:page}tr,.finding{break-inside:avoid}}\n";

/*
 * The one script: a filter above each chart (rows by name, id or state
 * text, or failed only) that dims the chart's other rows and hides the
 * apps table's; "#filter=TEXT" in the address fills it in. The report
 * reads fully without it: the script only adds the control. The document's
 * Content-Security-Policy allows this script by its SHA-256 (SCRIPT_HASH,
 * checked by tests/html.sh) and no other.
 */
static const char script[] =
	"(function () {\n"
	"'use strict';\n"
	"var m = /^#filter=(.*)$/.exec(location.hash), initial = '';\n"
	"try { initial = m ? decodeURIComponent(m[1]) : ''; } catch (e) { initial = ''; }\n"
	"function each(list, fn) { Array.prototype.forEach.call(list, fn); }\n"
	"each(document.querySelectorAll('section.run'), function (s) {\n"
	"var svg = s.querySelector('svg.gantt');\n"
	"if (!svg) return;\n"
	"var box = document.createElement('p'), text = document.createElement('input');\n"
	"var label = document.createElement('label'), failed = document.createElement('input');\n"
	"box.className = 'filter';\n"
	"text.type = 'search';\n"
	"text.placeholder = 'Filter rows by name, id or state';\n"
	"text.setAttribute('aria-label', text.placeholder);\n"
	"text.value = initial;\n"
	"failed.type = 'checkbox';\n"
	"label.appendChild(failed);\n"
	"label.appendChild(document.createTextNode(' failed only'));\n"
	"box.appendChild(text);\n"
	"box.appendChild(document.createTextNode(' '));\n"
	"box.appendChild(label);\n"
	"svg.parentNode.insertBefore(box, svg);\n"
	"function apply() {\n"
	"var q = text.value.trim().toLowerCase(), f = failed.checked;\n"
	"function keep(t, bad) { return (!q || t.toLowerCase().indexOf(q) >= 0) && (!f || bad); }\n"
	"each(s.querySelectorAll('g[data-row]'), function (g) {\n"
	"var t = g.querySelector('text title');\n"
	"g.classList.toggle('dim', !keep(t ? t.textContent : '', g.getAttribute('data-state') === 'failed'));\n"
	"});\n"
	"each(s.querySelectorAll('tr[data-app]'), function (r) {\n"
	"r.hidden = !keep(r.textContent, r.classList.contains('failed'));\n"
	"});\n"
	"}\n"
	"text.addEventListener('input', apply);\n"
	"failed.addEventListener('change', apply);\n"
	"if (initial) apply();\n"
	"});\n"
	"})();\n";
#define SCRIPT_HASH "sha256-usEzbSP02BqTe4eJdtKGMdcRNJ8moBpEnNtZ4EtrSW0="

const char *html_phase_title(uint32_t phase)
{
	switch (phase) {
	case ESPDIAG_ESP_PHASE_DEVICE_PREPARATION: return "Device preparation";
	case ESPDIAG_ESP_PHASE_DEVICE_SETUP: return "Device setup";
	case ESPDIAG_ESP_PHASE_ACCOUNT_SETUP: return "Account setup";
	case CHART_PHASE_DEVPREP_V2: return "Device preparation (v2)";
	default: return "Other";
	}
}

const char *chart_phase_name(uint32_t phase)
{
	if (phase == CHART_PHASE_DEVPREP_V2)
		return "device_preparation_v2";
	const char *name = espdiag_esp_phase_name(phase);
	return name ? name : "other";
}

void html_phase(FILE *out, uint32_t phase, const char *sid)
{
	fputs(html_phase_title(phase), out);
	if (sid != NULL) {
		fputs(" (", out);
		html_cstr(out, sid);
		putc(')', out);
	}
}

/* A state name for people: "in_progress" -> "in progress" (our own names). */
static void human(FILE *out, const char *name)
{
	for (; name && *name; name++)
		putc(*name == '_' ? ' ' : *name, out);
}

static void counts(FILE *out, size_t e, size_t w, size_t i)
{
	fprintf(out, "%zu error%s, %zu warning%s, %zu info%s", e, e == 1 ? "" : "s", w,
	        w == 1 ? "" : "s", i, i == 1 ? "" : "s");
}

/* <dt>name</dt><dd>value escaped</dd>, nothing when value is NULL. */
static void fact(FILE *out, const char *name, const char *value)
{
	if (value == NULL)
		return;
	fprintf(out, "<dt>%s</dt><dd>", name);
	html_cstr(out, value);
	fputs("</dd>", out);
}

static void code_text(FILE *out, const espdiag_finding *f)
{
	uint32_t code;
	int64_t exit_code;
	if (espdiag_finding_error_code(&code, f) != ESPDIAG_OK)
		return;
	const espdiag_error_info *info = NULL;
	espdiag_error_describe(&info, code);
	fprintf(out, "<p class=\"code\"><strong>Error code:</strong> <code>0x%08" PRIx32 "</code>",
	        code);
	if (info != NULL && info->symbol != NULL)
		fprintf(out, " <code>%s</code>", info->symbol);
	if (espdiag_finding_exit_code(&exit_code, f) == ESPDIAG_OK)
		fprintf(out, ", installer exit code %" PRId64, exit_code);
	if (info != NULL) {
		fputs(": ", out);
		html_cstr(out, info->meaning);
		if (info->flags & ESPDIAG_ERROR_COMMUNITY_ONLY)
			fputs(" (reported by the community, not documented by Microsoft)", out);
	}
	fputs("</p>", out);
}

static void finding_html(FILE *out, const espdiag_finding *f, size_t run, size_t index)
{
	const char *sev = espdiag_severity_name(espdiag_finding_severity(f));
	fprintf(out,
	        "<article class=\"finding sev-%s\" id=\"finding-%zu-%zu\" data-finding=\"%s\" "
	        "data-severity=\"%s\"><h5><span class=\"sev\">%s</span><code>%s</code> ",
	        sev, run, index, espdiag_finding_id(f), sev, sev, espdiag_finding_id(f));
	html_cstr(out, espdiag_finding_title(f));
	fputs("</h5><p>", out);
	html_cstr(out, espdiag_finding_detail(f));
	fputs("</p><p class=\"remedy\"><strong>What to do:</strong> ", out);
	html_cstr(out, espdiag_finding_remediation(f));
	fputs("</p>", out);
	code_text(out, f);
	size_t n = espdiag_finding_evidence_count(f);
	if (n > 0) {
		fputs("<ul class=\"evidence\">", out);
		for (size_t i = 0; i < n; i++) {
			const char *value = espdiag_finding_evidence_value(f, i);
			const char *data = espdiag_finding_evidence_data(f, i);
			fputs("<li><code>", out);
			html_cstr(out, espdiag_finding_evidence_key(f, i));
			fputs("</code>", out);
			if (value != NULL || data != NULL) {
				fputs("<br><code>", out);
				html_cstr(out, value);
				fputs(value && data ? "</code> = <code>" : "", out);
				html_cstr(out, data);
				fputs("</code>", out);
			}
			fputs("</li>", out);
		}
		fputs("</ul>", out);
	}
	fputs("</article>", out);
}

/* The findings grouped as the text report groups them: without a phase,
 * each phase of the report (its status in the heading), then the rest. */
static void findings_html(FILE *out, const espdiag_report *r, size_t run)
{
	bool *shown = r->finding_count ? calloc(r->finding_count, sizeof *shown) : NULL;
	bool oom = r->finding_count && shown == NULL;
	fprintf(out, "<h3>Findings</h3>");
	if (r->finding_count == 0)
		fputs("<p class=\"muted\">No finding.</p>", out);
	bool general = false;
	for (size_t i = 0; i < r->finding_count; i++) {
		if (!oom && r->findings[i]->phase != 0)
			continue;
		if (!general)
			fputs("<h4>General</h4>", out);
		general = true;
		finding_html(out, r->findings[i], run, i);
		if (!oom)
			shown[i] = true;
	}
	size_t user = 0;
	for (size_t k = 0; !oom && k < r->phase_count; k++) {
		const diag_phase *ph = &r->phases[k];
		size_t u = ph->phase == ESPDIAG_ESP_PHASE_ACCOUNT_SETUP ? user++ : 0;
		fprintf(out, "<h4 data-phase=\"%s\">", espdiag_esp_phase_name(ph->phase));
		html_phase(out, ph->phase, ph->sid);
		fputs(": ", out);
		human(out, espdiag_esp_phase_status_name(ph->status));
		fputs("</h4>", out);
		for (size_t i = 0; i < r->finding_count; i++) {
			const espdiag_finding *f = r->findings[i];
			if (!shown[i] && f->phase == ph->phase && f->user == u) {
				finding_html(out, f, run, i);
				shown[i] = true;
			}
		}
	}
	bool other = false;
	for (size_t i = 0; !oom && i < r->finding_count; i++) {
		if (shown[i])
			continue;
		if (!other)
			fputs("<h4>Other</h4>", out);
		other = true;
		finding_html(out, r->findings[i], run, i);
	}
	free(shown);
}

static void facts_html(FILE *out, const espdiag_report *r, const espdiag_esp *esp,
                       const chart *c)
{
	fprintf(out, "<div class=\"outcome o-%s\" data-outcome=\"%s\"><strong>",
	        espdiag_outcome_name(r->outcome), espdiag_outcome_name(r->outcome));
	human(out, espdiag_outcome_name(r->outcome));
	fputs("</strong> &#8212; ", out);
	counts(out, r->errors, r->warnings_n, r->infos);
	if (r->incomplete)
		fputs("<br>Incomplete: the input is damaged, so some conclusions were withheld.", out);
	fputs("</div><dl class=\"facts\">", out);
	/* The flow the device went through, as the report decided it. */
	const char *scenario = espdiag_esp_scenario_name(espdiag_report_scenario(r));
	fprintf(out, "<dt>Scenario</dt><dd data-scenario=\"%s\">%s</dd>", scenario, scenario);
	if (esp != NULL) {
		const espdiag_esp_autopilot *ap = espdiag_esp_autopilot_info(esp);
		const espdiag_esp_enrollment *en = espdiag_esp_primary_enrollment(esp);
		fact(out, "Profile", ap->profile_name);
		fact(out, "Tenant", ap->tenant_domain ? ap->tenant_domain : ap->tenant_id);
		if (en != NULL)
			fact(out, "User", en->upn);
		const espdiag_esp_first_sync *fs = en ? en->first_sync : NULL;
		fprintf(out, "<dt>ESP timeout</dt><dd>%u min%s</dd>",
		        fs ? fs->timeout_minutes : ESPDIAG_ESP_DEFAULT_TIMEOUT_MINUTES,
		        fs == NULL ? " (no FirstSync: the default)"
		        : fs->timeout_is_default ? " (the default: SyncFailureTimeout is absent)"
		                                 : "");
		const espdiag_esp_devprep *d = espdiag_esp_devprep_info(esp);
		if (d->in_use && d->page_timeout_seconds.has)
			fprintf(out, "<dt>Device preparation timeout</dt><dd>%" PRIu32 " s "
			        "(PageTimeoutSeconds)</dd>",
			        d->page_timeout_seconds.value);
	}
	if (c != NULL) {
		chart_time first = 0, last = 0;
		bool any = false;
		for (size_t i = 0; i < c->band_count; i++) {
			const chart_band *b = &c->bands[i];
			if (!b->has_span)
				continue;
			if (!any || b->start < first)
				first = b->start;
			if (!any || b->end > last)
				last = b->end;
			any = true;
		}
		if (any) {
			char a[CHART_TIME_BUFSIZE], z[CHART_TIME_BUFSIZE], d[CHART_TIME_BUFSIZE];
			chart_time_format(a, first, false);
			chart_time_format(z, last, false);
			chart_duration_format(d, last - first);
			fprintf(out, "<dt>Evidence spans</dt><dd>%s to %s UTC (%s)</dd>", a, z, d);
		}
	}
	/* The text report's clock line where the report has one (the
	 * bundle's IME logs gave the model apps), else the chart's offset. */
	if (r->clock != NULL)
		fact(out, "Device time", r->clock);
	else if (c != NULL && c->has_utc_offset)
		fprintf(out, "<dt>Device time</dt><dd>UTC%+03d:%02d</dd>", c->utc_offset_minutes / 60,
		        (c->utc_offset_minutes < 0 ? -c->utc_offset_minutes : c->utc_offset_minutes) %
		                60);
	else if (c != NULL)
		fputs("<dt>Device time</dt><dd>offset from UTC unknown: times are UTC only</dd>", out);
	fputs("</dl>", out);
}

static void legend_html(FILE *out, const chart *c)
{
	bool event = false, log = false;
	for (size_t i = 0; i < c->marker_count; i++) {
		event |= c->markers[i].kind == CHART_MARK_EVENT;
		log |= c->markers[i].kind == CHART_MARK_LOG;
	}
	for (size_t i = 0; i < c->row_count; i++)
		for (size_t j = 0; j < c->rows[i]->marker_count; j++) {
			event |= c->rows[i]->markers[j].kind == CHART_MARK_EVENT;
			log |= c->rows[i]->markers[j].kind == CHART_MARK_LOG;
		}
	static const struct {
		const char *cls, *text;
	} items[] = {
		{ "s-not_installed", "not installed" }, { "s-in_progress", "in progress / not processed" },
		{ "s-completed", "completed / processed" }, { "s-failed", "failed" },
		{ "s-other", "other state" },
	};
	fputs("<ul class=\"legend\">", out);
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
		fprintf(out, "<li><span class=\"sw %s\">&#9632;</span>%s</li>", items[i].cls,
		        items[i].text);
	fputs("<li><span class=\"sw timeout\">&#8942;</span>timeout</li>", out);
	fputs("<li><svg width=\"12\" height=\"12\" viewBox=\"0 0 12 12\" aria-hidden=\"true\">"
	      "<path class=\"mk-failure\" d=\"M0 6l6 -6 6 6 -6 6z\"/></svg> failure</li>",
	      out);
	if (event)
		fputs("<li><svg width=\"12\" height=\"12\" viewBox=\"0 0 12 12\" aria-hidden=\"true\">"
		      "<circle class=\"mk-event\" cx=\"6\" cy=\"6\" r=\"4\"/></svg> event log record</li>",
		      out);
	if (log)
		fputs("<li><svg width=\"12\" height=\"12\" viewBox=\"0 0 12 12\" aria-hidden=\"true\">"
		      "<rect class=\"mk-log\" x=\"3\" y=\"3\" width=\"6\" height=\"6\"/></svg> IME log "
		      "milestone</li>",
		      out);
	fputs("</ul>", out);
}

/* The most attempts an app's cell lists; the count says how many there are. */
#define APP_ATTEMPTS_SHOWN 5

/* An app's attempts in the IME logs: their number, then each one's
 * outcome, exit code and install time. */
static void attempts_html(FILE *out, const espdiag_esp_log_app *a)
{
	if (a == NULL || a->attempt_count == 0) {
		fputs("&#8212;", out);
		return;
	}
	fprintf(out, "<span data-attempts=\"%zu\">%zu</span>:", a->attempt_count, a->attempt_count);
	for (size_t i = 0; i < a->attempt_count && i < APP_ATTEMPTS_SHOWN; i++) {
		const espdiag_esp_attempt *t = a->attempts[i];
		fprintf(out, "%s #%" PRIu32 " ", i ? ";" : "", t->number);
		human(out, espdiag_esp_attempt_outcome_name(t->outcome));
		if (t->has_exit_code)
			fprintf(out, ", exit %" PRIu32, t->exit_code);
		if (t->has_install_duration) {
			char d[CHART_TIME_BUFSIZE];
			chart_duration_format(d, t->install_duration_ms);
			fprintf(out, ", %s", d);
		}
	}
	if (a->attempt_count > APP_ATTEMPTS_SHOWN)
		fprintf(out, "; &#8230; %zu more", a->attempt_count - APP_ATTEMPTS_SHOWN);
}

/* The last attempt the logs give, NULL when none. */
static const espdiag_esp_attempt *last_attempt(const chart_row *r)
{
	const espdiag_esp_log_app *a = r->log_app;
	return a && a->attempt_count ? a->attempts[a->attempt_count - 1] : NULL;
}

static void apps_html(FILE *out, const chart *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->row_count; i++)
		n += c->rows[i]->app;
	fprintf(out, "<h3>Apps</h3>");
	if (n == 0) {
		fputs("<p class=\"muted\">No tracked app.</p>", out);
		return;
	}
	fputs("<table class=\"apps\"><thead><tr><th>Name</th><th>Id</th><th>Phase</th>"
	      "<th>State</th><th>Attempts</th><th>Duration</th><th>Error code</th>"
	      "<th>Exit code</th></tr></thead><tbody>",
	      out);
	for (size_t i = 0; i < c->row_count; i++) {
		const chart_row *r = c->rows[i];
		if (!r->app)
			continue;
		fprintf(out, "<tr data-app=\"%s\"%s><td>", r->kind,
		        r->final == CHART_FAILED ? " class=\"failed\"" : "");
		html_cstr(out, r->name);
		fputs("</td><td><code>", out);
		html_cstr(out, r->id);
		fputs("</code></td><td>", out);
		html_phase(out, r->phase, r->sid);
		fputs("</td><td>", out);
		html_cstr(out, r->state);
		fputs("</td><td>", out);
		attempts_html(out, r->log_app);
		fputs("</td><td>", out);
		/* The evidence's own time first; else the last attempt's install
		 * time in the IME logs. */
		const espdiag_esp_attempt *last = last_attempt(r);
		char d[CHART_TIME_BUFSIZE];
		if (r->has_duration) {
			chart_duration_format(d, r->duration);
			fprintf(out, "%s%s", r->duration_upper_bound ? "&#8804; " : "", d);
		} else if (last != NULL && last->has_install_duration) {
			chart_duration_format(d, last->install_duration_ms);
			fprintf(out, "%s (install, attempt %" PRIu32 ")", d, last->number);
		} else {
			fputs("<span class=\"muted\">&#8212;</span>", out);
		}
		fputs("</td><td>", out);
		if (r->has_error_code)
			fprintf(out, "<code>0x%08" PRIx32 "</code>", r->error_code);
		else if (last != NULL && last->has_hresult && last->outcome == ESPDIAG_ESP_ATTEMPT_FAILED)
			fprintf(out, "<code>0x%08" PRIx32 "</code>", last->hresult);
		fputs("</td><td>", out);
		if (r->has_exit_code)
			fprintf(out, "%" PRId64, r->exit_code);
		else if (last != NULL && last->has_exit_code)
			fprintf(out, "%" PRIu32, last->exit_code);
		fputs("</td></tr>", out);
	}
	fputs("</tbody></table>", out);
}

static void warning_html(FILE *out, const espdiag_warning *w, const char *where)
{
	fprintf(out, "<li>%s", where);
	if (w->line > 0)
		fprintf(out, " line %" PRIu64 ", column %" PRIu64 ": ", w->line, w->column);
	else
		fprintf(out, " offset %" PRIu64 ": ", w->offset);
	html_cstr(out, w->message);
	fputs("</li>", out);
}

static void input_html(FILE *out, const espdiag_report *r, const espdiag_esp *esp)
{
	fputs("<h3>Input</h3><dl class=\"facts\">", out);
	fact(out, "Source", r->path ? r->path : "(not given)");
	fact(out, "Format", r->format);
	fact(out, "Encoding", r->encoding);
	fact(out, "Dialect", r->dialect);
	fact(out, "Member", r->member);
	fputs("</dl>", out);
	if (r->members != NULL && *r->members != '\0') {
		fputs("<p>Other members:</p><ul>", out);
		for (const char *m = r->members; *m != '\0';) {
			size_t len = strcspn(m, "\n");
			fputs("<li><code>", out);
			html_write(out, m, len);
			fputs("</code></li>", out);
			m += len + (m[len] == '\n');
		}
		fputs("</ul>", out);
	}
	size_t model = esp ? espdiag_esp_warning_count(esp) : 0;
	fprintf(out, "<h3>Warnings</h3>");
	if (r->warning_count + model == 0) {
		fputs("<p class=\"muted\">None.</p>", out);
		return;
	}
	fputs("<ul class=\"warnings\">", out);
	for (size_t i = 0; i < r->warning_count; i++)
		warning_html(out, &r->warnings[i], "input");
	for (size_t i = 0; i < model; i++)
		warning_html(out, espdiag_esp_warning_at(esp, i), "model");
	fputs("</ul>", out);
}

static int section_html(FILE *out, const espdiag_report *r, const espdiag_esp *esp,
                        size_t run)
{
	chart c;
	chart_init(&c);
	int rc = esp ? chart_from_esp(&c, esp) : ESPDIAG_OK;
	if (rc == ESPDIAG_OK)
		rc = chart_finish(&c);
	if (rc != ESPDIAG_OK) {
		chart_free(&c);
		return rc;
	}
	chart_link_findings(&c, r);
	fprintf(out, "<section class=\"run\" id=\"run-%zu\" data-run=\"%zu\"><h2>", run, run);
	html_cstr(out, r->path ? r->path : "ESP report");
	fputs("</h2><div class=\"layout\"><div class=\"picture\"><h3>Timeline</h3>", out);
	if (esp != NULL) {
		chart_write_svg(&c, r, out);
		legend_html(out, &c);
		fputs("<p class=\"note\">Times are UTC, from the ESPTrackingInfo snapshots' key names: "
		      "between two snapshots an item is in the state of the earlier one. Hover a bar, "
		      "a marker or a name for its times and evidence; there, a key's leading &#8230; "
		      "stands for " HTML_EST_PATH ".</p>",
		      out);
		for (size_t i = 0; i < c.band_count; i++)
			if (c.bands[i].phase == CHART_PHASE_DEVPREP_V2 && c.bands[i].has_span)
				fputs("<p class=\"note\">Device preparation (v2): its workloads' times are "
				      "the IME's StartTime and EndTime (ProvisioningProgress); a bar in the "
				      "in-progress colour runs from one to the other, then the workload's "
				      "state.</p>",
				      out);
		if (c.has_utc_offset)
			fprintf(out, "<p class=\"note\">The device's local time (UTC%+03d:%02d) is beside "
			        "UTC on the axis and in each tooltip.</p>",
			        c.utc_offset_minutes / 60,
			        (c.utc_offset_minutes < 0 ? -c.utc_offset_minutes : c.utc_offset_minutes) %
			                60);
		else
			fputs("<p class=\"note\">The device's offset from UTC is unknown: times are shown "
			      "in UTC only.</p>",
			      out);
		for (size_t i = 0; i < c.note_count; i++) {
			fputs("<p class=\"note\">", out);
			html_cstr(out, c.notes[i]);
			fputs("</p>", out);
		}
	} else {
		fputs("<p class=\"muted\">No timeline: the ESP model was not given to the "
		      "writer.</p>",
		      out);
	}
	fputs("</div><div class=\"side\">", out);
	facts_html(out, r, esp, esp ? &c : NULL);
	findings_html(out, r, run);
	fputs("</div></div>", out);
	if (esp != NULL)
		apps_html(out, &c);
	input_html(out, r, esp);
	fputs("</section>\n", out);
	chart_free(&c);
	return ESPDIAG_OK;
}

/* --- the handle --- */

static char *dup_or_null(const char *s, bool *oom)
{
	if (s == NULL)
		return NULL;
	char *d = strdup(s);
	if (d == NULL)
		*oom = true;
	return d;
}

int espdiag_html_new(espdiag_html **out, const espdiag_html_options *opts)
{
	if (out == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	if (opts != NULL && (opts->version < 1 || opts->version > ESPDIAG_HTML_OPTIONS_VERSION))
		return ESPDIAG_EINVAL;
	espdiag_html *h = calloc(1, sizeof *h);
	bool oom = h == NULL;
	if (h != NULL && opts != NULL)
		h->title = dup_or_null(opts->title, &oom);
	if (oom) {
		espdiag_html_free(h);
		return ESPDIAG_ENOMEM;
	}
	*out = h;
	return ESPDIAG_OK;
}

void espdiag_html_free(espdiag_html *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->count; i++) {
		free(h->sections[i].body);
		free(h->sections[i].path);
	}
	free(h->sections);
	free(h->title);
	free(h);
}

/* A new section whose body the caller writes to *mem. */
static int section_open(espdiag_html *h, const char *path, FILE **mem)
{
	if (esp_reserve_one((void **)&h->sections, h->count, &h->cap, sizeof *h->sections, 4))
		return ESPDIAG_ENOMEM;
	section *s = &h->sections[h->count];
	memset(s, 0, sizeof *s);
	bool oom = false;
	s->path = dup_or_null(path, &oom);
	*mem = oom ? NULL : open_memstream(&s->body, &s->len);
	if (*mem == NULL) {
		free(s->path);
		return ESPDIAG_ENOMEM;
	}
	return ESPDIAG_OK;
}

/* Ends the section section_open() began: kept when rc is OK. */
static int section_close(espdiag_html *h, FILE *mem, int rc)
{
	section *s = &h->sections[h->count];
	bool bad = ferror(mem) != 0;
	if (fclose(mem) != 0 || bad)
		rc = rc ? rc : ESPDIAG_ENOMEM;
	if (rc != ESPDIAG_OK) {
		free(s->body);
		free(s->path);
		return rc;
	}
	h->count++;
	return ESPDIAG_OK;
}

int espdiag_html_add(espdiag_html *h, const espdiag_report *r, const espdiag_esp *esp)
{
	if (h == NULL || r == NULL)
		return ESPDIAG_EINVAL;
	FILE *mem;
	int rc = section_open(h, r->path, &mem);
	if (rc != ESPDIAG_OK)
		return rc;
	section *s = &h->sections[h->count];
	s->outcome = r->outcome;
	s->incomplete = r->incomplete;
	s->errors = r->errors;
	s->warnings = r->warnings_n;
	s->infos = r->infos;
	return section_close(h, mem, section_html(mem, r, esp, h->count + 1));
}

int espdiag_html_add_error(espdiag_html *h, const char *path, const char *message)
{
	if (h == NULL || path == NULL)
		return ESPDIAG_EINVAL;
	FILE *mem;
	int rc = section_open(h, path, &mem);
	if (rc != ESPDIAG_OK)
		return rc;
	section *s = &h->sections[h->count];
	s->unreadable = true;
	size_t run = h->count + 1;
	fprintf(mem, "<section class=\"run\" id=\"run-%zu\" data-run=\"%zu\" "
	        "data-outcome=\"unreadable\"><h2>", run, run);
	html_cstr(mem, path);
	fputs("</h2><p class=\"error\">This input could not be read", mem);
	if (message != NULL) {
		fputs(": ", mem);
		html_cstr(mem, message);
	}
	fputs(".</p></section>\n", mem);
	return section_close(h, mem, ESPDIAG_OK);
}

static void index_html(FILE *out, const espdiag_html *h)
{
	fprintf(out, "<nav class=\"index\"><h2>Inputs (%zu)</h2><ol>", h->count);
	for (size_t i = 0; i < h->count; i++) {
		const section *s = &h->sections[i];
		fprintf(out, "<li><a href=\"#run-%zu\">", i + 1);
		html_cstr(out, s->path ? s->path : "ESP report");
		fputs("</a> &#8212; ", out);
		if (s->unreadable) {
			fputs("<span class=\"error\">could not be read</span></li>", out);
			continue;
		}
		human(out, espdiag_outcome_name(s->outcome));
		fputs(s->incomplete ? " (incomplete), " : ", ", out);
		counts(out, s->errors, s->warnings, s->infos);
		fputs("</li>", out);
	}
	fputs("</ol></nav>\n", out);
}

int espdiag_html_write(const espdiag_html *h, FILE *out)
{
	if (h == NULL || out == NULL)
		return ESPDIAG_EINVAL;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src '" SCRIPT_HASH "'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"color-scheme\" content=\"light dark\">\n",
	      out);
	fprintf(out, "<meta name=\"generator\" content=\"libespdiag %s\">\n<title>",
	        espdiag_version());
	const char *only = h->count == 1 ? h->sections[0].path : NULL;
	if (h->title != NULL) {
		html_cstr(out, h->title);
	} else {
		fputs("ESP report", out);
		if (only != NULL) {
			fputs(": ", out);
			html_cstr(out, only);
		}
	}
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header><h1>", style);
	html_cstr(out, h->title ? h->title : "Enrollment Status Page report");
	fprintf(out, "</h1><p class=\"muted\">Written by libespdiag %s.</p></header>\n<main>\n",
	        espdiag_version());
	if (h->count > 1)
		index_html(out, h);
	if (h->count == 0)
		fputs("<p class=\"muted\">No input.</p>\n", out);
	for (size_t i = 0; i < h->count; i++)
		fwrite(h->sections[i].body, 1, h->sections[i].len, out);
	fprintf(out, "</main>\n<script>%s</script>\n</body>\n</html>\n", script);
	return ferror(out) ? ESPDIAG_EIO : ESPDIAG_OK;
}

int espdiag_report_write_html(const espdiag_report *r, const espdiag_esp *esp,
                              const espdiag_html_options *opts, FILE *out)
{
	if (r == NULL || out == NULL)
		return ESPDIAG_EINVAL;
	espdiag_html *h;
	int rc = espdiag_html_new(&h, opts);
	if (rc == ESPDIAG_OK)
		rc = espdiag_html_add(h, r, esp);
	if (rc == ESPDIAG_OK)
		rc = espdiag_html_write(h, out);
	espdiag_html_free(h);
	return rc;
}

/*
 * lib/diagnose_page.c - the rules that read what other parts of Windows
 * say about the ESP: the page's own category status (esp-phase-failed)
 * and the Microsoft 365 Apps install through OfficeCSP
 * (office-install-failed). Both fire only on a state that was read, so
 * damage withholds neither.
 */
#include "diagnose_run.h"

#include <inttypes.h>
#include <string.h>

/* The page's timeout (EVIDENCE.md: the ESP page's code). */
#define PAGE_TIMEOUT_HRESULT 0x800705b4u

static const char *office_remedy(uint32_t status)
{
	/* Judgment from the Click-to-Run design, not from an ESP source: the
	 * CSP runs the Office Deployment Tool as SYSTEM, which downloads from
	 * the Office CDN and logs to SYSTEM's temp folder. */
	return status == ESPDIAG_ESP_MSI_DOWNLOAD_FAILED
	               ? "Check that the device reaches the Office content delivery network "
	                 "(officecdn.microsoft.com) through its proxy and firewall, and that "
	                 "Delivery Optimization is not blocked; then sync the device again."
	               : "Read the Click-to-Run logs in C:\\Windows\\Temp (the SYSTEM account's "
	                 "temp folder): an older MSI-based Office, an app that holds Office files "
	                 "open, or too little disk space stops the install; check the Microsoft "
	                 "365 Apps assignment (architecture, channel) in Intune.";
}

void diag_rule_office(diag_run *x)
{
	size_t n = espdiag_esp_office_count(x->esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_office *o = espdiag_esp_office_at(x->esp, i);
		if (!o->effective.has || (o->effective.value != ESPDIAG_ESP_MSI_DOWNLOAD_FAILED &&
		                          o->effective.value != ESPDIAG_ESP_MSI_ENFORCEMENT_FAILED))
			continue;
		bool dl = o->effective.value == ESPDIAG_ESP_MSI_DOWNLOAD_FAILED;
		const char *status = espdiag_esp_msi_status_name(o->effective.value);
		espdiag_finding *f = diag_add(
			x, RULE_OFFICE_INSTALL_FAILED, 0, NULL,
			diag_fmt(x, "Microsoft 365 Apps failed to %s (OfficeCSP %s)",
			         dl ? "download" : "install", o->id),
			diag_fmt(x,
			         "OfficeCSP\\%s has %s %" PRIu32 " (%s): the Microsoft 365 Apps install "
			         "%s.",
			         o->id, o->effective_value, o->effective.value, status,
			         dl ? "could not download its content" : "failed while installing"),
			office_remedy(o->effective.value));
		diag_subject(x, f, "office", o->id, "Microsoft 365 Apps", NULL);
		diag_ev(x, f, o->key, o->effective_value,
		        diag_fmt(x, "%" PRIu32 " (%s)", o->effective.value, status));
	}
}

/* A state the page ended on without success, and the words for it. */
static const char *failed_word(espdiag_esp_page_state state)
{
	switch (state) {
	case ESPDIAG_ESP_PAGE_FAILED: return "failed";
	case ESPDIAG_ESP_PAGE_CANCELLED: return "was cancelled";
	case ESPDIAG_ESP_PAGE_TIMED_OUT: return "timed out";
	/* failedFromPrevious* is the consequence of an earlier failure, which
	 * gets its own finding; not-started, running, rebooting are no end. */
	default: return NULL;
	}
}

/* " \"text\"" for a status text, "" when none. */
static const char *quoted(diag_run *x, const char *text)
{
	return text && *text ? diag_fmt(x, " (its status text: \"%s\")", text) : "";
}

static void page_finding(diag_run *x, const espdiag_esp_page_category *c,
                         const espdiag_esp_page_subcategory *sub)
{
	espdiag_esp_page_state state = sub ? sub->state : c->state;
	const char *word = failed_word(state);
	const char *name = sub ? sub->name : c->name;
	const char *raw = sub ? sub->state_raw : c->state_raw;
	bool timeout = state == ESPDIAG_ESP_PAGE_TIMED_OUT;
	const char *category = sub && failed_word(c->state)
	                               ? diag_fmt(x, " Its category %s %s%s.", c->name,
	                                          failed_word(c->state), quoted(x, c->status_text))
	                               : "";
	/* The older flat variant gives its subcategories' texts only. */
	if (sub == NULL && c->flat) {
		for (size_t j = 0; j < c->subcategory_count; j++) {
			const espdiag_esp_page_subcategory *s = c->subcategories[j];
			if (s->status_text && *s->status_text)
				category = diag_fmt(x, "%s %s says \"%s\".", category, s->name,
				                    s->status_text);
		}
	}
	espdiag_finding *f = diag_add(
		x, RULE_ESP_PHASE_FAILED, c->phase, NULL,
		diag_fmt(x, "The ESP page says %s %s", name, word),
		diag_fmt(x,
		         "The Enrollment Status Page's own status (%s) marks %s as %s%s.%s%s",
		         c->value, name, raw ? raw : espdiag_esp_page_state_name(state),
		         quoted(x, sub ? sub->status_text : c->status_text), category,
		         timeout ? diag_fmt(x, " The page timed out: %s.",
		                            diag_code_text(x, PAGE_TIMEOUT_HRESULT))
		                 : ""),
		timeout ? "The phase ran past the ESP timeout: find what was still installing (the "
		          "other findings of this phase, the timeline), then raise the timeout in "
		          "the ESP profile or take slow apps out of the blocking list."
		        : "The status text is what the user saw; the other findings of this phase "
		          "name the app, policy or step behind it.");
	bool user = c->phase == ESPDIAG_ESP_PHASE_ACCOUNT_SETUP;
	diag_subject_ctx(x, f, "phase",
	                 c->phase ? espdiag_esp_phase_name(c->phase) : c->name, name,
	                 user ? "user" : "device", NULL);
	diag_ev(x, f, c->key, c->value,
	        diag_fmt(x, "%s: %s", name, raw ? raw : espdiag_esp_page_state_name(state)));
	if (timeout)
		diag_set_code(f, PAGE_TIMEOUT_HRESULT);
}

void diag_rule_page(diag_run *x)
{
	size_t n = espdiag_esp_page_category_count(x->esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_page_category *c = espdiag_esp_page_category_at(x->esp, i);
		size_t subs = 0;
		for (size_t j = 0; j < c->subcategory_count; j++) {
			if (failed_word(c->subcategories[j]->state) == NULL)
				continue;
			page_finding(x, c, c->subcategories[j]);
			subs++;
		}
		/* A failed category whose subcategories say nothing more. */
		if (subs == 0 && failed_word(c->state) != NULL)
			page_finding(x, c, NULL);
	}
}

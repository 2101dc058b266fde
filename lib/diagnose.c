/*
 * lib/diagnose.c - the rule catalogue and the rules: each reads the ESP
 * model and adds a finding only when it can name the keys that show it.
 * Renderings and accessors live in report.c.
 */
#include "diagnose_run.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const espdiag_rule diag_rules[RULE_COUNT] = {
	{ "no-esp-data", ESPDIAG_SEVERITY_ERROR,
	  "neither an Enrollments\\*\\FirstSync key nor EnrollmentStatusTracking exists" },
	{ "os-too-old-for-win32-tracking", ESPDIAG_SEVERITY_INFO,
	  "FirstSync exists but EnrollmentStatusTracking does not (before Windows 10 1903)" },
	{ "phase-skipped", ESPDIAG_SEVERITY_INFO,
	  "SkipDeviceStatusPage or SkipUserStatusPage is set: that phase is not shown" },
	{ "ime-install-failed", ESPDIAG_SEVERITY_ERROR,
	  "the Sidecar (IME) device-preparation provider is in state 4" },
	{ "provider-install-failed", ESPDIAG_SEVERITY_ERROR,
	  "another device-preparation provider is in state 4" },
	{ "provider-not-installed", ESPDIAG_SEVERITY_WARNING,
	  "a device-preparation provider is still in state 1 (not installed)" },
	{ "tracking-policies-missing", ESPDIAG_SEVERITY_ERROR,
	  "a Setup\\Apps\\PolicyProviders\\<P> key lacks TrackingPoliciesCreated = 1" },
	{ "app-install-failed", ESPDIAG_SEVERITY_ERROR, "a tracked app is in state 4 (error)" },
	{ "app-install-incomplete", ESPDIAG_SEVERITY_WARNING,
	  "provisioning has not completed and tracked apps are still 1 or 2" },
	{ "account-setup-not-started", ESPDIAG_SEVERITY_WARNING,
	  "user ESP is on, device setup finished, and no user SID key exists" },
	{ "mixed-msi-win32", ESPDIAG_SEVERITY_WARNING,
	  "one phase tracks both LOB (MSI) apps and Win32 apps" },
	{ "timeout-too-short", ESPDIAG_SEVERITY_WARNING,
	  "SyncFailureTimeout is less than the tracked apps of a phase x the per-app allowance" },
	{ "msi-install-failed", ESPDIAG_SEVERITY_ERROR,
	  "an MSI app has Status 30 or 60, or its tracking entry never reached processed" },
	{ "cert-profile-pending", ESPDIAG_SEVERITY_ERROR,
	  "a SCEP/PFX certificate profile is not installed in the last snapshot" },
	{ "network-profile-pending", ESPDIAG_SEVERITY_ERROR,
	  "a Wi-Fi/VPN profile is not installed in the last snapshot" },
	{ "modern-app-pending", ESPDIAG_SEVERITY_WARNING,
	  "a Store app is not installed in the last snapshot" },
	{ "reboot-required", ESPDIAG_SEVERITY_INFO, "a tracked app asks for a soft or hard reboot" },
	{ "esp-completed", ESPDIAG_SEVERITY_INFO,
	  "every phase that ran completed and nothing failed" },
	{ "input-damaged", ESPDIAG_SEVERITY_WARNING,
	  "the reader skipped damaged parts of the input; findings may be incomplete" },
	{ "office-install-failed", ESPDIAG_SEVERITY_ERROR,
	  "OfficeCSP reports the Microsoft 365 Apps install failed (download or enforcement)" },
	{ "esp-phase-failed", ESPDIAG_SEVERITY_ERROR,
	  "the ESP page's own status says a phase or subcategory failed, was cancelled or "
	  "timed out" },
	{ "apv2-workload-failed", ESPDIAG_SEVERITY_ERROR,
	  "device preparation (v2): an IME workload (app or script) failed" },
	{ "apv2-page-failed", ESPDIAG_SEVERITY_ERROR,
	  "the device preparation page exited on failure (PageStatus 4)" },
	{ "apv2-timeout", ESPDIAG_SEVERITY_ERROR,
	  "device preparation ran past its page timeout; names what was still running" },
	{ "apv2-not-applied", ESPDIAG_SEVERITY_WARNING,
	  "the device was hinted to device preparation but no page settings arrived" },
	{ "app-detection-failed", ESPDIAG_SEVERITY_ERROR,
	  "a Win32 app's installer reported success but detection did not find the app "
	  "(the IME logs, or 0x87D1041C)" },
	{ "app-slow", ESPDIAG_SEVERITY_WARNING,
	  "one app's install took at least half of the ESP's SyncFailureTimeout (the IME logs)" },
	{ "enrollment-failed", ESPDIAG_SEVERITY_ERROR,
	  "MDM enrollment failed, per the DeviceManagement event log (code decoded)" },
	{ "odj-failed", ESPDIAG_SEVERITY_ERROR,
	  "hybrid join: the offline domain join blob was not applied (timed out or no domain "
	  "controller reachable)" },
	{ "hybrid-registration-failed", ESPDIAG_SEVERITY_WARNING,
	  "the device's hybrid Entra registration failed, per the User Device Registration log" },
	{ "autopilot-not-registered", ESPDIAG_SEVERITY_ERROR,
	  "the Autopilot service does not know the device (ZTD file error, no profile)" },
};

size_t espdiag_rule_count(void)
{
	return RULE_COUNT;
}

const espdiag_rule *espdiag_rule_at(size_t index)
{
	return index < RULE_COUNT ? &diag_rules[index] : NULL;
}

static int rule_index(const char *id, size_t len)
{
	for (size_t i = 0; i < RULE_COUNT; i++)
		if (strlen(diag_rules[i].id) == len && strncmp(diag_rules[i].id, id, len) == 0)
			return (int)i;
	return -1;
}

const espdiag_rule *espdiag_rule_find(const char *id)
{
	int i = id ? rule_index(id, strlen(id)) : -1;
	return i < 0 ? NULL : &diag_rules[i];
}

/* The device's own SID under EnterpriseDesktopAppManagement. */
#define DEVICE_MSI_SID "S-0-0-00-0000000000-0000000000-000000000-000"
#define MAX_DAMAGE_EVIDENCE 20

/* --- the run: the report being built and what the rules share --- */

static const char *vfmt(diag_run *x, const char *f, va_list ap) ESP_PRINTF(2, 0);
static const char *vfmt(diag_run *x, const char *f, va_list ap)
{
	/* Most texts fit the buffer: one formatting pass, then a copy. */
	char buf[512];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(buf, sizeof buf, f, ap2);
	va_end(ap2);
	char *s = n < 0 ? NULL : esp_arena_alloc(&x->r->arena, (size_t)n + 1);
	if (s == NULL) {
		x->rc = ESPDIAG_ENOMEM;
		return "";
	}
	if ((size_t)n < sizeof buf)
		memcpy(s, buf, (size_t)n + 1);
	else
		vsnprintf(s, (size_t)n + 1, f, ap);
	return s;
}

const char *diag_fmt(diag_run *x, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	const char *s = vfmt(x, f, ap);
	va_end(ap);
	return s;
}

const char *diag_keep(diag_run *x, const char *s)
{
	if (s == NULL)
		return NULL;
	char *d = esp_arena_strndup(&x->r->arena, s, strlen(s));
	if (d == NULL)
		x->rc = ESPDIAG_ENOMEM;
	return d;
}

/* A growable string for lists in details. */
typedef struct sbuf {
	char *s;
	size_t n, cap;
	bool failed;
} sbuf;

static void sb_add(sbuf *b, const char *f, ...) ESP_PRINTF(2, 3);
static void sb_add(sbuf *b, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	if (n < 0 || b->failed) {
		b->failed = true;
		return;
	}
	if (b->n + (size_t)n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 128) + (size_t)n;
		char *s = realloc(b->s, cap);
		if (s == NULL) {
			b->failed = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	va_start(ap, f);
	vsnprintf(b->s + b->n, b->cap - b->n, f, ap);
	va_end(ap);
	b->n += (size_t)n;
}

/* Moves the buffer's text into the arena and frees the buffer. */
static const char *sb_take(diag_run *x, sbuf *b)
{
	const char *s = "";
	if (b->failed)
		x->rc = ESPDIAG_ENOMEM;
	else if (b->s != NULL)
		s = diag_keep(x, b->s);
	free(b->s);
	memset(b, 0, sizeof *b);
	return s ? s : "";
}

static size_t user_order(const espdiag_esp *esp, const char *sid)
{
	size_t n = espdiag_esp_phase_count(esp), u = 0;
	if (sid == NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_phase_info *p = espdiag_esp_phase_at(esp, i);
		if (p->phase != ESPDIAG_ESP_PHASE_ACCOUNT_SETUP)
			continue;
		if (p->sid && strcasecmp(p->sid, sid) == 0)
			return u;
		u++;
	}
	return u;
}

/* A new finding of rule in phase (0: none) for sid; NULL when skipped or out of memory. */
espdiag_finding *diag_add(diag_run *x, size_t rule, uint32_t phase, const char *sid,
                          const char *title, const char *detail, const char *remediation)
{
	espdiag_report *r = x->r;
	if (diag_rules[rule].severity == ESPDIAG_SEVERITY_ERROR)
		x->error_seen = true;
	if (x->skip[rule] || x->rc != ESPDIAG_OK)
		return NULL;
	espdiag_finding *f = esp_arena_alloc(&r->arena, sizeof *f);
	if (f == NULL)
		goto nomem;
	memset(f, 0, sizeof *f);
	if (esp_reserve_one((void **)&r->findings, r->finding_count, &r->finding_cap,
	                    sizeof *r->findings, 16) != ESPDIAG_OK)
		goto nomem;
	r->findings[r->finding_count++] = f;
	f->rule = rule;
	f->phase = phase;
	f->sid = diag_keep(x, sid);
	f->user = user_order(x->esp, sid);
	f->seq = x->seq++;
	f->title = title;
	f->detail = detail;
	f->remediation = remediation;
	return f;
nomem:
	x->rc = ESPDIAG_ENOMEM;
	return NULL;
}

/*
 * diag_add() for a conclusion drawn from a key being absent or from a "last"
 * snapshot: on a damaged input the damage may have cut away what would
 * contradict it, so it is withheld (NULL), and input-damaged names the rule.
 */
espdiag_finding *diag_add_absent(diag_run *x, size_t rule, uint32_t phase, const char *sid,
                                 const char *title, const char *detail,
                                 const char *remediation)
{
	if (x->damaged) {
		if (!x->skip[rule])
			x->withheld[rule] = true;
		return NULL;
	}
	return diag_add(x, rule, phase, sid, title, detail, remediation);
}

/* Adds evidence (strings copied); a NULL finding is ignored. */
void diag_ev(diag_run *x, espdiag_finding *f, const char *key, const char *value,
             const char *data)
{
	if (f == NULL || x->rc != ESPDIAG_OK)
		return;
	if (esp_reserve_one((void **)&f->evidence, f->evidence_count, &f->evidence_cap,
	                    sizeof *f->evidence, 4) != ESPDIAG_OK) {
		x->rc = ESPDIAG_ENOMEM;
		return;
	}
	diag_evidence *e = &f->evidence[f->evidence_count++];
	*e = (diag_evidence){ 0 };
	e->key = diag_keep(x, key ? key : "");
	e->value = diag_keep(x, value);
	e->data = diag_keep(x, data);
}

void diag_set_code(espdiag_finding *f, uint32_t code)
{
	if (f != NULL) {
		f->has_code = true;
		f->code = code;
	}
}

/* What the finding is about (strings copied); context from sid unless given. */
void diag_subject_ctx(diag_run *x, espdiag_finding *f, const char *kind, const char *id,
                      const char *name, const char *context, const char *sid)
{
	if (f == NULL || x->rc != ESPDIAG_OK)
		return;
	f->has_subject = true;
	f->subject.kind = kind;
	f->subject.id = diag_keep(x, id ? id : "");
	f->subject.name = diag_keep(x, name);
	f->subject.context = context ? context : sid ? "user" : "device";
	f->subject.sid = diag_keep(x, sid);
}

void diag_subject(diag_run *x, espdiag_finding *f, const char *kind, const char *id,
                  const char *name, const char *sid)
{
	diag_subject_ctx(x, f, kind, id, name, NULL, sid);
}

/* A tracked app as a subject: a Win32 app by its Intune app id. */
static void app_subject(diag_run *x, espdiag_finding *f, const espdiag_esp_app *a)
{
	bool win32 = a->kind == ESPDIAG_ESP_KIND_WIN32_APP && a->app_guid != NULL;
	diag_subject(x, f, espdiag_esp_item_kind_name(a->kind), win32 ? a->app_guid : a->id,
	             a->name, a->sid);
}

/* A phase as a whole as a subject. */
static void phase_subject(diag_run *x, espdiag_finding *f, uint32_t phase, const char *sid)
{
	diag_subject(x, f, "phase", espdiag_esp_phase_name(phase), NULL, sid);
}


/* "3 (completed)" for a present DWORD, NULL when absent. */
const char *diag_u32_text(diag_run *x, espdiag_esp_u32 v, const char *(*name)(uint32_t))
{
	if (!v.has)
		return NULL;
	if (name == NULL)
		return diag_fmt(x, "%" PRIu32, v.value);
	return diag_fmt(x, "%" PRIu32 " (%s)", v.value, name(v.value));
}

/* "0x80070643 (ERROR_INSTALL_FAILURE: Fatal error ...)" for details. */
const char *diag_code_text(diag_run *x, uint32_t code)
{
	const espdiag_error_info *info;
	if (espdiag_error_describe(&info, code) != ESPDIAG_OK)
		return diag_fmt(x, "0x%08" PRIx32 " (not a code the library knows)", code);
	return diag_fmt(x, "0x%08" PRIx32 " (%s%s%s%s)", code, info->symbol ? info->symbol : "",
	                info->symbol ? ": " : "", info->meaning,
	                (info->flags & ESPDIAG_ERROR_COMMUNITY_ONLY)
	                    ? " This meaning is community-reported, not documented by Microsoft."
	                    : "");
}

const char *diag_context_text(diag_run *x, const char *sid)
{
	return sid ? diag_fmt(x, "account setup of user %s", sid) : "device setup";
}

uint32_t diag_context_phase(const char *sid)
{
	return sid ? ESPDIAG_ESP_PHASE_ACCOUNT_SETUP : ESPDIAG_ESP_PHASE_DEVICE_SETUP;
}

/* Orders SIDs case-insensitively, the device (NULL) first. */
static int cmp_sid(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcasecmp(a, b);
}

static bool same_sid(const char *a, const char *b)
{
	return a == b || (a && b && strcasecmp(a, b) == 0);
}

/* The status of the phase of a context (device setup, or a user's account setup). */
static uint32_t context_status(const espdiag_esp *esp, const char *sid)
{
	size_t n = espdiag_esp_phase_count(esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_phase_info *p = espdiag_esp_phase_at(esp, i);
		if (p->phase == diag_context_phase(sid) && same_sid(p->sid, sid))
			return p->status;
	}
	return ESPDIAG_ESP_STATUS_UNKNOWN;
}

static const char *app_name(diag_run *x, const espdiag_esp_app *a)
{
	if (a->kind == ESPDIAG_ESP_KIND_WIN32_APP && a->app_guid != NULL && a->name != NULL) {
		/* Named by the bundle's IME logs. */
		if (a->version.has)
			return diag_fmt(x, "Win32 app \"%s\" (%s, version %" PRIu32 ")", a->name,
			                a->app_guid, a->version.value);
		return diag_fmt(x, "Win32 app \"%s\" (%s)", a->name, a->app_guid);
	}
	if (a->kind == ESPDIAG_ESP_KIND_WIN32_APP && a->app_guid != NULL) {
		if (a->version.has)
			return diag_fmt(x, "Win32 app %s (version %" PRIu32 ")", a->app_guid,
			                a->version.value);
		return diag_fmt(x, "Win32 app %s", a->app_guid);
	}
	return diag_fmt(x, "%s app %s", a->provider ? a->provider : "tracked", a->id);
}

/* Every setup: the device's, then each user's. */
static size_t setup_count(const espdiag_esp *esp)
{
	return 1 + espdiag_esp_user_setup_count(esp);
}

static const espdiag_esp_setup *setup_at(const espdiag_esp *esp, size_t i)
{
	return i == 0 ? espdiag_esp_device_setup(esp) : espdiag_esp_user_setup_at(esp, i - 1);
}

static int msi_cmp(const void *a, const void *b)
{
	const msi_ref *m = a, *n = b;
	int c = strcasecmp(m->m->product_code ? m->m->product_code : "",
	                   n->m->product_code ? n->m->product_code : "");
	return c ? c : (m->index > n->index) - (m->index < n->index);
}

/* Sorts the MSI apps once, so that a dump with thousands of tracking
 * entries costs a binary search per entry, not a scan. */
static int index_msi(diag_run *x)
{
	size_t n = espdiag_esp_msi_app_count(x->esp);
	if (n == 0)
		return ESPDIAG_OK;
	x->msi = malloc(n * sizeof *x->msi);
	if (x->msi == NULL)
		return ESPDIAG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		x->msi[i].m = espdiag_esp_msi_app_at(x->esp, i);
		x->msi[i].index = i;
	}
	x->msi_count = n;
	qsort(x->msi, n, sizeof *x->msi, msi_cmp);
	return ESPDIAG_OK;
}

static const char *code_of(const diag_run *x, size_t i)
{
	return x->msi[i].m->product_code ? x->msi[i].m->product_code : "";
}

/* The MSI app whose product code is id (the first in registry order), NULL when none. */
static const espdiag_esp_msi_app *msi_find(const diag_run *x, const char *id)
{
	size_t lo = 0, hi = x->msi_count;
	if (id == NULL)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcasecmp(code_of(x, mid), id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->msi_count && strcasecmp(code_of(x, lo), id) == 0 ? x->msi[lo].m : NULL;
}

/* An ExpectedMSIAppPackages entry is a LOB app when its product code names
 * an MSI app that is not the IME's own package; without that key there is
 * no evidence either way, and it is not counted. */
static bool entry_is_lob(const diag_run *x, const espdiag_esp_entry *e)
{
	const espdiag_esp_msi_app *m = msi_find(x, e->id);
	return e->kind == ESPDIAG_ESP_KIND_MSI_APP && m != NULL && !m->is_ime;
}

static bool is_msi_snapshot(const espdiag_esp_snapshot *s)
{
	return s->owner_category == ESPDIAG_ESP_CAT_MSI && !s->last_logged_state;
}

/* --- the rules --- */

static void rule_presence(diag_run *x)
{
	const espdiag_esp *esp = x->esp;
	bool tracking = espdiag_esp_has_tracking(esp);
	const espdiag_esp_enrollment *e = espdiag_esp_primary_enrollment(esp);
	static const char est[] =
		"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\EnrollmentStatusTracking";
	if (e == NULL && !tracking) {
		espdiag_finding *f = diag_add_absent(
			x, RULE_NO_ESP_DATA, 0, NULL, "No Enrollment Status Page data in this input",
			"Neither an Enrollments\\{GUID}\\FirstSync key nor the EnrollmentStatusTracking "
			"key exists: this is not the registry of a device that ran the ESP, or not the "
			"right file (a SOFTWARE hive or MDMDiagReport_RegistryDump.reg is needed).",
			"Collect the evidence again on the device: mdmdiagnosticstool.exe -area Autopilot "
			"-cab C:\\temp\\autopilot.cab, and diagnose the MDMDiagReport_RegistryDump.reg "
			"inside, or the device's Windows\\System32\\config\\SOFTWARE hive.");
		diag_ev(x, f, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Enrollments\\*\\FirstSync", NULL,
		        "absent");
		diag_ev(x, f, est, NULL, "absent");
	} else if (e != NULL && !tracking) {
		espdiag_finding *f = diag_add_absent(
			x, RULE_OS_TOO_OLD, 0, NULL,
			"Windows does not track the IME and Win32 apps in the ESP",
			"FirstSync exists but EnrollmentStatusTracking does not: Windows before 10 1903 "
			"does not track the Intune Management Extension or Win32 apps, so the page "
			"cannot wait for them and this input holds no app states.",
			"Update the Windows image to a supported release (Windows 10 1903 or later) "
			"before enrolling, or do not rely on the ESP for Win32 apps on this device.");
		diag_ev(x, f, e->first_sync->key, NULL, "present");
		diag_ev(x, f, est, NULL, "absent");
	}
}

static void rule_phase_skipped(diag_run *x)
{
	const espdiag_esp_first_sync *fs = x->fs;
	if (fs == NULL)
		return;
	if (fs->device_page_skipped) {
		espdiag_finding *f = diag_add(
			x, RULE_PHASE_SKIPPED, ESPDIAG_ESP_PHASE_DEVICE_PREPARATION, NULL,
			"The device phases of the ESP are not shown",
			"SkipDeviceStatusPage is set: device preparation and device setup are not "
			"shown, and the page does not wait for the device's apps and policies.",
			"Nothing to do if intended; otherwise set \"Block device use until all apps and "
			"profiles are installed\" in the ESP profile assigned to this device.");
		phase_subject(x, f, ESPDIAG_ESP_PHASE_DEVICE_PREPARATION, NULL);
		diag_ev(x, f, fs->key, "SkipDeviceStatusPage",
		        diag_fmt(x, "0x%08" PRIx32, fs->skip_device_status_page.value));
	}
	if (fs->user_page_skipped) {
		espdiag_finding *f = diag_add(
			x, RULE_PHASE_SKIPPED, ESPDIAG_ESP_PHASE_ACCOUNT_SETUP, NULL,
			"The account setup phase of the ESP is not shown",
			"SkipUserStatusPage is set: account setup is not shown, and the user's apps "
			"and policies install after the desktop appears.",
			"Nothing to do if intended (often set by a custom OMA-URI "
			"./Vendor/MSFT/DMClient/Provider/MS DM Server/FirstSyncStatus/SkipUserStatusPage); "
			"otherwise remove that setting.");
		diag_subject_ctx(x, f, "phase", espdiag_esp_phase_name(ESPDIAG_ESP_PHASE_ACCOUNT_SETUP),
		                 NULL, "user", NULL);
		diag_ev(x, f, fs->key, "SkipUserStatusPage",
		        diag_fmt(x, "0x%08" PRIx32, fs->skip_user_status_page.value));
	}
}

static void rule_providers(diag_run *x)
{
	const espdiag_esp *esp = x->esp;
	size_t n = espdiag_esp_provider_count(esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_provider *p = espdiag_esp_provider_at(esp, i);
		if (!p->state.has)
			continue;
		const char *state = diag_u32_text(x, p->state, espdiag_esp_provider_state_name);
		const char *err =
			p->last_error.has
				? diag_fmt(x, " LastError is %s.", diag_code_text(x, p->last_error.value))
				: " No LastError was recorded.";
		espdiag_finding *f = NULL;
		if (p->state.value == ESPDIAG_ESP_PROVIDER_ERROR &&
		    p->kind == ESPDIAG_ESP_PROVIDER_SIDECAR) {
			f = diag_add(x, RULE_IME_INSTALL_FAILED, ESPDIAG_ESP_PHASE_DEVICE_PREPARATION, NULL,
			             "The Intune Management Extension (Sidecar) failed to install",
			             diag_fmt(x,
			                      "Device preparation provider %s is in InstallationState 4 (error): "
			                      "without the IME no Win32 app or script can install.%s",
			                      p->name, err),
			             "The IME arrives as an MSI (IntuneWindowsAgent.msi) over the MDM channel: "
			             "check that the device reaches the Intune endpoints "
			             "(*.manage.microsoft.com) without a blocking proxy, that the user is "
			             "licensed, then read the IME's MSI status under "
			             "EnterpriseDesktopAppManagement and the "
			             "DeviceManagement-Enterprise-Diagnostics-Provider event log.");
		} else if (p->state.value == ESPDIAG_ESP_PROVIDER_ERROR) {
			f = diag_add(x, RULE_PROVIDER_INSTALL_FAILED, ESPDIAG_ESP_PHASE_DEVICE_PREPARATION,
			             NULL, diag_fmt(x, "Device-preparation provider %s failed to install", p->name),
			             diag_fmt(x, "Device preparation provider %s is in InstallationState 4 (error).%s",
			                      p->name, err),
			             p->kind == ESPDIAG_ESP_PROVIDER_CONFIGMGR
			                 ? "Check the ConfigMgr client deployment (the ccmsetup command line in "
			                   "the Intune app) and C:\\Windows\\ccmsetup\\Logs\\ccmsetup.log; the "
			                   "client must reach its management point or cloud management gateway."
			                 : "Check the provider's own logs and its assignment in Intune.");
		} else if (p->state.value == ESPDIAG_ESP_PROVIDER_NOT_INSTALLED) {
			f = diag_add(x, RULE_PROVIDER_NOT_INSTALLED, ESPDIAG_ESP_PHASE_DEVICE_PREPARATION,
			             NULL, diag_fmt(x, "Device-preparation provider %s is not installed", p->name),
			             diag_fmt(x,
			                      "Device preparation provider %s is still in InstallationState 1 (not "
			                      "installed): the ESP waits for it until its timeout.",
			                      p->name),
			             p->kind == ESPDIAG_ESP_PROVIDER_CONFIGMGR
			                 ? "ccmsetup never ran: check that the ConfigMgr client app is assigned "
			                   "to the device with the right command line, and "
			                   "C:\\Windows\\ccmsetup\\Logs\\ccmsetup.log if it exists."
			             : p->kind == ESPDIAG_ESP_PROVIDER_SIDECAR
			                 ? "The IME has not arrived yet: check that a Win32 app, script or "
			                   "remediation is assigned, the device reaches *.manage.microsoft.com, "
			                   "and the IntuneWindowsAgent.msi status under "
			                   "EnterpriseDesktopAppManagement."
			                 : "Check that the provider is assigned and can install.");
		}
		if (f == NULL)
			continue;
		diag_subject(x, f, "provider", p->name,
		             p->kind == ESPDIAG_ESP_PROVIDER_SIDECAR     ? "Intune Management Extension"
		             : p->kind == ESPDIAG_ESP_PROVIDER_CONFIGMGR ? "Configuration Manager client"
		                                                         : NULL,
		             NULL);
		diag_ev(x, f, p->key, "InstallationState", state);
		if (p->last_error.has) {
			diag_ev(x, f, p->key, "LastError", diag_fmt(x, "0x%08" PRIx32, p->last_error.value));
			diag_set_code(f, p->last_error.value);
		}
	}
}

static void rule_tracking_policies(diag_run *x)
{
	for (size_t i = 0; i < setup_count(x->esp); i++) {
		const espdiag_esp_setup *s = setup_at(x->esp, i);
		if (s == NULL || s->key == NULL)
			continue;
		if (s->has_provisioning_completed.has && s->has_provisioning_completed.value == 1)
			continue;
		for (size_t j = 0; j < s->policy_provider_count; j++) {
			const espdiag_esp_policy_provider *pp = s->policy_providers[j];
			if (pp->tracking_policies_created.has && pp->tracking_policies_created.value == 1)
				continue;
			espdiag_finding *f = diag_add_absent(
				x, RULE_TRACKING_POLICIES_MISSING, diag_context_phase(s->sid), s->sid,
				diag_fmt(x, "Provider %s has not created its tracking policies (%s)", pp->name,
				         diag_context_text(x, s->sid)),
				diag_fmt(x,
				         "In %s, Setup\\Apps\\PolicyProviders\\%s has no TrackingPoliciesCreated "
				         "= 1: the provider has not told the ESP which apps to track, so the page "
				         "sits on \"Identifying\" until it does or the timeout expires.",
				         diag_context_text(x, s->sid), pp->name),
				"The provider (for Sidecar, the Intune Management Extension) must be "
				"installed and running and reach Intune: check its service and log "
				"(C:\\ProgramData\\Microsoft\\IntuneManagementExtension\\Logs\\"
				"IntuneManagementExtension.log); a restart of the service or the device "
				"often lets it finish.");
			diag_subject(x, f, "policy_provider", pp->name, NULL, s->sid);
			diag_ev(x, f, pp->key, "TrackingPoliciesCreated",
			        pp->tracking_policies_created.has
			            ? diag_fmt(x, "%" PRIu32, pp->tracking_policies_created.value)
			            : "absent");
		}
	}
}

/* A failed app and the timeline change where the ESP first saw it fail. */
typedef struct failed_app {
	const espdiag_esp_app *app;
	const espdiag_esp_change *change;
} failed_app;

static int failed_cmp(const void *a, const void *b)
{
	const espdiag_esp_app *p = ((const failed_app *)a)->app, *q = ((const failed_app *)b)->app;
	int c = cmp_sid(p->sid, q->sid);
	return c ? c : strcasecmp(p->id, q->id);
}

/* Finds for each failed app (sorted by failed_cmp) the first change, in
 * time order, that puts its Sidecar entry in state 4. */
static void find_failures(const espdiag_esp *esp, failed_app *v, size_t n)
{
	size_t nc = espdiag_esp_change_count(esp);
	for (size_t i = 0; i < nc; i++) {
		const espdiag_esp_change *c = espdiag_esp_change_at(esp, i);
		if (c->snapshot->owner_category != ESPDIAG_ESP_CAT_SIDECAR || !c->entry->state.has ||
		    c->entry->state.value != ESPDIAG_ESP_APP_ERROR)
			continue;
		espdiag_esp_app key = { .id = c->entry->id, .sid = c->snapshot->sid };
		failed_app probe = { &key, NULL };
		failed_app *hit = bsearch(&probe, v, n, sizeof *v, failed_cmp);
		if (hit != NULL && hit->change == NULL)
			hit->change = c;
	}
}

/* What a failed app's codes say: the tracking key's ErrorHresult and the
 * IME's EnforcementStateMessage ErrorCode (an installer's exit code such as
 * 1603, or an HRESULT). */
typedef struct app_error {
	bool has_code;
	uint32_t code;            /* the finding's: ErrorHresult, else the IME's as an HRESULT */
	bool has_exit_code;
	int64_t exit_code;        /* the IME's ErrorCode when it is the installer's exit code */
	const char *text;         /* sentences for the detail, "" when no code */
} app_error;

/* "0x80070643 (-2147023293), ERROR_INSTALL_FAILURE: Fatal error ..." */
static const char *code_meaning(diag_run *x, uint32_t code)
{
	const espdiag_error_info *info;
	const char *head = diag_fmt(x, "0x%08" PRIx32 " (%" PRId32 ")", code, (int32_t)code);
	if (espdiag_error_describe(&info, code) != ESPDIAG_OK)
		return diag_fmt(x, "%s, a code the library does not know.", head);
	return diag_fmt(x, "%s%s%s: %s%s", head, info->symbol ? ", " : "",
	                info->symbol ? info->symbol : "", info->meaning,
	                (info->flags & ESPDIAG_ERROR_COMMUNITY_ONLY)
	                        ? " This meaning is community-reported, not documented by Microsoft."
	                        : "");
}

static app_error app_error_of(diag_run *x, const espdiag_esp_app *a)
{
	app_error e = { .text = "" };
	const espdiag_esp_ime_app *ime = a->ime;
	/* ErrorCode 0 is the IME's "no error". */
	bool has_ime = ime != NULL && ime->has_enforcement_error && ime->enforcement_error != 0;
	int64_t ec = has_ime ? ime->enforcement_error : 0;
	uint32_t ime_code = 0;
	bool ime_hr = has_ime && diag_exit_code_hresult(ec, &ime_code);
	/* A positive number below 2^31 is an exit code; the rest are HRESULTs
	 * (signed as the IME writes them, or unsigned). */
	bool is_exit = has_ime && ec > 0 && ec < 0x80000000LL;
	if (a->error_hresult.has) {
		e.has_code = true;
		e.code = a->error_hresult.value;
		e.text = diag_fmt(x, " Its ErrorHresult is %s", code_meaning(x, e.code));
		if (has_ime && ime_hr && ime_code == e.code) {
			e.text = diag_fmt(x, "%s The IME's EnforcementStateMessage ErrorCode is %" PRId64
			                  "%s.", e.text, ec,
			                  is_exit ? ", the installer's exit code behind it" : "");
			e.has_exit_code = is_exit;
			e.exit_code = ec;
		} else if (has_ime) {
			e.text = diag_fmt(x, "%s The IME's EnforcementStateMessage ErrorCode is %" PRId64
			                  "%s%s", e.text, ec,
			                  is_exit ? ", the installer's exit code" : "",
			                  ime_hr ? diag_fmt(x, ": %s", code_meaning(x, ime_code)) : ".");
		}
	} else if (has_ime) {
		e.has_code = ime_hr;
		e.code = ime_code;
		e.has_exit_code = is_exit && ime_hr;
		e.exit_code = ec;
		e.text = diag_fmt(x, " The IME's EnforcementStateMessage ErrorCode is %" PRId64 "%s%s",
		                  ec, is_exit ? ", the installer's exit code" : "",
		                  ime_hr ? diag_fmt(x, ": %s", code_meaning(x, ime_code)) : ".");
	}
	return e;
}

static void rule_apps(diag_run *x)
{
	size_t n = 0, cap = 0;
	failed_app *v = NULL;
	for (size_t i = 0; i < setup_count(x->esp); i++) {
		const espdiag_esp_setup *s = setup_at(x->esp, i);
		for (size_t j = 0; s != NULL && j < s->app_count; j++) {
			const espdiag_esp_app *a = s->apps[j];
			if (!a->state.has || a->state.value != ESPDIAG_ESP_APP_ERROR)
				continue;
			if (esp_reserve_one((void **)&v, n, &cap, sizeof *v, 16) != ESPDIAG_OK) {
				free(v);
				x->rc = ESPDIAG_ENOMEM;
				return;
			}
			v[n++] = (failed_app){ a, NULL };
		}
	}
	if (n == 0)
		return;
	/* Sorted for the timeline lookup, then back in model order: findings
	 * follow the order of the setups and their apps. */
	failed_app *sorted = malloc(n * sizeof *sorted);
	if (sorted == NULL) {
		free(v);
		x->rc = ESPDIAG_ENOMEM;
		return;
	}
	memcpy(sorted, v, n * sizeof *v);
	qsort(sorted, n, sizeof *sorted, failed_cmp);
	find_failures(x->esp, sorted, n);
	for (size_t k = 0; k < n; k++) {
		const espdiag_esp_app *a = v[k].app;
		const failed_app *hit = bsearch(&v[k], sorted, n, sizeof *sorted, failed_cmp);
		const espdiag_esp_change *c = hit ? hit->change : NULL;
		const char *when = "";
		app_error err = app_error_of(x, a);
		/* What the bundle's IME logs add: the failed attempt's exit code
		 * and its records (diagnose_apps.c). */
		diag_app_log lg = diag_app_log_of(x, a->app_guid);
		if (c != NULL && !c->snapshot->last_logged_state)
			when = diag_fmt(x, " The ESP tracking timeline first shows the failure at %s.",
			                c->snapshot->timestamp);
		espdiag_finding *f = diag_add(
			x, RULE_APP_INSTALL_FAILED, diag_context_phase(a->sid), a->sid,
			diag_fmt(x, "%s failed to install", app_name(x, a)),
			diag_fmt(x,
			         "In %s, the tracked app %s (provider %s) is in InstallationState 4 (error): "
			         "the ESP stops here unless \"Continue anyway\" is allowed.%s%s%s",
			         diag_context_text(x, a->sid), a->id, a->provider ? a->provider : "?",
			         err.text, lg.text, when),
			a->kind == ESPDIAG_ESP_KIND_WIN32_APP && a->app_guid
			    ? diag_fmt(x,
			               "Open the app %s in Intune (Apps > All apps; the id is in the app's "
			               "address) and its device install status; on the device, read "
			               "C:\\ProgramData\\Microsoft\\IntuneManagementExtension\\Logs\\"
			               "AppWorkload.log (or IntuneManagementExtension.log) for its exit code. "
			               "Fix the install command, detection rule or requirements, or remove "
			               "the app from the ESP's blocking apps.",
			               a->name ? diag_fmt(x, "\"%s\" (%s)", a->name, a->app_guid)
			                       : a->app_guid)
			    : "Check the app's deployment in its provider (for ConfigMgr, the task "
			      "sequence and smsts.log) and remove it from the ESP's blocking apps if it "
			      "cannot install during setup.");
		app_subject(x, f, a);
		diag_ev(x, f, a->key, "InstallationState",
		        diag_u32_text(x, a->state, espdiag_esp_app_state_name));
		if (a->error_hresult.has)
			diag_ev(x, f, a->key, "ErrorHresult",
			        diag_fmt(x, "0x%08" PRIx32, a->error_hresult.value));
		if (a->ime != NULL && a->ime->has_enforcement_error && a->ime->enforcement_error != 0)
			diag_ev(x, f, a->ime->enforcement_key, a->ime->enforcement_value,
			        diag_fmt(x, "ErrorCode %" PRId64, a->ime->enforcement_error));
		if (f != NULL && err.has_code) {
			diag_set_code(f, err.code);
			f->has_exit_code = err.has_exit_code;
			f->exit_code = err.exit_code;
		} else if (f != NULL && lg.has_code) {
			diag_set_code(f, lg.code);
			f->has_exit_code = lg.has_exit_code;
			f->exit_code = lg.exit_code;
		}
		if (c != NULL)
			diag_ev(x, f, c->snapshot->key, c->entry->value,
			        diag_u32_text(x, c->entry->state, espdiag_esp_app_state_name));
		diag_app_log_evidence(x, f, &lg);
	}
	free(sorted);
	free(v);
}

static void rule_incomplete(diag_run *x)
{
	for (size_t i = 0; i < setup_count(x->esp); i++) {
		const espdiag_esp_setup *s = setup_at(x->esp, i);
		if (s == NULL || s->key == NULL)
			continue;
		if (s->has_provisioning_completed.has && s->has_provisioning_completed.value == 1)
			continue;
		size_t pending = 0;
		sbuf b = { 0 };
		for (size_t j = 0; j < s->app_count; j++) {
			const espdiag_esp_app *a = s->apps[j];
			if (a->state.has && (a->state.value == ESPDIAG_ESP_APP_NOT_INSTALLED ||
			                     a->state.value == ESPDIAG_ESP_APP_IN_PROGRESS)) {
				sb_add(&b, "%s%s (%s)", pending ? ", " : "", a->id,
				       espdiag_esp_app_state_name(a->state.value));
				pending++;
			}
		}
		if (pending == 0) {
			free(b.s);
			continue;
		}
		const char *list = sb_take(x, &b);
		espdiag_finding *f = diag_add_absent(
			x, RULE_APP_INSTALL_INCOMPLETE, diag_context_phase(s->sid), s->sid,
			diag_fmt(x, "%zu tracked app%s not installed yet (%s)", pending,
			         pending == 1 ? "" : "s", diag_context_text(x, s->sid)),
			diag_fmt(x,
			         "%s has not completed (HasProvisioningCompleted is not 1) and these apps "
			         "are still not installed or installing: %s.",
			         s->sid ? diag_fmt(x, "Account setup of user %s", s->sid) : "Device setup", list),
			"If the ESP is still running, wait; if it timed out, look at these apps "
			"first: their download (size, delivery optimization), install time and "
			"dependencies, and the IME log.");
		phase_subject(x, f, diag_context_phase(s->sid), s->sid);
		diag_ev(x, f, s->key, "HasProvisioningCompleted",
		        s->has_provisioning_completed.has
		            ? diag_fmt(x, "%" PRIu32, s->has_provisioning_completed.value)
		            : "absent");
		for (size_t j = 0; j < s->app_count; j++) {
			const espdiag_esp_app *a = s->apps[j];
			if (a->state.has && (a->state.value == ESPDIAG_ESP_APP_NOT_INSTALLED ||
			                     a->state.value == ESPDIAG_ESP_APP_IN_PROGRESS))
				diag_ev(x, f, a->key, "InstallationState",
				        diag_u32_text(x, a->state, espdiag_esp_app_state_name));
		}
	}
}

static void rule_account_not_started(diag_run *x)
{
	const espdiag_esp *esp = x->esp;
	const espdiag_esp_first_sync *fs = x->fs;
	if (fs == NULL || fs->user_page_skipped || !espdiag_esp_has_tracking(esp) ||
	    espdiag_esp_user_setup_count(esp) != 0)
		return;
	/* While device setup runs no user has signed in: absence proves nothing. */
	uint32_t dev = context_status(esp, NULL);
	if (dev != ESPDIAG_ESP_STATUS_COMPLETED && dev != ESPDIAG_ESP_STATUS_SKIPPED)
		return;
	const espdiag_esp_autopilot *ap = espdiag_esp_autopilot_info(esp);
	espdiag_finding *f = diag_add_absent(
		x, RULE_ACCOUNT_SETUP_NOT_STARTED, ESPDIAG_ESP_PHASE_ACCOUNT_SETUP, NULL,
		"Account setup has not started: no user is tracked",
		diag_fmt(x,
		         "The user phase of the ESP is on and device setup %s, but "
		         "EnrollmentStatusTracking holds no user SID key: no user has reached account "
		         "setup.%s",
		         dev == ESPDIAG_ESP_STATUS_COMPLETED ? "completed" : "was not shown",
		         ap->hybrid_join
		             ? " The Autopilot profile is a hybrid Azure AD join: the user gets no "
		               "primary refresh token until Azure AD Connect syncs the device, up to 40 "
		               "minutes."
		             : ""),
		ap->hybrid_join
		    ? "Check that Azure AD Connect syncs the OU of the device's computer object and "
		      "wait for (or start) a delta sync before the user signs in; the device must "
		      "reach a domain controller."
		    : "Let the user sign in: account setup starts at the first sign-in. If a user "
		      "signed in, collect the logs again after the sign-in.");
	diag_subject_ctx(x, f, "phase", espdiag_esp_phase_name(ESPDIAG_ESP_PHASE_ACCOUNT_SETUP), NULL,
	                 "user", NULL);
	diag_ev(x, f, fs->key, "SkipUserStatusPage",
	        fs->skip_user_status_page.has
	                ? diag_fmt(x, "0x%08" PRIx32, fs->skip_user_status_page.value)
	                : "absent");
	const espdiag_esp_setup *d = espdiag_esp_device_setup(esp);
	if (d->key)
		diag_ev(x, f, d->key, "HasProvisioningCompleted",
		        d->has_provisioning_completed.has
		            ? diag_fmt(x, "%" PRIu32, d->has_provisioning_completed.value)
		            : "absent");
	diag_ev(x, f,
	        "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\EnrollmentStatusTracking\\"
	        "<UserSID>",
	        NULL, "absent");
	if (ap->hybrid_join)
		diag_ev(x, f, ap->key, "CloudAssignedDomainJoinMethod",
		        diag_fmt(x, "%" PRIu32, ap->domain_join_method.value));
}

/* An ExpectedMSIAppPackages entry, where it is (snapshot i, entry j). */
typedef struct msi_entry {
	size_t i, j;
	const espdiag_esp_snapshot *s;
	const espdiag_esp_entry *e;
} msi_entry;

/* By context, item, then place: one item's entries end up side by side. */
static int msi_entry_cmp(const void *a, const void *b)
{
	const msi_entry *p = a, *q = b;
	int c = cmp_sid(p->s->sid, q->s->sid);
	if (c == 0)
		c = strcasecmp(p->e->id, q->e->id);
	if (c == 0)
		c = (p->i > q->i) - (p->i < q->i);
	if (c == 0)
		c = (p->j > q->j) - (p->j < q->j);
	return c;
}

/* An item's first and last entries. */
typedef struct msi_pair {
	msi_entry first;
	msi_entry last;
} msi_pair;

/* By the first entry's place: findings come in the order the items first appear. */
static int msi_place_cmp(const void *a, const void *b)
{
	const msi_entry *p = &((const msi_pair *)a)->first, *q = &((const msi_pair *)b)->first;
	int c = (p->i > q->i) - (p->i < q->i);
	return c ? c : (p->j > q->j) - (p->j < q->j);
}

static int id_place_cmp(const void *a, const void *b)
{
	const msi_entry *p = a, *q = b;
	int c = strcasecmp(p->e->id, q->e->id);
	if (c == 0)
		c = (p->i > q->i) - (p->i < q->i);
	if (c == 0)
		c = (p->j > q->j) - (p->j < q->j);
	return c;
}

static int place_cmp(const void *a, const void *b)
{
	const msi_entry *p = a, *q = b;
	int c = (p->i > q->i) - (p->i < q->i);
	return c ? c : (p->j > q->j) - (p->j < q->j);
}

/* The distinct LOB product codes tracked in sid's context, each with the
 * entry that first shows it, in the order they first appear: a malloc'd
 * array in *out (NULL when none). */
static size_t collect_lob(diag_run *x, const char *sid, msi_entry **out)
{
	const espdiag_esp *esp = x->esp;
	size_t n = 0, cap = 0;
	msi_entry *v = NULL;
	size_t ns = espdiag_esp_snapshot_count(esp);
	*out = NULL;
	for (size_t i = 0; i < ns; i++) {
		const espdiag_esp_snapshot *s = espdiag_esp_snapshot_at(esp, i);
		if (!is_msi_snapshot(s) || !same_sid(s->sid, sid))
			continue;
		for (size_t j = 0; j < s->entry_count; j++) {
			const espdiag_esp_entry *e = &s->entries[j];
			if (!entry_is_lob(x, e))
				continue;
			if (esp_reserve_one((void **)&v, n, &cap, sizeof *v, 8) != ESPDIAG_OK) {
				x->rc = ESPDIAG_ENOMEM;
				free(v);
				return 0;
			}
			v[n++] = (msi_entry){ i, j, s, e };
		}
	}
	if (n == 0) {
		free(v);
		return 0;
	}
	qsort(v, n, sizeof *v, id_place_cmp);
	size_t m = 0;
	for (size_t k = 0; k < n; k++)
		if (m == 0 || strcasecmp(v[m - 1].e->id, v[k].e->id) != 0)
			v[m++] = v[k];
	qsort(v, m, sizeof *v, place_cmp);
	*out = v;
	return m;
}

static void rule_mixed(diag_run *x)
{
	for (size_t i = 0; i < setup_count(x->esp); i++) {
		const espdiag_esp_setup *s = setup_at(x->esp, i);
		if (s == NULL)
			continue;
		const espdiag_esp_app *win32 = NULL;
		size_t nwin32 = 0;
		for (size_t j = 0; j < s->app_count; j++) {
			if (s->apps[j]->kind == ESPDIAG_ESP_KIND_WIN32_APP) {
				if (win32 == NULL)
					win32 = s->apps[j];
				nwin32++;
			}
		}
		if (win32 == NULL)
			continue;
		msi_entry *v;
		size_t n = collect_lob(x, s->sid, &v);
		if (n == 0) {
			free(v);
			continue;
		}
		sbuf b = { 0 };
		for (size_t k = 0; k < n; k++)
			sb_add(&b, "%s%s", k ? ", " : "", v[k].e->id);
		const char *list = sb_take(x, &b);
		espdiag_finding *f = diag_add(
			x, RULE_MIXED_MSI_WIN32, diag_context_phase(s->sid), s->sid,
			diag_fmt(x, "LOB MSI apps and Win32 apps are tracked together (%s)",
			         diag_context_text(x, s->sid)),
			diag_fmt(x,
			         "%s tracks %zu LOB MSI app%s (%s) and %zu Win32 app%s. Windows Installer "
			         "(TrustedInstaller) runs one install at a time: an MSI pushed over the MDM "
			         "channel and a Win32 app installed by the IME can collide "
			         "(0x80070652, another installation in progress) and stall or fail the page.",
			         s->sid ? diag_fmt(x, "Account setup of user %s", s->sid) : "Device setup", n,
			         n == 1 ? "" : "s", list, nwin32, nwin32 == 1 ? "" : "s"),
			"Repackage the LOB MSI apps as Win32 apps (.intunewin), so the IME installs "
			"every app in sequence, or take them out of the ESP's blocking apps.");
		phase_subject(x, f, diag_context_phase(s->sid), s->sid);
		for (size_t k = 0; k < n; k++)
			diag_ev(x, f, v[k].s->key, v[k].e->value,
			        diag_u32_text(x, v[k].e->state, NULL));
		diag_ev(x, f, win32->key, "InstallationState",
		        diag_u32_text(x, win32->state, espdiag_esp_app_state_name));
		free(v);
	}
}

static void rule_timeout(diag_run *x)
{
	const espdiag_esp_first_sync *fs = x->fs;
	if (fs == NULL)
		return;
	for (size_t i = 0; i < setup_count(x->esp); i++) {
		const espdiag_esp_setup *s = setup_at(x->esp, i);
		if (s == NULL || s->key == NULL)
			continue;
		msi_entry *v;
		size_t nlob = collect_lob(x, s->sid, &v);
		free(v);
		size_t apps = s->app_count + nlob;
		uint64_t need = (uint64_t)apps * x->app_minutes;
		if (apps == 0 || need <= fs->timeout_minutes)
			continue;
		/* An absent SyncFailureTimeout means the default only if the
		 * damage did not cut the value away. */
		espdiag_finding *f = (fs->timeout_is_default ? diag_add_absent : diag_add)(
			x, RULE_TIMEOUT_TOO_SHORT, diag_context_phase(s->sid), s->sid,
			diag_fmt(x, "The ESP timeout (%" PRIu32 " min) is short for the %zu apps of %s",
			         fs->timeout_minutes, apps, diag_context_text(x, s->sid)),
			diag_fmt(x,
			         "%s tracks %zu app%s (%zu by its providers, %zu LOB MSI); at %u minutes "
			         "each they may need %" PRIu64 " minutes, more than the %" PRIu32
			         " minutes of SyncFailureTimeout%s.",
			         s->sid ? diag_fmt(x, "Account setup of user %s", s->sid) : "Device setup", apps,
			         apps == 1 ? "" : "s", s->app_count, nlob, x->app_minutes, need,
			         fs->timeout_minutes, fs->timeout_is_default ? " (absent: the default)" : ""),
			"Raise \"Show an error when installation takes longer than specified number of "
			"minutes\" in the ESP profile, or block on fewer apps and let the others "
			"install after setup.");
		phase_subject(x, f, diag_context_phase(s->sid), s->sid);
		diag_ev(x, f, fs->key, "SyncFailureTimeout",
		        fs->sync_failure_timeout.has ? diag_fmt(x, "%" PRIu32, fs->sync_failure_timeout.value)
		                                     : "absent");
		diag_ev(x, f, s->apps_key ? s->apps_key : s->key, NULL,
		        diag_fmt(x, "%zu tracked apps, %zu LOB MSI apps", s->app_count, nlob));
	}
}

static void msi_tracking_finding(diag_run *x, const msi_entry *first, const msi_entry *lastone)
{
	const espdiag_esp_snapshot *s = first->s;
	const espdiag_esp_entry *e = first->e;
	uint32_t st = context_status(x->esp, s->sid);
	const espdiag_esp_msi_app *m = msi_find(x, e->id);
	if (m != NULL && m->status.has &&
	    (m->status.value == ESPDIAG_ESP_MSI_DOWNLOAD_FAILED ||
	     m->status.value == ESPDIAG_ESP_MSI_ENFORCEMENT_FAILED))
		return; /* already reported from its Status */
	espdiag_finding *f = diag_add_absent(
		x, RULE_MSI_INSTALL_FAILED, diag_context_phase(s->sid), s->sid,
		diag_fmt(x, "%s %s never finished installing",
		         m && m->is_ime ? "The IME's MSI" : "MSI app", e->id),
		diag_fmt(x,
		         "In %s, which has %s, the ExpectedMSIAppPackages entry of %s never reached 1 "
		         "(processed) in any snapshot.%s",
		         diag_context_text(x, s->sid),
		         st == ESPDIAG_ESP_STATUS_FAILED ? "failed" : "completed", e->id,
		         m && m->status.has
		                 ? diag_fmt(x, " Its Status is %" PRIu32 " (%s).", m->status.value,
		                            espdiag_esp_msi_status_name(m->status.value))
		                 : ""),
		"Read the DeviceManagement-Enterprise-Diagnostics-Provider Admin event log for this "
		"product code, and the app's install status in Intune.");
	diag_subject(x, f, "msi_app", e->id, m && m->is_ime ? "Intune Management Extension" : NULL,
	             s->sid);
	diag_ev(x, f, lastone->s->key, lastone->e->value, diag_u32_text(x, lastone->e->state, NULL));
	if (m != NULL && m->status.has)
		diag_ev(x, f, m->key, "Status", diag_u32_text(x, m->status, espdiag_esp_msi_status_name));
}

/* Tracking entries that never reached processed, in a phase that has
 * ended: the ESP went on (or stopped) without them. Sorting keeps this
 * linear-logarithmic in the entry count, whatever the dump holds. */
static void rule_msi_tracking(diag_run *x)
{
	const espdiag_esp *esp = x->esp;
	size_t ns = espdiag_esp_snapshot_count(esp), n = 0, cap = 0;
	msi_entry *v = NULL;
	for (size_t i = 0; i < ns; i++) {
		const espdiag_esp_snapshot *s = espdiag_esp_snapshot_at(esp, i);
		if (!is_msi_snapshot(s))
			continue;
		uint32_t st = context_status(esp, s->sid);
		if (st != ESPDIAG_ESP_STATUS_COMPLETED && st != ESPDIAG_ESP_STATUS_FAILED)
			continue;
		for (size_t j = 0; j < s->entry_count; j++) {
			if (s->entries[j].kind != ESPDIAG_ESP_KIND_MSI_APP)
				continue;
			if (esp_reserve_one((void **)&v, n, &cap, sizeof *v, 64) != ESPDIAG_OK) {
				free(v);
				x->rc = ESPDIAG_ENOMEM;
				return;
			}
			v[n++] = (msi_entry){ i, j, s, &s->entries[j] };
		}
	}
	if (n == 0) {
		free(v);
		return;
	}
	qsort(v, n, sizeof *v, msi_entry_cmp);
	/* The groups (one item) that never reached 1: their first and last entries. */
	msi_pair *pairs = malloc(n * sizeof *pairs);
	size_t m = 0;
	if (pairs == NULL) {
		x->rc = ESPDIAG_ENOMEM;
		n = 0;
	}
	for (size_t g = 0; g < n;) {
		size_t h = g;
		bool processed = false;
		while (h < n && cmp_sid(v[h].s->sid, v[g].s->sid) == 0 &&
		       strcasecmp(v[h].e->id, v[g].e->id) == 0) {
			processed |= v[h].e->state.has && v[h].e->state.value == 1;
			h++;
		}
		if (!processed && v[h - 1].e->state.has) {
			pairs[m].first = v[g];
			pairs[m].last = v[h - 1];
			m++;
		}
		g = h;
	}
	/* Findings in the order the items first appear. */
	if (m > 0)
		qsort(pairs, m, sizeof *pairs, msi_place_cmp);
	for (size_t k = 0; k < m; k++)
		msi_tracking_finding(x, &pairs[k].first, &pairs[k].last);
	free(pairs);
	free(v);
}

static void rule_msi(diag_run *x)
{
	const espdiag_esp *esp = x->esp;
	size_t n = espdiag_esp_msi_app_count(esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_msi_app *m = espdiag_esp_msi_app_at(esp, i);
		if (!m->status.has || (m->status.value != ESPDIAG_ESP_MSI_DOWNLOAD_FAILED &&
		                       m->status.value != ESPDIAG_ESP_MSI_ENFORCEMENT_FAILED))
			continue;
		const char *sid = m->sid && strcasecmp(m->sid, DEVICE_MSI_SID) != 0 ? m->sid : NULL;
		bool dl = m->status.value == ESPDIAG_ESP_MSI_DOWNLOAD_FAILED;
		espdiag_finding *f = diag_add(
			x, RULE_MSI_INSTALL_FAILED, diag_context_phase(sid), sid,
			diag_fmt(x, "%s %s failed to %s", m->is_ime ? "The IME's MSI" : "MSI app",
			         m->product_code, dl ? "download" : "install"),
			diag_fmt(x, "In %s, the MSI %s has Status %" PRIu32 " (%s).%s%s%s",
			         diag_context_text(x, sid), m->product_code, m->status.value,
			         espdiag_esp_msi_status_name(m->status.value),
			         m->last_error.has
			                 ? diag_fmt(x, " LastError is %s.",
			                            diag_code_text(x, m->last_error.value))
			                 : "",
			         m->download_url ? " It downloads from " : "",
			         m->download_url ? diag_fmt(x, "%s.", m->download_url) : ""),
			dl ? "Check that the device reaches the download address (proxy, firewall, "
			     "TLS inspection) and that the package is still published in Intune."
			   : "Read the DeviceManagement-Enterprise-Diagnostics-Provider Admin event log "
			     "and the MSI's own log for the error; for a LOB app, consider packaging it "
			     "as a Win32 app (.intunewin) so the IME installs it with retries and logs.");
		diag_subject(x, f, "msi_app", m->product_code,
		             m->is_ime ? "Intune Management Extension" : NULL, sid);
		diag_ev(x, f, m->key, "Status", diag_u32_text(x, m->status, espdiag_esp_msi_status_name));
		if (m->last_error.has) {
			diag_ev(x, f, m->key, "LastError", diag_fmt(x, "0x%08" PRIx32, m->last_error.value));
			diag_set_code(f, m->last_error.value);
		}
	}

	rule_msi_tracking(x);
}

static void rule_pending_items(diag_run *x)
{
	const espdiag_esp *esp = x->esp;
	size_t n = espdiag_esp_item_count(esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_item *it = espdiag_esp_item_at(esp, i);
		if (!it->state_raw.has || it->state_raw.value == 1)
			continue;
		size_t rule;
		const char *what, *remedy;
		switch (it->kind) {
		case ESPDIAG_ESP_KIND_CERTIFICATE:
			rule = RULE_CERT_PROFILE_PENDING;
			what = "Certificate profile";
			remedy = "Check the SCEP/PKCS profile's status in Intune, the health of the "
			         "certificate connector (NDES or PKCS), and that the trusted root "
			         "certificate profile goes to the same group.";
			break;
		case ESPDIAG_ESP_KIND_NETWORK_PROFILE:
			rule = RULE_NETWORK_PROFILE_PENDING;
			what = "Network profile";
			remedy = "Check the Wi-Fi/VPN profile's status in Intune; a profile that needs a "
			         "certificate waits for it, and a user-assigned profile applies only in "
			         "account setup.";
			break;
		case ESPDIAG_ESP_KIND_MODERN_APP:
			rule = RULE_MODERN_APP_PENDING;
			what = "Store app";
			remedy = "Check the app's install status in Intune and that the device reaches "
			         "the Microsoft Store; use the Microsoft Store app (new) type rather than "
			         "the retired Store for Business.";
			break;
		default:
			continue;
		}
		espdiag_finding *f = diag_add_absent(
			x, rule, diag_context_phase(it->sid), it->sid,
			diag_fmt(x, "%s %s is not installed (%s)", what, it->id, diag_context_text(x, it->sid)),
			diag_fmt(x,
			         "In the last ESPTrackingInfo snapshot of %s, %s %s is in state %" PRIu32
			         " (%s), not 1 (processed).",
			         diag_context_text(x, it->sid), what, it->id, it->state_raw.value, it->state),
			remedy);
		diag_subject(x, f, espdiag_esp_item_kind_name(it->kind), it->id, NULL, it->sid);
		diag_ev(x, f, it->key, it->value, diag_u32_text(x, it->state_raw, NULL));
	}
}

static void rule_reboot(diag_run *x)
{
	for (size_t i = 0; i < setup_count(x->esp); i++) {
		const espdiag_esp_setup *s = setup_at(x->esp, i);
		if (s == NULL)
			continue;
		for (size_t j = 0; j < s->app_count; j++) {
			const espdiag_esp_app *a = s->apps[j];
			if (!a->reboot_required.has ||
			    (a->reboot_required.value != ESPDIAG_ESP_REBOOT_SOFT &&
			     a->reboot_required.value != ESPDIAG_ESP_REBOOT_HARD))
				continue;
			bool hard = a->reboot_required.value == ESPDIAG_ESP_REBOOT_HARD;
			espdiag_finding *f = diag_add(
				x, RULE_REBOOT_REQUIRED, diag_context_phase(a->sid), a->sid,
				diag_fmt(x, "%s asks for a %s restart", app_name(x, a), hard ? "hard" : "soft"),
				diag_fmt(x, "In %s, the tracked app %s has RebootRequired %" PRIu32 " (%s).",
				         diag_context_text(x, a->sid), a->id, a->reboot_required.value,
				         hard ? "hard" : "soft"),
				hard ? "The ESP restarts the device for it; a restart in account setup "
				       "sends the user back to the sign-in screen. Set the app's restart "
				       "behaviour to \"No specific action\" if it is not needed."
				     : "A soft restart waits until the end of the ESP; nothing to do unless "
				       "the app needs it earlier.");
			app_subject(x, f, a);
			diag_ev(x, f, a->key, "RebootRequired",
			        diag_u32_text(x, a->reboot_required, espdiag_esp_reboot_name));
		}
	}
}

/* The ESP page's own status of a phase that ran says it has not
 * succeeded (still running, waiting for a restart, not started, or
 * failed): the tracking keys alone must not call the ESP completed. */
static bool page_unfinished(const espdiag_esp *esp)
{
	size_t n = espdiag_esp_page_category_count(esp);
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_page_category *c = espdiag_esp_page_category_at(esp, i);
		if (c->state == ESPDIAG_ESP_PAGE_UNKNOWN || c->state == ESPDIAG_ESP_PAGE_SUCCEEDED)
			continue;
		size_t np = espdiag_esp_phase_count(esp);
		bool skipped = false;
		for (size_t k = 0; k < np; k++) {
			const espdiag_esp_phase_info *p = espdiag_esp_phase_at(esp, k);
			skipped |= p->phase == c->phase && p->status == ESPDIAG_ESP_STATUS_SKIPPED;
		}
		if (!skipped)
			return true;
	}
	return false;
}

static void rule_completed(diag_run *x, bool errors)
{
	const espdiag_esp *esp = x->esp;
	size_t n = espdiag_esp_phase_count(esp), completed = 0;
	if (errors || n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_phase_info *p = espdiag_esp_phase_at(esp, i);
		if (p->status == ESPDIAG_ESP_STATUS_COMPLETED)
			completed++;
		else if (p->status != ESPDIAG_ESP_STATUS_SKIPPED)
			return;
	}
	if (completed == 0 || page_unfinished(esp))
		return;
	espdiag_finding *f =
		diag_add_absent(x, RULE_ESP_COMPLETED, 0, NULL, "The Enrollment Status Page completed",
		                "Every phase that ran completed and no rule found an error.",
		                "Nothing to do for the ESP; look at the warnings, if any, for what may "
		                "slow the next deployment.");
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_phase_info *p = espdiag_esp_phase_at(esp, i);
		if (p->key != NULL)
			diag_ev(x, f, p->key, NULL,
			        diag_fmt(x, "%s%s%s: %s", espdiag_esp_phase_name(p->phase), p->sid ? " " : "",
			                 p->sid ? p->sid : "", espdiag_esp_phase_status_name(p->status)));
	}
}

static void damage_evidence(diag_run *x, espdiag_finding *f, const char *where,
                            const espdiag_warning *w)
{
	const char *pos = w->line ? diag_fmt(x, "line %" PRIu64 ", column %" PRIu64, w->line, w->column)
	                          : diag_fmt(x, "offset %" PRIu64, w->offset);
	diag_ev(x, f, where, pos, w->message);
	if (f != NULL && x->rc == ESPDIAG_OK) {
		diag_evidence *e = &f->evidence[f->evidence_count - 1];
		e->has_position = true;
		e->line = w->line;
		e->column = w->column;
		e->offset = w->offset;
	}
}

/* What rule withheld, with the part of it that rests on absence. */
static const struct {
	size_t rule;
	const char *part;
} withheld_parts[] = {
	{ RULE_TIMEOUT_TOO_SHORT, " (SyncFailureTimeout absent: the default assumed)" },
	{ RULE_MSI_INSTALL_FAILED, " (an ExpectedMSIAppPackages entry never processed)" },
};

/* input-damaged's sentence on what the damage withheld. */
static const char *withheld_text(diag_run *x)
{
	if (!x->damaged)
		return " These warnings are notes, not damage: no conclusion was withheld.";
	sbuf b = { 0 };
	size_t n = 0;
	for (size_t i = 0; i < RULE_COUNT; i++) {
		if (!x->withheld[i])
			continue;
		const char *part = "";
		for (size_t k = 0; k < sizeof withheld_parts / sizeof withheld_parts[0]; k++)
			if (withheld_parts[k].rule == i)
				part = withheld_parts[k].part;
		sb_add(&b, "%s%s%s", n++ ? ", " : "", diag_rules[i].id, part);
	}
	if (n == 0) {
		free(b.s);
		return " Because the input is damaged, no rule concluded from a key being absent or "
		       "from the last snapshot, and the outcome is unknown unless an error stands.";
	}
	return diag_fmt(x,
	                " Because the input is damaged, these conclusions, which would rest on a key "
	                "being absent or on the last snapshot, were withheld: %s. The outcome is "
	                "unknown unless an error stands.",
	                sb_take(x, &b));
}

/* Whether a source is damaged (see diagnose.h): its "damaged" property,
 * else any warning it left. */
static bool source_damaged(const espdiag_registry *reg, size_t src, bool has_warning)
{
	const char *d = espdiag_registry_source_property(reg, src, "damaged");
	if (d != NULL && strcmp(d, "yes") == 0)
		return true;
	if (d != NULL && strcmp(d, "no") == 0)
		return false;
	return has_warning;
}

/* The first damaged source of reg (its index in *src), false when none. */
static bool find_damage(const espdiag_registry *reg, size_t *src)
{
	size_t ns = reg ? espdiag_registry_source_count(reg) : 0;
	size_t nw = reg ? espdiag_registry_warning_count(reg) : 0;
	for (size_t i = 0; i < ns; i++) {
		if (source_damaged(reg, i, false)) {
			*src = i;
			return true;
		}
	}
	/* Warnings come grouped by source; one look per warning is linear. */
	for (size_t i = 0; i < nw; i++) {
		size_t s = 0;
		if (espdiag_registry_warning_at(reg, i, &s) != NULL && s < ns &&
		    source_damaged(reg, s, true)) {
			*src = s;
			return true;
		}
	}
	return false;
}

static void rule_damaged(diag_run *x, const espdiag_registry *reg, const espdiag_bundle *bundle)
{
	const espdiag_esp *esp = x->esp;
	size_t nr = reg ? espdiag_registry_warning_count(reg) : 0;
	size_t nm = espdiag_esp_warning_count(esp);
	size_t nb = bundle ? espdiag_bundle_warning_count(bundle) : 0;
	size_t first = 0;
	if (nr + nm + nb == 0 && !x->damaged)
		return;
	/* The bundle's warnings (a damaged archive, a member cut short) name
	 * what was lost; the sentence about them only when there are some, so
	 * a report without a bundle reads as before. */
	const char *bundle_text = "";
	if (nb > 0) {
		const espdiag_warning *w = espdiag_bundle_warning_at(bundle, 0);
		bundle_text = diag_fmt(x, " The bundle left %zu warning%s (the first: %s).", nb,
		                       nb == 1 ? "" : "s", w && w->message ? w->message : "");
	}
	espdiag_finding *f = diag_add(
		x, RULE_INPUT_DAMAGED, 0, NULL, "The input is damaged; findings may be incomplete",
		diag_fmt(x,
		         "The reader left %zu warning%s and the ESP model %zu: damaged or unusable parts "
		         "were skipped, so evidence may be missing.%s%s",
		         nr, nr == 1 ? "" : "s", nm, bundle_text, withheld_text(x)),
		"Collect the registry again (mdmdiagnosticstool.exe -area Autopilot -cab ...) and "
		"do not edit or re-encode the .reg; for a hive, copy it from a shadow copy or "
		"with reg save.");
	/* About the first damaged source, else the first that left a warning. */
	if (!find_damage(reg, &first) && nr > 0)
		espdiag_registry_warning_at(reg, 0, &first);
	const char *input = reg && espdiag_registry_source_count(reg) > first
	                        ? espdiag_registry_source_property(reg, first, "path")
	                        : NULL;
	diag_subject(x, f, "input", input && *input ? input : "(input)", NULL, NULL);
	size_t kept = 0;
	for (size_t i = 0; i < nr && kept < MAX_DAMAGE_EVIDENCE; i++, kept++) {
		size_t src = 0;
		const espdiag_warning *w = espdiag_registry_warning_at(reg, i, &src);
		const char *path = espdiag_registry_source_property(reg, src, "path");
		if (w != NULL)
			damage_evidence(x, f, path ? path : "input", w);
	}
	for (size_t i = 0; i < nm && kept < MAX_DAMAGE_EVIDENCE; i++, kept++) {
		const espdiag_warning *w = espdiag_esp_warning_at(esp, i);
		if (w != NULL)
			diag_ev(x, f, "ESP model", NULL, w->message);
	}
	for (size_t i = 0; i < nb && kept < MAX_DAMAGE_EVIDENCE; i++, kept++) {
		const espdiag_warning *w = espdiag_bundle_warning_at(bundle, i);
		if (w != NULL)
			diag_ev(x, f, "bundle", NULL, w->message);
	}
	if (nr + nm + nb > kept)
		diag_ev(x, f, "input", NULL, diag_fmt(x, "%zu more warnings", nr + nm + nb - kept));
}

/* --- options, order, outcome --- */

static int parse_skips(diag_run *x, const espdiag_diagnose_options *o)
{
	for (size_t i = 0; o->skip_rules && o->skip_rules[i]; i++) {
		int k = rule_index(o->skip_rules[i], strlen(o->skip_rules[i]));
		if (k < 0) {
			x->bad_id = o->skip_rules[i];
			x->bad_id_len = strlen(o->skip_rules[i]);
			return ESPDIAG_EINVAL;
		}
		x->skip[k] = true;
	}
	const char *p = o->skip_rules_csv;
	while (p && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *end = p;
		while (*end && *end != ',')
			end++;
		const char *e = end;
		while (e > p && e[-1] == ' ')
			e--;
		if (e > p) {
			int k = rule_index(p, (size_t)(e - p));
			if (k < 0) {
				x->bad_id = p;
				x->bad_id_len = (size_t)(e - p);
				return ESPDIAG_EINVAL;
			}
			x->skip[k] = true;
		}
		p = end;
	}
	return ESPDIAG_OK;
}

static int finding_cmp(const void *a, const void *b)
{
	const espdiag_finding *f = *(const espdiag_finding *const *)a;
	const espdiag_finding *g = *(const espdiag_finding *const *)b;
	if (f->phase != g->phase)
		return f->phase < g->phase ? -1 : 1;
	if (f->user != g->user)
		return f->user < g->user ? -1 : 1;
	espdiag_severity fs = diag_rules[f->rule].severity, gs = diag_rules[g->rule].severity;
	if (fs != gs)
		return fs > gs ? -1 : 1;
	return f->seq < g->seq ? -1 : f->seq > g->seq;
}

static void finish(diag_run *x)
{
	espdiag_report *r = x->r;
	const espdiag_esp *esp = x->esp;
	if (r->finding_count > 1)
		qsort(r->findings, r->finding_count, sizeof *r->findings, finding_cmp);
	bool no_data = false, completed = false, failed = false, running = false;
	for (size_t i = 0; i < r->finding_count; i++) {
		const espdiag_finding *f = r->findings[i];
		switch (diag_rules[f->rule].severity) {
		case ESPDIAG_SEVERITY_ERROR: r->errors++; failed = true; break;
		case ESPDIAG_SEVERITY_WARNING: r->warnings_n++; break;
		default: r->infos++; break;
		}
		no_data |= f->rule == RULE_NO_ESP_DATA;
		completed |= f->rule == RULE_ESP_COMPLETED;
	}
	size_t n = espdiag_esp_phase_count(esp);
	for (size_t i = 0; i < n; i++) {
		uint32_t st = espdiag_esp_phase_at(esp, i)->status;
		failed |= st == ESPDIAG_ESP_STATUS_FAILED;
		running |= st == ESPDIAG_ESP_STATUS_IN_PROGRESS ||
		           st == ESPDIAG_ESP_STATUS_IDENTIFYING || st == ESPDIAG_ESP_STATUS_NOT_STARTED;
	}
	running |= page_unfinished(esp);
	diag_v2_outcome(esp, &completed, &running);
	/* On damaged input only a failure read from what is there stands: the
	 * damage may hide what would finish a running phase or fail a
	 * completed one. */
	r->incomplete = x->damaged;
	if (r->incomplete)
		completed = running = false;
	r->outcome = no_data     ? ESPDIAG_OUTCOME_UNKNOWN
	             : failed    ? ESPDIAG_OUTCOME_FAILED
	             : completed ? ESPDIAG_OUTCOME_COMPLETED
	             : running   ? ESPDIAG_OUTCOME_IN_PROGRESS
	                         : ESPDIAG_OUTCOME_UNKNOWN;
}

/* A growable buffer behind a stdio stream: the model's JSON is captured
 * once per report. (open_memstream zero-fills and copies on every growth
 * step, which cost more than writing the JSON.) */
typedef struct sink {
	char *buf;
	size_t len, cap;
	bool failed;
} sink;

static ssize_t sink_write(void *cookie, const char *data, size_t size)
{
	sink *k = cookie;
	if (k->len + size > k->cap) {
		size_t cap = k->cap ? k->cap : 65536;
		while (cap < k->len + size)
			cap *= 2;
		char *b = realloc(k->buf, cap);
		if (b == NULL) {
			k->failed = true;
			return -1;
		}
		k->buf = b;
		k->cap = cap;
	}
	memcpy(k->buf + k->len, data, size);
	k->len += size;
	return (ssize_t)size;
}

/* Copies what the renderings need from the model and the registry. */
static int copy_context(diag_run *x, const espdiag_registry *reg)
{
	espdiag_report *r = x->r;
	const espdiag_esp *esp = x->esp;
	size_t n = espdiag_esp_phase_count(esp);
	r->phases = n ? esp_arena_alloc(&r->arena, n * sizeof *r->phases) : NULL;
	if (n && r->phases == NULL)
		return ESPDIAG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_phase_info *p = espdiag_esp_phase_at(esp, i);
		r->phases[i].phase = p->phase;
		r->phases[i].status = p->status;
		r->phases[i].sid = diag_keep(x, p->sid);
		r->phases[i].key = diag_keep(x, p->key);
	}
	r->phase_count = n;

	sink k = { 0 };
	FILE *mem = fopencookie(&k, "w", (cookie_io_functions_t){ .write = sink_write });
	if (mem == NULL)
		return ESPDIAG_ENOMEM;
	/* Only this thread sees the stream; the model's writer makes a call
	 * per character, and stdio's lock per call was most of its cost. */
	__fsetlocking(mem, FSETLOCKING_BYCALLER);
	int rc = espdiag_esp_write_json(esp, ESPDIAG_ESP_JSON_REPORT, mem);
	if (fclose(mem) != 0 && rc == ESPDIAG_OK)
		rc = ESPDIAG_ENOMEM;
	if (k.failed && rc == ESPDIAG_OK)
		rc = ESPDIAG_ENOMEM;
	if (rc != ESPDIAG_OK) {
		free(k.buf);
		return rc == ESPDIAG_EIO ? ESPDIAG_ENOMEM : rc;
	}
	r->model_json = k.buf;
	r->model_json_len = k.len;

	r->scenario = espdiag_esp_scenario(esp);
	r->v1 = diag_v1_applies(esp);
	const espdiag_esp_devprep *d = espdiag_esp_devprep_info(esp);
	r->has_devprep = d->in_use;
	r->has_devprep_status = d->page_status.number.has;
	r->devprep_status = d->page_status.number.value;
	size_t ne = espdiag_esp_scenario_evidence_count(esp);
	r->scenario_evidence = ne ? esp_arena_calloc(&r->arena, ne, sizeof *r->scenario_evidence)
	                          : NULL;
	if (ne && r->scenario_evidence == NULL)
		return ESPDIAG_ENOMEM;
	for (size_t i = 0; i < ne; i++) {
		const espdiag_esp_evidence *e = espdiag_esp_scenario_evidence_at(esp, i);
		diag_evidence *c = &r->scenario_evidence[r->scenario_evidence_count++];
		*c = (diag_evidence){ 0 };
		c->key = diag_keep(x, e->key);
		c->value = diag_keep(x, e->value);
		c->data = diag_keep(x, e->data);
	}

	r->generated_at = (int64_t)time(NULL);
	if (reg != NULL && x->rc == ESPDIAG_OK && diag_report_type_evidence(r, reg) != ESPDIAG_OK)
		return ESPDIAG_ENOMEM;
	if (reg != NULL && espdiag_registry_source_count(reg) > 0) {
		r->has_input = true;
		r->prefix = diag_keep(x, espdiag_registry_source_property(reg, 0, "prefix"));
		r->path = diag_keep(x, espdiag_registry_source_property(reg, 0, "path"));
		r->format = diag_keep(x, espdiag_registry_source_property(reg, 0, "format"));
		r->encoding = diag_keep(x, espdiag_registry_source_property(reg, 0, "encoding"));
		r->dialect = diag_keep(x, espdiag_registry_source_property(reg, 0, "dialect"));
		r->member = diag_keep(x, espdiag_registry_source_property(reg, 0, "member"));
		r->members = diag_keep(x, espdiag_registry_source_property(reg, 0, "members"));
	}
	size_t nw = reg ? espdiag_registry_warning_count(reg) : 0;
	r->warnings = nw ? esp_arena_alloc(&r->arena, nw * sizeof *r->warnings) : NULL;
	if (nw && r->warnings == NULL)
		return ESPDIAG_ENOMEM;
	for (size_t i = 0; i < nw; i++) {
		const espdiag_warning *w = espdiag_registry_warning_at(reg, i, NULL);
		if (w == NULL)
			continue;
		espdiag_warning *c = &r->warnings[r->warning_count++];
		*c = *w;
		c->message = diag_keep(x, w->message ? w->message : "");
	}
	return x->rc;
}

/* The bundle's members, for the JSON "input". */
static int copy_bundle(diag_run *x, const espdiag_bundle *b)
{
	espdiag_report *r = x->r;
	size_t n = espdiag_bundle_member_count(b);
	r->bundle_format = diag_keep(x, espdiag_bundle_format(b) ? espdiag_bundle_format(b) : "");
	r->bundle_members = n ? esp_arena_calloc(&r->arena, n, sizeof *r->bundle_members) : NULL;
	if (r->bundle_format == NULL || (n && r->bundle_members == NULL))
		return ESPDIAG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		espdiag_member m = *espdiag_bundle_member_at(b, i);
		m.name = diag_keep(x, m.name);
		m.reason = m.reason ? diag_keep(x, m.reason) : NULL;
		m.summary = m.summary ? diag_keep(x, m.summary) : NULL;
		r->bundle_members[i] = m;
	}
	r->bundle_member_count = n;
	return x->rc;
}

/* The message of a failed diagnosis into *errmsg (when errmsg is not
 * NULL); returns rc. */
static int fail(char **errmsg, int rc, const diag_run *x, const char *what)
{
	if (errmsg == NULL)
		return rc;
	char buf[256];
	if (x != NULL && x->bad_id != NULL)
		snprintf(buf, sizeof buf, "no rule \"%.*s\" to skip (see espdiag_rule_at())",
		         (int)(x->bad_id_len < 128 ? x->bad_id_len : 128), x->bad_id);
	else
		snprintf(buf, sizeof buf, "%s", what ? what : espdiag_strerror(rc));
	*errmsg = strdup(buf);
	return rc;
}

static int diagnose(espdiag_report **out, char **errmsg, const espdiag_esp *esp,
                    const espdiag_diagnose_options *opts)
{
	static const espdiag_diagnose_options defaults = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	if (errmsg != NULL)
		*errmsg = NULL;
	if (out == NULL)
		return fail(errmsg, ESPDIAG_EINVAL, NULL, "out is NULL");
	*out = NULL;
	if (esp == NULL)
		return fail(errmsg, ESPDIAG_EINVAL, NULL, "esp is NULL");
	if (opts == NULL)
		opts = &defaults;
	if (opts->version < 1 || opts->version > ESPDIAG_DIAGNOSE_OPTIONS_VERSION)
		return fail(errmsg, ESPDIAG_EINVAL, NULL, "unknown espdiag_diagnose_options version");
	diag_run x = { 0 };
	x.esp = esp;
	x.app_minutes = opts->app_minutes ? opts->app_minutes : ESPDIAG_DIAGNOSE_DEFAULT_APP_MINUTES;
	int rc = parse_skips(&x, opts);
	if (rc == ESPDIAG_OK)
		rc = index_msi(&x);
	if (rc != ESPDIAG_OK)
		return fail(errmsg, rc, &x, NULL);
	espdiag_report *r = calloc(1, sizeof *r);
	if (r == NULL) {
		free(x.msi);
		return ESPDIAG_ENOMEM;
	}
	esp_arena_init(&r->arena);
	x.r = r;
	size_t damaged_src;
	x.damaged = find_damage(opts->registry, &damaged_src);
	/* A bundle's warnings (an archive damaged or cut short, a member
	 * lost): evidence may be missing, as from a damaged registry source. */
	const espdiag_bundle *bundle = opts->version >= 2 ? opts->bundle : NULL;
	if (bundle != NULL && espdiag_bundle_warning_count(bundle) > 0)
		x.damaged = true;
	const espdiag_esp_enrollment *e = espdiag_esp_primary_enrollment(esp);
	x.fs = e ? e->first_sync : NULL;

	/* The ESP (v1) rules, unless the device went through device
	 * preparation and has no ESP keys (diagnose_v2.c decides). */
	bool v1 = diag_v1_applies(esp);
	if (v1) {
		rule_presence(&x);
		rule_phase_skipped(&x);
		rule_providers(&x);
		rule_tracking_policies(&x);
		rule_apps(&x);
		rule_incomplete(&x);
		rule_account_not_started(&x);
		rule_mixed(&x);
		rule_timeout(&x);
		rule_msi(&x);
		rule_pending_items(&x);
		rule_reboot(&x);
	}
	diag_rule_office(&x);
	if (v1)
		diag_rule_page(&x);
	diag_rule_v2(&x);
	diag_rule_apps_logs(&x);
	diag_rule_bundle(&x);
	/* esp-completed looks at every error, also those of skipped rules:
	 * leaving a rule out must not turn a failure into a success. */
	if (v1)
		rule_completed(&x, x.error_seen);
	rule_damaged(&x, opts->registry, bundle);
	if (x.rc == ESPDIAG_OK)
		x.rc = copy_context(&x, opts->registry);
	if (x.rc == ESPDIAG_OK && opts->version >= 2 && opts->bundle != NULL)
		x.rc = copy_bundle(&x, opts->bundle);
	free(x.msi);
	if (x.rc != ESPDIAG_OK) {
		rc = x.rc;
		espdiag_report_free(r);
		return fail(errmsg, rc, NULL, NULL);
	}
	finish(&x);
	*out = r;
	return ESPDIAG_OK;
}

int espdiag_diagnose(espdiag_report **out, const espdiag_esp *esp,
                     const espdiag_diagnose_options *opts)
{
	return diagnose(out, NULL, esp, opts);
}

int espdiag_diagnose_ex(espdiag_report **out, char **errmsg, const espdiag_esp *esp,
                        const espdiag_diagnose_options *opts)
{
	return diagnose(out, errmsg, esp, opts);
}

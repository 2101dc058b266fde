/*
 * lib/diagnose_bundle.c - the rules on what only a bundle holds: its event
 * logs (espdiag_esp_event_at()) and the Autopilot ZTD file
 * (espdiag_esp_ztd_info()): enrollment-failed, odj-failed,
 * hybrid-registration-failed, autopilot-not-registered. Their findings
 * belong to no ESP phase (phase 0): enrollment, the domain join and the
 * Autopilot registration come before the ESP's phases.
 *
 * Evidence of an event: key the bundle member (the .evtx file), value
 * "event ID #RECORD", data its UTC time, channel and data items. Of the
 * ZTD file: key the member, value "ErrorCode", data the code and reason.
 *
 * Sources of each event's meaning are cited beside each rule; one known
 * only from community tools says so in the finding's detail.
 */
#include "diagnose_run.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CH_DM "Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin"
#define CH_UDR "Microsoft-Windows-User Device Registration/Admin"

/* The most events one finding names as evidence. */
#define MAX_EVENT_EVIDENCE 5u

#define COMMUNITY_NOTE                                                                     \
	" This event's meaning is reported by community tools "                            \
	"(Get-AutopilotDiagnosticsCommunity), not documented by Microsoft."

static bool is(const espdiag_esp_event *e, const char *channel, uint32_t id)
{
	return e->event_id == id && strcasecmp(e->channel, channel) == 0;
}

/* The HRESULT an event carries: the first "0x" and 1-8 hex digits in a
 * data item ("0x8018002b", "Unknown Win32 Error code: 0x8018002b"), else a
 * data item that is a decimal number of an HRESULT's range (the signed
 * form, -2145910741, or 2149056555). A judgment call: the items' names
 * differ between builds and are not documented, so every item is read. */
static bool event_code(const espdiag_esp_event *e, uint32_t *out)
{
	for (size_t i = 0; i < e->data_count; i++) {
		for (const char *p = e->data[i].value; *p != '\0'; p++) {
			if (p[0] != '0' || (p[1] != 'x' && p[1] != 'X') || !isxdigit((unsigned char)p[2]))
				continue;
			char *end;
			unsigned long long n = strtoull(p + 2, &end, 16);
			if (end - (p + 2) <= 8 && n >= 0x80000000ull) {
				*out = (uint32_t)n;
				return true;
			}
		}
	}
	for (size_t i = 0; i < e->data_count; i++) {
		const char *v = e->data[i].value;
		char *end;
		if (*v == '\0')
			continue;
		long long n = strtoll(v, &end, 10);
		if (*end != '\0')
			continue;
		if (n < 0 && n >= INT32_MIN) {
			*out = (uint32_t)(int32_t)n;
			return true;
		}
		if (n >= 0x80000000ll && n <= 0xffffffffll) {
			*out = (uint32_t)n;
			return true;
		}
	}
	return false;
}

static const char *event_data_text(diag_run *x, const espdiag_esp_event *e)
{
	const char *s = "";
	for (size_t i = 0; i < e->data_count && i < 16; i++)
		s = diag_fmt(x, "%s%s%s%s%s", s, i ? "; " : "", e->data[i].name,
		             *e->data[i].name ? "=" : "", e->data[i].value);
	return s;
}

static void event_evidence(diag_run *x, espdiag_finding *f, const espdiag_esp_event *e)
{
	const char *items = event_data_text(x, e);
	diag_ev(x, f, e->member, diag_fmt(x, "event %" PRIu32 " #%" PRIu64, e->event_id, e->record_id),
	        diag_fmt(x, "%s %s%s%s", e->utc_time ? e->utc_time : "(no time)", e->channel,
	                 *items ? ": " : "", items));
}

/* The last event for which failed() holds with no event after it for
 * which undone() holds, and how many such failures there were since the
 * last undoing one (*count); NULL when none stands. */
static const espdiag_esp_event *last_standing(const espdiag_esp *esp,
                                              bool (*failed)(const espdiag_esp_event *),
                                              bool (*undone)(const espdiag_esp_event *),
                                              size_t *count)
{
	size_t n = espdiag_esp_event_count(esp);
	const espdiag_esp_event *last = NULL;
	*count = 0;
	for (size_t i = 0; i < n; i++) {
		const espdiag_esp_event *e = espdiag_esp_event_at(esp, i);
		if (failed(e)) {
			last = e;
			(*count)++;
		} else if (undone(e)) {
			last = NULL;
			*count = 0;
		}
	}
	return last;
}

static const char *when(const espdiag_esp_event *e)
{
	return e->utc_time ? e->utc_time : "an unknown time";
}

/*
 * enrollment-failed: DeviceManagement-Enterprise-Diagnostics-Provider/Admin
 *   71 "MDM Enroll: Failed (%1)"  (dmenterprisediagnostics.dll's message
 *      table, libyal/winevt-kb docs/sources/message-files/
 *      MessageFile-dmenterprisediagnostics.dll.md; 72 there is
 *      "MDM Enroll: Succeeded")
 *   76 "Auto MDM Enroll: Failed (Unknown Win32 Error code: 0x8018002b)"
 *      (Microsoft Learn, "Troubleshoot Windows device enrollment problems
 *      in Microsoft Intune")
 * It fires when a failure is not followed by a success (72): automatic
 * enrollment retries, and a later success means the device did enroll.
 */
static bool enroll_failed(const espdiag_esp_event *e)
{
	return is(e, CH_DM, 71) || is(e, CH_DM, 76);
}

static bool enroll_succeeded(const espdiag_esp_event *e)
{
	return is(e, CH_DM, 72);
}

static void rule_enrollment(diag_run *x)
{
	const espdiag_esp *esp = x->esp;
	size_t n = espdiag_esp_event_count(esp), failures;
	const espdiag_esp_event *last = last_standing(esp, enroll_failed, enroll_succeeded, &failures);
	if (last == NULL)
		return;
	uint32_t code = 0;
	bool has_code = event_code(last, &code);
	espdiag_finding *f = diag_add(
		x, RULE_ENROLLMENT_FAILED, 0, NULL,
		has_code ? diag_fmt(x, "MDM enrollment failed (0x%08" PRIx32 ")", code)
		         : "MDM enrollment failed",
		diag_fmt(x,
		         "The DeviceManagement-Enterprise-Diagnostics-Provider/Admin log records %s "
		         "(event %" PRIu32 ") at %s%s%s, and no enrollment success (event 72) after it "
		         "(%zu failure%s in all). Without MDM enrollment the ESP gets no policies or "
		         "apps.",
		         last->event_id == 76 ? "a failed automatic MDM enrollment"
		                              : "a failed MDM enrollment",
		         last->event_id, when(last), has_code ? ": " : "",
		         has_code ? diag_code_text(x, code) : "", failures, failures == 1 ? "" : "s"),
		"Check that the user is in the MDM user scope and has an Intune license, that the "
		"UPN's domain is verified (not .local), that enrollment restrictions allow the device, "
		"and the device limit; Microsoft Learn \"Troubleshoot Windows device enrollment "
		"problems in Microsoft Intune\" lists the codes.");
	if (f == NULL)
		return;
	if (has_code)
		diag_set_code(f, code);
	diag_subject(x, f, "enrollment", "mdm", NULL, NULL);
	/* The failures since the last success, the latest few, oldest first. */
	size_t skip = failures > MAX_EVENT_EVIDENCE ? failures - MAX_EVENT_EVIDENCE : 0, seen = 0;
	size_t start = 0;
	for (size_t i = 0; i < n; i++)
		if (enroll_succeeded(espdiag_esp_event_at(esp, i)))
			start = i + 1;
	for (size_t i = start; i < n; i++) {
		const espdiag_esp_event *e = espdiag_esp_event_at(esp, i);
		if (enroll_failed(e) && seen++ >= skip)
			event_evidence(x, f, e);
	}
}

/*
 * odj-failed (hybrid join): DeviceManagement-Enterprise-Diagnostics-
 * Provider/Admin, as Get-AutopilotDiagnosticsCommunity reads it
 * (andrew-s-taylor/WindowsAutopilotInfo, "Community Version/
 * Get-AutopilotDiagnosticsCommunity.ps1", ProcessEvents):
 *   100  "Could not establish connectivity" (no domain controller reached)
 *   109, 110  ODJ state in the first data item: 0 not configured,
 *        1 waiting for the blob, 2 processed, 3 timed out waiting for the
 *        blob or connectivity
 *   107  "Successfully applied ODJ blob"; 111 "Starting wait for ODJ blob"
 * Community-reported only. It fires on a 100 or a state 3 not followed by
 * a 107, unless the registry's OMADM\SyncML\ODJApplied key shows the blob
 * was applied after all.
 */
static bool odj_failure(const espdiag_esp_event *e)
{
	if (is(e, CH_DM, 100))
		return true;
	if ((is(e, CH_DM, 109) || is(e, CH_DM, 110)) && e->data_count > 0)
		return strcmp(e->data[0].value, "3") == 0;
	return false;
}

static bool odj_applied(const espdiag_esp_event *e)
{
	return is(e, CH_DM, 107);
}

static void rule_odj(diag_run *x)
{
	const espdiag_esp *esp = x->esp;
	size_t failures;
	const espdiag_esp_event *last = last_standing(esp, odj_failure, odj_applied, &failures);
	if (last == NULL || espdiag_esp_odj_applied_key(esp) != NULL)
		return;
	bool timed_out = last->event_id != 100;
	espdiag_finding *f = diag_add(
		x, RULE_ODJ_FAILED, 0, NULL,
		timed_out ? "Hybrid join: the offline domain join timed out"
		          : "Hybrid join: no domain controller was reachable for the offline domain join",
		diag_fmt(x,
		         "The DeviceManagement-Enterprise-Diagnostics-Provider/Admin log records event "
		         "%" PRIu32 " at %s (%s), and no applied offline domain join blob (event 107) "
		         "after it; the registry has no OMADM\\SyncML\\ODJApplied key. The device did "
		         "not join the on-premises domain.%s",
		         last->event_id, when(last),
		         timed_out ? "state 3: timed out waiting for the blob or connectivity"
		                   : "could not establish connectivity",
		         COMMUNITY_NOTE),
		"The device must reach a domain controller during OOBE (line of sight, or a VPN that "
		"starts before logon); check the Intune Connector for Active Directory (its service "
		"runs and can create computer objects in the OU of the domain join profile) and that "
		"the domain join profile is assigned to the device.");
	if (f == NULL)
		return;
	diag_subject(x, f, "domain_join", "offline_domain_join", NULL, NULL);
	event_evidence(x, f, last);
}

/*
 * hybrid-registration-failed: User Device Registration/Admin
 *   304 "Automatic registration failed at join phase" / "Hybrid AADJ
 *       device registration failed", 306 "Automatic registration
 *       Succeeded", 101 SCP discovery (Get-AutopilotDiagnosticsCommunity
 *       ProcessEvents; Steve Prentice's WaitForUserDeviceRegistration.ps1).
 *       Community-reported only.
 *   dsreg.dll's own message table (libyal/winevt-kb docs/sources/
 *   message-files/MessageFile-dsreg.dll.md, 10.0.19041.1) gives the ids of
 *   older builds: 22 "Automatic registration failed at join phase", 24
 *   "... failed at authentication phase", 25 "... Failed to lookup the
 *   registration service information from Active Directory", 33 "Failed
 *   to discover the Azure AD DRS service", 96 "... can NOT be joined
 *   because a domain controller could not be located"; 23 "Automatic
 *   registration Succeeded".
 * It fires on a failure not followed by a success: the scheduled task
 * retries. A warning: the device may still register at a later sign-in,
 * once Entra Connect has synced it.
 */
static bool registration_failed(const espdiag_esp_event *e)
{
	static const uint32_t ids[] = { 304, 22, 24, 25, 33, 96 };
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		if (is(e, CH_UDR, ids[i]))
			return true;
	}
	return false;
}

static bool registration_succeeded(const espdiag_esp_event *e)
{
	return is(e, CH_UDR, 306) || is(e, CH_UDR, 23);
}

static void rule_hybrid(diag_run *x)
{
	size_t failures;
	const espdiag_esp_event *last =
		last_standing(x->esp, registration_failed, registration_succeeded, &failures);
	if (last == NULL)
		return;
	uint32_t code = 0;
	bool has_code = event_code(last, &code);
	espdiag_finding *f = diag_add(
		x, RULE_HYBRID_REGISTRATION_FAILED, 0, NULL,
		has_code ? diag_fmt(x, "Hybrid Entra registration failed (0x%08" PRIx32 ")", code)
		         : "Hybrid Entra registration failed",
		diag_fmt(x,
		         "The User Device Registration/Admin log records a failed automatic device "
		         "registration (event %" PRIu32 ") at %s%s%s, and no successful one (event "
		         "306 or 23) after it (%zu failure%s in all). Until the device registers, the "
		         "user gets no Primary Refresh Token and account setup cannot start.%s",
		         last->event_id, when(last), has_code ? ": " : "",
		         has_code ? diag_code_text(x, code) : "", failures, failures == 1 ? "" : "s",
		         last->event_id == 304 ? COMMUNITY_NOTE : ""),
		"Check that Entra Connect syncs the computer's OU (and its userCertificate), the "
		"Service Connection Point, and that the device reaches the Entra endpoints; "
		"dsregcmd /status on the device shows the registration's last error.");
	if (f == NULL)
		return;
	if (has_code)
		diag_set_code(f, code);
	diag_subject(x, f, "device_registration", "hybrid_join", NULL, NULL);
	event_evidence(x, f, last);
}

/*
 * autopilot-not-registered: AutopilotDDSZTDFile.json holds the error the
 * Autopilot service answers a device it does not know, such as
 * {"ErrorCode":807,"ErrorReason":"ZtdDeviceIsNotRegistered"}
 * (../shared/EVIDENCE.md §3), and no profile was downloaded (neither the
 * file nor the registry's Diagnostics\Autopilot has one).
 */
static void rule_not_registered(diag_run *x)
{
	const espdiag_esp *esp = x->esp;
	const espdiag_esp_ztd *z = espdiag_esp_ztd_info(esp);
	const espdiag_esp_autopilot *a = espdiag_esp_autopilot_info(esp);
	if (z == NULL || !z->has_error || z->profile_name != NULL || a->profile_name != NULL ||
	    a->ztd_id != NULL)
		return;
	const char *reason = z->error_reason ? z->error_reason : "no ErrorReason";
	espdiag_finding *f = diag_add(
		x, RULE_AUTOPILOT_NOT_REGISTERED, 0, NULL,
		"The device is not registered for Windows Autopilot",
		diag_fmt(x,
		         "%s holds ErrorCode %" PRId64 " (%s) instead of an Autopilot profile, and the "
		         "registry has no downloaded profile: the Autopilot service does not know this "
		         "device's hardware hash, so it ran the plain out-of-box experience.",
		         z->member, z->error_code, reason),
		"Import the device's hardware hash (the DeviceHash_*.csv of the collection, or "
		"Get-WindowsAutopilotInfo) into Intune's Windows Autopilot devices, assign a "
		"deployment profile, wait until the profile shows as assigned, then reset the device.");
	if (f == NULL)
		return;
	diag_subject(x, f, "autopilot", "registration", NULL, NULL);
	diag_ev(x, f, z->member, "ErrorCode", diag_fmt(x, "%" PRId64 " %s", z->error_code, reason));
	size_t nh = espdiag_esp_device_hash_count(esp);
	for (size_t i = 0; i < nh && i < 4; i++) {
		const espdiag_esp_device_hash *h = espdiag_esp_device_hash_at(esp, i);
		diag_ev(x, f, h->member, "Device Serial Number",
		        diag_fmt(x, "%s (hardware hash %s)", *h->serial ? h->serial : "(empty)",
		                 h->hash_present ? "present" : "absent"));
	}
}

void diag_rule_bundle(diag_run *x)
{
	rule_enrollment(x);
	rule_odj(x);
	rule_hybrid(x);
	rule_not_registered(x);
}

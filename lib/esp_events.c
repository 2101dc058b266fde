/*
 * lib/esp_events.c - the bundle part that copies the event logs' records
 * (lib/member_evtx.c kept those of the ESP's channels) into the model: the
 * public events (espdiag_esp_event_at()), one timeline moment each with a
 * line for people, and each log's damaged chunks as model warnings.
 *
 * The lines for people come from the table below. Where an event's
 * meaning comes from (each row says):
 *   [MS]   dmenterprisediagnostics.dll's message table, as libyal's
 *          winevt-kb lists it (docs/sources/message-files/
 *          MessageFile-dmenterprisediagnostics.dll.md): 71 "MDM Enroll:
 *          Failed (%1)", 72 "MDM Enroll: Succeeded".
 *   [LEARN] Microsoft Learn, "Troubleshoot Windows device enrollment
 *          problems in Microsoft Intune": event 76 "Auto MDM Enroll: Failed
 *          (Unknown Win32 Error code: 0x8018002b)".
 *   [GADC] the community's Get-AutopilotDiagnosticsCommunity.ps1
 *          (andrew-s-taylor/WindowsAutopilotInfo, ProcessEvents): 100 "could
 *          not establish connectivity", 107 "successfully applied ODJ
 *          blob", 109/110 the ODJ state in the first data item (0 not
 *          configured, 1 waiting, 2 processed, 3 timed out), 111 "starting
 *          wait for ODJ blob", 1905/1906 download started/finished,
 *          1920/1922 install started/finished; User Device Registration
 *          101 "SCP discovery successful", 304 "Hybrid AADJ device
 *          registration failed", 306 "... succeeded" (also Steve
 *          Prentice's WaitForUserDeviceRegistration.ps1: 304 "Automatic
 *          registration failed at join phase", 306 "Automatic registration
 *          Succeeded"). Community-reported only.
 *   [EVIDENCE] ../shared/EVIDENCE.md §5 (1924, 62407).
 */
#include "esp_private.h"

#include <espdiag/bundle.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bundle_private.h"
#include "esp_time.h"

#define CH_DM "Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin"
#define CH_UDR "Microsoft-Windows-User Device Registration/Admin"
#define CH_AP "Microsoft-Windows-ModernDeployment-Diagnostics-Provider/Autopilot"
#define CH_SHELL "Microsoft-Windows-Shell-Core/Operational"

static const struct {
	const char *channel;
	uint32_t id;
	const char *what;
} known[] = {
	{ CH_DM, 71, "MDM enrollment failed" },                       /* [MS] */
	{ CH_DM, 72, "MDM enrollment succeeded" },                    /* [MS] */
	{ CH_DM, 76, "automatic MDM enrollment failed" },             /* [LEARN] */
	{ CH_DM, 100, "offline domain join: no connectivity" },       /* [GADC] */
	{ CH_DM, 107, "offline domain join blob applied" },           /* [GADC] */
	{ CH_DM, 111, "waiting for the offline domain join blob" },   /* [GADC] */
	{ CH_DM, 1905, "download started" },                          /* [GADC] */
	{ CH_DM, 1906, "download finished" },                         /* [GADC] */
	{ CH_DM, 1920, "install started" },                           /* [GADC] */
	{ CH_DM, 1922, "install finished" },                          /* [GADC] */
	{ CH_DM, 1924, "MSI install failed" },                        /* [EVIDENCE] */
	{ CH_UDR, 101, "device registration: SCP discovery succeeded" }, /* [GADC] */
	{ CH_UDR, 304, "hybrid join registration failed" },           /* [GADC] */
	{ CH_UDR, 306, "hybrid join registration succeeded" },        /* [GADC] */
	{ CH_SHELL, 62407, "ESP progress" },                          /* [EVIDENCE] */
};

/* The ODJ states of events 109/110 [GADC]. */
static const char *const odj_states[] = { "not configured", "waiting for the blob",
	                                  "blob processed", "timed out" };

static const char *level_name(uint32_t level)
{
	static const char *const names[] = { "event", "critical", "error", "warning",
		                             "information", "verbose" };
	return level < sizeof names / sizeof names[0] ? names[level] : "event";
}

/* The one line for people: the table's, the ODJ state, else the level and
 * id. Written into buf. */
static const char *event_what(const espdiag_esp_event *e, char *buf, size_t size)
{
	if (strcasecmp(e->channel, CH_DM) == 0 && (e->event_id == 109 || e->event_id == 110)) {
		const char *v = e->data_count > 0 ? e->data[0].value : "";
		char *end;
		unsigned long n = strtoul(v, &end, 10);
		if (*v != '\0' && *end == '\0' && n < sizeof odj_states / sizeof odj_states[0])
			snprintf(buf, size, "offline domain join state %lu (%s)", n, odj_states[n]);
		else
			snprintf(buf, size, "offline domain join state %s", *v ? v : "(none)");
		return buf;
	}
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		if (known[i].id != e->event_id || strcasecmp(known[i].channel, e->channel) != 0)
			continue;
		if (e->event_id == 62407) {
			/* The Name field is not localized (EVIDENCE.md §5). */
			for (size_t j = 0; j < e->data_count; j++)
				if (strcmp(e->data[j].name, "Name") == 0) {
					snprintf(buf, size, "ESP progress: %.200s", e->data[j].value);
					return buf;
				}
		}
		return known[i].what;
	}
	snprintf(buf, size, "%s %" PRIu32, level_name(e->level), e->event_id);
	return buf;
}

/* The data items as "name=value; ..." (a nameless item as its value),
 * at most about 1 KiB, for the moment's message. */
static void event_message(const espdiag_esp_event *e, char *buf, size_t size)
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < e->data_count && at + 1 < size; i++) {
		const espdiag_esp_event_data *d = &e->data[i];
		int n = snprintf(buf + at, size - at, "%s%s%s%s", i ? "; " : "", d->name,
		                 *d->name ? "=" : "", d->value);
		if (n < 0)
			break;
		at += (size_t)n < size - at ? (size_t)n : size - at - 1;
	}
}

/* An event and its place in the read order (the tie-break). */
typedef struct event_ref {
	const espdiag_esp_event *e;
	size_t seq;
} event_ref;

static int event_cmp(const void *a, const void *b)
{
	const event_ref *p = a, *q = b;
	const espdiag_esp_event *x = p->e, *y = q->e;
	if (x->has_time != y->has_time)
		return x->has_time ? -1 : 1;
	if (x->has_time && (x->time_unix != y->time_unix || x->time_100ns != y->time_100ns))
		return x->time_unix < y->time_unix ||
		                       (x->time_unix == y->time_unix && x->time_100ns < y->time_100ns)
		               ? -1
		               : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* Copies record r of member name into e (strings and data in the arena). */
static int copy_record(espdiag_esp *esp, espdiag_esp_event *e, const char *name,
                       const esp_evtx_record *r, espdiag_esp_event_data *data)
{
	e->member = esp_model_strdup(esp, name);
	e->channel = esp_model_strdup(esp, r->channel);
	e->provider = esp_model_strdup(esp, r->provider);
	if (e->member == NULL || e->channel == NULL || e->provider == NULL)
		return ESPDIAG_ENOMEM;
	e->event_id = (r->flags & ESP_EVTX_HAS_EVENT_ID) ? r->event_id : 0;
	e->level = r->level;
	uint64_t ft = (r->flags & ESP_EVTX_HAS_TIME_CREATED) ? r->time_created : r->written_time;
	if (ft != 0) {
		char buf[ESP_TIME_BUFSIZE];
		e->has_time = true;
		esp_time_from_filetime(ft, &e->time_unix, &e->time_100ns);
		esp_time_format(buf, e->time_unix, e->time_100ns);
		if ((e->utc_time = esp_model_strdup(esp, buf)) == NULL)
			return ESPDIAG_ENOMEM;
	}
	e->record_id = r->record_id;
	e->recovered = (r->flags & ESP_EVTX_RECOVERED) != 0;
	e->data = data;
	e->data_count = r->data_count;
	for (size_t k = 0; k < r->data_count; k++) {
		data[k].name = esp_model_strdup(esp, r->data[k].name);
		data[k].value = esp_model_strdup(esp, r->data[k].value);
		if (data[k].name == NULL || data[k].value == NULL)
			return ESPDIAG_ENOMEM;
	}
	return ESPDIAG_OK;
}

static int add_moment(espdiag_esp *esp, const espdiag_esp_event *e)
{
	char what[320], message[1024];
	esp_moment m = { 0 };
	m.source = ESP_MOMENT_EVENT;
	m.utc_known = e->has_time;
	m.utc_secs = e->time_unix;
	m.utc_100ns = e->time_100ns;
	m.what = event_what(e, what, sizeof what);
	m.member = e->member;
	m.line = e->record_id;
	m.channel = e->channel;
	m.event_id = e->event_id;
	event_message(e, message, sizeof message);
	m.message = message;
	return esp_moment_add(esp, &m);
}

int esp_bundle_events(espdiag_esp *esp, const espdiag_bundle *bundle)
{
	size_t nlogs = esp_bundle_evtx_count(bundle), total = 0, items = 0;
	for (size_t i = 0; i < nlogs; i++) {
		const esp_bundle_evtx *l = esp_bundle_evtx_at(bundle, i);
		size_t n = esp_evtx_count(l->log);
		for (size_t j = 0; j < n; j++)
			items += esp_evtx_at(l->log, j)->data_count;
		total += n;
		/* A damaged chunk or an unreadable record: the log may miss events.
		 * A recovered record (leftovers in a chunk's free space) that
		 * cannot be read is no loss of what the log lists: real logs
		 * have many (the corpus's Shell-Core log, 57), and they would
		 * make every bundle look damaged. Those are left out (lib/evtx.c
		 * starts their warnings with "recovered record"). */
		for (size_t w = 0; w < esp_evtx_warning_count(l->log); w++) {
			const espdiag_warning *wr = esp_evtx_warning_at(l->log, w);
			if (wr != NULL && wr->message != NULL &&
			    strncmp(wr->message, "recovered record ", 17) == 0)
				continue;
			if (wr != NULL && esp_warn(&esp->warnings, 0, 0, wr->offset, "%s: %s", l->name,
			                           wr->message ? wr->message : "") != ESPDIAG_OK)
				return ESPDIAG_ENOMEM;
		}
	}
	if (total == 0)
		return ESPDIAG_OK;
	espdiag_esp_event *read = calloc(total, sizeof *read);
	event_ref *order = calloc(total, sizeof *order);
	espdiag_esp_event *events = esp_model_zalloc(esp, total * sizeof *events);
	espdiag_esp_event_data *data = items ? esp_model_zalloc(esp, items * sizeof *data) : NULL;
	int rc = ESPDIAG_OK;
	if (read == NULL || order == NULL || events == NULL || (items && data == NULL))
		rc = ESPDIAG_ENOMEM;
	size_t k = 0, d = 0;
	for (size_t i = 0; i < nlogs && rc == ESPDIAG_OK; i++) {
		const esp_bundle_evtx *l = esp_bundle_evtx_at(bundle, i);
		for (size_t j = 0; j < esp_evtx_count(l->log) && rc == ESPDIAG_OK; j++) {
			if (!esp_model_budget(esp))
				break;
			const esp_evtx_record *r = esp_evtx_at(l->log, j);
			rc = copy_record(esp, &read[k], l->name, r, r->data_count ? data + d : NULL);
			d += r->data_count;
			order[k] = (event_ref){ &read[k], k };
			k++;
		}
	}
	if (rc == ESPDIAG_OK) {
		qsort(order, k, sizeof *order, event_cmp);
		for (size_t i = 0; i < k; i++)
			events[i] = *order[i].e;
		esp->events = events;
		esp->event_count = k;
		for (size_t i = 0; i < k && rc == ESPDIAG_OK; i++)
			rc = add_moment(esp, &events[i]);
	}
	free(read);
	free(order);
	return rc;
}

size_t espdiag_esp_event_count(const espdiag_esp *esp)
{
	return esp ? esp->event_count : 0;
}

const espdiag_esp_event *espdiag_esp_event_at(const espdiag_esp *esp, size_t index)
{
	return esp && index < esp->event_count ? &esp->events[index] : NULL;
}

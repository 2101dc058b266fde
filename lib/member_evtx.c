/* lib/member_evtx.c - the bundle's event log members (.evtx): each read
 * by lib/evtx.c as it is met, keeping the records of the ESP's channels
 * (esp_evtx_esp_filter), so that a member's bytes go as soon as it is
 * read. Without libevtx at build time a member is listed as not read. */
#include <config.h>

#include <stdlib.h>

#include "bundle_private.h"

typedef struct evtx_state {
	esp_bundle_evtx *logs;
	size_t n, cap;
} evtx_state;

static int bid(const char *base, const unsigned char *head, size_t head_len)
{
	if (head == NULL)
		return esp_name_iends(base, ".evtx") ? 60 : 0;
	return esp_evtx_bid(head, head_len);
}

static void free_state(void *state)
{
	evtx_state *s = state;
	for (size_t i = 0; i < s->n; i++)
		esp_evtx_free(s->logs[i].log);
	free(s->logs);
	free(s);
}

static int read_member(espdiag_bundle *b, size_t index, const esp_walk_member *m,
                       esp_input *in, esp_err *why)
{
	if (!esp_evtx_supported()) {
		esp_input_release(in);
		return esp_err_set(why, ESPDIAG_EUNSUPPORTED,
		                   "not read: built without event log support (libevtx)");
	}
	evtx_state *s = esp_bundle_state_make(b, &esp_member_evtx, sizeof *s, in, why);
	if (s == NULL)
		return ESPDIAG_ENOMEM;
	if (esp_reserve_one((void **)&s->logs, s->n, &s->cap, sizeof *s->logs, 8) != ESPDIAG_OK) {
		esp_input_release(in);
		return esp_err_set(why, ESPDIAG_ENOMEM, "out of memory");
	}
	esp_evtx_options opts = ESP_EVTX_OPTIONS_INIT;
	opts.filter = esp_evtx_esp_filter;
	opts.filter_count = esp_evtx_esp_filter_count;
	esp_evtx *log = NULL;
	int rc = esp_evtx_read(&log, in->data, in->size, m->name, &opts, why);
	esp_input_release(in);
	if (rc != ESPDIAG_OK)
		return rc;
	s->logs[s->n++] = (esp_bundle_evtx){ index, esp_bundle_member(b, index)->name, log };
	if (esp_bundle_summary(b, index, "%zu records of the ESP's channels (of %llu)",
	                       esp_evtx_count(log),
	                       (unsigned long long)esp_evtx_total_records(log)) != ESPDIAG_OK)
		return esp_err_set(why, ESPDIAG_ENOMEM, "out of memory");
	return ESPDIAG_OK;
}

size_t esp_bundle_evtx_count(const espdiag_bundle *b)
{
	const evtx_state *s = esp_bundle_state(b, &esp_member_evtx);
	return s != NULL ? s->n : 0;
}

const esp_bundle_evtx *esp_bundle_evtx_at(const espdiag_bundle *b, size_t i)
{
	const evtx_state *s = esp_bundle_state(b, &esp_member_evtx);
	return s != NULL && i < s->n ? &s->logs[i] : NULL;
}

const esp_member_reader esp_member_evtx = {
	"evtx", ESPDIAG_MEMBER_EVENT_LOG, bid, read_member, NULL, free_state,
};

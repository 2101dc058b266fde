/* lib/member_imelog.c - the bundle's IME log members: kept as they are met
 * and read together when the walk is done (lib/imelog.c orders rotated
 * copies by the time in their names, so one app's attempts can span
 * files); their bytes go once read. */
#include <config.h>

#include <stdlib.h>

#include "bundle_private.h"

typedef struct imelog_state {
	esp_input *in;        /* the members' bytes, until finish */
	size_t *member;
	size_t n, cap, cap_member;
	esp_imelog *log;
} imelog_state;

static int bid(const char *base, const unsigned char *head, size_t head_len)
{
	(void)head;
	(void)head_len;
	return esp_imelog_wants(base) ? 60 : 0;
}

static void release_inputs(imelog_state *s)
{
	for (size_t i = 0; i < s->n; i++)
		esp_input_release(&s->in[i]);
}

static void free_state(void *state)
{
	imelog_state *s = state;
	release_inputs(s);
	free(s->in);
	free(s->member);
	esp_imelog_free(s->log);
	free(s);
}

static int read_member(espdiag_bundle *b, size_t index, const esp_walk_member *m,
                       esp_input *in, esp_err *why)
{
	(void)m;
	imelog_state *s = esp_bundle_state_make(b, &esp_member_imelog, sizeof *s, in, why);
	if (s == NULL)
		return ESPDIAG_ENOMEM;
	size_t cap = s->cap;
	if (esp_reserve_one((void **)&s->in, s->n, &cap, sizeof *s->in, 8) != ESPDIAG_OK ||
	    esp_reserve_one((void **)&s->member, s->n, &s->cap_member, sizeof *s->member, 8) !=
	            ESPDIAG_OK) {
		s->cap = cap;
		esp_input_release(in);
		return esp_err_set(why, ESPDIAG_ENOMEM, "out of memory");
	}
	s->cap = cap;
	s->in[s->n] = *in;
	s->member[s->n++] = index;
	return ESPDIAG_OK;
}

static int finish(espdiag_bundle *b, esp_err *err)
{
	imelog_state *s = esp_bundle_state(b, &esp_member_imelog);
	if (s == NULL || s->n == 0)
		return ESPDIAG_OK;
	esp_imelog_input *inputs = calloc(s->n, sizeof *inputs);
	if (inputs == NULL)
		return esp_err_set(err, ESPDIAG_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->n; i++)
		inputs[i] = (esp_imelog_input){ esp_bundle_member(b, s->member[i])->name,
			                        s->in[i].data, s->in[i].size };
	esp_imelog_options opts = { 0 };
	int rc = esp_imelog_read(&s->log, inputs, s->n, &opts, err);
	free(inputs);
	release_inputs(s);
	if (rc != ESPDIAG_OK)
		return rc;
	for (size_t i = 0; i < esp_imelog_file_count(s->log); i++) {
		esp_imelog_file *f = esp_imelog_file_at(s->log, i);
		if (f->input_index < s->n &&
		    esp_bundle_summary(b, s->member[f->input_index], "%llu records (%s)",
		                       (unsigned long long)f->stats.records,
		                       f->stats.encoding ? f->stats.encoding : "empty") != ESPDIAG_OK)
			return esp_err_set(err, ESPDIAG_ENOMEM, "out of memory");
	}
	return ESPDIAG_OK;
}

esp_imelog *esp_bundle_imelog(const espdiag_bundle *b)
{
	const imelog_state *s = esp_bundle_state(b, &esp_member_imelog);
	return s != NULL ? s->log : NULL;
}

const esp_member_reader esp_member_imelog = {
	"imelog", ESPDIAG_MEMBER_IME_LOG, bid, read_member, finish, free_state,
};

/* fuzz/pipeline.c - see pipeline.h. */
#include "pipeline.h"

#include <stdio.h>
#include <string.h>

#include <espdiag/espdiag.h>
#include <espdiag/esp.h>
#include <espdiag/diagnose.h>

/* Depth-first over every key, reading every value with every getter. */
static void walk(const espdiag_key *k, unsigned depth, pipeline_result *r)
{
	r->keys++;
	(void)espdiag_key_path(k);
	uint64_t ft;
	(void)espdiag_key_last_write(k, &ft);
	size_t nv = espdiag_key_value_count(k);
	for (size_t i = 0; i < nv; i++) {
		const espdiag_value *v;
		if (espdiag_key_value_at(&v, k, i) != ESPDIAG_OK)
			continue;
		r->values++;
		uint32_t d;
		uint64_t q;
		char *s;
		char **list;
		size_t n;
		const unsigned char *b;
		(void)espdiag_value_get_dword(v, &d);
		(void)espdiag_value_get_qword(v, &q);
		if (espdiag_value_get_string(&s, v) == ESPDIAG_OK)
			espdiag_free(s);
		if (espdiag_value_get_multi_string(&list, &n, v) == ESPDIAG_OK)
			espdiag_free(list);
		(void)espdiag_value_get_binary(&b, &n, v);
	}
	if (depth > 600)
		return;
	size_t ns = espdiag_key_subkey_count(k);
	for (size_t i = 0; i < ns; i++) {
		const espdiag_key *c;
		if (espdiag_key_subkey_at(&c, k, i) == ESPDIAG_OK)
			walk(c, depth + 1, r);
	}
}

static espdiag_registry *open_and_walk(const uint8_t *data, size_t size, pipeline_result *r)
{
	memset(r, 0, sizeof *r);
	espdiag_registry *reg;
	if (espdiag_registry_new(&reg) != ESPDIAG_OK)
		return NULL;
	r->open_status = espdiag_registry_open_memory(reg, data, size, "fuzz", NULL, NULL);
	if (r->open_status != ESPDIAG_OK)
		return reg;
	walk(espdiag_registry_root(reg), 0, r);
	FILE *sink = fopen("/dev/null", "w");
	if (sink != NULL) {
		(void)espdiag_registry_export(reg, NULL, 0, sink);
		(void)espdiag_registry_export(reg, NULL, ESPDIAG_EXPORT_UTF16LE, sink);
		fclose(sink);
	}
	r->warnings = espdiag_registry_warning_count(reg);
	for (size_t i = 0; i < r->warnings; i++)
		(void)espdiag_registry_warning_at(reg, i, NULL);
	return reg;
}

void pipeline_registry(const uint8_t *data, size_t size, pipeline_result *r)
{
	espdiag_registry_free(open_and_walk(data, size, r));
}

void pipeline_all(const uint8_t *data, size_t size, pipeline_result *r)
{
	espdiag_registry *reg = open_and_walk(data, size, r);
	if (reg == NULL || r->open_status != ESPDIAG_OK) {
		espdiag_registry_free(reg);
		return;
	}
	espdiag_esp *esp = NULL;
	if (espdiag_esp_load(&esp, reg) == ESPDIAG_OK) {
		espdiag_diagnose_options opts = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
		opts.registry = reg;
		pipeline_model(esp, &opts, r);
	}
	espdiag_esp_free(esp);
	espdiag_registry_free(reg);
}

void pipeline_model(const espdiag_esp *esp, const espdiag_diagnose_options *opts,
                    pipeline_result *r)
{
	FILE *sink = fopen("/dev/null", "w");
	if (sink != NULL) {
		(void)espdiag_esp_timeline_write(esp, ESPDIAG_ESP_FORMAT_TEXT, sink);
		(void)espdiag_esp_timeline_write(esp, ESPDIAG_ESP_FORMAT_JSON, sink);
	}
	espdiag_report *report = NULL;
	r->diagnose_status = espdiag_diagnose(&report, esp, opts);
	if (r->diagnose_status == ESPDIAG_OK) {
		r->findings = espdiag_report_finding_count(report);
		char *json = NULL;
		if (espdiag_report_to_json(&json, report) == ESPDIAG_OK)
			espdiag_free(json);
		if (sink != NULL)
			(void)espdiag_report_write_text(report, 1, sink);
	}
	espdiag_report_free(report);
	if (sink != NULL)
		fclose(sink);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return h;
}

void pipeline_backend_walk(espdiag_backend *b, espdiag_node n, pipeline_seen *s, unsigned depth)
{
	const char *name;
	size_t len, nv = 0, nk = 0;
	uint64_t t = 0;
	s->keys++;
	s->digest = fnv(s->digest, &depth, sizeof depth);
	if (b->key_name(b, n, &name, &len) == ESPDIAG_OK)
		s->digest = fnv(s->digest, name, len);
	if (b->key_last_write(b, n, &t) == ESPDIAG_OK)
		s->digest = fnv(s->digest, &t, sizeof t);
	if (b->value_count(b, n, &nv) == ESPDIAG_OK) {
		for (size_t i = 0; i < nv; i++) {
			espdiag_backend_value v;
			if (b->value_at(b, n, i, &v) != ESPDIAG_OK)
				continue;
			s->values++;
			s->digest = fnv(s->digest, v.name, v.name_len);
			s->digest = fnv(s->digest, &v.type, sizeof v.type);
			s->digest = fnv(s->digest, v.data, v.size);
		}
	}
	if (b->subkey_count(b, n, &nk) == ESPDIAG_OK) {
		for (size_t i = 0; i < nk; i++) {
			espdiag_node k;
			if (b->subkey_at(b, n, i, &k) == ESPDIAG_OK)
				pipeline_backend_walk(b, k, s, depth + 1);
		}
	}
}

/*
 * lib/esp_omadm.c - the MDM client's own records in Provisioning (esp.h):
 * the OMA-DM accounts' last sessions (OMADM\Accounts\<id>\Protected\
 * ConnInfo), the offline domain join marker (OMADM\SyncML\ODJApplied) and
 * the policies the server delivered (NodeCache\CSP\Device\MS DM Server\
 * Nodes\<n>).
 */
#include "esp_private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_time.h"

#define OMADM ESP_MS "Provisioning\\OMADM"
#define NODES ESP_MS "Provisioning\\NodeCache\\CSP\\Device\\MS DM Server\\Nodes"

/* yyyyMMddTHHmmssZ (the Z may be missing) as "YYYY-MM-DDTHH:MM:SSZ", when
 * it is a real date and time; NULL otherwise. */
static const char *conn_time(espdiag_esp *esp, const char *raw, int *rc)
{
	char iso[32];
	int64_t t;
	uint32_t frac;
	size_t n = raw ? strlen(raw) : 0;
	if (n != 15 && !(n == 16 && (raw[15] == 'Z' || raw[15] == 'z')))
		return NULL;
	for (size_t i = 0; i < 15; i++) {
		bool digit = raw[i] >= '0' && raw[i] <= '9';
		if (i == 8 ? (raw[i] != 'T' && raw[i] != 't') : !digit)
			return NULL;
	}
	snprintf(iso, sizeof iso, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", raw, raw + 4, raw + 6, raw + 9,
	         raw + 11, raw + 13);
	if (!esp_time_parse(iso, &t, &frac))
		return NULL;
	const char *out = esp_model_strdup(esp, iso);
	if (out == NULL)
		*rc = ESPDIAG_ENOMEM;
	return out;
}

static int load_accounts(espdiag_esp *esp, const espdiag_key *omadm)
{
	int rc = ESPDIAG_OK;
	esp_kids ids = esp_model_children(esp, esp_model_sub(omadm, "Accounts", &rc), &rc);
	for (size_t i = 0; i < ids.n && rc == ESPDIAG_OK; i++) {
		const espdiag_key *k = esp_model_sub(ids.k[i], "Protected\\ConnInfo", &rc);
		if (k == NULL || !esp_model_budget(esp))
			continue;
		espdiag_esp_omadm_account *a = esp_model_zalloc(esp, sizeof *a);
		if (a == NULL || esp_vec_push(&esp->omadm, a) != ESPDIAG_OK)
			return ESPDIAG_ENOMEM;
		a->key = esp_model_keypath(esp, k, &rc);
		a->account_id = esp_model_strdup(esp, espdiag_key_name(ids.k[i]));
		if (a->account_id == NULL)
			return ESPDIAG_ENOMEM;
		a->last_session_result = esp_model_u32(esp, k, "LastSessionResult");
		a->server_last_access_time = esp_model_str(esp, k, "ServerLastAccessTime", &rc);
		a->server_last_access_utc = conn_time(esp, a->server_last_access_time, &rc);
		a->server_last_success_time = esp_model_str(esp, k, "ServerLastSuccessTime", &rc);
		a->server_last_success_utc = conn_time(esp, a->server_last_success_time, &rc);
	}
	return rc;
}

/* A node key name: decimal digits that fit 32 bits. */
static bool node_index(const char *name, uint32_t *out)
{
	uint64_t v = 0;
	if (*name == '\0')
		return false;
	for (const char *p = name; *p; p++) {
		if (*p < '0' || *p > '9' || (v = v * 10 + (uint64_t)(*p - '0')) > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* ExpectedValue as text: a string as it is, a DWORD or QWORD in decimal. */
static const char *expected_value(espdiag_esp *esp, const espdiag_key *k, int *rc)
{
	const espdiag_value *v;
	uint64_t q;
	char buf[24];
	if (espdiag_key_value(&v, k, "ExpectedValue") != ESPDIAG_OK)
		return NULL;
	uint32_t type = espdiag_value_type(v);
	if (type != ESPDIAG_REG_DWORD && type != ESPDIAG_REG_DWORD_BIG_ENDIAN &&
	    type != ESPDIAG_REG_QWORD)
		return esp_model_str(esp, k, "ExpectedValue", rc);
	if (type == ESPDIAG_REG_DWORD_BIG_ENDIAN) {
		uint32_t d;
		if (espdiag_value_get_dword(v, &d) != ESPDIAG_OK)
			goto bad;
		q = d;
	} else if (espdiag_value_get_qword(v, &q) != ESPDIAG_OK) {
		goto bad;
	}
	snprintf(buf, sizeof buf, "%" PRIu64, q);
	const char *out = esp_model_strdup(esp, buf);
	if (out == NULL)
		*rc = ESPDIAG_ENOMEM;
	return out;
bad:
	esp_warn(&esp->warnings, 0, 0, 0, "%s\\ExpectedValue: type %u, size %zu is no number; ignored",
	         espdiag_key_path(k), (unsigned)type, espdiag_value_size(v));
	return NULL;
}

static int node_cmp(const void *a, const void *b)
{
	const espdiag_esp_policy_node *x = *(const espdiag_esp_policy_node *const *)a;
	const espdiag_esp_policy_node *y = *(const espdiag_esp_policy_node *const *)b;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int load_nodes(espdiag_esp *esp, espdiag_registry *reg)
{
	int rc = ESPDIAG_OK;
	esp_kids ns = esp_model_children(esp, esp_model_lookup(reg, NODES, &rc), &rc);
	for (size_t i = 0; i < ns.n && rc == ESPDIAG_OK; i++) {
		uint32_t index;
		const espdiag_key *k = ns.k[i];
		if (!node_index(espdiag_key_name(k), &index) || !esp_model_budget(esp))
			continue;
		espdiag_esp_policy_node *p = esp_model_zalloc(esp, sizeof *p);
		if (p == NULL || esp_vec_push(&esp->policy_nodes, p) != ESPDIAG_OK)
			return ESPDIAG_ENOMEM;
		p->key = esp_model_keypath(esp, k, &rc);
		p->index = index;
		p->uri = esp_model_str(esp, k, "NodeUri", &rc);
		p->expected_value = expected_value(esp, k, &rc);
	}
	/* Name order puts "10" before "9": the index decides. */
	if (rc == ESPDIAG_OK && esp->policy_nodes.n > 1)
		qsort(esp->policy_nodes.v, esp->policy_nodes.n, sizeof *esp->policy_nodes.v, node_cmp);
	return rc;
}

int esp_load_omadm(espdiag_esp *esp, espdiag_registry *reg)
{
	int rc = ESPDIAG_OK;
	const espdiag_key *omadm = esp_model_lookup(reg, OMADM, &rc);
	if (omadm != NULL && (rc = load_accounts(esp, omadm)) != ESPDIAG_OK)
		return rc;
	const espdiag_key *odj = esp_model_sub(omadm, "SyncML\\ODJApplied", &rc);
	if (odj != NULL)
		esp->odj_applied_key = esp_model_keypath(esp, odj, &rc);
	return rc == ESPDIAG_OK ? load_nodes(esp, reg) : rc;
}

size_t espdiag_esp_omadm_account_count(const espdiag_esp *esp)
{
	return esp ? esp->omadm.n : 0;
}

const espdiag_esp_omadm_account *espdiag_esp_omadm_account_at(const espdiag_esp *esp,
                                                              size_t index)
{
	return esp && index < esp->omadm.n ? esp->omadm.v[index] : NULL;
}

const char *espdiag_esp_odj_applied_key(const espdiag_esp *esp)
{
	return esp ? esp->odj_applied_key : NULL;
}

size_t espdiag_esp_policy_node_count(const espdiag_esp *esp)
{
	return esp ? esp->policy_nodes.n : 0;
}

const espdiag_esp_policy_node *espdiag_esp_policy_node_at(const espdiag_esp *esp, size_t index)
{
	return esp && index < esp->policy_nodes.n ? esp->policy_nodes.v[index] : NULL;
}

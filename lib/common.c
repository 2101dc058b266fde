/* lib/common.c - status strings, memory release, version, the error buffer
 * and the backend ops-table initialiser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <espdiag/common.h>
#include <espdiag/version.h>

#include "internal.h"

ESPDIAG_API const char *espdiag_strerror(int status)
{
	switch (status) {
	case ESPDIAG_OK: return "success";
	case ESPDIAG_NOTFOUND: return "not found";
	case ESPDIAG_EINVAL: return "invalid argument";
	case ESPDIAG_ENOMEM: return "out of memory";
	case ESPDIAG_EIO: return "input could not be read";
	case ESPDIAG_EFORMAT: return "input is in no known format";
	case ESPDIAG_ETYPE: return "value has another type or size";
	case ESPDIAG_ELIMIT: return "resource limit exceeded";
	case ESPDIAG_EENCODING: return "text encoding could not be converted";
	case ESPDIAG_EUNSUPPORTED: return "not supported";
	case ESPDIAG_EBACKEND: return "backend error";
	default: return "unknown status";
	}
}

ESPDIAG_API void espdiag_free(void *ptr)
{
	free(ptr);
}

ESPDIAG_API const char *espdiag_version(void)
{
	return ESPDIAG_VERSION_STRING;
}

ESPDIAG_API unsigned int espdiag_version_number(void)
{
	return ESPDIAG_VERSION_NUMBER;
}

ESPDIAG_API int espdiag_backend_init(espdiag_backend *backend, unsigned int version)
{
	if (backend == NULL || version == 0 || version > ESPDIAG_BACKEND_VERSION)
		return ESPDIAG_EINVAL;
	memset(backend, 0, sizeof *backend);
	backend->version = version;
	return ESPDIAG_OK;
}

int esp_err_set(esp_err *err, int status, const char *fmt, ...)
{
	if (err != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return status;
}

void esp_limits_from_options(esp_limits *out, const espdiag_open_options *o)
{
	static const espdiag_open_options none = ESPDIAG_OPEN_OPTIONS_INIT;
	if (o == NULL)
		o = &none;
#define PICK(field, dflt) out->field = o->field != 0 ? o->field : (dflt)
	PICK(max_input_size, ESP_DEFAULT_MAX_INPUT);
	PICK(max_member_size, ESP_DEFAULT_MAX_MEMBER);
	PICK(max_decompressed, ESP_DEFAULT_MAX_DECOMPRESSED);
	PICK(max_keys, ESP_DEFAULT_MAX_KEYS);
	PICK(max_values, ESP_DEFAULT_MAX_VALUES);
	PICK(max_value_size, ESP_DEFAULT_MAX_VALUE_SIZE);
	PICK(max_depth, ESP_MAX_DEPTH);
#undef PICK
}

int esp_reserve_one(void **array, size_t n, size_t *cap, size_t elem, size_t first)
{
	if (n < *cap)
		return ESPDIAG_OK;
	size_t ncap, bytes;
	if (*cap == 0)
		ncap = first;
	else if (esp_mul_overflows(*cap, 2, &ncap))
		return ESPDIAG_ENOMEM;
	if (esp_mul_overflows(ncap, elem, &bytes))
		return ESPDIAG_ENOMEM;
	void *bigger = realloc(*array, bytes);
	if (bigger == NULL)
		return ESPDIAG_ENOMEM;
	*array = bigger;
	*cap = ncap;
	return ESPDIAG_OK;
}

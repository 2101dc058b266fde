/*
 * espdiag/common.h - status codes, the export macro, memory release.
 *
 * Every public header includes this one. It is C99 and C++ clean and
 * depends on nothing but the C library.
 */
#ifndef ESPDIAG_COMMON_H
#define ESPDIAG_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks a symbol the library exports on purpose; everything else is hidden. */
#if defined(ESPDIAG_BUILDING) && defined(__GNUC__)
#define ESPDIAG_API __attribute__((visibility("default")))
#else
#define ESPDIAG_API
#endif

/*
 * Status codes. A call that can fail returns int: 0 is success, a negative
 * value an error, and a small positive value a non-error outcome such as
 * "not found". Values are never renumbered.
 */
typedef enum espdiag_status {
	ESPDIAG_OK = 0,
	ESPDIAG_NOTFOUND = 1,     /* the key, value or item does not exist */
	ESPDIAG_EINVAL = -1,      /* an argument is invalid (NULL, wrong version) */
	ESPDIAG_ENOMEM = -2,      /* out of memory */
	ESPDIAG_EIO = -3,         /* the input could not be read (open, read, mmap) */
	ESPDIAG_EFORMAT = -4,     /* the input is in no format the library reads */
	ESPDIAG_ETYPE = -5,       /* the value has another type or size than asked */
	ESPDIAG_ELIMIT = -6,      /* a resource limit (size, count, depth) was hit */
	ESPDIAG_EENCODING = -7,   /* a text encoding could not be converted */
	ESPDIAG_EUNSUPPORTED = -8,/* the feature is not built in or not implemented by a backend */
	ESPDIAG_EBACKEND = -9     /* a user backend reported an error */
} espdiag_status;

/*
 * espdiag_strerror - a short English description of a status code.
 * Returns a static string (never NULL); unknown codes give "unknown status".
 * Ownership: the string is static; do not free it.
 */
ESPDIAG_API const char *espdiag_strerror(int status);

/*
 * espdiag_free - releases memory the library allocated and handed to the
 * caller (strings, arrays). espdiag_free(NULL) is a no-op.
 */
ESPDIAG_API void espdiag_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* ESPDIAG_COMMON_H */

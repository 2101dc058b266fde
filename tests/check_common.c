/* tests/check_common.c - status strings, memory release and the version. */
#include <stdio.h>
#include <string.h>

#include "suites.h"
#include <espdiag/espdiag.h>

START_TEST(version_macros_equal_runtime)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%d.%d.%d", ESPDIAG_VERSION_MAJOR, ESPDIAG_VERSION_MINOR,
	         ESPDIAG_VERSION_PATCH);
	ck_assert_str_eq(espdiag_version(), ESPDIAG_VERSION_STRING);
	ck_assert_str_eq(espdiag_version(), buf);
	ck_assert_uint_eq(espdiag_version_number(), ESPDIAG_VERSION_NUMBER);
	ck_assert_uint_eq(espdiag_version_number(),
	                  ((unsigned)ESPDIAG_VERSION_MAJOR << 16) |
	                          ((unsigned)ESPDIAG_VERSION_MINOR << 8) | ESPDIAG_VERSION_PATCH);
}
END_TEST

START_TEST(strerror_names_every_status)
{
	ck_assert_str_eq(espdiag_strerror(ESPDIAG_OK), "success");
	ck_assert_str_eq(espdiag_strerror(ESPDIAG_NOTFOUND), "not found");
	ck_assert_str_eq(espdiag_strerror(ESPDIAG_EFORMAT), "input is in no known format");
	ck_assert_str_eq(espdiag_strerror(ESPDIAG_ELIMIT), "resource limit exceeded");
	for (int s = ESPDIAG_EBACKEND; s <= ESPDIAG_NOTFOUND; s++)
		ck_assert_str_ne(espdiag_strerror(s), "unknown status");
	ck_assert_str_eq(espdiag_strerror(-1000), "unknown status");
	ck_assert_str_eq(espdiag_strerror(42), "unknown status");
}
END_TEST

START_TEST(free_null_is_a_noop)
{
	espdiag_free(NULL);
}
END_TEST

START_TEST(backend_init_checks_version)
{
	espdiag_backend b;
	memset(&b, 0xAB, sizeof b);
	ck_assert_int_eq(espdiag_backend_init(&b, ESPDIAG_BACKEND_VERSION), ESPDIAG_OK);
	ck_assert_uint_eq(b.version, ESPDIAG_BACKEND_VERSION);
	ck_assert_ptr_null(b.root);
	ck_assert_ptr_null(b.free);
	ck_assert_int_eq(espdiag_backend_init(&b, 0), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_backend_init(&b, ESPDIAG_BACKEND_VERSION + 1), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_backend_init(NULL, ESPDIAG_BACKEND_VERSION), ESPDIAG_EINVAL);
}
END_TEST

Suite *suite_common(void)
{
	Suite *s = suite_create("common");
	TCase *tc = tcase_create("common");
	tcase_add_test(tc, version_macros_equal_runtime);
	tcase_add_test(tc, strerror_names_every_status);
	tcase_add_test(tc, free_null_is_a_noop);
	tcase_add_test(tc, backend_init_checks_version);
	suite_add_tcase(s, tc);
	return s;
}

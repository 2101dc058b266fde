/* tests/check_fuzz.c - replays every input in tests/fuzz-regressions/
 * (what the fuzzers once broke) through the whole pipeline and checks the
 * outcome recorded for it in tests/fuzz-regressions/EXPECTED:
 *   NAME OPEN_STATUS KEYS VALUES WARNINGS FINDINGS
 * Every input file must have a line, and every line a file. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "suites.h"
#include "testutil.h"

#define REGRESSION_DIR TEST_DATA_DIR "/../fuzz-regressions"

START_TEST(replay_regressions)
{
	FILE *f = fopen(REGRESSION_DIR "/EXPECTED", "r");
	ck_assert_msg(f != NULL, "cannot open %s/EXPECTED", REGRESSION_DIR);
	char name[256];
	int open_status;
	size_t keys, values, warnings, findings, lines = 0;
	while (fscanf(f, "%255s %d %zu %zu %zu %zu", name, &open_status, &keys, &values, &warnings,
	              &findings) == 6) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s", REGRESSION_DIR, name);
		size_t size;
		unsigned char *data = tu_read_file(path, &size);
		ck_assert_msg(data != NULL, "cannot read %s", path);
		pipeline_result r;
		pipeline_all(data, size, &r);
		ck_assert_msg(r.open_status == open_status && r.keys == keys && r.values == values &&
		                      r.warnings == warnings && r.findings == findings,
		              "%s: got %d %zu %zu %zu %zu", name, r.open_status, r.keys, r.values,
		              r.warnings, r.findings);
		free(data);
		lines++;
	}
	fclose(f);
	size_t files = 0;
	DIR *d = opendir(REGRESSION_DIR);
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		files += e->d_name[0] != '.' && strcmp(e->d_name, "EXPECTED") != 0;
	closedir(d);
	ck_assert_uint_eq(files, lines);
}
END_TEST

Suite *suite_fuzz(void)
{
	Suite *s = suite_create("fuzz-regressions");
	TCase *tc = tcase_create("replay");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, replay_regressions);
	suite_add_tcase(s, tc);
	return s;
}

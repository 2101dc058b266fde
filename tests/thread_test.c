/* tests/thread_test.c - 8 threads at once, each opening, modelling and
 * diagnosing different files, 4 rounds each; every report's JSON must equal
 * the one a single thread made of the same file first. Distinct handles in
 * distinct threads is the library's promise (espdiag.h); run under
 * ThreadSanitizer by .ci/run. Prints the plain "N passed, N failed" line. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <espdiag/espdiag.h>
#include <espdiag/esp.h>
#include <espdiag/diagnose.h>

#define THREADS 8
#define ROUNDS 4

static const char *const fixtures[] = {
	"examples/data/MDMDiagReport_RegistryDump.reg",
	"tests/data/diag-app-failed.reg",
	"tests/data/diag-ok.reg",
	"tests/data/diag-mixed.reg",
	"tests/data/diag-ime-failed.reg",
	"tests/data/diag-skip.reg",
	"tests/data/esp-users.reg",
	"tests/data/esp-timeline.reg",
};
#define NFILES (sizeof fixtures / sizeof fixtures[0])

static char paths[NFILES][4096];
static char *expected[NFILES];

/* The JSON report of one file, or NULL. */
static char *report_of(const char *path)
{
	espdiag_registry *reg = NULL;
	espdiag_esp *esp = NULL;
	espdiag_report *report = NULL;
	char *json = NULL;
	espdiag_diagnose_options opts = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	if (espdiag_registry_new(&reg) == ESPDIAG_OK &&
	    espdiag_registry_open_file(reg, path, NULL, NULL) == ESPDIAG_OK &&
	    espdiag_esp_load(&esp, reg) == ESPDIAG_OK) {
		opts.registry = reg;
		if (espdiag_diagnose(&report, esp, &opts) == ESPDIAG_OK)
			espdiag_report_to_json(&json, report);
	}
	espdiag_report_free(report);
	espdiag_esp_free(esp);
	espdiag_registry_free(reg);
	/* When the report was made differs between runs by design. */
	char *when = json ? strstr(json, "\"generated_at\":\"") : NULL;
	if (when != NULL && strlen(when) > 36)
		memcpy(when + 16, "0000-00-00T00:00:00Z", 20);
	return json;
}

static void *worker(void *arg)
{
	size_t id = (size_t)arg, *mismatches = calloc(1, sizeof *mismatches);
	for (size_t round = 0; round < ROUNDS; round++) {
		size_t f = (id + round) % NFILES; /* each thread a different file each round */
		char *json = report_of(paths[f]);
		if (json == NULL || strcmp(json, expected[f]) != 0)
			(*mismatches)++;
		espdiag_free(json);
	}
	return mismatches;
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	size_t pass = 0, fail = 0;
	for (size_t f = 0; f < NFILES; f++) {
		snprintf(paths[f], sizeof paths[f], "%s/%s", top ? top : ".", fixtures[f]);
		expected[f] = report_of(paths[f]);
		if (expected[f] == NULL) {
			printf("FAIL: %s cannot be diagnosed\n", paths[f]);
			return 1;
		}
	}
	pthread_t t[THREADS];
	for (size_t i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i) != 0) {
			printf("FAIL: pthread_create\n");
			return 1;
		}
	for (size_t i = 0; i < THREADS; i++) {
		size_t *mismatches;
		pthread_join(t[i], (void **)&mismatches);
		if (*mismatches == 0)
			pass++;
		else {
			printf("FAIL: thread %zu: %zu of %d reports differ\n", i, *mismatches, ROUNDS);
			fail++;
		}
		free(mismatches);
	}
	for (size_t f = 0; f < NFILES; f++)
		espdiag_free(expected[f]);
	printf("threads: %zu passed, %zu failed\n", pass, fail);
	return fail == 0 ? 0 : 1;
}

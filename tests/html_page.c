/* tests/html_page.c - writes the HTML report of the sample's model with
 * the moments of tests/html_moments.c to standard output, for
 * tests/html_browser.py to render in Chromium (moment markers, local time,
 * hostile texts). Usage: html_page REG-FILE [OFFSET-MINUTES]; without an
 * offset the device's clock is unknown. */
#include <stdio.h>
#include <stdlib.h>

#include "html_moments.h"

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fputs("usage: html_page REG-FILE [OFFSET-MINUTES]\n", stderr);
		return 2;
	}
	espdiag_registry *reg;
	espdiag_esp *esp;
	espdiag_report *report;
	int rc = tu_html_moments(argv[1], argc == 3, argc == 3 ? (int32_t)atoi(argv[2]) : 0, &reg,
	                         &esp, &report);
	if (rc == ESPDIAG_OK)
		rc = espdiag_report_write_html(report, esp, NULL, stdout);
	if (rc != ESPDIAG_OK)
		fprintf(stderr, "html_page: %s: %s\n", argv[1], espdiag_strerror(rc));
	espdiag_report_free(report);
	espdiag_esp_free(esp);
	espdiag_registry_free(reg);
	return rc == ESPDIAG_OK ? 0 : 1;
}

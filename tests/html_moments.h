/* tests/html_moments.h - the moments the HTML tests add to the sample's
 * model, as the evidence bundle's parts add them (esp_moment_add): shared
 * by tests/check_html.c and tests/html_page.c (the page Chromium renders). */
#ifndef TESTS_HTML_MOMENTS_H
#define TESTS_HTML_MOMENTS_H

#include <stdbool.h>
#include <stdint.h>

#include <espdiag/espdiag.h>

/* Names and messages that would be markup if written unescaped. */
#define TU_HOSTILE "<script>alert(1)</script>\"><img src=x onerror=alert(2)>]]>"

/*
 * Opens the registry at path (the sample: examples/data/
 * MDMDiagReport_RegistryDump.reg), builds its model and adds three moments
 * before sealing it: an event (UTC 09:20:41.25) on no row; an IME log
 * record naming the failed app (its GUID in braces and upper case) at
 * 09:58:00 UTC in local time; one naming no row at the same time. Their
 * texts hold TU_HOSTILE and other markup. The device's offset is offset
 * minutes when clock is true, unknown otherwise. Then diagnoses it.
 * ESPDIAG_OK or the first error (everything freed then).
 */
int tu_html_moments(const char *path, bool clock, int32_t offset, espdiag_registry **reg,
                    espdiag_esp **esp, espdiag_report **report);

#endif /* TESTS_HTML_MOMENTS_H */

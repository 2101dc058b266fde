/*
 * lib/esp_clock.h - the device's clock as the reports say it, for
 * diagnose.c, which copies it into the report (the text and HTML reports
 * print it); esp_clock.c owns it.
 */
#ifndef ESPDIAG_ESP_CLOCK_H
#define ESPDIAG_ESP_CLOCK_H

#include <espdiag/esp.h>

/*
 * One line for people: "UTC+02:00 (how it was found)", or "unknown - log
 * times are the device's local time (why)". NULL when the model holds no
 * app from a bundle's IME logs: then no log time reaches a report, and
 * there is nothing to label (a model without a bundle, a bundle without
 * IME logs, logs that record no app). Owned by esp.
 */
const char *esp_clock_line(const espdiag_esp *esp);

#endif /* ESPDIAG_ESP_CLOCK_H */

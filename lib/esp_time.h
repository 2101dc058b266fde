/*
 * lib/esp_time.h - the times the ESP model reads: ESPTrackingInfo key
 * names (ISO 8601, spelled many ways) and FILETIMEs, to one UTC form.
 */
#ifndef ESPDIAG_ESP_TIME_H
#define ESPDIAG_ESP_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for "YYYY-MM-DDTHH:MM:SS.fffffffZ" of any 64-bit time, with its NUL. */
#define ESP_TIME_BUFSIZE 48

/*
 * Parses an ISO 8601 date-time leniently: surrounding blanks; "T", "t", " "
 * or "_" between date and time; seconds optional; "." or "," and any
 * number of fraction digits (kept to 100 ns); "Z", "z", +HH:MM, +HHMM,
 * +HH or nothing (UTC). Returns false, leaving the outputs alone, for
 * anything else or an impossible date.
 */
bool esp_time_parse(const char *s, int64_t *unix_out, uint32_t *frac_100ns);

/* Splits a FILETIME (100 ns since 1601-01-01 UTC) into Unix seconds and 100 ns. */
void esp_time_from_filetime(uint64_t ft, int64_t *unix_out, uint32_t *frac_100ns);

/* Formats as "YYYY-MM-DDTHH:MM:SS.fffffffZ". */
void esp_time_format(char buf[ESP_TIME_BUFSIZE], int64_t unix_secs, uint32_t frac_100ns);

#endif /* ESPDIAG_ESP_TIME_H */

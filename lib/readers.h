/*
 * lib/readers.h - the built-in readers, as the registry view sees them:
 * a bid on the first bytes (0 = not mine, higher wins) and an open that
 * turns an input into a backend. Open takes ownership of the input in
 * every case (it releases it when done with it, on error too).
 */
#ifndef ESPDIAG_READERS_H
#define ESPDIAG_READERS_H

#include "internal.h"

/* .reg exports: regedit 5 / REGEDIT4 / the MDMDiagReport dump dialect. */
int esp_regtext_bid(const unsigned char *data, size_t size);
int esp_regtext_open(espdiag_backend **out, esp_input *in,
                     const espdiag_open_options *opts, esp_err *err);

/* regf hives. esp_regf_open_logs replays a dirty hive's transaction logs
 * first (lib/regf_log.c): the open options' hive_logs when given, else
 * logs[0..nlogs) (what the caller holds, e.g. a bundle's members: read
 * during the call, not kept, names used in messages) and, when file is
 * not NULL (the path the hive was read from), the NAME.LOG1 and NAME.LOG2
 * beside it. esp_regf_open is esp_regf_open_logs without logs. */
int esp_regf_bid(const unsigned char *data, size_t size);
int esp_regf_open(espdiag_backend **out, esp_input *in,
                  const espdiag_open_options *opts, esp_err *err);
int esp_regf_open_logs(espdiag_backend **out, esp_input *in, const char *file,
                       const esp_input *logs, size_t nlogs,
                       const espdiag_open_options *opts, esp_err *err);
/* esp_regf_open_logs, choosing how the hive bins are checked: ESP_REGF_AUTO
 * as the others do (lazily for a sparse input, see esp_input_open_file_lazy,
 * until a sixteenth of the bins is reached, then all; else all at open),
 * ESP_REGF_EAGER (all at open), ESP_REGF_LAZY (each the first time it is
 * reached, even for memory, with no budget: for tests and fuzzing). */
enum { ESP_REGF_AUTO, ESP_REGF_EAGER, ESP_REGF_LAZY };
int esp_regf_open_mode(espdiag_backend **out, esp_input *in, const char *file,
                       const esp_input *logs, size_t nlogs,
                       const espdiag_open_options *opts, int mode, esp_err *err);

#endif /* ESPDIAG_READERS_H */

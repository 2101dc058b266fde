/* tests/suites.h - one Check suite per module; check_main.c runs them all. */
#ifndef TESTS_SUITES_H
#define TESTS_SUITES_H

#include <check.h>

Suite *suite_common(void);   /* check_common.c: status strings, version */
Suite *suite_unicode(void);  /* check_unicode.c: UTF-8/16, case folding */
Suite *suite_registry(void); /* check_registry.c: the view, mounts, getters, export */
Suite *suite_regtext(void);  /* check_regtext.c: the .reg reader */
Suite *suite_wine(void);     /* check_wine.c: Windows' import behaviour (corpus) */
Suite *suite_regf(void);     /* check_regf.c: the hive reader, incl. hivex differential */
Suite *suite_regf_lazy(void); /* check_regf_lazy.c: hive bins checked as they are reached, sparse inputs */
Suite *suite_regf_log(void); /* check_regf_log.c: transaction log replay, incl. the corpus's dirty hives */
Suite *suite_esp(void);      /* check_esp.c: the ESP model, its JSON and timeline */
Suite *suite_esp_v13(void);  /* check_esp_v13.c: the IME, OfficeCSP, page, cache and OMA-DM parts */
Suite *suite_container(void); /* check_container.c: cab, zip, folders, archive limits */
Suite *suite_imelog(void);   /* check_imelog.c: CMTrace records, IME log patterns, app attempts */
Suite *suite_diagnose(void); /* check_diagnose.c: rules, findings, text and JSON reports */
Suite *suite_fuzz(void);     /* check_fuzz.c: replay of tests/fuzz-regressions */
Suite *suite_damage(void);   /* check_damage.c: prefix and byte-flip sweeps */
Suite *suite_memtree(void);  /* check_memtree.c: the in-memory tree: deletions, order */
Suite *suite_evtx(void);     /* check_evtx.c: the event log reader (writer-made and corpus logs) */
Suite *suite_events(void);   /* check_events.c: a bundle's events and files, the merged timeline */
Suite *suite_bundle(void);   /* check_bundle.c: collections, members, their readers */
Suite *suite_v2(void);       /* check_v2.c: device preparation (v2) and the scenario */
Suite *suite_input(void);    /* check_input.c: reading files that shrink */
Suite *suite_export(void);   /* check_export.c: the regedit 5 writer, byte for byte */
Suite *suite_logs(void);     /* check_logs.c: the IME logs' apps in the model, the clock, app rules */
Suite *suite_html(void);     /* check_html.c: the HTML report: escaping, the chart, the document */

#endif

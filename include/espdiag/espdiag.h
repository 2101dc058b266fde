/*
 * espdiag/espdiag.h - the umbrella header: include this one.
 *
 * Thread safety: distinct handles (registries, models, reports) may be used
 * from distinct threads at once; the library keeps no process-wide state.
 * One handle used from several threads needs the caller's lock, except the
 * read-only accessors of a finished ESP model or diagnosis report, which
 * are safe to call concurrently. Reading an event log (.evtx) runs libevtx
 * on a thread the library starts and joins within the call, with a 16 MiB
 * stack: libevtx recurses as deep as the log's XML nests, deeper than a
 * small thread's stack allows; where no thread can be started it runs on
 * the caller's.
 */
#ifndef ESPDIAG_ESPDIAG_H
#define ESPDIAG_ESPDIAG_H

#include <espdiag/common.h>
#include <espdiag/version.h>
#include <espdiag/backend.h>
#include <espdiag/registry.h>
#include <espdiag/bundle.h>
#include <espdiag/esp.h>
#include <espdiag/diagnose.h>

#endif /* ESPDIAG_ESPDIAG_H */

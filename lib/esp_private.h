/*
 * lib/esp_private.h - the ESP model's handle, shared by esp.c (loading),
 * esp_names.c and esp_write.c (output). Nothing outside the model sees it.
 */
#ifndef ESPDIAG_ESP_PRIVATE_H
#define ESPDIAG_ESP_PRIVATE_H

#include <espdiag/esp.h>

#include "internal.h"

/* A cap on the parts (keys and values) one model keeps: hostile input
 * cannot make the model, or the timeline's work, grow without bound. */
#define ESP_MAX_PARTS 1000000u

/* A growable array of pointers; elements live in the arena. */
typedef struct esp_vec {
	void **v;
	size_t n;
	size_t cap;
} esp_vec;

int esp_vec_push(esp_vec *v, void *p);
void esp_vec_free(esp_vec *v);

/* A setup and the arrays its public struct points into. */
typedef struct esp_setup {
	espdiag_esp_setup pub;
	esp_vec policy_providers;
	esp_vec apps;
} esp_setup;

struct espdiag_esp {
	esp_err err;
	esp_arena arena;
	esp_warnings warnings;
	size_t parts;
	bool capped;
	bool has_tracking;
	esp_vec enrollments;     /* espdiag_esp_enrollment * */
	espdiag_esp_autopilot autopilot;
	esp_vec providers;       /* espdiag_esp_provider * */
	esp_setup device;
	esp_vec users;           /* esp_setup *, malloc'd */
	esp_vec snapshots;       /* espdiag_esp_snapshot * */
	esp_vec msi;             /* espdiag_esp_msi_app * */
	esp_vec phases;          /* espdiag_esp_phase_info * */
	esp_vec items;           /* espdiag_esp_item * */
	espdiag_esp_change *changes;
	size_t change_count;
};

#endif /* ESPDIAG_ESP_PRIVATE_H */

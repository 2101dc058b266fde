/*
 * lib/textout.h - text for people: strings that came from the input are
 * written so that no byte of theirs can drive a terminal (see
 * espdiag_text_write() in diagnose.h for the escapes).
 */
#ifndef ESPDIAG_TEXTOUT_H
#define ESPDIAG_TEXTOUT_H

#include <stddef.h>
#include <stdio.h>

/* Writes the len bytes at s with the escapes applied. Returns 0, or -1
 * when a write failed. */
int esp_text_write(FILE *out, const char *s, size_t len);

/* esp_text_write on a C string; NULL writes nothing. */
int esp_text_cstr(FILE *out, const char *s);

#endif /* ESPDIAG_TEXTOUT_H */

/*
 * bench/floor.h - the floor of the hive walk: the walk bench.c times
 * through libespdiag (every key: name, last-write time; every value:
 * name, type, every data byte, summed the same way), done with no library
 * over the file read whole with read(2), the way our reader gets a hive
 * (lib/input.c reads, never maps: a mapped file that shrinks kills the
 * process with SIGBUS). It checks only what keeps it inside the buffer:
 * no cell bitmap, no loop or sharing checks, no warnings, no API: a reader
 * that reads the file and checks what it follows can hardly be faster, so
 * its ratio to the hivex walk is about the most that ratio can be for ours.
 *
 * A yardstick for a known-good hive (the corpus's SYSTEM); a damaged one
 * gives other counts, which bench.c then reports as a mismatch.
 *
 * Layout facts as lib/regf.c cites them (libregf's format notes, hivex):
 * cells after the 4096-byte base block, a signed size first; nk: subkey
 * count at 20, list at 28, value count at 36, list at 40, time at 4, name
 * length at 72; vk: name length at 2, data length at 4 (bit 31: inline),
 * data at 8, type at 12; lf/lh lists of 8-byte entries, li and ri of 4;
 * "db" big data in segments of 16344 bytes.
 */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct floor_counts {
	uint64_t keys, values, bytes, sum;
} floor_counts;

/* Reads path whole and walks it from the base block's root. Returns 0, or
 * -1 (errno set) when the file cannot be read or is not a hive. */
int floor_walk(const char *path, floor_counts *c);

#endif

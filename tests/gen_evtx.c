/*
 * tests/gen_evtx.c - writes an event log (.evtx) for the shell tests, with
 * the test-only writer (tests/evtx_writer.c):
 *
 *   gen_evtx OUT 'CHANNEL|PROVIDER|ID|LEVEL|YYYY-MM-DDTHH:MM:SS[|NAME=VALUE]...' ...
 *
 * one argument per record, in order. A NAME=VALUE without "=" is a Data
 * element without Name. Exit status 0, or 2 for a malformed argument.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtx_writer.h"

#define MAX_FIELDS 34

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: gen_evtx OUT 'CHANNEL|PROVIDER|ID|LEVEL|TIME[|NAME=VALUE]...'...\n", stderr);
		return 2;
	}
	ew_log w;
	ew_init(&w);
	for (int a = 2; a < argc; a++) {
		char *spec = strdup(argv[a]);
		char *f[MAX_FIELDS];
		size_t n = 0;
		for (char *p = spec, *bar; n < MAX_FIELDS; p = bar + 1) {
			f[n++] = p;
			if ((bar = strchr(p, '|')) == NULL)
				break;
			*bar = '\0';
		}
		int y, mo, d, h, mi, s;
		if (n < 5 || sscanf(f[4], "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6) {
			fprintf(stderr, "gen_evtx: bad record %s\n", argv[a]);
			return 2;
		}
		ew_data data[MAX_FIELDS];
		size_t nd = 0;
		for (size_t i = 5; i < n; i++) {
			char *eq = strchr(f[i], '=');
			if (eq != NULL) {
				*eq = '\0';
				data[nd++] = (ew_data){ f[i], eq + 1 };
			} else {
				data[nd++] = (ew_data){ "", f[i] };
			}
		}
		ew_event ev = { f[1], NULL, (uint16_t)atoi(f[2]), (uint8_t)atoi(f[3]),
			        ew_filetime(y, mo, d, h, mi, s, 0), f[0], NULL, data, nd, NULL };
		ew_add(&w, &ev);
		free(spec);
	}
	ew_finish(&w);
	FILE *out = fopen(argv[1], "wb");
	int ok = out != NULL && fwrite(w.buf, 1, w.size, out) == w.size;
	if (out != NULL)
		ok = fclose(out) == 0 && ok;
	ew_free(&w);
	if (!ok) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}

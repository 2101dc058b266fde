/* examples/espdiag.c - the espdiag command: diagnose (the default), rules,
 * timeline, dump, query, over the public API only. See espdiag(1).
 * Exit status: 0 success, 1 a finding of error severity or a key/value
 * not found, 2 usage error, 3 an input could not be read at all (or the
 * output could not be written), 4 an input was damaged and the diagnosis
 * is incomplete (1 wins over 4).
 * Text meant for a terminal goes through espdiag_text_write(), so that no
 * byte from the input can drive the terminal.
 *
 * A command is a row of the commands[] table: its name, the options it
 * takes (an option it does not take is a usage error), its usage line and
 * its function. Adding a command is adding a row. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <espdiag/espdiag.h>

enum { EXIT_OK = 0, EXIT_FINDING = 1, EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_INCOMPLETE = 4 };
/* Internal: writing the output failed (said; exits as EXIT_INPUT). */
enum { EXIT_OUTPUT = 100 };

/* Of two statuses, the one to report: an unreadable input (3) over an
 * error finding (1) over an incomplete diagnosis (4) over success. */
static int worse(int a, int b)
{
	static const int rank[] = { [EXIT_OK] = 0, [EXIT_INCOMPLETE] = 1, [EXIT_FINDING] = 2,
		                    [EXIT_USAGE] = 3, [EXIT_INPUT] = 4 };
	return rank[b] > rank[a] ? b : a;
}

/* Text from the input, escaped for a terminal. */
static void put(FILE *out, const char *s)
{
	espdiag_text_write(out, s);
}

/* The options, one bit each: what a command takes is a set of them. */
enum {
	O_MOUNT = 1u << 0,
	O_FORMAT = 1u << 1,
	O_ENCODING = 1u << 2,
	O_KEY = 1u << 3,
	O_CODEPAGE = 1u << 4,
	O_COLOR = 1u << 5,
	O_QUIET = 1u << 6,
	O_MIN_SEVERITY = 1u << 7,
	O_SKIP_RULE = 1u << 8,
	O_APP_MINUTES = 1u << 9,
	O_OUTPUT = 1u << 10,
	O_LOG = 1u << 11,
	O_NO_LOGS = 1u << 12,
};

static const struct {
	unsigned bit;
	const char *name;
} option_names[] = {
	{ O_MOUNT, "--mount" },           { O_FORMAT, "--format" },
	{ O_ENCODING, "--encoding" },     { O_KEY, "--key" },
	{ O_CODEPAGE, "--codepage" },     { O_COLOR, "--color" },
	{ O_QUIET, "--quiet" },           { O_MIN_SEVERITY, "--min-severity" },
	{ O_SKIP_RULE, "--skip-rule" },   { O_APP_MINUTES, "--app-minutes" },
	{ O_OUTPUT, "--output" },         { O_LOG, "--log" },
	{ O_NO_LOGS, "--no-logs" },
};

/* One word after the command: a FILE (with the --mount that applies to
 * it) or another argument (query's KEYPATH and VALUE). */
typedef struct arg {
	const char *word;
	const char *mount;  /* NULL: where the input says */
	bool mount_given;   /* a --mount (perhaps "") precedes it */
} arg;

typedef struct options {
	unsigned given;      /* O_* seen on the command line */
	const char *format;
	const char *encoding;
	const char *key;
	const char *codepage;
	int colour;          /* resolved from --color, the tty and NO_COLOR */
	bool quiet;
	uint32_t min_severity;
	const char **skip;   /* NULL-terminated */
	size_t skip_count;
	unsigned app_minutes;
	unsigned width;      /* of the terminal, 0 when standard output is none */
	const char *output;  /* report's --output, NULL: standard output */
	const char **logs;   /* --log: a hive's transaction logs, NULL-terminated */
	size_t log_count;
	bool no_logs;        /* --no-logs: read a dirty hive as it is on disk */
} options;

typedef int (*command_fn)(size_t argc, const arg *argv, const options *o);

typedef struct command {
	const char *name;
	unsigned takes;      /* O_* */
	const char *usage;   /* what follows "espdiag NAME" in the usage */
	command_fn fn;
} command;

/* Prints "espdiag: message" and a pointer to --help; returns the usage status. */
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("espdiag: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'espdiag --help'.\n", stderr);
	return EXIT_USAGE;
}

/* Flushes standard output; on failure says why (also for a write that
 * failed before, whose errno the caller may pass in failed_errno) and
 * returns EXIT_INPUT. */
static int finish_output(int failed_errno)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return EXIT_OK;
	int e = errno ? errno : failed_errno ? failed_errno : EIO;
	fprintf(stderr, "espdiag: writing to standard output: %s\n", strerror(e));
	clearerr(stdout);
	return EXIT_INPUT;
}

/* After writing to standard output with status rc: flushes it and says
 * what failed. Returns EXIT_OK or EXIT_INPUT. */
static int output_done(int rc)
{
	int failed_errno = errno;
	if (rc == ESPDIAG_ENOMEM) {
		fprintf(stderr, "espdiag: out of memory\n");
		finish_output(0);
		return EXIT_INPUT;
	}
	if (finish_output(rc == ESPDIAG_OK ? 0 : failed_errno) != EXIT_OK)
		return EXIT_INPUT;
	if (rc != ESPDIAG_OK) {
		fprintf(stderr, "espdiag: writing to standard output: %s\n", espdiag_strerror(rc));
		return EXIT_INPUT;
	}
	return EXIT_OK;
}

/* --- reader warnings --- */

/* The kind of a warning: its message up to the first ':' (the readers
 * write "what: detail"), so that a flood of one kind collapses. */
static size_t warning_kind_len(const char *message)
{
	size_t n = strcspn(message, ":");
	return n < 80 ? n : 80;
}

#define WARNINGS_PER_KIND 3
#define WARNING_KINDS 32

static void print_warnings(const espdiag_registry *reg, const options *o)
{
	struct warning_kind {
		const char *message;
		size_t len, count;
		size_t src;
	} kinds[WARNING_KINDS];
	size_t nkinds = 0, others = 0;
	size_t n = espdiag_registry_warning_count(reg);
	if (o->quiet)
		return;
	for (size_t i = 0; i < n; i++) {
		size_t src = 0;
		const espdiag_warning *w = espdiag_registry_warning_at(reg, i, &src);
		if (w == NULL || w->message == NULL)
			continue;
		size_t len = warning_kind_len(w->message), k = 0;
		while (k < nkinds && !(kinds[k].src == src && kinds[k].len == len &&
		                       memcmp(kinds[k].message, w->message, len) == 0))
			k++;
		if (k == nkinds) {
			if (nkinds == WARNING_KINDS) {
				others++;
				continue;
			}
			kinds[nkinds++] = (struct warning_kind){ w->message, len, 0, src };
		}
		if (++kinds[k].count > WARNINGS_PER_KIND)
			continue;
		const char *path = espdiag_registry_source_property(reg, src, "path");
		fputs("espdiag: ", stderr);
		put(stderr, path ? path : "(input)");
		if (w->line > 0)
			fprintf(stderr, ":%llu:%llu: warning: ", (unsigned long long)w->line,
			        (unsigned long long)w->column);
		else
			fprintf(stderr, ": offset %llu: warning: ", (unsigned long long)w->offset);
		put(stderr, w->message);
		fputc('\n', stderr);
	}
	for (size_t k = 0; k < nkinds; k++) {
		if (kinds[k].count <= WARNINGS_PER_KIND)
			continue;
		const char *path = espdiag_registry_source_property(reg, kinds[k].src, "path");
		char kind[96];
		snprintf(kind, sizeof kind, "%.*s", (int)kinds[k].len, kinds[k].message);
		fputs("espdiag: ", stderr);
		put(stderr, path ? path : "(input)");
		fprintf(stderr, ": warning: %zu more warnings \"", kinds[k].count - WARNINGS_PER_KIND);
		put(stderr, kind);
		fputs("\" not shown\n", stderr);
	}
	if (others > 0)
		fprintf(stderr, "espdiag: warning: %zu more warnings of other kinds not shown\n",
		        others);
}

/* --- JSON of the command's own (error lines, the timeline's input) --- */

/* A JSON string of any bytes: UTF-8 kept, controls escaped, a byte that
 * is not part of valid UTF-8 written as U+FFFD. */
static void json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	if (s == NULL) {
		fputs("null", out);
		return;
	}
	putc('"', out);
	while (*p) {
		unsigned char c = *p;
		size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
		                     : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				n = 0;
		/* Overlong forms and surrogates: E0 80-9F, ED A0-BF, F0 80-8F, F4 90+. */
		if ((c == 0xe0 && n && p[1] < 0xa0) || (c == 0xed && n && p[1] >= 0xa0) ||
		    (c == 0xf0 && n && p[1] < 0x90) || (c == 0xf4 && n && p[1] >= 0x90))
			n = 0;
		if (n == 0) {
			fputs("\\ufffd", out);
			p++;
		} else if (c == '"' || c == '\\') {
			fprintf(out, "\\%c", c);
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			p++;
		} else {
			fwrite(p, 1, n, out);
			p += n;
		}
	}
	putc('"', out);
}

/* {"path":...,"prefix":...} of an input. */
static void json_input(FILE *out, const char *path, const char *prefix)
{
	fputs("{\"path\":", out);
	json_string(out, strcmp(path, "-") == 0 ? "(standard input)" : path);
	fputs(",\"prefix\":", out);
	json_string(out, prefix);
	putc('}', out);
}

/* The line of an input that could not be read: no findings, an error. */
static void json_error_line(const char *schema, const char *path, const char *prefix, int status,
                            const char *message)
{
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	printf("{\"schema\":\"%s\",\"tool\":{\"name\":\"espdiag\",\"version\":", schema);
	json_string(stdout, espdiag_version());
	printf("},\"generated_at\":\"%s\",\"input\":", now);
	json_input(stdout, path, prefix);
	printf(",\"error\":{\"status\":%d,\"message\":", status);
	json_string(stdout, message);
	fputs("}", stdout);
	if (strcmp(schema, "espdiag-report/1") == 0)
		fputs(",\"findings\":[]", stdout);
	fputs("}\n", stdout);
}

/* --- inputs --- */

/* Opens one input into *out (always set, to free). Returns ESPDIAG_OK or
 * the status, with the message printed and in espdiag_registry_errmsg(). */
static int open_input(espdiag_registry **out, const arg *in, const options *o)
{
	espdiag_registry *reg;
	*out = NULL;
	if (espdiag_registry_new(&reg) != ESPDIAG_OK) {
		fprintf(stderr, "espdiag: out of memory\n");
		return ESPDIAG_ENOMEM;
	}
	*out = reg;
	espdiag_open_options opts = ESPDIAG_OPEN_OPTIONS_INIT;
	opts.codepage = o->codepage;
	opts.hive_logs = o->log_count > 0 ? o->logs : NULL;
	opts.flags = o->no_logs ? ESPDIAG_OPEN_NO_HIVE_LOGS : 0;
	int rc = espdiag_registry_open_file(reg, in->word, in->mount, &opts);
	if (rc != ESPDIAG_OK) {
		fputs("espdiag: ", stderr);
		put(stderr, espdiag_registry_errmsg(reg));
		fputc('\n', stderr);
	}
	return rc;
}

/* The bundle's options from the command's and one input's (opts: the
 * registry's, which out->open points to). */
static void bundle_options(espdiag_bundle_options *out, espdiag_open_options *opts,
                           const arg *in, const options *o)
{
	espdiag_open_options open_defaults = ESPDIAG_OPEN_OPTIONS_INIT;
	espdiag_bundle_options defaults = ESPDIAG_BUNDLE_OPTIONS_INIT;
	*opts = open_defaults;
	opts->codepage = o->codepage;
	opts->hive_logs = o->log_count > 0 ? o->logs : NULL;
	opts->flags = o->no_logs ? ESPDIAG_OPEN_NO_HIVE_LOGS : 0;
	*out = defaults;
	out->open = opts;
	out->mount = in != NULL ? in->mount : NULL;
}

/* Opens one input as a bundle (a cab, a zip, a folder or one file) into
 * *bundle and its registry view into *reg. When no registry member could
 * be read, the input is opened as a registry file alone, for the message
 * that gives (printed; *bundle is then NULL). Standard input is read once,
 * and an input with a --mount names one registry file: both go that way
 * too. Returns ESPDIAG_OK or the status; free both with
 * close_evidence(). */
static int open_evidence(espdiag_bundle **bundle, espdiag_registry **reg, const arg *in,
                         const options *o)
{
	espdiag_open_options opts;
	espdiag_bundle_options bopts;
	bundle_options(&bopts, &opts, in, o);
	*bundle = NULL;
	*reg = NULL;
	espdiag_bundle *b = NULL;
	/* A --mount names where one registry file goes: that input is read
	 * as one, as before bundles. */
	if (!in->mount_given && strcmp(in->word, "-") != 0 &&
	    espdiag_bundle_new(&b, &bopts) == ESPDIAG_OK &&
	    espdiag_bundle_open_file(b, in->word) == ESPDIAG_OK &&
	    espdiag_bundle_registry_count(b) > 0) {
		*bundle = b;
		*reg = espdiag_bundle_registry(b);
		return ESPDIAG_OK;
	}
	espdiag_bundle_free(b);
	return open_input(reg, in, o);
}

/* The model of what open_evidence() opened: the whole bundle's when
 * there is one. */
static int load_model(espdiag_esp **esp, espdiag_bundle *bundle, espdiag_registry *reg)
{
	return bundle != NULL ? espdiag_esp_load_bundle(esp, bundle) : espdiag_esp_load(esp, reg);
}

static void close_evidence(espdiag_bundle *bundle, espdiag_registry *reg)
{
	if (bundle == NULL)
		espdiag_registry_free(reg);
	espdiag_bundle_free(bundle);
}

/* Looks KEYPATH up as given, else (when it names nothing) as a path with
 * "/" separators and/or relative to where the first source is mounted, as
 * hivexget and reglookup take it. A literal match wins: "/" is a legal
 * character in a key name. */
static int find_key(const espdiag_key **out, espdiag_registry *reg, const char *path)
{
	int rc = espdiag_registry_key(out, reg, path);
	if (rc != ESPDIAG_NOTFOUND)
		return rc;
	size_t len = strlen(path);
	const char *prefix = espdiag_registry_source_property(reg, 0, "prefix");
	size_t plen = prefix ? strlen(prefix) : 0;
	char *buf = malloc(plen + len + 2);
	if (buf == NULL)
		return ESPDIAG_ENOMEM;
	char *p = buf;
	for (size_t i = 0; i < len; i++)
		p[i] = path[i] == '/' ? '\\' : path[i];
	p[len] = '\0';
	while (*p == '\\')
		p++;
	rc = strcmp(p, path) != 0 ? espdiag_registry_key(out, reg, p) : ESPDIAG_NOTFOUND;
	if (rc == ESPDIAG_NOTFOUND && plen > 0) {
		memmove(buf + plen + 1, p, strlen(p) + 1);
		memcpy(buf, prefix, plen);
		buf[plen] = '\\';
		if (buf[plen + 1] == '\0')
			buf[plen] = '\0';
		rc = espdiag_registry_key(out, reg, buf);
	}
	free(buf);
	return rc;
}

/* "key not found", with where a hive was mounted and how to move it. */
static void key_not_found(espdiag_registry *reg, const char *file, const char *path)
{
	const char *prefix = espdiag_registry_source_property(reg, 0, "prefix");
	const char *format = espdiag_registry_source_property(reg, 0, "format");
	fputs("espdiag: ", stderr);
	put(stderr, file);
	fputs(": key not found: ", stderr);
	put(stderr, path);
	fputc('\n', stderr);
	if (format != NULL && strcmp(format, "hive") == 0 && prefix != NULL) {
		fputs("espdiag: note: the hive is mounted at ", stderr);
		put(stderr, *prefix ? prefix : "the root");
		fputs("; give a path under it or relative to it, or mount it elsewhere with "
		      "--mount PREFIX\n",
		      stderr);
	}
}

/* --- commands --- */

static int cmd_dump(size_t argc, const arg *argv, const options *o)
{
	if (argc != 1)
		return usage_error("dump takes one FILE");
	uint32_t flags = 0;
	bool bom = false;
	if (o->encoding != NULL) {
		if (strcmp(o->encoding, "utf-16le") == 0)
			flags |= ESPDIAG_EXPORT_UTF16LE;
		else if (strcmp(o->encoding, "utf-8-bom") == 0)
			bom = true;
		else if (strcmp(o->encoding, "utf-8") != 0)
			return usage_error("unknown encoding \"%s\" (utf-8, utf-8-bom or utf-16le)",
			                   o->encoding);
	}
	espdiag_registry *reg;
	if (open_input(&reg, &argv[0], o) != ESPDIAG_OK) {
		espdiag_registry_free(reg);
		return EXIT_INPUT;
	}
	const espdiag_key *key = espdiag_registry_root(reg);
	int status = EXIT_OK;
	if (o->key != NULL && find_key(&key, reg, o->key) != ESPDIAG_OK) {
		key_not_found(reg, argv[0].word, o->key);
		status = EXIT_FINDING;
	} else {
		/* What reg import and regedit read as UTF-8 (a BOM is how
		 * Notepad marks UTF-8). */
		if (bom)
			fputs("\xef\xbb\xbf", stdout);
		status = output_done(espdiag_registry_export(reg, key, flags, stdout));
	}
	print_warnings(reg, o);
	espdiag_registry_free(reg);
	return status;
}

/* Prints a value as reg.exe's query does: name, type, data. */
static void print_value(const espdiag_value *v)
{
	uint32_t type = espdiag_value_type(v);
	const char *tname = espdiag_reg_type_name(type);
	const char *name = espdiag_value_name_len(v) ? espdiag_value_name(v) : "(Default)";
	char tbuf[32];
	if (tname == NULL) {
		snprintf(tbuf, sizeof tbuf, "REG_0x%x", type);
		tname = tbuf;
	}
	fputs("    ", stdout);
	put(stdout, name);
	printf("    %s    ", tname);
	uint32_t d;
	uint64_t q;
	char *s;
	char **list;
	size_t count;
	if (type != ESPDIAG_REG_QWORD && espdiag_value_get_dword(v, &d) == ESPDIAG_OK) {
		printf("0x%x (%u)\n", d, d);
	} else if (type == ESPDIAG_REG_QWORD && espdiag_value_get_qword(v, &q) == ESPDIAG_OK) {
		printf("0x%llx (%llu)\n", (unsigned long long)q, (unsigned long long)q);
	} else if (espdiag_value_get_string(&s, v) == ESPDIAG_OK) {
		put(stdout, s);
		putchar('\n');
		espdiag_free(s);
	} else if (espdiag_value_get_multi_string(&list, &count, v) == ESPDIAG_OK) {
		for (size_t i = 0; i < count; i++) {
			if (i)
				fputs("\\0", stdout);
			put(stdout, list[i]);
		}
		printf("\n");
		espdiag_free(list);
	} else {
		const unsigned char *b = espdiag_value_data(v);
		size_t n = espdiag_value_size(v);
		for (size_t i = 0; i < n; i++)
			printf("%02X", b[i]);
		printf("\n");
	}
}

static int cmd_query(size_t argc, const arg *argv, const options *o)
{
	if (argc < 2 || argc > 3)
		return usage_error("query takes FILE KEYPATH [VALUE]");
	espdiag_registry *reg;
	if (open_input(&reg, &argv[0], o) != ESPDIAG_OK) {
		espdiag_registry_free(reg);
		return EXIT_INPUT;
	}
	int status = EXIT_OK;
	const espdiag_key *key;
	const espdiag_value *v;
	if (find_key(&key, reg, argv[1].word) != ESPDIAG_OK) {
		key_not_found(reg, argv[0].word, argv[1].word);
		status = EXIT_FINDING;
	} else if (argc == 3) {
		if (espdiag_key_value(&v, key, argv[2].word) != ESPDIAG_OK) {
			fputs("espdiag: ", stderr);
			put(stderr, argv[0].word);
			fputs(": value not found: ", stderr);
			put(stderr, espdiag_key_path(key));
			fputc('\\', stderr);
			put(stderr, argv[2].word);
			fputc('\n', stderr);
			status = EXIT_FINDING;
		} else {
			put(stdout, espdiag_key_path(key));
			putchar('\n');
			print_value(v);
		}
	} else {
		put(stdout, espdiag_key_path(key));
		putchar('\n');
		size_t n = espdiag_key_value_count(key);
		for (size_t i = 0; i < n; i++)
			if (espdiag_key_value_at(&v, key, i) == ESPDIAG_OK)
				print_value(v);
		n = espdiag_key_subkey_count(key);
		if (n > 0)
			printf("\n");
		for (size_t i = 0; i < n; i++) {
			const espdiag_key *c;
			if (espdiag_key_subkey_at(&c, key, i) == ESPDIAG_OK) {
				put(stdout, espdiag_key_path(c));
				putchar('\n');
			}
		}
	}
	status = worse(status, output_done(ESPDIAG_OK));
	print_warnings(reg, o);
	espdiag_registry_free(reg);
	return status;
}

/* --format: true for json; a usage error (EXIT_USAGE in *status) when unknown. */
static bool want_json(const options *o, int *status)
{
	*status = EXIT_OK;
	if (o->format == NULL || strcmp(o->format, "text") == 0)
		return false;
	if (strcmp(o->format, "json") == 0)
		return true;
	*status = usage_error("unknown format \"%s\" (text or json; html with diagnose)",
	                      o->format);
	return false;
}

/* Writes one input's timeline lines, each with its "input" member after
 * the schema member. */
static int timeline_json(const espdiag_esp *esp, const arg *in, const char *prefix)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem == NULL)
		return ESPDIAG_ENOMEM;
	int rc = espdiag_esp_timeline_write(esp, ESPDIAG_ESP_FORMAT_JSON, mem);
	if (fclose(mem) != 0 && rc == ESPDIAG_OK)
		rc = ESPDIAG_ENOMEM;
	static const char head[] = "{\"schema\":\"espdiag-timeline/1\",";
	for (char *p = buf; rc == ESPDIAG_OK && p != NULL && p < buf + len;) {
		char *end = memchr(p, '\n', (size_t)(buf + len - p));
		size_t n = end ? (size_t)(end - p) + 1 : (size_t)(buf + len - p);
		size_t skip = strncmp(p, head, sizeof head - 1) == 0 ? sizeof head - 1 : 1;
		fputs(head, stdout);
		fputs("\"input\":", stdout);
		json_input(stdout, in->word, prefix);
		putchar(',');
		fwrite(p + skip, 1, n - skip, stdout);
		p += n;
	}
	free(buf);
	return rc;
}

/* The ESPTrackingInfo state changes in time order (format: esp.h), for
 * each FILE. */
static int cmd_timeline(size_t argc, const arg *argv, const options *o)
{
	int status;
	bool json = want_json(o, &status);
	if (status != EXIT_OK)
		return status;
	if (argc < 1)
		return usage_error("timeline takes one or more FILEs");
	for (size_t i = 0; i < argc; i++) {
		espdiag_bundle *bundle;
		espdiag_registry *reg;
		espdiag_esp *esp = NULL;
		int rc = open_evidence(&bundle, &reg, &argv[i], o);
		const char *message = rc != ESPDIAG_OK ? espdiag_registry_errmsg(reg) : NULL;
		if (rc == ESPDIAG_OK && (rc = load_model(&esp, bundle, reg)) != ESPDIAG_OK) {
			message = espdiag_strerror(rc);
			fputs("espdiag: ", stderr);
			put(stderr, argv[i].word);
			fprintf(stderr, ": %s\n", message);
		}
		if (rc != ESPDIAG_OK) {
			if (json)
				json_error_line("espdiag-timeline/1", argv[i].word, argv[i].mount, rc,
				                message ? message : espdiag_strerror(rc));
			status = worse(status, EXIT_INPUT);
		} else if (json) {
			rc = timeline_json(esp, &argv[i],
			                   espdiag_registry_source_property(reg, 0, "prefix"));
		} else {
			if (argc > 1) {
				if (i > 0)
					putchar('\n');
				put(stdout, argv[i].word);
				fputs(":\n", stdout);
			}
			rc = espdiag_esp_timeline_write(esp, ESPDIAG_ESP_FORMAT_TEXT, stdout);
		}
		bool failed = output_done(esp != NULL ? rc : ESPDIAG_OK) != EXIT_OK;
		if (failed)
			status = EXIT_INPUT;
		if (reg != NULL)
			print_warnings(reg, o);
		espdiag_esp_free(esp);
		close_evidence(bundle, reg);
		if (failed)
			break;
	}
	return status;
}

/* Diagnoses one input; returns its exit status. */
static int diagnose_one(const arg *in, const options *o, bool json)
{
	espdiag_bundle *bundle;
	espdiag_registry *reg;
	espdiag_esp *esp = NULL;
	espdiag_report *report = NULL;
	int rc = open_evidence(&bundle, &reg, in, o);
	const char *message = rc != ESPDIAG_OK ? espdiag_registry_errmsg(reg) : NULL;
	espdiag_diagnose_options opts = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	opts.registry = reg;
	opts.bundle = bundle;
	opts.skip_rules = o->skip;
	opts.app_minutes = o->app_minutes;
	int status = EXIT_OK;
	if (rc == ESPDIAG_OK)
		rc = load_model(&esp, bundle, reg);
	char *why = NULL;
	if (rc == ESPDIAG_OK)
		rc = espdiag_diagnose_ex(&report, &why, esp, &opts);
	if (rc != ESPDIAG_OK && message == NULL) {
		message = why ? why : espdiag_strerror(rc);
		fputs("espdiag: ", stderr);
		put(stderr, in->word);
		fprintf(stderr, ": %s\n", message);
	}
	if (rc != ESPDIAG_OK) {
		if (json)
			json_error_line("espdiag-report/1", in->word, in->mount, rc,
			                message ? message : espdiag_strerror(rc));
		status = EXIT_INPUT;
	} else {
		espdiag_text_options text = ESPDIAG_TEXT_OPTIONS_INIT;
		text.colour = o->colour;
		text.width = o->width;
		text.flags = ESPDIAG_TEXT_GROUP;
		text.min_severity = o->min_severity;
		rc = json ? espdiag_report_write_json(report, stdout)
		          : espdiag_report_write_text_ex(report, &text, stdout);
		if (output_done(rc) != EXIT_OK) {
			status = EXIT_OUTPUT;
		} else if (espdiag_report_has_errors(report)) {
			status = EXIT_FINDING;
		} else if (espdiag_report_incomplete(report)) {
			status = EXIT_INCOMPLETE;
		}
	}
	if (!json && reg != NULL)
		print_warnings(reg, o);
	espdiag_free(why);
	espdiag_report_free(report);
	espdiag_esp_free(esp);
	close_evidence(bundle, reg);
	return status;
}

/* One HTML document for all FILEs (see espdiag_html(3)): a section each,
 * an unreadable one included, to --output FILE or standard output. The
 * exit status is diagnose's. */
static int cmd_report(size_t argc, const arg *argv, const options *o)
{
	if (argc < 1)
		return usage_error("report takes one or more FILEs");
	espdiag_html *html;
	if (espdiag_html_new(&html, NULL) != ESPDIAG_OK) {
		fprintf(stderr, "espdiag: out of memory\n");
		return EXIT_INPUT;
	}
	int status = EXIT_OK;
	for (size_t i = 0; i < argc; i++) {
		espdiag_bundle *bundle;
		espdiag_registry *reg;
		espdiag_esp *esp = NULL;
		espdiag_report *report = NULL;
		int rc = open_evidence(&bundle, &reg, &argv[i], o);
		const char *message = rc != ESPDIAG_OK ? espdiag_registry_errmsg(reg) : NULL;
		espdiag_diagnose_options opts = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
		opts.registry = reg;
		opts.bundle = bundle;
		opts.skip_rules = o->skip;
		opts.app_minutes = o->app_minutes;
		if (rc == ESPDIAG_OK)
			rc = load_model(&esp, bundle, reg);
		if (rc == ESPDIAG_OK)
			rc = espdiag_diagnose(&report, esp, &opts);
		if (rc == ESPDIAG_OK)
			rc = espdiag_html_add(html, report, esp);
		else
			espdiag_html_add_error(html, argv[i].word,
			                       message ? message : espdiag_strerror(rc));
		if (rc != ESPDIAG_OK) {
			if (message == NULL) {
				fputs("espdiag: ", stderr);
				put(stderr, argv[i].word);
				fprintf(stderr, ": %s\n", espdiag_strerror(rc));
			}
			status = worse(status, EXIT_INPUT);
		} else if (espdiag_report_has_errors(report)) {
			status = worse(status, EXIT_FINDING);
		} else if (espdiag_report_incomplete(report)) {
			status = worse(status, EXIT_INCOMPLETE);
		}
		if (reg != NULL)
			print_warnings(reg, o);
		espdiag_report_free(report);
		espdiag_esp_free(esp);
		close_evidence(bundle, reg);
	}
	FILE *out = o->output ? fopen(o->output, "w") : stdout;
	if (out == NULL) {
		fputs("espdiag: ", stderr);
		put(stderr, o->output);
		fprintf(stderr, ": cannot write: %s\n", strerror(errno));
		status = EXIT_INPUT;
	} else {
		int rc = espdiag_html_write(html, out);
		if (out != stdout) {
			int failed = fclose(out) != 0 || rc != ESPDIAG_OK;
			if (failed) {
				fputs("espdiag: ", stderr);
				put(stderr, o->output);
				fprintf(stderr, ": writing the report failed: %s\n", strerror(errno));
				status = EXIT_INPUT;
			}
		} else if (output_done(rc) != EXIT_OK) {
			status = EXIT_INPUT;
		}
	}
	espdiag_html_free(html);
	return status;
}

/* Findings for each FILE (JSON: one object per line, one line per FILE in
 * order, readable or not). The worst status wins (see worse()). */
static int cmd_diagnose(size_t argc, const arg *argv, const options *o)
{
	if (o->format != NULL && strcmp(o->format, "html") == 0) {
		if (o->given & (O_COLOR | O_MIN_SEVERITY))
			return usage_error("%s applies to the text report, not to --format=html",
			                   o->given & O_COLOR ? "--color" : "--min-severity");
		return cmd_report(argc, argv, o);
	}
	if (o->given & O_OUTPUT)
		return usage_error("--output applies to --format=html and report");
	int status;
	bool json = want_json(o, &status);
	if (status != EXIT_OK)
		return status;
	if (argc < 1)
		return usage_error("diagnose takes one or more FILEs");
	if (json && (o->given & (O_COLOR | O_MIN_SEVERITY)))
		return usage_error("%s applies to the text report, not to --format=json",
		                   o->given & O_COLOR ? "--color" : "--min-severity");
	for (size_t i = 0; i < argc; i++) {
		if (!json && i > 0)
			putchar('\n');
		int s = diagnose_one(&argv[i], o, json);
		if (s == EXIT_OUTPUT)
			return EXIT_INPUT;
		status = worse(status, s);
	}
	return worse(status, output_done(ESPDIAG_OK));
}

/* The rule catalogue. */
static int cmd_rules(size_t argc, const arg *argv, const options *o)
{
	(void)argv;
	int status;
	bool json = want_json(o, &status);
	if (status != EXIT_OK)
		return status;
	if (argc != 0)
		return usage_error("rules takes no FILE");
	size_t n = espdiag_rule_count();
	if (json)
		fputs("{\"schema\":\"espdiag-rules/1\",\"rules\":[", stdout);
	for (size_t i = 0; i < n; i++) {
		const espdiag_rule *r = espdiag_rule_at(i);
		if (json) {
			fputs(i ? ",{\"id\":" : "{\"id\":", stdout);
			json_string(stdout, r->id);
			printf(",\"severity\":\"%s\",\"summary\":", espdiag_severity_name(r->severity));
			json_string(stdout, r->summary);
			putchar('}');
		} else {
			printf("%-30s %-8s ", r->id, espdiag_severity_name(r->severity));
			put(stdout, r->summary);
			putchar('\n');
		}
	}
	if (json)
		fputs("]}\n", stdout);
	return output_done(ESPDIAG_OK);
}

/* What a collection holds: each member's kind, size, and read or why not. */
static int cmd_members(size_t argc, const arg *argv, const options *o)
{
	int status;
	bool json = want_json(o, &status);
	if (status != EXIT_OK)
		return status;
	if (argc != 1)
		return usage_error("members takes one BUNDLE");
	espdiag_open_options opts;
	espdiag_bundle_options bopts;
	bundle_options(&bopts, &opts, &argv[0], o);
	espdiag_bundle *b = NULL;
	int rc = espdiag_bundle_new(&b, &bopts);
	if (rc == ESPDIAG_OK)
		rc = espdiag_bundle_open_file(b, argv[0].word);
	if (rc != ESPDIAG_OK) {
		fputs("espdiag: ", stderr);
		put(stderr, b != NULL ? espdiag_bundle_errmsg(b) : espdiag_strerror(rc));
		fputc('\n', stderr);
		espdiag_bundle_free(b);
		return EXIT_INPUT;
	}
	size_t n = espdiag_bundle_member_count(b);
	if (json) {
		fputs("{\"schema\":\"espdiag-members/1\",\"format\":", stdout);
		json_string(stdout, espdiag_bundle_format(b));
		fputs(",\"members\":[", stdout);
	}
	for (size_t i = 0; i < n; i++) {
		const espdiag_member *m = espdiag_bundle_member_at(b, i);
		char size[32] = "-";
		if (m->has_size)
			snprintf(size, sizeof size, "%llu", (unsigned long long)m->size);
		if (json) {
			fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
			json_string(stdout, m->name);
			printf(",\"kind\":\"%s\",\"size\":%s,\"read\":%s,\"reason\":",
			       espdiag_member_kind_name(m->kind), m->has_size ? size : "null",
			       m->read ? "true" : "false");
			json_string(stdout, m->reason);
			fputs(",\"summary\":", stdout);
			json_string(stdout, m->summary);
			putchar('}');
			continue;
		}
		printf("%-11s %10s  %-8s  ", espdiag_member_kind_name(m->kind), size,
		       m->read ? "read" : "not read");
		put(stdout, m->name);
		if (m->reason != NULL || m->summary != NULL) {
			fputs(" (", stdout);
			put(stdout, m->reason != NULL ? m->reason : m->summary);
			putchar(')');
		}
		putchar('\n');
	}
	if (json)
		fputs("]}\n", stdout);
	if (!o->quiet) {
		for (size_t i = 0; i < espdiag_bundle_warning_count(b); i++) {
			fputs("espdiag: ", stderr);
			put(stderr, argv[0].word);
			fputs(": warning: ", stderr);
			put(stderr, espdiag_bundle_warning_at(b, i)->message);
			fputc('\n', stderr);
		}
	}
	espdiag_bundle_free(b);
	return output_done(ESPDIAG_OK);
}

/* What every command that reads FILEs takes. */
#define O_INPUT (O_MOUNT | O_CODEPAGE | O_LOG | O_NO_LOGS)
#define DIAGNOSE_OPTIONS                                                                       \
	(O_INPUT | O_FORMAT | O_COLOR | O_QUIET | O_MIN_SEVERITY | O_SKIP_RULE |  \
	 O_APP_MINUTES | O_OUTPUT)

static const command commands[] = {
	{ "diagnose", DIAGNOSE_OPTIONS,
	  "[--format=text|json|html] [--mount PREFIX] [--skip-rule=ID] [--app-minutes=N] FILE...",
	  cmd_diagnose },
	{ "rules", O_FORMAT, "[--format=text|json]", cmd_rules },
	{ "dump", O_INPUT | O_KEY | O_ENCODING | O_QUIET,
	  "[--key PATH] [--encoding=utf-8|utf-8-bom|utf-16le] [--mount PREFIX] FILE", cmd_dump },
	{ "query", O_INPUT | O_QUIET, "[--mount PREFIX] FILE KEYPATH [VALUE]",
	  cmd_query },
	{ "timeline", O_INPUT | O_FORMAT | O_QUIET,
	  "[--format=text|json] [--mount PREFIX] FILE...", cmd_timeline },
	{ "members", O_INPUT | O_FORMAT | O_QUIET, "[--format=text|json] BUNDLE",
	  cmd_members },
	{ "report", O_INPUT | O_QUIET | O_SKIP_RULE | O_APP_MINUTES | O_OUTPUT,
	  "[--output OUTFILE] [--mount PREFIX] FILE...", cmd_report },
};
static const size_t command_count = sizeof commands / sizeof commands[0];

static void print_usage(FILE *out)
{
	for (size_t i = 0; i < command_count; i++)
		fprintf(out, "%s espdiag %s %s\n", i ? "      " : "usage:", commands[i].name,
		        commands[i].usage);
	fputs("       espdiag -h | --help | -V | --version\n"
	      "The command may be left out: espdiag FILE... diagnoses. FILE may be \"-\" for\n"
	      "standard input (once). Options:\n"
	      "  --mount PREFIX       mount the hives that follow (all FILEs when given last)\n"
	      "                       under PREFIX instead of where they say\n"
	      "  --codepage NAME      ANSI code page of a .reg file without a BOM that is not\n"
	      "                       UTF-8 (default WINDOWS-1252)\n"
	      "  --log FILE           a dirty hive's transaction log (repeatable; default: the\n"
	      "                       NAME.LOG1 and NAME.LOG2 beside it); --no-logs: none\n"
	      "  --format=text|json   output format (html: diagnose; see report)\n"
	      "  --color=auto|always|never, -q/--quiet (no reader warnings),\n"
	      "  --min-severity=info|warning|error (text report), --skip-rule=ID (repeatable),\n"
	      "  --app-minutes=N (minutes each tracked app may take; default 3)\n"
	      "See espdiag(1).\n",
	      out);
}

/* A word that is no command is a FILE of the default command when it
 * names an existing file or looks like a path; else it is a typo. */
static bool looks_like_file(const char *word)
{
	return strcmp(word, "-") == 0 || strchr(word, '/') != NULL || strchr(word, '.') != NULL ||
	       access(word, F_OK) == 0;
}

static int parse_severity(const char *s, uint32_t *out)
{
	static const uint32_t all[] = { ESPDIAG_SEVERITY_INFO, ESPDIAG_SEVERITY_WARNING,
		                        ESPDIAG_SEVERITY_ERROR };
	for (size_t i = 0; i < 3; i++)
		if (strcmp(s, espdiag_severity_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -1;
}

/* Whether to colour: --color, else a terminal without NO_COLOR
 * (https://no-color.org: set and not empty means no colour). */
static int parse_colour(const char *word, int *out)
{
	const char *no_colour = getenv("NO_COLOR");
	if (word == NULL || strcmp(word, "auto") == 0)
		*out = isatty(STDOUT_FILENO) && (no_colour == NULL || *no_colour == '\0');
	else if (strcmp(word, "always") == 0)
		*out = 1;
	else if (strcmp(word, "never") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

/* The width to wrap the text report at: the terminal's (COLUMNS when the
 * terminal does not say), none when standard output is no terminal. */
static unsigned terminal_width(void)
{
	struct winsize ws;
	if (!isatty(STDOUT_FILENO))
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	const char *env = getenv("COLUMNS");
	long n = env ? strtol(env, NULL, 10) : 0;
	return n >= 20 && n <= 1000 ? (unsigned)n : 80;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mount", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "key", required_argument, NULL, 'k' },
		{ "codepage", required_argument, NULL, 'c' },
		{ "color", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "min-severity", required_argument, NULL, 's' },
		{ "skip-rule", required_argument, NULL, 'S' },
		{ "app-minutes", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "log", required_argument, NULL, 'L' },
		{ "no-logs", no_argument, NULL, 'N' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	options o = { 0 };
	const char *colour_arg = NULL;
	/* The words that are not options, in order, each with the --mount
	 * that precedes it ("-" in optstring: getopt returns them as 1). */
	arg *words = calloc((size_t)argc + 1, sizeof *words);
	o.skip = calloc((size_t)argc + 1, sizeof *o.skip);
	o.logs = calloc((size_t)argc + 1, sizeof *o.logs);
	if (words == NULL || o.skip == NULL || o.logs == NULL) {
		fprintf(stderr, "espdiag: out of memory\n");
		return EXIT_INPUT;
	}
	size_t nwords = 0;
	const char *mount = NULL;
	bool mount_given = false, mount_used = true;
	int c, status = EXIT_OK;
	while (status == EXIT_OK && (c = getopt_long(argc, argv, "-hVq", longopts, NULL)) != -1) {
		switch (c) {
		case 1:
			words[nwords++] = (arg){ optarg, mount, mount_given };
			mount_used = true;
			break;
		case 'm':
			o.given |= O_MOUNT;
			if (!mount_used && nwords > 0)
				status = usage_error("--mount \"%s\" applies to no FILE", mount);
			mount = *optarg ? optarg : NULL;
			mount_given = true;
			mount_used = false;
			break;
		case 'f': o.given |= O_FORMAT; o.format = optarg; break;
		case 'e': o.given |= O_ENCODING; o.encoding = optarg; break;
		case 'k': o.given |= O_KEY; o.key = optarg; break;
		case 'o': o.given |= O_OUTPUT; o.output = optarg; break;
		case 'L': o.given |= O_LOG; o.logs[o.log_count++] = optarg; break;
		case 'N': o.given |= O_NO_LOGS; o.no_logs = true; break;
		case 'c': o.given |= O_CODEPAGE; o.codepage = optarg; break;
		case 'C': o.given |= O_COLOR; colour_arg = optarg; break;
		case 'q': o.given |= O_QUIET; o.quiet = true; break;
		case 's':
			o.given |= O_MIN_SEVERITY;
			if (parse_severity(optarg, &o.min_severity) != 0)
				status = usage_error("unknown severity \"%s\" (info, warning or error)",
				                     optarg);
			break;
		case 'S':
			o.given |= O_SKIP_RULE;
			if (espdiag_rule_find(optarg) == NULL)
				status = usage_error("--skip-rule: no rule \"%s\" (see espdiag rules)",
				                     optarg);
			o.skip[o.skip_count++] = optarg;
			break;
		case 'a': {
			char *end;
			errno = 0;
			unsigned long n = strtoul(optarg, &end, 10);
			o.given |= O_APP_MINUTES;
			if (*optarg < '0' || *optarg > '9' || *end != '\0' || errno || n < 1 ||
			    n > 10080)
				status = usage_error("--app-minutes \"%s\": a number of minutes from 1 "
				                     "to 10080",
				                     optarg);
			o.app_minutes = (unsigned)n;
			break;
		}
		case 'V':
			printf("espdiag %s\n", espdiag_version());
			status = finish_output(0) == EXIT_OK ? -1 : -2;
			break;
		case 'h':
			print_usage(stdout);
			status = finish_output(0) == EXIT_OK ? -1 : -2;
			break;
		default:
			status = usage_error("bad option");
			break;
		}
	}
	/* After "--" every word is a FILE or argument. */
	while (status == EXIT_OK && optind < argc) {
		words[nwords++] = (arg){ argv[optind++], mount, mount_given };
		mount_used = true;
	}
	if (status == -1 || status == -2) {
		status = status == -1 ? EXIT_OK : EXIT_INPUT;
		goto out;
	}
	if (status != EXIT_OK)
		goto out;
	if (nwords == 0) {
		status = usage_error("no command or FILE given");
		goto out;
	}
	/* The command word, or a FILE of the default command. */
	const command *cmd = NULL;
	size_t first = 1;
	for (size_t i = 0; i < command_count; i++)
		if (strcmp(words[0].word, commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL && looks_like_file(words[0].word)) {
		cmd = &commands[0];
		first = 0;
	}
	if (cmd == NULL) {
		status = usage_error("unknown command \"%s\"", words[0].word);
		goto out;
	}
	unsigned extra = o.given & ~cmd->takes;
	for (size_t i = 0; extra && i < sizeof option_names / sizeof option_names[0]; i++)
		if (extra & option_names[i].bit) {
			status = usage_error("%s does not apply to %s", option_names[i].name, cmd->name);
			goto out;
		}
	/* A --mount after the last FILE applies to every FILE no --mount
	 * precedes (as before --mount could be given per FILE). */
	if (!mount_used) {
		bool applied = false;
		for (size_t i = first; i < nwords; i++)
			if (!words[i].mount_given) {
				words[i].mount = mount;
				words[i].mount_given = applied = true;
			}
		if (!applied && nwords > first) {
			status = usage_error("--mount \"%s\" applies to no FILE", mount ? mount : "");
			goto out;
		}
	}
	if ((o.given & O_LOG) && o.no_logs) {
		status = usage_error("--log and --no-logs contradict each other");
		goto out;
	}
	/* Standard input can be read once. Query's KEYPATH and VALUE are no FILEs. */
	size_t files = cmd->fn == cmd_query ? (nwords > first ? 1 : 0) : nwords - first;
	bool stdin_seen = false;
	for (size_t i = first; i < first + files; i++) {
		if (strcmp(words[i].word, "-") != 0)
			continue;
		if (stdin_seen) {
			status = usage_error("\"-\" (standard input) is given twice");
			goto out;
		}
		stdin_seen = true;
	}
	if (parse_colour(colour_arg, &o.colour) != 0) {
		status = usage_error("unknown --color \"%s\" (auto, always or never)", colour_arg);
		goto out;
	}
	o.width = terminal_width();
	status = cmd->fn(nwords - first, words + first, &o);
out:
	free(words);
	free(o.skip);
	free(o.logs);
	return status;
}

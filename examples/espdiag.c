/* examples/espdiag.c - the espdiag command: diagnose (the default), rules,
 * timeline, dump, query, over the public API only. See espdiag(1).
 * Exit status: 0 success, 1 a finding of error severity or a key/value
 * not found, 2 usage error, 3 an input could not be read at all, 4 an
 * input was damaged and the diagnosis is incomplete (1 wins over 4).
 * Text meant for a terminal goes through espdiag_text_write(), so that no
 * byte from the input can drive the terminal. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <espdiag/espdiag.h>

enum { EXIT_OK = 0, EXIT_FINDING = 1, EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_INCOMPLETE = 4 };

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

typedef struct options {
	const char *mount;
	const char *format;
	const char *encoding;
	const char *key;
	const char *codepage;
	const char *output;
} options;

static const char usage_text[] =
	"usage: espdiag [diagnose] [--format=text|json] [--mount PREFIX] FILE...\n"
	"       espdiag rules [--format=text|json]\n"
	"       espdiag dump [--key PATH] [--encoding=utf-8|utf-16le] [--mount PREFIX] FILE\n"
	"       espdiag query [--mount PREFIX] FILE KEYPATH [VALUE]\n"
	"       espdiag timeline [--format=text|json] [--mount PREFIX] FILE\n"
	"       espdiag report [--output FILE] [--mount PREFIX] FILE...\n"
	"       espdiag --version | --help\n"
	"FILE may be \"-\" for standard input. Common options:\n"
	"  --mount PREFIX     mount a hive under PREFIX instead of where it says\n"
	"  --codepage NAME    ANSI code page of a REGEDIT4 file (default WINDOWS-1252)\n";

/* Prints "espdiag: what[ "arg"]" and the usage; returns the usage status. */
static int usage_error(const char *what, const char *arg)
{
	if (arg != NULL)
		fprintf(stderr, "espdiag: %s \"%s\"\n%s", what, arg, usage_text);
	else
		fprintf(stderr, "espdiag: %s\n%s", what, usage_text);
	return EXIT_USAGE;
}

static void print_warnings(const espdiag_registry *reg)
{
	size_t n = espdiag_registry_warning_count(reg);
	for (size_t i = 0; i < n; i++) {
		size_t src = 0;
		const espdiag_warning *w = espdiag_registry_warning_at(reg, i, &src);
		if (w == NULL)
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
}

/* Opens one input; prints the error and returns NULL when it cannot be read. */
static espdiag_registry *open_input(const char *path, const options *o)
{
	espdiag_registry *reg;
	if (espdiag_registry_new(&reg) != ESPDIAG_OK) {
		fprintf(stderr, "espdiag: out of memory\n");
		return NULL;
	}
	espdiag_open_options opts = ESPDIAG_OPEN_OPTIONS_INIT;
	opts.codepage = o->codepage;
	int rc = espdiag_registry_open_file(reg, path, o->mount, &opts);
	if (rc != ESPDIAG_OK) {
		fprintf(stderr, "espdiag: %s\n", espdiag_registry_errmsg(reg));
		espdiag_registry_free(reg);
		return NULL;
	}
	return reg;
}

static int cmd_dump(int argc, char **argv, const options *o)
{
	if (argc != 1)
		return usage_error("dump takes one FILE", NULL);
	uint32_t flags = 0;
	if (o->encoding != NULL) {
		if (strcmp(o->encoding, "utf-16le") == 0)
			flags |= ESPDIAG_EXPORT_UTF16LE;
		else if (strcmp(o->encoding, "utf-8") != 0)
			return usage_error("unknown encoding", o->encoding);
	}
	espdiag_registry *reg = open_input(argv[0], o);
	if (reg == NULL)
		return EXIT_INPUT;
	const espdiag_key *key = espdiag_registry_root(reg);
	int status = EXIT_OK;
	if (o->key != NULL && espdiag_registry_key(&key, reg, o->key) != ESPDIAG_OK) {
		fprintf(stderr, "espdiag: %s: key not found: %s\n", argv[0], o->key);
		status = EXIT_FINDING;
	} else if (espdiag_registry_export(reg, key, flags, stdout) != ESPDIAG_OK) {
		fprintf(stderr, "espdiag: writing the dump failed\n");
		status = EXIT_INPUT;
	}
	print_warnings(reg);
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

static int cmd_query(int argc, char **argv, const options *o)
{
	if (argc < 2 || argc > 3)
		return usage_error("query takes FILE KEYPATH [VALUE]", NULL);
	espdiag_registry *reg = open_input(argv[0], o);
	if (reg == NULL)
		return EXIT_INPUT;
	int status = EXIT_OK;
	const espdiag_key *key;
	const espdiag_value *v;
	if (espdiag_registry_key(&key, reg, argv[1]) != ESPDIAG_OK) {
		fprintf(stderr, "espdiag: %s: key not found: %s\n", argv[0], argv[1]);
		status = EXIT_FINDING;
	} else if (argc == 3) {
		if (espdiag_key_value(&v, key, argv[2]) != ESPDIAG_OK) {
			fprintf(stderr, "espdiag: %s: value not found: ", argv[0]);
			put(stderr, espdiag_key_path(key));
			fprintf(stderr, "\\%s\n", argv[2]);
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
	print_warnings(reg);
	espdiag_registry_free(reg);
	return status;
}

/* The ESPTrackingInfo state changes in time order (format: esp.h). */
static int cmd_timeline(int argc, char **argv, const options *o)
{
	uint32_t format = ESPDIAG_ESP_FORMAT_TEXT;
	if (argc != 1)
		return usage_error("timeline takes one FILE", NULL);
	if (o->format != NULL && strcmp(o->format, "json") == 0)
		format = ESPDIAG_ESP_FORMAT_JSON;
	else if (o->format != NULL && strcmp(o->format, "text") != 0)
		return usage_error("unknown format", o->format);
	espdiag_registry *reg = open_input(argv[0], o);
	if (reg == NULL)
		return EXIT_INPUT;
	espdiag_esp *esp = NULL;
	int status = EXIT_OK;
	int rc = espdiag_esp_load(&esp, reg);
	if (rc != ESPDIAG_OK) {
		fprintf(stderr, "espdiag: %s: %s\n", argv[0], espdiag_strerror(rc));
		status = EXIT_INPUT;
	} else if (espdiag_esp_timeline_write(esp, format, stdout) != ESPDIAG_OK ||
	           fflush(stdout) != 0) {
		fprintf(stderr, "espdiag: writing the timeline failed\n");
		status = EXIT_INPUT;
	}
	print_warnings(reg);
	espdiag_esp_free(esp);
	espdiag_registry_free(reg);
	return status;
}

/* Diagnoses one input; returns its exit status. */
static int diagnose_one(const char *path, const options *o, bool json, int colour)
{
	espdiag_registry *reg = open_input(path, o);
	if (reg == NULL)
		return EXIT_INPUT;
	espdiag_esp *esp = NULL;
	espdiag_report *report = NULL;
	espdiag_diagnose_options opts = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
	opts.registry = reg;
	int status = EXIT_OK;
	int rc = espdiag_esp_load(&esp, reg);
	if (rc == ESPDIAG_OK)
		rc = espdiag_diagnose(&report, esp, &opts);
	if (rc != ESPDIAG_OK) {
		fprintf(stderr, "espdiag: %s: %s\n", path, espdiag_strerror(rc));
		status = EXIT_INPUT;
	} else {
		rc = json ? espdiag_report_write_json(report, stdout)
		          : espdiag_report_write_text(report, colour, stdout);
		if (rc != ESPDIAG_OK || fflush(stdout) != 0) {
			fprintf(stderr, "espdiag: writing the report failed\n");
			status = EXIT_INPUT;
		} else if (espdiag_report_has_errors(report)) {
			status = EXIT_FINDING;
		} else if (espdiag_report_incomplete(report)) {
			status = EXIT_INCOMPLETE;
		}
	}
	if (!json)
		print_warnings(reg);
	espdiag_report_free(report);
	espdiag_esp_free(esp);
	espdiag_registry_free(reg);
	return status;
}

/* One HTML document for all FILEs (see espdiag_html(3)): a section each,
 * an unreadable one included, to --output FILE or standard output. The
 * exit status is diagnose's. */
static int cmd_report(int argc, char **argv, const options *o)
{
	if (argc < 1)
		return usage_error("report takes one or more FILEs", NULL);
	espdiag_html *html;
	if (espdiag_html_new(&html, NULL) != ESPDIAG_OK) {
		fprintf(stderr, "espdiag: out of memory\n");
		return EXIT_INPUT;
	}
	int status = EXIT_OK;
	for (int i = 0; i < argc; i++) {
		espdiag_registry *reg = open_input(argv[i], o);
		espdiag_esp *esp = NULL;
		espdiag_report *report = NULL;
		espdiag_diagnose_options opts = ESPDIAG_DIAGNOSE_OPTIONS_INIT;
		opts.registry = reg;
		int rc = reg == NULL ? ESPDIAG_EIO : espdiag_esp_load(&esp, reg);
		if (rc == ESPDIAG_OK)
			rc = espdiag_diagnose(&report, esp, &opts);
		if (rc == ESPDIAG_OK)
			rc = espdiag_html_add(html, report, esp);
		else
			espdiag_html_add_error(html, argv[i],
			                       reg ? espdiag_strerror(rc) : "see the command's messages");
		if (rc != ESPDIAG_OK) {
			if (reg != NULL)
				fprintf(stderr, "espdiag: %s: %s\n", argv[i], espdiag_strerror(rc));
			status = worse(status, EXIT_INPUT);
		} else if (espdiag_report_has_errors(report)) {
			status = worse(status, EXIT_FINDING);
		} else if (espdiag_report_incomplete(report)) {
			status = worse(status, EXIT_INCOMPLETE);
		}
		if (reg != NULL)
			print_warnings(reg);
		espdiag_report_free(report);
		espdiag_esp_free(esp);
		espdiag_registry_free(reg);
	}
	FILE *out = o->output ? fopen(o->output, "w") : stdout;
	if (out == NULL) {
		fprintf(stderr, "espdiag: %s: cannot write: %s\n", o->output, strerror(errno));
		status = EXIT_INPUT;
	} else {
		int rc = espdiag_html_write(html, out);
		if ((out == stdout ? fflush(out) : fclose(out)) != 0 || rc != ESPDIAG_OK) {
			fprintf(stderr, "espdiag: writing the report failed\n");
			status = EXIT_INPUT;
		}
	}
	espdiag_html_free(html);
	return status;
}

/* Findings for each FILE (JSON: one object per line). The worst status
 * wins (see worse()). */
static int cmd_diagnose(int argc, char **argv, const options *o)
{
	bool json = false;
	if (argc < 1)
		return usage_error("diagnose takes one or more FILEs", NULL);
	if (o->format != NULL && strcmp(o->format, "json") == 0)
		json = true;
	else if (o->format != NULL && strcmp(o->format, "html") == 0)
		return cmd_report(argc, argv, o);
	else if (o->format != NULL && strcmp(o->format, "text") != 0)
		return usage_error("unknown format", o->format);
	const char *no_colour = getenv("NO_COLOR");
	int colour = !json && isatty(STDOUT_FILENO) && (no_colour == NULL || *no_colour == '\0');
	int status = EXIT_OK;
	for (int i = 0; i < argc; i++) {
		if (!json && i > 0)
			putchar('\n');
		status = worse(status, diagnose_one(argv[i], o, json, colour));
	}
	return status;
}

/* A JSON string of our own ASCII text (rule ids and summaries). */
static void put_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned)(unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* The rule catalogue. */
static int cmd_rules(int argc, char **argv, const options *o)
{
	(void)argv;
	if (argc != 0)
		return usage_error("rules takes no FILE", NULL);
	bool json = o->format != NULL && strcmp(o->format, "json") == 0;
	if (o->format != NULL && !json && strcmp(o->format, "text") != 0)
		return usage_error("unknown format", o->format);
	size_t n = espdiag_rule_count();
	if (json)
		fputs("{\"schema\":\"espdiag-rules/1\",\"rules\":[", stdout);
	for (size_t i = 0; i < n; i++) {
		const espdiag_rule *r = espdiag_rule_at(i);
		if (json) {
			fputs(i ? ",{\"id\":" : "{\"id\":", stdout);
			put_json_string(r->id);
			printf(",\"severity\":\"%s\",\"summary\":", espdiag_severity_name(r->severity));
			put_json_string(r->summary);
			putchar('}');
		} else {
			printf("%-30s %-8s ", r->id, espdiag_severity_name(r->severity));
			put(stdout, r->summary);
			putchar('\n');
		}
	}
	if (json)
		fputs("]}\n", stdout);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_INPUT;
}

/* A word that is no command is a FILE of the default command when it
 * names an existing file or looks like a path; else it is a typo. */
static bool looks_like_file(const char *word)
{
	return strcmp(word, "-") == 0 || strchr(word, '/') != NULL || strchr(word, '.') != NULL ||
	       access(word, F_OK) == 0;
}

typedef int (*command_fn)(int argc, char **argv, const options *o);

static const struct {
	const char *name;
	command_fn fn;
} commands[] = {
	{ "diagnose", cmd_diagnose },
	{ "rules", cmd_rules },
	{ "dump", cmd_dump },
	{ "query", cmd_query },
	{ "timeline", cmd_timeline },
	{ "report", cmd_report },
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mount", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "key", required_argument, NULL, 'k' },
		{ "codepage", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	options o = { 0 };
	int c;
	/* Options may come before or after the command and its files. */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': o.mount = optarg; break;
		case 'f': o.format = optarg; break;
		case 'e': o.encoding = optarg; break;
		case 'k': o.key = optarg; break;
		case 'c': o.codepage = optarg; break;
		case 'o': o.output = optarg; break;
		case 'V':
			printf("espdiag %s\n", espdiag_version());
			return EXIT_OK;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error("no command or FILE given", NULL);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			return commands[i].fn(argc - optind - 1, argv + optind + 1, &o);
	if (looks_like_file(argv[optind]))
		return cmd_diagnose(argc - optind, argv + optind, &o);
	return usage_error("unknown command", argv[optind]);
}

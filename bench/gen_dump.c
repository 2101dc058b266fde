/*
 * bench/gen_dump.c - writes the benchmark input: a deterministic
 * MDMDiagReport_RegistryDump.reg-dialect file of an exact size.
 *
 * The bytes depend only on the requested size: a fixed-seed PRNG drives
 * every choice, so two runs (or two machines) produce the same file and
 * benchmark figures stay comparable. The dialect is the one the ESP tool
 * writes: UTF-16LE with a BOM, CRLF, no header, value lines indented one
 * space, "DWORD:" in upper case, REG_SZ data raw (its quotes and
 * backslashes are not escaped; the string runs to the last quote of the
 * line), long hex data wrapped with ",\" and a two-space indent as regedit
 * does. The mix follows the corpus: policy "AreaNNNN" keys, ESP tracking
 * keys, enrollments, app-management and IME keys, with strings (paths,
 * JSON with quotes, URLs, some non-ASCII), DWORDs, hex:, hex(2), hex(7)
 * and hex(b) values.
 *
 * On success it prints "keys=K values=V value_bytes=D digest=H bytes=B" on
 * standard output: K is the number of distinct keys the file implies
 * (ancestors included, the unnamed root excluded), V the number of values,
 * D the sum of their raw data sizes (REG_SZ as UTF-16LE with its NUL) and
 * H the order-free digest of every value (name, type, raw bytes) that
 * bench computes over the parsed tree (see value_digest()), B the file
 * size. The benchmark checks the parsed tree against them.
 *
 * Usage: gen_dump [-s SIZE[k|M|G]] OUTPUT     (default 100M = 104857600)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"

#define DEFAULT_SIZE (100ull * 1024 * 1024)

static _Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;

	fputs("gen_dump: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* --- PRNG: splitmix64, fixed seed --- */
static uint64_t rng_state = 0x45535044494147ull; /* "ESPDIAG" */

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); the modulo bias is irrelevant here. */
static unsigned rnd(unsigned n)
{
	return (unsigned)(rnd64() % n);
}

/* --- growable byte buffer --- */
typedef struct buf {
	unsigned char *p;
	size_t n, cap;
} buf;

static void buf_reserve(buf *b, size_t extra)
{
	if (b->n + extra <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->n + extra)
		cap *= 2;
	unsigned char *p = realloc(b->p, cap);
	if (!p)
		die("out of memory");
	b->p = p;
	b->cap = cap;
}

static void buf_put(buf *b, const void *s, size_t len)
{
	buf_reserve(b, len);
	memcpy(b->p + b->n, s, len);
	b->n += len;
}

static void buf_puts(buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	int len;

	buf_reserve(b, 256);
	va_start(ap, fmt);
	len = vsnprintf((char *)b->p + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	if (len < 0)
		die("vsnprintf failed");
	if ((size_t)len >= b->cap - b->n) {
		buf_reserve(b, (size_t)len + 1);
		va_start(ap, fmt);
		vsnprintf((char *)b->p + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
	}
	b->n += (size_t)len;
}

/* Appends the UTF-16LE form of the UTF-8 text s[0..len) (our own literals:
 * well-formed by construction). */
static void put_utf16(buf *out, const unsigned char *s, size_t len)
{
	buf_reserve(out, len * 4);
	unsigned char *d = out->p + out->n;
	size_t i = 0;

	while (i < len) {
		uint32_t c = s[i];
		if (c < 0x80) {
			d[0] = (unsigned char)c;
			d[1] = 0;
			d += 2;
			i++;
			continue;
		}
		if (c >= 0xf0) {
			c = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3fu) << 12) |
			    ((s[i + 2] & 0x3fu) << 6) | (s[i + 3] & 0x3fu);
			i += 4;
		} else if (c >= 0xe0) {
			c = ((c & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu);
			i += 3;
		} else {
			c = ((c & 0x1fu) << 6) | (s[i + 1] & 0x3fu);
			i += 2;
		}
		if (c >= 0x10000) {
			uint32_t v = c - 0x10000;
			uint32_t hi = 0xd800 + (v >> 10), lo = 0xdc00 + (v & 0x3ff);
			d[0] = (unsigned char)hi;
			d[1] = (unsigned char)(hi >> 8);
			d[2] = (unsigned char)lo;
			d[3] = (unsigned char)(lo >> 8);
			d += 4;
		} else {
			d[0] = (unsigned char)c;
			d[1] = (unsigned char)(c >> 8);
			d += 2;
		}
	}
	out->n = (size_t)(d - out->p);
}


/* --- the set of keys the file implies, for the expected key count ---
 * Open addressing over 64-bit FNV-1a hashes of the ASCII-lowercased path;
 * with a few hundred thousand keys a 64-bit collision is not a concern. */
typedef struct keyset {
	uint64_t *h;     /* 0 = empty slot */
	unsigned char *section; /* 1 when the key had its own [section] */
	size_t cap, count;
} keyset;

static uint64_t path_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		h = (h ^ c) * 0x100000001b3ull;
	}
	return h ? h : 1;
}

static void keyset_grow(keyset *ks)
{
	size_t cap = ks->cap ? ks->cap * 2 : 1u << 16;
	uint64_t *h = calloc(cap, sizeof *h);
	unsigned char *sec = calloc(cap, 1);

	if (!h || !sec)
		die("out of memory");
	for (size_t i = 0; i < ks->cap; i++) {
		if (!ks->h[i])
			continue;
		size_t j = (size_t)ks->h[i] & (cap - 1);
		while (h[j])
			j = (j + 1) & (cap - 1);
		h[j] = ks->h[i];
		sec[j] = ks->section[i];
	}
	free(ks->h);
	free(ks->section);
	ks->h = h;
	ks->section = sec;
	ks->cap = cap;
}

/* Returns the slot of hash h, inserting it when absent; *added says which. */
static size_t keyset_insert(keyset *ks, uint64_t hv, int *added)
{
	if ((ks->count + 1) * 2 > ks->cap)
		keyset_grow(ks);
	size_t j = (size_t)hv & (ks->cap - 1);
	while (ks->h[j] && ks->h[j] != hv)
		j = (j + 1) & (ks->cap - 1);
	*added = !ks->h[j];
	if (*added) {
		ks->h[j] = hv;
		ks->count++;
	}
	return j;
}

/* Records the section key path and its ancestors. A section that repeats
 * an earlier one would merge values and spoil the expected counts, so the
 * generator never writes one. */
static void keyset_add_section(keyset *ks, const char *path, size_t len)
{
	int added;
	size_t slot = keyset_insert(ks, path_hash(path, len), &added);

	if (ks->section[slot])
		die("internal error: section [%.*s] written twice", (int)len, path);
	ks->section[slot] = 1;
	if (!added)
		return; /* its ancestors are in already */
	for (size_t i = len; i-- > 0;) {
		if (path[i] != '\\')
			continue;
		keyset_insert(ks, path_hash(path, i), &added);
		if (!added)
			break;
	}
}

/* --- the generator --- */
typedef struct gen {
	buf sec;        /* the current section, UTF-8 */
	buf wide;       /* the current section, UTF-16LE */
	buf tmp;        /* scratch for hex(2)/hex(7) payloads */
	buf tmp8;       /* scratch UTF-8 */
	keyset keys;
	uint64_t values;       /* values written (committed groups) */
	uint64_t sec_values;   /* values in the current group */
	uint64_t value_bytes, sec_value_bytes;
	uint64_t digest, sec_digest;
	unsigned area;         /* next AreaNNNN number */
	unsigned clock;        /* seconds, for unique ESP timestamps */
	/* The current group: one or more sections written (or dropped) as a
	 * whole, such as an enrollment and its FirstSync. */
	char keypath[2][1024];
	size_t keypath_len[2];
	size_t nkeys;
} gen;

static const char *const area_prefixes[] = {
	"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\PolicyManager\\current\\device",
	"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\PolicyManager\\providers\\F841AD26-BDDB-40CA-AD78-52CE5D39F1B8\\default\\Device",
	"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Provisioning\\NodeCache\\CSP\\Device\\MS DM Server\\Nodes",
	"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\OMADM\\Accounts\\ECE9D8ED-E3BB-4436-90CD-14A1616A43DE\\Protected",
	"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\PolicyManager\\current\\user\\S-1-12-1-3152022831-1036985501-3259704284-1523401844",
	"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Provisioning\\NodeCache\\CSP\\User\\MS DM Server\\Nodes",
};
static const char *const setting_suffixes[] = {
	"Json", "Uri", "Mode", "Path", "Enabled", "Policy", "Version", "Data",
};
static const char *const csp_areas[] = {
	"Update", "Browser", "Defender", "DeviceLock", "Experience", "Privacy",
	"Security", "Start", "WindowsLogon", "ApplicationManagement",
};
static const char *const user_sids[] = {
	"S-1-12-1-3152022831-1036985501-3259704284-1523401844",
	"S-1-12-1-1843502394-1157894120-2330417811-2880927162",
	"S-1-12-1-2774930155-1259093848-1987254679-3902187346",
};
/* Display names, some outside ASCII (one outside the BMP), as app
 * catalogues have them. */
static const char *const display_names[] = {
	"Contoso VPN Client", "Fabrikam Endpoint Agent", "Company Portal",
	"Microsoft 365 Apps for enterprise - en-us", "7-Zip 23.01 (x64)",
	"Gr\xc3\xb6\xc3\x9f" "enrechner Pro", "\xc3\x91" "and\xc3\xba Backup",
	"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e IME Helper",
	"Rocket Launcher \xf0\x9f\x9a\x80", "Notepad++ (64-bit x64)",
};

static void new_guid(char out[37], int upper)
{
	uint64_t a = rnd64(), b = rnd64();

	snprintf(out, 37, upper ? "%08" PRIX32 "-%04X-%04X-%04X-%012" PRIX64
	                        : "%08" PRIx32 "-%04x-%04x-%04x-%012" PRIx64,
	         (uint32_t)(a >> 32), (unsigned)((a >> 16) & 0xffff),
	         (unsigned)((a & 0x0fff) | 0x4000), (unsigned)((b >> 48 & 0x3fff) | 0x8000),
	         (uint64_t)(b & 0xffffffffffffull));
}

static void section_begin(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void section_begin(gen *g, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (g->nkeys == 2)
		die("internal error: too many sections in a group");
	char *path = g->keypath[g->nkeys];
	va_start(ap, fmt);
	len = vsnprintf(path, sizeof g->keypath[0], fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof g->keypath[0])
		die("internal error: key path too long");
	g->keypath_len[g->nkeys++] = (size_t)len;
	if (g->sec.n)
		buf_puts(&g->sec, "\r\n");
	buf_printf(&g->sec, "[%s]\r\n", path);
}

static void group_begin(gen *g)
{
	g->sec.n = 0;
	g->sec_values = 0;
	g->sec_value_bytes = 0;
	g->sec_digest = 0;
	g->nkeys = 0;
}

/* A value line up to and including "=", and the value's share of the
 * expected totals. */
static void value_name(gen *g, const char *name, uint32_t type, const unsigned char *data,
                       size_t size)
{
	buf_printf(&g->sec, " \"%s\"=", name);
	g->sec_values++;
	g->sec_value_bytes += size;
	g->sec_digest += value_digest(name, strlen(name), type, data, size);
}

/* The raw bytes of a REG_SZ: UTF-16LE with its NUL, in g->tmp. */
static void sz_bytes(gen *g, const char *s, size_t len)
{
	static const unsigned char nul[2] = { 0, 0 };

	g->tmp.n = 0;
	put_utf16(&g->tmp, (const unsigned char *)s, len);
	buf_put(&g->tmp, nul, 2);
}

static void v_string(gen *g, const char *name, const char *data)
{
	sz_bytes(g, data, strlen(data));
	value_name(g, name, 1, g->tmp.p, g->tmp.n);
	buf_printf(&g->sec, "\"%s\"\r\n", data);
}

static void v_dword(gen *g, const char *name, uint32_t v)
{
	const unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
	                             (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	value_name(g, name, 4, b, 4);
	buf_printf(&g->sec, "DWORD:%08" PRIx32 "\r\n", v);
}

/* hex data the way regedit writes it: lines end with ",\" near column 80
 * and go on with a two-space indent. col is where the data starts. */
static void put_hex(gen *g, const unsigned char *p, size_t n, size_t col)
{
	static const char hexd[] = "0123456789abcdef";

	buf_reserve(&g->sec, n * 3 + (n / 20 + 1) * 5 + 4);
	char *d = (char *)g->sec.p + g->sec.n;
	for (size_t i = 0; i < n; i++) {
		*d++ = hexd[p[i] >> 4];
		*d++ = hexd[p[i] & 15];
		col += 2;
		if (i + 1 < n) {
			*d++ = ',';
			col++;
			if (col >= 76) {
				memcpy(d, "\\\r\n  ", 5);
				d += 5;
				col = 2;
			}
		}
	}
	memcpy(d, "\r\n", 2);
	d += 2;
	g->sec.n = (size_t)(d - (char *)g->sec.p);
}

static void v_hex(gen *g, const char *name, unsigned type, const unsigned char *p, size_t n)
{
	size_t start = g->sec.n;

	value_name(g, name, type, p, n);
	if (type == 3)
		buf_puts(&g->sec, "hex:");
	else
		buf_printf(&g->sec, "hex(%x):", type);
	put_hex(g, p, n, g->sec.n - start);
}

static void v_binary_random(gen *g, const char *name, size_t n)
{
	buf_reserve(&g->tmp, n);
	for (size_t i = 0; i < n; i++)
		g->tmp.p[i] = (unsigned char)rnd64();
	v_hex(g, name, 3, g->tmp.p, n);
}

/* hex(2) / hex(7): strings as UTF-16LE, each with its NUL; a multi-string
 * ends with an empty one. */
static void v_wide(gen *g, const char *name, unsigned type, const char *const *strs,
                   size_t count)
{
	static const unsigned char nul[2] = { 0, 0 };

	g->tmp.n = 0;
	for (size_t i = 0; i < count; i++) {
		put_utf16(&g->tmp, (const unsigned char *)strs[i], strlen(strs[i]));
		buf_put(&g->tmp, nul, 2);
	}
	if (type == 7)
		buf_put(&g->tmp, nul, 2);
	v_hex(g, name, type, g->tmp.p, g->tmp.n);
}

/* A 64-bit little-endian number: REG_QWORD, or REG_BINARY as the ESP
 * writes its FILETIME stamps. */
static void v_qword(gen *g, const char *name, unsigned type, uint64_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	v_hex(g, name, type, b, 8);
}

/* A random string value of one of the kinds the dumps hold. */
static void random_string(char *out, size_t cap, const char *name)
{
	char guid[37];

	switch (rnd(9)) {
	case 0:
		snprintf(out, cap, "C:\\Program Files\\Vendor %u\\bin\\tool.exe", rnd(100));
		break;
	case 1:
		snprintf(out, cap, "{\"enabled\":%s,\"mode\":\"%s\",\"path\":\"C:\\\\Temp\\\\x%u\","
		                   "\"list\":[\"a\",\"b\"]}",
		         rnd(2) ? "true" : "false", rnd(2) ? "audit" : "enforce", rnd(1000));
		break;
	case 2:
		snprintf(out, cap, "./Device/Vendor/MSFT/Policy/Config/%s/%s",
		         csp_areas[rnd(10)], name);
		break;
	case 3:
		new_guid(guid, 0);
		snprintf(out, cap, "https://fef.msua%02u.manage.microsoft.com/SideCar/%s/content?v=%u",
		         rnd(10), guid, rnd(100000));
		break;
	case 4:
		new_guid(guid, 1);
		snprintf(out, cap, "{%s}", guid);
		break;
	case 5:
		/* An empty string and one that ends in a quote: both edges of
		 * "the string runs to the last quote". */
		if (rnd(2))
			out[0] = '\0';
		else
			snprintf(out, cap, "Installed by \"%s\"", display_names[rnd(10)]);
		break;
	case 6:
		snprintf(out, cap, "\\\\fs%02u\\deploy$\\%s\\setup.exe /quiet /norestart LOG=\"%%TEMP%%\\%u.log\"",
		         rnd(20), csp_areas[rnd(10)], rnd(10000));
		break;
	case 7:
		snprintf(out, cap, "<enabled/><data id=\"Pol_%u\" value=\"%s\"/>", rnd(500),
		         display_names[rnd(10)]);
		break;
	default:
		snprintf(out, cap, "%u", rnd(100000));
		break;
	}
}

static void random_value(gen *g, const char *name)
{
	char s[512];
	unsigned r = rnd(100);

	if (r < 42) {
		random_string(s, sizeof s, name);
		v_string(g, name, s);
	} else if (r < 72) {
		v_dword(g, name, rnd(8) ? rnd(8) : (uint32_t)rnd64());
	} else if (r < 85) {
		/* Mostly short blobs (hashes, timestamps), some long ones
		 * (certificates, policy blobs) that wrap over many lines. */
		size_t n = rnd(10) ? 4 + rnd(40) : 100 + rnd(400);
		v_binary_random(g, name, n);
	} else if (r < 90) {
		const char *strs[6];
		char a[6][96];
		size_t k = 1 + rnd(4);
		for (size_t i = 0; i < k; i++) {
			switch (rnd(3)) {
			case 0: new_guid(a[i], 1); break;
			case 1: snprintf(a[i], sizeof a[i], "%s", display_names[rnd(10)]); break;
			default:
				snprintf(a[i], sizeof a[i], "./Vendor/MSFT/Policy/Config/%s/Item%u",
				         csp_areas[rnd(10)], rnd(100));
				break;
			}
			strs[i] = a[i];
		}
		v_wide(g, name, 7, strs, k);
	} else if (r < 96) {
		const char *str = s;
		snprintf(s, sizeof s, rnd(2) ? "%%ProgramFiles%%\\Vendor %u\\agent.exe"
		                             : "%%SystemRoot%%\\System32\\drivers\\ven%u.sys",
		         rnd(100));
		v_wide(g, name, 2, &str, 1);
	} else {
		v_qword(g, name, 11, 0x01db3f0000000000ull + (rnd64() & 0xffffffffffull));
	}
}

static void gen_area(gen *g)
{
	char name[64];
	unsigned n = 1 + rnd(8);

	section_begin(g, "%s\\Area%04u", area_prefixes[rnd(6)], g->area++);
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof name, "Setting%02u_%s", i, setting_suffixes[rnd(8)]);
		random_value(g, name);
	}
}

/* The app-tracking part of ESP: per-app state keys, and the diagnostics
 * snapshots whose value names are OMA-URIs. */
static void gen_tracking(gen *g, int snapshot)
{
	static const char esp[] =
		"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\EnrollmentStatusTracking";
	const char *who = rnd(2) ? "Device" : user_sids[rnd(3)];
	char guid[37], name[256];

	if (!snapshot) {
		new_guid(guid, 0);
		section_begin(g, "%s\\%s\\Setup\\Apps\\Tracking\\Sidecar\\Win32App_%s_%u", esp, who,
		              guid, 1 + rnd(3));
		v_dword(g, "InstallationState", 1 + rnd(4));
		if (rnd(3) == 0) {
			v_dword(g, "ErrorCode", (uint32_t)rnd64());
			v_string(g, "LastError", "The application was not detected after installation completed successfully (0x87D1041C).");
		}
		return;
	}
	g->clock += 1 + rnd(60);
	unsigned t = g->clock;
	static const char *const kinds[] = { "Sidecar", "ExpectedPolicies", "ExpectedMSIAppPackages",
	                                     "ExpectedModernAppPackages" };
	unsigned kind = rnd(4);
	section_begin(g, "%s\\ESPTrackingInfo\\Diagnostics\\%s\\2026-%02u-%02uT%02u:%02u:%02u.%03uZ",
	              esp, kinds[kind], 1 + t / 2592000 % 12, 1 + t / 86400 % 28, t / 3600 % 24,
	              t / 60 % 60, t % 60, rnd(1000));
	unsigned n = 1 + rnd(10);
	for (unsigned i = 0; i < n; i++) {
		new_guid(guid, kind == 2);
		switch (kind) {
		case 0:
			snprintf(name, sizeof name,
			         "./Device/Vendor/MSFT/EnrollmentStatusTracking/Setup/Apps/Tracking/Sidecar/Win32App_%s_%u",
			         guid, 1 + rnd(3));
			break;
		case 1:
			snprintf(name, sizeof name, "./Vendor/MSFT/Policy/Config/%s/Setting_%s",
			         csp_areas[rnd(10)], guid);
			break;
		case 2:
			snprintf(name, sizeof name,
			         "./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/%%7B%s%%7D/Status", guid);
			break;
		default:
			snprintf(name, sizeof name,
			         "./User/Vendor/MSFT/EnterpriseModernAppManagement/AppManagement/AppStore/Contoso.App_%s",
			         guid);
			break;
		}
		v_dword(g, name, 1 + rnd(4));
	}
}

static void gen_enrollment(gen *g)
{
	char guid[37], tenant[37], s[256];

	new_guid(guid, 1);
	new_guid(tenant, 0);
	section_begin(g, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Enrollments\\{%s}", guid);
	v_string(g, "ProviderID", "MS DM Server");
	snprintf(s, sizeof s, "user%u@contoso.example", rnd(1000));
	v_string(g, "UPN", s);
	v_dword(g, "EnrollmentType", 6);
	v_string(g, "AADTenantID", tenant);
	v_string(g, "DiscoveryServiceFullURL",
	         "https://enrollment.manage.microsoft.com/enrollmentserver/discovery.svc");
	section_begin(g, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Enrollments\\{%s}\\FirstSync", guid);
	v_dword(g, "SkipDeviceStatusPage", 0);
	v_dword(g, "SkipUserStatusPage", rnd(2) ? 0 : 0xffffffffu);
	v_dword(g, "BlockInStatusPage", 7);
	v_dword(g, "SyncFailureTimeout", 60);
	v_dword(g, "AllowCollectLogsButton", 1);
	v_dword(g, "IsSyncDone", rnd(2));
	v_dword(g, "IsServerProvisioningDone", 1);
	v_dword(g, "ApplicationsDuration", rnd(600));
	v_dword(g, "PolicyDuration", rnd(100));
	v_qword(g, "Timestamp", 3, 0x01db3f0000000000ull + (rnd64() & 0xffffffffffull));
	v_string(g, "CustomErrorText",
	         "Setup could not finish. Call the \"Help Desk\" on x1234 or see \\\\fs01\\it\\esp.");
}

static void gen_msi(gen *g)
{
	char guid[37], s[256];

	new_guid(guid, 1);
	section_begin(g, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\EnterpriseDesktopAppManagement\\%s\\MSI\\{%s}",
	              user_sids[rnd(3)], guid);
	v_dword(g, "Status", rnd(2) ? 70 : 60);
	snprintf(s, sizeof s, "{%s}", guid);
	v_string(g, "ProductCode", s);
	snprintf(s, sizeof s, "https://fef.msua%02u.manage.microsoft.com/SideCar/%s.msi", rnd(10),
	         display_names[rnd(10)]);
	v_string(g, "CurrentDownloadUrl", s);
	v_dword(g, "EnforcementRetryCount", rnd(5));
	v_dword(g, "EnforcementTimeout", 30);
	v_qword(g, "EnforcementStartTime", 11, 0x01db3f0000000000ull + (rnd64() & 0xffffffffffull));
}

/* IntuneManagementExtension Win32 app results: long JSON with quotes. */
static void gen_ime(gen *g)
{
	char user[37], app[37], s[1024];

	new_guid(user, 0);
	new_guid(app, 0);
	section_begin(g, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\IntuneManagementExtension\\Win32Apps\\%s\\%s_%u",
	              user, app, 1 + rnd(3));
	unsigned st = rnd(5);
	snprintf(s, sizeof s,
	         "{\"Applicability\":0,\"ComplianceState\":%u,\"DesiredState\":2,\"ErrorCode\":%s,"
	         "\"TargetingMethod\":0,\"InstallContext\":%u,\"TargetType\":%u,\"ProductVersion\":null,"
	         "\"AssignmentFilterIds\":null}",
	         1 + st % 4, st == 4 ? "-2016345060" : "null", 1 + rnd(2), 1 + rnd(2));
	v_string(g, "ComplianceStateMessage", s);
	snprintf(s, sizeof s,
	         "{\"EnforcementState\":%u,\"ErrorCode\":%s,\"TargetingMethod\":0}",
	         st == 4 ? 5000u : 1000u, st == 4 ? "-2016345060" : "null");
	v_string(g, "EnforcementStateMessage", s);
	snprintf(s, sizeof s, "C:\\Program Files (x86)\\Microsoft Intune Management Extension\\Content\\Staging\\%s_%u\\%s",
	         app, 1 + rnd(3), display_names[rnd(10)]);
	v_string(g, "StagingPath", s);
	v_dword(g, "RebootStatus", rnd(3));
	v_binary_random(g, "Hash", 32);
}

/* The fixed ESP keys of the corpus, once at the top. */
static void gen_fixed(gen *g, int part)
{
	static const char esp[] =
		"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\Autopilot\\EnrollmentStatusTracking";

	switch (part) {
	case 0:
		section_begin(g, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Enrollments");
		break;
	case 1:
		section_begin(g, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Provisioning\\Diagnostics\\Autopilot");
		v_string(g, "CloudAssignedTenantId", "bf9e995c-bfad-4261-9346-1eb345cda949");
		v_string(g, "CloudAssignedTenantDomain", "contoso.example");
		v_string(g, "DeploymentProfileName", "Corp user-driven");
		v_dword(g, "CloudAssignedOobeConfig", 0x51e);
		v_dword(g, "CloudAssignedDomainJoinMethod", 0);
		break;
	case 2:
		section_begin(g, "%s\\Device\\Setup\\Apps\\PolicyProviders\\Sidecar", esp);
		v_dword(g, "TrackingPoliciesCreated", 1);
		break;
	default:
		section_begin(g, "%s\\Device\\DevicePreparation\\PolicyProviders\\Sidecar", esp);
		v_dword(g, "InstallationState", 3);
		v_dword(g, "Timeout", 15);
		break;
	}
}

/* Sections end with a blank line, as in the tool's output. */
static void section_encode(gen *g)
{
	buf_puts(&g->sec, "\r\n");
	g->wide.n = 0;
	put_utf16(&g->wide, g->sec.p, g->sec.n);
}

static void section_commit(gen *g, FILE *f)
{
	for (size_t i = 0; i < g->nkeys; i++)
		keyset_add_section(&g->keys, g->keypath[i], g->keypath_len[i]);
	g->values += g->sec_values;
	g->value_bytes += g->sec_value_bytes;
	g->digest += g->sec_digest;
	if (fwrite(g->wide.p, 1, g->wide.n, f) != g->wide.n)
		die("write failed: %s", strerror(errno));
}

static uint64_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	uint64_t mul = 1;

	if (errno || end == s)
		die("bad size '%s'", s);
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mul = 1024; end++; break;
	case 'm': case 'M': mul = 1024 * 1024; end++; break;
	case 'g': case 'G': mul = 1024ull * 1024 * 1024; end++; break;
	default: die("bad size '%s'", s);
	}
	if (*end || v > UINT64_MAX / mul)
		die("bad size '%s'", s);
	return v * mul;
}

int main(int argc, char **argv)
{
	uint64_t size = DEFAULT_SIZE;
	const char *path = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc)
			size = parse_size(argv[++i]);
		else if (argv[i][0] == '-' && argv[i][1])
			die("usage: gen_dump [-s SIZE[k|M|G]] OUTPUT");
		else if (!path)
			path = argv[i];
		else
			die("usage: gen_dump [-s SIZE[k|M|G]] OUTPUT");
	}
	if (!path)
		die("usage: gen_dump [-s SIZE[k|M|G]] OUTPUT");
	size &= ~(uint64_t)1; /* UTF-16: whole code units */
	if (size < 4096)
		die("size must be at least 4k");

	FILE *f = fopen(path, "wb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	static char iobuf[1 << 20];
	setvbuf(f, iobuf, _IOFBF, sizeof iobuf);

	gen g;
	memset(&g, 0, sizeof g);
	static const char filler_key[] = "HKEY_LOCAL_MACHINE\\SOFTWARE\\espdiag-bench\\Filler";
	/* "[key]\r\n" + " \"Filler\"=\"" + "\"\r\n" + "\r\n", in UTF-16 */
	const uint64_t filler_overhead = 2 * (1 + (sizeof filler_key - 1) + 3 + 11 + 3 + 2);
	uint64_t total = 2;

	if (fwrite("\xff\xfe", 1, 2, f) != 2)
		die("write failed: %s", strerror(errno));
	for (unsigned n = 0;; n++) {
		unsigned r = rnd(100);
		group_begin(&g);
		if (n < 4)
			gen_fixed(&g, (int)n);
		else if (r < 62)
			gen_area(&g);
		else if (r < 74)
			gen_tracking(&g, 0);
		else if (r < 84)
			gen_tracking(&g, 1);
		else if (r < 93)
			gen_ime(&g);
		else if (r < 98)
			gen_msi(&g);
		else
			gen_enrollment(&g);
		section_encode(&g);
		if (total + g.wide.n + filler_overhead > size)
			break; /* would not fit with the filler: dropped */
		section_commit(&g, f);
		total += g.wide.n;
	}

	/* Pad to the exact size with one last string value. */
	uint64_t fill = (size - total - filler_overhead) / 2;
	group_begin(&g);
	section_begin(&g, "%s", filler_key);
	g.tmp8.n = 0;
	buf_reserve(&g.tmp8, (size_t)fill);
	for (uint64_t i = 0; i < fill; i++)
		g.tmp8.p[g.tmp8.n++] = (unsigned char)('a' + i % 26);
	sz_bytes(&g, (const char *)g.tmp8.p, g.tmp8.n);
	value_name(&g, "Filler", 1, g.tmp.p, g.tmp.n);
	buf_puts(&g.sec, "\"");
	buf_put(&g.sec, g.tmp8.p, g.tmp8.n);
	buf_puts(&g.sec, "\"\r\n");
	section_encode(&g);
	section_commit(&g, f);
	total += g.wide.n;

	if (fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
	if (total != size)
		die("internal error: wrote %" PRIu64 " bytes, wanted %" PRIu64, total, size);
	printf("keys=%zu values=%" PRIu64 " value_bytes=%" PRIu64 " digest=%016" PRIx64
	       " bytes=%" PRIu64 "\n", g.keys.count, g.values, g.value_bytes, g.digest, total);
	free(g.sec.p);
	free(g.wide.p);
	free(g.tmp.p);
	free(g.tmp8.p);
	free(g.keys.h);
	free(g.keys.section);
	return 0;
}

/*
 * lib/esp_time.c - time parsing and formatting for the ESP model (see
 * esp_time.h). Civil-date arithmetic after Howard Hinnant's
 * days_from_civil/civil_from_days, valid for every 64-bit day count used.
 */
#include "esp_time.h"

#include <stdio.h>

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads exactly n digits. */
static bool digits(const char **p, int n, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (unsigned)(c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool esp_time_parse(const char *s, int64_t *unix_out, uint32_t *frac_100ns)
{
	const char *p = s;
	unsigned year, mon, day, hh, mm, ss = 0;
	uint32_t frac = 0;
	int offset_min = 0;

	if (p == NULL)
		return false;
	while (blank(*p))
		p++;
	if (!digits(&p, 4, &year) || *p++ != '-' || !digits(&p, 2, &mon) || *p++ != '-' ||
	    !digits(&p, 2, &day))
		return false;
	if (*p != 'T' && *p != 't' && *p != ' ' && *p != '_')
		return false;
	p++;
	if (!digits(&p, 2, &hh) || *p++ != ':' || !digits(&p, 2, &mm))
		return false;
	if (*p == ':') {
		p++;
		if (!digits(&p, 2, &ss))
			return false;
		if (*p == '.' || *p == ',') {
			p++;
			int n = 0;
			if (*p < '0' || *p > '9')
				return false;
			for (; *p >= '0' && *p <= '9'; p++, n++) {
				if (n < 7)
					frac = frac * 10 + (uint32_t)(*p - '0');
			}
			for (; n < 7; n++)
				frac *= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		unsigned oh, om = 0;
		p++;
		if (!digits(&p, 2, &oh))
			return false;
		if (*p == ':')
			p++;
		if (*p >= '0' && *p <= '9' && !digits(&p, 2, &om))
			return false;
		if (oh > 23 || om > 59)
			return false;
		offset_min = sign * (int)(oh * 60 + om);
	}
	while (blank(*p))
		p++;
	if (*p != '\0')
		return false;
	if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) || hh > 23 ||
	    mm > 59 || ss > 60)
		return false;
	int64_t t = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
	*unix_out = t - (int64_t)offset_min * 60;
	*frac_100ns = frac;
	return true;
}

void esp_time_from_filetime(uint64_t ft, int64_t *unix_out, uint32_t *frac_100ns)
{
	*unix_out = (int64_t)(ft / 10000000u) - INT64_C(11644473600);
	*frac_100ns = (uint32_t)(ft % 10000000u);
}

void esp_time_format(char buf[ESP_TIME_BUFSIZE], int64_t unix_secs, uint32_t frac_100ns)
{
	int64_t days = unix_secs / 86400, rem = unix_secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, ESP_TIME_BUFSIZE, "%04lld-%02u-%02uT%02u:%02u:%02u.%07uZ", (long long)y, m, d,
	         (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60),
	         (unsigned)(frac_100ns % 10000000u));
}

/* tests/check_unicode.c - UTF-8/UTF-16 conversion and name comparison. */
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "unicode.h"

START_TEST(utf16_to_utf8_pairs_and_lone_surrogates)
{
	/* "a", U+00E9, U+20AC, U+1F600 (pair), lone high, lone low, NUL, "z" */
	static const unsigned char in[] = { 'a', 0, 0xE9, 0, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE,
		                            0x00, 0xD8, 'x', 0, 0x00, 0xDC, 0, 0, 'z', 0, 0x41 };
	char *out;
	size_t len;
	ck_assert_int_eq(esp_utf16le_to_utf8(&out, &len, in, sizeof in, true), 0);
	ck_assert_str_eq(out, "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBDx\xEF\xBF\xBD");
	ck_assert_uint_eq(len, strlen(out));
	free(out);
	/* Without stopping at the NUL, the rest follows; the odd byte is dropped. */
	ck_assert_int_eq(esp_utf16le_to_utf8(&out, &len, in, sizeof in, false), 0);
	ck_assert_uint_eq(len, 17 + 1 + 1);
	ck_assert_int_eq(out[17], '\0');
	ck_assert_int_eq(out[18], 'z');
	free(out);
}
END_TEST

START_TEST(utf8_to_utf16_round_trip)
{
	const char *s = "K\xC3\xBC" "che \xF0\x9F\x98\x80";
	unsigned char *u;
	size_t n;
	ck_assert_int_eq(esp_utf8_to_utf16le(&u, &n, s, strlen(s)), 0);
	ck_assert_uint_eq(n, 2 * 8);
	ck_assert_uint_eq(u[12], 0x3D);
	ck_assert_uint_eq(u[13], 0xD8);
	char *back;
	ck_assert_int_eq(esp_utf16le_to_utf8(&back, NULL, u, n, true), 0);
	ck_assert_str_eq(back, s);
	free(back);
	free(u);
}
END_TEST

START_TEST(utf8_decode_rejects_bad_forms)
{
	uint32_t cp;
	ck_assert_uint_eq(esp_utf8_decode((const unsigned char *)"\xC0\x80", 2, &cp), 0);
	ck_assert_uint_eq(cp, ESP_REPLACEMENT_CHAR);
	ck_assert_uint_eq(esp_utf8_decode((const unsigned char *)"\xE2\x82", 2, &cp), 0);
	ck_assert_uint_eq(esp_utf8_decode((const unsigned char *)"\xF4\x90\x80\x80", 4, &cp), 0);
	ck_assert_uint_eq(esp_utf8_decode((const unsigned char *)"\xE2\x82\xAC", 3, &cp), 3);
	ck_assert_uint_eq(cp, 0x20AC);
}
END_TEST

START_TEST(latin1_to_utf8)
{
	char *out;
	size_t len;
	ck_assert_int_eq(esp_latin1_to_utf8(&out, &len, (const unsigned char *)"\xE4\xF6\xFC\xDF", 4), 0);
	ck_assert_str_eq(out, "\xC3\xA4\xC3\xB6\xC3\xBC\xC3\x9F");
	ck_assert_uint_eq(len, 8);
	free(out);
}
END_TEST

START_TEST(names_compare_case_insensitively)
{
	ck_assert(esp_name_equal("Software", 8, "SOFTWARE", 8));
	ck_assert(!esp_name_equal("Software", 8, "Softwar", 7));
	/* "äöü" vs "ÄÖÜ", Greek and Cyrillic */
	ck_assert(esp_name_equal("\xC3\xA4\xC3\xB6\xC3\xBC", 6, "\xC3\x84\xC3\x96\xC3\x9C", 6));
	ck_assert(esp_name_equal("\xCE\xB1\xCE\xB2", 4, "\xCE\x91\xCE\x92", 4));
	ck_assert(esp_name_equal("\xD0\xB4", 2, "\xD0\x94", 2));
	ck_assert_uint_eq(esp_name_hash("\xD0\xB4x", 3), esp_name_hash("\xD0\x94X", 3));
	ck_assert_uint_eq(esp_name_hash("HKEY_local_MACHINE", 18),
	                  esp_name_hash("hkey_LOCAL_machine", 18));
	/* An embedded NUL counts; invalid bytes equal only themselves. */
	ck_assert(!esp_name_equal("a\0b", 3, "a", 1));
	ck_assert(esp_name_equal("a\xFF", 2, "A\xFF", 2));
	ck_assert(!esp_name_equal("\xFF", 1, "\xC3\xBF", 2));
	/* Spellings of different UTF-8 lengths fold and hash alike ("\u0131" -> "I"). */
	ck_assert(esp_name_equal("\xC4\xB1" "abcdefghij", 12, "Iabcdefghij", 11));
	ck_assert_uint_eq(esp_name_hash("\xC4\xB1" "abcdefghij", 12), esp_name_hash("Iabcdefghij", 11));
	ck_assert_uint_eq(esp_name_hash("abcdefghijklmnopq", 17), esp_name_hash("ABCDEFGHIJKLMNOPQ", 17));
	ck_assert_uint_ne(esp_name_hash("abcdefgh", 8), esp_name_hash("abcdefgi", 8));
	ck_assert_uint_ne(esp_name_hash("a", 1), esp_name_hash("a\0", 2));
	ck_assert_uint_eq(esp_upcase(0x3C3), 0x3A3);
	ck_assert_uint_eq(esp_upcase(0xFF), 0x178);
	ck_assert_uint_eq(esp_upcase(0x41), 0x41);
}
END_TEST

/* ASCII runs are hashed and compared eight bytes at a time, other
 * characters one at a time: a name must hash and compare the same
 * whichever way each part of it goes. At every length and position, a
 * dotless i (two bytes, folding to "I") sends the name down the slow path
 * where a plain "i" keeps it on the fast one. */
START_TEST(name_fast_and_slow_paths_agree)
{
	const char *letters = "abcdefghijklmnopqrstuvwxyz";
	char plain[32], dotless[40], upper[32];
	for (size_t len = 1; len <= 26; len++) {
		for (size_t at = 0; at < len; at++) {
			memcpy(plain, letters, len);
			plain[at] = 'i';
			for (size_t k = 0; k < len; k++)
				upper[k] = (char)(plain[k] - 32);
			memcpy(dotless, plain, at);
			memcpy(dotless + at, "\xC4\xB1", 2);
			memcpy(dotless + at + 2, plain + at + 1, len - at - 1);
			uint32_t h = esp_name_hash(plain, len);
			ck_assert_uint_eq(esp_name_hash(upper, len), h);
			ck_assert_uint_eq(esp_name_hash(dotless, len + 1), h);
			ck_assert(esp_name_equal(plain, len, upper, len));
			ck_assert(esp_name_equal(dotless, len + 1, upper, len));
			ck_assert(esp_name_equal(upper, len, dotless, len + 1));
			upper[at] = 'J';
			ck_assert(!esp_name_equal(plain, len, upper, len));
			ck_assert(!esp_name_equal(dotless, len + 1, upper, len));
			ck_assert_uint_ne(esp_name_hash(upper, len), h);
		}
	}
}
END_TEST

Suite *suite_unicode(void)
{
	Suite *s = suite_create("unicode");
	TCase *tc = tcase_create("unicode");
	tcase_add_test(tc, utf16_to_utf8_pairs_and_lone_surrogates);
	tcase_add_test(tc, utf8_to_utf16_round_trip);
	tcase_add_test(tc, utf8_decode_rejects_bad_forms);
	tcase_add_test(tc, latin1_to_utf8);
	tcase_add_test(tc, names_compare_case_insensitively);
	tcase_add_test(tc, name_fast_and_slow_paths_agree);
	suite_add_tcase(s, tc);
	return s;
}

/* tests/check_regtext.c - placeholder suite. */
#include "suites.h"

Suite *suite_regtext(void)
{
	return suite_create("regtext");
}

/* tests/check_regf.c - placeholder suite. */
#include "suites.h"

Suite *suite_regf(void)
{
	return suite_create("regf");
}

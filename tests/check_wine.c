/* tests/check_wine.c - placeholder suite. */
#include "suites.h"

Suite *suite_wine(void)
{
	return suite_create("wine");
}

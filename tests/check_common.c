/* tests/check_common.c - status strings, memory release, the version and
 * the arena. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "suites.h"
#include <espdiag/espdiag.h>

START_TEST(version_macros_equal_runtime)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%d.%d.%d", ESPDIAG_VERSION_MAJOR, ESPDIAG_VERSION_MINOR,
	         ESPDIAG_VERSION_PATCH);
	ck_assert_str_eq(espdiag_version(), ESPDIAG_VERSION_STRING);
	ck_assert_str_eq(espdiag_version(), buf);
	ck_assert_uint_eq(espdiag_version_number(), ESPDIAG_VERSION_NUMBER);
	ck_assert_uint_eq(espdiag_version_number(),
	                  ((unsigned)ESPDIAG_VERSION_MAJOR << 16) |
	                          ((unsigned)ESPDIAG_VERSION_MINOR << 8) | ESPDIAG_VERSION_PATCH);
}
END_TEST

START_TEST(strerror_names_every_status)
{
	ck_assert_str_eq(espdiag_strerror(ESPDIAG_OK), "success");
	ck_assert_str_eq(espdiag_strerror(ESPDIAG_NOTFOUND), "not found");
	ck_assert_str_eq(espdiag_strerror(ESPDIAG_EFORMAT), "input is in no known format");
	ck_assert_str_eq(espdiag_strerror(ESPDIAG_ELIMIT), "resource limit exceeded");
	for (int s = ESPDIAG_EBACKEND; s <= ESPDIAG_NOTFOUND; s++)
		ck_assert_str_ne(espdiag_strerror(s), "unknown status");
	ck_assert_str_eq(espdiag_strerror(-1000), "unknown status");
	ck_assert_str_eq(espdiag_strerror(42), "unknown status");
}
END_TEST

START_TEST(free_null_is_a_noop)
{
	espdiag_free(NULL);
}
END_TEST

START_TEST(backend_init_checks_version)
{
	espdiag_backend b;
	memset(&b, 0xAB, sizeof b);
	ck_assert_int_eq(espdiag_backend_init(&b, ESPDIAG_BACKEND_VERSION), ESPDIAG_OK);
	ck_assert_uint_eq(b.version, ESPDIAG_BACKEND_VERSION);
	ck_assert_ptr_null(b.root);
	ck_assert_ptr_null(b.free);
	ck_assert_int_eq(espdiag_backend_init(&b, 0), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_backend_init(&b, ESPDIAG_BACKEND_VERSION + 1), ESPDIAG_EINVAL);
	ck_assert_int_eq(espdiag_backend_init(NULL, ESPDIAG_BACKEND_VERSION), ESPDIAG_EINVAL);
}
END_TEST

/* Only the last allocation grows or shrinks where it is. */
START_TEST(arena_extends_and_shrinks_the_last_allocation)
{
	esp_arena a;
	esp_arena_init(&a);
	char *p = esp_arena_alloc_bytes(&a, 10);
	ck_assert_ptr_nonnull(p);
	ck_assert(esp_arena_extend(&a, p, 10, 6));
	char *q = esp_arena_alloc_bytes(&a, 4);
	ck_assert_ptr_eq(q, p + 16);
	ck_assert(!esp_arena_extend(&a, p, 16, 1));
	ck_assert(!esp_arena_shrink(&a, p, 16, 8));
	ck_assert(esp_arena_shrink(&a, q, 4, 1));
	ck_assert_ptr_eq(esp_arena_alloc_bytes(&a, 1), q + 1);
	ck_assert(!esp_arena_extend(&a, q + 1, 1, (size_t)1 << 40));
	esp_arena_free(&a);
}
END_TEST

/* True under a tool that keeps an address space of its own (valgrind),
 * where a limit on ours means nothing. */
static bool under_valgrind(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;
	while (f != NULL && !found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, "vgpreload") != NULL;
	if (f != NULL)
		fclose(f);
	return found;
}

/* A reservation the system refuses is an estimate only: the arena then
 * grows as usual. Shown in a child whose address space is capped below
 * the reservation. */
START_TEST(arena_reserve_refused_falls_back)
{
#if defined(__SANITIZE_ADDRESS__)
	fprintf(stderr, "note: arena_reserve_refused_falls_back skipped under ASan "
	                "(its shadow memory needs the address space)\n");
	return;
#endif
	if (under_valgrind()) {
		fprintf(stderr, "note: arena_reserve_refused_falls_back skipped under valgrind\n");
		return;
	}
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rlimit lim = { (rlim_t)1 << 31, (rlim_t)1 << 31 };
		if (setrlimit(RLIMIT_AS, &lim) != 0)
			_exit(3);
		esp_arena a;
		esp_arena_init(&a);
		esp_arena_reserve(&a, (size_t)4 << 30);
		char *p = esp_arena_alloc_bytes(&a, 100);
		int status = p != NULL && a.total < ((size_t)1 << 20) ? 0 : 1;
		esp_arena_free(&a);
		_exit(status);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

Suite *suite_common(void)
{
	Suite *s = suite_create("common");
	TCase *tc = tcase_create("common");
	tcase_add_test(tc, version_macros_equal_runtime);
	tcase_add_test(tc, strerror_names_every_status);
	tcase_add_test(tc, free_null_is_a_noop);
	tcase_add_test(tc, backend_init_checks_version);
	tcase_add_test(tc, arena_extends_and_shrinks_the_last_allocation);
	tcase_add_test(tc, arena_reserve_refused_falls_back);
	suite_add_tcase(s, tc);
	return s;
}

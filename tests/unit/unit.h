/*
 * unit: the glue between Check and the automake TAP driver.
 *
 * Every unit test program builds one Check Suite and returns
 * unit_run(suite) from main().  Results go to stdout as TAP, one line per
 * test case, so that the harness counts individual cases and the CI's
 * closing "N passed, N failed" line is a count of cases, not of programs.
 */
#ifndef PGDECK_TESTS_UNIT_UNIT_H
#define PGDECK_TESTS_UNIT_UNIT_H

#include <check.h>
#include <stdlib.h>

/* Runs S (and frees it); returns the process exit status. */
static inline int unit_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_set_tap(sr, "-");
    srunner_run_all(sr, CK_SILENT);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* The directory of test data (fixtures), from the environment set by make. */
static inline const char *unit_srcdir(void)
{
    const char *d = getenv("srcdir");

    return d ? d : ".";
}

#endif

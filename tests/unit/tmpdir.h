/*
 * tmpdir: temporary directories and files for the unit tests that need
 * real files (settings, context): created at run time with the mode the
 * test chooses, removed at the end of the test case.
 */
#ifndef PGDECK_TESTS_UNIT_TMPDIR_H
#define PGDECK_TESTS_UNIT_TMPDIR_H

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/xmalloc.h"

/* A fresh directory (mode 0700); owned by the caller. */
static inline char *unit_tmpdir(void)
{
    char *d = x_strdup("/tmp/pgdeck-unit-XXXXXX");

    ck_assert_ptr_nonnull(mkdtemp(d));
    return d;
}

/* Writes TEXT to DIR/NAME with MODE; returns the path (owned). */
static inline char *unit_write_file(const char *dir, const char *name,
                                    const char *text, mode_t mode)
{
    char *path = x_asprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
    return path;
}

static inline int unit_rm_one(const char *path, const struct stat *st, int flag,
                              struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes DIR and everything under it. */
static inline void unit_rm_rf(const char *dir)
{
    (void)nftw(dir, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif

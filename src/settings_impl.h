/*
 * settings_impl: the inside of struct settings, shared by settings.c and
 * settings_load.c only.  Nothing else includes this header; everyone else
 * goes through the accessors of settings.h.
 */
#ifndef PGDECK_SRC_SETTINGS_IMPL_H
#define PGDECK_SRC_SETTINGS_IMPL_H

#include <stddef.h>

#include "src/settings.h"

struct buf;

struct settings_value {
    long long num;
    char *str; /* SETTINGS_T_NAME only; owned */
    enum settings_origin origin;
    int line;
};

struct settings {
    char *file; /* owned; NULL before any load */
    int file_read;
    enum settings_source source;
    struct settings_value v[SETTINGS__COUNT];
    struct settings_context *contexts; /* owned, with their strings */
    size_t ncontexts;
    struct settings_binding *bindings; /* owned */
    size_t nbindings;
};

/* Sets every value of S to its default (S must hold no strings). */
void settings_defaults(struct settings *s);
/* Frees what S owns and zeroes it. */
void settings_clear(struct settings *s);
/* Moves everything from SRC into DST (whose contents are freed first) and
 * zeroes SRC. */
void settings_move(struct settings *dst, struct settings *src);

/* What row R accepts, for "expected ..." messages; owned by the caller. */
char *settings_expected(const struct settings_row *r);

/* Checks the settings that must be ordered (fast <= slow, warn < crit,
 * connect <= total).  Appends one line per violation to ERRS, prefixed by
 * "FILE:LINE: " when FILE is not NULL.  Returns 0 or -1. */
int settings_cross_check(const struct settings *s, struct buf *errs,
                         const char *file);

/* The context field names, for unknown-key checks and suggestions. */
extern const char *const settings_context_fields[];
extern const size_t settings_context_nfields;

#endif

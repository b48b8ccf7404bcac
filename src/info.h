/*
 * info: what `pgdeck info` and `pgdeck --version` print.
 *
 * info_print() shows the resolved paths (config file and whether it was
 * read, state dir, audit log, platform dir, flyctl config), every context
 * with its API URL, org, auth scheme and WHERE its token comes from (never
 * the token: it is read only to learn its scheme, then wiped), the
 * effective settings with their origin, and the library versions.
 *
 * Collaborators: settings, context, paths; main passes the curses version
 * string it gets from ui/term.h (src/ never includes curses).
 */
#ifndef PGDECK_SRC_INFO_H
#define PGDECK_SRC_INFO_H

#include <stdio.h>

struct buf;
struct context_set;
struct settings;

/* Appends "libcurl X, libpq Y, cJSON Z, libconfig W" to OUT. */
void info_versions(struct buf *out);

/* Writes the `pgdeck info` report to OUT.  CURSES_VERSION may be NULL. */
void info_print(FILE *out, const struct settings *s,
                const struct context_set *set, const char *curses_version);

#endif

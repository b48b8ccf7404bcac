/*
 * xmalloc: allocation that cannot fail.
 *
 * Running out of memory is a broken invariant for pgdeck (house style: fatal
 * means a broken invariant or OOM, nothing else), so these wrappers abort
 * through fatalx() instead of returning NULL.  Zero-size requests are a bug
 * and are rejected the same way.  Every pointer returned is owned by the
 * caller and released with free().
 *
 * Collaborators: log.h (fatalx and its die hook).
 */
#ifndef PGDECK_SRC_XMALLOC_H
#define PGDECK_SRC_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *x_malloc(size_t size);
void *x_calloc(size_t nmemb, size_t size);
void *x_reallocarray(void *ptr, size_t nmemb, size_t size);
char *x_strdup(const char *s);
char *x_strndup(const char *s, size_t n);

/* Formatted allocation; the result is owned by the caller. */
char *x_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *x_vasprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/*
 * Zero a buffer in a way the compiler may not drop; for tokens and
 * passwords before they are freed.
 */
void x_wipe(void *p, size_t n);

#endif

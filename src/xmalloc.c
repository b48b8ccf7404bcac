#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/xmalloc.h"

void *x_malloc(size_t size)
{
    void *p;

    if (size == 0)
        fatalx("x_malloc: zero size");
    p = malloc(size);
    if (!p)
        fatal("x_malloc: %zu bytes", size);
    return p;
}

void *x_calloc(size_t nmemb, size_t size)
{
    void *p;

    if (nmemb == 0 || size == 0)
        fatalx("x_calloc: zero size");
    p = calloc(nmemb, size);
    if (!p)
        fatal("x_calloc: %zu x %zu bytes", nmemb, size);
    return p;
}

void *x_reallocarray(void *ptr, size_t nmemb, size_t size)
{
    void *p;

    if (nmemb == 0 || size == 0)
        fatalx("x_reallocarray: zero size");
    if (SIZE_MAX / nmemb < size)
        fatalx("x_reallocarray: %zu x %zu overflows", nmemb, size);
    p = realloc(ptr, nmemb * size);
    if (!p)
        fatal("x_reallocarray: %zu x %zu bytes", nmemb, size);
    return p;
}

char *x_strdup(const char *s)
{
    char *p = strdup(s);

    if (!p)
        fatal("x_strdup");
    return p;
}

char *x_strndup(const char *s, size_t n)
{
    char *p = strndup(s, n);

    if (!p)
        fatal("x_strndup");
    return p;
}

char *x_vasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *p;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        fatalx("x_vasprintf: bad format '%s'", fmt);
    p = x_malloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *x_asprintf(const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    p = x_vasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void x_wipe(void *p, size_t n)
{
    if (!p || n == 0)
        return;
#ifdef HAVE_EXPLICIT_BZERO
    explicit_bzero(p, n);
#else
    volatile unsigned char *v = p;

    while (n--)
        *v++ = 0;
#endif
}

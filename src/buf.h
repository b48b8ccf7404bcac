/*
 * buf: a growable byte buffer, always NUL-terminated.
 *
 * Used for HTTP bodies, JSON building and formatting.  A struct buf owns its
 * data; buf_free() releases it and leaves an empty buffer that may be reused.
 * buf_steal() hands the data to the caller (free() it) and empties the buffer.
 */
#ifndef PGDECK_SRC_BUF_H
#define PGDECK_SRC_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data; /* NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
};

#define BUF_INIT                                                               \
    {                                                                          \
        NULL, 0, 0                                                             \
    }

void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* Returns the data, owned by the caller (never NULL); b is left empty. */
char *buf_steal(struct buf *b);
/* The data as a C string; "" for an empty buffer.  Borrowed. */
const char *buf_str(const struct buf *b);

#endif

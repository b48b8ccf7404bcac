#include "config.h"

#include <string.h>

#include "src/buf.h"

#include "ui/text.h"

static size_t text_seqlen(const unsigned char *p);
static void text_put_cells(struct buf *out, const char *s, size_t cells,
                           int utf8);

/* The length of the (possibly malformed) UTF-8 sequence at P: 1..4. */
static size_t text_seqlen(const unsigned char *p)
{
    size_t n, i;

    if (*p < 0x80)
        return 1;
    if ((*p & 0xe0) == 0xc0)
        n = 2;
    else if ((*p & 0xf0) == 0xe0)
        n = 3;
    else if ((*p & 0xf8) == 0xf0)
        n = 4;
    else
        return 1;
    for (i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return i;
    return n;
}

const char *text_ellipsis(int utf8)
{
    return utf8 ? "\xe2\x80\xa6" : ">";
}

size_t text_width(const char *s, int utf8)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t w = 0;

    (void)utf8;
    while (*p) {
        p += text_seqlen(p);
        w++;
    }
    return w;
}

/* Appends the first CELLS cells of S, sanitized. */
static void text_put_cells(struct buf *out, const char *s, size_t cells,
                           int utf8)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p && cells > 0) {
        size_t n = text_seqlen(p);

        if (n == 1 && (*p < 0x20 || *p == 0x7f || *p >= 0x80))
            buf_putc(out, '?');
        else if (n > 1 && !utf8)
            buf_putc(out, '?');
        else
            buf_append(out, p, n);
        p += n;
        cells--;
    }
}

void text_fit(struct buf *out, const char *s, size_t width, int utf8,
              enum text_align align)
{
    size_t w = text_width(s, utf8), i;

    if (width == 0)
        return;
    if (w > width) {
        text_put_cells(out, s, width - 1, utf8);
        buf_puts(out, text_ellipsis(utf8));
        return;
    }
    if (align == TEXT_RIGHT)
        for (i = w; i < width; i++)
            buf_putc(out, ' ');
    text_put_cells(out, s, w, utf8);
    if (align == TEXT_LEFT)
        for (i = w; i < width; i++)
            buf_putc(out, ' ');
}

void text_clip(struct buf *out, const char *s, size_t width, int utf8)
{
    text_put_cells(out, s, width, utf8);
}

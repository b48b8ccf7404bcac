#include "config.h"

#include <string.h>

#include "src/buf.h"

#include "ui/table.h"

static int table_used(const int *widths, size_t n);

/* Cells used by the shown columns and their separators. */
static int table_used(const int *widths, size_t n)
{
    int used = 0, shown = 0;
    size_t i;

    for (i = 0; i < n; i++)
        if (widths[i] > 0) {
            used += widths[i];
            shown++;
        }
    return shown > 0 ? used + shown - 1 : 0;
}

int table_fit(const struct table_col *cols, size_t n, int width, int *widths)
{
    int left;
    size_t i;

    for (i = 0; i < n; i++)
        widths[i] = cols[i].min;
    /* Hide columns, highest drop number first (the rightmost among
     * equals), until the minimum widths fit. */
    while (table_used(widths, n) > width) {
        int worst = 0;
        size_t at = n;

        for (i = 0; i < n; i++)
            if (widths[i] > 0 && cols[i].drop >= worst && cols[i].drop > 0) {
                worst = cols[i].drop;
                at = i;
            }
        if (at == n)
            break;
        widths[at] = 0;
    }
    left = width - table_used(widths, n);
    for (i = 0; i < n && left > 0; i++) {
        int grow;

        if (widths[i] == 0 || cols[i].max <= widths[i])
            continue;
        grow = cols[i].max - widths[i];
        if (grow > left)
            grow = left;
        widths[i] += grow;
        left -= grow;
    }
    for (i = 0; i < n && left > 0; i++)
        if (widths[i] > 0 && (cols[i].flags & TABLE_FLEX)) {
            widths[i] += left;
            left = 0;
        }
    return table_used(widths, n);
}

void table_row(struct buf *out, const struct table_col *cols, size_t n,
               const int *widths, const char *const *cells, int total, int utf8)
{
    int used = 0, first = 1;
    size_t i;

    for (i = 0; i < n; i++) {
        if (widths[i] <= 0)
            continue;
        if (!first) {
            buf_putc(out, ' ');
            used++;
        }
        first = 0;
        text_fit(out, cells[i] ? cells[i] : "", (size_t)widths[i], utf8,
                 cols[i].align);
        used += widths[i];
    }
    for (; used < total; used++)
        buf_putc(out, ' ');
}

void table_header(struct buf *out, const struct table_col *cols, size_t n,
                  const int *widths, int total, int utf8)
{
    const char *titles[64];
    size_t i;

    for (i = 0; i < n && i < 64; i++)
        titles[i] = cols[i].title;
    table_row(out, cols, n < 64 ? n : 64, widths, titles, total, utf8);
}

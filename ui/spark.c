#include "config.h"

#include "src/buf.h"

#include "ui/spark.h"

static const char *const spark_blocks[8] = {
    "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
    "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"};
static const char spark_ascii[8] = {'_', '.', ',', '-', '=', '+', '%', '#'};

void spark_line(struct buf *out, const double *values, size_t n, size_t width,
                double max, int utf8)
{
    size_t first = n > width ? n - width : 0, i;

    if (max <= 0)
        for (i = first; i < n; i++)
            if (values[i] > max)
                max = values[i];
    for (i = n - first; i < width; i++)
        buf_putc(out, ' ');
    for (i = first; i < n; i++) {
        double v = values[i];
        int level;

        if (v < 0) {
            buf_putc(out, ' ');
            continue;
        }
        if (v <= 0 || max <= 0)
            level = 0;
        else {
            level = (int)(v / max * 7.0 + 0.5);
            if (level < 1)
                level = 1;
            if (level > 7)
                level = 7;
        }
        if (utf8)
            buf_puts(out, spark_blocks[level]);
        else
            buf_putc(out, spark_ascii[level]);
    }
}

void spark_gauge(struct buf *out, double pct, size_t width, int utf8)
{
    size_t fill, i;

    if (pct < 0) {
        for (i = 0; i < width; i++)
            buf_putc(out, '?');
        return;
    }
    if (pct > 100)
        pct = 100;
    fill = (size_t)(pct / 100.0 * (double)width + 0.5);
    if (pct > 0 && fill == 0 && width > 0)
        fill = 1;
    if (pct < 100 && fill == width && width > 0)
        fill = width - 1;
    for (i = 0; i < width; i++) {
        if (utf8)
            buf_puts(out, i < fill ? "\xe2\x96\x88" : "\xe2\x96\x91");
        else
            buf_putc(out, i < fill ? '#' : '.');
    }
}

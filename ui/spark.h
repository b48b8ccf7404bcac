/*
 * spark: sparklines and gauges rendered to strings (pure, no curses).
 *
 * A sparkline shows a history (oldest first) in WIDTH cells, one value per
 * cell, the newest at the right: UTF-8 mode uses the eight block elements
 * U+2581..U+2588, ASCII mode the levels "_.,-=+%#".  Zero is the lowest
 * level and any value above zero is at least the second one, so "nothing"
 * and "a little" differ.  Missing values (negative) show as a space; a
 * history shorter than WIDTH is padded with spaces on the left.
 *
 * A gauge shows a percentage as WIDTH cells of filled and empty marks
 * ("█"/"░" or "#"/"."), rounded to the nearest cell; any value above zero
 * fills at least one cell and anything below 100 leaves one empty.
 *
 * Collaborators: the fleet view (volume gauges, lag history), the cluster
 * view (sparklines of the selected node).
 */
#ifndef PGDECK_UI_SPARK_H
#define PGDECK_UI_SPARK_H

#include <stddef.h>

struct buf;

/* Appends a sparkline of the last WIDTH of the N VALUES to OUT.  MAX is the
 * top of the scale; 0 or less means the largest value shown. */
void spark_line(struct buf *out, const double *values, size_t n, size_t width,
                double max, int utf8);

/* Appends a gauge of PCT (0..100, clamped; negative: all cells '?') of
 * WIDTH cells to OUT. */
void spark_gauge(struct buf *out, double pct, size_t width, int utf8);

#endif

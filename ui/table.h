/*
 * table: column fitting and row rendering for the list views (pure).
 *
 * A view describes its columns once (title, minimum and maximum width,
 * alignment, a drop priority) and calls table_fit() whenever the terminal
 * width changes.  Columns that do not fit at their minimum width are
 * hidden, highest drop priority first (0 = never hidden); the space left
 * over goes to the columns below their maximum, left to right, and what is
 * still left goes to the first column marked TABLE_FLEX.  Columns are
 * separated by one space.
 *
 * table_row() renders one row of cell strings into a buffer of exactly the
 * table's width (cells fitted with text_fit()), so the views and the unit
 * tests see the same text.
 *
 * Collaborators: text (fitting cells), the views.
 */
#ifndef PGDECK_UI_TABLE_H
#define PGDECK_UI_TABLE_H

#include <stddef.h>

#include "ui/text.h"

struct buf;

enum table_flags {
    TABLE_FLEX = 1 /* takes the space nobody else wants */
};

struct table_col {
    const char *title;
    int min, max;
    enum text_align align;
    int drop; /* 0: never hidden; higher numbers are hidden first */
    int flags;
};

/* Fits N columns COLS into WIDTH cells: WIDTHS[i] receives column i's width
 * (0 when hidden).  Returns the number of cells used (<= WIDTH, unless even
 * the never-hidden columns do not fit: then they get their minimum). */
int table_fit(const struct table_col *cols, size_t n, int width, int *widths);

/* Appends one row: CELLS[i] (NULL counts as "") fitted into WIDTHS[i],
 * hidden columns skipped, one space between shown columns, then spaces up
 * to TOTAL cells. */
void table_row(struct buf *out, const struct table_col *cols, size_t n,
               const int *widths, const char *const *cells, int total,
               int utf8);

/* Appends the header row (the titles) like table_row(). */
void table_header(struct buf *out, const struct table_col *cols, size_t n,
                  const int *widths, int total, int utf8);

#endif

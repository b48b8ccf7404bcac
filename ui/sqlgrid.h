/*
 * sqlgrid: the geometry of the SQL pane's result grid (pure: no curses;
 * unit-tested without a terminal).
 *
 * Column widths are fitted to the data seen so far: sqlgrid_measure()
 * looks only at the rows that arrived since its last call (so a result that
 * grows batch by batch costs each row once) and widens the columns to the
 * widest header, value or NULL marker, capped (longer values are cut with
 * the truncation mark of ui/text.h when drawn).  The view is a window of
 * rows (top) and columns (left) that the scroll moves keep inside the
 * result; sqlgrid_cols() says which columns fit a width.  Drawing reads
 * only the rows in the window, so a 100k-row result draws as fast as a
 * 10-row one.
 *
 * Ownership: embedded by its user (zeroed, or sqlgrid_reset); the widths
 * are owned; the result set is borrowed for each call only (its rows may
 * be reallocated between calls by src/sql.c).
 *
 * Collaborators: ui/sqlpane (the user), src/sql.h (struct sql_set), ui/text.
 */
#ifndef PGDECK_UI_SQLGRID_H
#define PGDECK_UI_SQLGRID_H

#include <stddef.h>

struct sql_set;

/* Widest column shown, in cells (a value wider than this is cut). */
#define SQLGRID_CAP 40

struct sqlgrid {
    int *width; /* n_cols fitted widths (cells) */
    size_t n_cols;
    size_t seen; /* rows measured */
    size_t top;  /* first row shown */
    size_t left; /* first column shown */
};

enum sqlgrid_move {
    SQLGRID_UP,
    SQLGRID_DOWN,
    SQLGRID_PAGE_UP,
    SQLGRID_PAGE_DOWN,
    SQLGRID_TOP,
    SQLGRID_BOTTOM,
    SQLGRID_LEFT,
    SQLGRID_RIGHT,
    SQLGRID_FIRST_COL,
    SQLGRID_LAST_COL
};

/* Forgets the widths and the window (a new result). */
void sqlgrid_reset(struct sqlgrid *g);
/* Widens the columns to the rows of SET not measured yet (a set with other
 * columns starts over), each at most CAP cells; NULL cells count as the
 * width of the NULL marker (sqlgrid_null). */
void sqlgrid_measure(struct sqlgrid *g, const struct sql_set *set, int cap,
                     int utf8);
/* The NULL marker: "∅" in UTF-8 mode, "NULL" in ASCII mode; static. */
const char *sqlgrid_null(int utf8);
/* Moves the window by M in a result of N_ROWS rows of which VISIBLE rows
 * show at once, then clamps it.  Returns 1 when it moved. */
int sqlgrid_scroll(struct sqlgrid *g, enum sqlgrid_move m, size_t n_rows,
                   int visible);
/* Keeps the window inside N_ROWS rows (VISIBLE shown) and the columns. */
void sqlgrid_clamp(struct sqlgrid *g, size_t n_rows, int visible);
/* The columns shown in WIDTH cells from column left, one space between
 * them: W[i] receives the width of column left + i (the last one may be
 * narrowed to what is left, at least 1 cell).  Returns the count (0 when
 * there are no columns); W must hold n_cols entries. */
size_t sqlgrid_cols(const struct sqlgrid *g, int width, int *w);
/* Whether some column right of the window is hidden or cut in WIDTH cells
 * (scrolling right then shows more). */
int sqlgrid_more_right(const struct sqlgrid *g, int width);

#endif

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/sql.h"
#include "src/xmalloc.h"

#include "ui/sqlgrid.h"
#include "ui/text.h"

static int sqlgrid_w(const char *s, int cap, int utf8);

const char *sqlgrid_null(int utf8)
{
    return utf8 ? "\xe2\x88\x85" : "NULL";
}

void sqlgrid_reset(struct sqlgrid *g)
{
    free(g->width);
    memset(g, 0, sizeof *g);
}

/* The width of S, at most CAP (stops counting there). */
static int sqlgrid_w(const char *s, int cap, int utf8)
{
    const unsigned char *p = (const unsigned char *)s;
    int w = 0;

    (void)utf8;
    for (; *p && w < cap; p++)
        if ((*p & 0xc0) != 0x80)
            w++;
    return w;
}

void sqlgrid_measure(struct sqlgrid *g, const struct sql_set *set, int cap,
                     int utf8)
{
    size_t r, c;
    int nullw = (int)text_width(sqlgrid_null(utf8), utf8);

    if (cap < 1)
        cap = 1;
    if (!set || set->n_cols == 0) {
        free(g->width);
        g->width = NULL;
        g->n_cols = 0;
        g->seen = 0;
        return;
    }
    if (set->n_cols != g->n_cols || !g->width || g->seen > set->n_rows) {
        free(g->width);
        g->n_cols = set->n_cols;
        g->width = x_calloc(g->n_cols, sizeof *g->width);
        g->seen = 0;
        for (c = 0; c < g->n_cols; c++) {
            g->width[c] = sqlgrid_w(set->cols[c].name ? set->cols[c].name : "",
                                    cap, utf8);
            if (g->width[c] < 1)
                g->width[c] = 1;
        }
        if (g->left >= g->n_cols)
            g->left = 0;
    }
    for (r = g->seen; r < set->n_rows; r++)
        for (c = 0; c < g->n_cols; c++) {
            const char *v = set->cells[r * set->n_cols + c];
            int w = v ? sqlgrid_w(v, cap, utf8) : nullw;

            if (w > cap)
                w = cap;
            if (w > g->width[c])
                g->width[c] = w;
        }
    g->seen = set->n_rows;
}

void sqlgrid_clamp(struct sqlgrid *g, size_t n_rows, int visible)
{
    size_t maxtop;

    if (visible < 1)
        visible = 1;
    maxtop = n_rows > (size_t)visible ? n_rows - (size_t)visible : 0;
    if (g->top > maxtop)
        g->top = maxtop;
    if (g->n_cols == 0)
        g->left = 0;
    else if (g->left >= g->n_cols)
        g->left = g->n_cols - 1;
}

int sqlgrid_scroll(struct sqlgrid *g, enum sqlgrid_move m, size_t n_rows,
                   int visible)
{
    size_t top = g->top, left = g->left, page;

    if (visible < 1)
        visible = 1;
    page = (size_t)visible;
    switch (m) {
    case SQLGRID_UP:
        g->top = g->top > 0 ? g->top - 1 : 0;
        break;
    case SQLGRID_DOWN:
        g->top++;
        break;
    case SQLGRID_PAGE_UP:
        g->top = g->top > page ? g->top - page : 0;
        break;
    case SQLGRID_PAGE_DOWN:
        g->top += page;
        break;
    case SQLGRID_TOP:
        g->top = 0;
        break;
    case SQLGRID_BOTTOM:
        g->top = n_rows;
        break;
    case SQLGRID_LEFT:
        g->left = g->left > 0 ? g->left - 1 : 0;
        break;
    case SQLGRID_RIGHT:
        g->left++;
        break;
    case SQLGRID_FIRST_COL:
        g->left = 0;
        break;
    case SQLGRID_LAST_COL:
        g->left = g->n_cols;
        break;
    }
    sqlgrid_clamp(g, n_rows, visible);
    return g->top != top || g->left != left;
}

size_t sqlgrid_cols(const struct sqlgrid *g, int width, int *w)
{
    size_t c, n = 0;
    int x = 0;

    for (c = g->left; c < g->n_cols && x < width; c++) {
        int cw = g->width[c];

        if (x + cw > width)
            cw = width - x;
        if (cw < 1)
            break;
        w[n++] = cw;
        x += cw + 1;
    }
    return n;
}

int sqlgrid_more_right(const struct sqlgrid *g, int width)
{
    size_t c;
    int x = 0;

    for (c = g->left; c < g->n_cols; c++) {
        if (x + g->width[c] > width)
            return 1;
        x += g->width[c] + 1;
    }
    return 0;
}

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/fleet.h"
#include "src/sql.h"
#include "src/xmalloc.h"

#include "ui/app.h"
#include "ui/curses_compat.h"
#include "ui/palette.h"
#include "ui/sqlpane.h"
#include "ui/sqlpane_impl.h"
#include "ui/text.h"

/* Lines of messages (error, notices, note) above the grid, at most. */
#define SQLPANE_MSG_MAX 8
#define SQLPANE_NOTICES 3

struct sqlpane_msg {
    enum theme_role role;
    char *text;
};

static void sqlpane_title(struct app *a, struct sqlpane *p, int y, int w);
static int sqlpane_input(struct app *a, struct sqlpane *p, int y, int h, int w);
static size_t sqlpane_msgs(struct sqlpane *p, const struct sql_result *r,
                           struct sqlpane_msg *m, size_t max);
static void sqlpane_msg_add(struct sqlpane_msg *m, size_t *n, size_t max,
                            enum theme_role role, const char *prefix,
                            const char *text);
static void sqlpane_grid(struct app *a, struct sqlpane *p,
                         const struct sql_result *r, int y, int h, int w);
static void sqlpane_footer(struct app *a, struct sqlpane *p,
                           const struct sql_result *r, int y, int w,
                           size_t shown_cols);
static void sqlpane_ms(struct buf *b, int64_t ms);
static void sqlpane_clear(int y, int h);
static const char *sqlpane_skip(const char *s, int cells);
static const char *sqlpane_sep(const struct app *a);
static char *sqlpane_mask(const char *text, int secret);

static const char *sqlpane_sep(const struct app *a)
{
    return a->utf8 ? " \xc2\xb7 " : " | ";
}

/* TEXT (a copy), with what is between single quotes shown as *** when
 * SECRET: a server message about a statement holding a password may quote
 * the literal ("syntax error at or near \"'...'\""). */
static char *sqlpane_mask(const char *text, int secret)
{
    struct buf b = BUF_INIT;
    const char *q;

    if (!text)
        return NULL;
    if (!secret)
        return x_strdup(text);
    while (*text) {
        q = strchr(text, '\'');
        if (!q || !strchr(q + 1, '\'')) {
            buf_puts(&b, text);
            break;
        }
        buf_append(&b, text, (size_t)(q - text));
        buf_puts(&b, "'***'");
        text = strchr(q + 1, '\'') + 1;
    }
    return buf_steal(&b);
}

long sqlpane_set_index(const struct sql_result *r)
{
    size_t i;

    if (!r || r->n_sets == 0)
        return -1;
    for (i = r->n_sets; i > 0; i--)
        if (r->sets[i - 1].has_rows)
            return (long)(i - 1);
    return (long)r->n_sets - 1;
}

static void sqlpane_clear(int y, int h)
{
    int i;

    for (i = 0; i < h; i++) {
        wmove(stdscr, y + i, 0);
        wclrtoeol(stdscr);
    }
}

static void sqlpane_ms(struct buf *b, int64_t ms)
{
    if (ms < 1000)
        buf_printf(b, "%lld ms", (long long)(ms < 0 ? 0 : ms));
    else
        buf_printf(b, "%.1f s", (double)ms / 1000.0);
}

/* S after its first CELLS code points. */
static const char *sqlpane_skip(const char *s, int cells)
{
    while (*s && cells > 0) {
        s++;
        while ((*s & 0xc0) == 0x80)
            s++;
        cells--;
    }
    return s;
}

/* " SQL 148e... primary iad · acme-db · read-only        running 3.2 s " */
static void sqlpane_title(struct app *a, struct sqlpane *p, int y, int w)
{
    const struct fleet_model *m = app_model(a);
    const struct fleet_cluster *c =
        m && p->cluster ? fleet_model_cluster(m, p->cluster) : NULL;
    const struct fleet_node *nd =
        c && p->node ? fleet_cluster_node(c, p->node) : NULL;
    const struct sql_result *r = sql_result(p->sql);
    const char *sep = sqlpane_sep(a);
    struct buf l = BUF_INIT, rt = BUF_INIT;
    int rw;

    buf_printf(&l, " SQL %s %s %s%s%s", p->node,
               nd ? fleet_role_name(nd->role) : "(gone)", nd ? nd->region : "?",
               sep, p->cluster);
    if (sql_read_only(p->sql))
        buf_printf(&l, "%sread-only", sep);
    if (p->focus == SQLPANE_RESULTS)
        buf_printf(&rt, "[results]%s", sep);
    switch (sql_state(p->sql)) {
    case SQL_CONNECTING:
        buf_puts(&rt, "connecting");
        break;
    case SQL_IDLE:
        buf_puts(&rt, "idle");
        break;
    case SQL_BUSY:
        buf_puts(&rt, p->cancelling ? "cancelling " : "running ");
        sqlpane_ms(&rt, r ? r->elapsed_ms : 0);
        break;
    default:
        if (*sql_conn_error(p->sql))
            buf_printf(&rt, "%s: %s", p->connected_once ? "lost" : "failed",
                       sql_conn_error(p->sql));
        else
            buf_puts(&rt, "not connected");
        break;
    }
    buf_putc(&rt, ' ');
    rw = (int)text_width(buf_str(&rt), a->utf8);
    if (rw > w / 2)
        rw = w / 2;
    wattr_set(stdscr, palette_attr(THEME_ROLE_TITLE) & ~(attr_t)A_COLOR,
              (short)PAIR_NUMBER(palette_attr(THEME_ROLE_TITLE)), NULL);
    mvwhline(stdscr, y, 0, ' ', w);
    wattr_set(stdscr, A_NORMAL, 0, NULL);
    draw_text(a, y, 0, w - rw - 1, THEME_ROLE_TITLE, buf_str(&l));
    draw_text(a, y, w - rw, rw, THEME_ROLE_TITLE, buf_str(&rt));
    buf_free(&l);
    buf_free(&rt);
}

/* The input lines (or the password prompt) from Y, at most H rows.
 * Returns the rows used. */
static int sqlpane_input(struct app *a, struct sqlpane *p, int y, int h, int w)
{
    int n = sqledit_lines(&p->ed), line, col, hs = 0, i, pw = 3;
    const char *text = sqledit_text(&p->ed);

    if (p->pw_mode) {
        struct buf b = BUF_INIT;
        size_t k, chars = 0;

        for (k = 0; k < p->pw.len; k++)
            if ((p->pw.data[k] & 0xc0) != 0x80)
                chars++;
        buf_printf(&b, "password for %s: ", p->node);
        pw = (int)text_width(buf_str(&b), a->utf8);
        draw_text(a, y, 0, w, THEME_ROLE_PROMPT, buf_str(&b));
        buf_reset(&b);
        for (k = 0; k < chars && (int)k < w - pw - 1; k++)
            buf_putc(&b, '*');
        draw_text(a, y, pw, w - pw, THEME_ROLE_NORMAL, buf_str(&b));
        p->cur_y = y;
        p->cur_x = pw + (int)b.len;
        buf_free(&b);
        return 1;
    }
    if (n > h)
        n = h;
    if (n < 1)
        n = 1;
    p->ed_top = sqledit_scroll(&p->ed, p->ed_top, n);
    sqledit_cursor(&p->ed, &line, &col);
    if (col > w - pw - 2)
        hs = col - (w - pw - 2);
    for (i = 0; i < n; i++) {
        size_t start, len;
        int l = p->ed_top + i;
        struct buf b = BUF_INIT;

        draw_text(a, y + i, 0, pw, THEME_ROLE_PROMPT, l == 0 ? "=> " : "-> ");
        if (sqledit_line(&p->ed, l, &start, &len) != 0)
            continue;
        buf_append(&b, text + start, len);
        draw_text(a, y + i, pw, w - pw, THEME_ROLE_NORMAL,
                  sqlpane_skip(buf_str(&b), hs));
        /* The error position, in reverse video. */
        if (p->err_off >= 0 && (size_t)p->err_off >= start &&
            (size_t)p->err_off <= start + len) {
            int ecol;
            struct buf ch = BUF_INIT;
            const char *at = text + p->err_off;
            size_t cl = 1;

            buf_reset(&b);
            buf_append(&b, text + start, (size_t)p->err_off - start);
            ecol = (int)text_width(buf_str(&b), a->utf8) - hs;
            if ((size_t)p->err_off < start + len) {
                while ((at[cl] & 0xc0) == 0x80)
                    cl++;
                buf_append(&ch, at, cl);
            } else
                buf_putc(&ch, ' ');
            if (ecol >= 0 && pw + ecol < w)
                draw_text(a, y + i, pw + ecol, 1, THEME_ROLE_SELECTED,
                          buf_str(&ch));
            buf_free(&ch);
        }
        buf_free(&b);
    }
    p->cur_y = y + (line - p->ed_top);
    p->cur_x = pw + col - hs;
    return n;
}

/* Adds PREFIX TEXT, one message line per line of TEXT. */
static void sqlpane_msg_add(struct sqlpane_msg *m, size_t *n, size_t max,
                            enum theme_role role, const char *prefix,
                            const char *text)
{
    while (text && *n < max) {
        size_t len = strcspn(text, "\n");

        m[*n].role = role;
        m[*n].text = x_asprintf("%s%.*s", prefix, (int)len, text);
        (*n)++;
        text += len;
        if (!*text)
            break;
        text++;
        prefix = "  ";
    }
}

static size_t sqlpane_msgs(struct sqlpane *p, const struct sql_result *r,
                           struct sqlpane_msg *m, size_t max)
{
    size_t n = 0, i, first;

    if (r && r->n_notices > 0) {
        first =
            r->n_notices > SQLPANE_NOTICES ? r->n_notices - SQLPANE_NOTICES : 0;
        if (first > 0) {
            char *t = x_asprintf("(%zu notices; the last %d shown)",
                                 r->n_notices, SQLPANE_NOTICES);

            sqlpane_msg_add(m, &n, max, THEME_ROLE_MUTED, "", t);
            free(t);
        }
        for (i = first; i < r->n_notices; i++)
            sqlpane_msg_add(m, &n, max, THEME_ROLE_HINT, "", r->notices[i]);
    }
    if (r && r->error) {
        const struct sql_error *e = r->error;
        char *t, *msg, *detail, *hint;

        if (e->sqlstate)
            t = x_asprintf("%s %s: ", e->severity ? e->severity : "ERROR",
                           e->sqlstate);
        else
            t = x_strdup(r->lost ? "connection lost: " : "ERROR: ");
        msg = sqlpane_mask(e->message, p->ran_secret);
        detail = sqlpane_mask(e->detail, p->ran_secret);
        hint = sqlpane_mask(e->hint, p->ran_secret);
        sqlpane_msg_add(m, &n, max, THEME_ROLE_ERROR, t, msg);
        free(t);
        if (detail)
            sqlpane_msg_add(m, &n, max, THEME_ROLE_NORMAL, "DETAIL: ", detail);
        if (hint)
            sqlpane_msg_add(m, &n, max, THEME_ROLE_HINT, "HINT: ", hint);
        free(msg);
        free(detail);
        free(hint);
    }
    if (p->note)
        sqlpane_msg_add(m, &n, max,
                        p->note_err ? THEME_ROLE_ERROR : THEME_ROLE_STATUS, "",
                        p->note);
    return n;
}

static void sqlpane_footer(struct app *a, struct sqlpane *p,
                           const struct sql_result *r, int y, int w,
                           size_t shown_cols)
{
    const struct sql_set *set =
        p->grid_set >= 0 && (size_t)p->grid_set < r->n_sets
            ? &r->sets[p->grid_set]
            : NULL;
    const char *sep = sqlpane_sep(a);
    struct buf b = BUF_INIT;
    enum theme_role role = THEME_ROLE_STATUS;

    if (set && set->has_rows) {
        buf_printf(&b, "%zu row%s", set->n_rows, set->n_rows == 1 ? "" : "s");
        if (set->truncated)
            buf_printf(&b, " (truncated at %zu rows: sql.max_rows)",
                       r->max_rows);
        else if (!r->done)
            buf_puts(&b, " so far");
    }
    if (!r->done) {
        buf_printf(&b, "%srunning ", b.len ? sep : "");
        sqlpane_ms(&b, r->elapsed_ms);
    } else {
        if (b.len)
            buf_puts(&b, sep);
        sqlpane_ms(&b, r->elapsed_ms);
    }
    if (set && set->status)
        buf_printf(&b, "%s%s", sep, set->status);
    if (r->n_sets > 1)
        buf_printf(&b, "%s%zu result sets", sep, r->n_sets);
    if (r->cancelled) {
        buf_printf(&b, "%scancelled", sep);
        role = THEME_ROLE_WARN;
    } else if (r->error && r->done) {
        buf_printf(&b, "%sfailed", sep);
        role = THEME_ROLE_ERROR;
    }
    if (set && set->has_rows && set->n_rows > 0 && p->grid_rows > 0) {
        size_t last = p->grid.top + (size_t)p->grid_rows;

        if (last > set->n_rows)
            last = set->n_rows;
        if (p->grid.top > 0 || last < set->n_rows)
            buf_printf(&b, "%srows %zu-%zu", sep, p->grid.top + 1, last);
    }
    if (set && set->n_cols > 0 &&
        (p->grid.left > 0 || p->grid.left + shown_cols < set->n_cols))
        buf_printf(&b, "%scols %zu-%zu of %zu", sep, p->grid.left + 1,
                   p->grid.left + shown_cols, set->n_cols);
    draw_text(a, y, 0, w, role, buf_str(&b));
    buf_free(&b);
}

/* The grid of the result from Y in H rows (header, rows, footer). */
static void sqlpane_grid(struct app *a, struct sqlpane *p,
                         const struct sql_result *r, int y, int h, int w)
{
    const struct sql_set *set =
        p->grid_set >= 0 && (size_t)p->grid_set < r->n_sets
            ? &r->sets[p->grid_set]
            : NULL;
    const char *null = sqlgrid_null(a->utf8);
    int *cw = NULL, rows;
    size_t n = 0, i, k;
    struct buf b = BUF_INIT;

    if (h < 1)
        return;
    rows = h - 2; /* header, footer */
    if (!set || !set->has_rows || set->n_cols == 0 || rows < 1) {
        p->grid_rows = rows > 0 ? rows : 1;
        sqlpane_footer(a, p, r, y + h - 1, w, 0);
        return;
    }
    p->grid_rows = rows;
    sqlgrid_clamp(&p->grid, set->n_rows, rows);
    cw = x_calloc(set->n_cols > 0 ? set->n_cols : 1, sizeof *cw);
    n = p->grid.n_cols == set->n_cols ? sqlgrid_cols(&p->grid, w, cw) : 0;
    /* header */
    for (k = 0, i = 0; k < n; k++) {
        const struct sql_column *col = &set->cols[p->grid.left + k];

        buf_reset(&b);
        text_fit(&b, col->name ? col->name : "", (size_t)cw[k], a->utf8,
                 col->numeric ? TEXT_RIGHT : TEXT_LEFT);
        draw_text(a, y, (int)i, cw[k], THEME_ROLE_HEADER, buf_str(&b));
        i += (size_t)cw[k] + 1;
    }
    /* only the rows on screen */
    for (i = 0; i < (size_t)rows && p->grid.top + i < set->n_rows; i++) {
        char *const *cells = set->cells + (p->grid.top + i) * set->n_cols;
        int x = 0;

        for (k = 0; k < n; k++) {
            const char *v = cells[p->grid.left + k];
            const struct sql_column *col = &set->cols[p->grid.left + k];

            buf_reset(&b);
            text_fit(&b, v ? v : null, (size_t)cw[k], a->utf8,
                     col->numeric && v ? TEXT_RIGHT : TEXT_LEFT);
            draw_text(a, y + 1 + (int)i, x, cw[k],
                      v ? THEME_ROLE_NORMAL : THEME_ROLE_MUTED, buf_str(&b));
            x += cw[k] + 1;
        }
    }
    sqlpane_footer(a, p, r, y + h - 1, w, n);
    free(cw);
    buf_free(&b);
}

void sqlpane_draw(struct app *a, const struct layout_areas *pane)
{
    struct sqlpane *p = a->sqlpane;
    const struct sql_result *r;
    struct sqlpane_msg m[SQLPANE_MSG_MAX];
    int y = pane->body_y, h = pane->body_h, w = pane->cols, in, room;
    size_t n, i;

    if (!p || h < 1)
        return;
    r = sql_result(p->sql);
    sqlpane_clear(y, h);
    p->cur_y = -1;
    sqlpane_title(a, p, y, w);
    y++;
    h--;
    if (h < 1)
        return;
    in = sqlpane_input(a, p, y, h > 4 ? (h - 3) / 2 : 1, w);
    y += in;
    h -= in;
    room = h - 3 > 0 ? h - 3 : 0; /* keep a header, a row, a footer */
    n = sqlpane_msgs(p, r, m,
                     (size_t)room < SQLPANE_MSG_MAX ? (size_t)room
                                                    : SQLPANE_MSG_MAX);
    for (i = 0; i < n; i++) {
        draw_text(a, y++, 0, w, m[i].role, m[i].text);
        h--;
        free(m[i].text);
    }
    if (h < 1)
        return;
    if (!r) {
        draw_text(a, y, 0, w, THEME_ROLE_HINT,
                  "Type SQL; Enter runs it when it ends with ';'.  Tab: the "
                  "results.  C-c cancels.  Esc closes.");
        return;
    }
    sqlpane_grid(a, p, r, y, h, w);
}

void sqlpane_cursor(struct app *a)
{
    struct sqlpane *p = a->sqlpane;

    if (!p || !p->open || a->input != APP_INPUT_NONE)
        return;
    if (p->focus != SQLPANE_INPUT || p->cur_y < 0) {
        leaveok(stdscr, TRUE);
        curs_set(0);
        return;
    }
    leaveok(stdscr, FALSE);
    wmove(stdscr, p->cur_y, p->cur_x);
    curs_set(1);
}

const char *sqlpane_hints(const struct app *a)
{
    const struct sqlpane *p = a->sqlpane;

    if (p && p->pw_mode)
        return " Enter sends the password (not shown, not stored)  "
               "Esc cancels";
    if (p && p->focus == SQLPANE_RESULTS)
        return " hjkl/arrows scroll  PgUp/PgDn  g/G top/end  0/$ cols  "
               "Tab input  Esc close";
    return " Enter run(;)  Tab results  Up history  C-c cancel  F2 full  "
           "C-o psql  Esc close";
}

void sqlpane_help(struct buf *out)
{
    buf_puts(out, "\n SQL PANE (p opens it on the primary or the selected "
                  "node, P runs psql there)\n");
    buf_puts(out, "   Enter        run the statement when it ends with ';' "
                  "(else a new line)\n");
    buf_puts(out, "   Left Right Home End C-a C-e Backspace Delete C-u  "
                  "edit (C-u clears)\n");
    buf_puts(out, "   Up Down C-p C-n  lines, then the history (per "
                  "context; no passwords)\n");
    buf_puts(out, "   Tab          focus: input / results\n");
    buf_puts(out, "   results: Up Down j k, PgUp PgDn, g G Home End, "
                  "Left Right h l, 0 $\n");
    buf_puts(out, "   PgUp PgDn    scroll the results from the input too\n");
    buf_puts(out, "   C-c          cancel (twice: drop the connection); "
                  "idle: clear the input\n");
    buf_puts(out, "   F2           full screen on / off\n");
    buf_puts(out, "   F7 F8, S-Down S-Up  smaller / larger pane\n");
    buf_puts(out, "   F4, C-o      psql on the pane's node (the screen comes "
                  "back after)\n");
    buf_puts(out, "   C-l          redraw\n");
    buf_puts(out, "   Esc          close (the session and result stay for "
                  "the next p)\n");
}

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "src/context.h"
#include "src/fleet.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/settings.h"
#include "src/sql.h"
#include "src/sql_cli.h"
#include "src/xmalloc.h"

#include "ui/app.h"
#include "ui/curses_compat.h"
#include "ui/sqlpane.h"
#include "ui/sqlpane_impl.h"

/* Repaint period of the running time. */
#define SQLPANE_TICK_MS 100
/* Longest text the editor takes, and the password prompt. */
#define SQLPANE_MAX_TEXT (1024 * 1024)
#define SQLPANE_MAX_PW 256

static int sqlpane_target(struct app *a, char **cluster, char **node,
                          char **host);
static void sqlpane_on_sql(struct sql *s, enum sql_event ev, void *arg);
static void sqlpane_measure(struct sqlpane *p);
static void sqlpane_done(struct sqlpane *p);
static void sqlpane_tick(struct loop *l, uint64_t id, void *arg);
static void sqlpane_tick_start(struct sqlpane *p);
static void sqlpane_set_raw(struct sqlpane *p, int on);
static void sqlpane_close(struct sqlpane *p);
static void sqlpane_note(struct sqlpane *p, int err, const char *text);
static void sqlpane_run(struct sqlpane *p);
static void sqlpane_send(struct sqlpane *p, const char *text);
static void sqlpane_pw_key(struct sqlpane *p, int ch);
static void sqlpane_wipe(char **s);
static void sqlpane_drop_session(struct sqlpane *p);
static int sqlpane_edit_key(struct sqlpane *p, int ch);
static int sqlpane_grid_key(struct sqlpane *p, int ch);
static void sqlpane_cancel_key(struct sqlpane *p);
static void sqlpane_resize(struct sqlpane *p, int delta);
static void sqlpane_psql_on(struct app *a, const char *host);
static const char *sqlpane_hist_at(void *arg, size_t i);
static size_t sqlpane_hist_n(const struct sqlpane *p);
static const struct fleet_node *sqlpane_node(struct app *a,
                                             const struct fleet_cluster **c);

static void sqlpane_wipe(char **s)
{
    if (*s) {
        memset(*s, 0, strlen(*s));
        free(*s);
        *s = NULL;
    }
}

static const char *sqlpane_hist_at(void *arg, size_t i)
{
    return sql_history_at(arg, i);
}

static size_t sqlpane_hist_n(const struct sqlpane *p)
{
    return p->hist ? sql_history_count(p->hist) : 0;
}

static void sqlpane_note(struct sqlpane *p, int err, const char *text)
{
    free(p->note);
    p->note = text ? x_strdup(text) : NULL;
    p->note_err = err;
}

/* The node a cluster view or node view means (NULL: none), with its
 * cluster. */
static const struct fleet_node *sqlpane_node(struct app *a,
                                             const struct fleet_cluster **c)
{
    const struct fleet_model *m = app_model(a);
    size_t n = 0, *order;
    const struct fleet_node *nd = NULL;

    *c = m && a->cluster ? fleet_model_cluster(m, a->cluster) : NULL;
    if (!*c)
        return NULL;
    if (a->view == APP_VIEW_NODE)
        return a->node ? fleet_cluster_node(*c, a->node) : NULL;
    order = view_cluster_order(a, *c, &n);
    if (a->sel[APP_VIEW_CLUSTER] >= 0 && a->sel[APP_VIEW_CLUSTER] < (int)n)
        nd = &(*c)->nodes[order[a->sel[APP_VIEW_CLUSTER]]];
    free(order);
    return nd;
}

/* The target of the current view: the selected cluster's SQL primary on
 * the fleet view, the selected node on the cluster view, the node of the
 * node view.  Returns 0 with the names (owned by the caller), or -1 after
 * flashing why. */
static int sqlpane_target(struct app *a, char **cluster, char **node,
                          char **host)
{
    const struct fleet_model *m = app_model(a);
    const struct fleet_cluster *c = NULL;
    const struct fleet_node *nd = NULL;

    if (!m) {
        app_flash(a, 1, "SQL: no data yet (connecting)");
        return -1;
    }
    if (a->view == APP_VIEW_FLEET) {
        size_t n = 0, *order = view_fleet_order(a, m, &n);

        if (a->sel[APP_VIEW_FLEET] >= 0 && a->sel[APP_VIEW_FLEET] < (int)n)
            c = &m->clusters[order[a->sel[APP_VIEW_FLEET]]];
        free(order);
        if (!c) {
            app_flash(a, 1, "SQL: no cluster selected");
            return -1;
        }
        nd = fleet_cluster_primary_node(c);
        if (!nd) {
            app_flash(a, 1,
                      "SQL: %s has no primary known; open the cluster and "
                      "choose a node",
                      c->name);
            return -1;
        }
    } else {
        nd = sqlpane_node(a, &c);
        if (!nd) {
            app_flash(a, 1, "SQL: no node selected");
            return -1;
        }
    }
    if (!nd->private_ip || !*nd->private_ip) {
        app_flash(a, 1, "SQL: node %s has no private IP (yet)", nd->id);
        return -1;
    }
    *cluster = x_strdup(c->name);
    *node = x_strdup(nd->id);
    *host = x_strdup(nd->private_ip);
    return 0;
}

static void sqlpane_set_raw(struct sqlpane *p, int on)
{
    if (on == p->raw)
        return;
    p->raw = on;
    if (on)
        raw(); /* no ISIG: C-c arrives as a key */
    else {
        noraw();
        cbreak(); /* the console's mode: C-c is SIGINT (quit) */
    }
}

static void sqlpane_drop_session(struct sqlpane *p)
{
    sql_free(p->sql);
    p->sql = NULL;
    if (p->tick)
        loop_timer_cancel(p->a->loop, p->tick);
    p->tick = 0;
    free(p->cluster);
    free(p->node);
    free(p->host);
    p->cluster = p->node = p->host = NULL;
    sqlpane_wipe(&p->password);
    sqlpane_wipe(&p->ran);
    sqlgrid_reset(&p->grid);
    p->grid_set = -1;
    p->connected_once = 0;
    p->cancelling = 0;
    p->pw_mode = 0;
    p->err_off = -1;
    sqlpane_note(p, 0, NULL);
}

void sqlpane_open(struct app *a)
{
    struct sqlpane *p = a->sqlpane;
    char *cluster = NULL, *node = NULL, *host = NULL, *cause = NULL;
    struct sql_target t;

    if (sqlpane_target(a, &cluster, &node, &host) != 0)
        return;
    if (!p) {
        p = x_calloc(1, sizeof *p);
        p->a = a;
        sqledit_init(&p->ed);
        p->ed.max_bytes = SQLPANE_MAX_TEXT;
        p->grid_set = -1;
        p->err_off = -1;
        p->cur_y = -1;
        p->hist = sql_history_open(
            NULL, a->ctx->name,
            (size_t)settings_num(a->s, SETTINGS_SQL_HISTORY_SIZE), &cause);
        if (!p->hist) {
            app_flash(a, 1, "SQL history: %s", cause);
            free(cause);
        }
        a->sqlpane = p;
    }
    if (p->sql && (strcmp(p->node, node) != 0 || strcmp(p->host, host) != 0 ||
                   strcmp(p->cluster, cluster) != 0))
        sqlpane_drop_session(p); /* another node: a new session */
    if (!p->sql) {
        p->cluster = cluster;
        p->node = node;
        p->host = host;
        cluster = node = host = NULL;
        sql_target_from(&t, a->ctx, a->s, p->host);
        p->sql = sql_new(a->loop, &t,
                         (size_t)settings_num(a->s, SETTINGS_SQL_MAX_ROWS),
                         sqlpane_on_sql, p);
        sql_connect(p->sql);
        sqlpane_tick_start(p);
    }
    free(cluster);
    free(node);
    free(host);
    p->open = 1;
    p->focus = SQLPANE_INPUT;
    sqlpane_set_raw(p, 1);
    a->dirty |= APP_DIRTY_ALL;
}

static void sqlpane_close(struct sqlpane *p)
{
    p->open = 0;
    p->pw_mode = 0;
    sqlpane_set_raw(p, 0);
    curs_set(0);
    p->a->dirty |= APP_DIRTY_ALL;
}

void sqlpane_free(struct app *a)
{
    struct sqlpane *p = a->sqlpane;

    if (!p)
        return;
    if (p->open)
        sqlpane_close(p);
    sqlpane_drop_session(p);
    sqledit_free(&p->ed);
    if (p->pw.data)
        memset(p->pw.data, 0, p->pw.len);
    buf_free(&p->pw);
    sql_history_free(p->hist);
    free(p->note);
    free(p);
    a->sqlpane = NULL;
}

int sqlpane_active(const struct app *a)
{
    return a->sqlpane && a->sqlpane->open;
}

/* ---- the session ---- */

static void sqlpane_tick(struct loop *l, uint64_t id, void *arg)
{
    struct sqlpane *p = arg;

    (void)l;
    (void)id;
    p->tick = 0;
    if (p->open)
        p->a->dirty |= APP_DIRTY_BODY;
    sqlpane_tick_start(p);
}

/* Repaints the running time while connecting or running. */
static void sqlpane_tick_start(struct sqlpane *p)
{
    enum sql_state st = p->sql ? sql_state(p->sql) : SQL_DISCONNECTED;

    if (p->tick || (st != SQL_BUSY && st != SQL_CONNECTING))
        return;
    p->tick = loop_timer_add(p->a->loop, SQLPANE_TICK_MS, sqlpane_tick, p);
}

/* Keeps the grid's widths up to date with the rows that arrived (here,
 * not while drawing: each row is measured once). */
static void sqlpane_measure(struct sqlpane *p)
{
    const struct sql_result *r = sql_result(p->sql);
    long i = r ? sqlpane_set_index(r) : -1;

    if (i != p->grid_set) {
        sqlgrid_reset(&p->grid);
        p->grid_set = i;
    }
    if (i >= 0)
        sqlgrid_measure(&p->grid, &r->sets[i], SQLGRID_CAP, p->a->utf8);
}

static void sqlpane_done(struct sqlpane *p)
{
    const struct sql_result *r = sql_result(p->sql);

    if (p->cancelling)
        sqlpane_note(p, 0, NULL); /* the footer says cancelled */
    p->cancelling = 0;
    sqlpane_measure(p);
    if (!r)
        return;
    /* An error at a position: the text comes back, the position marked
     * (not a text holding a password: it stays off the screen). */
    if (r->error && r->error->position > 0 && p->ran && !p->ran_secret &&
        sqledit_blank(&p->ed)) {
        long off = sql_text_byte_at(p->ran, r->error->position);

        sqledit_set(&p->ed, p->ran);
        if (off >= 0) {
            sqledit_goto(&p->ed, (size_t)off);
            p->err_off = off;
        }
    }
}

static void sqlpane_on_sql(struct sql *s, enum sql_event ev, void *arg)
{
    struct sqlpane *p = arg;

    switch (ev) {
    case SQL_EV_CONNECTED:
        p->connected_once = 1;
        break;
    case SQL_EV_FAILED:
        p->cancelling = 0;
        if (sql_needs_password(s) && p->open) {
            p->pw_mode = 1;
            p->focus = SQLPANE_INPUT;
            buf_reset(&p->pw);
        }
        break;
    case SQL_EV_ROWS:
        sqlpane_measure(p);
        break;
    case SQL_EV_DONE:
        sqlpane_done(p);
        break;
    }
    sqlpane_tick_start(p);
    p->a->dirty |= APP_DIRTY_BODY;
}

/* Sends TEXT (the editor's, or the one a password prompt held back). */
static void sqlpane_send(struct sqlpane *p, const char *text)
{
    char *cause = NULL;

    if (sql_run(p->sql, text, &cause) != 0) {
        sqlpane_note(p, 1, cause);
        free(cause);
        return;
    }
    p->cancelling = 0;
    p->err_off = -1;
    sqlgrid_reset(&p->grid);
    p->grid_set = -1;
    sqlpane_tick_start(p);
}

/* Enter with a complete statement. */
static void sqlpane_run(struct sqlpane *p)
{
    char *text, *cause = NULL;
    int secret;

    if (sql_state(p->sql) == SQL_BUSY) {
        app_flash(p->a, 1, "a statement is running (C-c cancels it)");
        return;
    }
    text = x_strdup(sqledit_text(&p->ed));
    secret = sql_text_secret(text);
    sqlpane_note(p, 0, NULL);
    sqlpane_send(p, text);
    if (p->note) { /* refused: the text stays in the editor */
        sqlpane_wipe(&text);
        return;
    }
    sqlpane_wipe(&p->ran);
    p->ran = text;
    p->ran_secret = secret;
    if (secret)
        sqlpane_note(p, 0,
                     "not stored in the history: the statement holds a "
                     "password");
    else if (p->hist && sql_history_add(p->hist, text, &cause) < 0) {
        app_flash(p->a, 1, "SQL history: %s", cause);
        free(cause);
    }
    sqledit_clear(&p->ed);
    p->ed_top = 0;
}

static void sqlpane_cancel_key(struct sqlpane *p)
{
    enum sql_state st = sql_state(p->sql);

    if (st == SQL_BUSY) {
        if (sql_cancel(p->sql) == 0) {
            if (p->cancelling)
                sqlpane_note(p, 1, "C-c again: the connection was dropped");
            else
                sqlpane_note(p, 0,
                             "cancelling (C-c again drops the connection)");
            p->cancelling = 1;
        }
    } else if (!sqledit_blank(&p->ed)) {
        sqledit_clear(&p->ed);
        p->err_off = -1;
        p->ed_top = 0;
    } else
        app_flash(p->a, 0, "nothing runs; Esc closes the pane");
}

/* ---- keys ---- */

static void sqlpane_pw_key(struct sqlpane *p, int ch)
{
    if (ch == 27) {
        p->pw_mode = 0;
        if (p->pw.data)
            memset(p->pw.data, 0, p->pw.len);
        buf_reset(&p->pw);
        sqlpane_note(p, 1, "no password given: not connected");
        return;
    }
    if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
        p->pw_mode = 0;
        sqlpane_wipe(&p->password);
        p->password = x_strdup(buf_str(&p->pw));
        if (p->pw.data)
            memset(p->pw.data, 0, p->pw.len);
        buf_reset(&p->pw);
        sql_set_password(p->sql, p->password);
        if (p->ran)
            sqlpane_send(p, p->ran); /* the statement that asked */
        else
            sql_connect(p->sql);
        sqlpane_tick_start(p);
        return;
    }
    if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        while (p->pw.len > 0) {
            unsigned char c = (unsigned char)p->pw.data[--p->pw.len];

            p->pw.data[p->pw.len] = '\0';
            if ((c & 0xc0) != 0x80)
                break;
        }
    } else if (ch == ('U' & 0x1f)) {
        if (p->pw.data)
            memset(p->pw.data, 0, p->pw.len);
        buf_reset(&p->pw);
    } else if (ch >= 0x20 && ch < 0x100 && ch != 0x7f &&
               p->pw.len < SQLPANE_MAX_PW)
        buf_putc(&p->pw, (char)ch);
}

/* Editing keys of the input; returns 1 when used. */
static int sqlpane_edit_key(struct sqlpane *p, int ch)
{
    size_t n = sqlpane_hist_n(p);
    char c;

    switch (ch) {
    case '\r':
    case '\n':
    case KEY_ENTER:
        if (sqledit_blank(&p->ed))
            return 1;
        if (sql_text_complete(sqledit_text(&p->ed)))
            sqlpane_run(p);
        else
            sqledit_insert(&p->ed, "\n", 1);
        break;
    case KEY_LEFT:
        sqledit_left(&p->ed);
        break;
    case KEY_RIGHT:
        sqledit_right(&p->ed);
        break;
    case KEY_HOME:
    case 'A' & 0x1f:
        sqledit_home(&p->ed);
        break;
    case KEY_END:
    case 'E' & 0x1f:
        sqledit_end(&p->ed);
        break;
    case KEY_UP:
    case 'P' & 0x1f:
        sqledit_key_up(&p->ed, n, sqlpane_hist_at, p->hist);
        break;
    case KEY_DOWN:
    case 'N' & 0x1f:
        sqledit_key_down(&p->ed, n, sqlpane_hist_at, p->hist);
        break;
    case KEY_BACKSPACE:
    case 127:
    case 8:
        sqledit_backspace(&p->ed);
        break;
    case KEY_DC:
    case 'D' & 0x1f:
        sqledit_delete(&p->ed);
        break;
    case 'U' & 0x1f:
        sqledit_clear(&p->ed);
        p->ed_top = 0;
        break;
    default:
        if (ch < 0x20 || ch >= 0x100 || ch == 0x7f)
            return 0;
        c = (char)ch;
        if (sqledit_insert(&p->ed, &c, 1) != 0)
            app_flash(p->a, 1, "the statement is too long");
        break;
    }
    p->err_off = -1; /* the marked text changed (or moved) */
    return 1;
}

/* Scrolling keys of the results; returns 1 when used. */
static int sqlpane_grid_key(struct sqlpane *p, int ch)
{
    const struct sql_result *r = sql_result(p->sql);
    size_t rows = 0;
    enum sqlgrid_move m;

    if (r && p->grid_set >= 0 && (size_t)p->grid_set < r->n_sets)
        rows = r->sets[p->grid_set].n_rows;
    switch (ch) {
    case KEY_UP:
    case 'k':
        m = SQLGRID_UP;
        break;
    case KEY_DOWN:
    case 'j':
        m = SQLGRID_DOWN;
        break;
    case KEY_PPAGE:
    case 'b':
        m = SQLGRID_PAGE_UP;
        break;
    case KEY_NPAGE:
    case ' ':
        m = SQLGRID_PAGE_DOWN;
        break;
    case KEY_HOME:
    case 'g':
        m = SQLGRID_TOP;
        break;
    case KEY_END:
    case 'G':
        m = SQLGRID_BOTTOM;
        break;
    case KEY_LEFT:
    case 'h':
        m = SQLGRID_LEFT;
        break;
    case KEY_RIGHT:
    case 'l':
        if (!sqlgrid_more_right(&p->grid, COLS))
            return 1; /* everything on the right is shown */
        m = SQLGRID_RIGHT;
        break;
    case '0':
        m = SQLGRID_FIRST_COL;
        break;
    case '$':
        m = SQLGRID_LAST_COL;
        break;
    default:
        return 0;
    }
    sqlgrid_scroll(&p->grid, m, rows, p->grid_rows);
    return 1;
}

static void sqlpane_resize(struct sqlpane *p, int delta)
{
    int body = LINES - 3, h = p->height;

    if (h <= 0)
        h = body / 2 + 2;
    h += delta;
    if (h > body - 3)
        h = body - 3;
    if (h < 6)
        h = 6;
    p->height = h;
    p->full = 0;
}

void sqlpane_key(struct app *a, int ch)
{
    struct sqlpane *p = a->sqlpane;

    a->dirty |= APP_DIRTY_BODY | APP_DIRTY_HINTS;
    if (ch == ('C' & 0x1f)) {
        if (p->pw_mode) {
            sqlpane_pw_key(p, 27);
            return;
        }
        sqlpane_cancel_key(p);
        return;
    }
    if (p->pw_mode) {
        sqlpane_pw_key(p, ch);
        return;
    }
    switch (ch) {
    case 27:
        sqlpane_close(p);
        return;
    case '\t':
    case KEY_BTAB:
        p->focus = p->focus == SQLPANE_INPUT ? SQLPANE_RESULTS : SQLPANE_INPUT;
        return;
    case KEY_F(2):
        p->full = !p->full;
        a->dirty |= APP_DIRTY_ALL;
        return;
    case KEY_F(7):
    case KEY_SF:
        sqlpane_resize(p, -1);
        a->dirty |= APP_DIRTY_ALL;
        return;
    case KEY_F(8):
    case KEY_SR:
        sqlpane_resize(p, 1);
        a->dirty |= APP_DIRTY_ALL;
        return;
    case KEY_F(4):
    case 'O' & 0x1f:
        sqlpane_psql_on(a, p->host);
        return;
    case 'L' & 0x1f:
        a->dirty |= APP_DIRTY_ALL | APP_DIRTY_CLEAR;
        return;
    case KEY_PPAGE:
    case KEY_NPAGE:
        sqlpane_grid_key(p, ch); /* in both focuses */
        return;
    default:
        break;
    }
    if (p->focus == SQLPANE_RESULTS)
        sqlpane_grid_key(p, ch);
    else
        sqlpane_edit_key(p, ch);
}

/* ---- psql ---- */

/* Runs psql on HOST of the context, curses suspended (the one blocking
 * moment of the console besides reading the config). */
static void sqlpane_psql_on(struct app *a, const char *host)
{
    struct sqlpane *p = a->sqlpane;
    struct sql_target t;
    struct sigaction ign, old_int, old_quit;
    char *cause = NULL;
    int rc;

    sql_target_from(&t, a->ctx, a->s, host);
    if (p && p->password && p->host && strcmp(p->host, host) == 0)
        t.password = p->password;
    /* C-c and C-\ belong to psql now; the console's handlers (the loop's
     * self-pipe: they would quit it afterwards) are set aside meanwhile. */
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    def_prog_mode();
    endwin();
    rc = sql_psql_run(&t, NULL, &cause);
    reset_prog_mode();
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    if (rc < 0 || rc == 127)
        app_flash(a, 1, "psql: %s", cause ? cause : "could not run it");
    else if (rc != 0)
        app_flash(a, 1, "psql exited with status %d", rc);
    else
        app_flash(a, 0, "psql done");
    free(cause);
    log_msg("ui: psql on %s: status %d", host, rc);
    a->dirty |= APP_DIRTY_ALL | APP_DIRTY_CLEAR;
}

void sqlpane_psql(struct app *a)
{
    char *cluster = NULL, *node = NULL, *host = NULL;

    if (sqlpane_target(a, &cluster, &node, &host) != 0)
        return;
    sqlpane_psql_on(a, host);
    free(cluster);
    free(node);
    free(host);
}

/* ---- layout ---- */

int sqlpane_split(const struct app *a, const struct layout_areas *ar,
                  struct layout_areas *view, struct layout_areas *pane)
{
    const struct sqlpane *p = a->sqlpane;
    int h;

    *view = *ar;
    *pane = *ar;
    if (!p || !p->open)
        return 0;
    h = p->height > 0 ? p->height : ar->body_h / 2 + 2;
    if (p->full || h > ar->body_h)
        h = ar->body_h;
    if (h > ar->body_h - 3 && !p->full)
        h = ar->body_h - 3;
    if (h < 6)
        h = ar->body_h < 6 ? ar->body_h : 6;
    view->body_h = ar->body_h - h;
    pane->body_y = ar->body_y + view->body_h;
    pane->body_h = h;
    return 1;
}

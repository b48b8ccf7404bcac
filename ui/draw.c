#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/context.h"
#include "src/fleet.h"
#include "src/settings.h"

#include "ui/act.h"
#include "ui/app.h"
#include "ui/curses_compat.h"
#include "ui/drill.h"
#include "ui/format.h"
#include "ui/palette.h"
#include "ui/sqlpane.h"
#include "ui/text.h"

static void draw_title(struct app *a, const struct layout_areas *ar);
static void draw_status(struct app *a, const struct layout_areas *ar);
static void draw_hints(struct app *a, const struct layout_areas *ar);
static void draw_too_small(struct app *a, const struct layout_areas *ar);
static void draw_clear_line(int y);
static const char *draw_sep(const struct app *a);

static const char *draw_sep(const struct app *a)
{
    return a->utf8 ? " \xc2\xb7 " : " | ";
}

static void draw_clear_line(int y)
{
    wmove(stdscr, y, 0);
    wclrtoeol(stdscr);
}

/* Sets stdscr's attributes to AT, color pair included: wattr_set() takes
 * the pair from its own argument and drops AT's COLOR_PAIR bits. */
static void draw_attr(attr_t at)
{
    wattr_set(stdscr, at & ~(attr_t)A_COLOR, (short)PAIR_NUMBER(at), NULL);
}

void draw_text(struct app *a, int y, int x, int w, enum theme_role role,
               const char *text)
{
    struct buf b = BUF_INIT;

    if (w <= 0)
        return;
    text_clip(&b, text, (size_t)w, a->utf8);
    draw_attr(palette_attr(role));
    mvwaddstr(stdscr, y, x, buf_str(&b));
    draw_attr(A_NORMAL);
    buf_free(&b);
}

void draw_row(struct app *a, int y, const struct table_col *cols, size_t n,
              const int *widths, const char *const *cells,
              const enum theme_role *roles, int selected, int width)
{
    struct buf b = BUF_INIT;
    int x = 0;
    size_t i;
    attr_t sel = selected ? palette_attr(THEME_ROLE_SELECTED) : 0;

    for (i = 0; i < n; i++) {
        attr_t at;

        if (widths[i] <= 0)
            continue;
        if (x > 0) {
            draw_attr(sel ? sel : A_NORMAL);
            mvwaddch(stdscr, y, x - 1, ' ');
        }
        buf_reset(&b);
        text_fit(&b, cells[i] ? cells[i] : "", (size_t)widths[i], a->utf8,
                 cols[i].align);
        at = palette_attr(roles ? roles[i] : THEME_ROLE_NORMAL);
        if (selected)
            at = (at & ~(attr_t)A_COLOR) | sel | A_REVERSE;
        draw_attr(at);
        mvwaddstr(stdscr, y, x, buf_str(&b));
        x += widths[i] + 1;
    }
    draw_attr(sel ? sel : A_NORMAL);
    for (x = x > 0 ? x - 1 : 0; x < width; x++)
        mvwaddch(stdscr, y, x, ' ');
    draw_attr(A_NORMAL);
    buf_free(&b);
}

void draw_rule(struct app *a, int y, int w)
{
    draw_attr(palette_attr(THEME_ROLE_BORDER));
    if (a->utf8 || !settings_num(a->s, SETTINGS_ASCII))
        mvwhline(stdscr, y, 0, ACS_HLINE, w);
    else
        mvwhline(stdscr, y, 0, '-', w);
    draw_attr(A_NORMAL);
}

enum theme_role draw_lag_role(const struct app *a, int64_t bytes, int64_t ms)
{
    if ((bytes >= 0 && bytes >= a->lim.lag_bytes_crit) ||
        (ms >= 0 && ms >= a->lim.lag_ms_crit))
        return THEME_ROLE_CRIT;
    if ((bytes >= 0 && bytes >= a->lim.lag_bytes_warn) ||
        (ms >= 0 && ms >= a->lim.lag_ms_warn))
        return THEME_ROLE_WARN;
    return THEME_ROLE_NORMAL;
}

enum theme_role draw_disk_role(const struct app *a, double pct)
{
    if (pct >= a->lim.disk_crit)
        return THEME_ROLE_CRIT;
    if (pct >= a->lim.disk_warn)
        return THEME_ROLE_WARN;
    return THEME_ROLE_NORMAL;
}

enum theme_role draw_verdict_role(int verdict)
{
    switch (verdict) {
    case FLEET_VERDICT_HEALTHY:
    case FLEET_VERDICT_IDLE:
        return THEME_ROLE_OK;
    case FLEET_VERDICT_DEGRADED:
        return THEME_ROLE_WARN;
    case FLEET_VERDICT_UNKNOWN:
        return THEME_ROLE_STALE;
    default:
        return THEME_ROLE_CRIT;
    }
}

void draw_clamp(struct app *a, enum app_view v, int rows, int visible)
{
    if (a->sel[v] >= rows)
        a->sel[v] = rows - 1;
    if (a->sel[v] < 0)
        a->sel[v] = 0;
    if (visible < 1)
        visible = 1;
    if (a->top[v] > a->sel[v])
        a->top[v] = a->sel[v];
    if (a->sel[v] >= a->top[v] + visible)
        a->top[v] = a->sel[v] - visible + 1;
    if (a->top[v] < 0)
        a->top[v] = 0;
}

/* "pgdeck · local · cluster acme-db         PAUSED · every 2s · live" */
static void draw_title(struct app *a, const struct layout_areas *ar)
{
    const struct fleet_model *m = app_model(a);
    struct buf l = BUF_INIT, r = BUF_INIT;
    const char *sep = draw_sep(a);
    int64_t every = a->fleet ? fleet_interval(a->fleet) : 0;
    char when[16] = "never";
    char *badge = act_badge(a);
    int rw, bw = 0;

    buf_printf(&l, " pgdeck%s%s%s", sep, a->ctx->name, sep);
    switch (a->view == APP_VIEW_HELP ? a->help_from : a->view) {
    case APP_VIEW_FLEET:
        buf_printf(&l, "clusters");
        if (m)
            buf_printf(&l, " (%zu)", m->n_clusters);
        break;
    case APP_VIEW_CLUSTER:
        buf_printf(&l, "cluster %s", a->cluster ? a->cluster : "");
        break;
    default:
        buf_printf(&l, "%s%s%s", a->cluster ? a->cluster : "", sep,
                   a->node ? a->node : "");
        break;
    }
    if (a->view == APP_VIEW_HELP)
        buf_printf(&l, "%shelp", sep);
    if (a->paused)
        buf_printf(&r, "PAUSED%s", sep);
    if (every > 0)
        buf_printf(&r, "every %llds%s", (long long)(every / 1000), sep);
    if (m && m->api.updated_ms > 0) {
        time_t t = (time_t)(m->api.updated_ms / 1000);
        struct tm tm;

        localtime_r(&t, &tm);
        strftime(when, sizeof when, "%H:%M:%S", &tm);
    }
    if (!m)
        buf_puts(&r, "connecting ");
    else if (m->from_cache) {
        char age[UI_FMT_CAP];
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        format_age(m->api.updated_ms > 0
                       ? (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 -
                             m->api.updated_ms
                       : -1,
                   age, sizeof age);
        buf_printf(&r, "~ from cache %s, %s ", when, age);
    } else if (m->status == FLEET_STATUS_STARTING)
        buf_puts(&r, "loading ");
    else if (m->status != FLEET_STATUS_OK || m->api.stale)
        buf_printf(&r, "~ stale since %s ", when);
    else
        buf_puts(&r, "live ");
    rw = (int)text_width(buf_str(&r), a->utf8);
    draw_attr(palette_attr(THEME_ROLE_TITLE));
    mvwhline(stdscr, ar->title_y, 0, ' ', ar->cols);
    if (badge) {
        /* A plan runs (or ended) behind the panel: after the context and
         * view, at most half the line, in reverse video. */
        struct buf t = BUF_INIT;

        text_clip(&t, badge, (size_t)(ar->cols / 2), a->utf8);
        bw = (int)text_width(buf_str(&t), a->utf8) + 2;
        buf_free(&t);
    }
    draw_text(a, ar->title_y, 0, ar->cols - rw - bw - 1, THEME_ROLE_TITLE,
              buf_str(&l));
    if (badge && ar->cols - rw - bw > 0)
        draw_text(a, ar->title_y, ar->cols - rw - bw, bw - 1, THEME_ROLE_PAUSED,
                  badge);
    if (rw < ar->cols)
        draw_text(a, ar->title_y, ar->cols - rw, rw,
                  a->paused ? THEME_ROLE_PAUSED : THEME_ROLE_TITLE,
                  buf_str(&r));
    free(badge);
    buf_free(&l);
    buf_free(&r);
}

static void draw_status(struct app *a, const struct layout_areas *ar)
{
    const struct fleet_model *m = app_model(a);

    draw_clear_line(ar->status_y);
    if (a->input != APP_INPUT_NONE) {
        const char *p = a->input == APP_INPUT_FILTER    ? "/"
                        : a->input == APP_INPUT_COMMAND ? ":"
                                                        : act_prompt(a);
        int pw = (int)text_width(p, a->utf8);
        int tw = (int)text_width(buf_str(&a->line), a->utf8);
        int room;
        const char *t = buf_str(&a->line);

        if (pw > ar->cols - 20) /* a long prompt: keep room to type */
            pw = ar->cols - 20;
        room = ar->cols - pw - 1;
        draw_text(a, ar->status_y, 0, pw, THEME_ROLE_PROMPT, p);
        /* Show the end of a long line. */
        while (tw > room && *t) {
            t++;
            while ((*t & 0xc0) == 0x80)
                t++;
            tw--;
        }
        draw_text(a, ar->status_y, pw, room, THEME_ROLE_NORMAL, t);
        leaveok(stdscr, FALSE);
        wmove(stdscr, ar->status_y, pw + tw);
        return;
    }
    leaveok(stdscr, TRUE);
    if (a->flash) {
        draw_text(a, ar->status_y, 0, ar->cols,
                  a->flash_err ? THEME_ROLE_ERROR : THEME_ROLE_STATUS,
                  a->flash);
        return;
    }
    if (a->connect_msg) {
        draw_text(a, ar->status_y, 0, ar->cols,
                  a->connect_err ? THEME_ROLE_ERROR : THEME_ROLE_STATUS,
                  a->connect_msg);
        return;
    }
    if (m && m->status != FLEET_STATUS_OK &&
        m->status != FLEET_STATUS_STARTING) {
        struct buf b = BUF_INIT;

        buf_printf(&b, "! platform %s: %s (retrying; last data kept)",
                   m->status == FLEET_STATUS_UNREACHABLE ? "unreachable"
                                                         : "error",
                   m->api.reason ? m->api.reason : "no answer");
        draw_text(a, ar->status_y, 0, ar->cols, THEME_ROLE_ERROR, buf_str(&b));
        buf_free(&b);
        return;
    }
    {
        int w = a->view == APP_VIEW_CLUSTER ? 1 : 0;

        if ((a->view == APP_VIEW_FLEET || a->view == APP_VIEW_CLUSTER) &&
            a->filter_text[w]) {
            struct buf b = BUF_INIT;

            buf_printf(&b,
                       "filter: %s  (/ then Enter on an empty line "
                       "clears it)",
                       a->filter_text[w]);
            draw_text(a, ar->status_y, 0, ar->cols, THEME_ROLE_PROMPT,
                      buf_str(&b));
            buf_free(&b);
        }
    }
}

static void draw_hints(struct app *a, const struct layout_areas *ar)
{
    static const struct {
        int action;
        const char *label;
    } hints[] = {
        {SETTINGS_ACTION_HELP, "help"},   {SETTINGS_ACTION_DRILL, "open"},
        {SETTINGS_ACTION_BACK, "back"},   {SETTINGS_ACTION_FILTER, "filter"},
        {SETTINGS_ACTION_COMMAND, "cmd"}, {SETTINGS_ACTION_SORT_NEXT, "sort"},
        {SETTINGS_ACTION_PAUSE, "pause"}, {SETTINGS_ACTION_REFRESH, "refresh"},
        {SETTINGS_ACTION_QUIT, "quit"},
    };
    int kv = a->view == APP_VIEW_FLEET     ? KEYS_VIEW_FLEET
             : a->view == APP_VIEW_CLUSTER ? KEYS_VIEW_CLUSTER
             : a->view == APP_VIEW_NODE    ? KEYS_VIEW_NODE
                                           : KEYS_VIEW_HELP;
    int x = 0;
    size_t i;

    draw_clear_line(ar->hints_y);
    if (sqlpane_active(a) && !act_active(a) && a->input == APP_INPUT_NONE) {
        draw_text(a, ar->hints_y, 0, ar->cols, THEME_ROLE_HINT,
                  sqlpane_hints(a));
        return;
    }
    if (act_active(a) && a->input == APP_INPUT_NONE) {
        draw_text(a, ar->hints_y, 0, ar->cols, THEME_ROLE_HINT, act_hints(a));
        return;
    }
    if (drillui_active(a) && a->input == APP_INPUT_NONE) {
        draw_text(a, ar->hints_y, 0, ar->cols, THEME_ROLE_HINT,
                  drillui_hints(a));
        return;
    }
    if (a->input != APP_INPUT_NONE) {
        draw_text(a, ar->hints_y, 0, ar->cols, THEME_ROLE_HINT,
                  " Enter apply  Esc cancel  C-u clear");
        return;
    }
    for (i = 0; i < sizeof hints / sizeof hints[0]; i++) {
        char *k = keys_text(a->keys, (enum settings_action)hints[i].action, kv);
        char *comma = strchr(k, ',');
        int kw, lw = (int)strlen(hints[i].label);

        if (comma)
            *comma = '\0';
        kw = (int)text_width(k, a->utf8);
        if (kw > 0 && keys_applies((enum settings_action)hints[i].action, kv) &&
            x + kw + lw + 2 <= ar->cols) {
            draw_text(a, ar->hints_y, x, kw, THEME_ROLE_KEY, k);
            draw_text(a, ar->hints_y, x + kw, lw + 1, THEME_ROLE_HINT, "");
            mvwaddch(stdscr, ar->hints_y, x + kw, ' ');
            draw_text(a, ar->hints_y, x + kw + 1, lw, THEME_ROLE_HINT,
                      hints[i].label);
            x += kw + lw + 2;
        }
        free(k);
    }
}

static void draw_too_small(struct app *a, const struct layout_areas *ar)
{
    char l1[64], l2[64];
    int y = ar->rows / 2 - 1;

    werase(stdscr);
    if (y < 0)
        y = 0;
    /* Down to 20x5 the size and the minimum stay readable: the long
     * wording when it fits, else the short one. */
    snprintf(l1, sizeof l1, "terminal too small: %dx%d", ar->cols, ar->rows);
    snprintf(l2, sizeof l2, "too small: %dx%d", ar->cols, ar->rows);
    draw_text(a, y, 0, ar->cols, THEME_ROLE_CRIT,
              (int)strlen(l1) <= ar->cols ? l1 : l2);
    snprintf(l1, sizeof l1, "pgdeck needs at least %dx%d", UI_MIN_COLS,
             UI_MIN_ROWS);
    snprintf(l2, sizeof l2, "needs %dx%d", UI_MIN_COLS, UI_MIN_ROWS);
    if (y + 1 < ar->rows)
        draw_text(a, y + 1, 0, ar->cols, THEME_ROLE_NORMAL,
                  (int)strlen(l1) <= ar->cols ? l1 : l2);
    if (y + 2 < ar->rows)
        draw_text(a, y + 2, 0, ar->cols, THEME_ROLE_HINT, "(q quits)");
}

void draw_frame(struct app *a)
{
    struct layout_areas ar;
    const struct view_ops *ops;

    layout_areas(COLS, LINES, &ar);
    if (a->dirty & APP_DIRTY_CLEAR) {
        clearok(curscr, TRUE);
        werase(stdscr);
        a->dirty |= APP_DIRTY_ALL;
    }
    if (ar.too_small) {
        draw_too_small(a, &ar);
    } else {
        switch (a->view) {
        case APP_VIEW_CLUSTER:
            ops = &view_cluster_ops;
            break;
        case APP_VIEW_NODE:
            ops = &view_node_ops;
            break;
        case APP_VIEW_HELP:
            ops = &view_help_ops;
            break;
        default:
            ops = &view_fleet_ops;
            break;
        }
        if (a->dirty & APP_DIRTY_TITLE)
            draw_title(a, &ar);
        if (a->dirty & APP_DIRTY_BODY) {
            /* The SQL pane, when open, takes the bottom of the body. */
            struct layout_areas va, pa;
            int pane = sqlpane_split(a, &ar, &va, &pa);

            if (va.body_h > 0)
                ops->draw(a, &va);
            if (pane)
                sqlpane_draw(a, &pa);
            if (act_active(a))
                act_draw(a, &va);
            else if (drillui_active(a))
                drillui_draw(a, &va);
        }
        if (a->dirty & APP_DIRTY_HINTS)
            draw_hints(a, &ar);
        /* last: it places the cursor when a line is being typed */
        if (a->dirty & (APP_DIRTY_STATUS | APP_DIRTY_BODY))
            draw_status(a, &ar);
        sqlpane_cursor(a);
    }
    a->dirty = 0;
    wnoutrefresh(stdscr);
    doupdate();
}

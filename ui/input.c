#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/fleet.h"
#include "src/xmalloc.h"

#include "ui/act.h"
#include "ui/app.h"
#include "ui/command.h"
#include "ui/curses_compat.h"
#include "ui/drill.h"
#include "ui/sqlpane.h"

static const struct view_ops *input_ops(enum app_view v);
static int input_line_key(struct app *a, int ch);
static void input_line_done(struct app *a);
static void input_command(struct app *a, const char *text);
static void input_filter(struct app *a, const char *text);
static void input_action(struct app *a, int action);
static void input_move(struct app *a, int action);
static void input_drill(struct app *a);
static void input_back(struct app *a);
static void input_interval(struct app *a, int faster);

static const struct view_ops *input_ops(enum app_view v)
{
    switch (v) {
    case APP_VIEW_CLUSTER:
        return &view_cluster_ops;
    case APP_VIEW_NODE:
        return &view_node_ops;
    case APP_VIEW_HELP:
        return &view_help_ops;
    default:
        return &view_fleet_ops;
    }
}

void input_open(struct app *a, enum app_view view)
{
    if (view == APP_VIEW_HELP && a->view != APP_VIEW_HELP)
        a->help_from = a->view;
    a->view = view;
    if (view != APP_VIEW_HELP) {
        a->sel[view] = view == APP_VIEW_NODE ? 0 : a->sel[view];
        a->top[view] = view == APP_VIEW_NODE ? 0 : a->top[view];
    } else {
        a->sel[view] = 0;
        a->top[view] = 0;
    }
    if (a->fleet && view != APP_VIEW_HELP)
        fleet_set_focus(a->fleet, view == APP_VIEW_FLEET ? NULL : a->cluster);
    a->dirty |= APP_DIRTY_ALL;
}

/* Edits the input line; returns 1 when the key was used. */
static int input_line_key(struct app *a, int ch)
{
    if (ch == 27) { /* cancel */
        enum app_input kind = a->input;

        a->input = APP_INPUT_NONE;
        buf_reset(&a->line);
        curs_set(0);
        a->dirty |= APP_DIRTY_STATUS | APP_DIRTY_HINTS;
        if (kind == APP_INPUT_ARG)
            act_arg_done(a, NULL, 1);
        return 1;
    }
    if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
        input_line_done(a);
        return 1;
    }
    if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        /* Drop one UTF-8 sequence. */
        while (a->line.len > 0) {
            unsigned char c = (unsigned char)a->line.data[--a->line.len];

            if ((c & 0xc0) != 0x80)
                break;
        }
        if (a->line.data)
            a->line.data[a->line.len] = '\0';
    } else if (ch == ('U' & 0x1f)) {
        buf_reset(&a->line);
    } else if (ch >= 0x20 && ch < 0x100 && ch != 0x7f) {
        if (a->line.len < 200)
            buf_putc(&a->line, (char)ch);
    } else {
        return 1; /* other keys are ignored while typing */
    }
    a->dirty |= APP_DIRTY_STATUS;
    return 1;
}

static void input_line_done(struct app *a)
{
    char *text = x_strdup(buf_str(&a->line));
    enum app_input kind = a->input;

    a->input = APP_INPUT_NONE;
    buf_reset(&a->line);
    curs_set(0);
    a->dirty |= APP_DIRTY_STATUS | APP_DIRTY_HINTS;
    if (kind == APP_INPUT_COMMAND)
        input_command(a, text);
    else if (kind == APP_INPUT_ARG)
        act_arg_done(a, text, 0);
    else
        input_filter(a, text);
    free(text);
}

static void input_filter(struct app *a, const char *text)
{
    int w = a->view == APP_VIEW_CLUSTER ? 1 : 0;
    struct filter *f = NULL;
    char *cause = NULL;

    if (filter_parse(text, &f, &cause) != 0) {
        app_flash(a, 1, "filter: %s", cause);
        free(cause);
        return;
    }
    filter_free(a->filter[w]);
    a->filter[w] = f;
    free(a->filter_text[w]);
    a->filter_text[w] = f ? x_strdup(text) : NULL;
    a->sel[a->view] = 0;
    a->top[a->view] = 0;
    a->dirty |= APP_DIRTY_ALL;
}

static void input_command(struct app *a, const char *text)
{
    struct command cmd;
    char *cause = NULL;
    const struct fleet_model *m = app_model(a);

    if (command_parse(text, &cmd, &cause) != 0) {
        app_flash(a, 1, "%s", cause);
        free(cause);
        return;
    }
    switch (cmd.kind) {
    case COMMAND_NONE:
        break;
    case COMMAND_CLUSTERS:
        input_open(a, APP_VIEW_FLEET);
        break;
    case COMMAND_CLUSTER:
        if (m && !fleet_model_cluster(m, cmd.arg) && m->n_clusters > 0) {
            app_flash(a, 1, "no cluster \"%s\"", cmd.arg);
            break;
        }
        if (!a->cluster || strcmp(a->cluster, cmd.arg) != 0) {
            free(a->cluster);
            a->cluster = x_strdup(cmd.arg);
            a->sel[APP_VIEW_CLUSTER] = 0;
            a->top[APP_VIEW_CLUSTER] = 0;
        }
        input_open(a, APP_VIEW_CLUSTER);
        break;
    case COMMAND_CTX:
        app_switch_context(a, cmd.arg);
        break;
    case COMMAND_THEME:
        if (!a->color) {
            app_flash(a, 1,
                      "colors are off (NO_COLOR, --no-color or the "
                      "terminal): theme mono stays");
            break;
        }
        if (app_set_theme(a, cmd.arg, &cause) != 0) {
            app_flash(a, 1, "%s", cause);
            free(cause);
        } else
            app_flash(a, 0, "theme %s", cmd.arg);
        break;
    case COMMAND_HELP:
        input_open(a, APP_VIEW_HELP);
        break;
    case COMMAND_QUIT:
        if (act_quit(a))
            a->quit = 1;
        break;
    }
    command_clear(&cmd);
}

static void input_move(struct app *a, int action)
{
    const struct view_ops *ops = input_ops(a->view);
    int rows = ops->rows(a), page = LINES - 6, *sel = &a->sel[a->view];

    if (page < 1)
        page = 1;
    switch (action) {
    case SETTINGS_ACTION_UP:
        (*sel)--;
        break;
    case SETTINGS_ACTION_DOWN:
        (*sel)++;
        break;
    case SETTINGS_ACTION_PAGE_UP:
        *sel -= page;
        break;
    case SETTINGS_ACTION_PAGE_DOWN:
        *sel += page;
        break;
    case SETTINGS_ACTION_TOP:
        *sel = 0;
        break;
    case SETTINGS_ACTION_BOTTOM:
        *sel = rows - 1;
        break;
    }
    if (*sel >= rows)
        *sel = rows - 1;
    if (*sel < 0)
        *sel = 0;
    a->dirty |= APP_DIRTY_BODY;
}

static void input_drill(struct app *a)
{
    const struct fleet_model *m = app_model(a);
    size_t n = 0, *order;

    if (!m)
        return;
    if (a->view == APP_VIEW_FLEET) {
        order = view_fleet_order(a, m, &n);
        if (a->sel[APP_VIEW_FLEET] < (int)n) {
            const char *name = m->clusters[order[a->sel[APP_VIEW_FLEET]]].name;

            if (!a->cluster || strcmp(a->cluster, name) != 0) {
                free(a->cluster);
                a->cluster = x_strdup(name);
                a->sel[APP_VIEW_CLUSTER] = 0;
                a->top[APP_VIEW_CLUSTER] = 0;
            }
            input_open(a, APP_VIEW_CLUSTER);
        }
        free(order);
    } else if (a->view == APP_VIEW_CLUSTER) {
        const struct fleet_cluster *c =
            a->cluster ? fleet_model_cluster(m, a->cluster) : NULL;

        if (!c)
            return;
        order = view_cluster_order(a, c, &n);
        if (a->sel[APP_VIEW_CLUSTER] < (int)n) {
            free(a->node);
            a->node = x_strdup(c->nodes[order[a->sel[APP_VIEW_CLUSTER]]].id);
            input_open(a, APP_VIEW_NODE);
        }
        free(order);
    }
}

static void input_back(struct app *a)
{
    switch (a->view) {
    case APP_VIEW_HELP:
        a->view = a->help_from;
        a->dirty |= APP_DIRTY_ALL;
        break;
    case APP_VIEW_NODE:
        input_open(a, APP_VIEW_CLUSTER);
        break;
    case APP_VIEW_CLUSTER:
        input_open(a, APP_VIEW_FLEET);
        break;
    default:
        break;
    }
}

static void input_interval(struct app *a, int faster)
{
    int64_t ms;

    if (!a->fleet)
        return;
    ms = fleet_interval(a->fleet);
    if (faster)
        ms = ms > 2000 ? ms - 1000 : 1000;
    else
        ms = ms < 60000 ? ms + 1000 : 60000;
    fleet_set_interval(a->fleet, ms);
    app_flash(a, 0, "refresh every %llds",
              (long long)(fleet_interval(a->fleet) / 1000));
    a->dirty |= APP_DIRTY_TITLE;
}

static void input_action(struct app *a, int action)
{
    switch (action) {
    case SETTINGS_ACTION_QUIT:
        /* With a plan in flight, a y/N first (it stays resumable). */
        if (act_quit(a))
            a->quit = 1;
        break;
    case SETTINGS_ACTION_ACTIONS:
        act_open(a);
        break;
    case SETTINGS_ACTION_SQL:
        sqlpane_open(a);
        break;
    case SETTINGS_ACTION_PSQL:
        sqlpane_psql(a);
        break;
    case SETTINGS_ACTION_HA_WIZARD:
        act_open_ha(a);
        break;
    case SETTINGS_ACTION_SNAPSHOTS:
        act_open_snapshots(a);
        break;
    case SETTINGS_ACTION_DRILLS:
        drillui_open(a);
        break;
    case SETTINGS_ACTION_HELP:
        if (a->view == APP_VIEW_HELP)
            input_back(a);
        else
            input_open(a, APP_VIEW_HELP);
        break;
    case SETTINGS_ACTION_FILTER:
        a->input = APP_INPUT_FILTER;
        buf_reset(&a->line);
        buf_puts(&a->line, a->filter_text[a->view == APP_VIEW_CLUSTER]
                               ? a->filter_text[a->view == APP_VIEW_CLUSTER]
                               : "");
        curs_set(1);
        a->dirty |= APP_DIRTY_STATUS | APP_DIRTY_HINTS;
        break;
    case SETTINGS_ACTION_COMMAND:
        a->input = APP_INPUT_COMMAND;
        buf_reset(&a->line);
        curs_set(1);
        a->dirty |= APP_DIRTY_STATUS | APP_DIRTY_HINTS;
        break;
    case SETTINGS_ACTION_REFRESH:
        if (a->fleet)
            fleet_refresh_now(a->fleet);
        app_flash(a, 0, "refreshing");
        break;
    case SETTINGS_ACTION_PAUSE:
        a->paused = !a->paused;
        if (a->fleet)
            fleet_set_paused(a->fleet, a->paused);
        a->dirty |= APP_DIRTY_TITLE;
        break;
    case SETTINGS_ACTION_FASTER:
    case SETTINGS_ACTION_SLOWER:
        input_interval(a, action == SETTINGS_ACTION_FASTER);
        break;
    case SETTINGS_ACTION_DRILL:
    case SETTINGS_ACTION_RIGHT:
        input_drill(a);
        break;
    case SETTINGS_ACTION_BACK:
    case SETTINGS_ACTION_LEFT:
        input_back(a);
        break;
    case SETTINGS_ACTION_UP:
    case SETTINGS_ACTION_DOWN:
    case SETTINGS_ACTION_PAGE_UP:
    case SETTINGS_ACTION_PAGE_DOWN:
    case SETTINGS_ACTION_TOP:
    case SETTINGS_ACTION_BOTTOM:
        input_move(a, action);
        break;
    case SETTINGS_ACTION_REDRAW:
        a->dirty |= APP_DIRTY_ALL | APP_DIRTY_CLEAR;
        break;
    case SETTINGS_ACTION_SORT_NEXT:
    case SETTINGS_ACTION_SORT_REVERSE: {
        int w = a->view == APP_VIEW_CLUSTER ? 1 : 0;
        int n = w ? VIEW_CLUSTER_SORTS : VIEW_FLEET_SORTS;

        if (action == SETTINGS_ACTION_SORT_NEXT)
            a->sort[w] = (a->sort[w] + 1) % n;
        else
            a->sort_rev[w] = !a->sort_rev[w];
        app_flash(a, 0, "sorted by %s%s",
                  w ? view_cluster_sort_name(a->sort[w])
                    : view_fleet_sort_name(a->sort[w]),
                  a->sort_rev[w] ? ", reversed" : "");
        a->dirty |= APP_DIRTY_BODY | APP_DIRTY_TITLE;
        break;
    }
    default:
        app_flash(a, 1, "%s: not available in this build",
                  settings_action_name((enum settings_action)action));
        break;
    }
}

void input_key(struct app *a, int ch)
{
    int action, kv;

    if (ch == KEY_RESIZE) {
        a->dirty |= APP_DIRTY_ALL | APP_DIRTY_CLEAR;
        return;
    }
    if (a->input != APP_INPUT_NONE) {
        input_line_key(a, ch);
        return;
    }
    if (act_active(a)) {
        /* A dialog or panel of act.h takes every key. */
        act_key(a, ch);
        return;
    }
    if (drillui_active(a)) {
        drillui_key(a, ch);
        return;
    }
    if (sqlpane_active(a)) {
        /* The SQL pane takes every key while it is open. */
        sqlpane_key(a, ch);
        return;
    }
    kv = input_ops(a->view)->keys_view;
    action = keys_lookup(a->keys, ch, kv);
    if (action < 0)
        return;
    /* Below the minimum size only quitting, help and redraw make sense. */
    if ((COLS < UI_MIN_COLS || LINES < UI_MIN_ROWS) &&
        action != SETTINGS_ACTION_QUIT && action != SETTINGS_ACTION_REDRAW &&
        action != SETTINGS_ACTION_COMMAND)
        return;
    input_action(a, action);
}

/*
 * app: the console's state and the parts of ui/ that share it.
 *
 * One struct app per run, passed everywhere (no globals but the palette).
 * Views are modules with one vtable (struct view_ops): draw the body from
 * the model, take an action.  Nothing draws outside the loop's
 * before-sleep hook (app_draw): key handlers and model callbacks only set
 * dirty bits, and app_draw() repaints the dirty areas into stdscr and
 * calls doupdate() once, so a turn in which nothing changed writes
 * nothing to the terminal, and ncurses sends only the cells that differ.
 *
 * The model is read through fleet_model(); names (cluster, node id), not
 * pointers, are kept across turns (fleet.h's rule).
 *
 * Files: app.c (start, connect, the snapshot cache, loop wiring,
 * teardown), input.c (keys, the input line, `:` commands), draw.c (title,
 * status, hints, too-small screen, cell drawing), view_fleet.c,
 * view_cluster.c, view_text.c (node details and help: scrolled lines),
 * act.c and act_draw.c (the actions menu, plan preview and confirmation,
 * progress of a running plan, resume of interrupted plans: act.h).
 */
#ifndef PGDECK_UI_APP_H
#define PGDECK_UI_APP_H

#include <stdint.h>
#include <stdio.h>

#include "src/buf.h"
#include "src/derive.h"

#include "ui/filter.h"
#include "ui/keys.h"
#include "ui/layout.h"
#include "ui/theme.h"

struct act;
struct drillui;
struct sqlpane;
struct context;
struct context_set;
struct fleet;
struct fleet_model;
struct http;
struct loop;
struct machines;
struct platform;
struct settings;

/* What needs repainting (bits). */
enum app_dirty {
    APP_DIRTY_TITLE = 1,
    APP_DIRTY_BODY = 2,
    APP_DIRTY_STATUS = 4,
    APP_DIRTY_HINTS = 8,
    APP_DIRTY_ALL = 15,
    APP_DIRTY_CLEAR = 16 /* repaint every cell (Ctrl-L, resize) */
};

enum app_view {
    APP_VIEW_FLEET,
    APP_VIEW_CLUSTER,
    APP_VIEW_NODE,
    APP_VIEW_HELP,
    APP_VIEW__COUNT
};

/* What the input line is for.  ARG: an action's argument (act.h asks for
 * it: memory, size, region, name). */
enum app_input {
    APP_INPUT_NONE,
    APP_INPUT_FILTER,
    APP_INPUT_COMMAND,
    APP_INPUT_ARG
};

struct app;

/* One view.  draw() paints the body area; action() handles an action
 * (enum settings_action) and returns dirty bits; rows() is the number of
 * selectable rows (for movement). */
struct view_ops {
    const char *name; /* for the title: "fleet", "cluster", ... */
    int keys_view;    /* enum keys_view bit */
    void (*draw)(struct app *a, const struct layout_areas *ar);
    int (*rows)(struct app *a);
};

extern const struct view_ops view_fleet_ops;
extern const struct view_ops view_cluster_ops;
extern const struct view_ops view_node_ops;
extern const struct view_ops view_help_ops;

struct app {
    struct loop *loop;
    struct settings *s;
    struct context_set *set;
    const struct context *ctx;
    struct platform *platform;
    struct http *http;
    struct http *graphql; /* Fly's GraphQL API (a restore's steps) */
    struct machines *machines;
    struct fleet *fleet;
    char *connect_msg; /* "starting the local platform...", an error */
    int connect_err;
    /* The last-snapshot cache: the model shown before the fleet exists
     * (adopted by it when it starts), the file of A->ctx, when and after
     * which round it was last written. */
    struct fleet_model *snapshot;
    char *cache_path;
    int64_t cache_saved_ms;
    uint64_t cache_round;

    struct keys *keys;
    struct theme theme;
    int color; /* colors allowed (not NO_COLOR, --no-color, color=false) */
    int utf8;
    struct derive_limits lim;

    enum app_view view;
    enum app_view help_from; /* the view the help was opened from */
    char *cluster;           /* the cluster on screen (cluster, node) */
    char *node;              /* the node on screen (node view) */
    int sel[APP_VIEW__COUNT];
    int top[APP_VIEW__COUNT];
    int sort[2], sort_rev[2]; /* fleet, cluster */
    struct filter *filter[2];
    char *filter_text[2];

    enum app_input input;
    struct buf line; /* the input line being typed */

    struct act *act; /* operator actions: menu, dialogs, the run (act.h) */
    struct sqlpane *sqlpane; /* the SQL pane, NULL before the first p */
    struct drillui *drills;  /* the drills menu, NULL before the first D */

    char *flash;
    int flash_err;
    uint64_t flash_timer;

    int dirty;
    uint64_t model_gen; /* the model generation last drawn */
    int paused;
    int quit;
    int exit_code;

    FILE *trace;     /* PGDECK_UI_TRACE */
    int64_t key_us;  /* when the first key since the last draw came */
    uint64_t rounds; /* fleet rounds seen (trace) */
};

/* ---- app.c ---- */
/* (Re)connects to A->ctx: platform autostart for local, then the fleet. */
void app_connect(struct app *a);
/* Switches to the context NAME.  Returns 0, or -1 with a flash. */
int app_switch_context(struct app *a, const char *name);
/* Applies the theme NAME (mono when colors are off).  Returns 0, or -1
 * with *cause set. */
int app_set_theme(struct app *a, const char *name, char **cause);
/* The model: the fleet's, else the cached snapshot, else NULL. */
const struct fleet_model *app_model(const struct app *a);
/* Shows MSG (copied) in the status line for a few seconds. */
void app_flash(struct app *a, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The time now in microseconds (monotonic), for the trace. */
int64_t app_now_us(void);

/* ---- input.c ---- */
/* Handles one key code from wgetch(). */
void input_key(struct app *a, int ch);
/* Opens VIEW (the cluster/node names must be set), resetting its
 * selection when it is a different cluster/node. */
void input_open(struct app *a, enum app_view view);

/* ---- draw.c ---- */
/* The before-sleep hook body: repaints what is dirty, then doupdate(). */
void draw_frame(struct app *a);
/* Draws TEXT at (Y, X) clipped to W cells with ROLE's attributes. */
void draw_text(struct app *a, int y, int x, int w, enum theme_role role,
               const char *text);
/* Draws a table row: cells at the widths, each with its role (ROLES may be
 * NULL: NORMAL); SELECTED reverses the whole row. */
void draw_row(struct app *a, int y, const struct table_col *cols, size_t n,
              const int *widths, const char *const *cells,
              const enum theme_role *roles, int selected, int width);
/* A horizontal rule across W cells at Y (ACS or '-'). */
void draw_rule(struct app *a, int y, int w);
/* The role for a lag (bytes, ms) / a disk percentage / a verdict. */
enum theme_role draw_lag_role(const struct app *a, int64_t bytes, int64_t ms);
enum theme_role draw_disk_role(const struct app *a, double pct);
enum theme_role draw_verdict_role(int verdict);
/* Keeps A->sel/top of the current view inside ROWS rows and VISIBLE
 * visible rows. */
void draw_clamp(struct app *a, enum app_view v, int rows, int visible);

/* The cluster a dialog opened now is about, and its node: the selected
 * cluster (fleet view), or the cluster on screen and its selected node
 * (cluster view), or the node on screen (node view).  Sets *C (borrowed
 * from the model) and *NODE (borrowed; NULL when none) and returns 0, or
 * flashes "WHAT: no cluster selected" (or no data yet) and returns -1. */
int app_selected(struct app *a, const char *what,
                 const struct fleet_cluster **c, const char **node);

/* ---- view_fleet.c / view_cluster.c ---- */
/* The clusters shown (filtered, sorted): indexes into m->clusters; owned
 * by the caller.  *N receives the count. */
size_t *view_fleet_order(struct app *a, const struct fleet_model *m, size_t *n);
/* The nodes shown for C (filtered, sorted); owned by the caller. */
size_t *view_cluster_order(struct app *a, const struct fleet_cluster *c,
                           size_t *n);
/* The sort names, for the title. */
const char *view_fleet_sort_name(int sort);
const char *view_cluster_sort_name(int sort);
#define VIEW_FLEET_SORTS 5
#define VIEW_CLUSTER_SORTS 5

#endif

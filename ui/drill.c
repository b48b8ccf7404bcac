#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/context.h"
#include "src/drill.h"
#include "src/fleet.h"
#include "src/http.h"
#include "src/settings.h"
#include "src/xmalloc.h"

#include "ui/app.h"
#include "ui/curses_compat.h"
#include "ui/drill.h"

/*
 * drill (ui): the drills menu and its runs (ui/drill.h).
 */

static void drillui_dirty(struct app *a)
{
    a->dirty |= APP_DIRTY_ALL;
}

/* The selected cluster and node, as act.c picks them.  0, or -1 after a
 * flash. */
static int drillui_pick(struct app *a)
{
    struct drillui *t = a->drills;
    const struct fleet_cluster *c;
    const char *node;

    if (app_selected(a, "drills", &c, &node) != 0)
        return -1;
    free(t->cluster);
    t->cluster = x_strdup(c->name);
    free(t->node);
    t->node = node && fleet_cluster_node(c, node) ? x_strdup(node) : NULL;
    return 0;
}

void drillui_open(struct app *a)
{
    struct drillui *t;

    if (!a->drills)
        a->drills = x_calloc(1, sizeof *a->drills);
    t = a->drills;
    if (drillui_pick(a) != 0)
        return;
    free(t->refusal);
    t->refusal =
        drill_refusal(a->ctx, settings_num(a->s, SETTINGS_READ_ONLY) == 1);
    t->open = 1;
    if (t->sel < 0 || t->sel > DRILL__COUNT)
        t->sel = 0;
    drillui_dirty(a);
}

int drillui_active(const struct app *a)
{
    return a->drills && a->drills->open;
}

/* The node the drill of SEL is about: the selected one, for the drills
 * that take --node, and only when it fits (a replica for pause-replay). */
static const char *drillui_node(const struct drillui *t,
                                const struct fleet_cluster *c, int sel)
{
    const struct fleet_node *n =
        t->node ? fleet_cluster_node(c, t->node) : NULL;

    if (!n)
        return NULL;
    if (sel == DRILL_PAUSE_REPLAY)
        return n->role == FLEET_ROLE_REPLICA ? n->id : NULL;
    if (sel == DRILL_FILL_DISK)
        return n->id;
    return NULL;
}

void drillui_texts(struct app *a, int sel, char **look, char **recover,
                   char **why)
{
    struct drillui *t = a->drills;
    const struct fleet_model *m = app_model(a);
    const struct fleet_cluster *c =
        m && t->cluster ? fleet_model_cluster(m, t->cluster) : NULL;
    struct drill_plan p;
    char *cause = NULL;

    *look = *recover = *why = NULL;
    if (sel == DRILL__COUNT) {
        *look = x_strdup("clears the fault rules on the cluster's API paths, "
                         "resumes replay on every replica, removes the "
                         "fillers of its volumes, starts machines a crash "
                         "left down");
        *recover = x_strdup("the view turns healthy and fresh again within "
                            "a few refreshes");
    } else {
        *look = x_strdup(drill_get((enum drill_id)sel)->look);
        *recover = x_strdup(drill_get((enum drill_id)sel)->recover);
    }
    if (t->refusal) {
        *why = x_strdup(t->refusal);
        return;
    }
    if (!c) {
        *why = x_strdup("the cluster is not in the model (any more)");
        return;
    }
    if (sel == DRILL__COUNT)
        return;
    if (drill_build(c, (enum drill_id)sel, drillui_node(t, c, sel),
                    settings_num(a->s, SETTINGS_HTTP_TIMEOUT), &p,
                    &cause) != 0) {
        *why = cause;
        return;
    }
    free(*recover);
    *recover = x_strdup(p.recover);
    drill_plan_clear(&p);
}

static void drillui_done(struct drill_run *r, void *arg)
{
    struct app *a = arg;
    struct drillui *t = a->drills;
    const struct drill_plan *p = drill_run_plan(r);

    if (drill_run_rc(r) != 0)
        app_flash(a, 1, "drill %s failed: %s", t->running, drill_run_error(r));
    else if (p->id == DRILL_RESET)
        app_flash(a, 0, "drill reset on %s: done", p->cluster);
    else
        app_flash(a, 0, "drill %s: done; look for: %s", t->running, p->look);
    drill_run_free(r);
    t->run = NULL;
    http_free(t->http);
    t->http = NULL;
    free(t->running);
    t->running = NULL;
    if (a->fleet)
        fleet_refresh_now(a->fleet);
    drillui_dirty(a);
}

/* Runs item SEL of the menu (DRILL__COUNT: the reset). */
static void drillui_run(struct app *a, int sel)
{
    struct drillui *t = a->drills;
    const struct fleet_model *m = app_model(a);
    const struct fleet_cluster *c =
        m && t->cluster ? fleet_model_cluster(m, t->cluster) : NULL;
    const char *name =
        sel == DRILL__COUNT ? "reset" : drill_get((enum drill_id)sel)->name;
    struct drill_plan p;
    char *cause = NULL;

    if (t->refusal) {
        app_flash(a, 1, "drill %s refused: %s", name, t->refusal);
        return;
    }
    if (t->run) {
        app_flash(a, 1, "drill %s is running: one at a time", t->running);
        return;
    }
    if (!c) {
        app_flash(a, 1, "drill %s: %s is not in the model (any more)", name,
                  t->cluster ? t->cluster : "?");
        return;
    }
    if (sel == DRILL__COUNT) {
        drill_build_reset(c, &p);
    } else if (drill_build(c, (enum drill_id)sel, drillui_node(t, c, sel),
                           settings_num(a->s, SETTINGS_HTTP_TIMEOUT), &p,
                           &cause) != 0) {
        app_flash(a, 1, "drill %s refused: %s", name, cause);
        free(cause);
        return;
    }
    if (drill_http(a->loop, a->ctx, &t->http, &cause) != 0) {
        app_flash(a, 1, "drill %s: %s", name, cause);
        free(cause);
        drill_plan_clear(&p);
        return;
    }
    t->running = x_asprintf("%s on %s", name, c->name);
    t->open = 0;
    app_flash(a, 0, "drill %s: running", t->running);
    t->run = drill_run_start(t->http, &p, drillui_done, a);
    drillui_dirty(a);
}

void drillui_key(struct app *a, int ch)
{
    struct drillui *t = a->drills;

    switch (ch) {
    case 27:
    case 'q':
    case 'D':
        t->open = 0;
        break;
    case 'k':
    case KEY_UP:
        t->sel = t->sel > 0 ? t->sel - 1 : DRILL__COUNT;
        break;
    case 'j':
    case KEY_DOWN:
        t->sel = t->sel < DRILL__COUNT ? t->sel + 1 : 0;
        break;
    case 'g':
    case KEY_HOME:
        t->sel = 0;
        break;
    case 'G':
    case KEY_END:
        t->sel = DRILL__COUNT;
        break;
    case '\r':
    case '\n':
    case KEY_ENTER:
        drillui_run(a, t->sel);
        break;
    case 'x':
        drillui_run(a, DRILL__COUNT);
        break;
    default:
        return;
    }
    drillui_dirty(a);
}

const char *drillui_hints(const struct app *a)
{
    (void)a;
    return " Enter run  x reset (heal)  j/k move  Esc close";
}

void drillui_free(struct app *a)
{
    struct drillui *t = a->drills;

    if (!t)
        return;
    drill_run_free(t->run);
    http_free(t->http);
    free(t->cluster);
    free(t->node);
    free(t->refusal);
    free(t->running);
    free(t);
    a->drills = NULL;
}

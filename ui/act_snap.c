#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/fleet.h"
#include "src/snap.h"
#include "src/xmalloc.h"

#include "ui/act.h"
#include "ui/act_impl.h"
#include "ui/app.h"
#include "ui/curses_compat.h"
#include "ui/keys.h"

/*
 * act_snap: the snapshots view's state and keys.  The list is asked on
 * the loop (snap.h) when the view opens and on `r`; its answer replaces
 * the rows shown.  Taking a snapshot and restoring one go through the
 * plan preview and progress of act.c (act_snap_choose).
 */

static void act_snap_done(struct snap_result *r, void *arg)
{
    struct app *a = arg;
    struct act *t = a->act;

    snap_result_clear(&t->snaps);
    t->snaps = *r;
    memset(r, 0, sizeof *r);
    snap_list_free(t->snap_req); /* the callback may free its list */
    t->snap_req = NULL;
    t->snaps_loaded = 1;
    if (t->snap_sel >= (int)t->snaps.n_rows)
        t->snap_sel = t->snaps.n_rows > 0 ? (int)t->snaps.n_rows - 1 : 0;
    a->dirty |= APP_DIRTY_ALL;
}

void act_snap_clear(struct act *t)
{
    snap_list_free(t->snap_req);
    t->snap_req = NULL;
    snap_result_clear(&t->snaps);
    t->snaps_loaded = 0;
    free(t->snap_error);
    t->snap_error = NULL;
}

void act_snap_reload(struct app *a)
{
    struct act *t = a->act;
    const struct fleet_model *m = app_model(a);
    const struct fleet_cluster *c =
        m && t->cluster ? fleet_model_cluster(m, t->cluster) : NULL;

    snap_list_free(t->snap_req);
    t->snap_req = NULL;
    free(t->snap_error);
    t->snap_error = NULL;
    if (!a->machines || !a->loop)
        t->snap_error = x_strdup("not connected to the platform yet");
    else if (!c)
        t->snap_error = x_strdup("the cluster is not in the model (any more)");
    else
        t->snap_req =
            snap_list_start(a->loop, a->machines, c, NULL, act_snap_done, a);
    a->dirty |= APP_DIRTY_ALL;
}

void act_snap_key(struct app *a, int ch)
{
    struct act *t = a->act;
    int action = keys_lookup(a->keys, ch, KEYS_VIEW_CLUSTER);
    int n = (int)t->snaps.n_rows;

    if (ch == 27 || ch == 'q' || action == SETTINGS_ACTION_SNAPSHOTS) {
        act_close_dialog(a);
        return;
    }
    if (ch == KEY_UP || action == SETTINGS_ACTION_UP)
        t->snap_sel--;
    else if (ch == KEY_DOWN || action == SETTINGS_ACTION_DOWN)
        t->snap_sel++;
    else if (ch == KEY_HOME || action == SETTINGS_ACTION_TOP)
        t->snap_sel = 0;
    else if (ch == KEY_END || action == SETTINGS_ACTION_BOTTOM)
        t->snap_sel = n - 1;
    else if (ch == 'r' || action == SETTINGS_ACTION_REFRESH) {
        act_snap_reload(a);
        app_flash(a, 0, "listing the snapshots of %s", t->cluster);
        return;
    } else if (ch == 'c') {
        act_snap_choose(a, ACTION_SNAPSHOT, NULL);
        return;
    } else if (ch == '\r' || ch == '\n' || ch == KEY_ENTER || ch == 'R') {
        if (n == 0) {
            app_flash(a, 1, "no snapshot to restore%s",
                      t->snaps_loaded ? " (c takes one)" : " yet (loading)");
            return;
        }
        act_snap_choose(a, ACTION_RESTORE, &t->snaps.rows[t->snap_sel]);
        return;
    } else {
        return;
    }
    if (t->snap_sel >= n)
        t->snap_sel = n - 1;
    if (t->snap_sel < 0)
        t->snap_sel = 0;
    a->dirty |= APP_DIRTY_ALL;
}

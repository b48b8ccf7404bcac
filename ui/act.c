#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "src/appsecrets.h"
#include "src/context.h"
#include "src/fleet.h"
#include "src/log.h"
#include "src/settings.h"
#include "src/xmalloc.h"

#include "ui/act.h"
#include "ui/act_impl.h"
#include "ui/app.h"
#include "ui/curses_compat.h"
#include "ui/format.h"

#define ACT_TYPED_MAX 100
#define ACT_PAGE 10

static void act_dirty(struct app *a);
static void act_focus(struct app *a, int on);
static void act_clear_choice(struct act *t);
static void act_close(struct app *a);
static void act_menu_refresh(struct app *a);
static void act_choose(struct app *a);
static void act_ask_arg(struct app *a, enum act_arg arg, const char *error);
static void act_prompt_set(struct app *a, enum act_arg arg, const char *error);
static int act_rebuild(struct app *a);
static void act_preview(struct app *a);
static void act_candidates(struct app *a);
static void act_refused(struct app *a, const char *reason);
static void act_message(struct app *a, const char *title, const char *text,
                        int crit);
static void act_confirmed(struct app *a);
static void act_on_run(struct plan_run *r, size_t step, void *arg);
static void act_run_opts(const struct app *a, struct plan_run_opts *o);
static void act_next_resume(struct app *a);
static void act_resume(struct app *a, enum plan_resume_mode mode);
static void act_journals_clear(struct act *t);
static int act_motion(const struct app *a, int ch, int letters, int *delta);
static int act_same_steps(const struct plan *x, const struct plan *y);
static int64_t act_max_lag(const struct app *a);
static void act_key_menu(struct app *a, int ch);
static void act_key_candidates(struct app *a, int ch);
static void act_key_preview(struct app *a, int ch);
static int act_retryable(const struct plan_run *r);
static void act_retry(struct app *a, enum plan_resume_mode mode);
static void act_show_run(struct app *a);
static int act_pick(struct app *a, const char *what);
static void act_key_progress(struct app *a, int ch);
static void act_key_resume(struct app *a, int ch);
static void act_key_ask(struct app *a, int ch);
static void act_ask(struct app *a, enum act_ask what);

static int act_is_enter(int ch)
{
    return ch == '\r' || ch == '\n' || ch == KEY_ENTER;
}

static int act_is_backspace(int ch)
{
    return ch == KEY_BACKSPACE || ch == 127 || ch == 8;
}

static void act_dirty(struct app *a)
{
    a->dirty |= APP_DIRTY_ALL;
}

/* While a dialog about a cluster is open on the fleet view, that cluster
 * is refreshed at the fast cadence; closing it gives the focus back. */
static void act_focus(struct app *a, int on)
{
    if (!a->fleet)
        return;
    if (on && a->act->cluster)
        fleet_set_focus(a->fleet, a->act->cluster);
    else
        fleet_set_focus(a->fleet,
                        a->view == APP_VIEW_FLEET ? NULL : a->cluster);
}

void act_init(struct app *a)
{
    a->act = x_calloc(1, sizeof *a->act);
    a->act->prog_scroll = -1;
}

/* Forgets the action chosen: arguments, plan, preflight, typed name. */
static void act_clear_choice(struct act *t)
{
    plan_free(t->plan);
    t->plan = NULL;
    action_preflight_clear(&t->pf);
    memset(&t->pf, 0, sizeof t->pf);
    free(t->plan_id);
    t->plan_id = NULL;
    buf_free(&t->text);
    buf_free(&t->typed);
    free(t->now_refused);
    t->now_refused = NULL;
    free(t->a_cluster);
    free(t->a_node);
    free(t->a_region);
    free(t->a_to);
    free(t->a_snapshot);
    free(t->a_volume);
    free(t->a_as);
    t->a_cluster = t->a_node = t->a_region = t->a_to = NULL;
    t->a_snapshot = t->a_volume = t->a_as = NULL;
    memset(&t->args, 0, sizeof t->args);
    t->arg = ACT_ARG_NONE;
    free(t->prompt);
    t->prompt = NULL;
    t->built_gen = 0;
    t->scroll = 0;
    t->run_focus = 0;
    t->typed_wrong = 0;
    t->cand_sel = 0;
}

/* Closes the dialog on screen (the run, if any, goes on). */
static void act_close(struct app *a)
{
    struct act *t = a->act;

    t->mode = ACT_MODE_NONE;
    act_clear_choice(t);
    if (a->input == APP_INPUT_ARG) {
        a->input = APP_INPUT_NONE;
        buf_reset(&a->line);
        curs_set(0);
    }
    act_focus(a, 0);
    act_dirty(a);
}

void act_free(struct app *a)
{
    struct act *t = a->act;

    if (!t)
        return;
    act_detach(a);
    plan_run_free(t->run);
    act_snap_clear(t);
    act_clear_choice(t);
    act_journals_clear(t);
    free(t->cluster);
    free(t->node);
    free(t->node_role);
    free(t->msg_title);
    buf_free(&t->msg);
    free(t->load_errors);
    free(t);
    a->act = NULL;
}

static int64_t act_max_lag(const struct app *a)
{
    return (int64_t)settings_num(a->s, SETTINGS_FAILOVER_MAX_LAG);
}

void act_close_dialog(struct app *a)
{
    act_close(a);
    act_focus(a, 0);
}

/* ---- the menu ---- */

char *act_item_label(const struct act *t, enum action_kind k)
{
    const char *label = action_label(k);
    char id[9];

    snprintf(id, sizeof id, "%s", t->node ? t->node : "");
    switch (k) {
    case ACTION_RESTART:
        if (t->node)
            return x_asprintf("%s %s (%s)", label, id,
                              t->node_role ? t->node_role : "node");
        return x_asprintf("%s the cluster", label);
    case ACTION_REPLICA_REMOVE:
        if (t->node)
            return x_asprintf("%s %s", label, id);
        return x_strdup(label);
    case ACTION_SCALE_MEMORY:
    case ACTION_VOLUME_EXTEND:
        if (t->node && t->from_node_view)
            return x_asprintf("%s of %s", label, id);
        return x_asprintf("%s (all nodes)", label);
    default:
        return x_strdup(label);
    }
}

/* The menu's items for its cluster and node, from the current model. */
static void act_menu_refresh(struct app *a)
{
    struct act *t = a->act;
    const struct fleet_model *m = app_model(a);
    const struct fleet_cluster *c =
        m && t->cluster ? fleet_model_cluster(m, t->cluster) : NULL;
    int read_only = a->ctx->read_only;
    int k;

    if (m)
        t->built_gen = m->generation;
    if (!c) {
        for (k = 0; k < ACTION__COUNT; k++) {
            t->items[k].kind = (enum action_kind)k;
            t->items[k].enabled = 0;
            snprintf(t->items[k].why, sizeof t->items[k].why, "%s",
                     read_only ? "read-only context"
                               : "the cluster is not in the model (any more)");
        }
        return;
    }
    if (t->node && !fleet_cluster_node(c, t->node)) {
        free(t->node);
        t->node = NULL;
    }
    action_menu(c, t->node, read_only, t->items);
    if (read_only)
        /* Whatever the builder says: nothing runs in a read-only context. */
        for (k = 0; k < ACTION__COUNT; k++) {
            t->items[k].enabled = 0;
            snprintf(t->items[k].why, sizeof t->items[k].why, "%s",
                     "read-only context");
        }
}

/* Sets the menu's cluster and node from the view: the selected cluster
 * (fleet view), the cluster on screen and its selected node (cluster
 * view), the node on screen (node view).  Returns 0, or -1 after a flash
 * saying why there is none. */
static int act_pick(struct app *a, const char *what)
{
    struct act *t = a->act;
    const struct fleet_cluster *c;
    const struct fleet_node *nd;
    const char *node;

    if (app_selected(a, what, &c, &node) != 0)
        return -1;
    nd = node ? fleet_cluster_node(c, node) : NULL;
    act_clear_choice(t);
    free(t->cluster);
    t->cluster = x_strdup(c->name);
    free(t->node);
    t->node = nd ? x_strdup(nd->id) : NULL;
    free(t->node_role);
    t->node_role = nd ? x_strdup(fleet_role_name(nd->role)) : NULL;
    t->from_node_view = a->view == APP_VIEW_NODE;
    act_menu_refresh(a);
    return 0;
}

/* The progress panel of the run in flight (or of one that ended while
 * hidden). */
static void act_show_run(struct app *a)
{
    struct act *t = a->act;

    t->mode = ACT_MODE_PROGRESS;
    t->run_hidden = 0;
    t->run_unseen = 0;
    t->prog_scroll = -1;
    act_dirty(a);
}

void act_open(struct app *a)
{
    struct act *t = a->act;
    int k;

    if (t->run) {
        act_show_run(a);
        return;
    }
    if (act_pick(a, "actions") != 0)
        return;
    t->menu_sel = 0;
    for (k = 0; k < ACTION__COUNT; k++)
        if (t->items[k].enabled) {
            t->menu_sel = k;
            break;
        }
    t->mode = ACT_MODE_MENU;
    act_focus(a, 1);
    act_dirty(a);
}

void act_open_ha(struct app *a)
{
    struct act *t = a->act;

    if (t->run) {
        app_flash(a, 0, "a plan is running or just ended: one at a time");
        act_show_run(a);
        return;
    }
    if (act_pick(a, "HA wizard") != 0)
        return;
    /* The menu item carries the read-only and structural verdicts (and
     * why); act_choose() goes on to the pre-flight and the plan. */
    t->menu_sel = ACTION_HA;
    act_choose(a);
    if (t->mode != ACT_MODE_NONE)
        act_focus(a, 1);
}

void act_open_snapshots(struct app *a)
{
    struct act *t = a->act;

    if (act_pick(a, "snapshots") != 0)
        return;
    t->mode = ACT_MODE_SNAPSHOTS;
    t->snap_sel = 0;
    t->snap_scroll = 0;
    act_focus(a, 1);
    act_snap_reload(a);
    act_dirty(a);
}

void act_snap_choose(struct app *a, enum action_kind k,
                     const struct snap_row *row)
{
    struct act *t = a->act;

    if (a->ctx->read_only) {
        app_flash(a, 1,
                  "read-only context %s: %s refused (nothing runs; start "
                  "without --read-only)",
                  a->ctx->name, action_label(k));
        return;
    }
    if (t->run && plan_run_outcome(t->run) == PLAN_OUTCOME_NONE) {
        app_flash(a, 1, "a plan is running: one at a time");
        return;
    }
    act_clear_choice(t);
    t->args.kind = k;
    t->a_cluster = x_strdup(t->cluster);
    t->args.cluster = t->a_cluster;
    t->args.max_lag_bytes = act_max_lag(a);
    t->args.org = a->ctx->org;
    t->args.secrets_version = appsecrets_minvers(a->ctx->name, t->cluster);
    if (k == ACTION_RESTORE && row) {
        t->a_snapshot = x_strdup(row->s.id ? row->s.id : "");
        t->a_volume = x_strdup(row->volume);
        t->args.snapshot = t->a_snapshot;
        t->args.snapshot_volume = t->a_volume;
        act_ask_arg(a, ACT_ARG_AS, NULL);
        return;
    }
    if (t->node)
        t->a_node = x_strdup(t->node);
    t->args.node = t->a_node;
    act_preview(a);
}

static void act_choose(struct app *a)
{
    struct act *t = a->act;
    const struct action_item *it = &t->items[t->menu_sel];
    enum action_kind k = it->kind;
    char *label = act_item_label(t, k);

    if (a->ctx->read_only) {
        app_flash(a, 1,
                  "read-only context %s: %s refused (no action runs; "
                  "start without --read-only)",
                  a->ctx->name, label);
        free(label);
        act_close(a);
        return;
    }
    if (!it->enabled) {
        app_flash(a, 1, "%s: %s", label, it->why);
        free(label);
        return;
    }
    free(label);
    act_clear_choice(t);
    t->args.kind = k;
    t->a_cluster = x_strdup(t->cluster);
    t->args.cluster = t->a_cluster;
    t->args.max_lag_bytes = act_max_lag(a);
    t->args.preset = ACTION_PRESET_HA;
    switch (k) {
    case ACTION_RESTART:
    case ACTION_REPLICA_REMOVE:
        if (t->node)
            t->a_node = x_strdup(t->node);
        break;
    case ACTION_SCALE_MEMORY:
    case ACTION_VOLUME_EXTEND:
        if (t->node && t->from_node_view)
            t->a_node = x_strdup(t->node);
        break;
    case ACTION_SNAPSHOT:
        if (t->node)
            t->a_node = x_strdup(t->node);
        break;
    default:
        break;
    }
    t->args.node = t->a_node;
    t->args.org = a->ctx->org;
    switch (k) {
    case ACTION_SCALE_MEMORY:
        act_ask_arg(a, ACT_ARG_MEMORY, NULL);
        break;
    case ACTION_VOLUME_EXTEND:
        act_ask_arg(a, ACT_ARG_SIZE, NULL);
        break;
    case ACTION_REPLICA_ADD:
        act_ask_arg(a, ACT_ARG_REGION, NULL);
        break;
    case ACTION_CREATE:
        act_ask_arg(a, ACT_ARG_NAME, NULL);
        break;
    case ACTION_FAILOVER:
        act_candidates(a);
        break;
    default:
        act_preview(a);
        break;
    }
}

/* ---- arguments on the input line ---- */

static void act_ask_arg(struct app *a, enum act_arg arg, const char *error)
{
    struct act *t = a->act;

    t->arg = arg;
    act_prompt_set(a, arg, error);
    a->input = APP_INPUT_ARG;
    buf_reset(&a->line);
    curs_set(1);
    act_dirty(a);
}

/* The prompt of ARG, after ERROR when the last value was refused. */
static void act_prompt_set(struct app *a, enum act_arg arg, const char *error)
{
    struct act *t = a->act;
    const struct fleet_model *m = app_model(a);
    const struct fleet_cluster *c =
        m && t->cluster ? fleet_model_cluster(m, t->cluster) : NULL;
    const struct fleet_node *nd =
        c && t->a_node ? fleet_cluster_node(c, t->a_node) : NULL;
    struct buf b = BUF_INIT;

    if (!nd && c && c->primary >= 0 && (size_t)c->primary < c->n_nodes)
        nd = &c->nodes[c->primary];
    if (error) {
        static const char *const short_names[] = {
            [ACT_ARG_NONE] = "",        [ACT_ARG_MEMORY] = "memory MB",
            [ACT_ARG_SIZE] = "size GB", [ACT_ARG_REGION] = "region",
            [ACT_ARG_NAME] = "name",    [ACT_ARG_PRESET] = "preset",
            [ACT_ARG_AS] = "name"};

        buf_printf(&b, "%s; %s: ", error, short_names[arg]);
        arg = ACT_ARG_NONE;
    }
    switch (arg) {
    case ACT_ARG_MEMORY:
        buf_printf(&b, "memory in MB for %s",
                   t->a_node ? t->a_node : "every node");
        if (nd && nd->memory_mb > 0)
            buf_printf(&b, " (now %d MB, %s x%d)", nd->memory_mb,
                       nd->cpu_kind ? nd->cpu_kind : "?", nd->cpus);
        break;
    case ACT_ARG_SIZE:
        buf_printf(&b, "new volume size in GB for %s",
                   t->a_node ? t->a_node : "every node");
        if (nd && nd->volume.size_gb > 0)
            buf_printf(&b, " (now %d GB; grow only)", nd->volume.size_gb);
        break;
    case ACT_ARG_REGION:
        buf_printf(&b, "region of the new %s",
                   t->args.kind == ACTION_CREATE ? "cluster" : "replica");
        if (c && *c->primary_region)
            buf_printf(&b, " (Enter: %s)", c->primary_region);
        break;
    case ACT_ARG_NAME:
        buf_puts(&b, "name of the new cluster");
        break;
    case ACT_ARG_AS:
        buf_printf(&b, "restore %s as a new cluster named",
                   t->a_snapshot ? t->a_snapshot : "?");
        break;
    case ACT_ARG_PRESET:
        buf_puts(&b, "preset: development (1 node) or ha (3 nodes) "
                     "(Enter: ha)");
        break;
    default:
        break;
    }
    if (!error)
        buf_puts(&b, ": ");
    free(t->prompt);
    t->prompt = buf_steal(&b);
}

const char *act_prompt(const struct app *a)
{
    return a->act && a->act->prompt ? a->act->prompt : "> ";
}

/* A whole positive number, or -1. */
static long act_number(const char *s)
{
    char *end = NULL;
    long v;

    if (!*s)
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v <= 0)
        return -1;
    return v;
}

/* A region or app name: [a-z0-9-], 1..63. */
static int act_name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 63)
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

void act_arg_done(struct app *a, const char *text, int cancelled)
{
    struct act *t = a->act;
    const struct fleet_model *m = app_model(a);
    const struct fleet_cluster *c =
        m && t->cluster ? fleet_model_cluster(m, t->cluster) : NULL;
    enum act_arg arg = t->arg;
    char *v;
    long n;
    size_t len;

    t->arg = ACT_ARG_NONE;
    curs_set(0);
    act_dirty(a);
    if (cancelled || !text) {
        /* Back to where the action was chosen. */
        t->mode = arg == ACT_ARG_AS ? ACT_MODE_SNAPSHOTS : ACT_MODE_MENU;
        return;
    }
    while (*text == ' ')
        text++;
    v = x_strdup(text);
    len = strlen(v);
    while (len > 0 && v[len - 1] == ' ')
        v[--len] = '\0';
    switch (arg) {
    case ACT_ARG_MEMORY:
        n = act_number(v);
        if (n < 0) {
            act_ask_arg(a, arg, "not a whole number of MB");
            break;
        }
        t->args.memory_mb = n;
        act_preview(a);
        break;
    case ACT_ARG_SIZE:
        n = act_number(v);
        if (n < 0) {
            act_ask_arg(a, arg, "not a whole number of GB");
            break;
        }
        t->args.size_gb = n;
        act_preview(a);
        break;
    case ACT_ARG_REGION:
        if (!*v && c && *c->primary_region) {
            free(v);
            v = x_strdup(c->primary_region);
        }
        if (!act_name_ok(v)) {
            act_ask_arg(a, arg, "not a region code");
            break;
        }
        free(t->a_region);
        t->a_region = x_strdup(v);
        t->args.region = t->a_region;
        if (t->args.kind == ACTION_CREATE)
            act_ask_arg(a, ACT_ARG_PRESET, NULL);
        else
            act_preview(a);
        break;
    case ACT_ARG_NAME:
        if (!act_name_ok(v)) {
            act_ask_arg(a, arg, "only a-z, 0-9 and -");
            break;
        }
        if (m && fleet_model_cluster(m, v)) {
            act_ask_arg(a, arg, "that cluster exists");
            break;
        }
        free(t->a_cluster);
        t->a_cluster = x_strdup(v);
        t->args.cluster = t->a_cluster;
        act_ask_arg(a, ACT_ARG_REGION, NULL);
        break;
    case ACT_ARG_AS:
        if (!act_name_ok(v)) {
            act_ask_arg(a, arg, "only a-z, 0-9 and -");
            break;
        }
        if (m && (fleet_model_cluster(m, v) || fleet_model_unknown(m, v))) {
            act_ask_arg(a, arg, "that app exists");
            break;
        }
        free(t->a_as);
        t->a_as = x_strdup(v);
        t->args.as = t->a_as;
        act_preview(a);
        break;
    case ACT_ARG_PRESET:
        if (!*v || strcmp(v, "ha") == 0)
            t->args.preset = ACTION_PRESET_HA;
        else if (strcmp(v, "development") == 0 || strcmp(v, "dev") == 0)
            t->args.preset = ACTION_PRESET_DEVELOPMENT;
        else {
            act_ask_arg(a, arg, "development or ha");
            break;
        }
        act_preview(a);
        break;
    default:
        break;
    }
    free(v);
}

/* ---- building ---- */

/* Builds the plan of t->args from the current model into t->plan, t->pf
 * and t->text.  Returns 0, or -1 with t->now_refused set (t->pf then holds
 * the refusing preflight; t->plan the last good build, if any). */
static int act_rebuild(struct app *a)
{
    struct act *t = a->act;
    const struct fleet_model *m = app_model(a);
    const struct fleet_cluster *c = NULL;
    struct action_preflight pf;
    struct plan *p = NULL;
    const char *why = NULL;
    int rc;

    memset(&pf, 0, sizeof pf);
    if (!m)
        why = "no data from the platform yet";
    else if (m->from_cache || !a->fleet)
        why = "the data shown is from the cache: wait for a live refresh";
    else if (t->args.kind != ACTION_CREATE) {
        c = fleet_model_cluster(m, t->a_cluster);
        if (!c)
            why = "the cluster is not in this context (any more)";
    }
    if (m)
        t->built_gen = m->generation;
    if (why) {
        free(t->now_refused);
        t->now_refused = x_strdup(why);
        return -1;
    }
    if (!t->plan_id)
        t->plan_id = plan_new_id();
    rc = action_build(c, &t->args, t->plan_id, &p, &pf);
    action_preflight_clear(&t->pf);
    t->pf = pf;
    /* The candidates may be fewer now: keep the selection on one. */
    if (t->cand_sel >= (int)t->pf.n_candidates)
        t->cand_sel = t->pf.n_candidates > 0 ? (int)t->pf.n_candidates - 1 : 0;
    free(t->now_refused);
    t->now_refused = NULL;
    if (rc != 0 || !p) {
        plan_free(p);
        t->now_refused =
            x_strdup(pf.reason && *pf.reason ? pf.reason
                                             : "refused by a pre-flight check");
        return -1;
    }
    plan_free(t->plan);
    t->plan = p;
    buf_reset(&t->text);
    if (t->args.kind == ACTION_HA)
        act_ha_preview_text(&t->pf, p, &t->text);
    else
        plan_render(p, &t->text);
    return 0;
}

/* The refusal dialog: REASON and, for a failover, every candidate with
 * its reason. */
static void act_refused(struct app *a, const char *reason)
{
    struct act *t = a->act;
    struct buf b = BUF_INIT;
    char *title;
    size_t i;

    buf_printf(&b, "refused: %s\n", reason);
    if (t->pf.n_checks > 0) {
        buf_puts(&b, "\npre-flight:\n");
        act_ha_checklist(t->pf.checks, t->pf.n_checks, &b);
    }
    if (t->pf.n_candidates > 0) {
        buf_puts(&b, "\ncandidates:\n");
        for (i = 0; i < t->pf.n_candidates; i++) {
            const struct action_candidate *cd = &t->pf.candidates[i];

            buf_printf(
                &b, "  %s %s: %s\n", cd->id, cd->region ? cd->region : "",
                cd->eligible ? "eligible"
                             : (cd->reason ? cd->reason : "not eligible"));
        }
    }
    buf_puts(&b, "\nnothing was sent to the platform");
    title = x_asprintf("%s %s", action_label(t->args.kind),
                       t->a_cluster ? t->a_cluster : "");
    act_message(a, title, buf_str(&b), 1);
    free(title);
    buf_free(&b);
}

static void act_message(struct app *a, const char *title, const char *text,
                        int crit)
{
    struct act *t = a->act;
    char *tt = x_strdup(title), *tx = x_strdup(text);

    act_clear_choice(t);
    free(t->msg_title);
    t->msg_title = tt;
    buf_reset(&t->msg);
    buf_puts(&t->msg, tx);
    free(tx);
    t->msg_crit = crit;
    t->mode = ACT_MODE_MESSAGE;
    act_dirty(a);
}

static void act_preview(struct app *a)
{
    struct act *t = a->act;

    if (act_rebuild(a) != 0) {
        char *why = x_strdup(t->now_refused);

        act_refused(a, why);
        free(why);
        return;
    }
    t->mode = ACT_MODE_PREVIEW;
    t->scroll = 0;
    t->run_focus = 0;
    buf_reset(&t->typed);
    t->typed_wrong = 0;
    act_dirty(a);
}

static void act_candidates(struct app *a)
{
    struct act *t = a->act;
    const char *new_id;
    size_t i;

    t->args.to = NULL;
    if (act_rebuild(a) != 0) {
        char *why = x_strdup(t->now_refused);

        act_refused(a, why);
        free(why);
        return;
    }
    /* The builder's choice first (the plan's "new": the primary region,
     * replaying before paused, the least lag), else the first eligible. */
    new_id = t->plan ? plan_var(t->plan, "new") : NULL;
    t->cand_sel = -1;
    for (i = 0; i < t->pf.n_candidates; i++) {
        const struct action_candidate *cd = &t->pf.candidates[i];

        if (new_id && strcmp(cd->id, new_id) == 0) {
            t->cand_sel = (int)i;
            break;
        }
        if (cd->eligible && t->cand_sel < 0)
            t->cand_sel = (int)i;
    }
    if (t->cand_sel < 0)
        t->cand_sel = 0;
    t->mode = ACT_MODE_CANDIDATES;
    act_dirty(a);
}

/* Whether X and Y send the same requests in the same order. */
static int act_same_steps(const struct plan *x, const struct plan *y)
{
    size_t i;

    if (x->n_steps != y->n_steps)
        return 0;
    for (i = 0; i < x->n_steps; i++) {
        const struct plan_step *p = &x->steps[i], *q = &y->steps[i];

        if (strcmp(p->req.method, q->req.method) != 0 ||
            strcmp(p->req.path, q->req.path) != 0 ||
            strcmp(p->req.body ? p->req.body : "",
                   q->req.body ? q->req.body : "") != 0)
            return 0;
    }
    for (i = 0; i < x->n_vars && i < PLAN_MAX_VARS; i++) {
        const char *vx = x->vars[i].value, *vy = plan_var(y, x->vars[i].name);

        if (!vx != !vy || (vx && strcmp(vx, vy) != 0))
            return 0;
    }
    return 1;
}

/* ---- running ---- */

static void act_run_opts(const struct app *a, struct plan_run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->context = a->ctx->name;
    o->graphql = a->graphql;
}

/* The confirmation was given: build once more from the latest model and
 * run that, unless it refuses or sends other requests than were shown. */
static void act_confirmed(struct app *a)
{
    struct act *t = a->act;
    struct plan *shown = t->plan, *p;
    struct plan_run_opts o;

    if (!a->http) {
        app_flash(a, 1, "not connected to the platform: not run");
        return;
    }
    t->plan = NULL;
    if (act_rebuild(a) != 0) {
        char *why = x_strdup(t->now_refused);

        plan_free(shown);
        act_refused(a, why);
        free(why);
        return;
    }
    if (shown && !act_same_steps(shown, t->plan)) {
        plan_free(shown);
        t->scroll = 0;
        buf_reset(&t->typed);
        t->run_focus = 0;
        app_flash(a, 1,
                  "the plan changed with the latest data: review it and "
                  "confirm again (nothing was run)");
        act_dirty(a);
        return;
    }
    plan_free(shown);
    p = t->plan;
    t->plan = NULL;
    if (t->args.kind == ACTION_HA)
        act_ha_remember(a, t->a_cluster);
    log_msg("ui: running plan %s (%s)", p->id, p->summary ? p->summary : "");
    act_run_opts(a, &o);
    t->run = plan_run_start(a->loop, a->http, p, &o, act_on_run, a);
    act_clear_choice(t);
    t->mode = ACT_MODE_PROGRESS;
    t->run_hidden = 0;
    t->run_unseen = 0;
    t->prog_scroll = -1;
    act_dirty(a);
}

char *act_outcome_line(const struct plan_run *r)
{
    const char *err = plan_run_error(r);
    char d[UI_FMT_CAP];

    format_duration(plan_run_elapsed_ms(r), d, sizeof d);
    switch (plan_run_outcome(r)) {
    case PLAN_OUTCOME_NONE:
        return x_asprintf("running for %s", d);
    case PLAN_OUTCOME_DONE:
        return x_asprintf("done: every step done in %s", d);
    case PLAN_OUTCOME_REFUSED:
        return x_asprintf("refused: %s (nothing was changed)",
                          err ? err : "by the platform");
    case PLAN_OUTCOME_FAILED:
        return x_asprintf("failed: %s", err ? err : "a step failed");
    case PLAN_OUTCOME_UNKNOWN:
        return x_asprintf("unknown: %s (a request got no answer: it may or "
                          "may not have taken effect; look at the cluster "
                          "before trying again)",
                          err ? err : "no answer");
    case PLAN_OUTCOME_ABORTED:
        return x_asprintf("aborted%s%s", err ? ": " : "", err ? err : "");
    }
    return x_strdup("?");
}

static void act_on_run(struct plan_run *r, size_t step, void *arg)
{
    struct app *a = arg;
    struct act *t = a->act;
    enum plan_outcome o = plan_run_outcome(r);

    (void)step;
    a->dirty |= APP_DIRTY_BODY | APP_DIRTY_TITLE | APP_DIRTY_HINTS;
    if (o == PLAN_OUTCOME_NONE)
        return;
    {
        const struct plan *p = plan_run_plan(r);
        char *line = act_outcome_line(r);

        log_msg("ui: plan %s: %s", p ? p->id : "?", line);
        if (t->run_hidden || t->mode != ACT_MODE_PROGRESS) {
            t->run_unseen = 1;
            app_flash(a, o != PLAN_OUTCOME_DONE, "plan %s: %s",
                      p && p->summary ? p->summary : "", line);
        }
        free(line);
    }
    if (a->fleet)
        fleet_refresh_now(a->fleet);
}

int act_running(const struct app *a)
{
    return a->act && a->act->run &&
           plan_run_outcome(a->act->run) == PLAN_OUTCOME_NONE;
}

int act_may_switch(struct app *a)
{
    struct act *t = a->act;

    if (act_running(a)) {
        app_flash(a, 1,
                  "a plan is running in this context: wait for it, or "
                  "cancel it (a, then c)");
        return 0;
    }
    if (t->run) {
        plan_run_free(t->run);
        t->run = NULL;
        t->run_unseen = 0;
    }
    if (t->mode != ACT_MODE_NONE)
        act_close(a);
    return 1;
}

void act_detach(struct app *a)
{
    struct act *t = a->act;

    if (!t || t->detached || !act_running(a))
        return;
    t->detached = 1;
    log_msg("ui: detaching plan %s: its journal stays for resume",
            plan_run_plan(t->run) ? plan_run_plan(t->run)->id : "?");
    plan_run_detach(t->run);
}

static void act_ask(struct app *a, enum act_ask what)
{
    struct act *t = a->act;

    t->ask_back = t->mode;
    t->ask = what;
    t->ask_yes_focus = 0;
    t->mode = ACT_MODE_ASK;
    act_dirty(a);
}

int act_quit(struct app *a)
{
    if (!act_running(a))
        return 1;
    if (a->act->mode == ACT_MODE_ASK)
        return 0;
    act_ask(a, ACT_ASK_QUIT);
    return 0;
}

/* ---- resume ---- */

static void act_journals_clear(struct act *t)
{
    size_t i;

    for (i = 0; i < t->n_journals; i++)
        plan_journal_clear(&t->journals[i]);
    free(t->journals);
    t->journals = NULL;
    t->n_journals = t->next_journal = 0;
}

void act_scan(struct app *a)
{
    struct act *t = a->act;
    struct buf err = BUF_INIT;
    char *dir, **files;
    size_t n = 0, i;

    if (!t)
        return;
    act_journals_clear(t);
    free(t->load_errors);
    t->load_errors = NULL;
    dir = plan_journal_dir();
    files = dir ? plan_journal_list(dir, &n) : NULL;
    if (n > 0)
        t->journals = x_calloc(n, sizeof *t->journals);
    for (i = 0; i < n; i++) {
        struct plan_journal j;
        char *cause = NULL;

        memset(&j, 0, sizeof j);
        if (plan_journal_load(files[i], &j, &cause) != 0) {
            buf_printf(&err, "%s\n", cause ? cause : files[i]);
            free(cause);
            plan_journal_clear(&j);
            continue;
        }
        if (j.context && strcmp(j.context, a->ctx->name) != 0) {
            log_msg("ui: plan %s belongs to context %s",
                    j.plan ? j.plan->id : "?", j.context);
            buf_printf(&err,
                       "plan %s (%s) was interrupted in context %s: "
                       "switch to it (:ctx %s) to resume or abort it\n",
                       j.plan ? j.plan->id : "?",
                       j.plan && j.plan->summary ? j.plan->summary : "",
                       j.context, j.context);
            plan_journal_clear(&j);
            continue;
        }
        t->journals[t->n_journals++] = j;
    }
    for (i = 0; files && files[i]; i++)
        free(files[i]);
    free(files);
    free(dir);
    if (err.len > 0)
        t->load_errors = buf_steal(&err);
    buf_free(&err);
}

/* Opens the next resume dialog (or the load errors first). */
static void act_next_resume(struct app *a)
{
    struct act *t = a->act;
    size_t left = t->n_journals - t->next_journal;

    if (t->load_errors) {
        char *text = t->load_errors;

        t->load_errors = NULL;
        act_message(a, "plan journals", text, 1);
        free(text);
        return;
    }
    if (left == 0)
        return;
    if (a->ctx->read_only) {
        app_flash(a, 1,
                  "%zu interrupted plan%s (%s first): read-only context, not "
                  "resumed (pgdeck resume or abort without --read-only)",
                  left, left == 1 ? "" : "s",
                  t->journals[t->next_journal].plan->id);
        while (t->next_journal < t->n_journals)
            plan_journal_clear(&t->journals[t->next_journal++]);
        return;
    }
    t->mode = ACT_MODE_RESUME;
    act_dirty(a);
}

static void act_resume(struct app *a, enum plan_resume_mode mode)
{
    struct act *t = a->act;
    struct plan_journal *j = &t->journals[t->next_journal];
    struct plan_run_opts o;

    if (!a->http) {
        app_flash(a, 1, "not connected to the platform yet");
        return;
    }
    log_msg("ui: %s plan %s", mode == PLAN_RESUME ? "resuming" : "aborting",
            j->plan ? j->plan->id : "?");
    act_run_opts(a, &o);
    t->run = plan_run_resume(a->loop, a->http, j, mode, &o, act_on_run, a);
    plan_journal_clear(j); /* zeroed by the run: nothing left to free */
    t->next_journal++;
    t->mode = ACT_MODE_PROGRESS;
    t->run_hidden = 0;
    t->run_unseen = 0;
    t->prog_scroll = -1;
    act_dirty(a);
}

void act_tick(struct app *a)
{
    struct act *t = a->act;
    const struct fleet_model *m = app_model(a);

    if (!t)
        return;
    if (m && m->generation != t->built_gen && a->input == APP_INPUT_NONE) {
        if (t->mode == ACT_MODE_MENU) {
            act_menu_refresh(a);
            a->dirty |= APP_DIRTY_BODY;
        } else if (t->mode == ACT_MODE_PREVIEW ||
                   t->mode == ACT_MODE_CANDIDATES) {
            act_rebuild(a);
            a->dirty |= APP_DIRTY_BODY;
        }
    }
    if (t->mode == ACT_MODE_NONE && !t->run && a->input == APP_INPUT_NONE &&
        a->http && (t->load_errors || t->next_journal < t->n_journals))
        act_next_resume(a);
}

/* ---- keys ---- */

int act_active(const struct app *a)
{
    return a->act && a->act->mode != ACT_MODE_NONE;
}

/* Movement keys in a dialog: arrows, PgUp/PgDn, Home/End and, with
 * LETTERS, the view's bindings (j, k, g, G).  *DELTA: rows, +-INT_MAX/2
 * for the ends. */
static int act_motion(const struct app *a, int ch, int letters, int *delta)
{
    int action = -1;

    switch (ch) {
    case KEY_UP:
        *delta = -1;
        return 1;
    case KEY_DOWN:
        *delta = 1;
        return 1;
    case KEY_PPAGE:
        *delta = -ACT_PAGE;
        return 1;
    case KEY_NPAGE:
        *delta = ACT_PAGE;
        return 1;
    case KEY_HOME:
        *delta = -1000000;
        return 1;
    case KEY_END:
        *delta = 1000000;
        return 1;
    default:
        break;
    }
    if (!letters)
        return 0;
    action = keys_lookup(a->keys, ch, KEYS_VIEW_CLUSTER);
    switch (action) {
    case SETTINGS_ACTION_UP:
        *delta = -1;
        return 1;
    case SETTINGS_ACTION_DOWN:
        *delta = 1;
        return 1;
    case SETTINGS_ACTION_TOP:
        *delta = -1000000;
        return 1;
    case SETTINGS_ACTION_BOTTOM:
        *delta = 1000000;
        return 1;
    default:
        return 0;
    }
}

static int act_clamp(int v, int lo, int hi)
{
    if (v > hi)
        v = hi;
    if (v < lo)
        v = lo;
    return v;
}

static void act_key_menu(struct app *a, int ch)
{
    struct act *t = a->act;
    int d;

    if (ch == 27 || ch == 'q') {
        act_close(a);
        return;
    }
    if (act_is_enter(ch)) {
        act_choose(a);
        return;
    }
    if (act_motion(a, ch, 1, &d)) {
        t->menu_sel = act_clamp(t->menu_sel + d, 0, ACTION__COUNT - 1);
        act_dirty(a);
    }
}

static void act_key_candidates(struct app *a, int ch)
{
    struct act *t = a->act;
    int d;

    if (ch == 27 || ch == 'q') {
        act_close(a);
        return;
    }
    if (act_is_enter(ch)) {
        const struct action_candidate *cd;

        if (t->now_refused) {
            app_flash(a, 1, "failover refused now: %s", t->now_refused);
            return;
        }
        if (t->cand_sel < 0 || (size_t)t->cand_sel >= t->pf.n_candidates)
            return;
        cd = &t->pf.candidates[t->cand_sel];
        if (!cd->eligible) {
            app_flash(a, 1, "%s is not eligible: %s", cd->id,
                      cd->reason ? cd->reason : "?");
            return;
        }
        free(t->a_to);
        t->a_to = x_strdup(cd->id);
        t->args.to = t->a_to;
        free(t->plan_id);
        t->plan_id = NULL;
        act_preview(a);
        return;
    }
    if (ch == 'f' || ch == 's') {
        /* The CLI's --force and --allow-secondary-region: the table is
         * rebuilt with the candidates they make eligible. */
        if (ch == 'f')
            t->args.force = !t->args.force;
        else
            t->args.allow_secondary_region = !t->args.allow_secondary_region;
        (void)act_rebuild(a);
        app_flash(a, 0, "%s %s",
                  ch == 'f' ? "force (lagging candidates eligible):"
                            : "candidates outside the primary region:",
                  (ch == 'f' ? t->args.force : t->args.allow_secondary_region)
                      ? "on"
                      : "off");
        act_dirty(a);
        return;
    }
    if (act_motion(a, ch, 1, &d) && t->pf.n_candidates > 0) {
        t->cand_sel =
            act_clamp(t->cand_sel + d, 0, (int)t->pf.n_candidates - 1);
        act_dirty(a);
    }
}

/* Whether the chosen action's plan may start with a snapshot (the plans
 * that can lose data). */
static int act_snapshot_first_applies(const struct act *t)
{
    return t->args.kind == ACTION_FAILOVER ||
           t->args.kind == ACTION_REPLICA_REMOVE ||
           t->args.kind == ACTION_SCALE_MEMORY;
}

static void act_key_preview(struct app *a, int ch)
{
    struct act *t = a->act;
    int high = t->plan && t->plan->risk == PLAN_RISK_HIGH;
    int d;

    if (ch == 27) {
        act_close(a);
        app_flash(a, 0, "cancelled: nothing was run");
        return;
    }
    if (ch == ('N' & 0x1f) && act_snapshot_first_applies(t)) {
        t->args.no_snapshot = !t->args.no_snapshot;
        (void)act_rebuild(a);
        app_flash(a, 0, "snapshot first: %s",
                  t->args.no_snapshot ? "off (--no-snapshot)" : "on");
        act_dirty(a);
        return;
    }
    if (act_motion(a, ch, !high, &d)) {
        /* The upper bound depends on the wrapping: act_draw_preview
         * clamps it. */
        t->scroll = act_clamp(t->scroll + d, 0, 1000000);
        act_dirty(a);
        return;
    }
    if (!high) {
        if (ch == 'y' || ch == 'Y' || (act_is_enter(ch) && t->run_focus)) {
            if (t->now_refused) {
                app_flash(a, 1, "refused now: %s", t->now_refused);
                return;
            }
            act_confirmed(a);
        } else if (act_is_enter(ch) || ch == 'n' || ch == 'N' || ch == 'q') {
            act_close(a);
            app_flash(a, 0, "cancelled: nothing was run");
        } else if (ch == '\t' || ch == KEY_BTAB || ch == KEY_LEFT ||
                   ch == KEY_RIGHT) {
            t->run_focus = !t->run_focus;
            act_dirty(a);
        }
        return;
    }
    if (act_is_enter(ch)) {
        if (strcmp(buf_str(&t->typed), t->plan->cluster) != 0) {
            t->typed_wrong = 1;
            buf_reset(&t->typed);
            app_flash(a, 1, "the name typed is not %s: not run",
                      t->plan->cluster);
            act_dirty(a);
            return;
        }
        if (t->now_refused) {
            app_flash(a, 1, "refused now: %s", t->now_refused);
            return;
        }
        act_confirmed(a);
        return;
    }
    if (act_is_backspace(ch)) {
        if (t->typed.len > 0)
            t->typed.data[--t->typed.len] = '\0';
    } else if (ch == ('U' & 0x1f)) {
        buf_reset(&t->typed);
    } else if (ch > 0x20 && ch < 0x7f) {
        if (t->typed.len < ACT_TYPED_MAX)
            buf_putc(&t->typed, (char)ch);
        t->typed_wrong = 0;
    } else {
        return;
    }
    act_dirty(a);
}

/* Whether the run R ended leaving its journal for a retry or a roll
 * back: it failed, or a request got no answer. */
static int act_retryable(const struct plan_run *r)
{
    enum plan_outcome o = r ? plan_run_outcome(r) : PLAN_OUTCOME_NONE;

    return o == PLAN_OUTCOME_FAILED || o == PLAN_OUTCOME_UNKNOWN;
}

/* After a failed run: retry (PLAN_RESUME: reconcile the failed step, run
 * it again, go on) or roll back (PLAN_ABORT: the plan's abort steps, which
 * remove what it added), from the journal it left. */
static void act_retry(struct app *a, enum plan_resume_mode mode)
{
    struct act *t = a->act;
    const struct plan *p = plan_run_plan(t->run);
    struct plan_journal j;
    struct plan_run_opts o;
    char *dir, *file, *cause = NULL;

    if (!a->http || !p) {
        app_flash(a, 1, "not connected to the platform: nothing was run");
        return;
    }
    dir = plan_journal_dir();
    file = x_asprintf("%s/%s.json", dir, p->id);
    free(dir);
    memset(&j, 0, sizeof j);
    if (plan_journal_load(file, &j, &cause) != 0) {
        app_flash(a, 1, "plan %s: %s", p->id, cause);
        free(cause);
        free(file);
        return;
    }
    free(file);
    log_msg("ui: %s plan %s after it %s",
            mode == PLAN_RESUME ? "retrying" : "rolling back", p->id,
            plan_outcome_name(plan_run_outcome(t->run)));
    plan_run_free(t->run);
    act_run_opts(a, &o);
    t->run = plan_run_resume(a->loop, a->http, &j, mode, &o, act_on_run, a);
    plan_journal_clear(&j);
    act_show_run(a);
}

static void act_key_progress(struct app *a, int ch)
{
    struct act *t = a->act;
    int running = act_running(a), d;
    int action = keys_lookup(a->keys, ch, KEYS_VIEW_CLUSTER);

    if (ch == 27 || action == SETTINGS_ACTION_ACTIONS) {
        if (running) {
            t->mode = ACT_MODE_NONE;
            t->run_hidden = 1;
            app_flash(a, 0, "the plan keeps running: a shows it again");
        } else {
            plan_run_free(t->run);
            t->run = NULL;
            t->run_hidden = t->run_unseen = 0;
            t->mode = ACT_MODE_NONE;
        }
        act_focus(a, 0);
        act_dirty(a);
        return;
    }
    if ((ch == 'c' || ch == 'C') && running) {
        act_ask(a, ACT_ASK_CANCEL_RUN);
        return;
    }
    if ((ch == 'r' || ch == 'R' || ch == 'b' || ch == 'B') &&
        act_retryable(t->run)) {
        act_retry(a, ch == 'r' || ch == 'R' ? PLAN_RESUME : PLAN_ABORT);
        return;
    }
    if (action == SETTINGS_ACTION_QUIT) {
        if (act_quit(a))
            a->quit = 1;
        return;
    }
    if (act_motion(a, ch, 1, &d)) {
        const struct plan *p = plan_run_plan(t->run);
        int n = p ? (int)(p->n_steps + p->n_abort_steps) : 0;
        int cur = t->prog_scroll;

        if (cur < 0) {
            const struct plan_journal *j = plan_run_journal(t->run);

            cur = j ? (int)j->current : 0;
        }
        t->prog_scroll = act_clamp(cur + d, 0, n > 0 ? n - 1 : 0);
        act_dirty(a);
    }
}

static void act_key_resume(struct app *a, int ch)
{
    struct act *t = a->act;

    switch (ch) {
    case 'r':
    case 'R':
        act_resume(a, PLAN_RESUME);
        break;
    case 'a':
    case 'A':
        act_resume(a, PLAN_ABORT);
        break;
    case 'l':
    case 'L':
    case 27:
        log_msg("ui: plan %s left for later",
                t->journals[t->next_journal].plan
                    ? t->journals[t->next_journal].plan->id
                    : "?");
        plan_journal_clear(&t->journals[t->next_journal]);
        t->next_journal++;
        t->mode = ACT_MODE_NONE;
        app_flash(a, 0,
                  "left for later: pgdeck resume or abort, or restart "
                  "the console");
        act_dirty(a);
        break;
    default:
        break;
    }
}

static void act_key_ask(struct app *a, int ch)
{
    struct act *t = a->act;
    int yes = ch == 'y' || ch == 'Y' || (act_is_enter(ch) && t->ask_yes_focus);

    if (ch == '\t' || ch == KEY_BTAB || ch == KEY_LEFT || ch == KEY_RIGHT) {
        t->ask_yes_focus = !t->ask_yes_focus;
        act_dirty(a);
        return;
    }
    if (!yes && !act_is_enter(ch) && ch != 27 && ch != 'n' && ch != 'N')
        return;
    t->mode = t->ask_back;
    act_dirty(a);
    if (!yes)
        return;
    switch (t->ask) {
    case ACT_ASK_CANCEL_RUN:
        if (act_running(a)) {
            plan_run_cancel(t->run);
            app_flash(a, 0,
                      "cancelling: the plan stops after the step in "
                      "flight and releases its leases");
        }
        break;
    case ACT_ASK_QUIT:
        act_detach(a);
        a->quit = 1;
        break;
    }
}

void act_key(struct app *a, int ch)
{
    struct act *t = a->act;

    switch (t->mode) {
    case ACT_MODE_MENU:
        act_key_menu(a, ch);
        break;
    case ACT_MODE_CANDIDATES:
        act_key_candidates(a, ch);
        break;
    case ACT_MODE_PREVIEW:
        act_key_preview(a, ch);
        break;
    case ACT_MODE_MESSAGE:
        if (ch == 27 || act_is_enter(ch) || ch == 'q' || ch == ' ') {
            t->mode = ACT_MODE_NONE;
            act_focus(a, 0);
            act_dirty(a);
        }
        break;
    case ACT_MODE_PROGRESS:
        act_key_progress(a, ch);
        break;
    case ACT_MODE_RESUME:
        act_key_resume(a, ch);
        break;
    case ACT_MODE_ASK:
        act_key_ask(a, ch);
        break;
    case ACT_MODE_SNAPSHOTS:
        act_snap_key(a, ch);
        break;
    default:
        break;
    }
}

const char *act_hints(const struct app *a)
{
    const struct act *t = a->act;

    switch (t->mode) {
    case ACT_MODE_MENU:
        return " Enter choose  j/k move  Esc close";
    case ACT_MODE_CANDIDATES:
        return " Enter fail over to the selected node  j/k move  Esc cancel";
    case ACT_MODE_PREVIEW:
        if (t->plan && t->plan->risk == PLAN_RISK_HIGH)
            return act_snapshot_first_applies(t)
                       ? " type the cluster name, Enter runs  Up/Down "
                         "scroll  C-n snapshot first on/off  Esc cancel"
                       : " type the cluster name, Enter runs  Up/Down/PgUp/"
                         "PgDn scroll  Esc cancel";
        if (act_snapshot_first_applies(t))
            return " y run  Enter/n/Esc cancel  Tab switch  j/k scroll  C-n "
                   "snapshot first on/off";
        return " y run  Enter/n/Esc cancel  Tab switch  j/k scroll";
    case ACT_MODE_MESSAGE:
        return " Enter/Esc close";
    case ACT_MODE_PROGRESS:
        if (act_running(a))
            return " Esc hide (the plan keeps running)  c cancel the plan  "
                   "j/k scroll";
        if (act_retryable(t->run))
            return " r retry the failed step  b roll back what the plan "
                   "did  Esc close";
        return " Esc close  j/k scroll";
    case ACT_MODE_RESUME:
        return " r resume  a abort  l later";
    case ACT_MODE_ASK:
        return " y yes  Enter/n/Esc no  Tab switch";
    case ACT_MODE_SNAPSHOTS:
        return " Enter restore as a new cluster  c take one now  r reload  "
               "j/k move  Esc close";
    default:
        return "";
    }
}

char *act_badge(const struct app *a)
{
    const struct act *t = a->act;
    const struct plan *p;

    if (!t || !t->run || t->mode == ACT_MODE_PROGRESS)
        return NULL;
    p = plan_run_plan(t->run);
    if (plan_run_outcome(t->run) == PLAN_OUTCOME_NONE)
        return x_asprintf("plan running: %s",
                          p && p->summary ? p->summary : "?");
    if (t->run_unseen)
        return x_asprintf("plan %s: %s (a shows it)",
                          plan_outcome_name(plan_run_outcome(t->run)),
                          p && p->summary ? p->summary : "?");
    return NULL;
}

void act_draw(struct app *a, const struct layout_areas *ar)
{
    switch (a->act->mode) {
    case ACT_MODE_MENU:
        act_draw_menu(a, ar);
        break;
    case ACT_MODE_CANDIDATES:
        act_draw_candidates(a, ar);
        break;
    case ACT_MODE_PREVIEW:
        act_draw_preview(a, ar);
        break;
    case ACT_MODE_MESSAGE:
        act_draw_message(a, ar);
        break;
    case ACT_MODE_PROGRESS:
        act_draw_progress(a, ar);
        break;
    case ACT_MODE_RESUME:
        act_draw_resume(a, ar);
        break;
    case ACT_MODE_ASK:
        act_draw_ask(a, ar);
        break;
    case ACT_MODE_SNAPSHOTS:
        act_draw_snapshots(a, ar);
        break;
    default:
        break;
    }
}

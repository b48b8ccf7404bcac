#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/context.h"
#include "src/fleet.h"
#include "src/fleet_impl.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/machines.h"
#include "src/settings.h"
#include "src/xmalloc.h"

/*
 * fleet: the refresh scheduler (see fleet.h).  A tick timer runs every fast
 * interval: a full round (apps list, then every app's machines and
 * volumes, then every node's probe) when the slow interval is due or one
 * was asked for; otherwise machines and volumes of the apps that are due
 * (the focused one every tick) and a probe of every node.  Answers go
 * through fleet_sync.c into the model.
 */

static void fleet_tick(struct loop *l, uint64_t id, void *arg);
static void fleet_notify(struct loop *l, uint64_t id, void *arg);
static void fleet_round_begin(struct fleet *f);
static void fleet_round_done(struct fleet *f);
static void fleet_on_apps(struct machines_result *r, void *arg);
static void fleet_on_machines(struct machines_result *r, void *arg);
static void fleet_on_volumes(struct machines_result *r, void *arg);
static void fleet_on_probe(const char *key, struct probe_result *res,
                           const char *error, void *arg);
static void fleet_fetch_app(struct fleet *f, struct fleet_app *a, int in_round);
static void fleet_probe_cluster(struct fleet *f, const char *app, int in_round);
static struct fleet_app *fleet_app_find(struct fleet *f, const char *name,
                                        int create);
static void fleet_app_free(struct fleet_app *a);
static void fleet_after(struct fleet *f);
static void fleet_schedule(struct fleet *f, int64_t delay_ms);
static void fleet_app_lists(struct fleet *f);

struct fleet *fleet_new(struct loop *loop, struct machines *machines,
                        const struct context *ctx, const struct settings *s,
                        const struct fleet_options *opts)
{
    struct fleet *f = x_calloc(1, sizeof *f);
    struct probe_config pc;
    const char *pw = NULL;

    f->loop = loop;
    f->api = machines;
    f->ctx = ctx;
    f->settings = s;
    derive_limits_from_settings(s, &f->lim);
    f->fast_ms = opts && opts->fast_ms > 0
                     ? opts->fast_ms
                     : (s ? settings_num(s, SETTINGS_REFRESH_FAST) : 2000);
    f->slow_ms = opts && opts->slow_ms > 0
                     ? opts->slow_ms
                     : (s ? settings_num(s, SETTINGS_REFRESH_SLOW) : 60000);
    f->do_probe = !opts || opts->probe;
    f->only = opts && opts->only ? x_strdup(opts->only) : NULL;
    f->m = fleet_model_new(ctx ? ctx->name : "", ctx ? ctx->org : "");

    memset(&pc, 0, sizeof pc);
    pc.user = ctx && ctx->pg_user ? ctx->pg_user : "postgres";
    if (ctx && ctx->pgcred == SETTINGS_PGCRED_PASSFILE)
        pc.passfile = ctx->pgcred_arg;
    if (ctx && ctx->pgcred == SETTINGS_PGCRED_ENV && ctx->pgcred_arg)
        pw = getenv(ctx->pgcred_arg);
    pc.password = pw;
    pc.connect_timeout_ms =
        s ? settings_num(s, SETTINGS_PG_CONNECT_TIMEOUT) : 3000;
    pc.statement_timeout_ms =
        s ? settings_num(s, SETTINGS_PG_STATEMENT_TIMEOUT) : 5000;
    pc.max_active = opts && opts->max_conns > 0 ? opts->max_conns : 32;
    f->probe = probe_new(loop, &pc);
    return f;
}

static void fleet_app_free(struct fleet_app *a)
{
    size_t i;

    if (a->mreq)
        machines_cancel(a->mreq);
    if (a->vreq)
        machines_cancel(a->vreq);
    api_volumes_free(a->volumes, a->n_volumes);
    for (i = 0; i < a->n_rows; i++) {
        free(a->rows[i].app_name);
        free(a->rows[i].state);
    }
    free(a->rows);
    free(a->primary_id);
    free(a->error);
    free(a->name);
}

void fleet_free(struct fleet *f)
{
    struct fleet_probe_op *op, *next;
    size_t i;

    if (!f)
        return;
    if (f->tick_timer)
        loop_timer_cancel(f->loop, f->tick_timer);
    if (f->notify_timer)
        loop_timer_cancel(f->loop, f->notify_timer);
    if (f->apps_req)
        machines_cancel(f->apps_req);
    for (op = f->probes; op; op = next) {
        next = op->next;
        free(op->app);
        free(op->node);
        free(op);
    }
    probe_free(f->probe); /* drops the requests without callbacks */
    for (i = 0; i < f->n_apps; i++)
        fleet_app_free(&f->apps[i]);
    free(f->apps);
    fleet_model_free(f->m);
    free(f->only);
    free(f->focus);
    free(f);
}

void fleet_adopt(struct fleet *f, struct fleet_model *snapshot)
{
    size_t i;

    if (!snapshot || f->started)
        return;
    fleet_model_free(f->m);
    f->m = snapshot;
    f->m->from_cache = 1;
    for (i = 0; i < f->m->n_clusters; i++) {
        struct fleet_app *a = fleet_app_find(f, f->m->clusters[i].name, 1);

        a->kind = FLEET_APP_POSTGRES;
    }
    f->m->generation++;
}

void fleet_start(struct fleet *f)
{
    if (f->started)
        return;
    f->started = 1;
    f->next_apps_ms = 0;
    fleet_schedule(f, 0);
}

const struct fleet_model *fleet_model(const struct fleet *f)
{
    return f->m;
}

void fleet_set_on_change(struct fleet *f, void (*cb)(void *arg), void *arg)
{
    f->on_change = cb;
    f->on_change_arg = arg;
}

void fleet_set_focus(struct fleet *f, const char *name)
{
    free(f->focus);
    f->focus = name ? x_strdup(name) : NULL;
}

void fleet_set_paused(struct fleet *f, int paused)
{
    f->paused = paused != 0;
    if (!f->paused && f->started)
        fleet_schedule(f, 0);
}

int fleet_paused(const struct fleet *f)
{
    return f->paused;
}

void fleet_set_interval(struct fleet *f, int64_t fast_ms)
{
    if (fast_ms < 1000)
        fast_ms = 1000;
    if (fast_ms > 60000)
        fast_ms = 60000;
    f->fast_ms = fast_ms;
}

int64_t fleet_interval(const struct fleet *f)
{
    return f->fast_ms;
}

void fleet_refresh_now(struct fleet *f)
{
    f->next_apps_ms = 0;
    if (f->started)
        fleet_schedule(f, 0);
}

int fleet_busy(const struct fleet *f)
{
    return f->round_active || f->probes || machines_pending(f->api) > 0;
}

/* (Re)arms the tick DELAY_MS from now. */
static void fleet_schedule(struct fleet *f, int64_t delay_ms)
{
    if (f->tick_timer)
        loop_timer_cancel(f->loop, f->tick_timer);
    f->tick_timer = loop_timer_add(f->loop, delay_ms, fleet_tick, f);
}

static struct fleet_app *fleet_app_find(struct fleet *f, const char *name,
                                        int create)
{
    size_t i;

    for (i = 0; i < f->n_apps; i++) {
        if (strcmp(f->apps[i].name, name) == 0)
            return &f->apps[i];
    }
    if (!create)
        return NULL;
    f->apps = x_reallocarray(f->apps, f->n_apps + 1, sizeof *f->apps);
    memset(&f->apps[f->n_apps], 0, sizeof *f->apps);
    f->apps[f->n_apps].name = x_strdup(name);
    f->apps[f->n_apps].machine_count = -1;
    return &f->apps[f->n_apps++];
}

static void fleet_tick(struct loop *l, uint64_t id, void *arg)
{
    struct fleet *f = arg;
    int64_t now = loop_now_ms();
    size_t i;

    (void)l;
    (void)id;
    f->tick_timer = 0;
    if (f->paused)
        return; /* fleet_set_paused(0) re-arms */
    if (!f->round_active && now >= f->next_apps_ms) {
        fleet_round_begin(f);
    } else {
        for (i = 0; i < f->n_apps; i++) {
            struct fleet_app *a = &f->apps[i];
            int focused = f->focus && strcmp(f->focus, a->name) == 0;

            /* Postgres apps, and apps whose first listing failed: they
             * are tried again at the same pace, not only with the next
             * apps list. */
            if (a->kind != FLEET_APP_POSTGRES &&
                !(a->kind == FLEET_APP_UNKNOWN && a->error))
                continue;
            if (focused || now >= a->next_api_ms)
                fleet_fetch_app(f, a, 0);
        }
        for (i = 0; f->do_probe && i < f->m->n_clusters; i++)
            fleet_probe_cluster(f, f->m->clusters[i].name, 0);
    }
    fleet_schedule(f, f->fast_ms);
}

static void fleet_round_begin(struct fleet *f)
{
    f->round_active = 1;
    f->round_pending = 1;
    f->next_apps_ms = loop_now_ms() + f->slow_ms;
    f->apps_req = machines_list_apps(f->api, f->m->org, fleet_on_apps, f);
}

static void fleet_round_done(struct fleet *f)
{
    f->round_active = 0;
    f->m->rounds++;
    f->m->refreshed_ms = fleet_wall_ms();
    if (f->m->status == FLEET_STATUS_OK)
        f->m->from_cache = 0;
    fleet_sync_touch(f);
    log_msg("fleet: round %llu done, %zu clusters",
            (unsigned long long)f->m->rounds, f->m->n_clusters);
}

/* One operation of the running round finished. */
static void fleet_round_step(struct fleet *f, int in_round)
{
    if (!in_round || !f->round_active)
        return;
    if (--f->round_pending == 0)
        fleet_round_done(f);
}

/* After a callback: tell the UI once per turn. */
static void fleet_after(struct fleet *f)
{
    if (f->dirty && !f->notify_timer)
        f->notify_timer = loop_timer_add(f->loop, 0, fleet_notify, f);
}

static void fleet_notify(struct loop *l, uint64_t id, void *arg)
{
    struct fleet *f = arg;

    (void)l;
    (void)id;
    f->notify_timer = 0;
    f->dirty = 0;
    if (f->on_change)
        f->on_change(f->on_change_arg);
}

static void fleet_on_apps(struct machines_result *r, void *arg)
{
    struct fleet *f = arg;
    struct fleet_model *m = f->m;
    int64_t now = fleet_wall_ms();
    size_t i;

    f->apps_req = NULL;
    if (r->error) {
        m->status =
            r->unreachable ? FLEET_STATUS_UNREACHABLE : FLEET_STATUS_ERROR;
        if (fleet_stale_set(&m->api, r->error, now))
            fleet_sync_touch(f);
        for (i = 0; i < f->n_apps; i++) {
            if (f->apps[i].kind == FLEET_APP_POSTGRES)
                fleet_fetch_app(f, &f->apps[i], 1);
        }
    } else {
        if (m->status != FLEET_STATUS_OK)
            fleet_sync_touch(f);
        m->status = FLEET_STATUS_OK;
        if (fleet_stale_set(&m->api, NULL, now))
            fleet_sync_touch(f);
        for (i = 0; i < f->n_apps; i++)
            f->apps[i].seen = 0;
        for (i = 0; i < r->n_apps; i++) {
            struct fleet_app *a;

            if (f->only && strcmp(f->only, r->apps[i].name) != 0)
                continue;
            a = fleet_app_find(f, r->apps[i].name, 1);
            a->seen = 1;
            if (a->kind == FLEET_APP_OTHER &&
                a->machine_count == r->apps[i].machine_count)
                continue;
            a->machine_count = r->apps[i].machine_count;
            fleet_fetch_app(f, a, 1);
        }
        /* Apps gone from the list: their clusters go too. */
        for (i = 0; i < f->n_apps;) {
            if (f->apps[i].seen) {
                i++;
                continue;
            }
            fleet_sync_drop_cluster(f, f->apps[i].name);
            fleet_app_free(&f->apps[i]);
            f->apps[i] = f->apps[--f->n_apps];
        }
        fleet_app_lists(f);
    }
    fleet_round_step(f, 1);
    fleet_after(f);
}

/* Lists machines (and volumes, for a Postgres app) of A. */
static void fleet_fetch_app(struct fleet *f, struct fleet_app *a, int in_round)
{
    int64_t slow =
        f->slow_ms / 4 > 4 * f->fast_ms ? f->slow_ms / 4 : 4 * f->fast_ms;

    a->next_api_ms = loop_now_ms() + slow;
    if (!a->mreq) {
        a->mreq_round = in_round && f->round_active;
        f->round_pending += a->mreq_round;
        a->mreq = machines_list_machines(f->api, a->name, fleet_on_machines, f);
    }
    /* Volumes only for an app known to be Postgres: one not classified
     * yet gets them when its machines say so (fleet_on_machines), so no
     * request is spent on other apps, and the machines of every app
     * (roles, then the SQL probes) come before any volume list in the
     * per-host queue. */
    if (!a->vreq && a->kind == FLEET_APP_POSTGRES) {
        a->vreq_round = in_round && f->round_active;
        f->round_pending += a->vreq_round;
        a->vreq = machines_list_volumes(f->api, a->name, fleet_on_volumes, f);
    }
}

static void fleet_on_machines(struct machines_result *r, void *arg)
{
    struct fleet *f = arg;
    struct fleet_app *a = fleet_app_find(f, r->app, 0);
    struct fleet_cluster *c;
    int in_round, was_pg, lists;
    int64_t now = fleet_wall_ms();
    size_t i;

    if (!a)
        return;
    a->mreq = NULL;
    in_round = a->mreq_round;
    was_pg = a->kind == FLEET_APP_POSTGRES;
    lists = !r->error && a->error;
    if (lists) {
        free(a->error);
        a->error = NULL;
    }
    if (r->error) {
        c = fleet_sync_cluster(f, a->name, 0);
        if (c) {
            fleet_stale_set(&c->api, r->error, now);
            for (i = 0; i < c->n_nodes; i++)
                fleet_stale_set(&c->nodes[i].api, r->error, now);
        } else if (a->kind == FLEET_APP_UNKNOWN &&
                   (!a->error || strcmp(a->error, r->error) != 0)) {
            /* Never listed: say why it is missing, not that it is not
             * there. */
            free(a->error);
            a->error = x_strdup(r->error);
            lists = 1;
        }
    } else if (fleet_sync_machines(f, a, r->machines, r->n_machines)) {
        a->kind = FLEET_APP_POSTGRES;
        if (!was_pg && !a->vreq) {
            a->vreq_round = in_round && f->round_active;
            f->round_pending += a->vreq_round;
            a->vreq =
                machines_list_volumes(f->api, a->name, fleet_on_volumes, f);
        }
    } else {
        a->kind = FLEET_APP_OTHER;
    }
    if (lists || was_pg != (a->kind == FLEET_APP_POSTGRES) ||
        a->kind == FLEET_APP_OTHER)
        fleet_app_lists(f);
    if (a->kind == FLEET_APP_POSTGRES) {
        if (f->do_probe)
            fleet_probe_cluster(f, a->name, in_round);
        fleet_sync_derive(f, a->name);
    }
    fleet_round_step(f, in_round);
    fleet_after(f);
}

static void fleet_on_volumes(struct machines_result *r, void *arg)
{
    struct fleet *f = arg;
    struct fleet_app *a = fleet_app_find(f, r->app, 0);
    int in_round;

    if (!a)
        return;
    a->vreq = NULL;
    in_round = a->vreq_round;
    if (!r->error) {
        api_volumes_free(a->volumes, a->n_volumes);
        a->volumes = r->volumes;
        a->n_volumes = r->n_volumes;
        r->volumes = NULL;
        r->n_volumes = 0;
        a->volumes_known = 1;
        fleet_sync_volumes(f, a, 1);
        fleet_sync_derive(f, a->name);
    } else {
        struct fleet_cluster *c = fleet_sync_cluster(f, a->name, 0);

        if (c && fleet_stale_set(&c->api, r->error, fleet_wall_ms()))
            fleet_sync_derive(f, a->name);
    }
    fleet_round_step(f, in_round);
    fleet_after(f);
}

/* Probes every node of APP that has an address and no probe under way. */
static void fleet_probe_cluster(struct fleet *f, const char *app, int in_round)
{
    struct fleet_cluster *c = fleet_sync_cluster(f, app, 0);
    size_t i;

    for (i = 0; c && i < c->n_nodes; i++) {
        const struct fleet_node *n = &c->nodes[i];
        struct fleet_probe_op *op;

        if (!n->private_ip || !*n->private_ip)
            continue;
        op = x_calloc(1, sizeof *op);
        op->f = f;
        op->app = x_strdup(app);
        op->node = x_strdup(n->id);
        op->in_round = in_round && f->round_active;
        op->req =
            probe_node(f->probe, n->id, n->private_ip, fleet_on_probe, op);
        if (!op->req) {
            /* One is under way: it counts for the round if asked. */
            struct fleet_probe_op *o;

            for (o = f->probes; o && op->in_round; o = o->next) {
                if (strcmp(o->node, n->id) == 0 && !o->in_round) {
                    o->in_round = 1;
                    f->round_pending++;
                }
            }
            free(op->app);
            free(op->node);
            free(op);
            continue;
        }
        f->round_pending += op->in_round;
        op->next = f->probes;
        f->probes = op;
    }
}

static void fleet_on_probe(const char *key, struct probe_result *res,
                           const char *error, void *arg)
{
    struct fleet_probe_op *op = arg, **pp;
    struct fleet *f = op->f;
    struct fleet_app *a = fleet_app_find(f, op->app, 0);

    (void)key;
    for (pp = &f->probes; *pp; pp = &(*pp)->next) {
        if (*pp == op) {
            *pp = op->next;
            break;
        }
    }
    if (a) {
        fleet_sync_probe(f, a, op->node, res, error);
        fleet_sync_derive(f, a->name);
    }
    fleet_round_step(f, op->in_round);
    free(op->app);
    free(op->node);
    free(op);
    fleet_after(f);
}

/* Rebuilds the model's list of apps not known yet (sorted), returning
 * whether it changed. */
static int fleet_unknown(struct fleet *f)
{
    struct fleet_model *m = f->m;
    struct fleet_unknown_app *v = NULL;
    size_t i, j, n = 0;
    int changed;

    for (i = 0; i < f->n_apps; i++) {
        const struct fleet_app *a = &f->apps[i];

        if (!a->error || a->kind != FLEET_APP_UNKNOWN)
            continue;
        v = x_reallocarray(v, n + 1, sizeof *v);
        for (j = n; j > 0 && strcmp(v[j - 1].name, a->name) > 0; j--)
            v[j] = v[j - 1];
        v[j].name = x_strdup(a->name);
        v[j].reason = x_strdup(a->error);
        n++;
    }
    changed = n != m->n_unknown;
    for (i = 0; i < m->n_unknown; i++) {
        changed |= !changed && (strcmp(v[i].name, m->unknown_apps[i].name) ||
                                strcmp(v[i].reason, m->unknown_apps[i].reason));
        free(m->unknown_apps[i].name);
        free(m->unknown_apps[i].reason);
    }
    free(m->unknown_apps);
    m->unknown_apps = v;
    m->n_unknown = n;
    return changed;
}

/* Rebuilds the model's lists of non-Postgres apps and of apps not known
 * yet (both sorted). */
static void fleet_app_lists(struct fleet *f)
{
    struct fleet_model *m = f->m;
    size_t i, j, n = 0;
    int changed = fleet_unknown(f);

    for (i = 0; i < f->n_apps; i++)
        n += f->apps[i].kind == FLEET_APP_OTHER;
    changed |= n != m->n_skipped;
    for (i = 0; i < m->n_skipped; i++) {
        struct fleet_app *a = fleet_app_find(f, m->skipped_apps[i], 0);

        changed |= !a || a->kind != FLEET_APP_OTHER;
        free(m->skipped_apps[i]);
    }
    free(m->skipped_apps);
    m->skipped_apps = n ? x_calloc(n, sizeof *m->skipped_apps) : NULL;
    m->n_skipped = 0;
    for (i = 0; i < f->n_apps; i++) {
        if (f->apps[i].kind != FLEET_APP_OTHER)
            continue;
        /* insertion sort by name */
        for (j = m->n_skipped;
             j > 0 && strcmp(m->skipped_apps[j - 1], f->apps[i].name) > 0; j--)
            m->skipped_apps[j] = m->skipped_apps[j - 1];
        m->skipped_apps[j] = x_strdup(f->apps[i].name);
        m->n_skipped++;
    }
    if (changed)
        fleet_sync_touch(f);
}

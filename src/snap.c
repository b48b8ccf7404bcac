#include "config.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/fleet.h"
#include "src/loop.h"
#include "src/machines.h"
#include "src/snap.h"
#include "src/xmalloc.h"

/*
 * snap: one request per node volume, all at once; the rows of every answer
 * are gathered, then sorted newest first when the last answer is in.  The
 * callback runs from a zero-delay timer when no request was needed, so
 * that it never runs inside snap_list_start().
 */

struct snap_pending {
    struct snap_list *l;
    size_t i; /* index in res.vols */
};

struct snap_list {
    struct machines *m;
    struct loop *loop;
    uint64_t timer; /* the zero-delay timer when nothing is asked, or 0 */
    struct snap_result res;
    struct machines_req **reqs; /* per volume, NULL once answered */
    struct snap_pending *pend;  /* per volume: the callbacks' argument */
    size_t pending;
    snap_list_cb cb;
    void *arg;
};

static void snap_row_clear(struct snap_row *r)
{
    free(r->node);
    free(r->role);
    free(r->region);
    free(r->volume);
    api_snapshot_free(&r->s);
}

void snap_result_clear(struct snap_result *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; i < r->n_rows; i++)
        snap_row_clear(&r->rows[i]);
    free(r->rows);
    for (i = 0; i < r->n_vols; i++) {
        free(r->vols[i].node);
        free(r->vols[i].role);
        free(r->vols[i].volume);
        free(r->vols[i].region);
        free(r->vols[i].error);
    }
    free(r->vols);
    free(r->cluster);
    memset(r, 0, sizeof *r);
}

const struct snap_row *snap_find(const struct snap_result *r, const char *id)
{
    size_t i;

    for (i = 0; r && id && i < r->n_rows; i++)
        if (r->rows[i].s.id && strcmp(r->rows[i].s.id, id) == 0)
            return &r->rows[i];
    return NULL;
}

int snap_volume_stale(const struct snap_volume *v, int64_t now_ms)
{
    if (v->error || !v->volume || !*v->volume)
        return 0;
    return v->newest_ms <= 0 || now_ms - v->newest_ms > SNAP_STALE_MS;
}

void snap_age_text(int64_t age_ms, char *out, size_t len)
{
    int64_t s = age_ms / 1000;

    if (s < 0)
        s = 0;
    if (s < 60)
        (void)snprintf(out, len, "%llds", (long long)s);
    else if (s < 3600)
        (void)snprintf(out, len, "%lldm", (long long)(s / 60));
    else if (s < 86400)
        (void)snprintf(out, len, "%lldh %lldm", (long long)(s / 3600),
                       (long long)(s % 3600 / 60));
    else
        (void)snprintf(out, len, "%lldd %lldh", (long long)(s / 86400),
                       (long long)(s % 86400 / 3600));
}

/* Newest first; equal times by id, so that the order is stable. */
static int snap_row_cmp(const void *x, const void *y)
{
    const struct snap_row *a = x, *b = y;

    if (a->s.created_at_ms != b->s.created_at_ms)
        return a->s.created_at_ms > b->s.created_at_ms ? -1 : 1;
    return strcmp(a->s.id ? a->s.id : "", b->s.id ? b->s.id : "");
}

static void snap_finish(struct snap_list *l)
{
    if (l->res.n_rows > 1)
        qsort(l->res.rows, l->res.n_rows, sizeof *l->res.rows, snap_row_cmp);
    l->cb(&l->res, l->arg);
}

static void snap_done(struct machines_result *mr, void *arg)
{
    struct snap_pending *p = arg;
    struct snap_list *l = p->l;
    struct snap_volume *v = &l->res.vols[p->i];
    size_t k;

    l->reqs[p->i] = NULL;
    l->pending--;
    if (mr->error) {
        v->error = x_strdup(mr->error);
        v->unreachable = mr->unreachable;
    } else if (mr->n_snapshots > 0) {
        l->res.rows = x_reallocarray(
            l->res.rows, l->res.n_rows + mr->n_snapshots, sizeof *l->res.rows);
        for (k = 0; k < mr->n_snapshots; k++) {
            struct snap_row *r = &l->res.rows[l->res.n_rows++];

            memset(r, 0, sizeof *r);
            r->node = x_strdup(v->node);
            r->role = x_strdup(v->role);
            r->volume = x_strdup(v->volume);
            r->region = x_strdup(v->region);
            r->volume_gb = v->volume_gb;
            r->s = mr->snapshots[k];
            if (r->s.created_at_ms > v->newest_ms)
                v->newest_ms = r->s.created_at_ms;
            v->count++;
        }
        /* The rows own the snapshots now. */
        free(mr->snapshots);
        mr->snapshots = NULL;
        mr->n_snapshots = 0;
    }
    if (l->pending == 0)
        snap_finish(l);
}

static void snap_nothing(struct loop *lp, uint64_t id, void *arg)
{
    struct snap_list *l = arg;

    (void)lp;
    (void)id;
    l->timer = 0;
    snap_finish(l);
}

struct snap_list *snap_list_start(struct loop *loop, struct machines *m,
                                  const struct fleet_cluster *c,
                                  const char *node, snap_list_cb cb, void *arg)
{
    struct snap_list *l = x_calloc(1, sizeof *l);
    size_t i, k = 0;

    l->loop = loop;
    l->m = m;
    l->cb = cb;
    l->arg = arg;
    l->res.cluster = x_strdup(c->name);
    l->res.vols = x_calloc(c->n_nodes + 1, sizeof *l->res.vols);
    l->reqs = x_calloc(c->n_nodes + 1, sizeof *l->reqs);
    l->pend = x_calloc(c->n_nodes + 1, sizeof *l->pend);
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *n = &c->nodes[i];
        struct snap_volume *v;

        if (node && strcmp(n->id, node) != 0)
            continue;
        v = &l->res.vols[k++];
        v->node = x_strdup(n->id);
        v->role = x_strdup(fleet_role_name(n->role));
        v->volume = x_strdup(n->volume.id ? n->volume.id : "");
        v->region = x_strdup(n->volume.region && *n->volume.region
                                 ? n->volume.region
                                 : (n->region ? n->region : ""));
        v->volume_gb = n->volume.size_gb;
    }
    l->res.n_vols = k;
    for (i = 0; i < k; i++) {
        if (!*l->res.vols[i].volume)
            continue;
        l->pend[i].l = l;
        l->pend[i].i = i;
        l->pending++;
        l->reqs[i] = machines_list_snapshots(m, c->name, l->res.vols[i].volume,
                                             snap_done, &l->pend[i]);
    }
    /* Nothing to ask: the callback still runs from the loop. */
    if (l->pending == 0)
        l->timer = loop_timer_add(loop, 0, snap_nothing, l);
    return l;
}

void snap_list_free(struct snap_list *l)
{
    size_t i;

    if (!l)
        return;
    for (i = 0; i < l->res.n_vols; i++)
        if (l->reqs[i])
            machines_cancel(l->reqs[i]);
    if (l->timer)
        (void)loop_timer_cancel(l->loop, l->timer);
    free(l->reqs);
    free(l->pend);
    snap_result_clear(&l->res);
    free(l);
}

struct snap_once {
    struct snap_result *out;
    int done;
    int deadline_hit;
};

static void snap_once_cb(struct snap_result *r, void *arg)
{
    struct snap_once *o = arg;

    *o->out = *r;
    memset(r, 0, sizeof *r);
    o->done = 1;
}

static void snap_once_check(struct loop *l, void *arg)
{
    struct snap_once *o = arg;

    if (o->done || o->deadline_hit)
        loop_stop(l);
}

static void snap_once_deadline(struct loop *l, uint64_t id, void *arg)
{
    struct snap_once *o = arg;

    (void)l;
    (void)id;
    o->deadline_hit = 1;
}

int snap_list_once(struct loop *loop, struct machines *m,
                   const struct fleet_cluster *c, const char *node,
                   int64_t deadline_ms, struct snap_result *out, char **cause)
{
    struct snap_once o;
    struct snap_list *l;
    uint64_t timer;
    char *why = NULL;
    int rc = 0;

    memset(out, 0, sizeof *out);
    memset(&o, 0, sizeof o);
    o.out = out;
    l = snap_list_start(loop, m, c, node, snap_once_cb, &o);
    timer = loop_timer_add(loop, deadline_ms, snap_once_deadline, &o);
    loop_set_before_sleep(loop, snap_once_check, &o);
    if (loop_run(loop, &why) != 0) {
        *cause = x_asprintf("the event loop failed: %s", why);
        free(why);
        rc = -1;
    }
    loop_set_before_sleep(loop, NULL, NULL);
    (void)loop_timer_cancel(loop, timer);
    if (rc == 0 && !o.done) {
        *cause = x_asprintf("no complete answer within %lld s",
                            (long long)(deadline_ms / 1000));
        rc = -1;
    }
    snap_list_free(l);
    if (rc != 0)
        snap_result_clear(out);
    return rc;
}

static void snap_time_text(int64_t ms, char *out, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (ms <= 0 || !gmtime_r(&t, &tm) ||
        strftime(out, len, "%Y-%m-%d %H:%M:%SZ", &tm) == 0)
        (void)snprintf(out, len, "-");
}

static void snap_size_text(int64_t bytes, char *out, size_t len)
{
    if (bytes < 0)
        (void)snprintf(out, len, "-");
    else if (bytes < 1024 * 1024)
        (void)snprintf(out, len, "%lld kB", (long long)(bytes / 1024));
    else if (bytes < 1024LL * 1024 * 1024)
        (void)snprintf(out, len, "%.1f MB", (double)bytes / (1024 * 1024));
    else
        (void)snprintf(out, len, "%.1f GB",
                       (double)bytes / (1024.0 * 1024 * 1024));
}

void snap_print_table(FILE *out, const struct snap_result *r, int64_t now_ms)
{
    size_t i;

    fprintf(out, "%-26s %-14s %-8s %-22s %-20s %-9s %-9s %s\n", "SNAPSHOT",
            "NODE", "ROLE", "VOLUME", "CREATED", "AGE", "SIZE", "RETENTION");
    for (i = 0; i < r->n_rows; i++) {
        const struct snap_row *w = &r->rows[i];
        char when[32], age[32], size[32];

        snap_time_text(w->s.created_at_ms, when, sizeof when);
        snap_age_text(now_ms - w->s.created_at_ms, age, sizeof age);
        snap_size_text(w->s.size, size, sizeof size);
        fprintf(out, "%-26s %-14s %-8s %-22s %-20s %-9s %-9s %d days\n",
                w->s.id ? w->s.id : "?", w->node, w->role, w->volume, when, age,
                size, w->s.retention_days);
    }
    if (r->n_rows == 0)
        fprintf(out, "(no snapshots)\n");
    for (i = 0; i < r->n_vols; i++) {
        const struct snap_volume *v = &r->vols[i];
        char age[32];

        if (!*v->volume) {
            fprintf(out, "%s (%s): mounts no volume\n", v->node, v->role);
        } else if (v->error) {
            fprintf(out, "%s (%s) volume %s: the list failed: %s\n", v->node,
                    v->role, v->volume, v->error);
        } else if (v->count == 0) {
            fprintf(out,
                    "%s (%s) volume %s: NO SNAPSHOT (take one: pgdeck "
                    "snapshot create %s --node %s)\n",
                    v->node, v->role, v->volume, r->cluster, v->node);
        } else {
            snap_age_text(now_ms - v->newest_ms, age, sizeof age);
            fprintf(out, "%s (%s) volume %s: %zu snapshot%s, newest %s old%s\n",
                    v->node, v->role, v->volume, v->count,
                    v->count == 1 ? "" : "s", age,
                    snap_volume_stale(v, now_ms) ? " (OLDER THAN A DAY)" : "");
        }
    }
}

static void snap_json_time(cJSON *o, const char *key, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char buf[40];

    if (ms <= 0 || !gmtime_r(&t, &tm) ||
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        cJSON_AddNullToObject(o, key);
        return;
    }
    (void)snprintf(buf + strlen(buf), sizeof buf - strlen(buf), ".%03dZ",
                   (int)(ms % 1000));
    cJSON_AddStringToObject(o, key, buf);
}

void snap_print_json(FILE *out, const struct snap_result *r, int64_t now_ms)
{
    cJSON *doc = cJSON_CreateObject(), *arr, *o;
    char *text;
    size_t i;

    cJSON_AddStringToObject(doc, "cluster", r->cluster ? r->cluster : "");
    arr = cJSON_AddArrayToObject(doc, "snapshots");
    for (i = 0; i < r->n_rows; i++) {
        const struct snap_row *w = &r->rows[i];

        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", w->s.id ? w->s.id : "");
        cJSON_AddStringToObject(o, "node", w->node);
        cJSON_AddStringToObject(o, "role", w->role);
        cJSON_AddStringToObject(o, "volume", w->volume);
        snap_json_time(o, "created_at", w->s.created_at_ms);
        cJSON_AddNumberToObject(o, "age_s",
                                (double)((now_ms - w->s.created_at_ms) / 1000));
        cJSON_AddNumberToObject(o, "size", (double)w->s.size);
        cJSON_AddNumberToObject(o, "retention_days", w->s.retention_days);
        cJSON_AddStringToObject(o, "status", w->s.status ? w->s.status : "");
        cJSON_AddItemToArray(arr, o);
    }
    arr = cJSON_AddArrayToObject(doc, "volumes");
    for (i = 0; i < r->n_vols; i++) {
        const struct snap_volume *v = &r->vols[i];

        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "node", v->node);
        cJSON_AddStringToObject(o, "role", v->role);
        if (*v->volume)
            cJSON_AddStringToObject(o, "volume", v->volume);
        else
            cJSON_AddNullToObject(o, "volume");
        cJSON_AddNumberToObject(o, "count", (double)v->count);
        snap_json_time(o, "newest_at", v->newest_ms);
        cJSON_AddBoolToObject(o, "stale", snap_volume_stale(v, now_ms));
        if (v->error)
            cJSON_AddStringToObject(o, "error", v->error);
        else
            cJSON_AddNullToObject(o, "error");
        cJSON_AddItemToArray(arr, o);
    }
    text = cJSON_Print(doc);
    if (text)
        fprintf(out, "%s\n", text);
    cJSON_free(text);
    cJSON_Delete(doc);
}

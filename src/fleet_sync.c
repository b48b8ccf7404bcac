#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/buf.h"
#include "src/fleet_impl.h"
#include "src/xmalloc.h"

/*
 * fleet_sync: applies the answers of the API and of the probes to the
 * model (fleet.h), keeping what a failure cannot replace, then re-derives
 * and bumps generations only when what is shown changed (a signature of
 * the shown fields, rings and times excluded).
 */

static void fleet_node_from_machine(struct fleet_node *n,
                                    const struct api_machine *m);
static int fleet_node_cmp(const void *a, const void *b);
static int fleet_cluster_cmp(const void *a, const void *b);
static uint64_t fleet_sig_node(const struct fleet_node *n);
static uint64_t fleet_sig_cluster(const struct fleet_cluster *c);
static uint64_t fleet_fnv(const char *s, size_t len);

int64_t fleet_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fleet_cluster_cmp(const void *a, const void *b)
{
    const struct fleet_cluster *x = a, *y = b;

    return strcmp(x->name, y->name);
}

struct fleet_cluster *fleet_sync_cluster(struct fleet *f, const char *app,
                                         int create)
{
    struct fleet_model *m = f->m;
    size_t i;

    for (i = 0; i < m->n_clusters; i++) {
        if (strcmp(m->clusters[i].name, app) == 0)
            return &m->clusters[i];
    }
    if (!create)
        return NULL;
    m->clusters =
        x_reallocarray(m->clusters, m->n_clusters + 1, sizeof *m->clusters);
    memset(&m->clusters[m->n_clusters], 0, sizeof *m->clusters);
    m->clusters[m->n_clusters].name = x_strdup(app);
    m->clusters[m->n_clusters].primary = -1;
    m->clusters[m->n_clusters].generation = 1;
    m->n_clusters++;
    qsort(m->clusters, m->n_clusters, sizeof *m->clusters, fleet_cluster_cmp);
    fleet_sync_touch(f);
    return fleet_sync_cluster(f, app, 0);
}

void fleet_sync_drop_cluster(struct fleet *f, const char *app)
{
    struct fleet_model *m = f->m;
    size_t i;

    for (i = 0; i < m->n_clusters; i++) {
        if (strcmp(m->clusters[i].name, app) != 0)
            continue;
        fleet_cluster_clear(&m->clusters[i]);
        memmove(&m->clusters[i], &m->clusters[i + 1],
                (m->n_clusters - i - 1) * sizeof *m->clusters);
        m->n_clusters--;
        fleet_sync_touch(f);
        return;
    }
}

/* The image version: label fly.version, else the image tag. */
static char *fleet_image_version(const struct api_machine *m)
{
    const char *v = api_machine_label(m, "fly.version");
    const char *img = m->config.image, *colon;

    if (v && *v)
        return x_strdup(v);
    if (m->image_ref.tag && *m->image_ref.tag)
        return x_strdup(m->image_ref.tag);
    colon = img ? strrchr(img, ':') : NULL;
    if (colon && !strchr(colon, '/'))
        return x_strdup(colon + 1);
    return x_strdup("");
}

/* Replaces N's API fields with M's; the probe fields stay. */
static void fleet_node_from_machine(struct fleet_node *n,
                                    const struct api_machine *m)
{
    size_t i;

#define FLEET_SET(field, value)                                                \
    do {                                                                       \
        free(n->field);                                                        \
        n->field = x_strdup((value) ? (value) : "");                           \
    } while (0)
    FLEET_SET(id, m->id);
    FLEET_SET(name, m->name);
    FLEET_SET(region, m->region);
    FLEET_SET(state, m->state);
    FLEET_SET(private_ip, m->private_ip);
    FLEET_SET(host_status, m->host_status);
    FLEET_SET(image, m->config.image);
    FLEET_SET(cpu_kind, m->config.guest.cpu_kind);
    FLEET_SET(check_role, api_machine_role(m));
    FLEET_SET(restart_policy, m->config.restart_policy);
    FLEET_SET(image_digest, m->image_ref.digest);
    FLEET_SET(config_json, m->config_json);
#undef FLEET_SET
    free(n->image_version);
    n->image_version = fleet_image_version(m);
    free(n->fly_version);
    n->fly_version = x_strdup(api_machine_label(m, "fly.version")
                                  ? api_machine_label(m, "fly.version")
                                  : "");
    n->cpus = m->config.guest.cpus;
    n->memory_mb = m->config.guest.memory_mb;
    n->created_at_ms = m->created_at_ms;
    n->updated_at_ms = m->updated_at_ms;
    for (i = 0; i < n->n_checks; i++) {
        free(n->checks[i].name);
        free(n->checks[i].status);
        free(n->checks[i].output);
    }
    free(n->checks);
    n->checks = m->n_checks ? x_calloc(m->n_checks, sizeof *n->checks) : NULL;
    n->n_checks = m->n_checks;
    n->checks_passing = 0;
    for (i = 0; i < m->n_checks; i++) {
        n->checks[i].name = x_strdup(m->checks[i].name);
        n->checks[i].status = x_strdup(m->checks[i].status);
        n->checks[i].output = x_strdup(m->checks[i].output);
        n->checks_passing += strcmp(m->checks[i].status, "passing") == 0;
    }
    for (i = 0; i < n->n_events; i++) {
        free(n->events[i].type);
        free(n->events[i].status);
        free(n->events[i].source);
    }
    free(n->events);
    n->n_events =
        m->n_events < FLEET_MAX_EVENTS ? m->n_events : FLEET_MAX_EVENTS;
    n->events = n->n_events ? x_calloc(n->n_events, sizeof *n->events) : NULL;
    for (i = 0; i < n->n_events; i++) {
        const struct api_event *e = &m->events[i];

        n->events[i].type = x_strdup(e->type);
        n->events[i].status = x_strdup(e->status);
        n->events[i].source = x_strdup(e->source);
        n->events[i].at_ms = e->timestamp_ms;
        n->events[i].exit_code = e->has_exit ? e->exit_code : -1;
        n->events[i].oom_killed = e->oom_killed;
    }
    if (m->config.n_mounts > 0) {
        const struct api_mount *mt = &m->config.mounts[0];

        if (!n->volume.id || strcmp(n->volume.id, mt->volume) != 0) {
            fleet_volume_clear(&n->volume);
            n->volume.id = x_strdup(mt->volume);
            n->volume.used_bytes = n->volume.total_bytes = -1;
            n->volume.used_pct = n->volume.fill_rate = -1;
            n->volume.eta_full_ms = -1;
        }
        if (mt->size_gb > 0)
            n->volume.size_gb = mt->size_gb;
    } else if (!n->volume.id) {
        n->volume.id = x_strdup("");
        n->volume.used_bytes = n->volume.total_bytes = -1;
        n->volume.used_pct = n->volume.fill_rate = -1;
        n->volume.eta_full_ms = -1;
    }
}

static int fleet_node_cmp(const void *a, const void *b)
{
    const struct fleet_node *x = a, *y = b;
    int r;

    if (x->in_primary_region != y->in_primary_region)
        return x->in_primary_region ? -1 : 1;
    r = strcmp(x->region, y->region);
    return r ? r : strcmp(x->id, y->id);
}

/* A node fresh from the API, never probed. */
static void fleet_node_init(struct fleet_node *n)
{
    memset(n, 0, sizeof *n);
    n->generation = 1;
    n->role = FLEET_ROLE_UNKNOWN;
    n->timeline = n->replay_delay_ms = n->db_size_bytes = -1;
    n->connections = n->max_connections = -1;
    n->lag_state = FLEET_LAG_NONE;
    n->lag_sent_bytes = n->lag_write_bytes = -1;
    n->lag_flush_bytes = n->lag_replay_bytes = -1;
    n->lag_write_ms = n->lag_flush_ms = n->lag_replay_ms = n->lag_ms = -1;
    n->repl_state = x_strdup("");
}

/* A cluster member: active (or on a host that is down: still a member,
 * counted as down), of the Postgres image, and neither a barman, console
 * nor release-command machine (doc/architecture.md). */
static int fleet_sync_is_member(const struct api_machine *m)
{
    return (api_machine_is_active(m) || api_machine_host_down(m)) &&
           api_machine_is_postgres(m) && !api_machine_non_member(m);
}

/* C's list of the app's Postgres-image machines that are no member. */
static void fleet_sync_others(struct fleet_cluster *c,
                              const struct api_machine *v, size_t n)
{
    size_t i;

    fleet_others_clear(c);
    for (i = 0; i < n; i++) {
        const struct api_machine *m = &v[i];
        const char *kind = api_machine_non_member(m);
        struct fleet_other *o;

        if (!kind || !api_machine_is_active(m) || !api_machine_is_postgres(m))
            continue;
        c->others =
            x_reallocarray(c->others, c->n_others + 1, sizeof *c->others);
        o = &c->others[c->n_others++];
        o->id = x_strdup(m->id);
        o->kind = x_strdup(kind);
        o->state = x_strdup(m->state ? m->state : "");
        o->region = x_strdup(m->region ? m->region : "");
    }
}

int fleet_sync_machines(struct fleet *f, struct fleet_app *a,
                        const struct api_machine *v, size_t n)
{
    struct fleet_cluster *c;
    struct fleet_node *nodes;
    size_t i, j, k = 0, pg = 0;
    const char *region = NULL;
    int64_t now = fleet_wall_ms();

    for (i = 0; i < n; i++)
        pg += fleet_sync_is_member(&v[i]);
    if (pg == 0) {
        fleet_sync_drop_cluster(f, a->name);
        return 0;
    }
    c = fleet_sync_cluster(f, a->name, 1);
    fleet_sync_others(c, v, n);
    nodes = x_calloc(pg, sizeof *nodes);
    for (i = 0; i < n; i++) {
        const struct api_machine *m = &v[i];
        struct fleet_node *nd = &nodes[k];

        if (!fleet_sync_is_member(m))
            continue;
        k++;
        fleet_node_init(nd);
        for (j = 0; j < c->n_nodes; j++) {
            if (c->nodes[j].id && strcmp(c->nodes[j].id, m->id) == 0) {
                free(nd->repl_state);
                *nd = c->nodes[j]; /* moved: probe fields, rings */
                memset(&c->nodes[j], 0, sizeof c->nodes[j]);
                break;
            }
        }
        fleet_node_from_machine(nd, m);
        fleet_stale_set(&nd->api, NULL, now);
        if (!region)
            region = api_machine_env(m, "PRIMARY_REGION");
        if (!c->flavor || !*c->flavor) {
            free(c->flavor);
            c->flavor = x_strdup(api_machine_flavor(m));
        }
    }
    for (j = 0; j < c->n_nodes; j++)
        fleet_node_clear(&c->nodes[j]);
    free(c->nodes);
    c->nodes = nodes;
    c->n_nodes = pg;
    free(c->primary_region);
    c->primary_region = x_strdup(region ? region : "");
    for (i = 0; i < c->n_nodes; i++)
        c->nodes[i].in_primary_region =
            !*c->primary_region ||
            strcmp(c->nodes[i].region, c->primary_region) == 0;
    qsort(c->nodes, c->n_nodes, sizeof *c->nodes, fleet_node_cmp);
    fleet_stale_set(&c->api, NULL, now);
    fleet_sync_volumes(f, a, 0);
    return 1;
}

void fleet_sync_volumes(struct fleet *f, struct fleet_app *a, int sample)
{
    struct fleet_cluster *c = fleet_sync_cluster(f, a->name, 0);
    int64_t now = fleet_wall_ms();
    size_t i, j, spare = 0;

    if (!c || !a->volumes_known)
        return;
    for (i = 0; i < c->n_spare_volumes; i++)
        fleet_volume_clear(&c->spare_volumes[i]);
    free(c->spare_volumes);
    c->spare_volumes = NULL;
    c->n_spare_volumes = 0;
    for (i = 0; i < a->n_volumes; i++) {
        const struct api_volume *av = &a->volumes[i];
        struct fleet_volume *fv = NULL;

        /* Being deleted: not a spare (audit L1). */
        if (api_volume_state_gone(av->state))
            continue;
        for (j = 0; j < c->n_nodes && !fv; j++) {
            struct fleet_node *nd = &c->nodes[j];

            if (strcmp(nd->volume.id, av->id) == 0 ||
                (!*nd->volume.id && *av->attached_machine_id &&
                 strcmp(av->attached_machine_id, nd->id) == 0))
                fv = &nd->volume;
        }
        if (!fv) {
            c->spare_volumes = x_reallocarray(c->spare_volumes, spare + 1,
                                              sizeof *c->spare_volumes);
            fv = &c->spare_volumes[spare++];
            memset(fv, 0, sizeof *fv);
            c->n_spare_volumes = spare;
        }
#define FLEET_VSET(field, value)                                               \
    do {                                                                       \
        free(fv->field);                                                       \
        fv->field = x_strdup((value) ? (value) : "");                          \
    } while (0)
        FLEET_VSET(id, av->id);
        FLEET_VSET(name, av->name);
        FLEET_VSET(state, av->state);
        FLEET_VSET(region, av->region);
        FLEET_VSET(attached_machine_id, av->attached_machine_id);
#undef FLEET_VSET
        fv->size_gb = av->size_gb;
        /* As postgres-flex reads its disk: blocks less the blocks
         * available to it, of the documented fields (audit M1); the
         * undocumented bytes_* only when blocks are missing. */
        if (av->blocks > 0 && av->block_size > 0 &&
            av->blocks_avail <= av->blocks) {
            fv->total_bytes = av->blocks * av->block_size;
            fv->used_bytes = (av->blocks - av->blocks_avail) * av->block_size;
        } else if (av->bytes_total > 0) {
            fv->total_bytes = av->bytes_total;
            fv->used_bytes = av->bytes_used;
        } else {
            fv->total_bytes = -1;
        }
        if (fv->total_bytes > 0) {
            if (sample &&
                derive_ring_due(&fv->used_hist, now, DERIVE_DISK_SAMPLE_MS))
                derive_ring_push(&fv->used_hist, now, fv->used_bytes);
        } else {
            fv->total_bytes = fv->used_bytes = -1;
        }
        derive_volume(fv, &f->lim, now);
    }
}

void fleet_sync_probe(struct fleet *f, struct fleet_app *a, const char *id,
                      struct probe_result *res, const char *error)
{
    struct fleet_cluster *c = fleet_sync_cluster(f, a->name, 0);
    struct fleet_node *n = NULL, *p;
    int64_t now = fleet_wall_ms();
    size_t i, j;

    for (i = 0; c && i < c->n_nodes && !n; i++)
        if (strcmp(c->nodes[i].id, id) == 0)
            n = &c->nodes[i];
    if (!n)
        return;
    if (!res) {
        n->reachable = 0;
        fleet_stale_set(&n->probe, error ? error : "no answer", now);
        if (a->primary_id && strcmp(a->primary_id, id) == 0)
            a->primary_known = 0;
    } else {
        n->reachable = 1;
        fleet_stale_set(&n->probe, NULL, now);
        n->role = res->in_recovery ? FLEET_ROLE_REPLICA : FLEET_ROLE_PRIMARY;
        n->timeline = res->timeline;
        n->read_only = res->read_only;
        n->replay_paused = res->replay_paused;
        n->replay_delay_ms = res->replay_delay_ms;
        n->db_size_bytes = res->db_size_bytes;
        n->connections = res->connections;
        n->max_connections = res->max_connections;
        for (i = 0; i < n->n_slots; i++) {
            free(n->slots[i].name);
            free(n->slots[i].type);
        }
        free(n->slots);
        n->slots =
            res->n_slots ? x_calloc(res->n_slots, sizeof *n->slots) : NULL;
        n->n_slots = res->n_slots;
        for (i = 0; i < res->n_slots; i++) {
            n->slots[i].name = x_strdup(res->slots[i].name);
            n->slots[i].type = x_strdup(res->slots[i].type);
            n->slots[i].active = res->slots[i].active;
            n->slots[i].retained_bytes = res->slots[i].retained_bytes;
        }
        if (!res->in_recovery) {
            /* The primary's view of its standbys: taken over. */
            for (i = 0; i < a->n_rows; i++) {
                free(a->rows[i].app_name);
                free(a->rows[i].state);
            }
            free(a->rows);
            a->rows = res->standbys;
            a->n_rows = res->n_standbys;
            res->standbys = NULL;
            res->n_standbys = 0;
            free(a->primary_id);
            a->primary_id = x_strdup(id);
            a->primary_known = 1;
        } else if (a->primary_id && strcmp(a->primary_id, id) == 0) {
            a->primary_known = 0; /* demoted: wait for the new primary */
        }
    }
    if (!a->primary_id || strcmp(a->primary_id, id) != 0) {
        /* A replica's own answer (replay delay) refines its lag time. */
        if (n->lag_state == FLEET_LAG_STREAMING && n->lag_replay_ms < 0 &&
            n->lag_replay_bytes > 0)
            n->lag_ms = n->replay_delay_ms;
        return;
    }
    for (i = 0; i < c->n_nodes; i++) {
        const struct probe_standby *row = NULL;

        p = &c->nodes[i];
        for (j = 0; a->primary_known && j < a->n_rows; j++)
            if (fleet_node_named(c, p, a->rows[j].app_name))
                row = &a->rows[j];
        derive_node_lag(p, row, a->primary_known,
                        strcmp(p->id, a->primary_id) == 0, now);
    }
}

static uint64_t fleet_fnv(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* A signature of what is shown about N (no rings, no times). */
static uint64_t fleet_sig_node(const struct fleet_node *n)
{
    struct buf b = BUF_INIT;
    uint64_t h;
    size_t i;

    buf_printf(&b, "%s|%s|%s|%s|%s|%s|%s|%d|%d|%s|%d|%d|%lld|%d|%lld|%d|",
               n->id, n->region, n->state, n->private_ip, n->image_version,
               n->check_role, n->host_status, n->memory_mb, n->reachable,
               fleet_role_name(n->role), n->role_disagree, n->read_only,
               (long long)n->timeline, n->replay_paused,
               (long long)n->db_size_bytes, n->connections);
    buf_printf(&b, "%d|%lld|%lld|%lld|%lld|%lld|%lld|%lld|%lld|%s|",
               (int)n->lag_state, (long long)n->lag_sent_bytes,
               (long long)n->lag_write_bytes, (long long)n->lag_flush_bytes,
               (long long)n->lag_replay_bytes, (long long)n->lag_write_ms,
               (long long)n->lag_flush_ms, (long long)n->lag_replay_ms,
               (long long)n->lag_ms, n->repl_state);
    /* The config itself only when it changed: the same text every time
     * for the same config (cJSON prints members in body order). */
    buf_printf(&b, "%016llx|%s|",
               (unsigned long long)fleet_fnv(
                   n->config_json ? n->config_json : "",
                   n->config_json ? strlen(n->config_json) : 0),
               n->image_digest ? n->image_digest : "");
    buf_printf(&b, "%d|%s|%d|%s|%s|", n->api.stale,
               n->api.reason ? n->api.reason : "", n->probe.stale,
               n->probe.reason ? n->probe.reason : "",
               n->volume.id ? n->volume.id : "");
    buf_printf(&b, "%d|%lld|%lld|%.2f|%lld|", n->volume.size_gb,
               (long long)n->volume.used_bytes,
               (long long)n->volume.total_bytes, n->volume.used_pct,
               (long long)n->volume.eta_full_ms);
    for (i = 0; i < n->n_checks; i++)
        buf_printf(&b, "%s=%s:%s|", n->checks[i].name, n->checks[i].status,
                   n->checks[i].output);
    for (i = 0; i < n->n_events; i++)
        buf_printf(&b, "%s/%s/%lld|", n->events[i].type, n->events[i].status,
                   (long long)n->events[i].at_ms);
    for (i = 0; i < n->n_slots; i++)
        buf_printf(&b, "%s/%d/%lld|", n->slots[i].name, n->slots[i].active,
                   (long long)n->slots[i].retained_bytes);
    h = fleet_fnv(buf_str(&b), b.len);
    buf_free(&b);
    return h;
}

static uint64_t fleet_sig_cluster(const struct fleet_cluster *c)
{
    struct buf b = BUF_INIT;
    uint64_t h;
    size_t i;

    buf_printf(&b, "%s|%s|%d|%ld|%d|%d|%d|%s|%d|%s|", c->primary_region,
               c->image_version ? c->image_version : "", (int)c->verdict,
               c->primary, c->members_ok, c->region_up, c->quorum_ok,
               c->role_map ? c->role_map : "", c->api.stale,
               c->api.reason ? c->api.reason : "");
    for (i = 0; i < c->n_issues; i++)
        buf_printf(&b, "%d/%s/%s|", (int)c->issues[i].kind,
                   c->issues[i].node_id, c->issues[i].text);
    for (i = 0; i < c->n_nodes; i++)
        buf_printf(&b, "%llx|", (unsigned long long)c->nodes[i].sig);
    for (i = 0; i < c->n_spare_volumes; i++)
        buf_printf(&b, "%s/%d|", c->spare_volumes[i].id,
                   c->spare_volumes[i].size_gb);
    buf_printf(&b, "%s|", c->flavor ? c->flavor : "");
    for (i = 0; i < c->n_others; i++)
        buf_printf(&b, "%s/%s/%s|", c->others[i].id, c->others[i].kind,
                   c->others[i].state);
    h = fleet_fnv(buf_str(&b), b.len);
    buf_free(&b);
    return h;
}

/* The image version shown for C: the primary's, else the first node's. */
static void fleet_sync_version(struct fleet_cluster *c)
{
    const char *v = "";
    size_t i;

    c->mixed_versions = 0;
    if (c->primary >= 0)
        v = c->nodes[c->primary].image_version;
    else if (c->n_nodes > 0)
        v = c->nodes[0].image_version;
    for (i = 0; i < c->n_nodes; i++)
        c->mixed_versions |= strcmp(c->nodes[i].image_version, v) != 0;
    free(c->image_version);
    c->image_version = x_strdup(v);
}

void fleet_sync_derive(struct fleet *f, const char *app)
{
    struct fleet_cluster *c = fleet_sync_cluster(f, app, 0);
    uint64_t sig;
    size_t i;

    if (!c)
        return;
    derive_cluster(c, &f->lim, fleet_wall_ms());
    fleet_sync_version(c);
    for (i = 0; i < c->n_nodes; i++) {
        sig = fleet_sig_node(&c->nodes[i]);
        if (sig != c->nodes[i].sig) {
            c->nodes[i].sig = sig;
            c->nodes[i].generation++;
        }
    }
    sig = fleet_sig_cluster(c);
    if (sig != c->sig) {
        c->sig = sig;
        c->generation++;
        fleet_sync_touch(f);
    }
}

void fleet_sync_touch(struct fleet *f)
{
    f->m->generation++;
    f->dirty = 1;
}

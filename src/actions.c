#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/actions.h"
#include "src/actions_impl.h"
#include "src/fleet.h"
#include "src/plan.h"
#include "src/xmalloc.h"

/*
 * actions: the dispatch of action_build(), the names, the memory sizes
 * flyctl accepts, the actions menu, and the helpers every builder shares
 * (see actions_impl.h).  Pure: nothing here talks to the network.
 */

static void actions_menu_set(struct action_item *it, int enabled,
                             const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void actions_menu_cluster(const struct fleet_cluster *c,
                                 const struct fleet_node *sel,
                                 const char *node_id,
                                 struct action_item items[ACTION__COUNT]);

#define ACTION_NAME(id, name, label) name,
static const char *const actions_names[ACTION__COUNT] = {ACTIONS(ACTION_NAME)};
#undef ACTION_NAME
#define ACTION_LABEL(id, name, label) label,
static const char *const actions_labels[ACTION__COUNT] = {
    ACTIONS(ACTION_LABEL)};
#undef ACTION_LABEL

const char *action_name(enum action_kind k)
{
    if ((int)k < 0 || k >= ACTION__COUNT)
        return "?";
    return actions_names[k];
}

const char *action_label(enum action_kind k)
{
    if ((int)k < 0 || k >= ACTION__COUNT)
        return "?";
    return actions_labels[k];
}

/* ---- shared helpers ---- */

int actions_refuse(struct action_preflight *pf, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    free(pf->reason);
    pf->reason = x_vasprintf(fmt, ap);
    va_end(ap);
    pf->ok = 0;
    return -1;
}

void actions_size_text(int64_t bytes, char *out, size_t len)
{
    static const char *const units[] = {"kB", "MB", "GB", "TB"};
    double v = (double)bytes;
    int u = -1;

    if (bytes < 1024) {
        (void)snprintf(out, len, "%lld B", (long long)bytes);
        return;
    }
    while (v >= 1024 && u < 3) {
        v /= 1024;
        u++;
    }
    if (v < 10 && (int64_t)(v * 10) % 10 != 0)
        (void)snprintf(out, len, "%.1f %s", v, units[u]);
    else
        (void)snprintf(out, len, "%.0f %s", v, units[u]);
}

const struct fleet_node *actions_primary(const struct fleet_cluster *c)
{
    if (c->primary < 0 || (size_t)c->primary >= c->n_nodes)
        return NULL;
    return &c->nodes[c->primary];
}

int actions_is_primary(const struct fleet_cluster *c,
                       const struct fleet_node *n)
{
    return n && actions_primary(c) == n;
}

int actions_region_members(const struct fleet_cluster *c)
{
    int k = 0;
    size_t i;

    for (i = 0; i < c->n_nodes; i++)
        k += c->nodes[i].in_primary_region;
    return k;
}

int actions_started(const struct fleet_node *n)
{
    return n->state && strcmp(n->state, "started") == 0;
}

const struct fleet_node *actions_node_or_refuse(const struct fleet_cluster *c,
                                                const char *id,
                                                struct action_preflight *pf)
{
    const struct fleet_node *n = fleet_cluster_node(c, id);
    char list[160] = "";
    size_t i, used = 0;

    if (n)
        return n;
    for (i = 0; i < c->n_nodes && used + 20 < sizeof list; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                         c->nodes[i].id);

        if (w > 0)
            used += (size_t)w;
    }
    actions_refuse(pf, "no node %s in cluster %s (its nodes: %s)", id, c->name,
                   c->n_nodes ? list : "none");
    return NULL;
}

cJSON *actions_config_or_refuse(const struct fleet_node *n,
                                struct action_preflight *pf)
{
    cJSON *cfg;

    if (!n->config_json || !*n->config_json) {
        actions_refuse(pf,
                       "the machine config of %s is not known (data from the "
                       "cache, or its host is %s); wait for a refresh",
                       n->id,
                       n->host_status && *n->host_status ? n->host_status
                                                         : "not answering");
        return NULL;
    }
    cfg = cJSON_Parse(n->config_json);
    if (!cJSON_IsObject(cfg)) {
        cJSON_Delete(cfg);
        actions_refuse(pf, "the machine config of %s is not a JSON object",
                       n->id);
        return NULL;
    }
    return cfg;
}

long actions_rolling_order(const struct fleet_cluster *c, const char *node,
                           const struct fleet_node **out,
                           struct action_preflight *pf)
{
    const struct fleet_node *prim = actions_primary(c);
    size_t i, k = 0;

    if (node) {
        out[0] = actions_node_or_refuse(c, node, pf);
        return out[0] ? 1 : -1;
    }
    if (c->n_nodes == 0)
        return actions_refuse(pf, "cluster %s has no machine", c->name);
    if (!prim && c->n_nodes > 1)
        return actions_refuse(pf,
                              "no primary known in %s, so the primary cannot "
                              "go last; act on one node at a time (--node ID)",
                              c->name);
    for (i = 0; i < c->n_nodes; i++)
        if (&c->nodes[i] != prim)
            out[k++] = &c->nodes[i];
    if (prim)
        out[k++] = prim;
    return (long)k;
}

/* ---- memory sizes ---- */

int action_memory_valid(const char *cpu_kind, int cpus, long memory_mb,
                        char *why, size_t whylen)
{
    static const int shared[] = {1, 2, 4, 6, 8};
    static const int perf[] = {1, 2, 4, 6, 8, 10, 12, 14, 16, 32, 64, 128};
    const char *kind = cpu_kind && *cpu_kind ? cpu_kind : "shared";
    int is_shared = strcmp(kind, "shared") == 0;
    const int *ok = is_shared ? shared : perf;
    size_t nok = is_shared ? sizeof shared / sizeof shared[0]
                           : sizeof perf / sizeof perf[0];
    long step = is_shared ? 256 : 1024;
    long lo = (is_shared ? 256L : 2048L) * cpus;
    long hi = (is_shared ? 2048L : 8192L) * cpus;
    size_t i;

    if (!is_shared && strcmp(kind, "performance") != 0) {
        (void)snprintf(why, whylen,
                       "unknown CPU kind \"%s\" (shared or performance)", kind);
        return -1;
    }
    for (i = 0; i < nok; i++)
        if (ok[i] == cpus)
            break;
    if (i == nok) {
        (void)snprintf(why, whylen,
                       "%d %s CPUs is not a machine size flyctl "
                       "knows",
                       cpus, kind);
        return -1;
    }
    if (memory_mb <= 0) {
        (void)snprintf(why, whylen,
                       "memory must be a positive number of MB (asked %ld)",
                       memory_mb);
        return -1;
    }
    if (memory_mb % step != 0) {
        (void)snprintf(why, whylen,
                       "memory must be a multiple of %ld MB for %s CPUs "
                       "(asked %ld MB)",
                       step, kind, memory_mb);
        return -1;
    }
    if (memory_mb < lo || memory_mb > hi) {
        (void)snprintf(why, whylen,
                       "memory must be between %ld and %ld MB for %d %s "
                       "CPU%s (asked %ld MB)",
                       lo, hi, cpus, kind, cpus == 1 ? "" : "s", memory_mb);
        return -1;
    }
    return 0;
}

/* ---- flavour and image version (flyctl's gates) ---- */

/* flyctl's minimum image versions for the plans pgdeck has: postgres-flex
 * 0.0.3, stolon 0.0.20 (doc/architecture.md, "Fidelity to postgres-flex"). */
#define ACTIONS_MIN_FLEX "0.0.3"

/* "vX.Y.Z" (the "v" is dropped as flyctl does) into V[3]; 0 or -1. */
static int actions_version_parse(const char *s, long v[3])
{
    char *end;
    int i;

    if (!s || !*s)
        return -1;
    s++; /* flyctl drops the first character, the "v" */
    for (i = 0; i < 3; i++) {
        if (*s < '0' || *s > '9')
            return -1;
        v[i] = strtol(s, &end, 10);
        s = end;
        if (i < 2 && *s++ != '.')
            return -1;
    }
    return *s && *s != '-' && *s != '+' ? -1 : 0;
}

int actions_flex_before(const struct fleet_node *n, long major, long minor,
                        long patch)
{
    long v[3];

    if (!n->fly_version || actions_version_parse(n->fly_version, v) != 0)
        return 0;
    if (v[0] != major)
        return v[0] < major;
    if (v[1] != minor)
        return v[1] < minor;
    return v[2] < patch;
}

/*
 * Refuses a plan on C when its flavour is not postgres-flex (a stolon
 * cluster: pgdeck's plans drive repmgr) or when a member's image is older
 * than flyctl accepts, or carries no version it can read.  Nodes from the
 * snapshot cache (version not known) pass.
 */
static int actions_gate(const struct fleet_cluster *c,
                        struct action_preflight *pf)
{
    size_t i;

    if (c->flavor && strcmp(c->flavor, "stolon") == 0)
        return actions_refuse(
            pf,
            "%s is a stolon cluster (image flyio/postgres, no fly.pg-manager "
            "label): pgdeck's plans drive repmgr and act on postgres-flex "
            "clusters only; use flyctl's commands for stolon, or move the "
            "data to a postgres-flex cluster (fly pg create, then fly pg "
            "import)",
            c->name);
    if (c->flavor && *c->flavor && strcmp(c->flavor, "flex") != 0)
        return actions_refuse(pf,
                              "%s runs a Postgres image of flavour \"%s\" "
                              "(label fly.pg-manager): pgdeck's plans act on "
                              "postgres-flex (fly.pg-manager=repmgr) only",
                              c->name, c->flavor);
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *n = &c->nodes[i];
        long v[3];

        if (!n->fly_version || strcmp(n->fly_version, "custom") == 0)
            continue;
        if (!*n->fly_version || strcmp(n->fly_version, "unknown") == 0)
            return actions_refuse(pf,
                                  "%s runs an image without a version (label "
                                  "fly.version): the command is not "
                                  "compatible with this image; run 'flyctl "
                                  "image update -a %s'",
                                  n->id, c->name);
        if (actions_version_parse(n->fly_version, v) != 0)
            return actions_refuse(pf,
                                  "%s runs image version \"%s\", which is "
                                  "not a version (vX.Y.Z)",
                                  n->id, n->fly_version);
        if (actions_flex_before(n, 0, 0, 3))
            return actions_refuse(
                pf,
                "%s is running an incompatible image version (current: %s, "
                "required: >= " ACTIONS_MIN_FLEX "); run 'flyctl image update "
                "-a %s' to update to the latest available version",
                n->id, n->fly_version + 1, c->name);
    }
    return 0;
}

/* ---- building ---- */

/* Whether step S reaches machine ID through its host: it holds its lease,
 * or sends anything but a GET to a path of that machine. */
static int actions_step_reaches(const struct plan_step *s, const char *id)
{
    const char *hit, *path = s->req.path;
    size_t n = strlen(id);

    if (s->lease && strcmp(s->lease, id) == 0)
        return 1;
    if (strcmp(s->req.method, "GET") == 0)
        return 0;
    for (hit = path ? strstr(path, "/machines/") : NULL; hit;
         hit = strstr(hit + 1, "/machines/")) {
        hit += strlen("/machines/");
        if (strncmp(hit, id, n) == 0 &&
            (hit[n] == '\0' || hit[n] == '/' || hit[n] == '?'))
            return 1;
    }
    return 0;
}

/*
 * Leases on machines whose host is not ok (audit point L3): as flyctl does,
 * such a machine is not leased, and the plan says so; a plan that must
 * reach it (restart it, exec on it) is refused, naming the step.  -1 when
 * refused.
 */
static int actions_host_leases(const struct fleet_cluster *c, struct plan *p,
                               struct action_preflight *pf)
{
    size_t i = 0, k;

    while (c && i < p->n_leases) {
        const struct fleet_node *n = fleet_cluster_node(c, p->leases[i]);
        const char *hs = n ? n->host_status : NULL;

        if (!hs || !*hs || strcmp(hs, "ok") == 0) {
            i++;
            continue;
        }
        for (k = 0; k < p->n_steps; k++)
            if (actions_step_reaches(&p->steps[k], n->id))
                return actions_refuse(
                    pf,
                    "the host of %s is %s: step %zu (%s) "
                    "cannot reach it; wait until its host "
                    "is ok%s",
                    n->id, hs, k + 1, p->steps[k].title,
                    c->n_nodes > 1 ? ", or leave it out (--node)" : "");
        plan_add_warning(p,
                         "%s is not leased: its host is %s (as flyctl, the "
                         "plan skips it; no step touches it)",
                         n->id, hs);
        free(p->leases[i]);
        memmove(&p->leases[i], &p->leases[i + 1],
                (p->n_leases - i - 1) * sizeof *p->leases);
        p->n_leases--;
    }
    return 0;
}

int action_build(const struct fleet_cluster *c, const struct action_args *args,
                 const char *plan_id, struct plan **out,
                 struct action_preflight *pf)
{
    struct plan *p;
    int rc;

    memset(pf, 0, sizeof *pf);
    *out = NULL;
    if ((int)args->kind < 0 || args->kind >= ACTION__COUNT)
        return actions_refuse(pf, "unknown action");
    if (args->kind == ACTION_CREATE) {
        if (c)
            return actions_refuse(pf, "a cluster named %s already exists",
                                  c->name);
    } else if (!c) {
        return actions_refuse(pf, "no Postgres cluster named %s",
                              args->cluster ? args->cluster : "(none)");
    }
    /* The plan's app: the new cluster of a restore (the source is only
     * read), else the cluster acted on. */
    p = plan_new(action_name(args->kind),
                 args->kind == ACTION_RESTORE ? (args->as ? args->as : "")
                 : c                          ? c->name
                     : (args->cluster ? args->cluster : ""),
                 plan_id);
    p->risk = PLAN_RISK_HIGH;
    if (c)
        pf->quorum_before = pf->quorum_after = actions_region_members(c);
    if (c && args->kind != ACTION_CREATE && args->kind != ACTION_DESTROY &&
        args->kind != ACTION_SNAPSHOT && actions_gate(c, pf) != 0) {
        plan_free(p);
        return -1;
    }
    switch (args->kind) {
    case ACTION_SCALE_MEMORY:
        rc = actions_scale_memory(c, args, p, pf);
        break;
    case ACTION_VOLUME_EXTEND:
        rc = actions_volume_extend(c, args, p, pf);
        break;
    case ACTION_REPLICA_ADD:
        rc = actions_replica_add(c, args, p, pf);
        break;
    case ACTION_REPLICA_REMOVE:
        rc = actions_replica_remove(c, args, p, pf);
        break;
    case ACTION_RESTART:
        rc = actions_restart(c, args, p, pf);
        break;
    case ACTION_FAILOVER:
        rc = actions_failover(c, args, p, pf);
        break;
    case ACTION_CREATE:
        rc = actions_create(args, p, pf);
        break;
    case ACTION_DESTROY:
        rc = actions_destroy(c, args, p, pf);
        break;
    case ACTION_HA:
        rc = actions_ha(c, args, p, pf);
        break;
    case ACTION_SNAPSHOT:
        rc = actions_snapshot(c, args, p, pf);
        break;
    case ACTION_RESTORE:
        rc = actions_restore(c, args, p, pf);
        break;
    case ACTION__COUNT:
    default:
        rc = actions_refuse(pf, "unknown action");
        break;
    }
    if (rc == 0)
        rc = actions_host_leases(c, p, pf);
    if (rc != 0) {
        if (!pf->reason)
            actions_refuse(pf, "a pre-flight check failed");
        plan_free(p);
        return -1;
    }
    pf->ok = 1;
    *out = p;
    return 0;
}

void action_preflight_clear(struct action_preflight *pf)
{
    size_t i;

    if (!pf)
        return;
    free(pf->reason);
    for (i = 0; i < pf->n_candidates; i++) {
        free(pf->candidates[i].id);
        free(pf->candidates[i].region);
        free(pf->candidates[i].reason);
    }
    free(pf->candidates);
    action_checks_free(pf->checks, pf->n_checks);
    memset(pf, 0, sizeof *pf);
}

/* ---- the menu ---- */

static void actions_menu_set(struct action_item *it, int enabled,
                             const char *fmt, ...)
{
    va_list ap;

    it->enabled = enabled;
    it->why[0] = '\0';
    if (enabled || !fmt)
        return;
    va_start(ap, fmt);
    (void)vsnprintf(it->why, sizeof it->why, fmt, ap);
    va_end(ap);
}

/* Whether any node of C has a known machine config. */
static int actions_any_config(const struct fleet_cluster *c)
{
    size_t i;

    for (i = 0; i < c->n_nodes; i++)
        if (c->nodes[i].config_json && *c->nodes[i].config_json)
            return 1;
    return 0;
}

static void actions_menu_cluster(const struct fleet_cluster *c,
                                 const struct fleet_node *sel,
                                 const char *node_id,
                                 struct action_item items[ACTION__COUNT])
{
    const struct fleet_node *prim = actions_primary(c);
    struct action_args a;
    struct action_preflight pf;
    int have_cfg =
        sel ? sel->config_json && *sel->config_json : actions_any_config(c);
    int have_vol = 0;
    size_t i;

    for (i = 0; i < c->n_nodes; i++)
        if ((!sel || sel == &c->nodes[i]) && c->nodes[i].volume.id &&
            *c->nodes[i].volume.id)
            have_vol = 1;

    if (node_id && !sel) {
        for (i = 0; i < ACTION__COUNT; i++)
            if (i != ACTION_CREATE && i != ACTION_DESTROY &&
                i != ACTION_FAILOVER && i != ACTION_REPLICA_ADD)
                actions_menu_set(&items[i], 0,
                                 "node %s is no longer in the cluster",
                                 node_id);
    } else {
        if (!have_cfg)
            actions_menu_set(&items[ACTION_SCALE_MEMORY], 0,
                             "the machine config is not known yet (data "
                             "from the cache)");
        else if (!sel && !prim && c->n_nodes > 1)
            actions_menu_set(&items[ACTION_SCALE_MEMORY], 0,
                             "no primary known: select one node");
        if (!have_vol && sel)
            actions_menu_set(&items[ACTION_VOLUME_EXTEND], 0,
                             "%s mounts no volume", sel->id);
        else if (!have_vol)
            actions_menu_set(&items[ACTION_VOLUME_EXTEND], 0,
                             "no node mounts a volume");
        else if (!sel && !prim && c->n_nodes > 1)
            actions_menu_set(&items[ACTION_VOLUME_EXTEND], 0,
                             "no primary known: select one node");
        if (!sel)
            actions_menu_set(&items[ACTION_REPLICA_REMOVE], 0,
                             "select the replica to remove");
        else if (sel == prim)
            actions_menu_set(&items[ACTION_REPLICA_REMOVE], 0,
                             "%s is the primary: fail over first", sel->id);
        else if (!prim)
            actions_menu_set(&items[ACTION_REPLICA_REMOVE], 0,
                             "no primary known to unregister it from");
        if (!sel && !prim && c->n_nodes > 1)
            actions_menu_set(&items[ACTION_RESTART], 0,
                             "no primary known: select one node");
    }
    /* A snapshot of the selected node's volume, else the primary's; a
     * restore starts from the snapshot chosen in the snapshots view. */
    if (sel ? !sel->volume.id || !*sel->volume.id
            : !prim || !prim->volume.id || !*prim->volume.id)
        actions_menu_set(&items[ACTION_SNAPSHOT], 0, "%s",
                         sel    ? "the node mounts no volume"
                         : prim ? "the primary mounts no known volume"
                                : "no primary known: select the node");
    actions_menu_set(&items[ACTION_RESTORE], 0, "%s",
                     "choose the snapshot in the snapshots view (b), then "
                     "Enter");
    if (!prim)
        actions_menu_set(&items[ACTION_REPLICA_ADD], 0,
                         "no primary to clone from");
    else if (!prim->config_json || !*prim->config_json)
        actions_menu_set(&items[ACTION_REPLICA_ADD], 0,
                         "the primary's machine config is not known yet");

    /* Failover: the structure, then whether any candidate is eligible
     * (lag aside: its limit is a setting the build applies). */
    memset(&pf, 0, sizeof pf);
    memset(&a, 0, sizeof a);
    a.kind = ACTION_FAILOVER;
    a.max_lag_bytes = INT64_MAX;
    a.force = 1;
    if (actions_failover_structure(c, &pf) != 0) {
        actions_menu_set(&items[ACTION_FAILOVER], 0, "%s", pf.reason);
    } else if (actions_candidates(c, &a, &pf) < 0) {
        actions_menu_set(&items[ACTION_FAILOVER], 0, "%s",
                         "no eligible candidate (see the failover preview)");
    }
    action_preflight_clear(&pf);

    /* HA: the conversion's checklist (memory aside: the plan fixes it). */
    memset(&pf, 0, sizeof pf);
    memset(&a, 0, sizeof a);
    a.kind = ACTION_HA;
    {
        long mb;

        if (actions_ha_checks(c, &a, &pf, &mb) != 0)
            actions_menu_set(&items[ACTION_HA], 0, "%s", pf.reason);
    }
    action_preflight_clear(&pf);
}

void action_menu(const struct fleet_cluster *c, const char *node_id,
                 int read_only, struct action_item items[ACTION__COUNT])
{
    const struct fleet_node *sel =
        c && node_id ? fleet_cluster_node(c, node_id) : NULL;
    size_t i;

    for (i = 0; i < ACTION__COUNT; i++) {
        items[i].kind = (enum action_kind)i;
        actions_menu_set(&items[i], 1, NULL);
    }
    if (read_only) {
        for (i = 0; i < ACTION__COUNT; i++)
            actions_menu_set(&items[i], 0, "read-only context");
        return;
    }
    if (!c) {
        for (i = 0; i < ACTION__COUNT; i++)
            if (i != ACTION_CREATE)
                actions_menu_set(&items[i], 0, "no cluster selected");
        return;
    }
    actions_menu_cluster(c, sel, node_id, items);
}

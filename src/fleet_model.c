#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/api.h"
#include "src/fleet.h"
#include "src/xmalloc.h"

/*
 * fleet_model: the pure helpers of the fleet model (fleet.h): lookups,
 * names, freeing, staleness.  No loop, no network.
 */

#define FLEET_NAME_STR(id, name) name,
static const char *const fleet_issue_names[] = {FLEET_ISSUES(FLEET_NAME_STR)};
static const char *const fleet_action_names[] = {FLEET_ACTIONS(FLEET_NAME_STR)};
#undef FLEET_NAME_STR

static const char *const fleet_verdict_names[] = {
    "unknown",   "healthy",   "idle",       "degraded",
    "read-only", "no quorum", "unreachable"};

const struct fleet_cluster *fleet_model_cluster(const struct fleet_model *m,
                                                const char *name)
{
    size_t i;

    if (!m || !name)
        return NULL;
    for (i = 0; i < m->n_clusters; i++) {
        if (strcmp(m->clusters[i].name, name) == 0)
            return &m->clusters[i];
    }
    return NULL;
}

const char *fleet_model_unknown(const struct fleet_model *m, const char *name)
{
    size_t i;

    for (i = 0; m && name && i < m->n_unknown; i++)
        if (strcmp(m->unknown_apps[i].name, name) == 0)
            return m->unknown_apps[i].reason;
    return NULL;
}

const struct fleet_node *fleet_cluster_node(const struct fleet_cluster *c,
                                            const char *id)
{
    size_t i;

    if (!c || !id)
        return NULL;
    for (i = 0; i < c->n_nodes; i++) {
        if (strcmp(c->nodes[i].id, id) == 0)
            return &c->nodes[i];
    }
    return NULL;
}

const struct fleet_node *
fleet_cluster_primary_node(const struct fleet_cluster *c)
{
    const struct fleet_node *found = NULL;
    size_t i;

    if (!c)
        return NULL;
    if (c->primary >= 0 && (size_t)c->primary < c->n_nodes)
        return &c->nodes[c->primary];
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *n = &c->nodes[i];

        if (n->reachable || !n->check_role || !n->state ||
            strcmp(n->state, "started") != 0 ||
            (strcmp(n->check_role, "primary") != 0 &&
             strcmp(n->check_role, "leader") != 0))
            continue;
        if (found)
            return NULL; /* two say so: let the operator choose */
        found = n;
    }
    return found;
}

struct fleet_model *fleet_model_new(const char *context, const char *org)
{
    struct fleet_model *m = x_calloc(1, sizeof *m);

    m->context = x_strdup(context ? context : "");
    m->org = x_strdup(org ? org : "");
    m->status = FLEET_STATUS_STARTING;
    m->generation = 1;
    return m;
}

void fleet_model_free(struct fleet_model *m)
{
    size_t i;

    if (!m)
        return;
    for (i = 0; i < m->n_clusters; i++)
        fleet_cluster_clear(&m->clusters[i]);
    free(m->clusters);
    for (i = 0; i < m->n_skipped; i++)
        free(m->skipped_apps[i]);
    free(m->skipped_apps);
    for (i = 0; i < m->n_unknown; i++) {
        free(m->unknown_apps[i].name);
        free(m->unknown_apps[i].reason);
    }
    free(m->unknown_apps);
    free(m->context);
    free(m->org);
    free(m->api.reason);
    free(m);
}

void fleet_issue_clear(struct fleet_issue *i)
{
    free(i->node_id);
    free(i->text);
    free(i->action_text);
    memset(i, 0, sizeof *i);
}

void fleet_volume_clear(struct fleet_volume *v)
{
    free(v->id);
    free(v->name);
    free(v->state);
    free(v->region);
    free(v->attached_machine_id);
    memset(v, 0, sizeof *v);
}

void fleet_node_clear(struct fleet_node *n)
{
    size_t i;

    free(n->id);
    free(n->name);
    free(n->region);
    free(n->state);
    free(n->private_ip);
    free(n->host_status);
    free(n->image);
    free(n->image_version);
    free(n->image_digest);
    free(n->config_json);
    free(n->cpu_kind);
    free(n->check_role);
    for (i = 0; i < n->n_checks; i++) {
        free(n->checks[i].name);
        free(n->checks[i].status);
        free(n->checks[i].output);
    }
    free(n->checks);
    for (i = 0; i < n->n_events; i++) {
        free(n->events[i].type);
        free(n->events[i].status);
        free(n->events[i].source);
    }
    free(n->events);
    free(n->restart_policy);
    free(n->api.reason);
    for (i = 0; i < n->n_slots; i++) {
        free(n->slots[i].name);
        free(n->slots[i].type);
    }
    free(n->slots);
    free(n->probe.reason);
    free(n->repl_state);
    free(n->fly_version);
    fleet_volume_clear(&n->volume);
    memset(n, 0, sizeof *n);
}

int fleet_node_named(const struct fleet_cluster *c, const struct fleet_node *n,
                     const char *name)
{
    return api_node_name_is(name, n->id, n->private_ip, c->name);
}

void fleet_others_clear(struct fleet_cluster *c)
{
    size_t i;

    for (i = 0; i < c->n_others; i++) {
        free(c->others[i].id);
        free(c->others[i].kind);
        free(c->others[i].state);
        free(c->others[i].region);
    }
    free(c->others);
    c->others = NULL;
    c->n_others = 0;
}

void fleet_cluster_clear(struct fleet_cluster *c)
{
    size_t i;

    free(c->name);
    free(c->primary_region);
    free(c->flavor);
    free(c->image_version);
    for (i = 0; i < c->n_nodes; i++)
        fleet_node_clear(&c->nodes[i]);
    free(c->nodes);
    for (i = 0; i < c->n_spare_volumes; i++)
        fleet_volume_clear(&c->spare_volumes[i]);
    free(c->spare_volumes);
    fleet_others_clear(c);
    free(c->role_map);
    for (i = 0; i < c->n_issues; i++)
        fleet_issue_clear(&c->issues[i]);
    free(c->issues);
    free(c->api.reason);
    memset(c, 0, sizeof *c);
}

int fleet_stale_set(struct fleet_stale *s, const char *reason, int64_t now_ms)
{
    if (!reason) {
        int changed = s->stale;

        s->stale = 0;
        free(s->reason);
        s->reason = NULL;
        s->updated_ms = now_ms;
        return changed;
    }
    if (s->stale && s->reason && strcmp(s->reason, reason) == 0)
        return 0;
    s->stale = 1;
    free(s->reason);
    s->reason = x_strdup(reason);
    return 1;
}

const char *fleet_verdict_name(enum fleet_verdict v)
{
    if ((unsigned)v >= FLEET_VERDICT__COUNT)
        return "unknown";
    return fleet_verdict_names[v];
}

int fleet_verdict_find(const char *name)
{
    int i;

    for (i = 0; i < FLEET_VERDICT__COUNT; i++) {
        if (strcmp(fleet_verdict_names[i], name) == 0)
            return i;
    }
    return -1;
}

const char *fleet_role_name(enum fleet_role r)
{
    switch (r) {
    case FLEET_ROLE_PRIMARY:
        return "primary";
    case FLEET_ROLE_REPLICA:
        return "replica";
    default:
        return "unknown";
    }
}

const char *fleet_lag_state_name(enum fleet_lag_state s)
{
    switch (s) {
    case FLEET_LAG_STREAMING:
        return "streaming";
    case FLEET_LAG_IDLE:
        return "idle";
    case FLEET_LAG_CATCHUP:
        return "catchup";
    case FLEET_LAG_MISSING:
        return "not streaming";
    case FLEET_LAG_UNKNOWN:
        return "unknown";
    default:
        return "";
    }
}

const char *fleet_severity_name(enum fleet_severity s)
{
    switch (s) {
    case FLEET_SEV_WARN:
        return "warning";
    case FLEET_SEV_CRIT:
        return "critical";
    default:
        return "info";
    }
}

const char *fleet_issue_name(enum fleet_issue_kind k)
{
    if ((unsigned)k >= FLEET_ISSUE__COUNT)
        return "unknown";
    return fleet_issue_names[k];
}

const char *fleet_action_name(enum fleet_action a)
{
    if ((unsigned)a >= FLEET_ACTION__COUNT)
        return "none";
    return fleet_action_names[a];
}

char fleet_node_marker(const struct fleet_node *n)
{
    if (!n->reachable && !n->probe.stale && n->probe.updated_ms == 0 &&
        !n->probe.reason)
        return n->api.stale ? '~' : ' ';
    if (!n->reachable)
        return '?';
    if (n->role_disagree)
        return '!';
    if (n->api.stale || n->probe.stale)
        return '~';
    if (n->role == FLEET_ROLE_PRIMARY)
        return '*';
    return ' ';
}

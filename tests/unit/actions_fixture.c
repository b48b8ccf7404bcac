#include "config.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/xmalloc.h"

#include "tests/unit/actions_fixture.h"
#include "tests/unit/unit.h"

/* ---- building clusters ---- */

char *config_of(const char *vol, const char *pr, const char *kind, int cpus,
                int mem)
{
    return x_asprintf(
        "{\"image\":\"flyio/postgres-flex:15.8\",\"env\":{\"PRIMARY_REGION\":"
        "\"%s\",\"KEEP\":\"${not_a_var}\"},\"init\":{},\"guest\":{\"cpu_kind\":"
        "\"%s\",\"cpus\":%d,\"memory_mb\":%d},\"metadata\":{\"fly-managed-"
        "postgres\":\"true\",\"fly_platform_version\":\"v2\"},\"mounts\":[{"
        "\"volume\":\"%s\",\"path\":\"/data\",\"name\":\"pg_data\","
        "\"size_gb\":10,\"encrypted\":true}],\"checks\":{\"pg\":{\"type\":"
        "\"http\",\"port\":5500,\"path\":\"/flycheck/pg\",\"interval\":\"15s\","
        "\"timeout\":\"10s\"},\"role\":{\"type\":\"http\",\"port\":5500,"
        "\"path\":\"/flycheck/role\",\"interval\":\"15s\",\"timeout\":"
        "\"10s\"}},\"metrics\":{\"port\":9187,\"path\":\"/metrics\"},"
        "\"restart\":{\"policy\":\"always\"}}",
        pr, kind, cpus, mem, vol);
}

void tnode(struct fleet_node *n, const char *id, const char *region,
           enum fleet_role role)
{
    static const char *const names[] = {"pg", "role", "vm"};
    size_t i;

    memset(n, 0, sizeof *n);
    n->id = x_strdup(id);
    n->name = x_asprintf("name-%s", id);
    n->region = x_strdup(region);
    n->state = x_strdup("started");
    n->private_ip = x_strdup("10.0.0.1");
    n->host_status = x_strdup("ok");
    n->image = x_strdup("flyio/postgres-flex:15.8");
    n->image_version = x_strdup("v0.0.66");
    n->image_digest = x_strdup("sha256:abc123");
    n->cpu_kind = x_strdup("shared");
    n->cpus = 1;
    n->memory_mb = 512;
    n->in_primary_region = strcmp(region, "iad") == 0;
    n->check_role =
        x_strdup(role == FLEET_ROLE_PRIMARY ? "primary" : "replica");
    n->n_checks = 3;
    n->checks = x_calloc(3, sizeof *n->checks);
    for (i = 0; i < 3; i++) {
        n->checks[i].name = x_strdup(names[i]);
        n->checks[i].status = x_strdup("passing");
        n->checks[i].output = x_strdup("ok");
    }
    n->checks_passing = 3;
    n->restart_policy = x_strdup("always");
    n->reachable = 1;
    n->role = role;
    n->timeline = 1;
    n->db_size_bytes = 100 * MB;
    n->lag_state =
        role == FLEET_ROLE_PRIMARY ? FLEET_LAG_NONE : FLEET_LAG_STREAMING;
    n->lag_replay_bytes = role == FLEET_ROLE_PRIMARY ? -1 : 1024;
    n->lag_ms = role == FLEET_ROLE_PRIMARY ? -1 : 20;
    n->repl_state = x_strdup("streaming");
    n->volume.id = x_asprintf("vol_%s", id);
    n->volume.name = x_strdup("pg_data");
    n->volume.size_gb = 10;
    n->config_json = config_of(n->volume.id, "iad", "shared", 1, 512);
}

/* A cluster of the N ids (the first one listed as ROLES[i]). */
struct fleet_cluster *cluster(size_t n, const char *const *ids,
                              const char *const *regions, long primary)
{
    struct fleet_cluster *c = x_calloc(1, sizeof *c);
    size_t i;

    c->name = x_strdup("acme-db");
    c->primary_region = x_strdup("iad");
    c->flavor = x_strdup("flex");
    c->image_version = x_strdup("v0.0.66");
    c->nodes = x_calloc(n, sizeof *c->nodes);
    c->n_nodes = n;
    c->primary = primary;
    for (i = 0; i < n; i++) {
        tnode(&c->nodes[i], ids[i], regions ? regions[i] : "iad",
              (long)i == primary ? FLEET_ROLE_PRIMARY : FLEET_ROLE_REPLICA);
        c->region_members += c->nodes[i].in_primary_region;
    }
    c->members_total = (int)n;
    return c;
}

/* Three nodes in iad; the primary is listed second. */
struct fleet_cluster *c3(void)
{
    static const char *const ids[] = {R1, P, R2};

    return cluster(3, ids, NULL, 1);
}

struct fleet_cluster *c2(void)
{
    static const char *const ids[] = {P, R1};

    return cluster(2, ids, NULL, 0);
}

struct fleet_cluster *c1(void)
{
    static const char *const ids[] = {P};

    return cluster(1, ids, NULL, 0);
}

void cluster_free(struct fleet_cluster *c)
{
    fleet_cluster_clear(c);
    free(c);
}

struct fleet_node *nd(struct fleet_cluster *c, const char *id)
{
    size_t i;

    for (i = 0; i < c->n_nodes; i++)
        if (strcmp(c->nodes[i].id, id) == 0)
            return &c->nodes[i];
    ck_abort_msg("no node %s", id);
    return NULL;
}

struct action_args args(enum action_kind k)
{
    struct action_args a;

    memset(&a, 0, sizeof a);
    a.kind = k;
    a.cluster = "acme-db";
    a.max_lag_bytes = 16 * MB;
    return a;
}

/* Builds, expecting success. */
struct plan *ok(const struct fleet_cluster *c, const struct action_args *a,
                struct action_preflight *pf)
{
    struct plan *p = NULL;
    int rc = action_build(c, a, PID, &p, pf);

    ck_assert_msg(rc == 0, "refused: %s", pf->reason ? pf->reason : "?");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(pf->ok, 1);
    ck_assert_str_eq(p->id, PID);
    ck_assert_str_eq(p->action, action_name(a->kind));
    return p;
}

long find(const struct plan *p, size_t from, const char *method,
          const char *path)
{
    size_t i;

    for (i = from; i < p->n_steps; i++)
        if (strcmp(p->steps[i].req.method, method) == 0 &&
            strcmp(p->steps[i].req.path, path) == 0)
            return (long)i;
    return -1;
}

int has_warning(const struct plan *p, const char *part)
{
    size_t i;

    for (i = 0; i < p->n_warnings; i++)
        if (strstr(p->warnings[i], part))
            return 1;
    return 0;
}

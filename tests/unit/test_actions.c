#include "config.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/actions.h"
#include "src/buf.h"
#include "src/fleet.h"
#include "src/plan.h"
#include "src/xmalloc.h"

#include "tests/unit/actions_fixture.h"
#include "tests/unit/unit.h"

/*
 * test_actions: the plan builders on clusters built here in C (three nodes
 * in iad, two nodes, a single node, a lagging replica, a replica in another
 * region, no primary): the steps (method, path, title), the bodies (valid
 * JSON carrying exactly the change), the order (replicas first, the
 * primary last), leases, risk, reconcile rules, abort steps, every refusal,
 * the menu verdicts, and purity (same input, same plan).
 */

/* Builds, expecting a refusal whose reason contains WANT (one line). */
static void refused(const struct fleet_cluster *c, const struct action_args *a,
                    const char *want)
{
    struct action_preflight pf;
    struct plan *p = (struct plan *)1;

    ck_assert_int_eq(action_build(c, a, PID, &p, &pf), -1);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(pf.ok, 0);
    ck_assert_ptr_nonnull(pf.reason);
    ck_assert_msg(strstr(pf.reason, want), "reason \"%s\" lacks \"%s\"",
                  pf.reason, want);
    ck_assert_msg(!strchr(pf.reason, '\n'), "reason on several lines");
    action_preflight_clear(&pf);
}

/* ---- looking at plans ---- */

static const struct plan_step *step_at(const struct plan *p, size_t i)
{
    ck_assert_msg(i < p->n_steps, "no step %zu (of %zu)", i, p->n_steps);
    return &p->steps[i];
}

static long find_title(const struct plan *p, const char *part)
{
    size_t i;

    for (i = 0; i < p->n_steps; i++)
        if (strstr(p->steps[i].title, part))
            return (long)i;
    return -1;
}

static cJSON *body_of(const struct plan_step *s)
{
    cJSON *o;

    ck_assert_ptr_nonnull(s->req.body);
    o = cJSON_Parse(s->req.body);
    ck_assert_msg(o ? 1 : 0, "body is not JSON: %s", s->req.body);
    return o;
}

static const cJSON *get(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    ck_assert_msg(v ? 1 : 0, "no member %s", k);
    return v;
}

static int has_lease(const struct plan *p, const char *id)
{
    size_t i;

    for (i = 0; i < p->n_leases; i++)
        if (strcmp(p->leases[i], id) == 0)
            return 1;
    return 0;
}

/* Every step's body parses; mutating steps on a machine carry its lease;
 * steps touching a leased machine by path name it. */
static void check_wellformed(const struct plan *p)
{
    size_t i;

    for (i = 0; i < p->n_steps + p->n_abort_steps; i++) {
        const struct plan_step *s =
            i < p->n_steps ? &p->steps[i] : &p->abort_steps[i - p->n_steps];

        ck_assert_msg(s->title && *s->title, "step %zu has no title", i);
        if (s->req.body)
            cJSON_Delete(body_of(s));
        if (s->kind == PLAN_STEP_WAIT || strcmp(s->req.method, "GET") == 0)
            ck_assert_msg(!s->mutates, "step %zu (%s) mutates", i, s->title);
        if (s->lease)
            ck_assert_msg(has_lease(p, s->lease), "lease %s not held",
                          s->lease);
        if (s->capture != PLAN_CAPTURE_NONE)
            ck_assert_ptr_nonnull(s->capture_var);
        if (s->reconcile == PLAN_RECONCILE_CHECK)
            ck_assert_ptr_nonnull(s->check);
        if (s->reconcile == PLAN_RECONCILE_FIND_MACHINE)
            ck_assert_ptr_nonnull(s->tag);
    }
}

/* The exec body running ARGV[0..] exactly. */
static void check_exec(const struct plan_step *s, const char *const *argv,
                       int timeout)
{
    cJSON *b = body_of(s);
    const cJSON *cmd = get(b, "command");
    int i;

    for (i = 0; argv[i]; i++)
        ck_assert_str_eq(cJSON_GetArrayItem(cmd, i)->valuestring, argv[i]);
    ck_assert_int_eq(cJSON_GetArraySize(cmd), i);
    ck_assert_int_eq(get(b, "timeout")->valueint, timeout);
    cJSON_Delete(b);
}

/* The WAIT after an update or restart of ID: started, checks. */
enum back_kind { BACK_ANY, BACK_UPDATE, BACK_RESTART };

/* Steps I, I + 1 wait for machine ID to be back (started, checks), after
 * step I - 1 changed it: with KIND, tied to the boot it made (audit M3):
 * an update keeps its instance_id and /wait asks for that version; a
 * restart keeps when it was sent and the GETs must show a start since. */
static void check_back_as(const struct plan *p, size_t i, const char *id,
                          enum back_kind kind)
{
    char *path = x_asprintf("/apps/${app}/machines/%s", id);
    char *var = NULL, *boot = NULL, *wait;
    const struct plan_step *ch = step_at(p, i - 1);

    if (kind == BACK_UPDATE) {
        var = x_asprintf("instance_%s", id);
        boot = x_asprintf("instance:${%s}", var);
        ck_assert_int_eq(ch->capture, PLAN_CAPTURE_INSTANCE);
    } else if (kind == BACK_RESTART) {
        var = x_asprintf("restarted_%s", id);
        boot = x_asprintf("since:${%s}", var);
        ck_assert_int_eq(ch->capture, PLAN_CAPTURE_BEGAN);
    }
    if (var)
        ck_assert_str_eq(ch->capture_var, var);
    ck_assert_int_eq(step_at(p, i)->kind, PLAN_STEP_WAIT);
    ck_assert_str_eq(step_at(p, i)->req.method, "GET");
    if (kind == BACK_UPDATE) {
        wait = x_asprintf("%s/wait?instance_id=${%s}&state=started&"
                          "timeout=60",
                          path, var);
        ck_assert_str_eq(step_at(p, i)->req.path, wait);
        ck_assert_int_eq(step_at(p, i)->cond, PLAN_COND_OK);
        free(wait);
    } else {
        ck_assert_str_eq(step_at(p, i)->req.path, path);
        ck_assert_int_eq(step_at(p, i)->cond, PLAN_COND_MACHINE_STATE);
        ck_assert_str_eq(step_at(p, i)->cond_arg, "started");
        if (boot)
            ck_assert_str_eq(step_at(p, i)->boot, boot);
        else
            ck_assert_ptr_null(step_at(p, i)->boot);
    }
    ck_assert_int_eq(step_at(p, i + 1)->cond, PLAN_COND_CHECKS_PASSING);
    ck_assert_str_eq(step_at(p, i + 1)->req.path, path);
    if (boot)
        ck_assert_str_eq(step_at(p, i + 1)->boot, boot);
    else
        ck_assert_ptr_null(step_at(p, i + 1)->boot);
    free(path);
    free(var);
    free(boot);
}

static void check_back(const struct plan *p, size_t i, const char *id)
{
    check_back_as(p, i, id, BACK_ANY);
}

/* Step I waits for REPLICA streaming from PRIMARY (exec on PRIMARY). */
static void check_streaming(const struct plan *p, size_t i, const char *primary,
                            const char *replica)
{
    const struct plan_step *s = step_at(p, i);
    char *path = x_asprintf("/apps/${app}/machines/%s/exec", primary);
    /* By every name flex gives it: the id first (from v0.0.63). */
    char *sql =
        x_asprintf("application_name in ('%s', '%s.vm.", replica, replica);
    cJSON *b = body_of(s);
    const cJSON *cmd = get(b, "command");

    ck_assert_int_eq(s->kind, PLAN_STEP_WAIT);
    ck_assert_str_eq(s->req.method, "POST");
    ck_assert_str_eq(s->req.path, path);
    ck_assert_int_eq(s->cond, PLAN_COND_EXEC_STDOUT);
    ck_assert_str_eq(s->cond_arg, "1");
    /* As postgres (exec is root on flex), on flex's port. */
    ck_assert_str_eq(cJSON_GetArrayItem(cmd, 0)->valuestring, "gosu");
    ck_assert_str_eq(cJSON_GetArrayItem(cmd, 1)->valuestring, "postgres");
    ck_assert_str_eq(cJSON_GetArrayItem(cmd, 2)->valuestring, "psql");
    ck_assert_str_eq(cJSON_GetArrayItem(cmd, 3)->valuestring, "-p");
    ck_assert_str_eq(cJSON_GetArrayItem(cmd, 4)->valuestring, "5433");
    ck_assert_ptr_nonnull(
        strstr(cJSON_GetArrayItem(cmd, 6)->valuestring, "pg_stat_replication"));
    ck_assert_ptr_nonnull(strstr(cJSON_GetArrayItem(cmd, 6)->valuestring, sql));
    ck_assert(!s->mutates);
    cJSON_Delete(b);
    free(path);
    free(sql);
}

/* ---- names and memory sizes ---- */

START_TEST(test_names)
{
    ck_assert_str_eq(action_name(ACTION_SCALE_MEMORY), "scale-memory");
    ck_assert_str_eq(action_name(ACTION_FAILOVER), "failover");
    ck_assert_str_eq(action_label(ACTION_REPLICA_ADD), "add replica");
    ck_assert_str_eq(action_name(ACTION__COUNT), "?");
}
END_TEST

static const struct mem_case {
    const char *kind;
    int cpus;
    long mb;
    const char *why; /* NULL: valid */
} mem_cases[] = {
    {"shared", 1, 256, NULL},
    {"shared", 1, 2048, NULL},
    {"shared", 2, 4096, NULL},
    {"", 1, 1024, NULL},
    {"shared", 1, 300, "multiple of 256 MB for shared"},
    {"shared", 1, 4096, "between 256 and 2048 MB for 1 shared CPU"},
    {"shared", 4, 768, "between 1024 and 8192 MB"},
    {"shared", 3, 1024, "3 shared CPUs"},
    {"shared", 1, 0, "positive"},
    {"performance", 1, 2048, NULL},
    {"performance", 2, 16384, NULL},
    {"performance", 1, 1536, "multiple of 1024 MB for performance"},
    {"performance", 1, 1024, "between 2048 and 8192 MB"},
    {"performance", 1, 9216, "between 2048 and 8192 MB"},
    {"performance", 3, 8192, "3 performance CPUs"},
    {"gpu", 1, 1024, "unknown CPU kind"},
};

START_TEST(test_memory_valid)
{
    const struct mem_case *m = &mem_cases[_i];
    char why[160] = "";
    int rc = action_memory_valid(m->kind, m->cpus, m->mb, why, sizeof why);

    if (!m->why) {
        ck_assert_msg(rc == 0, "%s %d %ld: %s", m->kind, m->cpus, m->mb, why);
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert_msg(strstr(why, m->why), "\"%s\" lacks \"%s\"", why, m->why);
    }
}
END_TEST

/* ---- scale memory ---- */

START_TEST(test_scale_all)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_SCALE_MEMORY);
    struct action_preflight pf;
    const char *order[] = {R1, R2, P};
    const char *which[] = {"(replica 1 of 2)", "(replica 2 of 2)",
                           "(the primary)"};
    struct plan *p;
    size_t i;
    long at = 0;

    a.memory_mb = 1024;
    p = ok(c, &a, &pf);
    check_wellformed(p);
    ck_assert_int_eq(p->risk, PLAN_RISK_HIGH);
    ck_assert_uint_eq(p->n_leases, 3);
    for (i = 0; i < 3; i++)
        ck_assert(has_lease(p, order[i]));
    ck_assert(has_warning(p, "primary " P " restarts"));
    for (i = 0; i < 3; i++) {
        char *path = x_asprintf("/apps/${app}/machines/%s", order[i]);
        char *title = x_asprintf("update %s memory 512 -> 1024 MB %s", order[i],
                                 which[i]);
        const struct plan_step *s;
        cJSON *b, *want;

        at = find(p, (size_t)at, "POST", path);
        ck_assert_msg(at >= 0, "no update of %s in order", order[i]);
        s = step_at(p, (size_t)at);
        ck_assert_str_eq(s->title, title);
        ck_assert_int_eq(s->kind, PLAN_STEP_CALL);
        ck_assert_int_eq(s->mutates, 1);
        ck_assert_str_eq(s->lease, order[i]);
        ck_assert_int_eq(s->reconcile, PLAN_RECONCILE_RERUN);
        /* The whole config, memory changed and nothing else. */
        b = body_of(s);
        want = cJSON_Parse(nd(c, order[i])->config_json);
        cJSON_ReplaceItemInObjectCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(want, "guest"), "memory_mb",
            cJSON_CreateNumber(1024));
        ck_assert(cJSON_Compare(get(b, "config"), want, 1));
        ck_assert_str_eq(get(b, "region")->valuestring, "iad");
        ck_assert_str_eq(get(b, "name")->valuestring, nd(c, order[i])->name);
        ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(b, "skip_launch"));
        cJSON_Delete(b);
        cJSON_Delete(want);
        check_back_as(p, (size_t)at + 1, order[i], BACK_UPDATE);
        if (i < 2) {
            check_streaming(p, (size_t)at + 3, P, order[i]);
        } else {
            /* The primary: its role, then every replica streams again. */
            ck_assert_int_eq(step_at(p, (size_t)at + 3)->cond, PLAN_COND_ROLE);
            ck_assert_str_eq(step_at(p, (size_t)at + 3)->cond_arg, "primary");
            check_streaming(p, (size_t)at + 4, P, R1);
            check_streaming(p, (size_t)at + 5, P, R2);
            ck_assert_uint_eq(p->n_steps, (size_t)at + 6);
        }
        free(path);
        free(title);
    }
    /* Abort: start each machine again. */
    ck_assert_uint_eq(p->n_abort_steps, 3);
    for (i = 0; i < 3; i++) {
        char *path = x_asprintf("/apps/${app}/machines/%s/start", order[i]);

        ck_assert_str_eq(p->abort_steps[i].req.path, path);
        ck_assert_str_eq(p->abort_steps[i].lease, order[i]);
        ck_assert_int_eq(p->abort_steps[i].best_effort, 1);
        free(path);
    }
    plan_free(p);
    action_preflight_clear(&pf);
    cluster_free(c);
}
END_TEST

START_TEST(test_scale_one_and_skip)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_SCALE_MEMORY);
    struct action_preflight pf;
    struct plan *p;
    cJSON *b;

    /* One node. */
    a.memory_mb = 256;
    a.node = R2;
    p = ok(c, &a, &pf);
    ck_assert_uint_eq(p->n_leases, 1);
    ck_assert_str_eq(p->leases[0], R2);
    ck_assert_str_eq(step_at(p, 0)->req.path, "/apps/${app}/machines/" R2);
    ck_assert(has_warning(p, "scaling down"));
    ck_assert_int_eq(find(p, 1, "POST", "/apps/${app}/machines/" P), -1);
    plan_free(p);
    action_preflight_clear(&pf);

    /* Nodes already at the size are left alone; a stopped one stays
     * stopped (skip_launch) and is not waited for. */
    nd(c, R1)->memory_mb = 1024;
    free(nd(c, R2)->state);
    nd(c, R2)->state = x_strdup("stopped");
    a.node = NULL;
    a.memory_mb = 1024;
    a.no_snapshot = 1; /* the snapshot first: test_snap.c */
    p = ok(c, &a, &pf);
    check_wellformed(p);
    ck_assert_int_eq(find(p, 0, "POST", "/apps/${app}/machines/" R1), -1);
    ck_assert_uint_eq(p->n_leases, 2);
    ck_assert_str_eq(step_at(p, 0)->req.path, "/apps/${app}/machines/" R2);
    b = body_of(step_at(p, 0));
    ck_assert(cJSON_IsTrue(get(b, "skip_launch")));
    cJSON_Delete(b);
    ck_assert_str_eq(step_at(p, 1)->req.path, "/apps/${app}/machines/" P);
    ck_assert(has_warning(p, R2 " is stopped"));
    plan_free(p);
    action_preflight_clear(&pf);
    cluster_free(c);
}
END_TEST

START_TEST(test_scale_refusals)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_SCALE_MEMORY);

    a.memory_mb = 512;
    refused(c, &a, "every node of acme-db already has 512 MB");
    a.node = R1;
    refused(c, &a, R1 " already has 512 MB");
    a.memory_mb = 300;
    refused(c, &a, "multiple of 256 MB for shared CPUs");
    a.memory_mb = 4096;
    refused(c, &a, "between 256 and 2048 MB for 1 shared CPU");
    free(nd(c, R1)->cpu_kind);
    nd(c, R1)->cpu_kind = x_strdup("performance");
    a.memory_mb = 1024;
    refused(c, &a, "between 2048 and 8192 MB for 1 performance CPU");
    a.memory_mb = 1536;
    refused(c, &a, "multiple of 1024 MB for performance CPUs");
    a.node = "0000000000dead";
    refused(c, &a, "no node 0000000000dead in cluster acme-db");
    /* From the cache: no config to send back. */
    a.node = R2;
    a.memory_mb = 1024;
    free(nd(c, R2)->config_json);
    nd(c, R2)->config_json = NULL;
    refused(c, &a, "machine config of " R2 " is not known");
    /* Several nodes and no primary: the primary cannot go last. */
    a.node = NULL;
    c->primary = -1;
    refused(c, &a, "no primary known");
    cluster_free(c);
}
END_TEST

/* ---- volume extend ---- */

START_TEST(test_extend_all)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_VOLUME_EXTEND);
    struct action_preflight pf;
    const char *order[] = {R1, R2, P};
    const char *var;
    struct plan *p;
    size_t i;
    long at = 0;

    a.size_gb = 20;
    p = ok(c, &a, &pf);
    check_wellformed(p);
    ck_assert_int_eq(p->risk, PLAN_RISK_HIGH);
    ck_assert_uint_eq(p->n_leases, 3);
    for (i = 0; i < 3; i++) {
        char *path = x_asprintf("/apps/${app}/volumes/vol_%s/extend", order[i]);
        char *rpath = x_asprintf("/apps/${app}/machines/%s/restart", order[i]);
        const struct plan_step *s;
        cJSON *b;

        at = find(p, (size_t)at, "PUT", path);
        ck_assert_msg(at >= 0, "no extend of %s in order", order[i]);
        s = step_at(p, (size_t)at);
        ck_assert_int_eq(s->mutates, 1);
        ck_assert_ptr_nonnull(strstr(s->title, "10 -> 20 GB"));
        b = body_of(s);
        ck_assert_int_eq(get(b, "size_gb")->valueint, 20);
        ck_assert_int_eq(cJSON_GetArraySize(b), 1);
        cJSON_Delete(b);
        /* The restart only when the answer says needs_restart. */
        ck_assert_int_eq(s->capture, PLAN_CAPTURE_NEEDS_RESTART);
        ck_assert_ptr_nonnull(s->capture_var);
        ck_assert_ptr_null(plan_var(p, s->capture_var));
        var = s->capture_var;
        s = step_at(p, (size_t)at + 1);
        ck_assert_str_eq(s->req.method, "POST");
        ck_assert_str_eq(s->req.path, rpath);
        ck_assert_str_eq(s->lease, order[i]);
        ck_assert_int_eq(s->mutates, 1);
        ck_assert_str_eq(s->needs, var);
        ck_assert_str_eq(step_at(p, (size_t)at + 2)->needs, var);
        check_back_as(p, (size_t)at + 2, order[i], BACK_RESTART);
        free(path);
        free(rpath);
    }
    plan_free(p);
    action_preflight_clear(&pf);
    cluster_free(c);
}
END_TEST

START_TEST(test_extend_refusals)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_VOLUME_EXTEND);

    a.size_gb = 5;
    refused(c, &a, "is 10 GB and a volume can only grow (asked 5 GB)");
    a.size_gb = 10;
    refused(c, &a, "every volume of acme-db is already 10 GB");
    a.node = R1;
    refused(c, &a, "volume vol_" R1 " of " R1 " is already 10 GB");
    a.size_gb = 0;
    refused(c, &a, "positive number of GB");
    a.size_gb = 20;
    a.node = "0000000000dead";
    refused(c, &a, "no node 0000000000dead");
    a.node = R1;
    nd(c, R1)->volume.size_gb = 0;
    refused(c, &a, "size of volume vol_" R1 " of " R1 " is not known");
    free(nd(c, R1)->volume.id);
    nd(c, R1)->volume.id = x_strdup("");
    refused(c, &a, R1 " mounts no volume");
    cluster_free(c);
}
END_TEST

/* ---- restart ---- */

START_TEST(test_restart)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_RESTART);
    struct action_preflight pf;
    struct plan *p;
    long r1, r2, pr;

    /* One replica: low risk. */
    a.node = R1;
    p = ok(c, &a, &pf);
    check_wellformed(p);
    ck_assert_int_eq(p->risk, PLAN_RISK_LOW);
    ck_assert_uint_eq(p->n_leases, 1);
    ck_assert_str_eq(step_at(p, 0)->req.path,
                     "/apps/${app}/machines/" R1 "/restart");
    ck_assert_str_eq(step_at(p, 0)->title, "restart " R1 " (a replica)");
    ck_assert_str_eq(step_at(p, 0)->lease, R1);
    /* Resumed after a lost answer: restarted again only when the
     * machine has no restart event since the step began. */
    ck_assert_int_eq(step_at(p, 0)->reconcile, PLAN_RECONCILE_CHECK);
    ck_assert_ptr_nonnull(step_at(p, 0)->check);
    ck_assert_str_eq(step_at(p, 0)->check->req.method, "GET");
    ck_assert_str_eq(step_at(p, 0)->check->req.path,
                     "/apps/${app}/machines/" R1);
    ck_assert_int_eq(step_at(p, 0)->check->cond, PLAN_COND_EVENT_SINCE);
    ck_assert_str_eq(step_at(p, 0)->check->cond_arg, "restart");
    check_back_as(p, 1, R1, BACK_RESTART);
    check_streaming(p, 3, P, R1);
    ck_assert_uint_eq(p->n_steps, 4);
    ck_assert_uint_eq(p->n_abort_steps, 1);
    ck_assert_str_eq(p->abort_steps[0].req.path,
                     "/apps/${app}/machines/" R1 "/start");
    plan_free(p);
    action_preflight_clear(&pf);

    /* The primary: high risk. */
    a.node = P;
    p = ok(c, &a, &pf);
    ck_assert_int_eq(p->risk, PLAN_RISK_HIGH);
    ck_assert(has_warning(p, "writes stop"));
    plan_free(p);
    action_preflight_clear(&pf);

    /* The cluster: replicas first, the primary last. */
    a.node = NULL;
    p = ok(c, &a, &pf);
    check_wellformed(p);
    ck_assert_int_eq(p->risk, PLAN_RISK_HIGH);
    r1 = find(p, 0, "POST", "/apps/${app}/machines/" R1 "/restart");
    r2 = find(p, 0, "POST", "/apps/${app}/machines/" R2 "/restart");
    pr = find(p, 0, "POST", "/apps/${app}/machines/" P "/restart");
    ck_assert(r1 >= 0 && r2 > r1 && pr > r2);
    plan_free(p);
    action_preflight_clear(&pf);

    /* A stopped replica is started instead. */
    free(nd(c, R2)->state);
    nd(c, R2)->state = x_strdup("stopped");
    a.node = R2;
    p = ok(c, &a, &pf);
    ck_assert_str_eq(step_at(p, 0)->req.path,
                     "/apps/${app}/machines/" R2 "/start");
    ck_assert_ptr_nonnull(strstr(step_at(p, 0)->title, "it is stopped"));
    plan_free(p);
    action_preflight_clear(&pf);

    a.node = "0000000000dead";
    refused(c, &a, "no node 0000000000dead in cluster acme-db");
    a.node = NULL;
    c->primary = -1;
    refused(c, &a, "no primary known");
    cluster_free(c);
}
END_TEST

/* ---- replica add ---- */

START_TEST(test_replica_add)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_REPLICA_ADD);
    struct action_preflight pf;
    struct plan *p;
    const struct plan_step *s;
    cJSON *b, *cfg, *want;
    const cJSON *mounts;

    p = ok(c, &a, &pf);
    check_wellformed(p);
    ck_assert_int_eq(p->risk, PLAN_RISK_HIGH);
    ck_assert_uint_eq(p->n_leases, 0);
    ck_assert_int_eq(pf.quorum_before, 3);
    ck_assert_int_eq(pf.quorum_after, 4);
    ck_assert_ptr_null(plan_var(p, "new_volume"));
    ck_assert_str_eq(plan_var(p, "app"), "acme-db");

    /* 1. The volume: the source mount's name, the source's size. */
    s = step_at(p, 0);
    ck_assert_str_eq(s->req.method, "POST");
    ck_assert_str_eq(s->req.path, "/apps/${app}/volumes");
    ck_assert_int_eq(s->mutates, 1);
    ck_assert_int_eq(s->capture, PLAN_CAPTURE_ID);
    ck_assert_str_eq(s->capture_var, "new_volume");
    ck_assert_int_eq(s->reconcile, PLAN_RECONCILE_FIND_VOLUME);
    b = body_of(s);
    ck_assert_str_eq(get(b, "name")->valuestring, "pg_data");
    ck_assert_str_eq(get(b, "region")->valuestring, "iad");
    ck_assert_int_eq(get(b, "size_gb")->valueint, 10);
    ck_assert(cJSON_IsTrue(get(b, "encrypted")));
    ck_assert(cJSON_IsTrue(get(b, "require_unique_zone")));
    cJSON_Delete(b);

    /* 2. The machine: the primary's config, image pinned, the new volume,
     * tagged. */
    s = step_at(p, 1);
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines");
    ck_assert_int_eq(s->capture, PLAN_CAPTURE_ID);
    ck_assert_str_eq(s->capture_var, "new_machine");
    ck_assert_int_eq(s->reconcile, PLAN_RECONCILE_FIND_MACHINE);
    ck_assert_str_eq(s->tag, PID "/2");
    ck_assert_ptr_nonnull(strstr(s->title, "create the machine"));
    b = body_of(s);
    ck_assert_str_eq(get(b, "region")->valuestring, "iad");
    ck_assert(cJSON_IsFalse(get(b, "skip_secrets")));
    cfg = cJSON_DetachItemFromObjectCaseSensitive(b, "config");
    ck_assert_str_eq(get(cfg, "image")->valuestring,
                     "flyio/postgres-flex:15.8@sha256:abc123");
    mounts = get(cfg, "mounts");
    ck_assert_int_eq(cJSON_GetArraySize(mounts), 1);
    ck_assert_str_eq(get(cJSON_GetArrayItem(mounts, 0), "volume")->valuestring,
                     "${new_volume}");
    ck_assert_str_eq(get(cJSON_GetArrayItem(mounts, 0), "path")->valuestring,
                     "/data");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetArrayItem(mounts, 0)), 2);
    ck_assert_str_eq(get(get(cfg, "metadata"), PLAN_TAG_KEY)->valuestring,
                     PID "/2");
    /* Everything else verbatim. */
    want = cJSON_Parse(nd(c, P)->config_json);
    cJSON_DeleteItemFromObjectCaseSensitive(cfg, "image");
    cJSON_DeleteItemFromObjectCaseSensitive(want, "image");
    cJSON_DeleteItemFromObjectCaseSensitive(cfg, "mounts");
    cJSON_DeleteItemFromObjectCaseSensitive(want, "mounts");
    cJSON_DeleteItemFromObjectCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cfg, "metadata"), PLAN_TAG_KEY);
    ck_assert(cJSON_Compare(cfg, want, 1));
    cJSON_Delete(cfg);
    cJSON_Delete(want);
    cJSON_Delete(b);

    /* 3. Until it serves. */
    s = step_at(p, 2);
    ck_assert_int_eq(s->kind, PLAN_STEP_WAIT);
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines/${new_machine}");
    ck_assert_str_eq(s->cond_arg, "started");
    ck_assert_int_eq(step_at(p, 3)->cond, PLAN_COND_CHECKS_PASSING);
    check_streaming(p, 4, P, "${new_machine}");
    ck_assert_uint_eq(p->n_steps, 5);

    /* Abort: the new machine's repmgr member is looked up and unregistered
     * first, each a guard (a failure stops the abort before the destroy),
     * then the machine, its slot and the volume go, each only when made. */
    s = &p->abort_steps[0];
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines/" P "/exec");
    ck_assert_int_eq(s->capture, PLAN_CAPTURE_EXEC_STDOUT);
    ck_assert_str_eq(s->needs, "new_machine");
    ck_assert(s->guard && !s->best_effort);
    s = &p->abort_steps[1];
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines/" P "/exec");
    ck_assert_ptr_nonnull(strstr(s->req.body, "unregister"));
    ck_assert(s->guard && !s->best_effort);
    s = &p->abort_steps[2];
    ck_assert_str_eq(s->req.method, "DELETE");
    ck_assert_str_eq(s->req.path,
                     "/apps/${app}/machines/${new_machine}?force=true");
    ck_assert_str_eq(s->needs, "new_machine");
    ck_assert(!s->guard && s->best_effort);
    s = &p->abort_steps[4];
    ck_assert_ptr_nonnull(strstr(s->req.body, "pg_drop_replication_slot"));
    ck_assert(s->guard);
    s = &p->abort_steps[p->n_abort_steps - 1];
    ck_assert_str_eq(s->req.method, "DELETE");
    ck_assert_str_eq(s->req.path, "/apps/${app}/volumes/${new_volume}");
    ck_assert_str_eq(s->needs, "new_volume");
    plan_free(p);
    action_preflight_clear(&pf);

    /* Outside PRIMARY_REGION: a warning, no quorum gain. */
    a.region = "ord";
    p = ok(c, &a, &pf);
    ck_assert(has_warning(p, "will never be promoted"));
    ck_assert_int_eq(pf.quorum_after, 3);
    b = body_of(step_at(p, 0));
    ck_assert_str_eq(get(b, "region")->valuestring, "ord");
    cJSON_Delete(b);
    plan_free(p);
    action_preflight_clear(&pf);

    /* An image pinned already stays as it is. */
    a.region = NULL;
    free(nd(c, P)->config_json);
    nd(c, P)->config_json = x_strdup(
        "{\"image\":\"flyio/postgres-flex:15.8@sha256:fff\",\"mounts\":[{"
        "\"volume\":\"vol_x\",\"path\":\"/pgdata\",\"add_size_gb\":5}]}");
    p = ok(c, &a, &pf);
    b = body_of(step_at(p, 1));
    ck_assert_str_eq(get(get(b, "config"), "image")->valuestring,
                     "flyio/postgres-flex:15.8@sha256:fff");
    mounts = get(get(b, "config"), "mounts");
    ck_assert_str_eq(get(cJSON_GetArrayItem(mounts, 0), "path")->valuestring,
                     "/pgdata");
    ck_assert_int_eq(
        get(cJSON_GetArrayItem(mounts, 0), "add_size_gb")->valueint, 5);
    ck_assert_str_eq(
        get(get(get(b, "config"), "metadata"), PLAN_TAG_KEY)->valuestring,
        PID "/2");
    cJSON_Delete(b);
    plan_free(p);
    action_preflight_clear(&pf);

    a.region = "Not A Region";
    refused(c, &a, "is not a region code");
    a.region = NULL;
    free(nd(c, P)->config_json);
    nd(c, P)->config_json = x_strdup("{\"image\":\"x\"}");
    refused(c, &a, "mounts no volume");
    c->primary = -1;
    refused(c, &a, "no primary in acme-db");
    cluster_free(c);
}
END_TEST

/* ---- replica remove ---- */

START_TEST(test_replica_remove)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_REPLICA_REMOVE);
    struct action_preflight pf;
    const char *un[] = {"gosu",
                        "postgres",
                        "repmgr",
                        "standby",
                        "unregister",
                        "-f",
                        "/data/repmgr.conf",
                        "--node-id=${node_id}",
                        NULL};
    struct plan *p;
    const struct plan_step *s;
    cJSON *b;

    a.node = R2;
    a.no_snapshot = 1; /* the snapshot first: test_snap.c */
    p = ok(c, &a, &pf);
    check_wellformed(p);
    ck_assert_int_eq(p->risk, PLAN_RISK_HIGH);
    ck_assert_uint_eq(p->n_leases, 1);
    ck_assert_str_eq(p->leases[0], R2);
    ck_assert_int_eq(pf.quorum_after, 2);
    ck_assert(has_warning(p, "below 3"));
    ck_assert_str_eq(plan_var(p, "node"), R2);

    s = step_at(p, 0);
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines/${node}/stop");
    ck_assert_str_eq(s->lease, R2);
    ck_assert_int_eq(s->mutates, 1);
    s = step_at(p, 1);
    ck_assert_int_eq(s->kind, PLAN_STEP_WAIT);
    ck_assert_str_eq(s->cond_arg, "stopped");
    /* The repmgr node id, on the primary; skipped steps when unknown. */
    s = step_at(p, 2);
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines/" P "/exec");
    ck_assert_int_eq(s->capture, PLAN_CAPTURE_EXEC_STDOUT);
    ck_assert_str_eq(s->capture_var, "node_id");
    ck_assert_int_eq(s->mutates, 0);
    /* Not best effort: when the primary cannot be asked, the plan stops
     * here, before the machine is destroyed (audit C2). */
    ck_assert_int_eq(s->best_effort, 0);
    b = body_of(s);
    ck_assert_ptr_nonnull(
        strstr(cJSON_GetArrayItem(get(b, "command"), 8)->valuestring,
               "node_name in ('" R2 "', '" R2 ".vm."));
    cJSON_Delete(b);
    s = step_at(p, 3);
    check_exec(s, un, 60);
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines/" P "/exec");
    ck_assert_str_eq(s->needs, "node_id");
    ck_assert_int_eq(s->mutates, 1);
    ck_assert_int_eq(s->reconcile, PLAN_RECONCILE_CHECK);
    ck_assert_int_eq(s->check->cond, PLAN_COND_EXEC_STDOUT);
    ck_assert_str_eq(s->check->cond_arg, "0");
    s = step_at(p, 4);
    ck_assert_str_eq(s->needs, "node_id");
    b = body_of(s);
    ck_assert_ptr_nonnull(
        strstr(cJSON_GetArrayItem(get(b, "command"), 6)->valuestring,
               "pg_drop_replication_slot(slot_name)) from pg_replication_slots "
               "where slot_name = 'repmgr_slot_${node_id}'"));
    cJSON_Delete(b);
    s = step_at(p, 5);
    ck_assert_str_eq(s->req.method, "DELETE");
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines/${node}?force=true");
    ck_assert_str_eq(s->lease, R2);
    ck_assert_int_eq(s->reconcile, PLAN_RECONCILE_CHECK);
    ck_assert_int_eq(s->check->cond, PLAN_COND_GONE);
    ck_assert_int_eq(step_at(p, 6)->cond, PLAN_COND_GONE);
    s = step_at(p, 7);
    ck_assert_str_eq(s->req.method, "DELETE");
    ck_assert_str_eq(s->req.path, "/apps/${app}/volumes/${volume}");
    ck_assert_str_eq(plan_var(p, "volume"), "vol_" R2);
    ck_assert_uint_eq(p->n_steps, 8);
    ck_assert_uint_eq(p->n_abort_steps, 1);
    ck_assert_str_eq(p->abort_steps[0].req.path,
                     "/apps/${app}/machines/" R2 "/start");
    plan_free(p);
    action_preflight_clear(&pf);

    a.node = P;
    refused(c, &a, P " is the primary of acme-db");
    a.node = "0000000000dead";
    refused(c, &a, "no node 0000000000dead in cluster acme-db");
    a.node = NULL;
    refused(c, &a, "name the replica to remove");
    cluster_free(c);
}
END_TEST

/* ---- hosts that are not ok (audit point L3) ---- */

/* As flyctl's leases, a plan skips a machine whose host is not ok and says
 * so; a plan that must reach that machine is refused, naming the step. */
START_TEST(test_host_not_ok)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_FAILOVER);
    struct action_preflight pf;
    struct plan *p;
    size_t i;

    free(nd(c, R1)->host_status);
    nd(c, R1)->host_status = x_strdup("unreachable");
    a.no_snapshot = 1;
    p = ok(c, &a, &pf);
    check_wellformed(p);
    ck_assert(!has_lease(p, R1));
    ck_assert(has_lease(p, P));
    ck_assert(has_lease(p, R2));
    ck_assert_uint_eq(p->n_leases, 2);
    ck_assert(has_warning(p, R1 " is not leased: its host is unreachable"));
    for (i = 0; i < p->n_steps; i++)
        ck_assert_msg(!p->steps[i].lease || strcmp(p->steps[i].lease, R1),
                      "step %zu holds the lease of " R1, i + 1);
    plan_free(p);
    action_preflight_clear(&pf);

    /* Restarting every node would restart it: refused, saying which. */
    a = args(ACTION_RESTART);
    refused(c, &a, "the host of " R1 " is unreachable: step ");
    refused(c, &a, "(restart " R1);
    /* The other nodes one by one: fine, nothing to skip. */
    a.node = R2;
    p = ok(c, &a, &pf);
    ck_assert_uint_eq(p->n_leases, 1);
    ck_assert(!has_warning(p, "not leased"));
    plan_free(p);
    action_preflight_clear(&pf);

    /* "unknown" is not ok either; "ok" and a cached "" are. */
    free(nd(c, R1)->host_status);
    nd(c, R1)->host_status = x_strdup("unknown");
    a.node = R1;
    refused(c, &a, "the host of " R1 " is unknown");
    free(nd(c, R1)->host_status);
    nd(c, R1)->host_status = x_strdup("");
    p = ok(c, &a, &pf);
    ck_assert(has_lease(p, R1));
    plan_free(p);
    action_preflight_clear(&pf);
    cluster_free(c);
}
END_TEST

/* ---- failover ---- */

START_TEST(test_failover)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_FAILOVER);
    struct action_preflight pf;
    const char *promote[] = {
        "gosu",    "postgres",          "repmgr",
        "standby", "promote",           "--siblings-follow",
        "-f",      "/data/repmgr.conf", NULL};
    const char *dry[] = {
        "gosu", "postgres",          "repmgr",    "standby", "switchover",
        "-f",   "/data/repmgr.conf", "--dry-run", NULL};
    const char *probe[] = {"gosu",
                           "postgres",
                           "psql",
                           "-p",
                           "5433",
                           "-Atc",
                           "select pg_is_in_recovery()",
                           NULL};
    struct plan *p;
    const struct plan_step *s;
    struct plan_check ck;
    size_t i;
    long at;

    nd(c, R1)->lag_replay_bytes = 4096; /* R2 has less: it is chosen */
    a.no_snapshot = 1;                  /* the snapshot first: test_snap.c */
    p = ok(c, &a, &pf);
    check_wellformed(p);
    ck_assert_int_eq(p->risk, PLAN_RISK_HIGH);
    ck_assert_str_eq(plan_var(p, "old"), P);
    ck_assert_str_eq(plan_var(p, "new"), R2);
    ck_assert_str_eq(p->summary, "failover acme-db: " P " -> " R2);
    ck_assert_uint_eq(p->n_leases, 3); /* every machine, like flyctl */
    for (i = 0; i < c->n_nodes; i++)
        ck_assert(has_lease(p, c->nodes[i].id));
    ck_assert_int_eq(pf.quorum_before, 3);
    ck_assert_int_eq(pf.quorum_after, 3);

    /* The candidates table. */
    ck_assert_uint_eq(pf.n_candidates, 2);
    ck_assert_str_eq(pf.candidates[0].id, R1);
    ck_assert_str_eq(pf.candidates[0].region, "iad");
    ck_assert_int_eq(pf.candidates[0].checks_passing, 3);
    ck_assert_int_eq(pf.candidates[0].n_checks, 3);
    ck_assert_int_eq(pf.candidates[0].lag_bytes, 4096);
    ck_assert_int_eq(pf.candidates[0].lag_ms, 20);
    ck_assert_int_eq(pf.candidates[0].eligible, 1);
    ck_assert_str_eq(pf.candidates[0].reason, "eligible");

    s = step_at(p, 0);
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines/${new}/exec");
    check_exec(s, dry, 60);
    ck_assert_int_eq(s->mutates, 0);
    s = step_at(p, 1);
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines/${old}/stop");
    ck_assert_str_eq(s->lease, P);
    ck_assert_int_eq(s->mutates, 1);
    s = step_at(p, 2);
    ck_assert_int_eq(s->kind, PLAN_STEP_WAIT);
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines/${old}");
    ck_assert_str_eq(s->cond_arg, "stopped");
    s = step_at(p, 3);
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines/${new}/start");
    ck_assert_str_eq(s->lease, R2);
    s = step_at(p, 4);
    ck_assert_ptr_nonnull(strstr(s->title, "promote"));
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines/${new}/exec");
    check_exec(s, promote, 60);
    ck_assert_int_eq(s->mutates, 1);
    ck_assert_int_eq(s->reconcile, PLAN_RECONCILE_CHECK);
    ck = *s->check;
    ck_assert_str_eq(ck.req.method, "POST");
    ck_assert_str_eq(ck.req.path, "/apps/${app}/machines/${new}/exec");
    ck_assert_int_eq(ck.cond, PLAN_COND_EXEC_STDOUT);
    ck_assert_str_eq(ck.cond_arg, "f");
    {
        struct plan_step tmp;

        memset(&tmp, 0, sizeof tmp);
        tmp.req = ck.req;
        check_exec(&tmp, probe, 30);
    }
    s = step_at(p, 5);
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines/${old}/start");
    ck_assert_str_eq(s->lease, P);
    s = step_at(p, 6);
    ck_assert_int_eq(s->cond, PLAN_COND_ROLE);
    ck_assert_str_eq(s->cond_arg, "primary");
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines/${new}");
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(step_at(p, 7 + i)->cond, PLAN_COND_CHECKS_PASSING);
    at = 10;
    check_streaming(p, (size_t)at, "${new}", R1);
    check_streaming(p, (size_t)at + 1, "${new}", P);
    ck_assert_uint_eq(p->n_steps, (size_t)at + 2);
    /* Abort: the old primary started again. */
    ck_assert_uint_eq(p->n_abort_steps, 1);
    ck_assert_str_eq(p->abort_steps[0].req.path,
                     "/apps/${app}/machines/" P "/start");
    ck_assert_str_eq(p->abort_steps[0].lease, P);
    plan_free(p);
    action_preflight_clear(&pf);

    /* --to picks that one. */
    a.to = R1;
    p = ok(c, &a, &pf);
    ck_assert_str_eq(plan_var(p, "new"), R1);
    plan_free(p);
    action_preflight_clear(&pf);
    cluster_free(c);
}
END_TEST

START_TEST(test_failover_lag)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_FAILOVER);
    struct action_preflight pf;
    struct plan *p;

    nd(c, R1)->lag_replay_bytes = 48 * MB;
    /* R2 is chosen; R1's row says why not. */
    p = ok(c, &a, &pf);
    ck_assert_str_eq(plan_var(p, "new"), R2);
    ck_assert_int_eq(pf.candidates[0].eligible, 0);
    ck_assert_str_eq(pf.candidates[0].reason, "lags 48 MB (limit 16 MB)");
    plan_free(p);
    action_preflight_clear(&pf);

    a.to = R1;
    refused(c, &a, R1 " is not eligible: lags 48 MB (limit 16 MB) (--force");
    /* --force accepts it, with a warning. */
    a.force = 1;
    p = ok(c, &a, &pf);
    ck_assert_str_eq(plan_var(p, "new"), R1);
    ck_assert(has_warning(p, "lags 48 MB"));
    ck_assert_int_eq(pf.candidates[0].eligible, 1);
    plan_free(p);
    action_preflight_clear(&pf);

    /* Unknown lag is not eligible without --force either. */
    a.force = 0;
    a.to = R2;
    nd(c, R2)->lag_replay_bytes = -1;
    nd(c, R2)->lag_state = FLEET_LAG_MISSING;
    refused(c, &a, R2 " is not eligible: lag unknown (not streaming)");
    /* Nobody eligible: each reason listed, and what could help. */
    a.to = NULL;
    refused(c, &a,
            "no eligible candidate: " R1 " lags 48 MB (limit 16 MB); " R2
            " lag unknown (not streaming) (--force accepts a lagging one)");
    cluster_free(c);
}
END_TEST

/* A replica whose replay is paused stays a candidate, with a note that
 * promoting it waits for replay; one that replays is chosen first even with
 * more lag. */
START_TEST(test_failover_paused)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_FAILOVER);
    struct action_preflight pf;
    struct plan *p;

    nd(c, R1)->lag_replay_bytes = 0;
    nd(c, R1)->replay_paused = 1;
    nd(c, R2)->lag_replay_bytes = 8192;
    p = ok(c, &a, &pf);
    ck_assert_str_eq(plan_var(p, "new"), R2);
    ck_assert_int_eq(pf.candidates[0].eligible, 1);
    ck_assert_str_eq(pf.candidates[0].reason,
                     "eligible: replay paused (promotion waits for replay to "
                     "finish)");
    ck_assert_str_eq(actions_candidate_note(&pf.candidates[0]),
                     "replay paused (promotion waits for replay to finish)");
    ck_assert_str_eq(actions_candidate_note(&pf.candidates[1]), "");
    plan_free(p);
    action_preflight_clear(&pf);
    /* Chosen by name, it is taken. */
    a.to = R1;
    p = ok(c, &a, &pf);
    ck_assert_str_eq(plan_var(p, "new"), R1);
    plan_free(p);
    action_preflight_clear(&pf);
    cluster_free(c);
}
END_TEST

START_TEST(test_failover_refusals)
{
    struct fleet_cluster *c = c2(), *c3x;
    struct action_args a = args(ACTION_FAILOVER);
    static const char *const ids[] = {P, R1, R2};
    static const char *const regions[] = {"iad", "iad", "ord"};
    struct action_preflight pf;
    struct plan *p;

    refused(c, &a, "failover needs at least 3 machines");
    cluster_free(c);

    c = c3();
    a.to = "0000000000dead";
    refused(c, &a, "no node 0000000000dead in cluster acme-db");
    a.to = P;
    refused(c, &a, P " is already the primary");
    a.to = NULL;
    nd(c, R1)->checks_passing = 2;
    free(nd(c, R2)->state);
    nd(c, R2)->state = x_strdup("stopped");
    refused(c, &a,
            "no eligible candidate: " R1 " checks 2/3 passing; " R2
            " machine is stopped");
    nd(c, R1)->checks_passing = 3;
    free(nd(c, R1)->config_json);
    nd(c, R1)->config_json = config_of("vol_x", "ord", "shared", 1, 512);
    refused(c, &a, "the machines disagree on PRIMARY_REGION");
    free(nd(c, R1)->config_json);
    nd(c, R1)->config_json = x_strdup("{\"env\":{}}");
    refused(c, &a, "machine " R1 " has no PRIMARY_REGION");
    c->primary = -1;
    refused(c, &a, "no primary in acme-db");
    cluster_free(c);

    /* A replica in another region needs --allow-secondary-region. */
    c3x = cluster(3, ids, regions, 0);
    a.to = R2;
    refused(c3x, &a,
            R2 " is not eligible: not in PRIMARY_REGION iad "
               "(--allow-secondary-region)");
    a.allow_secondary_region = 1;
    p = ok(c3x, &a, &pf);
    ck_assert_str_eq(plan_var(p, "new"), R2);
    ck_assert(has_warning(p, "outside PRIMARY_REGION"));
    plan_free(p);
    action_preflight_clear(&pf);
    /* Without --to, the primary region is preferred even with more lag. */
    a.to = NULL;
    nd(c3x, R1)->lag_replay_bytes = 8 * MB;
    nd(c3x, R2)->lag_replay_bytes = 0;
    p = ok(c3x, &a, &pf);
    ck_assert_str_eq(plan_var(p, "new"), R1);
    plan_free(p);
    action_preflight_clear(&pf);
    a.allow_secondary_region = 0;
    nd(c3x, R1)->role = FLEET_ROLE_UNKNOWN;
    nd(c3x, R1)->reachable = 0;
    refused(c3x, &a,
            R1 " not reachable over SQL; " R2
               " not in PRIMARY_REGION iad (--allow-secondary-region");
    cluster_free(c3x);
}
END_TEST

/* ---- create and destroy ---- */

START_TEST(test_create)
{
    struct action_args a = args(ACTION_CREATE);
    struct action_preflight pf;
    struct plan *p;
    const struct plan_step *s;
    cJSON *b;
    const cJSON *cfg;
    int machines = 0, volumes = 0;
    size_t i;

    a.cluster = "dev-db";
    a.region = "ams";
    a.org = "acme";
    p = ok(NULL, &a, &pf);
    check_wellformed(p);
    ck_assert_str_eq(p->cluster, "dev-db");
    ck_assert_int_eq(p->risk, PLAN_RISK_HIGH);
    ck_assert_uint_eq(p->n_leases, 0);
    s = step_at(p, 0);
    ck_assert_str_eq(s->req.method, "POST");
    ck_assert_str_eq(s->req.path, "/apps");
    b = body_of(s);
    ck_assert_str_eq(get(b, "app_name")->valuestring, "dev-db");
    ck_assert_str_eq(get(b, "org_slug")->valuestring, "acme");
    ck_assert_str_eq(get(b, "app_role_id")->valuestring, "postgres_cluster");
    cJSON_Delete(b);
    ck_assert_int_eq(s->reconcile, PLAN_RECONCILE_CHECK);
    ck_assert_str_eq(s->check->req.path, "/apps/${app}");
    /* The image as flyctl finds it, then flex's secrets (audit C4, L4). */
    s = step_at(p, 1);
    ck_assert_int_eq(s->graphql, 1);
    ck_assert_str_eq(s->req.path, "/graphql");
    ck_assert_int_eq(s->cond, PLAN_COND_GRAPHQL_OK);
    ck_assert_int_eq(s->capture, PLAN_CAPTURE_IMAGE_TAG);
    ck_assert_ptr_nonnull(strstr(s->req.body, "latestImageTag"));
    ck_assert_ptr_nonnull(strstr(s->req.body, "flyio/postgres-flex"));
    s = step_at(p, 2);
    ck_assert_int_eq(s->graphql, 1);
    ck_assert_int_eq(s->capture, PLAN_CAPTURE_CONSUL_URL);
    ck_assert_str_eq(s->capture_var, "FLY_CONSUL_URL");
    b = body_of(s);
    ck_assert_str_eq(get(get(b, "variables"), "appName")->valuestring,
                     "dev-db");
    cJSON_Delete(b);
    s = step_at(p, 3);
    ck_assert_str_eq(s->req.path, "/apps/${app}/secrets");
    ck_assert_int_eq(s->mutates, 1);
    ck_assert_int_eq(s->capture, PLAN_CAPTURE_SECRETS_VERSION);
    b = body_of(s);
    ck_assert_str_eq(get(get(b, "values"), "SU_PASSWORD")->valuestring,
                     "${secret:SU_PASSWORD}");
    ck_assert_str_eq(get(get(b, "values"), "OPERATOR_PASSWORD")->valuestring,
                     "${secret:OPERATOR_PASSWORD}");
    ck_assert_str_eq(get(get(b, "values"), "REPL_PASSWORD")->valuestring,
                     "${secret:REPL_PASSWORD}");
    ck_assert_str_eq(get(get(b, "values"), "FLY_CONSUL_URL")->valuestring,
                     "${secret:FLY_CONSUL_URL}");
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(get(b, "values"),
                                                        "FLY_RESTORED_FROM"));
    cJSON_Delete(b);
    s = step_at(p, 4);
    ck_assert_str_eq(s->req.path, "/apps/${app}/volumes");
    ck_assert_int_eq(s->reconcile, PLAN_RECONCILE_FIND_VOLUME);
    ck_assert_str_eq(s->capture_var, "vol_1");
    b = body_of(s);
    ck_assert_int_eq(get(b, "size_gb")->valueint, 1);
    ck_assert_str_eq(get(b, "region")->valuestring, "ams");
    cJSON_Delete(b);
    s = step_at(p, 5);
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines");
    ck_assert_int_eq(s->reconcile, PLAN_RECONCILE_FIND_MACHINE);
    ck_assert_str_eq(s->tag, PID "/6");
    ck_assert_str_eq(s->capture_var, "node_1");
    b = body_of(s);
    ck_assert_str_eq(get(b, "min_secrets_version")->valuestring,
                     "${num:secrets_version}");
    cfg = get(b, "config");
    ck_assert_str_eq(get(cfg, "image")->valuestring, "${image}");
    ck_assert_str_eq(get(get(cfg, "env"), "PRIMARY_REGION")->valuestring,
                     "ams");
    ck_assert_int_eq(get(get(cfg, "guest"), "memory_mb")->valueint, 256);
    ck_assert_str_eq(get(get(cfg, "guest"), "cpu_kind")->valuestring, "shared");
    ck_assert_str_eq(
        get(get(cfg, "metadata"), "fly-managed-postgres")->valuestring, "true");
    ck_assert_str_eq(get(get(cfg, "metadata"), PLAN_TAG_KEY)->valuestring,
                     PID "/6");
    ck_assert_str_eq(
        get(cJSON_GetArrayItem(get(cfg, "mounts"), 0), "volume")->valuestring,
        "${vol_1}");
    ck_assert_str_eq(get(get(get(cfg, "checks"), "role"), "path")->valuestring,
                     "/flycheck/role");
    ck_assert_str_eq(get(get(cfg, "restart"), "policy")->valuestring, "always");
    cJSON_Delete(b);
    check_back(p, 6, "${node_1}");
    ck_assert_int_eq(step_at(p, 8)->cond, PLAN_COND_ROLE);
    ck_assert_uint_eq(p->n_steps, 9);
    /* Abort: machine, volume, and the app only when this plan made it. */
    s = &p->abort_steps[p->n_abort_steps - 1];
    ck_assert_str_eq(s->req.method, "DELETE");
    ck_assert_str_eq(s->req.path, "/apps/${app}");
    ck_assert_str_eq(s->needs, "app_id");
    plan_free(p);
    action_preflight_clear(&pf);

    /* ha: three nodes, the others stream from the first. */
    a.preset = ACTION_PRESET_HA;
    a.org = NULL;
    p = ok(NULL, &a, &pf);
    check_wellformed(p);
    b = body_of(step_at(p, 0));
    ck_assert_str_eq(get(b, "org_slug")->valuestring, "personal");
    cJSON_Delete(b);
    for (i = 0; i < p->n_steps; i++) {
        machines += strcmp(p->steps[i].req.path, "/apps/${app}/machines") == 0;
        volumes += strcmp(p->steps[i].req.path, "/apps/${app}/volumes") == 0;
    }
    ck_assert_int_eq(machines, 3);
    ck_assert_int_eq(volumes, 3);
    b = body_of(step_at(p, (size_t)find_title(p, "machine of node 3")));
    ck_assert_int_eq(get(get(get(b, "config"), "guest"), "memory_mb")->valueint,
                     1024);
    cJSON_Delete(b);
    check_streaming(p, (size_t)find_title(p, "node 2 ${node_2} to stream"),
                    "${node_1}", "${node_2}");
    ck_assert_int_eq(pf.quorum_after, 3);
    plan_free(p);
    action_preflight_clear(&pf);

    /* Overrides, and refusals. */
    a.memory_mb = 512;
    a.size_gb = 3;
    p = ok(NULL, &a, &pf);
    b = body_of(step_at(p, 4));
    ck_assert_int_eq(get(b, "size_gb")->valueint, 3);
    cJSON_Delete(b);
    plan_free(p);
    action_preflight_clear(&pf);
    a.memory_mb = 300;
    refused(NULL, &a, "multiple of 256 MB");
    a.memory_mb = 0;
    a.size_gb = 501;
    refused(NULL, &a, "volume size must be 1 to 500 GB");
    a.size_gb = 0;
    a.region = NULL;
    refused(NULL, &a, "create needs the primary region");
    a.region = "ams";
    a.cluster = "Bad_Name";
    refused(NULL, &a, "not a valid app name");
    {
        struct fleet_cluster *c = c1();

        a.cluster = "acme-db";
        refused(c, &a, "a cluster named acme-db already exists");
        cluster_free(c);
    }
}
END_TEST

START_TEST(test_destroy)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_DESTROY);
    struct action_preflight pf;
    struct plan *p;
    long r1, r2, pr, vol, app;

    c->spare_volumes = x_calloc(1, sizeof *c->spare_volumes);
    c->n_spare_volumes = 1;
    c->spare_volumes[0].id = x_strdup("vol_spare");
    p = ok(c, &a, &pf);
    check_wellformed(p);
    ck_assert_int_eq(p->risk, PLAN_RISK_HIGH);
    ck_assert_uint_eq(p->n_leases, 3);
    ck_assert(has_warning(p, "gone for good"));
    r1 = find(p, 0, "POST", "/apps/${app}/machines/" R1 "/stop");
    r2 = find(p, 0, "POST", "/apps/${app}/machines/" R2 "/stop");
    pr = find(p, 0, "POST", "/apps/${app}/machines/" P "/stop");
    ck_assert(r1 >= 0 && r2 > r1 && pr > r2);
    ck_assert_str_eq(step_at(p, (size_t)pr)->lease, P);
    pr = find(p, 0, "DELETE", "/apps/${app}/machines/" P "?force=true");
    ck_assert(pr > 0);
    ck_assert_int_eq(step_at(p, (size_t)pr)->reconcile, PLAN_RECONCILE_CHECK);
    ck_assert_int_eq(step_at(p, (size_t)pr)->check->cond, PLAN_COND_GONE);
    vol = find(p, 0, "DELETE", "/apps/${app}/volumes/vol_spare");
    ck_assert(vol > pr);
    ck_assert(find(p, 0, "DELETE", "/apps/${app}/volumes/vol_" R1) > pr);
    app = find(p, 0, "DELETE", "/apps/${app}");
    ck_assert_uint_eq((size_t)app, p->n_steps - 1);
    plan_free(p);
    action_preflight_clear(&pf);
    a.cluster = "gone-db";
    refused(NULL, &a, "no Postgres cluster named gone-db");
    cluster_free(c);
}
END_TEST

/* ---- the menu ---- */

START_TEST(test_menu)
{
    struct fleet_cluster *c = c3(), *two = c2();
    struct action_item it[ACTION__COUNT];
    size_t i;

    action_menu(c, NULL, 1, it);
    for (i = 0; i < ACTION__COUNT; i++) {
        ck_assert_int_eq(it[i].kind, (int)i);
        ck_assert_int_eq(it[i].enabled, 0);
        ck_assert_str_eq(it[i].why, "read-only context");
    }
    action_menu(c, NULL, 0, it);
    for (i = 0; i < ACTION__COUNT; i++)
        /* HA: 3 members; restore: from the snapshots view. */
        if (i != ACTION_REPLICA_REMOVE && i != ACTION_HA && i != ACTION_RESTORE)
            ck_assert_msg(it[i].enabled, "%s disabled: %s",
                          action_name((enum action_kind)i), it[i].why);
    ck_assert_int_eq(it[ACTION_REPLICA_REMOVE].enabled, 0);
    ck_assert_str_eq(it[ACTION_REPLICA_REMOVE].why,
                     "select the replica to remove");
    ck_assert_int_eq(it[ACTION_RESTORE].enabled, 0);
    ck_assert_ptr_nonnull(strstr(it[ACTION_RESTORE].why, "snapshots view"));
    action_menu(c, R1, 0, it);
    ck_assert_int_eq(it[ACTION_REPLICA_REMOVE].enabled, 1);
    ck_assert_int_eq(it[ACTION_RESTART].enabled, 1);
    action_menu(c, P, 0, it);
    ck_assert_int_eq(it[ACTION_REPLICA_REMOVE].enabled, 0);
    ck_assert_ptr_nonnull(strstr(it[ACTION_REPLICA_REMOVE].why, "primary"));
    action_menu(c, "0000000000dead", 0, it);
    ck_assert_int_eq(it[ACTION_RESTART].enabled, 0);
    ck_assert_ptr_nonnull(
        strstr(it[ACTION_RESTART].why, "no longer in the cluster"));

    action_menu(two, NULL, 0, it);
    ck_assert_int_eq(it[ACTION_FAILOVER].enabled, 0);
    ck_assert_ptr_nonnull(strstr(it[ACTION_FAILOVER].why, "at least 3"));
    ck_assert_int_eq(it[ACTION_REPLICA_ADD].enabled, 1);

    /* No candidate at all. */
    nd(c, R1)->checks_passing = 0;
    nd(c, R2)->checks_passing = 0;
    action_menu(c, NULL, 0, it);
    ck_assert_int_eq(it[ACTION_FAILOVER].enabled, 0);
    ck_assert_ptr_nonnull(strstr(it[ACTION_FAILOVER].why, "no eligible"));
    /* No primary. */
    c->primary = -1;
    action_menu(c, NULL, 0, it);
    ck_assert_int_eq(it[ACTION_REPLICA_ADD].enabled, 0);
    ck_assert_str_eq(it[ACTION_REPLICA_ADD].why, "no primary to clone from");
    ck_assert_int_eq(it[ACTION_RESTART].enabled, 0);
    ck_assert_int_eq(it[ACTION_FAILOVER].enabled, 0);
    ck_assert_int_eq(it[ACTION_DESTROY].enabled, 1);

    /* No cluster: only create. */
    action_menu(NULL, NULL, 0, it);
    for (i = 0; i < ACTION__COUNT; i++)
        ck_assert_int_eq(it[i].enabled, i == ACTION_CREATE);
    ck_assert_str_eq(it[ACTION_FAILOVER].why, "no cluster selected");
    cluster_free(c);
    cluster_free(two);
}
END_TEST

/* ---- purity ---- */

/* Everything of a plan, field by field. */
static void dump_steps(const struct plan_step *v, size_t n, struct buf *b)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const struct plan_step *s = &v[i];

        buf_printf(b,
                   "%s|%d|%s|%s|%s|%s|%d|%s|%lld|%lld|%d|%s|%d|%s|%d|%d|%s\n",
                   s->title, (int)s->kind, s->req.method, s->req.path,
                   s->req.body ? s->req.body : "-", s->lease ? s->lease : "-",
                   (int)s->cond, s->cond_arg ? s->cond_arg : "-",
                   (long long)s->timeout_ms, (long long)s->interval_ms,
                   (int)s->capture, s->capture_var ? s->capture_var : "-",
                   (int)s->reconcile, s->tag ? s->tag : "-", s->mutates,
                   s->best_effort, s->needs ? s->needs : "-");
        if (s->check)
            buf_printf(b, "  check %s %s %s %d %s\n", s->check->req.method,
                       s->check->req.path,
                       s->check->req.body ? s->check->req.body : "-",
                       (int)s->check->cond,
                       s->check->cond_arg ? s->check->cond_arg : "-");
    }
}

static char *dump(const struct plan *p)
{
    struct buf b = BUF_INIT;
    size_t i;

    plan_render(p, &b);
    buf_printf(&b, "%s|%s|%s|%s|%d\n", p->id, p->action, p->cluster, p->summary,
               (int)p->risk);
    for (i = 0; i < p->n_warnings; i++)
        buf_printf(&b, "w %s\n", p->warnings[i]);
    for (i = 0; i < p->n_leases; i++)
        buf_printf(&b, "l %s\n", p->leases[i]);
    for (i = 0; i < p->n_vars; i++)
        buf_printf(&b, "v %s=%s\n", p->vars[i].name,
                   p->vars[i].value ? p->vars[i].value : "(unset)");
    dump_steps(p->steps, p->n_steps, &b);
    dump_steps(p->abort_steps, p->n_abort_steps, &b);
    return buf_steal(&b);
}

START_TEST(test_pure)
{
    static const enum action_kind kinds[] = {
        ACTION_SCALE_MEMORY,   ACTION_VOLUME_EXTEND, ACTION_REPLICA_ADD,
        ACTION_REPLICA_REMOVE, ACTION_RESTART,       ACTION_FAILOVER,
        ACTION_CREATE,         ACTION_DESTROY};
    struct fleet_cluster *c = c3();
    char *before = x_strdup(nd(c, P)->config_json);
    size_t i;

    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        struct action_args a = args(kinds[i]);
        const struct fleet_cluster *in = kinds[i] == ACTION_CREATE ? NULL : c;
        struct action_preflight pf1, pf2;
        struct plan *p1, *p2;
        struct buf r1 = BUF_INIT, r2 = BUF_INIT;
        char *d1, *d2;

        a.memory_mb = 1024;
        a.size_gb = 20;
        a.node = kinds[i] == ACTION_REPLICA_REMOVE ? R1 : NULL;
        a.region = "iad";
        a.cluster = kinds[i] == ACTION_CREATE ? "new-db" : "acme-db";
        p1 = ok(in, &a, &pf1);
        p2 = ok(in, &a, &pf2);
        plan_render(p1, &r1);
        plan_render(p2, &r2);
        ck_assert_str_eq(buf_str(&r1), buf_str(&r2));
        ck_assert_ptr_nonnull(strstr(buf_str(&r1), PID));
        d1 = dump(p1);
        d2 = dump(p2);
        ck_assert_str_eq(d1, d2);
        /* The input is left as it was. */
        ck_assert_str_eq(nd(c, P)->config_json, before);
        free(d1);
        free(d2);
        buf_free(&r1);
        buf_free(&r2);
        plan_free(p1);
        plan_free(p2);
        action_preflight_clear(&pf1);
        action_preflight_clear(&pf2);
    }
    free(before);
    cluster_free(c);
}
END_TEST

/* A fresh id when none is given. */
START_TEST(test_fresh_id)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_RESTART);
    struct action_preflight pf;
    struct plan *p = NULL;

    a.node = R1;
    ck_assert_int_eq(action_build(c, &a, NULL, &p, &pf), 0);
    ck_assert_ptr_nonnull(p->id);
    ck_assert_uint_gt(strlen(p->id), 10);
    plan_free(p);
    action_preflight_clear(&pf);
    action_preflight_clear(NULL);
    cluster_free(c);
}
END_TEST

#define NCASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *actions_suite(void)
{
    Suite *s = suite_create("actions");
    TCase *tc = tcase_create("actions");

    tcase_add_test(tc, test_names);
    tcase_add_loop_test(tc, test_memory_valid, 0, NCASES(mem_cases));
    tcase_add_test(tc, test_scale_all);
    tcase_add_test(tc, test_scale_one_and_skip);
    tcase_add_test(tc, test_scale_refusals);
    tcase_add_test(tc, test_extend_all);
    tcase_add_test(tc, test_extend_refusals);
    tcase_add_test(tc, test_restart);
    tcase_add_test(tc, test_host_not_ok);
    tcase_add_test(tc, test_replica_add);
    tcase_add_test(tc, test_replica_remove);
    tcase_add_test(tc, test_failover);
    tcase_add_test(tc, test_failover_lag);
    tcase_add_test(tc, test_failover_paused);
    tcase_add_test(tc, test_failover_refusals);
    tcase_add_test(tc, test_create);
    tcase_add_test(tc, test_destroy);
    tcase_add_test(tc, test_menu);
    tcase_add_test(tc, test_pure);
    tcase_add_test(tc, test_fresh_id);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(actions_suite());
}

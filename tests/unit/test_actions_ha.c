#include "config.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/actions.h"
#include "src/fleet.h"
#include "src/plan.h"
#include "src/xmalloc.h"

#include "tests/unit/actions_fixture.h"
#include "tests/unit/unit.h"

/*
 * test_actions_ha: the HA conversion's builder on clusters built here
 * (a development node with FLY_SCALE_TO_ZERO, restart on-failure and
 * 256 MB; two nodes; three nodes): every checklist line for good and bad
 * models (each line filled even after a failure, the refusal is the first
 * failure), the memory fix and --memory, the plan's steps (one update per
 * existing node, replicas first, then the clones with their variables,
 * waits and abort steps), action_ha_verify on good and bad models, and the
 * menu.
 */

/* C's node ID as a development node: FLY_SCALE_TO_ZERO, restart
 * on-failure, MEM MB. */
static void dev(struct fleet_cluster *c, const char *id, int mem)
{
    struct fleet_node *n = nd(c, id);
    cJSON *cfg = cJSON_Parse(n->config_json);
    char *text;

    cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(cfg, "env"),
                            "FLY_SCALE_TO_ZERO", "1h");
    cJSON_ReplaceItemInObjectCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cfg, "restart"), "policy",
        cJSON_CreateString("on-failure"));
    cJSON_ReplaceItemInObjectCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cfg, "guest"), "memory_mb",
        cJSON_CreateNumber(mem));
    text = cJSON_PrintUnformatted(cfg);
    free(n->config_json);
    n->config_json = x_strdup(text);
    cJSON_free(text);
    cJSON_Delete(cfg);
    free(n->restart_policy);
    n->restart_policy = x_strdup("on-failure");
    n->memory_mb = mem;
}

/* C's node ID as the plan leaves it: restart always, MEM MB. */
static void hanode(struct fleet_cluster *c, const char *id, int mem)
{
    struct fleet_node *n = nd(c, id);

    free(n->config_json);
    n->config_json = config_of(n->volume.id, "iad", "shared", 1, mem);
    n->memory_mb = mem;
    free(n->restart_policy);
    n->restart_policy = x_strdup("always");
}

static const struct action_check *line(const struct action_preflight *pf,
                                       size_t i, enum action_check_state st,
                                       const char *want)
{
    const struct action_check *k;

    ck_assert_uint_gt(pf->n_checks, i);
    k = &pf->checks[i];
    ck_assert_msg(k->state == st, "line %zu (%s: %s) is %d, want %d", i,
                  k->what, k->detail, (int)k->state, (int)st);
    ck_assert_msg(strstr(k->detail, want) || strstr(k->what, want),
                  "line %zu \"%s: %s\" lacks \"%s\"", i, k->what, k->detail,
                  want);
    ck_assert_msg(!strchr(k->detail, '\n'), "detail on several lines");
    return k;
}

/* Builds HA on C with A, expecting a refusal: every line is there, line
 * BAD fails with WANT, and the reason is that line's detail. */
static void refused_at(const struct fleet_cluster *c,
                       const struct action_args *a, size_t bad,
                       const char *want)
{
    struct action_preflight pf;
    struct plan *p = (struct plan *)1;
    size_t i;

    ck_assert_int_eq(action_build(c, a, PID, &p, &pf), -1);
    ck_assert_ptr_null(p);
    ck_assert_uint_eq(pf.n_checks, 6);
    line(&pf, bad, ACTION_CHECK_FAIL, want);
    for (i = 0; i < bad; i++)
        ck_assert_msg(pf.checks[i].state != ACTION_CHECK_FAIL,
                      "line %zu fails before line %zu: %s", i, bad,
                      pf.checks[i].detail);
    ck_assert_str_eq(pf.reason, pf.checks[bad].detail);
    action_preflight_clear(&pf);
}

static int has(const char *s, const char *want)
{
    return s && strstr(s, want);
}

START_TEST(test_checklist_good)
{
    struct fleet_cluster *c = c1();
    struct action_args a = args(ACTION_HA);
    struct action_preflight pf;
    struct plan *p;

    dev(c, P, 256);
    nd(c, P)->volume.used_bytes = 100 * MB;
    p = ok(c, &a, &pf);
    ck_assert_uint_eq(pf.n_checks, 6);
    line(&pf, 0, ACTION_CHECK_PASS, "primary " P ", checks 3/3 passing");
    line(&pf, 1, ACTION_CHECK_PASS, "iad on every machine");
    line(&pf, 2, ACTION_CHECK_PASS, "100 MB used of 10 GB");
    line(&pf, 3, ACTION_CHECK_FIX, P " 256 MB: the plan scales it to 1024 MB");
    line(&pf, 4, ACTION_CHECK_PASS, "fly.pg-manager=repmgr");
    line(&pf, 5, ACTION_CHECK_PASS, "1 member in iad now; the plan adds 2");
    ck_assert_int_eq(pf.quorum_before, 1);
    ck_assert_int_eq(pf.quorum_after, 3);
    ck_assert_int_eq(p->risk, PLAN_RISK_HIGH);
    plan_free(p);
    action_preflight_clear(&pf);
    ck_assert_ptr_null(pf.checks);
    cluster_free(c);
}
END_TEST

START_TEST(test_checklist_bad)
{
    struct fleet_cluster *c = c1();
    struct action_args a = args(ACTION_HA);
    struct fleet_node *n;

    /* No primary: the first line fails, the others are still there. */
    c->primary = -1;
    refused_at(c, &a, 0, "no SQL primary");
    c->primary = 0;
    n = nd(c, P);
    n->checks_passing = 2;
    refused_at(c, &a, 0, "2/3 checks passing");
    n->checks_passing = 3;
    free(n->state);
    n->state = x_strdup("stopped");
    refused_at(c, &a, 0, "is stopped");
    c->primary = -1; /* scaled to zero: no SQL answer either */
    refused_at(c, &a, 0,
               "the node " P " is stopped (scaled to zero?): start "
               "it first (pgdeck restart acme-db " P ")");
    c->primary = 0;
    free(n->state);
    n->state = x_strdup("started");
    /* PRIMARY_REGION missing, or not the primary's region. */
    free(n->config_json);
    n->config_json = config_of(n->volume.id, "", "shared", 1, 512);
    refused_at(c, &a, 1, "no PRIMARY_REGION");
    free(n->config_json);
    n->config_json = config_of(n->volume.id, "ord", "shared", 1, 512);
    refused_at(c, &a, 1,
               "the primary " P " is in iad but PRIMARY_REGION is "
               "ord");
    free(n->config_json);
    n->config_json = config_of(n->volume.id, "iad", "shared", 1, 512);
    /* A full volume. */
    n->volume.used_bytes = 95 * 1024 * MB / 10;
    refused_at(c, &a, 2, "pgdeck volume extend acme-db 20");
    n->volume.used_bytes = 0;
    n->volume.size_gb = 0;
    free(n->config_json);
    n->config_json = x_strdup("{\"env\":{\"PRIMARY_REGION\":\"iad\"},"
                              "\"mounts\":[]}");
    refused_at(c, &a, 2, "mounts no volume");
    free(n->config_json);
    n->config_json = config_of(n->volume.id, "iad", "shared", 1, 512);
    n->volume.size_gb = 10;
    /* --memory below the minimum, or not a size of the machine. */
    a.memory_mb = 512;
    refused_at(c, &a, 3, "below the HA minimum of 1024 MB");
    a.memory_mb = 4096;
    refused_at(c, &a, 3, "between 256 and 2048 MB");
    a.memory_mb = 0;
    /* A flavour not known: the checklist's line.  A stolon cluster is
     * refused before any checklist, as every plan on it. */
    free(c->flavor);
    c->flavor = x_strdup("");
    refused_at(c, &a, 4, "of no known flavor, not postgres-flex");
    free(c->flavor);
    c->flavor = x_strdup("stolon");
    {
        struct action_preflight pf;
        struct plan *p = (struct plan *)1;

        ck_assert_int_eq(action_build(c, &a, PID, &p, &pf), -1);
        ck_assert_ptr_null(p);
        ck_assert_uint_eq(pf.n_checks, 0);
        ck_assert(has(pf.reason, "is a stolon cluster"));
        action_preflight_clear(&pf);
    }
    free(c->flavor);
    c->flavor = x_strdup("flex");
    cluster_free(c);

    /* Already HA. */
    c = c3();
    refused_at(c, &a, 5, "already 3 members in iad: the cluster is HA");
    cluster_free(c);

    /* Two nodes, the replica not streaming. */
    c = c2();
    nd(c, R1)->lag_state = FLEET_LAG_MISSING;
    refused_at(c, &a, 0, "the replica " R1 " is not streaming");
    cluster_free(c);
}
END_TEST

START_TEST(test_memory)
{
    struct fleet_cluster *c = c1();
    struct action_args a = args(ACTION_HA);
    struct action_preflight pf;
    struct plan *p;

    /* --memory: the size asked. */
    dev(c, P, 256);
    a.memory_mb = 2048;
    p = ok(c, &a, &pf);
    line(&pf, 3, ACTION_CHECK_FIX, "scales it to 2048 MB");
    ck_assert(has(p->steps[0].req.body, "\"memory_mb\":2048"));
    plan_free(p);
    action_preflight_clear(&pf);
    a.memory_mb = 0;

    /* More than the minimum already: kept. */
    hanode(c, P, 2048);
    p = ok(c, &a, &pf);
    line(&pf, 3, ACTION_CHECK_PASS, "the node has 2048 MB");
    /* Nothing to change on the node: no update, no restart. */
    ck_assert_str_eq(p->steps[0].req.method, "POST");
    ck_assert_str_eq(p->steps[0].req.path, "/apps/${app}/volumes");
    ck_assert(has(p->steps[1].req.body, "\"memory_mb\":2048"));
    ck_assert_uint_eq(p->n_leases, 0);
    ck_assert_uint_eq(p->n_warnings, 2);
    ck_assert(!has(p->warnings[0], "restarts"));
    plan_free(p);
    action_preflight_clear(&pf);
    cluster_free(c);
}
END_TEST

START_TEST(test_plan_steps)
{
    struct fleet_cluster *c = c1();
    struct action_args a = args(ACTION_HA);
    struct action_preflight pf;
    struct plan *p;
    cJSON *b, *cfg;
    const struct plan_step *s;
    size_t i;
    static const char *const titles[] = {
        "update " P ": FLY_SCALE_TO_ZERO removed, restart policy on-failure "
        "-> always, memory 256 -> 1024 MB (the primary)",
        "wait for the new version of " P " to be started",
        "wait for every check of " P " to pass",
        "wait for the role check of " P " to say primary",
        "create the volume of the new replica 1 (10 GB in iad)",
        "create the machine of the new replica 1 in iad",
        "wait for the new replica ${new_machine_1} to be started",
        "wait for every check of ${new_machine_1} to pass",
        "wait for ${new_machine_1} to stream from the primary " P,
        "wait for ${new_machine_1} to catch up (replay lag at most 16 MB",
        "create the volume of the new replica 2 (10 GB in iad)",
        "create the machine of the new replica 2 in iad",
        "wait for the new replica ${new_machine_2} to be started",
        "wait for every check of ${new_machine_2} to pass",
        "wait for ${new_machine_2} to stream from the primary " P,
        "wait for ${new_machine_2} to catch up",
    };

    dev(c, P, 256);
    p = ok(c, &a, &pf);
    ck_assert_uint_eq(p->n_steps, sizeof titles / sizeof titles[0]);
    for (i = 0; i < p->n_steps; i++)
        ck_assert_msg(has(p->steps[i].title, titles[i]),
                      "step %zu is \"%s\", want \"%s\"", i, p->steps[i].title,
                      titles[i]);
    ck_assert(has(p->summary, "1 -> 3 members in iad"));

    /* The update: the whole config, HA form, with the lease. */
    s = &p->steps[0];
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines/" P);
    ck_assert_str_eq(s->lease, P);
    ck_assert_int_eq(s->mutates, 1);
    b = cJSON_Parse(s->req.body);
    cfg = cJSON_GetObjectItemCaseSensitive(b, "config");
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cfg, "env"), "FLY_SCALE_TO_ZERO"));
    ck_assert_str_eq(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cfg, "restart"), "policy")
            ->valuestring,
        "always");
    ck_assert_int_eq(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cfg, "guest"), "memory_mb")
            ->valueint,
        1024);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(
                         cJSON_GetObjectItemCaseSensitive(cfg, "env"), "KEEP")
                         ->valuestring,
                     "${not_a_var}");
    cJSON_Delete(b);
    ck_assert_uint_eq(p->n_leases, 1);
    ck_assert_str_eq(p->leases[0], P);

    /* The clones: the updated config, their own variables. */
    for (i = 0; i < 2; i++) {
        const struct plan_step *v = &p->steps[4 + 6 * i];
        const struct plan_step *m = &p->steps[5 + 6 * i];
        const struct plan_step *cu = &p->steps[9 + 6 * i];
        char var[32], ref[40];

        (void)snprintf(var, sizeof var, "new_volume_%zu", i + 1);
        (void)snprintf(ref, sizeof ref, "\"volume\":\"${new_volume_%zu}\"",
                       i + 1);
        ck_assert_str_eq(v->capture_var, var);
        ck_assert_int_eq(v->reconcile, PLAN_RECONCILE_FIND_VOLUME);
        ck_assert(has(v->req.body, "\"size_gb\":10"));
        ck_assert(has(v->req.body, "\"memory_mb\":1024"));
        (void)snprintf(var, sizeof var, "new_machine_%zu", i + 1);
        ck_assert_str_eq(m->capture_var, var);
        ck_assert_int_eq(m->reconcile, PLAN_RECONCILE_FIND_MACHINE);
        ck_assert(has(m->req.body, ref));
        ck_assert(has(m->req.body, "\"memory_mb\":1024"));
        ck_assert(has(m->req.body, "\"policy\":\"always\""));
        ck_assert(!has(m->req.body, "FLY_SCALE_TO_ZERO"));
        ck_assert(has(m->req.body, "flyio/postgres-flex:15.8@sha256:abc123"));
        ck_assert_ptr_nonnull(m->tag);
        ck_assert_int_eq(cu->kind, PLAN_STEP_WAIT);
        ck_assert_int_eq(cu->cond, PLAN_COND_EXEC_STDOUT);
        ck_assert_str_eq(cu->req.path, "/apps/${app}/machines/" P "/exec");
        ck_assert(has(cu->req.body, "<= 16777216"));
    }
    ck_assert_str_ne(p->steps[5].tag, p->steps[11].tag);

    /* Abort: start the node again, then for each clone its repmgr record
     * (guards: the abort stops there when the primary cannot be asked),
     * machine, slot and volume. */
    ck_assert_uint_eq(p->n_abort_steps, 13);
    ck_assert(has(p->abort_steps[0].req.path, P "/start"));
    ck_assert_str_eq(p->abort_steps[1].req.path,
                     "/apps/${app}/machines/" P "/exec");
    ck_assert(p->abort_steps[1].guard);
    ck_assert_str_eq(p->abort_steps[3].req.path,
                     "/apps/${app}/machines/${new_machine_1}?force=true");
    ck_assert_str_eq(p->abort_steps[3].needs, "new_machine_1");
    ck_assert_str_eq(p->abort_steps[6].req.path,
                     "/apps/${app}/volumes/${new_volume_1}");
    ck_assert_str_eq(p->abort_steps[6].needs, "new_volume_1");
    ck_assert_str_eq(p->abort_steps[12].req.path,
                     "/apps/${app}/volumes/${new_volume_2}");
    for (i = 0; i < p->n_abort_steps; i++)
        ck_assert_int_eq(p->abort_steps[i].best_effort,
                         !p->abort_steps[i].guard);

    ck_assert_uint_eq(p->n_warnings, 3);
    ck_assert(has(p->warnings[0], "the primary " P " restarts once"));
    ck_assert(has(p->warnings[1], "cost: 2 machines (shared-cpu-1x, 1024 MB) "
                                  "and 2 volumes of 10 GB added"));
    ck_assert(has(p->warnings[2], "pgdeck abort"));
    plan_free(p);
    action_preflight_clear(&pf);
    cluster_free(c);
}
END_TEST

START_TEST(test_two_nodes)
{
    struct fleet_cluster *c = c2();
    struct action_args a = args(ACTION_HA);
    struct action_preflight pf;
    struct plan *p;
    size_t i, updates = 0, creates = 0;
    const char *order[2] = {NULL, NULL};

    p = ok(c, &a, &pf);
    line(&pf, 0, ACTION_CHECK_PASS,
         "replica " R1 ", checks 3/3 passing, "
         "streaming");
    line(&pf, 3, ACTION_CHECK_FIX,
         P " 512 MB, " R1 " 512 MB: the plan scales "
           "them to 1024 MB");
    line(&pf, 5, ACTION_CHECK_PASS, "2 members in iad now; the plan adds 1");
    ck_assert_int_eq(pf.quorum_after, 3);
    for (i = 0; i < p->n_steps; i++) {
        const struct plan_step *s = &p->steps[i];

        if (strcmp(s->req.method, "POST") == 0 &&
            strncmp(s->req.path, "/apps/${app}/machines/", 22) == 0 &&
            !strchr(s->req.path + 22, '/') && updates < 2)
            order[updates++] = s->req.path + 22;
        creates += strcmp(s->req.path, "/apps/${app}/machines") == 0;
    }
    ck_assert_uint_eq(updates, 2);
    ck_assert_str_eq(order[0], R1);
    ck_assert_str_eq(order[1], P);
    ck_assert_uint_eq(creates, 1);
    ck_assert_str_eq(plan_var(p, "app"), "acme-db");
    ck_assert_int_eq(plan_set_var(p, "new_machine_1", "x"), 0);
    plan_free(p);
    action_preflight_clear(&pf);
    cluster_free(c);
}
END_TEST

/* Verifies C, expecting VERDICT; when it fails, line BAD fails with WANT. */
static void verify(const struct fleet_cluster *c, int verdict, size_t bad,
                   const char *want)
{
    struct action_args a = args(ACTION_HA);
    struct action_check *v = NULL;
    size_t n = 0, i;
    int r = action_ha_verify(c, &a, &v, &n);

    ck_assert_uint_eq(n, 5);
    for (i = 0; i < n; i++) {
        int fails = v[i].state == ACTION_CHECK_FAIL;

        ck_assert_msg(!fails || (!verdict && i == bad),
                      "line %zu fails: %s: %s", i, v[i].what, v[i].detail);
        if (!verdict && i == bad) {
            ck_assert_msg(fails, "line %zu passes: %s", i, v[i].detail);
            ck_assert_msg(has(v[i].detail, want), "line %zu \"%s\" lacks %s", i,
                          v[i].detail, want);
        }
    }
    ck_assert_int_eq(r, verdict);
    action_checks_free(v, n);
}

START_TEST(test_verify)
{
    struct fleet_cluster *c = c3();

    hanode(c, P, 1024);
    hanode(c, R1, 1024);
    hanode(c, R2, 1024);
    verify(c, 1, 0, NULL);

    nd(c, R2)->in_primary_region = 0;
    verify(c, 0, 0, "2 members in iad");
    nd(c, R2)->in_primary_region = 1;

    nd(c, R2)->role = FLEET_ROLE_PRIMARY;
    {
        struct action_check *v = NULL;
        size_t n = 0;
        struct action_args a = args(ACTION_HA);

        ck_assert_int_eq(action_ha_verify(c, &a, &v, &n), 0);
        ck_assert_int_eq(v[1].state, ACTION_CHECK_FAIL);
        ck_assert(has(v[1].detail, "2 nodes answer SQL as primary"));
        action_checks_free(v, n);
    }
    nd(c, R2)->role = FLEET_ROLE_REPLICA;

    nd(c, R2)->lag_replay_bytes = 48 * MB;
    {
        struct action_check *v = NULL;
        size_t n = 0;
        struct action_args a = args(ACTION_HA);

        ck_assert_int_eq(action_ha_verify(c, &a, &v, &n), 0);
        ck_assert_int_eq(v[2].state, ACTION_CHECK_FAIL);
        ck_assert(has(v[2].detail, R2 " streaming (lag 48 MB)"));
        ck_assert_int_eq(v[4].state, ACTION_CHECK_PASS); /* R1 eligible */
        ck_assert(has(v[4].detail, R1));
        action_checks_free(v, n);
    }
    nd(c, R2)->lag_replay_bytes = 1024;

    nd(c, R1)->lag_state = FLEET_LAG_MISSING;
    nd(c, R1)->lag_replay_bytes = -1;
    nd(c, R2)->checks_passing = 1;
    {
        struct action_check *v = NULL;
        size_t n = 0;
        struct action_args a = args(ACTION_HA);

        ck_assert_int_eq(action_ha_verify(c, &a, &v, &n), 0);
        ck_assert(has(v[2].detail, R1 " not streaming (lag unknown)"));
        ck_assert_int_eq(v[4].state, ACTION_CHECK_FAIL);
        ck_assert(has(v[4].detail, "none: "));
        ck_assert(has(v[4].detail, "checks 1/3 passing"));
        action_checks_free(v, n);
    }
    nd(c, R1)->lag_state = FLEET_LAG_STREAMING;
    nd(c, R1)->lag_replay_bytes = 0;
    nd(c, R2)->checks_passing = 3;
    verify(c, 1, 0, NULL);

    dev(c, R1, 1024);
    verify(c, 0, 3, R1 ": restart on-failure, FLY_SCALE_TO_ZERO set");
    hanode(c, R1, 512);
    verify(c, 0, 3, R1 ": restart always, 512 MB");
    cluster_free(c);

    /* Fewer than three machines: no failover, not HA. */
    c = c2();
    hanode(c, P, 1024);
    hanode(c, R1, 1024);
    {
        struct action_check *v = NULL;
        size_t n = 0;
        struct action_args a = args(ACTION_HA);

        ck_assert_int_eq(action_ha_verify(c, &a, &v, &n), 0);
        ck_assert_int_eq(v[0].state, ACTION_CHECK_FAIL);
        ck_assert_int_eq(v[4].state, ACTION_CHECK_FAIL);
        ck_assert(has(v[4].detail, "at least 3 machines"));
        action_checks_free(v, n);
    }
    cluster_free(c);
}
END_TEST

START_TEST(test_menu)
{
    struct fleet_cluster *c = c1();
    struct action_item it[ACTION__COUNT];

    dev(c, P, 256);
    action_menu(c, NULL, 0, it);
    ck_assert_msg(it[ACTION_HA].enabled, "disabled: %s", it[ACTION_HA].why);
    ck_assert_str_eq(action_label(ACTION_HA), "make highly available");
    ck_assert_str_eq(action_name(ACTION_HA), "ha");
    c->primary = -1;
    action_menu(c, NULL, 0, it);
    ck_assert_int_eq(it[ACTION_HA].enabled, 0);
    ck_assert(has(it[ACTION_HA].why, "no SQL primary"));
    cluster_free(c);
    c = c2();
    action_menu(c, NULL, 0, it);
    ck_assert_int_eq(it[ACTION_HA].enabled, 1);
    cluster_free(c);
    c = c3();
    action_menu(c, NULL, 0, it);
    ck_assert_int_eq(it[ACTION_HA].enabled, 0);
    ck_assert_str_eq(it[ACTION_HA].why,
                     "already 3 members in iad: the cluster is HA");
    action_menu(c, NULL, 1, it);
    ck_assert_str_eq(it[ACTION_HA].why, "read-only context");
    cluster_free(c);
}
END_TEST

static Suite *actions_ha_suite(void)
{
    Suite *s = suite_create("actions_ha");
    TCase *tc = tcase_create("actions_ha");

    tcase_add_test(tc, test_checklist_good);
    tcase_add_test(tc, test_checklist_bad);
    tcase_add_test(tc, test_memory);
    tcase_add_test(tc, test_plan_steps);
    tcase_add_test(tc, test_two_nodes);
    tcase_add_test(tc, test_verify);
    tcase_add_test(tc, test_menu);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(actions_ha_suite());
}

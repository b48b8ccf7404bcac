#include "config.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/actions.h"
#include "src/fleet.h"
#include "src/plan.h"
#include "src/plan_impl.h"
#include "src/snap.h"
#include "src/xmalloc.h"

#include "tests/unit/actions_fixture.h"
#include "tests/unit/unit.h"

/*
 * test_snap: the snapshot plans (on demand, first in the plans that can
 * lose data, the restore into a new cluster), the capture of a snapshot's
 * id, and snap.c's age, staleness and output.
 */

#define VOL_P "vol_" P
#define VOL_R1 "vol_" R1
#define NOW 1800000000000LL /* Unix ms */

static const char *refused(const struct fleet_cluster *c,
                           const struct action_args *a)
{
    static char reason[512];
    struct action_preflight pf;
    struct plan *p = NULL;

    ck_assert_int_eq(action_build(c, a, PID, &p, &pf), -1);
    ck_assert_ptr_null(p);
    ck_assert_ptr_nonnull(pf.reason);
    (void)snprintf(reason, sizeof reason, "%s", pf.reason);
    action_preflight_clear(&pf);
    return reason;
}

/* The snapshot of the primary's volume is step 0 of K's plan on c3, not a
 * mutation (a failure refuses the plan with nothing changed). */
static void check_first(enum action_kind k, const char *node, long memory)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(k);
    struct action_preflight pf;
    struct plan *p;

    a.node = node;
    a.memory_mb = memory;
    p = ok(c, &a, &pf);
    ck_assert_str_eq(p->steps[0].req.method, "POST");
    ck_assert_str_eq(p->steps[0].req.path,
                     "/apps/${app}/volumes/" VOL_P "/snapshots");
    ck_assert_ptr_null(p->steps[0].req.body);
    ck_assert_int_eq(p->steps[0].mutates, 0);
    ck_assert_int_eq(p->steps[0].capture, PLAN_CAPTURE_SNAPSHOT_ID);
    ck_assert_ptr_nonnull(strstr(p->steps[0].title, "first"));
    ck_assert_int_eq(
        find(p, 0, "POST", "/apps/${app}/volumes/" VOL_P "/snapshots"), 0);
    plan_free(p);
    action_preflight_clear(&pf);

    /* --no-snapshot: no such step, a warning instead. */
    a.no_snapshot = 1;
    p = ok(c, &a, &pf);
    ck_assert_int_eq(
        find(p, 0, "POST", "/apps/${app}/volumes/" VOL_P "/snapshots"), -1);
    ck_assert(has_warning(p, "no snapshot is taken first"));
    plan_free(p);
    action_preflight_clear(&pf);
    cluster_free(c);
}

START_TEST(test_snapshot_first)
{
    struct fleet_cluster *c;
    struct action_args a;
    struct action_preflight pf;
    struct plan *p;

    check_first(ACTION_FAILOVER, NULL, 0);
    check_first(ACTION_REPLICA_REMOVE, R2, 0);
    check_first(ACTION_SCALE_MEMORY, NULL, 1024);
    check_first(ACTION_SCALE_MEMORY, P, 1024);

    /* Plans that cannot lose data take none: a replica's memory, a
     * restart, a volume extend, a replica add. */
    c = c3();
    a = args(ACTION_SCALE_MEMORY);
    a.node = R1;
    a.memory_mb = 1024;
    p = ok(c, &a, &pf);
    ck_assert_int_eq(
        find(p, 0, "POST", "/apps/${app}/volumes/" VOL_P "/snapshots"), -1);
    ck_assert(!has_warning(p, "snapshot"));
    plan_free(p);
    action_preflight_clear(&pf);
    a = args(ACTION_RESTART);
    p = ok(c, &a, &pf);
    ck_assert_int_eq(
        find(p, 0, "POST", "/apps/${app}/volumes/" VOL_P "/snapshots"), -1);
    plan_free(p);
    action_preflight_clear(&pf);

    /* A primary without a known volume: the plan goes on, and says so. */
    free(nd(c, P)->volume.id);
    nd(c, P)->volume.id = x_strdup("");
    a = args(ACTION_FAILOVER);
    p = ok(c, &a, &pf);
    ck_assert(has_warning(p, "no snapshot first: the primary mounts no known "
                             "volume"));
    plan_free(p);
    action_preflight_clear(&pf);
    cluster_free(c);
}
END_TEST

START_TEST(test_snapshot_create)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_SNAPSHOT);
    struct action_preflight pf;
    struct plan *p;

    p = ok(c, &a, &pf);
    ck_assert_str_eq(p->action, "snapshot");
    ck_assert_str_eq(p->cluster, "acme-db");
    ck_assert_int_eq(p->risk, PLAN_RISK_LOW);
    ck_assert_uint_eq(p->n_steps, 1);
    ck_assert_uint_eq(p->n_leases, 0);
    ck_assert_str_eq(p->steps[0].req.path,
                     "/apps/${app}/volumes/" VOL_P "/snapshots");
    ck_assert_int_eq(p->steps[0].mutates, 1);
    ck_assert_str_eq(p->steps[0].capture_var, "snapshot");
    ck_assert_ptr_nonnull(strstr(p->summary, "volume " VOL_P " of " P));
    plan_free(p);
    action_preflight_clear(&pf);

    a.node = R1;
    p = ok(c, &a, &pf);
    ck_assert_str_eq(p->steps[0].req.path,
                     "/apps/${app}/volumes/" VOL_R1 "/snapshots");
    plan_free(p);
    action_preflight_clear(&pf);

    a.node = "00000000000000";
    ck_assert_ptr_nonnull(strstr(refused(c, &a), "00000000000000"));
    a.node = R1;
    free(nd(c, R1)->volume.id);
    nd(c, R1)->volume.id = x_strdup("");
    ck_assert_ptr_nonnull(strstr(refused(c, &a), "mounts no volume"));
    cluster_free(c);

    c = c3();
    c->primary = -1;
    a.node = NULL;
    ck_assert_ptr_nonnull(strstr(refused(c, &a), "--node"));
    cluster_free(c);
}
END_TEST

START_TEST(test_restore)
{
    struct fleet_cluster *c = c3();
    struct action_args a = args(ACTION_RESTORE);
    struct action_preflight pf;
    const struct plan_step *s;
    struct plan *p;
    cJSON *b, *cfg;
    size_t i;

    a.snapshot = "vs_abc";
    a.snapshot_volume = VOL_R1;
    a.as = "acme-copy";
    a.org = "ops";
    p = ok(c, &a, &pf);
    ck_assert_str_eq(p->action, "snapshot-restore");
    ck_assert_str_eq(p->cluster, "acme-copy");
    ck_assert_str_eq(plan_var(p, "app"), "acme-copy");
    ck_assert_int_eq(p->risk, PLAN_RISK_LOW);
    ck_assert_uint_eq(p->n_leases, 0);
    ck_assert(has_warning(p, "acme-db is only read"));
    /* Nothing of the source is ever requested. */
    for (i = 0; i < p->n_steps; i++)
        ck_assert_msg(!strstr(p->steps[i].req.path, "acme-db"),
                      "step %zu touches the source: %s", i,
                      p->steps[i].req.path);

    s = &p->steps[0];
    ck_assert_str_eq(s->req.path, "/apps");
    b = cJSON_Parse(s->req.body);
    ck_assert_str_eq(
        cJSON_GetObjectItemCaseSensitive(b, "app_name")->valuestring,
        "acme-copy");
    ck_assert_str_eq(
        cJSON_GetObjectItemCaseSensitive(b, "org_slug")->valuestring, "ops");
    cJSON_Delete(b);

    /* flex's secrets first, the restore marked (audit C4). */
    s = &p->steps[1];
    ck_assert_int_eq(s->graphql, 1);
    ck_assert_int_eq(s->capture, PLAN_CAPTURE_CONSUL_URL);
    s = &p->steps[2];
    ck_assert_str_eq(s->req.path, "/apps/${app}/secrets");
    b = cJSON_Parse(s->req.body);
    ck_assert_str_eq(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(b, "values"), "FLY_RESTORED_FROM")
            ->valuestring,
        "vs_abc");
    ck_assert_str_eq(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(b, "values"), "OPERATOR_PASSWORD")
            ->valuestring,
        "${secret:OPERATOR_PASSWORD}");
    cJSON_Delete(b);

    s = &p->steps[3];
    ck_assert_str_eq(s->req.path, "/apps/${app}/volumes");
    ck_assert_int_eq(s->reconcile, PLAN_RECONCILE_FIND_VOLUME);
    ck_assert_str_eq(s->capture_var, "new_volume");
    b = cJSON_Parse(s->req.body);
    ck_assert_str_eq(
        cJSON_GetObjectItemCaseSensitive(b, "snapshot_id")->valuestring,
        "vs_abc");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(b, "region")->valuestring,
                     "iad");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(b, "size_gb")->valueint,
                     nd(c, R1)->volume.size_gb);
    cJSON_Delete(b);

    s = &p->steps[4];
    ck_assert_int_eq(s->kind, PLAN_STEP_WAIT);
    ck_assert_int_eq(s->cond, PLAN_COND_VOLUME_STATE);
    ck_assert_str_eq(s->cond_arg, "created");

    s = &p->steps[5];
    ck_assert_str_eq(s->req.path, "/apps/${app}/machines");
    ck_assert_int_eq(s->reconcile, PLAN_RECONCILE_FIND_MACHINE);
    b = cJSON_Parse(s->req.body);
    ck_assert_str_eq(
        cJSON_GetObjectItemCaseSensitive(b, "min_secrets_version")->valuestring,
        "${num:secrets_version}");
    cfg = cJSON_GetObjectItemCaseSensitive(b, "config");
    ck_assert_str_eq(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cfg, "mounts"),
                               0),
            "volume")
            ->valuestring,
        "${new_volume}");
    ck_assert_str_eq(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cfg, "env"), "PRIMARY_REGION")
            ->valuestring,
        "iad");
    ck_assert_str_eq(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cfg, "metadata"), PLAN_TAG_KEY)
            ->valuestring,
        s->tag);
    cJSON_Delete(b);
    ck_assert_int_eq(p->steps[p->n_steps - 1].cond, PLAN_COND_ROLE);
    ck_assert_str_eq(p->steps[p->n_steps - 1].cond_arg, "primary");
    /* Abort: the machine, its wait, the volume, the app. */
    ck_assert_uint_eq(p->n_abort_steps, 4);
    ck_assert_str_eq(p->abort_steps[3].req.path, "/apps/${app}");
    ck_assert_str_eq(p->abort_steps[3].needs, "app_id");
    plan_free(p);
    action_preflight_clear(&pf);

    a.as = "acme-db";
    ck_assert_ptr_nonnull(strstr(refused(c, &a), "other than the source"));
    a.as = "Bad_Name";
    ck_assert_ptr_nonnull(strstr(refused(c, &a), "not a valid app name"));
    a.as = "acme-copy";
    a.snapshot_volume = "vol_gone";
    ck_assert_ptr_nonnull(
        strstr(refused(c, &a), "which no node of acme-db mounts now"));
    a.snapshot_volume = VOL_R1;
    a.snapshot = NULL;
    ck_assert_ptr_nonnull(strstr(refused(c, &a), "which snapshot?"));
    cluster_free(c);
}
END_TEST

/* The capture of a snapshot's id: from the documented answer, nothing from
 * an empty 200, an error from a body that is no JSON object. */
START_TEST(test_capture)
{
    static const char fly[] =
        "{\"Msg\":{\"backup\":{\"id\":\"b1\",\"state\":\"prepare\","
        "\"graph_id\":\"vs_Zx81\",\"created_at\":\"2026-12-03T10:00:00Z\"}}}";
    struct plan_answer ans;
    char *v = NULL, *cause = NULL;

    memset(&ans, 0, sizeof ans);
    ans.body = fly;
    ans.len = strlen(fly);
    ck_assert_int_eq(
        plan_capture_value(PLAN_CAPTURE_SNAPSHOT_ID, &ans, &v, &cause), 0);
    ck_assert_str_eq(v, "vs_Zx81");
    free(v);
    ans.body = "";
    ans.len = 0;
    ck_assert_int_eq(
        plan_capture_value(PLAN_CAPTURE_SNAPSHOT_ID, &ans, &v, &cause), 0);
    ck_assert_ptr_null(v);
    ans.body = "{}";
    ans.len = 2;
    ck_assert_int_eq(
        plan_capture_value(PLAN_CAPTURE_SNAPSHOT_ID, &ans, &v, &cause), 0);
    ck_assert_ptr_null(v);
    ans.body = "[1,";
    ans.len = 3;
    ck_assert_int_eq(
        plan_capture_value(PLAN_CAPTURE_SNAPSHOT_ID, &ans, &v, &cause), -1);
    ck_assert_ptr_nonnull(strstr(cause, "cannot read the snapshot answer"));
    free(cause);
}
END_TEST

START_TEST(test_age_and_stale)
{
    struct snap_volume v;
    char t[32], vol[] = "vol_1", none[] = "", err[] = "HTTP 500";

    snap_age_text(45 * 1000, t, sizeof t);
    ck_assert_str_eq(t, "45s");
    snap_age_text(5 * 60 * 1000, t, sizeof t);
    ck_assert_str_eq(t, "5m");
    snap_age_text((3 * 3600 + 20 * 60) * 1000LL, t, sizeof t);
    ck_assert_str_eq(t, "3h 20m");
    snap_age_text((2 * 86400 + 4 * 3600) * 1000LL, t, sizeof t);
    ck_assert_str_eq(t, "2d 4h");
    snap_age_text(-5000, t, sizeof t);
    ck_assert_str_eq(t, "0s");

    memset(&v, 0, sizeof v);
    v.volume = vol;
    ck_assert(snap_volume_stale(&v, NOW)); /* none at all */
    v.newest_ms = NOW - SNAP_STALE_MS + 1000;
    ck_assert(!snap_volume_stale(&v, NOW));
    v.newest_ms = NOW - SNAP_STALE_MS - 1000;
    ck_assert(snap_volume_stale(&v, NOW));
    v.error = err;
    ck_assert(!snap_volume_stale(&v, NOW)); /* not known */
    v.error = NULL;
    v.volume = none;
    ck_assert(!snap_volume_stale(&v, NOW)); /* no volume */
}
END_TEST

/* A result as snap_list would make it (rows newest first). */
static void result(struct snap_result *r)
{
    static const char *const ids[] = {"vs_new", "vs_old"};
    size_t i;

    memset(r, 0, sizeof *r);
    r->cluster = x_strdup("acme-db");
    r->n_rows = 2;
    r->rows = x_calloc(2, sizeof *r->rows);
    for (i = 0; i < 2; i++) {
        r->rows[i].node = x_strdup(P);
        r->rows[i].role = x_strdup("primary");
        r->rows[i].volume = x_strdup(VOL_P);
        r->rows[i].s.id = x_strdup(ids[i]);
        r->rows[i].s.created_at_ms = NOW - (int64_t)(i + 1) * 2 * 86400000;
        r->rows[i].s.size = 50 * MB;
        r->rows[i].s.retention_days = 5;
    }
    r->n_vols = 2;
    r->vols = x_calloc(2, sizeof *r->vols);
    r->vols[0].node = x_strdup(P);
    r->vols[0].role = x_strdup("primary");
    r->vols[0].volume = x_strdup(VOL_P);
    r->vols[0].count = 2;
    r->vols[0].newest_ms = r->rows[0].s.created_at_ms;
    r->vols[1].node = x_strdup(R1);
    r->vols[1].role = x_strdup("replica");
    r->vols[1].volume = x_strdup(VOL_R1);
    r->vols[1].error = x_strdup("HTTP 503: try later");
}

START_TEST(test_output)
{
    struct snap_result r;
    char *text = NULL;
    size_t len = 0;
    FILE *f;
    cJSON *doc, *s0, *v1;

    result(&r);
    ck_assert_ptr_nonnull(snap_find(&r, "vs_old"));
    ck_assert_ptr_null(snap_find(&r, "vs_none"));

    f = open_memstream(&text, &len);
    snap_print_table(f, &r, NOW);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "vs_new"));
    ck_assert(strstr(text, "vs_new") < strstr(text, "vs_old"));
    ck_assert_ptr_nonnull(strstr(text, "2d 0h"));
    ck_assert_ptr_nonnull(strstr(text, "50.0 MB"));
    ck_assert_ptr_nonnull(
        strstr(text, P " (primary) volume " VOL_P
                       ": 2 snapshots, newest 2d 0h old (OLDER THAN A DAY)"));
    ck_assert_ptr_nonnull(strstr(text, "the list failed: HTTP 503: try later"));
    free(text);

    text = NULL;
    f = open_memstream(&text, &len);
    snap_print_json(f, &r, NOW);
    fclose(f);
    doc = cJSON_Parse(text);
    ck_assert_ptr_nonnull(doc);
    s0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "snapshots"),
                            0);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(s0, "id")->valuestring,
                     "vs_new");
    ck_assert_int_eq(
        (int)cJSON_GetObjectItemCaseSensitive(s0, "age_s")->valuedouble,
        2 * 86400);
    v1 =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "volumes"), 1);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(v1, "stale")));
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(v1, "error")->valuestring,
                     "HTTP 503: try later");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "volumes"), 0),
        "stale")));
    cJSON_Delete(doc);
    free(text);
    snap_result_clear(&r);
    snap_result_clear(&r); /* twice is fine */
}
END_TEST

static Suite *snap_suite(void)
{
    Suite *s = suite_create("snap");
    TCase *tc = tcase_create("snap");

    tcase_add_test(tc, test_snapshot_first);
    tcase_add_test(tc, test_snapshot_create);
    tcase_add_test(tc, test_restore);
    tcase_add_test(tc, test_capture);
    tcase_add_test(tc, test_age_and_stale);
    tcase_add_test(tc, test_output);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(snap_suite());
}

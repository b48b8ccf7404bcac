#include "config.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/cache.h"
#include "src/cli.h"
#include "src/derive.h"
#include "src/fleet.h"
#include "src/status.h"
#include "src/xmalloc.h"

#include "tests/unit/tmpdir.h"
#include "tests/unit/unit.h"

/*
 * test_status: `pgdeck status` formatting on synthetic models: the JSON
 * keys the issue documents, null for unknown values, stale markers with
 * age and reason, the table, exit codes, and the cache round trip.
 */

#define NOW 1700000000000LL

static void node(struct fleet_node *n, const char *id, enum fleet_role role,
                 int reachable)
{
    memset(n, 0, sizeof *n);
    n->id = x_strdup(id);
    n->name = x_strdup("name");
    n->region = x_strdup("iad");
    n->state = x_strdup("started");
    n->check_role =
        x_strdup(role == FLEET_ROLE_PRIMARY ? "primary" : "replica");
    n->image_version = x_strdup("v0.0.66");
    n->role = role;
    n->reachable = reachable;
    n->timeline = 3;
    n->memory_mb = 1024;
    n->lag_state =
        role == FLEET_ROLE_PRIMARY ? FLEET_LAG_NONE : FLEET_LAG_STREAMING;
    n->lag_sent_bytes = role == FLEET_ROLE_PRIMARY ? -1 : 100;
    n->lag_write_bytes = role == FLEET_ROLE_PRIMARY ? -1 : 200;
    n->lag_flush_bytes = role == FLEET_ROLE_PRIMARY ? -1 : 300;
    n->lag_replay_bytes = role == FLEET_ROLE_PRIMARY ? -1 : 400;
    n->lag_ms = role == FLEET_ROLE_PRIMARY ? -1 : 1500;
    n->volume.id = x_strdup("vol_1");
    n->volume.size_gb = 10;
    n->volume.used_bytes = 1073741824;
    n->volume.total_bytes = 10737418240LL;
    n->volume.used_pct = 10.0;
    n->volume.eta_full_ms = 7200000;
    n->probe.updated_ms = NOW - 5000;
    n->api.updated_ms = NOW - 5000;
    if (!reachable) {
        n->probe.stale = 1;
        n->probe.reason = x_strdup("10.0.0.2:5433: Connection refused");
    }
}

static struct fleet_model *model(void)
{
    struct fleet_model *m = fleet_model_new("local", "personal");
    struct fleet_cluster *c;
    struct derive_limits lim;

    m->status = FLEET_STATUS_OK;
    m->api.updated_ms = NOW - 1000;
    m->clusters = x_calloc(1, sizeof *m->clusters);
    m->n_clusters = 1;
    c = &m->clusters[0];
    c->name = x_strdup("acme-db");
    c->primary_region = x_strdup("iad");
    c->flavor = x_strdup("flex");
    c->image_version = x_strdup("v0.0.66");
    c->api.updated_ms = NOW - 5000;
    c->nodes = x_calloc(3, sizeof *c->nodes);
    c->n_nodes = 3;
    node(&c->nodes[0], "m1", FLEET_ROLE_PRIMARY, 1);
    node(&c->nodes[1], "m2", FLEET_ROLE_REPLICA, 1);
    node(&c->nodes[2], "m3", FLEET_ROLE_UNKNOWN, 0);
    derive_limits_default(&lim);
    derive_cluster(c, &lim, NOW);
    return m;
}

static cJSON *json_of(const struct fleet_model *m, const char *only)
{
    struct buf b = BUF_INIT;
    cJSON *doc;

    status_json(m, only, NOW, &b);
    doc = cJSON_Parse(buf_str(&b));
    buf_free(&b);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

static const cJSON *get(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    ck_assert_msg(v ? 1 : 0, "missing key %s", k);
    return v;
}

START_TEST(test_json_keys)
{
    static const char *const ckeys[] = {
        "cluster", "region", "verdict", "quorum", "nodes", "issues", "stale"};
    static const char *const nkeys[] = {
        "id",          "region",   "role",   "check_role", "state", "lag_bytes",
        "lag_seconds", "timeline", "volume", "memory_mb",  "stale", "marker"};
    struct fleet_model *m = model();
    cJSON *doc = json_of(m, NULL);
    const cJSON *c = cJSON_GetArrayItem(get(doc, "clusters"), 0), *n, *v;
    size_t i;

    for (i = 0; i < sizeof ckeys / sizeof ckeys[0]; i++)
        get(c, ckeys[i]);
    ck_assert_str_eq(get(c, "cluster")->valuestring, "acme-db");
    ck_assert_str_eq(get(c, "verdict")->valuestring, "degraded");
    ck_assert(cJSON_IsTrue(get(get(c, "quorum"), "ok")));
    ck_assert_int_eq(get(get(c, "quorum"), "needed")->valueint, 2);
    n = cJSON_GetArrayItem(get(c, "nodes"), 1);
    for (i = 0; i < sizeof nkeys / sizeof nkeys[0]; i++)
        get(n, nkeys[i]);
    v = get(n, "lag_bytes");
    ck_assert_int_eq(get(v, "sent")->valueint, 100);
    ck_assert_int_eq(get(v, "write")->valueint, 200);
    ck_assert_int_eq(get(v, "flush")->valueint, 300);
    ck_assert_int_eq(get(v, "replay")->valueint, 400);
    ck_assert(get(n, "lag_seconds")->valuedouble > 1.49 &&
              get(n, "lag_seconds")->valuedouble < 1.51);
    ck_assert_int_eq(get(n, "timeline")->valueint, 3);
    v = get(n, "volume");
    ck_assert_int_eq(get(v, "size_gb")->valueint, 10);
    ck_assert_int_eq((long long)get(v, "used_bytes")->valuedouble,
                     1073741824LL);
    ck_assert_int_eq((int)(get(v, "used_pct")->valuedouble * 100), 1000);
    ck_assert_int_eq((int)get(v, "eta_full_seconds")->valuedouble, 7200);
    ck_assert_int_eq(get(n, "memory_mb")->valueint, 1024);
    ck_assert(cJSON_IsFalse(get(n, "stale")));
    /* The primary: lag unknown is null, marker '*'. */
    n = cJSON_GetArrayItem(get(c, "nodes"), 0);
    ck_assert(cJSON_IsNull(get(get(n, "lag_bytes"), "replay")));
    ck_assert(cJSON_IsNull(get(n, "lag_seconds")));
    ck_assert_str_eq(get(n, "marker")->valuestring, "*");
    /* The unreachable node: stale with reason and age, marker '?'. */
    n = cJSON_GetArrayItem(get(c, "nodes"), 2);
    ck_assert(cJSON_IsTrue(get(n, "stale")));
    ck_assert_str_eq(get(n, "marker")->valuestring, "?");
    ck_assert_str_eq(get(n, "stale_reason")->valuestring,
                     "10.0.0.2:5433: Connection refused");
    ck_assert_int_eq((int)get(n, "age_seconds")->valuedouble, 5);
    cJSON_Delete(doc);
    doc = json_of(m, "nope");
    ck_assert_int_eq(cJSON_GetArraySize(get(doc, "clusters")), 0);
    cJSON_Delete(doc);
    fleet_model_free(m);
}
END_TEST

START_TEST(test_table)
{
    struct fleet_model *m = model();
    struct buf b = BUF_INIT;
    const char *t;

    status_table(m, NULL, NOW, &b);
    t = buf_str(&b);
    ck_assert_ptr_nonnull(strstr(t, "Cluster: acme-db (flex v0.0.66, iad)"));
    ck_assert_ptr_nonnull(strstr(t, " - degraded - quorum 2/3 in iad"));
    ck_assert_ptr_nonnull(strstr(t, "  * m1 "));
    ck_assert_ptr_nonnull(strstr(t, "  ? m3 "));
    ck_assert_ptr_nonnull(strstr(t, "m3 stale (age 5 s): 10.0.0.2:5433"));
    ck_assert_ptr_nonnull(strstr(t, "WARNING: following issues were detected"));
    ck_assert_ptr_nonnull(strstr(t, "fix: pgdeck restart acme-db m3"));
    buf_free(&b);
    status_table(m, "other", NOW, &b);
    ck_assert_str_eq(buf_str(&b), "no such cluster\n");
    buf_free(&b);
    fleet_model_free(m);
}
END_TEST

START_TEST(test_exit_codes)
{
    struct fleet_model *m = model();

    ck_assert_int_eq(status_exit_code(m, NULL), CLI_EXIT_FAILED);
    ck_assert_int_eq(status_exit_code(m, "missing"), CLI_EXIT_FAILED);
    m->clusters[0].verdict = FLEET_VERDICT_HEALTHY;
    ck_assert_int_eq(status_exit_code(m, NULL), CLI_EXIT_OK);
    ck_assert_int_eq(status_exit_code(m, "acme-db"), CLI_EXIT_OK);
    m->status = FLEET_STATUS_UNREACHABLE;
    ck_assert_int_eq(status_exit_code(m, NULL), CLI_EXIT_UNREACHABLE);
    m->status = FLEET_STATUS_ERROR;
    ck_assert_int_eq(status_exit_code(m, NULL), CLI_EXIT_FAILED);
    fleet_model_free(m);
}
END_TEST

START_TEST(test_cache_round_trip)
{
    struct fleet_model *m = model(), *back;
    struct buf b = BUF_INIT;
    cJSON *doc;
    char *text;
    const struct fleet_cluster *c;

    status_json(m, NULL, NOW, &b);
    doc = cJSON_Parse(buf_str(&b));
    cJSON_AddNumberToObject(doc, "saved_at_ms", (double)NOW);
    text = cJSON_PrintUnformatted(doc);
    back = cache_parse(text, NULL);
    ck_assert_ptr_nonnull(back);
    ck_assert(back->from_cache);
    c = fleet_model_cluster(back, "acme-db");
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(c->n_nodes, 3);
    ck_assert(c->api.stale);
    ck_assert_ptr_nonnull(strstr(c->api.reason, "from cache"));
    ck_assert_int_eq(c->api.updated_ms, NOW - 5000);
    ck_assert_int_eq(c->nodes[1].lag_replay_bytes, 400);
    ck_assert_int_eq(c->nodes[1].volume.size_gb, 10);
    ck_assert_int_eq(fleet_node_marker(&c->nodes[1]), '~');
    ck_assert_ptr_null(cache_parse("not json", NULL));
    free(text);
    cJSON_Delete(doc);
    buf_free(&b);
    fleet_model_free(back);
    fleet_model_free(m);
}
END_TEST

/* The cache is saved under a state home none of whose directories exist
 * yet (a fresh account), and read back. */
START_TEST(test_cache_save_fresh_home)
{
    struct fleet_model *m = model(), *back;
    char *tmp = unit_tmpdir(), *path, *cause = NULL;

    path = x_asprintf("%s/.local/state/pgdeck/cache-local.json", tmp);
    ck_assert_msg(cache_save(m, path, &cause) == 0, "save: %s",
                  cause ? cause : "?");
    back = cache_load(path, &cause);
    ck_assert_ptr_nonnull(back);
    ck_assert_ptr_nonnull(fleet_model_cluster(back, "acme-db"));
    fleet_model_free(back);
    free(path);
    /* A file in the way is named. */
    free(unit_write_file(tmp, "plain", "x", 0600));
    path = x_asprintf("%s/plain/pgdeck/cache-local.json", tmp);
    ck_assert_int_eq(cache_save(m, path, &cause), -1);
    ck_assert_msg(strstr(cause, "plain") && strstr(cause, "cannot create"),
                  "cause: %s", cause);
    free(cause);
    free(path);
    unit_rm_rf(tmp);
    free(tmp);
    fleet_model_free(m);
}
END_TEST

static Suite *status_suite(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("status");

    tcase_add_test(tc, test_json_keys);
    tcase_add_test(tc, test_table);
    tcase_add_test(tc, test_exit_codes);
    tcase_add_test(tc, test_cache_round_trip);
    tcase_add_test(tc, test_cache_save_fresh_home);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(status_suite());
}

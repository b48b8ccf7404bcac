/*
 * test_pd_core: the pure parts of pgdeck-platformd's API layer -- ids and
 * ULIDs, the routing table, durations and signals, lease expiry, the
 * restart policy, the auth header check, the listen-address rule, fault
 * patterns, and the JSON shape of a machine against the documented
 * machines_create_resp.json fixture.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/buf.h"

#include "src/platformd/daemon.h"
#include "src/platformd/faults.h"
#include "src/platformd/http.h"
#include "src/platformd/ids.h"
#include "src/platformd/monitor.h"
#include "src/platformd/parse.h"
#include "src/platformd/render.h"
#include "src/platformd/route.h"
#include "src/platformd/runtime.h"
#include "src/platformd/secrets.h"
#include "src/platformd/state.h"

#include "tests/unit/unit.h"

static int is_hex(const char *s, size_t n)
{
    size_t i;

    if (strlen(s) != n)
        return 0;
    for (i = 0; i < n; i++)
        if (!strchr("0123456789abcdef", s[i]))
            return 0;
    return 1;
}

START_TEST(test_ids_formats)
{
    char *m = ids_machine(), *u = ids_ulid(-1), *v = ids_volume();
    char *s = ids_snapshot(), *n = ids_name(), *h = ids_hex(32);

    ck_assert_msg(is_hex(m, 14), "machine id %s", m);
    ck_assert_msg(ids_is_ulid(u), "ulid %s", u);
    ck_assert_int_eq(strncmp(v, "vol_", 4), 0);
    ck_assert_uint_eq(strlen(v), 20);
    ck_assert_int_eq(strncmp(s, "vs_", 3), 0);
    ck_assert_uint_eq(strlen(s), 28);
    ck_assert_ptr_nonnull(strchr(n, '-'));
    ck_assert(is_hex(h, 64));
    ck_assert(!ids_is_ulid("01HEPA330HZ37A78TK080NAK1"));
    ck_assert(!ids_is_ulid("01HEPA330HZ37A78TK080NAK1U")); /* U not Crockford */
    ck_assert(ids_is_ulid("01HEPA330HZ37A78TK080NAK1M"));
    free(m);
    free(u);
    free(v);
    free(s);
    free(n);
    free(h);
}
END_TEST

START_TEST(test_ulid_time_prefix)
{
    /* 1699408350300 ms is the fixture's launch event; its ULID prefix is
     * the 10-char base32 of the timestamp: ordering follows time. */
    char *a = ids_ulid(1699408350300LL), *b = ids_ulid(1699408350301LL);
    char *c = ids_ulid(0);

    ck_assert_int_lt(strncmp(a, b, 10), 0);
    ck_assert_int_eq(strncmp(c, "0000000000", 10), 0);
    ck_assert(ids_is_ulid(a));
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(test_rfc3339)
{
    char t[40];

    ids_rfc3339(1699408350300LL, 0, t, sizeof t);
    ck_assert_str_eq(t, "2023-11-08T01:52:30Z");
    ids_rfc3339(1699408350300LL, 1, t, sizeof t);
    ck_assert_str_eq(t, "2023-11-08T01:52:30.300Z");
    ck_assert_int_eq(ids_parse_rfc3339("2023-11-08T01:52:30.300Z"),
                     1699408350300LL);
    ck_assert_int_eq(ids_parse_rfc3339("nonsense"), -1);
}
END_TEST

static const struct {
    const char *method, *path;
    enum route_match want;
    const char *pattern;
    size_t nparams;
    const char *p0, *p1;
} route_cases[] = {
    {"GET", "/v1/apps", ROUTE_FOUND, "/v1/apps", 0, NULL, NULL},
    {"POST", "/v1/apps/", ROUTE_FOUND, "/v1/apps", 0, NULL, NULL},
    {"PATCH", "/v1/apps/x", ROUTE_BAD_METHOD, NULL, 0, NULL, NULL},
    {"GET", "/v1/apps/pg/machines/abc/wait", ROUTE_FOUND,
     "/v1/apps/:app/machines/:id/wait", 2, "pg", "abc"},
    {"POST", "/v1/apps/pg/machines/abc", ROUTE_FOUND,
     "/v1/apps/:app/machines/:id", 2, "pg", "abc"},
    {"PUT", "/v1/apps/pg/machines", ROUTE_BAD_METHOD, NULL, 0, NULL, NULL},
    {"DELETE", "/v1/apps/pg/machines/abc/metadata/k", ROUTE_FOUND,
     "/v1/apps/:app/machines/:id/metadata/:key", 3, "pg", "abc"},
    {"PUT", "/v1/apps/pg/volumes/vol_1/extend", ROUTE_FOUND,
     "/v1/apps/:app/volumes/:vol/extend", 2, "pg", "vol_1"},
    {"GET", "/v1/nothing", ROUTE_NO_PATH, NULL, 0, NULL, NULL},
    {"GET", "/v1/apps//machines", ROUTE_NO_PATH, NULL, 0, NULL, NULL},
    {"GET", "relative", ROUTE_NO_PATH, NULL, 0, NULL, NULL},
    {"GET", "/v1/apps/a/machines/b/c/d/e/f", ROUTE_NO_PATH, NULL, 0, NULL,
     NULL},
    {"DELETE", "/admin/faults/3", ROUTE_FOUND, "/admin/faults/:fid", 1, "3",
     NULL},
};

START_TEST(test_route_table)
{
    const struct route *rt;
    const char *params[ROUTE_MAX_PARAMS];
    size_t np;
    char path[128];
    enum route_match got;

    snprintf(path, sizeof path, "%s", route_cases[_i].path);
    got = route_find(route_table, route_table_len, route_cases[_i].method, path,
                     &rt, params, &np);
    ck_assert_msg(got == route_cases[_i].want, "%s %s: got %d",
                  route_cases[_i].method, route_cases[_i].path, (int)got);
    if (got != ROUTE_FOUND)
        return;
    ck_assert_str_eq(rt->pattern, route_cases[_i].pattern);
    ck_assert_uint_eq(np, route_cases[_i].nparams);
    if (np > 0)
        ck_assert_str_eq(params[0], route_cases[_i].p0);
    if (np > 1)
        ck_assert_str_eq(params[1], route_cases[_i].p1);
}
END_TEST

static const struct {
    const char *in;
    int bare_seconds;
    int rc;
    long long ms;
} dur_cases[] = {
    {"15s", 0, 0, 15000},  {"1m30s", 0, 0, 90000}, {"250ms", 0, 0, 250},
    {"1h", 0, 0, 3600000}, {"1.5s", 0, 0, 1500},   {"15000000000", 0, 0, 15000},
    {"60", 1, 0, 60000},   {"0s", 0, 0, 0},        {"0", 0, 0, 0},
    {"", 0, -1, 0},        {"abc", 0, -1, 0},      {"-1s", 0, -1, 0},
    {"5x", 0, -1, 0},      {"10s5", 0, -1, 0},     {"99999999999h", 0, -1, 0},
};

START_TEST(test_durations)
{
    long long ms = -7;
    int rc =
        parse_duration_ms(dur_cases[_i].in, dur_cases[_i].bare_seconds, &ms);

    ck_assert_msg(rc == dur_cases[_i].rc, "%s: rc %d", dur_cases[_i].in, rc);
    if (rc == 0)
        ck_assert_msg(ms == dur_cases[_i].ms, "%s: %lld ms", dur_cases[_i].in,
                      ms);
}
END_TEST

START_TEST(test_duration_json_and_format)
{
    cJSON *n = cJSON_CreateNumber(10e9), *s = cJSON_CreateString("10s");
    cJSON *b = cJSON_CreateTrue();
    long long ms;
    char out[32];

    ck_assert_int_eq(parse_json_duration_ms(n, &ms), 0);
    ck_assert_int_eq(ms, 10000);
    ck_assert_int_eq(parse_json_duration_ms(s, &ms), 0);
    ck_assert_int_eq(ms, 10000);
    ck_assert_int_eq(parse_json_duration_ms(b, &ms), -1);
    parse_format_duration(15000, out, sizeof out);
    ck_assert_str_eq(out, "15s");
    parse_format_duration(90000, out, sizeof out);
    ck_assert_str_eq(out, "1m30s");
    parse_format_duration(250, out, sizeof out);
    ck_assert_str_eq(out, "250ms");
    parse_format_duration(3600000, out, sizeof out);
    ck_assert_str_eq(out, "1h0m0s");
    cJSON_Delete(n);
    cJSON_Delete(s);
    cJSON_Delete(b);
}
END_TEST

START_TEST(test_signals)
{
    cJSON *nine = cJSON_CreateNumber(9), *frac = cJSON_CreateNumber(1.5);

    ck_assert_int_eq(parse_signal_name("SIGTERM"), 15);
    ck_assert_int_eq(parse_signal_name("term"), 15);
    ck_assert_int_eq(parse_signal_name("9"), 9);
    ck_assert_int_eq(parse_signal_name("SIGNOPE"), -1);
    ck_assert_int_eq(parse_signal_name(""), -1);
    ck_assert_int_eq(parse_json_signal(nine), 9);
    ck_assert_int_eq(parse_json_signal(frac), -1);
    ck_assert_str_eq(parse_signal_str(2), "SIGINT");
    cJSON_Delete(nine);
    cJSON_Delete(frac);
}
END_TEST

START_TEST(test_lease_expiry)
{
    struct st_machine m;
    char nonce[] = "abc";

    memset(&m, 0, sizeof m);
    ck_assert(!st_lease_active(&m, 1000));
    m.lease.nonce = nonce;
    m.lease.expires_at = 1000;
    ck_assert(st_lease_active(&m, 999));
    ck_assert(!st_lease_active(&m, 1000));
    ck_assert(!st_lease_active(&m, 5000));
}
END_TEST

START_TEST(test_restart_policy)
{
    ck_assert_int_eq(monitor_should_restart("no", 0, 0), 0);
    ck_assert_int_eq(monitor_should_restart("always", 0, 1000), 1);
    ck_assert_int_eq(monitor_should_restart(NULL, 0, 9), 1);
    ck_assert_int_eq(monitor_should_restart(NULL, 0, 10), 0);
    ck_assert_int_eq(monitor_should_restart("on-failure", 2, 1), 1);
    ck_assert_int_eq(monitor_should_restart("on-failure", 2, 2), 0);
}
END_TEST

START_TEST(test_auth_header)
{
    const char *tok = "00ff00ff00ff00ff00ff00ff00ff00ff";

    ck_assert(http_auth_ok("Bearer 00ff00ff00ff00ff00ff00ff00ff00ff", tok));
    ck_assert(http_auth_ok("FlyV1 00ff00ff00ff00ff00ff00ff00ff00ff", tok));
    ck_assert(!http_auth_ok("Bearer 00ff00ff00ff00ff00ff00ff00ff00f", tok));
    ck_assert(!http_auth_ok("Bearer 00ff00ff00ff00ff00ff00ff00ff00ffx", tok));
    ck_assert(!http_auth_ok("Basic 00ff00ff00ff00ff00ff00ff00ff00ff", tok));
    ck_assert(!http_auth_ok("Bearer ", tok));
    ck_assert(!http_auth_ok(NULL, tok));
}
END_TEST

static const struct {
    const char *spec;
    int rc;
} listen_cases[] = {
    {"127.0.0.1:4280", 0},
    {"127.9.8.7:0", 0},
    {"[::1]:0", 0},
    {"localhost:80", 0},
    {"0.0.0.0:4280", -1},
    {"10.0.0.1:1", -1},
    {"[::]:1", -1},
    {"127.0.0.1", -1},
    {"127.0.0.1:70000", -1},
    {"127.0.0.1:x", -1},
    {"", -1},
    {"[::1:80", -1},
};

START_TEST(test_listen_rule)
{
    struct sockaddr_storage sa;
    socklen_t len;
    char *cause = NULL;
    int rc = daemon_parse_listen(listen_cases[_i].spec, &sa, &len, &cause);

    ck_assert_msg(rc == listen_cases[_i].rc, "%s: rc %d", listen_cases[_i].spec,
                  rc);
    if (rc == -1)
        ck_assert_ptr_nonnull(cause);
    free(cause);
}
END_TEST

START_TEST(test_fault_patterns)
{
    ck_assert(faults_pattern_match("/v1/apps", "/v1/apps/x/machines"));
    ck_assert(!faults_pattern_match("/v1/apps/y", "/v1/apps/x"));
    ck_assert(
        faults_pattern_match("/v1/apps/*/machines", "/v1/apps/x/machines"));
    ck_assert(faults_pattern_match("/v1/apps/*/machines/*",
                                   "/v1/apps/x/machines/abc/wait"));
    ck_assert(
        !faults_pattern_match("/v1/apps/*/volumes", "/v1/apps/x/machines"));
}
END_TEST

static cJSON *load_fixture(const char *name)
{
    char path[1024];
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    FILE *f;
    cJSON *j;

    snprintf(path, sizeof path, "%s/tests/fixtures/fly-api-docs/%s",
             unit_srcdir(), name);
    f = fopen(path, "r");
    if (!f) {
        snprintf(path, sizeof path, "/work/shared/fixtures/fly-api-docs/%s",
                 name);
        f = fopen(path, "r");
    }
    if (!f)
        return NULL;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    j = cJSON_Parse(buf_str(&b));
    buf_free(&b);
    return j;
}

static void assert_has_keys(const cJSON *want, const cJSON *got,
                            const char *where)
{
    const cJSON *k;

    cJSON_ArrayForEach(k, want)
    {
        ck_assert_msg(cJSON_GetObjectItemCaseSensitive(got, k->string),
                      "%s: key %s missing", where, k->string);
    }
}

START_TEST(test_machine_shape)
{
    cJSON *fx = load_fixture("machines_create_resp.json");
    struct st_machine *m;
    cJSON *cfg, *got, *ev;

    ck_assert_msg(fx, "fixture machines_create_resp.json not found");
    st_init("/tmp/pd-unit");
    m = st_machine_new();
    m->id = ids_machine();
    m->app = strdup("a");
    m->name = ids_name();
    m->region = strdup("ord");
    m->instance_id = ids_ulid(-1);
    m->private_ip = strdup("127.1.2.3");
    cfg = cJSON_Parse("{\"image\":\"registry-1.docker.io/flyio/"
                      "postgres-flex:15.8\",\"guest\":{\"memory_mb\":512}}");
    st_machine_set_config(m, cfg);
    st_machine_event(m, "launch", "created", "user");
    st_machine_event(m, "start", "started", "flyd");
    got = render_machine(m, 0);
    assert_has_keys(fx, got, "machine");
    assert_has_keys(cJSON_GetObjectItemCaseSensitive(fx, "image_ref"),
                    cJSON_GetObjectItemCaseSensitive(got, "image_ref"),
                    "image_ref");
    ev = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(fx, "events"), 0);
    assert_has_keys(
        ev,
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(got, "events"), 0),
        "event");
    ck_assert_str_eq(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(got, "image_ref"), "repository")
            ->valuestring,
        "flyio/postgres-flex");
    ck_assert_str_eq(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(got, "image_ref"), "labels"),
            "fly.pg-manager")
            ->valuestring,
        "repmgr");
    ck_assert_str_eq(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(got, "events"),
                               0),
            "type")
            ->valuestring,
        "start");
    ck_assert(
        cJSON_IsString(cJSON_GetObjectItemCaseSensitive(got, "host_status")));
    ck_assert(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(got, "checks")));
    cJSON_Delete(got);
    /* summary omits config, events and checks */
    got = render_machine(m, 1);
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(got, "config"));
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(got, "events"));
    cJSON_Delete(got);
    cJSON_Delete(fx);
    st_machine_free(m);
}
END_TEST

START_TEST(test_image_split)
{
    static const struct {
        const char *image, *registry, *repo, *tag;
        int pg;
    } cases[] = {
        {"nginx", "registry-1.docker.io", "library/nginx", "latest", 0},
        {"flyio/postgres-flex:15", "registry-1.docker.io",
         "flyio/postgres-flex", "15", 1},
        {"registry.fly.io/my-app:deployment-1", "registry.fly.io", "my-app",
         "deployment-1", 0},
        {"localhost:5000/x/y:2@sha256:abc", "localhost:5000", "x/y", "2", 0},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct st_machine *m = st_machine_new();
        cJSON *c = cJSON_CreateObject();

        cJSON_AddStringToObject(c, "image", cases[i].image);
        st_machine_set_config(m, c);
        ck_assert_str_eq(m->img_registry, cases[i].registry);
        ck_assert_str_eq(m->img_repository, cases[i].repo);
        ck_assert_str_eq(m->img_tag, cases[i].tag);
        ck_assert_int_eq(m->is_postgres, cases[i].pg);
        ck_assert_int_eq(strncmp(m->img_digest, "sha256:", 7), 0);
        st_machine_free(m);
    }
}
END_TEST

/* App secrets: validation, versions, the lag, flex's panics. */
START_TEST(test_secrets)
{
    struct st_app a;
    cJSON *v;
    char name[] = "acme-db", *cause = NULL, *url, *panic;
    const struct st_secrets *boot;
    long long now;

    memset(&a, 0, sizeof a);
    a.name = name;
    ck_assert(sec_name_ok("SU_PASSWORD"));
    ck_assert(!sec_name_ok("1BAD"));
    ck_assert(!sec_name_ok("BAD-NAME"));
    ck_assert(!sec_name_ok(""));
    v = cJSON_Parse("{\"OK\":\"x\",\"1NO\":\"y\"}");
    ck_assert_int_eq(sec_update(&a, v, &cause), -1);
    ck_assert_ptr_nonnull(strstr(cause, "1NO"));
    ck_assert_uint_eq(a.secrets.n, 0); /* nothing changed */
    free(cause);
    cJSON_Delete(v);
    v = cJSON_Parse("{\"N\":5}");
    cause = NULL;
    ck_assert_int_eq(sec_update(&a, v, &cause), -1);
    free(cause);
    cJSON_Delete(v);

    /* No secrets: flex's first panic. */
    panic = sec_boot_panic(&a, &a.secrets);
    ck_assert_str_eq(panic, "panic: SU_PASSWORD is required");
    free(panic);
    v = cJSON_Parse("{\"SU_PASSWORD\":\"a\",\"OPERATOR_PASSWORD\":\"b\","
                    "\"REPL_PASSWORD\":\"c\"}");
    ck_assert_int_eq(sec_update(&a, v, &cause), 1);
    cJSON_Delete(v);
    panic = sec_boot_panic(&a, &a.secrets);
    ck_assert_ptr_nonnull(strstr(panic, "consul token not set"));
    free(panic);
    url = sec_consul_url(&a);
    v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "FLY_CONSUL_URL", url);
    ck_assert_int_eq(sec_update(&a, v, &cause), 2);
    cJSON_Delete(v);
    panic = sec_boot_panic(&a, &a.secrets);
    ck_assert_ptr_null(panic);
    /* Another token: Consul says 403. */
    url[strlen("https://:")] = url[strlen("https://:")] == 'f' ? '0' : 'f';
    v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "FLY_CONSUL_URL", url);
    ck_assert_int_eq(sec_update(&a, v, &cause), 3);
    cJSON_Delete(v);
    panic = sec_boot_panic(&a, &a.secrets);
    ck_assert_ptr_nonnull(strstr(panic, "403 (ACL not found)"));
    free(panic);
    free(url);

    /* Inside the lag a boot sees the version before, unless its floor
     * asks for the newest. */
    now = a.secrets_changed_ms;
    boot = sec_for_boot(&a, 0, now + 1);
    ck_assert_int_eq(boot->version, 2);
    boot = sec_for_boot(&a, 3, now + 1);
    ck_assert_int_eq(boot->version, 3);
    boot = sec_for_boot(&a, 0, now + SEC_LAG_MS);
    ck_assert_int_eq(boot->version, 3);
    /* An unset takes a name out; null for an unknown name is fine. */
    v = cJSON_Parse("{\"REPL_PASSWORD\":null,\"NEVER_SET\":null}");
    ck_assert_int_eq(sec_update(&a, v, &cause), 4);
    cJSON_Delete(v);
    ck_assert_ptr_null(sec_get(&a.secrets, "REPL_PASSWORD"));
    ck_assert_str_eq(sec_get(&a.prev, "REPL_PASSWORD"), "c");
    sec_free(&a.secrets);
    sec_free(&a.prev);
    free(a.consul_token);
    free(a.consul_prefix);
}
END_TEST

/* flex's ZombieDiagnosis and the --flex-monitor spec. */
START_TEST(test_flexmon)
{
    struct rt_flexmon_cfg cfg = {300, 3600, 43200, 3600, 43200};
    char *why = NULL;

    ck_assert_int_eq(rt_flexmon_diagnose(1, 1, 0, 0), RT_FLEXMON_PRIMARY);
    /* Two members, the replica gone: no majority. */
    ck_assert_int_eq(rt_flexmon_diagnose(2, 1, 0, 0), RT_FLEXMON_UNDECIDED);
    ck_assert_int_eq(rt_flexmon_diagnose(2, 2, 0, 0), RT_FLEXMON_PRIMARY);
    /* Three: one down is fine, two down is not. */
    ck_assert_int_eq(rt_flexmon_diagnose(3, 2, 0, 0), RT_FLEXMON_PRIMARY);
    ck_assert_int_eq(rt_flexmon_diagnose(3, 1, 0, 0), RT_FLEXMON_UNDECIDED);
    /* Both replicas follow another: a zombie. */
    ck_assert_int_eq(rt_flexmon_diagnose(3, 3, 2, 2), RT_FLEXMON_ZOMBIE);
    /* One conflict with a majority still behind it: undecided. */
    ck_assert_int_eq(rt_flexmon_diagnose(5, 5, 1, 1), RT_FLEXMON_UNDECIDED);

    ck_assert_int_eq(rt_flexmon_parse("cluster=2,dead-after=15", &cfg, &why),
                     0);
    ck_assert_int_eq(cfg.cluster_s, 2);
    ck_assert_int_eq(cfg.dead_after_s, 15);
    ck_assert_int_eq(cfg.dead_check_s, 3600);
    ck_assert_int_eq(rt_flexmon_parse("cluster=0", &cfg, &why), -1);
    ck_assert_ptr_nonnull(strstr(why, "cluster=0"));
    free(why);
    why = NULL;
    ck_assert_int_eq(rt_flexmon_parse("zombie=5", &cfg, &why), -1);
    ck_assert_ptr_nonnull(strstr(why, "zombie=5"));
    free(why);
    why = NULL;
    ck_assert_int_eq(rt_flexmon_parse("slots", &cfg, &why), -1);
    free(why);
    why = NULL;
    ck_assert_int_eq(rt_flexmon_parse("slots=5x", &cfg, &why), -1);
    free(why);
}
END_TEST

static Suite *pd_suite(void)
{
    Suite *s = suite_create("platformd-core");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_ids_formats);
    tcase_add_test(tc, test_ulid_time_prefix);
    tcase_add_test(tc, test_rfc3339);
    tcase_add_loop_test(tc, test_route_table, 0,
                        sizeof route_cases / sizeof route_cases[0]);
    tcase_add_loop_test(tc, test_durations, 0,
                        sizeof dur_cases / sizeof dur_cases[0]);
    tcase_add_test(tc, test_duration_json_and_format);
    tcase_add_test(tc, test_signals);
    tcase_add_test(tc, test_lease_expiry);
    tcase_add_test(tc, test_restart_policy);
    tcase_add_test(tc, test_auth_header);
    tcase_add_loop_test(tc, test_listen_rule, 0,
                        sizeof listen_cases / sizeof listen_cases[0]);
    tcase_add_test(tc, test_fault_patterns);
    tcase_add_test(tc, test_machine_shape);
    tcase_add_test(tc, test_image_split);
    tcase_add_test(tc, test_secrets);
    tcase_add_test(tc, test_flexmon);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(pd_suite());
}

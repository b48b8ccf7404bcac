#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/cli.h"
#include "src/context.h"
#include "src/drill.h"
#include "src/fleet.h"
#include "src/settings.h"
#include "src/xmalloc.h"

#include "tests/unit/actions_fixture.h"
#include "tests/unit/unit.h"

/*
 * test_drill: the drills' table and name lookup, the refusals (context,
 * read-only), each drill's requests built from synthetic clusters and the
 * builders' refusals, the reset and its choice of fault rules.
 */

START_TEST(test_table)
{
    struct buf b = BUF_INIT;
    int i;

    for (i = 0; i < DRILL__COUNT; i++) {
        const struct drill_def *d = drill_get((enum drill_id)i);

        ck_assert_ptr_nonnull(d);
        ck_assert(d->name[0] && d->title[0] && d->look[0] && d->recover[0]);
        ck_assert_int_eq(drill_find(d->name), i);
    }
    ck_assert_ptr_null(drill_get(DRILL__COUNT));
    ck_assert_ptr_null(drill_get((enum drill_id) - 1));
    ck_assert_int_eq(drill_find("kill-primary"), DRILL_KILL_PRIMARY);
    ck_assert_int_eq(drill_find("api-failing"), DRILL_API_FAILING);
    ck_assert_int_eq(drill_find("reset"), -1);
    ck_assert_int_eq(drill_find(""), -1);
    ck_assert_int_eq(drill_find(NULL), -1);
    ck_assert_int_eq(drill_find("Kill-Primary"), -1);
    ck_assert_str_eq(drill_suggest("kill-primery"), "kill-primary");
    ck_assert_str_eq(drill_suggest("pause-reply"), "pause-replay");
    ck_assert_str_eq(drill_suggest("fill-disc"), "fill-disk");
    ck_assert_str_eq(drill_suggest("api-slo"), "api-slow");
    ck_assert_ptr_null(drill_suggest("zzzzzzzzzzzz"));
    ck_assert_ptr_null(drill_suggest(NULL));
    drill_list(&b);
    for (i = 0; i < DRILL__COUNT; i++)
        ck_assert_ptr_nonnull(
            strstr(buf_str(&b), drill_get((enum drill_id)i)->name));
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "look for: "));
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "drill reset CLUSTER"));
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "local up --drills"));
    buf_free(&b);
}
END_TEST

START_TEST(test_refusal)
{
    static char local[] = "local", fly[] = "fly", mine[] = "mine";
    static char url[] = "http://127.0.0.1:4280";
    static char fly_url[] = "https://api.machines.dev";
    struct context c;
    char *why;

    memset(&c, 0, sizeof c);
    c.name = local;
    c.api_url = url;
    c.token = SETTINGS_TOKEN_PLATFORM;
    ck_assert_ptr_null(drill_refusal(&c, 0));
    why = drill_refusal(&c, 1);
    ck_assert_ptr_nonnull(strstr(why, "context local is read-only"));
    free(why);
    c.read_only = 1;
    why = drill_refusal(&c, 0);
    ck_assert_ptr_nonnull(strstr(why, "read-only"));
    free(why);
    c.read_only = 0;
    c.name = fly;
    c.api_url = fly_url;
    c.token = SETTINGS_TOKEN_FLY;
    why = drill_refusal(&c, 0);
    ck_assert_ptr_nonnull(strstr(why, "only on the local platform"));
    ck_assert_ptr_nonnull(strstr(why, "context is fly"));
    free(why);
    /* A context of the file with the platform's token file is not local. */
    c.name = mine;
    c.token = SETTINGS_TOKEN_FILE;
    why = drill_refusal(&c, 0);
    ck_assert_ptr_nonnull(strstr(why, "context is mine"));
    free(why);
    why = drill_refusal(NULL, 0);
    ck_assert_ptr_nonnull(why);
    free(why);
}
END_TEST

/* Builds D on C expecting success: one request. */
static void one(const struct fleet_cluster *c, enum drill_id d,
                const char *node, struct drill_plan *p)
{
    char *cause = NULL;

    ck_assert_int_eq(drill_build(c, d, node, 15000, p, &cause), 0);
    ck_assert_ptr_null(cause);
    ck_assert_int_eq((int)p->n_reqs, 1);
    ck_assert_str_eq(p->cluster, "acme-db");
}

/* Builds D on C expecting a refusal containing PART. */
static void no(const struct fleet_cluster *c, enum drill_id d, const char *node,
               const char *part)
{
    struct drill_plan p;
    char *cause = NULL;

    ck_assert_int_eq(drill_build(c, d, node, 15000, &p, &cause), -1);
    ck_assert_ptr_nonnull(cause);
    if (!strstr(cause, part))
        ck_abort_msg("refusal '%s' lacks '%s'", cause, part);
    free(cause);
    ck_assert_int_eq((int)p.n_reqs, 0);
}

START_TEST(test_build)
{
    struct fleet_cluster *c = c3(), *one_node = c1();
    struct drill_plan p;

    one(c, DRILL_KILL_PRIMARY, NULL, &p);
    ck_assert_str_eq(p.reqs[0].method, "POST");
    ck_assert_str_eq(p.reqs[0].path,
                     "/admin/apps/acme-db/machines/" P "/crash");
    ck_assert_str_eq(p.reqs[0].body, "{\"down_s\":60}");
    ck_assert_str_eq(p.node, P);
    ck_assert_ptr_nonnull(strstr(p.recover, "pgdeck restart acme-db " P));
    ck_assert_ptr_nonnull(strstr(p.recover, "pgdeck failover acme-db --to " P));
    drill_plan_clear(&p);
    one(c, DRILL_KILL_PRIMARY, P, &p);
    drill_plan_clear(&p);
    no(c, DRILL_KILL_PRIMARY, R1, "is not the primary");
    no(one_node, DRILL_KILL_PRIMARY, NULL, "no running replica");
    no(c, DRILL_KILL_PRIMARY, "nosuchnode", "has no node nosuchnode");

    /* pause-replay: the first replica, or --node's */
    one(c, DRILL_PAUSE_REPLAY, NULL, &p);
    ck_assert_str_eq(p.reqs[0].path,
                     "/admin/apps/acme-db/machines/" R1 "/replay");
    ck_assert_str_eq(p.reqs[0].body, "{\"paused\":true}");
    ck_assert_ptr_nonnull(strstr(p.recover, "pgdeck restart acme-db " R1));
    drill_plan_clear(&p);
    one(c, DRILL_PAUSE_REPLAY, R2, &p);
    ck_assert_str_eq(p.reqs[0].path,
                     "/admin/apps/acme-db/machines/" R2 "/replay");
    drill_plan_clear(&p);
    no(c, DRILL_PAUSE_REPLAY, P, "is the primary");
    no(one_node, DRILL_PAUSE_REPLAY, NULL, "no running replica");
    free(nd(c, R2)->state);
    nd(c, R2)->state = x_strdup("stopped");
    no(c, DRILL_PAUSE_REPLAY, R2, "not a running replica");

    /* fill-disk: the primary's volume; the extend that fixes it */
    one(c, DRILL_FILL_DISK, NULL, &p);
    ck_assert_str_eq(p.reqs[0].path,
                     "/admin/apps/acme-db/volumes/vol_" P "/fill");
    ck_assert_str_eq(p.reqs[0].body, "{\"percent\":95}");
    /* 95 % of 10 GB under 80 %: 12 GB */
    ck_assert_ptr_nonnull(
        strstr(p.recover, "pgdeck volume extend acme-db 12 --node " P));
    drill_plan_clear(&p);
    nd(c, P)->volume.size_gb = 1;
    one(c, DRILL_FILL_DISK, NULL, &p);
    ck_assert_ptr_nonnull(
        strstr(p.recover, "pgdeck volume extend acme-db 2 --node " P));
    drill_plan_clear(&p);
    one(c, DRILL_FILL_DISK, R1, &p);
    ck_assert_str_eq(p.reqs[0].path,
                     "/admin/apps/acme-db/volumes/vol_" R1 "/fill");
    drill_plan_clear(&p);
    free(nd(c, R1)->volume.id);
    nd(c, R1)->volume.id = x_strdup("");
    no(c, DRILL_FILL_DISK, R1, "mounts no volume");

    /* the API faults: on the app's paths only */
    one(c, DRILL_API_SLOW, NULL, &p);
    ck_assert_str_eq(p.reqs[0].path, "/admin/faults");
    ck_assert_str_eq(p.reqs[0].body,
                     "{\"path\":\"/v1/apps/acme-db/*\",\"latency_ms\":20000}");
    ck_assert_str_eq(p.node, "");
    drill_plan_clear(&p);
    one(c, DRILL_API_FAILING, NULL, &p);
    ck_assert_str_eq(p.reqs[0].body,
                     "{\"path\":\"/v1/apps/acme-db/*\",\"status\":503}");
    ck_assert_ptr_nonnull(strstr(p.recover, "pgdeck drill reset acme-db"));
    drill_plan_clear(&p);
    no(c, DRILL__COUNT, NULL, "not a drill");

    /* no primary at all */
    c->primary = -1;
    free(nd(c, P)->check_role);
    nd(c, P)->check_role = x_strdup("replica");
    no(c, DRILL_KILL_PRIMARY, NULL, "no running primary");
    no(c, DRILL_FILL_DISK, NULL, "no primary");
    cluster_free(c);
    cluster_free(one_node);
}
END_TEST

START_TEST(test_rule_of)
{
    ck_assert(drill_rule_of("/v1/apps/acme-db/*", "acme-db"));
    ck_assert(drill_rule_of("/v1/apps/acme-db", "acme-db"));
    ck_assert(drill_rule_of("/v1/apps/acme-db*", "acme-db"));
    ck_assert(drill_rule_of("/v1/apps/acme-db/machines", "acme-db"));
    ck_assert(!drill_rule_of("/v1/apps/acme-db2/*", "acme-db"));
    ck_assert(!drill_rule_of("/v1/apps/acme/*", "acme-db"));
    ck_assert(!drill_rule_of("/v1/apps", "acme-db"));
    ck_assert(!drill_rule_of("/v1/*", "acme-db"));
    ck_assert(!drill_rule_of(NULL, "acme-db"));
}
END_TEST

START_TEST(test_reset)
{
    struct fleet_cluster *c = c3();
    struct drill_plan p;
    char *cause = NULL;
    size_t i, fills = 0, replays = 0, starts = 0;

    /* R2 crashed and held down: stopped, newest event an exit by SIGKILL */
    free(nd(c, R2)->state);
    nd(c, R2)->state = x_strdup("stopped");
    nd(c, R2)->events = x_calloc(1, sizeof *nd(c, R2)->events);
    nd(c, R2)->n_events = 1;
    nd(c, R2)->events[0].type = x_strdup("exit");
    nd(c, R2)->events[0].status = x_strdup("stopped");
    nd(c, R2)->events[0].source = x_strdup("flyd");
    nd(c, R2)->events[0].exit_code = 137;
    drill_build_reset(c, &p);
    ck_assert_int_eq(p.id, DRILL_RESET);
    for (i = 0; i < p.n_reqs; i++) {
        if (strstr(p.reqs[i].path, "/fill")) {
            ck_assert_str_eq(p.reqs[i].body, "{\"percent\":0}");
            fills++;
        } else if (strstr(p.reqs[i].path, "/replay")) {
            ck_assert_str_eq(p.reqs[i].body, "{\"paused\":false}");
            /* started replicas only: never the primary */
            ck_assert_ptr_null(strstr(p.reqs[i].path, P));
            replays++;
        } else if (strstr(p.reqs[i].path, "/start")) {
            ck_assert_str_eq(p.reqs[i].path,
                             "/v1/apps/acme-db/machines/" R2 "/start");
            starts++;
        }
    }
    ck_assert_int_eq((int)fills, 3);
    ck_assert_int_eq((int)replays, 1);
    ck_assert_int_eq((int)starts, 1);
    /* The cluster's rules go first; another app's stay. */
    ck_assert_int_eq(
        drill_reset_faults(&p,
                           "[{\"id\":3,\"path\":\"/v1/apps/other/*\"},"
                           "{\"id\":4,\"path\":\"/v1/apps/acme-db/*\"},"
                           "{\"id\":7,\"path\":\"/v1/apps/acme-db\"}]",
                           &cause),
        2);
    ck_assert_str_eq(p.reqs[0].method, "DELETE");
    ck_assert_str_eq(p.reqs[0].path, "/admin/faults/4");
    ck_assert_str_eq(p.reqs[1].path, "/admin/faults/7");
    ck_assert_str_eq(p.reqs[2].method, "POST");
    ck_assert_int_eq((int)p.n_reqs, 7);
    ck_assert_int_eq(drill_reset_faults(&p, "[]", &cause), 0);
    ck_assert_int_eq(drill_reset_faults(&p, "{\"id\":1}", &cause), -1);
    ck_assert_ptr_nonnull(strstr(cause, "not a list"));
    free(cause);
    cause = NULL;
    ck_assert_int_eq(drill_reset_faults(&p, "not json", &cause), -1);
    free(cause);
    drill_plan_clear(&p);
    drill_plan_clear(&p); /* twice is fine */
    /* A user's stop (exit code 0) is left alone. */
    nd(c, R2)->events[0].exit_code = 0;
    drill_build_reset(c, &p);
    for (i = 0; i < p.n_reqs; i++)
        ck_assert_ptr_null(strstr(p.reqs[i].path, "/start"));
    drill_plan_clear(&p);
    cluster_free(c);
}
END_TEST

START_TEST(test_probe_error)
{
    char *why;
    int rc;

    why = drill_probe_error(404, "HTTP 404: not found: /admin/faults",
                            "http://127.0.0.1:4280", &rc);
    ck_assert_int_eq(rc, 3);
    ck_assert_ptr_nonnull(strstr(why, "without --enable-faults"));
    ck_assert_ptr_nonnull(strstr(why, "pgdeck local up --drills"));
    free(why);
    why = drill_probe_error(0, "connect to 127.0.0.1:4280: refused", "u", &rc);
    ck_assert_int_eq(rc, 4);
    free(why);
    why = drill_probe_error(401, "HTTP 401: token", "u", &rc);
    ck_assert_int_eq(rc, 1);
    free(why);
    ck_assert_ptr_null(drill_probe_error(200, NULL, "u", &rc));
    ck_assert_int_eq(rc, 0);
}
END_TEST

/* The command line of the drills and of `local up --drills`. */
START_TEST(test_cli)
{
    static char a0[] = "pgdeck", up[] = "up", local[] = "local";
    static char drills[] = "--drills", status[] = "status", dr[] = "drill";
    static char run[] = "run", cl[] = "acme-db", kp[] = "kill-primary";
    static char node[] = "--node", id[] = "148e0a1b2c3d4e";
    char *v1[] = {a0, local, up, drills, NULL};
    char *v2[] = {a0, local, up, NULL};
    char *v3[] = {a0, status, drills, NULL};
    char *v4[] = {a0, dr, run, cl, kp, node, id, NULL};
    struct cli c;
    char *cause = NULL;

    ck_assert_int_eq(cli_parse(4, v1, &c, &cause), 0);
    ck_assert_int_eq(c.cmd, CLI_CMD_LOCAL_UP);
    ck_assert_int_eq(c.drills, 1);
    ck_assert_int_eq(cli_parse(3, v2, &c, &cause), 0);
    ck_assert_int_eq(c.drills, 0);
    ck_assert_int_eq(cli_parse(3, v3, &c, &cause), -1);
    ck_assert_ptr_nonnull(strstr(cause, "--drills"));
    free(cause);
    ck_assert_int_eq(cli_parse(7, v4, &c, &cause), 0);
    ck_assert_int_eq(c.cmd, CLI_CMD_DRILL_RUN);
    ck_assert_str_eq(c.drill, "kill-primary");
    ck_assert_str_eq(c.node, "148e0a1b2c3d4e");
}
END_TEST

static Suite *drill_suite(void)
{
    Suite *s = suite_create("drill");
    TCase *tc = tcase_create("drill");

    tcase_add_test(tc, test_table);
    tcase_add_test(tc, test_refusal);
    tcase_add_test(tc, test_build);
    tcase_add_test(tc, test_rule_of);
    tcase_add_test(tc, test_reset);
    tcase_add_test(tc, test_probe_error);
    tcase_add_test(tc, test_cli);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(drill_suite());
}

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/derive.h"
#include "src/fleet.h"
#include "src/probe.h"
#include "src/xmalloc.h"

#include "tests/unit/unit.h"

/*
 * test_derive: the pure derivations: verdicts, quorum in PRIMARY_REGION,
 * issues with their fixing action, lag from pg_stat_replication rows (idle
 * vs unknown), role disagreement, fill rate and eta, rings.
 */

#define MB (1024LL * 1024LL)
#define NOW 1700000000000LL

/* A node as a test describes it. */
struct spec {
    const char *id, *region, *state;
    int reachable;
    enum fleet_role role;
    const char *check_role;
    int read_only;
    int64_t lag_bytes, lag_ms;
    double used_pct;
    int paused;
};

static void mk_node(struct fleet_node *n, const struct spec *s)
{
    memset(n, 0, sizeof *n);
    n->id = x_strdup(s->id);
    n->region = x_strdup(s->region);
    n->state = x_strdup(s->state ? s->state : "started");
    n->check_role = x_strdup(s->check_role ? s->check_role : "");
    n->reachable = s->reachable;
    n->role = s->role;
    n->read_only = s->read_only;
    n->replay_paused = s->paused;
    n->timeline = 1;
    n->probe.updated_ms = NOW;
    if (!s->reachable)
        n->probe.reason = x_strdup("connect refused");
    n->lag_replay_bytes = s->lag_bytes;
    n->lag_ms = s->lag_ms;
    n->lag_state =
        s->role == FLEET_ROLE_REPLICA ? FLEET_LAG_STREAMING : FLEET_LAG_NONE;
    n->volume.id = x_strdup("vol_x");
    n->volume.size_gb = 10;
    n->volume.used_pct = s->used_pct;
    n->volume.used_bytes =
        s->used_pct < 0 ? -1 : (int64_t)(s->used_pct / 100.0 * (10LL << 30));
    n->volume.eta_full_ms = -1;
}

static void mk_cluster(struct fleet_cluster *c, const struct spec *v, size_t n)
{
    size_t i;

    memset(c, 0, sizeof *c);
    c->name = x_strdup("pg");
    c->primary_region = x_strdup("iad");
    c->api.updated_ms = NOW;
    c->nodes = x_calloc(n, sizeof *c->nodes);
    c->n_nodes = n;
    for (i = 0; i < n; i++)
        mk_node(&c->nodes[i], &v[i]);
}

static int has_issue(const struct fleet_cluster *c, enum fleet_issue_kind k,
                     enum fleet_action a)
{
    size_t i;

    for (i = 0; i < c->n_issues; i++)
        if (c->issues[i].kind == k && c->issues[i].action == a)
            return 1;
    return 0;
}

#define P FLEET_ROLE_PRIMARY
#define R FLEET_ROLE_REPLICA
#define U FLEET_ROLE_UNKNOWN

struct vcase {
    const char *desc;
    struct spec nodes[4];
    size_t n;
    enum fleet_verdict verdict;
    enum fleet_issue_kind issue;
    enum fleet_action action;
    int quorum_ok, needed;
};

static const struct vcase vcases[] = {
    {"healthy 3 in region",
     {{"a", "iad", 0, 1, P, "primary", 0, -1, -1, 10, 0},
      {"b", "iad", 0, 1, R, "replica", 0, 0, 0, 10, 0},
      {"c", "iad", 0, 1, R, "replica", 0, 0, 0, 10, 0}},
     3,
     FLEET_VERDICT_HEALTHY,
     FLEET_ISSUE__COUNT,
     FLEET_ACTION_NONE,
     1,
     2},
    {"single node: healthy, not HA is advice",
     {{"a", "iad", 0, 1, P, "primary", 0, -1, -1, 10, 0}},
     1,
     FLEET_VERDICT_HEALTHY,
     FLEET_ISSUE_NOT_HA,
     FLEET_ACTION_HA_CONVERT,
     1,
     1},
    {"replica down: degraded",
     {{"a", "iad", 0, 1, P, "primary", 0, -1, -1, 10, 0},
      {"b", "iad", 0, 1, R, "replica", 0, 0, 0, 10, 0},
      {"c", "iad", 0, 0, U, "error", 0, -1, -1, 10, 0}},
     3,
     FLEET_VERDICT_DEGRADED,
     FLEET_ISSUE_NODE_UNREACHABLE,
     FLEET_ACTION_RESTART_NODE,
     1,
     2},
    {"two of three down in region: no quorum",
     {{"a", "iad", 0, 1, P, "primary", 0, -1, -1, 10, 0},
      {"b", "iad", 0, 0, U, "", 0, -1, -1, 10, 0},
      {"c", "iad", 0, 0, U, "", 0, -1, -1, 10, 0},
      {"d", "ams", 0, 1, R, "replica", 0, 0, 0, 10, 0}},
     4,
     FLEET_VERDICT_NO_QUORUM,
     FLEET_ISSUE_NO_QUORUM,
     FLEET_ACTION_RESTART_NODE,
     0,
     2},
    {"replica outside region does not vote",
     {{"a", "iad", 0, 1, P, "primary", 0, -1, -1, 10, 0},
      {"b", "iad", 0, 0, U, "", 0, -1, -1, 10, 0},
      {"d", "ams", 0, 1, R, "replica", 0, 0, 0, 10, 0}},
     3,
     FLEET_VERDICT_NO_QUORUM,
     FLEET_ISSUE_NOT_HA,
     FLEET_ACTION_HA_CONVERT,
     0,
     2},
    {"primary fenced: read-only",
     {{"a", "iad", 0, 1, P, "zombie", 1, -1, -1, 10, 0},
      {"b", "iad", 0, 1, R, "replica", 0, 0, 0, 10, 0},
      {"c", "iad", 0, 1, R, "replica", 0, 0, 0, 10, 0}},
     3,
     FLEET_VERDICT_READ_ONLY,
     FLEET_ISSUE_PRIMARY_FENCED,
     FLEET_ACTION_RESTART_NODE,
     1,
     2},
    {"no primary: read-only, fail over",
     {{"b", "iad", 0, 1, R, "replica", 0, -1, -1, 10, 0},
      {"c", "iad", 0, 1, R, "replica", 0, -1, -1, 10, 0}},
     2,
     FLEET_VERDICT_READ_ONLY,
     FLEET_ISSUE_NO_PRIMARY,
     FLEET_ACTION_FAILOVER,
     1,
     2},
    {"primary disk above 90 %: read-only, extend",
     {{"a", "iad", 0, 1, P, "primary", 0, -1, -1, 93, 0}},
     1,
     FLEET_VERDICT_READ_ONLY,
     FLEET_ISSUE_DISK_READ_ONLY,
     FLEET_ACTION_EXTEND_VOLUME,
     1,
     1},
    {"replica disk 85 %: degraded, extend",
     {{"a", "iad", 0, 1, P, "primary", 0, -1, -1, 10, 0},
      {"b", "iad", 0, 1, R, "replica", 0, 0, 0, 85, 0}},
     2,
     FLEET_VERDICT_DEGRADED,
     FLEET_ISSUE_DISK_USAGE,
     FLEET_ACTION_EXTEND_VOLUME,
     1,
     2},
    {"nobody answers: unreachable",
     {{"a", "iad", 0, 0, U, "", 0, -1, -1, 10, 0},
      {"b", "iad", 0, 0, U, "", 0, -1, -1, 10, 0}},
     2,
     FLEET_VERDICT_UNREACHABLE,
     FLEET_ISSUE_NODE_UNREACHABLE,
     FLEET_ACTION_RESTART_NODE,
     0,
     2},
    {"paused replica lagging: resume replay",
     {{"a", "iad", 0, 1, P, "primary", 0, -1, -1, 10, 0},
      {"b", "iad", 0, 1, R, "replica", 0, 40 * MB, 12000, 10, 1}},
     2,
     FLEET_VERDICT_DEGRADED,
     FLEET_ISSUE_REPLICATION_LAG,
     FLEET_ACTION_RESUME_REPLAY,
     1,
     2},
    {"paused replica, no lag yet: an issue from the first refresh",
     {{"a", "iad", 0, 1, P, "primary", 0, -1, -1, 10, 0},
      {"b", "iad", 0, 1, R, "replica", 0, 0, 0, 10, 1},
      {"c", "iad", 0, 1, R, "replica", 0, 0, 0, 10, 0}},
     3,
     FLEET_VERDICT_HEALTHY,
     FLEET_ISSUE_REPLAY_PAUSED,
     FLEET_ACTION_RESUME_REPLAY,
     1,
     2},
    {"role check says primary on a replica: disagreement",
     {{"a", "iad", 0, 1, P, "primary", 0, -1, -1, 10, 0},
      {"b", "iad", 0, 1, R, "primary", 0, 0, 0, 10, 0}},
     2,
     FLEET_VERDICT_DEGRADED,
     FLEET_ISSUE_ROLE_DISAGREEMENT,
     FLEET_ACTION_INVESTIGATE,
     1,
     2},
    {"stopped machine: start it",
     {{"a", "iad", 0, 1, P, "primary", 0, -1, -1, 10, 0},
      {"b", "iad", 0, 1, R, "replica", 0, 0, 0, 10, 0},
      {"c", "iad", "stopped", 0, U, "", 0, -1, -1, 10, 0}},
     3,
     FLEET_VERDICT_DEGRADED,
     FLEET_ISSUE_MACHINE_NOT_STARTED,
     FLEET_ACTION_START_MACHINE,
     1,
     2},
};

START_TEST(test_verdicts)
{
    const struct vcase *v = &vcases[_i];
    struct fleet_cluster c;
    struct derive_limits lim;

    derive_limits_default(&lim);
    mk_cluster(&c, v->nodes, v->n);
    derive_cluster(&c, &lim, NOW);
    ck_assert_msg(c.verdict == v->verdict, "%s: verdict %s, want %s", v->desc,
                  fleet_verdict_name(c.verdict),
                  fleet_verdict_name(v->verdict));
    ck_assert_msg(c.quorum_ok == v->quorum_ok, "%s: quorum_ok", v->desc);
    ck_assert_int_eq(c.quorum_needed, v->needed);
    if (v->issue != FLEET_ISSUE__COUNT)
        ck_assert_msg(has_issue(&c, v->issue, v->action),
                      "%s: missing issue %s with action %s", v->desc,
                      fleet_issue_name(v->issue), fleet_action_name(v->action));
    if (v->verdict == FLEET_VERDICT_HEALTHY) {
        size_t i;

        for (i = 0; i < c.n_issues; i++)
            ck_assert_int_eq(c.issues[i].severity, FLEET_SEV_INFO);
    }
    ck_assert_uint_eq(strlen(c.role_map), v->n);
    fleet_cluster_clear(&c);
}
END_TEST

START_TEST(test_issue_order_and_text)
{
    struct spec s[2] = {{"a", "iad", 0, 1, P, "primary", 0, -1, -1, 93, 0},
                        {"b", "iad", 0, 0, U, "", 0, -1, -1, 10, 0}};
    struct fleet_cluster c;
    struct derive_limits lim;
    size_t i;

    derive_limits_default(&lim);
    mk_cluster(&c, s, 2);
    derive_cluster(&c, &lim, NOW);
    ck_assert_uint_ge(c.n_issues, 3);
    for (i = 1; i < c.n_issues; i++)
        ck_assert_int_ge(c.issues[i - 1].severity, c.issues[i].severity);
    ck_assert(
        has_issue(&c, FLEET_ISSUE_DISK_READ_ONLY, FLEET_ACTION_EXTEND_VOLUME));
    for (i = 0; i < c.n_issues; i++) {
        if (c.issues[i].kind == FLEET_ISSUE_DISK_READ_ONLY) {
            ck_assert_str_eq(c.issues[i].action_text,
                             "pgdeck volume extend pg 20 --node a");
            ck_assert_str_eq(c.issues[i].node_id, "a");
        }
    }
    ck_assert_str_eq(c.role_map, "P?");
    fleet_cluster_clear(&c);
}
END_TEST

/* Lag from a pg_stat_replication row: streaming, idle, catchup, missing,
 * unknown, primary. */
struct lcase {
    const char *desc;
    int has_row;
    const char *state;
    int64_t replay_bytes, replay_lag_ms;
    int primary_known, is_primary;
    enum fleet_lag_state want;
    int64_t want_ms;
};

static const struct lcase lcases[] = {
    {"streaming", 1, "streaming", 5000, 120, 1, 0, FLEET_LAG_STREAMING, 120},
    {"idle: caught up, times NULL", 1, "streaming", 0, -1, 1, 0, FLEET_LAG_IDLE,
     0},
    {"catching up", 1, "catchup", 900000, -1, 1, 0, FLEET_LAG_CATCHUP, -1},
    {"no row: not streaming", 0, NULL, 0, 0, 1, 0, FLEET_LAG_MISSING, -1},
    {"primary unknown: unknown", 1, "streaming", 0, -1, 0, 0, FLEET_LAG_UNKNOWN,
     -1},
    {"the primary itself", 0, NULL, 0, 0, 1, 1, FLEET_LAG_NONE, -1},
};

START_TEST(test_lag)
{
    const struct lcase *l = &lcases[_i];
    struct probe_standby row;
    struct fleet_node n;

    memset(&n, 0, sizeof n);
    n.role = l->is_primary ? FLEET_ROLE_PRIMARY : FLEET_ROLE_REPLICA;
    n.replay_delay_ms = -1;
    memset(&row, 0, sizeof row);
    row.state = x_strdup(l->state ? l->state : "");
    row.sent_bytes = row.write_bytes = row.flush_bytes = l->replay_bytes;
    row.replay_bytes = l->replay_bytes;
    row.write_lag_ms = row.flush_lag_ms = row.replay_lag_ms = l->replay_lag_ms;
    derive_node_lag(&n, l->has_row ? &row : NULL, l->primary_known,
                    l->is_primary, NOW);
    ck_assert_msg(n.lag_state == l->want, "%s: state %s", l->desc,
                  fleet_lag_state_name(n.lag_state));
    ck_assert_msg(n.lag_ms == l->want_ms, "%s: lag_ms %lld", l->desc,
                  (long long)n.lag_ms);
    ck_assert_str_eq(fleet_lag_state_name(FLEET_LAG_IDLE), "idle");
    if (l->want == FLEET_LAG_STREAMING || l->want == FLEET_LAG_IDLE)
        ck_assert_uint_eq(n.lag_hist.n, 1);
    free(n.repl_state);
    free(row.state);
}
END_TEST

START_TEST(test_role_disagree)
{
    ck_assert_int_eq(derive_role_disagree(P, "primary"), 0);
    ck_assert_int_eq(derive_role_disagree(P, "replica"), 1);
    ck_assert_int_eq(derive_role_disagree(R, "primary"), 1);
    ck_assert_int_eq(derive_role_disagree(R, "zombie"), 1);
    ck_assert_int_eq(derive_role_disagree(P, "zombie"), 0);
    ck_assert_int_eq(derive_role_disagree(R, "replica"), 0);
    ck_assert_int_eq(derive_role_disagree(R, "error"), 0);
    ck_assert_int_eq(derive_role_disagree(U, "primary"), 0);
}
END_TEST

START_TEST(test_fill_rate_eta)
{
    struct fleet_volume v;
    struct derive_limits lim;
    int i;

    derive_limits_default(&lim);
    memset(&v, 0, sizeof v);
    v.size_gb = 1;
    v.total_bytes = 1000 * MB;
    /* 1 MB per second for 10 min, now at 400 MB: 600 s to full. */
    for (i = 0; i <= 60; i++)
        derive_ring_push(&v.used_hist, NOW - (60 - i) * 10000LL,
                         (400 - 600 + i * 10) * MB);
    v.used_bytes = 400 * MB;
    derive_volume(&v, &lim, NOW);
    ck_assert(v.used_pct > 39.9 && v.used_pct < 40.1);
    ck_assert(v.fill_rate > 0.99 * MB && v.fill_rate < 1.01 * MB);
    ck_assert_int_ge(v.eta_full_ms, 599000);
    ck_assert_int_le(v.eta_full_ms, 601000);

    /* The same rate seen for less than the minimum span: no projection
     * (a fresh node allocating WAL must not read "full in minutes"). */
    memset(&v.used_hist, 0, sizeof v.used_hist);
    for (i = 0; i <= 60; i++)
        derive_ring_push(&v.used_hist, NOW - (60 - i) * 1000LL, (340 + i) * MB);
    derive_volume(&v, &lim, NOW);
    ck_assert(v.fill_rate < 0);
    ck_assert_int_eq(v.eta_full_ms, -1);

    /* Shrinking: rate 0, no eta. */
    memset(&v.used_hist, 0, sizeof v.used_hist);
    derive_ring_push(&v.used_hist, NOW - 400000, 500 * MB);
    derive_ring_push(&v.used_hist, NOW, 400 * MB);
    derive_volume(&v, &lim, NOW);
    ck_assert(v.fill_rate > -0.5 && v.fill_rate < 0.5);
    ck_assert_int_eq(v.eta_full_ms, -1);

    /* One sample: unknown. */
    memset(&v.used_hist, 0, sizeof v.used_hist);
    derive_ring_push(&v.used_hist, NOW, 400 * MB);
    derive_volume(&v, &lim, NOW);
    ck_assert(v.fill_rate < 0);

    /* Samples outside the window are ignored. */
    memset(&v.used_hist, 0, sizeof v.used_hist);
    derive_ring_push(&v.used_hist, NOW - lim.fill_window_ms - 60000, 0);
    derive_ring_push(&v.used_hist, NOW - 400000, 400 * MB);
    derive_ring_push(&v.used_hist, NOW, 400 * MB);
    derive_volume(&v, &lim, NOW);
    ck_assert(v.fill_rate > -0.5 && v.fill_rate < 0.5);

    /* Disk samples are taken at most every DERIVE_DISK_SAMPLE_MS. */
    memset(&v.used_hist, 0, sizeof v.used_hist);
    ck_assert_int_eq(derive_ring_due(&v.used_hist, NOW, DERIVE_DISK_SAMPLE_MS),
                     1);
    derive_ring_push(&v.used_hist, NOW, 1);
    ck_assert_int_eq(
        derive_ring_due(&v.used_hist, NOW + 2000, DERIVE_DISK_SAMPLE_MS), 0);
    ck_assert_int_eq(derive_ring_due(&v.used_hist, NOW + DERIVE_DISK_SAMPLE_MS,
                                     DERIVE_DISK_SAMPLE_MS),
                     1);

    /* Unknown usage. */
    v.used_bytes = -1;
    derive_volume(&v, &lim, NOW);
    ck_assert(v.used_pct < 0);
}
END_TEST

START_TEST(test_ring)
{
    struct fleet_ring r;
    int64_t t, x;
    size_t i;

    memset(&r, 0, sizeof r);
    ck_assert_int_eq(derive_ring_last(&r, -7), -7);
    ck_assert_int_eq(derive_ring_at(&r, 0, &t, &x), -1);
    for (i = 0; i < FLEET_RING_LEN + 5; i++)
        derive_ring_push(&r, (int64_t)i, (int64_t)i * 10);
    ck_assert_uint_eq(r.n, FLEET_RING_LEN);
    ck_assert_int_eq(derive_ring_at(&r, 0, &t, &x), 0);
    ck_assert_int_eq(t, 5);
    ck_assert_int_eq(x, 50);
    ck_assert_int_eq(derive_ring_at(&r, FLEET_RING_LEN - 1, &t, &x), 0);
    ck_assert_int_eq(t, FLEET_RING_LEN + 4);
    ck_assert_int_eq(derive_ring_last(&r, 0), (FLEET_RING_LEN + 4) * 10);
    ck_assert_int_eq(derive_ring_at(&r, FLEET_RING_LEN, &t, &x), -1);
}
END_TEST

START_TEST(test_markers_and_formats)
{
    struct fleet_node n;
    char b[32];

    memset(&n, 0, sizeof n);
    n.reachable = 1;
    n.role = P;
    ck_assert_int_eq(fleet_node_marker(&n), '*');
    n.role_disagree = 1;
    ck_assert_int_eq(fleet_node_marker(&n), '!');
    n.role_disagree = 0;
    n.probe.stale = 1;
    ck_assert_int_eq(fleet_node_marker(&n), '~');
    n.reachable = 0;
    n.probe.updated_ms = NOW;
    ck_assert_int_eq(fleet_node_marker(&n), '?');
    derive_format_bytes(48 * MB, b, sizeof b);
    ck_assert_str_eq(b, "48.0 MB");
    derive_format_bytes(512, b, sizeof b);
    ck_assert_str_eq(b, "512 B");
    derive_format_duration(245000, b, sizeof b);
    ck_assert_str_eq(b, "4m05s");
    derive_format_duration(-1, b, sizeof b);
    ck_assert_str_eq(b, "-");
}
END_TEST

/* A scale-to-zero cluster stopped is idle, not unreachable, and a machine
 * the platform is replacing is not to be restarted (audit L2). */
START_TEST(test_idle_and_transient)
{
    static const struct spec idle[] = {
        {"a", "iad", "stopped", 0, U, "", 0, -1, -1, 10, 0}};
    static const struct spec moving[] = {
        {"a", "iad", 0, 1, P, "primary", 0, -1, -1, 10, 0},
        {"b", "iad", 0, 1, R, "replica", 0, 0, 0, 10, 0},
        {"c", "iad", "replacing", 0, U, "", 0, -1, -1, 10, 0}};
    struct fleet_cluster c;
    struct derive_limits lim;
    size_t i;

    derive_limits_default(&lim);
    mk_cluster(&c, idle, 1);
    c.nodes[0].config_json =
        x_strdup("{\"env\":{\"FLY_SCALE_TO_ZERO\":\"1h\"}}");
    derive_cluster(&c, &lim, NOW);
    ck_assert_str_eq(fleet_verdict_name(c.verdict), "idle");
    ck_assert(
        has_issue(&c, FLEET_ISSUE_MACHINE_NOT_STARTED, FLEET_ACTION_NONE));
    for (i = 0; i < c.n_issues; i++)
        ck_assert_int_eq(c.issues[i].severity, FLEET_SEV_INFO);
    fleet_cluster_clear(&c);

    /* The same without FLY_SCALE_TO_ZERO: start it. */
    mk_cluster(&c, idle, 1);
    c.nodes[0].config_json = x_strdup("{\"env\":{}}");
    derive_cluster(&c, &lim, NOW);
    ck_assert_int_ne(c.verdict, FLEET_VERDICT_IDLE);
    ck_assert(has_issue(&c, FLEET_ISSUE_MACHINE_NOT_STARTED,
                        FLEET_ACTION_START_MACHINE));
    fleet_cluster_clear(&c);

    /* A member on a host that is down stays, with its own issue. */
    mk_cluster(&c, moving, 3);
    free(c.nodes[1].host_status);
    c.nodes[1].host_status = x_strdup("unreachable");
    derive_cluster(&c, &lim, NOW);
    ck_assert(
        has_issue(&c, FLEET_ISSUE_HOST_UNREACHABLE, FLEET_ACTION_INVESTIGATE));
    ck_assert_int_eq(c.region_members, 3);
    fleet_cluster_clear(&c);

    mk_cluster(&c, moving, 3);
    derive_cluster(&c, &lim, NOW);
    ck_assert(
        has_issue(&c, FLEET_ISSUE_MACHINE_NOT_STARTED, FLEET_ACTION_NONE));
    ck_assert(!has_issue(&c, FLEET_ISSUE_MACHINE_NOT_STARTED,
                         FLEET_ACTION_START_MACHINE));
    fleet_cluster_clear(&c);
}
END_TEST

static Suite *derive_suite(void)
{
    Suite *s = suite_create("derive");
    TCase *tc = tcase_create("derive");

    tcase_add_loop_test(tc, test_verdicts, 0,
                        (int)(sizeof vcases / sizeof vcases[0]));
    tcase_add_test(tc, test_issue_order_and_text);
    tcase_add_test(tc, test_idle_and_transient);
    tcase_add_loop_test(tc, test_lag, 0,
                        (int)(sizeof lcases / sizeof lcases[0]));
    tcase_add_test(tc, test_role_disagree);
    tcase_add_test(tc, test_fill_rate_eta);
    tcase_add_test(tc, test_ring);
    tcase_add_test(tc, test_markers_and_formats);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(derive_suite());
}

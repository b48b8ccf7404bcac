#include "config.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/appsecrets.h"
#include "src/audit.h"
#include "src/buf.h"
#include "src/plan.h"
#include "src/plan_impl.h"
#include "src/xmalloc.h"

#include "tests/unit/tmpdir.h"
#include "tests/unit/unit.h"

/*
 * test_plan: the plan model without a network: template expansion, the
 * dry-run text, the journal (round trip, every kind of corruption, list
 * and remove) and the audit log (line shape, redaction, file modes).
 */

/* A plan that uses every field of a step. */
static struct plan *sample_plan(void)
{
    struct plan *p = plan_new("failover", "acme-db", "20261122T044500Z-4f2a9c");
    struct plan_step *s;

    free(p->summary);
    p->summary = x_strdup("failover acme-db: 148e -> 2874");
    p->risk = PLAN_RISK_HIGH;
    plan_add_warning(p, "writes stop for about %d s", 10);
    plan_add_lease(p, "148e");
    plan_add_lease(p, "2874");
    plan_add_lease(p, "148e");
    ck_assert_int_eq(plan_set_var(p, "old", "148e"), 0);
    ck_assert_int_eq(plan_set_var(p, "new", "2874"), 0);
    ck_assert_int_eq(plan_set_var(p, "new_volume", NULL), 0);

    s = plan_add_step(p, "stop the old primary ${old}", "POST",
                      "/apps/${app}/machines/${old}/stop",
                      "{\"signal\":\"SIGINT\",\"timeout\":\"0s\"}");
    s->lease = x_strdup("${old}");
    s->mutates = 1;
    s = plan_add_step(p, "wait until ${old} is stopped", "GET",
                      "/apps/${app}/machines/${old}", NULL);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_MACHINE_STATE;
    s->cond_arg = x_strdup("stopped");
    s->timeout_ms = 60000;
    s->interval_ms = 500;
    s = plan_add_step(p, "create a volume", "POST", "/apps/${app}/volumes",
                      "{\"name\":\"pg_data\",\"region\":\"iad\"}");
    s->mutates = 1;
    s->capture = PLAN_CAPTURE_ID;
    s->capture_var = x_strdup("new_volume");
    s->reconcile = PLAN_RECONCILE_FIND_VOLUME;
    s = plan_add_step(p, "promote ${new}", "POST",
                      "/apps/${app}/machines/${new}/exec",
                      "{\"command\":[\"repmgr\",\"standby\",\"promote\"]}");
    s->mutates = 1;
    s->reconcile = PLAN_RECONCILE_CHECK;
    s->check = x_calloc(1, sizeof *s->check);
    s->check->req.method = x_strdup("GET");
    s->check->req.path = x_strdup("/apps/${app}/machines/${new}");
    s->check->cond = PLAN_COND_ROLE;
    s->check->cond_arg = x_strdup("primary");
    s = plan_add_step(p, "create machine", "POST", "/apps/${app}/machines",
                      "{\"config\":{\"mounts\":[{\"volume\":\"${new_volume}"
                      "\"}],\"metadata\":{\"pgdeck_plan_step\":\"t1\"}}}");
    s->mutates = 1;
    s->reconcile = PLAN_RECONCILE_FIND_MACHINE;
    s->tag = x_strdup("t1");
    s->best_effort = 1;
    s->timeout_ms = 30000;
    s = plan_add_abort_step(p, "start the old primary ${old}", "POST",
                            "/apps/${app}/machines/${old}/start", NULL);
    s->lease = x_strdup("${old}");
    s->needs = x_strdup("old");
    s->mutates = 1;
    s->best_effort = 1;
    return p;
}

/* ---- expansion ---- */

START_TEST(test_expand)
{
    struct plan *p = plan_new("restart", "acme-db", "p1");
    char *cause = NULL, *t;

    ck_assert_int_eq(plan_set_var(p, "old", "148e"), 0);
    ck_assert_int_eq(plan_set_var(p, "new_volume", NULL), 0);
    t = plan_expand(p, "/apps/${app}/machines/${old}/stop", 1, &cause);
    ck_assert_str_eq(t, "/apps/acme-db/machines/148e/stop");
    free(t);
    /* Undeclared names are not ours: left as they are, also when strict. */
    t = plan_expand(p, "{\"env\":{\"X\":\"${HOME}/${old}\"}}", 1, &cause);
    ck_assert_str_eq(t, "{\"env\":{\"X\":\"${HOME}/148e\"}}");
    free(t);
    /* Declared, unknown: kept for the dry run, an error when strict. */
    t = plan_expand(p, "vol ${new_volume} of ${app}", 0, &cause);
    ck_assert_str_eq(t, "vol ${new_volume} of acme-db");
    free(t);
    ck_assert_ptr_null(plan_expand(p, "vol ${new_volume}", 1, &cause));
    ck_assert_str_eq(cause, "variable new_volume is not set");
    free(cause);
    /* Unterminated, empty and adjacent. */
    t = plan_expand(p, "${app}${old}${}${app", 1, &cause);
    ck_assert_str_eq(t, "acme-db148e${}${app");
    free(t);
    /* A value is inserted as it is, never expanded again. */
    ck_assert_int_eq(plan_set_var(p, "odd", "${app}"), 0);
    t = plan_expand(p, "<${odd}>", 1, &cause);
    ck_assert_str_eq(t, "<${app}>");
    free(t);
    ck_assert_ptr_null(plan_expand(p, NULL, 1, &cause));
    plan_free(p);
}
END_TEST

START_TEST(test_vars_and_ids)
{
    struct plan *p = plan_new("restart", "acme-db", NULL);
    char name[16];
    int i;

    ck_assert_str_eq(plan_var(p, "app"), "acme-db");
    ck_assert_ptr_null(plan_var(p, "nope"));
    ck_assert_int_eq(plan_set_var(p, "Bad", "x"), -1);
    ck_assert_int_eq(plan_set_var(p, "a-b", "x"), -1);
    ck_assert_int_eq(plan_set_var(p, "", "x"), -1);
    ck_assert_int_eq(plan_set_var(p, "x", "1"), 0);
    ck_assert_int_eq(plan_set_var(p, "x", "2"), 0);
    ck_assert_str_eq(plan_var(p, "x"), "2");
    ck_assert_int_eq(plan_set_var(p, "x", NULL), 0);
    ck_assert_ptr_null(plan_var(p, "x"));
    for (i = 0; (size_t)i < PLAN_MAX_VARS - 2; i++) {
        snprintf(name, sizeof name, "v%d", i);
        ck_assert_int_eq(plan_set_var(p, name, "v"), 0);
    }
    ck_assert_uint_eq(p->n_vars, PLAN_MAX_VARS);
    ck_assert_int_eq(plan_set_var(p, "one_more", "v"), -1);
    ck_assert_int_eq(plan_set_var(p, "v0", "replaced"), 0);
    /* "20261122T044500Z-4f2a9c" */
    ck_assert_uint_eq(strlen(p->id), 23);
    ck_assert_int_eq(p->id[8], 'T');
    ck_assert_int_eq(p->id[15], 'Z');
    ck_assert_int_eq(p->id[16], '-');
    ck_assert_uint_eq(strspn(p->id + 17, "0123456789abcdef"), 6);
    plan_free(p);
}
END_TEST

START_TEST(test_leases_once)
{
    struct plan *p = sample_plan();

    ck_assert_uint_eq(p->n_leases, 2);
    ck_assert_str_eq(p->leases[0], "148e");
    ck_assert_str_eq(p->leases[1], "2874");
    plan_free(p);
}
END_TEST

/* ---- the dry run ---- */

START_TEST(test_render)
{
    struct plan *p = sample_plan();
    struct buf b = BUF_INIT;
    const char *t;

    plan_render(p, &b);
    t = buf_str(&b);
    ck_assert_ptr_nonnull(
        strstr(t, "plan 20261122T044500Z-4f2a9c: failover acme-db: 148e -> "
                  "2874\n"));
    ck_assert_ptr_nonnull(strstr(t, "risk HIGH"));
    ck_assert_ptr_nonnull(strstr(t, "  ! writes stop for about 10 s\n"));
    ck_assert_ptr_nonnull(strstr(t, "  - 148e\n  - 2874\n"));
    ck_assert_ptr_nonnull(
        strstr(t, "   1. stop the old primary 148e  [changes]\n"
                  "      POST /v1/apps/acme-db/machines/148e/stop\n"
                  "      body: {\"signal\":\"SIGINT\",\"timeout\":\"0s\"}\n"
                  "      lease: 148e\n"));
    ck_assert_ptr_nonnull(
        strstr(t, "   2. wait until 148e is stopped\n"
                  "      GET /v1/apps/acme-db/machines/148e\n"
                  "      until the machine's state is \"stopped\" (timeout "
                  "60 s, every 500 ms)\n"));
    ck_assert_ptr_nonnull(strstr(t, "keeps the answer's id as ${new_volume}"));
    /* An unknown variable stays visible as such. */
    ck_assert_ptr_nonnull(strstr(t, "\"volume\":\"${new_volume}\""));
    ck_assert_ptr_nonnull(
        strstr(t, "\nknown only once it runs: ${new_volume} (from the "
                  "answers of earlier steps)\n"));
    ck_assert_ptr_nonnull(strstr(t, "best effort"));
    ck_assert_ptr_nonnull(strstr(t, "expect success"));
    ck_assert_ptr_nonnull(strstr(t, "(timeout 30 s)"));
    ck_assert_ptr_nonnull(
        strstr(t, "on abort (best effort, `pgdeck abort`):\n"
                  "   1. start the old primary 148e  [changes]\n"
                  "      POST /v1/apps/acme-db/machines/148e/start\n"
                  "      lease: 148e\n"));
    ck_assert_ptr_nonnull(strstr(t, "only when ${old} is known"));
    ck_assert_ptr_null(strstr(t, "Bearer"));
    ck_assert_ptr_null(strstr(t, "FlyV1"));
    buf_free(&b);
    plan_free(p);
}
END_TEST

START_TEST(test_render_empty)
{
    struct plan *p = plan_new("restart", "acme-db", "p2");
    struct buf b = BUF_INIT;

    plan_render(p, &b);
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "ttl 120 s): none\n"));
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "steps (0):\n"));
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "nothing to undo"));
    ck_assert_ptr_null(strstr(buf_str(&b), "warnings"));
    buf_free(&b);
    plan_free(p);
}
END_TEST

/* ---- the journal ---- */

static void sample_journal(struct plan_journal *j)
{
    memset(j, 0, sizeof *j);
    j->plan = sample_plan();
    j->context = x_strdup("local");
    j->st = x_calloc(j->plan->n_steps, sizeof *j->st);
    j->st[0] = PLAN_STEP_DONE;
    j->st[1] = PLAN_STEP_DONE;
    j->st[2] = PLAN_STEP_RUNNING;
    j->abort_st = x_calloc(j->plan->n_abort_steps, sizeof *j->abort_st);
    j->current = 2;
    j->started_ms = 1700000000000LL;
    j->step_started_ms = 1700000005000LL;
    j->nonces = x_calloc(j->plan->n_leases, sizeof *j->nonces);
    j->nonces[0] = x_strdup("5c35f65c9f95");
    j->error = x_strdup("why not");
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t n;

    ck_assert_ptr_nonnull(f);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    buf_puts(&b, "");
    return buf_steal(&b);
}

START_TEST(test_journal_round_trip)
{
    char *tmp = unit_tmpdir(), *dir = x_asprintf("%s/state/pgdeck/plans", tmp);
    char *file = x_asprintf("%s/20261122T044500Z-4f2a9c.json", dir);
    char *cause = NULL, *text1, *text2;
    struct plan_journal j, k;
    struct stat st;
    const struct plan_step *s;

    sample_journal(&j);
    ck_assert_int_eq(plan_journal_save(&j, dir, &cause), 0);
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    ck_assert_int_eq(stat(file, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(plan_journal_load(file, &k, &cause), 0);
    ck_assert_str_eq(k.plan->id, j.plan->id);
    ck_assert_str_eq(k.plan->summary, "failover acme-db: 148e -> 2874");
    ck_assert_int_eq(k.plan->risk, PLAN_RISK_HIGH);
    ck_assert_uint_eq(k.plan->n_warnings, 1);
    ck_assert_uint_eq(k.plan->n_leases, 2);
    ck_assert_uint_eq(k.plan->n_steps, 5);
    ck_assert_uint_eq(k.plan->n_abort_steps, 1);
    ck_assert_str_eq(plan_var(k.plan, "old"), "148e");
    ck_assert_ptr_null(plan_var(k.plan, "new_volume"));
    ck_assert_uint_eq(k.plan->n_vars, j.plan->n_vars);
    s = &k.plan->steps[1];
    ck_assert_int_eq(s->kind, PLAN_STEP_WAIT);
    ck_assert_int_eq(s->cond, PLAN_COND_MACHINE_STATE);
    ck_assert_str_eq(s->cond_arg, "stopped");
    ck_assert_int_eq(s->timeout_ms, 60000);
    ck_assert_int_eq(s->interval_ms, 500);
    ck_assert_ptr_null(s->req.body);
    s = &k.plan->steps[3];
    ck_assert_int_eq(s->reconcile, PLAN_RECONCILE_CHECK);
    ck_assert_ptr_nonnull(s->check);
    ck_assert_int_eq(s->check->cond, PLAN_COND_ROLE);
    ck_assert_str_eq(s->check->req.path, "/apps/${app}/machines/${new}");
    s = &k.plan->steps[4];
    ck_assert_str_eq(s->tag, "t1");
    ck_assert_int_eq(s->best_effort, 1);
    ck_assert_int_eq(s->mutates, 1);
    ck_assert_str_eq(k.plan->abort_steps[0].needs, "old");
    ck_assert_str_eq(k.context, "local");
    ck_assert_int_eq(k.st[2], PLAN_STEP_RUNNING);
    ck_assert_uint_eq(k.current, 2);
    ck_assert_int_eq(k.started_ms, 1700000000000LL);
    ck_assert_int_eq(k.step_started_ms, 1700000005000LL);
    ck_assert_str_eq(k.nonces[0], "5c35f65c9f95");
    ck_assert_ptr_null(k.nonces[1]);
    ck_assert_str_eq(k.error, "why not");
    ck_assert_int_eq(k.outcome, PLAN_OUTCOME_NONE);
    /* Saving what was loaded gives the same file. */
    text1 = read_all(file);
    ck_assert_int_eq(plan_journal_save(&k, dir, &cause), 0);
    text2 = read_all(file);
    ck_assert_str_eq(text1, text2);
    free(text1);
    free(text2);
    plan_journal_clear(&j);
    plan_journal_clear(&k);
    ck_assert_ptr_null(k.plan);
    unit_rm_rf(tmp);
    free(file);
    free(dir);
    free(tmp);
}
END_TEST

/* One corruption of a valid journal and the words its error must have. */
struct corrupt {
    const char *path;  /* "plan.steps.1.kind": objects by key, arrays by
                          index; NULL: replace the whole text */
    const char *value; /* JSON; NULL: delete the key */
    const char *want;  /* in the error, after the file name */
};

static const struct corrupt corrupts[] = {
    {NULL, "", "the file is empty"},
    {NULL, "{\"format\":", "not JSON"},
    {NULL, "[1,2]", "expected a JSON object, got an array"},
    {"format", "\"something-else\"", "format: \"something-else\" is not"},
    {"version", "2", "version: version 2 is not supported"},
    {"version", "\"1\"", "version: expected a number, got a string"},
    {"plan", NULL, "plan: missing"},
    {"plan", "[]", "plan: expected an object, got an array"},
    {"plan.id", "\"../x\"", "plan.id: \"../x\" is not a plan id"},
    {"plan.id", "\"other-id\"", "plan.id: \"other-id\" does not match"},
    {"plan.action", "7", "plan.action: expected a string, got a number"},
    {"plan.risk", "\"medium\"", "plan.risk: unknown risk \"medium\""},
    {"plan.warnings", "[1]", "plan.warnings[0]: expected a string"},
    {"plan.leases", "{}", "plan.leases: expected an array, got an object"},
    {"plan.vars.0.name", "\"Bad-Name\"",
     "plan.vars[0].name: \"Bad-Name\" is not a variable name"},
    {"plan.vars.1.name", "\"app\"", "plan.vars[1].name: \"app\" is declared"},
    {"plan.vars.0.value", "3", "plan.vars[0].value: expected a string or null"},
    {"plan.steps.0", "\"x\"", "plan.steps[0]: expected an object, got a"},
    {"plan.steps.1.kind", "\"sleep\"",
     "plan.steps[1].kind: unknown step kind \"sleep\""},
    {"plan.steps.1.method", "\"PATCH\"",
     "plan.steps[1].method: unknown method \"PATCH\""},
    {"plan.steps.1.path", "\"apps\"", "plan.steps[1].path: must start"},
    {"plan.steps.1.cond", "\"maybe\"",
     "plan.steps[1].cond: unknown condition \"maybe\""},
    {"plan.steps.1.timeout_ms", "-5",
     "plan.steps[1].timeout_ms: expected a whole number >= 0"},
    {"plan.steps.1.interval_ms", "1.5",
     "plan.steps[1].interval_ms: expected a whole number >= 0"},
    {"plan.steps.1.mutates", "1",
     "plan.steps[1].mutates: expected true or false, got a number"},
    {"plan.steps.2.capture_var", "null",
     "plan.steps[2]: a capture without capture_var"},
    {"plan.steps.2.capture", "\"everything\"",
     "plan.steps[2].capture: unknown capture"},
    {"plan.steps.2.reconcile", "\"guess\"",
     "plan.steps[2].reconcile: unknown reconcile rule"},
    {"plan.steps.3.check", "null",
     "plan.steps[3]: reconcile check without a check"},
    {"plan.steps.3.check.cond", "\"nope\"",
     "plan.steps[3].check.cond: unknown condition \"nope\""},
    {"plan.steps.3.check.method", NULL, "plan.steps[3].check.method: missing"},
    {"plan.steps.4.tag", "null",
     "plan.steps[4]: reconcile find_machine without a tag"},
    {"plan.steps.4.needs", "\"Not Var\"",
     "plan.steps[4].needs: \"Not Var\" is not a variable name"},
    {"plan.abort_steps.0.title", NULL, "plan.abort_steps[0].title: missing"},
    {"states", "[\"done\"]", "states: 1 entries for 5 steps"},
    {"states.2", "\"half-done\"", "states[2]: unknown step state"},
    {"abort_states", "[]", "abort_states: 0 entries for 1 steps"},
    {"nonces", "[null]", "nonces: 1 entries for 2 leases"},
    {"nonces.0", "\"a\\nb\"", "nonces[0]: expected a one-line string"},
    {"nonces.1", "5", "nonces[1]: expected a one-line string or null"},
    {"current", "6", "current: step 6 of 5 steps"},
    {"current", "null", "current: expected a number, got null"},
    {"outcome", "\"won\"", "outcome: unknown outcome \"won\""},
    {"aborting", "\"no\"", "aborting: expected true or false"},
    {"started_ms", NULL, "started_ms: missing"},
    {"context", "[]", "context: expected a string or null, got an array"},
};

/* The item at PATH ("a.b.2.c") of ROOT; its parent in *PARENT. */
static cJSON *corrupt_find(cJSON *root, const char *path, cJSON **parent,
                           char **last)
{
    char *copy = x_strdup(path), *p = copy, *dot;
    cJSON *cur = root, *prev = NULL;

    for (;;) {
        dot = strchr(p, '.');
        if (dot)
            *dot = '\0';
        prev = cur;
        if (cJSON_IsArray(cur))
            cur = cJSON_GetArrayItem(cur, (int)strtol(p, NULL, 10));
        else
            cur = cJSON_GetObjectItemCaseSensitive(cur, p);
        if (!dot) {
            *last = x_strdup(p);
            break;
        }
        p = dot + 1;
    }
    free(copy);
    *parent = prev;
    return cur;
}

/* The journal names its owner; only another live pgdeck process of this
 * host makes it "live" (not offered for resume). */
START_TEST(test_journal_owner_live)
{
    char *tmp = unit_tmpdir(), *dir = x_asprintf("%s/state/pgdeck/plans", tmp);
    char *file = x_asprintf("%s/20261122T044500Z-4f2a9c.json", dir);
    char *cause = NULL;
    struct plan_journal j, k;
    pid_t child;
    int status;

    sample_journal(&j);
    ck_assert_int_eq(plan_journal_save(&j, dir, &cause), 0);
    ck_assert_int_eq(plan_journal_load(file, &k, &cause), 0);
    ck_assert_int_eq(k.owner_pid, (int64_t)getpid());
    ck_assert_ptr_nonnull(k.owner_host);
    ck_assert_int_eq(plan_journal_live(&k), 0); /* our own */
    /* A live process that is not a pgdeck (the pid was reused). */
    child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        pause();
        _exit(0);
    }
    k.owner_pid = child;
    ck_assert_int_eq(plan_journal_live(&k), 0);
    kill(child, SIGKILL);
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    /* A pgdeck that runs it. */
    child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        prctl(PR_SET_NAME, "pgdeck", 0, 0, 0);
        pause();
        _exit(0);
    }
    k.owner_pid = child;
    {
        /* The child names itself after the fork: wait until it did. */
        char path[64], comm[32] = "";
        FILE *f;
        int tries;

        (void)snprintf(path, sizeof path, "/proc/%d/comm", (int)child);
        for (tries = 0; tries < 1000 && strncmp(comm, "pgdeck", 6); tries++) {
            f = fopen(path, "r");
            if (f) {
                if (!fgets(comm, sizeof comm, f))
                    comm[0] = '\0';
                fclose(f);
            }
            if (strncmp(comm, "pgdeck", 6))
                usleep(1000);
        }
    }
    ck_assert_int_eq(plan_journal_live(&k), 1);
    free(k.owner_host);
    k.owner_host = x_strdup("another-host.invalid");
    ck_assert_int_eq(plan_journal_live(&k), 0);
    kill(child, SIGKILL);
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    free(k.owner_host);
    k.owner_host = NULL;
    k.owner_pid = child; /* dead now */
    ck_assert_int_eq(plan_journal_live(&k), 0);
    plan_journal_clear(&k);
    plan_journal_clear(&j);
    unit_rm_rf(tmp);
    free(tmp);
    free(dir);
    free(file);
}
END_TEST

START_TEST(test_journal_corrupt)
{
    const struct corrupt *c = &corrupts[_i];
    char *tmp = unit_tmpdir(), *file, *text, *cause = NULL, *last = NULL;
    struct plan_journal j, k;
    cJSON *root, *parent, *item;

    sample_journal(&j);
    ck_assert_int_eq(plan_journal_save(&j, tmp, &cause), 0);
    file = x_asprintf("%s/%s.json", tmp, j.plan->id);
    plan_journal_clear(&j);
    if (c->path) {
        text = read_all(file);
        root = cJSON_Parse(text);
        free(text);
        ck_assert_ptr_nonnull(root);
        item = corrupt_find(root, c->path, &parent, &last);
        ck_assert_msg(item, "no %s in the sample", c->path);
        if (!c->value) {
            cJSON_DetachItemViaPointer(parent, item);
            cJSON_Delete(item);
        } else {
            cJSON *v = cJSON_Parse(c->value);

            ck_assert_ptr_nonnull(v);
            v->string = item->string; /* keep the key */
            item->string = NULL;
            cJSON_ReplaceItemViaPointer(parent, item, v);
        }
        text = cJSON_Print(root);
        cJSON_Delete(root);
        free(last);
    } else {
        text = x_strdup(c->value);
    }
    free(unit_write_file(tmp, strrchr(file, '/') + 1, text, 0600));
    free(text);
    ck_assert_int_eq(plan_journal_load(file, &k, &cause), -1);
    ck_assert_ptr_null(k.plan);
    ck_assert_msg(strncmp(cause, file, strlen(file)) == 0,
                  "error does not name the file: %s", cause);
    ck_assert_msg(strstr(cause, c->want), "%s: got \"%s\", want \"%s\"",
                  c->path ? c->path : "(text)", cause, c->want);
    free(cause);
    unit_rm_rf(tmp);
    free(file);
    free(tmp);
}
END_TEST

START_TEST(test_journal_missing_file)
{
    struct plan_journal k;
    char *cause = NULL;

    ck_assert_int_eq(
        plan_journal_load("/nonexistent/pgdeck/x.json", &k, &cause), -1);
    ck_assert_str_eq(cause,
                     "/nonexistent/pgdeck/x.json: No such file or directory");
    free(cause);
    ck_assert_int_eq(plan_journal_load("/nonexistent/x.json", &k, NULL), -1);
}
END_TEST

/* Saves a journal of a plan with ID started at STARTED with OUTCOME. */
static void save_one(const char *dir, const char *id, int64_t started,
                     enum plan_outcome outcome)
{
    struct plan_journal j;
    char *cause = NULL;

    memset(&j, 0, sizeof j);
    j.plan = plan_new("restart", "acme-db", id);
    j.started_ms = started;
    j.outcome = outcome;
    ck_assert_int_eq(plan_journal_save(&j, dir, &cause), 0);
    plan_journal_clear(&j);
}

START_TEST(test_journal_list_remove)
{
    char *tmp = unit_tmpdir(), *missing = x_asprintf("%s/none", tmp);
    char **v, *want;
    size_t n, i;

    v = plan_journal_list(missing, &n);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(v[0]);
    free(v);

    save_one(tmp, "c-newest", 3000, PLAN_OUTCOME_NONE);
    save_one(tmp, "a-oldest", 1000, PLAN_OUTCOME_NONE);
    save_one(tmp, "b-middle", 2000, PLAN_OUTCOME_NONE);
    save_one(tmp, "done", 500, PLAN_OUTCOME_DONE);
    save_one(tmp, "failed", 600, PLAN_OUTCOME_FAILED);
    save_one(tmp, "aborted", 700, PLAN_OUTCOME_ABORTED);
    save_one(tmp, "unknown", 800, PLAN_OUTCOME_UNKNOWN);
    free(unit_write_file(tmp, "notes.txt", "not a journal", 0600));
    free(unit_write_file(tmp, ".x.json.tmp.1", "{", 0600));
    /* A broken journal is listed (its load says what is wrong). */
    free(unit_write_file(tmp, "broken.json", "{\"format\":", 0600));
    v = plan_journal_list(tmp, &n);
    ck_assert_uint_eq(n, 4);
    ck_assert_ptr_null(v[4]);
    want = x_asprintf("%s/a-oldest.json", tmp);
    ck_assert_str_eq(v[0], want);
    free(want);
    want = x_asprintf("%s/b-middle.json", tmp);
    ck_assert_str_eq(v[1], want);
    free(want);
    want = x_asprintf("%s/c-newest.json", tmp);
    ck_assert_str_eq(v[2], want);
    free(want);
    want = x_asprintf("%s/broken.json", tmp); /* by its file time: now */
    ck_assert_str_eq(v[3], want);
    free(want);
    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);

    /* Remove: kept while unfinished (or unreadable), gone when finished. */
    plan_journal_remove(tmp, "a-oldest");
    plan_journal_remove(tmp, "broken");
    plan_journal_remove(tmp, "done");
    plan_journal_remove(tmp, "../etc/passwd");
    want = x_asprintf("%s/a-oldest.json", tmp);
    ck_assert_int_eq(access(want, F_OK), 0);
    free(want);
    want = x_asprintf("%s/broken.json", tmp);
    ck_assert_int_eq(access(want, F_OK), 0);
    free(want);
    want = x_asprintf("%s/done.json", tmp);
    ck_assert_int_eq(access(want, F_OK), -1);
    free(want);
    unit_rm_rf(tmp);
    free(missing);
    free(tmp);
}
END_TEST

START_TEST(test_journal_bad_dir)
{
    struct plan_journal j;
    char *tmp = unit_tmpdir(), *file, *dir, *cause = NULL;

    file = unit_write_file(tmp, "plainfile", "x", 0600);
    dir = x_asprintf("%s/sub", file);
    memset(&j, 0, sizeof j);
    j.plan = plan_new("restart", "acme-db", "p1");
    ck_assert_int_eq(plan_journal_save(&j, dir, &cause), -1);
    ck_assert_ptr_nonnull(strstr(cause, "cannot create"));
    free(cause);
    cause = NULL;
    free(j.plan->id);
    j.plan->id = x_strdup("a/b");
    ck_assert_int_eq(plan_journal_save(&j, tmp, &cause), -1);
    ck_assert_str_eq(cause, "the plan has no usable id");
    free(cause);
    plan_journal_clear(&j);
    unit_rm_rf(tmp);
    free(dir);
    free(file);
    free(tmp);
}
END_TEST

/* ---- the audit log ---- */

/* The lines of FILE as parsed JSON objects (owned: cJSON_Delete each). */
static size_t audit_lines(const char *file, cJSON **out, size_t max)
{
    char *text = read_all(file), *line = text, *nl;
    size_t n = 0;

    while ((nl = strchr(line, '\n')) && n < max) {
        *nl = '\0';
        out[n] = cJSON_Parse(line);
        ck_assert_msg(out[n], "not JSON: %s", line);
        n++;
        line = nl + 1;
    }
    ck_assert_str_eq(line, ""); /* every line ends with a newline */
    free(text);
    return n;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

START_TEST(test_audit_shape_and_redaction)
{
    char *tmp = unit_tmpdir(), *dir = x_asprintf("%s/a/b/pgdeck", tmp);
    char *file = x_asprintf("%s/audit.log", dir), *cause = NULL, *text;
    static const char *const keys[] = {
        "time", "user",  "host",  "context", "cluster", "plan",   "action",
        "step", "title", "phase", "request", "result",  "status", "detail"};
    struct audit_rec r;
    struct stat st;
    cJSON *lines[4], *req, *body, *v;
    size_t n, i;
    const char *t;

    memset(&r, 0, sizeof r);
    r.context = "local";
    r.cluster = "acme-db";
    r.plan = "p1";
    r.action = "failover";
    r.step = 3;
    r.title = "create the machine";
    r.phase = "begin";
    r.method = "POST";
    r.path = "/v1/apps/acme-db/machines";
    r.body = "{\"config\":{\"env\":{\"OPERATOR_PASSWORD\":\"hunter2\","
             "\"PRIMARY_REGION\":\"iad\"},\"files\":[{\"secret_name\":\"s1\","
             "\"raw_value\":\"x\"}]},\"lease_nonce\":\"abc123\","
             "\"Api_Token\":{\"nested\":\"deep\"},\"list\":[[{\"token\":"
             "\"t0k\"}]]}";
    ck_assert_int_eq(audit_write(file, &r, &cause), 0);
    memset(&r, 0, sizeof r);
    r.phase = "outcome";
    r.result = "failed";
    r.status = 409;
    r.body = "not json at all";
    r.method = "DELETE";
    r.detail = "HTTP 409: lease currently held by someone";
    ck_assert_int_eq(audit_write(file, &r, &cause), 0);
    memset(&r, 0, sizeof r);
    r.phase = "plan";
    ck_assert_int_eq(audit_write(file, &r, &cause), 0);

    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    ck_assert_int_eq(stat(file, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    text = read_all(file);
    ck_assert_ptr_null(strstr(text, "hunter2"));
    ck_assert_ptr_null(strstr(text, "abc123"));
    ck_assert_ptr_null(strstr(text, "deep"));
    ck_assert_ptr_null(strstr(text, "t0k"));
    ck_assert_ptr_null(strstr(text, "\"s1\""));
    free(text);

    n = audit_lines(file, lines, 4);
    ck_assert_uint_eq(n, 3);
    for (i = 0; i < n; i++) {
        size_t k;

        ck_assert_int_eq(cJSON_GetArraySize(lines[i]), 14);
        for (k = 0; k < sizeof keys / sizeof *keys; k++)
            ck_assert_msg(cJSON_HasObjectItem(lines[i], keys[k]),
                          "line %zu has no %s", i, keys[k]);
        t = jstr(lines[i], "time");
        /* 2026-11-22T04:45:00.123Z */
        ck_assert_uint_eq(strlen(t), 24);
        ck_assert_int_eq(t[10], 'T');
        ck_assert_int_eq(t[19], '.');
        ck_assert_int_eq(t[23], 'Z');
        ck_assert_ptr_nonnull(jstr(lines[i], "user"));
    }
    ck_assert_str_eq(jstr(lines[0], "phase"), "begin");
    ck_assert_int_eq(
        cJSON_GetObjectItemCaseSensitive(lines[0], "step")->valueint, 3);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(lines[0], "status")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(lines[0], "result")));
    req = cJSON_GetObjectItem(lines[0], "request");
    ck_assert_str_eq(jstr(req, "method"), "POST");
    ck_assert_str_eq(jstr(req, "path"), "/v1/apps/acme-db/machines");
    body = cJSON_GetObjectItem(req, "body");
    ck_assert(cJSON_IsObject(body));
    v = cJSON_GetObjectItem(cJSON_GetObjectItem(body, "config"), "env");
    ck_assert_str_eq(jstr(v, "OPERATOR_PASSWORD"), "[redacted]");
    ck_assert_str_eq(jstr(v, "PRIMARY_REGION"), "iad");
    ck_assert_str_eq(jstr(body, "lease_nonce"), "[redacted]");
    ck_assert_str_eq(jstr(body, "Api_Token"), "[redacted]");
    v = cJSON_GetArrayItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(body, "list"), 0), 0);
    ck_assert_str_eq(jstr(v, "token"), "[redacted]");

    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(lines[1], "step")));
    ck_assert_int_eq(cJSON_GetObjectItem(lines[1], "status")->valueint, 409);
    ck_assert_str_eq(jstr(lines[1], "result"), "failed");
    req = cJSON_GetObjectItem(lines[1], "request");
    ck_assert_str_eq(jstr(req, "body"), "not json at all");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(req, "path")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(lines[2], "request")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(lines[2], "cluster")));
    for (i = 0; i < n; i++)
        cJSON_Delete(lines[i]);
    unit_rm_rf(tmp);
    free(file);
    free(dir);
    free(tmp);
}
END_TEST

START_TEST(test_audit_default_path_and_errors)
{
    char *tmp = unit_tmpdir(), *cause = NULL, *want, *bad;
    struct audit_rec r;

    memset(&r, 0, sizeof r);
    r.phase = "plan";
    setenv("XDG_STATE_HOME", tmp, 1);
    ck_assert_int_eq(audit_write(NULL, &r, &cause), 0);
    want = x_asprintf("%s/pgdeck/audit.log", tmp);
    ck_assert_int_eq(access(want, F_OK), 0);
    free(want);
    bad = unit_write_file(tmp, "plain", "x", 0600);
    want = x_asprintf("%s/sub/audit.log", bad);
    ck_assert_int_eq(audit_write(want, &r, &cause), -1);
    ck_assert_ptr_nonnull(strstr(cause, "cannot create"));
    free(cause);
    free(want);
    free(bad);
    unit_rm_rf(tmp);
    free(tmp);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(plan_step_state_name(PLAN_STEP_PENDING), "pending");
    ck_assert_str_eq(plan_step_state_name(PLAN_STEP_RUNNING), "running");
    ck_assert_str_eq(plan_step_state_name(PLAN_STEP_DONE), "done");
    ck_assert_str_eq(plan_step_state_name(PLAN_STEP_SKIPPED), "skipped");
    ck_assert_str_eq(plan_step_state_name(PLAN_STEP_FAILED), "failed");
    ck_assert_str_eq(plan_outcome_name(PLAN_OUTCOME_NONE), "none");
    ck_assert_str_eq(plan_outcome_name(PLAN_OUTCOME_DONE), "done");
    ck_assert_str_eq(plan_outcome_name(PLAN_OUTCOME_REFUSED), "refused");
    ck_assert_str_eq(plan_outcome_name(PLAN_OUTCOME_FAILED), "failed");
    ck_assert_str_eq(plan_outcome_name(PLAN_OUTCOME_UNKNOWN), "unknown");
    ck_assert_str_eq(plan_outcome_name(PLAN_OUTCOME_ABORTED), "aborted");
}
END_TEST

START_TEST(test_journal_dir)
{
    char *d;

    setenv("XDG_STATE_HOME", "/tmp/xdg-state-test", 1);
    d = plan_journal_dir();
    ck_assert_str_eq(d, "/tmp/xdg-state-test/pgdeck/plans");
    free(d);
}
END_TEST

/* ---- conditions and captures (plan_impl.h) ---- */

struct cond_case {
    enum plan_cond cond;
    const char *arg;
    const char *path;
    int status;
    const char *body;
    int want;
    const char *detail; /* NULL: none expected */
};

#define M_ROLE(st, out)                                                        \
    "{\"id\":\"m1\",\"state\":\"started\",\"checks\":[{\"name\":\"role\","     \
    "\"status\":\"" st "\",\"output\":\"" out "\"}]}"

static const struct cond_case cond_cases[] = {
    {PLAN_COND_OK, NULL, "/apps/a/machines/m1/stop", 200, "{\"ok\":true}", 1,
     NULL},
    {PLAN_COND_OK, NULL, "/apps/a/machines/m1/stop", 409, "{}", 0,
     "HTTP 409: held"},
    {PLAN_COND_OK, NULL, "/apps/a/machines/m1/exec", 200,
     "{\"exit_code\":0,\"stdout\":\"x\"}", 1, NULL},
    {PLAN_COND_OK, NULL, "/apps/a/machines/m1/exec?timeout=5", 200,
     "{\"exit_code\":2,\"stdout\":\"\",\"stderr\":\"ERROR: nope\\nmore\"}", 0,
     "exit code 2: ERROR: nope"},
    {PLAN_COND_OK, NULL, "/apps/a/machines/m1/exec", 200, "[1]", -1, NULL},
    {PLAN_COND_OK, NULL, "/apps/a/machines/m1/start", 200,
     "{\"status\":\"error\",\"message\":\"no capacity\"}", 0,
     "start failed: no capacity"},
    {PLAN_COND_OK, NULL, "/apps/a/machines/m1/start", 200,
     "{\"previous_state\":\"stopped\"}", 1, NULL},
    {PLAN_COND_MACHINE_STATE, "started", "/apps/a/machines/m1", 200,
     "{\"id\":\"m1\",\"state\":\"started\"}", 1, NULL},
    {PLAN_COND_MACHINE_STATE, "started", "/apps/a/machines/m1", 200,
     "{\"id\":\"m1\",\"state\":\"starting\"}", 0, "state is starting"},
    {PLAN_COND_MACHINE_STATE, "started", "/apps/a/machines/m1", 200,
     "{\"state\":\"started\"}", -1, NULL},
    {PLAN_COND_CHECKS_PASSING, NULL, "/apps/a/machines/m1", 200,
     "{\"id\":\"m1\",\"state\":\"started\"}", 0, "no health check results yet"},
    {PLAN_COND_CHECKS_PASSING, NULL, "/apps/a/machines/m1", 200,
     "{\"id\":\"m1\",\"checks\":[{\"name\":\"pg\",\"status\":\"passing\"},"
     "{\"name\":\"vm\",\"status\":\"critical\"},{\"name\":\"role\","
     "\"status\":\"passing\"}]}",
     0, "2 of 3 checks passing (vm: critical)"},
    {PLAN_COND_CHECKS_PASSING, NULL, "/apps/a/machines/m1", 200,
     "{\"id\":\"m1\",\"checks\":[{\"name\":\"pg\",\"status\":\"passing\"}]}", 1,
     NULL},
    {PLAN_COND_ROLE, "primary", "/apps/a/machines/m1", 200,
     M_ROLE("passing", "primary\\n"), 1, NULL},
    {PLAN_COND_ROLE, "primary", "/apps/a/machines/m1", 200,
     M_ROLE("passing", "replica"), 0, "role is replica"},
    {PLAN_COND_ROLE, "primary", "/apps/a/machines/m1", 200,
     M_ROLE("critical", "zombie"), 0, "role check is critical: zombie"},
    {PLAN_COND_EXEC_STDOUT, "t", "/apps/a/machines/m1/exec", 200,
     "{\"exit_code\":0,\"stdout\":\" t \\n\"}", 1, NULL},
    {PLAN_COND_EXEC_STDOUT, "t", "/apps/a/machines/m1/exec", 200,
     "{\"exit_code\":0,\"stdout\":\"f\\n\"}", 0, "output is \"f\""},
    {PLAN_COND_VOLUME_STATE, "created", "/apps/a/volumes/v1", 200,
     "{\"id\":\"v1\",\"state\":\"created\"}", 1, NULL},
    {PLAN_COND_VOLUME_STATE, "created", "/apps/a/volumes/v1", 200,
     "{\"id\":\"v1\",\"state\":\"extending\"}", 0, "state is extending"},
    {PLAN_COND_GONE, NULL, "/apps/a/machines/m1", 404, "{}", 1, NULL},
    {PLAN_COND_GONE, NULL, "/apps/a/machines/m1", 200,
     "{\"id\":\"m1\",\"state\":\"destroyed\"}", 1, NULL},
    {PLAN_COND_GONE, NULL, "/apps/a/machines/m1", 200,
     "{\"id\":\"m1\",\"state\":\"stopped\"}", 0, "state is stopped"},
    {PLAN_COND_GONE, NULL, "/apps/a/volumes/v1", 200,
     "{\"id\":\"v1\",\"state\":\"destroyed\"}", 1, NULL},
    /* Soft-deleted (audit L1): gone for a plan. */
    {PLAN_COND_GONE, NULL, "/apps/a/volumes/v1", 200,
     "{\"id\":\"v1\",\"state\":\"pending_destroy\"}", 1, NULL},
    {PLAN_COND_GONE, NULL, "/apps/a/volumes/v1", 200,
     "{\"id\":\"v1\",\"state\":\"created\"}", 0, "state is created"},
    {PLAN_COND_GONE, NULL, "/apps/a/machines/m1", 0, "", 0, "no answer"},
};

START_TEST(test_cond_eval)
{
    const struct cond_case *c = &cond_cases[_i];
    struct plan_answer a;
    char *detail = NULL;
    int rc;

    a.status = c->status;
    a.body = c->body;
    a.len = strlen(c->body);
    a.error = c->status == 409 ? "HTTP 409: held" : NULL;
    a.since_ms = 0;
    a.boot = NULL;
    rc = plan_cond_eval(c->cond, c->arg, c->path, &a, &detail);
    ck_assert_msg(rc == c->want, "case %d: got %d (%s)", _i, rc,
                  detail ? detail : "");
    if (c->want == 1)
        ck_assert_ptr_null(detail);
    else
        ck_assert_ptr_nonnull(detail);
    if (c->detail)
        ck_assert_str_eq(detail, c->detail);
    free(detail);
}
END_TEST

START_TEST(test_cond_event_since)
{
    static const char body[] =
        "{\"id\":\"m1\",\"state\":\"started\",\"events\":["
        "{\"type\":\"start\",\"status\":\"started\",\"source\":\"flyd\","
        "\"timestamp\":1700000009000},"
        "{\"type\":\"restart\",\"status\":\"started\",\"source\":\"user\","
        "\"timestamp\":1700000005000}]}";
    struct plan_answer a = {200,  body,          sizeof body - 1,
                            NULL, 1700000004000, NULL};
    char *detail = NULL;

    /* A restart at or after the step began: done. */
    ck_assert_int_eq(plan_cond_eval(PLAN_COND_EVENT_SINCE, "restart",
                                    "/apps/a/machines/m1", &a, &detail),
                     1);
    ck_assert_ptr_null(detail);
    a.since_ms = 1700000005000;
    ck_assert_int_eq(plan_cond_eval(PLAN_COND_EVENT_SINCE, "restart",
                                    "/apps/a/machines/m1", &a, &detail),
                     1);
    /* Only before it: not done, and said so. */
    a.since_ms = 1700000006000;
    ck_assert_int_eq(plan_cond_eval(PLAN_COND_EVENT_SINCE, "restart",
                                    "/apps/a/machines/m1", &a, &detail),
                     0);
    ck_assert_str_eq(detail, "no restart event since the step began");
    free(detail);
    detail = NULL;
    /* Another type does not count; no start time never holds. */
    ck_assert_int_eq(plan_cond_eval(PLAN_COND_EVENT_SINCE, "stop",
                                    "/apps/a/machines/m1", &a, &detail),
                     0);
    free(detail);
    detail = NULL;
    a.since_ms = 0;
    ck_assert_int_eq(plan_cond_eval(PLAN_COND_EVENT_SINCE, "start",
                                    "/apps/a/machines/m1", &a, &detail),
                     0);
    free(detail);
    detail = plan_cond_text(PLAN_COND_EVENT_SINCE, "restart");
    ck_assert_str_eq(
        detail, "the machine has a \"restart\" event since the step began");
    free(detail);
}
END_TEST

/* Waits after an update or a restart: an answer that still shows the
 * previous boot (its instance, its start, its check results) is "not yet"
 * whatever its state and checks say (audit point M3). */
START_TEST(test_cond_boot)
{
    /* The old instance, started, every check passing: a stale answer. */
    static const char old[] =
        "{\"id\":\"m1\",\"state\":\"started\",\"instance_id\":"
        "\"01OLDOLDOLDOLDOLDOLDOLDOLD\",\"events\":["
        "{\"type\":\"start\",\"status\":\"started\",\"source\":\"flyd\","
        "\"timestamp\":1700000001000}],"
        "\"checks\":[{\"name\":\"pg\",\"status\":\"passing\",\"output\":"
        "\"ok\",\"updated_at\":\"2023-11-14T22:13:40Z\"},"
        "{\"name\":\"role\",\"status\":\"passing\",\"output\":"
        "\"primary\",\"updated_at\":\"2023-11-14T22:13:40Z\"}]}";
    /* The new boot: a start at ...09 s, checks dated after it. */
    static const char fresh[] =
        "{\"id\":\"m1\",\"state\":\"started\",\"instance_id\":"
        "\"01NEWNEWNEWNEWNEWNEWNEWNEW\",\"events\":["
        "{\"type\":\"start\",\"status\":\"started\",\"source\":\"flyd\","
        "\"timestamp\":1700000009000},"
        "{\"type\":\"restart\",\"status\":\"restarting\",\"source\":"
        "\"user\",\"timestamp\":1700000005000},"
        "{\"type\":\"start\",\"status\":\"started\",\"source\":\"flyd\","
        "\"timestamp\":1700000001000}],"
        "\"checks\":[{\"name\":\"pg\",\"status\":\"passing\",\"output\":"
        "\"ok\",\"updated_at\":\"2023-11-14T22:13:32Z\"},"
        "{\"name\":\"role\",\"status\":\"passing\",\"output\":"
        "\"primary\",\"updated_at\":\"2023-11-14T22:13:29Z\"}]}";
    /* The new start, but a check result still from before it. */
    static const char early[] =
        "{\"id\":\"m1\",\"state\":\"started\",\"instance_id\":"
        "\"01OLDOLDOLDOLDOLDOLDOLDOLD\",\"events\":["
        "{\"type\":\"start\",\"status\":\"started\",\"source\":\"flyd\","
        "\"timestamp\":1700000009000}],"
        "\"checks\":[{\"name\":\"pg\",\"status\":\"passing\",\"output\":"
        "\"ok\",\"updated_at\":\"2023-11-14T22:13:28Z\"}]}";
    const char *path = "/apps/a/machines/m1";
    struct plan_answer a = {200, old, sizeof old - 1, NULL, 0, NULL};
    char *detail = NULL;

    /* Without a boot, the stale answer passes: what the waits did. */
    ck_assert_int_eq(
        plan_cond_eval(PLAN_COND_CHECKS_PASSING, NULL, path, &a, &detail), 1);
    /* After an update: only the new instance counts. */
    a.boot = "instance:01NEWNEWNEWNEWNEWNEWNEWNEW";
    ck_assert_int_eq(
        plan_cond_eval(PLAN_COND_MACHINE_STATE, "started", path, &a, &detail),
        0);
    ck_assert_str_eq(detail, "the answer still shows instance "
                             "01OLDOLDOLDOLDOLDOLDOLDOLD, not the new "
                             "01NEWNEWNEWNEWNEWNEWNEWNEW");
    free(detail);
    ck_assert_int_eq(
        plan_cond_eval(PLAN_COND_CHECKS_PASSING, NULL, path, &a, &detail), 0);
    free(detail);
    ck_assert_int_eq(
        plan_cond_eval(PLAN_COND_ROLE, "primary", path, &a, &detail), 0);
    free(detail);
    a.body = fresh;
    a.len = sizeof fresh - 1;
    ck_assert_int_eq(
        plan_cond_eval(PLAN_COND_CHECKS_PASSING, NULL, path, &a, &detail), 1);
    ck_assert_int_eq(
        plan_cond_eval(PLAN_COND_ROLE, "primary", path, &a, &detail), 1);
    /* After a restart (sent at ...04 s): a start since then. */
    a.boot = "since:1700000004000";
    ck_assert_int_eq(
        plan_cond_eval(PLAN_COND_CHECKS_PASSING, NULL, path, &a, &detail), 1);
    a.body = old;
    a.len = sizeof old - 1;
    ck_assert_int_eq(
        plan_cond_eval(PLAN_COND_MACHINE_STATE, "started", path, &a, &detail),
        0);
    ck_assert_str_eq(detail, "the answer shows no start since the restart");
    free(detail);
    a.body = early;
    a.len = sizeof early - 1;
    ck_assert_int_eq(
        plan_cond_eval(PLAN_COND_CHECKS_PASSING, NULL, path, &a, &detail), 0);
    ck_assert_str_eq(detail, "check pg is from before the restart");
    free(detail);
    /* Other conditions ignore the boot (a GONE wait, an exec). */
    ck_assert_int_eq(plan_cond_eval(PLAN_COND_OK, NULL,
                                    "/apps/a/machines/m1/wait", &a, &detail),
                     1);
    /* A boot that is neither form cannot be read. */
    a.boot = "since:soon";
    ck_assert_int_eq(
        plan_cond_eval(PLAN_COND_MACHINE_STATE, "started", path, &a, &detail),
        -1);
    ck_assert_str_eq(detail, "unknown boot \"since:soon\"");
    free(detail);
    a.boot = "instance:";
    ck_assert_int_eq(
        plan_cond_eval(PLAN_COND_MACHINE_STATE, "started", path, &a, &detail),
        -1);
    free(detail);
}
END_TEST

/* The captures that tie the waits to the new boot. */
START_TEST(test_capture_boot)
{
    struct plan_answer a = {200, NULL, 0, NULL, 1700000004000, NULL};
    char *v = NULL, *cause = NULL;

    a.body = "{\"id\":\"m1\",\"instance_id\":\"01NEWNEWNEWNEWNEWNEWNEWNEW\"}";
    a.len = strlen(a.body);
    ck_assert_int_eq(plan_capture_value(PLAN_CAPTURE_INSTANCE, &a, &v, &cause),
                     0);
    ck_assert_str_eq(v, "01NEWNEWNEWNEWNEWNEWNEWNEW");
    free(v);
    a.body = "{\"id\":\"m1\"}";
    a.len = strlen(a.body);
    ck_assert_int_eq(plan_capture_value(PLAN_CAPTURE_INSTANCE, &a, &v, &cause),
                     -1);
    ck_assert_str_eq(cause, "the answer has no \"instance_id\"");
    free(cause);
    a.body = "{\"instance_id\":\"${app}\"}";
    a.len = strlen(a.body);
    ck_assert_int_eq(plan_capture_value(PLAN_CAPTURE_INSTANCE, &a, &v, &cause),
                     -1);
    free(cause);
    /* A restart's answer names nothing: the time it was sent, less the
     * clocks' slack. */
    a.body = "{\"ok\":true}";
    a.len = strlen(a.body);
    ck_assert_int_eq(plan_capture_value(PLAN_CAPTURE_BEGAN, &a, &v, &cause), 0);
    ck_assert_str_eq(v, "1700000003000");
    free(v);
    a.since_ms = 0;
    ck_assert_int_eq(plan_capture_value(PLAN_CAPTURE_BEGAN, &a, &v, &cause),
                     -1);
    free(cause);
}
END_TEST

/* Not a value plan_capture_value() makes: it must be replaced. */
static char empty_sentinel[] = "before";

START_TEST(test_capture)
{
    struct plan_answer a = {200, NULL, 0, NULL, 0, NULL};
    char *v = NULL, *cause = NULL;

    a.body = "{\"id\":\"vol_abc123\",\"name\":\"x\"}";
    a.len = strlen(a.body);
    ck_assert_int_eq(plan_capture_value(PLAN_CAPTURE_ID, &a, &v, &cause), 0);
    ck_assert_str_eq(v, "vol_abc123");
    free(v);
    a.body = "{\"id\":\"../../etc\"}";
    a.len = strlen(a.body);
    ck_assert_int_eq(plan_capture_value(PLAN_CAPTURE_ID, &a, &v, &cause), -1);
    ck_assert_str_eq(cause, "the captured value is not a plain id");
    free(cause);
    a.body = "{\"name\":\"x\"}";
    a.len = strlen(a.body);
    ck_assert_int_eq(plan_capture_value(PLAN_CAPTURE_ID, &a, &v, &cause), -1);
    ck_assert_str_eq(cause, "the answer has no \"id\"");
    free(cause);
    a.body = "{\"exit_code\":0,\"stdout\":\"  0/3000060 \\n\"}";
    a.len = strlen(a.body);
    ck_assert_int_eq(
        plan_capture_value(PLAN_CAPTURE_EXEC_STDOUT, &a, &v, &cause), 0);
    ck_assert_str_eq(v, "0/3000060");
    free(v);
    a.body = "{\"exit_code\":0,\"stdout\":\"a\\\"b\"}";
    a.len = strlen(a.body);
    ck_assert_int_eq(
        plan_capture_value(PLAN_CAPTURE_EXEC_STDOUT, &a, &v, &cause), -1);
    free(cause);
    a.body = "{\"exit_code\":0,\"stdout\":\"${app}\"}";
    a.len = strlen(a.body);
    ck_assert_int_eq(
        plan_capture_value(PLAN_CAPTURE_EXEC_STDOUT, &a, &v, &cause), -1);
    free(cause);
    /* A query that found nothing (no repmgr member of that name): no value,
     * the variable stays unset. */
    a.body = "{\"exit_code\":0,\"stdout\":\" \\n\"}";
    a.len = strlen(a.body);
    v = empty_sentinel;
    ck_assert_int_eq(
        plan_capture_value(PLAN_CAPTURE_EXEC_STDOUT, &a, &v, &cause), 0);
    ck_assert_ptr_null(v);
    /* needs_restart: "1" when true, no value (unset) when false or absent,
     * an error when it is not a boolean or the body not an object. */
    a.body = "{\"volume\":{\"id\":\"vol_1\"},\"needs_restart\":true}";
    a.len = strlen(a.body);
    ck_assert_int_eq(
        plan_capture_value(PLAN_CAPTURE_NEEDS_RESTART, &a, &v, &cause), 0);
    ck_assert_str_eq(v, "1");
    free(v);
    a.body = "{\"volume\":{\"id\":\"vol_1\"},\"needs_restart\":false}";
    a.len = strlen(a.body);
    ck_assert_int_eq(
        plan_capture_value(PLAN_CAPTURE_NEEDS_RESTART, &a, &v, &cause), 0);
    ck_assert_ptr_null(v);
    a.body = "{\"volume\":{}}";
    a.len = strlen(a.body);
    ck_assert_int_eq(
        plan_capture_value(PLAN_CAPTURE_NEEDS_RESTART, &a, &v, &cause), 0);
    ck_assert_ptr_null(v);
    a.body = "{\"needs_restart\":\"yes\"}";
    a.len = strlen(a.body);
    ck_assert_int_eq(
        plan_capture_value(PLAN_CAPTURE_NEEDS_RESTART, &a, &v, &cause), -1);
    ck_assert_str_eq(cause, "needs_restart: expected true or false");
    free(cause);
    a.body = "[true]";
    a.len = strlen(a.body);
    ck_assert_int_eq(
        plan_capture_value(PLAN_CAPTURE_NEEDS_RESTART, &a, &v, &cause), -1);
    free(cause);
}
END_TEST

/* ${num:NAME}: a number bare in JSON; strict refuses a missing one. */
START_TEST(test_expand_num)
{
    struct plan *p = plan_new("create", "acme-db", "20261122T044500Z-4f2a9c");
    char *out, *cause = NULL;

    plan_set_var(p, "secrets_version", NULL);
    ck_assert_ptr_null(
        plan_expand(p, "{\"v\":\"${num:secrets_version}\"}", 1, &cause));
    ck_assert_ptr_nonnull(strstr(cause, "secrets_version"));
    free(cause);
    out = plan_expand(p, "{\"v\":\"${num:secrets_version}\"}", 0, NULL);
    ck_assert_str_eq(out, "{\"v\":\"${num:secrets_version}\"}");
    free(out);
    plan_set_var(p, "secrets_version", "12");
    out = plan_expand(p, "{\"v\":\"${num:secrets_version}\",\"a\":\"${app}\"}",
                      1, NULL);
    ck_assert_str_eq(out, "{\"v\":12,\"a\":\"acme-db\"}");
    free(out);
    plan_set_var(p, "secrets_version", "1x");
    cause = NULL;
    ck_assert_ptr_null(
        plan_expand(p, "{\"v\":\"${num:secrets_version}\"}", 1, &cause));
    free(cause);
    /* Secrets are left for the runner. */
    out = plan_expand(p, "{\"p\":\"${secret:SU_PASSWORD}\"}", 1, NULL);
    ck_assert_str_eq(out, "{\"p\":\"${secret:SU_PASSWORD}\"}");
    free(out);
    plan_free(p);
}
END_TEST

/* appsecrets: passwords generated once per plan into a 0600 file, other
 * secrets only when kept; the versions per context and app. */
START_TEST(test_appsecrets)
{
    char *tmp = unit_tmpdir(), *a, *b, *c, *cause = NULL, *path;
    struct stat sb;

    setenv("XDG_STATE_HOME", tmp, 1);
    a = appsecrets_expand("acme-db", "plan-1", "{\"x\":1}", &cause);
    ck_assert_str_eq(a, "{\"x\":1}");
    free(a);
    a = appsecrets_expand("acme-db", "plan-1", "${secret:OPERATOR_PASSWORD}",
                          &cause);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(strlen(a), 24);
    ck_assert_uint_eq(strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
                                "TUVWXYZ0123456789"),
                      24);
    b = appsecrets_expand("acme-db", "plan-1", "${secret:OPERATOR_PASSWORD}",
                          &cause);
    ck_assert_str_eq(a, b); /* a resumed plan sends the same */
    path = appsecrets_path("acme-db");
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    ck_assert_ptr_null(appsecrets_expand("acme-db", "plan-1",
                                         "${secret:FLY_CONSUL_URL}", &cause));
    ck_assert_ptr_nonnull(strstr(cause, "FLY_CONSUL_URL"));
    free(cause);
    cause = NULL;
    ck_assert_int_eq(appsecrets_set("acme-db", "plan-1", "FLY_CONSUL_URL",
                                    "https://:t@h/p/", &cause),
                     0);
    c = appsecrets_expand(
        "acme-db", "plan-1",
        "${secret:FLY_CONSUL_URL} ${secret:OPERATOR_PASSWORD}", &cause);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(strstr(c, "https://:t@h/p/ "));
    ck_assert_ptr_nonnull(strstr(c, a));
    free(c);
    free(b);
    /* Another plan of the same app starts afresh. */
    b = appsecrets_expand("acme-db", "plan-2", "${secret:OPERATOR_PASSWORD}",
                          &cause);
    ck_assert_str_ne(a, b);
    free(a);
    free(b);
    ck_assert_int_eq(appsecrets_minvers("local", "acme-db"), 0);
    ck_assert_int_eq(appsecrets_minvers_save("local", "acme-db", 3, NULL), 0);
    ck_assert_int_eq(appsecrets_minvers_save("fly", "acme-db", 9, NULL), 0);
    ck_assert_int_eq(appsecrets_minvers_save("local", "acme-db", 4, NULL), 0);
    ck_assert_int_eq(appsecrets_minvers("local", "acme-db"), 4);
    ck_assert_int_eq(appsecrets_minvers("fly", "acme-db"), 9);
    ck_assert_int_eq(appsecrets_minvers("local", "other"), 0);
    free(path);
    unit_rm_rf(tmp);
    free(tmp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("plan");

    tcase_add_test(tc, test_expand);
    tcase_add_test(tc, test_vars_and_ids);
    tcase_add_test(tc, test_leases_once);
    tcase_add_test(tc, test_render);
    tcase_add_test(tc, test_render_empty);
    tcase_add_test(tc, test_journal_round_trip);
    tcase_add_test(tc, test_journal_owner_live);
    tcase_add_loop_test(tc, test_journal_corrupt, 0,
                        (int)(sizeof corrupts / sizeof *corrupts));
    tcase_add_test(tc, test_journal_missing_file);
    tcase_add_test(tc, test_journal_list_remove);
    tcase_add_test(tc, test_journal_bad_dir);
    tcase_add_test(tc, test_audit_shape_and_redaction);
    tcase_add_test(tc, test_audit_default_path_and_errors);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_journal_dir);
    tcase_add_loop_test(tc, test_cond_eval, 0,
                        (int)(sizeof cond_cases / sizeof *cond_cases));
    tcase_add_test(tc, test_cond_event_since);
    tcase_add_test(tc, test_cond_boot);
    tcase_add_test(tc, test_capture_boot);
    tcase_add_test(tc, test_capture);
    tcase_add_test(tc, test_expand_num);
    tcase_add_test(tc, test_appsecrets);
    suite_add_tcase(s, tc);
    return unit_run(s);
}

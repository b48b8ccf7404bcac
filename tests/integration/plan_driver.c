#include "config.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/http.h"
#include "src/loop.h"
#include "src/plan.h"
#include "src/xmalloc.h"

/*
 * plan_driver: builds plans by hand with the plan.h API and runs them with
 * the real runner against a pgdeck-platformd, for
 * tests/integration/plan-runner.test.  The platform's url and token are
 * read from its state dir (--state DIR, else $PD_DIR: the files url and
 * token), so the token never passes through argv.  Journal and audit log
 * go where pgdeck puts them ($XDG_STATE_HOME/pgdeck) unless --journal /
 * --audit say otherwise.
 *
 *   plan_driver [OPTIONS] restart APP ID...
 *       lease every ID; per ID: POST restart (with the lease), WAIT state
 *       started, WAIT checks passing.  Abort: start every ID.
 *   plan_driver [OPTIONS] create APP REGION IMAGE
 *       POST a volume (capture ${vol}, reconcile find-volume), POST a
 *       machine mounting it with metadata pgdeck_plan_step=<tag>
 *       (capture ${new_machine}, reconcile find-machine), WAIT started,
 *       WAIT checks passing (Postgres images).  Abort: stop and delete
 *       the machine, delete the volume.
 *   plan_driver [OPTIONS] wait-state APP ID STATE
 *       lease ID; WAIT until its state is STATE.  Abort: start ID.
 *   plan_driver [OPTIONS] resume FILE | abort FILE | show FILE | list
 *
 * Options: --state DIR, --journal DIR, --audit FILE, --id ID, --ttl S,
 *   --wait-timeout MS, --dry-run (print the plan, run nothing),
 *   --die-at N (SIGKILL itself once step N is journaled as running: the
 *   honest stand-in for kill -9 at that point), --cancel-at N (cancel when
 *   step N starts), --cancel-after MS.
 *
 * Output, flushed line by line: "step N STATE: title[ (note)]" at every
 * change, then plan=, outcome=, error=, journal= and one "step=" line per
 * step.  Exit: 0 done, 1 failed or unknown, 2 usage, 3 refused, 5 aborted.
 */

struct drv {
    struct loop *l;
    struct plan_run *run;
    int die_at;    /* 1-based */
    int cancel_at; /* 1-based */
    int done;
};

static const char *drv_flex_image_hint = "postgres";

static char *drv_read_line(const char *dir, const char *name)
{
    char *path = x_asprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    char line[4096];
    char *v = NULL;

    if (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        v = x_strdup(line);
    }
    if (f)
        fclose(f);
    if (!v)
        fprintf(stderr, "plan_driver: cannot read %s\n", path);
    free(path);
    return v;
}

static void drv_print_step(struct plan_run *r, size_t step)
{
    const struct plan_journal *j = plan_run_journal(r);
    const struct plan *p = plan_run_plan(r);
    const struct plan_step *s =
        j->aborting ? &p->abort_steps[step] : &p->steps[step];
    enum plan_step_state st = j->aborting ? j->abort_st[step] : j->st[step];
    const char *note =
        j->aborting ? plan_run_abort_note(r, step) : plan_run_note(r, step);
    char *title = plan_expand(p, s->title, 0, NULL);

    printf("%sstep %zu %s: %s%s%s%s\n", j->aborting ? "abort " : "", step + 1,
           plan_step_state_name(st), title, note ? " (" : "", note ? note : "",
           note ? ")" : "");
    fflush(stdout);
    free(title);
}

static void drv_cb(struct plan_run *r, size_t step, void *arg)
{
    struct drv *d = arg;
    const struct plan_journal *j = plan_run_journal(r);
    enum plan_step_state st;

    if (plan_run_outcome(r) != PLAN_OUTCOME_NONE) {
        d->done = 1;
        loop_stop(d->l);
        return;
    }
    drv_print_step(r, step);
    st = j->aborting ? j->abort_st[step] : j->st[step];
    if (st != PLAN_STEP_RUNNING || j->aborting)
        return;
    if (d->die_at == (int)step + 1) {
        printf("dying at step %zu\n", step + 1);
        fflush(stdout);
        raise(SIGKILL);
    }
    if (d->cancel_at == (int)step + 1)
        plan_run_cancel(r);
}

static void drv_cancel_timer(struct loop *l, uint64_t id, void *arg)
{
    struct drv *d = arg;

    (void)l;
    (void)id;
    if (d->run) {
        printf("cancelling\n");
        fflush(stdout);
        plan_run_cancel(d->run);
    }
}

static struct plan_step *drv_wait(struct plan *p, const char *title,
                                  const char *path, enum plan_cond cond,
                                  const char *arg, int64_t timeout_ms)
{
    struct plan_step *s = plan_add_step(p, title, "GET", path, NULL);

    s->kind = PLAN_STEP_WAIT;
    s->cond = cond;
    s->cond_arg = arg ? x_strdup(arg) : NULL;
    s->timeout_ms = timeout_ms;
    s->interval_ms = 500;
    return s;
}

static struct plan *drv_restart(int argc, char **argv, const char *id,
                                int64_t wait_ms)
{
    struct plan *p = plan_new("restart", argv[0], id);
    struct plan_step *s;
    char *path, *title;
    int i;

    free(p->summary);
    p->summary = x_asprintf("restart %d machine%s of %s", argc - 1,
                            argc == 2 ? "" : "s", argv[0]);
    for (i = 1; i < argc; i++)
        plan_add_lease(p, argv[i]);
    for (i = 1; i < argc; i++) {
        title = x_asprintf("restart %s", argv[i]);
        path = x_asprintf("/apps/${app}/machines/%s/restart", argv[i]);
        s = plan_add_step(p, title, "POST", path, NULL);
        s->lease = x_strdup(argv[i]);
        s->mutates = 1;
        free(title);
        free(path);
        path = x_asprintf("/apps/${app}/machines/%s", argv[i]);
        title = x_asprintf("wait until %s is started", argv[i]);
        drv_wait(p, title, path, PLAN_COND_MACHINE_STATE, "started", wait_ms);
        free(title);
        title = x_asprintf("wait until every check of %s passes", argv[i]);
        drv_wait(p, title, path, PLAN_COND_CHECKS_PASSING, NULL, wait_ms);
        free(title);
        free(path);
        title = x_asprintf("start %s", argv[i]);
        path = x_asprintf("/apps/${app}/machines/%s/start", argv[i]);
        s = plan_add_abort_step(p, title, "POST", path, NULL);
        s->lease = x_strdup(argv[i]);
        s->mutates = 1;
        s->best_effort = 1;
        free(title);
        free(path);
    }
    return p;
}

static struct plan *drv_wait_state(char **argv, const char *id, int64_t wait_ms)
{
    struct plan *p = plan_new("wait", argv[0], id);
    struct plan_step *s;
    char *path, *title;

    plan_add_lease(p, argv[1]);
    path = x_asprintf("/apps/${app}/machines/%s", argv[1]);
    title = x_asprintf("wait until %s is %s", argv[1], argv[2]);
    drv_wait(p, title, path, PLAN_COND_MACHINE_STATE, argv[2], wait_ms);
    free(title);
    free(path);
    title = x_asprintf("start %s", argv[1]);
    path = x_asprintf("/apps/${app}/machines/%s/start", argv[1]);
    s = plan_add_abort_step(p, title, "POST", path, NULL);
    s->lease = x_strdup(argv[1]);
    s->mutates = 1;
    free(title);
    free(path);
    path = x_asprintf("/apps/${app}/machines/%s", argv[1]);
    title = x_asprintf("wait until %s is started", argv[1]);
    s = plan_add_abort_step(p, title, "GET", path, NULL);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_MACHINE_STATE;
    s->cond_arg = x_strdup("started");
    s->timeout_ms = 60000;
    s->interval_ms = 500;
    free(title);
    free(path);
    return p;
}

/* The machine create body (a postgres-flex config for a Postgres image, a
 * sleeping placeholder otherwise), metadata carrying TAG. */
static char *drv_machine_body(const char *region, const char *image,
                              const char *tag)
{
    cJSON *o = cJSON_CreateObject(), *c, *m, *mounts, *mt, *checks, *k;
    static const char *const names[] = {"pg", "role", "vm"};
    char *t, *path;
    size_t i;

    cJSON_AddStringToObject(o, "region", region);
    c = cJSON_AddObjectToObject(o, "config");
    cJSON_AddStringToObject(c, "image", image);
    m = cJSON_AddObjectToObject(c, "guest");
    cJSON_AddStringToObject(m, "cpu_kind", "shared");
    cJSON_AddNumberToObject(m, "cpus", 1);
    cJSON_AddNumberToObject(m, "memory_mb", 256);
    m = cJSON_AddObjectToObject(c, "metadata");
    cJSON_AddStringToObject(m, PLAN_TAG_KEY, tag);
    mounts = cJSON_AddArrayToObject(c, "mounts");
    mt = cJSON_CreateObject();
    cJSON_AddStringToObject(mt, "volume", "${vol}");
    cJSON_AddStringToObject(mt, "path", "/data");
    cJSON_AddItemToArray(mounts, mt);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(c, "restart"), "policy",
                            "always");
    if (strstr(image, drv_flex_image_hint)) {
        cJSON_AddStringToObject(m, "fly-managed-postgres", "true");
        cJSON_AddStringToObject(m, "fly_platform_version", "v2");
        cJSON_AddStringToObject(cJSON_AddObjectToObject(c, "env"),
                                "PRIMARY_REGION", region);
        cJSON_AddObjectToObject(c, "init");
        checks = cJSON_AddObjectToObject(c, "checks");
        for (i = 0; i < 3; i++) {
            k = cJSON_AddObjectToObject(checks, names[i]);
            path = x_asprintf("/flycheck/%s", names[i]);
            cJSON_AddStringToObject(k, "type", "http");
            cJSON_AddNumberToObject(k, "port", 5500);
            cJSON_AddStringToObject(k, "path", path);
            cJSON_AddStringToObject(k, "interval", "15s");
            cJSON_AddStringToObject(k, "timeout", "10s");
            free(path);
        }
    } else {
        cJSON *init = cJSON_AddObjectToObject(c, "init");
        cJSON *ex = cJSON_AddArrayToObject(init, "exec");

        cJSON_AddItemToArray(ex, cJSON_CreateString("/bin/sleep"));
        cJSON_AddItemToArray(ex, cJSON_CreateString("inf"));
    }
    cJSON_AddBoolToObject(o, "skip_secrets", 0);
    t = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return t;
}

static struct plan *drv_create(char **argv, const char *id, int64_t wait_ms)
{
    struct plan *p = plan_new("create", argv[0], id);
    struct plan_step *s;
    char *body, *tag, *vbody;

    free(p->summary);
    p->summary = x_asprintf("add a machine in %s to %s", argv[1], argv[0]);
    (void)plan_set_var(p, "vol", NULL);
    (void)plan_set_var(p, "new_machine", NULL);
    vbody = x_asprintf("{\"name\":\"pg_data\",\"region\":\"%s\",\"size_gb\":"
                       "1,\"encrypted\":true,\"require_unique_zone\":false}",
                       argv[1]);
    s = plan_add_step(p, "create a volume in ${app}", "POST",
                      "/apps/${app}/volumes", vbody);
    free(vbody);
    s->mutates = 1;
    s->capture = PLAN_CAPTURE_ID;
    s->capture_var = x_strdup("vol");
    s->reconcile = PLAN_RECONCILE_FIND_VOLUME;
    tag = x_asprintf("%s-2", p->id);
    body = drv_machine_body(argv[1], argv[2], tag);
    s = plan_add_step(p, "create a machine on ${vol}", "POST",
                      "/apps/${app}/machines", body);
    free(body);
    s->mutates = 1;
    s->capture = PLAN_CAPTURE_ID;
    s->capture_var = x_strdup("new_machine");
    s->reconcile = PLAN_RECONCILE_FIND_MACHINE;
    s->tag = tag;
    s->timeout_ms = 120000;
    drv_wait(p, "wait until ${new_machine} is started",
             "/apps/${app}/machines/${new_machine}", PLAN_COND_MACHINE_STATE,
             "started", wait_ms);
    if (strstr(argv[2], drv_flex_image_hint))
        drv_wait(p, "wait until every check of ${new_machine} passes",
                 "/apps/${app}/machines/${new_machine}",
                 PLAN_COND_CHECKS_PASSING, NULL, wait_ms);
    s = plan_add_abort_step(p, "stop ${new_machine}", "POST",
                            "/apps/${app}/machines/${new_machine}/stop", NULL);
    s->needs = x_strdup("new_machine");
    s->mutates = 1;
    s = plan_add_abort_step(p, "delete ${new_machine}", "DELETE",
                            "/apps/${app}/machines/${new_machine}?force=true",
                            NULL);
    s->needs = x_strdup("new_machine");
    s->mutates = 1;
    s->cond = PLAN_COND_GONE;
    s = plan_add_abort_step(p, "wait until ${new_machine} is gone", "GET",
                            "/apps/${app}/machines/${new_machine}", NULL);
    s->needs = x_strdup("new_machine");
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_GONE;
    s->timeout_ms = 60000;
    s->interval_ms = 500;
    s = plan_add_abort_step(p, "delete the volume ${vol}", "DELETE",
                            "/apps/${app}/volumes/${vol}", NULL);
    s->needs = x_strdup("vol");
    s->mutates = 1;
    return p;
}

static int drv_usage(void)
{
    fprintf(stderr,
            "usage: plan_driver [--state DIR] [--journal DIR] [--audit FILE] "
            "[--id ID] [--ttl S] [--wait-timeout MS] [--dry-run] "
            "[--die-at N] [--cancel-at N] [--cancel-after MS]\n"
            "  restart APP ID... | create APP REGION IMAGE | "
            "wait-state APP ID STATE | resume FILE | abort FILE | "
            "show FILE | list\n");
    return 2;
}

static int drv_exit(enum plan_outcome o)
{
    switch (o) {
    case PLAN_OUTCOME_DONE:
        return 0;
    case PLAN_OUTCOME_REFUSED:
        return 3;
    case PLAN_OUTCOME_ABORTED:
        return 5;
    default:
        return 1;
    }
}

int main(int argc, char **argv)
{
    struct drv d;
    struct plan_run_opts opts;
    struct http_config cfg;
    struct http *h = NULL;
    struct plan *p = NULL;
    struct plan_journal j;
    const char *state = getenv("PD_DIR"), *id = NULL, *cmd;
    char *url, *token, *cause = NULL, *jdir = NULL;
    int64_t wait_ms = 180000, cancel_after = 0;
    int i, dry = 0, rc, mode = -1;
    size_t k, n;

    memset(&d, 0, sizeof d);
    memset(&opts, 0, sizeof opts);
    opts.context = "local";
    for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *o = argv[i];

        if (strcmp(o, "--dry-run") == 0) {
            dry = 1;
            continue;
        }
        if (i + 1 >= argc)
            return drv_usage();
        if (strcmp(o, "--state") == 0)
            state = argv[++i];
        else if (strcmp(o, "--journal") == 0)
            opts.journal_dir = argv[++i];
        else if (strcmp(o, "--audit") == 0)
            opts.audit_file = argv[++i];
        else if (strcmp(o, "--id") == 0)
            id = argv[++i];
        else if (strcmp(o, "--ttl") == 0)
            opts.lease_ttl_s = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(o, "--wait-timeout") == 0)
            wait_ms = strtoll(argv[++i], NULL, 10);
        else if (strcmp(o, "--die-at") == 0)
            d.die_at = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(o, "--cancel-at") == 0)
            d.cancel_at = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(o, "--cancel-after") == 0)
            cancel_after = strtoll(argv[++i], NULL, 10);
        else
            return drv_usage();
    }
    if (i >= argc)
        return drv_usage();
    cmd = argv[i++];
    argc -= i;
    argv += i;
    jdir = opts.journal_dir ? x_strdup(opts.journal_dir) : plan_journal_dir();

    if (strcmp(cmd, "list") == 0) {
        char **v = plan_journal_list(jdir, &n);

        for (k = 0; k < n; k++) {
            printf("journal=%s\n", v[k]);
            free(v[k]);
        }
        printf("count=%zu\n", n);
        free(v);
        free(jdir);
        return 0;
    }
    if (strcmp(cmd, "show") == 0 && argc == 1) {
        if (plan_journal_load(argv[0], &j, &cause) != 0) {
            printf("error=%s\n", cause);
            free(cause);
            free(jdir);
            return 1;
        }
        printf("plan=%s\noutcome=%s\ncurrent=%zu\naborting=%d\n", j.plan->id,
               plan_outcome_name(j.outcome), j.current + 1, j.aborting);
        for (k = 0; k < j.plan->n_steps; k++)
            printf("step=%zu state=%s\n", k + 1, plan_step_state_name(j.st[k]));
        for (k = 0; k < j.plan->n_vars; k++)
            printf("var %s=%s\n", j.plan->vars[k].name,
                   j.plan->vars[k].value ? j.plan->vars[k].value : "(unset)");
        plan_journal_clear(&j);
        free(jdir);
        return 0;
    }
    if (strcmp(cmd, "restart") == 0 && argc >= 2)
        p = drv_restart(argc, argv, id, wait_ms);
    else if (strcmp(cmd, "create") == 0 && argc == 3)
        p = drv_create(argv, id, wait_ms);
    else if (strcmp(cmd, "wait-state") == 0 && argc == 3)
        p = drv_wait_state(argv, id, wait_ms);
    else if (strcmp(cmd, "resume") == 0 && argc == 1)
        mode = PLAN_RESUME;
    else if (strcmp(cmd, "abort") == 0 && argc == 1)
        mode = PLAN_ABORT;
    else
        return drv_usage();
    if (mode >= 0 && plan_journal_load(argv[0], &j, &cause) != 0) {
        printf("error=%s\n", cause);
        free(cause);
        free(jdir);
        return 1;
    }
    if (dry) {
        struct buf b = BUF_INIT;

        plan_render(p ? p : j.plan, &b);
        fputs(buf_str(&b), stdout);
        buf_free(&b);
        plan_free(p);
        if (mode >= 0)
            plan_journal_clear(&j);
        free(jdir);
        return 0;
    }

    if (!state) {
        fprintf(stderr, "plan_driver: no --state and no $PD_DIR\n");
        return 2;
    }
    url = drv_read_line(state, "url");
    token = drv_read_line(state, "token");
    if (!url || !token)
        return 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    d.l = loop_new();
    memset(&cfg, 0, sizeof cfg);
    cfg.base_url = url;
    cfg.token = token;
    cfg.scheme = CONTEXT_AUTH_BEARER;
    cfg.timeout_ms = 120000; /* machine creates with a volume take a while */
    rc = http_new(d.l, &cfg, &h, &cause);
    x_wipe(token, strlen(token));
    free(token);
    if (rc != 0) {
        printf("error=%s\n", cause);
        return 1;
    }
    if (mode >= 0)
        d.run = plan_run_resume(d.l, h, &j, (enum plan_resume_mode)mode, &opts,
                                drv_cb, &d);
    else
        d.run = plan_run_start(d.l, h, p, &opts, drv_cb, &d);
    printf("plan=%s\n", plan_run_plan(d.run)->id);
    fflush(stdout);
    if (cancel_after > 0)
        loop_timer_add(d.l, cancel_after, drv_cancel_timer, &d);
    if (loop_run(d.l, &cause) != 0)
        printf("loop_error=%s\n", cause);
    {
        const struct plan *pl = plan_run_plan(d.run);
        const struct plan_journal *jj = plan_run_journal(d.run);
        const char *err = plan_run_error(d.run);
        size_t ns = jj->aborting ? pl->n_abort_steps : pl->n_steps;

        printf("outcome=%s\n", plan_outcome_name(plan_run_outcome(d.run)));
        if (err)
            printf("error=%s\n", err);
        printf("journal=%s/%s.json\n", jdir, pl->id);
        printf("elapsed_ms=%lld\n", (long long)plan_run_elapsed_ms(d.run));
        for (k = 0; k < ns; k++) {
            const char *note = jj->aborting ? plan_run_abort_note(d.run, k)
                                            : plan_run_note(d.run, k);

            printf("%sstep=%zu state=%s note=%s\n",
                   jj->aborting ? "abort_" : "", k + 1,
                   plan_step_state_name(jj->aborting ? jj->abort_st[k]
                                                     : jj->st[k]),
                   note ? note : "");
        }
        for (k = 0; k < pl->n_vars; k++)
            printf("var %s=%s\n", pl->vars[k].name,
                   pl->vars[k].value ? pl->vars[k].value : "(unset)");
    }
    rc = drv_exit(plan_run_outcome(d.run));
    plan_run_free(d.run);
    http_free(h);
    loop_free(d.l);
    curl_global_cleanup();
    free(url);
    free(jdir);
    return rc;
}

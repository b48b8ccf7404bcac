#include "config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/http.h"
#include "src/loop.h"
#include "src/plan.h"
#include "src/xmalloc.h"

#include "tests/unit/tmpdir.h"
#include "tests/unit/unit.h"

/*
 * test_plan_run: the runner on a real loop and a real http client against
 * a small scripted API server living on the same loop (one request per
 * connection).  Leases and their nonces, conditions, WAIT retries and
 * timeouts, outcomes (done, refused, failed, unknown, aborted), captures,
 * reconcile on resume, abort steps, cancel, detach, lease refresh, the
 * journal and the audit log (never a nonce, never the token).
 */

#define TOKEN "tok-SECRET-0123456789"
#define NONCE1 "nonce-m1-s3cr3t"
#define NONCE2 "nonce-m2-s3cr3t"

/* ---- the fake API ---- */

struct rule {
    const char *method;
    const char *path; /* exact, with the query */
    int status;       /* 0: close the connection without an answer */
    const char *body;
    int times; /* 0: unlimited */
    int used;
};

struct seen {
    char method[8];
    char path[256];
    char nonce[64];
    char auth[64];
    char body[1024];
};

#define MAX_RULES 32
#define MAX_SEEN 256

struct conn {
    struct fake *f;
    int fd;
    struct buf in;
};

struct fake {
    struct loop *l;
    int lfd;
    int port;
    struct rule rules[MAX_RULES];
    int n_rules;
    struct seen seen[MAX_SEEN];
    int n_seen;
    /* GET of this path answers "starting" until this monotonic time, and
     * until the lease has been refreshed slow_refreshes times. */
    const char *slow_path;
    int64_t slow_until;
    int slow_refreshes;
};

static void fake_add(struct fake *f, const char *method, const char *path,
                     int status, const char *body, int times)
{
    struct rule *r = &f->rules[f->n_rules++];

    ck_assert_int_le(f->n_rules, MAX_RULES);
    r->method = method;
    r->path = path;
    r->status = status;
    r->body = body;
    r->times = times;
    r->used = 0;
}

static void fake_header(const char *head, const char *name, char *out,
                        size_t len)
{
    const char *p = head;
    size_t n = strlen(name), k;

    out[0] = '\0';
    while ((p = strstr(p, "\r\n"))) {
        p += 2;
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            p += n + 1;
            while (*p == ' ')
                p++;
            k = strcspn(p, "\r\n");
            if (k >= len)
                k = len - 1;
            memcpy(out, p, k);
            out[k] = '\0';
            return;
        }
    }
}

static void conn_close(struct conn *c)
{
    loop_del_fd(c->f->l, c->fd);
    close(c->fd);
    buf_free(&c->in);
    free(c);
}

/* How many lease requests carried a nonce: refreshes of a held lease. */
static int fake_refreshes(const struct fake *f)
{
    int i, n = 0;
    size_t len;

    for (i = 0; i < f->n_seen && i < MAX_SEEN; i++) {
        len = strlen(f->seen[i].path);
        if (strcmp(f->seen[i].method, "POST") == 0 && len > 6 &&
            strcmp(f->seen[i].path + len - 6, "/lease") == 0 &&
            f->seen[i].nonce[0])
            n++;
    }
    return n;
}

static void fake_answer(struct conn *c, const char *head, const char *body)
{
    struct fake *f = c->f;
    struct seen *s = &f->seen[f->n_seen < MAX_SEEN ? f->n_seen++ : 0];
    struct rule *r = NULL;
    struct buf out = BUF_INIT;
    const char *answer = "{\"error\":\"not found\"}";
    int status = 404, i;

    memset(s, 0, sizeof *s);
    sscanf(head, "%7s %255s", s->method, s->path);
    fake_header(head, "fly-machine-lease-nonce", s->nonce, sizeof s->nonce);
    fake_header(head, "Authorization", s->auth, sizeof s->auth);
    snprintf(s->body, sizeof s->body, "%s", body);
    if (f->slow_path && strcmp(s->method, "GET") == 0 &&
        strcmp(s->path, f->slow_path) == 0) {
        status = 200;
        answer = loop_now_ms() < f->slow_until ||
                         fake_refreshes(f) < f->slow_refreshes
                     ? "{\"id\":\"m1\",\"state\":\"starting\"}"
                     : "{\"id\":\"m1\",\"state\":\"started\"}";
    } else {
        for (i = 0; i < f->n_rules; i++) {
            r = &f->rules[i];
            if (strcmp(r->method, s->method) == 0 &&
                strcmp(r->path, s->path) == 0 &&
                (!r->times || r->used < r->times))
                break;
            r = NULL;
        }
        if (r) {
            r->used++;
            if (r->status == 0) {
                conn_close(c); /* no answer at all */
                return;
            }
            status = r->status;
            answer = r->body ? r->body : "";
        }
    }
    buf_printf(&out,
               "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
               "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
               status, strlen(answer), answer);
    ck_assert_int_eq(write(c->fd, out.data, out.len), (ssize_t)out.len);
    buf_free(&out);
    conn_close(c);
}

static void conn_read(struct loop *l, int fd, int events, void *arg)
{
    struct conn *c = arg;
    char chunk[4096], *end, *head;
    const char *cl;
    ssize_t n;
    size_t need = 0;
    char len[32];

    (void)l;
    (void)events;
    n = read(fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        conn_close(c);
        return;
    }
    buf_append(&c->in, chunk, (size_t)n);
    end = strstr(buf_str(&c->in), "\r\n\r\n");
    if (!end)
        return;
    head = x_strndup(c->in.data, (size_t)(end - c->in.data) + 2);
    fake_header(head, "Content-Length", len, sizeof len);
    cl = len;
    if (*cl)
        need = (size_t)strtoul(cl, NULL, 10);
    if (c->in.len < (size_t)(end + 4 - c->in.data) + need) {
        free(head);
        return;
    }
    fake_answer(c, head, end + 4);
    free(head);
}

static void fake_accept(struct loop *l, int fd, int events, void *arg)
{
    struct fake *f = arg;
    struct conn *c;
    int cfd;

    (void)events;
    cfd = accept(fd, NULL, NULL);
    if (cfd < 0)
        return;
    fcntl(cfd, F_SETFL, O_NONBLOCK);
    c = x_calloc(1, sizeof *c);
    c->f = f;
    c->fd = cfd;
    loop_add_fd(l, cfd, LOOP_READ, conn_read, c);
}

static void fake_start(struct fake *f, struct loop *l)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof a;

    memset(f, 0, sizeof *f);
    f->l = l;
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(f->lfd, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(f->lfd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(f->lfd, 64), 0);
    ck_assert_int_eq(getsockname(f->lfd, (struct sockaddr *)&a, &alen), 0);
    f->port = ntohs(a.sin_port);
    fcntl(f->lfd, F_SETFL, O_NONBLOCK);
    loop_add_fd(l, f->lfd, LOOP_READ, fake_accept, f);
}

/* How many requests METHOD PATH the server saw. */
static int fake_count(const struct fake *f, const char *method,
                      const char *path)
{
    int i, n = 0;

    for (i = 0; i < f->n_seen; i++)
        if (strcmp(f->seen[i].method, method) == 0 &&
            strcmp(f->seen[i].path, path) == 0)
            n++;
    return n;
}

/* The first request METHOD PATH, or NULL. */
static const struct seen *fake_find(const struct fake *f, const char *method,
                                    const char *path)
{
    int i;

    for (i = 0; i < f->n_seen; i++)
        if (strcmp(f->seen[i].method, method) == 0 &&
            strcmp(f->seen[i].path, path) == 0)
            return &f->seen[i];
    return NULL;
}

/* ---- the harness ---- */

struct env {
    struct loop *l;
    struct http *h;
    struct fake f;
    char *tmp;
    char *jdir;
    char *audit;
    struct plan_run_opts opts;
    /* callback records */
    int calls;
    int ended;
    char trace[2048];
    int cancel_on_running; /* 1 + step index */
    int detach_on_running;
    int free_on_running;
    int stop;
    struct plan_run *run;
};

static void env_init(struct env *e)
{
    struct http_config cfg;
    char *url, *cause = NULL;

    memset(e, 0, sizeof *e);
    e->l = loop_new();
    fake_start(&e->f, e->l);
    url = x_asprintf("http://127.0.0.1:%d", e->f.port);
    memset(&cfg, 0, sizeof cfg);
    cfg.base_url = url;
    cfg.token = TOKEN;
    cfg.scheme = CONTEXT_AUTH_BEARER;
    cfg.retries = -1;
    ck_assert_int_eq(http_new(e->l, &cfg, &e->h, &cause), 0);
    free(url);
    e->tmp = unit_tmpdir();
    e->jdir = x_asprintf("%s/state/plans", e->tmp);
    e->audit = x_asprintf("%s/state/audit.log", e->tmp);
    e->opts.context = "local";
    e->opts.journal_dir = e->jdir;
    e->opts.audit_file = e->audit;
}

static void env_free(struct env *e)
{
    http_free(e->h);
    loop_del_fd(e->l, e->f.lfd);
    close(e->f.lfd);
    loop_free(e->l);
    unit_rm_rf(e->tmp);
    free(e->tmp);
    free(e->jdir);
    free(e->audit);
}

static void on_step(struct plan_run *r, size_t step, void *arg)
{
    struct env *e = arg;
    const struct plan_journal *j = plan_run_journal(r);
    size_t len = strlen(e->trace);
    const enum plan_step_state *st = j->aborting ? j->abort_st : j->st;
    size_t n = j->aborting ? j->plan->n_abort_steps : j->plan->n_steps;

    e->calls++;
    if (plan_run_outcome(r) != PLAN_OUTCOME_NONE) {
        snprintf(e->trace + len, sizeof e->trace - len, "end:%s ",
                 plan_outcome_name(plan_run_outcome(r)));
        e->ended = 1;
        e->stop = 1;
        return;
    }
    ck_assert_uint_lt(step, n);
    snprintf(e->trace + len, sizeof e->trace - len, "%s%zu:%s ",
             j->aborting ? "a" : "", step + 1, plan_step_state_name(st[step]));
    if (st[step] != PLAN_STEP_RUNNING)
        return;
    if (e->cancel_on_running == (int)step + 1)
        plan_run_cancel(r);
    if (e->detach_on_running == (int)step + 1) {
        plan_run_detach(r);
        e->stop = 1;
    }
    if (e->free_on_running == (int)step + 1) {
        plan_run_free(r);
        e->run = NULL;
        e->stop = 1;
    }
}

/* Turns the loop until the callback says stop (at most 20 s). */
static void env_loop(struct env *e)
{
    int64_t end = loop_now_ms() + 20000;

    e->stop = 0;
    while (!e->stop && loop_now_ms() < end)
        ck_assert_int_eq(loop_turn(e->l, 100, NULL), 0);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t n;

    if (!f)
        return x_strdup("");
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    buf_puts(&b, "");
    return buf_steal(&b);
}

/* The number of lines of the audit log with "phase":"PHASE". */
static int audit_count(const struct env *e, const char *phase)
{
    char *t = slurp(e->audit), *p = t, *want;
    int n = 0;

    want = x_asprintf("\"phase\":\"%s\"", phase);
    while ((p = strstr(p, want))) {
        n++;
        p++;
    }
    free(want);
    free(t);
    return n;
}

/* Whether the audit log contains TEXT. */
static int audit_has(const struct env *e, const char *text)
{
    char *t = slurp(e->audit);
    int rc = strstr(t, text) ? 1 : 0;

    free(t);
    return rc;
}

/* The audit log holds neither nonce nor the token. */
static void audit_clean(const struct env *e)
{
    char *t = slurp(e->audit);

    ck_assert_ptr_null(strstr(t, NONCE1));
    ck_assert_ptr_null(strstr(t, NONCE2));
    ck_assert_ptr_null(strstr(t, TOKEN));
    free(t);
}

static char *journal_path(const struct env *e, const char *id)
{
    return x_asprintf("%s/%s.json", e->jdir, id);
}

#define LEASE_OK(n)                                                            \
    "{\"status\":\"success\",\"data\":{\"nonce\":\"" n "\",\"expires_at\":"    \
    "1999999999,\"owner\":\"me@example\",\"description\":\"\","                \
    "\"version\":\"v1\"}}"
#define RELEASE_OK "{\"status\":\"success\",\"data\":{\"ok\":true}}"

static void leases_ok(struct env *e)
{
    fake_add(&e->f, "POST", "/v1/apps/app/machines/m1/lease", 200,
             LEASE_OK(NONCE1), 0);
    fake_add(&e->f, "POST", "/v1/apps/app/machines/m2/lease", 200,
             LEASE_OK(NONCE2), 0);
    fake_add(&e->f, "DELETE", "/v1/apps/app/machines/m1/lease", 200, RELEASE_OK,
             0);
    fake_add(&e->f, "DELETE", "/v1/apps/app/machines/m2/lease", 200, RELEASE_OK,
             0);
}

/* ---- tests ---- */

START_TEST(test_run_done)
{
    struct env e;
    struct plan *p = plan_new("restart", "app", "run-done");
    struct plan_step *s;
    struct plan_run *r;
    const struct seen *sn;
    char *jp;

    env_init(&e);
    leases_ok(&e);
    fake_add(&e.f, "POST", "/v1/apps/app/machines/m1/restart", 200,
             "{\"ok\":true}", 1);
    fake_add(&e.f, "GET", "/v1/apps/app/machines/m1", 200,
             "{\"id\":\"m1\",\"state\":\"starting\"}", 2);
    fake_add(&e.f, "GET", "/v1/apps/app/machines/m1", 200,
             "{\"id\":\"m1\",\"state\":\"started\",\"checks\":[{\"name\":"
             "\"pg\",\"status\":\"passing\",\"output\":\"ok\"}]}",
             0);
    fake_add(&e.f, "POST", "/v1/apps/app/volumes", 200,
             "{\"id\":\"vol_abc\",\"state\":\"creating\"}", 1);
    fake_add(&e.f, "GET", "/v1/apps/app/volumes/vol_abc", 200,
             "{\"id\":\"vol_abc\",\"state\":\"created\"}", 0);
    plan_add_lease(p, "m1");
    s = plan_add_step(p, "restart m1", "POST",
                      "/apps/${app}/machines/m1/restart", NULL);
    s->lease = x_strdup("m1");
    s->mutates = 1;
    s = plan_add_step(p, "wait started", "GET", "/apps/${app}/machines/m1",
                      NULL);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_MACHINE_STATE;
    s->cond_arg = x_strdup("started");
    s->interval_ms = 20;
    s = plan_add_step(p, "wait checks", "GET", "/apps/${app}/machines/m1",
                      NULL);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_CHECKS_PASSING;
    s->interval_ms = 20;
    ck_assert_int_eq(plan_set_var(p, "vol", NULL), 0);
    s = plan_add_step(p, "create volume", "POST", "/apps/${app}/volumes",
                      "{\"name\":\"pg_data\",\"password\":\"pw-XYZ\"}");
    s->mutates = 1;
    s->capture = PLAN_CAPTURE_ID;
    s->capture_var = x_strdup("vol");
    s = plan_add_step(p, "volume ${vol} ready", "GET",
                      "/apps/${app}/volumes/${vol}", NULL);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_VOLUME_STATE;
    s->cond_arg = x_strdup("created");

    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_NONE);
    ck_assert_int_eq(e.calls, 0); /* never called back from inside start */
    env_loop(&e);
    ck_assert_msg(e.ended, "trace: %s", e.trace);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_DONE);
    ck_assert_ptr_null(plan_run_error(r));
    ck_assert_str_eq(e.trace, "1:running 1:done 2:running 2:done 3:running "
                              "3:done 4:running 4:done 5:running 5:done "
                              "end:done ");
    /* The lease: acquired with a description and ttl, no nonce sent. */
    sn = fake_find(&e.f, "POST", "/v1/apps/app/machines/m1/lease");
    ck_assert_ptr_nonnull(sn);
    ck_assert_str_eq(sn->nonce, "");
    ck_assert_ptr_nonnull(
        strstr(sn->body, "\"description\":\"pgdeck restart app (run-done)\""));
    ck_assert_ptr_nonnull(strstr(sn->body, "\"ttl\":120"));
    ck_assert_str_eq(sn->auth, "Bearer " TOKEN);
    /* The step on the leased machine carries the nonce; others do not. */
    sn = fake_find(&e.f, "POST", "/v1/apps/app/machines/m1/restart");
    ck_assert_str_eq(sn->nonce, NONCE1);
    sn = fake_find(&e.f, "POST", "/v1/apps/app/volumes");
    ck_assert_str_eq(sn->nonce, "");
    ck_assert_int_eq(fake_count(&e.f, "GET", "/v1/apps/app/machines/m1"), 4);
    ck_assert_int_eq(fake_count(&e.f, "GET", "/v1/apps/app/volumes/vol_abc"),
                     1);
    sn = fake_find(&e.f, "DELETE", "/v1/apps/app/machines/m1/lease");
    ck_assert_ptr_nonnull(sn);
    ck_assert_str_eq(sn->nonce, NONCE1);
    /* The capture, visible in the note and the plan. */
    ck_assert_str_eq(plan_var(plan_run_plan(r), "vol"), "vol_abc");
    ck_assert_str_eq(plan_run_note(r, 3), "${vol} = vol_abc");
    ck_assert_ptr_nonnull(plan_run_note(r, 1));
    ck_assert_ptr_nonnull(strstr(plan_run_note(r, 1), "(3 tries)"));
    ck_assert_ptr_nonnull(strstr(plan_run_note(r, 1), "reached after "));
    ck_assert_int_ge(plan_run_elapsed_ms(r), plan_run_step_elapsed_ms(r, 1));
    /* DONE: the journal is gone; the audit log has every step. */
    jp = journal_path(&e, "run-done");
    ck_assert_int_eq(access(jp, F_OK), -1);
    free(jp);
    ck_assert_int_eq(audit_count(&e, "plan"), 1);
    ck_assert_int_eq(audit_count(&e, "begin"), 5);
    ck_assert_int_eq(audit_count(&e, "end"), 5);
    ck_assert_int_eq(audit_count(&e, "outcome"), 1);
    audit_clean(&e);
    {
        char *t = slurp(e.audit);

        ck_assert_ptr_null(strstr(t, "pw-XYZ"));
        ck_assert_ptr_nonnull(
            strstr(t, "\"path\":\"/v1/apps/app/volumes/vol_abc\""));
        ck_assert_ptr_nonnull(strstr(t, "\"title\":\"volume vol_abc ready\""));
        ck_assert_ptr_nonnull(strstr(t, "\"context\":\"local\""));
        free(t);
    }
    plan_run_free(r);
    env_free(&e);
}
END_TEST

START_TEST(test_run_lease_refused)
{
    struct env e;
    struct plan *p = plan_new("failover", "app", "run-refused");
    struct plan_step *s;
    struct plan_run *r;
    struct plan_journal j;
    char *jp, *cause = NULL;

    env_init(&e);
    fake_add(&e.f, "POST", "/v1/apps/app/machines/m1/lease", 200,
             LEASE_OK(NONCE1), 0);
    fake_add(&e.f, "DELETE", "/v1/apps/app/machines/m1/lease", 200, RELEASE_OK,
             0);
    fake_add(&e.f, "POST", "/v1/apps/app/machines/m2/lease", 409,
             "{\"error\":\"machine ID m2 lease currently held by "
             "alice@example, expires at 2030-01-01T00:00:00Z\"}",
             0);
    fake_add(&e.f, "GET", "/v1/apps/app/machines/m2/lease", 200,
             "{\"status\":\"success\",\"data\":{\"nonce\":\"theirs\","
             "\"expires_at\":1893456000,\"owner\":\"alice@example\","
             "\"description\":\"pgdeck failover app (other)\"}}",
             0);
    plan_add_lease(p, "m1");
    plan_add_lease(p, "m2");
    s = plan_add_step(p, "stop m1", "POST", "/apps/app/machines/m1/stop", NULL);
    s->mutates = 1;
    s->lease = x_strdup("m1");
    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_REFUSED);
    ck_assert_ptr_nonnull(strstr(plan_run_error(r), "alice@example"));
    ck_assert_ptr_nonnull(
        strstr(plan_run_error(r), "pgdeck failover app (other)"));
    ck_assert_ptr_nonnull(strstr(plan_run_error(r), "machine m2"));
    ck_assert_str_eq(e.trace, "end:refused ");
    /* Nothing mutated; the lease taken was released; m2's was not. */
    ck_assert_int_eq(fake_count(&e.f, "POST", "/v1/apps/app/machines/m1/stop"),
                     0);
    ck_assert_int_eq(
        fake_count(&e.f, "DELETE", "/v1/apps/app/machines/m1/lease"), 1);
    ck_assert_str_eq(
        fake_find(&e.f, "DELETE", "/v1/apps/app/machines/m1/lease")->nonce,
        NONCE1);
    ck_assert_int_eq(
        fake_count(&e.f, "DELETE", "/v1/apps/app/machines/m2/lease"), 0);
    /* A fresh plan refused left nothing to resume: its journal is gone
     * (the audit log keeps the refusal). */
    jp = journal_path(&e, "run-refused");
    ck_assert_int_eq(plan_journal_load(jp, &j, &cause), -1);
    ck_assert_ptr_nonnull(cause);
    free(cause);
    free(jp);
    ck_assert_int_eq(audit_count(&e, "begin"), 0);
    ck_assert_int_eq(audit_count(&e, "outcome"), 1);
    audit_clean(&e);
    plan_run_free(r);
    env_free(&e);
}
END_TEST

START_TEST(test_run_unknown)
{
    struct env e;
    struct plan *p = plan_new("restart", "app", "run-unknown");
    struct plan_step *s;
    struct plan_run *r;
    struct plan_journal j;
    char *jp, *cause = NULL;

    env_init(&e);
    fake_add(&e.f, "POST", "/v1/apps/app/machines/m1/restart", 0, NULL, 0);
    s = plan_add_step(p, "restart m1", "POST", "/apps/app/machines/m1/restart",
                      NULL);
    s->mutates = 1;
    plan_add_step(p, "never", "GET", "/apps/app/machines/m1", NULL);
    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_UNKNOWN);
    ck_assert_ptr_nonnull(strstr(plan_run_error(r), "may or may not"));
    ck_assert_int_eq(fake_count(&e.f, "GET", "/v1/apps/app/machines/m1"), 0);
    jp = journal_path(&e, "run-unknown");
    ck_assert_int_eq(plan_journal_load(jp, &j, &cause), 0);
    ck_assert_int_eq(j.outcome, PLAN_OUTCOME_UNKNOWN);
    ck_assert_int_eq(j.st[0], PLAN_STEP_FAILED);
    ck_assert_uint_eq(j.current, 0);
    plan_journal_clear(&j);
    free(jp);
    ck_assert(audit_has(&e, "\"result\":\"unknown\""));
    plan_run_free(r);
    env_free(&e);
}
END_TEST

START_TEST(test_run_refused_then_failed)
{
    struct env e;
    struct plan *p = plan_new("restart", "app", "run-nomut");
    struct plan_step *s;
    struct plan_run *r;

    env_init(&e);
    /* A read before any mutation fails: refused, nothing changed. */
    plan_add_step(p, "look", "GET", "/apps/app/machines/gone", NULL);
    s = plan_add_step(p, "restart", "POST", "/apps/app/machines/m1/restart",
                      NULL);
    s->mutates = 1;
    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_REFUSED);
    ck_assert_ptr_nonnull(strstr(plan_run_error(r), "HTTP 404"));
    ck_assert_ptr_nonnull(strstr(plan_run_error(r), "nothing was changed"));
    ck_assert_int_eq(
        fake_count(&e.f, "POST", "/v1/apps/app/machines/m1/restart"), 0);
    plan_run_free(r);

    /* After a mutation: failed. */
    e.ended = 0;
    e.trace[0] = '\0';
    fake_add(&e.f, "POST", "/v1/apps/app/machines/m1/restart", 200, "{}", 0);
    fake_add(&e.f, "POST", "/v1/apps/app/machines/m1/exec", 200,
             "{\"exit_code\":3,\"stdout\":\"\",\"stderr\":\"repmgr: no\\n"
             "more\"}",
             0);
    p = plan_new("restart", "app", "run-failed");
    s = plan_add_step(p, "restart", "POST", "/apps/app/machines/m1/restart",
                      NULL);
    s->mutates = 1;
    s = plan_add_step(p, "promote", "POST", "/apps/app/machines/m1/exec",
                      "{\"command\":[\"repmgr\"]}");
    s->mutates = 1;
    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_FAILED);
    ck_assert_ptr_nonnull(strstr(plan_run_error(r),
                                 "step 2 (promote) failed: exit code 3: "
                                 "repmgr: no"));
    ck_assert_str_eq(plan_run_note(r, 1), "exit code 3: repmgr: no");
    plan_run_free(r);
    env_free(&e);
}
END_TEST

START_TEST(test_run_wait_408_4xx_timeout)
{
    struct env e;
    struct plan *p = plan_new("restart", "app", "run-wait");
    struct plan_step *s;
    struct plan_run *r;

    env_init(&e);
    fake_add(&e.f, "GET", "/v1/apps/app/machines/m1/wait?state=started", 408,
             "{\"error\":\"timeout\"}", 2);
    fake_add(&e.f, "GET", "/v1/apps/app/machines/m1/wait?state=started", 200,
             "{\"ok\":true}", 0);
    s = plan_add_step(p, "wait", "GET",
                      "/apps/app/machines/m1/wait?state=started", NULL);
    s->kind = PLAN_STEP_WAIT;
    s->interval_ms = 10;
    s = plan_add_step(p, "never started", "GET", "/apps/app/machines/m2", NULL);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_MACHINE_STATE;
    s->cond_arg = x_strdup("started");
    s->interval_ms = 20;
    s->timeout_ms = 300;
    fake_add(&e.f, "GET", "/v1/apps/app/machines/m2", 200,
             "{\"id\":\"m2\",\"state\":\"stopped\"}", 0);
    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(
        fake_count(&e.f, "GET", "/v1/apps/app/machines/m1/wait?state=started"),
        3);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_REFUSED);
    ck_assert_ptr_nonnull(
        strstr(plan_run_error(r),
               "timed out after 300 ms; last: waiting: state is stopped"));
    ck_assert_int_ge(fake_count(&e.f, "GET", "/v1/apps/app/machines/m2"), 3);
    ck_assert_int_ge(plan_run_step_elapsed_ms(r, 1), 300);
    plan_run_free(r);

    /* A 4xx that cannot change ends a WAIT at once. */
    e.ended = 0;
    p = plan_new("restart", "app", "run-wait2");
    s = plan_add_step(p, "wait gone", "GET", "/apps/app/machines/zz", NULL);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_MACHINE_STATE;
    s->cond_arg = x_strdup("started");
    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_REFUSED);
    ck_assert_int_eq(fake_count(&e.f, "GET", "/v1/apps/app/machines/zz"), 1);
    ck_assert_int_lt(plan_run_elapsed_ms(r), 5000);
    plan_run_free(r);
    env_free(&e);
}
END_TEST

START_TEST(test_run_cancel)
{
    struct env e;
    struct plan *p = plan_new("restart", "app", "run-cancel");
    struct plan_step *s;
    struct plan_run *r;
    struct plan_journal j;
    char *jp, *cause = NULL;

    env_init(&e);
    leases_ok(&e);
    fake_add(&e.f, "GET", "/v1/apps/app/machines/m1", 200,
             "{\"id\":\"m1\",\"state\":\"starting\"}", 0);
    plan_add_lease(p, "m1");
    s = plan_add_step(p, "wait", "GET", "/apps/app/machines/m1", NULL);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_MACHINE_STATE;
    s->cond_arg = x_strdup("started");
    s->interval_ms = 30;
    s->timeout_ms = 60000;
    plan_add_step(p, "after", "POST", "/apps/app/machines/m1/restart", NULL);
    e.cancel_on_running = 1; /* from the callback, before the first try */
    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_ABORTED);
    ck_assert_str_eq(plan_run_error(r), "cancelled by the operator");
    ck_assert_int_lt(plan_run_elapsed_ms(r), 5000);
    ck_assert_int_eq(
        fake_count(&e.f, "POST", "/v1/apps/app/machines/m1/restart"), 0);
    ck_assert_int_eq(
        fake_count(&e.f, "DELETE", "/v1/apps/app/machines/m1/lease"), 1);
    jp = journal_path(&e, "run-cancel");
    ck_assert_int_eq(plan_journal_load(jp, &j, &cause), 0);
    ck_assert_int_eq(j.outcome, PLAN_OUTCOME_ABORTED);
    ck_assert_int_eq(j.st[0], PLAN_STEP_PENDING);
    plan_journal_clear(&j);
    free(jp);
    ck_assert_int_eq(audit_count(&e, "begin"), 1);
    ck_assert(audit_has(&e, "\"result\":\"cancelled\""));
    plan_run_free(r);
    env_free(&e);
}
END_TEST

/* Cancels E's run once the fake has answered two tries of the wait (not
 * after a fixed time: under valgrind the first try alone takes longer). */
static void cancel_after_two_tries(struct loop *l, uint64_t id, void *arg)
{
    struct env *e = arg;

    (void)id;
    if (fake_count(&e->f, "GET", "/v1/apps/app/machines/m1") >= 2)
        plan_run_cancel(e->run);
    else
        loop_timer_add(l, 20, cancel_after_two_tries, e);
}

START_TEST(test_run_cancel_between_tries_and_call)
{
    struct env e;
    struct plan *p = plan_new("restart", "app", "run-cancel2");
    struct plan_step *s;
    struct plan_run *r;

    env_init(&e);
    fake_add(&e.f, "GET", "/v1/apps/app/machines/m1", 200,
             "{\"id\":\"m1\",\"state\":\"starting\"}", 0);
    s = plan_add_step(p, "wait", "GET", "/apps/app/machines/m1", NULL);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_MACHINE_STATE;
    s->cond_arg = x_strdup("started");
    s->interval_ms = 50;
    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    e.run = r;
    loop_timer_add(e.l, 20, cancel_after_two_tries, &e);
    env_loop(&e);
    e.run = NULL;
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_ABORTED);
    ck_assert_int_ge(fake_count(&e.f, "GET", "/v1/apps/app/machines/m1"), 2);
    plan_run_free(r);

    /* A CALL in flight ends with its answer; the next step is not run. */
    e.ended = 0;
    e.trace[0] = '\0';
    fake_add(&e.f, "POST", "/v1/apps/app/machines/m1/stop", 200,
             "{\"ok\":true}", 0);
    p = plan_new("restart", "app", "run-cancel3");
    s = plan_add_step(p, "stop", "POST", "/apps/app/machines/m1/stop", NULL);
    s->mutates = 1;
    s = plan_add_step(p, "stop again", "POST", "/apps/app/machines/m1/stop",
                      NULL);
    s->mutates = 1;
    e.cancel_on_running = 1;
    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_ABORTED);
    ck_assert_str_eq(e.trace, "1:running 1:done end:aborted ");
    ck_assert_int_eq(fake_count(&e.f, "POST", "/v1/apps/app/machines/m1/stop"),
                     1);
    plan_run_free(r);

    /* A cancel during the last step: nothing was left to stop, done. */
    e.ended = 0;
    e.trace[0] = '\0';
    p = plan_new("restart", "app", "run-cancel4");
    s = plan_add_step(p, "stop", "POST", "/apps/app/machines/m1/stop", NULL);
    s->mutates = 1;
    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_DONE);
    plan_run_free(r);
    env_free(&e);
}
END_TEST

/* A journal of P with step CURRENT in STATE (earlier ones done). */
static void make_journal(struct plan_journal *j, struct plan *p, size_t current,
                         enum plan_step_state state)
{
    size_t i;

    memset(j, 0, sizeof *j);
    j->plan = p;
    j->context = x_strdup("local");
    j->st = x_calloc(p->n_steps, sizeof *j->st);
    j->abort_st =
        x_calloc(p->n_abort_steps ? p->n_abort_steps : 1, sizeof *j->abort_st);
    j->nonces = x_calloc(p->n_leases ? p->n_leases : 1, sizeof *j->nonces);
    for (i = 0; i < current; i++)
        j->st[i] = PLAN_STEP_DONE;
    j->st[current] = state;
    j->current = current;
    j->started_ms = 1000;
    j->step_started_ms = 0;
}

static struct plan *create_plan(const char *id)
{
    struct plan *p = plan_new("replica-add", "app", id);
    struct plan_step *s;

    ck_assert_int_eq(plan_set_var(p, "new_machine", NULL), 0);
    s = plan_add_step(p, "create a machine", "POST", "/apps/${app}/machines",
                      "{\"config\":{\"metadata\":{\"pgdeck_plan_step\":"
                      "\"tag-1\"}}}");
    s->mutates = 1;
    s->capture = PLAN_CAPTURE_ID;
    s->capture_var = x_strdup("new_machine");
    s->reconcile = PLAN_RECONCILE_FIND_MACHINE;
    s->tag = x_strdup("tag-1");
    s = plan_add_step(p, "wait ${new_machine} started", "GET",
                      "/apps/${app}/machines/${new_machine}", NULL);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_MACHINE_STATE;
    s->cond_arg = x_strdup("started");
    s->interval_ms = 20;
    return p;
}

START_TEST(test_resume_adopts_machine)
{
    struct env e;
    struct plan_journal j;
    struct plan_run *r;

    env_init(&e);
    fake_add(&e.f, "GET", "/v1/apps/app/machines", 200,
             "[{\"id\":\"m-old\",\"state\":\"started\",\"config\":{}},"
             "{\"id\":\"m-gone\",\"state\":\"destroyed\",\"config\":{"
             "\"metadata\":{\"pgdeck_plan_step\":\"tag-1\"}}},"
             "{\"id\":\"m9\",\"state\":\"created\",\"config\":{\"metadata\":"
             "{\"pgdeck_plan_step\":\"tag-1\"}}}]",
             0);
    fake_add(&e.f, "GET", "/v1/apps/app/machines/m9", 200,
             "{\"id\":\"m9\",\"state\":\"started\"}", 0);
    fake_add(&e.f, "POST", "/v1/apps/app/machines", 200,
             "{\"id\":\"m-dup\",\"state\":\"created\"}", 0);
    make_journal(&j, create_plan("resume-adopt"), 0, PLAN_STEP_RUNNING);
    r = plan_run_resume(e.l, e.h, &j, PLAN_RESUME, &e.opts, on_step, &e);
    ck_assert_ptr_null(j.plan); /* ownership passed */
    env_loop(&e);
    ck_assert_msg(plan_run_outcome(r) == PLAN_OUTCOME_DONE, "%s / %s", e.trace,
                  plan_run_error(r));
    ck_assert_int_eq(fake_count(&e.f, "POST", "/v1/apps/app/machines"), 0);
    ck_assert_int_eq(fake_count(&e.f, "GET", "/v1/apps/app/machines/m9"), 1);
    ck_assert_str_eq(plan_var(plan_run_plan(r), "new_machine"), "m9");
    ck_assert_int_eq(plan_run_journal(r)->st[0], PLAN_STEP_SKIPPED);
    ck_assert_ptr_nonnull(strstr(plan_run_note(r, 0), "m9"));
    ck_assert_ptr_nonnull(strstr(plan_run_note(r, 0), "adopted"));
    ck_assert_str_eq(e.trace, "1:skipped 2:running 2:done end:done ");
    plan_run_free(r);
    env_free(&e);
}
END_TEST

START_TEST(test_resume_creates_when_none)
{
    struct env e;
    struct plan_journal j;
    struct plan_run *r;

    env_init(&e);
    fake_add(&e.f, "GET", "/v1/apps/app/machines", 200,
             "[{\"id\":\"m-old\",\"state\":\"started\",\"config\":{}}]", 0);
    fake_add(&e.f, "POST", "/v1/apps/app/machines", 200,
             "{\"id\":\"m10\",\"state\":\"created\"}", 0);
    fake_add(&e.f, "GET", "/v1/apps/app/machines/m10", 200,
             "{\"id\":\"m10\",\"state\":\"started\"}", 0);
    make_journal(&j, create_plan("resume-create"), 0, PLAN_STEP_RUNNING);
    r = plan_run_resume(e.l, e.h, &j, PLAN_RESUME, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_DONE);
    ck_assert_int_eq(fake_count(&e.f, "POST", "/v1/apps/app/machines"), 1);
    ck_assert_str_eq(plan_var(plan_run_plan(r), "new_machine"), "m10");
    plan_run_free(r);

    /* The list cannot be read: nothing is sent, the plan stays open. */
    e.ended = 0;
    make_journal(&j, create_plan("resume-blind"), 0, PLAN_STEP_RUNNING);
    e.f.n_rules = 0;
    fake_add(&e.f, "GET", "/v1/apps/app/machines", 500, "{}", 0);
    r = plan_run_resume(e.l, e.h, &j, PLAN_RESUME, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_REFUSED);
    ck_assert_ptr_nonnull(strstr(plan_run_error(r), "cannot tell whether"));
    ck_assert_int_eq(fake_count(&e.f, "POST", "/v1/apps/app/machines"), 1);
    {
        char *jp = journal_path(&e, "resume-blind"), *cause = NULL;
        struct plan_journal k;

        ck_assert_int_eq(plan_journal_load(jp, &k, &cause), 0);
        ck_assert_int_eq(k.outcome, PLAN_OUTCOME_NONE);
        plan_journal_clear(&k);
        free(jp);
    }
    plan_run_free(r);
    env_free(&e);
}
END_TEST

START_TEST(test_resume_check_and_volume)
{
    struct env e;
    struct plan *p = plan_new("failover", "app", "resume-check");
    struct plan_step *s;
    struct plan_journal j;
    struct plan_run *r;
    char body[512];

    env_init(&e);
    fake_add(&e.f, "GET", "/v1/apps/app/machines/m2", 200,
             "{\"id\":\"m2\",\"state\":\"started\",\"checks\":[{\"name\":"
             "\"role\",\"status\":\"passing\",\"output\":\"primary\\n\"}]}",
             0);
    snprintf(body, sizeof body,
             "[{\"id\":\"vol_old\",\"name\":\"pg_data\",\"region\":\"iad\","
             "\"state\":\"created\",\"created_at\":\"2001-01-01T00:00:00Z\"},"
             "{\"id\":\"vol_att\",\"name\":\"pg_data\",\"region\":\"iad\","
             "\"state\":\"created\",\"attached_machine_id\":\"m1\","
             "\"created_at\":\"2030-01-01T00:00:00Z\"},"
             "{\"id\":\"vol_ams\",\"name\":\"pg_data\",\"region\":\"ams\","
             "\"state\":\"created\",\"created_at\":\"2030-01-01T00:00:00Z\"},"
             "{\"id\":\"vol_new\",\"name\":\"pg_data\",\"region\":\"iad\","
             "\"state\":\"created\",\"created_at\":\"2030-01-01T00:00:00Z\"}"
             "]");
    fake_add(&e.f, "GET", "/v1/apps/app/volumes", 200, body, 0);
    s = plan_add_step(p, "promote m2", "POST", "/apps/app/machines/m2/exec",
                      "{\"command\":[\"repmgr\"]}");
    s->mutates = 1;
    s->reconcile = PLAN_RECONCILE_CHECK;
    s->check = x_calloc(1, sizeof *s->check);
    s->check->req.method = x_strdup("GET");
    s->check->req.path = x_strdup("/apps/app/machines/m2");
    s->check->cond = PLAN_COND_ROLE;
    s->check->cond_arg = x_strdup("primary");
    make_journal(&j, p, 0, PLAN_STEP_FAILED);
    j.outcome = PLAN_OUTCOME_FAILED;
    r = plan_run_resume(e.l, e.h, &j, PLAN_RESUME, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_DONE);
    ck_assert_int_eq(fake_count(&e.f, "POST", "/v1/apps/app/machines/m2/exec"),
                     0);
    ck_assert_ptr_nonnull(strstr(plan_run_note(r, 0), "already done"));
    plan_run_free(r);

    /* A volume create in flight: the new unattached one in the region. */
    e.ended = 0;
    p = plan_new("replica-add", "app", "resume-vol");
    s = plan_add_step(p, "create volume", "POST", "/apps/app/volumes",
                      "{\"name\":\"pg_data\",\"region\":\"iad\"}");
    s->mutates = 1;
    s->capture = PLAN_CAPTURE_ID;
    s->capture_var = x_strdup("vol");
    s->reconcile = PLAN_RECONCILE_FIND_VOLUME;
    make_journal(&j, p, 0, PLAN_STEP_RUNNING);
    j.step_started_ms = 1500000000000LL; /* 2017 */
    r = plan_run_resume(e.l, e.h, &j, PLAN_RESUME, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_DONE);
    ck_assert_str_eq(plan_var(plan_run_plan(r), "vol"), "vol_new");
    ck_assert_int_eq(fake_count(&e.f, "POST", "/v1/apps/app/volumes"), 0);
    plan_run_free(r);
    env_free(&e);
}
END_TEST

START_TEST(test_abort)
{
    struct env e;
    struct plan *p = plan_new("failover", "app", "run-abort");
    struct plan_step *s;
    struct plan_journal j;
    struct plan_run *r;
    const struct seen *sn;
    char *jp;

    env_init(&e);
    leases_ok(&e);
    fake_add(&e.f, "POST", "/v1/apps/app/machines/m1/start", 200,
             "{\"previous_state\":\"stopped\"}", 0);
    fake_add(&e.f, "POST", "/v1/apps/app/machines/m2/stop", 500,
             "{\"error\":\"boom\"}", 0);
    fake_add(&e.f, "GET", "/v1/apps/app/machines/m1", 200,
             "{\"id\":\"m1\",\"state\":\"started\"}", 0);
    plan_add_lease(p, "m1");
    ck_assert_int_eq(plan_set_var(p, "old", "m1"), 0);
    ck_assert_int_eq(plan_set_var(p, "new_machine", NULL), 0);
    s = plan_add_step(p, "stop m1", "POST", "/apps/app/machines/m1/stop", NULL);
    s->mutates = 1;
    plan_add_step(p, "more", "POST", "/apps/app/machines/m1/x", NULL);
    s = plan_add_abort_step(p, "start ${old}", "POST",
                            "/apps/app/machines/${old}/start", NULL);
    s->lease = x_strdup("${old}");
    s->needs = x_strdup("old");
    s = plan_add_abort_step(p, "destroy ${new_machine}", "DELETE",
                            "/apps/app/machines/${new_machine}", NULL);
    s->needs = x_strdup("new_machine");
    plan_add_abort_step(p, "stop m2", "POST", "/apps/app/machines/m2/stop",
                        NULL);
    s = plan_add_abort_step(p, "m1 started", "GET", "/apps/app/machines/m1",
                            NULL);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_MACHINE_STATE;
    s->cond_arg = x_strdup("started");
    make_journal(&j, p, 1, PLAN_STEP_RUNNING);
    j.nonces[0] = x_strdup("nonce-from-the-killed-run");
    r = plan_run_resume(e.l, e.h, &j, PLAN_ABORT, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_ABORTED);
    ck_assert_ptr_nonnull(strstr(plan_run_error(r), "abort step 3 failed"));
    ck_assert_str_eq(e.trace, "a1:running a1:done a2:skipped a3:running "
                              "a3:failed a4:running a4:done end:aborted ");
    /* The lease was taken again with the journaled nonce. */
    sn = fake_find(&e.f, "POST", "/v1/apps/app/machines/m1/lease");
    ck_assert_str_eq(sn->nonce, "nonce-from-the-killed-run");
    sn = fake_find(&e.f, "POST", "/v1/apps/app/machines/m1/start");
    ck_assert_str_eq(sn->nonce, NONCE1);
    ck_assert_int_eq(fake_count(&e.f, "POST", "/v1/apps/app/machines/m1/x"), 0);
    ck_assert_int_eq(plan_run_journal(r)->aborting, 1);
    /* Notes: abort steps have their own; the plan's steps are untouched. */
    ck_assert_str_eq(plan_run_abort_note(r, 1),
                     "skipped: ${new_machine} is not set");
    ck_assert_ptr_nonnull(strstr(plan_run_abort_note(r, 2), "HTTP 500"));
    ck_assert_ptr_null(plan_run_note(r, 0));
    ck_assert_ptr_null(plan_run_abort_note(r, 9));
    ck_assert_int_eq(plan_run_step_elapsed_ms(r, 0), 0);
    ck_assert_int_ge(plan_run_abort_step_elapsed_ms(r, 3), 0);
    ck_assert_int_eq(plan_run_journal(r)->abort_st[2], PLAN_STEP_FAILED);
    ck_assert_int_eq(plan_run_journal(r)->st[1], PLAN_STEP_RUNNING);
    jp = journal_path(&e, "run-abort");
    ck_assert_int_eq(access(jp, F_OK), 0); /* kept: aborted */
    free(jp);
    ck_assert(audit_has(&e, "\"title\":\"abort: start m1\""));
    audit_clean(&e);
    plan_run_free(r);
    env_free(&e);
}
END_TEST

/* A guard abort step that fails stops the abort there: what comes after
 * (the destroy) does not run, the journal stays aborting at that step, and
 * the next abort retries it and goes on. */
START_TEST(test_abort_guard)
{
    struct env e;
    struct plan *p = plan_new("replica-add", "app", "run-guard");
    struct plan_step *s;
    struct plan_journal j;
    struct plan_run *r;
    char *jp, *cause = NULL;

    env_init(&e);
    leases_ok(&e);
    fake_add(&e.f, "POST", "/v1/apps/app/machines/m1/exec", 500,
             "{\"error\":\"boom\"}", 1);
    fake_add(&e.f, "POST", "/v1/apps/app/machines/m1/exec", 200,
             "{\"exit_code\":0,\"stdout\":\"\"}", 0);
    fake_add(&e.f, "DELETE", "/v1/apps/app/machines/m2", 200, "{}", 0);
    plan_add_lease(p, "m1");
    s = plan_add_step(p, "create m2", "POST", "/apps/app/machines", NULL);
    s->mutates = 1;
    s = plan_add_abort_step(p, "unregister m2", "POST",
                            "/apps/app/machines/m1/exec", NULL);
    s->guard = 1;
    plan_add_abort_step(p, "destroy m2", "DELETE", "/apps/app/machines/m2",
                        NULL);
    make_journal(&j, p, 0, PLAN_STEP_RUNNING);
    r = plan_run_resume(e.l, e.h, &j, PLAN_ABORT, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_ABORTED);
    ck_assert_ptr_nonnull(
        strstr(plan_run_error(r), "abort step 1 (unregister m2) failed"));
    ck_assert_ptr_nonnull(strstr(plan_run_error(r), "`pgdeck abort` retries"));
    ck_assert_str_eq(e.trace, "a1:running a1:failed end:aborted ");
    ck_assert_int_eq(fake_count(&e.f, "DELETE", "/v1/apps/app/machines/m2"), 0);
    plan_run_free(r);
    /* The journal on disk: aborting, at the guard; the next abort retries
     * it and then destroys. */
    jp = journal_path(&e, "run-guard");
    ck_assert_int_eq(plan_journal_load(jp, &j, &cause), 0);
    ck_assert_int_eq(j.aborting, 1);
    ck_assert_uint_eq(j.current, 0);
    ck_assert(j.plan->abort_steps[0].guard);
    e.trace[0] = '\0';
    r = plan_run_resume(e.l, e.h, &j, PLAN_ABORT, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_str_eq(e.trace,
                     "a1:running a1:done a2:running a2:done end:aborted ");
    ck_assert_int_eq(fake_count(&e.f, "DELETE", "/v1/apps/app/machines/m2"), 1);
    free(jp);
    audit_clean(&e);
    plan_run_free(r);
    env_free(&e);
}
END_TEST

START_TEST(test_best_effort_and_needs)
{
    struct env e;
    struct plan *p = plan_new("restart", "app", "run-be");
    struct plan_step *s;
    struct plan_run *r;

    env_init(&e);
    fake_add(&e.f, "POST", "/v1/apps/app/machines/m1/x", 500, "{}", 0);
    fake_add(&e.f, "POST", "/v1/apps/app/machines/m1/y", 200, "{}", 0);
    ck_assert_int_eq(plan_set_var(p, "maybe", NULL), 0);
    s = plan_add_step(p, "x", "POST", "/apps/app/machines/m1/x", NULL);
    s->mutates = 1;
    s->best_effort = 1;
    s = plan_add_step(p, "z", "POST", "/apps/app/machines/${maybe}/z", NULL);
    s->needs = x_strdup("maybe");
    s = plan_add_step(p, "y", "POST", "/apps/app/machines/m1/y", NULL);
    s->mutates = 1;
    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_DONE);
    ck_assert_str_eq(e.trace, "1:running 1:failed 2:skipped 3:running 3:done "
                              "end:done ");
    ck_assert_str_eq(plan_run_note(r, 1), "skipped: ${maybe} is not set");
    plan_run_free(r);

    /* A variable never set fails the step that needs it (strictly). */
    e.ended = 0;
    e.trace[0] = '\0';
    p = plan_new("restart", "app", "run-unset");
    ck_assert_int_eq(plan_set_var(p, "later", NULL), 0);
    plan_add_step(p, "y", "POST", "/apps/app/machines/${later}/y", NULL);
    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_REFUSED);
    ck_assert_ptr_nonnull(
        strstr(plan_run_error(r), "variable later is not set"));
    plan_run_free(r);
    env_free(&e);
}
END_TEST

START_TEST(test_detach_and_free_in_callback)
{
    struct env e;
    struct plan *p = plan_new("restart", "app", "run-detach");
    struct plan_step *s;
    struct plan_run *r;
    struct plan_journal j;
    char *jp, *cause = NULL;

    env_init(&e);
    leases_ok(&e);
    plan_add_lease(p, "m1");
    s = plan_add_step(p, "restart", "POST", "/apps/app/machines/m1/restart",
                      NULL);
    s->mutates = 1;
    e.detach_on_running = 1;
    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_NONE);
    ck_assert_int_eq(
        fake_count(&e.f, "DELETE", "/v1/apps/app/machines/m1/lease"), 0);
    jp = journal_path(&e, "run-detach");
    ck_assert_int_eq(plan_journal_load(jp, &j, &cause), 0);
    ck_assert_int_eq(j.outcome, PLAN_OUTCOME_NONE);
    ck_assert_int_eq(j.st[0], PLAN_STEP_RUNNING);
    ck_assert_str_eq(j.nonces[0], NONCE1); /* kept for the resume */
    plan_journal_clear(&j);
    free(jp);
    plan_run_cancel(r); /* no effect after detach */
    plan_run_free(r);

    p = plan_new("restart", "app", "run-free");
    plan_add_step(p, "restart", "POST", "/apps/app/machines/m1/restart", NULL);
    e.detach_on_running = 0;
    e.free_on_running = 1;
    e.run = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_ptr_null(e.run);
    ck_assert_uint_eq(http_pending(e.h), 0);
    env_free(&e);
}
END_TEST

START_TEST(test_lease_refresh)
{
    struct env e;
    struct plan *p = plan_new("restart", "app", "run-refresh");
    struct plan_step *s;
    struct plan_run *r;
    int i, refreshes = 0;

    env_init(&e);
    leases_ok(&e);
    e.opts.lease_ttl_s = 3; /* refreshed every second */
    e.f.slow_path = "/v1/apps/app/machines/m1";
    e.f.slow_refreshes = 2; /* not a time: valgrind slows everything */
    plan_add_lease(p, "m1");
    s = plan_add_step(p, "wait", "GET", "/apps/app/machines/m1", NULL);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_MACHINE_STATE;
    s->cond_arg = x_strdup("started");
    s->interval_ms = 100;
    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_DONE);
    for (i = 0; i < e.f.n_seen; i++)
        if (strcmp(e.f.seen[i].method, "POST") == 0 &&
            strcmp(e.f.seen[i].path, "/v1/apps/app/machines/m1/lease") == 0 &&
            strcmp(e.f.seen[i].nonce, NONCE1) == 0) {
            refreshes++;
            ck_assert_ptr_nonnull(strstr(e.f.seen[i].body, "\"ttl\":3"));
        }
    ck_assert_int_ge(refreshes, 2);
    audit_clean(&e);
    plan_run_free(r);
    env_free(&e);
}
END_TEST

START_TEST(test_unwritable_journal)
{
    struct env e;
    struct plan *p = plan_new("restart", "app", "run-nojournal");
    struct plan_run *r;
    char *file;

    env_init(&e);
    file = unit_write_file(e.tmp, "plain", "x", 0600);
    free(e.jdir);
    e.jdir = x_asprintf("%s/plans", file);
    e.opts.journal_dir = e.jdir;
    plan_add_lease(p, "m1");
    plan_add_step(p, "restart", "POST", "/apps/app/machines/m1/restart", NULL);
    r = plan_run_start(e.l, e.h, p, &e.opts, on_step, &e);
    env_loop(&e);
    ck_assert_int_eq(plan_run_outcome(r), PLAN_OUTCOME_REFUSED);
    ck_assert_ptr_nonnull(strstr(plan_run_error(r), "cannot record the plan"));
    ck_assert_int_eq(e.f.n_seen, 0);
    free(file);
    plan_run_free(r);
    env_free(&e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("plan_run");
    TCase *tc = tcase_create("plan_run");
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_run_done);
    tcase_add_test(tc, test_run_lease_refused);
    tcase_add_test(tc, test_run_unknown);
    tcase_add_test(tc, test_run_refused_then_failed);
    tcase_add_test(tc, test_run_wait_408_4xx_timeout);
    tcase_add_test(tc, test_run_cancel);
    tcase_add_test(tc, test_run_cancel_between_tries_and_call);
    tcase_add_test(tc, test_resume_adopts_machine);
    tcase_add_test(tc, test_resume_creates_when_none);
    tcase_add_test(tc, test_resume_check_and_volume);
    tcase_add_test(tc, test_abort);
    tcase_add_test(tc, test_abort_guard);
    tcase_add_test(tc, test_best_effort_and_needs);
    tcase_add_test(tc, test_detach_and_free_in_callback);
    tcase_add_test(tc, test_lease_refresh);
    tcase_add_test(tc, test_unwritable_journal);
    suite_add_tcase(s, tc);
    rc = unit_run(s);
    curl_global_cleanup();
    return rc;
}

#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/plan.h"
#include "src/plan_impl.h"
#include "src/xmalloc.h"

/*
 * plan: building plans, expanding their templates, their text for people,
 * and the names of the enums (see plan.h).  Pure but for plan_new_id()'s
 * clock and random bits.
 */

static struct plan_step *plan_grow(struct plan_step **v, size_t *n,
                                   const char *title, const char *method,
                                   const char *path, const char *body);
static void plan_step_free(struct plan_step *s);
static void plan_render_step(const struct plan *p, const struct plan_step *s,
                             size_t i, struct buf *out);
static void plan_render_text(const struct plan *p, const char *tmpl,
                             struct buf *out);
static uint32_t plan_random24(void);
static int plan_name_find(const char *const *names, size_t n, const char *s);

static const char *const plan_kind_names[] = {"call", "wait"};
static const char *const plan_cond_names[] = {
    "ok",   "machine_state", "checks_passing",
    "role", "exec_stdout",   "volume_state",
    "gone", "event_since",   "graphql_ok"};
static const char *const plan_capture_names[] = {
    "none",        "id",        "exec_stdout", "needs_restart",
    "snapshot_id", "image_tag", "consul_url",  "secrets_version",
    "instance",    "began"};
static const char *const plan_reconcile_names[] = {"rerun", "find_machine",
                                                   "find_volume", "check"};
static const char *const plan_risk_names[] = {"low", "high"};
static const char *const plan_state_names[] = {"pending", "running", "done",
                                               "skipped", "failed"};
static const char *const plan_outcome_names[] = {
    "none", "done", "refused", "failed", "unknown", "aborted"};

#define PLAN_NAMES_N(a) (sizeof(a) / sizeof((a)[0]))

struct plan *plan_new(const char *action, const char *cluster, const char *id)
{
    struct plan *p = x_calloc(1, sizeof *p);

    p->id = id ? x_strdup(id) : plan_new_id();
    p->action = x_strdup(action ? action : "");
    p->cluster = x_strdup(cluster ? cluster : "");
    p->summary = x_asprintf("%s %s", p->action, p->cluster);
    (void)plan_set_var(p, "app", p->cluster);
    return p;
}

static void plan_step_free(struct plan_step *s)
{
    free(s->title);
    free(s->req.method);
    free(s->req.path);
    free(s->req.body);
    free(s->lease);
    free(s->cond_arg);
    free(s->capture_var);
    free(s->tag);
    if (s->check) {
        free(s->check->req.method);
        free(s->check->req.path);
        free(s->check->req.body);
        free(s->check->cond_arg);
        free(s->check);
    }
    free(s->needs);
    free(s->boot);
}

void plan_free(struct plan *p)
{
    size_t i;

    if (!p)
        return;
    free(p->id);
    free(p->action);
    free(p->cluster);
    free(p->summary);
    for (i = 0; i < p->n_warnings; i++)
        free(p->warnings[i]);
    free(p->warnings);
    for (i = 0; i < p->n_leases; i++)
        free(p->leases[i]);
    free(p->leases);
    for (i = 0; i < p->n_steps; i++)
        plan_step_free(&p->steps[i]);
    free(p->steps);
    for (i = 0; i < p->n_abort_steps; i++)
        plan_step_free(&p->abort_steps[i]);
    free(p->abort_steps);
    for (i = 0; i < p->n_vars; i++) {
        free(p->vars[i].name);
        free(p->vars[i].value);
    }
    free(p);
}

/* 24 bits from /dev/urandom, else from the clock and the pid. */
static uint32_t plan_random24(void)
{
    unsigned char b[3];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    struct timespec ts;

    if (fd >= 0) {
        ssize_t n = read(fd, b, sizeof b);

        close(fd);
        if (n == (ssize_t)sizeof b)
            return (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint32_t)ts.tv_nsec ^ (uint32_t)getpid() << 8) & 0xffffffu;
}

char *plan_new_id(void)
{
    time_t t = time(NULL);
    struct tm tm;
    char when[32];

    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
    return x_asprintf("%s-%06x", when, (unsigned)plan_random24());
}

static struct plan_step *plan_grow(struct plan_step **v, size_t *n,
                                   const char *title, const char *method,
                                   const char *path, const char *body)
{
    struct plan_step *s;

    *v = x_reallocarray(*v, *n + 1, sizeof **v);
    s = &(*v)[(*n)++];
    memset(s, 0, sizeof *s);
    s->title = x_strdup(title ? title : "");
    s->kind = PLAN_STEP_CALL;
    s->req.method = x_strdup(method ? method : "GET");
    s->req.path = x_strdup(path ? path : "/");
    s->req.body = body ? x_strdup(body) : NULL;
    s->cond = PLAN_COND_OK;
    s->capture = PLAN_CAPTURE_NONE;
    s->reconcile = PLAN_RECONCILE_RERUN;
    return s;
}

struct plan_step *plan_add_step(struct plan *p, const char *title,
                                const char *method, const char *path,
                                const char *body)
{
    return plan_grow(&p->steps, &p->n_steps, title, method, path, body);
}

struct plan_step *plan_add_abort_step(struct plan *p, const char *title,
                                      const char *method, const char *path,
                                      const char *body)
{
    return plan_grow(&p->abort_steps, &p->n_abort_steps, title, method, path,
                     body);
}

void plan_add_warning(struct plan *p, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    p->warnings =
        x_reallocarray(p->warnings, p->n_warnings + 1, sizeof *p->warnings);
    p->warnings[p->n_warnings++] = x_vasprintf(fmt, ap);
    va_end(ap);
}

void plan_add_lease(struct plan *p, const char *id)
{
    size_t i;

    for (i = 0; i < p->n_leases; i++)
        if (strcmp(p->leases[i], id) == 0)
            return;
    p->leases = x_reallocarray(p->leases, p->n_leases + 1, sizeof *p->leases);
    p->leases[p->n_leases++] = x_strdup(id);
}

int plan_var_name_valid(const char *s)
{
    size_t i;

    if (!s || !*s || strlen(s) > 64)
        return 0;
    for (i = 0; s[i]; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_'))
            return 0;
    return 1;
}

int plan_id_valid(const char *s)
{
    size_t i;

    if (!s || !*s || s[0] == '.' || strlen(s) > 128)
        return 0;
    for (i = 0; s[i]; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' ||
              s[i] == '-'))
            return 0;
    return 1;
}

int plan_set_var(struct plan *p, const char *name, const char *value)
{
    size_t i;

    if (!plan_var_name_valid(name))
        return -1;
    for (i = 0; i < p->n_vars; i++) {
        if (strcmp(p->vars[i].name, name) == 0) {
            free(p->vars[i].value);
            p->vars[i].value = value ? x_strdup(value) : NULL;
            return 0;
        }
    }
    if (p->n_vars >= PLAN_MAX_VARS)
        return -1;
    p->vars[p->n_vars].name = x_strdup(name);
    p->vars[p->n_vars].value = value ? x_strdup(value) : NULL;
    p->n_vars++;
    return 0;
}

const char *plan_var(const struct plan *p, const char *name)
{
    size_t i;

    if (!name)
        return NULL;
    for (i = 0; i < p->n_vars; i++)
        if (strcmp(p->vars[i].name, name) == 0)
            return p->vars[i].value;
    return NULL;
}

/* The declared variable named by the N bytes at S, or NULL. */
static const struct plan_var *plan_var_n(const struct plan *p, const char *s,
                                         size_t n)
{
    size_t i;

    for (i = 0; i < p->n_vars; i++)
        if (strlen(p->vars[i].name) == n && strncmp(p->vars[i].name, s, n) == 0)
            return &p->vars[i];
    return NULL;
}

char *plan_expand(const struct plan *p, const char *tmpl, int strict,
                  char **cause)
{
    struct buf b = BUF_INIT;
    const char *s = tmpl, *open, *close;
    const struct plan_var *v;

    if (!tmpl)
        return NULL;
    buf_puts(&b, "");
    for (;;) {
        open = strstr(s, "${");
        if (!open) {
            buf_puts(&b, s);
            break;
        }
        buf_append(&b, s, (size_t)(open - s));
        close = strchr(open + 2, '}');
        /* "${num:NAME}", quotes included: the number NAME holds, bare. */
        v = close && strncmp(open + 2, "num:", 4) == 0
                ? plan_var_n(p, open + 6, (size_t)(close - open - 6))
                : NULL;
        if (v && open > tmpl && open[-1] == '"' && close[1] == '"' &&
            v->value && v->value[0] &&
            strspn(v->value, "0123456789") == strlen(v->value)) {
            b.len--; /* the opening quote */
            buf_puts(&b, v->value);
            s = close + 2;
            continue;
        }
        if (v && strict) {
            if (cause)
                *cause = x_asprintf("variable %s is not a number (or not "
                                    "set)",
                                    v->name);
            buf_free(&b);
            return NULL;
        }
        v = close ? plan_var_n(p, open + 2, (size_t)(close - open - 2)) : NULL;
        if (!v) {
            /* Not one of ours: copy "${" and go on after it. */
            buf_append(&b, open, 2);
            s = open + 2;
            continue;
        }
        if (v->value) {
            buf_puts(&b, v->value);
        } else if (strict) {
            if (cause)
                *cause = x_asprintf("variable %s is not set", v->name);
            buf_free(&b);
            return NULL;
        } else {
            buf_append(&b, open, (size_t)(close - open + 1));
        }
        s = close + 1;
    }
    return buf_steal(&b);
}

/* ---- the text for people ---- */

static void plan_render_text(const struct plan *p, const char *tmpl,
                             struct buf *out)
{
    char *t = plan_expand(p, tmpl, 0, NULL);

    buf_puts(out, t ? t : "");
    free(t);
}

static void plan_render_step(const struct plan *p, const struct plan_step *s,
                             size_t i, struct buf *out)
{
    char *cond;
    int64_t timeout;

    buf_printf(out, "  %2zu. ", i + 1);
    plan_render_text(p, s->title, out);
    if (s->mutates)
        buf_puts(out, "  [changes]");
    buf_puts(out, "\n      ");
    if (s->graphql) {
        buf_printf(out, "%s %s (Fly's GraphQL API)", s->req.method,
                   s->req.path);
    } else {
        buf_printf(out, "%s /v1", s->req.method);
        plan_render_text(p, s->req.path, out);
    }
    buf_puts(out, "\n");
    if (s->req.body) {
        buf_puts(out, "      body: ");
        plan_render_text(p, s->req.body, out);
        buf_puts(out, "\n");
    }
    if (s->lease) {
        buf_puts(out, "      lease: ");
        plan_render_text(p, s->lease, out);
        buf_puts(out, "\n");
    }
    cond = plan_cond_text(s->cond, s->cond_arg);
    if (s->kind == PLAN_STEP_WAIT) {
        timeout = s->timeout_ms > 0 ? s->timeout_ms : PLAN_DEFAULT_WAIT_MS;
        buf_printf(out, "      until %s (timeout %lld s, every %lld ms)\n",
                   cond, (long long)((timeout + 999) / 1000),
                   (long long)(s->interval_ms > 0 ? s->interval_ms
                                                  : PLAN_WAIT_INTERVAL_MS));
    } else if (s->cond != PLAN_COND_OK || s->timeout_ms > 0) {
        buf_printf(out, "      expect %s", cond);
        if (s->timeout_ms > 0)
            buf_printf(out, " (timeout %lld s)",
                       (long long)((s->timeout_ms + 999) / 1000));
        buf_puts(out, "\n");
    }
    free(cond);
    if (s->capture != PLAN_CAPTURE_NONE && s->capture_var)
        buf_printf(out, "      keeps %s as ${%s%s}\n",
                   s->capture == PLAN_CAPTURE_ID ? "the answer's id"
                   : s->capture == PLAN_CAPTURE_NEEDS_RESTART
                       ? "whether the answer says needs_restart"
                   : s->capture == PLAN_CAPTURE_SNAPSHOT_ID
                       ? "the snapshot's id (when the answer names it)"
                   : s->capture == PLAN_CAPTURE_IMAGE_TAG ? "the image"
                   : s->capture == PLAN_CAPTURE_CONSUL_URL
                       ? "the Consul URL (a secret, never shown)"
                   : s->capture == PLAN_CAPTURE_SECRETS_VERSION
                       ? "the secrets version"
                   : s->capture == PLAN_CAPTURE_INSTANCE
                       ? "the machine's new instance_id"
                   : s->capture == PLAN_CAPTURE_BEGAN ? "the time it was sent"
                                                      : "the command's output",
                   s->capture == PLAN_CAPTURE_CONSUL_URL ? "secret:" : "",
                   s->capture_var);
    if (s->boot) {
        buf_puts(out, "      only an answer about the new boot counts: ");
        plan_render_text(p, s->boot, out);
        buf_puts(out, "\n");
    }
    if (s->needs)
        buf_printf(out, "      only when ${%s} is known\n", s->needs);
    if (s->guard)
        buf_puts(out, "      a failure stops the abort here: nothing after "
                      "it runs\n");
    else if (s->best_effort)
        buf_puts(out, "      best effort: a failure does not stop the plan\n");
}

void plan_render(const struct plan *p, struct buf *out)
{
    size_t i, k;

    buf_printf(out, "plan %s: %s\n", p->id, p->summary);
    buf_printf(out, "action %s on %s, risk %s\n", p->action, p->cluster,
               p->risk == PLAN_RISK_HIGH
                   ? "HIGH (type the cluster name to confirm)"
                   : "low");
    if (p->n_warnings) {
        buf_puts(out, "\nwarnings:\n");
        for (i = 0; i < p->n_warnings; i++)
            buf_printf(out, "  ! %s\n", p->warnings[i]);
    }
    buf_printf(
        out, "\nleases (held for the whole run, ttl %d s):", PLAN_LEASE_TTL_S);
    if (!p->n_leases)
        buf_puts(out, " none");
    buf_puts(out, "\n");
    for (i = 0; i < p->n_leases; i++) {
        buf_puts(out, "  - ");
        plan_render_text(p, p->leases[i], out);
        buf_puts(out, "\n");
    }
    buf_printf(out, "\nsteps (%zu):\n", p->n_steps);
    for (i = 0; i < p->n_steps; i++)
        plan_render_step(p, &p->steps[i], i, out);
    buf_puts(out, "\non abort (best effort, `pgdeck abort`):");
    if (!p->n_abort_steps)
        buf_puts(out, " nothing to undo; the leases are released");
    buf_puts(out, "\n");
    for (i = 0; i < p->n_abort_steps; i++)
        plan_render_step(p, &p->abort_steps[i], i, out);
    k = 0;
    for (i = 0; i < p->n_vars; i++) {
        if (p->vars[i].value)
            continue;
        buf_printf(out, "%s${%s}",
                   k++ ? ", " : "\nknown only once it runs: ", p->vars[i].name);
    }
    if (k)
        buf_puts(out, " (from the answers of earlier steps)\n");
}

/* ---- names ---- */

static int plan_name_find(const char *const *names, size_t n, const char *s)
{
    size_t i;

    if (!s)
        return -1;
    for (i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

#define PLAN_NAME_FUNCS(fn, tbl, type)                                         \
    const char *plan_##fn##_name(type v)                                       \
    {                                                                          \
        if ((size_t)v >= PLAN_NAMES_N(tbl))                                    \
            return "?";                                                        \
        return tbl[v];                                                         \
    }                                                                          \
    int plan_##fn##_parse(const char *s, type *out)                            \
    {                                                                          \
        int i = plan_name_find(tbl, PLAN_NAMES_N(tbl), s);                     \
                                                                               \
        if (i < 0)                                                             \
            return -1;                                                         \
        *out = (type)i;                                                        \
        return 0;                                                              \
    }

PLAN_NAME_FUNCS(kind, plan_kind_names, enum plan_step_kind)
PLAN_NAME_FUNCS(cond, plan_cond_names, enum plan_cond)
PLAN_NAME_FUNCS(capture, plan_capture_names, enum plan_capture)
PLAN_NAME_FUNCS(reconcile, plan_reconcile_names, enum plan_reconcile)
PLAN_NAME_FUNCS(risk, plan_risk_names, enum plan_risk)
PLAN_NAME_FUNCS(step_state, plan_state_names, enum plan_step_state)
PLAN_NAME_FUNCS(outcome, plan_outcome_names, enum plan_outcome)

int64_t plan_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void plan_iso_time(int64_t ms, char *out, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char when[32];

    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, len, "%s.%03dZ", when, (int)(ms % 1000));
}

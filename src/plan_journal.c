#include "config.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/api.h"
#include "src/buf.h"
#include "src/paths.h"
#include "src/plan.h"
#include "src/plan_impl.h"
#include "src/xmalloc.h"

/*
 * plan_journal: a plan and where it stands, as JSON on disk (plan.h).
 * Loading trusts nothing: every field is checked for presence, type and
 * range, and the first problem is reported as "FILE: FIELD: what".
 */

#define JOURNAL_FORMAT "pgdeck-plan-journal"
#define JOURNAL_VERSION 1
#define JOURNAL_MAX_BYTES (8u * 1024u * 1024u)
#define JOURNAL_MAX_ITEMS 10000

/* The loader's state: the file for messages, the first error. */
struct jl {
    const char *file;
    char *err;
};

static int jl_fail(struct jl *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static const cJSON *jl_get(struct jl *c, const cJSON *o, const char *field,
                           const char *key);
static int jl_str(struct jl *c, const cJSON *o, const char *field,
                  const char *key, int nullable, char **out);
static int jl_int(struct jl *c, const cJSON *o, const char *field,
                  const char *key, int64_t *out);
static int jl_bool(struct jl *c, const cJSON *o, const char *field,
                   const char *key, int *out);
static const cJSON *jl_array(struct jl *c, const cJSON *o, const char *field,
                             const char *key, size_t *n);
static int jl_step(struct jl *c, const cJSON *o, const char *field,
                   struct plan_step *s);
static int jl_plan(struct jl *c, const cJSON *o, struct plan *p);
static int jl_states(struct jl *c, const cJSON *o, const char *key, size_t n,
                     enum plan_step_state **out);
static cJSON *journal_step_json(const struct plan_step *s);
static void journal_add_str(cJSON *o, const char *key, const char *v);
static char *journal_read(const char *file, char **cause);

char *plan_journal_dir(void)
{
    char *s = paths_state_dir(), *d;

    d = x_asprintf("%s/plans", s);
    free(s);
    return d;
}

/* ---- saving ---- */

static void journal_add_str(cJSON *o, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static cJSON *journal_step_json(const struct plan_step *s)
{
    cJSON *o = cJSON_CreateObject(), *k;

    journal_add_str(o, "title", s->title);
    cJSON_AddStringToObject(o, "kind", plan_kind_name(s->kind));
    journal_add_str(o, "method", s->req.method);
    journal_add_str(o, "path", s->req.path);
    journal_add_str(o, "body", s->req.body);
    journal_add_str(o, "lease", s->lease);
    cJSON_AddStringToObject(o, "cond", plan_cond_name(s->cond));
    journal_add_str(o, "cond_arg", s->cond_arg);
    cJSON_AddNumberToObject(o, "timeout_ms", (double)s->timeout_ms);
    cJSON_AddNumberToObject(o, "interval_ms", (double)s->interval_ms);
    cJSON_AddStringToObject(o, "capture", plan_capture_name(s->capture));
    journal_add_str(o, "capture_var", s->capture_var);
    cJSON_AddStringToObject(o, "reconcile", plan_reconcile_name(s->reconcile));
    journal_add_str(o, "tag", s->tag);
    if (s->check) {
        k = cJSON_AddObjectToObject(o, "check");
        journal_add_str(k, "method", s->check->req.method);
        journal_add_str(k, "path", s->check->req.path);
        journal_add_str(k, "body", s->check->req.body);
        cJSON_AddStringToObject(k, "cond", plan_cond_name(s->check->cond));
        journal_add_str(k, "cond_arg", s->check->cond_arg);
    } else {
        cJSON_AddNullToObject(o, "check");
    }
    cJSON_AddBoolToObject(o, "mutates", s->mutates);
    cJSON_AddBoolToObject(o, "best_effort", s->best_effort);
    cJSON_AddBoolToObject(o, "guard", s->guard);
    if (s->graphql)
        cJSON_AddBoolToObject(o, "graphql", 1);
    journal_add_str(o, "needs", s->needs);
    journal_add_str(o, "boot", s->boot);
    return o;
}

int plan_journal_save(const struct plan_journal *j, const char *dir,
                      char **cause)
{
    const struct plan *p = j->plan;
    cJSON *o, *po, *a, *v;
    char *text, *path, *tmp;
    size_t i, len, off = 0;
    ssize_t w;
    char host[256];
    int fd, rc = -1;

    if (!p || !plan_id_valid(p->id)) {
        if (cause)
            *cause = x_strdup("the plan has no usable id");
        return -1;
    }
    if (paths_mkdirs(dir, cause) != 0)
        return -1;
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "format", JOURNAL_FORMAT);
    cJSON_AddNumberToObject(o, "version", JOURNAL_VERSION);
    journal_add_str(o, "context", j->context);
    cJSON_AddNumberToObject(o, "owner_pid", (double)getpid());
    if (gethostname(host, sizeof host) != 0)
        host[0] = '\0';
    host[sizeof host - 1] = '\0';
    cJSON_AddStringToObject(o, "owner_host", host);
    cJSON_AddNumberToObject(o, "current", (double)j->current);
    cJSON_AddNumberToObject(o, "started_ms", (double)j->started_ms);
    cJSON_AddNumberToObject(o, "step_started_ms", (double)j->step_started_ms);
    cJSON_AddStringToObject(o, "outcome", plan_outcome_name(j->outcome));
    journal_add_str(o, "error", j->error);
    cJSON_AddBoolToObject(o, "aborting", j->aborting);
    a = cJSON_AddArrayToObject(o, "states");
    for (i = 0; i < p->n_steps; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(plan_step_state_name(
                                    j->st ? j->st[i] : PLAN_STEP_PENDING)));
    a = cJSON_AddArrayToObject(o, "abort_states");
    for (i = 0; i < p->n_abort_steps; i++)
        cJSON_AddItemToArray(
            a, cJSON_CreateString(plan_step_state_name(
                   j->abort_st ? j->abort_st[i] : PLAN_STEP_PENDING)));
    a = cJSON_AddArrayToObject(o, "nonces");
    for (i = 0; i < p->n_leases; i++)
        cJSON_AddItemToArray(a, j->nonces && j->nonces[i]
                                    ? cJSON_CreateString(j->nonces[i])
                                    : cJSON_CreateNull());

    po = cJSON_AddObjectToObject(o, "plan");
    cJSON_AddStringToObject(po, "id", p->id);
    journal_add_str(po, "action", p->action);
    journal_add_str(po, "cluster", p->cluster);
    journal_add_str(po, "summary", p->summary);
    cJSON_AddStringToObject(po, "risk", plan_risk_name(p->risk));
    a = cJSON_AddArrayToObject(po, "warnings");
    for (i = 0; i < p->n_warnings; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(p->warnings[i]));
    a = cJSON_AddArrayToObject(po, "leases");
    for (i = 0; i < p->n_leases; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(p->leases[i]));
    a = cJSON_AddArrayToObject(po, "vars");
    for (i = 0; i < p->n_vars; i++) {
        v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "name", p->vars[i].name);
        journal_add_str(v, "value", p->vars[i].value);
        cJSON_AddItemToArray(a, v);
    }
    a = cJSON_AddArrayToObject(po, "steps");
    for (i = 0; i < p->n_steps; i++)
        cJSON_AddItemToArray(a, journal_step_json(&p->steps[i]));
    a = cJSON_AddArrayToObject(po, "abort_steps");
    for (i = 0; i < p->n_abort_steps; i++)
        cJSON_AddItemToArray(a, journal_step_json(&p->abort_steps[i]));
    text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text) {
        if (cause)
            *cause = x_strdup("cannot format the journal");
        return -1;
    }

    path = x_asprintf("%s/%s.json", dir, p->id);
    tmp = x_asprintf("%s/.%s.json.tmp.%ld", dir, p->id, (long)getpid());
    len = strlen(text);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        while (off < len) {
            w = write(fd, text + off, len - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        if (off == len && close(fd) == 0)
            rc = rename(tmp, path) == 0 ? 0 : -1;
        else if (off != len)
            close(fd);
    }
    if (rc != 0) {
        if (cause)
            *cause = x_asprintf("cannot write %s: %s", path, strerror(errno));
        (void)unlink(tmp);
    }
    free(tmp);
    free(path);
    free(text);
    return rc;
}

/* ---- loading ---- */

static int jl_fail(struct jl *c, const char *field, const char *fmt, ...)
{
    va_list ap;
    char *what;

    if (c->err)
        return -1;
    va_start(ap, fmt);
    what = x_vasprintf(fmt, ap);
    va_end(ap);
    c->err = field && *field ? x_asprintf("%s: %s: %s", c->file, field, what)
                             : x_asprintf("%s: %s", c->file, what);
    free(what);
    return -1;
}

/* "FIELD.KEY" (or KEY at the top); owned. */
static char *jl_name(const char *field, const char *key)
{
    return field && *field ? x_asprintf("%s.%s", field, key) : x_strdup(key);
}

static const cJSON *jl_get(struct jl *c, const cJSON *o, const char *field,
                           const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    char *n;

    if (!v) {
        n = jl_name(field, key);
        jl_fail(c, n, "missing");
        free(n);
    }
    return v;
}

static int jl_str(struct jl *c, const cJSON *o, const char *field,
                  const char *key, int nullable, char **out)
{
    const cJSON *v = jl_get(c, o, field, key);
    char *n;

    *out = NULL;
    if (!v)
        return -1;
    if (nullable && cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v)) {
        n = jl_name(field, key);
        jl_fail(c, n, "expected a string%s, got %s", nullable ? " or null" : "",
                api_cjson_type(v));
        free(n);
        return -1;
    }
    *out = x_strdup(v->valuestring);
    return 0;
}

static int jl_int(struct jl *c, const cJSON *o, const char *field,
                  const char *key, int64_t *out)
{
    const cJSON *v = jl_get(c, o, field, key);
    double d;
    char *n;

    *out = 0;
    if (!v)
        return -1;
    d = cJSON_IsNumber(v) ? v->valuedouble : -1;
    /* Whole: no fraction left after truncation (no float ==). */
    if (!cJSON_IsNumber(v) || d < 0 || d > 9007199254740992.0 ||
        d - (double)(int64_t)d > 0) {
        n = jl_name(field, key);
        if (!cJSON_IsNumber(v))
            jl_fail(c, n, "expected a number, got %s", api_cjson_type(v));
        else
            jl_fail(c, n, "expected a whole number >= 0, got %g", d);
        free(n);
        return -1;
    }
    *out = (int64_t)d;
    return 0;
}

static int jl_bool(struct jl *c, const cJSON *o, const char *field,
                   const char *key, int *out)
{
    const cJSON *v = jl_get(c, o, field, key);
    char *n;

    *out = 0;
    if (!v)
        return -1;
    if (!cJSON_IsBool(v)) {
        n = jl_name(field, key);
        jl_fail(c, n, "expected true or false, got %s", api_cjson_type(v));
        free(n);
        return -1;
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

static const cJSON *jl_array(struct jl *c, const cJSON *o, const char *field,
                             const char *key, size_t *n)
{
    const cJSON *v = jl_get(c, o, field, key);
    char *nm;
    int k;

    *n = 0;
    if (!v)
        return NULL;
    if (!cJSON_IsArray(v)) {
        nm = jl_name(field, key);
        jl_fail(c, nm, "expected an array, got %s", api_cjson_type(v));
        free(nm);
        return NULL;
    }
    k = cJSON_GetArraySize(v);
    if (k > JOURNAL_MAX_ITEMS) {
        nm = jl_name(field, key);
        jl_fail(c, nm, "too many entries (%d)", k);
        free(nm);
        return NULL;
    }
    *n = (size_t)k;
    return v;
}

/* An enum by name: NAME is checked with PARSE into OUT. */
#define JL_ENUM(c, o, field, key, parse, out, what)                            \
    do {                                                                       \
        char *s_ = NULL, *n_;                                                  \
                                                                               \
        if (jl_str(c, o, field, key, 0, &s_) != 0)                             \
            return -1;                                                         \
        if (parse(s_, out) != 0) {                                             \
            n_ = jl_name(field, key);                                          \
            jl_fail(c, n_, "unknown %s \"%s\"", what, s_);                     \
            free(n_);                                                          \
            free(s_);                                                          \
            return -1;                                                         \
        }                                                                      \
        free(s_);                                                              \
    } while (0)

static int jl_method_ok(const char *m)
{
    return m && (strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0 ||
                 strcmp(m, "PUT") == 0 || strcmp(m, "DELETE") == 0);
}

/* A request's method, path and body at O into REQ. */
static int jl_request(struct jl *c, const cJSON *o, const char *field,
                      struct plan_request *req)
{
    char *n;

    if (jl_str(c, o, field, "method", 0, &req->method) != 0 ||
        jl_str(c, o, field, "path", 0, &req->path) != 0 ||
        jl_str(c, o, field, "body", 1, &req->body) != 0)
        return -1;
    if (!jl_method_ok(req->method)) {
        n = jl_name(field, "method");
        jl_fail(c, n, "unknown method \"%s\"", req->method);
        free(n);
        return -1;
    }
    if (req->path[0] != '/') {
        n = jl_name(field, "path");
        jl_fail(c, n, "must start with '/'");
        free(n);
        return -1;
    }
    return 0;
}

/* A variable name at O[KEY] (nullable), checked. */
static int jl_varname(struct jl *c, const cJSON *o, const char *field,
                      const char *key, char **out)
{
    char *n;

    if (jl_str(c, o, field, key, 1, out) != 0)
        return -1;
    if (*out && !plan_var_name_valid(*out)) {
        n = jl_name(field, key);
        jl_fail(c, n, "\"%s\" is not a variable name", *out);
        free(n);
        return -1;
    }
    return 0;
}

static int jl_step(struct jl *c, const cJSON *o, const char *field,
                   struct plan_step *s)
{
    const cJSON *k;
    int64_t t;
    char *n;

    if (!cJSON_IsObject(o))
        return jl_fail(c, field, "expected an object, got %s",
                       api_cjson_type(o));
    if (jl_str(c, o, field, "title", 0, &s->title) != 0 ||
        jl_request(c, o, field, &s->req) != 0 ||
        jl_str(c, o, field, "lease", 1, &s->lease) != 0 ||
        jl_str(c, o, field, "cond_arg", 1, &s->cond_arg) != 0 ||
        jl_varname(c, o, field, "capture_var", &s->capture_var) != 0 ||
        jl_str(c, o, field, "tag", 1, &s->tag) != 0 ||
        jl_varname(c, o, field, "needs", &s->needs) != 0 ||
        jl_bool(c, o, field, "mutates", &s->mutates) != 0 ||
        jl_bool(c, o, field, "best_effort", &s->best_effort) != 0)
        return -1;
    /* Journals written before "guard" existed have none: not a guard. */
    if (cJSON_GetObjectItemCaseSensitive(o, "guard") &&
        jl_bool(c, o, field, "guard", &s->guard) != 0)
        return -1;
    /* Nor "graphql": a Machines API call. */
    if (cJSON_GetObjectItemCaseSensitive(o, "graphql") &&
        jl_bool(c, o, field, "graphql", &s->graphql) != 0)
        return -1;
    /* Nor "boot": their waits take any boot, as they did. */
    if (cJSON_GetObjectItemCaseSensitive(o, "boot") &&
        jl_str(c, o, field, "boot", 1, &s->boot) != 0)
        return -1;
    JL_ENUM(c, o, field, "kind", plan_kind_parse, &s->kind, "step kind");
    JL_ENUM(c, o, field, "cond", plan_cond_parse, &s->cond, "condition");
    JL_ENUM(c, o, field, "capture", plan_capture_parse, &s->capture, "capture");
    JL_ENUM(c, o, field, "reconcile", plan_reconcile_parse, &s->reconcile,
            "reconcile rule");
    if (jl_int(c, o, field, "timeout_ms", &t) != 0)
        return -1;
    s->timeout_ms = t;
    if (jl_int(c, o, field, "interval_ms", &t) != 0)
        return -1;
    s->interval_ms = t;
    k = jl_get(c, o, field, "check");
    if (!k)
        return -1;
    if (!cJSON_IsNull(k)) {
        n = jl_name(field, "check");
        if (!cJSON_IsObject(k)) {
            jl_fail(c, n, "expected an object or null, got %s",
                    api_cjson_type(k));
            free(n);
            return -1;
        }
        s->check = x_calloc(1, sizeof *s->check);
        if (jl_request(c, k, n, &s->check->req) != 0 ||
            jl_str(c, k, n, "cond_arg", 1, &s->check->cond_arg) != 0) {
            free(n);
            return -1;
        }
        {
            char *cs = NULL;

            if (jl_str(c, k, n, "cond", 0, &cs) != 0 ||
                plan_cond_parse(cs, &s->check->cond) != 0) {
                char *cn = jl_name(n, "cond");

                if (cs)
                    jl_fail(c, cn, "unknown condition \"%s\"", cs);
                free(cn);
                free(cs);
                free(n);
                return -1;
            }
            free(cs);
        }
        free(n);
    }
    if (s->capture != PLAN_CAPTURE_NONE && !s->capture_var)
        return jl_fail(c, field, "a capture without capture_var");
    if (s->reconcile == PLAN_RECONCILE_FIND_MACHINE && !s->tag)
        return jl_fail(c, field, "reconcile find_machine without a tag");
    if (s->reconcile == PLAN_RECONCILE_CHECK && !s->check)
        return jl_fail(c, field, "reconcile check without a check");
    return 0;
}

/* The steps array O[KEY] into *V, *N. */
static int jl_steps(struct jl *c, const cJSON *o, const char *key,
                    struct plan_step **v, size_t *n)
{
    size_t k, i;
    const cJSON *a = jl_array(c, o, "plan", key, &k);
    char *f;
    int rc;

    if (!a)
        return -1;
    *v = k ? x_calloc(k, sizeof **v) : NULL;
    for (i = 0; i < k; i++) {
        f = x_asprintf("plan.%s[%zu]", key, i);
        *n = i + 1; /* what is there so far is freed by plan_free */
        rc = jl_step(c, cJSON_GetArrayItem(a, (int)i), f, &(*v)[i]);
        free(f);
        if (rc != 0)
            return -1;
    }
    *n = k;
    return 0;
}

/* An array of strings O[KEY] into *V, *N. */
static int jl_strings(struct jl *c, const cJSON *o, const char *field,
                      const char *key, char ***v, size_t *n)
{
    size_t k, i;
    const cJSON *a = jl_array(c, o, field, key, &k), *e;
    char *f;

    if (!a)
        return -1;
    *v = k ? x_calloc(k, sizeof **v) : NULL;
    for (i = 0; i < k; i++) {
        e = cJSON_GetArrayItem(a, (int)i);
        if (!cJSON_IsString(e)) {
            f = x_asprintf("%s.%s[%zu]", field, key, i);
            jl_fail(c, f, "expected a string, got %s", api_cjson_type(e));
            free(f);
            *n = i;
            return -1;
        }
        (*v)[i] = x_strdup(e->valuestring);
        *n = i + 1;
    }
    return 0;
}

static int jl_plan(struct jl *c, const cJSON *o, struct plan *p)
{
    const cJSON *a, *e;
    size_t k, i, m;
    char *f, *name = NULL, *value = NULL;

    if (!cJSON_IsObject(o))
        return jl_fail(c, "plan", "expected an object, got %s",
                       api_cjson_type(o));
    if (jl_str(c, o, "plan", "id", 0, &p->id) != 0 ||
        jl_str(c, o, "plan", "action", 0, &p->action) != 0 ||
        jl_str(c, o, "plan", "cluster", 0, &p->cluster) != 0 ||
        jl_str(c, o, "plan", "summary", 0, &p->summary) != 0)
        return -1;
    if (!plan_id_valid(p->id))
        return jl_fail(c, "plan.id", "\"%s\" is not a plan id", p->id);
    JL_ENUM(c, o, "plan", "risk", plan_risk_parse, &p->risk, "risk");
    if (jl_strings(c, o, "plan", "warnings", &p->warnings, &p->n_warnings) !=
            0 ||
        jl_strings(c, o, "plan", "leases", &p->leases, &p->n_leases) != 0)
        return -1;
    a = jl_array(c, o, "plan", "vars", &k);
    if (!a)
        return -1;
    if (k > PLAN_MAX_VARS)
        return jl_fail(c, "plan.vars", "%zu variables, at most %d", k,
                       PLAN_MAX_VARS);
    for (i = 0; i < k; i++) {
        e = cJSON_GetArrayItem(a, (int)i);
        f = x_asprintf("plan.vars[%zu]", i);
        if (!cJSON_IsObject(e)) {
            jl_fail(c, f, "expected an object, got %s", api_cjson_type(e));
            free(f);
            return -1;
        }
        if (jl_str(c, e, f, "name", 0, &name) != 0 ||
            jl_str(c, e, f, "value", 1, &value) != 0) {
            free(name);
            free(f);
            return -1;
        }
        for (m = 0; m < p->n_vars && plan_var_name_valid(name); m++)
            if (strcmp(p->vars[m].name, name) == 0)
                break;
        if (!plan_var_name_valid(name) || m < p->n_vars) {
            char *fn = jl_name(f, "name");

            jl_fail(c, fn, "\"%s\" is %s", name,
                    m < p->n_vars ? "declared twice" : "not a variable name");
            free(fn);
            free(name);
            free(value);
            free(f);
            return -1;
        }
        (void)plan_set_var(p, name, value);
        free(name);
        free(value);
        name = value = NULL;
        free(f);
    }
    return jl_steps(c, o, "steps", &p->steps, &p->n_steps) != 0 ||
                   jl_steps(c, o, "abort_steps", &p->abort_steps,
                            &p->n_abort_steps) != 0
               ? -1
               : 0;
}

static int jl_states(struct jl *c, const cJSON *o, const char *key, size_t n,
                     enum plan_step_state **out)
{
    size_t k, i;
    const cJSON *a = jl_array(c, o, "", key, &k), *e;
    char *f;

    if (!a)
        return -1;
    if (k != n)
        return jl_fail(c, key, "%zu entries for %zu steps", k, n);
    *out = x_calloc(n ? n : 1, sizeof **out);
    for (i = 0; i < n; i++) {
        e = cJSON_GetArrayItem(a, (int)i);
        if (!cJSON_IsString(e) ||
            plan_step_state_parse(e->valuestring, &(*out)[i]) != 0) {
            f = x_asprintf("%s[%zu]", key, i);
            if (cJSON_IsString(e))
                jl_fail(c, f, "unknown step state \"%s\"", e->valuestring);
            else
                jl_fail(c, f, "expected a string, got %s", api_cjson_type(e));
            free(f);
            return -1;
        }
    }
    return 0;
}

static char *journal_read(const char *file, char **cause)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct buf b = BUF_INIT;
    char chunk[8192];
    ssize_t n;

    if (fd < 0) {
        *cause = x_asprintf("%s: %s", file, strerror(errno));
        return NULL;
    }
    for (;;) {
        n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        buf_append(&b, chunk, (size_t)n);
        if (b.len > JOURNAL_MAX_BYTES)
            break;
    }
    close(fd);
    if (n < 0) {
        *cause = x_asprintf("%s: %s", file, strerror(errno));
        buf_free(&b);
        return NULL;
    }
    if (b.len > JOURNAL_MAX_BYTES) {
        *cause =
            x_asprintf("%s: larger than %u bytes", file, JOURNAL_MAX_BYTES);
        buf_free(&b);
        return NULL;
    }
    if (b.len == 0) {
        *cause = x_asprintf("%s: the file is empty", file);
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

int plan_journal_load(const char *file, struct plan_journal *j, char **cause)
{
    struct jl c = {file, NULL};
    const char *base = strrchr(file, '/'), *where;
    char *text, *s = NULL, *want;
    cJSON *o;
    const cJSON *v;
    int64_t n;
    size_t k, i, count;
    const cJSON *a;

    memset(j, 0, sizeof *j);
    base = base ? base + 1 : file;
    text = journal_read(file, &c.err);
    if (!text)
        goto fail;
    o = cJSON_ParseWithLength(text, strlen(text));
    if (!o) {
        where = cJSON_GetErrorPtr();
        jl_fail(&c, NULL, "not JSON (near byte %ld)",
                where && where >= text && where <= text + strlen(text)
                    ? (long)(where - text)
                    : 0L);
        free(text);
        goto fail;
    }
    free(text);
    if (!cJSON_IsObject(o)) {
        jl_fail(&c, NULL, "expected a JSON object, got %s", api_cjson_type(o));
        goto fail_o;
    }
    if (jl_str(&c, o, "", "format", 0, &s) != 0)
        goto fail_o;
    if (strcmp(s, JOURNAL_FORMAT) != 0) {
        jl_fail(&c, "format", "\"%s\" is not a pgdeck plan journal", s);
        goto fail_o;
    }
    if (jl_int(&c, o, "", "version", &n) != 0)
        goto fail_o;
    if (n != JOURNAL_VERSION) {
        jl_fail(&c, "version", "version %lld is not supported (%d is)",
                (long long)n, JOURNAL_VERSION);
        goto fail_o;
    }
    j->plan = x_calloc(1, sizeof *j->plan);
    v = jl_get(&c, o, "", "plan");
    if (!v || jl_plan(&c, v, j->plan) != 0)
        goto fail_o;
    want = x_asprintf("%s.json", j->plan->id);
    if (strstr(base, ".json") && strcmp(base, want) != 0) {
        jl_fail(&c, "plan.id", "\"%s\" does not match the file name",
                j->plan->id);
        free(want);
        goto fail_o;
    }
    free(want);
    if (jl_str(&c, o, "", "context", 1, &j->context) != 0 ||
        jl_str(&c, o, "", "error", 1, &j->error) != 0 ||
        jl_bool(&c, o, "", "aborting", &j->aborting) != 0 ||
        jl_int(&c, o, "", "started_ms", &j->started_ms) != 0 ||
        jl_int(&c, o, "", "step_started_ms", &j->step_started_ms) != 0 ||
        jl_int(&c, o, "", "owner_pid", &j->owner_pid) != 0 ||
        jl_str(&c, o, "", "owner_host", 1, &j->owner_host) != 0)
        goto fail_o;
    free(s);
    s = NULL;
    if (jl_str(&c, o, "", "outcome", 0, &s) != 0)
        goto fail_o;
    if (plan_outcome_parse(s, &j->outcome) != 0) {
        jl_fail(&c, "outcome", "unknown outcome \"%s\"", s);
        goto fail_o;
    }
    if (jl_states(&c, o, "states", j->plan->n_steps, &j->st) != 0 ||
        jl_states(&c, o, "abort_states", j->plan->n_abort_steps,
                  &j->abort_st) != 0)
        goto fail_o;
    a = jl_array(&c, o, "", "nonces", &k);
    if (!a)
        goto fail_o;
    if (k != j->plan->n_leases) {
        jl_fail(&c, "nonces", "%zu entries for %zu leases", k,
                j->plan->n_leases);
        goto fail_o;
    }
    j->nonces = x_calloc(k ? k : 1, sizeof *j->nonces);
    for (i = 0; i < k; i++) {
        v = cJSON_GetArrayItem(a, (int)i);
        if (cJSON_IsString(v) && v->valuestring[0] &&
            !strpbrk(v->valuestring, "\r\n")) {
            j->nonces[i] = x_strdup(v->valuestring);
        } else if (!cJSON_IsNull(v)) {
            char *f = x_asprintf("nonces[%zu]", i);

            jl_fail(&c, f, "expected a one-line string or null, got %s",
                    cJSON_IsString(v) ? "another string" : api_cjson_type(v));
            free(f);
            goto fail_o;
        }
    }
    if (jl_int(&c, o, "", "current", &n) != 0)
        goto fail_o;
    count = j->aborting ? j->plan->n_abort_steps : j->plan->n_steps;
    if ((uint64_t)n > count) {
        jl_fail(&c, "current", "step %lld of %zu %s", (long long)n, count,
                j->aborting ? "abort steps" : "steps");
        goto fail_o;
    }
    j->current = (size_t)n;
    free(s);
    cJSON_Delete(o);
    return 0;

fail_o:
    cJSON_Delete(o);
fail:
    free(s);
    plan_journal_clear(j);
    if (cause)
        *cause = c.err ? c.err : x_asprintf("%s: unreadable", file);
    else
        free(c.err);
    return -1;
}

void plan_journal_clear(struct plan_journal *j)
{
    size_t i;

    if (!j)
        return;
    if (j->nonces && j->plan) {
        for (i = 0; i < j->plan->n_leases; i++) {
            if (j->nonces[i])
                x_wipe(j->nonces[i], strlen(j->nonces[i]));
            free(j->nonces[i]);
        }
    }
    free(j->nonces);
    plan_free(j->plan);
    free(j->context);
    free(j->st);
    free(j->abort_st);
    free(j->error);
    free(j->owner_host);
    memset(j, 0, sizeof *j);
}

int plan_journal_live(const struct plan_journal *j)
{
    char host[256], path[64], comm[64];
    FILE *f;
    size_t n;

    if (j->owner_pid <= 0 || j->owner_pid > 0x7fffffff ||
        (pid_t)j->owner_pid == getpid())
        return 0;
    if (gethostname(host, sizeof host) != 0)
        return 0;
    host[sizeof host - 1] = '\0';
    if (!j->owner_host || strcmp(j->owner_host, host) != 0)
        return 0;
    if (kill((pid_t)j->owner_pid, 0) != 0 && errno != EPERM)
        return 0;
    /* The pid may have been reused: it must still be a pgdeck. */
    (void)snprintf(path, sizeof path, "/proc/%lld/comm",
                   (long long)j->owner_pid);
    f = fopen(path, "r");
    if (!f)
        return 1; /* no /proc: trust the pid */
    n = fread(comm, 1, sizeof comm - 1, f);
    fclose(f);
    comm[n] = '\0';
    comm[strcspn(comm, "\n")] = '\0';
    return strcmp(comm, "pgdeck") == 0;
}

/* ---- listing ---- */

struct journal_entry {
    char *path;
    int64_t key; /* started_ms, or the file's time when it is unreadable */
};

static int journal_entry_cmp(const void *a, const void *b)
{
    const struct journal_entry *x = a, *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return strcmp(x->path, y->path);
}

/* The journals in DIR that are unfinished (STOPPED 0) or ended without
 * success and kept (STOPPED 1), oldest first. */
static char **plan_journal_scan(const char *dir, int stopped, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct journal_entry *v = NULL;
    struct plan_journal j;
    struct stat st;
    size_t k = 0, i, len;
    char **out;
    char *path;

    *n = 0;
    while (d && (e = readdir(d))) {
        len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len <= 5 ||
            strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        path = x_asprintf("%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        if (plan_journal_load(path, &j, NULL) == 0) {
            if ((stopped ? j.outcome == PLAN_OUTCOME_NONE ||
                               j.outcome == PLAN_OUTCOME_DONE
                         : j.outcome != PLAN_OUTCOME_NONE) ||
                plan_journal_live(&j)) {
                plan_journal_clear(&j);
                free(path);
                continue;
            }
            v = x_reallocarray(v, k + 1, sizeof *v);
            v[k].key = j.started_ms;
            plan_journal_clear(&j);
        } else if (!stopped) {
            v = x_reallocarray(v, k + 1, sizeof *v);
            v[k].key = (int64_t)st.st_mtime * 1000;
        } else {
            free(path);
            continue;
        }
        v[k++].path = path;
    }
    if (d)
        closedir(d);
    if (k)
        qsort(v, k, sizeof *v, journal_entry_cmp);
    out = x_calloc(k + 1, sizeof *out);
    for (i = 0; i < k; i++)
        out[i] = v[i].path;
    free(v);
    *n = k;
    return out;
}

char **plan_journal_list(const char *dir, size_t *n)
{
    return plan_journal_scan(dir, 0, n);
}

char **plan_journal_list_stopped(const char *dir, size_t *n)
{
    return plan_journal_scan(dir, 1, n);
}

void plan_journal_remove(const char *dir, const char *id)
{
    struct plan_journal j;
    char *path;

    if (!plan_id_valid(id))
        return;
    path = x_asprintf("%s/%s.json", dir, id);
    if (plan_journal_load(path, &j, NULL) == 0) {
        if (j.outcome != PLAN_OUTCOME_NONE)
            (void)unlink(path);
        plan_journal_clear(&j);
    }
    free(path);
}

#include "config.h"

#include <fnmatch.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/faults.h"
#include "src/platformd/http.h"
#include "src/platformd/ids.h"
#include "src/platformd/ops.h"
#include "src/platformd/routes.h"
#include "src/platformd/state.h"
#include "src/platformd/volume.h"

#define FAULTS_MAX 64
#define FAULTS_HANG_MAX_MS (3600 * 1000LL)
#define FAULTS_DOWN_MAX_S 86400
#define FAULTS_STALE_MAX_S 3600

struct faults_rule {
    struct faults_action a;
    char *pattern;
    char *method;  /* NULL: any */
    int remaining; /* <0: unlimited */
    int skip;      /* matching requests still let through untouched */
};

static pthread_mutex_t faults_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t faults_cond = PTHREAD_COND_INITIALIZER;
static struct faults_rule faults_rules[FAULTS_MAX];
static size_t faults_n;
static int faults_next_id = 1;
static int faults_stopping;

int faults_pattern_match(const char *pattern, const char *path)
{
    if (strpbrk(pattern, "*?["))
        return fnmatch(pattern, path, 0) == 0;
    return strncmp(path, pattern, strlen(pattern)) == 0;
}

int faults_match(const char *method, const char *path, struct faults_action *a)
{
    size_t i;
    int hit = 0;

    pthread_mutex_lock(&faults_mu);
    for (i = 0; i < faults_n; i++) {
        struct faults_rule *r = &faults_rules[i];

        if (r->method && strcmp(r->method, method) != 0)
            continue;
        if (!faults_pattern_match(r->pattern, path) || r->remaining == 0)
            continue;
        if (r->skip > 0) {
            /* Let this one through; later rules do not apply to it. */
            r->skip--;
            break;
        }
        *a = r->a;
        if (r->remaining > 0)
            r->remaining--;
        hit = 1;
        break;
    }
    pthread_mutex_unlock(&faults_mu);
    return hit;
}

static int faults_exists(int id)
{
    size_t i;

    for (i = 0; i < faults_n; i++)
        if (faults_rules[i].a.id == id)
            return 1;
    return 0;
}

void faults_delay(const struct faults_action *a)
{
    long long until = ids_now_ms() +
                      (a->hang ? FAULTS_HANG_MAX_MS : (long long)a->latency_ms);
    struct timespec ts;

    pthread_mutex_lock(&faults_mu);
    while (!faults_stopping && ids_now_ms() < until &&
           (!a->hang || faults_exists(a->id))) {
        ts.tv_sec = (time_t)(until / 1000);
        ts.tv_nsec = (long)(until % 1000) * 1000000L;
        pthread_cond_timedwait(&faults_cond, &faults_mu, &ts);
    }
    pthread_mutex_unlock(&faults_mu);
}

void faults_shutdown(void)
{
    pthread_mutex_lock(&faults_mu);
    faults_stopping = 1;
    pthread_cond_broadcast(&faults_cond);
    pthread_mutex_unlock(&faults_mu);
}

static const char *const faults_bodies[] = {
    "", "malformed", "truncated", "reset", "huge", "wrong_types"};

const char *faults_body_name(enum faults_body b)
{
    return (size_t)b < sizeof faults_bodies / sizeof faults_bodies[0]
               ? faults_bodies[b]
               : "";
}

static cJSON *faults_rule_json(const struct faults_rule *r)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "id", r->a.id);
    cJSON_AddStringToObject(o, "path", r->pattern);
    if (r->method)
        cJSON_AddStringToObject(o, "method", r->method);
    cJSON_AddNumberToObject(o, "latency_ms", r->a.latency_ms);
    cJSON_AddBoolToObject(o, "hang", r->a.hang);
    cJSON_AddNumberToObject(o, "status", r->a.status);
    cJSON_AddNumberToObject(o, "retry_after", r->a.retry_after_s);
    cJSON_AddStringToObject(o, "body", faults_body_name(r->a.body));
    cJSON_AddNumberToObject(o, "count", r->remaining);
    cJSON_AddNumberToObject(o, "skip", r->skip);
    return o;
}

void routes_admin_faults_list(struct http_req *r)
{
    cJSON *arr = cJSON_CreateArray();
    size_t i;

    pthread_mutex_lock(&faults_mu);
    for (i = 0; i < faults_n; i++)
        cJSON_AddItemToArray(arr, faults_rule_json(&faults_rules[i]));
    pthread_mutex_unlock(&faults_mu);
    http_reply(r, 200, arr);
}

static int faults_int(struct http_req *r, const cJSON *o, const char *k,
                      int min, int max, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble < min || v->valuedouble > max) {
        http_error(r, 400, "%s must be a number in %d..%d", k, min, max);
        return -1;
    }
    *out = v->valueint;
    return 0;
}

void routes_admin_faults_add(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1);
    const cJSON *path, *method, *bm, *hang;
    struct faults_rule rule;

    if (!body)
        return;
    memset(&rule, 0, sizeof rule);
    rule.remaining = -1;
    path = cJSON_GetObjectItemCaseSensitive(body, "path");
    method = cJSON_GetObjectItemCaseSensitive(body, "method");
    bm = cJSON_GetObjectItemCaseSensitive(body, "body");
    hang = cJSON_GetObjectItemCaseSensitive(body, "hang");
    if (!cJSON_IsString(path) || path->valuestring[0] != '/') {
        http_error(r, 400, "path is required: a glob or prefix of /v1 paths");
        goto out;
    }
    if (method && !cJSON_IsNull(method) && !cJSON_IsString(method)) {
        http_error(r, 400, "method must be a string");
        goto out;
    }
    if (faults_int(r, body, "latency_ms", 0, 600000, &rule.a.latency_ms) ==
            -1 ||
        faults_int(r, body, "status", 0, 599, &rule.a.status) == -1 ||
        faults_int(r, body, "retry_after", 0, 86400, &rule.a.retry_after_s) ==
            -1 ||
        faults_int(r, body, "count", -1, 1000000, &rule.remaining) == -1 ||
        faults_int(r, body, "skip", 0, 1000000, &rule.skip) == -1)
        goto out;
    if (rule.a.status > 0 && rule.a.status < 400) {
        http_error(r, 400, "status must be an error status (400..599)");
        goto out;
    }
    if (hang && !cJSON_IsBool(hang) && !cJSON_IsNull(hang)) {
        http_error(r, 400, "hang must be a boolean");
        goto out;
    }
    rule.a.hang = cJSON_IsTrue(hang);
    if (cJSON_IsString(bm) && bm->valuestring[0]) {
        size_t i;

        for (i = 1; i < sizeof faults_bodies / sizeof faults_bodies[0]; i++)
            if (strcmp(bm->valuestring, faults_bodies[i]) == 0)
                rule.a.body = (enum faults_body)i;
        if (rule.a.body == FAULTS_BODY_NONE) {
            http_error(r, 400,
                       "body must be \"malformed\", \"truncated\", "
                       "\"reset\", \"huge\" or \"wrong_types\"");
            goto out;
        }
    } else if (bm && !cJSON_IsNull(bm) && !cJSON_IsString(bm)) {
        http_error(r, 400,
                   "body must be \"malformed\", \"truncated\", \"reset\", "
                   "\"huge\" or \"wrong_types\"");
        goto out;
    }
    /* A 429 says when to come back unless the rule says "retry_after": 0
     * (a 429 without Retry-After). */
    if (rule.a.status == 429 && rule.a.retry_after_s == 0 &&
        !cJSON_GetObjectItemCaseSensitive(body, "retry_after"))
        rule.a.retry_after_s = 1;
    if (!rule.a.latency_ms && !rule.a.hang && !rule.a.status &&
        rule.a.body == FAULTS_BODY_NONE) {
        http_error(r, 400, "a fault needs latency_ms, hang, status or body");
        goto out;
    }
    pthread_mutex_lock(&faults_mu);
    if (faults_n == FAULTS_MAX) {
        pthread_mutex_unlock(&faults_mu);
        http_error(r, 400, "too many fault rules (at most %d)", FAULTS_MAX);
        goto out;
    }
    rule.a.id = faults_next_id++;
    rule.pattern = x_strdup(path->valuestring);
    rule.method = cJSON_IsString(method) ? x_strdup(method->valuestring) : NULL;
    faults_rules[faults_n++] = rule;
    http_reply(r, 201, faults_rule_json(&rule));
    pthread_mutex_unlock(&faults_mu);
    log_msg("fault added: #%d on %s", rule.a.id, rule.pattern);
out:
    cJSON_Delete(body);
}

void routes_admin_faults_clear(struct http_req *r)
{
    long id = -1;
    size_t i, k = 0, cleared = 0;
    cJSON *o;

    if (r->nparams == 1) {
        char *end;

        id = strtol(r->params[0], &end, 10);
        if (*end || id < 1) {
            http_error(r, 400, "fault id must be a positive number");
            return;
        }
    }
    pthread_mutex_lock(&faults_mu);
    for (i = 0; i < faults_n; i++) {
        if (id < 0 || faults_rules[i].a.id == id) {
            free(faults_rules[i].pattern);
            free(faults_rules[i].method);
            cleared++;
        } else {
            faults_rules[k++] = faults_rules[i];
        }
    }
    faults_n = k;
    pthread_cond_broadcast(&faults_cond);
    pthread_mutex_unlock(&faults_mu);
    if (id > 0 && cleared == 0) {
        http_error(r, 404, "no fault %ld", id);
        return;
    }
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "cleared", (double)cleared);
    http_reply(r, 200, o);
}

/* A snapshot of the started machine of the path (params 0, 1), or NULL
 * having answered. */
static struct ops_snap *faults_machine(struct http_req *r,
                                       struct st_machine **mp)
{
    struct st_machine *m;
    struct ops_snap *s = NULL;

    st_lock();
    m = routes_machine_lookup(r, 0);
    if (m && strcmp(m->state, "started") != 0)
        http_error(r, 400, "machine %s is not started (state %s)", m->id,
                   m->state);
    else if (m)
        s = ops_snap_take(m, 0);
    st_unlock();
    *mp = m;
    if (s)
        ops_snap_resolve(s);
    return s;
}

void routes_admin_crash(struct http_req *r)
{
    cJSON *body = http_json_body(r, 0), *o;
    struct st_machine *m;
    struct ops_snap *s;
    char *cause = NULL;
    int rc, down_s = 0;

    if (!body)
        return;
    /* down_s: the machine stays down (no restart by the supervisor, whatever
     * its restart policy) for that long, or until it is started. */
    rc = faults_int(r, body, "down_s", 0, FAULTS_DOWN_MAX_S, &down_s);
    cJSON_Delete(body);
    if (rc == -1)
        return;
    s = faults_machine(r, &m);
    if (!s)
        return;
    if (down_s > 0) {
        /* Before the kill: the monitor must never see it dead unheld. */
        st_lock();
        m->down_until_ms = ids_now_ms() + (long long)down_s * 1000;
        st_unlock();
    }
    pthread_mutex_lock(&m->rtmu);
    rc = rt_crash(&s->rt, &cause);
    pthread_mutex_unlock(&m->rtmu);
    ops_snap_free(s);
    if (rc == -1) {
        st_lock();
        m->down_until_ms = 0;
        st_unlock();
        http_error(r, 500, "crash failed: %s", cause ? cause : "unknown");
        free(cause);
        return;
    }
    log_msg("fault: machine %s crashed%s", r->params[1],
            down_s > 0 ? " (held down)" : "");
    o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddNumberToObject(o, "down_s", down_s);
    http_reply(r, 200, o);
}

void routes_admin_replay(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1);
    const cJSON *p;
    struct st_machine *m;
    struct ops_snap *s;
    char *cause = NULL;
    int rc, pause;

    if (!body)
        return;
    p = cJSON_GetObjectItemCaseSensitive(body, "paused");
    if (!cJSON_IsBool(p)) {
        cJSON_Delete(body);
        http_error(r, 400, "paused is required (a boolean)");
        return;
    }
    pause = cJSON_IsTrue(p);
    cJSON_Delete(body);
    s = faults_machine(r, &m);
    if (!s)
        return;
    pthread_mutex_lock(&m->rtmu);
    rc = rt_replay_pause(&s->rt, pause, &cause);
    pthread_mutex_unlock(&m->rtmu);
    ops_snap_free(s);
    if (rc == -1) {
        http_error(r, 400, "replay %s failed: %s", pause ? "pause" : "resume",
                   cause ? cause : "unknown");
        free(cause);
        return;
    }
    log_msg("fault: machine %s replay %s", r->params[1],
            pause ? "paused" : "resumed");
    http_reply(r, 200,
               cJSON_Parse(pause ? "{\"ok\":true,\"paused\":true}"
                                 : "{\"ok\":true,\"paused\":false}"));
}

void routes_admin_fill(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1);
    const cJSON *p;
    struct st_volume *v;
    char *cause = NULL, *id;
    int pct, rc, size_gb;

    if (!body)
        return;
    p = cJSON_GetObjectItemCaseSensitive(body, "percent");
    if (!cJSON_IsNumber(p) || p->valuedouble < 0 || p->valuedouble > 100) {
        cJSON_Delete(body);
        http_error(r, 400,
                   "percent is required (0..100; 0 removes the filler)");
        return;
    }
    pct = p->valueint;
    cJSON_Delete(body);
    st_lock();
    if (!st_app_find(r->params[0])) {
        st_unlock();
        http_error(r, 404, "Could not find App \"%s\"", r->params[0]);
        return;
    }
    v = st_volume_find(r->params[0], r->params[1]);
    if (!v || v->destroyed) {
        st_unlock();
        http_error(r, 404, "volume not found: %s", r->params[1]);
        return;
    }
    st_volume_acquire(v);
    id = x_strdup(v->id);
    size_gb = v->size_gb;
    st_unlock();
    rc = vol_fill(id, (uint64_t)size_gb << 30, pct, &cause);
    st_lock();
    st_volume_release(v);
    st_unlock();
    free(id);
    if (rc == -1) {
        http_error(r, 500, "fill failed: %s", cause ? cause : "unknown");
        free(cause);
        return;
    }
    log_msg("fault: volume %s filled to %d%%", r->params[1], pct);
    http_reply(r, 200, cJSON_Parse("{\"ok\":true}"));
}

void routes_admin_host(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1);
    const cJSON *h, *kc;
    struct st_machine *m;
    char *status = NULL;
    int keep;

    if (!body)
        return;
    kc = cJSON_GetObjectItemCaseSensitive(body, "keep_config");
    if (kc && !cJSON_IsBool(kc)) {
        cJSON_Delete(body);
        http_error(r, 400, "keep_config must be a boolean");
        return;
    }
    keep = cJSON_IsTrue(kc);
    h = cJSON_GetObjectItemCaseSensitive(body, "host_status");
    if (!cJSON_IsString(h) || (strcmp(h->valuestring, "ok") != 0 &&
                               strcmp(h->valuestring, "unknown") != 0 &&
                               strcmp(h->valuestring, "unreachable") != 0)) {
        cJSON_Delete(body);
        http_error(r, 400,
                   "host_status is required: \"ok\", \"unknown\" or "
                   "\"unreachable\"");
        return;
    }
    if (strcmp(h->valuestring, "ok") != 0)
        status = x_strdup(h->valuestring);
    cJSON_Delete(body);
    st_lock();
    m = routes_machine_lookup(r, 0);
    if (!m) {
        st_unlock();
        free(status);
        return;
    }
    free(m->host_status);
    m->host_status = status;
    m->host_keeps_config = keep;
    st_broadcast();
    st_unlock();
    log_msg("fault: machine %s host %s", r->params[1], status ? status : "ok");
    http_reply(r, 200,
               cJSON_Parse(status && strcmp(status, "unknown") == 0
                               ? "{\"ok\":true,\"host_status\":\"unknown\"}"
                           : status
                               ? "{\"ok\":true,\"host_status\":\"unreachable\"}"
                               : "{\"ok\":true,\"host_status\":\"ok\"}"));
}

void routes_admin_stale(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1), *o;
    const cJSON *sec;
    struct st_machine *m;
    int s;

    if (!body)
        return;
    sec = cJSON_GetObjectItemCaseSensitive(body, "seconds");
    if (!cJSON_IsNumber(sec) || sec->valuedouble < 0 ||
        sec->valuedouble > FAULTS_STALE_MAX_S ||
        sec->valuedouble - (double)sec->valueint > 0) {
        cJSON_Delete(body);
        http_error(r, 400,
                   "seconds is required: a whole number in 0..%d (0 ends "
                   "the fault)",
                   FAULTS_STALE_MAX_S);
        return;
    }
    s = sec->valueint;
    cJSON_Delete(body);
    st_lock();
    m = routes_machine_lookup(r, 0);
    if (!m) {
        st_unlock();
        return;
    }
    m->stale_s = s;
    if (s == 0) {
        cJSON_Delete(m->stale_doc);
        m->stale_doc = NULL;
        m->stale_until_ms = 0;
    }
    st_unlock();
    log_msg("fault: machine %s stale for %d s after each update or restart",
            r->params[1], s);
    o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddNumberToObject(o, "seconds", s);
    http_reply(r, 200, o);
}

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/http.h"
#include "src/platformd/ids.h"
#include "src/platformd/ops.h"
#include "src/platformd/parse.h"
#include "src/platformd/render.h"
#include "src/platformd/routes.h"
#include "src/platformd/state.h"

#define ROUTES_WAIT_MAX_S 60
#define ROUTES_EXEC_DEFAULT_S 30
#define ROUTES_EXEC_MAX_S 600
#define ROUTES_EXEC_MAX_ARGS 64

static const char *const routes_wait_states[] = {
    "started",   "stopped",    "suspended", "destroyed", "settled",
    "created",   "failed",     "starting",  "stopping",  "destroying",
    "replacing", "restarting", "updating",
};

static int routes_is_running(const struct st_machine *m)
{
    return strcmp(m->state, "stopped") != 0 &&
           strcmp(m->state, "created") != 0 &&
           strcmp(m->state, "failed") != 0 &&
           strcmp(m->state, "suspended") != 0 &&
           strcmp(m->state, "destroyed") != 0;
}

static cJSON *routes_ok(void)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddBoolToObject(o, "ok", 1);
    return o;
}

/* Reads the stop parameters of a body or query; 0, or -1 having answered. */
static int routes_stop_params(struct http_req *r, const cJSON *body,
                              const struct st_machine *m, int *sig,
                              int *timeout_s)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(body, "signal");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(body, "timeout");
    const cJSON *sc =
        cJSON_GetObjectItemCaseSensitive(m->config, "stop_config");
    const char *qs = http_query(r, "signal"), *qt = http_query(r, "timeout");
    long long ms;

    *sig = SIGINT;
    *timeout_s = 10;
    if (cJSON_IsObject(sc)) {
        const cJSON *cs = cJSON_GetObjectItemCaseSensitive(sc, "signal");
        const cJSON *ct = cJSON_GetObjectItemCaseSensitive(sc, "timeout");

        if (cs && parse_json_signal(cs) > 0)
            *sig = parse_json_signal(cs);
        if (ct && parse_json_duration_ms(ct, &ms) == 0 && ms >= 1000)
            *timeout_s = (int)(ms / 1000);
    }
    if ((s && !cJSON_IsNull(s) && !(cJSON_IsString(s) && !s->valuestring[0]) &&
         parse_json_signal(s) < 0) ||
        (qs && parse_signal_name(qs) < 0)) {
        http_error(r, 400, "signal: unknown signal");
        return -1;
    }
    if (s && parse_json_signal(s) > 0)
        *sig = parse_json_signal(s);
    if (qs)
        *sig = parse_signal_name(qs);
    if (t && !cJSON_IsNull(t)) {
        if (parse_json_duration_ms(t, &ms) == -1) {
            http_error(r, 400, "timeout: not a duration (\"10s\" or ns)");
            return -1;
        }
        if (ms >= 1000)
            *timeout_s = (int)(ms / 1000);
    }
    if (qt) {
        if (parse_duration_ms(qt, 1, &ms) == -1) {
            http_error(r, 400, "timeout: not a duration (\"10s\" or seconds)");
            return -1;
        }
        if (ms >= 1000)
            *timeout_s = (int)(ms / 1000);
    }
    if (*timeout_s > 300)
        *timeout_s = 300;
    return 0;
}

/*
 * Looks up the machine of R for an action (lock held): checks its lease,
 * reads the stop parameters of BODY into SIG and TIMEOUT_S when BODY is not
 * NULL, and refuses a machine being destroyed.  The machine, or NULL having
 * answered.
 */
static struct st_machine *routes_action_target(struct http_req *r,
                                               const cJSON *body, int *sig,
                                               int *timeout_s)
{
    struct st_machine *m = routes_machine_lookup(r, 0);

    if (!m || routes_lease_check(r, m) == -1)
        return NULL;
    if (body && routes_stop_params(r, body, m, sig, timeout_s) == -1)
        return NULL;
    if (strcmp(m->state, "destroying") == 0) {
        http_error(r, 400, "machine %s is being destroyed", m->id);
        return NULL;
    }
    return m;
}

void routes_machines_start(struct http_req *r)
{
    struct st_machine *m;
    cJSON *o;

    st_lock();
    m = routes_action_target(r, NULL, NULL, NULL);
    if (!m)
        goto out;
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "previous_state", m->state);
    cJSON_AddBoolToObject(o, "migrated", 0);
    cJSON_AddStringToObject(o, "new_host", "");
    if (!routes_is_running(m) || strcmp(m->state, "stopping") == 0) {
        st_machine_set_state(m, "starting");
        st_machine_event(m, "start", "starting", "user");
        m->restart_count = 0;
        m->down_until_ms = 0;
        ops_enqueue(m, ST_OP_START, 0, 0);
        st_changed();
    }
    http_reply(r, 200, o);
out:
    st_unlock();
}

/* Stops machine R, or restarts it when RESTART; answers either way. */
static void routes_halt(struct http_req *r, int restart)
{
    cJSON *body = http_json_body(r, 0);
    struct st_machine *m;
    int sig, timeout_s;

    if (!body)
        return;
    st_lock();
    m = routes_action_target(r, body, &sig, &timeout_s);
    if (!m)
        goto out;
    if (restart) {
        if (parse_bool(http_query(r, "force_stop")) == 1)
            sig = SIGKILL;
        routes_stale_mark(m);
        st_machine_set_state(m, "restarting");
        st_machine_event(m, "restart", "restarting", "user");
        m->restart_count = 0;
        m->down_until_ms = 0;
        ops_enqueue(m, ST_OP_RESTART, sig, timeout_s);
        st_changed();
    } else if (routes_is_running(m) && strcmp(m->state, "stopping") != 0) {
        st_machine_set_state(m, "stopping");
        st_machine_event(m, "stop", "stopping", "user");
        ops_enqueue(m, ST_OP_STOP, sig, timeout_s);
        st_changed();
    }
    http_reply(r, 200, routes_ok());
out:
    st_unlock();
    cJSON_Delete(body);
}

void routes_machines_stop(struct http_req *r)
{
    routes_halt(r, 0);
}

void routes_machines_restart(struct http_req *r)
{
    routes_halt(r, 1);
}

/*
 * Takes a runtime snapshot of the machine of R (lock held), checking its
 * lease when LEASE and refusing a machine that is not started.  Sets *MP to
 * the machine found, or NULL.  The snapshot, or NULL having answered.
 */
static struct ops_snap *routes_started_snap(struct http_req *r, int lease,
                                            struct st_machine **mp)
{
    struct st_machine *m = routes_machine_lookup(r, 0);

    *mp = m;
    if (!m || (lease && routes_lease_check(r, m) == -1) ||
        (!lease && routes_host_check(r, m) == -1))
        return NULL;
    if (strcmp(m->state, "started") != 0) {
        http_error(r, 400, "machine %s is not started (state %s)", m->id,
                   m->state);
        return NULL;
    }
    return ops_snap_take(m, 0);
}

void routes_machines_signal(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1);
    struct st_machine *m;
    struct ops_snap *s = NULL;
    char *cause = NULL;
    int sig, rc;

    if (!body)
        return;
    sig = parse_json_signal(cJSON_GetObjectItemCaseSensitive(body, "signal"));
    cJSON_Delete(body);
    if (sig < 0) {
        http_error(r, 400,
                   "signal is required: a name such as \"SIGTERM\" or "
                   "a number");
        return;
    }
    st_lock();
    s = routes_started_snap(r, 1, &m);
    st_unlock();
    if (!s)
        return;
    ops_snap_resolve(s);
    pthread_mutex_lock(&m->rtmu);
    rc = rt_signal(&s->rt, sig, &cause);
    pthread_mutex_unlock(&m->rtmu);
    ops_snap_free(s);
    if (rc == -1) {
        http_error(r, 400, "signal %s failed: %s", parse_signal_str(sig),
                   cause ? cause : "unknown error");
        free(cause);
        return;
    }
    log_msg("machine %s: sent %s", r->params[1], parse_signal_str(sig));
    http_reply(r, 200, routes_ok());
}

void routes_machines_cordon(struct http_req *r)
{
    struct st_machine *m;
    size_t n = strlen(r->path);
    int on = !(n >= 9 && strcmp(r->path + n - 9, "/uncordon") == 0);

    st_lock();
    m = routes_machine_lookup(r, 0);
    if (m && routes_lease_check(r, m) == 0) {
        m->cordoned = on;
        st_machine_event(m, on ? "cordon" : "uncordon", m->state, "user");
        st_changed();
        http_reply(r, 200, routes_ok());
    }
    st_unlock();
}

struct routes_wait {
    char *states; /* ",a,b," */
    int bad;
};

static void routes_wait_arg(void *ctx, const char *key, const char *value)
{
    struct routes_wait *w = ctx;
    char *copy, *p, *tok;
    size_t i;

    if (strcmp(key, "state") != 0)
        return;
    if (!*value) {
        w->bad = 1;
        return;
    }
    copy = x_strdup(value);
    for (p = copy; p; p = tok) {
        tok = strchr(p, ',');
        if (tok)
            *tok++ = '\0';
        if (!*p)
            continue;
        for (i = 0; i < sizeof routes_wait_states / sizeof *routes_wait_states;
             i++)
            if (strcmp(p, routes_wait_states[i]) == 0)
                break;
        if (i == sizeof routes_wait_states / sizeof *routes_wait_states) {
            w->bad = 1;
            continue;
        }
        {
            char *old = w->states;

            w->states = x_asprintf("%s%s,", old ? old : ",", p);
            free(old);
        }
    }
    free(copy);
}

static int routes_wait_hit(const struct routes_wait *w, const char *state)
{
    char *needle = x_asprintf(",%s,", state);
    int hit = strstr(w->states, needle) ? 1 : 0;

    free(needle);
    if (!hit && strstr(w->states, ",settled,") && st_state_is_settled(state))
        hit = 1;
    return hit;
}

void routes_machines_wait(struct http_req *r)
{
    struct routes_wait w = {NULL, 0};
    const char *tq = http_query(r, "timeout");
    const char *ver = http_query(r, "instance_id");
    struct st_machine *m;
    long long ms = 60000, deadline;
    char *want_ver = NULL;

    if (!ver || !*ver)
        ver = http_query(r, "version");
    if (ver && *ver && !ids_is_ulid(ver)) {
        http_error(r, 400,
                   "instance_id: not a machine version id (26 characters)");
        return;
    }
    http_query_each(r, routes_wait_arg, &w);
    if (w.bad) {
        free(w.states);
        http_error(r, 400, "state: unknown machine state");
        return;
    }
    if (!w.states)
        w.states = x_strdup(",started,");
    if (tq && (parse_duration_ms(tq, 1, &ms) == -1 || ms < 0 ||
               ms > ROUTES_WAIT_MAX_S * 1000LL)) {
        free(w.states);
        http_error(r, 400, "timeout must be between 0 and %d seconds",
                   ROUTES_WAIT_MAX_S);
        return;
    }
    deadline = ids_now_ms() + ms;
    st_lock();
    m = routes_machine_lookup(r, 1);
    if (!m || routes_host_check(r, m) == -1)
        goto out;
    if (ver && *ver)
        want_ver = x_strdup(ver);
    for (;;) {
        int ver_ok = !want_ver || strcmp(want_ver, m->instance_id) == 0;

        if (ver_ok && routes_wait_hit(&w, m->state)) {
            cJSON *o = routes_ok();

            cJSON_AddStringToObject(o, "state", m->state);
            http_reply(r, 200, o);
            break;
        }
        if ((strcmp(m->state, "failed") == 0 ||
             strcmp(m->state, "destroyed") == 0) &&
            ver_ok && m->nops == 0) {
            http_error(r, 400,
                       "machine failed to reach desired state, current state "
                       "%s",
                       m->state);
            break;
        }
        if (st.shutting_down || ids_now_ms() >= deadline) {
            http_error(r, 408,
                       "timeout waiting for machine %s to reach the desired "
                       "state (current state %s)",
                       m->id, m->state);
            break;
        }
        st_wait_until(deadline);
    }
out:
    st_unlock();
    free(want_ver);
    free(w.states);
}

/* Splits the legacy cmd string on spaces into ARGV (of at most MAX). */
static size_t routes_split_cmd(char *cmd, char **argv, size_t max)
{
    size_t n = 0;
    char *p = cmd;

    while (*p && n < max) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (!*p)
            break;
        argv[n++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    return n;
}

void routes_machines_exec(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1), *o;
    const cJSON *command, *cmd, *to, *a;
    char *argv[ROUTES_EXEC_MAX_ARGS + 1];
    char *cmdcopy = NULL;
    size_t argc = 0;
    long long ms;
    int timeout_s = ROUTES_EXEC_DEFAULT_S, rc;
    struct st_machine *m;
    struct ops_snap *s = NULL;
    struct rt_exec_result res;
    char *cause = NULL;

    if (!body)
        return;
    command = cJSON_GetObjectItemCaseSensitive(body, "command");
    cmd = cJSON_GetObjectItemCaseSensitive(body, "cmd");
    to = cJSON_GetObjectItemCaseSensitive(body, "timeout");
    if (cJSON_IsArray(command) && cJSON_GetArraySize(command) > 0) {
        cJSON_ArrayForEach(a, command)
        {
            if (!cJSON_IsString(a) || argc == ROUTES_EXEC_MAX_ARGS) {
                http_error(r, 400,
                           "command must be an array of at most %d "
                           "strings",
                           ROUTES_EXEC_MAX_ARGS);
                goto out;
            }
            argv[argc++] = a->valuestring;
        }
    } else if (command && !cJSON_IsNull(command)) {
        http_error(r, 400, "command must be a non-empty array of strings");
        goto out;
    } else if (cJSON_IsString(cmd)) {
        cmdcopy = x_strdup(cmd->valuestring);
        argc = routes_split_cmd(cmdcopy, argv, ROUTES_EXEC_MAX_ARGS);
    }
    if (argc == 0) {
        http_error(r, 400,
                   "command (an argv array) or cmd (a string) is "
                   "required");
        goto out;
    }
    argv[argc] = NULL;
    if (to && !cJSON_IsNull(to)) {
        if (cJSON_IsNumber(to) && to->valuedouble >= 1 &&
            to->valuedouble <= ROUTES_EXEC_MAX_S)
            timeout_s = to->valueint;
        else if (cJSON_IsString(to) &&
                 parse_duration_ms(to->valuestring, 1, &ms) == 0 &&
                 ms >= 1000 && ms <= ROUTES_EXEC_MAX_S * 1000LL)
            timeout_s = (int)(ms / 1000);
        else {
            http_error(r, 400, "timeout must be 1..%d seconds",
                       ROUTES_EXEC_MAX_S);
            goto out;
        }
    }
    st_lock();
    s = routes_started_snap(r, 0, &m);
    st_unlock();
    if (!s)
        goto out;
    ops_snap_resolve(s);
    memset(&res, 0, sizeof res);
    pthread_mutex_lock(&m->rtmu);
    rc = rt_exec(&s->rt, argv, timeout_s, &res, &cause);
    pthread_mutex_unlock(&m->rtmu);
    ops_snap_free(s);
    if (rc == -1) {
        http_error(r, 400, "exec failed: %s", cause ? cause : "unknown error");
        free(cause);
        goto out;
    }
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "exit_code", res.exit_code);
    cJSON_AddNumberToObject(o, "exit_signal", res.exit_signal);
    cJSON_AddStringToObject(o, "stdout", res.out ? res.out : "");
    cJSON_AddStringToObject(o, "stderr", res.err ? res.err : "");
    rt_exec_result_free(&res);
    http_reply(r, 200, o);
out:
    free(cmdcopy);
    cJSON_Delete(body);
}

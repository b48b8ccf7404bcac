#include "config.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "src/api.h"
#include "src/buf.h"
#include "src/plan.h"
#include "src/plan_impl.h"
#include "src/xmalloc.h"

/*
 * plan_cond: what a step's answer means (see plan_impl.h).  Pure
 * functions of the answer's bytes, decoded with the api.h decoders.
 */

#define PLAN_COND_SHOW 120 /* bytes of output quoted in a detail */

static int plan_cond_machine(enum plan_cond cond, const char *arg,
                             const struct plan_answer *a, char **detail);
static int plan_cond_exec(enum plan_cond cond, const char *arg,
                          const struct plan_answer *a, char **detail);
static char *plan_cond_show(const char *s);
static int plan_is_2xx(int status);

static int plan_is_2xx(int status)
{
    return status >= 200 && status <= 299;
}

int plan_path_is(const char *path, const char *suffix)
{
    size_t n = strcspn(path, "?"), k = strlen(suffix);

    return n >= k && strncmp(path + n - k, suffix, k) == 0;
}

char *plan_trim(const char *s)
{
    const char *end;

    if (!s)
        return x_strdup("");
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    end = s + strcspn(s, "\r\n");
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    return x_strndup(s, (size_t)(end - s));
}

/* The first line of S, trimmed and cut for a detail; owned. */
static char *plan_cond_show(const char *s)
{
    char *t = plan_trim(s);

    size_t cut = PLAN_COND_SHOW - 3;

    if (strlen(t) <= PLAN_COND_SHOW)
        return t;
    /* Cut at a UTF-8 character boundary. */
    while (cut > 0 && ((unsigned char)t[cut] & 0xc0) == 0x80)
        cut--;
    memcpy(t + cut, "...", 4);
    return t;
}

/* The failure text of a non-2xx answer. */
static char *plan_cond_http(const struct plan_answer *a)
{
    if (a->error)
        return x_strdup(a->error);
    if (a->status == 0)
        return x_strdup("no answer");
    return x_asprintf("HTTP %d", a->status);
}

char *plan_cond_text(enum plan_cond cond, const char *arg)
{
    const char *v = arg ? arg : "";

    switch (cond) {
    case PLAN_COND_OK:
        return x_strdup("success (2xx; exit code 0 for an exec)");
    case PLAN_COND_MACHINE_STATE:
        return x_asprintf("the machine's state is \"%s\"", v);
    case PLAN_COND_CHECKS_PASSING:
        return x_strdup("every health check of the machine passes");
    case PLAN_COND_ROLE:
        return x_asprintf("the role check passes with \"%s\"", v);
    case PLAN_COND_EXEC_STDOUT:
        return x_asprintf("the command prints \"%s\"", v);
    case PLAN_COND_VOLUME_STATE:
        return x_asprintf("the volume's state is \"%s\"", v);
    case PLAN_COND_GONE:
        return x_strdup("it is gone (404, destroyed or being deleted)");
    case PLAN_COND_EVENT_SINCE:
        return x_asprintf("the machine has a \"%s\" event since the step "
                          "began",
                          v);
    case PLAN_COND_GRAPHQL_OK:
        return x_strdup("success (2xx and no GraphQL errors)");
    }
    return x_strdup("?");
}

/* The newest event of M with status "started" at or after SINCE_MS, or
 * NULL. */
static const struct api_event *plan_cond_started(const struct api_machine *m,
                                                 int64_t since_ms)
{
    const struct api_event *best = NULL;
    size_t i;

    for (i = 0; i < m->n_events; i++) {
        const struct api_event *e = &m->events[i];

        if (strcmp(e->status, "started") == 0 && e->timestamp_ms >= since_ms &&
            (!best || e->timestamp_ms > best->timestamp_ms))
            best = e;
    }
    return best;
}

int plan_cond_boot(const struct api_machine *m, const char *boot, char **detail)
{
    const struct api_event *e;
    long long since;
    char *end;
    size_t i;

    *detail = NULL;
    if (strncmp(boot, "instance:", 9) == 0) {
        if (!boot[9]) {
            *detail = x_strdup("the new instance id is empty");
            return -1;
        }
        if (m->instance_id && strcmp(m->instance_id, boot + 9) == 0)
            return 1;
        *detail = x_asprintf("the answer still shows instance %s, not the "
                             "new %s",
                             m->instance_id && *m->instance_id ? m->instance_id
                                                               : "(none)",
                             boot + 9);
        return 0;
    }
    if (strncmp(boot, "since:", 6) != 0 || !boot[6]) {
        *detail = x_asprintf("unknown boot \"%s\"", boot);
        return -1;
    }
    since = strtoll(boot + 6, &end, 10);
    if (*end || since <= 0) {
        *detail = x_asprintf("unknown boot \"%s\"", boot);
        return -1;
    }
    e = plan_cond_started(m, since);
    if (!e) {
        *detail = x_strdup("the answer shows no start since the restart");
        return 0;
    }
    /* Check results of the boot before are not this boot's: each dated one
     * must be from the second of the start on (updated_at has seconds). */
    for (i = 0; i < m->n_checks; i++)
        if (m->checks[i].updated_at_ms > 0 &&
            m->checks[i].updated_at_ms / 1000 < e->timestamp_ms / 1000) {
            *detail = x_asprintf("check %s is from before the restart",
                                 m->checks[i].name);
            return 0;
        }
    return 1;
}

static int plan_cond_machine(enum plan_cond cond, const char *arg,
                             const struct plan_answer *a, char **detail)
{
    struct api_machine m;
    const struct api_check_status *c;
    char *cause = NULL, *out;
    size_t i, passing = 0;
    struct buf b = BUF_INIT;
    int rc = 0;

    if (api_machine_decode(a->body, a->len, &m, &cause) != 0) {
        *detail = x_asprintf("cannot read the machine: %s", cause);
        free(cause);
        return -1;
    }
    if (a->boot &&
        (cond == PLAN_COND_MACHINE_STATE || cond == PLAN_COND_CHECKS_PASSING ||
         cond == PLAN_COND_ROLE)) {
        rc = plan_cond_boot(&m, a->boot, detail);
        if (rc != 1) {
            api_machine_free(&m);
            return rc;
        }
        rc = 0;
    }
    switch (cond) {
    case PLAN_COND_MACHINE_STATE:
        rc = strcmp(m.state, arg ? arg : "") == 0;
        if (!rc)
            *detail = x_asprintf("state is %s", m.state[0] ? m.state : "?");
        break;
    case PLAN_COND_CHECKS_PASSING:
        for (i = 0; i < m.n_checks; i++) {
            if (strcmp(m.checks[i].status, "passing") == 0) {
                passing++;
                continue;
            }
            buf_printf(&b, "%s%s: %s", b.len ? ", " : "", m.checks[i].name,
                       m.checks[i].status[0] ? m.checks[i].status : "?");
        }
        rc = m.n_checks > 0 && passing == m.n_checks;
        if (!rc && !m.n_checks)
            *detail = x_strdup("no health check results yet");
        else if (!rc)
            *detail = x_asprintf("%zu of %zu checks passing (%s)", passing,
                                 m.n_checks, buf_str(&b));
        buf_free(&b);
        break;
    case PLAN_COND_ROLE:
        c = api_machine_check(&m, "role");
        if (!c) {
            *detail = x_strdup("no role check result yet");
            break;
        }
        out = plan_cond_show(c->output);
        if (strcmp(c->status, "passing") != 0)
            *detail = x_asprintf("role check is %s: %s",
                                 c->status[0] ? c->status : "?", out);
        else if (strcmp(out, arg ? arg : "") != 0)
            *detail = x_asprintf("role is %s", out[0] ? out : "empty");
        else
            rc = 1;
        free(out);
        break;
    case PLAN_COND_GONE:
        rc = strcmp(m.state, "destroyed") == 0;
        if (!rc)
            *detail = x_asprintf("state is %s", m.state[0] ? m.state : "?");
        break;
    case PLAN_COND_EVENT_SINCE:
        for (i = 0; i < m.n_events && !rc; i++)
            rc = a->since_ms > 0 && m.events[i].timestamp_ms >= a->since_ms &&
                 strcmp(m.events[i].type, arg ? arg : "") == 0;
        if (!rc)
            *detail =
                x_asprintf("no %s event since the step began", arg ? arg : "?");
        break;
    default:
        break;
    }
    api_machine_free(&m);
    return rc;
}

static int plan_cond_exec(enum plan_cond cond, const char *arg,
                          const struct plan_answer *a, char **detail)
{
    struct api_exec_result e;
    char *cause = NULL, *out;
    int rc;

    if (api_exec_decode(a->body, a->len, &e, &cause) != 0) {
        *detail = x_asprintf("cannot read the exec answer: %s", cause);
        free(cause);
        return -1;
    }
    if (e.exit_code != 0 || e.exit_signal != 0) {
        out = plan_cond_show(e.stderr_text[0] ? e.stderr_text : e.stdout_text);
        if (e.exit_signal != 0)
            *detail = x_asprintf("killed by signal %d: %s", e.exit_signal, out);
        else
            *detail = x_asprintf("exit code %d: %s", e.exit_code, out);
        free(out);
        api_exec_free(&e);
        return 0;
    }
    rc = 1;
    if (cond == PLAN_COND_EXEC_STDOUT) {
        out = plan_trim(e.stdout_text);
        rc = strcmp(out, arg ? arg : "") == 0;
        if (!rc) {
            free(out);
            out = plan_cond_show(e.stdout_text);
            *detail = x_asprintf("output is \"%s\"", out);
        }
        free(out);
    }
    api_exec_free(&e);
    return rc;
}

/* A GraphQL answer: HTTP 200 with "data", and "errors" when a call
 * failed (their first message is the detail). */
static int plan_cond_graphql(const struct plan_answer *a, char **detail)
{
    cJSON *doc = cJSON_ParseWithLength(a->body, a->len);
    const cJSON *errs = cJSON_GetObjectItemCaseSensitive(doc, "errors");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(errs, 0), "message");
    char *out;
    int rc = 1;

    if (!cJSON_IsObject(doc)) {
        *detail = x_strdup("the GraphQL answer is not a JSON object");
        rc = -1;
    } else if (cJSON_GetArraySize(errs) > 0) {
        out = plan_cond_show(cJSON_IsString(msg) ? msg->valuestring
                                                 : "no message");
        *detail = x_asprintf("GraphQL error: %s", out);
        free(out);
        rc = 0;
    }
    cJSON_Delete(doc);
    return rc;
}

int plan_cond_eval(enum plan_cond cond, const char *arg, const char *path,
                   const struct plan_answer *a, char **detail)
{
    struct api_volume v;
    struct api_start st;
    char *cause = NULL;
    int rc;

    *detail = NULL;
    if (cond == PLAN_COND_GONE && a->status == 404)
        return 1;
    if (!plan_is_2xx(a->status)) {
        *detail = plan_cond_http(a);
        return 0;
    }
    switch (cond) {
    case PLAN_COND_OK:
        if (plan_path_is(path, "/exec"))
            return plan_cond_exec(cond, arg, a, detail);
        if (plan_path_is(path, "/start")) {
            if (api_start_decode(a->body, a->len, &st, &cause) != 0) {
                *detail = x_asprintf("cannot read the start answer: %s", cause);
                free(cause);
                return -1;
            }
            rc = strcmp(st.status, "error") != 0;
            if (!rc)
                *detail = x_asprintf("start failed: %s",
                                     st.message[0] ? st.message : "no message");
            api_start_free(&st);
            return rc;
        }
        return 1;
    case PLAN_COND_EXEC_STDOUT:
        return plan_cond_exec(cond, arg, a, detail);
    case PLAN_COND_VOLUME_STATE:
        if (api_volume_decode(a->body, a->len, &v, &cause) != 0) {
            *detail = x_asprintf("cannot read the volume: %s", cause);
            free(cause);
            return -1;
        }
        rc = strcmp(v.state, arg ? arg : "") == 0;
        if (!rc)
            *detail = x_asprintf("state is %s", v.state[0] ? v.state : "?");
        api_volume_free(&v);
        return rc;
    case PLAN_COND_GONE:
        if (strstr(path, "/volumes/")) {
            if (api_volume_decode(a->body, a->len, &v, &cause) != 0) {
                *detail = x_asprintf("cannot read the volume: %s", cause);
                free(cause);
                return -1;
            }
            rc = api_volume_state_gone(v.state);
            if (!rc)
                *detail = x_asprintf("state is %s", v.state[0] ? v.state : "?");
            api_volume_free(&v);
            return rc;
        }
        return plan_cond_machine(cond, arg, a, detail);
    case PLAN_COND_MACHINE_STATE:
    case PLAN_COND_CHECKS_PASSING:
    case PLAN_COND_ROLE:
    case PLAN_COND_EVENT_SINCE:
        return plan_cond_machine(cond, arg, a, detail);
    case PLAN_COND_GRAPHQL_OK:
        return plan_cond_graphql(a, detail);
    }
    *detail = x_strdup("unknown condition");
    return -1;
}

/* Whether V is a safe captured value of kind CAP. */
static int plan_capture_ok(enum plan_capture cap, const char *v)
{
    size_t i;

    if (!*v || strlen(v) > 256)
        return 0;
    for (i = 0; v[i]; i++) {
        unsigned char c = (unsigned char)v[i];

        if (cap == PLAN_CAPTURE_ID) {
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
                return 0;
        } else if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '$') {
            return 0;
        }
    }
    return 1;
}

int plan_capture_value(enum plan_capture cap, const struct plan_answer *a,
                       char **value, char **cause)
{
    cJSON *doc;
    const cJSON *id;
    struct api_exec_result e;
    char *v = NULL, *err = NULL;

    *value = NULL;
    if (cap == PLAN_CAPTURE_ID) {
        doc = cJSON_ParseWithLength(a->body, a->len);
        id = doc ? cJSON_GetObjectItemCaseSensitive(doc, "id") : NULL;
        if (cJSON_IsString(id))
            v = x_strdup(id->valuestring);
        cJSON_Delete(doc);
        if (!v) {
            *cause = x_strdup("the answer has no \"id\"");
            return -1;
        }
    } else if (cap == PLAN_CAPTURE_NEEDS_RESTART) {
        const cJSON *nr;

        doc = cJSON_ParseWithLength(a->body, a->len);
        if (!cJSON_IsObject(doc)) {
            cJSON_Delete(doc);
            *cause = x_strdup("the answer is not a JSON object");
            return -1;
        }
        nr = cJSON_GetObjectItemCaseSensitive(doc, "needs_restart");
        if (nr && !cJSON_IsBool(nr) && !cJSON_IsNull(nr)) {
            cJSON_Delete(doc);
            *cause = x_strdup("needs_restart: expected true or false");
            return -1;
        }
        v = cJSON_IsTrue(nr) ? x_strdup("1") : NULL;
        cJSON_Delete(doc);
        *value = v;
        return 0; /* NULL: no restart needed, the variable stays unset */
    } else if (cap == PLAN_CAPTURE_SNAPSHOT_ID) {
        struct api_snapshot snap;

        if (a->len == 0) {
            *value = NULL; /* an empty 200: taken, id not said */
            return 0;
        }
        if (api_snapshot_created_decode(a->body, a->len, &snap, &err) != 0) {
            *cause = x_asprintf("cannot read the snapshot answer: %s", err);
            free(err);
            return -1;
        }
        v = snap.id && *snap.id ? x_strdup(snap.id) : NULL;
        api_snapshot_free(&snap);
        if (!v) {
            *value = NULL;
            return 0;
        }
        cap = PLAN_CAPTURE_ID; /* checked as an id below */
    } else if (cap == PLAN_CAPTURE_INSTANCE) {
        const cJSON *iid;

        doc = cJSON_ParseWithLength(a->body, a->len);
        iid = doc ? cJSON_GetObjectItemCaseSensitive(doc, "instance_id") : NULL;
        if (cJSON_IsString(iid) && iid->valuestring[0])
            v = x_strdup(iid->valuestring);
        cJSON_Delete(doc);
        if (!v) {
            *cause = x_strdup("the answer has no \"instance_id\"");
            return -1;
        }
        cap = PLAN_CAPTURE_ID; /* checked as an id below */
    } else if (cap == PLAN_CAPTURE_BEGAN) {
        if (a->since_ms <= 0) {
            *cause = x_strdup("the time the step began is not known");
            return -1;
        }
        *value =
            x_asprintf("%lld", (long long)(a->since_ms - PLAN_BOOT_SLACK_MS));
        return 0;
    } else if (cap == PLAN_CAPTURE_EXEC_STDOUT) {
        if (api_exec_decode(a->body, a->len, &e, &err) != 0) {
            *cause = x_asprintf("cannot read the exec answer: %s", err);
            free(err);
            return -1;
        }
        v = plan_trim(e.stdout_text);
        api_exec_free(&e);
        if (!*v) {
            /* A query that found nothing printed nothing: the variable
             * stays unset, and the steps that need it are skipped. */
            free(v);
            *value = NULL;
            return 0;
        }
    } else if (cap == PLAN_CAPTURE_IMAGE_TAG ||
               cap == PLAN_CAPTURE_CONSUL_URL ||
               cap == PLAN_CAPTURE_SECRETS_VERSION) {
        const cJSON *x;

        doc = cJSON_ParseWithLength(a->body, a->len);
        x = cJSON_GetObjectItemCaseSensitive(
            cap == PLAN_CAPTURE_SECRETS_VERSION
                ? doc
                : cJSON_GetObjectItemCaseSensitive(doc, "data"),
            cap == PLAN_CAPTURE_IMAGE_TAG    ? "latestImageTag"
            : cap == PLAN_CAPTURE_CONSUL_URL ? "enablePostgresConsul"
                                             : "version");
        if (cap == PLAN_CAPTURE_CONSUL_URL)
            x = cJSON_GetObjectItemCaseSensitive(x, "consulUrl");
        if (cJSON_IsString(x) && cap != PLAN_CAPTURE_SECRETS_VERSION)
            v = x_strdup(x->valuestring);
        else if (cJSON_IsNumber(x) && cap == PLAN_CAPTURE_SECRETS_VERSION &&
                 x->valuedouble >= 0 && x->valuedouble < 1e15)
            v = x_asprintf("%lld", (long long)x->valuedouble);
        cJSON_Delete(doc);
        if (!v) {
            *cause = x_strdup(cap == PLAN_CAPTURE_IMAGE_TAG
                                  ? "the answer has no data.latestImageTag"
                              : cap == PLAN_CAPTURE_CONSUL_URL
                                  ? "the answer has no data."
                                    "enablePostgresConsul.consulUrl"
                                  : "the answer has no \"version\" number");
            return -1;
        }
    } else {
        *cause = x_strdup("nothing to capture");
        return -1;
    }
    if (!plan_capture_ok(cap, v)) {
        if (cap == PLAN_CAPTURE_CONSUL_URL)
            x_wipe(v, strlen(v));
        *cause = x_asprintf("the captured value is not a plain %s",
                            cap == PLAN_CAPTURE_ID ? "id" : "line of text");
        free(v);
        return -1;
    }
    *value = v;
    return 0;
}

int plan_find_machine(const char *body, size_t len, const char *tag, char **id,
                      char **cause)
{
    struct api_machine *v = NULL;
    size_t n = 0, i;
    const char *t;
    int rc = 0;

    *id = NULL;
    if (api_machines_decode(body, len, &v, &n, cause) != 0)
        return -1;
    for (i = 0; i < n && !rc; i++) {
        t = api_machine_metadata(&v[i], PLAN_TAG_KEY);
        if (t && tag && strcmp(t, tag) == 0 && api_machine_is_active(&v[i])) {
            *id = x_strdup(v[i].id);
            rc = 1;
        }
    }
    api_machines_free(v, n);
    return rc;
}

int plan_find_volume(const char *body, size_t len, const char *name,
                     const char *region, int64_t since_ms, char **id,
                     char **cause)
{
    struct api_volume *v = NULL;
    const struct api_volume *best = NULL;
    size_t n = 0, i;
    int rc;

    *id = NULL;
    if (api_volumes_decode(body, len, &v, &n, cause) != 0)
        return -1;
    for (i = 0; i < n; i++) {
        const struct api_volume *x = &v[i];

        if (x->attached_machine_id[0] || x->created_at_ms < since_ms)
            continue;
        if (api_volume_state_gone(x->state))
            continue;
        if ((name && strcmp(x->name, name) != 0) ||
            (region && strcmp(x->region, region) != 0))
            continue;
        if (!best || x->created_at_ms < best->created_at_ms)
            best = x;
    }
    rc = best ? 1 : 0;
    if (best)
        *id = x_strdup(best->id);
    api_volumes_free(v, n);
    return rc;
}

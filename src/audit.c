#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "src/audit.h"
#include "src/paths.h"
#include "src/plan_impl.h"
#include "src/xmalloc.h"

/*
 * audit: one JSON line per record, appended with a single write() on an
 * O_APPEND descriptor (see audit.h).  Bodies are parsed and embedded with
 * the values of secret-looking keys replaced, at any depth.
 */

#define AUDIT_REDACTED "[redacted]"

static void audit_redact(cJSON *node);
static int audit_key_secret(const char *key);
static void audit_add_str(cJSON *o, const char *key, const char *v);
static char *audit_user(void);

/* Substrings of a key (any case) whose value is never written. */
static const char *const audit_secret_words[] = {
    "password",   "passwd",      "token",   "nonce",         "secret",
    "credential", "private_key", "api_key", "authorization", "cookie"};

static int audit_key_secret(const char *key)
{
    size_t i, k, n;

    if (!key)
        return 0;
    n = strlen(key);
    for (i = 0; i < sizeof audit_secret_words / sizeof *audit_secret_words;
         i++) {
        size_t w = strlen(audit_secret_words[i]);

        for (k = 0; k + w <= n; k++)
            if (strncasecmp(key + k, audit_secret_words[i], w) == 0)
                return 1;
    }
    return 0;
}

static void audit_redact(cJSON *node)
{
    cJSON *c, *r;

    for (c = node ? node->child : NULL; c; c = c->next) {
        if (cJSON_IsObject(node) && audit_key_secret(c->string) &&
            !cJSON_IsNull(c)) {
            /* Replace this very item (keys may repeat): the new one takes
             * its key and its place in the list. */
            r = cJSON_CreateString(AUDIT_REDACTED);
            r->string = c->string;
            c->string = NULL;
            cJSON_ReplaceItemViaPointer(node, c, r);
            c = r;
            continue;
        }
        if (cJSON_IsObject(c) || cJSON_IsArray(c))
            audit_redact(c);
    }
}

static void audit_add_str(cJSON *o, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static char *audit_user(void)
{
    struct passwd *pw = getpwuid(geteuid());
    const char *e = getenv("LOGNAME");

    if (pw && pw->pw_name && *pw->pw_name)
        return x_strdup(pw->pw_name);
    if (e && *e)
        return x_strdup(e);
    return x_asprintf("uid %ld", (long)geteuid());
}

int audit_write(const char *file, const struct audit_rec *rec, char **cause)
{
    cJSON *o = cJSON_CreateObject(), *req, *body;
    char when[40], host[256], *user, *path, *dir, *slash, *line, *text;
    size_t len, off = 0;
    ssize_t w;
    int fd, rc = -1;

    path = file ? x_strdup(file) : paths_audit_log();
    plan_iso_time(plan_wall_ms(), when, sizeof when);
    user = audit_user();
    if (gethostname(host, sizeof host) != 0)
        host[0] = '\0';
    host[sizeof host - 1] = '\0';
    cJSON_AddStringToObject(o, "time", when);
    cJSON_AddStringToObject(o, "user", user);
    audit_add_str(o, "host", host[0] ? host : NULL);
    audit_add_str(o, "context", rec->context);
    audit_add_str(o, "cluster", rec->cluster);
    audit_add_str(o, "plan", rec->plan);
    audit_add_str(o, "action", rec->action);
    if (rec->step > 0)
        cJSON_AddNumberToObject(o, "step", (double)rec->step);
    else
        cJSON_AddNullToObject(o, "step");
    audit_add_str(o, "title", rec->title);
    audit_add_str(o, "phase", rec->phase);
    if (rec->method || rec->path) {
        req = cJSON_AddObjectToObject(o, "request");
        audit_add_str(req, "method", rec->method);
        audit_add_str(req, "path", rec->path);
        body = rec->body ? cJSON_Parse(rec->body) : NULL;
        if (body) {
            audit_redact(body);
            cJSON_AddItemToObject(req, "body", body);
        } else {
            /* Not JSON: kept as text (a plan's bodies are JSON). */
            audit_add_str(req, "body", rec->body);
        }
    } else {
        cJSON_AddNullToObject(o, "request");
    }
    audit_add_str(o, "result", rec->result);
    if (rec->status)
        cJSON_AddNumberToObject(o, "status", rec->status);
    else
        cJSON_AddNullToObject(o, "status");
    audit_add_str(o, "detail", rec->detail);
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    free(user);
    if (!text || !path) {
        if (cause)
            *cause = x_strdup(path ? "cannot format the audit record"
                                   : "no state directory for the audit log");
        free(text);
        free(path);
        return -1;
    }
    line = x_asprintf("%s\n", text);
    free(text);
    len = strlen(line);

    dir = x_strdup(path);
    slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (paths_mkdirs(dir, cause) != 0)
            goto out;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (cause)
            *cause = x_asprintf("cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    /* One write: O_APPEND puts the whole line at the end at once. */
    while (off < len) {
        w = write(fd, line + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    if (off == len && close(fd) == 0) {
        rc = 0;
    } else {
        if (cause)
            *cause = x_asprintf("cannot write %s: %s", path, strerror(errno));
        if (off != len)
            close(fd);
    }
out:
    free(dir);
    free(line);
    free(path);
    return rc;
}

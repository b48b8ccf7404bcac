#include "config.h"

#include <ctype.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/buf.h"
#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/faults.h"
#include "src/platformd/http.h"
#include "src/platformd/routes.h"

struct http_ctx {
    struct buf body;
    int too_big;
};

static struct MHD_Daemon *http_daemon;
static char *http_token;
static int http_admin;

int http_auth_ok(const char *header, const char *token)
{
    const char *given;
    size_t glen, tlen, i;
    unsigned char diff = 0;

    if (!header || !token)
        return 0;
    if (strncasecmp(header, "Bearer ", 7) == 0)
        given = header + 7;
    else if (strncasecmp(header, "FlyV1 ", 6) == 0)
        given = header + 6;
    else
        return 0;
    while (*given == ' ')
        given++;
    glen = strlen(given);
    tlen = strlen(token);
    /* Compare every byte of the token whatever the given length is. */
    for (i = 0; i < tlen; i++)
        diff |= (unsigned char)(token[i] ^ (i < glen ? given[i] : 0));
    diff |= (unsigned char)(glen != tlen);
    return diff == 0;
}

const char *http_query(struct http_req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

struct http_each {
    void (*fn)(void *ctx, const char *key, const char *value);
    void *ctx;
};

static enum MHD_Result http_each_cb(void *cls, enum MHD_ValueKind kind,
                                    const char *key, const char *value)
{
    struct http_each *e = cls;

    (void)kind;
    e->fn(e->ctx, key, value ? value : "");
    return MHD_YES;
}

void http_query_each(struct http_req *r,
                     void (*fn)(void *ctx, const char *key, const char *value),
                     void *ctx)
{
    struct http_each e = {fn, ctx};

    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, http_each_cb, &e);
}

const char *http_header(struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* Whether S (N bytes) is well-formed UTF-8 (no overlongs, no surrogates). */
static int http_utf8_ok(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;

    while (p < e) {
        unsigned c = *p;
        size_t len, i;
        unsigned long cp;

        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if ((size_t)(e - p) < len)
            return 0;
        for (i = 1; i < len; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        p += len;
    }
    return 1;
}

cJSON *http_json_body(struct http_req *r, int required)
{
    cJSON *j;
    const char *p = r->body;
    const char *end = NULL;

    while (p && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    if (!p || !*p) {
        if (required) {
            http_error(r, 400, "request body is required (a JSON object)");
            return NULL;
        }
        return cJSON_CreateObject();
    }
    if (strlen(r->body) != r->body_len) {
        http_error(r, 400, "request body contains a NUL byte");
        return NULL;
    }
    if (strstr(r->body, "\\u0000")) {
        http_error(r, 400, "request body contains an escaped NUL (\\u0000)");
        return NULL;
    }
    if (!http_utf8_ok(r->body, r->body_len)) {
        http_error(r, 400, "request body is not valid UTF-8");
        return NULL;
    }
    j = cJSON_ParseWithLengthOpts(r->body, r->body_len, &end, 0);
    if (j && end) {
        while (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t')
            end++;
        if (*end) {
            cJSON_Delete(j);
            http_error(r, 400, "request body has data after the JSON object");
            return NULL;
        }
    }
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        http_error(r, 400, "request body is not a valid JSON object");
        return NULL;
    }
    return j;
}

void http_reply(struct http_req *r, int status, cJSON *body)
{
    char *text;

    if (r->resp)
        fatalx("http: second answer to one request");
    if (status == 204) {
        cJSON_Delete(body);
        r->status = status;
        r->resp = x_strdup("");
        return;
    }
    if (!body)
        body = cJSON_CreateObject();
    text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    if (!text)
        fatalx("http: out of memory");
    r->status = status;
    r->resp = text;
}

static const char *http_status_word(int status)
{
    switch (status) {
    case 422:
        return "name_taken";
    case 401:
        return "unauthorized";
    case 404:
        return "not_found";
    case 408:
        return "timeout";
    case 409:
        return "conflict";
    default:
        return "unknown";
    }
}

void http_error(struct http_req *r, int status, const char *fmt, ...)
{
    cJSON *o = cJSON_CreateObject();
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = x_vasprintf(fmt, ap);
    va_end(ap);
    cJSON_AddStringToObject(o, "error", msg);
    cJSON_AddStringToObject(o, "status", http_status_word(status));
    free(msg);
    http_reply(r, status, o);
}

static void http_dispatch(struct http_req *r, const char *url)
{
    char *path = x_strdup(url);
    const struct route *rt;
    enum route_match m;
    int is_admin =
        strncmp(url, "/admin/", 7) == 0 || strcmp(url, "/admin") == 0;
    int is_v1 = strncmp(url, "/v1/", 4) == 0 || strcmp(url, "/v1") == 0;

    if ((is_v1 || is_admin) &&
        !http_auth_ok(http_header(r, MHD_HTTP_HEADER_AUTHORIZATION),
                      http_token)) {
        http_error(r, 401, "Authenticate: token validation error");
        free(path);
        return;
    }
    m = route_find(route_table, route_table_len, r->method, path, &rt,
                   r->params, &r->nparams);
    if (m == ROUTE_FOUND && (rt->flags & ROUTE_ADMIN) && !http_admin)
        m = ROUTE_NO_PATH;
    if (m == ROUTE_NO_PATH)
        http_error(r, 404, "not found: %s", url);
    else if (m == ROUTE_BAD_METHOD)
        http_error(r, 405, "method %s not allowed on %s", r->method, url);
    else
        rt->handler(r);
    if (!r->resp)
        http_error(r, 500, "internal error: no answer");
    free(path);
}

static enum MHD_Result http_send(struct MHD_Connection *c, int status,
                                 char *text, size_t len, int retry_after)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/json");
    if (retry_after > 0) {
        char v[24];

        snprintf(v, sizeof v, "%d", retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, v);
    }
    ret = MHD_queue_response(c, (unsigned int)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Fault "wrong_types": every string value of the tree a number, every
 * number or boolean a string; keys and nesting stay. */
static void http_swap_types(cJSON *v)
{
    cJSON *c, *next;

    for (c = v->child; c; c = next) {
        cJSON *repl = NULL;

        next = c->next;
        if (cJSON_IsString(c))
            repl = cJSON_CreateNumber(42);
        else if (cJSON_IsNumber(c))
            repl = cJSON_CreateString("42");
        else if (cJSON_IsBool(c))
            repl = cJSON_CreateString(cJSON_IsTrue(c) ? "true" : "false");
        else
            http_swap_types(c);
        if (repl && c->string)
            cJSON_ReplaceItemInObjectCaseSensitive(v, c->string, repl);
        else if (repl)
            cJSON_ReplaceItemViaPointer(v, c, repl);
    }
}

/* TEXT (owned, *LEN bytes) as body fault B makes it; returns the new text. */
static char *http_mangle(char *text, size_t *len, enum faults_body b)
{
    char *out;
    cJSON *tree;

    switch (b) {
    case FAULTS_BODY_MALFORMED:
        free(text);
        out = x_strdup("{\"error\": \"<html>502 Bad Gateway</html>\",, ]");
        *len = strlen(out);
        return out;
    case FAULTS_BODY_TRUNCATED:
        *len /= 2;
        return text;
    case FAULTS_BODY_HUGE:
        if (*len >= FAULTS_HUGE_BYTES)
            return text;
        out = x_malloc(FAULTS_HUGE_BYTES + 1);
        memcpy(out, text, *len);
        memset(out + *len, ' ', FAULTS_HUGE_BYTES - *len);
        out[FAULTS_HUGE_BYTES] = '\0';
        free(text);
        *len = FAULTS_HUGE_BYTES;
        return out;
    case FAULTS_BODY_WRONG_TYPES:
        tree = cJSON_Parse(text);
        if (!tree)
            return text;
        http_swap_types(tree);
        out = cJSON_PrintUnformatted(tree);
        cJSON_Delete(tree);
        if (!out)
            return text;
        free(text);
        *len = strlen(out);
        return out;
    case FAULTS_BODY_NONE:
    case FAULTS_BODY_RESET:
    default:
        return text;
    }
}

static char *http_error_text(int status, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    char *t;

    cJSON_AddStringToObject(o, "error", msg);
    cJSON_AddStringToObject(o, "status", http_status_word(status));
    t = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return t;
}

static enum MHD_Result http_answer(struct MHD_Connection *c, const char *url,
                                   const char *method, struct http_ctx *ctx)
{
    struct http_req r;
    struct faults_action fa;
    int faulted;
    char *text;
    size_t len;

    memset(&r, 0, sizeof r);
    r.conn = c;
    r.method = method;
    r.path = url;
    r.body = buf_str(&ctx->body);
    r.body_len = ctx->body.len;
    if (ctx->too_big) {
        text = http_error_text(413, "request body larger than 1 MiB");
        return http_send(c, 413, text, strlen(text), 0);
    }
    faulted =
        strncmp(url, "/v1/", 4) == 0 && faults_match(method, url, &fa) == 1;
    if (faulted && (fa.latency_ms > 0 || fa.hang))
        faults_delay(&fa);
    if (faulted && fa.status > 0) {
        char *msg = x_asprintf("injected fault: status %d", fa.status);

        text = http_error_text(fa.status, msg);
        free(msg);
        return http_send(c, fa.status, text, strlen(text), fa.retry_after_s);
    }
    http_dispatch(&r, url);
    text = r.resp;
    len = strlen(text);
    if (r.status >= 400 || strcmp(method, "GET") != 0)
        log_msg("%s %s -> %d", method, url, r.status);
    if (faulted && fa.body == FAULTS_BODY_RESET) {
        /* The work is done, the answer lost: MHD closes the connection. */
        free(text);
        return MHD_NO;
    }
    if (faulted)
        text = http_mangle(text, &len, fa.body);
    return http_send(c, r.status, text, len, r.retry_after_s);
}

static enum MHD_Result http_access(void *cls, struct MHD_Connection *c,
                                   const char *url, const char *method,
                                   const char *version, const char *upload,
                                   size_t *upload_size, void **con_cls)
{
    struct http_ctx *ctx = *con_cls;

    (void)cls;
    (void)version;
    if (!ctx) {
        const char *cl;

        ctx = x_calloc(1, sizeof *ctx);
        *con_cls = ctx;
        cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);

            if (*end == '\0' && n > HTTP_MAX_BODY) {
                char *text =
                    http_error_text(413, "request body larger than 1 MiB");

                ctx->too_big = 1;
                return http_send(c, 413, text, strlen(text), 0);
            }
        }
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!ctx->too_big) {
            if (ctx->body.len + *upload_size > HTTP_MAX_BODY) {
                ctx->too_big = 1;
                buf_free(&ctx->body);
            } else {
                buf_append(&ctx->body, upload, *upload_size);
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    return http_answer(c, url, method, ctx);
}

static void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    struct http_ctx *ctx = *con_cls;

    (void)cls;
    (void)c;
    (void)toe;
    if (!ctx)
        return;
    buf_free(&ctx->body);
    free(ctx);
    *con_cls = NULL;
}

/*
 * URL unescaping that never produces a NUL: "%00" stays literal, so a path
 * or query value cannot be cut short (MHD's default would truncate it).
 */
static size_t http_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    char *r = s, *w = s;

    (void)cls;
    (void)c;
    while (*r) {
        if (r[0] == '%' && isxdigit((unsigned char)r[1]) &&
            isxdigit((unsigned char)r[2])) {
            char hex[3] = {r[1], r[2], '\0'};
            long v = strtol(hex, NULL, 16);

            if (v != 0) {
                *w++ = (char)v;
                r += 3;
                continue;
            }
        }
        *w++ = *r++;
    }
    *w = '\0';
    return (size_t)(w - s);
}

static void http_panic(void *cls, const char *file, unsigned int line,
                       const char *reason) __attribute__((noreturn));
static void http_panic(void *cls, const char *file, unsigned int line,
                       const char *reason)
{
    (void)cls;
    fatalx("libmicrohttpd: %s:%u: %s", file, line, reason ? reason : "");
}

int http_start(int listen_fd, const char *token, int admin, char **cause)
{
    http_token = x_strdup(token);
    http_admin = admin;
    MHD_set_panic_func(http_panic, NULL);
    http_daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
            MHD_USE_ERROR_LOG,
        0, NULL, NULL, http_access, NULL, MHD_OPTION_LISTEN_SOCKET, listen_fd,
        MHD_OPTION_NOTIFY_COMPLETED, http_completed, NULL,
        MHD_OPTION_UNESCAPE_CALLBACK, http_unescape, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)512, MHD_OPTION_END);
    if (!http_daemon) {
        if (cause)
            *cause = x_strdup("cannot start the HTTP server (libmicrohttpd)");
        return -1;
    }
    return 0;
}

void http_stop(void)
{
    if (http_daemon)
        MHD_stop_daemon(http_daemon);
    http_daemon = NULL;
    if (http_token) {
        x_wipe(http_token, strlen(http_token));
        free(http_token);
    }
    http_token = NULL;
}

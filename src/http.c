#include "config.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "src/api.h"
#include "src/buf.h"
#include "src/context.h"
#include "src/http.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/settings.h"
#include "src/xmalloc.h"

/*
 * One struct http_req per request, living from http_get() until its
 * callback ran (or it was cancelled).  A request is QUEUED (waiting for a
 * free slot of the host), RUNNING (an easy handle on the loop's CURLM) or
 * BACKOFF (waiting on a loop timer before the next attempt).  Requests are
 * kept in one list in start order, so the queue is served oldest first.
 *
 * Reaping: the http's poll hook reads curl_multi_info_read() until it is
 * empty; a finished transfer is found through CURLINFO_PRIVATE.  The loop's
 * CURLM may be shared by several struct http, so each message completes
 * the request of whichever http owns it.
 */

enum http_state { HTTP_QUEUED, HTTP_RUNNING, HTTP_BACKOFF };

struct http_req {
    struct http *h;
    struct http_req *prev, *next;
    enum http_state state;
    char *method;
    char *path; /* "/v1/apps?org_slug=personal": for messages and the log */
    char *url;
    char *body;
    size_t body_len;
    char **extra; /* "Name: value" lines */
    size_t nextra;
    CURL *easy;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
    struct buf resp;
    int too_large;
    int attempts;
    int64_t start_ms;
    int64_t timeout_ms; /* total, per attempt */
    uint64_t timer;
    int64_t retry_after_ms;
    char request_id[96];
    char lease_nonce[96];
    http_done_cb cb;
    void *arg;
};

struct http {
    struct loop *loop;
    CURLM *multi;
    char *base;
    char *hostport; /* "127.0.0.1:4280": for connection error messages */
    char *auth;     /* "Authorization: ..." or NULL; wiped when freed */
    char *user_agent;
    char *prefix; /* "/v1", or the config's */
    int max_per_host;
    int64_t connect_timeout_ms, timeout_ms, backoff_ms, backoff_max_ms;
    size_t max_body;
    int retries;
    uint64_t hook;
    struct http_req *head, *tail;
    size_t pending;
    int running;
    int busy;  /* callbacks of this http on the stack */
    int dying; /* http_free() ran while busy */
};

static void http_reap(struct loop *l, void *arg);
static void http_pump(struct http *h);
static void http_start(struct http_req *r);
static void http_finish(struct http_req *r, CURLcode rc);
static void http_complete(struct http_req *r, int status, const char *error,
                          const char *api_status);
static void http_req_free(struct http_req *r);
static void http_unlink(struct http_req *r);
static void http_detach(struct http_req *r);
static void http_backoff_fire(struct loop *l, uint64_t id, void *arg);
static size_t http_on_body(char *p, size_t size, size_t n, void *arg);
static size_t http_on_header(char *p, size_t size, size_t n, void *arg);
static char *http_hostport(const char *base);
static char *http_format_ms(int64_t ms);
static void http_slist_wipe_free(struct curl_slist *list);
static void http_really_free(struct http *h);
static uint32_t http_random(void);

int http_new(struct loop *l, const struct http_config *cfg, struct http **out,
             char **cause)
{
    struct http *h;
    char *auth;

    if (!cfg->base_url || (strncmp(cfg->base_url, "http://", 7) != 0 &&
                           strncmp(cfg->base_url, "https://", 8) != 0)) {
        if (cause)
            *cause = x_asprintf("API URL %s: expected http:// or https://",
                                cfg->base_url ? cfg->base_url : "(none)");
        return -1;
    }
    h = x_calloc(1, sizeof *h);
    h->loop = l;
    h->multi = loop_curl_multi(l);
    h->base = x_strdup(cfg->base_url);
    while (h->base[0] && h->base[strlen(h->base) - 1] == '/')
        h->base[strlen(h->base) - 1] = '\0';
    h->hostport = http_hostport(h->base);
    if (cfg->token && cfg->token[0]) {
        auth = http_auth_value(cfg->token, cfg->scheme);
        h->auth = x_asprintf("Authorization: %s", auth);
        x_wipe(auth, strlen(auth));
        free(auth);
    }
    h->user_agent =
        x_strdup(cfg->user_agent ? cfg->user_agent : "pgdeck/" PACKAGE_VERSION);
    h->prefix = x_strdup(cfg->prefix ? cfg->prefix : "/v1");
    h->max_per_host =
        cfg->max_per_host > 0 ? cfg->max_per_host : HTTP_DEFAULT_MAX_PER_HOST;
    h->connect_timeout_ms = cfg->connect_timeout_ms > 0
                                ? cfg->connect_timeout_ms
                                : HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
    h->timeout_ms =
        cfg->timeout_ms > 0 ? cfg->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
    h->max_body = cfg->max_body > 0 ? cfg->max_body : HTTP_DEFAULT_MAX_BODY;
    h->retries = cfg->retries < 0    ? -1
                 : cfg->retries == 0 ? HTTP_DEFAULT_RETRIES
                                     : cfg->retries;
    h->backoff_ms =
        cfg->backoff_ms > 0 ? cfg->backoff_ms : HTTP_DEFAULT_BACKOFF_MS;
    h->backoff_max_ms = cfg->backoff_max_ms > 0 ? cfg->backoff_max_ms
                                                : HTTP_DEFAULT_BACKOFF_MAX_MS;
    h->hook = loop_add_poll_hook(l, http_reap, h);
    *out = h;
    return 0;
}

int http_new_context(struct loop *l, const struct context *c,
                     const struct settings *s, struct http **out, char **cause)
{
    return http_new_context_at(l, c, NULL, s, out, cause);
}

/* A client of C: PREFIX NULL for the Machines API (its "/v1", the
 * macaroons alone when there are any), else for GraphQL (PREFIX "", every
 * token, as fly-go sends them). */
static int http_new_context_prefix(struct loop *l, const struct context *c,
                                   const char *base_url, const char *prefix,
                                   const struct settings *s, struct http **out,
                                   char **cause);

int http_new_context_at(struct loop *l, const struct context *c,
                        const char *base_url, const struct settings *s,
                        struct http **out, char **cause)
{
    return http_new_context_prefix(l, c, base_url, NULL, s, out, cause);
}

int http_new_graphql(struct loop *l, const struct context *c,
                     const char *base_url, const struct settings *s,
                     struct http **out, char **cause)
{
    char *url = base_url ? x_strdup(base_url) : context_graphql_url(c);
    int rc = http_new_context_prefix(l, c, url, "", s, out, cause);

    free(url);
    return rc;
}

static int http_new_context_prefix(struct loop *l, const struct context *c,
                                   const char *base_url, const char *prefix,
                                   const struct settings *s, struct http **out,
                                   char **cause)
{
    struct context_token tok;
    struct http_config cfg;
    int rc;

    if (c->error && !base_url) {
        if (cause)
            *cause = x_asprintf("context %s: %s", c->name, c->error);
        return -1;
    }
    if (context_token_load(c, &tok, cause) != 0)
        return -1;
    memset(&cfg, 0, sizeof cfg);
    cfg.base_url = base_url ? base_url : c->api_url;
    cfg.prefix = prefix;
    cfg.token = prefix ? tok.all : tok.value; /* GraphQL: every token */
    cfg.scheme = prefix ? tok.all_scheme : tok.scheme;
    if (s) {
        cfg.max_per_host = (int)settings_num(s, SETTINGS_HTTP_MAX_PER_HOST);
        cfg.connect_timeout_ms = settings_num(s, SETTINGS_HTTP_CONNECT_TIMEOUT);
        cfg.timeout_ms = settings_num(s, SETTINGS_HTTP_TIMEOUT);
    }
    rc = http_new(l, &cfg, out, cause);
    context_token_clear(&tok);
    return rc;
}

static void http_slist_wipe_free(struct curl_slist *list)
{
    struct curl_slist *p;

    for (p = list; p; p = p->next) {
        if (p->data)
            x_wipe(p->data, strlen(p->data));
    }
    curl_slist_free_all(list);
}

/* Takes R off the CURLM (or its timer) without calling anything. */
static void http_detach(struct http_req *r)
{
    if (r->easy) {
        curl_multi_remove_handle(r->h->multi, r->easy);
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
        r->h->running--;
    }
    if (r->timer) {
        loop_timer_cancel(r->h->loop, r->timer);
        r->timer = 0;
    }
    http_slist_wipe_free(r->headers);
    r->headers = NULL;
}

static void http_unlink(struct http_req *r)
{
    struct http *h = r->h;

    if (r->prev)
        r->prev->next = r->next;
    else
        h->head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        h->tail = r->prev;
    h->pending--;
}

static void http_req_free(struct http_req *r)
{
    size_t i;

    http_detach(r);
    for (i = 0; i < r->nextra; i++) {
        x_wipe(r->extra[i], strlen(r->extra[i]));
        free(r->extra[i]);
    }
    free(r->extra);
    free(r->method);
    free(r->path);
    free(r->url);
    free(r->body);
    buf_free(&r->resp);
    free(r);
}

static void http_really_free(struct http *h)
{
    while (h->head) {
        struct http_req *r = h->head;

        http_unlink(r);
        http_req_free(r);
    }
    if (h->auth) {
        x_wipe(h->auth, strlen(h->auth));
        free(h->auth);
    }
    free(h->base);
    free(h->hostport);
    free(h->user_agent);
    free(h->prefix);
    free(h);
}

void http_free(struct http *h)
{
    if (!h)
        return;
    loop_del_poll_hook(h->loop, h->hook);
    /* Cancel now so that no callback of H runs any more. */
    while (h->head) {
        struct http_req *r = h->head;

        http_unlink(r);
        http_req_free(r);
    }
    if (h->busy) {
        h->dying = 1;
        return;
    }
    http_really_free(h);
}

struct http_req *http_get(struct http *h, const char *path_and_query,
                          http_done_cb cb, void *arg)
{
    return http_request(h, "GET", path_and_query, NULL, 0, NULL, 0, cb, arg);
}

struct http_req *http_request(struct http *h, const char *method,
                              const char *path, const char *body, size_t len,
                              const struct http_header *headers, size_t n,
                              http_done_cb cb, void *arg)
{
    return http_request_timed(h, method, path, body, len, headers, n, 0, cb,
                              arg);
}

struct http_req *http_request_timed(struct http *h, const char *method,
                                    const char *path, const char *body,
                                    size_t len,
                                    const struct http_header *headers, size_t n,
                                    int64_t timeout_ms, http_done_cb cb,
                                    void *arg)
{
    struct http_req *r = x_calloc(1, sizeof *r);
    size_t i;

    r->h = h;
    r->timeout_ms = timeout_ms > 0 ? timeout_ms : h->timeout_ms;
    r->method = x_strdup(method);
    r->path = x_asprintf("%s%s", h->prefix, path);
    r->url = x_asprintf("%s%s", h->base, r->path);
    if (body) {
        r->body = x_malloc(len + 1);
        memcpy(r->body, body, len);
        r->body[len] = '\0';
        r->body_len = len;
    }
    if (n) {
        r->extra = x_calloc(n, sizeof *r->extra);
        for (i = 0; i < n; i++) {
            r->extra[i] =
                x_asprintf("%s: %s", headers[i].name, headers[i].value);
            /* A header must stay one line. */
            r->extra[i][strcspn(r->extra[i], "\r\n")] = '\0';
        }
        r->nextra = n;
    }
    r->cb = cb;
    r->arg = arg;
    r->start_ms = loop_now_ms();
    r->retry_after_ms = -1;
    r->state = HTTP_QUEUED;
    r->prev = h->tail;
    if (h->tail)
        h->tail->next = r;
    else
        h->head = r;
    h->tail = r;
    h->pending++;
    http_pump(h);
    return r;
}

void http_cancel(struct http_req *r)
{
    struct http *h = r->h;

    http_unlink(r);
    http_req_free(r);
    http_pump(h);
}

size_t http_pending(const struct http *h)
{
    return h->pending;
}

const char *http_base_url(const struct http *h)
{
    return h->base;
}

/* Starts queued requests, oldest first, while the host has free slots. */
static void http_pump(struct http *h)
{
    struct http_req *r;

    for (r = h->head; r && h->running < h->max_per_host; r = r->next) {
        if (r->state == HTTP_QUEUED)
            http_start(r);
    }
}

static void http_start(struct http_req *r)
{
    struct http *h = r->h;
    struct curl_slist *hl = NULL;
    CURL *e;
    size_t i;

    e = curl_easy_init();
    if (!e)
        fatalx("curl_easy_init failed");
    buf_reset(&r->resp);
    r->too_large = 0;
    r->errbuf[0] = '\0';
    r->request_id[0] = '\0';
    r->lease_nonce[0] = '\0';
    r->retry_after_ms = -1;
    r->attempts++;

    hl = curl_slist_append(hl, "Accept: application/json");
    hl = curl_slist_append(hl, "Expect:");
    if (h->auth)
        hl = curl_slist_append(hl, h->auth);
    if (r->body)
        hl = curl_slist_append(hl, "Content-Type: application/json");
    for (i = 0; i < r->nextra; i++)
        hl = curl_slist_append(hl, r->extra[i]);
    if (!hl)
        fatalx("curl_slist_append failed");
    r->headers = hl;

    /* Verbose mode stays off: it would print the Authorization header. */
    curl_easy_setopt(e, CURLOPT_VERBOSE, 0L);
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(e, CURLOPT_USERAGENT, h->user_agent);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS,
                     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)h->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)r->timeout_ms);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
        /* On a reused connection that turns out dead, libcurl sends the
         * request again by itself; a mutation whose answer was lost must
         * not be sent twice behind the plan's back. */
        curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
        if (r->body) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                             (curl_off_t)r->body_len);
        }
    }
    if (curl_multi_add_handle(h->multi, e) != CURLM_OK)
        fatalx("curl_multi_add_handle failed");
    r->easy = e;
    r->state = HTTP_RUNNING;
    h->running++;
}

static size_t http_on_body(char *p, size_t size, size_t n, void *arg)
{
    struct http_req *r = arg;
    size_t len = size * n;

    if (r->resp.len + len > r->h->max_body) {
        r->too_large = 1;
        return 0; /* CURLE_WRITE_ERROR */
    }
    buf_append(&r->resp, p, len);
    return len;
}

/* Copies the value of header NAME at P (LEN bytes, "Name: value\r\n") into
 * OUT (SIZE bytes) when the line is that header.  Returns 1 when it was. */
static int http_header_value(const char *p, size_t len, const char *name,
                             char *out, size_t size)
{
    size_t nl = strlen(name), vl;

    if (len <= nl || strncasecmp(p, name, nl) != 0 || p[nl] != ':')
        return 0;
    p += nl + 1;
    len -= nl + 1;
    while (len && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len &&
           (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == ' '))
        len--;
    vl = len < size - 1 ? len : size - 1;
    memcpy(out, p, vl);
    out[vl] = '\0';
    return 1;
}

static size_t http_on_header(char *p, size_t size, size_t n, void *arg)
{
    struct http_req *r = arg;
    size_t len = size * n;
    char value[96];

    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        /* A new response (after a 100 Continue): forget the last one's. */
        r->retry_after_ms = -1;
        r->request_id[0] = '\0';
        r->lease_nonce[0] = '\0';
    } else if (http_header_value(p, len, "Retry-After", value, sizeof value)) {
        r->retry_after_ms = http_retry_after_parse(value, (int64_t)time(NULL));
    } else {
        if (!http_header_value(p, len, "fly-request-id", r->request_id,
                               sizeof r->request_id))
            http_header_value(p, len, "fly-machine-lease-nonce", r->lease_nonce,
                              sizeof r->lease_nonce);
    }
    return len;
}

static void http_reap(struct loop *l, void *arg)
{
    struct http *h = arg;
    CURLMsg *msg;
    int left;

    (void)l;
    h->busy++;
    while (!h->dying) {
        struct http_req *r = NULL;
        struct http *rh;

        msg = curl_multi_info_read(h->multi, &left);
        if (!msg)
            break;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        if (!r)
            continue; /* not ours: someone else's easy handle */
        rh = r->h;
        rh->busy++;
        http_finish(r, msg->data.result);
        rh->busy--;
        if (rh != h && rh->dying && !rh->busy)
            http_really_free(rh);
    }
    h->busy--;
    if (h->dying && !h->busy)
        http_really_free(h);
}

/* How an attempt ended, from libcurl's result. */
static enum http_outcome http_outcome_of(struct http_req *r, CURLcode rc)
{
    curl_off_t connect_us = 0;
    long sent = 0;

    switch (rc) {
    case CURLE_OK:
        return HTTP_OUTCOME_RESPONSE;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
        return HTTP_OUTCOME_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        /* A reused connection has no connect time: the request sent says
         * the connect is behind it. */
        curl_easy_getinfo(r->easy, CURLINFO_CONNECT_TIME_T, &connect_us);
        curl_easy_getinfo(r->easy, CURLINFO_REQUEST_SIZE, &sent);
        return connect_us > 0 || sent > 0 ? HTTP_OUTCOME_TIMEOUT
                                          : HTTP_OUTCOME_CONNECT_TIMEOUT;
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        return r->too_large || rc == CURLE_FILESIZE_EXCEEDED
                   ? HTTP_OUTCOME_TOO_LARGE
                   : HTTP_OUTCOME_OTHER;
    default:
        return HTTP_OUTCOME_OTHER;
    }
}

/* "10 s", "1.5 s", "250 ms". */
static char *http_format_ms(int64_t ms)
{
    if (ms < 1000)
        return x_asprintf("%lld ms", (long long)ms);
    if (ms % 1000 == 0)
        return x_asprintf("%lld s", (long long)(ms / 1000));
    return x_asprintf("%.1f s", (double)ms / 1000.0);
}

/* The message of a failed attempt that got no response. */
static char *http_transport_error(struct http_req *r, enum http_outcome o,
                                  CURLcode rc)
{
    struct http *h = r->h;
    long oserr = 0;
    char *t, *msg;

    switch (o) {
    case HTTP_OUTCOME_CONNECT:
        curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &oserr);
        if (rc == CURLE_COULDNT_RESOLVE_HOST)
            return x_asprintf("resolve %s: %s", h->hostport,
                              r->errbuf[0] ? r->errbuf
                                           : curl_easy_strerror(rc));
        if (rc == CURLE_COULDNT_CONNECT && oserr)
            return x_asprintf("connect to %s: %s", h->hostport,
                              strerror((int)oserr));
        return x_asprintf("%s %s: %s", r->method, r->path,
                          r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
    case HTTP_OUTCOME_CONNECT_TIMEOUT:
        t = http_format_ms(h->connect_timeout_ms);
        msg = x_asprintf("connect to %s: timed out after %s", h->hostport, t);
        free(t);
        return msg;
    case HTTP_OUTCOME_TIMEOUT:
        t = http_format_ms(r->timeout_ms);
        msg = x_asprintf("%s %s: timed out after %s", r->method, r->path, t);
        free(t);
        return msg;
    case HTTP_OUTCOME_TOO_LARGE:
        if (h->max_body >= 1024 * 1024 && h->max_body % (1024 * 1024) == 0)
            return x_asprintf("%s %s: response too large (over %zu MiB)",
                              r->method, r->path, h->max_body / (1024 * 1024));
        return x_asprintf("%s %s: response too large (over %zu bytes)",
                          r->method, r->path, h->max_body);
    case HTTP_OUTCOME_RESPONSE:
    case HTTP_OUTCOME_OTHER:
    default:
        return x_asprintf("%s %s: %s", r->method, r->path,
                          r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
    }
}

static void http_finish(struct http_req *r, CURLcode rc)
{
    struct http *h = r->h;
    struct http_retry_in in;
    enum http_outcome o = http_outcome_of(r, rc);
    long status = 0;
    int64_t delay;
    char *error = NULL;
    struct api_error ae;

    if (o == HTTP_OUTCOME_RESPONSE)
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    memset(&in, 0, sizeof in);
    in.is_get = strcmp(r->method, "GET") == 0;
    in.outcome = o;
    in.status = (int)status;
    in.retry_after_ms = r->retry_after_ms;
    in.attempt = r->attempts;
    in.retries = h->retries;
    in.backoff_ms = h->backoff_ms;
    in.backoff_max_ms = h->backoff_max_ms;
    in.random = http_random();
    if (http_retry_decide(&in, &delay)) {
        if (log_enabled()) {
            char *why = o == HTTP_OUTCOME_RESPONSE
                            ? x_asprintf("HTTP %ld", status)
                            : http_transport_error(r, o, rc);

            log_msg("http: %s %s: %s; retry %d in %lld ms", r->method, r->path,
                    why, r->attempts, (long long)delay);
            free(why);
        }
        http_detach(r);
        r->state = HTTP_BACKOFF;
        r->timer = loop_timer_add(h->loop, delay, http_backoff_fire, r);
        http_pump(h);
        return;
    }
    if (o != HTTP_OUTCOME_RESPONSE) {
        error = http_transport_error(r, o, rc);
        http_complete(r, 0, error, "");
    } else if (status < 200 || status > 299) {
        api_error_decode(r->resp.data ? r->resp.data : "", r->resp.len,
                         (int)status, &ae);
        error = x_asprintf("HTTP %ld: %s", status, ae.message);
        http_complete(r, (int)status, error, ae.status ? ae.status : "");
        api_error_free(&ae);
    } else {
        http_complete(r, (int)status, NULL, "");
    }
    free(error);
}

static void http_backoff_fire(struct loop *l, uint64_t id, void *arg)
{
    struct http_req *r = arg;

    (void)l;
    (void)id;
    r->timer = 0;
    r->state = HTTP_QUEUED;
    http_pump(r->h);
}

/* Calls R's callback with the outcome and frees R.  R is unlinked first so
 * that the callback sees an accurate http_pending() and may free H. */
static void http_complete(struct http_req *r, int status, const char *error,
                          const char *api_status)
{
    struct http *h = r->h;
    struct http_result res;
    char *full = NULL;

    memset(&res, 0, sizeof res);
    if (error && r->attempts > 1)
        full = x_asprintf("%s (after %d attempts)", error, r->attempts);
    res.status = status;
    buf_puts(&r->resp, "");
    res.body = r->resp.data;
    res.len = r->resp.len;
    res.error = full ? full : error;
    res.api_status = api_status;
    res.attempts = r->attempts;
    res.elapsed_ms = loop_now_ms() - r->start_ms;
    res.request_id = r->request_id;
    res.lease_nonce = r->lease_nonce;
    log_msg("http: %s %s -> %d in %lld ms, %d attempt%s%s%s", r->method,
            r->path, status, (long long)res.elapsed_ms, r->attempts,
            r->attempts == 1 ? "" : "s", res.error ? ": " : "",
            res.error ? res.error : "");
    http_unlink(r);
    http_detach(r);
    http_pump(h);
    r->cb(&res, r->arg);
    free(full);
    http_req_free(r);
}

/* "HOST:PORT" of BASE ("https://api.machines.dev" -> ":443" added). */
static char *http_hostport(const char *base)
{
    const char *p = strstr(base, "://");
    int https = strncmp(base, "https", 5) == 0;
    const char *after;
    char *hp, *t;

    p = p ? p + 3 : base;
    hp = x_strndup(p, strcspn(p, "/"));
    /* An IPv6 literal "[::1]" has colons of its own. */
    after = hp[0] == '[' && strchr(hp, ']') ? strchr(hp, ']') : hp;
    if (strchr(after, ':'))
        return hp;
    t = x_asprintf("%s:%d", hp, https ? 443 : 80);
    free(hp);
    return t;
}

static uint32_t http_random(void)
{
    uint32_t v;

    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v)
        v = (uint32_t)loop_now_ms() * 2654435761u;
    return v;
}

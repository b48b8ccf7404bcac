/*
 * http: HTTP requests to the platform API on the loop's libcurl multi
 * handle.  Nothing here blocks: a request is started, the loop turns, and
 * the completion callback runs from the loop's poll hook.
 *
 * A struct http talks to one API base URL with one token (one context):
 *   - the URL of a request is BASE + "/v1" + PATH (PATH starts with '/');
 *   - the token goes only in the Authorization header ("Bearer" or "FlyV1",
 *     src/context.h); it is never logged, never in an error message, and
 *     libcurl's verbose mode is never turned on;
 *   - at most max_per_host transfers run at once (default 16, setting
 *     http.max_per_host); later requests wait in a FIFO queue;
 *   - connect timeout and total timeout per attempt (http.connect_timeout,
 *     http.timeout);
 *   - GET requests are retried with exponential backoff and jitter on
 *     connection errors (refused, reset, DNS, connect timeout), 502, 503,
 *     504 and 429 (waiting at least Retry-After); a total timeout is not
 *     retried.  Other methods are retried only on 429, the one answer
 *     that says the request was not carried out;
 *   - bodies above max_body (default 32 MiB) fail with "response too
 *     large";
 *   - TLS peer and host verification stay on (there is no option to turn
 *     them off); plain http is accepted for the loopback only (the
 *     settings' URL check).
 *
 * The retry decision (http_retry_decide) and Retry-After parsing are pure
 * functions, unit-tested in tests/unit/test_http_retry.c.
 *
 * Collaborators: loop (CURLM, timers for backoff and the queue, a poll hook
 * for reaping), context (token and auth scheme), settings (limits), api
 * (api_error_decode for error texts), machines (the typed client on top),
 * log (method, path, status, timing; never headers or bodies).
 */
#ifndef PGDECK_SRC_HTTP_H
#define PGDECK_SRC_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "src/context.h"

struct loop;
struct settings;
struct http;
struct http_req;

/* Defaults (used where a struct http_config field is 0). */
#define HTTP_DEFAULT_MAX_PER_HOST 16
#define HTTP_DEFAULT_CONNECT_TIMEOUT_MS 5000
#define HTTP_DEFAULT_TIMEOUT_MS 15000
#define HTTP_DEFAULT_MAX_BODY (32u * 1024u * 1024u)
#define HTTP_DEFAULT_RETRIES 3           /* retries after the first attempt */
#define HTTP_DEFAULT_BACKOFF_MS 250      /* first backoff, doubled each time */
#define HTTP_DEFAULT_BACKOFF_MAX_MS 8000 /* cap of one backoff */
#define HTTP_RETRY_AFTER_MAX_MS 60000    /* cap of an honoured Retry-After */

/* How to build a struct http.  Strings are borrowed for http_new() only
 * (copied; the token copy is wiped when the http is freed).  Numbers of 0
 * mean the default above. */
struct http_config {
    const char *base_url; /* "http://127.0.0.1:4280", no trailing slash */
    const char *token;    /* NULL or "": no Authorization header */
    enum context_auth scheme;
    int max_per_host;
    int64_t connect_timeout_ms;
    int64_t timeout_ms; /* total, per attempt */
    size_t max_body;
    int retries; /* -1: none */
    int64_t backoff_ms;
    int64_t backoff_max_ms;
    const char *user_agent; /* NULL: "pgdeck/VERSION" */
    /* What goes between BASE and a request's PATH: NULL is "/v1" (the
     * Machines API); "" sends PATH as it is (the drills' /admin paths of
     * pgdeck-platformd, src/drill.h).  Added after the first version. */
    const char *prefix;
};

/* The outcome of a request, borrowed by the completion callback for the
 * duration of the call (copy what you keep). */
struct http_result {
    int status;       /* HTTP status of the last attempt; 0: no response */
    const char *body; /* NUL-terminated (also when LEN is 0); never NULL */
    size_t len;
    /* NULL when the request succeeded (2xx).  Else why, for people:
     * "connect to 127.0.0.1:4280: Connection refused",
     * "GET /v1/apps: timed out after 10 s", "HTTP 503: <api error text>",
     * "response too large (over 32 MiB)".  Never contains the token. */
    const char *error;
    /* The API's machine-readable error status ("insufficient_capacity",
     * ...) of a non-2xx answer, else "". */
    const char *api_status;
    int attempts;       /* 1 + retries done */
    int64_t elapsed_ms; /* from http_get() to completion, queue included */
    /* fly-request-id of the last response, or "" (for bug reports). */
    const char *request_id;
    /* The fly-machine-lease-nonce header of the last response, or "" (for
     * issue 5's leases). */
    const char *lease_nonce;
};

/* Called exactly once per request that was not cancelled, from the loop's
 * poll hook or a loop timer (never from inside http_get()).  RES is
 * borrowed for the call.  The request handle is gone when this returns
 * (do not http_cancel it).  The callback may start new requests, cancel
 * others and even http_free() the http. */
typedef void (*http_done_cb)(const struct http_result *res, void *arg);

/* A client for CFG on loop L.  Returns 0 with *out set (owned:
 * http_free()), or -1 with *cause set (a bad base URL). */
int http_new(struct loop *l, const struct http_config *cfg, struct http **out,
             char **cause);
/* A client for context C with the limits of settings S: loads C's token
 * (context_token_load) into the Authorization header and wipes the loaded
 * copy.  Returns 0 with *out set, or -1 with *cause set (no token: the
 * reason from context.h, never the token).  S may be NULL (defaults). */
int http_new_context(struct loop *l, const struct context *c,
                     const struct settings *s, struct http **out, char **cause);
/* Like http_new_context(), at BASE_URL instead of C's api_url when
 * BASE_URL is not NULL: for `local` after platform_ensure(), whose result
 * has the url the daemon actually serves (the context read the url file
 * when it was built, maybe before the daemon was started).  Added after
 * the first version of this header. */
int http_new_context_at(struct loop *l, const struct context *c,
                        const char *base_url, const struct settings *s,
                        struct http **out, char **cause);
/* A client of C's GraphQL API (requests go to BASE + "/graphql" with C's
 * token): BASE is BASE_URL when not NULL (as for http_new_context_at),
 * else context_graphql_url(C).  Returns 0 with *out set, or -1 with
 * *cause set. */
int http_new_graphql(struct loop *l, const struct context *c,
                     const char *base_url, const struct settings *s,
                     struct http **out, char **cause);
/* Cancels every request (no callbacks run), removes the easy handles from
 * the loop's CURLM, wipes the token.  NULL is fine.  May be called from a
 * completion callback of H. */
void http_free(struct http *h);

/* Starts GET BASE/v1PATH_AND_QUERY (PATH_AND_QUERY starts with '/'; query
 * values must already be URL-encoded: see http_escape).  CB(ARG) runs on
 * completion.  Returns a handle, valid until the callback ran or
 * http_cancel(); never NULL. */
struct http_req *http_get(struct http *h, const char *path_and_query,
                          http_done_cb cb, void *arg);

/* Extra headers of a request (issue 5: the lease nonce). */
struct http_header {
    const char *name;  /* "fly-machine-lease-nonce" */
    const char *value; /* must not contain CR or LF */
};

/* Starts METHOD (GET, POST, PUT, DELETE) on BASE/v1PATH with BODY (LEN
 * bytes of JSON, NULL for none; copied) and the N extra HEADERS (copied).
 * Only GET is ever retried; a mutation runs exactly once.  Otherwise as
 * http_get(). */
struct http_req *http_request(struct http *h, const char *method,
                              const char *path, const char *body, size_t len,
                              const struct http_header *headers, size_t n,
                              http_done_cb cb, void *arg);

/* http_request() with its own total timeout per attempt, TIMEOUT_MS (<= 0:
 * the client's).  For the plan runner: an exec of `repmgr standby promote`
 * or a machine create may take longer than a read of the fleet should,
 * on the same client. */
struct http_req *http_request_timed(struct http *h, const char *method,
                                    const char *path, const char *body,
                                    size_t len,
                                    const struct http_header *headers, size_t n,
                                    int64_t timeout_ms, http_done_cb cb,
                                    void *arg);
/* Cancels R: its callback will not run.  R must be a live handle (its
 * callback not run yet). */
void http_cancel(struct http_req *r);

/* Requests not finished yet (running, queued or waiting to retry). */
size_t http_pending(const struct http *h);
/* The base URL (borrowed). */
const char *http_base_url(const struct http *h);

/* TEXT percent-encoded for a path segment or query value (RFC 3986
 * unreserved characters are kept).  Owned by the caller. */
char *http_escape(const char *text);

/* ---- pure parts (http_retry.c), unit-tested ---- */

/* What ended one attempt. */
enum http_outcome {
    HTTP_OUTCOME_RESPONSE, /* a complete response with a status */
    HTTP_OUTCOME_CONNECT,  /* refused, unreachable, DNS, reset, TLS */
    HTTP_OUTCOME_CONNECT_TIMEOUT,
    HTTP_OUTCOME_TIMEOUT,   /* the total timeout: never retried */
    HTTP_OUTCOME_TOO_LARGE, /* body over max_body: never retried */
    HTTP_OUTCOME_OTHER      /* anything else: never retried */
};

/* Inputs of the retry decision. */
struct http_retry_in {
    int is_get; /* only GETs are retried */
    enum http_outcome outcome;
    int status;             /* with HTTP_OUTCOME_RESPONSE */
    int64_t retry_after_ms; /* parsed Retry-After, -1 when absent */
    int attempt;            /* attempts done so far, >= 1 */
    int retries;            /* allowed retries (config) */
    int64_t backoff_ms;     /* first backoff */
    int64_t backoff_max_ms;
    uint32_t random; /* a random number, for the jitter */
};

/* Decides whether to retry.  Returns 1 with *delay_ms set (when to start
 * the next attempt), or 0 (the outcome is final).  Retried: GET, attempt
 * <= retries, and a connection error, connect timeout, 502, 503, 504 or
 * 429.  Delay: backoff_ms * 2^(attempt-1), capped at backoff_max_ms, with
 * "equal jitter" (half fixed, half random); at least retry_after_ms when
 * present (itself capped at HTTP_RETRY_AFTER_MAX_MS). */
int http_retry_decide(const struct http_retry_in *in, int64_t *delay_ms);

/* Parses a Retry-After value: delta-seconds ("120") or an HTTP-date ("Wed,
 * 21 Oct 2015 07:28:00 GMT", relative to NOW_UNIX_S).  Returns the delay
 * in ms (0 for a date in the past), or -1 when VALUE is not valid. */
int64_t http_retry_after_parse(const char *value, int64_t now_unix_s);

/* "Bearer TOKEN" or "FlyV1 TOKEN" as the value of an Authorization header
 * for TOKEN: the scheme CONTEXT_AUTH_FLYV1 or a macaroon (context.h
 * context_token_scheme) gives FlyV1; a TOKEN that already starts with
 * "FlyV1 " or "Bearer " is used as it is.  Owned by the caller, who wipes
 * it (x_wipe) before freeing. */
char *http_auth_value(const char *token, enum context_auth scheme);

#endif

/*
 * http: the libmicrohttpd glue.
 *
 * One MHD daemon, MHD_USE_THREAD_PER_CONNECTION |
 * MHD_USE_INTERNAL_POLLING_THREAD, on a listening socket main.c bound (so
 * port 0 works and only loopback is ever used).  Each request body is
 * collected (at most 1 MiB, else 413), authenticated (Bearer or FlyV1
 * token, constant-time compare; /v1 and /admin), passed through the fault
 * rules (faults.h), routed (route.h) and answered with JSON.  Handlers run
 * on the connection's own thread and may block (/wait, /exec).
 *
 * Errors are always {"error": "...", "status": "..."} JSON.
 *
 * Collaborators: route.h, routes.h, faults.h, cJSON.
 */
#ifndef PGDECK_SRC_PLATFORMD_HTTP_H
#define PGDECK_SRC_PLATFORMD_HTTP_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "src/platformd/route.h"

#define HTTP_MAX_BODY (1024 * 1024)

struct http_req {
    void *conn; /* struct MHD_Connection *, opaque to handlers */
    const char *method;
    const char *path;
    const char *body; /* NUL-terminated */
    size_t body_len;
    const char *params[ROUTE_MAX_PARAMS];
    size_t nparams;
    /* the answer */
    int status;
    char *resp;        /* owned JSON text */
    int retry_after_s; /* >0: a Retry-After header */
};

/*
 * Starts serving on LISTEN_FD (bound and listening) with TOKEN (copied).
 * ADMIN enables the /admin routes.  Returns 0, or -1 with *cause.
 */
int http_start(int listen_fd, const char *token, int admin, char **cause);
/* Stops serving (waits for the connection threads). */
void http_stop(void);

/* Query value KEY of the request, or NULL.  Borrowed. */
const char *http_query(struct http_req *r, const char *key);
/*
 * Calls FN(ctx, key, value) for every query argument in order (repeated
 * keys included).
 */
void http_query_each(struct http_req *r,
                     void (*fn)(void *ctx, const char *key, const char *value),
                     void *ctx);
/* Header NAME (case-insensitive), or NULL.  Borrowed. */
const char *http_header(struct http_req *r, const char *name);

/*
 * Parses the body as a JSON object.  An empty body gives an empty object
 * unless REQUIRED.  On error answers 400 and returns NULL.  The tree is
 * owned by the caller.
 */
cJSON *http_json_body(struct http_req *r, int required);

/* Answers STATUS with BODY (ownership taken; NULL = "{}"). */
void http_reply(struct http_req *r, int status, cJSON *body);
/* Answers STATUS with {"error": <message>, "status": <code word>}. */
void http_error(struct http_req *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether TOKEN equals the daemon's, in constant time (exported for the
 * unit test).  HEADER is the Authorization value. */
int http_auth_ok(const char *header, const char *token);

#endif

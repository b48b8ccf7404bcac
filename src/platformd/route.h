/*
 * route: the path routing table of the daemon.
 *
 * A route is a method, a pattern of '/'-separated segments where ":name"
 * captures one segment, and a handler.  route_find() matches a request
 * against the table, distinguishing "no such path" (404) from "path known,
 * method not allowed" (405).  Pure apart from the table of handlers.
 *
 * Collaborators: http.c (dispatch), routes.h (the handlers).
 */
#ifndef PGDECK_SRC_PLATFORMD_ROUTE_H
#define PGDECK_SRC_PLATFORMD_ROUTE_H

#include <stddef.h>

#define ROUTE_MAX_PARAMS 4

struct http_req;

enum route_flags {
    ROUTE_ADMIN = 1, /* only with --enable-faults */
};

struct route {
    const char *method;
    const char *pattern;
    void (*handler)(struct http_req *r);
    int flags;
};

/* The daemon's table and its length. */
extern const struct route route_table[];
extern const size_t route_table_len;

enum route_match {
    ROUTE_FOUND,
    ROUTE_NO_PATH,
    ROUTE_BAD_METHOD,
};

/*
 * Matches METHOD and PATH (modified in place: segments are NUL-terminated
 * and PARAMS point into it) against TAB.  On ROUTE_FOUND, *out is the route
 * and PARAMS[0..*nparams) the captured segments in pattern order.
 */
enum route_match route_find(const struct route *tab, size_t n,
                            const char *method, char *path,
                            const struct route **out, const char **params,
                            size_t *nparams);

#endif

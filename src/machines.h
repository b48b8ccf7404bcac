/*
 * machines: the Fly Machines API client of the read side, on top of http.h
 * (transport, retries, auth) and api.h (decoders).  Every call starts a GET
 * and returns at once; its callback runs later from the loop with the
 * decoded structs or an error.  Nothing here mutates the platform (issue 5
 * adds the mutations on http_request()).
 *
 * Endpoints (shared/reference/fly-machines-api.md §2-§4):
 *   machines_list_apps      GET /v1/apps?org_slug=ORG
 *   machines_list_machines  GET /v1/apps/APP/machines
 *   machines_get_machine    GET /v1/apps/APP/machines/ID
 *   machines_list_volumes   GET /v1/apps/APP/volumes
 *   machines_list_snapshots GET /v1/apps/APP/volumes/VOL/snapshots
 *
 * Result ownership: the callback gets a struct machines_result whose arrays
 * are owned by the result.  To keep one, take the pointer and set the field
 * to NULL (and its count to 0) inside the callback; whatever is still there
 * when the callback returns is freed (api_*_free).  Strings of the result
 * (error) are borrowed for the call.
 *
 * Collaborators: http (requests), api (decoders and free functions), fleet
 * (the refresh scheduler calls these), status (the CLI), log (never
 * bodies).
 */
#ifndef PGDECK_SRC_MACHINES_H
#define PGDECK_SRC_MACHINES_H

#include <stddef.h>
#include <stdint.h>

#include "src/api.h"

struct http;
struct machines;
struct machines_req;

enum machines_kind {
    MACHINES_APPS,     /* apps, n_apps */
    MACHINES_MACHINES, /* machines, n_machines */
    MACHINES_MACHINE,  /* machine (one, NULL on error) */
    MACHINES_VOLUMES,  /* volumes, n_volumes */
    MACHINES_SNAPSHOTS /* snapshots, n_snapshots */
};

struct machines_result {
    enum machines_kind kind;
    /* NULL on success.  Else the cause for people, never the token:
     * "connect to 127.0.0.1:4280: Connection refused", "HTTP 404: app not
     * found", "list machines of pg-a: machines[2].config.guest.memory_mb:
     * expected a number, got a string" (a body that does not decode). */
    const char *error;
    /* 1 when no HTTP answer came at all (connection error, timeout):
     * "platform unreachable" (pgdeck status exits 4); 0 otherwise. */
    int unreachable;
    int status;         /* HTTP status, 0 when no answer */
    int attempts;       /* as struct http_result */
    int64_t elapsed_ms; /* request start to callback, retries included */
    const char *app;    /* the APP argument ("" for list apps); borrowed */

    /* The decoded answer, by kind; empty (NULL/0) on error. */
    struct api_app *apps;
    size_t n_apps;
    struct api_machine *machines;
    size_t n_machines;
    struct api_machine *machine; /* one, allocated */
    struct api_volume *volumes;
    size_t n_volumes;
    struct api_snapshot *snapshots;
    size_t n_snapshots;
};

/* Called exactly once per request that was not cancelled, from the loop
 * (never from inside the machines_* call that started it).  R is borrowed
 * (see "Result ownership" above).  The request handle is gone when this
 * runs.  The callback may start or cancel requests and free the client. */
typedef void (*machines_cb)(struct machines_result *r, void *arg);

/* A client on H (borrowed: H must outlive it).  Owned by the caller:
 * machines_free(). */
struct machines *machines_new(struct http *h);
/* Cancels every pending request (no callbacks) and frees M.  NULL fine. */
void machines_free(struct machines *m);

/* List the apps of ORG (the context's org slug, e.g. "personal").  Every
 * function below returns a handle valid until its callback ran or
 * machines_cancel(); never NULL. */
struct machines_req *machines_list_apps(struct machines *m, const char *org,
                                        machines_cb cb, void *arg);
/* List the machines of APP (destroyed ones excluded, as the API does). */
struct machines_req *machines_list_machines(struct machines *m, const char *app,
                                            machines_cb cb, void *arg);
/* Get machine ID of APP. */
struct machines_req *machines_get_machine(struct machines *m, const char *app,
                                          const char *id, machines_cb cb,
                                          void *arg);
/* List the volumes of APP (with their usage fields). */
struct machines_req *machines_list_volumes(struct machines *m, const char *app,
                                           machines_cb cb, void *arg);

/* List the snapshots of volume VOL of APP (in the API's order). */
struct machines_req *machines_list_snapshots(struct machines *m,
                                             const char *app, const char *vol,
                                             machines_cb cb, void *arg);

/* Cancels R (a live handle): its callback will not run. */
void machines_cancel(struct machines_req *r);
/* Requests started and not finished yet. */
size_t machines_pending(const struct machines *m);

#endif

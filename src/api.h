/*
 * api: decoders of Fly Machines API response bodies into plain C structs.
 *
 * The console's HTTP layer hands each response body (bytes and length, not
 * necessarily NUL-terminated) to one of the api_*_decode() functions below.
 * Decoding parses with cJSON, copies what the console needs into the structs
 * and deletes the cJSON tree before returning, so no struct ever points into
 * cJSON memory.  The rules (shared/reference/fly-machines-api.md §1.3, §5,
 * §12):
 *   - unknown fields are ignored; missing optional fields and JSON null
 *     leave the field empty ("" for strings, 0 for numbers, no items);
 *   - a field of the wrong type fails the decode with a message naming its
 *     path, e.g. "machines[2].config.guest.memory_mb: expected a number, got
 *     a string";
 *   - integers must be whole numbers within the field's range (sizes are
 *     never negative; anything beyond 2^53 is rejected);
 *   - timestamps are read from RFC3339 strings or integer Unix milliseconds;
 *     durations from Go duration strings ("15s") or integer nanoseconds;
 *   - bodies, strings and lists are bounded (API_MAX_*) against hostile
 *     input.
 *
 * Ownership: after a successful decode every char * field is non-NULL and
 * owned by the struct; the matching api_*_free() releases it.  On failure
 * the output is left zeroed (nothing to free) and *cause, when CAUSE is not
 * NULL, receives an allocated message the caller frees.  Every free function
 * accepts a zeroed struct (and NULL).
 *
 * Collaborators: cJSON (parsing, internal), api_json.h (typed field access,
 * internal), xmalloc.h.  The decoders are pure functions of their input and
 * may be called from any loop phase.
 */
#ifndef PGDECK_SRC_API_H
#define PGDECK_SRC_API_H

#include <stddef.h>
#include <stdint.h>

/* Bounds against hostile bodies. */
#define API_MAX_BODY (64u * 1024u * 1024u)  /* bytes of one body */
#define API_MAX_STRING (64u * 1024u)        /* bytes of one string field */
#define API_MAX_OUTPUT (4u * 1024u * 1024u) /* exec stdout / stderr */
#define API_MAX_ITEMS 100000u               /* entries of one list or map */
#define API_MAX_ERROR_TEXT 512u             /* api_error.message */

/* A string map (env, metadata, image labels), in body order. */
struct api_kv {
    char *key;
    char *value;
};

struct api_map {
    struct api_kv *items;
    size_t n;
};

/* config.guest */
struct api_guest {
    char *cpu_kind; /* "shared", "performance" or "" */
    int cpus;
    int memory_mb;
};

/* config.mounts[] */
struct api_mount {
    char *volume; /* vol_... */
    char *path;
    char *name;
    int size_gb;
    int encrypted;
};

/* config.checks.<name> (the check's definition, not its status) */
struct api_check_config {
    char *name; /* the map key */
    char *type; /* "http", "tcp" */
    int port;
    char *method;
    char *path;
    char *protocol;
    int64_t interval_ns;
    int64_t timeout_ns;
    int64_t grace_period_ns;
};

/* The subset of MachineConfig (§5.2) the console reads. */
struct api_machine_config {
    char *image;
    struct api_guest guest;
    struct api_map env;
    struct api_map metadata;
    struct api_mount *mounts;
    size_t n_mounts;
    char *restart_policy; /* "no", "always", "on-failure", "" */
    int restart_max_retries;
    struct api_check_config *checks;
    size_t n_checks;
    char *stop_signal;
    int64_t stop_timeout_ns;
    int auto_destroy;
};

/* image_ref: the image's OCI labels carry the Postgres identity (§6). */
struct api_image_ref {
    char *registry;
    char *repository;
    char *tag;
    char *digest;
    struct api_map labels;
};

/* checks[]: the status of one health check. */
struct api_check_status {
    char *name;
    char *status; /* "passing", "warning", "critical" */
    char *output; /* the raw HTTP body for http checks */
    int64_t updated_at_ms;
};

/* events[] (newest first in the body, kept in that order). */
struct api_event {
    char *type;   /* launch, start, stop, exit, update, ... */
    char *status; /* created, started, ... */
    char *source; /* user, flyd, proxy */
    int64_t timestamp_ms;
    int has_exit;  /* request.exit_event present */
    int exit_code; /* request.exit_event.exit_code */
    int oom_killed;
};

struct api_machine {
    char *id;
    char *name;
    char *state;
    char *region;
    char *instance_id;
    char *private_ip;
    char *host_status; /* "ok", "unknown", "unreachable", "" */
    char *nonce;       /* only on create with lease_ttl */
    int64_t created_at_ms;
    int64_t updated_at_ms;
    int has_config; /* "config" was present and not null */
    /*
     * 1 when "config" was missing but "incomplete_config" was present and
     * decoded into config instead (host not ok; not suitable to clone).
     */
    int config_incomplete;
    struct api_machine_config config;
    /*
     * The "config" object as compact JSON text (cJSON_PrintUnformatted),
     * "" when it was absent or null (an incomplete_config is not copied:
     * it is not suitable to clone).  Builders of updates and clones send
     * it back verbatim with their changes: the API has no partial updates.
     */
    char *config_json;
    struct api_image_ref image_ref;
    struct api_check_status *checks;
    size_t n_checks;
    struct api_event *events;
    size_t n_events;
    int cordoned;
};

struct api_app {
    char *id;
    char *name;
    char *status;
    char *network;
    char *org_name;
    char *org_slug;
    char *app_role; /* fly-go only; usually "" */
    int machine_count;
    int volume_count;
    int64_t internal_numeric_id;
};

struct api_volume {
    char *id;
    char *name;
    char *state;
    char *region;
    char *zone;
    char *attached_machine_id; /* "" when null */
    char *attached_alloc_id;
    char *fstype;
    char *host_status;
    int size_gb;
    int encrypted;
    int auto_backup_enabled;
    int snapshot_retention; /* days */
    int64_t created_at_ms;
    /* Usage, 0 on volumes that are not attached to a running machine. */
    int64_t blocks;
    int64_t block_size;
    int64_t blocks_free;
    int64_t blocks_avail;
    int64_t bytes_total;
    int64_t bytes_used;
};

/* PUT .../volumes/{id}/extend */
struct api_extend {
    struct api_volume volume;
    int needs_restart;
};

struct api_snapshot {
    char *id; /* vs_... */
    char *digest;
    char *status;
    int64_t size;        /* bytes */
    int64_t volume_size; /* bytes */
    int64_t created_at_ms;
    int retention_days;
};

/* The lease envelope {status, data:{...}}; release answers data {ok:true}. */
struct api_lease {
    char *status; /* "success" */
    char *message;
    char *nonce;
    char *owner;
    char *description;
    char *version;      /* the machine's instance_id when leased */
    int64_t expires_at; /* Unix seconds */
    int ok;             /* data.ok (release) */
};

struct api_exec_result {
    int exit_code;
    int exit_signal;
    char *stdout_text;
    char *stderr_text;
};

/* {"ok": true} from stop, delete, wait ({"ok", "state"} in newer specs). */
struct api_ok {
    int ok;
    char *state;
};

/* POST .../start */
struct api_start {
    char *previous_state;
    char *status; /* fly-go: "error" means failure, see message */
    char *message;
    char *new_host;
    int migrated;
};

/* An error response (§1.4), or whatever a non-2xx body was. */
struct api_error {
    int http_status;
    char *message; /* never empty after api_error_decode */
    char *status;  /* machine-readable: "insufficient_capacity", ... or "" */
};

/*
 * Decoders.  JSON/LEN is the body (LEN bytes, NUL not needed).  Return 0 and
 * fill *OUT, or -1 with *OUT zeroed and *CAUSE set (when CAUSE is not NULL).
 * List variants allocate *OUT (NULL when the list is empty) and set *N.
 */
int api_machine_decode(const char *json, size_t len, struct api_machine *out,
                       char **cause);
int api_machines_decode(const char *json, size_t len, struct api_machine **out,
                        size_t *n, char **cause);
int api_app_decode(const char *json, size_t len, struct api_app *out,
                   char **cause);
/* The list-apps envelope {total_apps, apps:[...]}; *N is the list length. */
int api_apps_decode(const char *json, size_t len, struct api_app **out,
                    size_t *n, char **cause);
int api_volume_decode(const char *json, size_t len, struct api_volume *out,
                      char **cause);
int api_volumes_decode(const char *json, size_t len, struct api_volume **out,
                       size_t *n, char **cause);
int api_extend_decode(const char *json, size_t len, struct api_extend *out,
                      char **cause);
int api_snapshots_decode(const char *json, size_t len,
                         struct api_snapshot **out, size_t *n, char **cause);
/*
 * The on-demand snapshot answer; its body is loosely specified, so any JSON
 * object is accepted and, when it has {"Msg":{"backup":{...}}}, the id
 * (graph_id, "vs_..."), status (state) and created_at are taken from it.
 */
int api_snapshot_created_decode(const char *json, size_t len,
                                struct api_snapshot *out, char **cause);
int api_lease_decode(const char *json, size_t len, struct api_lease *out,
                     char **cause);
int api_exec_decode(const char *json, size_t len, struct api_exec_result *out,
                    char **cause);
int api_ok_decode(const char *json, size_t len, struct api_ok *out,
                  char **cause);
int api_start_decode(const char *json, size_t len, struct api_start *out,
                     char **cause);
/* GET .../metadata: a flat object of strings. */
int api_metadata_decode(const char *json, size_t len, struct api_map *out,
                        char **cause);

/*
 * Fill OUT from a non-2xx response with status HTTP_STATUS.  Never fails:
 * a JSON body {"error", "message", "status"} gives message (fly-go prefers a
 * non-empty "message" over "error") and status; any other body gives its
 * text; an empty one gives "HTTP <status>".  The message is cut to
 * API_MAX_ERROR_TEXT bytes (at a UTF-8 boundary) and control characters and
 * invalid UTF-8 are replaced, so it can be shown as is.  Release with
 * api_error_free().
 */
void api_error_decode(const char *body, size_t len, int http_status,
                      struct api_error *out);

/* What a JSON value is, for messages: "a boolean", "null", "a number",
 * "a string", "an array", "an object" or "an invalid value" (shared by the
 * decoders and the plan journal's reader). */
struct cJSON;
const char *api_cjson_type(const struct cJSON *v);

/* Release the members (and, for lists, the array).  NULL and zeroed OK. */
void api_machine_free(struct api_machine *m);
void api_machines_free(struct api_machine *v, size_t n);
void api_app_free(struct api_app *a);
void api_apps_free(struct api_app *v, size_t n);
void api_volume_free(struct api_volume *v);
void api_volumes_free(struct api_volume *v, size_t n);
void api_extend_free(struct api_extend *e);
void api_snapshot_free(struct api_snapshot *s);
void api_snapshots_free(struct api_snapshot *v, size_t n);
void api_lease_free(struct api_lease *l);
void api_exec_free(struct api_exec_result *r);
void api_ok_free(struct api_ok *o);
void api_start_free(struct api_start *s);
void api_map_free(struct api_map *m);
void api_error_free(struct api_error *e);

/* The value for KEY in M (borrowed), or NULL. */
const char *api_map_get(const struct api_map *m, const char *key);

/*
 * Machine predicates and lookups (§6).  Returned strings and structs are
 * borrowed from M.
 *
 * api_machine_is_postgres: image label fly.app_role=postgres_cluster or
 * config metadata fly-managed-postgres=true (§6.1, a console heuristic).
 * api_machine_is_flex: image label fly.pg-manager=repmgr (flyctl IsFlex).
 * api_machine_is_active: config present and state not destroyed or
 * destroying (the core of flyctl's ListActive filter).
 */
int api_machine_is_postgres(const struct api_machine *m);
int api_machine_is_flex(const struct api_machine *m);
int api_machine_is_active(const struct api_machine *m);

/* 1 when M's host is not ok (host_status set and not "ok") and M is not
 * destroyed: the API may answer it with incomplete_config only, but it is
 * still there, and a member counts as down until its host is back. */
int api_machine_host_down(const struct api_machine *m);

/* 1 when a volume in STATE is being or has been deleted: destroyed, and
 * the states fly-go hides from its volume list (scheduling_destroy,
 * fork_cleanup, waiting_for_detach, pending_destroy, destroying). */
int api_volume_state_gone(const char *state);
/*
 * Machines of the Postgres image that are no cluster member
 * (doc/architecture.md, "Fidelity to postgres-flex"): the kind, or NULL for
 * a member.  "barman" (env IS_BARMAN not empty: flyctl's quorum skips it),
 * "console" (`fly console`: metadata fly_platform_version=v2 and process
 * group fly_app_console) or "release_command" (process group
 * fly_app_release_command, or metadata process_group=release_command):
 * flyctl's ListActive leaves the last two out.  The process group is
 * metadata fly_process_group, else process_group.
 */
const char *api_machine_non_member(const struct api_machine *m);
/*
 * The flavour: "flex" (fly.pg-manager=repmgr), "stolon" (no pg-manager
 * label and image repository flyio/postgres or flyio/postgres-timescaledb,
 * or a postgres_cluster image without one), else the pg-manager label, or
 * "".
 */
const char *api_machine_flavor(const struct api_machine *m);
/*
 * Whether NAME (a repmgr node_name, a pg_stat_replication application_name)
 * names the machine ID of APP whose private IP is IP (NULL or "" unknown):
 * flex uses the machine id from v0.0.63, the hostname
 * "ID.vm.APP.internal" on v0.0.59 and the private IP before; IPs compare
 * as addresses (fdaa:0:1::2 = fdaa:0:1:0:0:0:0:2).
 */
int api_node_name_is(const char *name, const char *id, const char *ip,
                     const char *app);
/* config.env[KEY], image_ref.labels[KEY], config.metadata[KEY], or NULL. */
const char *api_machine_env(const struct api_machine *m, const char *key);
const char *api_machine_label(const struct api_machine *m, const char *key);
const char *api_machine_metadata(const struct api_machine *m, const char *key);
/* The status of the check named NAME, or NULL. */
const struct api_check_status *api_machine_check(const struct api_machine *m,
                                                 const char *name);
/*
 * The role as `fly status` shows it (§6.5): the "role" check's output when
 * that check is passing, "error" when it is not, "unknown" without one.
 */
const char *api_machine_role(const struct api_machine *m);

/*
 * Timestamps and durations.  api_time_parse: an RFC3339 date-time
 * ("2023-09-01T19:47:14.774Z", "2023-12-02T20:59:35+00:00") to Unix
 * milliseconds.  api_time_parse_duration: a Go duration ("15s", "1m30s",
 * "1.5h", "-2ms", "0") to nanoseconds.  Both return 0, or -1 on a malformed
 * or out-of-range input.
 */
int api_time_parse(const char *s, int64_t *ms);
int api_time_parse_duration(const char *s, int64_t *ns);

#endif

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "src/db.h"
#include "src/log.h"
#include "src/probe.h"
#include "src/xmalloc.h"

/*
 * probe: kept connections per node key, a bounded number active at once,
 * and the parsing of the probe query's three result sets (see probe.h).
 */

#define PROBE_LSN                                                              \
    "CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "             \
    "ELSE pg_current_wal_lsn() END"

const char probe_sql[] =
    "SELECT pg_is_in_recovery() AS recovery, "
    "CASE WHEN pg_is_in_recovery() THEN coalesce("
    "(SELECT received_tli FROM pg_stat_wal_receiver)::bigint, "
    "(SELECT timeline_id FROM pg_control_checkpoint())::bigint) "
    "ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))"
    "::bit(32)::bigint END AS timeline, "
    "current_setting('default_transaction_read_only') AS read_only, "
    "CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() END "
    "AS paused, "
    "CASE WHEN pg_is_in_recovery() THEN (extract(epoch FROM "
    "clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::bigint "
    "END AS replay_delay_ms, "
    "(SELECT sum(pg_database_size(oid)) FROM pg_database WHERE datallowconn)"
    "::bigint AS db_size, "
    "(SELECT count(*) FROM pg_stat_activity "
    "WHERE backend_type = 'client backend')::int AS conns, "
    "current_setting('max_connections')::int AS max_conns;\n"
    "SELECT application_name, state, "
    "greatest(0, pg_wal_lsn_diff(" PROBE_LSN ", sent_lsn))::bigint AS sent, "
    "greatest(0, pg_wal_lsn_diff(" PROBE_LSN ", write_lsn))::bigint AS wr, "
    "greatest(0, pg_wal_lsn_diff(" PROBE_LSN ", flush_lsn))::bigint AS fl, "
    "greatest(0, pg_wal_lsn_diff(" PROBE_LSN ", replay_lsn))::bigint AS re, "
    "(extract(epoch FROM write_lag) * 1000)::bigint AS write_lag_ms, "
    "(extract(epoch FROM flush_lag) * 1000)::bigint AS flush_lag_ms, "
    "(extract(epoch FROM replay_lag) * 1000)::bigint AS replay_lag_ms "
    "FROM pg_stat_replication;\n"
    "SELECT slot_name, slot_type, active, CASE WHEN restart_lsn IS NULL "
    "THEN NULL ELSE greatest(0, pg_wal_lsn_diff(" PROBE_LSN
    ", restart_lsn))::bigint END AS retained "
    "FROM pg_replication_slots";

struct probe_entry {
    char *key;
    char *host;
    struct db_conn *conn;
    struct probe_req *req; /* the probe under way, NULL none */
    struct probe *p;
};

struct probe_req {
    struct probe_entry *e;
    probe_cb cb;
    void *arg;
    int started;
    struct probe_req *next; /* queue */
};

struct probe {
    struct loop *loop;
    char *user, *dbname, *passfile, *password;
    int port;
    int64_t connect_timeout_ms, statement_timeout_ms;
    int max_active;
    int active;
    struct probe_entry **entries;
    size_t n_entries, cap_entries;
    struct probe_req *qhead, *qtail;
};

static struct probe_entry *probe_entry(struct probe *p, const char *key,
                                       int create);
static void probe_start(struct probe_req *r);
static void probe_pump(struct probe *p);
static void probe_finish(struct probe_req *r, struct probe_result *res,
                         const char *error);
static void probe_on_state(struct db_conn *c, enum db_state st, void *arg);
static void probe_on_result(struct db_conn *c, const struct db_result *r,
                            const char *error, void *arg);
static int probe_parse(const struct db_result *r, struct probe_result *out,
                       char **cause);
static int64_t probe_i64(const char *s, int64_t dflt);
static void probe_dequeue(struct probe *p, struct probe_req *r);

struct probe *probe_new(struct loop *l, const struct probe_config *cfg)
{
    struct probe *p = x_calloc(1, sizeof *p);

    p->loop = l;
    p->user = x_strdup(cfg->user ? cfg->user : "postgres");
    p->dbname = x_strdup(cfg->dbname ? cfg->dbname : "postgres");
    p->passfile = cfg->passfile ? x_strdup(cfg->passfile) : NULL;
    p->password = cfg->password ? x_strdup(cfg->password) : NULL;
    p->port = cfg->port > 0 ? cfg->port : 5433;
    p->connect_timeout_ms =
        cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 3000;
    p->statement_timeout_ms =
        cfg->statement_timeout_ms > 0 ? cfg->statement_timeout_ms : 5000;
    p->max_active = cfg->max_active > 0 ? cfg->max_active : 32;
    return p;
}

void probe_free(struct probe *p)
{
    size_t i;

    if (!p)
        return;
    for (i = 0; i < p->n_entries; i++) {
        struct probe_entry *e = p->entries[i];

        db_free(e->conn);
        free(e->req);
        free(e->key);
        free(e->host);
        free(e);
    }
    free(p->entries);
    if (p->password) {
        x_wipe(p->password, strlen(p->password));
        free(p->password);
    }
    free(p->user);
    free(p->dbname);
    free(p->passfile);
    free(p);
}

static struct probe_entry *probe_entry(struct probe *p, const char *key,
                                       int create)
{
    struct probe_entry *e;
    size_t i;

    for (i = 0; i < p->n_entries; i++) {
        if (strcmp(p->entries[i]->key, key) == 0)
            return p->entries[i];
    }
    if (!create)
        return NULL;
    if (p->n_entries == p->cap_entries) {
        p->cap_entries = p->cap_entries ? 2 * p->cap_entries : 16;
        p->entries =
            x_reallocarray(p->entries, p->cap_entries, sizeof *p->entries);
    }
    e = x_calloc(1, sizeof *e);
    e->key = x_strdup(key);
    e->p = p;
    p->entries[p->n_entries++] = e;
    return e;
}

struct probe_req *probe_node(struct probe *p, const char *key, const char *host,
                             probe_cb cb, void *arg)
{
    struct probe_entry *e = probe_entry(p, key, 1);
    struct probe_req *r;

    if (e->req)
        return NULL;
    if (!e->host || strcmp(e->host, host) != 0) {
        db_free(e->conn);
        e->conn = NULL;
        free(e->host);
        e->host = x_strdup(host);
    }
    r = x_calloc(1, sizeof *r);
    r->e = e;
    r->cb = cb;
    r->arg = arg;
    e->req = r;
    if (p->active < p->max_active) {
        probe_start(r);
    } else {
        if (p->qtail)
            p->qtail->next = r;
        else
            p->qhead = r;
        p->qtail = r;
    }
    return r;
}

static void probe_start(struct probe_req *r)
{
    struct probe_entry *e = r->e;
    struct probe *p = e->p;
    struct db_params dp;

    r->started = 1;
    p->active++;
    if (e->conn && db_state(e->conn) == DB_IDLE) {
        if (db_query(e->conn, probe_sql, probe_on_result, e) == 0)
            return;
    }
    db_free(e->conn);
    memset(&dp, 0, sizeof dp);
    dp.host = e->host;
    dp.port = p->port;
    dp.user = p->user;
    dp.dbname = p->dbname;
    dp.passfile = p->passfile;
    dp.password = p->password;
    dp.connect_timeout_ms = p->connect_timeout_ms;
    dp.statement_timeout_ms = p->statement_timeout_ms;
    e->conn = db_open(p->loop, &dp, probe_on_state, e);
}

static void probe_pump(struct probe *p)
{
    while (p->qhead && p->active < p->max_active) {
        struct probe_req *r = p->qhead;

        p->qhead = r->next;
        if (!p->qhead)
            p->qtail = NULL;
        r->next = NULL;
        probe_start(r);
    }
}

/* Ends R: the entry is free for the next probe, the slot is released, the
 * caller's callback runs, then the queue moves. */
static void probe_finish(struct probe_req *r, struct probe_result *res,
                         const char *error)
{
    struct probe_entry *e = r->e;
    struct probe *p = e->p;
    probe_cb cb = r->cb;
    void *arg = r->arg;
    char *key = x_strdup(e->key);

    e->req = NULL;
    p->active--;
    free(r);
    cb(key, res, error, arg);
    free(key);
    probe_pump(p);
}

static void probe_on_state(struct db_conn *c, enum db_state st, void *arg)
{
    struct probe_entry *e = arg;

    if (st == DB_IDLE) {
        /* A failed send is reported again as DB_FAILED from the loop. */
        if (e->req && e->req->started)
            (void)db_query(c, probe_sql, probe_on_result, e);
        return;
    }
    if (st == DB_FAILED) {
        char *why = x_strdup(db_error(c));

        db_free(c);
        e->conn = NULL;
        if (e->req && e->req->started)
            probe_finish(e->req, NULL, why);
        free(why);
    }
}

static void probe_on_result(struct db_conn *c, const struct db_result *r,
                            const char *error, void *arg)
{
    struct probe_entry *e = arg;
    struct probe_result res;
    char *cause = NULL;

    (void)c;
    if (!e->req)
        return;
    if (!r) {
        /* The connection's own failure comes again through
         * probe_on_state; an SQL error keeps the connection. */
        if (db_state(c) == DB_FAILED)
            return;
        probe_finish(e->req, NULL, error);
        return;
    }
    if (probe_parse(r, &res, &cause) != 0) {
        char *msg = x_asprintf("%s: %s", e->host, cause);

        free(cause);
        probe_finish(e->req, NULL, msg);
        free(msg);
        return;
    }
    probe_finish(e->req, &res, NULL);
    probe_result_clear(&res);
}

static void probe_dequeue(struct probe *p, struct probe_req *r)
{
    struct probe_req **pp = &p->qhead, *prev = NULL;

    while (*pp && *pp != r) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = r->next;
    if (p->qtail == r)
        p->qtail = prev;
}

void probe_cancel(struct probe_req *r)
{
    struct probe_entry *e = r->e;
    struct probe *p = e->p;

    if (r->started) {
        p->active--;
        if (e->conn && db_state(e->conn) != DB_IDLE) {
            db_free(e->conn);
            e->conn = NULL;
        }
    } else {
        probe_dequeue(p, r);
    }
    e->req = NULL;
    free(r);
    probe_pump(p);
}

void probe_forget(struct probe *p, const char *key)
{
    struct probe_entry *e = probe_entry(p, key, 0);
    size_t i;

    if (!e)
        return;
    if (e->req)
        probe_cancel(e->req);
    db_free(e->conn);
    for (i = 0; i < p->n_entries; i++) {
        if (p->entries[i] == e) {
            p->entries[i] = p->entries[--p->n_entries];
            break;
        }
    }
    free(e->key);
    free(e->host);
    free(e);
}

size_t probe_pending(const struct probe *p)
{
    size_t i, n = 0;

    for (i = 0; i < p->n_entries; i++)
        n += p->entries[i]->req ? 1 : 0;
    return n;
}

size_t probe_connections(const struct probe *p)
{
    size_t i, n = 0;

    for (i = 0; i < p->n_entries; i++)
        n += p->entries[i]->conn ? 1 : 0;
    return n;
}

void probe_result_clear(struct probe_result *r)
{
    size_t i;

    for (i = 0; i < r->n_standbys; i++) {
        free(r->standbys[i].app_name);
        free(r->standbys[i].state);
    }
    free(r->standbys);
    for (i = 0; i < r->n_slots; i++) {
        free(r->slots[i].name);
        free(r->slots[i].type);
    }
    free(r->slots);
    memset(r, 0, sizeof *r);
}

/* S as a whole int64, DFLT for NULL or garbage. */
static int64_t probe_i64(const char *s, int64_t dflt)
{
    char *end;
    long long v;

    if (!s || !*s)
        return dflt;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return dflt;
    return (int64_t)v;
}

#define PROBE_V(set, row, name)                                                \
    db_result_value(r, set, row, db_result_col(r, set, name))

static int probe_parse(const struct db_result *r, struct probe_result *out,
                       char **cause)
{
    const char *v;
    int i, n;

    memset(out, 0, sizeof *out);
    if (db_result_sets(r) < 3 || db_result_rows(r, 0) != 1) {
        *cause = x_strdup("unexpected answer to the probe query");
        return -1;
    }
    v = PROBE_V(0, 0, "recovery");
    out->in_recovery = v && *v == 't';
    out->timeline = probe_i64(PROBE_V(0, 0, "timeline"), -1);
    v = PROBE_V(0, 0, "read_only");
    out->read_only = v && strcmp(v, "on") == 0;
    v = PROBE_V(0, 0, "paused");
    out->replay_paused = v && *v == 't';
    out->replay_delay_ms = probe_i64(PROBE_V(0, 0, "replay_delay_ms"), -1);
    if (out->replay_delay_ms < -1)
        out->replay_delay_ms = 0;
    out->db_size_bytes = probe_i64(PROBE_V(0, 0, "db_size"), -1);
    out->connections = (int)probe_i64(PROBE_V(0, 0, "conns"), -1);
    out->max_connections = (int)probe_i64(PROBE_V(0, 0, "max_conns"), -1);

    n = db_result_rows(r, 1);
    if (n > 0)
        out->standbys = x_calloc((size_t)n, sizeof *out->standbys);
    for (i = 0; i < n; i++) {
        struct probe_standby *s = &out->standbys[out->n_standbys++];

        v = PROBE_V(1, i, "application_name");
        s->app_name = x_strdup(v ? v : "");
        v = PROBE_V(1, i, "state");
        s->state = x_strdup(v ? v : "");
        s->sent_bytes = probe_i64(PROBE_V(1, i, "sent"), -1);
        s->write_bytes = probe_i64(PROBE_V(1, i, "wr"), -1);
        s->flush_bytes = probe_i64(PROBE_V(1, i, "fl"), -1);
        s->replay_bytes = probe_i64(PROBE_V(1, i, "re"), -1);
        s->write_lag_ms = probe_i64(PROBE_V(1, i, "write_lag_ms"), -1);
        s->flush_lag_ms = probe_i64(PROBE_V(1, i, "flush_lag_ms"), -1);
        s->replay_lag_ms = probe_i64(PROBE_V(1, i, "replay_lag_ms"), -1);
    }

    n = db_result_rows(r, 2);
    if (n > 0)
        out->slots = x_calloc((size_t)n, sizeof *out->slots);
    for (i = 0; i < n; i++) {
        struct probe_slot *s = &out->slots[out->n_slots++];

        v = PROBE_V(2, i, "slot_name");
        s->name = x_strdup(v ? v : "");
        v = PROBE_V(2, i, "slot_type");
        s->type = x_strdup(v ? v : "");
        v = PROBE_V(2, i, "active");
        s->active = v && *v == 't';
        s->retained_bytes = probe_i64(PROBE_V(2, i, "retained"), -1);
    }
    log_msg("probe: recovery=%d tl=%lld standbys=%zu slots=%zu",
            out->in_recovery, (long long)out->timeline, out->n_standbys,
            out->n_slots);
    return 0;
}

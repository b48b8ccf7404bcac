/*
 * flexmon: postgres-flex's monitor on the primary (doc/architecture.md
 * "flex's monitor"), run from the daemon's supervision thread.
 *
 * Three timers per primary, each first due one period after the primary
 * is first seen, as flex's tickers are:
 *   - cluster state (every 5 min): the primary asks every voting member
 *     (standby or witness of PRIMARY_REGION) whom it follows.  A member it
 *     cannot reach counts against it; without a majority of the registered
 *     members behind it the primary is quarantined: zombie.lock on the
 *     volume and every database read-only.  A later screening that passes
 *     lifts it.
 *   - dead members (every hour): a voting member that cannot be reached and
 *     has not been reached for the threshold (12 h) is unregistered.  One
 *     never reached since the primary was first seen goes at once, as with
 *     flex, whose map of last sightings starts empty.
 *   - replication slots (every hour): a slot inactive for the threshold
 *     (12 h) is dropped.
 * Periods and thresholds are set with pgdeck-platformd --flex-monitor.
 * Only the supervision thread calls in here: the state needs no lock.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/rt_internal.h"

#define FLEXMON_MAX_SEEN 64

static struct rt_flexmon_cfg flexmon_cfg = {300, 3600, 43200, 3600, 43200};

/* A name and the Unix ms it was last seen (members) or first seen inactive
 * (slots). */
struct flexmon_mark {
    char name[80];
    long long ms;
};

struct flexmon_state {
    char id[32];
    long long next_cluster, next_dead, next_slots;
    struct flexmon_mark seen[FLEXMON_MAX_SEEN];
    size_t nseen;
    struct flexmon_mark idle[FLEXMON_MAX_SEEN];
    size_t nidle;
};

static struct flexmon_state *flexmon_states;
static size_t flexmon_n;

void rt_flexmon_config(const struct rt_flexmon_cfg *cfg)
{
    flexmon_cfg = *cfg;
}

const struct rt_flexmon_cfg *rt_flexmon_current(void)
{
    return &flexmon_cfg;
}

int rt_flexmon_parse(const char *spec, struct rt_flexmon_cfg *cfg, char **why)
{
    static const char *const keys[] = {"cluster", "dead", "dead-after", "slots",
                                       "slot-after"};
    int *slot[5];
    char *copy = x_strdup(spec), *item, *save = NULL;
    size_t k;
    int rc = 0;

    slot[0] = &cfg->cluster_s;
    slot[1] = &cfg->dead_check_s;
    slot[2] = &cfg->dead_after_s;
    slot[3] = &cfg->slot_check_s;
    slot[4] = &cfg->slot_after_s;
    for (item = strtok_r(copy, ",", &save); item && rc == 0;
         item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '='), *end = NULL;
        long v = 0;

        if (eq) {
            *eq = '\0';
            v = strtol(eq + 1, &end, 10);
        }
        for (k = 0; k < 5 && strcmp(keys[k], item) != 0; k++)
            ;
        if (!eq || k == 5 || !*(eq + 1) || *end || v < 1 || v > 604800) {
            *why = x_asprintf("\"%s%s%s\": expected KEY=SECONDS (1 to 604800) "
                              "with KEY one of cluster, dead, dead-after, "
                              "slots, slot-after",
                              item, eq ? "=" : "", eq ? eq + 1 : "");
            rc = -1;
            break;
        }
        *slot[k] = (int)v;
    }
    free(copy);
    return rc;
}

static struct flexmon_state *flexmon_state(const char *id, long long now)
{
    struct flexmon_state *s;
    size_t i;

    for (i = 0; i < flexmon_n; i++)
        if (strcmp(flexmon_states[i].id, id) == 0)
            return &flexmon_states[i];
    flexmon_states =
        x_reallocarray(flexmon_states, flexmon_n + 1, sizeof *flexmon_states);
    s = &flexmon_states[flexmon_n++];
    memset(s, 0, sizeof *s);
    (void)snprintf(s->id, sizeof s->id, "%s", id);
    s->next_cluster = now + (long long)flexmon_cfg.cluster_s * 1000;
    s->next_dead = now + (long long)flexmon_cfg.dead_check_s * 1000;
    s->next_slots = now + (long long)flexmon_cfg.slot_check_s * 1000;
    return s;
}

/* The mark NAME of V (adding it with MS when missing, if ADD). */
static struct flexmon_mark *flexmon_mark(struct flexmon_mark *v, size_t *n,
                                         const char *name, long long ms,
                                         int add)
{
    size_t i;

    for (i = 0; i < *n; i++)
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    if (!add || *n >= FLEXMON_MAX_SEEN)
        return NULL;
    (void)snprintf(v[*n].name, sizeof v[*n].name, "%s", name);
    v[*n].ms = ms;
    return &v[(*n)++];
}

static void flexmon_unmark(struct flexmon_mark *v, size_t *n, const char *name)
{
    size_t i;

    for (i = 0; i < *n; i++)
        if (strcmp(v[i].name, name) == 0) {
            v[i] = v[--*n];
            return;
        }
}

/* One voting member: id, name, and the host of its conninfo. */
struct flexmon_voter {
    int id;
    char *name;
    char *host;
};

static void flexmon_voters_free(struct flexmon_voter *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].host);
    }
    free(v);
}

/* The host= of a libpq conninfo string (owned), or NULL. */
static char *flexmon_host(const char *conninfo)
{
    const char *h = strstr(conninfo, "host=");
    size_t len;

    if (!h)
        return NULL;
    h += 5;
    len = strcspn(h, " ");
    return len ? x_strndup(h, len) : NULL;
}

/*
 * This node's name when repmgr registers it as the primary, and its voting
 * members (flex's VotingMembers: standbys and witnesses of PRIMARY_REGION).
 * Returns 1 on a primary, 0 on any other node or when it cannot tell.
 */
static int flexmon_members(const struct rt_machine *m, char **me,
                           struct flexmon_voter **voters, size_t *n)
{
    struct pg_conn *c = pgq_local(m, "repmgr", NULL);
    char *sql, *v, *rows, *line, *save = NULL;
    int primary;

    *me = NULL;
    *voters = NULL;
    *n = 0;
    if (!c)
        return 0;
    sql = x_asprintf("SELECT type || ' ' || node_name FROM repmgr.nodes "
                     "WHERE node_id = %d",
                     m->repmgr_node_id);
    v = pgq_value(c, sql, NULL);
    free(sql);
    primary = v && strncmp(v, "primary ", 8) == 0;
    if (primary)
        *me = x_strdup(v + 8);
    free(v);
    rows = !primary ? NULL
                    : pgq_value(c,
                                "SELECT string_agg(node_id || ' ' || node_name "
                                "|| ' ' || conninfo, E'\\n') FROM "
                                "repmgr.nodes WHERE type IN ('standby', "
                                "'witness') AND location = (SELECT location "
                                "FROM repmgr.nodes n WHERE n.type = "
                                "'primary' AND n.active LIMIT 1)",
                                NULL);
    pgq_close(c);
    for (line = rows ? strtok_r(rows, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
        struct flexmon_voter *x;

        if (!sp2)
            continue;
        *voters = x_reallocarray(*voters, *n + 1, sizeof **voters);
        x = &(*voters)[(*n)++];
        x->id = (int)strtol(line, NULL, 10);
        x->name = x_strndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
        x->host = flexmon_host(sp2 + 1);
    }
    free(rows);
    return primary;
}

/* Whom voter V follows (owned), or NULL when it cannot be reached. */
static char *flexmon_ask(const struct rt_machine *m,
                         const struct flexmon_voter *v)
{
    struct pg_conn *c =
        v->host ? pgq_remote(v->host, "repmgr", m->repl_password, 2, NULL)
                : NULL;
    char *who;

    if (!c)
        return NULL;
    who = pgq_value(c,
                    "SELECT node_name FROM repmgr.nodes WHERE type = "
                    "'primary' AND active LIMIT 1",
                    NULL);
    pgq_close(c);
    return who;
}

int rt_flexmon_diagnose(int members, int active, int conflicts,
                        int top_conflict)
{
    int quorum = members / 2 + 1;

    if (members == 1)
        return RT_FLEXMON_PRIMARY;
    if (active < quorum)
        return RT_FLEXMON_UNDECIDED;
    /* Inactive members count against it: only those that answered and
     * follow it are for it. */
    if (members - (members - active) - conflicts >= quorum)
        return conflicts > 0 ? RT_FLEXMON_UNDECIDED : RT_FLEXMON_PRIMARY;
    if (top_conflict >= quorum)
        return RT_FLEXMON_ZOMBIE;
    return RT_FLEXMON_UNDECIDED;
}

/* flex's clusterStateMonitorTick on primary M. */
static void flexmon_cluster(const struct rt_machine *m, const char *me,
                            const struct flexmon_voter *v, size_t n)
{
    int active = 1, conflicts = 0, top = 0, verdict;
    char **other = x_calloc(n + 1, sizeof *other), *cause = NULL;
    size_t i, k;

    for (i = 0; i < n; i++) {
        char *who = flexmon_ask(m, &v[i]);

        if (!who) {
            node_console(m, "[WARN] Failed to connect to %s", v[i].name);
            continue;
        }
        active++;
        if (strcmp(who, me) != 0)
            other[conflicts++] = who;
        else
            free(who);
    }
    /* The primary the most members follow instead. */
    for (i = 0; i < (size_t)conflicts; i++) {
        int same = 0;

        for (k = 0; k < (size_t)conflicts; k++)
            same += strcmp(other[i], other[k]) == 0;
        if (same > top)
            top = same;
    }
    for (i = 0; i < (size_t)conflicts; i++)
        free(other[i]);
    free(other);
    node_console(m,
                 "Voting member(s): %zu, Active: %d, Inactive: %d, "
                 "Conflicts: %d",
                 n + 1, active, (int)(n + 1) - active, conflicts);
    verdict = rt_flexmon_diagnose((int)n + 1, active, conflicts, top);
    if (verdict != RT_FLEXMON_PRIMARY) {
        if (rt_quarantine(m, 1, &cause) != 0) {
            log_msg("flex monitor: %s: quarantine failed: %s", m->id, cause);
            free(cause);
            return;
        }
        node_console(m,
                     "clusterStateMonitorTick failed with: primary has been "
                     "quarantined: %s (%d of %zu members reachable)",
                     verdict == RT_FLEXMON_ZOMBIE
                         ? "majority of registered members confirmed we are "
                           "not the real primary"
                         : "unable to confirm we are the true primary",
                     active, n + 1);
        return;
    }
    if (rt_quarantined(m)) {
        node_console(m, "Clearing zombie lock and enabling read/write");
        if (rt_quarantine(m, 0, &cause) != 0) {
            log_msg("flex monitor: %s: lifting the quarantine: %s", m->id,
                    cause);
            free(cause);
        }
    }
}

/* flex's deadMemberMonitorTick. */
static void flexmon_dead(const struct rt_machine *m,
                         const struct flexmon_voter *v, size_t n,
                         struct flexmon_state *st, long long now)
{
    size_t i;

    for (i = 0; i < n; i++) {
        struct flexmon_mark *k;
        char *who = flexmon_ask(m, &v[i]), *cause = NULL;

        if (who) {
            free(who);
            flexmon_mark(st->seen, &st->nseen, v[i].name, now, 1)->ms = now;
            continue;
        }
        k = flexmon_mark(st->seen, &st->nseen, v[i].name, 0, 0);
        if (k && now - k->ms < (long long)flexmon_cfg.dead_after_s * 1000)
            continue;
        node_console(m, "Removing dead member: %s", v[i].name);
        if (node_unregister(m, v[i].id, &cause) != 0) {
            node_console(m, "failed to unregister member %s: %s", v[i].name,
                         cause ? cause : "unknown error");
            free(cause);
            continue;
        }
        flexmon_unmark(st->seen, &st->nseen, v[i].name);
    }
}

/* flex's replicationSlotMonitorTick. */
static void flexmon_slots(const struct rt_machine *m, struct flexmon_state *st,
                          long long now)
{
    struct pg_conn *c = pgq_local(m, "postgres", NULL);
    char *rows, *line, *save = NULL;

    if (!c)
        return;
    rows = pgq_value(c,
                     "SELECT string_agg(slot_name || ' ' || active::text, "
                     "E'\\n') FROM pg_replication_slots",
                     NULL);
    for (line = rows ? strtok_r(rows, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(line, ' '), *sql;
        struct flexmon_mark *k;

        if (!sp)
            continue;
        *sp = '\0';
        if (strcmp(sp + 1, "true") == 0) {
            flexmon_unmark(st->idle, &st->nidle, line);
            continue;
        }
        k = flexmon_mark(st->idle, &st->nidle, line, now, 1);
        if (!k || now - k->ms <= (long long)flexmon_cfg.slot_after_s * 1000)
            continue;
        node_console(m, "Dropping replication slot: %s", line);
        sql = x_asprintf("SELECT pg_drop_replication_slot('%s')", line);
        if (strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
            strlen(line))
            (void)pgq_exec(c, sql, NULL);
        free(sql);
        flexmon_unmark(st->idle, &st->nidle, line);
    }
    free(rows);
    pgq_close(c);
}

void rt_flexmon_tick(const struct rt_machine *m, long long now)
{
    struct flexmon_state *st;
    struct flexmon_voter *v = NULL;
    size_t n = 0;
    char *me = NULL;
    int cluster, dead, slots;

    if (!m->is_postgres || m->no_repmgr || !m->volume_path)
        return;
    st = flexmon_state(m->id, now);
    cluster = now >= st->next_cluster;
    dead = now >= st->next_dead;
    slots = now >= st->next_slots;
    if (!cluster && !dead && !slots)
        return;
    if (cluster)
        st->next_cluster = now + (long long)flexmon_cfg.cluster_s * 1000;
    if (dead)
        st->next_dead = now + (long long)flexmon_cfg.dead_check_s * 1000;
    if (slots)
        st->next_slots = now + (long long)flexmon_cfg.slot_check_s * 1000;
    if (!flexmon_members(m, &me, &v, &n))
        return; /* flex's monitor watches the primary only */
    if (dead)
        flexmon_dead(m, v, n, st, now);
    if (cluster) {
        /* The members again: the dead ones may be gone now. */
        flexmon_voters_free(v, n);
        free(me);
        if (flexmon_members(m, &me, &v, &n))
            flexmon_cluster(m, me, v, n);
    }
    if (slots)
        flexmon_slots(m, st, now);
    flexmon_voters_free(v, n);
    free(me);
}

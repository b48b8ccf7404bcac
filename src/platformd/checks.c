/*
 * checks: the health checks pg, role and vm with postgres-flex's outputs,
 * the disk-capacity read-only rule, and WAL replay pause.
 *
 * Output format (fly-checks): one line per check, "[✓] name: message
 * (duration)" or "[✗] name: error (duration)", the duration as Go prints a
 * time.Duration rounded to two digits.  The role check prints the bare
 * message.  A failure while setting up (no connection) is the error text
 * alone.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/xmalloc.h"

#include "src/platformd/rt_internal.h"
#include "src/platformd/volume.h"

#define CHECKS_READONLY_PCT 90.0

struct checks_suite {
    struct buf out;
    int failed;
    long long t0;
};

static long long checks_ns(void);
static void checks_duration(struct buf *b, long long ns);
static void checks_begin(struct checks_suite *s);
static void checks_add(struct checks_suite *s, const char *name, int ok,
                       const char *msg);
static void checks_data_size(struct buf *b, unsigned long long size);
static int checks_lock(const struct rt_machine *m, const char *name);
static int checks_member(const struct rt_machine *m, struct pg_conn *c,
                         char **type, int *active, char **cause);
static int checks_disk(const struct rt_machine *m, double *used_pct,
                       unsigned long long *avail, double *free_pct);
static void checks_vm(const struct rt_machine *m, struct checks_suite *s);
static void checks_pressure(struct checks_suite *s, const char *name);
static int checks_pg(const struct rt_machine *m, char **output);
static int checks_role(const struct rt_machine *m, char **output);
static int checks_readonly_sql(const struct rt_machine *m, int on,
                               char **cause);

static long long checks_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Go's time.Duration.String() after fly-checks' roundDuration(d, 2). */
static void checks_duration(struct buf *b, long long ns)
{
    static const struct {
        long long unit;
        const char *name;
    } units[] = {{1000000000LL, "s"}, {1000000LL, "ms"}, {1000LL, "µs"}};
    char num[64];
    size_t n;

    if (ns <= 0) {
        buf_puts(b, "0s");
        return;
    }
    for (size_t i = 0; i < 3; i++) {
        if (ns > units[i].unit) {
            long long step = units[i].unit / 100;
            long long r = (ns + step / 2) / step; /* hundredths */

            snprintf(num, sizeof num, "%lld.%02lld", r / 100, r % 100);
            n = strlen(num);
            while (num[n - 1] == '0')
                num[--n] = '\0';
            if (num[n - 1] == '.')
                num[--n] = '\0';
            buf_printf(b, "%s%s", num, units[i].name);
            return;
        }
    }
    buf_printf(b, "%lldns", ns);
}

static void checks_begin(struct checks_suite *s)
{
    s->t0 = checks_ns();
}

static void checks_add(struct checks_suite *s, const char *name, int ok,
                       const char *msg)
{
    if (s->out.len)
        buf_putc(&s->out, '\n');
    buf_printf(&s->out, "[%s] %s: %s (", ok ? "✓" : "✗", name, msg);
    checks_duration(&s->out, checks_ns() - s->t0);
    buf_putc(&s->out, ')');
    if (!ok)
        s->failed = 1;
}

/* postgres-flex's dataSize(): 1024-based, two decimals, shortest form. */
static void checks_data_size(struct buf *b, unsigned long long size)
{
    static const char *const suffix[] = {"B", "KB", "MB", "GB", "TB"};
    double v = (double)size;
    size_t k = 0;
    char num[64];
    size_t n;

    while (v >= 1024.0 && k < 4) {
        v /= 1024.0;
        k++;
    }
    snprintf(num, sizeof num, "%.2f",
             (double)(long long)(v * 100.0 + 0.5) / 100.0);
    n = strlen(num);
    while (n > 1 && num[n - 1] == '0')
        num[--n] = '\0';
    if (num[n - 1] == '.')
        num[--n] = '\0';
    buf_printf(b, "%s %s", num, suffix[k]);
}

static int checks_lock(const struct rt_machine *m, const char *name)
{
    char *p;
    struct stat st;
    int ok;

    if (!m->volume_path)
        return 0;
    p = x_asprintf("%s/%s", m->volume_path, name);
    ok = stat(p, &st) == 0;
    free(p);
    return ok;
}

static int checks_member(const struct rt_machine *m, struct pg_conn *c,
                         char **type, int *active, char **cause)
{
    /* A stolon image has no repmgr: its role is the server's own. */
    char *sql = m->no_repmgr
                    ? x_strdup("SELECT CASE WHEN pg_is_in_recovery() THEN "
                               "'standby' ELSE 'primary' END || ' true'")
                    : x_asprintf("SELECT type || ' ' || active::text FROM "
                                 "repmgr.nodes WHERE node_id = %d",
                                 m->repmgr_node_id);
    char *v = pgq_value(c, sql, cause);
    char *sp;

    free(sql);
    if (!v) {
        if (cause && *cause && strcmp(*cause, "no value") == 0) {
            free(*cause);
            *cause = x_strdup("no rows in result set");
        }
        return -1;
    }
    sp = strchr(v, ' ');
    *active = sp && strcmp(sp + 1, "true") == 0;
    if (sp)
        *sp = '\0';
    *type = v;
    return 0;
}

static int checks_disk(const struct rt_machine *m, double *used_pct,
                       unsigned long long *avail, double *free_pct)
{
    struct vol_usage u;
    unsigned long long size;

    if (!m->volume_id ||
        vol_usage(m->volume_id, (uint64_t)m->volume_bytes, &u, NULL) != 0)
        return -1;
    size = (unsigned long long)(u.blocks * u.block_size);
    if (size == 0)
        return -1;
    *avail = (unsigned long long)(u.blocks_avail * u.block_size);
    *used_pct = (double)(size - *avail) / (double)size * 100.0;
    *free_pct = (double)*avail / (double)size * 100.0;
    return 0;
}

/*
 * flex fails the load and pressure lines of the vm check on a VM of its own.
 * Here every machine shares this host, and the host also runs whatever
 * builds and tests run beside the platform: its load and pressure say
 * nothing about one machine, and failing on them would mark every machine
 * of every cluster unhealthy (and make flyctl refuse every failover
 * candidate) whenever the host is busy.  They are shown in flex's words and
 * never fail; checkDisk, which is the machine's own, fails as in flex.
 * (pgdeck-platformd(8), "Health and supervision".)
 */
static void checks_pressure(struct checks_suite *s, const char *name)
{
    char *path = x_asprintf("/proc/pressure/%s", name);
    char *text = proc_read_file(path, 4096);
    double a10 = 0, a60 = 0, a300 = 0;
    struct buf msg = BUF_INIT;

    if (text && sscanf(text, "some avg10=%lf avg60=%lf avg300=%lf", &a10, &a60,
                       &a300) != 3)
        a10 = a60 = a300 = 0;
    buf_puts(&msg, "system spent ");
    checks_duration(&msg, (long long)(60.0 * a60 / 100.0 * 1e9));
    buf_printf(&msg, " of the last 60s waiting on %s", name);
    checks_add(s, name, 1, buf_str(&msg));
    buf_free(&msg);
    free(text);
    free(path);
}

static void checks_vm(const struct rt_machine *m, struct checks_suite *s)
{
    double used, freep, l1 = 0, l5 = 0, l15 = 0;
    unsigned long long avail;
    struct buf msg = BUF_INIT;
    char *text;

    checks_begin(s);
    if (checks_disk(m, &used, &avail, &freep) == 0) {
        checks_data_size(&msg, avail);
        buf_printf(&msg, " (%.1f%%) free space on /data/", freep);
        checks_add(s, "checkDisk", freep >= 10.0, buf_str(&msg));
    } else {
        checks_add(s, "checkDisk", 0, "/data/: no such file or directory");
    }
    buf_reset(&msg);
    checks_begin(s);
    text = proc_read_file("/proc/loadavg", 4096);
    if (!text || sscanf(text, "%lf %lf %lf", &l1, &l5, &l15) != 3) {
        checks_add(s, "checkLoad", 0, "cannot read /proc/loadavg");
    } else {
        /* The host's load, shown and never failed: see checks_pressure. */
        buf_printf(&msg, "load averages: %.2f %.2f %.2f", l15, l5, l1);
        checks_add(s, "checkLoad", 1, buf_str(&msg));
    }
    free(text);
    buf_free(&msg);
    checks_begin(s);
    checks_pressure(s, "memory");
    checks_begin(s);
    checks_pressure(s, "cpu");
    checks_begin(s);
    checks_pressure(s, "io");
}

static int checks_pg(const struct rt_machine *m, char **output)
{
    struct checks_suite s = {BUF_INIT, 0, 0};
    struct pg_conn *local, *rep;
    char *err = NULL, *type = NULL, *v;
    int active = 0;

    local = pgq_local(m, "postgres", &err);
    if (!local) {
        *output = x_asprintf("failed to connect with local node: %s", err);
        free(err);
        return 1;
    }
    rep = pgq_local(m, "repmgr", &err);
    if (!rep) {
        *output = x_asprintf("failed to connect to repmgr node: %s", err);
        free(err);
        pgq_close(local);
        return 1;
    }
    if (checks_member(m, rep, &type, &active, &err) != 0) {
        *output = x_asprintf("failed to resolve local member role: %s", err);
        free(err);
        pgq_close(local);
        pgq_close(rep);
        return 1;
    }
    checks_begin(&s);
    v = pgq_value(local,
                  "SELECT used || ' used, ' || res || ' reserved, ' || mx || "
                  "' max' FROM (SELECT count(*) used FROM pg_stat_activity) "
                  "q1, (SELECT setting::int res FROM pg_settings WHERE name = "
                  "'superuser_reserved_connections') q2, (SELECT setting::int "
                  "mx FROM pg_settings WHERE name = 'max_connections') q3",
                  &err);
    checks_add(&s, "connections", v ? 1 : 0, v ? v : err);
    free(v);
    free(err);
    err = NULL;
    if (strcmp(type, "primary") == 0) {
        checks_begin(&s);
        if (checks_lock(m, "zombie.lock"))
            checks_add(&s, "cluster-locks", 0, "`zombie.lock` detected");
        else if (checks_lock(m, "readonly.lock"))
            checks_add(&s, "cluster-locks", 0, "`readonly.lock` detected");
        else
            checks_add(&s, "cluster-locks", 1, "No active locks detected");
        if (active) {
            double used, freep;
            unsigned long long avail;
            char *msg;

            checks_begin(&s);
            if (checks_disk(m, &used, &avail, &freep) != 0) {
                checks_add(&s, "disk-capacity", 0,
                           "failed to calculate disk usage: /data/: no such "
                           "file or directory");
            } else if (used > CHECKS_READONLY_PCT) {
                if (rt_set_readonly(m, 1, &err) != 0) {
                    msg =
                        x_asprintf("failed to turn primary readonly: %s", err);
                } else {
                    msg = x_asprintf("%0.1f%% - extend your volume to "
                                     "re-enable writes",
                                     used);
                }
                checks_add(&s, "disk-capacity", 0, msg);
                free(msg);
            } else if (!checks_lock(m, "zombie.lock") &&
                       checks_lock(m, "readonly.lock") &&
                       rt_set_readonly(m, 0, &err) != 0) {
                msg = x_asprintf("failed to turn primary read/write: %s", err);
                checks_add(&s, "disk-capacity", 0, msg);
                free(msg);
            } else {
                msg = x_asprintf("%0.1f%% - readonly mode will be enabled at "
                                 "%0.1f%%",
                                 used, CHECKS_READONLY_PCT);
                checks_add(&s, "disk-capacity", 1, msg);
                free(msg);
            }
            free(err);
        }
    }
    free(type);
    pgq_close(local);
    pgq_close(rep);
    *output = buf_steal(&s.out);
    return s.failed ? 1 : 0;
}

static int checks_role(const struct rt_machine *m, char **output)
{
    struct pg_conn *c;
    char *err = NULL, *type = NULL;
    int active = 0;

    c = pgq_local(m, "repmgr", &err);
    if (!c) {
        *output = x_asprintf("failed to connect to local node: %s", err);
        free(err);
        return 1;
    }
    if (checks_lock(m, "zombie.lock")) {
        *output = x_strdup("zombie");
        pgq_close(c);
        return 0;
    }
    if (checks_member(m, c, &type, &active, &err) != 0) {
        *output = x_asprintf("failed to check role: %s", err);
        free(err);
        pgq_close(c);
        return 1;
    }
    pgq_close(c);
    if (strcmp(type, "primary") == 0 && m->no_repmgr)
        *output = x_strdup("leader"); /* stolon's role check says so */
    else if (strcmp(type, "primary") == 0)
        *output = x_strdup(active ? "primary" : "zombie");
    else if (strcmp(type, "standby") == 0)
        *output = x_strdup("replica");
    else
        *output = x_strdup("unknown");
    free(type);
    return 0;
}

int rt_check(const struct rt_machine *m, const char *name, char **output)
{
    struct checks_suite s = {BUF_INIT, 0, 0};

    *output = NULL;
    if (m->is_postgres && strcmp(name, "vm") != 0)
        node_supervise(m);
    if (strcmp(name, "vm") == 0) {
        checks_vm(m, &s);
        *output = buf_steal(&s.out);
        return s.failed ? 1 : 0;
    }
    if (strcmp(name, "pg") == 0) {
        if (!m->is_postgres) {
            *output = x_strdup("failed to connect with local node: not a "
                               "Postgres machine");
            return 1;
        }
        return checks_pg(m, output);
    }
    if (strcmp(name, "role") == 0) {
        if (!m->is_postgres) {
            *output = x_strdup("unknown");
            return 0;
        }
        return checks_role(m, output);
    }
    return -1;
}

const char *rt_role(const struct rt_machine *m)
{
    char *out = NULL;
    const char *role = "unknown";

    if (m->is_postgres && checks_role(m, &out) == 0) {
        if (strcmp(out, "primary") == 0)
            role = "primary";
        else if (strcmp(out, "replica") == 0)
            role = "replica";
        else if (strcmp(out, "zombie") == 0)
            role = "zombie";
    }
    free(out);
    return role;
}

int rt_quarantined(const struct rt_machine *m)
{
    return m->volume_path && checks_lock(m, "zombie.lock");
}

int rt_quarantine(const struct rt_machine *m, int on, char **cause)
{
    char *lock;
    int rc = 0;

    if (!m->volume_path) {
        if (cause)
            *cause = x_strdup("the machine has no volume");
        return -1;
    }
    lock = x_asprintf("%s/zombie.lock", m->volume_path);
    if (on)
        rc = runas_write_file(lock, m->id, 0600, cause);
    else if (unlink(lock) != 0 && errno != ENOENT) {
        if (cause)
            *cause =
                x_asprintf("failed to remove zombie lock: %s", strerror(errno));
        rc = -1;
    }
    free(lock);
    if (rc == 0 && (on || !checks_lock(m, "readonly.lock")))
        rc = checks_readonly_sql(m, on, cause);
    return rc;
}

/* Every database of M but repmgr (repmgrd must keep writing its own)
 * read-only (ON) or not.  0 or -1 with *cause. */
static int checks_readonly_sql(const struct rt_machine *m, int on, char **cause)
{
    struct pg_conn *c = pgq_local(m, "postgres", cause);
    char *list = NULL;
    int rc;

    if (!c)
        return -1;
    /* This session itself starts read-only once the rule is on. */
    rc = pgq_exec(c, "SET default_transaction_read_only = off", cause);
    if (rc == 0)
        list = pgq_value(
            c,
            on ? "SELECT string_agg(format('ALTER DATABASE %I SET "
                 "default_transaction_read_only = on', datname), '; ') FROM "
                 "pg_database WHERE NOT datistemplate AND datname <> 'repmgr'"
               : "SELECT string_agg(format('ALTER DATABASE %I RESET "
                 "default_transaction_read_only', datname), '; ') FROM "
                 "pg_database WHERE NOT datistemplate AND datname <> 'repmgr'",
            cause);
    if (!list)
        rc = -1;
    if (rc == 0)
        rc = pgq_exec(c, list, cause);
    free(list);
    pgq_close(c);
    return rc;
}

int rt_set_readonly(const struct rt_machine *m, int on, char **cause)
{
    char *lock;
    int rc = 0;

    if (!m->volume_path) {
        if (cause)
            *cause = x_strdup("the machine has no volume");
        return -1;
    }
    lock = x_asprintf("%s/readonly.lock", m->volume_path);
    if (on) {
        char stamp[64];
        time_t now = time(NULL);
        struct tm tm;

        gmtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S +0000 UTC\n", &tm);
        rc = runas_write_file(lock, stamp, 0644, cause);
    }
    /* A quarantined primary stays read-only when the disk rule lets go. */
    if (rc == 0 && (on || !checks_lock(m, "zombie.lock")))
        rc = checks_readonly_sql(m, on, cause);
    if (rc == 0 && !on && unlink(lock) != 0 && errno != ENOENT) {
        if (cause)
            *cause = x_asprintf("failed to remove readonly lock: %s",
                                strerror(errno));
        rc = -1;
    }
    free(lock);
    return rc;
}

int rt_replay_pause(const struct rt_machine *m, int pause, char **cause)
{
    struct pg_conn *c = pgq_local(m, "postgres", cause);
    int rc;

    if (!c)
        return -1;
    rc = pgq_exec(c,
                  pause ? "SELECT pg_wal_replay_pause()"
                        : "SELECT pg_wal_replay_resume()",
                  cause);
    pgq_close(c);
    return rc;
}

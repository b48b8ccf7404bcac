/*
 * test_runtime: drives libpdrt directly against real PostgreSQL 15 + repmgr.
 *
 * A fresh state dir (mode 0711, so the postgres user can traverse it), one
 * 127.a.b.0/24 block derived from the pid so parallel runs do not collide,
 * and machines built by hand as the API layer would.  Scenarios: a
 * placeholder machine; a 3-node cluster (replication, checks, exec);
 * planned failover as flyctl does it; kill -9 of the primary and repmgrd's
 * automatic failover; a crashed replica started again before its
 * postmaster was reaped; volume usage, extend, snapshot + restore, fill +
 * read-only.  The test is its processes' subreaper and reaps them only at
 * the end of a case (tm_reap), as a container's PID 1 may take seconds to. TAP,
 * one line per case; every process is stopped at the end, also on failure
 * (atexit, signals, a global alarm).
 */
#include "config.h"

#include <errno.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "src/xmalloc.h"

#include "src/platformd/rt_internal.h"
#include "src/platformd/runtime.h"
#include "src/platformd/volume.h"

#define NM 5
#define VOL_SIZE (256ULL * 1024 * 1024)
#define OPPW "op:pw\\secret"
#define REPLPW "repl-pw-42"

struct tm_machine {
    struct rt_machine m;
    char id[32], ip[32], vol[32], run[512], *vpath;
    int started;
};

static struct tm_machine tm[NM];
static char tm_state[128];
static int tm_n, tm_failed;

static void tm_ok(int ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static long long tm_ms(void);
static void tm_nap(int ms);
static void tm_cleanup(void);
static void tm_on_signal(int sig);
static void tm_machine(int i, const char *app, int node_id, int is_pg);
static int tm_start(int i, char **cause);
static char *tm_sql(int i, const char *sql, char **err);
static int tm_wait_sql(int i, const char *sql, const char *want, int ms);
static int tm_find_primary(int ms);

static void tm_ok(int ok, const char *fmt, ...)
{
    va_list ap;

    tm_n++;
    printf("%s %d - ", ok ? "ok" : "not ok", tm_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    if (!ok)
        tm_failed++;
}

static long long tm_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void tm_nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Reaps the processes orphaned below this test (it is their subreaper). */
static void tm_reap(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

static void tm_cleanup(void)
{
    static int done;

    if (done)
        return;
    done = 1;
    for (int i = 0; i < NM; i++) {
        if (!tm[i].m.id)
            continue;
        rt_crash(&tm[i].m, NULL);
    }
    vol_shutdown();
    rt_shutdown();
    tm_reap();
    if (tm_state[0] && !getenv("PGDECK_KEEP_STATE"))
        proc_rmtree(tm_state);
}

static void tm_on_signal(int sig)
{
    printf("# caught signal %d, cleaning up\n", sig);
    tm_cleanup();
    _exit(1);
}

static void tm_machine(int i, const char *app, int node_id, int is_pg)
{
    struct tm_machine *t = &tm[i];
    unsigned pid = (unsigned)getpid();

    snprintf(t->id, sizeof t->id, "%014x", 0xd8e0000u + (unsigned)i * 17u);
    snprintf(t->ip, sizeof t->ip, "127.%u.%u.%d", 1 + (pid >> 8) % 250,
             pid % 256, 10 + i);
    snprintf(t->vol, sizeof t->vol, "vol_%d", i);
    {
        char *run = x_asprintf("%s/run/%s", tm_state, t->id);
        snprintf(t->run, sizeof t->run, "%s", run);
        free(run);
    }
    mkdir(t->run, 0700);
    t->m.app = app;
    t->m.id = t->id;
    t->m.region = "iad";
    t->m.primary_region = "iad";
    t->m.private_ip = t->ip;
    t->m.is_postgres = is_pg;
    t->m.memory_mb = 256;
    t->m.cpus = 1;
    t->m.repmgr_node_id = node_id;
    t->m.run_dir = t->run;
    t->m.operator_password = OPPW;
    t->m.repl_password = REPLPW;
    if (is_pg) {
        t->m.volume_id = t->vol;
        t->m.volume_bytes = (long long)VOL_SIZE;
    }
}

/* Starts machine I with every other machine of its app as a peer. */
static int tm_start(int i, char **cause)
{
    struct rt_peer peers[NM];
    size_t n = 0;
    int rc;

    for (int k = 0; k < NM; k++) {
        if (k == i || !tm[k].m.id || !tm[k].m.is_postgres ||
            strcmp(tm[k].m.app, tm[i].m.app) != 0)
            continue;
        peers[n].id = tm[k].id;
        peers[n].private_ip = tm[k].ip;
        peers[n].repmgr_node_id = tm[k].m.repmgr_node_id;
        peers[n].started = tm[k].started;
        peers[n].is_postgres = 1;
        n++;
    }
    rc = rt_start(&tm[i].m, peers, n, cause);
    if (rc == 0)
        tm[i].started = 1;
    return rc;
}

/* Runs SQL on machine I over TCP as postgres; the first value, owned. */
static char *tm_sql(int i, const char *sql, char **err)
{
    const char *keys[] = {
        "host", "port", "user", "password", "dbname", "connect_timeout", NULL};
    const char *vals[] = {tm[i].ip,   "5433", "postgres", OPPW,
                          "postgres", "2",    NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 0);
    PGresult *r;
    char *v = NULL;

    if (PQstatus(c) != CONNECTION_OK) {
        if (err)
            *err = x_strdup(PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    r = PQexec(c, sql);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
        v = x_strdup(PQgetvalue(r, 0, 0));
    else if (PQresultStatus(r) == PGRES_COMMAND_OK)
        v = x_strdup("");
    else if (err)
        *err = x_strdup(PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return v;
}

static int tm_wait_sql(int i, const char *sql, const char *want, int ms)
{
    long long deadline = tm_ms() + ms;

    for (;;) {
        char *v = tm_sql(i, sql, NULL);
        int ok = v && strcmp(v, want) == 0;

        free(v);
        if (ok)
            return 1;
        if (tm_ms() > deadline)
            return 0;
        tm_nap(100);
    }
}

/* The index of the machine (0..2) answering pg_is_in_recovery() = f. */
static int tm_find_primary(int ms)
{
    long long deadline = tm_ms() + ms;

    for (;;) {
        for (int i = 0; i < 3; i++) {
            char *v;

            if (!tm[i].started)
                continue;
            v = tm_sql(i, "SELECT pg_is_in_recovery()", NULL);
            if (v && strcmp(v, "f") == 0) {
                free(v);
                return i;
            }
            free(v);
        }
        if (tm_ms() > deadline)
            return -1;
        tm_nap(50);
    }
}

static void tm_case_placeholder(void)
{
    char *c = NULL;
    int rc;

    tm_machine(4, "plain-app", 1, 0);
    rc = rt_start(&tm[4].m, NULL, 0, &c);
    tm_ok(rc == 0 && rt_alive(&tm[4].m), "placeholder starts and is alive%s%s",
          c ? ": " : "", c ? c : "");
    free(c);
    c = NULL;
    tm_ok(rt_crash(&tm[4].m, NULL) == 0 && !rt_alive(&tm[4].m),
          "placeholder crash leaves it dead");
    rc = rt_start(&tm[4].m, NULL, 0, NULL);
    tm_ok(rc == 0 && rt_alive(&tm[4].m) &&
              rt_stop(&tm[4].m, SIGTERM, 5, NULL) == 0 && !rt_alive(&tm[4].m),
          "placeholder restarts and stops");
    {
        char *out = NULL;
        int r = rt_check(&tm[4].m, "role", &out);
        tm_ok(r == 0 && out && strcmp(out, "unknown") == 0,
              "placeholder role check says unknown");
        free(out);
    }
    rt_destroy(&tm[4].m);
}

static void tm_case_cluster(void)
{
    char *c = NULL, *out = NULL;
    long long t0 = tm_ms();
    int rc = 0;

    for (int i = 0; i < 3 && rc == 0; i++) {
        tm_machine(i, "pg-app", i + 1, 1);
        rc = vol_create(tm[i].vol, VOL_SIZE, NULL, NULL, &tm[i].vpath, &c);
        tm[i].m.volume_path = tm[i].vpath;
    }
    tm_ok(rc == 0, "three volumes created%s%s", c ? ": " : "", c ? c : "");
    free(c);
    c = NULL;
    rc = tm_start(0, &c);
    tm_ok(rc == 0, "first machine boots as primary (initdb) in %lld ms%s%s",
          tm_ms() - t0, c ? ": " : "", c ? c : "");
    free(c);
    c = NULL;
    for (int i = 1; i < 3; i++) {
        long long t1 = tm_ms();
        rc = tm_start(i, &c);
        tm_ok(rc == 0, "machine %d clones from the primary in %lld ms%s%s", i,
              tm_ms() - t1, c ? ": " : "", c ? c : "");
        free(c);
        c = NULL;
    }
    printf("# 3-node create: %lld ms\n", tm_ms() - t0);
    tm_ok(strcmp(rt_role(&tm[0].m), "primary") == 0 &&
              strcmp(rt_role(&tm[1].m), "replica") == 0 &&
              strcmp(rt_role(&tm[2].m), "replica") == 0,
          "roles: primary, replica, replica (%s %s %s)", rt_role(&tm[0].m),
          rt_role(&tm[1].m), rt_role(&tm[2].m));
    tm_ok(rt_alive(&tm[0].m) && rt_alive(&tm[1].m) && rt_alive(&tm[2].m),
          "all three alive");

    out = tm_sql(0,
                 "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t "
                 "SELECT g, 'row ' || g FROM generate_series(1, 1000) g",
                 &c);
    tm_ok(out ? 1 : 0, "rows written on the primary%s%s", c ? ": " : "",
          c ? c : "");
    free(out);
    free(c);
    c = NULL;
    tm_ok(tm_wait_sql(1, "SELECT count(*) FROM t", "1000", 10000) &&
              tm_wait_sql(2, "SELECT count(*) FROM t", "1000", 10000),
          "rows visible on both replicas");
    {
        char *sql = x_asprintf("SELECT string_agg(application_name, ',' ORDER "
                               "BY application_name) FROM pg_stat_replication "
                               "WHERE state = 'streaming'");
        char *want = x_asprintf("%s,%s", tm[1].id, tm[2].id);
        tm_ok(tm_wait_sql(0, sql, want, 10000),
              "pg_stat_replication keys replicas by machine id");
        free(sql);
        free(want);
    }
}

static void tm_case_checks(void)
{
    char *out = NULL;
    int rc;

    rc = rt_check(&tm[0].m, "pg", &out);
    tm_ok(rc == 0 && out && strstr(out, "[✓] connections: ") &&
              strstr(out, " reserved, 300 max (") &&
              strstr(out, "[✓] cluster-locks: No active locks detected (") &&
              strstr(out, "% - readonly mode will be enabled at 90.0% ("),
          "pg check on the primary passes in flex's format");
    printf("# pg check: %s\n", out ? out : "(null)");
    free(out);
    out = NULL;
    rc = rt_check(&tm[1].m, "pg", &out);
    tm_ok(rc == 0 && out && strstr(out, "[✓] connections: ") &&
              !strstr(out, "disk-capacity"),
          "pg check on a replica: connections only");
    free(out);
    out = NULL;
    rc = rt_check(&tm[0].m, "role", &out);
    tm_ok(rc == 0 && out && strcmp(out, "primary") == 0,
          "role check output is the bare role");
    free(out);
    out = NULL;
    rc = rt_check(&tm[1].m, "vm", &out);
    /* Load and pressure depend on the host: check the format, the disk
     * line, and that the status agrees with the lines. */
    tm_ok(out && strstr(out, "[✓] checkDisk: ") &&
              strstr(out, "free space on /data/ (") &&
              strstr(out, "] checkLoad: ") && strstr(out, "] memory: ") &&
              strstr(out, "] cpu: ") && strstr(out, "] io: ") &&
              (rc == 1) == (strstr(out, "[✗]") != 0),
          "vm check in flex's format (status %d)", rc);
    printf("# vm check: %s\n", out ? out : "(null)");
    free(out);
    out = NULL;
    tm_ok(rt_check(&tm[1].m, "nope", &out) == -1, "unknown check is -1");
    free(out);
}

/* rt_exec of ARGV on machine I (copied: rt_exec takes char *const[]);
 * *R to free with rt_exec_result_free when it returns 0, else *CAUSE. */
static int tm_exec(int i, const char *const argv[], int timeout_s,
                   struct rt_exec_result *r, char **cause)
{
    char *v[16];
    size_t n = 0;
    int rc;

    for (; argv[n] && n < 15; n++)
        v[n] = x_strdup(argv[n]);
    v[n] = NULL;
    rc = rt_exec(&tm[i].m, v, timeout_s, r, cause);
    for (size_t k = 0; k < n; k++)
        free(v[k]);
    return rc;
}

/* Frees what tm_exec left: the result when RC is 0, and *CAUSE. */
static void tm_exec_done(int rc, struct rt_exec_result *r, char **cause)
{
    if (rc == 0)
        rt_exec_result_free(r);
    free(*cause);
    *cause = NULL;
}

static void tm_case_exec(void)
{
    struct rt_exec_result r;
    char *c = NULL, *want;
    const char *const sh[] = {"sh", "-c", "id", NULL};
    const char *const bad[] = {"/usr/bin/bash", NULL};
    /* As root exec (flex): psql as postgres through gosu, on port 5433. */
    const char *const psql[] = {"gosu", "postgres", "psql",     "-p",
                                "5433", "-Atc",     "select 1", NULL};
    const char *const bare[] = {"psql", "-Atc", "select 1", NULL};
    const char *const cat[] = {"cat", "/data/repmgr.conf", NULL};
    int rc;

    rc = tm_exec(1, sh, 10, &r, &c);
    tm_ok(rc == -1 && c && strstr(c, "repmgr") && strstr(c, "psql"),
          "exec refuses a shell and names the allowed programs");
    tm_exec_done(rc, &r, &c);
    rc = tm_exec(1, bad, 10, &r, &c);
    tm_ok(rc == -1, "exec refuses /usr/bin/bash");
    tm_exec_done(rc, &r, &c);
    rc = tm_exec(1, psql, 20, &r, &c);
    tm_ok(rc == 0 && r.exit_code == 0 && strcmp(r.out, "1\n") == 0,
          "exec gosu postgres psql -p 5433 -c 'select 1' prints 1");
    tm_exec_done(rc, &r, &c);
    /* Root's environment has no PGPORT: a bare psql looks on 5432. */
    rc = tm_exec(1, bare, 20, &r, &c);
    tm_ok(rc == 0 && r.exit_code != 0 && strstr(r.err, "5432"),
          "exec psql without -p finds no server on 5432");
    tm_exec_done(rc, &r, &c);
    rc = tm_exec(2, cat, 20, &r, &c);
    want = x_asprintf("node_name='%s'", tm[2].id);
    tm_ok(rc == 0 && r.exit_code == 0 && strstr(r.out, want),
          "exec maps /data to the volume (cat /data/repmgr.conf)");
    free(want);
    tm_exec_done(rc, &r, &c);
}

/* flyctl's flex failover: stop the primary, promote a replica with
 * --siblings-follow over "ssh", start the old primary: it rejoins. */
static void tm_case_planned_failover(void)
{
    struct rt_exec_result r;
    const char *const promote[] = {
        "gosu",    "postgres",          "repmgr",
        "standby", "promote",           "--siblings-follow",
        "-f",      "/data/repmgr.conf", NULL};
    char *c = NULL;
    long long t0;
    int rc;

    t0 = tm_ms();
    rc = rt_stop(&tm[0].m, SIGINT, 30, &c);
    tm[0].started = 0;
    tm_ok(rc == 0 && !rt_alive(&tm[0].m), "old primary stopped");
    free(c);
    c = NULL;
    if (geteuid() == 0) {
        /* Exec is root, as on flex: repmgr itself refuses. */
        rc = tm_exec(1, promote + 2, 30, &r, &c);
        tm_ok(rc == 0 && r.exit_code != 0 && strstr(r.err, "root"),
              "exec repmgr as root is refused by repmgr itself");
        tm_exec_done(rc, &r, &c);
    }
    rc = tm_exec(1, promote, 60, &r, &c);
    tm_ok(rc == 0 && r.exit_code == 0,
          "exec gosu postgres repmgr standby promote --siblings-follow exits "
          "0 in %lld ms",
          tm_ms() - t0);
    if (rc == 0 && r.exit_code != 0)
        printf("# %s\n# %s\n", r.out, r.err);
    tm_exec_done(rc, &r, &c);
    tm_ok(tm_find_primary(10000) == 1 &&
              strcmp(rt_role(&tm[1].m), "primary") == 0,
          "promoted replica is the primary");
    t0 = tm_ms();
    rc = tm_start(0, &c);
    tm_ok(rc == 0, "old primary starts again in %lld ms%s%s", tm_ms() - t0,
          c ? ": " : "", c ? c : "");
    free(c);
    c = NULL;
    tm_ok(tm_wait_sql(0, "SELECT pg_is_in_recovery()", "t", 20000),
          "old primary rejoined as a replica (role %s)", rt_role(&tm[0].m));
    {
        char *v = tm_sql(1, "INSERT INTO t VALUES (1001, 'after switch')", &c);
        tm_ok(v && tm_wait_sql(0, "SELECT count(*) FROM t", "1001", 15000) &&
                  tm_wait_sql(2, "SELECT count(*) FROM t", "1001", 15000),
              "writes on the new primary reach both replicas%s%s",
              c ? ": " : "", c ? c : "");
        free(v);
        free(c);
    }
}

/* kill -9 of the primary: repmgrd promotes a replica by itself. */
static void tm_case_crash(void)
{
    int old = tm_find_primary(5000), now;
    long long t0;
    char *c = NULL;

    tm_ok(old >= 0, "a primary before the crash (machine %d)", old);
    if (old < 0)
        return;
    /* repmgrd needs a moment after a rejoin to monitor its new upstream;
     * meanwhile the checks run, as the daemon runs them every few seconds
     * (they also restart a repmgrd that exited). */
    for (int k = 0; k < 6; k++) {
        for (int i = 0; i < 3; i++) {
            char *o = NULL;
            rt_check(&tm[i].m, "role", &o);
            free(o);
        }
        tm_nap(500);
    }
    t0 = tm_ms();
    rt_crash(&tm[old].m, NULL);
    tm[old].started = 0;
    tm_ok(!rt_alive(&tm[old].m), "crashed machine is dead");
    now = tm_find_primary(30000);
    tm_ok(now >= 0 && now != old,
          "repmgrd promoted machine %d automatically in %lld ms", now,
          tm_ms() - t0);
    printf("# automatic failover: %lld ms\n", tm_ms() - t0);
    if (now < 0)
        return;
    {
        char *v = tm_sql(now, "INSERT INTO t VALUES (1002, 'after crash')", &c);
        int sib = 3 - now - old;
        long long deadline = tm_ms() + 30000;
        int ok = 0;

        while (v && !ok && tm_ms() < deadline) {
            char *o = NULL;

            rt_check(&tm[sib].m, "role", &o);
            free(o);
            ok = tm_wait_sql(sib, "SELECT count(*) FROM t", "1002", 1000);
        }

        tm_ok(ok, "the sibling follows the new primary");
        if (!ok) {
            char *log = x_asprintf("%s/repmgrd.log", tm[sib].run);
            char *text = proc_read_file(log, 1024 * 1024);
            size_t n = text ? strlen(text) : 0;

            printf("# sibling's repmgrd.log (tail):\n# %s\n",
                   text ? text + (n > 3000 ? n - 3000 : 0) : "(none)");
            free(text);
            free(log);
        }
        free(v);
        free(c);
        c = NULL;
    }
    t0 = tm_ms();
    {
        int rc = tm_start(old, &c);
        tm_ok(rc == 0 &&
                  tm_wait_sql(old, "SELECT count(*) FROM t", "1002", 20000),
              "crashed primary restarts and rejoins (rewind) in %lld ms%s%s",
              tm_ms() - t0, c ? ": " : "", c ? c : "");
        free(c);
    }
}

/* A crash leaves postmaster.pid naming a zombie until it is reaped; the
 * node must start again at once all the same, as a Fly machine does. */
static void tm_case_crash_replica(void)
{
    int p = tm_find_primary(5000), r;
    pid_t pm;
    char *c = NULL, *v;

    tm_ok(p >= 0, "a primary before the replica's crash (machine %d)", p);
    if (p < 0)
        return;
    r = (p + 1) % 3;
    pm = node_postmaster(&tm[r].m);
    rt_crash(&tm[r].m, NULL);
    tm[r].started = 0;
    tm_ok(pm > 0 && kill(pm, 0) == 0 && !proc_alive(pm),
          "the crashed replica's postmaster %ld is a zombie, not reaped",
          (long)pm);
    {
        int rc = tm_start(r, &c);

        tm_ok(rc == 0, "the crashed replica starts again at once%s%s",
              c ? ": " : "", c ? c : "");
        free(c);
        c = NULL;
    }
    v = tm_sql(p, "INSERT INTO t VALUES (1003, 'after replica crash')", &c);
    tm_ok(v && tm_wait_sql(r, "SELECT count(*) FROM t", "1003", 20000),
          "... and replays the primary's new row%s%s", c ? ": " : "",
          c ? c : "");
    free(v);
    free(c);
    tm_reap();
}

static void tm_case_volumes(void)
{
    struct vol_usage u;
    int p = tm_find_primary(5000), needs = -1;
    char *c = NULL;
    int rc;

    rc = vol_usage(tm[p].vol, VOL_SIZE, &u, &c);
    tm_ok(rc == 0 && u.bytes_total == VOL_SIZE &&
              u.bytes_used > 20ULL * 1024 * 1024 && u.bytes_used < VOL_SIZE &&
              u.blocks * u.block_size == VOL_SIZE && u.blocks_free < u.blocks &&
              strcmp(u.fstype, "ext4") == 0,
          "usage of the primary's volume: %llu of %llu bytes",
          (unsigned long long)u.bytes_used, (unsigned long long)u.bytes_total);
    free(c);
    c = NULL;
    rc = vol_extend(tm[2].vol, VOL_SIZE, 2 * VOL_SIZE, &needs, &c);
    tm_ok(rc == 0 && needs == 0 &&
              vol_usage(tm[2].vol, 2 * VOL_SIZE, &u, NULL) == 0 &&
              u.bytes_total == 2 * VOL_SIZE,
          "extend in dir mode: new size, no restart");
    free(c);
    c = NULL;
    tm_ok(vol_extend(tm[2].vol, VOL_SIZE, VOL_SIZE / 2, &needs, &c) == -1,
          "extend refuses to shrink");
    free(c);
}

static void tm_case_snapshot(void)
{
    int p = tm_find_primary(5000);
    uint64_t size = 0;
    char *c = NULL;
    int rc;

    rc = vol_snapshot(tm[p].vol, "snap_1", tm[p].ip, &size, &c);
    tm_ok(rc == 0 && size > 1024 * 1024,
          "snapshot (pg_basebackup) of the primary: %llu bytes%s%s",
          (unsigned long long)size, c ? ": " : "", c ? c : "");
    free(c);
    c = NULL;
    tm_machine(3, "restored-app", 1, 1);
    rc = vol_create(tm[3].vol, VOL_SIZE, "snap_1", NULL, &tm[3].vpath, &c);
    tm[3].m.volume_path = tm[3].vpath;
    tm_ok(rc == 0, "volume created from the snapshot%s%s", c ? ": " : "",
          c ? c : "");
    free(c);
    c = NULL;
    rc = tm_start(3, &c);
    tm_ok(rc == 0 && tm_wait_sql(3, "SELECT count(*) FROM t", "1003", 10000),
          "a machine on the restored volume has the rows%s%s", c ? ": " : "",
          c ? c : "");
    free(c);
    tm_ok(strcmp(rt_role(&tm[3].m), "primary") == 0,
          "the restored machine is a primary of its own");
    rt_stop(&tm[3].m, SIGINT, 20, NULL);
    tm[3].started = 0;
    tm_ok(!rt_alive(&tm[3].m) && vol_destroy(tm[3].vol, NULL) == 0 &&
              vol_snapshot_destroy("snap_1", NULL) == 0 && !vol_path("vol_3"),
          "restored machine stopped, volume and snapshot destroyed");
    rt_destroy(&tm[3].m);
}

static void tm_case_readonly(void)
{
    int p = tm_find_primary(5000);
    char *c = NULL, *out = NULL, *v;
    struct vol_usage u;
    int rc;

    rc = vol_fill(tm[p].vol, VOL_SIZE, 95, &c);
    vol_usage(tm[p].vol, VOL_SIZE, &u, NULL);
    tm_ok(rc == 0 && u.bytes_used >= VOL_SIZE / 100 * 94,
          "fill to 95%%: %llu bytes used", (unsigned long long)u.bytes_used);
    free(c);
    c = NULL;
    rc = rt_check(&tm[p].m, "pg", &out);
    tm_ok(rc == 1 && out &&
              strstr(out, "% - extend your volume to re-enable writes"),
          "pg check fails over 90%%");
    printf("# pg check: %s\n", out ? out : "(null)");
    free(out);
    out = NULL;
    tm_ok(rt_set_readonly(&tm[p].m, 1, &c) == 0, "set read-only%s%s",
          c ? ": " : "", c ? c : "");
    free(c);
    c = NULL;
    v = tm_sql(p, "INSERT INTO t VALUES (5000, 'no')", &c);
    tm_ok(!v && c && strstr(c, "read-only transaction"),
          "writes fail with a read-only error");
    free(v);
    free(c);
    c = NULL;
    rt_check(&tm[p].m, "pg", &out);
    tm_ok(out && strstr(out, "[✗] cluster-locks: `readonly.lock` detected"),
          "cluster-locks reports the lock");
    free(out);
    out = NULL;
    vol_fill(tm[p].vol, VOL_SIZE, 0, NULL);
    rt_check(&tm[p].m, "pg", &out);
    free(out);
    out = NULL;
    rc = rt_check(&tm[p].m, "pg", &out);
    tm_ok(rc == 0, "below 90%% again: the pg check passes");
    free(out);
    v = tm_sql(p, "INSERT INTO t VALUES (5000, 'yes')", &c);
    tm_ok(v ? 1 : 0, "writes work again%s%s", c ? ": " : "", c ? c : "");
    free(v);
    free(c);
}

static void tm_case_replay(void)
{
    int p = tm_find_primary(5000), r = (p + 1) % 3;
    char *c = NULL;

    tm_ok(rt_replay_pause(&tm[r].m, 1, &c) == 0 &&
              tm_wait_sql(r, "SELECT pg_is_wal_replay_paused()", "t", 5000),
          "replay paused on a replica");
    free(c);
    c = NULL;
    tm_ok(rt_replay_pause(&tm[r].m, 0, &c) == 0 &&
              tm_wait_sql(r, "SELECT pg_is_wal_replay_paused()", "f", 5000),
          "replay resumed");
    free(c);
}

static void tm_case_shutdown(void)
{
    int alive = 0;

    for (int i = 0; i < 3; i++) {
        rt_stop(&tm[i].m, SIGINT, 20, NULL);
        alive += rt_alive(&tm[i].m);
    }
    tm_ok(alive == 0, "every machine stopped");
}

/* Loop mode: a real ext4 image per volume (root only). */
static void tm_case_loop(void)
{
    char *c = NULL, *loopdir = x_asprintf("%s/loop", tm_state), *mnt;
    struct vol_usage u, u2;
    uint64_t small = 96ULL * 1024 * 1024;
    int rc, needs = -1;

    vol_shutdown();
    mkdir(loopdir, 0711);
    rc = vol_init(loopdir, VOL_MODE_LOOP, &c);
    if (geteuid() != 0) {
        tm_ok(rc == -1 && c && strstr(c, "root"),
              "loop volumes are refused without root");
        free(c);
        free(loopdir);
        return;
    }
    tm_ok(rc == 0, "loop mode initialised%s%s", c ? ": " : "", c ? c : "");
    free(c);
    c = NULL;
    tm_machine(3, "loop-app", 1, 1);
    tm[3].m.volume_bytes = (long long)small;
    rc = vol_create(tm[3].vol, small, NULL, NULL, &tm[3].vpath, &c);
    tm[3].m.volume_path = tm[3].vpath;
    tm_ok(rc == 0 && vol_usage(tm[3].vol, small, &u, NULL) == 0 &&
              u.blocks > 0 && u.bytes_total == u.blocks * u.block_size &&
              u.bytes_total <= small && u.bytes_total > small / 2 &&
              u.bytes_used < small / 10,
          "loop volume: ext4 image mounted, statvfs usage%s%s", c ? ": " : "",
          c ? c : "");
    free(c);
    c = NULL;
    rc = tm_start(3, &c);
    tm_ok(rc == 0 && strcmp(rt_role(&tm[3].m), "primary") == 0,
          "a primary boots on the loop volume%s%s", c ? ": " : "", c ? c : "");
    free(c);
    c = NULL;
    rc = vol_extend(tm[3].vol, small, 2 * small, &needs, &c);
    tm_ok(rc == 0 && needs == 1, "extend of a busy loop volume needs restart");
    free(c);
    c = NULL;
    rt_stop(&tm[3].m, SIGINT, 20, NULL);
    rc = tm_start(3, &c);
    vol_usage(tm[3].vol, 2 * small, &u2, NULL);
    tm_ok(rc == 0 && u2.blocks * u2.block_size > small + small / 2,
          "after the restart the filesystem is bigger (%llu -> %llu bytes)",
          (unsigned long long)(u.blocks * u.block_size),
          (unsigned long long)(u2.blocks * u2.block_size));
    free(c);
    c = NULL;
    rc = vol_fill(tm[3].vol, 2 * small, 95, &c);
    vol_usage(tm[3].vol, 2 * small, &u2, NULL);
    tm_ok(rc == 0 && u2.blocks_avail * 100 < u2.blocks * 8,
          "fill makes the ext4 filesystem really full (%llu of %llu blocks "
          "free)",
          (unsigned long long)u2.blocks_avail, (unsigned long long)u2.blocks);
    free(c);
    c = NULL;
    vol_fill(tm[3].vol, 2 * small, 0, NULL);
    rt_stop(&tm[3].m, SIGINT, 20, NULL);
    tm[3].started = 0;
    mnt = vol_path(tm[3].vol);
    vol_shutdown();
    {
        char *probe = mnt ? x_asprintf("%s/postgresql/PG_VERSION", mnt) : NULL;
        struct stat st;
        int gone = probe && stat(probe, &st) != 0;

        rc = vol_init(loopdir, VOL_MODE_LOOP, &c);
        tm_ok(gone && rc == 0 && stat(probe, &st) == 0,
              "shutdown unmounts, init mounts the image again");
        free(probe);
    }
    free(c);
    c = NULL;
    tm_ok(vol_destroy(tm[3].vol, &c) == 0 && !vol_path(tm[3].vol),
          "loop volume destroyed%s%s", c ? ": " : "", c ? c : "");
    free(c);
    free(mnt);
    rt_destroy(&tm[3].m);
    vol_shutdown();
    free(loopdir);
}

int main(void)
{
    char *c = NULL;
    char tmpl[] = "/tmp/pgdeck-rt-test-XXXXXX";

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!mkdtemp(tmpl)) {
        printf("Bail out! mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    snprintf(tm_state, sizeof tm_state, "%s", tmpl);
    chmod(tm_state, 0711);
    {
        char *run = x_asprintf("%s/run", tm_state);
        mkdir(run, 0711);
        free(run);
    }
    /* Orphaned postmasters become this test's children, left unreaped. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) != 0) {
        printf("Bail out! prctl(PR_SET_CHILD_SUBREAPER): %s\n",
               strerror(errno));
        return 1;
    }
    atexit(tm_cleanup);
    signal(SIGINT, tm_on_signal);
    signal(SIGTERM, tm_on_signal);
    signal(SIGALRM, tm_on_signal);
    alarm(900);
    if (rt_init(tm_state, &c) != 0 ||
        vol_init(tm_state, VOL_MODE_DIR, &c) != 0) {
        printf("Bail out! %s\n", c ? c : "init failed");
        return 1;
    }
    tm_case_placeholder();
    tm_case_cluster();
    tm_case_checks();
    tm_case_exec();
    tm_case_planned_failover();
    tm_case_crash();
    tm_reap();
    tm_case_crash_replica();
    tm_case_volumes();
    tm_case_snapshot();
    tm_case_readonly();
    tm_case_replay();
    tm_case_shutdown();
    tm_case_loop();
    tm_cleanup();
    printf("1..%d\n", tm_n);
    return tm_failed ? 1 : 0;
}

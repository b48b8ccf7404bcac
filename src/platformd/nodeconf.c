/*
 * nodeconf: the files a Postgres machine reads, written as postgres-flex
 * writes them.
 *
 * In the volume (/data): .pgpass (the passwords, mode 0600) and repmgr.conf
 * (node_name = the machine id, or what flex before v0.0.63 used, see
 * rt_machine.node_name; conninfo on private_ip:5433).  In the data
 * directory (/data/postgresql): postgresql.internal.conf, regenerated on
 * every boot from guest.memory_mb and the volume size, included from
 * postgresql.conf, and pg_hba.conf.  The node's identity (listen address,
 * socket dir, cluster_name = the node_name) goes on the postmaster's command
 * line instead,
 * because pg_basebackup and pg_rewind copy configuration files between
 * nodes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/xmalloc.h"

#include "src/platformd/rt_internal.h"

static void nodeconf_pgpass_field(struct buf *b, const char *s);

/* .pgpass escapes ':' and '\' with a backslash. */
static void nodeconf_pgpass_field(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == ':' || *s == '\\')
            buf_putc(b, '\\');
        buf_putc(b, *s);
    }
}

int nodeconf_write_volume(const struct rt_machine *m, char **cause)
{
    struct buf b = BUF_INIT;
    char *path, *data = rt_data_dir(m), *opts = nodeconf_pg_opts(m);
    char *log = rt_path(m, "postgres.log");
    int in_primary_region =
        !m->primary_region || !*m->primary_region ||
        (m->region && strcmp(m->region, m->primary_region) == 0);
    int rc;

    buf_puts(&b, "*:*:*:repmgr:");
    nodeconf_pgpass_field(&b, m->repl_password);
    buf_puts(&b, "\n*:*:*:postgres:");
    nodeconf_pgpass_field(&b, m->operator_password);
    buf_putc(&b, '\n');
    path = x_asprintf("%s/.pgpass", m->volume_path);
    rc = runas_write_file(path, buf_str(&b), 0600, cause);
    x_wipe(b.data, b.len);
    buf_free(&b);
    free(path);
    if (rc != 0)
        goto out;

    buf_printf(&b, "node_id=%d\n", m->repmgr_node_id);
    buf_printf(&b, "node_name='%s'\n", rt_node_name(m));
    buf_printf(&b,
               "conninfo='host=%s port=%d user=repmgr dbname=repmgr "
               "connect_timeout=2'\n",
               m->private_ip, RT_PG_PORT);
    buf_printf(&b, "data_directory='%s'\n", data);
    buf_printf(&b, "pg_bindir='%s'\n", PG_BINDIR);
    buf_printf(&b, "passfile='%s/.pgpass'\n", m->volume_path);
    buf_puts(&b, "use_replication_slots=yes\n");
    buf_printf(&b, "location='%s'\n", m->region ? m->region : "");
    buf_printf(&b, "priority=%d\n", in_primary_region ? 100 : 0);
    buf_puts(&b, "failover='automatic'\n"
                 "primary_visibility_consensus=true\n"
                 "failover_validation_command='test %v -ge $((%t / 2 + 1))'\n");
    buf_printf(&b,
               "promote_command='%s/repmgr standby promote -f "
               "%s/repmgr.conf --log-to-file'\n",
               PG_BINDIR, m->volume_path);
    buf_printf(&b,
               "follow_command='%s/repmgr standby follow -f %s/repmgr.conf "
               "--log-to-file --upstream-node-id=%%n'\n",
               PG_BINDIR, m->volume_path);
    if (rt_no_fsync())
        buf_puts(&b, "pg_basebackup_options='--no-sync'\n");
    buf_printf(&b, "log_level=INFO\nlog_file='%s/repmgrd.log'\n", m->run_dir);
    buf_printf(&b, "repmgrd_pid_file='%s/repmgrd.pid'\n", m->run_dir);
    buf_puts(&b, "connection_check_type=ping\n"
                 "monitor_interval_secs=1\n"
                 "reconnect_attempts=3\n"
                 "reconnect_interval=1\n"
                 "standby_disconnect_on_failover=false\n"
                 "node_rejoin_timeout=30\n"
                 "standby_reconnect_timeout=30\n"
                 "election_rerun_interval=5\n"
                 "ssh_options='-q'\n");
    buf_printf(&b,
               "service_start_command='%s/pg_ctl -D %s -l %s -o \"%s\" -w -t "
               "60 start'\n",
               PG_BINDIR, data, log, opts);
    buf_printf(&b,
               "service_stop_command='%s/pg_ctl -D %s -m fast -w -t 60 "
               "stop'\n",
               PG_BINDIR, data);
    buf_printf(&b,
               "service_restart_command='%s/pg_ctl -D %s -l %s -o \"%s\" -m "
               "fast -w -t 60 restart'\n",
               PG_BINDIR, data, log, opts);
    buf_printf(&b, "service_reload_command='%s/pg_ctl -D %s reload'\n",
               PG_BINDIR, data);
    path = x_asprintf("%s/repmgr.conf", m->volume_path);
    rc = runas_write_file(path, buf_str(&b), 0600, cause);
    buf_free(&b);
    free(path);
out:
    free(data);
    free(opts);
    free(log);
    return rc;
}

int nodeconf_write_data(const struct rt_machine *m, char **cause)
{
    struct buf b = BUF_INIT;
    char *data = rt_data_dir(m), *path;
    long long mem = m->memory_mb > 0 ? m->memory_mb : 256;
    long long sb = mem >= 1024 ? mem / 4 : mem / 10;
    long long vol_mb = m->volume_bytes > 0 ? m->volume_bytes / 1048576 : 1024;
    long long maxwal = vol_mb / 10, minwal;
    int rc;

    if (sb < 16)
        sb = 16;
    if (maxwal < 64)
        maxwal = 64;
    minwal = maxwal / 4;
    if (minwal < 32)
        minwal = 32;
    buf_puts(&b, "# Written by pgdeck-platformd at every boot, as "
                 "postgres-flex does.\n");
    buf_printf(&b, "port = %d\n", RT_PG_PORT);
    buf_puts(&b, "max_connections = 300\n");
    buf_printf(&b, "shared_buffers = '%lldMB'\n", sb);
    buf_printf(&b, "max_wal_size = '%lldMB'\n", maxwal);
    buf_printf(&b, "min_wal_size = '%lldMB'\n", minwal);
    buf_puts(&b, "wal_level = replica\n"
                 "hot_standby = on\n"
                 "wal_log_hints = on\n"
                 "max_wal_senders = 10\n"
                 "max_replication_slots = 10\n"
                 "wal_keep_size = 0\n"
                 "archive_mode = off\n"
                 "password_encryption = 'scram-sha-256'\n"
                 "shared_preload_libraries = 'repmgr'\n"
                 "dynamic_shared_memory_type = posix\n"
                 "log_line_prefix = '%m [%p] '\n");
    path = x_asprintf("%s/postgresql.internal.conf", data);
    rc = runas_write_file(path, buf_str(&b), 0600, cause);
    free(path);
    buf_free(&b);
    if (rc == 0) {
        /* postgres-flex's local entries (setDefaultHBA): none for root or
         * any other role; host entries on this host's loopback stand for
         * its fdaa::/16 and any-address ones. */
        buf_puts(&b, "# Written by pgdeck-platformd.\n"
                     "local all postgres trust\n"
                     "local all flypgadmin trust\n"
                     "local repmgr repmgr trust\n"
                     "local replication repmgr trust\n"
                     "host all all 127.0.0.0/8 scram-sha-256\n"
                     "host replication all 127.0.0.0/8 scram-sha-256\n");
        path = x_asprintf("%s/pg_hba.conf", data);
        rc = runas_write_file(path, buf_str(&b), 0600, cause);
        free(path);
        buf_free(&b);
    }
    free(data);
    return rc;
}

int nodeconf_init_data(const struct rt_machine *m, char **cause)
{
    char *data = rt_data_dir(m);
    char *path = x_asprintf("%s/postgresql.conf", data);
    char *old = proc_read_file(path, 1024 * 1024);
    char *text;
    int rc;

    text = x_asprintf("%s\n# pgdeck-platformd: per-node settings\n"
                      "include_if_exists = 'postgresql.internal.conf'\n",
                      old ? old : "");
    rc = runas_write_file(path, text, 0600, cause);
    free(text);
    free(old);
    free(path);
    free(data);
    return rc;
}

char *nodeconf_pg_opts(const struct rt_machine *m)
{
    return x_asprintf("-c listen_addresses=%s -c unix_socket_directories=%s "
                      "-c cluster_name=%s%s",
                      m->private_ip, m->run_dir, rt_node_name(m),
                      rt_no_fsync() ? " -c fsync=off" : "");
}

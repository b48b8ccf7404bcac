#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cli.h"

#include "tests/unit/unit.h"

/* One command line: ARGS (after "pgdeck", NULL-terminated) parses to CMD,
 * or fails with a message containing ERR. */
struct cli_case {
    const char *args[14];
    enum cli_cmd cmd;
    const char *err;
};

static const struct cli_case cli_cases[] = {
    /* every subcommand, valid */
    {{NULL}, CLI_CMD_CONSOLE, NULL},
    {{"--context", "fly", "--read-only", "--no-color", "--ascii", "--theme",
      "mono", NULL},
     CLI_CMD_CONSOLE,
     NULL},
    {{"status", NULL}, CLI_CMD_STATUS, NULL},
    {{"status", "my-db", "--json", NULL}, CLI_CMD_STATUS, NULL},
    {{"status", "--watch", "my-db", NULL}, CLI_CMD_STATUS, NULL},
    {{"scale", "memory", "my-db", "2048", NULL}, CLI_CMD_SCALE_MEMORY, NULL},
    {{"scale", "memory", "my-db", "4096", "--node", "3d8d9a4bc71d89", "--yes",
      "--dry-run", NULL},
     CLI_CMD_SCALE_MEMORY,
     NULL},
    {{"volume", "extend", "my-db", "20", NULL}, CLI_CMD_VOLUME_EXTEND, NULL},
    {{"volume", "extend", "my-db", "500", "--node=abc", NULL},
     CLI_CMD_VOLUME_EXTEND,
     NULL},
    {{"replica", "add", "my-db", NULL}, CLI_CMD_REPLICA_ADD, NULL},
    {{"replica", "add", "my-db", "--region", "ams", "--yes", NULL},
     CLI_CMD_REPLICA_ADD,
     NULL},
    {{"replica", "remove", "my-db", "3d8d9a4bc71d89", NULL},
     CLI_CMD_REPLICA_REMOVE,
     NULL},
    {{"restart", "my-db", NULL}, CLI_CMD_RESTART, NULL},
    {{"restart", "my-db", "3d8d9a4bc71d89", "--dry-run", NULL},
     CLI_CMD_RESTART,
     NULL},
    {{"failover", "my-db", NULL}, CLI_CMD_FAILOVER, NULL},
    {{"failover", "my-db", "--to", "abc123", "--allow-secondary-region",
      "--yes", NULL},
     CLI_CMD_FAILOVER,
     NULL},
    {{"ha", "my-db", "--dry-run", NULL}, CLI_CMD_HA, NULL},
    {{"sql", "my-db", NULL}, CLI_CMD_SQL, NULL},
    {{"sql", "my-db", "-c", "select 1", "--node", "n1", NULL},
     CLI_CMD_SQL,
     NULL},
    {{"sql", "my-db", "-cselect 1", NULL}, CLI_CMD_SQL, NULL},
    {{"sql", "my-db", "--command=select 1", NULL}, CLI_CMD_SQL, NULL},
    {{"local", "up", NULL}, CLI_CMD_LOCAL_UP, NULL},
    {{"local", "down", NULL}, CLI_CMD_LOCAL_DOWN, NULL},
    {{"local", "status", NULL}, CLI_CMD_LOCAL_STATUS, NULL},
    {{"local", "seed", NULL}, CLI_CMD_LOCAL_SEED, NULL},
    {{"info", NULL}, CLI_CMD_INFO, NULL},
    {{"info", "--config", "/tmp/x", "--context", "local", NULL},
     CLI_CMD_INFO,
     NULL},
    {{"--debug", "/tmp/log", "info", NULL}, CLI_CMD_INFO, NULL},
    {{"create", "my-db", "--region", "iad", NULL}, CLI_CMD_CREATE, NULL},
    {{"create", "my-db", "--region", "iad", "--preset", "ha", "--volume-size",
      "10", "--memory", "1024", "--yes", "--dry-run", NULL},
     CLI_CMD_CREATE,
     NULL},
    {{"create", "my-db", NULL},
     CLI_CMD__COUNT,
     "pgdeck create: missing --region R"},
    {{"create", "my-db", "--region", "iad", "--preset", "prod", NULL},
     CLI_CMD__COUNT,
     "bad --preset 'prod': expected development (1 node) or ha (3 nodes)"},
    {{"create", "my-db", "--region", "iad", "--memory", "100", NULL},
     CLI_CMD__COUNT,
     "memory must be between 256 and 131072 MB"},
    {{"create", "my-db", "--region", "iad", "--volume-size", "0", NULL},
     CLI_CMD__COUNT,
     "bad GB '0'"},
    {{"create", "x", "y", NULL},
     CLI_CMD__COUNT,
     "pgdeck create: unexpected argument 'y'"},
    {{"destroy", "my-db", "--yes", NULL}, CLI_CMD_DESTROY, NULL},
    {{"destroy", NULL}, CLI_CMD__COUNT, "pgdeck destroy: missing CLUSTER"},
    {{"failover", "my-db", "--force", NULL}, CLI_CMD_FAILOVER, NULL},
    {{"restart", "my-db", "--force", NULL},
     CLI_CMD__COUNT,
     "option '--force' does not apply to 'restart'"},
    {{"snapshot", NULL},
     CLI_CMD__COUNT,
     "pgdeck snapshot: missing subcommand (list|create|restore)"},
    {{"snapshot", "list", "my-db", "--json", NULL},
     CLI_CMD_SNAPSHOT_LIST,
     NULL},
    {{"snapshot", "list", "my-db", "--node", "3d8d9a4bc71d89", NULL},
     CLI_CMD_SNAPSHOT_LIST,
     NULL},
    {{"snapshot", "create", "my-db", "--yes", NULL},
     CLI_CMD_SNAPSHOT_CREATE,
     NULL},
    {{"snapshot", "create", "my-db", "--json", NULL},
     CLI_CMD__COUNT,
     "option '--json' does not apply to 'snapshot create'"},
    {{"snapshot", "restore", "my-db", "vs_2rk95dGQDqeNPOz", "--as", "copy-db",
      NULL},
     CLI_CMD_SNAPSHOT_RESTORE,
     NULL},
    {{"snapshot", "restore", "my-db", "vs_2rk95dGQDqeNPOz", NULL},
     CLI_CMD__COUNT,
     "missing --as NEW_CLUSTER"},
    {{"snapshot", "restore", "my-db", "vs_1", "--as", "my-db", NULL},
     CLI_CMD__COUNT,
     "--as must name a new cluster, not the source"},
    {{"snapshot", "restore", "my-db", "vs_1", "--as", "Copy", NULL},
     CLI_CMD__COUNT,
     "bad --as 'Copy'"},
    {{"snapshot", "restore", "my-db", "vs/1", "--as", "copy", NULL},
     CLI_CMD__COUNT,
     "bad SNAPSHOT 'vs/1': expected a snapshot id"},
    {{"snapshot", "restore", "my-db", NULL},
     CLI_CMD__COUNT,
     "pgdeck snapshot restore: missing SNAPSHOT"},
    {{"failover", "my-db", "--no-snapshot", NULL}, CLI_CMD_FAILOVER, NULL},
    {{"restart", "my-db", "--no-snapshot", NULL},
     CLI_CMD__COUNT,
     "option '--no-snapshot' does not apply to 'restart'"},
    {{"drill", "list", NULL}, CLI_CMD_DRILL_LIST, NULL},
    {{"drill", "run", "my-db", "kill-primary", NULL}, CLI_CMD_DRILL_RUN, NULL},
    {{"drill", "run", "my-db", "Kill!", NULL},
     CLI_CMD__COUNT,
     "bad DRILL 'Kill!'"},
    {{"drill", "reset", "my-db", NULL}, CLI_CMD_DRILL_RESET, NULL},
    {{"resume", "--yes", NULL}, CLI_CMD_RESUME, NULL},
    {{"resume", "20261122T044500Z-4f2a9c", NULL}, CLI_CMD_RESUME, NULL},
    {{"resume", "a/b", NULL}, CLI_CMD__COUNT, "bad PLAN 'a/b'"},
    {{"abort", NULL}, CLI_CMD_ABORT, NULL},
    {{"abort", "--dry-run", NULL},
     CLI_CMD__COUNT,
     "option '--dry-run' does not apply to 'abort'"},
    {{"--help", NULL}, CLI_CMD_HELP, NULL},
    {{"-h", NULL}, CLI_CMD_HELP, NULL},
    {{"help", NULL}, CLI_CMD_HELP, NULL},
    {{"help", "scale", NULL}, CLI_CMD_HELP, NULL},
    {{"scale", "--help", NULL}, CLI_CMD_HELP, NULL},
    {{"scale", "memory", "--help", NULL}, CLI_CMD_HELP, NULL},
    {{"--version", NULL}, CLI_CMD_VERSION, NULL},
    {{"--", "status", NULL}, CLI_CMD_STATUS, NULL},

    /* bad numbers */
    {{"scale", "memory", "c", "12abc", NULL},
     CLI_CMD__COUNT,
     "pgdeck scale memory: bad MB '12abc': expected a whole number of "
     "megabytes"},
    {{"scale", "memory", "c", "-5", NULL}, CLI_CMD__COUNT, "bad MB '-5'"},
    {{"scale", "memory", "c", "2gb", NULL}, CLI_CMD__COUNT, "bad MB '2gb'"},
    {{"scale", "memory", "c", "128", NULL},
     CLI_CMD__COUNT,
     "memory must be between 256 and 131072 MB"},
    {{"scale", "memory", "c", "1000", NULL},
     CLI_CMD__COUNT,
     "steps of 256 MB (e.g. 768 or 1024)"},
    {{"scale", "memory", "c", "99999999999999999999", NULL},
     CLI_CMD__COUNT,
     "bad MB"},
    {{"volume", "extend", "c", "0", NULL},
     CLI_CMD__COUNT,
     "bad GB '0': a volume is 1 to 500 GB"},
    {{"volume", "extend", "c", "501", NULL}, CLI_CMD__COUNT, "bad GB '501'"},
    {{"volume", "extend", "c", "1.5", NULL},
     CLI_CMD__COUNT,
     "bad GB '1.5': expected a whole number of gigabytes"},
    {{"volume", "extend", "c", "", NULL}, CLI_CMD__COUNT, "bad GB ''"},

    /* missing and extra arguments */
    {{"scale", NULL},
     CLI_CMD__COUNT,
     "pgdeck scale: missing subcommand (memory)"},
    {{"scale", "cpu", "c", NULL},
     CLI_CMD__COUNT,
     "pgdeck scale: unknown subcommand 'cpu' (expected memory)"},
    {{"scale", "memroy", "c", "512", NULL},
     CLI_CMD__COUNT,
     "unknown subcommand 'memroy' (did you mean 'memory'?)"},
    {{"scale", "memory", NULL},
     CLI_CMD__COUNT,
     "pgdeck scale memory: missing CLUSTER (usage: pgdeck scale memory "
     "CLUSTER MB"},
    {{"scale", "memory", "c", NULL},
     CLI_CMD__COUNT,
     "pgdeck scale memory: missing MB"},
    {{"scale", "memory", "c", "512", "extra", NULL},
     CLI_CMD__COUNT,
     "unexpected argument 'extra'"},
    {{"volume", "extend", "c", NULL}, CLI_CMD__COUNT, "missing GB"},
    {{"replica", NULL}, CLI_CMD__COUNT, "missing subcommand (add|remove)"},
    {{"replica", "remove", "c", NULL}, CLI_CMD__COUNT, "missing NODE"},
    {{"replica", "add", NULL}, CLI_CMD__COUNT, "missing CLUSTER"},
    {{"restart", NULL}, CLI_CMD__COUNT, "pgdeck restart: missing CLUSTER"},
    {{"restart", "c", "n", "m", NULL},
     CLI_CMD__COUNT,
     "unexpected argument 'm'"},
    {{"failover", NULL}, CLI_CMD__COUNT, "missing CLUSTER"},
    {{"ha", NULL}, CLI_CMD__COUNT, "missing CLUSTER"},
    {{"sql", NULL}, CLI_CMD__COUNT, "missing CLUSTER"},
    {{"local", NULL},
     CLI_CMD__COUNT,
     "pgdeck local: missing subcommand (up|down|status|seed)"},
    {{"local", "start", NULL}, CLI_CMD__COUNT, "unknown subcommand 'start'"},
    {{"local", "up", "now", NULL}, CLI_CMD__COUNT, "unexpected argument 'now'"},
    {{"info", "x", NULL}, CLI_CMD__COUNT, "pgdeck info: unexpected argument"},
    {{"status", "a", "b", NULL}, CLI_CMD__COUNT, "unexpected argument 'b'"},

    /* bad names */
    {{"status", "My_DB", NULL},
     CLI_CMD__COUNT,
     "pgdeck status: bad CLUSTER 'My_DB': expected a cluster (Fly app) name"},
    {{"restart", "c", "no/de", NULL}, CLI_CMD__COUNT, "bad NODE 'no/de'"},
    {{"replica", "add", "c", "--region", "Chicago", NULL},
     CLI_CMD__COUNT,
     "bad --region 'Chicago': expected a three-letter region code"},
    {{"failover", "c", "--to", "a b", NULL}, CLI_CMD__COUNT, "bad --to 'a b'"},
    {{"scale", "memory", "c", "512", "--node", "x;y", NULL},
     CLI_CMD__COUNT,
     "bad --node 'x;y'"},
    {{"--context", "a b", "info", NULL}, CLI_CMD__COUNT, "bad --context 'a b'"},
    {{"--theme", "../x", NULL}, CLI_CMD__COUNT, "bad --theme '../x'"},
    {{"sql", "c", "-c", "", NULL}, CLI_CMD__COUNT, "-c needs a non-empty SQL"},

    /* unknown and misplaced options */
    {{"--frobnicate", NULL},
     CLI_CMD__COUNT,
     "pgdeck: unknown option '--frobnicate'"},
    {{"--contxt", "fly", NULL},
     CLI_CMD__COUNT,
     "unknown option '--contxt' (did you mean '--context'?)"},
    {{"-x", NULL}, CLI_CMD__COUNT, "pgdeck: unknown option '-x'"},
    {{"stauts", NULL},
     CLI_CMD__COUNT,
     "pgdeck: unknown command 'stauts' (did you mean 'status'?)"},
    {{"bogus", NULL}, CLI_CMD__COUNT, "pgdeck: unknown command 'bogus'"},
    {{"status", "--yes", NULL},
     CLI_CMD__COUNT,
     "pgdeck status: option '--yes' does not apply to 'status'"},
    {{"ha", "c", "--node", "n", NULL},
     CLI_CMD__COUNT,
     "option '--node' does not apply to 'ha'"},
    {{"--yes", NULL}, CLI_CMD__COUNT, "option '--yes' needs a command"},
    {{"--context", NULL},
     CLI_CMD__COUNT,
     "option '--context' needs a value (NAME)"},
    {{"--config=", "info", NULL},
     CLI_CMD__COUNT,
     "option '--config' needs a non-empty value (FILE)"},
    {{"--yes=1", "ha", "c", NULL},
     CLI_CMD__COUNT,
     "option '--yes' takes no value"},
    {{"sql", "c", "-c", NULL}, CLI_CMD__COUNT, "option '-c' needs a value"},
    {{"status", "--json", "--watch", NULL},
     CLI_CMD__COUNT,
     "--watch and --json cannot be combined"},
};
#define NCASES (sizeof cli_cases / sizeof cli_cases[0])

static int make_argv(const struct cli_case *c, char **argv)
{
    int n = 0;

    argv[n++] = (char *)(uintptr_t) "pgdeck";
    while (c->args[n - 1]) {
        argv[n] = (char *)(uintptr_t)c->args[n - 1];
        n++;
    }
    argv[n] = NULL;
    return n;
}

START_TEST(test_cli_table)
{
    const struct cli_case *c = &cli_cases[_i];
    char *argv[16];
    int argc = make_argv(c, argv);
    struct cli cli;
    char *cause = NULL;
    int rc = cli_parse(argc, argv, &cli, &cause);

    if (!c->err) {
        ck_assert_msg(rc == 0, "case %d: %s", (int)_i, cause ? cause : "");
        ck_assert_int_eq(cli.cmd, c->cmd);
        ck_assert_ptr_null(cause);
    } else {
        ck_assert_msg(rc == -1, "case %d accepted", (int)_i);
        ck_assert_ptr_nonnull(cause);
        ck_assert_msg(strstr(cause, c->err), "case %d: got '%s', want '%s'",
                      (int)_i, cause, c->err);
        ck_assert_ptr_null(strchr(cause, '\n'));
        free(cause);
    }
}
END_TEST

static int parse(struct cli *cli, const char *const *args)
{
    struct cli_case c;
    char *argv[16];
    char *cause = NULL;
    int i, rc;

    memset(&c, 0, sizeof c);
    for (i = 0; args[i]; i++)
        c.args[i] = args[i];
    rc = cli_parse(make_argv(&c, argv), argv, cli, &cause);
    free(cause);
    return rc;
}

START_TEST(test_cli_fields)
{
    struct cli cli;
    static const char *const a1[] = {"--config",  "/c",   "scale",     "memory",
                                     "db-1",      "4096", "--node=n1", "--yes",
                                     "--context", "prod", NULL};
    static const char *const a2[] = {
        "failover",  "db",          "--to",    "m2", "--allow-secondary-region",
        "--dry-run", "--read-only", "--debug", "/l", NULL};
    static const char *const a3[] = {"sql",           "db",      "-c",
                                     "select 1",      "--ascii", "--no-color",
                                     "--theme=light", NULL};
    static const char *const a4[] = {"replica", "remove", "db", "n9", NULL};
    static const char *const a5[] = {"volume",   "extend", "db", "42",
                                     "--region", "ord",    NULL};
    static const char *const a6[] = {"help", "failover", NULL};

    ck_assert_int_eq(parse(&cli, a1), 0);
    ck_assert_str_eq(cli.config, "/c");
    ck_assert_str_eq(cli.context, "prod");
    ck_assert_str_eq(cli.cluster, "db-1");
    ck_assert_int_eq(cli.memory_mb, 4096);
    ck_assert_str_eq(cli.node, "n1");
    ck_assert_int_eq(cli.yes, 1);
    ck_assert_int_eq(cli.dry_run, 0);

    ck_assert_int_eq(parse(&cli, a2), 0);
    ck_assert_str_eq(cli.to, "m2");
    ck_assert_int_eq(cli.allow_secondary_region, 1);
    ck_assert_int_eq(cli.dry_run, 1);
    ck_assert_int_eq(cli.read_only, 1);
    ck_assert_str_eq(cli.debug, "/l");
    ck_assert_ptr_null(cli.node);

    ck_assert_int_eq(parse(&cli, a3), 0);
    ck_assert_str_eq(cli.sql, "select 1");
    ck_assert_int_eq(cli.ascii, 1);
    ck_assert_int_eq(cli.no_color, 1);
    ck_assert_str_eq(cli.theme, "light");

    ck_assert_int_eq(parse(&cli, a4), 0);
    ck_assert_str_eq(cli.cluster, "db");
    ck_assert_str_eq(cli.node, "n9");

    /* --region belongs to replica add only. */
    ck_assert_int_eq(parse(&cli, a5), -1);

    ck_assert_int_eq(parse(&cli, a6), 0);
    ck_assert_int_eq(cli.cmd, CLI_CMD_HELP);
    ck_assert_str_eq(cli.help_topic, "failover");
}
END_TEST

static char *usage_text(const char *topic)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    ck_assert_ptr_nonnull(f);
    cli_usage(f, topic);
    fclose(f);
    return text;
}

START_TEST(test_cli_usage_complete)
{
    static const char *const must[] = {
        "status [CLUSTER] [--json] [--watch]",
        "scale memory CLUSTER MB [--node ID] [--no-snapshot] [--yes] "
        "[--dry-run]",
        "volume extend CLUSTER GB [--node ID] [--yes] [--dry-run]",
        "replica add CLUSTER [--region R] [--yes] [--dry-run]",
        "replica remove CLUSTER NODE [--no-snapshot] [--yes] [--dry-run]",
        "restart CLUSTER [NODE] [--yes] [--dry-run]",
        "failover CLUSTER [--to NODE] [--allow-secondary-region] [--force] "
        "[--no-snapshot] [--yes] [--dry-run]",
        "snapshot list CLUSTER [--node ID] [--json]",
        "snapshot create CLUSTER [--node ID] [--yes] [--dry-run]",
        "snapshot restore CLUSTER SNAPSHOT --as NEW_CLUSTER [--yes] "
        "[--dry-run]",
        "drill list",
        "drill run CLUSTER DRILL [--node ID]",
        "drill reset CLUSTER",
        "create CLUSTER --region R [--preset development|ha] [--volume-size "
        "GB] [--memory MB] [--yes] [--dry-run]",
        "destroy CLUSTER [--yes] [--dry-run]",
        "resume [PLAN] [--yes]",
        "abort [PLAN] [--yes]",
        "ha CLUSTER [--memory MB] [--yes] [--dry-run]",
        "sql CLUSTER [--node ID] [-c SQL]",
        "local up",
        "local down",
        "local status",
        "local seed",
        "pgdeck info",
        "--context NAME",
        "--config FILE",
        "--read-only",
        "--no-color",
        "--ascii",
        "--theme NAME",
        "--debug FILE",
        "--version",
        "0  done",
        "1  failed",
        "2  usage error",
        "3  refused by a pre-flight check",
        "4  platform unreachable",
    };
    char *text = usage_text(NULL);
    size_t i;

    for (i = 0; i < sizeof must / sizeof must[0]; i++)
        ck_assert_msg(strstr(text, must[i]), "usage lacks '%s'", must[i]);
    free(text);
    text = usage_text("replica");
    ck_assert_ptr_nonnull(strstr(text, "replica add"));
    ck_assert_ptr_nonnull(strstr(text, "replica remove"));
    ck_assert_ptr_null(strstr(text, "failover"));
    free(text);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");

    tcase_add_loop_test(tc, test_cli_table, 0, (int)NCASES);
    tcase_add_test(tc, test_cli_fields);
    tcase_add_test(tc, test_cli_usage_complete);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(cli_suite());
}

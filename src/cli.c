#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/cli.h"
#include "src/settings.h"
#include "src/xmalloc.h"

/* Options a subcommand may take (global options are always allowed). */
enum {
    CLI_O_JSON = 1 << 0,
    CLI_O_WATCH = 1 << 1,
    CLI_O_NODE = 1 << 2,
    CLI_O_YES = 1 << 3,
    CLI_O_DRY_RUN = 1 << 4,
    CLI_O_REGION = 1 << 5,
    CLI_O_TO = 1 << 6,
    CLI_O_ALLOW_SECONDARY = 1 << 7,
    CLI_O_SQL = 1 << 8,
    CLI_O_FORCE = 1 << 9,
    CLI_O_PRESET = 1 << 10,
    CLI_O_VOLSIZE = 1 << 11,
    CLI_O_MEMORY = 1 << 12,
    CLI_O_AS = 1 << 13,
    CLI_O_NO_SNAPSHOT = 1 << 14,
    CLI_O_DRILLS = 1 << 15
};

/* What a positional argument is. */
enum cli_arg {
    CLI_A_NONE,
    CLI_A_CLUSTER,
    CLI_A_NODE,
    CLI_A_MB,
    CLI_A_GB,
    CLI_A_PLAN,
    CLI_A_SNAPSHOT,
    CLI_A_DRILL
};

struct cli_command {
    const char *word, *word2; /* "scale", "memory" */
    enum cli_cmd cmd;
    int opts;
    int min, max;         /* positional arguments */
    enum cli_arg args[2]; /* kinds of the first two */
    const char *synopsis;
    const char *summary;
};

static const struct cli_command cli_commands[] = {
    {"status",
     NULL,
     CLI_CMD_STATUS,
     CLI_O_JSON | CLI_O_WATCH,
     0,
     1,
     {CLI_A_CLUSTER, CLI_A_NONE},
     "[CLUSTER] [--json] [--watch]",
     "show every cluster, or one cluster's nodes, lag and volumes"},
    {"scale",
     "memory",
     CLI_CMD_SCALE_MEMORY,
     CLI_O_NODE | CLI_O_NO_SNAPSHOT | CLI_O_YES | CLI_O_DRY_RUN,
     2,
     2,
     {CLI_A_CLUSTER, CLI_A_MB},
     "CLUSTER MB [--node ID] [--no-snapshot] [--yes] [--dry-run]",
     "set the memory of every node (replicas first, primary last)"},
    {"volume",
     "extend",
     CLI_CMD_VOLUME_EXTEND,
     CLI_O_NODE | CLI_O_YES | CLI_O_DRY_RUN,
     2,
     2,
     {CLI_A_CLUSTER, CLI_A_GB},
     "CLUSTER GB [--node ID] [--yes] [--dry-run]",
     "grow the volumes to GB (never shrinks)"},
    {"replica",
     "add",
     CLI_CMD_REPLICA_ADD,
     CLI_O_REGION | CLI_O_YES | CLI_O_DRY_RUN,
     1,
     1,
     {CLI_A_CLUSTER, CLI_A_NONE},
     "CLUSTER [--region R] [--yes] [--dry-run]",
     "add a replica (in the primary region unless --region)"},
    {"replica",
     "remove",
     CLI_CMD_REPLICA_REMOVE,
     CLI_O_NO_SNAPSHOT | CLI_O_YES | CLI_O_DRY_RUN,
     2,
     2,
     {CLI_A_CLUSTER, CLI_A_NODE},
     "CLUSTER NODE [--no-snapshot] [--yes] [--dry-run]",
     "unregister a replica from repmgr, then destroy it"},
    {"restart",
     NULL,
     CLI_CMD_RESTART,
     CLI_O_YES | CLI_O_DRY_RUN,
     1,
     2,
     {CLI_A_CLUSTER, CLI_A_NODE},
     "CLUSTER [NODE] [--yes] [--dry-run]",
     "restart one node, or every node (replicas first)"},
    {"failover",
     NULL,
     CLI_CMD_FAILOVER,
     CLI_O_TO | CLI_O_ALLOW_SECONDARY | CLI_O_FORCE | CLI_O_NO_SNAPSHOT |
         CLI_O_YES | CLI_O_DRY_RUN,
     1,
     1,
     {CLI_A_CLUSTER, CLI_A_NONE},
     "CLUSTER [--to NODE] [--allow-secondary-region] [--force] "
     "[--no-snapshot] [--yes] [--dry-run]",
     "promote an eligible standby (refuses a lagging candidate)"},
    {"ha",
     NULL,
     CLI_CMD_HA,
     CLI_O_MEMORY | CLI_O_YES | CLI_O_DRY_RUN,
     1,
     1,
     {CLI_A_CLUSTER, CLI_A_NONE},
     "CLUSTER [--memory MB] [--yes] [--dry-run]",
     "make a cluster highly available (3 members in the primary region)"},
    {"sql",
     NULL,
     CLI_CMD_SQL,
     CLI_O_NODE | CLI_O_SQL | CLI_O_JSON,
     1,
     1,
     {CLI_A_CLUSTER, CLI_A_NONE},
     "CLUSTER [--node ID] [-c SQL] [--json]",
     "run SQL on the primary (or a node); psql without -c"},
    {"local",
     "up",
     CLI_CMD_LOCAL_UP,
     CLI_O_DRILLS,
     0,
     0,
     {CLI_A_NONE, CLI_A_NONE},
     "[--drills]",
     "start pgdeck-platformd in the background"},
    {"local",
     "down",
     CLI_CMD_LOCAL_DOWN,
     0,
     0,
     0,
     {CLI_A_NONE, CLI_A_NONE},
     "",
     "stop pgdeck-platformd"},
    {"local",
     "status",
     CLI_CMD_LOCAL_STATUS,
     0,
     0,
     0,
     {CLI_A_NONE, CLI_A_NONE},
     "",
     "show whether pgdeck-platformd runs"},
    {"local",
     "seed",
     CLI_CMD_LOCAL_SEED,
     0,
     0,
     0,
     {CLI_A_NONE, CLI_A_NONE},
     "",
     "create the demo clusters on the local platform"},
    {"info",
     NULL,
     CLI_CMD_INFO,
     0,
     0,
     0,
     {CLI_A_NONE, CLI_A_NONE},
     "",
     "show paths, contexts, token sources (never tokens), settings"},
    {"create",
     NULL,
     CLI_CMD_CREATE,
     CLI_O_REGION | CLI_O_PRESET | CLI_O_VOLSIZE | CLI_O_MEMORY | CLI_O_YES |
         CLI_O_DRY_RUN,
     1,
     1,
     {CLI_A_CLUSTER, CLI_A_NONE},
     "CLUSTER --region R [--preset development|ha] [--volume-size GB] "
     "[--memory MB] [--yes] [--dry-run]",
     "create a cluster (development: 1 node; ha: 3 nodes)"},
    {"destroy",
     NULL,
     CLI_CMD_DESTROY,
     CLI_O_YES | CLI_O_DRY_RUN,
     1,
     1,
     {CLI_A_CLUSTER, CLI_A_NONE},
     "CLUSTER [--yes] [--dry-run]",
     "destroy a cluster: every machine, every volume, the app"},
    {"snapshot",
     "list",
     CLI_CMD_SNAPSHOT_LIST,
     CLI_O_NODE | CLI_O_JSON,
     1,
     1,
     {CLI_A_CLUSTER, CLI_A_NONE},
     "CLUSTER [--node ID] [--json]",
     "list the volume snapshots of every node (or one), newest first"},
    {"snapshot",
     "create",
     CLI_CMD_SNAPSHOT_CREATE,
     CLI_O_NODE | CLI_O_YES | CLI_O_DRY_RUN,
     1,
     1,
     {CLI_A_CLUSTER, CLI_A_NONE},
     "CLUSTER [--node ID] [--yes] [--dry-run]",
     "snapshot the primary's volume (or a node's) now"},
    {"snapshot",
     "restore",
     CLI_CMD_SNAPSHOT_RESTORE,
     CLI_O_AS | CLI_O_YES | CLI_O_DRY_RUN,
     2,
     2,
     {CLI_A_CLUSTER, CLI_A_SNAPSHOT},
     "CLUSTER SNAPSHOT --as NEW_CLUSTER [--yes] [--dry-run]",
     "restore a snapshot into a new single-node cluster (the source is "
     "never touched)"},
    {"drill",
     "list",
     CLI_CMD_DRILL_LIST,
     0,
     0,
     0,
     {CLI_A_NONE, CLI_A_NONE},
     "",
     "list the incident drills of the local platform"},
    {"drill",
     "run",
     CLI_CMD_DRILL_RUN,
     CLI_O_NODE,
     2,
     2,
     {CLI_A_CLUSTER, CLI_A_DRILL},
     "CLUSTER DRILL [--node ID]",
     "break a local cluster on purpose to rehearse (local context only)"},
    {"drill",
     "reset",
     CLI_CMD_DRILL_RESET,
     0,
     1,
     1,
     {CLI_A_CLUSTER, CLI_A_NONE},
     "CLUSTER",
     "heal what the drills broke on a local cluster"},
    {"resume",
     NULL,
     CLI_CMD_RESUME,
     CLI_O_YES,
     0,
     1,
     {CLI_A_PLAN, CLI_A_NONE},
     "[PLAN] [--yes]",
     "resume an interrupted plan (the only one, or PLAN)"},
    {"abort",
     NULL,
     CLI_CMD_ABORT,
     CLI_O_YES,
     0,
     1,
     {CLI_A_PLAN, CLI_A_NONE},
     "[PLAN] [--yes]",
     "safely abort an interrupted plan (the only one, or PLAN)"},
};
#define CLI_NCOMMANDS (sizeof cli_commands / sizeof cli_commands[0])

/* Long options.  GLOBAL ones set fields of struct cli directly. */
enum cli_opt_id {
    CLI_OPT_CONTEXT,
    CLI_OPT_CONFIG,
    CLI_OPT_READ_ONLY,
    CLI_OPT_NO_COLOR,
    CLI_OPT_ASCII,
    CLI_OPT_THEME,
    CLI_OPT_DEBUG,
    CLI_OPT_HELP,
    CLI_OPT_VERSION,
    CLI_OPT_JSON,
    CLI_OPT_WATCH,
    CLI_OPT_NODE,
    CLI_OPT_YES,
    CLI_OPT_DRY_RUN,
    CLI_OPT_REGION,
    CLI_OPT_TO,
    CLI_OPT_ALLOW_SECONDARY,
    CLI_OPT_SQL,
    CLI_OPT_FORCE,
    CLI_OPT_PRESET,
    CLI_OPT_VOLSIZE,
    CLI_OPT_MEMORY,
    CLI_OPT_AS,
    CLI_OPT_NO_SNAPSHOT,
    CLI_OPT_DRILLS,
    CLI_OPT__COUNT
};

struct cli_option {
    const char *name; /* without "--" */
    const char *arg;  /* value name, NULL for a flag */
    int mask;         /* CLI_O_*, 0 for a global option */
    const char *help;
};

static const struct cli_option cli_options[CLI_OPT__COUNT] = {
    [CLI_OPT_CONTEXT] = {"context", "NAME", 0,
                         "use context NAME (local, fly, or one of the "
                         "config file)"},
    [CLI_OPT_CONFIG] = {"config", "FILE", 0,
                        "read settings from FILE (default "
                        "$XDG_CONFIG_HOME/pgdeck/config)"},
    [CLI_OPT_READ_ONLY] = {"read-only", NULL, 0,
                           "refuse every mutating action"},
    [CLI_OPT_NO_COLOR] = {"no-color", NULL, 0, "no colors (also NO_COLOR=1)"},
    [CLI_OPT_ASCII] = {"ascii", NULL, 0, "draw with ASCII characters only"},
    [CLI_OPT_THEME] = {"theme", "NAME", 0,
                       "color theme: default, light, mono, colorblind"},
    [CLI_OPT_DEBUG] = {"debug", "FILE", 0,
                       "append a debug log to FILE (never tokens)"},
    [CLI_OPT_HELP] = {"help", NULL, 0, "show this help (-h)"},
    [CLI_OPT_VERSION] = {"version", NULL, 0,
                         "show the version and library versions"},
    [CLI_OPT_JSON] = {"json", NULL, CLI_O_JSON, "machine-readable output"},
    [CLI_OPT_WATCH] = {"watch", NULL, CLI_O_WATCH, "refresh until interrupted"},
    [CLI_OPT_NODE] = {"node", "ID", CLI_O_NODE, "act on one node only"},
    [CLI_OPT_YES] = {"yes", NULL, CLI_O_YES,
                     "do not ask for confirmation (needed without a tty)"},
    [CLI_OPT_DRY_RUN] = {"dry-run", NULL, CLI_O_DRY_RUN,
                         "print the plan and its HTTP requests, change "
                         "nothing"},
    [CLI_OPT_REGION] = {"region", "R", CLI_O_REGION,
                        "region of a new replica, or of a new cluster "
                        "(e.g. ord)"},
    [CLI_OPT_TO] = {"to", "NODE", CLI_O_TO, "the standby to promote"},
    [CLI_OPT_ALLOW_SECONDARY] = {"allow-secondary-region", NULL,
                                 CLI_O_ALLOW_SECONDARY,
                                 "allow a candidate outside the primary "
                                 "region"},
    [CLI_OPT_SQL] = {"command", "SQL", CLI_O_SQL, "run SQL and exit (-c SQL)"},
    [CLI_OPT_FORCE] = {"force", NULL, CLI_O_FORCE,
                       "failover: accept a candidate past the lag limit"},
    [CLI_OPT_PRESET] = {"preset", "NAME", CLI_O_PRESET,
                        "create: development (1 node) or ha (3 nodes)"},
    [CLI_OPT_VOLSIZE] = {"volume-size", "GB", CLI_O_VOLSIZE,
                         "create: the size of each volume"},
    [CLI_OPT_MEMORY] = {"memory", "MB", CLI_O_MEMORY,
                        "create, ha: the memory of each node"},
    [CLI_OPT_AS] = {"as", "NAME", CLI_O_AS,
                    "snapshot restore: the new cluster's name"},
    [CLI_OPT_NO_SNAPSHOT] = {"no-snapshot", NULL, CLI_O_NO_SNAPSHOT,
                             "skip the snapshot of the primary's volume "
                             "taken first"},
    [CLI_OPT_DRILLS] = {"drills", NULL, CLI_O_DRILLS,
                        "local up: serve the fault endpoints the drills use "
                        "(--enable-faults)"},
};

static int cli_fail(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const struct cli_command *cli_lookup(enum cli_cmd cmd);
static int cli_check_arg(enum cli_arg kind, const char *what, const char *v,
                         const char *cmd, struct cli *cli, char **cause);
static int cli_cluster_valid(const char *v);
static int cli_node_valid(const char *v);
static int cli_number(const char *v, long *out);
static void cli_print_command(FILE *out, const struct cli_command *c);
static int cli_create_options(struct cli *cli, const char *const *values,
                              const char *cmdname, char **cause);

static int cli_fail(char **cause, const char *fmt, ...)
{
    va_list ap;

    if (cause) {
        va_start(ap, fmt);
        *cause = x_vasprintf(fmt, ap);
        va_end(ap);
    }
    return -1;
}

static const struct cli_command *cli_lookup(enum cli_cmd cmd)
{
    size_t i;

    for (i = 0; i < CLI_NCOMMANDS; i++)
        if (cli_commands[i].cmd == cmd)
            return &cli_commands[i];
    return NULL;
}

const char *cli_cmd_name(enum cli_cmd cmd)
{
    static const char *const names[] = {
        [CLI_CMD_SCALE_MEMORY] = "scale memory",
        [CLI_CMD_VOLUME_EXTEND] = "volume extend",
        [CLI_CMD_REPLICA_ADD] = "replica add",
        [CLI_CMD_REPLICA_REMOVE] = "replica remove",
        [CLI_CMD_LOCAL_UP] = "local up",
        [CLI_CMD_LOCAL_DOWN] = "local down",
        [CLI_CMD_LOCAL_STATUS] = "local status",
        [CLI_CMD_LOCAL_SEED] = "local seed",
        [CLI_CMD_SNAPSHOT_LIST] = "snapshot list",
        [CLI_CMD_SNAPSHOT_CREATE] = "snapshot create",
        [CLI_CMD_SNAPSHOT_RESTORE] = "snapshot restore",
        [CLI_CMD_DRILL_LIST] = "drill list",
        [CLI_CMD_DRILL_RUN] = "drill run",
        [CLI_CMD_DRILL_RESET] = "drill reset",
        [CLI_CMD__COUNT] = NULL,
    };
    const struct cli_command *c;

    if (cmd == CLI_CMD_CONSOLE)
        return "console";
    if (cmd == CLI_CMD_HELP)
        return "help";
    if (cmd == CLI_CMD_VERSION)
        return "version";
    if ((int)cmd >= 0 && cmd < CLI_CMD__COUNT && names[cmd])
        return names[cmd];
    c = cli_lookup(cmd);
    return c ? c->word : "?";
}

/* A Fly app name: lowercase letters, digits and '-', 1..63. */
static int cli_cluster_valid(const char *v)
{
    size_t i, len = strlen(v);

    if (len == 0 || len > 63 || v[0] == '-')
        return 0;
    for (i = 0; i < len; i++)
        if (!(islower((unsigned char)v[i]) || isdigit((unsigned char)v[i]) ||
              v[i] == '-'))
            return 0;
    return 1;
}

/* A machine id or name: letters, digits, '-' and '_', 1..63. */
static int cli_node_valid(const char *v)
{
    size_t i, len = strlen(v);

    if (len == 0 || len > 63 || v[0] == '-')
        return 0;
    for (i = 0; i < len; i++)
        if (!(isalnum((unsigned char)v[i]) || v[i] == '-' || v[i] == '_'))
            return 0;
    return 1;
}

/* Digits only, no sign, no unit, no overflow. */
static int cli_number(const char *v, long *out)
{
    char *end;
    long n;

    if (!isdigit((unsigned char)v[0]))
        return -1;
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = n;
    return 0;
}

static int cli_check_arg(enum cli_arg kind, const char *what, const char *v,
                         const char *cmd, struct cli *cli, char **cause)
{
    long n;

    switch (kind) {
    case CLI_A_CLUSTER:
        if (!cli_cluster_valid(v))
            return cli_fail(cause,
                            "pgdeck %s: bad %s '%s': expected a cluster (Fly "
                            "app) name: lowercase letters, digits and '-'",
                            cmd, what, v);
        cli->cluster = v;
        return 0;
    case CLI_A_NODE:
        if (!cli_node_valid(v))
            return cli_fail(cause,
                            "pgdeck %s: bad %s '%s': expected a machine ID "
                            "such as 3d8d9a4bc71d89",
                            cmd, what, v);
        return 0;
    case CLI_A_MB:
        if (cli_number(v, &n) != 0)
            return cli_fail(cause,
                            "pgdeck %s: bad MB '%s': expected a whole number "
                            "of megabytes, such as 2048",
                            cmd, v);
        if (n < 256 || n > 131072)
            return cli_fail(cause,
                            "pgdeck %s: bad MB '%s': memory must be between "
                            "256 and 131072 MB",
                            cmd, v);
        if (n % 256 != 0)
            return cli_fail(cause,
                            "pgdeck %s: bad MB '%s': memory goes in steps of "
                            "256 MB (e.g. %ld or %ld)",
                            cmd, v, n / 256 * 256, (n / 256 + 1) * 256);
        cli->memory_mb = n;
        return 0;
    case CLI_A_GB:
        if (cli_number(v, &n) != 0)
            return cli_fail(cause,
                            "pgdeck %s: bad GB '%s': expected a whole number "
                            "of gigabytes, such as 20",
                            cmd, v);
        if (n < 1 || n > 500)
            return cli_fail(cause,
                            "pgdeck %s: bad GB '%s': a volume is 1 to 500 GB",
                            cmd, v);
        cli->size_gb = n;
        return 0;
    case CLI_A_PLAN:
        if (!settings_name_valid(v))
            return cli_fail(cause,
                            "pgdeck %s: bad %s '%s': expected a plan id such "
                            "as 20261122T044500Z-4f2a9c",
                            cmd, what, v);
        cli->plan = v;
        return 0;
    case CLI_A_SNAPSHOT:
        if (!cli_node_valid(v))
            return cli_fail(cause,
                            "pgdeck %s: bad %s '%s': expected a snapshot id "
                            "such as vs_2rk95dGQDqeNPOz (see pgdeck snapshot "
                            "list)",
                            cmd, what, v);
        cli->snapshot = v;
        return 0;
    case CLI_A_DRILL:
        if (strspn(v, "abcdefghijklmnopqrstuvwxyz-") != strlen(v) ||
            strlen(v) > 32)
            return cli_fail(cause,
                            "pgdeck %s: bad %s '%s': expected a drill name "
                            "(see pgdeck drill list)",
                            cmd, what, v);
        cli->drill = v;
        return 0;
    case CLI_A_NONE:
    default:
        return 0;
    }
}

/* create's options: --region is required, --preset names a preset, and
 * --volume-size and --memory are checked like the GB and MB arguments;
 * ha's --memory too. */
static int cli_create_options(struct cli *cli, const char *const *values,
                              const char *cmdname, char **cause)
{
    const char *p = values[CLI_OPT_PRESET];

    if (cli->cmd == CLI_CMD_HA && values[CLI_OPT_MEMORY])
        return cli_check_arg(CLI_A_MB, "--memory", values[CLI_OPT_MEMORY],
                             cmdname, cli, cause);
    if (cli->cmd != CLI_CMD_CREATE)
        return 0;
    if (!cli->region)
        return cli_fail(cause, "pgdeck create: missing --region R (the primary "
                               "region, e.g. iad)");
    cli->preset = p ? p : "development";
    if (strcmp(cli->preset, "development") != 0 &&
        strcmp(cli->preset, "ha") != 0)
        return cli_fail(cause,
                        "pgdeck create: bad --preset '%s': expected "
                        "development (1 node) or ha (3 nodes)",
                        cli->preset);
    if (values[CLI_OPT_VOLSIZE] &&
        cli_check_arg(CLI_A_GB, "--volume-size", values[CLI_OPT_VOLSIZE],
                      cmdname, cli, cause) != 0)
        return -1;
    if (values[CLI_OPT_MEMORY] &&
        cli_check_arg(CLI_A_MB, "--memory", values[CLI_OPT_MEMORY], cmdname,
                      cli, cause) != 0)
        return -1;
    return 0;
}

int cli_parse(int argc, char **argv, struct cli *cli, char **cause)
{
    const char **words = x_calloc((size_t)argc + 1, sizeof *words);
    const char *values[CLI_OPT__COUNT] = {0};
    const char *seen[CLI_OPT__COUNT] = {0};
    const struct cli_command *c = NULL;
    const char *cmdname;
    int i, nwords = 0, only_words = 0, rc = -1, mask = 0;
    size_t k;
    char cmdbuf[64];

    memset(cli, 0, sizeof *cli);
    cli->cmd = CLI_CMD_CONSOLE;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *eq, *name;
        size_t nlen;
        int id = -1;

        if (only_words || a[0] != '-' || a[1] == '\0' ||
            isdigit((unsigned char)a[1])) {
            words[nwords++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_words = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0) {
            id = CLI_OPT_HELP;
            seen[id] = a;
            continue;
        }
        if (strncmp(a, "-c", 2) == 0) {
            id = CLI_OPT_SQL;
            seen[id] = "-c";
            if (a[2]) {
                values[id] = a + 2;
            } else if (i + 1 < argc) {
                values[id] = argv[++i];
            } else {
                rc = cli_fail(cause, "pgdeck: option '-c' needs a value (SQL)");
                goto out;
            }
            continue;
        }
        if (a[1] != '-') {
            rc = cli_fail(cause, "pgdeck: unknown option '%s'", a);
            goto out;
        }
        name = a + 2;
        eq = strchr(name, '=');
        nlen = eq ? (size_t)(eq - name) : strlen(name);
        for (k = 0; k < CLI_OPT__COUNT; k++)
            if (strlen(cli_options[k].name) == nlen &&
                strncmp(cli_options[k].name, name, nlen) == 0)
                id = (int)k;
        if (id < 0) {
            const char *names[CLI_OPT__COUNT];
            char *word = x_strndup(name, nlen);
            const char *hint;

            for (k = 0; k < CLI_OPT__COUNT; k++)
                names[k] = cli_options[k].name;
            hint = settings_suggest(word, names, CLI_OPT__COUNT);
            free(word);
            if (hint)
                rc = cli_fail(cause,
                              "pgdeck: unknown option '%.*s' (did you mean "
                              "'--%s'?)",
                              (int)(nlen + 2), a, hint);
            else
                rc = cli_fail(cause, "pgdeck: unknown option '%.*s'",
                              (int)(nlen + 2), a);
            goto out;
        }
        seen[id] = a;
        if (!cli_options[id].arg && eq) {
            rc = cli_fail(cause, "pgdeck: option '--%s' takes no value",
                          cli_options[id].name);
            goto out;
        }
        if (cli_options[id].arg) {
            if (eq) {
                values[id] = eq + 1;
            } else if (i + 1 < argc) {
                values[id] = argv[++i];
            } else {
                rc = cli_fail(cause, "pgdeck: option '--%s' needs a value (%s)",
                              cli_options[id].name, cli_options[id].arg);
                goto out;
            }
            if (!*values[id]) {
                rc = cli_fail(cause,
                              "pgdeck: option '--%s' needs a non-empty "
                              "value (%s)",
                              cli_options[id].name, cli_options[id].arg);
                goto out;
            }
        }
    }

    /* Which command. */
    if (nwords > 0 && strcmp(words[0], "help") == 0) {
        cli->cmd = CLI_CMD_HELP;
        cli->help_topic = nwords > 1 ? words[1] : NULL;
        rc = 0;
        goto out;
    }
    if (nwords > 0) {
        const char *names[CLI_NCOMMANDS + 1];
        size_t nn = 0;
        const char *hint;

        for (k = 0; k < CLI_NCOMMANDS; k++) {
            if (strcmp(cli_commands[k].word, words[0]) != 0)
                continue;
            if (!cli_commands[k].word2 ||
                (nwords > 1 && strcmp(cli_commands[k].word2, words[1]) == 0)) {
                c = &cli_commands[k];
                break;
            }
            names[nn++] = cli_commands[k].word2;
        }
        if (!c && nn > 0) {
            struct buf list = BUF_INIT;

            for (k = 0; k < nn; k++)
                buf_printf(&list, "%s%s", k ? "|" : "", names[k]);
            hint = nwords > 1 ? settings_suggest(words[1], names, nn) : NULL;
            if (seen[CLI_OPT_HELP]) {
                cli->cmd = CLI_CMD_HELP;
                cli->help_topic = words[0];
                rc = 0;
            } else if (nwords < 2) {
                rc = cli_fail(cause, "pgdeck %s: missing subcommand (%s)",
                              words[0], buf_str(&list));
            } else {
                rc = cli_fail(cause,
                              "pgdeck %s: unknown subcommand '%s'%s%s%s "
                              "(expected %s)",
                              words[0], words[1],
                              hint ? " (did you mean '" : "", hint ? hint : "",
                              hint ? "'?)" : "", buf_str(&list));
            }
            buf_free(&list);
            goto out;
        }
        if (!c) {
            nn = 0;
            for (k = 0; k < CLI_NCOMMANDS; k++)
                if (k == 0 ||
                    strcmp(cli_commands[k].word, cli_commands[k - 1].word))
                    names[nn++] = cli_commands[k].word;
            names[nn++] = "help";
            hint = settings_suggest(words[0], names, nn);
            rc = cli_fail(cause, "pgdeck: unknown command '%s'%s%s%s", words[0],
                          hint ? " (did you mean '" : "", hint ? hint : "",
                          hint ? "'?)" : "");
            goto out;
        }
    }
    if (seen[CLI_OPT_HELP]) {
        cli->cmd = CLI_CMD_HELP;
        cli->help_topic = c ? c->word : NULL;
        rc = 0;
        goto out;
    }
    if (seen[CLI_OPT_VERSION]) {
        cli->cmd = CLI_CMD_VERSION;
        rc = 0;
        goto out;
    }

    /* Global options. */
    cli->context = values[CLI_OPT_CONTEXT];
    cli->config = values[CLI_OPT_CONFIG];
    cli->theme = values[CLI_OPT_THEME];
    cli->debug = values[CLI_OPT_DEBUG];
    cli->read_only = seen[CLI_OPT_READ_ONLY] ? 1 : 0;
    cli->no_color = seen[CLI_OPT_NO_COLOR] ? 1 : 0;
    cli->ascii = seen[CLI_OPT_ASCII] ? 1 : 0;
    if (cli->context && !settings_name_valid(cli->context)) {
        rc = cli_fail(cause,
                      "pgdeck: bad --context '%s': expected a context name "
                      "(letters, digits, '.', '_' and '-')",
                      cli->context);
        goto out;
    }
    if (cli->theme && !settings_name_valid(cli->theme)) {
        rc = cli_fail(cause,
                      "pgdeck: bad --theme '%s': expected a theme name "
                      "(letters, digits, '.', '_' and '-')",
                      cli->theme);
        goto out;
    }

    cmdname = "pgdeck";
    if (c) {
        cli->cmd = c->cmd;
        mask = c->opts;
        (void)snprintf(cmdbuf, sizeof cmdbuf, "%s%s%s", c->word,
                       c->word2 ? " " : "", c->word2 ? c->word2 : "");
        cmdname = cmdbuf;
    }
    for (k = 0; k < CLI_OPT__COUNT; k++) {
        if (!seen[k] || cli_options[k].mask == 0)
            continue;
        if (!(mask & cli_options[k].mask)) {
            if (c)
                rc = cli_fail(cause,
                              "pgdeck %s: option '%s' does not apply to "
                              "'%s'",
                              cmdname, seen[k], cmdname);
            else
                rc = cli_fail(cause,
                              "pgdeck: option '%s' needs a command (see "
                              "pgdeck --help)",
                              seen[k]);
            goto out;
        }
    }
    if (!c) {
        rc = 0;
        goto out;
    }

    /* Positional arguments. */
    {
        int skip = c->word2 ? 2 : 1;
        int npos = nwords - skip;
        const char *kinds[] = {NULL, "CLUSTER", "NODE",     "MB",
                               "GB", "PLAN",    "SNAPSHOT", "DRILL"};

        if (npos < c->min) {
            rc = cli_fail(cause, "pgdeck %s: missing %s (usage: pgdeck %s %s)",
                          cmdname, kinds[c->args[npos]], cmdname, c->synopsis);
            goto out;
        }
        if (npos > c->max) {
            rc = cli_fail(cause,
                          "pgdeck %s: unexpected argument '%s' (usage: pgdeck "
                          "%s%s%s)",
                          cmdname, words[skip + c->max], cmdname,
                          *c->synopsis ? " " : "", c->synopsis);
            goto out;
        }
        for (i = 0; i < npos && i < 2; i++) {
            if (cli_check_arg(c->args[i], kinds[c->args[i]], words[skip + i],
                              cmdname, cli, cause) != 0)
                goto out;
            if (c->args[i] == CLI_A_NODE)
                cli->node = words[skip + i];
        }
    }

    /* Subcommand options. */
    if (values[CLI_OPT_NODE]) {
        if (cli_check_arg(CLI_A_NODE, "--node", values[CLI_OPT_NODE], cmdname,
                          cli, cause) != 0)
            goto out;
        cli->node = values[CLI_OPT_NODE];
    }
    if (values[CLI_OPT_TO]) {
        if (cli_check_arg(CLI_A_NODE, "--to", values[CLI_OPT_TO], cmdname, cli,
                          cause) != 0)
            goto out;
        cli->to = values[CLI_OPT_TO];
    }
    if (values[CLI_OPT_REGION]) {
        const char *r = values[CLI_OPT_REGION];

        if (strlen(r) != 3 || !islower((unsigned char)r[0]) ||
            !islower((unsigned char)r[1]) || !islower((unsigned char)r[2])) {
            rc = cli_fail(cause,
                          "pgdeck %s: bad --region '%s': expected a "
                          "three-letter region code such as ord",
                          cmdname, r);
            goto out;
        }
        cli->region = r;
    }
    cli->sql = values[CLI_OPT_SQL];
    if (seen[CLI_OPT_SQL] && !*cli->sql) {
        rc = cli_fail(cause, "pgdeck %s: -c needs a non-empty SQL statement",
                      cmdname);
        goto out;
    }
    cli->json = seen[CLI_OPT_JSON] ? 1 : 0;
    cli->watch = seen[CLI_OPT_WATCH] ? 1 : 0;
    cli->yes = seen[CLI_OPT_YES] ? 1 : 0;
    cli->dry_run = seen[CLI_OPT_DRY_RUN] ? 1 : 0;
    cli->allow_secondary_region = seen[CLI_OPT_ALLOW_SECONDARY] ? 1 : 0;
    cli->force = seen[CLI_OPT_FORCE] ? 1 : 0;
    cli->no_snapshot = seen[CLI_OPT_NO_SNAPSHOT] ? 1 : 0;
    cli->drills = seen[CLI_OPT_DRILLS] ? 1 : 0;
    cli->as = values[CLI_OPT_AS];
    if (cli->cmd == CLI_CMD_SNAPSHOT_RESTORE) {
        if (!cli->as) {
            rc = cli_fail(cause, "pgdeck snapshot restore: missing --as "
                                 "NEW_CLUSTER (the restore is always a new "
                                 "cluster)");
            goto out;
        }
        if (!cli_cluster_valid(cli->as)) {
            rc = cli_fail(cause,
                          "pgdeck snapshot restore: bad --as '%s': expected "
                          "a cluster (Fly app) name: lowercase letters, "
                          "digits and '-'",
                          cli->as);
            goto out;
        }
        if (strcmp(cli->as, cli->cluster) == 0) {
            rc = cli_fail(cause, "pgdeck snapshot restore: --as must name a "
                                 "new cluster, not the source (a restore "
                                 "never touches the source)");
            goto out;
        }
    }
    if (cli_create_options(cli, values, cmdname, cause) != 0)
        goto out;
    if (cli->cmd == CLI_CMD_SQL && cli->json && !cli->sql) {
        rc = cli_fail(cause, "pgdeck sql: --json needs -c SQL (without -c, "
                             "psql runs)");
        goto out;
    }
    if (cli->json && cli->watch) {
        rc = cli_fail(cause,
                      "pgdeck status: --watch and --json cannot be combined "
                      "(--json prints one snapshot)");
        goto out;
    }
    rc = 0;
out:
    free(words);
    if (rc != 0) {
        cli->cmd = CLI_CMD_HELP;
        cli->help_topic = NULL;
    }
    return rc;
}

static void cli_print_command(FILE *out, const struct cli_command *c)
{
    fprintf(out, "  pgdeck %s%s%s%s%s\n      %s\n", c->word,
            c->word2 ? " " : "", c->word2 ? c->word2 : "",
            *c->synopsis ? " " : "", c->synopsis, c->summary);
}

void cli_usage(FILE *out, const char *topic)
{
    size_t k;
    int any = 0;

    if (topic) {
        for (k = 0; k < CLI_NCOMMANDS; k++) {
            if (strcmp(cli_commands[k].word, topic) != 0)
                continue;
            if (!any)
                fprintf(out, "Usage:\n");
            cli_print_command(out, &cli_commands[k]);
            any = 1;
        }
        if (any) {
            fprintf(out, "\nSee 'pgdeck --help' for the global options and "
                         "exit codes.\n");
            return;
        }
    }
    fprintf(out, "Usage: pgdeck [OPTIONS] [COMMAND [ARGS]]\n\n"
                 "A terminal operations console for Fly.io Postgres clusters.\n"
                 "Without a command, pgdeck opens the interactive console.\n\n"
                 "Commands:\n");
    for (k = 0; k < CLI_NCOMMANDS; k++)
        cli_print_command(out, &cli_commands[k]);
    fprintf(out, "  pgdeck help [COMMAND]\n      this help, or one "
                 "command's\n  pgdeck help settings\n      every setting of "
                 "the config file: type, default, range\n\nOptions:\n");
    for (k = 0; k < CLI_OPT__COUNT; k++) {
        const struct cli_option *o = &cli_options[k];
        char left[48];

        (void)snprintf(left, sizeof left, "%s--%s%s%s",
                       k == CLI_OPT_SQL ? "-c, " : "", o->name,
                       o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(out, "  %-30s %s\n", left, o->help);
        if (k == CLI_OPT_VERSION)
            fprintf(out, "\nOptions of some commands (see the list above):\n");
    }
    fprintf(
        out,
        "\nGlobal options may come before or after the command.\n"
        "Mutating commands on a tty ask for confirmation (typing the "
        "cluster\nname for failover, replica remove and ha); without a "
        "tty they need --yes.\n\n"
        "Exit codes:\n"
        "  0  done\n"
        "  1  failed\n"
        "  2  usage error, or refused without a tty\n"
        "  3  refused by a pre-flight check (the reason is printed)\n"
        "  4  platform unreachable\n\n"
        "Environment: PGDECK_CONFIG, PGDECK_PLATFORM_DIR, PGDECK_PLATFORMD,\n"
        "PGDECK_PLATFORMD_LISTEN, PGDECK_THEME_DIR, FLY_ACCESS_TOKEN,\n"
        "FLY_API_TOKEN, FLY_CONFIG_DIR, FLY_FLAPS_BASE_URL, FLY_API_BASE_URL,\n"
        "NO_COLOR, XDG_CONFIG_HOME, XDG_STATE_HOME.  See pgdeck(1) and "
        "pgdeck.conf(5).\n");
}

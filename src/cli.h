/*
 * cli: pgdeck's command line, parsed and validated into a struct cli.
 *
 * cli_parse() knows the whole surface of DESIGN.md ("Interfaces"): the
 * global options, every subcommand with its arguments and options.  It
 * checks everything it can without a network (cluster and node names,
 * numbers, regions, which options a subcommand takes) so that a bad
 * command line fails with exit code 2 before anything else happens.
 * cli_usage() writes the help; it is generated from the same command table.
 *
 * Strings in struct cli point into argv (borrowed for the program's life).
 *
 * Collaborators: main (dispatch), settings (--theme is checked as a name),
 * info.
 */
#ifndef PGDECK_SRC_CLI_H
#define PGDECK_SRC_CLI_H

#include <stdio.h>

/* Exit codes (DESIGN.md). */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILED = 1,
    CLI_EXIT_USAGE = 2, /* also: refused without a tty */
    CLI_EXIT_REFUSED = 3,
    CLI_EXIT_UNREACHABLE = 4
};

enum cli_cmd {
    CLI_CMD_CONSOLE, /* no subcommand: the interactive console */
    CLI_CMD_HELP,
    CLI_CMD_VERSION,
    CLI_CMD_STATUS,
    CLI_CMD_SCALE_MEMORY,
    CLI_CMD_VOLUME_EXTEND,
    CLI_CMD_REPLICA_ADD,
    CLI_CMD_REPLICA_REMOVE,
    CLI_CMD_RESTART,
    CLI_CMD_FAILOVER,
    CLI_CMD_HA,
    CLI_CMD_SQL,
    CLI_CMD_LOCAL_UP,
    CLI_CMD_LOCAL_DOWN,
    CLI_CMD_LOCAL_STATUS,
    CLI_CMD_LOCAL_SEED,
    CLI_CMD_INFO,
    CLI_CMD_CREATE,
    CLI_CMD_DESTROY,
    CLI_CMD_SNAPSHOT_LIST,
    CLI_CMD_SNAPSHOT_CREATE,
    CLI_CMD_SNAPSHOT_RESTORE,
    CLI_CMD_DRILL_LIST,
    CLI_CMD_DRILL_RUN,
    CLI_CMD_DRILL_RESET,
    CLI_CMD_RESUME,
    CLI_CMD_ABORT,
    CLI_CMD__COUNT
};

struct cli {
    enum cli_cmd cmd;
    const char *help_topic; /* CLI_CMD_HELP: a subcommand name, or NULL */

    /* global options */
    const char *context; /* --context NAME */
    const char *config;  /* --config FILE */
    const char *theme;   /* --theme NAME */
    const char *debug;   /* --debug FILE */
    int read_only, no_color, ascii;

    /* subcommand arguments */
    const char *cluster;
    const char *node;     /* NODE argument or --node ID */
    const char *region;   /* --region R */
    const char *to;       /* --to NODE */
    const char *sql;      /* -c SQL */
    const char *plan;     /* resume / abort PLAN */
    const char *preset;   /* create --preset: "development" (default), "ha" */
    const char *snapshot; /* snapshot restore SNAPSHOT (a "vs_..." id) */
    const char *as;       /* snapshot restore --as NEW_CLUSTER */
    const char *drill;    /* drill run DRILL (a name; drill.h checks it) */
    long memory_mb;       /* scale memory */
    long size_gb;         /* volume extend */
    int json, watch, yes, dry_run, allow_secondary_region, force;
    int no_snapshot; /* failover, replica remove, scale memory: no snapshot
                        of the primary's volume first */
    int drills;      /* local up --drills: the daemon with --enable-faults */
};

/* Parses ARGV (ARGC entries, argv[0] the program) into *CLI.  Returns 0, or
 * -1 with *cause set: one line naming the bad argument, owned by the
 * caller; the exit code is then CLI_EXIT_USAGE. */
int cli_parse(int argc, char **argv, struct cli *cli, char **cause);

/* The subcommand's words ("scale memory"), static. */
const char *cli_cmd_name(enum cli_cmd cmd);

/* Writes the full usage (every subcommand and option, exit codes) to OUT,
 * or only TOPIC's when it names a subcommand. */
void cli_usage(FILE *out, const char *topic);

#endif

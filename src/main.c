#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/act_cli.h"
#include "src/buf.h"
#include "src/cli.h"
#include "src/context.h"
#include "src/drill.h"
#include "src/harden.h"
#include "src/info.h"
#include "src/log.h"
#include "src/platform.h"
#include "src/settings.h"
#include "src/snap.h"
#include "src/sql_cli.h"
#include "src/status.h"

#include "ui/term.h"
#include "ui/ui.h"

/*
 * pgdeck's entry: parse the command line, read the settings, resolve the
 * contexts, dispatch.
 */

static void main_print_lines(FILE *out, const char *text);
static int main_overrides(struct settings *s, const struct cli *cli);

/* Prints TEXT (several lines) with "pgdeck: " before each line. */
static void main_print_lines(FILE *out, const char *text)
{
    while (*text) {
        size_t len = strcspn(text, "\n");

        fprintf(out, "pgdeck: %.*s\n", (int)len, text);
        text += len;
        if (*text == '\n')
            text++;
    }
}

/* The global options that are also settings. */
static int main_overrides(struct settings *s, const struct cli *cli)
{
    char *cause = NULL;
    int rc = 0;

    if (cli->theme)
        rc |= settings_override(s, SETTINGS_THEME, cli->theme, &cause);
    if (rc == 0 && cli->read_only)
        rc |= settings_override(s, SETTINGS_READ_ONLY, "true", &cause);
    if (rc == 0 && cli->no_color)
        rc |= settings_override(s, SETTINGS_COLOR, "false", &cause);
    if (rc == 0 && cli->ascii)
        rc |= settings_override(s, SETTINGS_ASCII, "true", &cause);
    if (rc != 0) {
        fprintf(stderr, "pgdeck: %s\n", cause);
        free(cause);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct cli cli;
    struct settings *s = NULL;
    struct context_set *set = NULL;
    enum settings_source source;
    struct buf b = BUF_INIT;
    char *cause = NULL, *path = NULL;
    int rc = CLI_EXIT_FAILED;

    harden_process();
    if (cli_parse(argc, argv, &cli, &cause) != 0) {
        fprintf(stderr, "%s\nTry 'pgdeck --help'.\n", cause);
        free(cause);
        return CLI_EXIT_USAGE;
    }
    if (cli.cmd == CLI_CMD_HELP && cli.help_topic &&
        strcmp(cli.help_topic, "settings") == 0) {
        /* The settings table's own help, as pgdeck.conf(5) in short. */
        settings_help(&b);
        fputs(buf_str(&b), stdout);
        buf_free(&b);
        return CLI_EXIT_OK;
    }
    if (cli.cmd == CLI_CMD_HELP) {
        cli_usage(stdout, cli.help_topic);
        return CLI_EXIT_OK;
    }
    if (cli.cmd == CLI_CMD_VERSION) {
        info_versions(&b);
        printf("pgdeck %s\n%s, %s\n", PACKAGE_VERSION, buf_str(&b),
               term_curses_version());
        buf_free(&b);
        return CLI_EXIT_OK;
    }
    if (cli.debug && log_open(cli.debug, &cause) != 0) {
        fprintf(stderr, "pgdeck: --debug: %s\n", cause);
        free(cause);
        return CLI_EXIT_FAILED;
    }

    s = settings_new();
    path = settings_path(cli.config, &source);
    if (settings_load(s, path, source, &cause) != 0) {
        main_print_lines(stderr, cause);
        free(cause);
        goto out;
    }
    log_msg("settings from %s (%s)", settings_file(s),
            settings_file_read(s) ? "read" : "absent, defaults");
    if (main_overrides(s, &cli) != 0) {
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (context_set_build(s, cli.context, &set, &cause) != 0) {
        fprintf(stderr, "pgdeck: --context: %s\n", cause);
        free(cause);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    log_msg("context %s (%s)", context_current(set)->name,
            context_current(set)->api_url);

    switch (cli.cmd) {
    case CLI_CMD_CONSOLE:
        /* The console: the loop needs libcurl's global state first. */
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            fprintf(stderr, "pgdeck: libcurl cannot start\n");
            break;
        }
        rc = ui_run(&cli, s, set);
        curl_global_cleanup();
        break;
    case CLI_CMD_STATUS:
        rc = status_run(&cli, s, context_current(set), stdout, stderr);
        break;
    case CLI_CMD_LOCAL_UP:
    case CLI_CMD_LOCAL_DOWN:
    case CLI_CMD_LOCAL_STATUS:
    case CLI_CMD_LOCAL_SEED:
        /* "local up" -> "up": the word after "local ". */
        rc =
            platform_cli(cli_cmd_name(cli.cmd) + 6, cli.drills, stdout, stderr);
        break;
    case CLI_CMD_SCALE_MEMORY:
    case CLI_CMD_VOLUME_EXTEND:
    case CLI_CMD_REPLICA_ADD:
    case CLI_CMD_REPLICA_REMOVE:
    case CLI_CMD_RESTART:
    case CLI_CMD_FAILOVER:
    case CLI_CMD_CREATE:
    case CLI_CMD_DESTROY:
    case CLI_CMD_HA:
    case CLI_CMD_SNAPSHOT_CREATE:
    case CLI_CMD_SNAPSHOT_RESTORE:
    case CLI_CMD_RESUME:
    case CLI_CMD_ABORT:
        rc = act_cli_run(&cli, s, context_current(set), stdin, stdout, stderr);
        break;
    case CLI_CMD_DRILL_LIST:
    case CLI_CMD_DRILL_RUN:
    case CLI_CMD_DRILL_RESET:
        rc = drill_cli_run(&cli, s, context_current(set), stdout, stderr);
        break;
    case CLI_CMD_SNAPSHOT_LIST:
        rc = snap_cli_list(&cli, s, context_current(set), stdout, stderr);
        break;
    case CLI_CMD_SQL:
        rc = sql_cli_run(&cli, s, context_current(set), stdin, stdout, stderr);
        break;
    case CLI_CMD_INFO:
        info_print(stdout, s, set, term_curses_version());
        rc = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
        break;
    case CLI_CMD_HELP:    /* answered above */
    case CLI_CMD_VERSION: /* answered above */
    case CLI_CMD__COUNT:
        break;
    }
out:
    context_set_free(set);
    settings_free(s);
    free(path);
    log_close();
    return rc;
}

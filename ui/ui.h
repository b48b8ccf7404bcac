/*
 * ui: the interactive console (`pgdeck` with no subcommand).
 *
 * ui_run() takes the terminal over, connects to the current context
 * (starting the local platform when needed, through platform.h), runs the
 * event loop until the user quits or a signal (SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT) arrives, and gives the terminal back on every path (fatal
 * errors too, through term.h's die hook).
 *
 * Environment: NO_COLOR (non-empty) and CLICOLOR=0 turn colors off;
 * PGDECK_THEME_DIR adds a theme directory (theme.h); PGDECK_UI_TRACE=FILE
 * appends one line per redraw that followed a key press ("key->draw US")
 * and per refresh round ("round N"), for the benchmarks in tests/bench.
 *
 * Collaborators: main (calls ui_run), app.h (the console's state), loop,
 * fleet, platform, http, machines, settings, context.
 */
#ifndef PGDECK_UI_UI_H
#define PGDECK_UI_UI_H

struct cli;
struct context_set;
struct settings;

/* Runs the console with settings S (options already applied) and the
 * contexts SET (both borrowed).  Returns an exit code (enum cli_exit):
 * 0 after quitting, 2 when the terminal cannot run it (not a tty,
 * TERM=dumb; the message printed on stderr), 1 on other failures (a bad
 * theme, the loop failing). */
int ui_run(const struct cli *cli, struct settings *s, struct context_set *set);

#endif

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "ui/curses_compat.h"
#include "ui/term.h"

static int term_on;

int term_start(char **cause)
{
    const char *t = getenv("TERM");

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        if (cause)
            *cause = x_strdup("the console needs a terminal: stdin and "
                              "stdout must be a tty (the subcommands such as "
                              "'pgdeck status' work without one)");
        return -1;
    }
    if (!t || !*t || strcmp(t, "dumb") == 0) {
        if (cause)
            *cause = x_asprintf("TERM=%s cannot drive the console; set TERM "
                                "(e.g. xterm-256color, screen) or use the "
                                "subcommands such as 'pgdeck status'",
                                t && *t ? t : "(unset)");
        return -1;
    }
    if (!newterm(NULL, stdout, stdin)) {
        if (cause)
            *cause = x_asprintf("unknown terminal type TERM=%s", t);
        return -1;
    }
    term_on = 1;
    log_set_die_hook(term_stop);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    return 0;
}

void term_stop(void)
{
    if (!term_on)
        return;
    term_on = 0;
    endwin();
}

int term_active(void)
{
    return term_on;
}

const char *term_curses_version(void)
{
    return curses_version();
}

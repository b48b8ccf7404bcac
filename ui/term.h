/*
 * term: taking the terminal over and giving it back.
 *
 * term_start() enters curses mode and registers term_stop() as the die hook
 * (log.h), so a fatal error anywhere restores the terminal before printing.
 * term_stop() is idempotent and safe to call from any exit path.
 */
#ifndef PGDECK_UI_TERM_H
#define PGDECK_UI_TERM_H

/* Returns 0, or -1 with *cause set (owned by the caller) when the terminal
 * cannot be used (not a tty, unknown TERM, TERM=dumb). */
int term_start(char **cause);
void term_stop(void);
/* Whether the terminal is in curses mode now. */
int term_active(void);
/* The curses library's version ("ncurses 6.4.20221231"), static; safe to
 * call without a terminal (for pgdeck --version and pgdeck info). */
const char *term_curses_version(void);

#endif

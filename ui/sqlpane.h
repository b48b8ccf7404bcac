/*
 * sqlpane: the console's SQL pane (issue 6): an interactive SQL session on
 * one node, in a split under the current view.
 *
 *   open      `p` on the fleet view (the selected cluster's SQL primary),
 *             the cluster view (the selected node) or the node view (that
 *             node).  The view stays above and keeps refreshing; the pane
 *             takes every key while it is open.  Its title always names
 *             the target: node id, role (the SQL truth from the model),
 *             region, cluster, "read-only" when the session is, and the
 *             connection state (not connected / connecting / idle /
 *             running 3.2 s / lost: reason).
 *   input     a multi-line editor (ui/sqledit.h); Enter runs the text when
 *             sql_text_complete() says so, else inserts a newline; Up/Down
 *             (C-p/C-n) walk the context's history (sql_history), to which
 *             each statement is added when it is sent, except one holding
 *             a password literal (the pane says so).
 *   results   the last result set with rows as a grid (ui/sqlgrid.h):
 *             headers, fitted and capped widths, NULL as a dim marker ("∅",
 *             "NULL" in ASCII), scrolled with the keys of the results
 *             focus (Tab); a footer with the row count, the cap when hit,
 *             the elapsed time and the command status.  Drawing reads only
 *             the rows on screen.  Errors as "ERROR 42P01: message",
 *             DETAIL, HINT, the position marked in the input (the text
 *             comes back to the editor, unless it holds a password);
 *             NOTICEs above the grid.
 *   cancel    C-c: while the pane is open the terminal is in raw mode (no
 *             ISIG), so C-c is a key: sql_cancel() (a second one drops the
 *             connection); when nothing runs it clears the input.  On
 *             close the console's cbreak mode (C-c quits) comes back.
 *   password  when sql_needs_password(), asked once on the input line,
 *             masked, kept in memory for the session only (wiped on free).
 *   psql      `P` on the views, F4 or C-o in the pane: curses suspended,
 *             sql_psql_run() on the same target (the pane's password, if
 *             one was typed, through the child's environment), the screen
 *             restored and repainted; SIGINT/SIGQUIT are ignored by the
 *             console meanwhile (they are psql's).
 *   close     Esc: the session and its last result stay for when the pane
 *             opens again; `p` on another node replaces the session.
 *
 * State: A->sqlpane (created by the first `p`, freed by sqlpane_free, also
 * on a context switch).  Key handlers and the session's callback only set
 * dirty bits; sqlpane_draw() paints from draw_frame.  Names, not model
 * pointers, are kept across turns.
 *
 * Collaborators: app (state, loop, flash), input (keys), draw (the split,
 * hints, cursor), sql (the session, text helpers, history), sql_cli
 * (psql), sqledit, sqlgrid, fleet (the model: target, role, region).
 */
#ifndef PGDECK_UI_SQLPANE_H
#define PGDECK_UI_SQLPANE_H

struct app;
struct buf;
struct layout_areas;

/* `p`: opens the pane on the target of the current view (see above);
 * flashes why when there is none. */
void sqlpane_open(struct app *a);
/* `P`: psql on the target of the current view (curses suspended). */
void sqlpane_psql(struct app *a);
/* Closes the session and frees A->sqlpane (context switch, exit). */
void sqlpane_free(struct app *a);

/* Whether the pane is open (it then takes the keys). */
int sqlpane_active(const struct app *a);
/* A key while sqlpane_active(). */
void sqlpane_key(struct app *a, int ch);

/* Splits the body of AR: *VIEW gets what the view keeps (body_h 0 when
 * the pane is full screen), *PANE the pane's rows (body_y, body_h).
 * Returns 0 (and *VIEW = *AR) when the pane is closed. */
int sqlpane_split(const struct app *a, const struct layout_areas *ar,
                  struct layout_areas *view, struct layout_areas *pane);
/* Draws the pane into PANE's rows. */
void sqlpane_draw(struct app *a, const struct layout_areas *pane);
/* After the frame is drawn: places (and shows) the cursor in the input
 * when it has the focus, hides it otherwise. */
void sqlpane_cursor(struct app *a);
/* The key hints of the pane; static. */
const char *sqlpane_hints(const struct app *a);
/* Appends the pane's keys for the help screen. */
void sqlpane_help(struct buf *out);

#endif

/*
 * sqledit: the SQL pane's multi-line input editor (pure: no curses, no
 * libpq; unit-tested without a terminal).
 *
 * The text is UTF-8 with '\n' between lines; the cursor is a byte offset
 * that always sits on a sequence boundary.  Cursor columns are counted in
 * cells as ui/text.h counts them (one per code point).  Up and Down move
 * between lines; on the first line Up (and on the last line Down, while
 * browsing) walks the history instead, whose entries the caller serves
 * through a callback (sqledit knows nothing of sql_history): the text being
 * typed before browsing is kept and comes back past the newest entry.
 *
 * Ownership: a struct sqledit is embedded by its user (sqledit_init /
 * sqledit_free); sqledit_text() is borrowed until the next edit.
 *
 * Collaborators: ui/sqlpane (keys, drawing), ui/text (cell counting).
 */
#ifndef PGDECK_UI_SQLEDIT_H
#define PGDECK_UI_SQLEDIT_H

#include <stddef.h>

#include "src/buf.h"

/* Entry I of the history (0 the oldest), or NULL. */
typedef const char *(*sqledit_hist_at)(void *arg, size_t i);

struct sqledit {
    struct buf text;
    size_t cur;       /* byte offset of the cursor in text */
    int goal;         /* the column Up/Down aim for, -1 none */
    long hist;        /* the history entry shown, -1 when not browsing */
    char *draft;      /* the text typed before browsing began */
    size_t max_bytes; /* 0: no limit */
};

void sqledit_init(struct sqledit *e);
/* Frees the text and the draft (both wiped first). */
void sqledit_free(struct sqledit *e);
/* Empties the text (wiped) and stops browsing. */
void sqledit_clear(struct sqledit *e);
/* Replaces the text with TEXT, the cursor at its end. */
void sqledit_set(struct sqledit *e, const char *text);
/* The text ("" when empty); borrowed. */
const char *sqledit_text(const struct sqledit *e);
/* Whether the text has only blanks. */
int sqledit_blank(const struct sqledit *e);

/* Inserts N bytes of S at the cursor (a byte of a UTF-8 sequence at a time
 * is fine: the cursor moves over it).  Returns 0, or -1 when the text
 * would exceed max_bytes. */
int sqledit_insert(struct sqledit *e, const char *s, size_t n);
/* Deletes the character before (backspace) / at (delete) the cursor; a
 * newline joins two lines.  Returns 1 when something was deleted. */
int sqledit_backspace(struct sqledit *e);
int sqledit_delete(struct sqledit *e);

/* Cursor movement; each returns 1 when the cursor moved. */
int sqledit_left(struct sqledit *e);
int sqledit_right(struct sqledit *e);
int sqledit_home(struct sqledit *e); /* start of the line */
int sqledit_end(struct sqledit *e);  /* end of the line */
/* Up / down one line, keeping the column; 0 on the first / last line. */
int sqledit_up(struct sqledit *e);
int sqledit_down(struct sqledit *e);
/* Puts the cursor at byte OFF (clamped, moved back to a boundary). */
void sqledit_goto(struct sqledit *e, size_t off);

/* History of N entries served by AT(ARG, i).  Older: the entry before the
 * one shown (the newest when not browsing); newer: the next one, or the
 * draft past the newest.  Return 1 when the text changed. */
int sqledit_hist_older(struct sqledit *e, size_t n, sqledit_hist_at at,
                       void *arg);
int sqledit_hist_newer(struct sqledit *e, size_t n, sqledit_hist_at at,
                       void *arg);
/* The Up / Down keys: a line up (down), else the history. */
int sqledit_key_up(struct sqledit *e, size_t n, sqledit_hist_at at, void *arg);
int sqledit_key_down(struct sqledit *e, size_t n, sqledit_hist_at at,
                     void *arg);

/* The number of lines (1 when empty). */
int sqledit_lines(const struct sqledit *e);
/* The cursor's line (0-based) and column in cells. */
void sqledit_cursor(const struct sqledit *e, int *line, int *col);
/* The byte range of line L: *START and *LEN; -1 when there is no such
 * line. */
int sqledit_line(const struct sqledit *e, int l, size_t *start, size_t *len);
/* The first line to show in H rows so that the cursor line is visible,
 * given the first line shown before (TOP). */
int sqledit_scroll(const struct sqledit *e, int top, int h);

#endif

/*
 * text: fitting strings into screen cells (pure, no curses).
 *
 * Text is UTF-8.  In UTF-8 mode a code point takes one cell (pgdeck shows
 * names, ids, regions and numbers: no wide or combining characters are
 * expected; they are counted as one cell anyway so a column never grows).
 * In ASCII mode (a non-UTF-8 locale or --ascii) every non-ASCII sequence
 * is shown as one '?', so nothing undecodable reaches the terminal.
 * Control characters always become '?'.
 *
 * Collaborators: table (cells), the views (titles, status lines), input.
 */
#ifndef PGDECK_UI_TEXT_H
#define PGDECK_UI_TEXT_H

#include <stddef.h>

struct buf;

enum text_align { TEXT_LEFT, TEXT_RIGHT };

/* The truncation mark: "…" in UTF-8 mode, ">" in ASCII mode; static. */
const char *text_ellipsis(int utf8);

/* The number of cells S takes (code points in UTF-8 mode, sequences in
 * ASCII mode). */
size_t text_width(const char *s, int utf8);

/* Appends S to OUT fitted into exactly WIDTH cells: padded with spaces
 * (on the right for TEXT_LEFT, on the left for TEXT_RIGHT), or cut with
 * the truncation mark as the last cell when too long.  WIDTH 0 appends
 * nothing. */
void text_fit(struct buf *out, const char *s, size_t width, int utf8,
              enum text_align align);

/* Appends S to OUT cut to at most WIDTH cells (no padding, no mark). */
void text_clip(struct buf *out, const char *s, size_t width, int utf8);

#endif

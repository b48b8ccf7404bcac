/*
 * palette: a theme turned into curses attributes.  The only file that
 * calls start_color(), use_default_colors() and init_pair().
 *
 * Collaborators: theme (the roles and styles), app (chooses the theme:
 * mono when colors are off), the views (palette_attr(ROLE) when drawing).
 */
#ifndef PGDECK_UI_PALETTE_H
#define PGDECK_UI_PALETTE_H

#include "ui/curses_compat.h"
#include "ui/theme.h"

/* Applies T.  COLOR 0 (NO_COLOR, --no-color, a terminal without colors)
 * or a mono theme uses attributes only.  Call after the terminal started. */
void palette_apply(const struct theme *t, int color);

/* The curses attributes of ROLE under the applied theme. */
attr_t palette_attr(enum theme_role role);

/* Whether colors are in use now. */
int palette_colored(void);

#endif

/*
 * theme: semantic display roles and the themes that style them.
 *
 * UI_ROLES is the one list of roles (ncdu's UI_COLORS): it generates the
 * role enum, the role names used in theme files, and the two built-in
 * themes, "default" (8/16 colors over the terminal's own colors) and
 * "mono" (attributes only: bold, underline, reverse, dim), so pgdeck works
 * with no theme file at all.  Theme files (themes/NAME.cfg, libconfig
 * syntax) start from a built-in base and override roles by name:
 *
 *     base = "default";                (or "mono"; default "default")
 *     use_default_colors = true;       (keep the terminal's background)
 *     roles = { warn = { fg = "yellow"; bg = "default"; attrs = ["bold"]; }; };
 *
 * Colors: default, black, red, green, yellow, blue, magenta, cyan, white
 * and bright_<color> (8..15).  Attributes: bold, dim, underline, reverse,
 * standout, normal.  Nothing here touches the terminal: ui/palette.c turns
 * a theme into curses attributes.
 *
 * Theme files are looked up by name in $PGDECK_THEME_DIR, then
 * $(pkgdatadir)/themes, then the source tree's themes/ (for a build run
 * from its build directory); "default" and "mono" fall back to the
 * built-ins when no file is found.
 *
 * Collaborators: palette (curses attributes), app (--theme, :theme,
 * NO_COLOR), settings (the theme name).
 */
#ifndef PGDECK_UI_THEME_H
#define PGDECK_UI_THEME_H

#include <stddef.h>

/* X(ID, name, fg, bg, attrs, mono attrs): built-in default and mono. */
#define UI_ROLES(X)                                                            \
    X(NORMAL, "normal", -1, -1, 0, 0)                                          \
    X(TITLE, "title", 0, 6, 0, THEME_REVERSE)                                  \
    X(HEADER, "header", -1, -1, THEME_BOLD | THEME_UNDERLINE,                  \
      THEME_BOLD | THEME_UNDERLINE)                                            \
    X(SELECTED, "selected", -1, -1, THEME_REVERSE, THEME_REVERSE)              \
    X(OK, "ok", 2, -1, 0, 0)                                                   \
    X(WARN, "warn", 3, -1, THEME_BOLD, THEME_BOLD)                             \
    X(CRIT, "crit", 1, -1, THEME_BOLD, THEME_BOLD | THEME_UNDERLINE)           \
    X(STALE, "stale", -1, -1, THEME_DIM, THEME_DIM)                            \
    X(MUTED, "muted", 4, -1, 0, THEME_DIM)                                     \
    X(PRIMARY, "primary", -1, -1, THEME_BOLD, THEME_BOLD)                      \
    X(KEY, "key", -1, -1, THEME_BOLD | THEME_REVERSE,                          \
      THEME_BOLD | THEME_REVERSE)                                              \
    X(HINT, "hint", 6, -1, 0, 0)                                               \
    X(STATUS, "status", -1, -1, THEME_BOLD, THEME_BOLD)                        \
    X(ERROR, "error", 1, -1, THEME_BOLD, THEME_BOLD | THEME_UNDERLINE)         \
    X(PROMPT, "prompt", 3, -1, THEME_BOLD, THEME_UNDERLINE)                    \
    X(PAUSED, "paused", 0, 3, THEME_BOLD, THEME_BOLD | THEME_REVERSE)          \
    X(BORDER, "border", 4, -1, 0, 0)                                           \
    X(GAUGE_OK, "gauge_ok", 2, -1, 0, 0)                                       \
    X(GAUGE_WARN, "gauge_warn", 3, -1, THEME_BOLD, THEME_BOLD)                 \
    X(GAUGE_CRIT, "gauge_crit", 1, -1, THEME_BOLD, THEME_BOLD)                 \
    X(SPARK, "spark", 6, -1, 0, 0)

enum theme_attr_bits {
    THEME_BOLD = 1,
    THEME_DIM = 2,
    THEME_UNDERLINE = 4,
    THEME_REVERSE = 8,
    THEME_STANDOUT = 16
};

#define UI_ROLE_ENUM(id, name, fg, bg, at, mono) THEME_ROLE_##id,
enum theme_role { UI_ROLES(UI_ROLE_ENUM) THEME_ROLE__COUNT };
#undef UI_ROLE_ENUM

struct theme_style {
    short fg, bg; /* -1 terminal default, 0..7 colors, 8..15 bright */
    int attrs;    /* enum theme_attr_bits */
};

struct theme {
    char name[64];
    int mono; /* attributes only: never init_pair() */
    int use_default_colors;
    struct theme_style roles[THEME_ROLE__COUNT];
};

/* The name of ROLE as theme files write it ("gauge_warn"); static. */
const char *theme_role_name(enum theme_role role);
/* The role called NAME, or -1. */
int theme_role_find(const char *name);

/* Fills *T with the built-in "default" (MONO 0) or "mono" (MONO 1). */
void theme_builtin(struct theme *t, int mono);

/* Parses the theme file TEXT; FILE names it in messages, NAME is stored in
 * T->name.  Returns 0 with *T filled, or -1 with *cause set ("FILE:LINE:
 * roles.wran: unknown role (did you mean \"warn\"?)", one line per problem,
 * owned by the caller) and *T untouched. */
int theme_parse(const char *file, const char *name, const char *text,
                struct theme *t, char **cause);

/* The directories searched for theme files, in order, as a ':'-separated
 * list for messages; owned by the caller. */
char *theme_search_path(void);

/* Loads the theme NAME (a name, not a path): the first NAME.cfg found in
 * the search path, else the built-in "default" or "mono".  Returns 0, or
 * -1 with *cause set (a bad name, a file that does not parse, or a theme
 * found nowhere: the message names the directories searched). */
int theme_load(const char *name, struct theme *t, char **cause);

#endif

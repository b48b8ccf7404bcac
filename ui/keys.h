/*
 * keys: the key binding table (which key runs which action, per view).
 *
 * The actions are those of settings.h (SETTINGS_ACTIONS: the names the
 * config file's keys group uses).  Each action has default keys, the views
 * where it applies and a line of help; the help screen renders this same
 * table, so what it shows is what the keys do.  A binding in the config
 * file replaces the action's default keys and takes its key away from any
 * other action (so rebinding never leaves a key doing two things).
 *
 * Lookup: actions limited to some views win over actions that apply
 * everywhere, so `-` is "back" in the cluster and node views and "refresh
 * more often" on the fleet view (k9s and pg_activity both use it).
 *
 * Collaborators: settings (actions, key parsing, overrides), app (turns
 * curses key codes into actions), help view.
 */
#ifndef PGDECK_UI_KEYS_H
#define PGDECK_UI_KEYS_H

#include "src/settings.h"

struct buf;
struct keys;

/* Views, as a bit mask. */
enum keys_view {
    KEYS_VIEW_FLEET = 1,
    KEYS_VIEW_CLUSTER = 2,
    KEYS_VIEW_NODE = 4,
    KEYS_VIEW_HELP = 8,
    KEYS_VIEW_ALL = 15
};

/* The table: defaults with S's overrides applied (S may be NULL).  Owned by
 * the caller: keys_free(). */
struct keys *keys_new(const struct settings *s);
void keys_free(struct keys *k);

/* The curses key code of KEY (a char, a control char, KEY_F(n), KEY_UP...;
 * Enter is '\r'). */
int keys_code(const struct settings_key *key);

/* The action the curses key code CH runs in VIEW (one enum keys_view bit),
 * or -1 when none.  Enter also matches '\n' and KEY_ENTER, Backspace also
 * 127 and 8. */
int keys_lookup(const struct keys *k, int ch, int view);

/* The keys of ACTION that work in VIEW, as "k, Up" (shadowed ones left
 * out); "" when none.  Owned by the caller. */
char *keys_text(const struct keys *k, enum settings_action action, int view);

/* The help line of ACTION; static. */
const char *keys_help_line(enum settings_action action);
/* Whether ACTION applies in VIEW. */
int keys_applies(enum settings_action action, int view);

/* Appends the help of VIEW: one "  KEYS   what it does" line per action
 * that applies there, in table order. */
void keys_help(const struct keys *k, int view, struct buf *out);

#endif

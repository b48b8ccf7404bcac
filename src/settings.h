/*
 * settings: pgdeck's configuration file (libconfig syntax), as one table.
 *
 * settings_table (settings.c) lists every scalar setting with its type,
 * default, range, unit and help; the same rows drive parsing, validation,
 * defaults, `pgdeck info` and the settings help.  Two settings are not
 * scalars: `contexts` (a list of groups, described by the context field
 * table) and `keys` (a group mapping action names to keys).
 *
 * The file is read once at start (the only blocking moment besides psql),
 * never written.  Everything is copied out of libconfig: no string borrowed
 * from a config_t survives settings_load().  A failed load leaves the
 * previous settings untouched.  Errors are "FILE:LINE: NAME: expected ...,
 * got ..." lines; unknown names come with a suggestion.
 *
 * Files: settings.c (table, values, accessors), settings_value.c (durations,
 * sizes, names, URLs, keys: pure parsers shared with the CLI and the UI),
 * settings_load.c (the libconfig adapter: file checks, walking, errors).
 *
 * Collaborators: paths (the default file), context (turns the contexts read
 * here, plus the built-in ones, into usable API endpoints), info, ui (keys,
 * theme, thresholds).
 */
#ifndef PGDECK_SRC_SETTINGS_H
#define PGDECK_SRC_SETTINGS_H

#include <stddef.h>

struct buf;
struct settings;

/* Scalar settings, in table order. */
enum settings_id {
    SETTINGS_CONTEXT,
    SETTINGS_THEME,
    SETTINGS_READ_ONLY,
    SETTINGS_COLOR,
    SETTINGS_ASCII,
    SETTINGS_REFRESH_FAST,
    SETTINGS_REFRESH_SLOW,
    SETTINGS_LAG_BYTES_WARN,
    SETTINGS_LAG_BYTES_CRIT,
    SETTINGS_LAG_TIME_WARN,
    SETTINGS_LAG_TIME_CRIT,
    SETTINGS_DISK_WARN,
    SETTINGS_DISK_CRIT,
    SETTINGS_HTTP_MAX_PER_HOST,
    SETTINGS_HTTP_CONNECT_TIMEOUT,
    SETTINGS_HTTP_TIMEOUT,
    SETTINGS_PG_CONNECT_TIMEOUT,
    SETTINGS_PG_STATEMENT_TIMEOUT,
    SETTINGS_FAILOVER_MAX_LAG,
    SETTINGS_SQL_STATEMENT_TIMEOUT,
    SETTINGS_SQL_MAX_ROWS,
    SETTINGS_SQL_HISTORY_SIZE,
    SETTINGS__COUNT
};

enum settings_type {
    SETTINGS_T_BOOL,     /* true / false */
    SETTINGS_T_INT,      /* a whole number in [min, max] */
    SETTINGS_T_DURATION, /* milliseconds; file: seconds or "500ms" */
    SETTINGS_T_SIZE,     /* bytes; file: bytes or "16MB" (1024-based) */
    SETTINGS_T_NAME      /* a string of [A-Za-z0-9._-], or "" */
};

enum settings_origin {
    SETTINGS_ORIGIN_DEFAULT,
    SETTINGS_ORIGIN_FILE,  /* the config file, at a line */
    SETTINGS_ORIGIN_OPTION /* a command-line option (settings_override) */
};

/* One row of the table.  Numbers are in the setting's base unit (ms for
 * durations, bytes for sizes). */
struct settings_row {
    const char *name; /* dotted: "refresh.fast" */
    enum settings_type type;
    long long def, min, max;
    const char *def_str; /* default of a SETTINGS_T_NAME */
    const char *unit;    /* for SETTINGS_T_INT: "%", "connections" */
    const char *help;    /* one line */
};

/* The table row of ID (borrowed, static). */
const struct settings_row *settings_row(enum settings_id id);
/* The id of the setting called NAME ("refresh.fast"), or -1. */
int settings_find(const char *name);

/* Actions the UI binds keys to.  The names are those of the keys group. */
#define SETTINGS_ACTIONS(X)                                                    \
    X(QUIT, "quit")                                                            \
    X(HELP, "help")                                                            \
    X(FILTER, "filter")                                                        \
    X(COMMAND, "command")                                                      \
    X(REFRESH, "refresh")                                                      \
    X(PAUSE, "pause")                                                          \
    X(FASTER, "faster")                                                        \
    X(SLOWER, "slower")                                                        \
    X(DRILL, "drill")                                                          \
    X(BACK, "back")                                                            \
    X(TOP, "top")                                                              \
    X(BOTTOM, "bottom")                                                        \
    X(PAGE_UP, "page_up")                                                      \
    X(PAGE_DOWN, "page_down")                                                  \
    X(UP, "up")                                                                \
    X(DOWN, "down")                                                            \
    X(LEFT, "left")                                                            \
    X(RIGHT, "right")                                                          \
    X(REDRAW, "redraw")                                                        \
    X(ACTIONS, "actions")                                                      \
    X(SQL, "sql")                                                              \
    X(PSQL, "psql")                                                            \
    X(HA_WIZARD, "ha_wizard")                                                  \
    X(SNAPSHOTS, "snapshots")                                                  \
    X(DRILLS, "drills")                                                        \
    X(SORT_NEXT, "sort_next")                                                  \
    X(SORT_REVERSE, "sort_reverse")

#define SETTINGS_ACTION_ENUM(id, name) SETTINGS_ACTION_##id,
enum settings_action {
    SETTINGS_ACTIONS(SETTINGS_ACTION_ENUM) SETTINGS_ACTION__COUNT
};
#undef SETTINGS_ACTION_ENUM

/* The name of ACTION ("page_up"); static. */
const char *settings_action_name(enum settings_action action);
/* The action called NAME, or -1. */
int settings_action_find(const char *name);

/* A key as the config file names it. */
enum settings_keykind {
    SETTINGS_KEY_CHAR, /* code: a printable ASCII byte other than space */
    SETTINGS_KEY_CTRL, /* code: 'a'..'z' ("C-x") */
    SETTINGS_KEY_FN,   /* code: 1..12 ("F1") */
    SETTINGS_KEY_NAMED /* code: enum settings_keyname */
};

enum settings_keyname {
    SETTINGS_KEYNAME_ENTER,
    SETTINGS_KEYNAME_ESC,
    SETTINGS_KEYNAME_TAB,
    SETTINGS_KEYNAME_BACKTAB,
    SETTINGS_KEYNAME_BACKSPACE,
    SETTINGS_KEYNAME_SPACE,
    SETTINGS_KEYNAME_UP,
    SETTINGS_KEYNAME_DOWN,
    SETTINGS_KEYNAME_LEFT,
    SETTINGS_KEYNAME_RIGHT,
    SETTINGS_KEYNAME_HOME,
    SETTINGS_KEYNAME_END,
    SETTINGS_KEYNAME_PAGE_UP,
    SETTINGS_KEYNAME_PAGE_DOWN,
    SETTINGS_KEYNAME_INSERT,
    SETTINGS_KEYNAME_DELETE,
    SETTINGS_KEYNAME__COUNT
};

struct settings_key {
    enum settings_keykind kind;
    int code;
};

/* A key override read from the keys group. */
struct settings_binding {
    enum settings_action action;
    struct settings_key key;
    int line;
};

/* Where a context's API token comes from (exactly one per context). */
enum settings_token {
    SETTINGS_TOKEN_UNSET,   /* only for built-in contexts: keep theirs */
    SETTINGS_TOKEN_ENV,     /* token_env = "NAME" */
    SETTINGS_TOKEN_FILE,    /* token_file = "PATH" */
    SETTINGS_TOKEN_FLYCTL,  /* token_flyctl = true */
    SETTINGS_TOKEN_FLY,     /* built-in fly chain: FLY_API_TOKEN, ... */
    SETTINGS_TOKEN_PLATFORM /* built-in local: the platform's token file */
};

/* Where a context's Postgres password comes from. */
enum settings_pgcred {
    SETTINGS_PGCRED_UNSET, /* libpq's own defaults (PGPASSFILE, ~/.pgpass) */
    SETTINGS_PGCRED_PASSFILE,
    SETTINGS_PGCRED_ENV
};

/* A context as written in the file.  Strings are owned by the settings;
 * NULL means "not given".  For a context named like a built-in one ("local",
 * "fly"), what is given overrides the built-in values. */
struct settings_context {
    char *name;
    char *api_url;
    char *org;
    enum settings_token token;
    char *token_arg; /* the variable name or the path (expanded) */
    enum settings_pgcred pgcred;
    char *pgcred_arg; /* the pass file (expanded) or variable name */
    char *pg_user;
    int read_only; /* -1 not given, 0, 1 */
    int line;
};

/* A new settings object holding the defaults, no contexts, no key
 * overrides.  Owned by the caller: settings_free(). */
struct settings *settings_new(void);
void settings_free(struct settings *s);

/* How the config file was chosen. */
enum settings_source {
    SETTINGS_SOURCE_DEFAULT, /* $XDG_CONFIG_HOME/pgdeck/config */
    SETTINGS_SOURCE_ENV,     /* $PGDECK_CONFIG */
    SETTINGS_SOURCE_OPTION   /* --config FILE */
};

/* The config file to read: OPTION_PATH (--config) when not NULL, else
 * $PGDECK_CONFIG when set and non-empty, else the XDG default.  *SOURCE says
 * which.  Owned by the caller. */
char *settings_path(const char *option_path, enum settings_source *source);

/* Reads PATH into S.  A missing file is fine (defaults) only for
 * SETTINGS_SOURCE_DEFAULT.  Refuses a file writable by group or others.
 * Returns 0 (S replaced by the file's settings over the defaults), or -1
 * with *cause set (one line per problem, owned by the caller) and S
 * untouched. */
int settings_load(struct settings *s, const char *path,
                  enum settings_source source, char **cause);

/* Like settings_load(), from TEXT (named NAME in messages): for tests,
 * fuzzers and `pgdeck info` examples.  No file checks. */
int settings_load_string(struct settings *s, const char *name, const char *text,
                         char **cause);

/* Sets setting ID from a command-line option VALUE (text, as in the file's
 * string forms: "2s", "16MB", "true").  Origin becomes OPTION.  Returns 0,
 * or -1 with *cause set and S untouched. */
int settings_override(struct settings *s, enum settings_id id,
                      const char *value, char **cause);

/* The file that was read (or looked for), NULL before any load; borrowed. */
const char *settings_file(const struct settings *s);
/* Whether that file existed and was read. */
int settings_file_read(const struct settings *s);
enum settings_source settings_file_source(const struct settings *s);

/* Values.  settings_num() serves BOOL (0/1), INT, DURATION (ms) and SIZE
 * (bytes); settings_str() serves NAME (borrowed, never NULL). */
long long settings_num(const struct settings *s, enum settings_id id);
const char *settings_str(const struct settings *s, enum settings_id id);
enum settings_origin settings_origin(const struct settings *s,
                                     enum settings_id id);
/* The file line a value came from, 0 for defaults and options. */
int settings_line(const struct settings *s, enum settings_id id);

/* The contexts of the file, in file order; borrowed. */
size_t settings_context_count(const struct settings *s);
const struct settings_context *settings_context_at(const struct settings *s,
                                                   size_t i);

/* The key overrides of the file; borrowed. */
size_t settings_binding_count(const struct settings *s);
const struct settings_binding *settings_binding_at(const struct settings *s,
                                                   size_t i);

/* Appends "name = value (origin)" lines, one per table row, to OUT. */
void settings_describe(const struct settings *s, struct buf *out);
/* Appends the help of every setting (name, type, default, range) to OUT. */
void settings_help(struct buf *out);

/* ---- value parsers (settings_value.c), shared with cli and ui ---- */

/* Parses a duration: "500ms", "2s", "5m", "1h" (a whole number and a unit).
 * Returns 0 with *ms set, or -1. */
int settings_parse_duration(const char *text, long long *ms);
/* Parses a size: "123" (bytes), "16kB", "16MB", "2GB", "1TB" (1024-based;
 * "KiB".."TiB" and "B" too).  Returns 0 with *bytes set, or -1. */
int settings_parse_size(const char *text, long long *bytes);
/* Formats a duration or a size the way the parsers read it back; owned by
 * the caller. */
char *settings_format_duration(long long ms);
char *settings_format_size(long long bytes);

/* Parses a key: one printable character ("q", "/"), "C-x", "F1".."F12", or
 * a name (Enter, Esc, Tab, BTab, Backspace, Space, Up, Down, Left, Right,
 * Home, End, PgUp, PgDn, Insert, Delete; any case).  Returns 0, or -1 with
 * *cause set (what is accepted, owned by the caller). */
int settings_key_parse(const char *text, struct settings_key *key,
                       char **cause);
/* The canonical text of KEY ("C-x", "F1", "Enter"); owned by the caller. */
char *settings_key_format(const struct settings_key *key);

/* Whether NAME is a valid context, theme or org name: 1..63 characters of
 * [A-Za-z0-9._-], not starting with '-' or '.'. */
int settings_name_valid(const char *name);
/* Whether NAME is a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*,
 * at most 255 characters). */
int settings_envname_valid(const char *name);

/* Checks an API base URL: https://HOST[:PORT][/PATH], or http:// for a
 * loopback host only (127.0.0.0/8, ::1, localhost); no user info, no query.
 * Returns 0 with *normalized set (no trailing slash, owned by the caller),
 * or -1 with *cause set (owned by the caller). */
int settings_url_check(const char *url, char **normalized, char **cause);

/* The edit distance between A and B (for "did you mean"). */
size_t settings_distance(const char *a, const char *b);
/* The closest of the NAMES (N of them) to WORD, when close enough to be a
 * likely typo; else NULL.  Borrowed from NAMES. */
const char *settings_suggest(const char *word, const char *const *names,
                             size_t n);

#endif

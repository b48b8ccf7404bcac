#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/settings.h"
#include "src/settings_impl.h"
#include "src/xmalloc.h"

#define KB 1024LL
#define MB (1024LL * KB)
#define GB (1024LL * MB)
#define TB (1024LL * GB)
#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

/*
 * The table.  Adding a setting means one row here, one enum value in
 * settings.h and one paragraph in doc/pgdeck.conf.5 (test_settings checks
 * that every row is documented there).
 */
static const struct settings_row settings_table[SETTINGS__COUNT] = {
    [SETTINGS_CONTEXT] = {"context", SETTINGS_T_NAME, 0, 0, 0, "", NULL,
                          "context used when --context is not given (empty: "
                          "fly when a Fly token is found, else local)"},
    [SETTINGS_THEME] = {"theme", SETTINGS_T_NAME, 0, 0, 0, "default", NULL,
                        "color theme (default, light, mono, colorblind or a "
                        "file in the themes directory)"},
    [SETTINGS_READ_ONLY] = {"read_only", SETTINGS_T_BOOL, 0, 0, 1, NULL, NULL,
                            "refuse every mutating action in every context"},
    [SETTINGS_COLOR] = {"color", SETTINGS_T_BOOL, 1, 0, 1, NULL, NULL,
                        "use colors (NO_COLOR and --no-color turn them off)"},
    [SETTINGS_ASCII] = {"ascii", SETTINGS_T_BOOL, 0, 0, 1, NULL, NULL,
                        "draw with ASCII only, even in a UTF-8 locale"},
    [SETTINGS_REFRESH_FAST] = {"refresh.fast", SETTINGS_T_DURATION, 2 * SEC,
                               500, HOUR, NULL, NULL,
                               "refresh of what is on screen (machines, SQL "
                               "probes)"},
    [SETTINGS_REFRESH_SLOW] = {"refresh.slow", SETTINGS_T_DURATION, 60 * SEC,
                               5 * SEC, HOUR, NULL, NULL,
                               "refresh of the app list and of clusters off "
                               "screen"},
    [SETTINGS_LAG_BYTES_WARN] = {"thresholds.lag_bytes_warn", SETTINGS_T_SIZE,
                                 16 * MB, 1, TB, NULL, NULL,
                                 "replication lag (bytes behind the primary) "
                                 "shown as a warning"},
    [SETTINGS_LAG_BYTES_CRIT] = {"thresholds.lag_bytes_crit", SETTINGS_T_SIZE,
                                 256 * MB, 1, TB, NULL, NULL,
                                 "replication lag (bytes) shown as critical"},
    [SETTINGS_LAG_TIME_WARN] = {"thresholds.lag_time_warn", SETTINGS_T_DURATION,
                                30 * SEC, SEC, 24 * HOUR, NULL, NULL,
                                "replication lag (time) shown as a warning"},
    [SETTINGS_LAG_TIME_CRIT] = {"thresholds.lag_time_crit", SETTINGS_T_DURATION,
                                5 * MIN, SEC, 24 * HOUR, NULL, NULL,
                                "replication lag (time) shown as critical"},
    [SETTINGS_DISK_WARN] = {"thresholds.disk_warn", SETTINGS_T_INT, 80, 1, 100,
                            NULL, "%", "volume usage shown as a warning"},
    [SETTINGS_DISK_CRIT] = {"thresholds.disk_crit", SETTINGS_T_INT, 90, 1, 100,
                            NULL, "%",
                            "volume usage shown as critical (postgres-flex "
                            "turns the primary read-only at 90 %)"},
    [SETTINGS_HTTP_MAX_PER_HOST] = {"http.max_per_host", SETTINGS_T_INT, 16, 1,
                                    256, NULL, "connections",
                                    "concurrent API requests per host"},
    [SETTINGS_HTTP_CONNECT_TIMEOUT] =
        {"http.connect_timeout", SETTINGS_T_DURATION, 5 * SEC, 100, MIN, NULL,
         NULL, "time allowed to connect to the API"},
    [SETTINGS_HTTP_TIMEOUT] = {"http.timeout", SETTINGS_T_DURATION, 30 * SEC,
                               SEC, 10 * MIN, NULL, NULL,
                               "time allowed for a whole API request"},
    [SETTINGS_PG_CONNECT_TIMEOUT] = {"postgres.connect_timeout",
                                     SETTINGS_T_DURATION, 3 * SEC, 2 * SEC, MIN,
                                     NULL, NULL,
                                     "time allowed to connect to a node "
                                     "(whole seconds, libpq connect_timeout)"},
    [SETTINGS_PG_STATEMENT_TIMEOUT] = {"postgres.statement_timeout",
                                       SETTINGS_T_DURATION, 5 * SEC, 100, HOUR,
                                       NULL, NULL,
                                       "statement_timeout of pgdeck's own "
                                       "queries (probes)"},
    [SETTINGS_FAILOVER_MAX_LAG] = {"actions.failover_max_lag", SETTINGS_T_SIZE,
                                   16 * MB, 0, TB, NULL, NULL,
                                   "a failover candidate further behind is not "
                                   "eligible without --force"},
    [SETTINGS_SQL_STATEMENT_TIMEOUT] = {"sql.statement_timeout",
                                        SETTINGS_T_DURATION, 0, 0, 24 * HOUR,
                                        NULL, NULL,
                                        "statement_timeout of the SQL pane and "
                                        "pgdeck sql (0: none)"},
    [SETTINGS_SQL_MAX_ROWS] = {"sql.max_rows", SETTINGS_T_INT, 10000, 1,
                               10000000, NULL, "rows",
                               "rows kept of one result (the rest is not "
                               "fetched, and the cap is reported)"},
    [SETTINGS_SQL_HISTORY_SIZE] = {"sql.history_size", SETTINGS_T_INT, 1000, 0,
                                   100000, NULL, "entries",
                                   "SQL history entries kept per context"},
};

#define SETTINGS_ACTION_NAME(id, name) name,
static const char *const settings_action_names[SETTINGS_ACTION__COUNT] = {
    SETTINGS_ACTIONS(SETTINGS_ACTION_NAME)};
#undef SETTINGS_ACTION_NAME

const char *const settings_context_fields[] = {
    "name",       "api_url",      "org",         "token_env",
    "token_file", "token_flyctl", "pg_passfile", "pg_password_env",
    "pg_user",    "read_only"};
const size_t settings_context_nfields =
    sizeof settings_context_fields / sizeof settings_context_fields[0];

static void settings_context_free(struct settings_context *c);
static int settings_parse_bool(const char *text, long long *v);
static void settings_format(const struct settings_row *r, long long num,
                            const char *str, struct buf *out);

const struct settings_row *settings_row(enum settings_id id)
{
    if ((int)id < 0 || id >= SETTINGS__COUNT)
        return NULL;
    return &settings_table[id];
}

int settings_find(const char *name)
{
    int i;

    for (i = 0; i < SETTINGS__COUNT; i++)
        if (strcmp(settings_table[i].name, name) == 0)
            return i;
    return -1;
}

const char *settings_action_name(enum settings_action action)
{
    if ((int)action < 0 || action >= SETTINGS_ACTION__COUNT)
        return "?";
    return settings_action_names[action];
}

int settings_action_find(const char *name)
{
    int i;

    for (i = 0; i < SETTINGS_ACTION__COUNT; i++)
        if (strcmp(settings_action_names[i], name) == 0)
            return i;
    return -1;
}

void settings_defaults(struct settings *s)
{
    int i;

    for (i = 0; i < SETTINGS__COUNT; i++) {
        const struct settings_row *r = &settings_table[i];

        s->v[i].num = r->def;
        s->v[i].str = r->type == SETTINGS_T_NAME ? x_strdup(r->def_str) : NULL;
        s->v[i].origin = SETTINGS_ORIGIN_DEFAULT;
        s->v[i].line = 0;
    }
}

struct settings *settings_new(void)
{
    struct settings *s = x_calloc(1, sizeof *s);

    settings_defaults(s);
    return s;
}

static void settings_context_free(struct settings_context *c)
{
    free(c->name);
    free(c->api_url);
    free(c->org);
    free(c->token_arg);
    free(c->pgcred_arg);
    free(c->pg_user);
}

void settings_clear(struct settings *s)
{
    size_t i;

    free(s->file);
    for (i = 0; i < SETTINGS__COUNT; i++)
        free(s->v[i].str);
    for (i = 0; i < s->ncontexts; i++)
        settings_context_free(&s->contexts[i]);
    free(s->contexts);
    free(s->bindings);
    memset(s, 0, sizeof *s);
}

void settings_move(struct settings *dst, struct settings *src)
{
    settings_clear(dst);
    *dst = *src;
    memset(src, 0, sizeof *src);
}

void settings_free(struct settings *s)
{
    if (!s)
        return;
    settings_clear(s);
    free(s);
}

char *settings_path(const char *option_path, enum settings_source *source)
{
    const char *env = getenv("PGDECK_CONFIG");

    if (option_path) {
        *source = SETTINGS_SOURCE_OPTION;
        return x_strdup(option_path);
    }
    if (env && *env) {
        *source = SETTINGS_SOURCE_ENV;
        return x_strdup(env);
    }
    *source = SETTINGS_SOURCE_DEFAULT;
    return NULL;
}

const char *settings_file(const struct settings *s)
{
    return s->file;
}

int settings_file_read(const struct settings *s)
{
    return s->file_read;
}

enum settings_source settings_file_source(const struct settings *s)
{
    return s->source;
}

long long settings_num(const struct settings *s, enum settings_id id)
{
    return s->v[id].num;
}

const char *settings_str(const struct settings *s, enum settings_id id)
{
    return s->v[id].str ? s->v[id].str : "";
}

enum settings_origin settings_origin(const struct settings *s,
                                     enum settings_id id)
{
    return s->v[id].origin;
}

int settings_line(const struct settings *s, enum settings_id id)
{
    return s->v[id].line;
}

size_t settings_context_count(const struct settings *s)
{
    return s->ncontexts;
}

const struct settings_context *settings_context_at(const struct settings *s,
                                                   size_t i)
{
    return i < s->ncontexts ? &s->contexts[i] : NULL;
}

size_t settings_binding_count(const struct settings *s)
{
    return s->nbindings;
}

const struct settings_binding *settings_binding_at(const struct settings *s,
                                                   size_t i)
{
    return i < s->nbindings ? &s->bindings[i] : NULL;
}

/* "true"/"false" and the usual synonyms, for command-line values. */
static int settings_parse_bool(const char *text, long long *v)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    size_t i;

    for (i = 0; i < 4; i++) {
        if (strcmp(text, yes[i]) == 0) {
            *v = 1;
            return 0;
        }
        if (strcmp(text, no[i]) == 0) {
            *v = 0;
            return 0;
        }
    }
    return -1;
}

int settings_override(struct settings *s, enum settings_id id,
                      const char *value, char **cause)
{
    const struct settings_row *r = settings_row(id);
    struct settings_value old;
    struct buf errs = BUF_INIT;
    long long n = 0;
    int ok = -1;
    char *end;

    if (!r) {
        if (cause)
            *cause = x_strdup("no such setting");
        return -1;
    }
    switch (r->type) {
    case SETTINGS_T_BOOL:
        ok = settings_parse_bool(value, &n);
        break;
    case SETTINGS_T_INT:
        errno = 0;
        n = strtoll(value, &end, 10);
        ok = (errno == 0 && end != value && *end == '\0') ? 0 : -1;
        break;
    case SETTINGS_T_DURATION:
        ok = settings_parse_duration(value, &n);
        break;
    case SETTINGS_T_SIZE:
        ok = settings_parse_size(value, &n);
        break;
    case SETTINGS_T_NAME:
        ok = (*value == '\0' || settings_name_valid(value)) ? 0 : -1;
        break;
    }
    if (ok == 0 && r->type != SETTINGS_T_NAME && (n < r->min || n > r->max))
        ok = -1;
    if (ok != 0) {
        if (cause) {
            char *want = settings_expected(r);

            *cause =
                x_asprintf("%s: expected %s, got \"%s\"", r->name, want, value);
            free(want);
        }
        return -1;
    }
    old = s->v[id];
    if (r->type == SETTINGS_T_NAME)
        s->v[id].str = x_strdup(value);
    else
        s->v[id].num = n;
    s->v[id].origin = SETTINGS_ORIGIN_OPTION;
    s->v[id].line = 0;
    if (settings_cross_check(s, &errs, NULL) != 0) {
        if (r->type == SETTINGS_T_NAME)
            free(s->v[id].str);
        s->v[id] = old;
        if (errs.len > 0 && errs.data[errs.len - 1] == '\n')
            errs.data[--errs.len] = '\0';
        if (cause)
            *cause = buf_steal(&errs);
        buf_free(&errs);
        return -1;
    }
    buf_free(&errs);
    free(old.str);
    return 0;
}

char *settings_expected(const struct settings_row *r)
{
    char *lo, *hi, *out;

    switch (r->type) {
    case SETTINGS_T_BOOL:
        return x_strdup("true or false");
    case SETTINGS_T_INT:
        return x_asprintf("an integer between %lld and %lld%s%s", r->min,
                          r->max, r->unit && strcmp(r->unit, "%") ? " " : "",
                          r->unit ? r->unit : "");
    case SETTINGS_T_DURATION:
        lo = settings_format_duration(r->min);
        hi = settings_format_duration(r->max);
        out = x_asprintf("a duration between %s and %s (a number of seconds, "
                         "or a string such as \"750ms\", \"2s\", \"5m\")",
                         lo, hi);
        break;
    case SETTINGS_T_SIZE:
        lo = settings_format_size(r->min);
        hi = settings_format_size(r->max);
        out = x_asprintf("a size between %s and %s (a number of bytes, or a "
                         "string such as \"512kB\", \"16MB\", \"2GB\")",
                         lo, hi);
        break;
    case SETTINGS_T_NAME:
    default:
        return x_strdup("a name of 1 to 63 letters, digits, '.', '_' or '-' "
                        "(in double quotes)");
    }
    free(lo);
    free(hi);
    return out;
}

/* Appends the value (NUM or STR) of row R as the file would spell it. */
static void settings_format(const struct settings_row *r, long long num,
                            const char *str, struct buf *out)
{
    char *t;

    switch (r->type) {
    case SETTINGS_T_BOOL:
        buf_puts(out, num ? "true" : "false");
        break;
    case SETTINGS_T_INT:
        buf_printf(out, "%lld", num);
        break;
    case SETTINGS_T_DURATION:
        t = settings_format_duration(num);
        buf_printf(out, "\"%s\"", t);
        free(t);
        break;
    case SETTINGS_T_SIZE:
        t = settings_format_size(num);
        buf_printf(out, "\"%s\"", t);
        free(t);
        break;
    case SETTINGS_T_NAME:
        buf_printf(out, "\"%s\"", str ? str : "");
        break;
    }
}

void settings_describe(const struct settings *s, struct buf *out)
{
    int i;

    for (i = 0; i < SETTINGS__COUNT; i++) {
        const struct settings_value *v = &s->v[i];
        size_t start = out->len;

        buf_printf(out, "  %s = ", settings_table[i].name);
        settings_format(&settings_table[i], v->num, v->str, out);
        while (out->len - start < 44)
            buf_putc(out, ' ');
        switch (v->origin) {
        case SETTINGS_ORIGIN_DEFAULT:
            buf_puts(out, " (default)\n");
            break;
        case SETTINGS_ORIGIN_FILE:
            buf_printf(out, " (file, line %d)\n", v->line);
            break;
        case SETTINGS_ORIGIN_OPTION:
            buf_puts(out, " (command line)\n");
            break;
        }
    }
}

void settings_help(struct buf *out)
{
    static const char *const tnames[] = {"boolean", "integer", "duration",
                                         "size", "name"};
    int i;

    for (i = 0; i < SETTINGS__COUNT; i++) {
        const struct settings_row *r = &settings_table[i];
        char *want = settings_expected(r);

        buf_printf(out, "%s (%s, default ", r->name, tnames[r->type]);
        settings_format(r, r->def, r->def_str, out);
        buf_printf(out, ")\n    %s\n    expects %s\n", r->help, want);
        free(want);
    }
    buf_puts(out, "contexts (list of groups)\n    name, api_url, org, one of "
                  "token_env / token_file / token_flyctl, pg_passfile or "
                  "pg_password_env, pg_user, read_only\n");
    buf_puts(out, "keys (group)\n    action = \"key\"; actions:");
    for (i = 0; i < SETTINGS_ACTION__COUNT; i++)
        buf_printf(out, " %s", settings_action_names[i]);
    buf_putc(out, '\n');
}

int settings_cross_check(const struct settings *s, struct buf *errs,
                         const char *file)
{
    static const enum settings_id pairs[][2] = {
        {SETTINGS_REFRESH_FAST, SETTINGS_REFRESH_SLOW},
        {SETTINGS_LAG_BYTES_WARN, SETTINGS_LAG_BYTES_CRIT},
        {SETTINGS_LAG_TIME_WARN, SETTINGS_LAG_TIME_CRIT},
        {SETTINGS_DISK_WARN, SETTINGS_DISK_CRIT},
        {SETTINGS_HTTP_CONNECT_TIMEOUT, SETTINGS_HTTP_TIMEOUT},
    };
    size_t i;
    int bad = 0;

    for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        const struct settings_value *lo = &s->v[pairs[i][0]];
        const struct settings_value *hi = &s->v[pairs[i][1]];
        const struct settings_row *rlo = &settings_table[pairs[i][0]];
        const struct settings_row *rhi = &settings_table[pairs[i][1]];
        int strict = pairs[i][0] != SETTINGS_REFRESH_FAST &&
                     pairs[i][0] != SETTINGS_HTTP_CONNECT_TIMEOUT;
        int line = lo->line > hi->line ? lo->line : hi->line;

        if (strict ? lo->num < hi->num : lo->num <= hi->num)
            continue;
        bad = 1;
        if (file && line)
            buf_printf(errs, "%s:%d: ", file, line);
        else if (file)
            buf_printf(errs, "%s: ", file);
        buf_printf(errs, "%s (", rlo->name);
        settings_format(rlo, lo->num, lo->str, errs);
        buf_printf(errs, ") must be %s %s (", strict ? "below" : "at most",
                   rhi->name);
        settings_format(rhi, hi->num, hi->str, errs);
        buf_puts(errs, ")\n");
    }
    return bad ? -1 : 0;
}

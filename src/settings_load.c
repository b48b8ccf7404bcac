#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/paths.h"
#include "src/settings.h"
#include "src/settings_impl.h"
#include "src/xmalloc.h"

/*
 * The libconfig adapter: the only file that sees config_t.  Everything read
 * is copied into a fresh struct settings; config_destroy() runs before
 * settings_load_text() returns, and the caller's settings are replaced only
 * when no error was found.
 */

#define SETTINGS_MAX_FILE (1024 * 1024)
#define SETTINGS_MAX_ERRORS 20

/* The state of one parse: where errors go and what was seen so far. */
struct settings_parse {
    const char *file;
    struct buf errs;
    int nerrs;
    struct settings *out;
};

static const char *const settings_groups[] = {"refresh",  "thresholds", "http",
                                              "postgres", "actions",    "sql"};
#define SETTINGS_NGROUPS (sizeof settings_groups / sizeof settings_groups[0])

static void settings_err(struct settings_parse *p, const config_setting_t *at,
                         const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static char *settings_got(const config_setting_t *v);
static int settings_is_int(const config_setting_t *v);
static void settings_read_scalar(struct settings_parse *p, int id,
                                 const config_setting_t *v);
static void settings_read_group(struct settings_parse *p, const char *group,
                                const config_setting_t *g);
static void settings_read_contexts(struct settings_parse *p,
                                   const config_setting_t *list);
static void settings_read_context(struct settings_parse *p,
                                  const config_setting_t *g, size_t index);
static void settings_read_keys(struct settings_parse *p,
                               const config_setting_t *g);
static void settings_unknown(struct settings_parse *p,
                             const config_setting_t *at, const char *prefix,
                             const char *name, const char *const *names,
                             size_t n);
static int settings_tls_name(const char *name);
static int settings_check_includes(struct settings_parse *p, const char *text);
static int settings_load_text(const char *file, const char *text, char **cause,
                              struct settings *result);

static void settings_err(struct settings_parse *p, const config_setting_t *at,
                         const char *fmt, ...)
{
    va_list ap;
    int line = at ? (int)config_setting_source_line(at) : 0;

    p->nerrs++;
    if (p->nerrs > SETTINGS_MAX_ERRORS)
        return;
    if (line > 0)
        buf_printf(&p->errs, "%s:%d: ", p->file, line);
    else
        buf_printf(&p->errs, "%s: ", p->file);
    va_start(ap, fmt);
    buf_vprintf(&p->errs, fmt, ap);
    va_end(ap);
    buf_putc(&p->errs, '\n');
}

/* How a value looks in a "got ..." message; owned by the caller. */
static char *settings_got(const config_setting_t *v)
{
    const char *str;

    switch (config_setting_type(v)) {
    case CONFIG_TYPE_INT:
        return x_asprintf("%d", config_setting_get_int(v));
    case CONFIG_TYPE_INT64:
        return x_asprintf("%lld", config_setting_get_int64(v));
    case CONFIG_TYPE_FLOAT:
        return x_asprintf("%g", config_setting_get_float(v));
    case CONFIG_TYPE_BOOL:
        return x_strdup(config_setting_get_bool(v) ? "true" : "false");
    case CONFIG_TYPE_STRING:
        str = config_setting_get_string(v);
        if (strlen(str) > 60)
            return x_asprintf("\"%.57s...\"", str);
        return x_asprintf("\"%s\"", str);
    case CONFIG_TYPE_GROUP:
        return x_strdup("a group { ... }");
    case CONFIG_TYPE_ARRAY:
        return x_strdup("an array [ ... ]");
    case CONFIG_TYPE_LIST:
        return x_strdup("a list ( ... )");
    default:
        return x_strdup("nothing");
    }
}

static int settings_is_int(const config_setting_t *v)
{
    int t = config_setting_type(v);

    return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
}

/* Reads the value V of table row ID into p->out, or records an error. */
static void settings_read_scalar(struct settings_parse *p, int id,
                                 const config_setting_t *v)
{
    const struct settings_row *r = settings_row(id);
    struct settings_value *dst = &p->out->v[id];
    int type = config_setting_type(v);
    long long n = 0;
    int ok = -1;

    switch (r->type) {
    case SETTINGS_T_BOOL:
        if (type == CONFIG_TYPE_BOOL) {
            n = config_setting_get_bool(v) ? 1 : 0;
            ok = 0;
        }
        break;
    case SETTINGS_T_INT:
        if (settings_is_int(v)) {
            n = config_setting_get_int64(v);
            ok = 0;
        }
        break;
    case SETTINGS_T_DURATION:
        if (settings_is_int(v)) {
            n = config_setting_get_int64(v);
            if (n >= 0 && n <= r->max / 1000) {
                n *= 1000;
                ok = 0;
            } else {
                n = -1;
                ok = 0; /* out of range: reported below */
            }
        } else if (type == CONFIG_TYPE_FLOAT) {
            double f = config_setting_get_float(v) * 1000.0;

            if (isfinite(f) && f >= 0 && f <= (double)r->max) {
                n = (long long)(f + 0.5);
                ok = 0;
            } else {
                n = -1;
                ok = 0;
            }
        } else if (type == CONFIG_TYPE_STRING) {
            ok = settings_parse_duration(config_setting_get_string(v), &n);
        }
        break;
    case SETTINGS_T_SIZE:
        if (settings_is_int(v)) {
            n = config_setting_get_int64(v);
            ok = 0;
        } else if (type == CONFIG_TYPE_STRING) {
            ok = settings_parse_size(config_setting_get_string(v), &n);
        }
        break;
    case SETTINGS_T_NAME:
        if (type == CONFIG_TYPE_STRING) {
            const char *str = config_setting_get_string(v);

            if (settings_name_valid(str) || (*str == '\0' && !*r->def_str)) {
                free(dst->str);
                dst->str = x_strdup(str);
                dst->origin = SETTINGS_ORIGIN_FILE;
                dst->line = (int)config_setting_source_line(v);
                return;
            }
        }
        break;
    }
    if (ok == 0 && (n < r->min || n > r->max))
        ok = -1;
    if (ok != 0) {
        char *want = settings_expected(r);
        char *got = settings_got(v);

        settings_err(p, v, "%s: expected %s, got %s", r->name, want, got);
        free(want);
        free(got);
        return;
    }
    dst->num = n;
    dst->origin = SETTINGS_ORIGIN_FILE;
    dst->line = (int)config_setting_source_line(v);
}

/* Names that would turn TLS verification off: there is no such setting. */
static int settings_tls_name(const char *name)
{
    return strstr(name, "tls") || strstr(name, "ssl") ||
           strstr(name, "insecure") || strstr(name, "verify");
}

static void settings_unknown(struct settings_parse *p,
                             const config_setting_t *at, const char *prefix,
                             const char *name, const char *const *names,
                             size_t n)
{
    const char *hint = settings_suggest(name, names, n);

    if (settings_tls_name(name)) {
        settings_err(p, at,
                     "unknown setting '%s%s': there is no way to turn TLS "
                     "certificate verification off (https is always "
                     "verified; use http:// only for a loopback host)",
                     prefix, name);
    } else if (hint) {
        settings_err(p, at, "unknown setting '%s%s' (did you mean '%s%s'?)",
                     prefix, name, prefix, hint);
    } else {
        struct buf all = BUF_INIT;
        size_t i;

        for (i = 0; i < n; i++)
            buf_printf(&all, "%s%s", i ? ", " : "", names[i]);
        settings_err(p, at, "unknown setting '%s%s' (known: %s)", prefix, name,
                     buf_str(&all));
        buf_free(&all);
    }
}

/* refresh { ... }, thresholds { ... }, http { ... }, postgres { ... } */
static void settings_read_group(struct settings_parse *p, const char *group,
                                const config_setting_t *g)
{
    const char *names[SETTINGS__COUNT];
    size_t nnames = 0, plen = strlen(group);
    char prefix[64];
    int i, n;

    if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
        char *got = settings_got(g);

        settings_err(p, g, "%s: expected a group { name = value; ... }, got %s",
                     group, got);
        free(got);
        return;
    }
    for (i = 0; i < SETTINGS__COUNT; i++) {
        const char *rn = settings_row(i)->name;

        if (strncmp(rn, group, plen) == 0 && rn[plen] == '.')
            names[nnames++] = rn + plen + 1;
    }
    (void)snprintf(prefix, sizeof prefix, "%s.", group);
    n = config_setting_length(g);
    for (i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *mn = config_setting_name(m);
        char *full = x_asprintf("%s.%s", group, mn);
        int id = settings_find(full);

        if (id >= 0)
            settings_read_scalar(p, id, m);
        else
            settings_unknown(p, m, prefix, mn, names, nnames);
        free(full);
    }
}

/* A string member NAME of context group G, or NULL (error when not a
 * string). */
static const char *settings_ctx_string(struct settings_parse *p,
                                       const config_setting_t *g,
                                       const char *label, const char *name,
                                       const config_setting_t **at)
{
    const config_setting_t *m = config_setting_get_member(g, name);

    *at = m;
    if (!m)
        return NULL;
    if (config_setting_type(m) != CONFIG_TYPE_STRING) {
        char *got = settings_got(m);

        settings_err(p, m, "%s: %s: expected a string in double quotes, got %s",
                     label, name, got);
        free(got);
        *at = NULL;
        return NULL;
    }
    return config_setting_get_string(m);
}

/* A path value: absolute or "~/..."; returns the expanded copy or NULL. */
static char *settings_ctx_path(struct settings_parse *p,
                               const config_setting_t *g, const char *label,
                               const char *name)
{
    const config_setting_t *at;
    const char *v = settings_ctx_string(p, g, label, name, &at);

    if (!v)
        return NULL;
    if (v[0] == '/' || (v[0] == '~' && v[1] == '/' && v[2]))
        return paths_expand(v);
    settings_err(p, at,
                 "%s: %s: expected an absolute path or one starting with "
                 "~/, got \"%s\"",
                 label, name, v);
    return NULL;
}

static char *settings_ctx_envname(struct settings_parse *p,
                                  const config_setting_t *g, const char *label,
                                  const char *name)
{
    const config_setting_t *at;
    const char *v = settings_ctx_string(p, g, label, name, &at);

    if (!v)
        return NULL;
    if (settings_envname_valid(v))
        return x_strdup(v);
    settings_err(p, at,
                 "%s: %s: expected the name of an environment variable "
                 "(letters, digits and '_'), got \"%s\"",
                 label, name, v);
    return NULL;
}

static void settings_read_context(struct settings_parse *p,
                                  const config_setting_t *g, size_t index)
{
    struct settings_context c;
    const config_setting_t *at, *m;
    const char *name, *v;
    char label[96];
    int i, n, builtin, ntoken = 0;
    size_t j;
    char *env, *file;

    memset(&c, 0, sizeof c);
    c.read_only = -1;
    c.line = (int)config_setting_source_line(g);
    if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
        char *got = settings_got(g);

        settings_err(p, g,
                     "contexts: element %zu: expected a group { name = "
                     "\"...\"; ... }, got %s",
                     index + 1, got);
        free(got);
        return;
    }
    (void)snprintf(label, sizeof label, "contexts: element %zu", index + 1);
    n = config_setting_length(g);
    for (i = 0; i < n; i++) {
        const config_setting_t *f = config_setting_get_elem(g, (unsigned)i);
        const char *mn = config_setting_name(f);

        for (j = 0; j < settings_context_nfields; j++)
            if (strcmp(mn, settings_context_fields[j]) == 0)
                break;
        if (j == settings_context_nfields)
            settings_unknown(p, f, "", mn, settings_context_fields,
                             settings_context_nfields);
    }
    name = settings_ctx_string(p, g, label, "name", &at);
    if (!name) {
        if (!config_setting_get_member(g, "name"))
            settings_err(p, g, "%s: name is required (name = \"prod\";)",
                         label);
        return;
    }
    if (!settings_name_valid(name)) {
        settings_err(p, at,
                     "%s: name: expected 1 to 63 letters, digits, "
                     "'.', '_' or '-', got \"%s\"",
                     label, name);
        return;
    }
    (void)snprintf(label, sizeof label, "context \"%s\"", name);
    for (j = 0; j < p->out->ncontexts; j++) {
        if (strcmp(p->out->contexts[j].name, name) == 0) {
            settings_err(p, at, "%s is defined twice (first at line %d)", label,
                         p->out->contexts[j].line);
            return;
        }
    }
    builtin = strcmp(name, "local") == 0 || strcmp(name, "fly") == 0;
    c.name = x_strdup(name);

    v = settings_ctx_string(p, g, label, "api_url", &at);
    if (v) {
        char *why = NULL;

        if (settings_url_check(v, &c.api_url, &why) != 0) {
            settings_err(p, at, "%s: api_url: %s", label, why);
            free(why);
        }
    } else if (!builtin && !at && !config_setting_get_member(g, "api_url")) {
        settings_err(p, g,
                     "%s: api_url is required (e.g. api_url = "
                     "\"https://api.machines.dev\";)",
                     label);
    }
    v = settings_ctx_string(p, g, label, "org", &at);
    if (v && settings_name_valid(v))
        c.org = x_strdup(v);
    else if (v)
        settings_err(p, at,
                     "%s: org: expected an organization slug, got \"%s\"",
                     label, v);
    v = settings_ctx_string(p, g, label, "pg_user", &at);
    if (v && settings_name_valid(v))
        c.pg_user = x_strdup(v);
    else if (v)
        settings_err(p, at, "%s: pg_user: expected a role name, got \"%s\"",
                     label, v);

    /* Exactly one token source. */
    env = settings_ctx_envname(p, g, label, "token_env");
    file = settings_ctx_path(p, g, label, "token_file");
    ntoken += config_setting_get_member(g, "token_env") ? 1 : 0;
    ntoken += config_setting_get_member(g, "token_file") ? 1 : 0;
    m = config_setting_get_member(g, "token_flyctl");
    if (m && config_setting_type(m) != CONFIG_TYPE_BOOL) {
        char *got = settings_got(m);

        settings_err(p, m, "%s: token_flyctl: expected true or false, got %s",
                     label, got);
        free(got);
    } else if (m && config_setting_get_bool(m)) {
        ntoken++;
        c.token = SETTINGS_TOKEN_FLYCTL;
    }
    if (ntoken > 1) {
        settings_err(p, g,
                     "%s: more than one token source (token_env, token_file, "
                     "token_flyctl): choose exactly one",
                     label);
    } else if (ntoken == 0 && !builtin) {
        settings_err(p, g,
                     "%s: no token source: set one of token_env = \"NAME\", "
                     "token_file = \"PATH\" or token_flyctl = true",
                     label);
    } else if (env) {
        c.token = SETTINGS_TOKEN_ENV;
        c.token_arg = env;
        env = NULL;
    } else if (file) {
        c.token = SETTINGS_TOKEN_FILE;
        c.token_arg = file;
        file = NULL;
    }
    free(env);
    free(file);

    /* At most one Postgres credential source. */
    env = settings_ctx_envname(p, g, label, "pg_password_env");
    file = settings_ctx_path(p, g, label, "pg_passfile");
    if (config_setting_get_member(g, "pg_password_env") &&
        config_setting_get_member(g, "pg_passfile")) {
        settings_err(p, g,
                     "%s: both pg_passfile and pg_password_env are set: "
                     "choose one",
                     label);
    } else if (file) {
        c.pgcred = SETTINGS_PGCRED_PASSFILE;
        c.pgcred_arg = file;
        file = NULL;
    } else if (env) {
        c.pgcred = SETTINGS_PGCRED_ENV;
        c.pgcred_arg = env;
        env = NULL;
    }
    free(env);
    free(file);

    m = config_setting_get_member(g, "read_only");
    if (m && config_setting_type(m) == CONFIG_TYPE_BOOL) {
        c.read_only = config_setting_get_bool(m) ? 1 : 0;
    } else if (m) {
        char *got = settings_got(m);

        settings_err(p, m, "%s: read_only: expected true or false, got %s",
                     label, got);
        free(got);
    }

    p->out->contexts = x_reallocarray(p->out->contexts, p->out->ncontexts + 1,
                                      sizeof *p->out->contexts);
    p->out->contexts[p->out->ncontexts++] = c;
}

static void settings_read_contexts(struct settings_parse *p,
                                   const config_setting_t *list)
{
    int i, n, type = config_setting_type(list);

    n = config_setting_length(list);
    if (type != CONFIG_TYPE_LIST && !(type == CONFIG_TYPE_ARRAY && n == 0)) {
        char *got = settings_got(list);

        settings_err(p, list,
                     "contexts: expected a list of groups ( { name = "
                     "\"...\"; ... }, ... ), got %s",
                     got);
        free(got);
        return;
    }
    for (i = 0; i < n; i++)
        settings_read_context(p, config_setting_get_elem(list, (unsigned)i),
                              (size_t)i);
}

static void settings_read_keys(struct settings_parse *p,
                               const config_setting_t *g)
{
    const char *actions[SETTINGS_ACTION__COUNT];
    struct settings *out = p->out;
    int i, n;

    if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
        char *got = settings_got(g);

        settings_err(p, g,
                     "keys: expected a group { action = \"key\"; ... }, got %s",
                     got);
        free(got);
        return;
    }
    for (i = 0; i < SETTINGS_ACTION__COUNT; i++)
        actions[i] = settings_action_name(i);
    n = config_setting_length(g);
    for (i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *an = config_setting_name(m);
        int action = settings_action_find(an);
        struct settings_key key;
        char *why = NULL;
        size_t j;

        if (action < 0) {
            const char *hint =
                settings_suggest(an, actions, SETTINGS_ACTION__COUNT);

            if (hint)
                settings_err(p, m,
                             "keys: unknown action '%s' (did you mean "
                             "'%s'?)",
                             an, hint);
            else
                settings_err(p, m,
                             "keys: unknown action '%s' (see "
                             "pgdeck.conf(5) for the list)",
                             an);
            continue;
        }
        if (config_setting_type(m) != CONFIG_TYPE_STRING) {
            char *got = settings_got(m);

            settings_err(p, m,
                         "keys.%s: expected a key in double quotes, "
                         "got %s",
                         an, got);
            free(got);
            continue;
        }
        if (settings_key_parse(config_setting_get_string(m), &key, &why) != 0) {
            settings_err(p, m, "keys.%s: %s", an, why);
            free(why);
            continue;
        }
        for (j = 0; j < out->nbindings; j++) {
            if (out->bindings[j].key.kind == key.kind &&
                out->bindings[j].key.code == key.code)
                break;
        }
        if (j < out->nbindings) {
            char *k = settings_key_format(&key);

            settings_err(p, m,
                         "keys.%s: \"%s\" is already bound to %s "
                         "(line %d)",
                         an, k, settings_action_name(out->bindings[j].action),
                         out->bindings[j].line);
            free(k);
            continue;
        }
        out->bindings = x_reallocarray(out->bindings, out->nbindings + 1,
                                       sizeof *out->bindings);
        out->bindings[out->nbindings].action = (enum settings_action)action;
        out->bindings[out->nbindings].key = key;
        out->bindings[out->nbindings].line = (int)config_setting_source_line(m);
        out->nbindings++;
    }
}

/* libconfig would read @include'd files behind our permission checks. */
static int settings_check_includes(struct settings_parse *p, const char *text)
{
    const char *line = text;
    int lineno = 1;

    while (*line) {
        const char *q = line + strspn(line, " \t");
        const char *nl = strchr(line, '\n');

        if (strncmp(q, "@include", 8) == 0) {
            buf_printf(&p->errs,
                       "%s:%d: @include is not supported: keep the settings "
                       "in one file\n",
                       p->file, lineno);
            p->nerrs++;
        }
        if (!nl)
            break;
        line = nl + 1;
        lineno++;
    }
    return p->nerrs ? -1 : 0;
}

/* Parses TEXT into RESULT (zeroed by the caller) without touching S. */
static int settings_load_text(const char *file, const char *text, char **cause,
                              struct settings *result)
{
    static const char *const top_names[] = {
        "context", "theme",      "read_only", "color",    "ascii",
        "refresh", "thresholds", "http",      "postgres", "actions",
        "sql",     "contexts",   "keys"};
    struct settings_parse p;
    config_t cfg;
    const config_setting_t *root;
    int i, n;
    size_t j;

    memset(&p, 0, sizeof p);
    p.file = file;
    p.out = result;
    settings_defaults(result);
    if (settings_check_includes(&p, text) != 0)
        goto fail;

    config_init(&cfg);
    if (config_read_string(&cfg, text) != CONFIG_TRUE) {
        const char *why = config_error_text(&cfg);

        /* libconfig's bison says only "syntax error": say what usually
         * causes one rather than the same words twice. */
        if (!why || strcmp(why, "syntax error") == 0)
            why = "unexpected text (a missing ';' or '}', or a string left "
                  "open on an earlier line?)";
        buf_printf(&p.errs, "%s:%d: syntax error: %s\n", file,
                   config_error_line(&cfg), why);
        p.nerrs++;
        config_destroy(&cfg);
        goto fail;
    }
    root = config_root_setting(&cfg);
    n = config_setting_length(root);
    for (i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(m);
        int id = settings_find(name);

        if (id >= 0) {
            settings_read_scalar(&p, id, m);
            continue;
        }
        for (j = 0; j < SETTINGS_NGROUPS; j++)
            if (strcmp(name, settings_groups[j]) == 0)
                break;
        if (j < SETTINGS_NGROUPS)
            settings_read_group(&p, name, m);
        else if (strcmp(name, "contexts") == 0)
            settings_read_contexts(&p, m);
        else if (strcmp(name, "keys") == 0)
            settings_read_keys(&p, m);
        else
            settings_unknown(&p, m, "", name, top_names,
                             sizeof top_names / sizeof top_names[0]);
    }
    config_destroy(&cfg);

    if (p.nerrs == 0 && settings_cross_check(result, &p.errs, file) != 0)
        p.nerrs++;
    if (p.nerrs == 0 && *settings_str(result, SETTINGS_CONTEXT)) {
        const char *want = settings_str(result, SETTINGS_CONTEXT);
        const char **known = x_calloc(result->ncontexts + 2, sizeof *known);
        size_t nknown = 0;
        struct buf list = BUF_INIT;

        known[nknown++] = "local";
        known[nknown++] = "fly";
        for (j = 0; j < result->ncontexts; j++)
            if (strcmp(result->contexts[j].name, "local") != 0 &&
                strcmp(result->contexts[j].name, "fly") != 0)
                known[nknown++] = result->contexts[j].name;
        for (j = 0; j < nknown; j++)
            if (strcmp(known[j], want) == 0)
                break;
        if (j == nknown) {
            const char *hint = settings_suggest(want, known, nknown);

            for (j = 0; j < nknown; j++)
                buf_printf(&list, "%s%s", j ? ", " : "", known[j]);
            buf_printf(&p.errs, "%s:%d: context: unknown context \"%s\"", file,
                       result->v[SETTINGS_CONTEXT].line, want);
            if (hint)
                buf_printf(&p.errs, " (did you mean \"%s\"?)", hint);
            buf_printf(&p.errs, "; known: %s\n", buf_str(&list));
            p.nerrs++;
        }
        buf_free(&list);
        free(known);
    }
    if (p.nerrs == 0) {
        buf_free(&p.errs);
        return 0;
    }

fail:
    if (p.nerrs > SETTINGS_MAX_ERRORS)
        buf_printf(&p.errs, "%s: ... and %d more errors\n", file,
                   p.nerrs - SETTINGS_MAX_ERRORS);
    if (p.errs.len > 0 && p.errs.data[p.errs.len - 1] == '\n')
        p.errs.data[--p.errs.len] = '\0';
    if (cause)
        *cause = buf_steal(&p.errs);
    buf_free(&p.errs);
    settings_clear(result);
    return -1;
}

int settings_load_string(struct settings *s, const char *name, const char *text,
                         char **cause)
{
    struct settings result;

    memset(&result, 0, sizeof result);
    if (settings_load_text(name, text, cause, &result) != 0)
        return -1;
    result.file = x_strdup(name);
    result.file_read = 1;
    result.source = SETTINGS_SOURCE_OPTION;
    settings_move(s, &result);
    return 0;
}

int settings_load(struct settings *s, const char *path,
                  enum settings_source source, char **cause)
{
    static const char *const named_by[] = {"the default location",
                                           "PGDECK_CONFIG", "--config"};
    struct settings result;
    char *file = path ? x_strdup(path) : paths_config_file();
    char *text = NULL;
    struct stat st;
    ssize_t got = 0;
    size_t len = 0;
    int fd, rc = -1;

    memset(&result, 0, sizeof result);
    fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 && errno == ENOENT && source == SETTINGS_SOURCE_DEFAULT) {
        /* No file at the default place: the defaults. */
        settings_defaults(&result);
        result.file = file;
        result.source = source;
        settings_move(s, &result);
        return 0;
    }
    if (fd < 0) {
        if (cause)
            *cause =
                x_asprintf("%s: %s (config file named by %s)", file,
                           errno == ENOENT ? "no such file" : strerror(errno),
                           named_by[source]);
        free(file);
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (cause)
            *cause = x_asprintf("%s: not a regular file", file);
        goto out;
    }
    /* Nobody else may change it (it names the token files and the
     * password variables) or read it (what a context reaches is nobody
     * else's business, and a secret pasted into it by mistake stays
     * private). */
    if (st.st_mode & (S_IWGRP | S_IWOTH | S_IROTH)) {
        if (cause)
            *cause = x_asprintf(
                "%s: refusing a config file %s by %s (mode %04o): fix it "
                "with: chmod 600 %s",
                file,
                (st.st_mode & (S_IWGRP | S_IWOTH)) ? "writable" : "readable",
                (st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_IWOTH)
                    ? "group"
                    : "others",
                (unsigned)(st.st_mode & 07777), file);
        goto out;
    }
    if (st.st_size > SETTINGS_MAX_FILE) {
        if (cause)
            *cause = x_asprintf("%s: too large for a config file (%lld "
                                "bytes, at most %d)",
                                file, (long long)st.st_size, SETTINGS_MAX_FILE);
        goto out;
    }
    text = x_malloc((size_t)st.st_size + 1);
    while (len < (size_t)st.st_size) {
        got = read(fd, text + len, (size_t)st.st_size - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    if (len != (size_t)st.st_size) {
        if (cause)
            *cause = x_asprintf("%s: %s", file,
                                got < 0 ? strerror(errno)
                                        : "the file shrank while being read");
        goto out;
    }
    text[len] = '\0';
    if (memchr(text, '\0', len)) {
        if (cause)
            *cause =
                x_asprintf("%s: not a text file (contains NUL bytes)", file);
        goto out;
    }
    if (settings_load_text(file, text, cause, &result) != 0)
        goto out;
    result.file = file;
    file = NULL;
    result.file_read = 1;
    result.source = source;
    settings_move(s, &result);
    rc = 0;
out:
    close(fd);
    free(text);
    free(file);
    return rc;
}

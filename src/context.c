#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/context.h"
#include "src/paths.h"
#include "src/xmalloc.h"

#define CONTEXT_MAX_SECRET_FILE (64 * 1024)

static void context_init_local(struct context *c);
static void context_init_fly(struct context *c);
static void context_apply(struct context *c, const struct settings_context *sc);
static void context_free(struct context *c);
static char *context_read_file(const char *path, int read_private,
                               char **cause);
static char *context_trim(char *s);
static char *context_first_line(const char *text);
static const char *context_env(const char *name);

/* $NAME when set and not empty, else NULL. */
static const char *context_env(const char *name)
{
    const char *v = getenv(name);

    return v && *v ? v : NULL;
}

/* Trims white space in place; returns S. */
static char *context_trim(char *s)
{
    size_t len = strlen(s), start = strspn(s, " \t\r\n");

    while (len > start && strchr(" \t\r\n", s[len - 1]))
        len--;
    memmove(s, s + start, len - start);
    s[len - start] = '\0';
    return s;
}

/* The first line of TEXT, trimmed; owned by the caller. */
static char *context_first_line(const char *text)
{
    size_t len = strcspn(text, "\n");

    return context_trim(x_strndup(text, len));
}

static void context_init_local(struct context *c)
{
    char *dir = paths_platform_dir();
    char *urlfile = x_asprintf("%s/url", dir);
    char *text, *why = NULL;

    memset(c, 0, sizeof *c);
    c->name = x_strdup("local");
    c->builtin = 1;
    c->org = x_strdup("personal");
    c->token = SETTINGS_TOKEN_PLATFORM;
    c->token_arg = x_asprintf("%s/token", dir);
    c->pgcred = SETTINGS_PGCRED_PASSFILE;
    c->pgcred_arg = x_asprintf("%s/pgpass", dir);
    c->pg_user = x_strdup("postgres");
    text = context_read_file(urlfile, 0, &why);
    if (text) {
        char *line = context_first_line(text);

        if (settings_url_check(line, &c->api_url, &why) != 0) {
            c->error = x_asprintf("%s: %s", urlfile, why);
            free(why);
        }
        free(line);
        free(text);
    } else {
        c->note = x_asprintf("pgdeck-platformd has not written %s yet "
                             "(not started?)",
                             urlfile);
        free(why);
    }
    if (!c->api_url)
        c->api_url = x_strdup(CONTEXT_LOCAL_URL);
    free(urlfile);
    free(dir);
}

static void context_init_fly(struct context *c)
{
    const char *base = context_env("FLY_FLAPS_BASE_URL");
    char *why = NULL;

    memset(c, 0, sizeof *c);
    c->name = x_strdup("fly");
    c->builtin = 1;
    c->org = x_strdup("personal");
    c->token = SETTINGS_TOKEN_FLY;
    c->pgcred = SETTINGS_PGCRED_UNSET;
    c->pg_user = x_strdup("postgres");
    if (base && settings_url_check(base, &c->api_url, &why) != 0) {
        c->error = x_asprintf("FLY_FLAPS_BASE_URL: %s", why);
        free(why);
    } else if (base) {
        c->note = x_strdup("API URL from FLY_FLAPS_BASE_URL");
    }
    if (!c->api_url)
        c->api_url = x_strdup(CONTEXT_FLY_URL);
}

/* Applies what the file says about C (built-in or not). */
static void context_apply(struct context *c, const struct settings_context *sc)
{
    if (sc->api_url) {
        free(c->api_url);
        c->api_url = x_strdup(sc->api_url);
        /* The file's URL wins over a broken url file or env value. */
        free(c->error);
        c->error = NULL;
        free(c->note);
        c->note = NULL;
    }
    if (sc->org) {
        free(c->org);
        c->org = x_strdup(sc->org);
    }
    if (sc->token != SETTINGS_TOKEN_UNSET) {
        c->token = sc->token;
        free(c->token_arg);
        c->token_arg = sc->token_arg ? x_strdup(sc->token_arg) : NULL;
    }
    if (sc->pgcred != SETTINGS_PGCRED_UNSET) {
        c->pgcred = sc->pgcred;
        free(c->pgcred_arg);
        c->pgcred_arg = x_strdup(sc->pgcred_arg);
    }
    if (sc->pg_user) {
        free(c->pg_user);
        c->pg_user = x_strdup(sc->pg_user);
    }
    if (sc->read_only >= 0)
        c->read_only = sc->read_only;
}

static void context_free(struct context *c)
{
    free(c->name);
    free(c->api_url);
    free(c->org);
    free(c->token_arg);
    free(c->pgcred_arg);
    free(c->pg_user);
    free(c->error);
    free(c->note);
}

int context_set_build(const struct settings *s, const char *option_name,
                      struct context_set **out, char **cause)
{
    struct context_set *set = x_calloc(1, sizeof *set);
    size_t i, n = settings_context_count(s);
    const char *want;
    const struct context *found;

    set->v = x_calloc(n + 2, sizeof *set->v);
    context_init_local(&set->v[0]);
    context_init_fly(&set->v[1]);
    set->n = 2;
    for (i = 0; i < n; i++) {
        const struct settings_context *sc = settings_context_at(s, i);
        struct context *c = NULL;
        size_t j;

        for (j = 0; j < set->n; j++)
            if (strcmp(set->v[j].name, sc->name) == 0)
                c = &set->v[j];
        if (!c) {
            c = &set->v[set->n++];
            c->name = x_strdup(sc->name);
            c->org = x_strdup("personal");
            c->pg_user = x_strdup("postgres");
            c->api_url = x_strdup(""); /* required by settings: replaced */
        }
        context_apply(c, sc);
    }
    for (i = 0; i < set->n; i++)
        if (settings_num(s, SETTINGS_READ_ONLY))
            set->v[i].read_only = 1;

    if (option_name) {
        set->chosen = CONTEXT_CHOSEN_OPTION;
        want = option_name;
    } else if (*settings_str(s, SETTINGS_CONTEXT)) {
        set->chosen = CONTEXT_CHOSEN_FILE;
        want = settings_str(s, SETTINGS_CONTEXT);
    } else {
        char *where = NULL;

        set->chosen = CONTEXT_CHOSEN_AUTO;
        want = context_token_where(&set->v[1], &where) == 0 ? "fly" : "local";
        free(where);
    }
    found = context_find(set, want);
    if (!found) {
        const char **names = x_calloc(set->n, sizeof *names);
        struct buf msg = BUF_INIT;
        const char *hint;

        for (i = 0; i < set->n; i++)
            names[i] = set->v[i].name;
        hint = settings_suggest(want, names, set->n);
        buf_printf(&msg, "unknown context \"%s\"", want);
        if (hint)
            buf_printf(&msg, " (did you mean \"%s\"?)", hint);
        buf_puts(&msg, "; known contexts:");
        for (i = 0; i < set->n; i++)
            buf_printf(&msg, "%s %s", i ? "," : "", names[i]);
        free(names);
        if (cause)
            *cause = buf_steal(&msg);
        buf_free(&msg);
        context_set_free(set);
        return -1;
    }
    set->current = (size_t)(found - set->v);
    *out = set;
    return 0;
}

void context_set_free(struct context_set *set)
{
    size_t i;

    if (!set)
        return;
    for (i = 0; i < set->n; i++)
        context_free(&set->v[i]);
    free(set->v);
    free(set);
}

const struct context *context_current(const struct context_set *set)
{
    return &set->v[set->current];
}

const struct context *context_find(const struct context_set *set,
                                   const char *name)
{
    size_t i;

    for (i = 0; i < set->n; i++)
        if (strcmp(set->v[i].name, name) == 0)
            return &set->v[i];
    return NULL;
}

int context_file_check(const char *path, int read_private, char **cause)
{
    struct stat st;
    mode_t bad = S_IWGRP | S_IWOTH;

    if (read_private)
        bad |= S_IRGRP | S_IROTH;
    if (stat(path, &st) != 0) {
        if (cause)
            *cause =
                x_asprintf("%s: %s", path,
                           errno == ENOENT ? "not found" : strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        if (cause)
            *cause = x_asprintf("%s: not a regular file", path);
        return -1;
    }
    if (st.st_mode & bad) {
        if (cause)
            *cause = x_asprintf(
                "%s: refusing a file %s by group or others (mode %04o): "
                "fix it with: chmod 600 %s",
                path, read_private ? "readable or writable" : "writable",
                (unsigned)(st.st_mode & 07777), path);
        return -1;
    }
    return 0;
}

/* Reads a small file after context_file_check(); owned by the caller. */
static char *context_read_file(const char *path, int read_private, char **cause)
{
    struct buf b = BUF_INIT;
    char chunk[4096];
    ssize_t got;
    int fd;

    if (context_file_check(path, read_private, cause) != 0)
        return NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (cause)
            *cause = x_asprintf("%s: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        got = read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        buf_append(&b, chunk, (size_t)got);
        if (b.len > CONTEXT_MAX_SECRET_FILE)
            break;
    }
    x_wipe(chunk, sizeof chunk);
    close(fd);
    if (got < 0 || b.len > CONTEXT_MAX_SECRET_FILE) {
        if (cause)
            *cause = x_asprintf("%s: %s", path,
                                got < 0 ? strerror(errno)
                                        : "too large for a token file");
        if (b.data)
            x_wipe(b.data, b.len);
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

int context_flyctl_parse(const char *text, char **token)
{
    const char *line = text;

    while (*line) {
        size_t len = strcspn(line, "\n");

        if (strncmp(line, "access_token:", 13) == 0) {
            char *v = x_strndup(line + 13, len - 13);
            size_t vlen;

            context_trim(v);
            vlen = strlen(v);
            if (vlen >= 2 && (v[0] == '"' || v[0] == '\'') &&
                v[vlen - 1] == v[0]) {
                memmove(v, v + 1, vlen - 2);
                v[vlen - 2] = '\0';
            } else {
                /* A plain scalar ends at " #" (a comment). */
                char *hash = strstr(v, " #");

                if (hash)
                    *hash = '\0';
                context_trim(v);
            }
            if (*v) {
                *token = v;
                return 0;
            }
            free(v);
        }
        line += len;
        if (*line == '\n')
            line++;
    }
    return -1;
}

/* The flyctl token; 0 with *token set (owned), or -1 with *why set
 * (owned: "not found", "no access_token", a refusal). */
static int context_flyctl_token(const char *path, char **token, char **why)
{
    char *text = context_read_file(path, 0, why);
    int rc;

    if (!text)
        return -1;
    rc = context_flyctl_parse(text, token);
    x_wipe(text, strlen(text));
    free(text);
    if (rc != 0)
        *why = x_asprintf("%s: no access_token", path);
    return rc;
}

int context_token_where(const struct context *c, char **where)
{
    char *path = NULL, *tok = NULL, *why = NULL;
    const char *var;
    int rc = -1;

    switch (c->token) {
    case SETTINGS_TOKEN_ENV:
        rc = context_env(c->token_arg) ? 0 : -1;
        *where = x_asprintf("environment variable %s%s", c->token_arg,
                            rc ? " (not set)" : "");
        return rc;
    case SETTINGS_TOKEN_FILE:
    case SETTINGS_TOKEN_PLATFORM:
        rc = access(c->token_arg, F_OK) == 0 ? 0 : -1;
        *where =
            x_asprintf("file %s%s", c->token_arg, rc ? " (not found)" : "");
        return rc;
    case SETTINGS_TOKEN_FLY:
        /* flyctl's order: FLY_ACCESS_TOKEN first. */
        var = context_env("FLY_ACCESS_TOKEN") ? "FLY_ACCESS_TOKEN"
              : context_env("FLY_API_TOKEN")  ? "FLY_API_TOKEN"
                                              : NULL;
        if (var) {
            *where = x_asprintf("environment variable %s", var);
            return 0;
        }
        __attribute__((fallthrough)); /* to the flyctl config */
    case SETTINGS_TOKEN_FLYCTL:
    case SETTINGS_TOKEN_UNSET:
    default:
        path = paths_flyctl_config();
        rc = context_flyctl_token(path, &tok, &why);
        if (rc == 0)
            *where = x_asprintf("flyctl config %s (access_token)", path);
        else if (c->token == SETTINGS_TOKEN_FLY)
            *where = x_asprintf("not found (FLY_ACCESS_TOKEN and "
                                "FLY_API_TOKEN are not set; %s)",
                                why);
        else
            *where = x_asprintf("flyctl config: %s", why);
        if (tok) {
            x_wipe(tok, strlen(tok));
            free(tok);
        }
        free(why);
        free(path);
        return rc;
    }
}

/* TOKEN without its "Bearer " / "FlyV1 " schemes (any case, repeated). */
static const char *context_strip_scheme(const char *token)
{
    for (;;) {
        while (*token == ' ' || *token == '\t')
            token++;
        if (strncasecmp(token, "Bearer ", 7) == 0)
            token += 7;
        else if (strncasecmp(token, "FlyV1 ", 6) == 0)
            token += 6;
        else
            return token;
    }
}

/* 1 when PART (up to LEN) is a macaroon: fm1r_, fm1a_ or fm2_. */
static int context_is_macaroon(const char *part, size_t len)
{
    return (len > 5 && (strncmp(part, "fm1r_", 5) == 0 ||
                        strncmp(part, "fm1a_", 5) == 0)) ||
           (len > 4 && strncmp(part, "fm2_", 4) == 0);
}

char *context_token_normalize(const char *token, int all,
                              enum context_auth *scheme)
{
    const char *s = context_strip_scheme(token), *p;
    struct buf mac = BUF_INIT, oauth = BUF_INIT, *b;
    char *out;
    int pass;

    for (pass = 0; pass < 2; pass++) {
        for (p = s; *p;) {
            size_t len = strcspn(p, ","), lead = 0, trail = len;

            while (lead < len && (p[lead] == ' ' || p[lead] == '\t'))
                lead++;
            while (trail > lead &&
                   (p[trail - 1] == ' ' || p[trail - 1] == '\t' ||
                    p[trail - 1] == '\r' || p[trail - 1] == '\n'))
                trail--;
            if (trail > lead &&
                context_is_macaroon(p + lead, trail - lead) == (pass == 0)) {
                b = pass == 0 ? &mac : &oauth;
                if (b->len)
                    buf_puts(b, ",");
                buf_append(b, p + lead, trail - lead);
            }
            p += len;
            if (*p == ',')
                p++;
        }
    }
    *scheme = mac.len ? CONTEXT_AUTH_FLYV1 : CONTEXT_AUTH_BEARER;
    if (all && mac.len && oauth.len) {
        buf_puts(&mac, ",");
        buf_append(&mac, oauth.data, oauth.len);
    }
    out = x_strdup(mac.len ? buf_str(&mac) : oauth.len ? buf_str(&oauth) : "");
    if (mac.data)
        x_wipe(mac.data, mac.len);
    if (oauth.data)
        x_wipe(oauth.data, oauth.len);
    buf_free(&mac);
    buf_free(&oauth);
    return out;
}

enum context_auth context_token_scheme(const char *token)
{
    enum context_auth scheme;
    char *v = context_token_normalize(token, 0, &scheme);

    x_wipe(v, strlen(v));
    free(v);
    return scheme;
}

const char *context_auth_name(enum context_auth auth)
{
    return auth == CONTEXT_AUTH_FLYV1 ? "FlyV1" : "Bearer";
}

int context_token_load(const struct context *c, struct context_token *tok,
                       char **cause)
{
    char *value = NULL, *why = NULL, *path = NULL, *text;
    const char *env = NULL;

    memset(tok, 0, sizeof *tok);
    switch (c->token) {
    case SETTINGS_TOKEN_ENV:
        env = context_env(c->token_arg);
        if (!env)
            why = x_asprintf("the environment variable %s is not set",
                             c->token_arg);
        break;
    case SETTINGS_TOKEN_FILE:
    case SETTINGS_TOKEN_PLATFORM:
        text = context_read_file(c->token_arg, 1, &why);
        if (text) {
            value = context_first_line(text);
            x_wipe(text, strlen(text));
            free(text);
        }
        break;
    case SETTINGS_TOKEN_FLY:
        env = context_env("FLY_ACCESS_TOKEN");
        if (!env)
            env = context_env("FLY_API_TOKEN");
        if (env)
            break;
        __attribute__((fallthrough)); /* to the flyctl config */
    case SETTINGS_TOKEN_FLYCTL:
    case SETTINGS_TOKEN_UNSET:
    default:
        path = paths_flyctl_config();
        (void)context_flyctl_token(path, &value, &why);
        free(path);
        break;
    }
    if (env)
        value = context_trim(x_strdup(env));
    if (value && !*value) {
        free(value);
        value = NULL;
        free(why);
        why = x_strdup("the token is empty");
    }
    if (!value) {
        if (cause)
            *cause = x_asprintf("context \"%s\": no API token: %s", c->name,
                                why ? why : "not found");
        free(why);
        return -1;
    }
    free(why);
    /* As fly-go: the Machines API gets the macaroons alone when there are
     * any (FlyV1), else the OAuth tokens (Bearer); GraphQL gets both. */
    tok->value = context_token_normalize(value, 0, &tok->scheme);
    tok->all = context_token_normalize(value, 1, &tok->all_scheme);
    x_wipe(value, strlen(value));
    free(value);
    if (!*tok->value) {
        context_token_clear(tok);
        if (cause)
            *cause = x_asprintf("context \"%s\": no API token: the token "
                                "is empty",
                                c->name);
        return -1;
    }
    (void)context_token_where(c, &tok->where);
    return 0;
}

void context_token_clear(struct context_token *tok)
{
    if (tok->value) {
        x_wipe(tok->value, strlen(tok->value));
        free(tok->value);
    }
    if (tok->all) {
        x_wipe(tok->all, strlen(tok->all));
        free(tok->all);
    }
    free(tok->where);
    memset(tok, 0, sizeof *tok);
}

char *context_auth_header(const struct context_token *tok)
{
    return x_asprintf("Authorization: %s %s", context_auth_name(tok->scheme),
                      tok->value ? tok->value : "");
}

char *context_pg_where(const struct context *c)
{
    char *why = NULL, *out;

    switch (c->pgcred) {
    case SETTINGS_PGCRED_PASSFILE:
        if (context_file_check(c->pgcred_arg, 1, &why) == 0)
            return x_asprintf("passfile %s", c->pgcred_arg);
        out = x_asprintf("passfile %s (%s)", c->pgcred_arg,
                         strncmp(why, c->pgcred_arg, strlen(c->pgcred_arg)) == 0
                             ? why + strlen(c->pgcred_arg) + 2
                             : why);
        free(why);
        return out;
    case SETTINGS_PGCRED_ENV:
        return x_asprintf("environment variable %s%s", c->pgcred_arg,
                          context_env(c->pgcred_arg) ? "" : " (not set)");
    case SETTINGS_PGCRED_UNSET:
    default:
        return x_strdup("libpq defaults (PGPASSFILE, ~/.pgpass)");
    }
}

char *context_graphql_url(const struct context *c)
{
    const char *env = context_env("FLY_API_BASE_URL");
    char *url = NULL, *why = NULL;

    if (env && settings_url_check(env, &url, &why) == 0)
        return url;
    free(why);
    if (c->api_url && strcmp(c->api_url, CONTEXT_FLY_URL) == 0)
        return x_strdup(CONTEXT_FLY_GRAPHQL_URL);
    return x_strdup(c->api_url ? c->api_url : CONTEXT_LOCAL_URL);
}

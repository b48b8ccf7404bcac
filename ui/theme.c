#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/settings.h"
#include "src/xmalloc.h"

#include "ui/theme.h"

#ifndef UI_THEME_SRCDIR
#define UI_THEME_SRCDIR ""
#endif
#define THEME_FILE_MAX (64 * 1024)

static const char *const theme_color_names[] = {
    "black",        "red",
    "green",        "yellow",
    "blue",         "magenta",
    "cyan",         "white",
    "bright_black", "bright_red",
    "bright_green", "bright_yellow",
    "bright_blue",  "bright_magenta",
    "bright_cyan",  "bright_white"};
#define THEME_NCOLORS 16

static const struct {
    const char *name;
    int bit;
} theme_attr_names[] = {{"normal", 0},
                        {"bold", THEME_BOLD},
                        {"dim", THEME_DIM},
                        {"underline", THEME_UNDERLINE},
                        {"reverse", THEME_REVERSE},
                        {"standout", THEME_STANDOUT}};
#define THEME_NATTRS (sizeof theme_attr_names / sizeof theme_attr_names[0])

#define UI_ROLE_NAME(id, name, fg, bg, at, mono) name,
static const char *const theme_role_names[] = {UI_ROLES(UI_ROLE_NAME)};
#undef UI_ROLE_NAME

static int theme_color_parse(const char *s, short *out);
static void theme_err(struct buf *errs, const char *file,
                      const config_setting_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void theme_parse_role(struct buf *errs, const char *file,
                             config_setting_t *r, struct theme_style *st);
static char *theme_read_file(const char *path, char **cause);

const char *theme_role_name(enum theme_role role)
{
    return (unsigned)role < THEME_ROLE__COUNT ? theme_role_names[role] : "?";
}

int theme_role_find(const char *name)
{
    int i;

    for (i = 0; i < THEME_ROLE__COUNT; i++)
        if (strcmp(theme_role_names[i], name) == 0)
            return i;
    return -1;
}

void theme_builtin(struct theme *t, int mono)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", mono ? "mono" : "default");
    t->mono = mono;
    t->use_default_colors = 1;
#define UI_ROLE_INIT(id, name, f, b, at, mo)                                   \
    t->roles[THEME_ROLE_##id].fg = mono ? -1 : (f);                            \
    t->roles[THEME_ROLE_##id].bg = mono ? -1 : (b);                            \
    t->roles[THEME_ROLE_##id].attrs = mono ? (mo) : (at);
    UI_ROLES(UI_ROLE_INIT)
#undef UI_ROLE_INIT
}

/* "default" -> -1, a color name -> 0..15.  Returns 0 or -1. */
static int theme_color_parse(const char *s, short *out)
{
    int i;

    if (strcmp(s, "default") == 0) {
        *out = -1;
        return 0;
    }
    for (i = 0; i < THEME_NCOLORS; i++)
        if (strcmp(s, theme_color_names[i]) == 0) {
            *out = (short)i;
            return 0;
        }
    return -1;
}

static void theme_err(struct buf *errs, const char *file,
                      const config_setting_t *at, const char *fmt, ...)
{
    va_list ap;

    buf_printf(errs, "%s:%d: ", file,
               at ? (int)config_setting_source_line(at) : 0);
    va_start(ap, fmt);
    buf_vprintf(errs, fmt, ap);
    va_end(ap);
    buf_putc(errs, '\n');
}

/* Reads one role group R into *ST, errors to ERRS. */
static void theme_parse_role(struct buf *errs, const char *file,
                             config_setting_t *r, struct theme_style *st)
{
    const char *rn = config_setting_name(r);
    int i, n = config_setting_length(r);

    if (!config_setting_is_group(r)) {
        theme_err(errs, file, r,
                  "roles.%s: expected a group { fg = ...; bg = ...; attrs = "
                  "[...]; }",
                  rn);
        return;
    }
    for (i = 0; i < n; i++) {
        config_setting_t *f = config_setting_get_elem(r, (unsigned)i);
        const char *fn = config_setting_name(f);

        if (strcmp(fn, "fg") == 0 || strcmp(fn, "bg") == 0) {
            const char *v = config_setting_get_string(f);
            short c;

            if (!v) {
                theme_err(errs, file, f,
                          "roles.%s.%s: expected a color name "
                          "in quotes",
                          rn, fn);
                continue;
            }
            if (theme_color_parse(v, &c) != 0) {
                const char *hint =
                    settings_suggest(v, theme_color_names, THEME_NCOLORS);

                theme_err(errs, file, f,
                          "roles.%s.%s: unknown color \"%s\"%s%s%s (colors: "
                          "default, black, red, green, yellow, blue, "
                          "magenta, cyan, white, bright_<color>)",
                          rn, fn, v, hint ? " (did you mean \"" : "",
                          hint ? hint : "", hint ? "\"?)" : "");
                continue;
            }
            if (fn[0] == 'f')
                st->fg = c;
            else
                st->bg = c;
        } else if (strcmp(fn, "attrs") == 0) {
            int j, m = config_setting_length(f), bits = 0, bad = 0;

            if (!config_setting_is_array(f) && !config_setting_is_list(f)) {
                theme_err(errs, file, f,
                          "roles.%s.attrs: expected a list such as "
                          "[\"bold\", \"reverse\"]",
                          rn);
                continue;
            }
            for (j = 0; j < m; j++) {
                const char *a = config_setting_get_string_elem(f, j);
                size_t k;

                for (k = 0; a && k < THEME_NATTRS; k++)
                    if (strcmp(a, theme_attr_names[k].name) == 0)
                        break;
                if (!a || k == THEME_NATTRS) {
                    theme_err(errs, file, f,
                              "roles.%s.attrs: unknown attribute \"%s\" "
                              "(bold, dim, underline, reverse, standout, "
                              "normal)",
                              rn, a ? a : "(not a string)");
                    bad = 1;
                    continue;
                }
                bits |= theme_attr_names[k].bit;
            }
            if (!bad)
                st->attrs = bits;
        } else {
            theme_err(errs, file, f,
                      "roles.%s.%s: unknown field (fields: fg, bg, attrs)", rn,
                      fn);
        }
    }
}

int theme_parse(const char *file, const char *name, const char *text,
                struct theme *t, char **cause)
{
    static const char *const top[] = {"base", "use_default_colors", "roles"};
    config_t cfg;
    config_setting_t *root, *s;
    struct buf errs = BUF_INIT;
    struct theme nt;
    int i, n;

    config_init(&cfg);
    if (config_read_string(&cfg, text) != CONFIG_TRUE) {
        buf_printf(
            &errs, "%s:%d: syntax error: %s\n", file, config_error_line(&cfg),
            config_error_text(&cfg) ? config_error_text(&cfg) : "unreadable");
        goto fail;
    }
    root = config_root_setting(&cfg);
    theme_builtin(&nt, 0);
    s = config_setting_get_member(root, "base");
    if (s) {
        const char *b = config_setting_get_string(s);

        if (b && strcmp(b, "mono") == 0)
            theme_builtin(&nt, 1);
        else if (!b || strcmp(b, "default") != 0)
            theme_err(&errs, file, s, "base: expected \"default\" or \"mono\"");
    }
    n = config_setting_length(root);
    for (i = 0; i < n; i++) {
        config_setting_t *m = config_setting_get_elem(root, (unsigned)i);
        const char *mn = config_setting_name(m);
        const char *hint = settings_suggest(mn, top, 3);

        if (theme_role_find(mn) < 0 && strcmp(mn, "base") != 0 &&
            strcmp(mn, "use_default_colors") != 0 && strcmp(mn, "roles") != 0)
            theme_err(&errs, file, m, "%s: unknown setting%s%s%s", mn,
                      hint ? " (did you mean \"" : "", hint ? hint : "",
                      hint ? "\"?)" : "");
        else if (theme_role_find(mn) >= 0)
            theme_err(&errs, file, m,
                      "%s: roles belong in the roles group: roles = { %s = "
                      "{ ... }; };",
                      mn, mn);
    }
    s = config_setting_get_member(root, "use_default_colors");
    if (s) {
        if (config_setting_type(s) != CONFIG_TYPE_BOOL)
            theme_err(&errs, file, s,
                      "use_default_colors: expected true or false");
        else
            nt.use_default_colors = config_setting_get_bool(s);
    }
    s = config_setting_get_member(root, "roles");
    if (s && !config_setting_is_group(s))
        theme_err(&errs, file, s, "roles: expected a group { ... }");
    else if (s) {
        n = config_setting_length(s);
        for (i = 0; i < n; i++) {
            config_setting_t *r = config_setting_get_elem(s, (unsigned)i);
            const char *rn = config_setting_name(r);
            int role = theme_role_find(rn);

            if (role < 0) {
                const char *hint =
                    settings_suggest(rn, theme_role_names, THEME_ROLE__COUNT);

                theme_err(&errs, file, r, "roles.%s: unknown role%s%s%s", rn,
                          hint ? " (did you mean \"" : "", hint ? hint : "",
                          hint ? "\"?)" : "");
                continue;
            }
            theme_parse_role(&errs, file, r, &nt.roles[role]);
        }
    }
    if (errs.len > 0)
        goto fail;
    config_destroy(&cfg);
    snprintf(nt.name, sizeof nt.name, "%s", name);
    *t = nt;
    return 0;
fail:
    config_destroy(&cfg);
    if (errs.len > 0 && errs.data[errs.len - 1] == '\n')
        errs.data[--errs.len] = '\0';
    if (cause)
        *cause = buf_steal(&errs);
    buf_free(&errs);
    return -1;
}

char *theme_search_path(void)
{
    const char *env = getenv("PGDECK_THEME_DIR");
    struct buf b = BUF_INIT;

    if (env && *env)
        buf_printf(&b, "%s:", env);
    buf_puts(&b, PKGDATADIR "/themes");
    if (*UI_THEME_SRCDIR)
        buf_puts(&b, ":" UI_THEME_SRCDIR);
    return buf_steal(&b);
}

/* The contents of PATH (at most THEME_FILE_MAX bytes), or NULL with *cause
 * set; errno ENOENT tells "not there". */
static char *theme_read_file(const char *path, char **cause)
{
    FILE *f = fopen(path, "r");
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t n;

    if (!f) {
        int e = errno;

        if (cause)
            *cause = x_asprintf("%s: %s", path, strerror(e));
        errno = e;
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        buf_append(&b, chunk, n);
        if (b.len > THEME_FILE_MAX) {
            fclose(f);
            buf_free(&b);
            if (cause)
                *cause = x_asprintf("%s: larger than %d bytes", path,
                                    THEME_FILE_MAX);
            errno = EFBIG;
            return NULL;
        }
    }
    fclose(f);
    return buf_steal(&b);
}

int theme_load(const char *name, struct theme *t, char **cause)
{
    char *path = theme_search_path(), *dir, *save = path, *text;
    int rc = -1;

    if (!settings_name_valid(name)) {
        if (cause)
            *cause = x_asprintf("bad theme name \"%s\" (a name such as "
                                "default, light, mono, colorblind)",
                                name);
        free(path);
        return -1;
    }
    for (dir = path; dir && *dir;) {
        char *next = strchr(dir, ':'), *file;

        if (next)
            *next++ = '\0';
        file = x_asprintf("%s/%s.cfg", dir, name);
        text = theme_read_file(file, NULL);
        if (text) {
            rc = theme_parse(file, name, text, t, cause);
            free(text);
            free(file);
            free(save);
            return rc;
        }
        free(file);
        dir = next;
    }
    if (strcmp(name, "default") == 0 || strcmp(name, "mono") == 0) {
        theme_builtin(t, name[0] == 'm');
        free(save);
        return 0;
    }
    path = theme_search_path();
    if (cause)
        *cause = x_asprintf("theme \"%s\" not found (looked for %s.cfg in "
                            "%s)",
                            name, name, path);
    free(path);
    free(save);
    return rc;
}

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/theme.h"

#include "tests/unit/unit.h"

START_TEST(test_theme_builtin_roles)
{
    struct theme t;
    int i;

    theme_builtin(&t, 0);
    ck_assert_str_eq(t.name, "default");
    ck_assert_int_eq(t.mono, 0);
    ck_assert_int_eq(t.roles[THEME_ROLE_CRIT].fg, 1);
    theme_builtin(&t, 1);
    ck_assert_str_eq(t.name, "mono");
    /* mono: no colors anywhere, selection and crit still distinct */
    for (i = 0; i < THEME_ROLE__COUNT; i++) {
        ck_assert_int_eq(t.roles[i].fg, -1);
        ck_assert_int_eq(t.roles[i].bg, -1);
    }
    ck_assert_int_ne(t.roles[THEME_ROLE_SELECTED].attrs, 0);
    ck_assert_int_ne(t.roles[THEME_ROLE_CRIT].attrs, 0);
    ck_assert_int_eq(theme_role_find("gauge_warn"), THEME_ROLE_GAUGE_WARN);
    ck_assert_int_eq(theme_role_find("nope"), -1);
    ck_assert_str_eq(theme_role_name(THEME_ROLE_SELECTED), "selected");
}
END_TEST

START_TEST(test_theme_parse_good)
{
    struct theme t;
    char *cause = NULL;
    int rc;

    rc = theme_parse("x.cfg", "x",
                     "base = \"mono\";\nuse_default_colors = false;\n"
                     "roles = { warn = { fg = \"bright_yellow\"; bg = "
                     "\"default\"; attrs = [\"bold\", \"underline\"]; };\n"
                     "ok = { fg = \"blue\"; }; };\n",
                     &t, &cause);
    ck_assert_msg(rc == 0, "%s", cause ? cause : "");
    ck_assert_str_eq(t.name, "x");
    ck_assert_int_eq(t.mono, 1);
    ck_assert_int_eq(t.use_default_colors, 0);
    ck_assert_int_eq(t.roles[THEME_ROLE_WARN].fg, 11);
    ck_assert_int_eq(t.roles[THEME_ROLE_WARN].bg, -1);
    ck_assert_int_eq(t.roles[THEME_ROLE_WARN].attrs,
                     THEME_BOLD | THEME_UNDERLINE);
    ck_assert_int_eq(t.roles[THEME_ROLE_OK].fg, 4);
    /* a role not mentioned keeps the base's style */
    ck_assert_int_eq(t.roles[THEME_ROLE_SELECTED].attrs, THEME_REVERSE);
}
END_TEST

struct bad_case {
    const char *text;
    const char *want; /* a substring of the error */
};

static const struct bad_case bad_cases[] = {
    {"roles = { wran = { fg = \"red\"; }; };\n",
     "t.cfg:1: roles.wran: unknown role (did you mean \"warn\"?)"},
    {"roles = {\n  ok = { fg = \"gren\"; };\n};\n",
     "t.cfg:2: roles.ok.fg: unknown color \"gren\" (did you mean "
     "\"green\"?)"},
    {"roles = { ok = { fg = 3; }; };\n",
     "t.cfg:1: roles.ok.fg: expected a color name"},
    {"roles = { ok = { attrs = [\"blink\"]; }; };\n",
     "roles.ok.attrs: unknown attribute \"blink\""},
    {"roles = { ok = { color = \"red\"; }; };\n",
     "roles.ok.color: unknown field (fields: fg, bg, attrs)"},
    {"roles = { ok = \"red\"; };\n", "roles.ok: expected a group"},
    {"\n\nrole = { };\n", "t.cfg:3: role: unknown setting (did you mean "
                          "\"roles\"?)"},
    {"warn = { fg = \"red\"; };\n", "warn: roles belong in the roles group"},
    {"base = \"fancy\";\n", "t.cfg:1: base: expected \"default\" or \"mono\""},
    {"use_default_colors = 1;\n", "use_default_colors: expected true or false"},
    {"roles = { ok = { fg = \"red\" }\n", "t.cfg:2: syntax error"},
    {"roles = 4;\n", "roles: expected a group"},
};

START_TEST(test_theme_parse_bad)
{
    const struct bad_case *c = &bad_cases[_i];
    struct theme t;
    char *cause = NULL;

    theme_builtin(&t, 0);
    t.roles[THEME_ROLE_OK].fg = 5;
    ck_assert_int_eq(theme_parse("t.cfg", "t", c->text, &t, &cause), -1);
    ck_assert_ptr_nonnull(cause);
    ck_assert_msg(strstr(cause, c->want), "got: %s\nwant: %s", cause, c->want);
    /* a failed parse leaves the theme untouched */
    ck_assert_int_eq(t.roles[THEME_ROLE_OK].fg, 5);
    ck_assert_str_eq(t.name, "default");
    free(cause);
}
END_TEST

START_TEST(test_theme_parse_several_errors)
{
    struct theme t;
    char *cause = NULL;

    ck_assert_int_eq(theme_parse("t.cfg", "t",
                                 "roles = {\n ok = { fg = \"x\"; };\n"
                                 " nope = { };\n};\n",
                                 &t, &cause),
                     -1);
    ck_assert_ptr_nonnull(strstr(cause, "t.cfg:2: roles.ok.fg"));
    ck_assert_ptr_nonnull(strstr(cause, "\nt.cfg:3: roles.nope"));
    free(cause);
}
END_TEST

/* Every shipped theme parses (from the source tree). */
START_TEST(test_theme_shipped_files)
{
    static const char *const names[] = {"default", "light", "mono",
                                        "colorblind"};
    struct theme t;
    char *cause = NULL;
    size_t i;

    setenv("PGDECK_THEME_DIR", "/nonexistent", 1);
    /* a name not found anywhere names the directories searched */
    ck_assert_int_eq(theme_load("nosuchtheme", &t, &cause), -1);
    ck_assert_ptr_nonnull(strstr(cause, "theme \"nosuchtheme\" not found"));
    ck_assert_ptr_nonnull(strstr(cause, "/nonexistent"));
    free(cause);
    cause = NULL;
    ck_assert_int_eq(theme_load("../etc/passwd", &t, &cause), -1);
    free(cause);
    cause = NULL;
    {
        char *d = NULL;
        size_t n = strlen(unit_srcdir()) + sizeof "/themes";

        d = malloc(n);
        snprintf(d, n, "%s/themes", unit_srcdir());
        setenv("PGDECK_THEME_DIR", d, 1);
        free(d);
    }
    for (i = 0; i < 4; i++) {
        ck_assert_msg(theme_load(names[i], &t, &cause) == 0, "%s: %s", names[i],
                      cause ? cause : "");
        ck_assert_str_eq(t.name, names[i]);
    }
    ck_assert_int_eq(t.roles[THEME_ROLE_OK].fg, 4); /* colorblind: blue */
    ck_assert_int_eq(theme_load("mono", &t, &cause), 0);
    ck_assert_int_eq(t.mono, 1);
}
END_TEST

START_TEST(test_theme_builtin_fallback)
{
    struct theme t;
    char *cause = NULL;

    setenv("PGDECK_THEME_DIR", "/nonexistent", 1);
    /* default and mono work with no file at all (the build's source tree
     * may still be searched, which holds the same themes) */
    ck_assert_int_eq(theme_load("default", &t, &cause), 0);
    ck_assert_int_eq(t.mono, 0);
    ck_assert_int_eq(theme_load("mono", &t, &cause), 0);
    ck_assert_int_eq(t.mono, 1);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
    Suite *s = suite_create("ui_theme");
    TCase *tc = tcase_create("theme");

    tcase_add_test(tc, test_theme_builtin_roles);
    tcase_add_test(tc, test_theme_parse_good);
    tcase_add_loop_test(tc, test_theme_parse_bad, 0, N(bad_cases));
    tcase_add_test(tc, test_theme_parse_several_errors);
    tcase_add_test(tc, test_theme_shipped_files);
    tcase_add_test(tc, test_theme_builtin_fallback);
    suite_add_tcase(s, tc);
    return unit_run(s);
}

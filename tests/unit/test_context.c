#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/context.h"
#include "src/paths.h"
#include "src/settings.h"
#include "src/xmalloc.h"

#include "tests/unit/tmpdir.h"
#include "tests/unit/unit.h"

#define SENTINEL "sentinel-secret-4f1c9b"

/* A clean environment in a temp HOME; every test starts here. */
static char *home;

static void context_env_setup(void)
{
    home = unit_tmpdir();
    setenv("HOME", home, 1);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("XDG_STATE_HOME");
    unsetenv("FLY_API_TOKEN");
    unsetenv("FLY_ACCESS_TOKEN");
    unsetenv("FLY_CONFIG_DIR");
    unsetenv("FLY_FLAPS_BASE_URL");
    unsetenv("PGDECK_CONFIG");
    setenv("PGDECK_PLATFORM_DIR", home, 1);
}

static void context_env_teardown(void)
{
    unit_rm_rf(home);
    free(home);
    home = NULL;
}

static struct context_set *build(const char *config, const char *option)
{
    struct settings *s = settings_new();
    struct context_set *set = NULL;
    char *cause = NULL;

    ck_assert_msg(settings_load_string(s, "t", config, &cause) == 0, "%s",
                  cause ? cause : "");
    ck_assert_msg(context_set_build(s, option, &set, &cause) == 0, "%s",
                  cause ? cause : "");
    settings_free(s);
    return set;
}

struct scheme_case {
    const char *token;
    enum context_auth want;
};

static const struct scheme_case scheme_cases[] = {
    {"fm2_lJPECAAAAAAAAAAA", CONTEXT_AUTH_FLYV1},
    {"fm1r_abc", CONTEXT_AUTH_FLYV1},
    {"fm1a_abc", CONTEXT_AUTH_FLYV1},
    {"Wgl1LJUQSxyzPersonalToken,fm2_x", CONTEXT_AUTH_FLYV1},
    {"bearer FlyV1 fm2_abc", CONTEXT_AUTH_FLYV1},
    {"Bearer Wgl1LJUQ", CONTEXT_AUTH_BEARER},
    {"fm2_a,fm2_b", CONTEXT_AUTH_FLYV1},
    {"FlyV1 fm2_abc", CONTEXT_AUTH_FLYV1},
    {"Wgl1LJUQSxyzPersonalToken", CONTEXT_AUTH_BEARER},
    {"fm3_abc", CONTEXT_AUTH_BEARER},
    {"xfm2_abc", CONTEXT_AUTH_BEARER},
    {"", CONTEXT_AUTH_BEARER},
};

START_TEST(test_context_scheme)
{
    ck_assert_int_eq(context_token_scheme(scheme_cases[_i].token),
                     scheme_cases[_i].want);
}
END_TEST

struct flyctl_case {
    const char *text;
    const char *want; /* NULL: no token */
};

static const struct flyctl_case flyctl_cases[] = {
    {"access_token: abc123\n", "abc123"},
    {"access_token: abc123", "abc123"},
    {"access_token:   fm2_x,fm2_y  \r\n", "fm2_x,fm2_y"},
    {"access_token: 'quoted one'\n", "quoted one"},
    {"access_token: \"dq\"\n", "dq"},
    {"access_token: plain # a comment\n", "plain"},
    {"last_login: 2024\naccess_token: second\nwire_guard_state: {}\n",
     "second"},
    {"agent:\n  access_token: nested\n", NULL},
    {"access_token:\n", NULL},
    {"access_token: ''\n", NULL},
    {"# access_token: commented\n", NULL},
    {"", NULL},
    {"metrics_token: m\n", NULL},
};

START_TEST(test_context_flyctl_parse)
{
    const struct flyctl_case *c = &flyctl_cases[_i];
    char *tok = NULL;
    int rc = context_flyctl_parse(c->text, &tok);

    if (c->want) {
        ck_assert_int_eq(rc, 0);
        ck_assert_str_eq(tok, c->want);
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert_ptr_null(tok);
    }
    free(tok);
}
END_TEST

START_TEST(test_context_default_is_local_without_fly_token)
{
    struct context_set *set = build("", NULL);
    const struct context *c = context_current(set);

    ck_assert_str_eq(c->name, "local");
    ck_assert_int_eq(set->chosen, CONTEXT_CHOSEN_AUTO);
    ck_assert_str_eq(c->api_url, CONTEXT_LOCAL_URL);
    ck_assert_ptr_nonnull(c->note);
    ck_assert_uint_eq(set->n, 2);
    ck_assert_str_eq(set->v[1].name, "fly");
    ck_assert_str_eq(set->v[1].api_url, "https://api.machines.dev");
    ck_assert_str_eq(set->v[1].org, "personal");
    context_set_free(set);
}
END_TEST

/* Each Fly token source makes fly the default, in flyctl's order. */
START_TEST(test_context_fly_token_chain)
{
    char *flydir = x_asprintf("%s/fly", home);
    char *cfg;
    struct context_set *set;
    struct context_token tok;
    char *cause = NULL, *where = NULL;

    ck_assert_int_eq(mkdir(flydir, 0700), 0);
    cfg = unit_write_file(flydir, "config.yml",
                          "access_token: fm2_fromflyctl\n", 0600);
    setenv("FLY_CONFIG_DIR", flydir, 1);

    set = build("", NULL);
    ck_assert_str_eq(context_current(set)->name, "fly");
    ck_assert_int_eq(context_token_load(context_current(set), &tok, &cause), 0);
    ck_assert_str_eq(tok.value, "fm2_fromflyctl");
    ck_assert_int_eq(tok.scheme, CONTEXT_AUTH_FLYV1);
    ck_assert_ptr_nonnull(strstr(tok.where, "flyctl config"));
    ck_assert_ptr_nonnull(strstr(tok.where, cfg));
    context_token_clear(&tok);
    ck_assert_ptr_null(tok.value);

    setenv("FLY_API_TOKEN", "FlyV1 fm2_api", 1);
    ck_assert_int_eq(context_token_load(context_current(set), &tok, &cause), 0);
    ck_assert_str_eq(tok.value, "fm2_api");
    ck_assert_int_eq(tok.scheme, CONTEXT_AUTH_FLYV1);
    ck_assert_int_eq(context_token_where(context_current(set), &where), 0);
    ck_assert_str_eq(where, "environment variable FLY_API_TOKEN");
    free(where);
    where = context_auth_header(&tok);
    ck_assert_str_eq(where, "Authorization: FlyV1 fm2_api");
    free(where);
    context_token_clear(&tok);

    /* flyctl's order: FLY_ACCESS_TOKEN wins over FLY_API_TOKEN. */
    setenv("FLY_ACCESS_TOKEN", "access-token", 1);
    ck_assert_int_eq(context_token_load(context_current(set), &tok, &cause), 0);
    ck_assert_str_eq(tok.value, "access-token");
    ck_assert_int_eq(tok.scheme, CONTEXT_AUTH_BEARER);
    ck_assert_str_eq(tok.where, "environment variable FLY_ACCESS_TOKEN");
    context_token_clear(&tok);

    /* A list as fly-go splits it: the Machines API gets the macaroons
     * alone, GraphQL the macaroons then the OAuth token. */
    setenv("FLY_ACCESS_TOKEN", "Bearer oauthtok, fm2_a ,fm1a_b", 1);
    ck_assert_int_eq(context_token_load(context_current(set), &tok, &cause), 0);
    ck_assert_str_eq(tok.value, "fm2_a,fm1a_b");
    ck_assert_int_eq(tok.scheme, CONTEXT_AUTH_FLYV1);
    ck_assert_str_eq(tok.all, "fm2_a,fm1a_b,oauthtok");
    ck_assert_int_eq(tok.all_scheme, CONTEXT_AUTH_FLYV1);
    context_token_clear(&tok);
    setenv("FLY_ACCESS_TOKEN", "oauth1,oauth2", 1);
    ck_assert_int_eq(context_token_load(context_current(set), &tok, &cause), 0);
    ck_assert_str_eq(tok.value, "oauth1,oauth2");
    ck_assert_int_eq(tok.scheme, CONTEXT_AUTH_BEARER);
    context_token_clear(&tok);
    setenv("FLY_ACCESS_TOKEN", " , ", 1);
    ck_assert_int_eq(context_token_load(context_current(set), &tok, &cause),
                     -1);
    ck_assert_ptr_nonnull(strstr(cause, "empty"));
    free(cause);
    cause = NULL;
    unsetenv("FLY_ACCESS_TOKEN");
    context_set_free(set);

    /* An empty variable counts as unset. */
    setenv("FLY_API_TOKEN", "", 1);
    unsetenv("FLY_ACCESS_TOKEN");
    unlink(cfg);
    set = build("", NULL);
    ck_assert_str_eq(context_current(set)->name, "local");
    ck_assert_int_eq(context_token_where(&set->v[1], &where), -1);
    ck_assert_ptr_nonnull(strstr(where, "not found"));
    free(where);
    ck_assert_int_eq(context_token_load(&set->v[1], &tok, &cause), -1);
    ck_assert_ptr_nonnull(strstr(cause, "context \"fly\": no API token"));
    free(cause);
    context_set_free(set);
    free(cfg);
    free(flydir);
}
END_TEST

START_TEST(test_context_flyctl_default_dir)
{
    char *flydir = x_asprintf("%s/.fly", home);
    char *cfg, *where = NULL;
    struct context_set *set;

    ck_assert_int_eq(mkdir(flydir, 0700), 0);
    cfg = unit_write_file(flydir, "config.yml", "access_token: t\n", 0600);
    set = build("", NULL);
    ck_assert_str_eq(context_current(set)->name, "fly");
    ck_assert_int_eq(context_token_where(&set->v[1], &where), 0);
    ck_assert_ptr_nonnull(strstr(where, cfg));
    free(where);
    context_set_free(set);
    /* A flyctl config others may write is refused; reading is fine. */
    ck_assert_int_eq(chmod(cfg, 0644), 0);
    set = build("", NULL);
    ck_assert_str_eq(context_current(set)->name, "fly");
    context_set_free(set);
    ck_assert_int_eq(chmod(cfg, 0666), 0);
    set = build("", NULL);
    ck_assert_str_eq(context_current(set)->name, "local");
    ck_assert_int_eq(context_token_where(&set->v[1], &where), -1);
    ck_assert_ptr_nonnull(strstr(where, "chmod 600"));
    free(where);
    context_set_free(set);
    free(cfg);
    free(flydir);
}
END_TEST

struct perm_case {
    mode_t mode;
    int ok;
};

static const struct perm_case token_perm_cases[] = {
    {0600, 1}, {0400, 1}, {0640, 0}, {0604, 0}, {0620, 0}, {0666, 0},
};

START_TEST(test_context_token_file_perms)
{
    char *path =
        unit_write_file(home, "tok", SENTINEL "\n", token_perm_cases[_i].mode);
    char *conf = x_asprintf("contexts = ( { name = \"prod\"; api_url = "
                            "\"https://a.example\"; token_file = \"%s\"; } );",
                            path);
    struct context_set *set = build(conf, "prod");
    struct context_token tok;
    char *cause = NULL, *want;
    int rc = context_token_load(context_current(set), &tok, &cause);

    if (token_perm_cases[_i].ok) {
        ck_assert_msg(rc == 0, "%s", cause ? cause : "");
        ck_assert_str_eq(tok.value, SENTINEL);
        ck_assert_int_eq(tok.scheme, CONTEXT_AUTH_BEARER);
        context_token_clear(&tok);
    } else {
        ck_assert_int_eq(rc, -1);
        want = x_asprintf("fix it with: chmod 600 %s", path);
        ck_assert_msg(strstr(cause, want), "got %s", cause);
        ck_assert_ptr_nonnull(strstr(cause, "readable or writable by group"));
        ck_assert_ptr_null(strstr(cause, SENTINEL));
        free(want);
        free(cause);
    }
    context_set_free(set);
    free(conf);
    free(path);
}
END_TEST

START_TEST(test_context_token_file_contents)
{
    char *empty = unit_write_file(home, "empty", "\n\n", 0600);
    char *pref =
        unit_write_file(home, "pref", "  FlyV1 fm1r_x \nsecond\n", 0600);
    char *conf = x_asprintf(
        "contexts = ( { name = \"a\"; api_url = \"https://a.example\"; "
        "token_file = \"%s\"; }, { name = \"b\"; api_url = "
        "\"https://b.example\"; token_file = \"%s\"; }, { name = \"c\"; "
        "api_url = \"https://c.example\"; token_file = \"%s/none\"; }, "
        "{ name = \"d\"; api_url = \"https://d.example\"; token_env = "
        "\"PGDECK_TEST_TOKEN\"; } );",
        empty, pref, home);
    struct context_set *set = build(conf, NULL);
    struct context_token tok;
    char *cause = NULL, *where = NULL;

    ck_assert_int_eq(context_token_load(context_find(set, "a"), &tok, &cause),
                     -1);
    ck_assert_ptr_nonnull(strstr(cause, "the token is empty"));
    free(cause);
    ck_assert_int_eq(context_token_load(context_find(set, "b"), &tok, &cause),
                     0);
    ck_assert_str_eq(tok.value, "fm1r_x");
    ck_assert_int_eq(tok.scheme, CONTEXT_AUTH_FLYV1);
    context_token_clear(&tok);
    ck_assert_int_eq(context_token_load(context_find(set, "c"), &tok, &cause),
                     -1);
    ck_assert_ptr_nonnull(strstr(cause, "not found"));
    free(cause);
    ck_assert_int_eq(context_token_where(context_find(set, "c"), &where), -1);
    ck_assert_ptr_nonnull(strstr(where, "(not found)"));
    free(where);

    ck_assert_int_eq(context_token_load(context_find(set, "d"), &tok, &cause),
                     -1);
    ck_assert_ptr_nonnull(
        strstr(cause, "the environment variable PGDECK_TEST_TOKEN is not set"));
    free(cause);
    setenv("PGDECK_TEST_TOKEN", SENTINEL, 1);
    ck_assert_int_eq(context_token_where(context_find(set, "d"), &where), 0);
    ck_assert_str_eq(where, "environment variable PGDECK_TEST_TOKEN");
    ck_assert_ptr_null(strstr(where, SENTINEL));
    free(where);
    ck_assert_int_eq(context_token_load(context_find(set, "d"), &tok, &cause),
                     0);
    ck_assert_str_eq(tok.value, SENTINEL);
    ck_assert_ptr_null(strstr(tok.where, SENTINEL));
    context_token_clear(&tok);
    unsetenv("PGDECK_TEST_TOKEN");
    context_set_free(set);
    free(conf);
    free(empty);
    free(pref);
}
END_TEST

START_TEST(test_context_local_platform_dir)
{
    char *url = unit_write_file(home, "url", "http://127.0.0.1:45123\n", 0644);
    char *token = unit_write_file(home, "token", "localtok\n", 0600);
    char *pgpass = unit_write_file(home, "pgpass", "*:*:*:*:pw\n", 0600);
    struct context_set *set = build("", NULL);
    const struct context *c = context_find(set, "local");
    struct context_token tok;
    char *cause = NULL, *where;

    ck_assert_str_eq(c->api_url, "http://127.0.0.1:45123");
    ck_assert_ptr_null(c->note);
    ck_assert_ptr_null(c->error);
    ck_assert_int_eq(c->token, SETTINGS_TOKEN_PLATFORM);
    ck_assert_str_eq(c->token_arg, token);
    ck_assert_int_eq(c->pgcred, SETTINGS_PGCRED_PASSFILE);
    ck_assert_str_eq(c->pgcred_arg, pgpass);
    ck_assert_int_eq(context_token_load(c, &tok, &cause), 0);
    ck_assert_str_eq(tok.value, "localtok");
    ck_assert_int_eq(tok.scheme, CONTEXT_AUTH_BEARER);
    context_token_clear(&tok);
    where = context_pg_where(c);
    ck_assert_str_eq(where + strlen(where) - strlen(pgpass), pgpass);
    free(where);
    /* libpq would ignore a pgpass readable by others: say so. */
    ck_assert_int_eq(chmod(pgpass, 0644), 0);
    where = context_pg_where(c);
    ck_assert_ptr_nonnull(strstr(where, "chmod 600"));
    free(where);
    context_set_free(set);

    /* A url file pointing off the host is refused. */
    free(unit_write_file(home, "url", "http://10.1.2.3:4280\n", 0644));
    set = build("", NULL);
    c = context_find(set, "local");
    ck_assert_ptr_nonnull(c->error);
    ck_assert_ptr_nonnull(strstr(c->error, "only allowed for a loopback"));
    context_set_free(set);
    free(url);
    free(token);
    free(pgpass);
}
END_TEST

START_TEST(test_context_fly_base_url)
{
    struct context_set *set;
    const struct context *c;

    setenv("FLY_FLAPS_BASE_URL", "http://127.0.0.1:9999/", 1);
    set = build("", NULL);
    c = context_find(set, "fly");
    ck_assert_str_eq(c->api_url, "http://127.0.0.1:9999");
    ck_assert_ptr_null(c->error);
    context_set_free(set);
    setenv("FLY_FLAPS_BASE_URL", "http://flaps.example.com", 1);
    set = build("", NULL);
    c = context_find(set, "fly");
    ck_assert_ptr_nonnull(c->error);
    ck_assert_ptr_nonnull(strstr(c->error, "FLY_FLAPS_BASE_URL: http://"));
    ck_assert_str_eq(c->api_url, CONTEXT_FLY_URL);
    context_set_free(set);
}
END_TEST

START_TEST(test_context_choice_and_overrides)
{
    static const char conf[] =
        "context = \"prod\";\n"
        "read_only = false;\n"
        "contexts = (\n"
        " { name = \"prod\"; api_url = \"https://api.machines.dev\"; org = "
        "\"acme\"; token_env = \"PROD_TOKEN\"; read_only = true; pg_user = "
        "\"flypgadmin\"; },\n"
        " { name = \"fly\"; org = \"other\"; pg_password_env = \"PGPW\"; }\n"
        ");\n";
    struct settings *s = settings_new();
    struct context_set *set = NULL;
    const struct context *c;
    char *cause = NULL;

    set = build(conf, NULL);
    ck_assert_uint_eq(set->n, 3);
    c = context_current(set);
    ck_assert_str_eq(c->name, "prod");
    ck_assert_int_eq(set->chosen, CONTEXT_CHOSEN_FILE);
    ck_assert_str_eq(c->org, "acme");
    ck_assert_int_eq(c->read_only, 1);
    ck_assert_str_eq(c->pg_user, "flypgadmin");
    ck_assert_int_eq(c->token, SETTINGS_TOKEN_ENV);
    c = context_find(set, "fly");
    ck_assert_str_eq(c->org, "other");
    ck_assert_int_eq(c->token, SETTINGS_TOKEN_FLY);
    ck_assert_int_eq(c->pgcred, SETTINGS_PGCRED_ENV);
    ck_assert_int_eq(c->read_only, 0);
    context_set_free(set);

    set = build(conf, "local");
    ck_assert_str_eq(context_current(set)->name, "local");
    ck_assert_int_eq(set->chosen, CONTEXT_CHOSEN_OPTION);
    context_set_free(set);

    /* The global read_only reaches every context. */
    set = build("read_only = true;", NULL);
    ck_assert_int_eq(set->v[0].read_only, 1);
    ck_assert_int_eq(set->v[1].read_only, 1);
    context_set_free(set);

    /* An unknown --context is refused with a suggestion and the list. */
    ck_assert_int_eq(settings_load_string(s, "t", conf, &cause), 0);
    ck_assert_int_eq(context_set_build(s, "prdo", &set, &cause), -1);
    ck_assert_str_eq(cause, "unknown context \"prdo\" (did you mean "
                            "\"prod\"?); known contexts: local, fly, prod");
    free(cause);
    settings_free(s);
}
END_TEST

START_TEST(test_context_paths)
{
    char *p;

    setenv("XDG_CONFIG_HOME", "/xdg/config", 1);
    p = paths_config_file();
    ck_assert_str_eq(p, "/xdg/config/pgdeck/config");
    free(p);
    setenv("XDG_CONFIG_HOME", "relative/ignored", 1);
    p = paths_config_file();
    ck_assert_ptr_nonnull(strstr(p, "/.config/pgdeck/config"));
    ck_assert_int_eq(strncmp(p, home, strlen(home)), 0);
    free(p);
    setenv("XDG_STATE_HOME", "/xdg/state", 1);
    p = paths_audit_log();
    ck_assert_str_eq(p, "/xdg/state/pgdeck/audit.log");
    free(p);
    setenv("PGDECK_PLATFORM_DIR", "/pd", 1);
    p = paths_platform_dir();
    ck_assert_str_eq(p, "/pd");
    free(p);
    unsetenv("PGDECK_PLATFORM_DIR");
    p = paths_platform_dir();
    ck_assert_str_eq(p, geteuid() == 0 ? "/var/lib/pgdeck-platform"
                                       : "/xdg/state/pgdeck/platform");
    free(p);
    setenv("FLY_CONFIG_DIR", "/flydir", 1);
    p = paths_flyctl_config();
    ck_assert_str_eq(p, "/flydir/config.yml");
    free(p);
    p = paths_expand("~/x/y");
    ck_assert_int_eq(strncmp(p, home, strlen(home)), 0);
    ck_assert_str_eq(p + strlen(home), "/x/y");
    free(p);
    p = paths_expand("/abs");
    ck_assert_str_eq(p, "/abs");
    free(p);
    p = paths_expand("~user/x");
    ck_assert_str_eq(p, "~user/x");
    free(p);
}
END_TEST

static Suite *context_suite(void)
{
    Suite *s = suite_create("context");
    TCase *tc = tcase_create("context");

    tcase_add_checked_fixture(tc, context_env_setup, context_env_teardown);
    tcase_add_loop_test(tc, test_context_scheme, 0,
                        (int)(sizeof scheme_cases / sizeof scheme_cases[0]));
    tcase_add_loop_test(tc, test_context_flyctl_parse, 0,
                        (int)(sizeof flyctl_cases / sizeof flyctl_cases[0]));
    tcase_add_test(tc, test_context_default_is_local_without_fly_token);
    tcase_add_test(tc, test_context_fly_token_chain);
    tcase_add_test(tc, test_context_flyctl_default_dir);
    tcase_add_loop_test(
        tc, test_context_token_file_perms, 0,
        (int)(sizeof token_perm_cases / sizeof token_perm_cases[0]));
    tcase_add_test(tc, test_context_token_file_contents);
    tcase_add_test(tc, test_context_local_platform_dir);
    tcase_add_test(tc, test_context_fly_base_url);
    tcase_add_test(tc, test_context_choice_and_overrides);
    tcase_add_test(tc, test_context_paths);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(context_suite());
}

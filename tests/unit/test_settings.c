#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/settings.h"
#include "src/xmalloc.h"

#include "tests/unit/tmpdir.h"
#include "tests/unit/unit.h"

/* A good file loaded before every bad one: a failed load must keep it. */
static const char base_config[] = "refresh = { fast = 7; };\n";

/* One error path of the settings file: TEXT must fail with a message
 * containing WANT (which names the line). */
struct bad_case {
    const char *text;
    const char *want;
};

static const struct bad_case bad_cases[] = {
    /* bad type */
    {"refresh = { fast = \"fast\"; };\n",
     "t.conf:1: refresh.fast: expected a duration between 500ms and 1h"},
    {"\n\nrefresh = { fast = \"fast\"; };\n", "got \"fast\""},
    {"read_only = 1;\n", "t.conf:1: read_only: expected true or false, got 1"},
    {"theme = 5;\n", "t.conf:1: theme: expected a name"},
    {"http = { max_per_host = \"many\"; };\n",
     "http.max_per_host: expected an integer between 1 and 256 connections, "
     "got \"many\""},
    {"thresholds = { lag_bytes_warn = \"16 parsecs\"; };\n",
     "thresholds.lag_bytes_warn: expected a size between 1B and 1TB"},
    {"thresholds = { lag_bytes_warn = true; };\n", "got true"},
    {"refresh = { fast = [1, 2]; };\n", "got an array [ ... ]"},
    {"refresh = 5;\n",
     "t.conf:1: refresh: expected a group { name = value; ... }, got 5"},
    {"color = \"yes\";\n", "color: expected true or false, got \"yes\""},
    /* out of range */
    {"thresholds = { disk_warn = 150; };\n",
     "thresholds.disk_warn: expected an integer between 1 and 100%, got 150"},
    {"http = { max_per_host = 0; };\n", "got 0"},
    {"refresh = { fast = 0.1; };\n", "refresh.fast: expected a duration"},
    {"refresh = { fast = -1.0; };\n", "got -1"},
    {"refresh = { slow = 99999999999L; };\n",
     "refresh.slow: expected a duration between 5s and 1h"},
    {"refresh = { fast = \"2h\"; };\n", "got \"2h\""},
    {"postgres = { statement_timeout = \"50ms\"; };\n",
     "postgres.statement_timeout: expected a duration between 100ms and 1h"},
    {"thresholds = { lag_bytes_crit = \"2TB\"; };\n", "got \"2TB\""},
    {"theme = \"a b\";\n", "t.conf:1: theme: expected a name"},
    {"theme = \"\";\n", "theme: expected a name"},
    /* ordered pairs */
    {"thresholds = { disk_warn = 95;\n disk_crit = 90; };\n",
     "t.conf:2: thresholds.disk_warn (95) must be below thresholds.disk_crit "
     "(90)"},
    {"refresh = { fast = 120; slow = 60; };\n",
     "refresh.fast (\"2m\") must be at most refresh.slow (\"1m\")"},
    {"thresholds = { lag_time_warn = 300; };\n",
     "thresholds.lag_time_warn (\"5m\") must be below "
     "thresholds.lag_time_crit (\"5m\")"},
    {"http = { connect_timeout = 40; timeout = 20; };\n",
     "http.connect_timeout (\"40s\") must be at most http.timeout"},
    /* unknown keys, with and without a suggestion */
    {"refrsh = { fast = 2; };\n",
     "t.conf:1: unknown setting 'refrsh' (did you mean 'refresh'?)"},
    {"refresh = { fsat = 2; };\n",
     "unknown setting 'refresh.fsat' (did you mean 'refresh.fast'?)"},
    {"thresholds = { disk_warning = 2; };\n",
     "(did you mean 'thresholds.disk_warn'?)"},
    {"zzzzzzzz = 1;\n", "unknown setting 'zzzzzzzz' (known: context, theme"},
    {"tls_verify = false;\n", "no way to turn TLS certificate verification"},
    {"contexts = ( { name = \"p\"; api_url = \"https://a.example\";\n"
     " token_env = \"T\"; insecure = true; } );\n",
     "t.conf:2: unknown setting 'insecure': there is no way to turn TLS"},
    {"contexts = ( { name = \"p\"; api_url = \"https://a.example\";\n"
     " tokn_env = \"T\"; } );\n",
     "unknown setting 'tokn_env' (did you mean 'token_env'?)"},
    /* contexts */
    {"contexts = ( { name = \"prod\"; api_url = \"https://a.example\"; "
     "token_env = \"A\"; },\n { name = \"prod\"; api_url = "
     "\"https://b.example\"; token_env = \"B\"; } );\n",
     "t.conf:2: context \"prod\" is defined twice (first at line 1)"},
    {"context = \"prdo\";\ncontexts = ( { name = \"prod\"; api_url = "
     "\"https://a.example\"; token_env = \"A\"; } );\n",
     "t.conf:1: context: unknown context \"prdo\" (did you mean \"prod\"?); "
     "known: local, fly, prod"},
    {"context = \"nowhere-at-all\";\n",
     "unknown context \"nowhere-at-all\"; known: local, fly"},
    {"contexts = ( { name = \"prod\"; api_url = \"https://a.example\"; "
     "token_env = \"A\"; token_file = \"/t\"; } );\n",
     "context \"prod\": more than one token source"},
    {"contexts = ( { name = \"prod\"; api_url = \"https://a.example\"; "
     "token_env = \"A\"; token_flyctl = true; } );\n",
     "more than one token source (token_env, token_file, token_flyctl)"},
    {"contexts = ( { name = \"prod\"; api_url = \"https://a.example\"; } );\n",
     "context \"prod\": no token source: set one of token_env"},
    {"contexts = ( { name = \"prod\"; api_url = \"https://a.example\"; "
     "token_flyctl = false; } );\n",
     "context \"prod\": no token source"},
    {"contexts = ( { name = \"prod\";\n api_url = \"http://example.com\"; "
     "token_env = \"A\"; } );\n",
     "t.conf:2: context \"prod\": api_url: http:// is only allowed for a "
     "loopback host (127.0.0.0/8, [::1], localhost), not \"example.com\""},
    {"contexts = ( { name = \"prod\"; api_url = \"http://10.0.0.1:4280\"; "
     "token_env = \"A\"; } );\n",
     "not \"10.0.0.1\": use https://"},
    {"contexts = ( { name = \"prod\"; api_url = \"https://u:p@a.example\"; "
     "token_env = \"A\"; } );\n",
     "must not carry a user or password"},
    {"contexts = ( { name = \"prod\"; api_url = \"ftp://a.example\"; "
     "token_env = \"A\"; } );\n",
     "expected a URL starting with https://"},
    {"contexts = ( { name = \"prod\"; api_url = \"https://a.example:99999\"; "
     "token_env = \"A\"; } );\n",
     "bad port"},
    {"contexts = ( { name = \"prod\"; token_env = \"A\"; } );\n",
     "context \"prod\": api_url is required"},
    {"contexts = ( { name = \"prod\"; api_url = \"https://a.example\"; "
     "token_env = \"1X\"; } );\n",
     "token_env: expected the name of an environment variable"},
    {"contexts = ( { name = \"prod\"; api_url = \"https://a.example\"; "
     "token_file = \"relative/token\"; } );\n",
     "token_file: expected an absolute path or one starting with ~/, got "
     "\"relative/token\""},
    {"contexts = ( { name = \"prod\"; api_url = \"https://a.example\"; "
     "token_flyctl = \"yes\"; } );\n",
     "token_flyctl: expected true or false"},
    {"contexts = ( { name = \"prod\"; api_url = \"https://a.example\"; "
     "token_env = \"A\"; pg_passfile = \"/p\"; pg_password_env = \"P\"; } "
     ");\n",
     "both pg_passfile and pg_password_env are set"},
    {"contexts = ( { name = \"prod\"; api_url = \"https://a.example\"; "
     "token_env = \"A\"; read_only = \"no\"; } );\n",
     "read_only: expected true or false, got \"no\""},
    {"contexts = ( { name = \"prod\"; api_url = \"https://a.example\"; "
     "token_env = \"A\"; org = \"my org\"; } );\n",
     "org: expected an organization slug"},
    {"contexts = ( { name = \"prod\"; api_url = \"https://a.example\"; "
     "token_env = \"A\"; pg_user = \"a;b\"; } );\n",
     "pg_user: expected a role name"},
    {"contexts = ( { name = \"prod\"; api_url = 5; token_env = \"A\"; } );\n",
     "api_url: expected a string in double quotes, got 5"},
    {"contexts = ( { api_url = \"https://a.example\"; } );\n",
     "contexts: element 1: name is required"},
    {"contexts = ( { name = \"-x\"; } );\n",
     "contexts: element 1: name: expected 1 to 63 letters"},
    {"contexts = { name = \"x\"; };\n",
     "t.conf:1: contexts: expected a list of groups"},
    {"contexts = ( \"x\" );\n",
     "contexts: element 1: expected a group { name = \"...\"; ... }, got "
     "\"x\""},
    /* keys */
    {"keys = { qiut = \"q\"; };\n",
     "t.conf:1: keys: unknown action 'qiut' (did you mean 'quit'?)"},
    {"keys = { frobnicate = \"q\"; };\n",
     "keys: unknown action 'frobnicate' (see pgdeck.conf(5)"},
    {"keys = { quit = \"ctrl+q\"; };\n",
     "keys.quit: expected one character, \"C-x\""},
    {"keys = { quit = \"\"; };\n", "keys.quit: expected one character"},
    {"keys = { quit = \"F13\"; };\n", "got \"F13\""},
    {"keys = { quit = \"C-s\"; };\n", "flow control keys; choose another key"},
    {"keys = { quit = \"C-c\"; };\n", "interrupt key"},
    {"keys = { drill = \"C-m\"; };\n", "same key as Enter"},
    {"keys = { quit = 1; };\n", "keys.quit: expected a key in double quotes"},
    {"keys = { quit = \"x\";\n filter = \"x\"; };\n",
     "t.conf:2: keys.filter: \"x\" is already bound to quit (line 1)"},
    {"keys = \"q\";\n", "keys: expected a group { action = \"key\"; ... }"},
    /* syntax */
    {"a = 1;\nrefresh = { fast = ; };\n", "t.conf:2: syntax error: "},
    {"refresh = { fast = 2 \n", "syntax error"},
    /* Found by fuzz_settings: a quote left open across lines. */
    {"theme = \"default;\nread_only = false;\nrefresh = { fast = \"2s\"; };\n",
     "t.conf:3: syntax error: unexpected text (a missing ';' or '}', or a "
     "string left open on an earlier line?)"},
    /* Found by fuzz_settings: an empty string where a number belongs,
     * after text that is no token. */
    {"refresh = { fast = 60q\"\"; };\n", "t.conf:1: syntax error"},
    {"@include \"/etc/passwd\"\n", "t.conf:1: @include is not supported"},
};
#define NBAD (sizeof bad_cases / sizeof bad_cases[0])

START_TEST(test_settings_bad)
{
    const struct bad_case *c = &bad_cases[_i];
    struct settings *s = settings_new();
    char *cause = NULL;

    ck_assert_int_eq(settings_load_string(s, "base", base_config, &cause), 0);
    ck_assert_int_eq(settings_load_string(s, "t.conf", c->text, &cause), -1);
    ck_assert_ptr_nonnull(cause);
    ck_assert_msg(strstr(cause, c->want), "case %d: got '%s', want '%s'",
                  (int)_i, cause, c->want);
    /* The previous settings are untouched. */
    ck_assert_int_eq(settings_num(s, SETTINGS_REFRESH_FAST), 7000);
    ck_assert_str_eq(settings_file(s), "base");
    free(cause);
    settings_free(s);
}
END_TEST

START_TEST(test_settings_many_errors)
{
    struct settings *s = settings_new();
    char *cause = NULL;

    ck_assert_int_eq(settings_load_string(s, "t",
                                          "refrsh = 1;\ntheme = 3;\n"
                                          "keys = { qiut = \"q\"; };\n",
                                          &cause),
                     -1);
    ck_assert_ptr_nonnull(strstr(cause, "t:1: unknown setting 'refrsh'"));
    ck_assert_ptr_nonnull(strstr(cause, "\nt:2: theme:"));
    ck_assert_ptr_nonnull(strstr(cause, "\nt:3: keys: unknown action"));
    free(cause);
    settings_free(s);
}
END_TEST

START_TEST(test_settings_defaults)
{
    struct settings *s = settings_new();
    int i;

    for (i = 0; i < SETTINGS__COUNT; i++) {
        const struct settings_row *r = settings_row(i);

        ck_assert_ptr_nonnull(r);
        ck_assert_int_eq(settings_origin(s, i), SETTINGS_ORIGIN_DEFAULT);
        if (r->type == SETTINGS_T_NAME) {
            ck_assert_str_eq(settings_str(s, i), r->def_str);
        } else {
            ck_assert_int_eq(settings_num(s, i), r->def);
            ck_assert(r->def >= r->min && r->def <= r->max);
        }
        ck_assert_int_eq(settings_find(r->name), i);
    }
    ck_assert_int_eq(settings_num(s, SETTINGS_REFRESH_FAST), 2000);
    ck_assert_int_eq(settings_num(s, SETTINGS_HTTP_MAX_PER_HOST), 16);
    ck_assert_int_eq(settings_num(s, SETTINGS_DISK_CRIT), 90);
    ck_assert_str_eq(settings_str(s, SETTINGS_THEME), "default");
    ck_assert_str_eq(settings_str(s, SETTINGS_CONTEXT), "");
    ck_assert_uint_eq(settings_context_count(s), 0);
    ck_assert_uint_eq(settings_binding_count(s), 0);
    ck_assert_ptr_null(settings_file(s));
    ck_assert_int_eq(settings_find("nope"), -1);
    settings_free(s);
}
END_TEST

START_TEST(test_settings_good_file)
{
    static const char text[] =
        "# a comment\n"
        "context = \"prod\";\n"
        "theme = \"mono\";\n"
        "read_only = true;\n"
        "refresh = { fast = \"750ms\"; slow = 30; };\n"
        "thresholds = { lag_bytes_warn = \"1MB\"; lag_bytes_crit = "
        "1073741824L;\n"
        "  lag_time_warn = 2.5; disk_warn = 70; };\n"
        "http = { max_per_host = 4; connect_timeout = \"1s\"; };\n"
        "postgres = { statement_timeout = \"2m\"; };\n"
        "contexts = (\n"
        "  { name = \"prod\"; api_url = \"https://api.machines.dev/\";\n"
        "    org = \"acme\"; token_file = \"~/.secrets/fly\";\n"
        "    pg_password_env = \"PGPW\"; read_only = true; },\n"
        "  { name = \"dev\"; api_url = \"http://127.0.0.1:4280\";\n"
        "    token_flyctl = true; pg_passfile = \"/etc/pgpass\"; },\n"
        "  { name = \"fly\"; org = \"acme\"; }\n"
        ");\n"
        "keys = { quit = \"Q\"; filter = \"C-f\"; help = \"f1\"; drill = "
        "\"enter\"; pause = \" \"; };\n";
    struct settings *s = settings_new();
    const struct settings_context *c;
    const struct settings_binding *b;
    char *cause = NULL;

    setenv("HOME", "/home/tester", 1);
    ck_assert_msg(settings_load_string(s, "good", text, &cause) == 0, "%s",
                  cause ? cause : "");
    ck_assert_str_eq(settings_str(s, SETTINGS_CONTEXT), "prod");
    ck_assert_int_eq(settings_line(s, SETTINGS_CONTEXT), 2);
    ck_assert_int_eq(settings_origin(s, SETTINGS_CONTEXT),
                     SETTINGS_ORIGIN_FILE);
    ck_assert_str_eq(settings_str(s, SETTINGS_THEME), "mono");
    ck_assert_int_eq(settings_num(s, SETTINGS_READ_ONLY), 1);
    ck_assert_int_eq(settings_num(s, SETTINGS_REFRESH_FAST), 750);
    ck_assert_int_eq(settings_num(s, SETTINGS_REFRESH_SLOW), 30000);
    ck_assert_int_eq(settings_num(s, SETTINGS_LAG_BYTES_WARN), 1048576);
    ck_assert_int_eq(settings_num(s, SETTINGS_LAG_BYTES_CRIT), 1073741824LL);
    ck_assert_int_eq(settings_num(s, SETTINGS_LAG_TIME_WARN), 2500);
    ck_assert_int_eq(settings_num(s, SETTINGS_DISK_WARN), 70);
    ck_assert_int_eq(settings_origin(s, SETTINGS_DISK_CRIT),
                     SETTINGS_ORIGIN_DEFAULT);
    ck_assert_int_eq(settings_num(s, SETTINGS_HTTP_MAX_PER_HOST), 4);
    ck_assert_int_eq(settings_num(s, SETTINGS_HTTP_CONNECT_TIMEOUT), 1000);
    ck_assert_int_eq(settings_num(s, SETTINGS_PG_STATEMENT_TIMEOUT), 120000);

    ck_assert_uint_eq(settings_context_count(s), 3);
    c = settings_context_at(s, 0);
    ck_assert_str_eq(c->name, "prod");
    ck_assert_str_eq(c->api_url, "https://api.machines.dev");
    ck_assert_str_eq(c->org, "acme");
    ck_assert_int_eq(c->token, SETTINGS_TOKEN_FILE);
    ck_assert_str_eq(c->token_arg, "/home/tester/.secrets/fly");
    ck_assert_int_eq(c->pgcred, SETTINGS_PGCRED_ENV);
    ck_assert_str_eq(c->pgcred_arg, "PGPW");
    ck_assert_int_eq(c->read_only, 1);
    ck_assert_int_eq(c->line, 11);
    c = settings_context_at(s, 1);
    ck_assert_int_eq(c->token, SETTINGS_TOKEN_FLYCTL);
    ck_assert_int_eq(c->pgcred, SETTINGS_PGCRED_PASSFILE);
    ck_assert_int_eq(c->read_only, -1);
    c = settings_context_at(s, 2);
    ck_assert_int_eq(c->token, SETTINGS_TOKEN_UNSET);
    ck_assert_ptr_null(c->api_url);
    ck_assert_ptr_null(settings_context_at(s, 3));

    ck_assert_uint_eq(settings_binding_count(s), 5);
    b = settings_binding_at(s, 0);
    ck_assert_int_eq(b->action, SETTINGS_ACTION_QUIT);
    ck_assert_int_eq(b->key.kind, SETTINGS_KEY_CHAR);
    ck_assert_int_eq(b->key.code, 'Q');
    b = settings_binding_at(s, 1);
    ck_assert_int_eq(b->key.kind, SETTINGS_KEY_CTRL);
    ck_assert_int_eq(b->key.code, 'f');
    b = settings_binding_at(s, 2);
    ck_assert_int_eq(b->key.kind, SETTINGS_KEY_FN);
    ck_assert_int_eq(b->key.code, 1);
    b = settings_binding_at(s, 3);
    ck_assert_int_eq(b->key.kind, SETTINGS_KEY_NAMED);
    ck_assert_int_eq(b->key.code, SETTINGS_KEYNAME_ENTER);
    b = settings_binding_at(s, 4);
    ck_assert_int_eq(b->key.code, SETTINGS_KEYNAME_SPACE);
    ck_assert_int_eq(b->line, 18);
    free(cause);
    settings_free(s);
}
END_TEST

/* ---- files ---- */

struct perm_case {
    mode_t mode;
    int ok;
    const char *want;
};

static const struct perm_case perm_cases[] = {
    {0600, 1, NULL},
    {0640, 1, NULL}, /* the group may read it */
    {0400, 1, NULL},
    {0644, 0, "readable by others (mode 0644): fix it with: chmod 600"},
    {0604, 0, "readable by others"},
    {0620, 0, "writable by group (mode 0620): fix it with: chmod 600"},
    {0666, 0, "writable by others (mode 0666): fix it with: chmod 600"},
    {0602, 0, "writable by others"},
};

START_TEST(test_settings_file_perms)
{
    const struct perm_case *c = &perm_cases[_i];
    char *dir = unit_tmpdir();
    char *path = unit_write_file(dir, "config", "theme = \"mono\";\n", c->mode);
    struct settings *s = settings_new();
    char *cause = NULL;
    int rc = settings_load(s, path, SETTINGS_SOURCE_OPTION, &cause);

    if (c->ok) {
        ck_assert_msg(rc == 0, "%s", cause ? cause : "");
        ck_assert_str_eq(settings_str(s, SETTINGS_THEME), "mono");
        ck_assert_int_eq(settings_file_read(s), 1);
        ck_assert_str_eq(settings_file(s), path);
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert_msg(strstr(cause, c->want), "got %s", cause);
        ck_assert_ptr_nonnull(strstr(cause, path));
        ck_assert_str_eq(settings_str(s, SETTINGS_THEME), "default");
    }
    free(cause);
    settings_free(s);
    unit_rm_rf(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_settings_file_errors)
{
    char *dir = unit_tmpdir();
    char *missing = x_asprintf("%s/missing", dir);
    char *bad = unit_write_file(dir, "bad", "a = 1;\nb = ;\n", 0600);
    struct settings *s = settings_new();
    char *cause = NULL, *want;

    /* An explicitly named file must exist. */
    ck_assert_int_eq(settings_load(s, missing, SETTINGS_SOURCE_OPTION, &cause),
                     -1);
    want =
        x_asprintf("%s: no such file (config file named by --config)", missing);
    ck_assert_str_eq(cause, want);
    free(want);
    free(cause);
    ck_assert_int_eq(settings_load(s, missing, SETTINGS_SOURCE_ENV, &cause),
                     -1);
    ck_assert_ptr_nonnull(strstr(cause, "named by PGDECK_CONFIG"));
    free(cause);
    /* The default one may be missing. */
    ck_assert_int_eq(settings_load(s, missing, SETTINGS_SOURCE_DEFAULT, &cause),
                     0);
    ck_assert_int_eq(settings_file_read(s), 0);
    ck_assert_str_eq(settings_file(s), missing);
    /* A directory. */
    ck_assert_int_eq(settings_load(s, dir, SETTINGS_SOURCE_OPTION, &cause), -1);
    ck_assert_ptr_nonnull(strstr(cause, "not a regular file"));
    free(cause);
    /* A syntax error names the file and line. */
    ck_assert_int_eq(settings_load(s, bad, SETTINGS_SOURCE_OPTION, &cause), -1);
    want = x_asprintf("%s:2: syntax error: ", bad);
    ck_assert_msg(strncmp(cause, want, strlen(want)) == 0, "got %s", cause);
    free(want);
    free(cause);
    /* ... and the settings are those of the last good load. */
    ck_assert_str_eq(settings_file(s), missing);
    settings_free(s);
    unit_rm_rf(dir);
    free(bad);
    free(missing);
    free(dir);
}
END_TEST

START_TEST(test_settings_path_precedence)
{
    enum settings_source src;
    char *p;

    setenv("XDG_CONFIG_HOME", "/xdg", 1);
    setenv("PGDECK_CONFIG", "/env/config", 1);
    p = settings_path("/opt/config", &src);
    ck_assert_str_eq(p, "/opt/config");
    ck_assert_int_eq(src, SETTINGS_SOURCE_OPTION);
    free(p);
    p = settings_path(NULL, &src);
    ck_assert_str_eq(p, "/env/config");
    ck_assert_int_eq(src, SETTINGS_SOURCE_ENV);
    free(p);
    setenv("PGDECK_CONFIG", "", 1);
    p = settings_path(NULL, &src);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(src, SETTINGS_SOURCE_DEFAULT);
    unsetenv("PGDECK_CONFIG");
    p = settings_path(NULL, &src);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(src, SETTINGS_SOURCE_DEFAULT);
}
END_TEST

START_TEST(test_settings_default_file_location)
{
    char *dir = unit_tmpdir();
    char *sub = x_asprintf("%s/pgdeck", dir);
    char *path;
    struct settings *s = settings_new();
    char *cause = NULL;

    ck_assert_int_eq(mkdir(sub, 0700), 0);
    path = unit_write_file(sub, "config", "theme = \"light\";\n", 0600);
    setenv("XDG_CONFIG_HOME", dir, 1);
    ck_assert_int_eq(settings_load(s, NULL, SETTINGS_SOURCE_DEFAULT, &cause),
                     0);
    ck_assert_str_eq(settings_file(s), path);
    ck_assert_int_eq(settings_file_read(s), 1);
    ck_assert_str_eq(settings_str(s, SETTINGS_THEME), "light");
    ck_assert_int_eq(settings_file_source(s), SETTINGS_SOURCE_DEFAULT);
    settings_free(s);
    unit_rm_rf(dir);
    free(path);
    free(sub);
    free(dir);
}
END_TEST

START_TEST(test_settings_override)
{
    struct settings *s = settings_new();
    char *cause = NULL;

    ck_assert_int_eq(settings_override(s, SETTINGS_THEME, "mono", &cause), 0);
    ck_assert_str_eq(settings_str(s, SETTINGS_THEME), "mono");
    ck_assert_int_eq(settings_origin(s, SETTINGS_THEME),
                     SETTINGS_ORIGIN_OPTION);
    ck_assert_int_eq(settings_override(s, SETTINGS_READ_ONLY, "true", &cause),
                     0);
    ck_assert_int_eq(settings_num(s, SETTINGS_READ_ONLY), 1);
    ck_assert_int_eq(settings_override(s, SETTINGS_REFRESH_FAST, "1s", &cause),
                     0);
    ck_assert_int_eq(settings_num(s, SETTINGS_REFRESH_FAST), 1000);
    ck_assert_int_eq(settings_override(s, SETTINGS_THEME, "a b", &cause), -1);
    ck_assert_ptr_nonnull(strstr(cause, "theme: expected a name"));
    free(cause);
    ck_assert_str_eq(settings_str(s, SETTINGS_THEME), "mono");
    ck_assert_int_eq(settings_override(s, SETTINGS_DISK_WARN, "12x", &cause),
                     -1);
    free(cause);
    /* An override that breaks an ordered pair is refused and undone. */
    ck_assert_int_eq(settings_override(s, SETTINGS_DISK_WARN, "95", &cause),
                     -1);
    ck_assert_ptr_nonnull(strstr(cause, "must be below thresholds.disk_crit"));
    free(cause);
    ck_assert_int_eq(settings_num(s, SETTINGS_DISK_WARN), 80);
    settings_free(s);
}
END_TEST

/* ---- value parsers ---- */

struct num_case {
    const char *text;
    int ok;
    long long want;
};

static const struct num_case duration_cases[] = {
    {"500ms", 1, 500},
    {"2s", 1, 2000},
    {"5m", 1, 300000},
    {"1h", 1, 3600000},
    {"2S", 1, 2000},
    {" 3 s", 1, 3000},
    {"2", 0, 0},
    {"s", 0, 0},
    {"-1s", 0, 0},
    {"1.5s", 0, 0},
    {"2d", 0, 0},
    {"", 0, 0},
    {"99999999999999999999s", 0, 0},
};

START_TEST(test_settings_duration)
{
    const struct num_case *c = &duration_cases[_i];
    long long v = -7;

    ck_assert_int_eq(settings_parse_duration(c->text, &v), c->ok ? 0 : -1);
    if (c->ok)
        ck_assert_int_eq(v, c->want);
}
END_TEST

static const struct num_case size_cases[] = {
    {"123", 1, 123},
    {"16MB", 1, 16777216},
    {"16mb", 1, 16777216},
    {"512kB", 1, 524288},
    {"1KiB", 1, 1024},
    {"2GB", 1, 2147483648LL},
    {"1TB", 1, 1099511627776LL},
    {"10B", 1, 10},
    {"16 parsecs", 0, 0},
    {"MB", 0, 0},
    {"-5", 0, 0},
    {"9999999999TB", 0, 0},
};

START_TEST(test_settings_size)
{
    const struct num_case *c = &size_cases[_i];
    long long v = -7;

    ck_assert_int_eq(settings_parse_size(c->text, &v), c->ok ? 0 : -1);
    if (c->ok)
        ck_assert_int_eq(v, c->want);
}
END_TEST

START_TEST(test_settings_format_roundtrip)
{
    static const long long ms[] = {1,     500,   1000,    2000,
                                   60000, 90000, 3600000, 7200500};
    static const long long bytes[] = {
        1, 1000, 1024, 16777216, 1073741824LL, 1099511627776LL, 1536};
    size_t i;
    long long v;
    char *t;

    for (i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        t = settings_format_duration(ms[i]);
        ck_assert_int_eq(settings_parse_duration(t, &v), 0);
        ck_assert_int_eq(v, ms[i]);
        free(t);
    }
    for (i = 0; i < sizeof bytes / sizeof bytes[0]; i++) {
        t = settings_format_size(bytes[i]);
        ck_assert_int_eq(settings_parse_size(t, &v), 0);
        ck_assert_int_eq(v, bytes[i]);
        free(t);
    }
    t = settings_format_duration(90000);
    ck_assert_str_eq(t, "90s");
    free(t);
    t = settings_format_size(16777216);
    ck_assert_str_eq(t, "16MB");
    free(t);
}
END_TEST

struct key_case {
    const char *text;
    int ok;
    const char *canonical;
};

static const struct key_case key_cases[] = {
    {"q", 1, "q"},         {"/", 1, "/"},         {"?", 1, "?"},
    {"C-x", 1, "C-x"},     {"c-X", 1, "C-x"},     {"F1", 1, "F1"},
    {"f12", 1, "F12"},     {"Enter", 1, "Enter"}, {"RETURN", 1, "Enter"},
    {"esc", 1, "Esc"},     {"Escape", 1, "Esc"},  {"Up", 1, "Up"},
    {"pageup", 1, "PgUp"}, {"PgDn", 1, "PgDn"},   {" ", 1, "Space"},
    {"space", 1, "Space"}, {"btab", 1, "BTab"},   {"Del", 1, "Delete"},
    {"F0", 0, NULL},       {"F13", 0, NULL},      {"F01", 0, NULL},
    {"", 0, NULL},         {"qq", 0, NULL},       {"C-", 0, NULL},
    {"C-1", 0, NULL},      {"C-c", 0, NULL},      {"C-z", 0, NULL},
    {"C-s", 0, NULL},      {"C-q", 0, NULL},      {"C-m", 0, NULL},
    {"C-i", 0, NULL},      {"M-x", 0, NULL},      {"\t", 0, NULL},
    {"\xc3\xa9", 0, NULL},
};

START_TEST(test_settings_keys)
{
    const struct key_case *c = &key_cases[_i];
    struct settings_key k;
    char *cause = NULL, *t;

    if (!c->ok) {
        ck_assert_int_eq(settings_key_parse(c->text, &k, &cause), -1);
        ck_assert_ptr_nonnull(cause);
        free(cause);
        return;
    }
    ck_assert_msg(settings_key_parse(c->text, &k, &cause) == 0, "%s",
                  cause ? cause : "");
    t = settings_key_format(&k);
    ck_assert_str_eq(t, c->canonical);
    free(t);
}
END_TEST

struct url_case {
    const char *url;
    const char *norm; /* NULL: refused */
};

static const struct url_case url_cases[] = {
    {"https://api.machines.dev", "https://api.machines.dev"},
    {"https://api.machines.dev/", "https://api.machines.dev"},
    {"HTTPS://api.example.com:8443/proxy/",
     "https://api.example.com:8443/proxy"},
    {"http://127.0.0.1:4280", "http://127.0.0.1:4280"},
    {"http://127.10.20.30:1/", "http://127.10.20.30:1"},
    {"http://localhost:4280", "http://localhost:4280"},
    {"http://[::1]:4280", "http://[::1]:4280"},
    {"https://[2001:db8::1]", "https://[2001:db8::1]"},
    {"http://128.0.0.1:4280", NULL},
    {"http://127.0.0.1.evil.com", NULL},
    {"http://localhost.evil.com", NULL},
    {"http://example.com", NULL},
    {"http://[::2]", NULL},
    {"ftp://x", NULL},
    {"https://", NULL},
    {"https://:80", NULL},
    {"https://a.example:0", NULL},
    {"https://a.example:x", NULL},
    {"https://user@a.example", NULL},
    {"https://a.example/?q=1", NULL},
    {"https://a example", NULL},
    {"api.machines.dev", NULL},
};

START_TEST(test_settings_url)
{
    const struct url_case *c = &url_cases[_i];
    char *norm = NULL, *cause = NULL;
    int rc = settings_url_check(c->url, &norm, &cause);

    if (c->norm) {
        ck_assert_msg(rc == 0, "%s: %s", c->url, cause ? cause : "");
        ck_assert_str_eq(norm, c->norm);
    } else {
        ck_assert_msg(rc == -1, "%s accepted", c->url);
        ck_assert_ptr_nonnull(cause);
    }
    free(norm);
    free(cause);
}
END_TEST

START_TEST(test_settings_names_and_suggest)
{
    static const char *const names[] = {"refresh", "thresholds", "theme"};

    ck_assert(settings_name_valid("prod-eu_1.b"));
    ck_assert(!settings_name_valid(""));
    ck_assert(!settings_name_valid("-x"));
    ck_assert(!settings_name_valid(".x"));
    ck_assert(!settings_name_valid("a b"));
    ck_assert(!settings_name_valid("a/b"));
    ck_assert(settings_envname_valid("FLY_API_TOKEN"));
    ck_assert(settings_envname_valid("_x1"));
    ck_assert(!settings_envname_valid("1X"));
    ck_assert(!settings_envname_valid("A-B"));
    ck_assert(!settings_envname_valid(""));
    ck_assert_uint_eq(settings_distance("refrsh", "refresh"), 1);
    ck_assert_uint_eq(settings_distance("", "abc"), 3);
    ck_assert_uint_eq(settings_distance("kitten", "sitting"), 3);
    ck_assert_uint_eq(settings_distance("fsat", "fast"), 1);
    ck_assert_str_eq(settings_suggest("refrsh", names, 3), "refresh");
    ck_assert_str_eq(settings_suggest("thme", names, 3), "theme");
    ck_assert_ptr_null(settings_suggest("colour", names, 3));
    ck_assert_int_eq(settings_action_find("page_up"), SETTINGS_ACTION_PAGE_UP);
    ck_assert_int_eq(settings_action_find("nope"), -1);
    ck_assert_str_eq(settings_action_name(SETTINGS_ACTION_SORT_REVERSE),
                     "sort_reverse");
}
END_TEST

START_TEST(test_settings_describe_and_help)
{
    struct settings *s = settings_new();
    struct buf b = BUF_INIT;
    char *cause = NULL;
    int i;

    ck_assert_int_eq(
        settings_load_string(s, "f", "\nrefresh = { fast = 3; };\n", &cause),
        0);
    settings_describe(s, &b);
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "refresh.fast = \"3s\""));
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "(file, line 2)"));
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "refresh.slow = \"1m\""));
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "(default)"));
    buf_reset(&b);
    settings_help(&b);
    for (i = 0; i < SETTINGS__COUNT; i++)
        ck_assert_ptr_nonnull(strstr(buf_str(&b), settings_row(i)->name));
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "ha_wizard"));
    buf_free(&b);
    settings_free(s);
}
END_TEST

/* Every setting, context field and action is documented in pgdeck.conf(5). */
START_TEST(test_settings_documented)
{
    static const char *const fields[] = {
        "name",       "api_url",      "org",         "token_env",
        "token_file", "token_flyctl", "pg_passfile", "pg_password_env",
        "pg_user",    "read_only"};
    char *path = x_asprintf("%s/doc/pgdeck.conf.5", unit_srcdir());
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t n, i;
    FILE *f = fopen(path, "r");

    ck_assert_msg(f, "cannot open %s", path);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    for (i = 0; i < SETTINGS__COUNT; i++) {
        char *want = x_asprintf("\\fB%s\\fR", settings_row(i)->name);

        ck_assert_msg(strstr(buf_str(&b), want), "%s not documented", want);
        free(want);
    }
    for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char *want = x_asprintf("\\fB%s\\fR", fields[i]);

        ck_assert_msg(strstr(buf_str(&b), want), "%s not documented", want);
        free(want);
    }
    for (i = 0; i < SETTINGS_ACTION__COUNT; i++) {
        char *want = x_asprintf("\\fB%s\\fR", settings_action_name(i));

        ck_assert_msg(strstr(buf_str(&b), want), "%s not documented", want);
        free(want);
    }
    buf_free(&b);
    free(path);
}
END_TEST

/* The example shipped in doc/ is a valid file. */
START_TEST(test_settings_example_loads)
{
    char *path = x_asprintf("%s/doc/pgdeck.conf.example", unit_srcdir());
    struct settings *s = settings_new();
    struct buf b = BUF_INIT;
    char chunk[4096], *cause = NULL;
    size_t n;
    FILE *f = fopen(path, "r");

    ck_assert_msg(f, "cannot open %s", path);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    ck_assert_msg(settings_load_string(s, path, buf_str(&b), &cause) == 0, "%s",
                  cause ? cause : "");
    ck_assert_uint_eq(settings_context_count(s), 2);
    ck_assert_uint_eq(settings_binding_count(s), 3);
    buf_free(&b);
    settings_free(s);
    free(path);
}
END_TEST

static Suite *settings_suite(void)
{
    Suite *s = suite_create("settings");
    TCase *tc = tcase_create("settings");

    tcase_add_loop_test(tc, test_settings_bad, 0, (int)NBAD);
    tcase_add_test(tc, test_settings_many_errors);
    tcase_add_test(tc, test_settings_defaults);
    tcase_add_test(tc, test_settings_good_file);
    tcase_add_loop_test(tc, test_settings_file_perms, 0,
                        (int)(sizeof perm_cases / sizeof perm_cases[0]));
    tcase_add_test(tc, test_settings_file_errors);
    tcase_add_test(tc, test_settings_path_precedence);
    tcase_add_test(tc, test_settings_default_file_location);
    tcase_add_test(tc, test_settings_override);
    tcase_add_loop_test(
        tc, test_settings_duration, 0,
        (int)(sizeof duration_cases / sizeof duration_cases[0]));
    tcase_add_loop_test(tc, test_settings_size, 0,
                        (int)(sizeof size_cases / sizeof size_cases[0]));
    tcase_add_test(tc, test_settings_format_roundtrip);
    tcase_add_loop_test(tc, test_settings_keys, 0,
                        (int)(sizeof key_cases / sizeof key_cases[0]));
    tcase_add_loop_test(tc, test_settings_url, 0,
                        (int)(sizeof url_cases / sizeof url_cases[0]));
    tcase_add_test(tc, test_settings_names_and_suggest);
    tcase_add_test(tc, test_settings_describe_and_help);
    tcase_add_test(tc, test_settings_documented);
    tcase_add_test(tc, test_settings_example_loads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(settings_suite());
}

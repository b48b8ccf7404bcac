#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ui/command.h"
#include "ui/filter.h"

#include "tests/unit/unit.h"

/* Subjects: acme-db (iad, ams; primary + replicas), dev-db (ord, primary
 * only), syd-db (syd, one node unknown). */
static const char *const acme_t[] = {"acme-db"};
static const char *const acme_r[] = {"iad", "iad", "iad", "ams"};
static const char *const acme_ro[] = {"primary", "replica"};
static const char *const acme_s[] = {"healthy"};
static const char *const devdb_t[] = {"dev-db"};
static const char *const dev_r[] = {"ord"};
static const char *const dev_ro[] = {"primary"};
static const char *const dev_s[] = {"degraded"};
static const char *const syd_t[] = {"syd-db"};
static const char *const syd_r[] = {"syd"};
static const char *const syd_ro[] = {"primary", "replica", "unknown"};
static const char *const syd_s[] = {"degraded"};

static const struct filter_subject subjects[3] = {
    {acme_t, 1, acme_r, 4, acme_ro, 2, acme_s, 1},
    {devdb_t, 1, dev_r, 1, dev_ro, 1, dev_s, 1},
    {syd_t, 1, syd_r, 1, syd_ro, 3, syd_s, 1},
};

struct filter_case {
    const char *text;
    const char *want; /* which subjects pass: "110" */
};

static const struct filter_case filter_cases[] = {
    {"", "111"},
    {"   ", "111"},
    {"db", "111"},
    {"ACME", "100"},
    {"region:iad", "100"},
    {"REGION:AMS", "100"},
    {"region:iad,ord", "110"},
    {"region:ia", "000"}, /* values match whole, not as substrings */
    {"role:replica", "101"},
    {"role:replica syd", "001"},
    {"!region:iad", "011"},
    {"!acme !dev", "001"},
    {"state:degraded", "011"},
    {"role:unknown", "001"},
    {"zzz", "000"},
};

START_TEST(test_filter_match)
{
    const struct filter_case *c = &filter_cases[_i];
    struct filter *f = NULL;
    char *cause = NULL, got[4];
    int i;

    ck_assert_msg(filter_parse(c->text, &f, &cause) == 0, "%s", cause);
    for (i = 0; i < 3; i++)
        got[i] = filter_match(f, &subjects[i]) ? '1' : '0';
    got[3] = '\0';
    ck_assert_msg(strcmp(got, c->want) == 0, "/%s: got %s want %s", c->text,
                  got, c->want);
    if (!*c->text || strcmp(c->text, "   ") == 0)
        ck_assert_ptr_null(f);
    filter_free(f);
}
END_TEST

struct error_case {
    const char *text;
    const char *want;
};

static const struct error_case filter_errors[] = {
    {"regoin:iad", "unknown filter key \"regoin\" (did you mean \"region\"?)"},
    {"colour:red", "unknown filter key \"colour\""},
    {"role:", "\"role:\" needs a value (e.g. role:replica)"},
    {"region:,", "needs a value (e.g. region:iad)"},
    {"db !", "'!' needs a term after it"},
};

START_TEST(test_filter_errors)
{
    const struct error_case *c = &filter_errors[_i];
    struct filter *f = NULL;
    char *cause = NULL;

    ck_assert_int_eq(filter_parse(c->text, &f, &cause), -1);
    ck_assert_ptr_null(f);
    ck_assert_msg(strstr(cause, c->want), "got %s", cause);
    free(cause);
}
END_TEST

struct command_case {
    const char *text;
    enum command_kind kind;
    const char *arg;
};

static const struct command_case command_cases[] = {
    {"", COMMAND_NONE, NULL},
    {":", COMMAND_NONE, NULL},
    {"clusters", COMMAND_CLUSTERS, NULL},
    {":cl", COMMAND_CLUSTERS, NULL},
    {"cluster acme-db", COMMAND_CLUSTER, "acme-db"},
    {":c   syd-db  ", COMMAND_CLUSTER, "syd-db"},
    {"ctx local", COMMAND_CTX, "local"},
    {"context fly", COMMAND_CTX, "fly"},
    {"theme light", COMMAND_THEME, "light"},
    {":q", COMMAND_QUIT, NULL},
    {"quit", COMMAND_QUIT, NULL},
    {"q!", COMMAND_QUIT, NULL},
    {"help", COMMAND_HELP, NULL},
};

START_TEST(test_command_parse)
{
    const struct command_case *c = &command_cases[_i];
    struct command cmd;
    char *cause = NULL;

    ck_assert_msg(command_parse(c->text, &cmd, &cause) == 0, "%s", cause);
    ck_assert_int_eq(cmd.kind, c->kind);
    if (c->arg)
        ck_assert_str_eq(cmd.arg, c->arg);
    else
        ck_assert_ptr_null(cmd.arg);
    command_clear(&cmd);
}
END_TEST

static const struct error_case command_errors[] = {
    {"clustr acme", "unknown command \"clustr\" (did you mean \"cluster\"?)"},
    {"frobnicate", "unknown command \"frobnicate\"; commands: :clusters"},
    {"cluster", ":cluster needs a NAME"},
    {"theme", ":theme needs a NAME"},
    {"q now", ":q takes no argument"},
    {"cluster a b", ":cluster takes one NAME"},
    {"ctx ../x", ":ctx: bad name \"../x\""},
};

START_TEST(test_command_errors)
{
    const struct error_case *c = &command_errors[_i];
    struct command cmd;
    char *cause = NULL;

    ck_assert_int_eq(command_parse(c->text, &cmd, &cause), -1);
    ck_assert_msg(strstr(cause, c->want), "got %s", cause);
    ck_assert_ptr_null(cmd.arg);
    free(cause);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
    Suite *s = suite_create("ui_input");
    TCase *tc = tcase_create("input");

    tcase_add_loop_test(tc, test_filter_match, 0, N(filter_cases));
    tcase_add_loop_test(tc, test_filter_errors, 0, N(filter_errors));
    tcase_add_loop_test(tc, test_command_parse, 0, N(command_cases));
    tcase_add_loop_test(tc, test_command_errors, 0, N(command_errors));
    suite_add_tcase(s, tc);
    return unit_run(s);
}

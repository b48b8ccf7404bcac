#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/settings.h"

#include "ui/curses_compat.h"
#include "ui/keys.h"

#include "tests/unit/unit.h"

struct lookup_case {
    int ch;
    int view;
    int want; /* an action, or -1 */
};

static const struct lookup_case lookup_cases[] = {
    {'q', KEYS_VIEW_FLEET, SETTINGS_ACTION_QUIT},
    {'?', KEYS_VIEW_CLUSTER, SETTINGS_ACTION_HELP},
    {KEY_F(1), KEYS_VIEW_NODE, SETTINGS_ACTION_HELP},
    {'/', KEYS_VIEW_FLEET, SETTINGS_ACTION_FILTER},
    {'/', KEYS_VIEW_NODE, -1}, /* nothing to filter there */
    {':', KEYS_VIEW_NODE, SETTINGS_ACTION_COMMAND},
    {'j', KEYS_VIEW_FLEET, SETTINGS_ACTION_DOWN},
    {KEY_DOWN, KEYS_VIEW_CLUSTER, SETTINGS_ACTION_DOWN},
    {'k', KEYS_VIEW_FLEET, SETTINGS_ACTION_UP},
    {'g', KEYS_VIEW_FLEET, SETTINGS_ACTION_TOP},
    {'G', KEYS_VIEW_FLEET, SETTINGS_ACTION_BOTTOM},
    {KEY_NPAGE, KEYS_VIEW_FLEET, SETTINGS_ACTION_PAGE_DOWN},
    {KEY_PPAGE, KEYS_VIEW_HELP, SETTINGS_ACTION_PAGE_UP},
    {'\r', KEYS_VIEW_FLEET, SETTINGS_ACTION_DRILL},
    {'\n', KEYS_VIEW_CLUSTER, SETTINGS_ACTION_DRILL},
    {KEY_ENTER, KEYS_VIEW_CLUSTER, SETTINGS_ACTION_DRILL},
    {27, KEYS_VIEW_CLUSTER, SETTINGS_ACTION_BACK},
    {27, KEYS_VIEW_FLEET, -1},
    /* '-': back where there is somewhere to go back to, else faster */
    {'-', KEYS_VIEW_CLUSTER, SETTINGS_ACTION_BACK},
    {'-', KEYS_VIEW_NODE, SETTINGS_ACTION_BACK},
    {'-', KEYS_VIEW_FLEET, SETTINGS_ACTION_FASTER},
    {'+', KEYS_VIEW_NODE, SETTINGS_ACTION_SLOWER},
    {'h', KEYS_VIEW_NODE, SETTINGS_ACTION_LEFT},
    {'l', KEYS_VIEW_FLEET, SETTINGS_ACTION_RIGHT},
    {'Z', KEYS_VIEW_FLEET, SETTINGS_ACTION_PAUSE},
    {'r', KEYS_VIEW_FLEET, SETTINGS_ACTION_REFRESH},
    {'L' & 0x1f, KEYS_VIEW_NODE, SETTINGS_ACTION_REDRAW},
    {'s', KEYS_VIEW_CLUSTER, SETTINGS_ACTION_SORT_NEXT},
    {'S', KEYS_VIEW_FLEET, SETTINGS_ACTION_SORT_REVERSE},
    {'x', KEYS_VIEW_FLEET, -1},
};

START_TEST(test_keys_defaults)
{
    const struct lookup_case *c = &lookup_cases[_i];
    struct keys *k = keys_new(NULL);

    ck_assert_int_eq(keys_lookup(k, c->ch, c->view), c->want);
    keys_free(k);
}
END_TEST

START_TEST(test_keys_overrides)
{
    struct settings *s = settings_new();
    struct keys *k;
    char *cause = NULL, *t;

    ck_assert_msg(settings_load_string(s, "t.conf",
                                       "keys = { quit = \"x\"; help = \"q\"; "
                                       "refresh = \"F5\"; };\n",
                                       &cause) == 0,
                  "%s", cause ? cause : "");
    k = keys_new(s);
    /* quit moved to x; q now opens the help (taken from quit) */
    ck_assert_int_eq(keys_lookup(k, 'x', KEYS_VIEW_FLEET),
                     SETTINGS_ACTION_QUIT);
    ck_assert_int_eq(keys_lookup(k, 'q', KEYS_VIEW_FLEET),
                     SETTINGS_ACTION_HELP);
    /* help's defaults are replaced: ? does nothing now */
    ck_assert_int_eq(keys_lookup(k, '?', KEYS_VIEW_FLEET), -1);
    ck_assert_int_eq(keys_lookup(k, KEY_F(5), KEYS_VIEW_FLEET),
                     SETTINGS_ACTION_REFRESH);
    ck_assert_int_eq(keys_lookup(k, 'r', KEYS_VIEW_FLEET), -1);
    t = keys_text(k, SETTINGS_ACTION_QUIT, KEYS_VIEW_FLEET);
    ck_assert_str_eq(t, "x");
    free(t);
    keys_free(k);
    settings_free(s);
}
END_TEST

START_TEST(test_keys_text_and_help)
{
    struct keys *k = keys_new(NULL);
    struct buf b = BUF_INIT;
    char *t;

    t = keys_text(k, SETTINGS_ACTION_DOWN, KEYS_VIEW_FLEET);
    ck_assert_str_eq(t, "j, Down");
    free(t);
    t = keys_text(k, SETTINGS_ACTION_HELP, KEYS_VIEW_FLEET);
    ck_assert_str_eq(t, "?, F1");
    free(t);
    /* '-' is shadowed by back in the cluster view */
    t = keys_text(k, SETTINGS_ACTION_FASTER, KEYS_VIEW_CLUSTER);
    ck_assert_str_eq(t, "");
    free(t);
    t = keys_text(k, SETTINGS_ACTION_FASTER, KEYS_VIEW_FLEET);
    ck_assert_str_eq(t, "-");
    free(t);

    keys_help(k, KEYS_VIEW_FLEET, &b);
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "  q            quit\n"));
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "  /            filter rows"));
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "  Enter        open the"));
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "  Z            pause"));
    /* the fleet view has nothing to go back to */
    ck_assert_ptr_null(strstr(buf_str(&b), "Esc"));
    buf_reset(&b);
    keys_help(k, KEYS_VIEW_CLUSTER, &b);
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "  Esc, -       back\n"));
    ck_assert_ptr_nonnull(strstr(buf_str(&b), "(unbound)    refresh more"));
    buf_reset(&b);
    keys_help(k, KEYS_VIEW_NODE, &b);
    ck_assert_ptr_null(strstr(buf_str(&b), "filter rows"));
    buf_free(&b);
    keys_free(k);
}
END_TEST

START_TEST(test_keys_code)
{
    struct settings_key key;

    ck_assert_int_eq(settings_key_parse("C-l", &key, NULL), 0);
    ck_assert_int_eq(keys_code(&key), 12);
    ck_assert_int_eq(settings_key_parse("PgDn", &key, NULL), 0);
    ck_assert_int_eq(keys_code(&key), KEY_NPAGE);
    ck_assert_int_eq(settings_key_parse("Esc", &key, NULL), 0);
    ck_assert_int_eq(keys_code(&key), 27);
    ck_assert_int_eq(settings_key_parse("F12", &key, NULL), 0);
    ck_assert_int_eq(keys_code(&key), KEY_F(12));
    ck_assert_int_eq(settings_key_parse("Enter", &key, NULL), 0);
    ck_assert_int_eq(keys_code(&key), '\r');
    ck_assert_str_eq(keys_help_line(SETTINGS_ACTION_PAUSE),
                     "pause / resume updates");
    ck_assert_int_eq(keys_applies(SETTINGS_ACTION_BACK, KEYS_VIEW_FLEET), 0);
    ck_assert_int_eq(keys_applies(SETTINGS_ACTION_BACK, KEYS_VIEW_HELP), 1);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
    Suite *s = suite_create("ui_keys");
    TCase *tc = tcase_create("keys");

    tcase_add_loop_test(tc, test_keys_defaults, 0, N(lookup_cases));
    tcase_add_test(tc, test_keys_overrides);
    tcase_add_test(tc, test_keys_text_and_help);
    tcase_add_test(tc, test_keys_code);
    suite_add_tcase(s, tc);
    return unit_run(s);
}

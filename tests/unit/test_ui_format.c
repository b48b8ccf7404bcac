#include "config.h"

#include <string.h>

#include "ui/format.h"

#include "tests/unit/unit.h"

struct fmt_case {
    long long in;
    const char *want;
};

static const struct fmt_case bytes_cases[] = {
    {-1, "-"},
    {0, "0B"},
    {512, "512B"},
    {1023, "1023B"},
    {1024, "1.0K"},
    {1536, "1.5K"},
    {10188, "9.9K"},
    {10189, "10K"},
    {23 * 1024, "23K"},
    {1024LL * 1024 * 340, "340M"},
    {1024LL * 1024 * 1024 * 2, "2.0G"},
    {1024LL * 1024 * 1024 * 1024 + 1024LL * 1024 * 1024 * 102, "1.1T"},
};

static const struct fmt_case duration_cases[] = {
    {-5, "-"},          {0, "0s"},          {450, "450ms"},
    {999, "999ms"},     {1000, "1.0s"},     {1500, "1.5s"},
    {12000, "12s"},     {59400, "59s"},     {185000, "3m05s"},
    {3600000, "1h00m"}, {7980000, "2h13m"}, {273600000, "3d04h"},
};

static const struct fmt_case age_cases[] = {
    {-1, "-"},           {0, "now"},
    {999, "now"},        {5000, "5s ago"},
    {59999, "59s ago"},  {180000, "3m ago"},
    {7200000, "2h ago"}, {345600000, "4d ago"},
};

static const struct fmt_case eta_cases[] = {
    {-1, "-"},        {45, "45s"},         {180, "3m"},
    {18600, "5h10m"}, {12 * 86400, "12d"}, {400LL * 86400, ">1y"},
};

START_TEST(test_format_bytes)
{
    char out[UI_FMT_CAP];
    const struct fmt_case *c = &bytes_cases[_i];

    ck_assert_str_eq(format_bytes(c->in, out, sizeof out), c->want);
}
END_TEST

START_TEST(test_format_duration)
{
    char out[UI_FMT_CAP];
    const struct fmt_case *c = &duration_cases[_i];

    ck_assert_str_eq(format_duration(c->in, out, sizeof out), c->want);
}
END_TEST

START_TEST(test_format_age)
{
    char out[UI_FMT_CAP];
    const struct fmt_case *c = &age_cases[_i];

    ck_assert_str_eq(format_age(c->in, out, sizeof out), c->want);
}
END_TEST

START_TEST(test_format_eta)
{
    char out[UI_FMT_CAP];
    const struct fmt_case *c = &eta_cases[_i];

    ck_assert_str_eq(format_eta(c->in, out, sizeof out), c->want);
}
END_TEST

START_TEST(test_format_pct_and_small_buffers)
{
    char out[UI_FMT_CAP], tiny[4];

    ck_assert_str_eq(format_pct(87.4, out, sizeof out), "87%");
    ck_assert_str_eq(format_pct(-1, out, sizeof out), "-");
    ck_assert_str_eq(format_pct(250, out, sizeof out), "100%");
    /* Never overflows: the output is cut at the buffer's size. */
    ck_assert_str_eq(format_bytes(1024LL * 1024 * 340, tiny, sizeof tiny),
                     "340");
    ck_assert_uint_eq(strlen(format_duration(7980000, tiny, sizeof tiny)), 3);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
    Suite *s = suite_create("ui_format");
    TCase *tc = tcase_create("format");

    tcase_add_loop_test(tc, test_format_bytes, 0, N(bytes_cases));
    tcase_add_loop_test(tc, test_format_duration, 0, N(duration_cases));
    tcase_add_loop_test(tc, test_format_age, 0, N(age_cases));
    tcase_add_loop_test(tc, test_format_eta, 0, N(eta_cases));
    tcase_add_test(tc, test_format_pct_and_small_buffers);
    suite_add_tcase(s, tc);
    return unit_run(s);
}

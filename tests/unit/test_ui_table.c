#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/buf.h"

#include "ui/layout.h"
#include "ui/spark.h"
#include "ui/table.h"
#include "ui/text.h"

#include "tests/unit/unit.h"

struct fit_case {
    const char *in;
    size_t width;
    int utf8;
    enum text_align align;
    const char *want;
};

static const struct fit_case fit_cases[] = {
    {"acme-db", 10, 1, TEXT_LEFT, "acme-db   "},
    {"acme-db", 10, 0, TEXT_RIGHT, "   acme-db"},
    {"acme-db", 7, 0, TEXT_LEFT, "acme-db"},
    {"acme-db", 5, 0, TEXT_LEFT, "acme>"},
    {"acme-db", 5, 1, TEXT_LEFT, "acme\xe2\x80\xa6"},
    {"acme-db", 1, 1, TEXT_LEFT, "\xe2\x80\xa6"},
    {"acme-db", 0, 1, TEXT_LEFT, ""},
    {"", 3, 1, TEXT_LEFT, "   "},
    /* non-ASCII: kept in UTF-8 mode, one '?' per sequence in ASCII mode */
    {"caf\xc3\xa9", 5, 1, TEXT_LEFT, "caf\xc3\xa9 "},
    {"caf\xc3\xa9", 5, 0, TEXT_LEFT, "caf? "},
    /* control characters never reach the terminal */
    {"a\x1b[2Jb", 6, 1, TEXT_LEFT, "a?[2Jb"},
    {"a\tb", 3, 0, TEXT_LEFT, "a?b"},
};

START_TEST(test_text_fit)
{
    const struct fit_case *c = &fit_cases[_i];
    struct buf b = BUF_INIT;

    text_fit(&b, c->in, c->width, c->utf8, c->align);
    ck_assert_str_eq(buf_str(&b), c->want);
    ck_assert_uint_eq(text_width(buf_str(&b), c->utf8), c->width);
    buf_free(&b);
}
END_TEST

/* Which columns are shown at WIDTH, as a string of '1'/'0', and the total
 * width used. */
struct layout_case {
    int fleet; /* 1: fleet columns, 0: node columns */
    int width;
    const char *shown;
    int used;
};

static const struct layout_case layout_cases[] = {
    /* fleet: MARK NAME REGION MEMBERS ROLES LAG USED GAUGE ETA VERSION
     * VERDICT */
    {1, 80, "11111111101", 80},
    {1, 120, "11111111111", 120},
    {1, 200, "11111111111", 200},
    {1, 60, "11110110001", 60},
    /* nodes: MARK ID REGION ROLE STATE CHECKS LAG SENT WRITE FLUSH TL SIZE
     * USED ETA MEM */
    {0, 80, "111111100010110", 80},
    {0, 120, "111111111111111", 120},
    {0, 200, "111111111111111", 200},
};

START_TEST(test_layout_widths)
{
    const struct layout_case *c = &layout_cases[_i];
    const struct table_col *cols =
        c->fleet ? layout_fleet_cols : layout_node_cols;
    size_t n = c->fleet ? LF__COUNT : LN__COUNT, i;
    int widths[LN__COUNT], used;
    char shown[LN__COUNT + 1];
    struct buf b = BUF_INIT;

    used = table_fit(cols, n, c->width, widths);
    for (i = 0; i < n; i++) {
        shown[i] = widths[i] > 0 ? '1' : '0';
        if (widths[i] > 0) {
            ck_assert_int_ge(widths[i], cols[i].min);
            if (!(cols[i].flags & TABLE_FLEX))
                ck_assert_int_le(widths[i], cols[i].max);
        }
    }
    shown[n] = '\0';
    ck_assert_str_eq(shown, c->shown);
    ck_assert_int_eq(used, c->used);
    /* A rendered header and row are exactly the screen's width. */
    table_header(&b, cols, n, widths, c->width, 0);
    ck_assert_uint_eq(b.len, (size_t)c->width);
    buf_free(&b);
}
END_TEST

START_TEST(test_table_row_render)
{
    static const struct table_col cols[] = {
        {"", 1, 1, TEXT_LEFT, 0, 0},
        {"NAME", 4, 10, TEXT_LEFT, 0, TABLE_FLEX},
        {"LAG", 5, 5, TEXT_RIGHT, 0, 0},
        {"EXTRA", 5, 5, TEXT_LEFT, 1, 0},
    };
    const char *cells[] = {"*", "a-very-long-cluster", "12M", "xx"};
    int widths[4];
    struct buf b = BUF_INIT;

    ck_assert_int_eq(table_fit(cols, 4, 16, widths), 16);
    ck_assert_int_eq(widths[3], 0);
    ck_assert_int_eq(widths[1], 8);
    table_row(&b, cols, 4, widths, cells, 20, 0);
    ck_assert_str_eq(buf_str(&b), "* a-very-> "
                                  "  12M    ");
    buf_free(&b);
    /* Not even the fixed columns fit: minimum widths, no crash. */
    ck_assert_int_eq(table_fit(cols, 4, 5, widths), 12);
}
END_TEST

START_TEST(test_spark_line)
{
    const double v[] = {0, 1, 2, 4, 8, -1, 8};
    struct buf b = BUF_INIT;

    spark_line(&b, v, 7, 7, 0, 0);
    ck_assert_str_eq(buf_str(&b), "_.,=# #");
    buf_reset(&b);
    /* padded on the left when the history is short; newest at the right */
    spark_line(&b, v, 2, 5, 0, 0);
    ck_assert_str_eq(buf_str(&b), "   _#");
    buf_reset(&b);
    /* only the last WIDTH values */
    spark_line(&b, v, 7, 3, 0, 0);
    ck_assert_str_eq(buf_str(&b), "# #");
    buf_reset(&b);
    /* all zero: a flat baseline, not empty */
    {
        const double z[] = {0, 0, 0};

        spark_line(&b, z, 3, 3, 0, 1);
        ck_assert_str_eq(buf_str(&b), "\xe2\x96\x81\xe2\x96\x81\xe2\x96\x81");
        buf_reset(&b);
    }
    /* a tiny value above zero differs from zero; a fixed max */
    {
        const double t[] = {0, 1, 100};

        spark_line(&b, t, 3, 3, 1000, 0);
        ck_assert_str_eq(buf_str(&b), "_..");
        buf_reset(&b);
        spark_line(&b, t, 3, 3, 0, 1);
        ck_assert_str_eq(buf_str(&b), "\xe2\x96\x81\xe2\x96\x82\xe2\x96\x88");
    }
    buf_free(&b);
}
END_TEST

struct gauge_case {
    double pct;
    size_t width;
    const char *ascii;
};

static const struct gauge_case gauge_cases[] = {
    {0, 10, ".........."},  {0.5, 10, "#........."},  {50, 10, "#####....."},
    {94, 10, "#########."}, {99.9, 10, "#########."}, {100, 10, "##########"},
    {150, 4, "####"},       {-1, 4, "????"},          {33, 6, "##...."},
};

START_TEST(test_spark_gauge)
{
    const struct gauge_case *c = &gauge_cases[_i];
    struct buf b = BUF_INIT;

    spark_gauge(&b, c->pct, c->width, 0);
    ck_assert_str_eq(buf_str(&b), c->ascii);
    buf_reset(&b);
    spark_gauge(&b, c->pct, c->width, 1);
    ck_assert_uint_eq(text_width(buf_str(&b), 1), c->width);
    buf_free(&b);
}
END_TEST

START_TEST(test_layout_areas)
{
    struct layout_areas a;

    layout_areas(80, 24, &a);
    ck_assert_int_eq(a.too_small, 0);
    ck_assert_int_eq(a.body_h, 21);
    ck_assert_int_eq(a.hints_y, 23);
    layout_areas(79, 24, &a);
    ck_assert_int_eq(a.too_small, 1);
    layout_areas(80, 23, &a);
    ck_assert_int_eq(a.too_small, 1);
    layout_areas(60, 15, &a);
    ck_assert_int_eq(a.too_small, 1);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
    Suite *s = suite_create("ui_table");
    TCase *tc = tcase_create("table");

    tcase_add_loop_test(tc, test_text_fit, 0, N(fit_cases));
    tcase_add_loop_test(tc, test_layout_widths, 0, N(layout_cases));
    tcase_add_test(tc, test_table_row_render);
    tcase_add_test(tc, test_spark_line);
    tcase_add_loop_test(tc, test_spark_gauge, 0, N(gauge_cases));
    tcase_add_test(tc, test_layout_areas);
    suite_add_tcase(s, tc);
    return unit_run(s);
}

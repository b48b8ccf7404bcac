#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/sql.h"

#include "ui/sqledit.h"
#include "ui/sqlgrid.h"

#include "tests/unit/unit.h"

/* ---- sqledit ---- */

static void type(struct sqledit *e, const char *s)
{
    ck_assert_int_eq(sqledit_insert(e, s, strlen(s)), 0);
}

START_TEST(test_edit_insert_cursor)
{
    struct sqledit e;
    int line, col;

    sqledit_init(&e);
    ck_assert_str_eq(sqledit_text(&e), "");
    ck_assert(sqledit_blank(&e));
    ck_assert_int_eq(sqledit_lines(&e), 1);
    type(&e, "select 1");
    ck_assert_str_eq(sqledit_text(&e), "select 1");
    ck_assert(!sqledit_blank(&e));
    /* left twice, insert in the middle */
    ck_assert(sqledit_left(&e));
    ck_assert(sqledit_left(&e));
    type(&e, "x");
    ck_assert_str_eq(sqledit_text(&e), "selectx 1");
    sqledit_cursor(&e, &line, &col);
    ck_assert_int_eq(line, 0);
    ck_assert_int_eq(col, 7);
    ck_assert(sqledit_backspace(&e));
    ck_assert_str_eq(sqledit_text(&e), "select 1");
    ck_assert(sqledit_delete(&e));
    ck_assert_str_eq(sqledit_text(&e), "select1");
    ck_assert(sqledit_home(&e));
    ck_assert(!sqledit_left(&e));
    ck_assert(!sqledit_backspace(&e));
    ck_assert(sqledit_end(&e));
    ck_assert(!sqledit_right(&e));
    ck_assert(!sqledit_delete(&e));
    sqledit_clear(&e);
    ck_assert_str_eq(sqledit_text(&e), "");
    sqledit_free(&e);
}
END_TEST

START_TEST(test_edit_utf8)
{
    struct sqledit e;
    int line, col;

    sqledit_init(&e);
    type(&e, "'h\xc3\xa9t\xc3\xa9'");
    sqledit_cursor(&e, &line, &col);
    ck_assert_int_eq(col, 6);
    ck_assert(sqledit_left(&e));      /* before ' */
    ck_assert(sqledit_backspace(&e)); /* drops the 2-byte é */
    ck_assert_str_eq(sqledit_text(&e), "'h\xc3\xa9t'");
    ck_assert(sqledit_left(&e));
    ck_assert(sqledit_left(&e)); /* before é */
    sqledit_cursor(&e, &line, &col);
    ck_assert_int_eq(col, 2);
    ck_assert(sqledit_delete(&e));
    ck_assert_str_eq(sqledit_text(&e), "'ht'");
    /* goto into the middle of a sequence moves back to its start */
    sqledit_set(&e, "\xc3\xa9\xc3\xa9");
    sqledit_goto(&e, 3);
    sqledit_cursor(&e, &line, &col);
    ck_assert_int_eq(col, 1);
    sqledit_free(&e);
}
END_TEST

START_TEST(test_edit_lines)
{
    struct sqledit e;
    size_t start, len;
    int line, col;

    sqledit_init(&e);
    type(&e, "select a,");
    type(&e, "\n");
    type(&e, "  b");
    type(&e, "\n");
    type(&e, "from tabl;");
    ck_assert_int_eq(sqledit_lines(&e), 3);
    sqledit_cursor(&e, &line, &col);
    ck_assert_int_eq(line, 2);
    ck_assert_int_eq(col, 10);
    ck_assert_int_eq(sqledit_line(&e, 1, &start, &len), 0);
    ck_assert_uint_eq(start, 10);
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(sqledit_line(&e, 3, &start, &len), -1);
    /* up from column 10 to a 3-column line: its end; up again keeps the
     * goal column 10 */
    ck_assert(sqledit_up(&e));
    sqledit_cursor(&e, &line, &col);
    ck_assert_int_eq(line, 1);
    ck_assert_int_eq(col, 3);
    ck_assert(sqledit_up(&e));
    sqledit_cursor(&e, &line, &col);
    ck_assert_int_eq(line, 0);
    ck_assert_int_eq(col, 9);
    ck_assert(!sqledit_up(&e));
    ck_assert(sqledit_down(&e));
    ck_assert(sqledit_down(&e));
    ck_assert(!sqledit_down(&e));
    /* home/end stay on the line */
    ck_assert(sqledit_home(&e));
    sqledit_cursor(&e, &line, &col);
    ck_assert_int_eq(line, 2);
    ck_assert_int_eq(col, 0);
    /* backspace at a line start joins the lines */
    ck_assert(sqledit_backspace(&e));
    ck_assert_str_eq(sqledit_text(&e), "select a,\n  bfrom tabl;");
    ck_assert_int_eq(sqledit_lines(&e), 2);
    /* scrolling keeps the cursor line visible */
    sqledit_set(&e, "1\n2\n3\n4\n5\n6");
    ck_assert_int_eq(sqledit_scroll(&e, 0, 3), 3);
    sqledit_goto(&e, 0);
    ck_assert_int_eq(sqledit_scroll(&e, 3, 3), 0);
    ck_assert_int_eq(sqledit_scroll(&e, 0, 10), 0);
    sqledit_free(&e);
}
END_TEST

START_TEST(test_edit_max)
{
    struct sqledit e;

    sqledit_init(&e);
    e.max_bytes = 4;
    type(&e, "abcd");
    ck_assert_int_eq(sqledit_insert(&e, "e", 1), -1);
    ck_assert_str_eq(sqledit_text(&e), "abcd");
    sqledit_free(&e);
}
END_TEST

static const char *const hist[] = {"select 1;", "select\n2;", "select 3;"};

static const char *hist_at(void *arg, size_t i)
{
    (void)arg;
    return i < 3 ? hist[i] : NULL;
}

START_TEST(test_edit_history)
{
    struct sqledit e;
    int line, col;

    sqledit_init(&e);
    type(&e, "sel");
    /* Up on the first line: the newest entry; the draft is kept */
    ck_assert(sqledit_key_up(&e, 3, hist_at, NULL));
    ck_assert_str_eq(sqledit_text(&e), "select 3;");
    ck_assert(sqledit_key_up(&e, 3, hist_at, NULL));
    ck_assert_str_eq(sqledit_text(&e), "select\n2;");
    sqledit_cursor(&e, &line, &col);
    ck_assert_int_eq(line, 1); /* at the end of a multi-line entry */
    /* while browsing Up keeps walking the history (not the lines) */
    ck_assert(sqledit_key_up(&e, 3, hist_at, NULL));
    ck_assert_str_eq(sqledit_text(&e), "select 1;");
    ck_assert(!sqledit_key_up(&e, 3, hist_at, NULL)); /* the oldest */
    ck_assert_str_eq(sqledit_text(&e), "select 1;");
    ck_assert(sqledit_key_down(&e, 3, hist_at, NULL));
    ck_assert(sqledit_key_down(&e, 3, hist_at, NULL));
    ck_assert_str_eq(sqledit_text(&e), "select 3;");
    ck_assert(sqledit_key_down(&e, 3, hist_at, NULL));
    ck_assert_str_eq(sqledit_text(&e), "sel"); /* the draft is back */
    ck_assert(!sqledit_key_down(&e, 3, hist_at, NULL));
    /* an empty history */
    ck_assert(!sqledit_key_up(&e, 0, hist_at, NULL));
    ck_assert_str_eq(sqledit_text(&e), "sel");
    /* in a multi-line draft Up moves a line first */
    sqledit_set(&e, "a\nb");
    ck_assert(sqledit_key_up(&e, 3, hist_at, NULL));
    ck_assert_str_eq(sqledit_text(&e), "a\nb");
    ck_assert(sqledit_key_up(&e, 3, hist_at, NULL));
    ck_assert_str_eq(sqledit_text(&e), "select 3;");
    /* an edit then a clear stops browsing */
    sqledit_clear(&e);
    ck_assert(sqledit_key_up(&e, 3, hist_at, NULL));
    ck_assert_str_eq(sqledit_text(&e), "select 3;");
    sqledit_free(&e);
}
END_TEST

/* ---- sqlgrid ---- */

/* Writable strings for the result structs (their fields are not const). */
static char h_one[] = "one", h_n[] = "n", h_long[] = "a_long_header_name",
            h_a[] = "a", v_1[] = "1", v_22[] = "22", v_x[] = "x",
            v_abc[] = "abc", v_hello[] = "hello";

static struct sql_column cols3[] = {
    {h_one, 23, 1, 0}, {h_n, 25, 0, 0}, {h_long, 25, 0, 0}};

START_TEST(test_grid_widths)
{
    char *cells[] = {v_1, NULL, v_x, v_22, v_abc, NULL};
    struct sql_set set = {cols3, 3, cells, 1, 1, 0, NULL};
    struct sqlgrid g = {0};
    char big[200];

    sqlgrid_measure(&g, &set, SQLGRID_CAP, 1);
    ck_assert_uint_eq(g.n_cols, 3);
    ck_assert_int_eq(g.width[0], 3);  /* header "one" */
    ck_assert_int_eq(g.width[1], 1);  /* "n" and the 1-cell UTF-8 marker */
    ck_assert_int_eq(g.width[2], 18); /* the header */
    ck_assert_uint_eq(g.seen, 1);
    /* the second row arrives: only it is measured */
    set.n_rows = 2;
    sqlgrid_measure(&g, &set, SQLGRID_CAP, 1);
    ck_assert_int_eq(g.width[1], 3);
    ck_assert_uint_eq(g.seen, 2);
    sqlgrid_reset(&g);
    /* ASCII: NULL is 4 cells */
    sqlgrid_measure(&g, &set, SQLGRID_CAP, 0);
    ck_assert_int_eq(g.width[2], 18);
    set.n_rows = 1;
    sqlgrid_reset(&g);
    sqlgrid_measure(&g, &set, SQLGRID_CAP, 0);
    ck_assert_int_eq(g.width[1], 4);
    /* a long value is capped */
    memset(big, 'w', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cells[0] = big;
    sqlgrid_reset(&g);
    sqlgrid_measure(&g, &set, 10, 1);
    ck_assert_int_eq(g.width[0], 10);
    ck_assert_int_eq(g.width[2], 10); /* the header is capped too */
    sqlgrid_reset(&g);
}
END_TEST

START_TEST(test_grid_new_set)
{
    char *cells[] = {v_1, NULL, v_x};
    char *cells2[] = {v_hello};
    struct sql_column c1[] = {{h_a, 25, 0, 0}};
    struct sql_set set = {cols3, 3, cells, 1, 1, 0, NULL};
    struct sql_set set2 = {c1, 1, cells2, 1, 1, 0, NULL};
    struct sqlgrid g = {0};

    sqlgrid_measure(&g, &set, SQLGRID_CAP, 1);
    g.left = 2;
    sqlgrid_measure(&g, &set2, SQLGRID_CAP, 1);
    ck_assert_uint_eq(g.n_cols, 1);
    ck_assert_int_eq(g.width[0], 5);
    ck_assert_uint_eq(g.left, 0);
    sqlgrid_measure(&g, NULL, SQLGRID_CAP, 1);
    ck_assert_uint_eq(g.n_cols, 0);
    sqlgrid_reset(&g);
}
END_TEST

START_TEST(test_grid_scroll)
{
    struct sqlgrid g = {0};
    size_t n = 100;

    /* 100 rows, 10 visible */
    ck_assert(!sqlgrid_scroll(&g, SQLGRID_UP, n, 10));
    ck_assert(sqlgrid_scroll(&g, SQLGRID_DOWN, n, 10));
    ck_assert_uint_eq(g.top, 1);
    sqlgrid_scroll(&g, SQLGRID_PAGE_DOWN, n, 10);
    ck_assert_uint_eq(g.top, 11);
    sqlgrid_scroll(&g, SQLGRID_BOTTOM, n, 10);
    ck_assert_uint_eq(g.top, 90);
    ck_assert(!sqlgrid_scroll(&g, SQLGRID_PAGE_DOWN, n, 10));
    ck_assert_uint_eq(g.top, 90);
    sqlgrid_scroll(&g, SQLGRID_PAGE_UP, n, 10);
    ck_assert_uint_eq(g.top, 80);
    sqlgrid_scroll(&g, SQLGRID_TOP, n, 10);
    ck_assert_uint_eq(g.top, 0);
    sqlgrid_scroll(&g, SQLGRID_PAGE_UP, n, 10);
    ck_assert_uint_eq(g.top, 0);
    /* fewer rows than fit: never scrolls */
    ck_assert(!sqlgrid_scroll(&g, SQLGRID_PAGE_DOWN, 5, 10));
    ck_assert_uint_eq(g.top, 0);
    /* the result shrank (a new one): clamped */
    g.top = 50;
    sqlgrid_clamp(&g, 20, 10);
    ck_assert_uint_eq(g.top, 10);
    /* a visible count below 1 counts as 1 */
    sqlgrid_scroll(&g, SQLGRID_BOTTOM, 20, 0);
    ck_assert_uint_eq(g.top, 19);
}
END_TEST

START_TEST(test_grid_cols)
{
    char *cells[] = {v_1, NULL, v_x};
    struct sql_set set = {cols3, 3, cells, 1, 1, 0, NULL};
    struct sqlgrid g = {0};
    int w[3];
    size_t n;

    sqlgrid_measure(&g, &set, SQLGRID_CAP, 1); /* widths 3 1 18 */
    n = sqlgrid_cols(&g, 80, w);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(w[0] + w[1] + w[2], 22);
    /* 3 + 1 + 1 + 1 + the last narrowed to 4 */
    n = sqlgrid_cols(&g, 10, w);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(w[2], 4);
    /* exactly two columns and their separator: the third has no room */
    n = sqlgrid_cols(&g, 6, w);
    ck_assert_uint_eq(n, 2);
    /* scrolled right */
    ck_assert(sqlgrid_scroll(&g, SQLGRID_RIGHT, 1, 10));
    n = sqlgrid_cols(&g, 80, w);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(w[0], 1);
    sqlgrid_scroll(&g, SQLGRID_LAST_COL, 1, 10);
    ck_assert_uint_eq(g.left, 2);
    ck_assert(!sqlgrid_scroll(&g, SQLGRID_RIGHT, 1, 10));
    sqlgrid_scroll(&g, SQLGRID_FIRST_COL, 1, 10);
    ck_assert_uint_eq(g.left, 0);
    ck_assert(!sqlgrid_scroll(&g, SQLGRID_LEFT, 1, 10));
    /* widths 3 1 18 and two spaces: all fit in 24 cells, not in 23 */
    ck_assert(!sqlgrid_more_right(&g, 24));
    ck_assert(sqlgrid_more_right(&g, 23));
    g.left = 2;
    ck_assert(!sqlgrid_more_right(&g, 18));
    ck_assert(sqlgrid_more_right(&g, 17));
    sqlgrid_reset(&g);
    ck_assert_uint_eq(sqlgrid_cols(&g, 80, w), 0);
    ck_assert(!sqlgrid_more_right(&g, 80));
}
END_TEST

START_TEST(test_grid_null)
{
    ck_assert_str_eq(sqlgrid_null(0), "NULL");
    ck_assert_str_eq(sqlgrid_null(1), "\xe2\x88\x85");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ui_sql");
    TCase *tc = tcase_create("sql");

    tcase_add_test(tc, test_edit_insert_cursor);
    tcase_add_test(tc, test_edit_utf8);
    tcase_add_test(tc, test_edit_lines);
    tcase_add_test(tc, test_edit_max);
    tcase_add_test(tc, test_edit_history);
    tcase_add_test(tc, test_grid_widths);
    tcase_add_test(tc, test_grid_new_set);
    tcase_add_test(tc, test_grid_scroll);
    tcase_add_test(tc, test_grid_cols);
    tcase_add_test(tc, test_grid_null);
    suite_add_tcase(s, tc);
    return unit_run(s);
}

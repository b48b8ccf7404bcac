#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/xmalloc.h"

#include "tests/unit/unit.h"

START_TEST(test_buf_empty_is_empty_string)
{
    struct buf b = BUF_INIT;

    ck_assert_str_eq(buf_str(&b), "");
    ck_assert_uint_eq(b.len, 0);
    buf_free(&b);
}
END_TEST

START_TEST(test_buf_append_grows)
{
    struct buf b = BUF_INIT;
    int i;

    for (i = 0; i < 1000; i++)
        buf_puts(&b, "abc");
    ck_assert_uint_eq(b.len, 3000);
    ck_assert_int_eq(strncmp(b.data + 2997, "abc", 4), 0);
    buf_free(&b);
    ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(test_buf_printf_and_steal)
{
    struct buf b = BUF_INIT;
    char *s;

    buf_printf(&b, "%s=%d", "lag", 42);
    buf_putc(&b, ';');
    s = buf_steal(&b);
    ck_assert_str_eq(s, "lag=42;");
    ck_assert_ptr_null(b.data);
    free(s);
    s = buf_steal(&b);
    ck_assert_str_eq(s, "");
    free(s);
}
END_TEST

START_TEST(test_buf_reset_keeps_capacity)
{
    struct buf b = BUF_INIT;
    size_t cap;

    buf_puts(&b, "something long enough");
    cap = b.cap;
    buf_reset(&b);
    ck_assert_str_eq(buf_str(&b), "");
    ck_assert_uint_eq(b.cap, cap);
    buf_free(&b);
}
END_TEST

START_TEST(test_x_asprintf_formats)
{
    char *s = x_asprintf("%s-%05d", "node", 7);

    ck_assert_str_eq(s, "node-00007");
    free(s);
}
END_TEST

START_TEST(test_x_malloc_zero_aborts)
{
    (void)x_malloc(0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_buf_empty_is_empty_string);
    tcase_add_test(tc, test_buf_append_grows);
    tcase_add_test(tc, test_buf_printf_and_steal);
    tcase_add_test(tc, test_buf_reset_keeps_capacity);
    tcase_add_test(tc, test_x_asprintf_formats);
    tcase_add_test_raise_signal(tc, test_x_malloc_zero_aborts, SIGABRT);
    suite_add_tcase(s, tc);
    return unit_run(s);
}

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/http.h"

#include "tests/unit/unit.h"

/* The retry decision, table-driven.  MIN/MAX bound the delay when the
 * answer is "retry" (the jitter is random; each row runs with several
 * random numbers). */
struct retry_case {
    const char *name;
    int is_get;
    enum http_outcome outcome;
    int status;
    int64_t retry_after_ms;
    int attempt;
    int retries;
    int want;
    int64_t min, max;
};

static const struct retry_case retry_cases[] = {
    {"GET 503 first attempt", 1, HTTP_OUTCOME_RESPONSE, 503, -1, 1, 3, 1, 125,
     250},
    {"GET 502", 1, HTTP_OUTCOME_RESPONSE, 502, -1, 1, 3, 1, 125, 250},
    {"GET 504", 1, HTTP_OUTCOME_RESPONSE, 504, -1, 1, 3, 1, 125, 250},
    {"GET 429 without Retry-After", 1, HTTP_OUTCOME_RESPONSE, 429, -1, 1, 3, 1,
     125, 250},
    {"GET 429 Retry-After 2 s", 1, HTTP_OUTCOME_RESPONSE, 429, 2000, 1, 3, 1,
     2000, 2000},
    {"GET 503 Retry-After capped", 1, HTTP_OUTCOME_RESPONSE, 503, 3600000, 1, 3,
     1, HTTP_RETRY_AFTER_MAX_MS, HTTP_RETRY_AFTER_MAX_MS},
    {"GET 500 is final", 1, HTTP_OUTCOME_RESPONSE, 500, -1, 1, 3, 0, 0, 0},
    {"GET 404 is final", 1, HTTP_OUTCOME_RESPONSE, 404, -1, 1, 3, 0, 0, 0},
    {"GET 401 is final", 1, HTTP_OUTCOME_RESPONSE, 401, -1, 1, 3, 0, 0, 0},
    {"GET 200 is final", 1, HTTP_OUTCOME_RESPONSE, 200, -1, 1, 3, 0, 0, 0},
    {"POST 503 never retried", 0, HTTP_OUTCOME_RESPONSE, 503, -1, 1, 3, 0, 0,
     0},
    {"POST connection refused never retried", 0, HTTP_OUTCOME_CONNECT, 0, -1, 1,
     3, 0, 0, 0},
    {"POST 429 retried after Retry-After", 0, HTTP_OUTCOME_RESPONSE, 429, 2000,
     1, 3, 1, 2000, 2000},
    {"POST 429 retries exhausted", 0, HTTP_OUTCOME_RESPONSE, 429, -1, 4, 3, 0,
     0, 0},
    {"POST 500 never retried", 0, HTTP_OUTCOME_RESPONSE, 500, -1, 1, 3, 0, 0,
     0},
    {"GET connection refused", 1, HTTP_OUTCOME_CONNECT, 0, -1, 1, 3, 1, 125,
     250},
    {"GET connect timeout", 1, HTTP_OUTCOME_CONNECT_TIMEOUT, 0, -1, 1, 3, 1,
     125, 250},
    {"GET total timeout is final", 1, HTTP_OUTCOME_TIMEOUT, 0, -1, 1, 3, 0, 0,
     0},
    {"GET too large is final", 1, HTTP_OUTCOME_TOO_LARGE, 200, -1, 1, 3, 0, 0,
     0},
    {"GET other error is final", 1, HTTP_OUTCOME_OTHER, 0, -1, 1, 3, 0, 0, 0},
    {"second retry doubles", 1, HTTP_OUTCOME_RESPONSE, 503, -1, 2, 3, 1, 250,
     500},
    {"third retry doubles again", 1, HTTP_OUTCOME_CONNECT, 0, -1, 3, 3, 1, 500,
     1000},
    {"retries exhausted", 1, HTTP_OUTCOME_RESPONSE, 503, -1, 4, 3, 0, 0, 0},
    {"retries disabled", 1, HTTP_OUTCOME_RESPONSE, 503, -1, 1, -1, 0, 0, 0},
    {"Retry-After ignored for connection errors", 1, HTTP_OUTCOME_CONNECT, 0,
     9000, 1, 3, 1, 125, 250},
    {"backoff capped at max", 1, HTTP_OUTCOME_RESPONSE, 503, -1, 30, 40, 1,
     4000, 8000},
};

START_TEST(test_retry_table)
{
    static const uint32_t randoms[] = {0,   1,    77,          125,
                                       126, 4096, 0x7fffffffu, 0xffffffffu};
    const struct retry_case *c = &retry_cases[_i];
    size_t k;

    for (k = 0; k < sizeof randoms / sizeof randoms[0]; k++) {
        struct http_retry_in in;
        int64_t delay = -12345;
        int got;

        memset(&in, 0, sizeof in);
        in.is_get = c->is_get;
        in.outcome = c->outcome;
        in.status = c->status;
        in.retry_after_ms = c->retry_after_ms;
        in.attempt = c->attempt;
        in.retries = c->retries;
        in.backoff_ms = 250;
        in.backoff_max_ms = 8000;
        in.random = randoms[k];
        got = http_retry_decide(&in, &delay);
        ck_assert_msg(got == c->want, "%s: decide %d, want %d", c->name, got,
                      c->want);
        if (c->want) {
            ck_assert_msg(delay >= c->min && delay <= c->max,
                          "%s: delay %lld not in [%lld, %lld]", c->name,
                          (long long)delay, (long long)c->min,
                          (long long)c->max);
        } else {
            ck_assert_msg(delay == -12345, "%s: delay set on no-retry",
                          c->name);
        }
    }
}
END_TEST

/* The jitter spreads: different random numbers give different delays. */
START_TEST(test_retry_jitter_spreads)
{
    struct http_retry_in in;
    int64_t a = 0, b = 0;

    memset(&in, 0, sizeof in);
    in.is_get = 1;
    in.outcome = HTTP_OUTCOME_RESPONSE;
    in.status = 503;
    in.retry_after_ms = -1;
    in.attempt = 1;
    in.retries = 3;
    in.backoff_ms = 1000;
    in.backoff_max_ms = 8000;
    in.random = 3;
    ck_assert_int_eq(http_retry_decide(&in, &a), 1);
    in.random = 400;
    ck_assert_int_eq(http_retry_decide(&in, &b), 1);
    ck_assert_int_eq(a, 503);
    ck_assert_int_eq(b, 900);
}
END_TEST

/* Zero backoff settings fall back to the defaults. */
START_TEST(test_retry_defaults)
{
    struct http_retry_in in;
    int64_t d = 0;

    memset(&in, 0, sizeof in);
    in.is_get = 1;
    in.outcome = HTTP_OUTCOME_CONNECT;
    in.retry_after_ms = -1;
    in.attempt = 1;
    in.retries = 1;
    in.random = 0;
    ck_assert_int_eq(http_retry_decide(&in, &d), 1);
    ck_assert_int_eq(d, HTTP_DEFAULT_BACKOFF_MS / 2);
}
END_TEST

struct ra_case {
    const char *value;
    int64_t now;
    int64_t want;
};

/* 2015-10-21 07:28:00 UTC */
#define RA_T 1445412480LL

static const struct ra_case ra_cases[] = {
    {"120", 0, 120000},
    {"0", 0, 0},
    {" 3 ", 0, 3000},
    {"1\t", 0, 1000},
    {"", 0, -1},
    {"-1", 0, -1},
    {"1.5", 0, -1},
    {"12abc", 0, -1},
    {"soon", 0, -1},
    {"99999999999999999999", 0, 86400LL * 365 * 1000},
    {"Wed, 21 Oct 2015 07:28:00 GMT", RA_T - 10, 10000},
    {"Wed, 21 Oct 2015 07:28:00 GMT", RA_T, 0},
    {"Wed, 21 Oct 2015 07:28:00 GMT", RA_T + 500, 0},
    {"Thu, 01 Jan 1970 00:01:00 GMT", 0, 60000},
    {"Tue, 29 Feb 2028 00:00:00 GMT", 1835395200LL - 1, 1000},
    {"Wed, 21 Oct 2015 07:28:00 UTC", 0, -1},
    {"Wed, 21 Foo 2015 07:28:00 GMT", 0, -1},
    {"Wed, 21 Oct 2015 25:28:00 GMT", 0, -1},
    {"Wed, 21 Oct 2015 07:28:00 GMT trailing", 0, -1},
};

START_TEST(test_retry_after_table)
{
    const struct ra_case *c = &ra_cases[_i];
    int64_t got = http_retry_after_parse(c->value, c->now);

    ck_assert_msg(got == c->want, "'%s': %lld, want %lld", c->value,
                  (long long)got, (long long)c->want);
}
END_TEST

START_TEST(test_retry_after_null)
{
    ck_assert_int_eq(http_retry_after_parse(NULL, 0), -1);
}
END_TEST

struct auth_case {
    const char *token;
    enum context_auth scheme;
    const char *want;
};

static const struct auth_case auth_cases[] = {
    {"abc123", CONTEXT_AUTH_BEARER, "Bearer abc123"},
    {"abc123", CONTEXT_AUTH_FLYV1, "FlyV1 abc123"},
    {"fm2_lJPECAAAA", CONTEXT_AUTH_BEARER, "FlyV1 fm2_lJPECAAAA"},
    {"fm1r_xyz", CONTEXT_AUTH_BEARER, "FlyV1 fm1r_xyz"},
    {"fm2_a,fm2_b", CONTEXT_AUTH_BEARER, "FlyV1 fm2_a,fm2_b"},
    {"FlyV1 fm2_q", CONTEXT_AUTH_BEARER, "FlyV1 fm2_q"},
    {"Bearer tok", CONTEXT_AUTH_FLYV1, "Bearer tok"},
    {"fo2_notamacaroon", CONTEXT_AUTH_BEARER, "Bearer fo2_notamacaroon"},
};

START_TEST(test_auth_scheme_table)
{
    const struct auth_case *c = &auth_cases[_i];
    char *v = http_auth_value(c->token, c->scheme);

    ck_assert_str_eq(v, c->want);
    free(v);
}
END_TEST

START_TEST(test_escape)
{
    static const char *const cases[][2] = {
        {"personal", "personal"},         {"a b/c", "a%20b%2Fc"},
        {"x?y&z=1#", "x%3Fy%26z%3D1%23"}, {"A-Z_a.z~0", "A-Z_a.z~0"},
        {"\xc3\xa9", "%C3%A9"},           {"", ""},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *e = http_escape(cases[i][0]);

        ck_assert_str_eq(e, cases[i][1]);
        free(e);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_retry");
    TCase *tc;

    tc = tcase_create("retry");
    tcase_add_loop_test(tc, test_retry_table, 0,
                        (int)(sizeof retry_cases / sizeof retry_cases[0]));
    tcase_add_test(tc, test_retry_jitter_spreads);
    tcase_add_test(tc, test_retry_defaults);
    suite_add_tcase(s, tc);
    tc = tcase_create("retry_after");
    tcase_add_loop_test(tc, test_retry_after_table, 0,
                        (int)(sizeof ra_cases / sizeof ra_cases[0]));
    tcase_add_test(tc, test_retry_after_null);
    suite_add_tcase(s, tc);
    tc = tcase_create("auth");
    tcase_add_loop_test(tc, test_auth_scheme_table, 0,
                        (int)(sizeof auth_cases / sizeof auth_cases[0]));
    tcase_add_test(tc, test_escape);
    suite_add_tcase(s, tc);
    return unit_run(s);
}

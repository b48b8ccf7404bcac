#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "src/api.h"

static int time_digits(const char **p, int n, int *out);
static int time_days_in_month(int y, int m);
static int64_t time_days_from_civil(int64_t y, int m, int d);
static int time_unit(const char **p, uint64_t *unit);

/* Exactly N decimal digits at *P into *OUT; advances *P.  0 or -1. */
static int time_digits(const char **p, int n, int *out)
{
    int v = 0;
    int i;

    for (i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int time_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};

    if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* Days since 1970-01-01 of the proleptic Gregorian date Y-M-D. */
static int64_t time_days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    if (m <= 2)
        y--;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int api_time_parse(const char *s, int64_t *ms)
{
    const char *p = s;
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    int64_t frac = 0, secs;
    int nfrac = 0;

    if (time_digits(&p, 4, &y) < 0 || *p++ != '-' ||
        time_digits(&p, 2, &mo) < 0 || *p++ != '-' ||
        time_digits(&p, 2, &d) < 0)
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (time_digits(&p, 2, &h) < 0 || *p++ != ':' ||
        time_digits(&p, 2, &mi) < 0 || *p++ != ':' ||
        time_digits(&p, 2, &sec) < 0)
        return -1;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        /* Milliseconds from the first three digits; the rest is dropped. */
        for (; *p >= '0' && *p <= '9'; p++, nfrac++)
            if (nfrac < 3)
                frac = frac * 10 + (*p - '0');
        for (; nfrac < 3; nfrac++)
            frac *= 10;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p++ == '-' ? -1 : 1;
        if (time_digits(&p, 2, &oh) < 0 || *p++ != ':' ||
            time_digits(&p, 2, &om) < 0)
            return -1;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > time_days_in_month(y, mo) || h > 23 ||
        mi > 59 || sec > 60 || oh > 23 || om > 59)
        return -1;
    secs = time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    secs -= (int64_t)sign * (oh * 3600 + om * 60);
    *ms = secs * 1000 + frac;
    return 0;
}

/* A duration unit at *P (advanced past it) as nanoseconds.  0 or -1. */
static int time_unit(const char **p, uint64_t *unit)
{
    static const struct {
        const char *name;
        uint64_t ns;
    } units[] = {
        {"ns", 1ULL},           {"us", 1000ULL},
        {"\xc2\xb5s", 1000ULL}, /* U+00B5 micro sign */
        {"\xce\xbcs", 1000ULL}, /* U+03BC Greek mu */
        {"ms", 1000000ULL},     {"s", 1000000000ULL},
        {"m", 60000000000ULL},  {"h", 3600000000000ULL},
    };
    size_t len = 0, i;

    while ((*p)[len] && (*p)[len] != '.' &&
           ((*p)[len] < '0' || (*p)[len] > '9'))
        len++;
    for (i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strlen(units[i].name) == len &&
            memcmp(units[i].name, *p, len) == 0) {
            *p += len;
            *unit = units[i].ns;
            return 0;
        }
    }
    return -1;
}

int api_time_parse_duration(const char *s, int64_t *ns)
{
    const uint64_t limit = (uint64_t)INT64_MAX + 1; /* |INT64_MIN| */
    const char *p = s;
    uint64_t total = 0;
    int neg = 0;

    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (strcmp(p, "0") == 0) {
        *ns = 0;
        return 0;
    }
    if (*p == '\0')
        return -1;
    while (*p) {
        uint64_t v = 0, f = 0, scale = 1, unit;
        int pre = 0, post = 0;

        for (; *p >= '0' && *p <= '9'; p++, pre = 1) {
            uint64_t digit = (uint64_t)(*p - '0');

            if (v > (limit - digit) / 10)
                return -1;
            v = v * 10 + digit;
        }
        if (*p == '.') {
            for (p++; *p >= '0' && *p <= '9'; p++, post = 1) {
                if (scale >= 100000000000000000ULL)
                    continue; /* beyond 1e-17: below a nanosecond */
                f = f * 10 + (uint64_t)(*p - '0');
                scale *= 10;
            }
        }
        if (!pre && !post)
            return -1;
        if (time_unit(&p, &unit) < 0)
            return -1;
        if (v > limit / unit)
            return -1;
        v *= unit;
        if (f > 0)
            v += (uint64_t)((double)f * ((double)unit / (double)scale));
        if (v > limit || total > limit - v)
            return -1;
        total += v;
    }
    if (!neg && total > (uint64_t)INT64_MAX)
        return -1;
    if (neg)
        *ns = total == limit ? INT64_MIN : -(int64_t)total;
    else
        *ns = (int64_t)total;
    return 0;
}

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/http.h"
#include "src/xmalloc.h"

/*
 * The pure parts of http.h: the retry decision, Retry-After, the
 * Authorization value and percent-encoding.  No libcurl, no clock: every
 * input comes in as a parameter so that the unit tests can pin it.
 */

static int http_retry_status(int status);
static int64_t http_days_from_civil(int64_t y, int m, int d);
static int http_month(const char *name);

/* The statuses worth another try: the gateway or the API is overloaded or
 * restarting, or asks us to slow down. */
static int http_retry_status(int status)
{
    return status == 429 || status == 502 || status == 503 || status == 504;
}

int http_retry_decide(const struct http_retry_in *in, int64_t *delay_ms)
{
    int64_t base, delay, half, cap;
    int shift;

    if (in->retries < 0 || in->attempt > in->retries)
        return 0;
    /* Other methods may have taken effect when the answer went missing;
     * only a 429 says for certain that the request was not carried out. */
    if (!in->is_get &&
        !(in->outcome == HTTP_OUTCOME_RESPONSE && in->status == 429))
        return 0;
    switch (in->outcome) {
    case HTTP_OUTCOME_CONNECT:
    case HTTP_OUTCOME_CONNECT_TIMEOUT:
        break;
    case HTTP_OUTCOME_RESPONSE:
        if (!http_retry_status(in->status))
            return 0;
        break;
    case HTTP_OUTCOME_TIMEOUT:
    case HTTP_OUTCOME_TOO_LARGE:
    case HTTP_OUTCOME_OTHER:
    default:
        return 0;
    }
    base = in->backoff_ms > 0 ? in->backoff_ms : HTTP_DEFAULT_BACKOFF_MS;
    cap = in->backoff_max_ms > 0 ? in->backoff_max_ms
                                 : HTTP_DEFAULT_BACKOFF_MAX_MS;
    /* backoff * 2^(attempt-1) without overflowing */
    for (shift = 1; shift < in->attempt && base < cap; shift++)
        base *= 2;
    if (base > cap)
        base = cap;
    /* "Equal jitter": half of the backoff is fixed, half random, so that
     * clients that failed together do not come back together. */
    half = base / 2;
    delay = half + (int64_t)(in->random % (uint64_t)(base - half + 1));
    if (in->outcome == HTTP_OUTCOME_RESPONSE && in->retry_after_ms >= 0) {
        int64_t ra = in->retry_after_ms;

        if (ra > HTTP_RETRY_AFTER_MAX_MS)
            ra = HTTP_RETRY_AFTER_MAX_MS;
        if (delay < ra)
            delay = ra;
    }
    *delay_ms = delay;
    return 1;
}

/* Days since 1970-01-01 of the civil date Y-M-D (proleptic Gregorian). */
static int64_t http_days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int http_month(const char *name)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                         "May", "Jun", "Jul", "Aug",
                                         "Sep", "Oct", "Nov", "Dec"};
    int i;

    for (i = 0; i < 12; i++) {
        if (strcmp(name, months[i]) == 0)
            return i + 1;
    }
    return 0;
}

int64_t http_retry_after_parse(const char *value, int64_t now_unix_s)
{
    char wday[4], mon[4], zone[4], tail;
    int day, year, hh, mm, ss, m;
    int64_t t;
    const char *p = value;

    if (!value)
        return -1;
    while (*p == ' ' || *p == '\t')
        p++;
    if (isdigit((unsigned char)*p)) {
        char *end;
        long long secs;
        const char *q = p;

        while (isdigit((unsigned char)*q))
            q++;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q)
            return -1;
        errno = 0;
        secs = strtoll(p, &end, 10);
        if (errno == ERANGE || secs > 86400LL * 365)
            secs = 86400LL * 365;
        return (int64_t)secs * 1000;
    }
    /* IMF-fixdate, the only form RFC 9110 asks senders to produce:
     * "Sun, 06 Nov 1994 08:49:37 GMT". */
    if (sscanf(p, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%c", wday,
               &day, mon, &year, &hh, &mm, &ss, zone, &tail) != 8)
        return -1;
    m = http_month(mon);
    if (!m || strcmp(zone, "GMT") != 0 || day < 1 || day > 31 || hh > 23 ||
        mm > 59 || ss > 60 || year < 1970)
        return -1;
    t = http_days_from_civil(year, m, day) * 86400 + hh * 3600 + mm * 60 + ss;
    if (t <= now_unix_s)
        return 0;
    return (t - now_unix_s) * 1000;
}

char *http_auth_value(const char *token, enum context_auth scheme)
{
    if (strncmp(token, "FlyV1 ", 6) == 0 || strncmp(token, "Bearer ", 7) == 0)
        return x_strdup(token);
    if (scheme == CONTEXT_AUTH_FLYV1 ||
        context_token_scheme(token) == CONTEXT_AUTH_FLYV1)
        return x_asprintf("FlyV1 %s", token);
    return x_asprintf("Bearer %s", token);
}

char *http_escape(const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    struct buf b = BUF_INIT;
    const unsigned char *p;

    buf_puts(&b, "");
    for (p = (const unsigned char *)text; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
            *p == '~') {
            buf_putc(&b, (char)*p);
        } else {
            buf_putc(&b, '%');
            buf_putc(&b, hex[*p >> 4]);
            buf_putc(&b, hex[*p & 15]);
        }
    }
    return buf_steal(&b);
}

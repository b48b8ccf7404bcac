#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/platformd/parse.h"

struct parse_sig {
    const char *name;
    int sig;
};

static const struct parse_sig parse_sigs[] = {
    {"SIGABRT", SIGABRT}, {"SIGALRM", SIGALRM}, {"SIGFPE", SIGFPE},
    {"SIGHUP", SIGHUP},   {"SIGILL", SIGILL},   {"SIGINT", SIGINT},
    {"SIGKILL", SIGKILL}, {"SIGPIPE", SIGPIPE}, {"SIGQUIT", SIGQUIT},
    {"SIGSEGV", SIGSEGV}, {"SIGTERM", SIGTERM}, {"SIGTRAP", SIGTRAP},
    {"SIGUSR1", SIGUSR1}, {"SIGUSR2", SIGUSR2}, {"SIGSTOP", SIGSTOP},
    {"SIGCONT", SIGCONT},
};

#define PARSE_NSIGS (sizeof parse_sigs / sizeof parse_sigs[0])

int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int parse_duration_ms(const char *s, int bare_is_seconds, long long *ms)
{
    long double total = 0; /* nanoseconds */
    const char *p = s;
    int any = 0;

    if (!s || !*s)
        return -1;
    if (strcmp(s, "0") == 0) {
        *ms = 0;
        return 0;
    }
    while (*p) {
        char *end;
        long double v, unit;

        if (!isdigit((unsigned char)*p) && *p != '.')
            return -1;
        errno = 0;
        v = strtold(p, &end);
        if (errno || end == p || v < 0)
            return -1;
        p = end;
        if (*p == '\0') {
            if (any)
                return -1;
            unit = bare_is_seconds ? 1e9L : 1.0L;
        } else if (strncmp(p, "ns", 2) == 0) {
            unit = 1.0L;
            p += 2;
        } else if (strncmp(p, "us", 2) == 0) {
            unit = 1e3L;
            p += 2;
        } else if (strncmp(p, "\xc2\xb5s", 3) == 0) {
            unit = 1e3L;
            p += 3;
        } else if (strncmp(p, "ms", 2) == 0) {
            unit = 1e6L;
            p += 2;
        } else if (*p == 's') {
            unit = 1e9L;
            p++;
        } else if (*p == 'm') {
            unit = 60e9L;
            p++;
        } else if (*p == 'h') {
            unit = 3600e9L;
            p++;
        } else {
            return -1;
        }
        total += v * unit;
        any = 1;
        if (total > 1e18L)
            return -1;
    }
    *ms = (long long)(total / 1e6L);
    return 0;
}

int parse_json_duration_ms(const cJSON *v, long long *ms)
{
    if (cJSON_IsString(v))
        return parse_duration_ms(v->valuestring, 0, ms);
    if (cJSON_IsNumber(v)) {
        if (v->valuedouble < 0 || v->valuedouble > 1e18)
            return -1;
        *ms = (long long)(v->valuedouble / 1e6);
        return 0;
    }
    return -1;
}

void parse_format_duration(long long ms, char *out, size_t len)
{
    long long h = ms / 3600000, m = (ms / 60000) % 60, s = (ms / 1000) % 60;
    long long rest = ms % 1000;
    int n = 0;

    if (ms < 1000) {
        snprintf(out, len, ms == 0 ? "0s" : "%lldms", ms);
        return;
    }
    out[0] = '\0';
    if (h)
        n += snprintf(out + n, len - (size_t)n, "%lldh", h);
    if (h || m)
        n += snprintf(out + n, len - (size_t)n, "%lldm", m);
    if (rest)
        snprintf(out + n, len - (size_t)n, "%lld.%03llds", s, rest);
    else
        snprintf(out + n, len - (size_t)n, "%llds", s);
}

int parse_signal_name(const char *s)
{
    long n;
    size_t i;

    if (!s || !*s)
        return -1;
    if (parse_long(s, 1, 64, &n) == 0)
        return (int)n;
    for (i = 0; i < PARSE_NSIGS; i++) {
        if (strcasecmp(s, parse_sigs[i].name) == 0 ||
            strcasecmp(s, parse_sigs[i].name + 3) == 0)
            return parse_sigs[i].sig;
    }
    return -1;
}

int parse_json_signal(const cJSON *v)
{
    if (cJSON_IsString(v))
        return parse_signal_name(v->valuestring);
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;

        if (d < 1 || d > 64 || d - (double)(int)d > 0)
            return -1;
        return (int)v->valuedouble;
    }
    return -1;
}

const char *parse_signal_str(int sig)
{
    size_t i;

    for (i = 0; i < PARSE_NSIGS; i++)
        if (parse_sigs[i].sig == sig)
            return parse_sigs[i].name;
    return "SIG?";
}

int parse_bool(const char *s)
{
    if (!s)
        return -1;
    if (!*s || strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0 ||
        strcasecmp(s, "yes") == 0)
        return 1;
    if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0 ||
        strcasecmp(s, "no") == 0)
        return 0;
    return -1;
}

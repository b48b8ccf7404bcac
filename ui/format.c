#include "config.h"

#include <stdio.h>

#include "ui/format.h"

char *format_bytes(long long bytes, char *out, size_t cap)
{
    static const char units[] = "KMGTPE";
    double v;
    int u = -1;

    if (bytes < 0) {
        snprintf(out, cap, "-");
        return out;
    }
    if (bytes < 1024) {
        snprintf(out, cap, "%lldB", bytes);
        return out;
    }
    v = (double)bytes;
    while (v >= 1024.0 && u < 5) {
        v /= 1024.0;
        u++;
    }
    /* 9.95 would print as "10.0": switch to no decimals at that point. */
    if (v < 9.95)
        snprintf(out, cap, "%.1f%c", v, units[u]);
    else
        snprintf(out, cap, "%.0f%c", v, units[u]);
    return out;
}

char *format_duration(long long ms, char *out, size_t cap)
{
    long long s;

    if (ms < 0) {
        snprintf(out, cap, "-");
        return out;
    }
    if (ms == 0) {
        snprintf(out, cap, "0s");
        return out;
    }
    if (ms < 1000) {
        snprintf(out, cap, "%lldms", ms);
        return out;
    }
    if (ms < 9950) {
        snprintf(out, cap, "%.1fs", (double)ms / 1000.0);
        return out;
    }
    s = (ms + 500) / 1000;
    if (s < 60)
        snprintf(out, cap, "%llds", s);
    else if (s < 3600)
        snprintf(out, cap, "%lldm%02llds", s / 60, s % 60);
    else if (s < 86400)
        snprintf(out, cap, "%lldh%02lldm", s / 3600, s % 3600 / 60);
    else
        snprintf(out, cap, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
    return out;
}

char *format_age(long long age_ms, char *out, size_t cap)
{
    long long s;

    if (age_ms < 0) {
        snprintf(out, cap, "-");
        return out;
    }
    s = age_ms / 1000;
    if (s < 1)
        snprintf(out, cap, "now");
    else if (s < 60)
        snprintf(out, cap, "%llds ago", s);
    else if (s < 3600)
        snprintf(out, cap, "%lldm ago", s / 60);
    else if (s < 86400)
        snprintf(out, cap, "%lldh ago", s / 3600);
    else
        snprintf(out, cap, "%lldd ago", s / 86400);
    return out;
}

char *format_eta(long long seconds, char *out, size_t cap)
{
    if (seconds < 0)
        snprintf(out, cap, "-");
    else if (seconds > 365LL * 86400)
        snprintf(out, cap, ">1y");
    else if (seconds < 60)
        snprintf(out, cap, "%llds", seconds);
    else if (seconds < 3600)
        snprintf(out, cap, "%lldm", seconds / 60);
    else if (seconds < 86400)
        snprintf(out, cap, "%lldh%02lldm", seconds / 3600, seconds % 3600 / 60);
    else
        snprintf(out, cap, "%lldd", seconds / 86400);
    return out;
}

char *format_pct(double pct, char *out, size_t cap)
{
    if (pct < 0) {
        snprintf(out, cap, "-");
        return out;
    }
    if (pct > 100)
        pct = 100;
    snprintf(out, cap, "%.0f%%", pct);
    return out;
}

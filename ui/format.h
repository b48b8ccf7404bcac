/*
 * format: numbers as the screens show them (pure, no curses).
 *
 * Every function writes a NUL-terminated string into the caller's buffer
 * OUT of CAP bytes (UI_FMT_CAP is always enough) and returns OUT, so calls
 * can be nested in printf-like argument lists.  Unknown values (negative
 * numbers) print as "-".  Sizes are 1024-based with one-letter units, as
 * htop and pg_activity show them, so that columns stay narrow.
 *
 * Collaborators: the views (fleet, cluster, node), status lines, tests.
 */
#ifndef PGDECK_UI_FORMAT_H
#define PGDECK_UI_FORMAT_H

#include <stddef.h>

#define UI_FMT_CAP 32

/* Bytes: "0B", "512B", "1.5K", "23K", "1.2M", "340M", "2.0G", "1.1T".
 * Negative: "-". */
char *format_bytes(long long bytes, char *out, size_t cap);

/* A duration in milliseconds: "0s", "450ms", "1.5s", "12s", "3m05s",
 * "2h13m", "3d04h".  Negative: "-". */
char *format_duration(long long ms, char *out, size_t cap);

/* How long ago something happened, AGE_MS: "now" (under 1 s), "5s ago",
 * "3m ago", "2h ago", "4d ago".  Negative: "-". */
char *format_age(long long age_ms, char *out, size_t cap);

/* A time to full in seconds: "-" when unknown (negative), ">1y" beyond a
 * year, else as format_duration() without sub-minute detail ("45s",
 * "3m", "5h10m", "12d"). */
char *format_eta(long long seconds, char *out, size_t cap);

/* A percentage, 0..100 (clamped), no decimals: "87%"; negative: "-". */
char *format_pct(double pct, char *out, size_t cap);

#endif

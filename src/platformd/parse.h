/*
 * parse: the small value grammars of the Machines API.
 *
 * Durations come as Go duration strings ("15s", "1m30s", "250ms") or as
 * integer nanoseconds (fly-go decodes both); some query parameters give
 * plain seconds.  Signals come as names ("SIGINT", "INT") or numbers (fly-go
 * sends 9 for kill).  Booleans in query strings are "true"/"1"/"false"/"0".
 * Pure functions, no allocation except where stated.
 *
 * Collaborators: cJSON (values of parsed request bodies).
 */
#ifndef PGDECK_SRC_PLATFORMD_PARSE_H
#define PGDECK_SRC_PLATFORMD_PARSE_H

#include <cjson/cJSON.h>

/*
 * Parses a Go duration string into milliseconds.  A bare number (no unit)
 * is taken as seconds when BARE_IS_SECONDS, else as nanoseconds.  Returns
 * 0, or -1 when S is not a duration (negative durations are refused).
 */
int parse_duration_ms(const char *s, int bare_is_seconds, long long *ms);

/* A JSON duration: a string as above, or a number of nanoseconds. */
int parse_json_duration_ms(const cJSON *v, long long *ms);

/* Formats MS as a Go duration string ("15s", "1m30s", "250ms") in OUT. */
void parse_format_duration(long long ms, char *out, size_t len);

/* A signal from a name ("SIGTERM", "term") or a number; -1 if unknown. */
int parse_signal_name(const char *s);

/* A signal from a JSON string or number; -1 if missing or unknown. */
int parse_json_signal(const cJSON *v);

/* A signal's name ("SIGTERM"); "SIG?" when unknown.  Static string. */
const char *parse_signal_str(int sig);

/* Query booleans: 1 for "true"/"1"/"yes"/"" (present), 0 for "false"/"0"
 * /"no", -1 otherwise. */
int parse_bool(const char *s);

/* A decimal integer in [MIN, MAX] filling S entirely; 0 or -1. */
int parse_long(const char *s, long min, long max, long *out);

#endif

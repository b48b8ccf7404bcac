/*
 * ids: identifiers and secrets of the local platform.
 *
 * Machine ids (14 lower-case hex chars, as Fly's), instance ids (ULIDs: 26
 * Crockford base32 chars, 48-bit millisecond time then 80 random bits), app
 * ids, volume ids ("vol_" + 16), snapshot ids ("vs_" + 25), lease nonces,
 * generated machine names ("aged-thunder-7371") and hex secrets (tokens,
 * passwords).  Randomness comes from getrandom(2); a failure there is a
 * broken invariant (fatal).
 *
 * Collaborators: none but xmalloc/log; pure apart from the random source.
 */
#ifndef PGDECK_SRC_PLATFORMD_IDS_H
#define PGDECK_SRC_PLATFORMD_IDS_H

#include <stddef.h>

/* Fills P with N random bytes (getrandom, blocking until seeded). */
void ids_random(void *p, size_t n);

/* Returns an allocated string of 2*NBYTES lower-case hex chars. */
char *ids_hex(size_t nbytes);

/* A machine id: 14 lower-case hex chars.  Allocated. */
char *ids_machine(void);

/* A ULID for time MS (unix milliseconds; <0 means now).  Allocated. */
char *ids_ulid(long long ms);

/* Whether S is a well-formed ULID (26 chars of Crockford base32). */
int ids_is_ulid(const char *s);

/* An app id, 16 chars of [0-9a-z].  Allocated. */
char *ids_app(void);

/* "vol_" + 16 chars of [0-9a-z].  Allocated. */
char *ids_volume(void);

/* "vs_" + 25 chars of [0-9A-Za-z].  Allocated. */
char *ids_snapshot(void);

/* A lease nonce: 12 lower-case hex chars.  Allocated. */
char *ids_nonce(void);

/* A machine name such as "aged-thunder-7371".  Allocated. */
char *ids_name(void);

/* A 4-hex-char zone.  Allocated. */
char *ids_zone(void);

/* Milliseconds since the epoch (CLOCK_REALTIME). */
long long ids_now_ms(void);

/* Formats MS as RFC 3339 UTC with seconds ("2023-11-08T01:52:30Z") or,
 * when WITH_MS, milliseconds ("...30.837Z") into OUT (>= 32 bytes). */
void ids_rfc3339(long long ms, int with_ms, char *out, size_t len);

/* Parses an RFC 3339 UTC time written by ids_rfc3339; -1 on error. */
long long ids_parse_rfc3339(const char *s);

#endif

/*
 * secrets: an app's secrets, as the Machines API keeps them
 * (doc/architecture.md "Secrets and the flex boot").
 *
 * Values are write-only: the API lists names, digests and times, never a
 * value.  Every change makes a new version of the whole set; a machine
 * boots with the newest version that has spread to the hosts (SEC_LAG_MS
 * after the change) or, when it was created or updated with
 * min_secrets_version, at least that one.  The version before the newest is
 * kept for boots inside the lag.
 *
 * postgres-flex will not boot without SU_PASSWORD, OPERATOR_PASSWORD and
 * REPL_PASSWORD, nor without a Consul URL whose token the platform issued
 * (GraphQL enablePostgresConsul): sec_boot_panic() says what flex says.
 *
 * Collaborators: state.h (struct st_app, st_secrets), routes_secrets.c (the
 * API), routes_graphql.c (the Consul URL), ops.c (the boot environment),
 * persist.c (state.json).  Call everything with the state lock held.
 */
#ifndef PGDECK_SRC_PLATFORMD_SECRETS_H
#define PGDECK_SRC_PLATFORMD_SECRETS_H

#include <cjson/cJSON.h>

#include "src/platformd/state.h"

/* How long a secrets change takes to reach the hosts: a boot without
 * min_secrets_version inside it sees the version before. */
#define SEC_LAG_MS 5000
#define SEC_NAME_MAX 128
#define SEC_VALUE_MAX 65536

/* Frees the set's names and values (wiped first). */
void sec_free(struct st_secrets *s);

/* The value of NAME in S, or NULL. */
const char *sec_get(const struct st_secrets *s, const char *name);

/* 1 when NAME may name a secret: an environment variable name, 1 to
 * SEC_NAME_MAX characters of A-Z, a-z, 0-9 and _, not starting with a
 * digit. */
int sec_name_ok(const char *name);

/*
 * Applies VALUES, an object of NAME: "value" (set) or NAME: null (unset),
 * to A's secrets as one new version (also when nothing changed, as the
 * real API answers an unset of an unknown name with a new version).
 * Returns the new version, or -1 with *cause set (a bad name or value;
 * nothing changed).
 */
long long sec_update(struct st_app *a, const cJSON *values, char **cause);

/* The set a machine of A boots with at NOW_MS: the newest version that has
 * spread, and at least FLOOR (its min_secrets_version, 0: none). */
const struct st_secrets *sec_for_boot(const struct st_app *a, long long floor,
                                      long long now_ms);

/* The API's view of one secret: name, digest, created_at, updated_at. */
cJSON *sec_render(const struct st_secret *x);

/* The app's secrets for state.json, and back. */
cJSON *sec_persist(const struct st_app *a);
void sec_load(struct st_app *a, const cJSON *o);

/* Sets on A what flyctl's launcher sets on a new Postgres app: three
 * passwords (OPERATOR_PASSWORD and REPL_PASSWORD from OP and REPL when not
 * NULL, else generated; SU_PASSWORD generated) and FLY_CONSUL_URL, as one
 * version.  For the demo fleet and for apps of an older state.json.
 * Returns the version, or -1 with *cause. */
long long sec_flex_defaults(struct st_app *a, const char *op, const char *repl,
                            char **cause);

/* The Consul URL of A (issued on the first call; owned by the caller). */
char *sec_consul_url(struct st_app *a);

/*
 * What postgres-flex says when it cannot boot with S as its environment:
 * a missing password ("SU_PASSWORD is required"), no Consul URL or one
 * the platform did not issue to A.  NULL when it boots.  Owned.
 */
char *sec_boot_panic(const struct st_app *a, const struct st_secrets *s);

#endif

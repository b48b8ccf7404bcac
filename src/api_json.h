/*
 * api_json: typed, path-aware field access over a cJSON tree.  Internal to
 * the api_* decoders (src/api_*.c); nothing else includes it.
 *
 * A struct api_json names one JSON value and how it was reached: the
 * enclosing value (up) and the member key or array index.  Decoders keep
 * these on the C stack, so the chain costs nothing until a field has the
 * wrong type; then api_json_fail() renders the chain into the message, e.g.
 * "machines[2].config.guest.memory_mb: expected a number, got a string".
 *
 * Every accessor reads member KEY of the object O and follows the same
 * rules: a missing member or JSON null leaves the default (empty string,
 * 0, empty map or list) and returns 0; a value of the wrong type or out of
 * range returns -1 after storing the message in *O->cause (the first error
 * wins).  Strings are copied (x_strdup); the tree stays the caller's.
 *
 * Collaborators: cJSON, api.h (the bounds, struct api_map, time parsing),
 * buf.h and xmalloc.h.
 */
#ifndef PGDECK_SRC_API_JSON_H
#define PGDECK_SRC_API_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "src/api.h"

struct api_json {
    const cJSON *item;         /* borrowed from the tree */
    const struct api_json *up; /* NULL at the top */
    const char *key;           /* member name in up; NULL: index in up */
    size_t index;
    char **cause; /* where messages go; may be NULL */
};

/*
 * Parse LEN bytes of JSON (bounded by API_MAX_BODY, need not be
 * NUL-terminated).  Returns the tree (the caller cJSON_Delete()s it) and sets
 * *TOP to its root, named ROOT in messages ("" for an envelope whose members
 * name themselves), with TOP->cause = ERR; or returns NULL with *ERR set.
 * *ERR must be NULL on entry.
 */
cJSON *api_json_parse(const char *json, size_t len, const char *root,
                      struct api_json *top, char **err);

/*
 * The common tail of a decoder: delete TREE (may be NULL), then for RC -1
 * hand ERR to *CAUSE (or free it when CAUSE is NULL), for RC 0 free ERR.
 * Returns RC.
 */
int api_json_end(cJSON *tree, int rc, char *err, char **cause);

/*
 * A whole decoder for one value: zero SIZE bytes at OUT, parse LEN bytes of
 * JSON with the root named ROOT (as api_json_parse), run BODY on the root,
 * and on any failure call FINI on OUT (when FINI is not NULL; BODY must leave
 * OUT clearable) so nothing stays allocated.  0, or -1 with *CAUSE set
 * (allocated, caller frees; CAUSE may be NULL).
 */
int api_json_decode_one(const char *json, size_t len, const char *root,
                        void *out, size_t size,
                        int (*body)(const struct api_json *top, void *dst),
                        void (*fini)(void *dst), char **cause);

/*
 * A whole decoder for a body that is an array of objects, named ROOT in
 * messages ("ROOT[i].field"): each element is SIZE bytes, filled by BODY and
 * cleared by FINI as in api_json_objects().  Sets *OUT (NULL when empty or
 * on failure; free the elements with api_json_free_list) and *N.  0, or -1
 * with *CAUSE set (allocated, caller frees; CAUSE may be NULL).
 */
int api_json_decode_list(const char *json, size_t len, const char *root,
                         size_t size,
                         int (*body)(const struct api_json *el, void *dst),
                         void (*fini)(void *dst), void **out, size_t *n,
                         char **cause);

/* FINI on each of the N elements of SIZE bytes at V (may be NULL), then free V.
 */
void api_json_free_list(void *v, size_t n, size_t size,
                        void (*fini)(void *dst));

/*
 * Store "<path of O, then KEY>: <message>" in *O->cause unless a message is
 * already there; KEY may be NULL for O itself.  Always returns -1.
 */
int api_json_fail(const struct api_json *o, const char *key, const char *fmt,
                  ...) __attribute__((format(printf, 3, 4)));

/* V itself must be an object, or an array.  0, or -1 with the message. */
int api_json_want_object(const struct api_json *v);
int api_json_want_array(const struct api_json *v);

/*
 * Member KEY of O as an object: 1 and *CHILD set when present, 0 when
 * missing or null (CHILD->item NULL), -1 when not an object.
 */
int api_json_child(const struct api_json *o, const char *key,
                   struct api_json *child);

/* String members; absent gives "".  MAX bounds the length in bytes. */
int api_json_str(const struct api_json *o, const char *key, char **out);
int api_json_str_max(const struct api_json *o, const char *key, size_t max,
                     char **out);

/* Whole numbers within [MIN, MAX]. */
int api_json_int(const struct api_json *o, const char *key, int min, int max,
                 int *out);
int api_json_i64(const struct api_json *o, const char *key, int64_t min,
                 int64_t max, int64_t *out);
int api_json_bool(const struct api_json *o, const char *key, int *out);

/* RFC3339 string or integer Unix milliseconds; Go's zero time gives 0. */
int api_json_time(const struct api_json *o, const char *key, int64_t *ms);
/* Go duration string or integer nanoseconds. */
int api_json_duration(const struct api_json *o, const char *key, int64_t *ns);

/* An object of strings into OUT (zeroed on entry). */
int api_json_map(const struct api_json *o, const char *key,
                 struct api_map *out);
/* Like api_json_map, for O itself. */
int api_json_map_self(const struct api_json *o, struct api_map *out);

/*
 * An array of objects: member KEY of O, or O itself when KEY is NULL.
 * Allocates SIZE bytes per element (zeroed), calls DECODE on each and sets
 * *OUT (NULL when empty) and *N.  On failure CLEAR is called on every
 * element decoded so far (DECODE must leave a failed element clearable),
 * nothing is left allocated and -1 is returned.
 */
int api_json_objects(const struct api_json *o, const char *key, size_t size,
                     int (*decode)(const struct api_json *el, void *dst),
                     void (*clear)(void *dst), void **out, size_t *n);

/*
 * Copy LEN bytes of S for display on one line: tab, CR and LF become a
 * space; other C0/C1 control characters, DEL and invalid UTF-8 become '?'.
 * The text is cut at a character boundary to at most MAX bytes, "..."
 * included when cut.  Returns an allocated string (caller frees).
 */
char *api_json_sanitize(const char *s, size_t len, size_t max);

#endif

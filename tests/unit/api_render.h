/*
 * api_render: test support for test_api_decode.  Runs one api_* decoder
 * and renders everything it decoded as "key=value" tokens separated by
 * '|' (with a leading and trailing '|'), so that table rows can list the
 * tokens they expect instead of poking at struct members one by one.
 */
#ifndef PGDECK_TESTS_UNIT_API_RENDER_H
#define PGDECK_TESTS_UNIT_API_RENDER_H

#include <stddef.h>

#include "src/api.h"

enum api_render_kind {
    K_MACHINE,
    K_MACHINES,
    K_APP,
    K_APPS,
    K_VOLUME,
    K_VOLUMES,
    K_EXTEND,
    K_SNAPSHOTS,
    K_SNAPSHOT_CREATED,
    K_LEASE,
    K_EXEC,
    K_OK,
    K_START,
    K_METADATA,
    K_ERROR /* api_error_decode with HTTP status 404 */
};

/*
 * Decode LEN bytes of JSON as KIND.  Returns the decoder's result; *SUMMARY
 * always receives an allocated rendering (of the list length for failed
 * list decodes, empty for other failures), *CAUSE the decoder's message.
 */
int api_render_decode(enum api_render_kind kind, const char *json, size_t len,
                      char **summary, char **cause);

#endif

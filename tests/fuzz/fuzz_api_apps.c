/*
 * fuzz_api_apps: libFuzzer target for the api decoder of the same name.
 * Any input must decode or fail cleanly; either way nothing may leak
 * (the output is freed after success and failure alike) and a failure
 * must come with a message.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "src/api.h"
#include "src/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct api_app *v;
    size_t n;
    char *cause = NULL;
    int rc;

    rc = api_apps_decode((const char *)data, size, &v, &n, &cause);
    if (rc < 0 && !cause)
        fatalx("fuzz_api_apps: failure without a message");
    if (rc == 0 && cause)
        fatalx("fuzz_api_apps: success with a message");
    api_apps_free(v, n);
    free(cause);
    return 0;
}

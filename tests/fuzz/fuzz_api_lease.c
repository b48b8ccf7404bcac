/*
 * fuzz_api_lease: libFuzzer target for the api decoder of the same name.
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
    struct api_lease v;
    char *cause = NULL;
    int rc;

    rc = api_lease_decode((const char *)data, size, &v, &cause);
    if (rc < 0 && !cause)
        fatalx("fuzz_api_lease: failure without a message");
    if (rc == 0 && cause)
        fatalx("fuzz_api_lease: success with a message");
    api_lease_free(&v);
    free(cause);
    return 0;
}

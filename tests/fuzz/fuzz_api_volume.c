/*
 * fuzz_api_volume: libFuzzer target for the api decoder of the same name.
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
    struct api_volume v;
    char *cause = NULL;
    int rc;

    rc = api_volume_decode((const char *)data, size, &v, &cause);
    if (rc < 0 && !cause)
        fatalx("fuzz_api_volume: failure without a message");
    if (rc == 0 && cause)
        fatalx("fuzz_api_volume: success with a message");
    if (rc == 0 && (!v.id || !v.id[0] || !v.name || !v.state || !v.region ||
                    !v.zone || !v.attached_machine_id || !v.attached_alloc_id ||
                    !v.fstype || !v.host_status))
        fatalx("fuzz_api_volume: NULL string after success");
    api_volume_free(&v);
    free(cause);
    return 0;
}

/*
 * fuzz_api_machine: libFuzzer target for the api decoder of the same name.
 * Any input must decode or fail cleanly; either way nothing may leak
 * (the output is freed after success and failure alike), a failure must
 * come with a message and a success must leave no string NULL.
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
    struct api_machine v;
    char *cause = NULL;
    int rc;

    rc = api_machine_decode((const char *)data, size, &v, &cause);
    if (rc < 0 && !cause)
        fatalx("fuzz_api_machine: failure without a message");
    if (rc == 0 && cause)
        fatalx("fuzz_api_machine: success with a message");
    /* After success every string is non-NULL (the header's promise). */
    if (rc == 0 && (!v.id || !v.id[0] || !v.name || !v.state || !v.region ||
                    !v.instance_id || !v.private_ip || !v.host_status ||
                    !v.nonce || !v.config.image || !v.config.guest.cpu_kind ||
                    !v.config.restart_policy || !v.config.stop_signal ||
                    !v.image_ref.registry || !v.image_ref.repository ||
                    !v.image_ref.tag || !v.image_ref.digest))
        fatalx("fuzz_api_machine: NULL string after success");
    api_machine_free(&v);
    free(cause);
    return 0;
}

/*
 * fuzz_api_error: libFuzzer target for api_error_decode().  Any body must
 * give a non-empty, bounded message free of control characters.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "src/api.h"
#include "src/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct api_error e;
    const unsigned char *p;

    api_error_decode((const char *)data, size, 500, &e);
    if (!e.message || !e.message[0] || !e.status)
        fatalx("fuzz_api_error: empty message");
    if (strlen(e.message) > API_MAX_ERROR_TEXT)
        fatalx("fuzz_api_error: message too long");
    for (p = (const unsigned char *)e.message; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            fatalx("fuzz_api_error: control character in message");
    api_error_free(&e);
    return 0;
}

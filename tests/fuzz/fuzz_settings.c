/*
 * fuzz_settings: libFuzzer target for the settings file (libconfig text
 * through settings_load_string).  Any input must load or fail with a
 * message; a failure leaves the previous settings as they were; nothing
 * leaks.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/settings.h"
#include "src/xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct settings *s = settings_new();
    char *text = x_malloc(size + 1), *cause = NULL;
    long long before = settings_num(s, SETTINGS_REFRESH_FAST);
    int rc;

    memcpy(text, data, size);
    text[size] = '\0';
    rc = settings_load_string(s, "fuzz.conf", text, &cause);
    if (rc < 0 && (!cause || !*cause))
        fatalx("fuzz_settings: failure without a message");
    if (rc == 0 && cause)
        fatalx("fuzz_settings: success with a message");
    if (rc < 0 && settings_num(s, SETTINGS_REFRESH_FAST) != before)
        fatalx("fuzz_settings: a failed load changed the settings");
    free(cause);
    free(text);
    settings_free(s);
    return 0;
}

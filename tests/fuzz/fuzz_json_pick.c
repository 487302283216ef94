/*
 * fuzz_json_pick: libFuzzer target, differential, for lv_json_pick
 * (src/util/json_pick.h), which reads attacker-controlled bodies
 * (PutLogEvents' for its audit record). For any bytes it must not read
 * past them, crash or leak; and whenever jansson parses the bytes as one
 * object and they hold no backslash (a key written with an escape is
 * never picked) and no NUL byte (jansson reads one between tokens as
 * nothing, which no JSON allows; the picker stops there), picking every
 * member must give exactly that object, and picking the members whose
 * name has an even length exactly those.
 *
 *   make fuzz && build/fuzz/fuzz_json_pick
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/json_pick.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int want_all(void *arg, const char *key, size_t n)
{
    (void)arg;
    (void)key;
    (void)n;
    return 1;
}

static int want_even(void *arg, const char *key, size_t n)
{
    (void)arg;
    (void)key;
    return n % 2 == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: the sanitizer sees any read past the end. */
    char *text = lv_xmalloc(size ? size : 1);
    json_t *all;
    json_t *even;
    json_t *ref;

    memcpy(text, data, size);
    all = lv_json_pick(text, size, want_all, NULL);
    even = lv_json_pick(text, size, want_even, NULL);
    if (!json_is_object(all) || !json_is_object(even)) {
        abort();
    }
    ref = json_loadb(text, size, 0, NULL);
    if (json_is_object(ref) && !memchr(text, '\\', size) &&
        !memchr(text, '\0', size)) {
        const char *k;
        json_t *v;
        void *tmp;

        if (!json_equal(all, ref)) {
            abort();
        }
        json_object_foreach_safe(ref, tmp, k, v) {
            if (strlen(k) % 2) {
                json_object_del(ref, k);
            }
        }
        if (!json_equal(even, ref)) {
            abort();
        }
    }
    json_decref(ref);
    json_decref(all);
    json_decref(even);
    free(text);
    return 0;
}

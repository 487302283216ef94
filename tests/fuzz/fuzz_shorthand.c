/*
 * fuzz_shorthand: arbitrary bytes as a shorthand value for a KMS structure
 * with nested lists and maps (CreateKeyRequest: Tags, booleans), for a map
 * (EncryptionContextType) and, split at NUL bytes, as the words of a list
 * of structures (logs InputLogEvents: integers). Must parse or fail cleanly.
 * Build: clang -fsanitize=fuzzer,address,undefined with the library.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/shorthand.h"
#include "model/model.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int shape_of(const struct lv_service *svc, const char *name)
{
    int i;

    for (i = 0; i < svc->n_shapes; i++) {
        if (!strcmp(svc->shapes[i].name, name)) {
            return i;
        }
    }
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const kms_shapes[] = {
        "CreateKeyRequest", "EncryptionContextType", "GrantConstraints",
        "CreateGrantRequest",
    };
    struct lv_err err = LV_ERR_INIT;
    char *s = malloc(size + 1);
    const char *words[8];
    size_t n = 0, i;
    json_t *v;

    memcpy(s, data, size);
    s[size] = '\0';
    for (i = 0; i < sizeof(kms_shapes) / sizeof(kms_shapes[0]); i++) {
        v = lv_shorthand_parse(&lv_model_kms,
                               shape_of(&lv_model_kms, kms_shapes[i]), s,
                               &err);
        json_decref(v);
    }
    words[n++] = s;
    for (i = 0; i < size && n < 8; i++) {
        if (s[i] == '\0') {
            words[n++] = s + i + 1;
        }
    }
    v = lv_shorthand_parse_list(&lv_model_logs,
                                shape_of(&lv_model_logs, "InputLogEvents"),
                                words, n, &err);
    json_decref(v);
    (void)lv_shorthand_is_json(s);
    free(s);
    return 0;
}

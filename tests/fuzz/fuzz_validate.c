/*
 * libFuzzer target: arbitrary bytes → json_loadb → lv_model_validate on
 * every operation of both services. Must never crash, hang or leak;
 * whatever it answers must be a well-formed message, whole in a WHOLE
 * struct lv_err and its cut prefix in err.msg.
 *
 *   clang -fsanitize=fuzzer,address,undefined ... tests/fuzz/fuzz_validate.c
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "model/model.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const struct lv_service *svc, const json_t *in)
{
    int i;

    for (i = 0; i < svc->n_ops; i++) {
        struct lv_err err = LV_ERR_INIT_WHOLE;

        /* The whole message, as the server keeps it; err.msg its cut. */
        if (lv_model_validate(svc, &svc->ops[i], in, &err) < 0 &&
            (err.code == LV_E_NONE ||
             memchr(err.msg, '\0', sizeof(err.msg)) == NULL ||
             strncmp(lv_err_msg(&err), err.msg, strlen(err.msg)) != 0)) {
            __builtin_trap();
        }
        lv_err_release(&err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *in;

    /* The HTTP front rejects anything but an object before validation;
     * still give every top-level value to lv_model_validate. */
    in = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
    if (!in) {
        return 0;
    }
    run(&lv_model_logs, in);
    run(&lv_model_kms, in);
    json_decref(in);
    return 0;
}

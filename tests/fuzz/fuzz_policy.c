/*
 * fuzz_policy: arbitrary bytes as a key policy document → lv_policy_parse
 * → lv_policy_eval of a fixed request (the CloudWatch Logs service asking
 * for a data key, and an IAM user asking to PutKeyPolicy) → lockout check;
 * the explainer's trace of each request must decide as the engine did.
 * Build: clang -fsanitize=fuzzer,address,undefined with the library.
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "policy/policy.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const group[] = {
        "arn:aws:logs:eu-west-2:111122223333:log-group:my-group"
    };
    static const char *const keys[] = { "aws:logs:arn" };
    static const char *const ip[] = { "203.0.113.7" };
    static const char *const when[] = { "2024-03-01T08:00:00Z" };
    static const struct lv_policy_ctx_value ctx[] = {
        { "kms:EncryptionContext:aws:logs:arn", group, 1 },
        { "kms:EncryptionContextKeys", keys, 1 },
        { "aws:SourceIp", ip, 1 },
        { "aws:CurrentTime", when, 1 },
    };
    const char *key = "arn:aws:kms:eu-west-2:111122223333:key/"
                      "1234abcd-12ab-34cd-56ef-1234567890ab";
    struct lv_policy_request logs = {
        .action = "kms:GenerateDataKey", .resource = key,
        .resource_account = "111122223333",
        .principal_service = "logs.eu-west-2.amazonaws.com",
        .ctx = ctx, .n_ctx = sizeof(ctx) / sizeof(ctx[0]),
    };
    struct lv_policy_request user = {
        .action = "kms:PutKeyPolicy", .resource = key,
        .resource_account = "111122223333",
        .principal_arn = "arn:aws:iam::111122223333:user/alice",
        .principal_account = "111122223333",
    };
    struct lv_err err = LV_ERR_INIT;
    struct lv_policy *p;
    int via;

    p = lv_policy_parse((const char *)data, size, &err);
    if (!p) {
        if (err.code != LV_E_MALFORMED_POLICY_DOCUMENT) {
            __builtin_trap();
        }
        return 0;
    }
    for (int i = 0; i < 2; i++) {
        const struct lv_policy_request *rq = i ? &user : &logs;
        enum lv_policy_decision d = lv_policy_eval(p, rq, &via);
        enum lv_policy_decision td;
        int tvia;
        json_t *t = lv_policy_trace(p, rq, &td, &tvia);

        if (!t || td != d || tvia != via) {
            __builtin_trap();
        }
        json_decref(t);
    }
    (void)lv_policy_lockout_check(p, user.principal_arn,
                                  user.principal_account, key, &err);
    lv_policy_free(p);
    return 0;
}

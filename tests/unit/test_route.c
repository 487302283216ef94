/*
 * test_route: the operation tables the front routes by (http/route.c, from
 * the generated model/gen/ops.def). Every operation of both models
 * resolves; it has a handler exactly when src/model/implemented.txt lists
 * it, with the flags listed there; a malformed or unknown target answers
 * UnknownOperationException.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "cloudtrail/cloudtrail.h"
#include "http/route.h"
#include "kms/kms.h"
#include "logs/logs.h"
#include "model/model.h"
#include "util/err.h"

#define IMPLEMENTED "src/model/implemented.txt"

/* The flags implemented.txt gives `name` of `svc`: 1 listed (*flags set),
 * 0 not listed. Read afresh each time: the file is small. */
static int listed(const char *svc, const char *name, unsigned *flags)
{
    FILE *f = fopen(IMPLEMENTED, "r");
    char line[256];
    int found = 0;

    assert_non_null(f);
    while (!found && fgets(line, sizeof(line), f)) {
        char s[32], op[128], flag[32];
        int n;

        if (line[0] == '#') {
            continue;
        }
        n = sscanf(line, "%31s %127s %31s", s, op, flag);
        if (n >= 2 && strcmp(s, svc) == 0 && strcmp(op, name) == 0) {
            found = 1;
            *flags = 0;
            if (n == 3) {
                assert_string_equal(flag, "raw_body");
                *flags = LV_HANDLER_RAW_BODY;
            }
        }
    }
    fclose(f);
    return found;
}

static void every_operation(const struct lv_route *r,
                            const struct lv_service *want, int *n_impl)
{
    for (int i = 0; i < want->n_ops; i++) {
        const struct lv_op *o = &want->ops[i];
        const struct lv_service *svc = NULL;
        const struct lv_op *op = NULL;
        const struct lv_handler *h = NULL;
        struct lv_err err = LV_ERR_INIT;
        char target[160];
        unsigned flags = 0;

        snprintf(target, sizeof(target), "%s.%s", want->target_prefix,
                 o->name);
        CHECK(target, lv_route_find(r, target, &svc, &op, &h, &err) == 0);
        CHECK(target, svc == want);
        CHECK(target, op == o);
        if (listed(want->name, o->name, &flags)) {
            CHECK(target, h != NULL);
            CHECK(target, h->fn != NULL);
            CHECK(target, strcmp(h->op, o->name) == 0);
            CHECK(target, h->flags == flags);
            (*n_impl)++;
        } else {
            CHECK(target, h == NULL);
        }
        lv_err_release(&err);
    }
}

static void test_every_operation(void **state)
{
    struct lv_route *r = lv_route_new();
    int n_logs = 0;
    int n_kms = 0;
    int n_cloudtrail = 0;

    (void)state;
    every_operation(r, &lv_model_logs, &n_logs);
    every_operation(r, &lv_model_kms, &n_kms);
    every_operation(r, &lv_model_cloudtrail, &n_cloudtrail);
    /* Every Logs and every KMS operation of the models is served; some of
     * CloudTrail's are not: the list decides. */
    assert_int_equal(n_logs, lv_model_logs.n_ops);
    assert_int_equal(n_kms, lv_model_kms.n_ops);
    assert_true(n_cloudtrail > 0 &&
                n_cloudtrail < lv_model_cloudtrail.n_ops);
    lv_route_free(r);
}

/* The rows point at the services' own functions. */
static void test_handlers(void **state)
{
    static const struct {
        const char *target;
        lv_handler_fn *fn;
        unsigned flags;
    } rows[] = {
        { "Logs_20140328.PutLogEvents", lv_logs_op_put_log_events,
          LV_HANDLER_RAW_BODY },
        { "Logs_20140328.GetLogEvents", lv_logs_op_get_log_events, 0 },
        { "Logs_20140328.PutLogGroupDeletionProtection",
          lv_logs_op_put_log_group_deletion_protection, 0 },
        { "TrentService.Encrypt", lv_kms_op_encrypt, 0 },
        { "TrentService.GenerateDataKeyPairWithoutPlaintext",
          lv_kms_op_generate_data_key_pair_without_plaintext, 0 },
        { "TrentService.CreateGrant", lv_kms_op_create_grant, 0 },
        { "TrentService.GetKeyLastUsage", lv_kms_op_get_key_last_usage, 0 },
        { "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
          "LookupEvents", lv_cloudtrail_op_lookup_events, 0 },
    };
    struct lv_route *r = lv_route_new();

    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        const struct lv_service *svc = NULL;
        const struct lv_op *op = NULL;
        const struct lv_handler *h = NULL;
        struct lv_err err = LV_ERR_INIT;

        CHECK(rows[i].target,
              lv_route_find(r, rows[i].target, &svc, &op, &h, &err) == 0);
        CHECK(rows[i].target, h && h->fn == rows[i].fn);
        CHECK(rows[i].target, h && h->flags == rows[i].flags);
        lv_err_release(&err);
    }
    lv_route_free(r);
}

static void test_unknown_targets(void **state)
{
    static const char *const rows[] = {
        "", "Logs_20140328", "Logs_20140328.", ".CreateKey",
        "Logs_20140328.NoSuchOperation", "Logs_20140328.putLogEvents",
        "TrentService.PutLogEvents", "Logs_2014032.PutLogEvents",
        "TrentServiceX.CreateKey", "TrentService.CreateKey.x",
        "TrentService..CreateKey",
        "com.amazonaws.cloudtrail.v20131101.LookupEvents",
        "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.lookupEvents",
        "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.",
    };
    struct lv_route *r = lv_route_new();
    const struct lv_service *svc = NULL;
    const struct lv_op *op = NULL;
    const struct lv_handler *h = NULL;
    struct lv_err err = LV_ERR_INIT;

    (void)state;
    assert_int_equal(lv_route_find(r, NULL, &svc, &op, &h, &err), -1);
    assert_int_equal(err.code, LV_E_UNKNOWN_OPERATION);
    for (size_t i = 0; i < N(rows); i++) {
        err.code = LV_E_NONE;
        CHECK(rows[i], lv_route_find(r, rows[i], &svc, &op, &h, &err) < 0);
        CHECK(rows[i], err.code == LV_E_UNKNOWN_OPERATION);
    }
    lv_err_release(&err);
    lv_route_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_operation),
        cmocka_unit_test(test_handlers),
        cmocka_unit_test(test_unknown_targets),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

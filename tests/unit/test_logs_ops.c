/*
 * Unit tests of Logs handlers with a fake KMS: the Logs service object is
 * given a table of four calls (struct lv_kms_client) that answer from a
 * small in-test key table instead of the KMS service, so what Logs does
 * with KMS's answers is tested alone — AssociateKmsKey refused when KMS
 * refuses, PutLogEvents then GetLogEvents through data keys that the fake
 * made, and a cached data key that still needs KMS's say-so on every
 * request and is not reused after the group's key changes. Each test opens
 * a fresh sqlite store; handlers are found by operation name in the Logs
 * handler tables, as the HTTP front finds them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "crypto/crypto.h"
#include "crypto/keyring.h"
#include "http/route.h"
#include "kms/kms.h"
#include "logs/logs.h"
#include "logs/respol.h"
#include "store/logs_store.h"
#include "store/store.h"
#include "svc/req.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

#include "helpers.h"

#define ACCOUNT "123456789012"
#define REGION "eu-west-2"
#define KEY_ARN(n) "arn:aws:kms:" REGION ":" ACCOUNT ":key/0000000" n     \
                   "-0000-4000-8000-000000000000"
#define GROUP "/test/group"
#define GROUP_ARN "arn:aws:logs:" REGION ":" ACCOUNT ":log-group:" GROUP
#define NOW_MS 1700000000000

/* ---- the fake KMS ------------------------------------------------------ */

struct fake_key {
    const char *arn;
    int allowed;                /* 0: every call is AccessDenied */
    int generated;              /* GenerateDataKey calls that succeeded */
    int decrypted;
    int authorized;
};

static struct fake_kms {
    struct fake_key keys[2];
    char last_ctx[256];         /* aws:logs:arn of the last call */
} fake;

static struct fake_key *fake_find(const char *arn)
{
    for (size_t i = 0; i < N(fake.keys); i++) {
        if (strcmp(fake.keys[i].arn, arn) == 0) {
            return &fake.keys[i];
        }
    }
    return NULL;
}

/* The key, or -1 with KMS's error for an unknown or refused one. */
static int fake_use(const char *arn, const struct lv_kv *ctx, size_t n_ctx,
                    struct fake_key **out, struct lv_err *err)
{
    struct fake_key *k = fake_find(arn);

    fake.last_ctx[0] = '\0';
    if (n_ctx == 1 && strcmp(ctx[0].key, "aws:logs:arn") == 0) {
        snprintf(fake.last_ctx, sizeof(fake.last_ctx), "%s", ctx[0].value);
    }
    if (!k) {
        return lv_err_set(err, LV_E_NOT_FOUND, "Key '%s' does not exist",
                          arn);
    }
    if (!k->allowed) {
        return lv_err_set(err, LV_E_ACCESS_DENIED, "fake KMS refuses %s",
                          arn);
    }
    *out = k;
    return 0;
}

static int fake_describe(const struct lv_kms_service_call *c,
                         const char *key_ref, struct lv_kms_key_info *out,
                         struct lv_err *err)
{
    struct fake_key *k = NULL;

    (void)c;
    if (fake_use(key_ref, NULL, 0, &k, err) < 0) {
        return -1;
    }
    memset(out, 0, sizeof(*out));
    snprintf(out->arn, sizeof(out->arn), "%s", k->arn);
    snprintf(out->key_spec, sizeof(out->key_spec), "SYMMETRIC_DEFAULT");
    snprintf(out->key_usage, sizeof(out->key_usage), "ENCRYPT_DECRYPT");
    snprintf(out->state, sizeof(out->state), "Enabled");
    return 0;
}

/* A blob is "FAKE", the key's index, then the plaintext key: what Logs
 * stores must only be handed back to this fake. */
static int fake_generate(const struct lv_kms_service_call *c,
                         const char *key_ref, const struct lv_kv *ctx,
                         size_t n_ctx, uint8_t plaintext[32],
                         struct lv_buf *blob, char key_arn[256],
                         struct lv_err *err)
{
    struct fake_key *k = NULL;
    uint8_t idx;

    (void)c;
    if (fake_use(key_ref, ctx, n_ctx, &k, err) < 0) {
        return -1;
    }
    idx = (uint8_t)(k - fake.keys);
    k->generated++;
    lv_rand_bytes(plaintext, 32);
    lv_buf_add(blob, "FAKE", 4);
    lv_buf_add(blob, &idx, 1);
    lv_buf_add(blob, plaintext, 32);
    snprintf(key_arn, 256, "%s", k->arn);
    return 0;
}

static int fake_decrypt(const struct lv_kms_service_call *c,
                        const void *blob, size_t len,
                        const struct lv_kv *ctx, size_t n_ctx,
                        uint8_t plaintext[32], char key_arn[256],
                        struct lv_err *err)
{
    const uint8_t *b = blob;
    struct fake_key *k = NULL;

    (void)c;
    if (len != 37 || memcmp(b, "FAKE", 4) != 0 || b[4] >= N(fake.keys)) {
        return lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
    }
    if (fake_use(fake.keys[b[4]].arn, ctx, n_ctx, &k, err) < 0) {
        return -1;
    }
    k->decrypted++;
    memcpy(plaintext, b + 5, 32);
    snprintf(key_arn, 256, "%s", k->arn);
    return 0;
}

static int fake_authorize(const struct lv_kms_service_call *c,
                          const char *key_arn, const char *action,
                          const struct lv_kv *ctx, size_t n_ctx,
                          struct lv_err *err)
{
    struct fake_key *k = NULL;

    (void)c;
    (void)action;
    if (fake_use(key_arn, ctx, n_ctx, &k, err) < 0) {
        return -1;
    }
    k->authorized++;
    return 0;
}

static const struct lv_kms_client fake_client = {
    fake_describe, fake_generate, fake_decrypt, fake_authorize,
};

/* ---- fixture ------------------------------------------------------------- */

struct fx {
    char dir[LV_TEST_DIR_MAX];
    struct lv_app app;
};

/* When not NULL, call() acts as this service principal (for the
 * account) instead of the account's root. */
static const char *as_service;

static int setup(void **state)
{
    struct fx *f = lv_xcalloc(1, sizeof(*f));
    uint8_t root[32];

    as_service = NULL;
    if (lv_test_store_open("logs-ops", f->dir, &f->app.store) < 0) {
        free(f);
        return -1;
    }
    memset(root, 0x42, sizeof(root));
    f->app.keyring = lv_keyring_new(root);
    f->app.logs = lv_logs_new(f->app.store, f->app.keyring, &fake_client);
    memset(&fake, 0, sizeof(fake));
    fake.keys[0].arn = KEY_ARN("1");
    fake.keys[0].allowed = 1;
    fake.keys[1].arn = KEY_ARN("2");
    fake.keys[1].allowed = 1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    lv_logs_free(f->app.logs);
    lv_keyring_free(f->app.keyring);
    lv_test_store_close(f->app.store, f->dir);
    free(f);
    return 0;
}

/* Runs operation `op` as the account's root with input `in` (a JSON text
 * with single quotes for double). The reply is parsed into *reply (may be
 * NULL). 0 or -1 with *err, as the handler answers. */
static int call(struct fx *f, const char *op, const char *in_text,
                json_t **reply, struct lv_err *err)
{
    struct lv_buf out = LV_BUF_INIT(1u << 20);
    struct lv_req rq;
    const struct lv_handler *h = NULL;
    struct lv_jw w;
    char *text = lv_xstrdup(in_text);
    json_t *in;
    int rc;

    for (char *p = text; *p; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }
    in = json_loads(text, 0, NULL);
    assert_non_null(in);
    {
        /* The handler the HTTP front would call: through the generated
         * operation table (http/route.c), by the X-Amz-Target name. */
        struct lv_route *r = lv_route_new();
        const struct lv_service *svc;
        const struct lv_op *mop;
        struct lv_err rerr = LV_ERR_INIT;
        char target[128];

        snprintf(target, sizeof(target), "Logs_20140328.%s", op);
        assert_int_equal(lv_route_find(r, target, &svc, &mop, &h, &rerr), 0);
        lv_route_free(r);
    }
    assert_non_null(h);
    memset(&rq, 0, sizeof(rq));
    snprintf(rq.id, sizeof(rq.id), "test");
    rq.now_ms = NOW_MS;
    rq.now = (time_t)(NOW_MS / 1000);
    snprintf(rq.region, sizeof(rq.region), REGION);
    snprintf(rq.who.account, sizeof(rq.who.account), ACCOUNT);
    snprintf(rq.who.arn, sizeof(rq.who.arn),
             "arn:aws:iam::" ACCOUNT ":root");
    if (as_service) {
        rq.who.arn[0] = '\0';
        snprintf(rq.who.service, sizeof(rq.who.service), "%s", as_service);
    }
    rq.app = &f->app;
    rq.store = f->app.store;
    rq.in = in;
    *err = (struct lv_err)LV_ERR_INIT;
    lv_jw_init(&w, &out);
    lv_jw_obj_open(&w);
    rc = h->fn(&rq, in, &w, err);
    if (rc == 0) {
        lv_jw_obj_close(&w);
        assert_int_equal(lv_jw_finish(&w), 0);
    }
    if (reply) {
        *reply = rc == 0 ? json_loadb(out.data, out.len, 0, NULL) : NULL;
        if (rc == 0) {
            assert_non_null(*reply);
        }
    }
    json_decref(in);
    free(text);
    lv_buf_release(&out);
    return rc;
}

static void ok(struct fx *f, const char *op, const char *in)
{
    struct lv_err err = LV_ERR_INIT;

    if (call(f, op, in, NULL, &err) < 0) {
        fail_msg("%s %s: %s", op, in, err.msg);
    }
}

/* PutLogEvents of `msg` (at NOW_MS - 1000 + i, one event per message). */
static void put(struct fx *f, const char *const *msgs, size_t n)
{
    char in[1024];
    int len = snprintf(in, sizeof(in), "{'logGroupName':'" GROUP "',"
                       "'logStreamName':'s','logEvents':[");

    for (size_t i = 0; i < n; i++) {
        len += snprintf(in + len, sizeof(in) - (size_t)len,
                        "%s{'timestamp':%lld,'message':'%s'}",
                        i ? "," : "", (long long)(NOW_MS - 1000 + (int)i),
                        msgs[i]);
    }
    snprintf(in + len, sizeof(in) - (size_t)len, "]}");
    ok(f, "PutLogEvents", in);
}

/* GetLogEvents from the head; the messages, comma-joined, into out. */
static int get(struct fx *f, char *out, size_t cap, struct lv_err *err)
{
    json_t *reply = NULL;
    json_t *ev;
    size_t i;
    size_t len = 0;

    out[0] = '\0';
    if (call(f, "GetLogEvents", "{'logGroupName':'" GROUP "',"
             "'logStreamName':'s','startFromHead':true}", &reply,
             err) < 0) {
        return -1;
    }
    json_array_foreach(json_object_get(reply, "events"), i, ev) {
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "",
                                json_string_value(json_object_get(
                                    ev, "message")));
    }
    json_decref(reply);
    return 0;
}

/* The group's kmsKeyId as DescribeLogGroups shows it ("" if none). */
static void group_key(struct fx *f, char out[256])
{
    struct lv_err err = LV_ERR_INIT;
    json_t *reply = NULL;
    const char *k;

    assert_int_equal(call(f, "DescribeLogGroups", "{'logGroupNamePrefix':"
                          "'" GROUP "'}", &reply, &err), 0);
    k = json_string_value(json_object_get(
        json_array_get(json_object_get(reply, "logGroups"), 0), "kmsKeyId"));
    snprintf(out, 256, "%s", k ? k : "");
    json_decref(reply);
}

/* ---- tests ------------------------------------------------------------- */

/* AssociateKmsKey asks KMS (as the Logs service, with the group's
 * context) and, when KMS refuses, refuses with AWS's message and leaves
 * the group as it was. */
static void test_associate_refused(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    char key[256];

    ok(f, "CreateLogGroup", "{'logGroupName':'" GROUP "'}");
    fake.keys[0].allowed = 0;
    assert_int_equal(call(f, "AssociateKmsKey", "{'logGroupName':'" GROUP
                          "','kmsKeyId':'" KEY_ARN("1") "'}", NULL, &err),
                     -1);
    assert_int_equal(err.code, LV_E_ACCESS_DENIED);
    assert_string_equal(err.msg, "The specified KMS key does not exist or "
                        "is not allowed to be used with Arn '" GROUP_ARN
                        "'");
    assert_string_equal(fake.last_ctx, GROUP_ARN);
    group_key(f, key);
    assert_string_equal(key, "");

    /* A key KMS does not know: the same answer. */
    assert_int_equal(call(f, "AssociateKmsKey", "{'logGroupName':'" GROUP
                          "','kmsKeyId':'" REGION "'}", NULL, &err), -1);
    assert_int_equal(err.code, LV_E_INVALID_PARAMETER);

    /* Once KMS allows it, the association holds. */
    fake.keys[0].allowed = 1;
    ok(f, "AssociateKmsKey", "{'logGroupName':'" GROUP "','kmsKeyId':'"
       KEY_ARN("1") "'}");
    assert_true(fake.keys[0].authorized >= 2);  /* GenerateDataKey, Decrypt */
    group_key(f, key);
    assert_string_equal(key, KEY_ARN("1"));
}

/* Events written under a data key the fake KMS made read back as
 * written; the data key was asked for with the group's context. */
static void test_put_get_roundtrip(void **state)
{
    static const char *const msgs[] = { "first", "second", "third" };
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    char got[256];

    ok(f, "CreateLogGroup", "{'logGroupName':'" GROUP "','kmsKeyId':'"
       KEY_ARN("1") "'}");
    ok(f, "CreateLogStream", "{'logGroupName':'" GROUP "',"
       "'logStreamName':'s'}");
    put(f, msgs, N(msgs));
    assert_int_equal(fake.keys[0].generated, 1);
    assert_string_equal(fake.last_ctx, GROUP_ARN);
    assert_int_equal(get(f, got, sizeof(got), &err), 0);
    assert_string_equal(got, "first,second,third");
}

/* Logs resource policies decide a service principal's CreateLogStream
 * and PutLogEvents (logs/respol.h): refused with none, allowed by an
 * account-scoped Allow naming the service, for that service only; a
 * group-scoped Deny wins over the Allow, for the action it names. The
 * account's own root is never asked about. */
#define ROUTE53 "route53.amazonaws.com"
#define RP_DOC(effect, svc, action)                                   \
    "{\\'Statement\\':[{\\'Effect\\':\\'" effect "\\',"                 \
    "\\'Principal\\':{\\'Service\\':\\'" svc "\\'},"                    \
    "\\'Action\\':" action ","                                      \
    "\\'Resource\\':\\'" GROUP_ARN ":*\\'}]}"

static void expect_denied(struct fx *f, const char *op, const char *in,
                          const char *why)
{
    struct lv_err err = LV_ERR_INIT;

    assert_int_equal(call(f, op, in, NULL, &err), -1);
    assert_int_equal(err.code, LV_E_ACCESS_DENIED);
    if (!strstr(err.msg, why)) {
        fail_msg("%s: %s", op, err.msg);
    }
}

static void test_resource_policy_service(void **state)
{
    static const char *const msgs[] = { "from route53" };
    static const char put_in[] =
        "{'logGroupName':'" GROUP "','logStreamName':'s','logEvents':"
        "[{'timestamp':1699999999000,'message':'x'}]}";
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    char got[256];

    ok(f, "CreateLogGroup", "{'logGroupName':'" GROUP "'}");
    ok(f, "CreateLogStream", "{'logGroupName':'" GROUP "',"
       "'logStreamName':'s'}");

    as_service = ROUTE53;
    expect_denied(f, "CreateLogStream", "{'logGroupName':'" GROUP "',"
                  "'logStreamName':'s2'}",
                  "User: " ROUTE53 " is not authorized to perform: "
                  "logs:CreateLogStream on resource: " GROUP_ARN
                  ":log-stream:s2 because no resource-based policy allows "
                  "the logs:CreateLogStream action");
    expect_denied(f, "PutLogEvents", put_in, "no resource-based policy");

    as_service = NULL;
    ok(f, "PutResourcePolicy", "{'policyName':'r53','policyDocument':'"
       RP_DOC("Allow", ROUTE53, "[\\'logs:CreateLogStream\\',"
              "\\'logs:PutLogEvents\\']") "'}");
    as_service = ROUTE53;
    ok(f, "CreateLogStream", "{'logGroupName':'" GROUP "',"
       "'logStreamName':'s2'}");
    put(f, msgs, N(msgs));
    as_service = "delivery.logs.amazonaws.com";
    expect_denied(f, "PutLogEvents", put_in, "no resource-based policy");

    /* A Deny scoped to the group wins over the account's Allow. */
    as_service = NULL;
    ok(f, "PutResourcePolicy", "{'policyName':'deny','resourceArn':'"
       GROUP_ARN "','policyDocument':'"
       RP_DOC("Deny", ROUTE53, "\\'logs:PutLogEvents\\'") "'}");
    as_service = ROUTE53;
    expect_denied(f, "PutLogEvents", put_in, "with an explicit deny in a "
                  "resource-based policy");
    ok(f, "CreateLogStream", "{'logGroupName':'" GROUP "',"
       "'logStreamName':'s3'}");

    /* The account itself is not decided by them. */
    as_service = NULL;
    ok(f, "PutLogEvents", put_in);
    assert_int_equal(get(f, got, sizeof(got), &err), 0);
    assert_string_equal(got, "from route53,x");
}

/* The condition keys a service call carries: aws:SourceAccount and
 * aws:SourceArn, as PutResourcePolicy's reference shows them; missing
 * (NULL) they do not match. */
static void test_resource_policy_conditions(void **state)
{
    static const char src[] = "arn:aws:route53:::hostedzone/Z1";
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_group g;
    struct lv_req rq;

    ok(f, "CreateLogGroup", "{'logGroupName':'" GROUP "'}");
    ok(f, "PutResourcePolicy", "{'policyName':'r53','policyDocument':'"
       "{\\'Statement\\':[{\\'Effect\\':\\'Allow\\',"
       "\\'Principal\\':{\\'Service\\':[\\'" ROUTE53 "\\']},"
       "\\'Action\\':\\'logs:PutLogEvents\\',"
       "\\'Resource\\':\\'" GROUP_ARN ":log-stream:*\\',"
       "\\'Condition\\':{\\'StringEquals\\':{\\'aws:SourceAccount\\':"
       "\\'" ACCOUNT "\\'},\\'ArnLike\\':{\\'aws:SourceArn\\':"
       "\\'arn:aws:route53:::hostedzone/*\\'}}}]}'}");
    assert_int_equal(lv_store_logs_group_get(f->app.store, ACCOUNT, REGION,
                                             GROUP, &g, &err), 1);
    memset(&rq, 0, sizeof(rq));
    snprintf(rq.region, sizeof(rq.region), REGION);
    snprintf(rq.who.account, sizeof(rq.who.account), ACCOUNT);
    snprintf(rq.who.service, sizeof(rq.who.service), ROUTE53);
    rq.app = &f->app;
    rq.store = f->app.store;
    assert_int_equal(lv_logs_respol_authorize(&rq, &g, "logs:PutLogEvents",
                                              "s", ACCOUNT, src, &err), 0);
    assert_int_equal(lv_logs_respol_authorize(&rq, &g, "logs:PutLogEvents",
                                              "s", "999999999999", src,
                                              &err), -1);
    assert_int_equal(err.code, LV_E_ACCESS_DENIED);
    assert_int_equal(lv_logs_respol_authorize(&rq, &g, "logs:PutLogEvents",
                                              "s", ACCOUNT,
                                              "arn:aws:route53:::other/Z1",
                                              &err), -1);
    assert_int_equal(lv_logs_respol_authorize(&rq, &g, "logs:PutLogEvents",
                                              "s", NULL, NULL, &err), -1);
    /* Not its action. */
    assert_int_equal(lv_logs_respol_authorize(&rq, &g,
                                              "logs:CreateLogStream", "s",
                                              ACCOUNT, src, &err), -1);
    /* An IAM principal is not decided here. */
    rq.who.service[0] = '\0';
    assert_int_equal(lv_logs_respol_authorize(&rq, &g, "logs:PutLogEvents",
                                              "s", NULL, NULL, &err), 0);
}

/* The data-key cache: a cached key is reused for writes, but each request
 * still asks KMS, so a refusal applies at once; a change of the group's
 * key takes a new data key under the new key; and a service with an
 * empty cache reads every chunk through KMS Decrypt. */
static void test_datakey_cache(void **state)
{
    static const char *const one[] = { "one" };
    static const char *const two[] = { "two" };
    static const char *const three[] = { "three" };
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_logs *fresh;
    char got[256];

    ok(f, "CreateLogGroup", "{'logGroupName':'" GROUP "','kmsKeyId':'"
       KEY_ARN("1") "'}");
    ok(f, "CreateLogStream", "{'logGroupName':'" GROUP "',"
       "'logStreamName':'s'}");
    put(f, one, 1);
    put(f, two, 1);
    assert_int_equal(fake.keys[0].generated, 1);       /* reused */

    /* KMS now refuses the key: the cached data key is not used. */
    fake.keys[0].allowed = 0;
    assert_int_equal(get(f, got, sizeof(got), &err), -1);
    assert_int_equal(err.code, LV_E_ACCESS_DENIED);
    assert_non_null(strstr(err.msg, KEY_ARN("1")));
    fake.keys[0].allowed = 1;

    /* Another key for the group: the next write takes a data key under
     * it, not the cached one. */
    ok(f, "AssociateKmsKey", "{'logGroupName':'" GROUP "','kmsKeyId':'"
       KEY_ARN("2") "'}");
    put(f, three, 1);
    assert_int_equal(fake.keys[0].generated, 1);
    assert_int_equal(fake.keys[1].generated, 1);
    assert_int_equal(get(f, got, sizeof(got), &err), 0);
    assert_string_equal(got, "one,two,three");
    assert_int_equal(fake.keys[0].decrypted + fake.keys[1].decrypted, 0);

    /* A service object of its own has its own (empty) cache: it reads
     * both data keys through Decrypt. */
    fresh = lv_logs_new(f->app.store, f->app.keyring, &fake_client);
    lv_logs_free(f->app.logs);
    f->app.logs = fresh;
    assert_int_equal(get(f, got, sizeof(got), &err), 0);
    assert_string_equal(got, "one,two,three");
    assert_int_equal(fake.keys[0].decrypted, 1);
    assert_int_equal(fake.keys[1].decrypted, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_associate_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_put_get_roundtrip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_resource_policy_service,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_resource_policy_conditions,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_datakey_cache, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * lv_model_validate against the real generated tables: one named row per
 * case, the exact AWS message (or the parts of it that are ours to fix),
 * plus sweeps over every operation of both services.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "model/model.h"
#include "util/buf.h"
#include "util/err.h"

/* Builds an input the JSON text cannot spell compactly. */
typedef json_t *(*build_fn)(void);

struct row {
    const char *name;
    const struct lv_service *svc;
    const char *op;
    const char *json;           /* the input, or NULL with build */
    build_fn build;
    enum lv_errcode code;       /* LV_E_NONE: valid */
    const char *exact;          /* the whole message, or NULL */
    const char *has[3];         /* substrings it must contain */
};

#define LOGS (&lv_model_logs)
#define KMS (&lv_model_kms)
#define HDR1 "1 validation error detected: "
#define SAT " failed to satisfy constraint: "
#define LOG_GROUP_PAT "[\\.\\-_/#A-Za-z0-9]+"

static json_t *events(size_t n, int with_timestamp, const char *message)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; i < n; i++) {
        json_t *e = json_object();

        if (with_timestamp) {
            json_object_set_new(e, "timestamp", json_integer(1000 + i));
        }
        json_object_set_new(e, "message", json_string(message));
        json_array_append_new(arr, e);
    }
    return arr;
}

static json_t *put(json_t *evs)
{
    json_t *in = json_pack("{s:s, s:s}", "logGroupName", "g",
                           "logStreamName", "s");

    json_object_set_new(in, "logEvents", evs);
    return in;
}

static json_t *build_10001_events(void)
{
    return put(events(10001, 1, "x"));
}

static json_t *build_12_empty_messages(void)
{
    return put(events(12, 1, ""));
}

static json_t *build_10000_events(void)
{
    return put(events(10000, 1, "hello"));
}

/* 8193 two-byte characters: 16386 bytes, 8193 code points (> 8192). */
static json_t *build_description(size_t chars)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    json_t *in;
    size_t i;

    for (i = 0; i < chars; i++) {
        lv_buf_adds(&b, "\xc3\xa9");
    }
    in = json_pack("{s:s}", "Description", b.data);
    lv_buf_release(&b);
    return in;
}

static json_t *build_desc_8192(void)
{
    return build_description(8192);
}

static json_t *build_desc_8193(void)
{
    return build_description(8193);
}

static json_t *build_plaintext_4097(void)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    json_t *in;
    size_t i;

    /* 4097 bytes = 1365 groups of 3 + 2 → "AAAA"*1365 + "AAA=" */
    for (i = 0; i < 1365; i++) {
        lv_buf_adds(&b, "AAAA");
    }
    lv_buf_adds(&b, "AAA=");
    in = json_pack("{s:s, s:s}", "KeyId", "k", "Plaintext", b.data);
    lv_buf_release(&b);
    return in;
}

static json_t *build_deep(void)
{
    /* Unknown members may nest arbitrarily deep: they are ignored. */
    json_t *in = json_pack("{s:s}", "logGroupName", "ok");
    json_t *v = json_array();
    int i;

    for (i = 0; i < 10000; i++) {
        json_t *outer = json_array();

        json_array_append_new(outer, v);
        v = outer;
    }
    json_object_set_new(in, "unknownDeep", v);
    return in;
}

static const struct row rows[] = {
    /* --- Logs: valid --- */
    { "logs create ok", LOGS, "CreateLogGroup",
      "{\"logGroupName\":\"/aws/lambda/x_y-z#1.2\"}", NULL, LV_E_NONE,
      NULL, { NULL } },
    { "logs unknown members ignored", LOGS, "CreateLogGroup",
      "{\"logGroupName\":\"ok\",\"Foo\":[1,{\"a\":null}],\"x\":1}", NULL,
      LV_E_NONE, NULL, { NULL } },
    { "logs deep unknown member ignored", LOGS, "CreateLogGroup", NULL,
      build_deep, LV_E_NONE, NULL, { NULL } },
    { "logs 10000 events ok", LOGS, "PutLogEvents", NULL,
      build_10000_events, LV_E_NONE, NULL, { NULL } },
    { "logs limit 5.0 accepted as 5", LOGS, "GetLogEvents",
      "{\"logStreamName\":\"s\",\"limit\":5.0}", NULL, LV_E_NONE, NULL,
      { NULL } },
    { "logs tags ok", LOGS, "CreateLogGroup",
      "{\"logGroupName\":\"g\",\"tags\":{\"team\":\"a b\",\"k\":\"\"}}",
      NULL, LV_E_NONE, NULL, { NULL } },
    { "logs null optional is absent", LOGS, "GetLogEvents",
      "{\"logStreamName\":\"s\",\"limit\":null,\"startFromHead\":null}",
      NULL, LV_E_NONE, NULL, { NULL } },

    /* --- Logs: constraints --- */
    { "logs pattern", LOGS, "CreateLogGroup",
      "{\"logGroupName\":\"bad name!\"}", NULL, LV_E_INVALID_PARAMETER,
      HDR1 "Value 'bad name!' at 'logGroupName'" SAT
      "Member must satisfy regular expression pattern: " LOG_GROUP_PAT,
      { NULL } },
    { "logs required missing", LOGS, "CreateLogGroup", "{}", NULL,
      LV_E_INVALID_PARAMETER,
      HDR1 "Value null at 'logGroupName'" SAT "Member must not be null",
      { NULL } },
    { "logs required null", LOGS, "CreateLogGroup",
      "{\"logGroupName\":null}", NULL, LV_E_INVALID_PARAMETER,
      HDR1 "Value null at 'logGroupName'" SAT "Member must not be null",
      { NULL } },
    { "logs empty name: pattern then length", LOGS, "CreateLogGroup",
      "{\"logGroupName\":\"\"}", NULL, LV_E_INVALID_PARAMETER,
      "2 validation errors detected: Value '' at 'logGroupName'" SAT
      "Member must satisfy regular expression pattern: " LOG_GROUP_PAT
      "; Value '' at 'logGroupName'" SAT
      "Member must have length greater than or equal to 1", { NULL } },
    { "logs enum", LOGS, "CreateLogGroup",
      "{\"logGroupName\":\"g\",\"logGroupClass\":\"COLD\"}", NULL,
      LV_E_INVALID_PARAMETER,
      HDR1 "Value 'COLD' at 'logGroupClass'" SAT "Member must satisfy enum "
      "value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]", { NULL } },
    { "logs 10001 events", LOGS, "PutLogEvents", NULL, build_10001_events,
      LV_E_INVALID_PARAMETER, NULL,
      { HDR1 "Value '[{timestamp=1000, message=x}, {timestamp=1001, ",
        "' at 'logEvents'" SAT
        "Member must have length less than or equal to 10000", NULL } },
    { "logs no events", LOGS, "PutLogEvents",
      "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[]}",
      NULL, LV_E_INVALID_PARAMETER,
      HDR1 "Value '[]' at 'logEvents'" SAT
      "Member must have length greater than or equal to 1", { NULL } },
    { "logs nested required", LOGS, "PutLogEvents",
      "{\"logGroupName\":\"g\",\"logStreamName\":\"s\","
      "\"logEvents\":[{\"message\":\"m\"}]}", NULL, LV_E_INVALID_PARAMETER,
      HDR1 "Value null at 'logEvents.1.member.timestamp'" SAT
      "Member must not be null", { NULL } },
    { "logs nested length, second event", LOGS, "PutLogEvents",
      "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":["
      "{\"timestamp\":1,\"message\":\"a\"},{\"timestamp\":2,\"message\":\"\"}"
      "]}", NULL, LV_E_INVALID_PARAMETER,
      HDR1 "Value '' at 'logEvents.2.member.message'" SAT
      "Member must have length greater than or equal to 1", { NULL } },
    { "logs ten errors at most, whole entries", LOGS, "PutLogEvents", NULL,
      build_12_empty_messages, LV_E_INVALID_PARAMETER, NULL,
      { "10 validation errors detected: Value '' at "
        "'logEvents.1.member.message'" SAT "Member must have length greater "
        "than or equal to 1; Value '' at 'logEvents.2.member.message'",
        NULL } },
    { "logs limit 0", LOGS, "GetLogEvents",
      "{\"logStreamName\":\"s\",\"limit\":0}", NULL, LV_E_INVALID_PARAMETER,
      HDR1 "Value '0' at 'limit'" SAT
      "Member must have value greater than or equal to 1", { NULL } },
    { "logs limit 10001", LOGS, "GetLogEvents",
      "{\"logStreamName\":\"s\",\"limit\":10001}", NULL,
      LV_E_INVALID_PARAMETER,
      HDR1 "Value '10001' at 'limit'" SAT
      "Member must have value less than or equal to 10000", { NULL } },
    { "logs limit 0.5 truncates to 0", LOGS, "GetLogEvents",
      "{\"logStreamName\":\"s\",\"limit\":0.5}", NULL,
      LV_E_INVALID_PARAMETER,
      HDR1 "Value '0' at 'limit'" SAT
      "Member must have value greater than or equal to 1", { NULL } },
    { "logs negative long", LOGS, "GetLogEvents",
      "{\"logStreamName\":\"s\",\"startTime\":-1}", NULL,
      LV_E_INVALID_PARAMETER,
      HDR1 "Value '-1' at 'startTime'" SAT
      "Member must have value greater than or equal to 0", { NULL } },
    { "logs two errors", LOGS, "GetLogEvents",
      "{\"logStreamName\":\"a:b\",\"limit\":0}", NULL,
      LV_E_INVALID_PARAMETER,
      "2 validation errors detected: Value 'a:b' at 'logStreamName'" SAT
      "Member must satisfy regular expression pattern: [^:*]*; "
      "Value '0' at 'limit'" SAT
      "Member must have value greater than or equal to 1", { NULL } },
    { "logs three required", LOGS, "PutLogEvents", "{}", NULL,
      LV_E_INVALID_PARAMETER,
      "3 validation errors detected: Value null at 'logGroupName'" SAT
      "Member must not be null; Value null at 'logStreamName'" SAT
      "Member must not be null; Value null at 'logEvents'" SAT
      "Member must not be null", { NULL } },
    { "logs map key", LOGS, "CreateLogGroup",
      "{\"logGroupName\":\"g\",\"tags\":{\"bad key!\":\"v\"}}", NULL,
      LV_E_INVALID_PARAMETER,
      HDR1 "Value '{bad key!=v}' at 'tags'" SAT "Map keys must satisfy "
      "constraint: [Member must have length less than or equal to 128, "
      "Member must have length greater than or equal to 1, Member must "
      "satisfy regular expression pattern: "
      "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$]",
      { NULL } },
    { "logs map value", LOGS, "CreateLogGroup",
      "{\"logGroupName\":\"g\",\"tags\":{\"k\":\"a|b\"}}", NULL,
      LV_E_INVALID_PARAMETER, NULL,
      { HDR1 "Value '{k=a|b}' at 'tags'" SAT "Map value must satisfy "
        "constraint: [Member must have length less than or equal to 256, ",
        NULL } },
    { "logs empty map", LOGS, "CreateLogGroup",
      "{\"logGroupName\":\"g\",\"tags\":{}}", NULL, LV_E_INVALID_PARAMETER,
      HDR1 "Value '{}' at 'tags'" SAT
      "Member must have length greater than or equal to 1", { NULL } },
    { "logs unicode pattern \\p{L}", LOGS, "CreateLogGroup",
      "{\"logGroupName\":\"g\","
      "\"tags\":{\"\xc3\xa9t\xc3\xa9\":\"\xe6\x97\xa5\"}}",
      NULL, LV_E_NONE, NULL, { NULL } },

    /* --- Logs: types --- */
    { "logs number for string", LOGS, "CreateLogGroup",
      "{\"logGroupName\":5}", NULL, LV_E_SERIALIZATION,
      "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can "
      "not be converted to an String", { NULL } },
    { "logs bool for string", LOGS, "CreateLogGroup",
      "{\"logGroupName\":true}", NULL, LV_E_SERIALIZATION,
      "class java.lang.Boolean can not be converted to an String",
      { NULL } },
    { "logs string for integer", LOGS, "GetLogEvents",
      "{\"logStreamName\":\"s\",\"limit\":\"5\"}", NULL, LV_E_SERIALIZATION,
      "class java.lang.String can not be converted to an Integer",
      { NULL } },
    { "logs integer overflow", LOGS, "GetLogEvents",
      "{\"logStreamName\":\"s\",\"limit\":4294967296}", NULL,
      LV_E_SERIALIZATION,
      "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can "
      "not be converted to an Integer", { NULL } },
    { "logs long from huge real", LOGS, "GetLogEvents",
      "{\"logStreamName\":\"s\",\"startTime\":1e300}", NULL,
      LV_E_SERIALIZATION,
      "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can "
      "not be converted to an Long", { NULL } },
    { "logs object for list", LOGS, "PutLogEvents",
      "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":{}}",
      NULL, LV_E_SERIALIZATION,
      "Start of structure or map found where not expected.", { NULL } },
    { "logs string for list", LOGS, "PutLogEvents",
      "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":\"x\"}",
      NULL, LV_E_SERIALIZATION, "Expected list or null", { NULL } },
    { "logs list for struct element", LOGS, "PutLogEvents",
      "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[[]]}",
      NULL, LV_E_SERIALIZATION, "Start of list found where not expected",
      { NULL } },
    { "logs scalar for struct element", LOGS, "PutLogEvents",
      "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[1]}",
      NULL, LV_E_SERIALIZATION, "Expected null", { NULL } },
    { "logs list for map", LOGS, "CreateLogGroup",
      "{\"logGroupName\":\"g\",\"tags\":[]}", NULL, LV_E_SERIALIZATION,
      "Start of list found where not expected", { NULL } },
    { "logs string for map", LOGS, "CreateLogGroup",
      "{\"logGroupName\":\"g\",\"tags\":\"a\"}", NULL, LV_E_SERIALIZATION,
      "Expected map or null", { NULL } },
    { "logs map value number", LOGS, "CreateLogGroup",
      "{\"logGroupName\":\"g\",\"tags\":{\"k\":1}}", NULL,
      LV_E_SERIALIZATION,
      "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can "
      "not be converted to an String", { NULL } },
    { "logs string for boolean", LOGS, "GetLogEvents",
      "{\"logStreamName\":\"s\",\"startFromHead\":\"yes\"}", NULL,
      LV_E_SERIALIZATION, "'YES' can not be converted to an Boolean",
      { NULL } },
    { "logs number for boolean", LOGS, "GetLogEvents",
      "{\"logStreamName\":\"s\",\"startFromHead\":1}", NULL,
      LV_E_SERIALIZATION,
      "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can "
      "not be converted to an Boolean", { NULL } },
    { "logs type error wins over constraints", LOGS, "PutLogEvents",
      "{\"logEvents\":[{\"timestamp\":\"1\",\"message\":\"m\"}]}", NULL,
      LV_E_SERIALIZATION,
      "class java.lang.String can not be converted to an Long", { NULL } },
    { "logs array body", LOGS, "CreateLogGroup", "[]", NULL,
      LV_E_SERIALIZATION, "Start of list found where not expected",
      { NULL } },

    /* --- KMS --- */
    { "kms create ok", KMS, "CreateKey",
      "{\"KeySpec\":\"SYMMETRIC_DEFAULT\",\"KeyUsage\":\"ENCRYPT_DECRYPT\","
      "\"Tags\":[{\"TagKey\":\"a\",\"TagValue\":\"\"}],\"MultiRegion\":false}",
      NULL, LV_E_NONE, NULL, { NULL } },
    { "kms enum", KMS, "CreateKey", "{\"KeySpec\":\"FOO\"}", NULL,
      LV_E_VALIDATION, NULL,
      { HDR1 "Value 'FOO' at 'keySpec'" SAT "Member must satisfy enum value "
        "set: [RSA_2048, RSA_3072, ", "SYMMETRIC_DEFAULT", NULL } },
    { "kms required keyId lowercase", KMS, "GenerateDataKey", "{}", NULL,
      LV_E_VALIDATION,
      HDR1 "Value null at 'keyId'" SAT "Member must not be null",
      { NULL } },
    { "kms empty keyId", KMS, "GenerateDataKey", "{\"KeyId\":\"\"}", NULL,
      LV_E_VALIDATION,
      HDR1 "Value '' at 'keyId'" SAT
      "Member must have length greater than or equal to 1", { NULL } },
    { "kms numberOfBytes 0", KMS, "GenerateDataKey",
      "{\"KeyId\":\"k\",\"NumberOfBytes\":0}", NULL, LV_E_VALIDATION,
      HDR1 "Value '0' at 'numberOfBytes'" SAT
      "Member must have value greater than or equal to 1", { NULL } },
    { "kms numberOfBytes 1025", KMS, "GenerateDataKey",
      "{\"KeyId\":\"k\",\"NumberOfBytes\":1025}", NULL, LV_E_VALIDATION,
      HDR1 "Value '1025' at 'numberOfBytes'" SAT
      "Member must have value less than or equal to 1024", { NULL } },
    { "kms numberOfBytes 1024 ok", KMS, "GenerateDataKey",
      "{\"KeyId\":\"k\",\"NumberOfBytes\":1024}", NULL, LV_E_NONE, NULL,
      { NULL } },
    { "kms encrypt two required", KMS, "Encrypt", "{}", NULL,
      LV_E_VALIDATION,
      "2 validation errors detected: Value null at 'keyId'" SAT
      "Member must not be null; Value null at 'plaintext'" SAT
      "Member must not be null", { NULL } },
    { "kms encrypt ok", KMS, "Encrypt",
      "{\"KeyId\":\"alias/x\",\"Plaintext\":\"aGVsbG8=\","
      "\"EncryptionContext\":{\"a\":\"b\"}}", NULL, LV_E_NONE, NULL,
      { NULL } },
    { "kms plaintext empty, value hidden", KMS, "Encrypt",
      "{\"KeyId\":\"k\",\"Plaintext\":\"\"}", NULL, LV_E_VALIDATION,
      HDR1 "Value at 'plaintext'" SAT
      "Member must have length greater than or equal to 1", { NULL } },
    { "kms plaintext 4097 bytes", KMS, "Encrypt", NULL, build_plaintext_4097,
      LV_E_VALIDATION,
      HDR1 "Value at 'plaintext'" SAT
      "Member must have length less than or equal to 4096", { NULL } },
    { "kms plaintext not base64 (length)", KMS, "Encrypt",
      "{\"KeyId\":\"k\",\"Plaintext\":\"abc\"}", NULL, LV_E_SERIALIZATION,
      "'***' can not be converted to a Blob: Base64 encoded length is "
      "expected a multiple of 4 bytes but found: 3", { NULL } },
    { "kms plaintext wrong type", KMS, "Encrypt",
      "{\"KeyId\":\"k\",\"Plaintext\":5}", NULL, LV_E_SERIALIZATION,
      "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can "
      "not be converted to a Blob", { NULL } },
    { "kms ciphertext bad char", KMS, "Decrypt",
      "{\"CiphertextBlob\":\"=+/=\"}", NULL, LV_E_SERIALIZATION,
      "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='",
      { NULL } },
    { "kms ciphertext bad tail", KMS, "Decrypt",
      "{\"CiphertextBlob\":\"+/+=\"}", NULL, LV_E_SERIALIZATION,
      "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 "
      "character dectected", { NULL } },
    { "kms alias pattern", KMS, "CreateAlias",
      "{\"AliasName\":\"alias/bad name\",\"TargetKeyId\":\"k\"}", NULL,
      LV_E_VALIDATION,
      HDR1 "Value 'alias/bad name' at 'aliasName'" SAT "Member must satisfy "
      "regular expression pattern: ^[a-zA-Z0-9:/_-]+$", { NULL } },
    { "kms nested tag path", KMS, "CreateKey",
      "{\"Tags\":[{\"TagKey\":\"a\",\"TagValue\":\"b\"},{\"TagKey\":\"k\"}]}",
      NULL, LV_E_VALIDATION,
      HDR1 "Value null at 'tags.2.member.tagValue'" SAT
      "Member must not be null", { NULL } },
    { "kms description 8192 chars (16384 bytes) ok", KMS, "CreateKey", NULL,
      build_desc_8192, LV_E_NONE, NULL, { NULL } },
    { "kms description 8193 chars", KMS, "CreateKey", NULL, build_desc_8193,
      LV_E_VALIDATION, NULL,
      { "' at 'description'" SAT
        "Member must have length less than or equal to 8192", NULL } },
    { "kms policy \\u escapes in pattern", KMS, "CreateKey",
      "{\"Policy\":\"{\\\"a\\\":\\t1}\\n\"}", NULL, LV_E_NONE, NULL,
      { NULL } },
    { "kms policy outside \\u00FF", KMS, "CreateKey",
      "{\"Policy\":\"\xe6\x97\xa5\"}", NULL, LV_E_VALIDATION,
      HDR1 "Value '\xe6\x97\xa5' at 'policy'" SAT "Member must satisfy "
      "regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
      { NULL } },
    { "kms boolean from string", KMS, "CreateKey",
      "{\"BypassPolicyLockoutSafetyCheck\":\"true\"}", NULL,
      LV_E_SERIALIZATION, "'TRUE' can not be converted to an Boolean",
      { NULL } },
    { "kms list element type", KMS, "Encrypt",
      "{\"KeyId\":\"k\",\"Plaintext\":\"AA==\",\"GrantTokens\":[1]}", NULL,
      LV_E_SERIALIZATION,
      "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can "
      "not be converted to an String", { NULL } },
    { "kms grant tokens too many", KMS, "Encrypt",
      "{\"KeyId\":\"k\",\"Plaintext\":\"AA==\",\"GrantTokens\":"
      "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"]}",
      NULL, LV_E_VALIDATION,
      HDR1 "Value '[a, b, c, d, e, f, g, h, i, j, k]' at 'grantTokens'" SAT
      "Member must have length less than or equal to 10", { NULL } },
    { "kms list element constraint", KMS, "Encrypt",
      "{\"KeyId\":\"k\",\"Plaintext\":\"AA==\",\"GrantTokens\":[\"a\",\"\"]}",
      NULL, LV_E_VALIDATION,
      HDR1 "Value '' at 'grantTokens.2.member'" SAT
      "Member must have length greater than or equal to 1", { NULL } },
};

static void run_row(const struct row *r)
{
    struct lv_err err = LV_ERR_INIT_WHOLE;
    const char *msg;
    const struct lv_op *op;
    json_error_t jerr;
    json_t *in;
    int rc;
    int i;

    op = lv_model_find_op(r->svc, r->op, strlen(r->op));
    if (!op) {
        fail_msg("%s: no operation %s", r->name, r->op);
    }
    in = r->json ? json_loads(r->json, JSON_DECODE_ANY, &jerr) : r->build();
    if (!in) {
        fail_msg("%s: bad test JSON: %s", r->name, jerr.text);
    }
    rc = lv_model_validate(r->svc, op, in, &err);
    json_decref(in);
    msg = lv_err_msg(&err);
    if (r->code == LV_E_NONE) {
        if (rc != 0) {
            fail_msg("%s: expected valid, got %s: %s", r->name,
                     lv_err_type(err.code), msg);
        }
        return;
    }
    if (rc != -1 || err.code != r->code) {
        fail_msg("%s: expected %s, got rc=%d %s: %s", r->name,
                 lv_err_type(r->code), rc, lv_err_type(err.code), msg);
    }
    if (r->exact && strcmp(msg, r->exact) != 0) {
        fail_msg("%s:\n  expected: %s\n  got:      %s", r->name, r->exact,
                 msg);
    }
    for (i = 0; i < 3 && r->has[i]; i++) {
        if (!strstr(msg, r->has[i])) {
            fail_msg("%s:\n  missing:  %s\n  in:       %.600s", r->name,
                     r->has[i], msg);
        }
    }
    if (strlen(err.msg) >= sizeof(err.msg)) {
        fail_msg("%s: message overflow", r->name);
    }
    lv_err_release(&err);
}

static void test_rows(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        run_row(&rows[i]);
    }
}

/* Every op of both services: {} never crashes, names its required members
 * (all of them when they fit), and an input shape without any is valid. */
static void sweep_empty(const struct lv_service *svc)
{
    int i;

    for (i = 0; i < svc->n_ops; i++) {
        const struct lv_op *op = &svc->ops[i];
        const struct lv_shape *sh;
        struct lv_err err = LV_ERR_INIT;
        json_t *in = json_object();
        char head[64];
        int nreq = 0;
        int m;
        int rc;

        rc = lv_model_validate(svc, op, in, &err);
        json_decref(in);
        if (op->input < 0) {
            assert_int_equal(rc, 0);
            continue;
        }
        sh = &svc->shapes[op->input];
        for (m = 0; m < sh->n_members; m++) {
            nreq += sh->members[m].required;
        }
        if (!nreq) {
            if (rc != 0) {
                fail_msg("%s.%s {}: %s", svc->name, op->name, err.msg);
            }
            continue;
        }
        /* The operation's own code when its model lists only
         * ValidationException (the newer Logs operations), else the
         * service's. */
        if (rc != -1 ||
            (int)err.code != (op->validation_code ? op->validation_code
                                                  : svc->validation_code)) {
            fail_msg("%s.%s {}: rc=%d %s", svc->name, op->name, rc,
                     err.msg);
        }
        snprintf(head, sizeof(head), "%d validation error%s detected: ",
                 nreq > 10 ? 10 : nreq, nreq == 1 ? "" : "s");
        if (strncmp(err.msg, head, strlen(head)) != 0) {
            fail_msg("%s.%s {}: %s", svc->name, op->name, err.msg);
        }
        for (m = 0; m < sh->n_members; m++) {
            char want[200];
            const char *name = sh->members[m].name;

            if (!sh->members[m].required) {
                continue;
            }
            snprintf(want, sizeof(want), "Value null at '%c%s'",
                     name[0] >= 'A' && name[0] <= 'Z' ? name[0] + 32
                                                      : name[0], name + 1);
            /* The first one always fits; the rest when there is room. */
            if (!strstr(err.msg, want) && strlen(err.msg) < 400) {
                fail_msg("%s.%s {}: %s not in %s", svc->name, op->name,
                         want, err.msg);
            }
            break;
        }
    }
}

static void test_every_op_empty(void **state)
{
    (void)state;
    sweep_empty(&lv_model_logs);
    sweep_empty(&lv_model_kms);
}

/* Every op, every member given a value of each JSON type: no crash, and
 * either valid or one of the three error codes. */
static void sweep_types(const struct lv_service *svc)
{
    static const char *const values[] = {
        "null", "true", "0", "-1", "1.5", "1e300", "\"\"", "\"x\"",
        "\"AAAA\"", "[]", "[null, 1, \"a\", {}]", "{}", "{\"a\": \"b\"}",
    };
    int i;
    size_t v;

    for (i = 0; i < svc->n_ops; i++) {
        const struct lv_op *op = &svc->ops[i];
        const struct lv_shape *sh;
        int m;

        if (op->input < 0) {
            continue;
        }
        sh = &svc->shapes[op->input];
        for (m = 0; m < sh->n_members; m++) {
            for (v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
                struct lv_err err = LV_ERR_INIT;
                json_t *in = json_object();
                int rc;

                json_object_set_new(in, sh->members[m].name,
                                    json_loads(values[v], JSON_DECODE_ANY,
                                               NULL));
                rc = lv_model_validate(svc, op, in, &err);
                json_decref(in);
                if (rc < 0 && err.code != LV_E_SERIALIZATION &&
                    (int)err.code != (op->validation_code
                                          ? op->validation_code
                                          : svc->validation_code)) {
                    fail_msg("%s.%s %s=%s: %s", svc->name, op->name,
                             sh->members[m].name, values[v], err.msg);
                }
            }
        }
    }
}

static void test_every_member_every_type(void **state)
{
    (void)state;
    sweep_types(&lv_model_logs);
    sweep_types(&lv_model_kms);
}

static void test_patterns_compile(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    int bad;

    (void)state;
    bad = lv_model_compile_patterns(&lv_model_logs, &err);
    if (bad) {
        fail_msg("logs: %d pattern(s) do not compile: %s", bad, err.msg);
    }
    bad = lv_model_compile_patterns(&lv_model_kms, &err);
    if (bad) {
        fail_msg("kms: %d pattern(s) do not compile: %s", bad, err.msg);
    }
}

/*
 * Values are quoted whole, as AWS quotes them, however long: into a WHOLE
 * err the message is exactly AWS's; into a plain err it is the same
 * message cut to msg's 511 bytes at a character boundary.
 */
struct whole_row {
    const char *name;
    const struct lv_service *svc;
    const char *op;
    const char *member;         /* a string member set to the value (the
                                 * op's other required members, if any,
                                 * are member2) */
    const char *member2;        /* a second one set to value2, or NULL */
    const char *unit;           /* the value: unit repeated count times */
    size_t count;
    const char *unit2;
    size_t count2;
    const char *want_fmt;       /* the message; %s the value(s) as quoted */
    int upper;                  /* the value is quoted upper-cased */
};

static char *repeat(const char *unit, size_t count, int upper)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    size_t i;

    for (i = 0; i < count; i++) {
        lv_buf_adds(&b, unit);
    }
    for (i = 0; upper && i < b.len; i++) {
        if (b.data[i] >= 'a' && b.data[i] <= 'z') {
            b.data[i] = (char)(b.data[i] - 32);
        }
    }
    return lv_buf_detach(&b, NULL);
}

static const struct whole_row whole_rows[] = {
    { "logs 513-char log group name", LOGS, "CreateLogGroup",
      "logGroupName", NULL, "a", 513, NULL, 0,
      HDR1 "Value '%s' at 'logGroupName'" SAT
      "Member must have length less than or equal to 512", 0 },
    { "logs two 513-char names, both whole", LOGS, "CreateLogStream",
      "logGroupName", "logStreamName", "g", 513, "s", 513,
      "2 validation errors detected: Value '%s' at 'logGroupName'" SAT
      "Member must have length less than or equal to 512; Value '%s' at "
      "'logStreamName'" SAT
      "Member must have length less than or equal to 512", 0 },
    { "kms description of 8193 two-byte characters", KMS, "CreateKey",
      "Description", NULL, "\xc3\xa9", 8193, NULL, 0,
      HDR1 "Value '%s' at 'description'" SAT
      "Member must have length less than or equal to 8192", 0 },
    { "kms boolean from a 600-character string", KMS, "CreateKey",
      "BypassPolicyLockoutSafetyCheck", NULL, "yes", 200, NULL, 0,
      "'%s' can not be converted to an Boolean", 1 },
    { "kms blob of bad length, 601 characters", KMS, "Decrypt",
      "CiphertextBlob", NULL, "A", 601, NULL, 0,
      "'%s' can not be converted to a Blob: Base64 encoded length is "
      "expected a multiple of 4 bytes but found: 601", 0 },
};

/* msg is want cut to at most 511 bytes, at a character boundary. */
static void check_cut(const char *name, const char *msg, const char *want)
{
    size_t n = strlen(msg);
    unsigned char next = (unsigned char)want[n];

    if (strncmp(msg, want, n) != 0 || n > 511) {
        fail_msg("%s: plain err is not a prefix of the whole message",
                 name);
    }
    if (next == '\0') {
        fail_msg("%s: plain err holds all %zu bytes", name, n);
    }
    /* Cut before a character only when that character did not fit. */
    if ((next & 0xc0) == 0x80 ||
        (n < 511 && n + (next >= 0xf0 ? 4 : next >= 0xe0 ? 3
                         : next >= 0xc0 ? 2 : 1) <= 511)) {
        fail_msg("%s: cut at %zu is not at the last whole character",
                 name, n);
    }
}

static void test_values_quoted_whole(void **state)
{
    size_t r;

    (void)state;
    for (r = 0; r < sizeof(whole_rows) / sizeof(whole_rows[0]); r++) {
        const struct whole_row *w = &whole_rows[r];
        const struct lv_op *op = lv_model_find_op(w->svc, w->op,
                                                  strlen(w->op));
        struct lv_err whole = LV_ERR_INIT_WHOLE;
        struct lv_err plain = LV_ERR_INIT;
        struct lv_buf want = LV_BUF_INIT(SIZE_MAX);
        char *v1 = repeat(w->unit, w->count, 0);
        char *v2 = w->member2 ? repeat(w->unit2, w->count2, 0) : NULL;
        char *q1 = repeat(w->unit, w->count, w->upper);
        json_t *in = json_object();

        assert_non_null(op);
        json_object_set_new(in, w->member, json_string(v1));
        if (v2) {
            json_object_set_new(in, w->member2, json_string(v2));
        }
        lv_buf_addf(&want, w->want_fmt, q1, v2 ? v2 : "");
        if (lv_model_validate(w->svc, op, in, &whole) != -1 ||
            strcmp(lv_err_msg(&whole), want.data) != 0) {
            fail_msg("%s:\n  expected (%zu bytes): %.80s...\n  got (%zu "
                     "bytes): %.80s...", w->name, want.len, want.data,
                     strlen(lv_err_msg(&whole)), lv_err_msg(&whole));
        }
        assert_int_equal(lv_model_validate(w->svc, op, in, &plain), -1);
        assert_int_equal(plain.code, whole.code);
        check_cut(w->name, plain.msg, want.data);
        /* err.msg of a WHOLE err is the same cut message. */
        assert_string_equal(whole.msg, plain.msg);
        lv_err_release(&whole);
        assert_string_equal(lv_err_msg(&whole), "");
        json_decref(in);
        lv_buf_release(&want);
        free(v1);
        free(v2);
        free(q1);
    }
}

/* Which operations answer ValidationException in place of Logs' usual
 * InvalidParameterException: those whose model lists only the former. */
static void test_op_validation_code(void **state)
{
    static const struct {
        const struct lv_service *svc;
        const char *op;
        int code;
    } cases[] = {
        { &lv_model_logs, "CreateDelivery", LV_E_VALIDATION },
        { &lv_model_logs, "ListScheduledQueries", LV_E_VALIDATION },
        { &lv_model_logs, "GetDeliverySource", LV_E_VALIDATION },
        { &lv_model_logs, "PutLogEvents", 0 },
        /* lists both: the service's usual one */
        { &lv_model_logs, "CreateImportTask", 0 },
        { &lv_model_kms, "Encrypt", 0 },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct lv_op *op = lv_model_find_op(
            cases[i].svc, cases[i].op, strlen(cases[i].op));

        assert_non_null(op);
        if (op->validation_code != cases[i].code) {
            fail_msg("%s: validation_code %d, want %d", cases[i].op,
                     op->validation_code, cases[i].code);
        }
    }
}

static void test_lookups(void **state)
{
    const struct lv_service *svcs[] = { &lv_model_logs, &lv_model_kms };
    const struct lv_op *op;
    const struct lv_shape *sh;
    size_t s;
    int i;

    (void)state;
    assert_ptr_equal(lv_model_service_by_prefix("Logs_20140328", 13),
                     &lv_model_logs);
    assert_ptr_equal(lv_model_service_by_prefix("TrentService", 12),
                     &lv_model_kms);
    assert_null(lv_model_service_by_prefix("TrentServic", 11));
    assert_null(lv_model_service_by_prefix("TrentServiceX", 13));
    assert_null(lv_model_service_by_prefix("", 0));
    /* len, not NUL: "TrentService.Encrypt" split by the router. */
    assert_ptr_equal(lv_model_service_by_prefix("TrentService.Encrypt", 12),
                     &lv_model_kms);
    for (s = 0; s < 2; s++) {
        for (i = 0; i < svcs[s]->n_ops; i++) {
            const char *name = svcs[s]->ops[i].name;

            if (i) {
                assert_true(strcmp(svcs[s]->ops[i - 1].name, name) < 0);
            }
            assert_ptr_equal(lv_model_find_op(svcs[s], name, strlen(name)),
                             &svcs[s]->ops[i]);
        }
        assert_null(lv_model_find_op(svcs[s], "", 0));
        assert_null(lv_model_find_op(svcs[s], "Zzz", 3));
        assert_null(lv_model_find_op(svcs[s], "AAA", 3));
    }
    op = lv_model_find_op(&lv_model_logs, "PutLogEventsX", 12);
    assert_non_null(op);
    assert_string_equal(op->name, "PutLogEvents");
    assert_null(lv_model_find_op(&lv_model_logs, "PutLogEvent", 11));
    sh = &lv_model_logs.shapes[op->input];
    assert_non_null(lv_model_find_member(sh, "logEvents"));
    assert_true(lv_model_find_member(sh, "logEvents")->required);
    assert_null(lv_model_find_member(sh, "LogEvents"));
    assert_null(lv_model_find_member(NULL, "x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_op_validation_code),
        cmocka_unit_test(test_patterns_compile),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_every_op_empty),
        cmocka_unit_test(test_every_member_every_type),
        cmocka_unit_test(test_values_quoted_whole),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

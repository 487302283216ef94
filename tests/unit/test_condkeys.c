/*
 * test_condkeys: the table of condition keys a KMS authorization fills
 * (src/kms/condkeys.c), row by row: for each key, an action where AWS sets
 * it gives the value from the right source, and an action where AWS does
 * not set it leaves it absent. Also: the caller's own keys win over the
 * table's, encryption-context keys of any length are kept whole, the
 * keys that must stay absent stay absent, and aws:userid is stable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>

#include "helpers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "crypto/crypto.h"
#include "http/peer.h"
#include "kms/condkeys.h"
#include "policy/policy.h"
#include "store/kms_store.h"
#include "svc/req.h"

#define ACCT "111122223333"
#define KEY_ARN "arn:aws:kms:eu-west-2:111122223333:key/" \
    "1234abcd-12ab-34cd-56ef-1234567890ab"

enum who { ALICE, ROOT, LOGS };

/* One row: under `action`, with input `in` (JSON, ' for "; NULL: none)
 * and principal `who`, key `key` has exactly the values `want` (in
 * order; { NULL } means absent). */
struct row {
    const char *name;
    const char *action;
    const char *in;
    enum who who;
    const char *key;
    const char *want[4];
};

#define ABSENT { NULL }

static const struct row rows[] = {
    /* ---- global keys ---- */
    { "CurrentTime is ISO 8601 UTC", "Encrypt", NULL, ALICE,
      "aws:CurrentTime", { "2023-11-14T22:13:20Z" } },
    { "EpochTime is seconds", "DescribeKey", NULL, ALICE, "aws:EpochTime",
      { "1700000000" } },
    { "SourceIp is the client address", "Decrypt", NULL, ALICE,
      "aws:SourceIp", { "203.0.113.7" } },
    { "SourceIp absent for an internal call", "Decrypt", NULL, LOGS,
      "aws:SourceIp", ABSENT },
    { "SecureTransport false over HTTP", "Encrypt", NULL, ALICE,
      "aws:SecureTransport", { "false" } },
    { "RequestedRegion is the scope's region", "Encrypt", NULL, ALICE,
      "aws:RequestedRegion", { "eu-west-2" } },
    { "UserAgent is the header", "Encrypt", NULL, ALICE, "aws:UserAgent",
      { "test-agent/1.0" } },
    { "PrincipalArn of a user", "Encrypt", NULL, ALICE, "aws:PrincipalArn",
      { "arn:aws:iam::111122223333:user/alice" } },
    { "PrincipalArn absent for a service", "Encrypt", NULL, LOGS,
      "aws:PrincipalArn", ABSENT },
    { "PrincipalAccount of a user", "Encrypt", NULL, ALICE,
      "aws:PrincipalAccount", { ACCT } },
    { "PrincipalType User", "Encrypt", NULL, ALICE, "aws:PrincipalType",
      { "User" } },
    { "PrincipalType Account", "Encrypt", NULL, ROOT, "aws:PrincipalType",
      { "Account" } },
    { "PrincipalType AWSService", "Encrypt", NULL, LOGS,
      "aws:PrincipalType", { "AWSService" } },
    { "username of a user", "Encrypt", NULL, ALICE, "aws:username",
      { "alice" } },
    { "username absent for the root", "Encrypt", NULL, ROOT, "aws:username",
      ABSENT },
    { "userid of the root is the account", "Encrypt", NULL, ROOT,
      "aws:userid", { ACCT } },
    { "userid absent for a service", "Encrypt", NULL, LOGS, "aws:userid",
      ABSENT },
    { "PrincipalIsAWSService false for a user", "Encrypt", NULL, ALICE,
      "aws:PrincipalIsAWSService", { "false" } },
    { "PrincipalIsAWSService true for logs", "GenerateDataKey", NULL, LOGS,
      "aws:PrincipalIsAWSService", { "true" } },
    { "PrincipalServiceName of logs", "GenerateDataKey", NULL, LOGS,
      "aws:PrincipalServiceName", { "logs.eu-west-2.amazonaws.com" } },
    { "PrincipalServiceName absent for a user", "Encrypt", NULL, ALICE,
      "aws:PrincipalServiceName", ABSENT },
    { "ViaAWSService false for a user", "Encrypt", NULL, ALICE,
      "aws:ViaAWSService", { "false" } },
    { "ViaAWSService false for a service principal", "Decrypt", NULL, LOGS,
      "aws:ViaAWSService", { "false" } },
    { "CalledVia absent", "Decrypt", NULL, LOGS, "aws:CalledVia", ABSENT },
    { "ResourceAccount is the key's", "Encrypt", NULL, ALICE,
      "aws:ResourceAccount", { ACCT } },
    { "ResourceTag from the store", "Encrypt", NULL, ALICE,
      "aws:ResourceTag/Env", { "prod" } },
    { "ResourceTag of another name absent", "Encrypt", NULL, ALICE,
      "aws:ResourceTag/Owner", ABSENT },
    { "RequestTag from TagResource", "TagResource",
      "{'KeyId':'k','Tags':[{'TagKey':'Team','TagValue':'red'}]}", ALICE,
      "aws:RequestTag/Team", { "red" } },
    { "RequestTag absent from UntagResource", "UntagResource",
      "{'KeyId':'k','TagKeys':['Team']}", ALICE, "aws:RequestTag/Team",
      ABSENT },
    { "TagKeys from TagResource", "TagResource",
      "{'KeyId':'k','Tags':[{'TagKey':'A','TagValue':'1'},"
      "{'TagKey':'B','TagValue':'2'}]}", ALICE, "aws:TagKeys", { "A", "B" } },
    { "TagKeys from UntagResource", "UntagResource",
      "{'KeyId':'k','TagKeys':['Team']}", ALICE, "aws:TagKeys", { "Team" } },
    { "TagKeys absent from Encrypt", "Encrypt",
      "{'KeyId':'k','Tags':[{'TagKey':'A','TagValue':'1'}]}", ALICE,
      "aws:TagKeys", ABSENT },

    /* ---- KMS keys ---- */
    { "CallerAccount of a user", "Encrypt", NULL, ALICE, "kms:CallerAccount",
      { ACCT } },
    { "KeySpec of the key", "Sign", NULL, ALICE, "kms:KeySpec",
      { "SYMMETRIC_DEFAULT" } },
    { "CustomerMasterKeySpec of the key", "Encrypt", NULL, ALICE,
      "kms:CustomerMasterKeySpec", { "SYMMETRIC_DEFAULT" } },
    { "KeyUsage of the key", "DescribeKey", NULL, ALICE, "kms:KeyUsage",
      { "ENCRYPT_DECRYPT" } },
    { "CustomerMasterKeyUsage of the key", "DescribeKey", NULL, ALICE,
      "kms:CustomerMasterKeyUsage", { "ENCRYPT_DECRYPT" } },
    { "KeyOrigin of the key", "GenerateDataKey", NULL, ALICE,
      "kms:KeyOrigin", { "AWS_KMS" } },
    { "MultiRegion false", "Encrypt", NULL, ALICE, "kms:MultiRegion",
      { "false" } },
    { "MultiRegionKeyType absent", "Encrypt", NULL, ALICE,
      "kms:MultiRegionKeyType", ABSENT },
    { "ResourceAliases from the store", "Encrypt", NULL, ALICE,
      "kms:ResourceAliases", { "alias/one", "alias/two" } },
    { "EncryptionContext pair", "Encrypt", NULL, ALICE,
      "kms:EncryptionContext:dept", { "it" } },
    { "EncryptionContextKeys", "Encrypt", NULL, ALICE,
      "kms:EncryptionContextKeys", { "dept", "project" } },
    { "EncryptionAlgorithm from Encrypt", "Encrypt",
      "{'EncryptionAlgorithm':'RSAES_OAEP_SHA_256'}", ALICE,
      "kms:EncryptionAlgorithm", { "RSAES_OAEP_SHA_256" } },
    { "EncryptionAlgorithm default on Decrypt", "Decrypt", "{}", ALICE,
      "kms:EncryptionAlgorithm", { "SYMMETRIC_DEFAULT" } },
    { "EncryptionAlgorithm from ReEncrypt source", "ReEncryptFrom",
      "{'SourceEncryptionAlgorithm':'RSAES_OAEP_SHA_1',"
      "'DestinationEncryptionAlgorithm':'SYMMETRIC_DEFAULT'}", ALICE,
      "kms:EncryptionAlgorithm", { "RSAES_OAEP_SHA_1" } },
    { "EncryptionAlgorithm from ReEncrypt destination", "ReEncryptTo",
      "{'SourceEncryptionAlgorithm':'RSAES_OAEP_SHA_1',"
      "'DestinationEncryptionAlgorithm':'RSAES_OAEP_SHA_256'}", ALICE,
      "kms:EncryptionAlgorithm", { "RSAES_OAEP_SHA_256" } },
    { "EncryptionAlgorithm of a data key", "GenerateDataKey", NULL, LOGS,
      "kms:EncryptionAlgorithm", { "SYMMETRIC_DEFAULT" } },
    { "EncryptionAlgorithm of a data key pair", "GenerateDataKeyPair",
      "{'KeyPairSpec':'RSA_2048'}", ALICE, "kms:EncryptionAlgorithm",
      { "SYMMETRIC_DEFAULT" } },
    { "EncryptionAlgorithm absent from Sign", "Sign",
      "{'SigningAlgorithm':'ECDSA_SHA_256'}", ALICE,
      "kms:EncryptionAlgorithm", ABSENT },
    { "SigningAlgorithm from Sign", "Sign",
      "{'SigningAlgorithm':'ECDSA_SHA_256'}", ALICE, "kms:SigningAlgorithm",
      { "ECDSA_SHA_256" } },
    { "SigningAlgorithm from Verify", "Verify",
      "{'SigningAlgorithm':'RSASSA_PSS_SHA_256'}", ALICE,
      "kms:SigningAlgorithm", { "RSASSA_PSS_SHA_256" } },
    { "MessageType default RAW", "Sign", "{'SigningAlgorithm':'x'}", ALICE,
      "kms:MessageType", { "RAW" } },
    { "MessageType DIGEST", "Verify", "{'MessageType':'DIGEST'}", ALICE,
      "kms:MessageType", { "DIGEST" } },
    { "MessageType absent from Encrypt", "Encrypt",
      "{'MessageType':'DIGEST'}", ALICE, "kms:MessageType", ABSENT },
    { "MacAlgorithm from GenerateMac", "GenerateMac",
      "{'MacAlgorithm':'HMAC_SHA_384'}", ALICE, "kms:MacAlgorithm",
      { "HMAC_SHA_384" } },
    { "MacAlgorithm from VerifyMac", "VerifyMac",
      "{'MacAlgorithm':'HMAC_SHA_256'}", ALICE, "kms:MacAlgorithm",
      { "HMAC_SHA_256" } },
    { "DataKeyPairSpec", "GenerateDataKeyPairWithoutPlaintext",
      "{'KeyPairSpec':'ECC_NIST_P256'}", ALICE, "kms:DataKeyPairSpec",
      { "ECC_NIST_P256" } },
    { "DataKeyPairSpec absent from GenerateDataKey", "GenerateDataKey",
      "{'KeyPairSpec':'ECC_NIST_P256'}", ALICE, "kms:DataKeyPairSpec",
      ABSENT },
    { "PendingWindowInDays given", "ScheduleKeyDeletion",
      "{'PendingWindowInDays':7}", ALICE,
      "kms:ScheduleKeyDeletionPendingWindowInDays", { "7" } },
    { "PendingWindowInDays default 30", "ScheduleKeyDeletion", "{}", ALICE,
      "kms:ScheduleKeyDeletionPendingWindowInDays", { "30" } },
    { "RotationPeriodInDays given", "EnableKeyRotation",
      "{'RotationPeriodInDays':90}", ALICE, "kms:RotationPeriodInDays",
      { "90" } },
    { "RotationPeriodInDays default 365", "EnableKeyRotation", "{}", ALICE,
      "kms:RotationPeriodInDays", { "365" } },
    { "BypassPolicyLockoutSafetyCheck given", "PutKeyPolicy",
      "{'BypassPolicyLockoutSafetyCheck':true}", ALICE,
      "kms:BypassPolicyLockoutSafetyCheck", { "true" } },
    { "BypassPolicyLockoutSafetyCheck absent when not given",
      "PutKeyPolicy", "{}", ALICE, "kms:BypassPolicyLockoutSafetyCheck",
      ABSENT },
    { "ReEncryptOnSameKey from the caller's finding", "ReEncryptTo", "{}",
      ALICE, "kms:ReEncryptOnSameKey", { "true" } },
    { "ReEncryptOnSameKey absent from Encrypt", "Encrypt", "{}", ALICE,
      "kms:ReEncryptOnSameKey", ABSENT },
    { "RequestAlias from an alias name", "Encrypt",
      "{'KeyId':'alias/app'}", ALICE, "kms:RequestAlias", { "alias/app" } },
    { "RequestAlias from an alias ARN", "DescribeKey",
      "{'KeyId':'arn:aws:kms:eu-west-2:111122223333:alias/app'}", ALICE,
      "kms:RequestAlias", { "alias/app" } },
    { "RequestAlias from ReEncrypt's destination", "ReEncryptTo",
      "{'SourceKeyId':'alias/src','DestinationKeyId':'alias/dst'}", ALICE,
      "kms:RequestAlias", { "alias/dst" } },
    { "RequestAlias absent for a key id", "Encrypt",
      "{'KeyId':'1234abcd-12ab-34cd-56ef-1234567890ab'}", ALICE,
      "kms:RequestAlias", ABSENT },
    { "RequestAlias absent from PutKeyPolicy", "PutKeyPolicy",
      "{'KeyId':'alias/app'}", ALICE, "kms:RequestAlias", ABSENT },
    { "GrantOperations", "CreateGrant",
      "{'Operations':['Decrypt','Encrypt']}", ALICE, "kms:GrantOperations",
      { "Decrypt", "Encrypt" } },
    { "GranteePrincipal", "CreateGrant",
      "{'GranteePrincipal':'arn:aws:iam::111122223333:user/bob'}", ALICE,
      "kms:GranteePrincipal", { "arn:aws:iam::111122223333:user/bob" } },
    { "RetiringPrincipal", "CreateGrant",
      "{'RetiringPrincipal':'arn:aws:iam::111122223333:root'}", ALICE,
      "kms:RetiringPrincipal", { "arn:aws:iam::111122223333:root" } },
    { "RetiringPrincipal absent when not given", "CreateGrant", "{}", ALICE,
      "kms:RetiringPrincipal", ABSENT },
    { "GrantConstraintType", "CreateGrant",
      "{'Constraints':{'EncryptionContextSubset':{'a':'b'}}}", ALICE,
      "kms:GrantConstraintType", { "EncryptionContextSubset" } },
    { "GrantIsForAWSResource false for a user", "ListGrants", "{}", ALICE,
      "kms:GrantIsForAWSResource", { "false" } },
    { "GrantIsForAWSResource absent from Encrypt", "Encrypt", "{}", ALICE,
      "kms:GrantIsForAWSResource", ABSENT },
    { "ViaService absent", "Decrypt", NULL, LOGS, "kms:ViaService",
      ABSENT },
};

static void fill_req(struct lv_req *rq, enum who who, json_t *in)
{
    memset(rq, 0, sizeof(*rq));
    rq->now = 1700000000;
    rq->now_ms = 1700000000000LL;
    snprintf(rq->region, sizeof(rq->region), "eu-west-2");
    snprintf(rq->who.account, sizeof(rq->who.account), ACCT);
    switch (who) {
    case ALICE:
        snprintf(rq->who.user, sizeof(rq->who.user), "alice");
        snprintf(rq->who.arn, sizeof(rq->who.arn),
                 "arn:aws:iam::" ACCT ":user/alice");
        break;
    case ROOT:
        snprintf(rq->who.arn, sizeof(rq->who.arn),
                 "arn:aws:iam::" ACCT ":root");
        break;
    case LOGS:
        snprintf(rq->who.service, sizeof(rq->who.service),
                 "logs.eu-west-2.amazonaws.com");
        break;
    }
    if (who != LOGS) {
        snprintf(rq->source_ip, sizeof(rq->source_ip), "203.0.113.7");
        rq->user_agent = "test-agent/1.0";
    } else {
        rq->secure_transport = 1;
    }
    rq->in = in;
}

static void fill_key(struct lv_kms_key *k)
{
    lv_kms_key_init(k);
    snprintf(k->id, sizeof(k->id), "1234abcd-12ab-34cd-56ef-1234567890ab");
    snprintf(k->arn, sizeof(k->arn), KEY_ARN);
    snprintf(k->account, sizeof(k->account), ACCT);
    snprintf(k->region, sizeof(k->region), "eu-west-2");
    snprintf(k->key_spec, sizeof(k->key_spec), "SYMMETRIC_DEFAULT");
    snprintf(k->key_usage, sizeof(k->key_usage), "ENCRYPT_DECRYPT");
    snprintf(k->origin, sizeof(k->origin), "AWS_KMS");
    snprintf(k->state, sizeof(k->state), "Enabled");
}

static json_t *parse_in(const char *text)
{
    char *doc;
    json_t *v;

    if (!text) {
        return NULL;
    }
    doc = strdup(text);
    assert_non_null(doc);
    for (char *c = doc; *c; c++) {
        if (*c == '\'') {
            *c = '"';
        }
    }
    v = json_loads(doc, 0, NULL);
    free(doc);
    assert_non_null(v);
    return v;
}

static const struct lv_kv tags[] = { { "Env", "prod" } };
static const char *const aliases[] = { "alias/one", "alias/two" };
static const struct lv_kv ctx[] = { { "dept", "it" },
                                    { "project", "x" } };

static void build(struct lv_kms_condctx *cc, const struct lv_req *rq,
                  const struct lv_kms_key *k, const char *action)
{
    struct lv_kms_condsrc s;

    memset(&s, 0, sizeof(s));
    s.rq = rq;
    s.k = k;
    s.action = action;
    s.ctx = ctx;
    s.n_ctx = N(ctx);
    s.tags = tags;
    s.n_tags = N(tags);
    s.aliases = aliases;
    s.n_aliases = N(aliases);
    s.same_key = 1;
    lv_kms_condkeys_build(cc, &s);
}

static void test_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        const struct row *r = &rows[i];
        json_t *in = parse_in(r->in);
        struct lv_req rq;
        struct lv_kms_key k;
        struct lv_kms_condctx cc;
        const struct lv_policy_ctx_value *v;
        size_t n = 0;

        fill_req(&rq, r->who, in);
        fill_key(&k);
        lv_kms_condctx_init(&cc);
        build(&cc, &rq, &k, r->action);
        while (n < 4 && r->want[n]) {
            n++;
        }
        v = lv_kms_condctx_get(&cc, r->key);
        if (n == 0) {
            CHECK(r->name, v == NULL);
        } else {
            CHECK(r->name, v != NULL);
            CHECK(r->name, v->n == n);
            for (size_t j = 0; j < n; j++) {
                CHECK(r->name, strcmp(v->values[j], r->want[j]) == 0);
            }
        }
        lv_kms_condctx_release(&cc);
        lv_kms_key_release(&k);
        json_decref(in);
    }
}

/* Every key the table fills for a user's Encrypt, once: no key twice
 * (several entries of one key would read as one multi-valued key). */
static void test_no_duplicates(void **state)
{
    struct lv_req rq;
    struct lv_kms_key k;
    struct lv_kms_condctx cc;

    (void)state;
    fill_req(&rq, ALICE, NULL);
    fill_key(&k);
    lv_kms_condctx_init(&cc);
    build(&cc, &rq, &k, "Encrypt");
    for (size_t i = 0; i < cc.n; i++) {
        for (size_t j = i + 1; j < cc.n; j++) {
            CHECK(cc.v[i].key, strcasecmp(cc.v[i].key, cc.v[j].key) != 0);
        }
    }
    lv_kms_condctx_release(&cc);
    lv_kms_key_release(&k);
}

/* The caller's keys (lv_kms_authorize's extra) decide a key both give. */
static void test_caller_wins(void **state)
{
    static const char *const mine[] = { "Encrypt" };
    json_t *in = parse_in("{'Operations':['Decrypt']}");
    struct lv_req rq;
    struct lv_kms_key k;
    struct lv_kms_condctx cc;
    const struct lv_policy_ctx_value *v;

    (void)state;
    fill_req(&rq, ALICE, in);
    fill_key(&k);
    lv_kms_condctx_init(&cc);
    assert_int_equal(lv_kms_condctx_add(&cc, "kms:GrantOperations", mine,
                                        1), 1);
    assert_int_equal(lv_kms_condctx_add(&cc, "KMS:grantoperations", mine,
                                        1), 0);
    build(&cc, &rq, &k, "CreateGrant");
    v = lv_kms_condctx_get(&cc, "kms:GrantOperations");
    assert_non_null(v);
    assert_int_equal(v->n, 1);
    assert_string_equal(v->values[0], "Encrypt");
    lv_kms_condctx_release(&cc);
    lv_kms_key_release(&k);
    json_decref(in);
}

/* An Encrypt by alice on k with the one context pair *pair. */
static void encrypt_src(struct lv_kms_condsrc *s, const struct lv_req *rq,
                        const struct lv_kms_key *k, const struct lv_kv *pair)
{
    memset(s, 0, sizeof(*s));
    s->rq = rq;
    s->k = k;
    s->action = "Encrypt";
    s->ctx = pair;
    s->n_ctx = 1;
    s->same_key = -1;
}

/* A context key of any length is one condition key, kept whole: a key
 * that extends a long one is not that one. */
static void test_long_context_key(void **state)
{
    char long_key[600];
    char *name;
    struct lv_kv pair;
    struct lv_req rq;
    struct lv_kms_key k;
    struct lv_kms_condctx cc;
    struct lv_kms_condsrc s;
    const struct lv_policy_ctx_value *v;

    (void)state;
    memset(long_key, 'k', 500);
    memcpy(long_key + 500, "EVIL", 5);
    pair.key = long_key;
    pair.value = "v";
    fill_req(&rq, ALICE, NULL);
    fill_key(&k);
    lv_kms_condctx_init(&cc);
    encrypt_src(&s, &rq, &k, &pair);
    lv_kms_condkeys_build(&cc, &s);
    name = lv_xasprintf("kms:EncryptionContext:%s", long_key);
    v = lv_kms_condctx_get(&cc, name);
    assert_non_null(v);
    assert_string_equal(v->values[0], "v");
    long_key[500] = '\0';
    free(name);
    name = lv_xasprintf("kms:EncryptionContext:%s", long_key);
    assert_null(lv_kms_condctx_get(&cc, name));
    free(name);
    lv_kms_condctx_release(&cc);
    lv_kms_key_release(&k);
}

/* With the policy given, only the keys its conditions name are built
 * (names compare case-insensitively, families by prefix); the others
 * cannot change its decision. */
static void test_policy_filter(void **state)
{
    static const char doc[] =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
        "\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\","
        "\"Condition\":{\"IpAddress\":{\"AWS:SOURCEIP\":\"10.0.0.0/8\"},"
        "\"StringEquals\":{\"kms:EncryptionContext:dept\":\"x\"}}}]}";
    struct lv_err err = LV_ERR_INIT;
    struct lv_policy *p = lv_policy_parse(doc, sizeof(doc) - 1, &err);
    struct lv_kv pair = { "dept", "y" };
    struct lv_req rq;
    struct lv_kms_key k;
    struct lv_kms_condctx cc;
    struct lv_kms_condsrc s;

    (void)state;
    assert_non_null(p);
    fill_req(&rq, ALICE, NULL);
    fill_key(&k);
    lv_kms_condctx_init(&cc);
    encrypt_src(&s, &rq, &k, &pair);
    s.policy = p;
    lv_kms_condkeys_build(&cc, &s);
    assert_non_null(lv_kms_condctx_get(&cc, "aws:SourceIp"));
    assert_non_null(lv_kms_condctx_get(&cc, "kms:EncryptionContext:dept"));
    assert_null(lv_kms_condctx_get(&cc, "aws:CurrentTime"));
    assert_null(lv_kms_condctx_get(&cc, "aws:userid"));
    assert_null(lv_kms_condctx_get(&cc, "kms:EncryptionAlgorithm"));
    lv_kms_condctx_release(&cc);
    /* Without it, every key of the action is there. */
    lv_kms_condctx_init(&cc);
    s.policy = NULL;
    lv_kms_condkeys_build(&cc, &s);
    assert_non_null(lv_kms_condctx_get(&cc, "aws:CurrentTime"));
    assert_non_null(lv_kms_condctx_get(&cc, "kms:EncryptionAlgorithm"));
    lv_kms_condctx_release(&cc);
    lv_kms_key_release(&k);
    lv_policy_free(p);
}

/* aws:userid of a user: IAM's shape, stable, different per user and per
 * account. */
static void test_userid(void **state)
{
    char a[LV_KMS_USERID_LEN + 1];
    char b[LV_KMS_USERID_LEN + 1];
    char c[LV_KMS_USERID_LEN + 1];

    (void)state;
    lv_kms_condkeys_userid(ACCT, "alice", a);
    lv_kms_condkeys_userid(ACCT, "alice", b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), LV_KMS_USERID_LEN);
    assert_memory_equal(a, "AIDA", 4);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
                     LV_KMS_USERID_LEN);
    lv_kms_condkeys_userid(ACCT, "bob", c);
    assert_string_not_equal(a, c);
    lv_kms_condkeys_userid("444455556666", "alice", c);
    assert_string_not_equal(a, c);
}

/* aws:SourceIp's source (http/peer.c): the TCP peer; X-Forwarded-For
 * only from a proxy the operator trusts, and then its last entry. */
struct peer_row {
    const char *name;
    const char *peer;           /* IPv4 or IPv6 text */
    const char *xff;            /* X-Forwarded-For, NULL: none */
    const char *trusted;        /* --trusted-proxy, NULL: none */
    const char *want;
};

static const struct peer_row peer_rows[] = {
    { "peer", "198.51.100.9", NULL, NULL, "198.51.100.9" },
    { "forwarded ignored by default", "198.51.100.9", "10.9.9.9", NULL,
      "198.51.100.9" },
    { "forwarded ignored from an untrusted peer", "198.51.100.9",
      "10.9.9.9", "127.0.0.1", "198.51.100.9" },
    { "forwarded from a trusted proxy", "127.0.0.1", "10.9.9.9",
      "127.0.0.1", "10.9.9.9" },
    { "last entry: the one the proxy appended", "127.0.0.1",
      "6.6.6.6, 10.9.9.9", "127.0.0.0/8", "10.9.9.9" },
    { "trusted proxy in a list", "192.168.1.20", "10.9.9.9",
      "10.0.0.1, 192.168.1.0/24", "10.9.9.9" },
    { "garbage forwarded keeps the peer", "127.0.0.1", "not-an-ip",
      "127.0.0.1", "127.0.0.1" },
    { "IPv6 peer", "2001:db8::1", NULL, NULL, "2001:db8::1" },
    { "IPv4-mapped peer reads as IPv4", "::ffff:203.0.113.5", NULL, NULL,
      "203.0.113.5" },
};

static void test_source_ip(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(peer_rows); i++) {
        const struct peer_row *r = &peer_rows[i];
        struct sockaddr_storage ss;
        char out[LV_REQ_MAX_IP];

        memset(&ss, 0, sizeof(ss));
        if (strchr(r->peer, ':')) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

            a->sin6_family = AF_INET6;
            CHECK(r->name, inet_pton(AF_INET6, r->peer, &a->sin6_addr) == 1);
        } else {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;

            a->sin_family = AF_INET;
            CHECK(r->name, inet_pton(AF_INET, r->peer, &a->sin_addr) == 1);
        }
        lv_http_source_ip((struct sockaddr *)&ss, r->xff, r->trusted, out);
        CHECK(r->name, strcmp(out, r->want) == 0);
    }
    assert_int_equal(lv_http_proxy_list_check("10.0.0.0/8, ::1"), 0);
    assert_int_equal(lv_http_proxy_list_check("10.0.0.0/33"), -1);
    assert_int_equal(lv_http_proxy_list_check("proxy.example"), -1);
    assert_int_equal(lv_http_proxy_list_check("10.0.0.1,"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_no_duplicates),
        cmocka_unit_test(test_caller_wins),
        cmocka_unit_test(test_long_context_key),
        cmocka_unit_test(test_policy_filter),
        cmocka_unit_test(test_userid),
        cmocka_unit_test(test_source_ip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

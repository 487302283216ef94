/*
 * condkeys: the one table of condition keys a KMS authorization fills, and
 * where each value comes from (see condkeys.h for what stays absent).
 */
#include "kms/condkeys.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crypto/crypto.h"
#include "policy/policy.h"
#include "store/kms_store.h"
#include "svc/req.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

/* ---- the context ------------------------------------------------------ */

void lv_kms_condctx_init(struct lv_kms_condctx *cc)
{
    memset(cc, 0, sizeof(*cc));
}

void lv_kms_condctx_release(struct lv_kms_condctx *cc)
{
    for (size_t i = 0; i < cc->n_owned; i++) {
        free(cc->owned[i]);
    }
    free(cc->owned);
    free(cc->v);
    lv_kms_condctx_init(cc);
}

static void *own(struct lv_kms_condctx *cc, void *p)
{
    if (cc->n_owned == cc->cap_owned) {
        cc->cap_owned = cc->cap_owned ? cc->cap_owned * 2 : 32;
        cc->owned = lv_xrealloc(cc->owned,
                                cc->cap_owned * sizeof(*cc->owned));
    }
    cc->owned[cc->n_owned++] = p;
    return p;
}

const struct lv_policy_ctx_value *
lv_kms_condctx_get(const struct lv_kms_condctx *cc, const char *key)
{
    for (size_t i = 0; i < cc->n; i++) {
        if (strcasecmp(cc->v[i].key, key) == 0) {
            return &cc->v[i];
        }
    }
    return NULL;
}

/* Adds key (copied) with copies of its n values, whether or not cc holds
 * the key already (several entries of one key are one multi-valued key to
 * the evaluator). Empty value lists are not added. */
static void add_always(struct lv_kms_condctx *cc, const char *key,
                       const char *const *values, size_t n)
{
    const char **vals;
    struct lv_policy_ctx_value *e;

    if (n == 0) {
        return;
    }
    if (cc->n == cc->cap) {
        cc->cap = cc->cap ? cc->cap * 2 : 32;
        cc->v = lv_xrealloc(cc->v, cc->cap * sizeof(*cc->v));
    }
    vals = own(cc, lv_xcalloc(n, sizeof(*vals)));
    for (size_t i = 0; i < n; i++) {
        vals[i] = values[i] ? own(cc, lv_xstrdup(values[i])) : NULL;
    }
    e = &cc->v[cc->n++];
    e->key = own(cc, lv_xstrdup(key));
    e->values = vals;
    e->n = n;
}

int lv_kms_condctx_add(struct lv_kms_condctx *cc, const char *key,
                       const char *const *values, size_t n)
{
    if (n == 0 || lv_kms_condctx_get(cc, key)) {
        return 0;
    }
    add_always(cc, key, values, n);
    return 1;
}

static void add1(struct lv_kms_condctx *cc, const char *key, const char *v)
{
    if (v) {
        lv_kms_condctx_add(cc, key, &v, 1);
    }
}

/* ---- aws:userid ------------------------------------------------------- */

void lv_kms_condkeys_userid(const char *account, const char *user,
                            char out[LV_KMS_USERID_LEN + 1])
{
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    unsigned char md[32];
    unsigned int md_len = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    uint64_t bits = 0;
    int have = 0;
    size_t o = 4;
    size_t i = 0;

    /* SHA-256 of a label, the account and the user name, NUL-separated:
     * IAM user names are unique within an account. */
    if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(c, "logvault aws:userid", 20) != 1 ||
        EVP_DigestUpdate(c, account, strlen(account) + 1) != 1 ||
        EVP_DigestUpdate(c, user, strlen(user) + 1) != 1 ||
        EVP_DigestFinal_ex(c, md, &md_len) != 1) {
        LV_BUG("SHA-256 failed");
    }
    EVP_MD_CTX_free(c);
    memcpy(out, "AIDA", 4);
    while (o < LV_KMS_USERID_LEN) {
        if (have < 5) {
            bits = (bits << 8) | md[i++];
            have += 8;
        }
        out[o++] = b32[(bits >> (have - 5)) & 31];
        have -= 5;
    }
    out[o] = '\0';
}

/* ---- value sources ---------------------------------------------------- */

struct row;
typedef void (*fill_fn)(struct lv_kms_condctx *cc,
                        const struct lv_kms_condsrc *s, const struct row *r);

/* One condition key: the actions that set it (NULL: every action on a
 * key, the "KMS key resource operations" of the KMS guide), where its
 * value comes from, and the fill's argument (a request member, a constant
 * or a key prefix) and default. The default is the member's default value
 * in the API reference, used when the request leaves the member out: the
 * KMS guide says such a condition "works even when the parameter doesn't
 * appear in the request, such as when you use the parameter's default
 * value". */
struct row {
    const char *key;
    const char *actions;
    fill_fn fill;
    const char *arg;
    const char *dflt;
};

static int is_service(const struct lv_kms_condsrc *s)
{
    return s->rq->who.service[0] != '\0';
}

static const json_t *input(const struct lv_kms_condsrc *s)
{
    return s->rq->in;
}

static void fill_const(struct lv_kms_condctx *cc,
                       const struct lv_kms_condsrc *s, const struct row *r)
{
    (void)s;
    add1(cc, r->key, r->arg);
}

/* aws:CurrentTime: ISO 8601 in UTC. */
static void fill_current_time(struct lv_kms_condctx *cc,
                              const struct lv_kms_condsrc *s,
                              const struct row *r)
{
    char text[32];
    struct tm tm;
    time_t t = s->rq->now;

    if (!gmtime_r(&t, &tm) ||
        strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        return;
    }
    add1(cc, r->key, text);
}

/* aws:EpochTime: seconds since the epoch. */
static void fill_epoch_time(struct lv_kms_condctx *cc,
                            const struct lv_kms_condsrc *s,
                            const struct row *r)
{
    char text[24];

    snprintf(text, sizeof(text), "%lld", (long long)s->rq->now);
    add1(cc, r->key, text);
}

/* aws:SourceIp: the client address (http/peer.c); absent for calls made
 * inside logvault, which come from no network peer. */
static void fill_source_ip(struct lv_kms_condctx *cc,
                           const struct lv_kms_condsrc *s,
                           const struct row *r)
{
    if (s->rq->source_ip[0]) {
        add1(cc, r->key, s->rq->source_ip);
    }
}

static void fill_secure_transport(struct lv_kms_condctx *cc,
                                  const struct lv_kms_condsrc *s,
                                  const struct row *r)
{
    add1(cc, r->key, s->rq->secure_transport ? "true" : "false");
}

static void fill_region(struct lv_kms_condctx *cc,
                        const struct lv_kms_condsrc *s, const struct row *r)
{
    if (s->rq->region[0]) {
        add1(cc, r->key, s->rq->region);
    }
}

static void fill_user_agent(struct lv_kms_condctx *cc,
                            const struct lv_kms_condsrc *s,
                            const struct row *r)
{
    add1(cc, r->key, s->rq->user_agent);
}

/* aws:PrincipalArn, aws:PrincipalAccount, kms:CallerAccount: an IAM
 * identity's; a service principal has neither. */
static void fill_principal_arn(struct lv_kms_condctx *cc,
                               const struct lv_kms_condsrc *s,
                               const struct row *r)
{
    if (!is_service(s) && s->rq->who.arn[0]) {
        add1(cc, r->key, s->rq->who.arn);
    }
}

static void fill_principal_account(struct lv_kms_condctx *cc,
                                   const struct lv_kms_condsrc *s,
                                   const struct row *r)
{
    if (!is_service(s) && s->rq->who.account[0]) {
        add1(cc, r->key, s->rq->who.account);
    }
}

/* aws:PrincipalType: "Account" for an account root, "User" for an IAM user
 * (the IAM principal table). AWS's table has no row for a service
 * principal; "AWSService" is the type CloudTrail records for calls a
 * service makes as itself, and a policy can then tell it apart. */
static void fill_principal_type(struct lv_kms_condctx *cc,
                                const struct lv_kms_condsrc *s,
                                const struct row *r)
{
    if (is_service(s)) {
        add1(cc, r->key, "AWSService");
    } else {
        add1(cc, r->key, s->rq->who.user[0] ? "User" : "Account");
    }
}

/* aws:username: IAM users only (not the root, not services). */
static void fill_username(struct lv_kms_condctx *cc,
                          const struct lv_kms_condsrc *s,
                          const struct row *r)
{
    if (!is_service(s) && s->rq->who.user[0]) {
        add1(cc, r->key, s->rq->who.user);
    }
}

/* aws:userid: the account id for the root, the user's unique id for an
 * IAM user (the IAM principal table); absent for a service principal,
 * for which AWS documents none. */
static void fill_userid(struct lv_kms_condctx *cc,
                        const struct lv_kms_condsrc *s, const struct row *r)
{
    char id[LV_KMS_USERID_LEN + 1];

    if (is_service(s)) {
        return;
    }
    if (!s->rq->who.user[0]) {
        add1(cc, r->key, s->rq->who.account);
        return;
    }
    lv_kms_condkeys_userid(s->rq->who.account, s->rq->who.user, id);
    add1(cc, r->key, id);
}

static void fill_is_service(struct lv_kms_condctx *cc,
                            const struct lv_kms_condsrc *s,
                            const struct row *r)
{
    add1(cc, r->key, is_service(s) ? "true" : "false");
}

static void fill_service_name(struct lv_kms_condctx *cc,
                              const struct lv_kms_condsrc *s,
                              const struct row *r)
{
    if (is_service(s)) {
        add1(cc, r->key, s->rq->who.service);
    }
}

static void fill_resource_account(struct lv_kms_condctx *cc,
                                  const struct lv_kms_condsrc *s,
                                  const struct row *r)
{
    add1(cc, r->key, s->k->account);
}

static void fill_key_spec(struct lv_kms_condctx *cc,
                          const struct lv_kms_condsrc *s, const struct row *r)
{
    add1(cc, r->key, s->k->key_spec);
}

static void fill_key_usage(struct lv_kms_condctx *cc,
                           const struct lv_kms_condsrc *s,
                           const struct row *r)
{
    add1(cc, r->key, s->k->key_usage);
}

static void fill_key_origin(struct lv_kms_condctx *cc,
                            const struct lv_kms_condsrc *s,
                            const struct row *r)
{
    if (s->k->origin[0]) {
        add1(cc, r->key, s->k->origin);
    }
}

/* "<prefix><name>" for each (name, value) pair, one key each. */
static void add_pairs(struct lv_kms_condctx *cc, const char *prefix,
                      const struct lv_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *key = lv_xasprintf("%s%s", prefix, kv[i].key);

        add_always(cc, key, &kv[i].value, 1);
        free(key);
    }
}

/* aws:ResourceTag/<key>: the key's tags as the store has them now. */
static void fill_resource_tags(struct lv_kms_condctx *cc,
                               const struct lv_kms_condsrc *s,
                               const struct row *r)
{
    add_pairs(cc, r->key, s->tags, s->n_tags);
}

/* kms:ResourceAliases: every alias of the key (multi-valued). */
static void fill_aliases(struct lv_kms_condctx *cc,
                         const struct lv_kms_condsrc *s, const struct row *r)
{
    lv_kms_condctx_add(cc, r->key, s->aliases, s->n_aliases);
}

/* kms:EncryptionContext:<key>, one key per pair, compared in full. */
static void fill_context_pairs(struct lv_kms_condctx *cc,
                               const struct lv_kms_condsrc *s,
                               const struct row *r)
{
    add_pairs(cc, r->key, s->ctx, s->n_ctx);
}

static void fill_context_keys(struct lv_kms_condctx *cc,
                              const struct lv_kms_condsrc *s,
                              const struct row *r)
{
    const char **keys;

    if (!s->n_ctx) {
        return;
    }
    keys = lv_xcalloc(s->n_ctx, sizeof(*keys));
    for (size_t i = 0; i < s->n_ctx; i++) {
        keys[i] = s->ctx[i].key;
    }
    lv_kms_condctx_add(cc, r->key, keys, s->n_ctx);
    free(keys);
}

/* A string member of the request, or the row's default when absent. */
static void fill_member(struct lv_kms_condctx *cc,
                        const struct lv_kms_condsrc *s, const struct row *r)
{
    const char *v = lv_json_str(input(s), r->arg);

    add1(cc, r->key, v ? v : r->dflt);
}

/* A number member, as its decimal text, or the default. */
static void fill_member_number(struct lv_kms_condctx *cc,
                               const struct lv_kms_condsrc *s,
                               const struct row *r)
{
    char text[24];
    int64_t v;

    if (lv_json_int64(input(s), r->arg, &v)) {
        snprintf(text, sizeof(text), "%lld", (long long)v);
        add1(cc, r->key, text);
    } else {
        add1(cc, r->key, r->dflt);
    }
}

/* A boolean member as "true" / "false", or the default. */
static void fill_member_bool(struct lv_kms_condctx *cc,
                             const struct lv_kms_condsrc *s,
                             const struct row *r)
{
    int v;

    if (lv_json_bool(input(s), r->arg, &v)) {
        add1(cc, r->key, v ? "true" : "false");
    } else {
        add1(cc, r->key, r->dflt);
    }
}

/* A list-of-strings member, multi-valued. */
static void fill_member_list(struct lv_kms_condctx *cc,
                             const struct lv_kms_condsrc *s,
                             const struct row *r)
{
    const json_t *a = lv_json_arr(input(s), r->arg);
    size_t n = json_array_size(a);
    const char **vals;

    if (!n) {
        return;
    }
    vals = lv_xcalloc(n, sizeof(*vals));
    for (size_t i = 0; i < n; i++) {
        vals[i] = json_string_value(json_array_get(a, i));
    }
    lv_kms_condctx_add(cc, r->key, vals, n);
    free(vals);
}

/* aws:RequestTag/<key> from the Tags member ([{TagKey, TagValue}]). */
static void fill_request_tags(struct lv_kms_condctx *cc,
                              const struct lv_kms_condsrc *s,
                              const struct row *r)
{
    const json_t *tags = lv_json_arr(input(s), "Tags");
    size_t i;
    const json_t *t;

    json_array_foreach((json_t *)tags, i, t) {
        const char *k = lv_json_str(t, "TagKey");
        const char *v = lv_json_str(t, "TagValue");
        char *key;

        if (!k || !v) {
            continue;
        }
        key = lv_xasprintf("%s%s", r->key, k);
        add_always(cc, key, &v, 1);
        free(key);
    }
}

/* aws:TagKeys: the tag keys of Tags (TagResource) or TagKeys
 * (UntagResource). */
static void fill_tag_keys(struct lv_kms_condctx *cc,
                          const struct lv_kms_condsrc *s, const struct row *r)
{
    const json_t *tags = lv_json_arr(input(s), "Tags");
    const json_t *names = lv_json_arr(input(s), "TagKeys");
    size_t n = tags ? json_array_size(tags) : json_array_size(names);
    const char **vals;

    if (!n) {
        return;
    }
    vals = lv_xcalloc(n, sizeof(*vals));
    for (size_t i = 0; i < n; i++) {
        vals[i] = tags ? lv_json_str(json_array_get(tags, i), "TagKey")
                       : json_string_value(json_array_get(names, i));
    }
    lv_kms_condctx_add(cc, r->key, vals, n);
    free(vals);
}

/* kms:GrantConstraintType: which constraint CreateGrant's Constraints
 * holds. */
static void fill_constraint_type(struct lv_kms_condctx *cc,
                                 const struct lv_kms_condsrc *s,
                                 const struct row *r)
{
    const json_t *c = lv_json_obj(input(s), "Constraints");
    const char *vals[2];
    size_t n = 0;

    if (lv_json_obj(c, "EncryptionContextEquals")) {
        vals[n++] = "EncryptionContextEquals";
    }
    if (lv_json_obj(c, "EncryptionContextSubset")) {
        vals[n++] = "EncryptionContextSubset";
    }
    lv_kms_condctx_add(cc, r->key, vals, n);
}

/* kms:GrantIsForAWSResource: true when an AWS service asks. */
static void fill_for_aws_resource(struct lv_kms_condctx *cc,
                                  const struct lv_kms_condsrc *s,
                                  const struct row *r)
{
    add1(cc, r->key, is_service(s) ? "true" : "false");
}

/* kms:ReEncryptOnSameKey, as the caller worked it out. */
static void fill_same_key(struct lv_kms_condctx *cc,
                          const struct lv_kms_condsrc *s, const struct row *r)
{
    if (s->same_key >= 0) {
        add1(cc, r->key, s->same_key ? "true" : "false");
    }
}

/* kms:RequestAlias: the alias name the request named the key by (an alias
 * name or alias ARN in the key member), "alias/…"; absent when the key was
 * named by id or key ARN. */
static void fill_request_alias(struct lv_kms_condctx *cc,
                               const struct lv_kms_condsrc *s,
                               const struct row *r)
{
    const char *member = strcmp(s->action, "ReEncryptFrom") == 0
                             ? "SourceKeyId"
                             : strcmp(s->action, "ReEncryptTo") == 0
                                   ? "DestinationKeyId"
                                   : "KeyId";
    const char *ref = lv_json_str(input(s), member);
    const char *alias;

    if (!ref) {
        return;
    }
    if (strncmp(ref, "alias/", 6) == 0) {
        add1(cc, r->key, ref);
    } else if (strncmp(ref, "arn:", 4) == 0 &&
               (alias = strstr(ref, ":alias/")) != NULL) {
        add1(cc, r->key, alias + 1);
    }
}

/* ---- the table -------------------------------------------------------- */

#define CRYPTO_OPS \
    " Decrypt DeriveSharedSecret Encrypt GenerateDataKey" \
    " GenerateDataKeyPair" \
    " GenerateDataKeyPairWithoutPlaintext GenerateDataKeyWithoutPlaintext" \
    " GenerateMac ReEncryptFrom ReEncryptTo Sign Verify VerifyMac "
#define DATA_KEY_OPS \
    " GenerateDataKey GenerateDataKeyPair" \
    " GenerateDataKeyPairWithoutPlaintext GenerateDataKeyWithoutPlaintext "

static const struct row rows[] = {
    /* Global keys (IAM "AWS global condition context keys"). */
    { "aws:CurrentTime", NULL, fill_current_time, NULL, NULL },
    { "aws:EpochTime", NULL, fill_epoch_time, NULL, NULL },
    { "aws:SourceIp", NULL, fill_source_ip, NULL, NULL },
    { "aws:SecureTransport", NULL, fill_secure_transport, NULL, NULL },
    { "aws:RequestedRegion", NULL, fill_region, NULL, NULL },
    { "aws:UserAgent", NULL, fill_user_agent, NULL, NULL },
    { "aws:PrincipalArn", NULL, fill_principal_arn, NULL, NULL },
    { "aws:PrincipalAccount", NULL, fill_principal_account, NULL, NULL },
    { "aws:PrincipalType", NULL, fill_principal_type, NULL, NULL },
    { "aws:username", NULL, fill_username, NULL, NULL },
    { "aws:userid", NULL, fill_userid, NULL, NULL },
    { "aws:PrincipalIsAWSService", NULL, fill_is_service, NULL, NULL },
    { "aws:PrincipalServiceName", NULL, fill_service_name, NULL, NULL },
    /* No service here ever calls with a caller's credentials (see
     * condkeys.h), so this is false for every request. */
    { "aws:ViaAWSService", NULL, fill_const, "false", NULL },
    { "aws:ResourceAccount", NULL, fill_resource_account, NULL, NULL },
    { "aws:ResourceTag/", NULL, fill_resource_tags, NULL, NULL },
    { "aws:RequestTag/", " TagResource ", fill_request_tags, NULL, NULL },
    { "aws:TagKeys", " TagResource UntagResource ", fill_tag_keys, NULL,
      NULL },

    /* KMS keys (KMS developer guide, "AWS KMS condition keys"). */
    { "kms:CallerAccount", NULL, fill_principal_account, NULL, NULL },
    { "kms:KeySpec", NULL, fill_key_spec, NULL, NULL },
    { "kms:CustomerMasterKeySpec", NULL, fill_key_spec, NULL, NULL },
    { "kms:KeyUsage", NULL, fill_key_usage, NULL, NULL },
    { "kms:CustomerMasterKeyUsage", NULL, fill_key_usage, NULL, NULL },
    { "kms:KeyOrigin", NULL, fill_key_origin, NULL, NULL },
    { "kms:MultiRegion", NULL, fill_const, "false", NULL },
    { "kms:ResourceAliases", NULL, fill_aliases, NULL, NULL },
    { "kms:EncryptionContext:", NULL, fill_context_pairs, NULL, NULL },
    { "kms:EncryptionContextKeys", NULL, fill_context_keys, NULL, NULL },
    { "kms:EncryptionAlgorithm", " Encrypt Decrypt ", fill_member,
      "EncryptionAlgorithm", "SYMMETRIC_DEFAULT" },
    { "kms:EncryptionAlgorithm", " ReEncryptFrom ", fill_member,
      "SourceEncryptionAlgorithm", "SYMMETRIC_DEFAULT" },
    { "kms:EncryptionAlgorithm", " ReEncryptTo ", fill_member,
      "DestinationEncryptionAlgorithm", "SYMMETRIC_DEFAULT" },
    /* Data keys and data key pairs are always encrypted under the KMS
     * key with the symmetric algorithm. */
    { "kms:EncryptionAlgorithm", DATA_KEY_OPS, fill_const,
      "SYMMETRIC_DEFAULT", NULL },
    { "kms:SigningAlgorithm", " Sign Verify ", fill_member,
      "SigningAlgorithm", NULL },
    { "kms:MessageType", " Sign Verify ", fill_member, "MessageType",
      "RAW" },
    { "kms:MacAlgorithm", " GenerateMac VerifyMac ", fill_member,
      "MacAlgorithm", NULL },
    { "kms:KeyAgreementAlgorithm", " DeriveSharedSecret ", fill_member,
      "KeyAgreementAlgorithm", NULL },
    { "kms:WrappingAlgorithm", " GetParametersForImport ", fill_member,
      "WrappingAlgorithm", NULL },
    { "kms:WrappingKeySpec", " GetParametersForImport ", fill_member,
      "WrappingKeySpec", NULL },
    /* ImportKeyMaterial's default model (API_ImportKeyMaterial) */
    { "kms:ExpirationModel", " ImportKeyMaterial ", fill_member,
      "ExpirationModel", "KEY_MATERIAL_EXPIRES" },
    /* epoch seconds, compared with Numeric operators as the guide's
     * kms:ValidTo example does; absent without ValidTo */
    { "kms:ValidTo", " ImportKeyMaterial ", fill_member_number, "ValidTo",
      NULL },
    { "kms:DataKeyPairSpec", " GenerateDataKeyPair "
      "GenerateDataKeyPairWithoutPlaintext ", fill_member, "KeyPairSpec",
      NULL },
    { "kms:ScheduleKeyDeletionPendingWindowInDays", " ScheduleKeyDeletion ",
      fill_member_number, "PendingWindowInDays", "30" },
    { "kms:RotationPeriodInDays", " EnableKeyRotation ", fill_member_number,
      "RotationPeriodInDays", "365" },
    /* Present only when the request has the member: the guide's own
     * example allows PutKeyPolicy with {"Null": {key: true}} "only when
     * the request does not include the parameter". */
    { "kms:BypassPolicyLockoutSafetyCheck", " PutKeyPolicy ",
      fill_member_bool, "BypassPolicyLockoutSafetyCheck", NULL },
    { "kms:ReEncryptOnSameKey", " ReEncryptFrom ReEncryptTo ",
      fill_same_key, NULL, NULL },
    { "kms:RequestAlias", CRYPTO_OPS "DescribeKey GetPublicKey ",
      fill_request_alias, NULL, NULL },
    { "kms:GrantOperations", " CreateGrant ", fill_member_list,
      "Operations", NULL },
    { "kms:GranteePrincipal", " CreateGrant ", fill_member,
      "GranteePrincipal", NULL },
    { "kms:RetiringPrincipal", " CreateGrant ", fill_member,
      "RetiringPrincipal", NULL },
    { "kms:GrantConstraintType", " CreateGrant ", fill_constraint_type, NULL,
      NULL },
    { "kms:GrantIsForAWSResource", " CreateGrant ListGrants RevokeGrant ",
      fill_for_aws_resource, NULL, NULL },
};

/* 1 if `action` is a word of the space-delimited list (NULL: any). */
static int applies(const char *list, const char *action)
{
    size_t len = strlen(action);

    for (const char *p = list ? strstr(list, action) : NULL; p;
         p = strstr(p + 1, action)) {
        if (p > list && p[-1] == ' ' && p[len] == ' ') {
            return 1;
        }
    }
    return list == NULL;
}

void lv_kms_condkeys_build(struct lv_kms_condctx *cc,
                           const struct lv_kms_condsrc *s)
{
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (applies(rows[i].actions, s->action) &&
            (!s->policy || lv_policy_mentions(s->policy, rows[i].key))) {
            rows[i].fill(cc, s, &rows[i]);
        }
    }
}

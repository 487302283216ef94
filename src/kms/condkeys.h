/*
 * condkeys: the request context of a KMS authorization — every condition
 * key AWS fills for the operation, from one table (condkeys.c) that says
 * for each key which actions set it and where its value comes from: the
 * principal, the request's origin and clock, the request's input, the key,
 * or what the caller read from the store (the key's tags and aliases).
 *
 * Sources:
 *   global keys  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 *                and the principal table of …/reference_policies_variables.html
 *   KMS keys     https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html
 *
 * What it deliberately leaves absent (AWS treats an absent key as absent:
 * a condition on it is false, its negation and …IfExists true), because
 * nothing in logvault's world can give it a value:
 *   - aws:PrincipalTag/KEY, aws:PrincipalOrgID, aws:PrincipalOrgPaths,
 *     aws:ResourceOrgID… (no IAM tags, no Organizations), aws:SourceVpc,
 *     aws:SourceVpce, aws:VpcSourceIp (no VPC endpoints), aws:referer
 *     (browsers only), aws:MultiFactorAuthPresent / Age and
 *     aws:TokenIssueTime (long-term access keys only, for which AWS leaves
 *     them out);
 *   - aws:CalledVia, aws:CalledViaFirst, aws:CalledViaLast and
 *     kms:ViaService: AWS sets them only when a service calls KMS with the
 *     caller's own credentials. The Logs service here calls KMS as its
 *     service principal (logs.REGION.amazonaws.com), for which AWS leaves
 *     them out and sets aws:ViaAWSService to false;
 *   - the keys of operations logvault does not implement:
 *     kms:ReplicaRegion (ReplicateKey), kms:PrimaryRegion
 *     (UpdatePrimaryRegion),
 *     kms:RecipientAttestation:* (Recipient is refused);
 *     kms:MultiRegionKeyType (set only for multi-Region keys, which are not
 *     served: kms:MultiRegion is false for every key).
 * aws:ResourceTag/KEY and kms:ResourceAliases are "IAM policy only" in
 * the KMS guide's ABAC table. logvault has no IAM policies, so the key
 * policy is the one place such a condition can be written: they are filled
 * for it from the key's current tags and aliases (read when the policy
 * names them), which makes a Deny on them hold instead of failing open.
 *
 * CreateKey, ListKeys, ListAliases, GenerateRandom and ListRetirableGrants
 * involve no key policy (IAM policies alone decide them on AWS, and
 * logvault has none), so the keys only they set (kms:KeySpec of the
 * request, aws:RequestTag/KEY of CreateKey) have nothing to be evaluated by.
 */
#ifndef LV_KMS_CONDKEYS_H
#define LV_KMS_CONDKEYS_H

#include <stddef.h>

struct lv_kms_key;
struct lv_kv;
struct lv_policy;
struct lv_policy_ctx_value;
struct lv_req;

/* Everything a value can come from. The table reads, never writes. */
struct lv_kms_condsrc {
    const struct lv_req *rq;        /* who, region, now, source_ip,
                                     * secure_transport, user_agent, in */
    const struct lv_kms_key *k;     /* the key the action is on */
    const char *action;             /* "Encrypt", "ReEncryptFrom" … */
    const struct lv_kv *ctx;        /* the encryption context */
    size_t n_ctx;
    /* What the caller read from the store for this request, when the
     * policy asks for it (lv_policy_mentions): */
    const struct lv_kv *tags;       /* the key's current tags */
    size_t n_tags;
    const char *const *aliases;     /* the key's alias names */
    size_t n_aliases;
    int same_key;                   /* ReEncrypt: 1 when source and
                                     * destination key are the same key,
                                     * 0 when not, -1 not known */
    /* When not NULL, only the keys this policy's conditions name are
     * built (lv_policy_mentions): a key no condition reads cannot change
     * the decision, and building every key (times, the hashed userid,
     * formatted numbers) cost about a third of an Encrypt's server time.
     * NULL builds them all (tests, the fuzzer). */
    const struct lv_policy *policy;
};

/* A built context: v[0..n) is what struct lv_policy_request takes. Owns
 * every string in it. */
struct lv_kms_condctx {
    struct lv_policy_ctx_value *v;
    size_t n;
    size_t cap;
    char **owned;                   /* keys and values to free */
    size_t n_owned;
    size_t cap_owned;
};

void lv_kms_condctx_init(struct lv_kms_condctx *cc);
void lv_kms_condctx_release(struct lv_kms_condctx *cc);

/* Adds `key` with n values (copied) unless cc holds that key already
 * (condition key names compare case-insensitively): the first to add a
 * key decides it, so a caller's own values (lv_kms_authorize's `extra`)
 * go in before the table's. No values (n 0) add nothing: such a key is
 * absent. Returns 1 when added, else 0. */
int lv_kms_condctx_add(struct lv_kms_condctx *cc, const char *key,
                       const char *const *values, size_t n);

/* The entry of `key` (case-insensitive), or NULL when absent. */
const struct lv_policy_ctx_value *
lv_kms_condctx_get(const struct lv_kms_condctx *cc, const char *key);

/* Adds every key of the table that applies to s->action (and that
 * s->policy names, when set), with its value from s. Keys cc already holds
 * are left alone. Never fails. */
void lv_kms_condkeys_build(struct lv_kms_condctx *cc,
                           const struct lv_kms_condsrc *s);

/* aws:userid of an IAM user: a stable unique id in the shape of IAM's
 * (AIDA and 17 characters of [A-Z2-7]) derived from account and user name,
 * so the same user has the same id across restarts and nodes. */
#define LV_KMS_USERID_LEN 21
void lv_kms_condkeys_userid(const char *account, const char *user,
                            char out[LV_KMS_USERID_LEN + 1]);

#endif

/*
 * managed.c: AWS managed keys (managed.h).
 *
 * API_DescribeKey: "If you call the DescribeKey operation on a predefined
 * AWS alias, that is, an AWS alias with no key ID, AWS KMS creates an AWS
 * managed key. Then, it associates the alias with the new KMS key, and
 * returns the KeyId and Arn of the new KMS key in the response." Nothing
 * else makes one here: logvault hosts none of the services that would.
 *
 * The key, as AWS makes it (developerguide concepts.html#aws-managed-key,
 * and the describe-key answers users quote): KeyManager AWS, Origin
 * AWS_KMS, SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT, Enabled, rotated every
 * year ("AWS managed keys are automatically rotated every year",
 * rotate-keys.html: rotation on, period 365 days, which the sweeper
 * carries out), and the key policy of AWS managed keys (the guide's
 * examples, e.g. secretsmanager's and dynamodb's "Key policy for the AWS
 * managed key"): the account's principals may use it only through the
 * service (kms:ViaService <service>.<region>.amazonaws.com with
 * kms:CallerAccount), and the account may Describe*, Get*, List* and
 * RevokeGrant directly. No one may change that policy (PutKeyPolicy is
 * not allowed by it), so every change of the key — PutKeyPolicy,
 * DisableKey, ScheduleKeyDeletion, rotation settings, tags, aliases,
 * UpdateKeyDescription, CreateGrant — and every direct cryptographic use
 * answers AccessDeniedException from the real evaluation of that policy,
 * as on AWS.
 *
 * Descriptions: "Default key that protects my <what> when no other key is
 * defined", the wording of describe-key answers users quote since 2021
 * (older keys say "Default master key that …"); <what> as seen in those
 * answers: s3, ebs, rds, dynamodb, ssm and elasticfilesystem in the newer
 * wording; es, glue, kinesisvideo and xray only in the older one (their
 * <what> kept, the prefix made the newer). No answer was found for
 * alias/aws/redshift: its <what> ("Redshift data") follows the others'
 * pattern and is not AWS's verified text. The policy's Sid names the
 * service in short form and its Id is "auto-<name>-1"; AWS's Sid text and
 * Id number differ per service and are not verified for all.
 *
 * The refusals are AWS's: its answer to a direct management call on an
 * AWS managed key is the key policy's AccessDeniedException (e.g. users
 * quoting "is not authorized to perform: kms:ListKeyPolicies on resource"
 * for the older managed-key policy without List*, Netflix/security_monkey
 * #721); the API reference documents no other error for these keys
 * ("You cannot enable or disable automatic rotation of AWS managed KMS
 * keys", API_EnableKeyRotation, names none).
 */
#include "kms/managed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "kms/kms_int.h"
#include "store/kms_store.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#define DAY_SECONDS 86400.0
#define MANAGED_ROTATION_DAYS 365

struct managed {
    const char *alias;          /* alias/aws/<name> */
    const char *via;            /* kms:ViaService's service prefix */
    const char *service;        /* the service as the Sid names it */
    const char *what;           /* what the description says it protects */
};

/*
 * The predefined aliases that ListAliases shows without a TargetKeyId
 * before their key exists (aliases.c has the sources of this list). AWS
 * documents no list; it can lag behind AWS. Sorted byte-wise (strcmp).
 * EBS is used through EC2, whose endpoint kms:ViaService names.
 */
static const struct managed managed[] = {
    { "alias/aws/dynamodb", "dynamodb", "Amazon DynamoDB", "DynamoDB data" },
    { "alias/aws/ebs", "ec2", "EBS", "EBS volumes" },
    { "alias/aws/elasticfilesystem", "elasticfilesystem",
      "Amazon Elastic File System", "EFS filesystems" },
    { "alias/aws/es", "es", "Amazon OpenSearch Service",
      "Elasticsearch data" },
    { "alias/aws/glue", "glue", "AWS Glue", "Glue data" },
    { "alias/aws/kinesisvideo", "kinesisvideo", "Kinesis Video Streams",
      "kinesis video data" },
    { "alias/aws/rds", "rds", "RDS", "RDS database volumes" },
    { "alias/aws/redshift", "redshift", "Amazon Redshift", "Redshift data" },
    { "alias/aws/s3", "s3", "S3", "S3 objects" },
    { "alias/aws/ssm", "ssm", "AWS Systems Manager", "SSM parameters" },
    { "alias/aws/xray", "xray", "AWS X-Ray", "X-Ray data" },
};
#define N_MANAGED (sizeof(managed) / sizeof(managed[0]))

size_t lv_kms_managed_count(void)
{
    return N_MANAGED;
}

const char *lv_kms_managed_name(size_t i)
{
    if (i >= N_MANAGED) {
        LV_BUG("managed alias %zu of %zu", i, N_MANAGED);
    }
    return managed[i].alias;
}

/* The predefined alias `ref` names in rq's scope (alias name, or alias ARN
 * of rq's own account and Region), or NULL. */
static const struct managed *find_managed(const struct lv_req *rq,
                                          const char *ref)
{
    const char *name = ref;
    char prefix[128];
    size_t n;

    if (strncmp(ref, "arn:", 4) == 0) {
        n = (size_t)snprintf(prefix, sizeof(prefix), "arn:aws:kms:%s:%s:",
                             rq->region, rq->who.account);
        if (n >= sizeof(prefix) || strncmp(ref, prefix, n) != 0) {
            return NULL;
        }
        name = ref + n;
    }
    for (size_t i = 0; i < N_MANAGED; i++) {
        if (strcmp(managed[i].alias, name) == 0) {
            return &managed[i];
        }
    }
    return NULL;
}

/* The key policy of an AWS managed key, in AWS's layout (as
 * lv_policy_default_key_policy writes the default one). */
static char *managed_policy(const struct lv_req *rq, const struct managed *m)
{
    return lv_xasprintf(
        "{\n"
        "  \"Version\" : \"2012-10-17\",\n"
        "  \"Id\" : \"auto-%s-1\",\n"
        "  \"Statement\" : [ {\n"
        "    \"Sid\" : \"Allow access through %s for all principals in the "
        "account that are authorized to use %s\",\n"
        "    \"Effect\" : \"Allow\",\n"
        "    \"Principal\" : {\n"
        "      \"AWS\" : \"*\"\n"
        "    },\n"
        "    \"Action\" : [ \"kms:Encrypt\", \"kms:Decrypt\", "
        "\"kms:ReEncrypt*\", \"kms:GenerateDataKey*\", \"kms:CreateGrant\", "
        "\"kms:DescribeKey\" ],\n"
        "    \"Resource\" : \"*\",\n"
        "    \"Condition\" : {\n"
        "      \"StringEquals\" : {\n"
        "        \"kms:ViaService\" : \"%s.%s.amazonaws.com\",\n"
        "        \"kms:CallerAccount\" : \"%s\"\n"
        "      }\n"
        "    }\n"
        "  }, {\n"
        "    \"Sid\" : \"Allow direct access to key metadata to the "
        "account\",\n"
        "    \"Effect\" : \"Allow\",\n"
        "    \"Principal\" : {\n"
        "      \"AWS\" : \"arn:aws:iam::%s:root\"\n"
        "    },\n"
        "    \"Action\" : [ \"kms:Describe*\", \"kms:Get*\", \"kms:List*\", "
        "\"kms:RevokeGrant\" ],\n"
        "    \"Resource\" : \"*\"\n"
        "  } ]\n"
        "}", m->alias + strlen("alias/aws/"), m->service, m->service, m->via,
        rq->region, rq->who.account, rq->who.account);
}

/* In the caller's transaction: the key k and the alias pointing at it.
 * 1 made, 0 the alias exists already (nothing kept: the caller rolls
 * back), -1 with *err. */
static int insert_pair(struct lv_req *rq, const struct lv_kms_key *k,
                       const struct lv_buf *sealed, const struct managed *m,
                       struct lv_err *err)
{
    struct lv_kms_alias a;
    int rc;

    memset(&a, 0, sizeof(a));
    snprintf(a.account, sizeof(a.account), "%s", k->account);
    snprintf(a.region, sizeof(a.region), "%s", k->region);
    snprintf(a.name, sizeof(a.name), "%s", m->alias);
    snprintf(a.key_id, sizeof(a.key_id), "%s", k->id);
    a.creation_date = k->creation_date;
    a.last_updated = k->creation_date;
    /* The alias row decides: of concurrent makers, the one whose alias
     * row is written keeps its key; the others find the row there (on
     * PostgreSQL once the winner commits) and roll their key back. */
    if (lv_store_kms_key_insert(rq->store, k, sealed->data, sealed->len,
                                err) < 0) {
        return -1;
    }
    rc = lv_store_kms_alias_insert(rq->store, &a, err);
    if (rc != 0) {
        return rc < 0 ? -1 : 0;
    }
    return 1;
}

int lv_kms_managed_ensure(struct lv_req *rq, const char *ref,
                          struct lv_err *err)
{
    const struct managed *m = find_managed(rq, ref);
    struct lv_kms_alias a;
    struct lv_kms_key k;
    struct lv_buf sealed = LV_BUF_INIT(1u << 20);
    uint8_t raw[16];
    uint8_t *mat = NULL;
    size_t mat_len = 0;
    int found;
    int rc;
    int ret = -1;

    lv_kms_key_init(&k);
    if (!m) {
        return 0;
    }
    found = lv_store_kms_alias_get(rq->store, rq->who.account, rq->region,
                                   m->alias, &a, err);
    if (found != 0) {
        return found < 0 ? -1 : 0;
    }
    lv_keyid_new(raw);
    lv_keyid_format(raw, k.id);
    lv_kms_key_arn(rq, k.id, k.arn);
    snprintf(k.account, sizeof(k.account), "%s", rq->who.account);
    snprintf(k.region, sizeof(k.region), "%s", rq->region);
    snprintf(k.key_spec, sizeof(k.key_spec), "SYMMETRIC_DEFAULT");
    snprintf(k.key_usage, sizeof(k.key_usage), "ENCRYPT_DECRYPT");
    snprintf(k.origin, sizeof(k.origin), "AWS_KMS");
    snprintf(k.state, sizeof(k.state), "Enabled");
    snprintf(k.key_manager, sizeof(k.key_manager), "AWS");
    k.description = lv_xasprintf("Default key that protects my %s when no "
                                 "other key is defined", m->what);
    k.policy = managed_policy(rq, m);
    k.creation_date = lv_kms_now(rq);
    k.current_version = 1;
    k.rotation_enabled = 1;
    k.rotation_period_days = MANAGED_ROTATION_DAYS;
    k.next_rotation_date = k.creation_date +
                           MANAGED_ROTATION_DAYS * DAY_SECONDS;
    if (lv_kms_new_material(k.key_spec, &mat, &mat_len, err) < 0 ||
        lv_kms_seal(rq, &k, 1, mat, mat_len, &sealed, err) < 0 ||
        lv_store_begin(rq->store, err) < 0) {
        goto out;
    }
    rc = insert_pair(rq, &k, &sealed, m, err);
    if (rc <= 0) {
        lv_store_rollback(rq->store);
        ret = rc < 0 ? -1 : 0;
        goto out;
    }
    if (lv_store_commit(rq->store, err) < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "kms: AWS managed key created id=%s alias=%s req=%s",
           k.id, m->alias, rq->id);
    ret = 0;
out:
    if (mat) {
        lv_secret_free(mat, mat_len);
    }
    lv_buf_release(&sealed);
    lv_kms_key_release(&k);
    return ret;
}

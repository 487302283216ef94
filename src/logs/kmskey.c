/*
 * kmskey.c: binding a log group to a customer-managed KMS key —
 * AssociateKmsKey, DisassociateKmsKey, and the key rule CreateLogGroup
 * shares with them (lv_logs_check_kms_key) — and anomaly detectors, whose
 * key obeys the same rule with the detector's ARN as the context
 * (lv_logs_check_kms_key_for).
 *
 * The rule is AWS's: CloudWatch Logs uses the key as the service principal
 * logs.<region>.amazonaws.com, with the encryption context
 * {"aws:logs:arn": "<log group ARN>"}, so the key policy (or a grant) must
 * allow that principal kms:GenerateDataKey and kms:Decrypt under that
 * context; the caller needs no KMS permission of its own.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * encrypt-log-data-kms.html
 *
 * Not here: the data keys themselves (the events code generates them per
 * chunk under the key the group names at ingest time).
 */
#include "logs/groups_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "app.h"
#include "crypto/crypto.h"
#include "logs/logs.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"

enum kms_ref { REF_INVALID, REF_KEY, REF_ALIAS };

/* arn:PARTITION:kms:REGION:ACCOUNT:key/ID or …:alias/NAME — the forms
 * AWS takes for a log group's key (the CloudFormation schema of
 * AWS::Logs::LogGroup KmsKeyId: ^arn:[a-z0-9-]+:kms:[a-z0-9-]+:\d{12}:
 * (key|alias)/.+). A bare key id or alias name is not one. */
static enum kms_ref classify(const char *s)
{
    const char *p = s;
    size_t n;

    if (strncmp(p, "arn:", 4) != 0) {
        return REF_INVALID;
    }
    p += 4;
    n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-");
    if (n == 0 || strncmp(p + n, ":kms:", 5) != 0) {
        return REF_INVALID;
    }
    p += n + 5;
    n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-");
    if (n == 0 || p[n] != ':') {
        return REF_INVALID;
    }
    p += n + 1;
    n = strspn(p, "0123456789");
    if (n != 12 || p[n] != ':') {
        return REF_INVALID;
    }
    p += n + 1;
    if (strncmp(p, "key/", 4) == 0 && p[4]) {
        return REF_KEY;
    }
    if (strncmp(p, "alias/", 6) == 0 && p[6]) {
        return REF_ALIAS;
    }
    return REF_INVALID;
}

int lv_logs_kms_ref_ok(const char *s)
{
    return classify(s) != REF_INVALID;
}

/* Turns what KMS said to the Logs service into what Logs says to its
 * caller. */
static int translate(const struct lv_err *kerr, const char *key,
                     const char *group_arn, struct lv_err *err)
{
    switch (kerr->code) {
    case LV_E_NOT_FOUND:
    case LV_E_INVALID_ARN:
    case LV_E_ACCESS_DENIED:
        /* The message AWS gives users who forget the key policy
         * statement (quoted, e.g., in
         * ministryofjustice/modernisation-platform#7870). */
        return lv_err_set(err, LV_E_ACCESS_DENIED,
                          "The specified KMS key does not exist or is not "
                          "allowed to be used with Arn '%s'", group_arn);
    case LV_E_DISABLED:
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "The specified KMS key '%s' is disabled.", key);
    case LV_E_KMS_INVALID_STATE:
        if (strstr(kerr->msg, "pending deletion")) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "The specified KMS key '%s' is pending "
                              "deletion.", key);
        }
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "The specified KMS key '%s' is not in a usable "
                          "state: %s", key, kerr->msg);
    case LV_E_INVALID_KEY_USAGE:
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "The specified KMS key '%s' is not a symmetric "
                          "encryption key. CloudWatch Logs supports only "
                          "symmetric KMS keys.", key);
    case LV_E_SERVICE_UNAVAILABLE:
        *err = *kerr;
        return -1;
    default:
        lv_log(LV_LOG_WARN, "logs: unexpected kms error checking a key "
               "code=%d msg=%s", (int)kerr->code, kerr->msg);
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "The service cannot complete the request.");
    }
}

int lv_logs_kms_key_error(const struct lv_err *kerr, const char *key,
                          const char *resource_arn, struct lv_err *err)
{
    return translate(kerr, key, resource_arn, err);
}

int lv_logs_check_kms_key_for(struct lv_req *rq, const char *label,
                              const char *resource_arn, const char *key_id,
                              char key_arn[256], struct lv_err *err)
{
    static const char *const actions[] = { "GenerateDataKey", "Decrypt" };
    struct lv_kms_service_call c;
    struct lv_kms_key_info info;
    struct lv_err kerr = LV_ERR_INIT;
    struct lv_kv ctx;
    char service[128];
    char arn[256];
    enum kms_ref ref = classify(key_id);

    if (ref == REF_INVALID || strlen(key_id) >= sizeof(arn)) {
        /* AWS quotes the log group's name here, not the key's (e.g.
         * aws-samples/hub-and-spoke-with-inspection-vpc-terraform#2,
         * hashicorp/terraform#24194). */
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "The specified KMS Key Id could not be found. "
                          "'%s'", label);
    }
    lv_logs_kms_call(rq, &c, service);
    snprintf(arn, sizeof(arn), "%s", key_id);
    if (ref == REF_ALIAS) {
        /* The resource keeps the key the alias names now: its data must
         * stay readable under that key even if the alias moves. */
        if (rq->app->logs->kms->describe_key(&c, key_id, &info, &kerr) < 0) {
            return translate(&kerr, key_id, resource_arn, err);
        }
        snprintf(arn, sizeof(arn), "%s", info.arn);
    }
    /* No DescribeKey for a key ARN: DescribeKey carries no encryption
     * context, so a policy narrowed by kms:EncryptionContext:aws:logs:arn
     * (AWS's own example) would refuse it, yet AWS associates such keys.
     * Authorization of the two operations Logs performs also checks
     * existence, state, usage and key spec. */
    ctx.key = "aws:logs:arn";
    ctx.value = resource_arn;
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (rq->app->logs->kms->authorize(&c, arn, actions[i], &ctx, 1,
                                          &kerr) < 0) {
            lv_log(LV_LOG_INFO, "logs: kms key refused req=%s resource=%s "
                   "key=%s action=%s code=%d", rq->id, resource_arn, arn,
                   actions[i], (int)kerr.code);
            return translate(&kerr, arn, resource_arn, err);
        }
    }
    snprintf(key_arn, 256, "%s", arn);
    return 0;
}

int lv_logs_check_kms_key(struct lv_req *rq, const char *name,
                          const char *key_id, char key_arn[256],
                          struct lv_err *err)
{
    struct lv_log_group g;
    char group_arn[LV_LOGS_ARN_MAX];

    memset(&g, 0, sizeof(g));
    snprintf(g.account, sizeof(g.account), "%s", rq->who.account);
    snprintf(g.region, sizeof(g.region), "%s", rq->region);
    snprintf(g.name, sizeof(g.name), "%s", name);
    lv_logs_group_arn(&g, 0, group_arn);
    return lv_logs_check_kms_key_for(rq, name, group_arn, key_id, key_arn,
                                     err);
}

/* The group AssociateKmsKey / DisassociateKmsKey name: logGroupName or
 * resourceIdentifier (a log group ARN), never both. */
static int target(struct lv_req *rq, const json_t *in,
                  struct lv_log_group *g, struct lv_err *err)
{
    const char *name = lv_json_str(in, "logGroupName");
    const char *rid = lv_json_str(in, "resourceIdentifier");

    if (name && rid) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "LogGroup name and resource identifier are "
                          "mutually exclusive parameters.");
    }
    if (!name && !rid) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Either LogGroup name or resource identifier must "
                          "be specified.");
    }
    if (rid) {
        /* arn:aws:logs:REGION:ACCOUNT:query-result:* encrypts Logs
         * Insights query results on AWS; there are none here. */
        if (strstr(rid, ":query-result:")) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "Query results are not stored by this "
                              "service; the resource identifier '%s' "
                              "cannot be used.", rid);
        }
        if (strncmp(rid, "arn:", 4) != 0) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "The resource identifier '%s' is not a log "
                              "group ARN.", rid);
        }
    }
    return lv_logs_find_group_by(rq, name ? name : rid, g, err);
}

static int set_key(void *arg, struct lv_req *rq,
                   const struct lv_log_group *g, struct lv_err *err)
{
    return lv_store_logs_group_set_kms_key(rq->store, g->id,
                                           (const char *)arg, err);
}

int lv_logs_op_associate_kms_key(struct lv_req *rq, const json_t *in,
                                 struct lv_jw *w, struct lv_err *err)
{
    struct lv_log_group g;
    const char *key_id;
    char arn[256];

    (void)w;
    if (lv_json_req_str(in, "kmsKeyId", 0, 256, &key_id, err) < 0 ||
        target(rq, in, &g, err) < 0 ||
        lv_logs_check_kms_key(rq, g.name, key_id, arn, err) < 0) {
        return -1;
    }
    /* Overrides an earlier association; only data ingested from now on
     * uses the new key. */
    return lv_logs_group_edit(rq, g.name, set_key, arn, err);
}

int lv_logs_op_disassociate_kms_key(struct lv_req *rq, const json_t *in,
                                    struct lv_jw *w, struct lv_err *err)
{
    struct lv_log_group g;
    char none[1] = "";

    (void)w;
    if (target(rq, in, &g, err) < 0) {
        return -1;
    }
    /* A group without a key is left as it is (AWS documents no error). */
    return lv_logs_group_edit(rq, g.name, set_key, none, err);
}

/*
 * destinations.c: CloudWatch Logs destinations — PutDestination,
 * PutDestinationPolicy, DescribeDestinations, DeleteDestination — and the
 * target helpers the other absent-destination handlers share
 * (absent_int.h).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_PutDestination.html (and the pages of the other three). The model's
 * constraints (destinationName 1–512 without ':' or '*', targetArn and
 * roleArn non-empty, accessPolicy non-empty, tags 1–50) were checked by the
 * front before a handler runs.
 *
 * ANSWERS AS AN ABSENT DESTINATION. A destination wraps a Kinesis data
 * stream or a Firehose delivery stream of the destination owner's account
 * (targetArn), and AWS creates it only once a test message reaches that
 * stream through roleArn. logvault hosts neither service, so:
 * - PutDestination validates its input (targetArn a Kinesis stream or
 *   Firehose stream ARN, roleArn an IAM role ARN) and then fails as AWS
 *   fails for a stream that does not exist: InvalidParameterException
 *   "Could not deliver test message to specified Kinesis stream. …" (or
 *   "… Firehose stream. …"). No destination is ever created.
 * - Hence no destination exists, and the chain ends there:
 *   PutDestinationPolicy checks its access policy with the policy engine
 *   (policy/policy.h; a malformed document → InvalidParameterException with
 *   the parser's message) and then answers ResourceNotFoundException "The
 *   specified destination does not exist."; DeleteDestination answers the
 *   same; DescribeDestinations answers an empty list (a nextToken it did
 *   not issue → InvalidParameterException); a subscription filter naming
 *   arn:aws:logs:…:destination:NAME (subscription.c) gets the same
 *   ResourceNotFoundException from lv_logs_destination_find, before any
 *   access policy would be evaluated.
 * The wording of "does not exist" for destinations and of the invalid-ARN
 * messages is ours: AWS's is not documented.
 */
#include "logs/logs.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "logs/absent_int.h"
#include "logs/groups_int.h"
#include "logs/logs_int.h"
#include "policy/policy.h"
#include "util/err.h"
#include "util/json.h"

/* Kinesis: "StreamName … Pattern: [a-zA-Z0-9_.-]+", 1–128 (Kinesis API
 * reference, CreateStream). Firehose: DeliveryStreamName, same characters,
 * 1–64. Lambda: FunctionName, [a-zA-Z0-9-_]+, 1–64, then an optional
 * qualifier ($LATEST, a version or an alias). */
#define KINESIS_MAX_NAME 128
#define FIREHOSE_MAX_NAME 64
#define LAMBDA_MAX_NAME 64

static int name_chars(const char *s, size_t n, const char *extra)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || (c && strchr(extra, c)))) {
            return 0;
        }
    }
    return 1;
}

static int is_partition(const char *s, size_t n)
{
    return (n == 3 && !memcmp(s, "aws", 3)) ||
           (n == 6 && !memcmp(s, "aws-cn", 6)) ||
           (n == 10 && !memcmp(s, "aws-us-gov", 10));
}

/* Splits "arn:P:S:R:A:REST" (REST keeps its colons). 0, or -1. */
static int split(const char *arn, const char *c[6], size_t len[6])
{
    const char *p = arn;
    int i;

    for (i = 0; i < 5; i++) {
        const char *colon = strchr(p, ':');

        if (!colon) {
            return -1;
        }
        c[i] = p;
        len[i] = (size_t)(colon - p);
        p = colon + 1;
    }
    c[5] = p;
    len[5] = strlen(p);
    if (len[0] != 3 || memcmp(c[0], "arn", 3) || !is_partition(c[1], len[1])) {
        return -1;
    }
    return 0;
}

static int is_account(const char *s, size_t n)
{
    return n == 12 && name_chars(s, n, "") &&
           strspn(s, "0123456789") >= 12;
}

static int set_name(struct lv_logs_target *t, const char *s, size_t n,
                    size_t max, const char *extra)
{
    if (n < 1 || n > max || !name_chars(s, n, extra)) {
        return -1;
    }
    memcpy(t->name, s, n);
    t->name[n] = '\0';
    return 0;
}

/* A Lambda qualifier: $LATEST, a version number or an alias name. */
static int is_qualifier(const char *s, size_t n)
{
    return (n == 7 && !memcmp(s, "$LATEST", 7)) ||
           (n >= 1 && n <= 128 && name_chars(s, n, "-_"));
}

int lv_logs_target_parse(const char *arn, struct lv_logs_target *t)
{
    const char *c[6];
    size_t len[6];
    const char *rest;
    size_t rlen;

    if (!arn || split(arn, c, len) < 0 || len[3] < 1 ||
        len[3] >= sizeof(t->region) || !name_chars(c[3], len[3], "-") ||
        !is_account(c[4], len[4])) {
        return -1;
    }
    memcpy(t->region, c[3], len[3]);
    t->region[len[3]] = '\0';
    memcpy(t->account, c[4], 12);
    t->account[12] = '\0';
    rest = c[5];
    rlen = len[5];
    if (len[2] == 7 && !memcmp(c[2], "kinesis", 7) &&
        rlen > 7 && !memcmp(rest, "stream/", 7)) {
        t->kind = LV_LOGS_TARGET_KINESIS;
        return set_name(t, rest + 7, rlen - 7, KINESIS_MAX_NAME, "_.-");
    }
    if (len[2] == 8 && !memcmp(c[2], "firehose", 8) &&
        rlen > 15 && !memcmp(rest, "deliverystream/", 15)) {
        t->kind = LV_LOGS_TARGET_FIREHOSE;
        return set_name(t, rest + 15, rlen - 15, FIREHOSE_MAX_NAME, "_.-");
    }
    if (len[2] == 6 && !memcmp(c[2], "lambda", 6) &&
        rlen > 9 && !memcmp(rest, "function:", 9)) {
        const char *fn = rest + 9;
        const char *q = strchr(fn, ':');
        size_t flen = q ? (size_t)(q - fn) : strlen(fn);

        if (q && !is_qualifier(q + 1, strlen(q + 1))) {
            return -1;
        }
        t->kind = LV_LOGS_TARGET_LAMBDA;
        return set_name(t, fn, flen, LAMBDA_MAX_NAME, "-_");
    }
    if (len[2] == 4 && !memcmp(c[2], "logs", 4) &&
        rlen > 12 && !memcmp(rest, "destination:", 12)) {
        const char *n = rest + 12;
        size_t nlen = rlen - 12;

        if (nlen > LV_LOGS_MAX_DESTINATION_NAME || strpbrk(n, ":*")) {
            return -1;
        }
        t->kind = LV_LOGS_TARGET_DESTINATION;
        memcpy(t->name, n, nlen);
        t->name[nlen] = '\0';
        return 0;
    }
    return -1;
}

int lv_logs_is_role_arn(const char *arn)
{
    const char *c[6];
    size_t len[6];

    /* arn:aws:iam::123456789012:role/NAME (a path may precede NAME):
     * IAM ARNs have an empty region. Role names: [\w+=,.@-]+, 1–64. */
    if (!arn || split(arn, c, len) < 0 || len[2] != 3 ||
        memcmp(c[2], "iam", 3) || len[3] != 0 || !is_account(c[4], len[4]) ||
        len[5] <= 5 || memcmp(c[5], "role/", 5)) {
        return 0;
    }
    return name_chars(c[5] + 5, len[5] - 5, "_+=,.@-/") &&
           c[5][len[5] - 1] != '/';
}

int lv_logs_target_unreachable(const struct lv_logs_target *t,
                               struct lv_err *err)
{
    switch (t->kind) {
    case LV_LOGS_TARGET_KINESIS:
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Could not deliver test message to specified "
                          "Kinesis stream. Check if the given kinesis "
                          "stream is in ACTIVE state.");
    case LV_LOGS_TARGET_FIREHOSE:
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Could not deliver test message to specified "
                          "Firehose stream. Check if the given Firehose "
                          "stream is in ACTIVE state.");
    case LV_LOGS_TARGET_LAMBDA:
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Could not execute the lambda function. Make "
                          "sure you have given CloudWatch Logs permission "
                          "to execute your function.");
    case LV_LOGS_TARGET_DESTINATION:
        break;
    }
    LV_BUG("logs: a destination is not a delivery target");
    return -1;
}

int lv_logs_destination_find(struct lv_req *rq, const char *account,
                             const char *name, struct lv_err *err)
{
    (void)rq;
    (void)account;
    (void)name;
    return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                      "The specified destination does not exist.");
}

/* ---- PutDestination ----------------------------------------------------- */

int lv_logs_op_put_destination(struct lv_req *rq, const json_t *in,
                               struct lv_jw *w, struct lv_err *err)
{
    const char *target = lv_json_str(in, "targetArn");
    const char *role = lv_json_str(in, "roleArn");
    struct lv_logs_target t;

    (void)rq;
    (void)w;
    /* API_PutDestination: targetArn is "The ARN of an Amazon Kinesis
     * stream"; cross-account subscriptions also take a Firehose stream
     * (User Guide, "Cross-account cross-Region subscriptions using
     * Firehose"). A Lambda function or another destination is not a
     * destination's target. */
    if (lv_logs_target_parse(target, &t) < 0 ||
        (t.kind != LV_LOGS_TARGET_KINESIS &&
         t.kind != LV_LOGS_TARGET_FIREHOSE)) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid targetArn: a destination's target must "
                          "be the ARN of a Kinesis stream or a Firehose "
                          "delivery stream.");
    }
    if (!lv_logs_is_role_arn(role)) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid roleArn: it must be the ARN of an IAM "
                          "role.");
    }
    return lv_logs_target_unreachable(&t, err);
}

/* ---- PutDestinationPolicy ----------------------------------------------- */

int lv_logs_op_put_destination_policy(struct lv_req *rq, const json_t *in,
                                      struct lv_jw *w, struct lv_err *err)
{
    size_t plen = 0;
    const char *doc = lv_json_strn(in, "accessPolicy", &plen);
    const char *name = lv_json_str(in, "destinationName");
    struct lv_policy *p;

    (void)w;
    if (!doc || !name) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid destination policy");
    }
    p = lv_policy_parse(doc, plen, err);
    if (!p) {
        /* The parser speaks KMS (MalformedPolicyDocumentException); Logs
         * answers a bad access policy as an invalid parameter. */
        err->code = LV_E_INVALID_PARAMETER;
        return -1;
    }
    lv_policy_free(p);
    return lv_logs_destination_find(rq, rq->who.account, name, err);
}

/* ---- DescribeDestinations ----------------------------------------------- */

int lv_logs_op_describe_destinations(struct lv_req *rq, const json_t *in,
                                     struct lv_jw *w, struct lv_err *err)
{
    char cursor[LV_LOGS_CURSOR_MAX];

    /* Nothing is listed, so no token is ever issued: any nextToken is one
     * this listing did not issue. */
    if (lv_logs_token_read(rq, in, "DescribeDestinations", "", cursor,
                           err) < 0) {
        return -1;
    }
    lv_jw_key(w, "destinations");
    lv_jw_arr_open(w);
    lv_jw_arr_close(w);
    return 0;
}

/* ---- DeleteDestination -------------------------------------------------- */

int lv_logs_op_delete_destination(struct lv_req *rq, const json_t *in,
                                  struct lv_jw *w, struct lv_err *err)
{
    const char *name = lv_json_str(in, "destinationName");

    (void)w;
    return lv_logs_destination_find(rq, rq->who.account, name, err);
}

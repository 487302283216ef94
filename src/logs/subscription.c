/*
 * subscription.c: subscription filters — PutSubscriptionFilter,
 * DescribeSubscriptionFilters, DeleteSubscriptionFilter.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_PutSubscriptionFilter.html (and the pages of the other two). The
 * model's constraints (filterName 1–512 without ':' or '*', filterPattern
 * 0–1024, destinationArn and roleArn non-empty, distribution Random or
 * ByLogStream, fieldSelectionCriteria 0–2000) were checked by the front.
 *
 * ANSWERS AS AN ABSENT DESTINATION. AWS creates a subscription filter only
 * after a test message reached its destination. PutSubscriptionFilter
 * checks, in this order: the filter pattern (our filter language,
 * filter.h: a bad one → InvalidParameterException "Invalid filter
 * pattern" as PutMetricFilter answers), the log group (→
 * ResourceNotFoundException "The specified log group does not exist."),
 * the destinationArn (a Kinesis stream, a Firehose stream, a Lambda
 * function or a CloudWatch Logs destination; anything else →
 * InvalidParameterException), a roleArn for Kinesis and Firehose
 * (InvalidParameterException "destinationArn for vendor kinesis cannot be
 * used without roleArn", as AWS words it) that is an IAM role ARN. Then
 * the destination:
 * - Kinesis, Firehose, Lambda: never reachable from logvault →
 *   InvalidParameterException with AWS's "Could not deliver test message
 *   to specified Kinesis stream. …", "… Firehose stream. …", "Could not
 *   execute the lambda function. …" (absent_int.h).
 * - arn:aws:logs:…:destination:NAME: looked up (lv_logs_destination_find);
 *   no destination can exist (destinations.c: PutDestination always fails
 *   because a destination's own target is a Kinesis or Firehose stream),
 *   so this ends in ResourceNotFoundException "The specified destination
 *   does not exist." — the destination's access policy is never reached.
 * So no subscription filter is ever created: the limit of two per log
 * group (LimitExceededException "Resource limit exceeded.") cannot be
 * reached and is not checked, DescribeSubscriptionFilters answers an empty
 * list for a group that exists, and DeleteSubscriptionFilter answers
 * ResourceNotFoundException "The specified subscription filter does not
 * exist." (our wording; AWS's is not documented) for a group that exists.
 */
#include "logs/logs.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "logs/absent_int.h"
#include "logs/filter.h"
#include "logs/groups_int.h"
#include "logs/logs_int.h"
#include "util/err.h"
#include "util/json.h"

/* ---- PutSubscriptionFilter ---------------------------------------------- */

static const char *vendor(enum lv_logs_target_kind k)
{
    return k == LV_LOGS_TARGET_KINESIS ? "kinesis" : "firehose";
}

int lv_logs_op_put_subscription_filter(struct lv_req *rq, const json_t *in,
                                       struct lv_jw *w, struct lv_err *err)
{
    size_t plen = 0;
    const char *pattern = lv_json_strn(in, "filterPattern", &plen);
    const char *dest = lv_json_str(in, "destinationArn");
    const char *role = lv_json_str(in, "roleArn");
    struct lv_filter *compiled;
    struct lv_log_group g;
    struct lv_logs_target t;

    (void)w;
    if (!pattern || !dest) {
        /* The front enforces the model; this is only a safety net. */
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid subscription filter");
    }
    compiled = lv_filter_compile(pattern, plen, err);
    if (!compiled) {
        return -1;
    }
    lv_filter_free(compiled);
    if (lv_logs_find_group(rq, in, &g, err) < 0) {
        return -1;
    }
    if (lv_logs_target_parse(dest, &t) < 0) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid destinationArn: it must be the ARN of a "
                          "Kinesis stream, a Firehose delivery stream, a "
                          "Lambda function or a CloudWatch Logs "
                          "destination.");
    }
    if (t.kind == LV_LOGS_TARGET_KINESIS ||
        t.kind == LV_LOGS_TARGET_FIREHOSE) {
        if (!role) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "destinationArn for vendor %s cannot be used "
                              "without roleArn", vendor(t.kind));
        }
    }
    if (role && !lv_logs_is_role_arn(role)) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid roleArn: it must be the ARN of an IAM "
                          "role.");
    }
    if (t.kind == LV_LOGS_TARGET_DESTINATION) {
        return lv_logs_destination_find(rq, t.account, t.name, err);
    }
    return lv_logs_target_unreachable(&t, err);
}

/* ---- DescribeSubscriptionFilters ---------------------------------------- */

int lv_logs_op_describe_subscription_filters(struct lv_req *rq,
                                             const json_t *in,
                                             struct lv_jw *w,
                                             struct lv_err *err)
{
    char cursor[LV_LOGS_CURSOR_MAX];
    char scope[64];
    struct lv_log_group g;

    if (lv_logs_find_group(rq, in, &g, err) < 0) {
        return -1;
    }
    snprintf(scope, sizeof(scope), "%lld", (long long)g.id);
    if (lv_logs_token_read(rq, in, "DescribeSubscriptionFilters", scope,
                           cursor, err) < 0) {
        return -1;
    }
    lv_jw_key(w, "subscriptionFilters");
    lv_jw_arr_open(w);
    lv_jw_arr_close(w);
    return 0;
}

/* ---- DeleteSubscriptionFilter ------------------------------------------- */

int lv_logs_op_delete_subscription_filter(struct lv_req *rq,
                                          const json_t *in, struct lv_jw *w,
                                          struct lv_err *err)
{
    struct lv_log_group g;

    (void)w;
    if (lv_logs_find_group(rq, in, &g, err) < 0) {
        return -1;
    }
    return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                      "The specified subscription filter does not exist.");
}

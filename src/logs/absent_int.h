/*
 * absent_int: what the handlers of operations whose effect lands in a
 * service logvault does not host share (subscription.c, destinations.c,
 * export.c, import.c) — reading the ARN of a delivery target and the answer
 * AWS gives when that target does not exist or cannot be reached.
 *
 * logvault hosts CloudWatch Logs and KMS only. A Kinesis data stream, a
 * Firehose delivery stream, a Lambda function or an S3 bucket never exists
 * from its point of view, so an operation that AWS completes only after a
 * test delivery to one of them (or a check of it) fails here the way AWS
 * fails when the target is missing — never a 200 for work that will not
 * happen. Implemented in destinations.c.
 */
#ifndef LV_LOGS_ABSENT_INT_H
#define LV_LOGS_ABSENT_INT_H

#include "svc/req.h"

struct lv_err;

enum lv_logs_target_kind {
    LV_LOGS_TARGET_KINESIS,       /* arn:aws:kinesis:R:A:stream/NAME */
    LV_LOGS_TARGET_FIREHOSE,      /* arn:aws:firehose:R:A:deliverystream/N */
    LV_LOGS_TARGET_LAMBDA,        /* arn:aws:lambda:R:A:function:NAME[:Q] */
    LV_LOGS_TARGET_DESTINATION,   /* arn:aws:logs:R:A:destination:NAME */
};

/* Longest destination name (the model's DestinationName). */
#define LV_LOGS_MAX_DESTINATION_NAME 512

struct lv_logs_target {
    enum lv_logs_target_kind kind;
    char region[64];
    char account[13];
    char name[LV_LOGS_MAX_DESTINATION_NAME + 1];  /* stream, function or
                                                   * destination name */
};

/*
 * Reads `arn` as one of the four targets above: partition aws, aws-cn or
 * aws-us-gov, a non-empty region, a 12-digit account and the resource
 * form of its service with a name of that service's characters and
 * length. 0 and *t filled, or -1 (t unspecified) for anything else.
 */
int lv_logs_target_parse(const char *arn, struct lv_logs_target *t);

/* 1 when `arn` is an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/PATH…
 * NAME), else 0. */
int lv_logs_is_role_arn(const char *arn);

/*
 * The answer AWS gives when the test message to a Kinesis stream, a
 * Firehose stream or a Lambda function (t->kind, never DESTINATION)
 * cannot be delivered: InvalidParameterException with the message AWS
 * users quote. Always returns -1.
 */
int lv_logs_target_unreachable(const struct lv_logs_target *t,
                               struct lv_err *err);

/*
 * The CloudWatch Logs destination called `name` of rq's account and
 * region: none can exist in logvault (PutDestination always fails, see
 * destinations.c), so this is always ResourceNotFoundException "The
 * specified destination does not exist." and -1. The one place that
 * lookup is answered, so that the day destinations can exist only this
 * changes.
 */
int lv_logs_destination_find(struct lv_req *rq, const char *account,
                             const char *name, struct lv_err *err);

#endif

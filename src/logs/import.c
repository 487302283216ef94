/*
 * import.c: import tasks from CloudTrail Lake — CreateImportTask,
 * DescribeImportTasks, DescribeImportTaskBatches, CancelImportTask.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_CreateImportTask.html (and the pages of the other three). The
 * model's constraints (importRoleArn non-empty, importId 1–256 of
 * [-a-zA-Z0-9], importStatus and batchImportStatus values, limit 1–50)
 * were checked by the front.
 *
 * ANSWERS AS AN ABSENT DESTINATION (here: an absent source). "Currently,
 * CloudTrail Event Data Store is the only supported data source", and it
 * "must be in an ACTIVE state". logvault's CloudTrail serves LookupEvents
 * over its own audit trail and hosts no CloudTrail Lake event data store,
 * so CreateImportTask checks importSourceArn (an event data store ARN,
 * arn:aws:cloudtrail:REGION:ACCOUNT:eventdatastore/ID, else
 * InvalidParameterException), importRoleArn (an IAM role ARN, else
 * InvalidParameterException), importFilter ("The startEventTime must be
 * less than or equal to endEventTime", else InvalidParameterException)
 * and then answers as for a source that does not exist:
 * ResourceNotFoundException "The specified event data store does not
 * exist." (our wording). No import is ever created, so the limit of three
 * active imports per account cannot be reached, DescribeImportTasks
 * answers an empty list (a nextToken it did not issue →
 * InvalidParameterException), and DescribeImportTaskBatches and
 * CancelImportTask answer ResourceNotFoundException "The specified import
 * task does not exist." (our wording).
 */
#include "logs/logs.h"

#include <string.h>

#include <jansson.h>

#include "logs/absent_int.h"
#include "logs/groups_int.h"
#include "util/err.h"
#include "util/json.h"

/* arn:PARTITION:cloudtrail:REGION:ACCOUNT:eventdatastore/ID: CloudTrail's
 * event data store ARN (its ID a UUID; we accept 1–256 of [-a-zA-Z0-9]). */
static int is_event_data_store_arn(const char *arn)
{
    static const char *const partitions[] = { "aws", "aws-cn",
                                              "aws-us-gov" };
    const char *p;
    size_t i;
    size_t n;

    if (!arn || strncmp(arn, "arn:", 4) != 0) {
        return 0;
    }
    p = arn + 4;
    for (i = 0; i < sizeof(partitions) / sizeof(partitions[0]); i++) {
        n = strlen(partitions[i]);
        if (!strncmp(p, partitions[i], n) && p[n] == ':') {
            break;
        }
    }
    if (i == sizeof(partitions) / sizeof(partitions[0])) {
        return 0;
    }
    p += n + 1;
    if (strncmp(p, "cloudtrail:", 11) != 0) {
        return 0;
    }
    p += 11;
    n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-");    /* region */
    if (n == 0 || p[n] != ':') {
        return 0;
    }
    p += n + 1;
    if (strspn(p, "0123456789") != 12 || p[12] != ':') {
        return 0;
    }
    p += 13;
    if (strncmp(p, "eventdatastore/", 15) != 0) {
        return 0;
    }
    p += 15;
    n = strlen(p);
    return n >= 1 && n <= 256 &&
           strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789-") == n;
}

/* ---- CreateImportTask --------------------------------------------------- */

int lv_logs_op_create_import_task(struct lv_req *rq, const json_t *in,
                                  struct lv_jw *w, struct lv_err *err)
{
    const json_t *filter = lv_json_obj(in, "importFilter");
    int64_t start = 0;
    int64_t end = 0;

    (void)rq;
    (void)w;
    if (!is_event_data_store_arn(lv_json_str(in, "importSourceArn"))) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid importSourceArn: it must be the ARN of "
                          "a CloudTrail event data store.");
    }
    if (!lv_logs_is_role_arn(lv_json_str(in, "importRoleArn"))) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid importRoleArn: it must be the ARN of an "
                          "IAM role.");
    }
    if (filter && lv_json_int64(filter, "startEventTime", &start) &&
        lv_json_int64(filter, "endEventTime", &end) && start > end) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "The startEventTime must be less than or equal "
                          "to endEventTime.");
    }
    return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                      "The specified event data store does not exist.");
}

/* ---- DescribeImportTasks ------------------------------------------------ */

int lv_logs_op_describe_import_tasks(struct lv_req *rq, const json_t *in,
                                     struct lv_jw *w, struct lv_err *err)
{
    char cursor[LV_LOGS_CURSOR_MAX];

    if (lv_logs_token_read(rq, in, "DescribeImportTasks", "", cursor,
                           err) < 0) {
        return -1;
    }
    lv_jw_key(w, "imports");
    lv_jw_arr_open(w);
    lv_jw_arr_close(w);
    return 0;
}

/* ---- DescribeImportTaskBatches, CancelImportTask ------------------------ */

static int no_such_import(struct lv_err *err)
{
    return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                      "The specified import task does not exist.");
}

int lv_logs_op_describe_import_task_batches(struct lv_req *rq,
                                            const json_t *in,
                                            struct lv_jw *w,
                                            struct lv_err *err)
{
    (void)rq;
    (void)in;
    (void)w;
    return no_such_import(err);
}

int lv_logs_op_cancel_import_task(struct lv_req *rq, const json_t *in,
                                  struct lv_jw *w, struct lv_err *err)
{
    (void)rq;
    (void)in;
    (void)w;
    return no_such_import(err);
}

/*
 * export.c: export tasks to Amazon S3 — CreateExportTask,
 * DescribeExportTasks, CancelExportTask.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_CreateExportTask.html (and the pages of the other two). The model's
 * constraints (taskName and destination 1–512, logStreamNamePrefix 1–512,
 * from and to non-negative, taskId 1–512, statusCode one of the six
 * ExportTaskStatusCode values, limit 1–50) were checked by the front.
 *
 * ANSWERS AS AN ABSENT DESTINATION. An export task writes the group's
 * events into an S3 bucket; AWS checks the bucket (GetBucketAcl as
 * logs.REGION.amazonaws.com) before it answers a taskId. logvault hosts no
 * S3, so CreateExportTask checks, in this order, the log group (→
 * ResourceNotFoundException "The specified log group does not exist."),
 * the time range (to earlier than from → InvalidParameterException), and
 * then fails as AWS fails for a bucket that does not exist:
 * InvalidParameterException "The specified bucket does not exist." No task
 * is ever created, so the one-active-task-per-account limit
 * (LimitExceededException) cannot be reached and is not checked,
 * DescribeExportTasks answers an empty list (whatever taskId or statusCode
 * it is given; a nextToken it did not issue → InvalidParameterException)
 * and CancelExportTask answers ResourceNotFoundException "The specified
 * export task does not exist." (our wording; AWS's is not documented).
 */
#include "logs/logs.h"

#include <inttypes.h>
#include <string.h>

#include <jansson.h>

#include "logs/groups_int.h"
#include "logs/logs_int.h"
#include "util/err.h"
#include "util/json.h"

/* ---- CreateExportTask --------------------------------------------------- */

int lv_logs_op_create_export_task(struct lv_req *rq, const json_t *in,
                                  struct lv_jw *w, struct lv_err *err)
{
    struct lv_log_group g;
    int64_t from = 0;
    int64_t to = 0;

    (void)w;
    if (!lv_json_int64(in, "from", &from) || !lv_json_int64(in, "to", &to)) {
        /* The front enforces the model; this is only a safety net. */
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid export task");
    }
    if (lv_logs_find_group(rq, in, &g, err) < 0) {
        return -1;
    }
    /* API_CreateExportTask: events from `from` up to `to` are exported;
     * an empty range the other way round is refused. */
    if (to < from) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Specified time range of %" PRId64 " and %"
                          PRId64 " is not valid. Please make sure the "
                          "values are non-negative and the start time is "
                          "not after the end time.", from, to);
    }
    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "The specified bucket does not exist.");
}

/* ---- DescribeExportTasks ------------------------------------------------ */

int lv_logs_op_describe_export_tasks(struct lv_req *rq, const json_t *in,
                                     struct lv_jw *w, struct lv_err *err)
{
    char cursor[LV_LOGS_CURSOR_MAX];

    if (lv_logs_token_read(rq, in, "DescribeExportTasks", "", cursor,
                           err) < 0) {
        return -1;
    }
    lv_jw_key(w, "exportTasks");
    lv_jw_arr_open(w);
    lv_jw_arr_close(w);
    return 0;
}

/* ---- CancelExportTask --------------------------------------------------- */

int lv_logs_op_cancel_export_task(struct lv_req *rq, const json_t *in,
                                  struct lv_jw *w, struct lv_err *err)
{
    (void)rq;
    (void)in;
    (void)w;
    return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                      "The specified export task does not exist.");
}

/*
 * log_object.c: GetLogObject, which answers as AWS does for a pointer
 * that does not exist.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_GetLogObject.html
 *
 * Why absent: a log object pointer names a large object (a field too big
 * for an event) that CloudWatch Logs stored aside for an event ingested
 * through the OpenTelemetry endpoint (PutOpenTelemetryLogs). logvault
 * ingests through PutLogEvents only and stores events whole, so it never
 * makes a log object and no pointer can name one:
 * ResourceNotFoundException for every pointer (the message is not
 * documented; it follows the API reference's "The specified resource does
 * not exist."). The event-stream response is therefore never written.
 */
#include "logs/logs.h"

#include <jansson.h>

#include "util/err.h"
#include "util/json.h"

int lv_logs_op_get_log_object(struct lv_req *rq, const json_t *in,
                              struct lv_jw *w, struct lv_err *err)
{
    (void)rq;
    (void)w;
    return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                      "The specified log object %s does not exist.",
                      lv_json_str(in, "logObjectPointer"));
}

/*
 * log_fields.c: GetLogFields, which answers as AWS does for a data source
 * that does not exist.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_GetLogFields.html
 *
 * Why absent: a data source (dataSourceName and dataSourceType, e.g.
 * amazon_vpc / flow) is how CloudWatch Logs classifies the logs an AWS
 * service vends, and GetLogFields lists the fields that source's logs
 * have after its pipelines. The log groups logvault holds are written by
 * PutLogEvents only; no AWS service vends logs here and no pipeline
 * exists, so no data source exists: ResourceNotFoundException naming the
 * one asked for (the message is not documented).
 */
#include "logs/logs.h"

#include <jansson.h>

#include "util/err.h"
#include "util/json.h"

int lv_logs_op_get_log_fields(struct lv_req *rq, const json_t *in,
                              struct lv_jw *w, struct lv_err *err)
{
    (void)rq;
    (void)w;
    return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                      "The specified data source %s of type %s does not "
                      "exist.", lv_json_str(in, "dataSourceName"),
                      lv_json_str(in, "dataSourceType"));
}

/*
 * aggregate_summaries.c: ListAggregateLogGroupSummaries.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_ListAggregateLogGroupSummaries.html
 *
 * The operation counts log groups by their data source (name, type and
 * optionally format: amazon_vpc / flow / OCSF), the classification
 * CloudWatch Logs gives the logs an AWS service vends (GetLogFields,
 * log_fields.c, says why none exists here). Every group logvault holds is
 * written by PutLogEvents and has no data source, and the documentation
 * does not say that such groups are counted under any grouping, so the
 * strictest reading is that they are in no aggregate: the answer is an
 * empty list, never a made-up data source. The request is still checked
 * as AWS checks it: groupBy (the model's enum), logGroupNamePattern a
 * regular expression that compiles, and a nextToken is one this server
 * issued (it issues none).
 */
#include "logs/logs.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include <jansson.h>

#include "util/err.h"
#include "util/json.h"

int lv_logs_op_list_aggregate_log_group_summaries(struct lv_req *rq,
                                                  const json_t *in,
                                                  struct lv_jw *w,
                                                  struct lv_err *err)
{
    const char *pattern = lv_json_str(in, "logGroupNamePattern");
    const char *token = lv_json_str(in, "nextToken");

    (void)rq;
    if (pattern) {
        int code;
        PCRE2_SIZE off;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern,
                                       PCRE2_ZERO_TERMINATED, PCRE2_UTF,
                                       &code, &off, NULL);

        if (!re) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "logGroupNamePattern is not a valid regular "
                              "expression (at offset %zu).", (size_t)off);
        }
        pcre2_code_free(re);
    }
    if (token) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "The specified nextToken is invalid.");
    }
    lv_jw_key(w, "aggregateLogGroupSummaries");
    lv_jw_arr_open(w);
    lv_jw_arr_close(w);
    return 0;
}

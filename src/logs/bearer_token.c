/*
 * bearer_token.c: PutBearerTokenAuthentication.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_PutBearerTokenAuthentication.html; "Setting up bearer token
 * authentication" (CWL_HTTP_Endpoints_BearerTokenAuth)
 *
 * On AWS the flag lets a log group take events through the HTTP ingestion
 * endpoints (/services/collector/event, /ingest/bulk, /ingest/json,
 * /v1/logs) authenticated by an ACWL bearer token — an IAM
 * service-specific credential. logvault has neither those endpoints nor
 * IAM service-specific credentials: every request is SigV4-signed, and
 * that stays so whatever the flag says. So enabling it would be a 200 for
 * something that will not happen, and is refused: the group must exist
 * (ResourceNotFoundException, as every group operation), then
 * bearerTokenAuthenticationEnabled true answers InvalidOperationException
 * (the model's error for an operation not valid on the resource; the
 * message is not documented). Disabling it answers 200 and changes
 * nothing: it is already, and always, disabled here.
 */
#include "logs/logs.h"

#include <jansson.h>

#include "logs/logs_int.h"
#include "util/err.h"
#include "util/json.h"

int lv_logs_op_put_bearer_token_authentication(struct lv_req *rq,
                                               const json_t *in,
                                               struct lv_jw *w,
                                               struct lv_err *err)
{
    struct lv_log_group g;
    int enabled = 0;

    (void)w;
    if (lv_logs_find_group_by(rq, lv_json_str(in, "logGroupIdentifier"), &g,
                              err) < 0) {
        return -1;
    }
    lv_json_bool(in, "bearerTokenAuthenticationEnabled", &enabled);
    if (enabled) {
        return lv_err_set(err, LV_E_INVALID_OPERATION,
                          "Bearer token authentication cannot be enabled: "
                          "this server has no HTTP ingestion endpoints and "
                          "accepts SigV4 only.");
    }
    return 0;
}

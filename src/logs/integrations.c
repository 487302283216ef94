/*
 * integrations.c: the integrations of CloudWatch Logs with other services,
 * which answer as AWS does when the other side does not exist:
 *
 *   PutIntegration, GetIntegration, DeleteIntegration, ListIntegrations
 *   (OpenSearch Service: vended dashboards and direct queries), and
 *   AssociateSourceToS3TableIntegration,
 *   DisassociateSourceFromS3TableIntegration,
 *   ListSourcesForS3TableIntegration (S3 Tables).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_PutIntegration.html (and the others named above)
 *
 * Why absent: an integration is carried out by the other service —
 * OpenSearch Service builds collections, pipelines and dashboards under
 * the IAM role dataSourceRoleArn; an S3 table integration writes log data
 * into S3 Tables. logvault hosts neither service nor IAM roles, so no
 * integration can be made here and none exists:
 *  - PutIntegration fails: the role it must assume does not exist on this
 *    server (ValidationException; the exact message is not documented,
 *    and ValidationException is the model's error for a request that
 *    cannot be carried out as given). Answering 200 with a status would
 *    promise dashboards that never appear.
 *  - GetIntegration and DeleteIntegration: ResourceNotFoundException.
 *    ListIntegrations: an empty list.
 *  - The three S3 table operations name an integration (or an
 *    association of one) that cannot exist: ResourceNotFoundException,
 *    also for ListSourcesForS3TableIntegration, whose integrationArn is
 *    required — an empty list would say the integration exists.
 * The messages follow the API reference's error descriptions and name
 * what was asked for.
 */
#include "logs/logs.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "util/err.h"
#include "util/json.h"

int lv_logs_op_put_integration(struct lv_req *rq, const json_t *in,
                               struct lv_jw *w, struct lv_err *err)
{
    const json_t *os = lv_json_obj(lv_json_obj(in, "resourceConfig"),
                                   "openSearchResourceConfig");
    const char *role = lv_json_str(os, "dataSourceRoleArn");

    (void)rq;
    (void)w;
    if (!role) {
        /* resourceConfig is a union whose only member is
         * openSearchResourceConfig; dataSourceRoleArn is required in it. */
        return lv_err_set(err, LV_E_VALIDATION,
                          "resourceConfig must contain "
                          "openSearchResourceConfig.");
    }
    return lv_err_set(err, LV_E_VALIDATION,
                      "Unable to assume role %s: the role does not exist.",
                      role);
}

static int no_integration(const char *name, struct lv_err *err)
{
    return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                      "The specified integration %s does not exist.", name);
}

int lv_logs_op_get_integration(struct lv_req *rq, const json_t *in,
                               struct lv_jw *w, struct lv_err *err)
{
    (void)rq;
    (void)w;
    return no_integration(lv_json_str(in, "integrationName"), err);
}

int lv_logs_op_delete_integration(struct lv_req *rq, const json_t *in,
                                  struct lv_jw *w, struct lv_err *err)
{
    (void)rq;
    (void)w;
    return no_integration(lv_json_str(in, "integrationName"), err);
}

int lv_logs_op_list_integrations(struct lv_req *rq, const json_t *in,
                                 struct lv_jw *w, struct lv_err *err)
{
    (void)rq;
    (void)in;
    (void)err;
    lv_jw_key(w, "integrationSummaries");
    lv_jw_arr_open(w);
    lv_jw_arr_close(w);
    return 0;
}

int lv_logs_op_associate_source_to_s3_table_integration(struct lv_req *rq,
                                                        const json_t *in,
                                                        struct lv_jw *w,
                                                        struct lv_err *err)
{
    (void)rq;
    (void)w;
    return no_integration(lv_json_str(in, "integrationArn"), err);
}

int lv_logs_op_list_sources_for_s3_table_integration(struct lv_req *rq,
                                                     const json_t *in,
                                                     struct lv_jw *w,
                                                     struct lv_err *err)
{
    (void)rq;
    (void)w;
    return no_integration(lv_json_str(in, "integrationArn"), err);
}

int lv_logs_op_disassociate_source_from_s3_table_integration(
    struct lv_req *rq, const json_t *in, struct lv_jw *w, struct lv_err *err)
{
    (void)rq;
    (void)w;
    return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                      "The specified source association %s does not exist.",
                      lv_json_str(in, "identifier"));
}

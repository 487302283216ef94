/*
 * delivery_absent.c: the delivery sources and deliveries of vended logs
 * ("Enable logging from AWS services", the V2 permissions), which answer
 * as AWS does when the resource they name does not exist:
 *
 *   PutDeliverySource, GetDeliverySource, DescribeDeliverySources,
 *   DeleteDeliverySource, CreateDelivery, GetDelivery, DescribeDeliveries,
 *   DeleteDelivery, UpdateDeliveryConfiguration,
 *   DescribeConfigurationTemplates.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_PutDeliverySource.html (and the others named above)
 *
 * Why absent: a delivery source stands for a resource of another AWS
 * service that sends its logs (a CloudFront distribution, a Bedrock
 * model-invocation log, a WorkMail organization …; the services listed as
 * "Supported [V2 Permissions]"). logvault hosts none of those services,
 * so no such resource exists here and none will ever send a log: storing
 * a source would answer 200 for a delivery that never happens. So
 * PutDeliverySource always fails — ResourceNotFoundException for a
 * well-formed ARN of another service (the resource does not exist), and
 * ValidationException for an ARN of a service logvault does host (logs,
 * kms), whose resources AWS does not offer as delivery sources. With no
 * source there is no delivery: CreateDelivery fails on its source, the
 * Get/Delete/Update operations find nothing (ResourceNotFoundException)
 * and the Describe operations list nothing.
 *
 * DescribeConfigurationTemplates: AWS's templates describe, per source
 * service and log type, the fields and formats that service offers. They
 * are AWS service data that the API reference does not list, and none of
 * their source services exists here, so the list is empty (an honest
 * answer: no source type can be configured on this server).
 *
 * The messages of these errors are not documented; they follow the API
 * reference's error descriptions ("The specified resource does not
 * exist.") and name what was asked for.
 */
#include "logs/logs.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "logs/groups_int.h"
#include "util/err.h"
#include "util/json.h"

/* The service part of an ARN "arn:PARTITION:SERVICE:…" copied to `svc`;
 * 0, or -1 when `arn` is not of that form. */
static int arn_service(const char *arn, char *svc, size_t cap)
{
    const char *p;
    const char *end;
    size_t n;

    if (!arn || strncmp(arn, "arn:", 4) != 0) {
        return -1;
    }
    p = strchr(arn + 4, ':');           /* after the partition */
    if (!p || p == arn + 4) {
        return -1;
    }
    p++;
    end = strchr(p, ':');
    if (!end || end == p) {
        return -1;
    }
    n = (size_t)(end - p);
    if (n >= cap) {
        return -1;
    }
    memcpy(svc, p, n);
    svc[n] = '\0';
    /* region and account follow, then the resource: two more colons */
    end = strchr(end + 1, ':');
    if (!end || !strchr(end + 1, ':')) {
        return -1;
    }
    return 0;
}

/* Refuses a nextToken: none is ever issued by the listings below, so any
 * token given is not theirs (InvalidParameterException, as every Logs
 * listing answers a token it did not issue). */
static int no_token(struct lv_req *rq, const json_t *in, const char *kind,
                    struct lv_err *err)
{
    char cursor[LV_LOGS_CURSOR_MAX];

    return lv_logs_token_read(rq, in, kind, "", cursor, err) < 0 ? -1 : 0;
}

int lv_logs_op_put_delivery_source(struct lv_req *rq, const json_t *in,
                                   struct lv_jw *w, struct lv_err *err)
{
    const char *arn = lv_json_str(in, "resourceArn");
    char svc[64];

    (void)rq;
    (void)w;
    if (arn_service(arn, svc, sizeof(svc)) < 0) {
        return lv_err_set(err, LV_E_VALIDATION,
                          "resourceArn %s is not a valid ARN.", arn);
    }
    if (strcmp(svc, "logs") == 0 || strcmp(svc, "kms") == 0) {
        return lv_err_set(err, LV_E_VALIDATION,
                          "Resources of service %s cannot be a delivery "
                          "source.", svc);
    }
    return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                      "The specified resource %s does not exist.", arn);
}

static int no_source(const json_t *in, const char *member,
                     struct lv_err *err)
{
    return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                      "The specified delivery source %s does not exist.",
                      lv_json_str(in, member));
}

static int no_delivery(const json_t *in, struct lv_err *err)
{
    return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                      "The specified delivery %s does not exist.",
                      lv_json_str(in, "id"));
}

int lv_logs_op_get_delivery_source(struct lv_req *rq, const json_t *in,
                                   struct lv_jw *w, struct lv_err *err)
{
    (void)rq;
    (void)w;
    return no_source(in, "name", err);
}

int lv_logs_op_delete_delivery_source(struct lv_req *rq, const json_t *in,
                                      struct lv_jw *w, struct lv_err *err)
{
    (void)rq;
    (void)w;
    return no_source(in, "name", err);
}

int lv_logs_op_describe_delivery_sources(struct lv_req *rq, const json_t *in,
                                         struct lv_jw *w, struct lv_err *err)
{
    if (no_token(rq, in, "DescribeDeliverySources", err) < 0) {
        return -1;
    }
    lv_jw_key(w, "deliverySources");
    lv_jw_arr_open(w);
    lv_jw_arr_close(w);
    return 0;
}

int lv_logs_op_create_delivery(struct lv_req *rq, const json_t *in,
                               struct lv_jw *w, struct lv_err *err)
{
    (void)rq;
    (void)w;
    return no_source(in, "deliverySourceName", err);
}

int lv_logs_op_get_delivery(struct lv_req *rq, const json_t *in,
                            struct lv_jw *w, struct lv_err *err)
{
    (void)rq;
    (void)w;
    return no_delivery(in, err);
}

int lv_logs_op_delete_delivery(struct lv_req *rq, const json_t *in,
                               struct lv_jw *w, struct lv_err *err)
{
    (void)rq;
    (void)w;
    return no_delivery(in, err);
}

int lv_logs_op_update_delivery_configuration(struct lv_req *rq,
                                             const json_t *in,
                                             struct lv_jw *w,
                                             struct lv_err *err)
{
    (void)rq;
    (void)w;
    return no_delivery(in, err);
}

int lv_logs_op_describe_deliveries(struct lv_req *rq, const json_t *in,
                                   struct lv_jw *w, struct lv_err *err)
{
    if (no_token(rq, in, "DescribeDeliveries", err) < 0) {
        return -1;
    }
    lv_jw_key(w, "deliveries");
    lv_jw_arr_open(w);
    lv_jw_arr_close(w);
    return 0;
}

int lv_logs_op_describe_configuration_templates(struct lv_req *rq,
                                                const json_t *in,
                                                struct lv_jw *w,
                                                struct lv_err *err)
{
    if (no_token(rq, in, "DescribeConfigurationTemplates", err) < 0) {
        return -1;
    }
    lv_jw_key(w, "configurationTemplates");
    lv_jw_arr_open(w);
    lv_jw_arr_close(w);
    return 0;
}

/*
 * delivery_dest.c: delivery destinations of vended logs —
 * PutDeliveryDestination, GetDeliveryDestination,
 * DescribeDeliveryDestinations, DeleteDeliveryDestination,
 * PutDeliveryDestinationPolicy, GetDeliveryDestinationPolicy and
 * DeleteDeliveryDestinationPolicy — kept in the store (logs_store.h,
 * component "delivery").
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_PutDeliveryDestination.html (and the others named above)
 *
 * A delivery destination names the resource logs are delivered to: a
 * CloudWatch Logs log group, an S3 bucket, a Firehose stream, or X-Ray.
 * logvault hosts log groups, so a destination whose
 * deliveryDestinationConfiguration.destinationResourceArn is a log group
 * is real: stored, listed, deleted, given a policy. "Use
 * PutDeliveryDestination to create a delivery destination in the same
 * account of the actual delivery destination": the group must be of the
 * caller's account and Region, and (not documented; the strictest
 * reasonable reading, since a destination for a group that is not there
 * would take deliveries nowhere) it must exist:
 * ResourceNotFoundException "The specified log group does not exist.".
 *
 * Answered as absent, and why: S3 buckets and Firehose streams are not
 * hosted here, so a destination naming one answers as AWS does for a
 * resource that does not exist (ResourceNotFoundException naming the
 * ARN); X-Ray (deliveryDestinationType XRAY) likewise. Nothing is stored
 * for them: a stored destination would promise deliveries that never
 * happen. The messages of these errors are not documented.
 *
 * Other rules (the API reference's): deliveryDestinationConfiguration is
 * required for the log destinations; a deliveryDestinationType given with
 * it must be the one its ARN's service implies (CWL for logs);
 * outputFormat "parquet" is an S3 format, refused for a log group
 * (ValidationException); putting an existing name overwrites all its
 * parameters ("all the current delivery destination parameters are
 * overwritten"), its policy is kept.
 *
 * The policy: a resource policy that lets other accounts create
 * deliveries to this destination. It is parsed and validated with
 * src/policy as given (a document AWS would refuse answers
 * ValidationException "Invalid Delivery Destination resource Policy is
 * provided.", the message users quote from AWS) and stored as given. AWS
 * evaluates it in CreateDelivery for a caller of another account; here
 * CreateDelivery always fails earlier, on its delivery source (no source
 * can exist: delivery_absent.c), so the evaluation is never reached.
 * GetDeliveryDestinationPolicy of a destination without a policy answers
 * an empty policy; DeleteDeliveryDestinationPolicy of one answers
 * ResourceNotFoundException (undocumented; strictest reasonable).
 */
#include "logs/logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "logs/groups_int.h"
#include "logs/logs_int.h"
#include "policy/policy.h"
#include "store/logs_store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"

#define DESCRIBE_DEFAULT_LIMIT 50

static const char no_dest[] =
    "The specified delivery destination %s does not exist.";

static void dest_arn(struct lv_req *rq, const char *name, char *out,
                     size_t cap)
{
    snprintf(out, cap, "arn:aws:logs:%s:%s:delivery-destination:%s",
             rq->region, rq->who.account, name);
}

/* The service of an ARN "arn:PARTITION:SERVICE:…" into svc; 0, or -1 when
 * arn is not of that form. */
static int arn_service(const char *arn, char *svc, size_t cap)
{
    const char *p;
    const char *end;

    if (strncmp(arn, "arn:", 4) != 0) {
        return -1;
    }
    p = strchr(arn + 4, ':');
    if (!p || p == arn + 4) {
        return -1;
    }
    p++;
    end = strchr(p, ':');
    if (!end || end == p || (size_t)(end - p) >= cap) {
        return -1;
    }
    memcpy(svc, p, (size_t)(end - p));
    svc[end - p] = '\0';
    return 0;
}

/* Checks the destination resource: 0 for an existing log group of the
 * caller (*type "CWL"), else -1 with the error for its case. */
static int check_resource(struct lv_req *rq, const char *arn,
                          const char *type, struct lv_err *err)
{
    struct lv_log_group g;
    char svc[64];

    if (!arn) {
        if (type && strcmp(type, "XRAY") == 0) {
            return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                              "The X-Ray trace destination does not exist: "
                              "this server does not host AWS X-Ray.");
        }
        return lv_err_set(err, LV_E_VALIDATION,
                          "deliveryDestinationConfiguration is required "
                          "for CloudWatch Logs, Amazon S3 and Firehose "
                          "delivery destinations.");
    }
    if (arn_service(arn, svc, sizeof(svc)) < 0) {
        return lv_err_set(err, LV_E_VALIDATION,
                          "destinationResourceArn %s is not a valid ARN.",
                          arn);
    }
    if (type) {
        const char *want = strcmp(svc, "logs") == 0       ? "CWL"
                           : strcmp(svc, "s3") == 0       ? "S3"
                           : strcmp(svc, "firehose") == 0 ? "FH"
                                                          : NULL;

        if (!want || strcmp(want, type) != 0) {
            return lv_err_set(err, LV_E_VALIDATION,
                              "deliveryDestinationType %s does not match "
                              "destinationResourceArn %s.", type, arn);
        }
    }
    if (strcmp(svc, "logs") != 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                          "The specified resource %s does not exist.", arn);
    }
    return lv_logs_find_group_by(rq, arn, &g, err);
}

static void write_dest(struct lv_req *rq, struct lv_jw *w,
                       const struct lv_delivery_dest *d)
{
    char arn[200];
    json_t *tags = NULL;

    dest_arn(rq, d->name, arn, sizeof(arn));
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "name", d->name);
    lv_jw_kstr(w, "arn", arn);
    lv_jw_kstr(w, "deliveryDestinationType", d->type);
    if (d->output_format[0]) {
        lv_jw_kstr(w, "outputFormat", d->output_format);
    }
    lv_jw_key(w, "deliveryDestinationConfiguration");
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "destinationResourceArn", d->resource_arn);
    lv_jw_obj_close(w);
    if (d->tags && strcmp(d->tags, "{}") != 0) {
        tags = json_loads(d->tags, 0, NULL);
        if (tags) {
            lv_jw_key(w, "tags");
            lv_jw_json(w, tags);
        }
    }
    lv_jw_obj_close(w);
    json_decref(tags);
}

int lv_logs_op_put_delivery_destination(struct lv_req *rq, const json_t *in,
                                        struct lv_jw *w, struct lv_err *err)
{
    const char *name = lv_json_str(in, "name");
    const char *format = lv_json_str(in, "outputFormat");
    const char *type = lv_json_str(in, "deliveryDestinationType");
    const json_t *conf = lv_json_obj(in, "deliveryDestinationConfiguration");
    const char *arn = lv_json_str(conf, "destinationResourceArn");
    const json_t *tags = lv_json_obj(in, "tags");
    struct lv_delivery_dest d;
    struct lv_buf tagbuf = LV_BUF_INIT(SIZE_MAX);
    int ret = -1;

    memset(&d, 0, sizeof(d));
    if (check_resource(rq, arn, type, err) < 0) {
        goto out;
    }
    if (format && strcmp(format, "parquet") == 0) {
        lv_err_set(err, LV_E_VALIDATION,
                   "outputFormat parquet is not supported for a CloudWatch "
                   "Logs delivery destination.");
        goto out;
    }
    if (strlen(arn) > LV_DELIVERY_MAX_ARN) {
        lv_err_set(err, LV_E_VALIDATION,
                   "destinationResourceArn is too long.");
        goto out;
    }
    if (!tags) {
        lv_buf_adds(&tagbuf, "{}");
    } else if (lv_json_dump_to_buf(tags, &tagbuf) < 0) {
        lv_err_set(err, LV_E_VALIDATION, "tags are too long.");
        goto out;
    }
    snprintf(d.account, sizeof(d.account), "%s", rq->who.account);
    snprintf(d.region, sizeof(d.region), "%s", rq->region);
    snprintf(d.name, sizeof(d.name), "%s", name);
    snprintf(d.type, sizeof(d.type), "CWL");
    snprintf(d.resource_arn, sizeof(d.resource_arn), "%s", arn);
    snprintf(d.output_format, sizeof(d.output_format), "%s",
             format ? format : "");
    d.tags = tagbuf.data;
    if (lv_store_logs_dest_put(rq->store, &d, err) < 0) {
        goto out;
    }
    lv_jw_key(w, "deliveryDestination");
    write_dest(rq, w, &d);
    ret = 0;
out:
    lv_buf_release(&tagbuf);
    return ret;
}

/* Reads destination `name` into *d: 0, or -1 with ResourceNotFound or a
 * store fault. */
static int get_dest(struct lv_req *rq, const char *name,
                    struct lv_delivery_dest *d, struct lv_err *err)
{
    int rc = lv_store_logs_dest_get(rq->store, rq->who.account, rq->region,
                                    name, d, err);

    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_dest, name);
    }
    return 0;
}

int lv_logs_op_get_delivery_destination(struct lv_req *rq, const json_t *in,
                                        struct lv_jw *w, struct lv_err *err)
{
    struct lv_delivery_dest d;

    if (get_dest(rq, lv_json_str(in, "name"), &d, err) < 0) {
        return -1;
    }
    lv_jw_key(w, "deliveryDestination");
    write_dest(rq, w, &d);
    lv_delivery_dest_release(&d);
    return 0;
}

struct ddest {
    struct lv_req *rq;
    struct lv_jw *w;
    int n, max;
    char last[LV_DELIVERY_MAX_NAME + 1];
};

static int dest_each(void *arg, const struct lv_delivery_dest *d)
{
    struct ddest *dd = arg;

    if (dd->n == dd->max) {
        return 1;
    }
    write_dest(dd->rq, dd->w, d);
    dd->n++;
    snprintf(dd->last, sizeof(dd->last), "%s", d->name);
    return 0;
}

int lv_logs_op_describe_delivery_destinations(struct lv_req *rq,
                                              const json_t *in,
                                              struct lv_jw *w,
                                              struct lv_err *err)
{
    static const char kind[] = "DescribeDeliveryDestinations";
    char cursor[LV_LOGS_CURSOR_MAX];
    int64_t limit = DESCRIBE_DEFAULT_LIMIT;
    struct ddest dd;
    int rc;

    memset(&dd, 0, sizeof(dd));
    lv_json_int64(in, "limit", &limit);
    if (lv_logs_token_read(rq, in, kind, "", cursor, err) < 0) {
        return -1;
    }
    dd.rq = rq;
    dd.w = w;
    dd.max = (int)limit;
    lv_jw_key(w, "deliveryDestinations");
    lv_jw_arr_open(w);
    rc = lv_store_logs_dest_list(rq->store, rq->who.account, rq->region,
                                 cursor, dd.max + 1, dest_each, &dd, err);
    if (rc < 0) {
        return -1;
    }
    lv_jw_arr_close(w);
    if (rc == 1) {
        lv_logs_token_write(rq, w, kind, "", dd.last);
    }
    return 0;
}

int lv_logs_op_delete_delivery_destination(struct lv_req *rq,
                                           const json_t *in, struct lv_jw *w,
                                           struct lv_err *err)
{
    const char *name = lv_json_str(in, "name");
    int rc;

    (void)w;
    /* No delivery can use it (no delivery source can exist here), so
     * AWS's ConflictException for a destination in use never applies. */
    rc = lv_store_logs_dest_delete(rq->store, rq->who.account, rq->region,
                                   name, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_dest, name);
    }
    return 0;
}

static void write_policy(struct lv_jw *w, const char *policy)
{
    lv_jw_key(w, "policy");
    lv_jw_obj_open(w);
    if (policy && policy[0]) {
        lv_jw_kstr(w, "deliveryDestinationPolicy", policy);
    }
    lv_jw_obj_close(w);
}

int lv_logs_op_put_delivery_destination_policy(struct lv_req *rq,
                                               const json_t *in,
                                               struct lv_jw *w,
                                               struct lv_err *err)
{
    const char *name = lv_json_str(in, "deliveryDestinationName");
    const char *doc = lv_json_str(in, "deliveryDestinationPolicy");
    struct lv_err perr = LV_ERR_INIT;
    struct lv_policy *p;
    int rc;

    p = lv_policy_parse(doc, strlen(doc), &perr);
    if (!p) {
        return lv_err_set(err, LV_E_VALIDATION,
                          "Invalid Delivery Destination resource Policy is "
                          "provided.");
    }
    lv_policy_free(p);
    rc = lv_store_logs_dest_set_policy(rq->store, rq->who.account,
                                       rq->region, name, doc, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_dest, name);
    }
    write_policy(w, doc);
    return 0;
}

int lv_logs_op_get_delivery_destination_policy(struct lv_req *rq,
                                               const json_t *in,
                                               struct lv_jw *w,
                                               struct lv_err *err)
{
    struct lv_delivery_dest d;

    if (get_dest(rq, lv_json_str(in, "deliveryDestinationName"), &d,
                 err) < 0) {
        return -1;
    }
    write_policy(w, d.policy);
    lv_delivery_dest_release(&d);
    return 0;
}

int lv_logs_op_delete_delivery_destination_policy(struct lv_req *rq,
                                                  const json_t *in,
                                                  struct lv_jw *w,
                                                  struct lv_err *err)
{
    const char *name = lv_json_str(in, "deliveryDestinationName");
    struct lv_delivery_dest d;
    int had;
    int rc;

    (void)w;
    if (get_dest(rq, name, &d, err) < 0) {
        return -1;
    }
    had = d.policy && d.policy[0];
    lv_delivery_dest_release(&d);
    if (!had) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                          "The specified delivery destination %s has no "
                          "policy.", name);
    }
    rc = lv_store_logs_dest_set_policy(rq->store, rq->who.account,
                                       rq->region, name, "", err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_dest, name);
    }
    return 0;
}

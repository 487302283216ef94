/*
 * transformer.c: PutTransformer, GetTransformer, DeleteTransformer and
 * TestTransformer — a log group's log transformer (logs/transform.h),
 * kept on the group's row (lv_store_logs_group_set_transformer).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_PutTransformer.html (and the three others)
 *
 * PutTransformer creates or replaces the group's transformer; its
 * creationTime is kept across replacements, lastModifiedTime is the
 * latest. Transformation is offered for the Standard log class only
 * (CloudWatch-Logs-Transformation.html): a group of another class answers
 * InvalidOperationException. GetTransformer and DeleteTransformer on a
 * group without a transformer answer ResourceNotFoundException. The
 * config is stored as given once lv_transformer_new accepted it, and
 * GetTransformer returns it as given. GetTransformer answers the group's
 * own transformer only: a group that an account TRANSFORMER_POLICY
 * transforms (acctpol_int.h) but that has none of its own answers
 * ResourceNotFoundException (AWS documents nothing else; the account's is
 * read with DescribeAccountPolicies).
 */
#include "logs/logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "logs/groups_int.h"
#include "logs/logs_int.h"
#include "logs/transform.h"
#include "store/logs_store.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

/* TestTransformer: logEventMessages is 1..100 messages (the model). */
#define TEST_MAX_EVENTS 100
/* A transformed event is an event: at most 256 KB (PutLogEvents). */
#define MAX_EVENT_BYTES (256 * 1024 - 26)
/* A config as the model bounds it (20 processors of small strings) fits
 * well within this. */
#define MAX_CONFIG_BYTES (256 * 1024)

static const char no_transformer[] =
    "The specified log group does not have a transformer.";

static int check_class(const struct lv_log_group *g, struct lv_err *err)
{
    if (g->log_group_class[0] && strcmp(g->log_group_class, "STANDARD")) {
        return lv_err_set(err, LV_E_INVALID_OPERATION,
                          "Transformers are only supported for log groups "
                          "in the STANDARD log class.");
    }
    return 0;
}

struct put_arg {
    const char *config;
};

static int set_transformer(void *arg, struct lv_req *rq,
                           const struct lv_log_group *g, struct lv_err *err)
{
    const struct put_arg *a = arg;

    if (check_class(g, err) < 0) {
        return -1;
    }
    return lv_store_logs_group_set_transformer(rq->store, g->id, a->config,
                                               rq->now_ms, err);
}

static const char *identifier(const json_t *in, struct lv_err *err)
{
    const char *id = NULL;

    if (lv_json_req_str(in, "logGroupIdentifier", 1, 2048, &id, err) < 0) {
        return NULL;
    }
    return id;
}

int lv_logs_op_put_transformer(struct lv_req *rq, const json_t *in,
                               struct lv_jw *w, struct lv_err *err)
{
    const json_t *config = json_object_get(in, "transformerConfig");
    struct lv_transformer *t = NULL;
    struct lv_buf text = LV_BUF_INIT(MAX_CONFIG_BYTES);
    struct put_arg a;
    const char *id;
    int ret = -1;

    (void)w;
    if (!(id = identifier(in, err))) {
        goto out;
    }
    if (!config) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "1 validation error detected: Value null at "
                   "'transformerConfig' failed to satisfy constraint: Member "
                   "must not be null");
        goto out;
    }
    if (!(t = lv_transformer_new(config, err))) {
        goto out;
    }
    if (lv_json_dump_to_buf(config, &text) < 0) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "transformerConfig is too long.");
        goto out;
    }
    a.config = text.data;
    ret = lv_logs_group_edit(rq, id, set_transformer, &a, err);
out:
    lv_transformer_free(t);
    lv_buf_release(&text);
    return ret;
}

int lv_logs_op_get_transformer(struct lv_req *rq, const json_t *in,
                               struct lv_jw *w, struct lv_err *err)
{
    struct lv_log_group g;
    struct lv_buf text = LV_BUF_INIT(MAX_CONFIG_BYTES);
    char arn[LV_LOGS_ARN_MAX];
    int64_t created = 0;
    int64_t modified = 0;
    const char *id;
    int rc;
    int ret = -1;

    if (!(id = identifier(in, err)) ||
        lv_logs_find_group_by(rq, id, &g, err) < 0) {
        goto out;
    }
    rc = lv_store_logs_group_get_transformer(rq->store, g.id, &text,
                                             &created, &modified, err);
    if (rc < 0) {
        goto out;
    }
    if (rc == 0) {
        lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_transformer);
        goto out;
    }
    lv_logs_group_arn(&g, 0, arn);
    lv_jw_kstr(w, "logGroupIdentifier", arn);
    lv_jw_kint64(w, "creationTime", created);
    lv_jw_kint64(w, "lastModifiedTime", modified);
    lv_jw_key(w, "transformerConfig");
    lv_jw_raw(w, text.data, text.len);
    ret = 0;
out:
    lv_buf_release(&text);
    return ret;
}

static int delete_transformer(void *arg, struct lv_req *rq,
                              const struct lv_log_group *g,
                              struct lv_err *err)
{
    int rc;

    (void)arg;
    rc = lv_store_logs_group_set_transformer(rq->store, g->id, NULL, 0, err);
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_transformer);
    }
    return rc;
}

int lv_logs_op_delete_transformer(struct lv_req *rq, const json_t *in,
                                  struct lv_jw *w, struct lv_err *err)
{
    const char *id;

    (void)w;
    if (!(id = identifier(in, err))) {
        return -1;
    }
    return lv_logs_group_edit(rq, id, delete_transformer, NULL, err);
}

int lv_logs_op_test_transformer(struct lv_req *rq, const json_t *in,
                                struct lv_jw *w, struct lv_err *err)
{
    const json_t *config = json_object_get(in, "transformerConfig");
    const json_t *msgs = lv_json_arr(in, "logEventMessages");
    struct lv_transformer *t = NULL;
    struct lv_transform_meta meta;
    size_t n = json_array_size(msgs);
    size_t i;
    const json_t *m;

    if (!config || !msgs || n < 1 || n > TEST_MAX_EVENTS) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "1 validation error detected: Value at '%s' "
                          "failed to satisfy constraint: Member must not be "
                          "null and must have length between 1 and %d",
                          !config ? "transformerConfig" : "logEventMessages",
                          !config ? LV_TRANSFORM_MAX_PROCESSORS
                                  : TEST_MAX_EVENTS);
    }
    if (!(t = lv_transformer_new(config, err))) {
        return -1;
    }
    memset(&meta, 0, sizeof(meta));
    meta.account = rq->who.account;
    meta.region = rq->region;
    lv_jw_key(w, "transformedLogs");
    lv_jw_arr_open(w);
    json_array_foreach(msgs, i, m) {
        const char *msg = json_string_value(m);
        size_t len = json_string_length(m);
        char *out = NULL;
        size_t out_len = 0;

        lv_jw_obj_open(w);
        lv_jw_kint64(w, "eventNumber", (int64_t)i + 1);
        if (msg) {
            lv_jw_key(w, "eventMessage");
            lv_jw_strn(w, msg, len);
            /* An event a processor fails on is stored as it came
             * (ingest.c); the test shows it the same way. */
            lv_jw_key(w, "transformedEventMessage");
            if (lv_transformer_apply(t, &meta, msg, len, MAX_EVENT_BYTES,
                                     &out, &out_len) == 0) {
                lv_jw_strn(w, out, out_len);
            } else {
                lv_jw_strn(w, msg, len);
            }
            free(out);
        }
        lv_jw_obj_close(w);
    }
    lv_jw_arr_close(w);
    lv_transformer_free(t);
    return 0;
}

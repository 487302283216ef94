/*
 * tags.c: tags on log groups — TagResource, UntagResource,
 * ListTagsForResource (by the group's ARN, with or without ":*") and the
 * older TagLogGroup, UntagLogGroup, ListTagsLogGroup (by name). Both APIs
 * share one set of tags per group.
 *
 * Only log groups can be tagged here: an ARN of another CloudWatch Logs
 * resource (a destination) is answered as a group that does not exist.
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_TagResource.html
 */
#include "logs/groups_int.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "logs/logs.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"

/* "You can associate as many as 50 tags with a CloudWatch Logs
 * resource." */
#define MAX_TAGS 50

int lv_logs_tags_apply(struct lv_req *rq, int64_t group_id,
                       const json_t *tags, struct lv_err *err)
{
    const char *key;
    json_t *v;
    int have = 0;

    json_object_foreach((json_t *)tags, key, v) {
        if (strncmp(key, "aws:", 4) == 0) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "Tag keys beginning with 'aws:' are reserved "
                              "for AWS use: '%s'", key);
        }
        if (!json_is_string(v)) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "The value of tag '%s' must be a string.",
                              key);
        }
    }
    /* Set them, then count: a key already there is replaced, not added,
     * and the caller's transaction undoes everything when over. */
    json_object_foreach((json_t *)tags, key, v) {
        if (lv_store_logs_tag_set(rq->store, group_id, key,
                                  json_string_value(v), err) < 0) {
            return -1;
        }
    }
    if (lv_store_logs_tag_count(rq->store, group_id, &have, err) < 0) {
        return -1;
    }
    if (have > MAX_TAGS) {
        return lv_err_set(err, LV_E_TOO_MANY_TAGS,
                          "A resource can have no more than %d tags; this "
                          "request would give it %d.", MAX_TAGS, have);
    }
    return 0;
}

/* The group a resourceArn names. Not an ARN at all: InvalidParameter. */
static int find_by_arn(struct lv_req *rq, const json_t *in,
                       struct lv_log_group *g, struct lv_err *err)
{
    const char *arn;

    if (lv_json_req_str(in, "resourceArn", 1, 1011, &arn, err) < 0) {
        return -1;
    }
    if (strncmp(arn, "arn:", 4) != 0) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid resource ARN: '%s'", arn);
    }
    return lv_logs_find_group_by(rq, arn, g, err);
}

static int find_by_name(struct lv_req *rq, const json_t *in,
                        struct lv_log_group *g, struct lv_err *err)
{
    const char *name;

    if (lv_json_req_str(in, "logGroupName", 1, LV_LOGS_MAX_NAME, &name,
                        err) < 0) {
        return -1;
    }
    return lv_logs_find_group_by(rq, name, g, err);
}

typedef int (*find_fn)(struct lv_req *rq, const json_t *in,
                       struct lv_log_group *g, struct lv_err *err);

/* Tags the group `find` names with in's "tags", in one transaction. */
static int tag(struct lv_req *rq, const json_t *in, find_fn find,
               struct lv_err *err)
{
    struct lv_log_group g;
    const json_t *tags = lv_json_obj(in, "tags");

    if (lv_store_begin(rq->store, err) < 0) {
        return -1;
    }
    if (find(rq, in, &g, err) < 0 ||
        (tags && lv_logs_tags_apply(rq, g.id, tags, err) < 0)) {
        lv_store_rollback(rq->store);
        return -1;
    }
    return lv_store_commit(rq->store, err);
}

/* Removes the keys listed in in's `member` (an array of strings). */
static int untag(struct lv_req *rq, const json_t *in, find_fn find,
                 const char *member, struct lv_err *err)
{
    struct lv_log_group g;
    const json_t *keys = lv_json_arr(in, member);
    size_t i;
    json_t *k;

    if (lv_store_begin(rq->store, err) < 0) {
        return -1;
    }
    if (find(rq, in, &g, err) < 0) {
        goto fail;
    }
    json_array_foreach(keys, i, k) {
        if (json_is_string(k) &&
            lv_store_logs_tag_delete(rq->store, g.id, json_string_value(k),
                                     err) < 0) {
            goto fail;
        }
    }
    return lv_store_commit(rq->store, err);
fail:
    lv_store_rollback(rq->store);
    return -1;
}

static int write_tag(void *arg, const char *key, const char *value)
{
    struct lv_jw *w = arg;

    lv_jw_kstr(w, key, value);
    return 0;
}

/* {"tags": {…}}; the object is there even when empty. */
static int list(struct lv_req *rq, const json_t *in, find_fn find,
                struct lv_jw *w, struct lv_err *err)
{
    struct lv_log_group g;

    if (find(rq, in, &g, err) < 0) {
        return -1;
    }
    lv_jw_key(w, "tags");
    lv_jw_obj_open(w);
    if (lv_store_logs_tag_list(rq->store, g.id, write_tag, w, err) < 0) {
        return -1;
    }
    lv_jw_obj_close(w);
    return 0;
}

int lv_logs_op_tag_resource(struct lv_req *rq, const json_t *in,
                            struct lv_jw *w, struct lv_err *err)
{
    (void)w;
    return tag(rq, in, find_by_arn, err);
}

int lv_logs_op_untag_resource(struct lv_req *rq, const json_t *in,
                              struct lv_jw *w, struct lv_err *err)
{
    (void)w;
    return untag(rq, in, find_by_arn, "tagKeys", err);
}

int lv_logs_op_list_tags_for_resource(struct lv_req *rq, const json_t *in,
                                      struct lv_jw *w, struct lv_err *err)
{
    return list(rq, in, find_by_arn, w, err);
}

int lv_logs_op_tag_log_group(struct lv_req *rq, const json_t *in,
                             struct lv_jw *w, struct lv_err *err)
{
    (void)w;
    return tag(rq, in, find_by_name, err);
}

int lv_logs_op_untag_log_group(struct lv_req *rq, const json_t *in,
                               struct lv_jw *w, struct lv_err *err)
{
    (void)w;
    /* UntagLogGroup names the keys in "tags" (a list). */
    return untag(rq, in, find_by_name, "tags", err);
}

int lv_logs_op_list_tags_log_group(struct lv_req *rq, const json_t *in,
                                   struct lv_jw *w, struct lv_err *err)
{
    return list(rq, in, find_by_name, w, err);
}

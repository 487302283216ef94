/*
 * tags: TagResource, UntagResource, ListResourceTags — key/value tags on
 * KMS keys (at most 50 a key; the "aws:" prefix is reserved), and the tag
 * checks CreateKey shares. Tags are not part of KeyMetadata.
 * https://docs.aws.amazon.com/kms/latest/developerguide/tagging-keys.html
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "kms/keys_int.h"
#include "kms/kms.h"
#include "kms/kms_int.h"
#include "store/kms_store.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"

/* https://docs.aws.amazon.com/kms/latest/APIReference/API_ListResourceTags.html */
#define LIST_TAGS_MAX 50

int lv_kms_tags_check(const json_t *tags, struct lv_err *err)
{
    size_t i;
    size_t j;
    const json_t *t;

    json_array_foreach((json_t *)tags, i, t) {
        const char *key = lv_json_str(t, "TagKey");

        if (!key || !lv_json_str(t, "TagValue")) {
            LV_BUG("a Tag passed validation without TagKey or TagValue");
        }
        if (strncasecmp(key, "aws:", 4) == 0) {
            return lv_err_set(err, LV_E_TAG,
                              "Tags beginning with aws: are reserved");
        }
        for (j = 0; j < i; j++) {
            const char *other = lv_json_str(json_array_get(tags, j),
                                            "TagKey");

            if (strcmp(other, key) == 0) {
                return lv_err_set(err, LV_E_TAG,
                                  "Duplicate tag keys are not allowed: %s",
                                  key);
            }
        }
    }
    return 0;
}

int lv_kms_tags_store(struct lv_req *rq, const char *key_id,
                      const json_t *tags, struct lv_err *err)
{
    size_t i;
    const json_t *t;

    json_array_foreach((json_t *)tags, i, t) {
        if (lv_store_kms_tag_set(rq->store, key_id, lv_json_str(t, "TagKey"),
                                 lv_json_str(t, "TagValue"), err) < 0) {
            return -1;
        }
    }
    return 0;
}

struct tag_find {
    const char *key;
    int found;
};

static int find_tag(void *arg, const char *tag_key, const char *value)
{
    struct tag_find *f = arg;

    (void)value;
    if (strcmp(tag_key, f->key) == 0) {
        f->found = 1;
        return 1;
    }
    return 0;
}

/* How many tags the key would have after setting `tags`. */
static int count_after(struct lv_req *rq, const char *key_id,
                       const json_t *tags, int *n, struct lv_err *err)
{
    size_t i;
    const json_t *t;
    int have;

    if (lv_store_kms_tag_count(rq->store, key_id, &have, err) < 0) {
        return -1;
    }
    json_array_foreach((json_t *)tags, i, t) {
        struct tag_find f = { lv_json_str(t, "TagKey"), 0 };

        if (lv_store_kms_tag_list(rq->store, key_id, "", 0, find_tag, &f,
                                  err) < 0) {
            return -1;
        }
        if (!f.found) {
            have++;
        }
    }
    *n = have;
    return 0;
}

/* TagResource's change (arg: the Tags list): refused on a key
 * that is not Enabled or Disabled, and past LV_KMS_MAX_TAGS, both decided
 * on the key and tags as they are in the transaction; the key is held
 * (lv_store_kms_key_hold) so that a state change cannot slip in between. */
static int change_tag(struct lv_req *rq, struct lv_kms_key *cur, void *arg,
                      struct lv_err *err)
{
    const json_t *tags = arg;
    int n = 0;
    int rc;

    if (lv_kms_check_manageable(cur, err) < 0 ||
        lv_kms_tags_check(tags, err) < 0 ||
        count_after(rq, cur->id, tags, &n, err) < 0) {
        return -1;
    }
    if (n > LV_KMS_MAX_TAGS) {
        return lv_err_set(err, LV_E_LIMIT_EXCEEDED, "A KMS key can have at "
                          "most %d tags", LV_KMS_MAX_TAGS);
    }
    rc = lv_store_kms_key_hold(rq->store, cur->id, cur->row_version, err);
    if (rc != 1) {
        return rc;
    }
    return lv_kms_tags_store(rq, cur->id, tags, err) < 0 ? -1 : 1;
}

int lv_kms_op_tag_resource(struct lv_req *rq, const json_t *in,
                           struct lv_jw *w, struct lv_err *err)
{
    const json_t *tags = lv_json_arr(in, "Tags");
    struct lv_kms_key k;
    struct lv_kms_key cur;
    int ret = -1;

    (void)w;
    lv_kms_key_init(&k);
    lv_kms_key_init(&cur);
    if (!tags) {
        LV_BUG("TagResource input passed validation without Tags");
    }
    if (lv_kms_load_key(rq, in, 0, "TagResource", &k, err) < 0) {
        goto out;
    }
    ret = lv_kms_key_change(rq, &k, change_tag, (json_t *)tags, &cur, err);
out:
    lv_kms_key_release(&cur);
    lv_kms_key_release(&k);
    return ret;
}

/* UntagResource's change (arg: the TagKeys list), as change_tag. Removing
 * a tag the key does not have is not an error. */
static int change_untag(struct lv_req *rq, struct lv_kms_key *cur,
                        void *arg, struct lv_err *err)
{
    const json_t *keys = arg;
    size_t i;
    const json_t *v;
    int rc;

    if (lv_kms_check_manageable(cur, err) < 0) {
        return -1;
    }
    rc = lv_store_kms_key_hold(rq->store, cur->id, cur->row_version, err);
    if (rc != 1) {
        return rc;
    }
    json_array_foreach((json_t *)keys, i, v) {
        if (json_is_string(v) &&
            lv_store_kms_tag_delete(rq->store, cur->id,
                                    json_string_value(v), err) < 0) {
            return -1;
        }
    }
    return 1;
}

int lv_kms_op_untag_resource(struct lv_req *rq, const json_t *in,
                             struct lv_jw *w, struct lv_err *err)
{
    const json_t *keys = lv_json_arr(in, "TagKeys");
    struct lv_kms_key k;
    struct lv_kms_key cur;
    int ret = -1;

    (void)w;
    lv_kms_key_init(&k);
    lv_kms_key_init(&cur);
    if (!keys) {
        LV_BUG("UntagResource input passed validation without TagKeys");
    }
    if (lv_kms_load_key(rq, in, 0, "UntagResource", &k, err) < 0) {
        goto out;
    }
    ret = lv_kms_key_change(rq, &k, change_untag, (json_t *)keys, &cur,
                            err);
out:
    lv_kms_key_release(&cur);
    lv_kms_key_release(&k);
    return ret;
}

struct tag_page {
    struct lv_jw *w;
    int limit;
    int count;
    int truncated;
    char last[512];
};

static int page_tag(void *arg, const char *tag_key, const char *value)
{
    struct tag_page *p = arg;

    if (p->count == p->limit) {
        p->truncated = 1;
        return 1;
    }
    lv_jw_obj_open(p->w);
    lv_jw_kstr(p->w, "TagKey", tag_key);
    lv_jw_kstr(p->w, "TagValue", value);
    lv_jw_obj_close(p->w);
    snprintf(p->last, sizeof(p->last), "%s", tag_key);
    p->count++;
    return 0;
}

int lv_kms_op_list_resource_tags(struct lv_req *rq, const json_t *in,
                                 struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct tag_page p;
    char after[512];
    int64_t limit = LIST_TAGS_MAX;
    int ret = -1;

    lv_kms_key_init(&k);
    /* ListResourceTags takes a Limit of 1–50 (default 50), narrower than
     * the model's shared LimitType. */
    if (lv_json_int64(in, "Limit", &limit) && limit > LIST_TAGS_MAX) {
        lv_err_set(err, LV_E_VALIDATION, "1 validation error detected: "
                   "Value '%lld' at 'limit' failed to satisfy constraint: "
                   "Member must have value less than or equal to %d",
                   (long long)limit, LIST_TAGS_MAX);
        goto out;
    }
    if (lv_kms_marker_read(in, "tag", after, sizeof(after), err) < 0 ||
        lv_kms_load_key(rq, in, 0, "ListResourceTags", &k, err) < 0) {
        goto out;
    }
    memset(&p, 0, sizeof(p));
    p.w = w;
    p.limit = (int)limit;
    lv_jw_key(w, "Tags");
    lv_jw_arr_open(w);
    if (lv_store_kms_tag_list(rq->store, k.id, after, p.limit + 1, page_tag,
                              &p, err) < 0) {
        goto out;
    }
    lv_jw_arr_close(w);
    if (p.truncated) {
        lv_kms_marker_write(w, "tag", p.last);
    }
    lv_jw_kbool(w, "Truncated", p.truncated);
    ret = 0;
out:
    lv_kms_key_release(&k);
    return ret;
}

/*
 * index.c: field index policies — PutIndexPolicy, DescribeIndexPolicies,
 * DeleteIndexPolicy and DescribeFieldIndexes (API_*.html of the Logs API
 * reference; "Create field indexes to improve query performance",
 * CloudWatchLogs-Field-Indexing.html), and the effective policy
 * (index_int.h).
 *
 * A group's policy is stored as the client sent it, after validation
 * (fidx.h). Chunks ingested while the group has a policy get an index
 * (ingest.c); DescribeFieldIndexes reads those indexes: for each field of
 * the group's policy that some indexed chunk holds, the earliest and latest
 * event holding it (firstEventTime, lastEventTime) and when its latest
 * index was built (lastScanTime, the chunk's ingestion). Only log groups
 * of the Standard class take a policy (classes.h).
 *
 * The effective policy of a group is its own, else the account-level
 * FIELD_INDEX_POLICY that selects it (AWS: "Log group-level field index
 * policies override account-level field index policies"); no group here
 * has a data source, so no data-source policy adds to it. DescribeIndex-
 * Policies shows that policy with source ACCOUNT and its policyName,
 * as AWS documents ("If a specified log group doesn't have a log-group
 * level index policy, but an account-wide index policy applies to it,
 * that account-wide policy is returned").
 */
#include "logs/logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "logs/acctpol_int.h"
#include "logs/classes.h"
#include "logs/fidx.h"
#include "logs/index_int.h"
#include "logs/logs_int.h"
#include "store/logs_store.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/*
 * The policy in force for g, as stored: the group's own (*name "",
 * *account 0), else the account-level FIELD_INDEX_POLICY that selects it
 * (acctpol_int.h; *name its policyName, *account 1). 1 with doc, *updated
 * filled, 0 when none, -1.
 */
static int lookup(struct lv_req *rq, const struct lv_log_group *g,
                  struct lv_buf *doc, int64_t *updated, char name[256],
                  int *account, struct lv_err *err)
{
    struct lv_log_policy_rec rec;
    int rc;

    name[0] = '\0';
    *account = 0;
    /* g was read from the store: its row says whether it has its own
     * (logs_store.h), so a group without one costs no read here. */
    if (g->has_index_policy) {
        rc = lv_store_logs_index_policy_get(rq->store, g->id, doc, updated,
                                            err);
        if (rc != 0) {
            return rc;
        }
    }
    rc = lv_acctpol_for_group(rq, g, LV_ACCTPOL_FIELD_INDEX, &rec, err);
    if (rc == 1) {
        lv_buf_reset(doc);
        lv_buf_adds(doc, rec.document);
        *updated = rec.from_ms;
        snprintf(name, 256, "%s", rec.name);
        *account = 1;
        lv_log_policy_rec_release(&rec);
    }
    return rc;
}

int lv_logs_index_policy_effective(struct lv_req *rq,
                                   const struct lv_log_group *g,
                                   struct lv_fidx_policy *out,
                                   struct lv_err *err)
{
    struct lv_buf doc = LV_BUF_INIT(LV_FIDX_MAX_DOC + 1);
    struct lv_err perr = LV_ERR_INIT;
    int64_t updated = 0;
    char name[256];
    int account = 0;
    int rc;

    lv_fidx_policy_release(out);
    rc = lookup(rq, g, &doc, &updated, name, &account, err);
    if (rc == 1 &&
        lv_fidx_policy_parse(doc.data, doc.len, out, &perr) < 0) {
        lv_log(LV_LOG_WARN, "logs: stored index policy unreadable "
               "group=%lld account_level=%d req=%s", (long long)g->id,
               account, rq->id);
        rc = 0;
    }
    lv_buf_release(&doc);
    return rc;
}

/* An IndexPolicy; name is "" for the group's own (source LOG_GROUP), an
 * account policy's name otherwise (source ACCOUNT). */
static void write_policy(struct lv_jw *w, const struct lv_log_group *g,
                         const char *doc, int64_t updated, const char *name)
{
    char arn[LV_LOGS_ARN_MAX];

    lv_logs_group_arn(g, 0, arn);
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "logGroupIdentifier", arn);
    lv_jw_kint64(w, "lastUpdateTime", updated);
    lv_jw_kstr(w, "policyDocument", doc);
    if (name[0]) {
        lv_jw_kstr(w, "policyName", name);
    }
    lv_jw_kstr(w, "source", name[0] ? "ACCOUNT" : "LOG_GROUP");
    lv_jw_obj_close(w);
}

/* ---- PutIndexPolicy ------------------------------------------------------ */

int lv_logs_op_put_index_policy(struct lv_req *rq, const json_t *in,
                                struct lv_jw *w, struct lv_err *err)
{
    struct lv_fidx_policy p = LV_FIDX_POLICY_INIT;
    struct lv_log_group g;
    size_t len = 0;
    const char *doc = lv_json_strn(in, "policyDocument", &len);
    int ret = -1;

    if (!doc) {
        return lv_json_req_str(in, "policyDocument", 1, LV_FIDX_MAX_DOC,
                               &doc, err);
    }
    if (lv_logs_find_group(rq, in, &g, err) < 0 ||
        lv_logs_class_check(g.log_group_class, LV_FEAT_FIELD_INDEXES,
                            err) < 0 ||
        lv_fidx_policy_parse(doc, len, &p, err) < 0) {
        goto out;
    }
    if (memchr(doc, '\0', len)) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "Invalid index policy: the policy document must be a "
                   "JSON object.");
        goto out;
    }
    if (lv_store_logs_index_policy_put(rq->store, g.id, doc, rq->now_ms,
                                       err) < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "logs: index policy put group=%lld fields=%zu "
           "req=%s", (long long)g.id, p.n, rq->id);
    lv_jw_key(w, "indexPolicy");
    write_policy(w, &g, doc, rq->now_ms, "");
    ret = 0;
out:
    lv_fidx_policy_release(&p);
    return ret;
}

/* ---- DescribeIndexPolicies ------------------------------------------------ */

int lv_logs_op_describe_index_policies(struct lv_req *rq, const json_t *in,
                                       struct lv_jw *w, struct lv_err *err)
{
    const json_t *ids = lv_json_arr(in, "logGroupIdentifiers");
    struct lv_buf doc = LV_BUF_INIT(LV_FIDX_MAX_DOC + 1);
    struct lv_log_group g;
    const json_t *v;
    size_t i;
    int64_t updated = 0;
    char name[256];
    int account = 0;
    int ret = -1;

    lv_jw_key(w, "indexPolicies");
    lv_jw_arr_open(w);
    json_array_foreach(ids, i, v) {
        int rc;

        if (!json_is_string(v) ||
            lv_logs_find_group_by(rq, json_string_value(v), &g, err) < 0) {
            goto out;
        }
        rc = lookup(rq, &g, &doc, &updated, name, &account, err);
        if (rc < 0) {
            goto out;
        }
        if (rc == 1) {
            write_policy(w, &g, doc.data, updated, name);
        }
    }
    lv_jw_arr_close(w);
    ret = 0;
out:
    lv_buf_release(&doc);
    return ret;
}

/* ---- DeleteIndexPolicy ------------------------------------------------------ */

int lv_logs_op_delete_index_policy(struct lv_req *rq, const json_t *in,
                                   struct lv_jw *w, struct lv_err *err)
{
    struct lv_log_group g;
    int rc;

    (void)w;
    if (lv_logs_find_group(rq, in, &g, err) < 0) {
        return -1;
    }
    rc = lv_store_logs_index_policy_delete(rq->store, g.id, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        /* Undocumented wording: AWS names the missing resource. */
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                          "The specified log group has no index policy.");
    }
    lv_log(LV_LOG_INFO, "logs: index policy deleted group=%lld req=%s",
           (long long)g.id, rq->id);
    return 0;
}

/* ---- DescribeFieldIndexes -------------------------------------------------- */

struct field_stat {
    int seen;
    int64_t first_ts, last_ts, scan_ms;
};

struct fi_walk {
    const struct lv_fidx_policy *p;
    struct field_stat st[LV_FIDX_MAX_FIELDS];
    int64_t scan_ms;            /* of the chunk being read */
};

static void on_field(void *arg, const char *field, size_t len,
                     int64_t first_ts, int64_t last_ts)
{
    struct fi_walk *fw = arg;

    for (size_t i = 0; i < fw->p->n; i++) {
        struct field_stat *s = &fw->st[i];

        if (strlen(fw->p->fields[i]) != len ||
            memcmp(fw->p->fields[i], field, len) != 0) {
            continue;
        }
        if (!s->seen || first_ts < s->first_ts) {
            s->first_ts = first_ts;
        }
        if (!s->seen || last_ts > s->last_ts) {
            s->last_ts = last_ts;
        }
        if (!s->seen || fw->scan_ms > s->scan_ms) {
            s->scan_ms = fw->scan_ms;
        }
        s->seen = 1;
    }
}

static int on_chunk_index(void *arg, int64_t chunk_id, int64_t scan_ms,
                          const void *blob, size_t len)
{
    struct fi_walk *fw = arg;

    (void)chunk_id;
    fw->scan_ms = scan_ms;
    lv_fidx_each_field(blob, len, on_field, fw);
    return 0;
}

int lv_logs_op_describe_field_indexes(struct lv_req *rq, const json_t *in,
                                      struct lv_jw *w, struct lv_err *err)
{
    const json_t *ids = lv_json_arr(in, "logGroupIdentifiers");
    struct lv_fidx_policy p = LV_FIDX_POLICY_INIT;
    struct lv_log_group g;
    char arn[LV_LOGS_ARN_MAX];
    const json_t *v;
    size_t i;
    int ret = -1;

    lv_jw_key(w, "fieldIndexes");
    lv_jw_arr_open(w);
    json_array_foreach(ids, i, v) {
        struct fi_walk fw;
        int rc;

        if (!json_is_string(v) ||
            lv_logs_find_group_by(rq, json_string_value(v), &g, err) < 0) {
            goto out;
        }
        rc = lv_logs_index_policy_effective(rq, &g, &p, err);
        if (rc < 0) {
            goto out;
        }
        if (rc == 0) {
            continue;
        }
        memset(&fw, 0, sizeof(fw));
        fw.p = &p;
        if (lv_store_logs_chunk_index_list(rq->store, g.id, on_chunk_index,
                                           &fw, err) < 0) {
            goto out;
        }
        lv_logs_group_arn(&g, 0, arn);
        for (size_t k = 0; k < p.n; k++) {
            if (!fw.st[k].seen) {
                continue;
            }
            lv_jw_obj_open(w);
            lv_jw_kstr(w, "logGroupIdentifier", arn);
            lv_jw_kstr(w, "fieldIndexName", p.fields[k]);
            lv_jw_kint64(w, "lastScanTime", fw.st[k].scan_ms);
            lv_jw_kint64(w, "firstEventTime", fw.st[k].first_ts);
            lv_jw_kint64(w, "lastEventTime", fw.st[k].last_ts);
            lv_jw_kstr(w, "type", p.facet[k] ? "FACET" : "FIELD_INDEX");
            lv_jw_obj_close(w);
        }
    }
    lv_jw_arr_close(w);
    ret = 0;
out:
    lv_fidx_policy_release(&p);
    return ret;
}

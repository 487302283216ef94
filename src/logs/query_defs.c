/*
 * query_defs.c: PutQueryDefinition, DescribeQueryDefinitions and
 * DeleteQueryDefinition — the saved Logs Insights queries of an account
 * and Region, kept in the store (store/insights_store.h).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_PutQueryDefinition.html (and the two others)
 *
 * PutQueryDefinition without queryDefinitionId creates a definition with a
 * new UUID; with one it replaces that definition whole ("No current values
 * are retained": logGroupNames left out means none), and an id that does
 * not exist is ResourceNotFoundException. At most
 * LV_QUERY_MAX_DEFINITIONS per account and Region
 * (LimitExceededException). The query string is stored as given, not
 * parsed (AWS does not answer MalformedQueryException here). parameters
 * (query parameters with {{name}} placeholders) are refused with
 * InvalidParameterException: logvault does not substitute them, and
 * storing them to ignore them would run a different query. clientToken is
 * accepted and not used (no request is applied twice here: a retried
 * create makes a second definition, as without a token).
 */
#include "logs/logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "crypto/crypto.h"
#include "logs/groups_int.h"
#include "logs/query_int.h"
#include "store/insights_store.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

#define DESCRIBE_DEFAULT_MAX 1000

static const char no_def[] = "The specified query definition does not exist.";

static int check_language(const char *lang, struct lv_err *err)
{
    if (!lang || strcmp(lang, "CWLI") == 0) {
        return 0;
    }
    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "Query language %s is not supported: logvault runs "
                      "Logs Insights QL queries only (queryLanguage CWLI).",
                      lang);
}

int lv_logs_op_put_query_definition(struct lv_req *rq, const json_t *in,
                                    struct lv_jw *w, struct lv_err *err)
{
    const char *name = NULL;
    const char *text = NULL;
    const char *id = lv_json_str(in, "queryDefinitionId");
    const json_t *groups = lv_json_arr(in, "logGroupNames");
    const json_t *params = lv_json_arr(in, "parameters");
    struct lv_query_def d;
    struct lv_query_def old;
    struct lv_buf names = LV_BUF_INIT(SIZE_MAX);
    int64_t count = 0;
    int found;
    int ret = -1;

    memset(&d, 0, sizeof(d));
    memset(&old, 0, sizeof(old));
    if (lv_json_req_str(in, "name", 1, 255, &name, err) < 0 ||
        lv_json_req_str(in, "queryString", 1, 10000, &text, err) < 0 ||
        check_language(lv_json_str(in, "queryLanguage"), err) < 0) {
        goto out;
    }
    if (params && json_array_size(params) > 0) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "Query parameters are not supported by logvault.");
        goto out;
    }
    if (!groups) {
        lv_buf_adds(&names, "[]");
    } else if (lv_json_dump_to_buf(groups, &names) < 0) {
        lv_err_set(err, LV_E_INVALID_PARAMETER, "logGroupNames is too long.");
        goto out;
    }
    snprintf(d.account, sizeof(d.account), "%s", rq->who.account);
    snprintf(d.region, sizeof(d.region), "%s", rq->region);
    snprintf(d.name, sizeof(d.name), "%s", name);
    snprintf(d.language, sizeof(d.language), "CWLI");
    d.query_string = (char *)text;
    d.log_group_names = names.data;
    d.last_modified_ms = rq->now_ms;
    if (lv_store_begin(rq->store, err) < 0) {
        goto out;
    }
    if (id) {
        if (strlen(id) >= sizeof(d.id)) {
            found = 0;
        } else {
            found = lv_store_insights_def_get(rq->store, rq->who.account,
                                              rq->region, id, &old, err);
        }
        if (found <= 0) {
            lv_store_rollback(rq->store);
            if (found == 0) {
                lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_def);
            }
            goto out;
        }
        snprintf(d.id, sizeof(d.id), "%s", id);
    } else {
        if (lv_store_insights_def_count(rq->store, rq->who.account,
                                        rq->region, &count, err) < 0) {
            lv_store_rollback(rq->store);
            goto out;
        }
        if (count >= LV_QUERY_MAX_DEFINITIONS) {
            lv_store_rollback(rq->store);
            lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                       "The maximum number of query definitions (%d) has "
                       "been reached.", LV_QUERY_MAX_DEFINITIONS);
            goto out;
        }
        lv_uuid4(d.id);
    }
    if (lv_store_insights_def_put(rq->store, &d, err) < 0) {
        lv_store_rollback(rq->store);
        goto out;
    }
    if (lv_store_commit(rq->store, err) < 0) {
        goto out;
    }
    lv_jw_kstr(w, "queryDefinitionId", d.id);
    ret = 0;
out:
    /* d borrows its strings; old owns what the store read. */
    lv_query_def_release(&old);
    lv_buf_release(&names);
    return ret;
}

struct ddefs {
    struct lv_jw *w;
    int n, max;
    char last_name[sizeof(((struct lv_query_def *)0)->name)];
    char last_id[37];
};

static int def_each(void *arg, const struct lv_query_def *q)
{
    struct ddefs *d = arg;
    struct lv_jw *w = d->w;

    if (d->n == d->max) {
        return 1;
    }
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "queryLanguage", q->language[0] ? q->language : "CWLI");
    lv_jw_kstr(w, "queryDefinitionId", q->id);
    lv_jw_kstr(w, "name", q->name);
    lv_jw_kstr(w, "queryString", q->query_string ? q->query_string : "");
    lv_jw_kint64(w, "lastModified", q->last_modified_ms);
    lv_jw_key(w, "logGroupNames");
    if (q->log_group_names && q->log_group_names[0]) {
        lv_jw_raw(w, q->log_group_names, strlen(q->log_group_names));
    } else {
        lv_jw_arr_open(w);
        lv_jw_arr_close(w);
    }
    lv_jw_obj_close(w);
    d->n++;
    snprintf(d->last_name, sizeof(d->last_name), "%s", q->name);
    snprintf(d->last_id, sizeof(d->last_id), "%s", q->id);
    return 0;
}

int lv_logs_op_describe_query_definitions(struct lv_req *rq, const json_t *in,
                                          struct lv_jw *w, struct lv_err *err)
{
    static const char kind[] = "DescribeQueryDefinitions";
    const char *prefix = lv_json_str(in, "queryDefinitionNamePrefix");
    const char *lang = lv_json_str(in, "queryLanguage");
    char cursor[LV_LOGS_CURSOR_MAX];
    char scope[600];
    char next[1100];            /* id ":" name: 36 + 1 + 1,020 */
    const char *after_name = "";
    const char *after_id = "";
    int64_t max = DESCRIBE_DEFAULT_MAX;
    struct ddefs d;
    int has;
    int rc;

    memset(&d, 0, sizeof(d));
    lv_json_int64(in, "maxResults", &max);
    snprintf(scope, sizeof(scope), "%s|%s", prefix ? prefix : "",
             lang ? lang : "");
    has = lv_logs_token_read(rq, in, kind, scope, cursor, err);
    if (has < 0) {
        return -1;
    }
    if (has) {
        /* "ID:NAME", the id a UUID of 36 characters. */
        if (strlen(cursor) < 37 || cursor[36] != ':') {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "The specified nextToken is invalid.");
        }
        cursor[36] = '\0';
        after_id = cursor;
        after_name = cursor + 37;
    }
    d.w = w;
    d.max = (int)max;
    lv_jw_key(w, "queryDefinitions");
    lv_jw_arr_open(w);
    rc = lv_store_insights_def_list(rq->store, rq->who.account, rq->region,
                                    prefix ? prefix : "", lang ? lang : "",
                                    after_name, after_id, d.max + 1,
                                    def_each, &d, err);
    if (rc < 0) {
        return -1;
    }
    lv_jw_arr_close(w);
    if (rc == 1) {
        snprintf(next, sizeof(next), "%s:%s", d.last_id, d.last_name);
        lv_logs_token_write(rq, w, kind, scope, next);
    }
    return 0;
}

int lv_logs_op_delete_query_definition(struct lv_req *rq, const json_t *in,
                                       struct lv_jw *w, struct lv_err *err)
{
    const char *id = NULL;
    int rc;

    if (lv_json_req_str(in, "queryDefinitionId", 1, 256, &id, err) < 0) {
        return -1;
    }
    rc = strlen(id) < 37
             ? lv_store_insights_def_delete(rq->store, rq->who.account,
                                            rq->region, id, err)
             : 0;
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_def);
    }
    lv_jw_kbool(w, "success", 1);
    return 0;
}

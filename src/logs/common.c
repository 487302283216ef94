#include "logs/logs_int.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/json.h"

void lv_logs_group_arn(const struct lv_log_group *g, int star, char *out)
{
    snprintf(out, LV_LOGS_ARN_MAX, "arn:aws:logs:%s:%s:log-group:%s%s",
             g->region, g->account, g->name, star ? ":*" : "");
}

static int not_found(struct lv_err *err)
{
    return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                      "The specified log group does not exist.");
}

int lv_logs_find_group_by(struct lv_req *rq, const char *id,
                          struct lv_log_group *g, struct lv_err *err)
{
    char prefix[200];
    char name[LV_LOGS_MAX_NAME + 1];
    size_t plen;
    size_t nlen;
    int found;

    if (strncmp(id, "arn:", 4) == 0) {
        plen = (size_t)snprintf(prefix, sizeof(prefix),
                                "arn:aws:logs:%s:%s:log-group:", rq->region,
                                rq->who.account);
        if (strncmp(id, prefix, plen) != 0) {
            /* Another account's or region's group, or not a group ARN. */
            return not_found(err);
        }
        id += plen;
        nlen = strlen(id);
        if (nlen >= 2 && strcmp(id + nlen - 2, ":*") == 0) {
            nlen -= 2;
        }
        if (nlen == 0 || nlen > LV_LOGS_MAX_NAME) {
            return not_found(err);
        }
        memcpy(name, id, nlen);
        name[nlen] = '\0';
        id = name;
    }
    found = lv_store_logs_group_get(rq->store, rq->who.account, rq->region,
                                    id, g, err);
    if (found < 0) {
        return -1;
    }
    return found ? 0 : not_found(err);
}

int lv_logs_find_stream(struct lv_req *rq, const struct lv_log_group *g,
                        const char *name, struct lv_log_stream *st,
                        struct lv_err *err)
{
    int found = name ? lv_store_logs_stream_get(rq->store, g->id, name, st,
                                                err)
                     : 0;

    if (found < 0) {
        return -1;
    }
    if (!found) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                          "The specified log stream does not exist.");
    }
    return 0;
}

int lv_logs_find_group(struct lv_req *rq, const json_t *in,
                       struct lv_log_group *g, struct lv_err *err)
{
    const char *name = lv_json_str(in, "logGroupName");
    const char *ident = lv_json_str(in, "logGroupIdentifier");

    if (name && ident) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "LogGroup name and LogGroup identifier are mutually"
                          " exclusive parameters.");
    }
    if (!name && !ident) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Either LogGroup name or LogGroup identifier must "
                          "be specified.");
    }
    return lv_logs_find_group_by(rq, name ? name : ident, g, err);
}

void lv_logs_kms_call(struct lv_req *rq, struct lv_kms_service_call *c,
                      char service[128])
{
    snprintf(service, 128, "logs.%s.amazonaws.com", rq->region);
    c->app = rq->app;
    c->store = rq->store;
    c->service = service;
    c->account = rq->who.account;
    c->region = rq->region;
    c->request_id = rq->id;
    c->now = rq->now;
    c->trace = &rq->trace;
}

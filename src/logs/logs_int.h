/*
 * logs_int: what the Logs handlers share — finding the log group a request
 * names (logGroupName, or logGroupIdentifier as a name or an ARN) and a
 * stream of it, the ARNs AWS shows, the KMS service call the Logs service
 * makes as the principal logs.<region>.amazonaws.com, and the service
 * object that owns the Logs state (struct lv_logs).
 */
#ifndef LV_LOGS_LOGS_INT_H
#define LV_LOGS_LOGS_INT_H

#include <stddef.h>

#include "kms/kms.h"
#include "store/logs_store.h"
#include "svc/req.h"

struct json_t;
struct lv_datakey_cache;
struct lv_keyring;
struct lv_logs_committer;
struct lv_logs_livetail;
struct lv_logs_queries;
struct lv_logs_sched;
struct lv_logs_anomaly;
struct lv_logs_retention;

/* What lv_logs_new() makes (logs.h); handlers reach it as
 * rq->app->logs. */
struct lv_logs {
    struct lv_store *store;
    const struct lv_keyring *keyring;   /* paging tokens, service key */
    const struct lv_kms_client *kms;    /* every call Logs makes to KMS */
    struct lv_datakey_cache *datakeys;  /* datakey.h */
    struct lv_logs_committer *committer;    /* events_int.h */
    struct lv_logs_retention *retention;    /* NULL until started */
    struct lv_logs_queries *queries;    /* Insights' runner pool and
                                         * sweeper (query_int.h); NULL
                                         * until started */
    struct lv_logs_livetail *livetail;  /* live tail sessions
                                         * (livetail.h) */
    struct lv_logs_anomaly *anomaly;    /* anomaly detectors' evaluator
                                         * (anomaly_int.h); NULL until
                                         * started */
    struct lv_logs_sched *sched;        /* scheduled queries' scheduler
                                         * (sched_int.h); NULL until
                                         * started */
};

/* "arn:aws:logs:REGION:ACCOUNT:log-group:NAME" with ":*" when `star`
 * (the `arn` member of DescribeLogGroups), without (logGroupArn, and the
 * aws:logs:arn encryption context). out has room for 700 bytes. */
#define LV_LOGS_ARN_MAX 700
void lv_logs_group_arn(const struct lv_log_group *g, int star, char *out);

/*
 * The group that `in` names through logGroupName or logGroupIdentifier (a
 * name, or an ARN with or without ":*" — of rq's account and region), in
 * rq's scope. Both given → InvalidParameterException; neither →
 * InvalidParameterException; missing → ResourceNotFoundException "The
 * specified log group does not exist.". Fills *g.
 */
int lv_logs_find_group(struct lv_req *rq, const struct json_t *in,
                       struct lv_log_group *g, struct lv_err *err);

/* Same, for a name or ARN already read. */
int lv_logs_find_group_by(struct lv_req *rq, const char *name_or_arn,
                          struct lv_log_group *g, struct lv_err *err);

/*
 * The stream called `name` in group g: fills *st and returns 0. No such
 * stream (or a NULL name) → ResourceNotFoundException "The specified log
 * stream does not exist."; a store fault → -1 with its error.
 */
int lv_logs_find_stream(struct lv_req *rq, const struct lv_log_group *g,
                        const char *name, struct lv_log_stream *st,
                        struct lv_err *err);

/* This node's name in the rows that say which node holds something (a
 * running query, a Live Tail session): "<host>/<pid>", into out. */
void lv_logs_node_name(char out[64]);

/* The KMS service call of this request: principal
 * logs.<rq->region>.amazonaws.com acting for rq's account. `service` is
 * caller storage of 128 bytes that c points into. */
void lv_logs_kms_call(struct lv_req *rq, struct lv_kms_service_call *c,
                      char service[128]);

#endif

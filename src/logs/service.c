/*
 * service.c: the Logs service object (logs.h) — made and torn down by
 * serve.
 */
#include "logs/logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "logs/datakey.h"
#include "logs/events_int.h"
#include "logs/livetail.h"
#include "logs/logs_int.h"
#include "logs/query_int.h"
#include "logs/retention.h"
#include "logs/anomaly_int.h"
#include "logs/sched_int.h"
#include "util/err.h"
#include "util/mem.h"

struct lv_logs *lv_logs_new(struct lv_store *s, const struct lv_keyring *kr,
                            const struct lv_kms_client *kms)
{
    struct lv_logs *logs = lv_xcalloc(1, sizeof(*logs));

    logs->store = s;
    logs->keyring = kr;
    logs->kms = kms;
    logs->datakeys = lv_datakey_cache_new();
    logs->committer = lv_logs_committer_new(s);
    logs->livetail = lv_logs_livetail_new();
    return logs;
}

int lv_logs_start(struct lv_logs *logs, struct lv_app *app,
                  int retention_ms, struct lv_err *err)
{
    if (lv_logs_commit_start(logs->committer, err) < 0) {
        return -1;
    }
    logs->retention = lv_logs_retention_start(app, retention_ms);
    if (!logs->retention) {
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "cannot start the Logs retention task");
    }
    logs->queries = lv_logs_queries_start(app);
    if (!logs->queries) {
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "cannot start the Logs Insights runners");
    }
    logs->sched = lv_logs_sched_start(app);
    if (!logs->sched) {
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "cannot start the scheduled queries' scheduler");
    }
    logs->anomaly = lv_logs_anomaly_start(app);
    if (!logs->anomaly) {
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "cannot start the anomaly detectors' evaluator");
    }
    return 0;
}

void lv_logs_free(struct lv_logs *logs)
{
    if (!logs) {
        return;
    }
    lv_logs_anomaly_stop(logs->anomaly);
    lv_logs_sched_stop(logs->sched);
    lv_logs_queries_stop(logs->queries);
    lv_logs_retention_stop(logs->retention);
    lv_logs_committer_free(logs->committer);
    lv_datakey_cache_free(logs->datakeys);
    lv_logs_livetail_free(logs->livetail);
    free(logs);
}

void lv_logs_node_name(char out[64])
{
    char host[48];

    if (gethostname(host, sizeof(host)) < 0) {
        snprintf(host, sizeof(host), "node");
    }
    host[sizeof(host) - 1] = '\0';
    snprintf(out, 64, "%s/%ld", host, (long)getpid());
}

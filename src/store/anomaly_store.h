/*
 * anomaly_store: CloudWatch Logs anomaly detectors and their anomalies in
 * the store (schema component "anomaly") — CreateLogAnomalyDetector and
 * the other detector operations, ListAnomalies, UpdateAnomaly, and what
 * the evaluator (logs/anomaly_run.c) reads and writes.
 *
 * A detector is scoped by (account, region) and named by its id (the
 * last part of its ARN). Its definition, its baseline and its state are
 * one JSON object, `doc`, that the Logs service writes and reads whole
 * (logs/anomaly_int.h); the store indexes next_ms, the end of the next
 * window to evaluate (-1: none, the detector is disabled). An anomaly is
 * one row per (detector, pattern id), its members (the Anomaly shape) one
 * JSON object.
 *
 * Every function acts on the calling thread's connection and joins a
 * transaction opened with lv_store_begin(). Functions returning int
 * answer 0 (or 1 found, done / 0 absent, as each says) and -1 with *err
 * (LV_E_SERVICE_UNAVAILABLE) on a store fault. Walks call fn on each row;
 * fn's non-zero return stops the walk and is returned. The operations are
 * listed in anomaly_ops.def.
 */
#ifndef LV_STORE_ANOMALY_STORE_H
#define LV_STORE_ANOMALY_STORE_H

#include <stddef.h>
#include <stdint.h>

struct lv_err;
struct lv_store;

struct lv_anomaly_det {
    char account[13];
    char region[64];
    char id[37];
    int64_t next_ms;
    int64_t created_ms;
    int64_t updated_ms;
    char *doc;
};

struct lv_anomaly_row {
    char account[13];
    char region[64];
    char detector[37];
    char pattern_id[33];
    char *doc;
};

void lv_anomaly_det_release(struct lv_anomaly_det *d);
void lv_anomaly_row_release(struct lv_anomaly_row *a);

typedef int (*lv_anomaly_det_fn)(void *arg, const struct lv_anomaly_det *d);
typedef int (*lv_anomaly_row_fn)(void *arg, const struct lv_anomaly_row *a);

/* 1 inserted, 0 the id exists. */
int lv_store_anomaly_det_insert(struct lv_store *s,
                                const struct lv_anomaly_det *d,
                                struct lv_err *err);
/* Sets next_ms, updated_ms and doc: 1, 0 absent. */
int lv_store_anomaly_det_update(struct lv_store *s,
                                const struct lv_anomaly_det *d,
                                struct lv_err *err);
/* 1 found, 0 absent. */
int lv_store_anomaly_det_get(struct lv_store *s, const char *account,
                             const char *region, const char *id,
                             struct lv_anomaly_det *out, struct lv_err *err);
/* The detectors of (account, region) by id after after_id, at most limit
 * (> 0). */
int lv_store_anomaly_det_list(struct lv_store *s, const char *account,
                              const char *region, const char *after_id,
                              int limit, lv_anomaly_det_fn fn, void *arg,
                              struct lv_err *err);
/* Deletes the detector and its anomalies: 1, 0 absent. */
int lv_store_anomaly_det_delete(struct lv_store *s, const char *account,
                                const char *region, const char *id,
                                struct lv_err *err);
/* Every detector of every scope with 0 <= next_ms <= now_ms, at most
 * limit (> 0). */
int lv_store_anomaly_det_due(struct lv_store *s, int64_t now_ms, int limit,
                             lv_anomaly_det_fn fn, void *arg,
                             struct lv_err *err);
/* Inserts or replaces the anomaly of (detector, pattern id). */
int lv_store_anomaly_put(struct lv_store *s, const struct lv_anomaly_row *a,
                         struct lv_err *err);
/* The anomalies of one detector (detector "" : of every detector of the
 * scope), by (detector, pattern id), at most limit (> 0). */
int lv_store_anomaly_list(struct lv_store *s, const char *account,
                          const char *region, const char *detector,
                          int limit, lv_anomaly_row_fn fn, void *arg,
                          struct lv_err *err);

#endif

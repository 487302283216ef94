/*
 * anomaly_int.h: log anomaly detectors inside the Logs service — the
 * handlers (anomaly_detector.c, anomaly_list.c) and the evaluator
 * (anomaly_run.c) share the detector's layout.
 *
 * A detector's `doc` (anomaly_store.h) holds the API's members
 * (detectorName, logGroupArnList, evaluationFrequency, filterPattern,
 * anomalyVisibilityTime, enabled) and logvault's own: "owner" (as a
 * scheduled query's, sched_int.h: the principal whose rights its reads
 * use), "windowMs" (the evaluation window), "windows" (windows evaluated
 * so far), "lastWindowEnd" (epoch ms), "baseline" (pattern id → the
 * counts of its last LV_ANOMALY_BASELINE windows, oldest first),
 * "patterns" (pattern id → its pattern string).
 * An anomaly's `doc` holds the Anomaly shape's members and
 * "suppressedInfinite".
 */
#ifndef LV_LOGS_ANOMALY_INT_H
#define LV_LOGS_ANOMALY_INT_H

#include <stdint.h>

struct json_t;
struct lv_app;
struct lv_err;
struct lv_req;

/* "arn:aws:logs:REGION:ACCOUNT:anomaly-detector:ID". */
#define LV_ANOMALY_ARN_MAX 200
void lv_logs_anomaly_arn(const char *region, const char *account,
                         const char *id, char out[LV_ANOMALY_ARN_MAX]);

/* The detector id an ARN of rq's scope names into id[37]: 0, or -1. */
int lv_logs_anomaly_id_of(const struct lv_req *rq, const char *arn,
                          char id[37]);

/*
 * The detector's KMS key (doc's "kmsKeyId", a key ARN), if it has one:
 * may the Logs service (logs.<region>.amazonaws.com) use it for `action`
 * ("Decrypt" to read the detector's findings, "GenerateDataKey" to write
 * them), with the encryption context {"aws:logs:arn": <detector ARN>}, now?
 * Asked on every ListAnomalies, UpdateAnomaly and evaluated window, so a
 * disabled key, one pending deletion or a policy that no longer allows
 * Logs stops them at once (AWS documents only that the data "can no longer
 * be retrieved"; the strictest reading). 0 allowed or no key; -1 with the
 * Logs error (lv_logs_kms_key_error). rq gives the scope.
 */
int lv_logs_anomaly_key_check(struct lv_req *rq, const char *detector_id,
                              const struct json_t *doc, const char *action,
                              struct lv_err *err);

/*
 * The detector's data key (anomaly_seal.c): with a KMS key, what the
 * detector keeps that comes from log events — its doc's "patterns", and
 * each anomaly's patternString, patternTokens and logSamples — is kept
 * sealed under a data key of that KMS key ("sealed" members).
 */
struct lv_anomaly_key {
    int on;                     /* 0: the detector has no KMS key */
    uint8_t key[32];
};

/* Makes the data key of a new detector under key_arn (GenerateDataKey as
 * the Logs service, context the detector's ARN) and keeps its KMS blob in
 * doc ("dataKey"): 0, or -1 with the Logs error. */
int lv_logs_anomaly_key_new(struct lv_req *rq, const char *detector_id,
                            const char *key_arn, struct json_t *doc,
                            struct lv_err *err);

/* The plaintext data key of the detector (doc: its record) into *k, which
 * the caller wipes with lv_logs_anomaly_key_wipe; k->on 0 when it has no
 * KMS key. KMS Decrypt is asked every time, so this fails as soon as the
 * key can no longer be used: -1 with the Logs error
 * (lv_logs_kms_key_error), or ServiceUnavailableException for a record
 * whose data key is unreadable (logged). */
int lv_logs_anomaly_key_open(struct lv_req *rq, const char *detector_id,
                             const struct json_t *doc,
                             struct lv_anomaly_key *k, struct lv_err *err);
void lv_logs_anomaly_key_wipe(struct lv_anomaly_key *k);

/* Moves the `members` (NULL-terminated) of obj into its "sealed" member,
 * encrypted under k and bound to (detector_id, what); nothing when k->on
 * is 0. */
void lv_logs_anomaly_seal(const struct lv_anomaly_key *k,
                          const char *detector_id, const char *what,
                          struct json_t *obj, const char *const members[]);

/* The reverse: puts the sealed members back into obj and drops "sealed";
 * 0 (also when nothing is sealed), or -1 with ServiceUnavailableException
 * when it does not open under k (logged). */
int lv_logs_anomaly_unseal(const struct lv_anomaly_key *k,
                           const char *detector_id, const char *what,
                           struct json_t *obj, struct lv_err *err);

/* Windows of history a pattern's baseline keeps. */
#define LV_ANOMALY_BASELINE 24

/*
 * The window of an evaluationFrequency, in ms (ONE_MIN … ONE_HOUR), or
 * -1. When the environment variable LOGVAULT_TEST_ANOMALY_WINDOW_MS is
 * set to N (100 to 60000) when the server starts — tests only,
 * 3202-anomaly-detectors.py — every window is N ms, and a new detector's
 * first window starts LV_ANOMALY_TEST_BACKFILL windows before its
 * creation, so that a test can write events into past windows and read
 * the verdicts without waiting.
 */
int64_t lv_logs_anomaly_window_ms(const char *frequency);
int lv_logs_anomaly_test_mode(void);
#define LV_ANOMALY_TEST_BACKFILL 10

/* The evaluator: a ticker under the store lease "logs.anomaly". */
struct lv_logs_anomaly;
struct lv_logs_anomaly *lv_logs_anomaly_start(struct lv_app *app);
void lv_logs_anomaly_stop(struct lv_logs_anomaly *a);

#endif

/*
 * audit: the recorder of the audit trail (issue 13 §1) — struct lv_audit,
 * created and freed by serve like the services, and the hooks through
 * which requests reach it.
 *
 * What a record says is src/audit/event.c's (lv_audit_event_build); its
 * place in its (account, region) hash chain is src/audit/chain.c's
 * (lv_audit_chain_append); the store keeps it (store/audit_store.h). This
 * module decides when a request is recorded and in which transaction:
 *
 *  - a request that changes something (readOnly false) and succeeds: its
 *    record is appended in the same transaction as the change, which the
 *    front opens before the handler (lv_audit_req_begin) and commits
 *    after the record (lv_audit_req_done). The change and its record reach
 *    the store together or not at all. One exception: a raw-body handler
 *    (PutLogEvents, a data event) commits on the Logs group committer's
 *    thread, not the request's; its record, when data events are
 *    recorded, goes through the writer after the commit acknowledged it.
 *  - a request that failed (refused, invalid, or a change rolled back):
 *    nothing of it was kept; its record (errorCode, errorMessage) goes
 *    through the asynchronous writer.
 *  - a read-only request (Describe*, List*, Encrypt, Decrypt …): through
 *    the asynchronous writer, which group-commits records in batches (like
 *    the Logs committer, src/logs/commit.c, but letting a batch gather for
 *    up to 200 ms: nobody waits for it), so that a busy Encrypt path
 *    shares one commit among many records, which does not wait for the
 *    disk (lv_store_begin_relaxed). A record queued is written unless the
 *    process dies first: a clean stop writes them all; a batch written
 *    is kept unless the operating system crashes (or the power fails)
 *    before the store's log is next flushed, which any later change's
 *    commit does.
 *  - a call the Logs service makes to KMS for a group (src/kms/internal.c):
 *    recorded as AWS records them (userIdentity AWSService, invokedBy
 *    logs.amazonaws.com, the encryption context in requestParameters),
 *    through the writer: each GenerateDataKey, Decrypt and DescribeKey,
 *    allowed or refused, and each refused check that the service may
 *    still use a key (as the refused call of that action, which is what
 *    the service's call would be on AWS); an allowed check uses nothing
 *    and is not recorded.
 *  - what KMS does on its own (the sweeper's automatic rotation of a key
 *    and its deletion of a key whose waiting period ended): an
 *    AwsServiceEvent record (event.h), appended in the transaction of the
 *    change, like a request's change (lv_audit_service_event).
 *
 * Data events (PutLogEvents, GetLogEvents, FilterLogEvents …) are recorded
 * only when serve runs with --audit-data-events, as CloudTrail records
 * them only when a trail asks for them. Records are kept 90 days (the
 * retention task) and each chain's head is signed at an interval (the
 * digest task); each of those tasks runs on one node at a time (a store
 * lease).
 *
 * Never logged: a record's content (its event text may name what a caller
 * asked for); log lines name the request id and the count only.
 */
#ifndef LV_AUDIT_AUDIT_H
#define LV_AUDIT_AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct lv_err;
struct lv_keyring;
struct lv_kv;
struct lv_req;
struct lv_store;

struct lv_audit;
struct lv_audit_service_event;

/* CloudTrail's event history keeps 90 days. */
#define LV_AUDIT_RETENTION_MS (90LL * 24 * 3600 * 1000)

struct lv_audit_config {
    int data_events;            /* --audit-data-events */
    int task_interval_ms;       /* how often the digest and retention task
                                 * wakes (> 0) */
    int64_t digest_interval_ms; /* a chain's head is signed at most this
                                 * often (CloudTrail: hourly) */
};

/* The recorder for store s, records chained and digests signed with keys
 * of kr; s and kr outlive it. Nothing runs before lv_audit_start(). */
struct lv_audit *lv_audit_new(struct lv_store *s, const struct lv_keyring *kr,
                              const struct lv_audit_config *cfg);

/* Starts the writer thread and the digest and retention task. 0, or -1
 * with *err (LV_E_SERVICE_UNAVAILABLE) when a thread cannot start. */
int lv_audit_start(struct lv_audit *a, struct lv_err *err);

/* Stops the task, writes every record still queued (a clean stop loses
 * none), stops the writer and frees a. NULL is a no-op. No request may be
 * in flight (serve stops the front first). */
void lv_audit_free(struct lv_audit *a);

/* ---- the front's hook (src/http/server.c process(), record.c) ---------- */

/*
 * What the front keeps of one request between the hooks. Zero it
 * (LV_AUDIT_REQ_INIT) before routing.
 */
struct lv_audit_req {
    int recorded;               /* the request is to be recorded */
    int in_txn;                 /* the front opened its transaction */
    int read_only;
};

#define LV_AUDIT_REQ_INIT { 0, 0, 0 }

/*
 * After routing and validation, before the handler: decides whether rq is
 * recorded, and for a recorded change opens the transaction (a store
 * transaction on rq's thread, which the handler's own begin/commit nest
 * in). raw_body: the handler is an LV_HANDLER_RAW_BODY one (see above).
 * 0, or -1 with *err when the transaction cannot be opened (the request is
 * then answered with that error and recorded as failed). a may be NULL (no
 * recorder: nothing happens).
 */
int lv_audit_req_begin(struct lv_audit *a, struct lv_req *rq, int raw_body,
                       struct lv_audit_req *ar, struct lv_err *err);

/*
 * The handler succeeded with `response` (the JSON text of its output
 * object, len bytes): for a change in its transaction, appends the record
 * and commits — 0, or -1 with *err when either failed (everything is then
 * rolled back: the caller answers the error and reports it with
 * lv_audit_req_failed, with in_txn cleared here). Otherwise hands the
 * record to the writer and returns 0.
 */
int lv_audit_req_done(struct lv_audit *a, struct lv_req *rq,
                      struct lv_audit_req *ar, const char *response,
                      size_t len, struct lv_err *err);

/*
 * The request failed with *failure (the error the client reads): rolls
 * back the transaction if one is open, then records the failure through
 * the writer. Requests that never reached routing (rq->op NULL: an
 * unauthenticated or unroutable request) are not recorded, as CloudTrail
 * has no service to record them under.
 */
void lv_audit_req_failed(struct lv_audit *a, struct lv_req *rq,
                         struct lv_audit_req *ar,
                         const struct lv_err *failure);

/* ---- the KMS client's hook (src/kms/internal.c) ------------------------ */

/*
 * A call the service rq->who.service made to KMS for rq->who.account
 * (rq as internal.c fills it: no source address, no input document):
 * `op` ("GenerateDataKey", "Decrypt", "DescribeKey" …), the encryption
 * context it passed (recorded in requestParameters, as AWS does), the key
 * it resolved to (NULL if none), and failure (NULL when it succeeded).
 * Recorded through the writer. a may be NULL.
 */
void lv_audit_service_call(struct lv_audit *a, const struct lv_req *rq,
                           const char *op, const char *key_ref,
                           const struct lv_kv *ctx, size_t n_ctx,
                           const char *key_arn,
                           const struct lv_err *failure);

/* ---- KMS's own actions (src/kms/sweeper.c) ---------------------------- */

/*
 * Records ev (audit/event.h: RotateKey, DeleteKey) in the calling
 * thread's open store transaction, the one that makes the change ev
 * describes: the change and its record commit together or not at all.
 * 0, or -1 with *err (the record could not be built or appended: the
 * caller rolls its change back). a NULL (the trail is off): nothing is
 * recorded, 0.
 */
int lv_audit_service_event(struct lv_audit *a,
                           const struct lv_audit_service_event *ev,
                           struct lv_err *err);

#endif

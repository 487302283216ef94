/*
 * record.c: the recorder's hooks (audit.h) — the front's, around a
 * request's handler, and the KMS client's, for a call the Logs service
 * makes for a group. Each turns what happened into the input of
 * lv_audit_event_build (event.h) and the record into either an append in
 * the request's own transaction or a job for the writer (audit.c).
 */
#include "audit/audit_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/chain.h"
#include "audit/event.h"
#include "crypto/crypto.h"
#include "model/model.h"
#include "store/audit_store.h"
#include "store/store.h"
#include "svc/req.h"
#include "util/err.h"
#include "util/json_pick.h"
#include "util/log.h"
#include "util/mem.h"

/* Response members that hold a plaintext or a private key: taken out of
 * the parsed response (wiped first) before anything reads it, so that the
 * only copy left is the answer itself. No record names them (event.c). */
static const char *const secret_members[] = {
    "Plaintext", "PrivateKeyPlaintext", NULL,
};

static int is_kms(const struct lv_req *rq)
{
    return rq->svc == &lv_model_kms;
}

static int data_event(const struct lv_req *rq)
{
    return lv_audit_is_data_event(rq->svc->signing_name, rq->op->name);
}

/* Whether rq is recorded at all: after routing (a service and an
 * operation to record it under), data events only when asked for. */
static int wanted(const struct lv_audit *a, const struct lv_req *rq)
{
    return a && rq->svc && rq->op &&
           (lv_audit_config_of(a)->data_events || !data_event(rq));
}

/* The log group a Logs request names, as an ARN, in buf (256 bytes);
 * NULL when it names none. logGroupIdentifier may be an ARN already. */
static const char *group_arn_of(const struct lv_req *rq, const json_t *in,
                                char *buf, size_t size)
{
    const char *name;

    if (is_kms(rq) || !json_is_object(in)) {
        return NULL;
    }
    name = json_string_value(json_object_get(in, "logGroupName"));
    if (!name) {
        name = json_string_value(json_object_get(in, "logGroupIdentifier"));
    }
    if (!name || !name[0]) {
        return NULL;
    }
    if (strncmp(name, "arn:", 4) == 0) {
        snprintf(buf, size, "%s", name);
    } else {
        snprintf(buf, size, "arn:aws:logs:%s:%s:log-group:%s", rq->region,
                 rq->who.account, name);
    }
    return buf;
}

/* The account that owns the key rq used when it is not the principal's
 * and the request is recorded in that account's trail too, into out (13
 * bytes): CloudTrail logs "cross-account operations on KMS keys ... in
 * both the caller account and the KMS key owner account. However,
 * cross-account AWS KMS requests that are rejected because access is
 * denied are logged only in the caller's account" (KMS developer guide,
 * "Logging AWS KMS API calls with AWS CloudTrail"). NULL when there is no
 * second record to make. */
static const char *key_owner(const struct lv_req *rq,
                             const struct lv_err *failure, char out[13])
{
    const char *p = rq->key_arn;
    size_t n;

    if (failure && failure->code == LV_E_ACCESS_DENIED) {
        return NULL;
    }
    /* arn:aws:kms:REGION:ACCOUNT:key/ID */
    for (int i = 0; i < 4 && p; i++) {
        p = strchr(p, ':');
        p = p ? p + 1 : NULL;
    }
    if (!p || strncmp(rq->key_arn, "arn:", 4) != 0 ||
        (n = strcspn(p, ":")) != 12 || p[n] != ':') {
        return NULL;
    }
    memcpy(out, p, n);
    out[n] = '\0';
    return strcmp(out, rq->who.account) != 0 ? out : NULL;
}

/* The input of rq's record (event.h) into *in, for the trail of
 * `recipient` (NULL: the principal's account) with sharedEventID `shared`
 * (NULL: none); group: room for the group's ARN (2048 bytes). */
static void input_of(struct lv_audit_input *in, const struct lv_req *rq,
                     const json_t *response, const struct lv_err *failure,
                     const char *invoked_by, const char *recipient,
                     const char *shared, char group[2048])
{
    memset(in, 0, sizeof(*in));
    in->rq = rq;
    in->response = failure ? NULL : response;
    in->error_code = failure ? lv_err_type(failure->code) : NULL;
    in->error_message = failure ? lv_err_msg(failure) : NULL;
    in->invoked_by = invoked_by;
    in->key_arn = rq->key_arn[0] ? rq->key_arn : NULL;
    in->group_arn = group_arn_of(rq, rq->in, group, 2048);
    in->recipient = recipient;
    in->shared_event_id = shared;
}

/* Builds the record of a change (input_of's arguments) into *r (release
 * it, built or not). */
static int build(const struct lv_req *rq, const json_t *response,
                 const char *recipient, const char *shared,
                 struct lv_audit_record *r, struct lv_err *err)
{
    struct lv_audit_input in;
    char group[2048];

    r->event = NULL;            /* the rest is lv_audit_event_build's */
    r->trace = NULL;
    input_of(&in, rq, response, NULL, NULL, recipient, shared, group);
    return lv_audit_event_build(&in, r, err);
}

/* Builds the record (lv_audit_event_enc: no record struct, and the tail
 * of the thread's previous one when it is the same) and hands it to the
 * writer; a record that cannot be built is logged (by request id) and
 * dropped: the request it describes changed nothing, or has already been
 * answered. */
static void enqueue_one(struct lv_audit *a, const struct lv_req *rq,
                        const json_t *response, const struct lv_err *failure,
                        const char *invoked_by, const char *recipient,
                        const char *shared, int may_wait)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_input in;
    struct lv_audit_enc e;
    char group[2048];
    /* A refusal keeps the explainer's trace of it (kms/authz.c),
     * readable only through the explainer, by principals allowed
     * GetKeyPolicy; in the caller's record only. */
    const char *trace = failure && rq->trace && !recipient ? rq->trace
                                                           : NULL;

    input_of(&in, rq, response, failure, invoked_by, recipient, shared,
             group);
    if (lv_audit_event_enc(&in, trace, &e, &err) < 0) {
        lv_log(LV_LOG_WARN, "audit: cannot build the record req=%s: %s",
               rq->id, err.msg);
        return;
    }
    lv_audit_submit_enc(a, &e, may_wait);
}

/* The record of rq for the writer: in the principal's trail, and in the
 * key owner's too for a cross-account request (key_owner()), the two
 * sharing a sharedEventID. */
static void enqueue(struct lv_audit *a, const struct lv_req *rq,
                    const json_t *response, const struct lv_err *failure,
                    const char *invoked_by, int may_wait)
{
    char owner[13];
    char shared[37];
    const char *other = key_owner(rq, failure, owner);

    if (other) {
        lv_uuid4(shared);
    }
    enqueue_one(a, rq, response, failure, invoked_by, NULL,
                other ? shared : NULL, may_wait);
    if (other) {
        enqueue_one(a, rq, response, failure, invoked_by, other, shared,
                    may_wait);
    }
}

int lv_audit_req_begin(struct lv_audit *a, struct lv_req *rq, int raw_body,
                       struct lv_audit_req *ar, struct lv_err *err)
{
    memset(ar, 0, sizeof(*ar));
    if (!wanted(a, rq)) {
        return 0;
    }
    ar->recorded = 1;
    ar->read_only = lv_audit_read_only(rq->svc->signing_name,
                                       rq->op->name);
    if (ar->read_only || raw_body) {
        return 0;
    }
    if (lv_store_begin(lv_audit_store(a), err) < 0) {
        return -1;
    }
    ar->in_txn = 1;
    return 0;
}

/* The response members event.c reads (never a secret one: no table
 * names one, and secret_members says so again). */
static int want_response(void *arg, const char *key, size_t n)
{
    const struct lv_req *rq = arg;

    for (size_t i = 0; secret_members[i]; i++) {
        if (strlen(secret_members[i]) == n &&
            memcmp(secret_members[i], key, n) == 0) {
            return 0;
        }
    }
    return lv_audit_response_member(rq->svc->signing_name, rq->op->name,
                                    key, n);
}

/* The response as event.c reads it: the members of the handler's output
 * object that it reads (lv_json_pick: nothing else is parsed or copied),
 * when it reads any (lv_audit_uses_response) and the text names one
 * (lv_audit_response_may_name); else NULL, unparsed (Encrypt, every Logs
 * operation: a GetLogEvents page holds event text; a Decrypt without a
 * KeyMaterialId), which event.c takes at no loss. */
static json_t *response_of(const struct lv_req *rq, const char *text,
                           size_t len)
{
    if (!lv_audit_uses_response(rq->svc->signing_name, rq->op->name) ||
        !lv_audit_response_may_name(rq->svc->signing_name, rq->op->name,
                                    text ? text : "", text ? len : 0)) {
        return NULL;
    }
    return lv_json_pick(text ? text : "", text ? len : 0, want_response,
                        (void *)rq);
}

/* The raw-body members a record takes (event.c's PutLogEvents rule:
 * the group and the stream, never the events). */
static int want_raw(void *arg, const char *key, size_t n)
{
    static const char *const raw_members[] = {
        "logGroupName", "logStreamName", NULL,
    };

    (void)arg;
    for (size_t i = 0; raw_members[i]; i++) {
        if (strlen(raw_members[i]) == n &&
            memcmp(raw_members[i], key, n) == 0) {
            return 1;
        }
    }
    return 0;
}

/* A raw-body handler's input (PutLogEvents) for its record only: its
 * raw_members, picked from the body (lv_json_pick). NULL when the request
 * has its parsed input, or no body. */
static json_t *raw_input(const struct lv_req *rq)
{
    if (rq->in || !rq->body) {
        return NULL;
    }
    return lv_json_pick(rq->body, rq->body_len, want_raw, NULL);
}

int lv_audit_req_done(struct lv_audit *a, struct lv_req *rq,
                      struct lv_audit_req *ar, const char *response,
                      size_t len, struct lv_err *err)
{
    struct lv_store *s;
    struct lv_audit_record r;
    struct lv_audit_record *r2 = NULL;
    struct lv_audit_record *first;
    struct lv_audit_record *second;
    json_t *resp = NULL;
    json_t *raw = NULL;
    char owner[13];
    char shared[37];
    const char *other;
    int ret = -1;

    if (!a || !ar->recorded) {
        return 0;
    }
    s = lv_audit_store(a);
    resp = response_of(rq, response, len);
    r.event = NULL;             /* the rest is build()'s to zero */
    r.trace = NULL;
    if (!ar->in_txn) {
        raw = raw_input(rq);
        if (raw) {
            rq->in = raw;
        }
        enqueue(a, rq, resp, NULL, NULL, 1);
        if (raw) {
            rq->in = NULL;
        }
        ret = 0;
        goto out;
    }
    /* The change and its record (its records: the key owner's too, for
     * a cross-account change such as CreateGrant), in one commit. */
    other = key_owner(rq, NULL, owner);
    if (other) {
        lv_uuid4(shared);
        r2 = lv_xmalloc(sizeof(*r2));   /* 9 KB: off the stack */
        r2->event = NULL;
        r2->trace = NULL;
    }
    if (build(rq, resp, NULL, other ? shared : NULL, &r, err) < 0 ||
        (r2 && build(rq, resp, other, shared, r2, err) < 0)) {
        lv_log(LV_LOG_ERROR, "audit: cannot build the record of a change "
               "req=%s: %s; the change is rolled back", rq->id, err->msg);
        lv_err_set(err, rq->svc->fault_code, "The request could not be "
                   "recorded in the audit trail.");
        lv_store_rollback(s);
        goto txn_closed;
    }
    /* Two chains locked in one transaction: always in account order, so
     * that two such changes never wait for each other's chain. */
    first = &r;
    second = r2;
    if (r2 && strcmp(r2->account, r.account) < 0) {
        first = r2;
        second = &r;
    }
    if (lv_audit_chain_append(s, lv_audit_keyring(a), first, err) < 0 ||
        (second &&
         lv_audit_chain_append(s, lv_audit_keyring(a), second, err) < 0)) {
        lv_store_rollback(s);
        goto txn_closed;
    }
    if (lv_store_commit(s, err) < 0) {
        goto txn_closed;
    }
    ret = 0;
txn_closed:
    ar->in_txn = 0;
out:
    lv_audit_record_release(&r);
    if (r2) {
        lv_audit_record_release(r2);
        free(r2);
    }
    json_decref(resp);
    json_decref(raw);
    return ret;
}

void lv_audit_req_failed(struct lv_audit *a, struct lv_req *rq,
                         struct lv_audit_req *ar,
                         const struct lv_err *failure)
{
    json_t *raw;

    if (!a) {
        return;
    }
    if (ar->in_txn) {
        /* Nothing of a failed change is kept, nor recorded as done. */
        lv_store_rollback(lv_audit_store(a));
        ar->in_txn = 0;
    }
    if (!wanted(a, rq)) {
        return;
    }
    raw = raw_input(rq);
    if (raw) {
        rq->in = raw;
    }
    enqueue(a, rq, NULL, failure, NULL, 1);
    if (raw) {
        rq->in = NULL;
        json_decref(raw);
    }
}

/* "logs.eu-west-2.amazonaws.com" → "logs.amazonaws.com": invokedBy names
 * the service, not its regional principal. */
static void invoked_by_of(const char *service, char *buf, size_t size)
{
    size_t n = strcspn(service, ".");

    snprintf(buf, size, "%.*s.amazonaws.com", (int)n, service);
}

void lv_audit_service_call(struct lv_audit *a, const struct lv_req *call,
                           const char *op, const char *key_ref,
                           const struct lv_kv *ctx, size_t n_ctx,
                           const char *key_arn,
                           const struct lv_err *failure)
{
    struct lv_req rq = *call;
    json_t *in = json_object();
    json_t *ec = NULL;
    json_t *empty = json_object();
    char by[128];

    if (!a) {
        goto out;
    }
    rq.svc = &lv_model_kms;
    rq.op = lv_model_find_op(&lv_model_kms, op, strlen(op));
    if (!rq.op) {
        LV_BUG("audit: KMS has no operation %s", op);
    }
    if (!wanted(a, &rq)) {
        goto out;
    }
    /* The request as the service sent it, less anything secret: the key
     * it named, the encryption context (which CloudTrail records for the
     * service's calls), and the data key's spec. */
    if (key_ref) {
        json_object_set_new(in, "KeyId", json_string(key_ref));
    }
    if (n_ctx) {
        ec = json_object();
        for (size_t i = 0; i < n_ctx; i++) {
            json_object_set_new(ec, ctx[i].key, json_string(ctx[i].value));
        }
        json_object_set_new(in, "EncryptionContext", ec);
    }
    if (strcmp(op, "GenerateDataKey") == 0) {
        json_object_set_new(in, "KeySpec", json_string("AES_256"));
    }
    rq.in = in;
    if (key_arn && key_arn[0]) {
        snprintf(rq.key_arn, sizeof(rq.key_arn), "%s", key_arn);
    }
    invoked_by_of(call->who.service, by, sizeof(by));
    /* Made inside the Logs request, possibly in its transaction: it must
     * not wait for the writer. */
    enqueue(a, &rq, empty, failure, by, 0);
out:
    json_decref(in);
    json_decref(empty);
}

int lv_audit_service_event(struct lv_audit *a,
                           const struct lv_audit_service_event *ev,
                           struct lv_err *err)
{
    struct lv_audit_record r;
    int ret = -1;

    if (!a) {
        return 0;
    }
    r.event = NULL;             /* the rest is the builder's to zero */
    r.trace = NULL;
    if (lv_audit_service_event_build(ev, &r, err) < 0) {
        lv_log(LV_LOG_ERROR, "audit: cannot build the %s record of key %s: "
               "%s", ev->event_name, ev->key_arn ? ev->key_arn : "?",
               err->msg);
        goto out;
    }
    if (lv_audit_chain_append(lv_audit_store(a), lv_audit_keyring(a), &r,
                              err) < 0) {
        goto out;
    }
    ret = 0;
out:
    lv_audit_record_release(&r);
    return ret;
}

/*
 * event: the content of one audit record — what a request's record keeps,
 * the columns LookupEvents selects on, and the CloudTrail record of it, as
 * AWS writes it, rendered when the record is read.
 *
 * Building is a pure function of the request (struct lv_req), the
 * handler's response and its error: no store, no threads, no clock (the
 * time is rq->now_ms). The recorder (audit.c) calls it on the request's
 * thread; the chain (chain.c) places the record.
 *
 * What a record holds is decided per operation by a table (event.c) that
 * names the request members CloudTrail records (renamed to camelCase, as
 * CloudTrail writes them) and the response members it records; every other
 * member is left out. So no plaintext, data key, ciphertext, signature,
 * MAC, grant token or log event text ever reaches a record: not by a
 * filter that could miss one, but because no table names them. The tables
 * follow AWS's documented records, cited in event.c.
 *
 * The compact form. A record's `event` (store/audit_store.h) is not JSON:
 * building it on every request cost more than the rest of recording. It is
 * the facts the JSON is written from, in the text codec of compact.h:
 *     "~1" 'A' str(service signing name)
 *         str(account) str(arn) str(user) str(service) str(access key)
 *                                                 (the principal)
 *         opt(invoked_by) str(source_ip) opt(user_agent)
 *         opt(error_message) opt(key_arn) opt(group_arn)
 *         opt(shared_event_id)
 *         ojson(request members the table names) ojson(response members
 *         the table names; absent on failure)
 *     "~1" 'S' ojson(serviceEventDetails) ('k' | '-': responseElements
 *         names the key)
 * With the record's columns (account = recipientAccountId, region, time,
 * eventID, requestID, eventSource, eventName, readOnly, errorCode,
 * resources) that is everything the JSON says, so the chain's hash, which
 * covers the columns and `event` (chain.h), covers what is rendered; the
 * encoding is canonical by construction (one writer, no choices). A record
 * written before the compact form holds its JSON ('{…}') and renders as
 * it is.
 */
#ifndef LV_AUDIT_EVENT_H
#define LV_AUDIT_EVENT_H

#include <stdatomic.h>
#include <stdint.h>

#include "auth/creds.h"
#include "store/audit_store.h"

struct json_t;
struct lv_audit_record;
struct lv_err;
struct lv_req;

struct lv_audit_input {
    const struct lv_req *rq;        /* principal (rq->who), region, id,
                                     * now_ms, source_ip, user_agent, svc,
                                     * op, in */
    const struct json_t *response;  /* the handler's output members as a
                                     * JSON object; NULL on failure */
    const char *error_code;         /* NULL on success, else AWS's code
                                     * ("AccessDeniedException") */
    const char *error_message;
    const char *invoked_by;         /* NULL, or "logs.amazonaws.com" for a
                                     * call a service made for a caller */
    const char *key_arn;            /* the KMS key the request resolved to,
                                     * NULL if none */
    const char *group_arn;          /* the log group it named, NULL if none */
    const char *recipient;          /* whose trail this record is for
                                     * (recipientAccountId): NULL, the
                                     * principal's account; or another
                                     * account, the owner of the key a
                                     * cross-account request used */
    const char *shared_event_id;    /* sharedEventID, the same in every
                                     * account's record of one request
                                     * recorded in several; NULL: none */
};

/*
 * Fills every field of *out except id, seq, prev_hash, hash and trace
 * (left zero / NULL): account (recipientAccountId: the principal's
 * account), region, event_time_ms (rq->now_ms), event_id (a fresh UUID),
 * request_id (rq->id), event_source ("kms.amazonaws.com"), event_name,
 * read_only, key_use (set for a cryptographic operation, in the trail of
 * the key's owner only: a cross-account use is the key's use in its
 * owner's record), username, access_key_id ("" for a service's own
 * call), error_code ("" on success), resources, and event: the compact
 * form (above), malloc'd, the caller's to free (free(out->event), or
 * lv_audit_record_release once the record came back from the store); the
 * CloudTrail record is lv_audit_event_render()'s.
 * The resources past n_resources are not zeroed (most of the record's
 * 9 KB; nothing reads past n_resources).
 *
 * recipient: the record of a cross-account request in the key owner's
 * trail (CloudTrail "Cross-account operations on KMS keys are logged in
 * both the caller account and the KMS key owner account"): account is
 * that owner; a user's or an account root's identity is written as the
 * resource owner sees another account's caller, {"type": "AWSAccount",
 * "principalId", "accountId"}, with access_key_id and username "" (its
 * access key and name stay in the caller's own record); a service
 * principal's call keeps its AWSService identity.
 *
 * userIdentity: a service principal (rq->who.service set) is
 * {"type":"AWSService","invokedBy":…}, and its sourceIPAddress and
 * userAgent are the service's name (invoked_by, or the principal without
 * its region: "logs.amazonaws.com"), as AWS records the calls a service
 * makes with its own identity. A user is IAMUser, an account's root Root;
 * with invoked_by set they carry "invokedBy" too (a call a service made
 * with the caller's identity).
 *
 * An operation the tables do not know (an extension) is still recorded,
 * with requestParameters and responseElements null.
 *
 * Returns 0, or -1 with *err (LV_E_INTERNAL_FAILURE: a record past its
 * size limit, or rq without a service and operation); *out is written
 * only on success.
 */
int lv_audit_event_build(const struct lv_audit_input *in,
                         struct lv_audit_record *out, struct lv_err *err);

/*
 * What lv_audit_event_views() gives: the record lv_audit_event_build()
 * would make, as views (store/audit_store.h) for the recorder's writer,
 * which copies them into its job at once (no 9 KB record in between).
 * The views point into the input's request and strings and into *out
 * itself; event is the compact form, malloc'd (free it). Each view is cut
 * to its record field's size, as lv_audit_event_build cuts it.
 */
struct lv_audit_views {
    struct lv_audit_text account;   /* whose trail (recipientAccountId) */
    struct lv_audit_text region;
    struct lv_audit_fields f;       /* has_trace 0: the caller adds one */
    char *event;
    char event_id[37];              /* storage the views lend */
    char source[64];
    char svcname[160];
    char alias_arn[LV_MAX_ARN];
};

/* As lv_audit_event_build, into *out (above). 0, or -1 with *err (then
 * out->event is NULL). */
int lv_audit_event_views(const struct lv_audit_input *in,
                         struct lv_audit_views *out, struct lv_err *err);

/*
 * The record of `in` as the recorder's writer takes it (audit.c): its
 * chain (account: recipientAccountId, region) and its enc2 bytes
 * (store/audit_store.h) in two parts, the head's fields (eventTime, an
 * eventID, requestID) and the tail's bytes. trace: the explainer's
 * trace kept with the record (NULL: none). The eventID is empty when the
 * account is one whose batched records take the id their place gives
 * them (store/audit_eid.h): the writer's batch stores none, and reading
 * the batch derives it; a record the writer cannot batch draws one then.
 *
 * The tail is remembered per thread. A read-only operation's record
 * without a trace, whose operation takes no resource from its response,
 * has the tail of this thread's previous one when every input it is built
 * from is the same: the service and operation, the principal, the
 * recipient and sharedEventID, the caller's address and user agent, the
 * error, the key and log group, the region, and the values (type, order
 * and bytes) of the request and response members the operation's table
 * records. The tail is then reused, not built again: building it costs
 * more than the rest of recording, and a busy client sends the same
 * request over and over. The test build (LV_AUDIT_MEMO_CHECK) builds it
 * anyway and stops at the first difference.
 *
 * out's views point into in's request and strings and into this thread's
 * storage, valid until the thread's next call. 0, or -1 with *err as
 * lv_audit_event_views.
 */
struct lv_audit_enc {
    struct lv_audit_text account;
    struct lv_audit_text region;
    int64_t event_time_ms;
    char event_id[37];
    struct lv_audit_text request_id;
    const uint8_t *tail;
    size_t tail_len;
    struct lv_audit_tail *shared;   /* the remembered tail tail points
                                     * into, or NULL: a holder of the
                                     * record past the call takes a
                                     * reference (lv_audit_tail_hold)
                                     * instead of copying the bytes */
};

/*
 * A remembered tail, shared by the records that reuse it: its bytes never
 * change; counted references (the thread that remembers it holds one, and
 * each job of the recorder's writer that points at it), freed with the
 * last.
 *
 * lv_audit_tail_hold takes one reference for a holder. On the thread that
 * remembers t it comes from references that thread took ahead, many in
 * one atomic add, so that a record costs no atomic operation on the
 * count; the thread gives back those it did not hand out when it forgets
 * t. (One add and one subtract per record moved the count's cache line
 * between the request's core and the writer's twice a record: about half
 * a percent of an Encrypt's CPU, measured with bench's kms-ab.)
 * lv_audit_tail_drop_n gives back n references at once (the writer gives
 * back a run of its batch that shares a tail in one), freeing t with the
 * last; NULL or n = 0: no-op.
 */
struct lv_audit_tail {
    _Atomic size_t refs;
    size_t n;
    uint8_t b[];
};

void lv_audit_tail_hold(struct lv_audit_tail *t);
void lv_audit_tail_drop(struct lv_audit_tail *t);   /* NULL: no-op */
void lv_audit_tail_drop_n(struct lv_audit_tail *t, size_t n);

int lv_audit_event_enc(const struct lv_audit_input *in, const char *trace,
                       struct lv_audit_enc *out, struct lv_err *err);

/*
 * An event a service records of what it did on its own, on no caller's
 * request (CloudTrail's eventType "AwsServiceEvent"): KMS's automatic
 * rotation of a key (RotateKey, ct-rotatekey) and its deletion of a key
 * once the waiting period ended (DeleteKey, ct-delete-key).
 */
struct lv_audit_service_event {
    const char *event_name;         /* "RotateKey", "DeleteKey" */
    const char *key_arn;            /* the key acted on: its account is
                                     * whose trail (recipientAccountId),
                                     * its region awsRegion */
    int64_t time_ms;                /* eventTime */
    const struct json_t *details;   /* serviceEventDetails (an object,
                                     * written verbatim), or NULL: none */
    int response_key;               /* 1: responseElements {"keyId": the
                                     * key's ARN}; 0: null */
};

/*
 * Fills *out as lv_audit_event_build does, for a service event, as the
 * KMS developer guide's examples show them: userIdentity {"accountId",
 * "invokedBy": "AWS Internal"}, sourceIPAddress and userAgent "AWS
 * Internal", requestParameters null, no requestID (request_id ""),
 * readOnly false, the key as the one resource, eventType AwsServiceEvent,
 * a management event; username and access_key_id "" (no caller). 0, or
 * -1 with *err (LV_E_INTERNAL_FAILURE: key_arn not a KMS key ARN, a time
 * out of range, a record past its size limit); *out is written only on
 * success.
 */
int lv_audit_service_event_build(const struct lv_audit_service_event *in,
                                 struct lv_audit_record *out,
                                 struct lv_err *err);

/*
 * Per operation, by service name ("kms", "logs", "cloudtrail" — the
 * service's SigV4 signing name, lv_service.signing_name) and operation
 * name ("Encrypt"):
 *  - lv_audit_is_data_event: 1 for a data event (recorded only when
 *    configured, as on AWS: PutLogEvents, GetLogEvents, FilterLogEvents),
 *    0 for a management event;
 *  - lv_audit_read_only: CloudTrail's readOnly (1: the request changes
 *    nothing; the KMS cryptographic operations are read-only too);
 *  - lv_audit_key_use: 1 for a cryptographic operation on a KMS key
 *    (what GetKeyLastUsage reports).
 * An operation not in the tables: management, read-only when its name
 * starts with Describe, Get, List or Lookup, no key use.
 */
int lv_audit_is_data_event(const char *svc, const char *op);
int lv_audit_read_only(const char *svc, const char *op);
int lv_audit_key_use(const char *svc, const char *op);

/* 1 when the record of a successful request of (svc, op) reads its
 * response (CreateKey's keyMetadata, Decrypt's keyMaterialId …); 0 when
 * lv_audit_input.response may be NULL at no loss (Encrypt, Sign, every
 * Logs operation): the recorder can skip parsing the response then. */
int lv_audit_uses_response(const char *svc, const char *op);

/* 1 when that record reads the response's top-level member `member` (n
 * bytes, not NUL-terminated): the only members the recorder needs to
 * parse of a response (never a plaintext: no table names one). */
int lv_audit_response_member(const char *svc, const char *op,
                             const char *member, size_t n);

/* 0 when the response text (len bytes, JSON as the handlers write it:
 * lv_jw, which never escapes a letter of a member's name) names none of
 * the members that record reads, so that the recorder need not parse it:
 * the record is then the one a response lacking them gives. 1 when it may
 * (or the record reads resources from it). Decrypt and GenerateDataKey
 * read only KeyMaterialId, which our answers do not carry today, and
 * their answers hold a plaintext that a parse would scan. */
int lv_audit_response_may_name(const char *svc, const char *op,
                               const char *text, size_t len);

/* The size limit of one record's compact form (CloudTrail caps an event
 * at 256 KB: "CloudTrail event size" in its quotas), and of the JSON
 * rendered from it (escapes may make it longer than its compact form). */
#define LV_AUDIT_MAX_EVENT_BYTES (256 * 1024)
#define LV_AUDIT_MAX_RENDERED_BYTES (8 * LV_AUDIT_MAX_EVENT_BYTES)

/*
 * The CloudTrail record of r (read from the store, or built above) as JSON
 * text in *json (malloc'd, the caller's to free): rendered from its
 * compact form and its columns, exactly the JSON the builder wrote before
 * the compact form; a record that holds JSON (an older one), that JSON.
 * 0, or -1 with *err (LV_E_INTERNAL_FAILURE: r has no content, or its
 * compact form is malformed — changed underneath: `logvault audit verify`
 * reports it), *json untouched.
 */
int lv_audit_event_render(const struct lv_audit_record *r, char **json,
                          struct lv_err *err);

#endif

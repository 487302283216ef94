/*
 * req: what a service handler knows about the request it serves — who asks,
 * in which region, when, and for which operation — and the handler type.
 * A handler never sees HTTP: the front (src/http/) fills this in after
 * authentication and validation, and writes what the handler returns.
 *
 * svc/ is the boundary between the front and the services (kms/, logs/):
 * both sides include this contract, it includes auth/ for the principal,
 * and nothing below it (store/, util/) includes it.
 */
#ifndef LV_SVC_REQ_H
#define LV_SVC_REQ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth/creds.h"

struct json_t;
struct lv_app;
struct lv_buf;
struct lv_err;
struct lv_jw;
struct lv_op;
struct lv_service;
struct lv_store;

/* The longest IP address text, with its NUL (INET6_ADDRSTRLEN). */
#define LV_REQ_MAX_IP 46

struct lv_req {
    char id[37];                    /* request id, a UUID */
    time_t now;                     /* the clock, read once per request */
    int64_t now_ms;
    char region[64];                /* from the SigV4 credential scope */
    /* The ARN of the KMS key the request resolved to (kms/ sets it when
     * it finds the key, before authorizing), "" if none: the resource of
     * its audit record (audit/audit.h). */
    char key_arn[256];
    struct lv_principal who;
    const struct lv_service *svc;
    const struct lv_op *op;
    struct lv_app *app;             /* server-wide state (src/app.h) */
    struct lv_store *store;
    const char *body;               /* the raw request body */
    size_t body_len;
    /* Bytes after body[body_len] that may be read (zeros): at least
     * LV_REQ_BODY_PAD for an LV_HANDLER_RAW_BODY handler, except when the
     * body is at the size limit (then 0). */
    size_t body_pad;
    /* Where the request came from, for the aws: condition keys that KMS
     * authorization fills (kms/condkeys.c). source_ip: the client's
     * address as text (the TCP peer, or the address a trusted proxy
     * forwarded: http/peer.c); "" for calls made inside logvault.
     * secure_transport: 1 when the request came over TLS. user_agent: its
     * User-Agent header, NULL if none, valid while the request runs. in:
     * the validated input handed to the handler (NULL for a raw-body
     * handler and for calls made inside logvault). */
    char source_ip[LV_REQ_MAX_IP];
    int secure_transport;
    const char *user_agent;
    const struct json_t *in;
    /* The explainer's trace of a refused KMS authorization made for this
     * request (kms/authz.c: the key policy statement by statement, the
     * grants, the verdict; JSON text, malloc'd), for the audit record;
     * NULL when nothing was refused. Whoever releases the request frees
     * it. */
    char *trace;
    /* Set by a handler that answers with an event stream (StartLiveTail)
     * instead of a body: the front then owns it (struct lv_stream). */
    struct lv_stream *stream;
};

/*
 * An event-stream answer (application/vnd.amazon.eventstream): after the
 * handler returned 0 with rq->stream set, the front sends the
 * initial-response message (the handler's output object), then what
 * pump() appends — once at once, on the request's thread, then about
 * every interval_ms from the front's stream thread, never on a
 * connection's worker thread (a pump may read the store; the workers
 * stay free for other requests). pump returns 1 while the stream goes
 * on, 0 when what it appended is the end (the front then closes the
 * answer); what it appends is whole event-stream messages
 * (util/evstream.h). free() is called once, after the last pump, when
 * the connection is done with the stream (the client went away, the
 * stream ended, or the server stops).
 */
struct lv_stream {
    int (*pump)(struct lv_stream *s, struct lv_buf *out, int64_t now_ms);
    void (*free)(struct lv_stream *s);
    int interval_ms;
};

/* What the front offers a raw-body handler to read past the body (the
 * simdjson padding, LV_FASTJSON_PADDING in logs/fastjson.h). */
#define LV_REQ_BODY_PAD 64

/*
 * One AWS operation. `in` is the validated input object, never NULL unless
 * the handler is registered with LV_HANDLER_RAW_BODY (then always NULL).
 * The front has opened the response object on `w` (util/json.h): the
 * handler writes its output members into it (lv_jw_kstr, lv_jw_key + a
 * value …), leaves it open, and returns 0 — the front closes the object
 * (nothing written answers "{}") and answers the service's fault error
 * if the writer failed (the response past its size limit) — or returns -1
 * with *err, and the front drops what was written and answers the error.
 * A function type: the services declare their handlers with it
 * (`lv_handler_fn lv_kms_op_encrypt;`, from model/gen/ops.def).
 */
typedef int lv_handler_fn(struct lv_req *rq, const struct json_t *in,
                          struct lv_jw *w, struct lv_err *err);

/*
 * LV_HANDLER_RAW_BODY: the front neither parses nor validates the body; the
 * handler decodes rq->body itself (a hot path, DESIGN.md "Hot paths") and
 * must answer every body exactly as the front would, e.g. by falling back
 * to lv_model_parse_input (model.h) for anything its decoder refuses.
 */
#define LV_HANDLER_RAW_BODY 1u

/* A row of a service's operation table (http/route.c). */
struct lv_handler {
    const char *op;                 /* the model's operation name */
    lv_handler_fn *fn;              /* NULL: not implemented */
    unsigned flags;                 /* LV_HANDLER_*; 0 for most */
};

#endif

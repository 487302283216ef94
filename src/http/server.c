#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "app.h"
#include "audit/audit.h"
#include "auth/creds.h"
#include "auth/sigv4.h"
#include "crypto/crypto.h"
#include "http/conns.h"
#include "http/console.h"
#include "http/peer.h"
#include "http/reply.h"
#include "http/route.h"
#include "http/stream.h"
#include "http/tls.h"
#include "model/model.h"
#include "store/store.h"
#include "svc/req.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/thread.h"
#include "util/ticker.h"

/* Responses are built in memory; the largest a handler may write. AWS caps
 * a GetLogEvents / FilterLogEvents page at 1 MB of events, which JSON
 * escaping can grow up to six times. */
#define LV_MAX_RESPONSE_BYTES (16u * 1024 * 1024)
/* More headers than any client sends; beyond this the request is refused. */
#define LV_MAX_HEADERS 64

/* File descriptors kept for everything but client connections: the
 * store, the listening sockets, logs, the root key, the CLI's pipes. */
#define LV_FD_RESERVE 128
/* How often the reaper enforces the header and idle timeouts. */
#define LV_REAP_INTERVAL_MS 250

struct lv_http {
    struct MHD_Daemon *d;
    struct lv_app *app;
    struct lv_conns *conns;     /* the connection limits (http/conns.h) */
    struct lv_ticker *reaper;
    struct lv_http_streams *streams;    /* event-stream answers */
    struct lv_tls_files tls;    /* HTTPS: what MHD was given; zero: HTTP */
    /* The put pool: threads that run PutLogEvents (see "the put pool"
     * below). */
    pthread_mutex_t put_mu;
    pthread_cond_t put_cv;
    struct conn *put_head;
    struct conn **put_tail;
    pthread_t *put_th;
    size_t put_n;
    int put_stop;
};

/* Per-request state, freed in the completion callback. */
struct conn {
    struct lv_buf body;
    /* SigV4's payload hash, fed each piece of the body as it arrives
     * while the piece is still in cache: verifying then needs no second
     * pass over the body. Started once the head is accepted. */
    struct lv_sigv4_body_hash hash;
    int bad_framing;
    int too_large;
    int64_t start_us;
    /* A PutLogEvents handed to the put pool (see "the put pool" below):
     * the connection is suspended from `queued` to `answered`, and the
     * answer (status, out, rq) waits here for the resumed worker. */
    int queued;
    int answered;
    int status;
    struct MHD_Connection *c;
    const char *url;
    struct lv_req rq;
    struct lv_buf out;
    struct conn *next;
};

struct headers {
    struct lv_sigv4_header h[LV_MAX_HEADERS];
    size_t n;
    int overflow;
};

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_us(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind,
                                      const char *key, const char *value)
{
    struct headers *hs = cls;

    (void)kind;
    if (hs->n == LV_MAX_HEADERS) {
        hs->overflow = 1;
        return MHD_NO;
    }
    hs->h[hs->n].name = key;
    hs->h[hs->n].value = value ? value : "";
    hs->n++;
    return MHD_YES;
}

/* What the framing headers of a request said (see check_framing). */
struct framing {
    unsigned n_length;          /* Content-Length headers */
    unsigned n_te;              /* Transfer-Encoding headers */
    int te_not_chunked;         /* a Transfer-Encoding other than chunked */
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind,
                                     const char *key, const char *value)
{
    struct framing *f = cls;
    const char *v = value ? value : "";
    size_t n;

    (void)kind;
    if (strcasecmp(key, "Content-Length") == 0) {
        f->n_length++;
    } else if (strcasecmp(key, "Transfer-Encoding") == 0) {
        f->n_te++;
        v += strspn(v, " \t");
        n = strlen(v);
        while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) {
            n--;
        }
        if (n != 7 || strncasecmp(v, "chunked", 7) != 0) {
            f->te_not_chunked = 1;
        }
    }
    return MHD_YES;
}

/*
 * Refuses a request whose body length is ambiguous, before any of it is
 * read or anything runs: a repeated Content-Length, Content-Length with
 * Transfer-Encoding, a repeated Transfer-Encoding, or a coding other than
 * "chunked" alone. A proxy in front may frame such a request differently
 * from us, so the rest of its bytes could be taken as a second request
 * that nobody checked (request smuggling). libmicrohttpd 0.9.75 passes
 * all of these through. RFC 9112 sections 6.1 and 6.3 say to answer 400
 * and close the connection; the close is the caller's. Identical repeated
 * Content-Length values are refused as well (RFC 9110 section 8.6 lets a
 * server refuse them; no client sends them).
 */
static int check_framing(struct MHD_Connection *c, struct lv_err *err)
{
    struct framing f = { 0, 0, 0 };

    MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
    if (f.n_length > 1 || f.n_te > 1 || (f.n_length && f.n_te) ||
        f.te_not_chunked) {
        /* AWS's front end refuses these before the service sees them and
         * documents no body; ours keeps the JSON 1.1 envelope so that
         * SDKs can read it, with the type AWS uses for a request it
         * cannot read. */
        return lv_err_set(err, LV_E_SERIALIZATION,
                          "Conflicting message framing: a request may carry"
                          " one Content-Length or one Transfer-Encoding:"
                          " chunked, not both or several");
    }
    return 0;
}

static enum MHD_Result send_body(struct MHD_Connection *c, int status,
                                 const char *ctype, const char *req_id,
                                 struct lv_buf *body, int close_after)
{
    struct MHD_Response *r;
    enum MHD_Result ret;
    size_t len;
    char *data = lv_buf_detach(body, &len);

    r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", ctype);
    if (req_id) {
        MHD_add_response_header(r, "x-amzn-RequestId", req_id);
    }
    if (close_after) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    }
    ret = MHD_queue_response(c, (unsigned int)status, r);
    MHD_destroy_response(r);
    return ret;
}

/* GET /health: whether the store answers, and what serves. The answer
 * is 200 with "store": {"kind": K, "reachable": true} when a ping from
 * this (the request's) thread reaches the store, else 503 with
 * "reachable": false. The store is named by its kind only (the backend's
 * name), never by its --store value: a connection string can hold a
 * password. */
static enum MHD_Result health(struct lv_app *app, struct MHD_Connection *c)
{
    struct lv_buf out = LV_BUF_INIT(4096);
    struct lv_err err = LV_ERR_INIT;
    struct lv_jw w;
    int ok = lv_store_ping(app->store, &err) == 0;

    lv_jw_init(&w, &out);
    lv_jw_obj_open(&w);
    lv_jw_kstr(&w, "status", ok ? "ok" : "unavailable");
    lv_jw_kstr(&w, "version", LV_VERSION);
    lv_jw_key(&w, "services");
    lv_jw_arr_open(&w);
    lv_jw_str(&w, lv_model_logs.name);
    lv_jw_str(&w, lv_model_kms.name);
    lv_jw_str(&w, lv_model_cloudtrail.name);
    lv_jw_arr_close(&w);
    lv_jw_key(&w, "store");
    lv_jw_obj_open(&w);
    lv_jw_kstr(&w, "kind", lv_store_kind_of(app->store));
    lv_jw_kbool(&w, "reachable", ok);
    lv_jw_obj_close(&w);
    lv_jw_obj_close(&w);
    if (lv_jw_finish(&w) < 0) {
        LV_BUG("health: the reply does not fit 4 KiB");
    }
    return send_body(c, ok ? 200 : 503, "application/json", NULL, &out, 0);
}

/*
 * The request pipeline, in AWS's order: authenticate (SigV4), route
 * (X-Amz-Target), check that the credential scope names the target's
 * service, parse the body, validate it against the model, run the handler.
 * A handler registered with LV_HANDLER_RAW_BODY parses and validates the
 * body itself (the same way, through lv_model_parse_input, for anything
 * its own decoder does not take).
 *
 * The audit trail (audit/audit.h) hooks in around the handler: a change
 * runs in a transaction opened here, and its record is appended in it
 * before the commit; every request that fails after routing is recorded
 * as refused, after its transaction was rolled back.
 */
static int process(struct lv_app *app, struct MHD_Connection *c,
                   const char *url, struct conn *st, struct lv_req *rq,
                   struct lv_buf *out, struct lv_err *err)
{
    struct headers hs = { .n = 0 };
    struct lv_sigv4_request sreq;
    struct lv_sigv4_scope scope;
    char payload_hex[65];
    const char *target;
    const struct lv_handler *h = NULL;
    json_t *in = NULL;
    struct lv_jw w;
    struct lv_audit_req ar = LV_AUDIT_REQ_INIT;
    int ret = -1;

    MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &hs);
    if (hs.overflow) {
        return lv_err_set(err, LV_E_SERIALIZATION,
                          "Too many headers (at most %d are accepted)",
                          LV_MAX_HEADERS);
    }
    sreq.method = "POST";
    sreq.path = url;
    sreq.query = "";
    sreq.headers = hs.h;
    sreq.n_headers = hs.n;
    sreq.body = st->body.data;
    sreq.body_len = st->body.len;
    sreq.body_sha256_hex = NULL;
    if (st->hash.md && st->hash.len == st->body.len) {
        lv_sigv4_body_hash_final(&st->hash, payload_hex);
        sreq.body_sha256_hex = payload_hex;
    }
    if (lv_sigv4_verify(&sreq, app->creds, rq->now, &rq->who, &scope,
                        err) < 0) {
        goto out;
    }
    snprintf(rq->region, sizeof(rq->region), "%s", scope.region);

    target = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Target");
    if (lv_route_find(app->route, target, &rq->svc, &rq->op, &h, err) < 0) {
        goto out;
    }
    if (strcmp(scope.service, rq->svc->signing_name) != 0) {
        lv_err_set(err, LV_E_INVALID_SIGNATURE,
                   "Credential should be scoped to correct service: '%s'. ",
                   rq->svc->signing_name);
        goto out;
    }

    if (h && (h->flags & LV_HANDLER_RAW_BODY)) {
        /* The handler decodes the body itself; offer it readable zeros
         * past the end so that simdjson parses in place. */
        if (lv_buf_grow(&st->body, LV_REQ_BODY_PAD) == 0) {
            memset(st->body.data + st->body.len, 0, LV_REQ_BODY_PAD + 1);
            rq->body_pad = LV_REQ_BODY_PAD;
        }
    } else if (lv_model_parse_input(rq->svc, rq->op, st->body.data,
                                    st->body.len, &in, err) < 0) {
        goto out;
    }
    if (!h) {
        lv_err_set(err, LV_E_NOT_IMPLEMENTED,
                   "Operation %s of %s is not implemented by logvault %s yet",
                   rq->op->name, rq->svc->full_name, LV_VERSION);
        goto out;
    }
    rq->body = st->body.data;
    rq->body_len = st->body.len;
    rq->in = in;
    if (lv_audit_req_begin(app->audit, rq, h->flags & LV_HANDLER_RAW_BODY,
                           &ar, err) < 0) {
        goto out;
    }
    /* The handler writes the members of the response object. */
    lv_jw_init(&w, out);
    lv_jw_obj_open(&w);
    if (h->fn(rq, in, &w, err) < 0) {
        /* An operation whose model lists ValidationException and not the
         * service's usual validation error (the newer Logs operations:
         * deliveries, scheduled queries, S3 table integrations) never
         * answers the usual one: a handler's own check, written in the
         * service's code, answers with the operation's. */
        if (rq->op->validation_code &&
            err->code == (enum lv_errcode)rq->svc->validation_code) {
            err->code = (enum lv_errcode)rq->op->validation_code;
        }
        goto out;
    }
    lv_jw_obj_close(&w);
    if (lv_jw_finish(&w) < 0) {
        lv_err_set(err, rq->svc->fault_code, "The response is too large.");
        goto out;
    }
    if (lv_audit_req_done(app->audit, rq, &ar, out->data, out->len,
                          err) < 0) {
        goto out;
    }
    ret = 0;
out:
    if (ret < 0) {
        lv_audit_req_failed(app->audit, rq, &ar, err);
    }
    json_decref(in);
    return ret;
}

static void log_request(const struct lv_req *rq, const struct conn *st,
                        int status)
{
    lv_log(LV_LOG_INFO,
           "http: req=%s op=%s%s%s principal=%s region=%s status=%d ms=%.1f",
           rq->id, rq->svc ? rq->svc->target_prefix : "-",
           rq->op ? "." : "", rq->op ? rq->op->name : "",
           rq->who.arn[0] ? rq->who.arn : "-",
           rq->region[0] ? rq->region : "-", status,
           (double)(now_us() - st->start_us) / 1000.0);
}

/* Keeps the last X-Forwarded-For header: a proxy that adds its own line
 * adds it after any the client sent. */
static enum MHD_Result last_forwarded(void *cls, enum MHD_ValueKind kind,
                                      const char *key, const char *value)
{
    (void)kind;
    if (strcasecmp(key, "X-Forwarded-For") == 0) {
        *(const char **)cls = value;
    }
    return MHD_YES;
}

/* Where the request comes from, for the aws: condition keys: the peer
 * (or what a trusted proxy forwarded), whether it came over TLS, the
 * User-Agent. */
static void source_of(const struct lv_app *app, struct MHD_Connection *c,
                      struct lv_req *rq)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const char *forwarded = NULL;

    if (app->cfg.trusted_proxy) {
        MHD_get_connection_values(c, MHD_HEADER_KIND, last_forwarded,
                                  &forwarded);
    }
    lv_http_source_ip(ci ? ci->client_addr : NULL, forwarded,
                      app->cfg.trusted_proxy, rq->source_ip);
    /* A TLS session on this very connection: MHD gives one only on an
     * HTTPS daemon, after the handshake. A TLS-terminating proxy in front
     * does not make it true (X-Forwarded-Proto is not read). */
    rq->secure_transport =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION) !=
        NULL;
    rq->user_agent = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 "User-Agent");
}

/* The connection's record in the book, set when it started. */
static struct lv_conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci ? ci->socket_context : NULL;
}

/* ---- the put pool ------------------------------------------------------- */

/*
 * PutLogEvents is answered only once its group commit's fsync is done
 * (logs/events_int.h); a libmicrohttpd worker that ran it would sit
 * blocked for that time, and so would every other connection of that
 * worker. So once its body is in, a PutLogEvents request is handed to a
 * pool of threads of its own: the worker suspends the connection
 * (MHD_suspend_connection) and goes on receiving other requests, the pool
 * thread runs process() exactly as the worker would, stores the answer in
 * the request's state and resumes the connection, and the worker sends
 * it. Requests then wait for a commit together — up to the pool's size,
 * not the number of workers — and one fsync covers them all. Everything
 * else (KMS above all, whose requests are short) stays on the worker: a
 * hand-off costs two wake-ups.
 *
 * The pool has two threads per worker, at least LV_PUT_MIN_THREADS. Each
 * thread keeps its decoder's buffers at the size of the largest body it
 * has seen, so the pool's size is also memory. Measured with 8
 * connections on 2 cpus (bench/results/perf-ingest-round8-2026-12-05.md):
 * - batches of 100: 1.0-1.1 requests per commit with no pool, 1.6-2.2
 *   with 4 threads, ~3.7 with 8;
 * - batches of 4,306 (~1 MB bodies), 10 M events: peak RSS ~42 MB with
 *   no pool, 56 MB with 4 threads; with 8, 66 MB after 2.5 M events.
 */
#define LV_PUT_TARGET "Logs_20140328.PutLogEvents"
#define LV_PUT_MIN_THREADS 4

static int is_put(struct MHD_Connection *c)
{
    const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "X-Amz-Target");

    return t && strcmp(t, LV_PUT_TARGET) == 0;
}

/* Runs a queued request and resumes its connection: its answer is in st. */
static void put_run(struct lv_http *http, struct conn *st)
{
    struct lv_err err = LV_ERR_INIT_WHOLE;

    if (process(http->app, st->c, st->url, st, &st->rq, &st->out,
                &err) < 0) {
        if (lv_err_status(err.code) >= 500 &&
            err.code != LV_E_NOT_IMPLEMENTED) {
            lv_log(LV_LOG_ERROR, "http: req=%s fault type=%s", st->rq.id,
                   lv_err_type(err.code));
        }
        st->status = lv_reply_error(&err, &st->out);
    } else {
        st->status = 200;
    }
    lv_err_release(&err);
    st->answered = 1;
    /* MHD's lock orders the stores above before the worker reads them. */
    MHD_resume_connection(st->c);
}

static void *put_thread(void *arg)
{
    struct lv_http *http = arg;

    pthread_mutex_lock(&http->put_mu);
    for (;;) {
        struct conn *st;

        while (!http->put_head && !http->put_stop) {
            pthread_cond_wait(&http->put_cv, &http->put_mu);
        }
        if (!http->put_head) {
            break;
        }
        st = http->put_head;
        http->put_head = st->next;
        if (!http->put_head) {
            http->put_tail = &http->put_head;
        }
        st->next = NULL;
        pthread_mutex_unlock(&http->put_mu);
        put_run(http, st);
        pthread_mutex_lock(&http->put_mu);
    }
    pthread_mutex_unlock(&http->put_mu);
    return NULL;
}

/*
 * Hands the request (its state st, the request rq being answered) to the
 * pool and suspends its connection: 1. 0 when the pool is stopping or
 * absent: the caller runs it itself.
 */
static int put_offer(struct lv_http *http, struct MHD_Connection *c,
                     const char *url, struct conn *st,
                     const struct lv_req *rq)
{
    pthread_mutex_lock(&http->put_mu);
    if (http->put_n == 0 || http->put_stop) {
        pthread_mutex_unlock(&http->put_mu);
        return 0;
    }
    st->rq = *rq;
    st->c = c;
    st->url = url;
    st->out = (struct lv_buf)LV_BUF_INIT(LV_MAX_RESPONSE_BYTES);
    st->queued = 1;
    MHD_suspend_connection(c);
    *http->put_tail = st;
    http->put_tail = &st->next;
    pthread_cond_signal(&http->put_cv);
    pthread_mutex_unlock(&http->put_mu);
    return 1;
}

/* Starts the pool; with no thread started, requests run on the workers. */
static void put_pool_start(struct lv_http *http)
{
    size_t want = 2 * (size_t)http->app->cfg.threads;

    if (want < LV_PUT_MIN_THREADS) {
        want = LV_PUT_MIN_THREADS;
    }
    pthread_mutex_init(&http->put_mu, NULL);
    pthread_cond_init(&http->put_cv, NULL);
    http->put_tail = &http->put_head;
    http->put_th = lv_xcalloc(want, sizeof(*http->put_th));
    while (http->put_n < want &&
           pthread_create(&http->put_th[http->put_n], NULL, put_thread,
                          http) == 0) {
        lv_thread_name(http->put_th[http->put_n], "put");
        http->put_n++;
    }
    if (http->put_n < want) {
        lv_log(LV_LOG_WARN, "http: put pool smaller than planned "
               "threads=%zu wanted=%zu", http->put_n, want);
    }
}

/* Runs what is queued, then stops the pool; requests that arrive from
 * now on run on the workers. */
static void put_pool_stop(struct lv_http *http)
{
    pthread_mutex_lock(&http->put_mu);
    http->put_stop = 1;
    pthread_cond_broadcast(&http->put_cv);
    pthread_mutex_unlock(&http->put_mu);
    for (size_t i = 0; i < http->put_n; i++) {
        pthread_join(http->put_th[i], NULL);
    }
}

static void put_pool_free(struct lv_http *http)
{
    pthread_mutex_destroy(&http->put_mu);
    pthread_cond_destroy(&http->put_cv);
    free(http->put_th);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct lv_http *http = cls;
    struct lv_app *app = http->app;
    struct conn *st = *con_cls;
    /* Whole: the client reads AWS's message in full (e.g. a rejected
     * value quoted whole); released below, after the reply is written. */
    struct lv_err err = LV_ERR_INIT_WHOLE;
    struct lv_buf out = LV_BUF_INIT(LV_MAX_RESPONSE_BYTES);
    struct lv_req rq;
    struct timespec now;
    int status;
    int close_after = 0;

    (void)version;
    if (!st) {
        const char *cl;

        st = lv_xcalloc(1, sizeof(*st));
        lv_buf_init(&st->body, (size_t)app->cfg.max_body);
        st->start_us = now_us();
        *con_cls = st;
        /* The head is complete: from now on the body's minimum rate
         * applies (lv_conns_reap). */
        lv_conns_busy(http->conns, conn_of(c), mono_ms());
        /* Refuse ambiguous framing, and an announced oversized body,
         * before reading any of it. */
        cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                         "Content-Length");
        if (check_framing(c, &err) < 0) {
            st->bad_framing = 1;
        } else if (cl && strtoull(cl, NULL, 10) > (unsigned long long)
                                                      app->cfg.max_body) {
            st->too_large = 1;
        } else {
            /* The body goes into one allocation of its announced size,
             * with room for the zeros a raw-body handler parses past its
             * end (process()), instead of a buffer doubled and copied
             * as it fills. */
            if (cl) {
                size_t want = (size_t)strtoull(cl, NULL, 10);

                if (lv_buf_grow(&st->body, want + LV_REQ_BODY_PAD) < 0) {
                    lv_buf_grow(&st->body, want);
                }
            }
            lv_sigv4_body_hash_init(&st->hash);
            return MHD_YES;
        }
    }
    if (*upload_data_size) {
        lv_conns_body(http->conns, conn_of(c), *upload_data_size);
        if (!st->too_large &&
            lv_buf_add(&st->body, upload_data, *upload_data_size) < 0) {
            st->too_large = 1;
        }
        if (!st->too_large && st->hash.md) {
            lv_sigv4_body_hash_update(&st->hash, upload_data,
                                      *upload_data_size);
        }
        *upload_data_size = 0;
        if (!st->too_large) {
            return MHD_YES;
        }
    }
    if (st->answered) {
        /* Resumed: the put pool has answered (put_run). */
        log_request(&st->rq, st, st->status);
        free(st->rq.trace);
        st->rq.trace = NULL;
        lv_conns_sending(http->conns, conn_of(c), mono_ms());
        return send_body(c, st->status, "application/x-amz-json-1.1",
                         st->rq.id, &st->out, 0);
    }

    /* From here on the request is answered: a peer that half-closes now
     * still gets its answer. */
    lv_conns_answering(http->conns, conn_of(c));
    memset(&rq, 0, sizeof(rq));
    lv_uuid4(rq.id);
    /* One clock read for both: Logs times are milliseconds (creationTime,
     * ingestionTime), so rounding to the second would put ingestionTime
     * before the event's own timestamp. */
    clock_gettime(CLOCK_REALTIME, &now);
    rq.now = now.tv_sec;
    rq.now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    rq.app = app;
    rq.store = app->store;
    source_of(app, c, &rq);

    if (st->bad_framing) {
        /* What follows the head cannot be told apart from a next request:
         * answer and close (RFC 9112 section 6.3). */
        close_after = 1;
        status = lv_reply_error(&err, &out);
    } else if (st->too_large) {
        /* The rest of the body is never read: MHD closes the connection
         * after this answer, which is what a client sending too much
         * deserves. */
        lv_buf_release(&st->body);
        lv_sigv4_body_hash_release(&st->hash);
        lv_err_set(&err, LV_E_REQUEST_ENTITY_TOO_LARGE,
                   "Request body is larger than %ld bytes",
                   app->cfg.max_body);
        status = lv_reply_error(&err, &out);
    } else if (strcmp(url, "/health") == 0 && strcmp(method, "GET") == 0) {
        return health(app, c);
    } else if (lv_console_owns(url)) {
        /* The web console's files: public, unsigned (http/console.h). */
        return (enum MHD_Result)lv_console_respond(c, method, url);
    } else if (strcmp(method, "POST") != 0 || strcmp(url, "/") != 0) {
        /* AWS JSON 1.1 services take only POST /. */
        lv_err_set(&err, LV_E_UNKNOWN_OPERATION, NULL);
        status = lv_reply_error(&err, &out);
    } else if (is_put(c) && put_offer(http, c, url, st, &rq)) {
        return MHD_YES;
    } else if (process(app, c, url, st, &rq, &out, &err) < 0) {
        if (rq.stream) {
            /* failed after the handler (the audit record): no stream */
            rq.stream->free(rq.stream);
            rq.stream = NULL;
        }
        if (lv_err_status(err.code) >= 500 &&
            err.code != LV_E_NOT_IMPLEMENTED) {
            lv_log(LV_LOG_ERROR, "http: req=%s fault type=%s", rq.id,
                   lv_err_type(err.code));
        }
        status = lv_reply_error(&err, &out);
    } else {
        status = 200;
    }
    lv_err_release(&err);
    log_request(&rq, st, status);
    free(rq.trace);
    rq.trace = NULL;
    if (rq.stream) {
        /* The answer is an event stream: no minimum rate applies to it
         * (lv_conns_sending is not called), the peer is noticed gone at
         * the stream's next message. */
        enum MHD_Result r = lv_http_stream_respond(http->streams, c,
                                                   rq.stream, rq.id,
                                                   out.data, out.len);

        lv_buf_release(&out);
        return r;
    }
    lv_conns_sending(http->conns, conn_of(c), mono_ms());
    return send_body(c, status, "application/x-amz-json-1.1", rq.id, &out,
                     close_after);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct lv_http *http = cls;
    struct conn *st = *con_cls;

    (void)toe;
    /* Kept alive from now on, with --timeout to send the next head. */
    lv_conns_idle(http->conns, conn_of(c), mono_ms());
    if (st) {
        lv_buf_release(&st->body);
        lv_sigv4_body_hash_release(&st->hash);
        if (st->queued) {
            lv_buf_release(&st->out);
            free(st->rq.trace);
        }
        free(st);
        *con_cls = NULL;
    }
}

/* libmicrohttpd's accept policy: runs after accept(), before the
 * connection is set up; MHD_NO closes the socket at once. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr,
                                 socklen_t addrlen)
{
    struct lv_http *http = cls;

    (void)addrlen;
    return lv_conns_admit(http->conns, addr, mono_ms()) ? MHD_YES : MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *c,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct lv_http *http = cls;
    const union MHD_ConnectionInfo *fd;
    const union MHD_ConnectionInfo *peer;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        peer = MHD_get_connection_info(c,
                                       MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (!fd) {
            LV_BUG("http: a started connection without a socket");
        }
        *socket_context = lv_conns_add(http->conns, fd->connect_fd,
                                       peer ? peer->client_addr : NULL,
                                       mono_ms());
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        /* libmicrohttpd closes the socket after this returns. */
        lv_conns_remove(http->conns, *socket_context);
        *socket_context = NULL;
    }
}

static void reap(void *arg)
{
    struct lv_http *http = arg;

    lv_conns_reap(http->conns, mono_ms());
}

/*
 * Raises the soft limit on open files to the hard one, and sizes the
 * connection caps to what it allows: *max_conns (the cap our book keeps)
 * and the return value, libmicrohttpd's own hard cap, which sits above
 * ours by the headroom that shed connections need while they close.
 */
static unsigned int size_limits(long *max_conns)
{
    struct rlimit rl;
    long budget = 1L << 20;
    long want = *max_conns;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
                getrlimit(RLIMIT_NOFILE, &rl);
            }
        }
        if (rl.rlim_cur != RLIM_INFINITY &&
            rl.rlim_cur < (rlim_t)budget) {
            budget = (long)rl.rlim_cur;
        }
    }
    budget = budget > LV_FD_RESERVE + 32 ? budget - LV_FD_RESERVE : 32;
    if (*max_conns > budget * 4 / 5) {
        *max_conns = budget * 4 / 5;
        lv_log(LV_LOG_WARN,
               "http: max-connections lowered to the open-file limit "
               "wanted=%ld max=%ld nofile=%ld", want, *max_conns,
               budget + LV_FD_RESERVE);
    }
    return (unsigned int)(*max_conns + *max_conns / 4 > budget
                              ? budget
                              : *max_conns + *max_conns / 4);
}

/* libmicrohttpd's unescaping of the URL, but a URL holding "%00" is left
 * escaped whole: decoded, its NUL would end the path early, and
 * "/console/index.html%00.txt" would name index.html. Nothing under
 * /console/ has a '%' in its name, so such a URL names nothing (404);
 * the API's path is "/" alone. */
static size_t unescape_url(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    if (strstr(s, "%00")) {
        return strlen(s);
    }
    return MHD_http_unescape(s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];

    (void)cls;
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    lv_log(LV_LOG_DEBUG, "http: mhd %s", line);
}

/* "127.0.0.1:4566", "[::1]:4566" or ":4566" (loopback). */
static int parse_listen(const char *s, struct sockaddr_storage *ss,
                        socklen_t *len, struct lv_err *err)
{
    char host[128];
    const char *colon = strrchr(s, ':');
    char *end;
    long port;
    size_t hl;

    memset(ss, 0, sizeof(*ss));
    if (!colon) {
        goto bad;
    }
    port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || port < 0 || port > 65535) {
        goto bad;
    }
    hl = (size_t)(colon - s);
    if (hl >= sizeof(host)) {
        goto bad;
    }
    memcpy(host, s, hl);
    host[hl] = '\0';
    if (hl == 0) {
        snprintf(host, sizeof(host), "127.0.0.1");
    }
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

        host[hl - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1) {
            goto bad;
        }
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*a6);
        return 0;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

        if (strcmp(host, "localhost") == 0) {
            snprintf(host, sizeof(host), "127.0.0.1");
        }
        if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
            goto bad;
        }
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *len = sizeof(*a4);
        return 0;
    }
bad:
    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "--listen: '%s' is not ADDR:PORT (e.g. 127.0.0.1:4566"
                      " or [::1]:4566)", s);
}

/*
 * Reads the certificate and key for HTTPS into h->tls and fills opts (4
 * items at most) with the options that make MHD serve them; without
 * --tls-cert, opts is only MHD_OPTION_END. The connection limits hold as
 * for HTTP: MHD's workers do the handshake after accept(), on_accept and
 * the "started" notice (on_connection), so it is part of the FRESH time
 * the header timeout bounds (http/conns.h), and shedding's shutdown(2)
 * ends a handshake or a TLS read like a plain one. The reaper's TCP_INFO
 * counts TLS records, a few bytes more than the answer: the same rate.
 */
static int tls_setup(struct lv_http *h, struct MHD_OptionItem *opts,
                     unsigned int *flags, struct lv_err *err)
{
    const struct lv_config *cfg = &h->app->cfg;
    size_t n = 0;

    if (cfg->tls_cert) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "--tls-cert: this libmicrohttpd was built "
                              "without TLS support (Debian's is built "
                              "with GnuTLS)");
        }
        if (lv_tls_load(cfg->tls_cert, cfg->tls_key, &h->tls, err) < 0) {
            return -1;
        }
        *flags |= MHD_USE_TLS;
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
                                             h->tls.cert };
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
                                             h->tls.key };
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
                                             (void *)LV_TLS_PRIORITIES };
    }
    opts[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
    return 0;
}

struct lv_http *lv_http_start(struct lv_app *app, int *port,
                              struct lv_err *err)
{
    struct MHD_OptionItem tls_opts[5];
    struct sockaddr_storage ss;
    socklen_t sl;
    struct lv_http *h;
    const union MHD_DaemonInfo *info;
    unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
                         MHD_ALLOW_SUSPEND_RESUME;
    struct lv_conns_limits lim;
    unsigned int mhd_limit;
    long timeout_s = app->cfg.timeout_s;

    if (parse_listen(app->cfg.listen, &ss, &sl, err) < 0) {
        return NULL;
    }
    if (app->cfg.trusted_proxy &&
        lv_http_proxy_list_check(app->cfg.trusted_proxy) < 0) {
        lv_err_set(err, LV_E_INVALID_PARAMETER, "--trusted-proxy: '%s' is "
                   "not a list of addresses or CIDR blocks",
                   app->cfg.trusted_proxy);
        return NULL;
    }
    (void)sl; /* MHD reads the length from the address family */
    if (ss.ss_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
    }
    h = lv_xcalloc(1, sizeof(*h));
    h->app = app;
    if (tls_setup(h, tls_opts, &flags, err) < 0) {
        free(h);
        return NULL;
    }
    lim.max_conns = app->cfg.max_connections;
    mhd_limit = size_limits(&lim.max_conns);
    /* libmicrohttpd splits its cap among the worker threads. */
    if (mhd_limit < 2 * (unsigned int)app->cfg.threads) {
        mhd_limit = 2 * (unsigned int)app->cfg.threads;
    }
    lim.max_per_addr = app->cfg.max_connections_per_ip;
    lim.idle_ms = (int64_t)timeout_s * 1000;
    lim.header_ms = (int64_t)(app->cfg.header_timeout_s < timeout_s
                                  ? app->cfg.header_timeout_s
                                  : timeout_s) * 1000;
    h->conns = lv_conns_new(&lim);
    h->streams = lv_http_streams_new();
    if (!h->streams) {
        lv_conns_free(h->conns);
        lv_tls_release(&h->tls);
        free(h);
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "cannot start the HTTP stream thread");
        return NULL;
    }
    /* Before the daemon: its workers hand requests to the pool. */
    put_pool_start(h);
    h->d = MHD_start_daemon(
        flags, 0, on_accept, h, on_request, h,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)app->cfg.threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, mhd_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape_url, NULL,
        /* 0, not 1: 1 is SO_REUSEPORT, which let a second serve bind the
         * same port and the kernel split connections between two stores.
         * MHD still sets SO_REUSEADDR, so a restart is not held off by
         * TIME_WAIT. */
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)0,
        MHD_OPTION_ARRAY, tls_opts,
        MHD_OPTION_END);
    if (h->d) {
        h->reaper = lv_ticker_start("http reaper", LV_REAP_INTERVAL_MS, reap,
                                    h);
        if (!h->reaper) {
            lv_http_streams_end_all(h->streams);
            MHD_stop_daemon(h->d);
            h->d = NULL;
        }
    }
    if (!h->d) {
        lv_http_streams_free(h->streams);
        put_pool_stop(h);
        put_pool_free(h);
        lv_conns_free(h->conns);
        lv_tls_release(&h->tls);
        free(h);
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "cannot listen on %s%s: %s", app->cfg.listen,
                   app->cfg.tls_cert ? " with TLS" : "",
                   errno ? strerror(errno) : "address unavailable");
        return NULL;
    }
    info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? (int)info->port : 0;
    return h;
}

void lv_http_stop(struct lv_http *h)
{
    if (!h) {
        return;
    }
    lv_ticker_stop(h->reaper);
    /* Suspended stream connections are resumed first, as MHD requires;
     * the PutLogEvents pool ends before the daemon: the workers send what
     * it answers. */
    lv_http_streams_end_all(h->streams);
    put_pool_stop(h);
    MHD_stop_daemon(h->d);
    lv_http_streams_free(h->streams);
    put_pool_free(h);
    lv_conns_free(h->conns);
    /* After the daemon: MHD may use the PEM text until it stops. */
    lv_tls_release(&h->tls);
    free(h);
}

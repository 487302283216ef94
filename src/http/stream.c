#include "http/stream.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "svc/req.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/evstream.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/ticker.h"

/* One streaming answer. Every field below `lock` is guarded by the
 * book's lock. */
struct sconn {
    struct lv_http_streams *ss;
    struct MHD_Connection *c;
    struct lv_stream *st;
    struct lv_buf pending;      /* bytes not yet handed to MHD */
    size_t off;                 /* of them, handed out already */
    int64_t next_ms;            /* when the pump is due */
    int ended;                  /* no more pumps: end after pending */
    int suspended;              /* we suspended c and owe a resume */
    int pumping;                /* the pump thread is in st->pump */
    int closed;                 /* MHD is done with the answer */
    struct sconn *prev, *next;
};

struct lv_http_streams {
    pthread_mutex_t lock;
    struct sconn *head;
    struct lv_ticker *pump;
};

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void unlink_sc(struct lv_http_streams *ss, struct sconn *sc)
{
    if (sc->prev) {
        sc->prev->next = sc->next;
    } else {
        ss->head = sc->next;
    }
    if (sc->next) {
        sc->next->prev = sc->prev;
    }
}

static void sc_free(struct sconn *sc)
{
    sc->st->free(sc->st);
    lv_secret_wipe(sc->pending.data, sc->pending.len);
    lv_buf_release(&sc->pending);
    free(sc);
}

/* Adds what a pump produced (under the lock), unless the peer already
 * has too much waiting; then wakes the connection. */
static void deliver(struct sconn *sc, struct lv_buf *more, int last)
{
    if (sc->off > 0 && sc->off == sc->pending.len) {
        lv_buf_reset(&sc->pending);
        sc->off = 0;
    }
    if (more->len > 0) {
        if (sc->pending.len - sc->off + more->len > LV_STREAM_MAX_PENDING ||
            lv_buf_add(&sc->pending, more->data, more->len) < 0) {
            lv_log(LV_LOG_WARN, "http: stream reader too slow, a message "
                   "dropped bytes=%zu", more->len);
        }
    }
    if (last) {
        sc->ended = 1;
    }
    if (sc->suspended) {
        sc->suspended = 0;
        MHD_resume_connection(sc->c);
    }
}

static void pump_all(void *arg)
{
    struct lv_http_streams *ss = arg;
    struct lv_buf more = LV_BUF_INIT(LV_STREAM_MAX_PENDING);
    int64_t now = mono_ms();
    struct sconn *sc;

    pthread_mutex_lock(&ss->lock);
    sc = ss->head;
    while (sc) {
        struct sconn *next;
        int go_on;

        if (sc->ended || sc->closed || now < sc->next_ms) {
            sc = sc->next;
            continue;
        }
        sc->pumping = 1;
        pthread_mutex_unlock(&ss->lock);
        lv_buf_reset(&more);
        go_on = sc->st->pump(sc->st, &more, wall_ms());
        pthread_mutex_lock(&ss->lock);
        sc->pumping = 0;
        sc->next_ms += sc->st->interval_ms;
        if (sc->next_ms < now) {
            sc->next_ms = now + sc->st->interval_ms;
        }
        next = sc->next;
        if (sc->closed) {
            unlink_sc(ss, sc);
            sc_free(sc);
        } else {
            deliver(sc, &more, !go_on);
        }
        sc = next;
    }
    pthread_mutex_unlock(&ss->lock);
    lv_secret_wipe(more.data, more.len);
    lv_buf_release(&more);
}

/* MHD's content callback, on the connection's worker thread. */
static ssize_t read_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct sconn *sc = cls;
    struct lv_http_streams *ss = sc->ss;
    ssize_t n = 0;

    (void)pos;
    pthread_mutex_lock(&ss->lock);
    if (sc->off < sc->pending.len) {
        size_t k = sc->pending.len - sc->off;

        if (k > max) {
            k = max;
        }
        memcpy(buf, sc->pending.data + sc->off, k);
        sc->off += k;
        n = (ssize_t)k;
    } else if (sc->ended) {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        /* Nothing to send: park the connection until the next pump
         * (safe from this callback, microhttpd.h). */
        sc->suspended = 1;
        MHD_suspend_connection(sc->c);
    }
    pthread_mutex_unlock(&ss->lock);
    return n;
}

/* MHD is done with the answer: the stream is freed now, or by the pump
 * thread when it is in the middle of pumping it. */
static void free_cb(void *cls)
{
    struct sconn *sc = cls;
    struct lv_http_streams *ss = sc->ss;
    int now;

    pthread_mutex_lock(&ss->lock);
    sc->closed = 1;
    now = !sc->pumping;
    if (now) {
        unlink_sc(ss, sc);
    }
    pthread_mutex_unlock(&ss->lock);
    if (now) {
        sc_free(sc);
    }
}

struct lv_http_streams *lv_http_streams_new(void)
{
    struct lv_http_streams *ss = lv_xcalloc(1, sizeof(*ss));

    pthread_mutex_init(&ss->lock, NULL);
    ss->pump = lv_ticker_start("http streams", LV_STREAM_TICK_MS, pump_all,
                               ss);
    if (!ss->pump) {
        pthread_mutex_destroy(&ss->lock);
        free(ss);
        return NULL;
    }
    return ss;
}

void lv_http_streams_end_all(struct lv_http_streams *ss)
{
    struct lv_buf none = LV_BUF_INIT(0);

    if (!ss) {
        return;
    }
    /* Stopped outside the lock, which its pumps take; a stream answered
     * meanwhile is ended below, or by lv_http_stream_respond once pump
     * is NULL. */
    lv_ticker_stop(ss->pump);
    pthread_mutex_lock(&ss->lock);
    ss->pump = NULL;
    for (struct sconn *sc = ss->head; sc; sc = sc->next) {
        deliver(sc, &none, 1);
    }
    pthread_mutex_unlock(&ss->lock);
}

void lv_http_streams_free(struct lv_http_streams *ss)
{
    if (!ss) {
        return;
    }
    lv_ticker_stop(ss->pump);
    if (ss->head) {
        LV_BUG("http: a stream outlives its daemon");
    }
    pthread_mutex_destroy(&ss->lock);
    free(ss);
}

enum MHD_Result lv_http_stream_respond(struct lv_http_streams *ss,
                                       struct MHD_Connection *c,
                                       struct lv_stream *st,
                                       const char *req_id, const char *json,
                                       size_t n)
{
    struct sconn *sc = lv_xcalloc(1, sizeof(*sc));
    struct MHD_Response *r;
    enum MHD_Result ret;
    int go_on;

    sc->ss = ss;
    sc->c = c;
    sc->st = st;
    lv_buf_init(&sc->pending, LV_STREAM_MAX_PENDING);
    if (lv_evstream_event(&sc->pending, "initial-response", json, n) < 0) {
        LV_BUG("http: the initial-response message does not fit");
    }
    go_on = st->pump(st, &sc->pending, wall_ms());
    sc->ended = !go_on;
    sc->next_ms = mono_ms() + st->interval_ms;
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024,
                                          read_cb, sc, free_cb);
    if (!r) {
        sc_free(sc);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type",
                            "application/vnd.amazon.eventstream");
    MHD_add_response_header(r, "x-amzn-RequestId", req_id);
    pthread_mutex_lock(&ss->lock);
    sc->next = ss->head;
    if (ss->head) {
        ss->head->prev = sc;
    }
    ss->head = sc;
    if (!ss->pump) {
        /* the server is stopping */
        sc->ended = 1;
    }
    pthread_mutex_unlock(&ss->lock);
    ret = MHD_queue_response(c, 200, r);
    /* On failure MHD never calls the content callbacks, but destroying
     * the response below still runs free_cb, which frees sc. */
    MHD_destroy_response(r);
    return ret;
}

/*
 * conns.c: one list of records under one mutex. Every decision scans the
 * list: with the default cap of a few thousand connections a scan is a
 * few microseconds, paid once per accepted connection and per reaper
 * tick, never per request.
 */
#include "http/conns.h"

#include <assert.h>
#include <linux/tcp.h>      /* struct tcp_info with tcpi_bytes_acked */
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* READING: the head is in, the body is arriving; ANSWERING: the handler
 * runs or the answer is being sent. Both are "busy": never shed by a cap
 * or a timeout. */
enum conn_state { FRESH, READING, ANSWERING, IDLE };

/* Near the cap (not at it), a FRESH connection gives way only once it is
 * this old: a client's head that is on its way is not cut off, a socket
 * held open without a request is. */
#define NEAR_CAP_GRACE_MS 1000

/* A client address without its port: what the per-address cap counts. */
struct addr {
    int family;             /* AF_INET, AF_INET6, or 0 (unknown) */
    unsigned char bytes[16];
};

struct lv_conn {
    struct lv_conn *prev;
    struct lv_conn *next;
    int fd;
    struct addr addr;
    enum conn_state state;
    int shed;               /* shut down by us, waiting to be removed */
    int64_t since_ms;       /* FRESH: accepted at; READING: head done
                               at; IDLE: idle since */
    int64_t body_bytes;     /* READING: body bytes received so far */
    int sending;            /* ANSWERING: the answer is queued */
    int64_t send_ms;        /* ... since then */
    int64_t acked0;         /* ... when the peer had acknowledged this */
};

struct lv_conns {
    pthread_mutex_t mu;
    struct lv_conns_limits lim;
    struct lv_conn *head;
    long n_live;            /* booked and not shed */
    int64_t last_warn_ms;   /* refusals are logged at most once a second */
    long refused_since_warn;
    struct pollfd *pfd;     /* the reaper's poll set, kept between ticks */
    struct lv_conn **pconn; /* the connection of each pfd[i] */
    size_t pcap;
};

static void addr_of(const struct sockaddr *sa, struct addr *a)
{
    memset(a, 0, sizeof(*a));
    if (!sa) {
        return;
    }
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

        a->family = AF_INET;
        memcpy(a->bytes, &in->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

        a->family = AF_INET6;
        memcpy(a->bytes, &in6->sin6_addr, 16);
    }
}

static int addr_eq(const struct addr *x, const struct addr *y)
{
    return x->family == y->family &&
           memcmp(x->bytes, y->bytes, sizeof(x->bytes)) == 0;
}

struct lv_conns *lv_conns_new(const struct lv_conns_limits *lim)
{
    struct lv_conns *cs = lv_xcalloc(1, sizeof(*cs));

    assert(lim->max_conns > 0 && lim->max_per_addr > 0);
    cs->lim = *lim;
    if (pthread_mutex_init(&cs->mu, NULL) != 0) {
        LV_BUG("conns: mutex init failed");
    }
    return cs;
}

void lv_conns_free(struct lv_conns *cs)
{
    struct lv_conn *c;
    struct lv_conn *next;

    if (!cs) {
        return;
    }
    /* The daemon has stopped and removed every connection; free any
     * record left anyway rather than leak it. */
    for (c = cs->head; c; c = next) {
        next = c->next;
        free(c);
    }
    pthread_mutex_destroy(&cs->mu);
    free(cs->pfd);
    free(cs->pconn);
    free(cs);
}

/* Shuts the connection's socket down both ways; libmicrohttpd reads the
 * end of the stream and closes it. Called with cs->mu held. */
static void shed(struct lv_conns *cs, struct lv_conn *c, const char *why)
{
    c->shed = 1;
    cs->n_live--;
    shutdown(c->fd, SHUT_RDWR);
    lv_log(LV_LOG_DEBUG, "http: shed connection fd=%d reason=%s", c->fd,
           why);
}

/* The connection to shed first among those of `only` (NULL: all): FRESH
 * before IDLE, then the longest in that state. With fresh_only, only FRESH
 * connections accepted at or before fresh_before. NULL if none may go. */
static struct lv_conn *victim(const struct lv_conns *cs,
                              const struct addr *only, int fresh_only,
                              int64_t fresh_before)
{
    struct lv_conn *best = NULL;

    for (struct lv_conn *c = cs->head; c; c = c->next) {
        if (c->shed || c->state == READING || c->state == ANSWERING ||
            (fresh_only &&
             (c->state != FRESH || c->since_ms > fresh_before)) ||
            (only && !addr_eq(&c->addr, only))) {
            continue;
        }
        if (!best || (c->state == FRESH && best->state == IDLE) ||
            (c->state == best->state && c->since_ms < best->since_ms)) {
            best = c;
        }
    }
    return best;
}

static void warn_refused(struct lv_conns *cs, const char *why,
                         int64_t now_ms)
{
    cs->refused_since_warn++;
    if (now_ms - cs->last_warn_ms < 1000) {
        return;
    }
    lv_log(LV_LOG_WARN, "http: refused connections n=%ld reason=%s",
           cs->refused_since_warn, why);
    cs->last_warn_ms = now_ms;
    cs->refused_since_warn = 0;
}

int lv_conns_admit(struct lv_conns *cs, const struct sockaddr *addr,
                   int64_t now_ms)
{
    struct addr a;
    struct lv_conn *v;
    long from_addr = 0;
    int ok = 0;

    addr_of(addr, &a);
    pthread_mutex_lock(&cs->mu);
    for (struct lv_conn *c = cs->head; c; c = c->next) {
        if (!c->shed && addr_eq(&c->addr, &a)) {
            from_addr++;
        }
    }
    if (from_addr >= cs->lim.max_per_addr) {
        v = victim(cs, &a, 0, 0);
        if (!v) {
            warn_refused(cs, "per-address limit, all busy", now_ms);
            goto out;
        }
        shed(cs, v, "per-address limit");
    }
    if (cs->n_live >= cs->lim.max_conns) {
        v = victim(cs, NULL, 0, 0);
        if (!v) {
            warn_refused(cs, "connection limit, all busy", now_ms);
            goto out;
        }
        shed(cs, v, "connection limit");
    } else if (cs->n_live >= cs->lim.max_conns - cs->lim.max_conns / 10 &&
               (v = victim(cs, NULL, 1, now_ms - NEAR_CAP_GRACE_MS))) {
        /* Near the cap: a connection that has not sent a request yet
         * gives way to the new one, so that the cap is not reached by
         * idle sockets while clients with requests are turned away. */
        shed(cs, v, "near connection limit");
    }
    ok = 1;
out:
    pthread_mutex_unlock(&cs->mu);
    return ok;
}

struct lv_conn *lv_conns_add(struct lv_conns *cs, int fd,
                             const struct sockaddr *addr, int64_t now_ms)
{
    struct lv_conn *c = lv_xcalloc(1, sizeof(*c));

    c->fd = fd;
    addr_of(addr, &c->addr);
    c->state = FRESH;
    c->since_ms = now_ms;
    pthread_mutex_lock(&cs->mu);
    c->next = cs->head;
    if (cs->head) {
        cs->head->prev = c;
    }
    cs->head = c;
    cs->n_live++;
    pthread_mutex_unlock(&cs->mu);
    return c;
}

void lv_conns_remove(struct lv_conns *cs, struct lv_conn *c)
{
    if (!c) {
        return;
    }
    pthread_mutex_lock(&cs->mu);
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        cs->head = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    if (!c->shed) {
        cs->n_live--;
    }
    pthread_mutex_unlock(&cs->mu);
    free(c);
}

static void set_state(struct lv_conns *cs, struct lv_conn *c,
                      enum conn_state state)
{
    if (!c) {
        return;
    }
    pthread_mutex_lock(&cs->mu);
    c->state = state;
    pthread_mutex_unlock(&cs->mu);
}

void lv_conns_busy(struct lv_conns *cs, struct lv_conn *c, int64_t now_ms)
{
    if (!c) {
        return;
    }
    pthread_mutex_lock(&cs->mu);
    c->state = READING;
    c->since_ms = now_ms;
    c->body_bytes = 0;
    pthread_mutex_unlock(&cs->mu);
}

void lv_conns_body(struct lv_conns *cs, struct lv_conn *c, size_t n)
{
    if (!c) {
        return;
    }
    pthread_mutex_lock(&cs->mu);
    c->body_bytes += (int64_t)n;
    pthread_mutex_unlock(&cs->mu);
}

/* A READING connection whose body has not come at the minimum rate: it
 * had the header timeout, then a second per LV_CONNS_BODY_MIN_RATE
 * bytes. */
static int body_too_slow(const struct lv_conns *cs, const struct lv_conn *c,
                         int64_t now_ms)
{
    return now_ms - c->since_ms >=
           cs->lim.header_ms +
               c->body_bytes * 1000 / LV_CONNS_BODY_MIN_RATE;
}

void lv_conns_answering(struct lv_conns *cs, struct lv_conn *c)
{
    set_state(cs, c, ANSWERING);
}

/* Bytes of this connection's output the peer has acknowledged (TCP_INFO,
 * Linux 4.1 and later), or -1 where the socket does not say (not TCP). */
static int64_t bytes_acked(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);

    memset(&ti, 0, sizeof(ti));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_bytes_acked) +
                  sizeof(ti.tcpi_bytes_acked)) {
        return -1;
    }
    return (int64_t)ti.tcpi_bytes_acked;
}

/* acked0 before the peer's acknowledged count has been read. */
#define ACKED_UNREAD (-2)

void lv_conns_sending(struct lv_conns *cs, struct lv_conn *c, int64_t now_ms)
{
    if (!c) {
        return;
    }
    /* No TCP_INFO here: a getsockopt on every answer cost every request a
     * system call, and most answers are gone before the reaper looks. The
     * count is read at the reaper's first look (answer_too_slow). */
    pthread_mutex_lock(&cs->mu);
    c->sending = 1;
    c->send_ms = now_ms;
    c->acked0 = ACKED_UNREAD;
    pthread_mutex_unlock(&cs->mu);
}

/* An answer being sent that the peer has not taken at the minimum rate:
 * a peer that reads a large answer a few bytes at a time would otherwise
 * hold the connection, and the answer's memory (up to 16 MiB), for
 * hours. The rate is measured from the reaper's first look at the answer
 * (at most a reaper's interval after it was queued), which grants a slow
 * peer that interval more than measuring from the queueing would. */
static int answer_too_slow(const struct lv_conns *cs, struct lv_conn *c,
                           int64_t now_ms)
{
    int64_t acked;

    if (!c->sending) {
        return 0;
    }
    if (c->acked0 == ACKED_UNREAD) {
        acked = bytes_acked(c->fd);
        c->sending = acked >= 0;    /* not TCP: nothing to measure */
        c->acked0 = acked;
        c->send_ms = now_ms;
        return 0;
    }
    if (now_ms - c->send_ms < cs->lim.header_ms) {
        return 0;
    }
    acked = bytes_acked(c->fd);
    return acked >= 0 &&
           now_ms - c->send_ms >=
               cs->lim.header_ms +
                   (acked - c->acked0) * 1000 / LV_CONNS_ANSWER_MIN_RATE;
}

void lv_conns_idle(struct lv_conns *cs, struct lv_conn *c, int64_t now_ms)
{
    if (!c) {
        return;
    }
    pthread_mutex_lock(&cs->mu);
    c->state = IDLE;
    c->since_ms = now_ms;
    c->sending = 0;
    pthread_mutex_unlock(&cs->mu);
}

/*
 * Sheds the connections whose peer has closed (or half-closed) while
 * they were not being answered, in one poll(2) over all of them. Needed
 * because libmicrohttpd 0.9.75 can miss the end of the stream: with
 * edge-triggered epoll, a FIN that arrives together with data (a partial
 * head, then close) raises one event, it reads the data, and never reads
 * again, so the socket sat in CLOSE-WAIT until the inactivity timeout.
 * A connection being answered is left alone: a client may half-close
 * after its request and still read the answer (one that half-closes
 * before its body has been taken in is cut off; no AWS SDK half-closes).
 * Called with cs->mu held.
 */
static int shed_gone(struct lv_conns *cs)
{
    size_t n = 0;
    int shed_n = 0;

    for (struct lv_conn *c = cs->head; c; c = c->next) {
        if (c->shed || c->state == ANSWERING) {
            continue;
        }
        if (n == cs->pcap) {
            cs->pcap = cs->pcap ? 2 * cs->pcap : 64;
            cs->pfd = lv_xrealloc(cs->pfd, cs->pcap * sizeof(*cs->pfd));
            cs->pconn = lv_xrealloc(cs->pconn,
                                    cs->pcap * sizeof(*cs->pconn));
        }
        cs->pfd[n].fd = c->fd;
        cs->pfd[n].events = POLLRDHUP;
        cs->pfd[n].revents = 0;
        cs->pconn[n] = c;
        n++;
    }
    if (n == 0 || poll(cs->pfd, (nfds_t)n, 0) <= 0) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (cs->pfd[i].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
            shed(cs, cs->pconn[i], "peer closed");
            shed_n++;
        }
    }
    return shed_n;
}

int lv_conns_reap(struct lv_conns *cs, int64_t now_ms)
{
    int n;

    pthread_mutex_lock(&cs->mu);
    n = shed_gone(cs);
    for (struct lv_conn *c = cs->head; c; c = c->next) {
        if (c->shed) {
            continue;
        }
        if (c->state == ANSWERING) {
            if (answer_too_slow(cs, c, now_ms)) {
                /* Discard what the kernel still holds for the peer, or
                 * it would go on feeding it slowly after the close. */
                struct linger now = { 1, 0 };

                setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &now, sizeof(now));
                shed(cs, c, "answer read too slowly");
                n++;
            }
        } else if (c->state == READING && body_too_slow(cs, c, now_ms)) {
            shed(cs, c, "body too slow");
            n++;
        } else if (c->state == FRESH &&
                   now_ms - c->since_ms >= cs->lim.header_ms) {
            shed(cs, c, "header timeout");
            n++;
        } else if (c->state == IDLE &&
                   now_ms - c->since_ms >= cs->lim.idle_ms) {
            shed(cs, c, "idle timeout");
            n++;
        }
    }
    pthread_mutex_unlock(&cs->mu);
    return n;
}

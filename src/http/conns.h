/*
 * conns: the book of open client connections that the HTTP front keeps
 * for the limits libmicrohttpd 0.9.75 lacks — a per-address cap that
 * sheds rather than only refuses, a header timeout shorter than the
 * keep-alive idle timeout, and shedding of idle connections first when
 * the global cap is near — so that a pile of idle connections from one
 * address cannot make the server unavailable to others, even to other
 * clients at that same address.
 *
 * A connection is FRESH (accepted, its first request head not complete
 * yet), busy (its request's body being read, or the request being handled
 * or answered) or IDLE (kept alive between requests). Only FRESH and IDLE
 * connections are shed to make room, FRESH first, oldest first; a busy
 * one only when its peer has closed while the body was being read, or
 * when its body arrives, or its answer is taken, too slowly (see
 * lv_conns_reap: libmicrohttpd's inactivity timeout restarts at every
 * byte, so a body trickled or an answer read a byte at a time would keep
 * a connection busy, and unsheddable, for hours).
 * Shedding is shutdown(2) of the socket: libmicrohttpd, which owns
 * the socket, then sees the end of the stream and closes it in its own
 * thread; the socket cannot be closed or reused under us because the
 * record leaves the book (lv_conns_remove, from libmicrohttpd's
 * "connection closed" notice, which comes before it closes the socket)
 * under the same lock that shedding holds.
 *
 * Not here: the HTTP parsing and the inactivity timeout of a stalled
 * body (libmicrohttpd's), the process's file-descriptor limit
 * (http/server.c).
 * Every function is thread-safe; times are arguments (milliseconds of a
 * monotonic clock).
 */
#ifndef LV_HTTP_CONNS_H
#define LV_HTTP_CONNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Bytes per second a request body must arrive at, on average, once the
 * header timeout's grace is spent. A client on any real link sends far
 * faster; one that sends slower ties up a connection for nothing. */
#define LV_CONNS_BODY_MIN_RATE 500
/* Bytes per second a peer must take an answer at, likewise. Higher than a
 * body's: an answer is held in memory until it is taken, so a slow
 * reader costs the server far more than it costs the reader. At this
 * rate the largest answer (16 MiB) may take 17 minutes. */
#define LV_CONNS_ANSWER_MIN_RATE 16384

struct lv_conns;
struct lv_conn;

struct lv_conns_limits {
    long max_conns;         /* open connections at most (> 0) */
    long max_per_addr;      /* from one client address at most (> 0) */
    int64_t header_ms;      /* a FRESH connection's time for its head */
    int64_t idle_ms;        /* an IDLE connection's time for the next head */
};

/* A new, empty book; lv_conns_free() releases it once no connection is
 * left in it (after the daemon has stopped). */
struct lv_conns *lv_conns_new(const struct lv_conns_limits *lim);
void lv_conns_free(struct lv_conns *cs);

/*
 * The accept policy, for a connection from `addr` that is accepted but
 * not yet booked. Returns 1 to admit it, 0 to refuse it. Where admitting
 * would pass a limit it first sheds one FRESH or IDLE connection (of that
 * address when the per-address cap is reached, of any address when the
 * global cap is); with none to shed it refuses. From 90% of the global cap
 * on, it also sheds the oldest FRESH connection older than a second, if
 * any, at each admission, so that connections that never sent a request
 * give way before clients that do.
 */
int lv_conns_admit(struct lv_conns *cs, const struct sockaddr *addr,
                   int64_t now_ms);

/* Books an admitted connection (socket `fd`, peer `addr`) as FRESH. The
 * record is the book's; it stays valid until lv_conns_remove(). */
struct lv_conn *lv_conns_add(struct lv_conns *cs, int fd,
                             const struct sockaddr *addr, int64_t now_ms);

/* Takes a connection out of the book and frees its record; NULL no-op.
 * Call it before the socket is closed. */
void lv_conns_remove(struct lv_conns *cs, struct lv_conn *c);

/* A request head is complete at now_ms and its body is being read
 * (busy), `n` more bytes of that body have arrived, the request is being
 * handled and answered (busy), or its answer is done (IDLE from now).
 * NULL c is a no-op. */
void lv_conns_busy(struct lv_conns *cs, struct lv_conn *c, int64_t now_ms);
void lv_conns_body(struct lv_conns *cs, struct lv_conn *c, size_t n);
/* The answer is queued at now_ms: from the reaper's next look on, the
 * peer must take it at the minimum rate (lv_conns_reap). No system call.
 * NULL c is a no-op. */
void lv_conns_sending(struct lv_conns *cs, struct lv_conn *c, int64_t now_ms);
void lv_conns_answering(struct lv_conns *cs, struct lv_conn *c);
void lv_conns_idle(struct lv_conns *cs, struct lv_conn *c, int64_t now_ms);

/* Sheds every connection whose peer has closed, unless it is being
 * answered, every FRESH connection older than the header timeout, every
 * IDLE one idle longer than the idle timeout, every one reading a
 * body for longer than the header timeout plus one second per
 * LV_CONNS_BODY_MIN_RATE bytes received (a minimum rate, as Apache's
 * mod_reqtimeout "body=20,MinRate=500"), and every one sending its answer
 * for longer than the header timeout plus one second per
 * LV_CONNS_ANSWER_MIN_RATE bytes the peer acknowledged (TCP sockets only:
 * TCP_INFO's tcpi_bytes_acked). Run it a few times a second. Returns how
 * many it shed. */
int lv_conns_reap(struct lv_conns *cs, int64_t now_ms);

#endif

/*
 * stream: event-stream answers (application/vnd.amazon.eventstream) on
 * libmicrohttpd, for handlers that set rq->stream (svc/req.h struct
 * lv_stream, e.g. StartLiveTail).
 *
 * An answer of unknown length (chunked) whose content callback hands
 * out what the stream's pump produced; with nothing to hand out it
 * suspends the connection (MHD_suspend_connection), so a stream holds no
 * worker thread while it waits: the workers keep serving every other
 * connection. One thread of its own (a ticker) calls each stream's pump
 * every interval_ms, appends what it produced and resumes the connection.
 * A peer that went away is noticed when the next message is written (MHD
 * then closes the connection and the stream is freed); a peer that reads
 * too slowly gets the newest messages dropped once LV_STREAM_MAX_PENDING
 * bytes wait for it (AWS "buffers up to 10 LiveTailSessionUpdate events
 * or 5000 log events, after which it starts dropping the oldest": here
 * the bound is in bytes, and what is dropped is what comes next, since
 * what waits may be half sent).
 *
 * The daemon must be started with MHD_ALLOW_SUSPEND_RESUME, and
 * lv_http_streams_end_all() called before MHD_stop_daemon (a suspended
 * connection must be resumed before the daemon stops).
 */
#ifndef LV_HTTP_STREAM_H
#define LV_HTTP_STREAM_H

#include <stddef.h>

#include <microhttpd.h>

struct lv_stream;

#define LV_STREAM_MAX_PENDING (32u * 1024 * 1024)
/* How often the pump thread looks for streams that are due. */
#define LV_STREAM_TICK_MS 100

struct lv_http_streams;

/* The streams of one daemon, with their pump thread running; NULL when
 * the thread cannot start (logged). */
struct lv_http_streams *lv_http_streams_new(void);

/* Stops the pump thread, ends every stream (its connection is resumed and
 * its answer ends after what is pending). Call before MHD_stop_daemon. */
void lv_http_streams_end_all(struct lv_http_streams *ss);

/* Frees the book, after MHD_stop_daemon (every stream freed by then);
 * NULL is a no-op. */
void lv_http_streams_free(struct lv_http_streams *ss);

/*
 * Answers connection c with stream st (taken: freed whatever happens):
 * 200, Content-Type application/vnd.amazon.eventstream, x-amzn-RequestId
 * req_id, first the initial-response message with payload `json` (n
 * bytes: the handler's output object) and what a first pump produces.
 * Called from the request handler, as MHD_queue_response would be.
 */
enum MHD_Result lv_http_stream_respond(struct lv_http_streams *ss,
                                       struct MHD_Connection *c,
                                       struct lv_stream *st,
                                       const char *req_id, const char *json,
                                       size_t n);

#endif

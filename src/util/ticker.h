/*
 * ticker: a background thread that runs one function shortly after start
 * and then every interval, until stopped. The KMS sweeper and the Logs
 * retention task are built on it.
 *
 * Not here: what the work is, catching up on missed ticks (an interval is
 * counted from the end of the previous run, so a slow run delays the next
 * one rather than piling runs up), or running on a request's path.
 */
#ifndef LV_UTIL_TICKER_H
#define LV_UTIL_TICKER_H

struct lv_ticker;

/* The first call comes this long after start (or interval_ms after it,
 * when shorter), not at once: a starting server answers its first
 * requests before its housekeeping opens store connections (each parses
 * the whole schema) on the same cores. */
#define LV_TICKER_FIRST_MS 200

/*
 * Starts a thread that calls fn(arg) LV_TICKER_FIRST_MS after start (or
 * interval_ms, if shorter), then again interval_ms (> 0, else LV_BUG)
 * after each call returns. `name` says in log lines what the
 * thread is ("kms sweeper"); it must have static storage. fn and arg must
 * stay valid until lv_ticker_stop() returns. Returns the handle, or NULL
 * when the thread cannot be started (logged).
 */
struct lv_ticker *lv_ticker_start(const char *name, int interval_ms,
                                  void (*fn)(void *arg), void *arg);

/*
 * Stops the ticker: wakes the thread at once (no waiting out the
 * interval), waits for a call in progress to finish, joins the thread and
 * frees the handle. NULL is a no-op.
 */
void lv_ticker_stop(struct lv_ticker *t);

#endif

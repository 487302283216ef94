/*
 * throttle: LookupEvents' request rate, as CloudTrail limits it — "The
 * rate of lookup requests is limited to two per second, per account, per
 * Region. If this limit is exceeded, a throttling error occurs." (the
 * LookupEvents API reference; the CloudTrail quotas page: LookupEvents,
 * 2 transactions per second).
 *
 * A token bucket per (account, region) holding at most `rate` calls and
 * refilled at `rate` a second (serve --lookup-events-rate, 2 as on AWS),
 * so that a burst of two passes, a third right after it is refused, and a
 * caller that keeps to two a second is never refused. Time is an argument
 * (the request's clock, rq->now_ms).
 *
 * In this process's memory only: with several nodes sharing a store each
 * node counts its own callers, so an account spread over n nodes may make
 * up to n × rate lookups a second. A table holds LV_CT_RATE_SLOTS (account,
 * region) pairs; a pair idle for a second or more holds a full bucket,
 * the same as no entry, so its slot is reused without loss; when every
 * slot was used within the last second, the least recently used one is
 * reused (that pair's next call then passes).
 */
#ifndef LV_CLOUDTRAIL_THROTTLE_H
#define LV_CLOUDTRAIL_THROTTLE_H

#include <pthread.h>
#include <stdint.h>

#define LV_CT_RATE_SLOTS 256

/* A call costs 1000 units of credit; a second adds 1000 × rate of it, up
 * to 1000 × rate (a burst of `rate` calls). */
struct lv_ct_rate_slot {
    char key[96];               /* "<account> <region>", "" when free */
    int64_t last_ms;            /* when credit was last brought up to date */
    int64_t credit;             /* 0 … 1000 × rate */
};

struct lv_ct_rate {
    pthread_mutex_t mu;
    struct lv_ct_rate_slot slot[LV_CT_RATE_SLOTS];
};

#define LV_CT_RATE_INIT { PTHREAD_MUTEX_INITIALIZER, { { { 0 }, 0, 0 } } }

/*
 * Takes one call of (account, region) at now_ms from r, at `rate` calls a
 * second (> 0; one r is used with one rate): 1 when it may proceed, 0 when
 * it is over the rate (nothing taken). A clock that went back is taken as
 * no time passed. Thread-safe.
 */
int lv_ct_rate_take(struct lv_ct_rate *r, const char *account,
                    const char *region, int64_t now_ms, long rate);

#endif

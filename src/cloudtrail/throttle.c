/*
 * throttle.c: LookupEvents' calls a second per account and region
 * (throttle.h).
 */
#include "cloudtrail/throttle.h"

#include <stdio.h>
#include <string.h>

/* What one call costs; a millisecond adds `rate` (1000 × rate a second). */
#define COST 1000

/* The credit of s brought up to now_ms: at most full (1000 × rate), which
 * a second fills from nothing. */
static int64_t credit_at(const struct lv_ct_rate_slot *s, int64_t now_ms,
                         long rate)
{
    int64_t full = (int64_t)COST * rate;
    int64_t passed = now_ms > s->last_ms ? now_ms - s->last_ms : 0;
    int64_t c;

    if (passed >= 1000) {
        return full;
    }
    c = s->credit + passed * rate;
    return c > full ? full : c;
}

/* The slot of key: its own, else a free or full one (as good as none),
 * else the least recently used. */
static struct lv_ct_rate_slot *slot_of(struct lv_ct_rate *r, const char *key,
                                       int64_t now_ms, long rate)
{
    struct lv_ct_rate_slot *spare = NULL;
    struct lv_ct_rate_slot *oldest = NULL;

    for (size_t i = 0; i < LV_CT_RATE_SLOTS; i++) {
        struct lv_ct_rate_slot *s = &r->slot[i];

        if (s->key[0] && strcmp(s->key, key) == 0) {
            return s;
        }
        if (!spare && (!s->key[0] ||
                       credit_at(s, now_ms, rate) == (int64_t)COST * rate)) {
            spare = s;
        }
        if (!oldest || s->last_ms < oldest->last_ms) {
            oldest = s;
        }
    }
    spare = spare ? spare : oldest;
    snprintf(spare->key, sizeof(spare->key), "%s", key);
    spare->last_ms = now_ms;
    spare->credit = (int64_t)COST * rate;
    return spare;
}

int lv_ct_rate_take(struct lv_ct_rate *r, const char *account,
                    const char *region, int64_t now_ms, long rate)
{
    struct lv_ct_rate_slot *s;
    char key[sizeof(s->key)];
    int ok;

    snprintf(key, sizeof(key), "%s %s", account, region);
    pthread_mutex_lock(&r->mu);
    s = slot_of(r, key, now_ms, rate);
    s->credit = credit_at(s, now_ms, rate);
    if (now_ms > s->last_ms) {
        s->last_ms = now_ms;
    }
    ok = s->credit >= COST;
    if (ok) {
        s->credit -= COST;
    }
    pthread_mutex_unlock(&r->mu);
    return ok;
}

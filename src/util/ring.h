/*
 * ring: a first-in first-out queue of pointers that grows. The audit
 * writer's queue (audit.c): requests put jobs in, the writer takes them
 * out many at a time into an array of its own, which it can read ahead
 * of itself (a linked list would make it wait on each job's next pointer,
 * a cache miss after another). Not locked: its owner locks.
 */
#ifndef LV_UTIL_RING_H
#define LV_UTIL_RING_H

#include <stddef.h>

struct lv_ring {
    void **v;
    size_t cap;     /* a power of two, or 0 before the first put */
    size_t first;   /* the oldest's place */
    size_t n;       /* how many are in */
};

#define LV_RING_INIT { NULL, 0, 0, 0 }

/* Puts p in last; the ring doubles (from 64) when full. */
void lv_ring_put(struct lv_ring *r, void *p);
/* Takes the oldest min(max, r->n) into out, oldest first: how many. */
size_t lv_ring_take(struct lv_ring *r, void **out, size_t max);
/* Frees the ring's array (not what it points to); the ring is empty. */
void lv_ring_release(struct lv_ring *r);

#endif

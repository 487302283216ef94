/*
 * ring.c: the functions of ring.h.
 */
#include "util/ring.h"

#include <stdlib.h>

#include "util/mem.h"

#define RING_MIN 64

/* Doubles r, its pointers moved to v[0] … v[n - 1]. */
static void grow(struct lv_ring *r)
{
    size_t cap = r->cap ? 2 * r->cap : RING_MIN;
    void **v = lv_xcalloc(cap, sizeof(*v));

    for (size_t i = 0; i < r->n; i++) {
        v[i] = r->v[(r->first + i) & (r->cap - 1)];
    }
    free(r->v);
    r->v = v;
    r->cap = cap;
    r->first = 0;
}

void lv_ring_put(struct lv_ring *r, void *p)
{
    if (r->n == r->cap) {
        grow(r);
    }
    r->v[(r->first + r->n) & (r->cap - 1)] = p;
    r->n++;
}

size_t lv_ring_take(struct lv_ring *r, void **out, size_t max)
{
    size_t n = r->n < max ? r->n : max;

    for (size_t i = 0; i < n; i++) {
        out[i] = r->v[(r->first + i) & (r->cap - 1)];
    }
    if (n > 0) {
        r->first = (r->first + n) & (r->cap - 1);
        r->n -= n;
    }
    return n;
}

void lv_ring_release(struct lv_ring *r)
{
    free(r->v);
    r->v = NULL;
    r->cap = 0;
    r->first = 0;
    r->n = 0;
}

/*
 * arena: the bump allocator of one row's computed values (iq.h). Blocks
 * start at ARENA_FIRST bytes and double up to ARENA_MAX_STEP; a request
 * larger than the next block gets a block of its own size. used_total is
 * the bytes the arena holds in blocks (headers included): what a row's
 * share of a run's memory bound counts, not what callers asked for.
 *
 * A zeroed struct lv_iq_arena is a valid empty arena.
 */
#include "insights/iq.h"

#include <stdalign.h>
#include <stddef.h>
#include <string.h>

#include "util/err.h"
#include "util/mem.h"

#define ARENA_FIRST 1024
#define ARENA_MAX_STEP (64 * 1024)
#define ARENA_ALIGN (alignof(max_align_t))

struct lv_iq_arena_block {
    struct lv_iq_arena_block *next;
    size_t size;                /* bytes of data[] */
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

static size_t round_up(size_t n)
{
    return (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
}

static struct lv_iq_arena_block *new_block(struct lv_iq_arena *a,
                                           size_t need)
{
    struct lv_iq_arena_block *b;
    size_t size = ARENA_FIRST;

    if (a->head) {
        size = a->head->size * 2;
        if (size > ARENA_MAX_STEP) {
            size = ARENA_MAX_STEP;
        }
    }
    if (size < need) {
        size = need;
    }
    b = lv_xmalloc(sizeof(*b) + size);
    b->size = size;
    b->used = 0;
    b->next = a->head;
    a->head = b;
    a->used_total += sizeof(*b) + size;
    return b;
}

void *lv_iq_arena_alloc(struct lv_iq_arena *a, size_t n)
{
    struct lv_iq_arena_block *b = a->head;
    void *p;

    if (n > ((size_t)1 << 40)) {
        /* Every caller bounds what it asks for (results are capped far
         * below this); a size this large is an overflow upstream. */
        LV_BUG("arena: allocation of %zu bytes", n);
    }
    n = round_up(n ? n : 1);
    if (!b || b->size - b->used < n) {
        b = new_block(a, n);
    }
    p = b->data + b->used;
    b->used += n;
    return p;
}

char *lv_iq_arena_strndup(struct lv_iq_arena *a, const char *s, size_t n)
{
    char *p = lv_iq_arena_alloc(a, n + 1);

    if (n) {
        memcpy(p, s, n);
    }
    p[n] = '\0';
    return p;
}

/* Keeps the newest block (the largest, as blocks only grow) and frees the
 * rest, so a row reused for the next event allocates nothing. */
void lv_iq_arena_reset(struct lv_iq_arena *a)
{
    struct lv_iq_arena_block *b, *next;

    if (!a->head) {
        return;
    }
    for (b = a->head->next; b; b = next) {
        next = b->next;
        free(b);
    }
    a->head->next = NULL;
    a->head->used = 0;
    a->used_total = sizeof(*a->head) + a->head->size;
}

void lv_iq_arena_release(struct lv_iq_arena *a)
{
    struct lv_iq_arena_block *b, *next;

    for (b = a->head; b; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
    a->used_total = 0;
}

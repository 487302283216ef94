#include "logs/page.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "logs/chunk.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

void lv_page_init(struct lv_page *p, size_t limit)
{
    assert(limit >= 1);
    memset(p, 0, sizeof(*p));
    p->limit = limit;
}

static void item_free(struct lv_page_item *it)
{
    if (!it->held) {
        lv_secret_free(it->msg, it->len);
    }
    it->msg = NULL;
}

void lv_page_release(struct lv_page *p)
{
    for (size_t i = 0; i < p->n; i++) {
        item_free(&p->items[i]);
    }
    for (size_t i = 0; i < p->n_held; i++) {
        lv_chunk_plain_release(&p->held[i]);
    }
    free(p->items);
    free(p->held);
    p->items = NULL;
    p->held = NULL;
    p->n = 0;
    p->cap = 0;
    p->n_held = 0;
    p->cap_held = 0;
    p->held_bytes = 0;
    p->bytes = 0;
    p->full = 0;
}

int lv_page_key_cmp(const struct lv_page_key *a, const struct lv_page_key *b)
{
    if (a->ts != b->ts) {
        return a->ts < b->ts ? -1 : 1;
    }
    if (a->ing != b->ing) {
        return a->ing < b->ing ? -1 : 1;
    }
    if (a->chunk != b->chunk) {
        return a->chunk < b->chunk ? -1 : 1;
    }
    if (a->idx != b->idx) {
        return a->idx < b->idx ? -1 : 1;
    }
    return 0;
}

static int item_cmp(const void *a, const void *b)
{
    return lv_page_key_cmp(&((const struct lv_page_item *)a)->k,
                           &((const struct lv_page_item *)b)->k);
}

static struct lv_page_item *push(struct lv_page *p,
                                 const struct lv_page_key *k,
                                 int64_t ingestion, int64_t stream_id,
                                 size_t len)
{
    struct lv_page_item *it;

    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 256;
        p->items = lv_xrealloc(p->items, p->cap * sizeof(*p->items));
    }
    it = &p->items[p->n++];
    it->k = *k;
    it->ingestion = ingestion;
    it->stream_id = stream_id;
    it->len = len;
    it->held = 0;
    p->bytes += len + LV_CHUNK_EVENT_OVERHEAD;
    return it;
}

void lv_page_add(struct lv_page *p, const struct lv_page_key *k,
                 int64_t ingestion, int64_t stream_id, const char *msg,
                 size_t len)
{
    struct lv_page_item *it = push(p, k, ingestion, stream_id, len);

    it->msg = lv_xmalloc(len ? len : 1);
    memcpy(it->msg, msg, len);
}

int lv_page_can_hold(const struct lv_page *p, size_t len)
{
    return len <= LV_PAGE_MAX_HELD_BYTES &&
           p->held_bytes <= LV_PAGE_MAX_HELD_BYTES - len;
}

size_t lv_page_hold(struct lv_page *p, struct lv_chunk_plain *plain)
{
    assert(lv_page_can_hold(p, plain->len));
    if (p->n_held == p->cap_held) {
        p->cap_held = p->cap_held ? p->cap_held * 2 : 16;
        p->held = lv_xrealloc(p->held, p->cap_held * sizeof(*p->held));
    }
    p->held[p->n_held] = *plain;
    p->held_bytes += plain->len;
    memset(plain, 0, sizeof(*plain));
    return p->n_held++;
}

void lv_page_add_held(struct lv_page *p, const struct lv_page_key *k,
                      int64_t ingestion, int64_t stream_id, size_t held,
                      const char *msg, size_t len)
{
    struct lv_page_item *it = push(p, k, ingestion, stream_id, len);

    assert(held < p->n_held && msg >= p->held[held].data &&
           msg + len <= p->held[held].data + p->held[held].len);
    it->msg = (char *)msg;
    it->held = held + 1;
}

/* Wipes and frees the held chunks no item points into any more. */
static void release_unused(struct lv_page *p)
{
    unsigned char *used;

    if (p->n_held == 0) {
        return;
    }
    used = lv_xcalloc(p->n_held, 1);
    for (size_t i = 0; i < p->n; i++) {
        if (p->items[i].held) {
            used[p->items[i].held - 1] = 1;
        }
    }
    for (size_t i = 0; i < p->n_held; i++) {
        if (!used[i] && p->held[i].data) {
            p->held_bytes -= p->held[i].len;
            lv_chunk_plain_release(&p->held[i]);
        }
    }
    free(used);
}

int lv_page_over(const struct lv_page *p)
{
    return p->n > p->limit || p->bytes > LV_PAGE_MAX_BYTES;
}

/* Merges the sorted runs a[lo, mid) and a[mid, hi) into out[lo, hi). */
static void merge(const struct lv_page_item *a, struct lv_page_item *out,
                  size_t lo, size_t mid, size_t hi)
{
    size_t i = lo;
    size_t j = mid;
    size_t o = lo;

    while (i < mid && j < hi) {
        if (lv_page_key_cmp(&a[j].k, &a[i].k) < 0) {
            out[o++] = a[j++];
        } else {
            out[o++] = a[i++];
        }
    }
    memcpy(out + o, a + i, (mid - i) * sizeof(*a));
    o += mid - i;
    memcpy(out + o, a + j, (hi - j) * sizeof(*a));
}

/*
 * A natural merge sort. The items come as runs already in key order —
 * each chunk's events (a batch is in chronological order), and the page
 * as it was last trimmed — but chunks of concurrent writers overlap in
 * time, so the runs interleave: merging them takes log2(runs) passes where
 * qsort took log2(n), and its compares were 5% of GetLogEvents' time.
 */
void lv_page_sort(struct lv_page *p)
{
    size_t *run;
    size_t n_run = 0;
    struct lv_page_item *a = p->items;
    struct lv_page_item *b;

    if (p->n < 2) {
        return;
    }
    run = lv_xmalloc((p->n + 1) * sizeof(*run));
    run[n_run++] = 0;
    for (size_t i = 1; i < p->n; i++) {
        if (item_cmp(&a[i - 1], &a[i]) > 0) {
            run[n_run++] = i;
        }
    }
    if (n_run == 1) {
        free(run);
        return;
    }
    run[n_run] = p->n;
    /* As large as items, so that either may end up as p->items. */
    b = lv_xmalloc(p->cap * sizeof(*b));
    /* Each pass merges runs pairwise from a into b, then swaps them; run
     * holds n_run + 1 bounds, the last being n. */
    while (n_run > 1) {
        size_t m = 0;
        struct lv_page_item *t;

        for (size_t r = 0; r < n_run; r += 2) {
            if (r + 1 < n_run) {
                merge(a, b, run[r], run[r + 1], run[r + 2]);
            } else {
                memcpy(b + run[r], a + run[r],
                       (run[r + 1] - run[r]) * sizeof(*a));
            }
            run[m++] = run[r];
        }
        run[m] = p->n;
        n_run = m;
        t = a;
        a = b;
        b = t;
    }
    if (a != p->items) {
        /* The result is in the scratch array: it becomes the items. */
        b = p->items;
        p->items = a;
    }
    free(b);
    free(run);
}

void lv_page_trim(struct lv_page *p, int backward)
{
    size_t keep = 0;
    size_t bytes = 0;
    size_t first;

    assert(p->n > 0);
    lv_page_sort(p);
    /* Going backwards the page keeps the last items: count from the end. */
    while (keep < p->n && keep < p->limit) {
        const struct lv_page_item *it =
            &p->items[backward ? p->n - 1 - keep : keep];

        if (bytes + it->len + LV_CHUNK_EVENT_OVERHEAD > LV_PAGE_MAX_BYTES) {
            break;
        }
        bytes += it->len + LV_CHUNK_EVENT_OVERHEAD;
        keep++;
    }
    if (keep == 0) {
        /* A stored event is never larger than a batch (LV_CHUNK_MAX_RAW,
         * message + 26 bytes), so a page always has room for one. */
        LV_BUG("page: no room for an event of %zu bytes", p->items[0].len);
    }
    first = backward ? p->n - keep : 0;
    for (size_t i = 0; i < p->n; i++) {
        if (i < first || i >= first + keep) {
            item_free(&p->items[i]);
        }
    }
    memmove(p->items, p->items + first, keep * sizeof(*p->items));
    p->n = keep;
    p->bytes = bytes;
    p->full = 1;
    p->cut = backward ? p->items[0].k : p->items[keep - 1].k;
    release_unused(p);
}

void lv_page_drop_from(struct lv_page *p, const struct lv_page_key *k)
{
    size_t kept = 0;
    size_t bytes = 0;

    for (size_t i = 0; i < p->n; i++) {
        if (lv_page_key_cmp(&p->items[i].k, k) < 0) {
            bytes += p->items[i].len + LV_CHUNK_EVENT_OVERHEAD;
            p->items[kept++] = p->items[i];
        } else {
            item_free(&p->items[i]);
        }
    }
    p->n = kept;
    p->bytes = bytes;
}

/* One event's members around its message and numbers. */
#define EV_OPEN "{\"timestamp\":"
#define EV_MSG ",\"message\":\""
#define EV_ING "\",\"ingestionTime\":"
#define EV_FIXED (sizeof(EV_OPEN) + sizeof(EV_MSG) + sizeof(EV_ING) + \
                  2 * LV_BUF_INT64_MAX + 2)

/*
 * Formatted straight into the response buffer: the events are most of
 * GetLogEvents' answer, and lv_jw's checks per call were a third of its
 * cost (issue 15). Room for the whole page is made first (its text, each
 * event's members, a little for escapes, and the worst case of the
 * largest event), so that the buffer is not regrown as it fills; it still
 * grows if escapes exceed that, within its ceiling.
 */
void lv_page_write_events(const struct lv_page *pg, struct lv_jw *w)
{
    size_t largest = 0;
    char *p;

    if (lv_jw_raw_begin(w) < 0) {
        return;
    }
    for (size_t i = 0; i < pg->n; i++) {
        if (pg->items[i].len > largest) {
            largest = pg->items[i].len;
        }
    }
    p = lv_jw_reserve(w, pg->bytes + pg->bytes / 4 + pg->n * EV_FIXED +
                         LV_BUF_JSON_STR_MAX(largest) + 2);
    if (!p) {
        return;
    }
    *p++ = '[';
    lv_jw_commit(w, p);
    for (size_t i = 0; i < pg->n; i++) {
        const struct lv_page_item *it = &pg->items[i];

        p = lv_jw_reserve(w, EV_FIXED + LV_BUF_JSON_STR_MAX(it->len));
        if (!p) {
            return;
        }
        if (i > 0) {
            *p++ = ',';
        }
        memcpy(p, EV_OPEN, sizeof(EV_OPEN) - 1);
        p = lv_buf_put_int64(p + sizeof(EV_OPEN) - 1, it->k.ts);
        memcpy(p, EV_MSG, sizeof(EV_MSG) - 1);
        p = lv_buf_put_json_str(p + sizeof(EV_MSG) - 1, it->msg, it->len);
        memcpy(p, EV_ING, sizeof(EV_ING) - 1);
        p = lv_buf_put_int64(p + sizeof(EV_ING) - 1, it->ingestion);
        *p++ = '}';
        lv_jw_commit(w, p);
    }
    p = lv_jw_reserve(w, 1);
    if (p) {
        *p++ = ']';
        lv_jw_commit(w, p);
    }
}

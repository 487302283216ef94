/* logs/page: the page collector of GetLogEvents and FilterLogEvents — key
 * order, trimming by count and by bytes in both directions, the cut, and
 * dropping what lies past a key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logs/chunk.h"
#include "logs/page.h"
#include "util/buf.h"
#include "util/json.h"

static struct lv_page_key key(int64_t ts, int64_t ing, int64_t chunk,
                              int64_t idx)
{
    struct lv_page_key k = { ts, ing, chunk, idx };

    return k;
}

/* Adds an event whose message is "m<ts>". */
static void add(struct lv_page *p, struct lv_page_key k)
{
    char msg[32];
    int n = snprintf(msg, sizeof(msg), "m%lld", (long long)k.ts);

    lv_page_add(p, &k, 1000 + k.ts, 7, msg, (size_t)n);
}

static void assert_ts(const struct lv_page *p, const int64_t *want, size_t n)
{
    assert_int_equal(p->n, n);
    for (size_t i = 0; i < n; i++) {
        char msg[32];
        int len = snprintf(msg, sizeof(msg), "m%lld", (long long)want[i]);

        assert_int_equal(p->items[i].k.ts, want[i]);
        assert_int_equal(p->items[i].ingestion, 1000 + want[i]);
        assert_int_equal(p->items[i].stream_id, 7);
        assert_int_equal(p->items[i].len, (size_t)len);
        assert_memory_equal(p->items[i].msg, msg, (size_t)len);
    }
}

static void test_key_order(void **state)
{
    struct lv_page_key a = key(5, 1, 1, 1);
    struct lv_page_key b;

    (void)state;
    assert_int_equal(lv_page_key_cmp(&a, &a), 0);
    /* Each field decides only when those before it are equal. */
    b = key(4, 9, 9, 9);
    assert_true(lv_page_key_cmp(&b, &a) < 0);
    b = key(5, 0, 9, 9);
    assert_true(lv_page_key_cmp(&b, &a) < 0);
    b = key(5, 1, 0, 9);
    assert_true(lv_page_key_cmp(&b, &a) < 0);
    b = key(5, 1, 1, 0);
    assert_true(lv_page_key_cmp(&b, &a) < 0);
    assert_true(lv_page_key_cmp(&a, &b) > 0);
    /* Extremes do not overflow a subtraction. */
    a = key(INT64_MIN, 0, 0, 0);
    b = key(INT64_MAX, 0, 0, 0);
    assert_true(lv_page_key_cmp(&a, &b) < 0);
    assert_true(lv_page_key_cmp(&b, &a) > 0);
}

static void test_trim_forward_by_count(void **state)
{
    static const int64_t order[] = { 40, 10, 50, 30, 20 };
    static const int64_t want[] = { 10, 20, 30 };
    struct lv_page p;

    (void)state;
    lv_page_init(&p, 3);
    for (size_t i = 0; i < 5; i++) {
        add(&p, key(order[i], 0, 0, 0));
        assert_int_equal(lv_page_over(&p), i + 1 > 3);
    }
    assert_false(p.full);
    lv_page_trim(&p, 0);
    assert_ts(&p, want, 3);
    assert_true(p.full);
    assert_int_equal(p.cut.ts, 30);
    assert_int_equal(p.bytes, 3 * (3 + LV_CHUNK_EVENT_OVERHEAD));
    assert_false(lv_page_over(&p));
    lv_page_release(&p);
    assert_int_equal(p.n, 0);
    assert_false(p.full);
}

static void test_trim_backward_by_count(void **state)
{
    static const int64_t order[] = { 40, 10, 50, 30, 20 };
    static const int64_t want[] = { 30, 40, 50 };
    struct lv_page p;

    (void)state;
    lv_page_init(&p, 3);
    for (size_t i = 0; i < 5; i++) {
        add(&p, key(order[i], 0, 0, 0));
    }
    lv_page_trim(&p, 1);
    /* The last three, still oldest first; the cut is the first kept. */
    assert_ts(&p, want, 3);
    assert_true(p.full);
    assert_int_equal(p.cut.ts, 30);
    lv_page_release(&p);
}

static void test_trim_by_bytes(void **state)
{
    /* Three events of 400,000 bytes: two fit in 1 MB with their
     * overhead, three do not. */
    size_t big = 400000;
    char *msg = calloc(1, big);
    struct lv_page p;
    struct lv_page_key k;

    (void)state;
    assert_non_null(msg);
    for (int dir = 0; dir < 2; dir++) {
        lv_page_init(&p, 10000);
        for (int i = 0; i < 3; i++) {
            k = key(i, 0, 0, 0);
            memset(msg, 'a' + i, big);
            lv_page_add(&p, &k, 0, 0, msg, big);
            assert_int_equal(lv_page_over(&p), i == 2);
        }
        lv_page_trim(&p, dir);
        assert_int_equal(p.n, 2);
        assert_int_equal(p.bytes, 2 * (big + LV_CHUNK_EVENT_OVERHEAD));
        assert_true(p.bytes <= LV_PAGE_MAX_BYTES);
        /* Forwards keeps events 0 and 1, backwards 1 and 2. */
        assert_int_equal(p.items[0].k.ts, dir ? 1 : 0);
        assert_int_equal(p.items[1].k.ts, dir ? 2 : 1);
        assert_int_equal(p.items[0].msg[big - 1], dir ? 'b' : 'a');
        assert_int_equal(p.cut.ts, 1);
        lv_page_release(&p);
    }
    free(msg);
}

static void test_sort_and_drop_from(void **state)
{
    static const int64_t want_sorted[] = { 1, 2, 2, 3, 4 };
    static const int64_t want_kept[] = { 1, 2 };
    struct lv_page p;
    struct lv_page_key stop = key(2, 5, 0, 0);

    (void)state;
    lv_page_init(&p, 100);
    add(&p, key(3, 0, 0, 0));
    add(&p, key(2, 9, 0, 0));
    add(&p, key(4, 0, 0, 0));
    add(&p, key(1, 0, 0, 0));
    add(&p, key(2, 1, 0, 0));
    lv_page_sort(&p);
    assert_ts(&p, want_sorted, 5);
    assert_int_equal(p.items[1].k.ing, 1);
    assert_int_equal(p.items[2].k.ing, 9);
    assert_false(p.full);
    /* At or past (2, 5, 0, 0) goes: (2, 9), 3 and 4. */
    lv_page_drop_from(&p, &stop);
    assert_ts(&p, want_kept, 2);
    assert_int_equal(p.items[1].k.ing, 1);
    assert_int_equal(p.bytes, 2 * (2 + LV_CHUNK_EVENT_OVERHEAD));
    lv_page_release(&p);
}

static int cmp_ts(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

/* The merge of sorted runs (lv_page_sort) against qsort of the same keys:
 * 1 to 40 runs of random lengths over overlapping ranges, sorted twice
 * with more added between (the items array the merge leaves must still
 * take additions), and a page that is one run. */
static void test_sort_runs(void **state)
{
    uint64_t st = 0x243f6a8885a308d3ULL;

    (void)state;
    for (int round = 0; round < 200; round++) {
        struct lv_page p;
        int64_t want[4000];
        size_t n = 0;
        size_t runs = 1 + (size_t)round % 40;

        lv_page_init(&p, 10000);
        for (int pass = 0; pass < 2; pass++) {
            for (size_t r = 0; r < runs; r++) {
                size_t len;
                int64_t ts;

                st ^= st << 13;
                st ^= st >> 7;
                st ^= st << 17;
                len = round == 0 ? 1000 : (size_t)(st % 50);
                ts = (int64_t)(st >> 40) % 1000;
                for (size_t i = 0; i < len; i++) {
                    /* A run: ascending keys (ts, then chunk and index
                     * keep equal timestamps apart). */
                    ts += (int64_t)((st >> (i % 32)) & 3);
                    add(&p, key(ts, 0, (int64_t)(pass * 100 + r),
                                (int64_t)i));
                    want[n++] = ts;
                }
            }
            lv_page_sort(&p);
            qsort(want, n, sizeof(want[0]), cmp_ts);
            assert_int_equal(p.n, n);
            for (size_t i = 0; i < n; i++) {
                char msg[32];
                int len = snprintf(msg, sizeof(msg), "m%lld",
                                   (long long)p.items[i].k.ts);

                assert_int_equal(p.items[i].k.ts, want[i]);
                if (i > 0) {
                    assert_true(lv_page_key_cmp(&p.items[i - 1].k,
                                                &p.items[i].k) < 0);
                }
                assert_memory_equal(p.items[i].msg, msg, (size_t)len);
            }
        }
        lv_page_release(&p);
    }
}

/* A decoded chunk of n events at timestamps ts0, ts0 + 1, …, each message
 * "m<ts>", as lv_chunk_open leaves it: ev[i].msg points into data. */
static void make_plain(struct lv_chunk_plain *c, int64_t ts0, size_t n)
{
    size_t off = 0;

    c->data = calloc(n, 32);
    c->ev = calloc(n, sizeof(*c->ev));
    assert_non_null(c->data);
    assert_non_null(c->ev);
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(c->data + off, 32, "m%lld",
                           (long long)(ts0 + (int64_t)i));

        c->ev[i].ts = ts0 + (int64_t)i;
        c->ev[i].msg = c->data + off;
        c->ev[i].len = (size_t)len;
        off += (size_t)len;
    }
    c->len = n * 32;
    c->n = n;
}

/* Items that point into held chunks: the same order and trimming as
 * copies (one copied item among them), and a trim releases the chunks no
 * kept item points into while keeping the others (the sanitizer sees a
 * read of a released one, and a leak). */
static void test_held_chunks(void **state)
{
    static const int64_t first[] = { 1, 20, 4 };
    static const int64_t want_fwd[] = { 1, 2, 3, 4 };
    static const int64_t want_bwd[] = { 20, 21, 22, 50 };

    (void)state;
    for (int dir = 0; dir < 2; dir++) {
        struct lv_page p;

        lv_page_init(&p, 4);
        for (size_t c = 0; c < 3; c++) {
            struct lv_chunk_plain plain = LV_CHUNK_PLAIN_INIT;
            size_t h;

            make_plain(&plain, first[c], 3);
            h = lv_page_hold(&p, &plain);
            assert_int_equal(h, c);
            assert_null(plain.data);
            for (size_t i = 0; i < 3; i++) {
                struct lv_page_key k = key(p.held[h].ev[i].ts, 0,
                                           (int64_t)c, (int64_t)i);

                lv_page_add_held(&p, &k, 1000 + k.ts, 7, h,
                                 p.held[h].ev[i].msg, p.held[h].ev[i].len);
            }
        }
        add(&p, key(50, 0, 9, 0));
        /* What is held counts against LV_PAGE_MAX_HELD_BYTES. */
        assert_int_equal(p.held_bytes, 3 * 96);
        assert_true(lv_page_can_hold(&p, LV_PAGE_MAX_HELD_BYTES - 3 * 96));
        assert_false(lv_page_can_hold(&p,
                                      LV_PAGE_MAX_HELD_BYTES - 3 * 96 + 1));
        assert_false(lv_page_can_hold(&p, SIZE_MAX));
        assert_true(lv_page_over(&p));
        lv_page_trim(&p, dir);
        /* The chunks released are no longer counted. */
        assert_int_equal(p.held_bytes, (dir ? 1 : 2) * 96);
        if (dir == 0) {
            /* 1, 2, 3 from the first chunk, 4 from the third. */
            assert_ts(&p, want_fwd, 4);
            assert_non_null(p.held[0].data);
            assert_null(p.held[1].data);
            assert_non_null(p.held[2].data);
        } else {
            /* The second chunk and the copied item. */
            assert_ts(&p, want_bwd, 4);
            assert_null(p.held[0].data);
            assert_non_null(p.held[1].data);
            assert_null(p.held[2].data);
        }
        lv_page_release(&p);
        assert_null(p.held);
        assert_int_equal(p.n_held, 0);
    }
}

/* The events array as lv_jw's calls write it: the oracle of
 * test_write_events. */
static void jw_events(const struct lv_page *p, struct lv_jw *w)
{
    lv_jw_key(w, "events");
    lv_jw_arr_open(w);
    for (size_t i = 0; i < p->n; i++) {
        lv_jw_obj_open(w);
        lv_jw_kint64(w, "timestamp", p->items[i].k.ts);
        lv_jw_key(w, "message");
        lv_jw_strn(w, p->items[i].msg, p->items[i].len);
        lv_jw_kint64(w, "ingestionTime", p->items[i].ingestion);
        lv_jw_obj_close(w);
    }
    lv_jw_arr_close(w);
    lv_jw_kstr(w, "nextForwardToken", "f");
}

/* Writes p's events both ways into buffers of at most `max` bytes; both
 * must succeed alike or fail alike, and agree byte for byte. */
static void check_events(const struct lv_page *p, size_t max)
{
    struct lv_buf got = LV_BUF_INIT(max);
    struct lv_buf want = LV_BUF_INIT(max);
    struct lv_jw wg;
    struct lv_jw ww;
    int rg;
    int rw;

    lv_jw_init(&wg, &got);
    lv_jw_obj_open(&wg);
    lv_jw_key(&wg, "events");
    lv_page_write_events(p, &wg);
    lv_jw_kstr(&wg, "nextForwardToken", "f");
    lv_jw_obj_close(&wg);
    rg = lv_jw_finish(&wg);
    lv_jw_init(&ww, &want);
    lv_jw_obj_open(&ww);
    jw_events(p, &ww);
    lv_jw_obj_close(&ww);
    rw = lv_jw_finish(&ww);
    if (rg == 0) {
        assert_int_equal(rw, 0);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data, want.data, want.len);
    } else {
        /* Past the ceiling the answer is cut back whole. It may fail
         * where lv_jw just fits (it reserves an event's worst case),
         * never the other way round. */
        assert_int_equal(got.len, 0);
    }
    if (rw < 0) {
        assert_int_equal(rg, -1);
    }
    if (max >= (size_t)1 << 20) {
        assert_int_equal(rg, 0);
    }
    lv_buf_release(&got);
    lv_buf_release(&want);
}

/* lv_page_write_events against lv_jw, byte for byte: an empty page,
 * pages of random events (messages of every byte value, ill-formed UTF-8,
 * quotes, controls; timestamps of every sign and size), and the buffer's
 * ceiling. */
static void test_write_events(void **state)
{
    uint64_t st = 88172645463325252ULL;
    struct lv_page p;

    (void)state;
    lv_page_init(&p, 10000);
    check_events(&p, 1 << 20);
    for (int round = 0; round < 50; round++) {
        size_t n = 1 + (size_t)(round * 7 % 64);

        lv_page_init(&p, 10000);
        for (size_t i = 0; i < n; i++) {
            struct lv_page_key k;
            unsigned char msg[200];
            size_t len;

            st ^= st << 13;
            st ^= st >> 7;
            st ^= st << 17;
            len = 1 + (size_t)(st % sizeof(msg));
            for (size_t j = 0; j < len; j++) {
                st ^= st << 13;
                st ^= st >> 7;
                st ^= st << 17;
                /* Mostly text, a byte of any value one time in eight. */
                msg[j] = (st & 7) ? (unsigned char)(0x20 + (st >> 8) % 0x5f)
                                  : (unsigned char)(st >> 16);
            }
            k = key((int64_t)st, 0, round, (int64_t)i);
            if (i == 0) {
                k.ts = round % 2 ? INT64_MIN : INT64_MAX;
            }
            lv_page_add(&p, &k, -(int64_t)(st >> 3), 1, (char *)msg, len);
        }
        check_events(&p, 1 << 20);
        /* Ceilings around the answer's size. */
        check_events(&p, 64);
        check_events(&p, 40 * n);
        lv_page_release(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_order),
        cmocka_unit_test(test_trim_forward_by_count),
        cmocka_unit_test(test_trim_backward_by_count),
        cmocka_unit_test(test_trim_by_bytes),
        cmocka_unit_test(test_sort_and_drop_from),
        cmocka_unit_test(test_sort_runs),
        cmocka_unit_test(test_held_chunks),
        cmocka_unit_test(test_write_events),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

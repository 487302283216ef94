/*
 * page: the events one page of GetLogEvents (read.c) or FilterLogEvents
 * (search.c) collects while it walks chunks — each message a copy (wiped
 * when freed) or a loan into a decoded chunk the page holds (wiped when
 * no kept item points into it any more, or with the page), kept in key
 * order within `limit` events and LV_PAGE_MAX_BYTES (message bytes + 26
 * per event, AWS's measure).
 *
 * The walk adds every event it wants (lv_page_add). Once the page holds
 * more than it may (lv_page_over), lv_page_trim sorts it and drops the
 * surplus — from the end when the page reads forwards, from the start
 * when it reads backwards — and sets `full` and `cut`: an event on the far
 * side of `cut` can no longer enter the page, so the walk may stop at the
 * first chunk that holds none on the near side.
 *
 * It does not read chunks or choose which events are wanted; of the
 * response it writes only the events array (lv_page_write_events). It
 * never logs.
 */
#ifndef LV_LOGS_PAGE_H
#define LV_LOGS_PAGE_H

#include <stddef.h>
#include <stdint.h>

struct lv_chunk_plain;
struct lv_jw;

/* AWS: a page holds at most 1 MB of events (GetLogEvents, FilterLogEvents). */
#define LV_PAGE_MAX_BYTES 1048576
/* The most plaintext a page holds in decoded chunks (lv_page_hold). A
 * page whose events are spread over many chunks (writers whose batches
 * overlap in time) would otherwise keep each whole chunk for a few of its
 * events; past this the walk copies the events it keeps instead. */
#define LV_PAGE_MAX_HELD_BYTES ((size_t)16 * 1024 * 1024)

/*
 * The order AWS returns events in, compared field by field. Across a
 * group (FilterLogEvents): timestamp, ingestion time, chunk id, index in
 * the chunk. Within one stream (GetLogEvents) the chunk's sequence number
 * is the order of ingestion: ing is left 0 and chunk holds the seq.
 */
struct lv_page_key {
    int64_t ts;
    int64_t ing;
    int64_t chunk;
    int64_t idx;
};

struct lv_page_item {
    struct lv_page_key k;
    int64_t ingestion;          /* the event's ingestion time */
    int64_t stream_id;
    char *msg;                  /* plaintext: the item's own copy (held
                                   0), wiped when freed, or a loan into
                                   the page's held chunk held - 1 */
    size_t len;
    size_t held;                /* 0: own copy; else 1 + a held chunk */
};

struct lv_page {
    struct lv_page_item *items; /* in key order after lv_page_trim/sort */
    size_t n, cap;
    size_t bytes;               /* message bytes + 26 per item */
    size_t limit;               /* at most this many items; set it before
                                   the first lv_page_add */
    int full;                   /* trimmed: the page is decided up to cut */
    struct lv_page_key cut;     /* the last item kept going forwards, the
                                   first going backwards */
    struct lv_chunk_plain *held;/* decoded chunks items point into; a slot
                                   released early is left empty */
    size_t n_held, cap_held;
    size_t held_bytes;          /* plaintext bytes of the chunks held */
};

/* An empty page of at most `limit` (>= 1) events. */
void lv_page_init(struct lv_page *p, size_t limit);

/* Wipes and frees every item and held chunk; p is empty again (its limit
 * kept). */
void lv_page_release(struct lv_page *p);

/* <0, 0, >0 as a sorts before, with, after b. */
int lv_page_key_cmp(const struct lv_page_key *a, const struct lv_page_key *b);

/* Adds a copy of the event's message (len bytes at msg). */
void lv_page_add(struct lv_page *p, const struct lv_page_key *k,
                 int64_t ingestion, int64_t stream_id, const char *msg,
                 size_t len);

/*
 * Takes the decoded chunk *plain into p (leaving *plain empty) and returns
 * its handle for lv_page_add_held. p wipes and frees it with the page, or
 * in lv_page_trim once no kept item points into it. Only when
 * lv_page_can_hold(p, plain->len) says so.
 */
size_t lv_page_hold(struct lv_page *p, struct lv_chunk_plain *plain);

/* 1 when p may hold `len` more bytes of decoded chunks (within
 * LV_PAGE_MAX_HELD_BYTES), else 0: copy the events with lv_page_add. */
int lv_page_can_hold(const struct lv_page *p, size_t len);

/* Adds an event whose message (len bytes at msg) lies inside the chunk p
 * holds as `held`, without copying it. */
void lv_page_add_held(struct lv_page *p, const struct lv_page_key *k,
                      int64_t ingestion, int64_t stream_id, size_t held,
                      const char *msg, size_t len);

/* 1 when p holds more items than its limit or more than LV_PAGE_MAX_BYTES:
 * time for lv_page_trim. */
int lv_page_over(const struct lv_page *p);

/*
 * Sorts p and keeps what fits: the first items going forwards, the last
 * going backwards (`backward` not 0); wipes the rest. Sets full and cut.
 * p must hold at least one item.
 */
void lv_page_trim(struct lv_page *p, int backward);

/* Sorts p in key order, dropping nothing: a merge of the runs already in
 * order (each chunk's events, the page as last trimmed). */
void lv_page_sort(struct lv_page *p);

/* Wipes and drops every item whose key is at or past `k`, keeping the
 * order of the others. */
void lv_page_drop_from(struct lv_page *p, const struct lv_page_key *k);

/*
 * Writes p's items, in their order, as the value of GetLogEvents' "events":
 * a JSON array of {"timestamp", "message", "ingestionTime"}, byte for byte
 * what lv_jw_obj_open, lv_jw_kint64, lv_jw_key + lv_jw_strn and
 * lv_jw_obj_close write, faster. The key must have been written; a failure
 * (the buffer's max) is w's, reported by lv_jw_finish.
 */
void lv_page_write_events(const struct lv_page *p, struct lv_jw *w);

#endif

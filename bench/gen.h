/*
 * gen: the benchmarks' log events — generated, deterministic for a seed,
 * shared by the load generator (loadgen.c) and the ceiling (ceiling.c) so
 * that both work on exactly the same bytes.
 *
 * The mix (issue 7): about half JSON access logs (timestamp, level,
 * method, a path from ~20 route templates with ids, status, bytes,
 * latency, a UUID request id, a 32-hex trace id, client IP, user agent), a
 * quarter plain application lines (ISO time, level, [worker-N],
 * req=<uuid>, templated messages with numbers), a tenth WARN/ERROR lines
 * with a one-line stack trace, the rest nginx combined-format lines.
 * Random ids keep zstd near 4:1. Events average ~200 bytes.
 *
 * Search targets planted in the data: LV_GEN_RARE_TERM in one event in
 * LV_GEN_RARE_EVERY; JSON events with status 503 are ~1 in 200; nginx
 * lines with status 503 likewise.
 *
 * lv_gen_distinct makes another set, of small JSON events each with its
 * own value of one field (the Insights bench's many-groups stats).
 *
 * It does not talk to a server, sign, compress or encrypt.
 */
#ifndef LV_BENCH_GEN_H
#define LV_BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>

#define LV_GEN_RARE_TERM "OutOfMemoryError"
#define LV_GEN_RARE_EVERY 100000

/* n events, one after another in `data`; event i is data[off[i]] of
 * len[i] bytes (no NUL, no newline, valid UTF-8, only printable ASCII). */
struct lv_gen {
    char *data;
    size_t bytes;           /* sum of len[] */
    size_t *off;
    uint32_t *len;
    size_t n;
};

/* Generates n events from `seed`; the same (seed, n) gives the same
 * bytes. Aborts on allocation failure. */
void lv_gen_events(struct lv_gen *g, uint64_t seed, size_t n);

/*
 * Generates n small JSON events for the Logs Insights memory figure
 * (issue 12: `stats count() by x` over 1,000,000 distinct values): event
 * i is {"x":"k<7+ digits>","level":"INFO","latency_ms":<0..999>} where x
 * is distinct for every i < n (a permutation of 0..n-1 drawn from
 * `seed`, so the values do not arrive sorted). ~55 bytes each.
 */
void lv_gen_distinct(struct lv_gen *g, uint64_t seed, size_t n);

void lv_gen_release(struct lv_gen *g);

#endif

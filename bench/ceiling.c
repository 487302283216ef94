/*
 * ceiling: what one core of this machine can do with the libraries the
 * server uses, over the same generated events (gen.h) — the figures every
 * logvault result is divided by.
 *
 *   ingest ceiling: serialize-free zstd (level 1, as src/logs/chunk.c) +
 *                   AES-256-GCM (lv_aead_seal) of chunks of 256 KB raw
 *                   (LV_CHUNK_TARGET_RAW), in memory;
 *   scan ceiling:   AES-256-GCM open + zstd decompress + memmem of a rare
 *                   term over the same chunks.
 *
 * The chunks are serialized as the server serializes them (varint
 * timestamp delta, varint length, message) before the clock starts. No
 * HTTP, JSON, SigV4, SQLite or fsync: this is the bound, not a model of
 * the server.
 *
 * usage: ceiling [--events N] [--runs R] [--cpu C] [--seed S]
 * Prints one line per run: "ceiling run=… events=… raw_mb=… ingest_eps=…
 * ingest_mbps=… scan_mbps=… zratio=… stored_bpe=…".
 */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "crypto/crypto.h"
#include "gen.h"
#include "logs/chunk.h"
#include "util/mem.h"

#define ZSTD_LEVEL 1

struct chunk {
    uint8_t *ser;           /* serialization */
    size_t ser_len;
    uint8_t *z;             /* ciphertext of the zstd frame */
    size_t z_len;
    uint8_t nonce[12];
    uint8_t tag[16];
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;

    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

static size_t make_chunks(const struct lv_gen *g, struct chunk **out)
{
    struct chunk *c = NULL;
    size_t nc = 0;
    size_t cap = 0;
    size_t i = 0;

    while (i < g->n) {
        size_t raw = 0;
        size_t j = i;
        size_t pos = 0;
        struct chunk *k;

        while (j < g->n && (j == i || raw + g->len[j] +
                            LV_CHUNK_EVENT_OVERHEAD <= LV_CHUNK_TARGET_RAW)) {
            raw += g->len[j] + LV_CHUNK_EVENT_OVERHEAD;
            j++;
        }
        if (nc == cap) {
            cap = cap ? cap * 2 : 1024;
            c = lv_xrealloc(c, cap * sizeof(*c));
        }
        k = &c[nc++];
        memset(k, 0, sizeof(*k));
        k->ser = lv_xmalloc(raw + 16);
        for (; i < j; i++) {
            pos += varint(k->ser + pos, 1);
            pos += varint(k->ser + pos, g->len[i]);
            memcpy(k->ser + pos, g->data + g->off[i], g->len[i]);
            pos += g->len[i];
        }
        k->ser_len = pos;
        k->z = lv_xmalloc(ZSTD_compressBound(pos));
    }
    *out = c;
    return nc;
}

int main(int argc, char **argv)
{
    size_t n_events = 500000;
    int runs = 5;
    int cpu = -1;
    uint64_t seed = 7;
    struct lv_gen g;
    struct chunk *c;
    size_t nc;
    uint8_t key[32];
    uint8_t aad[77];
    uint8_t *plain;
    size_t plain_cap = 2 * LV_CHUNK_TARGET_RAW;
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    int r;
    int i;

    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--events") == 0) {
            n_events = strtoull(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--runs") == 0) {
            runs = (int)strtol(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--cpu") == 0) {
            cpu = (int)strtol(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--seed") == 0) {
            seed = strtoull(argv[i + 1], NULL, 10);
        } else {
            fprintf(stderr, "ceiling: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (cpu >= 0) {
        cpu_set_t set;

        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set) != 0) {
            fprintf(stderr, "ceiling: not pinned to cpu %d\n", cpu);
        }
    }
    lv_gen_events(&g, seed, n_events);
    nc = make_chunks(&g, &c);
    memset(key, 0x42, sizeof(key));
    memset(aad, 0x17, sizeof(aad));
    plain = lv_xmalloc(plain_cap);
    for (r = 0; r < runs; r++) {
        double t0;
        double t_ing;
        double t_scan;
        size_t stored = 0;
        size_t ser_total = 0;
        size_t hits = 0;
        size_t k;

        t0 = now_s();
        for (k = 0; k < nc; k++) {
            size_t zl = ZSTD_compressCCtx(cctx, c[k].z,
                                          ZSTD_compressBound(c[k].ser_len),
                                          c[k].ser, c[k].ser_len, ZSTD_LEVEL);

            if (ZSTD_isError(zl)) {
                fprintf(stderr, "ceiling: zstd: %s\n", ZSTD_getErrorName(zl));
                return 1;
            }
            memset(c[k].nonce, (int)k, sizeof(c[k].nonce));
            if (lv_aead_seal(key, c[k].nonce, aad, sizeof(aad), c[k].z, zl,
                             c[k].z, c[k].tag) != 0) {
                fprintf(stderr, "ceiling: seal failed\n");
                return 1;
            }
            c[k].z_len = zl;
            stored += zl + LV_CHUNK_HEADER_BYTES;
            ser_total += c[k].ser_len;
        }
        t_ing = now_s() - t0;

        t0 = now_s();
        for (k = 0; k < nc; k++) {
            uint8_t *z = lv_xmalloc(c[k].z_len);
            size_t got;
            const uint8_t *p;
            const uint8_t *end;

            if (lv_aead_open(key, c[k].nonce, aad, sizeof(aad), c[k].z,
                             c[k].z_len, z, c[k].tag) != 0) {
                fprintf(stderr, "ceiling: open failed\n");
                return 1;
            }
            got = ZSTD_decompressDCtx(dctx, plain, plain_cap, z, c[k].z_len);
            free(z);
            if (ZSTD_isError(got) || got != c[k].ser_len) {
                fprintf(stderr, "ceiling: decompress failed\n");
                return 1;
            }
            p = plain;
            end = plain + got;
            while ((p = memmem(p, (size_t)(end - p), LV_GEN_RARE_TERM,
                               sizeof(LV_GEN_RARE_TERM) - 1)) != NULL) {
                hits++;
                p++;
            }
        }
        t_scan = now_s() - t0;

        printf("ceiling run=%d events=%zu raw_mb=%.1f avg_event=%.1f "
               "ingest_eps=%.0f ingest_mbps=%.1f scan_mbps=%.1f "
               "scan_eps=%.0f zratio=%.2f stored_bpe=%.1f hits=%zu\n",
               r, g.n, (double)g.bytes / 1e6, (double)g.bytes / (double)g.n,
               (double)g.n / t_ing, (double)g.bytes / 1e6 / t_ing,
               (double)g.bytes / 1e6 / t_scan, (double)g.n / t_scan,
               (double)ser_total / (double)(stored - nc *
                                            LV_CHUNK_HEADER_BYTES),
               (double)stored / (double)g.n, hits);
        fflush(stdout);
    }
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
    free(plain);
    for (size_t k = 0; k < nc; k++) {
        free(c[k].ser);
        free(c[k].z);
    }
    free(c);
    lv_gen_release(&g);
    return 0;
}

/*
 * fuzz_chunk: libFuzzer target for the Logs chunk decoder (src/logs/chunk.h)
 * — the stored payload (format byte, nonce, tag, ciphertext) and, since
 * GCM refuses almost every input before the decompressor sees it, the zstd
 * frame + event serialization decoder behind it. Arbitrary input must fail
 * cleanly: no crash, no leak, no read out of bounds. Library code only.
 *
 * The first 9 input bytes pick the metadata the rest is checked against
 * (event count, span, raw size), so the decoder's checks are fuzzed too.
 * Every few inputs a genuine chunk is sealed from the input and must
 * round trip.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/chunk.h"
#include "store/logs_store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fuzz_key[32] = { 7, 7, 7, 1, 2, 3 };

static void meta_from(const uint8_t *d, struct lv_log_chunk *m)
{
    memset(m, 0, sizeof(*m));
    m->group_id = 1;
    m->stream_id = 2;
    m->n_events = 1 + d[0] % 16;
    m->first_ts = 1000 + d[1];
    m->last_ts = m->first_ts + d[2];
    m->raw_bytes = (int64_t)d[3] << 8 | d[4];
    m->data_key_id = d[5];
    m->seq = d[6];
    m->ingestion_time = (int64_t)d[7] << 8 | d[8];
}

static void round_trip(const uint8_t *data, size_t size)
{
    struct lv_chunk_event ev[8];
    struct lv_log_chunk m;
    struct lv_buf p = LV_BUF_INIT(SIZE_MAX);
    struct lv_chunk_plain out = LV_CHUNK_PLAIN_INIT;
    struct lv_err err = LV_ERR_INIT;
    size_t n = 0;
    size_t per = size / 8 + 1;

    for (size_t off = 0; off < size && n < 8; off += per) {
        ev[n].ts = (n ? ev[n - 1].ts : 5000) + data[off];
        ev[n].msg = (const char *)data + off;
        ev[n].len = off + per <= size ? per : size - off;
        n++;
    }
    if (n == 0) {
        return;
    }
    memset(&m, 0, sizeof(m));
    lv_chunk_describe(ev, n, &m);
    m.group_id = 3;
    if (lv_chunk_seal(fuzz_key, &m, ev, n, &p, &err) != 0 ||
        lv_chunk_open(fuzz_key, &m, p.data, p.len, &out, &err) != 0 ||
        out.n != n) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        if (out.ev[i].ts != ev[i].ts || out.ev[i].len != ev[i].len ||
            memcmp(out.ev[i].msg, ev[i].msg, ev[i].len) != 0) {
            abort();
        }
    }
    lv_chunk_plain_release(&out);
    lv_buf_release(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lv_chunk_plain out = LV_CHUNK_PLAIN_INIT;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_chunk m;

    if (size < 9) {
        return 0;
    }
    meta_from(data, &m);
    if (lv_chunk_decode(&m, data + 9, size - 9, &out, &err) == 0) {
        if (out.n != (size_t)m.n_events) {
            abort();
        }
    }
    lv_chunk_plain_release(&out);
    if (lv_chunk_open(fuzz_key, &m, data + 9, size - 9, &out, &err) == 0) {
        abort();    /* no forged payload authenticates */
    }
    lv_chunk_plain_release(&out);
    if ((data[size - 1] & 7) == 0) {
        round_trip(data + 9, size - 9);
    }
    return 0;
}

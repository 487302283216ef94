/*
 * fuzz_evstream: libFuzzer target for the event-stream reader
 * (src/util/evstream.c lv_evstream_read, lv_evstream_header), which the
 * CLI runs over what a server streams back. Whatever the bytes, reading
 * must not crash or read past them; every message read must lie inside
 * them, and writing its string headers and payload back must read back
 * the same.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/evstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
    ":message-type", ":event-type", ":exception-type", ":content-type",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly `size` bytes, so that ASan sees any overread */
    uint8_t *copy = malloc(size ? size : 1);
    size_t off = 0;

    memcpy(copy, data, size);
    while (off < size) {
        struct lv_evstream_msg m;
        size_t used = 0;
        int rc = lv_evstream_read(copy + off, size - off, &m, &used);

        if (rc <= 0) {
            break;
        }
        if (used < LV_EVSTREAM_OVERHEAD || used > size - off ||
            m.payload + m.payload_len > copy + off + used) {
            abort();
        }
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            const char *v;
            size_t vl;

            if (lv_evstream_header(&m, names[i], &v, &vl) &&
                ((const uint8_t *)v < copy ||
                 (const uint8_t *)v + vl > copy + size)) {
                abort();
            }
        }
        {
            struct lv_buf b = LV_BUF_INIT(LV_EVSTREAM_MAX_MESSAGE);
            struct lv_evstream_msg back;
            size_t bu;

            if (lv_evstream_write(&b, NULL, 0, m.payload, m.payload_len)
                    == 0 &&
                (lv_evstream_read(b.data, b.len, &back, &bu) != 1 ||
                 bu != b.len || back.payload_len != m.payload_len ||
                 memcmp(back.payload, m.payload, m.payload_len) != 0)) {
                abort();
            }
            lv_buf_release(&b);
        }
        off += used;
    }
    free(copy);
    return 0;
}

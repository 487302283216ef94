/*
 * evstream: the writer of the AWS event-stream binary encoding
 * (application/vnd.amazon.eventstream), the framing of event-stream
 * responses such as StartLiveTail's. A message is
 *
 *   prelude   total length (4 bytes, big-endian, the whole message),
 *             headers length (4), CRC32 of those 8 bytes (4)
 *   headers   each: name length (1), name, value type (1), value; only
 *             the string type (7: length (2), bytes) is written here
 *   payload   the bytes of the event (JSON for the JSON protocols)
 *   CRC32     of everything before it
 *
 * and a reader of such messages. CRC32 is the IEEE 802.3 one (zlib's crc32). The format is AWS's
 * "Event stream encoding" page (Transcribe streaming developer guide) and
 * what botocore/eventstream.py decodes.
 *
 * The reader (the CLI's, for StartLiveTail) takes every header type the
 * format defines, checks both CRCs and the limits, and hands out the
 * string headers by name.
 */
#ifndef LV_UTIL_EVSTREAM_H
#define LV_UTIL_EVSTREAM_H

#include <stddef.h>
#include <stdint.h>

struct lv_buf;

/* Prelude (12) and message CRC (4). */
#define LV_EVSTREAM_OVERHEAD 16
/* botocore's limits: a message at most 16 MiB, headers at most 128 KiB. */
#define LV_EVSTREAM_MAX_MESSAGE (16u * 1024 * 1024)
#define LV_EVSTREAM_MAX_HEADERS (128u * 1024)

struct lv_evstream_header {
    const char *name;       /* at most 255 bytes */
    const char *value;      /* a string, at most 32767 bytes */
};

/* The CRC32 (IEEE) of n bytes, continuing from crc (0 to start). */
uint32_t lv_evstream_crc32(uint32_t crc, const void *data, size_t n);

/*
 * Appends one message with headers h[0..nh) and payload (n bytes) to out.
 * 0, or -1 (out unchanged) when the message would pass out's max or the
 * format's limits.
 */
int lv_evstream_write(struct lv_buf *out, const struct lv_evstream_header *h,
                      size_t nh, const void *payload, size_t n);

/*
 * The messages of an AWS JSON protocol event stream:
 * an event (":message-type" event, ":event-type" type, JSON payload), and
 * an exception (":message-type" exception, ":exception-type" type,
 * payload {"message": msg}). 0 or -1 as lv_evstream_write.
 */
int lv_evstream_event(struct lv_buf *out, const char *type,
                      const char *json, size_t n);
int lv_evstream_exception(struct lv_buf *out, const char *type,
                          const char *msg);

/* One message read (lv_evstream_read): pointers into the caller's bytes,
 * valid while those are. */
struct lv_evstream_msg {
    const unsigned char *headers;
    size_t headers_len;
    const unsigned char *payload;
    size_t payload_len;
};

/*
 * Reads the message at the start of data (n bytes): 1 with *m filled and
 * *used its length; 0 when data holds only part of it (read more, call
 * again); -1 when it is malformed — a length out of bounds, a CRC that
 * does not match, a header that runs past the headers or has an unknown
 * type. Never reads past data + n.
 */
int lv_evstream_read(const void *data, size_t n, struct lv_evstream_msg *m,
                     size_t *used);

/* The value of string header `name` of m: 1 with *value and *len pointing
 * into the message (not NUL-terminated), or 0 when m has no such string
 * header. m must come from lv_evstream_read. */
int lv_evstream_header(const struct lv_evstream_msg *m, const char *name,
                       const char **value, size_t *len);

#endif

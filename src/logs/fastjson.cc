/*
 * fastjson.cc: the PutLogEvents decoder on simdjson's On-Demand API. See
 * fastjson.h for the contract; the one rule here is that every doubt is a
 * fallback, never an answer.
 *
 * What simdjson checks for us, all before or while we read a value: the
 * whole input is valid UTF-8 (stage 1), no unescaped control character in
 * a string (stage 1), the structure is well formed where we walk it, escapes
 * are valid and surrogates paired (get_string, without replacement), an
 * integer is one plain JSON integer (get_uint64). What we check: every
 * member and value is one we expect and walk, nothing is left after the
 * root object, no unescaped string holds a NUL (jansson refuses \u0000),
 * and the model's constraints of PutLogEventsRequest.
 */
#include "logs/fastjson.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <unordered_set>

#include <simdjson.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

extern "C" {
#include "util/mem.h"
}

namespace od = simdjson::ondemand;

static_assert(simdjson::SIMDJSON_PADDING <= LV_FASTJSON_PADDING,
              "LV_FASTJSON_PADDING must cover simdjson's padding");

namespace {

/* Per thread: the parser (its buffers grow to the largest body seen and
 * are reused) and a padded copy for bodies offered without padding. A
 * body larger than KEEP_BYTES gives them back when it is decoded: the
 * buffers are several times a body's size, and every thread that decodes
 * PutLogEvents (the HTTP workers and the PutLogEvents pool) would keep
 * them for the largest body it ever saw. Batches up to KEEP_BYTES (1,000
 * events of ~280 bytes are ~300 KB) keep theirs, and pay no allocation. */
constexpr size_t KEEP_BYTES = 1 << 20;

struct thread_state {
    od::parser parser;
    char *copy = nullptr;
    size_t copy_cap = 0;

    ~thread_state() { free(copy); }
};

thread_local thread_state ts;

enum member_bit : unsigned {
    M_GROUP = 1u << 0,
    M_STREAM = 1u << 1,
    M_EVENTS = 1u << 2,
    M_TOKEN = 1u << 3,
};

/* Where the unescaped strings go: a buffer of the body's size is enough,
 * since every string's text with its NUL is shorter than its JSON form. */
struct text_out {
    char *base;
    size_t used;
    size_t cap;
};

bool put_text(text_out &t, std::string_view s, bool nul, const char **at)
{
    size_t need = s.size() + (nul ? 1 : 0);

    if (need > t.cap - t.used || memchr(s.data(), '\0', s.size())) {
        return false;
    }
    *at = t.base + t.used;
    memcpy(t.base + t.used, s.data(), s.size());
    if (nul) {
        t.base[t.used + s.size()] = '\0';
    }
    t.used += need;
    return true;
}

/* LogGroupName: 1..512, pattern [\.\-_/#A-Za-z0-9]+ (ASCII only, so bytes
 * are characters). */
bool group_ok(std::string_view s)
{
    if (s.empty() || s.size() > LV_FASTJSON_MAX_NAME) {
        return false;
    }
    for (unsigned char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
              c == '/' || c == '#')) {
            return false;
        }
    }
    return true;
}

/* LogStreamName: 1..512 code points (the input is valid UTF-8: count the
 * bytes that start a character), pattern [^:*]*. */
bool stream_ok(std::string_view s)
{
    size_t chars = 0;

    for (unsigned char c : s) {
        if (c == ':' || c == '*') {
            return false;
        }
        chars += (c & 0xc0) != 0x80;
    }
    return chars >= 1 && chars <= LV_FASTJSON_MAX_NAME;
}

bool read_event(od::value v, text_out &t, lv_fastjson_event *e)
{
    od::object o;
    unsigned seen = 0;

    if (v.get_object().get(o)) {
        return false;
    }
    for (auto f : o) {
        std::string_view key;
        od::value fv;

        if (f.unescaped_key().get(key) || f.value().get(fv)) {
            return false;
        }
        if (key == "timestamp" && !(seen & 1u)) {
            uint64_t u;

            /* Timestamp: long, min 0; a fraction or an exponent is a
             * real to jansson, so it falls back. */
            if (fv.get_uint64().get(u) || u > (uint64_t)INT64_MAX) {
                return false;
            }
            e->ts = (int64_t)u;
            seen |= 1u;
        } else if (key == "message" && !(seen & 2u)) {
            std::string_view s;

            /* EventMessage: min 1 character. */
            if (fv.get_string().get(s) || s.empty() ||
                !put_text(t, s, false, &e->msg)) {
                return false;
            }
            e->len = s.size();
            seen |= 2u;
        } else {
            return false;   /* unknown, or a duplicate */
        }
    }
    return seen == 3u;
}

bool read_events(od::value v, text_out &t, lv_fastjson_put *p)
{
    od::array a;
    size_t n = 0;
    size_t i = 0;

    if (v.get_array().get(a) || a.count_elements().get(n) || n < 1 ||
        n > LV_FASTJSON_MAX_EVENTS) {
        return false;
    }
    p->ev = static_cast<lv_fastjson_event *>(lv_xcalloc(n, sizeof(*p->ev)));
    p->n = n;
    for (auto item : a) {
        od::value ev;

        if (i == n || item.get(ev) || !read_event(ev, t, &p->ev[i])) {
            return false;
        }
        i++;
    }
    return i == n;
}

bool decode(const char *buf, size_t len, size_t cap, lv_fastjson_put *p)
{
    od::document doc;
    od::object root;
    text_out t = { p->text, 0, len + 2 };
    unsigned seen = 0;

    if (ts.parser.iterate(buf, len, cap).get(doc) ||
        doc.get_object().get(root)) {
        return false;
    }
    for (auto f : root) {
        std::string_view key;
        std::string_view s;
        od::value v;
        unsigned bit;

        if (f.unescaped_key().get(key) || f.value().get(v)) {
            return false;
        }
        if (key == "logGroupName") {
            bit = M_GROUP;
        } else if (key == "logStreamName") {
            bit = M_STREAM;
        } else if (key == "logEvents") {
            bit = M_EVENTS;
        } else if (key == "sequenceToken") {
            bit = M_TOKEN;
        } else {
            return false;   /* entity, or a member the model lacks */
        }
        if (seen & bit) {
            return false;   /* jansson keeps the last; we do not guess */
        }
        seen |= bit;
        if (bit == M_EVENTS) {
            if (!read_events(v, t, p)) {
                return false;
            }
            continue;
        }
        if (v.get_string().get(s) || memchr(s.data(), '\0', s.size())) {
            return false;
        }
        if (bit == M_GROUP) {
            if (!group_ok(s) || !put_text(t, s, true, &p->group)) {
                return false;
            }
        } else if (bit == M_STREAM) {
            if (!stream_ok(s) || !put_text(t, s, true, &p->stream)) {
                return false;
            }
        } else if (s.empty()) {
            return false;   /* SequenceToken: min 1 */
        }
    }
    if ((seen & (M_GROUP | M_STREAM | M_EVENTS)) !=
        (M_GROUP | M_STREAM | M_EVENTS)) {
        return false;
    }
    /* Nothing may follow the root object: current_location() is
     * OUT_OF_BOUNDS exactly when every token has been read. */
    return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

} // namespace

extern "C" enum lv_fastjson_status
lv_fastjson_put_decode(const char *body, size_t len, size_t readable,
                       struct lv_fastjson_put *out)
{
    lv_fastjson_put p = LV_FASTJSON_PUT_INIT;
    const char *buf = body;
    size_t cap = readable;
    bool ok = false;

    if (len == 0 || readable < len) {
        return LV_FASTJSON_FALLBACK;
    }
    try {
        if (readable - len < simdjson::SIMDJSON_PADDING) {
            if (ts.copy_cap < len + simdjson::SIMDJSON_PADDING) {
                free(ts.copy);
                ts.copy_cap = len + simdjson::SIMDJSON_PADDING;
                ts.copy = static_cast<char *>(lv_xmalloc(ts.copy_cap));
            }
            memcpy(ts.copy, body, len);
            memset(ts.copy + len, 0, simdjson::SIMDJSON_PADDING);
            buf = ts.copy;
            cap = len + simdjson::SIMDJSON_PADDING;
        }
        p.text = static_cast<char *>(lv_xmalloc(len + 2));
        ok = decode(buf, len, cap, &p);
    } catch (...) {
        /* The error-code API does not throw; an allocation inside
         * simdjson might. Either way: the ordinary path answers. */
        ok = false;
    }
    if (len > KEEP_BYTES) {
        ts.parser = od::parser();
        free(ts.copy);
        ts.copy = nullptr;
        ts.copy_cap = 0;
    }
    if (!ok) {
        lv_fastjson_put_release(&p);
        return LV_FASTJSON_FALLBACK;
    }
    *out = p;
    return LV_FASTJSON_OK;
}

extern "C" void lv_fastjson_put_release(struct lv_fastjson_put *p)
{
    free(p->ev);
    free(p->text);
    *p = LV_FASTJSON_PUT_INIT;
}

/* ---- FilterLogEvents: selectors over one event message ----------------- */

/*
 * The DOM parser, not On-Demand: jansson validates the whole message (a
 * syntax error anywhere means no match), and of duplicate members jansson
 * keeps the last, so a member is found by walking every member of its
 * object. Where simdjson accepts what jansson refuses, we must not answer;
 * those cases are spotted on the raw bytes before parsing (see
 * raw_doubtful).
 */
namespace {

struct select_state {
    simdjson::dom::parser parser;
    char *copy = nullptr;
    size_t copy_cap = 0;

    ~select_state() { free(copy); }
};

thread_local select_state ss;

/* Integers jansson refuses (strtoll's range) have 19 digits or more; a
 * run of 19 digits anywhere (even inside a string) is enough to doubt. A
 * member name holding \u0000 jansson refuses ("NUL byte in object key not
 * supported"), and the surrogate escapes \uD800..\uDFFF are where the two
 * parsers' rules on pairing may differ: any such escape is a doubt. Every
 * backslash is looked at, so an escaped backslash before "u" only makes
 * us doubt more, never less. */
bool escape_doubtful(const char *s, size_t i, size_t len)
{
    if (i + 2 < len && s[i + 1] == 'u') {
        char h = s[i + 2];

        return h == 'd' || h == 'D' ||
               (i + 5 < len && memcmp(s + i + 2, "0000", 4) == 0);
    }
    return false;
}

/* s holds len bytes and then at least 64 readable zero bytes (the padded
 * copy), so whole 64-byte blocks may be read; zeros are neither digits
 * nor backslashes. */
bool raw_doubtful(const char *s, size_t len)
{
#ifdef __SSE2__
    const __m128i zero = _mm_set1_epi8('0');
    const __m128i nine = _mm_set1_epi8(9);
    const __m128i bsl = _mm_set1_epi8('\\');
    unsigned carry = 0;     /* digits ending the previous block */

    static_assert(simdjson::SIMDJSON_PADDING >= 64, "blocks of 64");
    for (size_t b = 0; b < len; b += 64) {
        uint64_t dm = 0;    /* bit k: s[b + k] is a digit */
        uint64_t bm = 0;    /* bit k: s[b + k] is a backslash */

        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128(
                reinterpret_cast<const __m128i *>(s + b + 16 * k));
            __m128i t = _mm_sub_epi8(v, zero);
            __m128i dig = _mm_cmpeq_epi8(_mm_min_epu8(t, nine), t);

            dm |= static_cast<uint64_t>(static_cast<unsigned>(
                      _mm_movemask_epi8(dig))) << (16 * k);
            bm |= static_cast<uint64_t>(static_cast<unsigned>(
                      _mm_movemask_epi8(_mm_cmpeq_epi8(v, bsl))))
                  << (16 * k);
        }
        while (bm) {
            if (escape_doubtful(s, b + static_cast<size_t>(
                                       __builtin_ctzll(bm)), len)) {
                return true;
            }
            bm &= bm - 1;
        }
        if (!dm) {
            carry = 0;
            continue;
        }
        /* A run across the block boundary, then one inside the block:
         * r bit k = bytes k .. k+18 all digits. */
        unsigned lead = ~dm ? static_cast<unsigned>(__builtin_ctzll(~dm))
                            : 64;
        uint64_t r = dm & (dm >> 1);

        if (carry + lead >= 19) {
            return true;
        }
        r &= r >> 2;
        r &= r >> 4;
        r &= r >> 8;
        r &= (dm >> 16) & (dm >> 17) & (dm >> 18);
        if (r) {
            return true;
        }
        carry = static_cast<unsigned>(__builtin_clzll(~dm));
    }
    return false;
#else
    size_t run = 0;

    for (size_t i = 0; i < len; i++) {
        if (static_cast<unsigned>(s[i] - '0') < 10u) {
            if (++run >= 19) {
                return true;
            }
            continue;
        }
        run = 0;
        if (s[i] == '\\' && escape_doubtful(s, i, len)) {
            return true;
        }
    }
    return false;
#endif
}

/* Does object o have a member name twice? (Then jansson keeps one value
 * where a walk of o would see two: the caller falls back.) */
bool has_duplicate_key(simdjson::dom::object o)
{
    size_t n = o.size();

    if (n < 2) {
        return false;
    }
    if (n <= 16) {
        std::string_view keys[16];
        size_t k = 0;

        for (simdjson::dom::key_value_pair kv : o) {
            for (size_t j = 0; j < k; j++) {
                if (keys[j] == kv.key) {
                    return true;
                }
            }
            keys[k++] = kv.key;
        }
        return false;
    }
    std::unordered_set<std::string_view> seen;

    seen.reserve(n);
    for (simdjson::dom::key_value_pair kv : o) {
        if (!seen.insert(kv.key).second) {
            return true;
        }
    }
    return false;
}

/* Reports element v, the end of a path, to fn. false: fall back. */
bool emit(simdjson::dom::element v, size_t path, lv_fastjson_visit_fn fn,
          void *arg)
{
    namespace dom = simdjson::dom;
    lv_fastjson_val out{ LV_FASTJSON_MISSING, nullptr, 0, 0, 0.0 };

    switch (v.type()) {
    case dom::element_type::ARRAY:
    case dom::element_type::OBJECT:
        out.kind = LV_FASTJSON_CONTAINER;
        break;
    case dom::element_type::INT64:
        out.kind = LV_FASTJSON_INT;
        if (v.get_int64().get(out.i)) {
            return false;
        }
        break;
    case dom::element_type::UINT64:
        return false;           /* past int64: jansson fails the parse */
    case dom::element_type::DOUBLE:
        out.kind = LV_FASTJSON_REAL;
        if (v.get_double().get(out.d)) {
            return false;
        }
        break;
    case dom::element_type::STRING: {
        std::string_view s;

        if (v.get_string().get(s)) {
            return false;
        }
        out.kind = LV_FASTJSON_STRING;
        out.str = s.data();
        out.len = s.size();
        break;
    }
    case dom::element_type::BOOL:
        out.kind = v.get_bool().value_unsafe() ? LV_FASTJSON_TRUE
                                                : LV_FASTJSON_FALSE;
        break;
    case dom::element_type::NULL_VALUE:
        out.kind = LV_FASTJSON_NULL;
        break;
    default:
        return false;
    }
    fn(arg, path, &out);
    return true;
}

/* Follows p.steps[i..] from v, reporting what they name. false: fall
 * back. A path has at most one wildcard, so this recurses once at most
 * (the caller's rule; deeper would only cost stack). */
bool visit_from(simdjson::dom::element v, const lv_fastjson_path &p,
                size_t i, size_t path, lv_fastjson_visit_fn fn, void *arg)
{
    namespace dom = simdjson::dom;

    for (; i < p.nsteps; i++) {
        const lv_fastjson_step &st = p.steps[i];

        if (st.is_wild) {
            dom::array a;
            dom::object o;

            if (!v.get_array().get(a)) {
                for (dom::element e : a) {
                    if (!visit_from(e, p, i + 1, path, fn, arg)) {
                        return false;
                    }
                }
            } else if (!v.get_object().get(o)) {
                if (has_duplicate_key(o)) {
                    return false;
                }
                for (dom::key_value_pair kv : o) {
                    if (!visit_from(kv.value, p, i + 1, path, fn, arg)) {
                        return false;
                    }
                }
            }
            return true;        /* a scalar has no children */
        }
        if (st.is_index) {
            dom::array a;

            if (v.get_array().get(a) || a.at(st.index).get(v)) {
                return true;    /* not an array, or no such element */
            }
        } else {
            dom::object o;
            bool found = false;

            if (v.get_object().get(o)) {
                return true;
            }
            for (dom::key_value_pair kv : o) {
                if (kv.key.size() == st.name_len &&
                    memcmp(kv.key.data(), st.name, st.name_len) == 0) {
                    v = kv.value;   /* the last of duplicates wins */
                    found = true;
                }
            }
            if (!found) {
                return true;
            }
        }
    }
    return emit(v, path, fn, arg);
}

} // namespace

extern "C" enum lv_fastjson_status
lv_fastjson_visit(const char *msg, size_t len,
                  const struct lv_fastjson_path *paths, size_t npaths,
                  lv_fastjson_visit_fn fn, void *arg)
{
    simdjson::dom::element root;

    try {
        size_t need = len + simdjson::SIMDJSON_PADDING;

        if (ss.copy_cap < need) {
            free(ss.copy);
            ss.copy_cap = need < 4096 ? 4096 : need;
            ss.copy = static_cast<char *>(lv_xmalloc(ss.copy_cap));
        }
        memcpy(ss.copy, msg, len);
        memset(ss.copy + len, 0, simdjson::SIMDJSON_PADDING);
        if (raw_doubtful(ss.copy, len)) {
            return LV_FASTJSON_FALLBACK;
        }
        if (ss.parser.parse(ss.copy, len, false).get(root) ||
            !root.is_object()) {
            return LV_FASTJSON_FALLBACK;
        }
        for (size_t k = 0; k < npaths; k++) {
            if (!visit_from(root, paths[k], 0, k, fn, arg)) {
                return LV_FASTJSON_FALLBACK;
            }
        }
    } catch (...) {
        return LV_FASTJSON_FALLBACK;    /* an allocation inside simdjson */
    }
    return LV_FASTJSON_OK;
}

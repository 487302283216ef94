/*
 * Unit tests for src/crypto: AEAD, randomness and key ids, the root key,
 * sealed key material and KMS ciphertext blobs. Table-driven: each row has
 * a name, printed when it fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/crypto.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#include "helpers.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = strlen(s) / 2;

    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;

        assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(seed + i * 7);
    }
}

/* ---- aead --------------------------------------------------------------- */

/* McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16. */
static void test_aead_known_answer(void **state)
{
    uint8_t key[32], iv[12], pt[64], aad[32], ct[64], tag[16], out[64];
    uint8_t want_ct[64], want_tag[16];
    size_t pt_len, aad_len;

    (void)state;
    unhex("feffe9928665731c6d6a8f9467308308"
          "feffe9928665731c6d6a8f9467308308", key, sizeof(key));
    unhex("cafebabefacedbaddecaf888", iv, sizeof(iv));
    pt_len = unhex("d9313225f88406e5a55909c5aff5269a"
                   "86a7a9531534f7da2e4c303d8a318a72"
                   "1c3c0c95956809532fcf0e2449a6b525"
                   "b16aedf5aa0de657ba637b39", pt, sizeof(pt));
    aad_len = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad,
                    sizeof(aad));
    unhex("522dc1f099567d07f47f37a32a84427d"
          "643a8cdcbfe5c0c97598a2bd2555d1aa"
          "8cb08e48590dbb3da7b08b1056828838"
          "c5f61e6393ba7a0abcc9f662", want_ct, sizeof(want_ct));
    unhex("76fc6ece0f4e1768cddf8853bb2d551b", want_tag, sizeof(want_tag));

    assert_int_equal(lv_aead_seal(key, iv, aad, aad_len, pt, pt_len, ct, tag),
                     0);
    assert_memory_equal(ct, want_ct, pt_len);
    assert_memory_equal(tag, want_tag, 16);
    assert_int_equal(lv_aead_open(key, iv, aad, aad_len, ct, pt_len, out,
                                  tag), 0);
    assert_memory_equal(out, pt, pt_len);
}

static void test_aead_round_trip(void **state)
{
    static const struct {
        const char *name;
        size_t pt_len;
        size_t aad_len;
        int in_place;
    } rows[] = {
        { "empty plaintext, empty aad", 0, 0, 0 },
        { "empty plaintext, aad only", 0, 20, 0 },
        { "one byte", 1, 0, 0 },
        { "one block minus one", 15, 3, 0 },
        { "one block", 16, 16, 0 },
        { "one block plus one", 17, 100, 0 },
        { "4 KiB", 4096, 64, 0 },
        { "in place, 1000 bytes", 1000, 7, 1 },
        { "in place, 1 MiB", 1 << 20, 0, 1 },
    };
    uint8_t key[32], nonce[12], tag[16];

    (void)state;
    fill(key, sizeof(key), 1);
    fill(nonce, sizeof(nonce), 2);
    for (size_t r = 0; r < N(rows); r++) {
        const char *name = rows[r].name;
        size_t n = rows[r].pt_len;
        uint8_t *pt = lv_xmalloc(n);
        uint8_t *ct = lv_xmalloc(n);
        uint8_t *back = lv_xmalloc(n);
        uint8_t aad[100];

        fill(pt, n, 3);
        fill(aad, sizeof(aad), 4);
        if (rows[r].in_place) {
            memcpy(ct, pt, n);
            CHECK(name, lv_aead_seal(key, nonce, aad, rows[r].aad_len, ct, n,
                                     ct, tag) == 0);
            CHECK(name, n == 0 || memcmp(ct, pt, n) != 0);
            CHECK(name, lv_aead_open(key, nonce, aad, rows[r].aad_len, ct, n,
                                     ct, tag) == 0);
            CHECK(name, memcmp(ct, pt, n) == 0);
        } else {
            CHECK(name, lv_aead_seal(key, nonce, aad, rows[r].aad_len, pt, n,
                                     ct, tag) == 0);
            CHECK(name, n == 0 || memcmp(ct, pt, n) != 0);
            CHECK(name, lv_aead_open(key, nonce, aad, rows[r].aad_len, ct, n,
                                     back, tag) == 0);
            CHECK(name, memcmp(back, pt, n) == 0);
        }
        free(pt);
        free(ct);
        free(back);
    }
    /* NULL pointers are fine with zero lengths. */
    assert_int_equal(lv_aead_seal(key, nonce, NULL, 0, NULL, 0, NULL, tag),
                     0);
    assert_int_equal(lv_aead_open(key, nonce, NULL, 0, NULL, 0, NULL, tag),
                     0);
}

enum aead_change { CH_NONE, CH_KEY, CH_NONCE, CH_AAD, CH_AAD_LEN, CH_TAG,
                   CH_CT, CH_CT_LEN };

static void test_aead_tamper(void **state)
{
    static const struct {
        const char *name;
        enum aead_change change;
        size_t pos;
    } rows[] = {
        { "unchanged opens", CH_NONE, 0 },
        { "wrong key, first byte", CH_KEY, 0 },
        { "wrong key, last byte", CH_KEY, 31 },
        { "wrong nonce, first byte", CH_NONCE, 0 },
        { "wrong nonce, last byte", CH_NONCE, 11 },
        { "wrong aad, first byte", CH_AAD, 0 },
        { "wrong aad, last byte", CH_AAD, 9 },
        { "aad shorter", CH_AAD_LEN, 0 },
        { "wrong tag, first byte", CH_TAG, 0 },
        { "wrong tag, last byte", CH_TAG, 15 },
        { "ciphertext, first byte", CH_CT, 0 },
        { "ciphertext, last byte", CH_CT, 63 },
        { "ciphertext truncated", CH_CT_LEN, 0 },
    };
    uint8_t key[32], nonce[12], aad[10], pt[64], ct[64], tag[16], out[64];

    (void)state;
    fill(key, sizeof(key), 10);
    fill(nonce, sizeof(nonce), 11);
    fill(aad, sizeof(aad), 12);
    fill(pt, sizeof(pt), 13);
    for (size_t r = 0; r < N(rows); r++) {
        const char *name = rows[r].name;
        size_t aad_len = sizeof(aad);
        size_t ct_len = sizeof(ct);
        uint8_t k[32], nn[12], a[10], t[16];
        static const uint8_t zero[64];

        assert_int_equal(lv_aead_seal(key, nonce, aad, sizeof(aad), pt,
                                      sizeof(pt), ct, tag), 0);
        memcpy(k, key, 32);
        memcpy(nn, nonce, 12);
        memcpy(a, aad, 10);
        memcpy(t, tag, 16);
        switch (rows[r].change) {
        case CH_NONE: break;
        case CH_KEY: k[rows[r].pos] ^= 0x01; break;
        case CH_NONCE: nn[rows[r].pos] ^= 0x80; break;
        case CH_AAD: a[rows[r].pos] ^= 0x01; break;
        case CH_AAD_LEN: aad_len--; break;
        case CH_TAG: t[rows[r].pos] ^= 0x01; break;
        case CH_CT: ct[rows[r].pos] ^= 0x01; break;
        case CH_CT_LEN: ct_len--; break;
        }
        memset(out, 0xaa, sizeof(out));
        if (rows[r].change == CH_NONE) {
            CHECK(name, lv_aead_open(k, nn, a, aad_len, ct, ct_len, out, t)
                        == 0);
            CHECK(name, memcmp(out, pt, sizeof(pt)) == 0);
        } else {
            CHECK(name, lv_aead_open(k, nn, a, aad_len, ct, ct_len, out, t)
                        == -1);
            /* No partial plaintext left behind. */
            CHECK(name, memcmp(out, zero, ct_len) == 0);
        }
    }
}

#define AEAD_THREADS 4

static void *aead_worker(void *arg)
{
    uint8_t key[32], nonce[12], buf[256], back[256], tag[16];
    int *ok = arg;

    lv_rand_bytes(key, sizeof(key));
    *ok = 1;
    for (int i = 0; i < 200; i++) {
        lv_rand_bytes(nonce, sizeof(nonce));
        fill(buf, sizeof(buf), (uint8_t)i);
        if (lv_aead_seal(key, nonce, NULL, 0, buf, sizeof(buf), buf, tag) ||
            lv_aead_open(key, nonce, NULL, 0, buf, sizeof(buf), back, tag)) {
            *ok = 0;
        }
        fill(buf, sizeof(buf), (uint8_t)i);
        if (memcmp(back, buf, sizeof(buf)) != 0) {
            *ok = 0;
        }
    }
    return NULL;
}

/* Each thread gets its own context (and frees it on exit: ASan checks). */
static void test_aead_threads(void **state)
{
    pthread_t t[AEAD_THREADS];
    int ok[AEAD_THREADS];

    (void)state;
    for (int i = 0; i < AEAD_THREADS; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, aead_worker, &ok[i]), 0);
    }
    for (int i = 0; i < AEAD_THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(ok[i], 1);
    }
}

/* ---- rand, uuid, key ids ------------------------------------------------ */

static int is_uuid4(const char *s)
{
    uint8_t id[16];
    char back[37];

    if (strlen(s) != 36 || lv_keyid_parse(s, id) < 0) {
        return 0;
    }
    lv_keyid_format(id, back);
    return strcmp(s, back) == 0 && s[14] == '4' && strchr("89ab", s[19]);
}

static void test_uuid4(void **state)
{
    char a[37], b[37];
    uint8_t id[16];
    uint8_t r1[64], r2[64];

    (void)state;
    lv_uuid4(a);
    lv_uuid4(b);
    assert_true(is_uuid4(a));
    assert_true(is_uuid4(b));
    assert_string_not_equal(a, b);
    for (int i = 0; i < 100; i++) {
        lv_keyid_new(id);
        assert_int_equal(id[6] >> 4, 4);
        assert_int_equal(id[8] >> 6, 2);
    }
    lv_rand_bytes(r1, sizeof(r1));
    lv_rand_bytes(r2, sizeof(r2));
    assert_memory_not_equal(r1, r2, sizeof(r1));
    lv_rand_bytes(NULL, 0);
}

static void fixed_source(void *p, size_t n)
{
    memset(p, 0x5a, n);
}

static void test_rand_source(void **state)
{
    uint8_t r[8];
    uint8_t p[12];
    uint8_t big[300];
    uint8_t want[300];
    char u[37];

    (void)state;
    lv_uuid4(u);                    /* this thread's pool drawn */
    lv_rand_set_source(fixed_source);
    lv_rand_bytes(r, sizeof(r));
    lv_uuid4(u);                    /* not from the pool drawn before */
    lv_rand_public(p, sizeof(p));
    lv_rand_public(big, sizeof(big));   /* past the pool's: drawn whole */
    lv_rand_set_source(NULL);
    memset(want, 0x5a, sizeof(want));
    assert_memory_equal(r, want, sizeof(r));
    assert_memory_equal(p, want, sizeof(p));
    assert_memory_equal(big, want, sizeof(big));
    assert_string_equal(u, "5a5a5a5a-5a5a-4a5a-9a5a-5a5a5a5a5a5a");
    lv_rand_bytes(r, sizeof(r));
    assert_memory_not_equal(r, want, sizeof(r));
    lv_rand_public(p, sizeof(p));   /* nor the fixed source's pool */
    assert_memory_not_equal(p, want, sizeof(p));
}

static int cmp_uuid(const void *a, const void *b)
{
    return memcmp(a, b, 37);
}

/* Ids from the per-thread pool: each one new, across many refills. */
static void test_rand_public_unique(void **state)
{
    enum { N = 5000 };              /* 5000 × 16 bytes: 20 pools */
    char (*u)[37] = malloc(N * sizeof(*u));

    (void)state;
    assert_non_null(u);
    for (int i = 0; i < N; i++) {
        lv_uuid4(u[i]);
        assert_true(is_uuid4(u[i]));
    }
    qsort(u, N, sizeof(*u), cmp_uuid);
    for (int i = 1; i < N; i++) {
        assert_string_not_equal(u[i - 1], u[i]);
    }
    free(u);
}

static void test_keyid_parse(void **state)
{
    static const struct {
        const char *name;
        const char *in;
        const char *canonical;  /* NULL: must be rejected */
    } rows[] = {
        { "AWS doc example", "1234abcd-12ab-34cd-56ef-1234567890ab",
          "1234abcd-12ab-34cd-56ef-1234567890ab" },
        { "all zero", "00000000-0000-0000-0000-000000000000",
          "00000000-0000-0000-0000-000000000000" },
        { "all f", "ffffffff-ffff-ffff-ffff-ffffffffffff",
          "ffffffff-ffff-ffff-ffff-ffffffffffff" },
        { "upper case", "1234ABCD-12AB-34CD-56EF-1234567890AB",
          "1234abcd-12ab-34cd-56ef-1234567890ab" },
        { "empty", "", NULL },
        { "one short", "1234abcd-12ab-34cd-56ef-1234567890a", NULL },
        { "one long", "1234abcd-12ab-34cd-56ef-1234567890abc", NULL },
        { "trailing newline", "1234abcd-12ab-34cd-56ef-1234567890ab\n", NULL },
        { "leading space", " 1234abcd-12ab-34cd-56ef-1234567890ab", NULL },
        { "no dashes", "1234abcd12ab34cd56ef1234567890ab", NULL },
        { "dash moved", "1234abc-d12ab-34cd-56ef-1234567890ab", NULL },
        { "dash as digit", "1234abcd-12ab-34cd-56ef-1234567890-b", NULL },
        { "non-hex g", "1234abcg-12ab-34cd-56ef-1234567890ab", NULL },
        { "braces", "{1234abcd-12ab-34cd-56ef-1234567890ab}", NULL },
        { "alias", "alias/my-key", NULL },
        { "arn", "arn:aws:kms:us-east-1:123456789012:key/"
                 "1234abcd-12ab-34cd-56ef-1234567890ab", NULL },
        { "NUL inside", "1234abcd-12ab-34\0d-56ef-1234567890ab", NULL },
    };
    static const char doc[] = "1234abcd-12ab-34cd-56ef-1234567890ab";
    uint8_t strict[16];
    uint8_t want[16];

    (void)state;
    for (size_t r = 0; r < N(rows); r++) {
        const char *name = rows[r].name;
        uint8_t id[16];
        uint8_t untouched[16];
        char out[37];

        /* The strict form: only the canonical text itself. */
        CHECK(name, lv_keyid_parse_lower(rows[r].in, strlen(rows[r].in),
                                         id) ==
                        (rows[r].canonical &&
                         strcmp(rows[r].in, rows[r].canonical) == 0));
        memset(id, 0xee, sizeof(id));
        memset(untouched, 0xee, sizeof(untouched));
        if (rows[r].canonical) {
            CHECK(name, lv_keyid_parse(rows[r].in, id) == 0);
            lv_keyid_format(id, out);
            CHECK(name, strcmp(out, rows[r].canonical) == 0);
        } else {
            CHECK(name, lv_keyid_parse(rows[r].in, id) == -1);
            CHECK(name, memcmp(id, untouched, 16) == 0);
        }
    }
    assert_int_equal(lv_keyid_parse(NULL, (uint8_t[16]){ 0 }), -1);
    /* 36 characters with a NUL among them; the bytes it parses. */
    assert_int_equal(lv_keyid_parse_lower("1234abcd-12ab-34\0d-56ef-"
                                          "1234567890ab", 36,
                                          (uint8_t[16]){ 0 }), 0);
    assert_int_equal(lv_keyid_parse_lower(doc, 36, strict), 1);
    assert_int_equal(lv_keyid_parse(doc, want), 0);
    assert_memory_equal(strict, want, 16);
}

/* ---- rootkey ------------------------------------------------------------ */

struct tmpdir {
    char path[64];
};

static void tmpdir_make(struct tmpdir *d)
{
    snprintf(d->path, sizeof(d->path), "/tmp/lv-test-crypto-XXXXXX");
    assert_non_null(mkdtemp(d->path));
}

static void tmpdir_remove(struct tmpdir *d)
{
    DIR *dir = opendir(d->path);
    struct dirent *e;

    assert_non_null(dir);
    while ((e = readdir(dir))) {
        char p[512];

        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(p, sizeof(p), "%s/%s", d->path, e->d_name);
        if (unlink(p) < 0) {
            rmdir(p);
        }
    }
    closedir(dir);
    assert_int_equal(rmdir(d->path), 0);
}

static int count_entries(const char *path)
{
    DIR *dir = opendir(path);
    struct dirent *e;
    int n = 0;

    assert_non_null(dir);
    while ((e = readdir(dir))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            n++;
        }
    }
    closedir(dir);
    return n;
}

static void write_file(const char *path, const void *data, size_t len,
                       mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static void test_rootkey_create_and_reuse(void **state)
{
    struct tmpdir d;
    struct lv_err err = LV_ERR_INIT;
    uint8_t k1[32], k2[32], zero[32] = { 0 };
    char path[100];
    struct stat st;

    (void)state;
    tmpdir_make(&d);
    snprintf(path, sizeof(path), "%s/root.key", d.path);
    assert_int_equal(lv_rootkey_load(d.path, NULL, k1, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, 32);
    assert_int_equal(st.st_nlink, 1);
    assert_int_equal(count_entries(d.path), 1);   /* no temporary left */
    assert_memory_not_equal(k1, zero, 32);

    assert_int_equal(lv_rootkey_load(d.path, NULL, k2, &err), 0);
    assert_memory_equal(k1, k2, 32);
    /* The same file given explicitly. */
    memset(k2, 0, sizeof(k2));
    assert_int_equal(lv_rootkey_load(d.path, path, k2, &err), 0);
    assert_memory_equal(k1, k2, 32);
    /* An explicit file is read even when data_dir is elsewhere or NULL. */
    memset(k2, 0, sizeof(k2));
    assert_int_equal(lv_rootkey_load(NULL, path, k2, &err), 0);
    assert_memory_equal(k1, k2, 32);
    lv_secret_wipe(k1, sizeof(k1));
    lv_secret_wipe(k2, sizeof(k2));
    tmpdir_remove(&d);
}

static void test_rootkey_refused(void **state)
{
    static const struct {
        const char *name;
        size_t size;        /* bytes to write to root.key, or: */
        int no_file;        /* leave it missing */
        int directory;      /* make root.key a directory */
        mode_t mode;
        int explicit_file;  /* pass the path as root_key_file */
        int missing_dir;    /* data dir does not exist */
        const char *want;   /* part of the message */
        int fifo;           /* make root.key a FIFO (must not hang) */
    } rows[] = {
        { "31 bytes", 31, 0, 0, 0600, 0, 0, "exactly 32 bytes, it holds 31" },
        { "33 bytes", 33, 0, 0, 0600, 0, 0, "it holds more than 32" },
        { "empty file", 0, 0, 0, 0600, 0, 0, "it holds 0" },
        { "group-readable", 32, 0, 0, 0640, 0, 0, "group or others" },
        { "other-readable", 32, 0, 0, 0604, 0, 0, "(mode 0604)" },
        { "group-writable", 32, 0, 0, 0620, 0, 0, "chmod 600" },
        { "explicit, group-readable", 32, 0, 0, 0640, 1, 0,
          "group or others" },
        { "explicit, wrong size", 64, 0, 0, 0400, 1, 0, "exactly 32" },
        { "explicit, missing", 0, 1, 0, 0600, 1, 0,
          "No such file or directory" },
        { "a directory", 0, 0, 1, 0700, 0, 0, "not a regular file" },
        { "data dir missing", 0, 1, 0, 0600, 0, 1, "cannot create" },
        { .name = "a fifo", .mode = 0600, .want = "not a regular file",
          .fifo = 1 },
    };

    (void)state;
    for (size_t r = 0; r < N(rows); r++) {
        const char *name = rows[r].name;
        struct tmpdir d;
        struct lv_err err = LV_ERR_INIT;
        uint8_t key[32], zero[32] = { 0 };
        uint8_t data[64];
        char path[200];
        char dir[100];

        tmpdir_make(&d);
        snprintf(dir, sizeof(dir), "%s%s", d.path,
                 rows[r].missing_dir ? "/nope" : "");
        snprintf(path, sizeof(path), "%s/root.key", dir);
        fill(data, sizeof(data), 9);
        if (rows[r].directory) {
            assert_int_equal(mkdir(path, rows[r].mode), 0);
        } else if (rows[r].fifo) {
            assert_int_equal(mkfifo(path, rows[r].mode), 0);
        } else if (!rows[r].no_file) {
            write_file(path, data, rows[r].size, rows[r].mode);
        }
        memset(key, 0x11, sizeof(key));
        CHECK(name, lv_rootkey_load(dir, rows[r].explicit_file ? path : NULL,
                                    key, &err) == -1);
        CHECK(name, err.code == LV_E_INTERNAL_FAILURE);
        CHECK(name, strstr(err.msg, path) != NULL);     /* names the file */
        if (!strstr(err.msg, rows[r].want)) {
            fail_msg("%s: message \"%s\" lacks \"%s\"", name, err.msg,
                     rows[r].want);
        }
        CHECK(name, memcmp(key, zero, 32) == 0);
        /* Nothing was created or changed. */
        if (rows[r].no_file && !rows[r].missing_dir) {
            CHECK(name, access(path, F_OK) < 0);
        }
        tmpdir_remove(&d);
    }
}

static void test_rootkey_check(void **state)
{
    static const struct {
        const char *name;
        int other_key;
        size_t len;
        int ok;
        const char *want;
    } rows[] = {
        { "same key", 0, 32, 1, "" },
        { "another key", 1, 32, 0,
          "root key does not match this store (it was created with "
          "another root key); refusing to start and changing nothing" },
        { "stored value short", 0, 31, 0, "corrupt" },
        { "stored value empty", 0, 0, 0, "corrupt" },
    };
    uint8_t key[32], other[32], cv[32], want[32];
    unsigned int len = 0;

    (void)state;
    fill(key, sizeof(key), 20);
    fill(other, sizeof(other), 21);
    /* The definition, computed independently. */
    assert_non_null(HMAC(EVP_sha256(), key, 32,
                         (const unsigned char *)"logvault root key check v1",
                         26, want, &len));
    lv_rootkey_check_value(key, cv);
    assert_memory_equal(cv, want, 32);
    for (size_t r = 0; r < N(rows); r++) {
        const char *name = rows[r].name;
        struct lv_err err = LV_ERR_INIT;
        int rc = lv_rootkey_verify_check(rows[r].other_key ? other : key, cv,
                                         rows[r].len, &err);

        if (rows[r].ok) {
            CHECK(name, rc == 0);
        } else {
            CHECK(name, rc == -1);
            CHECK(name, err.code == LV_E_INTERNAL_FAILURE);
            if (!strstr(err.msg, rows[r].want)) {
                fail_msg("%s: message \"%s\" lacks \"%s\"", name, err.msg,
                         rows[r].want);
            }
        }
    }
}

/* ---- seal --------------------------------------------------------------- */

#define ARN "arn:aws:kms:us-east-1:123456789012:key/" \
            "1234abcd-12ab-34cd-56ef-1234567890ab"

static void test_seal_round_trip(void **state)
{
    static const struct {
        const char *name;
        size_t len;
        const char *arn;
        uint32_t version;
    } rows[] = {
        { "32-byte material", 32, ARN, 1 },
        { "empty material", 0, ARN, 1 },
        { "one byte", 1, ARN, 0 },
        { "large version", 64, ARN, 0xfffffffe },
        { "empty arn", 32, "", 7 },
        { "rsa-sized material", 2400, ARN, 3 },
    };
    uint8_t root[32];

    (void)state;
    fill(root, sizeof(root), 30);
    for (size_t r = 0; r < N(rows); r++) {
        const char *name = rows[r].name;
        struct lv_buf s = LV_BUF_INIT(SIZE_MAX);
        struct lv_err err = LV_ERR_INIT;
        uint8_t *mat = lv_xmalloc(rows[r].len);
        uint8_t *out = lv_xmalloc(rows[r].len);
        uint8_t *alloc = NULL;
        size_t n = 0;

        fill(mat, rows[r].len, 31);
        lv_buf_adds(&s, "prefix");      /* lv_seal appends */
        CHECK(name, lv_seal(root, rows[r].arn, rows[r].version, mat,
                            rows[r].len, &s) == 0);
        CHECK(name, s.len == 6 + LV_SEAL_OVERHEAD + rows[r].len);
        CHECK(name, memcmp(s.data, "prefix", 6) == 0);
        CHECK(name, (uint8_t)s.data[6] == LV_SEAL_FORMAT_V1);
        CHECK(name, lv_unseal(root, rows[r].arn, rows[r].version, s.data + 6,
                              s.len - 6, out, rows[r].len, &n, &err) == 0);
        CHECK(name, n == rows[r].len);
        CHECK(name, memcmp(out, mat, n) == 0);
        CHECK(name, lv_unseal_alloc(root, rows[r].arn, rows[r].version,
                                    s.data + 6, s.len - 6, &alloc, &n,
                                    &err) == 0);
        CHECK(name, n == rows[r].len);
        CHECK(name, memcmp(alloc, mat, n) == 0);
        lv_secret_free(alloc, n);
        lv_secret_free(mat, rows[r].len);
        lv_secret_free(out, rows[r].len);
        lv_buf_release(&s);
    }
}

static void test_seal_nonce_fresh(void **state)
{
    struct lv_buf a = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    uint8_t root[32], mat[32];

    (void)state;
    fill(root, sizeof(root), 1);
    fill(mat, sizeof(mat), 2);
    assert_int_equal(lv_seal(root, ARN, 1, mat, 32, &a), 0);
    assert_int_equal(lv_seal(root, ARN, 1, mat, 32, &b), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_not_equal(a.data, b.data, a.len);
    lv_buf_release(&a);
    lv_buf_release(&b);
}

static void expect_unseal_fails(const char *name, const uint8_t root[32],
                                const char *arn, uint32_t version,
                                const uint8_t *s, size_t len, size_t cap)
{
    struct lv_err err = LV_ERR_INIT;
    uint8_t out[64];
    uint8_t *alloc = (uint8_t *)"untouched";
    size_t n = 12345;

    memset(out, 0xaa, sizeof(out));
    CHECK(name, lv_unseal(root, arn, version, s, len, out, cap, &n, &err)
                == -1);
    CHECK(name, err.code == LV_E_SERVICE_UNAVAILABLE);
    CHECK(name, n == 12345);
    for (size_t i = 0; i < sizeof(out); i++) {
        CHECK(name, out[i] == 0 || out[i] == 0xaa);
    }
    if (cap < len - LV_SEAL_OVERHEAD && len >= LV_SEAL_OVERHEAD) {
        return;     /* only the caller's buffer was too small */
    }
    CHECK(name, lv_unseal_alloc(root, arn, version, s, len, &alloc, &n, &err)
                == -1);
    CHECK(name, strcmp((char *)alloc, "untouched") == 0);
    CHECK(name, n == 12345);
}

static void test_seal_tamper(void **state)
{
    static const struct {
        const char *name;
        const char *arn;
        uint32_t version;
        int other_root;
        size_t cap;
    } rows[] = {
        { "other ARN", ARN "x", 1, 0, 64 },
        { "ARN prefix", "arn:aws:kms:us-east-1:123456789012:key/", 1, 0, 64 },
        { "other version", ARN, 2, 0, 64 },
        { "version byte order", ARN, 0x01000000, 0, 64 },
        { "other root key", ARN, 1, 1, 64 },
        { "out too small", ARN, 1, 0, 31 },
    };
    struct lv_buf s = LV_BUF_INIT(SIZE_MAX);
    uint8_t root[32], other[32], mat[32];
    char name[64];

    (void)state;
    fill(root, sizeof(root), 40);
    fill(other, sizeof(other), 41);
    fill(mat, sizeof(mat), 42);
    assert_int_equal(lv_seal(root, ARN, 1, mat, sizeof(mat), &s), 0);
    for (size_t r = 0; r < N(rows); r++) {
        expect_unseal_fails(rows[r].name, rows[r].other_root ? other : root,
                            rows[r].arn, rows[r].version,
                            (uint8_t *)s.data, s.len, rows[r].cap);
    }
    /* Every bit of every byte. */
    for (size_t i = 0; i < s.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            s.data[i] ^= (char)(1 << bit);
            snprintf(name, sizeof(name), "byte %zu bit %d flipped", i, bit);
            expect_unseal_fails(name, root, ARN, 1, (uint8_t *)s.data, s.len,
                                64);
            s.data[i] ^= (char)(1 << bit);
        }
    }
    /* Truncated at every length, and one byte appended. */
    for (size_t len = 0; len < s.len; len++) {
        snprintf(name, sizeof(name), "truncated to %zu", len);
        expect_unseal_fails(name, root, ARN, 1, (uint8_t *)s.data, len, 64);
    }
    lv_buf_addc(&s, 0);
    expect_unseal_fails("one byte appended", root, ARN, 1, (uint8_t *)s.data,
                        s.len, 64);
    expect_unseal_fails("NULL input", root, ARN, 1, NULL, 0, 64);
    lv_buf_release(&s);
}

static void test_seal_ceiling(void **state)
{
    struct lv_buf s = LV_BUF_INIT(LV_SEAL_OVERHEAD + 31);
    uint8_t root[32] = { 0 }, mat[32] = { 0 };

    (void)state;
    assert_int_equal(lv_seal(root, ARN, 1, mat, 32, &s), -1);
    assert_int_equal(s.len, 0);
    assert_int_equal(lv_seal(root, ARN, 1, mat, 31, &s), 0);
    assert_int_equal(s.len, LV_SEAL_OVERHEAD + 31);
    lv_buf_release(&s);
}

/* ---- blob --------------------------------------------------------------- */

static const uint8_t KEY_ID[16] = {
    0x12, 0x34, 0xab, 0xcd, 0x12, 0xab, 0x34, 0xcd,
    0x56, 0xef, 0x12, 0x34, 0x56, 0x78, 0x90, 0xab,
};

#define MAX_KV 4

struct ctx_row {
    size_t n;
    struct lv_kv kv[MAX_KV];
};

static void test_blob_round_trip(void **state)
{
    static const struct {
        const char *name;
        struct ctx_row enc;
        struct ctx_row dec;     /* the same context, maybe reordered */
        size_t pt_len;
        uint32_t version;
    } rows[] = {
        { "empty context", { 0, { { NULL, NULL } } },
          { 0, { { NULL, NULL } } }, 32, 1 },
        { "logs context",
          { 1, { { "aws:logs:arn",
                   "arn:aws:logs:us-east-1:123456789012:log-group:g" } } },
          { 1, { { "aws:logs:arn",
                   "arn:aws:logs:us-east-1:123456789012:log-group:g" } } },
          32, 2 },
        { "three pairs, reordered",
          { 3, { { "b", "2" }, { "a", "1" }, { "c", "3" } } },
          { 3, { { "c", "3" }, { "b", "2" }, { "a", "1" } } }, 100, 3 },
        { "empty key and value",
          { 2, { { "", "" }, { "k", "" } } },
          { 2, { { "k", "" }, { "", "" } } }, 1, 4 },
        { "utf-8", { 2, { { "\xc3\xa9t\xc3\xa9", "\xe2\x82\xac" },
                          { "z", "y" } } },
          { 2, { { "z", "y" }, { "\xc3\xa9t\xc3\xa9", "\xe2\x82\xac" } } },
          4096, 0xffffffff },
        { "empty plaintext", { 0, { { NULL, NULL } } },
          { 0, { { NULL, NULL } } }, 0, 0 },
    };
    uint8_t key[32];

    (void)state;
    fill(key, sizeof(key), 50);
    for (size_t r = 0; r < N(rows); r++) {
        const char *name = rows[r].name;
        struct lv_buf blob = LV_BUF_INIT(SIZE_MAX);
        struct lv_buf pt = LV_BUF_INIT(SIZE_MAX);
        struct lv_err err = LV_ERR_INIT;
        uint8_t *in = lv_xmalloc(rows[r].pt_len);
        uint8_t id[16];
        uint32_t version = 0;
        const uint8_t *b;

        fill(in, rows[r].pt_len, 51);
        CHECK(name, lv_blob_encrypt(key, KEY_ID, rows[r].version,
                                    rows[r].enc.kv, rows[r].enc.n, in,
                                    rows[r].pt_len, &blob) == 0);
        CHECK(name, blob.len == rows[r].pt_len + LV_BLOB_OVERHEAD);
        b = (const uint8_t *)blob.data;
        CHECK(name, b[0] == 'L' && b[1] == 'V' && b[2] == 1 && b[3] == 1);
        CHECK(name, memcmp(b + 4, KEY_ID, 16) == 0);
        CHECK(name, lv_blob_parse_header(blob.data, blob.len, id, &version,
                                         &err) == 0);
        CHECK(name, memcmp(id, KEY_ID, 16) == 0);
        CHECK(name, version == rows[r].version);
        /* The context is not stored in the blob. */
        for (size_t i = 0; i < rows[r].enc.n; i++) {
            const char *v = rows[r].enc.kv[i].value;

            CHECK(name, strlen(v) < 3 ||
                        !memmem(blob.data, blob.len, v, strlen(v)));
        }
        lv_buf_adds(&pt, "x");          /* decrypt appends */
        CHECK(name, lv_blob_decrypt(key, blob.data, blob.len, rows[r].dec.kv,
                                    rows[r].dec.n, &pt, &err) == 0);
        CHECK(name, pt.len == 1 + rows[r].pt_len);
        CHECK(name, pt.data[0] == 'x');
        CHECK(name, memcmp(pt.data + 1, in, rows[r].pt_len) == 0);
        CHECK(name, pt.data[pt.len] == '\0');
        lv_secret_free(in, rows[r].pt_len);
        lv_crypto_buf_release(&pt);
        lv_buf_release(&blob);
    }
}

static void test_blob_context_mismatch(void **state)
{
    static const struct {
        const char *name;
        struct ctx_row dec;
    } rows[] = {
        { "no context", { 0, { { NULL, NULL } } } },
        { "pair missing", { 1, { { "a", "1" } } } },
        { "pair added", { 3, { { "a", "1" }, { "bc", "2" }, { "d", "" } } } },
        { "value changed", { 2, { { "a", "1" }, { "bc", "3" } } } },
        { "key case", { 2, { { "A", "1" }, { "bc", "2" } } } },
        { "value case", { 2, { { "a", "1" }, { "BC", "2" } } } },
        { "boundary moved", { 2, { { "a", "1" }, { "b", "c2" } } } },
        { "key and value swapped", { 2, { { "1", "a" }, { "bc", "2" } } } },
        { "value trailing space", { 2, { { "a", "1 " }, { "bc", "2" } } } },
        { "duplicate pair", { 3, { { "a", "1" }, { "a", "1" },
                                   { "bc", "2" } } } },
    };
    static const struct lv_kv enc[] = { { "a", "1" }, { "bc", "2" } };
    struct lv_buf blob = LV_BUF_INIT(SIZE_MAX);
    uint8_t key[32], pt_in[32];

    (void)state;
    fill(key, sizeof(key), 60);
    fill(pt_in, sizeof(pt_in), 61);
    assert_int_equal(lv_blob_encrypt(key, KEY_ID, 1, enc, 2, pt_in, 32,
                                     &blob), 0);
    for (size_t r = 0; r < N(rows); r++) {
        const char *name = rows[r].name;
        struct lv_buf pt = LV_BUF_INIT(SIZE_MAX);
        struct lv_err err = LV_ERR_INIT;

        lv_buf_adds(&pt, "keep");
        CHECK(name, lv_blob_decrypt(key, blob.data, blob.len, rows[r].dec.kv,
                                    rows[r].dec.n, &pt, &err) == -1);
        CHECK(name, err.code == LV_E_INVALID_CIPHERTEXT);
        CHECK(name, err.msg[0] == '\0');
        CHECK(name, pt.len == 4 && strcmp(pt.data, "keep") == 0);
        lv_crypto_buf_release(&pt);
    }
    lv_buf_release(&blob);
}

/* Decrypt must fail with InvalidCiphertext, an empty message, *pt as it
 * was and no plaintext left in its spare room. */
static void expect_decrypt_fails(const char *name, const uint8_t key[32],
                                 const void *blob, size_t len,
                                 const struct lv_kv *ctx, size_t n_ctx)
{
    struct lv_buf pt = LV_BUF_INIT(SIZE_MAX);
    struct lv_err err = LV_ERR_INIT;

    lv_buf_grow(&pt, 256);
    memset(pt.data, 0xaa, 256);
    pt.data[0] = '\0';
    CHECK(name, lv_blob_decrypt(key, blob, len, ctx, n_ctx, &pt, &err)
                == -1);
    CHECK(name, err.code == LV_E_INVALID_CIPHERTEXT);
    CHECK(name, err.msg[0] == '\0');
    CHECK(name, pt.len == 0 && pt.data[0] == '\0');
    for (size_t i = 1; i < 256; i++) {
        CHECK(name, (uint8_t)pt.data[i] == 0 || (uint8_t)pt.data[i] == 0xaa);
    }
    lv_crypto_buf_release(&pt);
}

static void test_blob_tamper(void **state)
{
    static const struct lv_kv ctx[] = { { "aws:logs:arn", "g" } };
    struct lv_buf blob = LV_BUF_INIT(SIZE_MAX);
    struct lv_err err = LV_ERR_INIT;
    uint8_t key[32], other[32], pt_in[32];
    char name[64];
    uint8_t id[16];
    uint32_t version;

    (void)state;
    fill(key, sizeof(key), 70);
    fill(other, sizeof(other), 71);
    fill(pt_in, sizeof(pt_in), 72);
    assert_int_equal(lv_blob_encrypt(key, KEY_ID, 9, ctx, 1, pt_in, 32,
                                     &blob), 0);
    expect_decrypt_fails("wrong key", other, blob.data, blob.len, ctx, 1);
    /* Every bit of every byte: the header may still parse (it names a
     * key), but decryption must fail. */
    for (size_t i = 0; i < blob.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            blob.data[i] ^= (char)(1 << bit);
            snprintf(name, sizeof(name), "byte %zu bit %d flipped", i, bit);
            if (i < 4) {
                CHECK(name, lv_blob_parse_header(blob.data, blob.len, id,
                                                 &version, &err) == -1);
            } else {
                CHECK(name, lv_blob_parse_header(blob.data, blob.len, id,
                                                 &version, &err) == 0);
            }
            expect_decrypt_fails(name, key, blob.data, blob.len, ctx, 1);
            blob.data[i] ^= (char)(1 << bit);
        }
    }
    /* Truncated at every length. */
    for (size_t len = 0; len < blob.len; len++) {
        snprintf(name, sizeof(name), "truncated to %zu", len);
        if (len < LV_BLOB_OVERHEAD) {
            memset(&err, 0, sizeof(err));
            CHECK(name, lv_blob_parse_header(blob.data, len, id, &version,
                                             &err) == -1);
            CHECK(name, err.code == LV_E_INVALID_CIPHERTEXT);
            CHECK(name, err.msg[0] == '\0');
        }
        expect_decrypt_fails(name, key, blob.data, len, ctx, 1);
    }
    lv_buf_addc(&blob, 0);
    expect_decrypt_fails("one byte appended", key, blob.data, blob.len, ctx,
                         1);
    expect_decrypt_fails("NULL blob", key, NULL, 0, ctx, 1);
    lv_buf_release(&blob);
}

static void test_blob_garbage(void **state)
{
    static const struct {
        const char *name;
        const char *data;
        size_t len;
    } rows[] = {
        { "empty", "", 0 },
        { "AWS-looking blob", "\x01\x02\x02\x00\x78\x00\x00\x00\x00\x00\x00"
          "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
          "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
          "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 60 },
        { "base64 text not decoded", "TFYBAQ==AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
          "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 68 },
        { "future format", "LV\x02\x01" "0123456789abcdef0123456789abcdef"
          "0123456789abcdef0123456789abcdef", 68 },
        { "unknown algorithm", "LV\x01\x02" "0123456789abcdef0123456789abcdef"
          "0123456789abcdef0123456789abcdef", 68 },
    };
    uint8_t key[32] = { 0 };

    (void)state;
    for (size_t r = 0; r < N(rows); r++) {
        struct lv_err err = LV_ERR_INIT;
        uint8_t id[16];
        uint32_t v;

        CHECK(rows[r].name, lv_blob_parse_header(rows[r].data, rows[r].len,
                                                 id, &v, &err) == -1);
        CHECK(rows[r].name, err.code == LV_E_INVALID_CIPHERTEXT);
        expect_decrypt_fails(rows[r].name, key, rows[r].data, rows[r].len,
                             NULL, 0);
    }
    /* A well-formed header with random body. */
    for (int i = 0; i < 200; i++) {
        uint8_t b[LV_BLOB_OVERHEAD + 40];
        uint8_t id[16];
        uint32_t v;
        char name[32];

        lv_rand_bytes(b, sizeof(b));
        memcpy(b, "LV\x01\x01", 4);
        snprintf(name, sizeof(name), "random blob %d", i);
        CHECK(name, lv_blob_parse_header(b, sizeof(b), id, &v, NULL) == 0);
        expect_decrypt_fails(name, key, b, LV_BLOB_OVERHEAD + (size_t)i % 41,
                             NULL, 0);
    }
}

static void test_blob_ceilings(void **state)
{
    struct lv_buf blob = LV_BUF_INIT(LV_BLOB_OVERHEAD + 31);
    struct lv_buf pt = LV_BUF_INIT(31);
    struct lv_err err = LV_ERR_INIT;
    uint8_t key[32], in[32];

    (void)state;
    fill(key, sizeof(key), 80);
    fill(in, sizeof(in), 81);
    assert_int_equal(lv_blob_encrypt(key, KEY_ID, 1, NULL, 0, in, 32, &blob),
                     -1);
    assert_int_equal(blob.len, 0);
    blob.max = SIZE_MAX;
    assert_int_equal(lv_blob_encrypt(key, KEY_ID, 1, NULL, 0, in, 32, &blob),
                     0);
    assert_int_equal(lv_blob_decrypt(key, blob.data, blob.len, NULL, 0, &pt,
                                     &err), -1);
    assert_int_equal(err.code, LV_E_INVALID_CIPHERTEXT);
    assert_int_equal(pt.len, 0);
    pt.max = 32;
    assert_int_equal(lv_blob_decrypt(key, blob.data, blob.len, NULL, 0, &pt,
                                     &err), 0);
    assert_memory_equal(pt.data, in, 32);
    lv_crypto_buf_release(&pt);
    lv_buf_release(&blob);
}

/* Blobs written by this version must open in every later one: a fixed
 * blob, made with a fixed random source, pins the format. */
static void test_blob_stable_format(void **state)
{
    static const struct lv_kv ctx[] = { { "purpose", "test" },
                                        { "aws:logs:arn", "g" } };
    struct lv_buf blob = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf pt = LV_BUF_INIT(SIZE_MAX);
    struct lv_err err = LV_ERR_INIT;
    uint8_t key[32], want[LV_BLOB_OVERHEAD + 5];
    size_t want_len;

    (void)state;
    fill(key, sizeof(key), 90);
    lv_rand_set_source(fixed_source);
    assert_int_equal(lv_blob_encrypt(key, KEY_ID, 0x01020304, ctx, 2,
                                     "hello", 5, &blob), 0);
    lv_rand_set_source(NULL);
    want_len = unhex("4c560101"
                     "1234abcd12ab34cd56ef1234567890ab"
                     "01020304"
                     "5a5a5a5a5a5a5a5a5a5a5a5a"
                     /* ciphertext of "hello", then the tag; computed
                      * with Python's cryptography AESGCM */
                     "c61d86fd8a"
                     "65da1008605ef6b8d29663a541e8b6b2", want, sizeof(want));
    assert_int_equal(blob.len, want_len);
    assert_memory_equal(blob.data, want, want_len);
    assert_int_equal(lv_blob_decrypt(key, want, want_len, ctx, 2, &pt, &err),
                     0);
    assert_string_equal(pt.data, "hello");
    lv_crypto_buf_release(&pt);
    lv_buf_release(&blob);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aead_known_answer),
        cmocka_unit_test(test_aead_round_trip),
        cmocka_unit_test(test_aead_tamper),
        cmocka_unit_test(test_aead_threads),
        cmocka_unit_test(test_uuid4),
        cmocka_unit_test(test_rand_source),
        cmocka_unit_test(test_rand_public_unique),
        cmocka_unit_test(test_keyid_parse),
        cmocka_unit_test(test_rootkey_create_and_reuse),
        cmocka_unit_test(test_rootkey_refused),
        cmocka_unit_test(test_rootkey_check),
        cmocka_unit_test(test_seal_round_trip),
        cmocka_unit_test(test_seal_nonce_fresh),
        cmocka_unit_test(test_seal_tamper),
        cmocka_unit_test(test_seal_ceiling),
        cmocka_unit_test(test_blob_round_trip),
        cmocka_unit_test(test_blob_context_mismatch),
        cmocka_unit_test(test_blob_tamper),
        cmocka_unit_test(test_blob_garbage),
        cmocka_unit_test(test_blob_ceilings),
        cmocka_unit_test(test_blob_stable_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

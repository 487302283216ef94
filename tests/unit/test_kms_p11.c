/*
 * test_kms_p11: AES-256 keys inside a PKCS#11 token (kms/p11.h), against
 * a SoftHSM2 token made in a scratch directory (its own SOFTHSM2_CONF).
 * Skipped (77) when softhsm2 is not installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "kms/p11.h"
#include "util/buf.h"
#include "util/err.h"

#define MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define UTIL "/usr/bin/softhsm2-util"
#define LABEL "lv-test-cluster"
#define PIN "1234"

static char dir[64];

static int make_token(void)
{
    char path[128];
    char cmd[512];
    FILE *f;

    snprintf(dir, sizeof(dir), "/tmp/lv-test-p11-XXXXXX");
    if (!mkdtemp(dir)) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s/softhsm2.conf", dir);
    f = fopen(path, "w");
    if (!f) {
        return -1;
    }
    fprintf(f, "directories.tokendir = %s\nobjectstore.backend = file\n"
            "log.level = ERROR\n", dir);
    fclose(f);
    setenv("SOFTHSM2_CONF", path, 1);
    snprintf(cmd, sizeof(cmd), UTIL " --init-token --free --label "
             LABEL " --pin " PIN " --so-pin 5678 >/dev/null");
    return system(cmd) == 0 ? 0 : -1;
}

static void test_key_in_token(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_p11 *p;
    struct lv_p11_session *s = NULL;
    struct lv_buf ct = LV_BUF_INIT(1 << 20);
    struct lv_buf pt = LV_BUF_INIT(1 << 20);
    static const char msg[] = "plaintext that stays out of the token";

    (void)state;
    p = lv_p11_open(MODULE, &err);
    assert_non_null(p);
    /* A wrong PIN, and a label no token has, are refused. */
    assert_int_equal(lv_p11_login(p, LABEL, "0000", &s, &err), -1);
    assert_non_null(strstr(err.msg, "PIN is incorrect"));
    assert_int_equal(lv_p11_login(p, "no-such-token", PIN, &s, &err), -1);
    assert_int_equal(lv_p11_login(p, LABEL, PIN, &s, &err), 0);

    assert_int_equal(lv_p11_has_key(s, "key-1", &err), 0);
    assert_int_equal(lv_p11_generate(s, "key-1", &err), 0);
    assert_int_equal(lv_p11_has_key(s, "key-1", &err), 1);
    /* The token says the key cannot leave it. */
    assert_int_equal(lv_p11_key_is_sealed(s, "key-1", &err), 1);

    assert_int_equal(lv_p11_encrypt(s, "key-1", "ctx", 3, msg, sizeof(msg),
                                    &ct, &err), 0);
    assert_int_equal(ct.len, LV_P11_IV_BYTES + sizeof(msg) +
                                 LV_P11_TAG_BYTES);
    assert_null(memmem(ct.data, ct.len, "plaintext", 9));
    assert_int_equal(lv_p11_decrypt(s, "key-1", "ctx", 3, ct.data, ct.len,
                                    &pt, &err), 0);
    assert_int_equal(pt.len, sizeof(msg));
    assert_memory_equal(pt.data, msg, sizeof(msg));

    /* Another AAD, a changed byte, another key: refused. */
    pt.len = 0;
    assert_int_equal(lv_p11_decrypt(s, "key-1", "ctY", 3, ct.data, ct.len,
                                    &pt, &err), -1);
    assert_int_equal(err.code, LV_E_INVALID_CIPHERTEXT);
    ct.data[LV_P11_IV_BYTES] ^= 1;
    assert_int_equal(lv_p11_decrypt(s, "key-1", "ctx", 3, ct.data, ct.len,
                                    &pt, &err), -1);
    assert_int_equal(err.code, LV_E_INVALID_CIPHERTEXT);
    ct.data[LV_P11_IV_BYTES] ^= 1;
    assert_int_equal(lv_p11_generate(s, "key-2", &err), 0);
    assert_int_equal(lv_p11_decrypt(s, "key-2", "ctx", 3, ct.data, ct.len,
                                    &pt, &err), -1);
    assert_int_equal(err.code, LV_E_INVALID_CIPHERTEXT);
    assert_int_equal(lv_p11_encrypt(s, "no-such-key", "", 0, "x", 1, &ct,
                                    &err), -1);
    lv_p11_logout(s);
    lv_p11_close(p);

    /* The key is a token object: there after the module is reloaded. */
    p = lv_p11_open(MODULE, &err);
    assert_non_null(p);
    assert_int_equal(lv_p11_login(p, LABEL, PIN, &s, &err), 0);
    pt.len = 0;
    assert_int_equal(lv_p11_decrypt(s, "key-1", "ctx", 3, ct.data,
                                    LV_P11_IV_BYTES + sizeof(msg) +
                                        LV_P11_TAG_BYTES,
                                    &pt, &err), 0);
    assert_memory_equal(pt.data, msg, sizeof(msg));
    lv_p11_logout(s);
    lv_p11_close(p);
    lv_buf_release(&ct);
    lv_buf_release(&pt);
}

/*
 * The blob of a token key: lv_blob_header + lv_blob_aad + the token's
 * AES-GCM under the header's nonce (as kms/cks.c seals), so the blob has
 * the layout of crypto.h and the token authenticates header, nonce,
 * context and tag — a change to any byte is InvalidCiphertext.
 */
static void test_token_blob(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_p11 *p;
    struct lv_p11_session *s = NULL;
    struct lv_buf blob = LV_BUF_INIT(1 << 20);
    struct lv_buf again = LV_BUF_INIT(1 << 20);
    struct lv_buf aad = LV_BUF_INIT(1 << 20);
    struct lv_buf pt = LV_BUF_INIT(1 << 20);
    struct lv_kv ctx[1] = { { "purpose", "test" } };
    uint8_t id[16];
    uint8_t hdr[LV_BLOB_HEADER_BYTES];
    uint8_t rid[16];
    uint32_t version = 0;
    static const char msg[] = "a data key of thirty-two bytes!";
    size_t n;

    (void)state;
    memset(id, 0xab, sizeof(id));
    p = lv_p11_open(MODULE, &err);
    assert_non_null(p);
    assert_int_equal(lv_p11_login(p, LABEL, PIN, &s, &err), 0);
    assert_int_equal(lv_p11_generate(s, "key-blob", &err), 0);

    lv_blob_header(hdr, id, 1);
    lv_blob_aad(hdr, ctx, 1, &aad);
    assert_int_equal(lv_buf_add(&blob, hdr, sizeof(hdr)), 0);
    assert_int_equal(lv_p11_encrypt_iv(s, "key-blob",
                                       hdr + LV_BLOB_NONCE_OFFSET, aad.data,
                                       aad.len, msg, sizeof(msg), &blob,
                                       &err), 0);
    n = blob.len;
    assert_int_equal(n, sizeof(msg) + LV_BLOB_OVERHEAD);
    /* The header parses as any blob's: the key id and version. */
    assert_int_equal(lv_blob_parse_header(blob.data, n, rid, &version,
                                          &err), 0);
    assert_memory_equal(rid, id, 16);
    assert_int_equal(version, 1);

    /* The token used our IV: the same IV gives the same ciphertext. */
    assert_int_equal(lv_p11_encrypt_iv(s, "key-blob",
                                       hdr + LV_BLOB_NONCE_OFFSET, aad.data,
                                       aad.len, msg, sizeof(msg), &again,
                                       &err), 0);
    assert_int_equal(again.len, n - LV_BLOB_HEADER_BYTES);
    assert_memory_equal(again.data, blob.data + LV_BLOB_HEADER_BYTES,
                        again.len);

    /* Opened from nonce on: nonce || ciphertext || tag. */
    assert_int_equal(lv_p11_decrypt(s, "key-blob", aad.data, aad.len,
                                    blob.data + LV_BLOB_NONCE_OFFSET,
                                    n - LV_BLOB_NONCE_OFFSET, &pt, &err), 0);
    assert_int_equal(pt.len, sizeof(msg));
    assert_memory_equal(pt.data, msg, sizeof(msg));

    /* Every byte is authenticated: each header byte (as AAD, key id and
     * version included), the nonce, the ciphertext, the tag. */
    for (size_t i = 0; i < n; i++) {
        aad.len = 0;
        blob.data[i] ^= 0x01;
        lv_blob_aad((const uint8_t *)blob.data, ctx, 1, &aad);
        pt.len = 0;
        assert_int_equal(lv_p11_decrypt(s, "key-blob", aad.data, aad.len,
                                        blob.data + LV_BLOB_NONCE_OFFSET,
                                        n - LV_BLOB_NONCE_OFFSET, &pt,
                                        &err), -1);
        assert_int_equal(err.code, LV_E_INVALID_CIPHERTEXT);
        blob.data[i] ^= 0x01;
    }
    /* Another context: refused. */
    aad.len = 0;
    lv_blob_aad((const uint8_t *)blob.data, NULL, 0, &aad);
    assert_int_equal(lv_p11_decrypt(s, "key-blob", aad.data, aad.len,
                                    blob.data + LV_BLOB_NONCE_OFFSET,
                                    n - LV_BLOB_NONCE_OFFSET, &pt, &err),
                     -1);
    assert_int_equal(err.code, LV_E_INVALID_CIPHERTEXT);

    /* The halves make what lv_blob_encrypt makes: a blob sealed by
     * lv_aead_seal under header, nonce and AAD as above opens with
     * lv_blob_decrypt (and a token blob is the same layout). */
    {
        uint8_t key[LV_AEAD_KEY_BYTES];
        struct lv_buf mine = LV_BUF_INIT(1 << 20);

        memset(key, 0x5a, sizeof(key));
        lv_blob_header(hdr, id, 7);
        aad.len = 0;
        lv_blob_aad(hdr, ctx, 1, &aad);
        assert_int_equal(lv_buf_add(&mine, hdr, sizeof(hdr)), 0);
        assert_int_equal(lv_buf_grow(&mine, sizeof(msg) + 16), 0);
        assert_int_equal(lv_aead_seal(key, hdr + LV_BLOB_NONCE_OFFSET,
                                      aad.data, aad.len, msg, sizeof(msg),
                                      (uint8_t *)mine.data + mine.len,
                                      (uint8_t *)mine.data + mine.len +
                                          sizeof(msg)), 0);
        mine.len += sizeof(msg) + 16;
        pt.len = 0;
        assert_int_equal(lv_blob_decrypt(key, mine.data, mine.len, ctx, 1,
                                         &pt, &err), 0);
        assert_int_equal(pt.len, sizeof(msg));
        assert_memory_equal(pt.data, msg, sizeof(msg));
        lv_buf_release(&mine);
    }

    /* Destroyed: gone from the token. */
    assert_int_equal(lv_p11_destroy(s, "key-blob", &err), 1);
    assert_int_equal(lv_p11_has_key(s, "key-blob", &err), 0);
    assert_int_equal(lv_p11_destroy(s, "key-blob", &err), 0);

    lv_p11_logout(s);
    lv_p11_close(p);
    lv_buf_release(&blob);
    lv_buf_release(&again);
    lv_buf_release(&aad);
    lv_crypto_buf_release(&pt);
}

static void test_not_a_module(void **state)
{
    struct lv_err err = LV_ERR_INIT;

    (void)state;
    assert_null(lv_p11_open("/nonexistent/module.so", &err));
    assert_int_equal(err.code, LV_E_KMS_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_in_token),
        cmocka_unit_test(test_token_blob),
        cmocka_unit_test(test_not_a_module),
    };
    char cmd[128];
    int rc;

    if (access(MODULE, R_OK) != 0 || access(UTIL, X_OK) != 0) {
        printf("skipped: softhsm2 is not installed\n");
        return 77;
    }
    if (make_token() < 0) {
        printf("cannot make a SoftHSM2 token\n");
        return 1;
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        printf("cannot remove %s\n", dir);
    }
    return rc;
}

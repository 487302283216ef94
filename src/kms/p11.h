/*
 * p11: AES-256 keys kept inside a PKCS#11 token — the ground of custom key
 * stores (CreateCustomKeyStore of type AWS_CLOUDHSM, issue 17), where a
 * key's material never leaves the token. Tested with SoftHSM2.
 *
 * The module is the shared object a token's vendor ships (SoftHSM2:
 * /usr/lib/softhsm/libsofthsm2.so), loaded with dlopen() at the path
 * given; logvault links no PKCS#11 library (the C API's types come from
 * p11-kit's header <p11-kit/pkcs11.h>). A session is one token, found by
 * its label and logged in as the user with the PIN given (the custom key
 * store's KeyStorePassword). Keys are token objects found by their label
 * (CKA_LABEL): generated with CKM_AES_KEY_GEN as CKA_SENSITIVE true,
 * CKA_EXTRACTABLE false, usable for encryption and decryption only; they
 * encrypt with CKM_AES_GCM (12-byte IV from the token's random generator,
 * or the caller's with lv_p11_encrypt_iv; 16-byte tag, the caller's AAD).
 *
 * Each function answers 0 (or 1/0 for a lookup) and -1 with *err:
 * KMSInternalException naming the PKCS#11 call and its CKR_ code (never a
 * PIN or key material); lv_p11_decrypt answers InvalidCiphertextException
 * when the tag does not verify. Not thread-safe per session: the caller
 * serializes the use of one session (PKCS#11 sessions are single-threaded).
 */
#ifndef LV_KMS_P11_H
#define LV_KMS_P11_H

#include <stddef.h>
#include <stdint.h>

struct lv_buf;
struct lv_err;

#define LV_P11_IV_BYTES 12
#define LV_P11_TAG_BYTES 16

struct lv_p11;          /* a loaded, initialized module */
struct lv_p11_session;  /* a logged-in session on one token */

/* Loads and initializes (C_Initialize, OS locking) the module at path. */
struct lv_p11 *lv_p11_open(const char *path, struct lv_err *err);
/* Finalizes and unloads p (NULL: nothing); its sessions must be closed. */
void lv_p11_close(struct lv_p11 *p);

/*
 * Opens a read-write session on the token labelled `label` (the 32-byte
 * blank-padded CK_TOKEN_INFO label, compared without its padding) and
 * logs in as the user with `pin`. -1 with KMSInternalException "no
 * PKCS#11 token is labelled L" when no token has the label, and "the
 * user PIN is incorrect" (CKR_PIN_INCORRECT) when the PIN is wrong: the
 * caller maps them to the custom key store's errors.
 */
int lv_p11_login(struct lv_p11 *p, const char *label, const char *pin,
                 struct lv_p11_session **out, struct lv_err *err);
/* Logs out and closes s (NULL: nothing). */
void lv_p11_logout(struct lv_p11_session *s);

/* Generates the AES-256 token key `key_label` (as above). */
int lv_p11_generate(struct lv_p11_session *s, const char *key_label,
                    struct lv_err *err);

/* 1 when the token holds the key `key_label`, 0 when not, -1 with *err. */
int lv_p11_has_key(struct lv_p11_session *s, const char *key_label,
                   struct lv_err *err);

/* 1 when the key `key_label` is sensitive and not extractable (the
 * token's own word, C_GetAttributeValue), 0 when not, -1 with *err. */
int lv_p11_key_is_sealed(struct lv_p11_session *s, const char *key_label,
                         struct lv_err *err);

/*
 * AES-GCM with the token key `key_label`: lv_p11_encrypt appends IV (12)
 * || ciphertext || tag (16) to *out; lv_p11_decrypt takes that form and
 * appends the plaintext to *out (secret: the caller wipes it).
 */
int lv_p11_encrypt(struct lv_p11_session *s, const char *key_label,
                   const void *aad, size_t aad_len, const void *pt,
                   size_t pt_len, struct lv_buf *out, struct lv_err *err);
int lv_p11_decrypt(struct lv_p11_session *s, const char *key_label,
                   const void *aad, size_t aad_len, const void *in,
                   size_t in_len, struct lv_buf *out, struct lv_err *err);

/*
 * lv_p11_encrypt with the caller's IV (PKCS#11 2.40 CK_GCM_PARAMS: the
 * token uses pIv as given; SoftHSM2 does): appends ciphertext || tag (16),
 * without the IV, to *out. The caller must never use an IV twice with one
 * key (a random 12-byte IV per message, as NIST SP 800-38D allows).
 */
int lv_p11_encrypt_iv(struct lv_p11_session *s, const char *key_label,
                      const uint8_t iv[LV_P11_IV_BYTES], const void *aad,
                      size_t aad_len, const void *pt, size_t pt_len,
                      struct lv_buf *out, struct lv_err *err);

/* n random bytes from the token's generator into out (secret: the
 * caller wipes them). */
int lv_p11_random(struct lv_p11_session *s, void *out, size_t n,
                  struct lv_err *err);

/* Destroys the token key `key_label`: 1 destroyed, 0 when the token holds
 * no such key, -1 with *err. */
int lv_p11_destroy(struct lv_p11_session *s, const char *key_label,
                   struct lv_err *err);

#endif

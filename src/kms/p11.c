/*
 * p11.c: AES-256 keys inside a PKCS#11 token, through the module's C API
 * loaded with dlopen (p11.h).
 */
#include "kms/p11.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

struct lv_p11 {
    void *dl;
    CK_FUNCTION_LIST_PTR f;
};

struct lv_p11_session {
    struct lv_p11 *p;
    CK_SESSION_HANDLE h;
};

static int fail(struct lv_err *err, const char *call, CK_RV rv)
{
    return lv_err_set(err, LV_E_KMS_INTERNAL, "PKCS#11 %s failed: "
                      "CKR 0x%lx", call, (unsigned long)rv);
}

struct lv_p11 *lv_p11_open(const char *path, struct lv_err *err)
{
    CK_C_GetFunctionList get;
    CK_C_INITIALIZE_ARGS args;
    struct lv_p11 *p = lv_xcalloc(1, sizeof(*p));
    CK_RV rv;

    p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!p->dl) {
        lv_err_set(err, LV_E_KMS_INTERNAL, "cannot load the PKCS#11 module "
                   "%s", path);
        goto fail;
    }
    *(void **)&get = dlsym(p->dl, "C_GetFunctionList");
    if (!get || get(&p->f) != CKR_OK || !p->f) {
        lv_err_set(err, LV_E_KMS_INTERNAL, "%s is not a PKCS#11 module",
                   path);
        goto fail;
    }
    memset(&args, 0, sizeof(args));
    args.flags = CKF_OS_LOCKING_OK;
    rv = p->f->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        fail(err, "C_Initialize", rv);
        goto fail;
    }
    return p;
fail:
    if (p->dl) {
        dlclose(p->dl);
    }
    free(p);
    return NULL;
}

void lv_p11_close(struct lv_p11 *p)
{
    if (!p) {
        return;
    }
    p->f->C_Finalize(NULL);
    dlclose(p->dl);
    free(p);
}

/* The slot whose token is labelled `label`: 1 found (*slot), 0 not, -1. */
static int find_token(struct lv_p11 *p, const char *label, CK_SLOT_ID *slot,
                      struct lv_err *err)
{
    CK_SLOT_ID *slots = NULL;
    CK_ULONG n = 0;
    CK_RV rv;
    int found = 0;

    rv = p->f->C_GetSlotList(CK_TRUE, NULL, &n);
    if (rv != CKR_OK) {
        return fail(err, "C_GetSlotList", rv);
    }
    slots = lv_xcalloc(n ? n : 1, sizeof(*slots));
    rv = p->f->C_GetSlotList(CK_TRUE, slots, &n);
    if (rv != CKR_OK) {
        free(slots);
        return fail(err, "C_GetSlotList", rv);
    }
    for (CK_ULONG i = 0; i < n && !found; i++) {
        CK_TOKEN_INFO ti;
        size_t len = sizeof(ti.label);

        if (p->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK) {
            continue;
        }
        while (len > 0 && ti.label[len - 1] == ' ') {
            len--;
        }
        if (len == strlen(label) && memcmp(ti.label, label, len) == 0) {
            *slot = slots[i];
            found = 1;
        }
    }
    free(slots);
    return found;
}

int lv_p11_login(struct lv_p11 *p, const char *label, const char *pin,
                 struct lv_p11_session **out, struct lv_err *err)
{
    struct lv_p11_session *s;
    CK_SLOT_ID slot = 0;
    CK_RV rv;
    int found = find_token(p, label, &slot, err);

    if (found < 0) {
        return -1;
    }
    if (!found) {
        return lv_err_set(err, LV_E_KMS_INTERNAL, "no PKCS#11 token is "
                          "labelled %s", label);
    }
    s = lv_xcalloc(1, sizeof(*s));
    s->p = p;
    rv = p->f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
                             NULL, NULL, &s->h);
    if (rv != CKR_OK) {
        free(s);
        return fail(err, "C_OpenSession", rv);
    }
    rv = p->f->C_Login(s->h, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        p->f->C_CloseSession(s->h);
        free(s);
        if (rv == CKR_PIN_INCORRECT) {
            return lv_err_set(err, LV_E_KMS_INTERNAL, "the user PIN is "
                              "incorrect");
        }
        return fail(err, "C_Login", rv);
    }
    *out = s;
    return 0;
}

void lv_p11_logout(struct lv_p11_session *s)
{
    if (!s) {
        return;
    }
    s->p->f->C_Logout(s->h);
    s->p->f->C_CloseSession(s->h);
    free(s);
}

int lv_p11_generate(struct lv_p11_session *s, const char *key_label,
                    struct lv_err *err)
{
    CK_MECHANISM mech = { CKM_AES_KEY_GEN, NULL, 0 };
    CK_BBOOL yes = CK_TRUE;
    CK_BBOOL no = CK_FALSE;
    CK_ULONG len = 32;
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_AES;
    CK_ATTRIBUTE tmpl[] = {
        { CKA_CLASS, &cls, sizeof(cls) },
        { CKA_KEY_TYPE, &type, sizeof(type) },
        { CKA_TOKEN, &yes, sizeof(yes) },
        { CKA_PRIVATE, &yes, sizeof(yes) },
        { CKA_SENSITIVE, &yes, sizeof(yes) },
        { CKA_EXTRACTABLE, &no, sizeof(no) },
        { CKA_ENCRYPT, &yes, sizeof(yes) },
        { CKA_DECRYPT, &yes, sizeof(yes) },
        { CKA_WRAP, &no, sizeof(no) },
        { CKA_UNWRAP, &no, sizeof(no) },
        { CKA_VALUE_LEN, &len, sizeof(len) },
        { CKA_LABEL, (void *)key_label, strlen(key_label) },
    };
    CK_OBJECT_HANDLE h;
    CK_RV rv;

    rv = s->p->f->C_GenerateKey(s->h, &mech, tmpl,
                                sizeof(tmpl) / sizeof(tmpl[0]), &h);
    return rv == CKR_OK ? 0 : fail(err, "C_GenerateKey", rv);
}

/* The handle of the AES key `key_label`: 1 found, 0 not, -1. */
static int find_key(struct lv_p11_session *s, const char *key_label,
                    CK_OBJECT_HANDLE *h, struct lv_err *err)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_ATTRIBUTE tmpl[] = {
        { CKA_CLASS, &cls, sizeof(cls) },
        { CKA_LABEL, (void *)key_label, strlen(key_label) },
    };
    CK_ULONG n = 0;
    CK_RV rv;

    rv = s->p->f->C_FindObjectsInit(s->h, tmpl, 2);
    if (rv != CKR_OK) {
        return fail(err, "C_FindObjectsInit", rv);
    }
    rv = s->p->f->C_FindObjects(s->h, h, 1, &n);
    s->p->f->C_FindObjectsFinal(s->h);
    if (rv != CKR_OK) {
        return fail(err, "C_FindObjects", rv);
    }
    return n == 1;
}

int lv_p11_has_key(struct lv_p11_session *s, const char *key_label,
                   struct lv_err *err)
{
    CK_OBJECT_HANDLE h;

    return find_key(s, key_label, &h, err);
}

int lv_p11_key_is_sealed(struct lv_p11_session *s, const char *key_label,
                         struct lv_err *err)
{
    CK_OBJECT_HANDLE h;
    CK_BBOOL sensitive = CK_FALSE;
    CK_BBOOL extractable = CK_TRUE;
    CK_ATTRIBUTE attrs[] = {
        { CKA_SENSITIVE, &sensitive, sizeof(sensitive) },
        { CKA_EXTRACTABLE, &extractable, sizeof(extractable) },
    };
    CK_RV rv;
    int found = find_key(s, key_label, &h, err);

    if (found <= 0) {
        return found;
    }
    rv = s->p->f->C_GetAttributeValue(s->h, h, attrs, 2);
    if (rv != CKR_OK) {
        return fail(err, "C_GetAttributeValue", rv);
    }
    return sensitive == CK_TRUE && extractable == CK_FALSE;
}

/* Starts AES-GCM in s with the key `key_label`, iv and aad, to encrypt
 * (encrypt 1) or decrypt. 0 or -1. */
static int gcm_init(struct lv_p11_session *s, const char *key_label,
                    uint8_t iv[LV_P11_IV_BYTES], const void *aad,
                    size_t aad_len, int encrypt, struct lv_err *err)
{
    CK_GCM_PARAMS gcm;
    CK_MECHANISM mech = { CKM_AES_GCM, &gcm, sizeof(gcm) };
    CK_OBJECT_HANDLE h;
    CK_RV rv;
    int found = find_key(s, key_label, &h, err);

    if (found < 0) {
        return -1;
    }
    if (!found) {
        return lv_err_set(err, LV_E_KMS_INTERNAL, "the PKCS#11 token holds "
                          "no key %s", key_label);
    }
    memset(&gcm, 0, sizeof(gcm));
    gcm.pIv = iv;
    gcm.ulIvLen = LV_P11_IV_BYTES;
    gcm.ulIvBits = LV_P11_IV_BYTES * 8;
    gcm.pAAD = (CK_BYTE_PTR)aad;
    gcm.ulAADLen = aad_len;
    gcm.ulTagBits = LV_P11_TAG_BYTES * 8;
    rv = encrypt ? s->p->f->C_EncryptInit(s->h, &mech, h)
                 : s->p->f->C_DecryptInit(s->h, &mech, h);
    return rv == CKR_OK ? 0 : fail(err, encrypt ? "C_EncryptInit"
                                                : "C_DecryptInit", rv);
}

int lv_p11_encrypt_iv(struct lv_p11_session *s, const char *key_label,
                      const uint8_t iv[LV_P11_IV_BYTES], const void *aad,
                      size_t aad_len, const void *pt, size_t pt_len,
                      struct lv_buf *out, struct lv_err *err)
{
    uint8_t ivc[LV_P11_IV_BYTES];
    CK_ULONG n = pt_len + LV_P11_TAG_BYTES;
    CK_RV rv;

    memcpy(ivc, iv, sizeof(ivc));
    /* Room first: an operation once begun must be finished. */
    if (lv_buf_grow(out, (size_t)n) < 0) {
        return lv_err_set(err, LV_E_KMS_INTERNAL, "ciphertext too large");
    }
    if (gcm_init(s, key_label, ivc, aad, aad_len, 1, err) < 0) {
        return -1;
    }
    rv = s->p->f->C_Encrypt(s->h, (CK_BYTE_PTR)pt, pt_len,
                            (CK_BYTE_PTR)out->data + out->len, &n);
    if (rv != CKR_OK) {
        return fail(err, "C_Encrypt", rv);
    }
    out->len += n;
    out->data[out->len] = '\0';
    return 0;
}

int lv_p11_encrypt(struct lv_p11_session *s, const char *key_label,
                   const void *aad, size_t aad_len, const void *pt,
                   size_t pt_len, struct lv_buf *out, struct lv_err *err)
{
    uint8_t iv[LV_P11_IV_BYTES];
    size_t start = out->len;
    CK_RV rv;

    rv = s->p->f->C_GenerateRandom(s->h, iv, sizeof(iv));
    if (rv != CKR_OK) {
        return fail(err, "C_GenerateRandom", rv);
    }
    if (lv_buf_add(out, iv, sizeof(iv)) < 0) {
        return lv_err_set(err, LV_E_KMS_INTERNAL, "ciphertext too large");
    }
    if (lv_p11_encrypt_iv(s, key_label, iv, aad, aad_len, pt, pt_len, out,
                          err) < 0) {
        out->len = start;
        out->data[out->len] = '\0';
        return -1;
    }
    return 0;
}

int lv_p11_random(struct lv_p11_session *s, void *out, size_t n,
                  struct lv_err *err)
{
    CK_RV rv = s->p->f->C_GenerateRandom(s->h, out, (CK_ULONG)n);

    return rv == CKR_OK ? 0 : fail(err, "C_GenerateRandom", rv);
}

int lv_p11_destroy(struct lv_p11_session *s, const char *key_label,
                   struct lv_err *err)
{
    CK_OBJECT_HANDLE h;
    CK_RV rv;
    int found = find_key(s, key_label, &h, err);

    if (found <= 0) {
        return found;
    }
    rv = s->p->f->C_DestroyObject(s->h, h);
    return rv == CKR_OK ? 1 : fail(err, "C_DestroyObject", rv);
}

int lv_p11_decrypt(struct lv_p11_session *s, const char *key_label,
                   const void *aad, size_t aad_len, const void *in,
                   size_t in_len, struct lv_buf *out, struct lv_err *err)
{
    uint8_t iv[LV_P11_IV_BYTES];
    CK_ULONG n;
    CK_RV rv;

    if (in_len < LV_P11_IV_BYTES + LV_P11_TAG_BYTES) {
        return lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
    }
    memcpy(iv, in, sizeof(iv));
    n = in_len - LV_P11_IV_BYTES;
    /* Room first: an operation once begun must be finished. */
    if (lv_buf_grow(out, (size_t)n) < 0) {
        return lv_err_set(err, LV_E_KMS_INTERNAL, "plaintext too large");
    }
    if (gcm_init(s, key_label, iv, aad, aad_len, 0, err) < 0) {
        return -1;
    }
    rv = s->p->f->C_Decrypt(s->h, (CK_BYTE_PTR)in + LV_P11_IV_BYTES,
                            in_len - LV_P11_IV_BYTES,
                            (CK_BYTE_PTR)out->data + out->len, &n);
    if (rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_ENCRYPTED_DATA_LEN_RANGE
        || rv == CKR_GENERAL_ERROR) {
        return lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
    }
    if (rv != CKR_OK) {
        return fail(err, "C_Decrypt", rv);
    }
    out->len += n;
    return 0;
}

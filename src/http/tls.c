#include "http/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/mem.h"

/* Reads a whole regular file into a fresh NUL-terminated string. For the
 * key, refuses modes that let others (or a group other than root's) read
 * it, before reading a byte. */
static int read_file(const char *what, const char *path, int is_key,
                     char **out, size_t *len, struct lv_err *err)
{
    struct stat st;
    char *buf = NULL;
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    int ret = -1;

    if (fd < 0) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER, "%s: cannot read "
                          "%s: %s", what, path, strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        lv_err_set(err, LV_E_INVALID_PARAMETER, "%s: %s is not a regular "
                   "file", what, path);
        goto out;
    }
    if (is_key && ((st.st_mode & (S_IRWXO | S_IWGRP | S_IXGRP)) ||
                   ((st.st_mode & S_IRGRP) && st.st_uid != 0))) {
        lv_err_set(err, LV_E_INVALID_PARAMETER, "%s: permissions %04o of "
                   "%s are too open: it must not be readable by others "
                   "(chmod 600; 640 only when owned by root)", what,
                   (unsigned int)(st.st_mode & 07777), path);
        goto out;
    }
    if (st.st_size > LV_TLS_MAX_FILE) {
        lv_err_set(err, LV_E_INVALID_PARAMETER, "%s: %s is larger than %d "
                   "bytes", what, path, LV_TLS_MAX_FILE);
        goto out;
    }
    buf = lv_xmalloc((size_t)st.st_size + 1);
    while (n < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            lv_err_set(err, LV_E_INVALID_PARAMETER, "%s: cannot read %s: %s",
                       what, path, r < 0 ? strerror(errno) : "truncated");
            goto out;
        }
        n += (size_t)r;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
    ret = 0;
out:
    if (buf) {
        lv_secret_free(buf, (size_t)st.st_size + 1);
    }
    close(fd);
    return ret;
}

/* No passphrase prompt: an encrypted key is an error, not a read of the
 * terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* Parses both with OpenSSL and checks that the key is the certificate's. */
static int check_pair(const struct lv_tls_files *f, const char *cert_path,
                      const char *key_path, struct lv_err *err)
{
    BIO *cb = BIO_new_mem_buf(f->cert, -1);
    BIO *kb = BIO_new_mem_buf(f->key, (int)f->key_len);
    X509 *x = NULL;
    EVP_PKEY *k = NULL;
    int ret = -1;

    if (!cb || !kb) {
        LV_BUG("tls: out of memory");
    }
    x = PEM_read_bio_X509(cb, NULL, no_passphrase, NULL);
    if (!x) {
        lv_err_set(err, LV_E_INVALID_PARAMETER, "--tls-cert: %s holds no "
                   "PEM certificate", cert_path);
        goto out;
    }
    k = PEM_read_bio_PrivateKey(kb, NULL, no_passphrase, NULL);
    if (!k) {
        lv_err_set(err, LV_E_INVALID_PARAMETER, "--tls-key: %s holds no "
                   "unencrypted PEM private key", key_path);
        goto out;
    }
    if (X509_check_private_key(x, k) != 1) {
        lv_err_set(err, LV_E_INVALID_PARAMETER, "--tls-key: %s is not the "
                   "key of the certificate in %s", key_path, cert_path);
        goto out;
    }
    ret = 0;
out:
    /* OpenSSL's queue of parse errors is not ours to leave behind. */
    ERR_clear_error();
    EVP_PKEY_free(k);
    X509_free(x);
    BIO_free(kb);
    BIO_free(cb);
    return ret;
}

int lv_tls_load(const char *cert_path, const char *key_path,
                struct lv_tls_files *out, struct lv_err *err)
{
    size_t cert_len;

    memset(out, 0, sizeof(*out));
    if (read_file("--tls-cert", cert_path, 0, &out->cert, &cert_len,
                  err) < 0 ||
        read_file("--tls-key", key_path, 1, &out->key, &out->key_len,
                  err) < 0 ||
        check_pair(out, cert_path, key_path, err) < 0) {
        lv_tls_release(out);
        return -1;
    }
    return 0;
}

void lv_tls_release(struct lv_tls_files *f)
{
    if (f->key) {
        lv_secret_free(f->key, f->key_len + 1);
    }
    free(f->cert);
    memset(f, 0, sizeof(*f));
}

/*
 * tls: the certificate and key that `serve --tls-cert/--tls-key` serves
 * HTTPS with, read and checked before libmicrohttpd (which does the TLS,
 * with GnuTLS) is started, so that a bad file is a clear startup error
 * instead of a daemon that fails to start for a reason it only logs.
 *
 * Checks: both files are regular, at most LV_TLS_MAX_FILE bytes, PEM that
 * OpenSSL parses (a certificate first in the cert file; an unencrypted
 * private key: there is no prompt for a passphrase), the key belongs to
 * the certificate, and the key file is not readable by others nor by its
 * group (the group only when root owns it: PostgreSQL's rule for
 * ssl_key_file, which fits Debian's root:ssl-cert 0640 keys). Messages
 * name the file and never quote its content.
 */
#ifndef LV_HTTP_TLS_H
#define LV_HTTP_TLS_H

#include <stddef.h>

struct lv_err;

/* Larger than any certificate chain or key in PEM. */
#define LV_TLS_MAX_FILE (1024 * 1024)

/*
 * GnuTLS priorities (MHD_OPTION_HTTPS_PRIORITIES): TLS 1.3 and 1.2 only;
 * AEAD ciphers only (AES-GCM, ChaCha20-Poly1305: no CBC, no SHA-1 MACs);
 * forward-secret ECDHE key exchange only for TLS 1.2 (TLS 1.3 has no
 * other); SECURE128 keeps only signatures and groups of at least 128-bit
 * security (no SHA-1 signatures). gnutls_priority_init accepts it with
 * GnuTLS 3.7.9 (Debian 12): versions TLS1.3 TLS1.2, ciphers AES-256-GCM
 * AES-128-GCM CHACHA20-POLY1305, kx ECDHE-ECDSA ECDHE-RSA, mac AEAD.
 * Every AWS SDK and the AWS CLI (OpenSSL defaults) negotiate one of these.
 * No %SERVER_PRECEDENCE: every choice left is strong, and the server's
 * group order made OpenSSL clients (X25519 key share) take a
 * HelloRetryRequest, one more round trip per handshake.
 */
#define LV_TLS_PRIORITIES                                                  \
    "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:"           \
    "+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:"         \
    "-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA"

struct lv_tls_files {
    char *cert;             /* PEM text, NUL-terminated */
    char *key;              /* PEM text, NUL-terminated; wiped on release */
    size_t key_len;
};

/* Reads and checks the pair (see above) into *out. 0, or -1 with *err
 * (InvalidParameter) saying which file and what is wrong. */
int lv_tls_load(const char *cert_path, const char *key_path,
                struct lv_tls_files *out, struct lv_err *err);
/* Wipes the key and frees both; a zeroed struct is a no-op. */
void lv_tls_release(struct lv_tls_files *f);

#endif

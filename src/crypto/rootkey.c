/*
 * rootkey: the 32-byte root key, read from (or created as) a 0600 file,
 * and its check value.
 */
#include "crypto/crypto.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/err.h"
#include "util/mem.h"

#define ROOTKEY_BYTES 32
#define CHECK_LABEL "logvault root key check v1"
#define MISMATCH_MSG                                                          \
    "root key does not match this store (it was created with another "     \
    "root key); refusing to start and changing nothing"

/* "cannot <what> <path>: <strerror(errno)>" */
static int fail(struct lv_err *err, const char *what, const char *path)
{
    return lv_err_set(err, LV_E_INTERNAL_FAILURE, "cannot %s %s: %s", what,
                      path, strerror(errno));
}

/* write() all of it, retrying on EINTR and short writes. */
static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ret;

    if (fd < 0) {
        return -1;
    }
    ret = fsync(fd);
    close(fd);
    return ret;
}

/*
 * Reads exactly 32 bytes from `path` into key, after checking that it is a
 * regular file that only its owner may access. Returns 0, 1 when the file
 * does not exist (and `missing_ok`), or -1 (err filled).
 */
static int read_key(const char *path, int missing_ok, uint8_t key[32],
                    struct lv_err *err)
{
    uint8_t tmp[ROOTKEY_BYTES + 1];
    struct stat st;
    size_t got = 0;
    int fd;
    int ret = -1;

    /* O_NONBLOCK: a FIFO planted at the path must not hang startup. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT && missing_ok) {
            return 1;
        }
        return fail(err, "open root key file", path);
    }
    /* fstat the file we opened, not the name, so nothing can swap it. */
    if (fstat(fd, &st) < 0) {
        fail(err, "stat root key file", path);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        lv_err_set(err, LV_E_INTERNAL_FAILURE,
                   "root key file %s is not a regular file", path);
        goto out;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        lv_err_set(err, LV_E_INTERNAL_FAILURE,
                   "root key file %s is accessible by group or others "
                   "(mode %04o); refusing to use it: run chmod 600 on it",
                   path, (unsigned)(st.st_mode & 07777));
        goto out;
    }
    /* Read one byte more than a key, to notice a longer file. */
    while (got < sizeof(tmp)) {
        ssize_t r = read(fd, tmp + got, sizeof(tmp) - got);

        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail(err, "read root key file", path);
            goto out;
        }
        if (r == 0) {
            break;
        }
        got += (size_t)r;
    }
    if (got != ROOTKEY_BYTES) {
        lv_err_set(err, LV_E_INTERNAL_FAILURE,
                   "root key file %s must hold exactly %d bytes, it holds "
                   "%s%zu",
                   path, ROOTKEY_BYTES, got > ROOTKEY_BYTES ? "more than " : "",
                   got > ROOTKEY_BYTES ? (size_t)ROOTKEY_BYTES : got);
        goto out;
    }
    memcpy(key, tmp, ROOTKEY_BYTES);
    ret = 0;
out:
    lv_secret_wipe(tmp, sizeof(tmp));
    close(fd);
    return ret;
}

/*
 * Creates `path` holding 32 fresh random bytes: written and fsynced under
 * a temporary name in `dir`, then hard-linked into place. link() never
 * replaces an existing file, so of two processes starting at once one
 * wins and the other reads its key. Returns 0 (key filled), 1 when `path`
 * appeared meanwhile, or -1 (err filled).
 */
static int create_key(const char *dir, const char *path, uint8_t key[32],
                      struct lv_err *err)
{
    uint8_t fresh[ROOTKEY_BYTES];
    char nonce[37];
    char *tmp = NULL;
    int fd = -1;
    int ret = -1;

    lv_uuid4(nonce);
    tmp = lv_xasprintf("%s.tmp-%s", path, nonce);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
              0600);
    if (fd < 0) {
        lv_err_set(err, LV_E_INTERNAL_FAILURE,
                   "cannot create root key file %s (data dir %s): %s", path,
                   dir, strerror(errno));
        free(tmp);
        tmp = NULL;     /* not ours: nothing to unlink */
        goto out;
    }
    lv_rand_bytes(fresh, sizeof(fresh));
    if (write_all(fd, fresh, sizeof(fresh)) < 0) {
        fail(err, "write root key file", tmp);
        goto out;
    }
    if (fsync(fd) < 0) {
        fail(err, "fsync root key file", tmp);
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        fail(err, "write root key file", tmp);
        goto out;
    }
    fd = -1;
    if (link(tmp, path) < 0) {
        if (errno == EEXIST) {
            ret = 1;
        } else {
            fail(err, "create root key file", path);
        }
        goto out;
    }
    memcpy(key, fresh, ROOTKEY_BYTES);
    ret = 0;
out:
    if (fd >= 0) {
        close(fd);
    }
    if (tmp) {
        unlink(tmp);
        /* Make both the link and the unlink durable. */
        if (fsync_dir(dir) < 0 && ret == 0) {
            fail(err, "fsync data dir", dir);
            lv_secret_wipe(key, ROOTKEY_BYTES);
            ret = -1;
        }
    }
    lv_secret_wipe(fresh, sizeof(fresh));
    free(tmp);
    return ret;
}

int lv_rootkey_load(const char *data_dir, const char *root_key_file,
                    uint8_t key[32], struct lv_err *err)
{
    char *path = NULL;
    int rc;
    int ret = -1;

    assert(key);
    if (root_key_file) {
        rc = read_key(root_key_file, 0, key, err);
        ret = rc == 0 ? 0 : -1;
        goto out;
    }
    assert(data_dir);
    path = lv_xasprintf("%s/%s", data_dir, LV_ROOTKEY_FILE);
    /* Two rounds at most: created, or lost a race to one who created. */
    for (int round = 0; round < 2; round++) {
        rc = read_key(path, 1, key, err);
        if (rc <= 0) {
            ret = rc;
            goto out;
        }
        rc = create_key(data_dir, path, key, err);
        if (rc <= 0) {
            ret = rc;
            goto out;
        }
    }
    lv_err_set(err, LV_E_INTERNAL_FAILURE,
               "root key file %s keeps appearing and vanishing", path);
out:
    if (ret < 0) {
        lv_secret_wipe(key, ROOTKEY_BYTES);
    }
    free(path);
    return ret;
}

void lv_rootkey_check_value(const uint8_t key[32], uint8_t out[32])
{
    unsigned int len = 0;

    if (!HMAC(EVP_sha256(), key, ROOTKEY_BYTES,
              (const unsigned char *)CHECK_LABEL, strlen(CHECK_LABEL), out,
              &len) ||
        len != LV_ROOTKEY_CHECK_BYTES) {
        LV_BUG("rootkey: HMAC-SHA256 failed");
    }
}

int lv_rootkey_verify_check(const uint8_t key[32], const uint8_t *stored,
                            size_t len, struct lv_err *err)
{
    uint8_t mine[LV_ROOTKEY_CHECK_BYTES];
    int ret = -1;

    if (!stored || len != LV_ROOTKEY_CHECK_BYTES) {
        lv_err_set(err, LV_E_INTERNAL_FAILURE,
                   "the root key check value stored in this data dir is "
                   "corrupt (%zu bytes, expected %d); refusing to start and "
                   "changing nothing",
                   stored ? len : 0, LV_ROOTKEY_CHECK_BYTES);
        goto out;
    }
    lv_rootkey_check_value(key, mine);
    if (!lv_secret_equal(mine, stored, sizeof(mine))) {
        lv_err_set(err, LV_E_INTERNAL_FAILURE, MISMATCH_MSG);
        goto out;
    }
    ret = 0;
out:
    lv_secret_wipe(mine, sizeof(mine));
    return ret;
}

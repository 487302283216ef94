/*
 * p11_probe: what a PKCS#11 token holds under a key label, asked through
 * kms/p11.h as the server asks (C_FindObjects, C_GetAttributeValue), for
 * the tests of keys in a custom key store (1404-custom-key-store-keys.py).
 *
 * usage: p11_probe MODULE TOKEN_LABEL PIN KEY_LABEL
 * Prints "absent", "sealed" (sensitive and not extractable) or
 * "extractable", and exits 0; prints the error and exits 1.
 */
#include <stdio.h>

#include "kms/p11.h"
#include "util/err.h"

int main(int argc, char **argv)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_p11 *p;
    struct lv_p11_session *s = NULL;
    int rc = -1;

    if (argc != 5) {
        fprintf(stderr, "usage: p11_probe MODULE TOKEN_LABEL PIN "
                "KEY_LABEL\n");
        return 2;
    }
    p = lv_p11_open(argv[1], &err);
    if (p && lv_p11_login(p, argv[2], argv[3], &s, &err) == 0) {
        rc = lv_p11_has_key(s, argv[4], &err);
        if (rc == 1) {
            rc = lv_p11_key_is_sealed(s, argv[4], &err);
            if (rc >= 0) {
                puts(rc ? "sealed" : "extractable");
            }
        } else if (rc == 0) {
            puts("absent");
        }
    }
    lv_p11_logout(s);
    lv_p11_close(p);
    if (rc < 0) {
        printf("p11_probe: %s\n", lv_err_msg(&err));
        lv_err_release(&err);
        return 1;
    }
    return 0;
}

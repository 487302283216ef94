/*
 * cmd_lookup.c: the lookup and cidrlookup commands (r8/lookup) — their
 * syntax, the index of a table, and the enrichment of a row.
 *
 * lookup (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * CWL_QuerySyntax-Lookup.html): "the lookup command matches a field in
 * your log events against a field in the lookup table and appends the
 * specified output fields to the results". The syntax section of that page
 * could not be read here; the form read is the one AWS's own samples use
 * (aws-samples/sample-quick-ai-governance: `lookup quick_agent_catalog
 * agent_id OUTPUT agent_name`):
 *
 *   lookup TABLE FIELD[, FIELD …] OUTPUT FIELD[, FIELD …]
 *
 * the match fields named alike in the events and the table, OUTPUT the
 * table's columns copied onto a matching row under their own names.
 * Renaming with `as`, and OUTPUTNEW, are refused by name
 * (MalformedQueryException): which side `as` renames could not be checked.
 * A match compares text: the row's field as GetQueryResults shows it
 * (lv_iq_val_text: 200 and "200" alike) with the cell, byte for byte; the
 * first table row with the key wins.
 *
 * cidrlookup (CWL_QuerySyntax-Cidrlookup.html, whole):
 *
 *   cidrlookup TABLE IPFIELD [AS CIDRCOLUMN]
 *       OUTPUT|OUTPUTNEW COLUMN [AS EVENTFIELD] [, …]
 *
 * "Use OUTPUT to overwrite existing fields, or OUTPUTNEW to fill only
 * empty fields" (absent or ""). Where the page is silent, logvault's
 * choices: without AS the CIDR column is the one named like IPFIELD, else
 * the first column that is not an output column; a cell that is an
 * address without "/bits" is that one address (/32, /128); a cell that is
 * neither matches nothing; when several ranges hold the address the
 * longest prefix wins (as routing does), the first row among equal ones.
 *
 * Indexes: lookup, an open-addressing hash of the keys; cidrlookup, a
 * hash of (family, prefix length, network), probed for each prefix length
 * the table holds, longest first.
 */
#include "insights/iq.h"
#include "insights/insights.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "insights/parse_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* ---- syntax --------------------------------------------------------- */

/* FIELD[, FIELD …]; with `as_ok`, each FIELD [AS NAME] (the item's e the
 * field, name NAME or the field's own name), else `as` is refused. */
static int field_list(struct lv_iqp *p, struct lv_iq_item **items,
                      size_t *n, int as_ok)
{
    for (;;) {
        struct lv_iq_expr *e = lv_iqp_parse_field(p);
        char *name = NULL;

        if (!e) {
            return -1;
        }
        if (lv_iqp_is_kw(p, "as")) {
            if (!as_ok) {
                lv_iqp_expr_free(e);
                return lv_iqp_err_at(p, p->tok.pos,
                                     "lookup: renaming a field with 'as' "
                                     "is not supported by logvault");
            }
            if (lv_iqp_advance(p) < 0 || lv_iqp_parse_alias(p, &name) < 0) {
                lv_iqp_expr_free(e);
                return -1;
            }
        }
        lv_iqp_add_item(items, n, e, name ? name : lv_xstrdup(e->str),
                        name != NULL);
        if (p->tok.t != LV_IQT_COMMA) {
            return 0;
        }
        if (lv_iqp_advance(p) < 0) {
            return -1;
        }
    }
}

static int table_name(struct lv_iqp *p, struct lv_iq_cmd *c,
                      const char *cmd)
{
    size_t n;

    if (p->tok.t != LV_IQT_IDENT || p->tok.quoted) {
        return lv_iqp_err_at(p, p->tok.pos,
                             "%s: a lookup table name expected", cmd);
    }
    n = strlen(p->tok.text);
    if (n == 0 || n > 256 ||
        strspn(p->tok.text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
                            "TUVWXYZ0123456789_") != n) {
        return lv_iqp_err_at(p, p->tok.pos,
                             "%s: '%s' is not a lookup table name", cmd,
                             p->tok.text);
    }
    c->str = lv_xstrdup(p->tok.text);
    return lv_iqp_advance(p);
}

int lv_iqp_parse_lookup(struct lv_iqp *p, struct lv_iq_cmd *c)
{
    int cidr = c->k == LV_IQ_C_CIDRLOOKUP;
    const char *cmd = cidr ? "cidrlookup" : "lookup";

    if (table_name(p, c, cmd) < 0) {
        return -1;
    }
    if (cidr) {
        struct lv_iq_expr *e = lv_iqp_parse_field(p);
        char *col = NULL;

        if (!e) {
            return -1;
        }
        if (lv_iqp_is_kw(p, "as") &&
            (lv_iqp_advance(p) < 0 || lv_iqp_parse_alias(p, &col) < 0)) {
            lv_iqp_expr_free(e);
            return -1;
        }
        lv_iqp_add_item(&c->items, &c->n_items, e, col, col != NULL);
    } else if (field_list(p, &c->items, &c->n_items, 0) < 0) {
        return -1;
    }
    if (lv_iqp_is_kw(p, "OUTPUTNEW")) {
        if (!cidr) {
            return lv_iqp_err_at(p, p->tok.pos,
                                 "lookup: OUTPUTNEW is not supported by "
                                 "logvault");
        }
        c->n = LV_IQ_LOOKUP_NEW;
    } else if (!lv_iqp_is_kw(p, "OUTPUT")) {
        return lv_iqp_err_at(p, p->tok.pos,
                             "%s: OUTPUT and the fields to add expected",
                             cmd);
    }
    if (lv_iqp_advance(p) < 0) {
        return -1;
    }
    return field_list(p, &c->by, &c->n_by, cidr);
}

const char *lv_iq_query_table(const struct lv_iq_query *q, size_t i)
{
    size_t seen = 0;

    for (size_t k = 0; k < q->n_cmds; k++) {
        const struct lv_iq_cmd *c = &q->cmds[k];
        int dup = 0;

        if (c->k != LV_IQ_C_LOOKUP && c->k != LV_IQ_C_CIDRLOOKUP) {
            continue;
        }
        for (size_t j = 0; j < k && !dup; j++) {
            dup = (q->cmds[j].k == LV_IQ_C_LOOKUP ||
                   q->cmds[j].k == LV_IQ_C_CIDRLOOKUP) &&
                  strcmp(q->cmds[j].str, c->str) == 0;
        }
        if (dup) {
            continue;
        }
        if (seen++ == i) {
            return c->str;
        }
    }
    return NULL;
}

/* ---- the index ------------------------------------------------------ */

struct lv_iq_lookup {
    const struct lv_iq_cmd *c;
    const struct lv_iq_table *t;
    size_t *match;              /* lookup: the table columns of c->items;
                                 * cidrlookup: [0] the CIDR column */
    size_t *out;                /* the table columns of c->by */
    uint32_t *slot;             /* row + 1, 0 empty */
    uint64_t *hash;             /* of each slot's key */
    size_t cap;                 /* a power of two */
    /* cidrlookup: each row's range (fam 0: not a range) */
    unsigned char (*net)[16];
    unsigned char *fam, *bits;
    unsigned char has4[33], has6[129];  /* prefix lengths present */
};

#define FNV_OFFSET 0xcbf29ce484222325ull

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;

    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* ---- lookup: keys of text ---------------------------------------------
 * The key of table row r: its match cells, each followed by a 0x1f byte.
 * The compare is cell by cell, so the separator never makes two keys
 * equal that are not. */
static uint64_t row_hash(const struct lv_iq_lookup *l, size_t r)
{
    uint64_t h = FNV_OFFSET;

    for (size_t i = 0; i < l->c->n_items; i++) {
        const char *v = l->t->cell(l->t->t, r, l->match[i]);

        h = hash_bytes(v, strlen(v), h);
        h = hash_bytes("\x1f", 1, h);
    }
    return h;
}

static int row_equal(const struct lv_iq_lookup *l, size_t a, size_t b)
{
    for (size_t i = 0; i < l->c->n_items; i++) {
        if (strcmp(l->t->cell(l->t->t, a, l->match[i]),
                   l->t->cell(l->t->t, b, l->match[i])) != 0) {
            return 0;
        }
    }
    return 1;
}

/* ---- cidrlookup: ranges ------------------------------------------------ */

/* Text s[0..n) as an address: 4, 6 or 0. */
static int parse_addr(const char *s, size_t n, unsigned char addr[16])
{
    char buf[64];

    if (n == 0 || n >= sizeof(buf) || memchr(s, '\0', n)) {
        return 0;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, buf, addr) == 1) {
        return 4;
    }
    if (inet_pton(AF_INET6, buf, addr) == 1) {
        return 6;
    }
    return 0;
}

/* "addr/bits" or a bare address: the family and *bits, net masked; 0 when
 * it is neither. */
static int parse_range(const char *s, unsigned char net[16], int *bits)
{
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    int fam = parse_addr(s, alen, net);
    int b = 0;

    if (!fam) {
        return 0;
    }
    if (!slash) {
        *bits = fam == 4 ? 32 : 128;
        return fam;
    }
    if (!slash[1] || strlen(slash + 1) > 3 ||
        strspn(slash + 1, "0123456789") != strlen(slash + 1)) {
        return 0;
    }
    for (const char *d = slash + 1; *d; d++) {
        b = b * 10 + (*d - '0');
    }
    if (b > (fam == 4 ? 32 : 128)) {
        return 0;
    }
    *bits = b;
    return fam;
}

static void mask(unsigned char a[16], int bits)
{
    for (int i = 0; i < 16; i++) {
        int keep = bits - 8 * i;

        if (keep <= 0) {
            a[i] = 0;
        } else if (keep < 8) {
            a[i] &= (unsigned char)(0xff << (8 - keep));
        }
    }
}

static uint64_t range_hash(int fam, int bits, const unsigned char net[16])
{
    unsigned char head[2] = { (unsigned char)fam, (unsigned char)bits };

    return hash_bytes(net, 16, hash_bytes(head, 2, FNV_OFFSET));
}

static int range_equal(const struct lv_iq_lookup *l, size_t r, int fam,
                       int bits, const unsigned char net[16])
{
    return l->fam[r] == fam && l->bits[r] == bits &&
           memcmp(l->net[r], net, 16) == 0;
}

/* ---- building --------------------------------------------------------- */

static int find_column(const struct lv_iq_table *t, const char *name,
                       size_t *out)
{
    for (size_t c = 0; c < t->n_cols; c++) {
        if (strcmp(t->header(t->t, c), name) == 0) {
            *out = c;
            return 0;
        }
    }
    return -1;
}

static int no_column(struct lv_iq_lookup *l, const char *name,
                     struct lv_err *err)
{
    lv_err_set(err, LV_E_INVALID_PARAMETER,
               "The lookup table %s has no column named %s.", l->c->str,
               name);
    lv_iq_lookup_free(l);
    return -1;
}

/* Puts row r (its hash h) in the table unless an equal key is there. */
static void insert(struct lv_iq_lookup *l, size_t r, uint64_t h, int fam,
                   int bits)
{
    size_t at = (size_t)h & (l->cap - 1);

    for (;;) {
        size_t o;

        if (!l->slot[at]) {
            l->slot[at] = (uint32_t)(r + 1);
            l->hash[at] = h;
            return;
        }
        o = l->slot[at] - 1;
        /* A key already there: the first row keeps it. */
        if (l->hash[at] == h &&
            (fam ? range_equal(l, o, fam, bits, l->net[r])
                 : row_equal(l, o, r))) {
            return;
        }
        at = (at + 1) & (l->cap - 1);
    }
}

/* The CIDR column of a cidrlookup (see the header). */
static int cidr_column(struct lv_iq_lookup *l, struct lv_err *err)
{
    const struct lv_iq_cmd *c = l->c;

    if (c->items[0].name) {
        return find_column(l->t, c->items[0].name, &l->match[0]) < 0
                   ? no_column(l, c->items[0].name, err)
                   : 0;
    }
    if (find_column(l->t, c->items[0].e->str, &l->match[0]) == 0) {
        return 0;
    }
    for (size_t col = 0; col < l->t->n_cols; col++) {
        size_t o;

        for (o = 0; o < c->n_by && l->out[o] != col; o++) {
        }
        if (o == c->n_by) {
            l->match[0] = col;
            return 0;
        }
    }
    lv_err_set(err, LV_E_INVALID_PARAMETER,
               "The lookup table %s has no column of CIDR ranges.", c->str);
    lv_iq_lookup_free(l);
    return -1;
}

struct lv_iq_lookup *lv_iq_lookup_new(const struct lv_iq_cmd *c,
                                      const struct lv_iq_table *t,
                                      struct lv_err *err)
{
    struct lv_iq_lookup *l = lv_xcalloc(1, sizeof(*l));
    int cidr = c->k == LV_IQ_C_CIDRLOOKUP;

    l->c = c;
    l->t = t;
    l->match = lv_xcalloc(c->n_items ? c->n_items : 1, sizeof(*l->match));
    l->out = lv_xcalloc(c->n_by ? c->n_by : 1, sizeof(*l->out));
    for (size_t o = 0; o < c->n_by; o++) {
        if (find_column(t, c->by[o].e->str, &l->out[o]) < 0) {
            no_column(l, c->by[o].e->str, err);
            return NULL;
        }
    }
    if (cidr) {
        if (cidr_column(l, err) < 0) {
            return NULL;
        }
    } else {
        for (size_t i = 0; i < c->n_items; i++) {
            if (find_column(t, c->items[i].name, &l->match[i]) < 0) {
                no_column(l, c->items[i].name, err);
                return NULL;
            }
        }
    }
    if (t->n_rows >= UINT32_MAX / 2) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "The lookup table %s has too many rows.", c->str);
        lv_iq_lookup_free(l);
        return NULL;
    }
    l->cap = 16;
    while (l->cap < 2 * t->n_rows) {
        l->cap *= 2;
    }
    l->slot = lv_xcalloc(l->cap, sizeof(*l->slot));
    l->hash = lv_xcalloc(l->cap, sizeof(*l->hash));
    if (cidr) {
        size_t n = t->n_rows ? t->n_rows : 1;

        l->net = lv_xcalloc(n, sizeof(*l->net));
        l->fam = lv_xcalloc(n, 1);
        l->bits = lv_xcalloc(n, 1);
    }
    for (size_t r = 0; r < t->n_rows; r++) {
        int bits = 0;
        int fam;

        if (!cidr) {
            insert(l, r, row_hash(l, r), 0, 0);
            continue;
        }
        fam = parse_range(t->cell(t->t, r, l->match[0]), l->net[r], &bits);
        if (!fam) {
            continue;
        }
        mask(l->net[r], bits);
        l->fam[r] = (unsigned char)fam;
        l->bits[r] = (unsigned char)bits;
        if (fam == 4) {
            l->has4[bits] = 1;
        } else {
            l->has6[bits] = 1;
        }
        insert(l, r, range_hash(fam, bits, l->net[r]), fam, bits);
    }
    return l;
}

/* ---- a row ------------------------------------------------------------- */

/* The table row whose key is the row's match fields (lookup), or -1. */
static long find_key(const struct lv_iq_lookup *l, struct lv_iq_row *r)
{
    const struct lv_iq_cmd *c = l->c;
    struct lv_buf key = LV_BUF_INIT(SIZE_MAX);
    size_t *ends = lv_xcalloc(c->n_items ? c->n_items : 1, sizeof(*ends));
    uint64_t h = FNV_OFFSET;
    long found = -1;

    for (size_t i = 0; i < c->n_items; i++) {
        struct lv_iq_val v;

        lv_iq_row_get(r, c->items[i].name, strlen(c->items[i].name), &v);
        if (v.t == LV_IQ_NULL) {
            goto out;
        }
        lv_iq_val_text(&v, &key);
        ends[i] = key.len;
        lv_buf_addc(&key, '\0');
    }
    for (size_t i = 0, from = 0; i < c->n_items; i++) {
        h = hash_bytes(key.data + from, ends[i] - from, h);
        h = hash_bytes("\x1f", 1, h);
        from = ends[i] + 1;
    }
    for (size_t at = (size_t)h & (l->cap - 1); l->slot[at] && found < 0;
         at = (at + 1) & (l->cap - 1)) {
        size_t row = l->slot[at] - 1;
        size_t from = 0;
        size_t i;

        if (l->hash[at] != h) {
            continue;
        }
        for (i = 0; i < c->n_items; i++) {
            const char *cell = l->t->cell(l->t->t, row, l->match[i]);

            if (strlen(cell) != ends[i] - from ||
                memcmp(cell, key.data + from, ends[i] - from) != 0) {
                break;
            }
            from = ends[i] + 1;
        }
        if (i == c->n_items) {
            found = (long)row;
        }
    }
out:
    free(ends);
    lv_buf_release(&key);
    return found;
}

/* The table row whose range holds the row's address, the longest prefix
 * first (cidrlookup), or -1. */
static long find_range(const struct lv_iq_lookup *l, struct lv_iq_row *r)
{
    const struct lv_iq_expr *e = l->c->items[0].e;
    struct lv_iq_val v;
    unsigned char addr[16];
    int fam;

    lv_iq_row_get(r, e->str, e->len, &v);
    if (v.t != LV_IQ_STR) {
        return -1;
    }
    fam = parse_addr(v.s, v.len, addr);
    if (!fam) {
        return -1;
    }
    for (int bits = fam == 4 ? 32 : 128; bits >= 0; bits--) {
        unsigned char net[16];
        uint64_t h;

        if (!(fam == 4 ? l->has4[bits] : l->has6[bits])) {
            continue;
        }
        memcpy(net, addr, 16);
        mask(net, bits);
        h = range_hash(fam, bits, net);
        for (size_t at = (size_t)h & (l->cap - 1); l->slot[at];
             at = (at + 1) & (l->cap - 1)) {
            size_t row = l->slot[at] - 1;

            if (l->hash[at] == h && range_equal(l, row, fam, bits, net)) {
                return (long)row;
            }
        }
    }
    return -1;
}

void lv_iq_lookup_apply(const struct lv_iq_lookup *l, struct lv_iq_row *r)
{
    const struct lv_iq_cmd *c = l->c;
    long row = c->k == LV_IQ_C_CIDRLOOKUP ? find_range(l, r)
                                          : find_key(l, r);

    if (row < 0) {
        return;
    }
    for (size_t o = 0; o < c->n_by; o++) {
        const char *cell = l->t->cell(l->t->t, (size_t)row, l->out[o]);
        struct lv_iq_val v = { LV_IQ_STR, 0, cell, strlen(cell) };

        if (c->n & LV_IQ_LOOKUP_NEW) {
            struct lv_iq_val had;

            lv_iq_row_get(r, c->by[o].name, strlen(c->by[o].name), &had);
            if (had.t != LV_IQ_NULL && !(had.t == LV_IQ_STR && !had.len)) {
                continue;
            }
        }
        lv_iq_row_set(r, c->by[o].name, &v);
    }
}

size_t lv_iq_lookup_bytes(const struct lv_iq_lookup *l)
{
    if (!l) {
        return 0;
    }
    return l->cap * (sizeof(*l->slot) + sizeof(*l->hash)) +
           (l->net ? l->t->n_rows * (sizeof(*l->net) + 2) : 0);
}

void lv_iq_lookup_free(struct lv_iq_lookup *l)
{
    if (!l) {
        return;
    }
    free(l->match);
    free(l->out);
    free(l->slot);
    free(l->hash);
    free(l->net);
    free(l->fam);
    free(l->bits);
    free(l);
}

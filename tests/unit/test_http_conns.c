/* http/conns: which connection the per-address and global caps shed (FRESH
 * before IDLE, oldest first, never a busy one, only the address's own at
 * the per-address cap), when they refuse, the 90% rule, and the reaper's
 * header and idle timeouts and its shedding of closed peers. Connections
 * are socketpairs: a shed one's peer reads end-of-stream. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "http/conns.h"

#define MAXC 32

struct fx {
    struct lv_conns *cs;
    struct lv_conn *c[MAXC];
    int fd[MAXC][2];    /* [0] the "server" side booked, [1] the peer */
    int n;
};

static struct sockaddr_in addr(const char *ip)
{
    struct sockaddr_in a;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(40000);
    assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
    return a;
}

static void fx_init(struct fx *f, long max, long per_addr)
{
    struct lv_conns_limits lim = { max, per_addr, 1000, 5000 };

    memset(f, 0, sizeof(*f));
    f->cs = lv_conns_new(&lim);
}

/* Books connection i from `ip` at time t; returns i. */
static int book(struct fx *f, const char *ip, int64_t t)
{
    struct sockaddr_in a = addr(ip);
    int i = f->n++;

    assert_true(i < MAXC);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, f->fd[i]), 0);
    f->c[i] = lv_conns_add(f->cs, f->fd[i][0], (struct sockaddr *)&a, t);
    return i;
}

/* Was connection i shut down (its peer reads end-of-stream)? */
static int was_shed(struct fx *f, int i)
{
    char b;
    ssize_t n = recv(f->fd[i][1], &b, 1, MSG_DONTWAIT);

    if (n < 0) {
        assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
        return 0;
    }
    return n == 0;
}

static int admit(struct fx *f, const char *ip, int64_t t)
{
    struct sockaddr_in a = addr(ip);

    return lv_conns_admit(f->cs, (struct sockaddr *)&a, t);
}

static void fx_release(struct fx *f)
{
    for (int i = 0; i < f->n; i++) {
        lv_conns_remove(f->cs, f->c[i]);
        close(f->fd[i][0]);
        if (f->fd[i][1] >= 0) {
            close(f->fd[i][1]);
        }
    }
    lv_conns_free(f->cs);
}

static void test_per_address(void **state)
{
    struct fx f;
    int a1, a2, a3, a4;

    (void)state;
    fx_init(&f, 100, 2);
    a1 = book(&f, "10.0.0.1", 0);
    a2 = book(&f, "10.0.0.1", 10);
    lv_conns_busy(f.cs, f.c[a2], 0);
    /* At the cap: the FRESH one goes, the BUSY one stays. */
    CHECK("sheds the fresh one", admit(&f, "10.0.0.1", 20) == 1);
    CHECK("a1 shed", was_shed(&f, a1));
    CHECK("a2 kept", !was_shed(&f, a2));
    a3 = book(&f, "10.0.0.1", 20);
    /* The shed a1 no longer counts: a2 and a3 do. */
    CHECK("sheds a3", admit(&f, "10.0.0.1", 30) == 1);
    CHECK("a3 shed", was_shed(&f, a3));
    a4 = book(&f, "10.0.0.1", 30);
    lv_conns_busy(f.cs, f.c[a4], 0);
    /* Both busy: refused, nobody shed. */
    CHECK("all busy: refused", admit(&f, "10.0.0.1", 40) == 0);
    CHECK("a2 still kept", !was_shed(&f, a2));
    CHECK("a4 kept", !was_shed(&f, a4));
    /* Another address is not affected. */
    CHECK("other address admitted", admit(&f, "10.0.0.2", 40) == 1);
    /* One finishes its request: kept alive, it may go for a new one. */
    lv_conns_idle(f.cs, f.c[a4], 50);
    CHECK("idle one makes room", admit(&f, "10.0.0.1", 60) == 1);
    CHECK("a4 shed", was_shed(&f, a4));
    CHECK("a2 kept to the end", !was_shed(&f, a2));
    fx_release(&f);
}

static void test_fresh_before_idle(void **state)
{
    struct fx f;
    int idle, fresh, other;

    (void)state;
    fx_init(&f, 100, 2);
    idle = book(&f, "10.0.0.1", 0);
    lv_conns_busy(f.cs, f.c[idle], 0);
    lv_conns_idle(f.cs, f.c[idle], 5);
    fresh = book(&f, "10.0.0.1", 50);
    other = book(&f, "10.0.0.9", 1);
    CHECK("admitted", admit(&f, "10.0.0.1", 60) == 1);
    CHECK("the younger fresh one goes first", was_shed(&f, fresh));
    CHECK("the idle one stays", !was_shed(&f, idle));
    CHECK("another address's older fresh one stays", !was_shed(&f, other));
    fx_release(&f);
}

static void test_global_cap(void **state)
{
    struct fx f;
    char ip[32];
    int idle = -1;

    (void)state;
    fx_init(&f, 10, 100);
    for (int i = 0; i < 10; i++) {
        int k;

        snprintf(ip, sizeof(ip), "10.0.1.%d", i);
        k = book(&f, ip, i);
        lv_conns_busy(f.cs, f.c[k], 0);
        if (i == 3) {
            lv_conns_idle(f.cs, f.c[k], 100);
            idle = k;
        }
    }
    CHECK("at the cap: the idle one makes room",
          admit(&f, "10.0.2.1", 200) == 1);
    CHECK("idle shed", was_shed(&f, idle));
    for (int i = 0; i < 10; i++) {
        CHECK("busy ones kept", i == idle || !was_shed(&f, i));
    }
    lv_conns_busy(f.cs, f.c[book(&f, "10.0.2.1", 200)], 0);
    CHECK("at the cap, all busy: refused", admit(&f, "10.0.2.1", 300) == 0);
    fx_release(&f);
}

static void test_near_cap(void **state)
{
    struct fx f;
    char ip[32];
    int fresh = -1;

    (void)state;
    fx_init(&f, 20, 100);                   /* 90%: 18 */
    for (int i = 0; i < 17; i++) {
        int k;

        snprintf(ip, sizeof(ip), "10.0.1.%d", i);
        k = book(&f, ip, 1000);
        if (i != 5) {
            lv_conns_busy(f.cs, f.c[k], 0);
        } else {
            fresh = k;
        }
    }
    /* 17 of 20: below 90%, nothing shed. */
    CHECK("below 90%: admitted", admit(&f, "10.0.2.1", 5000) == 1);
    CHECK("below 90%: fresh kept", !was_shed(&f, fresh));
    lv_conns_busy(f.cs, f.c[book(&f, "10.0.2.1", 1000)], 0);
    /* 18 of 20: the fresh one gives way although the cap is not reached,
     * once it has had a second to send its head. */
    CHECK("at 90%, fresh for 0.9 s: admitted",
          admit(&f, "10.0.2.2", 1900) == 1);
    CHECK("at 90%, fresh for 0.9 s: kept", !was_shed(&f, fresh));
    CHECK("at 90%, fresh for 1 s: admitted",
          admit(&f, "10.0.2.3", 2000) == 1);
    CHECK("at 90%, fresh for 1 s: shed", was_shed(&f, fresh));
    fx_release(&f);
}

static void test_reap(void **state)
{
    struct fx f;
    int young, old, busy, idle_young, idle_old;

    (void)state;
    fx_init(&f, 100, 100);                  /* header 1 s, idle 5 s */
    old = book(&f, "10.0.0.1", 0);
    young = book(&f, "10.0.0.2", 600);
    busy = book(&f, "10.0.0.3", 0);
    lv_conns_busy(f.cs, f.c[busy], 0);
    lv_conns_answering(f.cs, f.c[busy]);
    /* A socket without TCP_INFO (this socketpair) cannot say what its
     * peer took: the answer's minimum rate does not apply to it. */
    lv_conns_sending(f.cs, f.c[busy], 0);
    idle_old = book(&f, "10.0.0.4", 0);
    lv_conns_busy(f.cs, f.c[idle_old], 0);
    lv_conns_idle(f.cs, f.c[idle_old], 100);
    idle_young = book(&f, "10.0.0.5", 0);
    lv_conns_busy(f.cs, f.c[idle_young], 0);
    lv_conns_idle(f.cs, f.c[idle_young], 1000);
    CHECK("nothing due at 999 ms", lv_conns_reap(f.cs, 999) == 0);
    CHECK("header timeout at 1 s", lv_conns_reap(f.cs, 1000) == 1);
    CHECK("old fresh shed", was_shed(&f, old));
    CHECK("young fresh kept", !was_shed(&f, young));
    /* Idle ones are past the header timeout but within the idle one. */
    CHECK("young fresh due at 1.6 s", lv_conns_reap(f.cs, 1600) == 1);
    CHECK("idle kept past the header timeout", !was_shed(&f, idle_old));
    CHECK("idle timeout at 5.1 s", lv_conns_reap(f.cs, 5100) == 1);
    CHECK("old idle shed", was_shed(&f, idle_old));
    CHECK("young idle kept", !was_shed(&f, idle_young));
    CHECK("nothing twice", lv_conns_reap(f.cs, 5999) == 0);
    CHECK("answering never", lv_conns_reap(f.cs, 1000000) == 1);
    CHECK("answering kept", !was_shed(&f, busy));
    fx_release(&f);
}

/* A body must arrive at LV_CONNS_BODY_MIN_RATE bytes a second once the
 * header timeout's grace is spent: a trickled body, which restarts
 * libmicrohttpd's inactivity timeout at every byte, is cut off; the
 * clock starts when the head is complete, not when the connection (kept
 * alive since) was opened. */
static void test_slow_body(void **state)
{
    struct fx f;
    int empty, trickle, steady;

    (void)state;
    fx_init(&f, 100, 100);                  /* header 1 s, idle 5 s */
    empty = book(&f, "10.0.0.1", 0);
    lv_conns_busy(f.cs, f.c[empty], 3000);
    trickle = book(&f, "10.0.0.2", 0);
    lv_conns_busy(f.cs, f.c[trickle], 3000);
    steady = book(&f, "10.0.0.3", 0);
    lv_conns_busy(f.cs, f.c[steady], 3000);
    CHECK("reading, within the header grace",
          lv_conns_reap(f.cs, 3999) == 0);
    for (int s = 0; s < 10; s++) {
        lv_conns_body(f.cs, f.c[trickle], 1);
        lv_conns_body(f.cs, f.c[steady], LV_CONNS_BODY_MIN_RATE);
    }
    CHECK("nothing due before the grace", lv_conns_reap(f.cs, 3999) == 0);
    CHECK("no body in the grace: shed", lv_conns_reap(f.cs, 4000) == 1);
    CHECK("empty shed", was_shed(&f, empty));
    /* 10 bytes earn 20 ms; 10 * MIN_RATE bytes earn 10 s. */
    CHECK("trickle kept within its 20 ms", lv_conns_reap(f.cs, 4019) == 0);
    CHECK("trickle shed after", lv_conns_reap(f.cs, 4020) == 1);
    CHECK("trickle shed", was_shed(&f, trickle));
    CHECK("steady kept", lv_conns_reap(f.cs, 13999) == 0);
    CHECK("steady due at its rate", lv_conns_reap(f.cs, 14000) == 1);
    CHECK("steady shed", was_shed(&f, steady));
    fx_release(&f);
}

/* A peer that closed is shed at the next reap, whatever the state, except
 * while its request is being answered (a client may half-close and still
 * read the answer). */
static void test_peer_closed(void **state)
{
    struct fx f;
    int fresh, reading, answering, idle, alive;

    (void)state;
    fx_init(&f, 100, 100);
    fresh = book(&f, "10.0.0.1", 0);
    reading = book(&f, "10.0.0.2", 0);
    lv_conns_busy(f.cs, f.c[reading], 0);
    answering = book(&f, "10.0.0.3", 0);
    lv_conns_busy(f.cs, f.c[answering], 0);
    lv_conns_answering(f.cs, f.c[answering]);
    idle = book(&f, "10.0.0.4", 0);
    lv_conns_busy(f.cs, f.c[idle], 0);
    lv_conns_idle(f.cs, f.c[idle], 0);
    alive = book(&f, "10.0.0.5", 0);
    CHECK("nobody gone yet", lv_conns_reap(f.cs, 10) == 0);
    /* The peers of all but `alive` close, `fresh`'s after sending part
     * of a head (data and end of stream together). */
    assert_int_equal(send(f.fd[fresh][1], "POST / HT", 9, 0), 9);
    for (int i = fresh; i <= idle; i++) {
        close(f.fd[i][1]);
        f.fd[i][1] = -1;
    }
    CHECK("three gone, the answering one kept",
          lv_conns_reap(f.cs, 20) == 3);
    CHECK("alive kept", !was_shed(&f, alive));
    CHECK("not shed twice", lv_conns_reap(f.cs, 30) == 0);
    /* Once answered, the answering one goes too. */
    lv_conns_idle(f.cs, f.c[answering], 40);
    CHECK("answered, then gone", lv_conns_reap(f.cs, 50) == 1);
    fx_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_address),
        cmocka_unit_test(test_fresh_before_idle),
        cmocka_unit_test(test_global_cap),
        cmocka_unit_test(test_near_cap),
        cmocka_unit_test(test_reap),
        cmocka_unit_test(test_slow_body),
        cmocka_unit_test(test_peer_closed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

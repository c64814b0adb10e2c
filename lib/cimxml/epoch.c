/*
 * Deferred release of the instance cache's texts, so that a pieced response can point into
 * cached texts without a reference on each. Taking and dropping a reference per job and
 * request wrote every text's counter from every request thread: two threads enumerating 1,000
 * jobs passed 2,000 cache lines between the cores per request (docs/performance.md).
 *
 * A response that borrows texts holds one reference on the current epoch instead, taken while
 * the side table's lock is held (so every text it can find is still in the table). A text the
 * table drops is not freed but retired into the current epoch. When a response takes an epoch
 * that has retired texts, a new epoch begins, and the old one holds a reference on it: an epoch
 * (and what was retired into it or any later one) lives until every response that took it or
 * an earlier one has been freed. What a response can borrow was in the table when it took its
 * epoch, so it is freed only after that response.
 */
#include "internal.h"

#include <stdlib.h>

struct cx_epoch {
    atomic_uint refs;      /* the holder's (while current), the older epoch's, each response's */
    struct cx_epoch *next; /* the epoch begun after this one (a reference), or NULL */
    cx_shared *retired;    /* texts dropped by the table while this epoch was current */
};

static cx_epoch *cx_epoch_new(void)
{
    cx_epoch *e = calloc(1, sizeof *e);
    if (e)
        atomic_init(&e->refs, 1);
    return e;
}

void cx_epoch_leave(cx_epoch *e)
{
    while (e && atomic_fetch_sub(&e->refs, 1) == 1) {
        for (cx_shared *t = e->retired, *n; t; t = n) {
            n = t->retired_next;
            cx_shared_unref(t);
        }
        cx_epoch *next = e->next;
        free(e);
        e = next;
    }
}

int cx_epochs_init(cx_epochs *g)
{
    g->cur = cx_epoch_new();
    if (!g->cur)
        return -1;
    if (pthread_mutex_init(&g->lock, NULL) != 0) {
        free(g->cur);
        g->cur = NULL;
        return -1;
    }
    return 0;
}

void cx_epochs_retire(cx_epochs *g, cx_shared *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&g->lock);
    t->retired_next = g->cur->retired;
    g->cur->retired = t;
    pthread_mutex_unlock(&g->lock);
}

cx_epoch *cx_epochs_enter(cx_epochs *g)
{
    cx_epoch *old = NULL;
    pthread_mutex_lock(&g->lock);
    if (g->cur->retired) {
        /* A new epoch; out of memory, the current one is taken and its texts wait longer. */
        cx_epoch *n = cx_epoch_new();
        if (n) {
            atomic_fetch_add(&n->refs, 1); /* the old epoch's */
            g->cur->next = n;
            old = g->cur; /* the holder's reference on it is dropped below */
            g->cur = n;
        }
    }
    cx_epoch *e = g->cur;
    atomic_fetch_add(&e->refs, 1);
    pthread_mutex_unlock(&g->lock);
    cx_epoch_leave(old);
    return e;
}

void cx_epochs_fini(cx_epochs *g)
{
    if (!g->cur)
        return;
    cx_epoch_leave(g->cur);
    g->cur = NULL;
    pthread_mutex_destroy(&g->lock);
}

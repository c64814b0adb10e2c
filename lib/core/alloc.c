/*
 * Every allocation of the library goes through here so that tests can make the N-th one fail
 * (the fault-injection hook is internal and linked only into the static test builds).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* -1: never fail; otherwise the number of allocations that still succeed. Test-only. */
atomic_long cimjob__alloc_budget = -1;

static int alloc_allowed(void)
{
    long b = atomic_load_explicit(&cimjob__alloc_budget, memory_order_relaxed);
    if (b < 0)
        return 1;
    while (b > 0) {
        if (atomic_compare_exchange_weak(&cimjob__alloc_budget, &b, b - 1))
            return 1;
    }
    return 0;
}

void *cimjob__malloc(size_t size)
{
    return alloc_allowed() ? malloc(size ? size : 1) : NULL;
}

void *cimjob__calloc(size_t n, size_t size)
{
    return alloc_allowed() ? calloc(n ? n : 1, size ? size : 1) : NULL;
}

void *cimjob__realloc(void *p, size_t size)
{
    return alloc_allowed() ? realloc(p, size ? size : 1) : NULL;
}

void cimjob__free(void *p)
{
    free(p);
}

char *cimjob__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = cimjob__malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

int cimjob__strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    int truncated = n >= size;
    if (truncated)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return truncated;
}

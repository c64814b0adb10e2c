/*
 * The library's allocator: every allocation of the core and of the bundled backends goes
 * through these, so that tests can make the N-th one fail (the injection hook is linked only
 * into the static test builds). This is one of the seams a backend may include (with
 * platform.h and error.h); a backend never includes internal.h.
 */
#ifndef CIMJOB_CORE_ALLOC_H
#define CIMJOB_CORE_ALLOC_H

#include <stddef.h>
#include <string.h>

void *cimjob__malloc(size_t size);
void *cimjob__calloc(size_t n, size_t size);
void *cimjob__realloc(void *p, size_t size);
void cimjob__free(void *p);
char *cimjob__strdup(const char *s);

/* Drop const from a pointer the library itself allocated or owns (the public API hands such
 * pointers out as const). memcpy rather than a cast keeps -Wcast-qual meaningful elsewhere. */
static inline void *cimjob__unconst(const void *p)
{
    void *q;
    memcpy(&q, &p, sizeof q);
    return q;
}

/* Copy at most size-1 bytes and terminate; returns 1 if it had to truncate. */
int cimjob__strlcpy(char *dst, const char *src, size_t size);

#endif

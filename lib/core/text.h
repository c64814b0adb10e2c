/* UTF-8 for CIM strings (which are characters, not bytes). Internal to the library. */
#ifndef CIMJOB_CORE_TEXT_H
#define CIMJOB_CORE_TEXT_H

#include <stddef.h>

/* Length in bytes of the well-formed UTF-8 sequence at s (at most n bytes available), or 0 when
 * the bytes there are not one (overlong forms, surrogates, above U+10FFFF, truncated). */
size_t cimjob__utf8_seq(const unsigned char *s, size_t n);

/* Whether the NUL-terminated s is well-formed UTF-8. */
int cimjob__utf8_valid(const char *s);

/* The longest prefix of s, at most max bytes, that ends on a character boundary. */
size_t cimjob__utf8_cut(const char *s, size_t max);

/* A well-formed copy of s of at most max bytes (plus NUL), cut at a character boundary; every
 * byte that is not part of a well-formed sequence becomes '?'. NULL when memory runs out or the
 * result is empty (*empty is then set to 1). */
char *cimjob__utf8_dup_clean(const char *s, size_t max, int *empty);

#endif

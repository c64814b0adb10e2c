/* UTF-8 validation and cutting. A text property is cut to its byte limit at a character
 * boundary, never inside a character (510 x 'a' + U+00E9 keeps 510 bytes, not a lone 0xC3). */
#include <string.h>

#include "internal.h"
#include "text.h"

size_t cimjob__utf8_seq(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* the range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return 0; /* a continuation byte, C0/C1 (overlong), F5..FF */
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

int cimjob__utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    while (n) {
        size_t k = cimjob__utf8_seq(p, n);
        if (!k)
            return 0;
        p += k;
        n -= k;
    }
    return 1;
}

size_t cimjob__utf8_cut(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    /* Step back over continuation bytes to the start of the character that crosses max. */
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}

char *cimjob__utf8_dup_clean(const char *s, size_t max, int *empty)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), out = 0;
    *empty = 0;
    /* First pass: how many bytes fit. */
    for (size_t i = 0; i < n;) {
        size_t k = cimjob__utf8_seq(p + i, n - i);
        size_t w = k ? k : 1;
        if (out + w > max)
            break;
        out += w;
        i += w;
    }
    if (!out) {
        *empty = 1;
        return NULL;
    }
    char *d = cimjob__malloc(out + 1);
    if (!d)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; o < out;) {
        size_t k = cimjob__utf8_seq(p + i, n - i);
        if (k) {
            memcpy(d + o, p + i, k);
            o += k;
            i += k;
        } else {
            d[o++] = '?';
            i++;
        }
    }
    d[o] = '\0';
    return d;
}

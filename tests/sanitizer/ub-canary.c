/*
 * A deliberate signed overflow. Under UndefinedBehaviorSanitizer this program must fail: the
 * sanitizer build registers it as a test that should fail, so a harness that lets a UBSan
 * report print and exit 0 (UBSAN_OPTIONS without halt_on_error=1 where the tests run) fails
 * the run instead of hiding every real report.
 */
#include <limits.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argv;
    volatile int big = INT_MAX;
    int sum = big + argc; /* argc >= 1: overflows */
    printf("ub-canary: %d (no sanitizer stopped this)\n", sum);
    return 0;
}

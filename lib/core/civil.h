/* The proleptic Gregorian calendar of datetime.c, for the scheduler. Internal. */
#ifndef CIMJOB_CORE_CIVIL_H
#define CIMJOB_CORE_CIVIL_H

#include <stdint.h>

/* Days since 1970-01-01 of y-m-d (m 1..12, d 1..31), and back. */
int64_t cimjob__days_from_civil(int64_t y, int64_t m, int64_t d);
void cimjob__civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d);
/* 28..31. */
int cimjob__days_in_month(int64_t y, int64_t m);

#endif

/**
 * @file cimjob/common.h
 * @brief Export macro, version numbers and the types shared by every libcimjob header.
 *
 * Included by every other public header; users include `<cimjob/cimjob.h>`.
 */
#ifndef CIMJOB_COMMON_H
#define CIMJOB_COMMON_H

#include <stddef.h>
#include <stdint.h>

/** @cond INTERNAL */
#if defined(_WIN32) && !defined(CIMJOB_STATIC)
#if defined(CIMJOB_BUILDING)
#define CIMJOB_EXTERN __declspec(dllexport)
#else
#define CIMJOB_EXTERN __declspec(dllimport)
#endif
#elif defined(__GNUC__) && defined(CIMJOB_BUILDING)
#define CIMJOB_EXTERN __attribute__((visibility("default")))
#else
#define CIMJOB_EXTERN
#endif
/** @endcond */

#ifdef __cplusplus
extern "C" {
#endif

/** Major version of the library (incompatible API changes). */
#define CIMJOB_VERSION_MAJOR 0
/** Minor version of the library (compatible additions). */
#define CIMJOB_VERSION_MINOR 1
/** Patch version of the library (fixes). */
#define CIMJOB_VERSION_PATCH 0
/** The version as one number: 0xMMmmpp. */
#define CIMJOB_VERSION_HEX                                                                         \
    ((CIMJOB_VERSION_MAJOR << 16) | (CIMJOB_VERSION_MINOR << 8) | CIMJOB_VERSION_PATCH)

/**
 * The version of the library that is linked at run time, as "MAJOR.MINOR.PATCH".
 *
 * @return a static string; never NULL. Thread-safe.
 */
CIMJOB_EXTERN const char *cimjob_version(void);

/** A registry of jobs (opaque). Created by cimjob_registry_new(). */
typedef struct cimjob_registry cimjob_registry;

/** A job (opaque, reference counted). Obtained from cimjob_create() or cimjob_find(). */
typedef struct cimjob_job cimjob_job;

#ifdef __cplusplus
}
#endif

#endif /* CIMJOB_COMMON_H */

/**
 * @file cimjob/posix.h
 * @brief Configuration of the `posix` backend (processes on Linux and other POSIX systems).
 *
 * Pass a cimjob_posix_config as cimjob_registry_options.backend_config of a registry that uses
 * the `posix` backend; NULL means every default. The backend copies what it needs at
 * cimjob_registry_new(): the struct and its strings may be freed afterwards.
 *
 * @code
 * cimjob_posix_config pc = CIMJOB_POSIX_CONFIG_INIT;
 * pc.cgroup_parent = "/sys/fs/cgroup/my.slice/jobs";
 * cimjob_registry_options ro = CIMJOB_REGISTRY_OPTIONS_INIT;
 * ro.backend = cimjob_backend_by_name("posix");
 * ro.backend_config = &pc;
 * @endcode
 *
 * The containment a job gets (see docs/teardown.md for what each one guarantees) is chosen at
 * spawn, best first: a per-job cgroup v2, a per-job subreaper helper process, the process group.
 * cimjob_job_options.containment forces one; if it is not available here, the start fails with
 * CIMJOB_RC_NOT_SUPPORTED and cimjob_last_error() says why (out of descriptors or memory while
 * setting up a job cgroup is CIMJOB_RC_OS_ERROR or CIMJOB_RC_NO_MEMORY instead).
 *
 * ## In the host's process
 * The backend installs no signal handler and never calls waitpid(-1). Its children that never
 * exec (the subreaper helper, the reaper stub below, the die-with-host watchdog) have no exit
 * signal, so a host that ignores SIGCHLD or reaps with waitpid(-1) (without __WALL) cannot
 * take them: subreaper jobs report their true status in such hosts. A job's main process has
 * SIGCHLD as its exit signal once it has exec'd (the kernel resets it), so as the host's child the
 * host could reap it:
 * - on Linux 6.15 or later (pidfds that keep a reaped process's status, PIDFD_INFO_EXIT,
 *   detected once at run time) cgroup and process-group jobs start their main process as the
 *   host's child; if the host reaps it, its status is still read from the pidfd;
 * - on Linux 5.3 to 6.14 (or with CIMJOB_POSIX_NO_PIDFD_EXIT) they start it through a small
 *   **reaper stub**, a child of the library that never execs (no exit signal) and whose only
 *   child is the main process: the host cannot take the main process at all; the stub hands
 *   its true status to the library and reaps it when the library says so. This costs one more
 *   process (a fork of the host) per job (docs/performance.md);
 * - without pidfds (before Linux 5.3, or CIMJOB_POSIX_NO_PIDFD) a main process the host
 *   reaped ends the job in Exception with ErrorCode 255 ("the main process was reaped by
 *   someone else"). After that a process group is signalled only through pidfds of members
 *   proven to be in it, never by its ID.
 * What a host can still take: on 6.15 and later, and without pidfds, the main process of a
 * cgroup or pgroup job (see above); with waitpid(-1, __WALL) (rare) also the library's
 * children that have no exit signal (helper, stub, watchdog), but only once they have exited,
 * after they handed the status over. Only a stub killed from outside (SIGKILL, the OOM killer)
 * loses the job's status (ErrorCode 255); the library then signals the main process through
 * its pidfd only, and its group only through members proven by their own pidfds.
 * docs/teardown.md has the details.
 */
#ifndef CIMJOB_POSIX_H
#define CIMJOB_POSIX_H

#include "common.h"
#include "codes.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The version of cimjob_posix_config this header describes. */
#define CIMJOB_POSIX_CONFIG_VERSION 1

/** Flags of cimjob_posix_config: switch features off, mostly to test the fallbacks. */
enum cimjob_posix_flags {
    /**
     * Do not use pidfds even where the kernel has them: exits are observed with
     * waitid(P_PID, WNOHANG) on the job's own unreaped child at a 10 ms tick, and signals go to
     * that child by PID (safe: an unreaped child's PID cannot be reused).
     */
    CIMJOB_POSIX_NO_PIDFD = 1u << 0,
    /** Do not use clone3() (and so not CLONE_INTO_CGROUP): fork and join the cgroup by hand. */
    CIMJOB_POSIX_NO_CLONE3 = 1u << 1,
    /** Never pick a cgroup for CIMJOB_CONTAINMENT_AUTO (a forced cgroup still works). */
    CIMJOB_POSIX_NO_AUTO_CGROUP = 1u << 2,
    /**
     * Act as if the kernel could not keep a reaped process's exit status for its pidfd
     * (PIDFD_INFO_EXIT, Linux 6.15), as kernels before 6.15 cannot: cgroup and process-group
     * jobs then get the reaper stub described above, as they do there. For tests.
     */
    CIMJOB_POSIX_NO_PIDFD_EXIT = 1u << 3
};

/** How the posix backend behaves. Initialise with CIMJOB_POSIX_CONFIG_INIT. */
typedef struct cimjob_posix_config {
    unsigned int version; /**< CIMJOB_POSIX_CONFIG_VERSION. */
    /**
     * The cgroup v2 directory under which per-job cgroups are created (absolute path, must be
     * writable); NULL: the host process's own cgroup, found through /proc/self/cgroup and the
     * cgroup2 mount in /proc/self/mountinfo at the first cgroup job, kept for the registry's
     * life, and looked up again when creating a job cgroup under it fails. A few empty job
     * cgroups are kept there for reuse while the registry lives (see docs/teardown.md).
     */
    const char *cgroup_parent;
    unsigned int flags; /**< cimjob_posix_flags. */
    /**
     * How long Suspend waits for every process of the job to be frozen or stopped before it
     * answers CIMJOB_RC_TIMEOUT; 0: the default, 2 s.
     */
    uint64_t suspend_timeout_us;
} cimjob_posix_config;

/** Static initialiser for cimjob_posix_config with every default. */
#define CIMJOB_POSIX_CONFIG_INIT                                                                   \
    {                                                                                              \
        CIMJOB_POSIX_CONFIG_VERSION, NULL, 0, 0                                                    \
    }

/**
 * Initialise a posix backend configuration with every default (as CIMJOB_POSIX_CONFIG_INIT).
 *
 * @param config  the configuration to fill.
 * @param version CIMJOB_POSIX_CONFIG_VERSION.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER if @p config is NULL;
 *         CIMJOB_RC_INVALID_VERSION for an unknown @p version. Thread-safe.
 */
CIMJOB_EXTERN cimjob_rc cimjob_posix_config_init(cimjob_posix_config *config, unsigned int version);

/** Flags of cimjob_posix_signal(). */
enum cimjob_posix_signal_flags {
    /** Only the job's main process (as timeout(1) --foreground), not the rest of the job. */
    CIMJOB_POSIX_SIGNAL_MAIN = 1u << 0,
    /**
     * The main process and its process group only (as timeout(1) signals its command):
     * processes of the job that moved to another group or session (a daemon, a nested
     * timeout's job) are left alone.
     */
    CIMJOB_POSIX_SIGNAL_GROUP = 1u << 1
};

/**
 * Send a signal to the processes of a running job of the `posix` backend, without a state
 * change (a job control front end's SIGCONT, a timeout(1) that sends SIGINT or SIGHUP). With no
 * flag: every process of the job (its cgroup, or its process group and main process); with
 * CIMJOB_POSIX_SIGNAL_MAIN: the main process only; with CIMJOB_POSIX_SIGNAL_GROUP: the main
 * process and its process group. Only processes the job can prove it owns are signalled
 * (pidfds, an unreaped main process, the group of an unreaped leader; with subreaper
 * containment the job's helper, their parent, sends it, asynchronously). Use RequestStateChange
 * for Terminate, Kill, Suspend and resume: they keep JobState right. Thread-safe.
 *
 * @param job   the job.
 * @param sig   the signal number, 0 to probe.
 * @param flags cimjob_posix_signal_flags (at most one).
 * @return CIMJOB_RC_SUCCESS;
 *         CIMJOB_RC_INVALID_PARAMETER: NULL job, a signal outside 0..NSIG-1, an unknown flag,
 *         both flags;
 *         CIMJOB_RC_NOT_SUPPORTED: the job is not of the posix backend;
 *         CIMJOB_RC_INVALID_STATE: the job is not started or has ended, or, with
 *         CIMJOB_POSIX_SIGNAL_MAIN, its main process has exited;
 *         CIMJOB_RC_FAILED: the processes of the job's cgroup could not be listed.
 */
CIMJOB_EXTERN cimjob_rc cimjob_posix_signal(cimjob_job *job, int sig, unsigned int flags);

/**
 * Reap what jobs of the `posix` backend left behind when they were released before their
 * processes could be reaped: cimjob_registry_free() waits for the jobs it kills only up to its
 * bound (kill_timeout_us, once for the whole call), and a process that cannot die yet (in D
 * state, blocked in the kernel on a hung NFS or FUSE server or a device; a zombie whose ptrace
 * tracer has not waited for it) outlives that wait. Such a job's main process (cgroup and
 * process-group containment) or helper (subreaper containment) is still a child of the host
 * process: the library keeps it, with a job cgroup that still holds processes, on a
 * process-wide list, and reaps the child and removes the cgroup as soon as they are gone. That
 * happens by itself, without blocking, at every dispatch, creation or free of any posix
 * registry of the process; a host that frees its last registry and runs on (or is about to
 * exit and wants no zombie left) calls this. No thread, no signal handler, no waitpid(-1): each
 * child is waited for by its own pidfd or PID. A subreaper job's helper needs nothing meanwhile:
 * it keeps killing and reaping the job's tree and exits when the tree is gone. Thread-safe.
 *
 * @param timeout_us how long to wait for what is left, in microseconds: 0 only looks, a
 *                   negative value waits as long as it takes. While it waits it looks again
 *                   every 10 ms.
 * @param left       receives how many processes and job cgroups are still left (may be NULL).
 * @return CIMJOB_RC_SUCCESS: nothing is left (also when nothing ever was);
 *         CIMJOB_RC_TIMEOUT: something is still left after @p timeout_us (call again later);
 *         CIMJOB_RC_NOT_SUPPORTED: called in a child after fork() while the list holds
 *         something: it is the parent's, and nothing of it is touched.
 */
CIMJOB_EXTERN cimjob_rc cimjob_posix_reap_released(int64_t timeout_us, size_t *left);

#ifdef __cplusplus
}
#endif

#endif /* CIMJOB_POSIX_H */

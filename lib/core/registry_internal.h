/* What the registry*.c files share with each other (the rest of the core sees internal.h). */
#ifndef CIMJOB_CORE_REGISTRY_INTERNAL_H
#define CIMJOB_CORE_REGISTRY_INTERNAL_H

#include "internal.h"

/* registry.c: this thread's depth of dispatch with a pump held; an exit observed there only
 * queues its event, delivered once the pump is given up. */
extern _Thread_local int cimjob__reg_pumping;
/* Bump seq and wake waiters and a backend wait; with reg->lock held. */
void cimjob__reg_poke_locked(cimjob_registry *reg);

/* registry_timer.c: run the timers that are due (the pump held, no lock). */
void cimjob__reg_run_timers(cimjob_registry *reg);
/* The monotonic deadline of the next timer, or -1 (the host's next_deadline; core: the
 * registry). */
int64_t cimjob__reg_next_deadline(void *core);

#endif

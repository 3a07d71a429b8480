/*
 * lgx_partq: the events of one partition between poll and commit.
 *
 * Events are pushed in offset order. An event runs only when no earlier
 * event of the same entity key is still waiting to run (order per entity);
 * events of other keys go on. An event whose precondition is missing is
 * held until its recheck time; later events of its key are still tried in
 * order, because one of them may be the missing prerequisite (a label
 * arriving after the dispatch that needs it); when one of them finishes,
 * the held events of that key are rechecked at once, oldest first. The
 * commit offset is the first unfinished offset, so nothing is committed
 * past an event that has not reached an end state, whatever finished
 * after it.
 *
 * Events run by an executor with several calls in flight are started
 * (lgx_partq_start) before they are handed out and end done, held or
 * back to waiting (lgx_partq_again). A started event is not handed out
 * again, and while it runs no other event of its key is (neither a later
 * one nor an earlier held one due for its recheck): one event per entity
 * at a time, in offset order. Finishing out of order is fine: the commit
 * offset still stops at the first unfinished event.
 *
 * Pure bookkeeping, no Kafka and no I/O: unit-tested alone.
 */
#ifndef LGX_PARTQ_H
#define LGX_PARTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lgx_err.h"

typedef struct lgx_partq_s lgx_partq_t;

/* Returns an empty queue, or NULL when out of memory. */
lgx_partq_t *lgx_partq_new(void);
/* Frees the queue; free_item (may be NULL) is called on every item left. */
void lgx_partq_destroy(lgx_partq_t *q, void (*free_item)(void *item));

/* Appends an event. offset must be greater than every offset pushed
 * before; key (copied; NULL or "" = no key: ordered only by itself) is the
 * entity key. item is the caller's, handed back by next and pop. */
lgx_err_t lgx_partq_push(lgx_partq_t *q, int64_t offset, const char *key,
                         void *item) LGX_MUST_CHECK;

/* The oldest event that may run at now_ms: not finished, not started, no
 * earlier event of its key waiting to run, no event of its key started,
 * and not held beyond now_ms. NULL if none. */
void *lgx_partq_next(lgx_partq_t *q, int64_t now_ms, int64_t *offset);

/* Marks the event at offset started (handed to a worker): next skips it
 * and every other event of its key until it is done, held or again.
 * LGX_ERR_INVALID when it is not there or already started or done,
 * LGX_ERR_NOMEM (nothing changed) when out of memory. */
lgx_err_t lgx_partq_start(lgx_partq_t *q, int64_t offset) LGX_MUST_CHECK;
/* A started event that did not finish (a retriable failure): waiting to
 * run again, before the later events of its key. */
void lgx_partq_again(lgx_partq_t *q, int64_t offset);
/* Marks the event at offset finished (an end state). */
void lgx_partq_done(lgx_partq_t *q, int64_t offset);
/* Marks it held until recheck_ms: it runs again from then on. */
void lgx_partq_hold(lgx_partq_t *q, int64_t offset, int64_t recheck_ms);

/* True when an event before offset, of its key, is held and match (may be
 * NULL: any) says yes to its item. */
bool lgx_partq_held_earlier(const lgx_partq_t *q, int64_t offset,
                            bool (*match)(const void *item, const void *arg),
                            const void *arg);

/* Removes finished events from the head, handing each to pop_item (may
 * be NULL), and returns the offset to commit (the next offset to read), or
 * -1 when nothing finished since the last call. */
int64_t lgx_partq_pop(lgx_partq_t *q, void (*pop_item)(void *item));

/* The offset of the oldest event not yet popped, or -1 when none. */
int64_t lgx_partq_head(const lgx_partq_t *q);

/* Events not yet popped, how many of them are held, and how many are
 * started. */
size_t lgx_partq_len(const lgx_partq_t *q);
size_t lgx_partq_held(const lgx_partq_t *q);
size_t lgx_partq_started(const lgx_partq_t *q);
/* Earliest recheck time of a held event, or INT64_MAX. */
int64_t lgx_partq_next_recheck(const lgx_partq_t *q);

#endif

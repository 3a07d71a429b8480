/*
 * lgx_holds: when the held events of one partition were first held, kept
 * across restarts in the metadata of the group's offset commit.
 *
 * A held event blocks the commit of its partition: after a restart (or on
 * the partition's next owner) it is read again from the committed offset.
 * Its hold deadline counts from when it was first held, not from the
 * restart, because each commit carries "lgx-holds/1 <offset>@<ms> ..." for
 * every held event at or after the committed offset, and an assignment
 * reads it back. Offsets are immutable in a partition, so an offset names
 * one event for as long as the topic lives.
 *
 * Pure: no Kafka here. Not thread-safe: one set per partition, used by the
 * consumer's main thread.
 */
#ifndef LGX_HOLDS_H
#define LGX_HOLDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lgx_err.h"

/* The most an encoding takes: Kafka's default offset.metadata.max.bytes
 * is 4096, and a commit whose metadata is larger is refused whole. */
#define LGX_HOLDS_META_MAX 4000

typedef struct lgx_holds_s lgx_holds_t;

/* Returns an empty set, or NULL when out of memory. */
lgx_holds_t *lgx_holds_new(void);
/* Frees the set; NULL does nothing. */
void lgx_holds_destroy(lgx_holds_t *h);

/* When the event at offset was first held: the time kept for it, or now,
 * which is then kept. Out of memory, now is returned and nothing kept. */
int64_t lgx_holds_since(lgx_holds_t *h, int64_t offset, int64_t now_ms);
/* Forgets the event at offset (it finished); true if it was kept. */
bool lgx_holds_forget(lgx_holds_t *h, int64_t offset);
/* Forgets every event before offset (committed past them). */
void lgx_holds_forget_before(lgx_holds_t *h, int64_t offset);
size_t lgx_holds_count(const lgx_holds_t *h);

/* Writes the commit metadata of the events kept, in offset order, into
 * buf (NUL-terminated; size at least 16). Returns how many did not fit in
 * size or LGX_HOLDS_META_MAX bytes (they would be held from the next
 * start again). */
size_t lgx_holds_encode(const lgx_holds_t *h, char *buf, size_t size);
/* Adds what metadata (len bytes, not NUL-terminated) keeps. Metadata that
 * is not lgx's (empty, another client's) adds nothing and is LGX_OK;
 * LGX_ERR_DECODE when it is lgx's but broken (what came before the fault
 * is kept), LGX_ERR_NOMEM when out of memory. */
lgx_err_t lgx_holds_decode(lgx_holds_t *h, const char *meta,
                           size_t len) LGX_MUST_CHECK;

#endif

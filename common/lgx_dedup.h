/*
 * lgx_dedup: a bounded window of recently seen event ids.
 *
 * Two generations of at most `capacity` ids each: when the current one is
 * full it becomes the previous one and the oldest generation is dropped, so
 * memory stays bounded and the window always holds at least the last
 * `capacity` ids. Ids are kept as 64-bit FNV-1a hashes.
 *
 * This is the in-memory layer, for redeliveries seen by this process; the
 * durable layer that survives restarts lives in Odoo.
 */
#ifndef LGX_DEDUP_H
#define LGX_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lgx_dedup_s lgx_dedup_t;

/* Returns a window for at least capacity ids, or NULL when out of memory. */
lgx_dedup_t *lgx_dedup_new(size_t capacity);
void lgx_dedup_destroy(lgx_dedup_t *d);

/* True when id (len bytes) is in the window. */
bool lgx_dedup_seen(const lgx_dedup_t *d, const char *id, size_t len);
/* Adds id to the window (no effect if already there). */
void lgx_dedup_add(lgx_dedup_t *d, const char *id, size_t len);

/* 64-bit FNV-1a of data; never returns 0. */
uint64_t lgx_dedup_hash(const void *data, size_t len);

#endif

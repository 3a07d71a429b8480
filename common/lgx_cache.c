#include "lgx_cache.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgx_dedup.h"

/* Entries live in a fixed array, linked into hash chains and into one
 * doubly linked recency list (head = most recent). Indexes, -1 = none. */
typedef struct entry {
    char *key;
    int64_t id;
    int64_t at_ms;
    long next_in_bucket;
    long prev, next;
} entry_t;

struct lgx_cache_s {
    entry_t *entries;
    long *buckets;
    size_t n_buckets;
    size_t capacity;
    size_t size;
    long head, tail;
    long free_list; /* unused entries chained through next_in_bucket */
    int64_t ttl_ms;
    uint64_t hits, misses;
};

lgx_cache_t *lgx_cache_new(size_t capacity, int64_t ttl_ms)
{
    lgx_cache_t *c = calloc(1, sizeof(*c));
    if (!c) {
        return NULL;
    }
    c->capacity = capacity ? capacity : 1;
    c->n_buckets = 16;
    while (c->n_buckets < c->capacity) {
        c->n_buckets *= 2;
    }
    c->entries = calloc(c->capacity, sizeof(*c->entries));
    c->buckets = malloc(c->n_buckets * sizeof(*c->buckets));
    if (!c->entries || !c->buckets) {
        lgx_cache_destroy(c);
        return NULL;
    }
    for (size_t i = 0; i < c->n_buckets; i++) {
        c->buckets[i] = -1;
    }
    for (size_t i = 0; i < c->capacity; i++) {
        c->entries[i].next_in_bucket = i + 1 < c->capacity ? (long)i + 1 : -1;
    }
    c->free_list = 0;
    c->head = c->tail = -1;
    c->ttl_ms = ttl_ms;
    return c;
}

void lgx_cache_destroy(lgx_cache_t *c)
{
    if (!c) {
        return;
    }
    for (size_t i = 0; c->entries && i < c->capacity; i++) {
        free(c->entries[i].key);
    }
    free(c->entries);
    free(c->buckets);
    free(c);
}

static size_t bucket_of(const lgx_cache_t *c, const char *key)
{
    return lgx_dedup_hash(key, strlen(key)) & (c->n_buckets - 1);
}

static long find(const lgx_cache_t *c, const char *key)
{
    for (long i = c->buckets[bucket_of(c, key)]; i >= 0;
         i = c->entries[i].next_in_bucket) {
        if (strcmp(c->entries[i].key, key) == 0) {
            return i;
        }
    }
    return -1;
}

static void list_unlink(lgx_cache_t *c, long i)
{
    entry_t *e = &c->entries[i];
    if (e->prev >= 0) {
        c->entries[e->prev].next = e->next;
    } else {
        c->head = e->next;
    }
    if (e->next >= 0) {
        c->entries[e->next].prev = e->prev;
    } else {
        c->tail = e->prev;
    }
}

static void list_push_front(lgx_cache_t *c, long i)
{
    entry_t *e = &c->entries[i];
    e->prev = -1;
    e->next = c->head;
    if (c->head >= 0) {
        c->entries[c->head].prev = i;
    }
    c->head = i;
    if (c->tail < 0) {
        c->tail = i;
    }
}

/* Removes entry i from its chain and the list and frees its slot. */
static void drop(lgx_cache_t *c, long i)
{
    entry_t *e = &c->entries[i];
    long *link = &c->buckets[bucket_of(c, e->key)];
    while (*link != i) {
        link = &c->entries[*link].next_in_bucket;
    }
    *link = e->next_in_bucket;
    list_unlink(c, i);
    free(e->key);
    e->key = NULL;
    e->next_in_bucket = c->free_list;
    c->free_list = i;
    c->size--;
}

bool lgx_cache_get(lgx_cache_t *c, const char *key, int64_t now_ms, int64_t *id)
{
    long i = find(c, key);
    if (i >= 0 && now_ms - c->entries[i].at_ms > c->ttl_ms) {
        drop(c, i);
        i = -1;
    }
    if (i < 0) {
        c->misses++;
        return false;
    }
    list_unlink(c, i);
    list_push_front(c, i);
    *id = c->entries[i].id;
    c->hits++;
    return true;
}

void lgx_cache_put(lgx_cache_t *c, const char *key, int64_t id, int64_t now_ms)
{
    long i = find(c, key);
    if (i >= 0) {
        c->entries[i].id = id;
        c->entries[i].at_ms = now_ms;
        list_unlink(c, i);
        list_push_front(c, i);
        return;
    }
    char *copy = strdup(key);
    if (!copy) {
        return; /* a cache may forget */
    }
    if (c->free_list < 0) {
        drop(c, c->tail);
    }
    i = c->free_list;
    entry_t *e = &c->entries[i];
    c->free_list = e->next_in_bucket;
    e->key = copy;
    e->id = id;
    e->at_ms = now_ms;
    size_t b = bucket_of(c, key);
    e->next_in_bucket = c->buckets[b];
    c->buckets[b] = i;
    list_push_front(c, i);
    c->size++;
}

void lgx_cache_forget(lgx_cache_t *c, const char *key)
{
    long i = find(c, key);
    if (i >= 0) {
        drop(c, i);
    }
}

uint64_t lgx_cache_hits(const lgx_cache_t *c)
{
    return c->hits;
}

uint64_t lgx_cache_misses(const lgx_cache_t *c)
{
    return c->misses;
}

size_t lgx_cache_size(const lgx_cache_t *c)
{
    return c->size;
}

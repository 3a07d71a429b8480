/*
 * lgx_consumer_part: the assigned partitions, their offsets and commits, the
 * holds restored from the group's commits. Main thread. Private to the
 * consumer runtime (lgx_consumer_state.h).
 */
#ifndef LGX_CONSUMER_PART_H
#define LGX_CONSUMER_PART_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

#include "lgx_consumer_state.h"

void consumer_part_add(consumer_t *c, int32_t partition);
void consumer_part_clear(part_t *p);
void consumer_part_remove(consumer_t *c, int32_t partition);
/* Commits what is finished; sync waits for the broker's answer. */
void consumer_commit(consumer_t *c, bool sync);
/* --from-timestamp for the newly assigned parts. */
void consumer_start_from_time(consumer_t *c,
                              rd_kafka_topic_partition_list_t *parts);
/* The group's commits and held times of the newly assigned parts. */
void consumer_restore_holds(consumer_t *c,
                            const rd_kafka_topic_partition_list_t *parts);
bool consumer_all_at_end(const consumer_t *c);
/* Stops or restarts fetching a partition (backpressure). */
void consumer_fetch_pause(consumer_t *c, part_t *p, bool pause);
/* Stores the offset below which everything of p is finished. */
void consumer_store_finished(consumer_t *c, part_t *p);

#endif

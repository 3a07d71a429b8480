/*
 * lgx-replay: moves a consumer group's committed offsets for a topic back
 * (or forward) to a point in time, to given offsets, or to the beginning,
 * for all or some partitions, so that the group's consumers read those
 * events again. lgx applies a replayed event at most once in effect: what
 * was applied is found applied (stale, duplicate) and changes nothing.
 *
 *   lgx-replay --group lgx-picks --topic lgx.picks \
 *       --to-timestamp 2026-11-27T06:00:00Z [--partitions 0,2] [--dry-run]
 *
 * It refuses while the group has active members (stop its consumers
 * first), because a running consumer would overwrite the offsets with its
 * own commits. --dry-run reports per partition how many events would be
 * read again and changes nothing.
 *
 * Exit codes: 0 done (or dry run), 1 refused or failed, 2 bad usage.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_avro.h"
#include "lgx_config.h"
#include "lgx_kafka.h"
#include "lgx_log.h"
#include "lgx_time.h"

#define MAX_PARTS 1024
#define TIMEOUT_MS 15000

typedef struct replay_conf {
    char *brokers;
    char *group;
    char *topic;
    char *to_timestamp;
    char *to_offsets;
    bool to_earliest;
    char *partitions;
    bool dry_run;
    char **kafka_props;
} replay_conf_t;

#define OFF(f) offsetof(replay_conf_t, f)

static const lgx_opt_t replay_opts[] = {
    {"brokers", LGX_OPT_STR, "127.0.0.1:9092", OFF(brokers),
     "Kafka bootstrap servers", NULL, 0},
    {"group", LGX_OPT_STR, NULL, OFF(group),
     "Consumer group whose offsets move (e.g. lgx-picks)", NULL,
     LGX_OPT_REQUIRED},
    {"topic", LGX_OPT_STR, NULL, OFF(topic), "Topic (e.g. lgx.picks)", NULL,
     LGX_OPT_REQUIRED},
    {"to-timestamp", LGX_OPT_STR, NULL, OFF(to_timestamp),
     "Move to the first event at or after this time (ISO 8601 UTC, or "
     "epoch ms)",
     NULL, 0},
    {"to-offsets", LGX_OPT_STR, NULL, OFF(to_offsets),
     "Move to these offsets: partition:offset,...", NULL, 0},
    {"to-earliest", LGX_OPT_BOOL, "false", OFF(to_earliest),
     "Move to the beginning of every chosen partition", NULL, 0},
    {"partitions", LGX_OPT_STR, NULL, OFF(partitions),
     "Only these partitions (comma-separated); default all", NULL, 0},
    {"dry-run", LGX_OPT_BOOL, "false", OFF(dry_run),
     "Report what would be read again; change nothing", NULL, 0},
    {"kafka", LGX_OPT_PROPS, NULL, OFF(kafka_props),
     "Any librdkafka setting, e.g. --kafka.security.protocol=SSL", NULL, 0},
    LGX_OPT_END};

typedef struct part {
    int32_t id;
    int64_t low, high; /* watermarks */
    int64_t committed; /* -1: none */
    int64_t target;
} part_t;

typedef struct replay {
    lgx_kafka_owner_t owner; /* first: the log callback finds it */
    const replay_conf_t *conf;
    rd_kafka_t *rk;
    part_t parts[MAX_PARTS];
    size_t n;
} replay_t;

/* Waits for one admin result on q. */
static rd_kafka_event_t *wait_result(rd_kafka_queue_t *q)
{
    return rd_kafka_queue_poll(q, TIMEOUT_MS + 5000);
}

/* Members of the group; -1 when it cannot be told. */
static long group_members(replay_t *r)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(r->rk);
    const char *groups[] = {r->conf->group};
    rd_kafka_DescribeConsumerGroups(r->rk, groups, 1, NULL, q);
    rd_kafka_event_t *ev = wait_result(q);
    long members = -1;
    const rd_kafka_DescribeConsumerGroups_result_t *res =
        ev ? rd_kafka_event_DescribeConsumerGroups_result(ev) : NULL;
    size_t cnt = 0;
    const rd_kafka_ConsumerGroupDescription_t **descs =
        res ? rd_kafka_DescribeConsumerGroups_result_groups(res, &cnt) : NULL;
    if (descs && cnt == 1 &&
        !rd_kafka_ConsumerGroupDescription_error(descs[0])) {
        members =
            (long)rd_kafka_ConsumerGroupDescription_member_count(descs[0]);
    }
    if (ev) {
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_queue_destroy(q);
    return members;
}

static bool wanted(const replay_conf_t *c, int32_t id)
{
    if (!c->partitions) {
        return true;
    }
    const char *p = c->partitions;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end != p && v == id) {
            return true;
        }
        p = *end ? end + 1 : end;
    }
    return false;
}

/* The topic's partitions and their watermarks. */
static bool load_partitions(replay_t *r)
{
    rd_kafka_topic_t *t = rd_kafka_topic_new(r->rk, r->conf->topic, NULL);
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(r->rk, 0, t, &md, TIMEOUT_MS);
    rd_kafka_topic_destroy(t);
    if (!err && (md->topic_cnt != 1 || md->topics[0].err)) {
        err = md->topic_cnt ? md->topics[0].err
                            : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    }
    if (err) {
        fprintf(stderr, "lgx-replay: topic %s: %s\n", r->conf->topic,
                rd_kafka_err2str(err));
        if (md) {
            rd_kafka_metadata_destroy(md);
        }
        return false;
    }
    for (int i = 0; i < md->topics[0].partition_cnt && r->n < MAX_PARTS; i++) {
        int32_t id = md->topics[0].partitions[i].id;
        if (!wanted(r->conf, id)) {
            continue;
        }
        part_t *p = &r->parts[r->n++];
        p->id = id;
        p->committed = -1;
        rd_kafka_query_watermark_offsets(r->rk, r->conf->topic, id, &p->low,
                                         &p->high, TIMEOUT_MS);
    }
    rd_kafka_metadata_destroy(md);
    return r->n > 0;
}

static rd_kafka_topic_partition_list_t *as_list(const replay_t *r,
                                                bool with_target)
{
    rd_kafka_topic_partition_list_t *l =
        rd_kafka_topic_partition_list_new((int)r->n);
    for (size_t i = 0; i < r->n; i++) {
        rd_kafka_topic_partition_list_add(l, r->conf->topic, r->parts[i].id)
            ->offset =
            with_target ? r->parts[i].target : RD_KAFKA_OFFSET_INVALID;
    }
    return l;
}

static part_t *find(replay_t *r, int32_t id)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->parts[i].id == id) {
            return &r->parts[i];
        }
    }
    return NULL;
}

/* The group's committed offsets. */
static bool load_committed(replay_t *r)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(r->rk);
    rd_kafka_ListConsumerGroupOffsets_t *req =
        rd_kafka_ListConsumerGroupOffsets_new(r->conf->group,
                                              as_list(r, false));
    rd_kafka_ListConsumerGroupOffsets(r->rk, &req, 1, NULL, q);
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    rd_kafka_event_t *ev = wait_result(q);
    const rd_kafka_ListConsumerGroupOffsets_result_t *res =
        ev ? rd_kafka_event_ListConsumerGroupOffsets_result(ev) : NULL;
    size_t cnt = 0;
    const rd_kafka_group_result_t **groups =
        res ? rd_kafka_ListConsumerGroupOffsets_result_groups(res, &cnt) : NULL;
    bool ok = groups && cnt == 1 && !rd_kafka_group_result_error(groups[0]);
    const rd_kafka_topic_partition_list_t *l =
        ok ? rd_kafka_group_result_partitions(groups[0]) : NULL;
    for (int i = 0; l && i < l->cnt; i++) {
        part_t *p = find(r, l->elems[i].partition);
        if (p && l->elems[i].offset >= 0) {
            p->committed = l->elems[i].offset;
        }
    }
    if (!ok) {
        fprintf(stderr, "lgx-replay: cannot read the offsets of group %s\n",
                r->conf->group);
    }
    if (ev) {
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_queue_destroy(q);
    return ok;
}

/* Fills every partition's target from the chosen option. */
static bool compute_targets(replay_t *r)
{
    const replay_conf_t *c = r->conf;
    if (c->to_earliest) {
        for (size_t i = 0; i < r->n; i++) {
            r->parts[i].target = r->parts[i].low;
        }
        return true;
    }
    if (c->to_offsets) {
        for (size_t i = 0; i < r->n; i++) {
            r->parts[i].target = -1;
        }
        const char *p = c->to_offsets;
        while (*p) {
            char *end;
            long id = strtol(p, &end, 10);
            if (*end != ':') {
                return false;
            }
            long long off = strtoll(end + 1, &end, 10);
            part_t *pt = find(r, (int32_t)id);
            if (pt) {
                pt->target = off;
            }
            p = *end == ',' ? end + 1 : end;
            if (*end && *end != ',') {
                return false;
            }
        }
        return true;
    }
    int64_t ms = 0;
    if (lgx_time_parse(c->to_timestamp, &ms) != LGX_OK) {
        return false;
    }
    rd_kafka_topic_partition_list_t *l = as_list(r, false);
    for (int i = 0; i < l->cnt; i++) {
        l->elems[i].offset = ms;
    }
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(r->rk, l, TIMEOUT_MS);
    for (int i = 0; !err && i < l->cnt; i++) {
        part_t *p = find(r, l->elems[i].partition);
        /* -1: no event that late: the end of the partition. */
        p->target = l->elems[i].offset >= 0 ? l->elems[i].offset : p->high;
    }
    rd_kafka_topic_partition_list_destroy(l);
    return !err;
}

static void report(const replay_t *r, bool dry)
{
    long long total = 0;
    printf("%-9s %10s %10s %10s %12s\n", "partition", "committed", "target",
           "end", "read again");
    for (size_t i = 0; i < r->n; i++) {
        const part_t *p = &r->parts[i];
        if (p->target < 0) {
            continue;
        }
        int64_t from = p->committed >= 0 ? p->committed : p->high;
        long long again = from > p->target ? (long long)(from - p->target) : 0;
        total += again;
        printf("%-9d %10lld %10lld %10lld %12lld\n", (int)p->id,
               (long long)p->committed, (long long)p->target,
               (long long)p->high, again);
    }
    printf(dry ? "dry run: %lld event(s) of %s would be read again by group "
                 "%s\n"
               : "replay: %lld event(s) of %s will be read again by group %s\n",
           total, r->conf->topic, r->conf->group);
}

static bool alter(replay_t *r)
{
    rd_kafka_topic_partition_list_t *l =
        rd_kafka_topic_partition_list_new((int)r->n);
    for (size_t i = 0; i < r->n; i++) {
        if (r->parts[i].target >= 0) {
            rd_kafka_topic_partition_list_add(l, r->conf->topic, r->parts[i].id)
                ->offset = r->parts[i].target;
        }
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(r->rk);
    rd_kafka_AlterConsumerGroupOffsets_t *req =
        rd_kafka_AlterConsumerGroupOffsets_new(r->conf->group, l);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_AlterConsumerGroupOffsets(r->rk, &req, 1, NULL, q);
    rd_kafka_AlterConsumerGroupOffsets_destroy(req);
    rd_kafka_event_t *ev = wait_result(q);
    const rd_kafka_AlterConsumerGroupOffsets_result_t *res =
        ev ? rd_kafka_event_AlterConsumerGroupOffsets_result(ev) : NULL;
    size_t cnt = 0;
    const rd_kafka_group_result_t **groups =
        res ? rd_kafka_AlterConsumerGroupOffsets_result_groups(res, &cnt)
            : NULL;
    bool ok = groups && cnt == 1 && !rd_kafka_group_result_error(groups[0]);
    const rd_kafka_topic_partition_list_t *out =
        ok ? rd_kafka_group_result_partitions(groups[0]) : NULL;
    for (int i = 0; out && i < out->cnt; i++) {
        if (out->elems[i].err) {
            fprintf(stderr, "lgx-replay: partition %d: %s\n",
                    (int)out->elems[i].partition,
                    rd_kafka_err2str(out->elems[i].err));
            ok = false;
        }
    }
    if (!groups || cnt != 1) {
        fprintf(stderr, "lgx-replay: no answer from the group coordinator\n");
    } else if (rd_kafka_group_result_error(groups[0])) {
        fprintf(stderr, "lgx-replay: %s\n",
                rd_kafka_error_string(rd_kafka_group_result_error(groups[0])));
    }
    if (ev) {
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_queue_destroy(q);
    return ok;
}

static int run(const replay_conf_t *c, lgx_log_t *log)
{
    char errstr[512];
    replay_t *r = calloc(1, sizeof(*r));
    if (!r) {
        return 1;
    }
    r->owner.log = log;
    r->conf = c;
    int code = 1;
    rd_kafka_conf_t *kc = lgx_kafka_conf_new(c->brokers, c->kafka_props,
                                             &r->owner, errstr, sizeof(errstr));
    if (!kc || !(r->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr,
                                      sizeof(errstr)))) {
        fprintf(stderr, "lgx-replay: %s\n", errstr);
        if (kc) {
            rd_kafka_conf_destroy(kc);
        }
        free(r);
        return 2;
    }
    long members = group_members(r);
    if (members != 0) {
        fprintf(stderr,
                members > 0
                    ? "lgx-replay: group %s has %ld active member(s); stop "
                      "its consumers first\n"
                    : "lgx-replay: cannot describe group %s (%ld)\n",
                c->group, members);
    } else if (!load_partitions(r) || !load_committed(r)) {
        code = 1;
    } else if (!compute_targets(r)) {
        fprintf(stderr, "lgx-replay: bad --to-timestamp or --to-offsets\n");
        code = 2;
    } else {
        report(r, c->dry_run);
        code = c->dry_run || alter(r) ? 0 : 1;
    }
    rd_kafka_destroy(r->rk);
    free(r);
    return code;
}

extern char **environ;

int main(int argc, char **argv)
{
    replay_conf_t c;
    lgx_kafka_secrets_t secrets;
    memset(&c, 0, sizeof(c));
    memset(&secrets, 0, sizeof(secrets));
    lgx_config_section_t sections[] = {
        {"lgx-replay", replay_opts, &c},
        {"Kafka secrets", lgx_kafka_secret_opts, &secrets}};
    char errstr[512];
    int code = 2;
    lgx_err_t rc = lgx_config_load(
        sections, 2, "lgx-replay",
        "Moves a consumer group's offsets for a topic to a time, to given "
        "offsets or to the beginning, so the group reads those events again.",
        argc, argv, environ, errstr, sizeof(errstr));
    if (rc == LGX_OK) {
        rc = lgx_kafka_secrets_add(&secrets, &c.kafka_props, errstr,
                                   sizeof(errstr));
    }
    int targets = (c.to_timestamp != NULL) + (c.to_offsets != NULL) +
                  (c.to_earliest ? 1 : 0);
    if (rc == LGX_ERR_HELP) {
        code = 0;
    } else if (rc != LGX_OK) {
        fprintf(stderr, "lgx-replay: %s\n", errstr);
    } else if (targets != 1) {
        fprintf(stderr, "lgx-replay: give exactly one of --to-timestamp, "
                        "--to-offsets, --to-earliest\n");
    } else {
        lgx_log_t *log = lgx_log_new("lgx-replay", LGX_LOG_WARN, stderr);
        code = log ? run(&c, log) : 1;
        lgx_log_destroy(log);
    }
    lgx_config_free(sections, 2);
    return code;
}

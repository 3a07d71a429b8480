/*
 * lgx_rules_int: the rules as loaded, shared by the files of lgx_rules and
 * private to them:
 *   lgx_rules.c       the file: loading, each event type's rule, one owner
 *                     per field and business method
 *   lgx_rules_map.c   the mapping section: the partners' codes, read and
 *                     looked up
 *   lgx_rules_eval.c  a rule asked about one event: source, targets,
 *                     status, time, shortage
 */
#ifndef LGX_RULES_INT_H
#define LGX_RULES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "lgx_err.h"
#include "lgx_rules.h"

#define MAX_ITEMS 64

typedef struct list {
    char *items[MAX_ITEMS];
    size_t n;
} list_t;

struct lgx_rule_s {
    char *event_type;
    list_t sources, writes, calls, apply_in, hold_in, stale_in;
    int64_t hold_ms;
    bool create_lots; /* a picked lot Odoo lacks is created (stock.lot) */
    /* shortage policies by source pattern, first match wins */
    char *shortage_src[MAX_ITEMS];
    lgx_shortage_t shortage[MAX_ITEMS];
    size_t n_shortage;
};

/* A section of "mapping" (lgx_rules_map.c). */
typedef struct mapping mapping_t;

struct lgx_rules_s {
    lgx_rule_t *rules;
    size_t n;
    list_t shared; /* targets several source families may touch */
    int64_t clock_skew_ms;
    mapping_t *mappings; /* in file order: the first match wins */
    size_t n_mappings;
};

/* Whether s is one of l's items. */
bool rules_list_has(const list_t *l, const char *s);

/* Writes the n items (all up to NULL when n is SIZE_MAX) as "a, b and c"
 * (last: "and" or "or") into out. */
void rules_join(const char *const *items, size_t n, const char *last, char *out,
                size_t size);

/* Reads "mapping" (v, the file's value) into r->mappings; on an error,
 * what was read so far stays for rules_free_mapping. */
lgx_err_t rules_read_mapping(lgx_rules_t *r, yajl_val v, char *errstr,
                             size_t size);
/* Frees r->mappings and what each holds. */
void rules_free_mapping(lgx_rules_t *r);

#endif

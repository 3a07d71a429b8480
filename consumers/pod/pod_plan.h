/*
 * pod_plan: the pure part of lgx-pod. The input limits of a proof of
 * delivery, its lines' sanity, and the customer-service activity for the
 * lines delivered short or damaged. No I/O: unit-tested without Odoo.
 */
#ifndef POD_PLAN_H
#define POD_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "lgx_buf.h"
#include "lgx_err.h"

#define POD_MAX_LINES 1000
#define POD_MAX_SIGNATURE (1024 * 1024) /* bytes of the raw image */

/* One line of a proof of delivery; strings are borrowed. */
typedef struct pod_line {
    const char *code;  /* product default_code */
    double expected;   /* expected_qty */
    double delivered;  /* delivered_qty */
    const char *issue; /* PodIssue symbol: SHORTAGE, DAMAGE, NONE */
} pod_line_t;

/* Checks the sizes before anything is read: at most POD_MAX_LINES lines
 * (else reason "too_many_lines") and a signature of at most
 * POD_MAX_SIGNATURE bytes ("signature_too_large"). On false reason and
 * msg say why. */
bool pod_check_limits(size_t n_lines, size_t signature_len, char *reason,
                      size_t reason_size, char *msg, size_t msg_size);

/* Checks each line: a product code, an issue, quantities finite and not
 * negative (else reason "missing_field" or "invalid_field"). */
bool pod_check_lines(const pod_line_t *lines, size_t n, char *reason,
                     size_t reason_size, char *msg, size_t msg_size);

/* True for a line customer service must look at (SHORTAGE or DAMAGE). */
bool pod_line_has_issue(const pod_line_t *line);

/* The number of such lines. */
size_t pod_count_issues(const pod_line_t *lines, size_t n);

/* The activity for picking: summary "Delivery issue on <picking>: N
 * line(s) short or damaged" and the plain text listing them ("CODE:
 * SHORTAGE, expected 5, delivered 3; ..."), into summary and text (reset
 * first). Call only when pod_count_issues is not 0. */
lgx_err_t pod_issues(lgx_buf_t *summary, lgx_buf_t *text, const char *picking,
                     const pod_line_t *lines, size_t n) LGX_MUST_CHECK;

#endif

#include "pod_plan.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

bool pod_check_limits(size_t n_lines, size_t signature_len, char *reason,
                      size_t rsize, char *msg, size_t msize)
{
    if (n_lines > POD_MAX_LINES) {
        snprintf(reason, rsize, "too_many_lines");
        snprintf(msg, msize, "%zu lines; at most %d", n_lines, POD_MAX_LINES);
        return false;
    }
    if (signature_len > POD_MAX_SIGNATURE) {
        snprintf(reason, rsize, "signature_too_large");
        snprintf(msg, msize, "signature of %zu bytes; at most %d",
                 signature_len, POD_MAX_SIGNATURE);
        return false;
    }
    return true;
}

static bool quantity_ok(double q)
{
    return isfinite(q) && q >= 0;
}

bool pod_check_lines(const pod_line_t *lines, size_t n, char *reason,
                     size_t rsize, char *msg, size_t msize)
{
    for (size_t i = 0; i < n; i++) {
        const pod_line_t *l = &lines[i];
        if (!l->code || !l->code[0] || !l->issue) {
            snprintf(reason, rsize, "missing_field");
            snprintf(msg, msize, "line %zu lacks product_code or issue", i + 1);
            return false;
        }
        if (!quantity_ok(l->expected) || !quantity_ok(l->delivered)) {
            snprintf(reason, rsize, "invalid_field");
            snprintf(msg, msize,
                     "line %zu (%s): quantities must be finite and >= 0", i + 1,
                     l->code);
            return false;
        }
    }
    return true;
}

bool pod_line_has_issue(const pod_line_t *line)
{
    return strcmp(line->issue, "SHORTAGE") == 0 ||
           strcmp(line->issue, "DAMAGE") == 0;
}

size_t pod_count_issues(const pod_line_t *lines, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        k += pod_line_has_issue(&lines[i]);
    }
    return k;
}

lgx_err_t pod_issues(lgx_buf_t *summary, lgx_buf_t *text, const char *picking,
                     const pod_line_t *lines, size_t n)
{
    lgx_buf_reset(summary);
    lgx_buf_reset(text);
    lgx_err_t err = lgx_buf_printf(
        summary, "Delivery issue on %s: %zu line(s) short or damaged", picking,
        pod_count_issues(lines, n));
    const char *sep = "";
    for (size_t i = 0; err == LGX_OK && i < n; i++) {
        const pod_line_t *l = &lines[i];
        if (pod_line_has_issue(l)) {
            err = lgx_buf_printf(text,
                                 "%s%s: %s, expected %.15g, delivered "
                                 "%.15g",
                                 sep, l->code, l->issue, l->expected,
                                 l->delivered);
            sep = "; ";
        }
    }
    return err;
}

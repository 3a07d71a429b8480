/*
 * lgx_err: the one error type of lgx.
 *
 * 0 is success, every error is negative. Errors that come from Odoo or the
 * network say whether they are retriable: that decides between retrying
 * (the offset does not move), dead-lettering and stopping the program.
 */
#ifndef LGX_ERR_H
#define LGX_ERR_H

#include <stdbool.h>

#define LGX_MUST_CHECK __attribute__((warn_unused_result))

typedef enum lgx_err {
    LGX_OK = 0,
    LGX_ERR_INVALID = -1,        /* bad argument or configuration */
    LGX_ERR_NOMEM = -2,          /* allocation failed */
    LGX_ERR_IO = -3,             /* file or system call failed */
    LGX_ERR_DECODE = -4,         /* malformed input (framing, Avro, JSON) */
    LGX_ERR_SCHEMA = -5,         /* unknown or unusable schema */
    LGX_ERR_NOT_FOUND = -6,      /* a looked-up thing does not exist */
    LGX_ERR_KAFKA = -7,          /* Kafka client failure */
    LGX_ERR_KAFKA_ACCESS = -8,   /* the brokers refused it: an ACL is
                                    missing (lgx_kafka_acl) */
    LGX_ERR_KAFKA_FATAL = -9,    /* a Kafka client failed for good: fatal */
    LGX_ERR_ODOO_AUTH = -20,     /* Odoo refused the credentials: fatal */
    LGX_ERR_ODOO_ACCESS = -21,   /* Odoo AccessError: no permission */
    LGX_ERR_ODOO_MISSING = -22,  /* Odoo MissingError: record gone */
    LGX_ERR_ODOO_USER = -23,     /* Odoo UserError: business refusal */
    LGX_ERR_ODOO_CONFIG = -24,   /* unknown field, bad argument: set-up */
    LGX_ERR_ODOO_RETRY = -25,    /* lock, serialization, 5xx, network */
    LGX_ERR_ODOO_UNKNOWN = -26,  /* unclassified: retried a bounded time */
    LGX_ERR_ODOO_CONFLICT = -27, /* a unique constraint another transaction
                                    won at the same time (a race): retried
                                    a bounded time */
    LGX_ERR_HELP = -99           /* --help was asked: not a failure */
} lgx_err_t;

/* Returns a static, human-readable name for err ("odoo_retry"). */
const char *lgx_err_name(lgx_err_t err);

/* Returns true when trying the same operation again later may succeed. */
bool lgx_err_retriable(lgx_err_t err);

/* Returns true when the error is one of configuration or credentials that
 * no amount of retrying fixes: the program must stop. */
bool lgx_err_fatal(lgx_err_t err);

#endif

#include "lgx_err.h"

const char *lgx_err_name(lgx_err_t err)
{
    switch (err) {
    case LGX_OK:
        return "ok";
    case LGX_ERR_INVALID:
        return "invalid";
    case LGX_ERR_NOMEM:
        return "nomem";
    case LGX_ERR_IO:
        return "io";
    case LGX_ERR_DECODE:
        return "decode";
    case LGX_ERR_SCHEMA:
        return "schema";
    case LGX_ERR_NOT_FOUND:
        return "not_found";
    case LGX_ERR_KAFKA:
        return "kafka";
    case LGX_ERR_KAFKA_ACCESS:
        return "kafka_access";
    case LGX_ERR_KAFKA_FATAL:
        return "kafka_fatal";
    case LGX_ERR_ODOO_AUTH:
        return "odoo_auth";
    case LGX_ERR_ODOO_ACCESS:
        return "odoo_access";
    case LGX_ERR_ODOO_MISSING:
        return "odoo_missing";
    case LGX_ERR_ODOO_USER:
        return "odoo_user";
    case LGX_ERR_ODOO_CONFIG:
        return "odoo_config";
    case LGX_ERR_ODOO_RETRY:
        return "odoo_retry";
    case LGX_ERR_ODOO_UNKNOWN:
        return "odoo_unknown";
    case LGX_ERR_ODOO_CONFLICT:
        return "odoo_conflict";
    case LGX_ERR_HELP:
        return "help";
    }
    return "unknown_error";
}

bool lgx_err_retriable(lgx_err_t err)
{
    return err == LGX_ERR_ODOO_RETRY || err == LGX_ERR_ODOO_UNKNOWN ||
           err == LGX_ERR_ODOO_CONFLICT || err == LGX_ERR_KAFKA ||
           err == LGX_ERR_NOMEM;
}

bool lgx_err_fatal(lgx_err_t err)
{
    return err == LGX_ERR_ODOO_AUTH || err == LGX_ERR_ODOO_CONFIG ||
           err == LGX_ERR_INVALID || err == LGX_ERR_KAFKA_FATAL;
}

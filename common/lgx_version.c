#include "lgx_version.h"

#include <stdio.h>

/* LGX_RELEASE and LGX_BUILD, from the Makefile. */
#include "lgx_version_gen.h"

const char *lgx_version_release(void)
{
    return LGX_RELEASE;
}

void lgx_version_format(const char *program, size_t len, char *out, size_t size)
{
    int n = len > 256 ? 256 : (int)len;
    if (LGX_BUILD[0]) {
        snprintf(out, size, "%.*s %s (%s)", n, program, LGX_RELEASE, LGX_BUILD);
    } else {
        snprintf(out, size, "%.*s %s", n, program, LGX_RELEASE);
    }
}

"""The Odoo simulator (test/sim/odoo_sim.py) with TCP_NODELAY on its
connections, for the benchmarks.

The simulator's handler (http.server, HTTP/1.1 keep-alive) writes a
response's head and body in two sends without TCP_NODELAY: on a kept-alive
connection Nagle's algorithm holds the body until the client's delayed ACK,
about 40 ms on Linux, so every call after the first on a connection takes
40 ms more. lgx keeps its connection alive (libcurl); a client that opens a
connection per call (urllib) does not see it. The latencies the benchmarks
inject are Odoo 19's (shared/ODOO-FACTS.md, measured with curl and urllib,
one connection per call), so the artefact is taken out here; bench.py
measures and reports it separately.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "sim"))
import odoo_sim  # noqa: E402

odoo_sim.Handler.disable_nagle_algorithm = True

if __name__ == "__main__":
    sys.exit(odoo_sim.main())

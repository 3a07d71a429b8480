"""A small Confluent-compatible schema registry for tests (standard
library only): the subset of the REST API lgx uses.

  POST /subjects/{subject}/versions   {"schema": "..."} -> {"id": N}
      (the same schema text under any subject gets the same id)
  GET  /schemas/ids/{id}              -> {"schema": "..."}
  GET  /subjects                      -> ["subject", ...]
  GET  /subjects/{subject}/versions   -> [1, 2, ...]
  GET  /subjects/{subject}/versions/latest -> {"subject","version","id","schema"}

Errors as Confluent's: 404 {"error_code": 40403, "message": "Schema not
found"}, 40401 subject not found, 422 42201 invalid schema.

With --basic-auth-file F every request must carry HTTP basic auth with
the user:password F holds (read at each request, so that a test rotates
it by writing F); else 401 {"error_code": 40101, "message":
"Unauthorized"}, as Confluent's registry answers.

  python3 test/sim/schema_registry.py [--port 0] [--port-file F] [--first-id 1000]
                                  [--basic-auth-file F]
"""
import argparse
import base64
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

CT = "application/vnd.schemaregistry.v1+json"


class Registry:
    def __init__(self, first_id):
        self.lock = threading.Lock()
        self.next_id = first_id
        self.by_id = {}        # id -> schema text
        self.by_text = {}      # canonical text -> id
        self.subjects = {}     # subject -> [id, ...] (versions in order)

    @staticmethod
    def canonical(text):
        return json.dumps(json.loads(text), sort_keys=True,
                          separators=(",", ":"))

    def register(self, subject, text):
        canon = self.canonical(text)
        with self.lock:
            sid = self.by_text.get(canon)
            if sid is None:
                sid = self.next_id
                self.next_id += 1
                self.by_text[canon] = sid
                self.by_id[sid] = text
            versions = self.subjects.setdefault(subject, [])
            if sid not in versions:
                versions.append(sid)
            return sid


class Handler(BaseHTTPRequestHandler):
    registry = None
    basic_auth_file = None

    def log_message(self, *args):
        pass

    def authorized(self):
        """True without --basic-auth-file or with its user:password;
        else answers 401."""
        if not self.basic_auth_file:
            return True
        with open(self.basic_auth_file) as f:
            want = "Basic " + base64.b64encode(
                f.read().strip().encode()).decode()
        if self.headers.get("Authorization") == want:
            return True
        data = json.dumps({"error_code": 40101,
                           "message": "Unauthorized"}).encode()
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="schema-registry"')
        self.send_header("Content-Type", CT)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return False

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", CT)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def not_found(self, code, message):
        self.answer(404, {"error_code": code, "message": message})

    def do_GET(self):
        if not self.authorized():
            return None
        parts = [unquote(p) for p in self.path.strip("/").split("/")]
        reg = self.registry
        if parts[:2] == ["schemas", "ids"] and len(parts) == 3:
            text = reg.by_id.get(int(parts[2])) if parts[2].isdigit() else None
            if text is None:
                return self.not_found(40403, "Schema not found")
            return self.answer(200, {"schema": text})
        if parts == ["subjects"]:
            return self.answer(200, sorted(reg.subjects))
        if len(parts) >= 3 and parts[0] == "subjects" and \
                parts[2] == "versions":
            versions = reg.subjects.get(parts[1])
            if versions is None:
                return self.not_found(40401, "Subject not found")
            if len(parts) == 3:
                return self.answer(200, list(range(1, len(versions) + 1)))
            if parts[3] == "latest":
                sid = versions[-1]
                return self.answer(200, {"subject": parts[1],
                                         "version": len(versions),
                                         "id": sid,
                                         "schema": reg.by_id[sid]})
        return self.not_found(404, "HTTP 404 Not Found")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if not self.authorized():
            self.rfile.read(length)
            return None
        parts = [unquote(p) for p in self.path.strip("/").split("/")]
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            text = body["schema"]
            json.loads(text)
        except (ValueError, KeyError, TypeError):
            return self.answer(422, {"error_code": 42201,
                                     "message": "Invalid schema"})
        if len(parts) == 3 and parts[0] == "subjects" and \
                parts[2] == "versions":
            return self.answer(200, {"id": self.registry.register(parts[1],
                                                                  text)})
        return self.not_found(404, "HTTP 404 Not Found")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--first-id", type=int, default=1000)
    ap.add_argument("--basic-auth-file")
    args = ap.parse_args()
    Handler.registry = Registry(args.first_id)
    Handler.basic_auth_file = args.basic_auth_file
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)
    print("schema-registry listening on http://127.0.0.1:%d" % port,
          flush=True)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":
    main()

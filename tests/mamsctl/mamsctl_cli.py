#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""mamsctl against a fake REST server (tests/mamsctl/meson.build).

    mamsctl_cli.py MAMSCTL FIXTURES_DIR

The server (http.server on 127.0.0.1, a port the kernel picks) answers the
routes of the REST contract with the JSON fixtures next to this file, wants
"Authorization: Bearer <token>" on every request, records each request, and
for PUT steering and PUT policy answers from the body it received.  Each
case runs the mamsctl binary and checks its exit status, stdout, stderr and
the request the server saw.  Exit 0 when every case passed.
"""
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading

MAMSCTL, FIXTURES = sys.argv[1], sys.argv[2]
TOKEN = "t0ken-for-mamsctl-tests"
CONNS = {"wifi": 0, "lte": 3}  # session 7's connections (fixtures/session_7.json)


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return json.load(f)


class Server:
    """One fake gateway.  mode: "api" (the contract), "hang" (never answers
    before release()), "proxy" (502 with an HTML body), "notjson" (200 with
    text)."""

    def __init__(self, mode="api"):
        self.mode = mode
        self.requests = []
        self.policy = fixture("policy.json")
        self.lock = threading.Lock()
        self.released = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.handle(self)

            do_PUT = do_POST = do_DELETE = do_GET

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def reply(self, h, status, obj=None, raw=None, ctype="application/json"):
        body = raw if raw is not None else json.dumps(obj).encode()
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def error(self, h, status, field, message):
        self.reply(h, status, {"error": {"status": status, "field": field, "message": message}})

    def handle(self, h):
        n = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(n) if n else b""
        with self.lock:
            self.requests.append({"method": h.command, "path": h.path,
                                  "auth": h.headers.get("Authorization"),
                                  "ctype": h.headers.get("Content-Type"),
                                  "length": h.headers.get("Content-Length"),
                                  "body": body})
        if self.mode == "hang":
            self.released.wait(20)  # bounded: mamsctl gives up long before
            return None  # no answer: the connection closes
        if self.mode == "proxy":
            return self.reply(h, 502, raw=b"<html><body>Bad Gateway</body></html>\n",
                              ctype="text/html")
        if self.mode == "notjson":
            return self.reply(h, 200, raw=b"hello\n", ctype="text/plain")
        if h.headers.get("Authorization") != "Bearer " + TOKEN:
            return self.reply(h, 401, fixture("error_401.json"))
        route = (h.command, h.path)
        static = {
            ("GET", "/v1/health"): "health.json",
            ("GET", "/v1/ports"): "ports.json",
            ("GET", "/v1/stats"): "stats.json",
            ("GET", "/v1/sessions?offset=0&limit=100"): "sessions.json",
            ("GET", "/v1/sessions?offset=200&limit=2"): "sessions_page.json",
            ("GET", "/v1/sessions/7"): "session_7.json",
            ("POST", "/v1/config/reload"): "reload.json",
        }
        if route in static:
            return self.reply(h, 200, fixture(static[route]))
        if route == ("DELETE", "/v1/sessions/7"):
            return self.reply(h, 202, fixture("terminate_7.json"))
        if route == ("GET", "/v1/policy"):
            return self.reply(h, 200, self.policy)
        if route == ("PUT", "/v1/policy"):
            self.policy.update(json.loads(body))
            return self.reply(h, 200, self.policy)
        m = re.fullmatch(r"/v1/sessions/7/flows/(\d+)/steering", h.path)
        if h.command == "PUT" and m:
            return self.steer(h, int(m.group(1)), json.loads(body))
        if h.command == "GET" and re.fullmatch(r"/v1/sessions/\d+", h.path):
            return self.reply(h, 404, fixture("error_404.json"))
        return self.error(h, 404, "", "no route %s %s" % (h.command, h.path))

    def steer(self, h, flow, req):
        """The flow object the server would answer, built from the request."""
        paths = []
        for i, p in enumerate(req["paths"]):
            if "name" in p:
                if p["name"] not in CONNS:
                    return self.error(h, 400, "paths[%d].name" % i,
                                      'session 7 has no connection named "%s"' % p["name"])
                cid, name = CONNS[p["name"]], p["name"]
            else:
                cid = p["connection_id"]
                name = {v: k for k, v in CONNS.items()}.get(cid)
                if name is None:
                    return self.error(h, 400, "paths[%d].connection_id" % i,
                                      "session 7 has no connection %d" % cid)
            paths.append({"connection_id": cid, "name": name, "weight": p.get("weight", 0)})
        anything = {"remote_ip": "0.0.0.0/0", "local_ip": "0.0.0.0/0", "remote_ports": "0-65535",
                    "local_ports": "0-65535", "proto": 0, "dscp": None}
        return self.reply(h, 200, {"flow_id": flow, "template": anything,
                                   "steering": {"mode": req["mode"], "paths": paths},
                                   "control": "operator"})


failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def run(args, env_extra=None, token=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAMSCTL_")}
    if token:
        env["MAMSCTL_TOKEN"] = TOKEN
    env.update(env_extra or {})
    p = subprocess.run([MAMSCTL] + args, env=env, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def case(name):
    print("==", name)


def lines(text):
    return [re.sub(r"\s+", " ", line.strip()) for line in text.splitlines()]


def main():
    api = Server()
    U = ["--url", api.url]

    def last():
        return api.requests[-1]

    try:
        case("health: table, token from MAMSCTL_TOKEN, URL from MAMSCTL_URL")
        rc, out, err = run(["health"], {"MAMSCTL_URL": api.url})
        check(rc == 0, "health exit 0, got %d (%s)" % (rc, err))
        check(lines(out) == ["status ok", "version 0.1.0", "uptime_s 93784", "sessions 3",
                             "workers 2"], "health lines: %r" % out)
        check(last()["auth"] == "Bearer " + TOKEN and last()["path"] == "/v1/health"
              and last()["method"] == "GET" and last()["body"] == b""
              and last()["ctype"] is None, "health request %r" % last())

        case("--json prints the server's JSON, pretty")
        for args, fx in ((["health"], "health.json"), (["stats"], "stats.json"),
                         (["session", "7"], "session_7.json")):
            rc, out, err = run(U + ["--json"] + args)
            check(rc == 0 and json.loads(out) == fixture(fx), "--json %s: %d %r" % (args, rc, out[:200]))
            check(out.startswith("{\n  \""), "--json %s is indented: %r" % (args, out[:20]))
        rc, out, err = run(U + ["ports", "--json"])  # the option after the command
        check(rc == 0 and json.loads(out) == fixture("ports.json"), "ports --json")

        case("ports, stats, sessions tables")
        rc, out, err = run(U + ["ports"])
        ls = lines(out)
        check(rc == 0 and ls[0] == "INDEX NAME ROLE IP MAC RX_PKTS RX_BYTES TX_PKTS TX_BYTES",
              "ports header %r" % out)
        check("1 lte access 198.51.100.1 02:00:00:00:02:01 800 950000 1900 2300000" in ls,
              "ports lte row %r" % out)
        rc, out, err = run(U + ["stats"])
        ls = lines(out)
        check(rc == 0 and "wifi 1200 1500000 3400 4100000 5" in ls, "stats wifi row (5 drops) %r" % out)
        check("1 3300 3200 3 9 12 123450000" in ls, "stats worker 1 row %r" % out)
        check("unknown_client 4" in ls and "no_session 3" in ls and not any(
            l.startswith("tx_full") for l in ls), "stats drops: non-zero reasons only %r" % out)
        check("retransmits 1" in ls and "steering_changes 5" in ls, "stats ncm %r" % out)
        rc, out, err = run(U + ["sessions"])
        ls = lines(out)
        check(rc == 0 and last()["path"] == "/v1/sessions?offset=0&limit=100", "sessions path")
        check("7 1 active yes 192.0.2.10:40112 10.8.1.2 0:wifi,3:lte 52000 31000" in ls,
              "sessions row 7 %r" % out)
        check(ls[-1] == "3 of 3 sessions", "sessions footer %r" % ls[-1:])
        rc, out, err = run(U + ["sessions", "--offset", "200", "--limit", "2"])
        check(rc == 0 and last()["path"] == "/v1/sessions?offset=200&limit=2",
              "sessions --offset --limit path %r" % last()["path"])
        check(lines(out)[-1] == "2 of 250 sessions (from offset 200)", "page footer %r" % out)

        case("session ID: connections, flows, counters")
        rc, out, err = run(U + ["session", "7"])
        ls = lines(out)
        check(rc == 0 and "state active" in ls, "session 7 state %r" % out)
        check("3 lte LTE down 1400 198.51.100.10:5001 yes 61020 9 0 16000 19000000 11000 1200000 0"
              in ls, "session 7 lte row %r" % out)
        check("1 split wifi=70 lte=30 operator remote_ports=443-443 proto=6" in ls,
              "session 7 flow 1 %r" % out)
        check("0 switch wifi policy *" in ls and any(l.startswith("2 duplicate wifi lte static")
                                                     for l in ls), "session 7 flows 0, 2 %r" % out)
        check("dl_bytes 62000000" in ls and "no_path 6" in ls, "session 7 counters %r" % out)

        case("steer: the PUT bodies")
        bodies = [
            (["steer", "7", "1", "split", "wifi=70", "lte=30"],
             {"mode": "split", "paths": [{"name": "wifi", "weight": 70},
                                         {"name": "lte", "weight": 30}]},
             "session 7 flow 1: split wifi=70 lte=30 (control: operator)"),
            (["steer", "7", "2", "switch", "3"],
             {"mode": "switch", "paths": [{"connection_id": 3}]},
             "session 7 flow 2: switch lte (control: operator)"),
            (["steer", "7", "0", "duplicate", "wifi", "lte"],
             {"mode": "duplicate", "paths": [{"name": "wifi"}, {"name": "lte"}]},
             "session 7 flow 0: duplicate wifi lte (control: operator)"),
            (["steer", "7", "1", "split", "0=100", "lte=0"],
             {"mode": "split", "paths": [{"connection_id": 0, "weight": 100},
                                         {"name": "lte", "weight": 0}]},
             "session 7 flow 1: split wifi=100 lte=0 (control: operator)"),
        ]
        for args, want, text in bodies:
            rc, out, err = run(U + args)
            r = last()
            check(rc == 0 and out == text + "\n", "%s: %d %r %r" % (args, rc, out, err))
            check(r["method"] == "PUT" and r["path"] == "/v1/sessions/7/flows/%s/steering" % args[2],
                  "%s: request %s %s" % (args, r["method"], r["path"]))
            check(json.loads(r["body"]) == want, "%s: body %r" % (args, r["body"]))
            check(r["ctype"] == "application/json", "%s: Content-Type %r" % (args, r["ctype"]))

        case("API errors: exit 1, error.message and error.field on stderr")
        rc, out, err = run(U + ["steer", "7", "1", "switch", "5g"])
        check(rc == 1 and out == "", "steer to 5g: exit %d, stdout %r" % (rc, out))
        check('HTTP 400: session 7 has no connection named "5g" (field: paths[0].name)' in err,
              "steer to 5g stderr %r" % err)
        rc, out, err = run(U + ["session", "99"])
        check(rc == 1 and "HTTP 404: no session 99 (field: id)" in err, "session 99: %d %r" % (rc, err))
        rc, out, err = run(U + ["--json", "session", "99"])
        check(rc == 1 and json.loads(out) == fixture("error_404.json"),
              "--json session 99: the error body on stdout %r" % out)

        case("401: no token, wrong token")
        n = len(api.requests)
        rc, out, err = run(U + ["health"], token=False)
        check(rc == 1 and out == "", "no token: exit %d" % rc)
        check("HTTP 401: a valid bearer token is required (field: Authorization)" in err
              and "--token-file" in err, "no token stderr %r" % err)
        check(api.requests[n]["auth"] is None, "no token: no Authorization header")
        rc, out, err = run(U + ["--token", "wrong", "health"])
        check(rc == 1 and "HTTP 401" in err and "--token-file" not in err,
              "wrong --token (over MAMSCTL_TOKEN): %d %r" % (rc, err))
        check(last()["auth"] == "Bearer wrong", "--token wins over MAMSCTL_TOKEN")

        case("--token-file")
        with tempfile.NamedTemporaryFile("w", prefix="mamsctl-token-", delete=False) as f:
            f.write(TOKEN + "\n")
            tokfile = f.name
        try:
            rc, out, err = run(U + ["--token-file", tokfile, "health"], token=False)
            check(rc == 0 and last()["auth"] == "Bearer " + TOKEN, "--token-file: %d %r" % (rc, err))
            rc, out, err = run(U + ["--token-file", tokfile, "health"],
                               {"MAMSCTL_TOKEN": "from-env"}, token=False)
            check(rc == 0 and last()["auth"] == "Bearer " + TOKEN, "--token-file wins over the env")
        finally:
            os.unlink(tokfile)
        n = len(api.requests)
        rc, out, err = run(U + ["--token-file", tokfile, "health"], token=False)
        check(rc == 2 and tokfile in err and len(api.requests) == n,
              "missing token file: exit 2 naming it, no request: %d %r" % (rc, err))

        case("terminate, policy, reload")
        rc, out, err = run(U + ["terminate", "7"])
        check(rc == 0 and out == "session 7: terminating\n" and last()["method"] == "DELETE"
              and last()["path"] == "/v1/sessions/7", "terminate: %d %r" % (rc, out))
        check(last()["body"] == b"" and last()["ctype"] is None,
              "DELETE without a body or Content-Type: %r" % last())
        rc, out, err = run(U + ["policy"])
        check(rc == 0 and lines(out) == ["interval_ms 50", "min_change_pct 10", "probe_fail 3",
                                         "hold_down_ms 5000"], "policy: %r" % out)
        rc, out, err = run(U + ["policy", "interval_ms=100", "probe_fail=5"])
        check(rc == 0 and last()["method"] == "PUT" and last()["path"] == "/v1/policy"
              and json.loads(last()["body"]) == {"interval_ms": 100, "probe_fail": 5},
              "policy PUT body %r" % last()["body"])
        check(lines(out) == ["interval_ms 100", "min_change_pct 10", "probe_fail 5",
                             "hold_down_ms 5000"], "policy after PUT: %r" % out)
        rc, out, err = run(U + ["reload"])
        check(rc == 0 and last()["method"] == "POST" and last()["path"] == "/v1/config/reload"
              and last()["body"] == b"" and last()["length"] == "0"
              and last()["ctype"] is None, "reload request: no body, no Content-Type %r" % last())
        ls = lines(out)
        check("ncm.policy.interval_ms" in ls and "ports[1].device ports are opened at start" in ls,
              "reload output %r" % out)

        case("usage errors: exit 2, message and usage, no request")
        n = len(api.requests)
        for args, msg in (([], "no command given"),
                          (["frobnicate"], 'unknown command "frobnicate"'),
                          (["session"], "session ID is missing"),
                          (["session", "x7"], 'session ID "x7"'),
                          (["steer", "7", "1", "split", "wifi=70", "lte=20"], "sum to 90, not 100"),
                          (["steer", "7", "1", "switch", "wifi", "lte"], "exactly one connection"),
                          (["steer", "7", "1", "duplicate", "wifi"], "two or more"),
                          (["steer", "7", "1", "switch", "wifi=50"], "with split only"),
                          (["steer", "7", "1", "split", "16=100"], "not in 0..15"),
                          (["steer", "7", "1", "spray", "wifi"], 'mode "spray"'),
                          (["policy", "interval=5"], 'unknown key "interval"'),
                          (["--timeout-ms", "0", "health"], "--timeout-ms 0"),
                          (["--url", "ftp://x", "health"], "--url ftp://x"),
                          (["--bogus", "health"], "unknown option --bogus"),
                          (["health", "extra"], 'unexpected argument "extra"')):
            rc, out, err = run(U + args)
            check(rc == 2 and msg in err and "usage: mamsctl" in err and out == "",
                  "%s: exit %d, stderr %r" % (args, rc, err[:200]))
        check(len(api.requests) == n, "usage errors sent %d requests" % (len(api.requests) - n))
        rc, out, err = run(["--help"])
        check(rc == 0 and out.startswith("usage: mamsctl"), "--help: %d" % rc)

        case("a non-JSON error (proxy) and a non-JSON success")
        proxy = Server("proxy")
        try:
            rc, out, err = run(["--url", proxy.url, "health"])
            check(rc == 1 and "HTTP 502: <html><body>Bad Gateway</body></html>" in err,
                  "proxy 502: %d %r" % (rc, err))
        finally:
            proxy.close()
        notjson = Server("notjson")
        try:
            rc, out, err = run(["--url", notjson.url, "health"])
            check(rc == 1 and "not JSON" in err, "200 text: %d %r" % (rc, err))
        finally:
            notjson.close()

        case("could not connect, timeout: exit 3")
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nobody listens there now
        rc, out, err = run(["--url", "http://127.0.0.1:%d" % port, "health"])
        check(rc == 3 and "127.0.0.1" in err, "refused: %d %r" % (rc, err))
        hang = Server("hang")
        try:
            rc, out, err = run(["--url", hang.url, "--timeout-ms", "300", "health"])
            check(rc == 3 and "timed out" in err.lower(), "timeout: %d %r" % (rc, err))
        finally:
            hang.close()
    finally:
        api.close()

    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

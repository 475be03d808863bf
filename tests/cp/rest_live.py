#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The REST shim live: mamsgw on null vdevs with a static session, an NCM
session brought up by a real WebSocket client (Debian's python3-websockets)
and the REST shim on a kernel-picked port with a bearer token, driven over
HTTP with urllib:

  - every route answers; 401 without the token; errors name the field;
  - /metrics parsed by Prometheus' own parser (python3-prometheus-client)
    without error, every sample named mamsgw_*, values equal to
    GET /v1/stats (counters read between two /v1/stats reads lie between
    them: the null ports receive all the time);
  - PUT steering of the NCM session's flow: the CCM gets an MX Traffic
    Steering Request, the flow is "operator"; DELETE: the CCM gets the
    termination request;
  - POST /v1/config/reload: the policy and a static flow's steering change
    live, a port change is listed in restart_required, an invalid file is
    400 naming the field and changes nothing;
  - https with the test CA (rest.tls);
  - every JSON answer, errors included, validated against its schema in
    docs/api/openapi.yaml (python3-jsonschema), and its status documented
    for the route.

    rest_live.py MAMSGW_BIN MAKE_TEST_PKI_SH OPENAPI_YAML

Its harness (Rest, CONFIG with sessions and REST; from gw_live.py the
Gateway and the CCM) is imported by mamsctl_live.py: call setup() first.

Bounded: every wait has a timeout, mamsgw runs with --run-ms and is
stopped at the end.
"""
import asyncio
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import jsonschema
import websockets
import yaml
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gw_live  # noqa: E402
from gw_live import STEP, base, check, copy_config, recv, running  # noqa: E402,F401

# Set by setup(): the mamsgw binary, make_test_pki.sh, the answers' contract.
MAMSGW = PKI = CONTRACT = None
TOKEN = "rest-live-t0ken"

# gw_live's, with static session 7, the NCM's policy and the REST listener.
_BASE = copy_config()
CONFIG = {
    "dataplane": _BASE["dataplane"],
    "ports": _BASE["ports"],
    "sessions": [
        {"id": 7, "anchor_ip": "10.8.0.2", "method": "trailer",
         "paths": [
             {"conn_id": 0, "port": "wifi", "client_ip": "192.0.2.10", "client_port": 5000},
             {"conn_id": 1, "port": "lte", "client_ip": "198.51.100.10", "client_port": 5000}],
         "flows": [{"flow_id": 0, "steering": {"mode": "switch", "paths": [0]}}]},
    ],
    "ncm": dict(_BASE["ncm"], policy={"interval_ms": 50}),
    "rest": {"listen": {"ip": "127.0.0.1", "port": 0}, "token": TOKEN},
}


def gateway(tmp, cfg, name, vdevs=gw_live.NULL_VDEVS):
    """gw_live.Gateway on the mamsgw of setup()."""
    return gw_live.Gateway(MAMSGW, tmp, cfg, name, vdevs)


class Contract:
    """The answers' schemas from docs/api/openapi.yaml (OpenAPI 3.0: nullable
    becomes a JSON Schema type list)."""

    def __init__(self, path):
        with open(path) as f:
            self.doc = self._nullable(yaml.safe_load(f))
        self.resolver = jsonschema.RefResolver(base_uri="", referrer=self.doc)
        self.routes = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), item)
                       for p, item in self.doc["paths"].items()]
        self.checked = 0

    def _nullable(self, node):
        if isinstance(node, dict):
            node = {k: self._nullable(v) for k, v in node.items()}
            if node.pop("nullable", False) and "type" in node:
                node["type"] = [node["type"], "null"]
        elif isinstance(node, list):
            node = [self._nullable(v) for v in node]
        return node

    def check(self, method, path, status, ctype, body):
        path = path.split("?", 1)[0]
        for regex, item in self.routes:
            if regex.match(path) and method.lower() in item:
                op = item[method.lower()]
                break
        else:
            return  # unknown route or method: 404/405, checked by the caller
        resp = op["responses"].get(str(status))
        check(resp is not None, "%s %s answered %d, not in openapi.yaml" % (method, path, status))
        if "content" not in resp and "$ref" in resp:
            resp = self.doc["components"]["responses"][resp["$ref"].rsplit("/", 1)[1]]
        media = resp["content"]
        check(ctype.split(";")[0] in [m.split(";")[0] for m in media],
              "%s %s: Content-Type %s not documented" % (method, path, ctype))
        if "application/json" in media:
            try:
                jsonschema.Draft4Validator(media["application/json"]["schema"],
                                           resolver=self.resolver).validate(body)
            except jsonschema.ValidationError as e:
                raise AssertionError("%s %s %d does not match openapi.yaml: %s at %s" % (
                    method, path, status, e.message, list(e.absolute_path)))
        self.checked += 1


def setup(mamsgw, pki, openapi):
    global MAMSGW, PKI, CONTRACT
    MAMSGW, PKI, CONTRACT = mamsgw, pki, Contract(openapi)


class Rest:
    def __init__(self, base, ctx=None):
        self.base, self.ctx = base, ctx

    def call(self, method, path, body=None, token=TOKEN, raw=False):
        data = json.dumps(body).encode() if body is not None else None
        rq = urllib.request.Request(self.base + path, data=data, method=method)
        if token is not None:
            rq.add_header("Authorization", "Bearer " + token)
        if data is not None:
            rq.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(rq, timeout=STEP, context=self.ctx) as r:
                status, ctype, text = r.status, r.headers.get("Content-Type"), r.read().decode()
        except urllib.error.HTTPError as e:
            status, ctype, text = e.code, e.headers.get("Content-Type"), e.read().decode()
        if raw:
            CONTRACT.check(method, path, status, ctype, None)
            return status, ctype, text
        check(ctype == "application/json", "%s %s: Content-Type %s" % (method, path, ctype))
        body = json.loads(text)
        CONTRACT.check(method, path, status, ctype, body)
        return status, body

    def ok(self, method, path, body=None, want=200):
        status, j = self.call(method, path, body)
        check(status == want, "%s %s: %d %s, expected %d" % (method, path, status, j, want))
        return j

    def error(self, method, path, body, want, field, token=TOKEN):
        status, j = self.call(method, path, body, token=token)
        check(status == want and j["error"]["status"] == want and j["error"]["field"] == field
              and j["error"]["message"],
              "%s %s: %d %s, expected %d naming '%s'" % (method, path, status, j, want, field))


# ---- the CCM ---------------------------------------------------------------------

async def bring_up(ws):
    return (await bring_up_setup(ws))[0]


async def bring_up_setup(ws, ipsec=False):
    """A session with connections 0 and 3 (192.0.2.30, 198.51.100.30, MTU
    1400); with ipsec the CCM lists the IPsec adaptation.  Returns its
    unique_session_id and the NCM's UP setup."""
    return await gw_live.bring_up(ws, 30, 1400, ipsec)


# ---- checks ------------------------------------------------------------------------

def check_auth(rest):
    for method, path in (("GET", "/v1/health"), ("GET", "/v1/ports"), ("GET", "/v1/stats"),
                         ("GET", "/v1/sessions"), ("GET", "/v1/sessions/7"),
                         ("DELETE", "/v1/sessions/7"),
                         ("PUT", "/v1/sessions/7/flows/0/steering"), ("GET", "/v1/policy"),
                         ("PUT", "/v1/policy"), ("POST", "/v1/config/reload"),
                         ("GET", "/metrics")):
        body = {} if method == "PUT" else None
        rest.error(method, path, body, 401, "Authorization", token=None)
        rest.error(method, path, body, 401, "Authorization", token="not-" + TOKEN)
    check(rest.ok("GET", "/v1/sessions/7")["state"] == "static", "static session survived")


def check_metrics(rest):
    """/metrics through Prometheus' parser, against /v1/stats read before and after."""
    before = rest.ok("GET", "/v1/stats")
    status, ctype, text = rest.call("GET", "/metrics", raw=True)
    after = rest.ok("GET", "/v1/stats")
    check(status == 200, "/metrics: %d" % status)
    check(ctype.startswith("text/plain; version=0.0.4"), "/metrics Content-Type %s" % ctype)
    samples = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            check(s.name.startswith("mamsgw_"), "sample %s" % s.name)
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    check(len(samples) > 50, "only %d samples" % len(samples))

    def between(name, labels, get):
        v = samples.get((name, tuple(sorted(labels.items()))))
        check(v is not None, "no sample %s%s" % (name, labels))
        lo, hi = get(before), get(after)
        check(lo <= v <= hi, "%s%s = %s, /v1/stats %s..%s" % (name, labels, v, lo, hi))

    for i, p in enumerate(before["ports"]):
        for key, metric in (("rx_pkts", "rx_packets"), ("rx_bytes", "rx_bytes"),
                            ("tx_pkts", "tx_packets"), ("tx_bytes", "tx_bytes")):
            between("mamsgw_port_%s_total" % metric, {"port": p["name"]},
                    lambda st, i=i, key=key: st["ports"][i][key])
        for reason in p["drops"]:
            between("mamsgw_port_drops_total", {"port": p["name"], "reason": reason},
                    lambda st, i=i, r=reason: st["ports"][i]["drops"][r])
    for reason in before["drops"]:
        between("mamsgw_drops_total", {"reason": reason}, lambda st, r=reason: st["drops"][r])
    for w in before["workers"]:
        for key, metric in (("rx_pkts", "rx_packets"), ("tx_pkts", "tx_packets"),
                            ("drops", "drops"), ("handoff_out", "handoff_out"),
                            ("handoff_in", "handoff_in"), ("loops", "loops")):
            between("mamsgw_worker_%s_total" % metric, {"worker": str(w["index"])},
                    lambda st, i=w["index"], key=key: st["workers"][i][key])
    for key in ("msgs_in", "msgs_out", "retransmits", "steering_changes", "sessions_created"):
        between("mamsgw_ncm_%s_total" % key, {}, lambda st, key=key: st["ncm"][key])
    between("mamsgw_sessions", {}, lambda st: st["sessions"])
    between("mamsgw_ncm_sessions", {}, lambda st: st["ncm"]["sessions"])
    check(samples[("mamsgw_path_up", (("path", "lte"), ("session", "7")))] == 1,
          "static session's lte path up")
    check(("mamsgw_flow_in_order_total", (("flow", "0"), ("session", "7"))) in samples,
          "per-flow receiver counters")
    check(samples[("mamsgw_ws_open", ())] >= 1, "the CCM's WebSocket is counted open")


async def scenario(gw, rest):
    uri = "ws://127.0.0.1:%d/" % gw.ws_port
    async with websockets.connect(uri, open_timeout=STEP) as ccm:
        usid = await bring_up(ccm)
        sid = usid["session_id"]

        h = rest.ok("GET", "/v1/health")
        check(h["status"] == "ok" and h["sessions"] == 2 and h["workers"] == 1, "health %s" % h)
        ports = rest.ok("GET", "/v1/ports")["ports"]
        check([p["name"] for p in ports] == ["wifi", "lte", "core"], "ports %s" % ports)
        check(ports[1]["ip"] == "198.51.100.1" and ports[2]["role"] == "core", "ports %s" % ports)
        check(ports[0]["rx_pkts"] > 0, "the null port receives")
        lst = rest.ok("GET", "/v1/sessions?limit=10")
        check(lst["total"] == 2 and [s["id"] for s in lst["sessions"]] == sorted([7, sid]),
              "sessions %s" % lst)
        page = rest.ok("GET", "/v1/sessions?offset=1&limit=1")
        check(len(page["sessions"]) == 1 and page["total"] == 2, "page %s" % page)
        rest.error("GET", "/v1/sessions?limit=0", None, 400, "limit")
        s = rest.ok("GET", "/v1/sessions/%d" % sid)
        check(s["state"] == "active" and s["attached"] and s["ncm_id"] == 42, "session %s" % s)
        check([(c["connection_id"], c["name"], c["type"], c["client_ip"]) for c in s["connections"]]
              == [(0, "wifi", "Wi-Fi", "192.0.2.30"), (3, "lte", "LTE", "198.51.100.30")],
              "connections %s" % s["connections"])
        check(s["flows"][0]["control"] == "policy", "flow %s" % s["flows"][0])
        rest.error("GET", "/v1/sessions/%d" % (sid ^ 0x5A5A), None, 404, "id")
        rest.error("PUT", "/v1/sessions/%d/flows/9/steering" % sid,
                   {"mode": "switch", "paths": [{"name": "wifi"}]}, 404, "flow")
        rest.error("PUT", "/v1/sessions/%d/flows/0/steering" % sid,
                   {"mode": "split", "paths": [{"name": "wifi", "weight": 60},
                                               {"name": "lte", "weight": 30}]}, 400, "paths")
        rest.error("PUT", "/v1/sessions/%d/flows/0/steering" % sid,
                   {"mode": "switch", "paths": [{"name": "dsl"}]}, 400, "paths[0].name")
        rest.error("GET", "/v1/nowhere", None, 404, "")
        check_auth(rest)
        check_metrics(rest)

        # Operator steering: the CCM is told, the flow is the operator's.
        f = rest.ok("PUT", "/v1/sessions/%d/flows/0/steering" % sid,
                    {"mode": "split", "paths": [{"name": "wifi", "weight": 70},
                                                {"connection_id": 3, "weight": 30}]})
        check(f["control"] == "operator" and
              [(p["name"], p["weight"]) for p in f["steering"]["paths"]] ==
              [("wifi", 70), ("lte", 30)], "steered flow %s" % f)
        req = await recv(ccm, "mx_traffic_steering_req", usid)
        check(sorted(d["connection_id"] for d in req["downlink_delivery"]) == [0, 3],
              "steering request %s" % req)
        await ccm.send(json.dumps(dict(base("mx_traffic_steering_rsp", req["sequence_num"],
                                            usid), feature_active=[])))
        # (that the policy then leaves it alone is test_cp_rest's, with a clock)
        s = rest.ok("GET", "/v1/sessions/%d" % sid)
        check(s["flows"][0]["control"] == "operator" and
              [p["weight"] for p in s["flows"][0]["steering"]["paths"]] == [70, 30],
              "read back: %s" % s["flows"][0])

        # Policy.
        p = rest.ok("PUT", "/v1/policy", {"min_change_pct": 20})
        check(p["min_change_pct"] == 20 and p["interval_ms"] == 50, "policy %s" % p)
        rest.error("PUT", "/v1/policy", {"probe_fail": 0}, 400, "probe_fail")

        # Termination by the operator: the CCM is asked.
        t = rest.ok("DELETE", "/v1/sessions/%d" % sid, want=202)
        check(t == {"id": sid, "state": "terminating"}, "delete %s" % t)
        term = await recv(ccm, "mx_session_termination_req", usid)
        await ccm.send(json.dumps(base("mx_session_termination_rsp", term["sequence_num"], usid)))
        deadline = time.monotonic() + STEP
        while rest.call("GET", "/v1/sessions/%d" % sid)[0] != 404:
            check(time.monotonic() < deadline, "session %d still listed" % sid)
            await asyncio.sleep(0.02)


def check_reload(gw, rest):
    cfg = copy_config(CONFIG)
    cfg["ncm"]["policy"]["interval_ms"] = 80
    cfg["sessions"][0]["flows"][0]["steering"] = {"mode": "split", "paths": [0, 1],
                                                  "weights": [1, 1]}
    cfg["ports"][1]["ipv4"] = "198.51.100.2"
    gw.write(cfg)
    r = rest.ok("POST", "/v1/config/reload")
    check("ncm.policy.interval_ms" in r["applied"] and
          "sessions[0].flows[0].steering" in r["applied"], "applied %s" % r)
    check([x["field"] for x in r["restart_required"]] == ["ports[1].ipv4"] and
          r["restart_required"][0]["reason"], "restart_required %s" % r)
    check(rest.ok("GET", "/v1/policy")["interval_ms"] == 80, "policy reloaded")
    f = rest.ok("GET", "/v1/sessions/7")["flows"][0]
    check(f["steering"]["mode"] == "split" and
          [p["weight"] for p in f["steering"]["paths"]] == [50, 50], "static flow %s" % f)
    check(rest.ok("GET", "/v1/ports")["ports"][1]["ip"] == "198.51.100.1",
          "the port keeps its running address")
    # Invalid: 400 naming the field, nothing changed.
    cfg["ncm"]["policy"]["interval_ms"] = 5
    gw.write(cfg)
    rest.error("POST", "/v1/config/reload", None, 400, "ncm.policy.interval_ms")
    check(rest.ok("GET", "/v1/policy")["interval_ms"] == 80, "invalid reload changed nothing")


def run_plain(tmp):
    gw = gateway(tmp, CONFIG, "rest-live-plain")
    with running(gw, "http"):
        rest = Rest("http://127.0.0.1:%d" % gw.rest_port)
        asyncio.run(asyncio.wait_for(scenario(gw, rest), 90))
        check_reload(gw, rest)
    print("ok: REST over http")


def tls_config(tmp):
    """CONFIG with https (the test CA's certificate, make_test_pki.sh run in
    tmp) and no NCM: the listener has a context of its own then."""
    subprocess.run(["sh", PKI, tmp], check=True, timeout=60)
    cfg = copy_config(CONFIG)
    del cfg["ncm"]
    cfg["rest"]["tls"] = {"cert": os.path.join(tmp, "server.pem"),
                          "key": os.path.join(tmp, "server.key")}
    return cfg


def run_tls(tmp):
    gw = gateway(tmp, tls_config(tmp), "rest-live-tls")
    with running(gw, "https"):
        ctx = ssl.create_default_context(cafile=os.path.join(tmp, "ca.pem"))
        rest = Rest("https://127.0.0.1:%d" % gw.rest_port, ctx)
        check(rest.ok("GET", "/v1/health")["sessions"] == 1, "health over https")
        rest.error("GET", "/v1/health", None, 401, "Authorization", token=None)
        rest.error("GET", "/v1/policy", None, 409, "")
        check(rest.ok("GET", "/v1/sessions")["sessions"][0]["state"] == "static", "static")
        status, _, text = rest.call("GET", "/metrics", raw=True)
        check(status == 200 and list(text_string_to_metric_families(text)), "metrics")
    print("ok: REST over https without an NCM")


def main():
    setup(sys.argv[1], sys.argv[2], sys.argv[3])
    tmp = tempfile.mkdtemp(prefix="rest-live-")
    try:
        run_plain(tmp)
        run_tls(tmp)
        check(CONTRACT.checked > 40, "only %d answers checked against openapi.yaml" %
              CONTRACT.checked)
        print("ok: %d answers match docs/api/openapi.yaml" % CONTRACT.checked)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

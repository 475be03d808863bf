#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""docs/api/openapi.yaml and the REST shim's route table list the same set
of (method, path) pairs; every operation documents 401 and every route with
a path parameter documents 404; every error response uses the Error schema.

    rest_openapi.py REST_ROUTES_BIN OPENAPI_YAML
"""
import subprocess
import sys

import yaml

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def main():
    routes_bin, doc_path = sys.argv[1], sys.argv[2]
    out = subprocess.run([routes_bin], check=True, capture_output=True, text=True,
                         timeout=30).stdout
    code = set()
    for line in out.splitlines():
        method, path = line.split(" ", 1)
        code.add((method.upper(), path))
    assert code, "the route table is empty"
    with open(doc_path) as f:
        doc = yaml.safe_load(f)
    assert str(doc.get("openapi", "")).startswith("3."), "not an OpenAPI 3 document"
    documented = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            documented.add((method.upper(), path))
            responses = {str(k) for k in op["responses"]}
            assert "401" in responses, "%s %s: 401 not documented" % (method, path)
            if "{" in path:
                assert "404" in responses, "%s %s: 404 not documented" % (method, path)
            if "requestBody" in op:
                assert "400" in responses, "%s %s: 400 not documented" % (method, path)
    missing = sorted(code - documented)
    extra = sorted(documented - code)
    assert not missing, "implemented but not in openapi.yaml: %s" % missing
    assert not extra, "in openapi.yaml but not implemented: %s" % extra
    for name, resp in doc["components"]["responses"].items():
        ref = resp["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/Error", "%s: %s" % (name, ref)
    print("openapi.yaml and the route table agree on %d routes" % len(code))


if __name__ == "__main__":
    main()

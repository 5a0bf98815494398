"""Every operation of docs/openapi.yaml through Python's standard library (urllib), as an app in
any language would call the HTTP API (docs/http.md).

    python3 http_every_endpoint.py BASE_1 BASE_2 TOKEN

BASE_1 and BASE_2 are the two nodes of tests/e2e/http_cluster.h's region (each owns about half
the partitions, so requests are forwarded and each node's change feed holds its own partitions').
Each call is checked against what docs/http.md says it answers; the last line printed is the
JSON list of the operations ("METHOD /template") called, which http_clients_e2e_test.cc compares
with the spec's, so that an operation added to the spec without a call here fails the test.
"""

import json
import sys
import urllib.error
import urllib.request

BASE, OTHER, TOKEN = sys.argv[1], sys.argv[2], sys.argv[3]
covered = set()


def call(operation, path, body=None, content_type=None, headers=None, base=BASE, token=TOKEN):
    """One request; returns (status, headers, body bytes). `operation` is the spec's name of it."""
    covered.add(operation)
    sent = {} if token is None else {"Authorization": "Bearer " + token}
    sent.update(headers or {})
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent["Content-Type"] = content_type or "application/json"
    method = operation.split(" ")[0]
    request = urllib.request.Request(base + path, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def expect(got, status, what):
    code, headers, body = got
    assert code == status, f"{what}: {code} (wanted {status}): {body[:300]!r}"
    assert headers["X-Request-Id"], f"{what}: no X-Request-Id"
    if code >= 400:
        error = json.loads(body)
        assert error["error"] and error["reason"], f"{what}: error body {body!r}"
    return headers, body


def expect_json(got, status, what):
    _, body = expect(got, status, what)
    return json.loads(body)


DOC = "/v1/docs/{collection}/{id}"

# The console and its status.
headers, page = expect(call("GET /", "/"), 200, "the console")
assert headers["Content-Type"].startswith("text/html") and b"<html" in page.lower()
status = expect_json(call("GET /v1/status", "/v1/status"), 200, "status")
assert "documents" in status, status
region = expect_json(call("GET /v1/status", "/v1/status?scope=region"), 200, "region status")
assert len(region["nodes"]) == 2, region

# Documents: write, read, merge patch with If-Match, JSON Patch into a list.
doc = {"title": "milk", "n": 1, "items": ["a"]}
headers, _ = expect(call("PUT " + DOC, "/v1/docs/py/a", doc), 200, "put")
etag = headers["ETag"]
headers, body = expect(call("GET " + DOC, "/v1/docs/py/a", base=OTHER), 200, "get through the other node")
assert json.loads(body) == doc and headers["ETag"] == etag, (body, headers["ETag"], etag)
patched = expect_json(call("PATCH " + DOC, "/v1/docs/py/a", {"n": 2}, "application/merge-patch+json",
                           {"If-Match": etag}), 200, "merge patch")
assert patched == {**doc, "n": 2}, patched
expect(call("PUT " + DOC, "/v1/docs/py/a", {"n": 3}, headers={"If-Match": etag}), 412, "stale If-Match")
listed = expect_json(call("PATCH " + DOC, "/v1/docs/py/a", [{"op": "add", "path": "/items/-", "value": "b"}],
                          "application/json-patch+json"), 200, "JSON Patch")
assert listed["items"] == ["a", "b"], listed

# Counters and sets.
counted = expect_json(call("POST " + DOC + "/_inc", "/v1/docs/py/a/_inc", {"field": "likes", "by": 2}), 200, "inc")
assert counted["likes"] == 2, counted
tagged = expect_json(call("POST " + DOC + "/_sadd", "/v1/docs/py/a/_sadd", {"field": "tags", "value": "crdt"}),
                     200, "sadd")
assert tagged["tags"] == ["crdt"], tagged
untagged = expect_json(call("POST " + DOC + "/_srem", "/v1/docs/py/a/_srem", {"field": "tags", "value": "crdt"}),
                       200, "srem")
assert untagged.get("tags", []) == [], untagged

# Pages of a collection, gathered from both nodes.
for i in range(20):
    expect(call("PUT " + DOC, f"/v1/docs/py/b{i:02}", {"n": 100 + i}), 200, "put b")
first = expect_json(call("GET /v1/docs/{collection}", "/v1/docs/py?limit=15"), 200, "a page")
assert [d["id"] for d in first["documents"]] == ["a"] + [f"b{i:02}" for i in range(14)], first
rest = expect_json(call("GET /v1/docs/{collection}", "/v1/docs/py?limit=100&start_after=" + first["next_start_after"]),
                   200, "the next page")
assert [d["id"] for d in rest["documents"]] == [f"b{i:02}" for i in range(14, 20)], rest

# Indexes and queries.
created = expect_json(call("POST /v1/indexes/{collection}", "/v1/indexes/py", {"fields": ["n"]}), 200, "index create")
assert created["fields"] == ["n"], created
for operation, path in (("GET /v1/indexes", "/v1/indexes"), ("GET /v1/indexes/{collection}", "/v1/indexes/py")):
    indexes = expect_json(call(operation, path), 200, operation)["indexes"]
    assert any(index["fields"] == ["n"] for index in indexes), indexes
query = {"selector": {"n": {"$gte": 110}}, "sort": [{"n": "desc"}], "limit": 5}
found = expect_json(call("POST /v1/docs/{collection}/_find", "/v1/docs/py/_find", query), 200, "find")
assert [d["doc"]["n"] for d in found["documents"]] == [119, 118, 117, 116, 115], found
explained = expect_json(call("POST /v1/docs/{collection}/_find", "/v1/docs/py/_find?explain=true", query), 200,
                        "find --explain")
assert explained, explained
expect_json(call("POST /v1/docs/{collection}/_find", "/v1/docs/py/_find", {"selector": {"n": {"$bad": 1}}}), 400,
            "a bad selector")
dropped = expect_json(call("DELETE /v1/indexes/{collection}/{name}", "/v1/indexes/py/n"), 200, "index drop")
assert dropped["dropped"], dropped
expect(call("DELETE /v1/indexes/{collection}/{name}", "/v1/indexes/py/n"), 404, "drop again")


def backlog(base):
    """The paths of a node's change feed under /py from its start, read until the feed waits."""
    covered.add("GET /v1/changes")
    request = urllib.request.Request(base + "/v1/changes?prefix=/py&since=0",
                                     headers={"Authorization": "Bearer " + TOKEN})
    paths = set()
    with urllib.request.urlopen(request, timeout=30) as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/event-stream"), r.headers
        for raw in r:
            line = raw.decode().rstrip("\n")
            if line.startswith(": waiting"):
                return paths
            if line.startswith("data: "):
                paths.add(json.loads(line[6:])["path"])
    return paths


changed = backlog(BASE) | backlog(OTHER)
assert changed == {"/py/a"} | {f"/py/b{i:02}" for i in range(20)}, changed
expect(call("GET /v1/changes", "/v1/changes?since=x"), 400, "a malformed cursor")

# Metrics, as Prometheus reads them.
headers, metrics = expect(call("GET /metrics", "/metrics"), 200, "metrics")
assert headers["Content-Type"].startswith("text/plain"), headers["Content-Type"]
assert b"crdtdb_http_request_duration_seconds_count" in metrics and b"process_resident_memory_bytes" in metrics

# Delete with the current version, then the errors every client meets.
headers, _ = expect(call("GET " + DOC, "/v1/docs/py/a"), 200, "get before delete")
expect(call("DELETE " + DOC, "/v1/docs/py/a", headers={"If-Match": headers["ETag"]}), 204, "delete")
expect(call("GET " + DOC, "/v1/docs/py/a"), 404, "get after delete")
expect(call("GET /v1/status", "/v1/status", token=None), 401, "no token")
expect(call("GET /v1/status", "/v1/status", token="wrong"), 403, "a wrong token")
expect(call("PUT " + DOC, "/v1/docs/py/c", b"{", "application/json"), 400, "malformed JSON")
expect(call("PUT " + DOC, "/v1/docs/py/c", b"x=1", "text/plain"), 415, "another content type")
expect(call("GET " + DOC, "/v1/docs/py/c"), 404, "nothing written by the refused writes")

print(json.dumps(sorted(covered)))

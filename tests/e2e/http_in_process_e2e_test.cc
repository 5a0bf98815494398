// Copyright (c) crdtdb authors.
//
// A node's HTTP workers reach their own node in process (an inproc:// endpoint, no CURVE there)
// and the other nodes over TCP with CURVE (docs/http.md, "How a request is served"): under
// security.curve, on real `crdtdb serve` processes, documents of both nodes' partitions written
// through either node are read back through the other, and the status of the node and the region
// answer.

#include <string>

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/http_cluster.h"

namespace crdtdb::testing {

TEST_CASE("http: under security.curve a node answers in process what it owns and forwards the rest over CURVE") {
  HttpCluster cluster(/*curve=*/true);
  for (size_t n = 0; n < cluster.size(); ++n) {
    for (int i = 0; i < 16; ++i) {  // ids of both nodes' partitions (one owner each)
      const std::string path = "/v1/docs/todo/curve-" + std::to_string(n) + "-" + std::to_string(i);
      httplib::Result put = cluster.Client(n).Put(path, R"({"i": )" + std::to_string(i) + "}", "application/json");
      REQUIRE(put);
      REQUIRE_MESSAGE(put->status == 200, put->body);
      httplib::Result get = cluster.Client((n + 1) % cluster.size()).Get(path);
      REQUIRE(get);
      REQUIRE_MESSAGE(get->status == 200, get->body);
      CHECK(Body(get)["i"] == i);
    }
    httplib::Result own = cluster.Client(n).Get("/v1/status");
    REQUIRE(own);
    CHECK(own->status == 200);
    httplib::Result region = cluster.Client(n).Get("/v1/status?scope=region");
    REQUIRE(region);
    CHECK(region->status == 200);
    CHECK(Body(region)["healthy"] == true);
  }
}

}  // namespace crdtdb::testing

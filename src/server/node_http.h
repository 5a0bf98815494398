// Copyright (c) crdtdb authors.
//
// The HTTP API of a node (http/http_server.h, docs/http.md), started beside its event loop when
// the node's config entry has an `http` endpoint. The API holds no replica of its own: each
// request runs as the CLI's command, as a client request to a node, so that it is answered exactly
// as the CLI's would be.

#ifndef CRDTDB_SERVER_NODE_HTTP_H_
#define CRDTDB_SERVER_NODE_HTTP_H_

#include <memory>
#include <string>

#include "command/region_router.h"
#include "config/cluster_config.h"
#include "crdtdb/result.h"
#include "http/http_server.h"
#include "metrics/registry.h"

namespace crdtdb::server {

// The HTTP API of node `self` of `region` (`self.http` must be set): each request runs on the node
// itself, reached in process (`router` is made with RouterOptions::in_process), or on the owners,
// at their client endpoints, for a document of a partition it does not keep (`router`, which
// must outlive the server). `status` is the node's own, or with `?scope=region`
// the region's view (command/region_status.h). `/metrics` serves `registry`, which must outlive
// the server too.
Result<std::unique_ptr<http::HttpServer>> StartHttp(const ClusterConfig& config, const RegionConfig& region,
                                                    const NodeConfig& self, command::RegionRouter& router,
                                                    metrics::Registry& registry);

// A reload (SIGHUP) applied `security`: the server admits its tokens from now on (the config's and
// those its http_tokens_file lists, read again). Fails closed and keeps serving: when the file
// cannot be read or lists nothing, or when no token is left at all (which would turn
// authentication off: only a restart does that), the tokens in use stay and an ERROR says why.
void ReloadHttpTokens(http::HttpServer& server, const SecurityConfig& security, const std::string& node);

}  // namespace crdtdb::server

#endif  // CRDTDB_SERVER_NODE_HTTP_H_

// Copyright (c) crdtdb authors.

#include "server/node_http.h"

#include <string>
#include <utility>
#include <vector>

#include "command/command.h"
#include "command/exit_codes.h"
#include "command/region_status.h"
#include "config/http_tokens_file.h"
#include "config/value_syntax.h"
#include "server/node_log.h"

namespace crdtdb::server {

Result<std::unique_ptr<http::HttpServer>> StartHttp(const ClusterConfig& config, const RegionConfig& region,
                                                    const NodeConfig& self, command::RegionRouter& router,
                                                    metrics::Registry& registry) {
  Result<HttpEndpoint> endpoint = ParseHttpHostPort(*self.http);  // checked by the loader
  if (!endpoint.ok()) return endpoint.status();
  http::HttpOptions options;
  options.host = endpoint->host;
  options.port = endpoint->port;
  Result<std::vector<std::string>> tokens = HttpTokenDigests(config.security);
  if (!tokens.ok()) return tokens.status();
  options.token_digests = std::move(tokens).value();
  options.metrics = &registry;
  options.tls_cert_file = self.http_cert_file.value_or("");
  options.tls_key_file = self.http_key_file.value_or("");
  const std::string node = self.name;
  auto send = [&router, &self, &config, &region](const command::Command& command) -> command::Outcome {
    // Status and the change feed are this node's own (docs/changes.md): the rest is routed.
    if (command.verb != command::Command::Verb::kStatus && command.verb != command::Command::Verb::kWatch) {
      return router.Execute(command);
    }
    // A one-node region's node is the region: its own status is the region's view.
    if (command.verb == command::Command::Verb::kStatus && command.whole_region && region.nodes.size() > 1) {
      return command::RegionStatus(router, config, region, "");
    }
    bool sent = false;
    Result<command::Outcome> outcome = router.Call(self, command, &sent);
    if (outcome.ok()) return std::move(outcome).value();
    return command::Outcome{command::kExitFailure, "", outcome.status().message(), {}, {}};
  };
  Result<std::unique_ptr<http::HttpServer>> server = http::HttpServer::Start(
      std::move(options), send, [node](const char* level, const std::string& message) { Log(level, node, message); });
  if (server.ok()) {
    Log("INFO", node,
        std::string(self.http_cert_file ? "HTTPS" : "HTTP") + " API on " + *self.http +
            (server.value()->authenticates() ? ", bearer tokens required" : " without authentication"));
  }
  return server;
}

void ReloadHttpTokens(http::HttpServer& server, const SecurityConfig& security, const std::string& node) {
  Result<std::vector<std::string>> tokens = HttpTokenDigests(security);
  if (!tokens.ok()) {
    Log("ERROR", node, "reload: the HTTP tokens in use stay: " + tokens.status().ToString());
    return;
  }
  if (tokens->empty()) {
    if (server.authenticates()) {
      Log("ERROR", node,
          "reload: the HTTP tokens in use stay: the configuration lists none, and a reload does not turn "
          "authentication off (restart the node for that)");
    }
    return;
  }
  const size_t count = tokens->size();
  server.SetTokenDigests(std::move(tokens).value());
  Log("INFO", node, "reload: HTTP tokens replaced, " + std::to_string(count) + " admitted");
}

}  // namespace crdtdb::server

// Copyright (c) crdtdb authors.
//
// The crdtdb command line as CLI11 sees it: every option and verb (docs/cli.md), and the values
// they carry. main.cc asks after parsing which were given, and runs the verb.

#ifndef CRDTDB_CLI_ARGUMENTS_H_
#define CRDTDB_CLI_ARGUMENTS_H_

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace crdtdb::cli {

// Every value the command line can carry; each verb reads the ones it declares.
struct Arguments {
  bool hash_token = false;  // http-token --hash: the digest of a token read from stdin
  std::string data_dir = "./crdtdb-data";
  std::string config, region, endpoint;  // a running region instead of the embedded store
  std::string node;                       // serve: the node of --region to run
  std::string client_key, server_key;     // CURVE with --endpoint (interfaces section 5)
  std::string path;
  std::string json;
  std::string field;
  std::string by = "1";
  bool conflicts = false;
  bool with_base = false;  // get: print the base version a JSON Patch may name
  std::string base;        // patch: a JSON Patch's base version
  bool allow_partial = false;  // list, diff of a region of several nodes: exit 0 without some partitions
  std::string limit;
  std::string start_after;
  std::vector<std::string> sort, fields;  // find
  std::string bookmark;                   // find
  std::string since;                      // watch: the cursor to resume after
  bool explain = false;                   // find
  std::string against;  // diff: the second replica, a region of --config or tcp://HOST:PORT
  std::string into;     // repair
  bool live = false;        // sync --live: a live sync until SIGINT/SIGTERM
  std::string publish;      // sync --live --endpoint: the region's publish endpoint
};

// The options and verbs, kept to ask after parsing which were given.
struct Parser {
  CLI::App app{
      "crdtdb: a geo-replicated CRDT document database.\n"
      "Without --config or --endpoint, every verb runs against the embedded store in\n"
      "--data-dir, with no server (offline-first use).",
      "crdtdb"};
  CLI::Option *data_dir = nullptr, *config = nullptr, *region = nullptr, *endpoint = nullptr,
              *client_key = nullptr, *server_key = nullptr;
  CLI::Option *put_json = nullptr, *patch_json = nullptr, *limit = nullptr, *find_limit = nullptr,
              *find_selector = nullptr;
  CLI::App *get = nullptr, *put = nullptr, *patch = nullptr, *del = nullptr, *list = nullptr,
           *inc = nullptr, *sadd = nullptr, *srem = nullptr, *status = nullptr, *verify = nullptr,
           *find = nullptr, *watch = nullptr;
  CLI::App *index = nullptr, *index_create = nullptr, *index_list = nullptr, *index_drop = nullptr;
  CLI::App *serve = nullptr, *sync = nullptr, *diff = nullptr, *keygen = nullptr, *repair = nullptr,
           *http_token = nullptr;
};

// Declares every option and verb of `p`, bound to the fields of `a` (which must outlive `p`'s use).
void Define(Parser& p, Arguments& a);
// The `index` verb and its create, list and drop (index_arguments.cc).
void DefineIndex(Parser& p, Arguments& a);

}  // namespace crdtdb::cli

#endif  // CRDTDB_CLI_ARGUMENTS_H_

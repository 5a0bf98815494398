// Copyright (c) crdtdb authors.

#include "cli/arguments.h"

#include <string>
#include <string_view>

#include "command/version.h"

namespace crdtdb::cli {

namespace {

constexpr std::string_view kPathHelp = "document path /COLLECTION/ID (leading slash optional)";
constexpr std::string_view kJsonHelp = "JSON object; absent or - reads standard input";

CLI::App* AddVerb(CLI::App& app, const std::string& name, const std::string& description,
                  const std::string& example) {
  CLI::App* verb = app.add_subcommand(name, description);
  verb->group("Verbs");
  verb->footer("Example:\n" + example);
  return verb;
}

}  // namespace

void Define(Parser& p, Arguments& a) {
  CLI::App& app = p.app;
  app.set_version_flag("--version", "crdtdb " + std::string(command::Version()));
  // A missing verb is reported by Run, with a clearer line than CLI11's.
  app.require_subcommand(0, 1);
  app.get_formatter()->label("SUBCOMMAND", "VERB");
  app.footer(
      "Exit codes: 0 success, 2 usage or bad input (nothing changed), 3 document not found, 1 any\n"
      "other error. Run 'crdtdb VERB --help' for a verb's arguments and an example; docs/cli.md\n"
      "has the whole reference.");
  p.data_dir = app.add_option("--data-dir", a.data_dir,
                              "directory of the embedded store (created by the first write)")
                   ->capture_default_str()
                   ->type_name("DIR");
  p.config = app.add_option("--config", a.config, "region configuration file: talk to a running region")
                 ->type_name("FILE");
  p.region = app.add_option("--region", a.region, "the region of --config to talk to")->type_name("NAME");
  p.endpoint =
      app.add_option("--endpoint", a.endpoint, "tcp://HOST:PORT: the client endpoint of a running replica")
          ->type_name("URL");
  p.client_key = app.add_option("--client-key", a.client_key,
                                "CURVE secret key file (mode 0600) of a client listed in security.clients")
                     ->type_name("FILE");
  p.server_key =
      app.add_option("--server-key", a.server_key, "the region's CURVE public key (Z85), with --client-key")
          ->type_name("KEY");

  p.get = AddVerb(app, "get", "Print one document as a JSON object.",
                  "  $ crdtdb get /todos/1\n  {\"done\":false,\"title\":\"milk\"}");
  p.get->add_option("PATH", a.path, std::string(kPathHelp))->type_name("")->required();
  p.get->add_flag(
      "--conflicts", a.conflicts,
      "print {\"doc\": ..., \"conflicts\": {\"/pointer\": [values]}} with every concurrent value");
  p.get->add_flag("--with-base", a.with_base,
                  "print {\"doc\": ..., \"base\": VERSION}: the version to give patch --base");

  p.put = AddVerb(app, "put", "Create or replace a document; fields not in JSON are removed.",
                  "  $ crdtdb put /todos/1 '{\"title\": \"milk\", \"done\": false}'\n"
                  "  {\"done\":false,\"title\":\"milk\"}");
  p.put->add_option("PATH", a.path, std::string(kPathHelp))->type_name("")->required();
  p.put_json = p.put->add_option("JSON", a.json, std::string(kJsonHelp))->type_name("");

  p.patch = AddVerb(
      app, "patch",
      "Apply a JSON object as an RFC 7396 merge patch (null removes a field), or a JSON array as\n"
      "an RFC 6902 JSON Patch (add, remove, replace, move, copy, test; list inserts and removals\n"
      "merge), as one atomic write; creates the document if missing.",
      "  $ crdtdb patch /todos/1 '{\"done\": true, \"title\": null}'\n  {\"done\":true}\n"
      "  $ crdtdb patch /lists/1 '[{\"op\": \"add\", \"path\": \"/items/-\", \"value\": \"milk\"}]'\n"
      "  {\"items\":[\"eggs\",\"milk\"]}");
  p.patch->add_option("PATH", a.path, std::string(kPathHelp))->type_name("")->required();
  p.patch_json = p.patch->add_option("JSON", a.json, "JSON object or array; absent or - reads standard input")
                     ->type_name("");
  p.patch->add_option("--base", a.base,
                      "a JSON Patch's list indexes address the document as of this version (get "
                      "--with-base printed it), not as it is now")
      ->type_name("VERSION");

  p.del =
      AddVerb(app, "delete", "Delete a document; prints nothing.", "  $ crdtdb delete /todos/1");
  p.del->add_option("PATH", a.path, std::string(kPathHelp))->type_name("")->required();

  p.list = AddVerb(app, "list", "Print a collection's documents in id order as NDJSON.",
                   "  $ crdtdb list /todos --limit 2\n"
                   "  {\"id\":\"1\",\"doc\":{\"done\":true}}\n"
                   "  {\"id\":\"2\",\"doc\":{\"title\":\"bread\"}}\n"
                   "  $ crdtdb list /todos --limit 2 --start-after 2");
  p.list->add_option("COLLECTION", a.path, "collection /COLLECTION (leading slash optional)")
      ->type_name("")
      ->required();
  p.limit = p.list->add_option("--limit", a.limit, "print at most N documents (default: all)")
                ->type_name("N");
  p.list
      ->add_option("--start-after", a.start_after,
                   "begin after this id (the last id of the previous page)")
      ->type_name("ID");
  p.list->add_flag("--allow-partial", a.allow_partial,
                   "with a region of several nodes: exit 0 even if some partitions had no owner "
                   "that answered (stderr names them)");

  p.find = AddVerb(
      app, "find",
      "Print a collection's documents that match a selector (docs/queries.md) as NDJSON, in id\n"
      "order or by --sort; with --limit, a last line {\"bookmark\": B} when more may follow.",
      "  $ crdtdb find /todos '{\"done\": false, \"due\": {\"$lt\": 20}}' --sort due:desc --limit 1\n"
      "  {\"id\":\"2\",\"doc\":{\"done\":false,\"due\":12,\"title\":\"bread\"}}\n"
      "  {\"bookmark\":\"WzEsIjIiLFtbMTJdXV0\"}\n"
      "  $ crdtdb find /todos '{\"done\": false, \"due\": {\"$lt\": 20}}' --sort due:desc --bookmark WzEsIjIiLFtbMTJdXV0");
  p.find->add_option("COLLECTION", a.path, "collection /COLLECTION (leading slash optional)")
      ->type_name("")
      ->required();
  p.find_selector = p.find->add_option("SELECTOR", a.json,
                                       "selector, a JSON object; absent or - reads standard input")
                        ->type_name("");
  p.find->add_option("--sort", a.sort, "sort by FIELD (dotted path), :desc for descending; repeat or "
                                       "separate by commas for more fields")
      ->type_name("FIELD[:asc|:desc]")
      ->delimiter(',');
  p.find->add_option("--fields", a.fields, "print only these fields of each document")
      ->type_name("FIELD,...")
      ->delimiter(',');
  p.find_limit = p.find->add_option("--limit", a.limit, "print at most N documents (default: all)")
                     ->type_name("N");
  p.find->add_option("--bookmark", a.bookmark, "begin after the page that printed this bookmark")
      ->type_name("B");
  p.find->add_flag("--explain", a.explain,
                   "print how the first page was read instead of the documents: the index used (or "
                   "null), index keys and documents read, documents returned (docs/queries.md)");
  p.find->add_flag("--allow-partial", a.allow_partial,
                   "with a region of several nodes: exit 0 even if some partitions had no owner "
                   "that answered (stderr names them)");

  p.watch = AddVerb(
      app, "watch",
      "Print every change of a document under a path prefix, local or replicated, one JSON line\n"
      "each in the order the replica applied them, until interrupted (docs/changes.md). With\n"
      "--since, resume right after that cursor. On an embedded store (--data-dir), print the\n"
      "changes since the cursor and exit: no other process can write to it meanwhile.",
      "  $ crdtdb --endpoint tcp://127.0.0.1:7103 watch /todos\n"
      "  {\"cursor\":\"5f0c9e2a4b7d1e33-42\",\"path\":\"/todos/1\",\"doc\":{\"title\":\"milk\"}}\n"
      "  $ crdtdb --endpoint tcp://127.0.0.1:7103 watch /todos --since 5f0c9e2a4b7d1e33-42");
  p.watch->add_option("PREFIX", a.path, "/COLLECTION, /COLLECTION/ID-PREFIX, or / for every document")
      ->type_name("")
      ->required();
  p.watch->add_option("--since", a.since, "resume right after this cursor (0: the oldest change kept)")
      ->type_name("CURSOR");
  DefineIndex(p, a);

  p.inc = AddVerb(
      app, "inc", "Add N (default 1, may be negative) to a counter field; creates it at 0.",
      "  $ crdtdb inc /stats/app launches\n  {\"launches\":1}\n"
      "  $ crdtdb inc /stats/app /usage/clicks -5\n  {\"launches\":1,\"usage\":{\"clicks\":-5}}");
  p.inc->add_option("PATH", a.path, std::string(kPathHelp))->type_name("")->required();
  p.inc->add_option("FIELD", a.field, "field name, or a JSON pointer /a/b for a nested field")
      ->type_name("")
      ->required();
  p.inc->add_option("N", a.by, "whole number to add (default 1)")->type_name("");

  p.sadd = AddVerb(app, "sadd", "Add a JSON scalar to the add-wins set FIELD; creates it empty.",
                   "  $ crdtdb sadd /todos/1 tags '\"shop\"'\n  {\"tags\":[\"shop\"]}");
  p.srem = AddVerb(app, "srem",
                   "Remove a JSON scalar from the add-wins set FIELD (a concurrent add wins).",
                   "  $ crdtdb srem /todos/1 tags '\"shop\"'\n  {}");
  for (CLI::App* verb : {p.sadd, p.srem}) {
    verb->add_option("PATH", a.path, std::string(kPathHelp))->type_name("")->required();
    verb->add_option("FIELD", a.field, "field name, or a JSON pointer /a/b for a nested field")
        ->type_name("")
        ->required();
    verb->add_option("JSON", a.json,
                     "the element: a JSON scalar (string, number, true, false, null); - reads "
                     "standard input")
        ->type_name("")
        ->required();
  }

  p.status =
      AddVerb(app, "status", "Print the replica's state as one JSON object.",
              "  $ crdtdb status\n"
              "  {\"cluster\":null,\"region\":null,\"replica_id\":\"...\",\"documents\":1,...}");
  p.status->add_option("--node", a.node,
                       "with --config/--region of several nodes: that node's status alone")
      ->type_name("NODE");
  p.verify =
      AddVerb(app, "verify", "Check every stored digest and the Merkle tree; exits 1 on problems.",
              "  $ crdtdb verify\n  {\"documents_checked\":1,\"problems\":[]}");

  p.serve = AddVerb(app, "serve",
                    "Run a region's replica (one node of a region of several: --node) in the\n"
                    "foreground until SIGINT/SIGTERM; logs on stderr.",
                    "  $ crdtdb serve --config regions.yaml --region us-east\n"
                    "  $ crdtdb serve --config regions.yaml --region eu-west --node eu-west-2");
  p.serve->add_option("--node", a.node, "the node of the region to run (for a region of several nodes)")
      ->type_name("NODE");
  p.sync = AddVerb(
      app, "sync",
      "Two-way sync of the embedded store (--data-dir, required) with a region, named by\n"
      "--config/--region or by the address of its sync endpoint (--endpoint); prints a summary.",
      "  $ crdtdb --data-dir app-data sync --config regions.yaml --region us-east\n"
      "  {\"region\":\"us-east\",\"documents_sent\":3,...,\"in_sync\":true}\n"
      "  $ crdtdb --data-dir app-data sync --endpoint tcp://127.0.0.1:7102\n"
      "  $ crdtdb --data-dir app-data sync --live --config regions.yaml --region us-east");
  p.sync->add_flag("--live", a.live,
                   "keep syncing until SIGINT/SIGTERM: push local writes, pull the region's changes as\n"
                   "they happen, retry while it is unreachable; prints each state change as a JSON line");
  p.sync->add_option("--publish", a.publish,
                     "with --live --endpoint: the region's publish endpoint, heard for changes\n"
                     "(without it, changes are pulled every 30 s)")
      ->type_name("ENDPOINT");
  p.diff = AddVerb(
      app, "diff",
      "List the documents that differ between a region (--config/--region, or --endpoint: its\n"
      "sync endpoint) and a second replica: --against (another region of --config, or a sync\n"
      "endpoint tcp://HOST:PORT) or the embedded store --data-dir. Read-only on both sides. A region\n"
      "of several nodes is compared partition by partition, each with one owner.",
      "  $ crdtdb diff --config regions.yaml --region us-east --against eu-west\n"
      "  "
      "{\"a\":{\"region\":\"us-east\",\"root\":\"...\"},\"b\":{...},\"differences\":[...],"
      "\"equal\":false,...}\n"
      "  $ crdtdb --data-dir app-data diff --config regions.yaml --region us-east");
  for (CLI::App* verb : {p.serve, p.sync, p.diff}) {
    verb->add_option("--config", a.config, "region configuration file")->type_name("FILE");
    verb->add_option("--region", a.region, "the region")->type_name("NAME");
  }
  for (CLI::App* verb : {p.sync, p.diff}) {
    verb->add_option("--endpoint", a.endpoint, "tcp://HOST:PORT: the region's sync endpoint")
        ->type_name("URL");
    verb->add_option("--client-key", a.client_key, "CURVE secret key file, with --endpoint")
        ->type_name("FILE");
    verb->add_option("--server-key", a.server_key, "the region's CURVE public key, with --endpoint")
        ->type_name("KEY");
  }
  p.diff
      ->add_option("--against", a.against,
                   "the second replica: a region of --config, or a sync endpoint tcp://HOST:PORT")
      ->type_name("REGION|URL");
  p.diff->add_option("--limit", a.limit, "report at most N documents (default 1000)")
      ->type_name("N");
  p.diff->add_flag("--allow-partial", a.allow_partial,
                   "with a region of several nodes: exit 0 even if some partitions had no owner "
                   "that answered (missing_partitions and stderr name them)");
  p.keygen = AddVerb(app, "keygen", "Print a new CURVE key pair (Z85) as a JSON object.",
                     "  $ crdtdb keygen\n  {\"public\":\"...40 characters...\",\"secret\":\"...\"}");

  p.http_token = AddVerb(app, "http-token",
                         "Print a new HTTP bearer token and its SHA-256, the digest that goes into "
                         "security.http_tokens (docs/http.md).",
                         "  $ crdtdb http-token\n  {\"token\":\"...64 hex digits...\",\"sha256\":\"...\"}\n"
                         "  $ printf %s \"$TOKEN\" | crdtdb http-token --hash\n  {\"sha256\":\"...\"}");
  p.http_token->add_flag("--hash", a.hash_token,
                         "hash a token read from stdin (one line) instead of making a new one");

  p.repair = AddVerb(
      app, "repair",
      "Repair a copy of a damaged embedded store (--data-dir) into a new directory; "
      "prints what was kept and lost.",
      "  $ crdtdb --data-dir data repair --into data.repaired\n"
      "  {\"repaired_into\":\"data.repaired\",\"documents_kept\":118,...,\"lost_keys\":[...],...}");
  p.repair->add_option("--into", a.into, "new directory (missing or empty) for the repaired copy")
      ->type_name("NEWDIR")
      ->required();

  // The upper-case HTTP spellings of the contract.
  p.get->alias("GET");
  p.put->alias("PUT");
  p.patch->alias("PATCH");
  p.del->alias("DELETE");
}

}  // namespace crdtdb::cli

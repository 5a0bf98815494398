// Copyright (c) crdtdb authors.
//
// `crdtdb index create|list|drop` (docs/cli.md, "index"): secondary indexes of a collection.

#include "cli/arguments.h"

namespace crdtdb::cli {

void DefineIndex(Parser& p, Arguments& a) {
  p.index = p.app.add_subcommand("index", "Create, list or drop the secondary indexes of a collection (docs/queries.md).");
  p.index->group("Verbs");
  p.index->require_subcommand(1, 1);
  p.index->footer(
      "Example:\n"
      "  $ crdtdb index create /todos owner,due\n"
      "  {\"collection\":\"todos\",\"name\":\"owner,due\",\"fields\":[\"owner\",\"due\"],\"state\":\"ready\"}\n"
      "  $ crdtdb index list\n"
      "  $ crdtdb index drop /todos owner,due");
  p.index_create = p.index->add_subcommand(
      "create", "Index the collection on one field or several (compound); prints the index. Embedded, it\n"
                "returns once built; against a server at once (status shows the build's progress).");
  p.index_create->add_option("COLLECTION", a.path, "collection /COLLECTION (leading slash optional)")
      ->type_name("")
      ->required();
  p.index_create->add_option("FIELDS", a.field, "dotted field paths, comma-separated: owner.name,due")
      ->type_name("")
      ->required();
  p.index_list = p.index->add_subcommand("list", "Print {\"indexes\": [...]}: every index, or a collection's.");
  p.index_list->add_option("COLLECTION", a.path, "only this collection's indexes")->type_name("");
  p.index_drop = p.index->add_subcommand("drop", "Drop an index (its name is its field list); exit 3 if none.");
  p.index_drop->add_option("COLLECTION", a.path, "collection /COLLECTION (leading slash optional)")
      ->type_name("")
      ->required();
  p.index_drop->add_option("NAME", a.field, "the index's name: its fields as given to create")
      ->type_name("")
      ->required();
}

}  // namespace crdtdb::cli

// Copyright (c) crdtdb authors.
//
// The merge of the pages the nodes of a region give for a find (command/find_merge.h), and the
// find command as it travels.

#include "command/find_merge.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "command/command.h"
#include "query/bookmark.h"

namespace crdtdb::command {
namespace {

std::string Line(const std::string& id, int n) {
  return "{\"id\":\"" + id + "\",\"doc\":{\"n\":" + std::to_string(n) + ",\"x\":1}}\n";
}

std::string BookmarkLine(const std::string& id, int n) {
  return "{\"bookmark\":\"" + query::EncodeBookmark(query::Position{{query::Json(n)}, id}) +
         "\"}\n";
}

TEST_CASE("find merge: pages merge in the query's order, up to where every node is complete") {
  const std::string query = R"({"selector":{},"sort":[{"n":"desc"}],"limit":3,"fields":["n"]})";
  // Node A had more after n=7 (its bookmark); node B gave all it had.
  const std::vector<std::string> pages = {Line("a1", 9) + Line("a2", 7) + BookmarkLine("a2", 7),
                                          Line("b1", 8) + Line("b2", 6)};
  Result<std::string> merged = MergeFindPages(query, pages);
  REQUIRE(merged.ok());
  // b2 (n=6) comes after A's bookmark: A may hold documents before it, so it waits for the next
  // page.
  CHECK(*merged ==
        "{\"id\":\"a1\",\"doc\":{\"n\":9}}\n{\"id\":\"b1\",\"doc\":{\"n\":8}}\n"
        "{\"id\":\"a2\",\"doc\":{\"n\":7}}\n" +
            BookmarkLine("a2", 7));

  // With limit 2 the page ends at its second document, whose position is the bookmark.
  merged = MergeFindPages(R"({"selector":{},"sort":[{"n":"desc"}],"limit":2})", pages);
  REQUIRE(merged.ok());
  CHECK(*merged == Line("a1", 9) + Line("b1", 8) + BookmarkLine("b1", 8));

  // Every node complete and fewer than the limit: no bookmark.
  merged = MergeFindPages(R"({"selector":{},"limit":5})", {Line("b", 1), Line("a", 2)});
  REQUIRE(merged.ok());
  CHECK(*merged == Line("a", 2) + Line("b", 1));

  CHECK_FALSE(MergeFindPages(R"({"selector":{}})", {"not json\n"}).ok());
}

TEST_CASE("find command: the query and partitions travel intact") {
  Command find;
  find.verb = Command::Verb::kFind;
  find.path = "/todos";
  find.json = R"({"selector":{"done":false},"limit":10})";
  find.partitions = {1, 2};
  find.partition_count = 4;
  Result<Command> decoded = DecodeCommand(EncodeCommand(find));
  REQUIRE(decoded.ok());
  CHECK(decoded->verb == Command::Verb::kFind);
  CHECK(decoded->json == find.json);
  CHECK(decoded->partitions == find.partitions);
}

}  // namespace
}  // namespace crdtdb::command

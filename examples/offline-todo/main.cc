// Copyright (c) crdtdb authors.
//
// offline_todo: an offline-first todo list over an embedded crdtdb Database, built against the
// installed package like any app. It reads and writes documents as crdtdb::Values, never as JSON
// text. Documents: todos/NNNNNN = {"title": "...", "done": false}; stats/todos holds the counters
// "added" and "completed". Ids come from "added"; an app whose replicas add todos concurrently
// would prefix them with status().replica_id to keep them unique.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <crdtdb/crdtdb.hpp>

namespace {

constexpr std::string_view kUsage =
    "usage: offline_todo [--data-dir DIR] add TITLE... | done ID | list | stats\n";

int Fail(std::string_view what, const crdtdb::Status& status) {
  std::fprintf(stderr, "offline_todo: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               status.ToString().c_str());
  return status.IsInvalidArgument() ? 2 : status.IsNotFound() ? 3 : 1;  // as the crdtdb CLI
}

std::string KeyOf(int64_t id) {  // zero-padded, so that list shows todos in id order
  const std::string digits = std::to_string(id);
  return "todos/" + std::string(digits.size() < 6 ? 6 - digits.size() : 0, '0') + digits;
}

struct Todo {
  std::string title;
  bool done = false;
};

// A todo as the app sees it; a field missing or of another type (written by an older or newer
// app) reads as its default rather than failing.
Todo TodoOf(const crdtdb::Value& document) {
  return {document["title"].as_string().value_or(""), document["done"].as_bool().value_or(false)};
}

int Add(crdtdb::Database& db, const std::vector<std::string>& words) {
  std::string title = words[0];
  for (size_t i = 1; i < words.size(); ++i) title += " " + words[i];
  auto counters = db.increment_value("stats/todos", "added", 1);
  if (!counters.ok()) return Fail("add", counters.status());
  const int64_t id = (*counters)["added"].as_int().value_or(0);  // this todo's number
  auto put = db.put_value(KeyOf(id), crdtdb::Object{{"title", title}, {"done", false}});
  if (!put.ok()) return Fail("add", put.status());
  std::printf("added todo %lld: %s\n", static_cast<long long>(id), title.c_str());
  return 0;
}

int Done(crdtdb::Database& db, const std::string& arg) {
  char* end = nullptr;
  const long long id = std::strtoll(arg.c_str(), &end, 10);
  if (id <= 0 || *end != '\0') {
    return Fail("done " + arg, crdtdb::Status::InvalidArgument("not a todo id"));
  }
  auto todo = db.get_value(KeyOf(id));
  if (!todo.ok()) return Fail("done " + arg, todo.status());
  if (TodoOf(*todo).done) return std::printf("todo %lld was already done\n", id), 0;
  auto patched = db.patch_value(KeyOf(id), crdtdb::Object{{"done", true}});
  if (!patched.ok()) return Fail("done", patched.status());
  auto counted = db.increment_value("stats/todos", "completed", 1);
  if (!counted.ok()) return Fail("done", counted.status());
  std::printf("done todo %lld: %s\n", id, TodoOf(*patched).title.c_str());
  return 0;
}

int ListOrStats(crdtdb::Database& db, const std::string& command) {
  long long open = 0, done = 0;
  crdtdb::ListOptions page_options;
  for (bool more = true; more;) {
    auto page = db.list_values("todos", page_options);
    if (!page.ok()) return Fail(command, page.status());
    for (const crdtdb::ListedValue& listed : page->documents) {
      const Todo todo = TodoOf(listed.value);
      todo.done ? ++done : ++open;
      if (command == "list") {
        std::printf("[%c] %lld %s\n", todo.done ? 'x' : ' ',
                    std::strtoll(listed.id.c_str(), nullptr, 10), todo.title.c_str());
      }
    }
    more = page->next_start_after.has_value();
    if (more) page_options.start_after = *page->next_start_after;
  }
  if (command == "stats") {
    auto counters = db.get_value("stats/todos");
    if (counters.status().IsNotFound()) counters = crdtdb::Value(crdtdb::Object{});  // none yet
    if (!counters.ok()) return Fail(command, counters.status());
    std::printf("todos: %lld open, %lld done; ever added %lld, completed %lld\n", open, done,
                static_cast<long long>((*counters)["added"].as_int().value_or(0)),
                static_cast<long long>((*counters)["completed"].as_int().value_or(0)));
    std::printf("replica: %s\n", db.status().replica_id.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir = "./todo-data";
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--data-dir" && i + 1 < argc) {
      data_dir = argv[++i];
    } else {
      args.emplace_back(arg);
    }
  }
  if (args.empty()) return std::fputs(kUsage.data(), stderr), 2;
  const std::string& command = args[0];
  auto opened = crdtdb::Database::open({.path = data_dir});
  if (!opened.ok()) return Fail("cannot open " + data_dir, opened.status());
  crdtdb::Database& db = **opened;
  // Prints every committed change of a todo, whichever command (or, later, replica) made it.
  auto subscription = db.subscribe("todos/", [](const crdtdb::Change& change) {
    std::printf("changed %s: %s\n", change.key.c_str(),
                change.json ? change.json->c_str() : "deleted");
  });

  if (command == "add" && args.size() >= 2) return Add(db, {args.begin() + 1, args.end()});
  if (command == "done" && args.size() == 2) return Done(db, args[1]);
  if (command == "list" || command == "stats") return ListOrStats(db, command);
  return std::fputs(kUsage.data(), stderr), 2;
}

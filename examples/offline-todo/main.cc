// Copyright (c) crdtdb authors.
//
// offline_todo: an offline-first todo list over an embedded crdtdb Database, built against the
// installed package like any app. Documents: todos/NNNNNN = {"title": "...", "done": false};
// stats/todos holds the counters "added" and "completed". Ids come from "added"; an app whose
// replicas add todos concurrently would prefix them with status().replica_id to keep them unique.

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

std::string Quote(std::string_view text) {  // as a JSON string
  std::string out = "\"";
  for (char c : text) {
    char escaped[8];
    std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned char>(c));
    if (c == '"' || c == '\\') out += '\\';
    out += static_cast<unsigned char>(c) < 0x20 ? std::string(escaped) : std::string(1, c);
  }
  return out + "\"";
}

// Start of field name's value in a flat JSON object (no escaped '"' can fake a key), or npos.
size_t ValueAt(const std::string& json, std::string_view name) {
  const std::string key = Quote(name);
  for (size_t at = json.find(key); at != std::string::npos; at = json.find(key, at + 1)) {
    size_t i = json.find_first_not_of(" \n\t", at + key.size());
    if (i != std::string::npos && json[i] == ':') return json.find_first_not_of(" \n\t", i + 1);
  }
  return std::string::npos;
}

long long IntField(const std::string& json, std::string_view name) {
  const size_t at = ValueAt(json, name);
  return at == std::string::npos ? 0 : std::strtoll(json.c_str() + at, nullptr, 10);
}

bool IsDone(const std::string& json) {
  const size_t at = ValueAt(json, "done");
  return at != std::string::npos && json.compare(at, 4, "true") == 0;
}

std::string Title(const std::string& json) {  // unescapes \" and \\ (enough to print it)
  std::string out;
  size_t i = ValueAt(json, "title");
  if (i == std::string::npos || json[i] != '"') return out;
  for (++i; i < json.size() && json[i] != '"'; ++i) {
    if (json[i] == '\\') ++i;
    if (i < json.size()) out += json[i];
  }
  return out;
}

std::string KeyOf(unsigned long long id) {  // zero-padded, so that list shows todos in id order
  const std::string digits = std::to_string(id);
  return "todos/" + std::string(digits.size() < 6 ? 6 - digits.size() : 0, '0') + digits;
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

  if (command == "add" && args.size() >= 2) {
    std::string title = args[1];
    for (size_t i = 2; i < args.size(); ++i) title += " " + args[i];
    auto counters = db.increment("stats/todos", "added", 1);
    if (!counters.ok()) return Fail("add", counters.status());
    const long long id = IntField(*counters, "added");  // this todo's number
    auto put = db.put(KeyOf(id), "{\"title\": " + Quote(title) + ", \"done\": false}");
    if (!put.ok()) return Fail("add", put.status());
    std::printf("added todo %lld: %s\n", id, title.c_str());
  } else if (command == "done" && args.size() == 2) {
    char* end = nullptr;
    const unsigned long long id = std::strtoull(args[1].c_str(), &end, 10);
    if (id == 0 || *end != '\0') {
      return Fail("done " + args[1], crdtdb::Status::InvalidArgument("not a todo id"));
    }
    auto todo = db.get(KeyOf(id));
    if (!todo.ok()) return Fail("done " + args[1], todo.status());
    if (IsDone(*todo)) return std::printf("todo %llu was already done\n", id), 0;
    auto patched = db.patch(KeyOf(id), R"({"done": true})");
    if (!patched.ok()) return Fail("done", patched.status());
    auto counted = db.increment("stats/todos", "completed", 1);
    if (!counted.ok()) return Fail("done", counted.status());
    std::printf("done todo %llu: %s\n", id, Title(*patched).c_str());
  } else if (command == "list" || command == "stats") {
    long long open = 0, done = 0;
    crdtdb::ListOptions page_options;
    for (bool more = true; more;) {
      auto page = db.list("todos", page_options);
      if (!page.ok()) return Fail(command, page.status());
      for (const crdtdb::ListedDocument& doc : page->documents) {
        IsDone(doc.json) ? ++done : ++open;
        if (command == "list") {
          std::printf("[%c] %llu %s\n", IsDone(doc.json) ? 'x' : ' ',
                      std::strtoull(doc.id.c_str(), nullptr, 10), Title(doc.json).c_str());
        }
      }
      more = page->next_start_after.has_value();
      if (more) page_options.start_after = *page->next_start_after;
    }
    if (command == "stats") {
      auto counters = db.get("stats/todos");
      if (counters.status().IsNotFound()) counters = std::string("{}");  // nothing added yet
      if (!counters.ok()) return Fail(command, counters.status());
      std::printf("todos: %lld open, %lld done; ever added %lld, completed %lld\n", open, done,
                  IntField(*counters, "added"), IntField(*counters, "completed"));
      std::printf("replica: %s\n", db.status().replica_id.c_str());
    }
  } else {
    return std::fputs(kUsage.data(), stderr), 2;
  }
  return 0;
}

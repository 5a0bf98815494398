// Copyright (c) crdtdb authors.

#include "http/change_stream.h"

#include <sstream>

#include <nlohmann/json.hpp>

#include "db/change_feed.h"

namespace crdtdb::http {

namespace {

int HttpStatusOf(const Status& status) {
  if (status.IsInvalidArgument()) return 400;
  if (status.IsGone()) return 410;
  return 503;
}

}  // namespace

std::variant<command::WatchSession, Answer> ChangeStreamOf(const Request& r, const std::string& last_event_id) {
  if (r.method != "GET") {
    Answer a = ErrorAnswer(405, "allowed here: GET");
    a.headers.emplace_back("Allow", "GET");
    return a;
  }
  std::string prefix = "/";
  if (auto it = r.query.find("prefix"); it != r.query.end()) prefix = it->second;
  if (Result<std::string> p = db::ChangePrefix(prefix); !p.ok()) return ErrorAnswer(400, p.status().message());
  std::string since;
  if (auto it = r.query.find("since"); it != r.query.end()) since = it->second;
  if (!last_event_id.empty()) since = last_event_id;
  if (!since.empty()) {
    if (Result<store::ChangeCursor> c = db::ParseChangeCursor(since); !c.ok()) {
      return ErrorAnswer(400, c.status().message());
    }
  }
  return command::WatchSession(prefix, since);
}

std::string ChangeEvents(const std::string& lines, const std::string& cursor) {
  std::string events;
  std::istringstream in(lines);
  std::string last_id;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const nlohmann::json change = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!change.is_object() || !change.contains("cursor") || !change["cursor"].is_string()) continue;
    last_id = change["cursor"].get<std::string>();
    events += "id: " + last_id + "\nevent: change\ndata: " + line + "\n\n";
  }
  if (!cursor.empty() && cursor != last_id) events += "id: " + cursor + "\n\n";
  // A page without changes still says the stream lives, so that clients and proxies with a read
  // timeout keep it.
  if (events.empty()) events = ": waiting\n\n";
  return events;
}

std::string ErrorEvent(const Status& status) {
  const Answer a = ErrorAnswer(HttpStatusOf(status), status.message());
  return "event: error\ndata: " + a.body + "\n\n";
}

Answer StreamRefused(const Status& status) {
  Answer a = ErrorAnswer(HttpStatusOf(status), status.message());
  if (HttpStatusOf(status) == 503) a.headers.emplace_back("Retry-After", "1");
  return a;
}

}  // namespace crdtdb::http

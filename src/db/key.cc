// Copyright (c) crdtdb authors.

#include "db/key.h"

#include <optional>

#include "util/utf8.h"

namespace crdtdb::db {

namespace {

// "bad path: <why>", or with `quoted_path` 'bad path "<path>": <why>'. Built by appending, which
// also keeps GCC 12's -Wrestrict false positive on chained operator+ away.
Status BadPath(std::string_view why, std::optional<std::string_view> quoted_path = std::nullopt) {
  std::string msg = "bad path";
  if (quoted_path) {
    msg += " \"";
    msg.append(*quoted_path);
    msg += '"';
  }
  msg += ": ";
  msg.append(why);
  return Status::InvalidArgument(msg);
}

// `expected` names the form the whole input should have, for the error message.
Status CheckPart(std::string_view part, std::string_view what, std::string_view whole, std::string_view expected) {
  if (part.empty()) return BadPath("empty " + std::string(what), whole);
  if (part.size() > kMaxKeyPartBytes) {
    return BadPath(std::string(what) + " longer than " + std::to_string(kMaxKeyPartBytes) + " bytes");
  }
  for (char c : part) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return BadPath("control character in " + std::string(what));
    if (c == '/') return BadPath("expected " + std::string(expected), whole);
  }
  if (!IsValidUtf8(part)) return BadPath(std::string(what) + " is not valid UTF-8");
  return Status::OK();
}

}  // namespace

Result<std::string> NormalizeKey(std::string_view key) {
  std::string_view rest = key;
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return BadPath("expected /COLLECTION/ID", key);
  }
  if (Status s = CheckPart(rest.substr(0, slash), "collection", key, "/COLLECTION/ID"); !s.ok()) return s;
  if (Status s = CheckPart(rest.substr(slash + 1), "id", key, "/COLLECTION/ID"); !s.ok()) return s;
  return std::string(rest);
}

Result<std::string> NormalizeCollection(std::string_view collection) {
  std::string_view rest = collection;
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (Status s = CheckPart(rest, "collection", collection, "/COLLECTION"); !s.ok()) return s;
  return std::string(rest);
}

Result<crdt::FieldPath> ParseFieldPath(std::string_view field) {
  if (field.empty()) return Status::InvalidArgument("empty field name");
  if (field.front() != '/') return crdt::FieldPath{std::string(field)};
  crdt::FieldPath path;
  std::string current;
  for (size_t i = 1; i <= field.size(); ++i) {
    if (i == field.size() || field[i] == '/') {
      path.push_back(std::move(current));
      current.clear();
    } else if (field[i] == '~') {
      if (i + 1 >= field.size() || (field[i + 1] != '0' && field[i + 1] != '1')) {
        return Status::InvalidArgument("bad field pointer \"" + std::string(field) + "\": '~' must be followed by 0 or 1");
      }
      current += field[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      current += field[i];
    }
  }
  return path;
}

}  // namespace crdtdb::db

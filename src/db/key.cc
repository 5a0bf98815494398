// Copyright (c) crdtdb authors.

#include "db/key.h"

#include "util/utf8.h"

namespace crdtdb::db {

namespace {

// `expected` names the form the whole input should have, for the error message.
Status CheckPart(std::string_view part, std::string_view what, std::string_view whole, std::string_view expected) {
  const std::string quoted = "\"" + std::string(whole) + "\"";
  if (part.empty()) return Status::InvalidArgument("bad path " + quoted + ": empty " + std::string(what));
  if (part.size() > kMaxKeyPartBytes) {
    return Status::InvalidArgument("bad path: " + std::string(what) + " longer than " +
                                   std::to_string(kMaxKeyPartBytes) + " bytes");
  }
  for (char c : part) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return Status::InvalidArgument("bad path: control character in " + std::string(what));
    if (c == '/') return Status::InvalidArgument("bad path " + quoted + ": expected " + std::string(expected));
  }
  if (!IsValidUtf8(part)) return Status::InvalidArgument("bad path: " + std::string(what) + " is not valid UTF-8");
  return Status::OK();
}

}  // namespace

Result<std::string> NormalizeKey(std::string_view key) {
  std::string_view rest = key;
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return Status::InvalidArgument("bad path \"" + std::string(key) + "\": expected /COLLECTION/ID");
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

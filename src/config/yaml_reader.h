// Copyright (c) crdtdb authors.
//
// Typed, located reading of a parsed YAML document. Every error is an InvalidArgument whose message
// is "FILE:LINE: KEY.PATH: what is wrong", so that a person can go straight to the offending line.
// Lines are 1-based. The reader never throws; the yaml-cpp calls it makes cannot fail on the node
// kinds it checks first.
//
// A YamlReader only holds the file name; it is cheap and may be copied. Not thread-safe (yaml-cpp
// nodes share reference counts), which is fine for a config read once at start-up.

#ifndef CRDTDB_CONFIG_YAML_READER_H_
#define CRDTDB_CONFIG_YAML_READER_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "crdtdb/result.h"
#include "crdtdb/status.h"

namespace crdtdb {

// One value with where it was found: `line` is that of its key (the value of "key:" with nothing
// after it has no position of its own), or of the item for a list item.
struct YamlEntry {
  YAML::Node node;
  int line = 1;
  std::string path;  // e.g. "regions[1].publish"
};

// A mapping whose keys were checked: all known, none repeated, kept in file order.
struct YamlMapping {
  int line = 1;
  std::string path;
  std::vector<std::pair<std::string, YamlEntry>> entries;

  // The entry of `key`, or nullptr when the key is absent.
  const YamlEntry* Find(std::string_view key) const;
};

class YamlReader {
 public:
  explicit YamlReader(std::string file_name) : file_name_(std::move(file_name)) {}

  // "FILE:LINE: PATH: what" (or "FILE:LINE: what" when `path` is empty).
  Status Error(int line, std::string_view path, std::string_view what) const;

  // The 1-based line of `node` or `mark`, or `fallback` when yaml-cpp gave it no position.
  static int LineOf(const YAML::Node& node, int fallback);
  static int LineOf(const YAML::Mark& mark, int fallback);

  // "regions[1]" + "publish" -> "regions[1].publish".
  static std::string Join(std::string_view path, std::string_view key);

  // Checks that `entry` is a mapping whose keys are scalars from `allowed`, each at most once.
  Result<YamlMapping> Mapping(const YamlEntry& entry,
                              std::initializer_list<std::string_view> allowed) const;

  // The entry of a key that must be present.
  Result<YamlEntry> Required(const YamlMapping& mapping, std::string_view key) const;

  // The items of a list of at most `max_items` items, each located and named "PATH[i]".
  Result<std::vector<YamlEntry>> List(const YamlEntry& entry, size_t max_items) const;

  // A scalar (any scalar reads as text: `name: 123` is the string "123"). Null is not a string.
  Result<std::string> String(const YamlEntry& entry) const;

  // A plain (unquoted) decimal integer within [min, max].
  Result<int64_t> Integer(const YamlEntry& entry, int64_t min, int64_t max) const;

  // A plain (unquoted) decimal number within [min, max].
  Result<double> Number(const YamlEntry& entry, double min, double max) const;

  // A plain true or false (YAML 1.2: yes/no/on/off are not booleans, to avoid surprises).
  Result<bool> Bool(const YamlEntry& entry) const;

  // How a node is described in an error: "a mapping", "a list", "nothing" or the quoted text.
  static std::string Describe(const YAML::Node& node);

  // `text` in double quotes, escaped as below and cut to 64 bytes: how values appear in errors.
  static std::string Quote(std::string_view text);

  // `text` cut to `max_bytes` (marked "...") with control characters, '"' and '\\' as \xHH, so
  // that a value echoed in an error cannot break a terminal, a log line or a JSON string.
  static std::string Escape(std::string_view text, size_t max_bytes);

 private:
  std::string file_name_;
};

}  // namespace crdtdb

#endif  // CRDTDB_CONFIG_YAML_READER_H_

// Copyright (c) crdtdb authors.

#include "config/yaml_reader.h"

#include <charconv>
#include <cmath>
#include <map>

namespace crdtdb {

namespace {

// Error messages quote what was found, shortened so that one bad line cannot flood a terminal.
constexpr size_t kMaxQuotedBytes = 64;

// Keys are echoed in the key path as they are, unless quoting is needed to show them safely.
bool IsPrintableKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxQuotedBytes) return false;
  for (char c : key) {
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

// A plain scalar, or one tagged explicitly with the YAML type `tag` (e.g. "!!int 40"). A quoted
// "40" is a string in YAML, so it is refused where a number is expected.
bool IsPlainOrTagged(const YAML::Node& node, std::string_view tag) {
  return node.IsScalar() && (node.Tag() == "?" || node.Tag() == tag);
}

}  // namespace

const YamlEntry* YamlMapping::Find(std::string_view key) const {
  for (const auto& [name, entry] : entries) {
    if (name == key) return &entry;
  }
  return nullptr;
}

Status YamlReader::Error(int line, std::string_view path, std::string_view what) const {
  std::string message = file_name_ + ":" + std::to_string(line) + ": ";
  if (!path.empty()) {
    message += path;
    message += ": ";
  }
  message += what;
  return Status::InvalidArgument(message);
}

int YamlReader::LineOf(const YAML::Node& node, int fallback) {
  return LineOf(node.Mark(), fallback);
}

int YamlReader::LineOf(const YAML::Mark& mark, int fallback) {
  return mark.line >= 0 ? mark.line + 1 : fallback;
}

std::string YamlReader::Join(std::string_view path, std::string_view key) {
  std::string joined(path);
  if (!joined.empty()) joined += '.';
  joined += key;
  return joined;
}

std::string YamlReader::Escape(std::string_view text, size_t max_bytes) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < max_bytes; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > max_bytes) out += "...";
  return out;
}

std::string YamlReader::Quote(std::string_view text) {
  // Appended piece by piece: `"\"" + std::string` trips GCC 12's -Wrestrict at -O3 (GCC bug 105329).
  std::string quoted = "\"";
  quoted += Escape(text, kMaxQuotedBytes);
  quoted += '"';
  return quoted;
}

std::string YamlReader::Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return Quote(node.Scalar());
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return "nothing";
  }
  return "nothing";
}

Result<YamlMapping> YamlReader::Mapping(const YamlEntry& entry,
                                        std::initializer_list<std::string_view> allowed) const {
  if (!entry.node.IsMap()) {
    return Error(entry.line, entry.path, "must be a mapping (got " + Describe(entry.node) + ")");
  }
  YamlMapping mapping{.line = entry.line, .path = entry.path, .entries = {}};
  std::map<std::string, int, std::less<>> first_line;  // key -> line it first appeared on
  // Copies, not references: yaml-cpp's iterators hand out temporaries.
  for (const auto& pair : entry.node) {
    YAML::Node key = pair.first;
    int line = LineOf(key, entry.line);
    if (!key.IsScalar()) {
      return Error(line, entry.path, "a key must be a plain name (got " + Describe(key) + ")");
    }
    const std::string& name = key.Scalar();
    std::string path = Join(entry.path, IsPrintableKey(name) ? name : Quote(name));
    if (auto [seen, inserted] = first_line.emplace(name, line); !inserted) {
      return Error(line, path,
                   "duplicate key (first at line " + std::to_string(seen->second) + ")");
    }
    bool known = false;
    std::string expected;
    for (std::string_view candidate : allowed) {
      known = known || candidate == name;
      if (!expected.empty()) expected += ", ";
      expected += candidate;
    }
    if (!known) return Error(line, path, "unknown key (expected one of: " + expected + ")");
    mapping.entries.emplace_back(name, YamlEntry{.node = pair.second, .line = line, .path = path});
  }
  return mapping;
}

Result<YamlEntry> YamlReader::Required(const YamlMapping& mapping, std::string_view key) const {
  if (const YamlEntry* entry = mapping.Find(key)) return *entry;
  return Error(mapping.line, Join(mapping.path, key), "required key is missing");
}

Result<std::vector<YamlEntry>> YamlReader::List(const YamlEntry& entry, size_t max_items) const {
  if (!entry.node.IsSequence()) {
    return Error(entry.line, entry.path, "must be a list (got " + Describe(entry.node) + ")");
  }
  if (entry.node.size() > max_items) {
    return Error(entry.line, entry.path,
                 "at most " + std::to_string(max_items) + " items are allowed (got " +
                     std::to_string(entry.node.size()) + ")");
  }
  std::vector<YamlEntry> items;
  items.reserve(entry.node.size());
  for (YAML::Node item : entry.node) {
    items.push_back(YamlEntry{.node = item,
                              .line = LineOf(item, entry.line),
                              .path = entry.path + "[" + std::to_string(items.size()) + "]"});
  }
  return items;
}

Result<std::string> YamlReader::String(const YamlEntry& entry) const {
  if (!entry.node.IsScalar()) {
    return Error(entry.line, entry.path, "must be a string (got " + Describe(entry.node) + ")");
  }
  return entry.node.Scalar();
}

Result<int64_t> YamlReader::Integer(const YamlEntry& entry, int64_t min, int64_t max) const {
  int64_t value = 0;
  bool ok = IsPlainOrTagged(entry.node, "tag:yaml.org,2002:int");
  if (ok) {
    const std::string& text = entry.node.Scalar();
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    ok = !text.empty() && error == std::errc() && end == text.data() + text.size() &&
         value >= min && value <= max;
  }
  if (ok) return value;
  return Error(entry.line, entry.path,
               "must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                   " (got " + Describe(entry.node) + ")");
}

Result<double> YamlReader::Number(const YamlEntry& entry, double min, double max) const {
  double value = 0;
  bool ok = IsPlainOrTagged(entry.node, "tag:yaml.org,2002:float") ||
            IsPlainOrTagged(entry.node, "tag:yaml.org,2002:int");
  if (ok) {
    const std::string& text = entry.node.Scalar();
    // Only decimal notation: from_chars would also take "nan", "inf" and hexadecimal.
    ok = !text.empty() && text.find_first_not_of("0123456789.eE+-") == std::string::npos;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    ok = ok && error == std::errc() && end == text.data() + text.size() && std::isfinite(value) &&
         value >= min && value <= max;
  }
  if (ok) return value;
  auto format = [](double bound) {
    std::string text = std::to_string(bound);
    text.erase(text.find_last_not_of('0') + 1);  // 1.000000 -> 1.
    if (text.back() == '.') text.pop_back();
    return text;
  };
  return Error(entry.line, entry.path,
               "must be a number from " + format(min) + " to " + format(max) + " (got " +
                   Describe(entry.node) + ")");
}

Result<bool> YamlReader::Bool(const YamlEntry& entry) const {
  if (IsPlainOrTagged(entry.node, "tag:yaml.org,2002:bool")) {
    const std::string& text = entry.node.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
  }
  return Error(entry.line, entry.path, "must be true or false (got " + Describe(entry.node) + ")");
}

}  // namespace crdtdb

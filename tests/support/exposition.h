// Copyright (c) crdtdb authors.
//
// A strict reader of the Prometheus text exposition format 0.0.4, for tests: it parses every line
// and lists what breaks the format or its conventions, so that a test of /metrics asserts on the
// text a Prometheus server would scrape, not on the registry that wrote it. Checked: the syntax
// of every line (names, label names, escaped label values, values), one HELP and one TYPE per
// family before its samples, families contiguous, no sample twice, counters named *_total,
// histograms with ascending `le`, cumulative buckets, a +Inf bucket equal to _count and a _sum.

#ifndef CRDTDB_TESTS_SUPPORT_EXPOSITION_H_
#define CRDTDB_TESTS_SUPPORT_EXPOSITION_H_

#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace crdtdb::testing {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Exposition {
  std::map<std::string, std::string> types;  // family -> counter, gauge, histogram, ...
  std::map<std::string, std::string> help;
  std::vector<Sample> samples;
  std::vector<std::string> problems;  // empty when the text is valid

  // The value of the sample `name` whose labels include `labels`; nullopt when none.
  std::optional<double> Value(const std::string& name,
                              const std::map<std::string, std::string>& labels = {}) const {
    for (const Sample& s : samples) {
      if (Matches(s, name, labels)) return s.value;
    }
    return std::nullopt;
  }
  // The sum over every sample `name` whose labels include `labels`.
  double Sum(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    double total = 0;
    for (const Sample& s : samples) {
      if (Matches(s, name, labels)) total += s.value;
    }
    return total;
  }

 private:
  static bool Matches(const Sample& s, const std::string& name,
                      const std::map<std::string, std::string>& labels) {
    if (s.name != name) return false;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) return false;
    }
    return true;
  }
};

namespace exposition_detail {

inline bool NameStart(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}
inline bool NameChar(char c, bool colon) { return NameStart(c, colon) || (c >= '0' && c <= '9'); }

inline bool ValidName(const std::string& name, bool colon) {
  if (name.empty() || !NameStart(name[0], colon)) return false;
  for (char c : name)
    if (!NameChar(c, colon)) return false;
  return true;
}

inline std::optional<double> ParseValue(const std::string& text) {
  if (text == "+Inf") return INFINITY;
  if (text == "-Inf") return -INFINITY;
  if (text == "NaN") return NAN;
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return v;
}

// name{a="x",b="y"} value [timestamp]; an error message, or empty.
inline std::string ParseSample(const std::string& line, Sample* out) {
  size_t i = 0;
  while (i < line.size() && NameChar(line[i], true)) ++i;
  out->name = line.substr(0, i);
  if (!ValidName(out->name, true)) return "bad metric name";
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      size_t start = i;
      while (i < line.size() && NameChar(line[i], false)) ++i;
      const std::string label = line.substr(start, i - start);
      if (!ValidName(label, false) || label.rfind("__", 0) == 0) return "bad label name";
      if (i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') return "label without =\"";
      i += 2;
      std::string value;
      for (;; ++i) {
        if (i >= line.size()) return "unterminated label value";
        if (line[i] == '"') break;
        if (line[i] == '\\') {
          if (++i >= line.size()) return "dangling escape";
          if (line[i] == 'n') {
            value += '\n';
          } else if (line[i] == '\\' || line[i] == '"') {
            value += line[i];
          } else {
            return "bad escape in a label value";
          }
        } else {
          value += line[i];
        }
      }
      ++i;  // the closing quote
      if (!out->labels.emplace(label, value).second) return "label " + label + " twice";
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return "unterminated labels";
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') return "no space before the value";
  std::istringstream rest(line.substr(i + 1));
  std::string value, timestamp, extra;
  rest >> value >> timestamp >> extra;
  std::optional<double> v = ParseValue(value);
  if (!v) return "bad value '" + value + "'";
  if (!timestamp.empty() && timestamp.find_first_not_of("-0123456789") != std::string::npos) {
    return "bad timestamp";
  }
  if (!extra.empty()) return "trailing text";
  out->value = *v;
  return "";
}

// The family a sample belongs to: a histogram's _bucket, _sum and _count are its own.
inline std::string FamilyOf(const std::string& sample, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (sample.size() > s.size() && sample.compare(sample.size() - s.size(), s.size(), s) == 0) {
      const std::string base = sample.substr(0, sample.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
    }
  }
  return sample;
}

inline std::string Key(const std::map<std::string, std::string>& labels, const char* without) {
  std::string key;
  for (const auto& [k, v] : labels)
    if (k != without) key += k + "=" + v + ",";
  return key;
}

inline void CheckHistograms(Exposition* e) {
  struct Series {
    std::vector<std::pair<double, double>> buckets;  // le, count, in order of appearance
    std::optional<double> count, sum;
  };
  std::map<std::string, std::map<std::string, Series>> histograms;
  for (const Sample& s : e->samples) {
    const std::string family = FamilyOf(s.name, e->types);
    if (e->types[family] != "histogram") continue;
    Series& series = histograms[family][Key(s.labels, "le")];
    if (s.name == family + "_bucket") {
      auto le = s.labels.find("le");
      std::optional<double> bound = le == s.labels.end() ? std::nullopt : ParseValue(le->second);
      if (!bound) {
        e->problems.push_back(s.name + ": a bucket without a valid le");
        continue;
      }
      series.buckets.emplace_back(*bound, s.value);
    } else if (s.name == family + "_count") {
      series.count = s.value;
    } else if (s.name == family + "_sum") {
      series.sum = s.value;
    } else {
      e->problems.push_back(s.name + ": not a sample of histogram " + family);
    }
  }
  for (const auto& [family, all] : histograms) {
    for (const auto& [key, series] : all) {
      const std::string where = family + "{" + key + "}";
      if (series.buckets.empty() || !std::isinf(series.buckets.back().first)) {
        e->problems.push_back(where + ": no +Inf bucket last");
        continue;
      }
      for (size_t i = 1; i < series.buckets.size(); ++i) {
        if (series.buckets[i].first <= series.buckets[i - 1].first)
          e->problems.push_back(where + ": le not ascending");
        if (series.buckets[i].second < series.buckets[i - 1].second)
          e->problems.push_back(where + ": buckets not cumulative");
      }
      if (!series.count || *series.count != series.buckets.back().second)
        e->problems.push_back(where + ": _count missing or not the +Inf bucket");
      if (!series.sum) e->problems.push_back(where + ": no _sum");
    }
  }
}

}  // namespace exposition_detail

inline Exposition ParseExposition(const std::string& text) {
  using namespace exposition_detail;
  Exposition e;
  std::istringstream in(text);
  std::set<std::string> seen_samples, finished_families;
  std::string current_family;
  int number = 0;
  if (!text.empty() && text.back() != '\n') e.problems.push_back("the text does not end in a newline");
  for (std::string line; std::getline(in, line);) {
    ++number;
    const std::string at = "line " + std::to_string(number) + ": ";
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream words(line);
      std::string hash, keyword, name;
      words >> hash >> keyword >> name;
      if (keyword != "HELP" && keyword != "TYPE") continue;  // a plain comment
      if (!ValidName(name, true)) {
        e.problems.push_back(at + "bad name in " + keyword);
        continue;
      }
      std::string rest;
      std::getline(words, rest);
      if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
      auto& map = keyword == "HELP" ? e.help : e.types;
      if (map.count(name)) e.problems.push_back(at + keyword + " of " + name + " twice");
      if (keyword == "TYPE" &&
          !std::set<std::string>{"counter", "gauge", "histogram", "summary", "untyped"}.count(rest)) {
        e.problems.push_back(at + "unknown type " + rest);
      }
      map[name] = rest;
      if (name != current_family) {
        if (finished_families.count(name)) e.problems.push_back(at + name + " is not contiguous");
        if (!current_family.empty()) finished_families.insert(current_family);
        current_family = name;
      }
      continue;
    }
    Sample s;
    if (std::string error = ParseSample(line, &s); !error.empty()) {
      e.problems.push_back(at + error + ": " + line);
      continue;
    }
    const std::string family = FamilyOf(s.name, e.types);
    if (!e.types.count(family) || !e.help.count(family))
      e.problems.push_back(at + s.name + " has no HELP and TYPE before it");
    if (family != current_family) e.problems.push_back(at + s.name + " is outside its family's block");
    if (e.types[family] == "counter" &&
        (family.size() < 6 || family.compare(family.size() - 6, 6, "_total") != 0)) {
      e.problems.push_back(at + "counter " + family + " is not named *_total");
    }
    if (!seen_samples.insert(s.name + "{" + Key(s.labels, "") + "}").second)
      e.problems.push_back(at + "sample twice: " + line);
    e.samples.push_back(std::move(s));
  }
  CheckHistograms(&e);
  return e;
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_SUPPORT_EXPOSITION_H_

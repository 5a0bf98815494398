// Copyright (c) crdtdb authors.

#ifndef CRDTDB_UTIL_UTF8_H_
#define CRDTDB_UTIL_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace crdtdb {

// Decodes text[from..] (the ASCII fast path of IsValidUtf8 stopped at `from`).
bool IsValidUtf8From(std::string_view text, size_t from);

// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF). Strings from the network or disk are checked before they reach JSON output.
//
// Inline, as most strings checked are short ASCII (field names, keys), which this proves valid
// eight bytes at a time, then byte by byte, without a call.
inline bool IsValidUtf8(std::string_view text) {
  constexpr uint64_t kHighBits = 0x8080808080808080ull;
  size_t i = 0;
  for (; text.size() - i >= 8; i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, sizeof word);
    if ((word & kHighBits) != 0) return IsValidUtf8From(text, i);
  }
  unsigned char bits = 0;
  for (size_t k = i; k < text.size(); ++k) bits |= static_cast<unsigned char>(text[k]);
  return bits < 0x80 || IsValidUtf8From(text, i);
}

}  // namespace crdtdb

#endif  // CRDTDB_UTIL_UTF8_H_

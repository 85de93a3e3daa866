#include "format.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "praxis/storage/id.h"

namespace praxis::cli {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Decodes the code point starting at s[i]. Returns the number of bytes it
// takes, or 0 when the bytes there are not well-formed UTF-8 (overlong forms,
// surrogates and values past U+10FFFF included).
std::size_t DecodeUtf8(std::string_view s, std::size_t i, char32_t* cp) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  std::size_t len;
  char32_t value;
  char32_t min;
  if ((c & 0xE0) == 0xC0) {
    len = 2, value = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, value = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, value = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    value = (value << 6) | (cc & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  *cp = value;
  return len;
}

bool IsUnsafeForTerminal(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

// Reads exactly `digits` decimal digits at text[*pos]; advances *pos.
bool ReadNumber(std::string_view text, std::size_t* pos, std::size_t digits, unsigned* out) {
  if (text.size() - *pos < digits) return false;
  unsigned value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  *pos += digits;
  *out = value;
  return true;
}

bool ReadChar(std::string_view text, std::size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

// The longest prefix of `s` of at most `max_bytes` bytes that does not split
// a UTF-8 sequence. REQUIRES: valid UTF-8.
std::string_view CutBytes(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// Where a file name's extension starts (its '.'), or npos when it has none:
// a short last part without blanks, not the whole name.
std::size_t ExtensionPos(std::string_view name) {
  constexpr std::size_t kMaxExtension = 16;
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size() ||
      name.size() - dot > kMaxExtension || name.find(' ', dot) != std::string_view::npos) {
    return std::string_view::npos;
  }
  return dot;
}

}  // namespace

std::string HexId(std::string_view raw) { return ToHex(raw); }

std::string ShortId(std::string_view raw) { return ToHex(raw.substr(0, 6)); }

std::string HumanSize(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static constexpr std::array<const char*, 6> kUnits = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  // Switch units at 1023.95 so that rounding never prints "1024.0 KiB".
  while (value >= 1023.95 && unit + 1 < kUnits.size()) {
    value /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", value, kUnits[unit]);
  return buf;
}

std::string IsoTimeUtc(std::uint64_t ms_since_epoch) {
  const auto secs = static_cast<std::time_t>(ms_since_epoch / 1000);
  std::tm tm{};
  char buf[64];
  if (gmtime_r(&secs, &tm) == nullptr ||
      std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
    // Only a nonsensical timestamp from a peer gets here; show it rather than fail.
    return std::to_string(ms_since_epoch) + "ms";
  }
  return buf;
}

std::optional<std::uint64_t> ParseUtcTime(std::string_view text) {
  std::size_t pos = 0;
  unsigned y, mo, d, h = 0, mi = 0, s = 0, ms = 0;
  if (!ReadNumber(text, &pos, 4, &y) || !ReadChar(text, &pos, '-') ||
      !ReadNumber(text, &pos, 2, &mo) || !ReadChar(text, &pos, '-') ||
      !ReadNumber(text, &pos, 2, &d)) {
    return std::nullopt;
  }
  if (pos < text.size()) {
    if (!ReadChar(text, &pos, 'T') || !ReadNumber(text, &pos, 2, &h) ||
        !ReadChar(text, &pos, ':') || !ReadNumber(text, &pos, 2, &mi)) {
      return std::nullopt;
    }
    if (ReadChar(text, &pos, ':')) {
      if (!ReadNumber(text, &pos, 2, &s)) return std::nullopt;
      if (ReadChar(text, &pos, '.')) {
        std::size_t digits = 0;
        unsigned scale = 100;
        for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
          ms += static_cast<unsigned>(text[pos] - '0') * scale;
          scale /= 10;
        }
        if (digits == 0) return std::nullopt;
      }
    }
    if (!ReadChar(text, &pos, 'Z') || pos != text.size()) return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day date{year{static_cast<int>(y)}, month{mo}, day{d}};
  if (!date.ok() || y < 1970 || h > 23 || mi > 59 || s > 59) return std::nullopt;
  const auto days = sys_days(date).time_since_epoch().count();
  return static_cast<std::uint64_t>(days) * 86'400'000u +
         (static_cast<std::uint64_t>(h) * 3600 + mi * 60 + s) * 1000 + ms;
}

std::string Plural(std::uint64_t n, std::string_view singular, std::string_view plural) {
  return std::to_string(n) + " " + std::string(n == 1 ? singular : plural);
}

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp;
    const std::size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string ForTerminal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp;
    const std::size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      out += ' ';
    } else if (IsUnsafeForTerminal(cp)) {
      out += '?';
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::size_t DisplayWidth(std::string_view s) {
  std::size_t width = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++width;
  return width;
}

std::string TruncatePoints(std::string_view s, std::size_t max_points) {
  std::size_t points = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (points == max_points) return std::string(s.substr(0, i));
      ++points;
    }
  }
  return std::string(s);
}

std::string Ellipsize(std::string_view s, std::size_t max_width) {
  if (DisplayWidth(s) <= max_width || max_width == 0) return std::string(s);
  return TruncatePoints(s, max_width - 1) + "\xE2\x80\xA6";  // U+2026
}

std::string SafeFileName(std::string_view name) {
  const std::string valid = ValidUtf8(name);
  std::string out;
  out.reserve(valid.size());
  for (std::size_t i = 0; i < valid.size();) {
    char32_t cp;
    const std::size_t len = DecodeUtf8(valid, i, &cp);
    if (cp == '/') {
      out += '_';
    } else if (!IsUnsafeForTerminal(cp)) {
      out.append(valid, i, len);
    }
    i += len;
  }
  const std::size_t first = out.find_first_not_of(" .");
  if (first == std::string::npos) return "";
  out.erase(0, first);
  out.erase(out.find_last_not_of(' ') + 1);
  if (out.size() <= kMaxFileNameBytes) return out;

  const std::size_t dot = ExtensionPos(out);
  if (dot == std::string::npos) {
    out = std::string(CutBytes(out, kMaxFileNameBytes));
    out.erase(out.find_last_not_of(' ') + 1);
    return out;
  }
  const std::string extension = out.substr(dot);
  std::string stem(
      CutBytes(std::string_view(out).substr(0, dot), kMaxFileNameBytes - extension.size()));
  stem.erase(stem.find_last_not_of(' ') + 1);
  return stem + extension;
}

std::string NumberedFileName(std::string_view name, unsigned n) {
  if (n == 0) return std::string(name);
  const std::string suffix = " (" + std::to_string(n) + ")";
  const std::size_t dot = ExtensionPos(name);
  if (dot == std::string_view::npos) return std::string(name) + suffix;
  return std::string(name.substr(0, dot)) + suffix + std::string(name.substr(dot));
}

}  // namespace praxis::cli

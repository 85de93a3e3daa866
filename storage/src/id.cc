#include "praxis/storage/id.h"

#include "praxis/storage/status.h"

namespace praxis {

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string ToHex(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

bool IsHex(std::string_view s) {
  for (char c : s)
    if (HexValue(c) < 0) return false;
  return true;
}

std::optional<std::string> FromHexString(std::string_view hex) {
  if (hex.size() % 2 != 0 || !IsHex(hex)) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(HexValue(hex[2 * i]) << 4 | HexValue(hex[2 * i + 1]));
  return out;
}

std::optional<Id> Id::FromBytes(std::string_view raw) {
  if (raw.size() != kSize) return std::nullopt;
  Id id;
  std::memcpy(id.bytes.data(), raw.data(), kSize);
  return id;
}

std::optional<Id> Id::FromHex(std::string_view hex) {
  if (hex.size() != 2 * kSize) return std::nullopt;
  auto raw = FromHexString(hex);
  if (!raw) return std::nullopt;
  return FromBytes(*raw);
}

std::string Id::Hex() const { return ToHex(View()); }

bool Id::IsZero() const {
  for (auto b : bytes)
    if (b) return false;
  return true;
}

std::string Status::ToString() const {
  static constexpr const char* kNames[] = {
      "OK",         "invalid argument", "not found",          "already exists",
      "corruption", "I/O error",        "protocol",           "deferred",
      "timed out",  "cancelled",        "failed precondition"};
  if (ok()) return "OK";
  return std::string(kNames[static_cast<int>(code_)]) + ": " + msg_;
}

}  // namespace praxis

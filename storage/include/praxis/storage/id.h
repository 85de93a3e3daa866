// Id: a 32-byte identifier (member key, announcement, group, resource root,
// chunk). Shown to people as lowercase hex.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace praxis {

struct Id {
  static constexpr std::size_t kSize = 32;
  std::array<std::uint8_t, kSize> bytes{};

  // REQUIRES: nothing. Returns nullopt unless `raw` is exactly 32 bytes.
  static std::optional<Id> FromBytes(std::string_view raw);
  // Returns nullopt unless `hex` is exactly 64 hex digits (either case).
  static std::optional<Id> FromHex(std::string_view hex);

  std::string Hex() const;
  std::string Short() const { return Hex().substr(0, 12); }  // for tables
  std::string_view View() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  std::string Str() const { return std::string(View()); }
  bool IsZero() const;

  auto operator<=>(const Id&) const = default;
  bool operator==(const Id&) const = default;
};

std::string ToHex(std::string_view raw);
// Returns nullopt on an odd length or a non-hex digit.
std::optional<std::string> FromHexString(std::string_view hex);
bool IsHex(std::string_view s);

struct IdHash {
  std::size_t operator()(const Id& id) const noexcept {
    std::size_t h;  // ids are hashes or keys: their bytes are already uniform
    std::memcpy(&h, id.bytes.data(), sizeof h);
    return h;
  }
};

}  // namespace praxis

// FuzzInput: takes typed values off the front of a fuzz input, and zeros once
// it runs out (clang's FuzzedDataProvider is not there for the g++ replay).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace praxis::fuzz {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  bool empty() const { return rest_.empty(); }
  std::size_t size() const { return rest_.size(); }

  std::uint8_t U8() { return static_cast<std::uint8_t>(Bytes(1).empty() ? 0 : take_[0]); }
  std::uint16_t U16() { return static_cast<std::uint16_t>(U8() << 8 | U8()); }
  std::uint32_t U32() { return static_cast<std::uint32_t>(U16()) << 16 | U16(); }
  std::uint64_t U64() { return static_cast<std::uint64_t>(U32()) << 32 | U32(); }
  bool Bool() { return U8() & 1; }

  // Up to n bytes (fewer at the end).
  std::string_view Bytes(std::size_t n) {
    n = std::min(n, rest_.size());
    take_ = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return take_;
  }
  // A u16 length, then that many bytes: how targets cut an input into parts.
  std::string Part() { return std::string(Bytes(U16())); }
  std::string Rest() { return std::string(Bytes(rest_.size())); }

 private:
  std::string_view rest_;
  std::string_view take_;
};

}  // namespace praxis::fuzz

// In-memory Store: one std::map per column, every call under one lock.
#include "praxis/storage/mem_store.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>

namespace praxis::storage {
namespace {

// Byte order, eight bytes at a time: keys are ids and (id | id | seq)
// tuples, where a call to memcmp per comparison was most of a lookup's cost.
struct KeyLess {
  using is_transparent = void;
  static bool Less(std::string_view a, std::string_view b) {
    const std::size_t n = std::min(a.size(), b.size());
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t x, y;
      std::memcpy(&x, a.data() + i, 8);
      std::memcpy(&y, b.data() + i, 8);
      if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y);
    }
    for (; i < n; ++i)
      if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
    return a.size() < b.size();
  }
  bool operator()(std::string_view a, std::string_view b) const { return Less(a, b); }
  bool operator()(const std::string& a, const std::string& b) const { return Less(a, b); }
  bool operator()(const std::string& a, std::string_view b) const { return Less(a, b); }
  bool operator()(std::string_view a, const std::string& b) const { return Less(a, b); }
};

class MemStore final : public Store {
 public:
  explicit MemStore(std::string name) : path_(std::move(name)) {
    col(Column::kMeta)[std::string(kSchemaVersionKey)] = std::to_string(kSchemaVersion);
  }

  Result<std::optional<std::string>> Get(Column c, std::string_view key) override {
    std::lock_guard lock(mu_);
    const auto& m = col(c);
    auto it = m.find(key);
    if (it == m.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Status Write(const WriteSet& ws, Durability) override {
    // Nothing here can fail half-way: applying under the lock is atomic to
    // every reader.
    std::lock_guard lock(mu_);
    for (const auto& op : ws.ops()) {
      auto& m = col(op.column);
      if (op.is_delete) {
        auto it = m.find(op.key);
        if (it == m.end()) continue;
        bytes_[Index(op.column)] -= it->first.size() + it->second.size();
        m.erase(it);
        continue;
      }
      auto [it, fresh] = m.try_emplace(op.key, op.value);
      if (!fresh) {
        bytes_[Index(op.column)] -= it->second.size();
        it->second = op.value;
        bytes_[Index(op.column)] += it->second.size();
      } else {
        bytes_[Index(op.column)] += it->first.size() + it->second.size();
      }
    }
    ++version_;
    return Status::OK();
  }

  Status Scan(Column c, std::string_view prefix, const ScanFn& fn,
              std::string_view start) override {
    // The lock is recursive: a visitor may read or write the store. A write
    // may erase the entry under the iterator, so after one the scan resumes
    // from the key it last visited (as a RocksDB iterator would go on).
    std::lock_guard lock(mu_);
    const auto& m = col(c);
    auto it = m.lower_bound(start.empty() ? prefix : start);
    std::string last;
    while (it != m.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix) {
      const std::uint64_t before = version_;
      last.assign(it->first);
      if (!fn(it->first, it->second)) break;
      it = version_ == before ? std::next(it) : m.upper_bound(last);
    }
    return Status::OK();
  }

  Result<std::optional<std::pair<std::string, std::string>>> Last(
      Column c, std::string_view prefix) override {
    using R = std::optional<std::pair<std::string, std::string>>;
    std::lock_guard lock(mu_);
    const auto& m = col(c);
    // The first key past every key starting with `prefix`, then one back.
    std::string upper(prefix);
    while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xff) upper.pop_back();
    auto it = m.end();
    if (!upper.empty()) {
      upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
      it = m.lower_bound(upper);
    }
    if (it == m.begin()) return R();
    --it;
    if (std::string_view(it->first).substr(0, prefix.size()) != prefix) return R();
    return R(std::pair(it->first, it->second));
  }

  Status Flush(Column) override { return Status::OK(); }

  std::uint64_t ApproximateBytes(Column c) override {
    std::lock_guard lock(mu_);
    return bytes_[Index(c)];
  }

  const std::string& path() const override { return path_; }

 private:
  using Map = std::map<std::string, std::string, KeyLess>;
  static std::size_t Index(Column c) { return static_cast<std::size_t>(c); }
  Map& col(Column c) { return cols_[Index(c)]; }

  std::string path_;
  std::recursive_mutex mu_;
  std::array<Map, static_cast<std::size_t>(Column::kCount)> cols_;
  std::array<std::uint64_t, static_cast<std::size_t>(Column::kCount)> bytes_{};
  std::uint64_t version_ = 0;  // bumped by every write (Scan resumes after one)
};

}  // namespace

std::unique_ptr<Store> OpenMemStore(std::string name) {
  return std::make_unique<MemStore>(std::move(name));
}

}  // namespace praxis::storage

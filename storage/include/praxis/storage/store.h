// Store: the node's one database (DESIGN.md §6), seen as a few column families
// of ordered keys. Typed key layouts live in keys.h; what goes in each column
// family is described there too.
//
// Thread-safe: RocksDB serialises writers itself. Calls may block on disk, so
// the node runs heavy writes on its worker pool.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "praxis/storage/status.h"

namespace praxis::storage {

// Column families, by access path. Never renumber: the names are on disk.
enum class Column : std::uint8_t {
  kMeta,         // schema version and other small settings
  kEnvelopes,    // announcement id -> serialised Envelope
  kLogs,         // author | log group | seq -> announcement id
  kGroupIndex,   // group | created | id -> kind
  kOriginals,    // republished share id -> serialised Envelope (outside the log indexes)
  kForks,        // author | log group | seq -> ForkProof
  kManifests,    // manifest hash -> serialised Manifest
  kChunks,       // chunk hash -> bytes (BlobDB)
  kPeers,        // peer address -> record (network part)
  kByRoot,       // root | share id -> empty
  kRepublishes,  // original id | republish id -> republisher id
  kCount,
};
const char* ColumnName(Column c);

inline constexpr std::uint32_t kSchemaVersion = 1;
inline constexpr std::string_view kSchemaVersionKey = "schema_version";

// How hard a write must hold on to its bytes before returning.
enum class Durability : std::uint8_t {
  kSync,   // WAL written and fsynced: acknowledged local writes
  kWal,    // WAL written, not fsynced: survives a process crash, not a power cut
  kNoWal,  // memtable only: caller must Flush() the column before a synced batch refers to it
};

// One atomic write: every op lands or none does.
class WriteSet {
 public:
  struct Op {
    Column column;
    bool is_delete;
    std::string key;
    std::string value;
  };
  void Put(Column c, std::string key, std::string value) {
    bytes_ += key.size() + value.size();
    ops_.push_back({c, false, std::move(key), std::move(value)});
  }
  void Delete(Column c, std::string key) { ops_.push_back({c, true, std::move(key), {}}); }
  // Moves every op of `other` to the end of this set (other is left empty).
  void Append(WriteSet&& other) {
    bytes_ += other.bytes_;
    for (auto& op : other.ops_) ops_.push_back(std::move(op));
    other.Clear();
  }
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  std::size_t bytes() const { return bytes_; }
  void Clear() {
    ops_.clear();
    bytes_ = 0;
  }

 private:
  std::vector<Op> ops_;
  std::size_t bytes_ = 0;
};

struct StoreOptions {
  std::string path;                                // directory of the database
  bool create_if_missing = true;                   // Default: true
  std::size_t block_cache_bytes = 32 << 20;        // Default: 32 MiB shared by all columns
  std::size_t write_buffer_bytes = 16 << 20;       // Default: 16 MiB per column memtable
  std::size_t chunk_write_buffer_bytes = 8 << 20;  // Default: 8 MiB, kept small (DESIGN §6)
};

// Visitor for Scan: return false to stop early.
using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;

class Store {
 public:
  virtual ~Store() = default;

  // Returns the value, nullopt if absent, or an error if the read failed.
  virtual Result<std::optional<std::string>> Get(Column c, std::string_view key) = 0;
  // Applies every op of `ws` atomically.
  virtual Status Write(const WriteSet& ws, Durability d) = 0;
  // Visits keys starting with `prefix` in ascending order, from `start` (>= prefix) if given.
  virtual Status Scan(Column c, std::string_view prefix, const ScanFn& fn,
                      std::string_view start = {}) = 0;
  // The greatest key starting with `prefix`, with its value; nullopt if none.
  virtual Result<std::optional<std::pair<std::string, std::string>>> Last(
      Column c, std::string_view prefix) = 0;
  // Makes memtable contents of `c` durable (pairs with Durability::kNoWal).
  virtual Status Flush(Column c) = 0;
  // Bytes on disk for a column, as the engine estimates them (live SST + blob files).
  virtual std::uint64_t ApproximateBytes(Column c) = 0;
  // Where it lives, for messages.
  virtual const std::string& path() const = 0;
  // Gives the disk space of deleted values in `c` back now (a compaction
  // with forced blob garbage collection), instead of whenever the engine
  // gets to it. Stores that free space at once need do nothing.
  virtual Status Reclaim(Column) { return Status::OK(); }
  // Writes a consistent copy of the whole store, as of now, into `dir` (which
  // must not exist), while the store stays open for reads and writes: an
  // online backup that opens like the original.
  virtual Status Checkpoint(const std::string& dir) {
    return Status::FailedPrecondition("this store cannot take a checkpoint of " + dir);
  }
};

// Opens (creating if allowed) the RocksDB store at opts.path. Fails with a
// one-line reason when the directory is locked by another process, when the
// schema version is newer or unknown, or when the database holds column
// families this version does not know; never rewrites such a database.
Result<std::unique_ptr<Store>> OpenRocksStore(const StoreOptions& opts);

}  // namespace praxis::storage

// RocksDB implementation of Store. The only file that includes RocksDB.
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <memory>
#include <set>

#include "praxis/storage/store.h"

namespace praxis::storage {

const char* ColumnName(Column c) {
  static constexpr std::array<const char*, static_cast<int>(Column::kCount)> kNames = {
      "default",   "envelopes", "logs",  "group_index", "originals",  "forks",
      "manifests", "chunks",    "peers", "by_root",     "republishes"};
  return kNames[static_cast<int>(c)];
}

namespace {

Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound(s.ToString());
  if (s.IsCorruption()) return Status::Corruption(s.ToString());
  if (s.IsInvalidArgument()) return Status::InvalidArgument(s.ToString());
  return Status::IOError(s.ToString());
}

rocksdb::Slice ToSlice(std::string_view v) { return {v.data(), v.size()}; }

class RocksStore final : public Store {
 public:
  RocksStore(std::string path, rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles)
      : path_(std::move(path)), db_(db), handles_(std::move(handles)) {}

  ~RocksStore() override {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    // Close() flushes nothing by itself; the WAL covers what memtables hold.
    (void)db_->Close();
    delete db_;
  }

  Result<std::optional<std::string>> Get(Column c, std::string_view key) override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), handle(c), ToSlice(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return Err(FromRocks(s));
    return std::optional<std::string>(std::move(value));
  }

  Status Write(const WriteSet& ws, Durability d) override {
    rocksdb::WriteBatch batch(ws.bytes() + 64 * ws.ops().size());
    for (const auto& op : ws.ops()) {
      auto s = op.is_delete ? batch.Delete(handle(op.column), ToSlice(op.key))
                            : batch.Put(handle(op.column), ToSlice(op.key), ToSlice(op.value));
      if (!s.ok()) return FromRocks(s);
    }
    rocksdb::WriteOptions wo;
    wo.sync = d == Durability::kSync;
    wo.disableWAL = d == Durability::kNoWal;
    return FromRocks(db_->Write(wo, &batch));
  }

  Status Scan(Column c, std::string_view prefix, const ScanFn& fn,
              std::string_view start) override {
    rocksdb::ReadOptions ro;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handle(c)));
    std::string_view from = start.empty() ? prefix : start;
    for (it->Seek(ToSlice(from)); it->Valid(); it->Next()) {
      std::string_view k(it->key().data(), it->key().size());
      if (k.substr(0, prefix.size()) != prefix) break;
      if (!fn(k, std::string_view(it->value().data(), it->value().size()))) break;
    }
    return FromRocks(it->status());
  }

  Result<std::optional<std::pair<std::string, std::string>>> Last(
      Column c, std::string_view prefix) override {
    using R = std::optional<std::pair<std::string, std::string>>;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handle(c)));
    // Seek just past the prefix range, then step back.
    std::string upper(prefix);
    while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xff) upper.pop_back();
    if (upper.empty()) {
      it->SeekToLast();
    } else {
      upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
      it->SeekForPrev(ToSlice(upper));
      if (it->Valid() && it->key() == ToSlice(upper)) it->Prev();
    }
    if (!it->status().ok()) return Err(FromRocks(it->status()));
    if (!it->Valid()) return R();
    std::string_view k(it->key().data(), it->key().size());
    if (k.substr(0, prefix.size()) != prefix) return R();
    return R(std::pair(std::string(k), it->value().ToString()));
  }

  Status Flush(Column c) override {
    rocksdb::FlushOptions fo;
    fo.wait = true;
    return FromRocks(db_->Flush(fo, handle(c)));
  }

  std::uint64_t ApproximateBytes(Column c) override {
    std::uint64_t sst = 0, blob = 0;
    db_->GetIntProperty(handle(c), rocksdb::DB::Properties::kLiveSstFilesSize, &sst);
    db_->GetIntProperty(handle(c), rocksdb::DB::Properties::kLiveBlobFileSize, &blob);
    return sst + blob;
  }

  const std::string& path() const override { return path_; }

  Status Reclaim(Column c) override {
    // Every column, so write-ahead log files holding the deleted values are
    // no longer needed and go too.
    rocksdb::FlushOptions fo;
    fo.wait = true;
    PRAXIS_RETURN_IF_ERROR(FromRocks(db_->Flush(fo, handles_)));
    rocksdb::CompactRangeOptions o;
    o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    o.blob_garbage_collection_policy = rocksdb::BlobGarbageCollectionPolicy::kForce;
    o.blob_garbage_collection_age_cutoff = 1.0;  // every blob file: live blobs move, the rest go
    return FromRocks(db_->CompactRange(o, handle(c), nullptr, nullptr));
  }

  Status Checkpoint(const std::string& dir) override {
    rocksdb::Checkpoint* raw = nullptr;
    PRAXIS_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_, &raw)));
    std::unique_ptr<rocksdb::Checkpoint> cp(raw);
    // log_size_for_flush 0: memtables are flushed first, so chunks written
    // without the WAL are in the copy too. SST files are hard-linked when the
    // copy is on the same filesystem.
    return FromRocks(cp->CreateCheckpoint(dir, /*log_size_for_flush=*/0));
  }

 private:
  rocksdb::ColumnFamilyHandle* handle(Column c) { return handles_[static_cast<int>(c)]; }
  std::string path_;
  rocksdb::DB* db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

rocksdb::ColumnFamilyOptions OptionsFor(Column c, const StoreOptions& opts,
                                        const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Point lookups by id dominate (dedup on ingest): a bloom filter spares the disk.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  table.cache_index_and_filter_blocks = true;
  // Partitioned index and filters: a 64 MB log file has megabyte-sized index
  // and filter blocks, bigger than a shard of the block cache, so every scan
  // re-read them (bench/catchup with 10,000 authors: 150 us per log scan).
  // Partitions are cached piecewise; the small top level stays pinned.
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.pin_top_level_index_and_filter = true;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.write_buffer_size = opts.write_buffer_bytes;
  cf.compression = rocksdb::kNoCompression;  // ids, signatures and content: incompressible
  if (c == Column::kEnvelopes || c == Column::kOriginals) {
    // Ingest looks up every incoming id here, and nearly all are new: a bloom
    // filter over the memtable's whole keys answers those misses without
    // walking the skiplist (RocksDB sizes it at ratio x write buffer bytes).
    cf.memtable_whole_key_filtering = true;
    cf.memtable_prefix_bloom_size_ratio = 0.02;
  }
  // Each announcement appends to its (author, group) log and to its group's
  // (created, id) index. Hinting inserts by that prefix lets the memtable
  // resume from the previous insert's position instead of searching from the
  // top of the skiplist. Affects memtable inserts only, not what is stored.
  if (c == Column::kLogs)
    cf.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(64));
  if (c == Column::kGroupIndex)
    cf.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(32));
  if (c == Column::kChunks) {
    // Chunks go to blob files so compaction never rewrites content. No
    // automatic blob garbage collection: with an age cutoff it relocates the
    // live blobs of the oldest files at every compaction, garbage or not (a
    // quarter of praxisd's CPU during a 1 GiB fetch in bench/transfer).
    // Dropped content's disk comes back through Reclaim (drop, eviction, and
    // the keeper when the column outgrows what is held).
    cf.enable_blob_files = true;
    cf.min_blob_size = 4096;
    cf.blob_file_size = 64 << 20;
    cf.enable_blob_garbage_collection = false;
    cf.write_buffer_size = opts.chunk_write_buffer_bytes;
    cf.max_write_buffer_number = 2;
  }
  return cf;
}

Status CheckSchema(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta, const std::string& path,
                   bool fresh) {
  std::string v;
  auto s = db->Get(rocksdb::ReadOptions(), meta, std::string(kSchemaVersionKey), &v);
  if (s.IsNotFound()) {
    if (!fresh)
      return Status::Corruption("database at " + path +
                                " has no schema version; it was not written by praxisd");
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(
        db->Put(wo, meta, std::string(kSchemaVersionKey), std::to_string(kSchemaVersion)));
  }
  if (!s.ok()) return FromRocks(s);
  if (v != std::to_string(kSchemaVersion))
    return Status::FailedPrecondition(
        "database at " + path + " has schema version '" + v + "', this praxisd understands " +
        std::to_string(kSchemaVersion) + "; refusing to open it (use a matching praxisd)");
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenRocksStore(const StoreOptions& opts) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool fresh = !fs::exists(fs::path(opts.path) / "CURRENT", ec);
  if (fresh && !opts.create_if_missing) return Err(Status::NotFound("no database at " + opts.path));

  std::vector<std::string> existing;
  if (!fresh) {
    auto s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), opts.path, &existing);
    if (!s.ok()) return Err(FromRocks(s));
    std::set<std::string> known;
    for (int i = 0; i < static_cast<int>(Column::kCount); ++i)
      known.insert(ColumnName(static_cast<Column>(i)));
    for (const auto& name : existing)
      if (!known.count(name))
        return Err(Status::FailedPrecondition("database at " + opts.path + " has column family '" +
                                              name +
                                              "' unknown to this praxisd (written by a newer "
                                              "version?); refusing to open it"));
  }

  auto cache = rocksdb::NewLRUCache(opts.block_cache_bytes);
  rocksdb::DBOptions dbo;
  dbo.create_if_missing = opts.create_if_missing;
  dbo.create_missing_column_families = true;
  dbo.max_background_jobs = 2;
  dbo.bytes_per_sync = 1 << 20;
  dbo.keep_log_file_num = 4;
  // The WAL is shared by every column: without a bound, a long download
  // (chunks go through the WAL) keeps its log files alive for as long as a
  // quiet column has unflushed writes in them. Past this, the columns
  // holding the oldest log are flushed and it is deleted.
  dbo.max_total_wal_size = 64 << 20;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (int i = 0; i < static_cast<int>(Column::kCount); ++i) {
    auto c = static_cast<Column>(i);
    cfs.emplace_back(ColumnName(c), OptionsFor(c, opts, cache));
  }
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  auto s = rocksdb::DB::Open(dbo, opts.path, cfs, &handles, &db);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos)
      return Err(Status::IOError("database at " + opts.path + " is in use by another process (" +
                                 s.ToString() + ")"));
    return Err(FromRocks(s));
  }
  auto store = std::make_unique<RocksStore>(opts.path, db, handles);
  if (Status st = CheckSchema(db, handles[0], opts.path, fresh); !st.ok()) return Err(st);
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace praxis::storage

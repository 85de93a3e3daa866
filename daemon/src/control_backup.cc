// praxis backup DIR: an online, consistent copy of the data directory (a
// RocksDB checkpoint of the database, and the identity key) that opens as a
// data directory of its own. Written by the daemon, which owns both.
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>

#include "control_internal.h"
#include "praxis/node/data_dir.h"

namespace praxis::node::control_internal {

namespace fs = std::filesystem;

asio::awaitable<Result<control::Response>> Backup(Context c, const control::BackupRequest& req) {
  const fs::path dir(req.dir());
  if (!dir.is_absolute())
    co_return Err(Status::InvalidArgument("backup directory must be an absolute path: " +
                                          req.dir()));
  std::error_code ec;
  if (fs::exists(dir, ec))
    co_return Err(Status::AlreadyExists(req.dir() + " exists: a backup goes into a new directory"));
  if (!fs::is_directory(dir.parent_path(), ec))
    co_return Err(Status::NotFound("no directory " + dir.parent_path().string() + " to hold " +
                                   req.dir()));
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t held = c.node.ingestor().accepted_total();
  const std::string key_from = c.node.options().key_path;
  storage::Store& store = c.node.store();
  std::function<Status()> copy = [dir, key_from, &store]() -> Status {
    std::error_code e;
    if (!fs::create_directory(dir, e))
      return Status::IOError("cannot create " + dir.string() + ": " + e.message());
    fs::permissions(dir, fs::perms::owner_all, e);
    PRAXIS_RETURN_IF_ERROR(store.Checkpoint((dir / "db").string()));
    // The key last: a copy holding it is complete.
    const fs::path key_to = dir / kKeyFileName;
    if (!fs::copy_file(key_from, key_to, e))
      return Status::IOError("cannot copy the identity key into " + dir.string() + ": " +
                             e.message());
    fs::permissions(key_to, fs::perms::owner_read | fs::perms::owner_write, e);
    return Status::OK();
  };
  Status s = co_await PoolAwait(c.node, copy);
  if (!s.ok()) co_return Err(s);
  std::uint64_t bytes = 0;
  for (const auto& f : fs::recursive_directory_iterator(dir, ec))
    if (f.is_regular_file(ec)) bytes += f.file_size(ec);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  spdlog::info("backup of {} announcements written to {} ({} bytes, {:.2f} s)", held, dir.string(),
               bytes, seconds);
  control::Response r;
  auto* out = r.mutable_backup();
  out->set_dir(dir.string());
  out->set_announcements(held);
  out->set_bytes(bytes);
  out->set_seconds(seconds);
  co_return r;
}

}  // namespace praxis::node::control_internal

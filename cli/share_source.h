// ShareSource: the bytes `praxis share` streams to the node, from a file the
// CLI opened (the daemon never opens a user's paths, DESIGN.md §7) or from
// the text of a note. Single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "praxis/storage/status.h"

namespace praxis::cli {

class ShareSource {
 public:
  // Opens `path` for reading. Fails with NotFound, or IOError for a
  // directory or a file that cannot be opened, before anything is sent.
  static Result<std::unique_ptr<ShareSource>> OpenFile(const std::string& path);
  static std::unique_ptr<ShareSource> FromText(std::string text);

  ~ShareSource();
  ShareSource(const ShareSource&) = delete;
  ShareSource& operator=(const ShareSource&) = delete;

  // Fills `buf` with up to buf->size() bytes, fewer only at the end, and
  // resizes it to what was read: empty means the end. IOError on a read error.
  Status Read(std::string* buf);

  // Byte count known up front (0 for a pipe, whose size nobody knows).
  std::uint64_t expected_size() const { return expected_size_; }
  // Whether expected_size() is a promise: a regular file or a note.
  bool size_known() const { return size_known_; }
  const std::string& name() const { return name_; }  // for messages

 private:
  ShareSource() = default;

  int fd_ = -1;       // a file, or -1 for a note
  std::string text_;  // the note
  std::size_t text_offset_ = 0;
  std::uint64_t expected_size_ = 0;
  bool size_known_ = false;
  std::string name_;
};

// The default title of a note: its first non-blank line, trimmed, cut to 60
// characters.
std::string NoteTitle(std::string_view text);

}  // namespace praxis::cli

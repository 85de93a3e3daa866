#include "share_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "format.h"

namespace praxis::cli {

namespace {

constexpr std::size_t kNoteTitleMax = 60;

std::string Describe(const std::string& path, int err) {
  return "cannot share '" + ForTerminal(path) + "': " + std::strerror(err);
}

}  // namespace

Result<std::unique_ptr<ShareSource>> ShareSource::OpenFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return Err(Status::NotFound(Describe(path, err)));
    return Err(Status::IOError(Describe(path, err)));
  }
  std::unique_ptr<ShareSource> source(new ShareSource);
  source->fd_ = fd;
  source->name_ = path;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Err(Status::IOError(Describe(path, errno)));
  if (S_ISDIR(st.st_mode)) {
    return Err(Status::IOError("cannot share '" + ForTerminal(path) +
                               "': it is a directory (share its files one by one)"));
  }
  if (S_ISREG(st.st_mode)) {
    source->expected_size_ = static_cast<std::uint64_t>(st.st_size);
    source->size_known_ = true;
  }
  return source;
}

std::unique_ptr<ShareSource> ShareSource::FromText(std::string text) {
  std::unique_ptr<ShareSource> source(new ShareSource);
  source->expected_size_ = text.size();
  source->size_known_ = true;
  source->text_ = std::move(text);
  source->name_ = "note";
  return source;
}

ShareSource::~ShareSource() {
  if (fd_ >= 0) ::close(fd_);
}

Status ShareSource::Read(std::string* buf) {
  const std::size_t want = buf->size();
  if (fd_ < 0) {
    const std::size_t n = std::min(want, text_.size() - text_offset_);
    buf->assign(text_, text_offset_, n);
    text_offset_ += n;
    return Status::OK();
  }
  std::size_t got = 0;
  while (got < want) {
    const ssize_t n = ::read(fd_, buf->data() + got, want - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      buf->clear();
      return Status::IOError("cannot read '" + ForTerminal(name_) + "': " + std::strerror(err));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  buf->resize(got);
  return Status::OK();
}

std::string NoteTitle(std::string_view text) {
  constexpr std::string_view kBlank = " \t\r\f\v";
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    const std::size_t first = line.find_first_not_of(kBlank);
    if (first != std::string_view::npos) {
      line = line.substr(first, line.find_last_not_of(kBlank) - first + 1);
      return TruncatePoints(ValidUtf8(line), kNoteTitleMax);
    }
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }
  return "";
}

}  // namespace praxis::cli

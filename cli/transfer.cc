#include "transfer.h"

#include <cstdint>

#include "format.h"

namespace praxis::cli {

namespace {

// Matches the node's chunk size (DESIGN.md §3), so each message is one chunk.
constexpr std::size_t kDataMessageSize = 256 * 1024;

Status Stream(ControlClient& client, ShareSource& source, ProgressBar& progress) {
  control::Request request;
  std::string buf;
  std::uint64_t sent = 0;
  for (;;) {
    buf.resize(kDataMessageSize);
    PRAXIS_RETURN_IF_ERROR(source.Read(&buf));
    if (buf.empty()) break;
    sent += buf.size();
    request.mutable_data()->set_bytes(std::move(buf));
    PRAXIS_RETURN_IF_ERROR(client.Send(request));
    buf = std::move(*request.mutable_data()->mutable_bytes());
    progress.Update(sent);
  }
  if (source.size_known() && sent != source.expected_size()) {
    // Closing without share_end makes the node drop the upload.
    return Status::IOError("'" + ForTerminal(source.name()) +
                           "' changed while being shared (read " + std::to_string(sent) + " of " +
                           std::to_string(source.expected_size()) + " bytes); nothing was shared");
  }
  return Status::OK();
}

}  // namespace

Result<control::ShareReply> UploadShare(ControlClient& client, const control::Request& begin,
                                        ShareSource& source, ProgressBar& progress) {
  if (auto ack = client.Call(begin, control::Response::kAck); !ack) return Err(ack.error());
  PRAXIS_RETURN_IF_ERROR(Stream(client, source, progress));
  control::Request end_request;
  end_request.mutable_share_end();
  auto response = client.Call(end_request, control::Response::kShare);
  progress.Finish();
  if (!response) return Err(response.error());
  return std::move(*response->mutable_share());
}

Result<control::GetBegin> BeginGet(
    ControlClient& client, const std::string& id,
    const std::function<void(const control::FetchProgress&)>& on_fetch) {
  control::Request request;
  request.mutable_get()->set_id(ValidUtf8(id));
  if (Status s = client.Send(request); !s.ok()) return Err(s);
  for (;;) {
    auto response = client.ReceiveReply();
    if (!response) return Err(response.error());
    if (response->has_fetch_progress()) {
      if (on_fetch) on_fetch(response->fetch_progress());
      continue;
    }
    if (!response->has_get_begin()) {
      return Err(Status::Protocol("unexpected reply from the node (kind " +
                                  std::to_string(response->resp_case()) +
                                  "); is praxisd the same version?"));
    }
    return std::move(*response->mutable_get_begin());
  }
}

Result<control::GetEnd> ReceiveContent(ControlClient& client, const control::GetBegin& begin,
                                       const std::function<Status(std::string_view)>& write,
                                       ProgressBar& progress) {
  std::uint64_t received = 0;
  control::GetEnd end;
  for (;;) {
    auto response = client.ReceiveReply();
    if (!response && response.error().code() == Code::kIOError) {
      return Err(Status::IOError(response.error().message() + " during the download, after " +
                                 std::to_string(received) + " of " +
                                 std::to_string(begin.size()) + " bytes"));
    }
    if (!response) return Err(response.error());
    if (response->has_get_end()) {
      end = response->get_end();
      break;
    }
    if (!response->has_data()) {
      return Err(Status::Protocol("unexpected reply from the node during a download (kind " +
                                  std::to_string(response->resp_case()) + ")"));
    }
    const std::string& bytes = response->data().bytes();
    if (bytes.size() > begin.size() - received) {
      return Err(Status::Protocol("the node sent more than the " + std::to_string(begin.size()) +
                                  " bytes it announced"));
    }
    if (Status s = write(bytes); !s.ok()) return Err(s);
    received += bytes.size();
    progress.Update(received);
  }
  if (received != begin.size()) {
    return Err(Status::Protocol("the download ended early: received " +
                                std::to_string(received) + " of " + std::to_string(begin.size()) +
                                " bytes"));
  }
  return end;
}

}  // namespace praxis::cli

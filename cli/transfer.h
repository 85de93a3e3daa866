// The two streams of the control protocol (proto/control.proto), shared by
// the commands that move content:
//   share: share_begin -> Ack | Error ; Data* ; share_end -> ShareReply | Error
//   get:   get -> GetBegin | Error ; Data* ; GetEnd
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "control.pb.h"
#include "control_client.h"
#include "progress.h"
#include "share_source.h"

namespace praxis::cli {

// Sends `begin` (a share_begin request), streams `source` and ends the share.
// `progress` is updated as bytes go. Returns the node's reply; on any failure
// the node drops the upload and nothing is shared.
Result<control::ShareReply> UploadShare(ControlClient& client, const control::Request& begin,
                                        ShareSource& source, ProgressBar& progress);

// Asks for the resource `id` (a root or a share announcement, or a prefix)
// and returns what the node says about it before the content.
// While the node fetches it from peers, `on_fetch` hears how that goes.
Result<control::GetBegin> BeginGet(
    ControlClient& client, const std::string& id,
    const std::function<void(const control::FetchProgress&)>& on_fetch = nullptr);

// After BeginGet: passes every content byte to `write`, in order, until
// GetEnd, which it returns. Fails when the node sends more or fewer bytes
// than begin.size().
Result<control::GetEnd> ReceiveContent(ControlClient& client, const control::GetBegin& begin,
                                       const std::function<Status(std::string_view)>& write,
                                       ProgressBar& progress);

}  // namespace praxis::cli

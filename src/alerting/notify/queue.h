// NotificationQueue: where the notification router (router.h) puts the messages it renders. The
// notify room states the interface and the outbox room implements it (alerting/outbox/outbox.h,
// durable, with retries), so the router never depends on how notifications are stored; tests
// record instead.
//
// Thread-safety: implementations must accept Enqueue from any thread.
#pragma once

#include <string_view>

#include "common/status.h"

namespace mw::alerting {

// Where routed notifications go (the Outbox; tests record).
class NotificationQueue {
 public:
  virtual ~NotificationQueue() = default;
  // Records one notification for `channel` durably. A non-empty `supersede_key` replaces the
  // payload of a pending notification of the same channel and key instead of adding one.
  // kUnavailable when it could not be stored.
  virtual Status Enqueue(std::string_view channel, std::string_view payload,
                         std::string_view supersede_key) = 0;
};

}  // namespace mw::alerting

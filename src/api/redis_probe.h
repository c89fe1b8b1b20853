// Reachability check of the optional Redis that /health reports as redis_connected. modelwatch does
// not use Redis itself; deployments that put a Redis cache in front of their models want its state
// next to ours. No Redis client library is in Debian's C++ set that we already depend on, and the
// check is one inline command (PING -> +PONG), so it is written here over a plain socket.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"

namespace mw::api {

// Sends PING to the Redis at `url` (redis://[user:pass@]host[:port][/db] or unix:///path; rediss://
// (TLS) is reported as unsupported) and expects +PONG (or -NOAUTH, which still proves the server is
// up), within `timeout`. OK when it answered.
Status ProbeRedis(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace mw::api

// Reachability check of the Redis configured as `redis.url`, which /health reports as
// redis_connected when the proxy's response cache does not use Redis itself (then /health reports
// the cache's connection instead): deployments whose API keeps its own Redis cache want its state
// next to ours. The check is one inline command (PING -> +PONG) over a plain socket with a
// deadline, so /health never waits on hiredis' blocking calls; the URL is read by the proxy's one
// parser (proxy/cache/redis_url.h).
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

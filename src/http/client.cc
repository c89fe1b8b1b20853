#include "http/client.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <utility>

namespace mw::http {
namespace {

struct Collected {
  ClientResponse* response;
  size_t max_body_bytes;
};

size_t CollectBody(char* data, size_t size, size_t n, void* out) {
  auto* c = static_cast<Collected*>(out);
  const size_t bytes = size * n;
  std::string& body = c->response->body;
  if (body.size() < c->max_body_bytes) {
    body.append(data, std::min(bytes, c->max_body_bytes - body.size()));
  }
  return bytes;
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Keeps the value of a "Retry-After:" header line (name case-insensitive).
size_t CollectHeader(char* data, size_t size, size_t n, void* out) {
  const size_t bytes = size * n;
  std::string_view line(data, bytes);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() < kName.size()) return bytes;
  for (size_t i = 0; i < kName.size(); ++i) {
    const char c = line[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != kName[i]) return bytes;
  }
  line.remove_prefix(kName.size());
  while (!line.empty() && IsBlank(line.front())) line.remove_prefix(1);
  while (!line.empty() && IsBlank(line.back())) line.remove_suffix(1);
  static_cast<ClientResponse*>(out)->retry_after = std::string(line);
  return bytes;
}

TransferError Classify(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return TransferError::kTimeout;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return TransferError::kInvalidUrl;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return TransferError::kTls;
    default:
      return TransferError::kNetwork;
  }
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// The header list of `request`; nullptr when it has none. Should libcurl run out of memory
// part-way, the request goes with the headers appended so far.
std::unique_ptr<curl_slist, SlistDeleter> HeaderList(const ClientRequest& request) {
  curl_slist* list = nullptr;
  for (const std::string& h : request.headers) {
    curl_slist* grown = curl_slist_append(list, h.c_str());
    if (grown == nullptr) break;
    list = grown;
  }
  return std::unique_ptr<curl_slist, SlistDeleter>(list);
}

void SetMethodAndBody(CURL* curl, const ClientRequest& request) {
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    return;
  }
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  if (request.method != "POST") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
}

}  // namespace

Result<std::unique_ptr<Client>> Client::Create() {
  static std::once_flag curl_initialised;
  std::call_once(curl_initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Internal("curl_easy_init failed");
  return std::unique_ptr<Client>(new Client(curl));
}

Client::~Client() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

ClientResponse Client::Send(const ClientRequest& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  // Reset forgets the previous request's options but keeps the connection cache.
  curl_easy_reset(curl);
  ClientResponse response;
  Collected collected{&response, request.max_body_bytes};
  const auto headers = HeaderList(request);
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
  if (request.connect_timeout_ms > 0) {
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min(request.connect_timeout_ms, request.timeout_ms)));
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &collected);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, CollectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  SetMethodAndBody(curl, request);
  const CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    response.error = Classify(rc);
    response.error_summary = curl_easy_strerror(rc);
    response.error_detail = errbuf[0] != '\0' ? std::string(errbuf) : response.error_summary;
    response.status = 0;
    response.body.clear();  // a partial answer is no answer
    response.retry_after.clear();
    return response;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  char* content_type = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type);
  if (content_type != nullptr) response.content_type = content_type;
  return response;
}

std::string UrlEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace mw::http

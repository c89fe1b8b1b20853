// ServiceMetrics: the metric families of `modelwatch serve` that belong to no deeper layer, each
// group owned by the class that records it, all on one telemetry Metrics registry (`core`).
// The monitor and alerting register theirs on core.registry() themselves.
//
// The members are built in declaration order, which is the order of the families in the
// /metrics text (prometheus-cpp lists families by type, then by registration): keep it.
//
// Thread-safety: as each member's.
#pragma once

#include <memory>

#include "api/metrics/ingest_metrics.h"
#include "api/metrics/model_metrics.h"
#include "api/metrics/store_metrics.h"
#include "common/status.h"
#include "telemetry/background_errors.h"
#include "telemetry/http_metrics.h"
#include "telemetry/metrics.h"

namespace mw::api {

struct ServiceMetrics {
  // Metrics::Validate(options), then builds. Never throws.
  static Result<std::unique_ptr<ServiceMetrics>> Create(const telemetry::MetricsOptions& options);
  // Precondition: Metrics::Validate(options).ok(); throws std::invalid_argument otherwise.
  // Registers every family below, then modelwatch_build_info.
  explicit ServiceMetrics(const telemetry::MetricsOptions& options);
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  telemetry::Metrics core;             // the registry, the process/host collectors, Serialize
  telemetry::RequestMetrics requests;  // modelwatch_http_*: the requests to modelwatch's API
  IngestMetrics ingest;
  StoreMetrics store;
  ModelVersionMetrics models;
  telemetry::ConnectionMetrics connections;  // modelwatch_http_*
  telemetry::BackgroundErrorMetrics background_errors;
};

}  // namespace mw::api

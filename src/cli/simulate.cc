// modelwatch simulate: realistic traffic for a running server (the demo, tests and benchmarks).
//   modelwatch simulate [--target URL] [--scenario demand|risk|both] [--events N | --duration 60s]
//                       [--rate R] [--drift concept,feature_shift --drift-at 0.5 ...] [--json]
// Registers the simulated models and versions with their training metrics, uploads each
// version's training rows as its reference, then sends predictions over a span of simulated
// time and their actuals after a delay, with drift injected from a given instant (see
// simulate/runner.h and docs/simulate.md).
// Exit codes: 0 done; 1 a request failed (the message names the URL and the HTTP status, with
// the server's problem document) or the server could not be reached; 2 bad usage.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/time_format.h"
#include "simulate/runner.h"

namespace mw::cli {

struct SimulateFlags {
  std::string target = "http://127.0.0.1:8000";
  std::string token;  // default: $MODELWATCH_TOKEN
  std::string scenario = "both";
  uint64_t seed = 1;
  int restaurants = 10;
  int versions = 1;
  std::string start;  // RFC 3339 or "-7d"; default: span before now
  std::string span = "1d";
  int64_t events = 10000;
  std::string duration;
  double rate = 0;
  int batch = 200;
  std::string actual_delay = "1h";
  double actual_fraction = 1.0;
  std::vector<std::string> drift;
  std::string drift_at = "0.5";
  std::vector<std::string> drift_models, drift_segments, drift_features;
  double drift_magnitude = 2.0;
  bool register_models = true;
  int reference_rows = 2000;
  std::string id_prefix;
  int max_retries = 8;
  bool json = false;
  bool quiet = false;
  // Flags that only mean something with --drift, to reject them without it.
  std::vector<const CLI::Option*> drift_only;
};

namespace {

std::string CheckDuration(const std::string& v) {
  return ParseDurationMillis(v) ? std::string()
                                : "must be a duration like 90s, 15m, 1h or 7d, of at most 36500d";
}

// "0" (no delay) or a duration.
std::optional<int64_t> ParseDelay(const std::string& v) {
  if (v == "0") return 0;
  return ParseDurationMillis(v);
}

// RFC 3339, or "-<duration>" before `now`; nullopt outside InTimeRange (1970..9999).
std::optional<int64_t> ParseStart(const std::string& v, int64_t now) {
  std::optional<int64_t> start;
  if (!v.empty() && v[0] == '-') {
    if (auto ago = ParseDurationMillis(std::string_view(v).substr(1))) start = now - *ago;
  } else {
    start = ParseRfc3339Millis(v);
  }
  if (start && !InTimeRange(*start)) return std::nullopt;
  return start;
}

std::string Base36(uint64_t n) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[n % 36]);
    n /= 36;
  } while (n > 0);
  return out;
}

int Usage(const std::string& message) {
  std::cerr << "modelwatch simulate: " << message << "\n";
  return 2;
}

}  // namespace

namespace {

// What to send where: target, scenario, simulated span, volume and pace, actuals.
void AddTrafficOptions(CLI::App* sub, SimulateFlags& f) {
  sub->add_option("--target", f.target, "modelwatch server URL")->capture_default_str();
  sub->add_option("--token", f.token, "Bearer token (default: $MODELWATCH_TOKEN)");
  sub->add_option("--scenario", f.scenario, "Models to simulate")
      ->check(CLI::IsMember({"demand", "risk", "both"}))
      ->capture_default_str();
  sub->add_option("--seed", f.seed, "Random seed (same seed, same traffic)")->capture_default_str();
  sub->add_option("--restaurants", f.restaurants, "demand_forecast segments")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  sub->add_option("--versions", f.versions, "patient_risk versions (1 or 2)")
      ->check(CLI::Range(1, 2))
      ->capture_default_str();
  sub->add_option("--start", f.start,
                  "Start of the simulated span: RFC 3339 or relative like -7d (default: --span "
                  "before now)");
  sub->add_option("--span", f.span, "Length of the simulated span")
      ->check(CheckDuration)
      ->capture_default_str();
  auto* events = sub->add_option("--events", f.events, "Predictions to send")
                     ->check(CLI::Range(int64_t{0}, int64_t{1000000000}))
                     ->capture_default_str();
  sub->add_option("--duration", f.duration, "Send for this much wall time instead of --events")
      ->check(CheckDuration)
      ->excludes(events);
  sub->add_option("--rate", f.rate, "Predictions per second of wall time (0: as fast as possible)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--batch", f.batch, "Predictions (and actuals) per request")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  sub->add_option("--actual-delay", f.actual_delay,
                  "Simulated time between a prediction and its actual (0: at once)")
      ->check([](const std::string& v) {
        return ParseDelay(v) ? std::string() : "must be 0 or a duration like 30m or 1h";
      })
      ->capture_default_str();
  sub->add_option("--actual-fraction", f.actual_fraction, "Share of predictions with an actual")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
}

// --drift and the options that shape it (those in f.drift_only need --drift).
void AddDriftOptions(CLI::App* sub, SimulateFlags& f) {
  sub->add_option("--drift", f.drift,
                  "Drift to inject: feature_shift, new_category, concept (repeatable or a "
                  "comma list)")
      ->delimiter(',')
      ->check(CLI::IsMember({"feature_shift", "new_category", "concept"}));
  f.drift_only.push_back(
      sub->add_option("--drift-at", f.drift_at,
                      "When drift starts: a fraction of the span (0..1) or an RFC 3339 time")
          ->capture_default_str());
  sub->add_option("--drift-models", f.drift_models, "Models to drift (default: all)")
      ->delimiter(',');
  sub->add_option("--drift-segments", f.drift_segments,
                  "Segments to drift, e.g. restaurant_3,restaurant_7 (default: all)")
      ->delimiter(',');
  sub->add_option("--drift-features", f.drift_features,
                  "feature_shift: features to move (default: temperature, bmi)")
      ->delimiter(',');
  f.drift_only.push_back(sub->add_option("--drift-magnitude", f.drift_magnitude,
                                         "feature_shift: shift in reference standard deviations")
                             ->capture_default_str());
}

// Registration, ids, retries and output.
void AddRunOptions(CLI::App* sub, SimulateFlags& f) {
  sub->add_flag("--register,!--no-register", f.register_models,
                "Register the models and versions with training metrics (default on)");
  sub->add_option("--reference-rows", f.reference_rows,
                  "Training rows per version, uploaded as its reference (0: no upload)")
      ->check(CLI::Range(0, 10000000))
      ->capture_default_str();
  sub->add_option("--id-prefix", f.id_prefix,
                  "Event ids are PREFIX-N (default: sim-SEED-START, unique per span)");
  sub->add_option("--max-retries", f.max_retries, "Retries per request (5xx, 429, no connection)")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  sub->add_flag("--json", f.json, "Print the summary as JSON on stdout");
  sub->add_flag("--quiet", f.quiet, "No progress lines on stderr");
}

// The drift to inject, from --drift and its options; 0, or the usage exit status (2).
int DriftOptionsFromFlags(const SimulateFlags& f, simulate::DriftOptions& drift) {
  for (const CLI::Option* option : f.drift_only) {
    if (option->count() > 0 && f.drift.empty()) {
      return Usage(option->get_name() + ": needs --drift");
    }
  }
  for (const std::string& kind : f.drift) {
    drift.kinds.push_back(*simulate::ParseDriftKind(kind));  // checked by CLI11
  }
  if (!f.drift_at.empty() && f.drift_at.find_first_not_of("0123456789.") == std::string::npos) {
    try {
      drift.at_fraction = std::stod(f.drift_at);
    } catch (const std::exception&) {
      return Usage("--drift-at: must be a fraction like 0.5 or an RFC 3339 time");
    }
  } else if (auto at = ParseRfc3339Millis(f.drift_at); at && InTimeRange(*at)) {
    drift.at_ms = *at;
  } else {
    return Usage("--drift-at: must be a fraction like 0.5 or an RFC 3339 time, got '" + f.drift_at +
                 "'");
  }
  drift.models = f.drift_models;
  drift.segments = f.drift_segments;
  drift.features = f.drift_features;
  drift.magnitude = f.drift_magnitude;
  return 0;
}

// The generator's options from the flags; 0, or the usage exit status (2) after saying why.
int GeneratorOptionsFromFlags(const SimulateFlags& f, int64_t now, simulate::GeneratorOptions& g) {
  g.seed = f.seed;
  g.demand = f.scenario != "risk";
  g.risk = f.scenario != "demand";
  g.restaurants = f.restaurants;
  g.risk_versions = f.versions;
  g.span_ms = *ParseDurationMillis(f.span);
  if (f.start.empty()) {
    g.start_ms = now - g.span_ms;
  } else if (auto start = ParseStart(f.start, now)) {
    g.start_ms = *start;
  } else {
    return Usage(
        "--start: must be an RFC 3339 time or a duration before now like -7d, from 1970 to 9999, "
        "got '" +
        f.start + "'");
  }
  if (g.start_ms + g.span_ms > now) {
    return Usage("--start: the span would end at " + FormatRfc3339Seconds(g.start_ms + g.span_ms) +
                 ", after now; the server rejects timestamps in the future");
  }
  g.actual_delay_ms = *ParseDelay(f.actual_delay);
  g.actual_fraction = f.actual_fraction;
  g.training_rows = f.reference_rows > 0 ? f.reference_rows : 2000;
  if (!f.id_prefix.empty()) {
    g.id_prefix = f.id_prefix;
  } else {
    // Unique per simulated span, so a rerun of the same command with an explicit --start is
    // idempotent; a --duration run stamps by wall time, so its launch time is added.
    g.id_prefix = "sim-" + std::to_string(f.seed) + "-" + Base36(static_cast<uint64_t>(g.start_ms));
    if (!f.duration.empty()) g.id_prefix += "-" + Base36(static_cast<uint64_t>(now));
  }
  return DriftOptionsFromFlags(f, g.drift);
}

simulate::RunOptions RunOptionsFromFlags(const SimulateFlags& f) {
  simulate::RunOptions ro;
  ro.events = f.events;
  ro.duration_ms = f.duration.empty() ? 0 : *ParseDurationMillis(f.duration);
  ro.rate = f.rate;
  ro.batch = f.batch;
  ro.register_models = f.register_models;
  ro.upload_reference = f.register_models && f.reference_rows > 0;
  ro.progress_interval_ms = 5000;
  if (!f.quiet) {
    ro.progress = [](const simulate::Progress& p) {
      std::cerr << simulate::ProgressLine(p) << std::endl;
    };
  }
  return ro;
}

}  // namespace

SimulateCommand AddSimulateCommand(CLI::App& app) {
  SimulateCommand command;
  command.flags = std::make_shared<SimulateFlags>();
  CLI::App* sub = app.add_subcommand(
      "simulate", "Send realistic predictions and actuals (with optional drift) to a server");
  command.subcommand = sub;
  AddTrafficOptions(sub, *command.flags);
  AddDriftOptions(sub, *command.flags);
  AddRunOptions(sub, *command.flags);
  return command;
}

int RunSimulate(const SimulateCommand& command) {
  const SimulateFlags& f = *command.flags;
  SystemClock clock;
  const int64_t now = clock.NowMillis();

  simulate::GeneratorOptions g;
  if (int usage = GeneratorOptionsFromFlags(f, now, g); usage != 0) return usage;
  auto generator = simulate::TrafficGenerator::Create(g);
  if (!generator) return Usage(generator.error().message());

  simulate::SenderOptions so;
  so.target = f.target;
  so.token = f.token;
  if (so.token.empty()) {
    if (const char* env = std::getenv("MODELWATCH_TOKEN")) so.token = env;
  }
  so.max_retries = f.max_retries;
  auto sender = simulate::HttpSender::Create(so);
  if (!sender) return Usage(sender.error().message());

  const simulate::RunOptions ro = RunOptionsFromFlags(f);
  if (!f.quiet) {
    std::cerr << "simulate: sending to " << so.target << ", simulated "
              << FormatRfc3339Seconds(g.start_ms) << " .. "
              << FormatRfc3339Seconds(g.start_ms + g.span_ms);
    if (generator->drift()) {
      std::cerr << ", drift from " << FormatRfc3339Seconds(generator->drift()->start_ms);
    }
    std::cerr << std::endl;
  }
  auto summary = simulate::RunSimulation(ro, *generator, **sender, clock);
  if (!summary) {
    // Every option was checked above, so what fails here is the server or the network.
    std::cerr << "modelwatch simulate: " << summary.error().message() << "\n";
    return 1;
  }
  if (f.json) {
    std::cout << simulate::SummaryJson(*summary).dump(2) << std::endl;
  } else {
    std::cout << simulate::SummaryText(*summary) << std::flush;
  }
  return 0;
}

}  // namespace mw::cli

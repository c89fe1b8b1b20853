// Runs a Python program under Debian's /usr/bin/python3 (which has python3-numpy, python3-scipy
// and python3-sklearn; the `python3` on PATH may be another interpreter without them) and returns
// what it printed. Unit tests use it as the oracle that modelwatch's statistics are checked
// against: the test writes its inputs as JSON on the program's stdin and reads JSON back.
//
// Header-only on purpose: every test folder can include it without a library of its own.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace mw::testing {

inline constexpr const char* kDebianPython = "/usr/bin/python3";

// Runs `program` (Python source) with `input` on stdin; returns stdout. Throws std::runtime_error
// with the exit status and stderr when the program fails, so a broken oracle fails the test
// instead of passing it.
inline std::string RunPython(const std::string& program, const std::string& input) {
  char dir_template[] = "/tmp/mw-oracle.XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) throw std::runtime_error("mkdtemp failed");
  const std::string base(dir);
  const std::string script = base + "/oracle.py", in = base + "/in.json", out = base + "/out",
                    err = base + "/err";
  std::ofstream(script) << program;
  std::ofstream(in, std::ios::binary) << input;
  const std::string command =
      std::string(kDebianPython) + " " + script + " < " + in + " > " + out + " 2> " + err;
  const int status = std::system(command.c_str());
  auto slurp = [](const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  };
  std::string stdout_text = slurp(out), stderr_text = slurp(err);
  std::system(("rm -rf " + base).c_str());
  if (status != 0) {
    throw std::runtime_error("python oracle failed (status " + std::to_string(status) +
                             "): " + stderr_text);
  }
  return stdout_text;
}

// RunPython for an oracle that reads JSON on stdin and prints JSON.
inline nlohmann::json RunOracle(const std::string& program, const nlohmann::json& input) {
  return nlohmann::json::parse(RunPython(program, input.dump()));
}

// |actual - expected| <= rel * |expected|, or both below 1e-300 apart by less than that (a
// subnormal carries too few digits for a relative bound); both NaN also passes.
inline ::testing::AssertionResult RelNear(double actual, double expected, double rel) {
  if (std::isnan(expected) && std::isnan(actual)) return ::testing::AssertionSuccess();
  if (actual == expected) return ::testing::AssertionSuccess();
  if (std::fabs(actual - expected) <= rel * std::fabs(expected) + 1e-300) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "actual " << nlohmann::json(actual).dump() << " expected "
                                       << nlohmann::json(expected).dump() << " (relative error "
                                       << std::fabs(actual - expected) / std::fabs(expected) << ")";
}

}  // namespace mw::testing

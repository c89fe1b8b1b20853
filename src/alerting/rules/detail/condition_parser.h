// The parser of the condition language behind ParseCondition (alerting/rules/condition.h), with a
// work counter so tests can bound its complexity without timing it. Internal to src/alerting.
#pragma once

#include <cstdint>
#include <string_view>

#include "alerting/rules/condition.h"

namespace mw::alerting::detail {

// Units of work one parse did: characters and tokens the lexer read, tokens the parser looked
// at (each Peek/Next and each token of the parenthesis pre-scan), nodes built and labels
// compared. Linear parsing means `steps` <= a constant times the length of the text.
struct ConditionParseWork {
  int64_t steps = 0;
};

// ParseCondition, adding its work to `*work` when `work` is not null.
Result<Condition> ParseConditionCounted(std::string_view text, const ConditionOptions& options,
                                        ConditionParseWork* work);

}  // namespace mw::alerting::detail

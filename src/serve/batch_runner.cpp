#include "serve/batch_runner.h"

namespace trailwall::serve {

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::Done: return "done";
    case Outcome::Retry: return "retry";
    case Outcome::Unreadable: return "unreadable";
  }
  return "retry";
}

const char* to_string(RunKind kind) {
  switch (kind) {
    case RunKind::Scoped: return "scoped";
    case RunKind::Full: return "full";
  }
  return "scoped";
}

}  // namespace trailwall::serve

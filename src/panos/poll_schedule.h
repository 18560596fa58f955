#pragma once
// When to ask again about something that finishes on its own: a commit job, or another run's hold
// on the firewall (DESIGN §4.4, §4.7). Early on the answer may come any moment, so the poll is
// fast; once the thing has run `fast_for` it is a long one (real commits take 10-60 s) and the
// poll slows to the device-friendly `slow` interval (a PAN-OS job polled faster than every 2 s
// takes longer). With the defaults a commit that ends within 5 s is noticed within 0.25 s, a
// longer one within 2 s, and a long one costs one request per 2 s.
//
// Why a step and not a doubling (0.25, 0.5, 1, 2 s): doubling leaves 1-2 s gaps between 2 and
// 5 s, so a 3 s commit would be noticed up to 0.75 s late; the step keeps every commit up to
// 5 s within one fast interval and costs 20 polls in those 5 s.

#include <chrono>

namespace trailwall::panos {

struct PollSchedule {
  std::chrono::milliseconds fast{250};
  std::chrono::milliseconds fast_for{5000};
  std::chrono::milliseconds slow{2000};

  // The wait before the next poll when the thing has been running for `elapsed`. Never less than
  // 1 ms; `fast` never exceeds `slow`.
  [[nodiscard]] std::chrono::milliseconds next(std::chrono::milliseconds elapsed) const;
};

}  // namespace trailwall::panos

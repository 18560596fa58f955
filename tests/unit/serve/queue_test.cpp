// The queue's attributes, and the --listen address.
#include <gtest/gtest.h>

#include "serve/http_server.h"
#include "serve/queue.h"

namespace trailwall::serve {
namespace {

using namespace std::chrono_literals;

TEST(QueueInfo, ReadsFifoVisibilityAndRedrivePolicy) {
  auto info = queueInfoFrom({{"FifoQueue", "true"},
                             {"VisibilityTimeout", "120"},
                             {"RedrivePolicy", R"({"maxReceiveCount":"5"})"}},
                            "https://sqs.eu-central-1.amazonaws.com/1/q.fifo");
  ASSERT_TRUE(info) << to_string(info.error());
  EXPECT_TRUE(info->fifo);
  EXPECT_EQ(info->visibility_timeout, 120s);
  EXPECT_FALSE(info->redrive_policy.empty());
  info = queueInfoFrom({{"VisibilityTimeout", "30"}}, "https://sqs/1/events");
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->fifo);
  EXPECT_TRUE(info->redrive_policy.empty());
  info = queueInfoFrom({}, "https://sqs/1/events.fifo");
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->fifo) << "the .fifo suffix says so";
  const auto bad = queueInfoFrom({{"VisibilityTimeout", "soon"}}, "q");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("VisibilityTimeout"), std::string::npos);
}

TEST(ListenAddress, AcceptsHostPortForms) {
  EXPECT_EQ(parseListenAddress("127.0.0.1:9090").value(), (ListenAddress{"127.0.0.1", 9090}));
  EXPECT_EQ(parseListenAddress("[::1]:8080").value(), (ListenAddress{"::1", 8080}));
  EXPECT_EQ(parseListenAddress(":9090").value(), (ListenAddress{"0.0.0.0", 9090}));
  EXPECT_EQ(parseListenAddress("localhost:0").value(), (ListenAddress{"localhost", 0}));
}

TEST(ListenAddress, RejectsWhatIsNotHostPort) {
  for (const char* bad : {"9090", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:http", "::1:9090",
                          "[::1:9090", "host/x:1"}) {
    const auto parsed = parseListenAddress(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.error().message.find(bad), std::string::npos) << parsed.error().message;
  }
}

}  // namespace
}  // namespace trailwall::serve

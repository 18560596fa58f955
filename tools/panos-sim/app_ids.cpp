#include "app_ids.h"

#include <array>

namespace trailwall::panossim {
namespace {

constexpr AppDefaultPort kSsh[] = {{kProtoTcp, 22, 22}};
constexpr AppDefaultPort kSmtp[] = {{kProtoTcp, 25, 25}, {kProtoTcp, 587, 587}};
constexpr AppDefaultPort kDns[] = {{kProtoTcp, 53, 53}, {kProtoUdp, 53, 53}};
constexpr AppDefaultPort kWeb[] = {{kProtoTcp, 80, 80}};
constexpr AppDefaultPort kPop3[] = {{kProtoTcp, 110, 110}};
constexpr AppDefaultPort kImap[] = {{kProtoTcp, 143, 143}, {kProtoTcp, 220, 220}};
constexpr AppDefaultPort kLdap[] = {
    {kProtoTcp, 389, 389}, {kProtoTcp, 636, 636}, {kProtoTcp, 3268, 3269}, {kProtoUdp, 389, 389}};
constexpr AppDefaultPort kSsl[] = {{kProtoTcp, 443, 443}};
constexpr AppDefaultPort kOracle[] = {{kProtoTcp, 1521, 1521}};
constexpr AppDefaultPort kMysql[] = {{kProtoTcp, 3306, 3306}};
constexpr AppDefaultPort kRdp[] = {{kProtoTcp, 3389, 3389}, {kProtoUdp, 3389, 3389}};
constexpr AppDefaultPort kRedshift[] = {{kProtoTcp, 5439, 5439}};
constexpr AppDefaultPort kIcmp[] = {{kProtoIcmp, 0, 0}};
constexpr AppDefaultPort kTraceroute[] = {{kProtoIcmp, 0, 0}, {kProtoUdp, 33434, 33534}};
constexpr AppDefaultPort kIcmpV6[] = {{kProtoIcmpV6, 0, 0}};
constexpr AppDefaultPort kHttps8443[] = {{kProtoTcp, 8443, 8443}};
constexpr AppDefaultPort kNtp[] = {{kProtoUdp, 123, 123}};
constexpr AppDefaultPort kSyslog[] = {{kProtoUdp, 514, 514}, {kProtoTcp, 514, 514}};
constexpr AppDefaultPort kPostgres[] = {{kProtoTcp, 5432, 5432}};
constexpr AppDefaultPort kMssql[] = {{kProtoTcp, 1433, 1433}};
constexpr AppDefaultPort kFtp[] = {{kProtoTcp, 21, 21}};
constexpr AppDefaultPort kSnmp[] = {{kProtoUdp, 161, 162}};

// "rdp" is the name DESIGN.md's table uses; the App-ID on PAN-OS is "ms-rdp". Both resolve.
// "ping" is ICMP echo, "traceroute" ICMP plus the classic UDP probe range; "ipv6-icmp" and
// "ping6" are the ICMPv6 counterparts.
constexpr std::array<AppIdInfo, 25> kApps = {{
    {"ssh", kSsh},
    {"smtp", kSmtp},
    {"dns", kDns},
    {"web-browsing", kWeb},
    {"pop3", kPop3},
    {"imap", kImap},
    {"ldap", kLdap},
    {"ssl", kSsl},
    {"oracle", kOracle},
    {"mysql", kMysql},
    {"ms-rdp", kRdp},
    {"rdp", kRdp},
    {"amazon-redshift", kRedshift},
    {"ping", kIcmp},
    {"traceroute", kTraceroute},
    {"icmp", kIcmp},
    {"ipv6-icmp", kIcmpV6},
    {"ping6", kIcmpV6},
    {"ntp", kNtp},
    {"syslog", kSyslog},
    {"postgres", kPostgres},
    {"mssql-db", kMssql},
    {"ftp", kFtp},
    {"snmp", kSnmp},
    {"paloalto-https", kHttps8443},
}};

}  // namespace

const AppIdInfo* findAppId(std::string_view name) {
  for (const AppIdInfo& app : kApps) {
    if (app.name == name) {
      return &app;
    }
  }
  return nullptr;
}

std::span<const AppIdInfo> allAppIds() {
  return kApps;
}

}  // namespace trailwall::panossim

#pragma once
// What an event asks trailwall to look at (DESIGN §1): ids only, never state. The loader turns
// a scope into the current AWS truth; `everything` is the scope of a full reconcile.

#include <set>
#include <string>

namespace trailwall::inventory {

struct Scope {
  bool everything = false;
  std::set<std::string> instance_ids;
  std::set<std::string> group_ids;
  std::set<std::string> group_names;  // default-VPC groups named without an id; resolved by name
  std::set<std::string> network_interface_ids;
  // DetachNetworkInterface names only the attachment; once detached it may no longer resolve,
  // and then the loader has to widen (the ENI's instance is not in the event either).
  std::set<std::string> network_interface_attachment_ids;
  std::set<std::string> subnet_ids;
  std::set<std::string> route_table_ids;
  std::set<std::string> route_table_association_ids;  // Disassociate/ReplaceAssociation events
  std::set<std::string> vpc_ids;                      // routing events widen to the whole VPC
  std::set<std::string> prefix_list_ids;

  [[nodiscard]] bool empty() const {
    return !everything && instance_ids.empty() && group_ids.empty() && group_names.empty() &&
           network_interface_ids.empty() && network_interface_attachment_ids.empty() &&
           subnet_ids.empty() && route_table_ids.empty() && route_table_association_ids.empty() &&
           vpc_ids.empty() && prefix_list_ids.empty();
  }

  // Adds every id of `other` (a batch of events has the union of their scopes).
  void merge(const Scope& other) {
    everything = everything || other.everything;
    instance_ids.insert(other.instance_ids.begin(), other.instance_ids.end());
    group_ids.insert(other.group_ids.begin(), other.group_ids.end());
    group_names.insert(other.group_names.begin(), other.group_names.end());
    network_interface_ids.insert(other.network_interface_ids.begin(),
                                 other.network_interface_ids.end());
    network_interface_attachment_ids.insert(other.network_interface_attachment_ids.begin(),
                                            other.network_interface_attachment_ids.end());
    subnet_ids.insert(other.subnet_ids.begin(), other.subnet_ids.end());
    route_table_ids.insert(other.route_table_ids.begin(), other.route_table_ids.end());
    route_table_association_ids.insert(other.route_table_association_ids.begin(),
                                       other.route_table_association_ids.end());
    vpc_ids.insert(other.vpc_ids.begin(), other.vpc_ids.end());
    prefix_list_ids.insert(other.prefix_list_ids.begin(), other.prefix_list_ids.end());
  }

  friend bool operator==(const Scope&, const Scope&) = default;
};

}  // namespace trailwall::inventory

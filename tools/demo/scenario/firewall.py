"""The firewall as panos-sim holds it: security rules and service objects read from a
configuration XML, which of them trailwall manages, and a compact table for people."""
import copy
import dataclasses
import re
import xml.etree.ElementTree as ET

VSYS = "./devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']"
MANAGED_NAME = re.compile(r"^(sg|i)-[0-9a-f]+-")  # DESIGN §3: <group-id>-… / <instance-id>-…
MANAGED_TAG = "trailwall"

_LISTS = ("from", "to", "source", "destination", "source-user", "category", "application",
          "service", "tag")


@dataclasses.dataclass
class Rule:
    name: str
    xml: str  # the entry element as the device serialises it
    members: dict  # from, to, source, … -> [member, …]
    action: str
    description: str
    disabled: bool
    profile_group: list

    @property
    def managed(self):
        return bool(MANAGED_NAME.match(self.name)) and MANAGED_TAG in self.members["tag"]

    def get(self, field):
        return self.members[field]


def _members(entry, path):
    node = entry.find(path)
    return [m.text or "" for m in node.findall("member")] if node is not None else []


def _serialise(entry):
    entry = copy.deepcopy(entry)
    entry.tail = None
    return ET.tostring(entry, encoding="unicode")


def rules(config_xml):
    """The vsys' security rules in rulebase order."""
    root = ET.fromstring(config_xml)
    out = []
    for entry in root.findall(VSYS + "/rulebase/security/rules/entry"):
        out.append(Rule(
            name=entry.get("name"),
            xml=_serialise(entry),
            members={field: _members(entry, field) for field in _LISTS},
            action=entry.findtext("action", ""),
            description=entry.findtext("description", ""),
            disabled=entry.findtext("disabled", "no") == "yes",
            profile_group=_members(entry, "profile-setting/group"),
        ))
    return out


def services(config_xml):
    """Service objects: name -> (protocol, port, tags)."""
    root = ET.fromstring(config_xml)
    out = {}
    for entry in root.findall(VSYS + "/service/entry"):
        protocol = entry.find("protocol")[0]
        out[entry.get("name")] = (protocol.tag, protocol.findtext("port"),
                                  _members(entry, "tag"))
    return out


def tags(config_xml):
    root = ET.fromstring(config_xml)
    return [e.get("name") for e in root.findall(VSYS + "/tag/entry")]


def managed(config_xml):
    return [r for r in rules(config_xml) if r.managed]


def administrator_rules(config_xml):
    """name -> XML of every rule trailwall does not manage, in order."""
    return {r.name: r.xml for r in rules(config_xml) if not r.managed}


def _short(values, width):
    text = ", ".join(values)
    return text if len(text) <= width else text[:width - 1] + "…"


def table(config_xml, names=None, previous=None, baseline_admin=None):
    """The rulebase as a compact table: managed rules in full (marked + added, ~ changed, and the
    ones removed since `previous` listed as -), administrator rules in one line each, checked
    against `baseline_admin` (administrator_rules() of the start). `names` maps ids to names."""
    names = names or {}
    current = rules(config_xml)
    before = {r.name: r for r in rules(previous)} if previous else {}
    header = (f"   {'#':>2}  {'rule':<30} {'group':<10} {'source':<30} {'destination':<32} "
              f"{'application':<13} service")
    lines = [header, "   " + "-" * (len(header) - 3)]
    for position, rule in enumerate(current, 1):
        if not rule.managed:
            state = ""
            if baseline_admin is not None:
                state = ("unchanged" if baseline_admin.get(rule.name) == rule.xml
                         else "CHANGED")
            lines.append(f"   {position:>2}  {rule.name:<30} administrator rule, {rule.action}"
                         f"{', disabled' if rule.disabled else ''}  [{state}]")
            continue
        mark = " "
        if previous is not None:
            mark = "+" if rule.name not in before else ("~" if before[rule.name].xml != rule.xml
                                                        else " ")
        owner = rule.name.split("-")[0] + "-" + rule.name.split("-")[1]
        lines.append(
            f" {mark} {position:>2}  {rule.name:<30} {_short([names.get(owner, '')], 10):<10} "
            f"{_short(rule.get('source'), 30):<30} {_short(rule.get('destination'), 32):<32} "
            f"{_short(rule.get('application'), 13):<13} {_short(rule.get('service'), 24)}")
    current_names = {r.name for r in current}
    for name, rule in before.items():
        if rule.managed and name not in current_names:
            lines.append(f" -     {name:<30} (removed)")
    return "\n".join(lines)

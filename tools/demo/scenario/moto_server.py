"""moto_server, with AWS's meaning of an EC2 filter that has several values (run as a script,
with moto_server's arguments).

AWS matches a resource when any of a filter's values matches; for an attribute that holds a list
(an ENI's or an instance's security group ids) that is any element against any value. moto 5.2
(moto/ec2/utils.py, is_filter_matching) instead requires the list to be a subset or a superset of
the values, so DescribeNetworkInterfaces with group-id = [web, admin-ssh] misses an ENI in
[app, admin-ssh] — the call trailwall's scoped inventory load makes for the groups of the
instances an event names. This fixes that one case and then runs moto's own server.
"""
import fnmatch
import sys

import moto.ec2.utils as ec2_utils
from moto.server import main

_moto_is_filter_matching = ec2_utils.is_filter_matching


def is_filter_matching(obj, filter_name, filter_value):
    value = obj.get_filter_value(filter_name)
    if (isinstance(filter_value, list) and len(filter_value) > 1
            and isinstance(value, (list, set, tuple))):
        return any(fnmatch.fnmatch(str(element), pattern)
                   for element in value for pattern in filter_value)
    return _moto_is_filter_matching(obj, filter_name, filter_value)


ec2_utils.is_filter_matching = is_filter_matching

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

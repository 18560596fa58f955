"""A faulty AWS: a loopback HTTP proxy in front of moto_server that, per rule, answers with a
5xx, answers with the service's real throttling error, drops the connection, answers slowly or
never answers, and counts every request. The integration tests (tests/support/faulty_aws.h) and
the end-to-end tests (FaultyAws below) put it between trailwall and moto.

    python3 faulty_aws.py --upstream http://127.0.0.1:5000 [--port 0]
    -> prints "faulty-aws listening on http://127.0.0.1:PORT" once it accepts connections

Requests are forwarded byte for byte, the Host header included, so moto verifies the SigV4
signature trailwall computed for the proxy's address. Which request a rule matches: the service
from the signature's credential scope (ec2, s3, sqs, secretsmanager, ssm, sts), the action from
the Query form (Action=...), the JSON protocol's X-Amz-Target, or S3's method and path.

Control API (JSON), under /__faulty/:
  PUT    /__faulty/rules           [rule, ...] replaces the rules; the first that matches applies
  DELETE /__faulty/rules           no rules: everything is forwarded
  GET    /__faulty/counters        {"requests": n, "forwarded": n, "by_target": {"ec2:DescribeVpcs": n},
                                    "faults": {"ec2:DescribeVpcs:throttle": n}}
  POST   /__faulty/counters/reset
A rule: {"service": "ec2" | "*", "action": "DescribeVpcs" | "*", "times": n (default: always),
         "fault": "status" (with "status": 500 | 502 | 503 | 504), "throttle", "drop" (close the
         connection without an answer), "reset" (TCP reset), "slow" (with "delay": seconds, then
         forward), "hang" (keep the connection open and never answer)}.
"""
import argparse
import http.client
import http.server
import json
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
              "trailer", "upgrade"}

# The error bodies the services send (EC2 Query, AWS Query, REST-XML, JSON protocols): the codes
# and messages AWS documents for throttling and for internal errors.
XML_EC2 = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
           '<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID>'
           '</Response>')
XML_S3 = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}'
          '</Message><RequestId>{request_id}</RequestId><HostId>{host_id}</HostId></Error>')
XML_QUERY = ('<ErrorResponse xmlns="https://{service}.amazonaws.com/doc/2011-06-15/"><Error>'
             '<Type>{type}</Type><Code>{code}</Code><Message>{message}</Message></Error>'
             '<RequestId>{request_id}</RequestId></ErrorResponse>')

THROTTLE = {
    "ec2": (503, "RequestLimitExceeded", "Request limit exceeded."),
    "s3": (503, "SlowDown", "Please reduce your request rate."),
    "sqs": (400, "RequestThrottled", "Rate exceeded"),
    "secretsmanager": (400, "ThrottlingException", "Rate exceeded"),
    "ssm": (400, "ThrottlingException", "Rate exceeded"),
    "sts": (400, "Throttling", "Rate exceeded"),
}
INTERNAL = {
    500: ("InternalError", "An internal error has occurred"),
    502: ("InternalError", "Bad Gateway"),
    503: ("Unavailable", "The server is overloaded and can't handle the request."),
    504: ("RequestTimeout", "The request timed out."),
}
JSON_SERVICES = {"sqs", "secretsmanager", "ssm"}


def error_response(service, status, code, message):
    """(status, headers, body) of an AWS error in `service`'s protocol."""
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id, "Date": http_date()}
    if service in JSON_SERVICES:
        json_type = {"InternalError": "InternalFailure", "Unavailable": "ServiceUnavailable"}.get(
            code, code)
        if service == "sqs":
            headers["x-amzn-query-error"] = f"{code};{'Sender' if status < 500 else 'Receiver'}"
            json_type = f"com.amazonaws.sqs#{json_type}"
        headers["Content-Type"] = "application/x-amz-json-1.0"
        body = json.dumps({"__type": json_type, "message": message})
    elif service == "s3":
        if code == "Unavailable":
            code, message = "ServiceUnavailable", "Please reduce your request rate."
        headers["Content-Type"] = "application/xml"
        body = XML_S3.format(code=code, message=message, request_id=request_id[:16].upper(),
                             host_id="faulty-aws")
    elif service in ("sts", "iam"):
        headers["Content-Type"] = "text/xml"
        body = XML_QUERY.format(service=service, type="Sender" if status < 500 else "Receiver",
                                code=code, message=message, request_id=request_id)
    else:
        headers["Content-Type"] = "text/xml;charset=UTF-8"
        body = XML_EC2.format(code=code, message=message, request_id=request_id)
    return status, headers, body.encode()


def http_date():
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())


def identify(method, path, headers, body):
    """(service, action) of a request."""
    service = "unknown"
    match = re.search(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request",
                      headers.get("Authorization", ""))
    if match:
        service = match.group(1)
    target = headers.get("X-Amz-Target")
    if target:
        return service, target.rsplit(".", 1)[-1]
    if service == "s3":
        parts = [p for p in urllib.parse.urlsplit(path).path.split("/") if p]
        kinds = {"GET": ("ListObjects", "GetObject"), "HEAD": ("HeadBucket", "HeadObject"),
                 "PUT": ("CreateBucket", "PutObject"), "DELETE": ("DeleteBucket", "DeleteObject")}
        pair = kinds.get(method, (method, method))
        return service, pair[1] if len(parts) > 1 else pair[0]
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if body else {}
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    action = (form.get("Action") or query.get("Action") or [method])[0]
    return service, action


class State:
    def __init__(self, upstream):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.lock = threading.Lock()
        self.rules = []
        self.stopping = threading.Event()
        self.reset_counters()

    def reset_counters(self):
        with self.lock:
            self.counters = {"requests": 0, "forwarded": 0, "by_target": {}, "faults": {}}

    def take_rule(self, service, action):
        """Counts the request; the rule that applies to it (its `times` used up by one), or None."""
        target = f"{service}:{action}"
        with self.lock:
            self.counters["requests"] += 1
            self.counters["by_target"][target] = self.counters["by_target"].get(target, 0) + 1
            for rule in self.rules:
                if rule.get("service", "*") not in ("*", service):
                    continue
                if rule.get("action", "*") not in ("*", action):
                    continue
                if rule.get("times") is not None:
                    if rule["times"] <= 0:
                        continue
                    rule["times"] -= 1
                key = f"{target}:{rule['fault']}"
                self.counters["faults"][key] = self.counters["faults"].get(key, 0) + 1
                return dict(rule)
            self.counters["forwarded"] += 1
            return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs and curl use it
    server_version = "faulty-aws"

    def log_message(self, fmt, *args):  # quiet: the counters say what happened
        pass

    def do_GET(self):
        self.handle_any()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_GET

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_any(self):
        state = self.server.state
        body = self.read_body()
        if self.path.startswith("/__faulty/"):
            return self.control(state, body)
        service, action = identify(self.command, self.path, self.headers, body)
        rule = state.take_rule(service, action)
        fault = rule["fault"] if rule else None
        if fault == "status":
            status = int(rule.get("status", 500))
            code, message = INTERNAL.get(status, ("InternalError", "An internal error occurred"))
            return self.reply(*error_response(service, status, code, message))
        if fault == "throttle":
            status, code, message = THROTTLE.get(service, (400, "Throttling", "Rate exceeded"))
            return self.reply(*error_response(service, status, code, message))
        if fault in ("drop", "reset"):
            if fault == "reset":  # RST instead of FIN
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            self.close_connection = True
            return None
        if fault == "hang":
            return self.hang(state)
        if fault == "slow":
            time.sleep(float(rule.get("delay", 1.0)))
        return self.forward(state, body)

    def hang(self, state):
        """Never answers; returns when the client gives up (closes) or the proxy stops."""
        self.close_connection = True
        self.connection.settimeout(0.2)
        while not state.stopping.is_set():
            try:
                if self.connection.recv(1, socket.MSG_PEEK) == b"":
                    return
            except socket.timeout:
                continue
            except OSError:
                return

    def forward(self, state, body):
        upstream = state.upstream
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            connection.putrequest(self.command, self.path, skip_host=True,
                                  skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders(body if body else None)
            response = connection.getresponse()
            payload = response.read()
            out = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP
                   and k.lower() != "content-length"}
            self.reply(response.status, out, payload, head=self.command == "HEAD")
        finally:
            connection.close()

    def reply(self, status, headers, body, head=False):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def control(self, state, body):
        path = self.path.split("?")[0]
        if path == "/__faulty/rules" and self.command == "PUT":
            rules = json.loads(body or b"[]")
            if not isinstance(rules, list) or not all(
                    isinstance(r, dict) and r.get("fault") in (
                        "status", "throttle", "drop", "reset", "slow", "hang") for r in rules):
                return self.reply(400, {"Content-Type": "text/plain"},
                                  b"rules: a list of {fault: status|throttle|drop|reset|slow|hang}")
            with state.lock:
                state.rules = rules
            return self.reply(200, {"Content-Type": "application/json"}, b"{}")
        if path == "/__faulty/rules" and self.command == "DELETE":
            with state.lock:
                state.rules = []
            return self.reply(200, {"Content-Type": "application/json"}, b"{}")
        if path == "/__faulty/counters" and self.command == "GET":
            with state.lock:
                text = json.dumps(state.counters)
            return self.reply(200, {"Content-Type": "application/json"}, text.encode())
        if path == "/__faulty/counters/reset" and self.command == "POST":
            state.reset_counters()
            return self.reply(200, {"Content-Type": "application/json"}, b"{}")
        return self.reply(404, {"Content-Type": "text/plain"}, b"no such control path")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream, port=0):
        super().__init__(("127.0.0.1", port), Handler)
        self.state = State(upstream)

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self):
        self.state.stopping.set()
        self.shutdown()
        self.server_close()


class FaultyAws:
    """The proxy in this process, on its own thread (the e2e tests' way):

        with FaultyAws(moto.endpoint) as shim:
            shim.set_rules([{"service": "ec2", "fault": "throttle", "times": 2}])
            ... AWS_ENDPOINT_URL=shim.endpoint ...
            shim.counters()["by_target"]["ec2:DescribeVpcs"]
    """

    def __init__(self, upstream):
        self.server = Server(upstream)
        self.endpoint = self.server.endpoint
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def set_rules(self, rules):
        with self.server.state.lock:
            self.server.state.rules = [dict(r) for r in rules]

    def clear_rules(self):
        self.set_rules([])

    def counters(self):
        with self.server.state.lock:
            return json.loads(json.dumps(self.server.state.counters))

    def reset_counters(self):
        self.server.state.reset_counters()

    def close(self):
        self.server.close()
        self.thread.join(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="moto_server's URL")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = Server(args.upstream, args.port)
    print(f"faulty-aws listening on {server.endpoint}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.state.stopping.set()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

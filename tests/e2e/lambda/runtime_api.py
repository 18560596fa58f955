"""A Lambda Runtime API of the tests' own (API 2018-06-01, shared/reference/lambda/NOTES.md §1):
a loopback HTTP server that hands out the invocations a test queues on GET
/runtime/invocation/next and records everything the runtime posts (/response, /error,
/init/error). `invoke()` queues an event and waits for its answer, like a synchronous Lambda
invoke; `fail_next()` makes the next /next answer 500 (a container error: the runtime must
exit).
"""
import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


@dataclass
class Posted:
    kind: str          # response | error | init_error
    request_id: str    # empty for init_error
    body: bytes
    headers: dict = field(default_factory=dict)

    def json(self):
        return json.loads(self.body)

    @property
    def error_type(self):
        return self.headers.get("lambda-runtime-function-error-type")


class RuntimeApi:
    def __init__(self):
        self._invocations = queue.Queue()
        self._lock = threading.Condition()
        self.posted = []           # every Posted, in order
        self.next_calls = 0
        self._fail_next = False
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status, body=b"", headers=None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the runtime is gone (stopped at the end of a test)

            def do_GET(self):
                if self.path != PREFIX + "/invocation/next":
                    return self._reply(404, b'{"errorType":"NotFound"}')
                with api._lock:
                    api.next_calls += 1
                    api._lock.notify_all()
                item = api._invocations.get()
                if item is None:  # stop
                    return self._reply(500, b'{"errorMessage":"stopping","errorType":"Stop"}')
                if item == "fail":
                    return self._reply(
                        500, b'{"errorMessage":"container error","errorType":"ServiceException"}')
                request_id, body, deadline_ms, trace = item
                self._reply(200, body, {
                    "Lambda-Runtime-Aws-Request-Id": request_id,
                    "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn":
                        "arn:aws:lambda:us-east-1:123456789012:function:trailwall",
                    "Lambda-Runtime-Trace-Id": trace,
                    "Content-Type": "application/json",
                })

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                path = self.path
                if path == PREFIX + "/init/error":
                    posted = Posted("init_error", "", body, headers)
                elif path.startswith(PREFIX + "/invocation/") and path.endswith(
                        ("/response", "/error")):
                    request_id, kind = path[len(PREFIX + "/invocation/"):].rsplit("/", 1)
                    posted = Posted(kind, request_id, body, headers)
                else:
                    return self._reply(404, b'{"errorType":"NotFound"}')
                with api._lock:
                    api.posted.append(posted)
                    api._lock.notify_all()
                self._reply(202, b'{"status":"OK"}')

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def invoke(self, event, seconds_left=300.0, timeout=120.0):
        """Queues `event` (a dict or bytes) and waits for what the runtime posts for it."""
        request_id = str(uuid.uuid4())
        body = event if isinstance(event, bytes) else json.dumps(event).encode()
        deadline_ms = int((time.time() + seconds_left) * 1000)
        trace = f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=1"
        self._invocations.put((request_id, body, deadline_ms, trace))
        return request_id, self.wait(lambda p: p.request_id == request_id, timeout)

    def wait(self, predicate, timeout):
        """The first Posted matching `predicate`, waiting up to `timeout` seconds."""
        end = time.monotonic() + timeout
        with self._lock:
            while True:
                for posted in self.posted:
                    if predicate(posted):
                        return posted
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"nothing posted within {timeout} s: {self.posted!r}")
                self._lock.wait(left)

    def fail_next(self):
        self._invocations.put("fail")

    def close(self):
        for _ in range(4):  # release any /next still waiting
            self._invocations.put(None)
        self.server.shutdown()
        self.server.server_close()

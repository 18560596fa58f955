"""moto_server and panos-sim as child processes on free loopback ports, always stopped.

Each server runs in its own process group (so stopping it stops everything it started) and is
told by the kernel to die with the Python process that started it (PR_SET_PDEATHSIG), so even a
SIGKILLed driver leaves nothing behind. `Servers` is the context manager the demo and the e2e
tests use: both servers up on enter, both down on exit, however the block ends.

moto (moto's server started through moto_server.py, which fixes one filter case) verifies SigV4
signatures like the C++ fixture (tests/support/moto_server.h): it starts with
INITIAL_NO_AUTH_ACTION_COUNT=3 and those three unauthenticated actions create an IAM user with an
allow-all policy; every later request must be signed with that user's keys.
"""
import ctypes
import importlib.util
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import boto3

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's account
_PR_SET_PDEATHSIG = 1
# moto_server with AWS's meaning of multi-valued EC2 filters (see that file).
MOTO_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "moto_server.py")


class ServerError(RuntimeError):
    pass


def _own_group_dying_with(parent):
    """A preexec_fn: a new session (process group), and SIGTERM when `parent` dies."""
    def preexec():
        os.setsid()
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # it died before prctl
            os._exit(1)
    return preexec


class Child:
    """A child process in its own process group, its output in `log_path`."""

    def __init__(self, name, argv, log_path, env=None):
        self.name = name
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                preexec_fn=_own_group_dying_with(os.getpid()))

    def log(self):
        with open(self.log_path, "r", errors="replace") as f:
            return f.read()

    def wait_for_line(self, pattern, timeout):
        """The first match of `pattern` in the output, waiting for it; ServerError otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.log())
            if match:
                return match
            if self.process.poll() is not None:
                raise ServerError(f"{self.name} exited with {self.process.returncode}:\n"
                                  + self.log()[-4000:])
            time.sleep(0.05)
        raise ServerError(f"{self.name} did not print /{pattern}/ within {timeout} s:\n"
                          + self.log()[-4000:])

    def stop(self, grace=5.0):
        """SIGTERM to the whole group, SIGKILL after `grace` seconds; idempotent."""
        if self.process.poll() is None or self._group_alive():
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
            self._signal_group(signal.SIGKILL)
            self.process.wait()

    def _group_alive(self):
        try:
            os.killpg(self.process.pid, 0)
            return True
        except (ProcessLookupError, PermissionError):
            return False

    def _signal_group(self, sig):
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass


def _http(method, url, body=None, headers=None, context=None, timeout=30):
    """(status, body bytes) of one request; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class MotoServer:
    """moto_server with signature checking; `env()` is what boto3 and trailwall read."""

    BOOTSTRAP_ACTIONS = 3

    def __init__(self, workdir):
        self.workdir = workdir
        self.child = None
        self.endpoint = None
        self.user = None
        self.user_id = None
        self.access_key_id = None
        self.secret_access_key = None

    def spawn(self):
        if importlib.util.find_spec("moto") is None:
            raise ServerError(f"moto is not installed for {sys.executable} "
                              "(python3 with moto[server] provides moto_server)")
        env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT=str(self.BOOTSTRAP_ACTIONS),
                   PYTHONUNBUFFERED="1")
        self.child = Child("moto_server",
                           [sys.executable, MOTO_SERVER, "-H", "127.0.0.1", "-p", "0"],
                           os.path.join(self.workdir, "moto.log"), env)

    def wait_ready(self, timeout=60):
        port = self.child.wait_for_line(r"Running on http://127\.0\.0\.1:(\d+)", timeout).group(1)
        self.endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while _http_ok(self.endpoint + "/moto-api/") is False:
            if time.monotonic() > deadline:
                raise ServerError("moto_server did not answer /moto-api/:\n" + self.child.log())
            time.sleep(0.05)
        self._bootstrap_iam()
        # moto loads its EC2 models on the first EC2 call (seconds): pay it here, not in a step.
        self.client("ec2").describe_vpcs()

    def _bootstrap_iam(self):
        iam = boto3.client("iam", endpoint_url=self.endpoint, region_name=REGION,
                           aws_access_key_id="AKIDBOOTSTRAP", aws_secret_access_key="bootstrap")
        user = "trailwall-demo"
        self.user_id = iam.create_user(UserName=user)["User"]["UserId"]
        key = iam.create_access_key(UserName=user)["AccessKey"]
        policy = {"Version": "2012-10-17",
                  "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        iam.put_user_policy(UserName=user, PolicyName="allow-all",
                            PolicyDocument=json.dumps(policy))
        self.user = user
        self.access_key_id = key["AccessKeyId"]
        self.secret_access_key = key["SecretAccessKey"]

    def client(self, service):
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=self.access_key_id,
                            aws_secret_access_key=self.secret_access_key)

    def env(self):
        """AWS variables for a child process: this endpoint and keys, no other source."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": "/nonexistent/trailwall-demo-config",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/trailwall-demo-credentials",
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def stop(self):
        if self.child:
            self.child.stop()


def _http_ok(url):
    try:
        return _http("GET", url, timeout=2)[0] == 200
    except OSError:
        return False


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1 made with openssl: (cert path, key path)."""
    cert = os.path.join(directory, "panos-sim.crt")
    key = os.path.join(directory, "panos-sim.key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=panos-sim",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-addext", "basicConstraints=critical,CA:TRUE"],
        check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return cert, key


class PanosSim:
    """panos-sim over HTTPS with a certificate made at start; its XML API and control endpoint."""

    def __init__(self, binary, workdir, commit_ms=0):
        self.binary = binary
        self.workdir = workdir
        self.commit_ms = commit_ms
        self.child = None
        self.base_url = None
        self.ca_bundle = None
        self._tls = None

    def spawn(self):
        if not os.access(self.binary, os.X_OK):
            raise ServerError(f"panos-sim binary not found: {self.binary}")
        self.ca_bundle, key = make_certificate(self.workdir)
        self._tls = ssl.create_default_context(cafile=self.ca_bundle)
        argv = [self.binary, "--port", "0", "--cert", self.ca_bundle, "--key", key,
                "--commit-ms", str(self.commit_ms), "--quiet"]
        self.child = Child("panos-sim", argv, os.path.join(self.workdir, "panos-sim.log"))

    def wait_ready(self, timeout=30):
        self.base_url = self.child.wait_for_line(
            r"listening on (https://127\.0\.0\.1:\d+)", timeout).group(1)
        if self.control("GET", "/sim/health") != {"ok": True}:
            raise ServerError("panos-sim /sim/health did not answer ok")

    @property
    def host(self):
        """host:port as trailwall's [firewall] host takes it."""
        return urllib.parse.urlsplit(self.base_url).netloc

    # The control endpoint (tools/panos-sim/README.md).
    def control(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        status, text = _http(method, self.base_url + path, data,
                             {"Content-Type": "application/json"} if data else None, self._tls)
        if status != 200:
            raise ServerError(f"panos-sim {method} {path}: HTTP {status} {text[:300]!r}")
        return json.loads(text) if text.strip().startswith((b"{", b"[")) else text.decode()

    def counters(self):
        return self.control("GET", "/sim/counters")

    def reset_counters(self):
        self.control("POST", "/sim/counters/reset")

    def set_faults(self, faults):
        self.control("PUT", "/sim/faults", faults)

    def clear_faults(self):
        self.control("DELETE", "/sim/faults")

    def running_config(self):
        return self.control("GET", "/sim/config/running")

    def candidate_config(self):
        return self.control("GET", "/sim/config/candidate")

    # The XML API, as another administrator would use it.
    def api(self, params, key=None):
        """POST /api/ with form `params` (key in X-PAN-KEY); the reply XML text."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if key:
            headers["X-PAN-KEY"] = key
        status, text = _http("POST", self.base_url + "/api/",
                             urllib.parse.urlencode(params).encode(), headers, self._tls)
        reply = text.decode()
        if status != 200 or not re.search(r"status\s*=\s*['\"]success['\"]", reply):
            raise ServerError(f"panos-sim API {params.get('type')}/{params.get('action', '')}: "
                              f"HTTP {status} {reply[:400]}")
        return reply

    def keygen(self, user, password):
        reply = self.api({"type": "keygen", "user": user, "password": password})
        return re.search(r"<key>([^<]+)</key>", reply).group(1)

    def stop(self):
        if self.child:
            self.child.stop()


class Servers:
    """moto_server + panos-sim in a temporary directory; stopped and removed on exit."""

    def __init__(self, panos_sim_binary, commit_ms=0):
        self.workdir = tempfile.mkdtemp(prefix="trailwall-demo-")
        self.moto = MotoServer(self.workdir)
        self.sim = PanosSim(panos_sim_binary, self.workdir, commit_ms)

    def __enter__(self):
        try:
            self.moto.spawn()  # slowest first: the simulator starts while moto loads
            self.sim.spawn()
            self.sim.wait_ready()
            self.moto.wait_ready()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        # A second Ctrl-C or a SIGTERM must not cut the cleanup short.
        previous = {sig: signal.signal(sig, signal.SIG_IGN)
                    for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.sim.stop()
            self.moto.stop()
            shutil.rmtree(self.workdir, ignore_errors=True)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def logs(self):
        """The servers' own logs (for a failing test's message)."""
        out = []
        for name, server in (("moto_server", self.moto), ("panos-sim", self.sim)):
            if server.child:
                out.append(f"--- {name} log (tail) ---\n{server.child.log()[-3000:]}")
        return "\n".join(out)

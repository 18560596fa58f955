"""Running the `trailwall` binary against the scenario's servers, as a user would: a TOML
configuration file, AWS from the environment (moto's endpoint and keys), the API key from an
environment variable, the simulator's certificate as the CA bundle (TLS verified)."""
import dataclasses
import os
import signal
import subprocess
import time

from .servers import ACCOUNT, REGION

API_KEY_VARIABLE = "TRAILWALL_DEMO_API_KEY"
BOTTOM_RULE = "Clean up"  # panos-sim's built-in deny-all
PROFILE_GROUP = "default-protection"


@dataclasses.dataclass
class Run:
    args: list
    code: int
    stdout: str
    stderr: str
    seconds: float

    def __str__(self):
        return (f"trailwall {' '.join(self.args)} -> exit {self.code} in {self.seconds:.2f} s\n"
                f"--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}")


def write_config(path, servers, gateway_instance_id, job_poll_seconds=0.1, firewall=None,
                 **policy):
    """A configuration file for the servers; `policy` overrides [policy] keys and `firewall`
    (a dict) adds [firewall] keys. The simulator's commits take milliseconds, so its jobs are
    polled faster than a real device's."""
    settings = {"untrust_zone": "untrust", "trust_zone": "trust", "bottom_rule": BOTTOM_RULE,
                "profile_group": PROFILE_GROUP}
    settings.update(policy)

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v) if isinstance(v, int) else f'"{v}"'

    lines = ["# Written by the trailwall demo for its moto_server and panos-sim.", "[policy]"]
    lines += [f"{k} = {value(v)}" for k, v in settings.items()]
    lines += ["", "[gateway]", f'instance_id = "{gateway_instance_id}"',
              "", "[firewall]", f'host = "{servers.sim.host}"',
              f'api_key = {{ env = "{API_KEY_VARIABLE}" }}',
              f'ca_bundle = "{servers.sim.ca_bundle}"', "tls_verify = true", 'admin = "admin"']
    firewall = dict({"job_poll_seconds": job_poll_seconds}, **(firewall or {}))
    lines += [f"{k} = {value(v) if isinstance(v, (bool, str)) else v}"
              for k, v in firewall.items()]
    lines += ["", "[aws]", f'accounts = ["{ACCOUNT}"]', f'regions = ["{REGION}"]', ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path


def clean_environment():
    """This process's environment without anything that would point trailwall elsewhere."""
    original = ("pa_ip", "pa_key", "pa_bottom_rule", "pa_zone_untrust", "pa_zone_trust", "pa_sgp",
                "igwId")
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("AWS_", "TRAILWALL_")) and k not in original}


class Trailwall:
    """The trailwall binary with one configuration file and the servers' environment."""

    def __init__(self, binary, config_path, servers, api_key):
        self.binary = binary
        self.config_path = config_path
        self.env = clean_environment()
        self.env.update(servers.moto.env())
        self.env[API_KEY_VARIABLE] = api_key

    def use_api_key(self, key):
        self.env[API_KEY_VARIABLE] = key

    def run(self, *args, global_args=(), stdin=None, timeout=180, env=None):
        argv = [self.binary, "--config", self.config_path, *global_args, *args]
        started = time.monotonic()
        # Its own process group, so an interrupted driver can stop it and anything it started.
        process = subprocess.Popen(
            argv, env=dict(self.env, **(env or {})), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            start_new_session=True)
        try:
            stdout, stderr = process.communicate(stdin, timeout=timeout)
        except BaseException:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
            raise
        return Run(list(global_args) + list(args), process.returncode, stdout, stderr,
                   time.monotonic() - started)

    def keygen(self, user, password):
        """`trailwall keygen` for the configured firewall; the password from the environment."""
        return self.run("keygen", "--user", user, env={"TRAILWALL_PASSWORD": password})

    def handle(self, *inputs, dry_run=False, **kw):
        return self.run("handle", *(["--dry-run"] if dry_run else []), *inputs, **kw)

    def reconcile(self, dry_run=False, **kw):
        """`trailwall reconcile`; keyword arguments go to run() (env=, global_args=, …)."""
        return self.run("reconcile", *(["--dry-run"] if dry_run else []), **kw)

    def plan(self, *args, **kw):
        return self.run("plan", *args, **kw)

    def apply(self, *args, **kw):
        return self.run("apply", *args, **kw)

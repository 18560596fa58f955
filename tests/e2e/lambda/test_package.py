"""The Lambda package (scripts/package-lambda.sh → the zip) runs with nothing from the build
machine: unpacked into an otherwise empty root — the zip's files under /var/task, a CA bundle at
Amazon Linux's path, /tmp, /dev and /proc, as provided.al2023 has them — in a chroot inside a
new mount and PID namespace, `bootstrap` serves a scheduled reconcile from the tests' Runtime API
against moto and panos-sim, TLS verified with that bundle. Every file it maps is in /var/task.
The symbol versions are checked too: `bootstrap` itself asks for no glibc newer than Amazon Linux
2023's (2.34), and every version any file of the package asks for (GLIBC_*, GLIBCXX_*, …) is
defined by a library in the package. Skipped (exit 77) only when unshare or chroot cannot be used
here."""
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile

from lambda_case import LambdaCase, main, scheduled_event
from scenario.cli import BOTTOM_RULE, PROFILE_GROUP
from scenario.servers import ACCOUNT, REGION

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PACKAGE = os.path.join(ROOT, "scripts", "package-lambda.sh")
BUILD_DIR = os.environ.get("TRAILWALL_BUILD_DIR", "")
AMAZON_LINUX_CA = "etc/pki/tls/certs/ca-bundle.crt"
# Lambda's values (shared/reference/lambda/NOTES.md §3).
LAMBDA_LD_LIBRARY_PATH = ("/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:"
                          "/var/task:/var/task/lib:/opt/lib")

# Amazon Linux 2023's glibc (shared/reference/lambda/NOTES.md).
AMAZON_LINUX_GLIBC = (2, 34)

# Runs as PID 1 of a new PID namespace with its own mounts; the last step enters the root.
ENTER_ROOT = r"""
set -e
root=$1
mount -t tmpfs -o size=64m,mode=1777 tmpfs "$root/tmp"
mount -t tmpfs -o size=1m tmpfs "$root/dev"
for node in null zero random urandom; do
  : > "$root/dev/$node"
  mount --bind "/dev/$node" "$root/dev/$node"
done
mount -t proc proc "$root/proc"
exec chroot "$root" /var/task/bootstrap
"""


def namespaces_usable():
    """The unshare flags that work here, or None with the reason."""
    for tool in ("unshare", "chroot", "mount"):
        if shutil.which(tool) is None:
            return None, f"{tool} is not installed"
    flags = ["-m", "-p", "-f"] if os.geteuid() == 0 else ["-r", "-m", "-p", "-f"]
    probe = subprocess.run(["unshare", *flags, "--", "sh", "-c",
                            "mount -t tmpfs tmpfs /mnt 2>/dev/null || mount -t tmpfs tmpfs /tmp"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return None, f"unshare {' '.join(flags)} cannot mount here: {probe.stderr.strip()}"
    return flags, None


class Package(LambdaCase):
    @classmethod
    def setUpClass(cls):
        """The zip, built once with the script the README gives."""
        cls.package_dir = tempfile.mkdtemp(prefix="trailwall-package-")
        cls.zip = os.path.join(cls.package_dir, "trailwall-lambda-x86_64.zip")
        cls.built = subprocess.run(
            [PACKAGE, "--build-dir", BUILD_DIR, "--no-build", "--out", cls.zip],
            capture_output=True, text=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.package_dir, ignore_errors=True)

    def setUp(self):
        super().setUp()
        self.flags, reason = namespaces_usable()
        if self.flags is None:
            self.skipTest(reason)
        self.assertEqual(self.built.returncode, 0, self.built.stdout + self.built.stderr)
        self.assertRegex(self.built.stdout, r"trailwall-lambda-x86_64\.zip: \d+ bytes \(\d+ files "
                                            r"in lib/, loader ld-linux-x86-64\.so\.2, x86_64\)")

    def make_root(self, ca_bundle):
        """The empty root: the zip under /var/task (modes kept), `ca_bundle` at Amazon Linux's
        path, and empty /tmp, /dev, /proc to mount over."""
        root = os.path.join(self.servers.workdir, f"root-{len(os.listdir(self.servers.workdir))}")
        task = os.path.join(root, "var", "task")
        with zipfile.ZipFile(self.zip) as z:
            names = z.namelist()
            for info in z.infolist():
                path = z.extract(info, task)
                os.chmod(path, (info.external_attr >> 16) & 0o7777 or 0o644)
        self.assertIn("bootstrap", names)
        self.assertTrue(os.stat(os.path.join(task, "bootstrap")).st_mode & stat.S_IXUSR)
        for d in ("tmp", "dev", "proc", os.path.dirname(AMAZON_LINUX_CA)):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        shutil.copy(ca_bundle, os.path.join(root, AMAZON_LINUX_CA))
        return root

    @staticmethod
    def versions(path, section):
        """`objdump -p`: the version names a file defines ("Version definitions") or asks for
        ("Version references", as (library, version) pairs)."""
        out = subprocess.run(["objdump", "-p", path], capture_output=True, text=True, check=True)
        found, inside, library = set(), False, None
        for line in out.stdout.splitlines():
            if line.startswith("Version "):
                inside = line.startswith(section)
                continue
            if not inside:
                continue
            if m := re.match(r"\s+required from (\S+):", line):
                library = m.group(1)
            elif m := re.match(r"\s*(?:0x[0-9a-f]+ 0x[0-9a-f]+ \d+|\d+ 0x[0-9a-f]+ 0x[0-9a-f]+) "
                               r"(\S+)$", line):
                found.add((library, m.group(1)) if section == "Version References" else m.group(1))
        return found

    def function_env(self, api):
        """A Lambda function's environment: nothing but what Lambda sets and the template's
        TRAILWALL_* configuration (no configuration file, no CA setting)."""
        topology = self.s.topology
        env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LD_LIBRARY_PATH": LAMBDA_LD_LIBRARY_PATH, "LAMBDA_TASK_ROOT": "/var/task",
            "LAMBDA_RUNTIME_DIR": "/var/runtime", "_HANDLER": "bootstrap", "TZ": ":UTC",
            "LANG": "en_US.UTF-8", "AWS_LAMBDA_RUNTIME_API": api.address,
            "AWS_LAMBDA_FUNCTION_NAME": "trailwall", "AWS_LAMBDA_LOG_FORMAT": "JSON",
            "TRAILWALL_FIREWALL_HOST": self.s.sim.host, "TRAILWALL_FIREWALL_ADMIN": "admin",
            "TRAILWALL_FIREWALL_API_KEY": self.s.api_key,
            "TRAILWALL_FIREWALL_JOB_POLL_SECONDS": "0.1",
            "TRAILWALL_GATEWAY_INSTANCE_ID": topology.firewall,
            "TRAILWALL_POLICY_UNTRUST_ZONE": "untrust", "TRAILWALL_POLICY_TRUST_ZONE": "trust",
            "TRAILWALL_POLICY_BOTTOM_RULE": BOTTOM_RULE,
            "TRAILWALL_POLICY_PROFILE_GROUP": PROFILE_GROUP,
            "TRAILWALL_AWS_ACCOUNTS": ACCOUNT, "TRAILWALL_AWS_REGIONS": REGION,
        }
        env.update(self.servers.moto.env())
        return env

    def start_in_root(self, root, api):
        argv = ["unshare", *self.flags, "--", "sh", "-c", ENTER_ROOT, "enter-root", root]
        return self.start(argv, self.function_env(api))

    @staticmethod
    def runtime_pid(process):
        """The bootstrap's host PID: unshare's child (the shell that exec'd chroot, then it)."""
        with open(f"/proc/{process.pid}/task/{process.pid}/children") as f:
            children = f.read().split()
        return int(children[0])

    def test_the_zip_runs_alone_in_an_empty_root(self):
        size = os.path.getsize(self.zip)
        self.assertLessEqual(size, 15 * 1024 * 1024)
        root = self.make_root(self.s.sim.ca_bundle)
        process, log_path = self.start_in_root(root, self.api)
        request_id, posted = self.api.invoke(scheduled_event())
        self.assertEqual(posted.kind, "response", f"{posted}\n{self.read(log_path)}")
        report = posted.json()
        self.assertGreater(report["applied"]["rules_added"], 0)
        self.assertIn(self.s.rule_name("admin-ssh", "tcp-22"), self.managed())
        self.assertEqual(self.commits(self.counters()), 1)
        self.ok(self.tw.plan(), code=0)  # what the CLI on the build machine would have done

        # Every file the running runtime maps comes from the package.
        pid = self.runtime_pid(process)
        with open(f"/proc/{pid}/maps") as f:
            mapped = {line.split(None, 5)[5].strip() for line in f
                      if len(line.split(None, 5)) == 6 and line.split(None, 5)[5].startswith("/")}
        outside = sorted(p for p in mapped
                         if not p.startswith(os.path.join(root, "var", "task") + "/"))
        self.assertEqual(outside, [], mapped)
        self.assertIn(os.path.join(root, "var", "task", "lib", "libc.so.6"), mapped)
        self.assertIsNone(process.poll())
        lines = self.log_lines(log_path)
        self.assertTrue(any(line.get("requestId") == request_id for line in lines))

    def test_symbol_versions_bootstrap_needs_glibc_2_34_at_most_and_the_package_has_them_all(self):
        if shutil.which("objdump") is None:
            self.skipTest("objdump (binutils) is not installed")
        task = os.path.join(self.make_root(self.s.sim.ca_bundle), "var", "task")
        libs = os.path.join(task, "lib")
        bootstrap_needs = self.versions(os.path.join(task, "bootstrap"), "Version References")
        glibc = {tuple(int(part) for part in v[len("GLIBC_"):].split("."))
                 for _, v in bootstrap_needs if re.fullmatch(r"GLIBC_[\d.]+", v)}
        self.assertTrue(glibc, bootstrap_needs)
        self.assertLessEqual(max(glibc), AMAZON_LINUX_GLIBC,
                             sorted(v for _, v in bootstrap_needs if v.startswith("GLIBC_2.3")))
        # Every version asked for, by bootstrap or a library, is defined by the library the
        # package carries under that name.
        defined = {name: self.versions(os.path.join(libs, name), "Version definitions")
                   for name in os.listdir(libs)}
        files = [os.path.join(task, "bootstrap")] + [os.path.join(libs, n) for n in defined]
        missing = []
        for path in files:
            needs = bootstrap_needs if path.endswith("bootstrap") else \
                self.versions(path, "Version References")
            for library, version in needs:
                if version not in defined.get(library, set()):
                    missing.append(f"{os.path.basename(path)}: {library} {version}")
        self.assertEqual(missing, [])

    def test_tls_is_verified_with_the_bundle_at_amazon_linuxs_path(self):
        # Another CA at that path: the firewall's certificate is refused, the run fails.
        other = os.path.join(self.servers.workdir, "other-ca")
        os.makedirs(other)
        from scenario.servers import make_certificate
        other_ca, _ = make_certificate(other)
        root = self.make_root(other_ca)
        self.start_in_root(root, self.api)
        _, posted = self.api.invoke(scheduled_event())
        self.assertEqual(posted.kind, "error", posted)
        self.assertEqual(posted.error_type, "Function.RunFailed")
        self.assertIn("TLS", posted.json()["errorMessage"])
        self.assertEqual(self.commits(self.counters()), 0)


if __name__ == "__main__":
    if not os.path.isdir(BUILD_DIR):
        print(f"TRAILWALL_BUILD_DIR does not name the build directory: {BUILD_DIR!r}")
        sys.exit(1)
    flags, reason = namespaces_usable()
    if flags is None:
        print(f"the package test needs a mount and PID namespace and chroot: {reason}; skipped")
        sys.exit(77)
    main()

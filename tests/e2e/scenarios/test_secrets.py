"""The firewall's API key from where production keeps it (issue: env, file, Secrets Manager or
SSM), read by trailwall through the AWS APIs (moto, signatures verified), and never printed."""
import os

from e2e_case import E2eCase, main

PARAMETER = "/trailwall/panos-api-key"
SECRET = "trailwall/panos-api-key"


class ApiKeySources(E2eCase):
    def setUp(self):
        super().setUp()
        # The key trailwall would get from the environment is wrong: only the stored one works.
        self.tw.use_api_key("not-the-key")

    def plan_with(self, api_key_setting):
        return self.tw.run("plan", env={"TRAILWALL_FIREWALL_API_KEY": api_key_setting})

    def assertKeyNotShown(self, run):
        self.assertNotIn(self.s.api_key, run.stdout + run.stderr)

    def test_key_from_an_ssm_secure_string(self):
        self.servers.moto.client("ssm").put_parameter(
            Name=PARAMETER, Value=self.s.api_key, Type="SecureString")
        run = self.ok(self.plan_with(f'{{ ssm = "{PARAMETER}" }}'), code=2)
        self.assertIn("+ rule", run.stdout)
        self.assertKeyNotShown(run)

    def test_key_from_secrets_manager(self):
        self.servers.moto.client("secretsmanager").create_secret(
            Name=SECRET, SecretString=self.s.api_key)
        run = self.ok(self.plan_with(f'{{ secretsmanager = "{SECRET}" }}'), code=2)
        self.assertIn("+ rule", run.stdout)
        self.assertKeyNotShown(run)

    def test_key_from_a_file(self):
        path = os.path.join(self.servers.workdir, "panos.key")
        with open(path, "w") as f:
            f.write(self.s.api_key + "\n")
        os.chmod(path, 0o600)
        run = self.ok(self.plan_with(f'{{ file = "{path}" }}'), code=2)
        self.assertKeyNotShown(run)

    def test_a_missing_parameter_is_an_error_naming_it(self):
        run = self.ok(self.plan_with(f'{{ ssm = "{PARAMETER}-missing" }}'), code=1)
        self.assertIn(f"{PARAMETER}-missing", run.stderr)
        self.assertEqual(run.stdout, "")

    def test_a_wrong_key_is_an_authentication_error(self):
        run = self.ok(self.tw.run("plan"), code=1)
        self.assertIn("authentication", run.stderr.lower())
        self.assertNotIn("not-the-key", run.stdout + run.stderr)


if __name__ == "__main__":
    main()

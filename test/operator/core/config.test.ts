import {
  channelNodeSettings,
  channelsSettings,
  channelUserSettings,
  watchtowerSettings,
} from "../../../operator/channels/settings";
import {
  plasmaOperatorSettings,
  plasmaSettings,
  plasmaWatcherSettings,
} from "../../../operator/plasma/settings";
import {
  challengerSettings,
  optimisticClientSettings,
  optimisticSettings,
  sequencerSettings,
} from "../../../operator/optimistic/settings";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import {
  describeConfig,
  loadConfig,
  optionalSetting,
  parse,
  renderEnvExample,
  requiredSetting,
  setting,
  unknownVariables,
} from "../../../operator/core/config";
import { ConfigError } from "../../../operator/core/errors";
import { coreSettings, networkSettings } from "../../../operator/core/settings";
import { EXTERNAL_VARIABLES, SETTINGS_SECTIONS } from "../../../operator/settings";
import { zkClientSettings, zkOperatorSettings, zkSettings } from "../../../operator/zk/settings";

const spec = {
  port: setting({
    env: "T_PORT",
    flag: "port",
    description: "port",
    default: "8080",
    parse: parse.integer(1, 65535),
  }),
  fee: setting({
    env: "T_FEE",
    flag: "fee",
    description: "fee",
    default: "10",
    parse: parse.bigint(1n),
  }),
  key: optionalSetting({
    env: "T_KEY",
    flag: "key",
    description: "key",
    parse: parse.privateKey,
    secret: true,
  }),
  rpc: requiredSetting({ env: "T_RPC", flag: "rpc", description: "rpc", parse: parse.url() }),
};

function expectConfigError(fn: () => unknown, variable: string, reason: RegExp): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, "expected a ConfigError").to.be.instanceOf(ConfigError);
  const err = caught as ConfigError;
  expect(err.variable).to.equal(variable);
  expect(err.reason).to.match(reason);
  return err;
}

describe("operator/core config", function () {
  it("takes the flag over the environment over the default, with types", function () {
    const env = { T_RPC: "http://a:1", T_PORT: "9000" };
    const fromEnv = loadConfig(spec, { env });
    expect(fromEnv).to.deep.equal({ port: 9000, fee: 10n, key: undefined, rpc: "http://a:1" });
    const fromFlag = loadConfig(spec, {
      env,
      flags: { port: "9001", fee: "123456789012345678901234567890" },
    });
    expect(fromFlag.port).to.equal(9001);
    expect(fromFlag.fee).to.equal(123456789012345678901234567890n);
  });

  it("treats an empty variable as unset", function () {
    expect(loadConfig(spec, { env: { T_RPC: "http://a:1", T_PORT: "" } }).port).to.equal(8080);
  });

  it("names a missing required variable", function () {
    expectConfigError(
      () => loadConfig(spec, { env: {} }),
      "T_RPC",
      /required; set T_RPC or pass --rpc/,
    );
  });

  it("names the environment variable or the flag a bad value came from", function () {
    const err = expectConfigError(
      () => loadConfig(spec, { env: { T_RPC: "http://a:1", T_PORT: "80x" } }),
      "T_PORT",
      /integer from 1 to 65535/,
    );
    expect(err.message).to.equal('T_PORT="80x": must be an integer from 1 to 65535');
    expectConfigError(
      () => loadConfig(spec, { env: { T_RPC: "http://a:1" }, flags: { port: "0" } }),
      "--port",
      /from 1 to 65535/,
    );
    expectConfigError(
      () => loadConfig(spec, { env: { T_RPC: "ftp://a" } }),
      "T_RPC",
      /must use one of http, https, ws, wss/,
    );
  });

  it("never prints a secret, in errors or in the config view", function () {
    const err = expectConfigError(
      () => loadConfig(spec, { env: { T_RPC: "http://a:1", T_KEY: "0xdeadbeef" } }),
      "T_KEY",
      /32-byte hex/,
    );
    expect(err.message).to.not.include("deadbeef");
    const key = `0x${"11".repeat(32)}`;
    const values = loadConfig(spec, { env: { T_RPC: "http://a:1", T_KEY: key } });
    expect(values.key).to.equal(key);
    expect(describeConfig(spec, values)).to.deep.include({
      T_KEY: "<redacted>",
      T_FEE: "10",
      T_PORT: "8080",
    });
  });

  describe("parsers", function () {
    it("integer rejects non-integers and out-of-range values", function () {
      const p = parse.integer(1, 10);
      expect(p("10")).to.equal(10);
      for (const bad of ["0", "11", "1.5", "1e1", "0x5", " 5", "", "99999999999999999999"])
        expect(() => p(bad), bad).to.throw();
    });
    it("bigint takes whole numbers of any size, never signs or decimals", function () {
      const p = parse.bigint(0n, 2n ** 256n - 1n);
      expect(p((2n ** 256n - 1n).toString())).to.equal(2n ** 256n - 1n);
      for (const bad of ["-1", "1.0", "1e18", "0x10", "", (2n ** 256n).toString()])
        expect(() => p(bad), bad).to.throw();
    });
    it("boolean, oneOf, address, privateKey, path, string", function () {
      expect(parse.boolean("YES")).to.equal(true);
      expect(parse.boolean("off")).to.equal(false);
      expect(() => parse.boolean("maybe")).to.throw(/true\/false/);
      expect(parse.oneOf(["a", "b"] as const)("b")).to.equal("b");
      expect(() => parse.oneOf(["a", "b"] as const)("c")).to.throw("must be one of a, b");
      expect(parse.address("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")).to.equal(
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
      );
      expect(() => parse.address("0xF39fd6e51aad88f6f4ce6ab8827279cfffb92266")).to.throw(
        /checksum/,
      );
      expect(parse.privateKey("11".repeat(32))).to.equal(`0x${"11".repeat(32)}`);
      expect(() => parse.privateKey(`0x${"00".repeat(32)}`)).to.throw(/zero/);
      expect(() => parse.path("a\0b")).to.throw();
      expect(() => parse.string("")).to.throw(/empty/);
    });
  });

  it("finds L2KIT_ variables nobody reads", function () {
    const specs = SETTINGS_SECTIONS.map((s) => s.spec);
    expect(
      unknownVariables(specs, { L2KIT_NETWORK: "hardhat", L2KIT_NETWROK: "x", OTHER: "y" }),
    ).to.deep.equal(["L2KIT_NETWROK"]);
  });

  it("gives every entry a unique variable and a flag whose camelCase is its key", function () {
    const envs = new Set<string>();
    for (const { spec: s } of SETTINGS_SECTIONS) {
      for (const [key, entry] of Object.entries(s)) {
        expect(
          entry.flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase()),
          entry.flag,
        ).to.equal(key);
        expect(envs.has(entry.env), entry.env).to.equal(false);
        envs.add(entry.env);
        if (entry.default !== undefined)
          expect(() => entry.parse(entry.default!), entry.env).to.not.throw();
      }
    }
    const tables = [
      networkSettings,
      coreSettings,
      zkSettings,
      zkOperatorSettings,
      zkClientSettings,
      optimisticSettings,
      sequencerSettings,
      challengerSettings,
      optimisticClientSettings,
      channelsSettings,
      watchtowerSettings,
      channelNodeSettings,
      channelUserSettings,
      plasmaSettings,
      plasmaOperatorSettings,
      plasmaWatcherSettings,
    ];
    expect(envs.size).to.equal(tables.reduce((n, t) => n + Object.keys(t).length, 0));
  });

  it("keeps .env.example in step with the tables (regenerate with `npx l2kit config --env-example`)", function () {
    const committed = fs.readFileSync(
      path.join(__dirname, "..", "..", "..", ".env.example"),
      "utf8",
    );
    expect(committed.trimEnd()).to.equal(
      renderEnvExample(SETTINGS_SECTIONS, EXTERNAL_VARIABLES).trimEnd(),
    );
    for (const { spec: s } of SETTINGS_SECTIONS)
      for (const e of Object.values(s)) expect(committed).to.include(`# ${e.env}=`);
  });
});

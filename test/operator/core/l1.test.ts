import { expect } from "chai";
import { ConfigError, L2kitError } from "../../../operator/core/errors";
import { connectL1, hardhatDevKey } from "../../../operator/core/l1";
import { loadCoreConfig, loadNetworkConfig } from "../../../operator/core/settings";
import { startHardhatNode, type HardhatNode } from "../../helpers/hardhat-node";

const core = loadCoreConfig({ env: {}, flags: { rpcRetries: "1", rpcRetryDelayMs: "1" } });

describe("operator/core connectL1", function () {
  let node: HardhatNode;
  before(async function () {
    node = await startHardhatNode();
  });
  after(async function () {
    await node?.stop();
  });

  it("connects to a local node with its development account by default", async function () {
    const l1 = await connectL1(
      loadNetworkConfig({ env: { L2KIT_NETWORK: "localhost", L2KIT_LOCALHOST_URL: node.url } }),
      core,
      { devAccount: 3 },
    );
    try {
      expect(l1.chainId).to.equal(31337n);
      expect(l1.signer.address).to.equal(node.wallet(3).address);
      expect(await l1.provider.getBalance(l1.signer.address)).to.be.greaterThan(0n);
    } finally {
      l1.provider.destroy();
    }
  });

  it("uses L2KIT_PRIVATE_KEY when given", async function () {
    const key = hardhatDevKey(7);
    const l1 = await connectL1(
      loadNetworkConfig({
        env: {
          L2KIT_NETWORK: "remote",
          L2KIT_RPC_URL: node.url,
          L2KIT_PRIVATE_KEY: key,
          L2KIT_CHAIN_ID: "31337",
        },
      }),
      core,
    );
    l1.provider.destroy();
    expect(l1.signer.address).to.equal(node.wallet(7).address);
    expect(l1.network).to.equal("remote");
  });

  it("refuses what an operator cannot run on, naming the variable", async function () {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{}, "L2KIT_NETWORK", /npx hardhat node/],
      [{ L2KIT_NETWORK: "remote" }, "L2KIT_RPC_URL", /required/],
      [{ L2KIT_NETWORK: "remote", L2KIT_RPC_URL: node.url }, "L2KIT_PRIVATE_KEY", /required/],
      [
        { L2KIT_NETWORK: "localhost", L2KIT_LOCALHOST_URL: node.url, L2KIT_CHAIN_ID: "1" },
        "L2KIT_CHAIN_ID",
        /reports chain id 31337/,
      ],
    ];
    for (const [env, variable, reason] of cases) {
      const err = await connectL1(loadNetworkConfig({ env }), core).catch((e: unknown) => e);
      expect(err, JSON.stringify(env)).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).variable).to.equal(variable);
      expect((err as ConfigError).reason).to.match(reason);
    }
  });

  it("reports an unreachable node", async function () {
    const err = await connectL1(
      loadNetworkConfig({
        env: { L2KIT_NETWORK: "localhost", L2KIT_LOCALHOST_URL: "http://127.0.0.1:9" },
      }),
      core,
    ).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(L2kitError);
    expect((err as L2kitError).code).to.equal("RPC_UNREACHABLE");
  });
});

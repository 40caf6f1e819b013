import { Writable } from "node:stream";
import { expect } from "chai";
import { ConfigError } from "../../../operator/core/errors";
import { createLogger } from "../../../operator/core/log";

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe("operator/core log", function () {
  it("writes one JSON line per call with the message, level and context", function () {
    const out = capture();
    const log = createLogger({ level: "info", base: { service: "test" }, destination: out.stream });
    log.info("batch sealed", { batch: 17, txs: 64, amount: 10n ** 30n });
    const [line] = out.lines();
    expect(line).to.include({
      level: "info",
      msg: "batch sealed",
      service: "test",
      batch: 17,
      txs: 64,
      amount: (10n ** 30n).toString(),
    });
    expect(line.time).to.be.a("string");
  });

  it("adds a child's context to every line and filters by level", function () {
    const out = capture();
    const log = createLogger({ level: "warn", destination: out.stream }).child({
      component: "publisher",
    });
    log.info("hidden");
    log.warn("shown", { key: "k" });
    expect(out.lines()).to.have.length(1);
    expect(out.lines()[0]).to.include({
      component: "publisher",
      key: "k",
      msg: "shown",
      level: "warn",
    });
  });

  it("serialises named errors with their code and fields", function () {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    log.error("bad config", { error: new ConfigError("L2KIT_PORT", "must be a number", "x") });
    expect(out.lines()[0].error).to.deep.equal({
      name: "ConfigError",
      code: "CONFIG_INVALID",
      message: 'L2KIT_PORT="x": must be a number',
      variable: "L2KIT_PORT",
      reason: "must be a number",
    });
  });
});

import type { BenchSuite } from "./harness";
import { paymentChannelSuite, stateChannelSuite } from "./suites/channels";
import { l1Erc20Suite } from "./suites/l1-erc20";
import { optimisticOperatorSuite } from "./suites/optimistic-operator";
import { optimisticRollupSuite } from "./suites/optimistic-rollup";
import { plasmaSuite } from "./suites/plasma";
import { plasmaOperatorSuite } from "./suites/plasma-operator";
import { zkOperatorSuite } from "./suites/zk-operator";
import { zkRollupSuite } from "./suites/zk-rollup";

export * from "./harness";

/** Every bench suite, the baseline first. Each system issue adds its own. */
export const SUITES: readonly BenchSuite[] = [
  l1Erc20Suite,
  zkRollupSuite,
  zkOperatorSuite,
  optimisticRollupSuite,
  optimisticOperatorSuite,
  paymentChannelSuite,
  stateChannelSuite,
  plasmaSuite,
  plasmaOperatorSuite,
];

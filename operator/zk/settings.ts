/** Configuration of the ZK rollup's circuit build and trusted setup. */
import { optionalSetting, parse, setting, type ConfigValues } from "../core/config";

export const zkSettings = {
  ptau: optionalSetting({
    env: "ZK_PTAU",
    flag: "ptau",
    description:
      "Powers-of-tau ceremony file for a production setup (e.g. Hermez' powersOfTau28_hez_final_NN.ptau); verified before use. Unset: a development file is generated locally, which is INSECURE.",
    placeholder: "<file.ptau>",
    parse: parse.path,
  }),
  zkBuildDir: setting({
    env: "L2KIT_ZK_BUILD_DIR",
    flag: "zk-build-dir",
    description: "Where circuit builds, development powers of tau and proving keys are cached.",
    default: "circuits/build",
    placeholder: "<dir>",
    parse: parse.path,
  }),
};

export type ZkConfig = ConfigValues<typeof zkSettings>;

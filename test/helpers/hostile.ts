/**
 * Gives an account the code of `RejectingReceiver` (an EIP-7702-style wallet that refuses ETH,
 * or burns all gas on receipt when `burn` is set), and takes it away again: tests of hostile
 * receivers call `restore` so that no later test or file meets an account with code.
 */
import { ethers } from "hardhat";

export async function makeHostile(address: string, burn: boolean): Promise<() => Promise<void>> {
  const mock = await (await ethers.getContractFactory("RejectingReceiver")).deploy();
  await ethers.provider.send("hardhat_setCode", [
    address,
    await ethers.provider.getCode(await mock.getAddress()),
  ]);
  // RejectingReceiver's `burn` flag lives in slot 0.
  await ethers.provider.send("hardhat_setStorageAt", [
    address,
    "0x0",
    ethers.toBeHex(burn ? 1 : 0, 32),
  ]);
  return async () => {
    await ethers.provider.send("hardhat_setCode", [address, "0x"]);
    await ethers.provider.send("hardhat_setStorageAt", [address, "0x0", ethers.ZeroHash]);
  };
}

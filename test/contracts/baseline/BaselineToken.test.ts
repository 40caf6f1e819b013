import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { deployBaseline } from "../../../deploy";

async function fixture() {
  const [owner, alice, mallory] = await ethers.getSigners();
  const { token } = await deployBaseline(hre);
  return { token, owner, alice, mallory };
}

describe("BaselineToken", function () {
  it("is deployed by the Ignition module with its name, symbol and owner", async function () {
    const { token, owner } = await loadFixture(fixture);
    expect(await token.name()).to.equal("l2kit Baseline Token");
    expect(await token.symbol()).to.equal("L2KB");
    expect(await token.owner()).to.equal(owner.address);
  });

  it("lets the owner mint", async function () {
    const { token, alice } = await loadFixture(fixture);
    await expect(token.mint(alice.address, 5n))
      .to.emit(token, "Transfer")
      .withArgs(ethers.ZeroAddress, alice.address, 5n);
    expect(await token.balanceOf(alice.address)).to.equal(5n);
  });

  it("refuses a mint by anyone else", async function () {
    const { token, mallory } = await loadFixture(fixture);
    await expect(token.connect(mallory).mint(mallory.address, 1n))
      .to.be.revertedWithCustomError(token, "OwnableUnauthorizedAccount")
      .withArgs(mallory.address);
  });

  it("refuses a transfer above the balance", async function () {
    const { token, alice, mallory } = await loadFixture(fixture);
    await token.mint(alice.address, 5n);
    await expect(token.connect(alice).transfer(mallory.address, 6n))
      .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
      .withArgs(alice.address, 5n, 6n);
  });
});

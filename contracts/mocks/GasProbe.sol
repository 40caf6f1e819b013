// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @notice Bench-only: measures the execution gas of hashing calldata with SHA-256, free of the
///         transaction-level calldata pricing (EIP-7623 floors a call this cheap at 40 gas/byte).
contract GasProbe {
    function sha256Gas(bytes calldata data) external view returns (uint256 used) {
        uint256 before = gasleft();
        bytes32 digest = sha256(data);
        used = before - gasleft();
        // Keep the call from being optimised away.
        if (digest == bytes32(0)) used = 0;
    }
}

// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @title CallForwarder
/// @notice Test code an account can run as (a plain contract, or an EOA delegating to it with
///         EIP-7702): it makes an inner call on the caller's behalf. Tests use it to show that a
///         rollup refuses batches whose data would only be visible in an inner call.
contract CallForwarder {
    /// @notice Calls `target` with `data` and bubbles up its result or revert.
    /// @param target The contract called.
    /// @param data The calldata.
    /// @return result What the call returned.
    function forward(
        address target,
        bytes calldata data
    ) external payable returns (bytes memory result) {
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = target.call{value: msg.value}(data);
        if (!ok) {
            // solhint-disable-next-line no-inline-assembly
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
    }
}

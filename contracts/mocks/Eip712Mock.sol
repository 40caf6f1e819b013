// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @notice Test-only contract that recovers signers of a typed message, the way l2kit's systems
///         check EIP-712 signatures made by `operator/lib/eip712.ts`.
contract Eip712Mock is EIP712 {
    // Field order is the EIP-712 type's; the struct only ever lives in calldata.
    // solhint-disable-next-line gas-struct-packing
    struct Note {
        address to;
        uint256 amount;
        uint64 nonce;
        bytes data;
    }

    // The type string is hashed at compile time.
    // solhint-disable gas-small-strings
    bytes32 public constant NOTE_TYPEHASH = keccak256(
        "Note(address to,uint256 amount,uint64 nonce,bytes data)"
    );
    // solhint-enable gas-small-strings

    constructor(string memory name, string memory version) EIP712(name, version) {}

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    function hashNote(Note calldata note) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        NOTE_TYPEHASH,
                        note.to,
                        note.amount,
                        note.nonce,
                        keccak256(note.data)
                    )
                )
            );
    }

    function recover(Note calldata note, bytes calldata signature) external view returns (address) {
        return ECDSA.recover(hashNote(note), signature);
    }
}

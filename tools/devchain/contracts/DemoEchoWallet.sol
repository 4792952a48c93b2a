// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice A hostile "wallet" for the security suite: it answers any call with the calldata it
/// was sent. Asked `isValidSignature(hash, signature)`, its answer starts with that function's
/// selector, which is ERC-1271's magic value, followed by the hash instead of zero padding. A
/// verifier that compares only the first 4 bytes of the answer accepts any signature for it.
contract DemoEchoWallet {
    fallback(bytes calldata input) external returns (bytes memory) {
        return input;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {DemoERC1271Wallet} from "./DemoERC1271Wallet.sol";

/// @notice A counterfactual smart-account factory, as ERC-4337 wallets (Coinbase Smart Wallet,
/// Safe, Kernel...) have: an account's address is known before it exists, because the factory
/// deploys it with CREATE2 from (owner, salt). Until the first transaction the address has no
/// code, so its owner signs in with an EIP-6492 signature:
///   abi.encode(factory, abi.encodeCall(createAccount, (owner, salt)), ownerSignature) ++ 0x6492…6492
/// and the verifier deploys the account inside an eth_call to ask it (ERC-1271).
/// @dev The account is a DemoERC1271Wallet: the owner's ECDSA signature of the hash is valid.
contract DemoAccountFactory {
    event AccountCreated(address indexed account, address indexed owner, bytes32 salt);

    /// Deploys the account for (owner, salt), or returns it if it already exists, so that the
    /// factory call in an ERC-6492 signature never reverts for an account deployed since.
    function createAccount(address owner, bytes32 salt) external returns (address account) {
        account = getAccountAddress(owner, salt);
        if (account.code.length > 0) return account;
        address deployed = address(new DemoERC1271Wallet{salt: salt}(owner));
        require(deployed == account, "CREATE2 address mismatch");
        emit AccountCreated(account, owner, salt);
    }

    /// The address `createAccount(owner, salt)` deploys to, whether or not it has been deployed.
    function getAccountAddress(address owner, bytes32 salt) public view returns (address) {
        bytes32 initCodeHash = keccak256(abi.encodePacked(type(DemoERC1271Wallet).creationCode, abi.encode(owner)));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, initCodeHash)))));
    }
}

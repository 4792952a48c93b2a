// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice A hostile contract for the security suite: whatever it is asked (`isValidSignature` as
/// a wallet, `balanceOf` or `supportsInterface` as a token), it reverts with EIP-3668's
/// OffchainLookup naming a URL of its choosing. A verifier whose RPC client follows CCIP-Read
/// would then send an HTTP request wherever the contract says (server-side request forgery from
/// inside the authority's network). Neither a signature check nor a balance read may follow it.
contract DemoOffchainLookupWallet {
    error OffchainLookup(address sender, string[] urls, bytes callData, bytes4 callbackFunction, bytes extraData);

    string public url;

    constructor(string memory url_) {
        url = url_;
    }

    fallback(bytes calldata input) external returns (bytes memory) {
        string[] memory urls = new string[](1);
        urls[0] = url;
        revert OffchainLookup(address(this), urls, input, bytes4(input), "");
    }
}

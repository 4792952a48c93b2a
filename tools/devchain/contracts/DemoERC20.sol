// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice ERC-20 for the dev chain: OpenZeppelin's ERC20 with configurable decimals, so tests can
/// exercise Picket's "balance after decimals" rules with 0, 6 or 18 decimals.
contract DemoERC20 is ERC20 {
    uint8 private immutable _decimals;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Open mint: anyone may mint any amount. Fine for a throwaway local chain whose
    /// only job is to give test wallets balances; never deploy this anywhere real.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

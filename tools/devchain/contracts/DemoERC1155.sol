// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IERC1155MetadataURI} from "@openzeppelin/contracts/token/ERC1155/extensions/IERC1155MetadataURI.sol";
import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC1155Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC165, IERC165} from "@openzeppelin/contracts/utils/introspection/ERC165.sol";

/// @notice ERC-1155 for the dev chain.
/// @dev Not OpenZeppelin's ERC1155: in OZ 5.7 it imports Arrays, whose assembly uses the Cancun
/// opcode `mcopy`, and ganache 7.9.2 runs at most the Shanghai hardfork. So this is a small
/// implementation of the standard written against OZ's interfaces and custom errors, with the same
/// checks as OZ's ERC1155 (approvals, balances, receiver hooks on mint and transfer).
contract DemoERC1155 is ERC165, IERC1155MetadataURI, IERC1155Errors {
    string private _uri;

    mapping(uint256 id => mapping(address account => uint256)) private _balances;
    mapping(address account => mapping(address operator => bool)) private _operatorApprovals;

    constructor(string memory uri_) {
        _uri = uri_;
    }

    function supportsInterface(bytes4 interfaceId) public view override(ERC165, IERC165) returns (bool) {
        return
            interfaceId == type(IERC1155).interfaceId ||
            interfaceId == type(IERC1155MetadataURI).interfaceId ||
            super.supportsInterface(interfaceId);
    }

    /// @notice Open mint: anyone may mint any amount of any id. Dev chain only. Like OZ's `_mint`,
    /// minting to a contract calls its `onERC1155Received` hook.
    function mint(address to, uint256 id, uint256 amount) external {
        if (to == address(0)) revert ERC1155InvalidReceiver(address(0));
        _balances[id][to] += amount;
        emit TransferSingle(msg.sender, address(0), to, id, amount);
        _checkReceived(address(0), to, id, amount, "");
    }

    function uri(uint256) external view returns (string memory) {
        return _uri;
    }

    function balanceOf(address account, uint256 id) public view returns (uint256) {
        return _balances[id][account];
    }

    function balanceOfBatch(
        address[] calldata accounts,
        uint256[] calldata ids
    ) external view returns (uint256[] memory balances) {
        if (accounts.length != ids.length) revert ERC1155InvalidArrayLength(ids.length, accounts.length);
        balances = new uint256[](accounts.length);
        for (uint256 i = 0; i < accounts.length; ++i) {
            balances[i] = _balances[ids[i]][accounts[i]];
        }
    }

    function setApprovalForAll(address operator, bool approved) external {
        if (operator == address(0)) revert ERC1155InvalidOperator(address(0));
        _operatorApprovals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function isApprovedForAll(address account, address operator) public view returns (bool) {
        return _operatorApprovals[account][operator];
    }

    function safeTransferFrom(address from, address to, uint256 id, uint256 value, bytes calldata data) external {
        _checkTransfer(from, to);
        _move(from, to, id, value);
        emit TransferSingle(msg.sender, from, to, id, value);
        _checkReceived(from, to, id, value, data);
    }

    function safeBatchTransferFrom(
        address from,
        address to,
        uint256[] calldata ids,
        uint256[] calldata values,
        bytes calldata data
    ) external {
        if (ids.length != values.length) revert ERC1155InvalidArrayLength(ids.length, values.length);
        _checkTransfer(from, to);
        for (uint256 i = 0; i < ids.length; ++i) {
            _move(from, to, ids[i], values[i]);
        }
        emit TransferBatch(msg.sender, from, to, ids, values);
        if (to.code.length > 0) {
            try IERC1155Receiver(to).onERC1155BatchReceived(msg.sender, from, ids, values, data) returns (bytes4 r) {
                if (r != IERC1155Receiver.onERC1155BatchReceived.selector) revert ERC1155InvalidReceiver(to);
            } catch {
                revert ERC1155InvalidReceiver(to);
            }
        }
    }

    function _checkTransfer(address from, address to) private view {
        if (to == address(0)) revert ERC1155InvalidReceiver(address(0));
        if (from == address(0)) revert ERC1155InvalidSender(address(0));
        if (from != msg.sender && !isApprovedForAll(from, msg.sender)) {
            revert ERC1155MissingApprovalForAll(msg.sender, from);
        }
    }

    function _move(address from, address to, uint256 id, uint256 value) private {
        uint256 fromBalance = _balances[id][from];
        if (fromBalance < value) revert ERC1155InsufficientBalance(from, fromBalance, value, id);
        unchecked {
            _balances[id][from] = fromBalance - value;
        }
        _balances[id][to] += value;
    }

    function _checkReceived(address from, address to, uint256 id, uint256 value, bytes memory data) private {
        if (to.code.length == 0) return;
        try IERC1155Receiver(to).onERC1155Received(msg.sender, from, id, value, data) returns (bytes4 r) {
            if (r != IERC1155Receiver.onERC1155Received.selector) revert ERC1155InvalidReceiver(to);
        } catch {
            revert ERC1155InvalidReceiver(to);
        }
    }
}

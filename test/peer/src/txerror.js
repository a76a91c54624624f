"use strict";
// Transaction errors as the RPC API shows them.  litesvm reports the
// runtime's TransactionError in Rust Debug form ("InstructionError(0,
// Custom(1))"); `debugToJson` turns that into the serde JSON the RPC
// returns ({"InstructionError":[0,{"Custom":1}]}), and `display` gives
// the message used in "Transaction simulation failed: ..." errors.

function debugToJson(text) {
  let i = 0;
  const s = text.trim();
  const ws = () => { while (s[i] === " ") i++; };
  function val() {
    ws();
    if (s[i] === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === "\\" ? 2 : 1;
      const out = JSON.parse(s.slice(i, j + 1));
      i = j + 1;
      return out;
    }
    const num = /^-?\d+/.exec(s.slice(i));
    if (num) { i += num[0].length; return Number(num[0]); }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
    if (!id) throw new Error("cannot parse error: " + s);
    i += id[0].length;
    ws();
    if (s[i] === "(") {
      i++;
      const args = [];
      ws();
      while (s[i] !== ")") {
        args.push(val());
        ws();
        if (s[i] === ",") i++;
        ws();
      }
      i++;
      return { [id[0]]: args.length === 1 ? args[0] : args };
    }
    if (s[i] === "{") {
      i++;
      const o = {};
      ws();
      while (s[i] !== "}") {
        ws();
        const k = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i))[0];
        i += k.length;
        ws();
        i++; // ':'
        o[k] = val();
        ws();
        if (s[i] === ",") i++;
        ws();
      }
      i++;
      return { [id[0]]: o };
    }
    return id[0];
  }
  return val();
}

const IX_DISPLAY = {
  GenericError: "generic instruction error",
  InvalidArgument: "invalid program argument",
  InvalidInstructionData: "invalid instruction data",
  InvalidAccountData: "invalid account data for instruction",
  AccountDataTooSmall: "account data too small for instruction",
  InsufficientFunds: "insufficient funds for instruction",
  IncorrectProgramId: "incorrect program id for instruction",
  MissingRequiredSignature: "missing required signature for instruction",
  AccountAlreadyInitialized: "instruction requires an uninitialized account",
  UninitializedAccount: "instruction requires an initialized account",
  NotEnoughAccountKeys: "insufficient account keys for instruction",
  ComputationalBudgetExceeded: "Computational budget exceeded",
  ProgramFailedToComplete: "Program failed to complete",
  InvalidAccountOwner: "Invalid account owner",
  ArithmeticOverflow: "Program arithmetic overflowed",
  AccountNotExecutable: "instruction expected an executable account",
  UnsupportedProgramId: "Unsupported program id",
};

const TX_DISPLAY = {
  AccountInUse: "Account in use",
  AccountLoadedTwice: "Account loaded twice",
  AccountNotFound: "Attempt to debit an account but found no record of a prior credit.",
  ProgramAccountNotFound: "Attempt to load a program that does not exist",
  InsufficientFundsForFee: "Insufficient funds for fee",
  InvalidAccountForFee: "This account may not be used to pay transaction fees",
  AlreadyProcessed: "This transaction has already been processed",
  BlockhashNotFound: "Blockhash not found",
  CallChainTooDeep: "Loader call chain is too deep",
  MissingSignatureForFee: "Transaction requires a fee but has no signature present",
  InvalidAccountIndex: "Transaction contains an invalid account reference",
  SignatureFailure: "Transaction did not pass signature verification",
  InvalidProgramForExecution: "This program may not be used for executing instructions",
  SanitizeFailure: "Transaction failed to sanitize accounts offsets correctly",
  TooManyAccountLocks: "Transaction locked too many accounts",
  InvalidRentPayingAccount: "Transaction leaves an account with a lower balance than rent-exempt minimum",
};

function display(err) {
  if (typeof err === "string") return TX_DISPLAY[err] || err;
  if (err && err.InstructionError) {
    const [idx, ie] = err.InstructionError;
    let m;
    if (typeof ie === "string") m = IX_DISPLAY[ie] || ie;
    else if (ie && ie.Custom !== undefined) m = `custom program error: 0x${Number(ie.Custom).toString(16)}`;
    else m = JSON.stringify(ie);
    return `Error processing Instruction ${idx}: ${m}`;
  }
  if (err && err.InsufficientFundsForRent) return `Transaction results in an account (${err.InsufficientFundsForRent.account_index}) with insufficient funds for rent`;
  if (err && err.DuplicateInstruction !== undefined) return `Transaction contains a duplicate instruction (${err.DuplicateInstruction}) that is not allowed`;
  return JSON.stringify(err);
}

// Errors after which the transaction is still in a block (fee charged).
function isIncluded(err) {
  if (err === null) return true;
  if (typeof err === "object") return "InstructionError" in err || "InsufficientFundsForRent" in err || "DuplicateInstruction" in err || "ProgramExecutionTemporarilyRestricted" in err;
  return ["InvalidRentPayingAccount", "ProgramAccountNotFound", "InvalidProgramForExecution", "UnbalancedTransaction"].includes(err);
}

module.exports = { debugToJson, display, isIncluded };

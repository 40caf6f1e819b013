pragma circom 2.1.0;

include "poseidon.circom";
include "bitify.circom";
include "comparators.circom";
include "eddsaposeidon.circom";
include "sha256/sha256.circom";
include "float.circom";
include "quadtree.circom";

// The ZK rollup's batch circuit. Protocol reference: docs/zk-rollup.md; the TypeScript twin of
// every template here is operator/zk/batch.ts, and tests compare the two.
//
// State: a 4-ary Poseidon tree of accounts (quadtree.circom). An account's leaf is
//   Poseidon(token + nonce * 2^32, balance, ax, ay)
// with token < 2^32, nonce < 2^40, balance < 2^128 and (ax, ay) its BabyJubJub public key.
// Index 0 is never an account: a transaction slot with from = 0 is a no-op.

// AccountLeaf(): the leaf hash of an account.
template AccountLeaf() {
    signal input token;
    signal input nonce;
    signal input balance;
    signal input ax;
    signal input ay;
    signal output out;
    out <== Poseidon(4)([token + nonce * (1 << 32), balance, ax, ay]);
}

// BigEndianBytes(n, width): the `width` low bits of a number given as n bits (low first), as the
// MSB-first bit string of width / 8 bytes that SHA-256 reads. Bits above n are zero.
template BigEndianBits(n, width) {
    signal input bits[n];
    signal output out[width];
    for (var m = 0; m < width; m++) {
        var k = width - 1 - m;
        if (k < n) {
            out[m] <== bits[k];
        } else {
            out[m] <== 0;
        }
    }
}

// TxSlot(levels, F): a transfer (to != 0), a withdrawal (to = 0, paid on L1 to the sender's
// registered owner) or a no-op (from = 0), signed with EdDSA-Poseidon over
//   Poseidon(domain, from + to * 2^32 + token * 2^64, amountPacked + feePacked * 2^40 + nonce * 2^48).
// The fee goes to the fee slot whose token matches (feeOut); a fee with no matching slot fails.
// A no-op leaves the root unchanged and must carry all-zero fields (so its pubdata is zero).
template TxSlot(levels, F) {
    signal input rootIn;
    signal input domain;
    signal input feeTokens[F];

    signal input fromIdx;
    signal input toIdx;
    signal input token;
    signal input nonce;
    signal input amountPacked;
    signal input feePacked;
    signal input sigR8x;
    signal input sigR8y;
    signal input sigS;

    // Sender account (its token and nonce are the transaction's, which membership proves).
    signal input balance;
    signal input ax;
    signal input ay;
    signal input senderSiblings[levels][4];

    // Receiver account (ignored for withdrawals and no-ops).
    signal input rNonce;
    signal input rBalance;
    signal input rAx;
    signal input rAy;
    signal input receiverSiblings[levels][4];

    signal output rootOut;
    signal output feeOut[F];
    // from, to (whole bytes each), amount (5 bytes), fee (1 byte), MSB first.
    signal output pubdata[2 * ((2 * levels + 7) \ 8 * 8) + 48];

    var IB = (2 * levels + 7) \ 8 * 8; // index width in pubdata, whole bytes

    component fromBits = Num2Bits(2 * levels);
    fromBits.in <== fromIdx;
    component toBits = Num2Bits(2 * levels);
    toBits.in <== toIdx;
    component tokenBits = Num2Bits(32);
    tokenBits.in <== token;
    component nonceBits = Num2Bits(40);
    nonceBits.in <== nonce;

    signal isNoop <== IsZero()(fromIdx);
    signal enabled <== 1 - isNoop;
    signal toZero <== IsZero()(toIdx);
    signal isTransfer <== enabled * (1 - toZero);

    // A no-op carries nothing.
    isNoop * toIdx === 0;
    isNoop * amountPacked === 0;
    isNoop * feePacked === 0;

    component amount = FloatDecode(5, 35);
    amount.in <== amountPacked;
    component fee = FloatDecode(5, 3);
    fee.in <== feePacked;

    // Signature.
    signal message <== Poseidon(3)([
        domain,
        fromIdx + toIdx * (1 << 32) + token * (1 << 64),
        amountPacked + feePacked * (1 << 40) + nonce * (1 << 48)
    ]);
    component sig = EdDSAPoseidonVerifier();
    sig.enabled <== enabled;
    sig.Ax <== ax;
    sig.Ay <== ay;
    sig.S <== sigS;
    sig.R8x <== sigR8x;
    sig.R8y <== sigR8y;
    sig.M <== message;

    // Sender: membership, then debit amount + fee and bump the nonce.
    signal senderLeaf <== AccountLeaf()(token, nonce, balance, ax, ay);
    signal senderRoot <== QuadMerkleRoot(levels)(senderLeaf, fromBits.out, senderSiblings);
    (senderRoot - rootIn) * enabled === 0;
    signal senderBalance <== balance - amount.out - fee.out;
    // INVARIANT: no overdraft: the new balance is a 128-bit number.
    component senderBalanceBits = Num2Bits(128);
    senderBalanceBits.in <== senderBalance * enabled;
    signal senderLeafAfter <== AccountLeaf()(token, nonce + 1, senderBalance, ax, ay);
    signal rootAfterSender <== QuadMerkleRoot(levels)(senderLeafAfter, fromBits.out, senderSiblings);

    // Receiver: membership under the updated root, same token, credit amount.
    signal receiverLeaf <== AccountLeaf()(token, rNonce, rBalance, rAx, rAy);
    signal receiverRoot <== QuadMerkleRoot(levels)(receiverLeaf, toBits.out, receiverSiblings);
    (receiverRoot - rootAfterSender) * isTransfer === 0;
    signal receiverBalance <== rBalance + amount.out;
    // INVARIANT: no overflow: the receiver's new balance is a 128-bit number.
    component receiverBalanceBits = Num2Bits(128);
    receiverBalanceBits.in <== receiverBalance * isTransfer;
    signal receiverLeafAfter <== AccountLeaf()(token, rNonce, receiverBalance, rAx, rAy);
    signal rootAfterReceiver <== QuadMerkleRoot(levels)(receiverLeafAfter, toBits.out, receiverSiblings);

    signal rootIfEnabled <== rootAfterSender + isTransfer * (rootAfterReceiver - rootAfterSender);
    rootOut <== rootIn + enabled * (rootIfEnabled - rootIn);

    // Fee routing: to the fee slot of the same token.
    signal feeEnabled <== fee.out * enabled;
    signal same[F];
    signal matches[F + 1];
    matches[0] <== 0;
    for (var j = 0; j < F; j++) {
        same[j] <== IsEqual()([token, feeTokens[j]]);
        feeOut[j] <== feeEnabled * same[j];
        matches[j + 1] <== matches[j] + same[j];
    }
    // INVARIANT: a fee is only ever paid into a fee account of its token.
    feeEnabled * (1 - matches[F]) === 0;

    signal fromBytes[IB] <== BigEndianBits(2 * levels, IB)(fromBits.out);
    signal toBytes[IB] <== BigEndianBits(2 * levels, IB)(toBits.out);
    signal amountBytes[40] <== BigEndianBits(40, 40)(amount.bits);
    signal feeBytes[8] <== BigEndianBits(8, 8)(fee.bits);
    for (var m = 0; m < IB; m++) {
        pubdata[m] <== fromBytes[m];
        pubdata[IB + m] <== toBytes[m];
    }
    for (var m = 0; m < 40; m++) pubdata[2 * IB + m] <== amountBytes[m];
    for (var m = 0; m < 8; m++) pubdata[2 * IB + 40 + m] <== feeBytes[m];
}

// DepositSlot(levels): one deposit from the L1 queue, taken in order (`active` slots form a
// prefix). Each deposit extends the queue's hash chain exactly as the contract does:
//   chain' = Poseidon(chain, toIdx + token * 2^32 + kind * 2^64, amount, ax, ay)
// kind 1 creates the account at toIdx (the contract assigned a fresh index); kind 0 credits an
// existing account of the same token. A deposit that cannot apply (create on a used index,
// credit to a missing account, another token, or a balance overflow) is a no-op with
// applied = 0, and the contract refunds it. It never makes the batch unprovable.
template DepositSlot(levels) {
    signal input rootIn;
    signal input chainIn;
    signal input active;
    signal input kind;
    signal input toIdx;
    signal input token;
    signal input amount;
    signal input ax;
    signal input ay;
    // The account at toIdx before the deposit: empty, or these fields.
    signal input wasEmpty;
    signal input oToken;
    signal input oNonce;
    signal input oBalance;
    signal input oAx;
    signal input oAy;
    signal input siblings[levels][4];

    signal output rootOut;
    signal output chainOut;
    signal output applied;

    active * (1 - active) === 0;
    kind * (1 - kind) === 0;
    wasEmpty * (1 - wasEmpty) === 0;
    // The contract guarantees these ranges for every queued deposit.
    component toBits = Num2Bits(2 * levels);
    toBits.in <== toIdx;
    component tokenBits = Num2Bits(32);
    tokenBits.in <== token;
    component amountBits = Num2Bits(128);
    amountBits.in <== amount;

    signal chainNext <== Poseidon(5)([chainIn, toIdx + token * (1 << 32) + kind * (1 << 64), amount, ax, ay]);
    chainOut <== chainIn + active * (chainNext - chainIn);

    // The account before: membership of its leaf (0 when empty).
    signal existingLeaf <== AccountLeaf()(oToken, oNonce, oBalance, oAx, oAy);
    signal oldLeaf <== existingLeaf * (1 - wasEmpty);
    signal oldRoot <== QuadMerkleRoot(levels)(oldLeaf, toBits.out, siblings);
    (oldRoot - rootIn) * active === 0;

    // Validity.
    signal sameToken <== IsEqual()([oToken, token]);
    signal fits <== LessThan(129)([oBalance + amount, 1 << 128]);
    signal creditOk <== (1 - wasEmpty) * sameToken;
    signal creditValid <== creditOk * fits;
    signal kindValid <== kind * (wasEmpty - creditValid) + creditValid;
    applied <== active * kindValid;

    signal createdLeaf <== AccountLeaf()(token, 0, amount, ax, ay);
    signal creditedLeaf <== AccountLeaf()(oToken, oNonce, oBalance + amount, oAx, oAy);
    signal newLeaf <== creditedLeaf + kind * (createdLeaf - creditedLeaf);
    signal newRoot <== QuadMerkleRoot(levels)(newLeaf, toBits.out, siblings);
    rootOut <== rootIn + applied * (newRoot - rootIn);
}

// FeeSlot(levels): credits the fees collected in the batch to the fee account `feeIdx`, whose
// token is `feeToken`. feeIdx = 0 means unused, and then nothing may have been collected for it.
template FeeSlot(levels) {
    signal input rootIn;
    signal input feeIdx;
    signal input feeToken;
    signal input collected;
    signal input nonce;
    signal input balance;
    signal input ax;
    signal input ay;
    signal input siblings[levels][4];
    signal output rootOut;
    signal output used;
    signal output idxBytes[(2 * levels + 7) \ 8 * 8];

    component bits = Num2Bits(2 * levels);
    bits.in <== feeIdx;
    idxBytes <== BigEndianBits(2 * levels, (2 * levels + 7) \ 8 * 8)(bits.out);
    signal unused <== IsZero()(feeIdx);
    used <== 1 - unused;
    collected * (1 - used) === 0;

    signal leaf <== AccountLeaf()(feeToken, nonce, balance, ax, ay);
    signal root <== QuadMerkleRoot(levels)(leaf, bits.out, siblings);
    (root - rootIn) * used === 0;
    signal newBalance <== balance + collected;
    component newBalanceBits = Num2Bits(128);
    newBalanceBits.in <== newBalance * used;
    signal newLeaf <== AccountLeaf()(feeToken, nonce, newBalance, ax, ay);
    signal newRoot <== QuadMerkleRoot(levels)(newLeaf, bits.out, siblings);
    rootOut <== rootIn + used * (newRoot - rootIn);
}

// Rollup(levels, T, D, F): a batch of D deposits, then T transactions, then F fee credits.
//
// One public input:
//   inputHash = Poseidon(oldRoot, newRoot, chainBefore, chainAfter, domain, sha256(pubdata) >> 3)
// where pubdata = T transaction records (TxPubdata) ++ the deposits' applied bits (bit i of a
// ceil(D/8)-byte big-endian number is deposit i) ++ the F fee account indices (whole bytes each).
// The contract recomputes inputHash from its stored root and chain, the calldata and its domain.
template Rollup(levels, T, D, F) {
    assert(levels >= 1 && levels <= 16);
    assert(T >= 1 && D >= 1 && F >= 1);
    var IB = (2 * levels + 7) \ 8 * 8;
    var TX_BITS = 2 * IB + 48;
    var DEPOSIT_BITS = (D + 7) \ 8 * 8;
    var PUBDATA_BITS = T * TX_BITS + DEPOSIT_BITS + F * IB;

    signal input inputHash;

    signal input oldRoot;
    signal input chainBefore;
    signal input domain;
    signal input feeTokens[F];

    signal input depActive[D];
    signal input depKind[D];
    signal input depToIdx[D];
    signal input depToken[D];
    signal input depAmount[D];
    signal input depAx[D];
    signal input depAy[D];
    signal input depWasEmpty[D];
    signal input depOToken[D];
    signal input depONonce[D];
    signal input depOBalance[D];
    signal input depOAx[D];
    signal input depOAy[D];
    signal input depSiblings[D][levels][4];

    signal input txFrom[T];
    signal input txTo[T];
    signal input txToken[T];
    signal input txNonce[T];
    signal input txAmount[T];
    signal input txFee[T];
    signal input txR8x[T];
    signal input txR8y[T];
    signal input txS[T];
    signal input txBalance[T];
    signal input txAx[T];
    signal input txAy[T];
    signal input txSenderSiblings[T][levels][4];
    signal input txRNonce[T];
    signal input txRBalance[T];
    signal input txRAx[T];
    signal input txRAy[T];
    signal input txReceiverSiblings[T][levels][4];

    signal input feeIdx[F];
    signal input feeNonce[F];
    signal input feeBalance[F];
    signal input feeAx[F];
    signal input feeAy[F];
    signal input feeSiblings[F][levels][4];

    signal pubdata[PUBDATA_BITS];

    // Deposits.
    component deposits[D];
    signal roots[D + T + F + 1];
    signal chains[D + 1];
    roots[0] <== oldRoot;
    chains[0] <== chainBefore;
    var appliedBits = 0;
    for (var i = 0; i < D; i++) {
        if (i > 0) {
            // INVARIANT: deposits are consumed in queue order: active slots form a prefix.
            depActive[i] * (1 - depActive[i - 1]) === 0;
        }
        deposits[i] = DepositSlot(levels);
        deposits[i].rootIn <== roots[i];
        deposits[i].chainIn <== chains[i];
        deposits[i].active <== depActive[i];
        deposits[i].kind <== depKind[i];
        deposits[i].toIdx <== depToIdx[i];
        deposits[i].token <== depToken[i];
        deposits[i].amount <== depAmount[i];
        deposits[i].ax <== depAx[i];
        deposits[i].ay <== depAy[i];
        deposits[i].wasEmpty <== depWasEmpty[i];
        deposits[i].oToken <== depOToken[i];
        deposits[i].oNonce <== depONonce[i];
        deposits[i].oBalance <== depOBalance[i];
        deposits[i].oAx <== depOAx[i];
        deposits[i].oAy <== depOAy[i];
        deposits[i].siblings <== depSiblings[i];
        roots[i + 1] <== deposits[i].rootOut;
        chains[i + 1] <== deposits[i].chainOut;
    }

    // Transactions.
    component txs[T];
    signal collected[T + 1][F];
    for (var j = 0; j < F; j++) collected[0][j] <== 0;
    for (var t = 0; t < T; t++) {
        txs[t] = TxSlot(levels, F);
        txs[t].rootIn <== roots[D + t];
        txs[t].domain <== domain;
        txs[t].feeTokens <== feeTokens;
        txs[t].fromIdx <== txFrom[t];
        txs[t].toIdx <== txTo[t];
        txs[t].token <== txToken[t];
        txs[t].nonce <== txNonce[t];
        txs[t].amountPacked <== txAmount[t];
        txs[t].feePacked <== txFee[t];
        txs[t].sigR8x <== txR8x[t];
        txs[t].sigR8y <== txR8y[t];
        txs[t].sigS <== txS[t];
        txs[t].balance <== txBalance[t];
        txs[t].ax <== txAx[t];
        txs[t].ay <== txAy[t];
        txs[t].senderSiblings <== txSenderSiblings[t];
        txs[t].rNonce <== txRNonce[t];
        txs[t].rBalance <== txRBalance[t];
        txs[t].rAx <== txRAx[t];
        txs[t].rAy <== txRAy[t];
        txs[t].receiverSiblings <== txReceiverSiblings[t];
        roots[D + t + 1] <== txs[t].rootOut;
        for (var j = 0; j < F; j++) collected[t + 1][j] <== collected[t][j] + txs[t].feeOut[j];
        for (var m = 0; m < TX_BITS; m++) pubdata[t * TX_BITS + m] <== txs[t].pubdata[m];
    }

    // Fees. INVARIANT: used fee slots have distinct tokens, so no fee is credited twice.
    component fees[F];
    for (var j = 0; j < F; j++) {
        fees[j] = FeeSlot(levels);
        fees[j].rootIn <== roots[D + T + j];
        fees[j].feeIdx <== feeIdx[j];
        fees[j].feeToken <== feeTokens[j];
        fees[j].collected <== collected[T][j];
        fees[j].nonce <== feeNonce[j];
        fees[j].balance <== feeBalance[j];
        fees[j].ax <== feeAx[j];
        fees[j].ay <== feeAy[j];
        fees[j].siblings <== feeSiblings[j];
        roots[D + T + j + 1] <== fees[j].rootOut;
        for (var m = 0; m < IB; m++) pubdata[T * TX_BITS + DEPOSIT_BITS + j * IB + m] <== fees[j].idxBytes[m];
    }
    var PAIRS = F * (F - 1) \ 2;
    signal pairUsed[PAIRS];
    signal pairSame[PAIRS];
    var pair = 0;
    for (var j = 0; j < F; j++) {
        for (var k = j + 1; k < F; k++) {
            pairUsed[pair] <== fees[j].used * fees[k].used;
            pairSame[pair] <== IsEqual()([feeTokens[j], feeTokens[k]]);
            pairUsed[pair] * pairSame[pair] === 0;
            pair++;
        }
    }

    // Deposit applied bits, as a big-endian number of DEPOSIT_BITS bits.
    for (var m = 0; m < DEPOSIT_BITS; m++) {
        var i = DEPOSIT_BITS - 1 - m;
        if (i < D) {
            pubdata[T * TX_BITS + m] <== deposits[i].applied;
        } else {
            pubdata[T * TX_BITS + m] <== 0;
        }
    }

    component sha = Sha256(PUBDATA_BITS);
    sha.in <== pubdata;
    var shaField = 0;
    for (var b = 0; b < 253; b++) shaField += sha.out[b] * (1 << (252 - b));

    signal expected <== Poseidon(6)([oldRoot, roots[D + T + F], chainBefore, chains[D], domain, shaField]);
    inputHash === expected;
}
